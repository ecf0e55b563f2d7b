// StreamValue: the value of a STREAM key, laid out as Redis 7.0 lays it out
// (t_stream.c, stream.h), so memory use and the RDB encoding follow Redis's.
//
// Entries live in nodes: listpacks in Redis's stream node format
// (core/stream_listpack.h), kept in an ordered map keyed by each node's
// master id -- the order of Redis's radix tree, whose keys are the same ids
// as 128-bit big-endian numbers. A node takes new entries until it reaches
// stream-node-max-bytes or stream-node-max-entries; deleted entries stay in
// their node, flagged, until the whole node is empty and dropped.
//
// Beside the entries a stream keeps its metadata (length, last id, the id of
// its first entry, the largest deleted id, the count of entries ever added)
// and its consumer groups: each group has a last-delivered id, an
// entries-read counter (-1: unknown), its pending entries list (PEL: entry id
// -> delivery time, delivery count, owning consumer, ordered by id) and its
// consumers (ordered by name), each with its own PEL pointing at the same
// NACKs and a seen-time.
//
// For the RDB writer and reader (RDB_TYPE_STREAM_LISTPACKS_2, Redis 7.0):
//   write: nodes() gives (master id, listpack bytes) in order; length(),
//          last_id(), first_id(), max_deleted_entry_id(), entries_added();
//          groups() in name order, each group's pel (id -> StreamNack:
//          delivery_time, delivery_count) and consumers (name order, each with
//          seen_time and its pel ids).
//   read:  validate each node with stream_node::Validate, then AddNode() in
//          increasing master-id order, SetMetadata(), CreateGroup(),
//          StreamGroup::AddPendingUnowned() for the group PEL,
//          StreamGroup::CreateConsumer() + StreamGroup::ClaimForConsumer() for
//          each consumer's PEL entries, and finally
//          StreamGroup::OrphanedNacks() == 0 as Redis's loader checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/listpack.h"
#include "core/stream_id.h"
#include "core/stream_listpack.h"
#include "server/object.h"

namespace tachyon {

struct StreamConsumer;

// One pending (delivered, not yet acknowledged) entry of a group.
struct StreamNack {
  int64_t delivery_time = 0;    // unix ms of the last delivery
  uint64_t delivery_count = 0;  // deliveries so far
  StreamConsumer* consumer = nullptr;
};

struct StreamConsumer : public ZCounted {
  std::string name;
  int64_t seen_time = 0;                   // unix ms of the last interaction
  ZMap<StreamId, StreamNack*> pel;     // this consumer's share of the group PEL
};

struct StreamGroup : public ZCounted {
  static constexpr int64_t kInvalidEntriesRead = -1;

  StreamId last_id;                        // last delivered id
  int64_t entries_read = kInvalidEntriesRead;
  ZMap<StreamId, StreamNack> pel;      // owns the NACKs (map nodes never move)
  ZMap<std::string, std::unique_ptr<StreamConsumer>> consumers;

  StreamConsumer* FindConsumer(std::string_view name);
  // nullptr if a consumer of that name exists.
  StreamConsumer* CreateConsumer(std::string_view name, int64_t now_ms);
  // Removes the consumer and its pending entries from the group PEL.
  void DeleteConsumer(StreamConsumer* consumer);
  // A new NACK for id owned by consumer (XREADGROUP delivering id), or the
  // existing one moved to consumer with a fresh delivery (count 1).
  StreamNack* Deliver(const StreamId& id, StreamConsumer* consumer, int64_t now_ms);
  // Drops id from the group PEL and its owner's PEL; false if not pending.
  bool Acknowledge(const StreamId& id);
  // Moves an existing NACK to consumer (XCLAIM / XAUTOCLAIM).
  void Transfer(const StreamId& id, StreamNack* nack, StreamConsumer* consumer);
  // RDB loading: a NACK without an owner yet, then its owner from the consumer's PEL.
  StreamNack* AddPendingUnowned(const StreamId& id, int64_t delivery_time, uint64_t delivery_count);
  bool ClaimForConsumer(const StreamId& id, StreamConsumer* consumer);
  size_t OrphanedNacks() const;
};

class StreamValue final : public Collection {
 public:
  using NodeMap = ZMap<StreamId, Listpack>;
  using GroupMap = ZMap<std::string, std::unique_ptr<StreamGroup>>;

  struct Limits {
    size_t node_max_bytes;     // stream-node-max-bytes (0: no limit but 1 GB)
    int64_t node_max_entries;  // stream-node-max-entries (0: no limit)
  };

  // kSeqExhausted: "<ms>-*" with ms the last id's and its sequence at its maximum.
  enum class AddResult { kOk, kIdTooSmall, kTooLarge, kSeqExhausted };

  // Trimming as XADD/XTRIM request it (streamTrim).
  struct Trim {
    enum Strategy { kNone, kMaxLen, kMinId } strategy = kNone;
    uint64_t maxlen = 0;
    StreamId minid;
    bool approx = false;
    int64_t limit = 0;  // at most this many entries removed, 0 = no limit
  };

  StreamValue() = default;
  ~StreamValue() override = default;
  StreamValue(const StreamValue&) = delete;
  StreamValue& operator=(const StreamValue&) = delete;

  uint64_t length() const { return length_; }
  const StreamId& last_id() const { return last_id_; }
  const StreamId& first_id() const { return first_id_; }
  const StreamId& max_deleted_entry_id() const { return max_deleted_; }
  uint64_t entries_added() const { return entries_added_; }
  const NodeMap& nodes() const { return nodes_; }
  const GroupMap& groups() const { return groups_; }

  // streamAppendItem. id: the id to use, or nullptr for an automatic one
  // from now_ms; with seq_given false only its ms part is given ("<ms>-*").
  AddResult Add(const StreamId* id, bool seq_given, int64_t now_ms, const std::string_view* fields_values,
                size_t numfields, const Limits& limits, StreamId* added);
  // streamTrim: returns the entries removed.
  int64_t TrimEntries(const Trim& trim);
  // XDEL of one id (streamDeleteItem, plus XDEL's first/max-deleted id upkeep
  // is the caller's: see NoteDeleted). Returns false if there is no such live entry.
  bool DeleteEntry(const StreamId& id);
  // After XDEL removed ids: the new first id, the largest deleted id.
  void NoteDeleted(const StreamId& id, bool was_first);
  void RefreshFirstId();
  bool EntryExists(const StreamId& id) const;
  // The first / last live entry's id; false if the stream has none.
  bool FirstValidId(StreamId* out) const;
  bool LastValidId(StreamId* out) const;
  // XSETID.
  void SetLastId(const StreamId& id) { last_id_ = id; }
  void SetEntriesAdded(uint64_t n) { entries_added_ = n; }
  void SetMaxDeletedId(const StreamId& id) { max_deleted_ = id; }

  // Consumer groups.
  StreamGroup* FindGroup(std::string_view name) const;
  StreamGroup* CreateGroup(std::string_view name, const StreamId& last_id, int64_t entries_read);
  bool DestroyGroup(std::string_view name);

  // 7.0's lag bookkeeping (streamRangeHasTombstones, streamEstimateDistanceFromFirstEverEntry).
  bool RangeHasTombstones(const StreamId* start, const StreamId* end) const;
  int64_t EstimateDistanceFromFirstEverEntry(const StreamId& id) const;
  // A group's lag, or false where Redis replies null.
  bool GroupLag(const StreamGroup& g, int64_t* lag) const;
  // Advances g past id as XREADGROUP delivering id does (last id, entries-read).
  void AdvanceGroup(StreamGroup* g, const StreamId& id) const;

  // Nodes of the radix tree Redis would build for the node ids (XINFO
  // radix-tree-nodes), or for any ids in increasing order (a PEL).
  size_t RadixTreeNodes() const;
  static size_t RadixTreeNodes(const std::vector<StreamId>& sorted_ids);

  // RDB loading: a validated node (increasing master ids), then the metadata.
  void AddNode(const StreamId& master_id, Listpack lp) { nodes_.emplace_hint(nodes_.end(), master_id, std::move(lp)); }
  void SetMetadata(uint64_t length, const StreamId& last_id, const StreamId& first_id,
                   const StreamId& max_deleted_entry_id, uint64_t entries_added);

  size_t MemoryUsage(size_t samples) const override;
  size_t ObjectSize() const override { return sizeof(*this); }
  size_t Length() const override { return length_; }
  // Every node is a block; so is every group and, estimated from the first, each PEL entry.
  size_t FreeEffort() const override {
    size_t effort = nodes_.size();
    if (!groups_.empty()) effort += groups_.size() * (1 + groups_.begin()->second->pel.size());
    return effort;
  }
  Collection* Clone() const override;

 private:
  NodeMap nodes_;
  uint64_t length_ = 0;
  StreamId last_id_;
  StreamId first_id_;
  StreamId max_deleted_;
  uint64_t entries_added_ = 0;
  GroupMap groups_;
};

// Walks the live entries with start <= id <= end, forwards or backwards
// (streamIterator). The stream must not change while it is in use.
class StreamIterator {
 public:
  StreamIterator(const StreamValue& s, const StreamId& start, const StreamId& end, bool rev);
  // Moves to the next entry; false when there is none.
  bool Next();
  const StreamId& id() const { return entry_.id; }
  int64_t num_fields() const { return entry_.num_fields; }
  stream_node::FieldCursor Fields() const { return stream_node::FieldCursor(node_->second, master_, entry_); }

 private:
  bool EnterNode();
  const StreamValue::NodeMap& nodes_;
  StreamId start_, end_;
  bool rev_;
  bool started_ = false;
  bool done_ = false;
  StreamValue::NodeMap::const_iterator node_;
  stream_node::Master master_;
  size_t pos_ = Listpack::npos;
  stream_node::NodeEntry entry_;
};

}  // namespace tachyon
