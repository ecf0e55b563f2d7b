// The byte codecs under RDB and DUMP: CRC64 (known vectors, chaining, a
// bitwise reference), LZF (Redis's exact output for known inputs, round trips,
// truncated and corrupt streams refused without reading or writing out of
// bounds), and the legacy ziplist / zipmap decoders (real blobs from RDB
// files written by Redis 5 and 2.x, and every corruption the checks must catch).
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/crc64.h"
#include "core/lzf.h"
#include "core/ziplist.h"
#include "tests/check.h"

using namespace tachyon;

namespace {

std::string Unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::string Hex(const unsigned char* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; i++) {
    out += d[p[i] >> 4];
    out += d[p[i] & 15];
  }
  return out;
}

const unsigned char* U(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// Bit-at-a-time CRC-64/Jones, the definition the table version must match.
uint64_t ReferenceCrc64(uint64_t crc, const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int b = 0; b < 8; b++) crc = (crc & 1) ? (crc >> 1) ^ 0x95ac9329ac4bc9b5ULL : crc >> 1;
  }
  return crc;
}

std::string Compress(const std::string& in, size_t out_len) {
  std::vector<unsigned char> out(out_len + 1);
  size_t n = LzfCompress(U(in), in.size(), out.data(), out_len);
  return n ? std::string(reinterpret_cast<char*>(out.data()), n) : std::string();
}

}  // namespace

TEST(Crc64KnownVectors) {
  CHECK_EQ(Crc64(0, U(std::string("123456789")), 9), 0xe9c6d914c4b8d9caULL);
  CHECK_EQ(Crc64(0, nullptr, 0), 0ULL);
  // Redis's own test vector (crc64.c).
  const std::string li =
      "This is a test of the emergency broadcast system.";
  CHECK_EQ(Crc64(0, U(li), li.size()), ReferenceCrc64(0, U(li), li.size()));
}

TEST(Crc64MatchesReferenceAndChains) {
  std::mt19937_64 rng(7);
  std::string data(10000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t len : {0, 1, 7, 8, 9, 15, 16, 63, 64, 65, 1000, 9999}) {
    CHECK_EQ(Crc64(0, U(data), len), ReferenceCrc64(0, U(data), len));
  }
  const uint64_t whole = Crc64(0, U(data), data.size());
  for (size_t cut : {1, 3, 8, 100, 4097}) {
    CHECK_EQ(Crc64(Crc64(0, U(data), cut), U(data) + cut, data.size() - cut), whole);
  }
}

TEST(LzfProducesRedisBytes) {
  // From DUMP of SET str "hello world hello world hello world" on redis-server 7.0.15.
  CHECK_EQ(Hex(U(Compress("hello world hello world hello world", 31)), 20),
           std::string("0c68656c6c6f20776f726c642068e00b0b016c64"));
  // A quicklist node's listpack from a DUMP payload (30 x 'c' compresses to a back reference).
  const std::string lp = Unhex("2f00000004008161028162020c019e") + std::string(30, 'c') + Unhex("1fff");
  CHECK_EQ(Hex(U(Compress(lp, lp.size() - 4)), 23), std::string("0f2f00000004008161028162020c019e63e01400011fff"));
}

TEST(LzfRoundTrips) {
  std::mt19937 rng(11);
  for (int round = 0; round < 300; round++) {
    const size_t n = 1 + rng() % (round % 10 == 0 ? 100000 : 2000);
    std::string in(n, '\0');
    const int kind = round % 4;
    for (size_t i = 0; i < n; i++) {
      in[i] = kind == 0 ? static_cast<char>(rng()) : kind == 1 ? "abcab"[rng() % 5] : kind == 2 ? 'z' : static_cast<char>('0' + i % 13);
    }
    std::vector<unsigned char> out(n + 64);
    const size_t c = LzfCompress(U(in), n, out.data(), n + 32);
    if (c == 0) {
      CHECK(kind == 0 || n < 4);
      continue;
    }
    std::string back(n, '\0');
    CHECK_EQ(LzfDecompress(out.data(), c, reinterpret_cast<unsigned char*>(back.data()), n), n);
    CHECK(back == in);
    // One byte short of room: refused, never overrun.
    std::string small(n - 1 ? n - 1 : 1, '\0');
    if (n > 1) CHECK_EQ(LzfDecompress(out.data(), c, reinterpret_cast<unsigned char*>(small.data()), n - 1), size_t{0});
    // Every truncation decodes to something shorter or fails, within bounds.
    for (size_t cut = 0; cut < c && cut < 40; cut++) {
      std::string part(n, '\0');
      CHECK(LzfDecompress(out.data(), cut, reinterpret_cast<unsigned char*>(part.data()), n) < n);
    }
  }
}

TEST(LzfRejectsCorruptStreams) {
  std::string out(100, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  // A back reference before the start of the output.
  CHECK_EQ(LzfDecompress(U(Unhex("20 00")), 2, o, 100), size_t{0});
  CHECK_EQ(LzfDecompress(U(Unhex("0061e0ff05")), 5, o, 100), size_t{0});
  // A literal run longer than the input.
  CHECK_EQ(LzfDecompress(U(Unhex("1f6162")), 3, o, 100), size_t{0});
  // A long back reference cut after its length byte.
  CHECK_EQ(LzfDecompress(U(Unhex("0061e0")), 3, o, 100), size_t{0});
  // Random garbage never crashes.
  std::mt19937 rng(3);
  for (int i = 0; i < 2000; i++) {
    std::string junk(1 + rng() % 64, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    LzfDecompress(U(junk), junk.size(), o, 1 + rng() % 100);
  }
}

TEST(ZiplistDecodesRedisBlob) {
  // The hash of hash-ziplist.rdb (RDB 9): f1 v1 f2 v2.
  const std::string zl = Unhex("1b0000001600000004000002663104027631040266320402763" "2ff");
  std::vector<LpValue> v;
  CHECK(ZiplistEntries(U(zl), zl.size(), &v));
  CHECK_EQ(v.size(), size_t{4});
  if (v.size() == 4) {
    CHECK(v[0].sv() == "f1");
    CHECK(v[3].sv() == "v2");
  }
}

TEST(ZiplistIntegersAndBigEntries) {
  // Built by hand: int16 -2, int24 100000, int8 -1, immediate 12, int64, int32, and a 300-byte string.
  std::string zl(10, '\0');
  std::vector<size_t> starts;
  size_t prev = 0;
  auto add = [&](const std::string& enc_and_data) {
    starts.push_back(zl.size());
    std::string e;
    if (prev < 254) {
      e.push_back(static_cast<char>(prev));
    } else {
      e.push_back('\xfe');
      for (int i = 0; i < 4; i++) e.push_back(static_cast<char>(prev >> (8 * i)));
    }
    e += enc_and_data;
    zl += e;
    prev = e.size();
  };
  add(Unhex("c0feff"));
  add(Unhex("f0a08601"));
  add(Unhex("feff"));
  add(Unhex("fd"));
  add(Unhex("e0") + std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  add(Unhex("d000000080"));
  add(std::string("\x41\x2c", 2) + std::string(300, 'q'));
  add(Unhex("01") + "z");
  zl.push_back('\xff');
  auto put32 = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; i++) zl[at + i] = static_cast<char>(v >> (8 * i));
  };
  put32(0, static_cast<uint32_t>(zl.size()));
  put32(4, static_cast<uint32_t>(starts.back()));
  zl[8] = 8;
  zl[9] = 0;
  std::vector<LpValue> v;
  CHECK(ZiplistEntries(U(zl), zl.size(), &v));
  CHECK_EQ(v.size(), size_t{8});
  if (v.size() == 8) {
    CHECK_EQ(v[0].ival, int64_t{-2});
    CHECK_EQ(v[1].ival, int64_t{100000});
    CHECK_EQ(v[2].ival, int64_t{-1});
    CHECK_EQ(v[3].ival, int64_t{12});
    CHECK_EQ(v[4].ival, int64_t{0x0807060504030201});
    CHECK_EQ(v[5].ival, int64_t{-2147483648LL});
    CHECK_EQ(v[6].len, uint32_t{300});
    CHECK(v[7].sv() == "z");
  }
  // Every single-byte change and every truncation is either refused or still
  // decodes without reading outside the blob (ASan watches).
  for (size_t i = 0; i < zl.size(); i++) {
    std::string bad = zl;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    ZiplistEntries(U(bad), bad.size(), &v);
    std::string cut = zl.substr(0, i);
    CHECK(!ZiplistEntries(U(cut), cut.size(), &v));
  }
  // A wrong count, tail or prevlen is refused.
  std::string bad = zl;
  bad[8] = 7;
  CHECK(!ZiplistEntries(U(bad), bad.size(), &v));
  bad = zl;
  bad[4] = static_cast<char>(bad[4] + 1);
  CHECK(!ZiplistEntries(U(bad), bad.size(), &v));
  bad = zl;
  bad[starts[1]] = static_cast<char>(bad[starts[1]] + 1);
  CHECK(!ZiplistEntries(U(bad), bad.size(), &v));
  // 65535 in zllen means "count them".
  bad = zl;
  bad[8] = bad[9] = '\xff';
  CHECK(ZiplistEntries(U(bad), bad.size(), &v));
}

TEST(ZipmapDecodes) {
  // The hash of hash-zipmap.rdb (RDB 3): f1 v1 f2 v2.
  const std::string zm = Unhex("020266310200763102663202007632ff");
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  CHECK(ZipmapEntries(U(zm), zm.size(), &pairs));
  CHECK_EQ(pairs.size(), size_t{2});
  if (pairs.size() == 2) {
    CHECK(pairs[1].first == "f2");
    CHECK(pairs[1].second == "v2");
  }
  // Free bytes after a value, and 254 as "unknown count".
  const std::string with_free = Unhex("fe0266310203763178787802663202007632ff");
  CHECK(ZipmapEntries(U(with_free), with_free.size(), &pairs));
  CHECK(pairs.size() == 2 && pairs[0].second == "v1");
  // Empty, wrong count, truncations: refused.
  CHECK(!ZipmapEntries(U(Unhex("00ff")), 2, &pairs));
  const std::string wrong = Unhex("030266310200763102663202007632ff");
  CHECK(!ZipmapEntries(U(wrong), wrong.size(), &pairs));
  for (size_t i = 0; i + 1 < zm.size(); i++) {
    std::string cut = zm.substr(0, i) + "\xff";
    ZipmapEntries(U(cut), cut.size(), &pairs);  // no out-of-bounds read whatever it says
  }
}

int main(int argc, char** argv) { return test::RunAll(argc, argv); }
