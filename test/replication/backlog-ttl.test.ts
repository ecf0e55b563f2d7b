/**
 * repl-backlog-ttl: a master that has had no replica for that many seconds
 * frees its backlog and takes a new replication id (replid2 cleared), and its
 * offset stops moving until a replica comes again, which then needs a full
 * sync. Compared with real redis-server 7.0.15.
 */
import { describe, expect, it } from 'vitest';
import { serversOfFile, tempDir } from '../persistence/helpers';
import { info, waitFor, waitLinkUp } from './helpers';

/** startServer for this file: every server is stopped after its tests. */
const startServer = serversOfFile();

describe('repl-backlog-ttl', () => {
  it('frees the backlog and changes the replication id once no replica is left for that long, as Redis', async () => {
    const outcome: Record<string, unknown[]> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const master = await startServer(kind, tempDir(`ttl-${kind}`), { 'repl-diskless-sync': 'no', 'repl-backlog-ttl': 1 });
      const replica = await startServer('redis', tempDir(`ttl-${kind}-replica`));
      await master.client.set('k', 'v');
      await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
      await waitLinkUp(replica);
      const before = await info(master);
      await replica.client.call('REPLICAOF', 'NO', 'ONE');
      await waitFor(async () => (await info(master)).connected_slaves === '0', 10000, 'replica gone');
      const t0 = Date.now();
      await waitFor(async () => (await info(master)).repl_backlog_active === '0', 10000, `${kind}: backlog freed`);
      const waited = Date.now() - t0;
      const after = await info(master);
      await master.client.set('k2', 'v2');
      const afterWrite = await info(master);
      // A replica now needs a full sync.
      await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
      await waitLinkUp(replica);
      outcome[kind] = [
        waited < 5000,
        after.master_replid !== before.master_replid,
        after.master_replid2,
        after.second_repl_offset,
        after.master_repl_offset === before.master_repl_offset,
        afterWrite.master_repl_offset === after.master_repl_offset,
        after.repl_backlog_histlen,
        (await info(master, 'stats')).sync_full,
        /Replication backlog freed after 1 seconds without connected replicas\./.test(master.logs()),
      ];
    }
    expect(outcome.tachyon).toEqual(outcome.redis);
    expect(outcome.redis).toEqual([true, true, '0'.repeat(40), '-1', true, true, '0', '2', true]);
  }, 60_000);
});
