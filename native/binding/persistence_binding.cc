// persistence(op, ...args): the operations src/persistence/ calls. Arguments
// are checked by TypeScript; values cross as plain numbers, strings, objects.
//
//   save(dir, filename, opts)        SAVE: write dir/filename atomically
//       -> {ok} | {ok: false, step, errno, tmpfile}
//   bgsave(dir, filename, opts)      fork a child writing the snapshot -> pid | -errno
//   bgsaveSocket(opts)               fork a child writing the snapshot into a pipe (diskless
//                                    replication) -> [pid, readFd] | [-errno]
//   childPoll()                      -> null while running | [exitcode, signal, cowBytes, failedStep, error]
//   dirty(n?)                        the changes-since-last-save counter (read, or set to n)
//   childKill()                      kill and reap the child (SHUTDOWN, FLUSHALL...)
//   loadStart(path, offset, opts)    load an RDB in a thread -> 0 | errno
//   loadStartFeed(total, eofMark, opts)  diskless loading: load a snapshot pushed by loadFeed
//                                    ($<len>: total bytes; $EOF: total 0 and the mark to check after it)
//   loadFeed(buffer)                 one socket read of the snapshot -> [queued bytes, bytes the reader waits for]
//   loadFeedEnd()                    no more bytes (the transfer ended or the link dropped)
//   loadPoll()                       -> [done, loadedBytes, totalBytes, logs: [level, text][], queued, wanted,
//                                        rdbUsedMem (the used-mem AUX field, 0 until read)]
//   loadFinish({merge, replace, lazyFlush})  install the data and function libraries (if they loaded) -> result
//                                    object; lazyFlush: the replaced data is freed by the lazy free thread;
//                                    after a feed also {markBroken, rest: Buffer of the bytes after the snapshot}
//   emptyData()                      every database and the function libraries emptied (DEBUG RELOAD, LOADAOF)
//   aofStart() / aofStop()           feed the AOF buffer from the propagation path, or stop (flush, fsync, close)
//   aofOpen(path, truncate)          append to path from now on -> 0 | errno
//   aofConfigure({fsync, timestamps, noFsyncOnRewrite})
//   aofFlush(force) / aofSync()      flushAppendOnlyFile / flush + fdatasync -> ok
//   aofStats()                       -> [bytes in the current file, buffer length, pending fsyncs,
//                                        delayed fsyncs, write error text, background fsync error text]
//   aofRewrite(dir, rdbPreamble, opts)  fork a child writing dir/temp-rewriteaof-bg-<pid>.aof -> pid | -errno
//   replayStart(path, offset, keyLoadDelay) replay an AOF file -> 0 | errno
//   replayStep(budgetBytes)          -> [status, offset, validUpTo, error, commands]; status:
//                                       0 more, 1 done, 2 truncated, 3 bad format, 4 unknown command, 5 read error
//   replayEnd()
//   saveTarget(dir, filename, hasSavePoints, fsyncEvery)   where FLUSHALL writes its snapshot
//   takeFlushallSaves()              -> [ok, failedStep, error][] of the saves FLUSHALL made since
//
// opts: {compress, checksum, ctime, aofBase, keySaveDelay, fsyncEvery, replId, replOffset, replStreamDb,
// excludeKeys, excludeFunctions} for
// saves, {aofPreamble, keyLoadDelay, replica, fromSocket} for loads; everything else comes from the settings.
#include "binding/persistence_binding.h"

#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <malloc.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "server/aof.h"
#include "server/server.h"
#include "server/snapshot.h"

namespace tachyon {

struct PersistenceBinding::Impl : public PersistenceHooks {
  explicit Impl(Server& s) : server(s), aof(s) { server.SetPersistenceHooks(this); }
  ~Impl() { server.SetPersistenceHooks(nullptr); }
  Server& server;
  ChildJob child;
  bool child_is_rdb = false;
  std::unique_ptr<RdbLoadJob> load;
  AofLog aof;
  std::unique_ptr<AofReplay> replay;
  // Where FLUSHALL saves (pushed by TypeScript), and what its saves did.
  std::string save_dir, save_filename;
  bool save_points = false;
  size_t fsync_every = 0;
  struct FlushAllSave {
    bool ok;
    std::string step;
    int err;
  };
  std::vector<FlushAllSave> flushall_saves;

  void OnFlushAll() override;
};

namespace {

bool BoolOpt(const Napi::Object& o, const char* name, bool def) {
  if (!o.Has(name)) return def;
  Napi::Value v = o.Get(name);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : def;
}

int64_t IntOpt(const Napi::Object& o, const char* name, int64_t def) {
  if (!o.Has(name)) return def;
  Napi::Value v = o.Get(name);
  return v.IsNumber() ? v.As<Napi::Number>().Int64Value() : def;
}

FileSaveOptions SaveOptions(Server& server, const Napi::Object& o) {
  FileSaveOptions f;
  const Settings& s = server.settings();
  f.rdb.compress = BoolOpt(o, "compress", s.rdbcompression);
  f.rdb.checksum = BoolOpt(o, "checksum", s.rdbchecksum);
  f.rdb.ctime = IntOpt(o, "ctime", 0);
  f.rdb.aof_base = BoolOpt(o, "aofBase", false);
  f.rdb.key_save_delay = IntOpt(o, "keySaveDelay", 0);
  struct mallinfo2 mi = mallinfo2();
  f.rdb.used_mem = static_cast<int64_t>(mi.uordblks + mi.hblkhd);
  const std::string& policy = s.maxmemory_policy;
  if (policy == "allkeys-lru" || policy == "volatile-lru") f.rdb.access = RdbSaveOptions::Access::kLru;
  if (s.lfu_policy) f.rdb.access = RdbSaveOptions::Access::kLfu;
  f.rdb.lru_clock = server.lru_clock();
  f.rdb.lfu_decay_time = s.lfu_decay_time;
  f.fsync_every = static_cast<size_t>(IntOpt(o, "fsyncEvery", 0));
  f.with_keys = !BoolOpt(o, "excludeKeys", false);
  f.with_functions = !BoolOpt(o, "excludeFunctions", false);
  // Replication info for the AUX fields (a snapshot made for replicas).
  if (o.Has("replId") && o.Get("replId").IsString()) {
    f.rdb.repl_info = true;
    f.rdb.repl_id = o.Get("replId").As<Napi::String>().Utf8Value();
    f.rdb.repl_offset = IntOpt(o, "replOffset", 0);
    f.rdb.repl_stream_db = static_cast<int>(IntOpt(o, "replStreamDb", 0));
  }
  return f;
}

RdbLoadOptions LoadOptions(Server& server, const Napi::Object& o) {
  RdbLoadOptions opt;
  const Settings& s = server.settings();
  opt.limits = RdbLoadLimits::From(s);
  opt.now_ms = NowMs();
  opt.aof_preamble = BoolOpt(o, "aofPreamble", false);
  opt.verify_checksum = s.rdbchecksum && !s.skip_checksum_validation;
  opt.lfu = s.lfu_policy;
  opt.lru_clock = server.lru_clock();
  opt.key_load_delay = IntOpt(o, "keyLoadDelay", 0);
  opt.from_socket = BoolOpt(o, "fromSocket", false);
  opt.replica = BoolOpt(o, "replica", false);
  return opt;
}

}  // namespace

// flushAllDataAndResetRDB: a saving child is stopped (the cron reaps it, as
// after Redis's killRDBChild), and with save points the empty dataset is saved
// now, before FLUSHALL replies.
void PersistenceBinding::Impl::OnFlushAll() {
  if (child.running() && child_is_rdb) kill(child.pid(), SIGUSR1);
  if (!save_points || save_dir.empty()) return;
  FileSaveOptions opt;
  const Settings& s = server.settings();
  opt.rdb.compress = s.rdbcompression;
  opt.rdb.checksum = s.rdbchecksum;
  opt.rdb.ctime = static_cast<int64_t>(time(nullptr));
  struct mallinfo2 mi = mallinfo2();
  opt.rdb.used_mem = static_cast<int64_t>(mi.uordblks + mi.hblkhd);
  opt.fsync_every = fsync_every;
  SaveFailure failure;
  const bool ok = SaveRdbFile(server, save_dir, save_filename, opt, &failure);
  if (ok) server.stats().dirty = 0;
  flushall_saves.push_back({ok, failure.step, failure.err});
}

PersistenceBinding::PersistenceBinding(Server& server) : impl_(std::make_unique<Impl>(server)) {}
PersistenceBinding::~PersistenceBinding() = default;

bool PersistenceBinding::HasPendingAof() const { return impl_->aof.buffer_length() > 0; }

void PersistenceBinding::BeforeReply() {
  if (impl_->aof.buffer_length() > 0) impl_->aof.Flush(false);
}

Napi::Value PersistenceBinding::Call(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Impl& m = *impl_;
  const std::string op = info[0].As<Napi::String>().Utf8Value();
  auto str = [&](size_t i) { return info[i].As<Napi::String>().Utf8Value(); };
  auto obj = [&](size_t i) { return info.Length() > i && info[i].IsObject() ? info[i].As<Napi::Object>() : Napi::Object::New(env); };

  if (op == "save") {
    SaveFailure failure;
    Napi::Object r = Napi::Object::New(env);
    const bool ok = SaveRdbFile(m.server, str(1), str(2), SaveOptions(m.server, obj(3)), &failure);
    r.Set("ok", ok);
    if (!ok) {
      r.Set("step", failure.step);
      r.Set("errno", failure.err);
      r.Set("error", strerror(failure.err));
      r.Set("tmpfile", failure.tmpfile);
    }
    return r;
  }
  if (op == "bgsave") {
    if (m.child.running()) return Napi::Number::New(env, -EBUSY);
    const std::string dir = str(1), filename = str(2);
    const FileSaveOptions opt = SaveOptions(m.server, obj(3));
    Server& server = m.server;
    m.child_is_rdb = true;
    const pid_t pid = m.child.Start(server, [&server, dir, filename, opt](ChildReport* report) {
      SaveFailure failure;
      if (SaveRdbFile(server, dir, filename, opt, &failure)) return 0;
      report->failed_step = SaveStepNumber(failure.step);
      report->err = failure.err;
      return 1;
    });
    return Napi::Number::New(env, pid);
  }
  if (op == "bgsaveSocket") {
    // Diskless SYNC: the child writes the RDB into a pipe whose read end the
    // replication feature reads and copies to the replicas' sockets.
    Napi::Array a = Napi::Array::New(env, 2);
    if (m.child.running()) {
      a.Set(0u, -EBUSY);
      return a;
    }
    FileSaveOptions opt = SaveOptions(m.server, obj(1));
    opt.fsync_every = 0;  // a pipe cannot be fsync()ed
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      a.Set(0u, -errno);
      return a;
    }
    Server& server = m.server;
    const int rfd = fds[0], wfd = fds[1];
    m.child_is_rdb = true;
    const pid_t pid = m.child.Start(server, [&server, opt, rfd, wfd](ChildReport* report) {
      close(rfd);
      int err = 0;
      const bool ok = WriteRdbTo(server, wfd, opt, &err);
      close(wfd);
      if (ok) return 0;
      report->failed_step = SaveStepNumber("rdbSaveRio");
      report->err = err;
      return 1;
    });
    close(wfd);
    if (pid < 0) {
      close(rfd);
      a.Set(0u, pid);
      return a;
    }
    fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_NONBLOCK);
    a.Set(0u, pid);
    a.Set(1u, rfd);
    return a;
  }
  if (op == "childPoll") {
    if (!m.child.running()) return env.Null();
    ChildJob::Outcome o = m.child.Poll();
    if (!o.done) return env.Null();
    m.aof.set_child_active(false);
    Napi::Array a = Napi::Array::New(env, 5);
    a.Set(0u, o.exitcode);
    a.Set(1u, o.signal);
    a.Set(2u, static_cast<double>(o.report.cow_bytes));
    a.Set(3u, kSaveSteps[o.report.failed_step >= 0 && o.report.failed_step < 7 ? o.report.failed_step : 0]);
    a.Set(4u, o.report.err ? strerror(o.report.err) : "");
    return a;
  }
  if (op == "childKill") {
    m.child.Kill();
    m.aof.set_child_active(false);
    return env.Undefined();
  }
  if (op == "aofStart") {
    m.aof.Start();
    return env.Undefined();
  }
  if (op == "aofStop") {
    m.aof.Stop();
    return env.Undefined();
  }
  if (op == "aofOpen") return Napi::Number::New(env, m.aof.Open(str(1), info[2].As<Napi::Boolean>().Value()));
  if (op == "aofConfigure") {
    Napi::Object o = obj(1);
    m.aof.set_fsync(static_cast<AofFsync>(IntOpt(o, "fsync", 0)));
    m.aof.set_timestamps(BoolOpt(o, "timestamps", false));
    m.aof.set_no_fsync_on_rewrite(BoolOpt(o, "noFsyncOnRewrite", false));
    return env.Undefined();
  }
  if (op == "aofFlush") return Napi::Boolean::New(env, m.aof.Flush(info[1].As<Napi::Boolean>().Value()));
  if (op == "aofSync") return Napi::Boolean::New(env, m.aof.FlushAndSync());
  if (op == "aofStats") {
    Napi::Array a = Napi::Array::New(env, 7);
    a.Set(0u, static_cast<double>(m.aof.written_bytes()));
    a.Set(1u, static_cast<double>(m.aof.buffer_length()));
    a.Set(2u, static_cast<double>(m.aof.pending_fsync()));
    a.Set(3u, static_cast<double>(m.aof.delayed_fsync()));
    a.Set(4u, m.aof.write_errno() ? strerror(m.aof.write_errno()) : "");
    const int bg_err = m.aof.background_error();
    a.Set(5u, bg_err ? strerror(bg_err) : "");
    return a;
  }
  if (op == "aofRewrite") {
    if (m.child.running()) return Napi::Number::New(env, -EBUSY);
    const std::string dir = str(1);
    const bool preamble = info[2].As<Napi::Boolean>().Value();
    FileSaveOptions opt = SaveOptions(m.server, obj(3));
    opt.rdb.aof_base = true;
    const bool timestamps = BoolOpt(obj(3), "timestamps", false);
    Server& server = m.server;
    m.child_is_rdb = false;
    const pid_t pid = m.child.Start(server, [&server, dir, preamble, opt, timestamps](ChildReport* report) {
      // Named after the child's pid, as Redis's temp-rewriteaof-bg-<pid>.aof.
      const std::string tmp = dir + "/temp-rewriteaof-bg-" + std::to_string(getpid()) + ".aof";
      int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) {
        report->failed_step = SaveStepNumber("open");
        report->err = errno;
        return 1;
      }
      int err = 0;
      const bool ok = preamble ? WriteRdbTo(server, fd, opt, &err)
                               : (err = WriteAofBaseCommands(server, fd, timestamps, opt.rdb.ctime)) == 0;
      if (!ok) {
        report->failed_step = SaveStepNumber("rdbSaveRio");
        report->err = err;
        return 1;
      }
      if (fsync(fd) != 0 || close(fd) != 0) {
        report->failed_step = SaveStepNumber("fsync");
        report->err = errno;
        return 1;
      }
      return 0;
    });
    if (pid > 0) m.aof.set_child_active(true);
    return Napi::Number::New(env, pid);
  }
  if (op == "replayStart") {
    m.replay = std::make_unique<AofReplay>(m.server, info[3].As<Napi::Number>().Int32Value());
    int err = m.replay->Start(str(1), static_cast<uint64_t>(info[2].As<Napi::Number>().Int64Value()));
    if (err) m.replay.reset();
    return Napi::Number::New(env, err);
  }
  if (op == "replayStep") {
    if (!m.replay) return env.Null();
    const AofReplay::Status st = m.replay->Step(static_cast<size_t>(info[1].As<Napi::Number>().Int64Value()));
    Napi::Array a = Napi::Array::New(env, 5);
    a.Set(0u, static_cast<int>(st));
    a.Set(1u, static_cast<double>(m.replay->offset()));
    a.Set(2u, static_cast<double>(m.replay->valid_up_to()));
    a.Set(3u, m.replay->error());
    a.Set(4u, static_cast<double>(m.replay->commands()));
    return a;
  }
  if (op == "replayEnd") {
    m.replay.reset();
    return env.Undefined();
  }
  if (op == "saveTarget") {
    m.save_dir = str(1);
    m.save_filename = str(2);
    m.save_points = info[3].As<Napi::Boolean>().Value();
    m.fsync_every = static_cast<size_t>(info[4].As<Napi::Number>().Int64Value());
    return env.Undefined();
  }
  if (op == "takeFlushallSaves") {
    Napi::Array a = Napi::Array::New(env, m.flushall_saves.size());
    for (uint32_t i = 0; i < m.flushall_saves.size(); i++) {
      Napi::Array r = Napi::Array::New(env, 3);
      r.Set(0u, m.flushall_saves[i].ok);
      r.Set(1u, m.flushall_saves[i].step);
      r.Set(2u, m.flushall_saves[i].err ? strerror(m.flushall_saves[i].err) : "");
      a.Set(i, r);
    }
    m.flushall_saves.clear();
    return a;
  }
  if (op == "childPid") return Napi::Number::New(env, m.child.running() ? m.child.pid() : -1);
  if (op == "dirty") {
    if (info.Length() > 1 && info[1].IsNumber()) m.server.stats().dirty = static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value());
    return Napi::Number::New(env, static_cast<double>(m.server.stats().dirty));
  }
  if (op == "loadStart") {
    m.load = std::make_unique<RdbLoadJob>(m.server.db_count(), LoadOptions(m.server, obj(3)));
    int err = 0;
    if (!m.load->Start(str(1), static_cast<uint64_t>(info[2].As<Napi::Number>().Int64Value()), &err)) {
      m.load.reset();
      return Napi::Number::New(env, err);
    }
    return Napi::Number::New(env, 0);
  }
  if (op == "loadStartFeed") {
    m.load = std::make_unique<RdbLoadJob>(m.server.db_count(), LoadOptions(m.server, obj(3)));
    m.load->StartFeed(std::make_shared<ByteFeed>(), static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value()),
                      str(2));
    return Napi::Number::New(env, 0);
  }
  if (op == "loadFeed" || op == "loadFeedEnd") {
    if (!m.load || !m.load->feed()) return env.Null();
    ByteFeed* feed = m.load->feed();
    if (op == "loadFeedEnd") {
      feed->Close();
      return env.Undefined();
    }
    Napi::Buffer<unsigned char> b = info[1].As<Napi::Buffer<unsigned char>>();
    Napi::Array a = Napi::Array::New(env, 2);
    a.Set(0u, static_cast<double>(feed->Push(b.Data(), b.Length())));
    a.Set(1u, static_cast<double>(feed->wanted()));
    return a;
  }
  if (op == "loadPoll") {
    Napi::Array a = Napi::Array::New(env, 7);
    if (!m.load) return env.Null();
    const bool done = m.load->done();  // read before the logs, so a done job has given them all
    auto logs = m.load->TakeLogs();
    Napi::Array lines = Napi::Array::New(env, logs.size());
    for (uint32_t i = 0; i < logs.size(); i++) {
      Napi::Array l = Napi::Array::New(env, 2);
      l.Set(0u, logs[i].first);
      l.Set(1u, logs[i].second);
      lines.Set(i, l);
    }
    a.Set(0u, done);
    a.Set(1u, static_cast<double>(m.load->loaded_bytes()));
    a.Set(2u, static_cast<double>(m.load->total_bytes()));
    a.Set(3u, lines);
    ByteFeed* feed = m.load->feed();
    a.Set(4u, static_cast<double>(feed ? feed->queued() : 0));
    a.Set(5u, static_cast<double>(feed ? feed->wanted() : 0));
    a.Set(6u, static_cast<double>(m.load->rdb_used_mem()));
    return a;
  }
  if (op == "loadFinish") {
    if (!m.load) return env.Null();
    const RdbLoadResult& res = m.load->result();
    bool ok = res.ok;
    std::string error = res.error;
    bool unlogged = false;
    // The file's function libraries are compiled here, on the main thread (the
    // Lua engine is not the loader thread's): any that fails refuses the file.
    // With merge (DEBUG RELOAD NOFLUSH) keys and libraries join the current ones.
    bool merge = false, replace = false, lazy_flush = false;
    if (info.Length() > 1 && info[1].IsObject()) {
      Napi::Object o = info[1].As<Napi::Object>();
      merge = o.Get("merge").ToBoolean().Value();
      replace = o.Get("replace").ToBoolean().Value();
      lazy_flush = o.Get("lazyFlush").ToBoolean().Value();
    }
    std::string fn_error;
    const bool fns_ok = !ok ? true
                        : merge ? m.server.MergeFunctionLibraries(res.function_libraries, replace, &fn_error)
                                : m.server.ReplaceFunctionLibraries(res.function_libraries, &fn_error);
    if (!fns_ok) {
      ok = false;
      error = "Failed loading library, " + fn_error;
      unlogged = true;
    }
    if (ok && merge) {
      std::string key_error;
      if (!m.load->Merge(m.server, replace, &key_error)) {
        ok = false;
        error = key_error;
        unlogged = true;
      }
    } else if (ok) {
      // A replica's diskless load (swapMainDbWithTempDb): WATCHed keys of the
      // old or the new dataset and tracking clients learn of the change.
      const bool replaced_live = m.load->feed() != nullptr;
      if (replaced_live) {
        m.server.SignalFlush(-1);
        for (int i = 0; i < m.server.db_count(); i++) m.server.TouchWatchedKeysInDb(i);
      }
      // replica-lazy-flush: the replaced dataset goes to the lazy free thread.
      if (lazy_flush) {
        for (int i = 0; i < m.server.db_count(); i++) m.server.db(i).Clear(true);
      }
      m.load->Install(m.server);
      if (replaced_live) {
        for (int i = 0; i < m.server.db_count(); i++) m.server.TouchWatchedKeysInDb(i);
      }
    }
    Napi::Object r = Napi::Object::New(env);
    r.Set("ok", ok);
    r.Set("version", res.version);
    r.Set("keysLoaded", static_cast<double>(res.keys_loaded));
    r.Set("keysExpired", static_cast<double>(res.keys_expired));
    r.Set("emptyKeysSkipped", static_cast<double>(res.empty_keys_skipped));
    r.Set("endOffset", static_cast<double>(res.end_offset));
    r.Set("aofBase", res.aof_base);
    r.Set("error", error);
    r.Set("unlogged", unlogged);
    r.Set("functions", static_cast<double>(res.function_libraries.size()));
    r.Set("replId", res.repl_id);
    r.Set("replOffset", static_cast<double>(res.repl_offset));
    r.Set("replStreamDb", res.repl_stream_db);
    if (m.load->feed()) {
      r.Set("markBroken", m.load->mark_broken());
      const std::string rest = m.load->TakeRest();
      r.Set("rest", Napi::Buffer<char>::Copy(env, rest.data(), rest.size()));
    }
    m.load.reset();
    return r;
  }
  if (op == "emptyData") {
    // emptyData(-1, EMPTYDB_NO_FLAGS): every database (WATCH and tracking told) and the function libraries.
    m.server.SignalFlush(-1);
    for (int i = 0; i < m.server.db_count(); i++) {
      m.server.TouchWatchedKeysInDb(i);
      m.server.db(i).Clear();
    }
    std::string unused;
    m.server.ReplaceFunctionLibraries({}, &unused);
    return env.Undefined();
  }
  Napi::Error::New(env, "unknown persistence operation " + op).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace tachyon
