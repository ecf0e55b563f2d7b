// The Node-API surface of replication, driven by src/replication/: the
// master's replication stream and backlog (server/replication_stream.h) and
// the replicas it feeds. One entry point, replication(op, ...args), keeps
// addon.cc's method table small.
//
// Online replicas are written natively: every time stream bytes are added a
// check handle is started on Node's loop, and once per loop iteration (after
// the poll phase, like Redis's beforeSleep) each online replica's socket gets
// the bytes it has not seen yet, in one write.
#pragma once

#include <napi.h>

#include <functional>
#include <memory>

namespace tachyon {

class Server;

class ReplicationBinding {
 public:
  // Writes bytes to a client's socket after its earlier output; false if the
  // client is not served by native I/O.
  using Writer = std::function<bool(int slot, const char* data, size_t n)>;
  ReplicationBinding(Server& server, napi_env env, Writer writer);
  ~ReplicationBinding();
  // info[0] is the operation name; see replication_binding.cc.
  Napi::Value Call(const Napi::CallbackInfo& info);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tachyon
