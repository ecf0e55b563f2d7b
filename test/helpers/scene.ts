/**
 * A scene: several named connections, each open to both servers of a
 * Differential (real Redis as "ref", Tachyon as "target"), for tests where
 * what one client does shows up on another (MONITOR, tracking, pauses).
 *
 * Commands go out in one write per call, so a pipeline is one read on the
 * server. expect() reads the next replies of a connection on both sides:
 * Redis must send what the test expects and Tachyon the same. Values that
 * legitimately differ between the servers are rewritten by show(), which
 * suites extend (MONITOR timestamps, pause timing); with `ids`, client ids are
 * shown by connection name (`:{name}`) and `{name}` as an argument stands for
 * that connection's id on each side.
 */
import { expect } from 'vitest';
import type { Arg, Differential, Session } from './differential';
import { encodeCommand, formatReply, sleep, type Reply, type RespClient } from './resp';

export type Side = 'ref' | 'target';
export const SIDES: Side[] = ['ref', 'target'];

export interface SceneOptions {
  /** Read timeout of every connection, ms. */
  timeoutMs?: number;
  /** Learn each connection's client id when it opens (one CLIENT ID on each side). */
  ids?: boolean;
}

export class Scene {
  private readonly sessions = new Map<string, Session>();
  /** "ip:port" as the server sees each connection → its name. */
  protected readonly addrs: Record<Side, Map<string, string>> = { ref: new Map(), target: new Map() };
  private readonly names: Record<Side, Map<number, string>> = { ref: new Map(), target: new Map() };
  private readonly ids: Record<Side, Map<string, number>> = { ref: new Map(), target: new Map() };

  constructor(
    protected readonly d: Differential,
    private readonly opts: SceneOptions = {},
  ) {}

  async open(name: string, protocol: 2 | 3 = 2): Promise<void> {
    const s = await this.d.session({ protocol, timeoutMs: this.opts.timeoutMs ?? 3000 });
    for (const side of SIDES) {
      this.addrs[side].set(`127.0.0.1:${s[side].socket.localPort}`, name);
      if (!this.opts.ids) continue;
      const r = await s[side].call('CLIENT', 'ID');
      if (r.type !== 'integer') throw new Error(`CLIENT ID on ${side}: ${formatReply(r)}`);
      this.names[side].set(Number(r.value), name);
      this.ids[side].set(name, Number(r.value));
    }
    this.sessions.set(name, s);
  }

  /** Opens several RESP2 connections. */
  async openAll(...names: string[]): Promise<void> {
    for (const name of names) await this.open(name);
  }

  session(name: string): Session {
    const s = this.sessions.get(name);
    if (!s) throw new Error(`no connection ${name}`);
    return s;
  }

  private arg(side: Side, a: Arg): Arg {
    if (this.opts.ids && typeof a === 'string' && /^\{\w+\}$/.test(a)) {
      const id = this.ids[side].get(a.slice(1, -1));
      if (id === undefined) throw new Error(`unknown connection in ${a}`);
      return String(id);
    }
    return a;
  }

  send(name: string, ...cmds: Arg[][]): void {
    const s = this.session(name);
    for (const side of SIDES) {
      s[side].sendRaw(Buffer.concat(cmds.map((c) => encodeCommand(c.map((a) => this.arg(side, a))))));
    }
  }

  sendRaw(name: string, bytes: Buffer | string): void {
    const s = this.session(name);
    for (const side of SIDES) s[side].sendRaw(bytes);
  }

  /** A reply as expectations spell it; suites override this to mask what legitimately differs. */
  protected show(side: Side, r: Reply): string {
    const text = formatReply(r);
    if (!this.opts.ids) return text;
    return text.replace(/(^|[[\s{>]):(\d+)/g, (m, pre: string, n: string) => {
      const name = this.names[side].get(Number(n));
      return name ? `${pre}:{${name}}` : m;
    });
  }

  /** The next replies (pushes included) on `name`: Redis must send `expected`, Tachyon the same. */
  async expect(name: string, expected: string[]): Promise<void> {
    const s = this.session(name);
    const read = async (c: RespClient, side: Side) => {
      const out: string[] = [];
      try {
        for (let i = 0; i < expected.length; i++) out.push(this.show(side, await c.read()));
      } catch (e) {
        out.push(`<${(e as Error).message}>`);
      }
      return out;
    };
    const [r, t] = await Promise.all([read(s.ref, 'ref'), read(s.target, 'target')]);
    expect(r, `TEST BUG: redis replied differently on ${name}`).toEqual(expected);
    expect(t, `tachyon differs from redis on ${name}`).toEqual(r);
  }

  /** Nothing more arrives on any connection, on either side, within `ms`. */
  async quiet(ms = 80): Promise<void> {
    await sleep(ms);
    for (const [name, s] of this.sessions) {
      for (const side of SIDES) {
        const n = s[side].countBufferedReplies();
        const extra = n > 0 ? this.show(side, await s[side].read()) : '';
        expect(n, `${side} sent more on ${name}: ${extra}`).toBe(0);
      }
    }
  }

  /** Closes a connection on both sides. */
  close(name: string): Promise<void> {
    const s = this.session(name);
    this.sessions.delete(name);
    return s.close();
  }

  /** Both servers close the connection (QUIT, a kill) within a second. */
  async closed(name: string): Promise<void> {
    const s = this.session(name);
    this.sessions.delete(name);
    const [r, t] = await Promise.all([s.ref.waitClosed(1000), s.target.waitClosed(1000)]);
    expect([r, t]).toEqual([true, true]);
  }
}
