// SetValue (see set_value.h).
#include "server/set_value.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <unordered_set>

#include "core/hash.h"
#include "core/zmalloc.h"

namespace tachyon {

namespace {
// Redis limits intsets to 2^30 entries whatever set-max-intset-entries says.
constexpr size_t kMaxIntsetEntries = size_t{1} << 30;
}  // namespace

uint64_t SetValue::MemberHash(std::string_view member) {
  return static_cast<uint32_t>(HashBytes(member.data(), member.size()));
}

SetValue::SetValue() { SetOwnedIntset(IntSet().Swap(nullptr)); }

SetValue* SetValue::FromIntset(IntSet is) {
  auto* s = new SetValue();
  s->FreeMembers();
  s->SetOwnedIntset(is.Swap(nullptr));
  return s;
}

SetValue::~SetValue() { FreeMembers(); }

void SetValue::SetOwnedIntset(unsigned char* blob) {
  const auto w = reinterpret_cast<uintptr_t>(blob);
  if (w & kTagMask) std::abort();  // malloc'd blocks are aligned: the tag needs the low bits
  word_ = w | kOwnedTag;
}

void SetValue::SetDictPtr(SetDict* d) {
  const auto w = reinterpret_cast<uintptr_t>(d);
  if (w & kTagMask) std::abort();
  word_ = w | kDictTag;
}

void SetValue::FreeMembers() {
  if (SetDict* d = ht()) {
    d->Clear([](SetNode* n) { ZFree(n); });
    delete d;
  } else if (tag() == kOwnedTag) {
    ZFree(owned_intset());
  }
  // An embedded intset is part of the entry's block, freed with it.
}

void SetValue::PlaceTail(const Collection* old) {
  // This object's word is a copy of old's: an embedded intset continues
  // after old, an owned one is the block the word points to.
  const auto* from = tag() == kOwnedTag ? owned_intset()
                                        : reinterpret_cast<const unsigned char*>(&static_cast<const SetValue*>(old)->word_);
  const size_t n = IntSetView(from).bytes();
  unsigned char* own = tag() == kOwnedTag ? owned_intset() : nullptr;
  memcpy(reinterpret_cast<unsigned char*>(&word_), from, n);  // the word, then the tail
  if (own) ZFree(own);
}

void SetValue::OwnIntset() {
  if (!intset_embedded()) return;
  const size_t n = iset().bytes();
  auto* own = static_cast<unsigned char*>(ZMalloc(n));
  memcpy(own, intset_bytes(), n);
  SetOwnedIntset(own);  // the embedded bytes stay in the entry's block, unused
}

size_t SetValue::MemoryUsage(size_t samples) const {
  size_t n = tag() == kOwnedTag ? ZMallocSize(owned_intset()) : 0;  // embedded: counted with the entry
  if (SetDict* d = ht()) {
    n += ZMallocSize(d) + d->AllocatedBytes();
    size_t bytes = 0;
    size_t seen = d->Walk(samples, [&](const SetNode* node) { bytes += ZMallocSize(node); });
    if (seen) n += static_cast<size_t>(static_cast<double>(bytes) / seen * d->size());
  }
  return n;
}

Collection* SetValue::Clone() const {
  auto* copy = new SetValue();
  if (SetDict* d = ht()) {
    copy->FreeMembers();
    copy->SetDictPtr(new SetDict());
    copy->ht()->Expand(d->size());
    d->ForEach([&](SetNode* n) { copy->DictInsert(n->member()); });
  } else {
    const size_t n = iset().bytes();
    auto* blob = static_cast<unsigned char*>(ZMalloc(n));
    memcpy(blob, intset_bytes(), n);
    copy->FreeMembers();
    copy->SetOwnedIntset(blob);
  }
  return copy;
}

SetNode* SetValue::NewNode(std::string_view member, uint32_t hash) {
  auto* n = static_cast<SetNode*>(ZMalloc(sizeof(SetNode) + member.size()));
  if (!n) throw std::bad_alloc();
  n->next = nullptr;
  n->hash = hash;
  n->len = static_cast<uint32_t>(member.size());
  if (!member.empty()) memcpy(n->data, member.data(), member.size());
  return n;
}

void SetValue::FreeNode(SetNode* n) {
  ZFree(n);
}

void SetValue::DictInsert(std::string_view member) {
  const uint64_t h = MemberHash(member);
  ht()->Insert(NewNode(member, static_cast<uint32_t>(h)), h);
}

bool SetValue::Add(std::string_view member, size_t max_intset_entries) {
  if (!ht()) {
    long long v;
    if (String2ll(member, &v)) {
      if (iset().Contains(v)) return false;
      ChangeIntset([&](IntSet& is) { return is.Add(v); });
      const size_t max = max_intset_entries < kMaxIntsetEntries ? max_intset_entries : kMaxIntsetEntries;
      if (iset().size() > max) ConvertToHashtable();
      return true;
    }
    // Not an integer: it cannot be in the intset, so it is new.
    ConvertToHashtable();
    DictInsert(member);
    return true;
  }
  const uint64_t h = MemberHash(member);
  if (ht()->Find(member, h)) return false;
  ht()->Insert(NewNode(member, static_cast<uint32_t>(h)), h);
  return true;
}

bool SetValue::Remove(std::string_view member) {
  if (!ht()) {
    long long v;
    if (!String2ll(member, &v) || !iset().Contains(v)) return false;
    return ChangeIntset([&](IntSet& is) { return is.Remove(v); });
  }
  SetNode* n = ht()->Remove(member, MemberHash(member));
  if (!n) return false;
  FreeNode(n);
  return true;
}

bool SetValue::Contains(std::string_view member) {
  if (!ht()) {
    long long v;
    return String2ll(member, &v) && iset().Contains(v);
  }
  return ht()->Find(member, MemberHash(member)) != nullptr;
}

void SetValue::ConvertToHashtable() {
  if (ht()) return;
  OwnIntset();
  unsigned char* old = owned_intset();
  const IntSetView is(old);
  SetDictPtr(new SetDict());
  const uint32_t n = is.size();
  ht()->Expand(n);
  char buf[kLongStrSize];
  for (uint32_t i = 0; i < n; i++) {
    DictInsert(std::string_view(buf, static_cast<size_t>(Ll2String(buf, sizeof buf, is.Get(i)))));
  }
  ZFree(old);
}

std::string SetValue::PopRandom() {
  if (ht()) {
    SetNode* n = ht()->Random(&CollectionRandom);
    std::string out(n->member());
    SetNode* removed = ht()->Remove(out, n->hash);
    FreeNode(removed);
    return out;
  }
  const int64_t v = iset().Random(CollectionRandom());
  ChangeIntset([&](IntSet& is) { return is.Remove(v); });
  return Ll2Str(v);
}

void SetValue::PickUniqueIndexes(size_t count, std::vector<uint32_t>* out) const {
  out->clear();
  const uint32_t size = iset().size();
  if (count * 3 > size) {
    std::vector<uint32_t> all(size);
    for (uint32_t i = 0; i < size; i++) all[i] = i;
    for (size_t i = 0; i < count; i++) {
      const size_t j = i + CollectionRandom() % (size - i);
      std::swap(all[i], all[j]);
    }
    all.resize(count);
    *out = std::move(all);
    return;
  }
  std::unordered_set<uint32_t> seen;
  seen.reserve(count * 2);
  out->reserve(count);
  while (out->size() < count) {
    const uint32_t i = static_cast<uint32_t>(CollectionRandom() % size);
    if (seen.insert(i).second) out->push_back(i);
  }
}

void SetValue::PickUniqueNodes(size_t count, std::vector<SetNode*>* out) {
  out->clear();
  const size_t size = ht()->size();
  if (count * 3 > size) {
    std::vector<SetNode*> all;
    all.reserve(size);
    ht()->ForEach([&](SetNode* n) { all.push_back(n); });
    for (size_t i = 0; i < count; i++) {
      const size_t j = i + CollectionRandom() % (all.size() - i);
      std::swap(all[i], all[j]);
    }
    all.resize(count);
    *out = std::move(all);
    return;
  }
  std::unordered_set<SetNode*> seen;
  seen.reserve(count * 2);
  out->reserve(count);
  while (out->size() < count) {
    SetNode* n = ht()->Random(&CollectionRandom);
    if (seen.insert(n).second) out->push_back(n);
  }
}

void SetValue::RebuildFrom(const std::vector<std::string>& members, size_t max_intset_entries) {
  SetValue fresh;
  for (const std::string& m : members) fresh.Add(m, max_intset_entries);
  OwnIntset();
  std::swap(word_, fresh.word_);  // fresh frees what this held
}

}  // namespace tachyon
