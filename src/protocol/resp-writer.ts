/**
 * Builds RESP2/RESP3 replies for the commands TypeScript owns, and the
 * messages sent outside the request/reply flow (pub/sub messages, tracking
 * invalidations). Mirrors the native reply writer (native/protocol/reply.h):
 * callers say what a value is, the client's protocol version decides the
 * bytes.
 */
export class RespWriter {
  private chunks: Buffer[] = [];
  private parts: string[] = [];

  constructor(public readonly resp: number) {}

  private text(s: string): this {
    this.parts.push(s);
    return this;
  }

  private flushText(): void {
    if (this.parts.length) {
      this.chunks.push(Buffer.from(this.parts.join(''), 'utf8'));
      this.parts = [];
    }
  }

  ok(): this {
    return this.text('+OK\r\n');
  }

  simple(s: string): this {
    return this.text(`+${s}\r\n`);
  }

  /** `msg` is the full error text, e.g. "ERR syntax error"; as bytes when it quotes binary input. */
  error(msg: string | Buffer): this {
    if (typeof msg === 'string') return this.text(`-${msg.replace(/[\r\n]/g, ' ')}\r\n`);
    const body = Buffer.from(msg);
    for (let i = 0; i < body.length; i++) if (body[i] === 0x0d || body[i] === 0x0a) body[i] = 0x20;
    return this.text('-').raw(body).text('\r\n');
  }

  int(n: number | bigint): this {
    return this.text(`:${n}\r\n`);
  }

  bulk(s: string | Buffer | null): this {
    if (s === null) return this.null();
    if (typeof s === 'string') return this.text(`$${Buffer.byteLength(s)}\r\n${s}\r\n`);
    this.text(`$${s.length}\r\n`);
    this.flushText();
    this.chunks.push(s);
    return this.text('\r\n');
  }

  null(): this {
    return this.text(this.resp >= 3 ? '_\r\n' : '$-1\r\n');
  }

  nullArray(): this {
    return this.text(this.resp >= 3 ? '_\r\n' : '*-1\r\n');
  }

  array(n: number): this {
    return this.text(`*${n}\r\n`);
  }

  map(n: number): this {
    return this.text(this.resp >= 3 ? `%${n}\r\n` : `*${n * 2}\r\n`);
  }

  set(n: number): this {
    return this.text(this.resp >= 3 ? `~${n}\r\n` : `*${n}\r\n`);
  }

  push(n: number): this {
    return this.text(this.resp >= 3 ? `>${n}\r\n` : `*${n}\r\n`);
  }

  bool(b: boolean): this {
    return this.resp >= 3 ? this.text(b ? '#t\r\n' : '#f\r\n') : this.int(b ? 1 : 0);
  }

  double(d: number): this {
    const s = formatDouble(d);
    return this.resp >= 3 ? this.text(`,${s}\r\n`) : this.bulk(s);
  }

  /** RESP3 verbatim string (INFO, CLIENT INFO); a bulk string in RESP2. */
  verbatim(s: string, format = 'txt'): this {
    if (this.resp < 3) return this.bulk(s);
    const body = `${format}:${s}`;
    return this.text(`=${Buffer.byteLength(body)}\r\n${body}\r\n`);
  }

  /**
   * A complete pub/sub frame (a subscription confirmation, a message to the
   * caller itself): part of the reply, and also kept in `pushes`, since
   * CLIENT REPLY OFF/SKIP does not silence these (Redis's CLIENT_PUSHING).
   */
  pushing(frame: Buffer): this {
    (this.pushes ??= []).push(frame);
    return this.raw(frame);
  }

  /** The frames written with pushing(), in order. */
  pushes: Buffer[] | undefined;

  /** Already encoded RESP bytes. */
  raw(b: Buffer): this {
    this.flushText();
    this.chunks.push(b);
    return this;
  }

  /** Writes a plain JS value: string → bulk, number → integer, array → array, null → null. */
  value(v: unknown): this {
    if (v === null || v === undefined) return this.null();
    if (typeof v === 'string' || Buffer.isBuffer(v)) return this.bulk(v);
    if (typeof v === 'number' || typeof v === 'bigint') return this.int(v);
    if (Array.isArray(v)) {
      this.array(v.length);
      for (const x of v) this.value(x);
      return this;
    }
    throw new TypeError(`cannot encode ${typeof v}`);
  }

  toBuffer(): Buffer {
    this.flushText();
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
  }
}

/** Formats a double as Redis does (%.17g, inf/-inf). */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (Number.isInteger(d) && Math.abs(d) < 1e17) return String(d);
  let s = d.toPrecision(17);
  if (s.includes('e')) {
    const [m, e] = s.split('e');
    const mm = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const exp = Number(e);
    s = `${mm}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (s.includes('.')) {
    s = s.replace(/0+$/, '').replace(/\.$/, '');
  }
  return s;
}
