/**
 * The append-only file against redis-server 7.0.15: the same commands give
 * the same incr file (writes propagated as their effects: SET EX as PXAT,
 * SPOP as SREM, blocking pops as pops, lazy expiry as DEL, MULTI/EXEC
 * wrapping, SELECT...), AOF directories move between the two servers in both
 * directions, redis-check-aof accepts what Tachyon writes, BGREWRITEAOF in both
 * base formats, appendonly switched at run time, an old single-file AOF is
 * migrated, and a torn last record is loaded or refused as aof-load-truncated
 * says.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stop, populate, snapshot, tempDir, type Kind, type ServerProc, serversOfFile } from './helpers';

const FIXTURES = fs.existsSync('/work/shared/redis-rdb-fixtures')
  ? '/work/shared/redis-rdb-fixtures'
  : path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'redis-rdb-fixtures');

const start = serversOfFile();

const AOF = { appendonly: 'yes', appendfsync: 'always' };

function manifest(dir: string): string {
  return fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
}
function incrFile(dir: string): string {
  const name = manifest(dir)
    .split('\n')
    .find((l) => l.endsWith('type i'))!
    .split(' ')[1];
  return fs.readFileSync(path.join(dir, 'appendonlydir', name), 'latin1');
}
function checkAof(dir: string): string {
  return execFileSync('redis-check-aof', [path.join(dir, 'appendonlydir', 'appendonly.aof.manifest')]).toString();
}
/** Timestamps that differ between two runs by construction. */
function normalizeTimes(aof: string): string {
  return aof.replace(/\$13\r\n1\d{12}\r\n/g, '$13\r\n<ms>\r\n');
}

type Step = string[] | { sleep: number } | { background: string[] };

/** Runs the same steps on both servers (background steps on a second connection, for blocking commands). */
async function runBoth(steps: Step[]): Promise<[string, string]> {
  const servers: ServerProc[] = [];
  for (const kind of ['redis', 'tachyon'] as Kind[]) servers.push(await start(kind, tempDir(`aof-${kind}`), AOF));
  const seconds = await Promise.all(servers.map(async (s) => {
    const c = s.client.duplicate();
    await c.ping();
    return c;
  }));
  const pending: Promise<unknown>[] = [];
  for (const step of steps) {
    if ('sleep' in step) {
      await new Promise((r) => setTimeout(r, step.sleep));
    } else if ('background' in step) {
      for (const c of seconds) pending.push(c.call(step.background[0], ...step.background.slice(1)));
      await new Promise((r) => setTimeout(r, 100));
    } else {
      const replies = await Promise.all(servers.map((s) => s.client.call(step[0], ...step.slice(1)).catch((e) => `ERR ${e.message}`)));
      expect(replies[1], step.join(' ')).toEqual(replies[0]);
    }
  }
  await Promise.all(pending);
  for (const c of seconds) c.disconnect();
  const files = servers.map((s) => incrFile(s.dir)) as [string, string];
  for (const s of servers) await stop(s);
  expect(checkAof(servers[1].dir)).toMatch(/All AOF files and manifest are valid/);
  return files;
}

describe('writes reach the AOF as Redis 7.0 propagates them', () => {
  it('strings, expiries, counters, transactions, databases, lazy expiry', async () => {
    const [redis, tachyon] = await runBoth([
      ['SET', 'a', '1'],
      ['SET', 'b', '2', 'EX', '100'],
      ['SETEX', 'c', '100', 'v'],
      ['PSETEX', 'c2', '100000', 'v'],
      ['SET', 'd', 'x', 'PX', '5000', 'GET'],
      ['SET', 'e', 'y', 'EXAT', '4000000000'],
      ['SET', 'f', 'z', 'PXAT', '4000000000000', 'NX'],
      ['SET', 'f', 'no', 'NX'],
      ['SET', 'kt', 'v', 'KEEPTTL'],
      ['EXPIRE', 'a', '100'],
      ['PEXPIRE', 'b', '100000', 'GT'],
      ['EXPIREAT', 'a', '4000000000'],
      ['PEXPIREAT', 'a', '4000000000000'],
      ['EXPIRE', 'missing', '10'],
      ['SET', 'past', 'v'],
      ['EXPIRE', 'past', '-1'],
      ['PERSIST', 'a'],
      ['INCRBYFLOAT', 'fl', '1.5'],
      ['INCRBYFLOAT', 'fl', '2.25'],
      ['HINCRBYFLOAT', 'h', 'f', '1.5'],
      ['GETDEL', 'b'],
      ['GETEX', 'c', 'EX', '50'],
      ['GETEX', 'c2', 'PERSIST'],
      ['GETEX', 'kt', 'PXAT', '1'],
      ['SELECT', '2'],
      ['SET', 'in2', 'v'],
      ['SELECT', '0'],
      ['SET', 'back', 'v'],
      ['MULTI'],
      ['SET', 'm1', '1'],
      ['INCR', 'm1'],
      ['EXEC'],
      ['MULTI'],
      ['SET', 'm2', '1'],
      ['EXEC'],
      ['MULTI'],
      ['GET', 'm2'],
      ['EXEC'],
      ['SET', 'ttl', 'v', 'PX', '1'],
      { sleep: 20 },
      ['GET', 'ttl'],
      ['DEL', 'nothing'],
      ['FLUSHDB'],
      ['FLUSHDB'],
      ['SET', 'after', 'flush'],
      ['SADD', 's2', '1', '2', '3'],
      ['SPOP', 's2', '10'],
      ['SADD', 's3', '1'],
      ['SPOP', 's3'],
      ['FLUSHALL'],
    ]);
    expect(normalizeTimes(tachyon)).toBe(normalizeTimes(redis));
  });

  it('pops, blocking commands served at once and after waiting, RESTORE', async () => {
    const [redis, tachyon] = await runBoth([
      ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
      ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '2'],
      ['LMPOP', '1', 'l', 'RIGHT', 'COUNT', '10'],
      ['RPUSH', 'l', 'a', 'b'],
      ['BLPOP', 'l', '0'],
      ['BRPOP', 'l', '0'],
      ['RPUSH', 'l2', 'x', 'y'],
      ['BLMOVE', 'l2', 'l3', 'LEFT', 'RIGHT', '0'],
      ['BRPOPLPUSH', 'l2', 'l3', '0'],
      ['LMOVE', 'l3', 'l3', 'left', 'left'],
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '10'],
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
      ['BZPOPMIN', 'z', '0'],
      ['BZPOPMAX', 'z', '0'],
      ['ZADD', 'z', '5', 'e'],
      ['BZMPOP', '0', '1', 'z', 'MAX'],
      ['ZADD', 'z', '6', 'f', '7', 'g'],
      ['ZPOPMIN', 'z', '5'],
      ['RPUSH', 'lm', '1', '2', '3'],
      ['BLMPOP', '0', '1', 'lm', 'RIGHT', 'COUNT', '2'],
      { background: ['BLPOP', 'w1', '0'] },
      ['RPUSH', 'w1', 'v'],
      { background: ['BZPOPMIN', 'wz', '0'] },
      ['ZADD', 'wz', '1', 'm'],
      { background: ['BLMOVE', 'wl', 'dst', 'RIGHT', 'LEFT', '0'] },
      ['RPUSH', 'wl', 'q'],
      { background: ['BRPOPLPUSH', 'wr', 'dst', '0'] },
      ['RPUSH', 'wr', 'q'],
      { background: ['BLMPOP', '0', '1', 'wm', 'LEFT', 'COUNT', '5'] },
      ['RPUSH', 'wm', '1', '2'],
      { background: ['BZMPOP', '0', '1', 'wzm', 'MIN', 'COUNT', '7'] },
      ['ZADD', 'wzm', '1', 'a', '2', 'b'],
      ['SET', 'src', 'value'],
    ]);
    expect(normalizeTimes(tachyon)).toBe(normalizeTimes(redis));
  });

  it('RESTORE with a relative TTL is written with ABSTTL', async () => {
    const dir = tempDir('restore');
    const s = await start('tachyon', dir, AOF);
    await s.client.set('src', 'v');
    const p = await s.client.dumpBuffer('src');
    await s.client.restore('r', 100000, p);
    await s.client.restore('r2', 0, p);
    await stop(s);
    expect(incrFile(dir)).toMatch(/\*5\r\n\$7\r\nRESTORE\r\n\$1\r\nr\r\n\$13\r\n1\d{12}\r\n\$\d+\r\n[\s\S]*\$6\r\nABSTTL\r\n/i);
    expect(incrFile(dir)).toMatch(/\*4\r\n\$7\r\nRESTORE\r\n\$2\r\nr2\r\n\$1\r\n0\r\n/i);
  });
});

describe('AOF directories move between Redis and Tachyon', () => {
  for (const [from, to] of [
    ['redis', 'tachyon'],
    ['tachyon', 'redis'],
  ] as [Kind, Kind][]) {
    for (const preamble of ['yes', 'no']) {
      it(`${from} -> ${to}, base after BGREWRITEAOF with aof-use-rdb-preamble ${preamble}`, async () => {
        const dir = tempDir('aofmove');
        const config = { ...AOF, 'aof-use-rdb-preamble': preamble };
        const a = await start(from, dir, config);
        await populate(a.client);
        expect(await a.client.bgrewriteaof()).toMatch(/Background append only file rewriting (started|scheduled)/);
        await waitFor(async () => /aof_rewrite_in_progress:0/.test(await a.client.info('persistence')) && !/aof_rewrite_scheduled:1/.test(await a.client.info('persistence')));
        await a.client.set('after-rewrite', 'yes');
        await a.client.rpush('list:big', 'more');
        await a.shutdown();
        expect(checkAof(dir)).toMatch(/All AOF files and manifest are valid/);
        expect(manifest(dir)).toMatch(preamble === 'yes' ? /appendonly\.aof\.\d+\.base\.rdb seq \d+ type b/ : /base\.aof seq \d+ type b/);
        // The reference: the writer's own view of its files after a restart.
        const again = await start(from, dir, config);
        const expected = await snapshot(again.client);
        await again.shutdown();
        const b = await start(to, dir, config);
        expect(await snapshot(b.client)).toEqual(expected);
        await b.shutdown();
      });
    }
  }

  it('an old single-file AOF with an RDB preamble is migrated into appenddirname', async () => {
    const results: Record<string, unknown> = {};
    for (const kind of ['redis', 'tachyon'] as Kind[]) {
      const dir = tempDir(`old-${kind}`);
      fs.copyFileSync(path.join(FIXTURES, 'rdb-preamble.aof'), path.join(dir, 'appendonly.aof'));
      fs.chmodSync(path.join(dir, 'appendonly.aof'), 0o644);
      const s = await start(kind, dir, AOF);
      results[kind] = await snapshot(s.client);
      if (kind === 'tachyon') {
        expect(s.logs()).toMatch(/Successfully migrated an old-style AOF file \(appendonly\.aof\) into the AOF directory \(appendonlydir\)\./);
        expect(s.logs()).toMatch(/Reading RDB preamble from AOF file\.\.\./);
        expect(s.logs()).toMatch(/Reading the remaining AOF tail\.\.\./);
        expect(fs.existsSync(path.join(dir, 'appendonlydir', 'appendonly.aof'))).toBe(true);
        expect(manifest(dir)).toBe('file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
      }
      await s.shutdown();
    }
    expect(results.tachyon).toEqual(results.redis);
  });
});

describe('turning the AOF on and off, rewriting', () => {
  it('CONFIG SET appendonly yes writes a base first, then appends; no stops', async () => {
    const dir = tempDir('toggle');
    const s = await start('tachyon', dir);
    await s.client.set('before', '1');
    expect(await s.client.config('SET', 'appendonly', 'yes')).toBe('OK');
    await waitFor(async () => /aof_rewrite_in_progress:0/.test(await s.client.info('persistence')));
    await s.client.set('after', '2');
    expect(await s.client.info('persistence')).toMatch(/aof_enabled:1/);
    expect(manifest(dir)).toBe('file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    expect(incrFile(dir)).toBe('*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$5\r\nafter\r\n$1\r\n2\r\n');
    expect(await s.client.config('SET', 'appendonly', 'no')).toBe('OK');
    await s.client.set('not-logged', '3');
    expect(incrFile(dir)).not.toMatch(/not-logged/);
    await s.shutdown();
    const again = await start('tachyon', dir, AOF);
    expect((await again.client.keys('*')).sort()).toEqual(['after', 'before']);
    await again.shutdown();
  });

  it('BGREWRITEAOF while a BGSAVE runs is scheduled; history files are removed', async () => {
    const dir = tempDir('sched');
    const s = await start('tachyon', dir, { ...AOF, 'rdb-key-save-delay': '100000' });
    for (let i = 0; i < 10; i++) await s.client.set(`k${i}`, 'v');
    expect(await s.client.bgsave()).toBe('Background saving started');
    expect(await s.client.bgrewriteaof()).toBe('Background append only file rewriting scheduled');
    expect(await s.client.info('persistence')).toMatch(/aof_rewrite_scheduled:1/);
    await s.client.config('SET', 'rdb-key-save-delay', '0');
    await waitFor(async () => /aof_rewrites:1\r\n[\s\S]*/.test(await s.client.info('persistence')) && /aof_rewrite_in_progress:0/.test(await s.client.info('persistence')), 30000);
    await waitFor(async () => manifest(dir).includes('seq 2 type b'), 10000);
    expect(fs.readdirSync(path.join(dir, 'appendonlydir')).sort()).toEqual([
      'appendonly.aof.2.base.rdb',
      'appendonly.aof.2.incr.aof',
      'appendonly.aof.manifest',
    ]);
    expect(s.logs()).toMatch(/Removing the history file appendonly\.aof\.1\.incr\.aof in the background/);
    await s.shutdown();
  });
});

describe('a torn last record', () => {
  async function tornDir(extra: string): Promise<string> {
    const dir = tempDir('torn');
    const s = await start('tachyon', dir, AOF);
    await s.client.set('a', '1');
    await s.client.set('b', '2');
    await s.shutdown();
    const name = manifest(dir).split('\n').find((l) => l.endsWith('type i'))!.split(' ')[1];
    fs.appendFileSync(path.join(dir, 'appendonlydir', name), extra);
    return dir;
  }

  it('loads with aof-load-truncated yes (logged, file truncated) and is refused with no', async () => {
    for (const [label, torn] of [
      ['half a command', '*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1'],
      ['an unfinished MULTI', '*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1\r\n3\r\n'],
    ]) {
      const dir = await tornDir(torn);
      const refused = await start('tachyon', dir, { ...AOF, 'aof-load-truncated': 'no' }, { mayExit: true });
      expect(await refused.exited, label).toBe(1);
      expect(refused.logs()).toMatch(/Unexpected end of file reading the append only file appendonly\.aof\.1\.incr\.aof/);
      const loaded = await start('tachyon', dir, AOF);
      expect((await loaded.client.keys('*')).sort(), label).toEqual(['a', 'b']);
      expect(loaded.logs()).toMatch(/!!! Warning: short read while loading the AOF file appendonly\.aof\.1\.incr\.aof!!!/);
      expect(loaded.logs()).toMatch(/AOF appendonly\.aof\.1\.incr\.aof loaded anyway because aof-load-truncated is enabled/);
      if (label === 'an unfinished MULTI') expect(loaded.logs()).toMatch(/Revert incomplete MULTI\/EXEC transaction in AOF file/);
      await loaded.shutdown();
      expect(checkAof(dir)).toMatch(/All AOF files and manifest are valid/);
      // Redis agrees with what is left.
      const redis = await start('redis', dir, AOF);
      expect((await redis.client.keys('*')).sort()).toEqual(['a', 'b']);
      await redis.shutdown();
    }
  });

  it('garbage in the middle is a format error, not a crash', async () => {
    const dir = await tornDir('garbage\r\n*1\r\n$4\r\nPING\r\n');
    const s = await start('tachyon', dir, AOF, { mayExit: true });
    expect(await s.exited).toBe(1);
    expect(s.logs()).toMatch(/Bad file format reading the append only file appendonly\.aof\.1\.incr\.aof/);
  });
});

describe('aof-timestamp-enabled', () => {
  it('annotates the incr file with #TS lines that both servers skip on load', async () => {
    const dir = tempDir('ts');
    const s = await start('tachyon', dir, { ...AOF, 'aof-timestamp-enabled': 'yes' });
    await s.client.set('a', '1');
    await new Promise((r) => setTimeout(r, 1100));
    await s.client.set('b', '2');
    await s.shutdown();
    expect(incrFile(dir).match(/#TS:\d+\r\n/g)?.length).toBe(2);
    expect(checkAof(dir)).toMatch(/valid/);
    for (const kind of ['redis', 'tachyon'] as Kind[]) {
      const r = await start(kind, dir, { ...AOF, 'aof-timestamp-enabled': 'yes' });
      expect((await r.client.keys('*')).sort()).toEqual(['a', 'b']);
      await r.shutdown();
    }
  });
});

async function waitFor(cond: () => Promise<boolean>, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
