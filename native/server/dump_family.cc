// DUMP, RESTORE and RESTORE-ASKING: a value serialized as an RDB value plus
// the RDB version and a CRC64 (see rdb_format.h), byte-identical to Redis's
// payload for the same value and encoding, and the reverse.
#include <cmath>
#include <string>

#include "server/command.h"
#include "server/rdb_format.h"
#include "server/rdb_reader.h"
#include "server/rdb_writer.h"
#include "server/server.h"

namespace tachyon {
namespace {

void DumpCommand(CommandContext& c) {
  Entry* e = c.ReadKey(c.arg(1));
  if (!e) return c.reply.Null();
  c.reply.Bulk(CreateDumpPayload(e, c.server.settings().rdbcompression));
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
void RestoreCommand(CommandContext& c) {
  bool replace = false, absttl = false;
  int64_t lru_idle = -1, lfu_freq = -1;
  for (int j = 4; j < c.argc; j++) {
    const int additional = c.argc - j - 1;
    if (c.Is(j, "replace")) {
      replace = true;
    } else if (c.Is(j, "absttl")) {
      absttl = true;
    } else if (c.Is(j, "idletime") && additional >= 1 && lfu_freq == -1) {
      if (!c.ParseInt(j + 1, &lru_idle)) return;
      if (lru_idle < 0) return c.reply.Error("ERR Invalid IDLETIME value, must be >= 0");
      j++;
    } else if (c.Is(j, "freq") && additional >= 1 && lru_idle == -1) {
      if (!c.ParseInt(j + 1, &lfu_freq)) return;
      if (lfu_freq < 0 || lfu_freq > 255) return c.reply.Error("ERR Invalid FREQ value, must be >= 0 and <= 255");
      j++;
    } else {
      return c.SyntaxError();
    }
  }
  const std::string_view key = c.arg(1);
  if (!replace && c.WriteKey(key)) return c.reply.Error("BUSYKEY Target key name already exists.");
  int64_t ttl;
  if (!c.ParseInt(2, &ttl)) return;
  if (ttl < 0) return c.reply.Error("ERR Invalid TTL value, must be >= 0");

  const Settings& settings = c.server.settings();
  const std::string_view payload = c.arg(3);
  if (!VerifyDumpPayload(payload, settings.skip_checksum_validation)) {
    return c.reply.Error("ERR DUMP payload version or checksum are wrong");
  }
  LoadedValue value;
  try {
    RdbInput in(reinterpret_cast<const unsigned char*>(payload.data()), payload.size() - kDumpFooterSize);
    const RdbLoadLimits limits = RdbLoadLimits::From(settings);
    RdbReader reader(in, limits);
    const uint8_t type = reader.LoadType();
    if (!IsRdbObjectType(type) || !reader.LoadObject(type, &value)) return c.reply.Error("ERR Bad data format");
  } catch (const RdbError&) {
    return c.reply.Error("ERR Bad data format");
  }

  bool deleted = false;
  if (replace) deleted = c.db->Delete(key);
  if (ttl && !absttl) ttl += c.now_ms;
  if (ttl && ttl <= c.now_ms) {
    // Already expired: nothing is stored (the replaced key is gone, like a DEL).
    if (deleted) {
      c.KeyModified(key);
      c.Notify(kNotifyGeneric, "del", key);
      c.Dirty();
      c.PropagateAs({c.server.settings().lazyfree_lazy_server_del ? "UNLINK" : "DEL", std::string(key)});
    }
    return c.reply.Ok();
  }
  Entry* e = MakeLoadedEntry(key, value);
  c.db->Add(e);  // "new", as Redis's dbAdd
  if (ttl) {
    c.db->SetExpire(e, ttl);
    if (!absttl) {
      // Propagated with the absolute time, so replicas and the AOF agree.
      std::vector<std::string> argv;
      for (int i = 0; i < c.argc; i++) argv.emplace_back(c.arg(i));
      argv[2] = std::to_string(ttl);
      argv.emplace_back("ABSTTL");
      c.PropagateAs(std::move(argv));
    }
  }
  if (settings.lfu_policy) {
    if (lfu_freq >= 0) e->lru = (static_cast<uint32_t>((c.now_ms / 60000) & 0xffff) << 8) | static_cast<uint32_t>(lfu_freq);
  } else if (lru_idle >= 0) {
    int64_t abs = static_cast<int64_t>(c.server.lru_clock()) - lru_idle;
    if (abs < 0) abs += kLruClockMax;
    e->lru = static_cast<uint32_t>(abs);
  }
  c.KeyModified(key);
  c.Notify(kNotifyGeneric, "restore", key);
  c.reply.Ok();
  c.Dirty();
}

}  // namespace

void RegisterDumpCommands(CommandRegistry& r) {
  r.Add("dump", DumpCommand);
  r.Add("restore", RestoreCommand);
  r.Add("restore-asking", RestoreCommand);
}

}  // namespace tachyon
