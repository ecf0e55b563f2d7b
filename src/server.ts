/**
 * The server: listeners, connections, the native keyspace and the periodic
 * work (active expiry, rehashing, idle timeouts), wired to the configuration.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import { Config } from './config/config';
import { EventDispatcher } from './events';
import { Logger } from './log';
import { IoEvent, loadAddon, type NativeServer } from './native';
import { Connection } from './network/connection';
import { CommandRegistry } from './commands/registry';
import { registerConnectionCommands } from './commands/connection';
import { registerConfigCommands } from './commands/config';
import { registerServerCommands } from './commands/server';
import { registerIntrospectionCommands } from './commands/introspection';
import { attachIntrospection, resetIntrospectionStats } from './commands/info';
import { isPubSubClient } from './commands/pubsub';
import { clientInfoLine } from './commands/client';
import { BlockingScheduler, registerBlockingCommands } from './blocking';
import { registerPubSubCommands } from './commands/pubsub';
import { registerNotifications } from './notifications';
import { registerTrackingCommands } from './commands/tracking';
import { registerMonitor } from './commands/monitor';
import { registerPauseCommands } from './commands/pause';

export const VERSION = '7.0.15';
export const TACHYON_VERSION: string = require('../package.json').version;

/** Settings the native side reads, pushed at start and on CONFIG SET. */
const NATIVE_SETTINGS = [
  'hz',
  'proto-max-bulk-len',
  'client-query-buffer-limit',
  'active-expire-effort',
  'activerehashing',
  'maxmemory',
  'maxmemory-policy',
  'hash-max-listpack-entries',
  'hash-max-listpack-value',
  'set-max-intset-entries',
  'zset-max-listpack-entries',
  'zset-max-listpack-value',
  'list-max-listpack-size',
  'list-compress-depth',
  'lfu-log-factor',
  'lfu-decay-time',
  'hll-sparse-max-bytes',
] as const;

const ARENA_SIZE = 256 * 1024;

export class TachyonServer {
  readonly native: NativeServer;
  /** Outcome of the last native feed/resume call (see FeedStatus). */
  readonly state = new Int32Array(4);
  /** Reply arena shared with the native side (see NativeServer in native.ts). */
  arena = Buffer.allocUnsafeSlow(ARENA_SIZE);
  readonly clients = new Map<number, Connection>();
  /** Connections by native client slot. */
  readonly bySlot = new Map<number, Connection>();
  readonly commands = new CommandRegistry();
  readonly events = new EventDispatcher(this);
  /** Blocked clients: FIFO per key, timeouts, serving ready keys (src/blocking.ts). */
  readonly blocking = new BlockingScheduler(this);
  readonly runId = crypto.randomBytes(20).toString('hex');
  readonly startedAt = Date.now();
  readonly log: Logger;
  nextClientId = 1;
  lastSave = Math.floor(Date.now() / 1000);
  stats = { connectionsReceived: 0, rejectedConnections: 0 };
  private listeners: net.Server[] = [];
  private cronTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Whether connections are read and written by the addon (TACHYON_NATIVE_IO=0 keeps Node streams). */
  readonly nativeIo = process.env.TACHYON_NATIVE_IO !== '0';
  /** The TCP port actually bound (differs from the config when it is 0). */
  port = 0;

  constructor(readonly config: Config) {
    // Paths are relative to `dir`, as if the server had chdir'ed there like Redis (an embedded
    // server must not change its host's working directory).
    const logfile = config.get('logfile') as string;
    this.log = new Logger({
      level: config.get('loglevel') as 'debug' | 'verbose' | 'notice' | 'warning',
      file: logfile ? config.resolvePath(logfile) : '',
    });
    const { NativeServer } = loadAddon();
    const settings: Record<string, number | boolean | string> = { databases: config.get('databases') as number };
    for (const name of NATIVE_SETTINGS) settings[name] = config.get(name) as number | boolean | string;
    settings.requirepass = this.requirePass();
    settings['notify-keyspace-events'] = config.getNotifyKeyspaceEvents();
    this.native = new NativeServer(settings, this.state, this.arena);
    for (const name of NATIVE_SETTINGS) {
      config.onChange(name, (v) => this.native.configure(name, v as number | boolean | string));
    }
    config.onChange('requirepass', () => this.native.configure('requirepass', this.requirePass()));
    config.onChange('hz', () => this.startCron());
    config.onChange('notify-keyspace-events', () =>
      this.native.configure('notify-keyspace-events', config.getNotifyKeyspaceEvents()),
    );
    config.onChange('maxmemory', (v) => this.warnMaxmemory(Number(v)));
    config.onChange('loglevel', (v) => this.log.setLevel(v as 'debug' | 'verbose' | 'notice' | 'warning'));
    this.warnMaxmemory(config.get('maxmemory') as number);
    registerConnectionCommands(this.commands);
    registerConfigCommands(this.commands);
    registerServerCommands(this.commands);
    registerIntrospectionCommands(this.commands);
    registerBlockingCommands(this.commands);
    registerPubSubCommands(this.commands);
    registerNotifications(this);
    registerTrackingCommands(this.commands);
    registerMonitor(this);
    registerPauseCommands(this.commands);
    this.native.setJsCommands(this.commands.names());
    // EXEC runs queued TypeScript-owned commands through this, synchronously.
    this.native.setJsExecutor((slot, args) => {
      const conn = this.bySlot.get(slot);
      return conn ? this.blocking.runQueued(() => this.commands.run(conn, args)) : Buffer.from('-ERR no such client\r\n');
    });
    this.native.setIoHandler((event, slot, arg) => {
      const conn = this.bySlot.get(slot);
      if (!conn) return;
      if (event === IoEvent.Batch) conn.drain(arg);
      else if (event === IoEvent.Read) conn.onData(arg as Buffer);
      else {
        if (event === IoEvent.OverLimit) {
          this.log.warning(
            `Client ${clientInfoLine(conn)} scheduled to be closed ASAP for overcoming of output buffer limits.`,
          );
        }
        conn.destroy();
      }
    });
    const pushOutputLimits = () => {
      const { normal, pubsub } = config.getClientOutputBufferLimits();
      this.native.setOutputLimits(
        [normal, pubsub].flatMap((l) => [l.hardLimitBytes, l.softLimitBytes, l.softLimitSeconds]),
      );
    };
    pushOutputLimits();
    config.onChange('client-output-buffer-limit', pushOutputLimits);
    attachIntrospection(this);
  }

  /** Eviction is not implemented yet: say so instead of silently ignoring the limit. */
  private warnMaxmemory(bytes: number): void {
    if (bytes > 0) {
      this.log.warning(
        `WARNING: maxmemory is set to ${bytes} bytes, but Tachyon does not evict keys or refuse writes at the limit yet.`,
      );
    }
  }

  requirePass(): boolean {
    return (this.config.get('requirepass') as string) !== '';
  }

  /** Starts listening on every configured address; resolves when all are bound. */
  async listen(): Promise<void> {
    const port = this.config.get('port') as number;
    const binds = (this.config.get('bind') as string).split(/\s+/).filter(Boolean);
    if (port !== 0 || binds.length > 0) {
      let chosen = port;
      for (const spec of binds) {
        const optional = spec.startsWith('-');
        let host = optional ? spec.slice(1) : spec;
        if (host === '*') host = '0.0.0.0';
        if (host === '::*') host = '::';
        try {
          chosen = await this.listenTcp(host, chosen);
        } catch (e) {
          if (!optional) throw e;
        }
      }
      this.port = chosen;
    }
    const unixsocket = this.config.get('unixsocket') as string;
    if (unixsocket) await this.listenUnix(unixsocket);
    this.startCron();
  }

  private listenTcp(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ noDelay: true, pauseOnConnect: true }, (s) => this.accept(s, 'tcp'));
      srv.once('error', (e: NodeJS.ErrnoException) => {
        this.log.warning(`Warning: Could not create server TCP listening socket ${host}:${port}: ${e.message}`);
        reject(e);
      });
      const backlog = this.config.get('tcp-backlog') as number;
      srv.listen({ host, port, backlog, ipv6Only: host.includes(':') }, () => {
        srv.removeAllListeners('error');
        srv.on('error', (e) => this.log.warning(`Listener error: ${e.message}`));
        this.listeners.push(srv);
        resolve((srv.address() as net.AddressInfo).port);
      });
    });
  }

  private listenUnix(path: string): Promise<void> {
    try {
      fs.unlinkSync(path);
    } catch {
      /* not there */
    }
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ pauseOnConnect: true }, (s) => this.accept(s, 'unix'));
      srv.once('error', reject);
      srv.listen(path, () => {
        const perm = this.config.get('unixsocketperm') as number;
        if (perm) fs.chmodSync(path, perm);
        this.listeners.push(srv);
        resolve();
      });
    });
  }

  private accept(socket: net.Socket, kind: 'tcp' | 'unix'): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    // Connections arrive paused so native I/O can take them over before Node reads a byte;
    // one refused below only needs its input discarded until it closes.
    const refuse = (reply: string) => {
      socket.resume();
      socket.end(reply);
    };
    this.stats.connectionsReceived++;
    const keepalive = this.config.get('tcp-keepalive') as number;
    if (kind === 'tcp' && keepalive > 0) socket.setKeepAlive(true, keepalive * 1000);
    if (this.clients.size >= (this.config.get('maxclients') as number)) {
      this.stats.rejectedConnections++;
      refuse('-ERR max number of clients reached\r\n');
      return;
    }
    if (kind === 'tcp' && this.config.get('protected-mode') && !this.requirePass() && !isLoopback(socket.remoteAddress)) {
      this.stats.rejectedConnections++;
      refuse(
        '-DENIED Running in protected mode: protected mode is enabled and no password is set, so connections are ' +
          'accepted only from the loopback interface. To accept other hosts set a password (requirepass), or turn ' +
          "protected mode off with 'CONFIG SET protected-mode no' from the loopback interface (and CONFIG REWRITE to " +
          "keep it), or restart with '--protected-mode no'. Make sure the server is not reachable from the internet if you do.\r\n",
      );
      this.log.warning(`Possible SECURITY ATTACK detected: connection from ${socket.remoteAddress} refused in protected mode.`);
      return;
    }
    const conn = new Connection(this, socket, kind);
    this.clients.set(conn.id, conn);
  }

  private startCron(): void {
    if (this.cronTimer) clearInterval(this.cronTimer);
    if (this.closed) return;
    const hz = Math.min(500, Math.max(1, this.config.get('hz') as number));
    let ticks = 0;
    this.cronTimer = setInterval(() => {
      this.native.cron();
      this.events.pump(); // expired-key notifications from active expiry
      // Once a second, like Redis's clientsCron: close idle clients past `timeout`.
      if (++ticks % hz === 0) this.closeIdleClients();
    }, Math.floor(1000 / hz));
    this.cronTimer.unref();
  }

  private closeIdleClients(): void {
    const timeout = this.config.get('timeout') as number;
    if (timeout <= 0) return;
    const now = Date.now();
    for (const c of this.clients.values()) {
      // Like Redis, blocked and subscribed clients are never idle-timed-out.
      if (this.blocking.isBlocked(c) || isPubSubClient(c)) continue;
      if (now - c.lastInteraction > timeout * 1000) {
        this.log.verbose('Closing idle client');
        c.destroy();
      }
    }
  }

  /** Stops listening, closes every client and frees the keyspace. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.cronTimer) clearInterval(this.cronTimer);
    this.blocking.close();
    const listeners = this.listeners;
    this.listeners = [];
    for (const c of [...this.clients.values()]) c.destroy();
    await Promise.all(listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
    const unixsocket = this.config.get('unixsocket') as string;
    if (unixsocket) {
      try {
        fs.unlinkSync(unixsocket);
      } catch {
        /* already gone */
      }
    }
  }

  /**
   * Called after a socket write of arena bytes that did not complete at once:
   * the pending write still references the arena, so the native side gets a new one.
   */
  replaceArena(): void {
    this.arena = Buffer.allocUnsafeSlow(ARENA_SIZE);
    this.native.setArena(this.arena);
  }

  /** Clears INFO statistics (CONFIG RESETSTAT). */
  resetStats(): void {
    this.native.resetStats();
    this.stats = { connectionsReceived: 0, rejectedConnections: 0 };
    resetIntrospectionStats(this);
  }

  /** Called by SHUTDOWN and on SIGTERM/SIGINT: closes everything, then runs the shutdown hook. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    await this.close();
    this.log.warning('Tachyon is now ready to exit, bye bye...');
    this.onShutdown?.();
  }

  /** Set by the CLI to exit the process; embedders may set their own. */
  onShutdown: (() => void) | undefined;

  /** Whether close() has been called. */
  get isClosed(): boolean {
    return this.closed;
  }

  hostname(): string {
    return os.hostname();
  }
}

/** True for loopback peers (and unknown ones, as for unix sockets). */
export function isLoopback(addr: string | undefined): boolean {
  if (!addr) return true;
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}
