// maxmemory: the eight eviction policies with Redis 7.0's approximations
// (evict.c). Before a command runs the dispatcher calls Perform(): when the
// counted memory (core/zmalloc.h) is over maxmemory, keys are evicted in a
// slice bounded by maxmemory-eviction-tenacity; if the slice ends before
// memory is back under the limit, the eviction continues between event loop
// iterations (Continue(), driven by the addon's timer and the cron) as
// Redis's evictionTimeProc does.
//
// Candidates: with the LRU, LFU and volatile-ttl policies, every database
// contributes maxmemory-samples sampled keys to one 16-entry pool kept in
// ascending order of "idle" score (idle time in ms; 255 - LFU counter; or
// ULLONG_MAX - expiry time), and the best existing key in the pool goes;
// the random policies pick a random key, visiting the databases in turn.
// allkeys-* sample the key tables, volatile-* the TTL tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tachyon {

class Server;

// Redis's maxmemory-policy values and flags.
enum MaxmemoryFlag : uint32_t {
  kMaxmemoryFlagLru = 1u << 0,
  kMaxmemoryFlagLfu = 1u << 1,
  kMaxmemoryFlagAllkeys = 1u << 2,
};
enum class MaxmemoryPolicy : uint32_t {
  kVolatileLru = (0u << 8) | kMaxmemoryFlagLru,
  kVolatileLfu = (1u << 8) | kMaxmemoryFlagLfu,
  kVolatileTtl = (2u << 8),
  kVolatileRandom = (3u << 8),
  kAllkeysLru = (4u << 8) | kMaxmemoryFlagLru | kMaxmemoryFlagAllkeys,
  kAllkeysLfu = (5u << 8) | kMaxmemoryFlagLfu | kMaxmemoryFlagAllkeys,
  kAllkeysRandom = (6u << 8) | kMaxmemoryFlagAllkeys,
  kNoEviction = (7u << 8),
};
// The policy named by a maxmemory-policy value (noeviction for anything else).
MaxmemoryPolicy ParseMaxmemoryPolicy(const std::string& name);

enum class EvictResult {
  kOk,       // under the limit, or evicting is not possible now (a busy script, a pause)
  kRunning,  // over the limit, but the eviction continues from the event loop
  kFail,     // over the limit and nothing (more) can be evicted: denyoom commands get -OOM
};

// Redis's getMaxmemoryState: true if the counted memory is over maxmemory;
// *tofree gets the excess.
bool OverMaxmemory(const Server& s, size_t* tofree = nullptr);

class Evictor {
 public:
  explicit Evictor(Server& server);

  EvictResult Perform();
  // CONFIG SET maxmemory: evict from the event loop at once (startEvictionTimeProc).
  void Start() { running_ = true; }
  // The slice ran out of time with memory still over the limit: Continue()
  // should run soon, from the event loop.
  bool running() const { return running_; }
  // One more slice (evictionTimeProc); false once done (under the limit, or nothing left).
  bool Continue();
  // Time spent over the limit (INFO total_eviction_exceeded_time,
  // current_eviction_exceeded_time), in ms.
  uint64_t total_exceeded_ms() const;
  uint64_t current_exceeded_ms() const;
  void ResetStats() { exceeded_total_us_ = 0; }

 private:
  static constexpr int kPoolSize = 16;           // EVPOOL_SIZE
  static constexpr size_t kCachedKeySize = 255;  // EVPOOL_CACHED_SDS_SIZE
  struct PoolEntry {
    uint64_t idle = 0;
    bool used = false;
    int db = 0;
    std::string key;  // capacity kept between uses
  };

  bool SafeToEvict() const;
  void Populate(int db, bool allkeys, MaxmemoryPolicy policy);
  void Insert(uint64_t idle, std::string_view key, int db);
  bool PickFromPool(bool allkeys, std::string* key, int* db);
  bool PickRandom(bool allkeys, std::string* key, int* db);
  uint64_t TimeLimitUs() const;
  void UpdateExceeded(bool over);

  Server& server_;
  PoolEntry pool_[kPoolSize];
  unsigned next_db_ = 0;
  bool running_ = false;
  std::string victim_;
  uint64_t exceeded_since_us_ = 0;  // 0: not over the limit
  uint64_t exceeded_total_us_ = 0;
};

}  // namespace tachyon
