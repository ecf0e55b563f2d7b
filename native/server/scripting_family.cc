// Scripting commands: EVAL EVALSHA EVAL_RO EVALSHA_RO SCRIPT (LOAD EXISTS FLUSH
// KILL DEBUG HELP), FUNCTION (LOAD LIST DELETE FLUSH DUMP RESTORE STATS KILL
// HELP), FCALL FCALL_RO. Semantics and error texts follow Redis 7.0 (eval.c,
// script.c, functions.c); the Lua side lives in native/scripting/.
//
// redis.call goes straight into the dispatcher's per-command path
// (Server::CallFromScript) on a script client that shares the caller's id,
// database and tracking state, so a script's writes raise keyspace
// notifications, WATCH and tracking invalidations and statistics exactly as
// the same commands sent by the caller would, and are propagated (AOF) as
// those commands, wrapped in MULTI/EXEC when more than one, honouring
// redis.set_repl; EVAL and FCALL themselves never are (Redis 7.0's effects
// replication). Commands TypeScript owns (PUBLISH, ...) go through the
// JsExecutor that EXEC uses.
//
// Long scripts: every 100,000 Lua instructions the hook checks the time;
// past busy-reply-threshold the server answers other clients -BUSY (Server's
// busy error) and the socket layer serves them from inside the hook
// (BusyPump), so SCRIPT KILL / FUNCTION KILL / SHUTDOWN NOSAVE get through.
#include <algorithm>
#include <strings.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/glob.h"
#include "core/util.h"
#include "scripting/lua_engine.h"
#include "core/sha1.h"
#include "server/command.h"
#include "protocol/request_parser.h"
#include "server/rdb_reader.h"
#include "server/replies.h"
#include "server/rdb_writer.h"
#include "server/server.h"

namespace tachyon {

namespace {

constexpr std::string_view kSlowEval =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
constexpr std::string_view kSlowFunction =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
constexpr std::string_view kNoScript = "NOSCRIPT No matching script. Please use EVAL.";
constexpr std::string_view kBadName =
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

struct Library {
  std::string name;
  std::string code;  // the whole payload, shebang included (FUNCTION LIST WITHCODE, DUMP)
  std::vector<LuaFunction> functions;
};

// The script or function being executed.
struct ScriptRun {
  bool active = false;
  bool eval = true;
  bool read_only = false;
  bool write_dirty = false;  // a write ran: SCRIPT KILL answers UNKILLABLE
  bool allow_oom = false;    // the allow-oom flag: denyoom writes run over maxmemory
  bool killed = false;
  bool timed_out = false;    // past busy-reply-threshold
  bool shutdown = false;     // SHUTDOWN NOSAVE arrived while busy
  Client* caller = nullptr;
  int64_t start_us = 0;
  std::string name;
  const std::string_view* argv = nullptr;  // FUNCTION STATS: the FCALL as sent (valid while it runs)
  int argc = 0;
};

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (char ch : name) {
    if (!isalnum(static_cast<unsigned char>(ch)) && ch != '_') return false;
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

struct ScriptingState : public ScriptHost {
  explicit ScriptingState(Server& s) : server(s) {
    eval = std::make_unique<LuaEngine>(LuaEngine::Mode::kEval);
    functions = std::make_unique<LuaEngine>(LuaEngine::Mode::kFunction);
    script_client.slot = -1;
    script_client.lua = true;
    script_client.acl_user = s.acl_user(0);
  }

  Server& server;
  std::unique_ptr<LuaEngine> eval;
  std::unordered_map<std::string, uint32_t> script_flags;  // sha -> shebang flags
  size_t script_body_bytes = 0;  // bodies of the cached scripts (INFO used_memory_scripts_eval)
  std::unique_ptr<LuaEngine> functions;
  std::map<std::string, Library> libraries;
  // Function name, lower-cased (Redis's function names are case-insensitive) -> library and index.
  std::unordered_map<std::string, std::pair<Library*, size_t>> function_index;
  Client script_client;
  ScriptRun run;

  // ---- ScriptHost ----

  std::string lowered;  // scratch for command lookups (no allocation per redis.call)

  // redis.call's command lookups, cached by the exact name bytes the script
  // passed (scripts call the same few commands over and over; lowering the
  // name and hashing it into the table cost more than the command itself).
  // Containers (their subcommand comes from argv[1]) are not cached.
  struct CachedCommand {
    std::string name;
    CommandEntry* cmd = nullptr;
  };
  static constexpr size_t kCommandCacheSize = 16;
  CachedCommand command_cache[kCommandCacheSize];
  uint32_t command_cache_version = 0;

  CommandEntry* Find(const std::vector<std::string_view>& argv) {
    const std::string_view name = argv[0];
    if (command_cache_version != server.commands_version()) {
      for (CachedCommand& cached : command_cache) cached.cmd = nullptr;
      command_cache_version = server.commands_version();
    }
    size_t h = name.size();
    if (!name.empty()) h = h * 31 + static_cast<unsigned char>(name[0]) * 7 + static_cast<unsigned char>(name.back());
    CachedCommand& cached = command_cache[h % kCommandCacheSize];
    if (cached.cmd && cached.name == name) return cached.cmd;
    const auto& table = server.commands();
    auto lower = [&](std::string_view in) -> const std::string& {
      lowered.assign(in);
      for (char& ch : lowered) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
      return lowered;
    };
    auto it = table.find(lower(name));
    if (it == table.end() || it->first[0] == '|') return nullptr;
    CommandEntry* cmd = it->second.get();
    if (cmd->is_container && argv.size() >= 2) {
      auto sub = cmd->subcommands.find(lower(argv[1]));
      if (sub == cmd->subcommands.end()) return nullptr;
      cmd = sub->second;
    }
    if (cmd->owner == CommandOwner::kNone) return nullptr;
    if (!it->second->is_container) {
      cached.name.assign(name);
      cached.cmd = cmd;
    }
    return cmd;
  }

  void ScriptCommand(const std::vector<std::string_view>& argv, int resp, ByteBuffer* out,
                     std::string* error) override {
    CommandEntry* cmd = Find(argv);
    int argc = static_cast<int>(argv.size());
    if (!cmd) {
      error->assign("Unknown Redis command called from script");
      return;
    }
    int arity = cmd->spec->arity;
    if ((arity > 0 && arity != argc) || argc < -arity) {
      error->assign("Wrong number of args calling Redis command from script");
      return;
    }
    uint32_t flags = cmd->spec->flags;
    if ((flags & CMD_NOSCRIPT) && !server.settings().script_disable_deny_script) {
      error->assign("This Redis command is not allowed from script");
      return;
    }
    // The caller's ACLs apply to what its script runs (Redis's scriptVerifyACL).
    if (!run.caller->acl_user->unrestricted) {
      int pos = 0;
      int r = server.CheckAcl(*run.caller, *run.caller->acl_user, cmd, argv, "lua", &pos);
      if (r != kAclOk) {
        error->assign(r == kAclDeniedCmd ? "The user executing the script can't run this command or subcommand"
                      : r == kAclDeniedKey
                          ? "The user executing the script can't access at least one of the keys mentioned in the "
                            "command arguments"
                          : "The user executing the script can't publish to the channel mentioned in the command");
        return;
      }
    }
    if ((flags & CMD_WRITE) && run.read_only) {
      error->assign("Write commands are not allowed from read-only scripts.");
      return;
    }
    // min-replicas-to-write unmet: only a script without shebang flags gets
    // this far (the others were refused before running, as writes).
    if ((flags & CMD_WRITE) && server.settings().no_good_replicas) {
      error->assign("-NOREPLICAS Not enough good replicas to write.");
      return;
    }
    // Over maxmemory when the script started: its first write may not be a
    // denyoom one (later ones may: a script is not stopped halfway).
    if (!run.allow_oom && server.settings().maxmemory > 0 && !run.write_dirty && server.pre_command_oom() &&
        (flags & CMD_DENYOOM)) {
      error->assign("-OOM command not allowed when used memory > 'maxmemory'.");
      return;
    }
    if (flags & CMD_WRITE) run.write_dirty = true;
    Client& sc = script_client;
    Reply reply(out, &server);
    reply.set_resp(resp);
    if (cmd->owner == CommandOwner::kJs) {
      // PUBLISH and the other commands TypeScript owns: through EXEC's runner, as the
      // caller, in the database the script selected (MIGRATE reads its keys there).
      if (JsExecutor* ex = server.js_executor()) {
        const int caller_db = run.caller->db;
        run.caller->db = sc.db;
        ex->Run(*run.caller, argv, out);
        run.caller->db = caller_db;
      } else {
        reply.Error("ERR command not available from scripts");
      }
      return;
    }
    sc.resp = resp;
    sc.argv.assign(argv.begin(), argv.end());  // into the kept capacity: no allocation per call
    // The command is propagated where redis.set_repl allows (its effects, not the script, are propagated).
    const LuaEngine& engine = run.eval ? *eval : *functions;
    server.CallFromScript(sc, cmd, reply, static_cast<uint8_t>(engine.repl_flags() & kPropagateAll));
    sc.argv.clear();
  }

  // redis.acl_check_cmd: the caller's ACLs, without an ACL LOG entry.
  int ScriptCommandCheck(const std::vector<std::string_view>& argv) override {
    CommandEntry* cmd = Find(argv);
    if (!cmd) return -1;
    int pos = 0;
    return server.DryRunAcl(*run.caller->acl_user, cmd, argv, &pos) == kAclOk ? 1 : 0;
  }

  void ScriptLog(int level, std::string_view msg) override {
    static const char* const kLevels[] = {"debug", "verbose", "notice", "warning"};
    server.QueueEvent(EventKind::kLog, 0, 0, kLevels[level], msg);
  }

  int LogVerbosity() override { return 0; }

  bool ScriptInterrupted() override {
    if (!run.active) return false;
    if (!run.timed_out) {
      int64_t threshold = server.settings().busy_reply_threshold;
      int64_t elapsed_ms = (NowUs() - run.start_us) / 1000;
      if (threshold <= 0 || elapsed_ms < threshold) return false;
      run.timed_out = true;
      std::string msg = "Slow script detected: still in execution after " + std::to_string(elapsed_ms) +
                        " milliseconds. You can try killing the script using the " +
                        (run.eval ? "SCRIPT KILL" : "FUNCTION KILL") + " command.";
      server.QueueEvent(EventKind::kLog, 0, 0, "warning", msg);
      server.SetBusyError(run.eval ? kSlowEval : kSlowFunction);
    }
    if (BusyPump* pump = server.busy_pump()) pump->PumpWhileBusy(*run.caller);
    return run.killed || run.shutdown;
  }

  // ---- Running ----

  // Redis's scriptPrepareForRun checks; false with the error replied.
  bool Prepare(CommandContext& c, uint32_t flags, bool ro) {
    if (!(flags & kScriptEvalCompat) && !(flags & kScriptNoWrites) && ro) {
      c.reply.Error("ERR Can not execute a script with write flag using *_ro command.");
      return false;
    }
    if (!(flags & kScriptEvalCompat) && server.pre_command_oom() && server.settings().maxmemory > 0 &&
        !(flags & (kScriptAllowOom | kScriptNoWrites))) {
      c.reply.Error("OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'");
      return false;
    }
    return true;
  }

  void Execute(CommandContext& c, bool is_eval, const std::string& sha, int ref, uint32_t flags, bool ro,
               int numkeys, int first_key, std::string_view name) {
    // Redis 7.0 propagates what a script did, never the script: the commands it
    // ran (redis.set_repl permitting) are collected by the Propagator and sent
    // after it, in MULTI/EXEC when there is more than one.
    c.PreventPropagation();
    // KEYS and ARGV views, in vectors kept between runs (scripts do not nest).
    std::vector<std::string_view>& keys = keys_scratch;
    std::vector<std::string_view>& args = args_scratch;
    keys.assign(c.argv + first_key, c.argv + first_key + numkeys);
    args.assign(c.argv + first_key + numkeys, c.argv + c.argc);
    run = ScriptRun();
    run.active = true;
    run.eval = is_eval;
    run.read_only = ro || (!(flags & kScriptEvalCompat) && (flags & kScriptNoWrites));
    run.allow_oom = !(flags & kScriptEvalCompat) && (flags & kScriptAllowOom);
    run.caller = &c.client;
    run.start_us = NowUs();
    run.name.assign(name);
    run.argv = c.argv;
    run.argc = c.argc;
    Client& sc = script_client;
    sc.id = c.client.id;
    sc.db = c.client.db;
    sc.resp = 2;
    sc.tracking = c.client.tracking;
    sc.in_exec = true;  // blocking commands never block here
    bool hook = server.settings().busy_reply_threshold > 0;
    LuaEngine& engine = is_eval ? *eval : *functions;
    engine.Run(sha, ref, keys, args, this, c.reply, name, hook);
    if (run.timed_out) server.SetBusyError("");
    if (run.shutdown) server.QueueEvent(EventKind::kShutdown, 0, 0, "", "");
    run.active = false;
    run.caller = nullptr;
    keys.clear();
    args.clear();
  }

  std::vector<std::string_view> keys_scratch;
  std::vector<std::string_view> args_scratch;
  std::string sha_scratch;  // EVALSHA's lowered digest
};

void Server::RequestScriptShutdown() {
  ScriptingState& s = scripting();
  if (s.run.active) s.run.shutdown = true;
}

ScriptingState& Server::scripting() {
  if (!scripting_) scripting_ = std::make_shared<ScriptingState>(*this);
  return *scripting_;
}

namespace {

// Parses numkeys at argv[i]: Redis's checks and texts.
bool ParseNumKeys(CommandContext& c, int i, int* out, std::string_view not_int = err::kNotInt) {
  int64_t n;
  if (!String2ll(c.arg(i), &n)) {
    c.reply.Error(not_int);
    return false;
  }
  if (n > c.argc - (i + 1)) {
    c.reply.Error("ERR Number of keys can't be greater than number of args");
    return false;
  }
  if (n < 0) {
    c.reply.Error("ERR Number of keys can't be negative");
    return false;
  }
  *out = static_cast<int>(n);
  return true;
}

// Reads an EVAL script's shebang line ("#!lua flags=no-writes,allow-oom"):
// its flags, and where the Lua code starts (the newline stays, so line
// numbers do not move). Without a shebang the script runs in Redis 6 mode.
bool ParseShebang(std::string_view body, uint32_t* flags, size_t* code_start, std::string* error) {
  *flags = kScriptEvalCompat;
  *code_start = 0;
  if (body.substr(0, 2) != "#!") return true;
  size_t nl = body.find('\n');
  if (nl == std::string_view::npos) {
    *error = "Invalid script shebang";
    return false;
  }
  std::vector<std::string> parts;
  std::string line(body.substr(0, nl));
  size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && isspace(static_cast<unsigned char>(line[pos]))) pos++;
    if (pos >= line.size()) break;
    size_t end = pos;
    while (end < line.size() && !isspace(static_cast<unsigned char>(line[end]))) end++;
    parts.push_back(line.substr(pos, end - pos));
    pos = end;
  }
  if (parts.empty()) {
    *error = "Invalid engine in script shebang";
    return false;
  }
  if (parts[0] != "#!lua") {
    *error = "Unexpected engine in script shebang: " + parts[0];
    return false;
  }
  *flags = 0;
  for (size_t j = 1; j < parts.size(); j++) {
    if (parts[j].compare(0, 6, "flags=") != 0) {
      *error = "Unknown lua shebang option: " + parts[j];
      return false;
    }
    std::string list = parts[j].substr(6);
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = list.find(',', start);
      std::string name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      uint32_t f;
      if (!name.empty() || comma != std::string::npos) {
        if (!ScriptFlagByName(name, &f)) {
          *error = "Unexpected flag in script shebang: " + name;
          return false;
        }
        *flags |= f;
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  *code_start = nl;
  return true;
}

// Compiles body into the script cache (if not there yet); returns its sha or "" with the error replied.
std::string LoadScript(CommandContext& c, ScriptingState& s, std::string_view body) {
  std::string sha = Sha1Hex(body);
  if (s.eval->HasScript(sha)) return sha;
  uint32_t flags;
  size_t start;
  std::string error;
  if (!ParseShebang(body, &flags, &start, &error)) {
    c.reply.Error("ERR " + error);
    return "";
  }
  if (!s.eval->CompileScript(sha, body.substr(start), &error)) {
    c.reply.Error("ERR " + error);
    return "";
  }
  s.script_flags[sha] = flags;
  s.script_body_bytes += body.size();
  return sha;
}

void EvalGeneric(CommandContext& c, bool by_sha, bool ro) {
  ScriptingState& s = c.server.scripting();
  // EVALSHA answers NOSCRIPT for anything but a 40-character digest before looking at numkeys.
  if (by_sha && c.arg(1).size() != 40) return c.reply.Error(kNoScript);
  int numkeys;
  if (!ParseNumKeys(c, 2, &numkeys)) return;
  std::string& sha = s.sha_scratch;  // kept between calls: no allocation per EVALSHA
  if (by_sha) {
    sha.assign(c.arg(1));
    for (char& ch : sha) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
    if (sha.size() != 40 || !s.eval->HasScript(sha)) return c.reply.Error(kNoScript);
  } else {
    sha = LoadScript(c, s, c.arg(1));
    if (sha.empty()) return;
  }
  uint32_t flags = s.script_flags[sha];
  if (!s.Prepare(c, flags, ro)) return;
  s.Execute(c, true, sha, 0, flags, ro, numkeys, 3, sha);
}

void EvalCommand(CommandContext& c) { EvalGeneric(c, false, false); }
void EvalRoCommand(CommandContext& c) { EvalGeneric(c, false, true); }
void EvalShaCommand(CommandContext& c) { EvalGeneric(c, true, false); }
void EvalShaRoCommand(CommandContext& c) { EvalGeneric(c, true, true); }

void ReplyHelp(CommandContext& c, const char* command, const std::vector<const char*>& lines) {
  c.reply.Array(lines.size() + 3);
  std::string head = std::string(command) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:";
  c.reply.Simple(head);
  for (const char* l : lines) c.reply.Simple(l);
  c.reply.Simple("HELP");
  c.reply.Simple("    Prints this help.");
}

void ScriptHelp(CommandContext& c) {
  ReplyHelp(c, "SCRIPT",
            {"DEBUG (YES|SYNC|NO)",
             "    Set the debug mode for subsequent scripts executed.",
             "EXISTS <sha1> [<sha1> ...]",
             "    Return information about the existence of the scripts in the script cache.",
             "FLUSH [ASYNC|SYNC]",
             "    Flush the Lua scripts cache. Very dangerous on replicas.",
             "    When called without the optional mode argument, the behavior is determined by the",
             "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
             "    * ASYNC: Asynchronously flush the scripts cache.",
             "    * SYNC: Synchronously flush the scripts cache.",
             "KILL",
             "    Kill the currently executing Lua script.",
             "LOAD <script>",
             "    Load a script into the scripts cache without executing it."});
}

void ScriptLoad(CommandContext& c) {
  std::string sha = LoadScript(c, c.server.scripting(), c.arg(2));
  if (!sha.empty()) c.reply.Bulk(sha);
}

void ScriptExists(CommandContext& c) {
  ScriptingState& s = c.server.scripting();
  c.reply.Array(c.argc - 2);
  for (int i = 2; i < c.argc; i++) {
    std::string sha = Lower(c.arg(i));
    c.reply.Int(sha.size() == 40 && s.eval->HasScript(sha) ? 1 : 0);
  }
}

void ScriptFlush(CommandContext& c) {
  if (c.argc > 3 || (c.argc == 3 && !c.Is(2, "sync") && !c.Is(2, "async"))) {
    return c.reply.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
  }
  ScriptingState& s = c.server.scripting();
  s.eval = std::make_unique<LuaEngine>(LuaEngine::Mode::kEval);
  s.script_flags.clear();
  s.script_body_bytes = 0;
  c.reply.Ok();
}

// SCRIPT KILL / FUNCTION KILL (Redis's scriptKill).
void Kill(CommandContext& c, bool is_eval) {
  ScriptingState& s = c.server.scripting();
  if (!s.run.active) return c.reply.Error("NOTBUSY No scripts in execution right now.");
  if (s.run.write_dirty) {
    return c.reply.Error(
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the "
        "script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.");
  }
  if (is_eval && !s.run.eval) return c.reply.Error(kSlowFunction);
  if (!is_eval && s.run.eval) return c.reply.Error(kSlowEval);
  s.run.killed = true;
  c.reply.Ok();
}

void ScriptKill(CommandContext& c) { Kill(c, true); }

// Tachyon has no Lua debugger (LDB): turning it off is the only mode it can honour.
void ScriptDebug(CommandContext& c) {
  if (c.client.multi.active || c.client.in_exec) return c.reply.Error("ERR SCRIPT DEBUG must be called outside MULTI");
  if (c.Is(2, "no")) return c.reply.Ok();
  if (c.Is(2, "yes") || c.Is(2, "sync")) {
    return c.reply.Error("ERR SCRIPT DEBUG YES/SYNC is not supported: this server has no Lua debugger");
  }
  c.reply.Error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
}

// ---- Functions ----

// Splits a library's shebang ("#!lua name=x") as Redis's
// functionExtractLibMetaData: the first line split like an inline request,
// the engine after "#!" in its first word, then only name=<name>, once.
bool ParseLibraryMetadata(std::string_view code, std::string* engine, std::string* name, size_t* start,
                          std::string* error) {
  if (code.substr(0, 2) != "#!") {
    *error = "ERR Missing library metadata";
    return false;
  }
  size_t nl = code.find('\n');
  if (nl == std::string_view::npos) {
    *error = "ERR Invalid library metadata";
    return false;
  }
  std::vector<std::string> parts;
  if (!RequestParser::SplitArgs(code.substr(0, nl), &parts) || parts.empty()) {
    *error = "ERR Invalid library metadata";
    return false;
  }
  *engine = parts[0].size() > 2 ? parts[0].substr(2) : std::string();
  bool have_name = false;
  for (size_t j = 1; j < parts.size(); j++) {
    if (parts[j].size() >= 5 && strncasecmp(parts[j].c_str(), "name=", 5) == 0) {
      if (have_name) {
        *error = "ERR Invalid metadata value, name argument was given multiple times";
        return false;
      }
      *name = parts[j].substr(5);
      have_name = true;
    } else {
      // Redis formats the part as a C string: it ends at a NUL byte.
      *error = "ERR Invalid metadata value given: " + std::string(parts[j].c_str());
      return false;
    }
  }
  if (!have_name) {
    *error = "ERR Library name was not given";
    return false;
  }
  *start = nl;
  return true;
}

void RemoveLibrary(ScriptingState& s, const std::string& name) {
  auto it = s.libraries.find(name);
  if (it == s.libraries.end()) return;
  for (const LuaFunction& f : it->second.functions) {
    s.function_index.erase(Lower(f.name));
    s.functions->ReleaseFunction(f.ref);
  }
  s.libraries.erase(it);
}

void Reindex(ScriptingState& s, Library& lib) {
  for (size_t i = 0; i < lib.functions.size(); i++) s.function_index[Lower(lib.functions[i].name)] = {&lib, i};
}

// Compiles and registers a library; "" on success, else the error reply text.
std::string CreateLibrary(ScriptingState& s, std::string_view code, bool replace, std::string* lib_name) {
  std::string engine, name;
  size_t start;
  std::string error;
  if (!ParseLibraryMetadata(code, &engine, &name, &start, &error)) return error;
  if (!ValidName(name)) return "ERR " + std::string(kBadName);
  if (Lower(engine) != "lua") return "ERR Engine '" + engine + "' not found";
  auto existing = s.libraries.find(name);
  if (existing != s.libraries.end() && !replace) return "ERR Library '" + name + "' already exists";
  std::vector<LuaFunction> fns;
  if (!s.functions->LoadLibrary(code.substr(start), &s, &fns, &error)) return "ERR " + error;
  auto release = [&]() {
    for (const LuaFunction& f : fns) s.functions->ReleaseFunction(f.ref);
  };
  if (fns.empty()) {
    return "ERR No functions registered";
  }
  for (size_t i = 0; i < fns.size(); i++) {
    if (!ValidName(fns[i].name)) {
      release();
      return "ERR Error registering functions: ERR " + std::string(kBadName);
    }
    for (size_t j = 0; j < i; j++) {
      if (fns[j].name == fns[i].name) {
        release();
        return "ERR Error registering functions: ERR Function already exists in the library";
      }
    }
  }
  for (const LuaFunction& f : fns) {
    auto it = s.function_index.find(Lower(f.name));
    if (it != s.function_index.end() && it->second.first->name != name) {
      release();
      return "ERR Function " + f.name + " already exists";
    }
  }
  RemoveLibrary(s, name);
  Library& lib = s.libraries[name];
  lib.name = name;
  lib.code.assign(code);
  lib.functions = std::move(fns);
  Reindex(s, lib);
  *lib_name = name;
  return "";
}

void FunctionLoad(CommandContext& c) {
  bool replace = false;
  int i = 2;
  for (; i < c.argc - 1; i++) {
    if (c.Is(i, "replace")) replace = true;
    else return c.reply.Error("ERR Unknown option given: " + std::string(c.arg(i)));
  }
  if (i != c.argc - 1) return c.reply.Error("ERR Function code is missing");
  std::string name;
  std::string error = CreateLibrary(c.server.scripting(), c.arg(c.argc - 1), replace, &name);
  if (!error.empty()) return c.reply.Error(error);
  c.Dirty();
  c.reply.Bulk(name);
}

void FunctionDelete(CommandContext& c) {
  ScriptingState& s = c.server.scripting();
  std::string name(c.arg(2));
  if (!s.libraries.count(name)) return c.reply.Error("ERR Library not found");
  RemoveLibrary(s, name);
  c.Dirty();
  c.reply.Ok();
}

void FunctionFlush(CommandContext& c) {
  if (c.argc > 3) return SubcommandSyntaxError(c, "FUNCTION");
  if (c.argc == 3 && !c.Is(2, "sync") && !c.Is(2, "async")) {
    return c.reply.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
  }
  ScriptingState& s = c.server.scripting();
  while (!s.libraries.empty()) RemoveLibrary(s, s.libraries.begin()->first);
  c.Dirty();
  c.reply.Ok();
}

void FunctionList(CommandContext& c) {
  ScriptingState& s = c.server.scripting();
  bool with_code = false;
  std::string pattern;
  bool have_pattern = false;
  for (int i = 2; i < c.argc; i++) {
    if (c.Is(i, "withcode")) {
      if (with_code) return c.reply.Error("ERR Unknown argument withcode");
      with_code = true;
    } else if (c.Is(i, "libraryname")) {
      if (have_pattern) return c.reply.Error("ERR Unknown argument libraryname");
      if (i + 1 >= c.argc) return c.reply.Error("ERR library name argument was not given");
      pattern.assign(c.arg(++i));
      have_pattern = true;
    } else {
      return c.reply.Error("ERR Unknown argument " + std::string(c.arg(i)));
    }
  }
  std::vector<const Library*> libs;
  for (const auto& [name, lib] : s.libraries) {
    if (have_pattern && !GlobMatch(pattern, name)) continue;
    libs.push_back(&lib);
  }
  c.reply.Array(libs.size());
  for (const Library* lib : libs) {
    c.reply.Map(with_code ? 4 : 3);
    c.reply.Bulk("library_name");
    c.reply.Bulk(lib->name);
    c.reply.Bulk("engine");
    c.reply.Bulk("LUA");
    c.reply.Bulk("functions");
    c.reply.Array(lib->functions.size());
    for (const LuaFunction& f : lib->functions) {
      c.reply.Map(3);
      c.reply.Bulk("name");
      c.reply.Bulk(f.name);
      c.reply.Bulk("description");
      if (f.has_description) c.reply.Bulk(f.description);
      else c.reply.Null();
      c.reply.Bulk("flags");
      std::vector<const char*> names = ScriptFlagNames(f.flags);
      c.reply.Set(names.size());
      for (const char* n : names) c.reply.Simple(n);
    }
    if (with_code) {
      c.reply.Bulk("library_code");
      c.reply.Bulk(lib->code);
    }
  }
}

void FunctionStats(CommandContext& c) {
  ScriptingState& s = c.server.scripting();
  if (s.run.active && s.run.eval) return c.reply.Error(kSlowEval);  // as Redis, while an EVAL runs
  c.reply.Map(2);
  c.reply.Bulk("running_script");
  if (!s.run.active || s.run.eval) {
    c.reply.Null();
  } else {
    c.reply.Map(3);
    c.reply.Bulk("name");
    c.reply.Bulk(s.run.name);
    c.reply.Bulk("command");
    c.reply.Array(s.run.argc);
    for (int i = 0; i < s.run.argc; i++) c.reply.Bulk(s.run.argv[i]);
    c.reply.Bulk("duration_ms");
    c.reply.Int((NowUs() - s.run.start_us) / 1000);
  }
  c.reply.Bulk("engines");
  c.reply.Map(1);
  c.reply.Bulk("LUA");
  c.reply.Map(2);
  c.reply.Bulk("libraries_count");
  c.reply.Int(static_cast<long long>(s.libraries.size()));
  c.reply.Bulk("functions_count");
  c.reply.Int(static_cast<long long>(s.function_index.size()));
}

void FunctionKill(CommandContext& c) { Kill(c, false); }

// The same FUNCTION2 records an RDB file holds (rdb_writer.h), LZF under rdbcompression as there.
void FunctionDump(CommandContext& c) {
  c.reply.Bulk(CreateFunctionDumpPayload(c.server.FunctionLibraryCodes(), c.server.settings().rdbcompression));
}

void FunctionRestore(CommandContext& c) {
  ScriptingState& s = c.server.scripting();
  enum { kAppend, kReplace, kFlush } policy = kAppend;
  if (c.argc > 4) return SubcommandSyntaxError(c, "FUNCTION");
  if (c.argc == 4) {
    if (c.Is(3, "append")) policy = kAppend;
    else if (c.Is(3, "replace")) policy = kReplace;
    else if (c.Is(3, "flush")) policy = kFlush;
    else return c.reply.Error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
  }
  std::vector<std::string> codes;
  std::string error;
  if (!ParseFunctionDumpPayload(c.arg(2), c.server.settings().skip_checksum_validation, &codes, &error)) {
    return c.reply.Error(error);
  }
  // Load into a scratch registry first so a failure leaves the current libraries untouched.
  ScriptingState scratch(c.server);
  for (const std::string& code : codes) {
    std::string name;
    std::string e = CreateLibrary(scratch, code, false, &name);
    if (!e.empty()) return c.reply.Error(e);
  }
  if (policy == kFlush) {
    while (!s.libraries.empty()) RemoveLibrary(s, s.libraries.begin()->first);
  }
  // Collisions: a library of the same name (APPEND fails, REPLACE replaces), or a function of another library.
  for (const auto& [name, lib] : scratch.libraries) {
    if (s.libraries.count(name) && policy != kReplace) {
      return c.reply.Error("ERR Library " + name + " already exists");
    }
    for (const LuaFunction& f : lib.functions) {
      auto it = s.function_index.find(Lower(f.name));
      if (it != s.function_index.end() && !(policy == kReplace && it->second.first->name == name)) {
        return c.reply.Error("ERR Function " + f.name + " already exists");
      }
    }
  }
  for (const auto& [name, lib] : scratch.libraries) {
    std::string loaded;
    std::string e = CreateLibrary(s, lib.code, true, &loaded);
    if (!e.empty()) return c.reply.Error(e);
  }
  c.Dirty();
  c.reply.Ok();
}

void FunctionHelp(CommandContext& c) {
  ReplyHelp(c, "FUNCTION",
            {"LOAD [REPLACE] <FUNCTION CODE>",
             "    Create a new library with the given library name and code.",
             "DELETE <LIBRARY NAME>",
             "    Delete the given library.",
             "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
             "    Return general information on all the libraries:",
             "    * Library name",
             "    * The engine used to run the Library",
             "    * Library description",
             "    * Functions list",
             "    * Library code (if WITHCODE is given)",
             "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
             "STATS",
             "    Return information about the current function running:",
             "    * Function name",
             "    * Command used to run the function",
             "    * Duration in MS that the function is running",
             "    If no function is running, return nil",
             "    In addition, returns a list of available engines.",
             "KILL",
             "    Kill the current running function.",
             "FLUSH [ASYNC|SYNC]",
             "    Delete all the libraries.",
             "    When called without the optional mode argument, the behavior is determined by the",
             "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
             "    * ASYNC: Asynchronously flush the libraries.",
             "    * SYNC: Synchronously flush the libraries.",
             "DUMP",
             "    Return a serialized payload representing the current libraries, can be restored using FUNCTION "
             "RESTORE command",
             "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
             "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
             "    control how to handle existing libraries (default APPEND):",
             "    * FLUSH: delete all existing libraries.",
             "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
             "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
             "      libraries with the new libraries (notice that even on this option there is a chance of failure",
             "      in case of functions name collision with another library)."});
}

void FcallGeneric(CommandContext& c, bool ro) {
  ScriptingState& s = c.server.scripting();
  s.lowered = Lower(c.arg(1));
  auto it = s.function_index.find(s.lowered);
  if (it == s.function_index.end()) return c.reply.Error("ERR Function not found");
  int numkeys;
  if (!ParseNumKeys(c, 2, &numkeys, "ERR Bad number of keys provided")) return;
  const LuaFunction& f = it->second.first->functions[it->second.second];
  if (!s.Prepare(c, f.flags, ro)) return;
  static const std::string kNoSha;
  s.Execute(c, false, kNoSha, f.ref, f.flags, ro, numkeys, 3, f.name);
}

void FcallCommand(CommandContext& c) { FcallGeneric(c, false); }
void FcallRoCommand(CommandContext& c) { FcallGeneric(c, true); }

}  // namespace

std::vector<std::string_view> Server::FunctionLibraryCodes() {
  std::vector<std::string_view> codes;
  if (!scripting_) return codes;
  for (const auto& [name, lib] : scripting_->libraries) codes.emplace_back(lib.code);
  return codes;
}

namespace {

// Compiles `codes` into `scratch`, aside from the live libraries, so a
// failure changes nothing; with `existing`, a name it already has is refused.
bool CompileAside(ScriptingState& scratch, const std::vector<std::string>& codes, const ScriptingState* existing,
                  std::string* error) {
  for (const std::string& code : codes) {
    std::string name;
    std::string e = CreateLibrary(scratch, code, false, &name);
    if (e.empty() && existing && existing->libraries.count(name)) e = "Library '" + name + "' already exists";
    if (!e.empty()) {
      *error = e.compare(0, 4, "ERR ") == 0 ? e.substr(4) : e;
      return false;
    }
  }
  return true;
}

// Installs in `s` what CompileAside accepted.
bool InstallCompiled(ScriptingState& s, const ScriptingState& scratch, std::string* error) {
  for (const auto& [name, lib] : scratch.libraries) {
    std::string loaded;
    std::string e = CreateLibrary(s, lib.code, true, &loaded);
    if (!e.empty()) {
      *error = e;
      return false;
    }
  }
  return true;
}

}  // namespace

bool Server::ReplaceFunctionLibraries(const std::vector<std::string>& codes, std::string* error) {
  if (codes.empty() && (!scripting_ || scripting_->libraries.empty())) return true;
  ScriptingState scratch(*this);
  if (!CompileAside(scratch, codes, nullptr, error)) return false;
  ScriptingState& s = scripting();
  while (!s.libraries.empty()) RemoveLibrary(s, s.libraries.begin()->first);
  return InstallCompiled(s, scratch, error);
}

bool Server::MergeFunctionLibraries(const std::vector<std::string>& codes, bool replace, std::string* error) {
  if (codes.empty()) return true;
  ScriptingState& s = scripting();
  ScriptingState scratch(*this);
  if (!CompileAside(scratch, codes, replace ? nullptr : &s, error)) return false;
  return InstallCompiled(s, scratch, error);
}

uint32_t ScriptCommandFlags(Server& server, const CommandEntry* cmd, const std::vector<std::string_view>& argv) {
  uint32_t flags = cmd->spec->flags;
  const char* n = cmd->spec->name;
  if ((n[0] != 'e' && n[0] != 'f') || argv.size() < 2) return flags;
  const bool fcall = !strcmp(n, "fcall") || !strcmp(n, "fcall_ro");
  const bool evalsha = !strcmp(n, "evalsha") || !strcmp(n, "evalsha_ro");
  const bool eval = !strcmp(n, "eval") || !strcmp(n, "eval_ro");
  if (!fcall && !evalsha && !eval) return flags;
  ScriptingState& s = server.scripting();
  uint32_t script_flags = 0;
  if (fcall) {
    auto it = s.function_index.find(Lower(argv[1]));
    if (it == s.function_index.end()) return flags;
    script_flags = it->second.first->functions[it->second.second].flags;
  } else {
    if (evalsha && argv[1].size() != 40) return flags;
    auto it = s.script_flags.find(evalsha ? Lower(argv[1]) : Sha1Hex(argv[1]));
    if (it != s.script_flags.end()) {
      script_flags = it->second;
    } else {
      // A script not cached yet: its shebang says.
      size_t start;
      std::string error;
      if (evalsha || !ParseShebang(argv[1], &script_flags, &start, &error)) return flags;
    }
  }
  if (script_flags & kScriptEvalCompat) return flags;
  // Declared flags replace the command's (no-writes implies allow-oom).
  flags &= ~(CMD_STALE | CMD_DENYOOM | CMD_WRITE);
  if (!(script_flags & (kScriptAllowOom | kScriptNoWrites))) flags |= CMD_DENYOOM;
  if (!(script_flags & kScriptNoWrites)) flags |= CMD_WRITE;
  if (script_flags & kScriptAllowStale) flags |= CMD_STALE;
  return flags;
}

// What Redis 7.0 reports for its script cache (evalScriptsMemory: entry,
// luaScript, digest and body per script, plus the table's buckets) and its
// function registry (functionsMemoryOverhead: the engine, then per library
// and per function), computed over Tachyon's own bookkeeping.
ScriptingMemory GetScriptingMemory(Server& server) {
  ScriptingState& s = server.scripting();
  ScriptingMemory m;
  m.vm_eval = s.eval->UsedMemory();
  m.vm_functions = s.functions->UsedMemory();
  m.cached_scripts = s.script_flags.size();
  size_t buckets = 0;
  if (m.cached_scripts) {
    buckets = 4;
    while (buckets < m.cached_scripts) buckets *= 2;
  }
  m.scripts_eval = m.cached_scripts * (24 + 16 + 48 + 16) + s.script_body_bytes + buckets * sizeof(void*);
  m.libraries = s.libraries.size();
  m.functions_count = s.function_index.size();
  m.functions = 200 + m.libraries * 64 + m.functions_count * 72;
  for (const auto& [name, lib] : s.libraries) m.functions += name.size() + lib.code.size();
  return m;
}


void RegisterScriptingCommands(CommandRegistry& r) {
  r.Add("eval", EvalCommand);
  r.Add("eval_ro", EvalRoCommand);
  r.Add("evalsha", EvalShaCommand);
  r.Add("evalsha_ro", EvalShaRoCommand);
  r.Add("script|load", ScriptLoad);
  r.Add("script|exists", ScriptExists);
  r.Add("script|flush", ScriptFlush);
  r.Add("script|kill", ScriptKill);
  r.Add("script|debug", ScriptDebug);
  r.Add("script|help", ScriptHelp);
  r.Add("function|load", FunctionLoad);
  r.Add("function|delete", FunctionDelete);
  r.Add("function|flush", FunctionFlush);
  r.Add("function|list", FunctionList);
  r.Add("function|stats", FunctionStats);
  r.Add("function|kill", FunctionKill);
  r.Add("function|dump", FunctionDump);
  r.Add("function|restore", FunctionRestore);
  r.Add("function|help", FunctionHelp);
  r.Add("fcall", FcallCommand);
  r.Add("fcall_ro", FcallRoCommand);
}

}  // namespace tachyon
