// StreamValue: appending, trimming, deleting and iterating entries across the
// node map, consumer groups and their PELs, and 7.0's lag arithmetic.
// See stream_value.h.
#include "server/stream_value.h"

#include <malloc.h>

#include <array>
#include <utility>
#include <vector>
#include "core/zmalloc.h"

namespace tachyon {

using stream_node::NodeEntry;
using stream_node::Master;

// ---------------------------------------------------------------------------
// Groups

StreamConsumer* StreamGroup::FindConsumer(std::string_view name) {
  auto it = consumers.find(std::string(name));
  return it == consumers.end() ? nullptr : it->second.get();
}

StreamConsumer* StreamGroup::CreateConsumer(std::string_view name, int64_t now_ms) {
  auto [it, inserted] = consumers.try_emplace(std::string(name));
  if (!inserted) return nullptr;
  it->second = std::make_unique<StreamConsumer>();
  it->second->name.assign(name);
  it->second->seen_time = now_ms;
  return it->second.get();
}

void StreamGroup::DeleteConsumer(StreamConsumer* consumer) {
  for (const auto& [id, nack] : consumer->pel) pel.erase(id);
  consumers.erase(consumer->name);
}

StreamNack* StreamGroup::Deliver(const StreamId& id, StreamConsumer* consumer, int64_t now_ms) {
  auto [it, inserted] = pel.try_emplace(id);
  StreamNack* nack = &it->second;
  if (!inserted && nack->consumer) nack->consumer->pel.erase(id);
  nack->consumer = consumer;
  nack->delivery_time = now_ms;
  nack->delivery_count = 1;
  consumer->pel[id] = nack;
  return nack;
}

bool StreamGroup::Acknowledge(const StreamId& id) {
  auto it = pel.find(id);
  if (it == pel.end()) return false;
  if (it->second.consumer) it->second.consumer->pel.erase(id);
  pel.erase(it);
  return true;
}

void StreamGroup::Transfer(const StreamId& id, StreamNack* nack, StreamConsumer* consumer) {
  if (nack->consumer == consumer) return;
  if (nack->consumer) nack->consumer->pel.erase(id);
  consumer->pel[id] = nack;
  nack->consumer = consumer;
}

StreamNack* StreamGroup::AddPendingUnowned(const StreamId& id, int64_t delivery_time, uint64_t delivery_count) {
  auto [it, inserted] = pel.try_emplace(id);
  if (!inserted) return nullptr;
  it->second.delivery_time = delivery_time;
  it->second.delivery_count = delivery_count;
  return &it->second;
}

bool StreamGroup::ClaimForConsumer(const StreamId& id, StreamConsumer* consumer) {
  auto it = pel.find(id);
  if (it == pel.end() || it->second.consumer) return false;
  it->second.consumer = consumer;
  consumer->pel[id] = &it->second;
  return true;
}

size_t StreamGroup::OrphanedNacks() const {
  size_t n = 0;
  for (const auto& [id, nack] : pel) n += nack.consumer == nullptr;
  return n;
}

StreamGroup* StreamValue::FindGroup(std::string_view name) const {
  auto it = groups_.find(std::string(name));
  return it == groups_.end() ? nullptr : it->second.get();
}

StreamGroup* StreamValue::CreateGroup(std::string_view name, const StreamId& last_id, int64_t entries_read) {
  auto [it, inserted] = groups_.try_emplace(std::string(name));
  if (!inserted) return nullptr;
  it->second = std::make_unique<StreamGroup>();
  it->second->last_id = last_id;
  it->second->entries_read = entries_read;
  return it->second.get();
}

bool StreamValue::DestroyGroup(std::string_view name) { return groups_.erase(std::string(name)) > 0; }

// ---------------------------------------------------------------------------
// Entries

StreamValue::AddResult StreamValue::Add(const StreamId* use_id, bool seq_given, int64_t now_ms,
                                        const std::string_view* fv, size_t numfields, const Limits& limits,
                                        StreamId* added) {
  StreamId id;
  if (use_id) {
    if (seq_given) {
      id = *use_id;
    } else if (last_id_.ms == use_id->ms) {
      // "<ms>-*" with the last id's ms: the next sequence, unless there is none.
      if (last_id_.seq == UINT64_MAX) return AddResult::kSeqExhausted;
      id = last_id_;
      id.seq++;
    } else {
      id = *use_id;
    }
  } else {
    const uint64_t ms = static_cast<uint64_t>(now_ms);
    if (ms > last_id_.ms) {
      id = {ms, 0};
    } else {
      id = last_id_;
      id.Incr();
    }
  }
  if (id <= last_id_) return AddResult::kIdTooSmall;
  size_t total = 0;
  for (size_t i = 0; i < 2 * numfields; i++) total += fv[i].size();
  if (total > stream_node::kMaxSize) return AddResult::kTooLarge;

  Listpack* tail = nodes_.empty() ? nullptr : &nodes_.rbegin()->second;
  if (tail) {
    size_t max_bytes = limits.node_max_bytes;
    if (max_bytes == 0 || max_bytes > stream_node::kMaxSize) max_bytes = stream_node::kMaxSize;
    if (tail->bytes() + total >= max_bytes) {
      tail = nullptr;
    } else if (limits.node_max_entries > 0) {
      size_t p = tail->First();
      const int64_t entries = stream_node::GetInteger(*tail, p) + stream_node::GetInteger(*tail, tail->Next(p));
      if (entries >= limits.node_max_entries) tail = nullptr;
    }
  }
  if (tail) {
    stream_node::Append(tail, nodes_.rbegin()->first, id, fv, numfields);
  } else {
    // Redis 7.0 preallocates a new node (STREAM_LISTPACK_MAX_PRE_ALLOCATE) and
    // shrinks the full one; with glibc the shrunk tails stay as holes (RSS
    // 1.29x Redis's against 0.88x growing exactly), so nodes grow as needed.
    nodes_.emplace_hint(nodes_.end(), id, stream_node::NewNode(fv, numfields));
  }
  length_++;
  entries_added_++;
  last_id_ = id;
  if (length_ == 1) first_id_ = id;
  *added = id;
  return AddResult::kOk;
}

int64_t StreamValue::TrimEntries(const Trim& t) {
  if (t.strategy == Trim::kNone) return 0;
  int64_t deleted = 0;
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (t.strategy == Trim::kMaxLen && length_ <= t.maxlen) break;
    Listpack& lp = it->second;
    Master m = stream_node::ReadMaster(lp);
    const int64_t entries = m.count;
    if (t.limit && deleted + entries > t.limit) break;

    bool remove_node;
    if (t.strategy == Trim::kMaxLen) {
      remove_node = length_ - static_cast<uint64_t>(entries) >= t.maxlen;
    } else {
      // The node's last id, deleted or not, decides (lpGetEdgeStreamID).
      NodeEntry last = stream_node::ReadEntry(lp, m, it->first, stream_node::LastEntry(lp, m));
      remove_node = last.id < t.minid;
    }
    if (remove_node) {
      it = nodes_.erase(it);
      length_ -= static_cast<uint64_t>(entries);
      deleted += entries;
      continue;
    }
    // Only whole nodes go with ~.
    if (t.approx) break;

    // Flag entries deleted from the front until the target is met. Flags 0..3
    // keep a one-byte encoding, so positions stay valid.
    int64_t removed_here = 0;
    for (size_t pos = m.first_entry; pos != Listpack::npos;) {
      NodeEntry e = stream_node::ReadEntry(lp, m, it->first, pos);
      const bool stop = t.strategy == Trim::kMaxLen ? length_ <= t.maxlen : e.id >= t.minid;
      if (stop) break;
      if (!e.deleted()) {
        lp.ReplaceInteger(pos, e.flags | stream_node::kFlagDeleted);
        removed_here++;
        length_--;
      }
      pos = stream_node::NextEntry(lp, e);
    }
    deleted += removed_here;
    size_t p = lp.First();
    p = lp.ReplaceInteger(p, entries - removed_here);
    p = lp.Next(p);
    lp.ReplaceInteger(p, m.deleted + removed_here);
    // Enough was removed from this node: later nodes stay.
    break;
  }
  if (deleted) RefreshFirstId();
  return deleted;
}

void StreamValue::RefreshFirstId() {
  if (!FirstValidId(&first_id_)) first_id_ = StreamId();
}

bool StreamValue::DeleteEntry(const StreamId& id) {
  auto it = nodes_.upper_bound(id);
  if (it == nodes_.begin()) return false;
  --it;
  Listpack& lp = it->second;
  Master m = stream_node::ReadMaster(lp);
  for (size_t pos = m.first_entry; pos != Listpack::npos;) {
    NodeEntry e = stream_node::ReadEntry(lp, m, it->first, pos);
    if (e.id > id) return false;
    if (e.id == id) {
      if (e.deleted()) return false;
      // The last live entry takes its node with it.
      if (m.count == 1) {
        nodes_.erase(it);
      } else {
        stream_node::MarkDeleted(&lp, pos);
      }
      length_--;
      return true;
    }
    pos = stream_node::NextEntry(lp, e);
  }
  return false;
}

void StreamValue::NoteDeleted(const StreamId& id, bool was_first) {
  if (id > max_deleted_) max_deleted_ = id;
  if (length_ == 0) {
    first_id_ = StreamId();
  } else if (was_first) {
    RefreshFirstId();
  }
}

bool StreamValue::EntryExists(const StreamId& id) const {
  StreamIterator it(*this, id, id, false);
  return it.Next();
}

bool StreamValue::FirstValidId(StreamId* out) const {
  StreamIterator it(*this, StreamId::Min(), StreamId::Max(), false);
  if (!it.Next()) return false;
  *out = it.id();
  return true;
}

bool StreamValue::LastValidId(StreamId* out) const {
  StreamIterator it(*this, StreamId::Min(), StreamId::Max(), true);
  if (!it.Next()) return false;
  *out = it.id();
  return true;
}

void StreamValue::SetMetadata(uint64_t length, const StreamId& last_id, const StreamId& first_id,
                              const StreamId& max_deleted_entry_id, uint64_t entries_added) {
  length_ = length;
  last_id_ = last_id;
  first_id_ = first_id;
  max_deleted_ = max_deleted_entry_id;
  entries_added_ = entries_added;
}

// ---------------------------------------------------------------------------
// Lag

bool StreamValue::RangeHasTombstones(const StreamId* start, const StreamId* end) const {
  if (length_ == 0 || max_deleted_.IsZero()) return false;
  if (first_id_ > max_deleted_) return false;  // the last tombstone is before the first entry
  const StreamId s = start ? *start : StreamId::Min();
  const StreamId e = end ? *end : StreamId::Max();
  return s <= max_deleted_ && max_deleted_ <= e;
}

int64_t StreamValue::EstimateDistanceFromFirstEverEntry(const StreamId& id) const {
  if (entries_added_ == 0) return 0;
  if (length_ == 0 && id <= last_id_) return static_cast<int64_t>(entries_added_);
  if (id == last_id_) return static_cast<int64_t>(entries_added_);
  if (id > last_id_) return StreamGroup::kInvalidEntriesRead;
  if (max_deleted_.IsZero() || max_deleted_ < first_id_) {
    if (id < first_id_) return static_cast<int64_t>(entries_added_ - length_);
    if (id == first_id_) return static_cast<int64_t>(entries_added_ - length_ + 1);
  }
  return StreamGroup::kInvalidEntriesRead;
}

bool StreamValue::GroupLag(const StreamGroup& g, int64_t* lag) const {
  if (entries_added_ == 0) {
    *lag = 0;
    return true;
  }
  if (g.entries_read != StreamGroup::kInvalidEntriesRead && !RangeHasTombstones(&g.last_id, nullptr)) {
    // Unsigned arithmetic: counters loaded from a file may be anything (Redis's subtraction wraps too).
    *lag = static_cast<int64_t>(entries_added_ - static_cast<uint64_t>(g.entries_read));
    return true;
  }
  const int64_t read = EstimateDistanceFromFirstEverEntry(g.last_id);
  if (read == StreamGroup::kInvalidEntriesRead) return false;
  *lag = static_cast<int64_t>(entries_added_ - static_cast<uint64_t>(read));
  return true;
}

void StreamValue::AdvanceGroup(StreamGroup* g, const StreamId& id) const {
  if (id <= g->last_id) return;
  if (g->entries_read != StreamGroup::kInvalidEntriesRead && !RangeHasTombstones(&id, nullptr)) {
    g->entries_read = static_cast<int64_t>(static_cast<uint64_t>(g->entries_read) + 1);
  } else if (entries_added_) {
    g->entries_read = EstimateDistanceFromFirstEverEntry(id);
  }
  g->last_id = id;
}

// ---------------------------------------------------------------------------
// Radix tree shape

namespace {

using KeyBytes = std::array<unsigned char, 16>;

size_t CountRange(const std::vector<KeyBytes>& keys, size_t lo, size_t hi, size_t depth);

// A branching node at depth: one child per distinct byte.
size_t CountBranch(const std::vector<KeyBytes>& keys, size_t lo, size_t hi, size_t depth) {
  size_t n = 1;
  while (lo < hi) {
    size_t j = lo + 1;
    while (j < hi && keys[j][depth] == keys[lo][depth]) j++;
    n += CountRange(keys, lo, j, depth + 1);
    lo = j;
  }
  return n;
}

// A node starting at depth whose keys share their first depth bytes: a
// compressed run down to the next branch or the end of the keys, if any.
size_t CountRange(const std::vector<KeyBytes>& keys, size_t lo, size_t hi, size_t depth) {
  if (hi - lo == 1) return depth == 16 ? 1 : 2;  // leaf, or run + leaf
  size_t common = depth;
  while (common < 16 && keys[lo][common] == keys[hi - 1][common]) common++;
  if (common > depth) return 1 + CountBranch(keys, lo, hi, common);
  return CountBranch(keys, lo, hi, depth);
}

}  // namespace

// A rax stores keys in a compressed trie: the root, one node per branching
// point, one per child of a branching point, one per compressed run and one
// empty leaf per key. For 16-byte keys of equal length the shape depends only
// on the set of keys.
size_t StreamValue::RadixTreeNodes(const std::vector<StreamId>& sorted_ids) {
  if (sorted_ids.empty()) return 1;
  std::vector<KeyBytes> keys(sorted_ids.size());
  for (size_t i = 0; i < sorted_ids.size(); i++) sorted_ids[i].Encode(keys[i].data());
  return CountRange(keys, 0, keys.size(), 0);
}

size_t StreamValue::RadixTreeNodes() const {
  std::vector<StreamId> ids;
  ids.reserve(nodes_.size());
  for (const auto& [id, lp] : nodes_) ids.push_back(id);
  return RadixTreeNodes(ids);
}

// ---------------------------------------------------------------------------
// Collection

size_t StreamValue::MemoryUsage(size_t samples) const {
  // A map node holds the key and the value after the tree's three links and colour.
  auto map_node = [](size_t kv) { return ZMallocSizeOf(32 + kv); };
  auto name_bytes = [](const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; };
  size_t n = 0;
  // As Redis: the first `samples` nodes averaged over all but the last, plus the last one.
  size_t seen = 0, bytes = 0;
  for (auto it = nodes_.begin(); it != nodes_.end() && seen < samples; ++it, seen++) {
    bytes += map_node(sizeof(StreamId) + sizeof(Listpack)) + ZMallocSize(it->second.data());
  }
  if (nodes_.size() <= seen) {
    n += bytes;
  } else {
    n += bytes / seen * (nodes_.size() - 1);
    n += map_node(sizeof(StreamId) + sizeof(Listpack)) + ZMallocSize(nodes_.rbegin()->second.data());
  }
  // Consumer groups and their PELs are counted in full.
  for (const auto& [name, g] : groups_) {
    n += map_node(sizeof(std::string) + sizeof(void*)) + name_bytes(name) + ZMallocSize(g.get());
    n += g->pel.size() * map_node(sizeof(StreamId) + sizeof(StreamNack));
    for (const auto& [cname, c] : g->consumers) {
      n += map_node(sizeof(std::string) + sizeof(void*)) + name_bytes(cname) + ZMallocSize(c.get());
      n += name_bytes(c->name) + c->pel.size() * map_node(sizeof(StreamId) + sizeof(void*));
    }
  }
  return n;
}

Collection* StreamValue::Clone() const {
  auto* s = new StreamValue();
  for (const auto& [id, lp] : nodes_) s->nodes_.emplace_hint(s->nodes_.end(), id, lp);
  s->SetMetadata(length_, last_id_, first_id_, max_deleted_, entries_added_);
  for (const auto& [name, g] : groups_) {
    StreamGroup* ng = s->CreateGroup(name, g->last_id, g->entries_read);
    for (const auto& [id, nack] : g->pel) ng->AddPendingUnowned(id, nack.delivery_time, nack.delivery_count);
    for (const auto& [cname, c] : g->consumers) {
      StreamConsumer* nc = ng->CreateConsumer(cname, c->seen_time);
      for (const auto& [id, nack] : c->pel) ng->ClaimForConsumer(id, nc);
    }
  }
  return s;
}

// ---------------------------------------------------------------------------
// Iteration

StreamIterator::StreamIterator(const StreamValue& s, const StreamId& start, const StreamId& end, bool rev)
    : nodes_(s.nodes()), start_(start), end_(end), rev_(rev) {
  if (start_ > end_ || nodes_.empty()) {
    done_ = true;
    return;
  }
  // The node that may hold the first id wanted: the last one starting at or before it.
  node_ = nodes_.upper_bound(rev_ ? end_ : start_);
  if (node_ == nodes_.begin()) {
    if (rev_) {
      done_ = true;
      return;
    }
  } else {
    --node_;
  }
}

bool StreamIterator::EnterNode() {
  master_ = stream_node::ReadMaster(node_->second);
  pos_ = rev_ ? stream_node::LastEntry(node_->second, master_) : master_.first_entry;
  return true;
}

bool StreamIterator::Next() {
  if (done_) return false;
  if (!started_) {
    started_ = true;
    EnterNode();
  }
  for (;;) {
    const Listpack& lp = node_->second;
    while (pos_ != Listpack::npos) {
      entry_ = stream_node::ReadEntry(lp, master_, node_->first, pos_);
      pos_ = rev_ ? stream_node::PrevEntry(lp, master_, pos_) : stream_node::NextEntry(lp, entry_);
      if (rev_) {
        if (entry_.id < start_) {
          done_ = true;
          return false;
        }
        if (entry_.id > end_ || entry_.deleted()) continue;
      } else {
        if (entry_.id > end_) {
          done_ = true;
          return false;
        }
        if (entry_.id < start_ || entry_.deleted()) continue;
      }
      return true;
    }
    // The next node in the walk, if it can hold ids in range.
    if (rev_) {
      if (node_ == nodes_.begin()) break;
      --node_;
    } else {
      ++node_;
      if (node_ == nodes_.end() || node_->first > end_) break;
    }
    EnterNode();
  }
  done_ = true;
  return false;
}

}  // namespace tachyon
