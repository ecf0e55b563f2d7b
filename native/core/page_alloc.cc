// Page-backed blocks with a small recycle pool. See page_alloc.h.
#include "core/page_alloc.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "core/zmalloc.h"

namespace tachyon {

namespace {

// 32 × 16 KB: enough for a few connections with backlogs to recycle
// blocks among themselves, small enough not to matter in RSS.
constexpr size_t kPoolMax = 32;

std::mutex pool_mutex;  // connections close on the event loop, but be safe
void* pool[kPoolMax];
size_t pool_size = 0;

size_t PageRound(size_t n) {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (n + page - 1) / page * page;
}

void Count(int64_t delta) { zmalloc_internal::used.fetch_add(delta, std::memory_order_relaxed); }

}  // namespace

void* PageAlloc(size_t n, size_t* mapped) {
  size_t size = PageRound(n ? n : 1);
  if (size == kPageBlockSize) {
    std::lock_guard<std::mutex> lock(pool_mutex);
    if (pool_size > 0) {
      *mapped = size;
      Count(static_cast<int64_t>(size));
      return pool[--pool_size];
    }
  }
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    std::fprintf(stderr, "page_alloc: Out of memory trying to map %zu bytes\n", size);
    std::fflush(stderr);
    std::abort();
  }
  *mapped = size;
  Count(static_cast<int64_t>(size));
  return p;
}

void PageFree(void* p, size_t mapped) {
  if (!p) return;
  Count(-static_cast<int64_t>(mapped));
  if (mapped == kPageBlockSize) {
    std::lock_guard<std::mutex> lock(pool_mutex);
    if (pool_size < kPoolMax) {
      pool[pool_size++] = p;
      return;
    }
  }
  munmap(p, mapped);
}

size_t PagePoolSize() {
  std::lock_guard<std::mutex> lock(pool_mutex);
  return pool_size;
}

}  // namespace tachyon
