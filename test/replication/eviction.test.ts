/**
 * Replication and maxmemory: a replica with replica-ignore-maxmemory yes (the
 * default) never evicts on its own, under its maxmemory or not, as a Redis
 * replica; a master's evictions reach its replicas as DELs, so a real Redis
 * replica of an evicting Tachyon master ends with the same data; the
 * replicas' output is left out of the eviction check (mem_not_counted_for_evict).
 */
import { describe, expect, it } from 'vitest';
import type { ServerProc } from '../persistence/helpers';
import { expectSameData, info, replicationServers, waitFor, waitLinkUp } from './helpers';

const start = replicationServers();

const VALUE = 'v'.repeat(1000);

describe('replication under maxmemory', () => {
  it('a replica with replica-ignore-maxmemory yes keeps every key, as a Redis replica', async () => {
    const master = await start('redis', 'evict-src');
    const counts: Record<string, unknown[]> = {};
    const replicas: Record<string, ServerProc> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const replica = await start(kind, `evict-replica-${kind}`, { maxmemory: '2mb', 'maxmemory-policy': 'allkeys-lru' });
      await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
      await waitLinkUp(replica);
      replicas[kind] = replica;
    }
    const pipeline = master.client.pipeline();
    for (let i = 0; i < 6000; i++) pipeline.set(`big:${i}`, VALUE);
    await pipeline.exec();
    await master.client.set('last', '1');
    for (const [kind, replica] of Object.entries(replicas)) {
      await waitFor(async () => (await replica.client.get('last')) === '1', 20000, 'replica caught up');
      const stats = await info(replica, 'stats');
      counts[kind] = [await replica.client.dbsize(), stats.evicted_keys];
    }
    expect(counts.tachyon).toEqual(counts.redis);
    expect(counts.tachyon).toEqual([6001, '0']);
  }, 60_000);

  it('an evicting Tachyon master: its evictions reach a Redis replica, same data', async () => {
    const master = await start('tachyon', 'evict-master', { maxmemory: '4mb', 'maxmemory-policy': 'allkeys-random' });
    const replica = await start('redis', 'evict-master-replica');
    await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
    await waitLinkUp(replica);
    for (let round = 0; round < 4; round++) {
      const pipeline = master.client.pipeline();
      for (let i = 0; i < 2000; i++) pipeline.set(`k:${round}:${i}`, VALUE);
      await pipeline.exec();
    }
    const stats = await info(master, 'stats');
    expect(Number(stats.evicted_keys)).toBeGreaterThan(0);
    expect(Number((await info(master, 'memory')).mem_not_counted_for_evict)).toBeGreaterThanOrEqual(0);
    // Every command checks maxmemory: lift it so the comparison's own reads evict nothing.
    await master.client.call('CONFIG', 'SET', 'maxmemory', '0');
    await expectSameData(master, replica, 1);
  }, 60_000);
});
