// Snapshots on disk: writing an RDB file atomically (SAVE, shutdown), writing
// it from a fork()ed child (BGSAVE, and the AOF rewrite reuses the same
// child machinery), and loading one in a background thread while the event
// loop keeps answering clients with -LOADING.
//
// Why fork: BGSAVE must not stall the event loop. fork(2) gives the child a
// copy-on-write image of the keyspace at one instant for the price of copying
// the page tables (a few ms per GB), exactly what Redis pays. The child runs
// nothing but the RDB writer, malloc and write(2) -- no JavaScript, no libuv,
// no other thread's locks (glibc makes malloc usable in the child of a
// multi-threaded process) -- and leaves with _exit(). The parent learns the
// outcome by polling waitpid(WNOHANG) from its cron, since libuv does not know
// the pid. While a child runs, the key tables stop resizing (Dict's
// SetResizeAllowed) so incremental rehashing does not copy every bucket page.
// A snapshot without fork (versioned entries or copy-on-write collections)
// would put a cost on every write for the rare moments a snapshot runs; fork
// costs nothing until then.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "server/byte_feed.h"
#include "server/db.h"
#include "server/rdb_reader.h"
#include "server/rdb_writer.h"

namespace tachyon {

class Server;

// Where a save failed: the step (Redis's names: "open", "rdbSaveRio",
// "fsync", "fclose", "rename", "fsyncFileDir") and the errno.
struct SaveFailure {
  std::string step;
  int err = 0;
  std::string tmpfile;
};

struct FileSaveOptions {
  RdbSaveOptions rdb;
  size_t fsync_every = 0;  // rdb-save-incremental-fsync: fsync every this many bytes
  // A filtered snapshot for a replica that asked for one (REPLCONF rdb-filter-only):
  // the header and AUX fields always, the keys and the function libraries on request.
  bool with_keys = true;
  bool with_functions = true;
};

// Writes every database of server to dir/filename through dir/temp-<pid>.rdb:
// written, fsync()ed, renamed over the target, directory fsync()ed.
bool SaveRdbFile(Server& server, const std::string& dir, const std::string& filename, const FileSaveOptions& opt,
                 SaveFailure* failure);

// Writes the RDB body (header to trailer) to an open descriptor (an AOF base).
bool WriteRdbTo(Server& server, int fd, const FileSaveOptions& opt, int* err);

// What a child tells its parent before exiting: the memory it copied and,
// when it failed, where (a SaveFailure step number, see kSaveSteps) and why.
struct ChildReport {
  uint64_t cow_bytes = 0;
  int32_t failed_step = 0;
  int32_t err = 0;
};
// SaveFailure steps by number (0: none).
inline constexpr const char* kSaveSteps[] = {"", "open", "rdbSaveRio", "fsync", "fclose", "rename", "fsyncFileDir"};
int SaveStepNumber(const std::string& step);

// A child process doing a snapshot. Start() forks and runs work() in the
// child, which exits with its result (0 = success) after filling the report's
// failure fields if it failed. Poll() reaps it.
class ChildJob {
 public:
  ChildJob() = default;
  ~ChildJob();
  ChildJob(const ChildJob&) = delete;
  ChildJob& operator=(const ChildJob&) = delete;

  // Returns the pid, or -errno if fork failed. The server's tables stop
  // resizing until the child is reaped.
  pid_t Start(Server& server, std::function<int(ChildReport*)> work);
  struct Outcome {
    bool done = false;
    int exitcode = 0;
    int signal = 0;      // the signal that killed it, 0 if it exited
    ChildReport report;  // cow_bytes: memory the child had to copy (Private_Dirty)
  };
  // Non-blocking reap; Outcome.done once the child is gone.
  Outcome Poll();
  // Kills the child (SIGUSR1, as Redis) and reaps it.
  void Kill();
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

 private:
  void Finish();
  Server* server_ = nullptr;
  pid_t pid_ = -1;
  int info_fd_ = -1;  // the child writes its COW size here before exiting
};

// Loads an RDB file (or the RDB part of an AOF), or a snapshot arriving over
// a master's socket (diskless loading), in a thread into databases of its
// own; Install() swaps them into the server once done, so the server's own
// databases stay untouched (and may keep being served) meanwhile.
class RdbLoadJob {
 public:
  RdbLoadJob(int databases, const RdbLoadOptions& opt);
  ~RdbLoadJob();

  // Opens path and starts at `offset`; false (with errno in *err) if it cannot be opened.
  bool Start(const std::string& path, uint64_t offset, int* err);
  // Diskless loading: the snapshot comes from `feed` ($<len>: `total` bytes,
  // the feed closed after them; $EOF: total 0 and the 40-byte `eof_mark` is
  // read and checked after the RDB). A failed load frees what it had loaded
  // in the thread (Redis: "Discarding temporary DB in background").
  void StartFeed(std::shared_ptr<ByteFeed> feed, uint64_t total, const std::string& eof_mark);
  ByteFeed* feed() const { return feed_.get(); }
  // After a feed: the EOF mark did not follow the RDB.
  bool mark_broken() const { return mark_broken_; }
  // After a feed: bytes that followed the snapshot (the replication stream).
  std::string TakeRest() { return std::move(rest_); }
  bool done() const { return done_.load(std::memory_order_acquire); }
  uint64_t loaded_bytes() const { return progress_.load(std::memory_order_relaxed); }
  uint64_t total_bytes() const { return total_; }
  // The snapshot's used-mem AUX field once read (0 before): Redis's loading_rdb_used_mem.
  int64_t rdb_used_mem() const { return rdb_used_mem_.load(std::memory_order_relaxed); }
  // Log lines produced so far: (level, text).
  std::vector<std::pair<int, std::string>> TakeLogs();
  // Valid once done().
  const RdbLoadResult& result() const { return result_; }
  // Moves the loaded data into the server's databases (which lose theirs).
  void Install(Server& server);
  // DEBUG RELOAD NOFLUSH: adds the loaded keys to the server's databases. A
  // key already there refuses the whole load (false, *error names it; Redis
  // panics there) unless `replace` (MERGE), which replaces it.
  bool Merge(Server& server, bool replace, std::string* error);

 private:
  RdbLoadOptions opt_;
  AccessClock clock_;
  std::vector<std::unique_ptr<Db>> dbs_;
  std::thread thread_;
  std::atomic<bool> done_{false};
  std::atomic<uint64_t> progress_{0};
  std::atomic<int64_t> rdb_used_mem_{0};
  uint64_t total_ = 0;
  int fd_ = -1;
  std::shared_ptr<ByteFeed> feed_;
  bool mark_broken_ = false;
  std::string rest_;
  std::mutex log_mu_;
  std::vector<std::pair<int, std::string>> logs_;
  RdbLoadResult result_;
};

// Private_Dirty of this process (bytes), from /proc/self/smaps_rollup.
uint64_t PrivateDirtyBytes();

}  // namespace tachyon
