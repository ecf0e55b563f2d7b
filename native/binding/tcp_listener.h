// A TCP listening socket opened synchronously, for CONFIG SET port / bind:
// Redis answers those only after its new listeners are bound, and Node's
// net.Server reports a bind failure asynchronously. TypeScript hands the
// descriptor to a net.Server ({fd}) once every address is bound.
#pragma once

#include <string>

namespace tachyon {

// socket(), SO_REUSEADDR (IPV6_V6ONLY for IPv6), bind(host:port), listen(backlog).
// Returns the descriptor, or -errno (the socket closed). host may be a name.
int OpenTcpListener(const std::string& host, int port, int backlog);

}  // namespace tachyon
