#include "core/quicklist.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace tachyon {

namespace {

// Node byte limits for fill -1 .. -5.
constexpr size_t kOptimizationLevel[] = {4096, 8192, 16384, 32768, 65536};

size_t g_packed_threshold = Quicklist::kDefaultPackedThreshold;

// What merging two nodes is assumed to save when checking the limit. The
// real saving is 7 (listpack header 6 + end marker 1), but Redis 7.0 still
// subtracts the ziplist header/trailer size, 11, so a merged node may end up
// 4 bytes over the limit. Verified against 7.0.15 node layouts.
constexpr size_t kMergeSavingEstimate = 11;

}  // namespace

bool Quicklist::SetPackedThreshold(size_t sz) {
  if (sz > (size_t{1} << 32) - (size_t{1} << 20)) return false;
  g_packed_threshold = sz == 0 ? kDefaultPackedThreshold : sz;
  return true;
}

size_t Quicklist::PackedThreshold() { return g_packed_threshold; }

bool Quicklist::IsLarge(size_t sz) { return sz >= g_packed_threshold; }

// ---- lifetime ----

Quicklist::Quicklist(int fill, int compress_depth) {
  SetFill(fill);
  SetCompressDepth(compress_depth);
}

Quicklist::~Quicklist() { Clear(); }

void Quicklist::Clear() {
  QuicklistNode* n = head_;
  while (n) {
    QuicklistNode* next = n->next;
    delete n;
    n = next;
  }
  head_ = tail_ = nullptr;
  count_ = len_ = 0;
}

void Quicklist::CopyFrom(const Quicklist& other) {
  fill_ = other.fill_;
  compress_ = other.compress_;
  for (const QuicklistNode* n = other.head_; n; n = n->next) {
    auto* copy = new QuicklistNode;
    copy->lp = n->lp;
    copy->plain = n->plain;
    copy->count = n->count;
    copy->is_plain = n->is_plain;
    InsertNode(tail_, copy, true);
    count_ += copy->count;
  }
}

Quicklist::Quicklist(const Quicklist& other) { CopyFrom(other); }

Quicklist& Quicklist::operator=(const Quicklist& other) {
  if (this != &other) {
    Clear();
    CopyFrom(other);
  }
  return *this;
}

Quicklist::Quicklist(Quicklist&& other) noexcept
    : head_(other.head_),
      tail_(other.tail_),
      count_(other.count_),
      len_(other.len_),
      fill_(other.fill_),
      compress_(other.compress_) {
  other.head_ = other.tail_ = nullptr;
  other.count_ = other.len_ = 0;
}

Quicklist& Quicklist::operator=(Quicklist&& other) noexcept {
  if (this != &other) {
    Clear();
    head_ = other.head_;
    tail_ = other.tail_;
    count_ = other.count_;
    len_ = other.len_;
    fill_ = other.fill_;
    compress_ = other.compress_;
    other.head_ = other.tail_ = nullptr;
    other.count_ = other.len_ = 0;
  }
  return *this;
}

void Quicklist::SetFill(int fill) {
  if (fill > kFillMax) fill = kFillMax;
  if (fill < kFillMin) fill = kFillMin;
  fill_ = fill;
}

void Quicklist::SetCompressDepth(int depth) {
  // Stored only: nodes are never compressed (see the header comment).
  if (depth > kCompressMax) depth = kCompressMax;
  if (depth < 0) depth = 0;
  compress_ = depth;
}

// ---- fill rules ----

bool Quicklist::ExceedsLimit(size_t new_sz, size_t new_count) const {
  if (fill_ < 0) {
    size_t level = static_cast<size_t>(-fill_) - 1;
    const size_t levels = sizeof(kOptimizationLevel) / sizeof(kOptimizationLevel[0]);
    if (level >= levels) level = levels - 1;
    return new_sz > kOptimizationLevel[level];
  }
  const size_t count_limit = fill_ == 0 ? 1 : static_cast<size_t>(fill_);
  if (new_sz > kSizeSafetyLimit) return true;
  return new_count > count_limit;
}

bool Quicklist::NodeAllowInsert(const QuicklistNode* node, size_t sz) const {
  if (node == nullptr) return false;
  if (node->is_plain || IsLarge(sz)) return false;
  // Overestimate the bytes the entry adds (header + backlen <= 8 here is
  // only an estimate; Redis uses the same constant).
  return !ExceedsLimit(node->sz() + sz + kSizeEstimateOverhead, node->count + 1);
}

bool Quicklist::NodeAllowMerge(const QuicklistNode* a, const QuicklistNode* b) const {
  if (a == nullptr || b == nullptr) return false;
  if (a->is_plain || b->is_plain) return false;
  return !ExceedsLimit(a->sz() + b->sz() - kMergeSavingEstimate, size_t{a->count} + b->count);
}

// ---- node plumbing ----

void Quicklist::InsertNode(QuicklistNode* old_node, QuicklistNode* new_node, bool after) {
  if (after) {
    new_node->prev = old_node;
    if (old_node) {
      new_node->next = old_node->next;
      if (old_node->next) old_node->next->prev = new_node;
      old_node->next = new_node;
    }
    if (tail_ == old_node) tail_ = new_node;
  } else {
    new_node->next = old_node;
    if (old_node) {
      new_node->prev = old_node->prev;
      if (old_node->prev) old_node->prev->next = new_node;
      old_node->prev = new_node;
    }
    if (head_ == old_node) head_ = new_node;
  }
  if (len_ == 0) head_ = tail_ = new_node;
  ++len_;
}

void Quicklist::DelNode(QuicklistNode* node) {
  if (node->next) node->next->prev = node->prev;
  if (node->prev) node->prev->next = node->next;
  if (node == tail_) tail_ = node->prev;
  if (node == head_) head_ = node->next;
  --len_;
  count_ -= node->count;
  delete node;
}

bool Quicklist::DelIndex(QuicklistNode* node, size_t pos) {
  if (node->is_plain) {
    DelNode(node);
    return true;
  }
  node->lp.Delete(pos);
  --node->count;
  --count_;
  if (node->count == 0) {
    DelNode(node);
    return true;
  }
  return false;
}

QuicklistNode* Quicklist::NewPlainNode(std::string_view value) {
  auto* node = new QuicklistNode;
  node->is_plain = true;
  node->plain.assign(value.data(), value.size());
  node->count = 1;
  return node;
}

QuicklistNode* Quicklist::SplitNode(QuicklistNode* node, long offset, bool after) {
  // after:  node keeps [0, offset], the new node gets (offset, end].
  // before: node keeps [offset, end], the new node gets [0, offset).
  auto* new_node = new QuicklistNode;
  new_node->lp = node->lp;
  const size_t all = node->count;
  const size_t k = static_cast<size_t>(offset);
  if (after) {
    node->lp.DeleteRange(static_cast<long>(k + 1), all);
    new_node->lp.DeleteRange(0, k + 1);
  } else {
    node->lp.DeleteRange(0, k);
    new_node->lp.DeleteRange(static_cast<long>(k), all);
  }
  node->count = static_cast<uint32_t>(node->lp.size());
  new_node->count = static_cast<uint32_t>(new_node->lp.size());
  return new_node;
}

QuicklistNode* Quicklist::MergeListpacks(QuicklistNode* a, QuicklistNode* b) {
  // Keep the node whose listpack is larger, like lpMerge; a is left of b.
  QuicklistNode* keep;
  QuicklistNode* drop;
  if (a->lp.bytes() >= b->lp.bytes()) {
    a->lp.AppendAll(b->lp);
    keep = a;
    drop = b;
  } else {
    b->lp.PrependAll(a->lp);
    keep = b;
    drop = a;
  }
  keep->count = static_cast<uint32_t>(keep->lp.size());
  // The elements moved, they were not removed: keep count_ unchanged.
  drop->count = 0;
  DelNode(drop);
  return keep;
}

void Quicklist::MergeNodes(QuicklistNode* center) {
  QuicklistNode* prev = center->prev;
  QuicklistNode* prev_prev = prev ? prev->prev : nullptr;
  QuicklistNode* next = center->next;
  QuicklistNode* next_next = next ? next->next : nullptr;

  if (NodeAllowMerge(prev, prev_prev)) MergeListpacks(prev_prev, prev);
  if (NodeAllowMerge(next, next_next)) MergeListpacks(next, next_next);

  QuicklistNode* target;
  if (NodeAllowMerge(center, center->prev)) {
    target = MergeListpacks(center->prev, center);
  } else {
    target = center;
  }
  if (NodeAllowMerge(target, target->next)) MergeListpacks(target, target->next);
}

// ---- push / pop ----

void Quicklist::PushHead(std::string_view value) {
  if (IsLarge(value.size())) {
    InsertNode(head_, NewPlainNode(value), false);
    ++count_;
    return;
  }
  if (NodeAllowInsert(head_, value.size())) {
    head_->lp.Prepend(value);
  } else {
    auto* node = new QuicklistNode;
    node->lp.Prepend(value);
    InsertNode(head_, node, false);
  }
  ++count_;
  ++head_->count;
}

void Quicklist::PushTail(std::string_view value) {
  if (IsLarge(value.size())) {
    InsertNode(tail_, NewPlainNode(value), true);
    ++count_;
    return;
  }
  if (NodeAllowInsert(tail_, value.size())) {
    tail_->lp.Append(value);
  } else {
    auto* node = new QuicklistNode;
    node->lp.Append(value);
    InsertNode(tail_, node, true);
  }
  ++count_;
  ++tail_->count;
}

bool Quicklist::PopHead(std::string* out) {
  if (count_ == 0) return false;
  QuicklistNode* node = head_;
  const size_t pos = node->is_plain ? 0 : node->lp.First();
  if (out) *out = node->is_plain ? std::string(node->plain.data(), node->plain.size()) : node->lp.Get(pos).ToString();
  DelIndex(node, pos);
  return true;
}

bool Quicklist::PopTail(std::string* out) {
  if (count_ == 0) return false;
  QuicklistNode* node = tail_;
  const size_t pos = node->is_plain ? 0 : node->lp.Last();
  if (out) *out = node->is_plain ? std::string(node->plain.data(), node->plain.size()) : node->lp.Get(pos).ToString();
  DelIndex(node, pos);
  return true;
}

// ---- random access ----

bool Quicklist::Locate(long index, QuicklistNode** node, long* in_node) const {
  long long p = index;
  if (p < 0) p += static_cast<long long>(count_);
  if (p < 0 || static_cast<unsigned long long>(p) >= count_) return false;
  size_t pos = static_cast<size_t>(p);
  if (pos < count_ / 2) {
    QuicklistNode* n = head_;
    while (pos >= n->count) {
      pos -= n->count;
      n = n->next;
    }
    *node = n;
    *in_node = static_cast<long>(pos);
  } else {
    size_t from_tail = count_ - 1 - pos;  // 0 = last element
    QuicklistNode* n = tail_;
    while (from_tail >= n->count) {
      from_tail -= n->count;
      n = n->prev;
    }
    *node = n;
    *in_node = static_cast<long>(n->count - 1 - from_tail);
  }
  return true;
}

static void FillEntry(QuicklistNode* node, size_t pos, long offset, QlEntry* e) {
  e->node = node;
  e->pos = pos;
  e->offset = offset;
  if (node->is_plain) {
    e->value = LpValue();
    e->value.str = reinterpret_cast<const unsigned char*>(node->plain.data());
    e->value.len = static_cast<uint32_t>(node->plain.size());
  } else {
    e->value = node->lp.Get(pos);
  }
}

bool Quicklist::Index(long index, QlEntry* out) const {
  QuicklistNode* node;
  long k;
  if (!Locate(index, &node, &k)) return false;
  const size_t pos = node->is_plain ? 0 : node->lp.Seek(k);
  FillEntry(node, pos, k, out);
  return true;
}

bool Quicklist::ReplaceAtIndex(long index, std::string_view value) {
  QlEntry e;
  if (!Index(index, &e)) return false;
  ReplaceEntry(&e, value);
  return true;
}

void Quicklist::ReplaceEntry(QlEntry* entry, std::string_view value) {
  QuicklistNode* node = entry->node;
  if (!node->is_plain && !IsLarge(value.size())) {
    node->lp.Replace(entry->pos, value);
  } else if (node->is_plain) {
    if (IsLarge(value.size())) {
      node->plain.assign(value.data(), value.size());
    } else {
      Insert(*entry, value, true);
      DelNode(node);
    }
  } else {
    // A large value replacing an element of a packed node: insert it as a
    // plain node right after the element (splitting the node if needed),
    // then drop the element, now the last one of its node.
    Insert(*entry, value, true);
    if (node->count == 1) {
      DelNode(node);
    } else {
      DelIndex(node, node->lp.Last());
    }
  }
}

void Quicklist::InsertBefore(const QlEntry& entry, std::string_view value) {
  Insert(entry, value, false);
}

void Quicklist::InsertAfter(const QlEntry& entry, std::string_view value) {
  Insert(entry, value, true);
}

void Quicklist::Insert(const QlEntry& entry, std::string_view value, bool after) {
  const size_t sz = value.size();
  QuicklistNode* node = entry.node;
  if (node == nullptr) {
    // No reference element: the list is empty.
    if (after) {
      PushTail(value);
    } else {
      PushHead(value);
    }
    return;
  }
  const long cnt = static_cast<long>(node->count);
  const long k = entry.offset >= 0 ? entry.offset : cnt + entry.offset;
  const bool full = !NodeAllowInsert(node, sz);
  bool at_tail = false, at_head = false, avail_next = false, avail_prev = false;
  if (after && k == cnt - 1) {
    at_tail = true;
    avail_next = NodeAllowInsert(node->next, sz);
  }
  if (!after && k == 0) {
    at_head = true;
    avail_prev = NodeAllowInsert(node->prev, sz);
  }

  if (IsLarge(sz)) {
    if (node->is_plain || (at_tail && after) || (at_head && !after)) {
      InsertNode(node, NewPlainNode(value), after);
    } else {
      QuicklistNode* new_node = SplitNode(node, k, after);
      QuicklistNode* entry_node = NewPlainNode(value);
      InsertNode(node, entry_node, after);
      InsertNode(entry_node, new_node, after);
    }
    ++count_;
    return;
  }

  if (!full) {
    if (after) {
      node->lp.InsertAfter(entry.pos, value);
    } else {
      node->lp.InsertBefore(entry.pos, value);
    }
    ++node->count;
  } else if (at_tail && avail_next && after) {
    node->next->lp.Prepend(value);
    ++node->next->count;
  } else if (at_head && avail_prev && !after) {
    node->prev->lp.Append(value);
    ++node->prev->count;
  } else if ((at_tail && !avail_next && after) || (at_head && !avail_prev && !after)) {
    auto* new_node = new QuicklistNode;
    new_node->lp.Append(value);
    new_node->count = 1;
    InsertNode(node, new_node, after);
  } else {
    // Full node, insertion in its middle: split, put the value on the new
    // side, then merge whatever neighbours fit together.
    QuicklistNode* new_node = SplitNode(node, k, after);
    if (after) {
      new_node->lp.Prepend(value);
    } else {
      new_node->lp.Append(value);
    }
    ++new_node->count;
    InsertNode(node, new_node, after);
    MergeNodes(node);
  }
  ++count_;
}

bool Quicklist::InsertAtPivot(std::string_view pivot, std::string_view value, bool after) {
  Iterator it = GetIterator(true);
  QlEntry e;
  while (it.Next(&e)) {
    if (e.value.Equals(pivot)) {
      Insert(e, value, after);
      return true;
    }
  }
  return false;
}

size_t Quicklist::DelRange(long start, long count) {
  if (count <= 0) return 0;
  size_t extent = static_cast<size_t>(count);
  if (start >= 0) {
    if (static_cast<size_t>(start) >= count_) return 0;
    if (extent > count_ - static_cast<size_t>(start)) extent = count_ - static_cast<size_t>(start);
  } else {
    const size_t back = static_cast<size_t>(-(start + 1)) + 1;  // -start without overflow
    if (extent > back) extent = back;
  }
  QuicklistNode* node;
  long k;
  if (!Locate(start, &node, &k)) return 0;
  const size_t deleted = extent;
  size_t offset = static_cast<size_t>(k);
  while (extent > 0 && node) {
    QuicklistNode* next = node->next;
    size_t del;
    bool entire = false;
    if (offset == 0 && extent >= node->count) {
      entire = true;
      del = node->count;
    } else if (offset + extent >= node->count) {
      del = node->count - offset;
    } else {
      del = extent;
    }
    if (entire || node->is_plain) {
      DelNode(node);
    } else {
      node->lp.DeleteRange(static_cast<long>(offset), del);
      node->count -= static_cast<uint32_t>(del);
      count_ -= del;
      if (node->count == 0) DelNode(node);
    }
    extent -= del;
    node = next;
    offset = 0;
  }
  return deleted;
}

// ---- RDB helpers ----

void Quicklist::AppendListpackNode(Listpack&& lp) {
  auto* node = new QuicklistNode;
  node->lp = std::move(lp);
  node->count = static_cast<uint32_t>(node->lp.size());
  InsertNode(tail_, node, true);
  count_ += node->count;
}

void Quicklist::AppendPlainNode(std::string&& value) {
  auto* node = new QuicklistNode;
  node->is_plain = true;
  node->plain.assign(value.data(), value.size());
  node->count = 1;
  InsertNode(tail_, node, true);
  count_ += 1;
}

// ---- iteration ----

Quicklist::Iterator Quicklist::GetIterator(bool forward) {
  Iterator it;
  it.ql_ = this;
  it.forward_ = forward;
  it.cur_ = forward ? head_ : tail_;
  it.offset_ = forward ? 0 : -1;
  return it;
}

Quicklist::Iterator Quicklist::GetIteratorAtIndex(bool forward, long index) {
  Iterator it;
  it.ql_ = this;
  it.forward_ = forward;
  QuicklistNode* node;
  long k;
  if (!Locate(index, &node, &k)) return it;  // cur_ == nullptr: empty iteration
  it.cur_ = node;
  it.offset_ = forward ? k : k - static_cast<long>(node->count);
  return it;
}

bool Quicklist::Iterator::Next(QlEntry* entry) {
  while (cur_) {
    size_t p;
    if (pos_ == Listpack::npos) {
      p = cur_->is_plain ? 0 : cur_->lp.Seek(offset_);
    } else if (cur_->is_plain) {
      p = Listpack::npos;
    } else if (forward_) {
      p = cur_->lp.Next(pos_);
      ++offset_;
    } else {
      p = cur_->lp.Prev(pos_);
      --offset_;
    }
    if (p != Listpack::npos) {
      pos_ = p;
      FillEntry(cur_, p, offset_, entry);
      return true;
    }
    cur_ = forward_ ? cur_->next : cur_->prev;
    offset_ = forward_ ? 0 : -1;
    pos_ = Listpack::npos;
  }
  return false;
}

void Quicklist::Iterator::DelEntry(QlEntry* entry) {
  QuicklistNode* prev = entry->node->prev;
  QuicklistNode* next = entry->node->next;
  const bool gone = ql_->DelIndex(entry->node, entry->pos);
  // Re-seek by offset next time: forward, the following element now has
  // the deleted one's index; backward, the preceding element now has the
  // deleted one's distance from the tail.
  pos_ = Listpack::npos;
  if (gone) {
    cur_ = forward_ ? next : prev;
    offset_ = forward_ ? 0 : -1;
  }
  entry->node = nullptr;
}

// ---- introspection ----

size_t Quicklist::TotalNodeBytes() const {
  size_t n = 0;
  for (const QuicklistNode* x = head_; x; x = x->next) n += x->sz();
  return n;
}

size_t Quicklist::CountPlainNodes() const {
  size_t n = 0;
  for (const QuicklistNode* x = head_; x; x = x->next) n += x->is_plain ? 1 : 0;
  return n;
}

bool Quicklist::CheckInvariants() const {
  size_t nodes = 0, elems = 0;
  const QuicklistNode* prev = nullptr;
  for (const QuicklistNode* x = head_; x; x = x->next) {
    if (x->prev != prev) return false;
    if (x->count == 0) return false;
    if (x->is_plain) {
      if (x->count != 1) return false;
    } else {
      size_t n = 0;
      if (!Listpack::Validate(x->lp.data(), x->lp.bytes(), true, &n)) return false;
      if (n != x->count) return false;
    }
    ++nodes;
    elems += x->count;
    prev = x;
  }
  return prev == tail_ && nodes == len_ && elems == count_;
}

}  // namespace tachyon
