// CRC-64/Jones (see crc64.h), slicing by eight bytes.
#include "core/crc64.h"

#include <cstring>

namespace tachyon {
namespace {

constexpr uint64_t kReflectedPoly = 0x95ac9329ac4bc9b5ULL;

// table[k][b]: the CRC of byte b followed by k zero bytes.
struct Crc64Tables {
  uint64_t t[8][256];
  Crc64Tables() {
    for (int b = 0; b < 256; b++) {
      uint64_t c = static_cast<uint64_t>(b);
      for (int i = 0; i < 8; i++) c = (c & 1) ? (c >> 1) ^ kReflectedPoly : c >> 1;
      t[0][b] = c;
    }
    for (int b = 0; b < 256; b++) {
      for (int k = 1; k < 8; k++) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
    }
  }
};

const Crc64Tables& Tables() {
  static const Crc64Tables tables;
  return tables;
}

}  // namespace

uint64_t Crc64(uint64_t crc, const unsigned char* s, uint64_t l) {
  const Crc64Tables& tb = Tables();
  while (l >= 8) {
    uint64_t word;
    memcpy(&word, s, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    word = __builtin_bswap64(word);
#endif
    crc ^= word;
    crc = tb.t[7][crc & 0xff] ^ tb.t[6][(crc >> 8) & 0xff] ^ tb.t[5][(crc >> 16) & 0xff] ^
          tb.t[4][(crc >> 24) & 0xff] ^ tb.t[3][(crc >> 32) & 0xff] ^ tb.t[2][(crc >> 40) & 0xff] ^
          tb.t[1][(crc >> 48) & 0xff] ^ tb.t[0][crc >> 56];
    s += 8;
    l -= 8;
  }
  while (l--) crc = tb.t[0][(crc ^ *s++) & 0xff] ^ (crc >> 8);
  return crc;
}

}  // namespace tachyon
