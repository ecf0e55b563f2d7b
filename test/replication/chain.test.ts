/**
 * Tachyon with Tachyon, and chained replicas: a Tachyon master, a Tachyon
 * replica of it, and a real redis-server 7.0.15 replica of that replica.
 * The middle node proxies its master's stream byte for byte, so all three
 * share one replication id and one offset (PSYNC2); a dropped link at
 * either level is resumed by partial resynchronisation; all datasets equal.
 */
import { describe, expect, it } from 'vitest';
import { populate } from '../persistence/helpers';
import { expectSameData, info, waitFor, waitLinkUp, writeLoad, replicationServers } from './helpers';

const start = replicationServers();

describe('chained replicas', () => {
  it('Tachyon -> Tachyon -> Redis under load, partial resyncs at both levels, same data', async () => {
    // Diskless full syncs start at once (Redis's default waits 5 s for more replicas).
    const master = await start('tachyon', 'chain-master', { 'repl-diskless-sync-delay': 0 });
    const middle = await start('tachyon', 'chain-middle', { 'repl-diskless-sync-delay': 0 });
    const leaf = await start('redis', 'chain-leaf');
    await populate(master.client);
    const load = writeLoad(master.client, 3);
    await middle.client.call('REPLICAOF', '127.0.0.1', String(master.port));
    await waitLinkUp(middle);
    await leaf.client.call('REPLICAOF', '127.0.0.1', String(middle.port));
    await waitLinkUp(leaf);
    await new Promise((r) => setTimeout(r, 800));

    // One history: the same id everywhere.
    const [m, mid, l] = [await info(master), await info(middle), await info(leaf)];
    expect(mid.master_replid).toBe(m.master_replid);
    expect(l.master_replid).toBe(m.master_replid);
    expect(mid.connected_slaves).toBe('1');

    expect(await middle.client.call('CLIENT', 'KILL', 'TYPE', 'replica')).toBe(1);
    await waitFor(async () => (await info(middle, 'stats')).sync_partial_ok === '1', 20000, 'leaf partial resync');
    await waitLinkUp(leaf);
    expect(await master.client.call('CLIENT', 'KILL', 'TYPE', 'replica')).toBe(1);
    await waitFor(async () => (await info(master, 'stats')).sync_partial_ok === '1', 20000, 'middle partial resync');
    await waitLinkUp(middle);
    await new Promise((r) => setTimeout(r, 500));
    expect(await load.stop()).toBeGreaterThan(100);
    expect((await info(master, 'stats')).sync_full).toBe('1');
    expect((await info(middle, 'stats')).sync_full).toBe('1');

    await expectSameData(master, middle);
    await expectSameData(master, leaf);
  }, 90_000);
});
