/**
 * Set commands: compared reply-for-reply against a real redis-server 7.0 in
 * RESP2 and RESP3 (encodings, intset order, errors, reply shapes and types),
 * plus property checks of the random commands against Tachyon through
 * ioredis.
 */
import Redis from 'ioredis';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  N,
  PROTOCOLS,
  exp,
  norm,
  useDifferential,
  type Step,
  type StepSpec,
} from '../helpers/differential';
import { WRONGTYPE, NOT_INT, SYNTAX, ARITY, exact, rng } from '../helpers/replies';
import { useIoredis } from '../helpers/ioredis';

const POSITIVE = '-ERR value is out of range, must be positive';

const enc = (key: string, expected: 'intset' | 'hashtable'): StepSpec =>
  exp(['OBJECT', 'ENCODING', key], `"${expected}"`);
const range = (from: number, to: number): string[] => {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(String(i));
  return out;
};

describe.each(PROTOCOLS)('sets (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  afterEach(() => d.adminCall('CONFIG', 'SET', 'set-max-intset-entries', '512'));

  test('SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS basics, arity and types', () =>
    d.check(
      exp(['SADD', 's', '3', '1', '2', '1'], ':3'),
      exp(['SADD', 's', '2', '4'], ':1'),
      exact(['SMEMBERS', 's']),
      exp(['SCARD', 's'], ':4'),
      exp(['SCARD', 'nokey'], ':0'),
      exp(['SISMEMBER', 's', '1'], ':1'),
      exp(['SISMEMBER', 's', '01'], ':0'),
      exp(['SISMEMBER', 's', 'x'], ':0'),
      exp(['SISMEMBER', 'nokey', 'x'], ':0'),
      exact(['SMISMEMBER', 's', '1', 'x', '4', '5', '1']),
      exact(['SMISMEMBER', 'nokey', '1', '2']),
      exact(['SMEMBERS', 'nokey']),
      exp(['SREM', 's', '1', 'x', '1'], ':1'),
      exp(['SREM', 'nokey', '1'], ':0'),
      exact(['SMEMBERS', 's']),
      ['SADD', 't', 'b', 'a', 'c'],
      norm(['SMEMBERS', 't'], N.sorted),
      ['SREM', 't', 'a', 'b', 'c', 'd'],
      exp(['EXISTS', 't'], ':0'),
      ['SADD', 'e', ''],
      ['SISMEMBER', 'e', ''],
      ['SMEMBERS', 'e'],
      exp(['SADD', 's'], ARITY('sadd')),
      exp(['SREM', 's'], ARITY('srem')),
      exp(['SCARD'], ARITY('scard')),
      exp(['SISMEMBER', 's'], ARITY('sismember')),
      exp(['SMISMEMBER', 's'], ARITY('smismember')),
      exp(['SMEMBERS'], ARITY('smembers')),
      ['SET', 'str', 'v'],
      exp(['SADD', 'str', '1'], WRONGTYPE),
      exp(['SREM', 'str', '1'], WRONGTYPE),
      exp(['SCARD', 'str'], WRONGTYPE),
      exp(['SISMEMBER', 'str', '1'], WRONGTYPE),
      exp(['SMISMEMBER', 'str', '1'], WRONGTYPE),
      exp(['SMEMBERS', 'str'], WRONGTYPE),
      exp(['SPOP', 'str'], WRONGTYPE),
      exp(['SPOP', 'str', '0'], WRONGTYPE),
      exp(['SRANDMEMBER', 'str'], WRONGTYPE),
      exp(['SRANDMEMBER', 'str', '0'], WRONGTYPE),
      exp(['SSCAN', 'str', '0'], WRONGTYPE),
      exp(['SINTER', 'str'], WRONGTYPE),
      exp(['SUNION', 'str'], WRONGTYPE),
      exp(['SDIFF', 'str'], WRONGTYPE),
      exp(['SINTERCARD', '1', 'str'], WRONGTYPE),
      ['TYPE', 's'],
    ));

  test('intset encoding and conversions (one-way)', () =>
    d.check(
      ['SADD', 'i', '5', '-3', '100000', '-9223372036854775808', '9223372036854775807', '0'],
      enc('i', 'intset'),
      exact(['SMEMBERS', 'i']),
      ['SADD', 'i', 'x'],
      enc('i', 'hashtable'),
      ['SREM', 'i', 'x'],
      enc('i', 'hashtable'),
      norm(['SMEMBERS', 'i'], N.sorted),
      ...['01', '-0', '+1', ' 1', '1 ', '1.0', '9223372036854775808', '-9223372036854775809', '0x1', ''].flatMap(
        (m, i): Step[] => [['SADD', `n${i}`, m], enc(`n${i}`, 'hashtable'), ['SMEMBERS', `n${i}`]],
      ),
      // a non-integer first member creates a hashtable directly
      ['SADD', 'h', 'a', '1', '2'],
      enc('h', 'hashtable'),
      // size limit
      ['SADD', 'big', ...range(0, 512)],
      enc('big', 'intset'),
      ['SADD', 'big', '511'],
      enc('big', 'intset'),
      ['SADD', 'big', '512'],
      enc('big', 'hashtable'),
      ['SREM', 'big', ...range(0, 510)],
      enc('big', 'hashtable'),
      ['SCARD', 'big'],
      ['SADD', 'big2', ...range(0, 600)],
      enc('big2', 'hashtable'),
      ['CONFIG', 'SET', 'set-max-intset-entries', '3'],
      ['SADD', 'c', '1', '2', '3'],
      enc('c', 'intset'),
      ['SADD', 'c', '4'],
      enc('c', 'hashtable'),
      ['CONFIG', 'SET', 'set-max-intset-entries', '0'],
      ['SADD', 'z', '1'],
      enc('z', 'hashtable'),
    ));

  test('SMOVE', () =>
    d.check(
      ['SADD', 'a', '1', '2', '3'],
      ['SADD', 'b', '3', '4'],
      exp(['SMOVE', 'a', 'b', '1'], ':1'),
      exact(['SMEMBERS', 'a']),
      exact(['SMEMBERS', 'b']),
      exp(['SMOVE', 'a', 'b', '3'], ':1'),
      exact(['SMEMBERS', 'b']),
      exp(['SMOVE', 'a', 'b', '9'], ':0'),
      exp(['SMOVE', 'nokey', 'b', '1'], ':0'),
      exp(['SMOVE', 'a', 'a', '2'], ':1'),
      exp(['SMOVE', 'a', 'a', '9'], ':0'),
      exp(['SMOVE', 'a', 'new', '2'], ':1'),
      exp(['EXISTS', 'a'], ':0'),
      exact(['SMEMBERS', 'new']),
      enc('new', 'intset'),
      ['SADD', 'x', 'hello'],
      exp(['SMOVE', 'x', 'y', 'hello'], ':1'),
      enc('y', 'hashtable'),
      ['SADD', 'x', 'hello'],
      exp(['SMOVE', 'x', 'new', 'hello'], ':1'),
      enc('new', 'hashtable'),
      ['SET', 'str', 'v'],
      ['SADD', 'p', '1'],
      exp(['SMOVE', 'p', 'str', '1'], WRONGTYPE),
      exp(['SMOVE', 'str', 'p', '1'], WRONGTYPE),
      exp(['SMOVE', 'nokey', 'str', '1'], ':0'),
      exact(['SMEMBERS', 'p']),
      ['EXPIRE', 'p', '100'],
      ['SMOVE', 'p', 'q', '1'],
      ['TTL', 'p'],
      ['SADD', 'q2', '5'],
      ['EXPIRE', 'q2', '100'],
      ['SMOVE', 'q', 'q2', '1'],
      ['TTL', 'q2'],
      exp(['SMOVE', 'a', 'b'], ARITY('smove')),
    ));

  test('SINTER SUNION SDIFF and their STORE forms', () =>
    d.check(
      ['SADD', 'a', '1', '2', '3', '4', '5'],
      ['SADD', 'b', '4', '5', '6'],
      ['SADD', 'c', '5', '6', '7', 'x'],
      exact(['SINTER', 'a', 'b']),
      exact(['SINTER', 'a', 'b', 'c']),
      exact(['SINTER', 'a']),
      exact(['SINTER', 'a', 'nokey']),
      exact(['SINTER', 'nokey', 'a']),
      exact(['SINTER', 'a', 'a']),
      exact(['SUNION', 'a', 'b']),
      ['SUNION', 'a', 'b', 'c'],
      exact(['SUNION', 'nokey']),
      exact(['SUNION', 'nokey', 'a']),
      exact(['SDIFF', 'a', 'b']),
      exact(['SDIFF', 'a', 'b', 'c']),
      exact(['SDIFF', 'a', 'nokey']),
      exact(['SDIFF', 'nokey', 'a']),
      exact(['SDIFF', 'a', 'a']),
      exact(['SDIFF', 'a', 'b', 'a']),
      ['SDIFF', 'c', 'a'],
      exact(['SINTER', 'nokey', 'str']),
      ['SET', 'str', 'v'],
      exp(['SINTER', 'nokey', 'str'], WRONGTYPE),
      exp(['SINTER', 'a', 'str'], WRONGTYPE),
      exp(['SUNION', 'a', 'str'], WRONGTYPE),
      exp(['SDIFF', 'nokey', 'str'], WRONGTYPE),
      exp(['SDIFF', 'a', 'str'], WRONGTYPE),
      exp(['SINTERSTORE', 'd', 'a', 'str'], WRONGTYPE),
      exp(['SINTERSTORE', 'str', 'a', 'b'], ':2'),
      exp(['TYPE', 'str'], '+set'),
      exact(['SMEMBERS', 'str']),
      enc('str', 'intset'),
      ['SET', 'str', 'v', 'EX', '100'],
      exp(['SUNIONSTORE', 'str', 'a', 'c'], ':8'),
      ['TTL', 'str'],
      enc('str', 'hashtable'),
      ['SDIFFSTORE', 'str', 'c', 'b'],
      enc('str', 'hashtable'),
      norm(['SMEMBERS', 'str'], N.sorted),
      ['SDIFFSTORE', 'str', 'c', 'c'],
      exp(['EXISTS', 'str'], ':0'),
      ['SADD', 'str', '1'],
      exp(['SINTERSTORE', 'str', 'a', 'nokey'], ':0'),
      exp(['EXISTS', 'str'], ':0'),
      exp(['SUNIONSTORE', 'dst', 'nokey'], ':0'),
      exp(['SDIFFSTORE', 'dst', 'nokey', 'a'], ':0'),
      // destination is also a source
      ['SINTERSTORE', 'a2', 'a'],
      exp(['SINTERSTORE', 'a2', 'a2', 'b'], ':2'),
      exact(['SMEMBERS', 'a2']),
      ['SUNIONSTORE', 'a2', 'a2', 'c'],
      norm(['SMEMBERS', 'a2'], N.sorted),
      ['SDIFFSTORE', 'b', 'b', 'a'],
      exact(['SMEMBERS', 'b']),
      // results made of integers taken from a hashtable are intsets again
      ['SADD', 'mixed', 'x', '10', '3'],
      ['SREM', 'mixed', 'x'],
      enc('mixed', 'hashtable'),
      ['SUNIONSTORE', 'r1', 'mixed'],
      enc('r1', 'intset'),
      exact(['SMEMBERS', 'r1']),
      exact(['SUNION', 'mixed']),
      exact(['SDIFF', 'mixed', 'nokey']),
      ['SINTERSTORE', 'r2', 'mixed', 'mixed'],
      enc('r2', 'intset'),
      exp(['SINTER'], ARITY('sinter')),
      exp(['SINTERSTORE', 'd'], ARITY('sinterstore')),
      exp(['SUNIONSTORE', 'd'], ARITY('sunionstore')),
      exp(['SDIFFSTORE', 'd'], ARITY('sdiffstore')),
    ));

  test('SDIFF algorithm choice shows in the stored encoding', async () => {
    // Algorithm 2 (add all of the first set, then remove) converts the result
    // to a hashtable on the way even though the final result would fit an
    // intset; algorithm 1 does not.
    const first = range(0, 600);
    await d.check(
      ['SADD', 'first', ...first],
      ['SADD', 'o1', ...range(0, 40)],
      ['SADD', 'o2', ...range(40, 80)],
      ['SADD', 'o3', ...range(80, 120)],
      ['SDIFFSTORE', 'r', 'first', 'o1', 'o2', 'o3'],
      ['OBJECT', 'ENCODING', 'r'],
      ['SCARD', 'r'],
      ['SDIFF', 'first', 'o1', 'o2', 'o3'],
      ['SADD', 'small', ...range(0, 20)],
      ['SDIFFSTORE', 'r2', 'small', 'first'],
      exp(['EXISTS', 'r2'], ':0'),
      ['SADD', 'mid', ...range(0, 530)],
      ['SDIFFSTORE', 'r3', 'mid', 'o1'],
      ['OBJECT', 'ENCODING', 'r3'],
      ['SDIFFSTORE', 'r4', 'mid', 'o1', 'nokey', 'nokey2', 'nokey3', 'o2'],
      ['OBJECT', 'ENCODING', 'r4'],
      ['SCARD', 'r4'],
      ['SDIFFSTORE', 'r5', 'first', 'o1', 'o2', 'o3', 'mid'],
      ['EXISTS', 'r5'],
    );
  });

  test('SINTERCARD', () =>
    d.check(
      ['SADD', 'a', '1', '2', '3', '4', '5'],
      ['SADD', 'b', '2', '3', '4', '5', 'x'],
      exp(['SINTERCARD', '2', 'a', 'b'], ':4'),
      exp(['SINTERCARD', '1', 'a'], ':5'),
      exp(['SINTERCARD', '2', 'a', 'b', 'LIMIT', '0'], ':4'),
      exp(['SINTERCARD', '2', 'a', 'b', 'LIMIT', '2'], ':2'),
      exp(['SINTERCARD', '2', 'a', 'b', 'limit', '10'], ':4'),
      exp(['SINTERCARD', '2', 'a', 'b', 'LIMIT', '1', 'LIMIT', '3'], ':3'),
      exp(['SINTERCARD', '2', 'a', 'nokey'], ':0'),
      exp(['SINTERCARD', '1', 'nokey'], ':0'),
      exp(['SINTERCARD', '0', 'a'], '-ERR numkeys should be greater than 0'),
      exp(['SINTERCARD', '-1', 'a'], '-ERR numkeys should be greater than 0'),
      exp(['SINTERCARD', 'x', 'a'], '-ERR numkeys should be greater than 0'),
      exp(['SINTERCARD', '3', 'a', 'b'], "-ERR Number of keys can't be greater than number of args"),
      exp(['SINTERCARD', '1', 'a', 'b'], SYNTAX),
      exp(['SINTERCARD', '1', 'a', 'LIMIT'], SYNTAX),
      exp(['SINTERCARD', '1', 'a', 'LIMIT', '-1'], "-ERR LIMIT can't be negative"),
      exp(['SINTERCARD', '1', 'a', 'LIMIT', 'x'], "-ERR LIMIT can't be negative"),
      exp(['SINTERCARD', '1'], ARITY('sintercard')),
      ['SET', 'str', 'v'],
      exp(['SINTERCARD', '2', 'nokey', 'str'], WRONGTYPE),
      exp(['SINTERCARD', '2', 'str', 'a', 'LIMIT', 'x'], "-ERR LIMIT can't be negative"),
    ));

  test('SPOP and SRANDMEMBER: errors and deterministic cases', () =>
    d.check(
      exp(['SPOP', 'nokey'], protocol === 2 ? 'nil' : '_'),
      exact(['SPOP', 'nokey', '3']),
      exact(['SPOP', 'nokey', '0']),
      exp(['SRANDMEMBER', 'nokey'], protocol === 2 ? 'nil' : '_'),
      exact(['SRANDMEMBER', 'nokey', '3']),
      exact(['SRANDMEMBER', 'nokey', '-3']),
      exp(['SPOP', 'nokey', '-1'], POSITIVE),
      exp(['SPOP', 'nokey', 'x'], POSITIVE),
      exp(['SPOP', 'nokey', '1', '2'], SYNTAX),
      exp(['SRANDMEMBER', 'nokey', 'x'], NOT_INT),
      exp(['SRANDMEMBER', 'nokey', '1', '2'], SYNTAX),
      exp(['SRANDMEMBER', 'nokey', '-9223372036854775808'], /out of range, value must between/),
      ['SADD', 's', '5', '1', '3'],
      exact(['SPOP', 's', '0']),
      exact(['SRANDMEMBER', 's', '0']),
      exact(['SRANDMEMBER', 's', '3']),
      exact(['SRANDMEMBER', 's', '100']),
      norm(['SRANDMEMBER', 's'], N.shape),
      norm(['SRANDMEMBER', 's', '1'], N.shape),
      norm(['SRANDMEMBER', 's', '2'], N.shape),
      norm(['SRANDMEMBER', 's', '-7'], N.shape),
      norm(['SPOP', 's', '1'], N.shape),
      exp(['SCARD', 's'], ':2'),
      norm(['SPOP', 's'], N.shape),
      exp(['SCARD', 's'], ':1'),
      norm(['SPOP', 's', '5'], N.shape),
      exp(['EXISTS', 's'], ':0'),
      // SPOP of the whole set replies like SUNION: ascending for integers
      ['SADD', 's', '30', '10', '20'],
      exact(['SPOP', 's', '3']),
      exp(['EXISTS', 's'], ':0'),
      ['SADD', 'm', 'x', '30', '10', '20'],
      ['SREM', 'm', 'x'],
      exact(['SPOP', 'm', '10']),
      ['SADD', 'one', 'only'],
      exact(['SRANDMEMBER', 'one']),
      exact(['SRANDMEMBER', 'one', '-3']),
      exact(['SRANDMEMBER', 'one', '1']),
      exact(['SPOP', 'one']),
      exp(['EXISTS', 'one'], ':0'),
      ['SADD', 'one', 'only'],
      ['EXPIRE', 'one', '100'],
      exact(['SPOP', 'one', '1']),
      exp(['EXISTS', 'one'], ':0'),
      ['SADD', 'str2', 'a', 'b', 'c', 'd', 'e', 'f'],
      norm(['SPOP', 'str2', '2'], N.shape),
      norm(['SPOP', 'str2', '3'], N.shape),
      exp(['SCARD', 'str2'], ':1'),
      exp(['SPOP'], ARITY('spop')),
      exp(['SRANDMEMBER'], ARITY('srandmember')),
    ));

  test('SPOP keeps the TTL and the encoding rules', () =>
    d.check(
      ['SADD', 's', ...range(0, 100)],
      ['EXPIRE', 's', '1000'],
      norm(['SPOP', 's', '90'], N.shape),
      ['TTL', 's'],
      enc('s', 'intset'),
      exp(['SCARD', 's'], ':10'),
      norm(['SPOP', 's', '1'], N.shape),
      ['TTL', 's'],
      // the survivors of a large SPOP form a new set: integers only -> intset
      ['SADD', 'h', 'a', 'b', ...range(0, 100)],
      ['SREM', 'h', 'a', 'b'],
      norm(['SPOP', 'h', '95'], N.shape),
      enc('h', 'intset'),
      exp(['SCARD', 'h'], ':5'),
      ['SADD', 'h1', ...range(0, 100).map((i) => `m${i}`)],
      norm(['SPOP', 'h1', '95'], N.shape),
      enc('h1', 'hashtable'),
      ['SADD', 'h2', 'x', ...range(0, 100)],
      norm(['SPOP', 'h2', '10'], N.shape),
      enc('h2', 'hashtable'),
      exp(['SCARD', 'h2'], ':91'),
    ));

  test('SSCAN', async () => {
    await d.check(
      exact(['SSCAN', 'nokey', '0']),
      exact(['SSCAN', 'nokey', '0', 'COUNT', '0']),
      exp(['SSCAN', 'nokey', 'x'], '-ERR invalid cursor'),
      ['SADD', 's', '3', '1', '12', '2', '-5'],
      exact(['SSCAN', 's', '0']),
      exact(['SSCAN', 's', '77']),
      exact(['SSCAN', 's', '0', 'MATCH', '1*']),
      exact(['SSCAN', 's', '0', 'MATCH', '-*', 'COUNT', '1']),
      exact(['SSCAN', 's', '-1']),
      exp(['SSCAN', 's', '0', 'COUNT', '0'], SYNTAX),
      exp(['SSCAN', 's', '0', 'COUNT', 'x'], NOT_INT),
      exp(['SSCAN', 's', '0', 'TYPE', 'set'], SYNTAX),
      exp(['SSCAN', 's', '0', 'MATCH'], SYNTAX),
      exp(['SSCAN', 's', '1.5'], '-ERR invalid cursor'),
      exp(['SSCAN', 's'], ARITY('sscan')),
      ['SADD', 'h', ...range(0, 1000).map((i) => `m${i}`)],
      enc('h', 'hashtable'),
    );
    await d.checkScan(['SSCAN', 'h', 0]);
    await d.checkScan(['SSCAN', 'h', 0, 'COUNT', 3]);
    await d.checkScan(['SSCAN', 'h', 0, 'COUNT', 5000]);
    expect((await d.checkScan(['SSCAN', 'h', 0, 'MATCH', 'm9*'])).length).toBe(111);
  });

  test('large sets', async () => {
    const a = range(0, 3000).map((i) => (Number(i) % 2 ? `s${i}` : i));
    const b = range(1500, 4500).map((i) => (Number(i) % 2 ? `s${i}` : i));
    await d.check(
      ['SADD', 'a', ...a],
      ['SADD', 'b', ...b],
      ['SCARD', 'a'],
      ['SINTER', 'a', 'b'],
      ['SINTERCARD', '2', 'a', 'b'],
      ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '100'],
      ['SUNION', 'a', 'b'],
      ['SDIFF', 'a', 'b'],
      ['SDIFF', 'b', 'a'],
      ['SINTERSTORE', 'i', 'a', 'b'],
      ['OBJECT', 'ENCODING', 'i'],
      ['SUNIONSTORE', 'u', 'a', 'b'],
      ['SDIFFSTORE', 'df', 'a', 'b'],
      ['SMEMBERS', 'df'],
      ['SREM', 'a', ...a.slice(0, 2990)],
      ['SMEMBERS', 'a'],
      ['OBJECT', 'ENCODING', 'a'],
      ['SMISMEMBER', 'a', ...a.slice(2980)],
    );
  });

  test('random operation scripts', async () => {
    const rand = rng(protocol * 104729 + 3);
    const pick = <T,>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const keys = ['s1', 's2', 's3', 's4'];
    const member = () =>
      rand() < 0.8 ? String(Math.floor(rand() * 30) - 5) : pick(['a', 'b', 'c', '01', '-0', 'x'.repeat(10)]);
    for (let round = 0; round < 4; round++) {
      const steps: Step[] = [['CONFIG', 'SET', 'set-max-intset-entries', String(pick([4, 16, 512]))]];
      for (let i = 0; i < 150; i++) {
        const k = pick(keys);
        const r = rand();
        if (r < 0.3) steps.push(['SADD', k, member(), member(), member()]);
        else if (r < 0.45) steps.push(['SREM', k, member(), member()]);
        else if (r < 0.5) steps.push(['SMOVE', k, pick(keys), member()]);
        else if (r < 0.55) steps.push(['SISMEMBER', k, member()], ['SMISMEMBER', k, member(), member()]);
        else if (r < 0.6) steps.push(['SCARD', k], ['OBJECT', 'ENCODING', k]);
        else if (r < 0.66) steps.push([pick(['SINTER', 'SUNION', 'SDIFF']), k, pick(keys), pick(keys)]);
        else if (r < 0.74) {
          steps.push([pick(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), pick(keys), k, pick(keys)]);
          steps.push(['OBJECT', 'ENCODING', k]);
        } else if (r < 0.78) steps.push(['SINTERCARD', '2', k, pick(keys), 'LIMIT', String(Math.floor(rand() * 4))]);
        // only SPOPs whose effect is deterministic: none, or the whole set
        else if (r < 0.84) steps.push(norm(['SPOP', k, pick(['0', '1000'])], N.sorted), ['EXISTS', k]);
        else if (r < 0.88) steps.push(norm(['SRANDMEMBER', k, String(Math.floor(rand() * 10) - 5)], N.shape));
        else if (r < 0.95) steps.push(['SMEMBERS', k]);
        else steps.push(['DEL', k]);
      }
      steps.push(...keys.map((k): Step => ['SMEMBERS', k]), ['DEL', ...keys]);
      await d.check(...steps);
    }
  });
});

describe('sets through ioredis (random commands)', () => {
  const fixture = useIoredis();
  let r: Redis;
  beforeAll(() => {
    r = fixture.redis;
  });

  async function fill(key: string, members: string[]) {
    await r.del(key);
    await r.sadd(key, ...members);
  }

  const ints = range(0, 60);
  const strs = ints.map((i) => `m${i}`);

  test.each([
    ['intset', ints],
    ['hashtable', strs],
  ])('SRANDMEMBER on a %s set', async (encoding, members) => {
    await fill('s', members as string[]);
    expect(await r.object('ENCODING', 's')).toBe(encoding);
    const all = new Set(members as string[]);
    for (let i = 0; i < 20; i++) expect(all.has((await r.srandmember('s')) as string)).toBe(true);
    for (const count of [1, 2, 19, 20, 21, 40, 59]) {
      const got = (await r.srandmember('s', count)) as string[];
      expect(got.length).toBe(count);
      expect(new Set(got).size).toBe(count);
      for (const m of got) expect(all.has(m)).toBe(true);
    }
    const many = (await r.srandmember('s', -6000)) as string[];
    expect(many.length).toBe(6000);
    expect(new Set(many).size).toBe(60);
    const counts = new Map<string, number>();
    for (const m of many) counts.set(m, (counts.get(m) ?? 0) + 1);
    // Fair but not uniform (bucket sampling, as dictGetFairRandomKey): every member turns up.
    for (const n of counts.values()) expect(n).toBeGreaterThan(10);
    expect(await r.scard('s')).toBe(60);
  });

  test.each([
    ['intset', ints],
    ['hashtable', strs],
  ])('SPOP on a %s set removes exactly what it returns', async (encoding, members) => {
    for (const count of [1, 3, 11, 12, 13, 40, 59, 60, 100]) {
      await fill('s', members as string[]);
      expect(await r.object('ENCODING', 's')).toBe(encoding);
      const popped = (await r.spop('s', count)) as string[];
      const expected = Math.min(count, 60);
      expect(popped.length).toBe(expected);
      expect(new Set(popped).size).toBe(expected);
      const rest = await r.smembers('s');
      expect(rest.length).toBe(60 - expected);
      const all = new Set([...popped, ...rest]);
      expect(all.size).toBe(60);
      for (const m of members as string[]) expect(all.has(m)).toBe(true);
      if (expected === 60) expect(await r.exists('s')).toBe(0);
      else expect(await r.object('ENCODING', 's')).toBe(encoding);
    }
    await fill('s', members as string[]);
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const m = (await r.spop('s')) as string;
      expect(seen.has(m)).toBe(false);
      seen.add(m);
    }
    expect(seen.size).toBe(60);
    expect(await r.exists('s')).toBe(0);
    expect(await r.spop('s')).toBe(null);
  });

  test('SPOP of most of an intset replies the popped members in ascending order', async () => {
    await fill('s', range(0, 100));
    const popped = ((await r.spop('s', 90)) as string[]).map(Number);
    expect([...popped].sort((a, b) => a - b)).toEqual(popped);
  });

  test('SSCAN over a changing hashtable returns every stable member', async () => {
    await fill('s', strs.concat(range(0, 3000).map((i) => `z${i}`)));
    const seen = new Set<string>();
    let cursor = '0';
    let step = 0;
    do {
      const [next, items] = await r.sscan('s', cursor, 'COUNT', 25);
      for (const m of items) seen.add(m);
      cursor = next;
      if (step === 5) await r.sadd('s', ...range(0, 5000).map((i) => `grow${i}`));
      if (step === 30) await r.srem('s', ...range(0, 5000).map((i) => `grow${i}`));
      step++;
    } while (cursor !== '0');
    for (const m of strs) expect(seen.has(m)).toBe(true);
    for (let i = 0; i < 3000; i++) expect(seen.has(`z${i}`)).toBe(true);
  });
});
