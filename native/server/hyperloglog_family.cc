// HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST.
//
// A HyperLogLog is a string value holding Redis's exact representation
// (core/hyperloglog.h), kept inline in the keyspace entry like any other
// string, so GET returns the same bytes Redis would and SET can load a
// HyperLogLog made by Redis. Semantics follow Redis 7.0 (hyperloglog.c):
// the cached cardinality in the header (PFCOUNT of one key refreshes it and
// counts as a modification of the key), sparse-to-dense promotion at
// hll-sparse-max-bytes, "WRONGTYPE Key is not a valid HyperLogLog string
// value." for strings without a valid header and "INVALIDOBJ Corrupted HLL
// object detected" for sparse opcodes that do not add up; a value that is
// written to becomes a raw string (dbUnshareStringValue).
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/hyperloglog.h"
#include "server/command.h"
#include "server/redis_args.h"
#include "server/server.h"
#include "server/string_value.h"

namespace tachyon {
namespace {

constexpr std::string_view kNotHll = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr std::string_view kInvalidHll = "INVALIDOBJ Corrupted HLL object detected";

size_t SparseMaxBytes(CommandContext& c) {
  int64_t v = c.server.settings().hll_sparse_max_bytes;
  return v < 0 ? 0 : static_cast<size_t>(v);
}

// The HyperLogLog bytes of an entry, growing the entry in place when a
// sparse update needs room (a little at a time: sparse values are small
// and there may be many of them) or when it becomes dense (exactly).
class EntryStorage final : public hll::Storage {
 public:
  EntryStorage(Db* db, Entry* e) : db_(db), e_(e) {}
  uint8_t* data() override { return reinterpret_cast<uint8_t*>(e_->str_mut()); }
  size_t size() const override { return e_->vlen; }
  uint8_t* Reserve(size_t capacity) override {
    if (InlineCapacity(e_) < capacity) {
      size_t grown = capacity >= hll::kDenseSize ? capacity : capacity + capacity / 8 + 8;
      e_ = db_->ResizeString(e_, grown);
    }
    return data();
  }
  void Resize(size_t size) override { e_->vlen = static_cast<uint32_t>(size); }
  Entry* entry() const { return e_; }

 private:
  Db* db_;
  Entry* e_;
};

// isHLLObjectOrReply for an existing key: WRONGTYPE for another type or a
// string that is not a HyperLogLog (an int-encoded one never is).
bool CheckHll(CommandContext& c, const Entry* e) {
  if (e->type != kString) {
    c.WrongType();
    return false;
  }
  if (e->is_int() || !hll::LooksValid(e->str())) {
    c.reply.Error(kNotHll);
    return false;
  }
  return true;
}

// dbUnshareStringValue on a valid HyperLogLog (never int-encoded): it
// becomes a raw string.
Entry* Unshare(CommandContext& c, Entry* e) { return UnshareForWrite(c, e, e->vlen); }

// createHLLObject + dbAdd: an empty sparse HyperLogLog under key.
Entry* CreateHll(CommandContext& c, std::string_view key) {
  const std::string empty = hll::MakeEmpty();
  Entry* e = NewStringEntry(key, KeyHash(key), empty, kEncRaw, empty.size() + 3 * hll::kSparseSlack);
  c.db->Add(e);  // raises "new"
  return e;
}

uint8_t* Bytes(Entry* e) { return reinterpret_cast<uint8_t*>(e->str_mut()); }

void PfaddCommand(CommandContext& c) {
  const std::string_view key = c.arg(1);
  Entry* e = c.WriteKey(key);
  uint64_t updated = 0;
  if (!e) {
    e = CreateHll(c, key);
    updated++;
  } else {
    if (!CheckHll(c, e)) return;
    e = Unshare(c, e);
  }
  EntryStorage storage(c.db, e);
  const size_t max_bytes = SparseMaxBytes(c);
  for (int j = 2; j < c.argc; j++) {
    int r = hll::Add(storage, c.arg(j), max_bytes);
    if (r < 0) {
      c.reply.Error(kInvalidHll);
      return;
    }
    updated += static_cast<uint64_t>(r);
  }
  e = storage.entry();
  if (updated) {
    c.KeyModified(key);
    c.Notify(kNotifyString, "pfadd", key);
    c.Dirty(updated);
    hll::InvalidateCache(Bytes(e));
  }
  c.reply.Int(updated ? 1 : 0);
}

void PfcountCommand(CommandContext& c) {
  if (c.argc > 2) {
    // Several keys: the cardinality of their union, nothing cached.
    uint8_t max[hll::kRegisters] = {0};
    for (int j = 1; j < c.argc; j++) {
      Entry* e = c.ReadKey(c.arg(j));
      if (!e) continue;  // an empty HyperLogLog
      if (!CheckHll(c, e)) return;
      if (!hll::Merge(max, e->str())) {
        c.reply.Error(kInvalidHll);
        return;
      }
    }
    c.reply.Int(static_cast<long long>(hll::CountRegisters(max)));
    return;
  }
  const std::string_view key = c.arg(1);
  Entry* e = c.ReadKey(key);
  if (!e) {
    c.reply.Int(0);
    return;
  }
  if (!CheckHll(c, e)) return;
  e = Unshare(c, e);
  uint8_t* hdr = Bytes(e);
  uint64_t card;
  if (hll::CacheValid(hdr)) {
    card = hll::CachedCardinality(hdr);
  } else {
    bool invalid = false;
    card = hll::Count(e->str(), &invalid);
    if (invalid) {
      c.reply.Error(kInvalidHll);
      return;
    }
    // The cache lives in the value, so refreshing it modifies the key.
    hll::SetCachedCardinality(hdr, card);
    c.KeyModified(key);
    c.Dirty();
  }
  c.reply.Int(static_cast<long long>(card));
}

void PfmergeCommand(CommandContext& c) {
  uint8_t max[hll::kRegisters] = {0};
  bool use_dense = false;
  // The destination is argv[1] and counts as a source too.
  for (int j = 1; j < c.argc; j++) {
    Entry* e = c.ReadKey(c.arg(j));
    if (!e) continue;
    if (!CheckHll(c, e)) return;
    if (hll::Encoding(reinterpret_cast<const uint8_t*>(e->str().data())) == hll::kDense) use_dense = true;
    if (!hll::Merge(max, e->str())) {
      c.reply.Error(kInvalidHll);
      return;
    }
  }
  const std::string_view key = c.arg(1);
  Entry* e = c.WriteKey(key);
  e = e ? Unshare(c, e) : CreateHll(c, key);
  EntryStorage storage(c.db, e);
  // A dense input makes the result dense from the start.
  if (use_dense && !hll::ToDense(storage)) {
    c.reply.Error(kInvalidHll);
    return;
  }
  const size_t max_bytes = SparseMaxBytes(c);
  for (long j = 0; j < hll::kRegisters; j++) {
    if (max[j]) hll::Set(storage, j, max[j], max_bytes);
  }
  e = storage.entry();
  hll::InvalidateCache(Bytes(e));
  c.KeyModified(key);
  c.Notify(kNotifyString, "pfadd", key);  // a merge is a mass add
  c.Dirty();
  c.reply.Ok();
}

void PfdebugCommand(CommandContext& c) {
  const std::string_view cmd = CString(c.arg(1));
  Entry* e = c.WriteKey(c.arg(2));
  if (!e) {
    c.reply.Error("ERR The specified key does not exist");
    return;
  }
  if (!CheckHll(c, e)) return;
  e = Unshare(c, e);
  EntryStorage storage(c.db, e);
  const uint8_t encoding = hll::Encoding(Bytes(e));
  // GETREG and TODENSE convert without signalling a modification, as Redis
  // does (only the dirty counter moves).
  if (CStringIs(cmd, "getreg")) {
    if (encoding == hll::kSparse) {
      if (!hll::ToDense(storage)) {
        c.reply.Error(kInvalidHll);
        return;
      }
      c.Dirty();
    }
    const uint8_t* registers = Bytes(storage.entry()) + hll::kHeaderSize;
    c.reply.Array(hll::kRegisters);
    for (long j = 0; j < hll::kRegisters; j++) c.reply.Int(hll::DenseGet(registers, j));
  } else if (CStringIs(cmd, "decode")) {
    if (encoding != hll::kSparse) {
      c.reply.Error("ERR HLL encoding is not sparse");
      return;
    }
    c.reply.Bulk(hll::DecodeSparse(e->str()));
  } else if (CStringIs(cmd, "encoding")) {
    c.reply.Simple(encoding == hll::kDense ? "dense" : "sparse");
  } else if (CStringIs(cmd, "todense")) {
    bool converted = false;
    if (encoding == hll::kSparse) {
      if (!hll::ToDense(storage)) {
        c.reply.Error(kInvalidHll);
        return;
      }
      converted = true;
      c.Dirty();
    }
    c.reply.Int(converted ? 1 : 0);
  } else {
    c.reply.Error("ERR Unknown PFDEBUG subcommand '" + std::string(cmd) + "'");
  }
}

void PfselftestCommand(CommandContext& c) {
  std::string failure = hll::SelfTest(SparseMaxBytes(c));
  if (failure.empty()) {
    c.reply.Ok();
  } else {
    c.reply.Error("ERR " + failure);
  }
}

}  // namespace

void RegisterHyperLogLogCommands(CommandRegistry& r) {
  r.Add("pfadd", PfaddCommand);
  r.Add("pfcount", PfcountCommand);
  r.Add("pfmerge", PfmergeCommand);
  r.Add("pfdebug", PfdebugCommand);
  r.Add("pfselftest", PfselftestCommand);
}

}  // namespace tachyon
