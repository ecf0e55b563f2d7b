/**
 * MONITOR, and the command stream it is built on.
 *
 * The native dispatcher queues an EventKind.Monitor event (db, client id,
 * argv) for every command it runs while `native.configure('monitors', n)` has
 * n > 0, except commands flagged admin or skip-monitor (ObserveCall in
 * native/server/server.cc). This module turns them into Redis 7.0's MONITOR
 * lines:
 *
 *   +<unix seconds>.<microseconds> [<db> <ip:port>] "arg" "arg" ...\r\n
 *
 * (`[<db> unix:<socket path>]` for unix socket clients), each argument quoted
 * with sdscatrepr's rules: \" \\ \n \r \t \a \b escaped, other bytes outside
 * 0x20..0x7e as \xhh. Every MONITOR client receives every line, its own
 * commands included.
 *
 * The same stream is offered to "command observers" (client-side caching uses
 * it to tell commands apart, see tracking.ts); an observer that needs it turns
 * it on with setObserving(), which raises the native count by one.
 *
 * Commands TypeScript runs do not go through the native dispatcher:
 * observeCall() is the CommandRegistry's observer that feeds them (CLIENT
 * SETNAME, PUBLISH, HELLO, AUTH with its arguments redacted, ...).
 *
 * A MONITOR client stays one until it disconnects or sends RESET (which
 * calls stop()). A second MONITOR gets no reply at all, and MONITOR inside
 * MULTI fails as in Redis (a DENY BLOCKING client).
 */
import type { ServerContext } from '../context';
import { ClientField, EventKind } from '../boundary.gen';
import type { Connection } from '../network/connection';
import { redactedIndexes } from '../commands/redact';
import type { OutOfBand } from '../network/out-of-band';
import type { CommandCall, CommandRegistry } from '../commands/registry';
import { lookupByFullName } from '../commands/table';
import { wallClockMicros } from '../util/clock';
import { string2ll } from '../util/integers';

/** Sees every command the server runs while observing is on; `js` for commands TypeScript ran. */
export type CommandObserver = (clientId: number, db: number, argv: Buffer[], js: boolean) => void;

export class Monitor {
  /** MONITOR clients, in the order they started. */
  private readonly monitors = new Set<Connection>();
  private readonly observers = new Set<CommandObserver>();
  /** Reasons to keep the native command stream on without MONITOR clients (see setObserving). */
  private readonly demand = new Set<string>();
  private nativeCount = 0;

  constructor(
    private readonly ctx: ServerContext,
    private readonly oob: OutOfBand,
  ) {
    ctx.events.on(EventKind.Monitor, (db, clientId, _event, argv) => this.feed(clientId, db, argv, false));
  }

  register(r: CommandRegistry): void {
    r.register('monitor', (call) => this.monitorCommand(call));
  }

  /** Redis's CLIENT_MONITOR: CLIENT LIST flag 'O'; such clients are never paused. */
  isMonitor(conn: Connection): boolean {
    return this.monitors.has(conn);
  }

  /** Number of MONITOR clients. */
  get count(): number {
    return this.monitors.size;
  }

  /** Ends MONITOR mode for `conn` (RESET, and when the connection goes). */
  stop(conn: Connection): void {
    if (!this.monitors.delete(conn)) return;
    if (!conn.closing) this.ctx.native.setClient(conn.slot, ClientField.Monitor, 0);
    this.sync();
  }

  /** Registers an observer of the command stream (it only flows while observing is on). */
  addObserver(observer: CommandObserver): void {
    this.observers.add(observer);
  }

  /** Keeps the native command stream on (or releases it) for `reason`, without MONITOR clients. */
  setObserving(reason: string, on: boolean): void {
    if (on) this.demand.add(reason);
    else this.demand.delete(reason);
    this.sync();
  }

  /**
   * The CommandRegistry's observer: a TypeScript-owned command's handler ran,
   * its reply is not encoded yet (`call.name` is the lowercase full name,
   * e.g. "client|setname"). Feeds MONITOR clients and the observers; one
   * check while nobody listens.
   */
  observeCall(call: CommandCall): void {
    if (this.monitors.size === 0 && this.demand.size === 0) return;
    const { conn, name, args } = call;
    // Lines for the native commands before this one come first.
    this.oob.within(call, () => {
      const db = conn.db;
      if (shown(name)) this.show(conn.id, db, redact(name, args, call.redacted));
      for (const o of this.observers) o(conn.id, db, args, true);
    });
  }

  private readonly release = (conn: Connection): void => this.stop(conn);

  private monitorCommand(call: CommandCall): void {
    const { conn, w } = call;
    if (call.inExec) return void w.error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    // Already monitoring: Redis ignores the command without a reply.
    if (this.monitors.has(conn)) return;
    // Commands that ran before this one (queued while something else observed) are not shown.
    this.oob.within(call);
    this.monitors.add(conn);
    this.ctx.native.setClient(conn.slot, ClientField.Monitor, 1); // no keyspace access from now on
    this.sync();
    conn.onRelease(this.release);
    w.ok();
  }

  private sync(): void {
    const n = this.monitors.size + (this.demand.size > 0 ? 1 : 0);
    if (n !== this.nativeCount) {
      this.nativeCount = n;
      this.ctx.native.configure('monitors', n);
    }
  }

  /** One executed command: MONITOR lines, then the observers. */
  private feed(clientId: number, db: number, argv: Buffer[], js: boolean): void {
    if (argv.length === 0) return;
    // The native side reports a command before it runs; Redis 7.0 feeds
    // monitors afterwards, so SELECT shows the database it selected.
    if (!js && argv.length === 2 && isName(argv[0], 'select')) {
      const n = selectedDb(argv[1], this.ctx.config.get('databases'));
      if (n >= 0) db = n;
    }
    this.show(clientId, db, argv);
    for (const o of this.observers) o(clientId, db, argv, js);
  }

  /** Sends the MONITOR line of a command to every MONITOR client. */
  private show(clientId: number, db: number, argv: Buffer[]): void {
    if (this.monitors.size === 0) return;
    const conn = this.ctx.clients.get(clientId);
    const line = monitorLine(db, conn ? this.peerId(conn) : '?:0', argv);
    for (const m of this.monitors) this.oob.deliver(m, line);
  }

  /** The client's address as MONITOR prints it. */
  private peerId(conn: Connection): string {
    if (conn.kind === 'unix') return `unix:${this.ctx.config.get('unixsocket')}`;
    return conn.address;
  }
}

// ---------------------------------------------------------------------------
// Formatting

function isName(b: Buffer, lower: string): boolean {
  return b.length === lower.length && b.toString('latin1').toLowerCase() === lower;
}

function selectedDb(arg: Buffer, databases: number): number {
  const n = string2ll(arg);
  return n !== null && n >= 0n && n < BigInt(databases) ? Number(n) : -1;
}

/** Bytes that need no escaping: printable ASCII except '"' and '\'. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Redis's sdscatrepr: a double-quoted, escaped rendering of `b`. */
export function quoteRepr(b: Buffer): string {
  const s = b.toString('latin1');
  if (PLAIN.test(s)) return `"${s}"`;
  let out = '"';
  for (const c of b) {
    switch (c) {
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        out += c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
    }
  }
  return out + '"';
}

/** Wall clock as "<seconds>.<microseconds>", like gettimeofday. */
function timestamp(): string {
  const us = wallClockMicros();
  const sec = Math.floor(us / 1e6);
  return `${sec}.${String(us - sec * 1e6).padStart(6, '0')}`;
}

/** One MONITOR line (a status reply), CRLF included. */
export function monitorLine(db: number, peer: string, argv: Buffer[]): Buffer {
  let s = `+${timestamp()} [${db} ${peer}]`;
  for (const a of argv) s += ` ${quoteRepr(a)}`;
  return Buffer.from(`${s}\r\n`, 'latin1');
}

// ---------------------------------------------------------------------------
// Commands TypeScript runs

/** Whether MONITOR shows a command (by full lowercase name): not admin, not skip-monitor. */
const shownCache = new Map<string, boolean>();

function shown(name: string): boolean {
  let v = shownCache.get(name);
  if (v === undefined) {
    const entry = lookupByFullName(name) ?? lookupByFullName(name.split('|')[0]);
    const flags = entry?.meta.flags ?? [];
    v = !flags.includes('admin') && !flags.includes('skip_monitor');
    shownCache.set(name, v);
  }
  return v;
}

const REDACTED = Buffer.from('(redacted)');

/**
 * Credentials never reach MONITOR (Redis's redactClientCommandArgument): AUTH's
 * arguments, HELLO's AUTH ones, sensitive CONFIG SET values, and what the
 * handler marked (MIGRATE's AUTH/AUTH2).
 */
function redact(name: string, args: Buffer[], marked?: number[]): Buffer[] {
  const hidden = new Set(marked ?? redactedIndexes(name, args));
  if (hidden.size === 0) return args;
  return args.map((a, i) => (hidden.has(i) ? REDACTED : a));
}
