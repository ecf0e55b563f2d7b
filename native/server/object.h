// Keyspace entries: one allocation per key holding the key bytes and, for
// strings, the value bytes too.
//
// Layout of an Entry allocation:
//   [header 28 bytes][key bytes][value]
// where value is
//   - the string bytes inline (type STRING, storage kInline), or
//   - an 8-byte signed integer (type STRING, encoding INT), or
//   - the Collection object itself, 8-byte aligned (lists, hashes, sets and
//     sorted sets: kEmbedded), followed by its tail when it has one (a small
//     intset's bytes, Collection::TailSize), or
//   - an 8-byte pointer to a Collection (streams).
// A 16-byte key with a 100-byte value therefore costs one 144-byte block plus a
// bucket slot, against Redis's dictEntry + key sds + robj + value sds; a small
// hash costs the entry block and its listpack, against Redis's dictEntry + key
// sds + robj + listpack.
//
// `encoding` is the encoding Redis would report in OBJECT ENCODING, which is
// what users observe; physical storage follows from type and encoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include "core/zmalloc.h"

namespace tachyon {

// Values match Redis's OBJ_* and OBJ_ENCODING_* numbering (used by RDB and DEBUG).
enum ObjType : uint8_t { kString = 0, kList = 1, kSet = 2, kZSet = 3, kHash = 4, kStream = 6 };
enum ObjEncoding : uint8_t {
  kEncRaw = 0,
  kEncInt = 1,
  kEncHashtable = 2,
  kEncIntset = 6,
  kEncSkiplist = 7,
  kEncEmbstr = 8,
  kEncQuicklist = 9,
  kEncStream = 10,
  kEncListpack = 11,
};

// Redis stores strings up to this length as embstr.
constexpr size_t kEmbstrMaxLen = 44;

const char* TypeName(ObjType t);
const char* EncodingName(ObjEncoding e);

// Base of every non-string value. Families derive from it (ListValue, HashValue, ...).
class Collection : public ZCounted {
 public:
  virtual ~Collection() = default;
  // Bytes the value's blocks cost the allocator (the object itself aside),
  // by Redis's objectComputeSize rules (MEMORY USAGE): fixed parts exactly,
  // and for elements held in separate blocks the average of the first
  // `samples` times their count.
  virtual size_t MemoryUsage(size_t samples) const = 0;
  // Number of elements (for DEBUG and the like).
  virtual size_t Length() const = 0;
  // How many blocks freeing the value releases (Redis's lazyfreeGetFreeEffort):
  // above LazyFree::kThreshold a lazy deletion frees it in the background.
  virtual size_t FreeEffort() const { return 1; }
  // Deep copy (COPY command).
  virtual Collection* Clone() const = 0;
  // A value whose members never point into the object itself may be moved by
  // copying its bytes: it then lives inside its entry's block (kEmbedded).
  virtual bool Relocatable() const { return false; }
  virtual size_t ObjectSize() const = 0;
  // Bytes an embedded value keeps right after itself in its entry's block
  // (a small intset), so key and value are one allocation: 0 for none.
  virtual size_t TailSize() const { return 0; }
  // Called on a value just copied into an entry's block from `old` (its
  // previous place, still readable), with TailSize() bytes reserved after
  // it: moves the tail's contents there, freeing a block of their own.
  virtual void PlaceTail(const Collection* old) { (void)old; }
};

enum EntryFlags : uint8_t {
  kHasExpire = 1 << 0,
  // A small integer Redis would hold in its own object rather than a shared
  // one (COPY duplicates the value): OBJECT REFCOUNT says 1, not INT_MAX.
  kUnsharedInt = 1 << 1,
  kEmbedded = 1 << 2,  // the Collection object is inside the entry's block
  // A string block grown with room to spare (APPEND, SETRANGE, SETBIT ...: Redis's
  // sdsMakeRoomFor). MEMORY USAGE counts that room; other strings read their
  // exact length, since the allocator's rounding of a block varies with the heap.
  kGrownString = 1 << 3,
};

// Where an embedded Collection starts in Entry::data (8-byte aligned in the block).
constexpr size_t EmbeddedOffset(size_t keylen) { return ((28 + keylen + 7) & ~size_t{7}) - 28; }

struct Entry {
  Entry* next;       // bucket chain (owned by Dict)
  uint32_t hash;     // cached key hash (32 bits)
  uint32_t keylen;
  uint32_t vlen;     // inline string value length
  uint32_t lru;      // LRU clock (seconds resolution) or LFU (16-bit time + 8-bit counter)
  uint8_t type;
  uint8_t encoding;
  uint8_t flags;
  uint8_t spare;
  char data[];       // key bytes then value

  std::string_view key() const { return {data, keylen}; }
  bool has_expire() const { return flags & kHasExpire; }
  bool is_int() const { return type == kString && encoding == kEncInt; }

  // STRING with encoding embstr/raw: inline bytes.
  std::string_view str() const { return {data + keylen, vlen}; }
  char* str_mut() { return data + keylen; }
  // STRING with encoding int.
  int64_t int_value() const {
    int64_t v;
    memcpy(&v, data + keylen, sizeof v);
    return v;
  }
  // A new integer value (INCR): shared again when small, as Redis's.
  void set_int_value(int64_t v) {
    memcpy(data + keylen, &v, sizeof v);
    flags &= static_cast<uint8_t>(~kUnsharedInt);
  }
  // Every other type.
  Collection* collection() const {
    if (flags & kEmbedded) return reinterpret_cast<Collection*>(const_cast<char*>(data) + EmbeddedOffset(keylen));
    Collection* p;
    memcpy(&p, data + keylen, sizeof p);
    return p;
  }
  void set_collection(Collection* p) { memcpy(data + keylen, &p, sizeof p); }
  template <class T>
  T* as() const { return static_cast<T*>(collection()); }
};

constexpr size_t kEntryHeader = offsetof(Entry, data);
static_assert(kEntryHeader == 28, "EmbeddedOffset assumes a 28-byte header");

// Allocation helpers. Entries are malloc'd blocks; use these, never new/delete.
Entry* NewStringEntry(std::string_view key, uint32_t hash, std::string_view value, ObjEncoding enc,
                      size_t capacity_hint = 0);
Entry* NewIntEntry(std::string_view key, uint32_t hash, int64_t value);
// The entry takes ownership of value: a new value is held by a unique_ptr
// until this call, so a command that fails before adding it frees it. A
// relocatable value moves into the entry's block: pointers to the object
// given are invalid afterwards (use the entry's collection()).
Entry* NewCollectionEntry(std::string_view key, uint32_t hash, ObjType type, ObjEncoding enc,
                          std::unique_ptr<Collection> value);
// A new entry with another key holding e's value. With take_value the value
// (collection pointer) moves to the new entry and e must then be freed with
// FreeEntryShell; otherwise the value is deep-copied.
Entry* CopyEntryWithKey(const Entry* e, std::string_view key, uint32_t hash, bool take_value);
void FreeEntryShell(Entry* e);
// Frees the entry and its value.
void FreeEntry(Entry* e);
// Usable bytes for the inline string value of e (>= vlen), from malloc_usable_size.
size_t InlineCapacity(const Entry* e);
// MEMORY USAGE of a key: its entry block (key, header and inline value) and its value
// (nested elements sampled up to `samples` times, see Collection::MemoryUsage).
size_t EntryMemoryUsage(const Entry* e, size_t samples);

}  // namespace tachyon
