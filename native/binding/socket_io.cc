// Compiled only when uv.h is available (see CMakeLists.txt).
#ifdef TACHYON_NATIVE_IO
#include "binding/socket_io.h"

#include "binding/tls.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sys/uio.h>
#include <unistd.h>

#include <vector>

namespace tachyon {

namespace {

// Blocks handed to one writev(2).
constexpr int kMaxIov = 64;

// The fd itself belongs to Node's socket, which closes it after Detach(). A
// connection still queued for a report is freed by the report instead.
void OnHandleClosed(uv_handle_t* h) {
  IoConn* c = static_cast<IoConn*>(h->data);
  if (c->queued) c->handle_closed = true;
  else delete c;
}

}  // namespace

IoConn::~IoConn() { TlsFree(ssl); }

SocketIo::~SocketIo() {
  for (size_t i = 0; i < conns_.size(); i++) {
    if (conns_[i]) Detach(static_cast<int>(i));
  }
  for (IoConn* c : to_report_) {
    c->queued = false;
    if (c->handle_closed) delete c;
  }
  if (report_check_) {
    uv_close(reinterpret_cast<uv_handle_t*>(report_check_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_check_t*>(h); });
  }
}

void SocketIo::ReportLater(IoConn* c) {
  Stop(c);
  if (c->queued) return;
  c->queued = true;
  to_report_.push_back(c);
  if (!report_check_) {
    report_check_ = new uv_check_t();
    uv_check_init(loop_, report_check_);
    report_check_->data = this;
  }
  uv_check_start(report_check_, OnCheck);
}

void SocketIo::OnCheck(uv_check_t* handle) {
  SocketIo* io = static_cast<SocketIo*>(handle->data);
  uv_check_stop(handle);
  std::vector<IoConn*> batch;
  batch.swap(io->to_report_);
  for (IoConn* c : batch) {
    c->queued = false;
    if (c->handle_closed) delete c;
    else if (!c->detached) io->handler_->OnClosed(c->slot, c->over_limit);
  }
}

bool SocketIo::Attach(int slot, int fd, SSL* ssl) {
  if (slot < 0 || fd < 0) {
    TlsFree(ssl);
    return false;
  }
  IoConn* c = new IoConn();
  c->owner = this;
  c->fd = fd;
  c->slot = slot;
  c->ssl = ssl;
  if (uv_poll_init(loop_, &c->poll, fd) != 0) {
    delete c;
    return false;
  }
  c->poll.data = c;
  if (static_cast<size_t>(slot) >= conns_.size()) conns_.resize(slot + 1, nullptr);
  if (conns_[slot]) Detach(slot);
  conns_[slot] = c;
  UpdatePoll(c);
  return true;
}

IoConn* SocketIo::conn(int slot) const {
  return slot >= 0 && static_cast<size_t>(slot) < conns_.size() ? conns_[slot] : nullptr;
}

void SocketIo::Detach(int slot) {
  IoConn* c = conn(slot);
  if (!c) return;
  conns_[slot] = nullptr;
  c->detached = true;
  // close_notify now: Node closes the fd right after this (the SSL is freed later).
  if (c->ssl && c->error.empty()) TlsShutdown(c->ssl);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->poll), OnHandleClosed);
}

bool SocketIo::TlsPending(const IoConn* c) const { return c->ssl && tachyon::TlsPending(c->ssl); }

ssize_t SocketIo::Read(IoConn* c, char* buf, size_t cap) {
  if (c->ssl) {
    int want;
    // (An SSL in error no longer says its handshake had finished: remember it before.)
    bool handshaken = c->handshaken || TlsHandshakeDone(c->ssl);
    long n = TlsRead(c->ssl, buf, cap, &want, &c->error);
    if (n < 0) {
      c->handshake_failed = !handshaken;
      return -1;
    }
    c->handshaken = handshaken || n > 0;
    // A handshake message the socket could not take: wait until it is writable.
    bool wants_write = n == 0 && want == kTlsWantWrite;
    if (wants_write != c->read_wants_write) {
      c->read_wants_write = wants_write;
      UpdatePoll(c);
    }
    // Output queued before the handshake completed may go now.
    if (c->write_wants_read && pending_bytes(c) > 0) Flush(c);
    return n;
  }
  for (;;) {
    ssize_t n = read(c->fd, buf, cap);
    if (n > 0) return n;
    if (n == 0) return -1;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  }
}

void SocketIo::Write(IoConn* c, const char* data, size_t n) {
  if (n == 0 || c->detached || c->over_limit) return;
  if (pending_bytes(c) == 0 && c->ssl) {
    while (n > 0) {
      int want;
      long w = TlsWrite(c->ssl, data, n, &want, &c->error);
      if (w < 0) return;  // the peer is gone: reading reports it
      if (w == 0) {
        c->write_wants_read = want == kTlsWantRead;
        break;
      }
      c->bytes_written += w;
      data += w;
      n -= w;
    }
    if (n == 0) return;
  } else if (pending_bytes(c) == 0) {
    while (n > 0) {
      ssize_t w = write(c->fd, data, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return;  // the peer is gone: reading reports it
        break;
      }
      c->bytes_written += w;
      data += w;
      n -= w;
    }
    if (n == 0) return;
  }
  c->pending.Append(data, n);
  if (OverLimit(c)) {
    // Like Redis's freeClientAsync: nothing more is sent; the close is reported from the loop
    // (the output stays until then, so the log line shows its size).
    c->over_limit = true;
    c->ending = true;
    ReportLater(c);
    return;
  }
  UpdatePoll(c);
}

// client-output-buffer-limit: over the hard limit, or over the soft one for
// longer than its seconds (*soft_since_ms: when it was first over, 0 if not).
bool SocketIo::LimitReached(const OutputLimit& l, uint64_t used, uint64_t* soft_since_ms) {
  bool hard = l.hard && used >= l.hard;
  bool soft = false;
  if (l.soft && used >= l.soft) {
    uint64_t now = uv_now(loop_);
    if (*soft_since_ms == 0) *soft_since_ms = now;
    else soft = now - *soft_since_ms > l.soft_seconds * 1000;
  } else {
    *soft_since_ms = 0;
  }
  return hard || soft;
}

bool SocketIo::OverLimit(IoConn* c) {
  return LimitReached(limits_[c->output_class], pending_bytes(c), &c->soft_since_ms);
}

std::vector<int> SocketIo::PollReadable(int skip_slot, const std::vector<int>& listen_fds,
                                        std::vector<int>* accept_ready) {
  std::vector<pollfd> fds;
  std::vector<IoConn*> which;
  for (IoConn* c : conns_) {
    if (!c || c->detached || c->ending || c->slot == skip_slot) continue;
    if (pending_bytes(c) > 0 || c->shared_waits) Flush(c);
    fds.push_back({c->fd, POLLIN, 0});
    which.push_back(c);
  }
  size_t nconns = fds.size();
  for (int fd : listen_fds) fds.push_back({fd, POLLIN, 0});
  std::vector<int> ready;
  if (fds.empty()) return ready;
  if (poll(fds.data(), fds.size(), 0) < 0) return ready;
  for (size_t i = 0; i < fds.size(); i++) {
    bool tls_ready = i < nconns && TlsPending(which[i]);
    if (!tls_ready && !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    if (i < nconns) ready.push_back(which[i]->slot);
    else accept_ready->push_back(fds[i].fd);
  }
  return ready;
}

void SocketIo::Stop(IoConn* c) {
  if (c->detached || c->events == 0) return;
  uv_poll_stop(&c->poll);
  c->events = 0;
}

void SocketIo::End(IoConn* c) {
  c->ending = true;
  if (pending_bytes(c) == 0) ReportLater(c);
  else UpdatePoll(c);
}

void SocketIo::SetShared(IoConn* c, SharedOutput* out) {
  c->shared = out;
  c->shared_waits = false;
  c->shared_soft_since_ms = 0;
  UpdatePoll(c);
}

void SocketIo::Kick(IoConn* c) {
  if (c->detached || c->over_limit || !c->shared || pending_bytes(c) > 0) return;
  FlushShared(c);
  UpdatePoll(c);
}

bool SocketIo::CheckSharedLimit(IoConn* c, uint64_t used) {
  if (c->detached || c->over_limit) return false;
  if (!LimitReached(limits_[kOutputReplica], used, &c->shared_soft_since_ms)) return false;
  c->over_limit = true;
  c->ending = true;
  ReportLater(c);
  return true;
}

bool SocketIo::FlushShared(IoConn* c) {
  struct iovec iov[kMaxIov];
  c->shared_waits = false;
  for (;;) {
    int n = c->shared->Gather(c->slot, iov, c->ssl ? 1 : kMaxIov);
    if (n == 0) return true;
    size_t want = 0;
    for (int i = 0; i < n; i++) want += iov[i].iov_len;
    size_t w;
    if (c->ssl) {
      int wants;
      long r = TlsWrite(c->ssl, static_cast<const char*>(iov[0].iov_base), iov[0].iov_len, &wants, &c->error);
      if (r < 0) return false;
      if (r == 0) {
        c->write_wants_read = wants == kTlsWantRead;
        c->shared_waits = true;
        return true;
      }
      w = static_cast<size_t>(r);
    } else {
      ssize_t r = writev(c->fd, iov, n);
      if (r < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          c->shared_waits = true;
          return true;
        }
        return false;  // the peer is gone: reading reports it
      }
      w = static_cast<size_t>(r);
    }
    c->bytes_written += w;
    c->shared->Consume(c->slot, w);
    if (w < want) {
      c->shared_waits = true;
      return true;
    }
  }
}

void SocketIo::FlushTls(IoConn* c) {
  struct iovec iov[1];
  while (pending_bytes(c) > 0) {
    c->pending.Gather(iov, 1);  // the front block (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER)
    int want;
    long w = TlsWrite(c->ssl, static_cast<const char*>(iov[0].iov_base), iov[0].iov_len, &want, &c->error);
    if (w == 0) {
      c->write_wants_read = want == kTlsWantRead;
      return;
    }
    if (w < 0) break;  // the peer is gone
    c->write_wants_read = false;
    c->bytes_written += w;
    c->pending.Consume(static_cast<size_t>(w));
  }
  c->write_wants_read = false;
  c->pending.Clear();
  c->soft_since_ms = 0;
  if (c->shared && !c->over_limit) FlushShared(c);
}

void SocketIo::Flush(IoConn* c) {
  if (c->ssl) return FlushTls(c);
  struct iovec iov[kMaxIov];
  while (pending_bytes(c) > 0) {
    int n = c->pending.Gather(iov, kMaxIov);
    ssize_t w = writev(c->fd, iov, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      break;  // the peer is gone
    }
    c->bytes_written += w;
    c->pending.Consume(static_cast<size_t>(w));
  }
  c->pending.Clear();
  c->soft_since_ms = 0;
  if (c->shared && !c->over_limit) FlushShared(c);
}

// Reads while the connection is open (not once it is ending); polls for
// writability only while output waits.
void SocketIo::UpdatePoll(IoConn* c) {
  if (c->detached) return;
  // TLS: a write waiting for the peer's handshake waits for input, a read needing output for room.
  bool write_waits = (pending_bytes(c) > 0 || c->shared_waits) && !(c->ssl && c->write_wants_read);
  bool read_side = !c->ending || (c->ssl && c->write_wants_read && (pending_bytes(c) > 0 || c->shared_waits));
  int events = (read_side ? UV_READABLE : 0) | (write_waits || c->read_wants_write ? UV_WRITABLE : 0);
  if (events == c->events) return;
  if (events == 0) return Stop(c);
  c->events = events;
  uv_poll_start(&c->poll, events, OnPoll);
}

void SocketIo::OnPoll(uv_poll_t* handle, int status, int events) {
  IoConn* c = static_cast<IoConn*>(handle->data);
  SocketIo* io = c->owner;
  int slot = c->slot;
  if (status < 0) {
    // An error on the socket: stop polling it and let TypeScript close the client.
    io->Stop(c);
    io->handler_->OnClosed(slot, false);
    return;
  }
  if ((events & UV_WRITABLE) && c->read_wants_write && !c->ending) {
    // SSL_read was waiting for room to send a handshake message.
    c->read_wants_write = false;
    io->handler_->OnReadable(slot);
    if (c->detached) return;
  }
  if ((events & UV_WRITABLE) || ((events & UV_READABLE) && c->ssl && c->write_wants_read)) {
    io->Flush(c);
    if (c->ending && io->pending_bytes(c) == 0) {
      io->Stop(c);
      io->handler_->OnClosed(slot, c->over_limit);
      return;
    }
    io->UpdatePoll(c);
  }
  if ((events & UV_READABLE) && !c->ending && !c->detached) io->handler_->OnReadable(slot);
}

}  // namespace tachyon

#endif  // TACHYON_NATIVE_IO
