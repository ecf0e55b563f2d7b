// ZSkipList: the ordered half of a skiplist-encoded sorted set, with Redis's
// semantics (t_zset.c).
//
//   * Order: by score, then by member bytes (memcmp, shorter first on a tie:
//     sdscmp order). Members are unique per list; the caller (the zset type,
//     which pairs this with a member -> node dict) guarantees that.
//   * Levels: at most kMaxLevel = 32; a new node gets level 1 and climbs one
//     more with probability 1/4 each time (Redis's ZSKIPLIST_P, tested on 16
//     random bits like zslRandomLevel).
//   * Every forward link carries a span (how many level-0 steps it skips), so
//     rank lookups are O(log n). Ranks are 1-based, like zslGetRank.
//   * A node is one allocation: score, backward link, height, member length,
//     the level array, then the member bytes. member() stays valid and at
//     the same address for the node's whole life -- a dict may key on it.
//     UpdateScore never reallocates the node (it relinks the same node when
//     the order changes), so node pointers held elsewhere stay valid.
//   * Range queries mirror zslIsInRange / zslFirstInRange / zslLastInRange
//     and their lex counterparts; the Delete*Range functions call a callback
//     with each node just before freeing it (so the caller can drop its dict
//     entry), and return the number removed.
//
// ParseScoreRange / ParseLexRange parse ZRANGEBYSCORE / ZRANGEBYLEX style
// bounds exactly like Redis 7.0's zslParseRange / zslParseLexRange.
#ifndef TACHYON_CORE_SKIPLIST_H_
#define TACHYON_CORE_SKIPLIST_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace tachyon {

// A score interval; min/max may be +-inf. Exclusive bounds have the flag set.
struct ZRangeSpec {
  double min = 0, max = 0;
  bool minex = false, maxex = false;
};

// One side of a lex interval: "-" (below everything), "+" (above
// everything) or a member, inclusive "[" or exclusive "(".
struct ZLexBound {
  enum Kind : uint8_t { kMinusInf, kPlusInf, kValue };
  Kind kind = kValue;
  bool exclusive = false;
  std::string value;
};

struct ZLexRangeSpec {
  ZLexBound min, max;
};

// "(1.5" exclusive, "1.5" inclusive, "-inf"/"+inf"/"inf"... using strtod on
// the text up to its first NUL byte, which must be consumed entirely: so
// leading spaces, hex floats and "" (= 0) are accepted, NaN is rejected,
// overflow gives +-inf -- all as Redis does. Returns false on error.
bool ParseScoreRange(std::string_view min, std::string_view max, ZRangeSpec* spec);
// "-", "+" (alone), "[member", "(member". Returns false on error.
bool ParseLexRange(std::string_view min, std::string_view max, ZLexRangeSpec* spec);

// Score-bound tests (zslValueGteMin / zslValueLteMax).
inline bool ZslValueGteMin(double v, const ZRangeSpec& r) {
  return r.minex ? v > r.min : v >= r.min;
}
inline bool ZslValueLteMax(double v, const ZRangeSpec& r) {
  return r.maxex ? v < r.max : v <= r.max;
}
// Lex-bound tests for a real member.
bool ZslLexValueGteMin(std::string_view v, const ZLexRangeSpec& r);
bool ZslLexValueLteMax(std::string_view v, const ZLexRangeSpec& r);
// False when the interval is empty by construction (min > max, or equal
// with an exclusive side). Usable for listpack-encoded zsets too.
bool ZslScoreRangeNonEmpty(const ZRangeSpec& r);
bool ZslLexRangeNonEmpty(const ZLexRangeSpec& r);

// sdscmp order: memcmp on the common prefix, then the shorter one first.
int ZslCompareMembers(std::string_view a, std::string_view b);

struct ZSkipNode {
  struct Level {
    ZSkipNode* forward;
    unsigned long span;
  };

  double score;
  ZSkipNode* backward;  // nullptr for the first node
  uint32_t member_len;
  uint8_t height;

  Level* levels() { return reinterpret_cast<Level*>(this + 1); }
  const Level* levels() const { return reinterpret_cast<const Level*>(this + 1); }
  std::string_view member() const {
    return std::string_view(reinterpret_cast<const char*>(levels() + height), member_len);
  }
  // Next / previous node in order (nullptr at the ends).
  ZSkipNode* next() const { return levels()[0].forward; }
  ZSkipNode* prev() const { return backward; }
};
static_assert(sizeof(ZSkipNode) % alignof(ZSkipNode::Level) == 0,
              "level array must be aligned right after the node");

class ZSkipList {
 public:
  static constexpr int kMaxLevel = 32;

  ZSkipList();
  ~ZSkipList();
  ZSkipList(const ZSkipList&) = delete;
  ZSkipList& operator=(const ZSkipList&) = delete;
  ZSkipList(ZSkipList&& other) noexcept;
  ZSkipList& operator=(ZSkipList&& other) noexcept;

  unsigned long length() const { return length_; }
  int level() const { return level_; }
  ZSkipNode* first() const { return header_->levels()[0].forward; }
  const ZSkipNode* header() const { return header_; }
  ZSkipNode* last() const { return tail_; }

  // Inserts a new member (which must not be present). Returns its node.
  ZSkipNode* Insert(double score, std::string_view member);
  // Removes the node with this exact score and member. Returns true if found.
  bool Delete(double score, std::string_view member);
  // Moves the member from curscore (must match its current score) to
  // newscore. Updates in place when the node stays between its neighbours
  // (strict score comparison, like zslUpdateScore), otherwise relinks the
  // same node. Returns the node (always the same pointer).
  ZSkipNode* UpdateScore(double curscore, std::string_view member, double newscore);
  // Node with this exact score and member, or nullptr. O(log n).
  ZSkipNode* Find(double score, std::string_view member) const;

  // 1-based rank of (score, member), 0 if not present.
  unsigned long GetRank(double score, std::string_view member) const;
  // Node at 1-based rank, nullptr if out of range.
  ZSkipNode* GetByRank(unsigned long rank) const;

  bool IsInRange(const ZRangeSpec& range) const;
  ZSkipNode* FirstInRange(const ZRangeSpec& range) const;
  ZSkipNode* LastInRange(const ZRangeSpec& range) const;
  bool IsInLexRange(const ZLexRangeSpec& range) const;
  ZSkipNode* FirstInLexRange(const ZLexRangeSpec& range) const;
  ZSkipNode* LastInLexRange(const ZLexRangeSpec& range) const;

  // Remove every node in the range, calling on_remove(const ZSkipNode&) for
  // each just before it is freed. Ranks are 1-based and inclusive.
  template <typename F>
  unsigned long DeleteRangeByScore(const ZRangeSpec& range, F&& on_remove) {
    return DeleteRangeByScoreImpl(range, &Thunk<F>, &on_remove);
  }
  template <typename F>
  unsigned long DeleteRangeByLex(const ZLexRangeSpec& range, F&& on_remove) {
    return DeleteRangeByLexImpl(range, &Thunk<F>, &on_remove);
  }
  template <typename F>
  unsigned long DeleteRangeByRank(unsigned long start, unsigned long end, F&& on_remove) {
    return DeleteRangeByRankImpl(start, end, &Thunk<F>, &on_remove);
  }
  unsigned long DeleteRangeByScore(const ZRangeSpec& range) {
    return DeleteRangeByScoreImpl(range, nullptr, nullptr);
  }
  unsigned long DeleteRangeByLex(const ZLexRangeSpec& range) {
    return DeleteRangeByLexImpl(range, nullptr, nullptr);
  }
  unsigned long DeleteRangeByRank(unsigned long start, unsigned long end) {
    return DeleteRangeByRankImpl(start, end, nullptr, nullptr);
  }

  void Clear();

  // Deterministic level generation for tests (the default seed is fixed
  // per process; levels only affect speed, never results). The generator
  // is process-global and not thread-safe, like the rest of the data path.
  static void SeedRandom(uint64_t seed);
  // Internal consistency check (spans, backward links, order, length);
  // for tests. Returns false on the first violation.
  bool CheckInvariants() const;

 private:
  using RemoveFn = void (*)(void* ctx, const ZSkipNode& node);
  template <typename F>
  static void Thunk(void* ctx, const ZSkipNode& node) {
    (*static_cast<std::remove_reference_t<F>*>(ctx))(node);
  }

  static ZSkipNode* NewNode(int height, double score, std::string_view member);
  static void FreeNode(ZSkipNode* node);
  static int RandomLevel();
  void Link(ZSkipNode* x, ZSkipNode** update, unsigned long* rank);
  void Unlink(ZSkipNode* x, ZSkipNode** update);
  // Finds update[] for (score, member); returns the candidate node after it.
  ZSkipNode* FindUpdate(double score, std::string_view member, ZSkipNode** update) const;
  // FindUpdate that returns the node holding exactly (score, member), or nullptr.
  ZSkipNode* FindExact(double score, std::string_view member, ZSkipNode** update) const;
  // update[] and rank[] (Link's inputs) for inserting (score, member).
  void FindInsert(double score, std::string_view member, ZSkipNode** update, unsigned long* rank) const;
  unsigned long DeleteRangeByScoreImpl(const ZRangeSpec& range, RemoveFn fn, void* ctx);
  unsigned long DeleteRangeByLexImpl(const ZLexRangeSpec& range, RemoveFn fn, void* ctx);
  unsigned long DeleteRangeByRankImpl(unsigned long start, unsigned long end, RemoveFn fn,
                                      void* ctx);

  ZSkipNode* header_;
  ZSkipNode* tail_ = nullptr;
  unsigned long length_ = 0;
  int level_ = 1;
};

}  // namespace tachyon

#endif  // TACHYON_CORE_SKIPLIST_H_
