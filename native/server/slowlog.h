// SLOWLOG: the commands that ran longer than slowlog-log-slower-than
// microseconds, newest first, at most slowlog-max-len of them (Redis's
// slowlog.c). An entry keeps what SLOWLOG GET shows: a unique id, the unix
// time it was logged, the duration, the arguments (at most 32, the last one
// then saying how many more there were; each at most 128 bytes, followed by
// how many more bytes there were), the client's address and name.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace tachyon {

class CommandRegistry;

struct SlowlogEntry {
  uint64_t id;
  int64_t time;      // unix seconds
  uint64_t duration; // microseconds
  std::vector<std::string> argv;
  std::string peer;  // client address
  std::string name;  // client name
};

class Slowlog {
 public:
  static constexpr size_t kMaxArgc = 32;
  static constexpr size_t kMaxString = 128;

  // Logs the command when `duration` reaches `threshold`, then trims to
  // max_len entries (both only when threshold is not negative: the log is
  // off then). `redacted` are argument indexes shown as "(redacted)".
  void Push(const std::vector<std::string_view>& argv, uint64_t duration, int64_t threshold, int64_t max_len,
            std::string_view peer, std::string_view name, const std::vector<int>* redacted);
  // CONFIG SET slowlog-max-len: drops the oldest entries beyond max_len.
  void Trim(int64_t max_len);
  void Reset() { entries_.clear(); }
  bool over(int64_t max_len) const { return static_cast<int64_t>(entries_.size()) > max_len; }
  const std::deque<SlowlogEntry>& entries() const { return entries_; }

 private:
  std::deque<SlowlogEntry> entries_;  // newest first
  uint64_t next_id_ = 0;
};

void RegisterSlowlogCommands(CommandRegistry& r);

}  // namespace tachyon
