// Listpack: exact bytes (vectors taken from DUMP payloads of redis-server
// 7.0.15 with rdbcompression off), randomized operations against a
// std::vector<std::string> oracle, and corrupt-input validation.
#include "core/listpack.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
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

Listpack Build(const std::vector<std::string>& v) {
  Listpack lp;
  for (const auto& s : v) lp.Append(s);
  return lp;
}

std::vector<std::string> Contents(const Listpack& lp) {
  std::vector<std::string> out;
  lp.ForEach([&](const LpValue& v) { out.push_back(v.ToString()); });
  return out;
}

std::vector<std::string> ContentsBackward(const Listpack& lp) {
  std::vector<std::string> out;
  for (size_t p = lp.Last(); p != Listpack::npos; p = lp.Prev(p)) out.push_back(lp.Get(p).ToString());
  return out;
}

// Hex of the listpack holding these elements, built with Append.
std::string HexOf(const std::vector<std::string>& v) { return Hex(Build(v).view()); }

std::string RandomValue(std::mt19937_64& rng) {
  switch (rng() % 10) {
    case 0: return std::to_string(static_cast<int64_t>(rng() % 256) - 128);
    case 1: return std::to_string(static_cast<int64_t>(rng() % 20000) - 10000);
    case 2: return std::to_string(static_cast<int64_t>(rng()) >> (rng() % 64));
    case 3: {
      static const char* odd[] = {"0123", "-0", "+1", " 1", "1 ", "1.5", "", "00",
                                  "9223372036854775808", "-9223372036854775809", "0"};
      return odd[rng() % (sizeof(odd) / sizeof(odd[0]))];
    }
    case 4: return std::string(rng() % 5000, static_cast<char>('a' + rng() % 26));
    default: {
      std::string s(rng() % 80, '\0');
      for (auto& c : s) c = static_cast<char>(rng() % 256);
      return s;
    }
  }
}

bool IsCanonicalInt(const std::string& s) {
  long long v;
  return String2ll(s.data(), s.size(), &v);
}

}  // namespace

TEST(EmptyListpackBytes) {
  Listpack lp;
  CHECK_EQ(Hex(lp.view()), "070000000000ff");
  CHECK_EQ(lp.size(), size_t{0});
  CHECK(lp.empty());
  CHECK(lp.First() == Listpack::npos);
  CHECK(lp.Last() == Listpack::npos);
  CHECK(lp.Seek(0) == Listpack::npos);
  CHECK(lp.Seek(-1) == Listpack::npos);
  CHECK(Listpack::Validate(lp.view(), true));
}

TEST(RedisHashListpackVectors) {
  // HSET h <pairs>; DUMP h (RDB_TYPE_HASH_LISTPACK payload) on 7.0.15.
  CHECK_EQ(HexOf({"f1", "v1", "f2", "123", "f3", "-5"}),
           "1c000000060082663103827631038266320"
           "37b0182663303dffb02ff");
  CHECK_EQ(HexOf({"a", "0123", "-0", "+1", "", "127", "128", "-1"}),
           "220000000800816102843031323305822d3003822b310380017f01c08002dfff02ff");
  CHECK_EQ(HexOf({"4095", "-4096", "4096", "-4097", "32767", "-32768", "32768", "-32769"}),
           "270000000800cfff02d00002f1001003f1ffef03f1ff7f03f1008003f200800004f2ff7fff04ff");
  CHECK_EQ(HexOf({"8388607", "-8388608", "8388608", "-8388609", "2147483647", "-2147483648",
                  "2147483648", "-2147483649"}),
           "3d0000000800f2ffff7f04f200008004f30000800005f3ffff7fff05f3ffffff7f05f30000008005f4"
           "000000800000000009f4ffffff7fffffffff09ff");
  CHECK_EQ(HexOf({"9223372036854775807", "-9223372036854775808", "9223372036854775808", "00",
                  " 1", "1 ", "1.0", "12345678901234567890"}),
           "570000000800f4ffffffffffffff7f09f400000000000000800993393232333337323033363835343737"
           "353830381482303003822031038231200383312e300494313233343536373839303132333435363738"
           "393015ff");
  // 63-byte string (6-bit length) and 64-byte string (12-bit length).
  CHECK_EQ(HexOf({std::string(63, 'x'), std::string(64, 'y')}),
           "8b0000000200bf" + Hex(std::string(63, 'x')) + "40e040" + Hex(std::string(64, 'y')) +
               "42ff");
}

TEST(RedisZsetListpackVector) {
  // ZADD z 1 a 2.5 b -3 c; DUMP z (RDB_TYPE_ZSET_LISTPACK) on 7.0.15:
  // member then score, ordered by score; integral scores stored as ints.
  Listpack lp;
  lp.Append("c");
  lp.AppendInteger(-3);
  lp.Append("a");
  lp.AppendInteger(1);
  lp.Append("b");
  lp.Append("2.5");
  CHECK_EQ(Hex(lp.view()), "1a000000060081630" "2dffd0281610201018162028332" "2e3504ff");
  // ZADD z <score> m for big integral scores (64-bit int encoding).
  Listpack big;
  big.Append("m");
  big.AppendInteger(4611686018427387904LL);
  CHECK_EQ(Hex(big.view()), "140000000200816d02f4000000000000004009ff");
}

struct BoundaryCase {
  size_t len;
  const char* prefix;  // first 16 bytes (hex)
  const char* suffix;  // last 8 bytes (hex)
};

TEST(StringEncodingAndBacklenBoundaries) {
  // HSET h f <n x 'q'> / HSET h f <n x ...>; DUMP h on 7.0.15.
  const BoundaryCase cases[] = {
      {125, "8a0000000200816602e07d7171717171", "7171717171717fff"},
      {126, "8c0000000200816602e07e7171717171", "71717171710180ff"},
      {16377, "0a4000000200816602f0f93f00007171", "71717171717ffeff"},
      {16378, "0c4000000200816602f0fa3f00007171", "7171717100ffffff"},
      {16379, "0d4000000200816602f0fb3f00007171", "71717171018080ff"},
      {2097145, "0b0020000200816602f0f9ff1f007171", "717171717ffffeff"},
      {2097146, "0d0020000200816602f0faff1f007171", "71717100ffffffff"},
      {2097147, "0e0020000200816602f0fbff1f007171", "71717101808080ff"},
  };
  for (const auto& c : cases) {
    Listpack lp = Build({"f", std::string(c.len, 'q')});
    const std::string h = Hex(lp.view());
    CHECK_EQ(h.substr(0, 32), c.prefix);
    CHECK_EQ(h.substr(h.size() - 16), c.suffix);
    CHECK(Listpack::Validate(lp.view(), true));
    CHECK_EQ(lp.Get(lp.Last()).len, static_cast<uint32_t>(c.len));
    CHECK_EQ(lp.Prev(lp.Last()), Listpack::kHeaderSize);
    CHECK_EQ(lp.EncodedSize(std::string(c.len, 'q')), lp.EntrySize(lp.Last()));
  }
  const struct {
    size_t len;
    const char* head;
    const char* tail;
  } more[] = {
      {200, "d60000000200816602e0c8", "01caff"},
      {4095, "0d1000000200816602efff", "2081ff"},
      {4096, "111000000200816602f000100000", "2085ff"},
      {20000, "324e00000200816602f0204e0000", "019ca5ff"},
  };
  for (const auto& c : more) {
    const std::string h = Hex(Build({"f", std::string(c.len, 'z')}).view());
    CHECK_EQ(h.substr(0, std::strlen(c.head)), c.head);
    CHECK_EQ(h.substr(h.size() - std::strlen(c.tail)), c.tail);
  }
}

TEST(IntegerDetection) {
  Listpack lp = Build({"123", "0123", "-0", "0", "-9223372036854775808", "x", "", "1.0"});
  std::vector<bool> is_int;
  lp.ForEach([&](const LpValue& v) { is_int.push_back(v.is_int()); });
  CHECK(is_int == std::vector<bool>({true, false, false, true, true, false, false, false}));
  const LpValue v = lp.Get(lp.First());
  CHECK_EQ(v.ival, int64_t{123});
  char buf[kLongStrSize];
  CHECK_EQ(v.View(buf), "123");
  CHECK(v.Equals("123"));
  CHECK(!v.Equals("0123"));
  CHECK(!v.Equals("+123"));
  CHECK(lp.Get(lp.Seek(1)).Equals("0123"));
  CHECK(!lp.Get(lp.Seek(1)).Equals("123"));
  CHECK_EQ(lp.Find(lp.First(), "0"), lp.Seek(3));
  CHECK_EQ(lp.Find(lp.First(), "-0"), lp.Seek(2));
  CHECK_EQ(lp.Find(lp.First(), ""), lp.Seek(6));
  CHECK_EQ(lp.Find(lp.First(), "nope"), Listpack::npos);
  // Compare uses the decimal string form: "123" > "1000" > "-5".
  Listpack c = Build({"123"});
  CHECK(c.Get(c.First()).Compare("1000") > 0);
  CHECK(c.Get(c.First()).Compare("123") == 0);
  CHECK(c.Get(c.First()).Compare("1234") < 0);
  CHECK(c.Get(c.First()).Compare("-5") > 0);
}

TEST(FindWithSkip) {
  // field/value pairs: searching fields only must not match a value.
  Listpack lp = Build({"a", "b", "b", "1", "c", "a", "1", "x"});
  CHECK_EQ(lp.Find(lp.First(), "b", 1), lp.Seek(2));
  CHECK_EQ(lp.Find(lp.First(), "a", 1), lp.First());
  CHECK_EQ(lp.Find(lp.Seek(2), "a", 1), Listpack::npos);  // "a" at 5 is a value
  CHECK_EQ(lp.Find(lp.First(), "1", 1), lp.Seek(6));
  CHECK_EQ(lp.Find(lp.First(), "x", 1), Listpack::npos);
  CHECK_EQ(lp.Find(lp.Seek(1), "x", 1), lp.Seek(7));
}

TEST(InsertReplaceDeleteBasics) {
  Listpack lp = Build({"b", "d"});
  size_t p = lp.InsertBefore(lp.First(), "a");
  CHECK_EQ(p, lp.First());
  p = lp.InsertAfter(lp.Seek(1), "c");
  CHECK_EQ(p, lp.Seek(2));
  lp.Append("e");
  lp.Prepend("0");
  lp.PrependInteger(-1);
  lp.AppendInteger(99);
  CHECK(Contents(lp) == std::vector<std::string>({"-1", "0", "a", "b", "c", "d", "e", "99"}));
  p = lp.Replace(lp.Seek(3), std::string(5000, 'B'));
  CHECK_EQ(lp.Get(p).len, 5000u);
  p = lp.ReplaceInteger(lp.Seek(3), 7);
  CHECK_EQ(lp.Get(p).ival, int64_t{7});
  CHECK(lp.Get(p).is_int());
  size_t next = lp.Delete(lp.Seek(0));
  CHECK_EQ(next, lp.First());
  CHECK_EQ(lp.Get(next).ToString(), "0");
  CHECK_EQ(lp.Delete(lp.Last()), Listpack::npos);
  CHECK(Contents(lp) == std::vector<std::string>({"0", "a", "7", "c", "d", "e"}));
  CHECK_EQ(lp.DeleteRange(-2, 10), size_t{2});
  CHECK_EQ(lp.DeleteRange(1, 2), size_t{2});
  CHECK(Contents(lp) == std::vector<std::string>({"0", "c"}));
  CHECK_EQ(lp.DeleteRange(5, 1), size_t{0});
  CHECK_EQ(lp.DeleteRange(0, 0), size_t{0});
  CHECK(Listpack::Validate(lp.view(), true));
  lp.Clear();
  CHECK_EQ(Hex(lp.view()), "070000000000ff");
}

TEST(SelfAliasingValues) {
  std::vector<std::string> ref = {"hello world", std::string(300, 'k'), "x"};
  Listpack lp = Build(ref);
  // Values that point into the listpack itself survive reallocation.
  for (int i = 0; i < 20; ++i) {
    lp.Append(lp.Get(lp.First()).sv());
    ref.push_back(ref.front());
    lp.Prepend(lp.Get(lp.Seek(1)).sv());
    ref.insert(ref.begin(), ref[1]);
    lp.Replace(lp.Seek(2), lp.Get(lp.Last()).sv());
    ref[2] = ref.back();
    lp.InsertAfter(lp.Seek(1), lp.Get(lp.Seek(-2)).sv());
    ref.insert(ref.begin() + 2, ref[ref.size() - 2]);
  }
  CHECK(Listpack::Validate(lp.view(), true));
  CHECK(Contents(lp) == ref);
  lp.AppendAll(lp);
  lp.PrependAll(lp);
  CHECK(Listpack::Validate(lp.view(), true));
  CHECK_EQ(lp.size(), ref.size() * 4);
}

// Builds n copies of "i % 100" quickly (few reallocations, which matter
// under ASan where every realloc copies).
Listpack ManyInts(size_t n) {
  Listpack lp;
  for (int i = 0; i < 100; ++i) lp.AppendInteger(i);
  while (lp.size() < n) lp.AppendAll(lp);
  lp.DeleteRange(static_cast<long>(n), lp.size() - n);
  return lp;
}

TEST(OwnershipTransfers) {
  Listpack a = Build({"x", "1", "yy"});
  Listpack b(a);
  CHECK(b.view() == a.view());
  Listpack c(std::move(a));
  CHECK(c.view() == b.view());
  CHECK_EQ(Hex(a.view()), "070000000000ff");  // moved-from is empty, usable
  a.Append("z");
  CHECK_EQ(a.size(), size_t{1});
  unsigned char* raw = c.Release();
  CHECK_EQ(Hex(c.view()), "070000000000ff");
  Listpack d = Listpack::Adopt(raw);
  CHECK(d.view() == b.view());
  Listpack e;
  CHECK(Listpack::FromBytes(b.view(), &e));
  CHECK(e.view() == b.view());
  std::string bad(b.view());
  bad[bad.size() - 1] = 0;
  CHECK(!Listpack::FromBytes(bad, &e));
  CHECK(e.view() == b.view());
  e = d;
  CHECK(e.view() == d.view());
  e = std::move(d);
  CHECK(e.view() == b.view());
}

TEST(AppendAllPrependAll) {
  Listpack a = Build({"1", "2"});
  Listpack b = Build({"x", std::string(200, 'y')});
  Listpack ab = a;
  ab.AppendAll(b);
  CHECK(Contents(ab) == std::vector<std::string>({"1", "2", "x", std::string(200, 'y')}));
  Listpack ba = a;
  ba.PrependAll(b);
  CHECK(Contents(ba) == std::vector<std::string>({"x", std::string(200, 'y'), "1", "2"}));
  CHECK(ab.view() == Build({"1", "2", "x", std::string(200, 'y')}).view());
  Listpack empty;
  ab.AppendAll(empty);
  CHECK_EQ(ab.size(), size_t{4});
  empty.PrependAll(b);
  CHECK(empty.view() == b.view());
}

TEST(UnknownElementCount) {
  Listpack lp = ManyInts(70000);
  CHECK_EQ(lp.header_count(), Listpack::kNumElementsUnknown);
  CHECK_EQ(lp.size(), size_t{70000});
  CHECK_EQ(lp.Get(lp.Seek(-1)).ival, int64_t{99});
  CHECK_EQ(lp.Get(lp.Seek(69999)).ival, int64_t{99});
  CHECK_EQ(lp.Get(lp.Seek(12345)).ival, int64_t{45});
  size_t n = 0;
  CHECK(Listpack::Validate(lp.data(), lp.bytes(), true, &n));
  CHECK_EQ(n, size_t{70000});
  lp.AppendInteger(5);
  lp.Delete(lp.First());
  CHECK_EQ(lp.header_count(), Listpack::kNumElementsUnknown);
  CHECK_EQ(lp.DeleteRange(0, 60000), size_t{60000});
  CHECK_EQ(lp.header_count(), Listpack::kNumElementsUnknown);  // stays unknown...
  CHECK_EQ(lp.size(), size_t{10000});                         // ...until counted
  CHECK_EQ(lp.header_count(), 10000u);
  CHECK(Listpack::Validate(lp.view(), true));
  // Exactly 65534 + 1 becomes "unknown" (65535) like Redis.
  Listpack m = ManyInts(65534);
  CHECK_EQ(m.size(), size_t{65534});  // counting stores the count again
  CHECK_EQ(m.header_count(), 65534u);
  m.AppendInteger(1);
  CHECK_EQ(m.header_count(), 65535u);
  CHECK_EQ(m.size(), size_t{65535});
  CHECK(Listpack::Validate(m.view(), true));
}

TEST(RandomizedAgainstVector) {
  std::mt19937_64 rng(1234);
  for (int round = 0; round < 30; ++round) {
    Listpack lp;
    std::vector<std::string> ref;
    for (int step = 0; step < 400; ++step) {
      const int op = static_cast<int>(rng() % 12);
      const std::string v = RandomValue(rng);
      const long n = static_cast<long>(ref.size());
      if (op <= 1) {
        lp.Append(v);
        ref.push_back(v);
      } else if (op == 2) {
        lp.Prepend(v);
        ref.insert(ref.begin(), v);
      } else if (op == 3 && n > 0) {
        const long i = static_cast<long>(rng() % n);
        lp.InsertBefore(lp.Seek(i), v);
        ref.insert(ref.begin() + i, v);
      } else if (op == 4 && n > 0) {
        const long i = static_cast<long>(rng() % n);
        lp.InsertAfter(lp.Seek(i - n), v);  // negative index
        ref.insert(ref.begin() + i + 1, v);
      } else if (op == 5 && n > 0) {
        const long i = static_cast<long>(rng() % n);
        lp.Replace(lp.Seek(i), v);
        ref[i] = v;
      } else if (op == 6 && n > 0) {
        const long i = static_cast<long>(rng() % n);
        const size_t next = lp.Delete(lp.Seek(i));
        ref.erase(ref.begin() + i);
        CHECK(next == (i < n - 1 ? lp.Seek(i) : Listpack::npos));
      } else if (op == 7 && n > 0) {
        const long i = static_cast<long>(rng() % n);
        const size_t cnt = rng() % 5;
        const size_t del = lp.DeleteRange(i, cnt);
        const size_t expect = std::min<size_t>(cnt, static_cast<size_t>(n - i));
        CHECK_EQ(del, expect);
        ref.erase(ref.begin() + i, ref.begin() + i + static_cast<long>(expect));
      } else if (op == 8 && n > 0) {
        const long i = static_cast<long>(rng() % n);
        const size_t p = lp.Find(lp.First(), ref[i]);
        long first = 0;
        while (ref[first] != ref[i]) ++first;
        CHECK_EQ(p, lp.Seek(first));
      } else if (op == 9) {
        long long iv = static_cast<long long>(rng()) >> (rng() % 64);
        lp.AppendInteger(iv);
        ref.push_back(std::to_string(iv));
      }
      CHECK_EQ(lp.size(), ref.size());
    }
    CHECK(Listpack::Validate(lp.view(), true));
    CHECK(Contents(lp) == ref);
    std::vector<std::string> back(ref.rbegin(), ref.rend());
    CHECK(ContentsBackward(lp) == back);
    // Element-level checks: integer iff canonical, Seek with +/- index.
    for (long i = 0; i < static_cast<long>(ref.size()); ++i) {
      const LpValue v = lp.Get(lp.Seek(i));
      CHECK_EQ(v.is_int(), IsCanonicalInt(ref[i]));
      CHECK(v.Equals(ref[i]));
      CHECK_EQ(lp.Seek(i - static_cast<long>(ref.size())), lp.Seek(i));
    }
    CHECK(lp.Seek(static_cast<long>(ref.size())) == Listpack::npos);
    CHECK(lp.Seek(-static_cast<long>(ref.size()) - 1) == Listpack::npos);
    // The bytes only depend on the contents.
    CHECK(lp.view() == Build(ref).view());
  }
}

TEST(ValidateRejectsHeaderCorruption) {
  Listpack lp = Build({"a", "123", std::string(100, 'b')});
  const std::string good(lp.view());
  CHECK(Listpack::Validate(good, true));
  CHECK(Listpack::Validate(good, false));
  CHECK(!Listpack::Validate(std::string_view(), true));
  CHECK(!Listpack::Validate(good.substr(0, 6), false));
  CHECK(!Listpack::Validate(good.substr(0, good.size() - 1), false));
  std::string s = good;
  s[0] ^= 1;  // total bytes
  CHECK(!Listpack::Validate(s, false));
  s = good;
  s.back() = 0x00;  // no terminator
  CHECK(!Listpack::Validate(s, false));
  s = good;
  s[4] = 7;  // wrong count
  CHECK(Listpack::Validate(s, false));
  CHECK(!Listpack::Validate(s, true));
  s[4] = static_cast<char>(0xFF);
  s[5] = static_cast<char>(0xFF);  // "unknown" count is fine
  CHECK(Listpack::Validate(s, true));
  s = good;
  s[6] = static_cast<char>(0xF5);  // invalid encoding byte
  CHECK(!Listpack::Validate(s, true));
  s = good;
  s[8] = 5;  // backlen of "a" wrong
  CHECK(!Listpack::Validate(s, true));
  s = good;
  s[6] = static_cast<char>(0xBF);  // 6-bit string claiming 63 bytes
  CHECK(!Listpack::Validate(s, true));
  // 32-bit string length near 4 GB.
  std::string huge("\x0d\x00\x00\x00\x01\x00\xf0\xff\xff\xff\xff\x05\xff", 13);
  CHECK(!Listpack::Validate(huge, true));
  // Header bytes of an entry cut by the end marker.
  std::string cut("\x09\x00\x00\x00\x01\x00\xf4\x01\xff", 9);
  CHECK(!Listpack::Validate(cut, true));
  // An early end marker.
  std::string early("\x0a\x00\x00\x00\x01\x00\x01\x01\xff\xff", 10);
  CHECK(!Listpack::Validate(early, true));
}

TEST(ValidateFuzzNeverReadsOutOfBounds) {
  std::mt19937_64 rng(99);
  std::vector<std::string> seeds;
  for (int i = 0; i < 8; ++i) {
    std::vector<std::string> v;
    const int n = static_cast<int>(rng() % 12);
    for (int j = 0; j < n; ++j) {
      std::string x = RandomValue(rng);
      if (x.size() > 300) x.resize(300);
      v.push_back(x);
    }
    seeds.emplace_back(Build(v).view());
  }
  size_t accepted = 0;
  for (int iter = 0; iter < 60000; ++iter) {
    std::string s = seeds[rng() % seeds.size()];
    const int kind = static_cast<int>(rng() % 4);
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      if (s.size() <= 6) break;
      const size_t at = 6 + rng() % (s.size() - 6);
      if (kind == 0) s[at] = static_cast<char>(rng());
      if (kind == 1) s[at] ^= static_cast<char>(1u << (rng() % 8));
      if (kind == 2) s.erase(at, 1 + rng() % 3);
      if (kind == 3) s.insert(at, 1, static_cast<char>(rng()));
    }
    if (s.size() >= 4 && rng() % 4 != 0) {
      // Keep the total-bytes field consistent so the deep checks run.
      const uint32_t n = static_cast<uint32_t>(s.size());
      s[0] = static_cast<char>(n);
      s[1] = static_cast<char>(n >> 8);
      s[2] = static_cast<char>(n >> 16);
      s[3] = static_cast<char>(n >> 24);
    }
    // Exact-size heap copy so ASan catches any over-read.
    std::unique_ptr<unsigned char[]> buf(new unsigned char[s.size() ? s.size() : 1]);
    std::memcpy(buf.get(), s.data(), s.size());
    size_t count = 0;
    if (Listpack::Validate(buf.get(), s.size(), true, &count)) {
      ++accepted;
      // A validated blob must be fully walkable in both directions.
      Listpack lp;
      CHECK(Listpack::FromBytes(s, &lp));
      size_t fw = 0, bw = 0;
      for (size_t p = lp.First(); p != Listpack::npos; p = lp.Next(p)) {
        (void)lp.Get(p).ToString();
        ++fw;
      }
      for (size_t p = lp.Last(); p != Listpack::npos; p = lp.Prev(p)) ++bw;
      CHECK_EQ(fw, count);
      CHECK_EQ(bw, count);
      CHECK_EQ(lp.size(), count);
    }
  }
  CHECK(accepted > 0);
}

int main(int argc, char** argv) { return tachyon::test::RunAll(argc, argv); }
