// replication(op, ...args): the operations src/replication/ calls.
//
//   start(backlogSize)          create the backlog and take the propagated commands (idempotent)
//   stop()                      free the backlog and stop taking commands (repl-backlog-ttl)
//   resize(backlogSize)         repl-backlog-size changed
//   state()                     -> [active, offset, firstByte, histlen, selectedDb]
//   setOffset(n)                number the stream from n, backlog emptied (after loading a master's snapshot)
//   forceSelect()               the next command goes after a SELECT (a full resync starts)
//   feedCommand(args: string[]) a command in the stream's current database (PING, REPLCONF GETACK *)
//   publish(db, args: Buffer[]) PUBLISH/SPUBLISH, which TypeScript runs, to the replicas through the
//                               propagation path (Redis's forceCommandPropagation(PROPAGATE_REPL))
//   attachSink(on)              take (true) or not (false, we are a replica) the propagated commands
//   pinReplica(slot, offset)    a replica waiting for a snapshot made at `offset`: the stream from
//                               there is kept for it (shared buffer) -> ok (false: already gone)
//   addReplica(slot, after)     feed slot everything after byte `after` (its pin, or the backlog for a
//                               partial resync), then keep it fed -> ok (false: those bytes are gone)
//   removeReplica(slot)         unpin; the blocks only it needed are freed
//   flush()                     write pending stream bytes to the online replicas now
//   woff(slot, set?)            the stream offset when that client's last command ended (WAIT);
//                               with `set`, replaced by it (WAIT itself, which TypeScript runs)
//
// A pinned replica (syncing or online) whose part of the buffer passes the
// replica class of client-output-buffer-limit when a block is added is closed
// as an over-limit client (Redis's closeClientOnOutputBufferLimitReached from
// feedReplicationBuffer), so the buffer is bounded by that limit.
#include "binding/replication_binding.h"

#ifdef TACHYON_NATIVE_IO
#include <uv.h>

#include "binding/socket_io.h"
#endif

#include <algorithm>
#include <string>
#include <vector>

#include "server/replication_stream.h"
#include "server/server.h"

namespace tachyon {

struct ReplicationBinding::Impl
#ifdef TACHYON_NATIVE_IO
    : public SharedOutput
#endif
{
  Impl(Server& s, napi_env e, IoSource i) : server(s), env(e), io(std::move(i)), stream(s.propagator()) {
    server.repl_stream = &stream;
    stream.on_data = [this] {
      server.repl_offset = stream.offset();  // each command's client keeps it as its woff (WAIT)
      if (stream.blocks_added() != blocks_seen) {
        blocks_seen = stream.blocks_added();
        CheckLimits();
      }
      ScheduleFlush();
    };
  }
  ~Impl() {
    server.repl_stream = nullptr;
#ifdef TACHYON_NATIVE_IO
    if (SocketIo* sio = io()) {
      for (int slot : online) {
        if (IoConn* c = sio->conn(slot)) sio->SetShared(c, nullptr);
      }
    }
    if (check) {
      uv_check_stop(check);
      uv_close(reinterpret_cast<uv_handle_t*>(check), [](uv_handle_t* h) { delete reinterpret_cast<uv_check_t*>(h); });
    }
#endif
  }

  Server& server;
  napi_env env;
  IoSource io;
  ReplicationStream stream;
  std::vector<int> online;  // slots written from the stream (a subset of its readers)
  uint64_t blocks_seen = 0;
#ifdef TACHYON_NATIVE_IO
  uv_check_t* check = nullptr;

  // SharedOutput: the socket layer writes a replica's bytes straight from the blocks.
  int Gather(int slot, struct iovec* iov, int max) override { return stream.Gather(slot, iov, max); }
  void Consume(int slot, size_t n) override { stream.Advance(slot, n); }
#endif

  void ScheduleFlush() {
    if (online.empty()) return;
#ifdef TACHYON_NATIVE_IO
    if (!check) {
      check = new uv_check_t();
      uv_loop_t* loop = nullptr;
      napi_get_uv_event_loop(env, &loop);
      uv_check_init(loop, check);
      check->data = this;
      uv_unref(reinterpret_cast<uv_handle_t*>(check));
    }
    uv_check_start(check, [](uv_check_t* h) {
      uv_check_stop(h);
      static_cast<Impl*>(h->data)->Flush();
    });
#endif
  }

  // Each online replica's socket takes what it can of the bytes it has not seen.
  void Flush() {
#ifdef TACHYON_NATIVE_IO
    SocketIo* sio = io();
    for (int slot : online) {
      IoConn* c = sio ? sio->conn(slot) : nullptr;
      if (c) sio->Kick(c);
    }
#endif
  }

  // A new block: every pinned replica against the replica output limit.
  void CheckLimits() {
#ifdef TACHYON_NATIVE_IO
    SocketIo* sio = io();
    if (!sio) return;
    for (int slot : stream.reader_slots()) {
      if (IoConn* c = sio->conn(slot)) sio->CheckSharedLimit(c, stream.ReaderMemory(slot));
    }
#endif
  }

  // Starts writing the stream to slot from its reader's position.
  bool GoOnline(int slot) {
#ifdef TACHYON_NATIVE_IO
    SocketIo* sio = io();
    IoConn* c = sio ? sio->conn(slot) : nullptr;
    if (!c) return false;
    if (std::find(online.begin(), online.end(), slot) == online.end()) online.push_back(slot);
    sio->SetShared(c, this);
    sio->Kick(c);
    return true;
#else
    (void)slot;
    return false;
#endif
  }

  void Remove(int slot) {
    stream.Unpin(slot);
    auto it = std::find(online.begin(), online.end(), slot);
    if (it == online.end()) return;
    online.erase(it);
#ifdef TACHYON_NATIVE_IO
    SocketIo* sio = io();
    if (IoConn* c = sio ? sio->conn(slot) : nullptr) sio->SetShared(c, nullptr);
#endif
  }
};

ReplicationBinding::ReplicationBinding(Server& server, napi_env env, IoSource io)
    : impl_(std::make_unique<Impl>(server, env, std::move(io))) {}
ReplicationBinding::~ReplicationBinding() = default;

size_t ReplicationBinding::ReplicaOutput(int slot, size_t* blocks) const {
  return impl_->stream.ReaderMemory(slot, blocks);
}

Napi::Value ReplicationBinding::Call(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Impl& m = *impl_;
  const std::string op = info[0].As<Napi::String>().Utf8Value();
  auto num = [&](size_t i) { return info[i].As<Napi::Number>().Int64Value(); };

  if (op == "start") {
    m.stream.Start(static_cast<size_t>(num(1)));
    return env.Undefined();
  }
  if (op == "stop") {
    m.stream.Stop();
    return env.Undefined();
  }
  if (op == "resize") {
    m.stream.Resize(static_cast<size_t>(num(1)));
    return env.Undefined();
  }
  if (op == "state") {
    Napi::Array a = Napi::Array::New(env, 5);
    a.Set(0u, m.stream.active());
    a.Set(1u, static_cast<double>(m.stream.offset()));
    a.Set(2u, static_cast<double>(m.stream.first_byte()));
    a.Set(3u, static_cast<double>(m.stream.histlen()));
    a.Set(4u, m.stream.selected_db());
    return a;
  }
  if (op == "woff") {
    Client* c = m.server.client(static_cast<int>(num(1)));
    if (!c) return Napi::Number::New(env, 0);
    const double before = static_cast<double>(c->woff);
    if (info.Length() > 2) c->woff = num(2);
    return Napi::Number::New(env, before);
  }
  if (op == "setOffset") {
    m.stream.SetOffset(num(1));  // readers move there too
    m.server.repl_offset = m.stream.offset();
    return env.Undefined();
  }
  if (op == "forceSelect") {
    m.stream.ForceSelect();
    return env.Undefined();
  }
  if (op == "publish") {
    Napi::Array arr = info[2].As<Napi::Array>();
    std::vector<std::string> args;
    for (uint32_t i = 0; i < arr.Length(); i++) {
      auto b = arr.Get(i).As<Napi::Uint8Array>();
      args.emplace_back(reinterpret_cast<const char*>(b.Data()), b.ByteLength());
    }
    m.server.propagator().Command(static_cast<int>(num(1)), std::move(args), kPropagateReplicas);
    return env.Undefined();
  }
  if (op == "feedCommand") {
    if (!m.stream.active()) return env.Undefined();
    Napi::Array arr = info[1].As<Napi::Array>();
    std::vector<std::string> args;
    for (uint32_t i = 0; i < arr.Length(); i++) args.push_back(arr.Get(i).As<Napi::String>().Utf8Value());
    std::vector<std::string_view> views(args.begin(), args.end());
    m.stream.FeedCommand(views.data(), views.size());
    return env.Undefined();
  }
  if (op == "attachSink") {
    if (info[1].As<Napi::Boolean>().Value()) {
      if (m.stream.active()) m.server.propagator().AddSink(&m.stream);
    } else {
      m.server.propagator().RemoveSink(&m.stream);
    }
    return env.Undefined();
  }
  if (op == "pinReplica") {
    return Napi::Boolean::New(env, m.stream.Pin(static_cast<int>(num(1)), num(2)));
  }
  if (op == "addReplica") {
    const int slot = static_cast<int>(num(1));
    const int64_t after = num(2);
    if (m.stream.position(slot) != after && !m.stream.Pin(slot, after)) {
      m.Remove(slot);
      return Napi::Boolean::New(env, false);
    }
    if (!m.GoOnline(slot)) {
      m.Remove(slot);
      return Napi::Boolean::New(env, false);
    }
    return Napi::Boolean::New(env, true);
  }
  if (op == "removeReplica") {
    m.Remove(static_cast<int>(num(1)));
    return env.Undefined();
  }
  if (op == "flush") {
    m.Flush();
    return env.Undefined();
  }
  Napi::Error::New(env, "unknown replication operation " + op).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace tachyon
