/**
 * FAILOVER against real redis-server 7.0.15: every error and the states of
 * INFO replication's master_failover_state side by side with a Redis master
 * (a Redis replica attached to both), writes paused while waiting, ABORT and
 * TIMEOUT; then the happy path in each pairing — Tachyon master with a
 * Redis replica, Redis master with a Tachyon replica (Redis's PSYNC ...
 * FAILOVER reaching Tachyon), Tachyon with Tachyon — under write load: the
 * roles swap, the old master continues from the new one by partial
 * resynchronisation (no full sync) and the datasets are equal.
 */
import type Redis from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { ServerProc } from '../persistence/helpers';
import { expectSameData, info, waitFor, waitLinkUp, writeLoad, replicationServers } from './helpers';

const start = replicationServers();

/** The reply, or the error text. */
async function reply(c: Redis, ...args: (string | number)[]): Promise<unknown> {
  try {
    return await c.call(String(args[0]), ...args.slice(1).map(String));
  } catch (e) {
    return `ERR! ${(e as Error).message}`;
  }
}

async function pair(kind: 'redis' | 'tachyon', name: string): Promise<{ master: ServerProc; replica: ServerProc }> {
  // No diskless-sync delay on a Redis master: the full sync starts at once.
  const master = await start(kind, `${name}-master`, { 'repl-diskless-sync-delay': 0 });
  const replica = await start('redis', `${name}-replica`);
  expect(await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port))).toBe('OK');
  await waitLinkUp(replica);
  await waitFor(async () => (await info(master)).slave0?.includes('state=online') ?? false, 20000, 'replica online');
  return { master, replica };
}

/**
 * Stops the replica process (SIGSTOP) for `secs` so it acknowledges nothing,
 * then writes so the master is ahead; resolves once it runs again.
 */
async function lagReplica(master: ServerProc, replica: ServerProc, secs: number): Promise<{ resumed: Promise<void> }> {
  replica.proc.kill('SIGSTOP');
  await master.client.set('ahead', String(Date.now()));
  // Wrapped: an async function returning a promise would wait for it.
  const resumed = new Promise<void>((resolve) =>
    setTimeout(() => {
      replica.proc.kill('SIGCONT');
      resolve();
    }, secs * 1000),
  );
  return { resumed };
}

describe('FAILOVER errors and states, as Redis', () => {
  it('the same replies from a Redis master and a Tachyon master', async () => {
    const outs: Record<string, unknown[]> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const out: unknown[] = [];
      outs[kind] = out;
      // Alone: no replicas.
      const alone = await start(kind, `failover-alone-${kind}`);
      const c = alone.client;
      for (const args of [
        ['FAILOVER'],
        ['FAILOVER', 'ABORT'],
        ['FAILOVER', 'TIMEOUT', '0'],
        ['FAILOVER', 'TIMEOUT', '-5'],
        ['FAILOVER', 'TIMEOUT', 'x'],
        ['FAILOVER', 'TIMEOUT', '10', 'TIMEOUT', '20'],
        ['FAILOVER', 'TO', '127.0.0.1'],
        ['FAILOVER', 'TO', '127.0.0.1', 'abc'],
        ['FAILOVER', 'FORCE', 'FORCE'],
        ['FAILOVER', 'FORCE'],
        ['FAILOVER', 'foo'],
        ['FAILOVER', 'ABORT', 'TIMEOUT', '5'],
        ['PSYNC', '?', '-1', 'FAILOVER'],
      ]) {
        out.push(await reply(c, ...args));
      }
      out.push((await info(alone)).master_failover_state);

      // With a replica.
      const { master, replica } = await pair(kind, `failover-errors-${kind}`);
      const m = master.client;
      for (const args of [
        ['FAILOVER', 'FORCE'],
        ['FAILOVER', 'TIMEOUT', '100', 'FORCE'],
        ['FAILOVER', 'TO', '127.0.0.1', '1'],
        ['FAILOVER', 'TO', '127.0.0.2', String(replica.port)],
        ['FAILOVER', 'TO', '127.0.0.1', String(replica.port), 'FORCE'],
      ]) {
        out.push(await reply(m, ...args));
      }
      out.push(await reply(replica.client, 'FAILOVER'));

      // Waiting for a lagging replica: states, refusals, writes paused, TIMEOUT.
      let sleeping = await lagReplica(master, replica, 2);
      out.push(await reply(m, 'FAILOVER', 'TO', '127.0.0.1', String(replica.port), 'TIMEOUT', '1500'));
      out.push((await info(master)).master_failover_state);
      out.push(await reply(m, 'FAILOVER'));
      out.push(await reply(m, 'REPLICAOF', '127.0.0.1', '1'));
      const other = m.duplicate();
      out.push(await reply(other, 'PSYNC', '?', '-1')); // a new replica must wait
      out.push(await reply(other, 'GET', 'ahead').then((v) => typeof v)); // reads go on
      let done = false;
      const write = other.set('during', '1').then((v) => ((done = true), v));
      // CLIENT UNPAUSE ends CLIENT PAUSE's pause, not the failover's.
      out.push(await reply(m, 'CLIENT', 'UNPAUSE'));
      await new Promise((r) => setTimeout(r, 300));
      out.push(done); // still paused
      // The timeout passes without FORCE: aborted, writes go on, still master.
      await waitFor(async () => (await info(master)).master_failover_state === 'no-failover', 5000, 'timeout');
      out.push(await write);
      out.push((await info(master)).role);
      await sleeping.resumed;

      // ABORT while waiting.
      sleeping = await lagReplica(master, replica, 2);
      out.push(await reply(m, 'FAILOVER'));
      out.push((await info(master)).master_failover_state);
      out.push(await reply(m, 'FAILOVER', 'ABORT'));
      out.push((await info(master)).master_failover_state);
      out.push(await reply(other, 'SET', 'after-abort', '1'));
      out.push(await reply(m, 'FAILOVER', 'ABORT'));
      await sleeping.resumed;
      other.disconnect();

      // PSYNC FAILOVER with an id that is not the replica's.
      out.push(await reply(replica.client, 'PSYNC', 'f'.repeat(40), '1', 'FAILOVER'));
      out.push((await info(replica)).role);

      // FORCE: the timeout passes, the master fails over to the lagging replica anyway.
      sleeping = await lagReplica(master, replica, 2);
      out.push(await reply(m, 'FAILOVER', 'TO', '127.0.0.1', String(replica.port), 'TIMEOUT', '300', 'FORCE'));
      await waitFor(async () => (await info(master)).master_failover_state === 'failover-in-progress', 5000, 'forced');
      out.push('failover-in-progress');
      await sleeping.resumed;
      await waitFor(async () => (await info(master)).master_failover_state === 'no-failover', 20000, 'forced failover done');
      out.push((await info(master)).role, (await info(replica)).role);
    }
    expect(outs.tachyon).toEqual(outs.redis);
    expect(outs.redis).toContain('waiting-for-sync');
    expect(outs.redis).toContain('ERR! ERR FAILOVER already in progress.');
  }, 120_000);
});

/** FAILOVER on `master` under write load; `replica` ends master, `master` its replica, with no full sync. */
async function failoverUnderLoad(master: ServerProc, replica: ServerProc, args: string[]): Promise<void> {
  const load = writeLoad(master.client, 3);
  await new Promise((r) => setTimeout(r, 500));
  const fullBefore = Number((await info(replica, 'stats')).sync_full);
  expect(await master.client.call('FAILOVER', ...args)).toBe('OK');
  await waitFor(async () => (await info(replica)).role === 'master', 20000, 'replica promoted');
  await waitFor(async () => (await info(master)).master_failover_state === 'no-failover', 20000, 'failover done');
  const m = await info(master);
  expect(m.role).toBe('slave');
  expect(m.master_port).toBe(String(replica.port));
  await waitLinkUp(master);
  const sent = await load.stop();
  expect(sent).toBeGreaterThan(20);
  // The old master is read-only now.
  await expect(master.client.set('x', '1')).rejects.toThrow(/READONLY/);
  // The old master continued from the new one: no full sync on the new master.
  const stats = await info(replica, 'stats');
  expect(Number(stats.sync_full)).toBe(fullBefore);
  expect(Number(stats.sync_partial_ok)).toBeGreaterThanOrEqual(1);
  expect(master.logs()).toMatch(/Successful partial resynchronization with master/);
  expect(replica.logs()).toMatch(/MASTER MODE enabled \(failover request from/);
  // New writes reach the old master.
  await replica.client.set('after-failover', 'yes');
  await waitFor(async () => (await master.client.get('after-failover')) === 'yes', 10000, 'write replicated');
  await expectSameData(replica, master);
}

describe('FAILOVER in each pairing', () => {
  it('Tachyon master, Redis replica: Redis becomes master, Tachyon its replica', async () => {
    const master = await start('tachyon', 'fo-tm');
    const replica = await start('redis', 'fo-rr');
    await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
    await waitLinkUp(replica);
    await failoverUnderLoad(master, replica, []);
  }, 90_000);

  it('Redis master, Tachyon replica: Redis hands over to Tachyon (PSYNC FAILOVER)', async () => {
    const master = await start('redis', 'fo-rm');
    const replica = await start('tachyon', 'fo-tr');
    await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
    await waitLinkUp(replica);
    await failoverUnderLoad(master, replica, ['TO', '127.0.0.1', String(replica.port)]);
  }, 90_000);

  it('Tachyon master, Tachyon replica, and back (FORCE with TIMEOUT)', async () => {
    const a = await start('tachyon', 'fo-ta');
    const b = await start('tachyon', 'fo-tb');
    await b.client.call('REPLICAOF', '127.0.0.1', String(a.port));
    await waitLinkUp(b);
    await failoverUnderLoad(a, b, ['TO', '127.0.0.1', String(b.port), 'TIMEOUT', '5000']);
    await failoverUnderLoad(b, a, ['TO', '127.0.0.1', String(a.port), 'TIMEOUT', '5000', 'FORCE']);
    // a served one full sync: b's first, before any failover.
    expect((await info(a, 'stats')).sync_full).toBe('1');
    expect((await info(b, 'stats')).sync_full).toBe('0');
  }, 120_000);
});
