// The keyspace side of MIGRATE (src/commands/migrate.ts owns the network
// side): the DUMP payloads of the keys to move, and, once the target has
// acknowledged them, their deletion with Redis's bookkeeping (signalModifiedKey,
// the "del" event, dirty) and one DEL of the moved keys for the AOF and the
// replicas, as Redis rewrites a MIGRATE without COPY.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tachyon {

class Server;

struct MigrateItem {
  std::string key;
  std::string payload;    // DUMP payload (RDB value + version + CRC64)
  int64_t expire_at = -1;  // absolute unix ms, -1 without a TTL
};

// Redis's lookupKeyRead (lazy expiry, keyspace hits/misses) of each key in
// database `db`, and the payload of those that exist, in argument order.
std::vector<MigrateItem> MigrateCollect(Server& server, int db, const std::vector<std::string>& keys);

// Deletes each item's key from `db` if it still holds what was dumped (same
// payload, same expiry): a key changed while the target was restoring it stays.
// Returns which items were deleted; the deleted ones are propagated as one DEL.
std::vector<bool> MigrateDelete(Server& server, int db, const std::vector<MigrateItem>& items);

}  // namespace tachyon
