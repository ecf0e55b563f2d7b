// HashValue: the value of a HASH key, in one of the two encodings Redis 7.0
// reports through OBJECT ENCODING:
//
//   listpack   field, value, field, value ... in one Redis-format listpack
//              (insertion order; what RDB_TYPE_HASH_LISTPACK stores as is);
//   hashtable  an incremental-rehash Dict of HashNode, one malloc'd block per
//              field holding the field bytes followed by the value bytes.
//
// A hash starts as a listpack and becomes a hashtable -- never back -- when
// it gets more than hash-max-listpack-entries fields or a field or value
// longer than hash-max-listpack-value bytes (the policy lives here, the
// limits come from the caller so CONFIG SET applies to the next write).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/dict.h"
#include "core/listpack.h"
#include "core/util.h"
#include "server/object.h"

namespace tachyon {

class CommandRegistry;
struct CommandContext;

// One field of a hashtable-encoded hash: [header][field bytes][value bytes].
struct HashNode {
  HashNode* next;  // Dict chain
  uint32_t hash;   // cached field hash (HashValue::FieldHash)
  uint32_t flen;
  uint32_t vlen;
  char data[];

  std::string_view field() const { return {data, flen}; }
  std::string_view value() const { return {data + flen, vlen}; }
};

struct HashNodeTraits {
  static std::string_view Key(const HashNode* n) { return n->field(); }
  static uint64_t Hash(const HashNode* n) { return n->hash; }
  static bool Equal(const HashNode* n, std::string_view key, uint64_t hash) {
    return n->hash == static_cast<uint32_t>(hash) && n->field() == key;
  }
};

using HashDict = Dict<HashNode, HashNodeTraits>;

// A value read from a hash: a listpack entry stored as an integer, or bytes
// (pointing into the hash; valid until the next mutation).
struct HashFieldValue {
  bool is_int = false;
  int64_t ival = 0;
  std::string_view str;

  // The value's bytes (integers are formatted into buf).
  std::string_view View(char (&buf)[kLongStrSize]) const {
    if (!is_int) return str;
    return std::string_view(buf, static_cast<size_t>(Ll2String(buf, sizeof buf, ival)));
  }
  size_t Length() const { return is_int ? SDigits10(ival) : str.size(); }
};

class HashValue final : public Collection {
 public:
  // Conversion thresholds (server settings at the time of the write).
  struct Limits {
    size_t max_listpack_entries;
    size_t max_listpack_value;
  };

  HashValue() = default;
  ~HashValue() override;
  // Takes a listpack of field/value pairs (RDB loading, RESTORE); it must be
  // valid, with an even number of entries and no duplicate field.
  static HashValue* FromListpack(Listpack lp);
  HashValue(const HashValue&) = delete;
  HashValue& operator=(const HashValue&) = delete;

  // Collection
  size_t MemoryUsage(size_t samples) const override;
  size_t ObjectSize() const override { return sizeof(*this); }
  bool Relocatable() const override { return true; }  // no member points into the object
  size_t Length() const override { return dict_ ? dict_->size() : lp_count_; }
  size_t FreeEffort() const override { return dict_ ? dict_->size() : 1; }
  Collection* Clone() const override;

  ObjEncoding encoding() const { return dict_ ? kEncHashtable : kEncListpack; }
  bool is_listpack() const { return !dict_; }
  size_t size() const { return Length(); }

  // The hash of a field as cached in HashNode (the Dict is keyed by it).
  static uint64_t FieldHash(std::string_view field);

  // ---- reads (not const: a Dict lookup may advance an incremental rehash) ----
  bool Get(std::string_view field, HashFieldValue* out);
  bool Exists(std::string_view field);

  // ---- writes ----
  // hashTypeTryConversion: before a write of these strings (fields and values),
  // convert when one is longer than the value limit or the listpack could
  // not grow by all of them safely.
  void TryConversion(const std::string_view* args, size_t n, const Limits& limits);
  // Sets field to value. Returns true if the field was created, false if an
  // existing value was overwritten. Converts to a hashtable first when the
  // field or value exceeds the value limit, and after the insertion when the
  // hash exceeds the entry limit (as Redis 7.0's hashTypeSet does).
  bool Set(std::string_view field, std::string_view value, const Limits& limits);
  // Returns true if the field existed.
  bool Delete(std::string_view field);
  // listpack -> hashtable (no-op if already one).
  void ConvertToHashtable();

  // ---- iteration ----
  // f(std::string_view field, std::string_view value) for every field, in
  // listpack order or hashtable bucket order. f must not modify the hash.
  template <class F>
  void ForEach(F&& f);

  // One step of a hashtable SCAN (see Dict::Scan): f(HashNode*) for the
  // nodes of the visited bucket(s). Hashtable encoding only.
  template <class F>
  uint64_t ScanStep(uint64_t cursor, F&& f) {
    return dict_->Scan(cursor, std::forward<F>(f));
  }

  // ---- random access (HRANDFIELD) ----
  // f(field, value) for one random field. The hash must not be empty.
  template <class F>
  void RandomPair(F&& f);
  // count random fields, repetitions allowed, in random order.
  template <class F>
  void RandomPairs(size_t count, F&& f);
  // count distinct random fields (count < size()). Listpack: in listpack
  // order, like lpRandomPairsUnique; hashtable: in no particular order.
  template <class F>
  void RandomUniquePairs(size_t count, F&& f);

  // Direct access for persistence and debugging.
  const Listpack& listpack() const { return lp_; }
  HashDict* dict() { return dict_.get(); }

 private:
  HashNode* NewNode(std::string_view field, std::string_view value, uint32_t hash);
  void FreeNode(HashNode* n);
  void DictInsert(std::string_view field, std::string_view value);
  // Listpack entry offsets of every field (for O(1) random picks).
  void FieldPositions(std::vector<size_t>* out) const;
  template <class F>
  void EmitListpackPair(size_t fpos, F& f) const;
  // count distinct random picks (count < size()): field offsets in listpack
  // order, or nodes.
  void PickUniqueListpack(size_t count, std::vector<size_t>* out) const;
  void PickUniqueNodes(size_t count, std::vector<HashNode*>* out);

  Listpack lp_;                     // listpack encoding (left empty once converted)
  size_t lp_count_ = 0;             // fields in lp_
  std::unique_ptr<HashDict> dict_;  // hashtable encoding when set
};

// Random 64-bit numbers for the collection families.
uint64_t CollectionRandom();

// ---------------------------------------------------------------------------
// Template definitions

template <class F>
void HashValue::EmitListpackPair(size_t fpos, F& f) const {
  char fbuf[kLongStrSize], vbuf[kLongStrSize];
  const LpValue fv = lp_.Get(fpos);
  const LpValue vv = lp_.Get(lp_.Next(fpos));
  f(fv.View(fbuf), vv.View(vbuf));
}

template <class F>
void HashValue::ForEach(F&& f) {
  if (dict_) {
    dict_->ForEach([&](HashNode* n) { f(n->field(), n->value()); });
    return;
  }
  for (size_t p = lp_.First(); p != Listpack::npos; p = lp_.Next(lp_.Next(p))) EmitListpackPair(p, f);
}

template <class F>
void HashValue::RandomPair(F&& f) {
  if (dict_) {
    HashNode* n = dict_->Random(&CollectionRandom);
    f(n->field(), n->value());
    return;
  }
  const size_t idx = CollectionRandom() % lp_count_;
  EmitListpackPair(lp_.Seek(static_cast<long>(idx * 2)), f);
}

template <class F>
void HashValue::RandomPairs(size_t count, F&& f) {
  if (dict_) {
    while (count--) {
      HashNode* n = dict_->Random(&CollectionRandom);
      f(n->field(), n->value());
    }
    return;
  }
  std::vector<size_t> pos;
  FieldPositions(&pos);
  while (count--) EmitListpackPair(pos[CollectionRandom() % pos.size()], f);
}

template <class F>
void HashValue::RandomUniquePairs(size_t count, F&& f) {
  if (dict_) {
    std::vector<HashNode*> nodes;
    PickUniqueNodes(count, &nodes);
    for (HashNode* n : nodes) f(n->field(), n->value());
    return;
  }
  std::vector<size_t> pos;
  PickUniqueListpack(count, &pos);
  for (size_t p : pos) EmitListpackPair(p, f);
}

}  // namespace tachyon
