// Dict: intrusive chained hash table with incremental rehashing.
//
// Design
//   * Nodes are owned by the caller and linked through their own `next`
//     member; the table only allocates its bucket arrays (calloc'ed Node*
//     arrays, power-of-two sizes, minimum 4). No allocation per operation.
//   * Two tables, like Redis: ht_[0] is the live table; while resizing, ht_[1]
//     is the new one and rehash_idx_ is the next ht_[0] bucket to migrate
//     (every ht_[0] bucket below it is empty). Inserts go to ht_[1] while
//     rehashing. Find/FindLink/Insert/Remove/Random/Sample migrate a bucket
//     or a few (unless paused), and RehashMicroseconds/RehashSteps let a cron
//     finish the job, so no single operation pays for a whole resize.
//   * Grow when size >= buckets (load factor 1) to the next power of two
//     >= size+1 (i.e. double). Shrink (ShrinkIfNeeded, also tried after every
//     Remove) when fill < 10% and buckets > 4, to the next power of two >=
//     size. SetResizeAllowed(false) (while a fork()ed child snapshots, to
//     avoid copy-on-write of bucket pages) only grows past load factor 5 and
//     only shrinks below 2% fill.
//   * PauseRehash() stops migration (not growth) so callers can walk chains
//     safely; Scan/ForEach/Sample pause around their callbacks, so a callback
//     may call Find, but must not Insert or Remove.
//   * Traits supply Key(node) and Hash(node) (the hash the node was inserted
//     with, ideally cached in the node -- rehash calls it once per node when
//     growing). Optionally `static bool Equal(const Node*, std::string_view
//     key, uint64_t hash)` replaces the default `Key(node) == key`, e.g. to
//     compare a cached hash first or to compare case-insensitively.
//
// SCAN guarantee (reverse-binary cursor, as in Redis's dictScan)
//   The cursor is a bucket index whose bits are incremented from the most
//   significant end of the table mask. With a table of 2^k buckets, bucket b
//   of the table splits into buckets b and b + 2^k when it doubles, and those
//   two fold into b when it halves; both are just "more or fewer high bits".
//   Incrementing the reversed cursor enumerates all low-bit prefixes in an
//   order where, once the cursor has passed prefix p, every bucket of any
//   larger or smaller power-of-two table whose index starts with p (in the
//   low bits) has also been passed. So an element present for the whole scan
//   is returned at least once even if the table grows or shrinks between
//   calls; it may be returned more than once (e.g. after a shrink). While
//   rehashing, one call visits bucket (cursor & small_mask) of the smaller
//   table and every bucket of the larger table that expands it, so the pair
//   of tables behaves like the smaller one. The cursor returned is 0 when the
//   scan is complete.
#ifndef TACHYON_CORE_DICT_H_
#define TACHYON_CORE_DICT_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <type_traits>
#include <utility>
#include "core/zmalloc.h"

namespace tachyon {

namespace dict_internal {

// Does Traits provide Equal(const Node*, std::string_view, uint64_t)?
template <typename Traits, typename Node, typename = void>
struct HasEqual : std::false_type {};
template <typename Traits, typename Node>
struct HasEqual<Traits, Node,
                std::void_t<decltype(Traits::Equal(std::declval<const Node*>(),
                                                   std::string_view(), uint64_t()))>>
    : std::true_type {};

inline uint64_t Rev(uint64_t v) {  // bit reversal
  v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
  v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
  v = ((v >> 4) & 0x0f0f0f0f0f0f0f0full) | ((v & 0x0f0f0f0f0f0f0f0full) << 4);
  v = ((v >> 8) & 0x00ff00ff00ff00ffull) | ((v & 0x00ff00ff00ff00ffull) << 8);
  v = ((v >> 16) & 0x0000ffff0000ffffull) | ((v & 0x0000ffff0000ffffull) << 16);
  return (v >> 32) | (v << 32);
}

// Increment the bits of v under mask, starting from the mask's top bit.
inline uint64_t RevIncrement(uint64_t v, uint64_t mask) {
  v |= ~mask;  // so the carry runs through the bits above the mask
  return Rev(Rev(v) + 1);
}

// Default random source for Random/Sample: per-thread xorshift64*.
inline uint64_t DefaultRng() {
  static thread_local uint64_t s =
      0x9e3779b97f4a7c15ull ^ reinterpret_cast<uintptr_t>(&s) ^
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  s ^= s >> 12;
  s ^= s << 25;
  s ^= s >> 27;
  return s * 0x2545f4914f6cdd1dull;
}

}  // namespace dict_internal

template <typename Node, typename Traits>
class Dict : public ZCounted {
 public:
  static constexpr size_t kInitialSize = 4;
  static constexpr size_t kMinFillPercent = 10;  // shrink below this fill
  static constexpr size_t kForceResizeRatio = 5;  // when resize is disallowed
  static constexpr size_t kFairSample = 15;      // Random() sample size

  Dict() = default;
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;
  Dict(Dict&& o) noexcept { MoveFrom(o); }
  Dict& operator=(Dict&& o) noexcept {
    if (this != &o) {
      FreeTables();
      MoveFrom(o);
    }
    return *this;
  }
  // Frees the bucket arrays only: nodes belong to the caller (use Clear()).
  ~Dict() { FreeTables(); }

  size_t size() const { return ht_[0].used + ht_[1].used; }
  size_t buckets() const { return ht_[0].Size() + ht_[1].Size(); }
  // Per-table figures (0: the main table, 1: the rehashing target), for DEBUG HTSTATS.
  size_t table_size(int t) const { return ht_[t].Size(); }
  size_t table_used(int t) const { return ht_[t].used; }
  size_t ChainLength(int t, size_t slot) const {
    size_t n = 0;
    for (const Node* e = ht_[t].slots[slot]; e; e = e->next) n++;
    return n;
  }
  bool rehashing() const { return rehash_idx_ >= 0; }
  size_t MemoryUsage() const { return buckets() * sizeof(Node*); }
  // What the bucket arrays cost the allocator (see core/zmalloc.h).
  size_t AllocatedBytes() const { return ZMallocSize(ht_[0].slots) + ZMallocSize(ht_[1].slots); }

  void PauseRehash() { ++pause_; }
  void ResumeRehash() { --pause_; }
  void SetResizeAllowed(bool allowed) { resize_allowed_ = allowed; }

  Node* Find(std::string_view key, uint64_t hash) {
    Node** link = FindLink(key, hash);
    return link ? *link : nullptr;
  }

  // The slot that points at the node (bucket head or predecessor's `next`),
  // valid until the next call on this dict (even Find may migrate a bucket);
  // `replacement->next = (*link)->next; *link = replacement;` swaps in a
  // reallocated node with the same key.
  Node** FindLink(std::string_view key, uint64_t hash) {
    int table;
    return FindLinkIn(key, hash, &table);
  }

  // Caller guarantees the key is absent; `hash` must equal Traits::Hash(node).
  void Insert(Node* node, uint64_t hash) {
    if (rehashing()) {
      RehashSteps(1);
    } else {
      GrowIfNeeded();
    }
    Table& ht = ht_[rehashing() ? 1 : 0];
    Node** slot = &ht.slots[hash & ht.mask];
    node->next = *slot;
    *slot = node;
    ++ht.used;
  }

  // Unlinks and returns the node (caller frees it), nullptr if absent.
  Node* Remove(std::string_view key, uint64_t hash) {
    int table;
    Node** link = FindLinkIn(key, hash, &table);
    if (!link) return nullptr;
    Node* node = *link;
    *link = node->next;
    node->next = nullptr;
    --ht_[table].used;
    ShrinkIfNeeded();
    return node;
  }

  // Migrate up to n non-empty buckets (visiting at most 10*n empty ones).
  // Returns true if rehashing is still in progress. No-op while paused.
  bool RehashSteps(int n) {
    if (!rehashing() || pause_ > 0) return rehashing();
    Table& from = ht_[0];
    Table& to = ht_[1];
    size_t idx = static_cast<size_t>(rehash_idx_);
    size_t empty_visits = static_cast<size_t>(n) * 10;
    const bool shrinking = to.mask < from.mask;
    while (n-- > 0 && from.used != 0) {
      while (from.slots[idx] == nullptr) {  // used > 0: a full bucket lies ahead
        ++idx;
        if (--empty_visits == 0) {
          rehash_idx_ = static_cast<int64_t>(idx);
          return true;
        }
      }
      for (Node* e = from.slots[idx]; e;) {
        Node* next = e->next;
        // Shrinking keeps the low bits of the old index: no rehash needed.
        const size_t to_idx = shrinking ? (idx & to.mask) : (Traits::Hash(e) & to.mask);
        e->next = to.slots[to_idx];
        to.slots[to_idx] = e;
        --from.used;
        ++to.used;
        e = next;
      }
      from.slots[idx++] = nullptr;
    }
    rehash_idx_ = static_cast<int64_t>(idx);
    if (from.used != 0) return true;
    ZFree(from.slots);
    from = to;
    to = Table();
    rehash_idx_ = -1;
    return false;
  }

  // Rehash 100 buckets at a time for up to `us` microseconds.
  bool RehashMicroseconds(int64_t us) {
    if (pause_ > 0) return rehashing();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(us);
    while (RehashSteps(100)) {
      if (std::chrono::steady_clock::now() >= deadline) return true;
    }
    return false;
  }

  void ShrinkIfNeeded() {
    if (rehashing() || pause_ > 0) return;
    const size_t size = ht_[0].Size(), used = ht_[0].used;
    if (size <= kInitialSize) return;
    // fill < 10%, or < 2% while resizing is disallowed
    const size_t ratio = resize_allowed_ ? 1 : kForceResizeRatio;
    if (used * 100 * ratio < size * kMinFillPercent) Resize(used);
  }

  // Pre-size for at least n elements (grow only). Completes an ongoing rehash
  // first unless rehashing is paused, in which case this is a no-op.
  void Expand(size_t n) {
    if (rehashing()) {
      if (pause_ > 0) return;
      while (RehashSteps(1000)) {
      }
    }
    if (NextPower(n) > ht_[0].Size()) Resize(n);
  }

  // Reverse-binary cursor scan (see the file comment). Call with 0 first; the
  // returned cursor is 0 when done. fn(Node*) must not Insert/Remove.
  template <class F>
  uint64_t Scan(uint64_t cursor, F&& fn) {
    if (size() == 0) return 0;
    PauseRehash();
    if (!rehashing()) {
      const Table& t = ht_[0];
      EmitBucket(t.slots[cursor & t.mask], fn);
      cursor = dict_internal::RevIncrement(cursor, t.mask);
    } else {
      const Table* small = &ht_[0];
      const Table* large = &ht_[1];
      if (small->mask > large->mask) std::swap(small, large);
      const uint64_t m0 = small->mask, m1 = large->mask;
      EmitBucket(small->slots[cursor & m0], fn);
      // Visit every large-table bucket whose low bits equal cursor & m0. The
      // increment walks the bits in m1 & ~m0; when they wrap to zero the
      // carry advances the m0 part, which is the next small-table cursor.
      do {
        EmitBucket(large->slots[cursor & m1], fn);
        cursor = dict_internal::RevIncrement(cursor, m1);
      } while (cursor & (m0 ^ m1));
    }
    ResumeRehash();
    return cursor;
  }

  // Random element, roughly uniform: sample up to kFairSample elements from
  // random contiguous buckets and pick one of them (a plain random bucket
  // would favor elements in short chains). nullptr if empty.
  Node* Random(uint64_t (*rng)() = &dict_internal::DefaultRng) {
    if (size() == 0) return nullptr;
    Node* picked[kFairSample];
    size_t n = 0;
    Sample(kFairSample, [&](Node* e) { picked[n++] = e; }, rng);
    if (n == 0) return RandomBucketElement(rng);
    return picked[rng() % n];
  }

  // Calls fn(Node*) for up to `count` elements taken from random runs of
  // contiguous buckets (cheap, not uniform, may rarely repeat an element; for
  // eviction / expiry sampling). Returns the number of calls. fn must not
  // Insert/Remove.
  template <class F>
  size_t Sample(size_t count, F&& fn, uint64_t (*rng)() = &dict_internal::DefaultRng) {
    if (count > size()) count = size();
    if (count == 0) return 0;
    RehashSteps(static_cast<int>(count < 1000 ? count : 1000));
    PauseRehash();
    const int tables = rehashing() ? 2 : 1;
    size_t max_mask = ht_[0].mask;
    if (tables == 2 && ht_[1].mask > max_mask) max_mask = ht_[1].mask;
    size_t i = rng() & max_mask;
    size_t stored = 0, empty_run = 0, steps = count * 10;
    while (stored < count && steps-- > 0) {
      for (int t = 0; t < tables && stored < count; ++t) {
        if (tables == 2 && t == 0 && i < static_cast<size_t>(rehash_idx_)) {
          // Migrated part of ht_[0] is empty. If i is also past the end of a
          // smaller ht_[1], jump to the unmigrated part of ht_[0].
          if (i >= ht_[1].Size()) {
            i = static_cast<size_t>(rehash_idx_);
          } else {
            continue;
          }
        }
        const Table& ht = ht_[t];
        if (i >= ht.Size()) continue;
        Node* e = ht.slots[i];
        if (e == nullptr) {
          // Long empty runs: restart somewhere else.
          if (++empty_run >= 5 && empty_run > count) {
            i = rng() & max_mask;
            empty_run = 0;
          }
          continue;
        }
        empty_run = 0;
        for (; e && stored < count; e = e->next) {
          fn(e);
          ++stored;
        }
      }
      i = (i + 1) & max_mask;
    }
    ResumeRehash();
    return stored;
  }

  // fn(Node*) for every element; fn must not Insert/Remove.
  template <class F>
  void ForEach(F&& fn) {
    PauseRehash();
    for (Table& ht : ht_) {
      for (size_t i = 0; i < ht.Size(); ++i) {
        for (Node* e = ht.slots[i]; e;) {
          Node* next = e->next;
          fn(e);
          e = next;
        }
      }
    }
    ResumeRehash();
  }

  // The same iteration and a lookup that write nothing -- no pause counter, no
  // bucket migration -- for readers that must leave the memory untouched: a
  // fork()ed child writing a snapshot would otherwise copy every page holding
  // a table. fn must not modify the dict.
  template <class F>
  void ForEachReadOnly(F&& fn) const {
    for (const Table& ht : ht_) {
      for (size_t i = 0; i < ht.Size(); ++i) {
        for (Node* e = ht.slots[i]; e; e = e->next) fn(e);
      }
    }
  }
  Node* Peek(std::string_view key, uint64_t hash) const {
    if (size() == 0) return nullptr;
    for (int t = 0; t <= 1; ++t) {
      const Table& ht = ht_[t];
      if (!ht.slots) continue;
      for (Node* e = ht.slots[hash & ht.mask]; e; e = e->next) {
        if (Equal(e, key, hash)) return e;
      }
    }
    return nullptr;
  }

  // fn(const Node*) for the first `limit` elements in table order, without
  // touching the tables (MEMORY USAGE's samples). Returns the number visited.
  template <class F>
  size_t Walk(size_t limit, F&& fn) const {
    size_t n = 0;
    for (const Table& ht : ht_) {
      for (size_t i = 0; i < ht.Size() && n < limit; ++i) {
        for (const Node* e = ht.slots[i]; e && n < limit; e = e->next, ++n) fn(e);
      }
    }
    return n;
  }

  // free_node(Node*) for every element, then back to the empty state.
  template <class F>
  void Clear(F&& free_node) {
    for (Table& ht : ht_) {
      for (size_t i = 0; i < ht.Size(); ++i) {
        for (Node* e = ht.slots[i]; e;) {
          Node* next = e->next;
          free_node(e);
          e = next;
        }
      }
    }
    FreeTables();
  }

 private:
  struct Table {
    Node** slots = nullptr;
    size_t mask = 0;  // Size() - 1 when allocated
    size_t used = 0;
    size_t Size() const { return slots ? mask + 1 : 0; }
  };

  static bool Equal(const Node* node, std::string_view key, uint64_t hash) {
    if constexpr (dict_internal::HasEqual<Traits, Node>::value) {
      return Traits::Equal(node, key, hash);
    } else {
      return Traits::Key(node) == key;
    }
  }

  Node** FindLinkIn(std::string_view key, uint64_t hash, int* table) {
    if (size() == 0) return nullptr;
    if (rehashing()) RehashSteps(1);
    for (int t = 0; t <= 1; ++t) {
      const Table& ht = ht_[t];
      const size_t idx = hash & ht.mask;
      // ht_[0] buckets below rehash_idx_ are already migrated (empty).
      if (t == 0 && rehashing() && idx < static_cast<size_t>(rehash_idx_)) continue;
      for (Node** link = &ht.slots[idx]; *link; link = &(*link)->next) {
        if (Equal(*link, key, hash)) {
          *table = t;
          return link;
        }
      }
      if (!rehashing()) break;
    }
    return nullptr;
  }

  static size_t NextPower(size_t n) {
    size_t p = kInitialSize;
    while (p < n && p <= (SIZE_MAX >> 2) / sizeof(Node*)) p <<= 1;
    return p;
  }

  template <class F>
  static void EmitBucket(Node* e, F& fn) {
    while (e) {
      Node* next = e->next;
      fn(e);
      e = next;
    }
  }

  void GrowIfNeeded() {
    const size_t size = ht_[0].Size(), used = ht_[0].used;
    if (size == 0) {
      if (!Resize(kInitialSize)) {
        std::fputs("tachyon::Dict: out of memory\n", stderr);
        std::abort();
      }
    } else if (used >= size && (resize_allowed_ || used > size * kForceResizeRatio)) {
      Resize(used + 1);  // on allocation failure keep going with longer chains
    }
  }

  // Allocate a table for n elements; start rehashing into it (or install it
  // directly if empty). Precondition: not rehashing.
  bool Resize(size_t n) {
    const size_t new_size = NextPower(n);
    if (new_size == ht_[0].Size()) return true;
    Node** slots = static_cast<Node**>(ZCalloc(new_size * sizeof(Node*)));
    if (slots == nullptr) return false;
    Table t;
    t.slots = slots;
    t.mask = new_size - 1;
    if (ht_[0].slots == nullptr) {
      ht_[0] = t;
    } else if (ht_[0].used == 0) {  // nothing to migrate
      ZFree(ht_[0].slots);
      ht_[0] = t;
    } else {
      ht_[1] = t;
      rehash_idx_ = 0;
    }
    return true;
  }

  // Fallback for Random when sampling found nothing: random non-empty bucket
  // (over both tables' unmigrated buckets), then a random chain element.
  Node* RandomBucketElement(uint64_t (*rng)()) {
    RehashSteps(1);
    Node* e = nullptr;
    if (rehashing()) {
      const size_t s0 = ht_[0].Size(), first = static_cast<size_t>(rehash_idx_);
      const size_t span = s0 + ht_[1].Size() - first;
      do {
        const size_t h = first + rng() % span;
        e = h >= s0 ? ht_[1].slots[h - s0] : ht_[0].slots[h];
      } while (e == nullptr);
    } else {
      do {
        e = ht_[0].slots[rng() & ht_[0].mask];
      } while (e == nullptr);
    }
    size_t len = 0;
    for (Node* x = e; x; x = x->next) ++len;
    for (size_t k = rng() % len; k > 0; --k) e = e->next;
    return e;
  }

  void FreeTables() {
    ZFree(ht_[0].slots);
    ZFree(ht_[1].slots);
    ht_[0] = Table();
    ht_[1] = Table();
    rehash_idx_ = -1;
  }

  void MoveFrom(Dict& o) {
    ht_[0] = o.ht_[0];
    ht_[1] = o.ht_[1];
    rehash_idx_ = o.rehash_idx_;
    pause_ = o.pause_;
    resize_allowed_ = o.resize_allowed_;
    o.ht_[0] = Table();
    o.ht_[1] = Table();
    o.rehash_idx_ = -1;
    o.pause_ = 0;
  }

  Table ht_[2];
  int64_t rehash_idx_ = -1;  // next ht_[0] bucket to migrate; -1: not rehashing
  int pause_ = 0;            // > 0: no bucket migration (and no shrinking)
  bool resize_allowed_ = true;
};

}  // namespace tachyon

#endif  // TACHYON_CORE_DICT_H_
