// String commands: GET/SET and their variants, counters, ranges, APPEND and LCS.
//
// Semantics, argument checks, error texts and the encodings OBJECT ENCODING
// reports follow Redis 7.0 (t_string.c, object.c). Values live inline in the
// Entry (see object.h): an integer that Redis would store as OBJ_ENCODING_INT
// is kept as an 8-byte int64, everything else as bytes with the encoding
// Redis would report (embstr up to 44 bytes when created from a whole value,
// raw otherwise, and raw after APPEND/SETRANGE modified the value in place).
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "core/util.h"
#include "server/command.h"
#include "server/index_range.h"
#include "server/server.h"
#include "core/zmalloc.h"
#include "server/string_value.h"

namespace tachyon {
namespace {

// ---------------------------------------------------------------------------
// Value helpers
// ---------------------------------------------------------------------------

void ReplyValue(CommandContext& c, const Entry* e) {
  if (e->is_int()) {
    c.reply.BulkInt(e->int_value());
  } else {
    c.reply.Bulk(e->str());
  }
}

// Redis's tryObjectEncoding applied to a fresh argument: a canonical integer
// of at most 20 characters becomes int, up to 44 bytes embstr, else raw.
ObjEncoding ChooseEncoding(std::string_view v, int64_t* iv) {
  if (v.size() <= 20 && String2ll(v, iv)) return kEncInt;
  return v.size() <= kEmbstrMaxLen ? kEncEmbstr : kEncRaw;
}

// Stores value v (already encoded as enc; iv when enc is int) under key.
// `old` is the live entry for key (from WriteKey) or nullptr. When the old
// value is a string whose allocation fits the new one without much slack the
// entry is rewritten in place (no malloc/free); otherwise a new entry
// replaces it. The TTL is kept only if keep_ttl. Returns the entry now
// holding the key.
Entry* StoreEncoded(CommandContext& c, Entry* old, std::string_view key, std::string_view v, ObjEncoding enc,
                    int64_t iv, bool keep_ttl) {
  if (old && old->type == kString) {
    size_t need = enc == kEncInt ? sizeof(int64_t) : v.size();
    size_t cap = InlineCapacity(old);
    if (cap >= need && cap - need <= 16 + need / 8) {
      if (enc == kEncInt) {
        old->vlen = 0;
        old->set_int_value(iv);
      } else {
        if (!v.empty()) memmove(old->str_mut(), v.data(), v.size());
        old->vlen = static_cast<uint32_t>(v.size());
      }
      old->encoding = enc;
      old->flags &= static_cast<uint8_t>(~kGrownString);  // a new value, as Redis's SET makes
      if (!keep_ttl) c.db->RemoveExpire(old);
      return old;
    }
  }
  uint32_t hash = old ? old->hash : KeyHash(key);
  Entry* e = enc == kEncInt ? NewIntEntry(key, hash, iv) : NewStringEntry(key, hash, v, enc);
  if (old) {
    c.db->Replace(e, keep_ttl);
  } else {
    c.db->Add(e);
  }
  return e;
}

// setKey() with a value that goes through tryObjectEncoding.
Entry* StoreValue(CommandContext& c, Entry* old, std::string_view key, std::string_view v, bool keep_ttl) {
  int64_t iv = 0;
  ObjEncoding enc = ChooseEncoding(v, &iv);
  return StoreEncoded(c, old, key, v, enc, iv, keep_ttl);
}

// ---------------------------------------------------------------------------
// GET / SET family
// ---------------------------------------------------------------------------

enum SetFlags : uint32_t {
  kSetNX = 1u << 0,
  kSetXX = 1u << 1,
  kExpEX = 1u << 2,
  kExpPX = 1u << 3,
  kKeepTtl = 1u << 4,
  kSetGet = 1u << 5,
  kExpEXAT = 1u << 6,
  kExpPXAT = 1u << 7,
  kPersist = 1u << 8,
};
constexpr uint32_t kAnyExpire = kExpEX | kExpPX | kExpEXAT | kExpPXAT;

enum class Unit { kSeconds, kMilliseconds };

// parseExtendedStringArgumentsOrReply: options of SET (from argv[3]) or
// GETEX (from argv[2]). Repeating an option is allowed (the last expire
// wins); conflicting options are a syntax error.
bool ParseExtendedArgs(CommandContext& c, bool is_set, uint32_t* flags, Unit* unit, int* expire_idx) {
  uint32_t f = 0;
  for (int j = is_set ? 3 : 2; j < c.argc; j++) {
    bool has_next = j + 1 < c.argc;
    if (is_set && c.Is(j, "nx") && !(f & kSetXX)) {
      f |= kSetNX;
    } else if (is_set && c.Is(j, "xx") && !(f & kSetNX)) {
      f |= kSetXX;
    } else if (is_set && c.Is(j, "get")) {
      f |= kSetGet;
    } else if (is_set && c.Is(j, "keepttl") && !(f & (kPersist | kAnyExpire))) {
      f |= kKeepTtl;
    } else if (!is_set && c.Is(j, "persist") && !(f & (kAnyExpire | kKeepTtl))) {
      f |= kPersist;
    } else {
      uint32_t which = 0;
      if (c.Is(j, "ex")) {
        which = kExpEX;
      } else if (c.Is(j, "px")) {
        which = kExpPX;
      } else if (c.Is(j, "exat")) {
        which = kExpEXAT;
      } else if (c.Is(j, "pxat")) {
        which = kExpPXAT;
      }
      if (which == 0 || !has_next || (f & (kKeepTtl | kPersist | (kAnyExpire & ~which)))) {
        c.SyntaxError();
        return false;
      }
      f |= which;
      *unit = (which == kExpEX || which == kExpEXAT) ? Unit::kSeconds : Unit::kMilliseconds;
      *expire_idx = ++j;
    }
  }
  *flags |= f;
  return true;
}

void InvalidExpireError(CommandContext& c, const char* cmd) {
  std::string msg = "ERR invalid expire time in '";
  msg += cmd;
  msg += "' command";
  c.reply.Error(msg);
}

// getExpireMillisecondsOrReply: the absolute expire time in ms. Zero or
// negative values and overflows (seconds to ms, relative to absolute) are
// "invalid expire time" errors.
bool GetExpireMs(CommandContext& c, int idx, uint32_t flags, Unit unit, const char* cmd, int64_t* out) {
  int64_t v;
  if (!c.ParseInt(idx, &v)) return false;
  if (v <= 0 || (unit == Unit::kSeconds && v > LLONG_MAX / 1000)) {
    InvalidExpireError(c, cmd);
    return false;
  }
  if (unit == Unit::kSeconds) v *= 1000;
  if (flags & (kExpEX | kExpPX)) {
    if (__builtin_add_overflow(v, c.now_ms, &v)) {
      InvalidExpireError(c, cmd);
      return false;
    }
  }
  if (v <= 0) {
    InvalidExpireError(c, cmd);
    return false;
  }
  *out = v;
  return true;
}

// getGenericCommand: replies the value or a null. Returns false (after
// replying WRONGTYPE) if the key holds another type; *found gets the entry.
bool GetGeneric(CommandContext& c, std::string_view key, Entry** found) {
  Entry* e = c.ReadKey(key);
  *found = e;
  if (!e) {
    c.reply.Null();
    return true;
  }
  if (e->type != kString) {
    c.WrongType();
    return false;
  }
  ReplyValue(c, e);
  return true;
}

enum class SetReply { kOk, kOneZero };

// setGenericCommand: SET, SETNX, SETEX, PSETEX.
void SetGeneric(CommandContext& c, uint32_t flags, std::string_view key, std::string_view value, int expire_idx,
                Unit unit, const char* cmd, SetReply replies) {
  int64_t when = 0;
  const bool has_expire = expire_idx >= 0;
  if (has_expire && !GetExpireMs(c, expire_idx, flags, unit, cmd, &when)) return;

  Entry* old;
  if (flags & kSetGet) {
    if (!GetGeneric(c, key, &old)) return;
  } else {
    old = c.WriteKey(key);
  }

  if (((flags & kSetNX) && old) || ((flags & kSetXX) && !old)) {
    if (!(flags & kSetGet)) {
      if (replies == SetReply::kOk) {
        c.reply.Null();
      } else {
        c.reply.Int(0);
      }
    }
    return;
  }

  // With an expire the old TTL node is kept and overwritten below.
  Entry* e = StoreValue(c, old, key, value, (flags & kKeepTtl) || has_expire);
  c.KeyModified(key);
  c.Dirty();
  c.Notify(kNotifyString, "set", key);
  if (has_expire) {
    c.db->SetExpire(e, when);
    c.Notify(kNotifyGeneric, "expire", key);
    // Propagated with the absolute time: SET key value PXAT ms.
    if (c.propagating()) c.PropagateAs({"SET", std::string(key), std::string(value), "PXAT", std::to_string(when)});
  }
  if (!(flags & kSetGet)) {
    if (replies == SetReply::kOk) {
      c.reply.Ok();
    } else {
      c.reply.Int(1);
    }
  }
}

void GetCommand(CommandContext& c) {
  Entry* e;
  GetGeneric(c, c.arg(1), &e);
}

void SetCommand(CommandContext& c) {
  uint32_t flags = 0;
  Unit unit = Unit::kSeconds;
  int expire_idx = -1;
  if (!ParseExtendedArgs(c, /*is_set=*/true, &flags, &unit, &expire_idx)) return;
  SetGeneric(c, flags, c.arg(1), c.arg(2), expire_idx, unit, "set", SetReply::kOk);
}

void SetnxCommand(CommandContext& c) {
  SetGeneric(c, kSetNX, c.arg(1), c.arg(2), -1, Unit::kSeconds, "setnx", SetReply::kOneZero);
}

void SetexCommand(CommandContext& c) {
  SetGeneric(c, kExpEX, c.arg(1), c.arg(3), 2, Unit::kSeconds, "setex", SetReply::kOk);
}

void PsetexCommand(CommandContext& c) {
  SetGeneric(c, kExpPX, c.arg(1), c.arg(3), 2, Unit::kMilliseconds, "psetex", SetReply::kOk);
}

void GetexCommand(CommandContext& c) {
  uint32_t flags = 0;
  Unit unit = Unit::kSeconds;
  int expire_idx = -1;
  if (!ParseExtendedArgs(c, /*is_set=*/false, &flags, &unit, &expire_idx)) return;

  std::string_view key = c.arg(1);
  Entry* e = c.ReadKey(key);
  if (!e) {
    c.reply.Null();
    return;
  }
  if (e->type != kString) {
    c.WrongType();
    return;
  }
  int64_t when = 0;
  if (expire_idx >= 0 && !GetExpireMs(c, expire_idx, flags, unit, "getex", &when)) return;

  ReplyValue(c, e);

  if ((flags & (kExpEXAT | kExpPXAT)) && when <= c.now_ms) {
    // An absolute time already in the past deletes the key.
    c.DeleteKey(key);
    c.Dirty();
    c.PropagateAs({c.server.settings().lazyfree_lazy_expire ? "UNLINK" : "DEL", std::string(key)});
  } else if (expire_idx >= 0) {
    c.db->SetExpire(e, when);
    c.KeyChanged(key, kNotifyGeneric, "expire");
    if (c.propagating()) c.PropagateAs({"PEXPIREAT", std::string(key), std::to_string(when)});
  } else if (flags & kPersist) {
    if (c.db->RemoveExpire(e)) {
      c.KeyChanged(key, kNotifyGeneric, "persist");
      c.PropagateAs({"PERSIST", std::string(key)});
    }
  }
}

void GetdelCommand(CommandContext& c) {
  std::string_view key = c.arg(1);
  Entry* e;
  if (!GetGeneric(c, key, &e) || !e) return;
  if (c.DeleteKey(key)) {
    c.Dirty();
    if (c.propagating()) c.PropagateAs({"DEL", std::string(key)});
  }
}

void GetsetCommand(CommandContext& c) {
  std::string_view key = c.arg(1);
  Entry* old;
  if (!GetGeneric(c, key, &old)) return;
  StoreValue(c, old, key, c.arg(2), /*keep_ttl=*/false);
  c.KeyChanged(key, kNotifyString, "set");
}

void MgetCommand(CommandContext& c) {
  c.reply.Array(static_cast<size_t>(c.argc - 1));
  for (int j = 1; j < c.argc; j++) {
    Entry* e = c.ReadKey(c.arg(j));
    if (!e || e->type != kString) {
      c.reply.Null();
    } else {
      ReplyValue(c, e);
    }
  }
}

void MsetGeneric(CommandContext& c, bool nx) {
  if (c.argc % 2 == 0) {
    c.ArityError();
    return;
  }
  // MSETNX sets nothing if any key exists.
  if (nx) {
    for (int j = 1; j < c.argc; j += 2) {
      if (c.WriteKey(c.arg(j))) {
        c.reply.Int(0);
        return;
      }
    }
  }
  for (int j = 1; j < c.argc; j += 2) {
    std::string_view key = c.arg(j);
    StoreValue(c, c.WriteKey(key), key, c.arg(j + 1), /*keep_ttl=*/false);
    c.KeyModified(key);
    c.Notify(kNotifyString, "set", key);
  }
  c.Dirty(static_cast<uint64_t>((c.argc - 1) / 2));
  if (nx) {
    c.reply.Int(1);
  } else {
    c.reply.Ok();
  }
}

void MsetCommand(CommandContext& c) { MsetGeneric(c, false); }
void MsetnxCommand(CommandContext& c) { MsetGeneric(c, true); }

// ---------------------------------------------------------------------------
// Counters
// ---------------------------------------------------------------------------

void IncrDecr(CommandContext& c, int64_t incr) {
  std::string_view key = c.arg(1);
  Entry* e = c.WriteKey(key);
  int64_t value = 0;
  if (e) {
    if (e->type != kString) {
      c.WrongType();
      return;
    }
    if (e->is_int()) {
      value = e->int_value();
    } else if (!String2ll(e->str(), &value)) {
      c.reply.Error(err::kNotInt);
      return;
    }
  }
  if ((incr < 0 && value < 0 && incr < (INT64_MIN - value)) ||
      (incr > 0 && value > 0 && incr > (INT64_MAX - value))) {
    c.reply.Error(err::kOverflow);
    return;
  }
  value += incr;
  if (e && e->is_int()) {
    e->set_int_value(value);  // in place, TTL untouched
  } else {
    StoreEncoded(c, e, key, std::string_view(), kEncInt, value, /*keep_ttl=*/true);
  }
  c.KeyModified(key);
  c.Notify(kNotifyString, "incrby", key);  // INCR, DECR, INCRBY and DECRBY alike
  c.Dirty();
  c.reply.Int(value);
}

void IncrCommand(CommandContext& c) { IncrDecr(c, 1); }
void DecrCommand(CommandContext& c) { IncrDecr(c, -1); }

void IncrbyCommand(CommandContext& c) {
  int64_t incr;
  if (!c.ParseInt(2, &incr)) return;
  IncrDecr(c, incr);
}

void DecrbyCommand(CommandContext& c) {
  int64_t incr;
  if (!c.ParseInt(2, &incr)) return;
  // Negating INT64_MIN would overflow.
  if (incr == INT64_MIN) {
    c.reply.Error("ERR decrement would overflow");
    return;
  }
  IncrDecr(c, -incr);
}

void IncrbyfloatCommand(CommandContext& c) {
  std::string_view key = c.arg(1);
  Entry* e = c.WriteKey(key);
  long double value = 0;
  if (e) {
    if (e->type != kString) {
      c.WrongType();
      return;
    }
    if (e->is_int()) {
      value = static_cast<long double>(e->int_value());
    } else if (!String2ld(e->str(), &value)) {
      c.reply.Error(err::kNotFloat);
      return;
    }
  }
  long double incr;
  if (!String2ld(c.arg(2), &incr)) {
    c.reply.Error(err::kNotFloat);
    return;
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    c.reply.Error("ERR increment would produce NaN or Infinity");
    return;
  }
  char buf[kMaxLongDoubleChars];
  int len = Ld2String(buf, sizeof buf, value, LdMode::kHuman);
  std::string_view s(buf, len > 0 ? static_cast<size_t>(len) : 0);
  // createStringObjectFromLongDouble: embstr/raw by length, never int.
  StoreEncoded(c, e, key, s, s.size() <= kEmbstrMaxLen ? kEncEmbstr : kEncRaw, 0, /*keep_ttl=*/true);
  c.KeyChanged(key, kNotifyString, "incrbyfloat");
  c.reply.Bulk(s);
  // Propagated as the resulting value, so float formatting cannot make replicas differ.
  if (c.propagating()) c.PropagateAs({"SET", std::string(key), std::string(s), "KEEPTTL"});
}

// ---------------------------------------------------------------------------
// APPEND, STRLEN, GETRANGE, SETRANGE
// ---------------------------------------------------------------------------

void AppendCommand(CommandContext& c) {
  std::string_view key = c.arg(1);
  std::string_view add = c.arg(2);
  Entry* e = c.WriteKey(key);
  size_t total;
  if (!e) {
    // A new key: the argument is stored as SET would store it.
    StoreValue(c, nullptr, key, add, false);
    total = add.size();
  } else {
    if (e->type != kString) {
      c.WrongType();
      return;
    }
    size_t olen = StringLength(e);
    if (!CheckStringLength(c, static_cast<uint64_t>(olen) + add.size())) return;
    total = olen + add.size();
    e = UnshareForWrite(c, e, total);
    if (!add.empty()) memcpy(e->str_mut() + olen, add.data(), add.size());
    e->vlen = static_cast<uint32_t>(total);
  }
  c.KeyChanged(key, kNotifyString, "append");
  c.reply.Int(static_cast<long long>(total));
}

void StrlenCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kString, &e)) return;
  if (!e) {
    c.reply.Int(0);
    return;
  }
  c.reply.Int(static_cast<long long>(StringLength(e)));
}

// GETRANGE and its old name SUBSTR.
void GetrangeCommand(CommandContext& c) {
  int64_t start, end;
  if (!c.ParseInt(2, &start) || !c.ParseInt(3, &end)) return;
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kString, &e)) return;
  if (!e) {
    c.reply.Bulk(std::string_view());
    return;
  }
  char buf[kIntBufSize];
  std::string_view s = StringBytes(e, buf);
  const int64_t len = static_cast<int64_t>(s.size());

  if (start < 0 && end < 0 && start > end) {
    c.reply.Bulk(std::string_view());
    return;
  }
  ClampIndexRange(&start, &end, len);
  if (start > end) {
    c.reply.Bulk(std::string_view());
  } else {
    c.reply.Bulk(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
  }
}

void SetrangeCommand(CommandContext& c) {
  int64_t offset;
  if (!c.ParseInt(2, &offset)) return;
  if (offset < 0) {
    c.reply.Error("ERR offset is out of range");
    return;
  }
  std::string_view key = c.arg(1);
  std::string_view value = c.arg(3);
  const uint64_t end = static_cast<uint64_t>(offset) + value.size();
  Entry* e = c.WriteKey(key);
  if (!e) {
    // Setting nothing on a missing key creates nothing.
    if (value.empty()) {
      c.reply.Int(0);
      return;
    }
    if (!CheckStringLength(c, end)) return;
    e = NewStringEntry(key, KeyHash(key), std::string_view(), kEncRaw, static_cast<size_t>(end));
    memset(e->str_mut(), 0, static_cast<size_t>(offset));
    memcpy(e->str_mut() + offset, value.data(), value.size());
    e->vlen = static_cast<uint32_t>(end);
    c.db->Add(e);
  } else {
    if (e->type != kString) {
      c.WrongType();
      return;
    }
    size_t olen = StringLength(e);
    if (value.empty()) {
      c.reply.Int(static_cast<long long>(olen));
      return;
    }
    if (!CheckStringLength(c, end)) return;
    size_t total = end > olen ? static_cast<size_t>(end) : olen;
    e = UnshareForWrite(c, e, total);
    if (total > olen) memset(e->str_mut() + olen, 0, total - olen);
    memcpy(e->str_mut() + offset, value.data(), value.size());
    e->vlen = static_cast<uint32_t>(total);
  }
  c.KeyChanged(key, kNotifyString, "setrange");
  c.reply.Int(static_cast<long long>(e->vlen));
}

// ---------------------------------------------------------------------------
// LCS
// ---------------------------------------------------------------------------

void LcsCommand(CommandContext& c) {
  Entry* ea = c.ReadKey(c.arg(1));
  Entry* eb = c.ReadKey(c.arg(2));
  if ((ea && ea->type != kString) || (eb && eb->type != kString)) {
    c.reply.Error("ERR The specified keys must contain string values");
    return;
  }
  char bufa[kIntBufSize], bufb[kIntBufSize];
  std::string_view a = ea ? StringBytes(ea, bufa) : std::string_view();
  std::string_view b = eb ? StringBytes(eb, bufb) : std::string_view();

  bool getlen = false, getidx = false, withmatchlen = false;
  int64_t minmatchlen = 0;
  for (int j = 3; j < c.argc; j++) {
    int moreargs = c.argc - 1 - j;
    if (c.Is(j, "idx")) {
      getidx = true;
    } else if (c.Is(j, "len")) {
      getlen = true;
    } else if (c.Is(j, "withmatchlen")) {
      withmatchlen = true;
    } else if (c.Is(j, "minmatchlen") && moreargs) {
      if (!c.ParseInt(j + 1, &minmatchlen)) return;
      if (minmatchlen < 0) minmatchlen = 0;
      j++;
    } else {
      c.SyntaxError();
      return;
    }
  }
  if (getidx && getlen) {
    c.reply.Error("ERR If you want both the length and indexes, please just use IDX.");
    return;
  }
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    c.reply.Error("ERR String too long for LCS");
    return;
  }
  const uint32_t alen = static_cast<uint32_t>(a.size());
  const uint32_t blen = static_cast<uint32_t>(b.size());
  const uint64_t cells = static_cast<uint64_t>(alen + 1ULL) * (blen + 1ULL);
  uint32_t* table = nullptr;
  if (cells <= SIZE_MAX / sizeof(uint32_t)) {
    uint64_t bytes = cells * sizeof(uint32_t);
    int64_t max = c.server.settings().proto_max_bulk_len;
    if (max >= 0 && bytes > static_cast<uint64_t>(max)) {
      c.reply.Error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
      return;
    }
    table = static_cast<uint32_t*>(ZTryMalloc(static_cast<size_t>(bytes)));
  }
  if (!table) {
    c.reply.Error("ERR Insufficient memory, failed allocating transient memory for LCS");
    return;
  }
  const size_t stride = static_cast<size_t>(blen) + 1;
  auto at = [&](uint32_t i, uint32_t j) -> uint32_t& { return table[static_cast<size_t>(i) * stride + j]; };

  // table[i][j] = length of the LCS of a[0..i) and b[0..j).
  for (uint32_t j = 0; j <= blen; j++) table[j] = 0;
  for (uint32_t i = 1; i <= alen; i++) {
    uint32_t* row = &table[static_cast<size_t>(i) * stride];
    const uint32_t* prev = row - stride;
    const char ai = a[i - 1];
    row[0] = 0;
    for (uint32_t j = 1; j <= blen; j++) {
      if (ai == b[j - 1]) {
        row[j] = prev[j - 1] + 1;
      } else {
        row[j] = prev[j] > row[j - 1] ? prev[j] : row[j - 1];
      }
    }
  }

  const uint32_t total = at(alen, blen);
  uint32_t idx = total;
  const bool computelcs = getidx || !getlen;
  std::string result;
  if (computelcs) result.resize(idx);

  size_t matches_handle = 0;
  size_t matches = 0;
  if (getidx) {
    c.reply.Map(2);
    c.reply.Bulk("matches");
    matches_handle = c.reply.BeginDeferredArray();
  }

  // Walk back from the end, collecting the LCS and the ranges of contiguous
  // matches (emitted from the end of the strings towards the start).
  uint32_t arange_start = alen;  // alen means "no range open"
  uint32_t arange_end = 0, brange_start = 0, brange_end = 0;
  uint32_t i = alen, j = blen;
  while (computelcs && i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (arange_start == alen) {
        arange_start = i - 1;
        arange_end = i - 1;
        brange_start = j - 1;
        brange_end = j - 1;
      } else if (arange_start == i && brange_start == j) {
        arange_start--;
        brange_start--;
      } else {
        emit = true;
      }
      if (arange_start == 0 || brange_start == 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        i--;
      } else {
        j--;
      }
      if (arange_start != alen) emit = true;
    }
    if (emit) {
      uint32_t match_len = arange_end - arange_start + 1;
      if (getidx && (minmatchlen == 0 || match_len >= static_cast<uint64_t>(minmatchlen))) {
        c.reply.Array(withmatchlen ? 3 : 2);
        c.reply.Array(2);
        c.reply.Int(arange_start);
        c.reply.Int(arange_end);
        c.reply.Array(2);
        c.reply.Int(brange_start);
        c.reply.Int(brange_end);
        if (withmatchlen) c.reply.Int(match_len);
        matches++;
      }
      arange_start = alen;
    }
  }
  ZFree(table);

  if (getidx) {
    c.reply.Bulk("len");
    c.reply.Int(total);
    c.reply.EndDeferredArray(matches_handle, matches);
  } else if (getlen) {
    c.reply.Int(total);
  } else {
    c.reply.Bulk(result);
  }
}

}  // namespace

void RegisterStringCommands(CommandRegistry& r) {
  r.Add("get", GetCommand);
  r.Add("set", SetCommand);
  r.Add("setnx", SetnxCommand);
  r.Add("setex", SetexCommand);
  r.Add("psetex", PsetexCommand);
  r.Add("getex", GetexCommand);
  r.Add("getdel", GetdelCommand);
  r.Add("getset", GetsetCommand);
  r.Add("mget", MgetCommand);
  r.Add("mset", MsetCommand);
  r.Add("msetnx", MsetnxCommand);
  r.Add("incr", IncrCommand);
  r.Add("decr", DecrCommand);
  r.Add("incrby", IncrbyCommand);
  r.Add("decrby", DecrbyCommand);
  r.Add("incrbyfloat", IncrbyfloatCommand);
  r.Add("append", AppendCommand);
  r.Add("strlen", StrlenCommand);
  r.Add("getrange", GetrangeCommand);
  r.Add("substr", GetrangeCommand);
  r.Add("setrange", SetrangeCommand);
  r.Add("lcs", LcsCommand);
}

}  // namespace tachyon
