// Memory introspection shared by MEMORY STATS/DOCTOR (memory_family.cc) and
// INFO memory (through the addon): Redis's getMemoryOverheadData over
// Tachyon's counted allocations (core/zmalloc.h).
//
// What is "overhead" here: the memory at startup, the clients' buffers, and
// per database the key tables' bucket arrays plus each entry's header and
// allocator word (Tachyon's equivalent of Redis's dictEntry + robj), and
// each TTL's node. Everything else that is counted is the dataset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tachyon {

class Server;
struct Client;

// The process and allocator figures Redis samples in its cron
// (cron_malloc_stats), refreshed by Server::Cron.
struct MallocStats {
  size_t zmalloc_used = 0;
  size_t process_rss = 0;
  size_t allocator_allocated = 0;
  size_t allocator_active = 0;
  size_t allocator_resident = 0;
};

// What the script caches and the Lua engines hold (scripting_family.cc).
struct ScriptingMemory {
  size_t vm_eval = 0;         // the EVAL engine's Lua heap
  size_t vm_functions = 0;    // the FUNCTION engine's Lua heap
  size_t scripts_eval = 0;    // the script cache's bookkeeping (bodies, digests, entries)
  size_t functions = 0;       // libraries' and functions' bookkeeping
  size_t cached_scripts = 0;
  size_t functions_count = 0;
  size_t libraries = 0;
};
ScriptingMemory GetScriptingMemory(Server& s);

struct DbMemoryOverhead {
  int db = 0;
  size_t main = 0;     // key table: buckets, entry headers
  size_t expires = 0;  // TTL table: buckets, nodes
};

struct MemoryOverhead {
  size_t total_allocated = 0;
  size_t startup_allocated = 0;
  size_t peak_allocated = 0;
  size_t repl_backlog = 0;
  size_t clients_slaves = 0;
  size_t clients_normal = 0;
  size_t cluster_links = 0;
  size_t aof_buffer = 0;
  size_t lua_caches = 0;
  size_t functions_caches = 0;
  std::vector<DbMemoryOverhead> dbs;  // databases holding keys
  size_t overhead_total = 0;
  size_t total_keys = 0;
  size_t bytes_per_key = 0;
  size_t dataset = 0;
  float dataset_perc = 0;
  float peak_perc = 0;
  // From the cron's sample (MallocStats): ratios and differences as Redis computes them.
  float total_frag = 0;
  int64_t total_frag_bytes = 0;
  float allocator_frag = 0;
  int64_t allocator_frag_bytes = 0;
  float allocator_rss = 0;
  int64_t allocator_rss_bytes = 0;
  float rss_extra = 0;
  int64_t rss_extra_bytes = 0;
};

MemoryOverhead GetMemoryOverhead(Server& s);
// MEMORY DOCTOR's text.
std::string MemoryDoctorReport(Server& s);
// Memory a client holds: its structure, query and reply buffers, the
// arguments of a parked command, queued MULTI commands, and the output its
// connection has not written yet (CLIENT LIST tot-mem, maxmemory-clients).
size_t ClientMemoryUsage(Server& s, const Client& c);

}  // namespace tachyon
