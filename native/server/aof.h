// The append-only file's native half: the write path (propagated commands
// encoded as RESP into a buffer, written and fsync()ed by the appendfsync
// policy), the base-file writers of a rewrite (an RDB preamble, or commands),
// and the replay of AOF files at startup. File management -- the manifest,
// which file is base or incr, renames, when to rewrite -- is TypeScript's
// (src/persistence/aof.ts); it passes paths and this code does the bytes.
//
// Write path, as Redis 7.0's feedAppendOnlyFile / flushAppendOnlyFile:
//   Feed()   (a PropagationSink) appends "#TS:<unix>" when aof-timestamp-enabled
//            and the second changed, SELECT when the database changes, then the
//            command as a RESP array.
//   Flush()  writes the buffer with one write(2) before any reply leaves the
//            process (so an acknowledged write is at least in the kernel), then
//            fsync()s: at once with appendfsync always (the reply waits for the
//            disk), from a background thread at most once a second with
//            everysec, never with no. While a background fsync is still running
//            everysec postpones the write for up to two seconds, as Redis does.
//            A failed or short write keeps the data (a short write is
//            truncated away) and is retried; until it succeeds the server
//            refuses writes with MISCONF. With always, a failed write or fsync
//            stops the process, as in Redis: acknowledged data cannot be lost.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "protocol/reply.h"
#include "server/propagate.h"

namespace tachyon {

class Server;
struct Client;

enum class AofFsync : int { kEverysec = 0, kAlways = 1, kNo = 2 };

// One background thread doing fdatasync() (and closing files once synced),
// like Redis's BIO_AOF_FSYNC jobs.
class BackgroundFsync {
 public:
  BackgroundFsync();
  ~BackgroundFsync();
  void Submit(int fd, bool close_after);
  size_t pending() const { return pending_.load(std::memory_order_acquire); }
  // 0, or the errno of the last background fsync if it failed (a later success clears it).
  int error() const { return error_.load(); }

 private:
  void Run();
  struct Job {
    int fd;
    bool close_after;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::atomic<size_t> pending_{0};
  std::atomic<int> error_{0};
  bool stop_ = false;
  std::thread thread_;
};

class AofLog : public PropagationSink {
 public:
  explicit AofLog(Server& server);
  ~AofLog();

  // ---- configuration ----
  void set_fsync(AofFsync policy) { fsync_ = policy; }
  void set_timestamps(bool on) { timestamps_ = on; }
  void set_no_fsync_on_rewrite(bool on) { no_fsync_on_rewrite_ = on; }
  void set_child_active(bool on) { child_active_ = on; }

  // Starts feeding (registers with the propagator); the buffer fills until
  // Open() gives it a file. Stop() flushes, fsyncs and closes, then stops.
  void Start();
  void Stop();
  bool feeding() const { return feeding_; }

  // Appends to path from now on (opened O_APPEND|O_CREAT, or O_TRUNC when
  // truncate); the previous file is flushed and fsync()ed then closed in the
  // background. The next command is preceded by SELECT. 0 or errno.
  int Open(const std::string& path, bool truncate);
  bool has_file() const { return fd_ >= 0; }

  // PropagationSink.
  void Feed(int db, const std::string_view* argv, size_t argc) override;
  PropagateTarget target() const override { return kPropagateAof; }

  // flushAppendOnlyFile(force). Returns false after a write error.
  bool Flush(bool force);
  // Flush + synchronous fdatasync (shutdown, before switching files).
  bool FlushAndSync();

  // ---- state for INFO and the MISCONF check ----
  size_t buffer_length() const { return buf_.size(); }
  uint64_t written_bytes() const { return written_; }  // to the current file since Open
  void reset_written(uint64_t n) { written_ = n; }
  bool write_error() const { return write_error_ != 0; }
  int write_errno() const { return write_error_; }
  uint64_t delayed_fsync() const { return delayed_fsync_; }
  size_t pending_fsync() const { return bg_.pending(); }
  // 0, or the errno of the last background fsync if it failed.
  int background_error() const { return bg_.error(); }

 private:
  void Append(const char* p, size_t n) { buf_.Append(p, n); }
  void AppendBulkCount(char type, size_t n);
  void SetWriteError(int err);

  Server& server_;
  ByteBuffer buf_;
  int fd_ = -1;
  bool feeding_ = false;
  int selected_db_ = -1;
  int64_t last_ts_ = 0;
  AofFsync fsync_ = AofFsync::kEverysec;
  bool timestamps_ = false;
  bool no_fsync_on_rewrite_ = false;
  bool child_active_ = false;
  uint64_t written_ = 0;
  uint64_t fsynced_at_ = 0;         // written_ when the last fsync was issued
  int64_t last_fsync_s_ = 0;
  int64_t postponed_since_s_ = 0;
  uint64_t delayed_fsync_ = 0;
  int write_error_ = 0;
  BackgroundFsync bg_;
};

// Writes a rewrite's base file as commands, as Redis's rewriteAppendOnlyFileRio:
// a "#TS:" line when timestamps are on, FUNCTION LOAD per function library,
// then per database SELECT and per key SET / RPUSH / SADD / ZADD / HMSET in
// batches of 64 items, streams as XADD / XSETID / XGROUP / XCLAIM, then
// PEXPIREAT. 0 or errno.
int WriteAofBaseCommands(Server& server, int fd, bool timestamps, int64_t now_s);

// Replays an AOF file through a client of the dispatcher, in steps, as Redis's
// loadSingleAppendOnlyFile: "#" lines skipped, a file starting with "REDIS"
// is an RDB (the caller loads it first and resumes after it), commands run as
// in a MULTI when inside one, no replies, no propagation.
class AofReplay {
 public:
  enum class Status {
    kMore,         // call Step() again
    kDone,         // the whole file was replayed
    kTruncated,    // the file ends inside a command, or inside a MULTI (error() is then "multi"):
                   // valid_up_to() is where the last good command ended
    kBadFormat,    // not the AOF format
    kUnknownCommand,  // error() names it
    kReadError,    // error() holds strerror
  };
  AofReplay(Server& server, int key_load_delay_us);
  ~AofReplay();
  // 0 or errno. Starts reading at offset (after an RDB preamble).
  int Start(const std::string& path, uint64_t offset);
  Status Step(size_t budget_bytes);
  uint64_t offset() const { return consumed_; }
  uint64_t valid_up_to() const { return valid_up_to_; }
  uint64_t size() const { return size_; }
  const std::string& error() const { return error_; }
  uint64_t commands() const { return commands_; }

 private:
  // Reads one line ending in \n (at most `max` bytes); false at EOF.
  bool ReadLine(std::string* line, size_t max);
  bool ReadExact(char* dst, size_t n);
  bool Fill();
  Server& server_;
  int key_load_delay_us_;
  Client* client_ = nullptr;
  int fd_ = -1;
  uint64_t size_ = 0;
  std::vector<char> buf_;
  size_t pos_ = 0, len_ = 0;
  uint64_t consumed_ = 0;
  uint64_t valid_up_to_ = 0;
  uint64_t valid_before_multi_ = 0;
  uint64_t commands_ = 0;
  bool read_failed_ = false;
  std::string error_;
};

}  // namespace tachyon
