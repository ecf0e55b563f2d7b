// Redis's rule for a [start, end] range of indexes given by a client (GETRANGE,
// and BITCOUNT/BITPOS in bytes or bits): negative indexes count back from the
// end, and the range is then clamped to the `len` elements there are.
#pragma once

namespace tachyon {

// Afterwards start > end means an empty range (always so when len is 0).
template <typename Int>
void ClampIndexRange(Int* start, Int* end, Int len) {
  if (*start < 0) *start += len;
  if (*end < 0) *end += len;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= len) *end = len - 1;
}

}  // namespace tachyon
