/**
 * PUBLISH and SPUBLISH reach the replicas through the replication stream, as
 * Redis's forceCommandPropagation(PROPAGATE_REPL): a subscriber connected to
 * a replica receives what is published on the master (binary payloads byte
 * for byte), in every pairing of Tachyon and real redis-server 7.0.15; the
 * master and replica offsets agree afterwards, and the master's AOF does not
 * record the messages (Redis propagates PUBLISH to replicas only).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Redis from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Kind } from '../persistence/helpers';
import { info, replicationServers, waitFor, waitLinkUp } from './helpers';

const start = replicationServers({ 'repl-diskless-sync-delay': 0 });
const subscribers: Redis[] = [];
afterAll(() => subscribers.forEach((s) => s.disconnect()));

const PAIRS: [Kind, Kind][] = [
  ['tachyon', 'redis'],
  ['redis', 'tachyon'],
  ['tachyon', 'tachyon'],
];

/** Every byte value, so a payload mangled as UTF-8 anywhere on the way shows. */
const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

describe('PUBLISH through the replication stream', () => {
  it.each(PAIRS)('%s master, %s replica: the replica\'s subscribers get the messages', async (masterKind, replicaKind) => {
    const master = await start(masterKind, `pub-${masterKind}-master`, { appendonly: 'yes' });
    const replica = await start(replicaKind, `pub-${masterKind}-${replicaKind}-replica`);
    await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
    await waitLinkUp(replica);

    const sub = new Redis({ port: replica.port, lazyConnect: true });
    subscribers.push(sub);
    await sub.connect();
    const got: string[] = [];
    sub.on('messageBuffer', (ch: Buffer, msg: Buffer) => got.push(`${ch.toString('latin1')}=${msg.toString('hex')}`));
    sub.on('smessageBuffer', (ch: Buffer, msg: Buffer) => got.push(`s:${ch.toString('latin1')}=${msg.toString('hex')}`));
    await sub.subscribe('news');
    await sub.call('SSUBSCRIBE', 'shard-news');

    // Nobody listens on the master itself: 0 receivers there, yet it propagates.
    expect(await master.client.publish('news', 'hello')).toBe(0);
    expect(await master.client.publish(Buffer.from('news'), BINARY)).toBe(0);
    expect(await master.client.call('SPUBLISH', 'shard-news', 'sharded')).toBe(0);
    expect(await master.client.publish('elsewhere', 'ignored')).toBe(0);
    await master.client.set('after', 'them'); // a write behind the messages in the stream
    const want = [`news=${Buffer.from('hello').toString('hex')}`, `news=${BINARY.toString('hex')}`, `s:shard-news=${Buffer.from('sharded').toString('hex')}`];
    await waitFor(async () => got.length >= want.length && (await replica.client.get('after')) === 'them', 10000, 'messages on the replica');
    expect(got).toEqual(want);

    // The replica consumed exactly the master's stream.
    await waitFor(async () => (await info(replica)).slave_repl_offset === (await info(master)).master_repl_offset, 10000, 'offsets equal');

    // PUBLISH goes to replicas only, never into the AOF.
    // With appendfsync everysec a write may wait up to 2 s behind a background fsync, as in Redis.
    const aofDir = path.join(master.dir, 'appendonlydir');
    const aof = (): string =>
      fs.readdirSync(aofDir).filter((f) => f.includes('.incr.')).map((f) => fs.readFileSync(path.join(aofDir, f), 'latin1')).join('');
    await waitFor(async () => aof().includes('after'), 10000, 'the AOF to hold the last write');
    expect(aof().toUpperCase()).not.toContain('PUBLISH');
  }, 60_000);
});
