/**
 * Keys found expired by SCAN and RANDOMKEY reach the replicas as bare DELs:
 * Redis 7.0 does not wrap the batch of a command that may touch arbitrary
 * keys (CMD_TOUCHES_ARBITRARY_KEYS) in MULTI/EXEC, while a command reading
 * named keys (MGET) still gets its expiries wrapped, and so does SCAN inside
 * MULTI/EXEC. The raw stream a Tachyon master sends is compared byte for
 * byte with a Redis master's, with active expiry off.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ServerProc } from '../persistence/helpers';
import { replicationServers, waitFor } from './helpers';

const start = replicationServers();

/** A replica connection (snapshot from disk as $<len>): the stream bytes after the snapshot. */
async function streamAfterSnapshot(port: number): Promise<{ stream: () => string; close: () => void }> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let buf = Buffer.alloc(0);
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
  });
  sock.write('PSYNC ? -1\r\n');
  let from = -1;
  await waitFor(
    async () => {
      const m = /^\+FULLRESYNC [0-9a-f]{40} \d+\r\n\n*\$(\d+)\r\n/.exec(buf.toString('latin1'));
      if (!m || buf.length < m[0].length + Number(m[1])) return false;
      from = m[0].length + Number(m[1]);
      return true;
    },
    20000,
    'the snapshot',
  );
  return { stream: () => buf.subarray(from).toString('latin1'), close: () => sock.destroy() };
}

async function expireThenTouch(s: ServerProc): Promise<void> {
  const c = s.client;
  const stale = async (...keys: string[]) => {
    for (const k of keys) await c.call('SET', k, 'v', 'PX', '1');
    await new Promise((r) => setTimeout(r, 10));
  };
  await stale('scan1', 'scan2');
  await c.call('SCAN', '0');
  await stale('rk1', 'rk2');
  await c.call('RANDOMKEY');
  await stale('mget1', 'mget2');
  await c.call('MGET', 'mget1', 'mget2');
  await stale('tx1', 'tx2');
  await c.call('MULTI');
  await c.call('SCAN', '0');
  await c.call('EXEC');
  await c.call('SET', 'end-marker', '1');
}

describe('lazy expiry by commands that touch arbitrary keys', () => {
  it('SCAN and RANDOMKEY send bare DELs, as a Redis master', async () => {
    const streams: Record<string, string> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const master = await start(kind, `lazy-expire-${kind}`, {
        'enable-debug-command': 'yes',
        ...(kind === 'redis' ? { 'repl-diskless-sync': 'no' } : {}),
      });
      await master.client.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      const replica = await streamAfterSnapshot(master.port);
      await expireThenTouch(master);
      await waitFor(async () => replica.stream().includes('end-marker'), 10000, `${kind}: end of the stream`);
      // Only the keys' relative order within a batch may differ (hash order): sort inside each DEL run.
      streams[kind] = replica.stream().split('*1\r\n$4\r\nPING\r\n').join('').replace(/\$13\r\n\d{13}\r\n/g, '<ms>');
      replica.close();
    }
    const dels = (s: string) => s.replace(/\*2\r\n\$3\r\nDEL\r\n\$\d+\r\n([a-z]+)\d\r\n/g, 'DEL($1) ');
    expect(dels(streams.tachyon)).toBe(dels(streams.redis));
    expect(dels(streams.redis)).toContain('DEL(scan) DEL(scan) *');
  }, 60_000);
});
