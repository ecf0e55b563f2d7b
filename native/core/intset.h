// IntSet: Redis's sorted integer array, byte-compatible with RDB_TYPE_SET_INTSET.
//
//   <encoding u32 LE> <length u32 LE> <length values, each `encoding` bytes, LE>
//
// encoding is 2, 4 or 8 (int16/int32/int64): the smallest width that holds
// every member. Values are strictly ascending. Adding a value that needs a
// wider encoding upgrades the whole array (the new value is then either the
// smallest or the largest, so it goes to one end); the encoding never
// shrinks on removal, like Redis.
//
// The blob is malloc()'d and owned; Release()/Adopt() transfer it without
// copying. Untrusted bytes must go through Validate()/FromBytes().
//
// Redis 7.0 keeps a set in this encoding while every member is a canonical
// integer (String2ll) and it has at most set-max-intset-entries (512)
// members; that policy belongs to the set type, not to this class.
#ifndef TACHYON_CORE_INTSET_H_
#define TACHYON_CORE_INTSET_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tachyon {

// Read access to intset bytes someone else owns (and does not change while
// the view is used): SetValue's intset when it lives inside its entry's block.
class IntSetView {
 public:
  explicit IntSetView(const unsigned char* blob) : is_(blob) {}

  uint32_t size() const;
  uint32_t encoding() const;
  size_t bytes() const;
  const unsigned char* data() const { return is_; }
  std::string_view view() const { return std::string_view(reinterpret_cast<const char*>(is_), bytes()); }
  int64_t Get(uint32_t pos) const;
  bool Search(int64_t v, uint32_t* pos) const;
  bool Contains(int64_t v) const;
  int64_t Random(uint64_t random_number) const { return Get(static_cast<uint32_t>(random_number % size())); }

 private:
  const unsigned char* is_;
};

class IntSet {
 public:
  static constexpr uint32_t kEnc16 = 2;
  static constexpr uint32_t kEnc32 = 4;
  static constexpr uint32_t kEnc64 = 8;
  static constexpr size_t kHeaderSize = 8;

  IntSet();  // empty, int16 encoding
  ~IntSet();
  IntSet(const IntSet& other);
  IntSet& operator=(const IntSet& other);
  IntSet(IntSet&& other) noexcept;
  IntSet& operator=(IntSet&& other) noexcept;

  // Takes ownership of a malloc()'d, valid intset blob.
  static IntSet Adopt(unsigned char* blob);
  // Hands the malloc()'d blob to the caller; *this becomes empty.
  unsigned char* Release();
  // Puts `blob` (a valid intset, or nullptr just before destruction) in place
  // and returns the previous pointer, neither freeing nor copying anything:
  // for an owner that keeps the bytes where the allocator does not hand them
  // out (SetValue's intset inside its entry's block).
  unsigned char* Swap(unsigned char* blob) {
    unsigned char* old = is_;
    is_ = blob;
    return old;
  }
  // Validates and copies untrusted bytes; false if malformed.
  static bool FromBytes(std::string_view bytes, IntSet* out, bool deep = true);
  // Redis's intsetValidateIntegrity: header readable, encoding 2/4/8, size ==
  // 8 + length*encoding, length > 0 (an empty intset is never stored), and
  // with deep, strictly ascending values.
  static bool Validate(const unsigned char* p, size_t size, bool deep);
  static bool Validate(std::string_view bytes, bool deep) {
    return Validate(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), deep);
  }

  // Smallest encoding that can hold v.
  static uint32_t ValueEncoding(int64_t v);

  // Returns true if v was added, false if already present.
  bool Add(int64_t v);
  // Returns true if v was removed.
  bool Remove(int64_t v);
  bool Contains(int64_t v) const;
  // Binary search: true and *pos = index if found; otherwise false and *pos
  // = the index where v would be inserted.
  bool Search(int64_t v, uint32_t* pos) const;
  // Value at index pos (0-based); pos must be < size().
  int64_t Get(uint32_t pos) const;
  // Bounds-checked variant like intsetGet.
  bool Get(uint32_t pos, int64_t* value) const;
  // A uniformly chosen member using the caller's random number (Redis uses
  // rand() % length). The set must not be empty.
  int64_t Random(uint64_t random_number) const { return Get(static_cast<uint32_t>(random_number % size())); }
  int64_t Min() const { return Get(0); }
  int64_t Max() const { return Get(size() - 1); }

  uint32_t size() const;
  bool empty() const { return size() == 0; }
  uint32_t encoding() const;
  size_t bytes() const { return kHeaderSize + static_cast<size_t>(size()) * encoding(); }
  const unsigned char* data() const { return is_; }
  std::string_view view() const {
    return std::string_view(reinterpret_cast<const char*>(is_), bytes());
  }

 private:
  explicit IntSet(unsigned char* blob) : is_(blob) {}
  int64_t GetEncoded(uint32_t pos, uint32_t enc) const;
  void SetEncoded(uint32_t pos, int64_t v, uint32_t enc);
  void Resize(uint32_t len);
  void UpgradeAndAdd(int64_t v);

  unsigned char* is_;
};

}  // namespace tachyon

#endif  // TACHYON_CORE_INTSET_H_
