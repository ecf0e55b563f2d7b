/**
 * Applications that run Lua as their users run them, on a real redis-server
 * 7.0 and on Tachyon: a BullMQ queue (every job move is an EVALSHA) with a
 * worker processing a few thousand jobs with retries, delays, priorities and
 * a rate limiter; ioredis defineCommand; a Redlock-style lock. Outcomes must
 * be the same on both servers.
 */
import Redis from 'ioredis';
import { Queue, Worker, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startRedisOracle, type RedisOracle } from '../helpers/redis-oracle';
import { startServer, type RunningServer } from '../../src/index';

let redis: RedisOracle;
let tachyon: RunningServer;

beforeAll(async () => {
  redis = await startRedisOracle();
  tachyon = await startServer({ port: 0 });
});

afterAll(async () => {
  await tachyon?.close();
  await redis?.close();
});

const targets = (): Array<[string, number]> => [
  ['redis', redis.port],
  ['tachyon', tachyon.port],
];

interface QueueOutcome {
  completed: number;
  failed: number;
  attempts: number;
  delayedSeenLate: boolean;
  counts: Record<string, number>;
  firstHighPriority: number;
}

async function runQueue(port: number): Promise<QueueOutcome> {
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const name = `q${Math.random().toString(36).slice(2)}`;
  const queue = new Queue(name, { connection });
  const total = 2000;
  const order: number[] = [];
  let attempts = 0;
  let delayedSeenLate = true;
  const added = Date.now();
  // Jobs with i % 10 == 0 fail their first attempt; every 100th is delayed; a few are high priority.
  await queue.addBulk(
    Array.from({ length: total }, (_, i) => ({
      name: 'job',
      data: { i },
      opts: {
        attempts: 3,
        backoff: { type: 'fixed', delay: 10 },
        removeOnComplete: false,
        ...(i % 100 === 0 ? { delay: 200 } : {}),
        ...(i % 250 === 7 ? { priority: 1 } : i % 3 === 0 ? { priority: 5 } : {}),
      },
    })),
  );
  const done = new Promise<void>((resolve) => {
    let finished = 0;
    const worker = new Worker(
      name,
      async (job: Job) => {
        attempts++;
        order.push(job.data.i as number);
        if (job.data.i % 100 === 0 && Date.now() - added < 200) delayedSeenLate = false;
        if (job.data.i % 10 === 0 && job.attemptsMade === 0) throw new Error('first attempt fails');
        if (job.data.i === 1999) throw new Error('always fails');
        return job.data.i * 2;
      },
      { connection, concurrency: 20, limiter: { max: 1000, duration: 200 } },
    );
    const check = () => {
      finished++;
      if (finished === total) void worker.close().then(() => resolve());
    };
    worker.on('completed', check);
    worker.on('failed', (job) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) check();
    });
  });
  await done;
  const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'delayed', 'active', 'prioritized');
  const completed = counts.completed;
  const failed = counts.failed;
  const result = await (await queue.getJob('1'))?.returnvalue;
  await queue.obliterate({ force: true });
  await queue.close();
  return {
    completed,
    failed,
    attempts,
    delayedSeenLate,
    counts,
    firstHighPriority: result === undefined ? -1 : Number(result),
  };
}

describe('applications that run Lua', () => {
  test('a BullMQ queue: 2000 jobs with retries, delays, priorities and a rate limiter', async () => {
    const outcomes: QueueOutcome[] = [];
    for (const [, port] of targets()) outcomes.push(await runQueue(port));
    const [onRedis, onTachyon] = outcomes;
    expect(onRedis.completed).toBe(1999);
    expect(onRedis.failed).toBe(1);
    expect(onTachyon).toEqual(onRedis);
  }, 120_000);

  test('ioredis defineCommand', async () => {
    const results: unknown[][] = [];
    for (const [, port] of targets()) {
      const client = new Redis({ port, lazyConnect: true }) as Redis & {
        incrCapped(key: string, cap: number): Promise<number>;
        echoAll(...args: string[]): Promise<string[]>;
      };
      await client.connect();
      await client.flushall();
      client.defineCommand('incrCapped', {
        numberOfKeys: 1,
        lua: "local v = redis.call('incr', KEYS[1]) if v > tonumber(ARGV[1]) then redis.call('set', KEYS[1], ARGV[1]) return tonumber(ARGV[1]) end return v",
      });
      client.defineCommand('echoAll', { lua: 'return ARGV' });
      const out: unknown[] = [];
      for (let i = 0; i < 5; i++) out.push(await client.incrCapped('capped', 3));
      out.push(await client.echoAll('0', 'a', 'b'));
      // A fresh script cache: ioredis falls back from EVALSHA (NOSCRIPT) to EVAL by itself.
      await client.script('FLUSH');
      out.push(await client.incrCapped('capped', 10));
      out.push(await client.pipeline().incrCapped('p', 2).incrCapped('p', 2).incrCapped('p', 2).exec());
      results.push(out);
      await client.quit();
    }
    expect(results[0]).toEqual([1, 2, 3, 3, 3, ['a', 'b'], 4, [[null, 1], [null, 2], [null, 2]]]);
    expect(results[1]).toEqual(results[0]);
  });

  test('a Redlock-style lock: only the holder releases or extends it', async () => {
    const UNLOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
    const EXTEND =
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
    const results: unknown[][] = [];
    for (const [, port] of targets()) {
      const a = new Redis({ port });
      const b = new Redis({ port });
      const out: unknown[] = [];
      out.push(await a.set('lock:res', 'token-a', 'PX', 5000, 'NX'));
      out.push(await b.set('lock:res', 'token-b', 'PX', 5000, 'NX'));
      out.push(await b.eval(UNLOCK, 1, 'lock:res', 'token-b'));
      out.push(await b.eval(EXTEND, 1, 'lock:res', 'token-b', 10000));
      out.push(await a.eval(EXTEND, 1, 'lock:res', 'token-a', 10000));
      out.push((await a.pttl('lock:res')) > 5000);
      out.push(await a.eval(UNLOCK, 1, 'lock:res', 'token-a'));
      out.push(await b.set('lock:res', 'token-b', 'PX', 50, 'NX'));
      // Contention: 20 clients race for the lock; exactly one wins each round.
      const racers = Array.from({ length: 20 }, () => new Redis({ port }));
      let wins = 0;
      for (let round = 0; round < 5; round++) {
        await a.del('lock:race');
        const got = await Promise.all(racers.map((r, i) => r.set('lock:race', `t${i}`, 'PX', 1000, 'NX')));
        wins += got.filter((g) => g === 'OK').length;
        const holder = got.findIndex((g) => g === 'OK');
        out.push(await racers[(holder + 1) % 20].eval(UNLOCK, 1, 'lock:race', `t${(holder + 1) % 20}`));
        out.push(await racers[holder].eval(UNLOCK, 1, 'lock:race', `t${holder}`));
      }
      out.push(wins);
      await Promise.all([a, b, ...racers].map((c) => c.quit()));
      results.push(out);
    }
    expect(results[0][0]).toBe('OK');
    expect(results[0][results[0].length - 1]).toBe(5);
    expect(results[1]).toEqual(results[0]);
  });
});
