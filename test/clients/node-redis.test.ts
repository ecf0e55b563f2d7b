/**
 * node-redis v5 (the `redis` package) as applications use it, on
 * redis-server 7.0 and on Tachyon, in RESP2 and RESP3: the same session runs
 * against both and every step's typed reply (HGETALL objects, ZRANGE
 * WITHSCORES pairs, XREADGROUP/XINFO shapes, INFO and CLIENT LIST strings
 * parsed as applications parse them, error classes and texts, pub/sub
 * listeners, scan iterators, scripts, blocking pops on isolated clients,
 * the RESP3 client-side cache) must be equal.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient, defineScript, type RedisClientType } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from '../../src/index';
import { startRedisOracle, type RedisOracle } from '../helpers/redis-oracle';

let redis: RedisOracle;
let tachyon: RunningServer;
let dir: string;

beforeAll(async () => {
  redis = await startRedisOracle();
  // A private dir, as the oracle's: never a dump.rdb some other run left in the cwd.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-node-redis-'));
  tachyon = await startServer({ port: 0, save: '', appendonly: 'no', dir });
});

afterAll(async () => {
  await tachyon?.close();
  await redis?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

type Step = [string, unknown];

/** Runs `fn`, recording its value or its error's class and message. */
async function step(log: Step[], label: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    log.push([label, await fn()]);
  } catch (e) {
    const err = e as Error;
    log.push([label, { error: err.constructor.name, message: err.message }]);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const capped = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT:
    "local v = redis.call('incr', KEYS[1]) if v > tonumber(ARGV[1]) then redis.call('set', KEYS[1], ARGV[1]) return tonumber(ARGV[1]) end return v",
  parseCommand(parser, key: string, cap: number) {
    parser.pushKey(key);
    parser.push(String(cap));
  },
  transformReply: undefined as unknown as () => number,
});

async function session(port: number, RESP: 2 | 3): Promise<Step[]> {
  const log: Step[] = [];
  // node-redis asks for an opt-in before it hands out RESP3 replies of the
  // commands whose RESP3 shape it may still change (XREAD among them).
  const url = { socket: { port, host: '127.0.0.1' }, RESP, ...(RESP === 3 ? { unstableResp3: true } : {}) };
  const c = createClient({ ...url, scripts: { capped } }) as unknown as RedisClientType & {
    capped(key: string, cap: number): Promise<number>;
  };
  const other = createClient(url);
  await c.connect();
  await other.connect();
  await c.flushAll();

  // Strings with expiry.
  await step(log, 'set EX', () => c.set('s', 'v', { expiration: { type: 'EX', value: 100 } }));
  await step(log, 'ttl', async () => (await c.ttl('s')) > 0);
  await step(log, 'set NX GET', () => c.set('s', 'w', { condition: 'NX', GET: true } as never));
  await step(log, 'set GET', () => c.set('s', 'w', { GET: true } as never));
  await step(log, 'mGet', () => c.mGet(['s', 'nope']));
  await step(log, 'incrByFloat', () => c.incrByFloat('f', 1.25));
  await step(log, 'getEx PERSIST', () => c.getEx('s', { type: 'PERSIST' } as never));
  await step(log, 'wrongtype', () => c.lPush('s', 'x'));
  await step(log, 'not an integer', () => c.incr('s'));
  await step(log, 'unknown', () => c.sendCommand(['NOSUCH', 'x']));

  // Hashes, sets, sorted sets: typed replies.
  await step(log, 'hSet', () => c.hSet('h', { f1: 'a', f2: '2' }));
  await step(log, 'hGetAll', () => c.hGetAll('h'));
  await step(log, 'hGetAll missing', () => c.hGetAll('nohash'));
  await step(log, 'hIncrByFloat', () => c.hIncrByFloat('h', 'f2', 0.5));
  await step(log, 'hRandField', async () => (await c.hRandFieldCountWithValues('h', -3)).length);
  await step(log, 'sAdd/sMembers', async () => [await c.sAdd('st', ['b', 'a', 'c']), (await c.sMembers('st')).sort()]);
  await step(log, 'smIsMember', () => c.smIsMember('st', ['a', 'z']));
  await step(log, 'zAdd', () => c.zAdd('z', [{ score: 1, value: 'a' }, { score: 2.5, value: 'b' }, { score: -1, value: 'c' }]));
  await step(log, 'zRangeWithScores', () => c.zRangeWithScores('z', 0, -1));
  await step(log, 'zRange BYSCORE REV', () => c.zRange('z', '+inf', 0, { BY: 'SCORE', REV: true }));
  await step(log, 'zScore/zMScore', async () => [await c.zScore('z', 'b'), await c.zmScore('z', ['a', 'x'])]);
  await step(log, 'zPopMin/zPopMaxCount', async () => [await c.zPopMin('z'), await c.zPopMaxCount('z', 5)]);
  await step(log, 'zIncrBy', () => c.zIncrBy('z2', 1.5, 'm'));
  await step(log, 'zRankWithScore', () => c.sendCommand(['ZRANK', 'z2', 'm']));

  // Lists and blocking pops (on isolated clients, as node-redis requires).
  await step(log, 'rPush/lRange', async () => [await c.rPush('l', ['a', 'b', 'c']), await c.lRange('l', 0, -1)]);
  await step(log, 'lPos/lPopCount', async () => [await c.lPos('l', 'b'), await c.lPopCount('l', 2)]);
  await step(log, 'blPop timeout', () => c.blPop(['empty'], 0.1));
  await step(log, 'brPop ready', () => c.brPop(['empty', 'l'], 1));
  await step(log, 'blMove timeout', () => c.blMove('empty', 'dst', 'LEFT', 'RIGHT', 0.1));
  await step(log, 'blPop woken', async () => {
    const waiter = c.duplicate();
    await waiter.connect();
    const popped = waiter.blPop('wake', 5);
    await sleep(100);
    await other.rPush('wake', ['w1', 'w2']);
    const got = await popped;
    await waiter.quit();
    return got;
  });

  // Transactions and WATCH with a retry.
  await step(log, 'multi', () => c.multi().set('t', '1').incr('t').get('t').exec());
  await step(log, 'multi error inside', () => c.multi().set('t2', 'a').lPush('t2', 'b').get('t2').exec());
  await step(log, 'multi aborted', () => c.multi().set('t3', 'a').addCommand(['INCRBY', 't3']).exec());
  await step(log, 'watch with a retry', async () => {
    await c.set('bal', '100');
    const attempts: string[] = [];
    for (let i = 1; i <= 3; i++) {
      await c.watch('bal');
      const cur = Number(await c.get('bal'));
      if (i === 1) await other.incrBy('bal', 5);
      try {
        const res = await c.multi().set('bal', String(cur - 30)).exec();
        attempts.push(`exec ${JSON.stringify(res)}`);
        break;
      } catch (e) {
        attempts.push(`${(e as Error).constructor.name}: ${(e as Error).message}`);
      }
    }
    return [attempts, await c.get('bal')];
  });
  await step(log, 'pipeline (execAsPipeline)', () => c.multi().set('p', '1').incr('p').lPush('p', 'x').execAsPipeline());

  // Streams with a consumer group.
  for (let i = 1; i <= 4; i++) await c.xAdd('xs', `1-${i}`, { f: String(i) });
  await step(log, 'xGroupCreate', () => c.xGroupCreate('xs', 'g', '0'));
  await step(log, 'xGroupCreate again', () => c.xGroupCreate('xs', 'g', '0'));
  await step(log, 'xReadGroup', () => c.xReadGroup('g', 'c1', { key: 'xs', id: '>' }, { COUNT: 2 }));
  await step(log, 'xReadGroup c2', () => c.xReadGroup('g', 'c2', { key: 'xs', id: '>' }, { COUNT: 1 }));
  await step(log, 'xReadGroup c2 again', () => c.xReadGroup('g', 'c2', { key: 'xs', id: '>' }, { COUNT: 1 }));
  await step(log, 'xAck', () => c.xAck('xs', 'g', '1-1'));
  await step(log, 'xPending', () => c.xPending('xs', 'g'));
  await step(log, 'xPendingRange', async () =>
    (await c.xPendingRange('xs', 'g', '-', '+', 10)).map((e) => [e.id, e.consumer, e.deliveriesCounter]),
  );
  await step(log, 'xAutoClaimJustId', () => c.xAutoClaimJustId('xs', 'g', 'c3', 0, '0-0'));
  await step(log, 'xInfoGroups', () => c.xInfoGroups('xs'));
  await step(log, 'xInfoStream', async () => {
    const i = await c.xInfoStream('xs');
    return [i.length, i['first-entry'], i['last-entry'], i['last-generated-id'], i.groups];
  });
  await step(log, 'xRange/xRevRange', async () => [await c.xRange('xs', '-', '+', { COUNT: 1 }), await c.xRevRange('xs', '+', '-', { COUNT: 1 })]);
  await step(log, 'xRead', () => c.xRead({ key: 'xs', id: '1-3' }));
  await step(log, 'xRead BLOCK timeout', async () => {
    const waiter = c.duplicate();
    await waiter.connect();
    const got = await waiter.xRead({ key: 'xs', id: '$' }, { BLOCK: 100 });
    await waiter.quit();
    return got;
  });

  // Scan iterators (v5 yields batches of keys).
  for (let i = 0; i < 30; i++) await c.set(`scan:${i}`, String(i));
  await c.hSet('bigh', Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}`, String(i)])));
  await c.zAdd('bigz', Array.from({ length: 200 }, (_, i) => ({ score: i, value: `m${i}` })));
  await step(log, 'scanIterator', async () => {
    const keys: string[] = [];
    for await (const batch of c.scanIterator({ MATCH: 'scan:1*', COUNT: 7 })) keys.push(...batch);
    return keys.sort();
  });
  await step(log, 'scanIterator TYPE', async () => {
    const keys: string[] = [];
    for await (const batch of c.scanIterator({ TYPE: 'zset' })) keys.push(...batch);
    return keys.sort();
  });
  await step(log, 'hScanIterator', async () => {
    let n = 0;
    for await (const batch of c.hScanIterator('bigh', { MATCH: 'f1*' })) n += batch.length;
    return n;
  });
  await step(log, 'zScanIterator', async () => {
    const out: unknown[] = [];
    for await (const batch of c.zScanIterator('bigz', { MATCH: 'm19*' })) out.push(...batch);
    return out.sort((a, b) => (a as { score: number }).score - (b as { score: number }).score);
  });

  // Scripts: EVALSHA, the NOSCRIPT fallback after SCRIPT FLUSH.
  await step(log, 'script', async () => [await c.capped('cap', 2), await c.capped('cap', 2), await c.capped('cap', 2)]);
  await step(log, 'script after flush', async () => {
    await c.scriptFlush();
    return c.capped('cap2', 5);
  });
  await step(log, 'eval', () => c.eval("return {1, 'two', 3.7, true, false, redis.call('ping')}"));
  await step(log, 'eval error', () => c.eval("return redis.error_reply('MYERR custom')"));
  await step(log, 'evalSha missing', () => c.evalSha('0'.repeat(40)));

  // Pub/sub.
  await step(log, 'pub/sub', async () => {
    const sub = c.duplicate();
    await sub.connect();
    const got: string[] = [];
    await sub.subscribe(['chan:1', 'chan:2'], (msg, ch) => got.push(`${ch} ${msg}`));
    await sub.pSubscribe('news.*', (msg, ch) => got.push(`p ${ch} ${msg}`));
    const counts = [await c.publish('chan:1', 'hi'), await c.publish('news.tech', 'n1'), await c.publish('nobody', 'x')];
    const numsub = await c.pubSubNumSub(['chan:1', 'nobody']);
    const numpat = await c.pubSubNumPat();
    const channels = (await c.pubSubChannels('chan:*')).sort();
    for (let i = 0; i < 50 && got.length < 2; i++) await sleep(10);
    await sub.unsubscribe('chan:1');
    await c.publish('chan:1', 'lost');
    await c.publish('chan:2', 'kept');
    for (let i = 0; i < 50 && got.length < 3; i++) await sleep(10);
    await sub.quit();
    return { counts, numsub, numpat, channels, got };
  });

  // INFO and CLIENT parsed as applications do.
  await step(log, 'info', async () => {
    const info = await c.info();
    const fields = Object.fromEntries(
      info
        .split('\r\n')
        .filter((l) => l.includes(':'))
        .map((l) => l.split(':', 2)),
    );
    return [fields.redis_mode, fields.role, /^\d+$/.test(fields.connected_clients), info.startsWith('# Server\r\n')];
  });
  await step(log, 'client setName/getName', async () => [await c.clientSetName('nr-main'), await c.clientGetName()]);
  await step(log, 'clientList', async () => {
    const list = await c.clientList();
    const me = list.find((e) => e.name === 'nr-main')!;
    return [list.length, me.db, me.cmd, me.flags, me.resp, Object.keys(me).sort()];
  });
  await step(log, 'clientInfo', async () => {
    const me = await c.clientInfo();
    return [me.name, me.cmd, me.resp];
  });
  await step(log, 'setname with a space', () => c.clientSetName('bad name'));
  await step(log, 'configGet', () => c.configGet('maxmemory-*'));

  await other.quit();
  await c.quit();
  return log;
}

/** RESP3 client-side caching: a cached GET served locally until another client's SET invalidates it. */
async function cacheSession(port: number): Promise<Step[]> {
  const log: Step[] = [];
  const c = createClient({ socket: { port, host: '127.0.0.1' }, RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0 } });
  const other = createClient({ socket: { port, host: '127.0.0.1' }, RESP: 3 });
  await c.connect();
  await other.connect();
  await c.flushAll();
  await c.set('cached', 'v1');
  await step(log, 'first get', () => c.get('cached'));
  await step(log, 'second get', () => c.get('cached'));
  await step(log, 'stats', async () => {
    const s = c.clientSideCache!.stats();
    return [s.hitCount, s.missCount];
  });
  await other.set('cached', 'v2');
  let value: unknown;
  for (let i = 0; i < 50; i++) {
    value = await c.get('cached');
    if (value === 'v2') break;
    await sleep(10);
  }
  await step(log, 'after invalidation', async () => value);
  await step(log, 'tracking info', () => c.sendCommand(['CLIENT', 'TRACKINGINFO']));
  await other.quit();
  await c.quit();
  return log;
}

describe.each([2, 3] as const)('node-redis RESP%i', (RESP) => {
  test('everyday session: the same typed replies on Redis and on Tachyon', async () => {
    const onRedis = await session(redis.port, RESP);
    const onTachyon = await session(tachyon.port, RESP);
    expect(onRedis.find(([l]) => l === 'hGetAll')?.[1]).toEqual({ f1: 'a', f2: '2' });
    expect(onTachyon).toEqual(onRedis);
  });
});

describe('node-redis RESP3 client-side cache', () => {
  test('hits, misses and invalidation are the same on Redis and on Tachyon', async () => {
    const onRedis = await cacheSession(redis.port);
    const onTachyon = await cacheSession(tachyon.port);
    expect(onRedis.find(([l]) => l === 'after invalidation')?.[1]).toBe('v2');
    expect(onTachyon).toEqual(onRedis);
  });
});
