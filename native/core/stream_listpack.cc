// Stream nodes: the master entry, appending, walking and flagging entries,
// and validation of untrusted node bytes. See stream_listpack.h.
#include "core/stream_listpack.h"

#include <vector>

#include "core/util.h"

namespace tachyon {
namespace stream_node {

int64_t GetInteger(const Listpack& lp, size_t pos) {
  LpValue v = lp.Get(pos);
  if (v.is_int()) return v.ival;
  long long ll;
  return String2ll(reinterpret_cast<const char*>(v.str), v.len, &ll) ? ll : 0;
}

Master ReadMaster(const Listpack& lp) {
  Master m;
  size_t p = lp.First();
  m.count = GetInteger(lp, p);
  p = lp.Next(p);
  m.deleted = GetInteger(lp, p);
  p = lp.Next(p);
  m.num_fields = GetInteger(lp, p);
  p = lp.Next(p);
  m.fields = p;
  for (int64_t i = 0; i < m.num_fields; i++) p = lp.Next(p);
  m.first_entry = lp.Next(p);  // past the master's terminating 0
  return m;
}

namespace {

// Encodes the elements of one entry into a scratch buffer, then appends it.
class EntryWriter {
 public:
  void Int(int64_t v) {
    Reserve(Listpack::EncodedIntegerSize(v));
    len_ += Listpack::EncodeInteger(v, buf_.data() + len_);
    elements_++;
  }
  void Str(std::string_view s) {
    Reserve(Listpack::EncodedSize(s));
    len_ += Listpack::EncodeString(s, buf_.data() + len_);
    elements_++;
  }
  void AppendTo(Listpack* lp) { lp->AppendEncoded(buf_.data(), len_, elements_); }

 private:
  void Reserve(size_t n) {
    if (len_ + n > buf_.size()) buf_.resize((len_ + n) * 2);
  }
  std::vector<unsigned char> buf_ = std::vector<unsigned char>(256);
  size_t len_ = 0;
  uint32_t elements_ = 0;
};

void WriteEntry(EntryWriter* w, int64_t flags, const StreamId& master_id, const StreamId& id,
                const std::string_view* fv, size_t numfields) {
  const bool same = flags & kFlagSameFields;
  w->Int(flags);
  w->Int(static_cast<int64_t>(id.ms - master_id.ms));
  w->Int(static_cast<int64_t>(id.seq - master_id.seq));
  if (!same) w->Int(static_cast<int64_t>(numfields));
  for (size_t i = 0; i < numfields; i++) {
    if (!same) w->Str(fv[2 * i]);
    w->Str(fv[2 * i + 1]);
  }
  const int64_t lp_count = static_cast<int64_t>(same ? numfields + 3 : 2 * numfields + 4);
  w->Int(lp_count);
}

}  // namespace

Listpack NewNode(const std::string_view* fv, size_t numfields) {
  Listpack lp;
  EntryWriter w;
  w.Int(1);  // count: the entry added below
  w.Int(0);  // deleted
  w.Int(static_cast<int64_t>(numfields));
  for (size_t i = 0; i < numfields; i++) w.Str(fv[2 * i]);
  w.Int(0);  // master terminator
  // The first entry's id is the master id: both deltas are 0.
  WriteEntry(&w, kFlagSameFields, StreamId(), StreamId(), fv, numfields);
  w.AppendTo(&lp);
  return lp;
}

void Append(Listpack* lp, const StreamId& master_id, const StreamId& id, const std::string_view* fv,
            size_t numfields) {
  size_t p = lp->First();
  const int64_t count = GetInteger(*lp, p);
  p = lp->ReplaceInteger(p, count + 1);
  p = lp->Next(lp->Next(p));  // past deleted, to num-fields
  const int64_t master_fields = GetInteger(*lp, p);
  int64_t flags = kFlagNone;
  if (master_fields == static_cast<int64_t>(numfields)) {
    size_t i = 0;
    p = lp->Next(p);
    for (; i < numfields; i++, p = lp->Next(p)) {
      if (!lp->Get(p).Equals(fv[2 * i])) break;
    }
    if (i == numfields) flags = kFlagSameFields;
  }
  EntryWriter w;
  WriteEntry(&w, flags, master_id, id, fv, numfields);
  w.AppendTo(lp);
}

NodeEntry ReadEntry(const Listpack& lp, const Master& m, const StreamId& master_id, size_t pos) {
  NodeEntry e;
  e.pos = pos;
  e.flags = GetInteger(lp, pos);
  size_t p = lp.Next(pos);
  e.id.ms = master_id.ms + static_cast<uint64_t>(GetInteger(lp, p));
  p = lp.Next(p);
  e.id.seq = master_id.seq + static_cast<uint64_t>(GetInteger(lp, p));
  p = lp.Next(p);
  int64_t skip;
  if (e.same_fields()) {
    e.num_fields = m.num_fields;
    skip = e.num_fields;
  } else {
    e.num_fields = GetInteger(lp, p);
    p = lp.Next(p);
    skip = 2 * e.num_fields;
  }
  e.fields = p;
  for (int64_t i = 0; i < skip; i++) p = lp.Next(p);
  e.lp_count = p;
  return e;
}

size_t NextEntry(const Listpack& lp, const NodeEntry& e) { return lp.Next(e.lp_count); }

size_t PrevEntry(const Listpack& lp, const Master& m, size_t pos) {
  if (pos == m.first_entry) return Listpack::npos;
  size_t p = lp.Prev(pos);  // the previous entry's lp-count
  const int64_t n = GetInteger(lp, p);
  for (int64_t i = 0; i < n; i++) p = lp.Prev(p);
  return p;
}

size_t LastEntry(const Listpack& lp, const Master& m) {
  if (m.first_entry == Listpack::npos) return Listpack::npos;
  size_t p = lp.Last();
  const int64_t n = GetInteger(lp, p);
  for (int64_t i = 0; i < n; i++) p = lp.Prev(p);
  return p;
}

void FieldCursor::Next(LpValue* field, LpValue* value) {
  *field = lp_.Get(field_);
  if (same_) {
    *value = lp_.Get(value_);
    field_ = lp_.Next(field_);
    value_ = lp_.Next(value_);
  } else {
    value_ = lp_.Next(field_);
    *value = lp_.Get(value_);
    field_ = lp_.Next(value_);
  }
}

int64_t MarkDeleted(Listpack* lp, size_t pos) {
  const int64_t flags = GetInteger(*lp, pos);
  lp->ReplaceInteger(pos, flags | kFlagDeleted);
  size_t p = lp->First();
  const int64_t count = GetInteger(*lp, p) - 1;
  p = lp->ReplaceInteger(p, count);
  p = lp->Next(p);
  lp->ReplaceInteger(p, GetInteger(*lp, p) + 1);
  return count;
}

// ---- validation ----

namespace {

// Walks untrusted elements; every step is checked by the listpack validator
// first, so reads stay inside the blob.
class Walker {
 public:
  explicit Walker(const Listpack& lp) : lp_(lp), pos_(lp.First()) {}
  bool AtEnd() const { return pos_ == Listpack::npos; }
  bool Skip() {
    if (AtEnd()) return false;
    pos_ = lp_.Next(pos_);
    return true;
  }
  bool Int(int64_t* v) {
    if (AtEnd()) return false;
    LpValue x = lp_.Get(pos_);
    long long ll;
    if (x.is_int()) {
      *v = x.ival;
    } else if (String2ll(reinterpret_cast<const char*>(x.str), x.len, &ll)) {
      *v = ll;
    } else {
      return false;
    }
    pos_ = lp_.Next(pos_);
    return true;
  }

 private:
  const Listpack& lp_;
  size_t pos_;
};

}  // namespace

bool Validate(std::string_view bytes, const StreamId& master_id, bool deep, int64_t* count_out, StreamId* last) {
  Listpack lp;
  if (!Listpack::FromBytes(bytes, &lp, /*deep=*/deep)) return false;
  if (!deep) return true;
  Walker w(lp);
  int64_t count, deleted, master_fields, zero;
  if (!w.Int(&count) || !w.Int(&deleted) || !w.Int(&master_fields)) return false;
  if (count < 0 || deleted < 0 || master_fields < 0) return false;
  for (int64_t i = 0; i < master_fields; i++) {
    if (!w.Skip()) return false;
  }
  if (!w.Int(&zero) || zero != 0) return false;
  int64_t live = 0, dead = 0;
  StreamId prev;
  bool first = true;
  while (!w.AtEnd()) {
    int64_t flags, ms_diff, seq_diff, lp_count;
    if (!w.Int(&flags) || !w.Int(&ms_diff) || !w.Int(&seq_diff)) return false;
    if (flags & ~int64_t{kFlagDeleted | kFlagSameFields}) return false;
    StreamId id{master_id.ms + static_cast<uint64_t>(ms_diff), master_id.seq + static_cast<uint64_t>(seq_diff)};
    if (first ? id != master_id : id <= prev) return false;
    first = false;
    prev = id;
    int64_t fields = master_fields, elements = 3;
    if (!(flags & kFlagSameFields)) {
      if (!w.Int(&fields) || fields < 0) return false;
      for (int64_t i = 0; i < fields; i++) {
        if (!w.Skip()) return false;
      }
      elements += fields + 1;
    }
    for (int64_t i = 0; i < fields; i++) {
      if (!w.Skip()) return false;
    }
    if (!w.Int(&lp_count) || lp_count != fields + elements) return false;
    if (flags & kFlagDeleted) {
      dead++;
    } else {
      live++;
    }
  }
  if (first || live != count || dead != deleted) return false;
  if (count_out) *count_out = count;
  if (last) *last = prev;
  return true;
}

}  // namespace stream_node
}  // namespace tachyon
