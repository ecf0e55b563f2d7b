/**
 * CONFIG SET port and CONFIG SET bind move the TCP listeners before the
 * reply, as Redis 7.0's changeListenPort / changeBindAddr: a port another
 * process holds, or an address this host does not have, is refused with
 * Redis's error and the server stays where it was; a free port or a good
 * address is listened on at once and the old one is closed. Redis 7.0.15 and
 * Tachyon run the same steps; replies and reachability are compared.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/index';
import { getFreePort, startRedisOracle, type RedisOracle } from '../helpers/redis-oracle';
import { RespClient, formatReply } from '../helpers/resp';

/** True when a TCP connection to 127.0.0.1:port is accepted. */
function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function call(port: number, ...args: string[]): Promise<string> {
  const c = await RespClient.connect(port);
  try {
    return formatReply(await c.call(...args));
  } finally {
    await c.close();
  }
}

describe('CONFIG SET port / bind', () => {
  let redis: RedisOracle;
  let tachyon: Awaited<ReturnType<typeof startServer>>;
  let holder: net.Server; // a port some other process listens on

  beforeAll(async () => {
    redis = await startRedisOracle();
    tachyon = await startServer({ port: 0, save: '', appendonly: 'no' });
    holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '0.0.0.0', r));
  });

  afterAll(async () => {
    holder.close();
    await tachyon.close();
    await redis.close();
  });

  it('moves the listeners, refuses a taken port or a missing address, and stays reachable', async () => {
    const taken = String((holder.address() as net.AddressInfo).port);
    const logs: Record<string, string[]> = {};
    for (const [label, home] of [['redis', redis.port], ['tachyon', tachyon.port]] as const) {
      const log: string[] = (logs[label] = []);
      let moved = 0;
      // Ports are logged by role: each server has its own numbers.
      const named = (a: string) => (a === String(home) ? '<home>' : a === String(moved) ? '<moved>' : a === taken ? '<taken>' : a);
      const step = async (port: number, ...args: string[]) =>
        log.push(`${args.map(named).join(' ')} -> ${await call(port, ...args)}`);
      await step(home, 'CONFIG', 'SET', 'port', taken);
      log.push(`home reachable: ${await reachable(home)}`);
      moved = await getFreePort();
      await step(home, 'CONFIG', 'SET', 'port', String(moved));
      log.push(`home reachable: ${await reachable(home)}, new port reachable: ${await reachable(moved)}`);
      await step(moved, 'CONFIG', 'SET', 'bind', '10.255.255.1');
      log.push(`after a missing address, reachable: ${await reachable(moved)}`);
      await step(moved, 'CONFIG', 'SET', 'bind', '127.0.0.1 -::1');
      await step(moved, 'CONFIG', 'GET', 'bind');
      log.push(`on 127.0.0.1: ${await reachable(moved)}`);
      await step(moved, 'CONFIG', 'SET', 'bind', '* -::*');
      await step(moved, 'CONFIG', 'SET', 'port', String(home));
      log.push(`back home: ${await reachable(home)}, moved closed: ${!(await reachable(moved))}`);
      await step(home, 'PING');
    }
    expect(logs.tachyon).toEqual(logs.redis);
    expect(logs.redis.join('\n')).toContain('Unable to listen on this port');
    expect(logs.redis.join('\n')).toContain('Failed to bind to specified addresses');
  });
});
