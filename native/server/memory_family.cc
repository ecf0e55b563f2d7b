// MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP, with Redis
// 7.0's replies and texts (object.c's memoryCommand, getMemoryOverheadData,
// getMemoryDoctorReport), over Tachyon's counted allocations (see
// memory_stats.h for what counts as overhead).
#include <algorithm>
#include <climits>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include "core/zmalloc.h"
#include "server/command.h"
#include "server/memory_stats.h"
#include "server/replication_stream.h"
#include "server/server.h"
#include "server/set_value.h"
#include "server/stream_value.h"

namespace tachyon {

namespace {

constexpr long long kDefaultSamples = 5;  // OBJ_COMPUTE_SIZE_DEF_SAMPLES

// What a TTL costs: its node and its share of a bucket.
size_t ExpireNodeCost() { return ZMallocSizeOf(sizeof(ExpireNode)); }

}  // namespace

size_t ClientMemoryUsage(Server& s, const Client& c) {
  size_t n = ZMallocSize(&c) + ZMallocSize(c.query.data()) + ZMallocSize(c.out.data());
  n += c.argv.capacity() * sizeof(std::string_view);
  for (const auto& a : c.pending) n += sizeof(std::string) + (a.capacity() > 15 ? a.capacity() + 1 : 0);
  for (const auto& cmd : c.multi.queue) {
    n += sizeof(cmd) + cmd.capacity() * sizeof(std::string);
    for (const auto& a : cmd) n += a.capacity() > 15 ? a.capacity() + 1 : 0;
  }
  if (ClientIo* io = s.client_io()) n += io->OutputMemory(c);
  return n;
}

MemoryOverhead GetMemoryOverhead(Server& s) {
  MemoryOverhead mh;
  size_t used = ZUsedMemory();
  s.UpdatePeakMemory();
  s.UpdateMallocStats(/*allocator=*/true);
  const MallocStats& ms = s.malloc_stats();
  mh.total_allocated = used;
  mh.startup_allocated = s.startup_memory();
  mh.peak_allocated = s.peak_memory();
  auto ratio = [](size_t a, size_t b) { return b ? static_cast<float>(a) / static_cast<float>(b) : 0.0f; };
  auto diff = [](size_t a, size_t b) { return static_cast<int64_t>(a) - static_cast<int64_t>(b); };
  mh.total_frag = ratio(ms.process_rss, ms.zmalloc_used);
  mh.total_frag_bytes = diff(ms.process_rss, ms.zmalloc_used);
  mh.allocator_frag = ratio(ms.allocator_active, ms.allocator_allocated);
  mh.allocator_frag_bytes = diff(ms.allocator_active, ms.allocator_allocated);
  mh.allocator_rss = ratio(ms.allocator_resident, ms.allocator_active);
  mh.allocator_rss_bytes = diff(ms.allocator_resident, ms.allocator_active);
  mh.rss_extra = ratio(ms.process_rss, ms.allocator_resident);
  mh.rss_extra_bytes = diff(ms.process_rss, ms.allocator_resident);

  size_t total = mh.startup_allocated;
  // Replicas and the backlog share the replication buffer: what passes
  // repl-backlog-size is the replicas' (Redis 7.0's getMemoryOverheadData),
  // plus, here, snapshot bytes still queued on a replica's socket. A
  // replica's own client structure is counted in neither, as in Redis.
  if (const ReplicationStream* rs = s.repl_stream; rs && rs->active()) {
    const size_t mem = rs->memory();
    const size_t backlog = rs->backlog_size();
    if (!rs->reader_slots().empty() && mem > backlog) {
      mh.clients_slaves = mem - backlog;
      mh.repl_backlog = backlog;
    } else {
      mh.repl_backlog = mem;
    }
    // The rax index of every 64th block (a node and a pointer each) and its head node.
    const size_t indexed = rs->blocks_added() / 64;
    mh.repl_backlog += 4 + indexed * 12;
  }
  for (const auto& c : s.clients()) {
    if (!c) continue;
    if (!c->replica) mh.clients_normal += ClientMemoryUsage(s, *c);
    else if (ClientIo* io = s.client_io()) mh.clients_slaves += io->OutputMemory(*c);
  }
  total += mh.clients_normal + mh.clients_slaves + mh.repl_backlog;
  ScriptingMemory sm = GetScriptingMemory(s);
  mh.lua_caches = sm.scripts_eval;
  mh.functions_caches = sm.functions;
  total += mh.lua_caches + mh.functions_caches;

  const size_t entry_overhead = kEntryHeader;
  for (int i = 0; i < s.db_count(); i++) {
    Db& db = s.db(i);
    if (db.size() == 0) continue;
    DbMemoryOverhead d;
    d.db = i;
    d.main = db.keys().AllocatedBytes() + db.size() * entry_overhead;
    d.expires = db.expires().AllocatedBytes() + db.expires_size() * ExpireNodeCost();
    total += d.main + d.expires;
    mh.total_keys += db.size();
    mh.dbs.push_back(d);
  }
  mh.overhead_total = total;
  mh.dataset = used > total ? used - total : 0;
  mh.peak_perc = mh.peak_allocated ? static_cast<float>(used) * 100 / static_cast<float>(mh.peak_allocated) : 0;
  size_t net_usage = used > mh.startup_allocated ? used - mh.startup_allocated : 1;
  mh.dataset_perc = static_cast<float>(mh.dataset) * 100 / static_cast<float>(net_usage);
  mh.bytes_per_key = mh.total_keys ? net_usage / mh.total_keys : 0;
  return mh;
}

std::string MemoryDoctorReport(Server& s) {
  MemoryOverhead mh = GetMemoryOverhead(s);
  bool empty = false, big_peak = false, high_frag = false, high_alloc_frag = false, high_proc_rss = false,
       high_alloc_rss = false, big_client_buf = false, many_scripts = false;
  int reports = 0;
  if (mh.total_allocated < 5 * 1024 * 1024) {
    empty = true;
    reports++;
  } else {
    if (static_cast<float>(mh.peak_allocated) / static_cast<float>(mh.total_allocated) > 1.5f) big_peak = true, reports++;
    if (mh.total_frag > 1.4f && mh.total_frag_bytes > (10 << 20)) high_frag = true, reports++;
    if (mh.allocator_frag > 1.1f && mh.allocator_frag_bytes > (10 << 20)) high_alloc_frag = true, reports++;
    if (mh.allocator_rss > 1.1f && mh.allocator_rss_bytes > (10 << 20)) high_alloc_rss = true, reports++;
    if (mh.rss_extra > 1.1f && mh.rss_extra_bytes > (10 << 20)) high_proc_rss = true, reports++;
    size_t clients = 0;
    for (const auto& c : s.clients()) clients += c ? 1 : 0;
    if (clients && mh.clients_normal / clients > 1024 * 200) big_client_buf = true, reports++;
    if (GetScriptingMemory(s).cached_scripts > 1000) many_scripts = true, reports++;
  }
  if (reports == 0) {
    return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this "
           "base.\n";
  }
  if (empty) {
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in "
           "these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I "
           "will be back to our programming as soon as I finished rebooting.\n";
  }
  std::string r = "Sam, I detected a few issues in this Redis instance memory implants:\n\n";
  if (big_peak) {
    r += " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The "
         "allocator is normally not able to release memory after a peak, so you can expect to see a big "
         "fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the "
         "Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon "
         "as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try "
         "to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and "
         "restart the instance.\n\n";
  }
  if (high_frag) {
    r += " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means "
         "that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations "
         "Redis performed). This problem is usually due either to a large peak memory (check if there is a peak "
         "memory entry above in the report) or may result from a workload that causes the allocator to fragment "
         "memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are "
         "using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"";
    r += ZAllocatorName();
    r += "\".\n\n";
  }
  if (high_alloc_frag) {
    r += " * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. "
         "This problem is usually due either to a large peak memory (check if there is a peak memory entry above in "
         "the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try "
         "enabling 'activedefrag' config option.\n\n";
  }
  if (high_alloc_rss) {
    r += " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means "
         "that the Resident Set Size of the allocator is much larger than the sum what the allocator actually "
         "holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above "
         "in the report), you can try the MEMORY PURGE command to reclaim it.\n\n";
  }
  if (high_proc_rss) {
    r += " * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 "
         "(this means that the Resident Set Size of the Redis process is much larger than the RSS the allocator "
         "holds). This problem may be due to Lua scripts or Modules.\n\n";
  }
  if (big_client_buf) {
    r += " * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on "
         "average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not "
         "receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending "
         "commands with large replies or very large sequences of commands in the same pipeline. Please use the "
         "CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to "
         "understand better why certain clients are using a big amount of memory.\n\n";
  }
  if (many_scripts) {
    r += " * Many scripts: There seem to be many cached scripts in this instance (more than 1000). This may be "
         "because scripts are generated and `EVAL`ed, instead of being parameterized (with KEYS and ARGV), `SCRIPT "
         "LOAD`ed and `EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the scripts' caches may end up "
         "consuming most of your memory.\n\n";
  }
  r += "I'm here to keep you safe, Sam. I want to help you.\n";
  return r;
}

namespace {

// ---- Redis's estimate for strings and intsets -----------------------------
// A string or a small intset is a block or two of a few dozen bytes, where
// the allocator's rounding and Redis's per-key structures are most of the
// answer, and glibc's rounding and Tachyon's one-block layout would read
// 0.7x to 1.6x Redis's figure. For these (and streams, below) MEMORY USAGE
// applies Redis's own rules (memoryCommand: objectComputeSize of the value,
// plus the key's sds and a dictEntry) to the key and value it holds, in
// jemalloc's size classes as Redis's zmalloc_size reports them. Every other
// value reports the blocks Tachyon really holds (EntryMemoryUsage), which
// read within a few percent of Redis's answer.

// n bytes rounded up to a jemalloc size class: 8, steps of 16 up to 128, then
// four classes per doubling (160, 192, 224, 256, 320, ...).
size_t RedisAllocSize(size_t n) {
  if (n <= 8) return 8;
  if (n <= 128) return (n + 15) & ~size_t{15};
  int lg = 0;
  while ((size_t{1} << (lg + 1)) < n) lg++;  // 2^lg < n <= 2^(lg+1)
  const size_t step = size_t{1} << (lg - 2);  // a quarter of 2^lg
  return (n + step - 1) & ~(step - 1);
}

// sds header bytes for a string of len bytes (sdsReqType). Keys, copied
// with sdsdup, use type 5 below 32 bytes; a raw string value is at least type 8.
size_t SdsHeader(size_t len, bool allow_type5) {
  if (len < 32 && allow_type5) return 1;
  if (len < (size_t{1} << 8)) return 3;
  if (len < (size_t{1} << 16)) return 5;
  if (len < (size_t{1} << 32)) return 9;
  return 17;
}

constexpr size_t kRedisObject = 16;     // sizeof(robj)
constexpr size_t kRedisDictEntry = 24;  // sizeof(dictEntry)

// objectComputeSize of a string: the robj for an integer, the one robj+sds
// block of an embstr, the robj plus the sds block of a raw string, with the
// room APPEND reserved (the allocator's rounding left out: a block glibc
// hands out whole from a free chunk can hold up to 31 bytes more than asked,
// so only a grown block's room is counted).
size_t RedisStringSize(const Entry* e) {
  if (e->is_int()) return kRedisObject;
  if (e->encoding == kEncEmbstr) return RedisAllocSize(kRedisObject + 3 + e->vlen + 1);
  size_t cap = (e->flags & kGrownString) ? InlineCapacity(e) : e->vlen;
  if (cap - e->vlen < 16) cap = e->vlen;  // glibc's rounding, not reserved room
  return kRedisObject + RedisAllocSize(SdsHeader(cap, false) + cap + 1);
}

// ---- Redis's estimate for streams -----------------------------------------
// Redis 7.0 allocates a new stream node's listpack at stream-node-max-bytes
// (at most 4 KB) so that XADD need not grow it, keeps that room until
// stream-node-max-entries closes the node (then shrinks it to fit), and its
// MEMORY USAGE reads allocated sizes: a stream of 10 entries reads 4.7 KB.
// Tachyon's nodes grow as entries arrive, so they hold less than that (INFO
// used_memory counts what they hold); MEMORY USAGE answers what Redis would
// for the same contents, as for strings, so figures compare across servers.

constexpr size_t kRedisStream = 80;              // sizeof(stream)
constexpr size_t kRedisStreamId = 16;            // sizeof(streamID), per rax element
constexpr size_t kRedisRaxNode = 4 + 8 * 30;     // sizeof(raxNode) + streamRadixTreeMemoryUsage's overhead
constexpr size_t kRedisConsumerGroup = 40;       // sizeof(streamCG)
constexpr size_t kRedisNack = 24;                // sizeof(streamNACK)
constexpr size_t kRedisConsumer = 24;            // sizeof(streamConsumer)
constexpr size_t kRedisStreamPrealloc = 4096;    // STREAM_LISTPACK_MAX_PRE_ALLOCATE

// streamRadixTreeMemoryUsage of a PEL (a map ordered by entry id).
template <class Pel>
size_t RedisPelSize(const Pel& pel) {
  std::vector<StreamId> ids;
  ids.reserve(pel.size());
  for (const auto& kv : pel) ids.push_back(kv.first);
  return ids.size() * kRedisStreamId + StreamValue::RadixTreeNodes(ids) * kRedisRaxNode;
}

// A node's allocation in Redis: its preallocated room unless
// stream-node-max-entries closed it (the last node is shrunk only when the
// next XADD finds it full).
size_t RedisStreamNodeSize(const Listpack& lp, bool last, const StreamValue::Limits& limits) {
  size_t fit = RedisAllocSize(lp.bytes());
  if (!last && limits.node_max_entries > 0) {
    stream_node::Master m = stream_node::ReadMaster(lp);
    if (m.count + m.deleted >= limits.node_max_entries) return fit;
  }
  size_t prealloc = kRedisStreamPrealloc;
  if (limits.node_max_bytes > 0 && limits.node_max_bytes < prealloc) prealloc = limits.node_max_bytes;
  return std::max(fit, RedisAllocSize(prealloc));
}

// objectComputeSize of a stream: the first `samples` nodes averaged over all
// but the last, plus the last; the radix trees by Redis's formula; groups,
// consumers and PELs in full.
size_t RedisStreamSize(const StreamValue& s, size_t samples, const StreamValue::Limits& limits) {
  const auto& nodes = s.nodes();
  size_t n = kRedisObject + kRedisStream + nodes.size() * kRedisStreamId + s.RadixTreeNodes() * kRedisRaxNode;
  size_t seen = 0, sampled = 0;
  for (auto it = nodes.begin(); it != nodes.end() && seen < samples; ++it, ++seen) {
    sampled += RedisStreamNodeSize(it->second, std::next(it) == nodes.end(), limits);
  }
  if (nodes.size() <= seen) {
    n += sampled;
  } else {
    if (seen) n += sampled / seen * (nodes.size() - 1);
    n += RedisStreamNodeSize(nodes.rbegin()->second, true, limits);
  }
  for (const auto& [name, g] : s.groups()) {
    n += kRedisConsumerGroup + RedisPelSize(g->pel) + g->pel.size() * kRedisNack;
    for (const auto& [cname, c] : g->consumers) n += kRedisConsumer + cname.size() + RedisPelSize(c->pel);
  }
  return n;
}

// MEMORY USAGE of a key: Redis's estimate for strings, intsets and streams,
// the blocks held for everything else.
size_t KeyMemoryUsage(const Entry* e, size_t samples, const StreamValue::Limits& limits) {
  size_t value;
  if (e->type == kString) {
    value = RedisStringSize(e);
  } else if (e->type == kSet && e->encoding == kEncIntset) {
    value = kRedisObject + RedisAllocSize(e->as<SetValue>()->intset().bytes());
  } else if (e->type == kStream) {
    value = RedisStreamSize(*e->as<StreamValue>(), samples, limits);
  } else {
    return EntryMemoryUsage(e, samples);
  }
  return value + RedisAllocSize(SdsHeader(e->keylen, true) + e->keylen + 1) + kRedisDictEntry;
}

void MemoryUsageCommand(CommandContext& c) {
  long long samples = kDefaultSamples;
  for (int j = 3; j < c.argc; j++) {
    if (c.Is(j, "samples") && j + 1 < c.argc) {
      int64_t v;
      if (!c.ParseInt(j + 1, &v)) return;
      if (v < 0) return c.SyntaxError();
      samples = v == 0 ? LLONG_MAX : v;
      j++;
    } else {
      return c.SyntaxError();
    }
  }
  // Like Redis's dictFind: an expired key not yet deleted is still measured.
  Entry* e = c.db->FindRaw(c.arg(2));
  if (!e) return c.reply.Null();
  const Settings& st = c.server.settings();
  const StreamValue::Limits limits{static_cast<size_t>(std::max<long long>(st.stream_node_max_bytes, 0)),
                                   st.stream_node_max_entries};
  c.reply.Int(static_cast<long long>(KeyMemoryUsage(e, static_cast<size_t>(samples), limits)));
}

void MemoryStatsCommand(CommandContext& c) {
  MemoryOverhead mh = GetMemoryOverhead(c.server);
  const MallocStats& ms = c.server.malloc_stats();
  Reply& r = c.reply;
  auto num = [&](const char* k, long long v) {
    r.Bulk(k);
    r.Int(v);
  };
  auto dbl = [&](const char* k, float v) {
    r.Bulk(k);
    r.Double(static_cast<double>(v));
  };
  r.Map(27 + mh.dbs.size());
  num("peak.allocated", mh.peak_allocated);
  num("total.allocated", mh.total_allocated);
  num("startup.allocated", mh.startup_allocated);
  num("replication.backlog", mh.repl_backlog);
  num("clients.slaves", mh.clients_slaves);
  num("clients.normal", mh.clients_normal);
  num("cluster.links", mh.cluster_links);
  num("aof.buffer", mh.aof_buffer);
  num("lua.caches", mh.lua_caches);
  num("functions.caches", mh.functions_caches);
  for (const DbMemoryOverhead& d : mh.dbs) {
    r.Bulk("db." + std::to_string(d.db));
    r.Map(3);
    num("overhead.hashtable.main", d.main);
    num("overhead.hashtable.expires", d.expires);
    num("overhead.hashtable.slot-to-keys", 0);
  }
  num("overhead.total", mh.overhead_total);
  num("keys.count", mh.total_keys);
  num("keys.bytes-per-key", mh.bytes_per_key);
  num("dataset.bytes", mh.dataset);
  dbl("dataset.percentage", mh.dataset_perc);
  dbl("peak.percentage", mh.peak_perc);
  num("allocator.allocated", ms.allocator_allocated);
  num("allocator.active", ms.allocator_active);
  num("allocator.resident", ms.allocator_resident);
  dbl("allocator-fragmentation.ratio", mh.allocator_frag);
  num("allocator-fragmentation.bytes", mh.allocator_frag_bytes);
  dbl("allocator-rss.ratio", mh.allocator_rss);
  num("allocator-rss.bytes", mh.allocator_rss_bytes);
  dbl("rss-overhead.ratio", mh.rss_extra);
  num("rss-overhead.bytes", mh.rss_extra_bytes);
  dbl("fragmentation", mh.total_frag);
  num("fragmentation.bytes", mh.total_frag_bytes);
}

void MemoryDoctorCommand(CommandContext& c) { c.reply.Verbatim(MemoryDoctorReport(c.server)); }

// glibc's malloc_info report (jemalloc's malloc_stats_print in the jemalloc build).
void MemoryMallocStatsCommand(CommandContext& c) { c.reply.Verbatim(ZAllocatorStats()); }

void MemoryPurgeCommand(CommandContext& c) {
  if (ZPurge()) c.reply.Ok();
  else c.reply.Error("ERR Error purging dirty pages");
}

void MemoryHelpCommand(CommandContext& c) {
  static const char* const kLines[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP",
      "    Prints this help.",
  };
  c.reply.Array(sizeof kLines / sizeof kLines[0]);
  for (const char* l : kLines) c.reply.Simple(l);
}

}  // namespace

void RegisterMemoryCommands(CommandRegistry& r) {
  r.Add("memory|usage", MemoryUsageCommand);
  r.Add("memory|stats", MemoryStatsCommand);
  r.Add("memory|doctor", MemoryDoctorCommand);
  r.Add("memory|malloc-stats", MemoryMallocStatsCommand);
  r.Add("memory|purge", MemoryPurgeCommand);
  r.Add("memory|help", MemoryHelpCommand);
}

}  // namespace tachyon
