/**
 * The shared replication buffer of a master (Redis 7.0): while a replica's
 * snapshot is made and transferred, the stream written meanwhile is kept for
 * it beyond repl-backlog-size, bounded by the replica class of
 * client-output-buffer-limit, counted in its CLIENT LIST omem and in INFO
 * mem_clients_slaves, and freed once it has been sent.
 *
 * - With a 16kb backlog, a snapshot that takes seconds (rdb-key-save-delay)
 *   and continuous writes meanwhile, a real Redis replica and a Tachyon
 *   replica come online once (sync_full 1, no second full sync), through the
 *   disk and diskless, with the master's data.
 * - A replica that does not read during its sync passes a small hard limit
 *   and is dropped as by a real Redis master, with Redis's log line.
 * - The figures of a replica that caught up are Redis's (omem, oll, the
 *   backlog's memory).
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ServerProc } from '../persistence/helpers';
import { expectSameData, info, waitFor, waitLinkUp, writeLoad, replicationServers } from './helpers';

const start = replicationServers({ 'enable-debug-command': 'yes' });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The CLIENT LIST line of the master's (only) replica, as fields. */
async function replicaClient(master: ServerProc): Promise<Record<string, string> | undefined> {
  const list = (await master.client.call('CLIENT', 'LIST')) as string;
  const line = list.split('\n').find((l) => / flags=S /.test(l));
  if (!line) return undefined;
  return Object.fromEntries(line.trim().split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

describe('replication buffer during a full sync', () => {
  for (const mode of ['disk', 'diskless'] as const) {
    for (const replicaKind of ['redis', 'tachyon'] as const) {
      it(`${mode}: a ${replicaKind} replica comes online once after a slow full sync under writes (16kb backlog)`, async () => {
        const master = await start('tachyon', `sb-${mode}-${replicaKind}-m`, {
          'repl-backlog-size': '16kb',
          'repl-diskless-sync': mode === 'diskless' ? 'yes' : 'no',
          'repl-diskless-sync-delay': 0,
        });
        const replica = await start(replicaKind, `sb-${mode}-${replicaKind}-r`);
        // A dataset whose snapshot takes seconds (rdb-key-save-delay), in a database of its own.
        await master.client.call('SELECT', '5');
        await master.client.call('DEBUG', 'POPULATE', '5000', 'key', '64');
        await master.client.call('SELECT', '0');
        await master.client.call('CONFIG', 'SET', 'rdb-key-save-delay', '300');
        const load = writeLoad(master.client, 3);
        await sleep(100);
        await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
        await waitFor(async () => (await replicaClient(master)) !== undefined, 10000, 'replica attached');
        // While the snapshot is made and sent the writes go on.
        let peakOmem = 0;
        let peakSlavesMem = 0;
        while ((await info(replica)).master_link_status !== 'up') {
          peakOmem = Math.max(peakOmem, Number((await replicaClient(master))?.omem ?? 0));
          peakSlavesMem = Math.max(peakSlavesMem, Number((await info(master, 'memory')).mem_clients_slaves));
          await sleep(50);
        }
        // Far more stream than the backlog holds was kept for the replica, and counted as its memory.
        expect(peakOmem).toBeGreaterThan(64 * 1024);
        expect(peakSlavesMem).toBeGreaterThan(32 * 1024);
        await sleep(300);
        await load.stop();
        await expectSameData(master, replica);
        expect(await replica.client.call('DEBUG', 'DIGEST')).toBe(await master.client.call('DEBUG', 'DIGEST'));
        const stats = await info(master, 'stats');
        expect(stats.sync_full).toBe('1');
        expect(master.logs()).not.toMatch(/no longer held|Connection with replica .* lost/);
        expect(replica.logs().match(/Full resync from master/g)?.length).toBe(1);
        // Sent and caught up: the blocks only the replica needed are freed (the
        // backlog keeps about repl-backlog-size, trimmed by whole blocks).
        await waitFor(async () => Number((await replicaClient(master))?.omem) <= 2 * 20504, 10000, 'replica buffer freed');
        const mem = await info(master, 'memory');
        expect(Number(mem.mem_clients_slaves)).toBeLessThanOrEqual(2 * 20504);
        expect(Number((await info(master)).repl_backlog_histlen)).toBeLessThan(16384 + 20440);
      }, 120_000);
    }
  }

  it('a replica over the hard output limit during its sync is dropped, as by a Redis master', async () => {
    const lines: Record<string, string> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const master = await start(kind, `sb-limit-${kind}`, {
        'repl-backlog-size': '16kb',
        'repl-diskless-sync': 'no',
        'client-output-buffer-limit': 'replica 256kb 0 0',
      });
      // A snapshot that takes about 2 s: the replica is still waiting for it.
      await master.client.call('DEBUG', 'POPULATE', '1000');
      await master.client.call('CONFIG', 'SET', 'rdb-key-save-delay', '2000');
      // A replica that takes its +FULLRESYNC and then reads nothing more.
      const sock = net.connect(master.port, '127.0.0.1');
      await new Promise((r) => sock.once('connect', r));
      sock.write('REPLCONF listening-port 1\r\n');
      await new Promise((r) => sock.once('data', r));
      sock.write('PSYNC ? -1\r\n');
      await new Promise((r) => sock.once('data', r));
      sock.pause();
      await waitFor(async () => (await info(master)).connected_slaves === '1', 10000, `${kind}: replica attached`);
      // Under the limit: kept (and counted as the replica's output).
      const value = 'v'.repeat(10_000);
      for (let i = 0; i < 10; i++) await master.client.set(`k:${i}`, value);
      expect((await info(master)).connected_slaves).toBe('1');
      expect(Number((await replicaClient(master))?.omem)).toBeGreaterThan(100_000);
      // Over it: dropped.
      for (let i = 0; i < 40 && (await info(master)).connected_slaves !== '0'; i++) await master.client.set(`k:${i}`, value);
      await waitFor(async () => (await info(master)).connected_slaves === '0', 10000, `${kind}: replica dropped`);
      sock.destroy();
      const line = master.logs().split('\n').find((l) => /scheduled to be closed ASAP for overcoming of output buffer limits/.test(l));
      expect(line, kind).toBeDefined();
      lines[kind] = line!;
      expect(master.logs()).toMatch(/Connection with replica 127\.0\.0\.1:1 lost\./);
    }
    // The same client description: a replica (flags=S) whose last command was
    // psync, its output past the limit, in blocks of the shared buffer.
    const shape = (l: string) => {
      const desc = l.slice(l.indexOf('Client ') + 7, l.indexOf(' scheduled'));
      const f = Object.fromEntries(desc.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      return {
        names: Object.keys(f),
        flags: f.flags,
        cmd: f.cmd,
        overLimit: Number(f.omem) >= 256 * 1024,
        blocks: Number(f.oll) > 10,
      };
    };
    expect(shape(lines.tachyon)).toEqual(shape(lines.redis));
    expect(shape(lines.redis)).toMatchObject({ flags: 'S', cmd: 'psync', overLimit: true, blocks: true });
  }, 60_000);

  it('an online replica that caught up: omem, oll and the backlog memory as Redis reports them', async () => {
    const seen: Record<string, unknown> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const master = await start(kind, `sb-figures-${kind}`, { 'repl-diskless-sync-delay': 0 });
      const replica = await start('redis', `sb-figures-${kind}-r`);
      await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
      await waitLinkUp(replica);
      await master.client.set('a', 'b');
      await waitFor(async () => (await info(replica)).slave_repl_offset === (await info(master)).master_repl_offset);
      const c = (await replicaClient(master))!;
      const mem = await info(master, 'memory');
      seen[kind] = {
        omem: c.omem,
        oll: c.oll,
        backlog: mem.mem_replication_backlog,
        slaves: mem.mem_clients_slaves,
        notCounted: mem.mem_not_counted_for_evict,
      };
      // A 16kb backlog: one block is more than it, the excess is the replicas'.
      await master.client.call('CONFIG', 'SET', 'repl-backlog-size', '16384');
      const small = await info(master, 'memory');
      (seen[kind] as Record<string, unknown>).small = [small.mem_replication_backlog, small.mem_clients_slaves, small.mem_not_counted_for_evict];
    }
    expect(seen.tachyon).toEqual(seen.redis);
  }, 60_000);
});
