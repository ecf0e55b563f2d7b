/**
 * WAIT waits for the replication offset of the calling client's own last
 * write (Redis's c->woff), not for the master's current offset: a client
 * whose write a slow replica has acknowledged returns at once even though
 * another client wrote a lot since (Redis 7.0 records the offset after each
 * of the client's commands, reads included). The replica here is a hand-made one that
 * acknowledges exactly the offsets the test chooses, so the outcome does not
 * depend on timing; real redis-server 7.0.15 is the oracle.
 */
import net from 'node:net';
import Redis from 'ioredis';
import { describe, expect, it } from 'vitest';
import { serversOfFile, tempDir } from '../persistence/helpers';
import { info, waitFor } from './helpers';

/** startServer for this file: every server is stopped after its tests. */
const startServer = serversOfFile();

/** Handshake and full sync; returns a function sending REPLCONF ACK <offset>. */
async function fakeReplica(port: number): Promise<{ ack: (offset: number) => void; close: () => void }> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let buf = Buffer.alloc(0);
  sock.on('data', (b: Buffer) => (buf = Buffer.concat([buf, b])));
  sock.write('REPLCONF listening-port 9\r\n');
  // PSYNC after the +OK: Redis refuses it while earlier replies are pending.
  await waitFor(async () => buf.toString('latin1').startsWith('+OK\r\n'), 5000, '+OK');
  sock.write('PSYNC ? -1\r\n');
  // +OK, +FULLRESYNC, then the snapshot ($<len> from disk): wait until it all arrived.
  await waitFor(async () => {
    const s = buf.toString('latin1');
    const m = /\+FULLRESYNC [0-9a-f]{40} \d+\r\n\n*\$(\d+)\r\n/.exec(s);
    return m !== null && buf.length >= m.index + m[0].length + Number(m[1]);
  }, 20000, 'snapshot');
  return {
    ack: (offset) => sock.write(`REPLCONF ACK ${offset}\r\n`),
    close: () => sock.destroy(),
  };
}

describe('WAIT and the calling client\'s own offset', () => {
  it('a client waits for its own last write, not for what others wrote since', async () => {
    const outcome: Record<string, unknown[]> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const master = await startServer(kind, tempDir(`wait-${kind}`), {
        'repl-diskless-sync': 'no',
        'repl-ping-replica-period': 3600,
      });
      const replica = await fakeReplica(master.port);
      await waitFor(async () => /state=online/.test((await info(master)).slave0 ?? ''), 10000, 'replica online');
      const a = new Redis({ port: master.port, host: '127.0.0.1', lazyConnect: true });
      const b = new Redis({ port: master.port, host: '127.0.0.1', lazyConnect: true });
      await a.connect();
      await b.connect();
      await a.set('a', '1');
      const offA = Number((await info(master)).master_repl_offset);
      const p = b.pipeline();
      for (let i = 0; i < 200; i++) p.set(`b:${i}`, 'x'.repeat(100));
      await p.exec();
      const offB = Number((await info(master)).master_repl_offset);
      expect(offB).toBeGreaterThan(offA + 200 * 100);
      // The replica is slow: it has applied a's write and nothing of b's.
      replica.ack(offA);
      await waitFor(async () => (await info(master)).slave0?.includes(`offset=${offA},`) ?? false, 5000, 'ack seen');
      const t0 = Date.now();
      const waitA = await a.call('WAIT', '1', '3000');
      const elapsedA = Date.now() - t0;
      const waitB = await b.call('WAIT', '1', '200');
      // Redis 7.0 sets woff after every command, reads too: a client that
      // only read since b's writes waits for them; one whose first command
      // is WAIT waits for nothing.
      const c = new Redis({ port: master.port, host: '127.0.0.1', lazyConnect: true, enableReadyCheck: false });
      await c.connect();
      await c.get('nothing');
      const waitC = await c.call('WAIT', '1', '200');
      const d = new Redis({ port: master.port, host: '127.0.0.1', lazyConnect: true, enableReadyCheck: false });
      await d.connect();
      const t1 = Date.now();
      const waitD = await d.call('WAIT', '1', '3000');
      outcome[kind] = [waitA, elapsedA < 2000, waitB, waitC, waitD, Date.now() - t1 < 2000];
      // Once the replica catches up, b's WAIT succeeds too.
      replica.ack(offB);
      await waitFor(async () => (await info(master)).slave0?.includes(`offset=${offB},`) ?? false, 5000, 'second ack');
      outcome[kind].push(await b.call('WAIT', '1', '3000'));
      for (const x of [a, b, c, d]) x.disconnect();
      replica.close();
    }
    expect(outcome.tachyon).toEqual(outcome.redis);
    expect(outcome.redis).toEqual([1, true, 0, 0, 1, true, 1]);
  }, 60_000);

  it('after MIGRATE (run by TypeScript) a client waits for the DEL it propagated', async () => {
    const outcome: Record<string, unknown[]> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const master = await startServer(kind, tempDir(`wait-migrate-${kind}`), {
        'repl-diskless-sync': 'no',
        'repl-ping-replica-period': 3600,
      });
      const target = await startServer(kind, tempDir(`wait-migrate-target-${kind}`));
      const replica = await fakeReplica(master.port);
      await waitFor(async () => /state=online/.test((await info(master)).slave0 ?? ''), 10000, 'replica online');
      const a = new Redis({ port: master.port, host: '127.0.0.1', lazyConnect: true });
      await a.connect();
      await a.set('moving', 'v');
      const before = Number((await info(master)).master_repl_offset);
      // The replica has everything up to the SET, nothing of the DEL MIGRATE propagates.
      replica.ack(before);
      await waitFor(async () => (await info(master)).slave0?.includes(`offset=${before},`) ?? false, 5000, 'ack seen');
      const migrated = await a.call('MIGRATE', '127.0.0.1', String(target.port), 'moving', '0', '5000');
      const after = Number((await info(master)).master_repl_offset);
      const waited = await a.call('WAIT', '1', '200');
      replica.ack(after);
      await waitFor(async () => (await info(master)).slave0?.includes(`offset=${after},`) ?? false, 5000, 'second ack');
      outcome[kind] = [migrated, after > before, waited, await a.call('WAIT', '1', '3000'), await target.client.get('moving')];
      a.disconnect();
      replica.close();
    }
    expect(outcome.tachyon).toEqual(outcome.redis);
    expect(outcome.redis).toEqual(['OK', true, 0, 1, 'v']);
  }, 60_000);
});
