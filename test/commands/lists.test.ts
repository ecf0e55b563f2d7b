/**
 * List commands: compared reply-for-reply against a real redis-server 7.0 in
 * RESP2 and RESP3 (reply shapes, null shapes, error texts and their order
 * relative to the key lookup, deletion of emptied lists, WRONGTYPE), random
 * scripts under several list-max-listpack-size settings (node splits and
 * merges), plus checks of Tachyon alone through ioredis.
 */
import Redis from 'ioredis';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { PROTOCOLS, exp, useDifferential, type Arg, type Step } from '../helpers/differential';
import { WRONGTYPE, NOT_INT, SYNTAX, ARITY, rng } from '../helpers/replies';
import { useIoredis } from '../helpers/ioredis';

const MUST_BE_POSITIVE = '-ERR value is out of range, must be positive';
const RANK_ZERO =
  "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";

const str = (n: number, ch = 'x') => ch.repeat(n);

describe.each(PROTOCOLS)('lists (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  const NIL = protocol === 2 ? 'nil' : '_';
  const NIL_ARRAY = protocol === 2 ? '*nil' : '_';
  afterEach(async () => {
    await d.adminCall('CONFIG', 'SET', 'list-max-listpack-size', '-2');
    await d.adminCall('CONFIG', 'SET', 'list-compress-depth', '0');
  });

  test('LPUSH RPUSH LPUSHX RPUSHX LLEN, encoding and type', () =>
    d.check(
      exp(['LPUSH', 'l', 'a', 'b', 'c'], ':3'),
      exp(['RPUSH', 'l', 'd', 'e'], ':5'),
      exp(['LRANGE', 'l', '0', '-1'], '["c", "b", "a", "d", "e"]'),
      exp(['OBJECT', 'ENCODING', 'l'], '"quicklist"'),
      exp(['TYPE', 'l'], '+list'),
      exp(['LLEN', 'l'], ':5'),
      exp(['LLEN', 'nokey'], ':0'),
      exp(['LPUSHX', 'l', 'x', 'y'], ':7'),
      exp(['RPUSHX', 'l', 'z'], ':8'),
      exp(['LRANGE', 'l', '0', '-1'], '["y", "x", "c", "b", "a", "d", "e", "z"]'),
      exp(['LPUSHX', 'nokey', 'x'], ':0'),
      exp(['RPUSHX', 'nokey', 'x', 'y'], ':0'),
      exp(['EXISTS', 'nokey'], ':0'),
      exp(['RPUSH', 'one', 'x'], ':1'),
      exp(['OBJECT', 'ENCODING', 'one'], '"quicklist"'),
      exp(['RPUSH', 'e', ''], ':1'),
      exp(['LRANGE', 'e', '0', '-1'], '[""]'),
      exp(['LPUSH', 'l'], ARITY('lpush')),
      exp(['RPUSH', 'l'], ARITY('rpush')),
      exp(['LPUSHX', 'l'], ARITY('lpushx')),
      exp(['RPUSHX', 'l'], ARITY('rpushx')),
      exp(['LLEN'], ARITY('llen')),
      exp(['LLEN', 'a', 'b'], ARITY('llen')),
    ));

  test('integer-looking elements keep their exact bytes', () =>
    d.check(
      ['RPUSH', 'l', '0', '1', '-1', '127', '128', '-4096', '4095', '4096', '65535', '-32768', '8388607'],
      ['RPUSH', 'l', '2147483647', '-2147483648', '9223372036854775807', '-9223372036854775808'],
      ['RPUSH', 'l', '9223372036854775808', '-9223372036854775809', '01', '-0', '+1', ' 1', '1 ', '1.0', '0x1'],
      ['RPUSH', 'l', '18446744073709551616', '00', '-', ''],
      ['LRANGE', 'l', '0', '-1'],
      ['LINDEX', 'l', '1'],
      ['LINDEX', 'l', '14'],
      ['LPOS', 'l', '01'],
      ['LPOS', 'l', '1'],
      ['LPOS', 'l', '-0'],
      ['LPOS', 'l', '0'],
      ['LPOS', 'l', '-9223372036854775808'],
      ['LPOS', 'l', '9223372036854775808'],
      ['LINSERT', 'l', 'BEFORE', '-1', '-2'],
      ['LINSERT', 'l', 'AFTER', '9223372036854775807', '7'],
      ['LREM', 'l', '0', '4095'],
      ['LREM', 'l', '0', '+1'],
      ['LSET', 'l', '0', '123456789012'],
      ['LRANGE', 'l', '0', '-1'],
      ['LPOP', 'l', '3'],
      ['RPOP', 'l', '3'],
      ['LRANGE', 'l', '0', '-1'],
    ));

  test('LPOP RPOP with and without count: reply and null shapes', () =>
    d.check(
      ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f'],
      exp(['LPOP', 'l'], '"a"'),
      exp(['RPOP', 'l'], '"f"'),
      exp(['LPOP', 'l', '1'], '["b"]'),
      exp(['RPOP', 'l', '2'], '["e", "d"]'),
      exp(['LPOP', 'l', '0'], '[]'),
      exp(['RPOP', 'l', '0'], '[]'),
      exp(['LPOP', 'l', '10'], '["c"]'),
      exp(['EXISTS', 'l'], ':0'),
      exp(['LPOP', 'l'], NIL),
      exp(['RPOP', 'l'], NIL),
      exp(['LPOP', 'l', '1'], NIL_ARRAY),
      exp(['RPOP', 'l', '5'], NIL_ARRAY),
      exp(['LPOP', 'l', '0'], NIL_ARRAY),
      exp(['RPOP', 'l', '0'], NIL_ARRAY),
      ['RPUSH', 'l', 'a', 'b', 'c'],
      exp(['RPOP', 'l', '3'], '["c", "b", "a"]'),
      exp(['EXISTS', 'l'], ':0'),
      ['RPUSH', 'l', 'a'],
      exp(['RPOP', 'l'], '"a"'),
      exp(['EXISTS', 'l'], ':0'),
      ['RPUSH', 'l', 'a', 'b'],
      exp(['LPOP', 'l', '-1'], MUST_BE_POSITIVE),
      exp(['LPOP', 'l', 'abc'], MUST_BE_POSITIVE),
      exp(['RPOP', 'l', '1.5'], MUST_BE_POSITIVE),
      exp(['LPOP', 'nokey', 'abc'], MUST_BE_POSITIVE),
      exp(['RPOP', 'l', '9223372036854775808'], MUST_BE_POSITIVE),
      exp(['RPOP', 'l', '9223372036854775807'], '["b", "a"]'),
      exp(['LPOP', 'l', '1', '2'], ARITY('lpop')),
      exp(['RPOP', 'l', '1', '2'], ARITY('rpop')),
      exp(['LPOP'], ARITY('lpop')),
    ));

  test('LRANGE index arithmetic', async () => {
    await d.check(['RPUSH', 'l', ...Array.from({ length: 12 }, (_, i) => `e${i}`)]);
    const idx = ['0', '1', '5', '11', '12', '13', '100', '-1', '-2', '-11', '-12', '-13', '-100'];
    const steps: Step[] = [];
    for (const a of idx) for (const b of idx) steps.push(['LRANGE', 'l', a, b]);
    steps.push(
      ['LRANGE', 'l', '-9223372036854775808', '9223372036854775807'],
      ['LRANGE', 'l', '9223372036854775807', '-9223372036854775808'],
      exp(['LRANGE', 'nokey', '0', '-1'], '[]'),
      exp(['LRANGE', 'l', 'a', '1'], NOT_INT),
      exp(['LRANGE', 'l', '0', '1.0'], NOT_INT),
      exp(['LRANGE', 'nokey', 'x', 'y'], NOT_INT),
      exp(['LRANGE', 'l', ' 1', '2'], NOT_INT),
      exp(['LRANGE', 'l', '0'], ARITY('lrange')),
    );
    await d.check(...steps);
  });

  test('LINDEX and LSET', () =>
    d.check(
      ['RPUSH', 'l', 'a', 'b', 'c'],
      exp(['LINDEX', 'l', '0'], '"a"'),
      exp(['LINDEX', 'l', '-1'], '"c"'),
      exp(['LINDEX', 'l', '3'], NIL),
      exp(['LINDEX', 'l', '-4'], NIL),
      exp(['LINDEX', 'l', 'x'], NOT_INT),
      exp(['LINDEX', 'nokey', 'x'], NIL),
      exp(['LINDEX', 'nokey', '0'], NIL),
      exp(['LSET', 'l', '1', 'B'], '+OK'),
      exp(['LSET', 'l', '-1', 'C'], '+OK'),
      exp(['LSET', 'l', '3', 'x'], '-ERR index out of range'),
      exp(['LSET', 'l', '-4', 'x'], '-ERR index out of range'),
      exp(['LSET', 'l', 'x', 'x'], NOT_INT),
      exp(['LSET', 'nokey', '0', 'x'], '-ERR no such key'),
      exp(['LSET', 'nokey', 'x', 'x'], '-ERR no such key'),
      exp(['LRANGE', 'l', '0', '-1'], '["a", "B", "C"]'),
      exp(['LSET', 'l', '0', '12345'], '+OK'),
      exp(['LSET', 'l', '1', str(10000)], '+OK'),
      ['LRANGE', 'l', '0', '-1'],
      exp(['LINDEX', 'l', '0'], '"12345"'),
    ));

  test('LINSERT', () =>
    d.check(
      ['RPUSH', 'l', 'a', 'b', 'c', 'b'],
      exp(['LINSERT', 'l', 'BEFORE', 'b', 'X'], ':5'),
      exp(['LINSERT', 'l', 'after', 'b', 'Y'], ':6'),
      exp(['LINSERT', 'l', 'AFTER', 'c', 'Z'], ':7'),
      exp(['LINSERT', 'l', 'before', 'a', 'first'], ':8'),
      exp(['LINSERT', 'l', 'AfTeR', 'b', 'again'], ':9'),
      exp(['LRANGE', 'l', '0', '-1'], '["first", "a", "X", "b", "again", "Y", "c", "Z", "b"]'),
      exp(['LINSERT', 'l', 'BEFORE', 'nope', 'x'], ':-1'),
      exp(['LINSERT', 'nokey', 'BEFORE', 'a', 'x'], ':0'),
      exp(['EXISTS', 'nokey'], ':0'),
      exp(['LINSERT', 'l', 'MIDDLE', 'a', 'x'], SYNTAX),
      exp(['LINSERT', 'nokey', 'MIDDLE', 'a', 'x'], SYNTAX),
      exp(['LINSERT', 'l', 'BEFORE', 'a'], ARITY('linsert')),
      ['LINSERT', 'l', 'BEFORE', 'Z', ''],
      ['LINSERT', 'l', 'AFTER', '', str(9000)],
      ['LRANGE', 'l', '0', '-1'],
    ));

  test('LREM', () =>
    d.check(
      ['RPUSH', 'l', 'a', 'b', 'a', 'c', 'a', 'b', 'a'],
      exp(['LREM', 'l', '2', 'a'], ':2'),
      exp(['LRANGE', 'l', '0', '-1'], '["b", "c", "a", "b", "a"]'),
      exp(['LREM', 'l', '-1', 'b'], ':1'),
      exp(['LRANGE', 'l', '0', '-1'], '["b", "c", "a", "a"]'),
      exp(['LREM', 'l', '0', 'a'], ':2'),
      exp(['LREM', 'l', '0', 'zzz'], ':0'),
      exp(['LREM', 'l', '-9223372036854775808', 'b'], ':1'),
      exp(['LREM', 'l', '9223372036854775807', 'c'], ':1'),
      exp(['EXISTS', 'l'], ':0'),
      exp(['LREM', 'nokey', '0', 'a'], ':0'),
      exp(['LREM', 'l', 'x', 'a'], NOT_INT),
      exp(['LREM', 'nokey', 'x', 'a'], NOT_INT),
      ['RPUSH', 'l', 'x', 'y', 'x', 'y'],
      exp(['LREM', 'l', '-3', 'y'], ':2'),
      exp(['LRANGE', 'l', '0', '-1'], '["x", "x"]'),
    ));

  test('LTRIM', async () => {
    const idx = ['0', '1', '3', '7', '8', '50', '-1', '-2', '-8', '-9', '-50'];
    const steps: Step[] = [];
    for (const a of idx) {
      for (const b of idx) {
        steps.push(['DEL', 'l'], ['RPUSH', 'l', '1', '2', '3', '4', '5', '6', '7', '8'], ['LTRIM', 'l', a, b], [
          'LRANGE',
          'l',
          '0',
          '-1',
        ]);
        steps.push(['EXISTS', 'l']);
      }
    }
    steps.push(
      exp(['LTRIM', 'nokey', '0', '1'], '+OK'),
      exp(['EXISTS', 'nokey'], ':0'),
      exp(['LTRIM', 'nokey', 'a', '1'], NOT_INT),
      exp(['LTRIM', 'l', '0', 'b'], NOT_INT),
      exp(['LTRIM', 'l', '0'], ARITY('ltrim')),
    );
    await d.check(...steps);
  });

  test('LPOS', () =>
    d.check(
      ['RPUSH', 'l', 'a', 'b', 'c', '1', '2', '3', 'c', 'c'],
      exp(['LPOS', 'l', 'a'], ':0'),
      exp(['LPOS', 'l', 'c'], ':2'),
      exp(['LPOS', 'l', 'c', 'RANK', '2'], ':6'),
      exp(['LPOS', 'l', 'c', 'RANK', '-1'], ':7'),
      exp(['LPOS', 'l', 'c', 'RANK', '-3'], ':2'),
      exp(['LPOS', 'l', 'c', 'RANK', '4'], NIL),
      exp(['LPOS', 'l', 'c', 'COUNT', '0'], '[:2, :6, :7]'),
      exp(['LPOS', 'l', 'c', 'COUNT', '2'], '[:2, :6]'),
      exp(['LPOS', 'l', 'c', 'COUNT', '2', 'RANK', '2'], '[:6, :7]'),
      exp(['LPOS', 'l', 'c', 'RANK', '-1', 'COUNT', '2'], '[:7, :6]'),
      exp(['LPOS', 'l', 'c', 'COUNT', '0', 'MAXLEN', '7'], '[:2, :6]'),
      exp(['LPOS', 'l', 'c', 'RANK', '-1', 'COUNT', '0', 'MAXLEN', '2'], '[:7, :6]'),
      exp(['LPOS', 'l', 'c', 'MAXLEN', '2'], NIL),
      exp(['LPOS', 'l', 'c', 'MAXLEN', '3'], ':2'),
      exp(['LPOS', 'l', 'zz', 'COUNT', '5'], '[]'),
      exp(['LPOS', 'l', 'zz'], NIL),
      exp(['LPOS', 'l', '1'], ':3'),
      exp(['LPOS', 'nokey', 'a'], NIL),
      exp(['LPOS', 'nokey', 'a', 'COUNT', '1'], '[]'),
      exp(['LPOS', 'nokey', 'a', 'COUNT', '0', 'RANK', '-2'], '[]'),
      exp(['LPOS', 'l', 'c', 'RANK', '-9223372036854775808'], ':7'),
      ['LPOS', 'l', 'c', 'RANK', '-9223372036854775808', 'COUNT', '2'],
      ['LPOS', 'l', 'c', 'RANK', '9223372036854775807', 'COUNT', '2'],
      ['LPOS', 'l', 'c', 'rank', '1', 'count', '1', 'maxlen', '0', 'RANK', '2'],
      exp(['LPOS', 'l', 'c', 'RANK', '0'], RANK_ZERO),
      exp(['LPOS', 'nokey', 'c', 'RANK', '0'], RANK_ZERO),
      exp(['LPOS', 'l', 'c', 'RANK', 'x'], NOT_INT),
      exp(['LPOS', 'l', 'c', 'RANK', '9223372036854775808'], NOT_INT),
      exp(['LPOS', 'l', 'c', 'COUNT', '-1'], "-ERR COUNT can't be negative"),
      exp(['LPOS', 'l', 'c', 'COUNT', 'x'], "-ERR COUNT can't be negative"),
      exp(['LPOS', 'l', 'c', 'MAXLEN', '-1'], "-ERR MAXLEN can't be negative"),
      exp(['LPOS', 'l', 'c', 'MAXLEN', 'x'], "-ERR MAXLEN can't be negative"),
      exp(['LPOS', 'l', 'c', 'RANK'], SYNTAX),
      exp(['LPOS', 'l', 'c', 'FOO', '1'], SYNTAX),
      exp(['LPOS', 'nokey', 'c', 'COUNT'], SYNTAX),
      exp(['LPOS', 'l'], ARITY('lpos')),
    ));

  test('LMOVE and RPOPLPUSH, rotation and deletion of the source', () =>
    d.check(
      ['RPUSH', 'src', '1', '2', '3', '4'],
      exp(['LMOVE', 'src', 'dst', 'LEFT', 'RIGHT'], '"1"'),
      exp(['LMOVE', 'src', 'dst', 'right', 'left'], '"4"'),
      exp(['LMOVE', 'src', 'dst', 'LEFT', 'LEFT'], '"2"'),
      exp(['LRANGE', 'dst', '0', '-1'], '["2", "4", "1"]'),
      exp(['RPOPLPUSH', 'src', 'dst'], '"3"'),
      exp(['EXISTS', 'src'], ':0'),
      exp(['LRANGE', 'dst', '0', '-1'], '["3", "2", "4", "1"]'),
      exp(['RPOPLPUSH', 'src', 'dst'], NIL),
      exp(['LMOVE', 'src', 'dst', 'LEFT', 'LEFT'], NIL),
      exp(['EXISTS', 'src'], ':0'),
      exp(['LMOVE', 'dst', 'dst', 'LEFT', 'RIGHT'], '"3"'),
      exp(['LRANGE', 'dst', '0', '-1'], '["2", "4", "1", "3"]'),
      exp(['LMOVE', 'dst', 'dst', 'RIGHT', 'LEFT'], '"3"'),
      exp(['LMOVE', 'dst', 'dst', 'RIGHT', 'RIGHT'], '"1"'),
      exp(['LMOVE', 'dst', 'dst', 'LEFT', 'LEFT'], '"3"'),
      exp(['RPOPLPUSH', 'dst', 'dst'], '"1"'),
      exp(['LRANGE', 'dst', '0', '-1'], '["1", "3", "2", "4"]'),
      ['RPUSH', 'single', 'only'],
      exp(['LMOVE', 'single', 'single', 'LEFT', 'RIGHT'], '"only"'),
      exp(['LRANGE', 'single', '0', '-1'], '["only"]'),
      exp(['RPOPLPUSH', 'single', 'other'], '"only"'),
      exp(['EXISTS', 'single'], ':0'),
      ['RPUSH', 'big', str(5000, 'a'), str(5000, 'b'), '77'],
      ['LMOVE', 'big', 'big', 'LEFT', 'RIGHT'],
      ['LMOVE', 'big', 'big', 'RIGHT', 'LEFT'],
      ['LMOVE', 'big', 'other', 'RIGHT', 'LEFT'],
      ['LRANGE', 'big', '0', '-1'],
      ['LRANGE', 'other', '0', '-1'],
      ['SET', 's', 'v'],
      exp(['LMOVE', 'dst', 's', 'LEFT', 'LEFT'], WRONGTYPE),
      exp(['RPOPLPUSH', 'dst', 's'], WRONGTYPE),
      exp(['LRANGE', 'dst', '0', '-1'], '["1", "3", "2", "4"]'),
      exp(['LMOVE', 's', 'dst', 'LEFT', 'LEFT'], WRONGTYPE),
      exp(['LMOVE', 'nokey', 's', 'LEFT', 'LEFT'], NIL),
      exp(['LMOVE', 'dst', 'x', 'UP', 'LEFT'], SYNTAX),
      exp(['LMOVE', 'dst', 'x', 'LEFT', 'DOWN'], SYNTAX),
      exp(['LMOVE', 'nokey', 'x', 'UP', 'LEFT'], SYNTAX),
      exp(['LMOVE', 'dst', 'x', 'LEFT'], ARITY('lmove')),
      exp(['RPOPLPUSH', 'dst'], ARITY('rpoplpush')),
      exp(['RPOPLPUSH', 'a', 'b', 'c'], ARITY('rpoplpush')),
    ));

  test('LMPOP', () =>
    d.check(
      ['RPUSH', 'a', '1', '2', '3', '4', '5'],
      ['RPUSH', 'b', 'x', 'y'],
      exp(['LMPOP', '2', 'nokey', 'a', 'LEFT'], '["a", ["1"]]'),
      exp(['LMPOP', '2', 'nokey', 'a', 'RIGHT', 'COUNT', '2'], '["a", ["5", "4"]]'),
      exp(['LMPOP', '1', 'a', 'left', 'count', '10'], '["a", ["2", "3"]]'),
      exp(['EXISTS', 'a'], ':0'),
      exp(['LMPOP', '3', 'a', 'nokey', 'b', 'RIGHT', 'COUNT', '1'], '["b", ["y"]]'),
      exp(['LMPOP', '2', 'a', 'nokey', 'LEFT'], NIL_ARRAY),
      exp(['LMPOP', '2', 'a', 'nokey', 'LEFT', 'COUNT', '5'], NIL_ARRAY),
      ['SET', 's', 'v'],
      exp(['LMPOP', '2', 's', 'b', 'LEFT'], WRONGTYPE),
      exp(['LMPOP', '2', 'nokey', 's', 'LEFT'], WRONGTYPE),
      exp(['LMPOP', '2', 'b', 's', 'LEFT'], '["b", ["x"]]'),
      exp(['LMPOP', '0', 'b', 'LEFT'], '-ERR numkeys should be greater than 0'),
      exp(['LMPOP', '-1', 'b', 'LEFT'], '-ERR numkeys should be greater than 0'),
      exp(['LMPOP', 'x', 'b', 'LEFT'], '-ERR numkeys should be greater than 0'),
      exp(['LMPOP', '2', 'b', 'LEFT'], SYNTAX),
      exp(['LMPOP', '9223372036854775807', 'b', 'LEFT'], SYNTAX),
      exp(['LMPOP', '1', 'b', 'UP'], SYNTAX),
      exp(['LMPOP', '1', 'b', 'LEFT', 'COUNT'], SYNTAX),
      exp(['LMPOP', '1', 'b', 'LEFT', 'COUNT', '0'], '-ERR count should be greater than 0'),
      exp(['LMPOP', '1', 'b', 'LEFT', 'COUNT', '-1'], '-ERR count should be greater than 0'),
      exp(['LMPOP', '1', 'b', 'LEFT', 'COUNT', 'x'], '-ERR count should be greater than 0'),
      exp(['LMPOP', '1', 'b', 'LEFT', 'COUNT', '1', 'COUNT', '1'], SYNTAX),
      exp(['LMPOP', '1', 'b', 'LEFT', 'FOO'], SYNTAX),
      exp(['LMPOP', '1', 'b'], ARITY('lmpop')),
      exp(['LMPOP', '1', 's', 'LEFT', 'COUNT', '0'], '-ERR count should be greater than 0'),
    ));

  test('WRONGTYPE everywhere it belongs', () =>
    d.check(
      ['SET', 's', 'v'],
      ['HSET', 'h', 'f', 'v'],
      exp(['LPUSH', 's', 'a'], WRONGTYPE),
      exp(['RPUSH', 'h', 'a'], WRONGTYPE),
      exp(['LPUSHX', 's', 'a'], WRONGTYPE),
      exp(['RPUSHX', 's', 'a'], WRONGTYPE),
      exp(['LPOP', 's'], WRONGTYPE),
      exp(['RPOP', 's', '0'], WRONGTYPE),
      exp(['LPOP', 's', '2'], WRONGTYPE),
      exp(['LLEN', 's'], WRONGTYPE),
      exp(['LRANGE', 's', '0', '-1'], WRONGTYPE),
      exp(['LINDEX', 's', '0'], WRONGTYPE),
      exp(['LINDEX', 's', 'x'], WRONGTYPE),
      exp(['LSET', 's', '0', 'x'], WRONGTYPE),
      exp(['LSET', 's', 'x', 'x'], WRONGTYPE),
      exp(['LINSERT', 's', 'BEFORE', 'a', 'b'], WRONGTYPE),
      exp(['LREM', 's', '0', 'a'], WRONGTYPE),
      exp(['LTRIM', 's', '0', '1'], WRONGTYPE),
      exp(['LPOS', 's', 'a'], WRONGTYPE),
      exp(['LPOS', 's', 'a', 'COUNT', '0'], WRONGTYPE),
      exp(['LMOVE', 's', 'd', 'LEFT', 'LEFT'], WRONGTYPE),
      exp(['RPOPLPUSH', 's', 'd'], WRONGTYPE),
      exp(['LMPOP', '1', 's', 'LEFT'], WRONGTYPE),
      exp(['GET', 's'], '"v"'),
      ['RPUSH', 'l', 'a'],
      exp(['GET', 'l'], WRONGTYPE),
      exp(['HGET', 'l', 'a'], WRONGTYPE),
      exp(['SADD', 'l', 'a'], WRONGTYPE),
    ));

  test('big elements, binary data and node boundaries', async () => {
    const bin = Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 0]);
    await d.check(
      ['RPUSH', 'l', bin, str(63), str(64), str(4095), str(4096), str(9000), str(70000)],
      ['LPUSH', 'l', str(8000, 'y'), str(8100, 'z'), 'small'],
      ['LRANGE', 'l', '0', '-1'],
      ['LLEN', 'l'],
      ['LPOS', 'l', bin],
      ['LINDEX', 'l', '-1'],
      ['LSET', 'l', '3', 'tiny'],
      ['LINSERT', 'l', 'AFTER', 'tiny', str(20000, 'w')],
      ['LREM', 'l', '0', str(64)],
      ['LRANGE', 'l', '0', '-1'],
      ['RPOP', 'l', '4'],
      ['LPOP', 'l', '4'],
      ['LRANGE', 'l', '0', '-1'],
    );
  });

  test('a pushed list survives COPY, RENAME and DEL', () =>
    d.check(
      ['RPUSH', 'l', 'a', 'b', '3'],
      exp(['COPY', 'l', 'c'], ':1'),
      ['RPUSH', 'c', 'more'],
      exp(['LRANGE', 'l', '0', '-1'], '["a", "b", "3"]'),
      exp(['LRANGE', 'c', '0', '-1'], '["a", "b", "3", "more"]'),
      exp(['RENAME', 'l', 'm'], '+OK'),
      exp(['LRANGE', 'm', '0', '-1'], '["a", "b", "3"]'),
      exp(['DEL', 'm', 'c'], ':2'),
      ['LLEN', 'm'],
    ));

  for (const fill of ['-2', '-1', '1', '2', '5']) {
    test(`random script with list-max-listpack-size ${fill}`, async () => {
      await d.adminCall('CONFIG', 'SET', 'list-max-listpack-size', fill);
      await d.adminCall('CONFIG', 'SET', 'list-compress-depth', fill === '2' ? '1' : '0');
      const rand = rng(0x5eed + Number(fill) * 7);
      const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
      const keys = ['l1', 'l2'];
      const elem = (): Arg => {
        const r = rand();
        if (r < 0.4) return `v${Math.floor(rand() * 12)}`;
        if (r < 0.7) return String(Math.floor(rand() * 2000) - 1000);
        if (r < 0.9) return str(1 + Math.floor(rand() * 300), pick(['a', 'b']));
        return str(1000 + Math.floor(rand() * 3000), 'c');
      };
      const idx = () => String(Math.floor(rand() * 40) - 20);
      const steps: Step[] = [];
      for (let i = 0; i < 500; i++) {
        const k = pick(keys);
        const r = rand();
        if (r < 0.2) steps.push([pick(['LPUSH', 'RPUSH']), k, ...Array.from({ length: 1 + Math.floor(rand() * 6) }, elem)]);
        else if (r < 0.27) steps.push([pick(['LPOP', 'RPOP']), k, ...(rand() < 0.5 ? [] : [String(Math.floor(rand() * 5))])]);
        else if (r < 0.37) steps.push(['LINSERT', k, pick(['BEFORE', 'AFTER']), elem(), elem()]);
        else if (r < 0.42) steps.push(['LREM', k, String(Math.floor(rand() * 7) - 3), elem()]);
        else if (r < 0.47) steps.push(['LSET', k, idx(), elem()]);
        else if (r < 0.5) steps.push(['LTRIM', k, idx(), idx()]);
        else if (r < 0.6) steps.push(['LRANGE', k, idx(), idx()]);
        else if (r < 0.67) steps.push(['LINDEX', k, idx()]);
        else if (r < 0.74) steps.push(['LPOS', k, elem(), 'RANK', pick(['1', '2', '-1', '-2']), 'COUNT', pick(['0', '1', '3'])]);
        else if (r < 0.8) steps.push(['LMOVE', k, pick(keys), pick(['LEFT', 'RIGHT']), pick(['LEFT', 'RIGHT'])]);
        else if (r < 0.84) steps.push(['LMPOP', '2', ...keys, pick(['LEFT', 'RIGHT']), 'COUNT', String(1 + Math.floor(rand() * 4))]);
        else steps.push(['LLEN', k], ['LRANGE', k, '0', '-1']);
      }
      steps.push(...keys.flatMap((k): Step[] => [['LRANGE', k, '0', '-1'], ['EXISTS', k]]));
      await d.check(...steps);
    });
  }
});

describe('lists through ioredis', () => {
  const fixture = useIoredis();
  let r: Redis;
  beforeAll(() => {
    r = fixture.redis;
  });

  test('a long list behaves like an array (push, pop, range, index, trim)', async () => {
    await r.del('big');
    const model: string[] = [];
    const rand = rng(42);
    for (let round = 0; round < 40; round++) {
      const batch = Array.from({ length: 250 }, (_, i) => (rand() < 0.5 ? `${round}:${i}` : String(round * 1000 + i)));
      if (round % 2) {
        await r.rpush('big', ...batch);
        model.push(...batch);
      } else {
        await r.lpush('big', ...batch);
        model.unshift(...batch.reverse());
      }
    }
    expect(await r.llen('big')).toBe(model.length);
    expect(await r.lrange('big', 0, -1)).toEqual(model);
    for (const i of [0, 1, 681, 682, 5000, 9999, -1, -682]) {
      expect(await r.lindex('big', i)).toBe(model.at(i));
    }
    expect(await r.lrange('big', 4990, 5010)).toEqual(model.slice(4990, 5011));
    expect(await r.lrange('big', -100, -1)).toEqual(model.slice(-100));
    expect(await r.call('LPOP', 'big', '300')).toEqual(model.splice(0, 300));
    expect(await r.call('RPOP', 'big', '300')).toEqual(model.splice(-300).reverse());
    await r.ltrim('big', 1000, -1000);
    model.splice(0, 1000);
    model.splice(-999);
    expect(await r.lrange('big', 0, -1)).toEqual(model);
    // LSET across the whole list, then LREM of every other value
    for (let i = 0; i < model.length; i += 97) {
      await r.lset('big', i, `set${i}`);
      model[i] = `set${i}`;
    }
    expect(await r.lrange('big', 0, -1)).toEqual(model);
    const target = model[5];
    const n = model.filter((x) => x === target).length;
    expect(await r.lrem('big', 0, target)).toBe(n);
    expect(await r.lrange('big', 0, -1)).toEqual(model.filter((x) => x !== target));
    expect(await r.object('ENCODING', 'big')).toBe('quicklist');
  });

  test('popping a list empty deletes the key; MEMORY USAGE grows with the list', async () => {
    await r.del('q');
    await r.rpush('q', ...Array.from({ length: 10 }, (_, i) => `x${i}`));
    const small = await r.call('MEMORY', 'USAGE', 'q').catch(() => null);
    await r.rpush('q', ...Array.from({ length: 5000 }, (_, i) => `x${i}`));
    const large = await r.call('MEMORY', 'USAGE', 'q').catch(() => null);
    if (typeof small === 'number' && typeof large === 'number') expect(large).toBeGreaterThan(small);
    let total = 0;
    for (;;) {
      const got = (await r.call('LPOP', 'q', '777')) as string[] | null;
      if (got === null) break;
      total += got.length;
    }
    expect(total).toBe(5010);
    expect(await r.exists('q')).toBe(0);
  });

  test('LMOVE rotation over a multi-node list keeps every element', async () => {
    await r.del('rot');
    const items = Array.from({ length: 3000 }, (_, i) => `item-${i}`);
    await r.rpush('rot', ...items);
    for (let i = 0; i < 1500; i++) await r.lmove('rot', 'rot', 'LEFT', 'RIGHT');
    expect(await r.lrange('rot', 0, -1)).toEqual([...items.slice(1500), ...items.slice(0, 1500)]);
    const pipe = r.pipeline();
    for (let i = 0; i < 1500; i++) pipe.rpoplpush('rot', 'rot');
    await pipe.exec();
    expect(await r.lrange('rot', 0, -1)).toEqual(items);
  });

  test('a fill setting applies to lists created after CONFIG SET', async () => {
    await r.config('SET', 'list-max-listpack-size', '1');
    try {
      await r.del('f1');
      await r.rpush('f1', 'a', 'b', 'c', 'd');
      await r.linsert('f1', 'BEFORE', 'c', 'x');
      await r.linsert('f1', 'AFTER', 'a', 'y');
      expect(await r.lrange('f1', 0, -1)).toEqual(['a', 'y', 'b', 'x', 'c', 'd']);
      expect(await r.lrem('f1', 0, 'x')).toBe(1);
      expect(await r.lrange('f1', 0, -1)).toEqual(['a', 'y', 'b', 'c', 'd']);
    } finally {
      await r.config('SET', 'list-max-listpack-size', '-2');
    }
  });
});
