// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//
// While a client is in MULTI the dispatcher queues its commands (after the
// usual existence/arity checks, whose failures doom the transaction) instead
// of running them. WATCH records (db, key) pairs; every modification of a
// watched key, including expiry and flushes, marks the watching clients, and
// EXEC then answers a null array without running anything.
#include <cstring>
#include <string>

#include "server/server.h"

namespace tachyon {

std::string WatchKey(int db, std::string_view key) {
  std::string k;
  k.reserve(key.size() + 4);
  k.append(reinterpret_cast<const char*>(&db), sizeof db);
  k.append(key);
  return k;
}

namespace {

// keyIsExpired: the key is in db with a TTL that has passed (now > when).
bool KeyIsExpired(Db& db, std::string_view key, int64_t now_ms) {
  Entry* e = db.FindRaw(key);
  if (!e) return false;
  const int64_t when = db.PeekExpire(e);
  return when >= 0 && now_ms > when;
}

size_t WatchIndex(const Client& c, const std::string& wk) {
  for (size_t i = 0; i < c.watched.size(); i++) {
    if (c.watched[i] == wk) return i;
  }
  return c.watched.size();
}

}  // namespace

// A key already expired (not yet reclaimed) when WATCHed is flagged: its
// reclaiming is no change, and EXEC does not fail because it is expired.
void Server::Watch(Client& c, int db, std::string_view key, int64_t now_ms) {
  std::string wk = WatchKey(db, key);
  for (const auto& w : c.watched) {
    if (w == wk) return;
  }
  watched_keys_[wk].push_back(&c);
  c.watched.push_back(std::move(wk));
  c.watched_expired.push_back(KeyIsExpired(*dbs_[db], key, now_ms));
}

void Server::UnwatchAll(Client& c) {
  for (const auto& wk : c.watched) {
    auto it = watched_keys_.find(wk);
    if (it == watched_keys_.end()) continue;
    auto& v = it->second;
    for (size_t i = 0; i < v.size(); i++) {
      if (v[i] == &c) {
        v[i] = v.back();
        v.pop_back();
        break;
      }
    }
    if (v.empty()) watched_keys_.erase(it);
  }
  c.watched.clear();
  c.watched_expired.clear();
  c.multi.cas_dirty = false;
}

bool Server::WatchedKeyExpired(const Client& c, int64_t now_ms) {
  for (size_t i = 0; i < c.watched.size(); i++) {
    if (c.watched_expired[i]) continue;
    const std::string& wk = c.watched[i];
    int db;
    memcpy(&db, wk.data(), sizeof db);
    if (KeyIsExpired(*dbs_[db], std::string_view(wk).substr(sizeof db), now_ms)) return true;
  }
  return false;
}

// touchWatchedKey. A key flagged expired at WATCH time that is now gone
// (reclaimed) is no change: the flag is cleared. Touched while still present,
// it ends the walk over the watchers, as Redis's loop does.
void Server::TouchWatchedKey(int db, std::string_view key) {
  if (watched_keys_.empty()) return;
  std::string wk = WatchKey(db, key);
  auto it = watched_keys_.find(wk);
  if (it == watched_keys_.end()) return;
  const bool gone = expiring_key_ || dbs_[db]->FindRaw(key) == nullptr;
  for (Client* c : it->second) {
    const size_t i = WatchIndex(*c, wk);
    if (i < c->watched.size() && c->watched_expired[i]) {
      if (!gone) break;
      c->watched_expired[i] = false;
      continue;
    }
    c->multi.cas_dirty = true;
  }
}

// touchAllWatchedKeysInDb, before FLUSHDB/FLUSHALL empties db or SWAPDB
// replaces its contents with other_db's: a watched key present in either
// counts as modified, except that an expired key staying gone or expired is
// no change, and a missing key replaced by an expired one becomes flagged.
void Server::TouchWatchedKeysInDb(int db, int other_db) {
  if (watched_keys_.empty()) return;
  const int64_t now_ms = NowMs();
  for (auto& [wk, clients] : watched_keys_) {
    int kdb;
    memcpy(&kdb, wk.data(), sizeof kdb);
    if (kdb != db) continue;
    std::string_view key(wk.data() + sizeof kdb, wk.size() - sizeof kdb);
    const bool in_emptied = dbs_[db]->FindRaw(key) != nullptr;
    const bool in_replacement = other_db >= 0 && dbs_[other_db]->FindRaw(key) != nullptr;
    if (!in_emptied && !in_replacement) continue;
    const bool replacement_expired = in_replacement && KeyIsExpired(*dbs_[other_db], key, now_ms);
    for (Client* c : clients) {
      const size_t i = WatchIndex(*c, wk);
      if (i < c->watched.size()) {
        if (c->watched_expired[i]) {
          if (!in_replacement) {
            c->watched_expired[i] = false;
            continue;
          }
          if (replacement_expired) continue;
        } else if (!in_emptied && replacement_expired) {
          c->watched_expired[i] = true;
          continue;
        }
      }
      c->multi.cas_dirty = true;
    }
  }
}

void Server::DiscardTransaction(Client& c) {
  c.multi.active = false;
  c.multi.abort = false;
  c.multi.flags = c.multi.inv_flags = 0;
  c.multi.queue.clear();
  UnwatchAll(c);
}

namespace {

void MultiCommand(CommandContext& c) {
  if (c.client.multi.active) return c.reply.Error("ERR MULTI calls can not be nested");
  c.client.multi.active = true;
  c.reply.Ok();
}

void DiscardCommand(CommandContext& c) {
  if (!c.client.multi.active) return c.reply.Error("ERR DISCARD without MULTI");
  c.server.DiscardTransaction(c.client);
  c.reply.Ok();
}

void WatchCommand(CommandContext& c) {
  if (c.client.multi.active) return c.reply.Error("ERR WATCH inside MULTI is not allowed");
  for (int i = 1; i < c.argc; i++) c.server.Watch(c.client, c.client.db, c.argv[i], c.now_ms);
  c.reply.Ok();
}

void UnwatchCommand(CommandContext& c) {
  c.server.UnwatchAll(c.client);
  c.reply.Ok();
}

void ExecCommand(CommandContext& c) {
  Client& cl = c.client;
  if (!cl.multi.active) return c.reply.Error("ERR EXEC without MULTI");
  if (cl.multi.abort) {
    c.server.DiscardTransaction(cl);
    return c.reply.Error("EXECABORT Transaction discarded because of previous errors.");
  }
  if (c.server.WatchedKeyExpired(cl, c.now_ms)) cl.multi.cas_dirty = true;
  if (cl.multi.cas_dirty) {
    c.server.DiscardTransaction(cl);
    return c.reply.NullArray();
  }
  // CLIENT LIST shows the transaction as still open while EXEC runs it, as Redis.
  cl.exec_count = static_cast<int>(cl.multi.queue.size());
  cl.exec_multi_mem = MultiMemory(cl.multi);
  std::vector<std::vector<std::string>> queue;
  queue.swap(cl.multi.queue);
  cl.multi.active = false;
  cl.multi.flags = cl.multi.inv_flags = 0;
  c.server.UnwatchAll(cl);
  c.reply.Array(queue.size());
  cl.in_exec = true;
  std::vector<std::string_view> argv;
  for (auto& args : queue) {
    argv.assign(args.begin(), args.end());
    c.server.ExecuteQueued(cl, argv, c.reply);
  }
  cl.in_exec = false;
  cl.exec_count = -1;
  cl.exec_multi_mem = 0;
  c.Dirty(0);
}

}  // namespace

void RegisterTransactionCommands(CommandRegistry& r) {
  r.Add("multi", MultiCommand);
  r.Add("exec", ExecCommand);
  r.Add("discard", DiscardCommand);
  r.Add("watch", WatchCommand);
  r.Add("unwatch", UnwatchCommand);
}

}  // namespace tachyon
