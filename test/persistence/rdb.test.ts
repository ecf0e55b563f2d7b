/**
 * RDB files moved between Redis 7.0.15 and Tachyon with nothing but the file:
 * every type and encoding, expiries, several databases, LRU/LFU records,
 * compression and checksum on and off, in both directions, with
 * redis-check-rdb accepting every file Tachyon writes. The fixtures of
 * ../shared/redis-rdb-fixtures (RDB versions 3-10) load exactly as Redis
 * loads them; truncated and bit-flipped files are refused with an error
 * naming the offset, never a crash.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAddon, type NativeServer } from '../../src/native';
import { stop, populate, snapshot, tempDir, type ServerProc, serversOfFile } from './helpers';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'redis-rdb-fixtures');
const fixturesDir = fs.existsSync(FIXTURES) ? FIXTURES : '/work/shared/redis-rdb-fixtures';

const start = serversOfFile();

function checkRdb(file: string): string {
  return execFileSync('redis-check-rdb', [file]).toString();
}

describe('round trips with redis-server', () => {
  for (const variant of [
    { name: 'defaults', config: {} },
    { name: 'rdbcompression no, rdbchecksum no', config: { rdbcompression: 'no', rdbchecksum: 'no' } },
  ]) {
    it(`Redis SAVE -> Tachyon -> Tachyon SAVE -> Redis (${variant.name})`, async () => {
      const dir = tempDir('rt');
      const redis = await start('redis', dir, { dbfilename: 'redis.rdb', ...variant.config });
      await populate(redis.client);
      expect(await redis.client.save()).toBe('OK');
      await stop(redis);
      // What Redis itself makes of its file (a reload re-encodes some strings, e.g. raw -> embstr).
      const reloaded = await start('redis', dir, { dbfilename: 'redis.rdb', ...variant.config });
      const expected = await snapshot(reloaded.client);
      await stop(reloaded);

      const tachyon = await start('tachyon', dir, { dbfilename: 'redis.rdb', ...variant.config });
      expect(await snapshot(tachyon.client)).toEqual(expected);
      expect(tachyon.logs()).toMatch(/Loading RDB produced by version 7\.0\.15/);
      expect(tachyon.logs()).toMatch(/RDB age \d+ seconds/);
      expect(tachyon.logs()).toMatch(/Done loading RDB, keys loaded: \d+, keys expired: 0\./);
      expect(tachyon.logs()).toMatch(/DB loaded from disk: [\d.]+ seconds/);
      await tachyon.client.config('SET', 'dbfilename', 'tachyon.rdb');
      expect(await tachyon.client.save()).toBe('OK');
      await stop(tachyon);

      expect(checkRdb(path.join(dir, 'tachyon.rdb'))).toMatch(/RDB looks OK/);
      const redis2 = await start('redis', dir, { dbfilename: 'tachyon.rdb', ...variant.config });
      expect(await snapshot(redis2.client)).toEqual(expected);
      await stop(redis2);
    });
  }

  it('Tachyon writes first: Tachyon SAVE -> Redis -> Redis SAVE -> Tachyon', async () => {
    const dir = tempDir('rt2');
    const first = await start('tachyon', dir, { dbfilename: 'a.rdb' });
    await populate(first.client);
    await first.client.save();
    await stop(first);
    // What Tachyon makes of its own file, as the reference.
    const tachyon = await start('tachyon', dir, { dbfilename: 'a.rdb' });
    const expected = await snapshot(tachyon.client);
    // BGSAVE this time: the forked child writes the file.
    expect(await tachyon.client.bgsave()).toBe('Background saving started');
    await waitFor(async () => (await info(tachyon, 'rdb_bgsave_in_progress')) === '0');
    expect(await info(tachyon, 'rdb_last_bgsave_status')).toBe('ok');
    await stop(tachyon);
    expect(checkRdb(path.join(dir, 'a.rdb'))).toMatch(/RDB looks OK/);

    const redis = await start('redis', dir, { dbfilename: 'a.rdb' });
    expect(await snapshot(redis.client)).toEqual(expected);
    await redis.client.config('SET', 'dbfilename', 'b.rdb');
    await redis.client.save();
    await stop(redis);
    const tachyon2 = await start('tachyon', dir, { dbfilename: 'b.rdb' });
    expect(await snapshot(tachyon2.client)).toEqual(expected);
    await stop(tachyon2);
  });

  it('IDLE and FREQ records follow the eviction policy in force', async () => {
    for (const policy of ['allkeys-lru', 'allkeys-lfu']) {
      const dir = tempDir('access');
      const tachyon = await start('tachyon', dir, { 'maxmemory-policy': policy });
      await tachyon.client.set('k', 'v');
      if (policy === 'allkeys-lfu') for (let i = 0; i < 300; i++) await tachyon.client.get('k');
      await new Promise((r) => setTimeout(r, 2100));
      const field = policy === 'allkeys-lru' ? 'IDLETIME' : 'FREQ';
      const before = Number(await tachyon.client.object(field as 'IDLETIME', 'k'));
      await tachyon.client.save();
      await stop(tachyon);
      expect(checkRdb(path.join(dir, 'dump.rdb'))).toMatch(/RDB looks OK/);
      for (const kind of ['redis', 'tachyon'] as const) {
        const s = await start(kind, dir, { 'maxmemory-policy': policy });
        const after = Number(await s.client.object(field as 'IDLETIME', 'k'));
        if (policy === 'allkeys-lru') {
          expect(before).toBeGreaterThanOrEqual(2);
          expect(after).toBeGreaterThanOrEqual(before);
          expect(after).toBeLessThan(before + 5);
        } else {
          expect(before).toBeGreaterThan(5);
          expect(after).toBe(before);
        }
        await stop(s);
      }
    }
  });

  it('keys whose time is up are not loaded, and are counted', async () => {
    const dir = tempDir('expired');
    const redis = await start('redis', dir);
    await redis.client.set('gone', 'v', 'PX', 1500);
    await redis.client.set('kept', 'v');
    await redis.client.save();
    await stop(redis);
    await new Promise((r) => setTimeout(r, 1600));
    const tachyon = await start('tachyon', dir);
    expect(await tachyon.client.keys('*')).toEqual(['kept']);
    expect(tachyon.logs()).toMatch(/Done loading RDB, keys loaded: 1, keys expired: 1\./);
    expect(await info(tachyon, 'rdb_last_load_keys_expired')).toBe('1');
    expect(await info(tachyon, 'rdb_last_load_keys_loaded')).toBe('1');
    await stop(tachyon);
  });
});

describe('fixtures written by Redis 3 to 10', () => {
  const loadable = ['encodings', 'hash-zipmap', 'hash-ziplist', 'zset-ziplist', 'list-quicklist', 'scriptbackup', 'corrupt_empty_keys'];
  for (const name of loadable) {
    it(`${name}.rdb loads as Redis 7.0 loads it`, async () => {
      const copies = ['redis', 'tachyon'].map((k) => {
        const d = tempDir(`fx-${k}`);
        fs.copyFileSync(path.join(fixturesDir, `${name}.rdb`), path.join(d, `${name}.rdb`));
        fs.chmodSync(path.join(d, `${name}.rdb`), 0o644);
        return d;
      });
      const redis = await start('redis', copies[0], { dbfilename: `${name}.rdb` });
      const tachyon = await start('tachyon', copies[1], { dbfilename: `${name}.rdb` });
      const expected = await snapshot(redis.client);
      expect(await snapshot(tachyon.client)).toEqual(expected);
      if (name === 'encodings') expect(Object.keys(expected)).toHaveLength(13);
      if (name === 'corrupt_empty_keys') {
        expect(tachyon.logs()).toMatch(/rdbLoadObject skipping empty key: set/);
        expect(tachyon.logs()).toMatch(/keys loaded: 0, keys expired: 0, empty keys skipped: 9\./);
      }
      // What Tachyon writes back is a valid file Redis loads to the same data.
      await tachyon.client.config('SET', 'dbfilename', 'again.rdb');
      await tachyon.client.save();
      expect(checkRdb(path.join(copies[1], 'again.rdb'))).toMatch(/RDB looks OK/);
      await stop(redis);
      await stop(tachyon);
    });
  }

  it('corrupt_ziplist.rdb is refused with the reason and the offset, and the server exits', async () => {
    const d = tempDir('fx-corrupt');
    fs.copyFileSync(path.join(fixturesDir, 'corrupt_ziplist.rdb'), path.join(d, 'c.rdb'));
    const s = await start('tachyon', d, { dbfilename: 'c.rdb' }, { mayExit: true });
    expect(await s.exited).toBe(1);
    expect(s.logs()).toMatch(/Internal error in RDB reading offset \d+ -> Hash ziplist integrity check failed\./);
    expect(s.logs()).toMatch(/Terminating server after rdb file reading failure\./);
  });

  it('a file of a version Tachyon cannot read is a startup error naming the version', async () => {
    const d = tempDir('version');
    fs.writeFileSync(path.join(d, 'dump.rdb'), Buffer.concat([Buffer.from('REDIS0011'), Buffer.from([0xff]), Buffer.alloc(8)]));
    const s = await start('tachyon', d, {}, { mayExit: true });
    expect(await s.exited).toBe(1);
    expect(s.logs()).toMatch(/Can't handle RDB format version 11/);
    expect(s.logs()).toMatch(/Fatal error loading the DB: Invalid argument\. Exiting\./);
  });
});

describe('corrupt files are refused without crashing', () => {
  // In process: the native loader thread, many trials per second.
  let native: NativeServer;
  let file: string;
  let good: Buffer;
  const load = async (bytes: Buffer) => {
    fs.writeFileSync(file, bytes);
    expect(native.persistence('loadStart', file, 0, {})).toBe(0);
    for (;;) {
      const [done] = native.persistence('loadPoll') as [boolean];
      if (done) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    return native.persistence('loadFinish') as { ok: boolean; error: string };
  };

  it('truncated at every kind of place, and with bits flipped', async () => {
    const { NativeServer } = loadAddon();
    native = new NativeServer({ databases: 16 }, new Int32Array(4), Buffer.alloc(1024));
    const dir = tempDir('corrupt');
    file = path.join(dir, 'x.rdb');
    const redis = await start('redis', dir, { dbfilename: 'src.rdb' });
    await populate(redis.client);
    await redis.client.save();
    await stop(redis);
    good = fs.readFileSync(path.join(dir, 'src.rdb'));
    expect((await load(good)).ok).toBe(true);

    let refused = 0;
    for (let cut = 0; cut < good.length; cut += Math.max(1, Math.floor(good.length / 150))) {
      const r = await load(good.subarray(0, cut));
      expect(r.ok, `truncated at ${cut}`).toBe(false);
      if (cut >= 9) expect(r.error).toMatch(/offset \d+ -> /);
      refused++;
    }
    // Bit flips: with the checksum on, a CRC error at the end at worst; with
    // it off (rdbchecksum no), the decoders themselves must catch or survive them.
    for (const checksum of [true, false]) {
      native.configure('rdbchecksum', checksum);
      let seed = 12345;
      for (let i = 0; i < 150; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const at = 9 + (seed % (good.length - 17));
        const bad = Buffer.from(good);
        bad[at] ^= 1 << (seed % 8);
        const r = await load(bad);
        if (checksum) {
          expect(r.ok, `bit flip at ${at}`).toBe(false);
          expect(r.error).toMatch(/offset \d+ -> /);
        } else if (!r.ok) {
          expect(r.error).toMatch(/offset \d+ -> |Wrong signature|Can't handle/);
        }
      }
    }
    expect(refused).toBeGreaterThan(100);
  });
});

async function info(s: ServerProc, field: string): Promise<string> {
  const text = (await s.client.info('persistence')) as string;
  return text.match(new RegExp(`^${field}:(.*)\\r?$`, 'm'))?.[1] ?? '';
}

async function waitFor(cond: () => Promise<boolean>, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
