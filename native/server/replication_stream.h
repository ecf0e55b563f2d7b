// The replication stream of a master: the propagated commands encoded as
// RESP (with SELECT when the database changes, as Redis's
// replicationFeedSlaves), counted by master_repl_offset and kept in the
// replication backlog, a ring of repl-backlog-size bytes from which replicas
// are fed and partial resynchronisations (PSYNC +CONTINUE) are served.
//
// Offsets are Redis's: offset() is the number of stream bytes produced so
// far; the backlog holds the bytes numbered first_byte() .. offset() (1-based,
// repl_backlog_first_byte_offset). A replica that has received everything up
// to byte n is fed Since(n).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "server/propagate.h"

namespace tachyon {

class ReplicationStream : public PropagationSink {
 public:
  explicit ReplicationStream(Propagator& propagator) : propagator_(propagator) {}
  ~ReplicationStream() { propagator_.RemoveSink(this); }
  ReplicationStream(const ReplicationStream&) = delete;
  ReplicationStream& operator=(const ReplicationStream&) = delete;

  // Creates the backlog (the first replica arrived) and starts taking the
  // propagated commands. Idempotent.
  void Start(size_t backlog_size);
  // Frees the backlog and stops feeding (not used while replicas exist).
  void Stop();
  bool active() const { return active_; }
  // repl-backlog-size changed: keeps the newest bytes that still fit.
  void Resize(size_t backlog_size);

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
  // Starts the numbering at `offset` with an empty backlog (a replica that
  // loaded its master's snapshot, or a promoted replica).
  void SetOffset(int64_t offset);
  int64_t first_byte() const { return offset_ - static_cast<int64_t>(histlen_) + 1; }
  size_t histlen() const { return histlen_; }
  size_t capacity() const { return ring_.size(); }
  // The stream bytes after byte `after` up to offset(); false if some of them
  // have already left the backlog.
  bool Since(int64_t after, std::string* out) const;

  // Called after bytes were added (the binding schedules the write to replicas).
  std::function<void()> on_data;

 private:
  void Append(const char* p, size_t n);
  void AppendCommand(const std::string_view* argv, size_t argc);

  Propagator& propagator_;
  bool active_ = false;
  int seldb_ = -1;
  int64_t offset_ = 0;
  std::vector<char> ring_;
  size_t idx_ = 0;      // next write position in ring_
  size_t histlen_ = 0;  // valid bytes in ring_, ending at idx_
  std::string scratch_;
};

}  // namespace tachyon
