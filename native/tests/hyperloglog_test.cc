// HyperLogLog strings: exact bytes and estimates against values read from
// redis-server 7.0.15 (GET after the same PFADD/PFCOUNT/PFMERGE), the
// sparse/dense equivalence, register packing, and corrupt input handling.
#include "core/hyperloglog.h"

#include <cstring>
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

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// An HLL string in a std::string, with the growth the server gives an entry.
class Hll final : public hll::Storage {
 public:
  explicit Hll(std::string s = hll::MakeEmpty()) : s_(std::move(s)), size_(s_.size()) {}
  uint8_t* data() override { return reinterpret_cast<uint8_t*>(&s_[0]); }
  size_t size() const override { return size_; }
  uint8_t* Reserve(size_t capacity) override {
    if (s_.size() < capacity) s_.resize(capacity, '\x5a');  // garbage past the end must not matter
    return data();
  }
  void Resize(size_t n) override { size_ = n; }
  std::string_view view() const { return std::string_view(s_.data(), size_); }

  // PFADD: 1 if any register changed.
  int Add(const std::vector<std::string>& elements, size_t max_bytes = 3000) {
    int updated = 0;
    for (const auto& e : elements) {
      int r = hll::Add(*this, e, max_bytes);
      if (r < 0) return -1;
      updated |= r;
    }
    if (updated) hll::InvalidateCache(data());
    return updated;
  }
  // PFCOUNT of one key (refreshing the cache).
  uint64_t Count() {
    if (hll::CacheValid(data())) return hll::CachedCardinality(data());
    bool invalid = false;
    uint64_t c = hll::Count(view(), &invalid);
    CHECK(!invalid);
    hll::SetCachedCardinality(data(), c);
    return c;
  }

 private:
  std::string s_;
  size_t size_;
};

std::vector<std::string> Elements(const char* prefix, int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; i++) v.push_back(prefix + std::to_string(i));
  return v;
}

}  // namespace

TEST(MurmurHash64AMatchesRedis) {
  // Register and pattern of "a", "b", "c" as the Redis string shows them.
  long reg;
  int count = hll::PatternLength("a", &reg);
  CHECK(count >= 1 && count <= 51);
  CHECK(reg >= 0 && reg < hll::kRegisters);
  // Known MurmurHash64A (seed 0) values.
  CHECK_EQ(hll::MurmurHash64A("", 0, 0), 0ULL);
  CHECK(hll::MurmurHash64A("abc", 3, 0) != hll::MurmurHash64A("abd", 3, 0));
}

TEST(EmptyAndSmallStringsAreRedisBytes) {
  CHECK_EQ(Hex(hll::MakeEmpty()), "48594c4c01000000000000000000000" "07fff");
  Hll h;
  CHECK_EQ(h.Add({"a", "b", "c"}), 1);
  CHECK_EQ(Hex(h.view()), "48594c4c01000000000000000000008060f38050b1844bfb80425a");
  CHECK_EQ(hll::DecodeSparse(h.view()), "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603");
  CHECK_EQ(h.Count(), 3u);
  CHECK_EQ(Hex(h.view()), "48594c4c01000000030000000000000060f38050b1844bfb80425a");
  CHECK_EQ(h.Add({"a", "b"}), 0);
}

TEST(LargerStringsAreRedisBytes) {
  Hll h3;
  h3.Add(Elements("e", 1000));
  CHECK_EQ(h3.Count(), 1008u);
  CHECK_EQ(h3.view().size(), 1906u);
  CHECK_EQ(Fnv1a(h3.view()), 0x4ded8ea0046b668dULL);

  Hll h4;
  h4.Add(Elements("e", 20000));
  CHECK_EQ(hll::Encoding(h4.data()), hll::kDense);
  CHECK_EQ(h4.Count(), 19901u);
  CHECK_EQ(h4.view().size(), hll::kDenseSize);
  CHECK_EQ(Fnv1a(h4.view()), 0x5b776629ffcdd575ULL);

  Hll h5;
  h5.Add(Elements("x", 300));
  CHECK_EQ(h5.view().size(), 688u);
  CHECK_EQ(Fnv1a(h5.view()), 0x417c8834f4485adULL);

  // hll-sparse-max-bytes 500: promoted while adding.
  Hll h6;
  h6.Add(Elements("y", 300), 500);
  CHECK_EQ(hll::Encoding(h6.data()), hll::kDense);
  CHECK_EQ(Fnv1a(h6.view()), 0xcc93bc9d9aced56aULL);

  // PFCOUNT h3 h5 h4 (the union, from raw registers).
  uint8_t max[hll::kRegisters] = {0};
  CHECK(hll::Merge(max, h3.view()));
  CHECK(hll::Merge(max, h5.view()));
  CHECK(hll::Merge(max, h4.view()));
  CHECK_EQ(hll::CountRegisters(max), 20203u);
}

TEST(MergeIntoSparseDestinationPromotes) {
  // PFMERGE m h3 h5 with hll-sparse-max-bytes 500, as Redis builds it.
  Hll h3, h5;
  h3.Add(Elements("e", 1000));
  h3.Count();
  h5.Add(Elements("x", 300));
  uint8_t max[hll::kRegisters] = {0};
  CHECK(hll::Merge(max, h3.view()));
  CHECK(hll::Merge(max, h5.view()));
  Hll m;
  for (long j = 0; j < hll::kRegisters; j++) {
    if (max[j]) hll::Set(m, j, max[j], 500);
  }
  hll::InvalidateCache(m.data());
  CHECK_EQ(Fnv1a(m.view()), 0xce04219b660fff3dULL);
  CHECK_EQ(m.Count(), 1306u);
}

TEST(DenseRegistersPackSixBits) {
  std::vector<uint8_t> regs(hll::kDenseSize - hll::kHeaderSize, 0);
  std::mt19937 rng(1);
  std::vector<uint8_t> expect(hll::kRegisters);
  for (int round = 0; round < 20; round++) {
    for (long i = 0; i < hll::kRegisters; i++) {
      expect[i] = rng() & 63;
      hll::DenseSetRaw(regs.data(), i, expect[i]);
    }
    for (long i = 0; i < hll::kRegisters; i++) CHECK_EQ(hll::DenseGet(regs.data(), i), expect[i]);
  }
}

TEST(SparseAndDenseAgree) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 30; round++) {
    Hll sparse;
    std::string dense_bytes(hll::kDenseSize, '\0');
    memcpy(&dense_bytes[0], "HYLL", 4);
    Hll dense(dense_bytes);
    int n = static_cast<int>(rng() % 4000);
    for (int i = 0; i < n; i++) {
      std::string e = std::to_string(rng());
      CHECK_EQ(hll::Add(sparse, e, 1u << 20), hll::Add(dense, e, 1u << 20));
    }
    bool invalid = false;
    CHECK_EQ(hll::Count(sparse.view(), &invalid), hll::Count(dense.view(), &invalid));
    CHECK(!invalid);
    Hll converted(std::string(sparse.view()));
    CHECK(hll::ToDense(converted));
    // Same registers (the headers differ only in the cache bytes).
    CHECK(converted.view().substr(16) == dense.view().substr(16));
  }
}

TEST(CorruptSparseStringsAreRejected) {
  auto with_ops = [](std::vector<uint8_t> ops) {
    std::string s = hll::MakeEmpty().substr(0, hll::kHeaderSize);
    s.append(ops.begin(), ops.end());
    return s;
  };
  bool invalid = false;
  // Too few registers, too many, a run past the end, a truncated XZERO.
  for (const std::string& s : {with_ops({0x7f, 0x00}), with_ops({0x7f, 0xff, 0x00}), with_ops({0x7f, 0xfd, 0x83}),
                               with_ops({0x7f})}) {
    invalid = false;
    hll::Count(s, &invalid);
    CHECK(invalid);
    uint8_t max[hll::kRegisters] = {0};
    CHECK(!hll::Merge(max, s));
    Hll h(s);
    CHECK(!hll::ToDense(h));
    CHECK(h.view() == s);  // untouched
  }
  CHECK(!hll::LooksValid("HYLL"));
  CHECK(!hll::LooksValid(std::string("HYLX\x01", 5) + std::string(11, '\0')));
  CHECK(!hll::LooksValid(std::string("HYLL\x02", 5) + std::string(11, '\0')));
  CHECK(!hll::LooksValid(std::string("HYLL\x00", 5) + std::string(11, '\0')));
  CHECK(hll::LooksValid(std::string("HYLL\x00", 5) + std::string(hll::kDenseSize - 5, '\0')));
  CHECK(hll::LooksValid(hll::MakeEmpty()));
}

TEST(RandomGarbageNeverBreaksTheDecoders) {
  std::mt19937_64 rng(11);
  Hll base;
  base.Add(Elements("g", 200));
  const std::string good(base.view());
  for (int i = 0; i < 20000; i++) {
    std::string s = good;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; f++) s[hll::kHeaderSize + rng() % (s.size() - hll::kHeaderSize)] = static_cast<char>(rng());
    if (rng() % 4 == 0) s.resize(hll::kHeaderSize + rng() % (s.size() - hll::kHeaderSize + 1));
    bool invalid = false;
    hll::Count(s, &invalid);
    uint8_t max[hll::kRegisters] = {0};
    hll::Merge(max, s);
    hll::DecodeSparse(s);
    Hll h(s);
    int r = hll::Add(h, std::to_string(rng()), 3000);
    CHECK(r >= -1 && r <= 1);
    CHECK(h.view().size() <= hll::kDenseSize);
  }
}

TEST(SelfTestPasses) { CHECK_EQ(hll::SelfTest(3000), std::string()); }

int main(int argc, char** argv) { return tachyon::test::RunAll(argc, argv); }
