// Generic keyspace commands (Redis's "generic" group): DEL UNLINK EXISTS TYPE
// RENAME RENAMENX KEYS SCAN RANDOMKEY, the TTL family (EXPIRE PEXPIRE
// EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST), TOUCH, COPY,
// MOVE and OBJECT (ENCODING FREQ IDLETIME REFCOUNT HELP).
//
// Semantics, reply shapes and error texts follow Redis 7.0 (db.c, expire.c,
// object.c); the code is Tachyon's own. Variants share one generic function:
// DelGeneric (DEL/UNLINK), RenameGeneric (RENAME/RENAMENX), ExpireGeneric (the
// four EXPIRE commands), TtlGeneric (TTL/PTTL/EXPIRETIME/PEXPIRETIME).
//
// Key lookups map onto Redis's lookup flavours as follows:
//   lookupKeyRead            -> c.ReadKey   (stats + LRU touch + lazy expiry)
//   lookupKeyWrite           -> c.WriteKey  (LRU touch + lazy expiry)
//   lookupKeyRead(NOTOUCH)   -> PeekKey     (stats + keymiss + lazy expiry, no touch):
//                               EXISTS, TYPE, TTL family, SCAN TYPE; OBJECT
//                               also passes NONOTIFY (no "keymiss" event)
//   expireIfNeeded           -> c.db->Lookup (lazy expiry only): DEL, SCAN
//   keyIsExpired             -> IsExpired   (no side effect): KEYS
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/glob.h"
#include "server/command.h"
#include "server/scan.h"
#include "server/server.h"

namespace tachyon {

namespace {

// ---------------------------------------------------------------------------
// Helpers

// Lookup with lazy expiry that counts keyspace hits/misses but leaves the
// LRU/LFU stamp alone (Redis's LOOKUP_NOTOUCH). A miss is a "keymiss"
// keyspace event unless notify_miss is false (LOOKUP_NONOTIFY, for OBJECT).
Entry* PeekKey(CommandContext& c, std::string_view key, bool notify_miss = true) {
  Entry* e = c.db->Lookup(key, c.now_ms);
  if (e) {
    c.server.stats().keyspace_hits++;
  } else {
    c.server.stats().keyspace_misses++;
    if (notify_miss) c.Notify(kNotifyKeyMiss, "keymiss", key);
  }
  return e;
}

// Redis's keyIsExpired(): true when the TTL has passed (now > when), without
// deleting anything.
bool IsExpired(CommandContext& c, const Entry* e) {
  if (!e->has_expire()) return false;
  int64_t when = c.db->GetExpire(e);
  return when != -1 && c.now_ms > when;
}

// Runs context operations (WriteKey, KeyModified) against another database,
// e.g. the destination of MOVE/COPY: Redis passes the db explicitly there.
class DbScope {
 public:
  DbScope(CommandContext& c, Db* db) : c_(c), saved_(c.db) { c.db = db; }
  ~DbScope() { c_.db = saved_; }
  DbScope(const DbScope&) = delete;
  DbScope& operator=(const DbScope&) = delete;

 private:
  CommandContext& c_;
  Db* saved_;
};

Entry* WriteKeyIn(CommandContext& c, Db* db, std::string_view key) {
  DbScope scope(c, db);
  return c.WriteKey(key);
}

void KeyModifiedIn(CommandContext& c, Db* db, std::string_view key) {
  DbScope scope(c, db);
  c.KeyModified(key);
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x += 32;
    if (y >= 'A' && y <= 'Z') y += 32;
    if (x != y) return false;
  }
  return true;
}

// A glob pattern without *, ?, [ or \ matches exactly one string: itself.
bool IsLiteralPattern(std::string_view pattern) {
  return pattern.find_first_of("*?[\\") == std::string_view::npos;
}

bool PolicyIsLfu(const Settings& s) {
  return s.lfu_policy;
}
bool PolicyIsLru(const Settings& s) {
  return s.maxmemory_policy == "allkeys-lru" || s.maxmemory_policy == "volatile-lru";
}

// addReplyHelp's shape: a header naming the command, the caller's lines,
// then the HELP entry, all as status replies.
void ReplyHelp(CommandContext& c, const char* const* lines, size_t n) {
  std::string header(c.arg(0));
  for (char& ch : header) {
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
  }
  header += " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:";
  c.reply.Array(n + 3);
  c.reply.Simple(header);
  for (size_t i = 0; i < n; i++) c.reply.Simple(lines[i]);
  c.reply.Simple("HELP");
  c.reply.Simple("    Prints this help.");
}

// ---------------------------------------------------------------------------
// DEL / UNLINK / EXISTS / TYPE / TOUCH

// DEL and UNLINK: UNLINK frees big values in the lazy free thread, DEL too
// with lazyfree-lazy-user-del (server/lazyfree.h).
void DelGeneric(CommandContext& c, bool lazy) {
  const FreeReason why = lazy ? FreeReason::kUnlink : FreeReason::kUserDel;
  long long deleted = 0;
  for (int j = 1; j < c.argc; j++) {
    std::string_view key = c.arg(j);
    // Like Redis: expire first (an expired key is not counted as deleted).
    if (c.db->Lookup(key, c.now_ms) == nullptr) continue;
    if (c.DeleteKey(key, why)) {
      c.Dirty();
      deleted++;
    }
  }
  c.reply.Int(deleted);
}

void DelCommand(CommandContext& c) { DelGeneric(c, false); }
void UnlinkCommand(CommandContext& c) { DelGeneric(c, true); }

void ExistsCommand(CommandContext& c) {
  long long count = 0;
  for (int j = 1; j < c.argc; j++) {
    if (PeekKey(c, c.arg(j))) count++;
  }
  c.reply.Int(count);
}

void TypeCommand(CommandContext& c) {
  Entry* e = PeekKey(c, c.arg(1));
  c.reply.Simple(e ? TypeName(static_cast<ObjType>(e->type)) : "none");
}

void TouchCommand(CommandContext& c) {
  long long touched = 0;
  for (int j = 1; j < c.argc; j++) {
    if (c.ReadKey(c.arg(j))) touched++;
  }
  c.reply.Int(touched);
}

// ---------------------------------------------------------------------------
// RENAME / RENAMENX

void RenameGeneric(CommandContext& c, bool nx) {
  std::string_view from = c.arg(1), to = c.arg(2);
  Entry* src = c.WriteKey(from);
  if (!src) {
    c.reply.Error(err::kNoSuchKey);
    return;
  }
  // Same name: nothing to do, but the source had to exist.
  if (from == to) {
    if (nx) {
      c.reply.Int(0);
    } else {
      c.reply.Ok();
    }
    return;
  }
  bool dst_exists = c.WriteKey(to) != nullptr;
  if (dst_exists && nx) {
    c.reply.Int(0);
    return;
  }
  // The value moves under the new name: same object, same TTL, same LRU/LFU.
  const uint32_t lru = src->lru;
  int64_t expire;
  Entry* old = c.db->Detach(from, &expire);
  if (dst_exists) c.db->Delete(to);
  Entry* moved = CopyEntryWithKey(old, to, KeyHash(to), /*take_value=*/true);
  FreeEntryShell(old);
  c.db->Add(moved);  // "new", even when `to` existed (dbDelete, then dbAdd)
  moved->lru = lru;
  if (expire != -1) c.db->SetExpire(moved, expire);
  c.KeyModified(from);
  c.KeyModified(to);
  c.Notify(kNotifyGeneric, "rename_from", from);
  c.Notify(kNotifyGeneric, "rename_to", to);
  c.Dirty();
  if (nx) {
    c.reply.Int(1);
  } else {
    c.reply.Ok();
  }
}

void RenameCommand(CommandContext& c) { RenameGeneric(c, false); }
void RenamenxCommand(CommandContext& c) { RenameGeneric(c, true); }

// ---------------------------------------------------------------------------
// KEYS / SCAN / RANDOMKEY

// KEYS pattern. Like Redis 7.0, expired keys are skipped but not deleted.
// Redis 7.0 always walks the whole table; a pattern without glob special
// characters can only match itself, so Tachyon looks that one key up instead
// (same reply, O(1)).
void KeysCommand(CommandContext& c) {
  std::string_view pattern = c.arg(1);
  if (IsLiteralPattern(pattern)) {
    Entry* e = c.db->FindRaw(pattern);
    if (e && !IsExpired(c, e)) {
      c.reply.Array(1);
      c.reply.Bulk(e->key());
    } else {
      c.reply.Array(0);
    }
    return;
  }
  const bool all = pattern == "*";
  size_t handle = c.reply.BeginDeferredArray();
  size_t n = 0;
  c.db->keys().ForEach([&](Entry* e) {
    if (!all && !GlobMatch(pattern, e->key())) return;
    if (IsExpired(c, e)) return;
    c.reply.Bulk(e->key());
    n++;
  });
  c.reply.EndDeferredArray(handle, n);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type], as Redis 7.0 does it:
// walk buckets until at least COUNT keys were collected (whole buckets, so the
// reply may hold more than COUNT) or 10*COUNT buckets were visited, then drop
// the keys that fail MATCH, TYPE, or have expired (deleting those).
void ScanCommand(CommandContext& c) {
  uint64_t cursor;
  if (!c.ParseCursor(1, &cursor)) return;
  ScanOptions opts;
  if (!ParseScanOptions(c, 2, /*allow_type=*/true, &opts)) return;

  std::vector<std::string> keys;
  KeyTable& table = c.db->keys();
  const uint64_t want = static_cast<uint64_t>(opts.count);
  // Redis: maxiterations = count*10, decremented once per extra bucket.
  uint64_t max_iterations = want > UINT64_MAX / 10 ? UINT64_MAX : want * 10;
  do {
    cursor = table.Scan(cursor, [&](Entry* e) { keys.emplace_back(e->key()); });
  } while (cursor && max_iterations-- && keys.size() < want);

  size_t kept = 0;
  for (size_t i = 0; i < keys.size(); i++) {
    const std::string& key = keys[i];
    if (!ScanMatch(opts, key)) continue;
    if (opts.use_type) {
      // 7.0 accepts any type name (an unknown one matches nothing), looks the key up here (counting a hit or miss, expiring it), and
      // compares names ignoring case; a key that just expired is "none".
      Entry* e = PeekKey(c, key);
      const char* name = e ? TypeName(static_cast<ObjType>(e->type)) : "none";
      if (!EqualsNoCase(opts.type, name)) continue;
    }
    // Expired keys are deleted on the way and not returned.
    Entry* e = c.db->FindRaw(key);
    if (e && IsExpired(c, e)) {
      c.db->Lookup(key, c.now_ms);
      continue;
    }
    if (kept != i) keys[kept] = std::move(keys[i]);
    kept++;
  }

  c.reply.Array(2);
  char buf[24];
  int len = snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(cursor));
  c.reply.Bulk(std::string_view(buf, static_cast<size_t>(len)));
  c.reply.Array(kept);
  for (size_t i = 0; i < kept; i++) c.reply.Bulk(keys[i]);
}

void RandomkeyCommand(CommandContext& c) {
  KeyTable& table = c.db->keys();
  int tries = 100;  // only consumed if expired keys are not deleted (replica)
  for (;;) {
    Entry* e = table.Random();
    if (!e) {
      c.reply.Null();
      return;
    }
    if (!e->has_expire()) {
      c.reply.Bulk(e->key());
      return;
    }
    std::string key(e->key());  // Lookup may free e
    if (c.db->Lookup(key, c.now_ms)) {
      c.reply.Bulk(key);
      return;
    }
    // Expired and deleted: draw again. If it was kept (not deleted), give up
    // after a while rather than loop forever on an all-expired table.
    if (c.db->FindRaw(key) && --tries == 0) {
      c.reply.Bulk(key);
      return;
    }
  }
}

// ---------------------------------------------------------------------------
// EXPIRE family

enum ExpireFlags { kExpireNx = 1, kExpireXx = 2, kExpireGt = 4, kExpireLt = 8 };
enum class TimeUnit { kSeconds, kMilliseconds };

// Parses the NX|XX|GT|LT options after the time argument.
bool ParseExpireFlags(CommandContext& c, int* flags) {
  for (int j = 3; j < c.argc; j++) {
    if (c.Is(j, "nx")) {
      *flags |= kExpireNx;
    } else if (c.Is(j, "xx")) {
      *flags |= kExpireXx;
    } else if (c.Is(j, "gt")) {
      *flags |= kExpireGt;
    } else if (c.Is(j, "lt")) {
      *flags |= kExpireLt;
    } else {
      std::string msg = "ERR Unsupported option ";
      msg += c.arg(j);
      c.reply.Error(msg);
      return false;
    }
  }
  if ((*flags & kExpireNx) && (*flags & (kExpireXx | kExpireGt | kExpireLt))) {
    c.reply.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return false;
  }
  if ((*flags & kExpireGt) && (*flags & kExpireLt)) {
    c.reply.Error("ERR GT and LT options at the same time are not compatible");
    return false;
  }
  return true;
}

void ExpireTimeError(CommandContext& c) {
  std::string msg = "ERR invalid expire time in '";
  msg += c.spec->name;
  msg += "' command";
  c.reply.Error(msg);
}

// EXPIRE/PEXPIRE (basetime = now) and EXPIREAT/PEXPIREAT (basetime = 0).
void ExpireGeneric(CommandContext& c, int64_t basetime, TimeUnit unit) {
  int flags = 0;
  if (!ParseExpireFlags(c, &flags)) return;
  int64_t when;
  if (!c.ParseInt(2, &when)) return;
  // Negative times are allowed (they delete the key); overflow is not.
  if (unit == TimeUnit::kSeconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) {
      ExpireTimeError(c);
      return;
    }
    when *= 1000;
  }
  if (when > INT64_MAX - basetime) {
    ExpireTimeError(c);
    return;
  }
  when += basetime;

  std::string_view key = c.arg(1);
  Entry* e = c.WriteKey(key);
  if (!e) {
    c.reply.Int(0);
    return;
  }
  if (flags) {
    const int64_t current = c.db->GetExpire(e);  // -1: no TTL, i.e. infinite
    if ((flags & kExpireNx) && current != -1) {
      c.reply.Int(0);
      return;
    }
    if ((flags & kExpireXx) && current == -1) {
      c.reply.Int(0);
      return;
    }
    if ((flags & kExpireGt) && (current == -1 || when <= current)) {
      c.reply.Int(0);
      return;
    }
    if ((flags & kExpireLt) && current != -1 && when >= current) {
      c.reply.Int(0);
      return;
    }
  }
  if (when <= c.now_ms) {
    // Already in the past: the key goes away now. Redis replicates this as a
    // DEL and emits a "del" keyspace event, not "expire"/"expired".
    c.DeleteKey(key);
    c.Dirty();
    c.reply.Int(1);
    c.PropagateAs({c.server.settings().lazyfree_lazy_expire ? "UNLINK" : "DEL", std::string(key)});
    return;
  }
  c.db->SetExpire(e, when);
  c.KeyModified(key);
  c.Notify(kNotifyGeneric, "expire", key);
  c.Dirty();
  c.reply.Int(1);
  // Propagated as PEXPIREAT with the absolute time (options kept); PEXPIREAT itself as sent.
  if (c.propagating() && !(basetime == 0 && unit == TimeUnit::kMilliseconds)) {
    std::vector<std::string> argv(c.argv, c.argv + c.argc);
    argv[0] = "PEXPIREAT";
    argv[2] = std::to_string(when);
    c.PropagateAs(std::move(argv));
  }
}

void ExpireCommand(CommandContext& c) { ExpireGeneric(c, c.now_ms, TimeUnit::kSeconds); }
void PexpireCommand(CommandContext& c) { ExpireGeneric(c, c.now_ms, TimeUnit::kMilliseconds); }
void ExpireatCommand(CommandContext& c) { ExpireGeneric(c, 0, TimeUnit::kSeconds); }
void PexpireatCommand(CommandContext& c) { ExpireGeneric(c, 0, TimeUnit::kMilliseconds); }

// TTL/PTTL (remaining time) and EXPIRETIME/PEXPIRETIME (absolute unix time):
// -2 when the key does not exist, -1 when it has no TTL.
void TtlGeneric(CommandContext& c, bool output_ms, bool output_abs) {
  Entry* e = PeekKey(c, c.arg(1));
  if (!e) {
    c.reply.Int(-2);
    return;
  }
  const int64_t expire = c.db->GetExpire(e);
  if (expire == -1) {
    c.reply.Int(-1);
    return;
  }
  int64_t t = output_abs ? expire : expire - c.now_ms;
  if (t < 0) t = 0;
  c.reply.Int(output_ms ? t : (t + 500) / 1000);
}

void TtlCommand(CommandContext& c) { TtlGeneric(c, false, false); }
void PttlCommand(CommandContext& c) { TtlGeneric(c, true, false); }
void ExpiretimeCommand(CommandContext& c) { TtlGeneric(c, false, true); }
void PexpiretimeCommand(CommandContext& c) { TtlGeneric(c, true, true); }

void PersistCommand(CommandContext& c) {
  std::string_view key = c.arg(1);
  Entry* e = c.WriteKey(key);
  if (e && c.db->RemoveExpire(e)) {
    c.KeyChanged(key, kNotifyGeneric, "persist");
    c.reply.Int(1);
  } else {
    c.reply.Int(0);
  }
}

// ---------------------------------------------------------------------------
// COPY / MOVE

// Parses a DB index argument and checks its range; replies on failure.
bool ParseDbArg(CommandContext& c, int i, Db** out) {
  int id;
  if (!c.ParseInt32(i, &id)) return false;
  if (id < 0 || id >= c.server.db_count()) {
    c.reply.Error(err::kDbIndex);
    return false;
  }
  *out = &c.server.db(id);
  return true;
}

// COPY source destination [DB destination-db] [REPLACE]
void CopyCommand(CommandContext& c) {
  Db* src = c.db;
  Db* dst = c.db;
  bool replace = false;
  for (int j = 3; j < c.argc; j++) {
    if (c.Is(j, "replace")) {
      replace = true;
    } else if (c.Is(j, "db") && j + 1 < c.argc) {
      if (!ParseDbArg(c, j + 1, &dst)) return;
      j++;
    } else {
      c.SyntaxError();
      return;
    }
  }
  std::string_view key = c.arg(1), newkey = c.arg(2);
  if (src == dst && key == newkey) {
    c.reply.Error(err::kSameObject);
    return;
  }
  Entry* o = c.ReadKey(key);
  if (!o) {
    c.reply.Int(0);
    return;
  }
  const int64_t expire = src->GetExpire(o);
  bool del = false;
  if (WriteKeyIn(c, dst, newkey)) {
    if (!replace) {
      c.reply.Int(0);
      return;
    }
    del = true;
  }
  // A deep copy with a fresh LRU stamp (Add), like Redis's dup*Object.
  Entry* copy = CopyEntryWithKey(o, newkey, KeyHash(newkey), /*take_value=*/false);
  // Redis duplicates the value: a small integer is no longer the shared object.
  if (copy->is_int()) copy->flags |= kUnsharedInt;
  if (del) dst->Delete(newkey);
  dst->Add(copy);
  if (expire != -1) dst->SetExpire(copy, expire);
  KeyModifiedIn(c, dst, newkey);
  c.server.Notify(kNotifyGeneric, "copy_to", dst->id(), newkey);
  c.Dirty();
  c.reply.Int(1);
}

// MOVE key db
void MoveCommand(CommandContext& c) {
  Db* src = c.db;
  Db* dst;
  if (!ParseDbArg(c, 2, &dst)) return;
  if (src == dst) {
    c.reply.Error(err::kSameObject);
    return;
  }
  std::string_view key = c.arg(1);
  Entry* e = c.WriteKey(key);
  if (!e) {
    c.reply.Int(0);
    return;
  }
  if (WriteKeyIn(c, dst, key)) {
    c.reply.Int(0);
    return;
  }
  // Same entry (same key, same hash) relinked into the other database.
  const uint32_t lru = e->lru;
  int64_t expire;
  e = src->Detach(key, &expire);
  dst->Add(e);
  e->lru = lru;
  if (expire != -1) dst->SetExpire(e, expire);
  c.KeyModified(key);
  KeyModifiedIn(c, dst, key);
  c.server.Notify(kNotifyGeneric, "move_from", src->id(), key);
  c.server.Notify(kNotifyGeneric, "move_to", dst->id(), key);
  c.Dirty();
  c.reply.Int(1);
}

// ---------------------------------------------------------------------------
// OBJECT

// Redis's LRU clock: seconds, 24 bits, wrapping.
constexpr uint64_t kLruClockMax = (1u << 24) - 1;
// Integers Redis keeps as shared objects (OBJ_SHARED_INTEGERS) and the
// refcount it reports for them (OBJ_SHARED_REFCOUNT).
constexpr int64_t kSharedIntegers = 10000;
constexpr long long kSharedRefcount = 2147483647;

void ObjectEncodingCommand(CommandContext& c) {
  Entry* e = PeekKey(c, c.arg(2), /*notify_miss=*/false);
  if (!e) {
    c.reply.Null();
    return;
  }
  c.reply.Bulk(EncodingName(static_cast<ObjEncoding>(e->encoding)));
}

// Redis shares the objects for the integers 0..9999, unless maxmemory is set
// with an LRU/LFU policy (each key then needs its own access stamp), and
// reports INT_MAX as their refcount; every other value has refcount 1.
// Tachyon has no shared objects, so the answer is derived from the value and
// the current settings (Redis decides when the value is created: a value
// written before a CONFIG SET of the policy, or made by COPY, may differ).
void ObjectRefcountCommand(CommandContext& c) {
  Entry* e = PeekKey(c, c.arg(2), /*notify_miss=*/false);
  if (!e) {
    c.reply.Null();
    return;
  }
  c.reply.Int(EntryRefcount(c.server, e));
}

// Idle time in seconds. Assumes Entry::lru holds Server::lru_clock() as of
// the last access, where lru_clock() = (unix time in seconds) & (2^24 - 1)
// (refreshed by Cron, stamped by Add/ReadKey/WriteKey). Then, as in Redis:
//   idle = clock >= lru ? clock - lru : clock + (2^24 - 1 - lru)
void ObjectIdletimeCommand(CommandContext& c) {
  Entry* e = PeekKey(c, c.arg(2), /*notify_miss=*/false);
  if (!e) {
    c.reply.Null();
    return;
  }
  if (PolicyIsLfu(c.server.settings())) {
    c.reply.Error(
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between "
        "policies at runtime LRU and LFU data will take some time to adjust.");
    return;
  }
  const uint64_t clock = c.server.lru_clock();
  const uint64_t lru = e->lru;
  const uint64_t idle = clock >= lru ? clock - lru : clock + (kLruClockMax - lru);
  c.reply.Int(static_cast<long long>(idle));
}

// LFU counter after decay. Under an LFU policy Entry::lru holds, like Redis's
// robj.lru, (minutes & 0xffff) << 8 | counter, where minutes is unix time in
// minutes at the last decrement; the counter loses one per lfu-decay-time
// minutes elapsed since.
void ObjectFreqCommand(CommandContext& c) {
  Entry* e = PeekKey(c, c.arg(2), /*notify_miss=*/false);
  if (!e) {
    c.reply.Null();
    return;
  }
  const Settings& s = c.server.settings();
  if (!PolicyIsLfu(s)) {
    c.reply.Error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching "
        "between policies at runtime LRU and LFU data will take some time to adjust.");
    return;
  }
  c.reply.Int(LfuDecayedCounter(e->lru, s.lfu_decay_time));
}

void ObjectHelpCommand(CommandContext& c) {
  static const char* const kLines[] = {
      "ENCODING <key>",
      "    Return the encoding Tachyon reports for the value stored at <key>.",
      "FREQ <key>",
      "    Return the logarithmic access counter of <key> (only with an LFU maxmemory-policy).",
      "IDLETIME <key>",
      "    Return the seconds since <key> was last read or written (not with an LFU policy).",
      "REFCOUNT <key>",
      "    Return the reference count of the value stored at <key>.",
  };
  ReplyHelp(c, kLines, sizeof kLines / sizeof kLines[0]);
}

}  // namespace

long long EntryRefcount(const Server& server, const Entry* e) {
  const Settings& s = const_cast<Server&>(server).settings();
  const bool sharing = s.maxmemory == 0 || !(PolicyIsLru(s) || PolicyIsLfu(s));
  const bool shared = sharing && e->is_int() && !(e->flags & kUnsharedInt) && e->int_value() >= 0 &&
                      e->int_value() < kSharedIntegers;
  return shared ? kSharedRefcount : 1;
}

void RegisterKeyCommands(CommandRegistry& r) {
  r.Add("del", DelCommand);
  r.Add("unlink", UnlinkCommand);
  r.Add("exists", ExistsCommand);
  r.Add("type", TypeCommand);
  r.Add("touch", TouchCommand);
  r.Add("rename", RenameCommand);
  r.Add("renamenx", RenamenxCommand);
  r.Add("keys", KeysCommand);
  r.Add("scan", ScanCommand);
  r.Add("randomkey", RandomkeyCommand);
  r.Add("expire", ExpireCommand);
  r.Add("pexpire", PexpireCommand);
  r.Add("expireat", ExpireatCommand);
  r.Add("pexpireat", PexpireatCommand);
  r.Add("ttl", TtlCommand);
  r.Add("pttl", PttlCommand);
  r.Add("expiretime", ExpiretimeCommand);
  r.Add("pexpiretime", PexpiretimeCommand);
  r.Add("persist", PersistCommand);
  r.Add("copy", CopyCommand);
  r.Add("move", MoveCommand);
  r.Add("object|encoding", ObjectEncodingCommand);
  r.Add("object|refcount", ObjectRefcountCommand);
  r.Add("object|idletime", ObjectIdletimeCommand);
  r.Add("object|freq", ObjectFreqCommand);
  r.Add("object|help", ObjectHelpCommand);
}

}  // namespace tachyon
