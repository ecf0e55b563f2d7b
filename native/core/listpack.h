// Listpack: Redis 7.0's compact sequence encoding, byte for byte.
//
// The blob is exactly what Redis keeps in memory and writes into RDB files
// (RDB_TYPE_HASH_LISTPACK / ZSET_LISTPACK payloads, quicklist nodes), so it
// can be saved and loaded without any conversion:
//
//   <total-bytes u32 LE> <num-elements u16 LE> <entry>* <0xFF>
//
// num-elements saturates at 65535 ("unknown"): the real count is then found
// by walking the entries (and written back once it drops below 65535 again).
// Each entry is <encoding+data> <backlen>:
//
//   0xxxxxxx                          7-bit unsigned int (0..127)
//   10llllll <data>                   string, length < 64
//   110vvvvv vvvvvvvv                 13-bit signed int (-4096..4095),
//                                     two's complement in 13 bits
//   1110llll llllllll <data>          string, length < 4096 (big-endian len)
//   0xF0 <len u32 LE> <data>          string, any longer length
//   0xF1 <i16 LE> | 0xF2 <i24 LE> | 0xF3 <i32 LE> | 0xF4 <i64 LE>
//   0xF5..0xFE                        invalid; 0xFF is the end marker
//
// backlen is the byte length of <encoding+data> written as 1-5 bytes of 7
// bits each, most significant group first, every byte except the first
// having its high bit set, so it can be decoded right-to-left from the byte
// before the next entry (1 byte up to 127, 2 below 16383, 3 below 2097151,
// 4 below 268435455, else 5 -- the bounds are Redis's, exclusive).
//
// A string is stored as an integer exactly when String2ll() accepts it
// ("123", "-5"; not "0123", "+1", "-0", " 1", "1.0", 20-digit overflow),
// choosing the smallest integer encoding; otherwise the smallest string
// encoding. Reading such an entry back gives the integer, whose decimal form
// is the original string.
//
// Positions are byte offsets of an entry inside the blob (stable across
// reallocation, invalidated by any mutation before them); npos means "no
// entry". The blob is malloc()'d and owned; Release()/Adopt() hand it over
// without copying (e.g. to and from the RDB code).
//
// Integrity: mutators trust the blob. Anything that came from outside (RDB
// file, RESTORE payload) must pass Validate()/FromBytes() first; Validate
// never reads out of bounds and returns false on any inconsistency.
#ifndef TACHYON_CORE_LISTPACK_H_
#define TACHYON_CORE_LISTPACK_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/util.h"

namespace tachyon {

// One listpack element: an integer (str == nullptr) or a byte string that
// points into the listpack (valid until the next mutation).
struct LpValue {
  const unsigned char* str = nullptr;
  uint32_t len = 0;
  int64_t ival = 0;

  bool is_int() const { return str == nullptr; }
  // The string bytes; only meaningful when !is_int().
  std::string_view sv() const {
    return std::string_view(reinterpret_cast<const char*>(str), len);
  }
  // Decimal form for integers (written into buf), the bytes otherwise.
  std::string_view View(char (&buf)[kLongStrSize]) const;
  std::string ToString() const;
  // Same element as the string s (an integer equals its decimal form only).
  bool Equals(std::string_view s) const;
  // memcmp-then-length comparison of the string forms (sdscmp order).
  int Compare(std::string_view s) const;
};

class Listpack {
 public:
  static constexpr size_t kHeaderSize = 6;
  static constexpr unsigned char kEof = 0xFF;
  static constexpr uint32_t kNumElementsUnknown = 65535;
  static constexpr size_t npos = static_cast<size_t>(-1);
  // Redis refuses to grow a listpack past 1 GB (LISTPACK_MAX_SAFETY_SIZE)
  // and converts the object to its big encoding instead.
  static constexpr size_t kMaxSafetySize = size_t{1} << 30;

  Listpack();  // empty listpack: 07 00 00 00 00 00 FF
  ~Listpack();
  Listpack(const Listpack& other);
  Listpack& operator=(const Listpack& other);
  Listpack(Listpack&& other) noexcept;
  Listpack& operator=(Listpack&& other) noexcept;

  // Takes ownership of a malloc()'d listpack blob, which must be valid.
  static Listpack Adopt(unsigned char* blob);
  // Gives the malloc()'d blob to the caller (free() it); *this becomes an
  // empty listpack.
  unsigned char* Release();
  // Validates and copies untrusted bytes. Returns false (leaving *out
  // untouched) if they are not a well-formed listpack.
  static bool FromBytes(std::string_view bytes, Listpack* out, bool deep = true);
  // Integrity check. Header only when !deep: size >= 7, total-bytes field ==
  // size, last byte 0xFF. With deep, every entry: valid encoding, inside the
  // blob, backlen consistent, entries end exactly at the 0xFF, and the count
  // equals num-elements unless that is 65535. *count gets the entry count.
  static bool Validate(const unsigned char* p, size_t size, bool deep,
                       size_t* count = nullptr);
  static bool Validate(std::string_view bytes, bool deep, size_t* count = nullptr) {
    return Validate(reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), deep, count);
  }
  // Whether a listpack of current_bytes may grow by add bytes (Redis's
  // lpSafeToAdd).
  static bool SafeToAdd(size_t current_bytes, size_t add) {
    return current_bytes + add <= kMaxSafetySize;
  }
  bool SafeToAdd(size_t add) const { return SafeToAdd(bytes(), add); }

  const unsigned char* data() const { return lp_; }
  size_t bytes() const;
  std::string_view view() const {
    return std::string_view(reinterpret_cast<const char*>(lp_), bytes());
  }
  // Number of elements; walks the entries when the header says "unknown"
  // (and stores the result in the header if it fits).
  size_t size() const;
  bool empty() const { return lp_[kHeaderSize] == kEof; }
  // The raw num-elements header field.
  uint32_t header_count() const;

  // ---- navigation (O(1) except Seek / Last-with-unknown-count) ----
  size_t First() const { return empty() ? npos : kHeaderSize; }
  size_t Last() const;
  size_t Next(size_t pos) const;
  size_t Prev(size_t pos) const;
  // Entry at index (negative counts from the end: -1 is the last), or npos.
  size_t Seek(long index) const;
  LpValue Get(size_t pos) const;
  // Total encoded size of the entry at pos, backlen included.
  size_t EntrySize(size_t pos) const;

  // ---- mutation (any of these invalidates LpValue string pointers) ----
  // A string that is a canonical integer (String2ll) is stored as one.
  void Append(std::string_view s);
  void AppendInteger(int64_t v);
  void Prepend(std::string_view s);
  void PrependInteger(int64_t v);
  // Insert a new element before / after the entry at pos; returns the
  // offset of the new entry.
  size_t InsertBefore(size_t pos, std::string_view s);
  size_t InsertAfter(size_t pos, std::string_view s);
  size_t InsertIntegerBefore(size_t pos, int64_t v);
  size_t InsertIntegerAfter(size_t pos, int64_t v);
  // Replace the element at pos; the new entry is at the same offset.
  size_t Replace(size_t pos, std::string_view s);
  size_t ReplaceInteger(size_t pos, int64_t v);
  // Delete the entry at pos; returns the offset of the entry that followed
  // it (now at pos) or npos if it was the last.
  size_t Delete(size_t pos);
  // Delete up to num entries starting with the one at pos / at index
  // (negative from the end). Returns how many were deleted.
  size_t DeleteRangeAt(size_t pos, size_t num);
  size_t DeleteRange(long index, size_t num);
  void Clear();
  // Append / prepend all elements of other (used to merge quicklist nodes).
  void AppendAll(const Listpack& other);
  void PrependAll(const Listpack& other);

  // First entry equal to s among pos, then every (skip+1)-th entry after it
  // (skip=1 visits only hash fields / zset members when pos is a field).
  // Returns npos if none.
  size_t Find(size_t pos, std::string_view s, unsigned skip = 0) const;

  // f(const LpValue&) for every element, front to back; stops early if f
  // returns false (when it returns bool).
  template <typename F>
  void ForEach(F&& f) const {
    for (size_t p = First(); p != npos; p = Next(p)) {
      if constexpr (std::is_same_v<decltype(f(Get(p))), bool>) {
        if (!f(Get(p))) return;
      } else {
        f(Get(p));
      }
    }
  }

  // Encoded size of an element (encoding + data + backlen), as it would be
  // stored by Append.
  static size_t EncodedSize(std::string_view s);
  static size_t EncodedIntegerSize(int64_t v);
  // Writes one element as Append would store it (encoding, data, backlen)
  // at out, which must hold EncodedSize(s) / EncodedIntegerSize(v) bytes;
  // returns the bytes written. With AppendEncoded, a caller adding several
  // elements at once (a stream entry) pays for one reallocation.
  static size_t EncodeString(std::string_view s, unsigned char* out);
  static size_t EncodeInteger(int64_t v, unsigned char* out);
  // Appends n bytes holding `elements` encoded elements.
  void AppendEncoded(const unsigned char* p, size_t n, uint32_t elements);

 private:
  explicit Listpack(unsigned char* blob) : lp_(blob) {}
  // Replace old_len bytes at off by room for new_len bytes, adjusting the
  // header (total bytes, count by count_delta). Returns the write pointer.
  unsigned char* Splice(size_t off, size_t old_len, size_t new_len, int count_delta);
  size_t InsertAt(size_t off, std::string_view s);
  size_t InsertIntegerAt(size_t off, int64_t v);
  void SetCount(uint32_t n);
  void SetBytes(uint32_t n);

  unsigned char* lp_;
};

}  // namespace tachyon

#endif  // TACHYON_CORE_LISTPACK_H_
