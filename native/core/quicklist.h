// Quicklist: Redis 7.0's list representation -- a doubly linked list of
// listpack nodes -- with the same node-filling rules, so that node layouts
// (visible through DEBUG OBJECT ql_nodes and in RDB_TYPE_LIST_QUICKLIST_2
// payloads, which store one listpack per node) match Redis.
//
// Encoding note (verified against redis-server 7.0.15): Redis 7.0 has no
// listpack encoding for lists. Every list, even a one-element list, is
// created as a quicklist and OBJECT ENCODING reports "quicklist"; the
// "listpack" list encoding and listpack<->quicklist conversions only arrived
// in 7.2. So a 7.0-compatible list type is always a Quicklist, and there are
// no conversion rules to implement.
//
// Node filling (list-max-listpack-size = `fill`, clamped to -5..32767):
//   * fill < 0: a node's listpack may hold at most 4/8/16/32/64 KB for
//     fill -1/-2/-3/-4/-5 (default -2 = 8 KB).
//   * fill >= 0: at most `fill` entries per node (0 behaves as 1), and never
//     more than 8 KB (SIZE_SAFETY_LIMIT) regardless.
//   * Before adding an element of sz bytes to a node, the new size is
//     estimated as node_bytes + sz + 8 (SIZE_ESTIMATE_OVERHEAD) and checked
//     against the limit, exactly like 7.0.15 (e.g. with fill -2, 682 pushes
//     of a 10-byte string give nodes of 681 + 1 entries).
//   * Elements of packed_threshold bytes or more (1 GB by default, settable
//     like DEBUG QUICKLIST-PACKED-THRESHOLD) live alone in a "plain" node
//     that holds the raw bytes instead of a listpack.
//   * Inserting into the middle of a full node splits it and then tries to
//     merge neighbours (merged size estimated as a + b - 11, a 7.0 quirk
//     inherited from ziplists), as Redis does.
//     Deletions never merge nodes.
//
// Compression (list-compress-depth): the depth is accepted and stored but
// nodes are NOT LZF-compressed -- this implementation keeps every node raw.
// That only affects memory use (and DEBUG OBJECT ql_compressed); RDB
// output stays loadable by Redis, which accepts raw nodes at any depth.
//
// Values read from the list are LpValue: an integer or a string_view into
// the node, valid until the next mutation of the list.
#ifndef TACHYON_CORE_QUICKLIST_H_
#define TACHYON_CORE_QUICKLIST_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/listpack.h"
#include "core/zmalloc.h"

namespace tachyon {

// The bytes of a plain node's element: one counted block [length][bytes],
// a single pointer in the node (a std::string would make every node, plain
// or not, 24 bytes bigger and push it into a bigger malloc chunk).
class PlainBytes {
 public:
  PlainBytes() = default;
  PlainBytes(const PlainBytes& o) { assign(o.data(), o.size()); }
  PlainBytes& operator=(const PlainBytes& o) {
    if (this != &o) assign(o.data(), o.size());
    return *this;
  }
  ~PlainBytes() { ZFree(block_); }

  void assign(const char* p, size_t n) {
    auto* b = static_cast<char*>(ZMalloc(sizeof(size_t) + n));
    memcpy(b, &n, sizeof n);
    if (n) memcpy(b + sizeof n, p, n);
    ZFree(block_);
    block_ = b;
  }
  size_t size() const {
    size_t n = 0;
    if (block_) memcpy(&n, block_, sizeof n);
    return n;
  }
  const char* data() const { return block_ ? block_ + sizeof(size_t) : ""; }
  operator std::string_view() const { return {data(), size()}; }  // NOLINT: a view of the bytes
  // The block itself (null when empty), for ZMallocSize.
  const void* block() const { return block_; }

 private:
  char* block_ = nullptr;
};

// 40 bytes (48-byte malloc chunk), like Redis's 32-byte quicklistNode in
// jemalloc's 32-byte class plus glibc's chunk header.
struct QuicklistNode : public ZCounted {
  QuicklistNode* prev = nullptr;
  QuicklistNode* next = nullptr;
  Listpack lp;        // the elements of a packed node
  PlainBytes plain;   // the single element of a plain node
  uint32_t count = 0;
  bool is_plain = false;

  // Bytes of the node's payload (listpack size, or the plain element size).
  size_t sz() const { return is_plain ? plain.size() : lp.bytes(); }
};
static_assert(sizeof(QuicklistNode) == 40, "a node is meant to fit a 48-byte malloc chunk");

// One element found by an iterator or by index.
struct QlEntry {
  QuicklistNode* node = nullptr;
  size_t pos = 0;   // byte offset in node->lp (0 for a plain node)
  long offset = 0;  // index inside the node: >= 0 from its head, < 0 from its tail
  LpValue value;
};

class Quicklist {
 public:
  static constexpr size_t kSizeSafetyLimit = 8192;
  static constexpr size_t kSizeEstimateOverhead = 8;
  static constexpr int kFillMax = 32767;  // (1 << 15) - 1
  static constexpr int kFillMin = -5;
  static constexpr int kCompressMax = 65535;
  static constexpr size_t kDefaultPackedThreshold = size_t{1} << 30;

  explicit Quicklist(int fill = -2, int compress_depth = 0);
  ~Quicklist();
  Quicklist(const Quicklist& other);  // deep copy, same node layout
  Quicklist& operator=(const Quicklist& other);
  Quicklist(Quicklist&& other) noexcept;
  Quicklist& operator=(Quicklist&& other) noexcept;

  // Process-wide threshold for plain nodes. 0 restores 1 GB; values above
  // 4 GB - 1 MB are refused (returns false), like Redis.
  static bool SetPackedThreshold(size_t sz);
  static size_t PackedThreshold();

  void SetFill(int fill);
  void SetCompressDepth(int depth);
  int fill() const { return fill_; }
  int compress_depth() const { return compress_; }

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  size_t node_count() const { return len_; }
  QuicklistNode* head() const { return head_; }
  QuicklistNode* tail() const { return tail_; }

  void PushHead(std::string_view value);
  void PushTail(std::string_view value);
  // Remove the first / last element into *out (may be null). False if empty.
  bool PopHead(std::string* out);
  bool PopTail(std::string* out);

  // Element at index (negative from the tail); false if out of range.
  bool Index(long index, QlEntry* out) const;
  // LSET: false if the index is out of range.
  bool ReplaceAtIndex(long index, std::string_view value);
  // Replace the element of an entry obtained from Index() or an iterator
  // (any iterator over this list is invalidated).
  void ReplaceEntry(QlEntry* entry, std::string_view value);
  // Insert value before / after the element of entry (LINSERT); any
  // iterator over this list is invalidated.
  void InsertBefore(const QlEntry& entry, std::string_view value);
  void InsertAfter(const QlEntry& entry, std::string_view value);
  // LINSERT: insert value before / after the first element (from the head)
  // equal to pivot. Returns false if there is no such element.
  bool InsertAtPivot(std::string_view pivot, std::string_view value, bool after);
  // Delete count elements starting at start (negative from the tail),
  // clamped to the end of the list. Returns how many were deleted.
  size_t DelRange(long start, long count);
  void Clear();

  // RDB loading: append a whole node. The listpack must be valid and
  // non-empty; a plain node holds exactly one element.
  void AppendListpackNode(Listpack&& lp);
  void AppendPlainNode(std::string&& value);

  class Iterator {
   public:
    // Next element in the iteration direction; false at the end. After
    // Insert*/Replace* (or any change other than DelEntry) the iterator
    // must not be used again.
    bool Next(QlEntry* entry);
    // Delete the element last returned by Next; iteration continues with
    // the element after it (in the iteration direction).
    void DelEntry(QlEntry* entry);
    bool forward() const { return forward_; }

   private:
    friend class Quicklist;
    Quicklist* ql_ = nullptr;
    QuicklistNode* cur_ = nullptr;
    size_t pos_ = Listpack::npos;  // npos: seek by offset_ on the next call
    long offset_ = 0;
    bool forward_ = true;
  };

  // Iterate from the head (forward) or from the tail (backward).
  Iterator GetIterator(bool forward);
  // Iterate starting at element index (negative from the tail), in the
  // given direction. If index is out of range, Next() returns false.
  Iterator GetIteratorAtIndex(bool forward, long index);

  // Sum of the node payload sizes (DEBUG OBJECT's ql_uncompressed_size).
  size_t TotalNodeBytes() const;
  // Number of plain nodes; for tests and DEBUG-style introspection.
  size_t CountPlainNodes() const;
  // Check links, counts and listpack integrity; for tests.
  bool CheckInvariants() const;

 private:
  static bool IsLarge(size_t sz);
  bool NodeAllowInsert(const QuicklistNode* node, size_t sz) const;
  bool NodeAllowMerge(const QuicklistNode* a, const QuicklistNode* b) const;
  bool ExceedsLimit(size_t new_sz, size_t new_count) const;
  void InsertNode(QuicklistNode* old_node, QuicklistNode* new_node, bool after);
  void DelNode(QuicklistNode* node);
  // Delete the element at pos of node; returns true if the node went away.
  bool DelIndex(QuicklistNode* node, size_t pos);
  QuicklistNode* NewPlainNode(std::string_view value);
  QuicklistNode* SplitNode(QuicklistNode* node, long offset, bool after);
  QuicklistNode* MergeListpacks(QuicklistNode* a, QuicklistNode* b);
  void MergeNodes(QuicklistNode* center);
  void Insert(const QlEntry& entry, std::string_view value, bool after);
  // Locate element index: node and index inside it. False if out of range.
  bool Locate(long index, QuicklistNode** node, long* in_node) const;
  void CopyFrom(const Quicklist& other);

  QuicklistNode* head_ = nullptr;
  QuicklistNode* tail_ = nullptr;
  size_t count_ = 0;  // elements
  size_t len_ = 0;    // nodes
  int fill_ = -2;
  int compress_ = 0;
};

}  // namespace tachyon

#endif  // TACHYON_CORE_QUICKLIST_H_
