// Hash commands: HSET HSETNX HGET HMSET HMGET HGETALL HDEL HLEN HEXISTS HKEYS
// HVALS HINCRBY HINCRBYFLOAT HSTRLEN HRANDFIELD HSCAN.
//
// Semantics, reply shapes, error texts and encoding transitions follow Redis
// 7.0 (t_hash.c); the code is Tachyon's own. Values are HashValue
// (hash_value.h); the Entry's `encoding` byte mirrors the value's encoding
// after every write so OBJECT ENCODING reports what Redis would.
//
// Lookup flavours: reads use c.ReadKey (lookupKeyRead), writes c.WriteKey
// (lookupKeyWrite). Writers that create the key (hashTypeLookupWriteOrCreate)
// build the value first and add the entry once it holds its first field.
#include <climits>
#include <cmath>
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

namespace tachyon {
namespace {

constexpr std::string_view kHashNotInt = "ERR hash value is not an integer";
constexpr std::string_view kHashNotFloat = "ERR hash value is not a float";

HashValue::Limits HashLimits(CommandContext& c) {
  const Settings& s = c.server.settings();
  return {static_cast<size_t>(s.hash_max_listpack_entries < 0 ? 0 : s.hash_max_listpack_entries),
          static_cast<size_t>(s.hash_max_listpack_value < 0 ? 0 : s.hash_max_listpack_value)};
}

// The hash a write command works on: the existing one, or a new one that
// Commit() adds to the keyspace.
struct HashTarget {
  Entry* entry = nullptr;
  HashValue* hash = nullptr;
  // A hash made for a missing key: owned here until Commit() adds the key,
  // freed with the target when the write fails.
  std::unique_ptr<HashValue> created;
};

// hashTypeLookupWriteOrCreate. Replies WRONGTYPE and returns false if the key
// holds another type.
bool LookupWriteOrCreate(CommandContext& c, std::string_view key, HashTarget* t) {
  Entry* e;
  if (!c.WriteKeyOfType(key, kHash, &e)) return false;
  if (e) {
    t->entry = e;
    t->hash = e->as<HashValue>();
  } else {
    t->created = std::make_unique<HashValue>();
    t->hash = t->created.get();
  }
  return true;
}

// After a successful write: add the new key, or record a conversion.
void Commit(CommandContext& c, std::string_view key, HashTarget* t) {
  if (t->created) {
    const ObjEncoding enc = t->hash->encoding();
    t->entry = NewCollectionEntry(key, KeyHash(key), kHash, enc, std::move(t->created));
    t->hash = t->entry->as<HashValue>();  // the value moved into the entry
    c.db->Add(t->entry);  // "new": Redis adds the key (dbAdd) before the write; no event falls in between
  } else {
    t->entry->encoding = t->hash->encoding();
  }
}

void ReplyFieldValue(CommandContext& c, const HashFieldValue& v) {
  if (v.is_int) {
    c.reply.BulkInt(v.ival);
  } else {
    c.reply.Bulk(v.str);
  }
}

// ---------------------------------------------------------------------------
// HSET / HMSET / HSETNX

void HsetGeneric(CommandContext& c, bool hmset) {
  if (c.argc % 2 == 1) {
    c.ArityError();
    return;
  }
  std::string_view key = c.arg(1);
  HashTarget t;
  if (!LookupWriteOrCreate(c, key, &t)) return;
  const HashValue::Limits limits = HashLimits(c);
  t.hash->TryConversion(c.argv + 2, static_cast<size_t>(c.argc - 2), limits);
  int64_t created = 0;
  for (int i = 2; i < c.argc; i += 2) created += t.hash->Set(c.arg(i), c.arg(i + 1), limits) ? 1 : 0;
  Commit(c, key, &t);
  if (hmset) {
    c.reply.Ok();
  } else {
    c.reply.Int(created);
  }
  c.KeyChanged(key, kNotifyHash, "hset", static_cast<uint64_t>((c.argc - 2) / 2));
}

void HsetCommand(CommandContext& c) { HsetGeneric(c, false); }
void HmsetCommand(CommandContext& c) { HsetGeneric(c, true); }

void HsetnxCommand(CommandContext& c) {
  std::string_view key = c.arg(1);
  HashTarget t;
  if (!LookupWriteOrCreate(c, key, &t)) return;
  if (t.hash->Exists(c.arg(2))) {
    c.reply.Int(0);
    return;
  }
  const HashValue::Limits limits = HashLimits(c);
  t.hash->TryConversion(c.argv + 2, 2, limits);
  t.hash->Set(c.arg(2), c.arg(3), limits);
  Commit(c, key, &t);
  c.reply.Int(1);
  c.KeyChanged(key, kNotifyHash, "hset");
}

// ---------------------------------------------------------------------------
// Reads

void HgetCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kHash, &e)) return;
  HashFieldValue v;
  if (e && e->as<HashValue>()->Get(c.arg(2), &v)) {
    ReplyFieldValue(c, v);
  } else {
    c.reply.Null();
  }
}

void HmgetCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kHash, &e)) return;
  // A missing key is an empty hash: one null per field.
  HashValue* h = e ? e->as<HashValue>() : nullptr;
  c.reply.Array(static_cast<size_t>(c.argc - 2));
  for (int i = 2; i < c.argc; i++) {
    HashFieldValue v;
    if (h && h->Get(c.arg(i), &v)) {
      ReplyFieldValue(c, v);
    } else {
      c.reply.Null();
    }
  }
}

void HlenCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kHash, &e)) return;
  c.reply.Int(e ? static_cast<long long>(e->as<HashValue>()->size()) : 0);
}

void HstrlenCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kHash, &e)) return;
  HashFieldValue v;
  c.reply.Int(e && e->as<HashValue>()->Get(c.arg(2), &v) ? static_cast<long long>(v.Length()) : 0);
}

void HexistsCommand(CommandContext& c) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kHash, &e)) return;
  c.reply.Int(e && e->as<HashValue>()->Exists(c.arg(2)) ? 1 : 0);
}

enum GetAllFlags { kFields = 1, kValues = 2 };

// HKEYS / HVALS reply flat arrays; HGETALL a map (a flat array in RESP2).
void GetAllGeneric(CommandContext& c, int flags) {
  const bool both = flags == (kFields | kValues);
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kHash, &e)) return;
  if (!e) {
    if (both) {
      c.reply.Map(0);
    } else {
      c.reply.Array(0);
    }
    return;
  }
  HashValue* h = e->as<HashValue>();
  if (both) {
    c.reply.Map(h->size());
  } else {
    c.reply.Array(h->size());
  }
  h->ForEach([&](std::string_view field, std::string_view value) {
    if (flags & kFields) c.reply.Bulk(field);
    if (flags & kValues) c.reply.Bulk(value);
  });
}

void HkeysCommand(CommandContext& c) { GetAllGeneric(c, kFields); }
void HvalsCommand(CommandContext& c) { GetAllGeneric(c, kValues); }
void HgetallCommand(CommandContext& c) { GetAllGeneric(c, kFields | kValues); }

// ---------------------------------------------------------------------------
// HDEL

void HdelCommand(CommandContext& c) {
  std::string_view key = c.arg(1);
  Entry* e;
  if (!c.WriteKeyOfType(key, kHash, &e)) return;
  if (!e) {
    c.reply.Int(0);
    return;
  }
  HashValue* h = e->as<HashValue>();
  int64_t deleted = 0;
  for (int i = 2; i < c.argc && h->size() > 0; i++) {
    if (h->Delete(c.arg(i))) deleted++;
  }
  if (deleted) {
    c.KeyChanged(key, kNotifyHash, "hdel", static_cast<uint64_t>(deleted));
    c.DeleteIfEmpty(key, h);
  }
  c.reply.Int(deleted);
}

// ---------------------------------------------------------------------------
// HINCRBY / HINCRBYFLOAT

void HincrbyCommand(CommandContext& c) {
  int64_t incr;
  if (!c.ParseInt(3, &incr)) return;
  std::string_view key = c.arg(1);
  std::string_view field = c.arg(2);
  HashTarget t;
  if (!LookupWriteOrCreate(c, key, &t)) return;
  long long value = 0;
  HashFieldValue cur;
  if (t.hash->Get(field, &cur)) {
    if (cur.is_int) {
      value = cur.ival;
    } else if (!String2ll(cur.str, &value)) {
      c.reply.Error(kHashNotInt);
      return;
    }
  }
  if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) || (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
    c.reply.Error(err::kOverflow);
    return;
  }
  value += incr;
  char buf[kLongStrSize];
  const int len = Ll2String(buf, sizeof buf, value);
  t.hash->Set(field, std::string_view(buf, static_cast<size_t>(len)), HashLimits(c));
  Commit(c, key, &t);
  c.reply.Int(value);
  c.KeyChanged(key, kNotifyHash, "hincrby");
}

void HincrbyfloatCommand(CommandContext& c) {
  long double incr;
  if (!String2ld(c.arg(3), &incr)) {
    c.reply.Error(err::kNotFloat);
    return;
  }
  if (std::isnan(incr) || std::isinf(incr)) {
    c.reply.Error("ERR value is NaN or Infinity");
    return;
  }
  std::string_view key = c.arg(1);
  std::string_view field = c.arg(2);
  HashTarget t;
  if (!LookupWriteOrCreate(c, key, &t)) return;
  long double value = 0;
  HashFieldValue cur;
  if (t.hash->Get(field, &cur)) {
    if (cur.is_int) {
      value = static_cast<long double>(cur.ival);
    } else if (!String2ld(cur.str, &value)) {
      c.reply.Error(kHashNotFloat);
      return;
    }
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    c.reply.Error("ERR increment would produce NaN or Infinity");
    return;
  }
  const std::string text = FormatHumanLongDouble(value);
  t.hash->Set(field, text, HashLimits(c));
  Commit(c, key, &t);
  c.reply.Bulk(text);
  c.KeyChanged(key, kNotifyHash, "hincrbyfloat");
  // Propagated as the resulting value (HSET), so float formatting cannot make replicas differ.
  if (c.propagating()) c.PropagateAs({"HSET", std::string(key), std::string(field), text});
}

// ---------------------------------------------------------------------------
// HRANDFIELD

void HrandfieldWithCount(CommandContext& c, long long l, bool withvalues) {
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kHash, &e)) return;
  if (!e) {
    c.reply.Array(0);
    return;
  }
  HashValue* h = e->as<HashValue>();
  const size_t size = h->size();
  const bool uniq = l >= 0;
  const size_t count = uniq ? static_cast<size_t>(l) : static_cast<size_t>(-l);
  if (count == 0) {
    c.reply.Array(0);
    return;
  }
  // RESP3 nests [field, value] pairs; RESP2 flattens them.
  const bool nested = withvalues && c.reply.resp() >= 3;
  auto header = [&](size_t n) { c.reply.Array(withvalues && !nested ? n * 2 : n); };
  auto emit = [&](std::string_view field, std::string_view value) {
    if (nested) c.reply.Array(2);
    c.reply.Bulk(field);
    if (withvalues) c.reply.Bulk(value);
  };

  // Negative count (or 1): independent picks, repetitions allowed.
  if (!uniq || count == 1) {
    header(count);
    h->RandomPairs(count, emit);
    return;
  }
  // At least the whole hash: all of it, in iteration order.
  if (count >= size) {
    header(size);
    h->ForEach(emit);
    return;
  }
  header(count);
  h->RandomUniquePairs(count, emit);
}

void HrandfieldCommand(CommandContext& c) {
  if (c.argc >= 3) {
    long l;
    if (!c.ParseRange(2, -LONG_MAX, LONG_MAX, &l)) return;
    bool withvalues = false;
    if (c.argc > 4 || (c.argc == 4 && !c.Is(3, "withvalues"))) {
      c.SyntaxError();
      return;
    } else if (c.argc == 4) {
      withvalues = true;
      // The reply holds 2*count elements.
      if (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2) {
        c.reply.Error("ERR value is out of range");
        return;
      }
    }
    HrandfieldWithCount(c, l, withvalues);
    return;
  }
  Entry* e;
  if (!c.ReadKeyOfType(c.arg(1), kHash, &e)) return;
  if (!e) {
    c.reply.Null();
    return;
  }
  e->as<HashValue>()->RandomPair([&](std::string_view field, std::string_view) { c.reply.Bulk(field); });
}

// ---------------------------------------------------------------------------
// HSCAN key cursor [MATCH pattern] [COUNT count]

void HscanCommand(CommandContext& c) {
  uint64_t cursor;
  Entry* e;
  ScanOptions opts;
  if (!BeginCollectionScan(c, kHash, &cursor, &e, &opts)) return;
  HashValue* h = e->as<HashValue>();

  std::vector<std::pair<std::string, std::string>> items;
  if (h->is_listpack()) {
    // A listpack is small by construction: everything in one call.
    items.reserve(h->size());
    h->ForEach([&](std::string_view f, std::string_view v) { items.emplace_back(f, v); });
    cursor = 0;
  } else {
    // Redis counts list entries (field and value each count) against COUNT
    // and gives up after 10*COUNT buckets.
    const uint64_t want = static_cast<uint64_t>(opts.count);
    uint64_t max_iterations = want > UINT64_MAX / 10 ? UINT64_MAX : want * 10;
    do {
      cursor = h->ScanStep(cursor, [&](HashNode* n) { items.emplace_back(n->field(), n->value()); });
    } while (cursor && max_iterations-- && items.size() * 2 < want);
  }

  ReplyScanPairs(c, cursor, items, opts);
}

}  // namespace

void RegisterHashCommands(CommandRegistry& r) {
  r.Add("hset", HsetCommand);
  r.Add("hmset", HmsetCommand);
  r.Add("hsetnx", HsetnxCommand);
  r.Add("hget", HgetCommand);
  r.Add("hmget", HmgetCommand);
  r.Add("hgetall", HgetallCommand);
  r.Add("hkeys", HkeysCommand);
  r.Add("hvals", HvalsCommand);
  r.Add("hdel", HdelCommand);
  r.Add("hlen", HlenCommand);
  r.Add("hstrlen", HstrlenCommand);
  r.Add("hexists", HexistsCommand);
  r.Add("hincrby", HincrbyCommand);
  r.Add("hincrbyfloat", HincrbyfloatCommand);
  r.Add("hrandfield", HrandfieldCommand);
  r.Add("hscan", HscanCommand);
}

}  // namespace tachyon
