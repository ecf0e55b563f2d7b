// Counted allocation, as Redis's zmalloc: the keyspace, its values and the
// clients' buffers allocate through these functions, which add (and on free
// subtract) the usable size of every block to one process-wide counter.
// That counter is used_memory: what maxmemory is checked against, what INFO
// memory and MEMORY STATS report. Node's own heaps (V8, Buffers) and Lua's
// are not in it, as Redis's used_memory does not count Lua either.
//
// Blocks come from glibc's malloc (see README "Allocator" for the
// measurements behind that choice). The counter is atomic because the lazy
// free thread (server/lazyfree.h) releases values too; relaxed increments
// cost one locked add per allocation and nothing else.
//
// Every block allocated here must be freed here (and vice versa), so the
// counter stays exact: ZMalloc/ZRealloc/ZFree for raw blocks, ZCounted as a
// base class for objects built with new, ZAllocator for std containers.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace tachyon {

namespace zmalloc_internal {
extern std::atomic<int64_t> used;
}  // namespace zmalloc_internal

// Abort with a message (as zmalloc's out-of-memory handler) on failure.
void* ZMalloc(size_t n);
void* ZCalloc(size_t n);  // zeroed
void* ZRealloc(void* p, size_t n);  // n == 0 frees p and returns nullptr
void* ZTryMalloc(size_t n);           // nullptr instead of aborting
void ZFree(void* p);
// On a thread that frees in bulk (the lazy free thread): give the CPU away
// every `every` frees (0: never). glibc's arena lock is not fair: a thread
// freeing a million blocks in a tight loop takes it back before a woken
// event loop thread runs, and on a busy machine that thread starves for
// hundreds of milliseconds. Yielding now and then lets it in.
void ZYieldWhileFreeing(unsigned every);
// The usable size of a block returned by the functions above (>= requested; 0 for nullptr).
size_t ZMallocSize(const void* p);

// The usable size the allocator gives a request of n bytes.
size_t ZMallocSizeOf(size_t n);

// Bytes currently allocated through this file: the usable size of every
// live block, as Redis counts (the allocator's own headers are not in it).
inline size_t ZUsedMemory() {
  int64_t v = zmalloc_internal::used.load(std::memory_order_relaxed);
  return v > 0 ? static_cast<size_t>(v) : 0;
}

// What the allocator reports about the whole process (every malloc user:
// Node, V8's off-heap data, Lua, this addon), for INFO's allocator_* fields.
struct AllocatorInfo {
  size_t allocated = 0;  // handed out to callers
  size_t active = 0;     // held from the kernel (arenas and mmapped blocks)
  size_t resident = 0;   // of that, resident (the process RSS when unknown)
};
void ZAllocatorInfo(AllocatorInfo* out);
// The allocator's own statistics report (MEMORY MALLOC-STATS).
std::string ZAllocatorStats();
// Returns free memory to the kernel (MEMORY PURGE); false if that failed.
bool ZPurge();
// INFO mem_allocator.
const char* ZAllocatorName();
// Resident set size of the process, from /proc (0 when unknown).
size_t ZProcessRss();

// Base for objects built with new whose memory is counted.
struct ZCounted {
  static void* operator new(size_t n) { return ZMalloc(n); }
  static void operator delete(void* p) { ZFree(p); }
};

// std::allocator equivalent for containers whose nodes are counted.
template <class T>
struct ZAllocator {
  using value_type = T;
  ZAllocator() = default;
  template <class U>
  ZAllocator(const ZAllocator<U>&) {}  // NOLINT: converting, as std::allocator
  T* allocate(size_t n) { return static_cast<T*>(ZMalloc(n * sizeof(T))); }
  void deallocate(T* p, size_t) { ZFree(p); }
  template <class U>
  bool operator==(const ZAllocator<U>&) const { return true; }
  template <class U>
  bool operator!=(const ZAllocator<U>&) const { return false; }
};

// An ordered map whose nodes are counted.
template <class K, class V, class Less = std::less<K>>
using ZMap = std::map<K, V, Less, ZAllocator<std::pair<const K, V>>>;

// A string whose buffer (past the 15 bytes kept inline) is counted.
using ZString = std::basic_string<char, std::char_traits<char>, ZAllocator<char>>;

}  // namespace tachyon
