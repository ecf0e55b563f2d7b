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

SetValue* SetValue::FromIntset(IntSet is) {
  auto* s = new SetValue();
  s->is_ = std::move(is);
  return s;
}

SetValue::~SetValue() {
  if (dict_) dict_->Clear([](SetNode* n) { ZFree(n); });
  if (intset_embedded()) is_.Swap(nullptr);  // the entry's block, freed with it
}

void SetValue::PlaceTail(const Collection* old) {
  const bool was_embedded = is_.data() == reinterpret_cast<const unsigned char*>(old) + sizeof(*this);
  const size_t n = is_.bytes();
  auto* dst = const_cast<unsigned char*>(tail());
  memcpy(dst, is_.data(), n);
  unsigned char* prev = is_.Swap(dst);
  if (!was_embedded) ZFree(prev);
}

void SetValue::OwnIntset() {
  if (!intset_embedded()) return;
  const size_t n = is_.bytes();
  auto* own = static_cast<unsigned char*>(ZMalloc(n));
  memcpy(own, is_.data(), n);
  is_.Swap(own);  // the embedded bytes stay in the entry's block
}

size_t SetValue::MemoryUsage(size_t samples) const {
  size_t n = intset_embedded() ? 0 : ZMallocSize(is_.data());  // embedded: counted with the entry
  if (dict_) {
    n += ZMallocSize(dict_.get()) + dict_->AllocatedBytes();
    size_t bytes = 0;
    size_t seen = dict_->Walk(samples, [&](const SetNode* node) { bytes += ZMallocSize(node); });
    if (seen) n += static_cast<size_t>(static_cast<double>(bytes) / seen * dict_->size());
  }
  return n;
}

Collection* SetValue::Clone() const {
  auto* copy = new SetValue();
  copy->is_ = is_;
  if (dict_) {
    copy->dict_ = std::make_unique<SetDict>();
    copy->dict_->Expand(dict_->size());
    dict_->ForEach([&](SetNode* n) { copy->DictInsert(n->member()); });
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
  dict_->Insert(NewNode(member, static_cast<uint32_t>(h)), h);
}

bool SetValue::Add(std::string_view member, size_t max_intset_entries) {
  if (!dict_) {
    long long v;
    if (String2ll(member, &v)) {
      if (is_.Contains(v)) return false;
      OwnIntset();
      is_.Add(v);
      const size_t max = max_intset_entries < kMaxIntsetEntries ? max_intset_entries : kMaxIntsetEntries;
      if (is_.size() > max) ConvertToHashtable();
      return true;
    }
    // Not an integer: it cannot be in the intset, so it is new.
    ConvertToHashtable();
    DictInsert(member);
    return true;
  }
  const uint64_t h = MemberHash(member);
  if (dict_->Find(member, h)) return false;
  dict_->Insert(NewNode(member, static_cast<uint32_t>(h)), h);
  return true;
}

bool SetValue::Remove(std::string_view member) {
  if (!dict_) {
    long long v;
    if (!String2ll(member, &v) || !is_.Contains(v)) return false;
    OwnIntset();
    return is_.Remove(v);
  }
  SetNode* n = dict_->Remove(member, MemberHash(member));
  if (!n) return false;
  FreeNode(n);
  return true;
}

bool SetValue::Contains(std::string_view member) {
  if (!dict_) {
    long long v;
    return String2ll(member, &v) && is_.Contains(v);
  }
  return dict_->Find(member, MemberHash(member)) != nullptr;
}

void SetValue::ConvertToHashtable() {
  if (dict_) return;
  OwnIntset();
  dict_ = std::make_unique<SetDict>();
  const uint32_t n = is_.size();
  dict_->Expand(n);
  char buf[kLongStrSize];
  for (uint32_t i = 0; i < n; i++) {
    DictInsert(std::string_view(buf, static_cast<size_t>(Ll2String(buf, sizeof buf, is_.Get(i)))));
  }
  is_ = IntSet();
}

std::string SetValue::PopRandom() {
  if (dict_) {
    SetNode* n = dict_->Random(&CollectionRandom);
    std::string out(n->member());
    SetNode* removed = dict_->Remove(out, n->hash);
    FreeNode(removed);
    return out;
  }
  const int64_t v = is_.Random(CollectionRandom());
  OwnIntset();
  is_.Remove(v);
  return Ll2Str(v);
}

void SetValue::PickUniqueIndexes(size_t count, std::vector<uint32_t>* out) const {
  out->clear();
  const uint32_t size = is_.size();
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
  const size_t size = dict_->size();
  if (count * 3 > size) {
    std::vector<SetNode*> all;
    all.reserve(size);
    dict_->ForEach([&](SetNode* n) { all.push_back(n); });
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
    SetNode* n = dict_->Random(&CollectionRandom);
    if (seen.insert(n).second) out->push_back(n);
  }
}

void SetValue::RebuildFrom(const std::vector<std::string>& members, size_t max_intset_entries) {
  SetValue fresh;
  for (const std::string& m : members) fresh.Add(m, max_intset_entries);
  OwnIntset();
  std::swap(is_, fresh.is_);
  std::swap(dict_, fresh.dict_);
}

}  // namespace tachyon
