/**
 * INFO memory: Redis 7.0's fields, in its order, from the addon's counted
 * allocations (native/core/zmalloc.h) and its cron sample of the process and
 * allocator figures (native/server/memory_stats.h). used_memory is what the
 * keyspace, the clients' buffers and the server's own structures hold:
 * Node's heaps (V8, Buffers) and Lua's are outside it, as Lua is outside
 * Redis's; they show in used_memory_rss.
 */
import * as os from 'node:os';
import type { NativeMemoryInfo } from '../native';

type Lines = Array<[string, string | number]>;

/** Redis's bytesToHuman. */
export function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  let d = n / 1024;
  for (const u of units) {
    if (d < 1024) return `${d.toFixed(2)}${u}`;
    d /= 1024;
  }
  return `${n}B`;
}

const f2 = (x: number): string => (Number.isFinite(x) ? x : 0).toFixed(2);

/** The lines of INFO memory. */
export function memoryInfoLines(m: NativeMemoryInfo, maxmemory: number, policy: string): Lines {
  const lua = m.used_memory_vm_eval;
  const vmTotal = m.used_memory_vm_eval + m.used_memory_vm_functions;
  const scripts = m.used_memory_scripts_eval + m.used_memory_functions;
  const totalSystem = os.totalmem();
  return [
    ['used_memory', m.used_memory],
    ['used_memory_human', bytesToHuman(m.used_memory)],
    ['used_memory_rss', m.used_memory_rss],
    ['used_memory_rss_human', bytesToHuman(m.used_memory_rss)],
    ['used_memory_peak', m.used_memory_peak],
    ['used_memory_peak_human', bytesToHuman(m.used_memory_peak)],
    ['used_memory_peak_perc', `${f2(m.used_memory_peak_perc)}%`],
    ['used_memory_overhead', m.used_memory_overhead],
    ['used_memory_startup', m.used_memory_startup],
    ['used_memory_dataset', m.used_memory_dataset],
    ['used_memory_dataset_perc', `${f2(m.used_memory_dataset_perc)}%`],
    ['allocator_allocated', m.allocator_allocated],
    ['allocator_active', m.allocator_active],
    ['allocator_resident', m.allocator_resident],
    ['total_system_memory', totalSystem],
    ['total_system_memory_human', bytesToHuman(totalSystem)],
    ['used_memory_lua', lua],
    ['used_memory_vm_eval', lua],
    ['used_memory_lua_human', bytesToHuman(lua)],
    ['used_memory_scripts_eval', m.used_memory_scripts_eval],
    ['number_of_cached_scripts', m.number_of_cached_scripts],
    ['number_of_functions', m.number_of_functions],
    ['number_of_libraries', m.number_of_libraries],
    ['used_memory_vm_functions', m.used_memory_vm_functions],
    ['used_memory_vm_total', vmTotal],
    ['used_memory_vm_total_human', bytesToHuman(vmTotal)],
    ['used_memory_functions', m.used_memory_functions],
    ['used_memory_scripts', scripts],
    ['used_memory_scripts_human', bytesToHuman(scripts)],
    ['maxmemory', maxmemory],
    ['maxmemory_human', bytesToHuman(maxmemory)],
    ['maxmemory_policy', policy],
    ['allocator_frag_ratio', f2(m.allocator_frag_ratio)],
    ['allocator_frag_bytes', m.allocator_frag_bytes],
    ['allocator_rss_ratio', f2(m.allocator_rss_ratio)],
    ['allocator_rss_bytes', m.allocator_rss_bytes],
    ['rss_overhead_ratio', f2(m.rss_overhead_ratio)],
    ['rss_overhead_bytes', m.rss_overhead_bytes],
    ['mem_fragmentation_ratio', f2(m.mem_fragmentation_ratio)],
    ['mem_fragmentation_bytes', m.mem_fragmentation_bytes],
    ['mem_not_counted_for_evict', m.mem_not_counted_for_evict],
    ['mem_replication_backlog', m.mem_replication_backlog],
    ['mem_total_replication_buffers', 0],
    ['mem_clients_slaves', m.mem_clients_slaves],
    ['mem_clients_normal', m.mem_clients_normal],
    ['mem_cluster_links', 0],
    ['mem_aof_buffer', m.mem_aof_buffer],
    ['mem_allocator', m.mem_allocator],
    ['active_defrag_running', 0],
    ['lazyfree_pending_objects', m.lazyfree_pending_objects],
    ['lazyfreed_objects', m.lazyfreed_objects],
  ];
}
