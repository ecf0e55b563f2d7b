/**
 * A Tachyon replica of a real redis-server 7.0.15 master: REPLICAOF, the
 * handshake, loading the master's snapshot, applying its stream under a
 * write load of every type (expiries, MULTI/EXEC, several databases),
 * replica-read-only, INFO replication and ROLE on the replica, a dropped
 * link resumed by partial resynchronisation, REPLICAOF NO ONE promoting the
 * replica with a new replication id (its old one kept as replid2).
 */
import { describe, expect, it } from 'vitest';
import { populate, serversOfFile, tempDir } from '../persistence/helpers';
import { expectSameData, info, replicationServers, waitFor, waitLinkUp, writeLoad } from './helpers';

const start = replicationServers();
/** A server in a directory the test chooses (a restart in the same place). */
const startInDir = serversOfFile();

async function err(p: Promise<unknown>): Promise<string> {
  try {
    return `OK:${JSON.stringify(await p)}`;
  } catch (e) {
    return (e as Error).message;
  }
}

describe('Redis master, Tachyon replica', () => {
  it('full sync under load, read-only, partial resync after CLIENT KILL TYPE master, same data, promotion', async () => {
    const master = await start('redis', 'repl-redis-master', { 'repl-diskless-sync': 'no' });
    const replica = await start('tachyon', 'repl-tachyon-replica');
    await populate(master.client);
    const load = writeLoad(master.client, 11);
    await new Promise((r) => setTimeout(r, 300));
    expect(await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port))).toBe('OK');
    expect(await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port))).toBe('OK Already connected to specified master');
    await waitLinkUp(replica);
    await new Promise((r) => setTimeout(r, 1000));

    const r1 = await info(replica);
    expect(r1.role).toBe('slave');
    expect(r1.master_host).toBe('127.0.0.1');
    expect(r1.master_port).toBe(String(master.port));
    expect(r1.master_sync_in_progress).toBe('0');
    expect(r1.slave_read_only).toBe('1');
    expect(await err(replica.client.set('x', '1'))).toBe("READONLY You can't write against a read only replica.");
    const m1 = await info(master);
    expect(m1.connected_slaves).toBe('1');
    expect(m1.slave0).toMatch(new RegExp(`port=${replica.port},state=online`));

    // Drop the link from the replica's side: it reconnects and continues.
    expect(await replica.client.call('CLIENT', 'KILL', 'TYPE', 'master')).toBe(1);
    await waitFor(async () => (await info(master, 'stats')).sync_partial_ok === '1', 20000, 'partial resync');
    await waitLinkUp(replica);
    // And from the master's side.
    expect(await master.client.call('CLIENT', 'KILL', 'TYPE', 'replica')).toBe(1);
    await waitFor(async () => (await info(master, 'stats')).sync_partial_ok === '2', 20000, 'second partial resync');
    await waitLinkUp(replica);
    await new Promise((r) => setTimeout(r, 500));
    expect(await load.stop()).toBeGreaterThan(100);
    expect((await info(master, 'stats')).sync_full).toBe('1');
    expect(replica.logs()).toMatch(/Successful partial resynchronization with master/);

    await expectSameData(master, replica);
    const role = (await replica.client.call('ROLE')) as unknown[];
    expect(role.slice(0, 4)).toEqual(['slave', '127.0.0.1', master.port, 'connected']);
    // WAIT counts the Tachyon replica's acknowledgement.
    await master.client.set('acked', '1');
    expect(await master.client.call('WAIT', '1', '5000')).toBe(1);

    // Promotion: a new id, the master's kept as replid2, writable.
    const before = await info(replica);
    expect(await replica.client.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    const after = await info(replica);
    expect(after.role).toBe('master');
    expect(after.master_replid2).toBe(before.master_replid);
    expect(after.master_replid).not.toBe(before.master_replid);
    expect(Number(after.second_repl_offset)).toBe(Number(before.master_repl_offset) + 1);
    expect(await replica.client.set('x', '1')).toBe('OK');
  }, 90_000);

  it('REPLICAOF argument errors as Redis', async () => {
    const outs: Record<string, string[]> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const s = await start(kind, `repl-args-${kind}`);
      outs[kind] = [
        await err(s.client.call('REPLICAOF', '127.0.0.1', 'abc')),
        await err(s.client.call('REPLICAOF', '127.0.0.1', '70000')),
        await err(s.client.call('REPLICAOF', 'no', 'one')),
        await err(s.client.call('SLAVEOF', 'NO', 'ONE')),
        await err(s.client.call('REPLICAOF', 'no')),
      ];
    }
    expect(outs.tachyon).toEqual(outs.redis);
  });

  it('expiry as Redis replicas treat it: hidden when past its TTL, deleted only by the master\'s DEL', async () => {
    const master = await start('redis', 'expiry-master', { 'enable-debug-command': 'yes' });
    const outs: Record<string, unknown[]> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const replica = await start(kind, `expiry-replica-${kind}`);
      await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
      await waitLinkUp(replica);
      await master.client.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      await master.client.set(`short:${kind}`, 'v', 'PX', 100);
      await master.client.set(`long:${kind}`, 'v');
      await waitFor(async () => (await replica.client.exists(`long:${kind}`)) === 1, 5000, 'keys replicated');
      await new Promise((r) => setTimeout(r, 300));
      const seen = [
        await replica.client.get(`short:${kind}`),
        await replica.client.exists(`short:${kind}`),
        await replica.client.call('SCAN', '0', 'MATCH', `*:${kind}`, 'COUNT', '100').then((r) => ((r as [string, string[]])[1]).sort()),
      ];
      // Not deleted on the replica: only hidden. The master's lazy expiry sends the DEL.
      const before = await replica.client.dbsize();
      await master.client.get(`short:${kind}`);
      await waitFor(async () => (await replica.client.dbsize()) === before - 1, 5000, 'DEL from the master');
      outs[kind] = [...seen, before - (await replica.client.dbsize())];
      await replica.client.call('REPLICAOF', 'NO', 'ONE');
      await master.client.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    }
    expect(outs.tachyon).toEqual([null, 0, ['long:tachyon'], 1]);
    expect(outs.redis).toEqual([null, 0, ['long:redis'], 1]);
  }, 60_000);

  it('a restarted replica continues from the replication id and offset in its snapshot (partial resync)', async () => {
    const master = await start('redis', 'restart-master', { 'repl-diskless-sync': 'no' });
    await populate(master.client);
    const dir = tempDir('restart-replica');
    const config = { replicaof: `127.0.0.1 ${master.port}` };
    const first = await startInDir('tachyon', dir, config);
    const load = writeLoad(master.client, 5);
    await waitLinkUp(first);
    await new Promise((r) => setTimeout(r, 500));
    await first.shutdown('SAVE');
    await new Promise((r) => setTimeout(r, 300));
    const replica = await startInDir('tachyon', dir, config);
    await waitLinkUp(replica);
    expect(replica.logs()).toMatch(/Restored replication ID [0-9a-f]{40} and offset \d+ from the RDB file/);
    await new Promise((r) => setTimeout(r, 300));
    await load.stop();
    const stats = await info(master, 'stats');
    expect(stats.sync_full).toBe('1');
    expect(stats.sync_partial_ok).toBe('1');
    await expectSameData(master, replica);
  }, 60_000);

  it('CLIENT PAUSE WRITE on a replica holds its master\'s stream until UNPAUSE, as in Redis', async () => {
    const master = await start('redis', 'pause-master', { 'repl-diskless-sync': 'no' });
    for (const kind of ['redis', 'tachyon'] as const) {
      const replica = await start(kind, `pause-replica-${kind}`);
      await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
      await waitLinkUp(replica);
      expect(await replica.client.call('CLIENT', 'PAUSE', '5000', 'WRITE')).toBe('OK');
      await master.client.set(`during-pause:${kind}`, '1');
      await new Promise((r) => setTimeout(r, 500));
      expect(await replica.client.get(`during-pause:${kind}`)).toBe(null);
      await replica.client.call('CLIENT', 'UNPAUSE');
      await waitFor(async () => (await replica.client.get(`during-pause:${kind}`)) === '1', 3000, `${kind}: applied after UNPAUSE`);
      await replica.client.call('REPLICAOF', 'NO', 'ONE');
    }
  }, 60_000);

  it('the master\'s stream is not held to the replica\'s proto-max-bulk-len, as in Redis', async () => {
    const master = await start('redis', 'bulk-master', { 'repl-diskless-sync': 'no' });
    for (const kind of ['redis', 'tachyon'] as const) {
      const replica = await start(kind, `bulk-replica-${kind}`, { 'proto-max-bulk-len': '1mb' });
      await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
      await waitLinkUp(replica);
      await master.client.set(`big:${kind}`, 'x'.repeat(2 * 1024 * 1024));
      await waitFor(async () => (await replica.client.strlen(`big:${kind}`)) === 2 * 1024 * 1024, 10000, `${kind}: 2 MB value applied`);
      expect((await info(replica)).master_link_status).toBe('up');
      await replica.client.call('REPLICAOF', 'NO', 'ONE');
    }
  }, 60_000);
});
