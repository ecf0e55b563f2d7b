// Blocking commands' side of the dispatcher: parking a client, collecting the
// keys that became ready, retrying and unblocking. Scheduling (FIFO order among
// clients, timeouts) lives in TypeScript; the commands decide what "served" means.
#include <climits>
#include <cstring>
#include <cmath>
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

void Server::SignalDeletedStreams(int emptied, int replaced_with) {
  if (blocking_keys_.empty()) return;
  std::vector<std::string> gone;
  for (const auto& [wk, count] : blocking_keys_) {
    int db;
    memcpy(&db, wk.data(), sizeof db);
    if (db != emptied) continue;
    std::string_view key(wk.data() + sizeof db, wk.size() - sizeof db);
    Entry* e = dbs_[emptied]->FindRaw(key);
    if (!e || e->type != kStream) continue;
    Entry* after = replaced_with >= 0 ? dbs_[replaced_with]->FindRaw(key) : nullptr;
    if (after && after->type == kStream) continue;
    gone.emplace_back(key);
  }
  for (const std::string& key : gone) SignalKeyReady(emptied, key);
}

std::vector<std::pair<int, std::string>> Server::TakeReadyKeys() {
  std::vector<std::pair<int, std::string>> out;
  out.swap(ready_keys_);
  ready_set_.clear();
  return out;
}

FeedStatus Server::RetryBlocked(Client& c, std::string_view ready_key) {
  if (!c.block.active) return FeedStatus::kServed;
  c.block.active = false;
  c.block.retrying = true;
  c.block.ready_key.assign(ready_key);
  std::vector<std::string_view> argv(c.pending.begin(), c.pending.end());
  Reply reply(&c.out, this);
  reply.set_resp(c.resp);
  now_us_ = NowUs();
  size_t mark = c.out.size();
  bool drop = c.block.drop_reply || c.reply_mode == ReplyMode::kOff;
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
  c.block.retrying = false;
  if (c.block.active) return FeedStatus::kBlocked;
  if (drop) c.out.Truncate(mark);
  return FeedStatus::kServed;
}

FeedStatus Server::Unblock(Client& c, std::string_view error) {
  if (!c.block.active) return FeedStatus::kServed;
  c.block.active = false;
  if (c.block.drop_reply || c.reply_mode == ReplyMode::kOff) return FeedStatus::kServed;
  Reply reply(&c.out, this);
  reply.set_resp(c.resp);
  if (!error.empty()) reply.Error(error);
  else if (c.block.null_array_on_timeout) reply.NullArray();
  else reply.Null();
  // A blocked command counts as one call, when it ends (Redis's updateStatsOnUnblock).
  std::vector<std::string_view> argv(c.pending.begin(), c.pending.end());
  std::string lookup_error;
  if (!argv.empty()) {
    if (CommandEntry* cmd = Lookup(argv, c, &lookup_error)) {
      cmd->stats.calls++;
      stats_.total_commands_processed++;
    }
  }
  return FeedStatus::kServed;
}

void CommandContext::Block(const std::string_view* keys, int nkeys, int64_t timeout_at_ms, bool null_array) {
  BlockState& b = client.block;
  b.active = true;
  b.db = db->id();
  b.keys.assign(keys, keys + nkeys);
  b.timeout_at_ms = timeout_at_ms;
  b.null_array_on_timeout = null_array;
}

// Redis 7.0.15's getTimeoutFromObjectOrReply: seconds as a long double,
// rounded up to whole milliseconds; anything that does not fit a 64-bit
// millisecond count (1e400, inf) is "negative".
bool CommandContext::ParseBlockTimeout(int i, int64_t* timeout_at_ms) {
  long double secs;
  if (!String2ld(argv[i], &secs)) {
    reply.Error("ERR timeout is not a float or out of range");
    return false;
  }
  const long double ms = ceill(secs * 1000.0L);
  long long t = LLONG_MIN;
  if (ms < 9223372036854775808.0L && ms >= -9223372036854775808.0L) t = static_cast<long long>(ms);
  if (t < 0) {
    reply.Error("ERR timeout is negative");
    return false;
  }
  // A deadline past the end of time wraps negative in Redis and expires at its
  // next timeout check: here it is simply already due.
  if (t > 0) t = t > LLONG_MAX - now_ms ? 1 : t + now_ms;
  *timeout_at_ms = t;
  return true;
}

}  // namespace tachyon
