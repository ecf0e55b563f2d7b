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

/** INFO memory's fields in Redis's order, each with how it is read. */
type Field = [name: string, value: (m: NativeMemoryInfo, x: { maxmemory: number; policy: string }) => string | number];

const vmTotal = (m: NativeMemoryInfo): number => m.used_memory_vm_eval + m.used_memory_vm_functions;
const scripts = (m: NativeMemoryInfo): number => m.used_memory_scripts_eval + m.used_memory_functions;

// A table read by a loop rather than one literal of 55 lines: the literal,
// with bytesToHuman inlined eight times, made V8's optimizing compiler (which
// INFO polling reaches) spend ~230 ms and several MB of transient malloc on
// one function, the largest spike in the process's RSS under bench/cache.js.
const FIELDS: Field[] = [
  ['used_memory', (m) => m.used_memory],
  ['used_memory_human', (m) => bytesToHuman(m.used_memory)],
  ['used_memory_rss', (m) => m.used_memory_rss],
  ['used_memory_rss_human', (m) => bytesToHuman(m.used_memory_rss)],
  ['used_memory_peak', (m) => m.used_memory_peak],
  ['used_memory_peak_human', (m) => bytesToHuman(m.used_memory_peak)],
  ['used_memory_peak_perc', (m) => `${f2(m.used_memory_peak_perc)}%`],
  ['used_memory_overhead', (m) => m.used_memory_overhead],
  ['used_memory_startup', (m) => m.used_memory_startup],
  ['used_memory_dataset', (m) => m.used_memory_dataset],
  ['used_memory_dataset_perc', (m) => `${f2(m.used_memory_dataset_perc)}%`],
  ['allocator_allocated', (m) => m.allocator_allocated],
  ['allocator_active', (m) => m.allocator_active],
  ['allocator_resident', (m) => m.allocator_resident],
  ['total_system_memory', () => os.totalmem()],
  ['total_system_memory_human', () => bytesToHuman(os.totalmem())],
  ['used_memory_lua', (m) => m.used_memory_vm_eval],
  ['used_memory_vm_eval', (m) => m.used_memory_vm_eval],
  ['used_memory_lua_human', (m) => bytesToHuman(m.used_memory_vm_eval)],
  ['used_memory_scripts_eval', (m) => m.used_memory_scripts_eval],
  ['number_of_cached_scripts', (m) => m.number_of_cached_scripts],
  ['number_of_functions', (m) => m.number_of_functions],
  ['number_of_libraries', (m) => m.number_of_libraries],
  ['used_memory_vm_functions', (m) => m.used_memory_vm_functions],
  ['used_memory_vm_total', (m) => vmTotal(m)],
  ['used_memory_vm_total_human', (m) => bytesToHuman(vmTotal(m))],
  ['used_memory_functions', (m) => m.used_memory_functions],
  ['used_memory_scripts', (m) => scripts(m)],
  ['used_memory_scripts_human', (m) => bytesToHuman(scripts(m))],
  ['maxmemory', (_m, x) => x.maxmemory],
  ['maxmemory_human', (_m, x) => bytesToHuman(x.maxmemory)],
  ['maxmemory_policy', (_m, x) => x.policy],
  ['allocator_frag_ratio', (m) => f2(m.allocator_frag_ratio)],
  ['allocator_frag_bytes', (m) => m.allocator_frag_bytes],
  ['allocator_rss_ratio', (m) => f2(m.allocator_rss_ratio)],
  ['allocator_rss_bytes', (m) => m.allocator_rss_bytes],
  ['rss_overhead_ratio', (m) => f2(m.rss_overhead_ratio)],
  ['rss_overhead_bytes', (m) => m.rss_overhead_bytes],
  ['mem_fragmentation_ratio', (m) => f2(m.mem_fragmentation_ratio)],
  ['mem_fragmentation_bytes', (m) => m.mem_fragmentation_bytes],
  ['mem_not_counted_for_evict', (m) => m.mem_not_counted_for_evict],
  ['mem_replication_backlog', (m) => m.mem_replication_backlog],
  ['mem_total_replication_buffers', () => 0],
  ['mem_clients_slaves', (m) => m.mem_clients_slaves],
  ['mem_clients_normal', (m) => m.mem_clients_normal],
  ['mem_cluster_links', () => 0],
  ['mem_aof_buffer', (m) => m.mem_aof_buffer],
  ['mem_allocator', (m) => m.mem_allocator],
  ['active_defrag_running', () => 0],
  ['lazyfree_pending_objects', (m) => m.lazyfree_pending_objects],
  ['lazyfreed_objects', (m) => m.lazyfreed_objects],
];

/** The lines of INFO memory. */
export function memoryInfoLines(m: NativeMemoryInfo, maxmemory: number, policy: string): Lines {
  const x = { maxmemory, policy };
  const lines: Lines = new Array(FIELDS.length);
  for (let i = 0; i < FIELDS.length; i++) lines[i] = [FIELDS[i][0], FIELDS[i][1](m, x)];
  return lines;
}
