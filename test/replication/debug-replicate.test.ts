/**
 * DEBUG REPLICATE sends its arguments to the replicas only (Redis's test
 * suites use it to make a replica diverge): the replica applies the command,
 * the master does not, the AOF never sees it, and the writes after it still
 * reach the replica in their database. Run with a real redis-server 7.0.15
 * master as the oracle and with Tachyon masters feeding either kind of replica.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Kind } from '../persistence/helpers';
import { info, replicationServers, waitFor, waitLinkUp } from './helpers';

const start = replicationServers({ 'repl-diskless-sync-delay': 0, 'enable-debug-command': 'yes' });

const PAIRS: [Kind, Kind][] = [
  ['redis', 'redis'],
  ['tachyon', 'redis'],
  ['tachyon', 'tachyon'],
];

describe('DEBUG REPLICATE', () => {
  it.each(PAIRS)('%s master, %s replica: the replica alone applies it', async (masterKind, replicaKind) => {
    const master = await start(masterKind, `dbgrepl-${masterKind}-master`, { appendonly: 'yes' });
    const replica = await start(replicaKind, `dbgrepl-${masterKind}-${replicaKind}-replica`);
    await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
    await waitLinkUp(replica);

    await master.client.set('k', 'on-both');
    expect(await master.client.call('DEBUG', 'REPLICATE', 'SET', 'k', 'diverged')).toBe('OK');
    // Writes after it, in another database and back, still land where they belong.
    await master.client.select(2);
    await master.client.set('in2', 'two');
    await master.client.select(0);
    await master.client.set('after', 'it');

    await waitFor(async () => (await replica.client.get('after')) === 'it', 10000, 'the write after DEBUG REPLICATE');
    expect(await master.client.get('k')).toBe('on-both');
    expect(await replica.client.get('k')).toBe('diverged');
    await replica.client.select(2);
    expect(await replica.client.get('in2')).toBe('two');
    await replica.client.select(0);
    await waitFor(async () => (await info(replica)).slave_repl_offset === (await info(master)).master_repl_offset, 10000, 'offsets equal');

    // With appendfsync everysec a write may wait up to 2 s behind a background fsync, as in Redis.
    const aofDir = path.join(master.dir, 'appendonlydir');
    const aof = (): string =>
      fs.readdirSync(aofDir).filter((f) => f.includes('.incr.')).map((f) => fs.readFileSync(path.join(aofDir, f), 'latin1')).join('');
    await waitFor(async () => aof().includes('after'), 10000, 'the AOF to hold the last write');
    expect(aof()).not.toContain('diverged');
  }, 60_000);
});
