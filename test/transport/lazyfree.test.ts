/**
 * Lazy freeing off the event loop. UNLINK of a hash with 1,000,000 fields
 * while another client PINGs every millisecond: no PING waits more than a
 * few milliseconds, on Tachyon as on a real redis-server 7.0 (and DEL of the
 * same hash, which frees it synchronously, does stall, which shows the
 * measurement can see a stall). Tachyon runs in a child process so that the
 * measuring client does not share its event loop. Then INFO's
 * lazyfree_pending_objects / lazyfreed_objects after UNLINK, DEL with
 * lazyfree-lazy-user-del, FLUSHALL ASYNC and lazyfree-lazy-user-flush, which
 * must read the same on both servers.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startRedisOracle } from '../helpers/redis-oracle';
import { RespClient, sleep, type Reply } from '../helpers/resp';
import { startTachyonProcess } from '../helpers/tachyon-process';
import { waitUntil } from '../helpers/wait';

interface Server {
  label: string;
  port: number;
  close(): Promise<void>;
}

function text(r: Reply): string {
  if (r.type === 'bulk' || r.type === 'verbatim' || r.type === 'simple') return String(r.value);
  throw new Error(`unexpected reply ${JSON.stringify(r)}`);
}

async function lazyfreeInfo(c: RespClient): Promise<{ pending: number; freed: number }> {
  const t = text(await c.call('INFO', 'memory'));
  return {
    pending: Number(t.match(/^lazyfree_pending_objects:(\d+)/m)![1]),
    freed: Number(t.match(/^lazyfreed_objects:(\d+)/m)![1]),
  };
}

/**
 * lazyfreed_objects once nothing is pending any more. The deadline is time:
 * a real redis-server's lazy free of the 1,000,000-field hash took 19 s of
 * wall time on this 2-core machine at load 24.
 */
async function settledFreed(c: RespClient): Promise<number> {
  let freed = 0;
  const settled = await waitUntil(
    async () => {
      const info = await lazyfreeInfo(c);
      freed = info.freed;
      return info.pending === 0;
    },
    { timeoutMs: 60_000, intervalMs: 10 },
  );
  if (!settled) throw new Error('lazy free never finished');
  return freed;
}

/** A hash of n fields, written in pipelined batches of 1,000 fields. */
async function bigHash(c: RespClient, key: string, n: number): Promise<void> {
  const per = 1000;
  for (let start = 0; start < n; start += per * 100) {
    let sent = 0;
    for (let b = start; b < Math.min(n, start + per * 100); b += per) {
      const args: string[] = ['HSET', key];
      for (let f = b; f < Math.min(n, b + per); f++) args.push(`field:${f}`, `value:${f}`);
      c.send(...args);
      sent++;
    }
    for (let i = 0; i < sent; i++) {
      const r = await c.read(30000);
      if (r.type === 'error') throw new Error(`HSET failed: ${r.value}`);
    }
  }
}

/**
 * Runs `action` on one connection while another PINGs every millisecond;
 * returns the longest PING round trip seen from just before the action
 * until 200 ms after its reply.
 */
async function longestPingDuring(port: number, action: (c: RespClient) => Promise<Reply>): Promise<{ longest: number; reply: Reply }> {
  const pinger = await RespClient.connect(port, { timeoutMs: 10000 });
  const worker = await RespClient.connect(port, { timeoutMs: 30000 });
  let stop = false;
  let longest = 0;
  const loop = (async () => {
    while (!stop) {
      const t0 = performance.now();
      await pinger.call('PING');
      longest = Math.max(longest, performance.now() - t0);
      await sleep(1);
    }
  })();
  await sleep(50);
  longest = 0;
  const reply = await action(worker);
  await sleep(200);
  stop = true;
  await loop;
  await Promise.all([pinger.close(), worker.close()]);
  return { longest, reply };
}

const FIELDS = 1_000_000;

describe('lazy freeing', () => {
  const servers: Server[] = [];

  beforeAll(async () => {
    const redis = await startRedisOracle();
    servers.push({ label: 'redis', port: redis.port, close: () => redis.close() });
    servers.push(await startTachyonProcess());
  }, 30000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  test('UNLINK of a 1,000,000-field hash does not stall other clients; DEL of it does', async () => {
    // The bound on a PING's wait during UNLINK is 30 ms, or twice what the
    // real redis-server (measured first, in the same run) showed: under CPU
    // load the oracle itself waited 175 ms, which is the machine, not a stall.
    let bound = 30;
    for (const s of servers) {
      const c = await RespClient.connect(s.port, { timeoutMs: 30000 });
      // A stall repeats on every try; a scheduling hiccup of a loaded machine
      // does not, so a try over the bound is measured again (three at most).
      let unlink = { longest: Infinity, reply: null as Reply | null };
      for (let attempt = 0; attempt < 3 && !(unlink.longest < bound); attempt++) {
        await bigHash(c, 'big', FIELDS);
        expect(Number((await c.call('HLEN', 'big')).value), s.label).toBe(FIELDS);
        unlink = await longestPingDuring(s.port, (w) => w.call('UNLINK', 'big'));
        expect(unlink.reply, s.label).toEqual({ type: 'integer', value: 1n });
        await settledFreed(c);
        if (s.label === 'redis') bound = Math.max(bound, 2 * unlink.longest);
      }
      expect(unlink.longest, `${s.label}: longest PING wait during UNLINK (ms)`).toBeLessThan(bound);

      await bigHash(c, 'big', FIELDS);
      const del = await longestPingDuring(s.port, (w) => w.call('DEL', 'big'));
      expect(del.reply, s.label).toEqual({ type: 'integer', value: 1n });
      expect(del.longest, `${s.label}: longest PING wait during DEL (ms), a synchronous free`).toBeGreaterThan(
        unlink.longest,
      );
      await c.close();
    }
  }, 120000);

  test('INFO lazyfree_pending_objects and lazyfreed_objects count what the lazy free thread released', async () => {
    const results: string[] = [];
    for (const s of servers) {
      const c = await RespClient.connect(s.port, { timeoutMs: 30000 });
      const steps: string[] = [];
      await c.call('FLUSHALL', 'SYNC');
      await settledFreed(c);
      await c.call('CONFIG', 'RESETSTAT');
      steps.push(`start ${JSON.stringify(await lazyfreeInfo(c))}`);
      // Small values are freed at once, even by UNLINK.
      await c.call('SET', 's', 'v');
      await c.call('RPUSH', 'l', 'a', 'b');
      await c.call('UNLINK', 's', 'l');
      steps.push(`small unlink ${await settledFreed(c)}`);
      // A value with more than 64 allocations goes to the thread.
      await bigHash(c, 'h', 1000);
      await c.call('UNLINK', 'h');
      steps.push(`unlink ${await settledFreed(c)}`);
      await bigHash(c, 'h', 1000);
      await c.call('DEL', 'h');
      steps.push(`del ${await settledFreed(c)}`);
      await c.call('CONFIG', 'SET', 'lazyfree-lazy-user-del', 'yes');
      await bigHash(c, 'h', 1000);
      await c.call('DEL', 'h');
      steps.push(`del lazy-user-del ${await settledFreed(c)}`);
      await c.call('CONFIG', 'SET', 'lazyfree-lazy-user-del', 'no');
      // FLUSHALL ASYNC hands over every key of every database.
      for (let i = 0; i < 10; i++) await c.call('SET', `k${i}`, 'v');
      await c.call('SELECT', '1');
      for (let i = 0; i < 5; i++) await c.call('SET', `k${i}`, 'v');
      await c.call('SELECT', '0');
      await c.call('FLUSHALL', 'ASYNC');
      steps.push(`flushall async ${await settledFreed(c)} dbsize ${(await c.call('DBSIZE')).value}`);
      for (let i = 0; i < 7; i++) await c.call('SET', `k${i}`, 'v');
      await c.call('FLUSHDB', 'SYNC');
      steps.push(`flushdb sync ${await settledFreed(c)}`);
      await c.call('CONFIG', 'SET', 'lazyfree-lazy-user-flush', 'yes');
      for (let i = 0; i < 3; i++) await c.call('SET', `k${i}`, 'v');
      await c.call('FLUSHDB');
      steps.push(`flushdb lazy-user-flush ${await settledFreed(c)}`);
      await c.call('CONFIG', 'SET', 'lazyfree-lazy-user-flush', 'no');
      await c.call('CONFIG', 'RESETSTAT');
      steps.push(`resetstat ${JSON.stringify(await lazyfreeInfo(c))}`);
      results.push(steps.join('\n'));
      await c.close();
    }
    expect(results[1]).toBe(results[0]);
    expect(results[0]).toContain('flushall async 17 dbsize 0');
  }, 60000);
});
