// Server and connection commands that are pure data work: PING ECHO TIME
// DBSIZE SELECT SWAPDB FLUSHDB FLUSHALL. Semantics and error texts follow
// Redis 7.0 (server.c, db.c); the code is Tachyon's own.
//
// PING in subscriber mode (RESP2 replies ["pong", arg]) is the pub/sub
// layer's business; this is the normal-mode command.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/util.h"
#include "server/command.h"
#include "server/server.h"

namespace tachyon {

namespace {

void PingCommand(CommandContext& c) {
  // Arity is -1 in the table; PING takes at most one argument.
  if (c.argc > 2) {
    c.ArityError();
    return;
  }
  if (c.client.subscribed && c.reply.resp() == 2) {
    // RESP2 subscriber mode answers in the shape of a pub/sub message.
    c.reply.Array(2);
    c.reply.Bulk("pong");
    c.reply.Bulk(c.argc == 2 ? c.arg(1) : std::string_view());
  } else if (c.argc == 1) {
    c.reply.Simple("PONG");
  } else {
    c.reply.Bulk(c.arg(1));
  }
}

void EchoCommand(CommandContext& c) { c.reply.Bulk(c.arg(1)); }

void TimeCommand(CommandContext& c) {
  const int64_t us = NowUs();
  c.reply.Array(2);
  c.reply.BulkInt(us / 1000000);
  c.reply.BulkInt(us % 1000000);
}

// Counts every key in the table, including expired ones not yet reclaimed.
void DbsizeCommand(CommandContext& c) { c.reply.Int(static_cast<long long>(c.db->size())); }

void SelectCommand(CommandContext& c) {
  int id;
  if (!c.ParseInt32(1, &id)) return;
  if (id < 0 || id >= c.server.db_count()) {
    c.reply.Error(err::kDbIndex);
    return;
  }
  c.client.db = id;
  c.db = &c.server.db(id);
  c.reply.Ok();
}

void SwapdbCommand(CommandContext& c) {
  int id1, id2;
  if (!c.ParseInt32(1, &id1, "ERR invalid first DB index")) return;
  if (!c.ParseInt32(2, &id2, "ERR invalid second DB index")) return;
  const int n = c.server.db_count();
  if (id1 < 0 || id1 >= n || id2 < 0 || id2 >= n) {
    c.reply.Error(err::kDbIndex);
    return;
  }
  if (id1 != id2) {
    // Clients keep their index and so see the other contents from now on.
    // A watched key counts as modified if it exists in either db.
    c.server.TouchWatchedKeysInDb(static_cast<int>(id1), static_cast<int>(id2));
    c.server.TouchWatchedKeysInDb(static_cast<int>(id2), static_cast<int>(id1));
    c.server.SwapDbs(id1, id2);
    c.db = &c.server.db(c.client.db);
  }
  c.Dirty();  // even when id1 == id2, as Redis does
  c.reply.Ok();
}

// FLUSHDB/FLUSHALL [ASYNC|SYNC]: ASYNC hands the tables to the lazy free
// thread; without a mode lazyfree-lazy-user-flush decides.
bool ParseFlushMode(CommandContext& c, bool* async) {
  *async = c.server.settings().lazyfree_lazy_user_flush;
  if (c.argc == 1) return true;
  if (c.argc == 2 && (c.Is(1, "sync") || c.Is(1, "async"))) {
    *async = c.Is(1, "async");
    return true;
  }
  c.SyntaxError();
  return false;
}

void FlushdbCommand(CommandContext& c) {
  bool async;
  if (!ParseFlushMode(c, &async)) return;
  // Propagation (replication, AOF) must send it even when the db was empty.
  c.server.SignalDeletedStreams(c.db->id(), -1);
  c.server.TouchWatchedKeysInDb(c.db->id());
  c.server.SignalFlush(c.db->id());
  c.Dirty(c.db->Clear(async));
  c.ForcePropagation();
  c.reply.Ok();
}

void FlushallCommand(CommandContext& c) {
  bool async;
  if (!ParseFlushMode(c, &async)) return;
  size_t removed = 0;
  c.server.SignalFlush(-1);
  for (int i = 0; i < c.server.db_count(); i++) {
    c.server.SignalDeletedStreams(i, -1);
    c.server.TouchWatchedKeysInDb(i);
    removed += c.server.db(i).Clear(async);
  }
  c.Dirty(removed);
  // Persistence stops a saving child and, with save points, writes the (empty) RDB file now.
  c.server.NotifyFlushAll();
  c.ForcePropagation();
  c.reply.Ok();
}

}  // namespace

void RegisterServerCommands(CommandRegistry& r) {
  r.Add("ping", PingCommand);
  r.Add("echo", EchoCommand);
  r.Add("time", TimeCommand);
  r.Add("dbsize", DbsizeCommand);
  r.Add("select", SelectCommand);
  r.Add("swapdb", SwapdbCommand);
  r.Add("flushdb", FlushdbCommand);
  r.Add("flushall", FlushallCommand);
}

}  // namespace tachyon
