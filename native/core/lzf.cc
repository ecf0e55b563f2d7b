// LZF: literal runs of up to 32 bytes and back references of 3..264 bytes
// within 8 KiB. The compressor hashes each 3-byte sequence into a 64 Ki-slot
// table of last positions (the configuration liblzf and Redis use: HLOG 16,
// "very fast" hashing), so its output matches theirs byte for byte.
#include "core/lzf.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace tachyon {

namespace {

constexpr unsigned kHlog = 16;
constexpr unsigned kHsize = 1u << kHlog;
constexpr unsigned kMaxLit = 1 << 5;
constexpr unsigned kMaxOff = 1 << 13;
constexpr unsigned kMaxRef = (1 << 8) + (1 << 3);

inline unsigned First(const unsigned char* p) { return (p[0] << 8) | p[1]; }
inline unsigned Next(unsigned v, const unsigned char* p) { return (v << 8) | p[2]; }
inline unsigned Idx(unsigned h) { return ((h >> (3 * 8 - kHlog)) - h * 5) & (kHsize - 1); }

}  // namespace

size_t LzfCompress(const unsigned char* in, size_t in_len, unsigned char* out, size_t out_cap) {
  if (!in_len) return 0;
  std::vector<const unsigned char*> htab(kHsize, nullptr);
  const unsigned char* ip = in;
  const unsigned char* in_end = in + in_len;
  unsigned char* op = out;
  unsigned char* out_end = out + out_cap;
  int lit = 0;
  op++;  // start run
  unsigned hval = in_len >= 2 ? First(ip) : 0;
  while (ip + 2 < in_end) {
    hval = Next(hval, ip);
    const unsigned char** hslot = &htab[Idx(hval)];
    const unsigned char* ref = *hslot;
    *hslot = ip;
    size_t off;
    if (ref && ref > in && ref < ip && (off = static_cast<size_t>(ip - ref - 1)) < kMaxOff && ref[2] == ip[2] &&
        ((ref[1] << 8) | ref[0]) == ((ip[1] << 8) | ip[0])) {
      unsigned len = 2;
      unsigned maxlen = static_cast<unsigned>(in_end - ip) - len;
      maxlen = maxlen > kMaxRef ? kMaxRef : maxlen;
      if (op + 3 + 1 >= out_end) {  // first a faster conservative test
        if (op - !lit + 3 + 1 >= out_end) return 0;
      }
      op[-lit - 1] = static_cast<unsigned char>(lit - 1);  // stop run
      op -= !lit;  // undo run if length is zero
      for (;;) {
        do {
          len++;
        } while (len < maxlen && ref[len] == ip[len]);
        break;
      }
      len -= 2;  // len is now #octets - 1
      ip++;
      if (len < 7) {
        *op++ = static_cast<unsigned char>((off >> 8) + (len << 5));
      } else {
        *op++ = static_cast<unsigned char>((off >> 8) + (7 << 5));
        *op++ = static_cast<unsigned char>(len - 7);
      }
      *op++ = static_cast<unsigned char>(off);
      lit = 0;
      op++;  // start run
      ip += len + 1;
      if (ip >= in_end - 2) break;
      // Hash the positions inside the match (the "very fast" variant: the last two).
      --ip;
      --ip;
      hval = First(ip);
      hval = Next(hval, ip);
      htab[Idx(hval)] = ip;
      ip++;
      hval = Next(hval, ip);
      htab[Idx(hval)] = ip;
      ip++;
    } else {
      if (op >= out_end) return 0;
      lit++;
      *op++ = *ip++;
      if (lit == kMaxLit) {
        op[-lit - 1] = static_cast<unsigned char>(lit - 1);
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > out_end) return 0;
  while (ip < in_end) {
    lit++;
    *op++ = *ip++;
    if (lit == kMaxLit) {
      op[-lit - 1] = static_cast<unsigned char>(lit - 1);
      lit = 0;
      op++;
    }
  }
  op[-lit - 1] = static_cast<unsigned char>(lit - 1);
  op -= !lit;
  return static_cast<size_t>(op - out);
}

bool LzfDecompress(const unsigned char* in, size_t in_len, unsigned char* out, size_t out_len) {
  const unsigned char* ip = in;
  const unsigned char* in_end = in + in_len;
  unsigned char* op = out;
  unsigned char* out_end = out + out_len;
  while (ip < in_end) {
    unsigned ctrl = *ip++;
    if (ctrl < (1 << 5)) {
      ctrl++;
      if (op + ctrl > out_end || ip + ctrl > in_end) return false;
      memcpy(op, ip, ctrl);
      op += ctrl;
      ip += ctrl;
    } else {
      unsigned len = ctrl >> 5;
      if (len == 7) {
        if (ip >= in_end) return false;
        len += *ip++;
      }
      if (ip >= in_end) return false;
      size_t back = ((ctrl & 0x1f) << 8) + *ip++ + 1;
      if (static_cast<size_t>(op - out) < back || op + len + 2 > out_end) return false;
      const unsigned char* ref = op - back;
      for (unsigned i = 0; i < len + 2; i++) *op++ = *ref++;
    }
  }
  return op == out_end;
}

}  // namespace tachyon
