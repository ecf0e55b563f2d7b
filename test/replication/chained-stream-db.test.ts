/**
 * The database a proxied stream has selected, across a sub-replica's full
 * sync. A replica passes its master's stream on byte for byte, with no
 * SELECT of its own, so the snapshot it makes for a sub-replica names the
 * database that stream has selected at the snapshot's offset (RDB AUX
 * repl-stream-db, Redis's rdbPopulateSaveInfo), and the sub-replica applies
 * what follows in that database. A hand-made master selects db 2, a Redis
 * and a Tachyon replica of it each get a sub-replica by full sync, then the
 * master writes to db 2 without a new SELECT: every sub-replica must hold it
 * in db 2, as the chain under Redis does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServerProc } from '../persistence/helpers';
import { cmd, streamingMaster } from './fake-master';
import { info, waitFor, waitLinkUp, replicationServers } from './helpers';

const start = replicationServers();
const BASE = 5000; // the offset of the snapshot the hand-made master announces


describe('a chained full sync in the database the stream has selected', () => {
  let master: { close: () => void } | undefined;
  afterAll(() => master?.close());

  it('a sub-replica applies the proxied stream in the database its replica was in at the snapshot', async () => {
    const src = await start('redis', 'csd-src');
    await src.client.call('SAVE');
    const f = await streamingMaster(fs.readFileSync(path.join(src.dir, 'dump.rdb')), 'c'.repeat(40), BASE);
    master = f;
    const kinds = ['redis', 'tachyon'] as const;
    const middles = {} as Record<(typeof kinds)[number], ServerProc>;
    for (const kind of kinds) {
      middles[kind] = await start(kind, `csd-middle-${kind}`, { 'repl-diskless-sync-delay': 0 });
      await middles[kind].client.call('REPLICAOF', '127.0.0.1', String(f.port));
      await waitLinkUp(middles[kind]);
    }
    expect(f.online()).toBe(2);
    let sent = 0;
    const write = (b: string) => {
      f.stream(b);
      sent += Buffer.byteLength(b);
    };
    const caughtUp = (s: ServerProc) =>
      waitFor(async () => (await info(s)).slave_repl_offset === String(BASE + sent), 10000, `offset ${BASE + sent}`);

    // The stream selects db 2 and writes there; the middles follow.
    write(cmd('SELECT', '2'));
    write(cmd('RPUSH', 'l', 'before'));
    for (const kind of kinds) await caughtUp(middles[kind]);

    // Each middle gets a sub-replica of each kind by full sync while the stream is in db 2.
    const leaves: { name: string; middle: ServerProc; leaf: ServerProc }[] = [];
    for (const m of kinds) {
      for (const l of kinds) {
        const leaf = await start(l, `csd-leaf-${m}-${l}`);
        await leaf.client.call('REPLICAOF', '127.0.0.1', String(middles[m].port));
        await waitLinkUp(leaf);
        leaves.push({ name: `${m} -> ${l}`, middle: middles[m], leaf });
      }
    }
    for (const { middle } of leaves) expect((await info(middle, 'stats')).sync_full).toBe('2');

    // More in db 2, with no SELECT: the stream still has db 2 selected.
    write(cmd('RPUSH', 'l', 'after'));
    write(cmd('SET', 'k', 'v'));
    for (const { leaf } of leaves) await caughtUp(leaf);

    const contents = async (s: ServerProc) => {
      const out: Record<string, unknown> = {};
      for (const db of [0, 2]) {
        await s.client.select(db);
        out[`${db}:l`] = await s.client.lrange('l', 0, -1);
        out[`${db}:k`] = await s.client.get('k');
      }
      await s.client.select(0);
      return out;
    };
    const expected = { '0:l': [], '0:k': null, '2:l': ['before', 'after'], '2:k': 'v' };
    for (const m of kinds) expect(await contents(middles[m])).toEqual(expected);
    const got: Record<string, unknown> = {};
    for (const { name, leaf } of leaves) got[name] = await contents(leaf);
    expect(got).toEqual(Object.fromEntries(leaves.map(({ name }) => [name, expected])));
  }, 60_000);
});
