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
import * as os from 'node:os';
import * as util from 'node:util';
import { Acl } from './acl/acl';
import { ClientCommands } from './commands/client';
import { registerCommandCommands } from './commands/command';
import { registerConfigCommands } from './commands/config';
import { registerConnectionCommands } from './commands/connection';
import { registerDebugCommands } from './commands/debug';
import { Info } from './commands/info';
import { CommandRegistry } from './commands/registry';
import { registerServerCommands } from './commands/server';
import { registerClusterCommands } from './commands/cluster';
import { Migrate } from './commands/migrate';
import { ConfigError, requirePassSet, type Config } from './config/config';
import { strerror } from './config/options';
import { formatFatalConfigError } from './config/parse';
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
import { Failover } from './replication/failover';
import { Replication } from './replication/replication';
import { ShutdownWait } from './replication/shutdown';
import { LoggedError, Logger } from './log';
import { IoEvent } from './boundary.gen';
import { SharedState, loadAddon, type NativeServer } from './native';
import { TACHYON_VERSION } from './version';
import { isLoopback } from './network/address';
import { ClientTable } from './network/clients';
import { Connection, type ConnectionServices } from './network/connection';
import { OutOfBand } from './network/out-of-band';
import { Tls } from './tls/tls';


/** Settings the native side reads, pushed at start and on CONFIG SET. */
const NATIVE_SETTINGS = [
  'hz',
  'proto-max-bulk-len',
  'client-query-buffer-limit',
  'active-expire-effort',
  'activerehashing',
  'maxmemory',
  'maxmemory-policy',
  'maxmemory-samples',
  'maxmemory-eviction-tenacity',
  'maxmemory-clients',
  'lazyfree-lazy-eviction',
  'lazyfree-lazy-expire',
  'lazyfree-lazy-server-del',
  'lazyfree-lazy-user-del',
  'lazyfree-lazy-user-flush',
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
  'slowlog-log-slower-than',
  'slowlog-max-len',
  'latency-monitor-threshold',
  'latency-tracking',
  'enable-debug-command',
  'enable-module-command',
  'appendfsync',
  'crash-log-enabled',
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
  /** FAILOVER, coordinated with a replica. */
  readonly failover: Failover;
  /** SHUTDOWN's wait for lagging replicas. */
  readonly shutdownWait: ShutdownWait;
  /** ACL users, AUTH, ACL LOG (enforcement is native). */
  readonly acl: Acl;
  /** The TLS context of tls-port connections. */
  readonly tls: Tls;
  private readonly clientCommands: ClientCommands;
  private readonly info: Info;
  private readonly migrate: Migrate;

  // ServerStatus: what INFO and LASTSAVE report.
  readonly runId = crypto.randomBytes(20).toString('hex');
  readonly startedAt = Date.now();
  connectionsReceived = 0;
  rejectedConnections = 0;
  evictedClients = 0;
  /** The TCP port actually bound (differs from the config when it is 0). */
  port = 0;

  private readonly services: ConnectionServices;
  private listeners: net.Server[] = [];
  private tlsListeners: net.Server[] = [];
  /** The TLS port actually bound (0: none). */
  tlsPort = 0;
  private cronTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(readonly config: Config) {
    // Paths are relative to `dir`, as if the server had chdir'ed there like Redis (an embedded
    // server must not change its host's working directory).
    const logfile = config.get('logfile');
    // Lines read S (Redis's role char) from the start when replicaof is configured.
    const role = config.getReplicaOf().host ? 'S' : 'M';
    this.log = new Logger({ level: config.get('loglevel'), file: logfile ? config.resolvePath(logfile) : '', role });
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
      masterClient: (socket) => new Connection(this.services, socket, 'tcp'),
      port: () => this.port,
      disconnectBlocked: (error) => this.blocking.disconnectAll(error),
    });
    this.blocking.addOtherBlocks(this.replication.waitBlocks);
    this.failover = new Failover(ctx, this.replication, this.pause);
    this.migrate = new Migrate(ctx, this.pause, () => this.replication.isReplica);
    this.shutdownWait = new ShutdownWait(ctx, this.replication, this.pause, (flags) => this.finishShutdown(flags));
    this.clientCommands = new ClientCommands(ctx, this);
    this.acl = new Acl(ctx, { pubsub: this.pubsub, clientInfo: (conn) => this.clientCommands.infoLine(conn) });
    this.info = new Info(ctx, this, this);
    this.services = {
      ctx,
      commands: this.commands,
      blocking: this.blocking,
      pause: this.pause,
      nativeIo: process.env.TACHYON_NATIVE_IO !== '0',
      authRequired: () => this.acl.authRequired(),
    };
    this.tls = new Tls(ctx, this.services.nativeIo);
    if (this.tls.enabled() && !this.tls.configure()) {
      this.log.warning('Failed to configure TLS. Check logs for more info.');
      throw new LoggedError('Failed to configure TLS. Check logs for more info.');
    }

    const r = this.commands;
    registerConnectionCommands(r, this);
    registerConfigCommands(r, { resetStats: () => this.resetStats(), loading: () => this.persistence.loading });
    registerServerCommands(r, {
      status: this,
      shutdown: (flags, conn) => this.beginShutdown(flags, conn),
      abortShutdown: () => this.shutdownWait.abort(),
    });
    registerCommandCommands(r);
    registerClusterCommands(r);
    this.migrate.register(r);
    this.info.register(r);
    this.clientCommands.register(r);
    registerDebugCommands(r, { info: this.info, clients: this.clientCommands, restart: (g, d) => this.restart(g, d) });
    this.blocking.register(r);
    this.pubsub.register(r);
    this.tracking.register(r);
    this.monitor.register(r);
    this.pause.register(r);
    this.persistence.register(r);
    this.replication.register(r);
    this.failover.register(r);
    this.acl.register(r);
    r.observe((call) => this.monitor.observeCall(call));
    native.setJsCommands(r.names());
    this.renameCommands();
    this.acl.loadAtStartup();
    this.wireNative(native);
    this.wireConfig(native);
  }

  private openNative(): NativeServer {
    const { config } = this;
    const { NativeServer } = loadAddon();
    const settings: Record<string, number | boolean | string> = { databases: config.get('databases') };
    for (const name of NATIVE_SETTINGS) settings[name] = nativeValue(name, config.get(name));
    settings.requirepass = requirePassSet(config);
    settings['notify-keyspace-events'] = config.getNotifyKeyspaceEvents();
    settings['tachyon-version'] = TACHYON_VERSION;
    const logfile = config.get('logfile');
    settings.logfile = logfile ? config.resolvePath(logfile) : '';
    return new NativeServer(settings, this.shared.slots, this.shared.arena);
  }

  /** rename-command lines: the addon's table and the TypeScript handlers both know the new names. */
  private renameCommands(): void {
    for (const d of this.config.renameDirectives) {
      const [from, to] = d.args;
      const err = this.ctx.native.renameCommand(from, to);
      if (err) throw new ConfigError(formatFatalConfigError(err, d.lineNumber, d.line));
      this.commands.rename(from.toLowerCase(), to.toLowerCase());
    }
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
      if (event === IoEvent.Events) return this.ctx.events.pump();
      if (event === IoEvent.Evicted) {
        const conn = this.clients.atSlot(slot);
        if (!conn) return;
        this.log.notice(`Evicting client: ${this.clientCommands.infoLine(conn)}`);
        this.evictedClients++;
        return conn.destroy();
      }
      const conn = this.clients.atSlot(slot);
      if (!conn) return;
      if (event === IoEvent.Batch) conn.drain(arg as Buffer | undefined);
      else if (event === IoEvent.Read) conn.onData(arg as Buffer);
      else {
        if (Array.isArray(arg)) {
          // A TLS connection failed: in the handshake (a bad certificate...) or later.
          const [error, inHandshake] = arg;
          if (inHandshake) this.log.warning(`Error accepting a client connection: ${error}`);
          else this.log.verbose(`Reading from client: ${error}`);
        }
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
      config.onChange(name, (v) => native.configure(name, nativeValue(name, v)));
    }
    config.onChange('hz', () => this.startCron());
    config.onChange('tls-port', (v) => this.changeTlsPort(v as number));
    config.onChange('port', (v) => this.changeTcpListeners(v as number, config.get('bind'), config.get('bind')));
    config.onChange('bind', (v, prev) => this.changeTcpListeners(this.port, v as string, prev as string) ?? this.rebindTls());
    config.onChange('notify-keyspace-events', () =>
      native.configure('notify-keyspace-events', config.getNotifyKeyspaceEvents()),
    );
    config.onChange('maxmemory', (v) => this.warnMaxmemory(Number(v)));
    config.onChange('loglevel', () => this.log.setLevel(config.get('loglevel')));
    const maxmemory = Number(config.get('maxmemory'));
    if (maxmemory > 0 && maxmemory < 1024 * 1024) {
      this.log.warning(
        `WARNING: You specified a maxmemory value that is less than 1MB (current value is ${maxmemory} bytes). Are you sure this is what you really want?`,
      );
    }
    const pushOutputLimits = () => {
      const { normal, pubsub, replica } = config.getClientOutputBufferLimits();
      native.setOutputLimits(
        [normal, pubsub, replica].flatMap((l) => [l.hardLimitBytes, l.softLimitBytes, l.softLimitSeconds]),
      );
    };
    pushOutputLimits();
    config.onChange('client-output-buffer-limit', pushOutputLimits);
  }

  /** CONFIG SET maxmemory below the memory in use: Redis's warning (the eviction starts natively). */
  private warnMaxmemory(bytes: number): void {
    const used = this.ctx.native.info().used_memory;
    if (bytes > 0 && bytes < used) {
      this.log.warning(
        `WARNING: the new maxmemory value set via CONFIG SET (${bytes}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`,
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
    await this.listenTls(this.config.get('tls-port') as number);
    const unixsocket = this.config.get('unixsocket');
    if (unixsocket) await this.listenUnix(unixsocket);
    this.ctx.native.setListeners(this.listeners.map(listenerFd).filter((fd) => fd >= 0));
    this.writePidFile();
    this.startCron();
  }

  /** tls-port on every bind address (0: none). */
  private async listenTls(port: number): Promise<void> {
    this.tlsPort = 0;
    if (port === 0) return;
    let chosen = port;
    for (const spec of this.config.get('bind').split(/\s+/).filter(Boolean)) {
      const optional = spec.startsWith('-');
      let host = optional ? spec.slice(1) : spec;
      if (host === '*') host = '0.0.0.0';
      if (host === '::*') host = '::';
      try {
        chosen = await this.listenTcp(host, chosen, true);
      } catch (e) {
        if (!optional) throw e;
      }
    }
    this.tlsPort = chosen;
  }

  /**
   * CONFIG SET port / bind, as Redis's changeListenPort / changeBindAddr:
   * the TCP listeners close, the new ones are bound before the reply (an
   * address that is optional ("-" prefix) and not available is skipped);
   * when one cannot be bound, the port in use and the old addresses are bound
   * again and the error is Redis's.
   */
  private changeTcpListeners(port: number, bind: string, oldBind: string): string | undefined {
    const oldPort = this.port; // the port listened on (an embedded server given port 0 has one chosen)
    const tcp = (srv: net.Server) => typeof srv.address() !== 'string'; // not the unix socket
    for (const srv of this.listeners.filter(tcp)) srv.close();
    this.listeners = this.listeners.filter((srv) => !tcp(srv));
    const fds = this.bindTcp(port, bind);
    if (fds === null) {
      this.adoptTcp(this.bindTcp(oldPort, oldBind) ?? [], oldPort);
      return port !== oldPort ? 'Unable to listen on this port. Check server logs.' : 'Failed to bind to specified addresses.';
    }
    this.adoptTcp(fds, port);
    return undefined;
  }

  /** Binds port on every address of `bind` now; null (nothing left open) when a required one fails. */
  private bindTcp(port: number, bind: string): number[] | null {
    const fds: number[] = [];
    if (port === 0) return fds;
    const { openTcpListener } = loadAddon();
    const backlog = this.config.get('tcp-backlog') as number;
    for (const spec of bind.split(/\s+/).filter(Boolean)) {
      const optional = spec.startsWith('-');
      const addr = optional ? spec.slice(1) : spec;
      const host = addr === '*' ? '0.0.0.0' : addr === '::*' ? '::' : addr;
      const fd = openTcpListener(host, port, backlog);
      if (fd >= 0) {
        fds.push(fd);
        continue;
      }
      const code = os.constants.errno;
      this.log.warning(`Warning: Could not create server TCP listening socket ${addr}:${port}: bind: ${strerror({ code: util.getSystemErrorName(fd) })}`);
      if ((-fd === code.EADDRNOTAVAIL && optional) || [code.EAFNOSUPPORT, code.EPROTONOSUPPORT, code.ENOPROTOOPT].includes(-fd)) continue;
      for (const f of fds) fs.closeSync(f);
      return null;
    }
    return fds;
  }

  /** Serves bound TCP listening sockets (bindTcp) as the listeners. */
  private adoptTcp(fds: number[], port: number): void {
    for (const fd of fds) {
      const srv = net.createServer({ noDelay: true, pauseOnConnect: true }, (s) => this.accept(s, 'tcp', 'no'));
      srv.on('error', (e) => this.log.warning(`Listener error: ${e.message}`));
      srv.listen({ fd });
      this.listeners.push(srv);
    }
    this.port = port;
    this.ctx.native.setListeners(this.listeners.map(listenerFd).filter((fd) => fd >= 0));
  }

  /** CONFIG SET bind moves the TLS listeners too (Redis's changeBindAddr). */
  private rebindTls(): string | undefined {
    const tlsPort = this.config.get('tls-port') as number;
    return tlsPort === 0 ? undefined : this.changeTlsPort(tlsPort);
  }

  /** CONFIG SET tls-port: the TLS listeners move (the context is built first if it was not). */
  private changeTlsPort(port: number): string | undefined {
    if (port !== 0 && !this.tls.configure()) return 'Unable to update TLS configuration. Check server logs.';
    const old = this.tlsListeners;
    this.tlsListeners = [];
    for (const l of old) l.close();
    this.listenTls(port).catch((e: Error) => this.log.warning(`Unable to listen on TLS port ${port}: ${e.message}`));
    return undefined;
  }

  /** Where the pid file goes: pidfile, or Redis's default when daemonized; '' for none. */
  private pidFilePath(): string {
    const pidfile = this.config.get('pidfile') || (this.config.get('daemonize') ? '/var/run/redis.pid' : '');
    return pidfile ? this.config.resolvePath(pidfile) : '';
  }

  /** Redis's createPidFile(): best effort, a warning when it cannot be written. */
  private writePidFile(): void {
    const file = this.pidFilePath();
    if (!file) return;
    try {
      fs.writeFileSync(file, `${process.pid}\n`);
    } catch (e) {
      this.log.warning(`Failed to write PID file: ${strerror(e)}`);
    }
    // A crash of a daemonized server removes it too.
    if (this.config.get('daemonize')) this.ctx.native.configure('crash-pidfile', file);
  }

  private removePidFile(): void {
    const file = this.pidFilePath();
    if (!file) return;
    this.log.notice('Removing the pid file.');
    try {
      fs.unlinkSync(file);
    } catch {
      /* already gone */
    }
  }

  /** Set by tachyon-server: DEBUG RESTART may re-execute the process (never an embedding host). */
  restartable = false;

  /** DEBUG RESTART (graceful) and DEBUG CRASH-AND-RECOVER; returns why it could not. */
  restart(graceful: boolean, delayMs: number): string {
    if (!this.restartable) return "Can't restart: Tachyon is embedded in another process";
    if (graceful && this.config.configFile) {
      try {
        this.config.rewrite();
      } catch (e) {
        return `Can't restart: configuration rewrite process failed: ${(e as Error).message}`;
      }
    }
    if (graceful) this.removePidFile();
    return this.ctx.native.reexec(delayMs);
  }

  private listenTcp(host: string, port: number, tls = false): Promise<number> {
    return new Promise((resolve, reject) => {
      // TLS: raw sockets for the addon to decrypt, or Node's tls.Server when it cannot.
      const srv =
        tls && !this.tls.nativeTls
          ? this.tls.createServer((s) => this.accept(s, 'tcp', 'node'))
          : net.createServer({ noDelay: true, pauseOnConnect: true }, (s) => this.accept(s, 'tcp', tls ? 'native' : 'no'));
      srv.once('error', (e: NodeJS.ErrnoException) => {
        this.log.warning(`Warning: Could not create server TCP listening socket ${host}:${port}: ${e.message}`);
        reject(e);
      });
      const backlog = this.config.get('tcp-backlog');
      srv.listen({ host, port, backlog, ipv6Only: host.includes(':') }, () => {
        srv.removeAllListeners('error');
        srv.on('error', (e) => this.log.warning(`Listener error: ${e.message}`));
        (tls ? this.tlsListeners : this.listeners).push(srv);
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

  /** `tls`: plain, TLS for the addon to decrypt, or a TLS socket Node already decrypts. */
  private accept(socket: net.Socket, kind: 'tcp' | 'unix', tls: 'no' | 'native' | 'node' = 'no'): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    // Connections arrive paused so native I/O can take them over before Node reads a byte;
    // one refused below only needs its input discarded until it closes (a TLS one is just closed).
    const refuse = (reply: string) => {
      if (tls !== 'no') return void socket.destroy();
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
    // Protected mode: without a password for the default user, only local clients get in.
    if (kind === 'tcp' && this.config.get('protected-mode') && this.acl.defaultUserNoPass() && !isLoopback(socket.remoteAddress)) {
      this.rejectedConnections++;
      refuse(`-${PROTECTED_MODE_DENIED}\r\n`);
      return;
    }
    new Connection(this.services, socket, kind, undefined, tls === 'native');
  }

  private startCron(): void {
    if (this.cronTimer) clearInterval(this.cronTimer);
    if (this.closed) return;
    const hz = Math.min(500, Math.max(1, this.config.get('hz')));
    let ticks = 0;
    this.cronTimer = setInterval(() => {
      // DEBUG PAUSE-CRON stops all periodic work.
      if (!this.ctx.native.cron()) return;
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
    this.failover.close();
    this.shutdownWait.close();
    this.blocking.close();
    this.info.stop();
    this.migrate.close();
    const listeners = [...this.listeners, ...this.tlsListeners];
    this.listeners = [];
    this.tlsListeners = [];
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
    this.removePidFile();
  }

  /** Clears INFO statistics (CONFIG RESETSTAT). */
  resetStats(): void {
    this.ctx.native.resetStats();
    this.clients.streamWrites = 0;
    this.connectionsReceived = 0;
    this.rejectedConnections = 0;
    this.evictedClients = 0;
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
   * SHUTDOWN and SIGTERM/SIGINT: waits for lagging replicas (shutdown.ts),
   * then writes what must be written (final snapshot, AOF fsync), closes
   * everything and runs the shutdown hook. 'failed' when that writing
   * failed (Redis keeps running then unless FORCE); 'waiting' while the
   * replicas are waited for (`conn` gets its reply later, if any).
   */
  beginShutdown(flags: ShutdownFlags = {}, conn?: Connection): 'done' | 'failed' | 'waiting' {
    if (this.closed) return 'done';
    return this.shutdownWait.begin(flags, conn);
  }

  /** finishShutdown's writing and closing: false, changing nothing, when a save failed. */
  private finishShutdown(flags: ShutdownFlags): boolean {
    if (this.closed) return true;
    if (!this.persistence.prepareShutdown(flags)) return false;
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

/** A config value as the addon takes it: maxmemory-clients "10%" as -10, as Redis keeps it. */
function nativeValue(name: string, v: unknown): number | boolean | string {
  if (name === 'maxmemory-clients') {
    const s = String(v);
    return s.endsWith('%') ? -Number(s.slice(0, -1)) : Number(s);
  }
  return typeof v === 'bigint' ? Number(v) : (v as number | boolean | string);
}

/** Redis 7.0's refusal of a remote client in protected mode. */
const PROTECTED_MODE_DENIED =
  'DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. ' +
  'In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to ' +
  "Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET " +
  "protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however " +
  'MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. ' +
  "2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected " +
  "mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it " +
  "with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need " +
  'to do one of the above things in order for the server to start accepting connections from the outside.';

/** The fd of a listening net.Server (-1 if it has none). */
function listenerFd(srv: net.Server): number {
  const handle = (srv as unknown as { _handle?: { fd?: number } | null })._handle;
  return typeof handle?.fd === 'number' ? handle.fd : -1;
}
