/**
 * Blocked clients and replication. WAIT blocks its client as BLPOP does:
 * it counts in blocked_clients, CLIENT LIST flags it 'b', CLIENT UNBLOCK
 * ends it (with its count of acknowledgements, or the UNBLOCKED error).
 * A master turned replica (REPLICAOF host port) answers every blocked client
 * (BLPOP, BZPOPMIN, XREAD BLOCK, BLMOVE, WAIT) with Redis's UNBLOCKED error
 * and closes it; what the client pipelined after the blocking command never
 * runs. The raw bytes each client receives before the close are compared
 * with a real redis-server 7.0.15 doing the same.
 */
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Kind } from '../persistence/helpers';
import { encodeCommand } from '../helpers/resp';
import { info, replicationServers, waitFor } from './helpers';

const start = replicationServers();

const BLOCKING: string[][] = [
  ['BLPOP', 'list', '0'],
  ['BZPOPMIN', 'zset', '0'],
  ['XREAD', 'BLOCK', '0', 'STREAMS', 'stream', '$'],
  ['BLMOVE', 'src', 'dst', 'LEFT', 'LEFT', '0'],
  ['WAIT', '1', '0'],
];

/** Sends the blocking command and a pipelined PING; resolves everything received until the server closes. */
function blockedClient(port: number, cmd: string[]): { received: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (d) => chunks.push(d));
  socket.write(Buffer.concat([encodeCommand(['PING', 'before']), encodeCommand(cmd), encodeCommand(['SET', 'after', '1'])]));
  const received = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
  return { received };
}

async function transcripts(kind: Kind): Promise<{ replies: string[]; after: number; blocked: string }> {
  const s = await start(kind, `turned-replica-${kind}`);
  const clients = BLOCKING.map((cmd) => blockedClient(s.port, cmd));
  await waitFor(async () => Number((await info(s, 'clients')).blocked_clients) === BLOCKING.length, 10000, 'every client blocked');
  // Nothing listens on port 1: the replica keeps trying, the clients are already answered.
  expect(await s.client.call('REPLICAOF', '127.0.0.1', '1')).toBe('OK');
  const replies = await Promise.all(clients.map((c) => c.received));
  await s.client.call('REPLICAOF', 'NO', 'ONE');
  return { replies, after: (await s.client.exists('after')) as number, blocked: (await info(s, 'clients')).blocked_clients };
}

/** Two clients in WAIT, one unblocked with the timeout reply and one with ERROR: what each receives. */
async function unblockedWaits(kind: Kind): Promise<{ before: string; flags: string[]; replies: string[]; unblocked: unknown[]; after: string }> {
  const s = await start(kind, `wait-unblock-${kind}`);
  const clients = [blockedClient(s.port, ['WAIT', '1', '0']), blockedClient(s.port, ['WAIT', '1', '0'])];
  await waitFor(async () => Number((await info(s, 'clients')).blocked_clients) === 2, 10000, 'two clients in WAIT');
  const before = (await info(s, 'clients')).blocked_clients;
  const list = ((await s.client.call('CLIENT', 'LIST')) as string).trim().split('\n').filter((l) => l.includes('cmd=wait'));
  const flags = list.map((l) => /flags=(\S+)/.exec(l)![1]);
  const ids = list.map((l) => /id=(\d+)/.exec(l)![1]);
  const unblocked = [await s.client.call('CLIENT', 'UNBLOCK', ids[0]), await s.client.call('CLIENT', 'UNBLOCK', ids[1], 'ERROR')];
  await waitFor(async () => Number((await info(s, 'clients')).blocked_clients) === 0, 10000, 'no client blocked');
  await s.client.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
  const replies = await Promise.all(clients.map((c) => c.received));
  return { before, flags, replies, unblocked, after: (await info(s, 'clients')).blocked_clients };
}

describe('WAIT as a blocked client', () => {
  it('counts in blocked_clients, is flagged b, and CLIENT UNBLOCK ends it, as Redis', async () => {
    const redis = await unblockedWaits('redis');
    const tachyon = await unblockedWaits('tachyon');
    expect(redis.unblocked).toEqual([1, 1]);
    expect(tachyon).toEqual(redis);
  }, 60_000);
});

describe('REPLICAOF on a master with blocked clients', () => {
  it('answers each with the UNBLOCKED error and closes it, as Redis', async () => {
    const redis = await transcripts('redis');
    const tachyon = await transcripts('tachyon');
    expect(redis.replies[0]).toContain('UNBLOCKED force unblock');
    expect(tachyon).toEqual(redis);
  }, 60_000);
});
