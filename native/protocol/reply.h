// Reply writer: appends RESP2 or RESP3 replies to one growable byte buffer.
//
// Command code never writes protocol bytes itself; it calls these typed
// methods, and the protocol version of the client decides the encoding
// (a RESP3 map becomes a flat RESP2 array, a RESP3 null becomes $-1 or *-1,
// a double becomes a bulk string, and so on).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include "core/zmalloc.h"

namespace tachyon {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  ~ByteBuffer() { ZFree(data_); }
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;

  char* data() { return data_; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return cap_; }
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }
  // Drops capacity beyond `keep` bytes so an idle client does not pin a big buffer.
  void Trim(size_t keep);
  // Hands the block (ZMalloc'd) over, leaving the buffer empty and unallocated.
  char* Release(size_t* cap) {
    char* p = data_;
    *cap = cap_;
    data_ = nullptr;
    size_ = cap_ = 0;
    return p;
  }
  // Takes a block of `cap` bytes from Release() (the buffer must be unallocated).
  void Adopt(char* p, size_t cap) {
    data_ = p;
    cap_ = cap;
    size_ = 0;
  }

  void Reserve(size_t extra) {
    if (size_ + extra > cap_) Grow(size_ + extra);
  }
  void Append(const void* p, size_t n) {
    if (n == 0) return;  // p may be null (an empty Buffer from JavaScript)
    Reserve(n);
    memcpy(data_ + size_, p, n);
    size_ += n;
  }
  void Append(std::string_view s) { Append(s.data(), s.size()); }
  void Push(char c) {
    Reserve(1);
    data_[size_++] = c;
  }
  // Raw access for writers that format in place.
  char* Tail() { return data_ + size_; }
  void Advance(size_t n) { size_ += n; }
  void Truncate(size_t n) { size_ = n; }

 private:
  void Grow(size_t need);
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t cap_ = 0;
};

// Receives every error reply, for INFO errorstats and failed-call counts.
class ErrorSink {
 public:
  virtual void OnErrorReply(std::string_view msg) = 0;

 protected:
  ~ErrorSink() = default;
};

class Reply {
 public:
  explicit Reply(ByteBuffer* out, ErrorSink* sink = nullptr) : out_(out), sink_(sink) {}

  int resp() const { return resp_; }
  void set_resp(int v) { resp_ = v; }
  ByteBuffer* buffer() { return out_; }
  void set_buffer(ByteBuffer* out) { out_ = out; }

  void Ok() { out_->Append("+OK\r\n", 5); }
  void Simple(std::string_view s);
  // `msg` is the full error text, e.g. "ERR syntax error" or "WRONGTYPE ...".
  void Error(std::string_view msg);
  // An error INFO errorstats has already counted (a script passing on the
  // error of a redis.call): written without telling the sink again.
  void ErrorUncounted(std::string_view msg) {
    ErrorSink* sink = sink_;
    sink_ = nullptr;
    Error(msg);
    sink_ = sink;
  }
  void Int(long long v);
  void Bulk(std::string_view s);
  void BulkInt(long long v);  // an integer sent as a bulk string
  void Null();                // missing value: $-1 / _
  void NullArray();           // missing aggregate: *-1 / _
  void Array(size_t n) { Header('*', n); }
  void Map(size_t n) { resp_ >= 3 ? Header('%', n) : Header('*', n * 2); }
  void Set(size_t n) { resp_ >= 3 ? Header('~', n) : Header('*', n); }
  void Push(size_t n) { resp_ >= 3 ? Header('>', n) : Header('*', n); }
  // A double as Redis sends scores: RESP3 ",<%.17g>" / RESP2 bulk.
  void Double(double d);
  // A double already formatted as text (Redis's addReplyHumanLongDouble):
  // RESP3 ",<text>", RESP2 a bulk string.
  void DoubleText(std::string_view text);
  void Bool(bool b);
  void Verbatim(std::string_view s, std::string_view format = "txt");
  // A big number: RESP3 "(<digits>", RESP2 a bulk string (DEBUG PROTOCOL bignum).
  void BigNum(std::string_view digits) {
    if (resp_ >= 3) {
      out_->Push('(');
      out_->Append(digits);
      out_->Append("\r\n", 2);
    } else {
      Bulk(digits);
    }
  }
  // An attribute map header (RESP3 only; the caller writes nothing under RESP2).
  void Attribute(size_t n) { Header('|', n); }
  // Appends already encoded RESP bytes (e.g. a reply produced by TypeScript).
  void Raw(std::string_view bytes) { out_->Append(bytes); }

  // Deferred aggregate length, for replies whose element count is known only at the end.
  size_t BeginDeferredArray();
  void EndDeferredArray(size_t handle, size_t n, char type = '*');

  void Header(char type, size_t n);

 private:
  ByteBuffer* out_;
  ErrorSink* sink_;
  int resp_ = 2;
};

// Formats v into buf (at least 21 bytes); returns the length.
size_t FormatInt(char* buf, long long v);

}  // namespace tachyon
