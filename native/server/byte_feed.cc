// ByteFeed: see byte_feed.h.
#include "server/byte_feed.h"

#include <algorithm>
#include <cstring>

namespace tachyon {

size_t ByteFeed::Push(const unsigned char* data, size_t len) {
  std::lock_guard<std::mutex> lock(mu_);
  if (len > 0 && !closed_) {
    chunks_.emplace_back(reinterpret_cast<const char*>(data), len);
    queued_ += len;
    cv_.notify_all();
  }
  return queued_;
}

void ByteFeed::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

size_t ByteFeed::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queued_;
}

uint64_t ByteFeed::wanted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return wanted_;
}

size_t ByteFeed::Pull(unsigned char* dst, size_t max) {
  std::unique_lock<std::mutex> lock(mu_);
  wanted_ = 1;
  cv_.wait(lock, [this] { return queued_ > 0 || closed_; });
  wanted_ = 0;
  size_t out = 0;
  while (out < max && !chunks_.empty()) {
    const std::string& c = chunks_.front();
    const size_t take = std::min(max - out, c.size() - head_pos_);
    memcpy(dst + out, c.data() + head_pos_, take);
    out += take;
    head_pos_ += take;
    if (head_pos_ == c.size()) {
      chunks_.pop_front();
      head_pos_ = 0;
    }
  }
  queued_ -= out;
  return out;
}

bool ByteFeed::WaitFor(uint64_t n) {
  std::unique_lock<std::mutex> lock(mu_);
  wanted_ = n;
  cv_.wait(lock, [this, n] { return queued_ >= n || closed_; });
  wanted_ = 0;
  return queued_ >= n;
}

std::string ByteFeed::TakeRest() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string rest;
  rest.reserve(queued_);
  for (const std::string& c : chunks_) {
    rest.append(c, head_pos_, std::string::npos);
    head_pos_ = 0;
  }
  chunks_.clear();
  queued_ = 0;
  return rest;
}

}  // namespace tachyon
