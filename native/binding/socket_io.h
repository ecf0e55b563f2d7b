// Native socket I/O for client connections, on Node's own libuv loop.
//
// TypeScript accepts connections (net.Server) and then hands the socket's file
// descriptor here. From then on each readable event is one read(2) into the
// client's query buffer, the batch runs in the dispatcher, and the replies go
// out with one write(2): no JavaScript runs for a batch of pure data commands.
// Only batches that need TypeScript (a command it owns, blocking, events,
// closing) call back into it, and TypeScript's own output (pub/sub pushes,
// replies of its commands) comes back through Write() so the byte order on
// the socket stays the order of the replies.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "binding/output_queue.h"
#include "core/zmalloc.h"
typedef struct ssl_st SSL;

namespace tachyon {

class SocketIo;

// What SocketIo reports, per client slot.
class SocketIoHandler {
 public:
  virtual void OnReadable(int slot) = 0;
  // The connection failed, its output was flushed after End(), or (over_limit)
  // its unwritten output passed client-output-buffer-limit: TypeScript closes it.
  virtual void OnClosed(int slot, bool over_limit) = 0;

 protected:
  ~SocketIoHandler() = default;
};

// Output a connection takes after its own queue from a buffer it shares
// with others, without a copy (a replica's part of the replication buffer,
// server/replication_stream.h): written by writev from the shared blocks.
class SharedOutput {
 public:
  // The unwritten bytes for slot; how many iovecs were filled.
  virtual int Gather(int slot, struct iovec* iov, int max) = 0;
  // The socket of slot took n of them.
  virtual void Consume(int slot, size_t n) = 0;

 protected:
  ~SharedOutput() = default;
};

// One attached connection: a poll handle on the socket's fd, and the output
// the kernel has not taken yet. Node's socket keeps the fd (it never reads or
// writes it: the connection arrives paused) and closes it after Detach(); one
// descriptor per client, as in Redis.
// client-output-buffer-limit for one client class (0 = no limit).
struct OutputLimit {
  uint64_t hard = 0;
  uint64_t soft = 0;
  uint64_t soft_seconds = 0;
};

// Client classes for output limits (Redis's normal, pubsub and replica).
enum OutputClass : uint8_t { kOutputNormal = 0, kOutputPubSub = 1, kOutputReplica = 2, kOutputClasses = 3 };

struct IoConn : public ZCounted {
  ~IoConn();
  uv_poll_t poll;
  SocketIo* owner = nullptr;
  int fd = -1;
  int slot = -1;
  bool detached = false;
  bool ending = false;       // End(): report OnClosed once the output is flushed
  bool over_limit = false;   // output limit passed: output dropped, closing
  uint8_t output_class = kOutputNormal;
  uint64_t soft_since_ms = 0;  // loop time the soft limit was first passed (0: under it)
  bool queued = false;         // waiting in SocketIo::to_report_
  bool handle_closed = false;  // libuv released the poll handle while queued
  int events = 0;            // what the poll handle waits for
  OutputQueue pending;       // output the kernel has not taken yet (counted in used_memory)
  SharedOutput* shared = nullptr;  // written once pending is empty (a replica's stream)
  bool shared_waits = false;       // shared output is left that the socket did not take
  uint64_t shared_soft_since_ms = 0;  // soft-limit timer of the shared output
  uint64_t bytes_written = 0;
  // TLS (tls.h): reads and writes go through SSL_read/SSL_write on the socket.
  SSL* ssl = nullptr;
  bool read_wants_write = false;  // SSL_read needs the socket writable (a handshake message)
  bool write_wants_read = false;  // SSL_write waits for the peer (handshake in progress)
  std::string error;              // why a TLS connection failed (logged by TypeScript)
  bool handshake_failed = false;  // ... and whether that was before the handshake completed
  bool handshaken = false;        // the handshake completed
};

class SocketIo {
 public:
  SocketIo(uv_loop_t* loop, SocketIoHandler* handler) : loop_(loop), handler_(handler) {}
  ~SocketIo();

  // Starts native I/O on fd; false if that is not possible here. With `ssl`
  // (TlsContext::Accept) the connection speaks TLS; the IoConn owns it.
  bool Attach(int slot, int fd, SSL* ssl = nullptr);
  // TLS: decrypted input OpenSSL holds, which no poll event will announce.
  bool TlsPending(const IoConn* c) const;
  IoConn* conn(int slot) const;

  // Result of Read(): bytes read, 0 when nothing is available now, -1 at end of
  // stream or on an error (the caller closes).
  ssize_t Read(IoConn* c, char* buf, size_t cap);
  // Writes now what the kernel takes, queues the rest.
  void Write(IoConn* c, const char* data, size_t n);
  // Stops polling (end of stream seen); TypeScript detaches when it closes the client.
  void Stop(IoConn* c);
  // Closes after the queued output is written (QUIT, protocol errors): OnClosed follows.
  void End(IoConn* c);
  // Stops all I/O at once, before Node closes the socket.
  void Detach(int slot);
  size_t pending_bytes(const IoConn* c) const { return c->pending.size(); }
  // While a script blocks the loop (busy-reply-threshold passed): one poll(2)
  // without waiting over every open connection but skip_slot; returns the
  // slots with input (or a hang-up) to read, and flushes output that waits.
  // listen_fds are polled too: those with a pending connection go to *accept_ready.
  std::vector<int> PollReadable(int skip_slot, const std::vector<int>& listen_fds, std::vector<int>* accept_ready);
  void set_limit(int cls, const OutputLimit& l) { limits_[cls] = l; }

  // Shared output (a replica's stream): Kick() writes what the socket takes
  // now (after the connection's own queue) and polls for the rest.
  void SetShared(IoConn* c, SharedOutput* out);
  void Kick(IoConn* c);
  // The replica limit of client-output-buffer-limit against `used` bytes of
  // shared output (Redis checks it when a block is added); when passed, the
  // connection is closed as an over-limit one (true).
  bool CheckSharedLimit(IoConn* c, uint64_t used);

 private:
  // Redis's checkClientOutputBufferLimits on the unwritten output: the hard
  // limit at once, the soft one when passed for longer than its seconds.
  bool OverLimit(IoConn* c);
  bool LimitReached(const OutputLimit& l, uint64_t used, uint64_t* soft_since_ms);
  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnCheck(uv_check_t* handle);
  // Reports the close of c from the loop's check phase, outside the caller's stack.
  void ReportLater(IoConn* c);
  void Flush(IoConn* c);
  // The shared output after pending (false: the peer is gone).
  bool FlushShared(IoConn* c);
  // Output of a TLS connection: SSL_write of what it can take, the rest stays in pending.
  void FlushTls(IoConn* c);
  void UpdatePoll(IoConn* c);

  uv_loop_t* loop_;
  SocketIoHandler* handler_;
  std::vector<IoConn*> conns_;  // by client slot
  uv_check_t* report_check_ = nullptr;  // runs after the poll phase while closes wait
  std::vector<IoConn*> to_report_;      // kept allocated while queued (see OnHandleClosed)
  OutputLimit limits_[kOutputClasses];
};

}  // namespace tachyon
