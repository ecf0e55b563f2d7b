// The keyspace side of MIGRATE; see migrate.h.
#include "server/migrate.h"

#include "server/propagate.h"
#include "server/rdb_writer.h"
#include "server/server.h"

namespace tachyon {

std::vector<MigrateItem> MigrateCollect(Server& server, int db_index, const std::vector<std::string>& keys) {
  std::vector<MigrateItem> out;
  Db& db = server.db(db_index);
  const int64_t now = NowMs();
  for (const std::string& key : keys) {
    Entry* e = db.Lookup(key, now);
    if (!e) {
      server.stats().keyspace_misses++;
      server.Notify(kNotifyKeyMiss, "keymiss", db_index, key);
      continue;
    }
    server.stats().keyspace_hits++;
    server.TouchEntry(e);
    out.push_back({key, CreateDumpPayload(e, server.settings().rdbcompression), db.GetExpire(e)});
  }
  return out;
}

std::vector<bool> MigrateDelete(Server& server, int db_index, const std::vector<MigrateItem>& items) {
  std::vector<bool> deleted(items.size(), false);
  std::vector<std::string> del{"DEL"};
  Db& db = server.db(db_index);
  const int64_t now = NowMs();
  for (size_t i = 0; i < items.size(); i++) {
    const MigrateItem& it = items[i];
    Entry* e = db.Lookup(it.key, now);
    if (!e || db.GetExpire(e) != it.expire_at) continue;
    if (CreateDumpPayload(e, server.settings().rdbcompression) != it.payload) continue;
    db.Delete(it.key);  // dbDelete: lazyfree-lazy-server-del decides
    server.SignalModifiedKey(db_index, it.key);
    server.Notify(kNotifyGeneric, "del", db_index, it.key);
    server.stats().dirty++;
    del.push_back(it.key);
    deleted[i] = true;
  }
  if (del.size() > 1 && server.propagator().active()) server.propagator().Command(db_index, std::move(del), kPropagateAll);
  return deleted;
}

}  // namespace tachyon
