// What a command body sees: its arguments, the client, the selected database
// and the reply writer, plus the shared vocabulary every family uses:
// argument parsing with Redis's error replies (Parse*), key lookups with lazy
// expiry (*Key*), and the bookkeeping of a write (KeyModified, Notify,
// Dirty, KeyChanged, DeleteIfEmpty). Generic checks (existence, arity, auth)
// happen in the dispatcher before a body runs; bodies hold only their own
// logic. SCAN helpers: server/scan.h.
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

  // Argument parsing, as Redis's get*FromObjectOrReply: on failure they reply
  // the error and return false. Integers are strict (String2ll: no '+', no
  // spaces, no leading zeros, 64 bits).
  bool ParseInt(int i, int64_t* out, std::string_view error = err::kNotInt);
  bool ParseLong(int i, long* out, std::string_view error = err::kNotInt);
  // An integer within [min, max] (getRangeLongFromObjectOrReply): `error`, when
  // given, answers both a bad integer and one out of range; without it Redis's
  // two generic texts.
  bool ParseRange(int i, long min, long max, long* out, std::string_view error = {});
  // getIntFromObjectOrReply: ParseRange over the range of int.
  bool ParseInt32(int i, int* out, std::string_view error = {});
  bool ParseDouble(int i, double* out, std::string_view error = err::kNotFloat);
  // A SCAN cursor (parseScanCursorOrReply): "ERR invalid cursor". In server/scan.cc.
  bool ParseCursor(int i, uint64_t* out);

  void WrongType() { reply.Error(err::kWrongType); }
  void SyntaxError() { reply.Error(err::kSyntax); }
  // "ERR wrong number of arguments for '<name>' command"
  void ArityError();

  // Redis's signalModifiedKey: WATCH, clients blocked on the key, tracking.
  void KeyModified(std::string_view key);
  // Keyspace notification for key in the current db (cls: a NotifyClass bit, e.g.
  // kNotifyString with "set"), as Redis's notifyKeyspaceEvent. Adding a key
  // raises "new" by itself (Db::Add, as Redis's dbAdd).
  void Notify(uint32_t cls, const char* event, std::string_view key);
  // The usual end of a write: KeyModified, the command's event, Dirty(dirty).
  void KeyChanged(std::string_view key, uint32_t cls, const char* event, uint64_t dirty = 1) {
    KeyModified(key);
    Notify(cls, event, key);
    Dirty(dirty);
  }
  // A collection left empty by the command is deleted, with the generic "del"
  // event after the command's own, as Redis does. Returns true if deleted
  // (value is freed then). Call after the command's KeyModified and event.
  bool DeleteIfEmpty(std::string_view key, const Collection* value);
  // Deletes key as the effect of a command (DEL, GETDEL, an empty STORE
  // destination, an expiry time in the past): KeyModified and "del" when it
  // existed, which it returns. The caller counts Dirty. `why` decides with
  // the lazyfree options whether a big value is freed in the background.
  bool DeleteKey(std::string_view key, FreeReason why = FreeReason::kServer);
  // Redis's setKey, for a value a command built (STORE destinations): a write
  // lookup of the key first (lazy expiry), then add it (with "new") or
  // overwrite it, dropping any TTL. Takes ownership of e.
  Entry* StoreKey(Entry* e);
  // For blocking commands that found nothing: park the client on keys until
  // timeout_at_ms (absolute unix ms, 0 = forever). Inside MULTI/EXEC a blocking
  // command must not block: check client.in_exec and reply the timeout value instead.
  void Block(const std::string_view* keys, int nkeys, int64_t timeout_at_ms, bool null_array_on_timeout = true);
  // Parses a blocking timeout in seconds (fractional) into an absolute unix ms time
  // (0 = forever); replies Redis's error and returns false when invalid.
  bool ParseBlockTimeout(int i, int64_t* timeout_at_ms);
  void Dirty(uint64_t n = 1);

  // Propagation (AOF, replicas; see propagate.h). A write command that moved
  // the dirty counter is propagated as sent unless it asks otherwise here.
  // propagating() is false while nothing consumes the stream: build rewritten
  // argument lists only when it is true.
  bool propagating() const;
  // Propagate this command as argv (Redis's rewriteClientCommandVector).
  void PropagateAs(std::vector<std::string> argv);
  // An extra operation in the current db, before this command (alsoPropagate).
  void AlsoPropagate(std::vector<std::string> argv);
  // Do not propagate this command itself (preventCommandPropagation).
  void PreventPropagation();
  // Propagate this command even if it changed nothing (forceCommandPropagation).
  void ForcePropagation();
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
void RegisterStreamCommands(CommandRegistry& r);
void RegisterScriptingCommands(CommandRegistry& r);
void RegisterMemoryCommands(CommandRegistry& r);
void RegisterDebugCommands(CommandRegistry& r);
void RegisterSlowlogCommands(CommandRegistry& r);
void RegisterLatencyCommands(CommandRegistry& r);
void RegisterIntrospectionCommands(CommandRegistry& r);

// OBJECT REFCOUNT's answer for an entry (keys_family.cc), also shown by DEBUG OBJECT.
long long EntryRefcount(const Server& server, const Entry* e);
void RegisterBitmapCommands(CommandRegistry& r);
void RegisterHyperLogLogCommands(CommandRegistry& r);
void RegisterGeoCommands(CommandRegistry& r);
void RegisterDumpCommands(CommandRegistry& r);

}  // namespace tachyon
