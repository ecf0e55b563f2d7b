// The Node-API surface of persistence: snapshots (SAVE, BGSAVE's child),
// background loading and the AOF, driven by src/persistence/. One entry
// point, persistence(op, ...args), keeps addon.cc's method table small.
#pragma once

#include <napi.h>

#include <memory>

namespace tachyon {

class Server;

class PersistenceBinding {
 public:
  explicit PersistenceBinding(Server& server);
  ~PersistenceBinding();
  // info[0] is the operation name; see persistence_binding.cc.
  Napi::Value Call(const Napi::CallbackInfo& info);
  // Called before replies leave: writes (and with appendfsync always,
  // fsyncs) the AOF buffer, so no client hears about a write the AOF lacks.
  void BeforeReply();
  // Whether propagated writes wait in the AOF buffer.
  bool HasPendingAof() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tachyon
