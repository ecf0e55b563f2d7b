// A blocking request/reply exchange with a TCP peer, for MIGRATE where nothing
// may wait (MULTI/EXEC, scripts): Redis's connBlockingConnect, syncWrite and
// syncReadLine, with one connection per exchange.
#pragma once

#include <string>
#include <vector>

namespace tachyon {

struct BlockingExchangeResult {
  // Where it failed: "" (it did not), "connect", "write" or "read".
  const char* failed = "";
  // The failure was a timeout (Redis's errno == ETIMEDOUT: no retry).
  bool timed_out = false;
  // The reply lines read before it ended, CRLF stripped, each at most 1023 bytes.
  std::vector<std::string> lines;
};

// Resolves `host`, connects to `port` within `timeout_ms`, writes `request`
// within `timeout_ms`, then reads `replies` lines, each within `timeout_ms`.
// A connection the peer refuses or resets counts as made and fails the write
// (Redis's non-blocking connect reports success and its write then fails).
BlockingExchangeResult BlockingExchange(const std::string& host, int port, int timeout_ms,
                                        const std::string& request, int replies);

}  // namespace tachyon
