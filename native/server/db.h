// One logical database (SELECT n): the key table plus the table of keys with a
// time to live, both incremental-rehash dicts, and the key-level operations
// every command family uses (lookup with lazy expiry, add, replace, delete).
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

#include "core/dict.h"
#include "server/lazyfree.h"
#include "server/object.h"

namespace tachyon {

struct EntryTraits {
  static std::string_view Key(const Entry* e) { return e->key(); }
  static uint64_t Hash(const Entry* e) { return e->hash; }
  // The cached hash rejects most chain neighbours without touching key bytes.
  static bool Equal(const Entry* e, std::string_view key, uint64_t hash) {
    return e->hash == static_cast<uint32_t>(hash) && e->key() == key;
  }
};

// A key's expiry time, kept apart from the entry so keys without a TTL pay nothing.
struct ExpireNode {
  ExpireNode* next;
  Entry* entry;
  int64_t when_ms;
};
struct ExpireTraits {
  static std::string_view Key(const ExpireNode* n) { return n->entry->key(); }
  static uint64_t Hash(const ExpireNode* n) { return n->entry->hash; }
  static bool Equal(const ExpireNode* n, std::string_view key, uint64_t hash) {
    return n->entry->hash == static_cast<uint32_t>(hash) && n->entry->key() == key;
  }
};

using KeyTable = Dict<Entry, EntryTraits>;
using ExpireTable = Dict<ExpireNode, ExpireTraits>;

uint32_t KeyHash(std::string_view key);

// What new entries are stamped with, and whether the stamp is LFU data:
// under an LFU maxmemory-policy Entry::lru holds (minutes & 0xffff) << 8 | counter.
struct AccessClock {
  uint32_t lru_clock = 0;  // seconds, 24 bits
  uint32_t new_stamp = 0;  // lru_clock, or the LFU stamp of a new key (counter 5)
  bool lfu = false;
};

// Told about keys the database adds (the "new" keyspace event, as Redis's
// dbAdd raises it) and removes on its own (expiry, so that WATCH,
// notifications and replication see it like any other deletion).
class KeyspaceObserver {
 public:
  virtual void OnKeyAdded(int db, std::string_view key) = 0;
  virtual void OnKeyExpired(int db, std::string_view key) = 0;
  // What a lookup does with a key past its TTL. kExpire: delete it (a master).
  // On a replica keys expire only when the master says so (Redis's
  // expireIfNeeded): kKeep while the master's commands run, kHide (treat as
  // missing, delete nothing) for everyone else.
  enum class ExpiryMode { kExpire, kKeep, kHide };
  virtual ExpiryMode expiry_mode() const { return ExpiryMode::kExpire; }

 protected:
  ~KeyspaceObserver() = default;
};

class Db {
 public:
  Db(int id, const AccessClock* clock, KeyspaceObserver* observer) : id_(id), clock_(clock), observer_(observer) {}
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Where deleted values are freed (lazily, by the options; synchronously when unset).
  void set_lazyfree(LazyFree* lf) { lazyfree_ = lf; }
  int id() const { return id_; }
  void set_id(int id) { id_ = id; }
  size_t size() const { return keys_.size(); }
  size_t expires_size() const { return expires_.size(); }
  KeyTable& keys() { return keys_; }
  ExpireTable& expires() { return expires_; }

  // Returns the live entry for key or nullptr; an expired key is deleted on the way (lazy expiry).
  Entry* Lookup(std::string_view key, int64_t now_ms);
  // Like Lookup but without expiring anything (for TYPE-insensitive internal checks).
  Entry* FindRaw(std::string_view key);

  // Adds a new key (must be absent) and raises its "new" event, as Redis's
  // dbAdd. Takes ownership of e.
  void Add(Entry* e);
  // The same for a key read from an RDB file or AOF base being loaded: no
  // event, as Redis's dbAddRDBLoad (nobody is told about a loaded dataset key
  // by key).
  void AddLoaded(Entry* e);
  // Replaces the entry for e's key with e (must be present), keeping the TTL when keep_ttl.
  // Frees the old entry. Returns e. No event (Redis's dbOverwrite).
  Entry* Replace(Entry* e, bool keep_ttl);
  // Adds (with the "new" event) or replaces; the TTL is dropped unless keep_ttl.
  Entry* Set(Entry* e, bool keep_ttl);
  // Reallocates e so its inline string value can hold `capacity` bytes (keeping
  // key, value and TTL) and fixes the table links. Returns the new address.
  Entry* ResizeString(Entry* e, size_t capacity);
  // Deletes key; returns true if it existed (live or not yet lazily expired).
  // `why` decides, with the lazyfree-lazy-* options, whether a big value is
  // freed by the lazy free thread (lazyfree.h).
  bool Delete(std::string_view key, FreeReason why = FreeReason::kServer);
  // Unlinks key without freeing it (for RENAME/MOVE); the TTL is returned in *expire_ms (-1 if none).
  Entry* Detach(std::string_view key, int64_t* expire_ms);

  // TTL: absolute unix time in ms, or -1.
  int64_t GetExpire(const Entry* e);
  // The same without touching the tables (snapshot writers in a fork()ed child).
  int64_t PeekExpire(const Entry* e) const {
    if (!e->has_expire()) return -1;
    const ExpireNode* x = expires_.Peek(e->key(), e->hash);
    return x ? x->when_ms : -1;
  }
  void SetExpire(Entry* e, int64_t when_ms);
  bool RemoveExpire(Entry* e);

  // Exchanges keys and TTLs with other (installing a database loaded aside).
  void SwapContents(Db& other) {
    std::swap(keys_, other.keys_);
    std::swap(expires_, other.expires_);
    std::swap(avg_ttl, other.avg_ttl);
  }

  // Removes every key; returns how many were removed. With async the tables
  // go to the lazy free thread whole (FLUSHALL/FLUSHDB ASYNC).
  size_t Clear(bool async = false);

  // Active expiry: samples keys with a TTL and deletes the expired ones, until
  // the deadline passes or the sample shows few expired keys. Returns keys expired.
  size_t ActiveExpire(int64_t now_ms, int64_t deadline_us, int effort, size_t* stale_left);

  uint64_t expired_keys = 0;  // stat: keys removed because their TTL passed
  uint64_t avg_ttl = 0;       // running estimate, for INFO keyspace

 private:
  void DeleteExpired(Entry* e, std::string_view key);
  void Release(Entry* e, FreeReason why);
  int id_;
  LazyFree* lazyfree_ = nullptr;
  const AccessClock* clock_;  // the server's access clock, stamped on new entries
  KeyspaceObserver* observer_;
  KeyTable keys_;
  ExpireTable expires_;
};

int64_t NowMs();
int64_t NowUs();

}  // namespace tachyon
