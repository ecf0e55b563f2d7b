/**
 * A replica with appendonly yes rewrites its AOF after a full sync (Redis's
 * stopAppendOnly before loading the master's snapshot, restartAOFAfterSYNC
 * after), so the AOF holds the loaded dataset and not the replica's old one:
 * restarted from its AOF alone, the replica has exactly the master's data.
 * Done with a real Redis replica as the oracle and a Tachyon replica, both of
 * a real Redis master.
 */
import { describe, expect, it } from 'vitest';
import { populate, snapshot, serversOfFile, stop, tempDir } from '../persistence/helpers';
import { info, waitFor, waitLinkUp } from './helpers';

/** startServer for this file: every server is stopped after its tests. */
const startServer = serversOfFile();

describe('replica AOF after a full sync', () => {
  it('the AOF is rewritten from the loaded dataset: a restart from it has the master\'s data', async () => {
    const master = await startServer('redis', tempDir('aofsync-master'), { 'repl-diskless-sync': 'no' });
    await populate(master.client);
    for (const kind of ['redis', 'tachyon'] as const) {
      const dir = tempDir(`aofsync-${kind}`);
      const config = { appendonly: 'yes', appendfsync: 'always' };
      const replica = await startServer(kind, dir, config);
      // Data of its own, which the full sync replaces.
      for (let i = 0; i < 20; i++) await replica.client.set(`own:${i}`, 'gone after sync');
      await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
      await waitLinkUp(replica);
      await waitFor(async () => {
        const p = await info(replica, 'persistence');
        return p.aof_rewrite_in_progress === '0' && p.aof_rewrite_scheduled === '0' && p.aof_enabled === '1';
      }, 20000, `${kind}: AOF rewritten`);
      // The stream after the sync goes to the new AOF too.
      await master.client.set(`after-sync:${kind}`, '1');
      await master.client.del('own:1');
      await waitFor(async () => (await replica.client.get(`after-sync:${kind}`)) === '1', 10000, `${kind}: stream applied`);
      expect(replica.logs()).toMatch(/Background append only file rewriting (started|terminated with success)/);
      await replica.shutdown('NOSAVE');
      // Restarted from its AOF, as a master of its own.
      const again = await startServer(kind, dir, config);
      expect(await again.client.exists('own:0')).toBe(0);
      // Types, values and expiries (encodings may differ after a reload, in Redis too).
      const strip = (x: Awaited<ReturnType<typeof snapshot>>) =>
        Object.fromEntries(Object.entries(x).map(([k, v]) => [k, { type: v.type, value: v.value, expireAt: v.expireAt }]));
      expect(strip(await snapshot(again.client))).toEqual(strip(await snapshot(master.client)));
      await stop(again);
    }
  }, 90_000);
});
