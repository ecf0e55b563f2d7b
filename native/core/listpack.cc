#include "core/listpack.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/bytes.h"
#include "core/zmalloc.h"

namespace tachyon {

namespace {

constexpr const char* kWhat = "listpack";  // names the structure in out-of-memory aborts

inline void WriteLE(unsigned char* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) {
    p[i] = static_cast<unsigned char>(v);
    v >>= 8;
  }
}

// Sign-extend the low `bits` bits of u.
inline int64_t SignExtend(uint64_t u, int bits) {
  if (bits == 64) return static_cast<int64_t>(u);
  const uint64_t sign = uint64_t{1} << (bits - 1);
  const uint64_t mask = (uint64_t{1} << bits) - 1;
  u &= mask;
  return (u & sign) ? static_cast<int64_t>(u) - static_cast<int64_t>(mask) - 1
                    : static_cast<int64_t>(u);
}

// ---- backlen ----

inline size_t BacklenSize(uint64_t l) {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

// Most significant 7-bit group first; every byte after the first carries
// the continuation bit, because the reader starts from the last byte.
inline void WriteBacklen(unsigned char* out, uint64_t l) {
  const size_t n = BacklenSize(l);
  for (size_t i = n; i-- > 0;) {
    out[i] = static_cast<unsigned char>((l & 127) | (i == 0 ? 0 : 128));
    l >>= 7;
  }
}

// Decode a backlen whose last byte is *last, reading no byte before lo.
// Returns false if it would, or if it is longer than 5 bytes.
inline bool ReadBacklen(const unsigned char* last, const unsigned char* lo,
                        uint64_t* out, size_t* nbytes) {
  uint64_t v = 0;
  unsigned shift = 0;
  const unsigned char* p = last;
  size_t n = 0;
  while (true) {
    if (p < lo) return false;
    v |= static_cast<uint64_t>(p[0] & 127) << shift;
    ++n;
    if (!(p[0] & 128)) break;
    shift += 7;
    if (shift > 28) return false;
    --p;
  }
  *out = v;
  if (nbytes) *nbytes = n;
  return true;
}

// ---- entry encoding ----

// Integer encoding into out (<= 9 bytes); returns its length.
size_t EncodeInt(int64_t v, unsigned char* out) {
  if (v >= 0 && v <= 127) {
    out[0] = static_cast<unsigned char>(v);
    return 1;
  }
  if (v >= -4096 && v <= 4095) {
    const uint64_t u = static_cast<uint64_t>(v) & 0x1FFF;
    out[0] = static_cast<unsigned char>(0xC0 | (u >> 8));
    out[1] = static_cast<unsigned char>(u & 0xFF);
    return 2;
  }
  if (v >= -32768 && v <= 32767) {
    out[0] = 0xF1;
    WriteLE(out + 1, static_cast<uint64_t>(v), 2);
    return 3;
  }
  if (v >= -8388608 && v <= 8388607) {
    out[0] = 0xF2;
    WriteLE(out + 1, static_cast<uint64_t>(v), 3);
    return 4;
  }
  if (v >= -2147483648LL && v <= 2147483647LL) {
    out[0] = 0xF3;
    WriteLE(out + 1, static_cast<uint64_t>(v), 4);
    return 5;
  }
  out[0] = 0xF4;
  WriteLE(out + 1, static_cast<uint64_t>(v), 8);
  return 9;
}

inline size_t IntEncodedLen(int64_t v) {
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= -2147483648LL && v <= 2147483647LL) return 5;
  return 9;
}

// String header into out (<= 5 bytes); returns its length.
size_t EncodeStrHeader(size_t len, unsigned char* out) {
  if (len < 64) {
    out[0] = static_cast<unsigned char>(0x80 | len);
    return 1;
  }
  if (len < 4096) {
    out[0] = static_cast<unsigned char>(0xE0 | (len >> 8));
    out[1] = static_cast<unsigned char>(len & 0xFF);
    return 2;
  }
  out[0] = 0xF0;
  WriteU32(out + 1, static_cast<uint32_t>(len));
  return 5;
}

inline size_t StrHeaderLen(size_t len) { return len < 64 ? 1 : (len < 4096 ? 2 : 5); }

// Decoded view of the entry at p (trusted blob).
struct Entry {
  size_t enc_len;  // encoding + data
  size_t total;    // enc_len + backlen
  LpValue value;
};

Entry Decode(const unsigned char* p) {
  Entry e;
  const unsigned char b = p[0];
  if (b < 0x80) {
    e.enc_len = 1;
    e.value.ival = b;
  } else if ((b & 0xC0) == 0x80) {
    e.value.len = b & 0x3F;
    e.value.str = p + 1;
    e.enc_len = 1 + e.value.len;
  } else if ((b & 0xE0) == 0xC0) {
    e.enc_len = 2;
    e.value.ival = SignExtend((static_cast<uint64_t>(b & 0x1F) << 8) | p[1], 13);
  } else if ((b & 0xF0) == 0xE0) {
    e.value.len = (static_cast<uint32_t>(b & 0x0F) << 8) | p[1];
    e.value.str = p + 2;
    e.enc_len = 2 + e.value.len;
  } else {
    switch (b) {
      case 0xF0:
        e.value.len = ReadU32(p + 1);
        e.value.str = p + 5;
        e.enc_len = 5 + static_cast<size_t>(e.value.len);
        break;
      case 0xF1:
        e.enc_len = 3;
        e.value.ival = SignExtend(ReadLE(p + 1, 2), 16);
        break;
      case 0xF2:
        e.enc_len = 4;
        e.value.ival = SignExtend(ReadLE(p + 1, 3), 24);
        break;
      case 0xF3:
        e.enc_len = 5;
        e.value.ival = SignExtend(ReadLE(p + 1, 4), 32);
        break;
      case 0xF4:
        e.enc_len = 9;
        e.value.ival = static_cast<int64_t>(ReadLE(p + 1, 8));
        break;
      default:
        // Only reachable on a corrupt blob that skipped validation.
        std::fprintf(stderr, "listpack: invalid entry encoding 0x%02x\n", b);
        std::abort();
    }
  }
  e.total = e.enc_len + BacklenSize(e.enc_len);
  return e;
}

// Bytes needed to read the length of the entry starting with byte b, or 0
// for an invalid encoding byte (0xF5..0xFF).
inline size_t HeaderBytes(unsigned char b) {
  if (b < 0x80) return 1;
  if ((b & 0xC0) == 0x80) return 1;
  if ((b & 0xE0) == 0xC0) return 2;
  if ((b & 0xF0) == 0xE0) return 2;
  switch (b) {
    case 0xF0: return 5;
    case 0xF1: return 3;
    case 0xF2: return 4;
    case 0xF3: return 5;
    case 0xF4: return 9;
    default: return 0;
  }
}

bool PointsInto(const unsigned char* blob, size_t n, std::string_view s) {
  const auto* d = reinterpret_cast<const unsigned char*>(s.data());
  return !s.empty() && d >= blob && d < blob + n;
}

}  // namespace

// ---- LpValue ----

std::string_view LpValue::View(char (&buf)[kLongStrSize]) const {
  if (!is_int()) return sv();
  const int n = Ll2String(buf, sizeof(buf), ival);
  return std::string_view(buf, static_cast<size_t>(n));
}

std::string LpValue::ToString() const {
  if (!is_int()) return std::string(sv());
  return Ll2Str(ival);
}

bool LpValue::Equals(std::string_view s) const {
  if (!is_int()) return len == s.size() && (len == 0 || std::memcmp(str, s.data(), len) == 0);
  long long v;
  return String2ll(s.data(), s.size(), &v) && v == ival;
}

int LpValue::Compare(std::string_view s) const {
  char buf[kLongStrSize];
  const std::string_view a = View(buf);
  const size_t n = a.size() < s.size() ? a.size() : s.size();
  const int c = n ? std::memcmp(a.data(), s.data(), n) : 0;
  if (c != 0) return c;
  if (a.size() == s.size()) return 0;
  return a.size() < s.size() ? -1 : 1;
}

// ---- Listpack: lifetime ----

Listpack::Listpack() : lp_(CheckedAlloc(kWhat, kHeaderSize + 1)) {
  WriteU32(lp_, kHeaderSize + 1);
  lp_[4] = lp_[5] = 0;
  lp_[kHeaderSize] = kEof;
}

Listpack::~Listpack() { ZFree(lp_); }

Listpack::Listpack(const Listpack& other) : lp_(CheckedAlloc(kWhat, other.bytes())) {
  std::memcpy(lp_, other.lp_, other.bytes());
}

Listpack& Listpack::operator=(const Listpack& other) {
  if (this != &other) {
    unsigned char* copy = CheckedAlloc(kWhat, other.bytes());
    std::memcpy(copy, other.lp_, other.bytes());
    ZFree(lp_);
    lp_ = copy;
  }
  return *this;
}

Listpack::Listpack(Listpack&& other) noexcept : lp_(other.lp_) {
  // Leave other as a valid empty listpack.
  other.lp_ = CheckedAlloc(kWhat, kHeaderSize + 1);
  WriteU32(other.lp_, kHeaderSize + 1);
  other.lp_[4] = other.lp_[5] = 0;
  other.lp_[kHeaderSize] = kEof;
}

Listpack& Listpack::operator=(Listpack&& other) noexcept {
  if (this != &other) {
    unsigned char* tmp = lp_;
    lp_ = other.lp_;
    other.lp_ = tmp;
    other.Clear();
  }
  return *this;
}

Listpack Listpack::Adopt(unsigned char* blob) { return Listpack(blob); }

unsigned char* Listpack::Release() {
  unsigned char* out = lp_;
  lp_ = CheckedAlloc(kWhat, kHeaderSize + 1);
  WriteU32(lp_, kHeaderSize + 1);
  lp_[4] = lp_[5] = 0;
  lp_[kHeaderSize] = kEof;
  return out;
}

bool Listpack::FromBytes(std::string_view bytes, Listpack* out, bool deep) {
  if (!Validate(bytes, deep)) return false;
  unsigned char* blob = CheckedAlloc(kWhat, bytes.size());
  std::memcpy(blob, bytes.data(), bytes.size());
  *out = Listpack(blob);
  return true;
}

bool Listpack::Validate(const unsigned char* p, size_t size, bool deep, size_t* count) {
  if (p == nullptr || size < kHeaderSize + 1) return false;
  if (ReadU32(p) != size) return false;
  if (p[size - 1] != kEof) return false;
  if (!deep) return true;
  const size_t eof = size - 1;
  size_t off = kHeaderSize;
  size_t n = 0;
  while (off < eof && p[off] != kEof) {
    const size_t hdr = HeaderBytes(p[off]);
    if (hdr == 0) return false;
    if (off + hdr > eof) return false;  // length bytes must be readable
    const Entry e = Decode(p + off);   // reads only the hdr bytes
    if (e.enc_len > eof - off) return false;
    const size_t bl = BacklenSize(e.enc_len);
    if (e.total > eof - off) return false;
    uint64_t back = 0;
    size_t back_bytes = 0;
    if (!ReadBacklen(p + off + e.total - 1, p + off + e.enc_len, &back, &back_bytes))
      return false;
    if (back != e.enc_len || back_bytes != bl) return false;
    off += e.total;
    ++n;
  }
  if (off != eof) return false;
  const uint32_t hdr_count = static_cast<uint32_t>(p[4]) | (static_cast<uint32_t>(p[5]) << 8);
  if (hdr_count != kNumElementsUnknown && hdr_count != n) return false;
  if (count) *count = n;
  return true;
}

// ---- header ----

size_t Listpack::bytes() const { return ReadU32(lp_); }

uint32_t Listpack::header_count() const {
  return static_cast<uint32_t>(lp_[4]) | (static_cast<uint32_t>(lp_[5]) << 8);
}

void Listpack::SetCount(uint32_t n) {
  if (n > kNumElementsUnknown) n = kNumElementsUnknown;
  lp_[4] = static_cast<unsigned char>(n);
  lp_[5] = static_cast<unsigned char>(n >> 8);
}

void Listpack::SetBytes(uint32_t n) { WriteU32(lp_, n); }

size_t Listpack::size() const {
  const uint32_t c = header_count();
  if (c != kNumElementsUnknown) return c;
  size_t n = 0;
  for (size_t p = First(); p != npos; p = Next(p)) ++n;
  if (n < kNumElementsUnknown) {
    // Like lpLength: cache the count once it fits again. This changes no
    // element, so it is fine from a const method.
    lp_[4] = static_cast<unsigned char>(n);
    lp_[5] = static_cast<unsigned char>(n >> 8);
  }
  return n;
}

// ---- navigation ----

size_t Listpack::EntrySize(size_t pos) const { return Decode(lp_ + pos).total; }

size_t Listpack::Next(size_t pos) const {
  const size_t next = pos + Decode(lp_ + pos).total;
  return lp_[next] == kEof ? npos : next;
}

size_t Listpack::Prev(size_t pos) const {
  if (pos <= kHeaderSize) return npos;
  uint64_t l = 0;
  size_t nb = 0;
  ReadBacklen(lp_ + pos - 1, lp_ + kHeaderSize, &l, &nb);
  return pos - nb - static_cast<size_t>(l);
}

size_t Listpack::Last() const {
  if (empty()) return npos;
  return Prev(bytes() - 1);
}

size_t Listpack::Seek(long index) const {
  const size_t n = size();
  long long idx = index;
  if (idx < 0) idx += static_cast<long long>(n);
  if (idx < 0 || static_cast<unsigned long long>(idx) >= n) return npos;
  const size_t i = static_cast<size_t>(idx);
  if (i > n / 2) {
    size_t p = Last();
    for (size_t k = n - 1; k > i; --k) p = Prev(p);
    return p;
  }
  size_t p = First();
  for (size_t k = 0; k < i; ++k) p = Next(p);
  return p;
}

LpValue Listpack::Get(size_t pos) const { return Decode(lp_ + pos).value; }

size_t Listpack::EncodedSize(std::string_view s) {
  long long v;
  if (String2ll(s.data(), s.size(), &v)) return EncodedIntegerSize(v);
  const size_t enc = StrHeaderLen(s.size()) + s.size();
  return enc + BacklenSize(enc);
}

size_t Listpack::EncodedIntegerSize(int64_t v) {
  const size_t enc = IntEncodedLen(v);
  return enc + BacklenSize(enc);
}

size_t Listpack::EncodeInteger(int64_t v, unsigned char* out) {
  const size_t enc_len = EncodeInt(v, out);
  out[enc_len] = static_cast<unsigned char>(enc_len);  // 1..9: a one-byte backlen
  return enc_len + 1;
}

size_t Listpack::EncodeString(std::string_view s, unsigned char* out) {
  long long v;
  if (String2ll(s.data(), s.size(), &v)) return EncodeInteger(v, out);
  const size_t hdr_len = EncodeStrHeader(s.size(), out);
  if (!s.empty()) std::memcpy(out + hdr_len, s.data(), s.size());
  const size_t enc_len = hdr_len + s.size();
  WriteBacklen(out + enc_len, enc_len);
  return enc_len + BacklenSize(enc_len);
}

// ---- mutation ----

void Listpack::AppendEncoded(const unsigned char* p, size_t n, uint32_t elements) {
  if (n == 0) return;
  unsigned char* dst = Splice(bytes() - 1, 0, n, static_cast<int>(elements));
  std::memcpy(dst, p, n);
}

unsigned char* Listpack::Splice(size_t off, size_t old_len, size_t new_len, int count_delta) {
  const size_t total = bytes();
  const size_t new_total = total - old_len + new_len;
  if (new_total > UINT32_MAX) {
    std::fprintf(stderr, "listpack: size %zu exceeds 4 GB\n", new_total);
    std::abort();
  }
  const size_t tail = total - off - old_len;  // bytes after the replaced span
  if (new_len > old_len) {
    // Growth reallocates only past the block's usable size, as Redis's lpInsert.
    if (new_total > ZMallocSize(lp_)) lp_ = CheckedRealloc(kWhat, lp_, new_total);
    std::memmove(lp_ + off + new_len, lp_ + off + old_len, tail);
  } else if (new_len < old_len) {
    std::memmove(lp_ + off + new_len, lp_ + off + old_len, tail);
    lp_ = CheckedRealloc(kWhat, lp_, new_total);
  }
  SetBytes(static_cast<uint32_t>(new_total));
  if (count_delta != 0) {
    const uint32_t c = header_count();
    if (c != kNumElementsUnknown) {
      const long long nc = static_cast<long long>(c) + count_delta;
      SetCount(nc < 0 ? 0 : static_cast<uint32_t>(nc));
    }
  }
  return lp_ + off;
}

size_t Listpack::InsertIntegerAt(size_t off, int64_t v) {
  const size_t enc_len = IntEncodedLen(v);  // 1..9, so the backlen is 1 byte
  unsigned char* dst = Splice(off, 0, enc_len + 1, +1);
  EncodeInt(v, dst);
  dst[enc_len] = static_cast<unsigned char>(enc_len);
  return off;
}

size_t Listpack::InsertAt(size_t off, std::string_view s) {
  long long v;
  if (String2ll(s.data(), s.size(), &v)) return InsertIntegerAt(off, v);
  std::string copy;
  if (PointsInto(lp_, bytes(), s)) {
    copy.assign(s);
    s = copy;
  }
  unsigned char hdr[5];
  const size_t hdr_len = EncodeStrHeader(s.size(), hdr);
  const size_t enc_len = hdr_len + s.size();
  const size_t total = enc_len + BacklenSize(enc_len);
  unsigned char* dst = Splice(off, 0, total, +1);
  std::memcpy(dst, hdr, hdr_len);
  if (!s.empty()) std::memcpy(dst + hdr_len, s.data(), s.size());
  WriteBacklen(dst + enc_len, enc_len);
  return off;
}

void Listpack::Append(std::string_view s) { InsertAt(bytes() - 1, s); }
void Listpack::AppendInteger(int64_t v) { InsertIntegerAt(bytes() - 1, v); }
void Listpack::Prepend(std::string_view s) { InsertAt(kHeaderSize, s); }
void Listpack::PrependInteger(int64_t v) { InsertIntegerAt(kHeaderSize, v); }

size_t Listpack::InsertBefore(size_t pos, std::string_view s) { return InsertAt(pos, s); }
size_t Listpack::InsertAfter(size_t pos, std::string_view s) {
  return InsertAt(pos + EntrySize(pos), s);
}
size_t Listpack::InsertIntegerBefore(size_t pos, int64_t v) { return InsertIntegerAt(pos, v); }
size_t Listpack::InsertIntegerAfter(size_t pos, int64_t v) {
  return InsertIntegerAt(pos + EntrySize(pos), v);
}

size_t Listpack::ReplaceInteger(size_t pos, int64_t v) {
  const size_t enc_len = IntEncodedLen(v);
  unsigned char* dst = Splice(pos, EntrySize(pos), enc_len + 1, 0);
  EncodeInt(v, dst);
  dst[enc_len] = static_cast<unsigned char>(enc_len);
  return pos;
}

size_t Listpack::Replace(size_t pos, std::string_view s) {
  long long v;
  if (String2ll(s.data(), s.size(), &v)) return ReplaceInteger(pos, v);
  std::string copy;
  if (PointsInto(lp_, bytes(), s)) {
    copy.assign(s);
    s = copy;
  }
  unsigned char hdr[5];
  const size_t hdr_len = EncodeStrHeader(s.size(), hdr);
  const size_t enc_len = hdr_len + s.size();
  const size_t total = enc_len + BacklenSize(enc_len);
  unsigned char* dst = Splice(pos, EntrySize(pos), total, 0);
  std::memcpy(dst, hdr, hdr_len);
  if (!s.empty()) std::memcpy(dst + hdr_len, s.data(), s.size());
  WriteBacklen(dst + enc_len, enc_len);
  return pos;
}

size_t Listpack::Delete(size_t pos) {
  Splice(pos, EntrySize(pos), 0, -1);
  return lp_[pos] == kEof ? npos : pos;
}

size_t Listpack::DeleteRangeAt(size_t pos, size_t num) {
  if (pos == npos || num == 0) return 0;
  size_t end = pos;
  size_t deleted = 0;
  while (deleted < num && lp_[end] != kEof) {
    end += EntrySize(end);
    ++deleted;
  }
  if (deleted == 0) return 0;
  const uint32_t c = header_count();
  Splice(pos, end - pos, 0, 0);
  if (c != kNumElementsUnknown) SetCount(static_cast<uint32_t>(c - deleted));
  return deleted;
}

size_t Listpack::DeleteRange(long index, size_t num) {
  return DeleteRangeAt(Seek(index), num);
}

void Listpack::Clear() {
  lp_ = CheckedRealloc(kWhat, lp_, kHeaderSize + 1);
  WriteU32(lp_, kHeaderSize + 1);
  lp_[4] = lp_[5] = 0;
  lp_[kHeaderSize] = kEof;
}

void Listpack::AppendAll(const Listpack& other) {
  if (&other == this) {
    const Listpack copy(other);
    AppendAll(copy);
    return;
  }
  const size_t n = other.bytes() - kHeaderSize - 1;
  if (n == 0) return;
  const size_t total = size() + other.size();
  unsigned char* dst = Splice(bytes() - 1, 0, n, 0);
  std::memcpy(dst, other.lp_ + kHeaderSize, n);
  SetCount(total >= kNumElementsUnknown ? kNumElementsUnknown : static_cast<uint32_t>(total));
}

void Listpack::PrependAll(const Listpack& other) {
  if (&other == this) {
    const Listpack copy(other);
    PrependAll(copy);
    return;
  }
  const size_t n = other.bytes() - kHeaderSize - 1;
  if (n == 0) return;
  const size_t total = size() + other.size();
  unsigned char* dst = Splice(kHeaderSize, 0, n, 0);
  std::memcpy(dst, other.lp_ + kHeaderSize, n);
  SetCount(total >= kNumElementsUnknown ? kNumElementsUnknown : static_cast<uint32_t>(total));
}

size_t Listpack::Find(size_t pos, std::string_view s, unsigned skip) const {
  bool parsed = false, s_is_int = false;
  long long sval = 0;
  unsigned skipcnt = 0;
  for (size_t p = pos; p != npos; p = Next(p)) {
    if (skipcnt == 0) {
      const LpValue v = Get(p);
      bool eq;
      if (v.is_int()) {
        if (!parsed) {
          s_is_int = String2ll(s.data(), s.size(), &sval);
          parsed = true;
        }
        eq = s_is_int && sval == v.ival;
      } else {
        eq = v.len == s.size() && (v.len == 0 || std::memcmp(v.str, s.data(), v.len) == 0);
      }
      if (eq) return p;
      skipcnt = skip;
    } else {
      --skipcnt;
    }
  }
  return npos;
}

}  // namespace tachyon
