// Sorted set commands: ZADD ZINCRBY ZREM ZCARD ZCOUNT ZLEXCOUNT ZSCORE ZMSCORE
// ZRANK ZREVRANK ZRANGE ZRANGESTORE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE
// ZRANGEBYLEX ZREVRANGEBYLEX ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX
// ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER ZUNION ZUNIONSTORE ZINTER ZINTERSTORE
// ZINTERCARD ZDIFF ZDIFFSTORE ZSCAN.
//
// Semantics, reply shapes (RESP2 flat WITHSCORES arrays, RESP3 nested
// [member, score] pairs), error texts, the order in which arguments are
// checked, and encoding transitions follow Redis 7.0 (t_zset.c); the code is
// Tachyon's own. Values are ZSetValue (zset_value.h); the Entry's `encoding`
// byte mirrors the value's encoding after every write.
//
// Lookup flavours: reads use c.ReadKey (lookupKeyRead), writes c.WriteKey
// (lookupKeyWrite). KeyModified/Dirty are called where Redis calls
// signalModifiedKey / server.dirty++.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/skiplist.h"
#include "core/util.h"
#include "server/command.h"
#include "server/scan.h"
#include "server/hash_value.h"  // collection SCAN helpers, CollectionRandom
#include "server/server.h"
#include "server/set_value.h"
#include "server/zset_value.h"

namespace tachyon {
namespace {

constexpr std::string_view kMinMaxNotFloat = "ERR min or max is not a float";
constexpr std::string_view kMinMaxNotLex = "ERR min or max not valid string range item";
constexpr std::string_view kNaNScore = "ERR resulting score is not a number (NaN)";
constexpr std::string_view kMustBePositive = "ERR value is out of range, must be positive";

ZSetValue::Limits ZLimits(CommandContext& c) {
  const Settings& s = c.server.settings();
  return {static_cast<size_t>(s.zset_max_listpack_entries < 0 ? 0 : s.zset_max_listpack_entries),
          static_cast<size_t>(s.zset_max_listpack_value < 0 ? 0 : s.zset_max_listpack_value)};
}

void ReplyMember(CommandContext& c, const ZSetValue* z, const ZIter& it) {
  char buf[kLongStrSize];
  c.reply.Bulk(z->Member(it, buf));
}

// Adds a new key for a value built by a command, or records the encoding.
Entry* AddZSetKey(CommandContext& c, std::string_view key, std::unique_ptr<ZSetValue> z) {
  const ObjEncoding enc = z->encoding();
  Entry* e = NewCollectionEntry(key, KeyHash(key), kZSet, enc, std::move(z));
  c.db->Add(e);
  return e;
}

// setKey(): the destination of a STORE command, replacing any value and TTL
// (a write lookup, then dbAdd with a "new" event or dbOverwrite), followed by
// the command's keyspace event.
void StoreZSetKey(CommandContext& c, std::string_view key, std::unique_ptr<ZSetValue> z, const char* event) {
  const ObjEncoding enc = z->encoding();
  c.StoreKey(NewCollectionEntry(key, KeyHash(key), kZSet, enc, std::move(z)));
  c.KeyModified(key);
  c.Notify(kNotifyZset, event, key);
}

// The empty result of a STORE command deletes the destination.
void DeleteStoreDestination(CommandContext& c, std::string_view key) {
  if (c.DeleteKey(key)) c.Dirty();
}

// ---------------------------------------------------------------------------
// ZADD / ZINCRBY

void ZaddGeneric(CommandContext& c, int flags) {
  const std::string_view key = c.arg(1);
  bool ch = false;
  int scoreidx = 2;
  while (scoreidx < c.argc) {
    if (c.Is(scoreidx, "nx")) {
      flags |= kZAddNX;
    } else if (c.Is(scoreidx, "xx")) {
      flags |= kZAddXX;
    } else if (c.Is(scoreidx, "ch")) {
      ch = true;
    } else if (c.Is(scoreidx, "incr")) {
      flags |= kZAddIncr;
    } else if (c.Is(scoreidx, "gt")) {
      flags |= kZAddGT;
    } else if (c.Is(scoreidx, "lt")) {
      flags |= kZAddLT;
    } else {
      break;
    }
    scoreidx++;
  }
  const bool incr = flags & kZAddIncr;
  const bool nx = flags & kZAddNX;
  const bool xx = flags & kZAddXX;
  const bool gt = flags & kZAddGT;
  const bool lt = flags & kZAddLT;

  int elements = c.argc - scoreidx;
  if (elements % 2 || elements == 0) {
    c.SyntaxError();
    return;
  }
  elements /= 2;
  if (nx && xx) {
    c.reply.Error("ERR XX and NX options at the same time are not compatible");
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    c.reply.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
    return;
  }
  if (incr && elements > 1) {
    c.reply.Error("ERR INCR option supports a single increment-element pair");
    return;
  }

  // All scores first: the command applies entirely or not at all.
  double small[8];
  std::vector<double> big;
  double* scores = small;
  if (elements > 8) {
    big.resize(static_cast<size_t>(elements));
    scores = big.data();
  }
  for (int j = 0; j < elements; j++) {
    if (!c.ParseDouble(scoreidx + j * 2, &scores[j])) return;
  }

  Entry* e;
  if (!c.WriteKeyOfType(key, kZSet, &e)) return;
  long long added = 0, updated = 0, processed = 0;
  double score = 0;
  if (!e && xx) {
    // No key + XX: nothing to do.
    if (incr) {
      c.reply.Null();
    } else {
      c.reply.Int(0);
    }
    return;
  }
  const ZSetValue::Limits limits = ZLimits(c);
  // A zset made for a missing key is owned here until AddZSetKey, freed if it stays empty.
  std::unique_ptr<ZSetValue> created;
  if (!e) created = ZSetValue::Create(limits.max_listpack_entries == 0 ? 1 : 0, c.arg(scoreidx + 1).size(), limits);
  ZSetValue* z = e ? e->as<ZSetValue>() : created.get();

  bool nan = false;
  for (int j = 0; j < elements; j++) {
    int out = 0;
    double newscore = 0;
    if (!z->Add(scores[j], c.arg(scoreidx + 1 + j * 2), flags, &out, &newscore, limits)) {
      nan = true;
      break;
    }
    if (out & kZAddOutAdded) added++;
    if (out & kZAddOutUpdated) updated++;
    if (!(out & kZAddOutNop)) processed++;
    score = newscore;
  }

  if (created) {
    if (z->size() > 0) AddZSetKey(c, key, std::move(created));
  } else {
    e->encoding = z->encoding();
  }

  if (nan) {
    c.reply.Error(kNaNScore);
  } else {
    c.Dirty(static_cast<uint64_t>(added + updated));
    if (incr) {
      if (processed) {
        c.reply.Double(score);
      } else {
        c.reply.Null();
      }
    } else {
      c.reply.Int(ch ? added + updated : added);
    }
  }
  if (added || updated) {
    c.KeyModified(key);
    c.Notify(kNotifyZset, incr ? "zincr" : "zadd", key);
  }
}

void ZaddCommand(CommandContext& c) { ZaddGeneric(c, kZAddNone); }
void ZincrbyCommand(CommandContext& c) { ZaddGeneric(c, kZAddIncr); }

// ---------------------------------------------------------------------------
// ZREM / ZREMRANGEBY*

void ZremCommand(CommandContext& c) {
  const std::string_view key = c.arg(1);
  Entry* e;
  if (!c.WriteKeyOfType(key, kZSet, &e)) return;
  if (!e) {
    c.reply.Int(0);
    return;
  }
  ZSetValue* z = e->as<ZSetValue>();
  long long deleted = 0;
  for (int j = 2; j < c.argc && z->size() > 0; j++) {
    if (z->Delete(c.arg(j))) deleted++;
  }
  if (deleted) {
    c.KeyChanged(key, kNotifyZset, "zrem", static_cast<uint64_t>(deleted));
    c.DeleteIfEmpty(key, z);
  }
  c.reply.Int(deleted);
}

enum class RangeType { kAuto, kRank, kScore, kLex };

void ZremrangeGeneric(CommandContext& c, RangeType type) {
  const std::string_view key = c.arg(1);
  long start = 0, end = 0;
  ZRangeSpec range;
  ZLexRangeSpec lexrange;
  if (type == RangeType::kRank) {
    if (!c.ParseLong(2, &start) || !c.ParseLong(3, &end)) return;
  } else if (type == RangeType::kScore) {
    if (!ParseScoreRange(c.arg(2), c.arg(3), &range)) {
      c.reply.Error(kMinMaxNotFloat);
      return;
    }
  } else {
    if (!ParseLexRange(c.arg(2), c.arg(3), &lexrange)) {
      c.reply.Error(kMinMaxNotLex);
      return;
    }
  }

  Entry* e;
  if (!c.WriteKeyOfType(key, kZSet, &e)) return;
  if (!e) {
    c.reply.Int(0);
    return;
  }
  ZSetValue* z = e->as<ZSetValue>();
  if (type == RangeType::kRank) {
    const long llen = static_cast<long>(z->size());
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
      c.reply.Int(0);
      return;
    }
    if (end >= llen) end = llen - 1;
  }

  size_t deleted;
  switch (type) {
    case RangeType::kScore:
      deleted = z->DeleteRangeByScore(range);
      break;
    case RangeType::kLex:
      deleted = z->DeleteRangeByLex(lexrange);
      break;
    default:
      deleted = z->DeleteRangeByRank(static_cast<size_t>(start), static_cast<size_t>(end));
      break;
  }
  if (deleted) {
    const char* event = type == RangeType::kScore ? "zremrangebyscore"
                        : type == RangeType::kLex ? "zremrangebylex"
                                                  : "zremrangebyrank";
    c.KeyChanged(key, kNotifyZset, event, deleted);
    c.DeleteIfEmpty(key, z);
  }
  c.reply.Int(static_cast<long long>(deleted));
}

void ZremrangebyrankCommand(CommandContext& c) { ZremrangeGeneric(c, RangeType::kRank); }
void ZremrangebyscoreCommand(CommandContext& c) { ZremrangeGeneric(c, RangeType::kScore); }
void ZremrangebylexCommand(CommandContext& c) { ZremrangeGeneric(c, RangeType::kLex); }

// ---------------------------------------------------------------------------
// ZRANGE family: one generic implementation whose results go either to the
// client or into a destination zset (ZRANGESTORE), like Redis's
// zrange_result_handler.

class RangeResult {
 public:
  RangeResult(CommandContext& c, bool store, std::string_view dstkey) : c_(c), store_(store), dstkey_(dstkey) {}

  void EnableScores() {
    withscores_ = true;
    nested_ = c_.reply.resp() > 2;
  }
  bool withscores() const { return withscores_; }

  // length < 0: not known in advance.
  void Begin(long length) {
    if (store_) {
      limits_ = ZLimits(c_);
      dst_ = ZSetValue::Create(length >= 0 ? static_cast<size_t>(length) : 0, 0, limits_);
      return;
    }
    if (length > 0) {
      c_.reply.Array(static_cast<size_t>(withscores_ && !nested_ ? length * 2 : length));
      deferred_ = false;
    } else {
      handle_ = c_.reply.BeginDeferredArray();
      deferred_ = true;
    }
  }

  void Emit(std::string_view member, double score) {
    if (store_) {
      int out;
      double ns;
      dst_->Add(score, member, kZAddNone, &out, &ns, limits_);
      return;
    }
    if (nested_) c_.reply.Array(2);
    c_.reply.Bulk(member);
    if (withscores_) c_.reply.Double(score);
  }

  void Finalize(size_t count) {
    if (store_) {
      if (count) {
        StoreZSetKey(c_, dstkey_, std::move(dst_), "zrangestore");
        c_.reply.Int(static_cast<long long>(count));
        c_.Dirty();
      } else {
        c_.reply.Int(0);
        DeleteStoreDestination(c_, dstkey_);
      }
      return;
    }
    if (deferred_) c_.reply.EndDeferredArray(handle_, withscores_ && !nested_ ? count * 2 : count);
  }

 private:
  CommandContext& c_;
  bool store_;
  std::string_view dstkey_;
  bool withscores_ = false;
  bool nested_ = false;
  bool deferred_ = false;
  size_t handle_ = 0;
  std::unique_ptr<ZSetValue> dst_;  // ZRANGESTORE's result, until stored
  ZSetValue::Limits limits_{0, 0};
};

void RangeByRank(RangeResult& out, ZSetValue* z, long start, long end, bool reverse) {
  const long llen = static_cast<long>(z->size());
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  if (start > end || start >= llen) {
    out.Begin(0);
    out.Finalize(0);
    return;
  }
  if (end >= llen) end = llen - 1;
  const long rangelen = end - start + 1;
  out.Begin(rangelen);
  ZIter it = z->AtRank(static_cast<size_t>(reverse ? llen - 1 - start : start));
  char buf[kLongStrSize];
  for (long i = 0; i < rangelen; i++) {
    out.Emit(z->Member(it, buf), out.withscores() ? z->ScoreAt(it) : 0.0);
    if (reverse) {
      z->Prev(&it);
    } else {
      z->Next(&it);
    }
  }
  out.Finalize(static_cast<size_t>(rangelen));
}

void RangeByScore(RangeResult& out, ZSetValue* z, const ZRangeSpec& range, long offset, long limit,
                  bool reverse) {
  out.Begin(-1);
  if (offset < 0 || (offset > 0 && static_cast<size_t>(offset) >= z->size())) {
    out.Finalize(0);
    return;
  }
  ZIter it = reverse ? z->LastInRange(range) : z->FirstInRange(range);
  z->Advance(&it, static_cast<size_t>(offset), reverse);
  size_t n = 0;
  char buf[kLongStrSize];
  while (z->Valid(it) && limit-- != 0) {
    const double score = z->ScoreAt(it);
    if (reverse ? !ZslValueGteMin(score, range) : !ZslValueLteMax(score, range)) break;
    out.Emit(z->Member(it, buf), score);
    n++;
    if (reverse) {
      z->Prev(&it);
    } else {
      z->Next(&it);
    }
  }
  out.Finalize(n);
}

void RangeByLex(RangeResult& out, ZSetValue* z, const ZLexRangeSpec& range, long offset, long limit,
                bool reverse) {
  out.Begin(-1);
  if (offset < 0 || (offset > 0 && static_cast<size_t>(offset) >= z->size())) {
    out.Finalize(0);
    return;
  }
  ZIter it = reverse ? z->LastInLexRange(range) : z->FirstInLexRange(range);
  z->Advance(&it, static_cast<size_t>(offset), reverse);
  size_t n = 0;
  char buf[kLongStrSize];
  while (z->Valid(it) && limit-- != 0) {
    const std::string_view m = z->Member(it, buf);
    if (reverse ? !ZslLexValueGteMin(m, range) : !ZslLexValueLteMax(m, range)) break;
    out.Emit(m, out.withscores() ? z->ScoreAt(it) : 0.0);
    n++;
    if (reverse) {
      z->Prev(&it);
    } else {
      z->Next(&it);
    }
  }
  out.Finalize(n);
}

enum class Direction { kAuto, kForward, kReverse };

// zrangeGenericCommand. argc_start is the index of the source key:
// <src> <min> <max> [BYSCORE | BYLEX] [REV] [WITHSCORES] [LIMIT offset count]
void ZrangeGeneric(CommandContext& c, RangeResult& out, int argc_start, bool store, RangeType rangetype,
                   Direction direction) {
  const std::string_view key = c.arg(argc_start);
  int minidx = argc_start + 1;
  int maxidx = argc_start + 2;
  bool withscores = false;
  long offset = 0, limit = -1;

  for (int j = argc_start + 3; j < c.argc; j++) {
    const int leftargs = c.argc - j - 1;
    if (!store && c.Is(j, "withscores")) {
      withscores = true;
    } else if (c.Is(j, "limit") && leftargs >= 2) {
      if (!c.ParseLong(j + 1, &offset) || !c.ParseLong(j + 2, &limit)) return;
      j += 2;
    } else if (direction == Direction::kAuto && c.Is(j, "rev")) {
      direction = Direction::kReverse;
    } else if (rangetype == RangeType::kAuto && c.Is(j, "bylex")) {
      rangetype = RangeType::kLex;
    } else if (rangetype == RangeType::kAuto && c.Is(j, "byscore")) {
      rangetype = RangeType::kScore;
    } else {
      c.SyntaxError();
      return;
    }
  }
  if (direction == Direction::kAuto) direction = Direction::kForward;
  if (rangetype == RangeType::kAuto) rangetype = RangeType::kRank;
  // Redis tests opt_limit != -1: "LIMIT 0 -1" counts as no LIMIT.
  if (limit != -1 && rangetype == RangeType::kRank) {
    c.reply.Error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return;
  }
  if (withscores && rangetype == RangeType::kLex) {
    c.reply.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return;
  }
  const bool reverse = direction == Direction::kReverse;
  if (reverse && (rangetype == RangeType::kScore || rangetype == RangeType::kLex)) std::swap(minidx, maxidx);

  long start = 0, end = 0;
  ZRangeSpec range;
  ZLexRangeSpec lexrange;
  switch (rangetype) {
    case RangeType::kScore:
      if (!ParseScoreRange(c.arg(minidx), c.arg(maxidx), &range)) {
        c.reply.Error(kMinMaxNotFloat);
        return;
      }
      break;
    case RangeType::kLex:
      if (!ParseLexRange(c.arg(minidx), c.arg(maxidx), &lexrange)) {
        c.reply.Error(kMinMaxNotLex);
        return;
      }
      break;
    default:
      if (!c.ParseLong(minidx, &start) || !c.ParseLong(maxidx, &end)) return;
      break;
  }

  if (withscores || store) out.EnableScores();

  Entry* e = c.ReadKey(key);
  if (!e) {
    if (store) {
      out.Begin(-1);
      out.Finalize(0);
    } else {
      c.reply.Array(0);
    }
    return;
  }
  if (e->type != kZSet) {
    c.WrongType();
    return;
  }
  ZSetValue* z = e->as<ZSetValue>();
  switch (rangetype) {
    case RangeType::kScore:
      RangeByScore(out, z, range, offset, limit, reverse);
      break;
    case RangeType::kLex:
      RangeByLex(out, z, lexrange, offset, limit, reverse);
      break;
    default:
      RangeByRank(out, z, start, end, reverse);
      break;
  }
}

void ZrangeCommand(CommandContext& c) {
  RangeResult out(c, false, {});
  ZrangeGeneric(c, out, 1, false, RangeType::kAuto, Direction::kAuto);
}

void ZrangestoreCommand(CommandContext& c) {
  RangeResult out(c, true, c.arg(1));
  ZrangeGeneric(c, out, 2, true, RangeType::kAuto, Direction::kAuto);
}

void ZrevrangeCommand(CommandContext& c) {
  RangeResult out(c, false, {});
  ZrangeGeneric(c, out, 1, false, RangeType::kRank, Direction::kReverse);
}

void ZrangebyscoreCommand(CommandContext& c) {
  RangeResult out(c, false, {});
  ZrangeGeneric(c, out, 1, false, RangeType::kScore, Direction::kForward);
}

void ZrevrangebyscoreCommand(CommandContext& c) {
  RangeResult out(c, false, {});
  ZrangeGeneric(c, out, 1, false, RangeType::kScore, Direction::kReverse);
}

void ZrangebylexCommand(CommandContext& c) {
  RangeResult out(c, false, {});
  ZrangeGeneric(c, out, 1, false, RangeType::kLex, Direction::kForward);
}

void ZrevrangebylexCommand(CommandContext& c) {
  RangeResult out(c, false, {});
  ZrangeGeneric(c, out, 1, false, RangeType::kLex, Direction::kReverse);
}

// ---------------------------------------------------------------------------
// Counting and point reads

void ZcardCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kZSet, &e)) return;
  c.reply.Int(e ? static_cast<long long>(e->as<ZSetValue>()->size()) : 0);
}

void ZcountCommand(CommandContext& c) {
  ZRangeSpec range;
  if (!ParseScoreRange(c.arg(2), c.arg(3), &range)) {
    c.reply.Error(kMinMaxNotFloat);
    return;
  }
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kZSet, &e)) return;
  c.reply.Int(e ? e->as<ZSetValue>()->CountInRange(range) : 0);
}

void ZlexcountCommand(CommandContext& c) {
  ZLexRangeSpec range;
  if (!ParseLexRange(c.arg(2), c.arg(3), &range)) {
    c.reply.Error(kMinMaxNotLex);
    return;
  }
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kZSet, &e)) return;
  c.reply.Int(e ? e->as<ZSetValue>()->CountInLexRange(range) : 0);
}

void ZscoreCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kZSet, &e)) return;
  double score;
  if (e && e->as<ZSetValue>()->Score(c.arg(2), &score)) {
    c.reply.Double(score);
  } else {
    c.reply.Null();
  }
}

void ZmscoreCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kZSet, &e)) return;
  ZSetValue* z = e ? e->as<ZSetValue>() : nullptr;
  c.reply.Array(static_cast<size_t>(c.argc - 2));
  for (int j = 2; j < c.argc; j++) {
    double score;
    if (z && z->Score(c.arg(j), &score)) {
      c.reply.Double(score);
    } else {
      c.reply.Null();
    }
  }
}

void ZrankGeneric(CommandContext& c, bool reverse) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kZSet, &e)) return;
  const long rank = e ? e->as<ZSetValue>()->Rank(c.arg(2), reverse) : -1;
  if (rank >= 0) {
    c.reply.Int(rank);
  } else {
    c.reply.Null();
  }
}

void ZrankCommand(CommandContext& c) { ZrankGeneric(c, false); }
void ZrevrankCommand(CommandContext& c) { ZrankGeneric(c, true); }

// ---------------------------------------------------------------------------
// ZPOPMIN / ZPOPMAX / ZMPOP

void ZpopMinMax(CommandContext& c, ZWhere where) {
  if (c.argc > 3) {
    c.SyntaxError();
    return;
  }
  long count = -1;  // plain single pop
  if (c.argc == 3 && !c.ParseRange(2, 0, LONG_MAX, &count, kMustBePositive)) return;
  // RESP3 with COUNT: nested pairs; otherwise one flat array.
  const bool nested = c.reply.resp() > 2 && count != -1;
  ZPopGeneric(c, c.argv + 1, 1, where, false, count, nested, false);
}

void ZpopminCommand(CommandContext& c) { ZpopMinMax(c, ZWhere::kMin); }
void ZpopmaxCommand(CommandContext& c) { ZpopMinMax(c, ZWhere::kMax); }

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
void ZmpopCommand(CommandContext& c) {
  const int numkeys_idx = 1;
  long numkeys;
  if (!c.ParseRange(numkeys_idx, 1, LONG_MAX, &numkeys, "ERR numkeys should be greater than 0")) return;
  if (numkeys > c.argc) {  // where_idx would lie past the arguments
    c.SyntaxError();
    return;
  }
  const long where_idx = numkeys_idx + numkeys + 1;
  if (where_idx >= c.argc) {
    c.SyntaxError();
    return;
  }
  ZWhere where;
  if (c.Is(static_cast<int>(where_idx), "min")) {
    where = ZWhere::kMin;
  } else if (c.Is(static_cast<int>(where_idx), "max")) {
    where = ZWhere::kMax;
  } else {
    c.SyntaxError();
    return;
  }
  long count = -1;
  for (int j = static_cast<int>(where_idx) + 1; j < c.argc; j++) {
    const int moreargs = c.argc - 1 - j;
    if (count == -1 && c.Is(j, "count") && moreargs) {
      j++;
      if (!c.ParseRange(j, 1, LONG_MAX, &count, "ERR count should be greater than 0")) return;
    } else {
      c.SyntaxError();
      return;
    }
  }
  if (count == -1) count = 1;
  ZPopGeneric(c, c.argv + numkeys_idx + 1, static_cast<int>(numkeys), where, true, count, true, true);
}

// ---------------------------------------------------------------------------
// ZRANDMEMBER

void ReplyRandomPick(CommandContext& c, const ZSetValue* z, const ZIter& it, bool withscores) {
  if (withscores && c.reply.resp() > 2) c.reply.Array(2);
  ReplyMember(c, z, it);
  if (withscores) c.reply.Double(z->ScoreAt(it));
}

void ZrandmemberWithCount(CommandContext& c, long l, bool withscores) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kZSet, &e)) return;
  if (!e) {
    c.reply.Array(0);
    return;
  }
  ZSetValue* z = e->as<ZSetValue>();
  const size_t size = z->size();
  bool uniq = true;
  size_t count;
  if (l >= 0) {
    count = static_cast<size_t>(l);
  } else {
    count = static_cast<size_t>(-l);
    uniq = false;
  }
  if (count == 0) {
    c.reply.Array(0);
    return;
  }
  const bool flat_pairs = withscores && c.reply.resp() == 2;

  // CASE 1: negative count (repetitions allowed), or a single member.
  if (!uniq || count == 1) {
    c.reply.Array(flat_pairs ? count * 2 : count);
    if (z->is_listpack()) {
      std::vector<size_t> pos;
      z->ListpackPositions(&pos);
      while (count--) ReplyRandomPick(c, z, z->AtListpackPos(pos[CollectionRandom() % pos.size()]), withscores);
    } else {
      while (count--) ReplyRandomPick(c, z, z->Random(), withscores);
    }
    return;
  }

  const size_t reply_size = count < size ? count : size;
  c.reply.Array(flat_pairs ? reply_size * 2 : reply_size);

  // CASE 2: the whole zset, in the order Redis iterates it (highest first).
  if (count >= size) {
    for (ZIter it = z->Last(); z->Valid(it); z->Prev(&it)) ReplyRandomPick(c, z, it, withscores);
    return;
  }

  // CASE 2.5: listpack: distinct picks in listpack order.
  if (z->is_listpack()) {
    std::vector<size_t> pos;
    z->RandomUniqueListpack(count, &pos);
    for (size_t p : pos) ReplyRandomPick(c, z, z->AtListpackPos(p), withscores);
    return;
  }

  // CASE 3: a large share of the zset: start from all members and drop
  // random ones until count remain.
  if (count * 3 > size) {
    std::vector<ZSkipNode*> nodes;
    nodes.reserve(size);
    for (ZIter it = z->First(); z->Valid(it); z->Next(&it)) nodes.push_back(it.node);
    while (nodes.size() > count) {
      const size_t i = CollectionRandom() % nodes.size();
      nodes[i] = nodes.back();
      nodes.pop_back();
    }
    for (ZSkipNode* n : nodes) {
      ZIter it;
      it.node = n;
      ReplyRandomPick(c, z, it, withscores);
    }
    return;
  }

  // CASE 4: a small share: random picks until count distinct ones.
  std::unordered_set<ZSkipNode*> seen;
  seen.reserve(count * 2);
  while (seen.size() < count) {
    const ZIter it = z->Random();
    if (!seen.insert(it.node).second) continue;
    ReplyRandomPick(c, z, it, withscores);
  }
}

void ZrandmemberCommand(CommandContext& c) {
  if (c.argc >= 3) {
    long l;
    if (!c.ParseRange(2, -LONG_MAX, LONG_MAX, &l)) return;
    if (c.argc > 4 || (c.argc == 4 && !c.Is(3, "withscores"))) {
      c.SyntaxError();
      return;
    }
    const bool withscores = c.argc == 4;
    if (withscores && (l < -LONG_MAX / 2 || l > LONG_MAX / 2)) {
      c.reply.Error("ERR value is out of range");
      return;
    }
    ZrandmemberWithCount(c, l, withscores);
    return;
  }
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kZSet, &e)) return;
  if (!e) {
    c.reply.Null();
    return;
  }
  ZSetValue* z = e->as<ZSetValue>();
  ReplyMember(c, z, z->Random());
}

// ---------------------------------------------------------------------------
// ZUNION / ZINTER / ZDIFF (+STORE) / ZINTERCARD

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

inline void AggregateScore(double* target, double val, Aggregate aggregate) {
  switch (aggregate) {
    case Aggregate::kSum:
      *target = *target + val;
      // +inf + -inf is NaN: Redis keeps 0 instead.
      if (std::isnan(*target)) *target = 0.0;
      break;
    case Aggregate::kMin:
      *target = val < *target ? val : *target;
      break;
    case Aggregate::kMax:
      *target = val > *target ? val : *target;
      break;
  }
}

// One input of a set operation: a zset, a set (every score 1) or nothing.
struct ZSource {
  Entry* entry = nullptr;
  double weight = 1.0;

  size_t Length() const {
    if (!entry) return 0;
    return entry->type == kSet ? entry->as<SetValue>()->size() : entry->as<ZSetValue>()->size();
  }

  // f(std::string_view member, double score). Sorted sets are walked from the
  // highest score down, like Redis's zuiInitIterator.
  template <class F>
  void ForEach(F&& f) const {
    if (!entry) return;
    if (entry->type == kSet) {
      entry->as<SetValue>()->ForEach([&](std::string_view m) { f(m, 1.0); });
      return;
    }
    const ZSetValue* z = entry->as<ZSetValue>();
    char buf[kLongStrSize];
    for (ZIter it = z->Last(); z->Valid(it); z->Prev(&it)) f(z->Member(it, buf), z->ScoreAt(it));
  }

  bool Find(std::string_view member, double* score) const {
    if (!entry) return false;
    if (entry->type == kSet) {
      if (!entry->as<SetValue>()->Contains(member)) return false;
      *score = 1.0;
      return true;
    }
    return entry->as<ZSetValue>()->Score(member, score);
  }
};

struct ResultItem {
  std::string member;
  double score;
};

bool ResultLess(const ResultItem& a, const ResultItem& b) {
  if (a.score != b.score) return a.score < b.score;
  return ZslCompareMembers(a.member, b.member) < 0;
}

void ZdiffCompute(std::vector<ZSource>& src, std::vector<ResultItem>* result) {
  if (src[0].Length() == 0) return;
  // Any other input being the first one itself: everything is removed.
  for (size_t j = 1; j < src.size(); j++) {
    if (src[j].entry == src[0].entry) return;
  }
  // Redis's choice between "look each member up in the others" (cheap when
  // the first input is small) and "scan everything once".
  long long algo_one = 0, algo_two = 0;
  for (size_t j = 0; j < src.size(); j++) {
    algo_one += static_cast<long long>(src[0].Length());
    algo_two += static_cast<long long>(src[j].Length());
  }
  algo_one /= 2;
  if (algo_one <= algo_two) {
    // Larger inputs first: a duplicate is likely found sooner.
    std::stable_sort(src.begin() + 1, src.end(),
                     [](const ZSource& a, const ZSource& b) { return a.Length() > b.Length(); });
    src[0].ForEach([&](std::string_view m, double score) {
      double v;
      for (size_t j = 1; j < src.size(); j++) {
        if (src[j].Find(m, &v)) return;
      }
      result->push_back({std::string(m), score});
    });
    return;
  }
  std::unordered_set<std::string> removed;
  for (size_t j = 1; j < src.size(); j++) {
    src[j].ForEach([&](std::string_view m, double) { removed.emplace(m); });
  }
  src[0].ForEach([&](std::string_view m, double score) {
    if (removed.find(std::string(m)) == removed.end()) result->push_back({std::string(m), score});
  });
}

// zunionInterDiffGenericCommand. numkeys_idx: position of numkeys; dstkey
// empty for the non-STORE forms.
void ZsetOpGeneric(CommandContext& c, std::string_view dstkey, bool store, int numkeys_idx, SetOp op,
                   bool cardinality_only) {
  long setnum;
  if (!c.ParseLong(numkeys_idx, &setnum)) return;
  if (setnum < 1) {
    c.reply.Error(std::string("ERR at least 1 input key is needed for '") + c.spec->name + "' command");
    return;
  }
  if (setnum > c.argc - (numkeys_idx + 1)) {
    c.SyntaxError();
    return;
  }

  std::vector<ZSource> src(static_cast<size_t>(setnum));
  int j = numkeys_idx + 1;
  for (long i = 0; i < setnum; i++, j++) {
    Entry* e = c.ReadKey(c.arg(j));
    if (e && e->type != kZSet && e->type != kSet) {
      c.WrongType();
      return;
    }
    src[static_cast<size_t>(i)].entry = e;
  }

  Aggregate aggregate = Aggregate::kSum;
  bool withscores = false;
  long limit = 0;  // ZINTERCARD: stop counting there (0: no limit)
  while (j < c.argc) {
    const int remaining = c.argc - j;
    if (op != SetOp::kDiff && !cardinality_only && remaining >= setnum + 1 && c.Is(j, "weights")) {
      j++;
      for (long i = 0; i < setnum; i++, j++) {
        if (!c.ParseDouble(j, &src[static_cast<size_t>(i)].weight, "ERR weight value is not a float")) return;
      }
    } else if (op != SetOp::kDiff && !cardinality_only && remaining >= 2 && c.Is(j, "aggregate")) {
      j++;
      if (c.Is(j, "sum")) {
        aggregate = Aggregate::kSum;
      } else if (c.Is(j, "min")) {
        aggregate = Aggregate::kMin;
      } else if (c.Is(j, "max")) {
        aggregate = Aggregate::kMax;
      } else {
        c.SyntaxError();
        return;
      }
      j++;
    } else if (remaining >= 1 && !store && !cardinality_only && c.Is(j, "withscores")) {
      j++;
      withscores = true;
    } else if (cardinality_only && remaining >= 2 && c.Is(j, "limit")) {
      j++;
      if (!c.ParseRange(j, 0, LONG_MAX, &limit, "ERR LIMIT can't be negative")) return;
      j++;
    } else {
      c.SyntaxError();
      return;
    }
  }

  // Smallest input first (stable, like glibc's merge-sort qsort), which also
  // fixes the order in which SUM adds the weighted scores.
  if (op != SetOp::kDiff) {
    std::stable_sort(src.begin(), src.end(),
                     [](const ZSource& a, const ZSource& b) { return a.Length() < b.Length(); });
  }

  std::vector<ResultItem> result;
  size_t cardinality = 0;
  if (op == SetOp::kInter) {
    if (src[0].Length() > 0) {
      bool stop = false;
      src[0].ForEach([&](std::string_view m, double s) {
        if (stop) return;
        double score = src[0].weight * s;
        if (std::isnan(score)) score = 0;
        size_t k = 1;
        for (; k < src.size(); k++) {
          double value;
          if (src[k].entry == src[0].entry) {
            value = s * src[k].weight;
            AggregateScore(&score, value, aggregate);
          } else if (src[k].Find(m, &value)) {
            value *= src[k].weight;
            AggregateScore(&score, value, aggregate);
          } else {
            break;
          }
        }
        if (k != src.size()) return;
        if (cardinality_only) {
          cardinality++;
          if (limit && cardinality >= static_cast<size_t>(limit)) stop = true;
        } else {
          result.push_back({std::string(m), score});
        }
      });
    }
  } else if (op == SetOp::kUnion) {
    std::unordered_map<std::string, double> acc;
    if (!src.empty()) acc.reserve(src.back().Length());
    for (const ZSource& s : src) {
      if (s.Length() == 0) continue;
      s.ForEach([&](std::string_view m, double sc) {
        double score = s.weight * sc;
        if (std::isnan(score)) score = 0;
        auto ins = acc.try_emplace(std::string(m), score);
        if (!ins.second) AggregateScore(&ins.first->second, score, aggregate);
      });
    }
    result.reserve(acc.size());
    for (auto& kv : acc) result.push_back({kv.first, kv.second});
  } else {
    ZdiffCompute(src, &result);
  }

  if (cardinality_only) {
    c.reply.Int(static_cast<long long>(cardinality));
    return;
  }
  std::sort(result.begin(), result.end(), ResultLess);

  if (store) {
    if (result.empty()) {
      c.reply.Int(0);
      DeleteStoreDestination(c, dstkey);
      return;
    }
    // Redis builds a skiplist, then converts it when small enough
    // (zsetConvertToListpackIfNeeded).
    const ZSetValue::Limits limits = ZLimits(c);
    size_t maxelelen = 0, totelelen = 0;
    for (const ResultItem& r : result) {
      maxelelen = std::max(maxelelen, r.member.size());
      totelelen += r.member.size();
    }
    const bool listpack = result.size() <= limits.max_listpack_entries && maxelelen <= limits.max_listpack_value &&
                          Listpack::SafeToAdd(0, totelelen);
    std::unique_ptr<ZSetValue> z = ZSetValue::NewEmpty(listpack ? kEncListpack : kEncSkiplist, result.size());
    for (const ResultItem& r : result) z->AppendSorted(r.member, r.score);
    const size_t n = z->size();
    StoreZSetKey(c, dstkey, std::move(z),
                 op == SetOp::kUnion ? "zunionstore" : op == SetOp::kInter ? "zinterstore" : "zdiffstore");
    c.reply.Int(static_cast<long long>(n));
    c.Dirty();
    return;
  }

  const bool nested = withscores && c.reply.resp() > 2;
  c.reply.Array(withscores && !nested ? result.size() * 2 : result.size());
  for (const ResultItem& r : result) {
    if (nested) c.reply.Array(2);
    c.reply.Bulk(r.member);
    if (withscores) c.reply.Double(r.score);
  }
}

void ZunionstoreCommand(CommandContext& c) { ZsetOpGeneric(c, c.arg(1), true, 2, SetOp::kUnion, false); }
void ZinterstoreCommand(CommandContext& c) { ZsetOpGeneric(c, c.arg(1), true, 2, SetOp::kInter, false); }
void ZdiffstoreCommand(CommandContext& c) { ZsetOpGeneric(c, c.arg(1), true, 2, SetOp::kDiff, false); }
void ZunionCommand(CommandContext& c) { ZsetOpGeneric(c, {}, false, 1, SetOp::kUnion, false); }
void ZinterCommand(CommandContext& c) { ZsetOpGeneric(c, {}, false, 1, SetOp::kInter, false); }
void ZintercardCommand(CommandContext& c) { ZsetOpGeneric(c, {}, false, 1, SetOp::kInter, true); }
void ZdiffCommand(CommandContext& c) { ZsetOpGeneric(c, {}, false, 1, SetOp::kDiff, false); }

// ---------------------------------------------------------------------------
// ZSCAN

void ZscanCommand(CommandContext& c) {
  uint64_t cursor;
  Entry* e;
  ScanOptions opts;
  if (!BeginCollectionScan(c, kZSet, &cursor, &e, &opts)) return;
  ZSetValue* z = e->as<ZSetValue>();

  std::vector<std::pair<std::string, std::string>> items;
  if (z->is_listpack()) {
    // Everything in one call, scores exactly as the listpack holds them.
    const Listpack& lp = z->listpack();
    items.reserve(z->size());
    for (size_t p = lp.First(); p != Listpack::npos; p = lp.Next(lp.Next(p))) {
      char mbuf[kLongStrSize], sbuf[kLongStrSize];
      items.emplace_back(lp.Get(p).View(mbuf), lp.Get(lp.Next(p)).View(sbuf));
    }
    cursor = 0;
  } else {
    // Both member and score count against COUNT; at most 10*COUNT buckets.
    const uint64_t want = static_cast<uint64_t>(opts.count);
    uint64_t max_iterations = want > UINT64_MAX / 10 ? UINT64_MAX : want * 10;
    do {
      cursor = z->ScanStep(cursor, [&](ZDictNode* d) {
        char buf[kMaxLongDoubleChars];
        const int n = Ld2String(buf, sizeof buf, d->node->score, LdMode::kAuto);
        items.emplace_back(d->node->member(), std::string(buf, static_cast<size_t>(n)));
      });
    } while (cursor && max_iterations-- && items.size() * 2 < want);
  }

  ReplyScanPairs(c, cursor, items, opts);
}

}  // namespace

// ---------------------------------------------------------------------------
// Generic pop (also used by the blocking commands)

size_t ZPopGeneric(CommandContext& c, const std::string_view* keys, int numkeys, ZWhere where, bool emit_key,
                   long count, bool nested, bool nil_when_empty, bool* deleted) {
  if (deleted) *deleted = false;
  Entry* e = nullptr;
  std::string_view key;
  for (int i = 0; i < numkeys; i++) {
    key = keys[i];
    e = c.WriteKey(key);
    if (!e) continue;
    if (e->type != kZSet) {
      c.WrongType();
      return 0;
    }
    break;
  }
  if (!e) {
    if (nil_when_empty) {
      c.reply.NullArray();
    } else {
      c.reply.Array(0);
    }
    return 0;
  }
  if (count == 0) {
    c.reply.Array(0);
    return 0;
  }
  if (count == -1) count = 1;

  ZSetValue* z = e->as<ZSetValue>();
  const size_t llen = z->size();
  const size_t rangelen = static_cast<size_t>(count) > llen ? llen : static_cast<size_t>(count);
  if (!nested && !emit_key) {
    c.reply.Array(rangelen * 2);
  } else if (nested && !emit_key) {
    c.reply.Array(rangelen);
  } else if (!nested && emit_key) {
    c.reply.Array(rangelen * 2 + 1);
    c.reply.Bulk(key);
  } else {
    c.reply.Array(2);
    c.reply.Bulk(key);
    c.reply.Array(rangelen);
  }

  // Reply with the popped members first, then remove them in one go.
  ZIter it = where == ZWhere::kMin ? z->First() : z->Last();
  char buf[kLongStrSize];
  for (size_t i = 0; i < rangelen; i++) {
    if (nested) c.reply.Array(2);
    c.reply.Bulk(z->Member(it, buf));
    c.reply.Double(z->ScoreAt(it));
    if (where == ZWhere::kMin) {
      z->Next(&it);
    } else {
      z->Prev(&it);
    }
  }
  z->DeleteEnds(where, rangelen);
  c.Dirty(rangelen);
  c.Notify(kNotifyZset, where == ZWhere::kMin ? "zpopmin" : "zpopmax", key);

  if (c.DeleteIfEmpty(key, z) && deleted) *deleted = true;
  c.KeyModified(key);
  return rangelen;
}

void RegisterZSetCommands(CommandRegistry& r) {
  r.Add("zadd", ZaddCommand);
  r.Add("zincrby", ZincrbyCommand);
  r.Add("zrem", ZremCommand);
  r.Add("zremrangebyrank", ZremrangebyrankCommand);
  r.Add("zremrangebyscore", ZremrangebyscoreCommand);
  r.Add("zremrangebylex", ZremrangebylexCommand);
  r.Add("zrange", ZrangeCommand);
  r.Add("zrangestore", ZrangestoreCommand);
  r.Add("zrevrange", ZrevrangeCommand);
  r.Add("zrangebyscore", ZrangebyscoreCommand);
  r.Add("zrevrangebyscore", ZrevrangebyscoreCommand);
  r.Add("zrangebylex", ZrangebylexCommand);
  r.Add("zrevrangebylex", ZrevrangebylexCommand);
  r.Add("zcard", ZcardCommand);
  r.Add("zcount", ZcountCommand);
  r.Add("zlexcount", ZlexcountCommand);
  r.Add("zscore", ZscoreCommand);
  r.Add("zmscore", ZmscoreCommand);
  r.Add("zrank", ZrankCommand);
  r.Add("zrevrank", ZrevrankCommand);
  r.Add("zpopmin", ZpopminCommand);
  r.Add("zpopmax", ZpopmaxCommand);
  r.Add("zmpop", ZmpopCommand);
  r.Add("zrandmember", ZrandmemberCommand);
  r.Add("zunion", ZunionCommand);
  r.Add("zunionstore", ZunionstoreCommand);
  r.Add("zinter", ZinterCommand);
  r.Add("zinterstore", ZinterstoreCommand);
  r.Add("zintercard", ZintercardCommand);
  r.Add("zdiff", ZdiffCommand);
  r.Add("zdiffstore", ZdiffstoreCommand);
  r.Add("zscan", ZscanCommand);
}

}  // namespace tachyon
