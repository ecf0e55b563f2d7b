/**
 * Client-side caching (Redis 7.0's tracking.c): CLIENT TRACKING, CACHING,
 * GETREDIR, TRACKINGINFO, the table of keys clients may have cached, and the
 * invalidation messages.
 *
 *  - Default mode: keys read by read-only commands of a tracking client are
 *    remembered (key → client ids; the table ignores the database, as in
 *    Redis). When such a key is modified, each of those clients gets one
 *    invalidation message and the key is forgotten until read again.
 *  - BCAST: no table; every modified key matching one of the client's
 *    prefixes ("" when none was given) is sent, batched per prefix once the
 *    current I/O callback is done (Redis's beforeSleep), keys sorted.
 *  - OPTIN / OPTOUT: only reads of the command after CLIENT CACHING YES are
 *    remembered (OPTIN), or all but those after CLIENT CACHING NO (OPTOUT).
 *    The flag survives other CLIENT subcommands and a whole MULTI ... EXEC.
 *  - NOLOOP: no messages about keys the client modified itself.
 *  - FLUSHDB / FLUSHALL: every tracking client gets one "all keys" message
 *    (a null), and the table is emptied.
 *
 * Messages: a RESP3 push [invalidate, [keys] | null] on the client's own
 * connection, or on the REDIRECT client's: as that push if it speaks RESP3,
 * as a Pub/Sub message on __redis__:invalidate if it is a RESP2 client in
 * Pub/Sub mode, else not at all. A redirect to a client that is gone marks
 * the tracking client "broken_redirect" and, in RESP3, tells it with a
 * [tracking-redir-broken, id] push.
 *
 * Where the information comes from (src/events.ts): EventKind.TrackedRead
 * (keys read by clients with the native per-client 'tracking' flag, queued
 * before the command runs) and EventKind.Modified (every modified key while
 * the native 'tracking' setting is on, with the id of the client whose
 * command modified it, 0 for expiry in the cron; a keyless 'flush' event for
 * FLUSHDB and FLUSHALL). Those do not separate the commands of a pipeline,
 * which CLIENT CACHING needs (it applies to one command): while a CACHING
 * flag is pending this module also observes the native command stream of
 * monitor.ts (costly: one event per command of every client). The stream
 * reports each command before it runs (ObserveCall): a command's TrackedRead
 * and Modified events follow its entry. While observing, reads are
 * remembered when the next command starts (or the callback ends), so that
 * the command's own modifications (lazy expiry) do not invalidate them, as in
 * Redis.
 */
import type { CommandCall, CommandRegistry } from '../commands/registry';
import type { ServerContext } from '../context';
import { ClientField, EventKind } from '../boundary.gen';
import type { Connection } from '../network/connection';
import type { OutOfBand } from '../network/out-of-band';
import { RespWriter } from '../protocol/resp-writer';
import { clientIdOf, string2ll } from '../util/integers';
import type { Monitor } from './monitor';
import type { PubSub } from './pubsub';

/** Where a client is in the life of a CLIENT CACHING flag. */
const enum Caching {
  None = 0,
  /** Given, waiting for the next command. */
  Armed,
  /** The command it applies to is running (its reads are being reported). */
  Running,
  /** The next command was MULTI: the flag lasts until EXEC or DISCARD. */
  Multi,
  /** EXEC of that transaction is running. */
  Exec,
}

class TrackedClient {
  redirect = 0;
  bcast = false;
  optin = false;
  optout = false;
  noloop = false;
  /** CLIENT CACHING YES (OPTIN) or NO (OPTOUT) applies to the next command. */
  caching = false;
  cachingState = Caching.None;
  brokenRedirect = false;
  /** BCAST prefixes, by latin1 string. */
  readonly prefixes = new Map<string, Buffer>();

  constructor(readonly conn: Connection) {}
}

interface BcastPrefix {
  name: Buffer;
  clients: Set<TrackedClient>;
  /** Keys modified since the last broadcast → id of the client that last modified each (0: none). */
  keys: Map<string, number>;
}

export class Tracking {
  /** Clients with tracking on, by client id. */
  readonly clients = new Map<number, TrackedClient>();
  /** Key (latin1) → ids of the clients that may have it cached. */
  readonly table = new Map<string, Set<number>>();
  /** Client ids across the whole table (INFO tracking_total_items). */
  items = 0;
  readonly prefixes = new Map<string, BcastPrefix>();
  /** Id of the client whose command is running, from the command stream (0: none). */
  current = 0;
  /** Reads of the running command, remembered when it is over: [client id, key]. */
  pendingReads: Array<[number, Buffer]> = [];
  readonly caching = new Set<TrackedClient>();
  private tickScheduled = false;

  constructor(
    readonly ctx: ServerContext,
    private readonly monitor: Monitor,
    private readonly pubsub: PubSub,
    readonly oob: OutOfBand,
  ) {
    install(this);
    monitor.addObserver((clientId, _db, argv, js) => onCommand(this, clientId, argv, js));
  }

  register(r: CommandRegistry): void {
    r.register('client|tracking', (call) => clientTracking(this, call));
    r.register('client|caching', (call) => clientCaching(this, call));
    r.register('client|getredir', (call) => clientGetredir(this, call));
    r.register('client|trackinginfo', (call) => clientTrackinginfo(this, call));
  }

  /** Turns tracking off for `conn` (RESET, and when the connection goes). */
  disable(conn: Connection): void {
    disable(this, conn);
  }

  /** Connection release hook (see enable()). */
  readonly release = (conn: Connection): void => disable(this, conn);

  /** CLIENT LIST flags from tracking, in Redis's order: t (tracking), R (broken redirect), B (BCAST). */
  flags(conn: Connection): string {
    const tc = this.clients.get(conn.id);
    if (!tc) return '';
    return `t${tc.brokenRedirect ? 'R' : ''}${tc.bcast ? 'B' : ''}`;
  }

  /** CLIENT LIST redir=: the redirect client id, 0 without one, -1 when not tracking. */
  redirect(conn: Connection): number {
    const tc = this.clients.get(conn.id);
    return tc ? tc.redirect : -1;
  }

  /** INFO: tracking_clients (clients section), tracking_total_keys/items/prefixes (stats section). */
  stats(): { clients: number; keys: number; items: number; prefixes: number } {
    return { clients: this.clients.size, keys: this.table.size, items: this.items, prefixes: this.prefixes.size };
  }

  /** Runs endOfTick() once the current I/O callback is done (Redis's beforeSleep). */
  scheduleTick(): void {
    if (this.tickScheduled) return;
    this.tickScheduled = true;
    queueMicrotask(() => {
      this.tickScheduled = false;
      this.endOfTick();
    });
  }

  endOfTick(): void {
    this.commitReads();
    this.current = 0;
    for (const tc of this.caching) {
      if (tc.cachingState === Caching.Running || tc.cachingState === Caching.Exec) clearCaching(this, tc);
    }
    this.broadcast();
    this.limitTable();
  }

  commitReads(): void {
    if (this.pendingReads.length === 0) return;
    const reads = this.pendingReads;
    this.pendingReads = [];
    for (const [id, key] of reads) {
      const k = key.toString('latin1');
      let ids = this.table.get(k);
      if (!ids) {
        ids = new Set();
        this.table.set(k, ids);
      }
      if (!ids.has(id)) {
        ids.add(id);
        this.items++;
      }
    }
  }

  /** A key was modified by client `modifier` (0: not by a client). */
  invalidateKey(key: Buffer, modifier: number, bcast: boolean): void {
    const k = key.toString('latin1');
    if (bcast && this.prefixes.size > 0) {
      for (const [p, bs] of this.prefixes) {
        if (k.startsWith(p)) bs.keys.set(k, modifier);
      }
      this.scheduleTick();
    }
    const ids = this.table.get(k);
    if (!ids) return;
    this.table.delete(k);
    this.items -= ids.size;
    let payload: Buffer | undefined;
    for (const id of ids) {
      const tc = this.clients.get(id);
      // Entries of clients that left, stopped tracking or switched to BCAST are dropped lazily.
      if (!tc || tc.bcast) continue;
      if (tc.noloop && id === modifier) continue;
      payload ??= keysArray([key]);
      this.send(tc, payload);
    }
  }

  /** FLUSHDB / FLUSHALL: "everything is invalid" to every tracking client. */
  flush(): void {
    this.commitReads();
    for (const tc of this.clients.values()) this.send(tc, allKeys(tc.conn.resp));
    this.table.clear();
    this.items = 0;
  }

  /** Redis's sendTrackingMessage: `payload` is the RESP array of keys, or a null. */
  send(tc: TrackedClient, payload: Buffer): void {
    let target = tc.conn;
    if (tc.redirect !== 0) {
      const r = this.ctx.clients.get(tc.redirect);
      if (!r) {
        tc.brokenRedirect = true;
        if (tc.conn.resp >= 3) {
          this.oob.deliver(tc.conn, new RespWriter(3).push(2).bulk('tracking-redir-broken').int(tc.redirect).toBuffer());
        }
        return;
      }
      target = r;
    }
    if (target.resp >= 3) this.oob.deliver(target, invalidatePush(payload));
    else if (tc.redirect !== 0 && this.pubsub.isPubSubClient(target)) {
      this.oob.deliver(target, invalidateMessage(payload));
    }
    // Otherwise a RESP2 connection has no way to receive it.
  }

  /** BCAST: sends the keys collected per prefix, then starts collecting anew. */
  broadcast(): void {
    if (this.prefixes.size === 0) return;
    const names = [...this.prefixes.keys()].sort(compareLatin1);
    for (const name of names) {
      const bs = this.prefixes.get(name) as BcastPrefix;
      if (bs.keys.size === 0) continue;
      const keys = [...bs.keys].sort((a, b) => compareLatin1(a[0], b[0]));
      bs.keys = new Map();
      const all = keysArray(keys.map(([k]) => Buffer.from(k, 'latin1')));
      for (const tc of bs.clients) {
        if (!tc.noloop) {
          this.send(tc, all);
          continue;
        }
        const own = tc.conn.id;
        const others = keys.filter(([, by]) => by !== own);
        if (others.length === 0) continue;
        this.send(tc, others.length === keys.length ? all : keysArray(others.map(([k]) => Buffer.from(k, 'latin1'))));
      }
    }
  }

  /** tracking-table-max-keys: forgets (and invalidates) the oldest keys beyond the limit. */
  limitTable(): void {
    const max = Number(this.ctx.config.get('tracking-table-max-keys'));
    if (!(max > 0) || this.table.size <= max) return;
    for (const k of this.table.keys()) {
      if (this.table.size <= max) break;
      this.invalidateKey(Buffer.from(k, 'latin1'), 0, false);
    }
  }

  /** Whether the native command stream is observed (while a CLIENT CACHING flag is pending). */
  observing = false;
  private nativeTracking = false;

  /** Native switches: modified keys while anyone tracks, the command stream while needed. */
  sync(): void {
    const on = this.clients.size > 0;
    if (on !== this.nativeTracking) {
      this.nativeTracking = on;
      this.ctx.native.configure('tracking', on);
    }
    const observe = on && this.caching.size > 0;
    if (observe !== this.observing) {
      if (!observe) this.commitReads();
      this.observing = observe;
      this.monitor.setObserving('tracking', observe);
    }
  }
}

const compareLatin1 = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The payload of an invalidation: the array of keys (the same bytes in both protocols). */
function keysArray(keys: Buffer[]): Buffer {
  const w = new RespWriter(2).array(keys.length);
  for (const k of keys) w.bulk(k);
  return w.toBuffer();
}

/** "Everything is invalid": the null of the tracking client's protocol, even when the message goes to a RESP3 redirect. */
const allKeys = (resp: number): Buffer => new RespWriter(resp).null().toBuffer();

/** [invalidate, payload] as a RESP3 push. */
const invalidatePush = (payload: Buffer): Buffer => new RespWriter(3).push(2).bulk('invalidate').raw(payload).toBuffer();

/** The same as a Pub/Sub message on __redis__:invalidate, for a RESP2 redirect in Pub/Sub mode. */
const invalidateMessage = (payload: Buffer): Buffer =>
  new RespWriter(2).array(3).bulk('message').bulk('__redis__:invalidate').raw(payload).toBuffer();

// ---------------------------------------------------------------------------
// Events

function install(st: Tracking): void {
  st.ctx.events.on(EventKind.TrackedRead, (_db, clientId, _event, strings) => {
    const tc = st.clients.get(clientId);
    if (!tc || tc.bcast) return;
    if ((tc.optin && !tc.caching) || (tc.optout && tc.caching)) return;
    for (const key of strings) st.pendingReads.push([clientId, key]);
    // Without command boundaries, remembered at once.
    if (!st.observing) st.commitReads();
    st.scheduleTick();
  });
  st.ctx.events.on(EventKind.Modified, (_db, clientId, event, strings) => {
    if (event === 'flush') return st.flush();
    for (const key of strings) st.invalidateKey(key, clientId || st.current, true);
  });
}

const lowerName = (b: Buffer | undefined): string => (b ? b.toString('latin1').toLowerCase() : '');

/** A command starts (native ones are reported before they run) or a TypeScript command ran. */
function onCommand(st: Tracking, clientId: number, argv: Buffer[], js: boolean): void {
  if (st.clients.size === 0) return;
  const first = argv[0] as Buffer | undefined;
  if (!js) {
    // The previous command is over: remember its reads before this one changes anything.
    st.commitReads();
    st.current = clientId;
    st.scheduleTick();
  }
  const tc = st.clients.get(clientId);
  if (tc && tc.cachingState !== Caching.None) advanceCaching(st, tc, lowerName(first), js);
}


/**
 * Redis keeps CLIENT_TRACKING_CACHING across CLIENT subcommands and inside
 * MULTI, and drops it after any other command (EXEC included).
 */
function advanceCaching(st: Tracking, tc: TrackedClient, name: string, js: boolean): void {
  switch (tc.cachingState) {
    case Caching.Armed:
      if (name === 'client') return;
      if (name === 'multi') tc.cachingState = Caching.Multi;
      // TypeScript commands report no reads: done as soon as they ran.
      else if (js) clearCaching(st, tc);
      else tc.cachingState = Caching.Running;
      return;
    case Caching.Running:
      clearCaching(st, tc);
      return;
    case Caching.Multi:
      if (name === 'exec') tc.cachingState = Caching.Exec;
      else if (name === 'discard') clearCaching(st, tc);
      return;
    case Caching.Exec:
      // The transaction's commands; the flag goes at the end of this callback.
      return;
  }
}

function clearCaching(st: Tracking, tc: TrackedClient): void {
  tc.caching = false;
  tc.cachingState = Caching.None;
  if (st.caching.delete(tc) && st.caching.size === 0) st.sync();
}

// ---------------------------------------------------------------------------
// Enabling and disabling

function enable(
  st: Tracking,
  conn: Connection,
  redirect: number,
  opts: { bcast: boolean; optin: boolean; optout: boolean; noloop: boolean },
  prefixes: Buffer[],
): void {
  let tc = st.clients.get(conn.id);
  if (!tc) {
    tc = new TrackedClient(conn);
    st.clients.set(conn.id, tc);
    conn.onRelease(st.release);
  }
  tc.brokenRedirect = false;
  tc.redirect = redirect;
  tc.bcast = opts.bcast;
  tc.optin = opts.optin;
  tc.optout = opts.optout;
  tc.noloop = opts.noloop;
  // The CACHING flag itself survives re-enabling, as in Redis.
  if (opts.bcast) {
    if (prefixes.length === 0) addPrefix(st, tc, Buffer.alloc(0));
    for (const p of prefixes) addPrefix(st, tc, p);
  }
  st.ctx.native.setClient(conn.slot, ClientField.Tracking, opts.bcast ? 0 : 1);
  st.sync();
}

function addPrefix(st: Tracking, tc: TrackedClient, prefix: Buffer): void {
  const id = prefix.toString('latin1');
  let bs = st.prefixes.get(id);
  if (!bs) {
    bs = { name: prefix, clients: new Set(), keys: new Map() };
    st.prefixes.set(id, bs);
  }
  bs.clients.add(tc);
  tc.prefixes.set(id, prefix);
}

function disable(st: Tracking, conn: Connection): void {
  const tc = st.clients.get(conn.id);
  if (!tc || tc.conn !== conn) return;
  for (const id of tc.prefixes.keys()) {
    const bs = st.prefixes.get(id);
    if (!bs) continue;
    bs.clients.delete(tc);
    if (bs.clients.size === 0) st.prefixes.delete(id);
  }
  tc.prefixes.clear();
  clearCaching(st, tc);
  st.clients.delete(conn.id);
  if (!conn.closing) st.ctx.native.setClient(conn.slot, ClientField.Tracking, 0);
  st.sync();
}

// ---------------------------------------------------------------------------
// Commands

/** An error reply built from text and raw bytes (prefixes are binary); %s stops at NUL. */
function errorBytes(call: CommandCall, parts: Array<string | Buffer>): void {
  const bytes = Buffer.concat(
    parts.map((p) => {
      if (typeof p === 'string') return Buffer.from(p, 'latin1');
      const nul = p.indexOf(0);
      return nul < 0 ? p : p.subarray(0, nul);
    }),
  );
  call.w.error(bytes);
}

/** One prefix is a prefix of the other: they would report the same keys. */
function overlap(a: Buffer, b: Buffer): boolean {
  const n = Math.min(a.length, b.length);
  return a.subarray(0, n).equals(b.subarray(0, n));
}

function prefixCollision(call: CommandCall, tc: TrackedClient | undefined, prefixes: Buffer[]): boolean {
  const SUFFIX = '. Prefixes for a single client must not overlap.';
  for (let i = 0; i < prefixes.length; i++) {
    if (tc) {
      const existing = [...tc.prefixes.values()].sort((a, b) => Buffer.compare(a, b));
      for (const e of existing) {
        if (overlap(e, prefixes[i])) {
          errorBytes(call, ["ERR Prefix '", prefixes[i], "' overlaps with an existing prefix '", e, `'${SUFFIX}`]);
          return true;
        }
      }
    }
    for (let j = i + 1; j < prefixes.length; j++) {
      if (overlap(prefixes[i], prefixes[j])) {
        errorBytes(call, ["ERR Prefix '", prefixes[i], "' overlaps with another provided prefix '", prefixes[j], `'${SUFFIX}`]);
        return true;
      }
    }
  }
  return false;
}

/** CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP] */
function clientTracking(st: Tracking, call: CommandCall): void {
  const { args, w, conn } = call;
  let redirect = 0n;
  const opts = { bcast: false, optin: false, optout: false, noloop: false };
  const prefixes: Buffer[] = [];
  for (let j = 3; j < args.length; j++) {
    const more = args.length - 1 - j;
    const opt = lowerName(args[j]);
    if (opt === 'redirect' && more > 0) {
      j++;
      if (redirect !== 0n) return void w.error('ERR A client can only redirect to a single other client');
      const id = string2ll(args[j]);
      if (id === null) return void w.error('ERR value is not an integer or out of range');
      const target = st.ctx.clients.get(clientIdOf(id));
      if (!target) return void w.error('ERR The client ID you want redirect to does not exist');
      redirect = id;
    } else if (opt === 'bcast') {
      opts.bcast = true;
    } else if (opt === 'optin') {
      opts.optin = true;
    } else if (opt === 'optout') {
      opts.optout = true;
    } else if (opt === 'noloop') {
      opts.noloop = true;
    } else if (opt === 'prefix' && more > 0) {
      j++;
      prefixes.push(args[j]);
    } else {
      return void w.error('ERR syntax error');
    }
  }
  const mode = lowerName(args[2]);
  if (mode === 'on') {
    const tc = st.clients.get(conn.id);
    if (!opts.bcast && prefixes.length > 0) return void w.error('ERR PREFIX option requires BCAST mode to be enabled');
    if (tc && tc.bcast !== opts.bcast) {
      return void w.error(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
      );
    }
    if (opts.bcast && (opts.optin || opts.optout)) return void w.error('ERR OPTIN and OPTOUT are not compatible with BCAST');
    if (opts.optin && opts.optout) return void w.error("ERR You can't specify both OPTIN mode and OPTOUT mode");
    if (tc && ((opts.optin && tc.optout) || (opts.optout && tc.optin))) {
      return void w.error(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
      );
    }
    if (opts.bcast && prefixCollision(call, tc, prefixes)) return;
    // Reads reported so far belong to the old settings.
    st.oob.within(call);
    enable(st, conn, Number(redirect), opts, prefixes);
  } else if (mode === 'off') {
    st.oob.within(call);
    disable(st, conn);
  } else {
    return void w.error('ERR syntax error');
  }
  w.ok();
}

/** CLIENT CACHING YES|NO */
function clientCaching(st: Tracking, call: CommandCall): void {
  const { args, w, conn } = call;
  const tc = st.clients.get(conn.id);
  if (!tc) {
    return void w.error(
      'ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled',
    );
  }
  const opt = lowerName(args[2]);
  if (opt === 'yes') {
    if (!tc.optin) return void w.error('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  } else if (opt === 'no') {
    if (!tc.optout) return void w.error('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  } else {
    return void w.error('ERR syntax error');
  }
  // The commands before this one read under the old flag.
  st.oob.within(call);
  tc.caching = true;
  tc.cachingState = Caching.Armed;
  st.caching.add(tc);
  st.sync();
  w.ok();
}

/** CLIENT GETREDIR */
function clientGetredir(st: Tracking, call: CommandCall): void {
  const tc = st.clients.get(call.conn.id);
  call.w.int(tc ? tc.redirect : -1);
}

/** Brings the CACHING flag up to date for a reply that shows it. */
function settleCaching(call: CommandCall, st: Tracking, tc: TrackedClient): void {
  st.oob.within(call);
  // A command after CLIENT CACHING already ran: its flag is spent.
  if (tc.cachingState === Caching.Running || tc.cachingState === Caching.Exec) clearCaching(st, tc);
}

/** CLIENT TRACKINGINFO */
function clientTrackinginfo(st: Tracking, call: CommandCall): void {
  const { w, conn } = call;
  const tc = st.clients.get(conn.id);
  if (tc) settleCaching(call, st, tc);
  const flags: string[] = [];
  if (!tc) {
    flags.push('off');
  } else {
    flags.push('on');
    if (tc.bcast) flags.push('bcast');
    if (tc.optin) {
      flags.push('optin');
      if (tc.caching) flags.push('caching-yes');
    }
    if (tc.optout) {
      flags.push('optout');
      if (tc.caching) flags.push('caching-no');
    }
    if (tc.noloop) flags.push('noloop');
    if (tc.brokenRedirect) flags.push('broken_redirect');
  }
  w.map(3);
  w.bulk('flags').set(flags.length);
  for (const f of flags) w.bulk(f);
  w.bulk('redirect').int(tc ? tc.redirect : -1);
  const prefixes = tc ? [...tc.prefixes.values()].sort((a, b) => Buffer.compare(a, b)) : [];
  w.bulk('prefixes').array(prefixes.length);
  for (const p of prefixes) w.bulk(p);
}
