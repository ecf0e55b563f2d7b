// The Node-API surface of replication, driven by src/replication/: the
// master's replication stream and backlog (server/replication_stream.h) and
// the replicas it feeds. One entry point, replication(op, ...args), keeps
// addon.cc's method table small.
//
// Online replicas are written natively: every time stream bytes are added a
// check handle is started on Node's loop, and once per loop iteration (after
// the poll phase, like Redis's beforeSleep) each online replica's socket gets
// the bytes it has not seen yet, in one writev straight from the shared
// replication buffer (no copy per replica; what the socket does not take
// stays there, pinned, and goes when the socket is writable again).
#pragma once

#include <napi.h>

#include <functional>
#include <memory>

namespace tachyon {

class Server;
class SocketIo;

class ReplicationBinding {
 public:
  // The native socket layer (nullptr without native I/O: replicas cannot be fed).
  using IoSource = std::function<SocketIo*()>;
  ReplicationBinding(Server& server, napi_env env, IoSource io);
  ~ReplicationBinding();
  // info[0] is the operation name; see replication_binding.cc.
  Napi::Value Call(const Napi::CallbackInfo& info);
  // A replica's part of the replication buffer (CLIENT LIST omem, oll).
  size_t ReplicaOutput(int slot, size_t* blocks) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tachyon
