// ReplicationStream (see replication_stream.h).
#include "server/replication_stream.h"

#include <algorithm>
#include <cstring>

namespace tachyon {

void ReplicationStream::Start(size_t backlog_size) {
  if (active_) return;
  active_ = true;
  ring_.assign(std::max<size_t>(backlog_size, 1), 0);
  idx_ = 0;
  histlen_ = 0;
  seldb_ = -1;
  propagator_.AddSink(this);
}

void ReplicationStream::Stop() {
  if (!active_) return;
  active_ = false;
  propagator_.RemoveSink(this);
  std::vector<char>().swap(ring_);
  idx_ = histlen_ = 0;
}

void ReplicationStream::Resize(size_t backlog_size) {
  backlog_size = std::max<size_t>(backlog_size, 1);
  if (!active_ || backlog_size == ring_.size()) return;
  std::string keep;
  const size_t n = std::min(histlen_, backlog_size);
  Since(offset_ - static_cast<int64_t>(n), &keep);
  ring_.assign(backlog_size, 0);
  memcpy(ring_.data(), keep.data(), keep.size());
  idx_ = keep.size() % backlog_size;
  histlen_ = keep.size();
}

void ReplicationStream::SetOffset(int64_t offset) {
  offset_ = offset;
  idx_ = histlen_ = 0;
}

void ReplicationStream::Append(const char* p, size_t n) {
  offset_ += static_cast<int64_t>(n);
  const size_t cap = ring_.size();
  if (cap == 0) return;
  if (n >= cap) {  // only the last cap bytes survive
    memcpy(ring_.data(), p + (n - cap), cap);
    idx_ = 0;
    histlen_ = cap;
    return;
  }
  const size_t first = std::min(n, cap - idx_);
  memcpy(ring_.data() + idx_, p, first);
  memcpy(ring_.data(), p + first, n - first);
  idx_ = (idx_ + n) % cap;
  histlen_ = std::min(cap, histlen_ + n);
}

bool ReplicationStream::Since(int64_t after, std::string* out) const {
  out->clear();
  if (after > offset_) return false;
  const size_t need = static_cast<size_t>(offset_ - after);
  if (need > histlen_) return false;
  if (need == 0) return true;
  const size_t cap = ring_.size();
  const size_t start = (idx_ + cap - need) % cap;
  const size_t first = std::min(need, cap - start);
  out->append(ring_.data() + start, first);
  out->append(ring_.data(), need - first);
  return true;
}

void ReplicationStream::AppendCommand(const std::string_view* argv, size_t argc) {
  scratch_.clear();
  scratch_ += '*';
  scratch_ += std::to_string(argc);
  scratch_ += "\r\n";
  for (size_t i = 0; i < argc; i++) {
    scratch_ += '$';
    scratch_ += std::to_string(argv[i].size());
    scratch_ += "\r\n";
    scratch_.append(argv[i].data(), argv[i].size());
    scratch_ += "\r\n";
  }
  Append(scratch_.data(), scratch_.size());
}

void ReplicationStream::Feed(int db, const std::string_view* argv, size_t argc) {
  if (db != seldb_) {
    const std::string n = std::to_string(db);
    const std::string_view select[] = {"SELECT", n};
    AppendCommand(select, 2);
    seldb_ = db;
  }
  AppendCommand(argv, argc);
  if (on_data) on_data();
}

void ReplicationStream::FeedCommand(const std::string_view* argv, size_t argc) {
  AppendCommand(argv, argc);
  if (on_data) on_data();
}

void ReplicationStream::FeedRaw(const char* p, size_t n) {
  Append(p, n);
  if (on_data) on_data();
}

}  // namespace tachyon
