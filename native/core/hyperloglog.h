// HyperLogLog in Redis 7.0's exact string representation, so that a value
// built here is byte-for-byte the value Redis builds from the same
// operations, and each side reads the other's.
//
// A HyperLogLog is a plain string:
//
//   "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes | cached cardinality
//   (8 bytes, little endian; top bit set = stale) | registers
//
// 16384 registers of 6 bits each. Dense: 12288 bytes of registers packed
// from the least significant bit of each byte. Sparse: run-length opcodes
//   00xxxxxx          ZERO   xxxxxx+1 (1..64) registers at 0
//   01xxxxxx yyyyyyyy XZERO  (xxxxxx<<8 | yyyyyyyy)+1 (1..16384) registers at 0
//   1vvvvvxx          VAL    xx+1 (1..4) registers at vvvvv+1 (1..32)
// A register is set from MurmurHash64A (seed 0xadc83b19) of the element:
// the low 14 bits choose the register, the length of the 000..1 run in the
// remaining 50 bits is the value. A sparse value becomes dense when a
// register needs a value above 32 or the sparse string would grow past
// hll-sparse-max-bytes; it never goes back.
//
// Every decoder here reads untrusted bytes (SET can store anything that
// starts with "HYLL") and follows Redis's acceptance rules exactly,
// including which corrupt strings PFADD still manages to update; reads never
// go past the given length (a byte past the end reads as 0, like the NUL
// that ends an sds string).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tachyon {
namespace hll {

inline constexpr int kRegisters = 1 << 14;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisters * 6 + 7) / 8;  // 12304
inline constexpr size_t kEmptySparseSize = kHeaderSize + 2;                   // one XZERO:16384
inline constexpr uint8_t kDense = 0;
inline constexpr uint8_t kSparse = 1;
// A sparse update needs this many bytes past the current length (an XZERO
// split into XZERO-VAL-XZERO, plus the scratch byte Redis's sds keeps).
inline constexpr size_t kSparseSlack = 4;

uint64_t MurmurHash64A(const void* key, int len, uint32_t seed);

// The register an element falls in and the value it would set there (1..51).
int PatternLength(std::string_view element, long* reg);

// isHLLObjectOrReply's check: magic "HYLL", a known encoding, and the exact
// length when dense. Sparse opcodes are only checked when used.
bool LooksValid(std::string_view s);

uint8_t Encoding(const uint8_t* hll);
bool CacheValid(const uint8_t* hll);
uint64_t CachedCardinality(const uint8_t* hll);
void SetCachedCardinality(uint8_t* hll, uint64_t card);
void InvalidateCache(uint8_t* hll);

// Dense registers (the 12288 bytes after the header).
uint8_t DenseGet(const uint8_t* registers, long index);
void DenseSetRaw(uint8_t* registers, long index, uint8_t value);
// Raises the register to count if it is lower; true if it changed.
bool DenseSet(uint8_t* registers, long index, uint8_t count);

// The bytes of one HyperLogLog string and the means to grow them; the
// server keeps them inside a keyspace entry, tests in a std::string.
class Storage {
 public:
  virtual uint8_t* data() = 0;
  virtual size_t size() const = 0;
  // Room for at least `capacity` bytes, contents kept; returns data().
  virtual uint8_t* Reserve(size_t capacity) = 0;
  virtual void Resize(size_t size) = 0;  // within the reserved capacity

 protected:
  ~Storage() = default;
};

// Writes the empty sparse HyperLogLog (kEmptySparseSize bytes, cache valid, 0).
void WriteEmpty(uint8_t* out);
std::string MakeEmpty();

// hllSparseToDense: converts a sparse string to dense in place (a dense one
// is left alone). False, with the string untouched, if the opcodes do not
// describe exactly 16384 registers.
bool ToDense(Storage& s);

// Raises register `index` to `count` (hllDenseSet / hllSparseSet, with the
// promotion to dense): 1 if it changed, 0 if not, -1 if the sparse string is
// corrupt. Changes invalidate the cached cardinality only in the sparse
// encoding, as in Redis (callers invalidate it for the dense one).
int Set(Storage& s, long index, uint8_t count, size_t sparse_max_bytes);
// hllAdd: Set() for an element.
int Add(Storage& s, std::string_view element, size_t sparse_max_bytes);

// Cardinality estimate of a whole string (hllCount). *invalid is set when
// the sparse opcodes do not cover exactly 16384 registers.
uint64_t Count(std::string_view s, bool* invalid);
// Estimate from kRegisters one-byte registers (PFCOUNT of several keys).
uint64_t CountRegisters(const uint8_t* registers);
// hllMerge: max[i] = max(max[i], register i). False if the sparse opcodes
// are corrupt.
bool Merge(uint8_t* max, std::string_view s);

// PFDEBUG DECODE's text of the sparse opcodes ("Z:16384", "z:3 v:2,1 ...").
std::string DecodeSparse(std::string_view s);

// PFSELFTEST: checks register access and the estimate's error on dense and
// sparse strings. Returns an empty string on success, else the failure text
// ("TESTFAILED ...").
std::string SelfTest(size_t sparse_max_bytes);

}  // namespace hll
}  // namespace tachyon
