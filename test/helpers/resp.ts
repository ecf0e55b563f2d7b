/**
 * Minimal raw RESP2/RESP3 client for tests.
 *
 * Every reply is parsed into a tagged tree that keeps all wire-level type
 * distinctions (simple string vs bulk, null bulk vs null array vs RESP3 null,
 * integer vs double vs big number, map vs flat array, ...), so that two
 * servers can be compared exactly.
 */
import net from 'node:net';
import crypto from 'node:crypto';

export type Reply =
  | { type: 'simple'; value: string }
  | { type: 'error'; value: string }
  | { type: 'integer'; value: bigint }
  | { type: 'bulk'; value: Buffer | null }
  | { type: 'array'; value: Reply[] | null }
  | { type: 'null' }
  | { type: 'double'; value: string }
  | { type: 'boolean'; value: boolean }
  | { type: 'bignum'; value: string }
  | { type: 'blob-error'; value: Buffer }
  | { type: 'verbatim'; format: string; value: Buffer }
  | { type: 'map'; value: Array<[Reply, Reply]> }
  | { type: 'set'; value: Reply[] }
  | { type: 'attribute'; attributes: Array<[Reply, Reply]>; value: Reply }
  | { type: 'push'; value: Reply[] };

export type Arg = string | Buffer | number | bigint;

export class RespTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`timed out after ${ms} ms waiting for ${what}`);
    this.name = 'RespTimeoutError';
  }
}

export class RespClosedError extends Error {
  constructor(what: string) {
    super(`connection closed while waiting for ${what}`);
    this.name = 'RespClosedError';
  }
}

export class RespParseError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = 'RespParseError';
  }
}

// ---------------------------------------------------------------------------
// Encoding

export function encodeCommand(args: Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------
// Parsing

interface Parsed {
  reply: Reply;
  next: number;
}

function readLine(buf: Buffer, off: number): { line: string; next: number } | null {
  const idx = buf.indexOf('\r\n', off, 'latin1');
  if (idx < 0) return null;
  return { line: buf.toString('latin1', off, idx), next: idx + 2 };
}

function parseLength(line: string, kind: string): number {
  if (!/^-?\d+$/.test(line)) throw new RespParseError(`invalid ${kind} length ${JSON.stringify(line)}`);
  return Number(line);
}

/**
 * Parse one reply starting at `off`. Returns null when the buffer does not
 * (yet) hold a complete reply. Throws RespParseError on malformed input.
 */
export function parseReply(buf: Buffer, off = 0, hint?: { need: number }): Parsed | null {
  if (off >= buf.length) return null;
  const prefix = String.fromCharCode(buf[off]);
  const l = readLine(buf, off + 1);
  if (!l) return null;
  const { line, next } = l;

  const blob = (kind: string): { data: Buffer | null; next: number } | null => {
    const len = parseLength(line, kind);
    if (len < 0) return { data: null, next };
    if (buf.length < next + len + 2) {
      if (hint) hint.need = next + len + 2;
      return null;
    }
    if (buf[next + len] !== 13 || buf[next + len + 1] !== 10) {
      throw new RespParseError(`${kind} of length ${len} not terminated by CRLF`);
    }
    return { data: Buffer.from(buf.subarray(next, next + len)), next: next + len + 2 };
  };

  const elements = (count: number, from: number): { items: Reply[]; next: number } | null => {
    const items: Reply[] = [];
    let pos = from;
    for (let i = 0; i < count; i++) {
      const p = parseReply(buf, pos, hint);
      if (!p) return null;
      items.push(p.reply);
      pos = p.next;
    }
    return { items, next: pos };
  };

  const pairs = (count: number, from: number): { items: Array<[Reply, Reply]>; next: number } | null => {
    const e = elements(count * 2, from);
    if (!e) return null;
    const items: Array<[Reply, Reply]> = [];
    for (let i = 0; i < e.items.length; i += 2) items.push([e.items[i], e.items[i + 1]]);
    return { items, next: e.next };
  };

  switch (prefix) {
    case '+':
      return { reply: { type: 'simple', value: line }, next };
    case '-':
      return { reply: { type: 'error', value: line }, next };
    case ':':
      if (!/^[-+]?\d+$/.test(line)) throw new RespParseError(`invalid integer ${JSON.stringify(line)}`);
      return { reply: { type: 'integer', value: BigInt(line) }, next };
    case '$': {
      const b = blob('bulk');
      if (!b) return null;
      return { reply: { type: 'bulk', value: b.data }, next: b.next };
    }
    case '*': {
      const n = parseLength(line, 'array');
      if (n < 0) return { reply: { type: 'array', value: null }, next };
      const e = elements(n, next);
      if (!e) return null;
      return { reply: { type: 'array', value: e.items }, next: e.next };
    }
    case '_':
      if (line !== '') throw new RespParseError(`invalid null ${JSON.stringify(line)}`);
      return { reply: { type: 'null' }, next };
    case ',':
      return { reply: { type: 'double', value: line }, next };
    case '#':
      if (line !== 't' && line !== 'f') throw new RespParseError(`invalid boolean ${JSON.stringify(line)}`);
      return { reply: { type: 'boolean', value: line === 't' }, next };
    case '(':
      if (!/^[-+]?\d+$/.test(line)) throw new RespParseError(`invalid big number ${JSON.stringify(line)}`);
      return { reply: { type: 'bignum', value: line }, next };
    case '!': {
      const b = blob('blob error');
      if (!b) return null;
      if (!b.data) throw new RespParseError('null blob error');
      return { reply: { type: 'blob-error', value: b.data }, next: b.next };
    }
    case '=': {
      const b = blob('verbatim');
      if (!b) return null;
      if (!b.data || b.data.length < 4 || b.data[3] !== 0x3a) {
        throw new RespParseError('verbatim string without a 3-byte format prefix');
      }
      return {
        reply: { type: 'verbatim', format: b.data.toString('latin1', 0, 3), value: b.data.subarray(4) },
        next: b.next,
      };
    }
    case '%': {
      const n = parseLength(line, 'map');
      const p = pairs(n, next);
      if (!p) return null;
      return { reply: { type: 'map', value: p.items }, next: p.next };
    }
    case '~': {
      const n = parseLength(line, 'set');
      const e = elements(n, next);
      if (!e) return null;
      return { reply: { type: 'set', value: e.items }, next: e.next };
    }
    case '>': {
      const n = parseLength(line, 'push');
      const e = elements(n, next);
      if (!e) return null;
      return { reply: { type: 'push', value: e.items }, next: e.next };
    }
    case '|': {
      // An attribute is out-of-band metadata attached to the reply that follows.
      const n = parseLength(line, 'attribute');
      const p = pairs(n, next);
      if (!p) return null;
      const inner = parseReply(buf, p.next, hint);
      if (!inner) return null;
      return { reply: { type: 'attribute', attributes: p.items, value: inner.reply }, next: inner.next };
    }
    default:
      throw new RespParseError(
        `unknown RESP type byte 0x${buf[off].toString(16)} (${JSON.stringify(prefix)}) at offset ${off}`,
      );
  }
}

// ---------------------------------------------------------------------------
// Formatting (for diffs and assertions)

const BIG_BULK = 200;

/** Render bytes as a double-quoted string, escaping everything non-printable. */
export function quoteBytes(b: Buffer, limit = BIG_BULK): string {
  const show = (x: Buffer) => {
    let s = '';
    for (const c of x) {
      if (c === 0x22) s += '\\"';
      else if (c === 0x5c) s += '\\\\';
      else if (c === 0x0a) s += '\\n';
      else if (c === 0x0d) s += '\\r';
      else if (c === 0x09) s += '\\t';
      else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
      else s += '\\x' + c.toString(16).padStart(2, '0');
    }
    return s;
  };
  if (b.length <= limit) return `"${show(b)}"`;
  const sha = crypto.createHash('sha1').update(b).digest('hex').slice(0, 12);
  return `"${show(b.subarray(0, 48))}"...(${b.length} bytes, sha1 ${sha})`;
}

function quoteLine(s: string): string {
  return quoteBytes(Buffer.from(s, 'latin1'), Infinity).slice(1, -1);
}

/**
 * One-line human readable rendering, close to redis-cli but with every type
 * marker visible:  +simple  -error  :int  "bulk"  nil (null bulk)  *nil (null
 * array)  _ (RESP3 null)  ,double  #t/#f  (bignum  =txt:"verbatim"  [array]
 * %{k => v}  ~{set}  >[push]  |{attrs} value  !"blob error".
 */
export function formatReply(r: Reply): string {
  switch (r.type) {
    case 'simple':
      return '+' + quoteLine(r.value);
    case 'error':
      return '-' + quoteLine(r.value);
    case 'integer':
      return ':' + r.value.toString();
    case 'bulk':
      return r.value === null ? 'nil' : quoteBytes(r.value);
    case 'array':
      return r.value === null ? '*nil' : '[' + r.value.map(formatReply).join(', ') + ']';
    case 'null':
      return '_';
    case 'double':
      return ',' + r.value;
    case 'boolean':
      return r.value ? '#t' : '#f';
    case 'bignum':
      return '(' + r.value;
    case 'blob-error':
      return '!' + quoteBytes(r.value);
    case 'verbatim':
      return '=' + r.format + ':' + quoteBytes(r.value);
    case 'map':
      return '%{' + r.value.map(([k, v]) => `${formatReply(k)} => ${formatReply(v)}`).join(', ') + '}';
    case 'set':
      return '~{' + r.value.map(formatReply).join(', ') + '}';
    case 'push':
      return '>[' + r.value.map(formatReply).join(', ') + ']';
    case 'attribute':
      return (
        '|{' + r.attributes.map(([k, v]) => `${formatReply(k)} => ${formatReply(v)}`).join(', ') + '} ' +
        formatReply(r.value)
      );
  }
}

/** Text of a bulk / simple / verbatim reply, or undefined for other types. */
export function replyText(r: Reply): string | undefined {
  if (r.type === 'bulk') return r.value === null ? undefined : r.value.toString('latin1');
  if (r.type === 'verbatim') return r.value.toString('latin1');
  if (r.type === 'simple') return r.value;
  return undefined;
}

// ---------------------------------------------------------------------------
// Client

export interface ConnectOptions {
  host?: string;
  /** Default timeout for reads, ms. */
  timeoutMs?: number;
}

export interface QuietResult {
  data: Buffer;
  closed: boolean;
}

export class RespClient {
  readonly socket: net.Socket;
  readonly port: number;
  readonly host: string;
  timeoutMs: number;
  private buf: Buffer = Buffer.alloc(0);
  /** Received chunks not yet merged into `buf` (avoids quadratic copying of big replies). */
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  /** Merge / wake readers only once this many bytes are available. */
  private need = 0;
  private _closed = false;
  private _closeError: Error | undefined;
  private listeners = new Set<() => void>();
  /** Resolves when the peer (or we) closed the connection. */
  readonly closedPromise: Promise<void>;
  /** Time of the last data/close event (ms, performance clock). */
  private lastActivity = performance.now();

  private constructor(socket: net.Socket, port: number, host: string, timeoutMs: number) {
    this.socket = socket;
    this.port = port;
    this.host = host;
    this.timeoutMs = timeoutMs;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.chunkBytes += chunk.length;
      this.lastActivity = performance.now();
      if (this.buf.length + this.chunkBytes >= this.need) {
        this.flatten();
        this.notify();
      }
    });
    this.closedPromise = new Promise((resolve) => {
      const done = () => {
        if (this._closed) return;
        this._closed = true;
        this.flatten();
        this.lastActivity = performance.now();
        this.notify();
        resolve();
      };
      socket.on('end', done);
      socket.on('close', done);
      socket.on('error', (e) => {
        this._closeError = e;
        done();
      });
    });
  }

  static connect(port: number, hostOrOpts?: string | ConnectOptions): Promise<RespClient> {
    const opts: ConnectOptions = typeof hostOrOpts === 'string' ? { host: hostOrOpts } : (hostOrOpts ?? {});
    const host = opts.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      const onError = (e: Error) => reject(new Error(`cannot connect to ${host}:${port}: ${e.message}`));
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve(new RespClient(socket, port, host, opts.timeoutMs ?? 5000));
      });
    });
  }

  /** True once the connection was closed by either side (or reset). */
  get closed(): boolean {
    return this._closed;
  }

  get closeError(): Error | undefined {
    return this._closeError;
  }

  /** Number of received bytes not consumed yet. */
  get pending(): number {
    return this.buf.length + this.chunkBytes;
  }

  private flatten() {
    if (this.chunks.length === 0) return;
    this.buf = Buffer.concat(this.buf.length ? [this.buf, ...this.chunks] : this.chunks);
    this.chunks = [];
    this.chunkBytes = 0;
  }

  private notify() {
    for (const l of [...this.listeners]) l();
  }

  /**
   * Wait until `check` returns something other than undefined; `check` is
   * re-run after every data / close event.
   */
  private waitFor<T>(what: string, check: () => T | undefined, timeoutMs = this.timeoutMs): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (fn: () => void) => {
        this.listeners.delete(listener);
        if (timer) clearTimeout(timer);
        fn();
      };
      const listener = () => {
        let v: T | undefined;
        try {
          v = check();
        } catch (e) {
          finish(() => reject(e));
          return;
        }
        if (v !== undefined) finish(() => resolve(v as T));
        else if (this._closed) finish(() => reject(new RespClosedError(what)));
      };
      this.listeners.add(listener);
      timer = setTimeout(() => finish(() => reject(new RespTimeoutError(what, timeoutMs))), timeoutMs);
      this.flatten();
      listener();
    });
  }

  // -- writing ---------------------------------------------------------------

  send(...args: Arg[]): void {
    this.socket.write(encodeCommand(args));
  }

  sendRaw(bytes: Buffer | string): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** Write and wait until the data has been handed to the kernel. */
  writeRaw(bytes: Buffer | string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes, (err) =>
        err ? reject(err) : resolve(),
      );
    });
  }

  // -- reading ---------------------------------------------------------------

  /** Next complete reply. Rejects with RespClosedError / RespTimeoutError / RespParseError. */
  read(timeoutMs?: number): Promise<Reply> {
    return this.waitFor(
      'a reply',
      () => {
        const hint = { need: 0 };
        const p = parseReply(this.buf, 0, hint);
        if (!p) {
          this.need = hint.need;
          return undefined;
        }
        this.need = 0;
        this.buf = this.buf.subarray(p.next);
        return p.reply;
      },
      timeoutMs,
    );
  }

  /** Parse (without consuming) how many complete replies are buffered. */
  countBufferedReplies(): number {
    this.flatten();
    let n = 0;
    let off = 0;
    for (;;) {
      const p = parseReply(this.buf, off);
      if (!p) return n;
      n++;
      off = p.next;
    }
  }

  async call(...args: Arg[]): Promise<Reply> {
    this.send(...args);
    return this.read();
  }

  /** HELLO <proto> [AUTH user pass] [SETNAME name] and return its reply. */
  hello(proto: number, opts: { auth?: [string, string]; setname?: string } = {}): Promise<Reply> {
    const args: Arg[] = ['HELLO', proto];
    if (opts.auth) args.push('AUTH', opts.auth[0], opts.auth[1]);
    if (opts.setname !== undefined) args.push('SETNAME', opts.setname);
    return this.call(...args);
  }

  /** Exactly `n` raw bytes. */
  readRawBytes(n: number, timeoutMs?: number): Promise<Buffer> {
    return this.waitFor(
      `${n} bytes`,
      () => {
        if (this.buf.length < n) {
          this.need = n;
          return undefined;
        }
        this.need = 0;
        const out = Buffer.from(this.buf.subarray(0, n));
        this.buf = this.buf.subarray(n);
        return out;
      },
      timeoutMs,
    );
  }

  /** Whatever is buffered right now (possibly empty). */
  takeBuffered(): Buffer {
    this.flatten();
    const out = this.buf;
    this.buf = Buffer.alloc(0);
    return out;
  }

  /**
   * Collect raw bytes until the connection closes or `timeoutMs` elapsed, and:
   * - with `until`: once `until(data)` holds (expected data complete), plus a
   *   short grace period so that extra bytes or a close are still observed;
   * - without: once nothing arrived for `quietMs`.
   */
  async readUntilQuiet(
    opts: { quietMs?: number; timeoutMs?: number; until?: (data: Buffer) => boolean } = {},
  ): Promise<QuietResult> {
    const quietMs = opts.quietMs ?? 100;
    const graceMs = Math.min(quietMs, 50);
    const start = performance.now();
    const deadline = start + (opts.timeoutMs ?? 5000);
    let satisfiedAt: number | undefined;
    this.need = 0;
    this.flatten();
    for (;;) {
      if (this._closed) break;
      const now = performance.now();
      if (now >= deadline) break;
      let waitMs: number;
      if (opts.until && satisfiedAt === undefined) {
        if (opts.until(this.buf)) {
          satisfiedAt = now;
          continue;
        }
        waitMs = deadline - now;
      } else {
        const idle = now - Math.max(this.lastActivity, satisfiedAt ?? start);
        const limit = satisfiedAt === undefined ? quietMs : graceMs;
        if (idle >= limit) break;
        waitMs = limit - idle;
      }
      await this.nextEvent(Math.max(1, Math.min(waitMs, deadline - now)));
    }
    return { data: this.takeBuffered(), closed: this._closed };
  }

  /** Resolve on the next data / close event, or after `ms`. */
  private nextEvent(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.listeners.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.listeners.add(done);
    });
  }

  /** All bytes until the peer closes. */
  async readUntilClose(timeoutMs?: number): Promise<Buffer> {
    await this.waitFor('the connection to close', () => (this._closed ? true : undefined), timeoutMs);
    return this.takeBuffered();
  }

  /** Wait for the peer to close; resolves false on timeout. */
  async waitClosed(timeoutMs = 1000): Promise<boolean> {
    try {
      await this.waitFor('close', () => (this._closed ? true : undefined), timeoutMs);
      return true;
    } catch {
      return this._closed;
    }
  }

  /** Graceful close (FIN), waits for the socket to be fully closed. */
  async close(): Promise<void> {
    if (this._closed && this.socket.destroyed) return;
    this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), 1000);
    await this.closedPromise;
    clearTimeout(t);
    this.socket.destroy();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Shorthand: open a connection. */
export function connect(port: number, host = '127.0.0.1', opts: Omit<ConnectOptions, 'host'> = {}) {
  return RespClient.connect(port, { ...opts, host });
}
