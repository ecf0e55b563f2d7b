/**
 * Expiry while clients are paused, side by side with redis-server 7.0.15:
 * the dataset stays still (what FAILOVER and SHUTDOWN rely on to keep the
 * replication offset still) — no active expiry, and a read of a key past
 * its TTL answers as if it were gone without deleting it; once the pause
 * ends, expiry goes on.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, startServer, stop, tempDir, type ServerProc } from '../persistence/helpers';

const running: ServerProc[] = [];
afterAll(async () => {
  await Promise.all(running.map(stop));
  removeTempDirs();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('expiry during CLIENT PAUSE', () => {
  it('keys past their TTL are hidden, not deleted, until the pause ends', async () => {
    const outs: Record<string, unknown[]> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const s = await startServer(kind, tempDir(`pause-expiry-${kind}`));
      running.push(s);
      const c = s.client;
      const out: unknown[] = [];
      outs[kind] = out;
      for (let i = 0; i < 20; i++) await c.set(`t:${i}`, 'v', 'PX', 100);
      await c.set('keep', 'v');
      out.push(await c.call('CLIENT', 'PAUSE', '5000', 'WRITE'));
      await sleep(600); // several active expiry cycles
      out.push(await c.dbsize()); // nothing deleted
      out.push(await c.get('t:1'), await c.exists('t:2')); // read as gone
      out.push(await c.dbsize()); // still not deleted
      out.push((await c.info('stats')).match(/expired_keys:(\d+)/)?.[1]);
      out.push(await c.call('CLIENT', 'UNPAUSE'));
      // Active expiry resumes.
      const end = Date.now() + 10000;
      while ((await c.dbsize()) > 1 && Date.now() < end) await sleep(50);
      out.push(await c.dbsize());
    }
    expect(outs.tachyon).toEqual(outs.redis);
    expect(outs.redis).toEqual(['OK', 21, null, 0, 21, '0', 'OK', 1]);
  }, 60_000);
});
