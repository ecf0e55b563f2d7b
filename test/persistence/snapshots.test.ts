/**
 * Snapshots as a Redis user drives them, compared with redis-server 7.0.15
 * where the reply or the file is observable: SAVE, BGSAVE [SCHEDULE] and
 * their conflicts, LASTSAVE, save points, INFO persistence (the same fields),
 * MISCONF after a failed save, SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT],
 * SIGTERM saving, FLUSHALL's save, and -LOADING while a dataset loads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, stop, tempDir, type Kind, type ServerProc, type Config, removeTempDirs } from './helpers';

const running: ServerProc[] = [];
async function start(
  kind: Kind,
  dir: string,
  config: Config = {},
  opts: { mayExit?: boolean; whileLoading?: boolean } = {},
): Promise<ServerProc> {
  const s = await startServer(kind, dir, config, opts);
  running.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(running.map(stop));
  removeTempDirs();
});

async function call(s: ServerProc, ...args: string[]): Promise<string> {
  try {
    const r = await s.client.call(args[0], ...args.slice(1));
    return typeof r === 'string' ? r : JSON.stringify(r);
  } catch (e) {
    return `ERR:${(e as Error).message}`;
  }
}

function infoFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function waitFor(cond: () => Promise<boolean>, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs the same script on Redis and Tachyon (each in its own directory) and returns both reply lists. */
async function both(config: Config, script: (s: ServerProc) => Promise<string[]>): Promise<[string[], string[]]> {
  const out: string[][] = [];
  for (const kind of ['redis', 'tachyon'] as Kind[]) {
    const s = await start(kind, tempDir(`snap-${kind}`), config);
    out.push(await script(s));
    await stop(s);
  }
  return [out[0], out[1]];
}

describe('SAVE, BGSAVE, LASTSAVE', () => {
  it('replies and conflicts as in Redis', async () => {
    const [redis, tachyon] = await both({ 'rdb-key-save-delay': '200000' }, async (s) => {
      const r: string[] = [];
      for (let i = 0; i < 5; i++) await call(s, 'SET', `k${i}`, 'v');
      const before = Number(await call(s, 'LASTSAVE'));
      r.push(await call(s, 'BGSAVE'));
      r.push(await call(s, 'BGSAVE'));
      r.push(await call(s, 'SAVE'));
      r.push(await call(s, 'BGSAVE', 'SCHEDULE'));
      r.push(await call(s, 'BGSAVE', 'NOW'));
      r.push(await call(s, 'BGSAVE', 'SCHEDULE', 'x'));
      r.push(await call(s, 'BGREWRITEAOF'));
      r.push(infoFields(await call(s, 'INFO', 'persistence')).rdb_bgsave_in_progress);
      r.push(infoFields(await call(s, 'INFO', 'persistence')).aof_rewrite_scheduled);
      await call(s, 'CONFIG', 'SET', 'rdb-key-save-delay', '0');
      await waitFor(async () => {
        const i = infoFields(await call(s, 'INFO', 'persistence'));
        return i.rdb_bgsave_in_progress === '0' && i.aof_rewrite_in_progress === '0' && i.aof_rewrite_scheduled === '0';
      });
      const info = infoFields(await call(s, 'INFO', 'persistence'));
      r.push(info.rdb_last_bgsave_status, info.rdb_changes_since_last_save, info.aof_last_bgrewrite_status);
      r.push(String(Number(await call(s, 'LASTSAVE')) >= before));
      await call(s, 'SET', 'x', '1');
      r.push(infoFields(await call(s, 'INFO', 'persistence')).rdb_changes_since_last_save);
      r.push(await call(s, 'SAVE'));
      r.push(infoFields(await call(s, 'INFO', 'persistence')).rdb_changes_since_last_save);
      r.push(String(fs.existsSync(path.join(s.dir, 'dump.rdb'))));
      r.push(String(fs.readdirSync(s.dir).filter((f) => f.startsWith('temp-')).length));
      return r;
    });
    expect(tachyon).toEqual(redis);
  });

  it('save points start a BGSAVE, logged like Redis', async () => {
    const dir = tempDir('savepoint');
    const s = await start('tachyon', dir, { save: '1 1' });
    const before = Number(await call(s, 'LASTSAVE'));
    await call(s, 'SET', 'a', '1');
    await waitFor(async () => fs.existsSync(path.join(dir, 'dump.rdb')), 10000);
    await waitFor(async () => Number(await call(s, 'LASTSAVE')) > before || s.logs().includes('terminated with success'), 10000);
    expect(s.logs()).toMatch(/1 changes in 1 seconds\. Saving\.\.\./);
    expect(s.logs()).toMatch(/Background saving started by pid \d+/);
    expect(s.logs()).toMatch(/\d+:C .* DB saved on disk/);
    expect(s.logs()).toMatch(/Background saving terminated with success/);
  });

  it('INFO persistence has the fields Redis 7.0 has, with AOF off and on', async () => {
    for (const config of [{}, { appendonly: 'yes' }]) {
      const names: string[][] = [];
      for (const kind of ['redis', 'tachyon'] as Kind[]) {
        const s = await start(kind, tempDir('info'), config);
        names.push(Object.keys(infoFields(await call(s, 'INFO', 'persistence'))));
        await stop(s);
      }
      expect(names[1]).toEqual(names[0]);
    }
  });
});

describe('a failed save', () => {
  it('refuses writes with MISCONF until a save works again', async () => {
    const [redis, tachyon] = await both({ save: '3600 1', 'stop-writes-on-bgsave-error': 'yes' }, async (s) => {
      const r: string[] = [];
      // The target is a directory: the final rename fails.
      fs.mkdirSync(path.join(s.dir, 'dump.rdb'));
      await call(s, 'SET', 'a', '1');
      r.push(await call(s, 'BGSAVE'));
      await waitFor(async () => infoFields(await call(s, 'INFO', 'persistence')).rdb_bgsave_in_progress === '0');
      r.push(infoFields(await call(s, 'INFO', 'persistence')).rdb_last_bgsave_status);
      r.push(await call(s, 'SET', 'b', '2'));
      r.push(await call(s, 'PING'));
      r.push(await call(s, 'GET', 'a'));
      r.push(await call(s, 'MULTI'));
      r.push(await call(s, 'SET', 'c', '3'));
      r.push(await call(s, 'EXEC'));
      r.push(await call(s, 'SAVE'));
      r.push(await call(s, 'CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no'));
      r.push(await call(s, 'SET', 'b', '2'));
      r.push(await call(s, 'CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes'));
      r.push(await call(s, 'SET', 'b', '2'));
      fs.rmdirSync(path.join(s.dir, 'dump.rdb'));
      r.push(await call(s, 'BGSAVE'));
      await waitFor(async () => infoFields(await call(s, 'INFO', 'persistence')).rdb_bgsave_in_progress === '0');
      r.push(infoFields(await call(s, 'INFO', 'persistence')).rdb_last_bgsave_status);
      r.push(await call(s, 'SET', 'b', '2'));
      return r;
    });
    expect(tachyon).toEqual(redis);
  });
});

describe('SHUTDOWN and signals', () => {
  it('flags, errors, and what gets saved', async () => {
    const [redis, tachyon] = await both({ save: '3600 1' }, async (s) => {
      const r: string[] = [];
      await call(s, 'SET', 'a', '1');
      r.push(await call(s, 'SHUTDOWN', 'ABORT'));
      r.push(await call(s, 'SHUTDOWN', 'SAVE', 'NOSAVE'));
      r.push(await call(s, 'SHUTDOWN', 'ABORT', 'NOW'));
      r.push(await call(s, 'SHUTDOWN', 'MAYBE'));
      // A save that fails keeps the server up, unless FORCE.
      fs.mkdirSync(path.join(s.dir, 'dump.rdb'));
      r.push(await call(s, 'SHUTDOWN'));
      r.push(await call(s, 'PING'));
      r.push(await call(s, 'SHUTDOWN', 'NOSAVE', 'NOW'));
      r.push(String(await s.exited));
      r.push(String(fs.statSync(path.join(s.dir, 'dump.rdb')).isDirectory()));
      return r;
    });
    expect(tachyon).toEqual(redis);
  });

  it('SHUTDOWN SAVE without save points writes the file; NOSAVE with them does not', async () => {
    for (const kind of ['redis', 'tachyon'] as Kind[]) {
      const d1 = tempDir('sd-save');
      const s1 = await start(kind, d1, { save: '' });
      await call(s1, 'SET', 'a', '1');
      await s1.shutdown('SAVE');
      expect(fs.existsSync(path.join(d1, 'dump.rdb')), kind).toBe(true);
      const d2 = tempDir('sd-nosave');
      const s2 = await start(kind, d2, { save: '3600 1' });
      await call(s2, 'SET', 'a', '1');
      await s2.shutdown('NOSAVE');
      expect(fs.existsSync(path.join(d2, 'dump.rdb')), kind).toBe(false);
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} saves when save points exist, and the data comes back`, async () => {
      const dir = tempDir('sig');
      const s = await start('tachyon', dir, { save: '3600 100' });
      await call(s, 'SET', 'kept', 'yes');
      expect(await s.kill(signal)).toBe(0);
      expect(s.logs()).toMatch(new RegExp(`Received ${signal} scheduling shutdown`));
      expect(s.logs()).toMatch(/Saving the final RDB snapshot before exiting\./);
      expect(s.logs()).toMatch(/DB saved on disk/);
      const again = await start('redis', dir, { save: '' });
      expect(await call(again, 'GET', 'kept')).toBe('yes');
    });
  }
});

describe('FLUSHALL with save points', () => {
  it('writes the empty dataset at once, as Redis does', async () => {
    const [redis, tachyon] = await both({ save: '3600 1000' }, async (s) => {
      await call(s, 'SET', 'a', '1');
      await call(s, 'SAVE');
      await call(s, 'SET', 'b', '1');
      const r = [await call(s, 'FLUSHALL')];
      r.push(infoFields(await call(s, 'INFO', 'persistence')).rdb_changes_since_last_save);
      const size = fs.statSync(path.join(s.dir, 'dump.rdb')).size;
      r.push(String(size < 150));
      return r;
    });
    expect(tachyon).toEqual(redis);
  });
});

describe('loading', () => {
  it('clients get -LOADING and INFO shows progress while a dataset loads', async () => {
    const dir = tempDir('loading');
    const w = await start('redis', dir);
    for (let i = 0; i < 40; i++) await call(w, 'SET', `k${i}`, 'v');
    await call(w, 'SAVE');
    await stop(w);
    const s = await start('tachyon', dir, { 'key-load-delay': '50000' }, { whileLoading: true });
    expect(await call(s, 'GET', 'k1')).toBe('ERR:LOADING Redis is loading the dataset in memory');
    expect(await call(s, 'PING')).toBe('ERR:LOADING Redis is loading the dataset in memory');
    const info = infoFields(await call(s, 'INFO', 'persistence'));
    expect(info.loading).toBe('1');
    expect(Object.keys(info)).toEqual(expect.arrayContaining(['loading_start_time', 'loading_total_bytes', 'loading_loaded_bytes', 'loading_loaded_perc', 'loading_eta_seconds']));
    expect(await call(s, 'CONFIG', 'SET', 'appendonly', 'yes')).toBe('ERR:LOADING Redis is loading the dataset in memory');
    await waitFor(async () => (await call(s, 'DBSIZE')) === '40', 20000);
    expect(infoFields(await call(s, 'INFO', 'persistence')).loading).toBe('0');
  });
});
