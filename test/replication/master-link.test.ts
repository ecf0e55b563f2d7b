/**
 * The replica's link to its master once online (read natively like any
 * client): a hand-made master sends the stream in pieces to a Redis and a
 * Tachyon replica at once, each with a replica of its own, and the two
 * report the same offsets at every step: bytes read (slave_read_repl_offset)
 * against bytes applied (slave_repl_offset) while a command is cut in two
 * and while a MULTI is open, what their own replicas got (whole commands,
 * never part of an open MULTI), the REPLCONF ACK answering GETACK, and
 * master_last_io_seconds_ago.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServerProc } from '../persistence/helpers';
import { cmd, streamingMaster } from './fake-master';
import { info, waitFor, waitLinkUp, replicationServers } from './helpers';

const start = replicationServers();
const BASE = 1000; // the offset of the snapshot the fake master announces

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the link to the master, online', () => {
  let fake: { close: () => void } | undefined;
  afterAll(() => fake?.close());

  it('Redis and Tachyon count read and applied bytes alike, proxy whole commands only, answer GETACK alike', async () => {
    const src = await start('redis', 'ml-src');
    await src.client.call('SAVE');
    const rdb = fs.readFileSync(path.join(src.dir, 'dump.rdb'));
    const f = await streamingMaster(rdb, 'b'.repeat(40), BASE);
    fake = f;
    // One at a time, so that the fake master's connection order is [redis, tachyon].
    const replicas: Record<'redis' | 'tachyon', ServerProc> = {} as never;
    const subs: Record<'redis' | 'tachyon', ServerProc> = {} as never;
    for (const kind of ['redis', 'tachyon'] as const) {
      replicas[kind] = await start(kind, `ml-replica-${kind}`);
      await replicas[kind].client.call('REPLICAOF', '127.0.0.1', String(f.port));
      await waitLinkUp(replicas[kind]);
      subs[kind] = await start(kind, `ml-sub-${kind}`);
      await subs[kind].client.call('REPLICAOF', '127.0.0.1', String(replicas[kind].port));
      await waitLinkUp(subs[kind]);
    }
    expect(f.online()).toBe(2);
    const kinds = ['redis', 'tachyon'] as const;
    const offsets = async () => {
      const out: Record<string, [string, string, string]> = {};
      for (const k of kinds) {
        const i = await info(replicas[k]);
        out[k] = [i.slave_read_repl_offset, i.slave_repl_offset, (await info(subs[k])).slave_repl_offset];
      }
      return out;
    };
    const settled = async (read: number, applied: number) => {
      await waitFor(async () => {
        const o = await offsets();
        return kinds.every((k) => o[k][0] === String(read) && o[k][1] === String(applied) && o[k][2] === String(applied));
      }, 10000, `offsets ${read}/${applied}`);
      const o = await offsets();
      expect(o.tachyon).toEqual(o.redis);
    };

    let sent = 0;
    const write = (b: string) => {
      f.stream(b);
      sent += Buffer.byteLength(b);
    };
    write(cmd('SELECT', '0'));
    write(cmd('SET', 'a', '1'));
    await settled(BASE + sent, BASE + sent);

    // A command cut in two: read, not applied, not proxied.
    const set2 = cmd('SET', 'cut', 'in-two');
    write(set2.slice(0, 10));
    const before = BASE + sent - 10;
    await settled(BASE + sent, before);
    write(set2.slice(10));
    await settled(BASE + sent, BASE + sent);
    for (const k of kinds) expect(await subs[k].client.get('cut')).toBe('in-two');

    // An open MULTI: read, not applied; its replicas get none of it.
    const applied = BASE + sent;
    write(cmd('MULTI'));
    write(cmd('SET', 'b', '2'));
    await sleep(100);
    write(cmd('INCR', 'n'));
    await settled(BASE + sent, applied);
    for (const k of kinds) {
      expect(await replicas[k].client.get('b')).toBeNull();
      expect(await subs[k].client.get('b')).toBeNull();
    }
    write(cmd('EXEC'));
    await settled(BASE + sent, BASE + sent);
    for (const k of kinds) {
      expect(await subs[k].client.mget('a', 'b', 'n')).toEqual(['1', '2', '1']);
      expect((await info(subs[k])).slave_repl_offset).toBe(String(BASE + sent));
    }

    // GETACK: answered on the link at once with the offset applied before it.
    const acked = [f.acks(0).length, f.acks(1).length];
    write(cmd('REPLCONF', 'GETACK', '*'));
    await waitFor(async () => f.acks(0).length > acked[0] && f.acks(1).length > acked[1], 5000, 'ACKs');
    expect(f.acks(1)[acked[1]]).toBe(f.acks(0)[acked[0]]);
    await settled(BASE + sent, BASE + sent);

    // master_last_io_seconds_ago: the time since the master last sent anything.
    await sleep(2200);
    const idle = await Promise.all(kinds.map(async (k) => Number((await info(replicas[k])).master_last_io_seconds_ago)));
    expect(idle[1]).toBeGreaterThanOrEqual(2);
    expect(idle[1]).toBeLessThanOrEqual(idle[0] + 1);
    write(cmd('PING'));
    await settled(BASE + sent, BASE + sent);
    for (const k of kinds) expect(Number((await info(replicas[k])).master_last_io_seconds_ago)).toBeLessThanOrEqual(1);
    // The periodic ACK carries the same offset from both.
    await waitFor(async () => f.acks(0).at(-1) === String(BASE + sent) && f.acks(1).at(-1) === String(BASE + sent), 5000, 'periodic ACKs');
  }, 60_000);
});
