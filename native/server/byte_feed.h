// ByteFeed: bytes arriving over time, handed from the event loop to a
// loader thread. Diskless loading on a replica (repl-diskless-load) pushes
// each read of the master's socket here (one call per read, never per key)
// and the RDB reader, in the loader thread, pulls them as RdbInput's buffer
// runs dry, waiting while the network is behind the parser.
//
// The reader may need more than what arrived so far (a string's length says
// how many bytes follow): it waits for them rather than trusting a length it
// cannot check, so a corrupt length allocates nothing until its bytes exist.
// The producer is told how much is queued and how much the reader waits for,
// so it can pause the socket when the parser is the slow side.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

namespace tachyon {

class ByteFeed {
 public:
  // Producer side (the event loop).
  // Appends a copy of the bytes; returns the bytes now queued.
  size_t Push(const unsigned char* data, size_t len);
  // No more bytes will come (the transfer ended, or the link dropped): a
  // reader waiting for more gets what is queued, then the end.
  void Close();
  size_t queued() const;
  // Bytes the reader is blocked waiting for (0 when it is not waiting).
  uint64_t wanted() const;

  // Reader side (the loader thread).
  // Copies up to `max` bytes into dst, waiting until at least one is there;
  // 0 once the feed is closed and empty.
  size_t Pull(unsigned char* dst, size_t max);
  // Waits until n bytes are queued (true) or the feed closed short of them (false).
  bool WaitFor(uint64_t n);
  // What is left unread (bytes pushed after the end of what was read).
  std::string TakeRest();

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> chunks_;
  size_t head_pos_ = 0;  // bytes of chunks_.front() already pulled
  size_t queued_ = 0;
  uint64_t wanted_ = 0;
  bool closed_ = false;
};

}  // namespace tachyon
