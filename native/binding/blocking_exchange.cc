// A blocking request/reply exchange with a TCP peer (MIGRATE in MULTI/EXEC and
// scripts): getaddrinfo, a non-blocking connect waited for with poll, then the
// whole request written and each reply line read within the timeout, as
// Redis's connBlockingConnect, syncWrite and syncReadLine.
#include "binding/blocking_exchange.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

namespace tachyon {
namespace {

constexpr size_t kMaxLine = 1023;  // Redis reads each reply line into a 1024-byte buffer

using Clock = std::chrono::steady_clock;

// A peer that refused or reset the connection: Redis's connect "succeeded" and
// its write fails (then MIGRATE retries once); other errors fail the connect.
bool RefusedLike(int err) { return err == ECONNREFUSED || err == ECONNRESET || err == EHOSTUNREACH || err == EPIPE; }

class Fd {
 public:
  Fd() = default;
  ~Fd() { Reset(-1); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset(int fd) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Waits for `events` on fd until `deadline`: the revents, 0 on timeout, -1 on error.
int WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return 0;
    pollfd p{fd, events, 0};
    const int rc = poll(&p, 1, static_cast<int>(std::min<long long>(left, 0x7fffffff)));
    if (rc > 0) return p.revents;
    if (rc < 0 && errno != EINTR) return -1;
  }
}

Clock::time_point After(int timeout_ms) { return Clock::now() + std::chrono::milliseconds(timeout_ms); }

// Starts a non-blocking connect to the first address that accepts the attempt
// (as Redis's anetTcpNonBlockConnect); on failure fd stays -1 and *err is set.
void StartConnect(const std::string& host, int port, Fd& fd, int* err) {
  *err = EINVAL;
  if (host.empty() || host.find('\0') != std::string::npos) return;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int s = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (s < 0) {
      *err = errno;
      continue;
    }
    if (connect(s, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) {
      fd.Reset(s);
      break;
    }
    *err = errno;
    close(s);
  }
  freeaddrinfo(found);
}

// Splits complete lines off the front of `input` into `lines` (CRLF or LF
// stripped, each cut to 1023 bytes, the rest of a longer line dropped, as the
// asynchronous path in src/commands/migrate.ts) until `want` lines are there.
void TakeReplyLines(std::string& input, std::vector<std::string>& lines, size_t want) {
  size_t pos = 0;
  while (lines.size() < want) {
    const size_t nl = input.find('\n', pos);
    if (nl == std::string::npos) break;
    size_t end = nl > pos && input[nl - 1] == '\r' ? nl - 1 : nl;
    end = std::min(end, pos + kMaxLine);
    lines.emplace_back(input, pos, end - pos);
    pos = nl + 1;
  }
  input.erase(0, pos);
}

}  // namespace

BlockingExchangeResult BlockingExchange(const std::string& host, int port, int timeout_ms,
                                        const std::string& request, int replies) {
  BlockingExchangeResult out;
  const auto fail = [&out](const char* stage, bool timed_out) {
    out.failed = stage;
    out.timed_out = timed_out;
    return out;
  };

  // Connect.
  Fd fd;
  int err = 0;
  StartConnect(host, port, fd, &err);
  if (fd.get() < 0) return fail(RefusedLike(err) ? "write" : "connect", false);
  const int ready = WaitFor(fd.get(), POLLOUT, After(timeout_ms));
  if (ready == 0) return fail("connect", true);
  socklen_t len = sizeof(err);
  if (ready < 0 || getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) return fail("connect", false);
  if (err != 0) return fail(RefusedLike(err) ? "write" : "connect", false);
  const int one = 1;
  setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

  // Write the whole request within the timeout.
  const auto write_deadline = After(timeout_ms);
  for (size_t done = 0; done < request.size();) {
    const ssize_t n = send(fd.get(), request.data() + done, request.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const int w = WaitFor(fd.get(), POLLOUT, write_deadline);
      if (w == 0) return fail("write", true);
      if (w < 0) return fail("write", false);
      continue;  // writable, or an error the next send reports
    }
    return fail("write", false);
  }

  // Read `replies` lines, each within the timeout. Lines that arrived before
  // the peer closed are still taken.
  std::string input;
  const size_t want = replies > 0 ? static_cast<size_t>(replies) : 0;
  auto line_deadline = After(timeout_ms);
  char buf[16384];
  for (;;) {
    const size_t had = out.lines.size();
    TakeReplyLines(input, out.lines, want);
    if (out.lines.size() >= want) return out;
    if (out.lines.size() != had) line_deadline = After(timeout_ms);
    const ssize_t n = recv(fd.get(), buf, sizeof(buf), 0);
    if (n > 0) {
      input.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const int r = WaitFor(fd.get(), POLLIN, line_deadline);
      if (r == 0) return fail("read", true);
      if (r < 0) return fail("read", false);
      continue;
    }
    return fail("read", false);  // closed by the peer, or a socket error
  }
}

}  // namespace tachyon
