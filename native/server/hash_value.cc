// HashValue (see hash_value.h).
#include "server/hash_value.h"

#include <malloc.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <unordered_set>

#include "core/glob.h"
#include "core/hash.h"
#include "server/command.h"
#include "core/zmalloc.h"

namespace tachyon {

uint64_t CollectionRandom() { return dict_internal::DefaultRng(); }

uint64_t HashValue::FieldHash(std::string_view field) {
  return static_cast<uint32_t>(HashBytes(field.data(), field.size()));
}

HashValue* HashValue::FromListpack(Listpack lp) {
  auto* h = new HashValue();
  h->lp_ = std::move(lp);
  h->lp_count_ = h->lp_.size() / 2;
  return h;
}

HashValue::~HashValue() {
  if (dict_) dict_->Clear([](HashNode* n) { ZFree(n); });
}

size_t HashValue::MemoryUsage(size_t samples) const {
  size_t n = ZMallocSize(lp_.data());
  if (dict_) {
    n += ZMallocSize(dict_.get()) + dict_->AllocatedBytes();
    size_t bytes = 0;
    size_t seen = dict_->Walk(samples, [&](const HashNode* node) { bytes += ZMallocSize(node); });
    if (seen) n += static_cast<size_t>(static_cast<double>(bytes) / seen * dict_->size());
  }
  return n;
}

Collection* HashValue::Clone() const {
  auto* copy = new HashValue();
  copy->lp_ = lp_;
  copy->lp_count_ = lp_count_;
  if (dict_) {
    copy->dict_ = std::make_unique<HashDict>();
    copy->dict_->Expand(dict_->size());
    dict_->ForEach([&](HashNode* n) { copy->DictInsert(n->field(), n->value()); });
  }
  return copy;
}

HashNode* HashValue::NewNode(std::string_view field, std::string_view value, uint32_t hash) {
  auto* n = static_cast<HashNode*>(ZMalloc(sizeof(HashNode) + field.size() + value.size()));
  if (!n) throw std::bad_alloc();
  n->next = nullptr;
  n->hash = hash;
  n->flen = static_cast<uint32_t>(field.size());
  n->vlen = static_cast<uint32_t>(value.size());
  if (!field.empty()) memcpy(n->data, field.data(), field.size());
  if (!value.empty()) memcpy(n->data + field.size(), value.data(), value.size());
  return n;
}

void HashValue::FreeNode(HashNode* n) {
  ZFree(n);
}

// Caller guarantees the field is absent.
void HashValue::DictInsert(std::string_view field, std::string_view value) {
  const uint64_t h = FieldHash(field);
  dict_->Insert(NewNode(field, value, static_cast<uint32_t>(h)), h);
}

bool HashValue::Get(std::string_view field, HashFieldValue* out) {
  if (dict_) {
    HashNode* n = dict_->Find(field, FieldHash(field));
    if (!n) return false;
    out->is_int = false;
    out->str = n->value();
    return true;
  }
  const size_t first = lp_.First();
  if (first == Listpack::npos) return false;
  const size_t fpos = lp_.Find(first, field, 1);
  if (fpos == Listpack::npos) return false;
  const LpValue v = lp_.Get(lp_.Next(fpos));
  out->is_int = v.is_int();
  out->ival = v.ival;
  out->str = v.is_int() ? std::string_view() : v.sv();
  return true;
}

bool HashValue::Exists(std::string_view field) {
  if (dict_) return dict_->Find(field, FieldHash(field)) != nullptr;
  const size_t first = lp_.First();
  return first != Listpack::npos && lp_.Find(first, field, 1) != Listpack::npos;
}

void HashValue::TryConversion(const std::string_view* args, size_t n, const Limits& limits) {
  if (dict_) return;
  size_t sum = 0;
  for (size_t i = 0; i < n; i++) {
    if (args[i].size() > limits.max_listpack_value) {
      ConvertToHashtable();
      return;
    }
    sum += args[i].size();
  }
  if (!lp_.SafeToAdd(sum)) ConvertToHashtable();
}

bool HashValue::Set(std::string_view field, std::string_view value, const Limits& limits) {
  if (!dict_) {
    if (field.size() > limits.max_listpack_value || value.size() > limits.max_listpack_value ||
        !lp_.SafeToAdd(field.size() + value.size() + 22)) {
      ConvertToHashtable();
    }
  }
  if (!dict_) {
    const size_t first = lp_.First();
    const size_t fpos = first == Listpack::npos ? Listpack::npos : lp_.Find(first, field, 1);
    if (fpos != Listpack::npos) {
      lp_.Replace(lp_.Next(fpos), value);
      return false;
    }
    lp_.Append(field);
    lp_.Append(value);
    lp_count_++;
    if (lp_count_ > limits.max_listpack_entries) ConvertToHashtable();
    return true;
  }
  const uint64_t h = FieldHash(field);
  HashNode** link = dict_->FindLink(field, h);
  if (!link) {
    dict_->Insert(NewNode(field, value, static_cast<uint32_t>(h)), h);
    return true;
  }
  HashNode* n = *link;
  const size_t need = sizeof(HashNode) + n->flen + value.size();
  const size_t usable = ZMallocSize(n);
  // Rewrite in place when the block fits without wasting much; else reallocate.
  if (usable >= need && usable - need <= 16 + need / 4) {
    if (!value.empty()) memmove(n->data + n->flen, value.data(), value.size());
    n->vlen = static_cast<uint32_t>(value.size());
    return false;
  }
  HashNode* nn = NewNode(field, value, static_cast<uint32_t>(h));
  nn->next = n->next;
  *link = nn;
  FreeNode(n);
  return false;
}

bool HashValue::Delete(std::string_view field) {
  if (dict_) {
    HashNode* n = dict_->Remove(field, FieldHash(field));
    if (!n) return false;
    FreeNode(n);
    return true;
  }
  const size_t first = lp_.First();
  if (first == Listpack::npos) return false;
  const size_t fpos = lp_.Find(first, field, 1);
  if (fpos == Listpack::npos) return false;
  lp_.DeleteRangeAt(fpos, 2);
  lp_count_--;
  return true;
}

void HashValue::ConvertToHashtable() {
  if (dict_) return;
  dict_ = std::make_unique<HashDict>();
  dict_->Expand(lp_count_);
  for (size_t p = lp_.First(); p != Listpack::npos; p = lp_.Next(lp_.Next(p))) {
    char fbuf[kLongStrSize], vbuf[kLongStrSize];
    const std::string_view f = lp_.Get(p).View(fbuf);
    const std::string_view v = lp_.Get(lp_.Next(p)).View(vbuf);
    DictInsert(f, v);
  }
  lp_.Clear();
  lp_count_ = 0;
}

void HashValue::FieldPositions(std::vector<size_t>* out) const {
  out->clear();
  out->reserve(lp_count_);
  for (size_t p = lp_.First(); p != Listpack::npos; p = lp_.Next(lp_.Next(p))) out->push_back(p);
}

// Selection sampling (Knuth's algorithm S): every subset of `count` fields is
// equally likely and the picks come out in listpack order.
void HashValue::PickUniqueListpack(size_t count, std::vector<size_t>* out) const {
  out->clear();
  out->reserve(count);
  size_t remaining = lp_count_;
  for (size_t p = lp_.First(); p != Listpack::npos && out->size() < count; p = lp_.Next(lp_.Next(p))) {
    const size_t need = count - out->size();
    if (CollectionRandom() % remaining < need) out->push_back(p);
    remaining--;
  }
}

void HashValue::PickUniqueNodes(size_t count, std::vector<HashNode*>* out) {
  out->clear();
  const size_t size = dict_->size();
  if (count * 3 > size) {
    // A large share of the hash: take all nodes and shuffle the first count.
    std::vector<HashNode*> all;
    all.reserve(size);
    dict_->ForEach([&](HashNode* n) { all.push_back(n); });
    for (size_t i = 0; i < count; i++) {
      const size_t j = i + CollectionRandom() % (all.size() - i);
      std::swap(all[i], all[j]);
    }
    all.resize(count);
    *out = std::move(all);
    return;
  }
  // A small share: random picks until count distinct ones.
  std::unordered_set<HashNode*> seen;
  seen.reserve(count * 2);
  out->reserve(count);
  while (out->size() < count) {
    HashNode* n = dict_->Random(&CollectionRandom);
    if (seen.insert(n).second) out->push_back(n);
  }
}

}  // namespace tachyon
