/**
 * Diskless full synchronisation from a Tachyon master (repl-diskless-sync
 * yes, Redis 7.0's default): the snapshot streamed to the replica sockets as
 * $EOF:<40 chars> ... <40 chars>, nothing written to the master's disk, one
 * transfer shared by the replicas that arrive within repl-diskless-sync-delay
 * (or as soon as repl-diskless-sync-max-replicas wait), and the disk path for
 * a replica that does not announce capa eof. Real redis-server 7.0.15 is the
 * oracle (same raw exchange, same log lines) and a real replica.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import net from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { populate } from '../persistence/helpers';
import { expectSameData, info, waitLinkUp, writeLoad, replicationServers } from './helpers';

const start = replicationServers({ 'enable-debug-command': 'yes' });

const count = (text: string, re: RegExp) => (text.match(new RegExp(re.source, 'g')) ?? []).length;

/**
 * A hand-made replica: REPLCONF capa as given, PSYNC ? -1; resolves the bulk
 * header line after +FULLRESYNC and the whole transfer's bytes once `done` says so.
 */
async function rawSync(port: number, capas: string[]): Promise<{ header: string; body: Buffer }> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let buf = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  sock.on('data', (b: Buffer) => {
    buf = Buffer.concat([buf, b]);
    wake?.();
  });
  const more = () => new Promise<void>((r) => (wake = r));
  const line = async (): Promise<string> => {
    for (;;) {
      while (buf.length > 0 && buf[0] === 0x0a) buf = buf.subarray(1); // keepalive newlines
      const i = buf.indexOf('\r\n');
      if (i >= 0) {
        const l = buf.subarray(0, i).toString('latin1');
        buf = buf.subarray(i + 2);
        return l;
      }
      await more();
    }
  };
  sock.write(`REPLCONF listening-port 7\r\n`);
  expect(await line()).toBe('+OK');
  if (capas.length > 0) {
    sock.write(`REPLCONF ${capas.map((c) => `capa ${c}`).join(' ')}\r\n`);
    expect(await line()).toBe('+OK');
  }
  sock.write('PSYNC ? -1\r\n');
  expect(await line()).toMatch(/^\+FULLRESYNC [0-9a-f]{40} \d+$/);
  const header = await line();
  const deadline = Date.now() + 20000;
  const complete = (): boolean => {
    if (header.startsWith('$EOF:')) return buf.length >= 40 && buf.subarray(buf.length - 40).toString('latin1') === header.slice(5);
    return buf.length >= Number(header.slice(1));
  };
  while (!complete()) {
    if (Date.now() > deadline) throw new Error('snapshot did not arrive');
    await Promise.race([more(), new Promise((r) => setTimeout(r, 100))]);
  }
  sock.destroy();
  const body = header.startsWith('$EOF:') ? buf.subarray(0, buf.length - 40) : buf.subarray(0, Number(header.slice(1)));
  return { header, body };
}

describe('diskless sync from a Tachyon master', () => {
  it('streams the snapshot to a real Redis replica under load; nothing on the master\'s disk; same data', async () => {
    const master = await start('tachyon', 'dl-master', { 'repl-diskless-sync': 'yes', 'repl-diskless-sync-delay': 0 });
    const replica = await start('redis', 'dl-redis-replica');
    await populate(master.client);
    const load = writeLoad(master.client, 11);
    await new Promise((r) => setTimeout(r, 200));
    await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
    await waitLinkUp(replica);
    await new Promise((r) => setTimeout(r, 300));
    await load.stop();
    await expectSameData(master, replica);
    const logs = master.logs();
    expect(logs).toMatch(/Starting BGSAVE for SYNC with target: replicas sockets/);
    expect(logs).toMatch(/Background RDB transfer started by pid \d+/);
    expect(logs).toMatch(new RegExp(`Streamed RDB transfer with replica 127\\.0\\.0\\.1:${replica.port} succeeded \\(socket\\)`));
    expect(logs).toMatch(/Background RDB transfer terminated with success/);
    expect(logs).not.toMatch(/DB saved on disk/);
    expect(replica.logs()).toMatch(/receiving streamed RDB from master with EOF/);
    expect(fs.existsSync(path.join(master.dir, 'dump.rdb'))).toBe(false);
    expect((await info(master, 'stats')).sync_full).toBe('1');
    // DEBUG DIGEST agrees too (both compute Redis's digest).
    expect(await replica.client.call('DEBUG', 'DIGEST')).toBe(await master.client.call('DEBUG', 'DIGEST'));
  }, 60_000);

  it('replicas arriving within repl-diskless-sync-delay share one transfer, as with Redis', async () => {
    for (const kind of ['redis', 'tachyon'] as const) {
      const master = await start(kind, `dl-share-${kind}`, { 'repl-diskless-sync-delay': 1 });
      await populate(master.client);
      const r1 = await start('tachyon', `dl-share-${kind}-r1`);
      const r2 = await start('redis', `dl-share-${kind}-r2`);
      await r1.client.call('REPLICAOF', '127.0.0.1', String(master.port));
      await r2.client.call('REPLICAOF', '127.0.0.1', String(master.port));
      await waitLinkUp(r1);
      await waitLinkUp(r2);
      const logs = master.logs();
      expect(count(logs, /Delay next BGSAVE for diskless SYNC/)).toBe(2);
      expect(count(logs, /Starting BGSAVE for SYNC with target: replicas sockets/)).toBe(1);
      expect(count(logs, /Streamed RDB transfer with replica .* succeeded/)).toBe(2);
      expect((await info(master, 'stats')).sync_full).toBe('2');
      const p = master.client.pipeline();
      for (let i = 0; i < 100; i++) p.set(`after:${i}`, kind);
      await p.exec();
      await expectSameData(master, r1);
      await expectSameData(master, r2);
    }
  }, 90_000);

  it('repl-diskless-sync-max-replicas starts the transfer before the delay ends', async () => {
    for (const kind of ['redis', 'tachyon'] as const) {
      const master = await start(kind, `dl-max-${kind}`, { 'repl-diskless-sync-delay': 30, 'repl-diskless-sync-max-replicas': 2 });
      await populate(master.client);
      const r1 = await start('tachyon', `dl-max-${kind}-r1`);
      const r2 = await start('tachyon', `dl-max-${kind}-r2`);
      const t0 = Date.now();
      await r1.client.call('REPLICAOF', '127.0.0.1', String(master.port));
      await r2.client.call('REPLICAOF', '127.0.0.1', String(master.port));
      await waitLinkUp(r1);
      await waitLinkUp(r2);
      expect(Date.now() - t0).toBeLessThan(20000);
      expect(count(master.logs(), /Starting BGSAVE for SYNC with target: replicas sockets/)).toBe(1);
      expect(await r1.client.call('DEBUG', 'DIGEST')).toBe(await master.client.call('DEBUG', 'DIGEST'));
      expect(await r2.client.call('DEBUG', 'DIGEST')).toBe(await master.client.call('DEBUG', 'DIGEST'));
    }
  }, 90_000);

  it('the transfer format: $EOF:<40 hex> with capa eof, $<len> from disk without it, as Redis sends', async () => {
    const seen: Record<string, unknown[]> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const master = await start(kind, `dl-raw-${kind}`, { 'repl-diskless-sync-delay': 0 });
      await master.client.set('k', 'v');
      await master.client.rpush('l', 'a', 'b');
      const eof = await rawSync(master.port, ['eof', 'psync2']);
      const disk = await rawSync(master.port, ['psync2']);
      // Both payloads are whole RDB files holding the same data.
      for (const p of [eof.body, disk.body]) expect(p.subarray(0, 9).toString('latin1')).toBe('REDIS0010');
      seen[kind] = [
        /^\$EOF:[0-9a-f]{40}$/.test(eof.header),
        /^\$\d+$/.test(disk.header),
        count(master.logs(), /Starting BGSAVE for SYNC with target: replicas sockets/),
        count(master.logs(), /Starting BGSAVE for SYNC with target: disk/),
        fs.existsSync(path.join(master.dir, 'dump.rdb')),
      ];
      // The snapshot itself is a valid RDB for redis-check-rdb.
      const file = path.join(master.dir, 'streamed.rdb');
      fs.writeFileSync(file, eof.body);
      expect(execFileSync('redis-check-rdb', [file]).toString()).toMatch(/RDB looks OK!/);
    }
    expect(seen.tachyon).toEqual(seen.redis);
    expect(seen.tachyon).toEqual([true, true, 1, 1, true]);
  }, 60_000);
});
