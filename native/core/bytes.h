// Little-endian fields of Redis's serialized encodings (listpack, intset), and
// allocation that aborts with a message naming the structure, as zmalloc's
// out-of-memory handler does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include "core/zmalloc.h"

namespace tachyon {

[[noreturn]] inline void OutOfMemory(const char* what, size_t n) {
  std::fprintf(stderr, "%s: out of memory allocating %zu bytes\n", what, n);
  std::abort();
}

inline unsigned char* CheckedAlloc(const char* what, size_t n) {
  auto* p = static_cast<unsigned char*>(ZMalloc(n));
  if (!p) OutOfMemory(what, n);
  return p;
}

inline unsigned char* CheckedRealloc(const char* what, void* old, size_t n) {
  auto* p = static_cast<unsigned char*>(ZRealloc(old, n));
  if (!p) OutOfMemory(what, n);
  return p;
}

// Unsigned little-endian value of n bytes (n <= 8).
inline uint64_t ReadLE(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

inline uint32_t ReadU32(const unsigned char* p) { return static_cast<uint32_t>(ReadLE(p, 4)); }

inline void WriteU32(unsigned char* p, uint32_t v) {
  p[0] = static_cast<unsigned char>(v);
  p[1] = static_cast<unsigned char>(v >> 8);
  p[2] = static_cast<unsigned char>(v >> 16);
  p[3] = static_cast<unsigned char>(v >> 24);
}

}  // namespace tachyon
