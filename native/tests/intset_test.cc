// IntSet: exact bytes (from DUMP payloads of redis-server 7.0.15), upgrades,
// randomized operations against std::set, and corrupt-input validation.
#include "core/intset.h"

#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/check.h"

using namespace tachyon;

namespace {

std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

std::string HexOf(const std::vector<int64_t>& v) {
  IntSet is;
  for (int64_t x : v) is.Add(x);
  return Hex(is.view());
}

}  // namespace

TEST(RedisIntsetVectors) {
  // SADD S <values>; DUMP S (RDB_TYPE_SET_INTSET payload) on 7.0.15.
  CHECK_EQ(HexOf({5, -3, 100}), "0200000003000000fdff05006400");
  CHECK_EQ(HexOf({1, 2, -70000}), "040000000300000090eefeff0100000002000000");
  CHECK_EQ(HexOf({1099511627776LL, -1, 0}),
           "0800000003000000ffffffffffffffff00000000000000000000000000010000");
  CHECK_EQ(HexOf({32767, -32768}), "02000000020000000080ff7f");
  CHECK_EQ(HexOf({32768}), "040000000100000000800000");
  IntSet empty;
  CHECK_EQ(Hex(empty.view()), "0200000000000000");
}

TEST(EncodingUpgrades) {
  CHECK_EQ(IntSet::ValueEncoding(0), IntSet::kEnc16);
  CHECK_EQ(IntSet::ValueEncoding(-32768), IntSet::kEnc16);
  CHECK_EQ(IntSet::ValueEncoding(32768), IntSet::kEnc32);
  CHECK_EQ(IntSet::ValueEncoding(-32769), IntSet::kEnc32);
  CHECK_EQ(IntSet::ValueEncoding(INT32_MAX), IntSet::kEnc32);
  CHECK_EQ(IntSet::ValueEncoding(int64_t{INT32_MAX} + 1), IntSet::kEnc64);
  CHECK_EQ(IntSet::ValueEncoding(INT64_MIN), IntSet::kEnc64);

  IntSet is;
  CHECK(is.Add(10));
  CHECK(is.Add(-10));
  CHECK(!is.Add(10));
  CHECK_EQ(is.encoding(), IntSet::kEnc16);
  CHECK(is.Add(-100000));  // upgrade, prepended
  CHECK_EQ(is.encoding(), IntSet::kEnc32);
  CHECK_EQ(is.Get(0), int64_t{-100000});
  CHECK(is.Add(INT64_MAX));  // upgrade, appended
  CHECK_EQ(is.encoding(), IntSet::kEnc64);
  CHECK_EQ(is.Max(), INT64_MAX);
  CHECK_EQ(is.Min(), int64_t{-100000});
  CHECK_EQ(is.size(), 4u);
  CHECK(is.Remove(INT64_MAX));
  CHECK_EQ(is.encoding(), IntSet::kEnc64);  // never downgrades
  CHECK(!is.Remove(INT64_MAX));
  CHECK(!is.Contains(INT64_MAX));
  CHECK(is.Contains(-10));
  CHECK(is.Contains(10));
  CHECK(!is.Contains(11));
  int64_t v = 0;
  CHECK(is.Get(2, &v) && v == 10);
  CHECK(!is.Get(3, &v));
  uint32_t pos = 99;
  CHECK(!is.Search(0, &pos) && pos == 2);
  CHECK(is.Search(-10, &pos) && pos == 1);
  CHECK(Hex(is.view()).substr(0, 16) == "0800000003000000");
  // Values beyond the current encoding are never found (and not added by
  // Contains/Remove).
  IntSet small;
  small.Add(1);
  CHECK(!small.Contains(int64_t{1} << 40));
  CHECK(!small.Remove(int64_t{1} << 40));
  CHECK_EQ(small.encoding(), IntSet::kEnc16);
}

TEST(RandomMemberIsMember) {
  IntSet is;
  for (int i = 0; i < 50; ++i) is.Add(i * 7 - 100);
  std::mt19937_64 rng(3);
  std::set<int64_t> seen;
  for (int i = 0; i < 5000; ++i) {
    const int64_t r = is.Random(rng());
    CHECK(is.Contains(r));
    seen.insert(r);
  }
  CHECK_EQ(seen.size(), size_t{50});
}

TEST(RandomizedAgainstStdSet) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 40; ++round) {
    IntSet is;
    std::set<int64_t> ref;
    const int width = static_cast<int>(rng() % 3);
    for (int step = 0; step < 2000; ++step) {
      int64_t v;
      const int w = (rng() % 50 == 0) ? 2 : width;  // occasional upgrades
      if (w == 0) v = static_cast<int64_t>(rng() % 200) - 100;
      else if (w == 1) v = static_cast<int64_t>(rng() % 200000) - 100000;
      else v = static_cast<int64_t>(rng());
      if (rng() % 3 == 0) {
        CHECK_EQ(is.Remove(v), ref.erase(v) == 1);
      } else {
        CHECK_EQ(is.Add(v), ref.insert(v).second);
      }
      if (step % 97 == 0) {
        CHECK_EQ(is.Contains(v), ref.count(v) == 1);
      }
    }
    CHECK_EQ(is.size(), static_cast<uint32_t>(ref.size()));
    uint32_t i = 0;
    bool same = true;
    for (int64_t x : ref) same = same && is.Get(i++) == x;
    CHECK(same);
    // Encoding is the widest needed by any value ever added.
    CHECK(is.encoding() == IntSet::kEnc16 || is.encoding() == IntSet::kEnc32 ||
          is.encoding() == IntSet::kEnc64);
    if (!ref.empty()) {
      CHECK(IntSet::Validate(is.view(), true));
      CHECK_EQ(is.bytes(), IntSet::kHeaderSize + ref.size() * is.encoding());
    }
  }
}

TEST(OwnershipAndCopies) {
  IntSet a;
  a.Add(3);
  a.Add(1);
  IntSet b(a);
  CHECK(a.view() == b.view());
  IntSet c(std::move(a));
  CHECK(c.view() == b.view());
  CHECK_EQ(a.size(), 0u);
  a.Add(5);
  CHECK_EQ(a.size(), 1u);
  unsigned char* raw = c.Release();
  CHECK_EQ(c.size(), 0u);
  IntSet d = IntSet::Adopt(raw);
  CHECK(d.view() == b.view());
  IntSet e;
  CHECK(IntSet::FromBytes(b.view(), &e));
  CHECK(e.view() == b.view());
  e = a;
  CHECK(e.view() == a.view());
  e = std::move(d);
  CHECK(e.view() == b.view());
}

// IntSetView reads bytes it does not own, wherever they are (a copy on the
// stack here, as SetValue's intset kept in its entry's block), exactly as
// the IntSet that wrote them.
TEST(ViewOfBytesHeldElsewhere) {
  for (const std::vector<int64_t>& values :
       {std::vector<int64_t>{-3, 1, 200}, std::vector<int64_t>{-70000, 5, 70000},
        std::vector<int64_t>{INT64_MIN, -1, 0, INT64_MAX}}) {
    IntSet is;
    for (int64_t v : values) is.Add(v);
    unsigned char copy[64];
    std::memcpy(copy, is.data(), is.bytes());
    const IntSetView view(copy);
    CHECK_EQ(view.size(), is.size());
    CHECK_EQ(view.encoding(), is.encoding());
    CHECK_EQ(view.bytes(), is.bytes());
    CHECK(view.view() == is.view());
    for (uint32_t i = 0; i < is.size(); i++) CHECK_EQ(view.Get(i), is.Get(i));
    for (int64_t v : {int64_t{-70000}, int64_t{-3}, int64_t{0}, int64_t{2}, int64_t{200}, INT64_MAX}) {
      uint32_t p1 = 99, p2 = 98;
      CHECK_EQ(view.Search(v, &p1), is.Search(v, &p2));
      CHECK_EQ(p1, p2);
      CHECK_EQ(view.Contains(v), is.Contains(v));
    }
    CHECK_EQ(view.Random(7), is.Random(7));
  }
}

TEST(ValidateIntegrity) {
  IntSet is;
  for (int64_t v : {-5, 0, 7, 100}) is.Add(v);
  const std::string good(is.view());
  CHECK(IntSet::Validate(good, true));
  CHECK(!IntSet::Validate(good.substr(0, 7), false));  // header cut
  CHECK(!IntSet::Validate(good.substr(0, good.size() - 1), false));
  std::string s = good;
  s[0] = 3;  // bad encoding
  CHECK(!IntSet::Validate(s, false));
  s = good;
  s[4] = 5;  // length mismatch
  CHECK(!IntSet::Validate(s, false));
  // Empty intsets are rejected, like Redis.
  IntSet empty;
  CHECK(!IntSet::Validate(empty.view(), false));
  // Out of order / duplicate records fail only the deep check.
  s = good;
  std::swap(s[8], s[10]);
  std::swap(s[9], s[11]);
  CHECK(IntSet::Validate(s, false));
  CHECK(!IntSet::Validate(s, true));
  s = good;
  s[10] = s[8];
  s[11] = s[9];
  CHECK(!IntSet::Validate(s, true));
  // Huge length must not overflow the size computation.
  std::string huge("\x08\x00\x00\x00\xff\xff\xff\xff", 8);
  CHECK(!IntSet::Validate(huge, true));
  IntSet out;
  CHECK(!IntSet::FromBytes(huge, &out));
  // Random garbage never crashes.
  std::mt19937_64 rng(5);
  for (int i = 0; i < 20000; ++i) {
    std::string g = good;
    g[rng() % g.size()] = static_cast<char>(rng());
    if (rng() % 3 == 0) g.resize(rng() % (g.size() + 1));
    std::unique_ptr<unsigned char[]> buf(new unsigned char[g.size() + 1]);
    std::memcpy(buf.get(), g.data(), g.size());
    if (IntSet::Validate(buf.get(), g.size(), true)) {
      IntSet x;
      CHECK(IntSet::FromBytes(g, &x));
      for (uint32_t k = 1; k < x.size(); ++k) CHECK(x.Get(k - 1) < x.Get(k));
    }
  }
}

int main(int argc, char** argv) { return tachyon::test::RunAll(argc, argv); }
