/**
 * A Tachyon master with a real redis-server 7.0.15 replica: full
 * synchronisation by snapshot while writes of every type go on, the stream
 * applied by Redis (expiries as DEL, MULTI/EXEC, SELECT, SPOP and
 * INCRBYFLOAT as their effects), a dropped link resumed by partial
 * resynchronisation (+CONTINUE, no second full sync), WAIT, ROLE, REPLCONF
 * and INFO replication; datasets compared key by key at the end.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { populate, type ServerProc } from '../persistence/helpers';
import { expectSameData, info, waitFor, waitLinkUp, writeLoad, replicationServers } from './helpers';

const start = replicationServers();

describe('Tachyon master, Redis replica', () => {
  it('full sync under load, partial resync after CLIENT KILL TYPE replica, same data', async () => {
    // A diskless full sync that starts at once (Redis's default waits 5 s for more replicas).
    const master = await start('tachyon', 'repl-master', { 'repl-diskless-sync-delay': 0 });
    const replica = await start('redis', 'repl-redis-replica');
    await populate(master.client);
    const load = writeLoad(master.client, 7);
    await new Promise((r) => setTimeout(r, 300));
    expect(await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port))).toBe('OK');
    await waitLinkUp(replica);
    await new Promise((r) => setTimeout(r, 1000));

    let m = await info(master);
    expect(m.role).toBe('master');
    expect(m.connected_slaves).toBe('1');
    expect(m.slave0).toMatch(new RegExp(`^ip=127\\.0\\.0\\.1,port=${replica.port},state=online,offset=\\d+,lag=\\d+$`));
    expect(m.repl_backlog_active).toBe('1');
    const stats1 = await info(master, 'stats');
    expect(stats1.sync_full).toBe('1');

    // Drop the link: Redis reconnects and continues from its offset.
    expect(await master.client.call('CLIENT', 'KILL', 'TYPE', 'replica')).toBe(1);
    await waitFor(async () => (await info(master, 'stats')).sync_partial_ok === '1', 20000, 'partial resync');
    await waitLinkUp(replica);
    await new Promise((r) => setTimeout(r, 500));
    const sent = await load.stop();
    expect(sent).toBeGreaterThan(100);
    const stats2 = await info(master, 'stats');
    expect(stats2.sync_full).toBe('1');
    // The replica's first PSYNC named its own id (Redis counts that as a failed partial attempt); none since.
    expect(stats2.sync_partial_err).toBe(stats1.sync_partial_err);
    expect(replica.logs()).toMatch(/Successful partial resynchronization with master/);

    await expectSameData(master, replica);

    // WAIT: the replica acknowledges a write.
    await master.client.set('after-wait', '1');
    expect(await master.client.call('WAIT', '1', '5000')).toBe(1);
    // More replicas than exist: the timeout answers with the count.
    const t0 = Date.now();
    expect(await master.client.call('WAIT', '2', '200')).toBe(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);

    // ROLE on both sides.
    m = await info(master);
    const role = (await master.client.call('ROLE')) as unknown[];
    expect(role[0]).toBe('master');
    expect(typeof role[1]).toBe('number');
    expect(role[2]).toEqual([['127.0.0.1', String(replica.port), expect.stringMatching(/^\d+$/)]]);
    const rrole = (await replica.client.call('ROLE')) as unknown[];
    expect(rrole.slice(0, 4)).toEqual(['slave', '127.0.0.1', master.port, 'connected']);
  }, 90_000);

  it('REPLCONF and WAIT replies and errors as Redis', async () => {
    const outs: Record<string, unknown[]> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const s = await start(kind, `repl-errors-${kind}`);
      const c = s.client;
      const r = async (...a: string[]) => {
        try {
          return await c.call(a[0], ...a.slice(1));
        } catch (e) {
          return `ERR:${(e as Error).message}`;
        }
      };
      const out = [
        await r('REPLCONF', 'listening-port', '1234'),
        await r('REPLCONF', 'listening-port'),
        await r('REPLCONF', 'capa', 'eof', 'capa', 'psync2'),
        await r('REPLCONF', 'nosuch', 'x'),
        await r('REPLCONF', 'listening-port', 'abc'),
        await r('WAIT', '0', '0'),
        await r('WAIT', '1', '-1'),
        await r('WAIT', 'x', '10'),
        await r('WAIT', '1', 'x'),
        await r('WAIT', '1', '50'),
        await r('ROLE'),
      ];
      outs[kind] = out;
    }
    expect(outs.tachyon).toEqual(outs.redis);
  });

  it('min-replicas-to-write: NOREPLICAS as Redis without replicas, writes pass once a replica acknowledges', async () => {
    const outs: Record<string, unknown[]> = {};
    const servers: Record<string, ServerProc> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const s = await start(kind, `minrepl-${kind}`);
      servers[kind] = s;
      const c = s.client;
      const r = async (...a: string[]) => {
        try {
          return await c.call(a[0], ...a.slice(1));
        } catch (e) {
          return `ERR:${(e as Error).message}`;
        }
      };
      outs[kind] = [
        await r('CONFIG', 'SET', 'min-replicas-to-write', '1'),
        await r('SET', 'a', '1'),
        await r('GET', 'a'),
        await r('MULTI'),
        await r('SET', 'a', '1'),
        await r('EXEC'),
        (await info(s)).min_slaves_good_slaves,
        // Pairs in Redis's dict order, which follows its hash seed: compared as a map.
        Object.fromEntries(
          ((await r('CONFIG', 'GET', 'min-slaves-*')) as string[]).flatMap((v, i, a) => (i % 2 ? [] : [[v, a[i + 1]]])),
        ),
        await r('CONFIG', 'SET', 'min-replicas-max-lag', '0'),
        await r('SET', 'a', '2'),
        await r('CONFIG', 'SET', 'min-replicas-max-lag', '10'),
      ];
    }
    expect(outs.tachyon).toEqual(outs.redis);
    // A replica that acknowledges makes writes possible again.
    const master = servers.tachyon;
    const replica = await start('redis', 'minrepl-replica');
    await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
    await waitLinkUp(replica);
    await waitFor(async () => (await info(master)).min_slaves_good_slaves === '1', 10000, 'a good replica');
    expect(await master.client.set('a', '3')).toBe('OK');
    // The replica goes: writes are refused again.
    await replica.client.call('REPLICAOF', 'NO', 'ONE');
    await waitFor(async () => (await info(master)).connected_slaves === '0', 10000, 'replica gone');
    await expect(master.client.set('a', '4')).rejects.toThrow('NOREPLICAS Not enough good replicas to write.');
  }, 60_000);

  it('replicaof in the configuration: replicates at startup, CONFIG GET replicaof follows REPLICAOF', async () => {
    const master = await start('redis', 'conf-master');
    await master.client.set('k', 'v');
    const replica = await start('tachyon', 'conf-replica', { replicaof: `127.0.0.1 ${master.port}` });
    await waitLinkUp(replica);
    expect(await replica.client.get('k')).toBe('v');
    // Redis 7.0 masters sync diskless by default: the snapshot came as $EOF:<mark>.
    expect(replica.logs()).toMatch(/receiving streamed RDB from master with EOF/);
    expect(await replica.client.call('CONFIG', 'GET', 'replicaof')).toEqual(['replicaof', `127.0.0.1 ${master.port}`]);
    expect(await replica.client.call('CONFIG', 'GET', 'slaveof')).toEqual(['slaveof', `127.0.0.1 ${master.port}`]);
    expect(await replica.client.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    expect(await replica.client.call('CONFIG', 'GET', 'replicaof')).toEqual(['replicaof', '']);
    await expect(replica.client.call('CONFIG', 'SET', 'replicaof', 'a 1')).rejects.toThrow(/can't set immutable config/);
  }, 60_000);

  it('client-output-buffer-limit replica: a replica that stops reading is dropped, as by Redis', async () => {
    for (const kind of ['redis', 'tachyon'] as const) {
      const master = await start(kind, `obuf-${kind}`, kind === 'redis' ? { 'repl-diskless-sync': 'no' } : {});
      expect(await master.client.call('CONFIG', 'SET', 'client-output-buffer-limit', 'replica 1mb 512kb 1')).toBe('OK');
      // A replica that completes the handshake and then never reads.
      const sock = net.connect(master.port, '127.0.0.1');
      await new Promise((r) => sock.once('connect', r));
      // PSYNC after the +OK: Redis refuses it while earlier replies are pending.
      sock.write('REPLCONF listening-port 1\r\n');
      await new Promise((r) => sock.once('data', r));
      sock.write('PSYNC ? -1\r\n');
      await waitFor(async () => /state=online/.test((await info(master)).slave0 ?? ''), 20000, `${kind}: replica online`);
      sock.pause();
      await new Promise((r) => setTimeout(r, 1200)); // past the snapshot: the limit applies
      const value = 'x'.repeat(100_000);
      for (let i = 0; i < 300 && (await info(master)).connected_slaves !== '0'; i++) await master.client.set(`big:${i % 10}`, value);
      await waitFor(async () => (await info(master)).connected_slaves === '0', 10000, `${kind}: stalled replica dropped`);
      expect(master.logs()).toMatch(/scheduled to be closed ASAP for overcoming of output buffer limits/);
      sock.destroy();
    }
  }, 90_000);
});
