/**
 * CLIENT PAUSE timeout [WRITE|ALL] and CLIENT UNPAUSE (Redis 7.0).
 *
 * While a pause is on, the input of paused clients is not processed: native
 * I/O passes every read to TypeScript ('js-input'), the connection hands it
 * to hold() first, and the bytes wait here until the pause ends
 * (timeout or CLIENT UNPAUSE), then go to the native dispatcher in arrival
 * order, client by client in the order they were held.
 *
 *  - ALL: every client's input waits (a CLIENT UNPAUSE from another client
 *    too, as in Redis).
 *  - WRITE: requests are parsed here, just enough to find each command's name
 *    and size. Commands before the first one that must wait go through; from
 *    that one on, everything waits (a pipeline keeps its order). Commands
 *    that wait, per Redis's processCommand: write commands, the may-replicate
 *    ones (EVAL, EVALSHA, FCALL, PUBLISH, SPUBLISH, PFCOUNT), and EXEC of a
 *    transaction that may have queued one (here: one begun before the pause
 *    started, whose contents are unknown; writes queued later wait at once).
 *    A command with the wrong number of arguments goes through to get its
 *    error. Input that does not parse goes through (the dispatcher answers
 *    the protocol error).
 *  - MONITOR clients (replicas in Redis) are never paused.
 *  - A new CLIENT PAUSE replaces the mode and extends the end time (never
 *    shortens it).
 *
 * Commands the pausing client pipelined after CLIENT PAUSE are taken back
 * from the dispatcher (Connection.drain) and held here like any other input.
 * Not covered: a request of another client cut in two by the network whose
 * first part was read before the pause (in WRITE mode that client's input
 * then waits entirely), and key expiry, which Redis also suspends during a
 * pause (native side).
 */
import { ClientState } from '../boundary.gen';
import type { CommandCall, CommandRegistry } from '../commands/registry';
import { subcommandSyntaxError } from '../commands/registry';
import { lookupByFullName } from '../commands/table';
import type { ServerContext } from '../context';
import type { Connection } from '../network/connection';
import { INT64_MAX, string2ll } from '../util/integers';
import type { Monitor } from './monitor';

type PauseType = 'write' | 'all';

/** Input held for one client during a pause. */
interface HeldInput {
  chunks: Buffer[];
  /** A command that must wait was reached (always in ALL mode): the chunks wait as a whole. */
  blocked: boolean;
  /** WRITE mode: an incomplete request at the end of the chunks, not classified yet. */
  tail: boolean;
  /** WRITE mode: whether the client is inside MULTI (undefined: unknown, it may have begun before). */
  multi: boolean | undefined;
}

// ---------------------------------------------------------------------------
// Request classification (WRITE mode)

/** Redis 7.0's CMD_MAY_REPLICATE commands (hidden from COMMAND INFO, so not in commands.gen.json). */
const MAY_REPLICATE = new Set(['eval', 'evalsha', 'fcall', 'pfcount', 'publish', 'spublish']);

interface Request {
  /** Offset just past the request. */
  end: number;
  argc: number;
  /** Lowercase command name and first argument (only the first 64 bytes of each). */
  name: string;
  sub: string;
}

const NAME_MAX = 64;

function findCrlf(buf: Buffer, from: number): number {
  return buf.indexOf('\r\n', from, 'latin1');
}

/** Parses a non-negative decimal of a RESP header; undefined if malformed. */
function headerInt(buf: Buffer, start: number, end: number): number | undefined {
  const s = buf.toString('latin1', start, end);
  if (!/^-?[0-9]{1,18}$/.test(s)) return undefined;
  return Number(s);
}

/**
 * Splits an inline request like sdssplitargs (quotes with escapes); only
 * the first two words matter here. Undefined for unbalanced quotes.
 */
function inlineWords(line: string): string[] | undefined {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length) break;
    let w = '';
    const q = line[i] === '"' || line[i] === "'" ? line[i] : '';
    if (q) {
      i++;
      for (;;) {
        if (i >= line.length) return undefined;
        if (q === '"' && line[i] === '\\' && i + 1 < line.length) {
          w += line[i + 1];
          i += 2;
        } else if (line[i] === q) {
          i++;
          if (i < line.length && !/\s/.test(line[i])) return undefined;
          break;
        } else {
          w += line[i++];
        }
      }
    } else {
      while (i < line.length && !/\s/.test(line[i])) w += line[i++];
    }
    words.push(w);
  }
  return words;
}

/** The request starting at `off`: undefined if incomplete, null if it does not parse. */
function parseRequest(buf: Buffer, off: number): Request | undefined | null {
  if (buf[off] !== 0x2a /* '*' */) {
    const nl = buf.indexOf(0x0a, off);
    if (nl < 0) return undefined;
    let lineEnd = nl;
    if (lineEnd > off && buf[lineEnd - 1] === 0x0d) lineEnd--;
    const words = inlineWords(buf.toString('latin1', off, lineEnd));
    if (!words) return null;
    return {
      end: nl + 1,
      argc: words.length,
      name: (words[0] ?? '').toLowerCase(),
      sub: (words[1] ?? '').toLowerCase(),
    };
  }
  let p = findCrlf(buf, off);
  if (p < 0) return undefined;
  const argc = headerInt(buf, off + 1, p);
  if (argc === undefined) return null;
  p += 2;
  const words: string[] = [];
  for (let i = 0; i < argc; i++) {
    if (p >= buf.length) return undefined;
    if (buf[p] !== 0x24 /* '$' */) return null;
    const e = findCrlf(buf, p);
    if (e < 0) return undefined;
    const len = headerInt(buf, p + 1, e);
    if (len === undefined || len < 0) return null;
    const start = e + 2;
    if (start + len + 2 > buf.length) return undefined;
    if (i < 2) words.push(buf.toString('latin1', start, start + Math.min(len, NAME_MAX)).toLowerCase());
    p = start + len + 2;
  }
  return { end: p, argc: Math.max(0, argc), name: words[0] ?? '', sub: words[1] ?? '' };
}

/** Whether a request must wait during a WRITE pause. */
function mustWait(req: Request, held: HeldInput): boolean {
  if (req.argc === 0) return false;
  if (req.name === 'exec') return held.multi === undefined;
  let entry = lookupByFullName(req.name);
  if (!entry) return false;
  if (entry.subs) {
    if (req.argc < 2) return false;
    entry = entry.subs.get(req.sub);
    if (!entry) return false;
  }
  const { arity, flags } = entry.meta;
  if ((arity > 0 && req.argc !== arity) || req.argc < -arity) return false;
  return flags.includes('write') || MAY_REPLICATE.has(entry.meta.name);
}

// ---------------------------------------------------------------------------
// The pause

export class Pause {
  /** The pause in effect: the strongest of CLIENT PAUSE's and the server's own. */
  private type: PauseType | undefined;
  /** CLIENT PAUSE's mode and end (unix ms). */
  private clientType: PauseType | undefined;
  private end = 0;
  /** Pauses of the server's own, by purpose ('failover', 'shutdown'). */
  private readonly purposes = new Map<string, PauseType>();
  private timer: NodeJS.Timeout | undefined;
  /** WRITE mode keeps parsing state for every client seen during the pause, held or not. */
  private readonly held = new Map<Connection, HeldInput>();
  /** Work that changes the dataset on its own and waits for the end of every pause (MIGRATE's deletions). */
  private readonly afterPauses: (() => void)[] = [];

  constructor(
    private readonly ctx: ServerContext,
    private readonly monitor: Monitor,
  ) {}

  register(r: CommandRegistry): void {
    r.register('client|pause', (call) => this.clientPause(call));
    r.register('client|unpause', (call) => this.clientUnpause(call));
  }

  /** Whether a CLIENT PAUSE is in effect. */
  get active(): boolean {
    return this.type !== undefined;
  }

  /** Runs `fn` now if no pause is in effect, else once none is. */
  whenUnpaused(fn: () => void): void {
    if (this.type === undefined) fn();
    else this.afterPauses.push(fn);
  }

  /** A client whose next command waits for the end of a pause (CLIENT LIST flag 'b', INFO blocked_clients). */
  isPaused(conn: Connection): boolean {
    const held = this.held.get(conn);
    return held !== undefined && held.blocked && held.chunks.length > 0;
  }

  /** Clients waiting for the end of a pause. */
  get pausedCount(): number {
    let n = 0;
    for (const held of this.held.values()) if (held.blocked && held.chunks.length > 0) n++;
    return n;
  }

  /**
   * Hook for Connection.onData: returns true if `chunk` is taken (held, or
   * partly fed and partly held) and must not be fed by the caller.
   */
  hold(conn: Connection, chunk: Buffer): boolean {
    if (this.type === undefined || this.monitor.isMonitor(conn)) return false;
    let held = this.held.get(conn);
    if (!held) {
      held = { chunks: [], blocked: this.type === 'all', tail: false, multi: undefined };
      // A request the dispatcher has partly read cannot be classified from here: wait.
      if (this.type === 'write' && this.ctx.native.clientState(conn.slot)[ClientState.QueryBytes] > 0) held.blocked = true;
      this.held.set(conn, held);
      conn.onRelease(this.release);
    }
    if (held.blocked) {
      held.chunks.push(chunk);
      return true;
    }
    // WRITE mode: pass the commands before the first one that must wait.
    const data = held.tail ? Buffer.concat([...held.chunks, chunk]) : chunk;
    held.chunks = [];
    held.tail = false;
    let passed = 0;
    for (let off = 0; off < data.length; ) {
      const req = parseRequest(data, off);
      if (req === null) {
        passed = data.length; // let the dispatcher report the protocol error
        break;
      }
      if (req === undefined) break;
      if (mustWait(req, held)) {
        held.blocked = true;
        break;
      }
      if (req.name === 'multi') held.multi = true;
      else if (req.name === 'exec' || req.name === 'discard') held.multi = false;
      off = passed = req.end;
    }
    if (passed < data.length) {
      held.chunks.push(data.subarray(passed));
      held.tail = !held.blocked;
    }
    this.feed(conn, data.subarray(0, passed));
    return true;
  }

  /** A connection that goes takes its held input with it. */
  private readonly release = (conn: Connection): void => void this.held.delete(conn);

  private feed(conn: Connection, data: Buffer): void {
    if (conn.closing || data.length === 0) return;
    conn.drain(this.ctx.native.feed(conn.slot, data));
  }

  private scheduleEnd(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (Date.now() >= this.end) this.unpause();
      else this.scheduleEnd();
    }, Math.max(0, this.end - Date.now()));
    this.timer.unref();
  }

  /** CLIENT PAUSE's part (Redis's PAUSE_BY_CLIENT_COMMAND). */
  private pause(type: PauseType, end: number): void {
    // A new CLIENT PAUSE replaces the mode and never shortens the end.
    this.clientType = type;
    if (end > this.end) this.end = end;
    if (Date.now() >= this.end) this.unpause();
    else {
      this.scheduleEnd();
      this.apply();
    }
  }

  private unpause(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.clientType = undefined;
    this.end = 0;
    this.apply();
  }

  /**
   * A pause of the server's own (Redis's PAUSE_DURING_FAILOVER and
   * PAUSE_DURING_SHUTDOWN): lasts until unpauseFor(purpose), whatever
   * CLIENT PAUSE and CLIENT UNPAUSE do meanwhile.
   */
  pauseFor(purpose: string, type: PauseType): void {
    this.purposes.set(purpose, type);
    this.apply();
  }

  unpauseFor(purpose: string): void {
    if (this.purposes.delete(purpose)) this.apply();
  }

  /** The strongest pause among CLIENT PAUSE and the server's own. */
  private effective(): PauseType | undefined {
    let t = this.clientType;
    for (const p of this.purposes.values()) if (p === 'all' || t === undefined) t = p;
    return t;
  }

  /** Applies the effective pause; when it weakens, held input is fed again (and held again if it must still wait). */
  private apply(): void {
    const before = this.type;
    const after = this.effective();
    this.type = after;
    if (before === undefined && after !== undefined) this.ctx.native.configure('js-input', true);
    if (after === 'all') for (const held of this.held.values()) held.blocked = true;
    if (before === undefined || before === after || after === 'all') return;
    // Weaker than before (ALL to WRITE, or no pause at all).
    if (after === undefined) {
      this.ctx.native.configure('js-input', false);
      const waiting = this.afterPauses.splice(0);
      if (waiting.length > 0) queueMicrotask(() => waiting.forEach((fn) => fn()));
    }
    const held = [...this.held];
    this.held.clear();
    if (held.length === 0) return;
    // After the current command (CLIENT UNPAUSE may come from a client whose input is being fed).
    queueMicrotask(() => {
      for (const [conn, h] of held) {
        if (h.chunks.length === 0 || conn.closing) continue;
        const data = h.chunks.length === 1 ? h.chunks[0] : Buffer.concat(h.chunks);
        // A command released here may pause again.
        if (!this.hold(conn, data)) this.feed(conn, data);
      }
    });
  }

  /** CLIENT PAUSE timeout [WRITE|ALL] */
  private clientPause(call: CommandCall): void {
    const { args, w } = call;
    if (args.length !== 3 && args.length !== 4) return subcommandSyntaxError(call, 'CLIENT');
    let type: PauseType = 'all';
    if (args.length === 4) {
      const mode = args[3].toString('latin1').toLowerCase();
      if (mode === 'write') type = 'write';
      else if (mode !== 'all') return void w.error('ERR CLIENT PAUSE mode must be WRITE or ALL');
    }
    const ms = string2ll(args[2]);
    if (ms === null) return void w.error('ERR timeout is not an integer or out of range');
    if (ms < 0n) return void w.error('ERR timeout is negative');
    let end = 0;
    if (ms > 0n) {
      // Redis adds the current time in a signed 64-bit integer: past the maximum it wraps into the past.
      const sum = ms + BigInt(Date.now());
      end = sum > INT64_MAX ? 0 : Number(sum);
    }
    this.pause(type, end);
    w.ok();
  }

  /** CLIENT UNPAUSE */
  private clientUnpause(call: CommandCall): void {
    this.unpause();
    call.w.ok();
  }
}
