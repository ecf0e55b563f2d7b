// Seeded 64-bit hash for short keys (keyspace, hash/set fields, command names).
//
// Design: a multiply-mix hash in the style of wyhash/rapidhash, written from
// the published idea rather than from any implementation:
//   * the primitive is Mix(a, b) = lo64(a*b) ^ hi64(a*b) on the full 128-bit
//     product, which diffuses every input bit into most output bits;
//   * keys <= 16 bytes are read as two (possibly overlapping) 64-bit words and
//     finished with two multiplies -- no loop, no branch on each byte;
//   * longer keys are consumed 16 bytes per Mix (three independent lanes of 48
//     bytes when long, for instruction-level parallelism), then the last 16
//     bytes (overlapping) are finished like a short key.
//
// Seeding / DoS resistance: SetHashSeed() (call once at startup, before any
// table is built, with 16 random bytes) derives the seed word *and* the four
// mixing secrets from the seed. Public multiply-mix hashes with fixed secrets
// have seed-independent collisions (an input word equal to a secret zeroes a
// product and wipes the state); with secret, seed-derived constants an
// attacker cannot aim for that. This is not a proven PRF like SipHash, but it
// keeps the "attacker cannot precompute colliding keys" property that Redis
// relies on SipHash-1-2 for, at several times the speed.
//
// HashBytesNoCase(p, n) == HashBytes(ascii_lower(p), n): bytes are lowered
// word-at-a-time (SWAR) as they are loaded, so it costs only a few ALU ops.
//
// Hash values depend on the seed and byte order: never persist them.
// Not thread-safe against a concurrent SetHashSeed(); hashing itself is.
#ifndef TACHYON_CORE_HASH_H_
#define TACHYON_CORE_HASH_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace tachyon {

namespace hash_internal {

struct State {
  uint64_t seed;
  uint64_t secret[4];
};

// Full 64x64 -> 128-bit product. The portable version is always compiled so
// the unit tests can check it against the __uint128_t one.
constexpr void Mul128Portable(uint64_t a, uint64_t b, uint64_t* lo, uint64_t* hi) {
  const uint64_t al = a & 0xffffffffu, ah = a >> 32;
  const uint64_t bl = b & 0xffffffffu, bh = b >> 32;
  const uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
  const uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
  *lo = (ll & 0xffffffffu) | (mid << 32);
  *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

constexpr void Mul128(uint64_t a, uint64_t b, uint64_t* lo, uint64_t* hi) {
#if defined(__SIZEOF_INT128__)
  const __uint128_t r = static_cast<__uint128_t>(a) * b;
  *lo = static_cast<uint64_t>(r);
  *hi = static_cast<uint64_t>(r >> 64);
#else
  Mul128Portable(a, b, lo, hi);
#endif
}

// The mixing primitive: fold the 128-bit product into 64 bits.
inline uint64_t Mix(uint64_t a, uint64_t b) {
  uint64_t lo, hi;
  Mul128(a, b, &lo, &hi);
  return lo ^ hi;
}

constexpr int PopCount(uint64_t x) {
  int n = 0;
  for (; x; x &= x - 1) ++n;
  return n;
}

constexpr uint64_t SplitMix64(uint64_t* x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Expand a 128-bit seed into the seed word and four secrets. The secrets are
// odd with a balanced bit count (28..36 of 64 set) so multiplies mix well.
constexpr State DeriveState(uint64_t k0, uint64_t k1) {
  State st{};
  uint64_t x = k0 ^ SplitMix64(&k1);
  for (uint64_t& sec : st.secret) {
    do {
      sec = SplitMix64(&x) | 1;
    } while (PopCount(sec) < 28 || PopCount(sec) > 36);
  }
  uint64_t lo = 0, hi = 0;
  Mul128(k0 ^ st.secret[0], k1 ^ st.secret[1], &lo, &hi);
  st.seed = lo ^ hi ^ k0;
  return st;
}

// Process-wide state. Constant-initialized from a fixed default seed (digits
// of pi) so hashing works before SetHashSeed; the server replaces it at
// startup with a random seed.
constexpr State kDefaultState = DeriveState(0x243f6a8885a308d3ull, 0x13198a2e03707344ull);
inline State g_state = kDefaultState;

// ASCII lowercase of every byte of a word: bytes in 'A'..'Z' get bit 0x20.
// All per-byte sums stay below 0x100, so no carries cross byte lanes.
inline uint64_t LowerWord(uint64_t x) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  const uint64_t b7 = x & (0x7f * kOnes);
  const uint64_t ge_a = b7 + (0x80 - 'A') * kOnes;      // bit7 set iff b >= 'A'
  const uint64_t gt_z = b7 + (0x80 - 'Z' - 1) * kOnes;  // bit7 set iff b > 'Z'
  const uint64_t upper = ge_a & ~gt_z & ~x & (0x80 * kOnes);
  return x | (upper >> 2);
}

template <bool kNoCase>
inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return kNoCase ? LowerWord(v) : v;
}

template <bool kNoCase>
inline uint64_t Load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return kNoCase ? LowerWord(v) : v;  // high half is zero, stays zero
}

// 1..3 bytes: first, middle and last byte (together they cover all of them).
template <bool kNoCase>
inline uint64_t Load1To3(const uint8_t* p, size_t n) {
  uint64_t v = (uint64_t{p[0]} << 16) | (uint64_t{p[n >> 1]} << 8) | p[n - 1];
  return kNoCase ? LowerWord(v) : v;
}

template <bool kNoCase>
inline uint64_t Hash(const void* data, size_t len) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  const State& s = g_state;
  uint64_t seed = s.seed;
  uint64_t a, b;
  if (len <= 16) {
    if (len >= 4) {
      // 4..7: both halves of each word read the same 4 bytes; 8..16: the two
      // words cover [0,8) and [len-8,len), possibly overlapping.
      const size_t d = (len >> 3) << 2;
      a = (Load32<kNoCase>(p) << 32) | Load32<kNoCase>(p + d);
      b = (Load32<kNoCase>(p + len - 4) << 32) | Load32<kNoCase>(p + len - 4 - d);
    } else if (len > 0) {
      a = Load1To3<kNoCase>(p, len);
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    size_t i = len;
    if (i > 48) {
      uint64_t lane1 = seed, lane2 = seed;
      do {
        seed = Mix(Load64<kNoCase>(p) ^ s.secret[1], Load64<kNoCase>(p + 8) ^ seed);
        lane1 = Mix(Load64<kNoCase>(p + 16) ^ s.secret[2], Load64<kNoCase>(p + 24) ^ lane1);
        lane2 = Mix(Load64<kNoCase>(p + 32) ^ s.secret[3], Load64<kNoCase>(p + 40) ^ lane2);
        p += 48;
        i -= 48;
      } while (i > 48);
      seed ^= lane1 ^ lane2;
    }
    while (i > 16) {
      seed = Mix(Load64<kNoCase>(p) ^ s.secret[1], Load64<kNoCase>(p + 8) ^ seed);
      p += 16;
      i -= 16;
    }
    // Last 16 bytes of the key (may overlap bytes already consumed).
    a = Load64<kNoCase>(p + i - 16);
    b = Load64<kNoCase>(p + i - 8);
  }
  // Finish: one full multiply of the two words (keyed), then fold in length.
  a ^= s.secret[1];
  b ^= seed;
  Mul128(a, b, &a, &b);
  return Mix(a ^ s.secret[0] ^ len, b ^ s.secret[1]);
}

}  // namespace hash_internal

// Hash `len` bytes with the process-wide seed.
inline uint64_t HashBytes(const void* data, size_t len) {
  return hash_internal::Hash<false>(data, len);
}

// Same as HashBytes over the ASCII-lowercased bytes (for case-insensitive
// tables such as the command table).
inline uint64_t HashBytesNoCase(const void* data, size_t len) {
  return hash_internal::Hash<true>(data, len);
}

// Install a new seed: call once at startup with 16 random bytes, before any
// hash table is populated (existing tables would hold stale hashes).
inline void SetHashSeed(const uint8_t seed[16]) {
  uint64_t k0, k1;
  std::memcpy(&k0, seed, 8);
  std::memcpy(&k1, seed + 8, 8);
  hash_internal::g_state = hash_internal::DeriveState(k0, k1);
}

}  // namespace tachyon

#endif  // TACHYON_CORE_HASH_H_
