/**
 * Streams in persistence against redis-server 7.0.15: DUMP payloads byte for
 * byte (RDB type 19: entries, deletions, groups, PELs, consumers), payloads of
 * Redis 5/6 (type 15) loaded as 7.0 loads them, type 21 (7.2) refused, RDB
 * files written back byte for byte equal to Redis's after their AUX fields,
 * AOF rewrites (XADD / XSETID / XGROUP / XCLAIM) equal to Redis's, and stream
 * commands propagated to the AOF as Redis propagates them.
 *
 * Delivery and seen times are "now" when a command sets them; where a test
 * needs equal bytes it fixes them (XCLAIM TIME) or restores one server's
 * payload into both.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type Redis from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { withCrc } from '../helpers/crc64';
import { stop, tempDir, type Kind, type ServerProc, serversOfFile, show, call, type Cmd } from './helpers';

const start = serversOfFile();

const big = (n: number, s: string) => s.repeat(Math.ceil(n / s.length)).slice(0, n);

// ---- RDB bytes: enough of the format to walk a stream value ----

/** Reads an RDB length at p: [value, next offset]. */
function readLen(b: Buffer, p: number): [bigint, number] {
  const t = b[p] >> 6;
  if (t === 0) return [BigInt(b[p] & 0x3f), p + 1];
  if (t === 1) return [BigInt(((b[p] & 0x3f) << 8) | b[p + 1]), p + 2];
  if (b[p] === 0x80) return [BigInt(b.readUInt32BE(p + 1)), p + 5];
  if (b[p] === 0x81) return [b.readBigUInt64BE(p + 1), p + 9];
  throw new Error(`not a length at ${p}`);
}
/** Skips an RDB string (plain, integer or LZF). */
function skipString(b: Buffer, p: number): number {
  if (b[p] >> 6 === 3) {
    const enc = b[p] & 0x3f;
    if (enc === 0) return p + 2;
    if (enc === 1) return p + 3;
    if (enc === 2) return p + 5;
    const [clen, q] = readLen(b, p + 1);
    const [, r] = readLen(b, q);
    return r + Number(clen);
  }
  const [len, q] = readLen(b, p);
  return q + Number(len);
}

/**
 * A type-19 stream body rewritten as Redis 5/6 wrote it (type 15): without the
 * first id, maximal deleted id, entries added and the groups' entries-read.
 */
function toType15(body19: Buffer): Buffer {
  const b = body19;
  expect(b[0]).toBe(19);
  const out: Buffer[] = [Buffer.from([15])];
  let p = 1;
  const keep = (to: number) => {
    out.push(b.subarray(p, to));
    p = to;
  };
  const drop = (to: number) => (p = to);
  let [n, q] = readLen(b, p);
  keep(q);
  for (let i = 0n; i < n; i++) keep(skipString(b, skipString(b, p)));
  for (let i = 0; i < 3; i++) keep(readLen(b, p)[1]); // length, last id
  for (let i = 0; i < 5; i++) drop(readLen(b, p)[1]); // first id, max deleted id, entries added
  [n, q] = readLen(b, p);
  keep(q);
  for (let g = 0n; g < n; g++) {
    keep(skipString(b, p));
    keep(readLen(b, readLen(b, p)[1])[1]); // last id
    drop(readLen(b, p)[1]); // entries read
    let [pel, r] = readLen(b, p);
    keep(r);
    for (let i = 0n; i < pel; i++) keep(readLen(b, p + 24)[1]);
    let [consumers, s] = readLen(b, p);
    keep(s);
    for (let c = 0n; c < consumers; c++) {
      keep(skipString(b, p) + 8);
      [pel, r] = readLen(b, p);
      keep(r + 16 * Number(pel));
    }
  }
  keep(b.length);
  return Buffer.concat(out);
}

const payloadOf = (body: Buffer) => withCrc(Buffer.concat([body, Buffer.from([10, 0])]));
const bodyOf = (p: Buffer) => p.subarray(0, p.length - 10);

/** An RDB file after its header and AUX fields, without the checksum: the data both servers must write alike. */
function dataSection(file: Buffer): Buffer {
  let p = 9;
  while (file[p] === 0xfa) p = skipString(file, skipString(file, p + 1));
  return file.subarray(p, file.length - 8);
}

// ---- the samples ----

const ENTRIES = (key: string, n: number, from = 1): Cmd[] =>
  Array.from({ length: n }, (_, i) => ['XADD', key, `${1000 + from + i}-${i % 3}`, 'name', `n${i}`, 'n', String(i * 7)]);

const SAMPLES: [string, Cmd[]][] = [
  ['one entry', [['XADD', 'k', '1-1', 'f', 'v']]],
  ['same fields (master entry) and other fields', [...ENTRIES('k', 5), ['XADD', 'k', '2000-0', 'other', 'x', 'y', 'z']]],
  ['many nodes (stream-node-max-entries 3)', [['CONFIG', 'SET', 'stream-node-max-entries', '3'], ...ENTRIES('k', 20)]],
  ['node split by bytes', [['CONFIG', 'SET', 'stream-node-max-bytes', '120'], ...ENTRIES('k', 12)]],
  ['deletions and trims', [...ENTRIES('k', 30), ['XDEL', 'k', '1001-0', '1005-1', '1020-1'], ['XTRIM', 'k', 'MAXLEN', '20'], ['XTRIM', 'k', 'MINID', '1015']]],
  ['every entry deleted', [['XADD', 'k', '5-5', 'a', 'b'], ['XDEL', 'k', '5-5']]],
  ['created empty by XGROUP CREATE MKSTREAM', [['XGROUP', 'CREATE', 'k', 'g', '$', 'MKSTREAM']]],
  ['XSETID with ENTRIESADDED and MAXDELETEDID', [...ENTRIES('k', 3), ['XSETID', 'k', '9999-9', 'ENTRIESADDED', '50', 'MAXDELETEDID', '900-1']]],
  ['long values, compressed', [['XADD', 'k', '1-0', 'f', big(600, 'stream value '), big(100, 'x'), 'y'], ['XADD', 'k', '2-0', 'f', big(300, 'q')]]],
  ['integers and odd ids', [['XADD', 'k', '0-1', '1', '-2'], ['XADD', 'k', '18446744073709551615-0', '123456789012', '9223372036854775807']]],
  [
    'groups without pending entries',
    [
      ...ENTRIES('k', 6),
      ['XGROUP', 'CREATE', 'k', 'g-last', '$'],
      ['XGROUP', 'CREATE', 'k', 'g-zero', '0'],
      ['XGROUP', 'CREATE', 'k', 'g-mid', '1003-2', 'ENTRIESREAD', '3'],
      ['XGROUP', 'CREATE', 'k', 'a-first', '1002-1'],
      ['XDEL', 'k', '1004-0'],
      ['XGROUP', 'SETID', 'k', 'g-zero', '1001-0'],
    ],
  ],
];

describe('streams in DUMP payloads and RDB files', () => {
  let redis: ServerProc;
  let tachyon: ServerProc;
  beforeAll(async () => {
    redis = await start('redis', tempDir('sdump-redis'));
    tachyon = await start('tachyon', tempDir('sdump-tachyon'));
  });
  const both = async (cmd: Cmd) => {
    const [r, t] = await Promise.all([call(redis.client, cmd).catch((e) => `ERR ${e.message}`), call(tachyon.client, cmd).catch((e) => `ERR ${e.message}`)]);
    expect(show(t), cmd.map(String).join(' ').slice(0, 200)).toBe(show(r));
    return r;
  };
  const reset = async () => {
    for (const s of [redis, tachyon]) {
      await s.client.flushall();
      await s.client.config('SET', 'stream-node-max-entries', '100');
      await s.client.config('SET', 'stream-node-max-bytes', '4096');
    }
  };

  for (const [name, setup] of SAMPLES) {
    it(`${name}: DUMP gives Redis's bytes, and each server's payload restores on the other`, async () => {
      await reset();
      for (const cmd of setup) await both(cmd);
      const [r, t] = (await Promise.all([redis.client.dumpBuffer('k'), tachyon.client.dumpBuffer('k')])) as Buffer[];
      expect(r[0]).toBe(19);
      expect(t.toString('hex')).toBe(r.toString('hex'));
      await both(['RESTORE', 'copy', '0', r]);
      await both(['XINFO', 'STREAM', 'copy', 'FULL']);
      await both(['XINFO', 'STREAM', 'k', 'FULL']);
      expect((await tachyon.client.dumpBuffer('copy'))!.toString('hex')).toBe(r.toString('hex'));
    });
  }

  it('groups with pending entries and consumers: payloads restored both ways give back the same bytes', async () => {
    await reset();
    await both(['CONFIG', 'SET', 'stream-node-max-entries', '4']);
    for (const cmd of ENTRIES('k', 15)) await both(cmd);
    await both(['XGROUP', 'CREATE', 'k', 'g1', '0']);
    await both(['XGROUP', 'CREATE', 'k', 'g2', '0']);
    for (const s of [redis, tachyon]) {
      await s.client.xreadgroup('GROUP', 'g1', 'alice', 'COUNT', '4', 'STREAMS', 'k', '>');
      await s.client.xreadgroup('GROUP', 'g1', 'bob', 'COUNT', '3', 'STREAMS', 'k', '>');
      await s.client.xreadgroup('GROUP', 'g2', 'carol', 'COUNT', '20', 'STREAMS', 'k', '>');
      await s.client.call('XGROUP', 'CREATECONSUMER', 'k', 'g1', 'idle');
    }
    await both(['XACK', 'k', 'g1', '1002-1']);
    await both(['XDEL', 'k', '1003-2', '1010-0']);
    await both(['XCLAIM', 'k', 'g1', 'bob', '0', '1001-0', '1004-0', 'TIME', '1700000000000', 'RETRYCOUNT', '5', 'JUSTID']);
    const r = (await redis.client.dumpBuffer('k')) as Buffer;
    const t = (await tachyon.client.dumpBuffer('k')) as Buffer;
    // Same size (only times differ), and each restores on the other to its own bytes.
    expect(t.length).toBe(r.length);
    await both(['RESTORE', 'from-redis', '0', r]);
    await both(['RESTORE', 'from-tachyon', '0', t]);
    expect((await tachyon.client.dumpBuffer('from-redis'))!.toString('hex')).toBe(r.toString('hex'));
    expect((await redis.client.dumpBuffer('from-tachyon'))!.toString('hex')).toBe(t.toString('hex'));
    for (const key of ['from-redis', 'from-tachyon']) {
      await both(['XINFO', 'STREAM', key, 'FULL']);
      await both(['XINFO', 'GROUPS', key]);
      await both(['XPENDING', key, 'g1']);
    }
    // Changes without times, on the restored copies: the same bytes again.
    await both(['XACK', 'from-redis', 'g2', '1001-0', '1005-1']);
    await both(['XGROUP', 'DELCONSUMER', 'from-redis', 'g1', 'alice']);
    await both(['XGROUP', 'DESTROY', 'from-redis', 'g2']);
    await both(['XTRIM', 'from-redis', 'MAXLEN', '5']);
    const [r2, t2] = (await Promise.all([redis.client.dumpBuffer('from-redis'), tachyon.client.dumpBuffer('from-redis')])) as Buffer[];
    expect(t2.toString('hex')).toBe(r2.toString('hex'));
  });

  it('a Redis 5/6 payload (type 15) loads as 7.0 loads it', async () => {
    await reset();
    for (const cmd of ENTRIES('k', 10)) await both(cmd);
    await both(['XDEL', 'k', '1002-1', '1004-0']);
    await both(['XGROUP', 'CREATE', 'k', 'g', '1003-2']);
    await both(['XGROUP', 'CREATE', 'k', 'g0', '0']);
    await redis.client.xreadgroup('GROUP', 'g', 'c', 'COUNT', '2', 'STREAMS', 'k', '>');
    const old = payloadOf(toType15(bodyOf((await redis.client.dumpBuffer('k')) as Buffer)));
    await both(['RESTORE', 'old', '0', old]);
    await both(['XINFO', 'STREAM', 'old', 'FULL']);
    await both(['XINFO', 'GROUPS', 'old']);
    const [r, t] = (await Promise.all([redis.client.dumpBuffer('old'), tachyon.client.dumpBuffer('old')])) as Buffer[];
    expect(t.toString('hex')).toBe(r.toString('hex'));
    // Without a checksum match, or cut short: Bad data format on both.
    await both(['RESTORE', 'bad', '0', Buffer.concat([old.subarray(0, old.length - 1), Buffer.from([old[old.length - 1] ^ 1])])]);
    await both(['RESTORE', 'bad', '0', payloadOf(bodyOf(old).subarray(0, 20))]);
  });

  it('type 21 (Redis 7.2 streams) is refused as Redis 7.0 refuses it', async () => {
    await reset();
    await both(['XADD', 'k', '1-1', 'f', 'v']);
    const body = Buffer.from(bodyOf((await redis.client.dumpBuffer('k')) as Buffer));
    body[0] = 21;
    await both(['RESTORE', 'new', '0', payloadOf(body)]);
    // In a file: both refuse to start, naming the type.
    await redis.client.save();
    const file = fs.readFileSync(path.join(redis.dir, 'dump.rdb'));
    const at = dataSection(file).indexOf(Buffer.from([0x13, 0x01, 0x6b])) + (file.length - 8 - dataSection(file).length);
    const patched = Buffer.from(file.subarray(0, file.length - 8));
    patched[at] = 21;
    const logs: string[] = [];
    for (const kind of ['redis', 'tachyon'] as Kind[]) {
      const dir = tempDir(`t21-${kind}`);
      fs.writeFileSync(path.join(dir, 'dump.rdb'), withCrc(patched));
      const s = await start(kind, dir, {}, { mayExit: true });
      expect(await s.exited).toBe(1);
      logs.push(s.logs().match(/Internal error in RDB reading offset \d+, function at rdb\.c:\d+ -> (.*)|Internal error in RDB reading offset \d+ -> (.*)/)![0]);
    }
    expect(logs[0]).toMatch(/Unknown RDB encoding type 21/);
    expect(logs[1].replace(/offset \d+/, '')).toBe(logs[0].replace(/offset \d+/, '').replace(/, function at rdb\.c:\d+/, ''));
  });

  it('RDB files: Redis SAVE -> Tachyon -> Tachyon SAVE gives Redis\'s bytes, and back', async () => {
    await reset();
    for (const s of [redis, tachyon]) await s.client.config('SET', 'stream-node-max-entries', '5');
    for (const cmd of ENTRIES('k', 23)) await both(cmd);
    await both(['XDEL', 'k', '1007-0', '1008-1']);
    await both(['XGROUP', 'CREATE', 'k', 'g', '0']);
    await both(['XGROUP', 'CREATE', 'k', 'h', '$']);
    await redis.client.xreadgroup('GROUP', 'g', 'c1', 'COUNT', '5', 'STREAMS', 'k', '>');
    await redis.client.xreadgroup('GROUP', 'g', 'c2', 'COUNT', '2', 'STREAMS', 'k', '>');
    await redis.client.call('XGROUP', 'CREATECONSUMER', 'k', 'h', 'nobody');
    await redis.client.save();
    const redisFile = fs.readFileSync(path.join(redis.dir, 'dump.rdb'));

    const dir = tempDir('srdb');
    fs.copyFileSync(path.join(redis.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
    const t = await start('tachyon', dir);
    const info = await t.client.call('XINFO', 'STREAM', 'k', 'FULL');
    expect(show(info)).toBe(show(await redis.client.call('XINFO', 'STREAM', 'k', 'FULL')));
    await t.client.save();
    const tachyonFile = fs.readFileSync(path.join(dir, 'dump.rdb'));
    expect(dataSection(tachyonFile).toString('hex')).toBe(dataSection(redisFile).toString('hex'));
    expect(execFileSync('redis-check-rdb', [path.join(dir, 'dump.rdb')]).toString()).toMatch(/RDB looks OK/);
    await stop(t);

    // Tachyon's file, loaded by Redis and saved again.
    const dir2 = tempDir('srdb-back');
    fs.copyFileSync(path.join(dir, 'dump.rdb'), path.join(dir2, 'dump.rdb'));
    const r = await start('redis', dir2);
    expect(show(await r.client.call('XINFO', 'STREAM', 'k', 'FULL'))).toBe(show(info));
    await r.client.save();
    expect(dataSection(fs.readFileSync(path.join(dir2, 'dump.rdb'))).toString('hex')).toBe(dataSection(tachyonFile).toString('hex'));
    await stop(r);
  });
});

// ---- the AOF ----

const AOF = { appendonly: 'yes', appendfsync: 'always', 'aof-use-rdb-preamble': 'no', 'stream-node-max-entries': 4 };
function aofFile(dir: string, type: 'b' | 'i'): string {
  const manifest = fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
  const name = manifest
    .split('\n')
    .find((l) => l.endsWith(`type ${type}`))!
    .split(' ')[1];
  return fs.readFileSync(path.join(dir, 'appendonlydir', name), 'latin1');
}
/** Millisecond times (delivery times, generated ids) differ between two runs by construction. */
const normalizeTimes = (aof: string) =>
  aof
    .replace(/\$13\r\n1\d{12}\r\n/g, '$13\r\n<ms>\r\n')
    .replace(/\$(1[5-9])\r\n1\d{12}-(\d+)\r\n/g, '$$$1\r\n<ms>-$2\r\n')
    .replace(/"1\d{12}-(\d+)"/g, '"<ms>-$1"');

describe('streams in the AOF', () => {
  async function pair(): Promise<ServerProc[]> {
    return [await start('redis', tempDir('saof-redis'), AOF), await start('tachyon', tempDir('saof-tachyon'), AOF)];
  }
  async function run(servers: ServerProc[], cmds: Cmd[]): Promise<void> {
    for (const cmd of cmds) {
      const replies = await Promise.all(servers.map((s) => call(s.client, cmd).catch((e) => `ERR ${e.message}`)));
      expect(normalizeTimes(show(replies[1])), cmd.map(String).join(' ')).toBe(normalizeTimes(show(replies[0])));
    }
  }
  const fixTimes: Cmd[] = [
    // Delivery times set to fixed values, so the rewritten XCLAIMs compare.
    ['XCLAIM', 'k', 'g', 'alice', '0', '1001-0', '1002-1', 'TIME', '1700000000000', 'JUSTID'],
    ['XCLAIM', 'k', 'g', 'bob', '0', '1003-2', 'TIME', '1700000000001', 'RETRYCOUNT', '7', 'JUSTID'],
    ['XCLAIM', 'k', 'g2', 'carol', '0', '1001-0', 'TIME', '1700000000002', 'JUSTID'],
  ];
  const build: Cmd[] = [
    ...ENTRIES('k', 9),
    ['XDEL', 'k', '1005-1'],
    ['XGROUP', 'CREATE', 'k', 'g', '0'],
    ['XGROUP', 'CREATE', 'k', 'g2', '1001-0', 'ENTRIESREAD', '1'],
    ['XGROUP', 'CREATE', 'k', 'g3', '$'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 'k', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '1', 'STREAMS', 'k', '>'],
    ['XREADGROUP', 'GROUP', 'g2', 'carol', 'NOACK', 'COUNT', '2', 'STREAMS', 'k', '>'],
    ['XGROUP', 'CREATECONSUMER', 'k', 'g3', 'waiting'],
    // One key per database: the rewrite walks each in its table's order.
    ['SELECT', '1'],
    ['XADD', 'empty', '1-1', 'a', 'b'],
    ['XDEL', 'empty', '1-1'],
    ['SELECT', '2'],
    ['XGROUP', 'CREATE', 'mk', 'g', '$', 'MKSTREAM'],
    ['SELECT', '0'],
    ['XSETID', 'k', '5000-0', 'ENTRIESADDED', '40', 'MAXDELETEDID', '1005-1'],
  ];

  it('commands are written to the incr file as Redis propagates them', async () => {
    const servers = await pair();
    await run(servers, [
      ...build,
      ...fixTimes,
      ['XADD', 'auto', '*', 'f', 'v'],
      ['XADD', 'auto', '5-*', 'f', 'v'],
      ['XADD', 'k', 'MAXLEN', '~', '2', '6000-0', 'f', 'v'],
      ['XADD', 'k', 'MAXLEN', '=', '8', '6001-0', 'f', 'v'],
      ['XTRIM', 'k', 'MINID', '~', '1009'],
      ['XCLAIM', 'k', 'g', 'dave', '0', '1001-0', 'TIME', '1700000000003'],
      ['XCLAIM', 'k', 'g', 'dave', '0', '1001-0', 'LASTID', '9000-0', 'TIME', '1700000000004', 'JUSTID'],
      ['XAUTOCLAIM', 'k', 'g', 'erin', '0', '0', 'COUNT', '1', 'JUSTID'],
      ['XACK', 'k', 'g', '1003-2'],
      ['XGROUP', 'SETID', 'k', 'g3', '1004-0', 'ENTRIESREAD', '4'],
      ['XGROUP', 'DELCONSUMER', 'k', 'g', 'alice'],
      ['XGROUP', 'DESTROY', 'k', 'g2'],
      ['XDEL', 'k', '1007-0'],
      ['XREADGROUP', 'GROUP', 'g3', 'fred', 'COUNT', '1', 'STREAMS', 'k', '>'],
    ]);
    const files = servers.map((s) => aofFile(s.dir, 'i'));
    for (const s of servers) await stop(s);
    expect(normalizeTimes(files[1])).toBe(normalizeTimes(files[0]));
  });

  it('BGREWRITEAOF writes the streams as Redis does, and the rewrite loads back to the same streams', async () => {
    const servers = await pair();
    await run(servers, [...build, ...fixTimes]);
    const before = await Promise.all(servers.map((s) => s.client.call('XINFO', 'STREAM', 'k', 'FULL')));
    for (const s of servers) {
      await s.client.bgrewriteaof();
      for (let i = 0; i < 200; i++) {
        if (/aof_rewrite_in_progress:0/.test((await s.client.info('persistence')) as string) && /base/.test(fs.readdirSync(path.join(s.dir, 'appendonlydir')).join())) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const bases = servers.map((s) => aofFile(s.dir, 'b'));
    expect(bases[1]).toBe(bases[0]);
    expect(bases[0]).toMatch(/XSETID[\s\S]*ENTRIESADDED[\s\S]*MAXDELETEDID/);
    // The rewrite loads back on each server to what was there (consumers' seen times
    // aside; deleted entries are not rewritten, so the nodes are laid out anew).
    const dropSeen = (v: unknown) =>
      show(v)
        .replace(/"seen-time",\d+/g, '"seen-time",0')
        .replace(/"radix-tree-(keys|nodes)",\d+/g, '"radix-tree-$1",0');
    for (let i = 0; i < 2; i++) {
      const s = servers[i];
      await stop(s);
      const again = await start(s.kind, s.dir, AOF);
      expect(dropSeen(await again.client.call('XINFO', 'STREAM', 'k', 'FULL'))).toBe(dropSeen(before[i]));
      await again.client.select(2);
      expect(show(await again.client.call('XINFO', 'STREAM', 'mk', 'FULL'))).toMatch(/"length",0/);
      await stop(again);
    }
  });
});
