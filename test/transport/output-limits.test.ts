/**
 * client-output-buffer-limit for pub/sub clients, on real Redis and on
 * Tachyon alike: a subscriber that stops reading is closed once its unwritten
 * output passes the hard limit, or stays above the soft limit for longer than
 * its seconds. (The limits are enforced by native socket I/O.)
 */
import net from 'node:net';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from '../../src/index';
import { startRedisOracle, type RedisOracle } from '../helpers/redis-oracle';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PAYLOAD = 'p'.repeat(10_000);

/** A subscriber that reads its confirmation and then stops reading. */
async function stalledSubscriber(port: number, channel: string): Promise<{ socket: net.Socket; closed: () => boolean }> {
  const socket = net.connect(port, '127.0.0.1');
  let closed = false;
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  socket.write(`*2\r\n$9\r\nSUBSCRIBE\r\n$${channel.length}\r\n${channel}\r\n`);
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  socket.pause();
  return { socket, closed: () => closed };
}

/** omem of the subscriber (the one client not running CLIENT LIST), or undefined once it is gone. */
async function subscriberOmem(admin: Redis): Promise<number | undefined> {
  const lines = ((await admin.call('CLIENT', 'LIST')) as string).trim().split('\n');
  const sub = lines.find((l) => !/ cmd=client\|list /.test(l));
  return sub ? Number(/ omem=(\d+)/.exec(sub)![1]) : undefined;
}

const DEFAULT_LIMITS = 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';

for (const target of ['redis', 'tachyon'] as const) {
  describe(`client-output-buffer-limit (${target})`, () => {
    let port = 0;
    let oracle: RedisOracle | undefined;
    let srv: RunningServer | undefined;
    let admin: Redis;

    beforeAll(async () => {
      if (target === 'redis') {
        oracle = await startRedisOracle();
        port = oracle.port;
      } else {
        srv = await startServer({ port: 0 });
        port = srv.port;
      }
      admin = new Redis({ port, host: '127.0.0.1' });
    });
    afterAll(async () => {
      admin.disconnect();
      await oracle?.close();
      await srv?.close();
    });

    test('a stalled subscriber is closed once its output passes the hard limit', async () => {
      await admin.config('SET', 'client-output-buffer-limit', 'pubsub 100000 0 0');
      const sub = await stalledSubscriber(port, 'obuf:hard');
      let maxOmem = 0;
      let gone = false;
      for (let i = 0; i < 5000 && !gone; i++) {
        await admin.publish('obuf:hard', PAYLOAD);
        const omem = await subscriberOmem(admin);
        if (omem === undefined) gone = true;
        else maxOmem = Math.max(maxOmem, omem);
      }
      expect(gone).toBe(true);
      expect(maxOmem).toBeLessThan(200_000);
      // Reading again, the subscriber sees what was sent before the limit, then the close.
      sub.socket.resume();
      for (let i = 0; i < 100 && !sub.closed(); i++) await sleep(20);
      expect(sub.closed()).toBe(true);
      await admin.config('SET', 'client-output-buffer-limit', DEFAULT_LIMITS);
    });

    test('the soft limit closes only after its seconds have passed', async () => {
      await admin.config('SET', 'client-output-buffer-limit', 'pubsub 0 100000 1');
      const sub = await stalledSubscriber(port, 'obuf:soft');
      // Fill its output past the soft limit.
      for (let i = 0; i < 5000; i++) {
        await admin.publish('obuf:soft', PAYLOAD);
        const omem = await subscriberOmem(admin);
        if (omem === undefined || omem > 100_000) break;
      }
      const over = Date.now();
      await admin.publish('obuf:soft', PAYLOAD);
      expect(await subscriberOmem(admin)).toBeGreaterThan(100_000);
      // Keep publishing: the close comes between 1 and (with Redis's whole-second clock) 3 seconds later.
      let gone = false;
      while (!gone && Date.now() - over < 5000) {
        await sleep(100);
        await admin.publish('obuf:soft', PAYLOAD);
        gone = (await subscriberOmem(admin)) === undefined;
      }
      const after = Date.now() - over;
      expect(gone).toBe(true);
      sub.socket.destroy();
      expect(after).toBeGreaterThanOrEqual(900);
      expect(after).toBeLessThan(4000);
      await admin.config('SET', 'client-output-buffer-limit', DEFAULT_LIMITS);
    });
  });
}
