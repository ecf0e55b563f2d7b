// RDB reader (see rdb_reader.h).
#include "server/rdb_reader.h"

#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdarg>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <array>
#include <deque>
#include <unordered_set>

#include "core/crc64.h"
#include "core/intset.h"
#include "core/listpack.h"
#include "core/lzf.h"
#include "core/quicklist.h"
#include "core/util.h"
#include "core/ziplist.h"
#include "server/byte_feed.h"
#include "server/db.h"
#include "server/hash_value.h"
#include "server/list_value.h"
#include "server/rdb_format.h"
#include "server/rdb_stream.h"
#include "server/server.h"
#include "server/set_value.h"
#include "server/zset_value.h"

namespace tachyon {

namespace {

constexpr size_t kFileBuffer = 1 << 20;
// LZF gains at most 88x (3 bytes giving 264); a longer claim is corrupt.
constexpr uint64_t kLzfMaxRatio = 88;

std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return buf;
}

int64_t ReadSignedLE(const unsigned char* p, int n) {
  uint64_t u = 0;
  for (int i = n - 1; i >= 0; --i) u = (u << 8) | p[i];
  const int bits = n * 8;
  return bits == 64 ? static_cast<int64_t>(u) : static_cast<int64_t>(u << (64 - bits)) >> (64 - bits);
}

// The string forms of the entries of a listpack of pairs: the first of each
// pair (fields, members) and the second (values, scores). Integers are
// formatted into storage the object owns; small pair counts allocate nothing.
class PairForms {
 public:
  // False if the listpack does not hold whole pairs.
  bool Read(const Listpack& lp) {
    size_t n = 0;
    for (size_t p = lp.First(); p != Listpack::npos; p = lp.Next(p), n++) {
      const LpValue v = lp.Get(p);
      if (n % 2 == 0) {
        firsts_.push_back(Form(v));
      } else {
        seconds_.push_back(v);
      }
    }
    return n % 2 == 0;
  }
  size_t size() const { return firsts_.size(); }
  std::string_view first(size_t i) const { return firsts_[i]; }
  const LpValue& second(size_t i) const { return seconds_[i]; }

  // No first form appears twice.
  bool FirstsUnique() const {
    const size_t n = firsts_.size();
    if (n <= 32) {
      for (size_t i = 1; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
          if (firsts_[i] == firsts_[j]) return false;
        }
      }
      return true;
    }
    std::unordered_set<std::string_view> seen(firsts_.begin(), firsts_.end());
    return seen.size() == n;
  }

 private:
  std::string_view Form(const LpValue& v) {
    if (!v.is_int()) return v.sv();
    numbers_.emplace_back();
    char* buf = numbers_.back().data();
    return std::string_view(buf, static_cast<size_t>(Ll2String(buf, kLongStrSize, v.ival)));
  }
  std::vector<std::string_view> firsts_;
  std::vector<LpValue> seconds_;
  std::deque<std::array<char, kLongStrSize>> numbers_;  // stable addresses
};

// A zset listpack must hold member/score pairs with unique members, valid
// scores and ascending (score, member) order, or the zset code misbehaves.
bool ValidZSetListpack(const Listpack& lp) {
  PairForms pairs;
  if (!pairs.Read(lp)) return false;
  double prev_score = 0;
  for (size_t i = 0; i < pairs.size(); i++) {
    const LpValue& v = pairs.second(i);
    double score;
    if (v.is_int()) {
      score = static_cast<double>(v.ival);
    } else if (!String2d(v.sv(), &score) || std::isnan(score)) {
      return false;
    }
    if (i > 0) {
      if (score < prev_score) return false;
      // Equal scores: members in memcmp order (sdscmp), strictly.
      if (score == prev_score && pairs.first(i - 1).compare(pairs.first(i)) >= 0) return false;
    }
    prev_score = score;
  }
  return pairs.FirstsUnique();
}

// A hash listpack: whole field/value pairs, no field twice.
bool ValidHashListpack(const Listpack& lp) {
  PairForms pairs;
  return pairs.Read(lp) && pairs.FirstsUnique();
}

}  // namespace

RdbLoadLimits RdbLoadLimits::From(const Settings& s) {
  RdbLoadLimits l;
  l.hash_max_listpack_entries = static_cast<size_t>(std::max(0, s.hash_max_listpack_entries));
  l.hash_max_listpack_value = static_cast<size_t>(std::max(0, s.hash_max_listpack_value));
  l.set_max_intset_entries = static_cast<size_t>(std::max(0, s.set_max_intset_entries));
  l.zset_max_listpack_entries = static_cast<size_t>(std::max(0, s.zset_max_listpack_entries));
  l.zset_max_listpack_value = static_cast<size_t>(std::max(0, s.zset_max_listpack_value));
  l.list_fill = s.list_max_listpack_size;
  l.list_compress_depth = s.list_compress_depth;
  return l;
}

// ---- RdbInput ----

RdbInput::RdbInput(int fd, uint64_t size, std::atomic<uint64_t>* progress)
    : fd_(fd), file_left_(size), buf_(kFileBuffer), progress_(progress) {}

RdbInput::RdbInput(ByteFeed* feed, std::atomic<uint64_t>* progress)
    : feed_(feed), buf_(kFileBuffer), progress_(progress) {}

uint64_t RdbInput::remaining() const {
  if (!buffered()) return mem_len_ - pos_;
  if (feed_) return (len_ - pos_) + feed_->queued();
  return (len_ - pos_) + file_left_;
}

bool RdbInput::WaitForFeed(uint64_t n) const {
  if (!feed_) return false;
  return feed_->WaitFor(n - (len_ - pos_));
}

std::string RdbInput::TakeBuffered() {
  std::string rest(reinterpret_cast<const char*>(buf_.data()) + pos_, len_ - pos_);
  pos_ = len_;
  return rest;
}

bool RdbInput::Refill() {
  crc_ = Crc64(crc_, buf_.data() + crc_pos_, len_ - crc_pos_);
  consumed_base_ += len_;
  len_ = pos_ = crc_pos_ = 0;
  if (feed_) {
    len_ = feed_->Pull(buf_.data(), buf_.size());
    if (progress_) progress_->store(consumed_base_, std::memory_order_relaxed);
    return len_ > 0;
  }
  if (file_left_ == 0) return false;
  size_t want = static_cast<size_t>(std::min<uint64_t>(buf_.size(), file_left_));
  while (len_ < want) {
    ssize_t n = read(fd_, buf_.data() + len_, want - len_);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      file_left_ = 0;  // the file shrank, or cannot be read: what we have is all there is
      break;
    }
    len_ += static_cast<size_t>(n);
  }
  file_left_ -= std::min<uint64_t>(file_left_, len_);
  if (progress_) progress_->store(consumed_base_, std::memory_order_relaxed);
  return len_ > 0;
}

void RdbInput::Read(void* dst, size_t n) {
  auto* out = static_cast<unsigned char*>(dst);
  if (!buffered()) {
    if (n > mem_len_ - pos_) Eof();
    if (n) memcpy(out, mem_ + pos_, n);
    pos_ += n;
    return;
  }
  while (n > 0) {
    if (pos_ == len_ && !Refill()) Eof();
    const size_t take = std::min(n, len_ - pos_);
    memcpy(out, buf_.data() + pos_, take);
    pos_ += take;
    out += take;
    n -= take;
  }
}

uint64_t RdbInput::crc() {
  const unsigned char* base = buffered() ? buf_.data() : mem_;
  crc_ = Crc64(crc_, base + crc_pos_, pos_ - crc_pos_);
  crc_pos_ = pos_;
  return crc_;
}

void RdbInput::Eof() const { throw RdbError{true, "Unexpected EOF reading RDB file", offset()}; }

void RdbInput::Corrupt(std::string message) const { throw RdbError{false, std::move(message), offset()}; }

// ---- primitives ----

uint64_t RdbReader::LoadLen(bool* encoded) {
  if (encoded) *encoded = false;
  unsigned char buf[8];
  const uint8_t b = in_.ReadByte();
  const int type = (b & 0xC0) >> 6;
  if (type == kRdbEncVal) {
    if (encoded) *encoded = true;
    return b & 0x3F;
  }
  if (type == kRdb6BitLen) return b & 0x3F;
  if (type == kRdb14BitLen) return (static_cast<uint64_t>(b & 0x3F) << 8) | in_.ReadByte();
  if (b == kRdb32BitLen) {
    in_.Read(buf, 4);
    return (static_cast<uint64_t>(buf[0]) << 24) | (static_cast<uint64_t>(buf[1]) << 16) |
           (static_cast<uint64_t>(buf[2]) << 8) | buf[3];
  }
  if (b == kRdb64BitLen) {
    in_.Read(buf, 8);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | buf[i];
    return v;
  }
  in_.Corrupt(Format("Unknown length encoding %d in rdbLoadLen()", type));
}

std::string RdbReader::LoadString() {
  bool encoded;
  const uint64_t len = LoadLen(&encoded);
  if (encoded) {
    unsigned char buf[4];
    switch (len) {
      case kRdbEncInt8:
        in_.Read(buf, 1);
        return Ll2Str(ReadSignedLE(buf, 1));
      case kRdbEncInt16:
        in_.Read(buf, 2);
        return Ll2Str(ReadSignedLE(buf, 2));
      case kRdbEncInt32:
        in_.Read(buf, 4);
        return Ll2Str(ReadSignedLE(buf, 4));
      case kRdbEncLzf: {
        const uint64_t clen = LoadLen();
        const uint64_t olen = LoadLen();
        in_.Require(clen);
        std::string compressed(clen, '\0');
        in_.Read(compressed.data(), clen);
        if (olen > clen * kLzfMaxRatio + kLzfMaxRatio) in_.Corrupt("Invalid LZF compressed string");
        std::string out(olen, '\0');
        if (LzfDecompress(reinterpret_cast<const unsigned char*>(compressed.data()), clen,
                          reinterpret_cast<unsigned char*>(out.data()), olen) != olen) {
          in_.Corrupt("Invalid LZF compressed string");
        }
        return out;
      }
      default:
        in_.Corrupt(Format("Unknown RDB string encoding type %llu", static_cast<unsigned long long>(len)));
    }
  }
  in_.Require(len);
  std::string s(len, '\0');
  in_.Read(s.data(), len);
  return s;
}

int64_t RdbReader::LoadMillisecondTime() {
  unsigned char buf[8];
  in_.Read(buf, 8);
  return ReadSignedLE(buf, 8);
}

double RdbReader::LoadBinaryDouble() {
  unsigned char buf[8];
  in_.Read(buf, 8);
  uint64_t bits = 0;
  for (int i = 7; i >= 0; --i) bits = (bits << 8) | buf[i];
  double d;
  memcpy(&d, &bits, 8);
  return d;
}

double RdbReader::LoadTextDouble() {
  const uint8_t len = in_.ReadByte();
  switch (len) {
    case 255: return -HUGE_VAL;
    case 254: return HUGE_VAL;
    case 253: return NAN;
    default: {
      char buf[256];
      in_.Read(buf, len);
      buf[len] = '\0';
      double v;
      if (sscanf(buf, "%lg", &v) != 1) in_.Corrupt("Invalid double value");
      return v;
    }
  }
}

// ---- values ----

bool RdbReader::LoadObject(uint8_t type, LoadedValue* out) {
  switch (type) {
    case kRdbTypeString:
      out->type = kString;
      out->str = LoadString();
      return true;
    case kRdbTypeList:
      return LoadList(out);
    case kRdbTypeSet:
      return LoadSet(out);
    case kRdbTypeZSet:
    case kRdbTypeZSet2:
      return LoadZSet(type, out);
    case kRdbTypeHash:
      return LoadHash(out);
    case kRdbTypeListQuicklist:
    case kRdbTypeListQuicklist2:
      return LoadQuicklist(type, out);
    case kRdbTypeHashZipmap:
    case kRdbTypeListZiplist:
    case kRdbTypeSetIntset:
    case kRdbTypeZSetZiplist:
    case kRdbTypeHashZiplist:
    case kRdbTypeZSetListpack:
    case kRdbTypeHashListpack:
      return LoadEncodedBlob(type, out);
    case kRdbTypeStreamListpacks:
    case kRdbTypeStreamListpacks2:
      return LoadStreamObject(*this, type, out);
    default:
      // Modules, and types of later versions (Redis 7.2's streams, 21): unknown to 7.0 too.
      in_.Corrupt(Format("Unknown RDB encoding type %d", type));
  }
}

bool RdbReader::LoadList(LoadedValue* out) {
  uint64_t len = LoadLen();
  if (len == 0) return false;
  CheckCount(len);
  Quicklist ql(limits_.list_fill, limits_.list_compress_depth);
  while (len--) ql.PushTail(LoadString());
  out->type = kList;
  out->encoding = kEncQuicklist;
  out->coll.reset(new ListValue(std::move(ql)));
  return true;
}

bool RdbReader::LoadSet(LoadedValue* out) {
  const uint64_t len = LoadLen();
  if (len == 0) return false;
  CheckCount(len);
  const size_t max_intset = std::min<size_t>(limits_.set_max_intset_entries, size_t{1} << 30);
  auto s = std::make_unique<SetValue>();
  if (len > max_intset) {
    s->ConvertToHashtable();
    s->dict()->Expand(len);
  }
  for (uint64_t i = 0; i < len; i++) {
    if (!s->Add(LoadString(), max_intset)) in_.Corrupt("Duplicate set members detected");
  }
  out->type = kSet;
  out->encoding = s->encoding();
  out->coll = std::move(s);
  return true;
}

bool RdbReader::LoadZSet(uint8_t type, LoadedValue* out) {
  uint64_t len = LoadLen();
  if (len == 0) return false;
  CheckCount(len);
  std::unique_ptr<ZSetValue> z(ZSetValue::NewEmpty(kEncSkiplist, len));
  size_t maxelelen = 0, totelelen = 0;
  while (len--) {
    std::string member = LoadString();
    const double score = type == kRdbTypeZSet2 ? LoadBinaryDouble() : LoadTextDouble();
    if (std::isnan(score)) in_.Corrupt("Zset with NAN score detected");
    maxelelen = std::max(maxelelen, member.size());
    totelelen += member.size();
    double existing;
    if (z->Score(member, &existing)) in_.Corrupt("Duplicate zset fields detected");
    z->InsertNewSkiplist(score, member);
  }
  // Sorted sets are not stored in order, so the encoding is chosen at the end.
  z->ConvertToListpackIfNeeded(maxelelen, totelelen,
                               {limits_.zset_max_listpack_entries, limits_.zset_max_listpack_value});
  out->type = kZSet;
  out->encoding = z->encoding();
  out->coll = std::move(z);
  return true;
}

bool RdbReader::LoadHash(LoadedValue* out) {
  uint64_t len = LoadLen();
  if (len == 0) return false;
  CheckCount(len);
  auto h = std::make_unique<HashValue>();
  if (len > limits_.hash_max_listpack_entries) {
    h->ConvertToHashtable();
    h->dict()->Expand(len);
  }
  const HashValue::Limits limits{limits_.hash_max_listpack_entries, limits_.hash_max_listpack_value};
  while (len--) {
    std::string field = LoadString();
    std::string value = LoadString();
    if (!h->Set(field, value, limits)) in_.Corrupt("Duplicate hash fields detected");
  }
  out->type = kHash;
  out->encoding = h->encoding();
  out->coll = std::move(h);
  return true;
}

bool RdbReader::LoadQuicklist(uint8_t type, LoadedValue* out) {
  uint64_t nodes = LoadLen();
  if (nodes == 0) return false;
  CheckCount(nodes);
  Quicklist ql(limits_.list_fill, limits_.list_compress_depth);
  std::vector<LpValue> entries;
  while (nodes--) {
    uint64_t container = kQuicklistNodePacked;
    if (type == kRdbTypeListQuicklist2) {
      container = LoadLen();
      if (container != kQuicklistNodePacked && container != kQuicklistNodePlain) {
        in_.Corrupt("Quicklist integrity check failed.");
      }
    }
    std::string data = LoadString();
    if (data.empty()) in_.Corrupt("Quicklist integrity check failed.");
    if (container == kQuicklistNodePlain) {
      ql.AppendPlainNode(std::move(data));
      continue;
    }
    Listpack lp;
    if (type == kRdbTypeListQuicklist2) {
      if (!Listpack::FromBytes(data, &lp, true)) in_.Corrupt("Listpack integrity check failed.");
    } else {
      if (!ZiplistEntries(reinterpret_cast<const unsigned char*>(data.data()), data.size(), &entries)) {
        in_.Corrupt("Ziplist integrity check failed.");
      }
      for (const LpValue& v : entries) {
        if (v.is_int()) {
          lp.AppendInteger(v.ival);
        } else {
          lp.Append(v.sv());
        }
      }
    }
    // Empty nodes are dropped; a list left with none is an empty key.
    if (lp.empty()) continue;
    ql.AppendListpackNode(std::move(lp));
  }
  if (ql.empty()) return false;
  out->type = kList;
  out->encoding = kEncQuicklist;
  out->coll.reset(new ListValue(std::move(ql)));
  return true;
}

bool RdbReader::LoadEncodedBlob(uint8_t type, LoadedValue* out) {
  const std::string data = LoadString();
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  std::vector<LpValue> entries;
  switch (type) {
    case kRdbTypeHashZipmap: {
      std::vector<std::pair<std::string_view, std::string_view>> pairs;
      if (!ZipmapEntries(bytes, data.size(), &pairs)) in_.Corrupt("Zipmap integrity check failed.");
      Listpack lp;
      std::unordered_set<std::string_view> seen;
      size_t maxlen = 0;
      for (const auto& [field, value] : pairs) {
        if (!seen.insert(field).second || !lp.SafeToAdd(field.size() + value.size())) {
          in_.Corrupt(Format("Hash zipmap with dup elements, or big length (%zu)", field.size()));
        }
        maxlen = std::max({maxlen, field.size(), value.size()});
        lp.Append(field);
        lp.Append(value);
      }
      std::unique_ptr<HashValue> h(HashValue::FromListpack(std::move(lp)));
      if (h->size() > limits_.hash_max_listpack_entries || maxlen > limits_.hash_max_listpack_value) {
        h->ConvertToHashtable();
      }
      out->type = kHash;
      out->encoding = h->encoding();
      out->coll = std::move(h);
      return true;
    }
    case kRdbTypeListZiplist: {
      if (!ZiplistEntries(bytes, data.size(), &entries)) in_.Corrupt("List ziplist integrity check failed.");
      if (entries.empty()) return false;
      Quicklist ql(limits_.list_fill, limits_.list_compress_depth);
      char buf[kLongStrSize];
      for (const LpValue& v : entries) ql.PushTail(v.View(buf));
      out->type = kList;
      out->encoding = kEncQuicklist;
      out->coll.reset(new ListValue(std::move(ql)));
      return true;
    }
    case kRdbTypeSetIntset: {
      IntSet is;
      if (!IntSet::FromBytes(data, &is, true)) in_.Corrupt("Intset integrity check failed.");
      std::unique_ptr<SetValue> s(SetValue::FromIntset(std::move(is)));
      if (s->size() > limits_.set_max_intset_entries) s->ConvertToHashtable();
      out->type = kSet;
      out->encoding = s->encoding();
      out->coll = std::move(s);
      return true;
    }
    case kRdbTypeZSetZiplist:
    case kRdbTypeHashZiplist:
    case kRdbTypeZSetListpack:
    case kRdbTypeHashListpack: {
      const bool zset = type == kRdbTypeZSetZiplist || type == kRdbTypeZSetListpack;
      const char* what = type == kRdbTypeZSetZiplist   ? "Zset ziplist integrity check failed."
                         : type == kRdbTypeHashZiplist ? "Hash ziplist integrity check failed."
                         : zset                        ? "Zset listpack integrity check failed."
                                                       : "Hash listpack integrity check failed.";
      Listpack lp;
      if (type == kRdbTypeZSetListpack || type == kRdbTypeHashListpack) {
        if (!Listpack::FromBytes(data, &lp, true)) in_.Corrupt(what);
      } else {
        if (!ZiplistEntries(bytes, data.size(), &entries)) in_.Corrupt(what);
        for (const LpValue& v : entries) {
          if (v.is_int()) {
            lp.AppendInteger(v.ival);
          } else {
            lp.Append(v.sv());
          }
        }
      }
      if (zset ? !ValidZSetListpack(lp) : !ValidHashListpack(lp)) in_.Corrupt(what);
      if (lp.empty()) return false;
      const size_t count = lp.size() / 2;
      if (zset) {
        std::unique_ptr<ZSetValue> z(ZSetValue::FromListpack(std::move(lp)));
        if (count > limits_.zset_max_listpack_entries) z->ConvertToSkiplist(count);
        out->type = kZSet;
        out->encoding = z->encoding();
        out->coll = std::move(z);
      } else {
        std::unique_ptr<HashValue> h(HashValue::FromListpack(std::move(lp)));
        if (count > limits_.hash_max_listpack_entries) h->ConvertToHashtable();
        out->type = kHash;
        out->encoding = h->encoding();
        out->coll = std::move(h);
      }
      return true;
    }
    default:
      in_.Corrupt(Format("Unknown RDB encoding type %d", type));
  }
}

Entry* MakeLoadedEntry(std::string_view key, LoadedValue& v) {
  const uint32_t hash = KeyHash(key);
  if (v.type == kString) {
    int64_t iv;
    if (v.str.size() <= 20 && String2ll(v.str, &iv)) return NewIntEntry(key, hash, iv);
    return NewStringEntry(key, hash, v.str, v.str.size() <= kEmbstrMaxLen ? kEncEmbstr : kEncRaw);
  }
  return NewCollectionEntry(key, hash, v.type, v.encoding, std::move(v.coll));
}

// ---- snapshot files ----

void RdbLoadSnapshot(RdbInput& in, const std::vector<Db*>& dbs, const RdbLoadOptions& opt, RdbLoadResult* result) {
  auto log = [&](int level, const std::string& text) {
    if (opt.log) opt.log(level, text);
  };
  result->ok = false;
  try {
    char magic[10] = {};
    in.Read(magic, 9);
    if (memcmp(magic, "REDIS", 5) != 0) {
      result->error = "Wrong signature trying to load DB from file";
      log(3, result->error);
      return;
    }
    const int version = atoi(magic + 5);
    result->version = version;
    if (version < 1 || version > kRdbVersion) {
      result->error = Format("Can't handle RDB format version %d", version);
      log(3, result->error);
      return;
    }
    RdbReader reader(in, opt.limits, version);
    int64_t expire_ms = -1, lru_idle = -1, lfu_freq = -1;
    Db* db = dbs[0];
    int db_index = 0;
    const uint32_t lfu_minutes = static_cast<uint32_t>((opt.now_ms / 60000) & 0xffff);
    for (;;) {
      const uint8_t type = reader.LoadType();
      if (type == kRdbOpExpireTime) {
        unsigned char buf[4];
        in.Read(buf, 4);
        expire_ms = ReadSignedLE(buf, 4) * 1000;
        continue;
      }
      if (type == kRdbOpExpireTimeMs) {
        expire_ms = reader.LoadMillisecondTime();
        continue;
      }
      if (type == kRdbOpFreq) {
        lfu_freq = in.ReadByte();
        continue;
      }
      if (type == kRdbOpIdle) {
        lru_idle = static_cast<int64_t>(reader.LoadLen());
        continue;
      }
      if (type == kRdbOpEof) break;
      if (type == kRdbOpSelectDb) {
        const uint64_t id = reader.LoadLen();
        if (id >= dbs.size()) {
          result->error = Format(
              "FATAL: Data file was created with a Redis server configured to handle more than %zu databases. "
              "Exiting",
              dbs.size());
          log(3, result->error);
          return;
        }
        db = dbs[id];
        db_index = static_cast<int>(id);
        continue;
      }
      if (type == kRdbOpResizeDb) {
        const uint64_t keys = reader.LoadLen();
        const uint64_t expires = reader.LoadLen();
        // Hints only: never sized beyond what the rest of the input can hold.
        db->keys().Expand(std::min(keys, in.remaining()));
        db->expires().Expand(std::min(expires, in.remaining()));
        continue;
      }
      if (type == kRdbOpAux) {
        const std::string key = reader.LoadString();
        const std::string value = reader.LoadString();
        if (!key.empty() && key[0] == '%') {
          log(2, Format("RDB '%s': %s", key.c_str(), value.c_str()));
        } else if (!strcasecmp(key.c_str(), "redis-ver")) {
          log(2, Format("Loading RDB produced by version %s", value.c_str()));
        } else if (!strcasecmp(key.c_str(), "ctime")) {
          int64_t age = opt.now_ms / 1000 - strtol(value.c_str(), nullptr, 10);
          if (age < 0) age = 0;
          log(2, Format("RDB age %" PRId64 " seconds", age));
        } else if (!strcasecmp(key.c_str(), "used-mem")) {
          const long long used = strtoll(value.c_str(), nullptr, 10);
          if (opt.rdb_used_mem) opt.rdb_used_mem->store(used, std::memory_order_relaxed);
          log(2, Format("RDB memory usage when created %.2f Mb", static_cast<double>(used) / (1024 * 1024)));
        } else if (!strcasecmp(key.c_str(), "aof-preamble")) {
          if (strtoll(value.c_str(), nullptr, 10)) {
            result->aof_base = true;
            log(2, "RDB has an AOF tail");
          }
        } else if (!strcasecmp(key.c_str(), "aof-base")) {
          if (strtoll(value.c_str(), nullptr, 10)) {
            result->aof_base = true;
            log(2, "RDB is base AOF");
          }
        } else if (!strcasecmp(key.c_str(), "repl-stream-db")) {
          result->repl_stream_db = static_cast<int>(strtol(value.c_str(), nullptr, 10));
        } else if (!strcasecmp(key.c_str(), "repl-id")) {
          result->repl_id = value;  // replication resumes from here after a restart
        } else if (!strcasecmp(key.c_str(), "repl-offset")) {
          result->repl_offset = strtoll(value.c_str(), nullptr, 10);
        } else if (!strcasecmp(key.c_str(), "lua") || !strcasecmp(key.c_str(), "redis-bits")) {
          // Old script backups: ignored, as by Redis 7.0.
        } else {
          log(0, Format("Unrecognized RDB AUX field: '%s'", key.c_str()));
        }
        continue;
      }
      if (type == kRdbOpModuleAux) in.Corrupt("The RDB file contains AUX module data I can't load: no matching module");
      if (type == kRdbOpFunctionPreGa) in.Corrupt("Pre-release function format not supported.");
      if (type == kRdbOpFunction2) {
        result->function_libraries.push_back(reader.LoadString());
        continue;
      }
      std::string key = reader.LoadString();
      LoadedValue value;
      if (!reader.LoadObject(type, &value)) {
        if (result->empty_keys_skipped++ < 10) log(3, "rdbLoadObject skipping empty key: " + key);
      } else if (!opt.aof_preamble && !opt.replica && expire_ms != -1 && expire_ms < opt.now_ms) {
        result->keys_expired++;
      } else {
        if (db->FindRaw(key)) {
          log(3, Format("RDB has duplicated key '%s' in DB %d", key.c_str(), db_index));
          in.Corrupt("Duplicated key found in RDB file");
        }
        Entry* e = MakeLoadedEntry(key, value);
        db->AddLoaded(e);
        result->keys_loaded++;
        if (expire_ms != -1) db->SetExpire(e, expire_ms);
        if (opt.lfu) {
          if (lfu_freq >= 0) e->lru = (lfu_minutes << 8) | static_cast<uint32_t>(lfu_freq);
        } else if (lru_idle >= 0) {
          int64_t abs = static_cast<int64_t>(opt.lru_clock) - lru_idle;
          if (abs < 0) abs += kLruClockMax;
          e->lru = static_cast<uint32_t>(abs);
        }
      }
      expire_ms = lru_idle = lfu_freq = -1;
      if (opt.key_load_delay) {
        const int64_t ns = opt.key_load_delay < 0 ? -opt.key_load_delay : opt.key_load_delay * 1000;
        struct timespec ts = {static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
        nanosleep(&ts, nullptr);
      }
    }
    if (version >= 5) {
      const uint64_t expected = in.crc();
      unsigned char buf[8];
      in.Read(buf, 8);
      const uint64_t stored = static_cast<uint64_t>(ReadSignedLE(buf, 8));
      if (opt.verify_checksum) {
        if (stored == 0) {
          log(2, "RDB file was saved with checksum disabled: no check performed.");
        } else if (stored != expected) {
          log(3, Format("Wrong RDB checksum expected: (%llx) got: (%llx). Aborting now.",
                        static_cast<unsigned long long>(expected), static_cast<unsigned long long>(stored)));
          in.Corrupt("RDB CRC error");
        }
      }
    }
    result->end_offset = in.offset();
    if (result->empty_keys_skipped) {
      log(3, Format("Done loading RDB, keys loaded: %llu, keys expired: %llu, empty keys skipped: %llu.",
                    static_cast<unsigned long long>(result->keys_loaded),
                    static_cast<unsigned long long>(result->keys_expired),
                    static_cast<unsigned long long>(result->empty_keys_skipped)));
    } else {
      log(2, Format("Done loading RDB, keys loaded: %llu, keys expired: %llu.",
                    static_cast<unsigned long long>(result->keys_loaded),
                    static_cast<unsigned long long>(result->keys_expired)));
    }
    result->ok = true;
  } catch (const RdbError& e) {
    if (e.eof) log(3, "Short read or OOM loading DB. Unrecoverable error, aborting now.");
    result->error = Format("Internal error in RDB reading offset %llu -> %s",
                           static_cast<unsigned long long>(e.offset), e.message.c_str());
    // rdbReportError: a short read from a master's socket is taken for a
    // connection error; Redis exits on corrupt content (Tachyon does not).
    if (opt.from_socket) {
      result->error += e.eof ? ". Failure loading rdb format from socket, assuming connection error, resuming operation."
                             : ". Failure loading rdb format";
    }
    log(3, result->error);
  } catch (const std::bad_alloc&) {
    result->error = "Out of memory loading the RDB file";
    log(3, result->error);
  }
}

// ---- DUMP payloads ----

bool IsRdbObjectType(uint8_t t) { return t <= 7 || (t >= 9 && t <= 19); }

bool VerifyDumpPayload(std::string_view p, bool skip_checksum) {
  if (p.size() < kDumpFooterSize) return false;
  const auto* footer = reinterpret_cast<const unsigned char*>(p.data() + p.size() - kDumpFooterSize);
  const int version = footer[0] | (footer[1] << 8);
  if (version > kRdbVersion) return false;
  if (skip_checksum) return true;
  const uint64_t crc = Crc64(0, reinterpret_cast<const unsigned char*>(p.data()), p.size() - 8);
  for (int i = 0; i < 8; i++) {
    if (footer[2 + i] != static_cast<unsigned char>(crc >> (8 * i))) return false;
  }
  return true;
}

bool ParseFunctionDumpPayload(std::string_view payload, bool skip_checksum, std::vector<std::string>* codes,
                              std::string* error) {
  if (!VerifyDumpPayload(payload, skip_checksum)) {
    *error = "ERR DUMP payload version or checksum are wrong";
    return false;
  }
  RdbInput in(reinterpret_cast<const unsigned char*>(payload.data()), payload.size() - kDumpFooterSize);
  const RdbLoadLimits limits;
  RdbReader reader(in, limits);
  try {
    while (in.remaining() > 0) {
      const uint8_t type = reader.LoadType();
      if (type != kRdbOpFunction2) {
        *error = type == kRdbOpFunctionPreGa ? "ERR Pre-GA function format not supported"
                                             : "ERR given type is not a function";
        return false;
      }
      codes->push_back(reader.LoadString());
    }
  } catch (const RdbError&) {
    *error = "ERR failed loading the given functions payload";
    return false;
  }
  return true;
}

}  // namespace tachyon
