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
  SetValue();  // empty intset
  ~SetValue() override;
  // Takes a valid intset (RDB loading, RESTORE), keeping its integer width.
  static SetValue* FromIntset(IntSet is);
  SetValue(const SetValue&) = delete;
  SetValue& operator=(const SetValue&) = delete;

  // Collection
  size_t MemoryUsage(size_t samples) const override;
  size_t ObjectSize() const override { return sizeof(*this); }
  bool Relocatable() const override { return true; }  // no member points into the object
  // A small intset lives in its entry's block (one allocation per key): its
  // first 8 bytes in the object's word, the rest right after the object.
  // Those bytes cannot be reallocated: the first change moves the intset to
  // a block of its own (OwnIntset) and the room stays unused until the key
  // is written anew (RENAME, RESTORE, a reload).
  size_t TailSize() const override {
    return !ht() && iset().bytes() <= kMaxTail ? iset().bytes() - IntSet::kHeaderSize : 0;
  }
  void PlaceTail(const Collection* old) override;
  size_t Length() const override { return ht() ? ht()->size() : iset().size(); }
  size_t FreeEffort() const override { return ht() ? ht()->size() : 1; }
  Collection* Clone() const override;

  ObjEncoding encoding() const { return ht() ? kEncHashtable : kEncIntset; }
  bool is_intset() const { return !ht(); }
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
    return ht()->Scan(cursor, std::forward<F>(f));
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
  IntSetView intset() const { return iset(); }
  SetDict* dict() { return ht(); }

 private:
  SetNode* NewNode(std::string_view member, uint32_t hash);
  void FreeNode(SetNode* n);
  void DictInsert(std::string_view member);  // member must be absent
  // count distinct random picks (count < size()).
  void PickUniqueIndexes(size_t count, std::vector<uint32_t>* out) const;
  void PickUniqueNodes(size_t count, std::vector<SetNode*>* out);
  // Replaces the contents by a set built from scratch out of members.
  void RebuildFrom(const std::vector<std::string>& members, size_t max_intset_entries);

  static constexpr size_t kMaxTail = 128;  // intsets embedded up to 60 int16 / 30 int32 members

  // One word after the vtable holds either encoding, so the object is 16
  // bytes and the entry block of 10 int32 members under a 13-byte key
  // (header 28, key and padding 20, vtable 8, intset 48) is a 104-byte
  // request, a 112-byte malloc chunk:
  //   hashtable          the SetDict's address | kDictTag
  //   intset, own block  the intset's address | kOwnedTag
  //   intset, embedded   the intset's first 8 bytes (its encoding, 2, 4 or
  //                      8, then its length), the rest right after the
  //                      object: the intset starts at &word_.
  // Blocks are at least 8-byte aligned, so the low three bits tell them
  // apart: 001, 110, or an encoding's 010, 100 or 000.
  static constexpr uintptr_t kTagMask = 7;
  static constexpr uintptr_t kDictTag = 1;
  static constexpr uintptr_t kOwnedTag = 6;
  uintptr_t word_;

  uintptr_t tag() const { return word_ & kTagMask; }
  SetDict* ht() const { return tag() == kDictTag ? reinterpret_cast<SetDict*>(word_ & ~kTagMask) : nullptr; }
  bool intset_embedded() const { return tag() != kDictTag && tag() != kOwnedTag; }
  unsigned char* owned_intset() const { return reinterpret_cast<unsigned char*>(word_ & ~kTagMask); }
  const unsigned char* intset_bytes() const {
    return intset_embedded() ? reinterpret_cast<const unsigned char*>(&word_) : owned_intset();
  }
  IntSetView iset() const { return IntSetView(intset_bytes()); }
  // Stores an intset block (ZMalloc'd) or a dict as the word.
  void SetOwnedIntset(unsigned char* blob);
  void SetDictPtr(SetDict* d);
  // Frees what the word points to (nothing for an embedded intset).
  void FreeMembers();
  // Before the intset changes: an embedded one is copied to a block of its own.
  void OwnIntset();
  // Runs f(IntSet&) on the intset in its own block and stores the result.
  template <class F>
  auto ChangeIntset(F&& f) {
    OwnIntset();
    IntSet is = IntSet::Adopt(owned_intset());
    auto r = f(is);
    SetOwnedIntset(is.Swap(nullptr));  // is's destructor then frees nothing
    return r;
  }
};

static_assert(sizeof(SetValue) == 16, "a small intset's entry block is meant to fit a 112-byte chunk");

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
  if (ht()) {
    bool stop = false;
    ht()->ForEach([&](SetNode* n) {
      if (!stop && !set_internal::Visit(f, n->member())) stop = true;
    });
    return;
  }
  char buf[kLongStrSize];
  const uint32_t n = iset().size();
  for (uint32_t i = 0; i < n; i++) {
    if (!set_internal::Visit(f, std::string_view(buf, static_cast<size_t>(Ll2String(buf, sizeof buf, iset().Get(i)))))) {
      return;
    }
  }
}

template <class F>
void SetValue::RandomMember(F&& f) {
  if (ht()) {
    f(ht()->Random(&CollectionRandom)->member());
    return;
  }
  char buf[kLongStrSize];
  const int64_t v = iset().Random(CollectionRandom());
  f(std::string_view(buf, static_cast<size_t>(Ll2String(buf, sizeof buf, v))));
}

template <class F>
void SetValue::RandomUniqueMembers(size_t count, F&& f) {
  if (ht()) {
    std::vector<SetNode*> nodes;
    PickUniqueNodes(count, &nodes);
    for (SetNode* n : nodes) f(n->member());
    return;
  }
  std::vector<uint32_t> idx;
  PickUniqueIndexes(count, &idx);
  char buf[kLongStrSize];
  for (uint32_t i : idx) f(std::string_view(buf, static_cast<size_t>(Ll2String(buf, sizeof buf, iset().Get(i)))));
}

template <class F>
void SetValue::PopAllBut(size_t keep, size_t max_intset_entries, F&& f) {
  std::vector<std::string> kept;
  kept.reserve(keep);
  if (ht()) {
    std::vector<SetNode*> nodes;
    PickUniqueNodes(keep, &nodes);
    for (SetNode* n : nodes) kept.emplace_back(n->member());
    std::sort(nodes.begin(), nodes.end());
    ht()->ForEach([&](SetNode* n) {
      if (!std::binary_search(nodes.begin(), nodes.end(), n)) f(n->member());
    });
  } else {
    std::vector<uint32_t> idx;
    PickUniqueIndexes(keep, &idx);
    std::sort(idx.begin(), idx.end());
    char buf[kLongStrSize];
    size_t k = 0;
    const uint32_t n = iset().size();
    for (uint32_t i = 0; i < n; i++) {
      const std::string_view m(buf, static_cast<size_t>(Ll2String(buf, sizeof buf, iset().Get(i))));
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
