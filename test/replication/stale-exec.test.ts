/**
 * replica-serve-stale-data no and a transaction queued before the link went
 * down: EXEC is refused with EXECABORT ... MASTERDOWN when it holds a command
 * that is not allowed on a stale replica (GET, PING), and runs when it holds
 * only allowed ones or was queued before the server became a master again.
 * Compared with a real redis-server 7.0.15; a second connection turns the
 * server into a replica of a master that is not there while the first is in MULTI.
 */
import Redis from 'ioredis';
import { describe, expect, it } from 'vitest';
import { getFreePort } from '../helpers/redis-oracle';
import { serversOfFile, tempDir } from '../persistence/helpers';

const startServer = serversOfFile();

describe('EXEC on a stale replica', () => {
  it('is refused when a queued command is not allowed while stale, as Redis', async () => {
    const nowhere = await getFreePort();
    const outs: Record<string, unknown[]> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const s = await startServer(kind, tempDir(`stale-exec-${kind}`));
      const admin = new Redis({ port: s.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
      await admin.connect();
      const r = async (c: Redis, ...a: string[]) => {
        try {
          return await c.call(a[0], ...a.slice(1));
        } catch (e) {
          return `ERR:${(e as Error).message}`;
        }
      };
      const c = s.client;
      const out: unknown[] = [];
      try {
        out.push(await r(c, 'CONFIG', 'SET', 'replica-serve-stale-data', 'no'), await r(c, 'SET', 'xx', '1'));
        for (const queued of [['GET', 'xx'], ['PING'], ['CONFIG', 'GET', 'maxmemory-policy'], ['INFO', 'keyspace']]) {
          out.push(await r(c, 'MULTI'), await r(c, ...queued));
          out.push(await r(admin, 'REPLICAOF', '127.0.0.1', String(nowhere)));
          const res = await r(c, 'EXEC');
          out.push(typeof res === 'string' && res.startsWith('ERR:') ? res : Array.isArray(res) ? res.length : res);
          out.push(await r(admin, 'REPLICAOF', 'NO', 'ONE'));
        }
        // Queued while stale, run once a master again.
        out.push(await r(admin, 'REPLICAOF', '127.0.0.1', String(nowhere)));
        out.push(await r(c, 'MULTI'));
        out.push(await r(admin, 'REPLICAOF', 'NO', 'ONE'));
        out.push(await r(c, 'GET', 'xx'), await r(c, 'EXEC'));
      } finally {
        admin.disconnect();
      }
      outs[kind] = out;
    }
    expect(outs.tachyon).toEqual(outs.redis);
    expect(outs.redis).toContain(
      "ERR:EXECABORT Transaction discarded because of: MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
    );
  }, 30_000);
});
