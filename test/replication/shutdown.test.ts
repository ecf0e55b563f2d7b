/**
 * SHUTDOWN waiting for lagging replicas (shutdown-timeout), side by side with
 * redis-server 7.0.15: a master whose real Redis replica is stopped
 * (SIGSTOP) does not exit on SHUTDOWN or SIGTERM, pauses writes, and exits
 * once the replica acknowledged everything — the replica then has every
 * write; SHUTDOWN ABORT cancels (the waiting SHUTDOWN gets an error, writes
 * go on); shutdown-timeout bounds the wait; NOW does not wait.
 */
import type Redis from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, startServer, stop, tempDir, type ServerProc } from '../persistence/helpers';
import { info, waitFor, waitLinkUp } from './helpers';

const running: ServerProc[] = [];
async function start(kind: 'redis' | 'tachyon', name: string, config: Record<string, string | number> = {}) {
  const s = await startServer(kind, tempDir(name), config);
  running.push(s);
  return s;
}
afterAll(async () => {
  for (const s of running) s.proc.kill('SIGCONT');
  await Promise.all(running.map(stop));
  removeTempDirs();
});

async function pair(kind: 'redis' | 'tachyon', name: string, config: Record<string, string | number> = {}) {
  // No diskless-sync delay on a Redis master: the full sync starts at once.
  const master = await start(kind, `${name}-master`, { 'repl-diskless-sync-delay': 0, ...config });
  const replica = await start('redis', `${name}-replica`);
  await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
  await waitLinkUp(replica);
  await waitFor(async () => (await info(master)).slave0?.includes('state=online') ?? false, 20000, 'replica online');
  return { master, replica };
}

/** Whether `p` settles within `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setTimeout(r, ms));
  return settled;
}

async function reply(c: Redis, ...args: string[]): Promise<unknown> {
  try {
    return await c.call(args[0], ...args.slice(1));
  } catch (e) {
    return `ERR! ${(e as Error).message}`;
  }
}

describe('SHUTDOWN waits for lagging replicas, as Redis', () => {
  it('SHUTDOWN and SIGTERM wait until the stopped replica has every write', async () => {
    const outs: Record<string, unknown[]> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const out: unknown[] = [];
      outs[kind] = out;
      for (const how of ['SHUTDOWN', 'SIGTERM'] as const) {
        const { master, replica } = await pair(kind, `shutdown-${how}-${kind}`);
        for (let i = 0; i < 100; i++) await master.client.set(`before:${i}`, String(i));
        replica.proc.kill('SIGSTOP');
        // Acknowledged by the master, not yet by the replica.
        const p = master.client.pipeline();
        for (let i = 0; i < 500; i++) p.set(`lagging:${i}`, 'x'.repeat(100));
        await p.exec();
        const other = master.client.duplicate();
        await other.connect();
        let shutdownReply: Promise<unknown>;
        if (how === 'SHUTDOWN') {
          const c = master.client.duplicate();
          await c.connect();
          shutdownReply = c.call('SHUTDOWN').then(
            (v) => v,
            (e: Error) => `ERR! ${e.message}`,
          );
        } else {
          master.proc.kill('SIGTERM');
          shutdownReply = master.exited;
        }
        // Still running, writes paused, reads served.
        out.push(await settlesWithin(master.exited, 500));
        out.push(await other.get('before:1'));
        const write = other.set('during-shutdown', '1').catch((e: Error) => e.message);
        out.push(await settlesWithin(write, 300));
        // The replica catches up: the master exits.
        replica.proc.kill('SIGCONT');
        const code = await master.exited;
        out.push(code);
        if (how === 'SHUTDOWN') out.push(await shutdownReply); // the connection closed without a reply
        other.disconnect();
        // Every write the master acknowledged reached the replica.
        await waitFor(async () => (await info(replica)).master_link_status === 'down', 10000, 'link down');
        out.push(await replica.client.dbsize());
        out.push(await replica.client.get('lagging:499'));
        out.push(/Waiting for replicas before shutting down/.test(master.logs()));
        out.push(/1 of 1 replicas are in sync when shutting down/.test(master.logs()));
      }
    }
    expect(outs.tachyon).toEqual(outs.redis);
    expect(outs.redis.slice(0, 3)).toEqual([false, '1', false]);
    expect(outs.redis).toContain(600);
  }, 120_000);

  it('SHUTDOWN ABORT, shutdown-timeout and NOW', async () => {
    const outs: Record<string, unknown[]> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const out: unknown[] = [];
      outs[kind] = out;
      const { master, replica } = await pair(kind, `shutdown-abort-${kind}`, { 'shutdown-timeout': 1 });
      const m = master.client;
      out.push(await reply(m, 'SHUTDOWN', 'ABORT'));
      out.push(await reply(m, 'SHUTDOWN', 'ABORT', 'NOW'));
      out.push(await reply(m, 'SHUTDOWN', 'SAVE', 'NOSAVE'));
      out.push(await reply(m, 'SHUTDOWN', 'FOO'));
      replica.proc.kill('SIGSTOP');
      await m.set('k', 'v');
      const a = m.duplicate();
      const b = m.duplicate();
      await Promise.all([a.connect(), b.connect()]);
      const first = reply(a, 'SHUTDOWN', 'NOSAVE');
      await waitFor(async () => /Waiting for replicas before shutting down/.test(master.logs()), 5000, 'waiting');
      const write = reply(m, 'SET', 'k2', 'v2');
      out.push(await settlesWithin(write, 200));
      out.push(await reply(b, 'SHUTDOWN', 'ABORT'));
      out.push(await first);
      out.push(await write);
      out.push(await reply(b, 'SHUTDOWN', 'ABORT'));
      // Redis 7.0.15 fails an assertion (networking.c 'c->argc == 0') on the next command of a
      // client whose SHUTDOWN was aborted; Tachyon serves it.
      if (kind === 'tachyon') expect(await reply(a, 'PING')).toBe('PONG');
      // shutdown-timeout 1: the replica stays stopped, the master goes after about a second anyway.
      const c = m.duplicate();
      await c.connect();
      const t0 = Date.now();
      void reply(c, 'SHUTDOWN');
      const code = await master.exited;
      const took = Date.now() - t0;
      out.push(code, took >= 800, took < 5000);
      out.push(/Lagging replica 127\.0\.0\.1:\d+ reported offset \d+ behind master, lag=\d+, state=online\./.test(master.logs()));
      out.push(/0 of 1 replicas are in sync when shutting down/.test(master.logs()));
      replica.proc.kill('SIGCONT');
      a.disconnect();
      b.disconnect();
      c.disconnect();

      // NOW: no waiting at all.
      const p2 = await pair(kind, `shutdown-now-${kind}`);
      p2.replica.proc.kill('SIGSTOP');
      await p2.master.client.set('k', 'v');
      const t1 = Date.now();
      await p2.master.shutdown('NOW');
      out.push(Date.now() - t1 < 800);
      p2.replica.proc.kill('SIGCONT');

      // shutdown-on-sigterm now: SIGTERM does not wait either.
      const p3 = await pair(kind, `shutdown-sigterm-now-${kind}`, { 'shutdown-on-sigterm': 'now' });
      p3.replica.proc.kill('SIGSTOP');
      await p3.master.client.set('k', 'v');
      const t2 = Date.now();
      await p3.master.kill('SIGTERM');
      out.push(Date.now() - t2 < 800);
      p3.replica.proc.kill('SIGCONT');
    }
    expect(outs.tachyon).toEqual(outs.redis);
    expect(outs.redis).toContain('OK');
  }, 120_000);
});
