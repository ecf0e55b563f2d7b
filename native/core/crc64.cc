// CRC-64/Jones, one table lookup per byte (see crc64.h).
#include "core/crc64.h"

namespace tachyon {

namespace {

// The reflected form of 0xad93d23594c935a9.
constexpr uint64_t kPolyReflected = 0x95ac9329ac4bc9b5ULL;

struct Table {
  uint64_t v[256];
  Table() {
    for (int i = 0; i < 256; i++) {
      uint64_t crc = static_cast<uint64_t>(i);
      for (int k = 0; k < 8; k++) crc = (crc & 1) ? (crc >> 1) ^ kPolyReflected : crc >> 1;
      v[i] = crc;
    }
  }
};

}  // namespace

uint64_t Crc64(uint64_t crc, const unsigned char* s, uint64_t l) {
  static const Table table;
  for (uint64_t i = 0; i < l; i++) crc = table.v[(crc ^ s[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

}  // namespace tachyon
