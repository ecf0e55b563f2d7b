/**
 * Blocking and pub/sub at scale, against Tachyon alone:
 *
 *  - 1,000 clients blocked on ten keys are all served by pushes, each exactly
 *    once, with no element lost; 1,000 clients with a short timeout all time
 *    out together (one deadline heap, one timer);
 *  - 10,000 subscribers of one channel receive every publish, in order, none
 *    lost, with the server's RSS growth kept within bounds.
 *
 * The 10,000 subscriber sockets live in a child process: with the server in
 * this process, both ends in one process would need ~20,000 descriptors, the
 * whole of this machine's limit (ulimit -n is 20000). The count adapts if the
 * limit is lower.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from '../../src/index';
import { sleep } from '../helpers/resp';

const enc = (...args: string[]): string =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

/** This process's open-descriptor limit (soft), from /proc. */
function fdLimit(): number {
  try {
    const m = /Max open files\s+(\d+)/.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    /* not Linux */
  }
  return 1024;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A raw client that keeps everything it receives. */
interface RawClient {
  socket: net.Socket;
  data: string;
}

async function connectMany(port: number, n: number, batch = 200): Promise<RawClient[]> {
  const out: RawClient[] = [];
  for (let i = 0; i < n; i += batch) {
    const part = await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, () => {
        return new Promise<RawClient>((resolve, reject) => {
          const socket = net.connect({ port, host: '127.0.0.1' });
          const c: RawClient = { socket, data: '' };
          socket.setNoDelay(true);
          socket.on('data', (d) => (c.data += d.toString('latin1')));
          socket.once('connect', () => resolve(c));
          socket.once('error', reject);
        });
      }),
    );
    out.push(...part);
  }
  return out;
}

describe('scale', () => {
  let srv: RunningServer;
  let admin: Redis;

  beforeAll(async () => {
    srv = await startServer({ port: 0, maxclients: 20000 });
    admin = new Redis({ port: srv.port, host: srv.host, maxRetriesPerRequest: 0 });
  });
  afterAll(async () => {
    admin.disconnect();
    await srv.close();
  });

  test('1,000 blocked clients on ten keys are all served, each once, nothing lost', async () => {
    const n = 1000;
    const keys = 10;
    const clients = await connectMany(srv.port, n);
    try {
      clients.forEach((c, i) => c.socket.write(enc('BLPOP', `scale:k${i % keys}`, 'scale:none', '0')));
      await until(() => srv.server.blocking.blockedCount === n, 10000, 'all clients to block');
      expect(srv.server.blocking.timeoutTableCount).toBe(0);
      const start = Date.now();
      // Each key gets exactly as many elements as it has waiters, in chunks.
      const pushes: Promise<unknown>[] = [];
      for (let k = 0; k < keys; k++) {
        for (let chunk = 0; chunk < n / keys; chunk += 25) {
          const values = Array.from({ length: 25 }, (_, j) => `v${k}:${chunk + j}`);
          pushes.push(admin.rpush(`scale:k${k}`, ...values));
        }
      }
      await Promise.all(pushes);
      const done = () => clients.every((c) => /^\*2\r\n\$\d+\r\nscale:k\d\r\n\$\d+\r\nv\d:\d+\r\n$/.test(c.data));
      await until(done, 10000, 'every client to be served');
      const servedIn = Date.now() - start;
      const seen = new Set<string>();
      clients.forEach((c, i) => {
        const [, key, value] = /scale:(k\d)\r\n\$\d+\r\n(v\d:\d+)/.exec(c.data)!;
        expect(key).toBe(`k${i % keys}`);
        expect(value.startsWith(`v${i % keys}:`)).toBe(true);
        seen.add(value);
      });
      expect(seen.size).toBe(n);
      expect(srv.server.blocking.blockedCount).toBe(0);
      for (let k = 0; k < keys; k++) expect(await admin.exists(`scale:k${k}`)).toBe(0);
      expect(servedIn).toBeLessThan(5000);
      // FIFO per key: the first client to block on a key got its first element.
      expect(clients[0].data).toContain('v0:0\r\n');
      expect(clients[keys].data).toContain('v0:1\r\n');
    } finally {
      for (const c of clients) c.socket.destroy();
    }
  });

  test('500 workers looping on BLPOP / BZPOPMIN share 10,000 elements without loss or duplicates', async () => {
    const n = 500;
    const total = 10000;
    const workers = await connectMany(srv.port, n);
    const got: string[] = [];
    try {
      workers.forEach((w, i) => {
        const cmd = i % 2 ? enc('BLPOP', 'loop:l', '0') : enc('BZPOPMIN', 'loop:z', '0');
        const reply = i % 2 ? /^\*2\r\n\$6\r\nloop:l\r\n\$\d+\r\n(e\d+)\r\n/ : /^\*3\r\n\$6\r\nloop:z\r\n\$\d+\r\n(e\d+)\r\n\$\d+\r\n\d+\r\n/;
        w.socket.on('data', () => {
          // Each complete reply: record the element and ask again.
          for (let m = reply.exec(w.data); m; m = reply.exec(w.data)) {
            got.push(m[1]);
            w.data = w.data.slice(m[0].length);
            if (got.length < total) w.socket.write(cmd);
          }
        });
        w.socket.write(cmd);
      });
      await until(() => srv.server.blocking.blockedCount === n, 10000, 'all workers to block');
      const producer = new Redis({ port: srv.port, host: srv.host, maxRetriesPerRequest: 0 });
      try {
        const pipe = producer.pipeline();
        for (let i = 0; i < total; i += 50) {
          const batch = Array.from({ length: 50 }, (_, j) => `e${i + j}`);
          if ((i / 50) % 2) pipe.rpush('loop:l', ...batch);
          else pipe.zadd('loop:z', ...batch.flatMap((e, j) => [String(i + j), e]));
        }
        await pipe.exec();
      } finally {
        producer.disconnect();
      }
      await until(() => got.length >= total, 15000, `all elements to be taken (${got.length})`);
      await sleep(50);
      expect(got.length).toBe(total);
      expect(new Set(got).size).toBe(total);
      expect(await admin.exists('loop:l', 'loop:z')).toBe(0);
    } finally {
      for (const w of workers) w.socket.destroy();
    }
    await until(() => srv.server.blocking.blockedCount === 0, 5000, 'workers to go away');
  });

  test('1,000 clients with a 1 s timeout all time out together; one more push serves nobody', async () => {
    const n = 1000;
    const clients = await connectMany(srv.port, n);
    try {
      const start = Date.now();
      clients.forEach((c, i) =>
        c.socket.write(i % 2 ? enc('BZPOPMIN', 'scale:tz', '1') : enc('BLPOP', 'scale:t', '1')),
      );
      // Under CPU load, getting 1,000 commands to the server and blocked took
      // seconds: the upper bound counts from the moment all were blocked (each
      // client's second started before that), the lower one from the first write.
      await until(() => srv.server.blocking.blockedCount === n, 20000, 'all clients to block');
      const allBlocked = Date.now();
      expect(srv.server.blocking.timeoutTableCount).toBe(n);
      await until(() => clients.every((c) => c.data === '*-1\r\n'), 10000, 'every client to time out');
      const took = Date.now() - start;
      expect(took).toBeGreaterThanOrEqual(990);
      expect(Date.now() - allBlocked).toBeLessThan(3000);
      expect(srv.server.blocking.blockedCount).toBe(0);
      expect(srv.server.blocking.timeoutTableCount).toBe(0);
      expect(await admin.rpush('scale:t', 'x')).toBe(1);
      expect(await admin.llen('scale:t')).toBe(1);
    } finally {
      for (const c of clients) c.socket.destroy();
    }
  }, 60_000);

  test('10,000 subscribers receive every publish, in order, none lost; memory stays bounded', async () => {
    const limit = fdLimit();
    // Server side: one descriptor per subscriber plus a margin for the test runner.
    const n = Math.max(100, Math.min(10000, limit - 1000));
    if (n < 10000) console.warn(`[scale] open-file limit ${limit}: testing ${n} subscribers instead of 10,000`);
    const messages = 5;
    const channel = 'scale:news';
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const t0 = Date.now();
    const child = startSubscribers(srv.port, n, channel);
    try {
      const ready = await child.next('ready', 20000);
      const connectedIn = Date.now() - t0;
      expect(ready.n).toBe(n);
      expect(await admin.call('PUBSUB', 'NUMSUB', channel)).toEqual([channel, n]);
      const rssSubscribed = process.memoryUsage().rss;
      const start = Date.now();
      const publishTimes: number[] = [];
      for (let i = 0; i < messages; i++) {
        const p0 = Date.now();
        expect(await admin.publish(channel, `m${i}:${'x'.repeat(100)}`)).toBe(n);
        publishTimes.push(Date.now() - p0);
      }
      child.proc.send({ type: 'expect', count: messages });
      const result = await child.next('result', 20000);
      const deliveredIn = Date.now() - start;
      expect(result).toEqual({ type: 'result', complete: n, outOfOrder: 0, extra: 0 });
      const rssAfter = process.memoryUsage().rss;
      const perClient = (rssSubscribed - rssBefore) / n;
      console.info(
        `[scale] ${n} subscribers: RSS +${((rssSubscribed - rssBefore) / 2 ** 20).toFixed(1)} MiB ` +
          `(${(perClient / 1024).toFixed(1)} KiB each), +${((rssAfter - rssSubscribed) / 2 ** 20).toFixed(1)} MiB ` +
          `after ${messages} publishes; connected in ${connectedIn} ms, publishes took ${publishTimes.join('/')} ms, ` +
          `all delivered in ${deliveredIn} ms`,
      );
      // Sockets, Connection objects and native clients: a few KiB a subscriber.
      expect(rssSubscribed - rssBefore).toBeLessThan(n * 16 * 1024);
      expect(rssAfter - rssSubscribed).toBeLessThan(64 * 2 ** 20);
    } finally {
      child.proc.send({ type: 'close' });
      await child.exited;
    }
    await until(() => srv.server.pubsub.stats().channels === 0, 10000, 'subscribers to go away');
    expect(await admin.call('PUBSUB', 'NUMSUB', channel)).toEqual([channel, 0]);
  }, 90_000); // the steps' own deadlines add up to 50 s, past the 30 s default
});

interface Subscribers {
  proc: ChildProcess;
  next(type: string, ms: number): Promise<Record<string, unknown>>;
  exited: Promise<void>;
}

/** Child process: connects `n` RESP2 subscribers, then checks what they receive. */
const SUBSCRIBER_CHILD = String.raw`
const net = require('net');
const { port, n, channel } = JSON.parse(process.argv[1]);
const sub = '*2\r\n$9\r\nSUBSCRIBE\r\n$' + channel.length + '\r\n' + channel + '\r\n';
const confirm = '*3\r\n$9\r\nsubscribe\r\n$' + channel.length + '\r\n' + channel + '\r\n:1\r\n';
const prefix = '*3\r\n$7\r\nmessage\r\n$' + channel.length + '\r\n' + channel + '\r\n$';
const clients = [];
function open() {
  return new Promise((resolve, reject) => {
    const c = { buf: '', confirmed: false, seq: 0, outOfOrder: 0, extra: 0 };
    const s = net.connect({ port, host: '127.0.0.1' }, () => s.write(sub));
    c.socket = s;
    s.on('error', reject);
    s.on('data', (d) => {
      c.buf += d.toString('latin1');
      if (!c.confirmed) {
        if (c.buf.length < confirm.length) return;
        if (!c.buf.startsWith(confirm)) return reject(new Error('bad confirmation ' + JSON.stringify(c.buf)));
        c.buf = c.buf.slice(confirm.length);
        c.confirmed = true;
        resolve(c);
      }
      for (;;) {
        if (c.buf.length < prefix.length) break;
        if (!c.buf.startsWith(prefix)) { c.extra++; c.buf = ''; break; }
        const eol = c.buf.indexOf('\r\n', prefix.length);
        if (eol < 0) break;
        const len = Number(c.buf.slice(prefix.length, eol));
        if (c.buf.length < eol + 2 + len + 2) break;
        const payload = c.buf.slice(eol + 2, eol + 2 + len);
        if (!payload.startsWith('m' + c.seq + ':')) c.outOfOrder++;
        c.seq++;
        c.buf = c.buf.slice(eol + 2 + len + 2);
      }
    });
  });
}
(async () => {
  for (let i = 0; i < n; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 500); j++) batch.push(open());
    clients.push(...(await Promise.all(batch)));
  }
  process.send({ type: 'ready', n: clients.length });
})().catch((e) => { process.send({ type: 'error', message: String(e && e.stack || e) }); });
process.on('message', async (msg) => {
  if (msg.type === 'expect') {
    const end = Date.now() + 15000;
    while (Date.now() < end && !clients.every((c) => c.seq >= msg.count)) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    process.send({
      type: 'result',
      complete: clients.filter((c) => c.seq === msg.count).length,
      outOfOrder: clients.reduce((a, c) => a + c.outOfOrder, 0),
      extra: clients.reduce((a, c) => a + c.extra + (c.seq > msg.count ? 1 : 0), 0),
    });
  } else if (msg.type === 'close') {
    for (const c of clients) c.socket.destroy();
    process.disconnect();
  }
});
`;

function startSubscribers(port: number, n: number, channel: string): Subscribers {
  const proc = spawn(process.execPath, ['-e', SUBSCRIBER_CHILD, JSON.stringify({ port, n, channel })], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queue: Record<string, unknown>[] = [];
  const waiters: Array<() => void> = [];
  proc.on('message', (m) => {
    queue.push(m as Record<string, unknown>);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const next = async (type: string, ms: number): Promise<Record<string, unknown>> => {
    const end = Date.now() + ms;
    for (;;) {
      const i = queue.findIndex((m) => m.type === type || m.type === 'error');
      if (i >= 0) {
        const m = queue.splice(i, 1)[0];
        if (m.type === 'error') throw new Error(`subscriber process: ${String(m.message)}`);
        return m;
      }
      if (Date.now() > end || proc.exitCode !== null) throw new Error(`no '${type}' from the subscriber process`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  };
  return { proc, next, exited };
}
