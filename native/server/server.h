// The native server: databases, clients, the command table and the dispatcher.
//
// For each socket read (done by native/binding/socket_io.h, or by TypeScript
// on the Node-streams fallback) the input goes to Consume() or Feed(): the
// request parser and this dispatcher then execute every complete request that
// is pure data work and append the replies to one buffer. At the first request
// whose command TypeScript owns (CONFIG, CLIENT, blocking, pub/sub ...) the
// batch stops and reports kJsCommand; TypeScript takes the arguments, runs the
// command, and calls Resume() to continue with the rest of the buffered input.
// Pipeline order is therefore kept, and the dispatcher never calls into
// JavaScript in the middle of a batch (EXEC's JsExecutor aside).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/zmalloc.h"
#include "protocol/reply.h"
#include "protocol/request_parser.h"
#include "server/acl.h"
#include "server/boundary.gen.h"
#include "server/command.h"
#include "server/db.h"
#include "server/evict.h"
#include "server/lazyfree.h"
#include "server/memory_stats.h"
#include "server/propagate.h"
#include "server/latency.h"
#include "server/slowlog.h"

namespace tachyon {

// Per-command statistics for INFO commandstats.
struct CommandStats {
  uint64_t calls = 0;
  uint64_t cycles = 0;  // time spent, in CycleCount() units (see core/clock.h)
  uint64_t rejected_calls = 0;
  uint64_t failed_calls = 0;
  // LATENCY HISTOGRAM / INFO latencystats: created at the first timed call.
  std::unique_ptr<LatencyHistogram> histogram;
};

enum class CommandOwner : uint8_t { kNone, kNative, kJs };

struct CommandEntry {
  const CommandSpec* spec = nullptr;
  CommandHandler handler = nullptr;
  CommandOwner owner = CommandOwner::kNone;
  bool is_container = false;
  std::unordered_map<std::string, CommandEntry*> subcommands;  // lowercase subname → entry
  CommandStats stats;
};

// Things TypeScript must act on after a native call, queued in order
// (SharedSlot::kEvents counts them): keyspace notifications to publish, keys
// modified (for client-side caching invalidation), keys read by tracking
// clients, and commands to show to MONITOR clients. Only queued while the
// feature is in use. EventKind and the other boundary enums: boundary.gen.h.
struct ServerEvent {
  EventKind kind;
  int db;
  uint64_t client_id;                // kModified (the modifying client, 0 for expiry), kTrackedRead, kMonitor
  std::string event;                 // kNotify: event name; kModified: "flush" for FLUSHDB/FLUSHALL
  std::vector<std::string> strings;  // kNotify/kModified/kTrackedRead: the key; kMonitor: argv
};

// LFU counter of an entry's stamp after decay (lfu-decay-time minutes per step).
uint32_t LfuDecayedCounter(uint32_t stamp, int decay_time);

// Native settings mirrored from the TypeScript Config (CONFIG SET pushes them here).
struct Settings {
  int databases = 16;
  int hz = 10;
  bool requirepass = false;           // TypeScript checks the password itself
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  int64_t client_query_buffer_limit = 1024LL * 1024 * 1024;
  int active_expire_effort = 1;
  bool activerehashing = true;
  std::string maxmemory_policy = "noeviction";
  MaxmemoryPolicy policy = MaxmemoryPolicy::kNoEviction;  // maxmemory_policy, parsed
  bool lfu_policy = false;  // maxmemory_policy is allkeys-lfu or volatile-lfu
  int maxmemory_samples = 5;
  int maxmemory_eviction_tenacity = 10;
  int64_t maxmemory_clients = 0;  // bytes, or -percent of maxmemory; 0: no client eviction
  bool clients_paused = false;  // CLIENT PAUSE: no evictions while the dataset must stay still
  // lazyfree-lazy-*: mirrored into LazyFree::settings() by ApplyLazyfreeSettings().
  bool lazyfree_lazy_eviction = false;
  bool lazyfree_lazy_expire = false;  // also: expired keys propagate as UNLINK, else DEL
  bool lazyfree_lazy_server_del = false;
  bool lazyfree_lazy_user_del = false;
  bool lazyfree_lazy_user_flush = false;
  uint32_t notify_flags = 0;  // notify-keyspace-events as NotifyClass bits
  bool tracking = false;      // some client has CLIENT TRACKING on
  int monitors = 0;           // clients in MONITOR mode
  int64_t maxmemory = 0;
  int hash_max_listpack_entries = 512;
  int hash_max_listpack_value = 64;
  int set_max_intset_entries = 512;
  int zset_max_listpack_entries = 128;
  int zset_max_listpack_value = 64;
  int list_max_listpack_size = -2;
  int list_compress_depth = 0;
  int lfu_log_factor = 10;
  int lfu_decay_time = 1;
  int64_t busy_reply_threshold = 5000;  // ms (alias lua-time-limit); 0: scripts are never interrupted
  int64_t stream_node_max_bytes = 4096;
  int64_t stream_node_max_entries = 100;
  // Introspection (slowlog.h, latency.h) and DEBUG (debug_family.cc).
  int64_t slowlog_log_slower_than = 10000;  // microseconds; negative: off
  int64_t slowlog_max_len = 128;
  int64_t latency_monitor_threshold = 0;    // milliseconds; 0: off
  bool latency_tracking = true;             // per-command histograms
  int enable_debug_command = 0;             // enable-debug-command: 0 no, 1 yes, 2 local
  int enable_module_command = 0;            // enable-module-command, likewise
  bool active_expire_enabled = true;        // DEBUG SET-ACTIVE-EXPIRE
  bool pause_cron = false;                  // DEBUG PAUSE-CRON
  bool skip_checksum_validation = false;    // DEBUG SET-SKIP-CHECKSUM-VALIDATION (RDB, RESTORE)
  int64_t aof_flush_sleep = 0;              // DEBUG AOF-FLUSH-SLEEP, microseconds
  bool script_disable_deny_script = false;  // DEBUG SET-DISABLE-DENY-SCRIPTS
  int64_t reply_buffer_peak_reset_ms = 5000;  // DEBUG REPLYBUFFER PEAK-RESET-TIME (-1: never)
  bool reply_buffer_resizing = true;          // DEBUG REPLYBUFFER RESIZING
  bool appendfsync_always = false;          // LATENCY DOCTOR's fsync advice
  double fork_rate_gb_per_sec = 0;          // LATENCY DOCTOR's fork advice (set by persistence)
  std::string tachyon_version = "unknown";  // LOLWUT's version line
  int64_t hll_sparse_max_bytes = 3000;
  // Persistence (rdb_*.cc, dump_family.cc).
  bool rdbcompression = true;
  bool rdbchecksum = true;
  bool loading = false;  // a dataset is being loaded: commands without the loading flag get -LOADING
  bool async_loading = false;  // a replica loads its master's snapshot aside (repl-diskless-load swapdb): no-async-loading commands get -LOADING
  // Set while writes must be refused after a persistence failure (Redis's
  // MISCONF errors); write commands, EXEC of writes and PING get this error.
  std::string deny_write_error;
  bool read_only_replica = false;  // a replica with replica-read-only: writes only from the master link
  bool no_good_replicas = false;   // min-replicas-to-write not met: writes get -NOREPLICAS
  bool replica_expiry = false;     // we are a replica: keys expire only when the master says so
  bool replica_ignore_maxmemory = false;  // a replica with replica-ignore-maxmemory yes: no eviction
  bool stale_replica = false;      // a replica, link down, replica-serve-stale-data no: -MASTERDOWN
};

struct ServerStats {
  uint64_t total_commands_processed = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t expired_keys = 0;
  uint64_t evicted_keys = 0;
  uint64_t expired_stale_perc = 0;
  uint64_t expire_cycle_cpu_milliseconds = 0;
  uint64_t total_error_replies = 0;
  uint64_t dirty = 0;                // changes since the last save
  uint64_t net_input_bytes = 0;
  uint64_t unexpected_error_replies = 0;
  uint64_t reads_processed = 0;         // socket reads handed to the dispatcher
  uint64_t writes_processed = 0;        // socket writes of native I/O
  uint64_t expired_time_cap_reached = 0;  // active expiry cycles that ran out of time
  uint64_t reply_buffer_shrinks = 0;
  uint64_t reply_buffer_expands = 0;
  size_t recent_max_input_buffer = 0;   // biggest query buffer seen in the last seconds
  std::unordered_map<std::string, uint64_t> errors;  // errorstats by prefix
};

// A blocking command (BLPOP, BZPOPMIN, ...) that found nothing to serve. The
// client stays paused with the command kept in Client::pending; TypeScript
// schedules the timeout and, when one of the keys is signalled ready,
// retries the command (RetryBlocked) in FIFO order among blocked clients.
struct BlockState {
  bool active = false;
  int db = 0;
  std::vector<std::string> keys;
  int64_t timeout_at_ms = 0;      // 0 = block forever
  bool null_array_on_timeout = true;  // else a null bulk (BLMOVE, BRPOPLPUSH)
  bool drop_reply = false;            // blocked under CLIENT REPLY OFF/SKIP
  bool retrying = false;              // the command is being re-run by RetryBlocked
  std::string ready_key;              // during a retry: the key that was signalled ready
  // Arguments the parked command replaces in its kept copy (XREAD's `$`
  // becomes the id it stood for when the client blocked): index, new value.
  std::vector<std::pair<int, std::string>> arg_rewrites;
};

struct MultiState {
  bool active = false;      // between MULTI and EXEC/DISCARD
  bool abort = false;       // a command was rejected while queuing: EXEC answers EXECABORT
  bool cas_dirty = false;   // a watched key changed: EXEC answers a null array
  uint32_t flags = 0;       // CMD_* flags of the queued commands, or-ed (EXEC checks writes; denyoom if one is)
  uint32_t inv_flags = 0;   // ~flags of the queued commands, or-ed (EXEC checks CMD_LOADING)
  std::vector<std::vector<std::string>> queue;
};

// Runs commands TypeScript owns on behalf of EXEC (and later scripts): the only
// place where C++ calls into JavaScript, and never on the hot path.
class JsExecutor {
 public:
  virtual void Run(Client& c, const std::vector<std::string_view>& argv, ByteBuffer* out) = 0;

 protected:
  ~JsExecutor() = default;
};

struct Client : public ZCounted {
  uint64_t id = 0;
  int slot = -1;
  int db = 0;
  int resp = 2;
  bool lua = false;                  // the client scripts run their commands as (CLIENT_LUA)
  bool authenticated = true;
  bool paused = false;               // TypeScript is running a command for this client
  ReplyMode reply_mode = ReplyMode::kOn;
  bool drop_js_reply = false;        // the handed-over command was under CLIENT REPLY SKIP
  ByteBuffer query;                  // input bytes not yet consumed
  size_t qpos = 0;                   // parse position in query
  RequestParser parser;
  ByteBuffer out;                    // replies produced by the current Feed/Resume
  std::vector<std::string> pending;  // arguments of the command handed to TypeScript
  std::vector<std::string_view> argv;
  std::string lowered;               // scratch for command-name lookup
  const CommandSpec* last_cmd = nullptr;  // for CLIENT LIST cmd=
  int64_t last_interaction_ms = 0;   // time of the last input (CLIENT LIST idle=, timeout)
  MultiState multi;
  bool in_exec = false;
  std::vector<std::string> watched;  // WatchKey(db, key) of every WATCHed key
  std::vector<bool> watched_expired;  // per watched key: already expired when WATCHed (or since made so)
  BlockState block;
  bool subscribed = false;           // RESP2 subscriber mode: only (un)subscribe/PING/QUIT/RESET
  bool tracking = false;             // CLIENT TRACKING on (default mode: reads are reported)
  bool monitor = false;              // MONITOR: like a replica, may not touch the keyspace
  bool master = false;               // the link to our master (replication): passes replica-read-only
  int64_t woff = 0;                  // replication offset when its last command ended (WAIT)
  bool replica = false;              // fed the replication stream: its output is not counted for eviction
  uint64_t parsed_bytes = 0;         // input bytes of the requests parsed so far
  uint64_t applied_bytes = 0;        // parsed_bytes as of the last command run outside MULTI (Redis's reploff)
  uint64_t read_bytes = 0;           // input bytes taken into the query buffer (a master link's read offset)
  uint64_t proxied_bytes = 0;        // our master's link: applied bytes fed to our own replication stream
  std::string proxy_held;            // ... and the parsed ones not applied yet (an open MULTI), kept for it
  bool obey = false;                 // replays the AOF or is our master's link: checks meant for users are
                                     // skipped where Redis skips them (mustObeyClient)
  bool close_asap = false;           // output over its limit: run nothing more, TypeScript closes it
  bool no_evict = false;             // CLIENT NO-EVICT
  bool evicted = false;              // chosen by maxmemory-clients, being closed
  size_t tracked_memory = 0;         // ClientMemoryUsage when last measured (in Server's total)
  bool local = false;                // loopback or unix socket (enable-debug-command local)
  AclUser* acl_user = nullptr;       // the user it is authenticated as (never null once created)
  bool close_after_reply = false;    // QUIT, CLIENT KILL of itself: nothing after it runs
  int exec_count = -1;               // during EXEC: commands it runs (CLIENT LIST multi=)
  size_t exec_multi_mem = 0;         // during EXEC: their multi-mem
  size_t out_peak = 0;               // largest reply buffer use since the last reset (rbp=)
  size_t query_peak = 0;             // largest query buffer since the last cron (INFO client_recent_max_input_buffer)
  int64_t out_peak_reset_ms = 0;
  std::string addr = "?:0";          // peer address as CLIENT LIST shows it (SLOWLOG, crash report)
  std::string name;                  // CLIENT SETNAME (SLOWLOG, crash report)
};

// What persistence does inside commands (set by the persistence binding).
class PersistenceHooks {
 public:
  // FLUSHALL: stop a saving child; with save points, write the now empty RDB.
  virtual void OnFlushAll() = 0;

 protected:
  ~PersistenceHooks() = default;
};

// CLIENT LIST multi-mem=: Redis counts each queued command's argument bytes
// plus one pointer per argument.
inline size_t MultiMemory(const MultiState& m) {
  size_t n = 0;
  for (const auto& args : m.queue) {
    for (const auto& a : args) n += a.size() + sizeof(void*);
  }
  return n;
}

struct ScriptingState;  // scripting_family.cc

// The connection side of native clients (native/binding/socket_io.h): the
// output it holds, and a way to hand it replies while a pipeline runs, so a
// client's output is bounded as its replies are produced.
class ReplicationStream;

class ClientIo {
 public:
  // Allocator bytes holding output the kernel has not taken yet.
  virtual size_t OutputMemory(const Client& c) = 0;
  // Moves c.out to the connection (writing what the kernel takes now); sets
  // c.close_asap when the output passed client-output-buffer-limit.
  virtual void FlushOutput(Client& c) = 0;

 protected:
  ~ClientIo() = default;
};

// Serves other clients while a script runs past busy-reply-threshold (Redis's
// processEventsWhileBlocked): implemented by the socket layer.
class BusyPump {
 public:
  virtual void PumpWhileBusy(Client& running) = 0;

 protected:
  ~BusyPump() = default;
};

class Server : public ErrorSink, public KeyspaceObserver {
 public:
  explicit Server(const Settings& settings);
  ~Server();

  Settings& settings() { return settings_; }
  const Settings& settings() const { return settings_; }
  ServerStats& stats() { return stats_; }
  Db& db(int i) { return *dbs_[i]; }
  int db_count() const { return static_cast<int>(dbs_.size()); }
  // SWAPDB: exchanges the contents of two databases (clients keep their index).
  void SwapDbs(int a, int b);

  // Marks the commands TypeScript implements (by lowercase full name).
  void SetJsCommands(const std::vector<std::string>& names);

  Client* NewClient(uint64_t id);
  void FreeClient(int slot);
  Client* client(int slot) { return slot >= 0 && slot < (int)clients_.size() ? clients_[slot].get() : nullptr; }
  const std::vector<std::unique_ptr<Client>>& clients() const { return clients_; }
  void SetClientIo(ClientIo* io) { client_io_ = io; }
  // maxmemory-clients (client eviction as Redis 7.0): re-measures c after it
  // ran or its output drained, and returns the clients to close (biggest
  // first) while all clients together use more than the limit.
  void UpdateClientMemory(Client& c);
  std::vector<Client*> ClientsToEvict();
  size_t clients_memory() const { return clients_memory_; }
  ClientIo* client_io() const { return client_io_; }
  // Replica clients (replication) and the output they hold: Redis's
  // freeMemoryGetNotCountedMemory leaves it out of the eviction check.
  void SetReplicaClient(Client& c, bool on) {
    if (c.replica != on) replica_clients_ += on ? 1 : -1;
    c.replica = on;
  }
  size_t ReplicaOutputMemory() const;

  // Memory accounting (memory_stats.h): counted bytes at startup and at their
  // peak, and the cron's sample of the process and allocator figures.
  size_t startup_memory() const { return startup_memory_; }
  size_t peak_memory() const { return peak_memory_; }
  void UpdatePeakMemory() {
    size_t used = ZUsedMemory();
    if (used > peak_memory_) peak_memory_ = used;
  }
  const MallocStats& malloc_stats() const { return malloc_stats_; }
  // The cron refreshes zmalloc_used and the RSS; allocator=true also the allocator's figures.
  void UpdateMallocStats(bool allocator);

  // Appends data to the client's input and processes it (see the file comment).
  FeedStatus Feed(Client& c, const char* data, size_t len);
  // The same without a copy, for native socket reads: InputSpace() gives room for
  // at least `want` bytes at the end of the query buffer (*cap: all the room there
  // is), Consume() takes the n bytes read into it.
  char* InputSpace(Client& c, size_t want, size_t* cap);
  FeedStatus Consume(Client& c, size_t n);
  // command_ended: TypeScript answered the command the client was paused in
  // (its end sets the client's woff, as any command's does).
  FeedStatus Resume(Client& c, bool command_ended = false);

  // Periodic work, called hz times a second: active expiry and rehashing on a
  // time budget. False while DEBUG PAUSE-CRON holds all periodic work.
  bool Cron();

  // Finds the command for argv; on failure fills *error with Redis's
  // rejection text, and *rejected with the command when it was found but
  // called with the wrong number of arguments.
  CommandEntry* Lookup(const std::vector<std::string_view>& argv, Client& c, std::string* error,
                       CommandEntry** rejected = nullptr);
  // Slots ever used (client(slot) may be nullptr below this).
  int client_slots() const { return static_cast<int>(clients_.size()); }
  const std::unordered_map<std::string, std::unique_ptr<CommandEntry>>& commands() const { return commands_; }
  // Moves when rename-command changes the table (caches of name lookups check it).
  uint32_t commands_version() const { return commands_version_; }
  void ResetStats();
  // Statistics, slowlog and latency of a command TypeScript ran for c
  // (c.pending holds its arguments); `redacted` lists arguments SLOWLOG
  // must not show (AUTH passwords).
  void RecordJsCall(Client& c, const std::string& name, uint64_t usec, std::string_view error,
                    const std::vector<int>& redacted);
  Slowlog& slowlog() { return slowlog_; }
  LatencyMonitor& latency() { return latency_; }
  // The client whose command is running (nullptr: cron), for DEBUG and the crash report.
  Client* current_client() const { return current_client_; }
  // The replication stream's offset, kept here by the replication binding:
  // every command leaves it in its client's woff, as Redis 7.0's processCommand (WAIT).
  int64_t repl_offset = 0;
  // The master's shared replication buffer (set by the replication binding):
  // memory reports and the eviction check count its part beyond the backlog;
  // a replica feeds its master's applied stream into it (ProxyMasterStream).
  ReplicationStream* repl_stream = nullptr;
  void OnErrorReply(std::string_view msg) override;

  uint32_t lru_clock() const { return clock_.lru_clock; }
  const AccessClock& access_clock() const { return clock_; }
  // Records an access to e: the LRU clock, or an LFU counter update. Skipped
  // while a fork()ed child snapshots, as Redis does: writing the access time
  // into every entry read would copy its memory page.
  void TouchEntry(Entry* e);
  void set_fork_child_active(bool active) { fork_child_active_ = active; }
  // Recomputes the clock and the stamp for new keys (on cron and policy changes).
  void UpdateAccessClock();

  // Transactions (transaction.cc).
  void Watch(Client& c, int db, std::string_view key, int64_t now_ms);
  // EXEC's check: a watched key, live when WATCHed, has expired since.
  bool WatchedKeyExpired(const Client& c, int64_t now_ms);
  void UnwatchAll(Client& c);
  void DiscardTransaction(Client& c);
  void TouchWatchedKey(int db, std::string_view key);
  void TouchWatchedKeysInDb(int db, int other_db = -1);
  // Runs one queued command inside EXEC, native or via the JsExecutor.
  void ExecuteQueued(Client& c, const std::vector<std::string_view>& argv, Reply& reply);
  // Runs one command read from an AOF on client c, as Redis's AOF loader:
  // queued while c is inside MULTI (EXEC excepted), replies discarded. False,
  // with *error naming it, for a command that does not exist (or is not native).
  bool ExecuteReplayed(Client& c, const std::vector<std::string_view>& argv, std::string* error);
  void SetJsExecutor(JsExecutor* ex) { js_executor_ = ex; }
  // Every modification of a key: WATCH, clients blocked on it, tracking invalidation.
  void SignalModifiedKey(int db, std::string_view key) {
    TouchWatchedKey(db, key);
    if (!blocking_keys_.empty()) SignalKeyReady(db, key);
    if (settings_.tracking) QueueEvent(EventKind::kModified, db, current_client_id_, {}, key);
  }
  // FLUSHDB/FLUSHALL while some client tracks: one keyless "flush" event (db -1: all).
  void SignalFlush(int db) {
    if (settings_.tracking) events_.push_back({EventKind::kModified, db, current_client_id_, "flush", {}});
  }
  // A keyspace notification (notify.c's notifyKeyspaceEvent), queued for TypeScript to publish.
  void Notify(uint32_t cls, const char* event, int db, std::string_view key) {
    uint32_t f = settings_.notify_flags;
    if (!(f & cls) || !(f & (kNotifyKeyspace | kNotifyKeyevent))) return;
    QueueEvent(EventKind::kNotify, db, 0, event, key);
  }
  void QueueEvent(EventKind kind, int db, uint64_t client_id, std::string_view event, std::string_view key);
  std::vector<ServerEvent> TakeEvents();
  size_t event_count() const { return events_.size(); }

  // Blocking (blocking.cc). TypeScript registers the keys its blocked clients wait on;
  // modifications of those keys are collected until TakeReadyKeys().
  void AddBlockingKey(int db, std::string_view key);
  void RemoveBlockingKey(int db, std::string_view key);
  void SignalKeyReady(int db, std::string_view key);
  // Before FLUSHDB/FLUSHALL/SWAPDB replaces db `emptied`'s contents with
  // `replaced_with`'s (-1: nothing): signals the keys clients block on that
  // are streams there and will not be streams after, so an XREADGROUP
  // blocked on one fails as the key is gone (scanDatabaseForDeletedStreams).
  void SignalDeletedStreams(int emptied, int replaced_with);
  std::vector<std::pair<int, std::string>> TakeReadyKeys();
  size_t ready_key_count() const { return ready_keys_.size(); }
  // Runs a blocked client's command again: kBlocked if still unserved, else kServed
  // with the reply written; the pipeline continues only on Resume(), so the
  // scheduler can finish serving a key before the served clients run on.
  FeedStatus RetryBlocked(Client& c, std::string_view ready_key = {});
  // Ends a block with the timeout reply, or with `error` (CLIENT UNBLOCK ... ERROR): kServed.
  FeedStatus Unblock(Client& c, std::string_view error);
  void OnKeyAdded(int db, std::string_view key) override { Notify(kNotifyNew, "new", db, key); }
  ExpiryMode expiry_mode() const override {
    // While clients are paused (CLIENT PAUSE, FAILOVER, SHUTDOWN) the dataset stays
    // still: expired keys read as absent but are not deleted, as Redis's expireIfNeeded.
    if (!settings_.replica_expiry) return settings_.clients_paused ? ExpiryMode::kHide : ExpiryMode::kExpire;
    return current_is_master_ ? ExpiryMode::kKeep : ExpiryMode::kHide;
  }
  void OnKeyExpired(int db, std::string_view key) override {
    Notify(kNotifyExpired, "expired", db, key);
    // Redis signals after the deletion: WATCH must see the key as gone.
    expiring_key_ = true;
    SignalModifiedKey(db, key);
    expiring_key_ = false;
    PropagateDeletion(db, key, settings_.lazyfree_lazy_expire);
  }
  // The change stream consumed by the AOF (and later replicas).
  Propagator& propagator() { return propagator_; }
  void SetPersistenceHooks(PersistenceHooks* hooks) { persistence_hooks_ = hooks; }
  void NotifyFlushAll() {
    if (persistence_hooks_) persistence_hooks_->OnFlushAll();
  }
  // The deletions the server makes on its own -- a key expired (lazily or
  // by the cron) or evicted -- go to the AOF and the replicas from here and
  // only here, as Redis's propagateExpire: DEL, or UNLINK when freed lazily.
  void PropagateDeletion(int db, std::string_view key, bool lazy) {
    if (propagator_.active()) propagator_.KeyExpired(db, key, lazy);
  }
  // Evicts key from db (maxmemory): the deletion, then what any deletion
  // raises -- WATCH, tracking invalidation -- and the `evicted` event.
  void EvictKey(int db, std::string_view key);

  // maxmemory (evict.h): evicts when over the limit; kFail means denyoom commands get -OOM.
  EvictResult PerformEvictions() { return evictor_.Perform(); }
  // The eviction continues between event loop iterations (Redis's evictionTimeProc).
  bool eviction_running() const { return evictor_.running(); }
  bool ContinueEvictions() { return evictor_.Continue(); }
  void StartEviction() { evictor_.Start(); }
  const Evictor& evictor() const { return evictor_; }
  // Lazy freeing (lazyfree.h).
  LazyFree& lazyfree() { return lazyfree_; }
  void ApplyLazyfreeSettings() {
    LazyfreeSettings& l = lazyfree_.settings();
    l.lazy_eviction = settings_.lazyfree_lazy_eviction;
    l.lazy_expire = settings_.lazyfree_lazy_expire;
    l.lazy_server_del = settings_.lazyfree_lazy_server_del;
    l.lazy_user_del = settings_.lazyfree_lazy_user_del;
    l.lazy_user_flush = settings_.lazyfree_lazy_user_flush;
  }
  size_t lazyfree_pending() const { return lazyfree_.pending(); }
  void WaitLazyfree(uint64_t us) { lazyfree_.Wait(us); }
  uint64_t CyclesToMicros(uint64_t cycles) const { return calibration_.ToMicros(cycles); }
  // The wall clock shared by the commands of one batch (see core/clock.h).
  int64_t now_us() const { return now_us_; }

  // Whether memory was over maxmemory with nothing to evict when the running
  // top-level command started (scripts refuse their first denyoom write then).
  bool pre_command_oom() const { return pre_command_oom_; }

  // Scripting (scripting_family.cc): the Lua engines, script cache and function libraries.
  ScriptingState& scripting();
  // redis.call: the normal per-command path (statistics, MONITOR, tracking,
  // notifications); the command itself is propagated only to `targets`
  // (PropagateTarget bits: the script's redis.set_repl).
  void CallFromScript(Client& c, CommandEntry* cmd, Reply& reply, uint8_t targets) {
    const uint8_t outer = call_targets_;
    call_targets_ = targets;
    Call(c, cmd, reply);
    call_targets_ = outer;
  }
  // Function libraries (scripting_family.cc): their codes in name order, as
  // RDB files, AOF bases and FUNCTION DUMP hold them (nothing is created when
  // scripting was never used: a fork()ed child may call this).
  std::vector<std::string_view> FunctionLibraryCodes();
  // A loaded RDB's libraries replace the current ones (Redis loads them into
  // an empty function set: at startup, DEBUG RELOAD). All or nothing: false,
  // with the error, when one does not load.
  bool ReplaceFunctionLibraries(const std::vector<std::string>& codes, std::string* error);
  // DEBUG RELOAD NOFLUSH: a file's libraries added to the current ones; one
  // already there is an error (Redis's "Library 'x' already exists"), or is
  // replaced with `replace` (MERGE). All or nothing.
  bool MergeFunctionLibraries(const std::vector<std::string>& codes, bool replace, std::string* error);
  JsExecutor* js_executor() const { return js_executor_; }
  // While set, commands without the allow-busy flag are answered with this error.
  void SetBusyError(std::string_view e) { busy_error_.assign(e); }
  void SetBusyPump(BusyPump* p) { busy_pump_ = p; }
  const std::string& busy_error() const { return busy_error_; }
  // SHUTDOWN NOSAVE while a script is busy: the script stops at once; TypeScript
  // shuts the server down when it returned (a kShutdown event).
  void RequestScriptShutdown();
  BusyPump* busy_pump() const { return busy_pump_; }

  // ACL users by handle (TypeScript's src/acl/ pushes each user's compiled
  // permissions; handle 1 is the default user new clients start as).
  AclUser* acl_user(int handle);
  static constexpr int kDefaultAclUser = 1;
  // The ACL check of a command about to run for c (argv is the command's),
  // as Redis's ACLCheckAllPerm; on denial queues the ACL LOG event for
  // `context` and returns the AclResult with *errpos set.
  int CheckAcl(Client& c, const AclUser& user, const CommandEntry* cmd, const std::vector<std::string_view>& argv,
               const char* context, int* errpos);
  // The same without logging (ACL DRYRUN, redis.acl_check_cmd).
  int DryRunAcl(const AclUser& user, const CommandEntry* cmd, const std::vector<std::string_view>& argv, int* errpos);
  // Finds a command by argv like Redis's lookupCommand (no arity check, unimplemented commands included).
  CommandEntry* FindCommand(const std::vector<std::string_view>& argv);
  uint32_t command_id(const CommandEntry* cmd) const;
  // rename-command: the command is known by `to` from now on ("" removes it).
  bool RenameCommand(const std::string& from, const std::string& to, std::string* error);

 private:
  bool IsTransactionControl(const CommandEntry* cmd) const;
  // Redis's processCommand maxmemory step: false (with -OOM replied) when the command must not run.
  bool CheckMaxmemory(Client& c, CommandEntry* cmd, Reply& reply);
  // Redis's rejectCommand: counts the rejection, flags a transaction being
  // queued, and turns a rejected EXEC into EXECABORT (ending the transaction).
  void RejectCommand(Client& c, CommandEntry* cmd, std::string_view error, Reply& reply);
  // enable-debug-command / enable-module-command: may c run this protected command?
  bool ProtectedAllowed(const Client& c, const CommandEntry* cmd) const;
  bool AllowedWhileSubscribed(const CommandEntry* cmd) const;
  void ObserveCall(Client& c, const CommandEntry* cmd);
  // After a command ran for `micros`: slowlog, latency events, histogram (Redis's call()).
  void AfterTimedCall(Client& c, CommandEntry* cmd, uint64_t micros, const std::vector<std::string_view>& argv,
                      const std::vector<int>* redacted = nullptr);
  void TrackReads(Client& c, const CommandEntry* cmd);
  FeedStatus Process(Client& c);
  // Our master's link: the bytes of the commands it applied since the last
  // call go to our own replication stream (see server.cc).
  void ProxyMasterStream(Client& c, size_t start_qpos, uint64_t parsed_at_start);
  void ReleaseQueryBuffer(Client& c);
  void Call(Client& c, CommandEntry* cmd, Reply& reply);
  void BuildCommandTable();
  void BuildAclInfo();  // server_acl.cc
  void ClientsCron(int64_t now_ms);
  size_t recent_input_[8] = {0};
  int64_t recent_input_second_ = 0;

  Settings settings_;
  ServerStats stats_;
  LazyFree lazyfree_;  // before dbs_: outlives them
  std::vector<std::unique_ptr<Db>> dbs_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<int> free_slots_;
  std::unordered_map<std::string, std::unique_ptr<CommandEntry>> commands_;
  uint32_t commands_version_ = 0;
  int expire_db_cursor_ = 0;
  int rehash_db_cursor_ = 0;
  AccessClock clock_;
  int64_t now_us_ = 0;
  uint64_t current_client_id_ = 0;  // the client whose command is running (0: cron)
  bool current_is_master_ = false;  // that client is our master's link (replication)
  Client* current_client_ = nullptr;
  Slowlog slowlog_;
  LatencyMonitor latency_;
  std::unordered_map<std::string, std::vector<Client*>> watched_keys_;
  bool expiring_key_ = false;  // OnKeyExpired: the key being signalled is about to be deleted
  std::unordered_map<std::string, int> blocking_keys_;  // WatchKey(db, key) → clients waiting
  std::vector<std::pair<int, std::string>> ready_keys_;
  std::vector<ServerEvent> events_;
  std::unordered_map<std::string, bool> ready_set_;
  JsExecutor* js_executor_ = nullptr;
  Propagator propagator_;
  uint8_t call_targets_ = kPropagateAll;  // where the command Call() runs may be propagated
  PersistenceHooks* persistence_hooks_ = nullptr;
  bool fork_child_active_ = false;
  const CommandSpec* exec_spec_ = nullptr;  // EXEC is never propagated itself
  std::shared_ptr<ScriptingState> scripting_;
  std::string busy_error_;
  BusyPump* busy_pump_ = nullptr;
  ClientIo* client_io_ = nullptr;
  int replica_clients_ = 0;
  Evictor evictor_{*this};
  bool pre_command_oom_ = false;  // OOM seen before the running command (scripts check it)
  size_t startup_memory_ = 0;
  size_t peak_memory_ = 0;
  MallocStats malloc_stats_;
  int64_t allocator_read_us_ = 0;  // when the allocator's own figures were last read
  uint32_t calls_since_clock_ = 0;
  CycleCalibration calibration_;
  // Query buffers of clients whose input was all consumed, for the next read
  // of any client: an idle connection holds none (Redis 7.0 frees idle ones in
  // its cron; a pool also spares the allocation per read).
  std::vector<std::pair<char*, size_t>> query_pool_;
  size_t trim_mark_ = 0;      // counted memory since the last background malloc_trim
  size_t clients_freed_ = 0;  // clients freed since then
  size_t clients_memory_ = 0;  // sum of Client::tracked_memory
  std::vector<std::unique_ptr<AclUser>> acl_users_;
  std::vector<AclCommandInfo> acl_info_;  // by command id
  std::vector<KeyRef> acl_keys_;          // scratch for the key checks
};

// Flags a command runs with: a script's own (shebang or function flags:
// denyoom unless allow-oom or no-writes) for EVAL/EVALSHA/FCALL and their
// _RO forms, the command's otherwise (Redis's getCommandFlags). In
// scripting_family.cc.
uint32_t ScriptCommandFlags(Server& s, const CommandEntry* cmd, const std::vector<std::string_view>& argv);

}  // namespace tachyon
