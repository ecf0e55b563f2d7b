// Bitmap commands on string values: SETBIT GETBIT BITCOUNT BITPOS BITOP
// BITFIELD BITFIELD_RO.
//
// Semantics, argument checks, error texts and their order follow Redis 7.0
// (bitops.c): offsets are limited by proto-max-bulk-len, a write pads the
// string with zero bytes and turns it into a raw string (an int-encoded
// value becomes its decimal text first, as dbUnshareStringValue does),
// BITCOUNT/BITPOS ranges in BYTE or BIT units with Redis's clamping and its
// edge-byte masks, BITFIELD's overflow modes and "#" offsets. The bit
// arithmetic itself is in core/bitops.h.
#include <climits>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/bitops.h"
#include "core/util.h"
#include "server/command.h"
#include "server/index_range.h"
#include "server/redis_args.h"
#include "server/server.h"
#include "server/string_value.h"

namespace tachyon {
namespace {

constexpr std::string_view kBadOffset = "ERR bit offset is not an integer or out of range";
constexpr std::string_view kBadBit = "ERR bit is not an integer or out of range";
constexpr std::string_view kBadType =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

// getBitOffsetFromArgument. With `hash` (BITFIELD), "#n" means n * bits.
// The offset's byte must be below proto-max-bulk-len (and within what an
// inline value can hold).
bool ParseBitOffset(CommandContext& c, int i, bool hash, int bits, uint64_t* out) {
  std::string_view p = c.arg(i);
  const bool usehash = hash && bits > 0 && !p.empty() && p[0] == '#';
  long long v;
  if (!String2ll(p.substr(usehash ? 1 : 0), &v)) {
    c.reply.Error(kBadOffset);
    return false;
  }
  // Redis multiplies in long long; an overflow wraps as on the hardware.
  if (usehash) v = static_cast<long long>(static_cast<unsigned long long>(v) * static_cast<unsigned>(bits));
  const int64_t max = c.server.settings().proto_max_bulk_len;
  if (v < 0 || (v >> 3) >= max || (v >> 3) >= static_cast<long long>(UINT32_MAX)) {
    c.reply.Error(kBadOffset);
    return false;
  }
  *out = static_cast<uint64_t>(v);
  return true;
}

// getLongLongFromObjectOrReply with the default message.
bool ParseLongLong(CommandContext& c, int i, long long* out) {
  if (String2ll(c.arg(i), out)) return true;
  c.reply.Error(err::kNotInt);
  return false;
}

// lookupStringForBitCommand: the string at argv[1] (created or padded with
// zero bytes so that bit `maxbit` exists), unshared into a raw string.
// *dirty tells whether it was created or grown. nullptr after WRONGTYPE.
Entry* StringForBitWrite(CommandContext& c, uint64_t maxbit, bool* dirty) {
  const std::string_view key = c.arg(1);
  const size_t need = static_cast<size_t>(maxbit >> 3) + 1;
  Entry* e = c.WriteKey(key);
  if (e && e->type != kString) {
    c.WrongType();
    return nullptr;
  }
  *dirty = false;
  if (!e) {
    e = NewStringEntry(key, KeyHash(key), std::string_view(), kEncRaw, need);
    memset(e->str_mut(), 0, need);
    e->vlen = static_cast<uint32_t>(need);
    c.db->Add(e);  // dbAdd: raises "new"
    *dirty = true;
    return e;
  }
  size_t len = StringLength(e);
  e = UnshareForWrite(c, e, need > len ? need : len);
  if (e->vlen < need) {
    memset(e->str_mut() + e->vlen, 0, need - e->vlen);
    e->vlen = static_cast<uint32_t>(need);
    *dirty = true;
  }
  return e;
}

const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// ---------------------------------------------------------------------------
// SETBIT / GETBIT

void SetbitCommand(CommandContext& c) {
  uint64_t offset;
  if (!ParseBitOffset(c, 2, false, 0, &offset)) return;
  long long on;
  if (!String2ll(c.arg(3), &on) || (on & ~1LL)) {
    c.reply.Error(kBadBit);
    return;
  }
  bool dirty;
  Entry* e = StringForBitWrite(c, offset, &dirty);
  if (!e) return;
  uint8_t* byte = reinterpret_cast<uint8_t*>(e->str_mut()) + (offset >> 3);
  const int shift = 7 - static_cast<int>(offset & 7);
  const int bitval = (*byte >> shift) & 1;
  if (dirty || bitval != on) {
    *byte = static_cast<uint8_t>((*byte & ~(1 << shift)) | (on << shift));
    c.KeyModified(c.arg(1));
    c.Notify(kNotifyString, "setbit", c.arg(1));
    c.Dirty();
  }
  c.reply.Int(bitval);
}

void GetbitCommand(CommandContext& c) {
  uint64_t offset;
  if (!ParseBitOffset(c, 2, false, 0, &offset)) return;
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kString, &e)) return;
  if (!e) {
    c.reply.Int(0);
    return;
  }
  char buf[kIntBufSize];
  std::string_view s = StringBytes(e, buf);
  const uint64_t byte = offset >> 3;
  int bitval = byte < s.size() ? (static_cast<uint8_t>(s[byte]) >> (7 - (offset & 7))) & 1 : 0;
  c.reply.Int(bitval);
}

// ---------------------------------------------------------------------------
// BITCOUNT / BITPOS

// Parses the optional BYTE|BIT unit at argv[i]; *isbit gets the choice.
bool ParseUnit(CommandContext& c, int i, bool* isbit) {
  if (CStringIs(c.arg(i), "bit")) {
    *isbit = true;
  } else if (CStringIs(c.arg(i), "byte")) {
    *isbit = false;
  } else {
    c.SyntaxError();
    return false;
  }
  return true;
}

// A range in bytes, plus the masks of the bits outside a BIT range in its
// first and last byte.
struct ByteRange {
  long long start, end;
  uint8_t first_mask = 0, last_mask = 0;
};

// Converts negative indexes, clamps to the string, and turns a BIT range
// into bytes and edge masks (start > end means empty).
void ClampRange(ByteRange* r, long long strlen, bool isbit) {
  ClampIndexRange(&r->start, &r->end, isbit ? strlen << 3 : strlen);
  if (isbit && r->start <= r->end) {
    r->first_mask = static_cast<uint8_t>(~((1 << (8 - (r->start & 7))) - 1) & 0xff);
    r->last_mask = static_cast<uint8_t>((1 << (7 - (r->end & 7))) - 1);
    r->start >>= 3;
    r->end >>= 3;
  }
}

void BitcountCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kString, &e)) return;
  if (!e) {
    c.reply.Int(0);
    return;
  }
  char buf[kIntBufSize];
  std::string_view s = StringBytes(e, buf);
  const uint8_t* p = Bytes(s);
  ByteRange r{0, static_cast<long long>(s.size()) - 1};
  if (c.argc == 4 || c.argc == 5) {
    if (!ParseLongLong(c, 2, &r.start) || !ParseLongLong(c, 3, &r.end)) return;
    // Both negative and reversed: empty, whatever the unit says.
    if (r.start < 0 && r.end < 0 && r.start > r.end) {
      c.reply.Int(0);
      return;
    }
    bool isbit = false;
    if (c.argc == 5 && !ParseUnit(c, 4, &isbit)) return;
    ClampRange(&r, static_cast<long long>(s.size()), isbit);
  } else if (c.argc != 2) {
    c.SyntaxError();
    return;
  }
  if (r.start > r.end) {
    c.reply.Int(0);
    return;
  }
  long long count = static_cast<long long>(bitops::Popcount(p + r.start, static_cast<size_t>(r.end - r.start + 1)));
  // Bits of the edge bytes outside a BIT range were counted too.
  if (r.first_mask) count -= __builtin_popcount(p[r.start] & r.first_mask);
  if (r.last_mask) count -= __builtin_popcount(p[r.end] & r.last_mask);
  c.reply.Int(count);
}

void BitposCommand(CommandContext& c) {
  long long bit;
  if (!ParseLongLong(c, 2, &bit)) return;
  if (bit != 0 && bit != 1) {
    c.reply.Error("ERR The bit argument must be 1 or 0.");
    return;
  }
  // A missing key is an endless run of zeros.
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kString, &e)) return;
  if (!e) {
    c.reply.Int(bit ? -1 : 0);
    return;
  }
  char buf[kIntBufSize];
  std::string_view s = StringBytes(e, buf);
  const uint8_t* p = Bytes(s);
  const long long strlen = static_cast<long long>(s.size());
  ByteRange r{0, strlen - 1};
  bool end_given = false;
  if (c.argc >= 4 && c.argc <= 6) {
    if (!ParseLongLong(c, 3, &r.start)) return;
    bool isbit = false;
    if (c.argc == 6 && !ParseUnit(c, 5, &isbit)) return;
    if (c.argc >= 5) {
      if (!ParseLongLong(c, 4, &r.end)) return;
      end_given = true;
    } else {
      r.end = isbit ? (strlen << 3) + 7 : strlen - 1;
    }
    ClampRange(&r, strlen, isbit);
  } else if (c.argc != 3) {
    c.SyntaxError();
    return;
  }
  // An empty range holds neither a 0 nor a 1.
  if (r.start > r.end) {
    c.reply.Int(-1);
    return;
  }
  // Redis's walk: the first byte (masked), the middle bytes, the last byte
  // (masked), stopping at the first part that answers. Kept step by step
  // because "answers" includes its quirks on BIT ranges that end mid-byte.
  long long start = r.start;
  long long bytes = r.end - r.start + 1;
  long long pos = -1;
  bool done = false;
  if (r.first_mask) {
    uint8_t tmp = bit ? p[start] & ~r.first_mask : p[start] | r.first_mask;
    if (r.last_mask && bytes == 1) tmp = bit ? tmp & ~r.last_mask : tmp | r.last_mask;
    pos = bitops::FindFirst(&tmp, 1, static_cast<int>(bit));
    if (bytes == 1 || (pos != -1 && pos != 8)) done = true;
    if (!done) {
      start++;
      bytes--;
    }
  }
  if (!done) {
    long long curbytes = bytes - (r.last_mask ? 1 : 0);
    if (curbytes > 0) {
      pos = bitops::FindFirst(p + start, static_cast<size_t>(curbytes), static_cast<int>(bit));
      if (bytes == curbytes || (pos != -1 && pos != curbytes << 3)) done = true;
      if (!done) {
        start += curbytes;
        bytes -= curbytes;
      }
    }
  }
  if (!done) {
    uint8_t tmp = bit ? p[r.end] & ~r.last_mask : p[r.end] | r.last_mask;
    pos = bitops::FindFirst(&tmp, 1, static_cast<int>(bit));
  }
  // With an explicit end the string is not zero-padded past the range:
  // "the first 0 is just past the range" means there is none in it.
  if (end_given && bit == 0 && pos == bytes << 3) {
    c.reply.Int(-1);
    return;
  }
  if (pos != -1) pos += start << 3;
  c.reply.Int(pos);
}

// ---------------------------------------------------------------------------
// BITOP

void BitopCommand(CommandContext& c) {
  std::string_view opname = c.arg(1);
  bitops::BitOp op;
  if (CStringIs(opname, "and")) {
    op = bitops::BitOp::kAnd;
  } else if (CStringIs(opname, "or")) {
    op = bitops::BitOp::kOr;
  } else if (CStringIs(opname, "xor")) {
    op = bitops::BitOp::kXor;
  } else if (CStringIs(opname, "not")) {
    op = bitops::BitOp::kNot;
  } else {
    c.SyntaxError();
    return;
  }
  if (op == bitops::BitOp::kNot && c.argc != 4) {
    c.reply.Error("ERR BITOP NOT must be called with a single source key.");
    return;
  }
  const size_t numkeys = static_cast<size_t>(c.argc - 3);
  std::vector<std::string_view> sources(numkeys);
  std::vector<std::string> int_texts;  // decoded int values (stable storage)
  int_texts.reserve(numkeys);
  size_t maxlen = 0;
  for (size_t j = 0; j < numkeys; j++) {
    Entry* e = c.ReadKey(c.arg(static_cast<int>(j) + 3));
    if (!e) continue;  // a missing key is an empty string
    if (e->type != kString) {
      c.WrongType();
      return;
    }
    if (e->is_int()) {
      int_texts.push_back(Ll2Str(e->int_value()));
      sources[j] = int_texts.back();
    } else {
      sources[j] = e->str();
    }
    if (sources[j].size() > maxlen) maxlen = sources[j].size();
  }

  const std::string_view target = c.arg(2);
  if (maxlen) {
    // The result goes into a new entry; sources (even the target's old
    // value) stay alive until it replaces them.
    Entry* ne = NewStringEntry(target, KeyHash(target), std::string_view(), kEncRaw, maxlen);
    bitops::Combine(op, sources.data(), numkeys, maxlen, reinterpret_cast<uint8_t*>(ne->str_mut()));
    ne->vlen = static_cast<uint32_t>(maxlen);
    c.StoreKey(ne);
    c.KeyModified(target);
    c.Notify(kNotifyString, "set", target);
    c.Dirty();
  } else if (c.db->Delete(target)) {
    c.KeyModified(target);
    c.Notify(kNotifyGeneric, "del", target);
    c.Dirty();
  }
  c.reply.Int(static_cast<long long>(maxlen));
}

// ---------------------------------------------------------------------------
// BITFIELD / BITFIELD_RO

struct BitfieldOp {
  enum Code { kGet, kSet, kIncrby } code;
  uint64_t offset;
  int64_t value;  // SET value or INCRBY increment
  bitops::Overflow overflow;
  int bits;
  bool sign;
};

// getBitfieldTypeFromArgument: i1..i64 or u1..u63 (the width is read as a C string).
bool ParseBitfieldType(CommandContext& c, int i, bool* sign, int* bits) {
  std::string_view p = c.arg(i);
  long long v;
  if (p.empty() || (p[0] != 'i' && p[0] != 'u') || !String2ll(CString(p.substr(1)), &v) || v < 1 ||
      (p[0] == 'i' && v > 64) || (p[0] == 'u' && v > 63)) {
    c.reply.Error(kBadType);
    return false;
  }
  *sign = p[0] == 'i';
  *bits = static_cast<int>(v);
  return true;
}

void BitfieldGeneric(CommandContext& c, bool readonly_command) {
  std::vector<BitfieldOp> ops;
  bitops::Overflow overflow = bitops::Overflow::kWrap;
  bool readonly = true;
  uint64_t highest_write_offset = 0;
  for (int j = 2; j < c.argc; j++) {
    const int remargs = c.argc - j - 1;
    std::string_view sub = c.arg(j);
    BitfieldOp op{};
    if (CStringIs(sub, "get") && remargs >= 2) {
      op.code = BitfieldOp::kGet;
    } else if (CStringIs(sub, "set") && remargs >= 3) {
      op.code = BitfieldOp::kSet;
    } else if (CStringIs(sub, "incrby") && remargs >= 3) {
      op.code = BitfieldOp::kIncrby;
    } else if (CStringIs(sub, "overflow") && remargs >= 1) {
      std::string_view mode = c.arg(++j);
      if (CStringIs(mode, "wrap")) {
        overflow = bitops::Overflow::kWrap;
      } else if (CStringIs(mode, "sat")) {
        overflow = bitops::Overflow::kSat;
      } else if (CStringIs(mode, "fail")) {
        overflow = bitops::Overflow::kFail;
      } else {
        c.reply.Error("ERR Invalid OVERFLOW type specified");
        return;
      }
      continue;
    } else {
      c.SyntaxError();
      return;
    }
    if (!ParseBitfieldType(c, j + 1, &op.sign, &op.bits)) return;
    if (!ParseBitOffset(c, j + 2, true, op.bits, &op.offset)) return;
    if (op.code != BitfieldOp::kGet) {
      readonly = false;
      if (highest_write_offset < op.offset + op.bits - 1) highest_write_offset = op.offset + op.bits - 1;
      long long v;
      if (!ParseLongLong(c, j + 3, &v)) return;
      op.value = v;
    }
    op.overflow = overflow;
    ops.push_back(op);
    j += op.code == BitfieldOp::kGet ? 2 : 3;
  }

  Entry* e;
  bool dirty = false;
  if (readonly) {
    e = c.ReadKey(c.arg(1));
    if (e && e->type != kString) {
      c.WrongType();
      return;
    }
  } else {
    if (readonly_command) {
      c.reply.Error("ERR BITFIELD_RO only supports the GET subcommand");
      return;
    }
    e = StringForBitWrite(c, highest_write_offset, &dirty);
    if (!e) return;
  }

  c.reply.Array(ops.size());
  uint64_t changes = 0;
  for (const BitfieldOp& op : ops) {
    if (op.code == BitfieldOp::kGet) {
      // Read through a zero-padded copy of the (up to) 9 bytes involved.
      uint8_t window[9] = {0};
      char buf[kIntBufSize];
      std::string_view s = e ? StringBytes(e, buf) : std::string_view();
      const uint64_t byte = op.offset >> 3;
      for (uint64_t i = 0; i < 9 && byte + i < s.size(); i++) window[i] = static_cast<uint8_t>(s[byte + i]);
      const uint64_t bit = op.offset - byte * 8;
      if (op.sign) {
        c.reply.Int(bitops::GetSigned(window, bit, op.bits));
      } else {
        c.reply.Int(static_cast<long long>(bitops::GetUnsigned(window, bit, op.bits)));
      }
      continue;
    }
    uint8_t* p = reinterpret_cast<uint8_t*>(e->str_mut());
    const bool incr = op.code == BitfieldOp::kIncrby;
    if (op.sign) {
      const int64_t oldval = bitops::GetSigned(p, op.offset, op.bits);
      int64_t newval, wrapped, retval;
      int overflowed;
      if (incr) {
        overflowed = bitops::CheckSignedOverflow(oldval, op.value, op.bits, op.overflow, &wrapped);
        newval = overflowed ? wrapped
                            : static_cast<int64_t>(static_cast<uint64_t>(oldval) + static_cast<uint64_t>(op.value));
        retval = newval;
      } else {
        newval = op.value;
        overflowed = bitops::CheckSignedOverflow(newval, 0, op.bits, op.overflow, &wrapped);
        if (overflowed) newval = wrapped;
        retval = oldval;
      }
      // FAIL: nothing written, a null reply.
      if (overflowed && op.overflow == bitops::Overflow::kFail) {
        c.reply.Null();
        continue;
      }
      c.reply.Int(retval);
      bitops::SetUnsigned(p, op.offset, op.bits, static_cast<uint64_t>(newval));
      if (dirty || oldval != newval) changes++;
    } else {
      const uint64_t oldval = bitops::GetUnsigned(p, op.offset, op.bits);
      uint64_t newval, wrapped, retval;
      int overflowed;
      if (incr) {
        newval = oldval + static_cast<uint64_t>(op.value);
        overflowed = bitops::CheckUnsignedOverflow(oldval, op.value, op.bits, op.overflow, &wrapped);
        if (overflowed) newval = wrapped;
        retval = newval;
      } else {
        newval = static_cast<uint64_t>(op.value);
        overflowed = bitops::CheckUnsignedOverflow(newval, 0, op.bits, op.overflow, &wrapped);
        if (overflowed) newval = wrapped;
        retval = oldval;
      }
      if (overflowed && op.overflow == bitops::Overflow::kFail) {
        c.reply.Null();
        continue;
      }
      c.reply.Int(static_cast<long long>(retval));
      bitops::SetUnsigned(p, op.offset, op.bits, newval);
      if (dirty || oldval != newval) changes++;
    }
  }
  if (changes) {
    c.KeyModified(c.arg(1));
    c.Notify(kNotifyString, "setbit", c.arg(1));
    c.Dirty(changes);
  }
}

void BitfieldCommand(CommandContext& c) { BitfieldGeneric(c, false); }
void BitfieldRoCommand(CommandContext& c) { BitfieldGeneric(c, true); }

}  // namespace

void RegisterBitmapCommands(CommandRegistry& r) {
  r.Add("setbit", SetbitCommand);
  r.Add("getbit", GetbitCommand);
  r.Add("bitcount", BitcountCommand);
  r.Add("bitpos", BitposCommand);
  r.Add("bitop", BitopCommand);
  r.Add("bitfield", BitfieldCommand);
  r.Add("bitfield_ro", BitfieldRoCommand);
}

}  // namespace tachyon
