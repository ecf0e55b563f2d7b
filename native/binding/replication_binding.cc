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
//   feedRaw(buf)                stream bytes as received from our own master (proxied to sub-replicas)
//   attachSink(on)              take (true) or not (false, we are a replica) the propagated commands
//   addReplica(slot, after)     feed slot everything after byte `after`, then keep it fed -> ok
//                               (false: those bytes already left the backlog)
//   removeReplica(slot)
//   flush()                     write pending stream bytes to the online replicas now
//   woff(slot, set?)            the stream offset when that client's last command ended (WAIT);
//                               with `set`, replaced by it (WAIT itself, which TypeScript runs)
#include "binding/replication_binding.h"

#ifdef TACHYON_NATIVE_IO
#include <uv.h>
#endif

#include <algorithm>
#include <string>
#include <vector>

#include "server/replication_stream.h"
#include "server/server.h"

namespace tachyon {

struct ReplicationBinding::Impl {
  Impl(Server& s, napi_env e, Writer w) : server(s), env(e), writer(std::move(w)), stream(s.propagator()) {
    stream.on_data = [this] {
      server.repl_offset = stream.offset();  // each command's client keeps it as its woff (WAIT)
      ScheduleFlush();
    };
  }
  ~Impl() {
#ifdef TACHYON_NATIVE_IO
    if (check) {
      uv_check_stop(check);
      uv_close(reinterpret_cast<uv_handle_t*>(check), [](uv_handle_t* h) { delete reinterpret_cast<uv_check_t*>(h); });
    }
#endif
  }

  struct Replica {
    int slot;
    int64_t sent;  // stream bytes written to it so far
  };

  Server& server;
  napi_env env;
  Writer writer;
  ReplicationStream stream;
  std::vector<Replica> replicas;
  std::string chunk;
#ifdef TACHYON_NATIVE_IO
  uv_check_t* check = nullptr;
#endif

  void ScheduleFlush() {
    if (replicas.empty()) return;
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

  // Bytes every online replica has not seen yet. A replica the backlog no
  // longer covers (it cannot happen while flushes keep up) is dropped.
  void Flush() {
    for (size_t i = 0; i < replicas.size();) {
      Replica& r = replicas[i];
      if (r.sent == stream.offset()) {
        i++;
        continue;
      }
      if (!stream.Since(r.sent, &chunk) || !writer(r.slot, chunk.data(), chunk.size())) {
        replicas.erase(replicas.begin() + static_cast<long>(i));
        continue;
      }
      r.sent = stream.offset();
      i++;
    }
  }
};

ReplicationBinding::ReplicationBinding(Server& server, napi_env env, Writer writer)
    : impl_(std::make_unique<Impl>(server, env, std::move(writer))) {}
ReplicationBinding::~ReplicationBinding() = default;

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
    m.stream.SetOffset(num(1));
    m.server.repl_offset = m.stream.offset();
    for (Impl::Replica& r : m.replicas) r.sent = m.stream.offset();
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
  if (op == "feedRaw") {
    if (!m.stream.active()) return env.Undefined();
    auto b = info[1].As<Napi::Uint8Array>();
    m.stream.FeedRaw(reinterpret_cast<const char*>(b.Data()), b.ByteLength());
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
  if (op == "addReplica") {
    const int slot = static_cast<int>(num(1));
    const int64_t after = num(2);
    std::string ignored;
    if (!m.stream.Since(after, &ignored)) return Napi::Boolean::New(env, false);
    m.replicas.erase(std::remove_if(m.replicas.begin(), m.replicas.end(),
                                    [slot](const Impl::Replica& r) { return r.slot == slot; }),
                     m.replicas.end());
    m.replicas.push_back({slot, after});
    m.Flush();
    return Napi::Boolean::New(env, true);
  }
  if (op == "removeReplica") {
    const int slot = static_cast<int>(num(1));
    m.replicas.erase(std::remove_if(m.replicas.begin(), m.replicas.end(),
                                    [slot](const Impl::Replica& r) { return r.slot == slot; }),
                     m.replicas.end());
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
