// Page-backed blocks for short-lived buffers (clients' queued output): taken
// straight from the kernel with mmap and given back with munmap, plus a small
// pool of recycled 16 KB blocks so a busy connection does not pay a system
// call per block. Such buffers live for as long as a client is slow to read,
// which may be while the keyspace grows; on glibc's heap, freed buffers then
// sit below newer keyspace blocks and the heap cannot shrink past them (a
// 1,000,000-entry stream loaded by a client that wrote faster than it read
// kept 5 MB of free 16 KB chunks this way). Pages outside the heap avoid that.
//
// Blocks are counted in used_memory (core/zmalloc.h) while in use, by their
// mapped size; pooled blocks are not (they are free memory, as an
// allocator's free lists are).
#pragma once

#include <cstddef>

namespace tachyon {

// The pooled size: 4 pages, Redis's PROTO_REPLY_CHUNK_BYTES.
constexpr size_t kPageBlockSize = 16 * 1024;

// A block of at least n bytes; *mapped receives its real size (a multiple
// of the page size). Aborts on failure, as ZMalloc.
void* PageAlloc(size_t n, size_t* mapped);
// Releases a block from PageAlloc with the size it reported.
void PageFree(void* p, size_t mapped);
// Blocks currently pooled (for tests).
size_t PagePoolSize();

}  // namespace tachyon
