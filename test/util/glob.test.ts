/**
 * globMatch (src/util/glob.ts) against Redis 7.0's stringmatchlen: fixed
 * cases, then the same cases (and random ones) checked against a real
 * redis-server with KEYS, which uses the case-sensitive matcher.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globMatch } from '../../src/util/glob';
import { haveRedisServer, startRedisOracle, type RedisOracle } from '../helpers/redis-oracle';
import { RespClient, formatReply } from '../helpers/resp';

const haveRedis = haveRedisServer();
let redis: RedisOracle | undefined;
let client: RespClient | undefined;

beforeAll(async () => {
  if (!haveRedis) return;
  redis = await startRedisOracle();
  client = await RespClient.connect(redis.port);
});

afterAll(async () => {
  client?.close();
  await redis?.close();
});

/** What real Redis's case-sensitive matcher says, through KEYS. */
async function redisMatches(pattern: Buffer, subject: Buffer): Promise<boolean> {
  const c = client as RespClient;
  await c.call('FLUSHALL');
  await c.call('SET', subject, '1');
  const r = await c.call('KEYS', pattern);
  if (r.type !== 'array' || !r.value) throw new Error(`KEYS: ${formatReply(r)}`);
  return r.value.length === 1;
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

// ---------------------------------------------------------------------------
// Fixed cases
// ---------------------------------------------------------------------------

/** [pattern, subject, expected] (latin1: one char = one byte). */
const CASES: [string, string, boolean][] = [
  ['', '', true],
  ['', 'a', false],
  ['a', '', false],
  ['*', '', false], // the loop never runs on an empty subject
  ['**', '', false],
  ['*', 'anything', true],
  ['**', 'x', true],
  ['a*', 'a', true],
  ['a*', 'abc', true],
  ['*c', 'abc', true],
  ['*b*', 'abc', true],
  ['*b*', 'acc', false],
  ['a*b*c', 'axxbyyc', true],
  ['a*b*c', 'axxbyy', false],
  ['h?llo', 'hello', true],
  ['h?llo', 'hllo', false],
  ['h??llo', 'hello', false],
  ['?', '', false],
  ['h[ae]llo', 'hallo', true],
  ['h[ae]llo', 'hillo', false],
  ['h[^e]llo', 'hallo', true],
  ['h[^e]llo', 'hello', false],
  ['h[a-b]llo', 'hbllo', true],
  ['h[a-b]llo', 'hcllo', false],
  ['h[b-a]llo', 'hallo', true], // reversed range
  ['[a-]', '-', false], // not a range: 'a' then '-'... then ']' ends
  ['[a-]', 'a', true],
  ['[-a]', '-', true],
  ['[]a]', ']', false],
  ['[]a]', 'a]', false],
  ['[\\]]', ']', true],
  ['[\\-]', '-', true],
  ['[\\', '\\', true], // unterminated class holding an escaped... nothing: '\' itself
  ['[a', 'a', true], // unterminated class
  ['[a', 'b', false],
  ['[^a', 'b', true],
  ['[^', 'x', true],
  ['[', 'x', false],
  ['[ab', 'ab', false],
  ['x[', 'x', false],
  ['\\*', '*', true],
  ['\\*', 'a', false],
  ['\\?', '?', true],
  ['\\', '\\', true], // lone trailing backslash matches a backslash
  ['a\\', 'a\\', true],
  ['\\a', 'a', true],
  ['*\\', 'x\\', true],
  ['[*]', '*', true],
  ['[?]', 'a', false],
  ['a[bc]*d', 'acxxd', true],
  ['*[0-9]', 'key9', true],
  ['*[0-9]', 'key', false],
  ['user:*:name', 'user:42:name', true],
  ['user:*:name', 'user:42:age', false],
  ['\xe9*', '\xe9t\xe9', true],
  ['[\x01-\xff]', '\xff', true], // 0xff is -1 as a signed char: inside [-1, 1]
  ['[\x01-\xff]', '\x80', false], // -128 is outside
  ['[\x01-\xff]', 'a', false],
  ['[a-\xff]', '\x00', true],
  ['[\x80-\xff]', '\x90', true],
  ['[^\x80-\xff]', 'a', true],
  ['*a*a*a*a*a*a*a*b', 'a'.repeat(60), false],
];

describe('globMatch: Redis stringmatchlen semantics', () => {
  it.each(CASES)('%j ~ %j -> %s', (pattern, subject, expected) => {
    expect(globMatch(b(pattern), b(subject))).toBe(expected);
  });

  it('accepts strings (as UTF-8) and Buffers alike', () => {
    expect(globMatch('caf*', 'café')).toBe(true);
    expect(globMatch('caf?', 'café')).toBe(false); // é is two bytes
    expect(globMatch('caf??', 'café')).toBe(true);
    expect(globMatch(Buffer.from('h*o'), Buffer.from('hello'))).toBe(true);
  });

  it('nocase folds ASCII only, like tolower() in the C locale', () => {
    expect(globMatch('HELLO', 'hello', true)).toBe(true);
    expect(globMatch('HELLO', 'hello')).toBe(false);
    expect(globMatch('h[A-Z]llo', 'hello', true)).toBe(true);
    expect(globMatch('h[a-z]llo', 'HELLO', true)).toBe(true);
    expect(globMatch('h[E]llo', 'hello', true)).toBe(true);
    expect(globMatch('h[^E]llo', 'hello', true)).toBe(false);
    expect(globMatch(b('\xc9'), b('\xe9'), true)).toBe(false); // no Latin-1 folding
    // An escaped char inside a class compares case-sensitively even with nocase.
    expect(globMatch('[\\A]', 'a', true)).toBe(false);
    // Ends are swapped before folding: [Z-a] folds to [z-a], which is empty.
    expect(globMatch('[Z-a]', 'b', true)).toBe(false);
    expect(globMatch('[Z-a]', '_', false)).toBe(true);
    // Outside classes, an escaped char is folded.
    expect(globMatch('\\A', 'a', true)).toBe(true);
  });

  it('stops after 1000 nested stars, like Redis 7.0', () => {
    const s = 'a'.repeat(1200);
    expect(globMatch('a*'.repeat(1001), s)).toBe(true);
    expect(globMatch('a*'.repeat(1002), s)).toBe(false);
  });

  it('is fast on pathological patterns (skipLongerMatches)', () => {
    const t0 = Date.now();
    expect(globMatch(`${'a*'.repeat(40)}b`, 'a'.repeat(10000))).toBe(false);
    expect(globMatch(`*${'?*'.repeat(30)}x`, 'y'.repeat(5000))).toBe(false);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe.skipIf(!haveRedis)('globMatch vs a real redis-server (KEYS)', () => {
  it('agrees on every fixed case', async () => {
    expect(client, 'redis-server did not start').toBeDefined();
    for (const [pattern, subject] of CASES) {
      if (subject === '' || pattern === '*') continue; // KEYS short-circuits '*'; empty keys are special
      const expected = await redisMatches(b(pattern), b(subject));
      expect(globMatch(b(pattern), b(subject)), `${JSON.stringify(pattern)} ~ ${JSON.stringify(subject)}`).toBe(expected);
    }
  });

  it('agrees on the nesting limit', async () => {
    const s = b('a'.repeat(1200));
    for (const n of [1000, 1001, 1002]) {
      const p = b('a*'.repeat(n));
      expect(globMatch(p, s)).toBe(await redisMatches(p, s));
    }
  });

  it('agrees on random patterns over a small alphabet', async () => {
    // Deterministic PRNG so failures reproduce.
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const patAlphabet = ['a', 'b', '*', '?', '[', ']', '^', '-', '\\', '\xe9', '\x80'];
    const strAlphabet = ['a', 'b', '-', ']', '\\', '^', '\xe9', '\x80', '*'];
    for (let i = 0; i < 600; i++) {
      let p = '';
      for (let k = rnd(8) + 1; k > 0; k--) p += patAlphabet[rnd(patAlphabet.length)];
      let s = '';
      for (let k = rnd(6) + 1; k > 0; k--) s += strAlphabet[rnd(strAlphabet.length)];
      if (p === '*') continue;
      const expected = await redisMatches(b(p), b(s));
      expect(globMatch(b(p), b(s)), `${JSON.stringify(p)} ~ ${JSON.stringify(s)}`).toBe(expected);
    }
  });
});
