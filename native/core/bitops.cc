// Bit operations on byte strings. See bitops.h.
#include "core/bitops.h"

#include <cstring>

namespace tachyon {
namespace bitops {

namespace {

uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

// Bits set in a word without the POPCNT instruction.
inline uint64_t SwarPopcount(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return (x * 0x0101010101010101ULL) >> 56;
}

uint64_t PopcountSwar(const uint8_t* p, size_t n) {
  uint64_t bits = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) bits += SwarPopcount(Load64(p + i));
  for (; i < n; i++) bits += SwarPopcount(p[i]);
  return bits;
}

#if defined(__x86_64__) && defined(__GNUC__)
// The same with POPCNT, for the CPUs that have it (nearly all x86-64 ones);
// the default x86-64 target does not assume it.
__attribute__((target("popcnt"))) uint64_t PopcountHardware(const uint8_t* p, size_t n) {
  uint64_t b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    b0 += __builtin_popcountll(Load64(p + i));
    b1 += __builtin_popcountll(Load64(p + i + 8));
    b2 += __builtin_popcountll(Load64(p + i + 16));
    b3 += __builtin_popcountll(Load64(p + i + 24));
  }
  for (; i + 8 <= n; i += 8) b0 += __builtin_popcountll(Load64(p + i));
  for (; i < n; i++) b0 += __builtin_popcount(p[i]);
  return b0 + b1 + b2 + b3;
}
#endif

}  // namespace

uint64_t Popcount(const uint8_t* p, size_t n) {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool hardware = __builtin_cpu_supports("popcnt");
  if (hardware) return PopcountHardware(p, n);
#endif
  return PopcountSwar(p, n);
}

int64_t FindFirst(const uint8_t* p, size_t n, int bit) {
  // Bytes that hold no candidate: all zeros when looking for a 1, all ones for a 0.
  const uint8_t skip = bit ? 0 : 0xff;
  const uint64_t skip_word = bit ? 0 : ~0ULL;
  size_t i = 0;
  while (i + 8 <= n && Load64(p + i) == skip_word) i += 8;
  while (i < n && p[i] == skip) i++;
  if (i == n) return bit ? -1 : static_cast<int64_t>(n) * 8;
  unsigned byte = bit ? p[i] : static_cast<uint8_t>(~p[i]);
  // The first candidate is the highest set bit of `byte`.
  return static_cast<int64_t>(i) * 8 + (__builtin_clz(byte) - 24);
}

uint64_t GetUnsigned(const uint8_t* p, uint64_t offset, int bits) {
  uint64_t value = 0;
  for (int j = 0; j < bits; j++, offset++) {
    uint64_t bitval = (p[offset >> 3] >> (7 - (offset & 7))) & 1;
    value = (value << 1) | bitval;
  }
  return value;
}

int64_t GetSigned(const uint8_t* p, uint64_t offset, int bits) {
  uint64_t u = GetUnsigned(p, offset, bits);
  // Two's complement: a set top bit extends to every higher bit.
  if (bits < 64 && (u & (1ULL << (bits - 1)))) u |= ~0ULL << bits;
  return static_cast<int64_t>(u);
}

void SetUnsigned(uint8_t* p, uint64_t offset, int bits, uint64_t value) {
  for (int j = 0; j < bits; j++, offset++) {
    unsigned bitval = (value >> (bits - 1 - j)) & 1;
    unsigned shift = 7 - (offset & 7);
    uint8_t& byte = p[offset >> 3];
    byte = static_cast<uint8_t>((byte & ~(1u << shift)) | (bitval << shift));
  }
}

int CheckUnsignedOverflow(uint64_t value, int64_t incr, int bits, Overflow mode, uint64_t* limit) {
  const uint64_t max = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
  const int64_t maxincr = static_cast<int64_t>(max - value);
  const int64_t minincr = static_cast<int64_t>(0 - value);
  int result;
  if (value > max || (incr > 0 && incr > maxincr)) {
    result = 1;
  } else if (incr < 0 && incr < minincr) {
    result = -1;
  } else {
    return 0;
  }
  if (limit) {
    if (mode == Overflow::kWrap) {
      // Wrapping reports 1 for both directions, as Redis does.
      const uint64_t sum = value + static_cast<uint64_t>(incr);
      *limit = bits == 64 ? sum : sum & ((1ULL << bits) - 1);
      return 1;
    }
    if (mode == Overflow::kSat) *limit = result > 0 ? max : 0;
  }
  return result;
}

int CheckSignedOverflow(int64_t value, int64_t incr, int bits, Overflow mode, int64_t* limit) {
  const int64_t max = bits == 64 ? INT64_MAX : static_cast<int64_t>((1ULL << (bits - 1)) - 1);
  const int64_t min = -max - 1;
  // Only used once value is known to be in range; computed with wrapping
  // arithmetic so the out-of-range cases are defined too.
  const int64_t maxincr = static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(value));
  const int64_t minincr = static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(value));
  int result;
  if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr)) {
    result = 1;
  } else if (value < min || (bits != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr)) {
    result = -1;
  } else {
    return 0;
  }
  if (limit) {
    if (mode == Overflow::kWrap) {
      uint64_t c = static_cast<uint64_t>(value) + static_cast<uint64_t>(incr);
      if (bits < 64) {
        const uint64_t mask = ~0ULL << bits;
        c = (c & (1ULL << (bits - 1))) ? (c | mask) : (c & ~mask);
      }
      *limit = static_cast<int64_t>(c);
      return 1;
    }
    if (mode == Overflow::kSat) *limit = result > 0 ? max : min;
  }
  return result;
}

void Combine(BitOp op, const std::string_view* sources, size_t count, size_t maxlen, uint8_t* out) {
  auto byte_at = [&](size_t k, size_t j) -> uint8_t {
    return j < sources[k].size() ? static_cast<uint8_t>(sources[k][j]) : 0;
  };
  size_t minlen = maxlen;
  for (size_t k = 0; k < count; k++) minlen = sources[k].size() < minlen ? sources[k].size() : minlen;

  // While every source has data, work a word at a time.
  size_t j = 0;
  for (; j + 8 <= minlen; j += 8) {
    uint64_t w = Load64(reinterpret_cast<const uint8_t*>(sources[0].data()) + j);
    for (size_t k = 1; k < count; k++) {
      uint64_t s = Load64(reinterpret_cast<const uint8_t*>(sources[k].data()) + j);
      if (op == BitOp::kAnd) {
        w &= s;
      } else if (op == BitOp::kOr) {
        w |= s;
      } else {
        w ^= s;
      }
    }
    if (op == BitOp::kNot) w = ~w;
    memcpy(out + j, &w, sizeof w);
  }
  for (; j < maxlen; j++) {
    uint8_t b = byte_at(0, j);
    if (op == BitOp::kNot) b = static_cast<uint8_t>(~b);
    for (size_t k = 1; k < count; k++) {
      uint8_t s = byte_at(k, j);
      if (op == BitOp::kAnd) {
        b &= s;
      } else if (op == BitOp::kOr) {
        b |= s;
      } else {
        b ^= s;
      }
    }
    out[j] = b;
  }
}

}  // namespace bitops
}  // namespace tachyon
