// SetValue: the value of a SET key, in one of the two encodings Redis 7.0
// reports through OBJECT ENCODING (7.0 has no listpack sets):
//
//   intset     a Redis-format IntSet (sorted integers; what RDB_TYPE_SET_INTSET
//              stores as is) while every member is a canonical integer
//              (String2ll) and there are at most set-max-intset-entries;
//   hashtable  an incremental-rehash Dict of SetNode, one malloc'd block per
//              member.
//
// A new set starts as an intset; adding a non-integer member, or going past
// the entry limit, converts it to a hashtable, never back (Redis's
// setTypeAdd) -- except that, as in Redis, the members SPOP leaves behind
// when it takes most of a set form a new set (see PopAllBut). The limit
// comes from the caller so CONFIG SET applies to the next write.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/dict.h"
#include "core/intset.h"
#include "core/util.h"
#include "server/object.h"

namespace tachyon {

class CommandRegistry;

struct SetNode {
  SetNode* next;  // Dict chain
  uint32_t hash;  // cached member hash (SetValue::MemberHash)
  uint32_t len;
  char data[];

  std::string_view member() const { return {data, len}; }
};

struct SetNodeTraits {
  static std::string_view Key(const SetNode* n) { return n->member(); }
  static uint64_t Hash(const SetNode* n) { return n->hash; }
  static bool Equal(const SetNode* n, std::string_view key, uint64_t hash) {
    return n->hash == static_cast<uint32_t>(hash) && n->member() == key;
  }
};

using SetDict = Dict<SetNode, SetNodeTraits>;

class SetValue final : public Collection {
 public:
  SetValue() = default;  // empty intset
  ~SetValue() override;
  // Takes a valid intset (RDB loading, RESTORE), keeping its integer width.
  static SetValue* FromIntset(IntSet is);
  SetValue(const SetValue&) = delete;
  SetValue& operator=(const SetValue&) = delete;

  // Collection
  size_t MemoryUsage(size_t samples) const override;
  size_t ObjectSize() const override { return sizeof(*this); }
  bool Relocatable() const override { return true; }  // no member points into the object
  // A small intset lives right after the object in its entry's block (one
  // allocation per key). Those bytes cannot be reallocated: the first change
  // moves the intset to a block of its own (OwnIntset) and the room stays
  // unused until the key is written anew (RENAME, RESTORE, a reload).
  size_t TailSize() const override { return !dict_ && is_.bytes() <= kMaxTail ? is_.bytes() : 0; }
  void PlaceTail(const Collection* old) override;
  size_t Length() const override { return dict_ ? dict_->size() : is_.size(); }
  size_t FreeEffort() const override { return dict_ ? dict_->size() : 1; }
  Collection* Clone() const override;

  ObjEncoding encoding() const { return dict_ ? kEncHashtable : kEncIntset; }
  bool is_intset() const { return !dict_; }
  size_t size() const { return Length(); }

  static uint64_t MemberHash(std::string_view member);

  // setTypeAdd: true if member was added. max_intset_entries is
  // set-max-intset-entries (capped at 2^30 as Redis does).
  bool Add(std::string_view member, size_t max_intset_entries);
  bool Remove(std::string_view member);
  // Not const: a Dict lookup may advance an incremental rehash.
  bool Contains(std::string_view member);
  // intset -> hashtable (no-op if already one).
  void ConvertToHashtable();

  // f(std::string_view member) for every member: ascending for an intset,
  // bucket order for a hashtable. f must not modify the set; if it returns
  // bool, false stops the iteration.
  template <class F>
  void ForEach(F&& f);

  // One step of a hashtable SCAN: f(SetNode*). Hashtable encoding only.
  template <class F>
  uint64_t ScanStep(uint64_t cursor, F&& f) {
    return dict_->Scan(cursor, std::forward<F>(f));
  }

  // ---- random access (SRANDMEMBER / SPOP) ----
  // f(member) for one random member; the set must not be empty.
  template <class F>
  void RandomMember(F&& f);
  // count distinct random members (count < size()), in random order.
  template <class F>
  void RandomUniqueMembers(size_t count, F&& f);
  // Removes a random member and returns it.
  std::string PopRandom();
  // SPOP when most of the set goes: keeps `keep` random members and removes
  // all the others, calling f(member) for each removed one in iteration
  // order (ascending for an intset). Like Redis, the kept members then form
  // a new set built from an empty intset, so a hashtable whose survivors are
  // all integers (and few enough) becomes an intset again.
  template <class F>
  void PopAllBut(size_t keep, size_t max_intset_entries, F&& f);

  // Direct access for persistence and debugging.
  const IntSet& intset() const { return is_; }
  SetDict* dict() { return dict_.get(); }

 private:
  SetNode* NewNode(std::string_view member, uint32_t hash);
  void FreeNode(SetNode* n);
  void DictInsert(std::string_view member);  // member must be absent
  // count distinct random picks (count < size()).
  void PickUniqueIndexes(size_t count, std::vector<uint32_t>* out) const;
  void PickUniqueNodes(size_t count, std::vector<SetNode*>* out);
  // Replaces the contents by a set built from scratch out of members.
  void RebuildFrom(const std::vector<std::string>& members, size_t max_intset_entries);

  static constexpr size_t kMaxTail = 128;  // intsets embedded up to 30 int32 members
  // Where the embedded intset starts, and whether is_ points there.
  const unsigned char* tail() const { return reinterpret_cast<const unsigned char*>(this) + sizeof(*this); }
  bool intset_embedded() const { return is_.data() == tail(); }
  // Before the intset changes: an embedded one is copied to a block of its own.
  void OwnIntset();

  IntSet is_;                      // intset encoding (left empty once converted)
  std::unique_ptr<SetDict> dict_;  // hashtable encoding when set
};

uint64_t CollectionRandom();  // hash_value.cc

// ---------------------------------------------------------------------------
// Template definitions

namespace set_internal {
// Calls f(member); a bool result of false means "stop".
template <class F>
bool Visit(F& f, std::string_view member) {
  if constexpr (std::is_same_v<decltype(f(member)), bool>) {
    return f(member);
  } else {
    f(member);
    return true;
  }
}
}  // namespace set_internal

template <class F>
void SetValue::ForEach(F&& f) {
  if (dict_) {
    bool stop = false;
    dict_->ForEach([&](SetNode* n) {
      if (!stop && !set_internal::Visit(f, n->member())) stop = true;
    });
    return;
  }
  char buf[kLongStrSize];
  const uint32_t n = is_.size();
  for (uint32_t i = 0; i < n; i++) {
    if (!set_internal::Visit(f, std::string_view(buf, static_cast<size_t>(Ll2String(buf, sizeof buf, is_.Get(i)))))) {
      return;
    }
  }
}

template <class F>
void SetValue::RandomMember(F&& f) {
  if (dict_) {
    f(dict_->Random(&CollectionRandom)->member());
    return;
  }
  char buf[kLongStrSize];
  const int64_t v = is_.Random(CollectionRandom());
  f(std::string_view(buf, static_cast<size_t>(Ll2String(buf, sizeof buf, v))));
}

template <class F>
void SetValue::RandomUniqueMembers(size_t count, F&& f) {
  if (dict_) {
    std::vector<SetNode*> nodes;
    PickUniqueNodes(count, &nodes);
    for (SetNode* n : nodes) f(n->member());
    return;
  }
  std::vector<uint32_t> idx;
  PickUniqueIndexes(count, &idx);
  char buf[kLongStrSize];
  for (uint32_t i : idx) f(std::string_view(buf, static_cast<size_t>(Ll2String(buf, sizeof buf, is_.Get(i)))));
}

template <class F>
void SetValue::PopAllBut(size_t keep, size_t max_intset_entries, F&& f) {
  std::vector<std::string> kept;
  kept.reserve(keep);
  if (dict_) {
    std::vector<SetNode*> nodes;
    PickUniqueNodes(keep, &nodes);
    for (SetNode* n : nodes) kept.emplace_back(n->member());
    std::sort(nodes.begin(), nodes.end());
    dict_->ForEach([&](SetNode* n) {
      if (!std::binary_search(nodes.begin(), nodes.end(), n)) f(n->member());
    });
  } else {
    std::vector<uint32_t> idx;
    PickUniqueIndexes(keep, &idx);
    std::sort(idx.begin(), idx.end());
    char buf[kLongStrSize];
    size_t k = 0;
    const uint32_t n = is_.size();
    for (uint32_t i = 0; i < n; i++) {
      const std::string_view m(buf, static_cast<size_t>(Ll2String(buf, sizeof buf, is_.Get(i))));
      if (k < idx.size() && idx[k] == i) {
        k++;
        kept.emplace_back(m);
      } else {
        f(m);
      }
    }
  }
  RebuildFrom(kept, max_intset_entries);
}

}  // namespace tachyon
