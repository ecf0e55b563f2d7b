/**
 * The server, and the composition root of the TypeScript side: it builds the
 * context (src/context.ts) and every feature, wires them to each other, to
 * the addon and to the configuration, and owns the listeners and the
 * periodic work (active expiry, rehashing, idle timeouts). Every piece of
 * server state is a field below, with the class that owns it.
 *
 * A feature is one class that owns its state, takes the context and the
 * features it uses in its constructor, registers its commands with
 * register(), subscribes to the native events it handles, and registers a
 * release hook on the connections that use it (Connection.onRelease).
 * Persistence (src/persistence/: RDB snapshots, loading, the AOF) is one of
 * them. Features still to come take the same shape and are built here:
 *
 *   - replication (src/replication/);
 *   - ACL users (src/acl/).
 *
 * Every write reaches the AOF (and later the replicas) through one
 * propagation path, as Redis's propagate(): native/server/propagate.{h,cc},
 * fed by the dispatcher after each write command (Server::Call in
 * native/server/server.cc), queues the command (or its rewritten,
 * deterministic form) for the AOF, which the persistence feature drives.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { ClientCommands } from './commands/client';
import { registerCommandCommands } from './commands/command';
import { registerConfigCommands } from './commands/config';
import { registerConnectionCommands } from './commands/connection';
import { Info } from './commands/info';
import { CommandRegistry } from './commands/registry';
import { registerServerCommands } from './commands/server';
import { requirePassSet, type Config } from './config/config';
import type { ServerContext, ServerStatus } from './context';
import { EventDispatcher } from './events';
import { BlockingScheduler } from './features/blocking';
import { Monitor } from './features/monitor';
import { KeyspaceNotifications } from './features/notifications';
import { Scripting } from './features/scripting';
import { Pause } from './features/pause';
import { PubSub } from './features/pubsub';
import { Tracking } from './features/tracking';
import { Persistence, type ShutdownFlags } from './persistence/persistence';
import { Replication } from './replication/replication';
import { Logger } from './log';
import { IoEvent } from './boundary.gen';
import { SharedState, loadAddon, type NativeServer } from './native';
import { isLoopback } from './network/address';
import { ClientTable } from './network/clients';
import { Connection, type ConnectionServices } from './network/connection';
import { OutOfBand } from './network/out-of-band';


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
  'busy-reply-threshold',
  'lfu-log-factor',
  'lfu-decay-time',
  'stream-node-max-bytes',
  'stream-node-max-entries',
  'hll-sparse-max-bytes',
  'rdbcompression',
  'rdbchecksum',
  'lazyfree-lazy-expire',
  'lazyfree-lazy-server-del',
] as const;

export class TachyonServer implements ServerStatus {
  /** What commands and features see (native, shared memory, config, log, clients, events). */
  readonly ctx: ServerContext;
  /** Outcome slots and reply arena shared with the addon. */
  private readonly shared = new SharedState();
  readonly log: Logger;
  /** Live connections by id and native slot. */
  readonly clients = new ClientTable();
  /** The commands TypeScript owns. */
  private readonly commands: CommandRegistry;
  /** Bytes outside the request/reply flow (MONITOR lines, invalidations). */
  private readonly oob: OutOfBand;

  // Features, each owning its state.
  readonly monitor: Monitor;
  readonly pubsub: PubSub;
  readonly tracking: Tracking;
  readonly pause: Pause;
  /** Blocked clients: FIFO per key, timeouts, serving ready keys. */
  readonly blocking: BlockingScheduler;
  readonly notifications: KeyspaceNotifications;
  readonly scripting: Scripting;
  /** RDB, AOF, loading, what SHUTDOWN writes. */
  readonly persistence: Persistence;
  /** Both roles of replication: replicas fed from the backlog, the link to our master. */
  readonly replication: Replication;
  private readonly clientCommands: ClientCommands;
  private readonly info: Info;

  // ServerStatus: what INFO and LASTSAVE report.
  readonly runId = crypto.randomBytes(20).toString('hex');
  readonly startedAt = Date.now();
  connectionsReceived = 0;
  rejectedConnections = 0;
  /** The TCP port actually bound (differs from the config when it is 0). */
  port = 0;

  private readonly services: ConnectionServices;
  private listeners: net.Server[] = [];
  private cronTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(readonly config: Config) {
    // Paths are relative to `dir`, as if the server had chdir'ed there like Redis (an embedded
    // server must not change its host's working directory).
    const logfile = config.get('logfile');
    this.log = new Logger({ level: config.get('loglevel'), file: logfile ? config.resolvePath(logfile) : '' });
    const native = this.openNative();
    const shared = this.shared;
    const events = new EventDispatcher(native, shared);
    const ctx: ServerContext = { native, shared, config, log: this.log, clients: this.clients, events };
    this.ctx = ctx;

    this.commands = new CommandRegistry(ctx);
    this.oob = new OutOfBand(events);
    this.monitor = new Monitor(ctx, this.oob);
    this.pubsub = new PubSub(ctx);
    this.tracking = new Tracking(ctx, this.monitor, this.pubsub, this.oob);
    this.pause = new Pause(ctx, this.monitor);
    this.blocking = new BlockingScheduler(ctx);
    this.notifications = new KeyspaceNotifications(ctx, this.pubsub);
    this.scripting = new Scripting(ctx, () => void this.beginShutdown({ nosave: true }));
    this.persistence = new Persistence(ctx, this.commands);
    this.replication = new Replication(ctx, this.persistence, {
      masterClient: (socket) => new Connection({ ...this.services, nativeIo: false }, socket, 'tcp'),
      port: () => this.port,
    });
    this.clientCommands = new ClientCommands(ctx, this);
    this.info = new Info(ctx, this, this);
    this.services = {
      ctx,
      commands: this.commands,
      blocking: this.blocking,
      pause: this.pause,
      nativeIo: process.env.TACHYON_NATIVE_IO !== '0',
    };

    const r = this.commands;
    registerConnectionCommands(r, this);
    registerConfigCommands(r, { resetStats: () => this.resetStats(), loading: () => this.persistence.loading });
    registerServerCommands(r, { status: this, shutdown: (flags) => this.beginShutdown(flags) });
    registerCommandCommands(r);
    this.info.register(r);
    this.clientCommands.register(r);
    this.blocking.register(r);
    this.pubsub.register(r);
    this.tracking.register(r);
    this.monitor.register(r);
    this.pause.register(r);
    this.persistence.register(r);
    this.replication.register(r);
    r.observe((call) => this.monitor.observeCall(call));
    native.setJsCommands(r.names());
    this.wireNative(native);
    this.wireConfig(native);
  }

  private openNative(): NativeServer {
    const { config } = this;
    const { NativeServer } = loadAddon();
    const settings: Record<string, number | boolean | string> = { databases: config.get('databases') };
    for (const name of NATIVE_SETTINGS) settings[name] = config.get(name);
    settings.requirepass = requirePassSet(config);
    settings['notify-keyspace-events'] = config.getNotifyKeyspaceEvents();
    return new NativeServer(settings, this.shared.slots, this.shared.arena);
  }

  /** The addon's callbacks: EXEC running queued TypeScript commands, and native socket I/O. */
  private wireNative(native: NativeServer): void {
    // EXEC runs queued TypeScript-owned commands through this, synchronously.
    native.setJsExecutor((slot, args) => {
      const conn = this.clients.atSlot(slot);
      return conn ? this.commands.runQueued(conn, args) : Buffer.from('-ERR no such client\r\n');
    });
    native.setIoHandler((event, slot, arg) => {
      if (event === IoEvent.Adopt) return this.adopt(slot, arg as number);
      const conn = this.clients.atSlot(slot);
      if (!conn) return;
      if (event === IoEvent.Batch) conn.drain(arg as Buffer | undefined);
      else if (event === IoEvent.Read) conn.onData(arg as Buffer);
      else {
        if (event === IoEvent.OverLimit) {
          this.log.warning(
            `Client ${this.clientCommands.infoLine(conn)} scheduled to be closed ASAP for overcoming of output buffer limits.`,
          );
        }
        conn.destroy();
      }
    });
  }

  /** Settings pushed to the addon (and the log, the cron) at start and on CONFIG SET. */
  private wireConfig(native: NativeServer): void {
    const { config } = this;
    for (const name of NATIVE_SETTINGS) {
      config.onChange(name, (v) => native.configure(name, v as number | boolean | string));
    }
    config.onChange('requirepass', () => native.configure('requirepass', requirePassSet(config)));
    config.onChange('hz', () => this.startCron());
    config.onChange('notify-keyspace-events', () =>
      native.configure('notify-keyspace-events', config.getNotifyKeyspaceEvents()),
    );
    config.onChange('maxmemory', (v) => this.warnMaxmemory(Number(v)));
    config.onChange('loglevel', () => this.log.setLevel(config.get('loglevel')));
    this.warnMaxmemory(config.get('maxmemory'));
    const pushOutputLimits = () => {
      const { normal, pubsub, replica } = config.getClientOutputBufferLimits();
      native.setOutputLimits(
        [normal, pubsub, replica].flatMap((l) => [l.hardLimitBytes, l.softLimitBytes, l.softLimitSeconds]),
      );
    };
    pushOutputLimits();
    config.onChange('client-output-buffer-limit', pushOutputLimits);
  }

  /** Eviction is not implemented yet: say so instead of silently ignoring the limit. */
  private warnMaxmemory(bytes: number): void {
    if (bytes > 0) {
      this.log.warning(
        `WARNING: maxmemory is set to ${bytes} bytes, but Tachyon does not evict keys or refuse writes at the limit yet.`,
      );
    }
  }

  /** Starts listening on every configured address; resolves when all are bound. */
  async listen(): Promise<void> {
    const port = this.config.get('port');
    const binds = this.config.get('bind').split(/\s+/).filter(Boolean);
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
    const unixsocket = this.config.get('unixsocket');
    if (unixsocket) await this.listenUnix(unixsocket);
    this.ctx.native.setListeners(this.listeners.map(listenerFd).filter((fd) => fd >= 0));
    this.startCron();
  }

  private listenTcp(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ noDelay: true, pauseOnConnect: true }, (s) => this.accept(s, 'tcp'));
      srv.once('error', (e: NodeJS.ErrnoException) => {
        this.log.warning(`Warning: Could not create server TCP listening socket ${host}:${port}: ${e.message}`);
        reject(e);
      });
      const backlog = this.config.get('tcp-backlog');
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
        const perm = this.config.get('unixsocketperm');
        if (perm) fs.chmodSync(path, perm);
        this.listeners.push(srv);
        resolve();
      });
    });
  }

  /**
   * A connection the native side accepted while a script was past
   * busy-reply-threshold (so that SCRIPT KILL from a new connection gets
   * through): it already has a client slot; Node's socket takes the fd over.
   */
  private adopt(slot: number, fd: number): void {
    const { native } = this.ctx;
    let socket: net.Socket | undefined;
    try {
      socket = new net.Socket({ fd, readable: true, writable: true, pauseOnCreate: true } as net.SocketConstructorOpts);
    } catch {
      socket = undefined;
    }
    if (!socket || this.closed) {
      native.detach(slot);
      native.freeClient(slot);
      socket?.destroy();
      return;
    }
    this.connectionsReceived++;
    const kind = socket.remoteAddress === undefined ? 'unix' : 'tcp';
    new Connection(this.services, socket, kind, slot);
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
    this.connectionsReceived++;
    const keepalive = this.config.get('tcp-keepalive');
    if (kind === 'tcp' && keepalive > 0) socket.setKeepAlive(true, keepalive * 1000);
    if (this.clients.size >= this.config.get('maxclients')) {
      this.rejectedConnections++;
      refuse('-ERR max number of clients reached\r\n');
      return;
    }
    if (
      kind === 'tcp' &&
      this.config.get('protected-mode') &&
      !requirePassSet(this.config) &&
      !isLoopback(socket.remoteAddress)
    ) {
      this.rejectedConnections++;
      refuse(
        '-DENIED Running in protected mode: protected mode is enabled and no password is set, so connections are ' +
          'accepted only from the loopback interface. To accept other hosts set a password (requirepass), or turn ' +
          "protected mode off with 'CONFIG SET protected-mode no' from the loopback interface (and CONFIG REWRITE to " +
          "keep it), or restart with '--protected-mode no'. Make sure the server is not reachable from the internet if you do.\r\n",
      );
      this.log.warning(`Possible SECURITY ATTACK detected: connection from ${socket.remoteAddress} refused in protected mode.`);
      return;
    }
    new Connection(this.services, socket, kind);
  }

  private startCron(): void {
    if (this.cronTimer) clearInterval(this.cronTimer);
    if (this.closed) return;
    const hz = Math.min(500, Math.max(1, this.config.get('hz')));
    let ticks = 0;
    this.cronTimer = setInterval(() => {
      this.ctx.native.cron();
      this.persistence.cron();
      this.ctx.events.pump(); // expired-key notifications from active expiry
      // Once a second, like Redis's clientsCron: close idle clients past `timeout`.
      if (++ticks % hz === 0) this.closeIdleClients();
    }, Math.floor(1000 / hz));
    this.cronTimer.unref();
  }

  private closeIdleClients(): void {
    const timeout = this.config.get('timeout');
    if (timeout <= 0) return;
    const now = Date.now();
    for (const c of this.clients.values()) {
      // Like Redis, blocked and subscribed clients are never idle-timed-out.
      if (this.blocking.isBlocked(c) || this.pubsub.isPubSubClient(c) || this.replication.clientType(c)) continue;
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
    this.persistence.close();
    this.replication.close();
    this.blocking.close();
    this.info.stop();
    const listeners = this.listeners;
    this.listeners = [];
    this.ctx.native.setListeners([]);
    for (const c of [...this.clients.values()]) c.destroy();
    await Promise.all(listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
    const unixsocket = this.config.get('unixsocket');
    if (unixsocket) {
      try {
        fs.unlinkSync(unixsocket);
      } catch {
        /* already gone */
      }
    }
  }

  /** Clears INFO statistics (CONFIG RESETSTAT). */
  resetStats(): void {
    this.ctx.native.resetStats();
    this.connectionsReceived = 0;
    this.rejectedConnections = 0;
    this.info.resetStats();
  }

  /** Unix seconds of the last successful save (ServerStatus, for INFO and LASTSAVE). */
  get lastSave(): number {
    return this.persistence.lastSave;
  }

  /** Loads the dataset from disk (RDB or AOF); clients get -LOADING meanwhile. */
  async loadData(): Promise<void> {
    await this.persistence.start();
    this.replication.start(); // replicaof from the configuration
  }

  /**
   * SHUTDOWN and SIGTERM/SIGINT: writes what must be written (final
   * snapshot, AOF fsync), then closes everything and runs the shutdown hook.
   * Returns false, changing nothing, when that writing failed (Redis keeps
   * running then unless FORCE).
   */
  beginShutdown(flags: ShutdownFlags = {}): boolean {
    if (this.closed) return true;
    this.log.warning('User requested shutdown...');
    if (!this.persistence.prepareShutdown(flags)) {
      this.log.warning('Errors trying to shut down the server. Check the logs for more information.');
      return false;
    }
    void this.close().then(() => {
      this.log.warning('Tachyon is now ready to exit, bye bye...');
      this.onShutdown?.();
    });
    return true;
  }

  /** Set by the CLI to exit the process; embedders may set their own. */
  onShutdown: (() => void) | undefined;

  /** Whether close() has been called. */
  get isClosed(): boolean {
    return this.closed;
  }
}

/** The fd of a listening net.Server (-1 if it has none). */
function listenerFd(srv: net.Server): number {
  const handle = (srv as unknown as { _handle?: { fd?: number } | null })._handle;
  return typeof handle?.fd === 'number' ? handle.fd : -1;
}
