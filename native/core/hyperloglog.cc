// HyperLogLog strings in Redis's representation. See hyperloglog.h.
#include "core/hyperloglog.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

namespace tachyon {
namespace hll {

namespace {

constexpr int kQ = 64 - 14;  // hash bits left after the register index
constexpr long kIndexMask = kRegisters - 1;
constexpr uint8_t kRegisterMax = 63;
constexpr size_t kDenseRegisterBytes = kDenseSize - kHeaderSize;
constexpr int kSparseValMaxValue = 32;
constexpr int kSparseValMaxLen = 4;
constexpr int kSparseZeroMaxLen = 64;
constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5 / ln(2)

// ---- sparse opcodes -------------------------------------------------------

// A cursor over sparse opcodes that never reads past `end`: the byte at or
// after the end reads as 0 (Redis reads the sds terminator there).
struct Opcodes {
  const uint8_t* end;
  uint8_t At(const uint8_t* p) const { return p < end ? *p : 0; }
  bool IsZero(const uint8_t* p) const { return (At(p) & 0xc0) == 0; }
  bool IsXZero(const uint8_t* p) const { return (At(p) & 0xc0) == 0x40; }
  bool IsVal(const uint8_t* p) const { return (At(p) & 0x80) != 0; }
  int ZeroLen(const uint8_t* p) const { return (At(p) & 0x3f) + 1; }
  int XZeroLen(const uint8_t* p) const { return (((At(p) & 0x3f) << 8) | At(p + 1)) + 1; }
  int ValValue(const uint8_t* p) const { return ((At(p) >> 2) & 0x1f) + 1; }
  int ValLen(const uint8_t* p) const { return (At(p) & 0x3) + 1; }
};

uint8_t ValOp(int value, int len) { return static_cast<uint8_t>(((value - 1) << 2 | (len - 1)) | 0x80); }
uint8_t ZeroOp(int len) { return static_cast<uint8_t>(len - 1); }
void PutXZero(uint8_t* p, int len) {
  p[0] = static_cast<uint8_t>(((len - 1) >> 8) | 0x40);
  p[1] = static_cast<uint8_t>((len - 1) & 0xff);
}

// Walks the sparse registers of s, calling run(first_register, length,
// value) for each opcode. Stops at an opcode that would pass register
// 16384. Returns true if the opcodes cover exactly the 16384 registers.
template <class F>
bool ForEachRun(std::string_view s, F&& run) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data()) + kHeaderSize;
  Opcodes op{reinterpret_cast<const uint8_t*>(s.data()) + s.size()};
  long idx = 0;
  while (p < op.end) {
    long len;
    int value = 0;
    if (op.IsZero(p)) {
      len = op.ZeroLen(p);
      p += 1;
    } else if (op.IsXZero(p)) {
      len = op.XZeroLen(p);
      p += 2;
    } else {
      len = op.ValLen(p);
      value = op.ValValue(p);
      p += 1;
    }
    if (idx + len > kRegisters) return false;
    run(idx, len, value);
    idx += len;
  }
  return idx == kRegisters;
}

// ---- estimate (Ertl, "New cardinality estimation algorithms for
// HyperLogLog sketches", as Redis computes it) ------------------------------

double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double y = 1, z = x, prev;
  do {
    x *= x;
    prev = z;
    z += x * y;
    y += y;
  } while (prev != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double y = 1.0, z = 1 - x, prev;
  do {
    x = sqrt(x);
    prev = z;
    y *= 0.5;
    // Redis writes pow(1 - x, 2), which the compiler turns into this product.
    z -= (1 - x) * (1 - x) * y;
  } while (prev != z);
  return z / 3;
}

uint64_t Estimate(const int* histogram) {
  const double m = kRegisters;
  double z = m * Tau((m - histogram[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histogram[j];
    z *= 0.5;
  }
  z += m * Sigma(histogram[0] / m);
  const double estimate = kAlphaInf * m * m / z;
  // Registers all at 51 or more (a crafted string) make z zero. Redis then
  // rounds an infinity: llroundl's out-of-range result (LLONG_MIN on x86-64)
  // converted back and forth ends as 2^63, which is what it replies (as
  // -9223372036854775808) and caches (with the stale bit set).
  if (!(estimate < 9223372036854775808.0)) return 1ULL << 63;
  return static_cast<uint64_t>(static_cast<double>(llroundl(estimate)));
}

// Calls f(first_register, v0, v1, v2, v3) for every 4 registers (3 bytes).
template <class F>
void ForEachDenseQuad(const uint8_t* registers, F&& f) {
  const uint8_t* r = registers;
  for (long i = 0; i < kRegisters; i += 4, r += 3) {
    f(i, r[0] & 63, (r[0] >> 6 | r[1] << 2) & 63, (r[1] >> 4 | r[2] << 4) & 63, r[2] >> 2);
  }
}

// Adds up register values into histogram[64]. Four partial histograms keep
// consecutive increments of the same bucket from waiting on each other.
template <class Registers>
void Histogram(Registers&& each_quad, int* histogram) {
  int h[4][64] = {{0}};
  each_quad([&](long, int v0, int v1, int v2, int v3) {
    h[0][v0]++;
    h[1][v1]++;
    h[2][v2]++;
    h[3][v3]++;
  });
  for (int v = 0; v < 64; v++) histogram[v] += h[0][v] + h[1][v] + h[2][v] + h[3][v];
}

void DenseHistogram(const uint8_t* registers, int* histogram) {
  Histogram([&](auto&& f) { ForEachDenseQuad(registers, f); }, histogram);
}

// Decodes sparse s into the dense registers (kDenseRegisterBytes, zeroed).
bool SparseToDenseRegisters(std::string_view s, uint8_t* registers) {
  return ForEachRun(s, [&](long first, long len, int value) {
    if (value == 0) return;
    for (long i = first; i < first + len; i++) DenseSetRaw(registers, i, static_cast<uint8_t>(value));
  });
}

// hllSparseSet. Needs kSparseSlack bytes of room past the length.
// Returns 1 / 0 / -1 as Set(), or 2 when the string must become dense first.
int SparseSet(Storage& s, long index, uint8_t count, size_t sparse_max_bytes) {
  if (count > kSparseValMaxValue) return 2;
  uint8_t* base = s.Reserve(s.size() + kSparseSlack);
  uint8_t* sparse = base + kHeaderSize;
  uint8_t* p = sparse;
  Opcodes op{base + s.size()};

  // Step 1: find the opcode covering `index`.
  long first = 0, span = 0;
  uint8_t* prev = nullptr;
  while (p < op.end) {
    long oplen = 1;
    if (op.IsZero(p)) {
      span = op.ZeroLen(p);
    } else if (op.IsVal(p)) {
      span = op.ValLen(p);
    } else {
      span = op.XZeroLen(p);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span == 0 || p >= op.end) return -1;

  uint8_t* next = op.IsXZero(p) ? p + 2 : p + 1;
  if (next >= op.end) next = nullptr;
  const bool is_zero = op.IsZero(p);
  const bool is_xzero = op.IsXZero(p);
  const bool is_val = !is_zero && !is_xzero;
  const long runlen = is_zero ? op.ZeroLen(p) : is_xzero ? op.XZeroLen(p) : op.ValLen(p);

  bool rewritten = false;
  if (is_val) {
    // A: already at least count. B: a run of one, updated in place.
    if (op.ValValue(p) >= count) return 0;
    if (runlen == 1) {
      *p = ValOp(count, 1);
      rewritten = true;
    }
  }
  if (!rewritten && is_zero && runlen == 1) {
    // C: a single zero becomes a single value.
    *p = ValOp(count, 1);
    rewritten = true;
  }
  if (!rewritten) {
    // D: split the run into [before] VAL(count) [after].
    uint8_t seq[5], *n = seq;
    const long last = first + span - 1;
    if (is_zero || is_xzero) {
      if (index != first) {
        long len = index - first;
        if (len > kSparseZeroMaxLen) {
          PutXZero(n, static_cast<int>(len));
          n += 2;
        } else {
          *n++ = ZeroOp(static_cast<int>(len));
        }
      }
      *n++ = ValOp(count, 1);
      if (index != last) {
        long len = last - index;
        if (len > kSparseZeroMaxLen) {
          PutXZero(n, static_cast<int>(len));
          n += 2;
        } else {
          *n++ = ZeroOp(static_cast<int>(len));
        }
      }
    } else {
      const int curval = op.ValValue(p);
      if (index != first) *n++ = ValOp(curval, static_cast<int>(index - first));
      *n++ = ValOp(count, 1);
      if (index != last) *n++ = ValOp(curval, static_cast<int>(last - index));
    }
    const long seqlen = n - seq;
    const long oldlen = is_xzero ? 2 : 1;
    const long delta = seqlen - oldlen;
    if (delta > 0 && s.size() + delta > sparse_max_bytes) return 2;
    if (delta && next) memmove(next + delta, next, op.end - next);
    memcpy(p, seq, seqlen);
    s.Resize(s.size() + delta);
    op.end += delta;
  }

  // Step 4: merge adjacent VAL opcodes of equal value, up to 5 opcodes from prev.
  p = prev ? prev : sparse;
  int scanlen = 5;
  while (p < op.end && scanlen--) {
    if (op.IsXZero(p)) {
      p += 2;
      continue;
    }
    if (op.IsZero(p)) {
      p++;
      continue;
    }
    if (p + 1 < op.end && op.IsVal(p + 1)) {
      const int v1 = op.ValValue(p), v2 = op.ValValue(p + 1);
      if (v1 == v2) {
        const int len = op.ValLen(p) + op.ValLen(p + 1);
        if (len <= kSparseValMaxLen) {
          p[1] = ValOp(v1, len);
          memmove(p, p + 1, op.end - (p + 1));
          s.Resize(s.size() - 1);
          op.end--;
          continue;  // try to merge the result with its right neighbour too
        }
      }
    }
    p++;
  }
  InvalidateCache(base);
  return 1;
}

}  // namespace

uint64_t MurmurHash64A(const void* key, int len, uint32_t seed) {
  const uint64_t m = 0xc6a4a7935bd1e995ULL;
  const int r = 47;
  uint64_t h = seed ^ (static_cast<uint64_t>(static_cast<int64_t>(len)) * m);
  const uint8_t* data = static_cast<const uint8_t*>(key);
  const uint8_t* end = data + (len - (len & 7));
  while (data != end) {
    uint64_t k;
    memcpy(&k, data, sizeof k);  // little-endian hosts only, as the layout is
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
    data += 8;
  }
  switch (len & 7) {
    case 7: h ^= static_cast<uint64_t>(data[6]) << 48; [[fallthrough]];
    case 6: h ^= static_cast<uint64_t>(data[5]) << 40; [[fallthrough]];
    case 5: h ^= static_cast<uint64_t>(data[4]) << 32; [[fallthrough]];
    case 4: h ^= static_cast<uint64_t>(data[3]) << 24; [[fallthrough]];
    case 3: h ^= static_cast<uint64_t>(data[2]) << 16; [[fallthrough]];
    case 2: h ^= static_cast<uint64_t>(data[1]) << 8; [[fallthrough]];
    case 1:
      h ^= static_cast<uint64_t>(data[0]);
      h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

int PatternLength(std::string_view element, long* reg) {
  uint64_t hash = MurmurHash64A(element.data(), static_cast<int>(element.size()), 0xadc83b19U);
  *reg = static_cast<long>(hash & kIndexMask);
  hash >>= 14;
  hash |= 1ULL << kQ;  // the run ends by bit Q at the latest: count <= Q+1
  return __builtin_ctzll(hash) + 1;
}

bool LooksValid(std::string_view s) {
  if (s.size() < kHeaderSize || s.compare(0, 4, "HYLL") != 0) return false;
  uint8_t enc = static_cast<uint8_t>(s[4]);
  if (enc > kSparse) return false;
  return enc != kDense || s.size() == kDenseSize;
}

uint8_t Encoding(const uint8_t* hll) { return hll[4]; }
bool CacheValid(const uint8_t* hll) { return (hll[15] & 0x80) == 0; }
void InvalidateCache(uint8_t* hll) { hll[15] |= 0x80; }

uint64_t CachedCardinality(const uint8_t* hll) {
  uint64_t card = 0;
  for (int i = 7; i >= 0; i--) card = (card << 8) | hll[8 + i];
  return card;
}

void SetCachedCardinality(uint8_t* hll, uint64_t card) {
  for (int i = 0; i < 8; i++) hll[8 + i] = static_cast<uint8_t>(card >> (8 * i));
}

uint8_t DenseGet(const uint8_t* registers, long index) {
  const unsigned long byte = index * 6 / 8, fb = index * 6 & 7;
  const unsigned long b0 = registers[byte];
  // The next byte only matters when the register straddles two bytes.
  const unsigned long b1 = fb > 2 ? registers[byte + 1] : 0;
  return static_cast<uint8_t>(((b0 >> fb) | (b1 << (8 - fb))) & kRegisterMax);
}

void DenseSetRaw(uint8_t* registers, long index, uint8_t value) {
  const unsigned long byte = index * 6 / 8, fb = index * 6 & 7;
  const unsigned long v = value;
  registers[byte] = static_cast<uint8_t>((registers[byte] & ~(kRegisterMax << fb)) | (v << fb));
  if (fb > 2) {
    registers[byte + 1] =
        static_cast<uint8_t>((registers[byte + 1] & ~(kRegisterMax >> (8 - fb))) | (v >> (8 - fb)));
  }
}

bool DenseSet(uint8_t* registers, long index, uint8_t count) {
  if (count <= DenseGet(registers, index)) return false;
  DenseSetRaw(registers, index, count);
  return true;
}

void WriteEmpty(uint8_t* out) {
  memset(out, 0, kEmptySparseSize);
  memcpy(out, "HYLL", 4);
  out[4] = kSparse;
  PutXZero(out + kHeaderSize, kRegisters);
}

std::string MakeEmpty() {
  std::string s(kEmptySparseSize, '\0');
  WriteEmpty(reinterpret_cast<uint8_t*>(&s[0]));
  return s;
}

bool ToDense(Storage& s) {
  if (Encoding(s.data()) == kDense) return true;
  std::vector<uint8_t> dense(kDenseSize, 0);
  std::string_view sparse(reinterpret_cast<const char*>(s.data()), s.size());
  if (!SparseToDenseRegisters(sparse, dense.data() + kHeaderSize)) return false;
  // The header is kept (magic, unused bytes, cached cardinality) but for the encoding.
  memcpy(dense.data(), s.data(), kHeaderSize);
  dense[4] = kDense;
  uint8_t* out = s.Reserve(kDenseSize);
  memcpy(out, dense.data(), kDenseSize);
  s.Resize(kDenseSize);
  return true;
}

int Set(Storage& s, long index, uint8_t count, size_t sparse_max_bytes) {
  uint8_t enc = Encoding(s.data());
  if (enc == kDense) return DenseSet(s.data() + kHeaderSize, index, count) ? 1 : 0;
  if (enc != kSparse) return -1;
  int r = SparseSet(s, index, count, sparse_max_bytes);
  if (r != 2) return r;
  // Promotion: the register needs a value or room the sparse form cannot
  // give, so the dense form is certain to change.
  if (!ToDense(s)) return -1;
  DenseSet(s.data() + kHeaderSize, index, count);
  return 1;
}

int Add(Storage& s, std::string_view element, size_t sparse_max_bytes) {
  long index;
  int count = PatternLength(element, &index);
  return Set(s, index, static_cast<uint8_t>(count), sparse_max_bytes);
}

uint64_t Count(std::string_view s, bool* invalid) {
  int histogram[64] = {0};
  const uint8_t* hll = reinterpret_cast<const uint8_t*>(s.data());
  if (Encoding(hll) == kDense) {
    DenseHistogram(hll + kHeaderSize, histogram);
  } else {
    // Redis counts the runs up to the first bad opcode and flags the rest.
    bool ok = ForEachRun(s, [&](long, long len, int value) { histogram[value] += static_cast<int>(len); });
    if (!ok && invalid) *invalid = true;
  }
  return Estimate(histogram);
}

uint64_t CountRegisters(const uint8_t* registers) {
  int histogram[64] = {0};
  Histogram(
      [&](auto&& f) {
        for (long i = 0; i < kRegisters; i += 4) f(i, registers[i] & 63, registers[i + 1] & 63, registers[i + 2] & 63, registers[i + 3] & 63);
      },
      histogram);
  return Estimate(histogram);
}

bool Merge(uint8_t* max, std::string_view s) {
  const uint8_t* hll = reinterpret_cast<const uint8_t*>(s.data());
  if (Encoding(hll) == kDense) {
    ForEachDenseQuad(hll + kHeaderSize, [&](long i, uint8_t v0, uint8_t v1, uint8_t v2, uint8_t v3) {
      uint8_t* m = max + i;
      m[0] = v0 > m[0] ? v0 : m[0];
      m[1] = v1 > m[1] ? v1 : m[1];
      m[2] = v2 > m[2] ? v2 : m[2];
      m[3] = v3 > m[3] ? v3 : m[3];
    });
    return true;
  }
  return ForEachRun(s, [&](long first, long len, int value) {
    for (long i = first; i < first + len; i++) {
      if (value > max[i]) max[i] = static_cast<uint8_t>(value);
    }
  });
}

std::string DecodeSparse(std::string_view s) {
  std::string out;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data()) + kHeaderSize;
  Opcodes op{reinterpret_cast<const uint8_t*>(s.data()) + s.size()};
  char buf[32];
  while (p < op.end) {
    int n;
    if (op.IsZero(p)) {
      n = snprintf(buf, sizeof buf, "z:%d ", op.ZeroLen(p));
      p += 1;
    } else if (op.IsXZero(p)) {
      n = snprintf(buf, sizeof buf, "Z:%d ", op.XZeroLen(p));
      p += 2;
    } else {
      n = snprintf(buf, sizeof buf, "v:%d,%d ", op.ValValue(p), op.ValLen(p));
      p += 1;
    }
    out.append(buf, n);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

namespace {

class StringStorage final : public Storage {
 public:
  explicit StringStorage(std::string s) : s_(std::move(s)) {}
  uint8_t* data() override { return reinterpret_cast<uint8_t*>(&s_[0]); }
  size_t size() const override { return size_; }
  uint8_t* Reserve(size_t capacity) override {
    if (s_.size() < capacity) s_.resize(capacity);
    return data();
  }
  void Resize(size_t size) override { size_ = size; }
  std::string_view view() const { return std::string_view(s_.data(), size_); }
  void set_size(size_t n) { size_ = n; }

 private:
  std::string s_;
  size_t size_ = 0;
};

}  // namespace

std::string SelfTest(size_t sparse_max_bytes) {
  std::mt19937 rng(12345);
  char msg[128];
  // 1: every register keeps its own value without disturbing its neighbours.
  std::vector<uint8_t> registers(kDenseRegisterBytes, 0);
  std::vector<uint8_t> expected(kRegisters);
  for (int round = 0; round < 1000; round++) {
    for (long i = 0; i < kRegisters; i++) {
      expected[i] = static_cast<uint8_t>(rng() & kRegisterMax);
      DenseSetRaw(registers.data(), i, expected[i]);
    }
    for (long i = 0; i < kRegisters; i++) {
      uint8_t v = DenseGet(registers.data(), i);
      if (v != expected[i]) {
        snprintf(msg, sizeof msg, "TESTFAILED Register %ld should be %d but is %d", i, expected[i], v);
        return msg;
      }
    }
  }
  // 2: the estimate stays within a few standard errors, and the dense and
  // sparse forms of the same additions agree.
  std::string dense_bytes(kDenseSize, '\0');
  memcpy(&dense_bytes[0], "HYLL", 4);
  StringStorage dense(std::move(dense_bytes));
  dense.set_size(kDenseSize);
  StringStorage sparse(MakeEmpty());
  sparse.set_size(kEmptySparseSize);
  const double relerr = 1.04 / sqrt(kRegisters);
  const uint64_t seed = (static_cast<uint64_t>(rng()) << 32) | rng();
  uint64_t checkpoint = 1;
  for (uint64_t j = 1; j <= 10000000; j++) {
    uint64_t ele = j ^ seed;
    std::string_view element(reinterpret_cast<const char*>(&ele), sizeof ele);
    Add(dense, element, sparse_max_bytes);
    Add(sparse, element, sparse_max_bytes);
    if (j != checkpoint) continue;
    if (j < sparse_max_bytes / 2 && Encoding(sparse.data()) != kSparse) return "TESTFAILED sparse encoding not used";
    uint64_t card = Count(dense.view(), nullptr);
    if (card != Count(sparse.view(), nullptr)) return "TESTFAILED dense/sparse disagree";
    int64_t abserr = static_cast<int64_t>(checkpoint) - static_cast<int64_t>(card);
    uint64_t maxerr = static_cast<uint64_t>(ceil(relerr * 6 * checkpoint));
    if (j == 10) maxerr = 1;  // collisions make a larger error likely at 10
    if (abserr < 0) abserr = -abserr;
    if (abserr > static_cast<int64_t>(maxerr)) {
      snprintf(msg, sizeof msg, "TESTFAILED Too big error. card:%llu abserr:%llu",
               static_cast<unsigned long long>(checkpoint), static_cast<unsigned long long>(abserr));
      return msg;
    }
    checkpoint *= 10;
  }
  return std::string();
}

}  // namespace hll
}  // namespace tachyon
