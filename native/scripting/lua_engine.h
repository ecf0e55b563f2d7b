// The Lua engine behind EVAL and FCALL: one PUC Lua 5.1 interpreter per mode
// (scripts, functions), sandboxed as Redis 7.0 sandboxes it, with the redis.*
// API, the cjson, cmsgpack, struct and bit libraries, and the conversions
// between Redis replies and Lua values. It knows nothing of the server: the
// commands a script runs go through ScriptHost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply.h"

struct lua_State;

namespace tachyon {

// The server side of a running script (implemented by server/scripting_family.cc).
class ScriptHost {
 public:
  // redis.call / redis.pcall: runs argv with its reply encoded in protocol
  // `resp` and appended to *reply. A refusal before the command runs sets
  // *error instead ("Unknown Redis command called from script", or a full
  // "-CODE message" text).
  virtual void ScriptCommand(const std::vector<std::string_view>& argv, int resp, ByteBuffer* reply,
                             std::string* error) = 0;
  // redis.acl_check_cmd: -1 when argv names no command, else whether the
  // user running the script may run it (1) or not (0).
  virtual int ScriptCommandCheck(const std::vector<std::string_view>& argv) = 0;
  // redis.log at one of Redis's levels (0 debug ... 3 warning).
  virtual void ScriptLog(int level, std::string_view msg) = 0;
  virtual int LogVerbosity() = 0;
  // Called every 100,000 Lua instructions: true when the script must stop (SCRIPT KILL).
  virtual bool ScriptInterrupted() = 0;

 protected:
  ~ScriptHost() = default;
};

// Script and function flags (shebang flags=..., register_function flags).
enum ScriptFlag : uint32_t {
  kScriptNoWrites = 1 << 0,
  kScriptAllowOom = 1 << 1,
  kScriptAllowStale = 1 << 2,
  kScriptNoCluster = 1 << 3,
  kScriptAllowCrossSlot = 1 << 4,
  kScriptEvalCompat = 1 << 5,  // an EVAL script without a shebang: Redis 6 rules
};

// Looks up a flag by its name ("no-writes", ...); false if unknown.
bool ScriptFlagByName(std::string_view name, uint32_t* flag);
// Flag names in Redis's order, for FUNCTION LIST.
std::vector<const char*> ScriptFlagNames(uint32_t flags);

// A function registered by redis.register_function during FUNCTION LOAD.
struct LuaFunction {
  std::string name;
  std::string description;
  bool has_description = false;
  uint32_t flags = 0;
  int ref = 0;  // the callback, in the functions interpreter's registry
};

class LuaEngine {
 public:
  enum class Mode { kEval, kFunction };

  explicit LuaEngine(Mode mode);
  ~LuaEngine();
  LuaEngine(const LuaEngine&) = delete;
  LuaEngine& operator=(const LuaEngine&) = delete;

  // EVAL: compiles body (without its shebang line) as the script `sha`. On
  // failure *error is "Error compiling script (new function): <lua message>".
  bool CompileScript(const std::string& sha, std::string_view body, std::string* error);
  bool HasScript(const std::string& sha) const;

  // FUNCTION LOAD: runs a library's code in the loading sandbox (only
  // redis.register_function, redis.log and the version fields exist there),
  // with a 500 ms limit. Registered functions are appended to *out; on
  // failure *error holds Redis's message and nothing stays registered.
  bool LoadLibrary(std::string_view code, ScriptHost* host, std::vector<LuaFunction>* out, std::string* error);
  void ReleaseFunction(int ref);

  // Runs a compiled script (sha) or a function (ref, when sha is empty) and
  // writes its return value, converted, or its error into reply (the
  // caller's protocol). `name` appears in error messages ("script: <name>").
  // The instruction hook (for busy-reply-threshold and SCRIPT KILL) is
  // installed only when `hook` is set.
  void Run(const std::string& sha, int ref, const std::vector<std::string_view>& keys,
           const std::vector<std::string_view>& args, ScriptHost* host, Reply& reply, std::string_view name,
           bool hook);

  // The RESP version redis.call replies are converted from (redis.setresp).
  int script_resp() const { return resp_; }
  // redis.set_repl's flags for the running script (1 AOF, 2 replicas; 3 by default).
  int repl_flags() const { return repl_flags_; }
  size_t UsedMemory() const;
  lua_State* state() { return L_; }

  // Lua C functions reach the engine through an upvalue.
  struct Api;

 private:
  void Init();
  void BuildSandbox();

  Mode mode_;
  lua_State* L_ = nullptr;
  ScriptHost* host_ = nullptr;  // set while a script runs or a library loads
  bool loading_ = false;
  int64_t load_deadline_us_ = 0;
  std::vector<LuaFunction>* load_out_ = nullptr;
  int resp_ = 2;
  int repl_flags_ = 3;
  ByteBuffer call_reply_;
  std::vector<std::string> num_args_;
  std::vector<std::string_view> call_argv_;
  uint32_t gc_countdown_ = 50;
};

}  // namespace tachyon
