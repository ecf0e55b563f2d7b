// Ziplist and zipmap: the compact encodings of Redis before 7.0, read-only.
//
// Redis 7.0 no longer keeps either in memory but still loads them from old
// RDB files (hashes, zsets and lists as ziplists, RDB versions 4-9; hashes as
// zipmaps, versions up to 3) and converts them. Only decoding with Redis's
// integrity checks is needed; the checks below are those of ziplist.c's and
// zipmap.c's ValidateIntegrity with `deep` set (every entry checked), which
// is what 7.0 applies to these types when loading.
//
// Ziplist: <zlbytes u32 LE> <zltail u32 LE> <zllen u16 LE> <entry>* <0xFF>
//   entry = <prevlen> <encoding> <data>
//   prevlen: 1 byte (< 254) or 0xFE + u32 LE; the raw size of the previous
//   entry (0 for the first one).
//   encoding: 00llllll (string < 64), 01llllll llllllll (string < 16384,
//   big-endian), 10xxxxxx + u32 big-endian length; integers 0xC0 int16,
//   0xD0 int32, 0xE0 int64, 0xF0 int24, 0xFE int8 (little endian), and
//   0xF1..0xFD the values 0..12 in the encoding byte itself.
// The checks: header readable, zlbytes equals the blob size, last byte 0xFF,
// zltail inside the blob and pointing at the last entry, every entry
// well formed and inside the blob, every prevlen equal to the previous
// entry's size, entries ending exactly at the 0xFF, and the count equal to
// zllen unless zllen is 65535.
//
// Zipmap: <count u8> (<len> field <len> <free u8> value <free bytes>)* <0xFF>
//   len: 1 byte (< 254) or 0xFE + u32 LE.
// The checks: at least 2 bytes, last byte 0xFF, every entry inside the blob
// (the first 0xFF where a field length belongs ends the map),
// at least one entry, and the count equal to the entries unless it is 254.
#ifndef TACHYON_CORE_ZIPLIST_H_
#define TACHYON_CORE_ZIPLIST_H_

#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

#include "core/listpack.h"

namespace tachyon {

// Validates a ziplist and returns its entries in order (strings point into
// zl). False if any check fails (*out is then unspecified).
bool ZiplistEntries(const unsigned char* zl, size_t size, std::vector<LpValue>* out);

// Validates a zipmap and returns its field/value pairs in order (pointing
// into zm). False if any check fails.
bool ZipmapEntries(const unsigned char* zm, size_t size,
                   std::vector<std::pair<std::string_view, std::string_view>>* out);

}  // namespace tachyon

#endif  // TACHYON_CORE_ZIPLIST_H_
