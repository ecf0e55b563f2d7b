// List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET
// LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP.
//
// Semantics, argument checks (and their order relative to the key lookup),
// reply shapes and error texts follow Redis 7.0 (t_list.c); the code is
// Tachyon's own. Values are ListValue (list_value.h), always reported as
// "quicklist". Reads use c.ReadKey (lookupKeyRead), writes c.WriteKey
// (lookupKeyWrite); a list that becomes empty is deleted at once.
//
// Elements are replied straight from the listpack nodes (no copy, no
// allocation per element); the only copy is the moved element of LMOVE when
// source and destination are the same list.
#include <climits>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/listpack.h"
#include "core/quicklist.h"
#include "core/util.h"
#include "server/command.h"
#include "server/list_value.h"
#include "server/server.h"

namespace tachyon {

namespace {

constexpr std::string_view kMustBePositive = "ERR value is out of range, must be positive";
constexpr std::string_view kRankZero =
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to "
    "start from the end of the list";
constexpr std::string_view kCountNegative = "ERR COUNT can't be negative";
constexpr std::string_view kMaxlenNegative = "ERR MAXLEN can't be negative";
constexpr std::string_view kNumkeys = "ERR numkeys should be greater than 0";
constexpr std::string_view kCountPositive = "ERR count should be greater than 0";

// Scratch for the element LMOVE moves inside one list; keeps its capacity
// between calls so rotations do not allocate.
std::string& MoveScratch() {
  static std::string s;
  return s;
}

// Keyspace event names of a push and a pop at `where`.
const char* PushEvent(ListWhere where) { return where == ListWhere::kHead ? "lpush" : "rpush"; }
const char* PopEvent(ListWhere where) { return where == ListWhere::kHead ? "lpop" : "rpop"; }

// ---------------------------------------------------------------------------
// LPUSH / RPUSH / LPUSHX / RPUSHX

void PushGeneric(CommandContext& c, ListWhere where, bool xx) {
  std::string_view key = c.arg(1);
  Entry* e;
  if (!c.WriteKeyOfType(key, kList, &e)) return;
  ListValue* list;
  if (e) {
    list = e->as<ListValue>();
  } else {
    if (xx) {
      c.reply.Int(0);
      return;
    }
    list = CreateListKey(c, key);
  }
  for (int i = 2; i < c.argc; i++) list->Push(c.arg(i), where);
  c.reply.Int(static_cast<long long>(list->size()));
  c.KeyModified(key);
  c.Notify(kNotifyList, PushEvent(where), key);
  c.Dirty(static_cast<uint64_t>(c.argc - 2));
}

void LpushCommand(CommandContext& c) { PushGeneric(c, ListWhere::kHead, false); }
void RpushCommand(CommandContext& c) { PushGeneric(c, ListWhere::kTail, false); }
void LpushxCommand(CommandContext& c) { PushGeneric(c, ListWhere::kHead, true); }
void RpushxCommand(CommandContext& c) { PushGeneric(c, ListWhere::kTail, true); }

// ---------------------------------------------------------------------------
// LPOP / RPOP key [count]

void PopCommand(CommandContext& c, ListWhere where) {
  if (c.argc > 3) {
    c.ArityError();
    return;
  }
  const bool hascount = c.argc == 3;
  long count = 0;
  if (hascount && !c.ParseRange(2, 0, LONG_MAX, &count, kMustBePositive)) return;
  std::string_view key = c.arg(1);
  Entry* e;
  if (!c.WriteKeyOfType(key, kList, &e)) return;
  if (!e) {
    if (hascount) {
      c.reply.NullArray();
    } else {
      c.reply.Null();
    }
    return;
  }
  if (hascount && count == 0) {
    c.reply.Array(0);
    return;
  }
  ListPopGeneric(c, key, e, where, hascount ? count : 1, hascount ? ListPopReply::kArray : ListPopReply::kBulk);
}

void LpopCommand(CommandContext& c) { PopCommand(c, ListWhere::kHead); }
void RpopCommand(CommandContext& c) { PopCommand(c, ListWhere::kTail); }

// ---------------------------------------------------------------------------
// Reads: LLEN LRANGE LINDEX LPOS

void LlenCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kList, &e)) return;
  c.reply.Int(e ? static_cast<long long>(e->as<ListValue>()->size()) : 0);
}

void LrangeCommand(CommandContext& c) {
  long start, end;
  if (!c.ParseLong(2, &start) || !c.ParseLong(3, &end)) return;
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kList, &e)) return;
  if (!e) {
    c.reply.Array(0);
    return;
  }
  ListRangeReply(c, e->as<ListValue>(), start, end, false);
}

void LindexCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kList, &e)) return;
  if (!e) {
    c.reply.Null();
    return;
  }
  long index;
  if (!c.ParseLong(2, &index)) return;
  QlEntry qe;
  if (e->as<ListValue>()->quicklist().Index(index, &qe)) {
    ReplyListElement(c.reply, qe.value);
  } else {
    c.reply.Null();
  }
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void LposCommand(CommandContext& c) {
  std::string_view ele = c.arg(2);
  long rank = 1, count = -1, maxlen = 0;  // count -1: no COUNT option
  for (int j = 3; j < c.argc; j++) {
    const bool moreargs = j + 1 < c.argc;
    if (c.Is(j, "rank") && moreargs) {
      j++;
      // 7.0 accepts the whole long range here (LONG_MIN included).
      if (!c.ParseLong(j, &rank)) return;
      if (rank == 0) {
        c.reply.Error(kRankZero);
        return;
      }
    } else if (c.Is(j, "count") && moreargs) {
      j++;
      if (!c.ParseRange(j, 0, LONG_MAX, &count, kCountNegative)) return;
    } else if (c.Is(j, "maxlen") && moreargs) {
      j++;
      if (!c.ParseRange(j, 0, LONG_MAX, &maxlen, kMaxlenNegative)) return;
    } else {
      c.SyntaxError();
      return;
    }
  }
  // A negative rank searches from the tail. Negating LONG_MIN leaves it
  // negative, as in Redis (it then matches from the first match on).
  bool forward = true;
  if (rank < 0) {
    rank = static_cast<long>(0UL - static_cast<unsigned long>(rank));
    forward = false;
  }

  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kList, &e)) return;
  if (!e) {
    if (count != -1) {
      c.reply.Array(0);
    } else {
      c.reply.Null();
    }
    return;
  }
  Quicklist& ql = e->as<ListValue>()->quicklist();
  const long llen = static_cast<long>(ql.size());
  size_t handle = 0;
  if (count != -1) handle = c.reply.BeginDeferredArray();
  long index = 0, matches = 0, matchindex = -1, arraylen = 0;
  Quicklist::Iterator it = ql.GetIterator(forward);
  QlEntry qe;
  while (it.Next(&qe) && (maxlen == 0 || index < maxlen)) {
    if (qe.value.Equals(ele)) {
      matches++;
      matchindex = forward ? index : llen - index - 1;
      if (matches >= rank) {
        if (count == -1) break;
        arraylen++;
        c.reply.Int(matchindex);
        // matches - rank + 1, wrapping like Redis's long arithmetic.
        const long got = static_cast<long>(static_cast<unsigned long>(matches) - static_cast<unsigned long>(rank) + 1UL);
        if (count && got >= count) break;
      }
    }
    index++;
    matchindex = -1;
  }
  if (count != -1) {
    c.reply.EndDeferredArray(handle, static_cast<size_t>(arraylen));
  } else if (matchindex != -1) {
    c.reply.Int(matchindex);
  } else {
    c.reply.Null();
  }
}

// ---------------------------------------------------------------------------
// Writes in place: LSET LINSERT LREM LTRIM

void LsetCommand(CommandContext& c) {
  std::string_view key = c.arg(1);
  Entry* e;
  if (!c.WriteKeyOfType(key, kList, &e)) return;
  if (!e) {
    c.reply.Error(err::kNoSuchKey);
    return;
  }
  long index;
  if (!c.ParseLong(2, &index)) return;
  if (!e->as<ListValue>()->quicklist().ReplaceAtIndex(index, c.arg(3))) {
    c.reply.Error(err::kOutOfRange);
    return;
  }
  c.reply.Ok();
  c.KeyChanged(key, kNotifyList, "lset");
}

// LINSERT key BEFORE|AFTER pivot element
void LinsertCommand(CommandContext& c) {
  bool after;
  if (c.Is(2, "after")) {
    after = true;
  } else if (c.Is(2, "before")) {
    after = false;
  } else {
    c.SyntaxError();
    return;
  }
  std::string_view key = c.arg(1);
  Entry* e;
  if (!c.WriteKeyOfType(key, kList, &e)) return;
  if (!e) {
    c.reply.Int(0);
    return;
  }
  ListValue* list = e->as<ListValue>();
  Quicklist& ql = list->quicklist();
  std::string_view pivot = c.arg(3);
  bool inserted = false;
  Quicklist::Iterator it = ql.GetIterator(true);
  QlEntry qe;
  while (it.Next(&qe)) {
    if (qe.value.Equals(pivot)) {
      // The iterator is not used again after the insertion.
      if (after) {
        ql.InsertAfter(qe, c.arg(4));
      } else {
        ql.InsertBefore(qe, c.arg(4));
      }
      inserted = true;
      break;
    }
  }
  if (!inserted) {
    c.reply.Int(-1);
    return;
  }
  c.KeyChanged(key, kNotifyList, "linsert");
  c.reply.Int(static_cast<long long>(list->size()));
}

// LREM key count element
void LremCommand(CommandContext& c) {
  long toremove;
  if (!c.ParseLong(2, &toremove)) return;
  std::string_view key = c.arg(1);
  Entry* e;
  if (!c.WriteKeyOfType(key, kList, &e)) return;
  if (!e) {
    c.reply.Int(0);
    return;
  }
  ListValue* list = e->as<ListValue>();
  Quicklist& ql = list->quicklist();
  const bool forward = toremove >= 0;
  // |count| without overflow for LONG_MIN; 0 removes every match.
  const unsigned long limit = forward ? static_cast<unsigned long>(toremove) : 0UL - static_cast<unsigned long>(toremove);
  std::string_view ele = c.arg(3);
  unsigned long removed = 0;
  Quicklist::Iterator it = ql.GetIterator(forward);
  QlEntry qe;
  while (it.Next(&qe)) {
    if (qe.value.Equals(ele)) {
      it.DelEntry(&qe);
      removed++;
      if (limit && removed == limit) break;
    }
  }
  if (removed) {
    c.KeyChanged(key, kNotifyList, "lrem", removed);
    c.DeleteIfEmpty(key, list);
  }
  c.reply.Int(static_cast<long long>(removed));
}

// LTRIM key start stop
void LtrimCommand(CommandContext& c) {
  long start, end;
  if (!c.ParseLong(2, &start) || !c.ParseLong(3, &end)) return;
  std::string_view key = c.arg(1);
  Entry* e;
  if (!c.WriteKeyOfType(key, kList, &e)) return;
  if (!e) {
    c.reply.Ok();
    return;
  }
  ListValue* list = e->as<ListValue>();
  const long llen = static_cast<long>(list->size());
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  long ltrim, rtrim;
  if (start > end || start >= llen) {
    ltrim = llen;  // empty range: everything goes
    rtrim = 0;
  } else {
    if (end >= llen) end = llen - 1;
    ltrim = start;
    rtrim = llen - end - 1;
  }
  Quicklist& ql = list->quicklist();
  ql.DelRange(0, ltrim);
  ql.DelRange(-rtrim, rtrim);
  // Redis signals (and notifies) the key even when nothing was trimmed.
  c.KeyChanged(key, kNotifyList, "ltrim", static_cast<uint64_t>(ltrim + rtrim));
  c.DeleteIfEmpty(key, list);
  c.reply.Ok();
}

// ---------------------------------------------------------------------------
// LMOVE / RPOPLPUSH / LMPOP

void LmoveGeneric(CommandContext& c, ListWhere from, ListWhere to) {
  std::string_view src = c.arg(1);
  Entry* e;
  if (!c.WriteKeyOfType(src, kList, &e)) return;
  if (!e) {
    c.reply.Null();
    return;
  }
  ListMoveGeneric(c, src, e, c.arg(2), from, to);
}

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
void LmoveCommand(CommandContext& c) {
  ListWhere from, to;
  if (!ParseListWhere(c, 3, &from) || !ParseListWhere(c, 4, &to)) return;
  LmoveGeneric(c, from, to);
}

void RpoplpushCommand(CommandContext& c) { LmoveGeneric(c, ListWhere::kTail, ListWhere::kHead); }

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
void LmpopCommand(CommandContext& c) {
  ListMpopArgs args;
  if (!ParseListMpopArgs(c, 1, &args)) return;
  if (ListMpopGeneric(c, args) == ListServe::kEmpty) c.reply.NullArray();
}

}  // namespace

// ---------------------------------------------------------------------------
// Shared operations (list_value.h)

std::unique_ptr<ListValue> NewListValue(CommandContext& c) {
  const Settings& s = c.server.settings();
  return std::make_unique<ListValue>(s.list_max_listpack_size, s.list_compress_depth);
}

ListValue* CreateListKey(CommandContext& c, std::string_view key) {
  Entry* e = NewCollectionEntry(key, KeyHash(key), kList, kEncQuicklist, NewListValue(c));
  c.db->Add(e);
  return e->as<ListValue>();
}

void ReplyListElement(Reply& r, const LpValue& v) {
  if (v.is_int()) {
    r.BulkInt(v.ival);
  } else {
    r.Bulk(v.sv());
  }
}

void ListRangeReply(CommandContext& c, ListValue* list, long start, long end, bool reverse) {
  const long llen = static_cast<long>(list->size());
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  // start >= 0 here, so a negative end also gives an empty range.
  if (start > end || start >= llen) {
    c.reply.Array(0);
    return;
  }
  if (end >= llen) end = llen - 1;
  const size_t n = static_cast<size_t>(end - start) + 1;
  c.reply.Array(n);
  Reply& reply = c.reply;
  list->ForRange(reverse ? end : start, n, reverse, [&reply](const LpValue& v) { ReplyListElement(reply, v); });
}

bool ListElementsRemoved(CommandContext& c, std::string_view key, ListValue* list, long count) {
  c.KeyModified(key);
  c.Dirty(static_cast<uint64_t>(count));
  return c.DeleteIfEmpty(key, list);
}

bool ListPopGeneric(CommandContext& c, std::string_view key, Entry* e, ListWhere where, long count,
                    ListPopReply shape) {
  ListValue* list = e->as<ListValue>();
  const long llen = static_cast<long>(list->size());
  const long n = count > llen ? llen : count;
  switch (shape) {
    case ListPopReply::kKeyAndValue:
      c.reply.Array(2);
      c.reply.Bulk(key);
      [[fallthrough]];
    case ListPopReply::kBulk:
      ReplyListElement(c.reply, list->Peek(where));
      list->PopDiscard(where);
      c.Notify(kNotifyList, PopEvent(where), key);
      return ListElementsRemoved(c, key, list, 1);
    case ListPopReply::kKeyAndArray:
      c.reply.Array(2);
      c.reply.Bulk(key);
      [[fallthrough]];
    case ListPopReply::kArray:
      break;
  }
  if (where == ListWhere::kHead) {
    ListRangeReply(c, list, 0, n - 1, false);
    list->quicklist().DelRange(0, n);
  } else {
    ListRangeReply(c, list, -n, -1, true);
    list->quicklist().DelRange(-n, n);
  }
  c.Notify(kNotifyList, PopEvent(where), key);
  return ListElementsRemoved(c, key, list, n);
}

bool ListMoveGeneric(CommandContext& c, std::string_view src, Entry* src_entry, std::string_view dst,
                     ListWhere from, ListWhere to) {
  Entry* d;
  if (!c.WriteKeyOfType(dst, kList, &d)) return false;
  ListValue* sl = src_entry->as<ListValue>();
  const LpValue v = sl->Peek(from);
  if (d == src_entry) {
    // Rotation inside one list: pop first, then push, like Redis, so the
    // node layout matches; the element is copied out before the pop.
    char buf[kLongStrSize];
    std::string& scratch = MoveScratch();
    std::string_view value;
    if (v.is_int()) {
      value = v.View(buf);
    } else {
      scratch.assign(reinterpret_cast<const char*>(v.str), v.len);
      value = scratch;
    }
    sl->PopDiscard(from);
    sl->Push(value, to);
    c.KeyModified(dst);
    c.Notify(kNotifyList, PushEvent(to), dst);
    c.reply.Bulk(value);
    if (scratch.capacity() > 64 * 1024) std::string().swap(scratch);
  } else {
    // Different lists: the element can go straight from one to the other.
    ListValue* dl = d ? d->as<ListValue>() : CreateListKey(c, dst);
    char buf[kLongStrSize];
    const std::string_view value = v.View(buf);
    dl->Push(value, to);
    c.KeyModified(dst);
    c.Notify(kNotifyList, PushEvent(to), dst);
    c.reply.Bulk(value);
    sl->PopDiscard(from);
  }
  // The destination's push event comes first, then the source's pop (and del).
  c.Notify(kNotifyList, PopEvent(from), src);
  ListElementsRemoved(c, src, sl, 1);
  return true;
}

bool ParseListWhere(CommandContext& c, int i, ListWhere* out) {
  if (c.Is(i, "right")) {
    *out = ListWhere::kTail;
  } else if (c.Is(i, "left")) {
    *out = ListWhere::kHead;
  } else {
    c.SyntaxError();
    return false;
  }
  return true;
}

bool ParseListMpopArgs(CommandContext& c, int numkeys_idx, ListMpopArgs* out) {
  long numkeys;
  if (!c.ParseRange(numkeys_idx, 1, LONG_MAX, &numkeys, kNumkeys)) return false;
  // The direction follows the keys: where_idx = numkeys_idx + numkeys + 1
  // must be an argument (checked without overflowing for huge numkeys).
  if (numkeys >= static_cast<long>(c.argc) - numkeys_idx - 1) {
    c.SyntaxError();
    return false;
  }
  const int where_idx = numkeys_idx + static_cast<int>(numkeys) + 1;
  if (!ParseListWhere(c, where_idx, &out->where)) return false;
  long count = -1;
  for (int j = where_idx + 1; j < c.argc; j++) {
    const bool moreargs = j + 1 < c.argc;
    if (count == -1 && c.Is(j, "count") && moreargs) {
      j++;
      if (!c.ParseRange(j, 1, LONG_MAX, &count, kCountPositive)) return false;
    } else {
      c.SyntaxError();
      return false;
    }
  }
  out->keys = c.argv + numkeys_idx + 1;
  out->numkeys = numkeys;
  out->count = count == -1 ? 1 : count;
  return true;
}

ListServe ListMpopGeneric(CommandContext& c, const ListMpopArgs& args) {
  for (long j = 0; j < args.numkeys; j++) {
    std::string_view key = args.keys[j];
    Entry* e = c.WriteKey(key);
    if (!e) continue;
    if (e->type != kList) {
      c.WrongType();
      return ListServe::kError;
    }
    if (e->as<ListValue>()->empty()) continue;
    const size_t len = e->as<ListValue>()->size();
    ListPopGeneric(c, key, e, args.where, args.count, ListPopReply::kKeyAndArray);
    // Propagated as LPOP/RPOP key <number popped>.
    if (c.propagating()) {
      const size_t n = static_cast<size_t>(args.count) < len ? static_cast<size_t>(args.count) : len;
      c.PropagateAs({args.where == ListWhere::kHead ? "LPOP" : "RPOP", std::string(key), std::to_string(n)});
    }
    return ListServe::kServed;
  }
  return ListServe::kEmpty;
}

void RegisterListCommands(CommandRegistry& r) {
  r.Add("lpush", LpushCommand);
  r.Add("rpush", RpushCommand);
  r.Add("lpushx", LpushxCommand);
  r.Add("rpushx", RpushxCommand);
  r.Add("lpop", LpopCommand);
  r.Add("rpop", RpopCommand);
  r.Add("llen", LlenCommand);
  r.Add("lrange", LrangeCommand);
  r.Add("lindex", LindexCommand);
  r.Add("lset", LsetCommand);
  r.Add("linsert", LinsertCommand);
  r.Add("lrem", LremCommand);
  r.Add("ltrim", LtrimCommand);
  r.Add("lpos", LposCommand);
  r.Add("lmove", LmoveCommand);
  r.Add("rpoplpush", RpoplpushCommand);
  r.Add("lmpop", LmpopCommand);
}

}  // namespace tachyon
