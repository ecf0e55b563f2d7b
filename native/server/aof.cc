// AOF write path, base-file writer and replay (see aof.h).
#include "server/aof.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/util.h"
#include "server/db.h"
#include "server/hash_value.h"
#include "server/list_value.h"
#include "server/server.h"
#include "server/set_value.h"
#include "server/stream_value.h"
#include "server/zset_value.h"

namespace tachyon {

namespace {

int64_t UnixSeconds() { return static_cast<int64_t>(time(nullptr)); }

void SleepMicros(int64_t us) {
  if (us <= 0) return;
  struct timespec ts = {static_cast<time_t>(us / 1000000), static_cast<long>((us % 1000000) * 1000)};
  nanosleep(&ts, nullptr);
}

// Writes all of buf; returns bytes written (short on error, with errno set).
ssize_t WriteAll(int fd, const char* buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, buf + done, len - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return done > 0 ? static_cast<ssize_t>(done) : -1;
    }
    done += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

}  // namespace

// ---- BackgroundFsync ----

BackgroundFsync::BackgroundFsync() : thread_([this] { Run(); }) {}

BackgroundFsync::~BackgroundFsync() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void BackgroundFsync::Submit(int fd, bool close_after) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back({fd, close_after});
    pending_.fetch_add(1, std::memory_order_release);
  }
  cv_.notify_one();
}

void BackgroundFsync::Run() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, nothing left
      job = jobs_.front();
      jobs_.pop_front();
    }
    if (fdatasync(job.fd) != 0) {
      if (errno != EBADF && errno != EINVAL) error_.store(errno);
    } else {
      error_.store(0);
    }
    if (job.close_after) close(job.fd);
    pending_.fetch_sub(1, std::memory_order_release);
  }
}

// ---- AofLog ----

AofLog::AofLog(Server& server) : server_(server) {}

AofLog::~AofLog() {
  if (feeding_) server_.propagator().RemoveSink(this);
  if (fd_ >= 0) {
    Flush(true);
    fdatasync(fd_);
    close(fd_);
  }
}

void AofLog::Start() {
  if (feeding_) return;
  feeding_ = true;
  selected_db_ = -1;
  last_fsync_s_ = UnixSeconds();
  server_.propagator().AddSink(this);
}

void AofLog::Stop() {
  if (!feeding_) return;
  FlushAndSync();
  server_.propagator().RemoveSink(this);
  feeding_ = false;
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  buf_.clear();
  selected_db_ = -1;
  write_error_ = 0;
}

int AofLog::Open(const std::string& path, bool truncate) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND), 0644);
  if (fd < 0) return errno;
  if (fd_ >= 0) {
    Flush(true);
    // In always mode the file is already synced; otherwise the sync may lag a
    // little, as long as it happens.
    bg_.Submit(fd_, true);
  }
  fd_ = fd;
  struct stat st;
  written_ = fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  fsynced_at_ = written_;
  selected_db_ = -1;
  return 0;
}

void AofLog::AppendBulkCount(char type, size_t n) {
  char buf[32];
  buf[0] = type;
  size_t len = 1 + static_cast<size_t>(Ull2String(buf + 1, sizeof buf - 1, n));
  buf[len++] = '\r';
  buf[len++] = '\n';
  Append(buf, len);
}

void AofLog::Feed(int db, const std::string_view* argv, size_t argc) {
  if (timestamps_) {
    const int64_t now = UnixSeconds();
    if (now > last_ts_) {
      char line[48];
      int n = snprintf(line, sizeof line, "#TS:%lld\r\n", static_cast<long long>(now));
      Append(line, static_cast<size_t>(n));
      last_ts_ = now;
    }
  }
  if (db != selected_db_) {
    char num[kLongStrSize];
    int n = Ll2String(num, sizeof num, db);
    Append("*2\r\n$6\r\nSELECT\r\n", 16);
    AppendBulkCount('$', static_cast<size_t>(n));
    Append(num, static_cast<size_t>(n));
    Append("\r\n", 2);
    selected_db_ = db;
  }
  AppendBulkCount('*', argc);
  for (size_t i = 0; i < argc; i++) {
    AppendBulkCount('$', argv[i].size());
    Append(argv[i].data(), argv[i].size());
    Append("\r\n", 2);
  }
}

void AofLog::SetWriteError(int err) {
  write_error_ = err;
  Settings& s = server_.settings();
  if (s.deny_write_error.empty()) s.deny_write_error = std::string("MISCONF Errors writing to the AOF file: ") + strerror(err);
}

bool AofLog::Flush(bool force) {
  if (fd_ < 0) return true;
  const int64_t now = UnixSeconds();
  const bool sync_in_progress = fsync_ == AofFsync::kEverysec && bg_.pending() > 0;
  if (buf_.empty()) {
    // Nothing to write, but everysec still owes an fsync of what was written.
    if (fsync_ == AofFsync::kEverysec && fsynced_at_ != written_ && now > last_fsync_s_ && !sync_in_progress) {
      if (!(no_fsync_on_rewrite_ && child_active_)) {
        bg_.Submit(fd_, false);
        fsynced_at_ = written_;
      }
      last_fsync_s_ = now;
    }
    return write_error_ == 0;
  }
  if (fsync_ == AofFsync::kEverysec && !force && sync_in_progress) {
    if (postponed_since_s_ == 0) {
      postponed_since_s_ = now;
      return true;
    }
    if (now - postponed_since_s_ < 2) return true;
    delayed_fsync_++;  // waited two seconds: write anyway
  }
  postponed_since_s_ = 0;
  // DEBUG AOF-FLUSH-SLEEP: tests widen the window before the write.
  if (server_.settings().aof_flush_sleep > 0) SleepMicros(server_.settings().aof_flush_sleep);
  const ssize_t n = WriteAll(fd_, buf_.data(), buf_.size());
  if (n != static_cast<ssize_t>(buf_.size())) {
    const int err = n < 0 ? errno : ENOSPC;
    if (n > 0) {
      // Drop the partial record so the file stays parseable; if that fails, keep what went out.
      if (ftruncate(fd_, static_cast<off_t>(written_)) != 0) {
        written_ += static_cast<uint64_t>(n);
        memmove(buf_.data(), buf_.data() + n, buf_.size() - static_cast<size_t>(n));
        buf_.Truncate(buf_.size() - static_cast<size_t>(n));
      }
    }
    if (fsync_ == AofFsync::kAlways) {
      fprintf(stderr, "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...\n");
      _exit(1);
    }
    SetWriteError(err);
    return false;
  }
  written_ += static_cast<uint64_t>(n);
  buf_.clear();
  buf_.Trim(64 * 1024);
  if (write_error_) {
    write_error_ = 0;  // TypeScript's cron recomputes the MISCONF state
  }
  if (no_fsync_on_rewrite_ && child_active_) return true;
  if (fsync_ == AofFsync::kAlways) {
    if (fdatasync(fd_) != 0) {
      fprintf(stderr, "Can't persist AOF for fsync error when the AOF fsync policy is 'always': %s. Exiting...\n",
              strerror(errno));
      _exit(1);
    }
    fsynced_at_ = written_;
    last_fsync_s_ = now;
  } else if (fsync_ == AofFsync::kEverysec && now > last_fsync_s_) {
    if (!sync_in_progress) {
      bg_.Submit(fd_, false);
      fsynced_at_ = written_;
    }
    last_fsync_s_ = now;
  }
  return true;
}

bool AofLog::FlushAndSync() {
  if (fd_ < 0) return true;
  bool ok = Flush(true);
  if (fdatasync(fd_) != 0) ok = false;
  fsynced_at_ = written_;
  return ok;
}

// ---- base file as commands ----

namespace {

constexpr size_t kItemsPerCommand = 64;  // AOF_REWRITE_ITEMS_PER_CMD

class CommandWriter {
 public:
  explicit CommandWriter(int fd) : fd_(fd) {}
  void Count(char type, size_t n) {
    char b[32];
    b[0] = type;
    size_t len = 1 + static_cast<size_t>(Ull2String(b + 1, sizeof b - 1, n));
    b[len++] = '\r';
    b[len++] = '\n';
    out_.append(b, len);
  }
  void Bulk(std::string_view s) {
    Count('$', s.size());
    out_.append(s.data(), s.size());
    out_.append("\r\n", 2);
    if (out_.size() >= kChunk) Flush();
  }
  void BulkInt(long long v) {
    char b[kLongStrSize];
    Bulk(std::string_view(b, static_cast<size_t>(Ll2String(b, sizeof b, v))));
  }
  void BulkDouble(double d) {
    char b[128];
    int n = snprintf(b, sizeof b, "%.17g", d);
    Bulk(std::string_view(b, static_cast<size_t>(n)));
  }
  void Raw(std::string_view s) { out_.append(s.data(), s.size()); }
  bool Flush() {
    if (error_) return false;
    if (WriteAll(fd_, out_.data(), out_.size()) != static_cast<ssize_t>(out_.size())) {
      error_ = errno ? errno : EIO;
      return false;
    }
    out_.clear();
    return true;
  }
  int error() const { return error_; }

 private:
  static constexpr size_t kChunk = 256 * 1024;
  int fd_;
  int error_ = 0;
  std::string out_;
};

// Emits `total` items as commands of at most 64 items: "<cmd> key item...".
// item(w) writes one item's arguments; per_item is how many arguments one takes.
template <class Items>
void EmitBatched(CommandWriter& w, std::string_view cmd, std::string_view key, size_t total, size_t per_item,
                 Items&& each) {
  size_t in_batch = 0;
  each([&](auto&& write_item) {
    if (in_batch == 0) {
      const size_t n = total > kItemsPerCommand ? kItemsPerCommand : total;
      w.Count('*', 2 + n * per_item);
      w.Bulk(cmd);
      w.Bulk(key);
    }
    write_item();
    total--;
    if (++in_batch == kItemsPerCommand) in_batch = 0;
  });
}

// rewriteStreamObject: the entries as XADDs (an empty stream as XADD MAXLEN 0
// of a placeholder), XSETID restoring the last id, entries-added and maximal
// deleted id, then per group XGROUP CREATE ... ENTRIESREAD and per consumer
// an XCLAIM ... JUSTID FORCE for each pending entry, or XGROUP CREATECONSUMER
// for a consumer with none.
void WriteStream(CommandWriter& w, std::string_view key, const StreamValue& s) {
  char idbuf[StreamId::kMaxChars];
  auto bulk_id = [&](const StreamId& id) { w.Bulk(std::string_view(idbuf, id.Format(idbuf))); };
  if (s.length()) {
    StreamIterator it(s, StreamId::Min(), StreamId::Max(), false);
    char buf[kLongStrSize];
    while (it.Next()) {
      w.Count('*', 3 + 2 * static_cast<size_t>(it.num_fields()));
      w.Bulk("XADD");
      w.Bulk(key);
      bulk_id(it.id());
      stream_node::FieldCursor fields = it.Fields();
      for (int64_t i = 0; i < it.num_fields(); i++) {
        LpValue f, v;
        fields.Next(&f, &v);
        w.Bulk(f.View(buf));
        w.Bulk(v.View(buf));
      }
    }
  } else {
    w.Raw("*7\r\n$4\r\nXADD\r\n");
    w.Bulk(key);
    w.Raw("$6\r\nMAXLEN\r\n$1\r\n0\r\n$3\r\n0-1\r\n$1\r\nx\r\n$1\r\ny\r\n");
  }
  w.Raw("*7\r\n$6\r\nXSETID\r\n");
  w.Bulk(key);
  bulk_id(s.last_id());
  w.Bulk("ENTRIESADDED");
  w.BulkInt(static_cast<long long>(s.entries_added()));
  w.Bulk("MAXDELETEDID");
  bulk_id(s.max_deleted_entry_id());
  for (const auto& [name, g] : s.groups()) {
    w.Raw("*7\r\n$6\r\nXGROUP\r\n$6\r\nCREATE\r\n");
    w.Bulk(key);
    w.Bulk(name);
    bulk_id(g->last_id);
    w.Bulk("ENTRIESREAD");
    w.BulkInt(g->entries_read);
    for (const auto& [cname, consumer] : g->consumers) {
      if (consumer->pel.empty()) {
        w.Raw("*5\r\n$6\r\nXGROUP\r\n$14\r\nCREATECONSUMER\r\n");
        w.Bulk(key);
        w.Bulk(name);
        w.Bulk(cname);
        continue;
      }
      for (const auto& [id, nack] : consumer->pel) {
        w.Raw("*12\r\n$6\r\nXCLAIM\r\n");
        w.Bulk(key);
        w.Bulk(name);
        w.Bulk(cname);
        w.Bulk("0");
        bulk_id(id);
        w.Bulk("TIME");
        w.BulkInt(nack->delivery_time);
        w.Bulk("RETRYCOUNT");
        w.BulkInt(static_cast<long long>(nack->delivery_count));
        w.Bulk("JUSTID");
        w.Bulk("FORCE");
      }
    }
  }
}

}  // namespace

int WriteAofBaseCommands(Server& server, int fd, bool timestamps, int64_t now_s) {
  CommandWriter w(fd);
  if (timestamps) {
    char line[48];
    int n = snprintf(line, sizeof line, "#TS:%lld\r\n", static_cast<long long>(now_s));
    w.Raw(std::string_view(line, static_cast<size_t>(n)));
  }
  // rewriteFunctions: the libraries first, as FUNCTION LOAD of their code.
  for (std::string_view code : server.FunctionLibraryCodes()) {
    w.Raw("*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n");
    w.Bulk(code);
  }
  for (int i = 0; i < server.db_count(); i++) {
    Db& db = server.db(i);
    if (db.size() == 0) continue;
    w.Raw("*2\r\n$6\r\nSELECT\r\n");
    w.BulkInt(i);
    db.keys().ForEachReadOnly([&](Entry* e) {
      const std::string_view key = e->key();
      switch (e->type) {
        case kString:
          w.Raw("*3\r\n$3\r\nSET\r\n");
          w.Bulk(key);
          if (e->is_int()) {
            w.BulkInt(e->int_value());
          } else {
            w.Bulk(e->str());
          }
          break;
        case kList: {
          auto* l = e->as<ListValue>();
          EmitBatched(w, "RPUSH", key, l->size(), 1, [&](auto&& emit) {
            Quicklist::Iterator it = l->quicklist().GetIterator(true);
            QlEntry qe;
            char buf[kLongStrSize];
            while (it.Next(&qe)) emit([&] { w.Bulk(qe.value.View(buf)); });
          });
          break;
        }
        case kSet: {
          auto* s = e->as<SetValue>();
          EmitBatched(w, "SADD", key, s->size(), 1, [&](auto&& emit) {
            if (s->is_intset()) {
              s->ForEach([&](std::string_view m) { emit([&] { w.Bulk(m); }); });
            } else {
              s->dict()->ForEachReadOnly([&](SetNode* n) { emit([&] { w.Bulk(n->member()); }); });
            }
          });
          break;
        }
        case kZSet: {
          auto* z = e->as<ZSetValue>();
          EmitBatched(w, "ZADD", key, z->size(), 2, [&](auto&& emit) {
            char buf[kLongStrSize];
            for (ZIter it = z->First(); z->Valid(it); z->Next(&it)) {
              emit([&] {
                w.BulkDouble(z->ScoreAt(it));
                w.Bulk(z->Member(it, buf));
              });
            }
          });
          break;
        }
        case kHash: {
          auto* h = e->as<HashValue>();
          EmitBatched(w, "HMSET", key, h->size(), 2, [&](auto&& emit) {
            auto pair = [&](std::string_view f, std::string_view v) {
              emit([&] {
                w.Bulk(f);
                w.Bulk(v);
              });
            };
            if (h->is_listpack()) {
              h->ForEach(pair);
            } else {
              h->dict()->ForEachReadOnly([&](HashNode* n) { pair(n->field(), n->value()); });
            }
          });
          break;
        }
        case kStream:
          WriteStream(w, key, *e->as<StreamValue>());
          break;
        default:
          break;
      }
      const int64_t expire = db.PeekExpire(e);
      if (expire != -1) {
        w.Raw("*3\r\n$9\r\nPEXPIREAT\r\n");
        w.Bulk(key);
        w.BulkInt(expire);
      }
    });
  }
  w.Flush();
  return w.error();
}

// ---- replay ----

AofReplay::AofReplay(Server& server, int key_load_delay_us) : server_(server), key_load_delay_us_(key_load_delay_us) {}

AofReplay::~AofReplay() {
  if (client_) server_.FreeClient(client_->slot);
  if (fd_ >= 0) close(fd_);
}

int AofReplay::Start(const std::string& path, uint64_t offset) {
  fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return errno;
  struct stat st;
  if (fstat(fd_, &st) != 0 || lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) return errno;
  size_ = static_cast<uint64_t>(st.st_size);
  consumed_ = valid_up_to_ = valid_before_multi_ = offset;
  buf_.resize(1 << 20);
  client_ = server_.NewClient(0);
  client_->obey = true;
  return 0;
}

bool AofReplay::Fill() {
  if (pos_ < len_) return true;
  pos_ = len_ = 0;
  for (;;) {
    ssize_t n = read(fd_, buf_.data(), buf_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      read_failed_ = true;
      error_ = strerror(errno);
      return false;
    }
    len_ = static_cast<size_t>(n);
    return n > 0;
  }
}

bool AofReplay::ReadLine(std::string* line, size_t max) {
  line->clear();
  while (line->size() < max) {
    if (!Fill()) return false;
    const char c = buf_[pos_++];
    consumed_++;
    line->push_back(c);
    if (c == '\n') return true;
  }
  return true;  // like fgets: a long line comes back in pieces
}

bool AofReplay::ReadExact(char* dst, size_t n) {
  while (n > 0) {
    if (!Fill()) return false;
    const size_t take = std::min(n, len_ - pos_);
    memcpy(dst, buf_.data() + pos_, take);
    pos_ += take;
    consumed_ += take;
    dst += take;
    n -= take;
  }
  return true;
}

AofReplay::Status AofReplay::Step(size_t budget_bytes) {
  const uint64_t stop_at = consumed_ + budget_bytes;
  std::string line;
  std::vector<std::string> args;
  std::vector<std::string_view> argv;
  while (consumed_ < stop_at) {
    if (!ReadLine(&line, 1024)) {
      if (read_failed_) return Status::kReadError;
      if (!line.empty()) return Status::kTruncated;
      // End of file. A MULTI without its EXEC is reverted like a short read.
      if (client_->multi.active) {
        valid_up_to_ = valid_before_multi_;
        error_ = "multi";
        return Status::kTruncated;
      }
      return Status::kDone;
    }
    if (line[0] == '#') continue;  // annotations (#TS:...)
    if (line[0] != '*') return Status::kBadFormat;
    if (line.size() < 2) return Status::kTruncated;
    const long argc = atol(line.c_str() + 1);
    if (argc < 1) return Status::kBadFormat;
    args.assign(static_cast<size_t>(argc), std::string());
    for (long j = 0; j < argc; j++) {
      if (!ReadLine(&line, 1024)) return read_failed_ ? Status::kReadError : Status::kTruncated;
      if (line[0] != '$') return Status::kBadFormat;
      const long len = strtol(line.c_str() + 1, nullptr, 10);
      if (len < 0 || static_cast<uint64_t>(len) > size_) return Status::kBadFormat;
      args[j].resize(static_cast<size_t>(len));
      char crlf[2];
      if (!ReadExact(args[j].data(), static_cast<size_t>(len)) || !ReadExact(crlf, 2)) {
        return read_failed_ ? Status::kReadError : Status::kTruncated;
      }
    }
    argv.assign(args.begin(), args.end());
    std::string err;
    const bool is_multi = argv[0].size() == 5 && strncasecmp(argv[0].data(), "multi", 5) == 0;
    if (is_multi) valid_before_multi_ = valid_up_to_;
    if (!server_.ExecuteReplayed(*client_, argv, &err)) {
      error_ = err;
      return Status::kUnknownCommand;
    }
    commands_++;
    valid_up_to_ = consumed_;
    if (key_load_delay_us_) SleepMicros(key_load_delay_us_);
  }
  return Status::kMore;
}

}  // namespace tachyon
