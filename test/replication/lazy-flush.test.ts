/**
 * replica-lazy-flush: a replica loading its master's snapshot hands its old
 * dataset to the lazy free thread (INFO lazyfreed_objects counts its keys);
 * without it the old keys are freed at once. Compared with real
 * redis-server 7.0.15 replicas of a real Redis master.
 */
import { describe, expect, it } from 'vitest';
import { serversOfFile, stop, tempDir } from '../persistence/helpers';
import { info, waitFor, waitLinkUp } from './helpers';

/** startServer for this file: every server is stopped after its tests. */
const startServer = serversOfFile();

describe('replica-lazy-flush', () => {
  it('the old dataset is freed by the lazy free thread only with replica-lazy-flush yes, as Redis', async () => {
    const master = await startServer('redis', tempDir('lazyflush-master'), { 'repl-diskless-sync': 'no' });
    await master.client.set('from-master', '1');
    const outcome: Record<string, unknown[]> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      outcome[kind] = [];
      for (const lazy of ['yes', 'no']) {
        const replica = await startServer(kind, tempDir(`lazyflush-${kind}-${lazy}`), { 'replica-lazy-flush': lazy });
        for (const db of [0, 1]) {
          const p = replica.client.pipeline();
          p.select(db);
          for (let i = 0; i < (db === 0 ? 500 : 100); i++) p.set(`own:${i}`, 'x');
          p.select(0);
          await p.exec();
        }
        await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
        await waitLinkUp(replica);
        if (lazy === 'yes') {
          await waitFor(async () => (await info(replica, 'memory')).lazyfreed_objects === '600', 10000, `${kind}: lazily freed`);
        }
        const mem = await info(replica, 'memory');
        outcome[kind].push(mem.lazyfreed_objects, await replica.client.dbsize(), await replica.client.get('from-master'));
        await stop(replica);
      }
    }
    expect(outcome.tachyon).toEqual(outcome.redis);
    expect(outcome.redis).toEqual(['600', 1, '1', '0', 1, '1']);
  }, 60_000);
});
