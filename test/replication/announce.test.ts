/**
 * replica-announce-ip / replica-announce-port against redis-server 7.0.15:
 * CONFIG SET/GET and the slave-* aliases as Redis; a Tachyon replica sends
 * them (REPLCONF ip-address / listening-port) and a real Redis master shows
 * them in INFO replication and ROLE; a Tachyon master shows what a real
 * Redis replica announces, as a Redis master does.
 */
import type Redis from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { ServerProc } from '../persistence/helpers';
import { info, waitFor, waitLinkUp, replicationServers } from './helpers';

const start = replicationServers();

async function reply(c: Redis, ...args: string[]): Promise<unknown> {
  try {
    const r = await c.call(args[0], ...args.slice(1));
    // CONFIG GET's order follows Redis's dict: compare as a map.
    if (Array.isArray(r)) return Object.fromEntries(Array.from({ length: r.length / 2 }, (_, i) => [r[2 * i], r[2 * i + 1]]));
    return r;
  } catch (e) {
    return `ERR! ${(e as Error).message}`;
  }
}

/** What a master shows of its one replica: INFO's slave0 (offset and lag masked) and ROLE's entry. */
async function shownReplica(master: ServerProc): Promise<[string, unknown]> {
  await waitFor(async () => (await info(master)).slave0?.includes('state=online') ?? false, 20000, 'replica online');
  const slave0 = (await info(master)).slave0.replace(/offset=\d+,lag=\d+/, 'offset=N,lag=N');
  const role = (await master.client.call('ROLE')) as [string, number, [string, string, string][]];
  return [slave0, role[2].map(([ip, port]) => [ip, port])];
}

describe('replica-announce-ip / replica-announce-port', () => {
  it('CONFIG SET and GET as Redis', async () => {
    const outs: Record<string, unknown[]> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const s = await start(kind, `announce-config-${kind}`);
      const c = s.client;
      outs[kind] = [
        await reply(c, 'CONFIG', 'GET', 'replica-announce-*'),
        await reply(c, 'CONFIG', 'SET', 'replica-announce-ip', '10.9.8.7'),
        await reply(c, 'CONFIG', 'SET', 'slave-announce-port', '6390'),
        await reply(c, 'CONFIG', 'GET', 'slave-announce-*'),
        await reply(c, 'CONFIG', 'SET', 'replica-announce-port', '70000'),
        await reply(c, 'CONFIG', 'SET', 'replica-announce-port', 'x'),
        await reply(c, 'CONFIG', 'SET', 'replica-announce-ip', ''),
        await reply(c, 'CONFIG', 'GET', 'replica-announce-ip'),
      ];
    }
    expect(outs.tachyon).toEqual(outs.redis);
  }, 60_000);

  it('a Tachyon replica announces to a Redis master; a Tachyon master shows what a Redis replica announces', async () => {
    const shown: Record<string, unknown> = {};
    for (const masterKind of ['redis', 'tachyon'] as const) {
      for (const replicaKind of ['redis', 'tachyon'] as const) {
        const master = await start(masterKind, `announce-m-${masterKind}-${replicaKind}`, { 'repl-diskless-sync-delay': 0 });
        // One from the config file, one by CONFIG SET.
        const replica = await start(replicaKind, `announce-r-${masterKind}-${replicaKind}`, { 'replica-announce-ip': '10.1.2.3' });
        expect(await replica.client.call('CONFIG', 'SET', 'replica-announce-port', '7777')).toBe('OK');
        await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
        await waitLinkUp(replica);
        shown[`${masterKind}<-${replicaKind}`] = await shownReplica(master);
      }
    }
    const expected = ['ip=10.1.2.3,port=7777,state=online,offset=N,lag=N', [['10.1.2.3', '7777']]];
    expect(shown).toEqual({
      'redis<-redis': expected,
      'redis<-tachyon': expected,
      'tachyon<-redis': expected,
      'tachyon<-tachyon': expected,
    });
  }, 90_000);
});
