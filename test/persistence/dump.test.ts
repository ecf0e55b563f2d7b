/**
 * DUMP and RESTORE against redis-server 7.0.15, in RESP2 and RESP3: payloads
 * byte for byte equal for every encoding (hashtable sets and hashes, whose
 * order follows each process's hash seed, compared decoded by restoring each
 * server's payload into the other), RESTORE's options and every error reply,
 * payloads from Redis accepted, and corrupt payloads (bad checksum, bad
 * version, bytes flipped under a valid checksum) refused without harm.
 */
import { describe, expect, test } from 'vitest';
import { PROTOCOLS, useDifferential, N, type Reply } from '../helpers/differential';
import { withCrc } from '../helpers/crc64';
import { formatReply, type Arg } from '../helpers/resp';

/** A DUMP payload around an RDB value body: body, RDB version, CRC64 (little endian). */
function payload(body: Buffer, version = 10): Buffer {
  return withCrc(Buffer.concat([body, Buffer.from([version & 0xff, version >> 8])]));
}
const bodyOf = (p: Buffer) => p.subarray(0, p.length - 10);
const bulk = (r: Reply): Buffer => {
  if (r.type !== 'bulk' || !r.value) throw new Error(`expected a bulk reply, got ${formatReply(r)}`);
  return r.value;
};

const big = (n: number, s: string) => s.repeat(Math.ceil(n / s.length)).slice(0, n);

// One value per encoding (and string form), built the same way on both servers.
const SAMPLES: [string, Arg[][]][] = [
  ['str-embstr', [['SET', 'k', 'hello']]],
  ['str-int8', [['SET', 'k', '-100']]],
  ['str-int32', [['SET', 'k', '2147483647']]],
  ['str-int64', [['SET', 'k', '9223372036854775807']]],
  ['str-11-digits', [['SET', 'k', '12345678901']]],
  ['str-raw-lzf', [['SET', 'k', big(500, 'compress me ')]]],
  ['str-raw-incompressible', [['SET', 'k', Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 131 + 7) % 256))]]],
  ['str-21-bytes', [['SET', 'k', 'aaaaaaaaaaaaaaaaaaaaa']]],
  ['str-empty', [['SET', 'k', '']]],
  ['str-after-append', [['SET', 'k', '1'], ['APPEND', 'k', '23']]],
  ['str-float', [['INCRBYFLOAT', 'k', '1.1']]],
  ['list-small', [['RPUSH', 'k', 'a', '1', '-2', '3000000000', big(70, 'x')]]],
  ['list-many-nodes', [['RPUSH', 'k', ...Array.from({ length: 3000 }, (_, i) => `e${i}`)]]],
  ['list-fill-3', [['CONFIG', 'SET', 'list-max-listpack-size', '3'], ['RPUSH', 'k', ...'abcdefgh'.split('')]]],
  [
    'list-compressed-nodes',
    [['CONFIG', 'SET', 'list-compress-depth', '1'], ['RPUSH', 'k', ...Array.from({ length: 2500 }, (_, i) => `value-${i % 7}`)]],
  ],
  ['list-big-element', [['RPUSH', 'k', big(20000, 'big'), 'x']]],
  ['set-intset16', [['SADD', 'k', '1', '5', '-3']]],
  ['set-intset32', [['SADD', 'k', '1', '100000']]],
  ['set-intset64-then-removed', [['SADD', 'k', '1', '9000000000'], ['SREM', 'k', '9000000000']]],
  ['zset-listpack', [['ZADD', 'k', '1', 'a', '2.5', 'b', '-1', 'c', 'inf', 'd', '1e300', 'e']]],
  ['zset-listpack-int-scores', [['ZADD', 'k', '4611686018427387904', 'big', '-0', 'zero', '7', 'seven']]],
  ['zset-skiplist', [['ZADD', 'k', ...Array.from({ length: 200 }, (_, i) => [String(i * 0.25), `m${i}`]).flat()]]],
  ['zset-skiplist-long-member', [['ZADD', 'k', '1', big(80, 'm')]]],
  ['hash-listpack', [['HSET', 'k', 'f', 'v', 'n', '123', 'e', '']]],
  ['hash-listpack-incr', [['HINCRBY', 'k', 'c', '5'], ['HINCRBYFLOAT', 'k', 'f', '0.5']]],
];

const HASHTABLE_SAMPLES: [string, Arg[][]][] = [
  ['set-hashtable', [['SADD', 'k', 'a', 'b', 'c', '1']]],
  ['set-hashtable-big', [['SADD', 'k', ...Array.from({ length: 700 }, (_, i) => String(i))]]],
  ['hash-hashtable', [['HSET', 'k', 'long', big(100, 'v'), 'x', 'y']]],
  ['hash-hashtable-many', [['HSET', 'k', ...Array.from({ length: 600 }, (_, i) => [`f${i}`, `v${i}`]).flat()]]],
];

/** Settings the samples change, put back after each use. */
async function defaults(d: ReturnType<typeof useDifferential>): Promise<void> {
  for (const [k, v] of [
    ['list-max-listpack-size', '-2'],
    ['list-compress-depth', '0'],
    ['maxmemory-policy', 'noeviction'],
  ]) {
    await d.adminCall('CONFIG', 'SET', k, v);
  }
}

describe.each(PROTOCOLS)('DUMP (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test.each(SAMPLES)('%s: the same bytes as Redis', async (_name, setup) => {
    try {
      for (const cmd of setup) await d.main.setup(cmd);
      await d.main.check(['DUMP', 'k'], ['OBJECT', 'ENCODING', 'k']);
    } finally {
      await defaults(d);
    }
  });

  test('DUMP of a missing key is a null; of a key in another db too', async () => {
    await d.main.check(['DUMP', 'nothing'], ['SET', 'x', '1'], ['SELECT', '1'], ['DUMP', 'x']);
  });

  test.each(HASHTABLE_SAMPLES)('%s: payloads decode to the same value on both servers', async (_name, setup) => {
    for (const cmd of setup) await d.main.setup(cmd);
    const { ref, target } = await d.main.both('DUMP', 'k');
    // Same elements, same encodings: same size, whatever the order.
    expect(bulk(target).length).toBe(bulk(ref).length);
    // Each server restores both payloads; everything must read back the same.
    await d.main.check(
      ['RESTORE', 'copy-of-redis', '0', bulk(ref)],
      ['RESTORE', 'copy-of-tachyon', '0', bulk(target)],
      ['OBJECT', 'ENCODING', 'copy-of-redis'],
      ['OBJECT', 'ENCODING', 'copy-of-tachyon'],
    );
    const type = formatReply((await d.main.both('TYPE', 'k')).ref);
    const read = (key: string): Arg[] => (type === '+hash' ? ['HGETALL', key] : ['SMEMBERS', key]);
    await d.main.check(read('k'), read('copy-of-redis'), read('copy-of-tachyon'));
    const mine = await d.main.target.call(...read('copy-of-redis'));
    const theirs = await d.main.target.call(...read('k'));
    const canon = type === '+hash' ? N.pairs : N.sorted;
    expect(formatReply(canon(mine, mine))).toBe(formatReply(canon(theirs, theirs)));
  });
});

describe.each(PROTOCOLS)('RESTORE (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  // A payload made by Redis, used on both servers.
  const redisPayload = async (cmds: Arg[][]): Promise<Buffer> => {
    for (const c of cmds) await d.adminCall(...c);
    const { ref } = await d.adminCall('DUMP', 'src');
    await d.adminCall('DEL', 'src');
    return bulk(ref);
  };

  test('options: REPLACE, ABSTTL, IDLETIME, FREQ, and their errors', async () => {
    const p = await redisPayload([['SET', 'src', 'value']]);
    await d.main.check(
      ['RESTORE', 'k', '0', p],
      ['GET', 'k'],
      ['RESTORE', 'k', '0', p],
      ['RESTORE', 'k', '0', p, 'REPLACE'],
      ['RESTORE', 'k', '0', p, 'replace', 'REPLACE'],
      ['RESTORE', 't', '100000', p],
      ['PTTL', 't'],
      ['RESTORE', 'a', String(Date.now() + 100000), p, 'ABSTTL'],
      ['PTTL', 'a'],
      ['RESTORE', 'past', '1', p, 'ABSTTL'],
      ['EXISTS', 'past'],
      ['SET', 'gone', 'x'],
      ['RESTORE', 'gone', '1', p, 'ABSTTL', 'REPLACE'],
      ['EXISTS', 'gone'],
      ['RESTORE', 'i', '0', p, 'IDLETIME', '1000'],
      ['OBJECT', 'IDLETIME', 'i'],
      ['RESTORE', 'f', '0', p, 'FREQ', '10'],
      ['RESTORE', 'e1', '-1', p],
      ['RESTORE', 'e2', 'x', p],
      ['RESTORE', 'e3', '0', p, 'IDLETIME', '-1'],
      ['RESTORE', 'e4', '0', p, 'IDLETIME', 'x'],
      ['RESTORE', 'e5', '0', p, 'FREQ', '256'],
      ['RESTORE', 'e6', '0', p, 'FREQ', '-1'],
      ['RESTORE', 'e7', '0', p, 'IDLETIME', '1', 'FREQ', '1'],
      ['RESTORE', 'e8', '0', p, 'FREQ', '1', 'IDLETIME', '1'],
      ['RESTORE', 'e9', '0', p, 'BOGUS'],
      ['RESTORE', 'e10', '0', p, 'IDLETIME'],
      ['RESTORE', 'e11'],
      ['RESTORE-ASKING', 'ask', '0', p],
      ['GET', 'ask'],
    );
  });

  test('under an LFU policy FREQ is kept, IDLETIME ignored', async () => {
    const p = await redisPayload([['SET', 'src', 'v']]);
    await d.main.check(
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
      ['RESTORE', 'f', '0', p, 'FREQ', '77'],
      ['OBJECT', 'FREQ', 'f'],
      ['RESTORE', 'i', '0', p, 'IDLETIME', '50'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
    );
  });

  test('payloads from Redis of every encoding restore to the same value', async () => {
    for (const [, setup] of [...SAMPLES, ...HASHTABLE_SAMPLES]) {
      const p = await redisPayload(setup.map((c) => (c[0] === 'CONFIG' ? c : [c[0], 'src', ...c.slice(2)])));
      await d.main.check(['RESTORE', 'k', '0', p, 'REPLACE'], ['TYPE', 'k'], ['OBJECT', 'ENCODING', 'k']);
      const type = formatReply((await d.main.both('TYPE', 'k')).ref);
      const read: Record<string, Arg[]> = {
        '+string': ['GET', 'k'],
        '+list': ['LRANGE', 'k', '0', '-1'],
        '+set': ['SMEMBERS', 'k'],
        '+zset': ['ZRANGE', 'k', '0', '-1', 'WITHSCORES'],
        '+hash': ['HGETALL', 'k'],
      };
      await d.main.check(read[type]);
      await defaults(d);
    }
  });

  test('wrong checksum, wrong version, too short, and bad bodies', async () => {
    const good = await redisPayload([['RPUSH', 'src', 'a', 'b', 'c']]);
    const badCrc = Buffer.from(good);
    badCrc[badCrc.length - 1] ^= 0xff;
    const future = payload(bodyOf(good), 11);
    const older = payload(bodyOf(good), 9);
    await d.main.check(
      ['RESTORE', 'k1', '0', badCrc],
      ['RESTORE', 'k2', '0', future],
      ['RESTORE', 'k3', '0', older],
      ['RESTORE', 'k4', '0', 'short'],
      ['RESTORE', 'k5', '0', ''],
      ['RESTORE', 'k6', '0', payload(Buffer.from([]))],
      ['RESTORE', 'k7', '0', payload(Buffer.from([200, 1, 2]))],
      ['RESTORE', 'k8', '0', payload(Buffer.from([8, 1, 2]))],
      ['RESTORE', 'k9', '0', payload(Buffer.from([0, 0xc3, 5, 50, 1, 2, 3, 4, 5]))],
      ['RESTORE', 'k10', '0', payload(Buffer.from([2, 0]))],
      ['RESTORE', 'k11', '0', payload(Buffer.from([11, 8, 2, 0, 0, 0, 1, 0, 0, 0]))],
      ['KEYS', '*'],
    );
  });

  test('corrupt bodies under a valid checksum never hurt the server', async () => {
    const sources: Arg[][][] = [
      [['RPUSH', 'src', 'a', 'bb', '1', '2000000', big(40, 'c')]],
      [['HSET', 'src', 'f1', 'v1', 'f2', '2']],
      [['ZADD', 'src', '1', 'a', '2', 'b', '2.5', 'c']],
      [['SADD', 'src', '1', '2', '300', '70000']],
      [['SADD', 'src', 'a', 'b']],
      [['SET', 'src', big(300, 'lzf it ')]],
    ];
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    let refused = 0;
    for (const src of sources) {
      const body = bodyOf(await redisPayload(src));
      for (let i = 0; i < 60; i++) {
        const b = Buffer.from(body);
        const flips = 1 + (rand() % 3);
        for (let f = 0; f < flips; f++) b[1 + (rand() % (b.length - 1))] ^= 1 << rand() % 8;
        const cut = rand() % 4 === 0 ? b.subarray(0, 1 + (rand() % b.length)) : b;
        const r = await d.main.target.call('RESTORE', 'fuzz', '0', payload(cut), 'REPLACE');
        const text = formatReply(r);
        expect(['+OK', '-ERR Bad data format']).toContain(text);
        if (text !== '+OK') refused++;
        // Whatever was restored must be usable.
        await d.main.target.call('TYPE', 'fuzz');
        await d.main.target.call('DUMP', 'fuzz');
      }
    }
    expect(refused).toBeGreaterThan(100);
    expect(formatReply(await d.main.target.call('PING'))).toBe('+PONG');
  });

  test('sanitize-dump-payload is a setting like in Redis', async () => {
    await d.main.check(
      ['CONFIG', 'SET', 'sanitize-dump-payload', 'yes'],
      ['CONFIG', 'GET', 'sanitize-dump-payload'],
      ['CONFIG', 'SET', 'sanitize-dump-payload', 'clients'],
      ['CONFIG', 'SET', 'sanitize-dump-payload', 'maybe'],
      ['CONFIG', 'SET', 'sanitize-dump-payload', 'no'],
    );
  });
});
