// Streams in RDB files and DUMP payloads (see rdb_stream.h).
#include "server/rdb_stream.h"

#include <memory>
#include <string>
#include <utility>

#include "core/listpack.h"
#include "core/stream_id.h"
#include "core/stream_listpack.h"
#include "server/rdb_format.h"

namespace tachyon {

namespace {

void SaveRawId(RdbWriter& w, const StreamId& id) {
  unsigned char raw[16];
  id.Encode(raw);
  w.output().Write(raw, sizeof raw);
}

StreamId LoadRawId(RdbReader& r) {
  unsigned char raw[16];
  r.input().Read(raw, sizeof raw);
  return StreamId::Decode(raw);
}

StreamId LoadIdPair(RdbReader& r) {
  StreamId id;
  id.ms = r.LoadLen();
  id.seq = r.LoadLen();
  return id;
}

}  // namespace

void SaveStreamObject(RdbWriter& w, const StreamValue& s) {
  w.SaveLen(s.nodes().size());
  for (const auto& [master_id, lp] : s.nodes()) {
    unsigned char key[16];
    master_id.Encode(key);
    w.SaveRawString(std::string_view(reinterpret_cast<const char*>(key), sizeof key));
    w.SaveRawString(lp.view());
  }
  w.SaveLen(s.length());
  w.SaveLen(s.last_id().ms);
  w.SaveLen(s.last_id().seq);
  w.SaveLen(s.first_id().ms);
  w.SaveLen(s.first_id().seq);
  w.SaveLen(s.max_deleted_entry_id().ms);
  w.SaveLen(s.max_deleted_entry_id().seq);
  w.SaveLen(s.entries_added());
  w.SaveLen(s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    w.SaveRawString(name);
    w.SaveLen(g->last_id.ms);
    w.SaveLen(g->last_id.seq);
    w.SaveLen(static_cast<uint64_t>(g->entries_read));  // -1 (unknown) as Redis writes it: 2^64 - 1
    w.SaveLen(g->pel.size());
    for (const auto& [id, nack] : g->pel) {
      SaveRawId(w, id);
      w.SaveMillisecondTime(nack.delivery_time);
      w.SaveLen(nack.delivery_count);
    }
    w.SaveLen(g->consumers.size());
    for (const auto& [cname, consumer] : g->consumers) {
      w.SaveRawString(cname);
      w.SaveMillisecondTime(consumer->seen_time);
      w.SaveLen(consumer->pel.size());
      for (const auto& [id, nack] : consumer->pel) SaveRawId(w, id);
    }
  }
}

bool LoadStreamObject(RdbReader& r, uint8_t rdb_type, LoadedValue* out) {
  RdbInput& in = r.input();
  const bool v2 = rdb_type == kRdbTypeStreamListpacks2;
  auto s = std::make_unique<StreamValue>();

  // Nodes, in id order, none overlapping the one before.
  uint64_t nodes = r.LoadLen();
  int64_t live = 0;
  StreamId max_entry;
  bool have_entry = false;
  while (nodes--) {
    const std::string key = r.LoadString();
    if (key.size() != 16) in.Corrupt("Stream node key entry is not the size of a stream ID");
    const StreamId master_id = StreamId::Decode(reinterpret_cast<const unsigned char*>(key.data()));
    const std::string bytes = r.LoadString();
    int64_t count = 0;
    StreamId last;
    if (!stream_node::Validate(bytes, master_id, /*deep=*/true, &count, &last)) {
      in.Corrupt("Stream listpack integrity check failed.");
    }
    if (have_entry && master_id <= max_entry) {
      in.Corrupt(s->nodes().count(master_id) ? "Listpack re-added with existing key"
                                             : "Stream nodes out of order or overlapping");
    }
    Listpack lp;
    if (!Listpack::FromBytes(bytes, &lp, /*deep=*/false)) in.Corrupt("Stream listpack integrity check failed.");
    s->AddNode(master_id, std::move(lp));
    live += count;
    max_entry = last;
    have_entry = true;
  }

  const uint64_t length = r.LoadLen();
  const StreamId last_id = LoadIdPair(r);
  StreamId first_id, max_deleted;
  uint64_t entries_added = length;
  if (v2) {
    first_id = LoadIdPair(r);
    max_deleted = LoadIdPair(r);
    entries_added = r.LoadLen();
  }
  if (length != static_cast<uint64_t>(live)) in.Corrupt("Stream length inconsistent with rax entries");
  if (have_entry && last_id < max_entry) in.Corrupt("Stream last id below its entries");
  // Redis 5/6 files: 7.0's defaults (the first live entry, else the maximal id).
  if (!v2 && !s->FirstValidId(&first_id)) first_id = StreamId::Max();
  s->SetMetadata(length, last_id, first_id, max_deleted, entries_added);

  uint64_t groups = r.LoadLen();
  while (groups--) {
    const std::string name = r.LoadString();
    const StreamId group_last = LoadIdPair(r);
    const int64_t entries_read =
        v2 ? static_cast<int64_t>(r.LoadLen()) : s->EstimateDistanceFromFirstEverEntry(group_last);
    StreamGroup* g = s->CreateGroup(name, group_last, entries_read);
    if (!g) in.Corrupt("Duplicated consumer group name " + name);

    // The group PEL, owners resolved from the consumers' PELs below.
    uint64_t pel = r.LoadLen();
    while (pel--) {
      const StreamId id = LoadRawId(r);
      const int64_t delivery_time = r.LoadMillisecondTime();
      const uint64_t delivery_count = r.LoadLen();
      if (!g->AddPendingUnowned(id, delivery_time, delivery_count)) {
        in.Corrupt("Duplicated global PEL entry loading stream consumer group");
      }
    }
    uint64_t consumers = r.LoadLen();
    while (consumers--) {
      const std::string cname = r.LoadString();
      StreamConsumer* consumer = g->CreateConsumer(cname, 0);
      if (!consumer) in.Corrupt("Duplicate stream consumer detected.");
      consumer->seen_time = r.LoadMillisecondTime();
      uint64_t owned = r.LoadLen();
      while (owned--) {
        const StreamId id = LoadRawId(r);
        if (consumer->pel.count(id)) in.Corrupt("Duplicated consumer PEL entry  loading a stream consumer group");
        if (!g->ClaimForConsumer(id, consumer)) {
          in.Corrupt(g->pel.count(id) ? "Consumer PEL entry owned by another consumer"
                                      : "Consumer entry not found in group global PEL");
        }
      }
    }
    if (g->OrphanedNacks() != 0) in.Corrupt("Stream CG PEL entry without consumer");
  }

  out->type = kStream;
  out->encoding = kEncStream;
  out->coll = std::move(s);
  return true;
}

}  // namespace tachyon
