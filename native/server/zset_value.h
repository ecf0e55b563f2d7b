// ZSetValue: the value of a ZSET key, in one of the two encodings Redis 7.0
// reports through OBJECT ENCODING:
//
//   listpack   member, score, member, score ... in one Redis-format listpack,
//              sorted by score then member (sdscmp order). A score is stored
//              as an integer entry when it is an exact integer within +-2^62
//              (Redis's double2ll, so -0 is stored as 0), otherwise as its
//              d2string text ("%.17g"). The blob is byte-for-byte what Redis
//              keeps and what RDB_TYPE_ZSET_LISTPACK stores.
//   skiplist   a ZSkipList (order, ranks) plus a Dict from member to the
//              skiplist node (O(1) ZSCORE / membership). The member bytes live
//              once, in the skiplist node; a dict node is 24 bytes. For RDB,
//              walk skiplist() from its tail (RDB_TYPE_ZSET_2 order).
//
// A zset starts as a listpack and becomes a skiplist -- never back in place --
// when an insertion would exceed zset-max-listpack-entries, or a member is
// longer than zset-max-listpack-value bytes (zsetAdd). Results built by the
// STORE commands choose their encoding from the final size (see
// zset_family.cc). Limits come from the caller, so CONFIG SET applies to the
// next write.
//
// Positions (ZIter) let the commands walk either encoding in order: a
// listpack offset of a member entry, or a skiplist node. Any mutation
// invalidates them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/dict.h"
#include "core/listpack.h"
#include "core/skiplist.h"
#include "core/util.h"
#include "server/object.h"

namespace tachyon {

class CommandRegistry;
struct CommandContext;

// ---------------------------------------------------------------------------
// Generic pop, shared with the blocking commands (BZPOPMIN/BZPOPMAX/BZMPOP).

enum class ZWhere { kMin = 0, kMax = 1 };

// Redis's genericZpopCommand. Pops from the first of `keys` that exists
// (replying WRONGTYPE and stopping if that key is not a zset):
//   count       elements to pop; -1 means a plain single pop (reply shape of
//               ZPOPMIN without COUNT); 0 replies an empty array.
//   emit_key    the key name is part of the reply (BZPOP*, ZMPOP, BZMPOP);
//   nested      pairs as [member, score] arrays (RESP3 ZPOP* with COUNT,
//               ZMPOP/BZMPOP: [key, [[member, score] ...]]);
//   nil_when_empty  reply a null array (not an empty one) when no key exists.
// Deletes the key when it becomes empty (*deleted = true), calls KeyModified
// and counts one dirty change per popped element. Returns the number popped.
// *served_key (when given) gets the key popped from.
size_t ZPopGeneric(CommandContext& c, const std::string_view* keys, int numkeys, ZWhere where,
                   bool emit_key, long count, bool nested, bool nil_when_empty,
                   bool* deleted = nullptr, std::string_view* served_key = nullptr);

// ---------------------------------------------------------------------------
// Skiplist-encoding index: member -> skiplist node.

struct ZDictNode {
  ZDictNode* next;  // Dict chain
  ZSkipNode* node;  // holds the member bytes and the score
  uint32_t hash;    // cached member hash (ZSetValue::MemberHash)
};

struct ZDictTraits {
  static std::string_view Key(const ZDictNode* n) { return n->node->member(); }
  static uint64_t Hash(const ZDictNode* n) { return n->hash; }
  static bool Equal(const ZDictNode* n, std::string_view key, uint64_t hash) {
    return n->hash == static_cast<uint32_t>(hash) && n->node->member() == key;
  }
};

using ZSetDict = Dict<ZDictNode, ZDictTraits>;

// zsetAdd input flags (combinable) and output flags.
enum ZAddFlags : int {
  kZAddNone = 0,
  kZAddIncr = 1 << 0,
  kZAddNX = 1 << 1,
  kZAddXX = 1 << 2,
  kZAddGT = 1 << 3,
  kZAddLT = 1 << 4,
};
enum ZAddResult : int {
  kZAddOutNaN = 1 << 0,      // the resulting score is NaN (nothing changed)
  kZAddOutAdded = 1 << 1,    // a new member was added
  kZAddOutUpdated = 1 << 2,  // an existing member's score changed
  kZAddOutNop = 1 << 3,      // NX / XX / GT / LT prevented the operation
};

// A position in ascending order. Valid while the zset is not modified.
struct ZIter {
  size_t pos = Listpack::npos;  // listpack: offset of the member entry
  ZSkipNode* node = nullptr;    // skiplist
};

class ZSetValue final : public Collection {
 public:
  struct Limits {
    size_t max_listpack_entries;
    size_t max_listpack_value;
  };

  ZSetValue() : lp_() {}  // empty listpack
  ~ZSetValue() override;
  ZSetValue(const ZSetValue&) = delete;
  ZSetValue& operator=(const ZSetValue&) = delete;

  // zsetTypeCreate: a listpack when size_hint and value_len_hint are within
  // the limits, otherwise a skiplist whose dict is pre-sized for size_hint.
  static std::unique_ptr<ZSetValue> Create(size_t size_hint, size_t value_len_hint, const Limits& limits);
  // An empty zset in the given encoding (kEncListpack or kEncSkiplist).
  static std::unique_ptr<ZSetValue> NewEmpty(ObjEncoding encoding, size_t size_hint);
  // Takes a listpack of member/score pairs (e.g. from RDB); must be valid,
  // sorted and free of duplicates.
  static std::unique_ptr<ZSetValue> FromListpack(Listpack lp);

  // Collection
  size_t MemoryUsage(size_t samples) const override;
  size_t ObjectSize() const override { return sizeof(*this); }
  bool Relocatable() const override { return true; }  // no member points into the object
  size_t Length() const override { return sk() ? sk()->zsl.length() : lp_pairs(); }
  size_t FreeEffort() const override { return sk() ? sk()->zsl.length() : 1; }
  Collection* Clone() const override;

  ObjEncoding encoding() const { return sk() ? kEncSkiplist : kEncListpack; }
  bool is_listpack() const { return !sk(); }
  size_t size() const { return Length(); }

  static uint64_t MemberHash(std::string_view member);

  // ---- point operations (not const: a Dict lookup may advance a rehash) ----
  // zsetAdd (see ZAddFlags / ZAddResult). Returns false only for a NaN score
  // (input or result of INCR); *newscore gets the resulting score when the
  // member was added or updated (or would be, for an unchanged score).
  bool Add(double score, std::string_view member, int in_flags, int* out_flags, double* newscore,
           const Limits& limits);
  // Returns true if the member existed.
  bool Delete(std::string_view member);
  bool Score(std::string_view member, double* score);
  // 0-based rank (from the highest score when reverse), -1 if absent.
  long Rank(std::string_view member, bool reverse);

  // ---- range deletion; return the number of members removed ----
  // Ranks are 0-based and inclusive, already clamped to [0, size()).
  size_t DeleteRangeByRank(size_t start, size_t end);
  size_t DeleteRangeByScore(const ZRangeSpec& range);
  size_t DeleteRangeByLex(const ZLexRangeSpec& range);
  // Removes the `count` (<= size()) lowest or highest members.
  void DeleteEnds(ZWhere where, size_t count);

  // ---- encoding changes ----
  // listpack -> skiplist, the dict pre-sized for `cap` members.
  void ConvertToSkiplist(size_t cap);
  void ConvertToListpack();
  // zsetConvertToListpackIfNeeded.
  void ConvertToListpackIfNeeded(size_t maxelelen, size_t totelelen, const Limits& limits);

  // ---- ordered positions ----
  ZIter First() const;
  ZIter Last() const;
  bool Valid(const ZIter& it) const { return sk() ? it.node != nullptr : it.pos != Listpack::npos; }
  void Next(ZIter* it) const;
  void Prev(ZIter* it) const;
  // Moves n steps forward (or backward when reverse); may end invalid.
  void Advance(ZIter* it, size_t n, bool reverse) const;
  // Member at 0-based ascending rank (must be < size()).
  ZIter AtRank(size_t rank) const;
  ZIter FirstInRange(const ZRangeSpec& range) const;
  ZIter LastInRange(const ZRangeSpec& range) const;
  ZIter FirstInLexRange(const ZLexRangeSpec& range) const;
  ZIter LastInLexRange(const ZLexRangeSpec& range) const;
  // The member bytes (listpack integers are formatted into buf).
  std::string_view Member(const ZIter& it, char (&buf)[kLongStrSize]) const;
  double ScoreAt(const ZIter& it) const;
  // For listpack entries stored as integers: sets *v and returns true.
  bool MemberInt(const ZIter& it, long long* v) const;
  // 0-based ascending rank of a valid position.
  size_t RankOf(const ZIter& it) const;

  // ZCOUNT / ZLEXCOUNT: members from the first in range to the last in range.
  long long CountInRange(const ZRangeSpec& range) const;
  long long CountInLexRange(const ZLexRangeSpec& range) const;

  // ---- random access (ZRANDMEMBER) ----
  // One random position; the zset must not be empty.
  ZIter Random();
  // Listpack only: member offsets of `count` distinct random members
  // (count < size()), in listpack order (like lpRandomPairsUnique).
  void RandomUniqueListpack(size_t count, std::vector<size_t>* out) const;
  // Listpack only: all member offsets, ascending.
  void ListpackPositions(std::vector<size_t>* out) const;
  ZIter AtListpackPos(size_t pos) const {
    ZIter it;
    it.pos = pos;
    return it;
  }

  // ---- SCAN over the skiplist dict: f(ZDictNode*) ----
  template <class F>
  uint64_t ScanStep(uint64_t cursor, F&& f) {
    return sk()->dict.Scan(cursor, std::forward<F>(f));
  }

  // ---- bulk building (STORE results, RDB loading) ----
  // Appends a member known to be absent that sorts after every current one
  // (either encoding; no conversion).
  void AppendSorted(std::string_view member, double score);
  // Skiplist encoding only: inserts a member known to be absent.
  void InsertNewSkiplist(double score, std::string_view member);

  // Direct access for persistence and debugging.
  const Listpack& listpack() const { return lp_; }
  const ZSkipList* skiplist() const { return sk() ? &sk()->zsl : nullptr; }
  ZSetDict* dict() { return sk() ? &sk()->dict : nullptr; }

 private:
  struct Skip : public ZCounted {
    ZSkipList zsl;
    ZSetDict dict;
  };

  // Listpack helpers (pos = offset of a member entry).
  double LpScore(size_t member_pos) const;
  size_t LpNextPair(size_t member_pos) const { return lp_.Next(lp_.Next(member_pos)); }
  size_t LpPrevPair(size_t member_pos) const;
  size_t LpFind(std::string_view member, double* score) const;
  bool LpIsInRange(const ZRangeSpec& range) const;
  bool LpIsInLexRange(const ZLexRangeSpec& range) const;
  void LpInsert(std::string_view member, double score);
  void LpInsertAt(size_t pos, std::string_view member, double score);
  void LpAppendPair(std::string_view member, double score);

  // Skiplist helpers.
  void SkInsert(double score, std::string_view member, uint64_t hash);
  void SkRemoveDictEntry(std::string_view member);

  // One word holds either encoding, so the object is 16 bytes and a small
  // zset's entry block (header, key, object) fits a 64-byte malloc chunk:
  // the listpack (its pair count is its header's element count, as in
  // Redis), or the skiplist's address with the low bit set (malloc'd blocks
  // are 16-byte aligned: a listpack's address never has it).
  union {
    Listpack lp_;
    uintptr_t skip_bits_;
  };
  Skip* sk() const {
    uintptr_t w;
    memcpy(&w, &skip_bits_, sizeof w);  // the same word whichever member is live
    return (w & 1) ? reinterpret_cast<Skip*>(w & ~uintptr_t{1}) : nullptr;
  }
  size_t lp_pairs() const { return lp_.size() / 2; }
  // Listpack -> skiplist storage: frees the listpack and takes s.
  void AdoptSkip(Skip* s) {
    lp_.~Listpack();
    skip_bits_ = reinterpret_cast<uintptr_t>(s) | 1;
  }
  static void SkInsertInto(Skip* s, double score, std::string_view member, uint64_t hash);
};

static_assert(sizeof(ZSetValue) == 16, "a small zset's entry block is meant to fit a 64-byte chunk");

uint64_t CollectionRandom();  // hash_value.cc

}  // namespace tachyon
