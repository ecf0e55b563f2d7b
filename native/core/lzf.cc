// LZF compressor and decompressor (see lzf.h).
#include "core/lzf.h"

#include <cstring>

namespace tachyon {
namespace {

constexpr int kHashLog = 16;
constexpr uint32_t kHashSize = 1u << kHashLog;
constexpr size_t kMaxLiteral = 1 << 5;                 // 32 bytes per literal run
constexpr size_t kMaxOffset = 1 << 13;                 // 8192 bytes back
constexpr size_t kMaxReference = (1 << 8) + (1 << 3);  // 264 bytes per reference

// The position table. A slot holds base + position for positions of the
// current call; anything below base is left over from an earlier call and
// counts as empty. Position 0 is stored as base itself and never used as a
// candidate (liblzf rejects a reference to the first input byte too).
struct PositionTable {
  uint32_t slot[kHashSize];
  uint32_t base = 0;  // 0: not initialised yet
};

thread_local PositionTable* t_table = nullptr;

PositionTable& TableFor(size_t in_len) {
  if (!t_table) t_table = new PositionTable();
  PositionTable& t = *t_table;
  if (t.base == 0 || static_cast<uint64_t>(t.base) + in_len + 1 > UINT32_MAX) {
    memset(t.slot, 0, sizeof t.slot);
    t.base = 1;
  }
  return t;
}

// liblzf's "very fast" hash of the three bytes in the low 24 bits of h.
inline uint32_t HashIndex(uint32_t h) { return ((h >> (3 * 8 - kHashLog)) - h * 5) & (kHashSize - 1); }

}  // namespace

size_t LzfCompress(const unsigned char* in, size_t in_len, unsigned char* out, size_t out_len) {
  if (in_len == 0 || out_len == 0) return 0;
  PositionTable& table = TableFor(in_len);
  const uint32_t base = table.base;
  table.base += static_cast<uint32_t>(in_len) + 1;

  size_t ip = 0;
  size_t op = 1;  // out[0] is reserved for the length of the first literal run
  size_t lit = 0;
  uint32_t hval = in_len >= 2 ? (static_cast<uint32_t>(in[0]) << 8) | in[1] : 0;
  while (ip + 2 < in_len) {
    hval = (hval << 8) | in[ip + 2];
    uint32_t& slot = table.slot[HashIndex(hval)];
    const uint32_t stored = slot;
    slot = base + static_cast<uint32_t>(ip);
    size_t ref = stored > base ? stored - base : 0;
    if (ref > 0 && ip - ref - 1 < kMaxOffset && in[ref + 2] == in[ip + 2] && in[ref] == in[ip] &&
        in[ref + 1] == in[ip + 1]) {
      const size_t off = ip - ref - 1;
      size_t len = 2;
      size_t maxlen = in_len - ip - len;
      if (maxlen > kMaxReference) maxlen = kMaxReference;
      // Room for the reference (up to 3 bytes) and the next run's length byte.
      if (op + 3 + 1 >= out_len && op - (lit == 0) + 3 + 1 >= out_len) return 0;
      out[op - lit - 1] = static_cast<unsigned char>(lit - 1);  // close the literal run
      op -= lit == 0;                                          // or drop it if empty
      // liblzf first compares 16 bytes without looking at maxlen, so a match
      // may run up to two bytes past it (never past the input).
      bool mismatch = false;
      if (maxlen > 16) {
        for (int k = 0; k < 16; k++) {
          len++;
          if (in[ref + len] != in[ip + len]) {
            mismatch = true;
            break;
          }
        }
      }
      if (!mismatch) {
        do {
          len++;
        } while (len < maxlen && in[ref + len] == in[ip + len]);
      }
      len -= 2;  // the reference encodes len + 2 bytes
      ip++;
      if (len < 7) {
        out[op++] = static_cast<unsigned char>((off >> 8) + (len << 5));
      } else {
        out[op++] = static_cast<unsigned char>((off >> 8) + (7 << 5));
        out[op++] = static_cast<unsigned char>(len - 7);
      }
      out[op++] = static_cast<unsigned char>(off);
      lit = 0;
      op++;  // start a new literal run
      ip += len + 1;
      if (ip + 2 >= in_len) break;
      // Enter the last two positions of the match into the table.
      ip -= 2;
      hval = (static_cast<uint32_t>(in[ip]) << 8) | in[ip + 1];
      hval = (hval << 8) | in[ip + 2];
      table.slot[HashIndex(hval)] = base + static_cast<uint32_t>(ip);
      ip++;
      hval = (hval << 8) | in[ip + 2];
      table.slot[HashIndex(hval)] = base + static_cast<uint32_t>(ip);
      ip++;
    } else {
      if (op >= out_len) return 0;
      lit++;
      out[op++] = in[ip++];
      if (lit == kMaxLiteral) {
        out[op - lit - 1] = static_cast<unsigned char>(lit - 1);
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > out_len) return 0;  // at most 3 more bytes follow
  while (ip < in_len) {
    lit++;
    out[op++] = in[ip++];
    if (lit == kMaxLiteral) {
      out[op - lit - 1] = static_cast<unsigned char>(lit - 1);
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = static_cast<unsigned char>(lit - 1);
  op -= lit == 0;
  return op;
}

size_t LzfDecompress(const unsigned char* in, size_t in_len, unsigned char* out, size_t out_len) {
  size_t ip = 0, op = 0;
  while (ip < in_len) {
    const unsigned ctrl = in[ip++];
    if (ctrl < (1 << 5)) {
      const size_t run = ctrl + 1;
      if (run > out_len - op || run > in_len - ip) return 0;
      memcpy(out + op, in + ip, run);
      op += run;
      ip += run;
      continue;
    }
    size_t len = ctrl >> 5;
    if (ip >= in_len) return 0;
    if (len == 7) {
      len += in[ip++];
      if (ip >= in_len) return 0;
    }
    const size_t back = ((static_cast<size_t>(ctrl & 0x1f) << 8) | in[ip++]) + 1;
    len += 2;
    if (len > out_len - op || back > op) return 0;
    const size_t ref = op - back;
    if (back >= len) {
      memcpy(out + op, out + ref, len);
    } else {
      for (size_t i = 0; i < len; i++) out[op + i] = out[ref + i];  // overlapping: byte by byte
    }
    op += len;
  }
  return op;
}

}  // namespace tachyon
