/**
 * Sorted set commands: compared reply-for-reply against a real redis-server
 * 7.0 in RESP2 and RESP3 (scores, reply shapes, errors, encodings and their
 * transitions, in both listpack and skiplist encodings), plus property checks
 * of the random commands against Tachyon through ioredis.
 */
import Redis from 'ioredis';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  N,
  PROTOCOLS,
  exp,
  norm,
  useDifferential,
  type Arg,
  type Step,
  type StepSpec,
} from '../helpers/differential';
import { WRONGTYPE, NOT_INT, SYNTAX, ARITY, exact, rng } from '../helpers/replies';
import { useIoredis } from '../helpers/ioredis';

const NOT_FLOAT = '-ERR value is not a valid float';
const MINMAX_FLOAT = '-ERR min or max is not a float';
const MINMAX_LEX = '-ERR min or max not valid string range item';
const NAN = '-ERR resulting score is not a number (NaN)';
const LIMIT_RANK = '-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX';
const SCORES_LEX = '-ERR syntax error, WITHSCORES not supported in combination with BYLEX';
const POSITIVE = '-ERR value is out of range, must be positive';
const NEED_KEY = (cmd: string) => `-ERR at least 1 input key is needed for '${cmd}' command`;

const enc = (key: string, expected: 'listpack' | 'skiplist'): StepSpec =>
  exp(['OBJECT', 'ENCODING', key], `"${expected}"`);
const str = (n: number, ch = 'x') => ch.repeat(n);
const setEntries = (n: number): Step => ['CONFIG', 'SET', 'zset-max-listpack-entries', String(n)];

/** Replies of random commands: keep the shape, and sort flat member lists. */
const randShape = N.shape;

// The scripts below run once per encoding: with zset-max-listpack-entries 0
// every zset is a skiplist from its first member.
const ENCODINGS: Array<['listpack' | 'skiplist', number]> = [
  ['listpack', 128],
  ['skiplist', 0],
];

describe.each(PROTOCOLS)('sorted sets (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  afterEach(async () => {
    await d.adminCall('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
    await d.adminCall('CONFIG', 'SET', 'zset-max-listpack-value', '64');
  });

  test('ZADD options, conflicts and replies', () =>
    d.check(
      exp(['ZADD', 'z', '1', 'a', '2', 'b'], ':2'),
      exp(['ZADD', 'z', '1', 'a', '3', 'c'], ':1'),
      exp(['ZADD', 'z', 'CH', '5', 'a', '3', 'c', '4', 'd'], ':2'),
      exp(['ZADD', 'z', 'NX', '10', 'a', '10', 'e'], ':1'),
      exp(['ZADD', 'z', 'XX', '10', 'a', '10', 'f'], ':0'),
      exp(['ZADD', 'z', 'XX', 'CH', '11', 'a', '10', 'f'], ':1'),
      exp(['ZADD', 'z', 'GT', 'CH', '1', 'a', '20', 'b', '7', 'g'], ':2'),
      exp(['ZADD', 'z', 'LT', 'CH', '100', 'a', '1', 'b'], ':1'),
      exp(['ZADD', 'z', 'XX', 'GT', 'CH', '50', 'a', '50', 'zz'], ':1'),
      exp(['ZADD', 'z', 'xx', 'lt', 'ch', '49', 'a'], ':1'),
      exact(['ZRANGE', 'z', '0', '-1', 'WITHSCORES']),
      exp(['ZADD', 'z', 'NX', 'XX', '1', 'a'], '-ERR XX and NX options at the same time are not compatible'),
      exp(['ZADD', 'z', 'NX', 'GT', '1', 'a'], '-ERR GT, LT, and/or NX options at the same time are not compatible'),
      exp(['ZADD', 'z', 'LT', 'NX', '1', 'a'], '-ERR GT, LT, and/or NX options at the same time are not compatible'),
      exp(['ZADD', 'z', 'GT', 'LT', '1', 'a'], '-ERR GT, LT, and/or NX options at the same time are not compatible'),
      exp(['ZADD', 'z', 'INCR', '1', 'a', '2', 'b'], '-ERR INCR option supports a single increment-element pair'),
      exp(['ZADD', 'z', 'NX', 'XX', '1'], SYNTAX),
      exp(['ZADD', 'z', '1', 'a', '2'], SYNTAX),
      exp(['ZADD', 'z', 'CH', 'NX'], SYNTAX),
      exp(['ZADD', 'z', 'CH', '1', 'a', 'x', 'b'], NOT_FLOAT),
      exp(['ZADD', 'z', '1', 'a', 'nan', 'b'], NOT_FLOAT),
      exp(['ZADD', 'z'], ARITY('zadd')),
      exp(['ZADD', 'z', '1'], ARITY('zadd')),
      // nothing applied by a failed command
      exact(['ZRANGE', 'z', '0', '-1', 'WITHSCORES']),
      // XX on a missing key creates nothing
      exp(['ZADD', 'nokey', 'XX', '1', 'a'], ':0'),
      exp(['ZADD', 'nokey', 'XX', 'INCR', '1', 'a'], protocol === 2 ? 'nil' : '_'),
      exp(['EXISTS', 'nokey'], ':0'),
      // INCR
      exact(['ZADD', 'z', 'INCR', '2.5', 'a']),
      exact(['ZADD', 'z', 'INCR', '1', 'new']),
      exp(['ZADD', 'z', 'INCR', 'NX', '1', 'a'], protocol === 2 ? 'nil' : '_'),
      exact(['ZADD', 'z', 'INCR', 'XX', '1', 'a']),
      exp(['ZADD', 'z', 'INCR', 'GT', '-1', 'a'], protocol === 2 ? 'nil' : '_'),
      exact(['ZADD', 'z', 'INCR', 'LT', '-1', 'a']),
      exact(['ZADD', 'z', 'INCR', 'CH', '0', 'a']),
      // ZINCRBY shares the parser: options are read from argv[2]
      exact(['ZINCRBY', 'z', '3', 'a']),
      exact(['ZINCRBY', 'z', '-3', 'fresh']),
      exp(['ZINCRBY', 'z', 'nx', 'a'], SYNTAX),
      exp(['ZINCRBY', 'z', 'abc', 'a'], NOT_FLOAT),
      exact(['ZINCRBY', 'z', '1', 'nx']),
      exp(['ZINCRBY', 'z', '1'], ARITY('zincrby')),
      exact(['ZRANGE', 'z', '0', '-1', 'WITHSCORES']),
      ['ZCARD', 'z'],
    ));

  test('scores: parsing, printing, infinities and NaN', () =>
    d.check(
      exp(['ZADD', 'z', '0.1', 'a', '1e17', 'b', '-0', 'c', '1.5e-310', 'd', '123456789012345678', 'e'], ':5'),
      exp(['ZADD', 'z', '+inf', 'f', '-inf', 'g', 'inf', 'h', '-INF', 'i', '0x10', 'j', '+1.5', 'k', '.5', 'l', '5.', 'm'], ':8'),
      exp(['ZADD', 'z', '1.' + '0'.repeat(400) + '1', 'n'], ':1'),
      exp(['ZADD', 'z', '9007199254740993', 'o', '4611686018427387904', 'p', '-4611686018427387904', 'q'], ':3'),
      exp(['ZADD', 'z', '3.0000000000000004', 'r', '1e300', 's', '-1e-300', 't', '0.30000000000000004', 'u'], ':4'),
      exact(['ZRANGE', 'z', '0', '-1', 'WITHSCORES']),
      exact(['ZSCAN', 'z', '0']),
      ...['a', 'b', 'c', 'd', 'e', 'f', 'g', 'j', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u'].map((m) => exact(['ZSCORE', 'z', m])),
      exp(['ZADD', 'z', ' 1', 'x'], NOT_FLOAT),
      exp(['ZADD', 'z', '1 ', 'x'], NOT_FLOAT),
      exp(['ZADD', 'z', '', 'x'], NOT_FLOAT),
      exp(['ZADD', 'z', '1e400', 'x'], NOT_FLOAT),
      exp(['ZADD', 'z', '-1e400', 'x'], NOT_FLOAT),
      exp(['ZADD', 'z', '1e-400', 'x'], NOT_FLOAT),
      exp(['ZADD', 'z', 'NaN', 'x'], NOT_FLOAT),
      exp(['ZADD', 'z', Buffer.from('1\u00002'), 'x'], NOT_FLOAT),
      // inf + -inf
      exp(['ZADD', 'z', 'INCR', '-inf', 'f'], NAN),
      exp(['ZINCRBY', 'z', '-inf', 'h'], NAN),
      exact(['ZINCRBY', 'z', '+inf', 'h']),
      exact(['ZINCRBY', 'z', '1e308', 's']),
      exact(['ZINCRBY', 'z', '1e308', 's']),
      exact(['ZINCRBY', 'z', '0.1', 'a']),
      exact(['ZINCRBY', 'z', '0.2', 'a']),
      exact(['ZMSCORE', 'z', 'a', 'f', 'nope', 'g']),
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '4'],
      exp(['ZADD', 'w', '-0', 'a', '0.1', 'b', '1e17', 'c', 'inf', 'd', '-inf', 'e', '2.5', 'f'], ':6'),
      enc('w', 'skiplist'),
      exact(['ZRANGE', 'w', '0', '-1', 'WITHSCORES']),
      // -0 stays -0 in a skiplist (a listpack stores it as integer 0)
      exp(['ZADD', 'w', '-0', 'g'], ':1'),
      exact(['ZSCORE', 'w', 'g']),
      exact(['ZSCORE', 'w', 'a']),
      exact(['ZRANGEBYSCORE', 'w', '-inf', '+inf', 'WITHSCORES']),
    ));

  test('WRONGTYPE and arity', () =>
    d.check(
      ['SET', 's', 'v'],
      ['SADD', 'set', 'a'],
      ['ZADD', 'z', '1', 'a'],
      ...(
        [
          ['ZADD', 's', '1', 'a'],
          ['ZINCRBY', 's', '1', 'a'],
          ['ZREM', 's', 'a'],
          ['ZCARD', 's'],
          ['ZCOUNT', 's', '0', '1'],
          ['ZLEXCOUNT', 's', '-', '+'],
          ['ZSCORE', 's', 'a'],
          ['ZMSCORE', 's', 'a'],
          ['ZRANK', 's', 'a'],
          ['ZREVRANK', 's', 'a'],
          ['ZRANGE', 's', '0', '-1'],
          ['ZRANGE', 's', '0', '1', 'BYSCORE'],
          ['ZRANGESTORE', 'dst', 's', '0', '-1'],
          ['ZREVRANGE', 's', '0', '-1'],
          ['ZRANGEBYSCORE', 's', '0', '1'],
          ['ZREVRANGEBYSCORE', 's', '1', '0'],
          ['ZRANGEBYLEX', 's', '-', '+'],
          ['ZREVRANGEBYLEX', 's', '+', '-'],
          ['ZREMRANGEBYRANK', 's', '0', '1'],
          ['ZREMRANGEBYSCORE', 's', '0', '1'],
          ['ZREMRANGEBYLEX', 's', '-', '+'],
          ['ZPOPMIN', 's'],
          ['ZPOPMAX', 's', '2'],
          ['ZMPOP', '2', 'nokey', 's', 'MIN'],
          ['ZRANDMEMBER', 's'],
          ['ZRANDMEMBER', 's', '2'],
          ['ZUNION', '2', 'z', 's'],
          ['ZUNIONSTORE', 'dst', '2', 'z', 's'],
          ['ZINTER', '2', 's', 'z'],
          ['ZINTERSTORE', 'dst', '1', 's'],
          ['ZINTERCARD', '1', 's'],
          ['ZDIFF', '2', 'z', 's'],
          ['ZDIFFSTORE', 'dst', '1', 's'],
          ['ZSCAN', 's', '0'],
        ] as Arg[][]
      ).map((cmd) => exp(cmd, WRONGTYPE)),
      // the type check comes before option errors
      exp(['ZUNION', '1', 's', 'WEIGHTS', 'x'], WRONGTYPE),
      exp(['ZSCAN', 's', '0', 'COUNT', '0'], WRONGTYPE),
      exp(['ZRANDMEMBER', 's', '2', 'WITHSCORES'], WRONGTYPE),
      // ... but after parse errors of the range
      exp(['ZRANGE', 's', 'a', 'b'], NOT_INT),
      exp(['ZCOUNT', 's', 'a', 'b'], MINMAX_FLOAT),
      exp(['ZADD', 's', 'x', 'a'], NOT_FLOAT),
      exp(['ZRANDMEMBER', 's', 'x'], NOT_INT),
      ['GET', 's'],
      ...(
        [
          ['ZCARD'],
          ['ZSCORE', 'z'],
          ['ZMSCORE', 'z'],
          ['ZRANK', 'z'],
          ['ZRANK', 'z', 'a', 'b'],
          ['ZREVRANK', 'z', 'a', 'withscore'],
          ['ZRANGE', 'z', '0'],
          ['ZRANGESTORE', 'd', 'z', '0'],
          ['ZREM', 'z'],
          ['ZCOUNT', 'z', '0'],
          ['ZPOPMIN'],
          ['ZMPOP', '1', 'z'],
          ['ZRANDMEMBER'],
          ['ZUNION', '1'],
          ['ZUNIONSTORE', 'd', '1'],
          ['ZSCAN', 'z'],
          ['ZREMRANGEBYLEX', 'z', '-'],
        ] as Arg[][]
      ).map((cmd) => exp(cmd, ARITY(String(cmd[0]).toLowerCase()))),
    ));

  describe.each(ENCODINGS)('%s encoding', (encoding, entries) => {
    test('ZRANGE by rank, ZREVRANGE, WITHSCORES, REV', () =>
      d.check(
        setEntries(entries),
        ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '5', 'e2', '5', 'E', '-1', 'neg', '10', '10'],
        enc('z', encoding),
        ...(
          [
            ['0', '-1'],
            ['0', '0'],
            ['2', '4'],
            ['-3', '-1'],
            ['-100', '100'],
            ['5', '2'],
            ['9', '10'],
            ['8', '8'],
            ['-1', '-100'],
            ['100', '200'],
            ['-100', '-50'],
          ] as string[][]
        ).flatMap(([a, b]): Step[] => [
          exact(['ZRANGE', 'z', a, b]),
          exact(['ZRANGE', 'z', a, b, 'WITHSCORES']),
          exact(['ZRANGE', 'z', a, b, 'REV', 'WITHSCORES']),
          exact(['ZREVRANGE', 'z', a, b]),
          exact(['ZREVRANGE', 'z', a, b, 'withscores']),
        ]),
        exact(['ZRANGE', 'z', '0', '-1', 'rev', 'rev', 'withscores', 'withscores']),
        exact(['ZRANGE', 'z', '0', '-1', 'LIMIT', '0', '-1']),
        exact(['ZRANGE', 'z', '0', '-1', 'LIMIT', '5', '-1', 'REV']),
        exp(['ZRANGE', 'z', '0', '-1', 'LIMIT', '0', '1'], LIMIT_RANK),
        exp(['ZRANGE', 'z', '0', '-1', 'LIMIT', '0'], SYNTAX),
        exp(['ZRANGE', 'z', '0', '-1', 'LIMIT', 'x', '1'], NOT_INT),
        exp(['ZRANGE', 'z', '0', '-1', 'BYSCORE', 'BYLEX'], SYNTAX),
        exp(['ZRANGE', 'z', '0', '-1', 'BYLEX', 'BYLEX'], SYNTAX),
        exp(['ZRANGE', 'z', '0', '-1', 'FOO'], SYNTAX),
        exp(['ZRANGE', 'z', 'a', '-1'], NOT_INT),
        exp(['ZRANGE', 'z', '0', '1.5'], NOT_INT),
        exp(['ZREVRANGE', 'z', '0', '-1', 'REV'], SYNTAX),
        exp(['ZREVRANGE', 'z', '0', '-1', 'BYSCORE'], SYNTAX),
        exp(['ZREVRANGE', 'z', '0', '-1', 'LIMIT', '0', '1'], LIMIT_RANK),
        exact(['ZRANGE', 'nokey', '0', '-1']),
        exact(['ZRANGE', 'nokey', '0', '-1', 'WITHSCORES']),
        exp(['ZRANGE', 'nokey', 'a', 'b', 'BYSCORE'], MINMAX_FLOAT),
      ));

    test('ZRANGE BYSCORE / ZRANGEBYSCORE / ZREVRANGEBYSCORE', () =>
      d.check(
        setEntries(entries),
        ['ZADD', 'z', '-inf', 'ninf', '1', 'a', '2', 'b', '2', 'bb', '3', 'c', '3.5', 'd', '4', 'e', '+inf', 'pinf', '0', 'zero'],
        enc('z', encoding),
        ...(
          [
            ['-inf', '+inf'],
            ['1', '3'],
            ['(1', '3'],
            ['1', '(3'],
            ['(1', '(3'],
            ['(2', '(2'],
            ['2', '2'],
            ['3', '1'],
            ['-inf', '-inf'],
            ['(-inf', '(+inf'],
            ['+inf', '+inf'],
            ['0', '0'],
            ['-0', '0'],
            ['3.4', '3.6'],
            ['10', '20'],
            ['-20', '-10'],
            ['(4', '+inf'],
          ] as string[][]
        ).flatMap(([min, max]): Step[] => [
          exact(['ZRANGEBYSCORE', 'z', min, max]),
          exact(['ZRANGEBYSCORE', 'z', min, max, 'WITHSCORES']),
          exact(['ZREVRANGEBYSCORE', 'z', max, min, 'WITHSCORES']),
          exact(['ZRANGE', 'z', min, max, 'BYSCORE', 'WITHSCORES']),
          exact(['ZRANGE', 'z', max, min, 'BYSCORE', 'REV']),
          exact(['ZCOUNT', 'z', min, max]),
        ]),
        ...(
          [
            ['0', '2'],
            ['1', '1'],
            ['2', '0'],
            ['3', '100'],
            ['8', '1'],
            ['9', '1'],
            ['100', '1'],
            ['-1', '2'],
            ['0', '-1'],
            ['1', '-5'],
            ['0', '0'],
          ] as string[][]
        ).flatMap(([off, cnt]): Step[] => [
          exact(['ZRANGEBYSCORE', 'z', '-inf', '+inf', 'LIMIT', off, cnt]),
          exact(['ZRANGEBYSCORE', 'z', '(1', '4', 'WITHSCORES', 'LIMIT', off, cnt]),
          exact(['ZREVRANGEBYSCORE', 'z', '+inf', '-inf', 'LIMIT', off, cnt, 'WITHSCORES']),
          exact(['ZRANGE', 'z', '4', '(1', 'BYSCORE', 'REV', 'LIMIT', off, cnt]),
        ]),
        exact(['ZRANGEBYSCORE', 'z', '1', '3', 'LIMIT', '0', '1', 'LIMIT', '1', '1']),
        exp(['ZRANGEBYSCORE', 'z', 'a', '1'], MINMAX_FLOAT),
        exp(['ZRANGEBYSCORE', 'z', '1', '(a'], MINMAX_FLOAT),
        exp(['ZRANGEBYSCORE', 'z', '((1', '2'], MINMAX_FLOAT),
        exp(['ZRANGEBYSCORE', 'z', 'nan', '2'], MINMAX_FLOAT),
        exp(['ZRANGEBYSCORE', 'z', '(nan', '2'], MINMAX_FLOAT),
        exact(['ZRANGEBYSCORE', 'z', '', '2']),
        exact(['ZRANGEBYSCORE', 'z', ' 1', '2']),
        exact(['ZRANGEBYSCORE', 'z', '(', '5']),
        exact(['ZRANGEBYSCORE', 'z', '0x1', '1e400']),
        exp(['ZRANGEBYSCORE', 'z', '1', '2', 'REV'], SYNTAX),
        exp(['ZRANGEBYSCORE', 'z', '1', '2', 'BYSCORE'], SYNTAX),
        exp(['ZRANGEBYSCORE', 'z', '1', '2', 'LIMIT', '1'], SYNTAX),
        exp(['ZRANGEBYSCORE', 'z', '1', '2', 'LIMIT', '1', 'x'], NOT_INT),
        exp(['ZCOUNT', 'z', '1', 'x'], MINMAX_FLOAT),
        exp(['ZCOUNT', 'nokey', '1', 'x'], MINMAX_FLOAT),
        exp(['ZCOUNT', 'nokey', '1', '2'], ':0'),
        exact(['ZRANGEBYSCORE', 'nokey', '1', '2']),
      ));

    test('BYLEX ranges, ZLEXCOUNT', () =>
      d.check(
        setEntries(entries),
        ['ZADD', 'z', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e', '0', 'aa', '0', 'ab', '0', '', '0', '1', '0', '10', '0', '-1', '0', Buffer.from([0xff])],
        enc('z', encoding),
        ...(
          [
            ['-', '+'],
            ['[a', '[c'],
            ['(a', '[c'],
            ['[a', '(c'],
            ['(a', '(aa'],
            ['[aa', '(b'],
            ['[', '(a'],
            ['(', '+'],
            ['-', '(1'],
            ['[1', '[10'],
            ['+', '-'],
            ['-', '-'],
            ['+', '+'],
            ['[c', '[a'],
            ['[b', '[b'],
            ['(b', '[b'],
            ['[z', '+'],
          ] as string[][]
        ).flatMap(([min, max]): Step[] => [
          exact(['ZRANGEBYLEX', 'z', min, max]),
          exact(['ZREVRANGEBYLEX', 'z', max, min]),
          exact(['ZRANGE', 'z', min, max, 'BYLEX']),
          exact(['ZRANGE', 'z', max, min, 'BYLEX', 'REV']),
          exact(['ZLEXCOUNT', 'z', min, max]),
        ]),
        ...(
          [
            ['0', '3'],
            ['2', '2'],
            ['12', '1'],
            ['13', '1'],
            ['-1', '1'],
            ['1', '-1'],
            ['0', '0'],
          ] as string[][]
        ).flatMap(([off, cnt]): Step[] => [
          exact(['ZRANGEBYLEX', 'z', '-', '+', 'LIMIT', off, cnt]),
          exact(['ZREVRANGEBYLEX', 'z', '+', '(a', 'LIMIT', off, cnt]),
        ]),
        exp(['ZRANGEBYLEX', 'z', 'a', '+'], MINMAX_LEX),
        exp(['ZRANGEBYLEX', 'z', '-', 'c'], MINMAX_LEX),
        exp(['ZRANGEBYLEX', 'z', '--', '+'], MINMAX_LEX),
        exp(['ZRANGEBYLEX', 'z', '-', '++'], MINMAX_LEX),
        exp(['ZRANGEBYLEX', 'z', '', '+'], MINMAX_LEX),
        exp(['ZRANGEBYLEX', 'z', '-', '+', 'WITHSCORES'], SCORES_LEX),
        exp(['ZRANGE', 'z', '-', '+', 'BYLEX', 'WITHSCORES'], SCORES_LEX),
        exp(['ZLEXCOUNT', 'z', 'a', 'b'], MINMAX_LEX),
        exp(['ZLEXCOUNT', 'nokey', '-', '+'], ':0'),
        exact(['ZRANGEBYLEX', 'nokey', '-', '+']),
        exact(['ZRANGEBYLEX', 'z', Buffer.from('[b\u0000x'), '+']),
        exact(['ZRANGEBYLEX', 'z', Buffer.from('-\u0000x'), '+']),
      ));

    test('ZRANGESTORE', () =>
      d.check(
        setEntries(entries),
        ['ZADD', 'src', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'],
        exp(['ZRANGESTORE', 'dst', 'src', '0', '-1'], ':5'),
        exact(['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']),
        exp(['ZRANGESTORE', 'dst', 'src', '1', '2', 'REV'], ':2'),
        exact(['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']),
        exp(['ZRANGESTORE', 'dst', 'src', '(1', '4', 'BYSCORE', 'LIMIT', '1', '2'], ':2'),
        exact(['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']),
        exp(['ZRANGESTORE', 'dst', 'src', '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', '0', '3'], ':3'),
        exact(['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']),
        exp(['ZRANGESTORE', 'dst', 'src', '[b', '[d', 'BYLEX'], ':3'),
        exact(['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']),
        ['OBJECT', 'ENCODING', 'dst'],
        // an existing destination of another type, with a TTL, is replaced
        ['SET', 'str', 'x', 'EX', '100'],
        exp(['ZRANGESTORE', 'str', 'src', '0', '0'], ':1'),
        exp(['TTL', 'str'], ':-1'),
        ['TYPE', 'str'],
        // an empty result deletes the destination
        exp(['ZRANGESTORE', 'dst', 'src', '10', '20'], ':0'),
        exp(['EXISTS', 'dst'], ':0'),
        exp(['ZRANGESTORE', 'str', 'nokey', '0', '-1'], ':0'),
        exp(['EXISTS', 'str'], ':0'),
        exp(['ZRANGESTORE', 'dst', 'src', '0', '-1', 'WITHSCORES'], SYNTAX),
        exp(['ZRANGESTORE', 'dst', 'src', '0', '-1', 'LIMIT', '0', '1'], LIMIT_RANK),
        exp(['ZRANGESTORE', 'dst', 'src', 'x', '-1'], NOT_INT),
        // source == destination
        exp(['ZRANGESTORE', 'src', 'src', '1', '-2'], ':3'),
        exact(['ZRANGE', 'src', '0', '-1', 'WITHSCORES']),
        exp(['ZRANGESTORE', 'dst', 'src', '0', '-1'], ':3'),
        exp(['ZRANGESTORE', 'dst'], ARITY('zrangestore')),
      ));

    test('ZREM and ZREMRANGEBY*', () =>
      d.check(
        setEntries(entries),
        exp(['ZREM', 'nokey', 'a'], ':0'),
        ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '6', 'f', '7', 'g'],
        ['EXPIRE', 'z', '1000'],
        exp(['ZREM', 'z', 'a', 'a', 'x'], ':1'),
        exact(['ZRANGE', 'z', '0', '-1']),
        exp(['ZREMRANGEBYRANK', 'z', '10', '20'], ':0'),
        exp(['ZREMRANGEBYRANK', 'z', '3', '1'], ':0'),
        exp(['ZREMRANGEBYRANK', 'z', '-1', '-1'], ':1'),
        exp(['ZREMRANGEBYRANK', 'z', '-100', '0'], ':1'),
        exact(['ZRANGE', 'z', '0', '-1']),
        exp(['ZREMRANGEBYSCORE', 'z', '(3', '4'], ':1'),
        exp(['ZREMRANGEBYSCORE', 'z', '10', '1'], ':0'),
        exp(['ZREMRANGEBYSCORE', 'z', 'x', '1'], MINMAX_FLOAT),
        exp(['ZREMRANGEBYSCORE', 'nokey', 'x', '1'], MINMAX_FLOAT),
        exp(['ZREMRANGEBYRANK', 'z', 'x', '1'], NOT_INT),
        exact(['ZRANGE', 'z', '0', '-1', 'WITHSCORES']),
        ['TTL', 'z'],
        ['ZADD', 'lex', '0', 'a', '0', 'b', '0', 'c', '0', 'd'],
        exp(['ZREMRANGEBYLEX', 'lex', '(a', '[c'], ':2'),
        exp(['ZREMRANGEBYLEX', 'lex', 'a', '[c'], MINMAX_LEX),
        exp(['ZREMRANGEBYLEX', 'lex', '[c', '[a'], ':0'),
        exact(['ZRANGE', 'lex', '0', '-1']),
        exp(['ZREMRANGEBYLEX', 'lex', '-', '+'], ':2'),
        exp(['EXISTS', 'lex'], ':0'),
        exp(['ZREMRANGEBYSCORE', 'z', '-inf', '+inf'], ':3'),
        exp(['EXISTS', 'z'], ':0'),
        ['ZADD', 'z', '1', 'a', '2', 'b'],
        exp(['ZREMRANGEBYRANK', 'z', '0', '-1'], ':2'),
        exp(['EXISTS', 'z'], ':0'),
        ['ZADD', 'z', '1', 'a', '2', 'b'],
        exp(['ZREM', 'z', 'a', 'b', 'c'], ':2'),
        exp(['EXISTS', 'z'], ':0'),
        exp(['ZREMRANGEBYRANK', 'nokey', '0', '-1'], ':0'),
      ));

    test('ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK', () =>
      d.check(
        setEntries(entries),
        ['ZADD', 'z', '1', 'a', '2', 'b', '2', 'c', '10', '1', '-5', '-1', '2.5', ''],
        ...['a', 'b', 'c', '1', '-1', '', 'x', '01'].flatMap((m): Step[] => [
          exact(['ZRANK', 'z', m]),
          exact(['ZREVRANK', 'z', m]),
          exact(['ZSCORE', 'z', m]),
        ]),
        exact(['ZMSCORE', 'z', 'a', 'x', '1', '']),
        exact(['ZMSCORE', 'nokey', 'a', 'b']),
        exp(['ZCARD', 'z'], ':6'),
        exp(['ZCARD', 'nokey'], ':0'),
        exact(['ZSCORE', 'nokey', 'a']),
        exact(['ZRANK', 'nokey', 'a']),
      ));

    test('ZPOPMIN ZPOPMAX ZMPOP', () =>
      d.check(
        setEntries(entries),
        ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '6', 'f'],
        exact(['ZPOPMIN', 'z']),
        exact(['ZPOPMAX', 'z']),
        exact(['ZPOPMIN', 'z', '1']),
        exact(['ZPOPMAX', 'z', '2']),
        exact(['ZPOPMIN', 'z', '0']),
        exp(['ZPOPMIN', 'z', '-1'], POSITIVE),
        exp(['ZPOPMIN', 'z', 'x'], POSITIVE),
        exp(['ZPOPMIN', 'nokey', '-1'], POSITIVE),
        exp(['ZPOPMIN', 'z', '1', '2'], SYNTAX),
        exact(['ZPOPMIN', 'nokey']),
        exact(['ZPOPMIN', 'nokey', '3']),
        exact(['ZPOPMAX', 'nokey', '0']),
        exact(['ZPOPMAX', 'z', '10']),
        exp(['EXISTS', 'z'], ':0'),
        ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
        ['ZADD', 'y', '1', 'x'],
        exact(['ZMPOP', '1', 'z', 'MIN']),
        exact(['ZMPOP', '1', 'z', 'max', 'COUNT', '2']),
        exact(['ZMPOP', '3', 'nokey', 'y', 'z', 'MIN', 'COUNT', '10']),
        exact(['ZMPOP', '2', 'nokey', 'z', 'MAX', 'COUNT', '10']),
        exact(['ZMPOP', '2', 'nokey', 'z', 'MAX']),
        exp(['EXISTS', 'y', 'z'], ':0'),
        exp(['ZMPOP', '0', 'z', 'MIN'], '-ERR numkeys should be greater than 0'),
        exp(['ZMPOP', '-1', 'z', 'MIN'], '-ERR numkeys should be greater than 0'),
        exp(['ZMPOP', 'x', 'z', 'MIN'], '-ERR numkeys should be greater than 0'),
        exp(['ZMPOP', '2', 'z', 'MIN'], SYNTAX),
        exp(['ZMPOP', '100', 'z', 'MIN'], SYNTAX),
        exp(['ZMPOP', '1', 'z', 'FOO'], SYNTAX),
        exp(['ZMPOP', '1', 'z', 'MIN', 'COUNT'], SYNTAX),
        exp(['ZMPOP', '1', 'z', 'MIN', 'COUNT', '0'], '-ERR count should be greater than 0'),
        exp(['ZMPOP', '1', 'z', 'MIN', 'COUNT', 'x'], '-ERR count should be greater than 0'),
        exp(['ZMPOP', '1', 'z', 'MIN', 'COUNT', '1', 'COUNT', '1'], SYNTAX),
        exp(['ZMPOP', '1', 'z', 'MIN', 'FOO'], SYNTAX),
      ));

    test('ZRANDMEMBER: deterministic cases and reply shapes', () =>
      d.check(
        setEntries(entries),
        ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '1.5', 'd', '-inf', 'e'],
        // a count covering the zset returns it whole, highest score first
        exact(['ZRANDMEMBER', 'z', '5']),
        exact(['ZRANDMEMBER', 'z', '100', 'WITHSCORES']),
        exact(['ZRANDMEMBER', 'z', '0']),
        exact(['ZRANDMEMBER', 'z', '0', 'WITHSCORES']),
        exact(['ZRANDMEMBER', 'nokey']),
        exact(['ZRANDMEMBER', 'nokey', '5']),
        exact(['ZRANDMEMBER', 'nokey', '-5', 'WITHSCORES']),
        norm(['ZRANDMEMBER', 'z'], randShape),
        norm(['ZRANDMEMBER', 'z', '1'], randShape),
        norm(['ZRANDMEMBER', 'z', '1', 'WITHSCORES'], randShape),
        norm(['ZRANDMEMBER', 'z', '3'], randShape),
        norm(['ZRANDMEMBER', 'z', '3', 'WITHSCORES'], randShape),
        norm(['ZRANDMEMBER', 'z', '-3'], randShape),
        norm(['ZRANDMEMBER', 'z', '-12', 'WITHSCORES'], randShape),
        exp(['ZRANDMEMBER', 'z', '1', 'FOO'], SYNTAX),
        exp(['ZRANDMEMBER', 'z', '1', 'WITHSCORES', 'X'], SYNTAX),
        exp(['ZRANDMEMBER', 'z', 'x'], NOT_INT),
        exp(['ZRANDMEMBER', 'z', '-9223372036854775808'],
          '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807'),
        exp(['ZRANDMEMBER', 'z', '9223372036854775807', 'WITHSCORES'], '-ERR value is out of range'),
        exp(['ZRANDMEMBER', 'z', '-4611686018427387904', 'WITHSCORES'], '-ERR value is out of range'),
        exact(['ZRANDMEMBER', 'z', '4611686018427387903', 'WITHSCORES']),
        exp(['ZRANDMEMBER', 'nokey', '9223372036854775807', 'WITHSCORES'], '-ERR value is out of range'),
      ));

    test('ZUNION ZINTER ZDIFF ZINTERCARD and their STORE forms', () =>
      d.check(
        setEntries(entries),
        ['ZADD', 'z1', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
        ['ZADD', 'z2', '10', 'b', '20', 'c', '30', 'e'],
        ['ZADD', 'z3', '0.1', 'c', '0.2', 'a'],
        ['SADD', 'set', 'a', 'c', 'x'],
        ['SADD', 'iset', '1', '2', '3'],
        ['ZADD', 'zi', '5', '1', '6', '3', '7', '4'],
        ...(
          [
            ['2', 'z1', 'z2'],
            ['3', 'z1', 'z2', 'z3'],
            ['2', 'z1', 'set'],
            ['2', 'set', 'z1'],
            ['2', 'iset', 'zi'],
            ['1', 'set'],
            ['2', 'z1', 'nokey'],
            ['2', 'nokey', 'nokey2'],
            ['2', 'z1', 'z1'],
            ['2', 'z2', 'z2'],
          ] as string[][]
        ).flatMap((keys): Step[] => [
          exact(['ZUNION', ...keys, 'WITHSCORES']),
          exact(['ZINTER', ...keys, 'WITHSCORES']),
          exact(['ZDIFF', ...keys, 'WITHSCORES']),
          exact(['ZDIFF', ...keys]),
          exact(['ZUNION', ...keys]),
          exact(['ZINTERCARD', ...keys]),
          exact(['ZINTERCARD', ...keys, 'LIMIT', '1']),
          exact(['ZUNIONSTORE', 'dst', ...keys]),
          exact(['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']),
          exact(['ZINTERSTORE', 'dst', ...keys]),
          exact(['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']),
          exact(['ZDIFFSTORE', 'dst', ...keys]),
          exact(['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']),
          ['OBJECT', 'ENCODING', 'dst'],
        ]),
        exact(['ZUNION', '2', 'z1', 'z2', 'WEIGHTS', '2', '-1', 'WITHSCORES']),
        exact(['ZUNION', '2', 'z1', 'z2', 'WEIGHTS', '2', '-1', 'AGGREGATE', 'MIN', 'WITHSCORES']),
        exact(['ZUNION', '2', 'z1', 'z2', 'AGGREGATE', 'max', 'WEIGHTS', '0', '1', 'WITHSCORES']),
        exact(['ZINTER', '2', 'z1', 'set', 'WEIGHTS', '1', '5', 'WITHSCORES']),
        exact(['ZINTER', '3', 'z1', 'z2', 'set', 'AGGREGATE', 'MIN', 'WITHSCORES', 'WITHSCORES']),
        exact(['ZINTERSTORE', 'dst', '2', 'z1', 'z2', 'WEIGHTS', '0.5', '2', 'AGGREGATE', 'SUM']),
        exact(['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']),
        exact(['ZINTERCARD', '2', 'z1', 'set', 'LIMIT', '0']),
        exact(['ZINTERCARD', '2', 'z1', 'set', 'LIMIT', '5']),
        // errors
        exp(['ZUNION', '0', 'z1'], NEED_KEY('zunion')),
        exp(['ZINTER', '-1', 'z1'], NEED_KEY('zinter')),
        exp(['ZDIFF', '0', 'z1'], NEED_KEY('zdiff')),
        exp(['ZUNIONSTORE', 'd', '0', 'z1'], NEED_KEY('zunionstore')),
        exp(['ZINTERSTORE', 'd', '0', 'z1'], NEED_KEY('zinterstore')),
        exp(['ZDIFFSTORE', 'd', '0', 'z1'], NEED_KEY('zdiffstore')),
        exp(['ZINTERCARD', '0', 'z1'], NEED_KEY('zintercard')),
        exp(['ZUNION', 'x', 'z1'], NOT_INT),
        exp(['ZUNION', '3', 'z1', 'z2'], SYNTAX),
        exp(['ZUNIONSTORE', 'd', '3', 'z1', 'z2'], SYNTAX),
        exp(['ZUNION', '2', 'z1', 'z2', 'WEIGHTS', '1'], SYNTAX),
        exp(['ZUNION', '2', 'z1', 'z2', 'WEIGHTS', '1', 'x'], '-ERR weight value is not a float'),
        exp(['ZUNION', '2', 'z1', 'z2', 'WEIGHTS', '1', 'nan'], '-ERR weight value is not a float'),
        exp(['ZUNION', '2', 'z1', 'z2', 'AGGREGATE', 'AVG'], SYNTAX),
        exp(['ZUNION', '2', 'z1', 'z2', 'AGGREGATE'], SYNTAX),
        exp(['ZUNIONSTORE', 'd', '2', 'z1', 'z2', 'WITHSCORES'], SYNTAX),
        exp(['ZDIFF', '2', 'z1', 'z2', 'WEIGHTS', '1', '1'], SYNTAX),
        exp(['ZDIFF', '2', 'z1', 'z2', 'AGGREGATE', 'MIN'], SYNTAX),
        exp(['ZINTERCARD', '2', 'z1', 'z2', 'WITHSCORES'], SYNTAX),
        exp(['ZINTERCARD', '2', 'z1', 'z2', 'WEIGHTS', '1', '1'], SYNTAX),
        exp(['ZINTERCARD', '2', 'z1', 'z2', 'LIMIT', '-1'], "-ERR LIMIT can't be negative"),
        exp(['ZINTERCARD', '2', 'z1', 'z2', 'LIMIT', 'x'], "-ERR LIMIT can't be negative"),
        exp(['ZINTERCARD', '2', 'z1', 'z2', 'LIMIT'], SYNTAX),
        // an empty result deletes the destination
        ['SET', 'dst', 'x'],
        exp(['ZINTERSTORE', 'dst', '2', 'z1', 'nokey'], ':0'),
        exp(['EXISTS', 'dst'], ':0'),
        // the destination may be an input
        exp(['ZUNIONSTORE', 'z1', '2', 'z1', 'z2'], ':5'),
        exact(['ZRANGE', 'z1', '0', '-1', 'WITHSCORES']),
      ));

    test('set operations: infinities, NaN products, summation order', () =>
      d.check(
        setEntries(entries),
        ['ZADD', 'p', '+inf', 'a', '1', 'b', '0.1', 'x'],
        ['ZADD', 'n', '-inf', 'a', '-inf', 'b', '0.2', 'x'],
        ['ZADD', 'q', '0.3', 'x'],
        exact(['ZUNION', '2', 'p', 'n', 'WITHSCORES']),
        exact(['ZINTER', '2', 'p', 'n', 'WITHSCORES']),
        exact(['ZUNION', '2', 'p', 'n', 'WEIGHTS', '0', '1', 'WITHSCORES']),
        exact(['ZINTER', '2', 'p', 'n', 'WEIGHTS', '1', '0', 'WITHSCORES']),
        exact(['ZINTER', '2', 'p', 'n', 'WEIGHTS', '0', '0', 'AGGREGATE', 'MAX', 'WITHSCORES']),
        exact(['ZUNION', '2', 'p', 'n', 'WEIGHTS', 'inf', '-inf', 'AGGREGATE', 'MIN', 'WITHSCORES']),
        // same cardinality: inputs keep their order, which decides the rounding
        exact(['ZUNION', '3', 'p', 'n', 'q', 'WEIGHTS', '1', '1', '1', 'WITHSCORES']),
        exact(['ZUNION', '3', 'q', 'n', 'p', 'WITHSCORES']),
        exact(['ZINTER', '2', 'p', 'n', 'AGGREGATE', 'SUM', 'WITHSCORES']),
        ['ZADD', 'z0', '0', 'm'],
        ['ZADD', 'zm', '-0', 'm'],
        ['CONFIG', 'SET', 'zset-max-listpack-entries', '0'],
        ['ZADD', 'zm2', '-0', 'm'],
        exact(['ZUNION', '2', 'zm2', 'z0', 'AGGREGATE', 'MIN', 'WITHSCORES']),
        exact(['ZUNION', '2', 'z0', 'zm2', 'AGGREGATE', 'MIN', 'WITHSCORES']),
        exact(['ZUNION', '2', 'zm2', 'z0', 'AGGREGATE', 'MAX', 'WITHSCORES']),
        exact(['ZUNION', '2', 'z0', 'zm2', 'AGGREGATE', 'MAX', 'WITHSCORES']),
      ));

    test('ZSCAN', async () => {
      await d.check(
        setEntries(entries),
        ['ZADD', 'z', '1', 'a', '0.5', 'b', '-0', 'c', '1e17', 'd', 'inf', 'e', '2', '10'],
        ...(encoding === 'listpack'
          ? [
              exact(['ZSCAN', 'z', '0']),
              exact(['ZSCAN', 'z', '0', 'MATCH', '[ab]']),
              exact(['ZSCAN', 'z', '0', 'MATCH', '1*']),
              exact(['ZSCAN', 'z', '123', 'COUNT', '1']),
            ]
          : []),
        exp(['ZSCAN', 'z', '0', 'COUNT', '0'], SYNTAX),
        exp(['ZSCAN', 'z', '0', 'COUNT', 'x'], NOT_INT),
        exp(['ZSCAN', 'z', '0', 'MATCH'], SYNTAX),
        exp(['ZSCAN', 'z', '0', 'TYPE', 'zset'], SYNTAX),
        exp(['ZSCAN', 'z', 'x'], '-ERR invalid cursor'),
        exp(['ZSCAN', 'nokey', 'x'], '-ERR invalid cursor'),
        exact(['ZSCAN', 'nokey', '0', 'COUNT', '0']),
        exact(['ZSCAN', 'nokey', '0']),
      );
      await d.checkScan(['ZSCAN', 'z', 0]);
      await d.checkScan(['ZSCAN', 'z', 0, 'MATCH', '[a-c]']);
    });
  });

  test('listpack -> skiplist transitions (entries and value length)', () =>
    d.check(
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '4'],
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
      enc('z', 'listpack'),
      ['ZADD', 'z', '5', 'd'],
      enc('z', 'listpack'),
      ['ZADD', 'z', '5', 'e'],
      enc('z', 'skiplist'),
      ['ZREM', 'z', 'a', 'b', 'c', 'd'],
      enc('z', 'skiplist'),
      ['ZADD', 'g', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'],
      enc('g', 'skiplist'),
      // many pairs naming one member stay a listpack (no size-hint conversion in 7.0)
      ['ZADD', 'same', ...Array.from({ length: 10 }, () => ['1', 'm']).flat()],
      enc('same', 'listpack'),
      ['ZADD', 'same', ...Array.from({ length: 10 }, (_, i) => [String(i), 'm']).flat()],
      enc('same', 'listpack'),
      ['ZINCRBY', 'i1', '1', 'a'],
      ['ZINCRBY', 'i1', '1', 'b'],
      ['ZINCRBY', 'i1', '1', 'c'],
      ['ZINCRBY', 'i1', '1', 'd'],
      enc('i1', 'listpack'),
      ['ZINCRBY', 'i1', '1', 'e'],
      enc('i1', 'skiplist'),
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '128'],
      ['ZADD', 'v', '1', str(64)],
      enc('v', 'listpack'),
      ['ZADD', 'v', '1', str(65)],
      enc('v', 'skiplist'),
      ['ZADD', 'v2', '1', str(65), '2', 'b'],
      enc('v2', 'skiplist'),
      ['ZADD', 'v3', 'XX', '1', str(65)],
      exp(['EXISTS', 'v3'], ':0'),
      ['ZADD', 'v4', 'NX', '1', 'a', '2', str(100)],
      enc('v4', 'skiplist'),
      ['CONFIG', 'SET', 'zset-max-listpack-value', '0'],
      ['ZADD', 'v5', '1', ''],
      enc('v5', 'listpack'),
      ['ZADD', 'v5', '1', 'a'],
      enc('v5', 'skiplist'),
      ['CONFIG', 'SET', 'zset-max-listpack-value', '64'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '0'],
      ['ZADD', 'e0', '1', 'a'],
      enc('e0', 'skiplist'),
      ['ZRANGESTORE', 'e0d', 'e0', '0', '-1'],
      enc('e0d', 'skiplist'),
      ['ZUNIONSTORE', 'e0u', '1', 'e0'],
      enc('e0u', 'skiplist'),
    ));

  test('STORE destination encodings', () =>
    d.check(
      ['ZADD', 'src', '1', 'a', '2', 'b', '3', 'c'],
      ['ZADD', 'long', '1', str(80), '2', 'b'],
      enc('long', 'skiplist'),
      ['ZRANGESTORE', 'd1', 'long', '1', '1'],
      enc('d1', 'listpack'),
      ['ZRANGESTORE', 'd2', 'long', '0', '-1'],
      enc('d2', 'skiplist'),
      ['ZUNIONSTORE', 'd3', '1', 'long', 'WEIGHTS', '2'],
      enc('d3', 'skiplist'),
      ['ZREM', 'long', str(80)],
      enc('long', 'skiplist'),
      ['ZUNIONSTORE', 'd4', '1', 'long'],
      enc('d4', 'listpack'),
      ['ZINTERSTORE', 'd5', '1', 'long'],
      enc('d5', 'listpack'),
      ['ZDIFFSTORE', 'd6', '1', 'long'],
      enc('d6', 'listpack'),
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '2'],
      ['ZRANGESTORE', 'd7', 'src', '0', '-1'],
      enc('d7', 'skiplist'),
      ['ZRANGESTORE', 'd8', 'src', '0', '1'],
      enc('d8', 'listpack'),
      ['ZRANGESTORE', 'd9', 'src', '0', '3', 'BYSCORE'],
      enc('d9', 'skiplist'),
      ['ZRANGESTORE', 'd10', 'src', '0', '1', 'BYSCORE'],
      enc('d10', 'listpack'),
      ['ZRANGESTORE', 'd11', 'src', '-', '+', 'BYLEX', 'LIMIT', '0', '2'],
      enc('d11', 'listpack'),
      ['ZUNIONSTORE', 'd12', '1', 'src'],
      enc('d12', 'skiplist'),
      ['ZINTERSTORE', 'd13', '2', 'src', 'd8'],
      enc('d13', 'listpack'),
      ['SADD', 'set', 'p', 'q', 'r'],
      ['ZUNIONSTORE', 'd14', '1', 'set'],
      enc('d14', 'skiplist'),
      ['ZRANGE', 'd14', '0', '-1', 'WITHSCORES'],
    ));

  test('large zsets (skiplist) behave like Redis', async () => {
    const steps: Step[] = [];
    const args: Arg[] = [];
    for (let i = 0; i < 1000; i++) args.push(String((i * 7919) % 1000 / 10), `m${i}`);
    steps.push(['ZADD', 'z', ...args], enc('z', 'skiplist'), ['ZCARD', 'z']);
    steps.push(exact(['ZRANGE', 'z', '0', '-1', 'WITHSCORES']));
    steps.push(exact(['ZRANGE', 'z', '500', '520', 'REV', 'WITHSCORES']));
    for (let i = 0; i < 1000; i += 37) steps.push(['ZRANK', 'z', `m${i}`], ['ZREVRANK', 'z', `m${i}`], ['ZSCORE', 'z', `m${i}`]);
    steps.push(
      exact(['ZRANGEBYSCORE', 'z', '10', '20', 'LIMIT', '5', '30', 'WITHSCORES']),
      exact(['ZREVRANGEBYSCORE', 'z', '90', '(10', 'LIMIT', '100', '30']),
      exact(['ZRANGEBYSCORE', 'z', '-inf', '+inf', 'LIMIT', '990', '30']),
      exact(['ZREVRANGEBYSCORE', 'z', '+inf', '-inf', 'LIMIT', '990', '30']),
      exact(['ZREVRANGEBYSCORE', 'z', '+inf', '-inf', 'LIMIT', '999', '30']),
      ['ZCOUNT', 'z', '10', '(20'],
      ['ZCOUNT', 'z', '(10', '20'],
      ['ZLEXCOUNT', 'z', '[m1', '(m5'],
      ['ZINCRBY', 'z', '1000', 'm5'],
      ['ZINCRBY', 'z', '-2000', 'm6'],
      exact(['ZRANGE', 'z', '0', '2', 'WITHSCORES']),
      exact(['ZRANGE', 'z', '-2', '-1', 'WITHSCORES']),
      ['ZREMRANGEBYRANK', 'z', '100', '199'],
      ['ZREMRANGEBYSCORE', 'z', '50', '60'],
      exact(['ZRANGE', 'z', '0', '-1', 'WITHSCORES']),
      exact(['ZPOPMIN', 'z', '50']),
      exact(['ZPOPMAX', 'z', '50']),
      ['ZCARD', 'z'],
      exact(['ZRANDMEMBER', 'z', '5000', 'WITHSCORES']),
      // ZDIFF with a large first input and small others (Redis's second algorithm)
      ['ZADD', 'small1', '1', 'm1', '2', 'm2', '3', 'nope'],
      ['SADD', 'small2', 'm3', 'm4', 'm999'],
      exact(['ZDIFF', '3', 'z', 'small1', 'small2', 'WITHSCORES']),
      exact(['ZDIFFSTORE', 'dd', '3', 'z', 'small1', 'small2']),
      ['ZCARD', 'dd'],
      enc('dd', 'skiplist'),
      exact(['ZDIFF', '2', 'small1', 'z', 'WITHSCORES']),
      exact(['ZINTER', '3', 'z', 'small1', 'z', 'WITHSCORES']),
      exact(['ZRANGESTORE', 'd', 'z', '0', '-1']),
      enc('d', 'skiplist'),
      exact(['ZRANGE', 'd', '0', '-1', 'WITHSCORES']),
    );
    await d.check(...steps);
    await d.checkScan(['ZSCAN', 'z', 0]);
    await d.checkScan(['ZSCAN', 'z', 0, 'COUNT', 1]);
    await d.checkScan(['ZSCAN', 'z', 0, 'COUNT', 1000, 'MATCH', 'm1*']);
  });

  test('binary-safe members', () =>
    d.check(
      ['ZADD', 'z', '1', Buffer.from([0, 1, 2, 255]), '1', Buffer.from([0, 1, 2]), '1', 'crlf\r\n'],
      exact(['ZRANGE', 'z', '0', '-1', 'WITHSCORES']),
      ['ZSCORE', 'z', Buffer.from([0, 1, 2, 255])],
      ['ZRANK', 'z', Buffer.from([0, 1, 2])],
      exact(['ZRANGEBYLEX', 'z', Buffer.from([0x5b, 0, 1, 2]), '+']),
      ['ZADD', 'z', '2', Buffer.alloc(70, 0)],
      enc('z', 'skiplist'),
      exact(['ZRANGE', 'z', '0', '-1']),
    ));

  test('random operation scripts', async () => {
    // ZSET_FUZZ_ROUNDS / ZSET_FUZZ_SEED widen the search when run by hand.
    const rounds = Number(process.env.ZSET_FUZZ_ROUNDS ?? 5);
    const rand = rng(protocol * 104729 + 3 + Number(process.env.ZSET_FUZZ_SEED ?? 0));
    const pick = <T,>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const keys = ['z1', 'z2', 'z3'];
    const member = () => pick(['a', 'b', 'c', 'd', 'e', 'f', '1', '-1', '10', '0', '', str(60 + Math.floor(rand() * 10), 'M')]);
    const score = () => pick(['0', '1', '-1', '2.5', '1e3', '-inf', '+inf', '0.1', '3', '7', '-0', '100']);
    const bound = () => pick(['-inf', '+inf', '0', '(0', '1', '(2.5', '3', '(100', '-1']);
    const lex = () => pick(['-', '+', '[a', '(b', '[c', '(1', '[10', '[']);
    const idx = () => String(Math.floor(rand() * 12) - 6);
    for (let round = 0; round < rounds; round++) {
      const steps: Step[] = [];
      steps.push(['CONFIG', 'SET', 'zset-max-listpack-entries', String(pick([0, 2, 4, 8, 128]))]);
      steps.push(['ZADD', 'zl', ...['a', 'b', 'c', 'd', '1', '10', ''].flatMap((m) => ['0', m])]);
      for (let i = 0; i < 150; i++) {
        const k = pick(keys);
        const r = rand();
        if (r < 0.25) {
          const n = 1 + Math.floor(rand() * 3);
          const a: Arg[] = [];
          for (let j = 0; j < n; j++) a.push(score(), member());
          const opts = pick([[], ['NX'], ['XX'], ['GT'], ['LT', 'CH'], ['CH'], ['XX', 'GT']]);
          steps.push(exact(['ZADD', k, ...opts, ...a]));
        } else if (r < 0.3) steps.push(exact(['ZINCRBY', k, score(), member()]));
        else if (r < 0.38) steps.push(exact(['ZREM', k, member(), member()]));
        else if (r < 0.46) steps.push(exact(['ZRANGE', k, idx(), idx(), ...pick([[], ['REV'], ['WITHSCORES'], ['REV', 'WITHSCORES']])]));
        else if (r < 0.52) steps.push(exact(['ZRANGE', k, bound(), bound(), 'BYSCORE', ...pick([[], ['REV'], ['WITHSCORES'], ['LIMIT', '1', '2']])]));
        // Lex ranges are only meaningful when all scores are equal (with
        // mixed scores a skiplist's answer depends on its random levels).
        else if (r < 0.56) steps.push(exact(['ZRANGE', 'zl', lex(), lex(), 'BYLEX', ...pick([[], ['REV'], ['LIMIT', '0', '3']])]));
        else if (r < 0.6) steps.push(exact(['ZCOUNT', k, bound(), bound()]), exact(['ZLEXCOUNT', 'zl', lex(), lex()]));
        else if (r < 0.64) steps.push(exact(['ZRANK', k, member()]), exact(['ZREVRANK', k, member()]), exact(['ZSCORE', k, member()]));
        else if (r < 0.68) steps.push(exact([pick(['ZPOPMIN', 'ZPOPMAX']), k, ...pick([[], ['1'], ['2']])]));
        else if (r < 0.72) steps.push(exact(['ZREMRANGEBYRANK', k, idx(), idx()]));
        else if (r < 0.75) steps.push(exact(['ZREMRANGEBYSCORE', k, bound(), bound()]));
        else if (r < 0.77) steps.push(exact(['ZREMRANGEBYLEX', 'zl', lex(), lex()]), exact(['ZADD', 'zl', '0', member(), '0', member()]));
        else if (r < 0.82) {
          const op = pick(['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']);
          const extra = op === 'ZDIFFSTORE' ? [] : pick([[], ['WEIGHTS', '2', '0.5'], ['AGGREGATE', 'MIN'], ['AGGREGATE', 'MAX']]);
          steps.push(exact([op, pick(keys), '2', pick(keys), pick(keys), ...extra]));
        } else if (r < 0.86) steps.push(exact(['ZRANGESTORE', pick(keys), k, idx(), idx()]));
        else if (r < 0.9) steps.push(['OBJECT', 'ENCODING', k], ['ZCARD', k]);
        else if (r < 0.95) steps.push(exact(['ZMPOP', '2', k, pick(keys), pick(['MIN', 'MAX']), 'COUNT', '2']));
        else steps.push(['DEL', k]);
      }
      steps.push(...[...keys, 'zl'].flatMap((k): Step[] => [exact(['ZRANGE', k, '0', '-1', 'WITHSCORES']), ['OBJECT', 'ENCODING', k]]));
      await d.check(...steps);
    }
  });
});

// ---------------------------------------------------------------------------

describe('sorted sets through ioredis (random commands, scans)', () => {
  const fixture = useIoredis();
  let r: Redis;
  beforeAll(() => {
    r = fixture.redis;
  });

  async function fill(key: string, n: number, long = false) {
    await r.del(key);
    const scores = new Map<string, number>();
    const args: (string | number)[] = [];
    for (let i = 0; i < n; i++) {
      const m = long ? `m${i}`.padEnd(80, '.') : `m${i}`;
      scores.set(m, i / 2);
      args.push(i / 2, m);
    }
    await r.zadd(key, ...args);
    return scores;
  }

  test.each([
    ['listpack', false],
    ['skiplist', true],
  ])('ZRANDMEMBER on a %s zset', async (encoding, long) => {
    const scores = await fill('z', 60, long as boolean);
    expect(await r.object('ENCODING', 'z')).toBe(encoding);
    for (let i = 0; i < 20; i++) expect(scores.has((await r.zrandmember('z')) as string)).toBe(true);
    for (const count of [1, 2, 10, 19, 20, 21, 40, 59]) {
      const got = (await r.zrandmember('z', count)) as string[];
      expect(got.length).toBe(count);
      expect(new Set(got).size).toBe(count);
      for (const m of got) expect(scores.has(m)).toBe(true);
      const ws = (await r.zrandmember('z', count, 'WITHSCORES')) as string[];
      expect(ws.length).toBe(count * 2);
      for (let j = 0; j < ws.length; j += 2) expect(Number(ws[j + 1])).toBe(scores.get(ws[j]));
      expect(new Set(ws.filter((_, j) => j % 2 === 0)).size).toBe(count);
    }
    if (encoding === 'listpack') {
      // distinct picks from a listpack come out in zset order
      const got = (await r.zrandmember('z', 25)) as string[];
      const idx = got.map((m) => Number(m.slice(1)));
      expect([...idx].sort((a, b) => a - b)).toEqual(idx);
    }
    const many = (await r.zrandmember('z', -6000)) as string[];
    expect(many.length).toBe(6000);
    expect(new Set(many).size).toBe(60);
    const counts = new Map<string, number>();
    for (const m of many) counts.set(m, (counts.get(m) ?? 0) + 1);
    // Fair but not uniform (bucket sampling, as dictGetFairRandomKey): every member turns up.
    for (const n of counts.values()) expect(n).toBeGreaterThan(10);
    const manyWs = (await r.zrandmember('z', -300, 'WITHSCORES')) as string[];
    expect(manyWs.length).toBe(600);
    for (let j = 0; j < manyWs.length; j += 2) expect(Number(manyWs[j + 1])).toBe(scores.get(manyWs[j]));
  });

  test('ZSCAN visits every member exactly once on a stable skiplist', async () => {
    const scores = await fill('z', 3000);
    expect(await r.object('ENCODING', 'z')).toBe('skiplist');
    const seen = new Map<string, string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, items] = await r.zscan('z', cursor, 'COUNT', 50);
      for (let i = 0; i < items.length; i += 2) {
        expect(seen.has(items[i])).toBe(false);
        seen.set(items[i], items[i + 1]);
      }
      cursor = next;
      calls++;
    } while (cursor !== '0');
    expect(calls).toBeGreaterThan(10);
    expect(seen.size).toBe(3000);
    for (const [m, s] of seen) expect(Number(s)).toBe(scores.get(m));
  });

  test('ZSCAN keeps its guarantee while the zset grows and shrinks', async () => {
    await fill('z', 500);
    const seen = new Set<string>();
    let cursor = '0';
    let step = 0;
    do {
      const [next, items] = await r.zscan('z', cursor, 'COUNT', 10);
      for (let i = 0; i < items.length; i += 2) seen.add(items[i]);
      cursor = next;
      if (step === 3) {
        const args: (string | number)[] = [];
        for (let i = 0; i < 3000; i++) args.push(i, `extra${i}`);
        await r.zadd('z', ...args);
      }
      if (step === 20) await r.zrem('z', ...Array.from({ length: 3000 }, (_, i) => `extra${i}`));
      step++;
    } while (cursor !== '0');
    for (let i = 0; i < 500; i++) expect(seen.has(`m${i}`)).toBe(true);
  });

  test('ZADD / ZPOPMIN keep order and sizes over many operations', async () => {
    await r.del('q');
    const rand = rng(42);
    const model = new Map<string, number>();
    for (let round = 0; round < 30; round++) {
      const args: (string | number)[] = [];
      for (let i = 0; i < 100; i++) {
        const m = `k${Math.floor(rand() * 400)}`;
        const s = Math.floor(rand() * 1000) / 8;
        args.push(s, m);
      }
      // the last score given for a member wins within one ZADD
      for (let i = 0; i < args.length; i += 2) model.set(args[i + 1] as string, args[i] as number);
      await r.zadd('q', ...args);
      const popped = await r.zpopmin('q', 20);
      const expected = [...model.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, 20);
      expect(popped.length).toBe(expected.length * 2);
      for (let i = 0; i < expected.length; i++) {
        expect(popped[2 * i]).toBe(expected[i][0]);
        expect(Number(popped[2 * i + 1])).toBe(expected[i][1]);
        model.delete(expected[i][0]);
      }
      expect(await r.zcard('q')).toBe(model.size);
    }
  });

  test('COPY, RENAME and MEMORY USAGE of sorted sets', async () => {
    await fill('small', 10);
    await fill('large', 1000);
    expect(await r.call('COPY', 'large', 'large2')).toBe(1);
    expect(await r.zrange('large2', 0, -1, 'WITHSCORES')).toEqual(await r.zrange('large', 0, -1, 'WITHSCORES'));
    expect(await r.object('ENCODING', 'large2')).toBe('skiplist');
    await r.zadd('large2', 99999, 'new');
    expect(await r.zcard('large')).toBe(1000);
    expect(await r.call('COPY', 'small', 'small2')).toBe(1);
    expect(await r.object('ENCODING', 'small2')).toBe('listpack');
    expect(await r.zrange('small2', 0, -1)).toEqual(await r.zrange('small', 0, -1));
    const small = await r.call('MEMORY', 'USAGE', 'small').catch(() => null);
    const large = await r.call('MEMORY', 'USAGE', 'large').catch(() => null);
    if (typeof small === 'number' && typeof large === 'number') expect(large).toBeGreaterThan(small);
  });
});
