// Keyspace entry allocation and value lifetime. See object.h.
#include "server/object.h"

#include <malloc.h>

#include <cstdlib>
#include <new>
#include "core/zmalloc.h"

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

// value_bytes: what follows the key (padding included).
static Entry* AllocEntry(std::string_view key, uint32_t hash, size_t value_bytes) {
  Entry* e = static_cast<Entry*>(ZMalloc(kEntryHeader + key.size() + value_bytes));
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

namespace {

// An entry holding the bytes of a relocatable object (moved, not copied:
// the source block is released without running its destructor) and its tail.
Entry* EmbedCollection(std::string_view key, uint32_t hash, ObjType type, ObjEncoding enc, const Collection* obj,
                       size_t size) {
  const size_t off = EmbeddedOffset(key.size());  // from data[0], so the key is in it
  const size_t tail = obj->TailSize();
  Entry* e = AllocEntry(key, hash, off - key.size() + size + tail);
  e->type = type;
  e->encoding = enc;
  e->flags |= kEmbedded;
  memcpy(e->data + off, static_cast<const void*>(obj), size);
  if (tail) reinterpret_cast<Collection*>(e->data + off)->PlaceTail(obj);
  return e;
}

}  // namespace

Entry* NewCollectionEntry(std::string_view key, uint32_t hash, ObjType type, ObjEncoding enc,
                          std::unique_ptr<Collection> value) {
  if (value->Relocatable()) {
    Entry* e = EmbedCollection(key, hash, type, enc, value.get(), value->ObjectSize());
    ZFree(value.release());
    return e;
  }
  Entry* e = AllocEntry(key, hash, sizeof(Collection*));
  e->type = type;
  e->encoding = enc;
  e->set_collection(value.release());
  return e;
}

Entry* CopyEntryWithKey(const Entry* src, std::string_view key, uint32_t hash, bool take_value) {
  Entry* e;
  if (src->type != kString && take_value && (src->flags & kEmbedded)) {
    const Collection* obj = src->collection();
    e = EmbedCollection(key, hash, static_cast<ObjType>(src->type), static_cast<ObjEncoding>(src->encoding), obj,
                        obj->ObjectSize());
  } else if (src->type != kString) {
    std::unique_ptr<Collection> v(take_value ? src->collection() : src->collection()->Clone());
    e = NewCollectionEntry(key, hash, static_cast<ObjType>(src->type), static_cast<ObjEncoding>(src->encoding),
                           std::move(v));
  } else if (src->is_int()) {
    e = NewIntEntry(key, hash, src->int_value());
  } else {
    e = NewStringEntry(key, hash, src->str(), static_cast<ObjEncoding>(src->encoding));
  }
  e->lru = src->lru;
  // RENAME and MOVE keep the object itself, so whether it is shared too.
  if (take_value) e->flags |= src->flags & kUnsharedInt;
  return e;
}

void FreeEntryShell(Entry* e) { ZFree(e); }

void FreeEntry(Entry* e) {
  if (e->type != kString) {
    if (e->flags & kEmbedded) e->collection()->~Collection();
    else delete e->collection();
  }
  ZFree(e);
}

size_t InlineCapacity(const Entry* e) {
  return ZMallocSize(e) - kEntryHeader - e->keylen;
}

size_t EntryMemoryUsage(const Entry* e, size_t samples) {
  size_t n = ZMallocSize(e);
  if (e->type != kString) {
    if (!(e->flags & kEmbedded)) n += ZMallocSize(e->collection());
    n += e->collection()->MemoryUsage(samples);
  }
  return n;
}

}  // namespace tachyon
