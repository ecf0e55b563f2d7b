/**
 * String commands, compared reply-for-reply against a real redis-server in
 * RESP2 and RESP3.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, exp, useDifferential, type Arg, type Step } from '../helpers/differential';
import { WRONGTYPE, NOT_INT, SYNTAX, ARITY } from '../helpers/replies';

const INVALID_EXPIRE = (cmd: string) => `-ERR invalid expire time in '${cmd}' command`;

// Absolute times one hour ahead, identical for both servers.
const FUTURE_S = Math.floor(Date.now() / 1000) + 3600;
const FUTURE_MS = FUTURE_S * 1000 + 500;

function product<T>(...lists: T[][]): T[][] {
  return lists.reduce<T[][]>((acc, l) => acc.flatMap((a) => l.map((x) => [...a, x])), [[]]);
}

/** Starting states for the key `k` before a SET variant runs. */
const STATES: Record<string, Step[]> = {
  missing: [],
  plain: [['SET', 'k', 'old']],
  volatile: [['SET', 'k', 'old', 'EX', 1000]],
};

/** Observe everything about `k` after a SET. */
const inspect: Step[] = [['GET', 'k'], ['TTL', 'k'], ['PTTL', 'k'], ['TYPE', 'k']];

const EXPIRY: Arg[][] = [[], ['EX', 100], ['PX', 100500], ['EXAT', FUTURE_S], ['PXAT', FUTURE_MS], ['KEEPTTL']];
const CONDITION: Arg[][] = [[], ['NX'], ['XX']];
const GET: Arg[][] = [[], ['GET']];

const setCombos = product<Arg[]>(EXPIRY, CONDITION, GET).map((parts) => parts.flat());

describe.each(PROTOCOLS)('strings (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test('GET / SET basics and arity', () =>
    d.check(
      exp(['GET', 'k'], protocol === 2 ? 'nil' : '_'),
      exp(['SET', 'k', 'v'], '+OK'),
      exp(['GET', 'k'], '"v"'),
      ['SET', 'k', ''],
      ['GET', 'k'],
      ['set', 'K', 'upper'],
      ['get', 'k'],
      ['GeT', 'K'],
      exp(['GET'], ARITY('get')),
      exp(['GET', 'a', 'b'], ARITY('get')),
      exp(['SET'], ARITY('set')),
      exp(['SET', 'k'], ARITY('set')),
    ));

  describe('SET option combinations', () => {
    const title = (c: Arg[]) =>
      c.map((x) => (x === FUTURE_S ? '<future s>' : x === FUTURE_MS ? '<future ms>' : x)).join(' ') || '(none)';
    test.each(setCombos.map((c) => [title(c), c] as const))('SET k new %s', async (_name, opts) => {
      for (const order of [opts, reorder(opts)]) {
        for (const [state, setup] of Object.entries(STATES)) {
          await d.check(
            ['DEL', 'k'],
            ...setup,
            ['SET', 'k', `new-${state}`, ...order],
            ...inspect,
          );
        }
      }
    });
  });

  test('SET invalid expire times', () =>
    d.check(
      ...['EX', 'PX', 'EXAT', 'PXAT'].flatMap((opt) => [
        exp(['SET', 'k', 'v', opt, 0], INVALID_EXPIRE('set')),
        exp(['SET', 'k', 'v', opt, -1], INVALID_EXPIRE('set')),
        exp(['SET', 'k', 'v', opt, '9223372036854775807'], opt === 'PXAT' ? '+OK' : INVALID_EXPIRE('set')),
        exp(['SET', 'k', 'v', opt, '-9223372036854775808'], INVALID_EXPIRE('set')),
        exp(['SET', 'k', 'v', opt, '9223372036854775808'], NOT_INT),
        exp(['SET', 'k', 'v', opt, 'abc'], NOT_INT),
        exp(['SET', 'k', 'v', opt, '1.5'], NOT_INT),
        exp(['SET', 'k', 'v', opt, ''], NOT_INT),
        exp(['SET', 'k', 'v', opt, ' 10'], NOT_INT),
        exp(['SET', 'k', 'v', opt], SYNTAX),
        ['TTL', 'k'],
      ]),
      ['SET', 'k', 'v', 'EXAT', 1],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v', 'PXAT', 1],
      ['GET', 'k'],
      ['SET', 'k', 'v', 'EX', 1000],
      ['SET', 'k', 'v', 'EX', 0, 'GET'],
      ['GET', 'k'],
      ['TTL', 'k'],
    ));

  test('SET syntax errors and conflicting options', () =>
    d.check(
      exp(['SET', 'k', 'v', 'NX', 'XX'], SYNTAX),
      exp(['SET', 'k', 'v', 'XX', 'NX'], SYNTAX),
      exp(['SET', 'k', 'v', 'EX', 10, 'PX', 100], SYNTAX),
      ['SET', 'k', 'v', 'EX', 10, 'EX', 20],
      ['TTL', 'k'],
      exp(['SET', 'k', 'v', 'EX', 10, 'KEEPTTL'], SYNTAX),
      exp(['SET', 'k', 'v', 'KEEPTTL', 'PXAT', FUTURE_MS], SYNTAX),
      exp(['SET', 'k', 'v', 'EXAT', FUTURE_S, 'PXAT', FUTURE_MS], SYNTAX),
      ['SET', 'k', 'v', 'NX', 'NX'],
      ['SET', 'k', 'v', 'GET', 'GET'],
      ['SET', 'k', 'v', 'KEEPTTL', 'KEEPTTL'],
      exp(['SET', 'k', 'v', 'FOO'], SYNTAX),
      exp(['SET', 'k', 'v', 'EX'], SYNTAX),
      exp(['SET', 'k', 'v', 'ex', '10', 'nx', 'get'], /^(nil|_|"v")$/),
      ['SET', 'k', 'v', 'Ex', '10', 'xX', 'gEt'],
      ['TTL', 'k'],
      exp(['SET', 'k', 'v', '10'], SYNTAX),
    ));

  test('SETNX SETEX PSETEX', () =>
    d.check(
      exp(['SETNX', 'k', 'a'], ':1'),
      exp(['SETNX', 'k', 'b'], ':0'),
      ['GET', 'k'],
      exp(['SETNX', 'k'], ARITY('setnx')),
      exp(['SETEX', 'k', 100, 'v'], '+OK'),
      ['GET', 'k'],
      ['TTL', 'k'],
      exp(['SETEX', 'k', 0, 'v'], INVALID_EXPIRE('setex')),
      exp(['SETEX', 'k', -5, 'v'], INVALID_EXPIRE('setex')),
      exp(['SETEX', 'k', 'x', 'v'], NOT_INT),
      exp(['SETEX', 'k', '9223372036854775807', 'v'], INVALID_EXPIRE('setex')),
      exp(['SETEX', 'k', 10], ARITY('setex')),
      exp(['PSETEX', 'k', 100500, 'v2'], '+OK'),
      ['GET', 'k'],
      ['PTTL', 'k'],
      exp(['PSETEX', 'k', 0, 'v'], INVALID_EXPIRE('psetex')),
      exp(['PSETEX', 'k', -1, 'v'], INVALID_EXPIRE('psetex')),
      exp(['PSETEX', 'k', '1e3', 'v'], NOT_INT),
      ['PSETEX', 'k', '9223372036854775807', 'v'],
      exp(['PSETEX', 'k'], ARITY('psetex')),
    ));

  test('MGET MSET MSETNX', () =>
    d.check(
      exp(['MSET', 'a', 1, 'b', 2, 'c', 3], '+OK'),
      ['MGET', 'a', 'b', 'c', 'missing', 'a'],
      exp(['MSET', 'a', 1, 'b'], ARITY('mset')),
      exp(['MSET'], ARITY('mset')),
      exp(['MGET'], ARITY('mget')),
      ['MSET', 'a', 'x', 'a', 'y'],
      ['GET', 'a'],
      ['SET', 'e', 'v', 'EX', 100],
      ['MSET', 'e', 'w'],
      ['TTL', 'e'],
      exp(['MSETNX', 'n1', 1, 'n2', 2], ':1'),
      exp(['MSETNX', 'n2', 'x', 'n3', 3], ':0'),
      ['MGET', 'n1', 'n2', 'n3'],
      ['MSETNX', 'n4', 1, 'n4', 2],
      ['GET', 'n4'],
      exp(['MSETNX', 'n5', 1, 'n6'], ARITY('msetnx')),
    ));

  test('GETSET GETDEL', () =>
    d.check(
      ['GETSET', 'k', 'a'],
      ['GETSET', 'k', 'b'],
      ['GET', 'k'],
      ['SET', 'e', 'v', 'EX', 100],
      ['GETSET', 'e', 'w'],
      ['TTL', 'e'],
      exp(['GETSET', 'k'], ARITY('getset')),
      ['GETDEL', 'k'],
      ['EXISTS', 'k'],
      ['GETDEL', 'k'],
      exp(['GETDEL'], ARITY('getdel')),
      exp(['GETDEL', 'a', 'b'], ARITY('getdel')),
    ));

  test('GETEX options', () =>
    d.check(
      ['GETEX', 'missing'],
      ['GETEX', 'missing', 'EX', 10],
      ['SET', 'k', 'v'],
      ['GETEX', 'k'],
      ['TTL', 'k'],
      ['GETEX', 'k', 'EX', 100],
      ['TTL', 'k'],
      ['GETEX', 'k', 'PX', 200500],
      ['PTTL', 'k'],
      ['GETEX', 'k', 'EXAT', FUTURE_S],
      ['TTL', 'k'],
      ['EXPIRETIME', 'k'],
      ['GETEX', 'k', 'PXAT', FUTURE_MS],
      ['PEXPIRETIME', 'k'],
      ['GETEX', 'k', 'PERSIST'],
      ['TTL', 'k'],
      ['GETEX', 'k', 'persist'],
      exp(['GETEX', 'k', 'EX', 0], INVALID_EXPIRE('getex')),
      exp(['GETEX', 'k', 'PX', -1], INVALID_EXPIRE('getex')),
      exp(['GETEX', 'k', 'EX', '9223372036854775807'], INVALID_EXPIRE('getex')),
      exp(['GETEX', 'k', 'EX', 'abc'], NOT_INT),
      exp(['GETEX', 'k', 'EX'], SYNTAX),
      exp(['GETEX', 'k', 'EX', 10, 'PX', 10], SYNTAX),
      exp(['GETEX', 'k', 'EX', 10, 'PERSIST'], SYNTAX),
      exp(['GETEX', 'k', 'PERSIST', 'EX', 10], SYNTAX),
      exp(['GETEX', 'k', 'KEEPTTL'], SYNTAX),
      exp(['GETEX', 'k', 'NX'], SYNTAX),
      ['TTL', 'k'],
      ['GETEX', 'k', 'EXAT', 1],
      ['EXISTS', 'k'],
      exp(['GETEX'], ARITY('getex')),
    ));

  test('APPEND STRLEN', () =>
    d.check(
      exp(['APPEND', 'k', 'hello'], ':5'),
      exp(['APPEND', 'k', ' world'], ':11'),
      ['GET', 'k'],
      ['STRLEN', 'k'],
      ['STRLEN', 'missing'],
      ['APPEND', 'k', ''],
      ['APPEND', 'new', ''],
      ['EXISTS', 'new'],
      ['SET', 'n', 12345],
      ['STRLEN', 'n'],
      ['APPEND', 'n', 6],
      ['GET', 'n'],
      ['SET', 'neg', -1],
      ['STRLEN', 'neg'],
      exp(['APPEND', 'k'], ARITY('append')),
      exp(['STRLEN'], ARITY('strlen')),
      ['SET', 'e', 'v', 'EX', 100],
      ['APPEND', 'e', 'w'],
      ['TTL', 'e'],
    ));

  test('INCR DECR INCRBY DECRBY', () =>
    d.check(
      exp(['INCR', 'n'], ':1'),
      ['INCR', 'n'],
      ['DECR', 'n'],
      ['DECR', 'n'],
      ['DECR', 'n'],
      ['INCRBY', 'n', 100],
      ['DECRBY', 'n', 50],
      ['INCRBY', 'n', -1000],
      ['DECRBY', 'n', -7],
      ['GET', 'n'],
      ['SET', 's', 'abc'],
      exp(['INCR', 's'], NOT_INT),
      ...[' 1', '1 ', '01', '+1', '-0', '1.0', '1e3', '', '0x10', '9223372036854775808', '-9223372036854775809'].flatMap(
        (v): Step[] => [['SET', 'v', v], ['INCR', 'v'], ['DECR', 'v'], ['GET', 'v']],
      ),
      ['SET', 'max', '9223372036854775807'],
      exp(['INCR', 'max'], '-ERR increment or decrement would overflow'),
      exp(['INCRBY', 'max', 1], '-ERR increment or decrement would overflow'),
      ['DECRBY', 'max', -1],
      ['GET', 'max'],
      ['SET', 'min', '-9223372036854775808'],
      ['DECR', 'min'],
      ['INCRBY', 'min', -1],
      ['DECRBY', 'min', 1],
      ['INCRBY', 'min', '9223372036854775807'],
      exp(['DECRBY', 'x', '-9223372036854775808'], '-ERR decrement would overflow'),
      ['INCRBY', 'x', '-9223372036854775808'],
      ['INCRBY', 'x', '9223372036854775807'],
      exp(['INCRBY', 'x', 'abc'], NOT_INT),
      exp(['INCRBY', 'x', '1.5'], NOT_INT),
      exp(['INCRBY', 'x', '9223372036854775808'], NOT_INT),
      exp(['DECRBY', 'x', ''], NOT_INT),
      exp(['INCR'], ARITY('incr')),
      exp(['INCR', 'a', 'b'], ARITY('incr')),
      exp(['INCRBY', 'a'], ARITY('incrby')),
      exp(['DECRBY', 'a', 1, 2], ARITY('decrby')),
      ['SET', 'e', 10, 'EX', 100],
      ['INCR', 'e'],
      ['TTL', 'e'],
    ));

  test('INCRBYFLOAT', () =>
    d.check(
      exp(['INCRBYFLOAT', 'f', '10.5'], '"10.5"'),
      ['INCRBYFLOAT', 'f', '0.1'],
      ['INCRBYFLOAT', 'f', '-5'],
      ['INCRBYFLOAT', 'f', '5.0e3'],
      ['INCRBYFLOAT', 'f', '-5.0E3'],
      ['INCRBYFLOAT', 'f', '1'],
      ['GET', 'f'],
      ['SET', 'g', '1.1'],
      ['INCRBYFLOAT', 'g', '2.2'],
      ['SET', 'g', 3],
      ['INCRBYFLOAT', 'g', '0'],
      ['INCRBYFLOAT', 'g', '-3'],
      ['INCRBYFLOAT', 'g', '0.0000001'],
      ['INCRBYFLOAT', 'g', '1e-20'],
      ['INCRBYFLOAT', 'g', '123456789012345678'],
      ['INCRBYFLOAT', 'h', '  1'],
      ['INCRBYFLOAT', 'h', '1 '],
      ['INCRBYFLOAT', 'h', '.5'],
      ['INCRBYFLOAT', 'h', '5.'],
      ['INCRBYFLOAT', 'h', '+1'],
      ['INCRBYFLOAT', 'h', '0x10'],
      ['SET', 'big', '1e308'],
      ['INCRBYFLOAT', 'big', '1e308'],
      ['INCRBYFLOAT', 'big2', '1.7976931348623157e308'],
      exp(['INCRBYFLOAT', 'f', 'abc'], '-ERR value is not a valid float'),
      exp(['INCRBYFLOAT', 'f', ''], '-ERR value is not a valid float'),
      exp(['INCRBYFLOAT', 'f', 'inf'], '-ERR increment would produce NaN or Infinity'),
      ['INCRBYFLOAT', 'f', '-inf'],
      ['INCRBYFLOAT', 'f', '+inf'],
      ['INCRBYFLOAT', 'f', 'nan'],
      ['INCRBYFLOAT', 'f', '1e400'],
      ['SET', 's', 'abc'],
      exp(['INCRBYFLOAT', 's', '1'], '-ERR value is not a valid float'),
      ['SET', 's', '1.5abc'],
      ['INCRBYFLOAT', 's', '1'],
      exp(['INCRBYFLOAT', 'f'], ARITY('incrbyfloat')),
      ['SET', 'e', '1.5', 'EX', 100],
      ['INCRBYFLOAT', 'e', '1'],
      ['TTL', 'e'],
      ['SET', 'i', '10'],
      ['INCRBYFLOAT', 'i', '1.5'],
      ['OBJECT', 'ENCODING', 'i'],
      ['INCR', 'i'],
    ));

  test('GETRANGE SUBSTR', () =>
    d.check(
      ['SET', 'k', 'Hello World'],
      ...[
        [0, 4], [0, -1], [-5, -1], [-100, 5], [5, 100], [6, 5], [-1, -5], [0, 0], [-1, -1], [11, 20], [10, 10],
        [-11, 0], [-12, -12], ['9223372036854775807', '9223372036854775807'], ['-9223372036854775808', 3],
      ].flatMap(([s, e]): Step[] => [['GETRANGE', 'k', s, e], ['SUBSTR', 'k', s, e]]),
      ['GETRANGE', 'missing', 0, -1],
      ['SET', 'empty', ''],
      ['GETRANGE', 'empty', 0, -1],
      ['GETRANGE', 'empty', -1, 0],
      ['SET', 'n', 1234567],
      ['GETRANGE', 'n', 2, 4],
      ['GETRANGE', 'n', -3, -1],
      exp(['GETRANGE', 'k', 'a', 1], NOT_INT),
      exp(['GETRANGE', 'k', 0, '1.5'], NOT_INT),
      exp(['GETRANGE', 'k', 0], ARITY('getrange')),
      exp(['SUBSTR', 'k', 0], ARITY('substr')),
    ));

  test('SETRANGE', () =>
    d.check(
      exp(['SETRANGE', 'k', 0, 'Hello'], ':5'),
      ['SETRANGE', 'k', 6, 'World'],
      ['GET', 'k'],
      ['SETRANGE', 'k', 1, 'EL'],
      ['GET', 'k'],
      ['SETRANGE', 'k', 20, '!'],
      ['GET', 'k'],
      ['SETRANGE', 'k', 0, ''],
      ['SETRANGE', 'missing', 0, ''],
      ['SETRANGE', 'missing', 5, ''],
      ['EXISTS', 'missing'],
      ['SETRANGE', 'pad', 3, 'x'],
      ['GET', 'pad'],
      ['SET', 'n', 12345],
      ['SETRANGE', 'n', 1, 'x'],
      ['GET', 'n'],
      ['OBJECT', 'ENCODING', 'n'],
      exp(['SETRANGE', 'k', -1, 'x'], '-ERR offset is out of range'),
      exp(['SETRANGE', 'k', 536870912, 'x'], '-ERR string exceeds maximum allowed size (proto-max-bulk-len)'),
      ['SETRANGE', 'k', 536870911, ''],
      ['SETRANGE', 'new', 536870912, ''],
      ['EXISTS', 'new'],
      exp(['SETRANGE', 'k', 536870911, 'xy'], '-ERR string exceeds maximum allowed size (proto-max-bulk-len)'),
      exp(['SETRANGE', 'k', 'a', 'x'], NOT_INT),
      exp(['SETRANGE', 'k', '9223372036854775808', 'x'], NOT_INT),
      exp(['SETRANGE', 'k', 0], ARITY('setrange')),
      ['SET', 'e', 'v', 'EX', 100],
      ['SETRANGE', 'e', 0, 'w'],
      ['TTL', 'e'],
    ));

  test('LCS', () =>
    d.check(
      ['MSET', 'a', 'ohmytext', 'b', 'mynewtext'],
      exp(['LCS', 'a', 'b'], '"mytext"'),
      exp(['LCS', 'a', 'b', 'LEN'], ':6'),
      ['LCS', 'a', 'b', 'IDX'],
      ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', 4],
      ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'],
      ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', 2, 'WITHMATCHLEN'],
      ['LCS', 'a', 'b', 'WITHMATCHLEN', 'IDX', 'MINMATCHLEN', 0],
      ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', -3],
      ['LCS', 'a', 'b', 'MINMATCHLEN', 2],
      ['LCS', 'a', 'b', 'WITHMATCHLEN'],
      ['LCS', 'a', 'b', 'LEN', 'MINMATCHLEN', 2],
      exp(['LCS', 'a', 'b', 'LEN', 'IDX'], '-ERR If you want both the length and indexes, please just use IDX.'),
      exp(['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN'], SYNTAX),
      exp(['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', 'x'], NOT_INT),
      exp(['LCS', 'a', 'b', 'FOO'], SYNTAX),
      ['LCS', 'a', 'missing'],
      ['LCS', 'missing', 'missing2', 'IDX'],
      ['LCS', 'missing', 'a', 'LEN'],
      ['LCS', 'a', 'a'],
      ['LCS', 'a', 'a', 'IDX', 'WITHMATCHLEN'],
      ['MSET', 'x', 'ABCBDAB', 'y', 'BDCABA'],
      ['LCS', 'x', 'y'],
      ['LCS', 'x', 'y', 'IDX', 'WITHMATCHLEN'],
      ['MSET', 'n1', 123456, 'n2', 2468],
      ['LCS', 'n1', 'n2', 'IDX'],
      exp(['LCS', 'a'], ARITY('lcs')),
    ));

  // Keys of another type. Kept apart from the tests above so that string
  // semantics can be verified on their own.
  test('string commands on a list key (WRONGTYPE)', () =>
    d.check(
      ['RPUSH', 'l', 'x'],
      ...(
        [
          ['GET', 'l'],
          ['GETSET', 'l', 'v'],
          ['GETDEL', 'l'],
          ['GETEX', 'l'],
          ['GETEX', 'l', 'EX', 10],
          ['APPEND', 'l', 'x'],
          ['STRLEN', 'l'],
          ['INCR', 'l'],
          ['DECR', 'l'],
          ['INCRBY', 'l', 1],
          ['DECRBY', 'l', 1],
          ['INCRBYFLOAT', 'l', '1'],
          ['GETRANGE', 'l', 0, 1],
          ['SUBSTR', 'l', 0, 1],
          ['SETRANGE', 'l', 0, 'x'],
          ['SET', 'l', 'v', 'GET'],
          ['SET', 'l', 'v', 'NX', 'GET'],
          ['SET', 'l', 'v', 'XX', 'GET', 'EX', 10],
        ] as Arg[][]
      ).map((cmd) => exp(cmd, WRONGTYPE)),
      ['TYPE', 'l'],
      ['TTL', 'l'],
      ['EXISTS', 'l'],
      ['SETNX', 'l', 'x'],
      ['MGET', 'a', 'l'],
      ['LCS', 'a', 'l'],
      ['LCS', 'l', 'a', 'LEN'],
      ['SETEX', 'l', 100, 'now-string'],
      ['TYPE', 'l'],
      ['RPUSH', 'l2', 'x'],
      ['MSET', 'l2', 'str'],
      ['TYPE', 'l2'],
      ['RPUSH', 'l3', 'x'],
      ['SET', 'l3', 'now a string'],
      ['GET', 'l3'],
    ));

  test('SET option combinations on a list key', async () => {
    for (const opts of setCombos) {
      await d.check(['DEL', 'k'], ['RPUSH', 'k', 'a'], ['SET', 'k', 'new', ...opts], ...inspect);
    }
  });

  test('OBJECT ENCODING transitions', () =>
    d.check(
      ...(
        [
          ['SET', 'k', 123],
          ['SET', 'k', -123],
          ['SET', 'k', 0],
          ['SET', 'k', '9223372036854775807'],
          ['SET', 'k', '-9223372036854775808'],
          ['SET', 'k', '9223372036854775808'],
          ['SET', 'k', '0123'],
          ['SET', 'k', '+1'],
          ['SET', 'k', ' 1'],
          ['SET', 'k', '1.5'],
          ['SET', 'k', ''],
          ['SET', 'k', 'a'.repeat(44)],
          ['SET', 'k', 'a'.repeat(45)],
          ['SET', 'k', '1'.repeat(20)],
          ['SET', 'k', 'x'.repeat(1000)],
          ['SETEX', 'k', 100, 12],
          ['SETNX', 'k2', 55],
          ['MSET', 'k', 77],
          ['GETSET', 'k', 88],
          ['SET', 'k', 'a'.repeat(40)],
          ['APPEND', 'k', 'b'],
          ['SET', 'k', 10],
          ['APPEND', 'k', 0],
          ['INCR', 'k'],
          ['INCRBY', 'k', 100000],
          ['DECR', 'k'],
          ['SET', 'k', 'abc'],
          ['SETRANGE', 'k', 0, 'x'],
          ['SET', 'k', 'abc', 'EX', 100],
          ['INCRBYFLOAT', 'k2', 1],
          ['INCRBYFLOAT', 'k2', '0.5'],
          ['GETEX', 'k', 'PERSIST'],
        ] as Arg[][]
      ).flatMap((cmd): Step[] => [cmd, ['OBJECT', 'ENCODING', cmd[1]], ['GET', cmd[1]]]),
      ['OBJECT', 'ENCODING', 'missing'],
    ));

  test('binary-safe keys and values', async () => {
    const bin = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0d, 0x0a, 0x24, 0x2a, 0x20, 0x22, 0x00]);
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await d.check(
      ['SET', bin, bin],
      ['GET', bin],
      ['STRLEN', bin],
      ['SET', 'all', all],
      ['GET', 'all'],
      ['APPEND', 'all', bin],
      ['GETRANGE', 'all', 250, 262],
      ['SETRANGE', 'all', 10, Buffer.from([0, 0, 0])],
      ['GETRANGE', 'all', 8, 14],
      ['MSET', Buffer.from('k\r\n1'), Buffer.from('\r\n'), Buffer.from('k\x002'), ''],
      ['MGET', Buffer.from('k\r\n1'), Buffer.from('k\x002'), 'k'],
      ['KEYS', 'k*'],
      ['SET', '', 'empty key'],
      ['GET', ''],
      ['EXISTS', ''],
    );
  });

  test('large values (1 MB)', async () => {
    const big = Buffer.alloc(1024 * 1024, 'abcdefghij');
    big[12345] = 0;
    await d.check(
      ['SET', 'big', big],
      ['GET', 'big'],
      ['STRLEN', 'big'],
      ['OBJECT', 'ENCODING', 'big'],
      ['APPEND', 'big', 'tail'],
      ['GETRANGE', 'big', -10, -1],
      ['GETRANGE', 'big', 12340, 12350],
      ['SETRANGE', 'big', 2 * 1024 * 1024, 'x'],
      ['STRLEN', 'big'],
      ['GETRANGE', 'big', 1024 * 1024 + 2, 1024 * 1024 + 10],
      ['GETSET', 'big', 'small'],
      ['MSET', 'b1', big, 'b2', big],
      ['MGET', 'b1', 'b2'],
      ['LCS', 'b1', 'missing', 'LEN'],
      ['GETDEL', 'b1'],
      ['EXISTS', 'b1'],
    );
  });
});

/** A different but equivalent ordering of SET options (value after its option). */
function reorder(opts: Arg[]): Arg[] {
  const groups: Arg[][] = [];
  for (let i = 0; i < opts.length; i++) {
    const o = String(opts[i]).toUpperCase();
    if (['EX', 'PX', 'EXAT', 'PXAT'].includes(o)) groups.push([String(opts[i]).toLowerCase(), opts[++i]]);
    else groups.push([String(opts[i]).toLowerCase()]);
  }
  return groups.reverse().flat();
}
