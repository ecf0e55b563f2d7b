/**
 * The scheduler of blocked clients (BLPOP, BLMOVE, BZPOPMIN ... see
 * native/server/blocking_family.cc).
 *
 * When a blocking command finds nothing, the native dispatcher parks the
 * client and reports FeedStatus.Blocked; Connection.drain() then hands the
 * client to block(). From there:
 *
 *  - Every key it waits on gets a FIFO queue per (db, key), and the native
 *    side is told to watch the key (blockingKey +1), so that a modification
 *    of the key is collected as "ready".
 *  - pump() runs after every native call that may have changed data (the end
 *    of every drain, timer expiry): while ready keys are pending it takes
 *    them and, for each, retries the clients waiting on it in the order they
 *    blocked. A served client leaves every queue and its pipeline continues
 *    through Connection.drain() (which may hand over commands or block it
 *    again); a client whose retry still finds nothing keeps its place. Once a
 *    list waiter and a zset waiter have each found nothing, the key is done
 *    for them: like Redis, clients are served while the key still holds data
 *    of their type. Stream readers (XREAD, XREADGROUP) each wait for ids past
 *    their own, so every one of them is retried. Serving can make further
 *    keys ready (BLMOVE pushes to its destination): pump() loops until none
 *    are left. Clients that block while a key is being served wait for the
 *    next round, as in Redis.
 *  - Deadlines live in one binary heap with a single timer armed for the
 *    earliest one. An expired client, and one ended by CLIENT UNBLOCK, leaves
 *    the queues at once and gets its timeout (or error) reply from pump(),
 *    i.e. once the command that ended it has finished.
 *
 * All of it is synchronous: nothing here waits on I/O, so the order of
 * events is the order of native calls, as in Redis's single thread.
 */
import type { CommandCall, CommandRegistry } from '../commands/registry';
import { subcommandSyntaxError } from '../commands/registry';
import type { ServerContext } from '../context';
import { FeedStatus, SharedSlot } from '../boundary.gen';
import type { Connection } from '../network/connection';
import { clientIdOf, string2ll } from '../util/integers';

/** What a blocked command waits for; a retry only serves from a key of its own kind. */
const enum Kind {
  List = 0,
  ZSet = 1,
  /** XREAD / XREADGROUP: each waits for ids past its own, so every one is retried. */
  Stream = 2,
}

class BlockedClient {
  /** Position in the key heap (-1: no deadline or not in the heap). */
  heapIndex = -1;
  /** Queue ids ("db:key" in latin1) of the distinct keys waited on, with the keys. */
  readonly ids: string[] = [];
  readonly keys: Buffer[] = [];

  constructor(
    readonly seq: number,
    readonly conn: Connection,
    readonly db: number,
    /** Absolute unix ms, 0 = forever. */
    readonly timeoutAt: number,
    readonly kind: Kind,
  ) {}
}

/** The clients waiting on one key, in the order they blocked (Set keeps insertion order). */
class KeyQueue {
  readonly clients = new Set<BlockedClient>();
  /** Waiters per Kind. */
  readonly kinds = [0, 0, 0];
}

/** Binary min-heap on (timeoutAt, seq) with O(log n) removal. */
class DeadlineHeap {
  private readonly items: BlockedClient[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): BlockedClient | undefined {
    return this.items[0];
  }

  push(b: BlockedClient): void {
    b.heapIndex = this.items.length;
    this.items.push(b);
    this.up(b.heapIndex);
  }

  remove(b: BlockedClient): void {
    const i = b.heapIndex;
    if (i < 0) return;
    b.heapIndex = -1;
    const last = this.items.pop() as BlockedClient;
    if (i === this.items.length) return;
    this.items[i] = last;
    last.heapIndex = i;
    this.down(i);
    this.up(last.heapIndex);
  }

  private less(a: BlockedClient, b: BlockedClient): boolean {
    return a.timeoutAt < b.timeoutAt || (a.timeoutAt === b.timeoutAt && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const a = this.items[i];
    const b = this.items[j];
    this.items[i] = b;
    this.items[j] = a;
    b.heapIndex = i;
    a.heapIndex = j;
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(this.items[i], this.items[p])) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(this.items[l], this.items[m])) m = l;
      if (r < n && this.less(this.items[r], this.items[m])) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}

const UNBLOCKED_ERROR = 'UNBLOCKED client unblocked via CLIENT UNBLOCK';

/**
 * Clients blocked by a command another feature owns (WAIT): counted in
 * blocked_clients, flagged 'b', and ended by CLIENT UNBLOCK and by a master
 * turning replica like those blocked on keys.
 */
export interface OtherBlocks {
  blockedCount(): number;
  isBlocked(conn: Connection): boolean;
  /** Ends the block with its timeout reply (error '') or the error; false if not blocked here. */
  unblock(conn: Connection, error: string): boolean;
}

export class BlockingScheduler {
  private readonly byConn = new Map<Connection, BlockedClient>();
  private readonly queues = new Map<string, KeyQueue>();
  private readonly deadlines = new DeadlineHeap();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;
  private seq = 0;
  private pumping = false;
  /** Clients already out of every queue that still need their timeout / error reply. */
  private endings: Array<[Connection, string]> = [];

  private readonly others: OtherBlocks[] = [];

  constructor(private readonly ctx: ServerContext) {}

  addOtherBlocks(o: OtherBlocks): void {
    this.others.push(o);
  }

  register(r: CommandRegistry): void {
    r.register('client|unblock', (call) => this.clientUnblock(call));
  }

  /** INFO blocked_clients. */
  get blockedCount(): number {
    let n = this.byConn.size;
    for (const o of this.others) n += o.blockedCount();
    return n;
  }

  /** INFO clients_in_timeout_table: blocked clients with a deadline. */
  get timeoutTableCount(): number {
    return this.deadlines.size;
  }

  /** CLIENT LIST flag 'b'. */
  isBlocked(conn: Connection): boolean {
    return this.byConn.has(conn) || this.others.some((o) => o.isBlocked(conn));
  }

  /** Connection.drain() got FeedStatus.Blocked and wrote the output before it: park the client. */
  block(conn: Connection): void {
    const { native } = this.ctx;
    const [db, timeoutAt, keys] = native.blockInfo(conn.slot);
    const name = native.takeCommand(conn.slot)[0] ?? Buffer.alloc(0);
    const first = name.length > 0 ? name[0] | 0x20 : 0;
    const kind =
      first === 0x78 /* X... */
        ? Kind.Stream
        : name.length > 1 && (name[1] | 0x20) === 0x7a /* BZ... */
          ? Kind.ZSet
          : Kind.List;
    const b = new BlockedClient(++this.seq, conn, db, timeoutAt, kind);
    for (const key of keys) {
      const id = `${db}:${key.toString('latin1')}`;
      if (b.ids.includes(id)) continue; // BLPOP k k 0 waits once on k
      b.ids.push(id);
      b.keys.push(key);
      let q = this.queues.get(id);
      if (!q) {
        q = new KeyQueue();
        this.queues.set(id, q);
      }
      q.clients.add(b);
      q.kinds[kind]++;
      native.blockingKey(db, key, 1);
    }
    this.byConn.set(conn, b);
    conn.onRelease(this.release);
    if (timeoutAt > 0) {
      this.deadlines.push(b);
      this.arm();
    }
  }

  /** The connection is going away: forget its block, if any. */
  private readonly release = (conn: Connection): void => {
    const b = this.byConn.get(conn);
    if (b) this.forget(b);
  };

  /**
   * CLIENT UNBLOCK: ends the block of `conn` with its timeout reply (error '')
   * or an error. Returns false if it is not blocked. The reply is written by
   * the next pump(), i.e. after the current command.
   */
  unblock(conn: Connection, error: string): boolean {
    const b = this.byConn.get(conn);
    if (!b) return false;
    this.forget(b);
    this.endings.push([conn, error]);
    return true;
  }

  /**
   * Redis's disconnectAllBlockedClients (a master turned replica): every
   * blocked client gets `error` and is closed after it; nothing it pipelined runs.
   */
  disconnectAll(error: string): void {
    for (const conn of [...this.ctx.clients.values()]) {
      if (!this.isBlocked(conn)) continue;
      conn.requestClose();
      this.unblockAny(conn, error);
    }
    this.pump();
  }

  private unblockAny(conn: Connection, error: string): boolean {
    return this.unblock(conn, error) || this.others.some((o) => o.unblock(conn, error));
  }

  /** Clients answered in this pump whose pipelines resume at its end. */
  private served: Connection[] = [];

  /**
   * Serves what the last native calls made possible: pending timeout/unblock
   * replies, then the clients waiting on keys that became ready, until
   * nothing is left. Re-entrant calls (from the drains it runs) return at once.
   */
  pump(): void {
    const { native, shared } = this.ctx;
    if (this.pumping || (shared.readyKeys === 0 && this.endings.length === 0)) return;
    this.pumping = true;
    try {
      for (;;) {
        if (this.endings.length > 0) {
          const batch = this.endings;
          this.endings = [];
          for (const [conn, error] of batch) {
            if (conn.closing) continue;
            conn.drain(native.unblock(conn.slot, error));
            this.served.push(conn);
          }
          continue;
        }
        if (shared.readyKeys > 0) {
          for (const [db, key] of native.takeReadyKeys()) this.serveKey(db, key);
          continue;
        }
        if (this.served.length > 0) {
          // Served clients run the rest of their pipelines only once every ready
          // key has been served, so a pipelined second BLPOP cannot jump the queue.
          const batch = this.served;
          this.served = [];
          for (const conn of batch) if (!conn.closing) conn.drain(native.resume(conn.slot));
          continue;
        }
        break;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Retries the clients waiting on one ready key, first blocked first. */
  private serveKey(db: number, key: Buffer): void {
    const q = this.queues.get(`${db}:${key.toString('latin1')}`);
    if (!q) return;
    const last = this.seq; // clients blocking from here on wait for the next round
    let done = 0; // bit per Kind whose waiter found nothing
    for (const b of q.clients) {
      if (b.seq > last) break;
      if (b.kind === Kind.Stream) {
        // Like Redis, every stream reader is offered the key: their ids differ.
        this.retry(b, key);
        continue;
      }
      if (done & (1 << b.kind)) continue;
      if (this.retry(b, key)) continue;
      done |= 1 << b.kind;
      if (
        (done & 1 || q.kinds[Kind.List] === 0) &&
        (done & 2 || q.kinds[Kind.ZSet] === 0) &&
        q.kinds[Kind.Stream] === 0
      )
        break;
    }
  }

  /** Runs a waiter's command again; true if it was served (and its pipeline continued). */
  private retry(b: BlockedClient, readyKey: Buffer): boolean {
    const { native, shared } = this.ctx;
    const ret = native.retryBlocked(b.conn.slot, readyKey);
    // Still nothing: the same command parked again, with its original deadline.
    if (shared.status === FeedStatus.Blocked && shared.slots[SharedSlot.ReplyLength] === 0 && this.sameBlock(b)) {
      return false;
    }
    this.forget(b);
    b.conn.drain(ret);
    this.served.push(b.conn);
    return true;
  }

  /** Whether the client's current block is still `b` (not a later command that blocked). */
  private sameBlock(b: BlockedClient): boolean {
    const [db, timeoutAt, keys] = this.ctx.native.blockInfo(b.conn.slot);
    if (db !== b.db || timeoutAt !== b.timeoutAt) return false;
    let i = 0;
    for (const key of keys) {
      const id = `${db}:${key.toString('latin1')}`;
      if (b.ids[i] === id) i++;
      else if (!b.ids.includes(id)) return false;
    }
    return i === b.ids.length;
  }

  /** Takes the client out of every queue and the deadline heap. */
  private forget(b: BlockedClient): void {
    if (this.byConn.get(b.conn) !== b) return;
    this.byConn.delete(b.conn);
    const { native } = this.ctx;
    for (let i = 0; i < b.ids.length; i++) {
      const q = this.queues.get(b.ids[i]);
      if (q && q.clients.delete(b)) {
        q.kinds[b.kind]--;
        if (q.clients.size === 0) this.queues.delete(b.ids[i]);
      }
      native.blockingKey(b.db, b.keys[i], -1);
    }
    this.deadlines.remove(b);
  }

  /** Keeps one timer armed for the earliest deadline. */
  private arm(): void {
    const first = this.deadlines.peek();
    if (!first) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.timer && this.timerAt <= first.timeoutAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = first.timeoutAt;
    this.timer = setTimeout(() => this.expire(), Math.max(0, first.timeoutAt - Date.now()));
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    const now = Date.now();
    for (let b = this.deadlines.peek(); b && b.timeoutAt <= now; b = this.deadlines.peek()) {
      this.forget(b);
      this.endings.push([b.conn, '']);
    }
    this.pump();
    this.arm();
  }

  /** CLIENT UNBLOCK <id> [TIMEOUT|ERROR] */
  private clientUnblock(call: CommandCall): void {
    const { args, w } = call;
    if (args.length > 4) return subcommandSyntaxError(call, 'CLIENT');
    let error = '';
    if (args.length === 4) {
      const reason = args[3].toString('latin1').toLowerCase();
      if (reason === 'error') error = UNBLOCKED_ERROR;
      else if (reason !== 'timeout') return void w.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
    }
    const id = string2ll(args[2]);
    if (id === null) return void w.error('ERR value is not an integer or out of range');
    const target = this.ctx.clients.get(clientIdOf(id));
    w.int(target && !target.closing && this.unblockAny(target, error) ? 1 : 0);
  }

  /** Server shutdown: no more timers. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
