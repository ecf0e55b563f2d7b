// Set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER
// SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE
// SSCAN.
//
// Semantics, reply shapes, error texts and encoding transitions follow Redis
// 7.0 (t_set.c); the code is Tachyon's own. Values are SetValue
// (set_value.h); the Entry's `encoding` byte mirrors the value's encoding
// after every write so OBJECT ENCODING reports what Redis would.
//
// Reply types as in 7.0: SMEMBERS, SINTER, SUNION, SDIFF and SPOP with a
// count reply RESP3 sets; SRANDMEMBER with a count replies an array. Results
// that Redis builds as a fresh set (SUNION, SDIFF, the *STORE commands and
// SPOP of the whole set) are built the same way here -- a new intset that
// converts as members are added -- so their encoding and, for intsets, their
// (ascending) order match.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/util.h"
#include "server/command.h"
#include "server/scan.h"
#include "server/hash_value.h"
#include "server/server.h"
#include "server/set_value.h"

namespace tachyon {
namespace {

constexpr std::string_view kMustBePositive = "ERR value is out of range, must be positive";

size_t IntsetLimit(CommandContext& c) {
  const int v = c.server.settings().set_max_intset_entries;
  return v < 0 ? 0 : static_cast<size_t>(v);
}

// Stores a freshly built set under key (replacing any value, dropping the
// TTL), or deletes key when the set is empty, and replies the cardinality.
// `event` is the command's keyspace event (sinterstore, sunionstore, sdiffstore).
void StoreResult(CommandContext& c, std::string_view key, std::unique_ptr<SetValue> result, const char* event) {
  const size_t n = result->size();
  if (n > 0) {
    const ObjEncoding enc = result->encoding();
    c.StoreKey(NewCollectionEntry(key, KeyHash(key), kSet, enc, std::move(result)));
    c.reply.Int(static_cast<long long>(n));
    c.KeyChanged(key, kNotifySet, event);
  } else {
    c.reply.Int(0);
    if (c.DeleteKey(key)) c.Dirty();
  }
}

void ReplyMembers(CommandContext& c, SetValue* s) {
  c.reply.Set(s->size());
  s->ForEach([&](std::string_view m) { c.reply.Bulk(m); });
}

// ---------------------------------------------------------------------------
// SADD / SREM / SMOVE

void SaddCommand(CommandContext& c) {
  std::string_view key = c.arg(1);
  Entry* e;
  if (!c.WriteKeyOfType(key, kSet, &e)) return;
  std::unique_ptr<SetValue> created = e ? nullptr : std::make_unique<SetValue>();
  SetValue* s = e ? e->as<SetValue>() : created.get();
  const size_t limit = IntsetLimit(c);
  int64_t added = 0;
  for (int i = 2; i < c.argc; i++) added += s->Add(c.arg(i), limit) ? 1 : 0;
  if (e) {
    e->encoding = s->encoding();
  } else {
    c.db->Add(NewCollectionEntry(key, KeyHash(key), kSet, s->encoding(), std::move(created)));
  }
  if (added) {
    c.KeyModified(key);
    c.Notify(kNotifySet, "sadd", key);
  }
  c.Dirty(static_cast<uint64_t>(added));
  c.reply.Int(added);
}

void SremCommand(CommandContext& c) {
  std::string_view key = c.arg(1);
  Entry* e;
  if (!c.WriteKeyOfType(key, kSet, &e)) return;
  if (!e) {
    c.reply.Int(0);
    return;
  }
  SetValue* s = e->as<SetValue>();
  int64_t deleted = 0;
  for (int i = 2; i < c.argc && s->size() > 0; i++) {
    if (s->Remove(c.arg(i))) deleted++;
  }
  if (deleted) {
    c.KeyChanged(key, kNotifySet, "srem", static_cast<uint64_t>(deleted));
    c.DeleteIfEmpty(key, s);
  }
  c.reply.Int(deleted);
}

void SmoveCommand(CommandContext& c) {
  std::string_view src = c.arg(1);
  std::string_view dst = c.arg(2);
  std::string_view member = c.arg(3);
  Entry* se = c.WriteKey(src);
  Entry* de = c.WriteKey(dst);
  if (!se) {
    c.reply.Int(0);
    return;
  }
  if (se->type != kSet || (de && de->type != kSet)) {
    c.WrongType();
    return;
  }
  SetValue* ss = se->as<SetValue>();
  if (se == de) {
    c.reply.Int(ss->Contains(member) ? 1 : 0);
    return;
  }
  if (!ss->Remove(member)) {
    c.reply.Int(0);
    return;
  }
  c.Notify(kNotifySet, "srem", src);
  c.DeleteIfEmpty(src, ss);  // de stays valid: entries never move on deletes
  const size_t limit = IntsetLimit(c);
  bool added;
  if (de) {
    SetValue* ds = de->as<SetValue>();
    added = ds->Add(member, limit);
    de->encoding = ds->encoding();
  } else {
    auto ds = std::make_unique<SetValue>();
    added = ds->Add(member, limit);
    const ObjEncoding enc = ds->encoding();
    c.db->Add(NewCollectionEntry(dst, KeyHash(dst), kSet, enc, std::move(ds)));
  }
  c.KeyModified(src);
  c.Dirty();
  if (added) {
    c.KeyChanged(dst, kNotifySet, "sadd");
  }
  c.reply.Int(1);
}

// ---------------------------------------------------------------------------
// Reads

void SismemberCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kSet, &e)) return;
  c.reply.Int(e && e->as<SetValue>()->Contains(c.arg(2)) ? 1 : 0);
}

void SmismemberCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kSet, &e)) return;
  SetValue* s = e ? e->as<SetValue>() : nullptr;
  c.reply.Array(static_cast<size_t>(c.argc - 2));
  for (int i = 2; i < c.argc; i++) c.reply.Int(s && s->Contains(c.arg(i)) ? 1 : 0);
}

void ScardCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kSet, &e)) return;
  c.reply.Int(e ? static_cast<long long>(e->as<SetValue>()->size()) : 0);
}

// In 7.0 SMEMBERS is SINTER of one key: a RESP3 set in iteration order.
void SmembersCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kSet, &e)) return;
  if (!e) {
    c.reply.Set(0);
    return;
  }
  ReplyMembers(c, e->as<SetValue>());
}

// ---------------------------------------------------------------------------
// SPOP / SRANDMEMBER

// SPOP key count
void SpopWithCount(CommandContext& c) {
  long l;
  if (!c.ParseRange(2, 0, LONG_MAX, &l, kMustBePositive)) return;
  const size_t count = static_cast<size_t>(l);
  std::string_view key = c.arg(1);
  Entry* e;
  if (!c.WriteKeyOfType(key, kSet, &e)) return;
  if (!e || count == 0) {
    c.reply.Set(0);
    return;
  }
  SetValue* s = e->as<SetValue>();
  const size_t size = s->size();
  // Redis notifies "spop" before popping anything, whatever the case below.
  c.Notify(kNotifySet, "spop", key);

  // The whole set: Redis replies it through SUNION (a fresh set built from
  // the members), then deletes the key.
  if (count >= size) {
    if (s->is_intset()) {
      ReplyMembers(c, s);  // already what the union would be, in the same order
    } else {
      SetValue all;
      const size_t limit = IntsetLimit(c);
      s->ForEach([&](std::string_view m) { all.Add(m, limit); });
      ReplyMembers(c, &all);
    }
    c.db->Delete(key);
    c.Notify(kNotifyGeneric, "del", key);
    c.KeyModified(key);
    c.Dirty(size);
    return;
  }

  c.reply.Set(count);
  const size_t remaining = size - count;
  if (count * 5 > size) {
    // Most of the set goes: keep `remaining` random members (rebuilt as a
    // new set, whose encoding follows from them) and reply the rest in
    // iteration order.
    s->PopAllBut(remaining, IntsetLimit(c), [&](std::string_view m) { c.reply.Bulk(m); });
    e->encoding = s->encoding();
  } else {
    for (size_t i = 0; i < count; i++) c.reply.Bulk(s->PopRandom());
  }
  c.KeyModified(key);
  c.Dirty(count);
}

void SpopCommand(CommandContext& c) {
  if (c.argc == 3) {
    SpopWithCount(c);
    return;
  }
  if (c.argc > 3) {
    c.SyntaxError();
    return;
  }
  std::string_view key = c.arg(1);
  Entry* e;
  if (!c.WriteKeyOfType(key, kSet, &e)) return;
  if (!e) {
    c.reply.Null();
    return;
  }
  SetValue* s = e->as<SetValue>();
  c.reply.Bulk(s->PopRandom());
  c.Notify(kNotifySet, "spop", key);
  c.DeleteIfEmpty(key, s);
  c.KeyModified(key);
  c.Dirty();
}

// SRANDMEMBER key count
void SrandmemberWithCount(CommandContext& c) {
  long l;
  if (!c.ParseRange(2, -LONG_MAX, LONG_MAX, &l)) return;
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kSet, &e)) return;
  if (!e) {
    c.reply.Array(0);
    return;
  }
  SetValue* s = e->as<SetValue>();
  const bool uniq = l >= 0;
  const size_t count = uniq ? static_cast<size_t>(l) : static_cast<size_t>(-l);
  if (count == 0) {
    c.reply.Array(0);
    return;
  }
  auto emit = [&](std::string_view m) { c.reply.Bulk(m); };
  // Negative count (or 1): independent picks, repetitions allowed.
  if (!uniq || count == 1) {
    c.reply.Array(count);
    for (size_t i = 0; i < count; i++) s->RandomMember(emit);
    return;
  }
  const size_t size = s->size();
  if (count >= size) {
    c.reply.Array(size);
    s->ForEach(emit);
    return;
  }
  c.reply.Array(count);
  s->RandomUniqueMembers(count, emit);
}

void SrandmemberCommand(CommandContext& c) {
  if (c.argc == 3) {
    SrandmemberWithCount(c);
    return;
  }
  if (c.argc > 3) {
    c.SyntaxError();
    return;
  }
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kSet, &e)) return;
  if (!e) {
    c.reply.Null();
    return;
  }
  e->as<SetValue>()->RandomMember([&](std::string_view m) { c.reply.Bulk(m); });
}

// ---------------------------------------------------------------------------
// SINTER / SINTERSTORE / SINTERCARD

// dstkey == nullptr: reply the members (or, with card_only, their count,
// stopping at limit when limit > 0); otherwise store them under *dstkey.
void SinterGeneric(CommandContext& c, const std::string_view* keys, int n, const std::string_view* dstkey,
                   bool card_only, uint64_t limit) {
  std::vector<SetValue*> sets;
  sets.reserve(static_cast<size_t>(n));
  bool empty = false;
  // Every key is type-checked, even after a missing one. Redis 7.0 reads the
  // sources with lookupKeyRead for the STORE form too (stats, "keymiss").
  for (int j = 0; j < n; j++) {
    Entry* e = c.ReadKey(keys[j]);
    if (!e) {
      empty = true;
      continue;
    }
    if (e->type != kSet) {
      c.WrongType();
      return;
    }
    sets.push_back(e->as<SetValue>());
  }
  // Intersection with an empty set is empty.
  if (empty) {
    if (dstkey) {
      if (c.DeleteKey(*dstkey)) c.Dirty();
      c.reply.Int(0);
    } else if (card_only) {
      c.reply.Int(0);
    } else {
      c.reply.Set(0);
    }
    return;
  }
  // Walk the smallest set, probing the others.
  std::stable_sort(sets.begin(), sets.end(), [](SetValue* a, SetValue* b) { return a->size() < b->size(); });
  SetValue* first = sets[0];
  auto in_all = [&](std::string_view m) {
    for (size_t j = 1; j < sets.size(); j++) {
      if (sets[j] == first) continue;
      if (!sets[j]->Contains(m)) return false;
    }
    return true;
  };

  if (card_only) {
    uint64_t card = 0;
    first->ForEach([&](std::string_view m) {
      if (!in_all(m)) return true;
      card++;
      return !(limit && card >= limit);
    });
    c.reply.Int(static_cast<long long>(card));
  } else if (!dstkey) {
    const size_t handle = c.reply.BeginDeferredArray();
    size_t card = 0;
    first->ForEach([&](std::string_view m) {
      if (!in_all(m)) return;
      c.reply.Bulk(m);
      card++;
    });
    c.reply.EndDeferredArray(handle, card, '~');
  } else {
    auto result = std::make_unique<SetValue>();
    const size_t intset_limit = IntsetLimit(c);
    first->ForEach([&](std::string_view m) {
      if (in_all(m)) result->Add(m, intset_limit);
    });
    StoreResult(c, *dstkey, std::move(result), "sinterstore");
  }
}

void SinterCommand(CommandContext& c) { SinterGeneric(c, c.argv + 1, c.argc - 1, nullptr, false, 0); }

void SinterstoreCommand(CommandContext& c) {
  std::string_view dst = c.arg(1);
  SinterGeneric(c, c.argv + 2, c.argc - 2, &dst, false, 0);
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void SintercardCommand(CommandContext& c) {
  long numkeys;
  if (!c.ParseRange(1, 1, LONG_MAX, &numkeys, "ERR numkeys should be greater than 0")) return;
  if (numkeys > c.argc - 2) {
    c.reply.Error("ERR Number of keys can't be greater than number of args");
    return;
  }
  long limit = 0;
  for (int j = 2 + static_cast<int>(numkeys); j < c.argc; j++) {
    const bool more = c.argc - 1 - j > 0;
    if (c.Is(j, "limit") && more) {
      j++;
      if (!c.ParseRange(j, 0, LONG_MAX, &limit, "ERR LIMIT can't be negative")) return;
    } else {
      c.SyntaxError();
      return;
    }
  }
  SinterGeneric(c, c.argv + 2, static_cast<int>(numkeys), nullptr, true, static_cast<uint64_t>(limit));
}

// ---------------------------------------------------------------------------
// SUNION / SDIFF and their STORE forms

enum class SetOp { kUnion, kDiff };

void SunionDiffGeneric(CommandContext& c, const std::string_view* keys, int n, const std::string_view* dstkey,
                       SetOp op) {
  std::vector<SetValue*> sets(static_cast<size_t>(n), nullptr);
  bool sameset = false;  // DIFF with the first key repeated later: empty result
  for (int j = 0; j < n; j++) {
    // lookupKeyRead for the STORE forms too, as in Redis 7.0.
    Entry* e = c.ReadKey(keys[j]);
    if (!e) continue;
    if (e->type != kSet) {
      c.WrongType();
      return;
    }
    SetValue* s = e->as<SetValue>();
    if (j > 0 && s == sets[0]) sameset = true;
    sets[j] = s;
  }

  // Redis picks one of two DIFF algorithms by estimated work; the choice is
  // visible through the result's encoding, so it is made the same way.
  //   1: walk the first set, keep members found in no other set;
  //   2: add the whole first set, then remove every member of the others.
  int diff_algo = 1;
  if (op == SetOp::kDiff && sets[0] && !sameset) {
    long long algo_one = 0, algo_two = 0;
    for (int j = 0; j < n; j++) {
      if (!sets[j]) continue;
      algo_one += static_cast<long long>(sets[0]->size());
      algo_two += static_cast<long long>(sets[j]->size());
    }
    algo_one /= 2;
    diff_algo = algo_one <= algo_two ? 1 : 2;
    if (diff_algo == 1 && n > 1) {
      // Larger sets first: members are more likely to be rejected early.
      std::stable_sort(sets.begin() + 1, sets.end(), [](SetValue* a, SetValue* b) {
        return (a ? a->size() : 0) > (b ? b->size() : 0);
      });
    }
  }

  auto result = std::make_unique<SetValue>();
  const size_t limit = IntsetLimit(c);
  if (op == SetOp::kUnion) {
    for (SetValue* s : sets) {
      if (s) s->ForEach([&](std::string_view m) { result->Add(m, limit); });
    }
  } else if (sameset || !sets[0]) {
    // empty
  } else if (diff_algo == 1) {
    SetValue* first = sets[0];
    first->ForEach([&](std::string_view m) {
      for (size_t j = 1; j < sets.size(); j++) {
        if (!sets[j]) continue;
        if (sets[j] == first || sets[j]->Contains(m)) return;
      }
      result->Add(m, limit);
    });
  } else {
    for (size_t j = 0; j < sets.size(); j++) {
      if (!sets[j]) continue;
      if (j == 0) {
        sets[j]->ForEach([&](std::string_view m) { result->Add(m, limit); });
      } else {
        sets[j]->ForEach([&](std::string_view m) { result->Remove(m); });
      }
      if (result->size() == 0) break;
    }
  }

  if (!dstkey) {
    ReplyMembers(c, result.get());
  } else {
    StoreResult(c, *dstkey, std::move(result), op == SetOp::kUnion ? "sunionstore" : "sdiffstore");
  }
}

void SunionCommand(CommandContext& c) { SunionDiffGeneric(c, c.argv + 1, c.argc - 1, nullptr, SetOp::kUnion); }
void SdiffCommand(CommandContext& c) { SunionDiffGeneric(c, c.argv + 1, c.argc - 1, nullptr, SetOp::kDiff); }

void SunionstoreCommand(CommandContext& c) {
  std::string_view dst = c.arg(1);
  SunionDiffGeneric(c, c.argv + 2, c.argc - 2, &dst, SetOp::kUnion);
}

void SdiffstoreCommand(CommandContext& c) {
  std::string_view dst = c.arg(1);
  SunionDiffGeneric(c, c.argv + 2, c.argc - 2, &dst, SetOp::kDiff);
}

// ---------------------------------------------------------------------------
// SSCAN key cursor [MATCH pattern] [COUNT count]

void SscanCommand(CommandContext& c) {
  uint64_t cursor;
  Entry* e;
  ScanOptions opts;
  if (!BeginCollectionScan(c, kSet, &cursor, &e, &opts)) return;
  SetValue* s = e->as<SetValue>();

  std::vector<std::string> items;
  if (s->is_intset()) {
    // An intset is small by construction: everything in one call.
    items.reserve(s->size());
    s->ForEach([&](std::string_view m) { items.emplace_back(m); });
    cursor = 0;
  } else {
    const uint64_t want = static_cast<uint64_t>(opts.count);
    uint64_t max_iterations = want > UINT64_MAX / 10 ? UINT64_MAX : want * 10;
    do {
      cursor = s->ScanStep(cursor, [&](SetNode* n) { items.emplace_back(n->member()); });
    } while (cursor && max_iterations-- && items.size() < want);
  }

  size_t kept = 0;
  for (size_t i = 0; i < items.size(); i++) {
    if (!ScanMatch(opts, items[i])) continue;
    if (kept != i) items[kept] = std::move(items[i]);
    kept++;
  }
  c.reply.Array(2);
  c.reply.Bulk(std::to_string(cursor));
  c.reply.Array(kept);
  for (size_t i = 0; i < kept; i++) c.reply.Bulk(items[i]);
}

}  // namespace

void RegisterSetCommands(CommandRegistry& r) {
  r.Add("sadd", SaddCommand);
  r.Add("srem", SremCommand);
  r.Add("smove", SmoveCommand);
  r.Add("sismember", SismemberCommand);
  r.Add("smismember", SmismemberCommand);
  r.Add("scard", ScardCommand);
  r.Add("smembers", SmembersCommand);
  r.Add("spop", SpopCommand);
  r.Add("srandmember", SrandmemberCommand);
  r.Add("sinter", SinterCommand);
  r.Add("sinterstore", SinterstoreCommand);
  r.Add("sintercard", SintercardCommand);
  r.Add("sunion", SunionCommand);
  r.Add("sunionstore", SunionstoreCommand);
  r.Add("sdiff", SdiffCommand);
  r.Add("sdiffstore", SdiffstoreCommand);
  r.Add("sscan", SscanCommand);
}

}  // namespace tachyon
