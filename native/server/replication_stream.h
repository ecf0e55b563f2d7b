// The replication stream of a master: the propagated commands encoded as
// RESP (with SELECT when the database changes, as Redis's
// replicationFeedSlaves), counted by master_repl_offset and kept in one
// shared replication buffer, as Redis 7.0's repl_buffer_blocks: a list of
// blocks that the backlog and every replica read from.
//
//  - The backlog is the newest repl-backlog-size bytes (at least; trimmed by
//    whole blocks, so up to one block more), from which partial
//    resynchronisations (PSYNC +CONTINUE) are served.
//  - A replica is a reader pinned at its own position: a replica waiting for
//    its snapshot from the offset the snapshot was made at, an online one
//    from the last byte written to its socket. A block is freed only when the
//    backlog no longer needs it and every reader is past it, so a replica's
//    pending stream is bounded by its output limit
//    (client-output-buffer-limit replica), not by the backlog's size. While a
//    reader holds old blocks the backlog reaches back to them too (histlen
//    grows past repl-backlog-size, as in Redis).
//
// Offsets are Redis's: offset() is the number of stream bytes produced so
// far; the buffer holds the bytes numbered first_byte() .. offset() (1-based,
// repl_backlog_first_byte_offset). A reader at position n has received
// everything up to byte n.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "server/propagate.h"

namespace tachyon {

class ReplicationStream : public PropagationSink {
 public:
  // What Redis counts per block besides its data: the block header
  // (replBufBlock, 40 bytes) and the list node (24 bytes).
  static constexpr size_t kBlockHeader = 40;
  static constexpr size_t kListNode = 24;
  // A new block holds at least this much (PROTO_REPLY_CHUNK_BYTES).
  static constexpr size_t kMinBlockData = 16 * 1024;

  explicit ReplicationStream(Propagator& propagator) : propagator_(propagator) {}
  ~ReplicationStream();
  ReplicationStream(const ReplicationStream&) = delete;
  ReplicationStream& operator=(const ReplicationStream&) = delete;

  // Creates the backlog (the first replica arrived) and starts taking the
  // propagated commands. Idempotent.
  void Start(size_t backlog_size);
  // Frees the buffer and stops feeding (not used while replicas exist).
  void Stop();
  bool active() const { return active_; }
  // repl-backlog-size changed: blocks no longer needed are freed.
  void Resize(size_t backlog_size);
  size_t backlog_size() const { return backlog_size_; }

  // PropagationSink: a command in database db.
  void Feed(int db, const std::string_view* argv, size_t argc) override;
  PropagateTarget target() const override { return kPropagateReplicas; }
  // A command in whatever database the stream has selected (PING, REPLCONF GETACK).
  void FeedCommand(const std::string_view* argv, size_t argc);
  // Raw stream bytes (a replica proxying its master's stream to its own replicas).
  void FeedRaw(const char* p, size_t n);
  // The next command is preceded by SELECT (a new full resynchronisation).
  void ForceSelect() { seldb_ = -1; }
  int selected_db() const { return seldb_; }

  int64_t offset() const { return offset_; }
  // Starts the numbering at `offset` with an empty buffer (a replica that
  // loaded its master's snapshot, or a promoted replica); readers move there.
  void SetOffset(int64_t offset);
  int64_t first_byte() const { return offset_ - static_cast<int64_t>(histlen_) + 1; }
  size_t histlen() const { return histlen_; }
  // Whether the bytes after byte `after` are all still held.
  bool Holds(int64_t after) const { return after <= offset_ && offset_ - after <= static_cast<int64_t>(histlen_); }
  // The stream bytes after byte `after` (tests and diagnostics); false if not held.
  bool Since(int64_t after, std::string* out) const;

  // Readers (replicas), by client slot. Pin() starts one at `after` (false
  // if those bytes are gone); a pinned reader keeps its bytes until Advance()
  // moves it past them or Unpin() drops it.
  bool Pin(int slot, int64_t after);
  void Unpin(int slot);
  bool pinned(int slot) const { return Find(slot) != nullptr; }
  int64_t position(int slot) const;
  // Fills iov with the bytes reader `slot` has not taken; returns how many.
  int Gather(int slot, struct iovec* iov, int max) const;
  // Reader `slot` took n more bytes (its socket accepted them).
  void Advance(int slot, size_t n);
  // Redis's getClientOutputBufferMemoryUsage of a replica: the blocks from the
  // one it reads to the last, whole, with their headers; and their number
  // (CLIENT LIST oll). 0 before any byte arrived after its pin.
  size_t ReaderMemory(int slot, size_t* blocks = nullptr) const;
  std::vector<int> reader_slots() const;

  // Memory of all blocks (Redis's repl_buffer_mem: allocation and list node each).
  size_t memory() const { return memory_; }
  size_t block_count() const { return blocks_.size(); }
  // Counts blocks ever added (the binding checks output limits when it moves).
  uint64_t blocks_added() const { return next_id_; }

  // Called after bytes were added (the binding schedules the write to replicas).
  std::function<void()> on_data;

 private:
  struct Block {
    int64_t start;  // offset of the byte before the first one held
    uint64_t id;
    size_t size;    // capacity of data
    size_t used;    // bytes held
    size_t mapped;  // the whole allocation
    char data[];
  };
  static_assert(sizeof(Block) == kBlockHeader, "block header as Redis's replBufBlock");
  struct Reader {
    int slot;
    int64_t pos;
    bool referenced;  // bytes arrived since it was pinned (Redis's ref_repl_buf_node set)
  };

  void Append(const char* p, size_t n);
  void AppendCommand(const std::string_view* argv, size_t argc);
  // Frees the blocks neither the backlog nor a reader needs.
  void Trim();
  void FreeAll();
  // Index of the last block starting at or before byte `pos` (pos >= first_byte()-1).
  size_t BlockAt(int64_t pos) const;
  const Reader* Find(int slot) const;
  Reader* Find(int slot) { return const_cast<Reader*>(static_cast<const ReplicationStream*>(this)->Find(slot)); }

  Propagator& propagator_;
  bool active_ = false;
  int seldb_ = -1;
  int64_t offset_ = 0;
  size_t backlog_size_ = 1;
  std::deque<Block*> blocks_;
  size_t histlen_ = 0;  // bytes held, from blocks_.front()
  size_t memory_ = 0;
  uint64_t next_id_ = 0;
  std::vector<Reader> readers_;
  bool unreferenced_ = false;  // some reader has no bytes yet
  std::string scratch_;
};

}  // namespace tachyon
