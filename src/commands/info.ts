/**
 * INFO [section ...], with Redis 7.0's sections, field names and order.
 *
 * Values are real where Tachyon has them (clients, uptime, persistence,
 * keyspace, command, error and keyspace statistics, process memory and CPU)
 * and fixed otherwise (replication: a feature that does not exist yet reports
 * what an idle Redis without it reports).
 *
 * Memory: src/commands/info-memory.ts (native counted allocations).
 *
 * Instantaneous metrics follow Redis's trackInstantaneousMetric: a timer
 * samples the counters every 100 ms and the reported rate is the mean of the
 * last 16 per-second rates. The timer is unref'd and stops with the server.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Config } from '../config/config';
import { formatPercentile } from '../config/options';
import type { ServerContext, ServerStatus } from '../context';
import type { BlockingScheduler } from '../features/blocking';
import type { Pause } from '../features/pause';
import type { Persistence } from '../persistence/persistence';
import type { PubSub } from '../features/pubsub';
import type { Tracking } from '../features/tracking';
import type { Replication } from '../replication/replication';
import type { NativeInfo } from '../native';
import type { Connection } from '../network/connection';
import { wallClockMicros } from '../util/clock';
import { TACHYON_VERSION, VERSION } from '../version';
import { bytesToHuman, memoryInfoLines } from './info-memory';
import type { CommandRegistry } from './registry';

export { bytesToHuman };

/** The features whose counters INFO shows. */
export interface InfoFeatures {
  readonly blocking: BlockingScheduler;
  readonly pause: Pause;
  readonly persistence: Persistence;
  readonly pubsub: PubSub;
  readonly tracking: Tracking;
  readonly replication: Replication;
}

const SAMPLE_PERIOD_MS = 100;
const METRIC_SAMPLES = 16;

/** Redis's trackInstantaneousMetric: mean of the last 16 rates (per second). */
class InstantaneousMetric {
  private samples = new Array<number>(METRIC_SAMPLES).fill(0);
  private idx = 0;
  private lastTime = 0;
  private lastValue = 0;

  sample(nowMs: number, value: number): void {
    if (this.lastTime > 0) {
      const dt = nowMs - this.lastTime;
      if (dt <= 0) return;
      // A counter that went down was reset (CONFIG RESETSTAT): count from zero.
      const delta = value >= this.lastValue ? value - this.lastValue : value;
      this.samples[this.idx] = Math.floor((delta * 1000) / dt);
      this.idx = (this.idx + 1) % METRIC_SAMPLES;
    }
    this.lastTime = nowMs;
    this.lastValue = value;
  }

  get(): number {
    let sum = 0;
    for (const s of this.samples) sum += s;
    return Math.floor(sum / METRIC_SAMPLES);
  }

  reset(): void {
    this.samples.fill(0);
    this.idx = 0;
  }
}

/** State kept by INFO: sampled rates, memory peak, output byte count. */
class InfoState {
  readonly ops = new InstantaneousMetric();
  readonly netInput = new InstantaneousMetric();
  readonly netOutput = new InstantaneousMetric();
  /** Bytes written to client sockets, summed over connections (see countOutput). */
  netOutputBytes = 0;
  private written = new Map<Connection, number>();
  private timer: NodeJS.Timeout;

  constructor(
    private readonly ctx: ServerContext,
    private readonly status: ServerStatus,
  ) {
    this.timer = setInterval(() => this.tick(), SAMPLE_PERIOD_MS);
    this.timer.unref();
  }

  /** Largest output waiting for a client socket, per second, over the last 8 seconds. */
  private recentOutput = new Array<number>(8).fill(0);
  private recentSecond = 0;

  /** client_recent_max_output_buffer: as Redis's clientsCronTrackExpansiveClients. */
  recentMaxOutput(): number {
    return Math.max(...this.recentOutput);
  }

  private trackOutput(now: number): void {
    const second = Math.floor(now / 1000);
    if (second !== this.recentSecond) {
      this.recentSecond = second;
      this.recentOutput[second % 8] = 0;
    }
    let max = this.recentOutput[second % 8];
    for (const c of this.ctx.clients.values()) {
      if (!c.closing) max = Math.max(max, c.outputMemory[0]);
    }
    this.recentOutput[second % 8] = max;
  }

  /**
   * Adds the bytes written since the last call on every client socket. A
   * connection is followed until it is seen closed, so only connections that
   * open and close within one sample period (100 ms) go uncounted.
   */
  countOutput(): number {
    for (const c of this.ctx.clients.values()) if (!this.written.has(c)) this.written.set(c, 0);
    for (const [c, seen] of this.written) {
      const now = c.bytesWritten;
      if (now > seen) this.netOutputBytes += now - seen;
      if (this.ctx.clients.get(c.id) !== c) this.written.delete(c);
      else this.written.set(c, now);
    }
    return this.netOutputBytes;
  }

  private tick(): void {
    if (this.status.isClosed) {
      this.stop();
      return;
    }
    const now = Date.now();
    const info = this.ctx.native.info();
    this.ops.sample(now, info.total_commands_processed);
    this.netInput.sample(now, info.net_input_bytes);
    this.netOutput.sample(now, this.countOutput());
    this.trackOutput(now);
  }

  resetStats(): void {
    this.ops.reset();
    this.netInput.reset();
    this.netOutput.reset();
    this.netOutputBytes = 0;
    for (const [c] of this.written) this.written.set(c, c.bytesWritten);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

// ---------------------------------------------------------------------------
// Formatting helpers


const f2 = (x: number): string => (Number.isFinite(x) ? x : 0).toFixed(2);
const cpu = (micros: number): string => (micros / 1e6).toFixed(6);

/** Values as Redis prints them: field names and values must not contain ':' or newlines. */
const safe = (s: string): string => s.replace(/[:\r\n]/g, '_');

function configValue<T>(config: Config, name: string, fallback: T): T {
  try {
    const v = config.get(name) as T | undefined;
    return v === undefined || v === null ? fallback : v;
  } catch {
    return fallback;
  }
}


/** CPU time of the main thread (Linux), else of the whole process. */
function mainThreadCpu(fallback: NodeJS.CpuUsage): { user: number; system: number } {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ", field 0 is the state; utime and stime are fields 11 and 12, in clock ticks.
    const ticks = 100;
    const user = Number(fields[11]);
    const system = Number(fields[12]);
    if (Number.isFinite(user) && Number.isFinite(system)) {
      return { user: (user * 1e6) / ticks, system: (system * 1e6) / ticks };
    }
  } catch {
    /* not Linux */
  }
  return fallback;
}

function multiplexingApi(): string {
  switch (process.platform) {
    case 'linux':
      return 'epoll';
    case 'darwin':
    case 'freebsd':
    case 'openbsd':
    case 'netbsd':
      return 'kqueue';
    case 'sunos':
      return 'evport';
    default:
      return 'select';
  }
}

/** A stable id for this Tachyon version (computed on first use). */
let buildId: string | undefined;
function redisBuildId(): string {
  buildId ??= crypto.createHash('sha1').update(`tachyon-kv ${TACHYON_VERSION}`).digest('hex').slice(0, 16);
  return buildId;
}

// ---------------------------------------------------------------------------
// Sections

type Lines = Array<[string, string | number]>;

/** What the section builders read, sampled once per INFO call. */
interface Snapshot {
  ctx: ServerContext;
  status: ServerStatus;
  features: InfoFeatures;
  state: InfoState;
  info: NativeInfo;
  now: number;
}

function serverSection({ ctx, status, now }: Snapshot): Lines {
  const uptime = Math.floor((now - status.startedAt) / 1000);
  const hz = configValue(ctx.config, 'hz', 10);
  return [
    ['redis_version', VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', redisBuildId()],
    ['redis_mode', 'standalone'],
    ['os', `${os.type()} ${os.release()} ${os.machine()}`],
    ['arch_bits', /64/.test(process.arch) ? 64 : 32],
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', multiplexingApi()],
    ['atomicvar_api', 'c11-builtin'],
    ['gcc_version', '0.0.0'],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', status.runId],
    ['tcp_port', status.port],
    ['server_time_usec', wallClockMicros()],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', hz],
    ['configured_hz', hz],
    ['lru_clock', Math.floor(now / 1000) & 0xffffff],
    ['executable', process.argv[1] ? path.resolve(process.argv[1]) : process.execPath],
    ['config_file', ctx.config.configFile ?? ''],
    ['io_threads_active', 0],
    ['tachyon_version', TACHYON_VERSION],
  ];
}

function clientsSection({ ctx, features, state, info }: Snapshot): Lines {
  return [
    ['connected_clients', ctx.clients.size],
    ['cluster_connections', 0],
    ['maxclients', configValue(ctx.config, 'maxclients', 10000)],
    ['client_recent_max_input_buffer', info.recent_max_input_buffer],
    ['client_recent_max_output_buffer', state.recentMaxOutput()],
    ['blocked_clients', features.blocking.blockedCount + features.pause.pausedCount],
    ['tracking_clients', features.tracking.stats().clients],
    ['clients_in_timeout_table', features.blocking.timeoutTableCount],
  ];
}

function memorySection({ ctx }: Snapshot): Lines {
  const maxmemory = Number(configValue(ctx.config, 'maxmemory', 0));
  const policy = String(configValue(ctx.config, 'maxmemory-policy', 'noeviction'));
  return memoryInfoLines(ctx.native.memoryInfo(), maxmemory, policy);
}

function persistenceSection({ features }: Snapshot): Lines {
  return features.persistence.infoLines();
}

function statsSection({ ctx, status, features, state, info }: Snapshot): Lines {
  const outBytes = state.countOutput();
  const pubsub = features.pubsub.stats();
  const tracking = features.tracking.stats();
  return [
    ['total_connections_received', status.connectionsReceived],
    ['total_commands_processed', info.total_commands_processed],
    ['instantaneous_ops_per_sec', state.ops.get()],
    ['total_net_input_bytes', info.net_input_bytes],
    ['total_net_output_bytes', outBytes],
    ['total_net_repl_input_bytes', 0],
    ['total_net_repl_output_bytes', 0],
    ['instantaneous_input_kbps', f2(state.netInput.get() / 1024)],
    ['instantaneous_output_kbps', f2(state.netOutput.get() / 1024)],
    ['instantaneous_input_repl_kbps', '0.00'],
    ['instantaneous_output_repl_kbps', '0.00'],
    ['rejected_connections', status.rejectedConnections],
    ['sync_full', features.replication.syncFull],
    ['sync_partial_ok', features.replication.syncPartialOk],
    ['sync_partial_err', features.replication.syncPartialErr],
    ['expired_keys', info.expired_keys],
    ['expired_stale_perc', f2(info.expired_stale_perc)],
    ['expired_time_cap_reached_count', info.expired_time_cap_reached],
    ['expire_cycle_cpu_milliseconds', info.expire_cycle_cpu_milliseconds],
    ['evicted_keys', info.evicted_keys],
    ['evicted_clients', status.evictedClients],
    ['total_eviction_exceeded_time', info.total_eviction_exceeded_time],
    ['current_eviction_exceeded_time', info.current_eviction_exceeded_time],
    ['keyspace_hits', info.keyspace_hits],
    ['keyspace_misses', info.keyspace_misses],
    ['pubsub_channels', pubsub.channels],
    ['pubsub_patterns', pubsub.patterns],
    ['pubsubshard_channels', pubsub.shardChannels],
    ['latest_fork_usec', 0],
    ['total_forks', 0],
    ['migrate_cached_sockets', 0],
    ['slave_expires_tracked_keys', 0],
    ['active_defrag_hits', 0],
    ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0],
    ['active_defrag_key_misses', 0],
    ['total_active_defrag_time', 0],
    ['current_active_defrag_time', 0],
    ['tracking_total_keys', tracking.keys],
    ['tracking_total_items', tracking.items],
    ['tracking_total_prefixes', tracking.prefixes],
    ['unexpected_error_replies', 0],
    ['total_error_replies', info.total_error_replies],
    ['dump_payload_sanitizations', 0],
    ['total_reads_processed', info.reads_processed],
    ['total_writes_processed', info.writes_processed + ctx.clients.streamWrites],
    ['io_threaded_reads_processed', 0],
    ['io_threaded_writes_processed', 0],
    ['reply_buffer_shrinks', info.reply_buffer_shrinks],
    ['reply_buffer_expands', info.reply_buffer_expands],
  ];
}

function replicationSection({ features }: Snapshot): Lines {
  return features.replication.infoLines();
}

function cpuSection(): Lines {
  const usage = process.cpuUsage();
  const main = mainThreadCpu(usage);
  return [
    ['used_cpu_sys', cpu(usage.system)],
    ['used_cpu_user', cpu(usage.user)],
    ['used_cpu_sys_children', cpu(0)],
    ['used_cpu_user_children', cpu(0)],
    ['used_cpu_sys_main_thread', cpu(main.system)],
    ['used_cpu_user_main_thread', cpu(main.user)],
  ];
}

function commandstatsSection({ ctx }: Snapshot): Lines {
  const rows = ctx.native.commandStats().sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return rows.map(([name, calls, usec, rejected, failed]) => [
    `cmdstat_${safe(name)}`,
    `calls=${calls},usec=${usec},usec_per_call=${f2(calls ? usec / calls : 0)},` +
      `rejected_calls=${rejected},failed_calls=${failed}`,
  ]);
}

/** latency_percentiles_usec_<command>:p50=...,p99=... for every command with a histogram. */
function latencystatsSection({ ctx }: Snapshot): Lines {
  const pcts = String(ctx.config.get('latency-tracking-info-percentiles'))
    .split(' ')
    .filter((p) => p !== '')
    .map(Number);
  const rows = ctx.native.latencyStats(pcts).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return rows.map(([name, values]) => [
    `latency_percentiles_usec_${safe(name)}`,
    values.map((v, i) => `p${formatPercentile(pcts[i])}=${v.toFixed(3)}`).join(','),
  ]);
}

function errorstatsSection({ ctx }: Snapshot): Lines {
  const rows = ctx.native.errorStats().sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return rows.map(([prefix, count]) => [`errorstat_${safe(prefix)}`, `count=${count}`]);
}

function keyspaceSection({ info }: Snapshot): Lines {
  const lines: Lines = [];
  info.keyspace.forEach(([keys, expires, avgTtl], db) => {
    if (keys || expires) lines.push([`db${db}`, `keys=${keys},expires=${expires},avg_ttl=${avgTtl}`]);
  });
  return lines;
}

interface Section {
  name: string;
  title: string;
  inDefault: boolean;
  lines: (ctx: Snapshot) => Lines;
}

/** In Redis's output order. */
const SECTIONS: Section[] = [
  { name: 'server', title: 'Server', inDefault: true, lines: serverSection },
  { name: 'clients', title: 'Clients', inDefault: true, lines: clientsSection },
  { name: 'memory', title: 'Memory', inDefault: true, lines: memorySection },
  { name: 'persistence', title: 'Persistence', inDefault: true, lines: persistenceSection },
  { name: 'stats', title: 'Stats', inDefault: true, lines: statsSection },
  { name: 'replication', title: 'Replication', inDefault: true, lines: replicationSection },
  { name: 'cpu', title: 'CPU', inDefault: true, lines: cpuSection },
  { name: 'modules', title: 'Modules', inDefault: true, lines: () => [] },
  { name: 'commandstats', title: 'Commandstats', inDefault: false, lines: commandstatsSection },
  { name: 'errorstats', title: 'Errorstats', inDefault: true, lines: errorstatsSection },
  { name: 'latencystats', title: 'Latencystats', inDefault: false, lines: latencystatsSection },
  { name: 'cluster', title: 'Cluster', inDefault: true, lines: () => [['cluster_enabled', 0]] },
  { name: 'keyspace', title: 'Keyspace', inDefault: true, lines: keyspaceSection },
];

/** INFO, with the sampler it reports from (started with the server). */
export class Info {
  private readonly state: InfoState;

  constructor(
    private readonly ctx: ServerContext,
    private readonly status: ServerStatus,
    private readonly features: InfoFeatures,
  ) {
    this.state = new InfoState(ctx, status);
  }

  register(r: CommandRegistry): void {
    r.register('info', (call) => {
      const sections = call.args.slice(1).map((a) => a.toString('latin1').toLowerCase());
      call.w.verbatim(this.text(sections));
    });
  }

  /** Clears INFO's own counters (instantaneous rates, output bytes): CONFIG RESETSTAT. */
  resetStats(): void {
    this.state.resetStats();
  }

  /** DEBUG CHANGE-REPL-ID: a new replication id (and no previous one). */
  changeReplId(): void {
    this.features.replication.changeReplId();
  }

  /** Stops the sampler (server close). */
  stop(): void {
    this.state.stop();
  }

  /** The INFO text for the requested section names (already lowercased; [] = default). */
  text(requested: string[]): string {
    const wanted = new Set<string>();
    let all = false;
    if (requested.length === 0) requested = ['default'];
    for (const r of requested) {
      if (r === 'all' || r === 'everything') {
        all = true;
      } else if (r === 'default') {
        for (const s of SECTIONS) if (s.inDefault) wanted.add(s.name);
      } else {
        wanted.add(r);
      }
    }
    const { ctx, status, features, state } = this;
    const info = ctx.native.info();
    const snap: Snapshot = { ctx, status, features, state, info, now: Date.now() };
    const out: string[] = [];
    for (const s of SECTIONS) {
      if (!all && !wanted.has(s.name)) continue;
      let text = out.length ? '\r\n' : '';
      text += `# ${s.title}\r\n`;
      for (const [k, v] of s.lines(snap)) text += `${k}:${v}\r\n`;
      out.push(text);
    }
    return out.join('');
  }
}
