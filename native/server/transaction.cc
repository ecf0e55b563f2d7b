// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//
// While a client is in MULTI the dispatcher queues its commands (after the
// usual existence/arity checks, whose failures doom the transaction) instead
// of running them. WATCH records (db, key) pairs; every modification of a
// watched key, including expiry and flushes, marks the watching clients, and
// EXEC then answers a null array without running anything.
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

void Server::Watch(Client& c, int db, std::string_view key) {
  std::string wk = WatchKey(db, key);
  for (const auto& w : c.watched) {
    if (w == wk) return;
  }
  watched_keys_[wk].push_back(&c);
  c.watched.push_back(std::move(wk));
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
  c.multi.cas_dirty = false;
}

void Server::TouchWatchedKey(int db, std::string_view key) {
  if (watched_keys_.empty()) return;
  auto it = watched_keys_.find(WatchKey(db, key));
  if (it == watched_keys_.end()) return;
  for (Client* c : it->second) c->multi.cas_dirty = true;
}

// FLUSHDB/FLUSHALL/SWAPDB: every watched key that exists in db (or, for SWAPDB,
// in the other db) counts as modified.
void Server::TouchWatchedKeysInDb(int db, int other_db) {
  if (watched_keys_.empty()) return;
  for (auto& [wk, clients] : watched_keys_) {
    int kdb;
    memcpy(&kdb, wk.data(), sizeof kdb);
    if (kdb != db) continue;
    std::string_view key(wk.data() + sizeof kdb, wk.size() - sizeof kdb);
    bool exists = dbs_[db]->FindRaw(key) != nullptr;
    if (!exists && other_db >= 0) exists = dbs_[other_db]->FindRaw(key) != nullptr;
    if (!exists) continue;
    for (Client* c : clients) c->multi.cas_dirty = true;
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
  for (int i = 1; i < c.argc; i++) c.server.Watch(c.client, c.client.db, c.argv[i]);
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
