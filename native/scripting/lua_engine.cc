// The Lua engine (see lua_engine.h). Sandbox layout, as Redis 7.0 builds it:
//
// - Globals and every table reachable from them (string, math, redis, cjson,
//   ..., and the string metatable) are read-only. Stock Lua 5.1 has no
//   read-only tables, so each protected table is reached through an empty
//   proxy whose metatable reads from the real table and raises "Attempt to
//   modify a readonly table" on any write; rawset/rawget/next/pairs/ipairs/
//   setmetatable see through proxies (or refuse) as Redis's patched VM does.
// - Reading a global that does not exist raises "Script attempted to access
//   nonexistent global variable"; os, io, print, loadfile, dofile, debug are
//   not there.
// - EVAL scripts get KEYS and ARGV as globals; functions get them as arguments.
//   While FUNCTION LOAD runs a library, globals resolve to a loading API that
//   holds only redis.register_function, redis.log and the version fields.
// - Errors reach the caller as Redis formats them: a table {err=...} raised
//   by redis.call or error(), or a message, plus " script: <name>, on
//   <source>:<line>." from the error handler.
#include "scripting/lua_engine.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "scripting/lua_libs.h"
#include "core/sha1.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

namespace tachyon {

namespace {

// Registry keys (light userdata addresses are unique and cheap).
char kScriptsKey;        // sha -> compiled script
char kProxyToRealKey;    // weak: proxy -> protected table
char kRealToProxyKey;    // weak: protected table -> proxy
char kGlobalsMetaKey;    // the globals proxy's metatable (its __index is switched for loading)
char kRealGlobalsKey;    // the runtime globals table
char kLoadGlobalsKey;    // the FUNCTION LOAD globals table
char kErrorHandlerKey;

constexpr const char* kReadonly = "Attempt to modify a readonly table";
constexpr int kHookInstructions = 100000;
constexpr int64_t kLoadTimeoutUs = 500 * 1000;

int64_t MonotonicUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

LuaEngine* EngineOf(lua_State* L) { return static_cast<LuaEngine*>(lua_touserdata(L, lua_upvalueindex(1))); }

// ---- Error tables, as Redis's luaPushError ----

// Pushes {err="CODE message"}: a leading '-' means the text starts with its
// error code, otherwise the code is ERR. Trailing CR/LF are dropped.
void PushErrorTable(lua_State* L, std::string_view text) {
  std::string msg;
  if (!text.empty() && text[0] == '-') {
    size_t sp = text.find(' ');
    if (sp == std::string_view::npos) {
      msg = "ERR ";
      msg.append(text.substr(1));
    } else {
      msg.append(text.substr(1, sp - 1));
      msg.push_back(' ');
      msg.append(text.substr(sp + 1));
    }
  } else {
    msg = "ERR ";
    msg.append(text);
  }
  while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) msg.pop_back();
  // Redis trims leading CR/LF of the message part too (sdstrim on both ends).
  lua_newtable(L);
  lua_pushlstring(L, msg.data(), msg.size());
  lua_setfield(L, -2, "err");
}

// ---- Read-only proxies ----

int ReadonlyNewIndex(lua_State* L) { return luaL_error(L, "%s", kReadonly); }

int NonexistentGlobal(lua_State* L) {
  const char* name = lua_tostring(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name ? name : "?");
}

// Pushes the real table behind the value at idx if it is a proxy, else nothing (returns false).
bool PushReal(lua_State* L, int idx) {
  if (!lua_istable(L, idx)) return false;
  lua_pushlightuserdata(L, &kProxyToRealKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  lua_remove(L, -2);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return false;
  }
  return true;
}

int ErrorNoPosition(lua_State* L, const char* msg) {
  lua_pushstring(L, msg);
  return lua_error(L);
}

int SafeRawset(lua_State* L) {
  if (PushReal(L, 1)) return ErrorNoPosition(L, kReadonly);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

int SafeRawget(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  if (PushReal(L, 1)) lua_replace(L, 1);
  lua_settop(L, 2);
  lua_rawget(L, 1);
  return 1;
}

int SafeNext(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  if (PushReal(L, 1)) lua_replace(L, 1);
  lua_settop(L, 2);
  if (lua_next(L, 1)) return 2;
  lua_pushnil(L);
  return 1;
}

int SafePairs(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, lua_upvalueindex(1));  // SafeNext
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

int IpairsStep(lua_State* L) {
  lua_Integer i = luaL_checkinteger(L, 2) + 1;
  lua_pushinteger(L, i);
  lua_rawgeti(L, 1, static_cast<int>(i));
  return lua_isnil(L, -1) ? 0 : 2;
}

int SafeIpairs(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushcfunction(L, IpairsStep);
  if (!PushReal(L, 1)) lua_pushvalue(L, 1);
  lua_pushinteger(L, 0);
  return 3;
}

int SafeSetmetatable(lua_State* L) {
  if (PushReal(L, 1)) return ErrorNoPosition(L, kReadonly);
  lua_pushvalue(L, lua_upvalueindex(1));  // the original setmetatable
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

// Replaces the table at the top of the stack by its read-only proxy,
// protecting every table reachable from it (values and metatables) first.
void Protect(lua_State* L) {
  luaL_checkstack(L, 8, "protect");
  int t = lua_gettop(L);
  lua_pushlightuserdata(L, &kRealToProxyKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, t);
  lua_rawget(L, -2);
  if (!lua_isnil(L, -1)) {  // already protected (a cycle such as _G._G)
    lua_replace(L, t);
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  // Create and record the proxy before recursing, so cycles find it.
  lua_newtable(L);  // proxy, at t+2
  int proxy = lua_gettop(L);
  lua_pushvalue(L, t);
  lua_pushvalue(L, proxy);
  lua_rawset(L, t + 1);  // real -> proxy
  lua_pushlightuserdata(L, &kProxyToRealKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, proxy);
  lua_pushvalue(L, t);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  // Protect nested tables: collect keys first (the table is modified while iterating otherwise).
  std::vector<int> refs;
  lua_newtable(L);  // keys with table values, at proxy+1
  int keys = lua_gettop(L);
  int n = 0;
  lua_pushnil(L);
  while (lua_next(L, t)) {
    if (lua_istable(L, -1)) {
      lua_pushvalue(L, -2);
      lua_rawseti(L, keys, ++n);
    }
    lua_pop(L, 1);
  }
  for (int i = 1; i <= n; i++) {
    lua_rawgeti(L, keys, i);  // key
    lua_pushvalue(L, -1);
    lua_rawget(L, t);  // value
    Protect(L);
    lua_rawset(L, t);
  }
  lua_pop(L, 1);  // keys
  // The real table's own metatable is protected too (reachable by getmetatable).
  if (lua_getmetatable(L, t)) {
    Protect(L);
    lua_pop(L, 1);
  }
  // The proxy's metatable: reads go to the real table, writes fail.
  lua_newtable(L);
  lua_pushvalue(L, t);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ReadonlyNewIndex);
  lua_setfield(L, -2, "__newindex");
  // getmetatable(proxy) shows a (read-only) table, as for Redis's protected globals.
  lua_newtable(L);
  lua_pushcfunction(L, ReadonlyNewIndex);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_newtable(L);
  lua_insert(L, -2);
  lua_setmetatable(L, -2);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, proxy);
  lua_replace(L, t);  // proxy replaces the real table
  lua_settop(L, t);
}

// ---- math.random with Redis's rand48 ----

constexpr uint64_t kRandA = 0x5DEECE66DULL;
constexpr uint64_t kRandMask = (1ULL << 48) - 1;
constexpr int32_t kRandMax = INT32_MAX;

int32_t Lrand48(uint64_t* x) {
  *x = (kRandA * *x + 0xB) & kRandMask;
  return static_cast<int32_t>(*x >> 17);
}

void Srand48(uint64_t* x, int32_t seed) { *x = (static_cast<uint64_t>(static_cast<uint32_t>(seed)) << 16) | 0x330E; }

// One generator per process, as Redis's: it starts from rand48's default
// state, is never reseeded between calls, and math.randomseed moves it for
// every later script and function.
uint64_t g_rand_state = 0x1234ABCD330EULL;

}  // namespace

// The C functions of the redis.* API and the sandbox (friends of the engine through this struct).
struct LuaEngine::Api {
  static int ArgsToArgv(lua_State* L, LuaEngine* e) {
    int argc = lua_gettop(L);
    if (argc == 0) {
      PushErrorTable(L, "Please specify at least one argument for this redis lib call");
      return -1;
    }
    e->call_argv_.clear();
    if (e->num_args_.size() < static_cast<size_t>(argc)) e->num_args_.resize(argc);
    for (int j = 1; j <= argc; j++) {
      if (lua_type(L, j) == LUA_TNUMBER) {
        // Not lua_tolstring: Lua's %.14g would lose precision.
        char buf[64];
        int n = snprintf(buf, sizeof buf, "%.17g", static_cast<double>(lua_tonumber(L, j)));
        e->num_args_[j - 1].assign(buf, n);
        e->call_argv_.emplace_back(e->num_args_[j - 1]);
      } else {
        size_t len;
        const char* s = lua_tolstring(L, j, &len);
        if (!s) {
          lua_settop(L, 0);
          PushErrorTable(L, "Lua redis lib command arguments must be strings or integers");
          return -1;
        }
        e->call_argv_.emplace_back(s, len);
      }
    }
    return argc;
  }

  static int GenericCall(lua_State* L, bool raise) {
    LuaEngine* e = EngineOf(L);
    if (!e->host_ || e->loading_) {
      PushErrorTable(L, "redis.call/pcall can only be called inside a script invocation");
      return lua_error(L);
    }
    int argc = ArgsToArgv(L, e);
    if (argc < 0) return raise ? lua_error(L) : 1;
    std::string error;
    e->call_reply_.clear();
    // The arguments stay on the stack (the argv views point into them) until the command ran.
    e->host_->ScriptCommand(e->call_argv_, e->resp_, &e->call_reply_, &error);
    lua_settop(L, 0);
    if (!error.empty()) {
      PushErrorTable(L, error);
      lua_pushboolean(L, 1);
      lua_setfield(L, -2, "ignore_error_stats_update");
      return raise ? lua_error(L) : 1;
    }
    const char* p = e->call_reply_.data();
    const char* end = p + e->call_reply_.size();
    if (p == end) {
      lua_pushboolean(L, 0);  // no reply at all (should not happen)
      return 1;
    }
    bool is_error = *p == '-';
    PushReplyAsLua(L, &p, end);
    if (raise && is_error) return lua_error(L);
    return 1;
  }

  static int Call(lua_State* L) { return GenericCall(L, true); }
  static int PCall(lua_State* L) { return GenericCall(L, false); }

  // RESP (as the dispatcher wrote it) to Lua values, as Redis's redisProtocolToLuaType.
  static void PushReplyAsLua(lua_State* L, const char** pp, const char* end) {
    luaL_checkstack(L, 4, "reply too deep");
    const char* p = *pp;
    char type = *p++;
    const char* eol = static_cast<const char*>(memchr(p, '\r', end - p));
    if (!eol) eol = end;
    std::string_view line(p, eol - p);
    p = eol + 2 <= end ? eol + 2 : end;
    auto count = [&]() { return strtoll(std::string(line).c_str(), nullptr, 10); };
    switch (type) {
      case ':':
        lua_pushnumber(L, static_cast<lua_Number>(count()));
        break;
      case '$':
      case '=': {
        long long n = count();
        if (n < 0) {
          lua_pushboolean(L, 0);
          break;
        }
        if (type == '$') {
          lua_pushlstring(L, p, n);
        } else {
          // Verbatim: {verbatim_string={format="txt", string="..."}}
          lua_newtable(L);
          lua_newtable(L);
          lua_pushlstring(L, p + 4, n >= 4 ? n - 4 : 0);
          lua_setfield(L, -2, "string");
          lua_pushlstring(L, p, n >= 3 ? 3 : n);
          lua_setfield(L, -2, "format");
          lua_setfield(L, -2, "verbatim_string");
        }
        p += n + 2;
        break;
      }
      case '+':
        lua_newtable(L);
        lua_pushlstring(L, line.data(), line.size());
        lua_setfield(L, -2, "ok");
        break;
      case '-': {
        std::string text = "-";
        text.append(line);
        PushErrorTable(L, text);
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "ignore_error_stats_update");
        break;
      }
      case '*':
      case '~':
      case '%':
      case '>': {
        long long n = count();
        if (n < 0) {
          lua_pushboolean(L, 0);
          break;
        }
        if (type == '*' || type == '>') {
          lua_createtable(L, static_cast<int>(n), 0);
          for (long long j = 1; j <= n; j++) {
            PushReplyAsLua(L, &p, end);
            lua_rawseti(L, -2, static_cast<int>(j));
          }
        } else if (type == '~') {
          lua_newtable(L);
          lua_newtable(L);
          for (long long j = 0; j < n; j++) {
            PushReplyAsLua(L, &p, end);
            lua_pushboolean(L, 1);
            lua_settable(L, -3);
          }
          lua_setfield(L, -2, "set");
        } else {
          lua_newtable(L);
          lua_newtable(L);
          for (long long j = 0; j < n; j++) {
            PushReplyAsLua(L, &p, end);
            PushReplyAsLua(L, &p, end);
            lua_settable(L, -3);
          }
          lua_setfield(L, -2, "map");
        }
        break;
      }
      case '_':
        lua_pushnil(L);
        break;
      case '#':
        lua_pushboolean(L, line == "t");
        break;
      case ',': {
        lua_newtable(L);
        std::string s(line);
        double d = s == "inf" ? HUGE_VAL : s == "-inf" ? -HUGE_VAL : strtod(s.c_str(), nullptr);
        lua_pushnumber(L, d);
        lua_setfield(L, -2, "double");
        break;
      }
      case '(':
        lua_newtable(L);
        lua_pushlstring(L, line.data(), line.size());
        lua_setfield(L, -2, "big_number");
        break;
      case '|': {  // attributes are skipped
        long long n = count();
        *pp = p;
        for (long long j = 0; j < 2 * n; j++) {
          PushReplyAsLua(L, pp, end);
          lua_pop(L, 1);
        }
        return PushReplyAsLua(L, pp, end);
      }
      default:
        lua_pushnil(L);
    }
    *pp = p;
  }

  static int Sha1hex(lua_State* L) {
    if (lua_gettop(L) != 1) {
      PushErrorTable(L, "wrong number of arguments");
      return lua_error(L);
    }
    size_t len;
    const char* s = lua_tolstring(L, 1, &len);
    std::string hex = Sha1Hex(std::string_view(s ? s : "", s ? len : 0));
    lua_pushlstring(L, hex.data(), hex.size());
    return 1;
  }

  static int ErrorReply(lua_State* L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
      PushErrorTable(L, "wrong number or type of arguments");
      return 1;
    }
    std::string text = lua_tostring(L, -1);
    if (text.empty() || text[0] != '-') text.insert(0, "-");
    PushErrorTable(L, text);
    return 1;
  }

  static int StatusReply(lua_State* L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
      PushErrorTable(L, "wrong number or type of arguments");
      return 1;
    }
    lua_newtable(L);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "ok");
    return 1;
  }

  static int RaiseError(lua_State* L, const char* msg) {
    PushErrorTable(L, msg);
    return lua_error(L);
  }

  static int Log(lua_State* L) {
    LuaEngine* e = EngineOf(L);
    int argc = lua_gettop(L);
    if (argc < 2) return RaiseError(L, "redis.log() requires two arguments or more.");
    if (!lua_isnumber(L, 1)) return RaiseError(L, "First argument must be a number (log level).");
    int level = static_cast<int>(lua_tonumber(L, 1));
    if (level < 0 || level > 3) return RaiseError(L, "Invalid debug level.");
    if (!e->host_ || level < e->host_->LogVerbosity()) return 0;
    std::string msg;
    for (int j = 2; j <= argc; j++) {
      size_t len;
      const char* s = lua_tolstring(L, j, &len);
      if (!s) continue;
      if (j != 2) msg.push_back(' ');
      msg.append(s, len);
    }
    e->host_->ScriptLog(level, msg);
    return 0;
  }

  static int SetResp(lua_State* L) {
    LuaEngine* e = EngineOf(L);
    if (!e->host_ || e->loading_) return RaiseError(L, "redis.setresp can only be called inside a script invocation");
    if (lua_gettop(L) != 1) return RaiseError(L, "redis.setresp() requires one argument.");
    int resp = static_cast<int>(lua_tonumber(L, 1));
    if (resp != 2 && resp != 3) return RaiseError(L, "RESP version must be 2 or 3.");
    e->resp_ = resp;
    return 0;
  }

  static int SetRepl(lua_State* L) {
    LuaEngine* e = EngineOf(L);
    if (!e->host_ || e->loading_) return RaiseError(L, "redis.set_repl can only be called inside a script invocation");
    if (lua_gettop(L) != 1) return RaiseError(L, "redis.set_repl() requires two arguments.");
    int flags = static_cast<int>(lua_tonumber(L, 1));
    if ((flags & ~3) != 0) {
      return RaiseError(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
    }
    e->repl_flags_ = flags;
    return 0;
  }

  static int AclCheckCmd(lua_State* L) {
    LuaEngine* e = EngineOf(L);
    if (!e->host_ || e->loading_) {
      return RaiseError(L, "redis.acl_check_cmd can only be called inside a script invocation");
    }
    int argc = ArgsToArgv(L, e);
    if (argc < 0) return lua_error(L);
    int allowed = e->host_->ScriptCommandCheck(e->call_argv_);
    lua_settop(L, 0);
    if (allowed < 0) return RaiseError(L, "Invalid command passed to redis.acl_check_cmd()");
    lua_pushboolean(L, allowed);
    return 1;
  }

  static int Breakpoint(lua_State* L) {
    lua_pushboolean(L, 0);  // no debugging session: never stops
    return 1;
  }
  static int Debug(lua_State*) { return 0; }
  static int ReplicateCommands(lua_State* L) {
    lua_pushboolean(L, 1);
    return 1;
  }

  static int MathRandom(lua_State* L) {
    LuaEngine* e = EngineOf(L);
    if (!e->host_ || e->loading_) return luaL_error(L, "math.random can only be called inside a script invocation");
    lua_Number r = static_cast<lua_Number>(Lrand48(&g_rand_state) % kRandMax) / static_cast<lua_Number>(kRandMax);
    switch (lua_gettop(L)) {
      case 0:
        lua_pushnumber(L, r);
        break;
      case 1: {
        int u = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= u, 1, "interval is empty");
        lua_pushnumber(L, floor(r * u) + 1);
        break;
      }
      case 2: {
        int l = luaL_checkint(L, 1);
        int u = luaL_checkint(L, 2);
        luaL_argcheck(L, l <= u, 2, "interval is empty");
        lua_pushnumber(L, floor(r * (u - l + 1)) + l);
        break;
      }
      default:
        return luaL_error(L, "wrong number of arguments");
    }
    return 1;
  }

  static int MathRandomseed(lua_State* L) {
    LuaEngine* e = EngineOf(L);
    if (!e->host_ || e->loading_) {
      return luaL_error(L, "math.randomseed can only be called inside a script invocation");
    }
    Srand48(&g_rand_state, luaL_checkint(L, 1));
    return 0;
  }

  // Redis's pcall: an error raised as a table {err=...} comes back as its message.
  static int Pcall(lua_State* L) {
    int argc = lua_gettop(L);
    luaL_checkany(L, 1);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    if (lua_pcall(L, argc - 1, LUA_MULTRET, 0)) {
      lua_remove(L, 1);
      if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "err");
        if (lua_isstring(L, -1)) lua_replace(L, -2);
        else lua_pop(L, 1);
      }
      lua_pushboolean(L, 0);
      lua_insert(L, 1);
    }
    return lua_gettop(L);
  }

  // The error handler: errors become {err=..., source=..., line=...} tables.
  static int ErrorHandler(lua_State* L) {
    lua_Debug ar;
    bool have = lua_getstack(L, 1, &ar) && lua_getinfo(L, "nSl", &ar);
    if (have && strcmp(ar.what, "C") == 0) have = lua_getstack(L, 2, &ar) && lua_getinfo(L, "nSl", &ar);
    if (!lua_istable(L, 1)) {
      std::string msg = "ERR ";
      if (lua_isstring(L, 1)) {
        msg.append(lua_tostring(L, 1));
      } else if (lua_isnil(L, 1)) {
        msg.append("nil");
      } else if (lua_isboolean(L, 1)) {
        msg.append(lua_toboolean(L, 1) ? "true" : "false");
      } else {
        char buf[64];
        snprintf(buf, sizeof buf, "%s: %p", luaL_typename(L, 1), lua_topointer(L, 1));
        msg.append(buf);
      }
      lua_settop(L, 0);
      lua_newtable(L);
      lua_pushlstring(L, msg.data(), msg.size());
      lua_setfield(L, -2, "err");
    } else {
      lua_settop(L, 1);
    }
    if (have) {
      lua_pushstring(L, ar.source);
      lua_setfield(L, 1, "source");
      lua_pushinteger(L, ar.currentline);
      lua_setfield(L, 1, "line");
    }
    return 1;
  }

  // redis.register_function(name, callback) or redis.register_function{function_name=..., callback=..., flags=..., description=...}
  static int RegisterFunction(lua_State* L) {
    LuaEngine* e = EngineOf(L);
    if (!e->loading_ || !e->load_out_) {
      return RaiseError(L, "redis.register_function can only be called on FUNCTION LOAD command");
    }
    int argc = lua_gettop(L);
    if (argc < 1 || argc > 2) return RaiseError(L, "wrong number of arguments to redis.register_function");
    LuaFunction f;
    bool have_name = false, have_callback = false;
    if (argc == 2) {
      if (!lua_isstring(L, 1)) return RaiseError(L, "first argument to redis.register_function must be a string");
      if (!lua_isfunction(L, 2)) return RaiseError(L, "second argument to redis.register_function must be a function");
      size_t len;
      const char* s = lua_tolstring(L, 1, &len);
      f.name.assign(s, len);
      lua_pushvalue(L, 2);
      f.ref = luaL_ref(L, LUA_REGISTRYINDEX);
      have_name = have_callback = true;
    } else {
      if (!lua_istable(L, 1)) {
        return RaiseError(L,
                          "calling redis.register_function with a single argument is only applicable to Lua table "
                          "(representing named arguments).");
      }
      const char* err = nullptr;
      lua_pushnil(L);
      while (lua_next(L, 1)) {
        if (!lua_isstring(L, -2)) {
          err = "named argument key given to redis.register_function is not a string";
          break;
        }
        std::string key = lua_tostring(L, -2);
        for (char& ch : key) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
        if (key == "function_name") {
          if (!lua_isstring(L, -1)) {
            err = "function_name argument given to redis.register_function must be a string";
            break;
          }
          size_t len;
          const char* s = lua_tolstring(L, -1, &len);
          f.name.assign(s, len);
          have_name = true;
        } else if (key == "description") {
          if (!lua_isstring(L, -1)) {
            err = "description argument given to redis.register_function must be a string";
            break;
          }
          f.description = lua_tostring(L, -1);
          f.has_description = true;
        } else if (key == "callback") {
          if (!lua_isfunction(L, -1)) {
            err = "callback argument given to redis.register_function must be a function";
            break;
          }
          if (have_callback) luaL_unref(L, LUA_REGISTRYINDEX, f.ref);
          lua_pushvalue(L, -1);
          f.ref = luaL_ref(L, LUA_REGISTRYINDEX);
          have_callback = true;
        } else if (key == "flags") {
          if (!lua_istable(L, -1)) {
            err = "flags argument to redis.register_function must be a table representing function flags";
            break;
          }
          uint32_t flags = 0;
          bool ok = true;
          for (int j = 1;; j++) {
            lua_rawgeti(L, -1, j);
            if (lua_isnil(L, -1)) {
              lua_pop(L, 1);
              break;
            }
            uint32_t flag = 0;
            if (!lua_isstring(L, -1) || !ScriptFlagByName(lua_tostring(L, -1), &flag)) ok = false;
            lua_pop(L, 1);
            if (!ok) break;
            flags |= flag;
          }
          if (!ok) {
            err = "unknown flag given";
            break;
          }
          f.flags = flags;
        } else {
          err = "unknown argument given to redis.register_function";
          break;
        }
        lua_pop(L, 1);
      }
      if (!err && !have_name) err = "redis.register_function must get a function name argument";
      if (!err && !have_callback) err = "redis.register_function must get a callback argument";
      if (err) {
        if (have_callback) luaL_unref(L, LUA_REGISTRYINDEX, f.ref);
        return RaiseError(L, err);
      }
    }
    e->load_out_->push_back(std::move(f));
    return 0;
  }
};

bool ScriptFlagByName(std::string_view name, uint32_t* flag) {
  static const std::pair<const char*, uint32_t> kFlags[] = {
      {"no-writes", kScriptNoWrites},   {"allow-oom", kScriptAllowOom},
      {"allow-stale", kScriptAllowStale}, {"no-cluster", kScriptNoCluster},
      {"allow-cross-slot-keys", kScriptAllowCrossSlot}};
  for (const auto& [n, f] : kFlags) {
    if (name == n) {
      *flag = f;
      return true;
    }
  }
  return false;
}

std::vector<const char*> ScriptFlagNames(uint32_t flags) {
  std::vector<const char*> out;
  if (flags & kScriptNoWrites) out.push_back("no-writes");
  if (flags & kScriptAllowOom) out.push_back("allow-oom");
  if (flags & kScriptAllowStale) out.push_back("allow-stale");
  if (flags & kScriptNoCluster) out.push_back("no-cluster");
  if (flags & kScriptAllowCrossSlot) out.push_back("allow-cross-slot-keys");
  return out;
}

LuaEngine::LuaEngine(Mode mode) : mode_(mode) { Init(); }

namespace {

// Each engine keeps itself in the Lua state's extra space: the allocator's userdata.
struct AllocState {
  LuaEngine* engine;
};

void* Alloc(void* ud, void* ptr, size_t, size_t nsize) {
  (void)ud;
  if (nsize == 0) {
    free(ptr);
    return nullptr;
  }
  return realloc(ptr, nsize);
}

// unpack(t [, i [, j]]) with the range checks of Redis's bundled Lua: the
// element count is computed without overflow and bounded by the C stack
// limit, so unpack({}, -2^31, -2) is "too many results to unpack" instead of
// stock 5.1's lua_checkstack overflow that tries to push 2^31 values.
int SafeUnpack(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const int i = luaL_optint(L, 2, 1);
  const int e = luaL_opt(L, luaL_checkint, 3, luaL_getn(L, 1));
  if (i > e) return 0;
  const long long n = static_cast<long long>(e) - i + 1;
  if (n > LUAI_MAXCSTACK || !lua_checkstack(L, static_cast<int>(n))) {
    return luaL_error(L, "too many results to unpack");
  }
  for (long long k = i; k <= e; k++) lua_rawgeti(L, 1, static_cast<int>(k));
  return static_cast<int>(n);
}

// Lua BitOp's argument conversion (barg): the number's low 32 bits after
// adding 2^52+2^51, which rounds it to an integer modulo 2^32.
uint32_t BitArg(lua_State* L, int idx) {
  union {
    lua_Number n;
    uint64_t b;
  } bn;
  bn.n = lua_tonumber(L, idx) + 6755399441055744.0;
  const uint32_t b = static_cast<uint32_t>(bn.b);
  if (b == 0 && !lua_isnumber(L, idx)) luaL_typerror(L, idx, "number");
  return b;
}

// bit.tohex(x [, n]) with Redis's fix: n = -2^31 (whose negation overflows)
// counts as -(2^31 - 1), i.e. 8 upper-case digits; Debian's lua-bitop wrote
// before its buffer and crashed the server.
int SafeTohex(lua_State* L) {
  uint32_t b = BitArg(L, 1);
  int32_t n = lua_isnone(L, 2) ? 8 : static_cast<int32_t>(BitArg(L, 2));
  const char* digits = "0123456789abcdef";
  char buf[8];
  if (n == INT32_MIN) n = INT32_MIN + 1;
  if (n < 0) {
    n = -n;
    digits = "0123456789ABCDEF";
  }
  if (n > 8) n = 8;
  for (int i = n; --i >= 0;) {
    buf[i] = digits[b & 15];
    b >>= 4;
  }
  lua_pushlstring(L, buf, static_cast<size_t>(n));
  return 1;
}

// loadstring that never loads precompiled chunks: Redis's Lua always runs
// the text parser, so a chunk starting with the bytecode signature (ESC) is
// a syntax error at its first byte. The stock loader (upvalue 1) is run on
// the chunk with that byte swapped for another control character, under the
// original chunk name, and the error names the byte Redis's parser reports.
int SafeLoadstring(lua_State* L) {
  size_t len = 0;
  const char* chunk = luaL_checklstring(L, 1, &len);
  const int nargs = lua_gettop(L);
  if (len == 0 || chunk[0] != LUA_SIGNATURE[0]) {
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, nargs, LUA_MULTRET);
    return lua_gettop(L);
  }
  std::string text(chunk, len);
  text[0] = '\1';
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushlstring(L, text.data(), text.size());
  if (nargs >= 2 && !lua_isnil(L, 2)) {
    lua_pushvalue(L, 2);
  } else {
    lua_pushvalue(L, 1);
  }
  lua_call(L, 2, 2);
  if (lua_isstring(L, -1)) {
    std::string msg = lua_tostring(L, -1);
    const size_t at = msg.find("'char(1)'");
    if (at != std::string::npos) msg.replace(at, 9, "'char(27)'");
    lua_pop(L, 1);
    lua_pushlstring(L, msg.data(), msg.size());
  }
  return 2;
}

LuaEngine* HookEngine(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  return static_cast<AllocState*>(ud)->engine;
}

}  // namespace

LuaEngine::~LuaEngine() {
  void* ud = nullptr;
  lua_getallocf(L_, &ud);
  lua_close(L_);
  delete static_cast<AllocState*>(ud);
}

void LuaEngine::Init() {
  auto* st = new AllocState{this};
  L_ = lua_newstate(Alloc, st);
  BuildSandbox();
}

void LuaEngine::BuildSandbox() {
  lua_State* L = L_;
  auto open = [&](const char* name, lua_CFunction fn) {
    lua_pushcfunction(L, fn);
    lua_pushstring(L, name);
    lua_call(L, 1, 0);
  };
  open("", luaopen_base);
  lua_pushcfunction(L, SafeUnpack);
  lua_setglobal(L, "unpack");
  lua_getglobal(L, "loadstring");
  lua_pushcclosure(L, SafeLoadstring, 1);
  lua_setglobal(L, "loadstring");
  open(LUA_TABLIBNAME, luaopen_table);
  open(LUA_STRLIBNAME, luaopen_string);
  open(LUA_MATHLIBNAME, luaopen_math);
  // cjson and bit (Debian's builds) register globals themselves or return their table.
  lua_pushcfunction(L, luaopen_cjson);
  lua_call(L, 0, 1);
  lua_setglobal(L, "cjson");
  lua_pushcfunction(L, luaopen_bit);
  lua_pushstring(L, "bit");
  lua_call(L, 1, 1);
  lua_pushcfunction(L, SafeTohex);
  lua_setfield(L, -2, "tohex");
  lua_setglobal(L, "bit");
  OpenStruct(L);
  lua_setglobal(L, "struct");
  OpenCmsgpack(L);
  lua_setglobal(L, "cmsgpack");
  // Not part of Redis's sandbox.
  for (const char* name : {"print", "dofile", "loadfile", "newproxy", "module", "require", "package"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }

  auto set_fn = [&](const char* name, lua_CFunction fn) {
    lua_pushlightuserdata(L, this);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, -2, name);
  };
  auto set_num = [&](const char* name, double v) {
    lua_pushnumber(L, v);
    lua_setfield(L, -2, name);
  };
  auto set_version_and_log = [&]() {
    set_fn("log", Api::Log);
    set_num("LOG_DEBUG", 0);
    set_num("LOG_VERBOSE", 1);
    set_num("LOG_NOTICE", 2);
    set_num("LOG_WARNING", 3);
    set_num("REDIS_VERSION_NUM", 0x00070000 | 0x0F);  // 7.0.15
    lua_pushstring(L, "7.0.15");
    lua_setfield(L, -2, "REDIS_VERSION");
  };

  // pcall that turns error tables into their message.
  lua_pushcfunction(L, Api::Pcall);
  lua_setglobal(L, "pcall");

  // The redis table.
  lua_newtable(L);
  set_fn("call", Api::Call);
  set_fn("pcall", Api::PCall);
  set_version_and_log();
  set_fn("setresp", Api::SetResp);
  set_fn("sha1hex", Api::Sha1hex);
  set_fn("error_reply", Api::ErrorReply);
  set_fn("status_reply", Api::StatusReply);
  set_fn("set_repl", Api::SetRepl);
  set_num("REPL_NONE", 0);
  set_num("REPL_AOF", 1);
  set_num("REPL_SLAVE", 2);
  set_num("REPL_REPLICA", 2);
  set_num("REPL_ALL", 3);
  set_fn("acl_check_cmd", Api::AclCheckCmd);
  if (mode_ == Mode::kEval) {
    set_fn("breakpoint", Api::Breakpoint);
    set_fn("debug", Api::Debug);
    set_fn("replicate_commands", Api::ReplicateCommands);
  }
  lua_setglobal(L, "redis");

  lua_getglobal(L, "math");
  set_fn("random", Api::MathRandom);
  set_fn("randomseed", Api::MathRandomseed);
  lua_pop(L, 1);

  // Proxy-aware replacements of the raw accessors.
  lua_pushcfunction(L, SafeRawset);
  lua_setglobal(L, "rawset");
  lua_pushcfunction(L, SafeRawget);
  lua_setglobal(L, "rawget");
  lua_pushcfunction(L, SafeNext);
  lua_setglobal(L, "next");
  lua_pushcfunction(L, SafeNext);
  lua_pushcclosure(L, SafePairs, 1);
  lua_setglobal(L, "pairs");
  lua_pushcfunction(L, SafeIpairs);
  lua_setglobal(L, "ipairs");
  lua_getglobal(L, "setmetatable");
  lua_pushcclosure(L, SafeSetmetatable, 1);
  lua_setglobal(L, "setmetatable");

  // Registry bookkeeping: weak proxy maps, the script cache, the error handler.
  for (char* key : {&kProxyToRealKey, &kRealToProxyKey}) {
    lua_pushlightuserdata(L, key);
    lua_newtable(L);
    lua_newtable(L);
    lua_pushstring(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
  }
  lua_pushlightuserdata(L, &kScriptsKey);
  lua_newtable(L);
  lua_rawset(L, LUA_REGISTRYINDEX);
  lua_pushlightuserdata(L, &kErrorHandlerKey);
  lua_pushcfunction(L, Api::ErrorHandler);
  lua_rawset(L, LUA_REGISTRYINDEX);

  // The functions' loading API: globals holding only a reduced redis table.
  if (mode_ == Mode::kFunction) {
    lua_newtable(L);  // load globals
    lua_newtable(L);  // load redis
    set_fn("register_function", Api::RegisterFunction);
    set_version_and_log();
    lua_newtable(L);
    lua_pushcfunction(L, NonexistentGlobal);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_setfield(L, -2, "redis");
    lua_newtable(L);
    lua_pushcfunction(L, NonexistentGlobal);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    Protect(L);
    lua_pushlightuserdata(L, &kLoadGlobalsKey);
    lua_insert(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
  }

  // Protect the string metatable (reachable through getmetatable('')).
  lua_pushstring(L, "");
  lua_getmetatable(L, -1);
  lua_pushvalue(L, -1);
  Protect(L);  // proxy of the metatable; the metatable's __index now reads the protected string table
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 2);

  // The globals: real table with the nonexistent-variable error, reached through a proxy.
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_pushvalue(L, -1);
  lua_pushlightuserdata(L, &kRealGlobalsKey);
  lua_insert(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);
  lua_newtable(L);
  lua_pushcfunction(L, NonexistentGlobal);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  lua_setfield(L, -2, "_G");  // _G is replaced by the proxy below
  Protect(L);
  // Keep the globals proxy's metatable at hand to switch its __index while loading libraries.
  lua_getmetatable(L, -1);
  lua_pushlightuserdata(L, &kGlobalsMetaKey);
  lua_insert(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);
  lua_replace(L, LUA_GLOBALSINDEX);
  lua_settop(L, 0);
}

bool LuaEngine::CompileScript(const std::string& sha, std::string_view body, std::string* error) {
  lua_State* L = L_;
  if (luaL_loadbuffer(L, body.data(), body.size(), "@user_script")) {
    error->assign("Error compiling script (new function): ");
    const char* msg = lua_tostring(L, -1);
    error->append(msg ? msg : "?");
    lua_pop(L, 1);
    return false;
  }
  lua_pushlightuserdata(L, &kScriptsKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_pushlstring(L, sha.data(), sha.size());
  lua_pushvalue(L, -3);
  lua_rawset(L, -3);
  lua_pop(L, 2);
  return true;
}

bool LuaEngine::HasScript(const std::string& sha) const {
  lua_State* L = L_;
  lua_pushlightuserdata(L, &kScriptsKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_pushlstring(L, sha.data(), sha.size());
  lua_rawget(L, -2);
  bool found = lua_isfunction(L, -1);
  lua_pop(L, 2);
  return found;
}

bool LuaEngine::LoadLibrary(std::string_view code, ScriptHost* host, std::vector<LuaFunction>* out,
                            std::string* error) {
  lua_State* L = L_;
  auto switch_globals = [&](void* key) {
    lua_pushlightuserdata(L, &kGlobalsMetaKey);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_pushlightuserdata(L, key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
  };
  switch_globals(&kLoadGlobalsKey);
  size_t first = out->size();
  bool ok = true;
  if (luaL_loadbuffer(L, code.data(), code.size(), "@user_function")) {
    error->assign("Error compiling function: ");
    error->append(lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
    lua_pop(L, 1);
    ok = false;
  } else {
    host_ = host;
    loading_ = true;
    load_out_ = out;
    load_deadline_us_ = MonotonicUs() + kLoadTimeoutUs;
    lua_sethook(L, [](lua_State* S, lua_Debug*) {
      LuaEngine* e = HookEngine(S);
      if (MonotonicUs() > e->load_deadline_us_) {
        lua_sethook(S, [](lua_State* S2, lua_Debug*) {
          PushErrorTable(S2, "FUNCTION LOAD timeout");
          lua_error(S2);
        }, LUA_MASKLINE, 0);
        PushErrorTable(S, "FUNCTION LOAD timeout");
        lua_error(S);
      }
    }, LUA_MASKCOUNT, kHookInstructions);
    if (lua_pcall(L, 0, 0, 0)) {
      std::string msg;
      if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "err");
        if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
        lua_pop(L, 1);
      } else if (lua_isstring(L, -1)) {
        msg = std::string("ERR ") + lua_tostring(L, -1);
      }
      error->assign("Error registering functions: ");
      error->append(msg);
      lua_pop(L, 1);
      ok = false;
    }
    lua_sethook(L, nullptr, 0, 0);
    host_ = nullptr;
    loading_ = false;
    load_out_ = nullptr;
  }
  switch_globals(&kRealGlobalsKey);
  if (!ok) {
    for (size_t i = first; i < out->size(); i++) luaL_unref(L, LUA_REGISTRYINDEX, (*out)[i].ref);
    out->resize(first);
  }
  return ok;
}

void LuaEngine::ReleaseFunction(int ref) { luaL_unref(L_, LUA_REGISTRYINDEX, ref); }

size_t LuaEngine::UsedMemory() const { return static_cast<size_t>(lua_gc(L_, LUA_GCCOUNT, 0)) * 1024; }

namespace {

void PushStringArray(lua_State* L, const std::vector<std::string_view>& v) {
  lua_createtable(L, static_cast<int>(v.size()), 0);
  for (size_t i = 0; i < v.size(); i++) {
    lua_pushlstring(L, v[i].data(), v[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
}

// Lua number to a reply integer as Redis's (long long) cast does on x86-64.
long long NumberToLongLong(lua_Number n) {
  if (!(n >= -9223372036854775808.0 && n < 9223372036854775808.0)) return INT64_MIN;
  return static_cast<long long>(n);
}

std::string NoNewlines(const char* s, size_t len) {
  std::string out(s, len);
  for (char& ch : out) {
    if (ch == '\r' || ch == '\n') ch = ' ';
  }
  return out;
}

// Pushes the raw field `name` of the table at stack index `t` (a negative
// index counts from the top before the push). Keeps it and returns true when
// it has Lua type `type`; otherwise pops it again.
bool PushField(lua_State* L, int t, const char* name, int type) {
  lua_pushstring(L, name);
  lua_rawget(L, t < 0 ? t - 1 : t);
  if (lua_type(L, -1) == type) return true;
  lua_pop(L, 1);
  return false;
}

// Number of key/value pairs in the table on top of the stack.
size_t CountPairs(lua_State* L) {
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    n++;
  }
  return n;
}

// Converts the value on top of the stack into a reply (Redis's luaReplyToRedisReply) and pops it.
void LuaToReply(lua_State* L, Reply& reply, int script_resp) {
  if (!lua_checkstack(L, 4)) {
    reply.Error("ERR reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      reply.Bulk(std::string_view(s, len));
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1)) reply.Int(1);
        else reply.Null();
      } else {
        reply.Bool(lua_toboolean(L, -1));
      }
      break;
    case LUA_TNUMBER:
      reply.Int(NumberToLongLong(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE: {
      if (PushField(L, -1, "err", LUA_TSTRING)) {
        size_t len;
        const char* s = lua_tolstring(L, -1, &len);
        // The error of a redis.call/pcall was counted in errorstats when it happened.
        lua_pushstring(L, "ignore_error_stats_update");
        lua_rawget(L, -3);
        const bool counted = lua_toboolean(L, -1);
        lua_pop(L, 1);
        if (counted) reply.ErrorUncounted(NoNewlines(s, len));
        else reply.Error(NoNewlines(s, len));
        lua_pop(L, 2);
        return;
      }
      if (PushField(L, -1, "ok", LUA_TSTRING)) {
        size_t len;
        const char* s = lua_tolstring(L, -1, &len);
        reply.Simple(NoNewlines(s, strlen(s) < len ? strlen(s) : len));
        lua_pop(L, 2);
        return;
      }
      if (PushField(L, -1, "double", LUA_TNUMBER)) {
        reply.Double(lua_tonumber(L, -1));
        lua_pop(L, 2);
        return;
      }
      if (PushField(L, -1, "big_number", LUA_TSTRING)) {
        size_t len;
        const char* s = lua_tolstring(L, -1, &len);
        std::string num = NoNewlines(s, len);
        if (reply.resp() >= 3) {
          reply.Raw("(");
          reply.Raw(num);
          reply.Raw("\r\n");
        } else {
          reply.Bulk(num);
        }
        lua_pop(L, 2);
        return;
      }
      if (PushField(L, -1, "verbatim_string", LUA_TTABLE)) {
        if (PushField(L, -1, "format", LUA_TSTRING)) {
          std::string format = lua_tostring(L, -1);
          if (PushField(L, -2, "string", LUA_TSTRING)) {
            size_t len;
            const char* s = lua_tolstring(L, -1, &len);
            reply.Verbatim(std::string_view(s, len), std::string_view(format).substr(0, 3));
            lua_pop(L, 4);
            return;
          }
          lua_pop(L, 1);
        }
        lua_pop(L, 1);
      }
      if (PushField(L, -1, "map", LUA_TTABLE)) {
        reply.Map(CountPairs(L));
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pushvalue(L, -2);
          LuaToReply(L, reply, script_resp);  // key
          LuaToReply(L, reply, script_resp);  // value
        }
        lua_pop(L, 2);
        return;
      }
      if (PushField(L, -1, "set", LUA_TTABLE)) {
        reply.Set(CountPairs(L));
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          lua_pushvalue(L, -1);
          LuaToReply(L, reply, script_resp);
        }
        lua_pop(L, 2);
        return;
      }
      // An array: elements 1..n up to the first nil.
      size_t n = 0;
      for (;;) {
        lua_rawgeti(L, -1, static_cast<int>(n + 1));
        bool nil = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (nil) break;
        n++;
      }
      reply.Array(n);
      for (size_t j = 1; j <= n; j++) {
        lua_rawgeti(L, -1, static_cast<int>(j));
        LuaToReply(L, reply, script_resp);
      }
      break;
    }
    default:
      reply.Null();
  }
  lua_pop(L, 1);
}

}  // namespace

void LuaEngine::Run(const std::string& sha, int ref, const std::vector<std::string_view>& keys,
                    const std::vector<std::string_view>& args, ScriptHost* host, Reply& reply, std::string_view name,
                    bool hook) {
  lua_State* L = L_;
  lua_settop(L, 0);
  lua_pushlightuserdata(L, &kErrorHandlerKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  if (mode_ == Mode::kEval) {
    lua_pushlightuserdata(L, &kScriptsKey);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_pushlstring(L, sha.data(), sha.size());
    lua_rawget(L, -2);
    lua_remove(L, -2);
  } else {
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  }
  if (!lua_isfunction(L, -1)) {
    lua_settop(L, 0);
    reply.Error("NOSCRIPT No matching script. Please use EVAL.");
    return;
  }
  host_ = host;
  resp_ = 2;
  repl_flags_ = 3;
  if (hook) {
    lua_sethook(L, [](lua_State* S, lua_Debug*) {
      LuaEngine* e = HookEngine(S);
      if (e->host_ && e->host_->ScriptInterrupted()) {
        // Raise on every line from now on, so pcall cannot keep the script alive.
        lua_sethook(S, [](lua_State* S2, lua_Debug*) {
          PushErrorTable(S2, "Script killed by user with SCRIPT KILL...");
          lua_error(S2);
        }, LUA_MASKLINE, 0);
        PushErrorTable(S, "Script killed by user with SCRIPT KILL...");
        lua_error(S);
      }
    }, LUA_MASKCOUNT, kHookInstructions);
  }
  int err;
  if (mode_ == Mode::kEval) {
    // KEYS and ARGV are (raw) globals of the real globals table.
    lua_pushlightuserdata(L, &kRealGlobalsKey);
    lua_rawget(L, LUA_REGISTRYINDEX);
    PushStringArray(L, keys);
    lua_setfield(L, -2, "KEYS");
    PushStringArray(L, args);
    lua_setfield(L, -2, "ARGV");
    lua_pop(L, 1);
    err = lua_pcall(L, 0, 1, 1);
  } else {
    PushStringArray(L, keys);
    PushStringArray(L, args);
    err = lua_pcall(L, 2, 1, 1);
  }
  // A full GC cycle adds latency: step the collector every 50 runs instead.
  if (--gc_countdown_ == 0) {
    lua_gc(L, LUA_GCSTEP, 50);
    gc_countdown_ = 50;
  }
  if (err) {
    if (!lua_istable(L, -1)) {
      const char* msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
      std::string text = "ERR Error running script " + std::string(name) + ", ";
      text.append(std::string(msg).substr(0, 100));
      reply.Error(NoNewlines(text.data(), text.size()));
    } else {
      std::string msg;
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
      lua_pop(L, 1);
      lua_getfield(L, -1, "source");
      bool have_source = lua_isstring(L, -1);
      std::string source = have_source ? lua_tostring(L, -1) : "";
      lua_pop(L, 1);
      lua_getfield(L, -1, "line");
      bool have_line = lua_isstring(L, -1);
      std::string line = have_line ? lua_tostring(L, -1) : "";
      lua_pop(L, 1);
      if (have_source && have_line) {
        msg += " script: ";
        msg.append(name);
        msg += ", on " + source + ":" + line + ".";
      }
      // An error raised by redis.call was counted in errorstats when it happened.
      lua_getfield(L, -1, "ignore_error_stats_update");
      const bool counted = lua_toboolean(L, -1);
      lua_pop(L, 1);
      if (counted) reply.ErrorUncounted(NoNewlines(msg.data(), msg.size()));
      else reply.Error(NoNewlines(msg.data(), msg.size()));
    }
    lua_pop(L, 1);
  } else {
    LuaToReply(L, reply, resp_);
  }
  if (hook) lua_sethook(L, nullptr, 0, 0);
  if (mode_ == Mode::kEval) {
    // Drop KEYS/ARGV so their strings are not kept alive between calls.
    lua_pushlightuserdata(L, &kRealGlobalsKey);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_pushnil(L);
    lua_setfield(L, -2, "KEYS");
    lua_pushnil(L);
    lua_setfield(L, -2, "ARGV");
    lua_pop(L, 1);
  }
  lua_settop(L, 0);
  host_ = nullptr;
}

}  // namespace tachyon
