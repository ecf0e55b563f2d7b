// Lazy freeing (Redis's lazyfree.c + the BIO_LAZY_FREE thread): values that
// take long to free -- a collection held in more than 64 separate blocks --
// are released by a background thread, so UNLINK of a hash with a million
// fields or FLUSHALL ASYNC of a large dataset does not stall the event loop.
//
// The thread only releases memory: destructors of values touch nothing but
// their own blocks and the allocation counter (atomic, core/zmalloc.h). A
// value handed over is already unlinked from every table, so nothing else
// can reach it.
//
// Which deletions are lazy follows the lazyfree-lazy-* options: UNLINK and
// FLUSHALL/FLUSHDB ASYNC always; DEL with lazyfree-lazy-user-del; expiry with
// lazyfree-lazy-expire; eviction with lazyfree-lazy-eviction; deletions the
// server makes (an overwritten value, a RENAME destination, a collection
// left empty) with lazyfree-lazy-server-del; FLUSHALL/FLUSHDB without a mode
// with lazyfree-lazy-user-flush.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include "server/object.h"

namespace tachyon {

template <typename Node, typename Traits>
class Dict;
struct EntryTraits;
struct ExpireTraits;
struct ExpireNode;

// Why a key is deleted: decides, with the options, whether its value may be freed lazily.
enum class FreeReason : uint8_t {
  kServer,   // the server's own deletions (lazyfree-lazy-server-del)
  kUserDel,  // DEL (lazyfree-lazy-user-del)
  kUnlink,   // UNLINK: always lazy
  kExpire,   // lazyfree-lazy-expire
  kEvict,    // lazyfree-lazy-eviction
};

struct LazyfreeSettings {
  bool lazy_eviction = false;
  bool lazy_expire = false;
  bool lazy_server_del = false;
  bool lazy_user_del = false;
  bool lazy_user_flush = false;
};

class LazyFree {
 public:
  // Redis's LAZYFREE_THRESHOLD: values freed in more steps go to the thread.
  static constexpr size_t kThreshold = 64;
  // The thread yields the CPU every this many frees (see ZYieldWhileFreeing).
  static constexpr unsigned kYieldEvery = 256;

  LazyFree() = default;
  ~LazyFree();  // waits for the thread to finish what it holds
  LazyFree(const LazyFree&) = delete;
  LazyFree& operator=(const LazyFree&) = delete;

  LazyfreeSettings& settings() { return settings_; }
  bool IsLazy(FreeReason why) const;

  // Frees an entry already unlinked from its tables: in the background when
  // `why` allows it and the value is big enough, else at once.
  void FreeEntry(Entry* e, FreeReason why);
  // FLUSHALL/FLUSHDB ASYNC: the whole key and TTL tables of a database
  // (always in the background, as Redis's emptyDbAsync).
  void FreeTables(Dict<Entry, EntryTraits>* keys, Dict<ExpireNode, ExpireTraits>* expires);

  // INFO lazyfree_pending_objects / lazyfreed_objects.
  size_t pending() const { return pending_.load(std::memory_order_relaxed); }
  size_t freed() const { return freed_.load(std::memory_order_relaxed); }
  void ResetStats() { freed_.store(0, std::memory_order_relaxed); }
  // Waits up to `us` microseconds for the queue to drain (eviction's last resort).
  void Wait(uint64_t us);
  // Returns the allocator's free pages to the kernel (core/zmalloc.h ZPurge), in the thread.
  void Trim();

 private:
  struct Job {
    Entry* entry = nullptr;
    Dict<Entry, EntryTraits>* keys = nullptr;
    Dict<ExpireNode, ExpireTraits>* expires = nullptr;
    size_t objects = 0;
    bool trim = false;
  };
  void Submit(const Job& job);
  void Run();

  LazyfreeSettings settings_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::deque<Job> jobs_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;
  std::atomic<size_t> pending_{0};
  std::atomic<size_t> freed_{0};
};

}  // namespace tachyon
