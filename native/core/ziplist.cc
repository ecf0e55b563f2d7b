// Ziplist and zipmap decoding with Redis's integrity checks (see ziplist.h).
#include "core/ziplist.h"

#include <cstdint>

#include "core/bytes.h"

namespace tachyon {
namespace {

constexpr size_t kZlHeader = 10;
constexpr unsigned char kZlEnd = 0xFF;
constexpr unsigned char kZlBigPrevlen = 0xFE;

// Decodes the entry at zl[pos]; false if malformed or not inside [0, end).
// *entry_size gets the whole entry size (prevlen, encoding and data).
bool DecodeZiplistEntry(const unsigned char* zl, size_t end, size_t pos, size_t* prevlen, size_t* entry_size,
                        LpValue* value) {
  size_t p = pos;
  if (p >= end) return false;
  if (zl[p] < kZlBigPrevlen) {
    *prevlen = zl[p];
    p += 1;
  } else if (zl[p] == kZlBigPrevlen) {
    if (end - p < 5) return false;
    *prevlen = ReadU32(zl + p + 1);
    p += 5;
  } else {
    return false;  // 0xFF where an entry should start
  }
  if (p >= end) return false;
  const unsigned char enc = zl[p];
  size_t header = 1, len = 0;
  bool is_string = true;
  int64_t ival = 0;
  if (enc < 0x40) {
    len = enc & 0x3F;
  } else if (enc < 0x80) {
    if (end - p < 2) return false;
    len = (static_cast<size_t>(enc & 0x3F) << 8) | zl[p + 1];
    header = 2;
  } else if (enc < 0xC0) {
    if (end - p < 5) return false;
    len = (static_cast<size_t>(zl[p + 1]) << 24) | (static_cast<size_t>(zl[p + 2]) << 16) |
          (static_cast<size_t>(zl[p + 3]) << 8) | zl[p + 4];
    header = 5;
  } else {
    is_string = false;
    switch (enc) {
      case 0xC0: len = 2; break;
      case 0xD0: len = 4; break;
      case 0xE0: len = 8; break;
      case 0xF0: len = 3; break;
      case 0xFE: len = 1; break;
      default:
        if (enc >= 0xF1 && enc <= 0xFD) {
          len = 0;
          ival = (enc & 0x0F) - 1;
        } else {
          return false;
        }
    }
  }
  if (end - p < header || end - p - header < len) return false;
  const unsigned char* data = zl + p + header;
  if (is_string) {
    value->str = data;
    value->len = static_cast<uint32_t>(len);
    value->ival = 0;
  } else {
    if (len > 0) {
      const uint64_t u = ReadLE(data, static_cast<int>(len));
      const int bits = static_cast<int>(len) * 8;
      ival = bits == 64 ? static_cast<int64_t>(u)
                        : static_cast<int64_t>(u << (64 - bits)) >> (64 - bits);  // sign-extend
    }
    value->str = nullptr;
    value->len = 0;
    value->ival = ival;
  }
  *entry_size = (p - pos) + header + len;
  return true;
}

}  // namespace

bool ZiplistEntries(const unsigned char* zl, size_t size, std::vector<LpValue>* out) {
  out->clear();
  if (size < kZlHeader + 1) return false;
  if (ReadU32(zl) != size) return false;
  if (zl[size - 1] != kZlEnd) return false;
  const size_t tail = ReadU32(zl + 4);
  if (tail > size - 1) return false;
  const size_t header_count = static_cast<size_t>(zl[8]) | (static_cast<size_t>(zl[9]) << 8);
  const size_t end = size - 1;  // entries must stay before the terminator
  size_t pos = kZlHeader, prev_size = 0, last = 0;
  bool any = false;
  while (pos < end) {
    size_t prevlen, entry_size;
    LpValue v;
    if (!DecodeZiplistEntry(zl, end, pos, &prevlen, &entry_size, &v)) return false;
    if (prevlen != prev_size) return false;
    out->push_back(v);
    prev_size = entry_size;
    last = pos;
    any = true;
    pos += entry_size;
  }
  if (pos != end) return false;
  if (any && last != tail) return false;
  if (header_count != 0xFFFF && out->size() != header_count) return false;
  return true;
}

namespace {

constexpr unsigned char kZmBigLen = 254;
constexpr unsigned char kZmEnd = 255;

// Reads a zipmap length at zm[*p] (advancing *p); false if it does not fit before `end`.
bool ReadZipmapLength(const unsigned char* zm, size_t end, size_t* p, size_t* len) {
  if (*p >= end) return false;
  if (zm[*p] < kZmBigLen) {
    *len = zm[*p];
    *p += 1;
    return true;
  }
  if (end - *p < 5) return false;
  *len = ReadU32(zm + *p + 1);
  *p += 5;
  return true;
}

}  // namespace

bool ZipmapEntries(const unsigned char* zm, size_t size,
                   std::vector<std::pair<std::string_view, std::string_view>>* out) {
  out->clear();
  if (size < 2 || zm[size - 1] != kZmEnd) return false;
  const size_t end = size - 1;
  size_t p = 1;
  auto view = [&](size_t at, size_t n) { return std::string_view(reinterpret_cast<const char*>(zm + at), n); };
  while (p < end && zm[p] != kZmEnd) {
    size_t flen, vlen;
    if (!ReadZipmapLength(zm, end, &p, &flen) || end - p < flen) return false;
    const size_t field_at = p;
    p += flen;
    if (!ReadZipmapLength(zm, end, &p, &vlen) || p >= end) return false;
    const size_t free_bytes = zm[p++];
    if (end - p < vlen || end - p - vlen < free_bytes) return false;
    out->emplace_back(view(field_at, flen), view(p, vlen));
    p += vlen + free_bytes;
  }
  // Like Redis, the first 0xFF where a field length belongs ends the map.
  if (out->empty()) return false;
  if (zm[0] != kZmBigLen && zm[0] != out->size()) return false;
  return true;
}

}  // namespace tachyon
