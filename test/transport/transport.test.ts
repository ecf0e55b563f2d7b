/**
 * The two socket transports (src/network/connection.ts): native I/O, where the
 * addon reads and writes the socket itself, and Node streams, the fallback.
 * Each case runs against both: output the kernel cannot take at once, closing
 * after the last reply, peers that vanish, slot reuse under churn, and the
 * ordering of TypeScript's output (pub/sub pushes) with native replies.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from '../../src/index';

const RESP = (...args: string[]): string =>
  `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');

/** A raw connection that collects everything it receives. */
class Raw {
  readonly socket: net.Socket;
  private chunks: Buffer[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  constructor(port: number | string) {
    this.socket = typeof port === 'string' ? net.connect(port) : net.connect(port, '127.0.0.1');
    this.socket.on('data', (d) => {
      this.chunks.push(d);
      this.wake();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    this.socket.on('error', () => {});
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  get received(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Waits until `pred` holds for what was received (or the socket closed), within `ms`. */
  async until(pred: (got: Buffer) => boolean, ms = 5000): Promise<Buffer> {
    const deadline = Date.now() + ms;
    while (!pred(this.received)) {
      if (this.closed) break;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${this.received.length} bytes: ${this.received.subarray(0, 80)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.received;
  }

  async closedByPeer(ms = 5000): Promise<void> {
    await this.until(() => false, ms).catch(() => undefined);
    if (!this.closed) throw new Error('connection still open');
  }
}

/** Starts a server whose connections use the given transport (TACHYON_NATIVE_IO is read at construction). */
async function startWith(transport: 'native' | 'streams', options: Record<string, string | number> = {}): Promise<RunningServer> {
  const saved = process.env.TACHYON_NATIVE_IO;
  process.env.TACHYON_NATIVE_IO = transport === 'native' ? '1' : '0';
  try {
    return await startServer({ port: 0, ...options });
  } finally {
    if (saved === undefined) delete process.env.TACHYON_NATIVE_IO;
    else process.env.TACHYON_NATIVE_IO = saved;
  }
}

for (const transport of ['native', 'streams'] as const) {
  describe(`transport: ${transport}`, () => {
    let srv: RunningServer;
    beforeAll(async () => {
      srv = await startWith(transport);
    });
    afterAll(() => srv.close());

    test('uses the transport under test', async () => {
      const c = new Raw(srv.port);
      c.send(RESP('CLIENT', 'ID'));
      const id = Number(/:(\d+)/.exec((await c.until((b) => b.includes('\r\n'))).toString())![1]);
      // Native I/O needs an addon built with uv.h: CI must have it.
      expect(srv.server.clients.get(id)!.attached).toBe(transport === 'native');
      c.socket.destroy();
    });

    test('unix socket connections use the same transport', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-unix-'));
      const sock = path.join(dir, 'tachyon.sock');
      const unixSrv = await startWith(transport, { unixsocket: sock });
      try {
        const c = new Raw(sock);
        c.send(RESP('SET', 'u', 'v') + RESP('GET', 'u') + RESP('CLIENT', 'INFO'));
        const got = (await c.until((b) => b.toString().includes('resp=2'))).toString();
        expect(got.startsWith('+OK\r\n$1\r\nv\r\n')).toBe(true);
        expect(got).toMatch(/ flags=U /);
        expect([...unixSrv.server.clients.values()][0].attached).toBe(transport === 'native');
        c.socket.destroy();
      } finally {
        await unixSrv.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test('a reply larger than the socket buffers arrives whole while the client reads slowly', async () => {
      const value = 'v'.repeat(8 * 1024 * 1024);
      const c = new Raw(srv.port);
      c.send(RESP('SET', 'big', value));
      await c.until((b) => b.toString() === '+OK\r\n');
      c.socket.pause(); // the kernel buffers fill; the rest waits in the server
      c.send(RESP('GET', 'big') + RESP('GET', 'big') + RESP('PING'));
      await new Promise((r) => setTimeout(r, 200));
      c.socket.resume();
      const one = `$${value.length}\r\n${value}\r\n`;
      const expected = '+OK\r\n' + one + one + '+PONG\r\n';
      const got = await c.until((b) => b.length >= expected.length, 20000);
      expect(got.length).toBe(expected.length);
      expect(got.toString() === expected).toBe(true);
      c.socket.destroy();
    });

    test('QUIT closes only after the replies before it are written', async () => {
      const value = 'q'.repeat(4 * 1024 * 1024);
      const c = new Raw(srv.port);
      c.send(RESP('SET', 'bigq', value) + RESP('GET', 'bigq') + RESP('QUIT'));
      await c.closedByPeer(20000);
      expect(c.received.toString() === `+OK\r\n$${value.length}\r\n${value}\r\n+OK\r\n`).toBe(true);
    });

    test('a protocol error is answered, then the connection closes', async () => {
      const c = new Raw(srv.port);
      c.send('PING\r\n*1\r\n$x\r\n');
      await c.closedByPeer();
      expect(c.received.toString()).toBe("+PONG\r\n-ERR Protocol error: invalid bulk length\r\n");
    });

    test('a client that disconnects mid-request is released', async () => {
      const before = srv.server.clients.size;
      const c = new Raw(srv.port);
      c.send(RESP('PING'));
      await c.until((b) => b.length > 0);
      expect(srv.server.clients.size).toBe(before + 1);
      c.send('*3\r\n$3\r\nSET\r\n$1\r\nk'); // cut short
      c.socket.destroy();
      const deadline = Date.now() + 5000;
      while (srv.server.clients.size > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(srv.server.clients.size).toBe(before);
    });

    test('connections opened and closed in quick succession each get their own replies', async () => {
      for (let round = 0; round < 5; round++) {
        const conns = Array.from({ length: 40 }, () => new Raw(srv.port));
        conns.forEach((c, i) => c.send(RESP('ECHO', `r${round}c${i}`)));
        await Promise.all(conns.map((c, i) => c.until((b) => b.toString() === `$${`r${round}c${i}`.length}\r\nr${round}c${i}\r\n`)));
        // Close half abruptly, half with QUIT, and reconnect at once (client slots are reused).
        conns.forEach((c, i) => (i % 2 ? c.socket.destroy() : c.send(RESP('QUIT'))));
      }
      const c = new Raw(srv.port);
      c.send(RESP('PING'));
      expect((await c.until((b) => b.length >= 7)).toString()).toBe('+PONG\r\n');
      c.socket.destroy();
    });

    test("pub/sub pushes and the subscriber's own replies keep their order", async () => {
      const sub = new Raw(srv.port);
      const pub = new Raw(srv.port);
      sub.send(RESP('HELLO', '3') + RESP('SUBSCRIBE', 'tch'));
      await sub.until((b) => b.includes('tch\r\n:1\r\n'));
      const start = sub.received.length;
      // The subscriber's GET reply is pending in its output while the publish arrives.
      sub.send(RESP('SET', 'tv', 'x'.repeat(1024 * 1024)));
      await sub.until((b) => b.length >= start + 5);
      sub.socket.pause();
      sub.send(RESP('GET', 'tv'));
      await new Promise((r) => setTimeout(r, 100));
      pub.send(RESP('PUBLISH', 'tch', 'after-get'));
      await pub.until((b) => b.toString() === ':1\r\n');
      sub.socket.resume();
      const tail = `>3\r\n$7\r\nmessage\r\n$3\r\ntch\r\n$9\r\nafter-get\r\n`;
      const got = await sub.until((b) => b.toString().endsWith(tail), 10000);
      const rest = got.subarray(start).toString();
      expect(rest === `+OK\r\n$${1024 * 1024}\r\n${'x'.repeat(1024 * 1024)}\r\n${tail}`).toBe(true);
      sub.socket.destroy();
      pub.socket.destroy();
    });

    test('output bytes are counted in INFO and CLIENT LIST shows idle and omem', async () => {
      const c = new Raw(srv.port);
      const info = async (): Promise<number> => {
        const mark = c.received.length;
        c.send(RESP('INFO', 'stats'));
        const got = await c.until((b) => b.subarray(mark).includes('total_net_output_bytes'));
        return Number(/total_net_output_bytes:(\d+)/.exec(got.subarray(mark).toString())![1]);
      };
      const first = await info();
      c.send(RESP('ECHO', 'z'.repeat(100000)));
      await c.until((b) => b.toString().endsWith('z\r\n'));
      await new Promise((r) => setTimeout(r, 250)); // the counter is sampled every 100 ms
      expect((await info()) - first).toBeGreaterThanOrEqual(100000);
      const mark = c.received.length;
      c.send(RESP('CLIENT', 'LIST'));
      const list = (await c.until((b) => b.subarray(mark).includes('cmd=client|list'))).subarray(mark).toString();
      expect(list).toMatch(/idle=0 /);
      expect(list).toMatch(/omem=0 /);
      c.socket.destroy();
    });
  });
}
