/**
 * A server started with `replicaof` set is a replica from its first line:
 * loading its own RDB at startup it keeps the keys already expired in it
 * (only a master deletes them, as Redis's iAmMaster() check in rdbLoad), and
 * its log lines carry the role character S. Redis 7.0.15 is the oracle.
 */
import { describe, expect, it } from 'vitest';
import { tempDir, type Kind } from '../persistence/helpers';
import { replicationServers } from './helpers';

const start = replicationServers();

async function restartAsReplica(kind: Kind): Promise<{ dbsize: unknown; loaded: string; ttlOfLive: unknown }> {
  const dir = tempDir(`replica-startup-${kind}`);
  const first = await start(kind, `unused-${kind}`, { dir });
  await first.client.set('gone', '1', 'PX', 200);
  await first.client.set('live', '2', 'EX', 1000);
  await first.client.set('plain', '3');
  await first.client.call('SAVE');
  await first.shutdown('NOSAVE');
  await new Promise((r) => setTimeout(r, 400));
  // Nothing listens on port 1: the replica stays disconnected with what it loaded.
  const s = await start(kind, `replica-startup-${kind}-2`, { dir, replicaof: '127.0.0.1 1' });
  const line = /^\d+:(\w) .*Done loading RDB, keys loaded: \d+, keys expired: \d+\./m.exec(s.logs());
  return { dbsize: await s.client.dbsize(), loaded: line ? `${line[1]} ${line[0].replace(/^.*Done/, 'Done')}` : 'no line', ttlOfLive: (await s.client.ttl('live')) > 0 };
}

describe('replicaof at startup', () => {
  it('keeps the expired keys of its own RDB and logs as S, as Redis', async () => {
    const redis = await restartAsReplica('redis');
    const tachyon = await restartAsReplica('tachyon');
    expect(redis.dbsize).toBe(3);
    expect(tachyon).toEqual(redis);
  }, 60_000);
});
