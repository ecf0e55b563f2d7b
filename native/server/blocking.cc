// Blocking commands' side of the dispatcher: parking a client, collecting the
// keys that became ready, retrying and unblocking. Scheduling (FIFO order among
// clients, timeouts) lives in TypeScript; the commands decide what "served" means.
#include <climits>
#include <string>

#include "core/util.h"
#include "server/server.h"

namespace tachyon {

std::string WatchKey(int db, std::string_view key);

void Server::AddBlockingKey(int db, std::string_view key) { blocking_keys_[WatchKey(db, key)]++; }

void Server::RemoveBlockingKey(int db, std::string_view key) {
  auto it = blocking_keys_.find(WatchKey(db, key));
  if (it != blocking_keys_.end() && --it->second <= 0) blocking_keys_.erase(it);
}

void Server::SignalKeyReady(int db, std::string_view key) {
  std::string wk = WatchKey(db, key);
  if (!blocking_keys_.count(wk) || ready_set_.count(wk)) return;
  ready_set_.emplace(std::move(wk), true);
  ready_keys_.emplace_back(db, std::string(key));
}

std::vector<std::pair<int, std::string>> Server::TakeReadyKeys() {
  std::vector<std::pair<int, std::string>> out;
  out.swap(ready_keys_);
  ready_set_.clear();
  return out;
}

FeedStatus Server::RetryBlocked(Client& c) {
  if (!c.block.active) return FeedStatus::kOk;
  c.block.active = false;
  std::vector<std::string_view> argv(c.pending.begin(), c.pending.end());
  Reply reply(&c.out, this);
  reply.set_resp(c.resp);
  now_us_ = NowUs();
  std::string error;
  CommandEntry* cmd = Lookup(argv, c, &error);
  if (!cmd) {
    reply.Error(error);
  } else {
    std::vector<std::string_view> saved;
    saved.swap(c.argv);
    c.argv = argv;
    Call(c, cmd, reply);
    c.argv.swap(saved);
  }
  if (c.block.active) return FeedStatus::kBlocked;
  return Resume(c);
}

FeedStatus Server::Unblock(Client& c, std::string_view error) {
  if (!c.block.active) return FeedStatus::kOk;
  c.block.active = false;
  Reply reply(&c.out, this);
  reply.set_resp(c.resp);
  if (!error.empty()) reply.Error(error);
  else if (c.block.null_array_on_timeout) reply.NullArray();
  else reply.Null();
  return Resume(c);
}

void CommandContext::Block(const std::string_view* keys, int nkeys, int64_t timeout_at_ms, bool null_array) {
  BlockState& b = client.block;
  b.active = true;
  b.db = db->id();
  b.keys.assign(keys, keys + nkeys);
  b.timeout_at_ms = timeout_at_ms;
  b.null_array_on_timeout = null_array;
}

bool CommandContext::ParseBlockTimeout(int i, int64_t* timeout_at_ms) {
  long double secs;
  if (!String2ld(argv[i], &secs)) {
    reply.Error("ERR timeout is not a float or out of range");
    return false;
  }
  long double ms = secs * 1000.0L;
  if (ms < 0) {
    reply.Error("ERR timeout is negative");
    return false;
  }
  if (ms >= static_cast<long double>(LLONG_MAX)) {
    reply.Error("ERR timeout is out of range");
    return false;
  }
  long long t = static_cast<long long>(ms);
  if (t > 0) {
    if (t > LLONG_MAX - now_ms) {
      reply.Error("ERR timeout is out of range");
      return false;
    }
    t += now_ms;
  }
  *timeout_at_ms = t;
  return true;
}

}  // namespace tachyon
