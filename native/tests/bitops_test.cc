// Bit operations against bit-by-bit reference implementations, and the
// BITFIELD overflow rules on Redis's documented examples and edge values.
#include "core/bitops.h"

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "tests/check.h"

using namespace tachyon;
using bitops::Overflow;

namespace {

int Bit(const std::vector<uint8_t>& v, uint64_t i) { return (v[i >> 3] >> (7 - (i & 7))) & 1; }

}  // namespace

TEST(PopcountAndFindFirstMatchBitByBit) {
  std::mt19937 rng(3);
  for (int round = 0; round < 2000; round++) {
    size_t n = rng() % 80;
    std::vector<uint8_t> v(n);
    int mode = rng() % 3;
    for (auto& b : v) b = mode == 0 ? rng() : mode == 1 ? (rng() % 8 ? 0 : rng()) : (rng() % 8 ? 0xff : rng());
    uint64_t ones = 0;
    int64_t first1 = -1, first0 = -1;
    for (uint64_t i = 0; i < n * 8; i++) {
      ones += Bit(v, i);
      if (first1 < 0 && Bit(v, i)) first1 = static_cast<int64_t>(i);
      if (first0 < 0 && !Bit(v, i)) first0 = static_cast<int64_t>(i);
    }
    if (first0 < 0) first0 = static_cast<int64_t>(n * 8);  // zero padded on the right
    CHECK_EQ(bitops::Popcount(v.data(), n), ones);
    CHECK_EQ(bitops::FindFirst(v.data(), n, 1), first1);
    CHECK_EQ(bitops::FindFirst(v.data(), n, 0), first0);
  }
}

TEST(BitfieldGetSetRoundTrip) {
  std::mt19937_64 rng(5);
  std::vector<uint8_t> v(40, 0);
  for (int round = 0; round < 5000; round++) {
    int bits = 1 + static_cast<int>(rng() % 64);
    uint64_t off = rng() % (40 * 8 - bits);
    uint64_t value = rng();
    std::vector<uint8_t> before = v;
    bitops::SetUnsigned(v.data(), off, bits, value);
    uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
    CHECK_EQ(bitops::GetUnsigned(v.data(), off, bits), value & mask);
    // Bits outside the field are untouched.
    for (uint64_t i = 0; i < 320; i++) {
      if (i < off || i >= off + bits) CHECK_EQ(Bit(v, i), Bit(before, i));
    }
    int64_t s = bitops::GetSigned(v.data(), off, bits);
    int64_t expect = bits == 64 ? static_cast<int64_t>(value)
                                : static_cast<int64_t>((value & mask) ^ (1ULL << (bits - 1))) - (1LL << (bits - 1));
    CHECK_EQ(s, expect);
  }
  // Redis's example: u5 = 23 at offset 7 of zero bytes.
  std::vector<uint8_t> w(2, 0);
  bitops::SetUnsigned(w.data(), 7, 5, 23);
  CHECK_EQ(w[0], 0x01);
  CHECK_EQ(w[1], 0x70);
}

TEST(OverflowRules) {
  uint64_t u;
  int64_t s;
  // unsigned
  CHECK_EQ(bitops::CheckUnsignedOverflow(250, 10, 8, Overflow::kWrap, &u), 1);
  CHECK_EQ(u, 4u);
  CHECK_EQ(bitops::CheckUnsignedOverflow(250, 10, 8, Overflow::kSat, &u), 1);
  CHECK_EQ(u, 255u);
  CHECK_EQ(bitops::CheckUnsignedOverflow(5, -10, 8, Overflow::kSat, &u), -1);
  CHECK_EQ(u, 0u);
  CHECK_EQ(bitops::CheckUnsignedOverflow(5, -10, 8, Overflow::kWrap, &u), 1);
  CHECK_EQ(u, 251u);
  CHECK_EQ(bitops::CheckUnsignedOverflow(5, -5, 8, Overflow::kFail, &u), 0);
  // a negative SET value is a huge unsigned one: saturates to the maximum
  CHECK_EQ(bitops::CheckUnsignedOverflow(static_cast<uint64_t>(-1), 0, 8, Overflow::kSat, &u), 1);
  CHECK_EQ(u, 255u);
  CHECK_EQ(bitops::CheckUnsignedOverflow(static_cast<uint64_t>(-1), 0, 8, Overflow::kWrap, &u), 1);
  CHECK_EQ(u, 255u);
  CHECK_EQ(bitops::CheckUnsignedOverflow(1ULL << 62, 1LL << 62, 63, Overflow::kFail, &u), 1);
  // signed
  CHECK_EQ(bitops::CheckSignedOverflow(100, 100, 8, Overflow::kWrap, &s), 1);
  CHECK_EQ(s, -56);
  CHECK_EQ(bitops::CheckSignedOverflow(100, 100, 8, Overflow::kSat, &s), 1);
  CHECK_EQ(s, 127);
  CHECK_EQ(bitops::CheckSignedOverflow(-100, -100, 8, Overflow::kSat, &s), -1);
  CHECK_EQ(s, -128);
  CHECK_EQ(bitops::CheckSignedOverflow(-100, -100, 8, Overflow::kWrap, &s), 1);
  CHECK_EQ(s, 56);
  CHECK_EQ(bitops::CheckSignedOverflow(INT64_MAX, 1, 64, Overflow::kWrap, &s), 1);
  CHECK_EQ(s, INT64_MIN);
  CHECK_EQ(bitops::CheckSignedOverflow(INT64_MIN, -1, 64, Overflow::kSat, &s), -1);
  CHECK_EQ(s, INT64_MIN);
  CHECK_EQ(bitops::CheckSignedOverflow(-1, INT64_MIN, 64, Overflow::kFail, &s), -1);
  CHECK_EQ(bitops::CheckSignedOverflow(0, INT64_MIN, 64, Overflow::kFail, &s), 0);
  CHECK_EQ(bitops::CheckSignedOverflow(200, 0, 8, Overflow::kWrap, &s), 1);
  CHECK_EQ(s, -56);
  CHECK_EQ(bitops::CheckSignedOverflow(-1, 0, 1, Overflow::kFail, &s), 0);
  CHECK_EQ(bitops::CheckSignedOverflow(1, 0, 1, Overflow::kSat, &s), 1);
  CHECK_EQ(s, 0);
}

TEST(CombineMatchesByteByByte) {
  std::mt19937 rng(9);
  for (int round = 0; round < 500; round++) {
    size_t count = 1 + rng() % 5;
    std::vector<std::string> srcs(count);
    size_t maxlen = 0;
    for (auto& s : srcs) {
      s.resize(rng() % 70);
      for (auto& c : s) c = static_cast<char>(rng());
      maxlen = std::max(maxlen, s.size());
    }
    std::vector<std::string_view> views(srcs.begin(), srcs.end());
    for (int op = 0; op < 4; op++) {
      size_t n = op == 3 ? 1 : count;
      std::vector<uint8_t> out(maxlen + 1, 0xee);
      size_t len = 0;
      for (size_t k = 0; k < n; k++) len = std::max(len, views[k].size());
      bitops::Combine(static_cast<bitops::BitOp>(op), views.data(), n, len, out.data());
      for (size_t j = 0; j < len; j++) {
        auto at = [&](size_t k) -> uint8_t { return j < views[k].size() ? static_cast<uint8_t>(views[k][j]) : 0; };
        uint8_t e = at(0);
        if (op == 3) e = static_cast<uint8_t>(~e);
        for (size_t k = 1; k < n; k++) e = op == 0 ? (e & at(k)) : op == 1 ? (e | at(k)) : (e ^ at(k));
        CHECK_EQ(static_cast<int>(out[j]), static_cast<int>(e));
      }
      CHECK_EQ(static_cast<int>(out[len]), 0xee);  // nothing written past the result
    }
  }
}

int main(int argc, char** argv) { return tachyon::test::RunAll(argc, argv); }
