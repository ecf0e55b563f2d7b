/**
 * MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
 * [AUTH password] [AUTH2 username password] [KEYS key [key ...]], as Redis
 * 7.0's migrateCommand: the DUMP payload of each key (native, server/migrate.h)
 * sent as a pipeline of [AUTH] [SELECT db] RESTORE key ttl payload [REPLACE]
 * to the target, one reply line read per command within `timeout` ms, the
 * acknowledged keys deleted unless COPY and propagated as one DEL, Redis's
 * reply texts, and Redis's retry: a socket error before any RESTORE reply
 * (not a timeout) closes the connection and tries once more.
 *
 * Target connections are cached per "host:port" (Redis's
 * migrate_cached_sockets: at most 64, one dropped at random to make room,
 * closed after 10 s unused), remembering the db last SELECTed there.
 *
 * Redis blocks its whole event loop for the transfer. Tachyon suspends only
 * the calling client (as WAIT) and serves everyone else meanwhile, so a key
 * can change while its copy is on the wire: such a key is not deleted
 * (it still holds something else than what was sent; both copies stay).
 * MIGRATE queued in MULTI or called from a script cannot wait: there the
 * exchange is a native blocking one (native/binding/blocking_exchange.h, as
 * Redis's syncWrite/syncReadLine) on a new connection each time, blocking
 * the server like Redis (without the connection cache).
 */
import * as net from 'net';
import type { ServerContext } from '../context';
import type { Pause } from '../features/pause';
import { RespWriter } from '../protocol/resp-writer';
import { string2ll } from '../util/integers';
import type { CommandCall, CommandRegistry } from './registry';

const CACHE_MAX = 64; // MIGRATE_SOCKET_CACHE_ITEMS
const CACHE_TTL_MS = 10_000; // MIGRATE_SOCKET_CACHE_TTL
const MAX_LINE = 1023; // Redis reads each reply line into a 1024-byte buffer

/** What MIGRATE asked for, parsed. */
interface Plan {
  host: string;
  port: string;
  db: number;
  timeout: number;
  copy: boolean;
  replace: boolean;
  username?: Buffer;
  password?: Buffer;
  keys: Buffer[];
}

/** A key as dumped: name, DUMP payload, absolute expiry (-1: none). */
type Item = [Buffer, Buffer, number];

/** How one exchange with the target went: the reply lines read before it ended. */
interface Exchange {
  /** Where it failed, if it did. */
  failed?: 'connect' | 'write' | 'read';
  /** The failure was a timeout (Redis's errno == ETIMEDOUT: no retry). */
  timedOut: boolean;
  lines: string[];
}

/** A cached connection to a target. */
interface Target {
  name: string;
  socket: net.Socket;
  lastDb: number;
  lastUse: number;
  input: Buffer;
  closed: boolean;
  /** Wakes the reader waiting for a line (data, close or error arrived). */
  wake?: () => void;
  /** MIGRATEs to one target take turns on its connection. */
  turn: Promise<void>;
  /** MIGRATEs using or waiting for it: never closed as idle or to make room then. */
  users: number;
}

export class Migrate {
  private readonly targets = new Map<string, Target>();
  /** Connections being opened: a second MIGRATE to the same target waits for the first's. */
  private readonly connecting = new Map<string, Promise<Target | null>>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: ServerContext,
    private readonly pause: Pause,
    /** Whether the server became a replica meanwhile (FAILOVER, REPLICAOF): then nothing is deleted. */
    private readonly isReplica: () => boolean,
  ) {}

  register(r: CommandRegistry): void {
    r.register('migrate', (call) => this.migrate(call));
  }

  /** Closes every cached target connection (server shutdown). */
  close(): void {
    for (const t of [...this.targets.values()]) this.drop(t);
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private migrate(call: CommandCall): void {
    const { w, conn } = call;
    const plan = parse(call);
    if (!plan) return;
    // Redis's lookupKeyRead of each key: only those that exist go.
    const items = this.ctx.native.migrate('collect', conn.db, plan.keys);
    if (items.length === 0) return void w.simple('NOKEY');
    if (call.inExec) {
      // EXEC or a script runs this command to the end now: block as Redis does.
      return void this.finish(conn.db, plan, this.runBlocking(plan, items), w);
    }
    conn.suspend();
    const db = conn.db;
    const wasReplica = this.isReplica(); // a writable replica (replica-read-only no) migrates its own keys
    void this.runAsync(plan, items).then(
      (outcome) => {
        const done = (): void => {
          const reply = new RespWriter(conn.resp);
          // A master turned replica deletes nothing of its own: the client gets what
          // Redis tells its blocked clients then.
          if (!plan.copy && outcome.acked.length > 0 && !wasReplica && this.isReplica()) reply.error(TURNED_REPLICA);
          else this.finish(db, plan, outcome, reply);
          conn.resumeWith(reply.toBuffer());
        };
        // Deletions wait for the end of a CLIENT PAUSE (or a FAILOVER's): the dataset stays still.
        if (!plan.copy && outcome.acked.length > 0) this.pause.whenUnpaused(done);
        else done();
      },
      (e: Error) => {
        this.ctx.log.warning(`MIGRATE failed: ${e.stack ?? e}`);
        conn.resumeWith(new RespWriter(conn.resp).error(`ERR ${e.message}`).toBuffer());
      },
    );
  }

  /** Deletes what the target acknowledged (unless COPY), then replies. */
  private finish(db: number, plan: Plan, outcome: Outcome, w: RespWriter): void {
    if (!plan.copy && outcome.acked.length > 0) {
      this.ctx.native.migrate('delete', db, outcome.acked);
    }
    if (outcome.error) w.error(outcome.error);
    else w.ok();
  }

  // ---- the exchange over a cached connection ----

  private async runAsync(plan: Plan, items: Item[]): Promise<Outcome> {
    const name = `${plan.host}:${plan.port}`;
    let mayRetry = true;
    for (;;) {
      let target = this.targets.get(name);
      if (!target) {
        let opening = this.connecting.get(name);
        if (!opening) {
          opening = this.connect(plan, name).finally(() => this.connecting.delete(name));
          this.connecting.set(name, opening);
        }
        const made = await opening;
        if (!made) return { acked: [], error: 'IOERR error or timeout connecting to the client' };
        target = made;
      }
      // Wait for the MIGRATEs ahead on this connection.
      const t = target;
      let release!: () => void;
      const ahead = t.turn;
      t.turn = new Promise((resolve) => (release = resolve));
      t.users++;
      await ahead;
      try {
        // A connection the target closed fails the write below: Redis's retry.
        t.lastUse = Date.now();
        const req = buildRequest(plan, items, t.lastDb);
        const ex = await this.exchange(t, req.bytes, req.replies, plan.timeout);
        const out = interpret(plan, req, ex, mayRetry);
        if (out.closeSocket) this.drop(t);
        if (out.retry) {
          mayRetry = false;
          continue;
        }
        if (!out.closeSocket) t.lastDb = out.lastDb;
        return out;
      } finally {
        t.users--;
        t.lastUse = Date.now();
        release();
      }
    }
  }

  /** Opens a connection to the target (Redis's migrateGetSocket), or null: "connecting" error. */
  private connect(plan: Plan, name: string): Promise<Target | null> {
    const port = portOf(plan.port);
    if (port === null || plan.host === '') return Promise.resolve(null);
    let socket: net.Socket;
    try {
      socket = net.connect({ host: plan.host, port });
    } catch {
      return Promise.resolve(null); // a host Node refuses outright (a NUL byte): getaddrinfo's failure
    }
    return new Promise((resolve) => {
      let settled = false;
      const settle = (t: Target | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(t);
      };
      const timer = setTimeout(() => {
        socket.destroy();
        settle(null);
      }, plan.timeout);
      socket.once('error', (e: NodeJS.ErrnoException) => {
        socket.destroy();
        // Refused or reset: Redis's non-blocking connect "succeeds" and its
        // write fails (then it retries once); anything else fails the connect.
        if (REFUSED.has(e.code ?? '')) settle(this.add(name, socket, true));
        else settle(null);
      });
      socket.once('connect', () => {
        socket.setNoDelay(true);
        settle(this.add(name, socket, false));
      });
    });
  }

  private add(name: string, socket: net.Socket, dead: boolean): Target {
    if (!dead && this.targets.size >= CACHE_MAX) {
      // Too many: drop one at random, as Redis (one no MIGRATE is using).
      const idle = [...this.targets.values()].filter((x) => x.users === 0);
      if (idle.length > 0) this.drop(idle[Math.floor(Math.random() * idle.length)]);
    }
    const t: Target = {
      name,
      socket,
      lastDb: -1,
      lastUse: Date.now(),
      input: Buffer.alloc(0),
      closed: dead,
      turn: Promise.resolve(),
      users: 0,
    };
    socket.unref();
    socket.on('data', (d: Buffer) => {
      t.input = t.input.length === 0 ? d : Buffer.concat([t.input, d]);
      t.wake?.();
    });
    const gone = (): void => {
      t.closed = true;
      t.wake?.();
    };
    socket.on('error', gone);
    socket.on('close', gone);
    if (!dead) {
      this.targets.set(name, t);
      this.sweeper ??= setInterval(() => this.sweep(), 1000).unref();
    }
    return t;
  }

  /** Closes connections unused for more than 10 s (migrateCloseTimedoutSockets). */
  private sweep(): void {
    const now = Date.now();
    for (const t of [...this.targets.values()]) if (t.users === 0 && now - t.lastUse > CACHE_TTL_MS) this.drop(t);
    if (this.targets.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private drop(t: Target): void {
    if (this.targets.get(t.name) === t) this.targets.delete(t.name);
    t.closed = true;
    t.socket.destroy();
  }

  /** Writes the request and reads `replies` lines, each within `timeout` ms. */
  private async exchange(t: Target, bytes: Buffer, replies: number, timeout: number): Promise<Exchange> {
    const lines: string[] = [];
    if (t.closed) return { failed: 'write', timedOut: false, lines };
    t.input = Buffer.alloc(0); // nothing from an earlier exchange is an answer to this one
    const wrote = await new Promise<'ok' | 'error' | 'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), timeout);
      t.socket.write(bytes, (err) => {
        clearTimeout(timer);
        resolve(err ? 'error' : 'ok');
      });
    });
    // Replies that came before the target closed are still read below.
    if (wrote !== 'ok') return { failed: 'write', timedOut: wrote === 'timeout', lines };
    while (lines.length < replies) {
      const line = await this.readLine(t, timeout);
      if (line === 'timeout' || line === 'closed') return { failed: 'read', timedOut: line === 'timeout', lines };
      lines.push(line);
    }
    return { timedOut: false, lines };
  }

  private readLine(t: Target, timeout: number): Promise<string | 'timeout' | 'closed'> {
    return new Promise((resolve) => {
      const attempt = (): boolean => {
        const nl = t.input.indexOf(0x0a);
        if (nl >= 0) {
          const line = t.input.subarray(0, nl > 0 && t.input[nl - 1] === 0x0d ? nl - 1 : nl);
          t.input = t.input.subarray(nl + 1);
          resolve(line.subarray(0, MAX_LINE).toString('latin1'));
          return true;
        }
        if (t.closed) {
          resolve('closed');
          return true;
        }
        return false;
      };
      if (attempt()) return;
      const timer = setTimeout(() => {
        t.wake = undefined;
        resolve('timeout');
      }, timeout);
      t.wake = () => {
        if (!attempt()) return;
        clearTimeout(timer);
        t.wake = undefined;
      };
    });
  }

  // ---- the blocking exchange (MULTI/EXEC, scripts) ----

  private runBlocking(plan: Plan, items: Item[]): Outcome {
    let mayRetry = true;
    for (;;) {
      const port = portOf(plan.port);
      if (port === null || plan.host === '') return { acked: [], error: 'IOERR error or timeout connecting to the client' };
      const req = buildRequest(plan, items, -1);
      const ex = this.blockingExchange(plan.host, port, plan.timeout, req.bytes, req.replies);
      if (ex.failed === 'connect') return { acked: [], error: 'IOERR error or timeout connecting to the client' };
      const out = interpret(plan, req, ex, mayRetry);
      if (!out.retry) return out;
      mayRetry = false;
    }
  }

  /** Connect, write, read `replies` lines, the server blocked meanwhile (native). */
  private blockingExchange(host: string, port: number, timeout: number, bytes: Buffer, replies: number): Exchange {
    const ex = this.ctx.native.migrate('exchange', Buffer.from(host, 'latin1'), port, timeout, bytes, replies);
    return { failed: ex.failed, timedOut: ex.timedOut, lines: ex.lines.map((l) => l.toString('latin1')) };
  }
}

const TURNED_REPLICA = 'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)';

// Errors after which Redis's connect counts as made and its write fails (also RefusedLike in native/binding/blocking_exchange.cc).
const REFUSED = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'EPIPE']);

/** Redis's atoi() of the port; null where its getaddrinfo() fails (a negative service). */
function portOf(s: string): number | null {
  const m = /^[\t\n\v\f\r ]*([+-]?)(\d*)/.exec(s);
  let n = m && m[2] ? Number(m[2].slice(0, 12)) : 0;
  if (m?.[1] === '-') n = -n;
  if (n < 0) return null;
  return n % 65536; // the 16 bits of sin_port
}

/** MIGRATE's options, with Redis's checks in Redis's order; null when an error was replied. */
function parse(call: CommandCall): Plan | null {
  const { args, w } = call;
  let copy = false,
    replace = false;
  let username: Buffer | undefined, password: Buffer | undefined;
  let keys: Buffer[] = [args[3]];
  const redacted: number[] = [];
  for (let j = 6; j < args.length; j++) {
    const more = args.length - 1 - j;
    const opt = args[j].toString('latin1').toLowerCase();
    if (opt === 'copy') copy = true;
    else if (opt === 'replace') replace = true;
    else if (opt === 'auth') {
      if (more < 1) return syntaxError(w);
      password = args[++j];
      redacted.push(j);
    } else if (opt === 'auth2') {
      if (more < 2) return syntaxError(w);
      username = args[++j];
      redacted.push(j);
      password = args[++j];
      redacted.push(j);
    } else if (opt === 'keys') {
      if (args[3].length !== 0) {
        w.error('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
        return null;
      }
      keys = args.slice(j + 1);
      break;
    } else {
      return syntaxError(w);
    }
  }
  if (redacted.length > 0) call.redacted = redacted;
  const timeout = string2ll(args[5]);
  const db = string2ll(args[4]);
  if (timeout === null || db === null) {
    w.error('ERR value is not an integer or out of range');
    return null;
  }
  return {
    host: args[1].toString('latin1'),
    port: args[2].toString('latin1'),
    db: Number(db),
    timeout: timeout <= 0n ? 1000 : Number(timeout > 2147483647n ? 2147483647n : timeout),
    copy,
    replace,
    username,
    password,
    keys,
  };
}

function syntaxError(w: RespWriter): null {
  w.error('ERR syntax error');
  return null;
}

/** The pipeline for one attempt: which items it carries, and whether AUTH and SELECT lead it. */
interface Request {
  bytes: Buffer;
  replies: number;
  auth: boolean;
  select: boolean;
  sent: Item[];
}

function buildRequest(plan: Plan, items: Item[], lastDb: number): Request {
  const parts: Buffer[] = [];
  const cmd = (...a: (Buffer | string)[]): void => {
    parts.push(Buffer.from(`*${a.length}\r\n`));
    for (const x of a) {
      const b = typeof x === 'string' ? Buffer.from(x) : x;
      parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
    }
  };
  const auth = plan.password !== undefined;
  if (plan.password) {
    if (plan.username) cmd('AUTH', plan.username, plan.password);
    else cmd('AUTH', plan.password);
  }
  const select = lastDb !== plan.db;
  if (select) cmd('SELECT', String(plan.db));
  const sent: Item[] = [];
  const now = Date.now();
  for (const item of items) {
    let ttl = 0;
    if (item[2] !== -1) {
      ttl = item[2] - now;
      if (ttl < 0) continue; // expired since it was looked up
      if (ttl < 1) ttl = 1;
    }
    sent.push(item);
    if (plan.replace) cmd('RESTORE', item[0], String(ttl), item[1], 'REPLACE');
    else cmd('RESTORE', item[0], String(ttl), item[1]);
  }
  return { bytes: Buffer.concat(parts), replies: (auth ? 1 : 0) + (select ? 1 : 0) + sent.length, auth, select, sent };
}

/** What an attempt comes to. */
interface Outcome {
  /** Items the target restored (deleted here unless COPY). */
  acked: Item[];
  /** The error reply, or none: +OK. */
  error?: string;
  retry?: boolean;
  closeSocket?: boolean;
  lastDb?: number;
}

/** Redis's reading of the replies, with its retry rule and error texts. */
function interpret(plan: Plan, req: Request, ex: Exchange, mayRetry: boolean): Outcome & { lastDb: number } {
  const ioerr = (writing: boolean): Outcome & { lastDb: number } => {
    if (!ex.timedOut && mayRetry) return { acked: [], retry: true, closeSocket: true, lastDb: -1 };
    return { acked: [], closeSocket: true, lastDb: -1, error: `IOERR error or timeout ${writing ? 'writing' : 'reading'} to target instance` };
  };
  if (ex.failed === 'write' || ex.failed === 'connect') return ioerr(true);
  const lines = ex.lines;
  let at = 0;
  const authLine = req.auth ? lines[at++] : undefined;
  const selectLine = req.select ? lines[at++] : undefined;
  if (at > lines.length) return ioerr(false); // the AUTH or SELECT reply never came
  const acked: Item[] = [];
  let error: string | undefined;
  let socketError = false;
  let j = 0;
  for (; j < req.sent.length; j++) {
    const line = lines[at + j];
    if (line === undefined) {
      socketError = true;
      break;
    }
    const failed = authLine?.[0] === '-' ? authLine : selectLine?.[0] === '-' ? selectLine : line[0] === '-' ? line : undefined;
    if (failed !== undefined) {
      error ??= `ERR Target instance replied with error: ${failed.slice(1)}`;
    } else {
      acked.push(req.sent[j]);
    }
  }
  if (error === undefined && socketError && j === 0 && mayRetry && !ex.timedOut) {
    return { acked: [], retry: true, closeSocket: true, lastDb: -1 };
  }
  if (error === undefined && socketError) {
    return { acked, closeSocket: true, lastDb: -1, error: 'IOERR error or timeout reading to target instance' };
  }
  if (error !== undefined) return { acked, error, closeSocket: socketError, lastDb: -1 };
  return { acked, lastDb: plan.db };
}
