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
 * observeJsCommand() is the hook that feeds them (CLIENT SETNAME, PUBLISH,
 * HELLO, AUTH with its arguments redacted, ...); the registry must call it
 * after each handler.
 *
 * A MONITOR client stays one until it disconnects or sends RESET (which must
 * call stopMonitor()). A second MONITOR gets no reply at all, and MONITOR
 * inside MULTI fails as in Redis (a DENY BLOCKING client).
 */
import { EventKind } from '../events';
import type { Connection } from '../network/connection';
import type { TachyonServer } from '../server';
import { lookupByFullName } from './command';
import { wallClockMicros } from '../util/clock';
import type { CommandCall } from './registry';

/** Sees every command the server runs while observing is on; `js` for commands TypeScript ran. */
export type CommandObserver = (clientId: number, db: number, argv: Buffer[], js: boolean) => void;

class MonitorState {
  /** MONITOR clients, in the order they started. */
  readonly monitors = new Set<Connection>();
  readonly observers = new Set<CommandObserver>();
  /** Reasons to keep the native command stream on without MONITOR clients (see setObserving). */
  readonly demand = new Set<string>();
  private nativeCount = 0;

  constructor(readonly server: TachyonServer) {}

  sync(): void {
    const n = this.monitors.size + (this.demand.size > 0 ? 1 : 0);
    if (n !== this.nativeCount) {
      this.nativeCount = n;
      this.server.native.configure('monitors', n);
    }
  }

  /** One executed command: MONITOR lines, then the observers. */
  feed(clientId: number, db: number, argv: Buffer[], js: boolean): void {
    if (argv.length === 0) return;
    // The native side reports a command before it runs; Redis 7.0 feeds
    // monitors afterwards, so SELECT shows the database it selected.
    if (!js && argv.length === 2 && isName(argv[0], 'select')) {
      const n = selectedDb(argv[1], this.server);
      if (n >= 0) db = n;
    }
    this.show(clientId, db, argv);
    for (const o of this.observers) o(clientId, db, argv, js);
  }

  /** Sends the MONITOR line of a command to every MONITOR client. */
  show(clientId: number, db: number, argv: Buffer[]): void {
    if (this.monitors.size === 0) return;
    const conn = this.server.clients.get(clientId);
    const line = monitorLine(db, conn ? peerId(conn) : '?:0', argv);
    for (const m of this.monitors) deliver(m, line);
  }
}

const states = new WeakMap<TachyonServer, MonitorState>();

function stateOf(server: TachyonServer): MonitorState {
  let st = states.get(server);
  if (!st) {
    st = new MonitorState(server);
    states.set(server, st);
  }
  return st;
}

// ---------------------------------------------------------------------------
// Delivery inside a running command

/**
 * The TypeScript command being run while this module or tracking.ts pumps the
 * native event queue from inside a handler (see pumpEvents). Bytes for its
 * own client then go into its reply, after the replies of the commands before
 * it (which are still waiting to be written) and not ahead of them.
 */
let currentCall: CommandCall | undefined;

/** Bytes waiting for the end of the current I/O callback, per connection. */
let outbox = new Map<Connection, Buffer[]>();

function flushOutbox(): void {
  const box = outbox;
  outbox = new Map();
  for (const [conn, parts] of box) conn.send(parts.length === 1 ? parts[0] : Buffer.concat(parts));
}

/**
 * Sends bytes outside the request/reply flow to `conn` (MONITOR lines,
 * invalidation messages). Redis writes them after the reply of the command
 * that caused them, but the connection dispatches native events before it
 * writes the replies of a read (for keyspace notifications, which do come
 * first): so they leave once the current I/O callback is done, after those
 * replies, one write per connection.
 */
export function deliver(conn: Connection, data: Buffer): void {
  if (currentCall && currentCall.conn === conn) return void currentCall.w.raw(data);
  let parts = outbox.get(conn);
  if (!parts) {
    if (outbox.size === 0) queueMicrotask(flushOutbox);
    parts = [];
    outbox.set(conn, parts);
  }
  parts.push(data);
}

/**
 * Runs `fn` with bytes for `call`'s own client going into its reply (see
 * deliver), after dispatching the native events queued so far. Inside EXEC
 * the native side is still running the transaction: its events wait for the
 * end of EXEC.
 */
export function withinCall<T>(call: CommandCall, fn?: () => T): T | undefined {
  const outer = currentCall;
  currentCall = call;
  try {
    if (!call.server.blocking.inExec) call.server.events.pump();
    return fn?.();
  } finally {
    currentCall = outer;
  }
}

/** Dispatches queued native events now, from inside the handler of `call`. */
export function pumpEvents(call: CommandCall): void {
  withinCall(call);
}

// ---------------------------------------------------------------------------
// Formatting

function isName(b: Buffer, lower: string): boolean {
  return b.length === lower.length && b.toString('latin1').toLowerCase() === lower;
}

function selectedDb(arg: Buffer, server: TachyonServer): number {
  const s = arg.toString('latin1');
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(s)) return -1;
  const n = Number(s);
  return n >= 0 && n < (server.config.get('databases') as number) ? n : -1;
}

/** The client's address as MONITOR prints it. */
function peerId(conn: Connection): string {
  if (conn.kind === 'unix') return `unix:${conn.server.config.get('unixsocket') as string}`;
  return conn.address;
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

/** AUTH's arguments and HELLO's AUTH credentials never reach MONITOR (Redis's redactClientCommandArgument). */
function redact(name: string, args: Buffer[]): Buffer[] {
  if (name === 'auth') return args.map((a, i) => (i === 0 ? a : REDACTED));
  if (name !== 'hello') return args;
  const out = [...args];
  for (let j = 2; j < out.length; j++) {
    const more = out.length - 1 - j;
    const opt = out[j].toString('latin1').toLowerCase();
    if (opt === 'auth' && more >= 2) {
      out[j + 1] = REDACTED;
      out[j + 2] = REDACTED;
      j += 2;
    } else if (opt === 'setname' && more >= 1) {
      j++;
    } else {
      break;
    }
  }
  return out;
}

/**
 * Hook for the command registry: call right after a TypeScript-owned command's
 * handler ran, before its reply is encoded (`call.name` is the lowercase full
 * name, e.g. "client|setname"). Feeds MONITOR clients and the observers; one
 * check while nobody listens.
 */
export function observeJsCommand(call: CommandCall): void {
  const { conn, name, args } = call;
  const st = states.get(conn.server);
  if (!st || (st.monitors.size === 0 && st.demand.size === 0)) return;
  // Lines for the native commands before this one come first.
  withinCall(call, () => {
    const db = conn.db;
    if (shown(name)) st.show(conn.id, db, redact(name, args));
    for (const o of st.observers) o(conn.id, db, args, true);
  });
}

// ---------------------------------------------------------------------------
// For the rest of the server

/** Redis's CLIENT_MONITOR: CLIENT LIST flag 'O'; such clients are never paused. */
export function isMonitor(conn: Connection): boolean {
  return states.get(conn.server)?.monitors.has(conn) ?? false;
}

/** Ends MONITOR mode for `conn` (RESET; disconnection is handled here). */
export function stopMonitor(conn: Connection): void {
  const st = states.get(conn.server);
  if (!st || !st.monitors.delete(conn)) return;
  if (!conn.closing) conn.server.native.setClient(conn.slot, 'monitor', 0);
  st.sync();
}

/** Number of MONITOR clients. */
export function monitorCount(server: TachyonServer): number {
  return states.get(server)?.monitors.size ?? 0;
}

/** Registers an observer of the command stream (it only flows while observing is on). */
export function addCommandObserver(server: TachyonServer, observer: CommandObserver): void {
  stateOf(server).observers.add(observer);
}

/** Keeps the native command stream on (or releases it) for `reason`, without MONITOR clients. */
export function setObserving(server: TachyonServer, reason: string, on: boolean): void {
  const st = stateOf(server);
  if (on) st.demand.add(reason);
  else st.demand.delete(reason);
  st.sync();
}

function monitorCommand(call: CommandCall): void {
  const { conn, server, w } = call;
  if (server.blocking.inExec) return void w.error("ERR MONITOR isn't allowed for DENY BLOCKING client");
  const st = stateOf(server);
  // Already monitoring: Redis ignores the command without a reply.
  if (st.monitors.has(conn)) return;
  // Commands that ran before this one (queued while something else observed) are not shown.
  pumpEvents(call);
  st.monitors.add(conn);
  server.native.setClient(conn.slot, 'monitor', 1); // no keyspace access from now on
  st.sync();
  conn.socket.once('close', () => stopMonitor(conn));
  w.ok();
}

/** Registers MONITOR and subscribes to the native command stream. */
export function registerMonitor(server: TachyonServer): void {
  const st = stateOf(server);
  server.commands.register('monitor', monitorCommand);
  server.events.on(EventKind.Monitor, (db, clientId, _event, argv) => st.feed(clientId, db, argv, false));
}
