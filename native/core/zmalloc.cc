// Counted allocation over glibc's malloc (or, in experimental builds, over a
// privately renamed static jemalloc with TACHYON_JEMALLOC, or over
// mimalloc's own mi_* API with TACHYON_MIMALLOC). See zmalloc.h.
#include "core/zmalloc.h"

#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sched.h>
#include <unistd.h>

#ifdef TACHYON_JEMALLOC
// Debian's libjemalloc_pic.a with every public symbol renamed tje_* by
// CMakeLists.txt (objcopy), so nothing in it can take over Node's malloc.
extern "C" {
void* tje_mallocx(size_t size, int flags);
void* tje_rallocx(void* ptr, size_t size, int flags);
size_t tje_sallocx(const void* ptr, int flags);
size_t tje_nallocx(size_t size, int flags);
void tje_sdallocx(void* ptr, size_t size, int flags);
int tje_mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen);
void tje_malloc_stats_print(void (*write_cb)(void*, const char*), void* cbopaque, const char* opts);
}
#endif

#ifdef TACHYON_MIMALLOC
// Debian's libmimalloc.so, called only through its mi_* names: loaded with
// the addon, it does not take over Node's malloc.
#include <mimalloc.h>
#endif

namespace tachyon {

namespace zmalloc_internal {
std::atomic<int64_t> used{0};
}  // namespace zmalloc_internal

namespace {

using zmalloc_internal::used;

[[noreturn]] void OutOfMemory(size_t n) {
  std::fprintf(stderr, "zmalloc: Out of memory trying to allocate %zu bytes\n", n);
  std::fflush(stderr);
  std::abort();
}

// Set on the lazy free thread (ZYieldWhileFreeing). initial-exec: one load,
// no __tls_get_addr call, on every ZFree of the event loop thread.
__attribute__((tls_model("initial-exec"))) thread_local unsigned yield_every = 0;
__attribute__((tls_model("initial-exec"))) thread_local unsigned frees_since_yield = 0;

inline void Add(size_t n) { used.fetch_add(static_cast<int64_t>(n), std::memory_order_relaxed); }
inline void Sub(size_t n) { used.fetch_sub(static_cast<int64_t>(n), std::memory_order_relaxed); }

#ifdef TACHYON_JEMALLOC
constexpr int kZero = 0x40;  // MALLOCX_ZERO
inline void* RawMalloc(size_t n) { return tje_mallocx(n ? n : 1, 0); }
inline void* RawCalloc(size_t n) { return tje_mallocx(n ? n : 1, kZero); }
inline void* RawRealloc(void* p, size_t n) { return tje_rallocx(p, n ? n : 1, 0); }
inline size_t RawSize(const void* p) { return tje_sallocx(p, 0); }
inline void RawFree(void* p, size_t size) { tje_sdallocx(p, size, 0); }
#elif defined(TACHYON_MIMALLOC)
inline void* RawMalloc(size_t n) { return mi_malloc(n); }
inline void* RawCalloc(size_t n) { return mi_zalloc(n); }
inline void* RawRealloc(void* p, size_t n) { return mi_realloc(p, n); }
inline size_t RawSize(const void* p) { return mi_usable_size(p); }
inline void RawFree(void* p, size_t) { mi_free(p); }
#else
inline void* RawMalloc(size_t n) { return std::malloc(n); }
inline void* RawCalloc(size_t n) { return std::calloc(1, n); }
inline void* RawRealloc(void* p, size_t n) { return std::realloc(p, n); }
inline size_t RawSize(const void* p) { return malloc_usable_size(const_cast<void*>(p)); }
inline void RawFree(void* p, size_t) { std::free(p); }
#endif

}  // namespace

void* ZMalloc(size_t n) {
  void* p = RawMalloc(n);
  if (!p) OutOfMemory(n);
  Add(RawSize(p));
  return p;
}

void* ZCalloc(size_t n) {
  void* p = RawCalloc(n);
  if (!p) OutOfMemory(n);
  Add(RawSize(p));
  return p;
}

void* ZTryMalloc(size_t n) {
  void* p = RawMalloc(n);
  if (p) Add(RawSize(p));
  return p;
}

void* ZRealloc(void* p, size_t n) {
  if (!p) return ZMalloc(n);
  if (n == 0) {
    ZFree(p);
    return nullptr;
  }
  size_t old = RawSize(p);
  void* q = RawRealloc(p, n);
  if (!q) OutOfMemory(n);
  size_t now = RawSize(q);
  used.fetch_add(static_cast<int64_t>(now) - static_cast<int64_t>(old), std::memory_order_relaxed);
  return q;
}

void ZFree(void* p) {
  if (!p) return;
  size_t n = RawSize(p);
  Sub(n);
  RawFree(p, n);
  if (__builtin_expect(yield_every != 0, 0) && ++frees_since_yield >= yield_every) {
    frees_since_yield = 0;
    sched_yield();
  }
}

void ZYieldWhileFreeing(unsigned every) {
  yield_every = every;
  frees_since_yield = 0;
}

size_t ZMallocSize(const void* p) { return p ? RawSize(p) : 0; }

size_t ZMallocSizeOf(size_t n) {
#ifdef TACHYON_JEMALLOC
  return tje_nallocx(n ? n : 1, 0);
#elif defined(TACHYON_MIMALLOC)
  return mi_good_size(n ? n : 1);
#else
  // glibc: blocks are 16-byte aligned chunks of at least 32 bytes with one size word in front.
  size_t chunk = (n + sizeof(size_t) + 15) & ~size_t{15};
  return (chunk < 32 ? 32 : chunk) - sizeof(size_t);
#endif
}

size_t ZProcessRss() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long pages_total = 0, pages_rss = 0;
  int n = std::fscanf(f, "%lu %lu", &pages_total, &pages_rss);
  std::fclose(f);
  if (n != 2) return 0;
  static const long page = sysconf(_SC_PAGESIZE);
  return static_cast<size_t>(pages_rss) * static_cast<size_t>(page);
}

#ifdef TACHYON_JEMALLOC

void ZAllocatorInfo(AllocatorInfo* out) {
  uint64_t epoch = 1;
  size_t sz = sizeof epoch;
  tje_mallctl("epoch", &epoch, &sz, &epoch, sz);
  sz = sizeof(size_t);
  tje_mallctl("stats.allocated", &out->allocated, &sz, nullptr, 0);
  tje_mallctl("stats.active", &out->active, &sz, nullptr, 0);
  tje_mallctl("stats.resident", &out->resident, &sz, nullptr, 0);
}

std::string ZAllocatorStats() {
  std::string out;
  tje_malloc_stats_print([](void* o, const char* s) { static_cast<std::string*>(o)->append(s); }, &out, nullptr);
  return out;
}

bool ZPurge() {
  // MALLCTL_ARENAS_ALL is 4096 in jemalloc 5.
  return tje_mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0) == 0;
}

const char* ZAllocatorName() { return "jemalloc-5.3.0"; }

#elif defined(TACHYON_MIMALLOC)

void ZAllocatorInfo(AllocatorInfo* out) {
  // mimalloc keeps no cheap totals: the counted bytes and the process RSS.
  out->allocated = ZUsedMemory();
  size_t rss = ZProcessRss();
  out->active = rss > out->allocated ? rss : out->allocated;
  out->resident = rss;
}

std::string ZAllocatorStats() {
  std::string out;
  mi_stats_print_out([](const char* s, void* o) { static_cast<std::string*>(o)->append(s); }, &out);
  return out;
}

bool ZPurge() {
  mi_collect(true);
  return true;
}

const char* ZAllocatorName() { return "mimalloc-2.0.9"; }

#else

void ZAllocatorInfo(AllocatorInfo* out) {
  struct mallinfo2 mi = mallinfo2();
  out->allocated = mi.uordblks + mi.hblkhd;
  out->active = mi.arena + mi.hblkhd;
  // glibc does not say how much of its heap is resident: the process RSS
  // bounds it (Node's own mappings are in it too).
  size_t rss = ZProcessRss();
  out->resident = rss > out->active ? out->active : rss;
}

std::string ZAllocatorStats() {
  char* buf = nullptr;
  size_t len = 0;
  FILE* f = open_memstream(&buf, &len);
  if (!f) return "Stats not supported for the current allocator";
  malloc_info(0, f);
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);  // open_memstream's buffer is glibc's, not counted
  return out;
}

bool ZPurge() {
  malloc_trim(0);
  return true;
}

const char* ZAllocatorName() { return "libc"; }

#endif

}  // namespace tachyon
