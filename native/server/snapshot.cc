// Snapshot files, fork()ed children and background loading (see snapshot.h).
#include "server/snapshot.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "server/server.h"

namespace tachyon {

namespace {

std::vector<Db*> Databases(Server& server) {
  std::vector<Db*> dbs;
  for (int i = 0; i < server.db_count(); i++) dbs.push_back(&server.db(i));
  return dbs;
}

bool FsyncDir(const std::string& path) {
  std::string dir = path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
  if (dir.empty()) dir = ".";
  int fd = open(dir.c_str(), O_RDONLY);
  if (fd < 0) return false;
  int rc = fsync(fd);
  close(fd);
  return rc == 0 || errno == EINVAL;
}

// While a child runs, the parent avoids writing to pages it would otherwise only
// read: tables do not resize and reads do not stamp access times.
void SetResizeAllowed(Server& server, bool allowed) {
  server.set_fork_child_active(!allowed);
  for (int i = 0; i < server.db_count(); i++) {
    server.db(i).keys().SetResizeAllowed(allowed);
    server.db(i).expires().SetResizeAllowed(allowed);
  }
}

}  // namespace

uint64_t PrivateDirtyBytes() {
  FILE* f = fopen("/proc/self/smaps_rollup", "r");
  if (!f) f = fopen("/proc/self/smaps", "r");
  if (!f) return 0;
  char line[256];
  uint64_t total = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long long kb;
    if (sscanf(line, "Private_Dirty: %llu kB", &kb) == 1) total += kb * 1024;
  }
  fclose(f);
  return total;
}

bool WriteRdbTo(Server& server, int fd, const FileSaveOptions& opt, int* err) {
  RdbOutput out(fd, opt.fsync_every);
  RdbWriter w(out, opt.rdb);
  w.SaveHeader();
  if (opt.with_functions) w.SaveFunctions(server.FunctionLibraryCodes());
  if (opt.with_keys) w.SaveDatabases(Databases(server));
  w.SaveTrailer();
  out.Flush();
  if (out.failed()) {
    *err = out.error();
    return false;
  }
  return true;
}

bool SaveRdbFile(Server& server, const std::string& dir, const std::string& filename, const FileSaveOptions& opt,
                 SaveFailure* failure) {
  const std::string tmp = dir + "/temp-" + std::to_string(getpid()) + ".rdb";
  const std::string target = dir + "/" + filename;
  failure->tmpfile = tmp;
  auto fail = [&](const char* step, int err) {
    failure->step = step;
    failure->err = err;
    return false;
  };
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail("open", errno);
  int err = 0;
  if (!WriteRdbTo(server, fd, opt, &err)) {
    close(fd);
    unlink(tmp.c_str());
    return fail("rdbSaveRio", err);
  }
  if (fsync(fd) != 0) {
    err = errno;
    close(fd);
    unlink(tmp.c_str());
    return fail("fsync", err);
  }
  if (close(fd) != 0) {
    err = errno;
    unlink(tmp.c_str());
    return fail("fclose", err);
  }
  if (rename(tmp.c_str(), target.c_str()) != 0) {
    err = errno;
    unlink(tmp.c_str());
    return fail("rename", err);
  }
  if (!FsyncDir(target)) return fail("fsyncFileDir", errno);
  return true;
}

// ---- ChildJob ----

ChildJob::~ChildJob() { Kill(); }

int SaveStepNumber(const std::string& step) {
  for (int i = 1; i < static_cast<int>(sizeof kSaveSteps / sizeof kSaveSteps[0]); i++) {
    if (step == kSaveSteps[i]) return i;
  }
  return 0;
}

pid_t ChildJob::Start(Server& server, std::function<int(ChildReport*)> work) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return -errno;
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    close(pipefd[0]);
    close(pipefd[1]);
    return -err;
  }
  if (pid == 0) {
    // The child: default signal handling (Node's handlers would report to the
    // parent's signal pipe), nothing blocked, then the work and _exit.
    for (int sig = 1; sig < NSIG; sig++) {
      if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
    }
    signal(SIGPIPE, SIG_IGN);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    close(pipefd[0]);
    ChildReport report;
    int rc = work(&report);
    report.cow_bytes = PrivateDirtyBytes();
    ssize_t ignored = write(pipefd[1], &report, sizeof report);
    (void)ignored;
    _exit(rc);
  }
  close(pipefd[1]);
  fcntl(pipefd[0], F_SETFL, fcntl(pipefd[0], F_GETFL) | O_NONBLOCK);
  server_ = &server;
  pid_ = pid;
  info_fd_ = pipefd[0];
  SetResizeAllowed(server, false);
  return pid;
}

void ChildJob::Finish() {
  if (info_fd_ >= 0) close(info_fd_);
  info_fd_ = -1;
  pid_ = -1;
  if (server_) SetResizeAllowed(*server_, true);
  server_ = nullptr;
}

ChildJob::Outcome ChildJob::Poll() {
  Outcome o;
  if (pid_ <= 0) return o;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return o;
  o.done = true;
  if (r < 0) {
    o.exitcode = 1;  // lost track of it (ECHILD): count as a failure
  } else if (WIFEXITED(status)) {
    o.exitcode = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    o.signal = WTERMSIG(status);
    o.exitcode = 1;
  }
  ChildReport report;
  if (info_fd_ >= 0 && read(info_fd_, &report, sizeof report) == static_cast<ssize_t>(sizeof report)) o.report = report;
  Finish();
  return o;
}

void ChildJob::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGUSR1);
  int status;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  Finish();
}

// ---- RdbLoadJob ----

RdbLoadJob::RdbLoadJob(int databases, const RdbLoadOptions& opt) : opt_(opt) {
  clock_.lru_clock = opt.lru_clock;
  clock_.new_stamp = opt.lfu ? (static_cast<uint32_t>((opt.now_ms / 60000) & 0xffff) << 8) | 5 : opt.lru_clock;
  clock_.lfu = opt.lfu;
  for (int i = 0; i < databases; i++) dbs_.push_back(std::make_unique<Db>(i, &clock_, nullptr));
  opt_.rdb_used_mem = &rdb_used_mem_;
  opt_.log = [this](int level, const std::string& text) {
    std::lock_guard<std::mutex> lock(log_mu_);
    logs_.emplace_back(level, text);
  };
}

RdbLoadJob::~RdbLoadJob() {
  if (feed_) feed_->Close();  // a reader still waiting for bytes stops
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) close(fd_);
}

bool RdbLoadJob::Start(const std::string& path, uint64_t offset, int* err) {
  fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    *err = errno;
    return false;
  }
  struct stat st;
  if (fstat(fd_, &st) != 0 || lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) {
    *err = errno;
    return false;
  }
  total_ = static_cast<uint64_t>(st.st_size);
  const uint64_t size = total_ > offset ? total_ - offset : 0;
  thread_ = std::thread([this, size, offset] {
    RdbInput in(fd_, size, &progress_);
    std::vector<Db*> dbs;
    for (auto& db : dbs_) dbs.push_back(db.get());
    RdbLoadSnapshot(in, dbs, opt_, &result_);
    result_.end_offset += offset;
    progress_.store(total_, std::memory_order_relaxed);
    done_.store(true, std::memory_order_release);
  });
  return true;
}

void RdbLoadJob::StartFeed(std::shared_ptr<ByteFeed> feed, uint64_t total, const std::string& eof_mark) {
  feed_ = std::move(feed);
  total_ = total;
  thread_ = std::thread([this, eof_mark] {
    RdbInput in(feed_.get(), &progress_);
    std::vector<Db*> dbs;
    for (auto& db : dbs_) dbs.push_back(db.get());
    RdbLoadSnapshot(in, dbs, opt_, &result_);
    if (result_.ok && !eof_mark.empty()) {
      // readSyncBulkPayload: the mark must follow the RDB.
      std::string mark(eof_mark.size(), '\0');
      try {
        in.Read(mark.data(), mark.size());
      } catch (const RdbError&) {
        mark.clear();
      }
      if (mark != eof_mark) {
        mark_broken_ = true;
        result_.ok = false;
        result_.error = "Replication stream EOF marker is broken";
      }
    }
    if (result_.ok) {
      rest_ = in.TakeBuffered() + feed_->TakeRest();
    } else {
      for (auto& db : dbs_) db->Clear();
    }
    progress_.store(in.offset(), std::memory_order_relaxed);
    done_.store(true, std::memory_order_release);
  });
}

std::vector<std::pair<int, std::string>> RdbLoadJob::TakeLogs() {
  std::lock_guard<std::mutex> lock(log_mu_);
  std::vector<std::pair<int, std::string>> out;
  out.swap(logs_);
  return out;
}

void RdbLoadJob::Install(Server& server) {
  if (thread_.joinable()) thread_.join();
  for (int i = 0; i < server.db_count() && i < static_cast<int>(dbs_.size()); i++) {
    server.db(i).SwapContents(*dbs_[i]);
  }
}

bool RdbLoadJob::Merge(Server& server, bool replace, std::string* error) {
  if (thread_.joinable()) thread_.join();
  const int n = std::min(server.db_count(), static_cast<int>(dbs_.size()));
  std::vector<std::vector<std::string>> keys(static_cast<size_t>(n));
  for (int i = 0; i < n; i++) {
    dbs_[i]->keys().ForEachReadOnly([&](const Entry* e) { keys[i].emplace_back(e->key()); });
    if (replace) continue;
    for (const std::string& k : keys[i]) {
      if (server.db(i).FindRaw(k)) {
        *error = "RDB has duplicated key '" + k + "' in DB " + std::to_string(i);
        return false;
      }
    }
  }
  for (int i = 0; i < n; i++) {
    Db& to = server.db(i);
    for (const std::string& k : keys[i]) {
      int64_t expire_ms;
      Entry* e = dbs_[i]->Detach(k, &expire_ms);
      to.Delete(k);
      to.AddLoaded(e);
      if (expire_ms != -1) to.SetExpire(e, expire_ms);
    }
  }
  return true;
}

}  // namespace tachyon
