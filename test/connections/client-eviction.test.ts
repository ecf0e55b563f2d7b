/**
 * maxmemory-clients (client eviction as Redis 7.0) against a real
 * redis-server: a client whose query buffer holds a 2 MB argument still
 * being received is closed once all clients together pass a 1 MB limit,
 * INFO counts it in evicted_clients, the other clients go on; with CLIENT
 * NO-EVICT on, the same client stays and its command completes.
 */
import { describe, expect, test } from 'vitest';
import { PROTOCOLS, useDifferential } from '../helpers/differential';
import { RespClient, sleep } from '../helpers/resp';

const BIG = 2_000_000;

function header(len: number): string {
  return `*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${len}\r\n`;
}

async function evictedClients(c: RespClient): Promise<number> {
  const t = String((await c.call('INFO', 'stats')).value);
  return Number(t.match(/^evicted_clients:(\d+)/m)![1]);
}

describe.each(PROTOCOLS)('client eviction (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol, config: { 'maxmemory-clients': '1mb' } });

  test('a client holding a big partial argument is evicted; the others stay', async () => {
    await d.adminCall('CONFIG', 'RESETSTAT');
    const hog = await d.session();
    const other = await d.session();
    await d.check(['SET', 'small', 'v']);
    const part = Buffer.alloc(BIG / 2, 'x');
    for (const c of [hog.ref, hog.target]) {
      await c.writeRaw(header(BIG));
      for (let i = 0; i < 2 && !c.closed; i++) {
        await c.writeRaw(part).catch(() => undefined);
        await sleep(100);
      }
    }
    const closed = await Promise.all([hog.ref.waitClosed(3000), hog.target.waitClosed(3000)]);
    expect(closed, 'the hog is closed on both servers (redis, tachyon)').toEqual([true, true]);
    await other.check(['PING'], ['GET', 'small'], ['EXISTS', 'big']);
    const counts = await Promise.all([evictedClients(d.main.ref), evictedClients(d.main.target)]);
    expect(counts).toEqual([1, 1]);
  });

  test('CLIENT NO-EVICT keeps a client over the limit', async () => {
    // Over the limit, every other client may go: keep the suite's own connections.
    await d.adminCall('CLIENT', 'NO-EVICT', 'on');
    await d.check(['CLIENT', 'NO-EVICT', 'on']);
    await d.adminCall('CONFIG', 'RESETSTAT');
    const hog = await d.session();
    await hog.check(['CLIENT', 'NO-EVICT', 'on']);
    const part = Buffer.alloc(BIG / 2, 'x');
    for (const c of [hog.ref, hog.target]) {
      await c.writeRaw(header(BIG));
      await c.writeRaw(part);
      await sleep(100);
      await c.writeRaw(part);
      await c.writeRaw('\r\n');
    }
    await hog.reply('+OK', 'SET of the big value');
    await hog.check(['STRLEN', 'big'], ['CLIENT', 'NO-EVICT', 'off']);
  });
});
