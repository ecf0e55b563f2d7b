// What a command body sees: its arguments, the client, the selected database
// and the reply writer, plus the shared checks and error replies every family
// uses. Generic checks (existence, arity, auth) happen in the dispatcher
// before a body runs; bodies hold only their own logic.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply.h"
#include "server/command_spec.h"
#include "server/db.h"

namespace tachyon {

class Server;
struct Client;
struct CommandContext;

using CommandHandler = void (*)(CommandContext& c);

// Exact Redis error texts shared by many commands.
namespace err {
inline constexpr std::string_view kWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNotInt = "ERR value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kSyntax = "ERR syntax error";
inline constexpr std::string_view kNoSuchKey = "ERR no such key";
inline constexpr std::string_view kOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kDbIndex = "ERR DB index is out of range";
inline constexpr std::string_view kInvalidDb = "ERR invalid DB index";
inline constexpr std::string_view kSameObject = "ERR source and destination objects are the same";
inline constexpr std::string_view kOutOfRange = "ERR index out of range";
inline constexpr std::string_view kStringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
}  // namespace err

struct CommandContext {
  Server& server;
  Client& client;
  Db* db;                            // the client's selected database
  const std::string_view* argv;      // argv[0] is the command name as sent
  int argc;
  Reply& reply;
  int64_t now_ms;                    // one clock reading per command, like Redis's cached time
  const CommandSpec* spec;

  std::string_view arg(int i) const { return argv[i]; }
  // True if argv[i] equals token, ignoring ASCII case.
  bool Is(int i, std::string_view token) const;

  // Lookups with lazy expiry. ReadKey counts keyspace hits/misses and touches LRU.
  Entry* ReadKey(std::string_view key);
  Entry* WriteKey(std::string_view key);
  // Same, but reply WRONGTYPE (and return false) when the key holds another type.
  bool ReadKeyOfType(std::string_view key, ObjType type, Entry** out);
  bool WriteKeyOfType(std::string_view key, ObjType type, Entry** out);

  // Parse helpers: on failure they reply Redis's error and return false.
  bool ParseInt(int i, int64_t* out, std::string_view error = err::kNotInt);
  bool ParseDouble(int i, double* out, std::string_view error = err::kNotFloat);

  void WrongType() { reply.Error(err::kWrongType); }
  void SyntaxError() { reply.Error(err::kSyntax); }
  // "ERR wrong number of arguments for '<name>' command"
  void ArityError();

  // Bookkeeping after a write: counts toward `dirty` and, later, propagation,
  // keyspace notifications and WATCH invalidation.
  void KeyModified(std::string_view key);
  // Keyspace notification for key in the current db (cls: a NotifyClass bit, e.g.
  // kNotifyString with "set"), as Redis's notifyKeyspaceEvent.
  void Notify(uint32_t cls, const char* event, std::string_view key);
  // For blocking commands that found nothing: park the client on keys until
  // timeout_at_ms (absolute unix ms, 0 = forever). Inside MULTI/EXEC a blocking
  // command must not block: check client.in_exec and reply the timeout value instead.
  void Block(const std::string_view* keys, int nkeys, int64_t timeout_at_ms, bool null_array_on_timeout = true);
  // Parses a blocking timeout in seconds (fractional) into an absolute unix ms time
  // (0 = forever); replies Redis's error and returns false when invalid.
  bool ParseBlockTimeout(int i, int64_t* timeout_at_ms);
  void Dirty(uint64_t n = 1);
};

// Families register their handlers by lowercase full name ("get", "object|encoding").
class CommandRegistry {
 public:
  void Add(const char* name, CommandHandler handler) { entries_.push_back({name, handler}); }
  struct Item {
    const char* name;
    CommandHandler handler;
  };
  const std::vector<Item>& items() const { return entries_; }

 private:
  std::vector<Item> entries_;
};

void RegisterStringCommands(CommandRegistry& r);
void RegisterKeyCommands(CommandRegistry& r);
void RegisterServerCommands(CommandRegistry& r);
void RegisterTransactionCommands(CommandRegistry& r);
void RegisterListCommands(CommandRegistry& r);
void RegisterHashCommands(CommandRegistry& r);
void RegisterSetCommands(CommandRegistry& r);
void RegisterZSetCommands(CommandRegistry& r);
void RegisterSortCommands(CommandRegistry& r);
void RegisterBitmapCommands(CommandRegistry& r);
void RegisterHyperLogLogCommands(CommandRegistry& r);
void RegisterGeoCommands(CommandRegistry& r);

}  // namespace tachyon
