/**
 * Partial resynchronisation across a master restart (Redis 7.0): a master
 * stopped with SHUTDOWN SAVE keeps its replication id and offset in the RDB's
 * AUX fields; started again on that file it takes the id as its secondary one
 * (valid up to the saved offset) and starts a backlog there, so its replicas
 * reconnect with +CONTINUE, not a full sync. Done with a real Redis master as
 * the oracle and with a Tachyon master, each with a real Redis replica and a
 * Tachyon replica; datasets compared key by key.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { populate, removeTempDirs, startServer, stop, tempDir, type ServerProc } from '../persistence/helpers';
import { expectSameData, info, waitFor, waitLinkUp, writeLoad } from './helpers';

const running: ServerProc[] = [];
async function start(kind: 'redis' | 'tachyon', dir: string, port?: number) {
  const s = await startServer(kind, dir, { 'repl-diskless-sync': 'no' }, { port });
  running.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(running.map(stop));
  removeTempDirs();
});

describe('master restart', () => {
  for (const kind of ['redis', 'tachyon'] as const) {
    it(`${kind} master: SHUTDOWN SAVE and start again, its replicas continue (+CONTINUE, no full sync)`, async () => {
      const dir = tempDir(`restart-${kind}-master`);
      let master = await start(kind, dir);
      const port = master.port;
      const replicas = [await start('redis', tempDir(`restart-${kind}-redis`)), await start('tachyon', tempDir(`restart-${kind}-tachyon`))];
      await populate(master.client);
      for (const r of replicas) await r.client.call('REPLICAOF', '127.0.0.1', String(port));
      for (const r of replicas) await waitLinkUp(r);
      const load = writeLoad(master.client, 3);
      await new Promise((r) => setTimeout(r, 500));
      await load.stop();
      for (const r of replicas) await expectSameData(master, r);
      const before = await info(master);

      await master.shutdown('SAVE');
      master = await start(kind, dir, port);
      const after = await info(master);
      // The old history continues under the secondary id; a backlog is there at once.
      expect(after.master_replid2).toBe(before.master_replid);
      expect(after.second_repl_offset).toBe(String(Number(before.master_repl_offset) + 1));
      expect(after.master_repl_offset).toBe(before.master_repl_offset);
      expect(after.master_replid).not.toBe(before.master_replid);
      expect(after.repl_backlog_active).toBe('1');

      await waitFor(async () => (await info(master)).connected_slaves === '2', 20000, 'both replicas back');
      for (const r of replicas) await waitLinkUp(r);
      const stats = await info(master, 'stats');
      expect([stats.sync_full, stats.sync_partial_ok]).toEqual(['0', '2']);
      for (const r of replicas) expect(r.logs()).toMatch(/Successful partial resynchronization with master/);
      // The replicas follow the new id and the stream goes on.
      const load2 = writeLoad(master.client, 4);
      await new Promise((r) => setTimeout(r, 300));
      await load2.stop();
      for (const r of replicas) {
        await expectSameData(master, r);
        expect((await info(r)).master_replid).toBe(after.master_replid);
      }
    }, 90_000);
  }
});
