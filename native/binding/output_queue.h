// Output a connection could not write yet, as a chain of blocks (Redis's
// reply list): appending never copies what is already queued and never
// doubles a buffer, so queued output costs about its own size, and written
// blocks are released at once. Blocks are pages outside glibc's heap
// (core/page_alloc.h), so a backlog that drains leaves no holes under the
// keyspace; they are counted: queued output is part of used_memory.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/page_alloc.h"

namespace tachyon {

class OutputQueue {
 public:
  // A block is 16 KB (PROTO_REPLY_CHUNK_BYTES) with its header, or one
  // bigger write's size rounded to pages.
  static constexpr size_t kBlockSize = kPageBlockSize;

  OutputQueue() = default;
  ~OutputQueue() { Clear(); }
  OutputQueue(const OutputQueue&) = delete;
  OutputQueue& operator=(const OutputQueue&) = delete;

  size_t size() const { return bytes_; }
  bool empty() const { return bytes_ == 0; }
  // Allocator bytes held by the blocks.
  size_t memory() const { return memory_; }

  void Append(const char* data, size_t n) {
    if (n == 0) return;
    if (tail_ && tail_->used < tail_->size) {
      size_t room = tail_->size - tail_->used;
      size_t k = n < room ? n : room;
      memcpy(tail_->data + tail_->used, data, k);
      tail_->used += k;
      bytes_ += k;
      data += k;
      n -= k;
    }
    if (n == 0) return;
    size_t want = sizeof(Block) + n;
    size_t mapped;
    Block* b = static_cast<Block*>(PageAlloc(want > kBlockSize ? want : kBlockSize, &mapped));
    b->next = nullptr;
    b->mapped = mapped;
    b->size = mapped - sizeof(Block);
    b->used = n;
    b->sent = 0;
    memcpy(b->data, data, n);
    memory_ += mapped;
    bytes_ += n;
    if (tail_) tail_->next = b;
    else head_ = b;
    tail_ = b;
  }

  // Fills iov with the unsent parts of the first blocks; returns how many.
  int Gather(struct iovec* iov, int max) const {
    int n = 0;
    for (Block* b = head_; b && n < max; b = b->next, n++) {
      iov[n].iov_base = b->data + b->sent;
      iov[n].iov_len = b->used - b->sent;
    }
    return n;
  }

  // Drops n written bytes from the front, releasing blocks fully written.
  void Consume(size_t n) {
    bytes_ -= n;
    while (n > 0 && head_) {
      size_t left = head_->used - head_->sent;
      if (n < left) {
        head_->sent += n;
        return;
      }
      n -= left;
      PopHead();
    }
  }

  void Clear() {
    while (head_) PopHead();
    bytes_ = 0;
  }

 private:
  struct Block {
    Block* next;
    size_t mapped;  // the whole block, header included
    size_t size;    // capacity of data
    size_t used;  // bytes stored
    size_t sent;  // bytes of them written
    char data[];
  };

  void PopHead() {
    Block* b = head_;
    head_ = b->next;
    if (!head_) tail_ = nullptr;
    memory_ -= b->mapped;
    PageFree(b, b->mapped);
  }

  Block* head_ = nullptr;
  Block* tail_ = nullptr;
  size_t bytes_ = 0;
  size_t memory_ = 0;
};

}  // namespace tachyon
