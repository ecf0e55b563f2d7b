/**
 * Diskless loading on a replica (repl-diskless-load on-empty-db | swapdb), as
 * Redis 7.0.15 does it: the master's snapshot ($EOF:<mark> or $<len>) goes
 * from the socket into the loader without a temp file. on-empty-db only
 * while the replica holds no key; swapdb loads aside and keeps the old
 * dataset if the transfer fails, and when the master's replication id is the
 * replica's own (a replica that fell off the backlog) serves the old dataset
 * meanwhile (async loading). A real redis-server 7.0.15 is the master, and a
 * real Redis replica next to the Tachyon one is the oracle for what clients
 * see during and after the load. A hand-made master sends corrupt and
 * truncated snapshots.
 */
import * as fs from 'node:fs';
import net from 'node:net';
import * as path from 'node:path';
import type Redis from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { populate, type ServerProc } from '../persistence/helpers';
import { fakeMaster, type FakeMaster } from './fake-master';
import { expectSameData, info, waitFor, waitLinkUp, writeLoad, replicationServers } from './helpers';

// A Redis replica loading a snapshot answers clients only every this many bytes.
const start = replicationServers({ 'enable-debug-command': 'yes', 'loading-process-events-interval-bytes': 1024 });

const digest = (s: ServerProc) => s.client.call('DEBUG', 'DIGEST') as Promise<string>;
const count = (text: string, re: RegExp) => (text.match(new RegExp(re.source, 'g')) ?? []).length;
/** Files a replica wrote into its directory (none for a diskless load). */
const files = (s: ServerProc) => fs.readdirSync(s.dir).filter((f) => f.endsWith('.rdb'));
const errorOf = (p: Promise<unknown>) => p.then(() => 'no error', (e: Error) => e.message);

/**
 * A master whose snapshot takes a while to stream (rdb-key-save-delay), with
 * values large enough that the RDB starts flowing at once.
 */
async function slowMaster(name: string, config: Record<string, string | number> = {}): Promise<ServerProc> {
  const master = await start('redis', name, { 'repl-diskless-sync': 'yes', 'repl-diskless-sync-delay': 0, rdbcompression: 'no', ...config });
  await master.client.call('DEBUG', 'POPULATE', '60', 'master', '50000');
  return master;
}

/**
 * Forces a full resync of the master's replicas that continues their history
 * (same replication id): they are dropped and the backlog overflows before
 * they ask to continue, as Redis's own test does it.
 */
async function forceFullResync(master: ServerProc): Promise<void> {
  const m = master.client.multi();
  m.call('CLIENT', 'KILL', 'TYPE', 'replica');
  m.call('CONFIG', 'SET', 'repl-backlog-size', '16384');
  for (let i = 0; i < 10; i++) m.set(`overflow:${i}`, 'A'.repeat(16384));
  await m.exec();
}

/** What a client of a replica sees while its master's snapshot loads. */
async function seenDuringLoad(r: ServerProc): Promise<Record<string, string>> {
  const p = await info(r, 'persistence');
  const repl = await info(r);
  return {
    loading: p.loading,
    async_loading: p.async_loading,
    // $EOF: no size known, progress estimated from the snapshot's used-mem AUX field.
    loading_total_bytes: p.loading_total_bytes,
    loading_rdb_used_mem: Number(p.loading_rdb_used_mem) > 0 ? 'set' : p.loading_rdb_used_mem,
    sync: repl.master_sync_in_progress,
    link: repl.master_link_status,
    master_sync: ['total', 'read', 'left'].map((f) => repl[`master_sync_${f}_bytes`]).join(' ') + ` ${repl.master_sync_perc}`,
    get: await errorOrValue(r.client.get('mykey')),
    dbsize: await errorOrValue(r.client.dbsize()),
    replicaof: await errorOrValue(r.client.call('REPLICAOF', 'NO', 'ONE')),
  };
}

async function errorOrValue(p: Promise<unknown>): Promise<string> {
  return p.then(
    (v) => String(v),
    (e: Error) => e.message.split(' ')[0],
  );
}

describe('repl-diskless-load on-empty-db', () => {
  it('an empty replica loads a real Redis master\'s snapshot from the socket ($EOF and $<len>), no file written', async () => {
    for (const sync of ['yes', 'no']) {
      const master = await start('redis', `del-empty-m-${sync}`, { 'repl-diskless-sync': sync, 'repl-diskless-sync-delay': 0 });
      await populate(master.client);
      const replica = await start('tachyon', `del-empty-r-${sync}`, { 'repl-diskless-load': 'on-empty-db' });
      const load = writeLoad(master.client, 3);
      await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
      await waitLinkUp(replica);
      await new Promise((r) => setTimeout(r, 200));
      await load.stop();
      await expectSameData(master, replica);
      expect(await digest(replica)).toBe(await digest(master));
      const logs = replica.logs();
      expect(logs).toMatch(
        sync === 'yes'
          ? /MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to parser/
          : /MASTER <-> REPLICA sync: receiving \d+ bytes from master to parser/,
      );
      expect(logs).toMatch(/MASTER <-> REPLICA sync: Flushing old data\n.*MASTER <-> REPLICA sync: Loading DB in memory\n/);
      expect(logs).toMatch(/Done loading RDB, keys loaded: \d+, keys expired: 0\./);
      expect(logs).not.toMatch(/to disk/);
      // Nothing on the replica's disk: no temp file, no dump.rdb.
      expect(files(replica)).toEqual([]);
      expect((await info(replica, 'persistence')).rdb_changes_since_last_save).not.toBe('0');
    }
  }, 60_000);

  it('a replica holding keys loads through the disk, as Redis', async () => {
    const master = await start('redis', 'del-keys-m', { 'repl-diskless-sync-delay': 0 });
    await master.client.set('from', 'master');
    const results: unknown[] = [];
    for (const kind of ['redis', 'tachyon'] as const) {
      const replica = await start(kind, `del-keys-r-${kind}`, { 'repl-diskless-load': 'on-empty-db' });
      await replica.client.set('own', 'key');
      await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
      await waitLinkUp(replica);
      results.push([/receiving streamed RDB from master with EOF to disk/.test(replica.logs()), files(replica), await digest(replica) === await digest(master)]);
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[1]).toEqual([true, ['dump.rdb'], true]);
  }, 60_000);
});

describe('keys already expired in the snapshot', () => {
  it('a replica keeps them (its master deletes them), on every load path, as a Redis replica', async () => {
    const master = await start('redis', 'del-exp-m', { 'repl-diskless-sync-delay': 0 });
    await master.client.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await master.client.set('live', 'v');
    for (let i = 0; i < 5; i++) await master.client.set(`gone:${i}`, 'v', 'PX', 1);
    await new Promise((r) => setTimeout(r, 50));
    const seen: Record<string, unknown> = {};
    for (const mode of ['on-empty-db', 'swapdb', 'disabled']) {
      for (const kind of ['redis', 'tachyon'] as const) {
        const replica = await start(kind, `del-exp-${mode}-${kind}`, { 'repl-diskless-load': mode });
        await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
        await waitLinkUp(replica);
        seen[`${mode} ${kind}`] = [
          await replica.client.dbsize(),
          await replica.client.get('gone:0'),
          /Done loading RDB, keys loaded: 6, keys expired: 0\./.test(replica.logs()),
        ];
      }
      expect(seen[`${mode} tachyon`], mode).toEqual(seen[`${mode} redis`]);
      expect(seen[`${mode} tachyon`], mode).toEqual([6, null, true]);
    }
  }, 60_000);
});

describe('repl-diskless-load swapdb', () => {
  it('a first sync (another history) loads aside with -LOADING meanwhile, as a Redis replica', async () => {
    const master = await slowMaster('del-swap1-m', { 'rdb-key-save-delay': 30000 });
    const replicas = {
      redis: await start('redis', 'del-swap1-redis', { 'repl-diskless-load': 'swapdb' }),
      tachyon: await start('tachyon', 'del-swap1-tachyon', { 'repl-diskless-load': 'swapdb' }),
    };
    for (const r of Object.values(replicas)) {
      await r.client.set('mykey', 'myvalue');
      await r.client.call('REPLICAOF', '127.0.0.1', String(master.port));
    }
    const during: Record<string, unknown> = {};
    for (const [kind, r] of Object.entries(replicas)) {
      // Redis answers only from inside its load, after the header's used-mem; Tachyon's loader
      // thread reads that within a few milliseconds of the first bytes.
      await waitFor(async () => {
        const p = await info(r, 'persistence');
        return p.loading === '1' && Number(p.loading_rdb_used_mem) > 0;
      }, 10000, `${kind} loading`);
      during[kind] = await seenDuringLoad(r);
    }
    expect(during.tachyon).toEqual(during.redis);
    expect(during.tachyon).toMatchObject({ loading: '1', async_loading: '0', get: 'LOADING' });
    for (const r of Object.values(replicas)) await waitLinkUp(r);
    expect(await digest(replicas.tachyon)).toBe(await digest(master));
    expect(await digest(replicas.redis)).toBe(await digest(master));
    const logs = replicas.tachyon.logs();
    expect(logs).toMatch(/MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to parser/);
    expect(logs).toMatch(/MASTER <-> REPLICA sync: Swapping active DB with loaded DB\n.*MASTER <-> REPLICA sync: Discarding old DB in background\n/);
    expect(logs).toMatch(/MASTER <-> REPLICA sync: Finished with success/);
    expect(logs).not.toMatch(/Flushing old data/);
    expect(files(replicas.tachyon)).toEqual([]);
  }, 60_000);

  /**
   * Two replicas of one master (a real Redis one and Tachyon) in sync, each
   * with a key of its own; the master then forces a full resync that
   * continues their history. Returns what each replica's clients saw during
   * the load, and the digest each had before it.
   */
  async function asyncScene(name: string): Promise<{
    master: ServerProc;
    replicas: Record<'redis' | 'tachyon', ServerProc>;
    during: Record<string, unknown>;
    before: Record<string, string>;
  }> {
    const master = await slowMaster(`${name}-m`);
    const replicas = {
      redis: await start('redis', `${name}-redis`, { 'repl-diskless-load': 'swapdb', 'replica-read-only': 'no' }),
      tachyon: await start('tachyon', `${name}-tachyon`, { 'repl-diskless-load': 'swapdb', 'replica-read-only': 'no' }),
    };
    for (const r of Object.values(replicas)) await r.client.call('REPLICAOF', '127.0.0.1', String(master.port));
    for (const r of Object.values(replicas)) await waitLinkUp(r);
    const before: Record<string, string> = {};
    for (const [kind, r] of Object.entries(replicas)) {
      await r.client.set('mykey', 'myvalue');
      before[kind] = await digest(r);
    }
    // Slow, and one transfer for both replicas.
    await master.client.call('CONFIG', 'SET', 'rdb-key-save-delay', '40000');
    await master.client.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '2');
    await forceFullResync(master);
    const during: Record<string, unknown> = {};
    for (const [kind, r] of Object.entries(replicas)) {
      await waitFor(async () => {
        const p = await info(r, 'persistence');
        return p.async_loading === '1' && Number(p.loading_rdb_used_mem) > 0;
      }, 10000, `${kind} async_loading`);
      during[kind] = await seenDuringLoad(r);
    }
    return { master, replicas, during, before };
  }

  it('async loading: the old dataset is served while the master\'s snapshot loads, then swapped', async () => {
    const { master, replicas, during } = await asyncScene('del-async');
    // A transaction watching a key of the old dataset is aborted by the swap.
    const watchers: Record<string, Redis> = {};
    for (const [kind, r] of Object.entries(replicas)) {
      watchers[kind] = r.client.duplicate();
      await watchers[kind].watch('mykey');
    }
    expect(during.tachyon).toEqual(during.redis);
    expect(during.tachyon).toEqual({
      loading: '0',
      async_loading: '1',
      loading_total_bytes: '0',
      loading_rdb_used_mem: 'set',
      sync: '1',
      link: 'down',
      master_sync: '0 0 0 0.00',
      get: 'myvalue',
      dbsize: '61',
      replicaof: 'LOADING',
    });
    for (const r of Object.values(replicas)) await waitLinkUp(r);
    const execs: Record<string, unknown> = {};
    for (const [kind, w] of Object.entries(watchers)) {
      execs[kind] = await w.multi().get('overflow:0').exec();
      w.disconnect();
    }
    expect(execs.tachyon).toEqual(execs.redis);
    expect(execs.tachyon).toBeNull();
    // The new dataset replaced the old one: the replica's own key is gone.
    for (const r of Object.values(replicas)) {
      expect(await r.client.get('mykey')).toBeNull();
      expect(await digest(r)).toBe(await digest(master));
    }
    const logs = replicas.tachyon.logs();
    expect(logs).toMatch(
      /Done loading RDB, keys loaded: 70, keys expired: 0\.\n.*Discarding previously cached master state\.\n.*MASTER <-> REPLICA sync: Swapping active DB with loaded DB\n.*MASTER <-> REPLICA sync: Discarding old DB in background\n/,
    );
    expect((await info(replicas.tachyon, 'persistence')).async_loading).toBe('0');
    // The stream continues on the new dataset.
    await master.client.set('after', 'swap');
    await waitFor(async () => (await replicas.tachyon.client.get('after')) === 'swap', 5000, 'the stream after the swap');
  }, 60_000);

  it('a master killed mid-transfer leaves the swapdb replica with its old data, as a Redis replica', async () => {
    const { master, replicas, before } = await asyncScene('del-kill');
    await master.kill('SIGKILL');
    const after: Record<string, unknown> = {};
    for (const [kind, r] of Object.entries(replicas)) {
      await waitFor(async () => (await info(r, 'persistence')).async_loading === '0', 10000, `${kind} load aborted`);
      after[kind] = [await r.client.get('mykey'), await r.client.dbsize(), (await digest(r)) === before[kind], (await info(r)).master_link_status];
    }
    expect(after.tachyon).toEqual(after.redis);
    expect(after.tachyon).toEqual(['myvalue', 61, true, 'down']);
    // What the replica logged since the second full resync began.
    const all = replicas.tachyon.logs();
    const logs = all.slice(all.lastIndexOf('Full resync from master'));
    // The same lines as the Redis replica (Tachyon's error names no rdb.c line).
    const lines = (text: string) =>
      text
        .split('\n')
        .filter((l) => /Failed trying|Internal error|Short read|Discarding temporary/.test(l))
        .map((l) => l.slice(l.indexOf(' # ') >= 0 ? l.indexOf(' # ') : l.indexOf(' * ')).replace(/ offset \d+(, function at rdb\.c:\d+)?/, ' offset N'));
    expect(lines(logs)).toEqual(lines(replicas.redis.logs()));
    expect(logs).toMatch(/Failed trying to load the MASTER synchronization DB from socket: Operation now in progress/);
    expect(logs).toMatch(/MASTER <-> REPLICA sync: Discarding temporary DB in background/);
    expect(logs).not.toMatch(/Swapping active DB/);
    // The link is retried.
    await waitFor(async () => count(replicas.tachyon.logs(), /Connecting to MASTER/) >= 3, 5000, 'a reconnection attempt');
    expect(replicas.tachyon.proc.exitCode).toBeNull();
  }, 60_000);
});

/**
 * A hand-made master (fake-master.ts) that answers the first connection's
 * PSYNC with +FULLRESYNC and then what `send` writes (a snapshot, broken on
 * purpose), and leaves later ones waiting for their PSYNC answer.
 */
function snapshotMaster(send: (sock: net.Socket) => void): Promise<FakeMaster> {
  return fakeMaster((sock, args, connection) => {
    if (args[0] !== 'PSYNC') return false;
    // Later attempts wait in the handshake (no answer), so the replica is not loading when checked.
    if (connection === 1) {
      sock.write(`+FULLRESYNC ${'a'.repeat(40)} 100\r\n`);
      send(sock);
    }
    return true;
  });
}

describe('broken snapshots over the socket', () => {
  let fake: { close: () => void } | undefined;
  afterAll(() => fake?.close());

  /** A real snapshot of a small dataset, as a master would send it. */
  async function snapshotBytes(): Promise<Buffer> {
    const src = await start('redis', 'del-src');
    await src.client.set('new', 'data');
    await src.client.rpush('list', 'a', 'b', 'c');
    await src.client.call('SAVE');
    return fs.readFileSync(path.join(src.dir, 'dump.rdb'));
  }

  const MARK = 'f'.repeat(40);
  const cases: [string, (rdb: Buffer, sock: net.Socket) => void, RegExp][] = [
    [
      'with a wrong checksum ($EOF)',
      (rdb, sock) => {
        const bad = Buffer.from(rdb);
        bad[bad.length - 1] ^= 0xff;
        sock.write(`$EOF:${MARK}\r\n`);
        sock.write(Buffer.concat([bad, Buffer.from(MARK)]));
      },
      /Wrong RDB checksum expected: \([0-9a-f]+\) got: \([0-9a-f]+\)\. Aborting now\.\n.*Internal error in RDB reading offset \d+ -> RDB CRC error\. Failure loading rdb format\n/,
    ],
    [
      'truncated then closed ($<len>)',
      (rdb, sock) => {
        sock.write(`$${rdb.length}\r\n`);
        sock.end(rdb.subarray(0, rdb.length - 20));
      },
      /Short read or OOM loading DB\. Unrecoverable error, aborting now\.\n.*Internal error in RDB reading offset \d+ -> Unexpected EOF reading RDB file\. Failure loading rdb format from socket, assuming connection error, resuming operation\.\n.*Failed trying to load the MASTER synchronization DB from socket: /,
    ],
    [
      'followed by a wrong EOF mark',
      (rdb, sock) => {
        sock.write(`$EOF:${MARK}\r\n`);
        sock.write(Buffer.concat([rdb, Buffer.from('e'.repeat(40))]));
      },
      /Replication stream EOF marker is broken\n/,
    ],
    [
      'a huge length in a stream that stops',
      (rdb, sock) => {
        // A string claiming 2^40 bytes: nothing is allocated for it; the load waits for the bytes, then fails on the close.
        const header = rdb.subarray(0, 9);
        sock.write(`$EOF:${MARK}\r\n`);
        sock.write(Buffer.concat([header, Buffer.from([0x00, 0x01, 0x6b, 0x81]), Buffer.from([0, 0, 1, 0, 0, 0, 0, 0])]));
        setTimeout(() => sock.destroy(), 300);
      },
      /Unexpected EOF reading RDB file\. Failure loading rdb format from socket/,
    ],
  ];

  for (const mode of ['swapdb', 'on-empty-db'] as const) {
    it(`${mode}: a corrupt, truncated or badly ended snapshot is refused, the link retried, never a crash`, async () => {
      const rdb = await snapshotBytes();
      for (const [what, send, logged] of cases) {
        const f = await snapshotMaster((sock) => send(rdb, sock));
        fake = f;
        const replica = await start('tachyon', `del-bad-${mode}`, { 'repl-diskless-load': mode, 'replica-read-only': 'no' });
        if (mode === 'swapdb') await replica.client.set('old', 'data');
        const old = await digest(replica);
        await replica.client.call('REPLICAOF', '127.0.0.1', String(f.port));
        await waitFor(async () => f.connections() >= 2, 10000, `${what}: a second attempt`);
        expect(replica.logs(), what).toMatch(logged);
        expect(replica.logs()).not.toMatch(/Finished with success/);
        // Still up, the old dataset (swapdb) or the empty one (on-empty-db) served.
        expect(await digest(replica)).toBe(old);
        expect((await info(replica, 'persistence')).loading).toBe('0');
        expect(replica.proc.exitCode).toBeNull();
        await replica.client.call('REPLICAOF', 'NO', 'ONE');
        f.close();
        await replica.kill();
      }
    }, 60_000);
  }
});

describe('a Tachyon master', () => {
  it('Tachyon replicas with on-empty-db and swapdb load its snapshot ($EOF and $<len>) from the socket', async () => {
    for (const sync of ['yes', 'no']) {
      const master = await start('tachyon', `del-tm-${sync}`, { 'repl-diskless-sync': sync, 'repl-diskless-sync-delay': 0 });
      await populate(master.client);
      for (const mode of ['on-empty-db', 'swapdb']) {
        const replica = await start('tachyon', `del-tr-${sync}-${mode}`, { 'repl-diskless-load': mode });
        const load = writeLoad(master.client, 5);
        await replica.client.call('REPLICAOF', '127.0.0.1', String(master.port));
        await waitLinkUp(replica);
        await load.stop();
        await expectSameData(master, replica);
        expect(await digest(replica)).toBe(await digest(master));
        expect(replica.logs()).toMatch(/to parser/);
        expect(files(replica)).toEqual([]);
      }
    }
  }, 90_000);
});

