#include "core/intset.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/bytes.h"
#include "core/zmalloc.h"

namespace tachyon {

namespace {

constexpr const char* kWhat = "intset";  // names the structure in out-of-memory aborts

// Read a little-endian signed integer of width enc (2, 4 or 8 bytes).
inline int64_t ReadInt(const unsigned char* p, uint32_t enc) {
  uint64_t u = ReadLE(p, static_cast<int>(enc));
  if (enc == 2) return static_cast<int16_t>(static_cast<uint16_t>(u));
  if (enc == 4) return static_cast<int32_t>(static_cast<uint32_t>(u));
  return static_cast<int64_t>(u);
}

inline void WriteInt(unsigned char* p, int64_t v, uint32_t enc) {
  uint64_t u = static_cast<uint64_t>(v);
  for (uint32_t i = 0; i < enc; ++i) {
    p[i] = static_cast<unsigned char>(u);
    u >>= 8;
  }
}

unsigned char* NewEmpty() {
  unsigned char* p = CheckedAlloc(kWhat, IntSet::kHeaderSize);
  WriteU32(p, IntSet::kEnc16);
  WriteU32(p + 4, 0);
  return p;
}

}  // namespace

IntSet::IntSet() : is_(NewEmpty()) {}
IntSet::~IntSet() { ZFree(is_); }

IntSet::IntSet(const IntSet& other) : is_(CheckedAlloc(kWhat, other.bytes())) {
  std::memcpy(is_, other.is_, other.bytes());
}

IntSet& IntSet::operator=(const IntSet& other) {
  if (this != &other) {
    unsigned char* copy = CheckedAlloc(kWhat, other.bytes());
    std::memcpy(copy, other.is_, other.bytes());
    ZFree(is_);
    is_ = copy;
  }
  return *this;
}

IntSet::IntSet(IntSet&& other) noexcept : is_(other.is_) { other.is_ = NewEmpty(); }

IntSet& IntSet::operator=(IntSet&& other) noexcept {
  if (this != &other) {
    ZFree(is_);
    is_ = other.is_;
    other.is_ = NewEmpty();
  }
  return *this;
}

IntSet IntSet::Adopt(unsigned char* blob) { return IntSet(blob); }

unsigned char* IntSet::Release() {
  unsigned char* out = is_;
  is_ = NewEmpty();
  return out;
}

bool IntSet::Validate(const unsigned char* p, size_t size, bool deep) {
  if (p == nullptr || size < kHeaderSize) return false;
  const uint32_t enc = ReadU32(p);
  if (enc != kEnc16 && enc != kEnc32 && enc != kEnc64) return false;
  const uint64_t count = ReadU32(p + 4);
  if (kHeaderSize + count * enc != size) return false;
  if (count == 0) return false;
  if (!deep) return true;
  int64_t prev = ReadInt(p + kHeaderSize, enc);
  for (uint64_t i = 1; i < count; ++i) {
    const int64_t cur = ReadInt(p + kHeaderSize + i * enc, enc);
    if (cur <= prev) return false;
    prev = cur;
  }
  return true;
}

bool IntSet::FromBytes(std::string_view bytes, IntSet* out, bool deep) {
  if (!Validate(bytes, deep)) return false;
  unsigned char* blob = CheckedAlloc(kWhat, bytes.size());
  std::memcpy(blob, bytes.data(), bytes.size());
  *out = IntSet(blob);
  return true;
}

uint32_t IntSet::ValueEncoding(int64_t v) {
  if (v < INT32_MIN || v > INT32_MAX) return kEnc64;
  if (v < INT16_MIN || v > INT16_MAX) return kEnc32;
  return kEnc16;
}

uint32_t IntSetView::size() const { return ReadU32(is_ + 4); }
uint32_t IntSetView::encoding() const { return ReadU32(is_); }
size_t IntSetView::bytes() const { return IntSet::kHeaderSize + static_cast<size_t>(size()) * encoding(); }
int64_t IntSetView::Get(uint32_t pos) const {
  const uint32_t enc = encoding();
  return ReadInt(is_ + IntSet::kHeaderSize + static_cast<size_t>(pos) * enc, enc);
}

uint32_t IntSet::size() const { return IntSetView(is_).size(); }
uint32_t IntSet::encoding() const { return IntSetView(is_).encoding(); }

int64_t IntSet::GetEncoded(uint32_t pos, uint32_t enc) const {
  return ReadInt(is_ + kHeaderSize + static_cast<size_t>(pos) * enc, enc);
}

void IntSet::SetEncoded(uint32_t pos, int64_t v, uint32_t enc) {
  WriteInt(is_ + kHeaderSize + static_cast<size_t>(pos) * enc, v, enc);
}

int64_t IntSet::Get(uint32_t pos) const { return IntSetView(is_).Get(pos); }

bool IntSet::Get(uint32_t pos, int64_t* value) const {
  if (pos >= size()) return false;
  *value = Get(pos);
  return true;
}

void IntSet::Resize(uint32_t len) {
  const size_t n = kHeaderSize + static_cast<size_t>(len) * encoding();
  is_ = CheckedRealloc(kWhat, is_, n);
}

bool IntSet::Search(int64_t v, uint32_t* pos) const { return IntSetView(is_).Search(v, pos); }

bool IntSetView::Search(int64_t v, uint32_t* pos) const {
  const uint32_t n = size();
  if (n == 0) {
    if (pos) *pos = 0;
    return false;
  }
  // Fast paths for values outside the current range (common when adding
  // ascending or descending sequences).
  if (v > Get(n - 1)) {
    if (pos) *pos = n;
    return false;
  }
  if (v < Get(0)) {
    if (pos) *pos = 0;
    return false;
  }
  uint32_t lo = 0, hi = n;  // search in [lo, hi)
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    const int64_t cur = Get(mid);
    if (cur == v) {
      if (pos) *pos = mid;
      return true;
    }
    if (cur < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (pos) *pos = lo;
  return false;
}

bool IntSet::Contains(int64_t v) const { return IntSetView(is_).Contains(v); }

bool IntSetView::Contains(int64_t v) const {
  return IntSet::ValueEncoding(v) <= encoding() && Search(v, nullptr);
}

void IntSet::UpgradeAndAdd(int64_t v) {
  const uint32_t old_enc = encoding();
  const uint32_t new_enc = ValueEncoding(v);
  const uint32_t n = size();
  // v does not fit the old encoding, so it is below or above every member.
  const uint32_t prepend = v < 0 ? 1 : 0;
  WriteU32(is_, new_enc);
  Resize(n + 1);
  // Widen from the back so no value is overwritten before it is read.
  for (uint32_t i = n; i-- > 0;) SetEncoded(i + prepend, GetEncoded(i, old_enc), new_enc);
  SetEncoded(prepend ? 0 : n, v, new_enc);
  WriteU32(is_ + 4, n + 1);
}

bool IntSet::Add(int64_t v) {
  if (ValueEncoding(v) > encoding()) {
    UpgradeAndAdd(v);
    return true;
  }
  uint32_t pos;
  if (Search(v, &pos)) return false;
  const uint32_t n = size();
  const uint32_t enc = encoding();
  Resize(n + 1);
  if (pos < n) {
    unsigned char* base = is_ + kHeaderSize;
    std::memmove(base + static_cast<size_t>(pos + 1) * enc, base + static_cast<size_t>(pos) * enc,
                 static_cast<size_t>(n - pos) * enc);
  }
  SetEncoded(pos, v, enc);
  WriteU32(is_ + 4, n + 1);
  return true;
}

bool IntSet::Remove(int64_t v) {
  uint32_t pos;
  if (ValueEncoding(v) > encoding() || !Search(v, &pos)) return false;
  const uint32_t n = size();
  const uint32_t enc = encoding();
  if (pos < n - 1) {
    unsigned char* base = is_ + kHeaderSize;
    std::memmove(base + static_cast<size_t>(pos) * enc, base + static_cast<size_t>(pos + 1) * enc,
                 static_cast<size_t>(n - pos - 1) * enc);
  }
  WriteU32(is_ + 4, n - 1);
  Resize(n - 1);
  return true;
}

}  // namespace tachyon
