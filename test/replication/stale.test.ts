/**
 * replica-serve-stale-data no: while a replica's link to its master is down,
 * commands without the stale flag get -MASTERDOWN (inside MULTI too, which
 * then aborts); with yes, or once the replica is a master again, they run.
 * Compared with a real redis-server 7.0.15 pointed at a master that is not there.
 */
import { describe, expect, it } from 'vitest';
import { getFreePort } from '../helpers/redis-oracle';
import { serversOfFile, tempDir } from '../persistence/helpers';

/** startServer for this file: every server is stopped after its tests. */
const startServer = serversOfFile();

describe('replica-serve-stale-data', () => {
  it('MASTERDOWN while the link is down, as Redis', async () => {
    const nowhere = await getFreePort();
    const outs: Record<string, unknown[]> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const s = await startServer(kind, tempDir(`stale-${kind}`));
      const c = s.client;
      const r = async (...a: string[]) => {
        try {
          return await c.call(a[0], ...a.slice(1));
        } catch (e) {
          return `ERR:${(e as Error).message}`;
        }
      };
      await r('SET', 'k', 'v');
      outs[kind] = [
        await r('CONFIG', 'SET', 'replica-serve-stale-data', 'no'),
        await r('GET', 'k'),
        await r('REPLICAOF', '127.0.0.1', String(nowhere)),
        await r('GET', 'k'),
        await r('SET', 'k', 'w'),
        await r('DBSIZE'),
        await r('PING'),
        await r('ECHO', 'x'),
        await r('CONFIG', 'GET', 'slave-serve-stale-data'),
        (await r('INFO', 'replication')).toString().match(/master_link_status:\w+/)?.[0],
        await r('MULTI'),
        await r('GET', 'k'),
        await r('EXEC'),
        await r('CONFIG', 'SET', 'replica-serve-stale-data', 'yes'),
        await r('GET', 'k'),
        await r('CONFIG', 'SET', 'replica-serve-stale-data', 'no'),
        await r('GET', 'k'),
        await r('REPLICAOF', 'NO', 'ONE'),
        await r('GET', 'k'),
      ];
    }
    expect(outs.tachyon).toEqual(outs.redis);
    expect(outs.tachyon).toContain("ERR:MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
  }, 30_000);
});
