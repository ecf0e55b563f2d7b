/**
 * Tachyon as applications use it: ioredis and node-redis (RESP2 and RESP3)
 * driving strings, keys, expiry, SCAN and transactions (MULTI/EXEC, WATCH).
 */
import Redis from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0 });
});
afterAll(() => server.close());

describe('ioredis', () => {
  let r: Redis;
  beforeAll(async () => {
    r = new Redis(server.port, server.host, { lazyConnect: true });
    await r.connect();
  });
  afterAll(() => r.disconnect());

  it('strings: set options, counters, ranges, binary values', async () => {
    await r.flushall();
    expect(await r.set('s', 'hello', 'EX', 100, 'NX')).toBe('OK');
    expect(await r.set('s', 'x', 'NX')).toBeNull();
    expect(await r.append('s', ' world')).toBe(11);
    expect(await r.getrange('s', -5, -1)).toBe('world');
    expect(await r.setrange('s', 0, 'J')).toBe(11);
    expect(await r.get('s')).toBe('Jello world');
    expect(await r.incrby('n', 40)).toBe(40);
    expect(await r.incr('n')).toBe(41);
    expect(await r.incrbyfloat('n', 0.5)).toBe('41.5');
    await expect(r.incr('s')).rejects.toThrow('ERR value is not an integer or out of range');
    const bin = Buffer.from([0, 255, 13, 10, 1]);
    await r.set('bin', bin);
    expect(await r.getBuffer('bin')).toEqual(bin);
    expect(await r.mset({ a: '1', b: '2' })).toBe('OK');
    expect(await r.mget('a', 'b', 'missing')).toEqual(['1', '2', null]);
    expect(await r.getdel('a')).toBe('1');
    expect(await r.exists('a', 'b')).toBe(1);
  });

  it('keys: expiry, rename, scan over many keys, type and encoding', async () => {
    await r.flushall();
    await r.set('k', 'v', 'PX', 50);
    expect(await r.pttl('k')).toBeGreaterThan(0);
    await new Promise((res) => setTimeout(res, 80));
    expect(await r.get('k')).toBeNull();
    const pipe = r.pipeline();
    for (let i = 0; i < 2000; i++) pipe.set(`key:${i}`, i);
    await pipe.exec();
    expect(await r.dbsize()).toBe(2000);
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', 'key:1*', 'COUNT', 100);
      for (const k of keys) seen.add(k);
      cursor = next;
    } while (cursor !== '0');
    expect(seen.size).toBe(1111);
    expect(await r.rename('key:1', 'renamed')).toBe('OK');
    expect(await r.type('renamed')).toBe('string');
    expect(await r.object('ENCODING', 'renamed')).toBe('int');
    expect(await r.expire('renamed', 100, 'NX')).toBe(1);
    expect(await r.expire('renamed', 100, 'NX')).toBe(0);
    expect(await r.persist('renamed')).toBe(1);
  });

  it('transactions: MULTI/EXEC, errors inside, WATCH conflicts', async () => {
    await r.flushall();
    const res = await r.multi().set('a', '1').incr('a').lpush('l', 'x').exec();
    expect(res).toEqual([
      [null, 'OK'],
      [null, 2],
      [null, 1],
    ]);
    const withError = await r.multi().set('s', 'str').incr('s').get('s').exec();
    expect(withError?.[1][0]).toBeInstanceOf(Error);
    expect(withError?.[2]).toEqual([null, 'str']);

    const other = new Redis(server.port, server.host);
    await r.watch('a');
    await other.set('a', '100');
    expect(await r.multi().incr('a').exec()).toBeNull(); // aborted
    await r.watch('a');
    expect(await r.multi().incr('a').exec()).toEqual([[null, 101]]);
    other.disconnect();
  });
});

describe.each([2, 3] as const)('node-redis RESP%i', (RESP) => {
  it('strings, hashes, transactions and WATCH', async () => {
    const c = createClient({ socket: { port: server.port, host: server.host }, RESP });
    await c.connect();
    await c.flushAll();
    await c.set('x', '1');
    expect(await c.incrBy('x', 9)).toBe(10);
    await c.hSet('h', { f1: 'a', f2: 'b' });
    expect(await c.hGetAll('h')).toEqual({ f1: 'a', f2: 'b' });
    const results = await c.multi().set('y', '5').incr('y').get('y').exec();
    expect(results).toEqual(['OK', 6, '6']);

    const other = c.duplicate();
    await other.connect();
    await c.watch('y');
    await other.set('y', '0');
    await expect(c.multi().incr('y').exec()).rejects.toThrow(/WATCH/i);
    await other.quit();
    await c.quit();
  });
});
