// Eviction under maxmemory (Redis 7.0's evict.c semantics). See evict.h.
#include "server/evict.h"

#include <climits>
#include <cmath>
#include <cstring>

#include "core/zmalloc.h"
#include "server/server.h"

namespace tachyon {

MaxmemoryPolicy ParseMaxmemoryPolicy(const std::string& name) {
  if (name == "volatile-lru") return MaxmemoryPolicy::kVolatileLru;
  if (name == "volatile-lfu") return MaxmemoryPolicy::kVolatileLfu;
  if (name == "volatile-ttl") return MaxmemoryPolicy::kVolatileTtl;
  if (name == "volatile-random") return MaxmemoryPolicy::kVolatileRandom;
  if (name == "allkeys-lru") return MaxmemoryPolicy::kAllkeysLru;
  if (name == "allkeys-lfu") return MaxmemoryPolicy::kAllkeysLfu;
  if (name == "allkeys-random") return MaxmemoryPolicy::kAllkeysRandom;
  return MaxmemoryPolicy::kNoEviction;
}

bool OverMaxmemory(const Server& s, size_t* tofree) {
  const int64_t max = s.settings().maxmemory;
  if (max <= 0) return false;
  size_t used = ZUsedMemory();
  if (used <= static_cast<size_t>(max)) return false;
  // mem_not_counted_for_evict: the replicas' output (the AOF buffer is not
  // subtracted yet), computed only when over the limit, as Redis does.
  const size_t not_counted = s.ReplicaOutputMemory();
  used = used > not_counted ? used - not_counted : 0;
  if (used <= static_cast<size_t>(max)) return false;
  if (tofree) *tofree = used - static_cast<size_t>(max);
  return true;
}

Evictor::Evictor(Server& server) : server_(server) {
  for (PoolEntry& p : pool_) p.key.reserve(kCachedKeySize);
}

bool Evictor::SafeToEvict() const {
  const Settings& st = server_.settings();
  // Not while a script is past busy-reply-threshold, nor while clients are paused
  // (the dataset must not change then).
  // A replica with replica-ignore-maxmemory leaves eviction to its master (isSafeToPerformEvictions).
  return server_.busy_error().empty() && !st.clients_paused && !st.replica_ignore_maxmemory;
}

// evictionTimeLimitUs: tenacity 0..10 is linear up to 500 us, then a 15%
// geometric progression (about 2 minutes at 99); 100 means no limit.
uint64_t Evictor::TimeLimitUs() const {
  int t = server_.settings().maxmemory_eviction_tenacity;
  if (t <= 10) return 50ull * static_cast<uint64_t>(t < 0 ? 0 : t);
  if (t < 100) return static_cast<uint64_t>(500.0 * std::pow(1.15, t - 10.0));
  return UINT64_MAX;
}

void Evictor::Insert(uint64_t idle, std::string_view key, int db) {
  // The first empty slot, or the first slot with a smaller score.
  int k = 0;
  while (k < kPoolSize && pool_[k].used && pool_[k].idle < idle) k++;
  if (k == 0 && pool_[kPoolSize - 1].used) return;  // worse than everything, and no room
  if (k < kPoolSize && !pool_[k].used) {
    // An empty slot: nothing to move.
  } else if (!pool_[kPoolSize - 1].used) {
    // Room on the right: shift k.. one step right (the strings' buffers move with them).
    std::string spare = std::move(pool_[kPoolSize - 1].key);
    for (int i = kPoolSize - 1; i > k; i--) pool_[i] = std::move(pool_[i - 1]);
    pool_[k].key = std::move(spare);
  } else {
    // Full: drop the smallest on the left and insert at k-1.
    k--;
    std::string spare = std::move(pool_[0].key);
    for (int i = 0; i < k; i++) pool_[i] = std::move(pool_[i + 1]);
    pool_[k].key = std::move(spare);
  }
  pool_[k].key.assign(key.data(), key.size());
  pool_[k].idle = idle;
  pool_[k].db = db;
  pool_[k].used = true;
}

void Evictor::Populate(int dbid, bool allkeys, MaxmemoryPolicy policy) {
  Db& db = server_.db(dbid);
  const size_t samples = static_cast<size_t>(std::max(1, server_.settings().maxmemory_samples));
  const uint32_t flags = static_cast<uint32_t>(policy);
  const uint32_t clock = server_.lru_clock();
  const int decay = server_.settings().lfu_decay_time;
  auto score = [&](const Entry* e, int64_t when_ms) -> uint64_t {
    if (flags & kMaxmemoryFlagLru) {
      // estimateObjectIdleTime, in ms (the clock has a resolution of one second).
      uint64_t idle = clock >= e->lru ? clock - e->lru : clock + ((1u << 24) - 1 - e->lru);
      return idle * 1000;
    }
    if (flags & kMaxmemoryFlagLfu) return 255 - LfuDecayedCounter(e->lru, decay);
    return ULLONG_MAX - static_cast<uint64_t>(when_ms);  // volatile-ttl: the sooner the better
  };
  // Sampling hands out pointers into the table; the keys are copied into the pool.
  if (allkeys) {
    db.keys().Sample(samples, [&](Entry* e) { Insert(score(e, 0), e->key(), dbid); });
  } else {
    db.expires().Sample(samples, [&](ExpireNode* x) { Insert(score(x->entry, x->when_ms), x->entry->key(), dbid); });
  }
}

bool Evictor::PickFromPool(bool allkeys, std::string* key, int* db) {
  const MaxmemoryPolicy policy = server_.settings().policy;
  for (;;) {
    size_t total = 0;
    for (int i = 0; i < server_.db_count(); i++) {
      Db& d = server_.db(i);
      size_t n = allkeys ? d.size() : d.expires_size();
      if (n == 0) continue;
      Populate(i, allkeys, policy);
      total += n;
    }
    if (total == 0) return false;
    // From the best candidate down; entries whose key is gone are ghosts.
    for (int k = kPoolSize - 1; k >= 0; k--) {
      PoolEntry& p = pool_[k];
      if (!p.used) continue;
      p.used = false;
      p.idle = 0;
      Entry* e = server_.db(p.db).FindRaw(p.key);
      if (e && (allkeys || e->has_expire())) {
        key->assign(p.key);
        *db = p.db;
        return true;
      }
    }
  }
}

bool Evictor::PickRandom(bool allkeys, std::string* key, int* db) {
  const int n = server_.db_count();
  for (int i = 0; i < n; i++) {
    int j = static_cast<int>(++next_db_ % static_cast<unsigned>(n));
    Db& d = server_.db(j);
    Entry* e = nullptr;
    if (allkeys) {
      e = d.keys().Random();
    } else if (ExpireNode* x = d.expires().Random()) {
      e = x->entry;
    }
    if (!e) continue;
    key->assign(e->key().data(), e->key().size());
    *db = j;
    return true;
  }
  return false;
}

void Evictor::UpdateExceeded(bool over) {
  uint64_t now = static_cast<uint64_t>(NowUs());
  if (over) {
    if (exceeded_since_us_ == 0) exceeded_since_us_ = now;
  } else if (exceeded_since_us_ != 0) {
    exceeded_total_us_ += now - exceeded_since_us_;
    exceeded_since_us_ = 0;
  }
}

uint64_t Evictor::current_exceeded_ms() const {
  return exceeded_since_us_ ? (static_cast<uint64_t>(NowUs()) - exceeded_since_us_) / 1000 : 0;
}

uint64_t Evictor::total_exceeded_ms() const {
  uint64_t current = exceeded_since_us_ ? static_cast<uint64_t>(NowUs()) - exceeded_since_us_ : 0;
  return (exceeded_total_us_ + current) / 1000;
}

EvictResult Evictor::Perform() {
  if (!SafeToEvict()) return EvictResult::kOk;
  size_t tofree = 0;
  if (!OverMaxmemory(server_, &tofree)) {
    UpdateExceeded(false);
    return EvictResult::kOk;
  }
  const MaxmemoryPolicy policy = server_.settings().policy;
  if (policy == MaxmemoryPolicy::kNoEviction) {
    UpdateExceeded(true);
    return EvictResult::kFail;
  }
  const uint32_t flags = static_cast<uint32_t>(policy);
  const bool allkeys = flags & kMaxmemoryFlagAllkeys;
  const bool pooled = (flags & (kMaxmemoryFlagLru | kMaxmemoryFlagLfu)) || policy == MaxmemoryPolicy::kVolatileTtl;
  const bool lazy = server_.settings().lazyfree_lazy_eviction;
  const uint64_t limit_us = TimeLimitUs();
  const int64_t start = NowUs();
  int64_t freed = 0;
  uint64_t keys_freed = 0;
  EvictResult result = EvictResult::kFail;
  bool done = false;
  while (freed < static_cast<int64_t>(tofree)) {
    int db = 0;
    bool found = pooled ? PickFromPool(allkeys, &victim_, &db) : PickRandom(allkeys, &victim_, &db);
    if (!found) break;  // nothing left to evict
    // What the deletion alone releases (a lazy free releases the value later,
    // in the background thread: the loop then checks the memory itself).
    int64_t before = static_cast<int64_t>(ZUsedMemory());
    server_.EvictKey(db, victim_);
    freed += before - static_cast<int64_t>(ZUsedMemory());
    keys_freed++;
    if (keys_freed % 16 == 0) {
      if (lazy && !OverMaxmemory(server_)) {
        done = true;
        break;
      }
      if (static_cast<uint64_t>(NowUs() - start) > limit_us) {
        // Still over the limit: continue from the event loop.
        running_ = true;
        done = true;
        break;
      }
    }
  }
  if (freed >= static_cast<int64_t>(tofree)) done = true;
  if (done) result = running_ ? EvictResult::kRunning : EvictResult::kOk;
  if (result == EvictResult::kFail && server_.lazyfree_pending() > 0) {
    // Nothing left to evict, but values are being freed in the background:
    // wait for them a little (as Redis does), not long.
    server_.WaitLazyfree(limit_us);
    if (!OverMaxmemory(server_)) result = EvictResult::kOk;
  }
  UpdateExceeded(result != EvictResult::kOk);
  return result;
}

bool Evictor::Continue() {
  running_ = false;
  EvictResult r = Perform();
  return r == EvictResult::kRunning;
}

}  // namespace tachyon
