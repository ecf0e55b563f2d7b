// The dispatcher: request parsing, command lookup, the generic checks Redis
// makes before any command body runs, execution, statistics and periodic work.
#include "server/server.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/util.h"
#include "server/blocking_family.h"
#include "server/command_spec.h"
#include "server/crash_report.h"
#include "server/replication_stream.h"

namespace tachyon {

extern const CommandSpec kCommandSpecs[];
extern const size_t kCommandSpecCount;

namespace {

// Replies a pipeline may pile up in Client::out before they go to the connection.
constexpr size_t kOutputFlushBytes = 64 * 1024;

void ToLower(std::string_view in, std::string* out) {
  out->resize(in.size());
  for (size_t i = 0; i < in.size(); i++) {
    char ch = in[i];
    (*out)[i] = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch + 32) : ch;
  }
}

void AppendPrintf(std::string* s, const char* fmt, int width, const char* p) {
  char buf[300];
  int n = snprintf(buf, sizeof buf, fmt, width, p);
  if (n > 0) s->append(buf, std::min<size_t>(n, sizeof buf - 1));
}

}  // namespace

Server::Server(const Settings& settings) : settings_(settings) {
  UpdateAccessClock();
  for (int i = 0; i < settings_.databases; i++) {
    dbs_.push_back(std::make_unique<Db>(i, &clock_, this));
    dbs_.back()->set_lazyfree(&lazyfree_);
  }
  settings_.policy = ParseMaxmemoryPolicy(settings_.maxmemory_policy);
  ApplyLazyfreeSettings();
  BuildCommandTable();
  BuildAclInfo();
  startup_memory_ = peak_memory_ = ZUsedMemory();
  UpdateMallocStats(/*allocator=*/true);
  SetCrashServer(this);
}

void Server::UpdateMallocStats(bool allocator) {
  malloc_stats_.zmalloc_used = ZUsedMemory();
  malloc_stats_.process_rss = ZProcessRss();
  if (!allocator) return;
  // glibc's figures walk every free block of every arena (milliseconds on a
  // churned heap): read them when asked for (INFO, MEMORY STATS), never on
  // the cron, and at most once a second, as Redis refreshes its own.
  const int64_t now = NowUs();
  if (allocator_read_us_ != 0 && now - allocator_read_us_ < 1000000) return;
  allocator_read_us_ = now;
  AllocatorInfo ai;
  ZAllocatorInfo(&ai);
  malloc_stats_.allocator_allocated = ai.allocated;
  malloc_stats_.allocator_active = ai.active;
  malloc_stats_.allocator_resident = ai.resident;
}

Server::~Server() {
  ClearCrashServer(this);
  for (auto& [p, cap] : query_pool_) ZFree(p);
}

void Server::BuildCommandTable() {
  for (size_t i = 0; i < kCommandSpecCount; i++) {
    const CommandSpec& spec = kCommandSpecs[i];
    auto entry = std::make_unique<CommandEntry>();
    entry->spec = &spec;
    if (spec.container) {
      auto parent = commands_.find(spec.container);
      if (parent == commands_.end()) continue;
      parent->second->is_container = true;
      std::string sub = spec.name + strlen(spec.container) + 1;
      parent->second->subcommands[sub] = entry.get();
      // Subcommands are owned through a hidden key so the map keeps them alive.
      commands_["|" + std::string(spec.name)] = std::move(entry);
    } else {
      commands_[spec.name] = std::move(entry);
    }
  }
  CommandRegistry registry;
  RegisterStringCommands(registry);
  RegisterKeyCommands(registry);
  RegisterServerCommands(registry);
  RegisterTransactionCommands(registry);
  RegisterHashCommands(registry);
  RegisterSetCommands(registry);
  RegisterZSetCommands(registry);
  RegisterSortCommands(registry);
  RegisterListCommands(registry);
  RegisterBlockingCommands(registry);
  RegisterStreamCommands(registry);
  RegisterScriptingCommands(registry);
  RegisterMemoryCommands(registry);
  RegisterDebugCommands(registry);
  RegisterSlowlogCommands(registry);
  RegisterLatencyCommands(registry);
  RegisterIntrospectionCommands(registry);
  RegisterBitmapCommands(registry);
  RegisterHyperLogLogCommands(registry);
  RegisterGeoCommands(registry);
  RegisterDumpCommands(registry);
  if (auto it = commands_.find("exec"); it != commands_.end()) exec_spec_ = it->second->spec;
  for (const auto& item : registry.items()) {
    std::string name = item.name;
    auto it = commands_.find(strchr(item.name, '|') ? "|" + name : name);
    if (it == commands_.end()) {
      fprintf(stderr, "tachyon: handler registered for unknown command '%s'\n", item.name);
      continue;
    }
    it->second->handler = item.handler;
    it->second->owner = CommandOwner::kNative;
  }
}

void Server::SetJsCommands(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    auto it = commands_.find(name.find('|') != std::string::npos ? "|" + name : name);
    if (it != commands_.end() && it->second->owner == CommandOwner::kNone) it->second->owner = CommandOwner::kJs;
  }
}

void Server::SwapDbs(int a, int b) {
  SignalDeletedStreams(a, b);
  SignalDeletedStreams(b, a);
  std::swap(dbs_[a], dbs_[b]);
  dbs_[a]->set_id(a);
  dbs_[b]->set_id(b);
  // Clients blocked on a key that now exists in their db may be served.
  for (const auto& [wk, count] : blocking_keys_) {
    int db;
    memcpy(&db, wk.data(), sizeof db);
    if (db != a && db != b) continue;
    std::string_view key(wk.data() + sizeof db, wk.size() - sizeof db);
    if (dbs_[db]->FindRaw(key)) SignalKeyReady(db, key);
  }
}

Client* Server::NewClient(uint64_t id) {
  int slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<int>(clients_.size());
    clients_.emplace_back();
  }
  clients_[slot] = std::make_unique<Client>();
  Client* c = clients_[slot].get();
  c->id = id;
  c->slot = slot;
  c->authenticated = !settings_.requirepass;
  c->acl_user = acl_user(kDefaultAclUser);
  c->last_interaction_ms = NowUs() / 1000;
  return c;
}

void Server::FreeClient(int slot) {
  if (!client(slot)) return;
  UnwatchAll(*clients_[slot]);
  SetReplicaClient(*clients_[slot], false);
  clients_memory_ -= clients_[slot]->tracked_memory;
  clients_[slot].reset();
  clients_freed_++;
  free_slots_.push_back(slot);
}

size_t Server::ReplicaOutputMemory() const {
  size_t total = 0;
  if (replica_clients_ > 0 && client_io_) {
    for (const auto& c : clients_) {
      if (c && c->replica) total += client_io_->OutputMemory(*c);
    }
  }
  // The replication buffer beyond the backlog (and its blocks' approximate
  // overhead) is the replicas' own consumption, as freeMemoryGetNotCountedMemory.
  if (repl_stream && repl_stream->active()) {
    const size_t backlog = repl_stream->backlog_size();
    const size_t counted = backlog + (backlog / ReplicationStream::kMinBlockData + 1) *
                                         (ReplicationStream::kBlockHeader + ReplicationStream::kListNode);
    if (repl_stream->memory() > counted) total += repl_stream->memory() - counted;
  }
  return total;
}

void Server::OnErrorReply(std::string_view msg) {
  stats_.total_error_replies++;
  size_t sp = msg.find(' ');
  std::string prefix(msg.substr(0, sp == std::string_view::npos ? msg.size() : sp));
  // Redis stops tracking new error codes past 128 distinct ones.
  auto it = stats_.errors.find(prefix);
  if (it != stats_.errors.end())
    it->second++;
  else if (stats_.errors.size() < 128)
    stats_.errors.emplace(std::move(prefix), 1);
}

void Server::ResetStats() {
  uint64_t dirty = stats_.dirty;
  size_t recent_input = stats_.recent_max_input_buffer;
  stats_ = ServerStats();
  stats_.dirty = dirty;
  evictor_.ResetStats();
  lazyfree_.ResetStats();
  stats_.recent_max_input_buffer = recent_input;  // a gauge, not a counter
  for (auto& [name, cmd] : commands_) cmd->stats = CommandStats();  // histograms too, as Redis
  for (auto& db : dbs_) db->expired_keys = 0;
}

CommandEntry* Server::Lookup(const std::vector<std::string_view>& argv, Client& c, std::string* error,
                             CommandEntry** rejected) {
  ToLower(argv[0], &c.lowered);
  auto it = commands_.find(c.lowered);
  CommandEntry* cmd = (it == commands_.end() || it->first[0] == '|') ? nullptr : it->second.get();
  if (cmd && cmd->is_container && argv.size() >= 2) {
    ToLower(argv[1], &c.lowered);
    auto sub = cmd->subcommands.find(c.lowered);
    if (sub == cmd->subcommands.end()) {
      std::string upper(argv[0]);
      for (char& ch : upper) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
      error->assign("ERR unknown subcommand '");
      error->append(argv[1].substr(0, std::min<size_t>(128, argv[1].find('\0'))));
      error->append("'. Try ");
      error->append(upper);
      error->append(" HELP.");
      return nullptr;
    }
    cmd = sub->second;
  }
  if (cmd && cmd->is_container && argv.size() < 2 && cmd->spec->arity < -1) {
    error->assign("ERR wrong number of arguments for '");
    error->append(cmd->spec->name);
    error->append("' command");
    if (rejected) *rejected = cmd;
    return nullptr;
  }
  if (!cmd || cmd->owner == CommandOwner::kNone) {
    // Redis formats these with %s, so each argument ends at its first NUL byte.
    auto cstr = [](std::string_view a) { return a.substr(0, std::min(a.find('\0'), a.size())); };
    std::string args;
    for (size_t i = 1; i < argv.size() && args.size() < 128; i++) {
      std::string arg(cstr(argv[i]));
      AppendPrintf(&args, "'%.*s' ", static_cast<int>(128 - args.size()), arg.c_str());
    }
    error->assign("ERR unknown command '");
    error->append(cstr(argv[0]).substr(0, 128));
    error->append("', with args beginning with: ");
    error->append(args);
    return nullptr;
  }
  int arity = cmd->spec->arity;
  int argc = static_cast<int>(argv.size());
  if ((arity > 0 && arity != argc) || argc < -arity) {
    error->assign("ERR wrong number of arguments for '");
    error->append(cmd->spec->name);
    error->append("' command");
    if (rejected) *rejected = cmd;
    return nullptr;
  }
  return cmd;
}

void Server::RejectCommand(Client& c, CommandEntry* cmd, std::string_view error, Reply& reply) {
  if (cmd) cmd->stats.rejected_calls++;
  if (c.multi.active) c.multi.abort = true;
  if (cmd && !strcmp(cmd->spec->name, "exec")) {
    // execCommandAbort: the error loses its generic "ERR " prefix.
    DiscardTransaction(c);
    if (error.substr(0, 4) == "ERR ") error.remove_prefix(4);
    std::string msg = "EXECABORT Transaction discarded because of: ";
    msg.append(error);
    reply.Error(msg);
    // MONITOR still sees the EXEC.
    if (settings_.monitors > 0) {
      ServerEvent ev{EventKind::kMonitor, c.db, c.id, {}, {}};
      for (auto a : c.argv) ev.strings.emplace_back(a);
      events_.push_back(std::move(ev));
    }
    return;
  }
  reply.Error(error);
}

bool Server::ProtectedAllowed(const Client& c, const CommandEntry* cmd) const {
  const bool debug = !strcmp(cmd->spec->name, "debug");
  const int setting = debug ? settings_.enable_debug_command : settings_.enable_module_command;
  return setting == 1 || (setting == 2 && c.local);
}

void Server::QueueEvent(EventKind kind, int db, uint64_t client_id, std::string_view event,
                        std::string_view key) {
  ServerEvent ev{kind, db, client_id, std::string(event), {}};
  ev.strings.emplace_back(key);
  events_.push_back(std::move(ev));
}

std::vector<ServerEvent> Server::TakeEvents() {
  std::vector<ServerEvent> out;
  out.swap(events_);
  return out;
}

// MONITOR sees each command before it runs; costs nothing while unused.
void Server::ObserveCall(Client& c, const CommandEntry* cmd) {
  // A blocked command re-run on a ready key was already shown (Redis skips reprocessed commands).
  if (settings_.monitors > 0 && !c.block.retrying && !(cmd->spec->flags & (CMD_SKIP_MONITOR | CMD_ADMIN))) {
    ServerEvent ev{EventKind::kMonitor, c.db, c.id, {}, {}};
    for (auto a : c.argv) ev.strings.emplace_back(a);
    events_.push_back(std::move(ev));
  }
}

// Client tracking remembers the keys a read-only command read once it has
// run, as Redis does: a read that rewrites its key (PFCOUNT refreshing the
// cached cardinality) must not invalidate the reader's own new entry.
void Server::TrackReads(Client& c, const CommandEntry* cmd) {
  if ((cmd->spec->flags & CMD_READONLY) && cmd->spec->first_key > 0) {
    int argc = static_cast<int>(c.argv.size());
    int last = cmd->spec->last_key < 0 ? argc + cmd->spec->last_key : cmd->spec->last_key;
    int step = cmd->spec->key_step > 0 ? cmd->spec->key_step : 1;
    for (int i = cmd->spec->first_key; i <= last && i < argc; i += step) {
      QueueEvent(EventKind::kTrackedRead, c.db, c.id, {}, c.argv[i]);
    }
  }
}

void Server::AfterTimedCall(Client& c, CommandEntry* cmd, uint64_t micros, const std::vector<std::string_view>& argv,
                            const std::vector<int>* redacted) {
  if (settings_.latency_monitor_threshold > 0) {
    latency_.AddIfNeeded((cmd->spec->flags & CMD_FAST) ? "fast-command" : "command", micros / 1000,
                         settings_.latency_monitor_threshold);
  }
  const int64_t slow = settings_.slowlog_log_slower_than;
  if (slow >= 0 && (micros >= static_cast<uint64_t>(slow) || slowlog_.over(settings_.slowlog_max_len)) &&
      !(cmd->spec->flags & CMD_SKIP_SLOWLOG)) {
    slowlog_.Push(argv, micros, settings_.slowlog_log_slower_than, settings_.slowlog_max_len, c.addr, c.name,
                  redacted);
  }
  if (settings_.latency_tracking) {
    if (!cmd->stats.histogram) cmd->stats.histogram = std::make_unique<LatencyHistogram>();
    cmd->stats.histogram->Record(static_cast<int64_t>(micros) * 1000);
  }
}

void Server::Call(Client& c, CommandEntry* cmd, Reply& reply) {
  // Refresh the shared wall clock every 32 commands of a long batch.
  if ((++calls_since_clock_ & 31) == 0) now_us_ = NowUs();
  uint64_t start = CycleCount();
  uint64_t errors_before = stats_.total_error_replies;
  CommandContext ctx{*this, c, dbs_[c.db].get(), c.argv.data(), static_cast<int>(c.argv.size()), reply,
                     now_us_ / 1000, cmd->spec};
  // Inside EXEC the client's last command stays EXEC (CLIENT LIST cmd=).
  if (!c.in_exec) c.last_cmd = cmd->spec;
  if (settings_.monitors > 0) ObserveCall(c, cmd);
  uint64_t outer_client = current_client_id_;
  const bool outer_master = current_is_master_;
  Client* outer = current_client_;
  current_client_id_ = c.id;
  current_is_master_ = c.master;
  current_client_ = &c;
  // The propagation path, as Redis's call() -> propagate(): a command that
  // changed the dataset (stats_.dirty moved) is handed, here and nowhere else,
  // to the Propagator (propagate.h), which queues it for the AOF feature
  // (src/persistence/) and later the replication feature.
  const bool propagate = propagator_.active();
  const uint64_t dirty_before = stats_.dirty;
  if (propagate) propagator_.EnterCall(call_targets_);
  cmd->handler(ctx);
  if (propagate) {
    propagator_.ExitCall(c.db, stats_.dirty != dirty_before && !c.block.active, cmd->spec == exec_spec_,
                         c.argv.data(), c.argv.size(), (cmd->spec->flags & CMD_TOUCHES_ARBITRARY_KEYS) != 0);
  }
  current_client_id_ = outer_client;
  current_is_master_ = outer_master;
  current_client_ = outer;
  c.woff = repl_offset;
  if (c.tracking) TrackReads(c, cmd);
  const uint64_t cycles = CycleCount() - start;
  cmd->stats.cycles += cycles;
  // A command that blocked is counted once, when it is finally served or ends.
  if (c.block.active) return;
  AfterTimedCall(c, cmd, calibration_.ToMicros(cycles), c.argv);
  cmd->stats.calls++;
  if (stats_.total_error_replies != errors_before) cmd->stats.failed_calls++;
  stats_.total_commands_processed++;
}

FeedStatus Server::Feed(Client& c, const char* data, size_t len) {
  size_t cap;
  char* space = InputSpace(c, len, &cap);
  if (len) memcpy(space, data, len);
  return Consume(c, len);
}

char* Server::InputSpace(Client& c, size_t want, size_t* cap) {
  if (c.qpos == c.query.size()) {
    c.query.clear();
    c.qpos = 0;
  }
  if (c.query.capacity() == 0 && !query_pool_.empty()) {
    c.query.Adopt(query_pool_.back().first, query_pool_.back().second);
    query_pool_.pop_back();
  }
  c.query.Reserve(want);
  *cap = c.query.capacity() - c.query.size();
  return c.query.Tail();
}

FeedStatus Server::Consume(Client& c, size_t n) {
  c.query.Advance(n);
  c.read_bytes += n;
  stats_.net_input_bytes += n;
  stats_.reads_processed++;
  if (c.query.capacity() > c.query_peak) c.query_peak = c.query.capacity();
  FeedStatus st = c.paused ? FeedStatus::kOk : Process(c);
  c.last_interaction_ms = now_us_ / 1000;
  return st;
}

FeedStatus Server::Resume(Client& c, bool command_ended) {
  c.paused = false;
  c.pending.clear();
  // A command TypeScript ran ends here, its writes in the stream by now
  // (WAIT after MIGRATE waits for its DEL), as Redis's processCommand sets woff.
  if (command_ended) c.woff = repl_offset;
  return Process(c);
}

// Parses and runs requests from the client's input until it runs out, a
// command owned by TypeScript comes up, or the protocol is violated.
FeedStatus Server::Process(Client& c) {
  now_us_ = NowUs();
  const size_t out_capacity = c.out.capacity();
  Reply reply(&c.out, this);
  ParserLimits limits;
  limits.proto_max_bulk_len = settings_.proto_max_bulk_len;
  std::string error;
  FeedStatus status = FeedStatus::kOk;
  const size_t start_qpos = c.qpos;
  const uint64_t parsed_at_start = c.parsed_bytes;
  for (;;) {
    // The previous request has run: its bytes count as applied unless a transaction is open.
    if (!c.multi.active) c.applied_bytes = c.parsed_bytes;
    // After QUIT (or CLIENT KILL of itself) nothing more runs: the rest is dropped.
    if (c.close_after_reply) {
      c.qpos = c.query.size();
      break;
    }
    // Replies are handed to the connection as they pile up, which checks
    // client-output-buffer-limit; a client over it runs nothing more.
    if (client_io_ && c.out.size() >= kOutputFlushBytes) client_io_->FlushOutput(c);
    if (c.close_asap) break;
    reply.set_resp(c.resp);
    limits.auth_required = settings_.requirepass && !c.authenticated;
    limits.is_master = c.master;  // a master's stream: no proto-max-bulk-len, inline closes the link
    const char* base = c.query.data();
    const size_t request_start = c.qpos;
    RequestParser::Status st = c.parser.Parse(base, c.query.size(), &c.qpos, limits);
    if (st == RequestParser::Status::kRequest) c.parsed_bytes += c.qpos - request_start;
    if (st == RequestParser::Status::kNeedMore) {
      if (static_cast<int64_t>(c.query.size() - c.qpos) > settings_.client_query_buffer_limit) {
        status = FeedStatus::kCloseNow;
      }
      break;
    }
    if (st == RequestParser::Status::kError) {
      // An empty message means: drop the link without a reply (a master speaking inline).
      c.qpos = c.query.size();
      if (c.parser.error().empty()) {
        status = FeedStatus::kCloseNow;
      } else {
        reply.Error(c.parser.error());
        status = FeedStatus::kClose;
      }
      break;
    }
    const auto& refs = c.parser.args();
    if (refs.empty()) continue;
    // CLIENT REPLY OFF/SKIP: drop this command's reply once it is written.
    ReplyMode mode = c.reply_mode;
    if (mode == ReplyMode::kSkip) c.reply_mode = ReplyMode::kOn;
    size_t mark = c.out.size();
    struct Suppress {
      Client& c;
      ReplyMode mode;
      size_t mark;
      ~Suppress() {
        if (mode != ReplyMode::kOn) c.out.Truncate(mark);
      }
    } suppress{c, mode, mark};
    const char* argbase = c.parser.args_inline() ? c.parser.inline_storage().data() : base;
    c.argv.clear();
    for (const ArgRef& r : refs) c.argv.emplace_back(argbase + r.offset, r.len);

    CommandEntry* rejected = nullptr;
    CommandEntry* cmd = Lookup(c.argv, c, &error, &rejected);
    if (!cmd) {
      RejectCommand(c, rejected, error, reply);
      continue;
    }
    if ((cmd->spec->flags & CMD_PROTECTED) && !ProtectedAllowed(c, cmd)) {
      const bool debug = !strcmp(cmd->spec->name, "debug");
      error.assign(debug ? "ERR DEBUG" : "ERR MODULE");
      error.append(" command not allowed. If the ");
      error.append(debug ? "enable-debug-command" : "enable-module-command");
      error.append(" option is set to \"local\", you can run it from a local connection, otherwise you need to set "
                   "this option in the configuration file, and then restart the server.");
      RejectCommand(c, cmd, error, reply);
      continue;
    }
    if (settings_.requirepass && !c.authenticated && !(cmd->spec->flags & CMD_NO_AUTH)) {
      RejectCommand(c, cmd, "NOAUTH Authentication required.", reply);
      continue;
    }
    // ACLs (Redis's ACLCheckAllPerm); a command MULTI refuses anyway is refused for that first.
    // Our master's link and the AOF have no user in Redis: nothing is checked.
    if (!c.obey && !c.acl_user->unrestricted &&
        !(c.multi.active && (cmd->spec->flags & CMD_NO_MULTI) && !IsTransactionControl(cmd))) {
      int pos = 0;
      int r = CheckAcl(c, *c.acl_user, cmd, c.argv, c.multi.active ? "multi" : "toplevel", &pos);
      if (r != kAclOk) {
        c.last_cmd = cmd->spec;  // as Redis, CLIENT LIST (and the ACL LOG entry) shows the refused command
        if (r == kAclDeniedCmd) {
          error.assign("NOPERM this user has no permissions to run the '");
          error.append(cmd->spec->name);
          error.append("' command");
        } else if (r == kAclDeniedKey) {
          error.assign("NOPERM this user has no permissions to access one of the keys used as arguments");
        } else {
          error.assign("NOPERM this user has no permissions to access one of the channels used as arguments");
        }
        RejectCommand(c, cmd, error, reply);
        continue;
      }
    }
    if (settings_.maxmemory > 0 && busy_error_.empty() && !CheckMaxmemory(c, cmd, reply)) continue;
    // The command's flags as Redis's getCommandFlags: a script's shebang
    // flags make EVAL/FCALL a write unless it declares no-writes.
    const bool write_gates =
        !settings_.deny_write_error.empty() || settings_.no_good_replicas || settings_.read_only_replica;
    const uint32_t cmd_flags = write_gates ? ScriptCommandFlags(*this, cmd, c.argv) : cmd->spec->flags;
    if (!settings_.deny_write_error.empty()) {
      // MISCONF: no writes (or PING) while persistence is failing.
      const bool is_exec = cmd->spec == exec_spec_;
      if ((cmd_flags & CMD_WRITE) || (is_exec && (c.multi.flags & CMD_WRITE)) ||
          !strcmp(cmd->spec->name, "ping")) {
        RejectCommand(c, cmd, settings_.deny_write_error, reply);
        continue;
      }
    }
    if (settings_.no_good_replicas &&
        ((cmd_flags & CMD_WRITE) || (cmd->spec == exec_spec_ && (c.multi.flags & CMD_WRITE)))) {
      RejectCommand(c, cmd, "NOREPLICAS Not enough good replicas to write.", reply);
      continue;
    }
    if (settings_.read_only_replica && !c.master &&
        ((cmd_flags & CMD_WRITE) || (cmd->spec == exec_spec_ && (c.multi.flags & CMD_WRITE)))) {
      RejectCommand(c, cmd, "READONLY You can't write against a read only replica.", reply);
      continue;
    }
    if (c.subscribed && c.resp == 2 && !AllowedWhileSubscribed(cmd)) {
      error.assign("ERR Can't execute '");
      error.append(cmd->spec->name);
      error.append("': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
      RejectCommand(c, cmd, error, reply);
      continue;
    }
    // replica-serve-stale-data no while the link to our master is down; EXEC
    // is refused when it holds a command that would be (cmd_inv_flags).
    if (settings_.stale_replica &&
        (!(cmd->spec->flags & CMD_STALE) || (cmd->spec == exec_spec_ && (c.multi.inv_flags & CMD_STALE)))) {
      RejectCommand(c, cmd, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", reply);
      continue;
    }
    if (settings_.loading &&
        (!(cmd->spec->flags & CMD_LOADING) || (cmd->spec == exec_spec_ && (c.multi.inv_flags & CMD_LOADING)))) {
      RejectCommand(c, cmd, "LOADING Redis is loading the dataset in memory", reply);
      continue;
    }
    if (settings_.async_loading && ((cmd->spec->flags & CMD_NO_ASYNC_LOADING) ||
                                    (cmd->spec == exec_spec_ && (c.multi.flags & CMD_NO_ASYNC_LOADING)))) {
      RejectCommand(c, cmd, "LOADING Redis is loading the dataset in memory", reply);
      continue;
    }
    if (c.monitor && (cmd->spec->flags & (CMD_WRITE | CMD_READONLY | CMD_MAY_REPLICATE))) {
      RejectCommand(c, cmd, "ERR Replica can't interact with the keyspace", reply);
      continue;
    }
    if (!busy_error_.empty() && !(cmd->spec->flags & CMD_ALLOW_BUSY)) {
      // A script is past busy-reply-threshold: only SCRIPT KILL and friends run (scripting_family.cc).
      RejectCommand(c, cmd, busy_error_, reply);
      continue;
    }
    if (c.multi.active && !IsTransactionControl(cmd)) {
      if (cmd->spec->flags & CMD_NO_MULTI) {
        RejectCommand(c, cmd, "ERR Command not allowed inside a transaction", reply);
        continue;
      }
      c.multi.queue.emplace_back(c.argv.begin(), c.argv.end());
      const uint32_t queued_flags = ScriptCommandFlags(*this, cmd, c.argv);
      c.multi.flags |= queued_flags;
      c.multi.inv_flags |= ~queued_flags;
      reply.Simple("QUEUED");
      continue;
    }
    if (cmd->owner == CommandOwner::kJs) {
      c.last_cmd = cmd->spec;
      c.pending.clear();
      for (auto a : c.argv) c.pending.emplace_back(a);
      c.paused = true;
      c.drop_js_reply = mode == ReplyMode::kSkip;
      status = FeedStatus::kJsCommand;
      break;
    }
    Call(c, cmd, reply);
    if (c.block.active) {
      // Keep the command: its arguments point into the query buffer.
      c.pending.assign(c.argv.begin(), c.argv.end());
      for (auto& [i, arg] : c.block.arg_rewrites) c.pending[i] = std::move(arg);
      c.block.arg_rewrites.clear();
      c.block.drop_reply = mode != ReplyMode::kOn;
      c.paused = true;
      status = FeedStatus::kBlocked;
      break;
    }
  }
  if (c.master) ProxyMasterStream(c, start_qpos, parsed_at_start);
  if (c.out.size() > c.out_peak) c.out_peak = c.out.size();
  if (c.out.capacity() > out_capacity && out_capacity != 0) stats_.reply_buffer_expands++;
  // Keep only the unconsumed tail; a drained buffer is reused from the start
  // (not while TypeScript runs a command: CLIENT LIST qbuf= counts the whole read, as Redis).
  const bool js_running = status == FeedStatus::kJsCommand;
  if (c.qpos == c.query.size() && !js_running) {
    c.query.clear();
    c.qpos = 0;
    ReleaseQueryBuffer(c);
  } else if (c.qpos > 0 && (status == FeedStatus::kOk || status == FeedStatus::kBlocked)) {
    // Move the partial request to the front so the buffer does not grow without bound.
    size_t rest = c.query.size() - c.qpos;
    memmove(c.query.data(), c.query.data() + c.qpos, rest);
    c.query.Truncate(rest);
    c.qpos = 0;
  }
  return status;
}

// A replica proxies its master's stream to its own replicas as it applied
// it (Redis 7.0's replicationFeedStreamFromMasterStream): the bytes of whole
// commands run, never part of an open MULTI (a partial resync or a snapshot
// taken meanwhile must not split a transaction). The requests this call
// parsed are query[start_qpos, +parsed); the ones parsed before and not
// applied yet wait in proxy_held, and so do the unapplied ones of this call
// (the query buffer only keeps unparsed bytes). One feed per batch.
void Server::ProxyMasterStream(Client& c, size_t start_qpos, uint64_t parsed_at_start) {
  const bool feeding = repl_stream && repl_stream->active();
  const char* parsed = c.query.data() + start_qpos;
  const size_t parsed_len = static_cast<size_t>(c.parsed_bytes - parsed_at_start);
  size_t n = static_cast<size_t>(c.applied_bytes - c.proxied_bytes);  // bytes to feed now
  n = std::min(n, c.proxy_held.size() + parsed_len);
  c.proxied_bytes = c.applied_bytes;
  if (!c.proxy_held.empty()) {
    const size_t from_held = std::min(n, c.proxy_held.size());
    if (feeding && from_held > 0) repl_stream->FeedRaw(c.proxy_held.data(), from_held);
    c.proxy_held.erase(0, from_held);
    n -= from_held;
  }
  if (feeding && n > 0) repl_stream->FeedRaw(parsed, n);
  if (n < parsed_len) c.proxy_held.append(parsed + n, parsed_len - n);
}

void Server::UpdateClientMemory(Client& c) {
  size_t now = ClientMemoryUsage(*this, c);
  clients_memory_ += now - c.tracked_memory;
  c.tracked_memory = now;
}

// getClientEvictionLimit and evictClients: a percentage is of maxmemory, and
// no limit is below 128 KB (a bad setting must not lock every client out).
std::vector<Client*> Server::ClientsToEvict() {
  std::vector<Client*> out;
  int64_t setting = settings_.maxmemory_clients;
  size_t limit;
  if (setting < 0 && settings_.maxmemory > 0) {
    limit = static_cast<size_t>(static_cast<double>(settings_.maxmemory) * static_cast<double>(-setting) / 100);
  } else if (setting > 0) {
    limit = static_cast<size_t>(setting);
  } else {
    return out;
  }
  if (limit < 128 * 1024) limit = 128 * 1024;
  if (clients_memory_ < limit) return out;
  // Over the limit: measure everyone again (output may have drained since).
  // Replicas and our master's link are never evicted and do not count (clientEvictionAllowed).
  std::vector<Client*> candidates;
  size_t replication_memory = 0;
  for (const auto& c : clients_) {
    if (!c) continue;
    UpdateClientMemory(*c);
    if (c->master || c->replica) {
      replication_memory += c->tracked_memory;
      continue;
    }
    if (!c->no_evict && !c->evicted && !c->monitor) candidates.push_back(c.get());
  }
  if (clients_memory_ - std::min(clients_memory_, replication_memory) < limit) return out;
  std::sort(candidates.begin(), candidates.end(),
            [](const Client* a, const Client* b) { return a->tracked_memory > b->tracked_memory; });
  size_t total = clients_memory_ - std::min(clients_memory_, replication_memory);
  for (Client* c : candidates) {
    if (total < limit) break;
    c->evicted = true;
    total -= c->tracked_memory;
    out.push_back(c);
  }
  return out;
}

void Server::ReleaseQueryBuffer(Client& c) {
  constexpr size_t kPoolMax = 32;
  constexpr size_t kPooledMax = 64 * 1024;  // bigger ones are freed
  if (c.query.capacity() == 0) return;
  size_t cap;
  char* p = c.query.Release(&cap);
  if (cap <= kPooledMax && query_pool_.size() < kPoolMax) query_pool_.emplace_back(p, cap);
  else ZFree(p);
}

void Server::RecordJsCall(Client& c, const std::string& name, uint64_t usec, std::string_view error,
                          const std::vector<int>& redacted) {
  auto it = commands_.find(name.find('|') != std::string::npos ? "|" + name : name);
  if (it == commands_.end()) return;
  CommandStats& s = it->second->stats;
  s.calls++;
  s.cycles += static_cast<uint64_t>(usec * calibration_.cycles_per_us());
  stats_.total_commands_processed++;
  if (!error.empty()) {
    s.failed_calls++;
    OnErrorReply(error);
  }
  std::vector<std::string_view> argv(c.pending.begin(), c.pending.end());
  AfterTimedCall(c, it->second.get(), usec, argv, &redacted);
}

namespace {
constexpr std::string_view kOomError = "OOM command not allowed when used memory > 'maxmemory'.";
}  // namespace

bool Server::CheckMaxmemory(Client& c, CommandEntry* cmd, Reply& reply) {
  // Inside MULTI a no-multi command is refused for that first, as in Redis.
  if (c.multi.active && (cmd->spec->flags & CMD_NO_MULTI)) return true;
  bool oom = PerformEvictions() == EvictResult::kFail;
  pre_command_oom_ = oom;
  if (!oom) return true;
  const char* name = cmd->spec->name;
  bool is_exec = !strcmp(name, "exec");
  bool reject = (ScriptCommandFlags(*this, cmd, c.argv) & CMD_DENYOOM) || (is_exec && (c.multi.flags & CMD_DENYOOM));
  // Queuing in MULTI may take any amount of memory: only EXEC, DISCARD, QUIT and RESET pass.
  if (c.multi.active && !is_exec && strcmp(name, "discard") && strcmp(name, "quit") && strcmp(name, "reset")) {
    reject = true;
  }
  if (!reject) return true;
  RejectCommand(c, cmd, kOomError, reply);
  return false;
}

void Server::EvictKey(int db, std::string_view key) {
  PropagateDeletion(db, key, settings_.lazyfree_lazy_eviction);
  dbs_[db]->Delete(key, FreeReason::kEvict);
  stats_.evicted_keys++;
  // No client modified it: tracking invalidates it for every client, the running one included.
  uint64_t outer = current_client_id_;
  current_client_id_ = 0;
  SignalModifiedKey(db, key);
  current_client_id_ = outer;
  Notify(kNotifyEvicted, "evicted", db, key);
}

bool Server::AllowedWhileSubscribed(const CommandEntry* cmd) const {
  static const char* const kAllowed[] = {"subscribe", "ssubscribe", "psubscribe", "unsubscribe", "sunsubscribe",
                                         "punsubscribe", "ping", "quit", "reset"};
  for (const char* n : kAllowed) {
    if (!strcmp(cmd->spec->name, n)) return true;
  }
  return false;
}

// Commands that act on the transaction itself run immediately inside MULTI.
bool Server::IsTransactionControl(const CommandEntry* cmd) const {
  const char* n = cmd->spec->name;
  return !strcmp(n, "exec") || !strcmp(n, "discard") || !strcmp(n, "multi") || !strcmp(n, "watch") ||
         !strcmp(n, "quit") || !strcmp(n, "reset");
}

void Server::ExecuteQueued(Client& c, const std::vector<std::string_view>& argv, Reply& reply) {
  std::string error;
  CommandEntry* cmd = Lookup(argv, c, &error);
  if (!cmd) return reply.Error(error);
  // ACLs are checked again: they may have changed since the command was queued.
  if (!c.obey && !c.acl_user->unrestricted) {
    int pos = 0;
    int r = CheckAcl(c, *c.acl_user, cmd, argv, "multi", &pos);
    if (r != kAclOk) {
      error.assign(
          "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. "
          "This command is no longer allowed for the following reason: ");
      error.append(r == kAclDeniedCmd   ? "no permission to execute the command or subcommand"
                   : r == kAclDeniedKey ? "no permission to touch the specified keys"
                                        : "no permission to access one of the channels used as arguments");
      return reply.Error(error);
    }
  }
  if (cmd->owner == CommandOwner::kJs) {
    if (js_executor_) js_executor_->Run(c, argv, reply.buffer());
    else reply.Error("ERR command not available inside a transaction");
    return;
  }
  std::vector<std::string_view> saved;
  saved.swap(c.argv);
  c.argv = argv;
  Call(c, cmd, reply);
  c.argv.swap(saved);
}

bool Server::ExecuteReplayed(Client& c, const std::vector<std::string_view>& argv, std::string* error) {
  std::string lookup_error;
  CommandEntry* cmd = Lookup(argv, c, &lookup_error);
  if (!cmd || cmd->owner != CommandOwner::kNative) {
    error->assign(argv[0].substr(0, std::min<size_t>(argv[0].size(), 128)));
    return false;
  }
  Reply reply(&c.out, nullptr);
  if (c.multi.active && !IsTransactionControl(cmd)) {
    c.multi.queue.emplace_back(argv.begin(), argv.end());
    c.multi.flags |= cmd->spec->flags;
    c.multi.inv_flags |= ~cmd->spec->flags;
  } else {
    // The handler itself, like Redis's loader calling cmd->proc: no statistics, no propagation.
    c.argv = argv;
    now_us_ = NowUs();
    CommandContext ctx{*this, c, dbs_[c.db].get(), c.argv.data(), static_cast<int>(c.argv.size()), reply,
                       now_us_ / 1000, cmd->spec};
    cmd->handler(ctx);
  }
  c.out.clear();
  return true;
}

bool Server::Cron() {
  // DEBUG PAUSE-CRON: no periodic work at all.
  if (settings_.pause_cron) return false;
  int64_t start = NowUs();
  now_us_ = start;
  calibration_.Calibrate(CycleCount(), start);
  UpdateAccessClock();
  UpdatePeakMemory();
  UpdateMallocStats(/*allocator=*/false);
  // glibc keeps what was freed; after a big drop (clients gone, keys deleted)
  // give the free pages back to the kernel, from the lazy free thread.
  size_t used = ZUsedMemory();
  if (used > trim_mark_) {
    trim_mark_ = used;
  } else if (trim_mark_ - used > std::max<size_t>(32u << 20, used / 2)) {
    lazyfree_.Trim();
    trim_mark_ = used;
    clients_freed_ = 0;
  }
  // Connections leave memory of their own in the allocator (Node's socket
  // handles are malloc'd too): after many closed, the same.
  if (clients_freed_ >= 1000) {
    lazyfree_.Trim();
    clients_freed_ = 0;
  }
  // Active expiry: at most 25% of a cron period (scaled by effort), spread over the databases.
  int64_t period_us = 1000000 / std::max(1, settings_.hz);
  int64_t budget = period_us * (25 + 2 * (settings_.active_expire_effort - 1)) / 100;
  int64_t deadline = start + budget;
  int64_t now_ms = start / 1000;
  int n = db_count();
  // A replica expires nothing itself: the master sends the DELs. Nor does a
  // paused server (CLIENT PAUSE, FAILOVER, SHUTDOWN): the dataset and the
  // replication offset stay still, as Redis's activeExpireCycle.
  const bool active_expire = settings_.active_expire_enabled && !settings_.replica_expiry && !settings_.clients_paused;
  bool timed_out = false;
  for (int i = 0; i < n && active_expire && !(timed_out = NowUs() >= deadline); i++) {
    Db& db = *dbs_[(expire_db_cursor_ + i) % n];
    size_t stale = 0;
    size_t expired = db.ActiveExpire(now_ms, deadline, settings_.active_expire_effort, &stale);
    stats_.expired_keys += expired;
    stats_.expired_stale_perc = stale;
  }
  if (timed_out || (active_expire && NowUs() >= deadline)) stats_.expired_time_cap_reached++;
  expire_db_cursor_ = (expire_db_cursor_ + 1) % std::max(1, n);
  ClientsCron(start / 1000);
  const uint64_t expire_us = static_cast<uint64_t>(NowUs() - start);
  stats_.expire_cycle_cpu_milliseconds += expire_us / 1000;
  latency_.AddIfNeeded("expire-cycle", expire_us / 1000, settings_.latency_monitor_threshold);
  // Eviction left unfinished by a command goes on here too (the addon's timer is faster).
  if (evictor_.running()) evictor_.Continue();
  // Tables shrink when mostly empty, and rehash in 1 ms slices when activerehashing is on.
  for (int i = 0; i < n; i++) {
    dbs_[i]->keys().ShrinkIfNeeded();
    dbs_[i]->expires().ShrinkIfNeeded();
  }
  if (settings_.activerehashing) {
    for (int i = 0; i < n; i++) {
      Db& db = *dbs_[(rehash_db_cursor_ + i) % n];
      if (db.keys().rehashing() || db.expires().rehashing()) {
        db.keys().RehashMicroseconds(1000);
        db.expires().RehashMicroseconds(1000);
        rehash_db_cursor_ = (rehash_db_cursor_ + i + 1) % n;
        break;
      }
    }
  }
  return true;
}

// Redis's clientsCron reply-buffer part: the peak (CLIENT LIST rbp=) restarts
// every reply-buffer peak reset time, and an idle client's buffer shrinks
// back towards its recent peak (DEBUG REPLYBUFFER RESIZING switches it off).
void Server::ClientsCron(int64_t now_ms) {
  const int64_t reset = settings_.reply_buffer_peak_reset_ms;
  // INFO client_recent_max_input_buffer: the biggest query buffer over about 8 seconds.
  const int64_t second = now_ms / 1000;
  size_t& slot = recent_input_[second % 8];
  if (recent_input_second_ != second) {
    recent_input_second_ = second;
    slot = 0;
  }
  for (auto& c : clients_) {
    if (!c) continue;
    slot = std::max({slot, c->query.capacity(), c->query_peak});
    c->query_peak = 0;
    if (settings_.reply_buffer_resizing && c->out.empty() && c->out.capacity() > 2 * std::max<size_t>(c->out_peak, 16384)) {
      c->out.Trim(std::max<size_t>(c->out_peak, 16384));
      stats_.reply_buffer_shrinks++;
    }
    if (reset >= 0 && now_ms - c->out_peak_reset_ms >= reset) {
      c->out_peak = c->out.size();
      c->out_peak_reset_ms = now_ms;
    }
  }
  stats_.recent_max_input_buffer = 0;
  for (size_t v : recent_input_) stats_.recent_max_input_buffer = std::max(stats_.recent_max_input_buffer, v);
}

// ---- Access clock: LRU seconds or LFU counters (Redis's evict.c rules) ----

namespace {
constexpr uint32_t kLfuInitVal = 5;

uint32_t LfuMinutes() { return static_cast<uint32_t>((NowMs() / 60000) & 0xffff); }
}  // namespace

void Server::UpdateAccessClock() {
  clock_.lru_clock = static_cast<uint32_t>((NowMs() / 1000) & ((1 << 24) - 1));
  clock_.lfu = settings_.lfu_policy;
  clock_.new_stamp = clock_.lfu ? (LfuMinutes() << 8) | kLfuInitVal : clock_.lru_clock;
}

uint32_t LfuDecayedCounter(uint32_t stamp, int decay_time) {
  uint32_t ldt = stamp >> 8, counter = stamp & 255, now = LfuMinutes();
  uint32_t elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
  uint32_t periods = decay_time > 0 ? elapsed / static_cast<uint32_t>(decay_time) : 0;
  return periods > counter ? 0 : counter - periods;
}

void Server::TouchEntry(Entry* e) {
  if (fork_child_active_) return;
  if (!clock_.lfu) {
    e->lru = clock_.lru_clock;
    return;
  }
  uint32_t counter = LfuDecayedCounter(e->lru, settings_.lfu_decay_time);
  // Logarithmic increment: the higher the counter, the less likely it grows.
  if (counter < 255) {
    double r = static_cast<double>(rand()) / RAND_MAX;
    double base = counter > kLfuInitVal ? counter - kLfuInitVal : 0;
    if (r < 1.0 / (base * settings_.lfu_log_factor + 1)) counter++;
  }
  e->lru = (LfuMinutes() << 8) | counter;
}

// ---- CommandContext ----

bool CommandContext::Is(int i, std::string_view token) const {
  std::string_view a = argv[i];
  if (a.size() != token.size()) return false;
  for (size_t k = 0; k < a.size(); k++) {
    if (tolower(static_cast<unsigned char>(a[k])) != tolower(static_cast<unsigned char>(token[k]))) return false;
  }
  return true;
}

Entry* CommandContext::ReadKey(std::string_view key) {
  Entry* e = db->Lookup(key, now_ms);
  if (e) {
    server.stats().keyspace_hits++;
    server.TouchEntry(e);
  } else {
    server.stats().keyspace_misses++;
    Notify(kNotifyKeyMiss, "keymiss", key);
  }
  return e;
}

Entry* CommandContext::WriteKey(std::string_view key) {
  Entry* e = db->Lookup(key, now_ms);
  if (e) server.TouchEntry(e);
  return e;
}

bool CommandContext::ReadKeyOfType(std::string_view key, ObjType type, Entry** out) {
  *out = ReadKey(key);
  if (*out && (*out)->type != type) {
    WrongType();
    return false;
  }
  return true;
}

bool CommandContext::WriteKeyOfType(std::string_view key, ObjType type, Entry** out) {
  *out = WriteKey(key);
  if (*out && (*out)->type != type) {
    WrongType();
    return false;
  }
  return true;
}

bool CommandContext::ParseInt(int i, int64_t* out, std::string_view error) {
  if (String2ll(argv[i], out)) return true;
  reply.Error(error);
  return false;
}

bool CommandContext::ParseLong(int i, long* out, std::string_view error) {
  int64_t v;
  if (!ParseInt(i, &v, error)) return false;
  *out = static_cast<long>(v);
  return true;
}

bool CommandContext::ParseRange(int i, long min, long max, long* out, std::string_view error) {
  if (!ParseLong(i, out, error.empty() ? err::kNotInt : error)) return false;
  if (*out >= min && *out <= max) return true;
  if (!error.empty()) {
    reply.Error(error);
  } else {
    reply.Error("ERR value is out of range, value must between " + std::to_string(min) + " and " +
                std::to_string(max));
  }
  return false;
}

bool CommandContext::ParseInt32(int i, int* out, std::string_view error) {
  long v;
  if (!ParseRange(i, INT32_MIN, INT32_MAX, &v, error)) return false;
  *out = static_cast<int>(v);
  return true;
}

bool CommandContext::ParseDouble(int i, double* out, std::string_view error) {
  if (String2d(argv[i], out)) return true;
  reply.Error(error);
  return false;
}

void CommandContext::ArityError() {
  std::string msg = "ERR wrong number of arguments for '";
  msg += spec->name;
  msg += "' command";
  reply.Error(msg);
}

void CommandContext::KeyModified(std::string_view key) { server.SignalModifiedKey(db->id(), key); }

bool CommandContext::DeleteIfEmpty(std::string_view key, const Collection* value) {
  if (value->Length() != 0) return false;
  // The event first: `key` may be a view of the entry's own bytes.
  Notify(kNotifyGeneric, "del", key);
  db->Delete(key);
  return true;
}

Entry* CommandContext::StoreKey(Entry* e) {
  WriteKey(e->key());
  return db->Set(e, /*keep_ttl=*/false);
}

bool CommandContext::DeleteKey(std::string_view key, FreeReason why) {
  if (!db->Delete(key, why)) return false;
  KeyModified(key);
  Notify(kNotifyGeneric, "del", key);
  return true;
}

void CommandContext::Notify(uint32_t cls, const char* event, std::string_view key) {
  server.Notify(cls, event, db->id(), key);
}

void CommandContext::Dirty(uint64_t n) { server.stats().dirty += n; }

bool CommandContext::propagating() const { return server.propagator().active(); }

void CommandContext::PropagateAs(std::vector<std::string> argv) {
  if (propagating()) server.propagator().RewriteCurrent(std::move(argv));
}

void CommandContext::AlsoPropagate(std::vector<std::string> argv) {
  if (propagating()) server.propagator().Also(client.db, std::move(argv));
}

void CommandContext::PreventPropagation() {
  if (propagating()) server.propagator().PreventCurrent();
}

void CommandContext::ForcePropagation() {
  if (propagating()) server.propagator().ForceCurrent();
}

}  // namespace tachyon
