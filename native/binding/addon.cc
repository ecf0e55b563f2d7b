// The Node-API surface of the native server: the only file that includes napi.h.
//
// Connections attached to native I/O (attach(), see socket_io.h) are read,
// executed and answered here without JavaScript; the rest of the surface is
// for what TypeScript owns. Hot calls (feed/resume) take a client slot number
// and a Buffer and return replies in a shared arena; the outcome code is
// written into a shared Int32Array so no result object is allocated per call.
// Its slots, and every enum passed across, are defined once in
// native/boundary.json (server/boundary.gen.h here, src/boundary.gen.ts there).
#include <fcntl.h>
#include <malloc.h>
#include <napi.h>
#include <unistd.h>
#ifdef TACHYON_NATIVE_IO
#include <sys/socket.h>
#include <unistd.h>
#endif

#include <memory>
#include <string>
#include <vector>

#include "binding/security_binding.h"
#include "core/hash.h"
#include "binding/migrate_binding.h"
#include "binding/persistence_binding.h"
#include "binding/replication_binding.h"
#include "server/crash_report.h"
#include "server/file_pages.h"
#include "server/server.h"
#ifdef TACHYON_NATIVE_IO
#include "binding/socket_io.h"
#include "binding/tcp_listener.h"
#include "binding/tls.h"
#endif

namespace tachyon {
namespace {

// Reply buffer capacity a client keeps between batches.
constexpr size_t kKeepOutput = 16 * 1024;

#ifdef TACHYON_NATIVE_IO
class NativeServer : public Napi::ObjectWrap<NativeServer>,
                     public JsExecutor,
                     public SocketIoHandler,
                     public BusyPump,
                     public ClientIo {
#else
class NativeServer : public Napi::ObjectWrap<NativeServer>, public JsExecutor {
#endif
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeServer",
                       {
                           InstanceMethod<&NativeServer::CreateClient>("createClient"),
                           InstanceMethod<&NativeServer::FreeClient>("freeClient"),
                           InstanceMethod<&NativeServer::Feed>("feed"),
                           InstanceMethod<&NativeServer::Resume>("resume"),
                           InstanceMethod<&NativeServer::TakeCommand>("takeCommand"),
                           InstanceMethod<&NativeServer::TakeInput>("takeInput"),
                           InstanceMethod<&NativeServer::SetClient>("setClient"),
                           InstanceMethod<&NativeServer::GetClientDb>("getClientDb"),
                           InstanceMethod<&NativeServer::ClientStateJs>("clientState"),
                           InstanceMethod<&NativeServer::SetJsCommands>("setJsCommands"),
                           InstanceMethod<&NativeServer::Configure>("configure"),
                           InstanceMethod<&NativeServer::Cron>("cron"),
                           InstanceMethod<&NativeServer::Info>("info"),
                           InstanceMethod<&NativeServer::MallocBytes>("mallocBytes"),
                           InstanceMethod<&NativeServer::MemoryInfo>("memoryInfo"),
                           InstanceMethod<&NativeServer::CommandStatsJs>("commandStats"),
                           InstanceMethod<&NativeServer::ErrorStats>("errorStats"),
                           InstanceMethod<&NativeServer::ResetStats>("resetStats"),
                           InstanceMethod<&NativeServer::RecordCall>("recordCall"),
                           InstanceMethod<&NativeServer::SetArena>("setArena"),
                           InstanceMethod<&NativeServer::SetJsExecutor>("setJsExecutor"),
                           InstanceMethod<&NativeServer::BlockInfo>("blockInfo"),
                           InstanceMethod<&NativeServer::TakeEvents>("takeEvents"),
                           InstanceMethod<&NativeServer::BlockingKey>("blockingKey"),
                           InstanceMethod<&NativeServer::TakeReadyKeys>("takeReadyKeys"),
                           InstanceMethod<&NativeServer::RetryBlocked>("retryBlocked"),
                           InstanceMethod<&NativeServer::Unblock>("unblock"),
                           InstanceMethod<&NativeServer::SetIoHandler>("setIoHandler"),
                           InstanceMethod<&NativeServer::Attach>("attach"),
                           InstanceMethod<&NativeServer::Write>("write"),
                           InstanceMethod<&NativeServer::EndIo>("endIo"),
                           InstanceMethod<&NativeServer::Detach>("detach"),
                           InstanceMethod<&NativeServer::IoStats>("ioStats"),
                           InstanceMethod<&NativeServer::SetOutputLimits>("setOutputLimits"),
                           InstanceMethod<&NativeServer::Persistence>("persistence"),
                           InstanceMethod<&NativeServer::Replication>("replication"),
                           InstanceMethod<&NativeServer::Migrate>("migrate"),
                           InstanceMethod<&NativeServer::SetListeners>("setListeners"),
                           InstanceMethod<&NativeServer::SetAclUser>("setAclUser"),
                           InstanceMethod<&NativeServer::AclCheck>("aclCheck"),
                           InstanceMethod<&NativeServer::CommandNames>("commandNames"),
                           InstanceMethod<&NativeServer::RenameCommand>("renameCommand"),
                           InstanceMethod<&NativeServer::ConfigureTls>("configureTls"),
                           InstanceMethod<&NativeServer::SetClientText>("setClientText"),
                           InstanceMethod<&NativeServer::LatencyStats>("latencyStats"),
                           InstanceMethod<&NativeServer::LatencySample>("latencySample"),
                           InstanceMethod<&NativeServer::RunnableCommands>("runnableCommands"),
                           InstanceMethod<&NativeServer::Reexec>("reexec"),
                       });
  }

  // new NativeServer(settings: {databases, ...}, state: Int32Array, arena: Buffer)
  explicit NativeServer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeServer>(info) {
    Napi::Env env = info.Env();
    env_ = env;
    if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsTypedArray() ||
        info[1].As<Napi::Int32Array>().ElementLength() < static_cast<size_t>(SharedSlot::kCount)) {
      Napi::TypeError::New(env, "NativeServer(settings, state: Int32Array(SharedSlot.Count), arena)")
          .ThrowAsJavaScriptException();
      return;
    }
    Settings settings;
    Napi::Object o = info[0].As<Napi::Object>();
    if (o.Has("databases")) settings.databases = o.Get("databases").As<Napi::Number>().Int32Value();
    state_ref_ = Napi::Persistent(info[1].As<Napi::Int32Array>());
    state_ = state_ref_.Value().Data();
    if (info.Length() > 2 && info[2].IsTypedArray()) UseArena(info[2].As<Napi::Uint8Array>());
    server_ = std::make_unique<Server>(settings);
    persistence_ = std::make_unique<PersistenceBinding>(*server_);
    replication_ = std::make_unique<ReplicationBinding>(*server_, env, [this]() -> SocketIo* {
#ifdef TACHYON_NATIVE_IO
      return io_.get();
#else
      return nullptr;
#endif
    });
#ifdef TACHYON_NATIVE_IO
    server_->SetBusyPump(this);
    server_->SetClientIo(this);
#endif
    Napi::Object props = o;
    Napi::Array names = props.GetPropertyNames();
    for (uint32_t i = 0; i < names.Length(); i++) {
      std::string name = names.Get(i).As<Napi::String>().Utf8Value();
      if (name != "databases") Apply(name, props.Get(name));
    }
  }

#ifdef TACHYON_NATIVE_IO
  ~NativeServer() {
    for (uv_check_t* check : {hold_check_, adopt_check_}) {
      if (!check) continue;
      uv_check_stop(check);
      uv_close(reinterpret_cast<uv_handle_t*>(check), [](uv_handle_t* h) { delete reinterpret_cast<uv_check_t*>(h); });
    }
    if (evict_timer_) {
      uv_timer_stop(evict_timer_);
      uv_close(reinterpret_cast<uv_handle_t*>(evict_timer_), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    }
  }
#endif

 private:
  Client* ClientArg(const Napi::CallbackInfo& info) {
    Client* c = server_->client(info[0].As<Napi::Number>().Int32Value());
    if (!c) Napi::Error::New(info.Env(), "no such client").ThrowAsJavaScriptException();
    return c;
  }

  void SetSlot(SharedSlot slot, int32_t v) { state_[static_cast<int>(slot)] = v; }

  // Replies go into the shared arena when they fit (kReplyLength = their length):
  // creating a Buffer per call costs more than a whole pipeline of GETs. Larger
  // replies come back as a new Buffer (kReplyLength = -1).
  Napi::Value TakeOutput(Napi::Env env, Client* c, FeedStatus status) {
    persistence_->BeforeReply();  // the AOF gets a write before any client hears of it
    SetSlot(SharedSlot::kStatus, static_cast<int32_t>(status));
    SetSlot(SharedSlot::kReadyKeys, static_cast<int32_t>(server_->ready_key_count()));
    SetSlot(SharedSlot::kEvents, static_cast<int32_t>(server_->event_count()));
    size_t n = c->out.size();
    if (n <= arena_size_) {
      if (n) memcpy(arena_, c->out.data(), n);
      SetSlot(SharedSlot::kReplyLength, static_cast<int32_t>(n));
      c->out.clear();
      return env.Undefined();
    }
    SetSlot(SharedSlot::kReplyLength, -1);
    Napi::Buffer<char> buf = Napi::Buffer<char>::Copy(env, c->out.data(), n);
    c->out.clear();
    c->out.Trim(kKeepOutput);
    return buf;
  }

  void UseArena(Napi::Uint8Array a) {
    arena_ref_ = Napi::Persistent(a);
    arena_ = a.Data();
    arena_size_ = a.ByteLength();
  }

  // setArena(buf): a fresh arena, when the previous one is still referenced by a pending socket write.
  Napi::Value SetArena(const Napi::CallbackInfo& info) {
    UseArena(info[0].As<Napi::Uint8Array>());
    return info.Env().Undefined();
  }

  Napi::Value CreateClient(const Napi::CallbackInfo& info) {
    uint64_t id = static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
    return Napi::Number::New(info.Env(), server_->NewClient(id)->slot);
  }

  Napi::Value FreeClient(const Napi::CallbackInfo& info) {
    server_->FreeClient(info[0].As<Napi::Number>().Int32Value());
    return info.Env().Undefined();
  }

  Napi::Value Feed(const Napi::CallbackInfo& info) {
    Client* c = ClientArg(info);
    if (!c) return info.Env().Undefined();
    auto data = info[1].As<Napi::Uint8Array>();
    FeedStatus st = server_->Feed(*c, reinterpret_cast<const char*>(data.Data()), data.ByteLength());
    return TakeOutput(info.Env(), c, st);
  }

  Napi::Value Resume(const Napi::CallbackInfo& info) {
    Client* c = ClientArg(info);
    if (!c) return info.Env().Undefined();
    // An optional reply produced by TypeScript goes first, keeping pipeline order.
    // CLIENT REPLY: a skipped command, or replies switched off (after the command ran,
    // so CLIENT REPLY ON itself is answered).
    const bool suppressed = c->drop_js_reply || c->reply_mode == ReplyMode::kOff;
    if (info.Length() > 1 && info[1].IsTypedArray() && !suppressed) {
      auto r = info[1].As<Napi::Uint8Array>();
      c->out.Append(r.Data(), r.ByteLength());
    } else if (suppressed && info.Length() > 2 && info[2].IsTypedArray()) {
      // Pub/sub frames CLIENT REPLY OFF/SKIP does not silence (Redis's CLIENT_PUSHING).
      auto p = info[2].As<Napi::Uint8Array>();
      c->out.Append(p.Data(), p.ByteLength());
    }
    // A TypeScript reply ends the command (woff for WAIT), unless the caller
    // says otherwise (WAIT itself keeps the offset it was called at).
    const bool ended = info.Length() > 1 && info[1].IsTypedArray() && !(info.Length() > 3 && info[3].IsBoolean() && !info[3].As<Napi::Boolean>().Value());
    return TakeOutput(info.Env(), c, server_->Resume(*c, ended));
  }

  // takeInput(slot): the input not processed yet, removed from the client (a
  // CLIENT PAUSE the client itself just started holds it in TypeScript).
  Napi::Value TakeInput(const Napi::CallbackInfo& info) {
    Client* c = ClientArg(info);
    if (!c) return info.Env().Undefined();
    Napi::Buffer<char> rest = Napi::Buffer<char>::Copy(info.Env(), c->query.data() + c->qpos, c->query.size() - c->qpos);
    c->query.clear();
    c->qpos = 0;
    c->parser.Reset();
    return rest;
  }

  Napi::Value TakeCommand(const Napi::CallbackInfo& info) {
    Client* c = ClientArg(info);
    if (!c) return info.Env().Undefined();
    Napi::Env env = info.Env();
    Napi::Array args = Napi::Array::New(env, c->pending.size());
    for (uint32_t i = 0; i < c->pending.size(); i++) {
      args.Set(i, Napi::Buffer<char>::Copy(env, c->pending[i].data(), c->pending[i].size()));
    }
    return args;
  }

  // setClient(slot, field: ClientField, value)
  Napi::Value SetClient(const Napi::CallbackInfo& info) {
    Client* c = ClientArg(info);
    if (!c) return info.Env().Undefined();
    auto field = static_cast<ClientField>(info[1].As<Napi::Number>().Int32Value());
    int64_t v = info[2].IsBoolean() ? info[2].As<Napi::Boolean>().Value() : info[2].As<Napi::Number>().Int64Value();
    switch (field) {
      case ClientField::kDb: c->db = static_cast<int>(v); break;
      case ClientField::kResp: c->resp = static_cast<int>(v); break;
      case ClientField::kAuth: c->authenticated = v != 0; break;
      case ClientField::kReply:
        c->reply_mode = static_cast<ReplyMode>(v);
        // CLIENT REPLY ON also ends a SKIP that covers this very command: it is answered.
        if (c->reply_mode == ReplyMode::kOn) c->drop_js_reply = false;
        break;
      case ClientField::kMulti:
        if (v == 0) server_->DiscardTransaction(*c);  // RESET
        break;
      case ClientField::kPubSub:
        c->subscribed = v != 0;  // has subscriptions (subscriber mode under RESP2)
#ifdef TACHYON_NATIVE_IO
        if (IoConn* io = io_ ? io_->conn(c->slot) : nullptr) io->output_class = v ? kOutputPubSub : kOutputNormal;
#endif
        break;
      case ClientField::kTracking: c->tracking = v != 0; break;
      case ClientField::kMonitor: c->monitor = v != 0; break;
      case ClientField::kId: c->id = static_cast<uint64_t>(v); break;  // a connection adopted after a busy script
      case ClientField::kMaster:  // our master's link: writes despite replica-read-only, obeyed as the AOF is
        c->master = c->obey = v != 0;
        break;
      case ClientField::kReplica:  // a replica whose snapshot has left: the replica output limit applies
#ifdef TACHYON_NATIVE_IO
        if (IoConn* io = io_ ? io_->conn(c->slot) : nullptr) io->output_class = v ? kOutputReplica : kOutputNormal;
#endif
        server_->SetReplicaClient(*c, v != 0);
        break;
      case ClientField::kNoEvict: c->no_evict = v != 0; break;
      case ClientField::kUser:
        if (AclUser* u = server_->acl_user(static_cast<int>(v))) c->acl_user = u;
        break;
      case ClientField::kLocal: c->local = v != 0; break;
      case ClientField::kCloseAfterReply: c->close_after_reply = v != 0; break;
    }
    return info.Env().Undefined();
  }

  // setClientText(slot, field: ClientText, text)
  Napi::Value SetClientText(const Napi::CallbackInfo& info) {
    Client* c = ClientArg(info);
    if (!c) return info.Env().Undefined();
    std::string text = info[2].As<Napi::String>().Utf8Value();
    switch (static_cast<ClientText>(info[1].As<Napi::Number>().Int32Value())) {
      case ClientText::kAddr: c->addr = std::move(text); break;
      case ClientText::kName: c->name = std::move(text); break;
    }
    return info.Env().Undefined();
  }

  // latencyStats(percentiles): [fullName, [value at each percentile in microseconds]][]
  // for every command with a histogram (INFO latencystats).
  Napi::Value LatencyStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array pcts = info[0].As<Napi::Array>();
    Napi::Array out = Napi::Array::New(env);
    uint32_t n = 0;
    for (const auto& [key, cmd] : server_->commands()) {
      if (!cmd->stats.histogram) continue;
      Napi::Array values = Napi::Array::New(env, pcts.Length());
      for (uint32_t i = 0; i < pcts.Length(); i++) {
        double p = pcts.Get(i).As<Napi::Number>().DoubleValue();
        values.Set(i, Napi::Number::New(env, static_cast<double>(cmd->stats.histogram->ValueAtPercentile(p)) / 1000.0));
      }
      Napi::Array row = Napi::Array::New(env, 2);
      row.Set(0u, Napi::String::New(env, cmd->spec->name));
      row.Set(1u, values);
      out.Set(n++, row);
    }
    return out;
  }

  // latencySample(event, ms): a latency event measured by TypeScript (persistence).
  Napi::Value LatencySample(const Napi::CallbackInfo& info) {
    server_->latency().AddIfNeeded(info[0].As<Napi::String>().Utf8Value(),
                                   static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value()),
                                   server_->settings().latency_monitor_threshold);
    return info.Env().Undefined();
  }

  // reexec(delayMs): DEBUG RESTART / CRASH-AND-RECOVER. Closes every file
  // descriptor but the standard ones, waits, and executes this process's own
  // binary with its original command line (/proc/self/cmdline), as Redis's
  // restartServer; exits if that fails.
  Napi::Value Reexec(const Napi::CallbackInfo& info) {
    int64_t delay = info[0].As<Napi::Number>().Int64Value();
    std::string cmdline;
    if (FILE* f = fopen("/proc/self/cmdline", "rb")) {
      char buf[4096];
      size_t n;
      while ((n = fread(buf, 1, sizeof buf, f)) > 0) cmdline.append(buf, n);
      fclose(f);
    }
    std::vector<char*> argv;
    for (size_t p = 0; p < cmdline.size(); p = cmdline.find('\0', p) + 1) {
      argv.push_back(&cmdline[p]);
      if (cmdline.find('\0', p) == std::string::npos) break;
    }
    if (argv.empty()) return Napi::String::New(info.Env(), "Can't restart: the command line is unknown");
    argv.push_back(nullptr);
    for (int fd = 3; fd < 65536; fd++) {
      if (fcntl(fd, F_GETFD) != -1) close(fd);
    }
    if (delay > 0) usleep(static_cast<useconds_t>(delay * 1000));
    execv("/proc/self/exe", argv.data());
    _exit(1);
  }

  // runnableCommands(): the full names ("get", "client|list") of every command
  // and subcommand that has a handler, native or TypeScript's (COMMAND lists only those).
  Napi::Value RunnableCommands(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env);
    uint32_t n = 0;
    for (const auto& [key, cmd] : server_->commands()) {
      if (cmd->owner != CommandOwner::kNone) out.Set(n++, Napi::String::New(env, cmd->spec->name));
    }
    return out;
  }

  Napi::Value GetClientDb(const Napi::CallbackInfo& info) {
    Client* c = ClientArg(info);
    if (!c) return info.Env().Undefined();
    return Napi::Number::New(info.Env(), c->db);
  }

  // clientState(slot): the array ClientState names the positions of.
  Napi::Value ClientStateJs(const Napi::CallbackInfo& info) {
    Client* c = ClientArg(info);
    if (!c) return info.Env().Undefined();
    Napi::Env env = info.Env();
    Napi::Array a = Napi::Array::New(env, static_cast<size_t>(ClientState::kCount));
    auto set = [&](ClientState i, Napi::Value v) { a.Set(static_cast<uint32_t>(i), v); };
    set(ClientState::kDb, Napi::Number::New(env, c->db));
    set(ClientState::kLastCommand, Napi::String::New(env, c->last_cmd ? c->last_cmd->name : "NULL"));
    set(ClientState::kQueryBytes, Napi::Number::New(env, static_cast<double>(c->query.size())));
    set(ClientState::kMultiQueued,
        Napi::Number::New(env, c->multi.active ? static_cast<double>(c->multi.queue.size()) : c->exec_count));
    set(ClientState::kLastInteraction, Napi::Number::New(env, static_cast<double>(c->last_interaction_ms)));
    set(ClientState::kAppliedBytes, Napi::Number::New(env, static_cast<double>(c->applied_bytes)));
    set(ClientState::kReadBytes, Napi::Number::New(env, static_cast<double>(c->read_bytes)));
    set(ClientState::kQueryFree, Napi::Number::New(env, static_cast<double>(c->query.capacity() - c->query.size())));
    size_t argv_mem = 0;
    if (c->block.active) {
      for (const auto& a : c->pending) argv_mem += a.size();
    }
    set(ClientState::kArgvMemory, Napi::Number::New(env, static_cast<double>(argv_mem)));
    set(ClientState::kMultiMemory,
        Napi::Number::New(env, static_cast<double>(c->in_exec ? c->exec_multi_mem : MultiMemory(c->multi))));
    set(ClientState::kReplyCapacity, Napi::Number::New(env, static_cast<double>(c->out.capacity())));
    set(ClientState::kReplyPeak, Napi::Number::New(env, static_cast<double>(std::max(c->out_peak, c->out.size()))));
    set(ClientState::kReplyBytes, Napi::Number::New(env, static_cast<double>(c->out.size())));
    return a;
  }

  Napi::Value SetJsCommands(const Napi::CallbackInfo& info) {
    Napi::Array arr = info[0].As<Napi::Array>();
    std::vector<std::string> names;
    for (uint32_t i = 0; i < arr.Length(); i++) names.push_back(arr.Get(i).As<Napi::String>().Utf8Value());
    server_->SetJsCommands(names);
    return info.Env().Undefined();
  }

  void Apply(const std::string& name, Napi::Value v) {
    Settings& s = server_->settings();
    auto num = [&]() { return v.IsNumber() ? v.As<Napi::Number>().Int64Value() : 0; };
    auto flag = [&]() { return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : num() != 0; };
    if (name == "hz") s.hz = static_cast<int>(num());
    else if (name == "requirepass") s.requirepass = flag();
    else if (name == "proto-max-bulk-len") s.proto_max_bulk_len = num();
    else if (name == "client-query-buffer-limit") s.client_query_buffer_limit = num();
    else if (name == "active-expire-effort") s.active_expire_effort = static_cast<int>(num());
    else if (name == "activerehashing") s.activerehashing = flag();
    else if (name == "maxmemory") {
      s.maxmemory = num();
      // Lowering it below the memory in use evicts at once, from the event loop.
      if (s.maxmemory > 0) server_->StartEviction();
    }
    else if (name == "maxmemory-policy") {
      s.maxmemory_policy = v.As<Napi::String>().Utf8Value();
      s.policy = ParseMaxmemoryPolicy(s.maxmemory_policy);
      s.lfu_policy = s.maxmemory_policy == "allkeys-lfu" || s.maxmemory_policy == "volatile-lfu";
      server_->UpdateAccessClock();
    }
    else if (name == "maxmemory-samples") s.maxmemory_samples = static_cast<int>(num());
    else if (name == "maxmemory-eviction-tenacity") s.maxmemory_eviction_tenacity = static_cast<int>(num());
    else if (name == "maxmemory-clients") s.maxmemory_clients = num();
    else if (name.compare(0, 14, "lazyfree-lazy-") == 0) {
      bool on = flag();
      if (name == "lazyfree-lazy-eviction") s.lazyfree_lazy_eviction = on;
      else if (name == "lazyfree-lazy-expire") s.lazyfree_lazy_expire = on;
      else if (name == "lazyfree-lazy-server-del") s.lazyfree_lazy_server_del = on;
      else if (name == "lazyfree-lazy-user-del") s.lazyfree_lazy_user_del = on;
      else if (name == "lazyfree-lazy-user-flush") s.lazyfree_lazy_user_flush = on;
      server_->ApplyLazyfreeSettings();
    }
    else if (name == "hash-max-listpack-entries") s.hash_max_listpack_entries = static_cast<int>(num());
    else if (name == "hash-max-listpack-value") s.hash_max_listpack_value = static_cast<int>(num());
    else if (name == "set-max-intset-entries") s.set_max_intset_entries = static_cast<int>(num());
    else if (name == "zset-max-listpack-entries") s.zset_max_listpack_entries = static_cast<int>(num());
    else if (name == "zset-max-listpack-value") s.zset_max_listpack_value = static_cast<int>(num());
    else if (name == "list-max-listpack-size") s.list_max_listpack_size = static_cast<int>(num());
    else if (name == "list-compress-depth") s.list_compress_depth = static_cast<int>(num());
    else if (name == "busy-reply-threshold") s.busy_reply_threshold = num();
    else if (name == "lfu-log-factor") s.lfu_log_factor = static_cast<int>(num());
    else if (name == "lfu-decay-time") s.lfu_decay_time = static_cast<int>(num());
    else if (name == "stream-node-max-bytes") s.stream_node_max_bytes = num();
    else if (name == "stream-node-max-entries") s.stream_node_max_entries = num();
    else if (name == "hll-sparse-max-bytes") s.hll_sparse_max_bytes = num();
    else if (name == "notify-keyspace-events") s.notify_flags = static_cast<uint32_t>(num());
    else if (name == "tracking") s.tracking = flag();  // any client tracking
    else if (name == "monitors") s.monitors = static_cast<int>(num());
    else if (name == "js-input") {
      js_input_ = flag();  // CLIENT PAUSE: TypeScript holds all input
      s.clients_paused = js_input_;
    }
    else if (name == "rdbcompression") s.rdbcompression = flag();
    else if (name == "loading") s.loading = flag();
    else if (name == "async-loading") s.async_loading = flag();
    else if (name == "deny-write-error") s.deny_write_error = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
    else if (name == "rdbchecksum") s.rdbchecksum = flag();
    else if (name == "read-only-replica") s.read_only_replica = flag();  // a replica with replica-read-only yes
    else if (name == "stale-replica") s.stale_replica = flag();  // link down and replica-serve-stale-data no
    else if (name == "replica-ignore-maxmemory") s.replica_ignore_maxmemory = flag();  // a replica leaves eviction to its master
    else if (name == "no-good-replicas") s.no_good_replicas = flag();  // min-replicas-to-write not met
    else if (name == "replica-expiry") s.replica_expiry = flag();  // a replica: keys expire when the master says so
    else if (name == "slowlog-log-slower-than") s.slowlog_log_slower_than = num();
    else if (name == "slowlog-max-len") s.slowlog_max_len = num();  // applied at the next entry, as Redis
    else if (name == "latency-monitor-threshold") s.latency_monitor_threshold = num();
    else if (name == "latency-tracking") s.latency_tracking = flag();
    else if (name == "enable-debug-command") s.enable_debug_command = ProtectedAction(v);
    else if (name == "enable-module-command") s.enable_module_command = ProtectedAction(v);
    else if (name == "appendfsync") s.appendfsync_always = v.IsString() && v.As<Napi::String>().Utf8Value() == "always";
    else if (name == "logfile") SetCrashLogFile(v.IsString() ? v.As<Napi::String>().Utf8Value() : "");
    else if (name == "crash-pidfile") SetCrashPidFile(v.IsString() ? v.As<Napi::String>().Utf8Value() : "");
    else if (name == "crash-log-enabled") {
      SetCrashLogEnabled(flag());
      if (flag()) InstallCrashHandler();
    }
    else if (name == "tachyon-version") {
      s.tachyon_version = v.As<Napi::String>().Utf8Value();
      SetCrashVersion(s.tachyon_version);
    }
  }

  // enable-debug-command / enable-module-command: "no", "yes" or "local".
  static int ProtectedAction(Napi::Value v) {
    std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
    return s == "yes" ? 1 : s == "local" ? 2 : 0;
  }

  // Access control (security_binding.h).
  Napi::Value SetAclUser(const Napi::CallbackInfo& info) { return SetAclUserJs(*server_, info); }
  Napi::Value AclCheck(const Napi::CallbackInfo& info) { return AclCheckJs(*server_, info); }
  Napi::Value CommandNames(const Napi::CallbackInfo& info) { return CommandNamesJs(*server_, info); }
  Napi::Value RenameCommand(const Napi::CallbackInfo& info) { return RenameCommandJs(*server_, info); }

  Napi::Value Configure(const Napi::CallbackInfo& info) {
    Apply(info[0].As<Napi::String>().Utf8Value(), info[1]);
    ScheduleEviction();
    return info.Env().Undefined();
  }

  // cron(): false while DEBUG PAUSE-CRON holds periodic work.
  Napi::Value Cron(const Napi::CallbackInfo& info) {
    bool ran = server_->Cron();
    ScheduleEviction();
    SetSlot(SharedSlot::kEvents, static_cast<int32_t>(server_->event_count()));
    return Napi::Boolean::New(info.Env(), ran);
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    const ServerStats& st = server_->stats();
    auto set = [&](const char* k, double v) { o.Set(k, Napi::Number::New(env, v)); };
    set("total_commands_processed", st.total_commands_processed);
    set("keyspace_hits", st.keyspace_hits);
    set("keyspace_misses", st.keyspace_misses);
    set("total_error_replies", st.total_error_replies);
    set("dirty", st.dirty);
    set("net_input_bytes", st.net_input_bytes);
    set("expired_stale_perc", st.expired_stale_perc);
    set("expire_cycle_cpu_milliseconds", st.expire_cycle_cpu_milliseconds);
    set("reads_processed", st.reads_processed);
    set("writes_processed", st.writes_processed);
    set("expired_time_cap_reached", st.expired_time_cap_reached);
    set("reply_buffer_shrinks", st.reply_buffer_shrinks);
    set("reply_buffer_expands", st.reply_buffer_expands);
    set("recent_max_input_buffer", st.recent_max_input_buffer);
    uint64_t expired = st.expired_keys;
    Napi::Array dbs = Napi::Array::New(env);
    size_t bucket_bytes = 0;
    for (int i = 0; i < server_->db_count(); i++) {
      Db& db = server_->db(i);
      expired += db.expired_keys;
      bucket_bytes += db.keys().MemoryUsage() + db.expires().MemoryUsage();
      Napi::Array row = Napi::Array::New(env, 3);
      row.Set(0u, Napi::Number::New(env, db.size()));
      row.Set(1u, Napi::Number::New(env, db.expires_size()));
      row.Set(2u, Napi::Number::New(env, db.avg_ttl));
      dbs.Set(i, row);
    }
    set("expired_keys", expired);
    set("evicted_keys", st.evicted_keys);
    set("total_eviction_exceeded_time", server_->evictor().total_exceeded_ms());
    set("current_eviction_exceeded_time", server_->evictor().current_exceeded_ms());
    set("table_bytes", bucket_bytes);
    set("used_memory", ZUsedMemory());

    o.Set("keyspace", dbs);
    return o;
  }

  // mallocBytes(): everything malloc has handed out (keyspace entries, values,
  // tables, Buffers). Walks malloc's bins, so it is not part of info().
  Napi::Value MallocBytes(const Napi::CallbackInfo& info) {
    struct mallinfo2 mi = mallinfo2();
    return Napi::Number::New(info.Env(), static_cast<double>(mi.uordblks + mi.hblkhd));
  }

  // memoryInfo(): the figures of INFO memory, as Redis computes them (memory_stats.h).
  Napi::Value MemoryInfo(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    auto set = [&](const char* k, double v) { o.Set(k, Napi::Number::New(env, v)); };
    MemoryOverhead mh = GetMemoryOverhead(*server_);
    const MallocStats& ms = server_->malloc_stats();
    ScriptingMemory sm = GetScriptingMemory(*server_);
    set("used_memory", mh.total_allocated);
    set("used_memory_rss", ms.process_rss);
    set("used_memory_peak", mh.peak_allocated);
    set("used_memory_peak_perc", mh.peak_perc);
    set("used_memory_overhead", mh.overhead_total);
    set("used_memory_startup", mh.startup_allocated);
    set("used_memory_dataset", mh.dataset);
    set("used_memory_dataset_perc", mh.dataset_perc);
    set("allocator_allocated", ms.allocator_allocated);
    set("allocator_active", ms.allocator_active);
    set("allocator_resident", ms.allocator_resident);
    set("used_memory_vm_eval", sm.vm_eval);
    set("used_memory_scripts_eval", mh.lua_caches);
    set("number_of_cached_scripts", sm.cached_scripts);
    set("number_of_functions", sm.functions_count);
    set("number_of_libraries", sm.libraries);
    set("used_memory_vm_functions", sm.vm_functions);
    set("used_memory_functions", mh.functions_caches);
    set("allocator_frag_ratio", mh.allocator_frag);
    set("allocator_frag_bytes", static_cast<double>(mh.allocator_frag_bytes));
    set("allocator_rss_ratio", mh.allocator_rss);
    set("allocator_rss_bytes", static_cast<double>(mh.allocator_rss_bytes));
    set("rss_overhead_ratio", mh.rss_extra);
    set("rss_overhead_bytes", static_cast<double>(mh.rss_extra_bytes));
    set("mem_fragmentation_ratio", mh.total_frag);
    set("mem_fragmentation_bytes", static_cast<double>(mh.total_frag_bytes));
    set("mem_not_counted_for_evict", static_cast<double>(server_->ReplicaOutputMemory()));  // AOF buffer not yet
    set("mem_replication_backlog", mh.repl_backlog);
    set("mem_clients_slaves", mh.clients_slaves);
    set("mem_clients_normal", mh.clients_normal);
    set("mem_aof_buffer", mh.aof_buffer);
    o.Set("mem_allocator", Napi::String::New(env, ZAllocatorName()));
    set("lazyfree_pending_objects", server_->lazyfree().pending());
    set("lazyfreed_objects", server_->lazyfree().freed());
    return o;
  }

  Napi::Value CommandStatsJs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env);
    uint32_t n = 0;
    for (const auto& [key, cmd] : server_->commands()) {
      const CommandStats& s = cmd->stats;
      if (s.calls == 0 && s.rejected_calls == 0 && s.failed_calls == 0) continue;
      Napi::Array row = Napi::Array::New(env, 5);
      row.Set(0u, Napi::String::New(env, cmd->spec->name));
      row.Set(1u, Napi::Number::New(env, s.calls));
      row.Set(2u, Napi::Number::New(env, server_->CyclesToMicros(s.cycles)));
      row.Set(3u, Napi::Number::New(env, s.rejected_calls));
      row.Set(4u, Napi::Number::New(env, s.failed_calls));
      out.Set(n++, row);
    }
    return out;
  }

  Napi::Value ErrorStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env);
    uint32_t n = 0;
    for (const auto& [prefix, count] : server_->stats().errors) {
      Napi::Array row = Napi::Array::New(env, 2);
      row.Set(0u, Napi::String::New(env, prefix));
      row.Set(1u, Napi::Number::New(env, count));
      out.Set(n++, row);
    }
    return out;
  }

  Napi::Value ResetStats(const Napi::CallbackInfo& info) {
    server_->ResetStats();
    return info.Env().Undefined();
  }

  // recordCall(slot, name, usec, error, redacted): statistics, slowlog and
  // latency for a command TypeScript ran (its arguments are the client's pending ones).
  Napi::Value RecordCall(const Napi::CallbackInfo& info) {
    Client* c = ClientArg(info);
    if (!c) return info.Env().Undefined();
    std::string name = info[1].As<Napi::String>().Utf8Value();
    std::string error = info[3].As<Napi::String>().Utf8Value();
    std::vector<int> redacted;
    if (info.Length() > 4 && info[4].IsArray()) {
      Napi::Array a = info[4].As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); i++) redacted.push_back(a.Get(i).As<Napi::Number>().Int32Value());
    }
    server_->RecordJsCall(*c, name, static_cast<uint64_t>(info[2].As<Napi::Number>().Int64Value()), error, redacted);
    return info.Env().Undefined();
  }

  // takeEvents(): [kind, db, clientId, event, strings: Buffer[]][] (see ServerEvent).
  Napi::Value TakeEvents(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto events = server_->TakeEvents();
    SetSlot(SharedSlot::kEvents, 0);
    Napi::Array out = Napi::Array::New(env, events.size());
    for (uint32_t i = 0; i < events.size(); i++) {
      const ServerEvent& ev = events[i];
      Napi::Array strings = Napi::Array::New(env, ev.strings.size());
      for (uint32_t j = 0; j < ev.strings.size(); j++) {
        strings.Set(j, Napi::Buffer<char>::Copy(env, ev.strings[j].data(), ev.strings[j].size()));
      }
      Napi::Array row = Napi::Array::New(env, 5);
      row.Set(0u, Napi::Number::New(env, static_cast<int>(ev.kind)));
      row.Set(1u, Napi::Number::New(env, ev.db));
      row.Set(2u, Napi::Number::New(env, static_cast<double>(ev.client_id)));
      row.Set(3u, Napi::String::New(env, ev.event));
      row.Set(4u, strings);
      out.Set(i, row);
    }
    return out;
  }

  // blockInfo(slot): [db, timeoutAtMs (0 = forever), keys: Buffer[]] of a client that just blocked.
  Napi::Value BlockInfo(const Napi::CallbackInfo& info) {
    Client* c = ClientArg(info);
    if (!c) return info.Env().Undefined();
    Napi::Env env = info.Env();
    Napi::Array keys = Napi::Array::New(env, c->block.keys.size());
    for (uint32_t i = 0; i < c->block.keys.size(); i++) {
      keys.Set(i, Napi::Buffer<char>::Copy(env, c->block.keys[i].data(), c->block.keys[i].size()));
    }
    Napi::Array a = Napi::Array::New(env, 3);
    a.Set(0u, Napi::Number::New(env, c->block.db));
    a.Set(1u, Napi::Number::New(env, static_cast<double>(c->block.timeout_at_ms)));
    a.Set(2u, keys);
    return a;
  }

  // blockingKey(db, key, delta): +1 when a client starts waiting on key, -1 when it stops.
  Napi::Value BlockingKey(const Napi::CallbackInfo& info) {
    int db = info[0].As<Napi::Number>().Int32Value();
    auto k = info[1].As<Napi::Uint8Array>();
    std::string_view key(reinterpret_cast<const char*>(k.Data()), k.ByteLength());
    if (info[2].As<Napi::Number>().Int32Value() > 0) server_->AddBlockingKey(db, key);
    else server_->RemoveBlockingKey(db, key);
    return info.Env().Undefined();
  }

  // takeReadyKeys(): [db, key][] modified since the last call among the blocking keys.
  Napi::Value TakeReadyKeys(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto ready = server_->TakeReadyKeys();
    SetSlot(SharedSlot::kReadyKeys, 0);
    Napi::Array out = Napi::Array::New(env, ready.size());
    for (uint32_t i = 0; i < ready.size(); i++) {
      Napi::Array pair = Napi::Array::New(env, 2);
      pair.Set(0u, Napi::Number::New(env, ready[i].first));
      pair.Set(1u, Napi::Buffer<char>::Copy(env, ready[i].second.data(), ready[i].second.size()));
      out.Set(i, pair);
    }
    return out;
  }

  // retryBlocked(slot, readyKey?): output like feed(); kStatus is kBlocked again when still
  // not served, kServed when answered (resume() then continues the pipeline).
  Napi::Value RetryBlocked(const Napi::CallbackInfo& info) {
    Client* c = ClientArg(info);
    if (!c) return info.Env().Undefined();
    std::string ready;
    if (info.Length() > 1 && info[1].IsTypedArray()) {
      auto k = info[1].As<Napi::Uint8Array>();
      ready.assign(reinterpret_cast<const char*>(k.Data()), k.ByteLength());
    }
    return TakeOutput(info.Env(), c, server_->RetryBlocked(*c, ready));
  }

  // unblock(slot, error): ends a block with the timeout reply ('' ) or an error reply.
  Napi::Value Unblock(const Napi::CallbackInfo& info) {
    Client* c = ClientArg(info);
    if (!c) return info.Env().Undefined();
    std::string error = info[1].As<Napi::String>().Utf8Value();
    return TakeOutput(info.Env(), c, server_->Unblock(*c, error));
  }

  // ---- Native socket I/O (socket_io.h) ----

  // setIoHandler(fn(event: IoEvent, slot, arg)): arg is feed()'s return value for
  // IoEvent::kBatch, the bytes read for IoEvent::kRead.
  Napi::Value SetIoHandler(const Napi::CallbackInfo& info) {
    io_handler_ = Napi::Persistent(info[0].As<Napi::Function>());
    return info.Env().Undefined();
  }

#ifdef TACHYON_NATIVE_IO
  // attach(slot, fd, tls?): true if the connection is now read and written
  // natively; with tls, through the context configureTls() built.
  Napi::Value Attach(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Client* c = ClientArg(info);
    if (!c || io_handler_.IsEmpty()) return Napi::Boolean::New(env, false);
    bool tls = info.Length() > 2 && info[2].ToBoolean().Value();
    if (tls && !tls_) return Napi::Boolean::New(env, false);
    if (!io_) {
      uv_loop_t* loop = nullptr;
      if (napi_get_uv_event_loop(env, &loop) != napi_ok || !loop) return Napi::Boolean::New(env, false);
      io_ = std::make_unique<SocketIo>(loop, this);
      for (int cls = 0; cls < kOutputClasses; cls++) io_->set_limit(cls, output_limits_[cls]);
    }
    int fd = info[1].As<Napi::Number>().Int32Value();
    SSL* ssl = nullptr;
    if (tls && !(ssl = tls_->Accept(fd))) return Napi::Boolean::New(env, false);
    return Napi::Boolean::New(env, io_->Attach(c->slot, fd, ssl));
  }

  // configureTls(options): builds the TLS context from the tls-* options (Redis's
  // tlsConfigure); null when it is in place, else the lines to log. Connections
  // accepted before keep the context they started with.
  Napi::Value ConfigureTls(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = info[0].As<Napi::Object>();
    auto str = [&](const char* k) { return o.Has(k) ? o.Get(k).ToString().Utf8Value() : std::string(); };
    auto num = [&](const char* k, long def) { return o.Has(k) ? static_cast<long>(o.Get(k).ToNumber().Int64Value()) : def; };
    TlsOptions t;
    t.cert_file = str("tls-cert-file");
    t.key_file = str("tls-key-file");
    t.key_file_pass = str("tls-key-file-pass");
    t.ca_cert_file = str("tls-ca-cert-file");
    t.ca_cert_dir = str("tls-ca-cert-dir");
    t.protocols = str("tls-protocols");
    t.ciphers = str("tls-ciphers");
    t.ciphersuites = str("tls-ciphersuites");
    t.dh_params_file = str("tls-dh-params-file");
    t.auth_clients = static_cast<TlsAuthClients>(num("tls-auth-clients", 1));
    t.prefer_server_ciphers = num("tls-prefer-server-ciphers", 0) != 0;
    t.session_caching = num("tls-session-caching", 1) != 0;
    t.session_cache_size = num("tls-session-cache-size", 20480);
    t.session_cache_timeout = num("tls-session-cache-timeout", 300);
    t.replication_or_cluster = num("tls-replication", 0) != 0 || num("tls-cluster", 0) != 0;
    std::vector<std::string> log;
    std::shared_ptr<TlsContext> ctx = TlsContext::Create(t, &log);
    if (!ctx) {
      Napi::Array a = Napi::Array::New(env, log.size());
      for (uint32_t i = 0; i < log.size(); i++) a.Set(i, Napi::String::New(env, log[i]));
      return a;
    }
    tls_ = std::move(ctx);
    return env.Null();
  }

  IoConn* IoArg(const Napi::CallbackInfo& info) {
    return io_ ? io_->conn(info[0].As<Napi::Number>().Int32Value()) : nullptr;
  }

  // write(slot, data): output TypeScript produced, after everything written before.
  Napi::Value Write(const Napi::CallbackInfo& info) {
    if (IoConn* io = IoArg(info)) {
      ReleaseHeld(io->slot);  // replies held for the AOF go first
      auto b = info[1].As<Napi::Uint8Array>();
      io_->Write(io, reinterpret_cast<const char*>(b.Data()), b.ByteLength());
      server_->stats().writes_processed++;
    }
    return info.Env().Undefined();
  }

  // endIo(slot): stop reading, flush, then report IoEvent::kClosed.
  Napi::Value EndIo(const Napi::CallbackInfo& info) {
    if (IoConn* io = IoArg(info)) io_->End(io);
    return info.Env().Undefined();
  }

  Napi::Value Detach(const Napi::CallbackInfo& info) {
    if (io_) io_->Detach(info[0].As<Napi::Number>().Int32Value());
    return info.Env().Undefined();
  }

  // ioStats(slot): [bytes written, bytes waiting to be written, a replica's
  // part of the replication buffer (omem), its blocks (oll)]
  Napi::Value IoStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    IoConn* io = IoArg(info);
    size_t blocks = 0;
    const size_t shared = replication_->ReplicaOutput(info[0].As<Napi::Number>().Int32Value(), &blocks);
    Napi::Array a = Napi::Array::New(env, 4);
    a.Set(0u, Napi::Number::New(env, io ? static_cast<double>(io->bytes_written) : 0));
    a.Set(1u, Napi::Number::New(env, io ? static_cast<double>(io_->pending_bytes(io)) : 0));
    a.Set(2u, Napi::Number::New(env, static_cast<double>(shared)));
    a.Set(3u, Napi::Number::New(env, static_cast<double>(blocks)));
    return a;
  }

  // One read, one dispatcher batch, one write. TypeScript is called only when
  // the batch needs it: a command it owns, a block, events, ready keys, a close.
  void OnReadable(int slot) override {
    IoConn* io = io_->conn(slot);
    Client* c = server_->client(slot);
    if (!io || !c) return;
    size_t cap;
    char* space = server_->InputSpace(*c, kReadSize, &cap);
    ssize_t n = io_->Read(io, space, cap);
    if (n == 0) return;
    if (n < 0) {
      io_->Stop(io);
      return OnClosed(slot, false);
    }
    // TLS: records OpenSSL already decrypted will not wake the poll again, so take them now.
    if (io_->TlsPending(io)) {
      size_t start = c->query.size();
      c->query.Advance(n);
      while (io_->TlsPending(io)) {
        space = server_->InputSpace(*c, kReadSize, &cap);
        ssize_t m = io_->Read(io, space, cap);
        if (m <= 0) break;
        c->query.Advance(m);
      }
      n = static_cast<ssize_t>(c->query.size() - start);
      space = c->query.data() + start;
      c->query.Truncate(start);  // Consume() takes them back
    }
    Napi::Env env(env_);
    if (js_input_) {
      // Not consumed: TypeScript holds the bytes and feeds them when the pause ends.
      // Our master's link still counts as alive (repl-timeout), as Redis's lastinteraction.
      if (c->master) c->last_interaction_ms = NowUs() / 1000;
      Napi::HandleScope scope(env);
      return CallIo(IoEvent::kRead, slot, Napi::Buffer<char>::Copy(env, space, n));
    }
    FeedStatus st = server_->Consume(*c, n);
    ScheduleEviction();
    if (server_->settings().maxmemory_clients != 0 && EvictClients(c)) return;
    if (st == FeedStatus::kOk && server_->ready_key_count() == 0 && server_->event_count() == 0) {
      if (persistence_->HasPendingAof()) return HoldForAof(slot);
      if (!c->out.empty()) {
        io_->Write(io, c->out.data(), c->out.size());
        server_->stats().writes_processed++;
        c->out.clear();
        c->out.Trim(kKeepOutput);
      }
      return;
    }
    Napi::HandleScope scope(env);
    Napi::Value ret = TakeOutput(env, c, st);
    CallIo(IoEvent::kBatch, slot, ret);
  }

  // ---- ClientIo (server.h) ----

  size_t OutputMemory(const Client& c) override {
    IoConn* io = io_ ? io_->conn(c.slot) : nullptr;
    return io ? io->pending.memory() : 0;
  }

  void FlushOutput(Client& c) override {
    IoConn* io = io_ ? io_->conn(c.slot) : nullptr;
    if (!io || c.out.empty()) return;
    io_->Write(io, c.out.data(), c.out.size());
    c.out.clear();
    if (io->over_limit) c.close_asap = true;
  }

  // maxmemory-clients: measures c, then closes the biggest clients while all
  // of them use more than the limit (Redis's evictClients). Returns true if
  // c itself was closed: its batch is dropped.
  bool EvictClients(Client* c) {
    server_->UpdateClientMemory(*c);
    std::vector<int> slots;
    bool self = false;
    for (Client* v : server_->ClientsToEvict()) {
      if (IoConn* io = io_->conn(v->slot)) io_->Stop(io);
      if (v == c) {
        self = true;
        c->out.clear();
      }
      slots.push_back(v->slot);
    }
    // TypeScript frees each client it closes: no Client* is used past here.
    Napi::Env env(env_);
    for (int slot : slots) {
      Napi::HandleScope scope(env);
      CallIo(IoEvent::kEvicted, slot, env.Undefined());
    }
    return self;
  }

  // An eviction that ran out of its time slice goes on from the event loop,
  // one slice per loop iteration (Redis's evictionTimeProc), until memory is
  // under maxmemory or nothing is left to evict.
  void ScheduleEviction() {
    if (!server_->eviction_running() || evict_timer_active_) return;
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env_, &loop) != napi_ok || !loop) return;
    if (!evict_timer_) {
      evict_timer_ = new uv_timer_t();
      uv_timer_init(loop, evict_timer_);
      evict_timer_->data = this;
    }
    evict_timer_active_ = true;
    uv_timer_start(evict_timer_, [](uv_timer_t* h) {
      auto* self = static_cast<NativeServer*>(h->data);
      self->evict_timer_active_ = false;
      bool more = self->server_->ContinueEvictions();
      if (self->server_->event_count() > 0) {
        Napi::Env env(self->env_);
        Napi::HandleScope scope(env);
        self->CallIo(IoEvent::kEvents, -1, env.Undefined());
      }
      if (more) self->ScheduleEviction();
    }, 0, 0);
  }

  // A script runs past busy-reply-threshold and Node's loop is blocked: like
  // Redis's processEventsWhileBlocked, read what attached clients sent and
  // run it through the dispatcher, which answers -BUSY to everything but the
  // allow-busy commands (SCRIPT KILL, FUNCTION KILL/STATS, MULTI, WATCH, ...).
  // Of the allow-busy commands TypeScript owns, AUTH, HELLO and RESET run
  // through the EXEC runner; SHUTDOWN NOSAVE stops the script and shuts the
  // server down once it returned; a closed peer is left for the loop.
  void PumpWhileBusy(Client& running) override {
    if (!io_ || pumping_) return;
    pumping_ = true;
    std::vector<int> accept_ready;
    std::vector<int> readable = io_->PollReadable(running.slot, listen_fds_, &accept_ready);
    // New connections (redis-cli SCRIPT KILL opens one): accepted here, served
    // natively until the script ends, then handed to TypeScript (kIoAdopt).
    for (int lfd : accept_ready) {
      int fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) continue;
      Client* c = server_->NewClient(0);
      if (!io_->Attach(c->slot, fd)) {
        server_->FreeClient(c->slot);
        close(fd);
        continue;
      }
      adopted_.push_back({c->slot, fd});
      readable.push_back(c->slot);
      ScheduleAdoption();
    }
    for (int slot : readable) {
      IoConn* io = io_->conn(slot);
      Client* c = server_->client(slot);
      // Our master's stream waits until the script returned (Redis accumulates it, no -BUSY).
      if (!io || !c || c->paused || c->master) continue;
      size_t cap;
      char* space = server_->InputSpace(*c, kReadSize, &cap);
      ssize_t n = io_->Read(io, space, cap);
      if (n <= 0) continue;
      FeedStatus st = server_->Consume(*c, n);
      while (st == FeedStatus::kJsCommand) {
        std::vector<std::string_view> argv(c->pending.begin(), c->pending.end());
        std::string name(argv.empty() ? "" : argv[0]);
        for (char& ch : name) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
        if (name == "shutdown") {
          bool nosave = false;
          for (size_t i = 1; i < argv.size(); i++) {
            std::string a(argv[i]);
            for (char& ch : a) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
            if (a == "nosave") nosave = true;
          }
          if (nosave) {
            server_->RequestScriptShutdown();
            c->out.clear();
            break;
          }
          Reply r(&c->out, server_.get());
          r.set_resp(c->resp);
          r.Error(server_->busy_error());
        } else if (name == "quit") {
          Reply r(&c->out, server_.get());
          r.Ok();
        } else if (!executor_.IsEmpty()) {
          Run(*c, argv, &c->out);
        }
        st = server_->Resume(*c);
      }
      ReleaseHeld(slot);  // earlier replies held for the AOF: the AOF is written first
      if (!c->out.empty()) {
        io_->Write(io, c->out.data(), c->out.size());
        server_->stats().writes_processed++;
        c->out.clear();
      }
    }
    pumping_ = false;
  }

  // Hands connections accepted during a busy script to TypeScript from the
  // loop's check phase, once the script has returned.
  void ScheduleAdoption() {
    if (!adopt_check_) {
      uv_loop_t* loop = nullptr;
      napi_get_uv_event_loop(env_, &loop);
      adopt_check_ = new uv_check_t();
      uv_check_init(loop, adopt_check_);
      adopt_check_->data = this;
      uv_unref(reinterpret_cast<uv_handle_t*>(adopt_check_));
    }
    uv_check_start(adopt_check_, [](uv_check_t* h) {
      auto* self = static_cast<NativeServer*>(h->data);
      uv_check_stop(h);
      std::vector<std::pair<int, int>> batch;
      batch.swap(self->adopted_);
      Napi::Env env(self->env_);
      for (auto [slot, fd] : batch) {
        Napi::HandleScope scope(env);
        self->CallIo(IoEvent::kAdopt, slot, Napi::Number::New(env, fd));
      }
    });
  }

  // setListeners(fds): listening sockets to accept from while a script is busy.
  Napi::Value SetListeners(const Napi::CallbackInfo& info) {
    Napi::Array a = info[0].As<Napi::Array>();
    listen_fds_.clear();
    for (uint32_t i = 0; i < a.Length(); i++) listen_fds_.push_back(a.Get(i).As<Napi::Number>().Int32Value());
    return info.Env().Undefined();
  }

  void OnClosed(int slot, bool over_limit) override {
    Napi::Env env(env_);
    Napi::HandleScope scope(env);
    // A TLS failure says why: [error, whether it happened before the handshake completed].
    IoConn* io = io_ ? io_->conn(slot) : nullptr;
    Napi::Value arg = env.Undefined();
    if (io && !io->error.empty()) {
      Napi::Array a = Napi::Array::New(env, 2);
      a.Set(0u, Napi::String::New(env, io->error));
      a.Set(1u, Napi::Boolean::New(env, io->handshake_failed));
      arg = a;
    }
    CallIo(over_limit ? IoEvent::kOverLimit : IoEvent::kClosed, slot, arg);
  }

  // setOutputLimits([hard, soft, seconds] for normal, then pubsub, then replica clients)
  Napi::Value SetOutputLimits(const Napi::CallbackInfo& info) {
    Napi::Array a = info[0].As<Napi::Array>();
    for (int cls = 0; cls < kOutputClasses; cls++) {
      auto at = [&](int i) { return static_cast<uint64_t>(a.Get(cls * 3 + i).As<Napi::Number>().Int64Value()); };
      output_limits_[cls] = OutputLimit{at(0), at(1), at(2)};
      if (io_) io_->set_limit(cls, output_limits_[cls]);
    }
    return info.Env().Undefined();
  }

  // Calls into JavaScript from the event loop: MakeCallback runs the microtask
  // and nextTick queues afterwards, and an exception is reported as uncaught.
  void CallIo(IoEvent ev, int slot, napi_value arg) {
    Napi::Env env(env_);
    io_handler_.MakeCallback(env.Global(), {Napi::Number::New(env, static_cast<int>(ev)), Napi::Number::New(env, slot), arg});
    if (env.IsExceptionPending()) napi_fatal_exception(env_, env.GetAndClearPendingException().Value());
  }

  // Replies of writes wait for the AOF: like Redis's beforeSleep, the AOF
  // buffer of every client served in this loop iteration is written (and with
  // appendfsync always, fsync()ed) once, then those replies go out. Their
  // output stays in Client::out until the check handle runs after the poll
  // phase (or until TypeScript writes to the same client, which must come after).
  void HoldForAof(int slot) {
    if (static_cast<size_t>(slot) >= held_flag_.size()) held_flag_.resize(slot + 1, 0);
    if (held_flag_[slot]) return;
    held_flag_[slot] = 1;
    held_.push_back(slot);
    if (!hold_check_) {
      hold_check_ = new uv_check_t();
      uv_loop_t* loop = nullptr;
      napi_get_uv_event_loop(env_, &loop);
      uv_check_init(loop, hold_check_);
      hold_check_->data = this;
      uv_unref(reinterpret_cast<uv_handle_t*>(hold_check_));
    }
    uv_check_start(hold_check_, [](uv_check_t* h) { static_cast<NativeServer*>(h->data)->ReleaseAllHeld(); });
  }

  void ReleaseHeld(int slot) {
    if (static_cast<size_t>(slot) >= held_flag_.size() || !held_flag_[slot]) return;
    persistence_->BeforeReply();
    held_flag_[slot] = 0;
    Client* c = server_->client(slot);
    IoConn* io = io_ ? io_->conn(slot) : nullptr;
    if (c && io && !c->out.empty()) {
      io_->Write(io, c->out.data(), c->out.size());
      c->out.clear();
      c->out.Trim(kKeepOutput);
    }
  }

  void ReleaseAllHeld() {
    uv_check_stop(hold_check_);
    persistence_->BeforeReply();
    std::vector<int> slots;
    slots.swap(held_);
    for (int slot : slots) ReleaseHeld(slot);
  }

  std::vector<int> held_;
  std::vector<uint8_t> held_flag_;
  uv_check_t* hold_check_ = nullptr;
  static constexpr size_t kReadSize = 16 * 1024;  // as Redis's PROTO_IOBUF_LEN
  bool pumping_ = false;
  std::vector<int> listen_fds_;
  std::vector<std::pair<int, int>> adopted_;  // slot, fd
  uv_check_t* adopt_check_ = nullptr;
  uv_timer_t* evict_timer_ = nullptr;
  bool evict_timer_active_ = false;
  std::unique_ptr<SocketIo> io_;
  std::shared_ptr<TlsContext> tls_;
  OutputLimit output_limits_[kOutputClasses];
#else
  // Built without uv.h: connections use Node streams (attach() says no).
  Napi::Value Attach(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), false); }
  Napi::Value Write(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }
  Napi::Value EndIo(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }
  Napi::Value Detach(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }
  Napi::Value IoStats(const Napi::CallbackInfo& info) { return Napi::Array::New(info.Env(), 0); }
  Napi::Value SetOutputLimits(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }
  Napi::Value SetListeners(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }
  void ScheduleEviction() {}  // the cron continues an unfinished eviction
  // Without native I/O, TLS runs on Node's tls module (src/tls/).
  Napi::Value ConfigureTls(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), "no native TLS"); }
#endif

  // setJsExecutor(fn(slot, args: Buffer[]) => Buffer): runs TypeScript-owned
  // commands queued in a transaction, synchronously, during EXEC.
  Napi::Value SetJsExecutor(const Napi::CallbackInfo& info) {
    executor_ = Napi::Persistent(info[0].As<Napi::Function>());
    server_->SetJsExecutor(this);
    return info.Env().Undefined();
  }

  void Run(Client& c, const std::vector<std::string_view>& argv, ByteBuffer* out) override {
    Napi::Env env = env_;
    Napi::HandleScope scope(env);
    // recordCall() reads the command's arguments from pending (SLOWLOG).
    std::vector<std::string> saved;
    saved.swap(c.pending);
    c.pending.assign(argv.begin(), argv.end());
    struct Restore {
      Client& c;
      std::vector<std::string>& saved;
      ~Restore() { c.pending.swap(saved); }
    } restore{c, saved};
    Napi::Array args = Napi::Array::New(env, argv.size());
    for (uint32_t i = 0; i < argv.size(); i++) args.Set(i, Napi::Buffer<char>::Copy(env, argv[i].data(), argv[i].size()));
    Napi::Value r = executor_.Call({Napi::Number::New(env, c.slot), args});
    if (env.IsExceptionPending()) {
      env.GetAndClearPendingException();
      out->Append("-ERR internal error running a queued command\r\n");
      return;
    }
    if (r.IsTypedArray()) {
      auto b = r.As<Napi::Uint8Array>();
      out->Append(b.Data(), b.ByteLength());
    }
  }

  // persistence(op, ...): snapshots, loading and the AOF (persistence_binding.cc).
  Napi::Value Persistence(const Napi::CallbackInfo& info) { return persistence_->Call(info); }
  // replication(op, ...): the replication stream, backlog and replicas (replication_binding.cc).
  Napi::Value Replication(const Napi::CallbackInfo& info) { return replication_->Call(info); }
  // migrate(op, ...): the keyspace side of MIGRATE and its blocking exchange (migrate_binding.cc).
  Napi::Value Migrate(const Napi::CallbackInfo& info) { return MigrateCall(*server_, info); }

  std::unique_ptr<Server> server_;
  std::unique_ptr<PersistenceBinding> persistence_;  // declared after server_: destroyed first
  std::unique_ptr<ReplicationBinding> replication_;  // likewise
  Napi::FunctionReference executor_;
  Napi::FunctionReference io_handler_;
  bool js_input_ = false;
  napi_env env_ = nullptr;
  Napi::Reference<Napi::Int32Array> state_ref_;
  int32_t* state_ = nullptr;
  Napi::Reference<Napi::Uint8Array> arena_ref_;
  uint8_t* arena_ = nullptr;
  size_t arena_size_ = 0;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // One random hash seed per process makes collision attacks impractical.
  uint8_t seed[16];
  FILE* f = fopen("/dev/urandom", "rb");
  if (!f || fread(seed, 1, sizeof seed, f) != sizeof seed) {
    for (size_t i = 0; i < sizeof seed; i++) seed[i] = static_cast<uint8_t>(rand());
  }
  if (f) fclose(f);
  SetHashSeed(seed);
  exports.Set("NativeServer", NativeServer::Define(env));
  exports.Set("openTcpListener", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
                const int fd = OpenTcpListener(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::Number>().Int32Value(),
                                               info[2].As<Napi::Number>().Int32Value());
                return Napi::Number::New(info.Env(), fd);
              }));
  exports.Set("releaseCleanFilePages", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
                return Napi::Number::New(info.Env(), static_cast<double>(ReleaseCleanFilePages()));
              }));
  return exports;
}

}  // namespace
}  // namespace tachyon

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return tachyon::Init(env, exports); }
NODE_API_MODULE(tachyon_addon, InitAddon)
