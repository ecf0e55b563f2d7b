// Keyspace entry allocation and value lifetime. See object.h.
#include "server/object.h"

#include <malloc.h>

#include <cstdlib>
#include <new>

namespace tachyon {

const char* TypeName(ObjType t) {
  switch (t) {
    case kString: return "string";
    case kList: return "list";
    case kSet: return "set";
    case kZSet: return "zset";
    case kHash: return "hash";
    case kStream: return "stream";
  }
  return "unknown";
}

const char* EncodingName(ObjEncoding e) {
  switch (e) {
    case kEncRaw: return "raw";
    case kEncInt: return "int";
    case kEncHashtable: return "hashtable";
    case kEncIntset: return "intset";
    case kEncSkiplist: return "skiplist";
    case kEncEmbstr: return "embstr";
    case kEncQuicklist: return "quicklist";
    case kEncStream: return "stream";
    case kEncListpack: return "listpack";
  }
  return "unknown";
}

static Entry* AllocEntry(std::string_view key, uint32_t hash, size_t value_bytes) {
  Entry* e = static_cast<Entry*>(malloc(kEntryHeader + key.size() + value_bytes));
  if (!e) throw std::bad_alloc();
  e->next = nullptr;
  e->hash = hash;
  e->keylen = static_cast<uint32_t>(key.size());
  e->vlen = 0;
  e->lru = 0;
  e->flags = 0;
  e->spare = 0;
  memcpy(e->data, key.data(), key.size());
  return e;
}

Entry* NewStringEntry(std::string_view key, uint32_t hash, std::string_view value, ObjEncoding enc,
                      size_t capacity_hint) {
  size_t cap = capacity_hint > value.size() ? capacity_hint : value.size();
  Entry* e = AllocEntry(key, hash, cap);
  e->type = kString;
  e->encoding = enc;
  e->vlen = static_cast<uint32_t>(value.size());
  if (!value.empty()) memcpy(e->str_mut(), value.data(), value.size());
  return e;
}

Entry* NewIntEntry(std::string_view key, uint32_t hash, int64_t value) {
  Entry* e = AllocEntry(key, hash, sizeof(int64_t));
  e->type = kString;
  e->encoding = kEncInt;
  e->set_int_value(value);
  return e;
}

Entry* NewCollectionEntry(std::string_view key, uint32_t hash, ObjType type, ObjEncoding enc, Collection* value) {
  Entry* e = AllocEntry(key, hash, sizeof(Collection*));
  e->type = type;
  e->encoding = enc;
  e->set_collection(value);
  return e;
}

Entry* CopyEntryWithKey(const Entry* src, std::string_view key, uint32_t hash, bool take_value) {
  Entry* e;
  if (src->type != kString) {
    Collection* v = take_value ? src->collection() : src->collection()->Clone();
    e = NewCollectionEntry(key, hash, static_cast<ObjType>(src->type), static_cast<ObjEncoding>(src->encoding), v);
  } else if (src->is_int()) {
    e = NewIntEntry(key, hash, src->int_value());
  } else {
    e = NewStringEntry(key, hash, src->str(), static_cast<ObjEncoding>(src->encoding));
  }
  e->lru = src->lru;
  return e;
}

void FreeEntryShell(Entry* e) { free(e); }

void FreeEntry(Entry* e) {
  if (e->type != kString) delete e->collection();
  free(e);
}

size_t InlineCapacity(const Entry* e) {
  return malloc_usable_size(const_cast<Entry*>(e)) - kEntryHeader - e->keylen;
}

size_t EntryMemory(const Entry* e) {
  size_t n = malloc_usable_size(const_cast<Entry*>(e)) + sizeof(void*);
  if (e->type != kString) n += e->collection()->MemoryUsage();
  return n;
}

bool StringToInt64(std::string_view s, int64_t* out) {
  size_t n = s.size();
  if (n == 0 || n > 20) return false;
  const char* p = s.data();
  size_t i = 0;
  bool neg = false;
  if (n == 1 && p[0] == '0') {
    *out = 0;
    return true;
  }
  if (p[0] == '-') {
    neg = true;
    i = 1;
    if (n == 1) return false;
  }
  // First digit 1-9: no leading zeros, no "-0".
  if (p[i] < '1' || p[i] > '9') return false;
  uint64_t v = 0;
  for (; i < n; i++) {
    unsigned d = static_cast<unsigned char>(p[i]) - '0';
    if (d > 9) return false;
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (neg) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

}  // namespace tachyon
