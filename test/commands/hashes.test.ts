/**
 * Hash commands: compared reply-for-reply against a real redis-server 7.0 in
 * RESP2 and RESP3 (encodings, listpack order, errors, reply shapes), plus
 * property checks of the random commands against Tachyon through ioredis.
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
const HASH_NOT_INT = '-ERR hash value is not an integer';
const HASH_NOT_FLOAT = '-ERR hash value is not a float';
const OVERFLOW = '-ERR increment or decrement would overflow';

const enc = (key: string, expected: 'listpack' | 'hashtable'): StepSpec =>
  exp(['OBJECT', 'ENCODING', key], `"${expected}"`);
const str = (n: number, ch = 'x') => ch.repeat(n);

describe.each(PROTOCOLS)('hashes (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  afterEach(async () => {
    await d.adminCall('CONFIG', 'SET', 'hash-max-listpack-entries', '512');
    await d.adminCall('CONFIG', 'SET', 'hash-max-listpack-value', '64');
  });

  test('HSET HGET HMSET HSETNX HMGET basics, arity and types', () =>
    d.check(
      exp(['HSET', 'h', 'a', '1', 'b', '2'], ':2'),
      exp(['HSET', 'h', 'a', 'x', 'c', '3'], ':1'),
      exact(['HGETALL', 'h']),
      exp(['HGET', 'h', 'a'], '"x"'),
      exp(['HGET', 'h', 'missing'], protocol === 2 ? 'nil' : '_'),
      ['HGET', 'nokey', 'a'],
      exp(['HMSET', 'h', 'd', '4', 'a', 'y'], '+OK'),
      exact(['HGETALL', 'h']),
      exp(['HSETNX', 'h', 'a', 'z'], ':0'),
      exp(['HSETNX', 'h', 'e', '5'], ':1'),
      exp(['HSETNX', 'new', 'f', 'v'], ':1'),
      ['HGETALL', 'new'],
      exact(['HMGET', 'h', 'a', 'nope', 'e', 'a']),
      exact(['HMGET', 'nokey', 'a', 'b']),
      ['HSET', 'h', '', ''],
      ['HGET', 'h', ''],
      ['HSTRLEN', 'h', ''],
      exact(['HKEYS', 'h']),
      exact(['HVALS', 'h']),
      exp(['HSET', 'h', 'a'], ARITY('hset')),
      exp(['HSET', 'h', 'a', '1', 'b'], ARITY('hset')),
      exp(['HMSET', 'h', 'a', '1', 'b'], ARITY('hmset')),
      exp(['HSET', 'h'], ARITY('hset')),
      exp(['HSETNX', 'h', 'a'], ARITY('hsetnx')),
      exp(['HGET', 'h'], ARITY('hget')),
      exp(['HMGET', 'h'], ARITY('hmget')),
      ['SET', 's', 'v'],
      exp(['HSET', 's', 'a', '1'], WRONGTYPE),
      exp(['HMSET', 's', 'a', '1'], WRONGTYPE),
      exp(['HSETNX', 's', 'a', '1'], WRONGTYPE),
      exp(['HGET', 's', 'a'], WRONGTYPE),
      exp(['HMGET', 's', 'a'], WRONGTYPE),
      exp(['HGETALL', 's'], WRONGTYPE),
      exp(['HKEYS', 's'], WRONGTYPE),
      exp(['HVALS', 's'], WRONGTYPE),
      exp(['HLEN', 's'], WRONGTYPE),
      exp(['HEXISTS', 's', 'a'], WRONGTYPE),
      exp(['HSTRLEN', 's', 'a'], WRONGTYPE),
      exp(['HDEL', 's', 'a'], WRONGTYPE),
      exp(['HINCRBY', 's', 'a', '1'], WRONGTYPE),
      exp(['HINCRBYFLOAT', 's', 'a', '1'], WRONGTYPE),
      exp(['HRANDFIELD', 's'], WRONGTYPE),
      exp(['HRANDFIELD', 's', '1'], WRONGTYPE),
      exp(['HSCAN', 's', '0'], WRONGTYPE),
      ['GET', 's'],
      ['TYPE', 'h'],
    ));

  test('HGETALL HKEYS HVALS HLEN HEXISTS HSTRLEN on missing and present keys', () =>
    d.check(
      exact(['HGETALL', 'nokey']),
      exact(['HKEYS', 'nokey']),
      exact(['HVALS', 'nokey']),
      exp(['HLEN', 'nokey'], ':0'),
      exp(['HEXISTS', 'nokey', 'a'], ':0'),
      exp(['HSTRLEN', 'nokey', 'a'], ':0'),
      ['HSET', 'h', 'n', '12345', 'neg', '-42', 'big', '9223372036854775807', 'small', '-9223372036854775808'],
      ['HSET', 'h', 'z', '0', 'lead', '007', 'mz', '-0', 'plus', '+5', 'sp', ' 1', 'over', '9223372036854775808'],
      ['HSET', 'h', 'f', '1.5', 'e', '1e3', 'txt', 'hello'],
      exact(['HGETALL', 'h']),
      exact(['HVALS', 'h']),
      ...['n', 'neg', 'big', 'small', 'z', 'lead', 'mz', 'plus', 'sp', 'over', 'f', 'txt', 'nope'].flatMap((f) => [
        ['HSTRLEN', 'h', f],
        ['HGET', 'h', f],
        ['HEXISTS', 'h', f],
      ]),
      exp(['HLEN', 'h'], ':13'),
      enc('h', 'listpack'),
      // integer-looking fields
      ['HSET', 'i', '1', 'a', '-1', 'b', '01', 'c', '1', 'd'],
      exact(['HGETALL', 'i']),
      ['HGET', 'i', '01'],
      ['HDEL', 'i', '1'],
      exact(['HKEYS', 'i']),
    ));

  test('HDEL deletes fields and the key once empty', () =>
    d.check(
      exp(['HDEL', 'nokey', 'a'], ':0'),
      ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
      exp(['HDEL', 'h', 'x'], ':0'),
      exp(['HDEL', 'h', 'a', 'a', 'x'], ':1'),
      exact(['HGETALL', 'h']),
      ['EXPIRE', 'h', '100'],
      exp(['HDEL', 'h', 'b'], ':1'),
      ['TTL', 'h'],
      exp(['HDEL', 'h', 'c', 'b', 'zz'], ':1'),
      exp(['EXISTS', 'h'], ':0'),
      ['TTL', 'h'],
      exp(['HDEL', 'h'], ARITY('hdel')),
      ['HSET', 'h', 'a', '1'],
      ['TTL', 'h'],
    ));

  test('listpack -> hashtable on entry count (one-way)', () =>
    d.check(
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '4'],
      ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4'],
      enc('h', 'listpack'),
      exact(['HGETALL', 'h']),
      ['HSET', 'h', 'd', '44'],
      enc('h', 'listpack'),
      ['HSET', 'h', 'e', '5'],
      enc('h', 'hashtable'),
      ['HGETALL', 'h'],
      ['HDEL', 'h', 'a', 'b', 'c', 'd'],
      enc('h', 'hashtable'),
      ['HGETALL', 'h'],
      // one HSET adding several fields converts when it passes the limit
      ['HSET', 'g', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'],
      enc('g', 'hashtable'),
      ['HMSET', 'm', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'],
      enc('m', 'hashtable'),
      ['HSETNX', 'n', 'a', '1'],
      ['HSETNX', 'n', 'b', '1'],
      ['HSETNX', 'n', 'c', '1'],
      ['HSETNX', 'n', 'd', '1'],
      enc('n', 'listpack'),
      ['HSETNX', 'n', 'e', '1'],
      enc('n', 'hashtable'),
      ['HINCRBY', 'i', 'a', '1'],
      ['HINCRBY', 'i', 'b', '1'],
      ['HINCRBY', 'i', 'c', '1'],
      ['HINCRBYFLOAT', 'i', 'd', '1.5'],
      enc('i', 'listpack'),
      ['HINCRBYFLOAT', 'i', 'e', '1.5'],
      enc('i', 'hashtable'),
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '0'],
      ['HSET', 'z', 'a', '1'],
      enc('z', 'hashtable'),
    ));

  test('listpack -> hashtable on value length', () =>
    d.check(
      ['HSET', 'h', 'f', str(64)],
      enc('h', 'listpack'),
      ['HSET', 'h', str(64, 'k'), 'v'],
      enc('h', 'listpack'),
      ['HSET', 'h', 'g', str(65)],
      enc('h', 'hashtable'),
      ['HSET', 'h2', str(65, 'k'), 'v'],
      enc('h2', 'hashtable'),
      // the check covers every argument of the command, even a field that
      // already exists
      ['HSET', 'h3', 'a', '1'],
      ['HSET', 'h3', 'b', '2', 'a', str(65)],
      enc('h3', 'hashtable'),
      ['HGETALL', 'h3'],
      // HSETNX on an existing field converts nothing
      ['HSET', 'h4', 'a', '1'],
      exp(['HSETNX', 'h4', 'a', str(100)], ':0'),
      enc('h4', 'listpack'),
      exp(['HSETNX', 'h4', 'b', str(100)], ':1'),
      enc('h4', 'hashtable'),
      // HINCRBY / HINCRBYFLOAT with a long field name
      ['HINCRBY', 'h5', str(65, 'f'), '1'],
      enc('h5', 'hashtable'),
      ['HINCRBYFLOAT', 'h6', str(65, 'f'), '1.5'],
      enc('h6', 'hashtable'),
      ['HSET', 'h7', 'a', '1'],
      ['HINCRBY', 'h7', str(65, 'f'), '1'],
      enc('h7', 'hashtable'),
      ['HGETALL', 'h7'],
      // a long value produced by HINCRBYFLOAT
      ['HSET', 'h8', 'a', '1e60'],
      ['HINCRBYFLOAT', 'h8', 'a', '1'],
      enc('h8', 'listpack'),
      ['HSET', 'h8', 'a', '1e70'],
      ['HINCRBYFLOAT', 'h8', 'a', '1'],
      enc('h8', 'hashtable'),
      ['HGET', 'h8', 'a'],
      ['CONFIG', 'SET', 'hash-max-listpack-value', '3'],
      ['HSET', 'h9', 'abc', '123'],
      enc('h9', 'listpack'),
      ['HSET', 'h9', 'abcd', '1'],
      enc('h9', 'hashtable'),
      ['HSET', 'h10', 'a', '1234'],
      enc('h10', 'hashtable'),
      ['HSET', 'h11', 'a', '999'],
      ['HINCRBY', 'h11', 'a', '1'],
      enc('h11', 'hashtable'),
    ));

  test('HINCRBY', () =>
    d.check(
      exp(['HINCRBY', 'h', 'a', '5'], ':5'),
      exp(['HINCRBY', 'h', 'a', '-7'], ':-2'),
      ['HGET', 'h', 'a'],
      exp(['HINCRBY', 'h', 'a', 'x'], NOT_INT),
      exp(['HINCRBY', 'h', 'a', '1.5'], NOT_INT),
      exp(['HINCRBY', 'h', 'a', ''], NOT_INT),
      exp(['HINCRBY', 'h', 'a', '9223372036854775808'], NOT_INT),
      exp(['HINCRBY', 'nokey', 'a', 'x'], NOT_INT),
      exp(['EXISTS', 'nokey'], ':0'),
      ['HSET', 'h', 's', 'abc', 'f', '1.5', 'sp', ' 1', 'lz', '01', 'e', ''],
      exp(['HINCRBY', 'h', 's', '1'], HASH_NOT_INT),
      exp(['HINCRBY', 'h', 'f', '1'], HASH_NOT_INT),
      exp(['HINCRBY', 'h', 'sp', '1'], HASH_NOT_INT),
      exp(['HINCRBY', 'h', 'lz', '1'], HASH_NOT_INT),
      exp(['HINCRBY', 'h', 'e', '1'], HASH_NOT_INT),
      ['HSET', 'h', 'max', '9223372036854775807', 'min', '-9223372036854775808'],
      exp(['HINCRBY', 'h', 'max', '1'], OVERFLOW),
      exp(['HINCRBY', 'h', 'min', '-1'], OVERFLOW),
      ['HINCRBY', 'h', 'max', '0'],
      ['HINCRBY', 'h', 'max', '-1'],
      ['HINCRBY', 'h', 'min', '0'],
      ['HINCRBY', 'h', 'min', '9223372036854775807'],
      ['HINCRBY', 'h', 'new', '-9223372036854775808'],
      exp(['HINCRBY', 'h', 'new', '-1'], OVERFLOW),
      exact(['HGETALL', 'h']),
      ['HINCRBY', 'h', 's2', '0'],
      ['HSTRLEN', 'h', 'max'],
      exp(['HINCRBY', 'h', 'a'], ARITY('hincrby')),
      // on a hashtable-encoded hash
      ['HSET', 'big', 'x', str(100), 'n', '10'],
      ['HINCRBY', 'big', 'n', '5'],
      ['HINCRBY', 'big', 'm', '5'],
      exp(['HINCRBY', 'big', 'x', '5'], HASH_NOT_INT),
      ['HGETALL', 'big'],
    ));

  test('HINCRBYFLOAT', () =>
    d.check(
      exp(['HINCRBYFLOAT', 'h', 'a', '10.5'], '"10.5"'),
      ['HINCRBYFLOAT', 'h', 'a', '0.1'],
      ['HINCRBYFLOAT', 'h', 'a', '-5'],
      ['HINCRBYFLOAT', 'h', 'b', '3.0e3'],
      ['HINCRBYFLOAT', 'h', 'c', '0x10'],
      ['HINCRBYFLOAT', 'h', 'd', '-0.0'],
      ['HINCRBYFLOAT', 'h', 'e', '.5'],
      ['HINCRBYFLOAT', 'h', 'f', '5.'],
      ['HINCRBYFLOAT', 'h', 'g', '+1.25'],
      ['HINCRBYFLOAT', 'h', 'g2', '1e-5'],
      ['HINCRBYFLOAT', 'h', 'g3', '123456789012345678'],
      ['HINCRBYFLOAT', 'h', 'g4', '1.10'],
      exact(['HGETALL', 'h']),
      enc('h', 'listpack'),
      ['HINCRBYFLOAT', 'h', 'g5', '5e4000'],
      enc('h', 'hashtable'),
      ['HGETALL', 'h'],
      exp(['HINCRBYFLOAT', 'h', 'a', 'x'], NOT_FLOAT),
      exp(['HINCRBYFLOAT', 'h', 'a', ''], NOT_FLOAT),
      exp(['HINCRBYFLOAT', 'h', 'a', ' 1'], NOT_FLOAT),
      exp(['HINCRBYFLOAT', 'h', 'a', '1 '], NOT_FLOAT),
      exp(['HINCRBYFLOAT', 'h', 'a', 'nan'], NOT_FLOAT),
      exp(['HINCRBYFLOAT', 'h', 'a', '1e5000'], NOT_FLOAT),
      exp(['HINCRBYFLOAT', 'h', 'a', '1e-5000'], NOT_FLOAT),
      exp(['HINCRBYFLOAT', 'h', 'a', 'inf'], '-ERR value is NaN or Infinity'),
      exp(['HINCRBYFLOAT', 'h', 'a', '-inf'], '-ERR value is NaN or Infinity'),
      exp(['HINCRBYFLOAT', 'nokey', 'a', 'inf'], '-ERR value is NaN or Infinity'),
      exp(['EXISTS', 'nokey'], ':0'),
      ['HSET', 'h', 's', 'abc', 'sp', ' 1', 'i', '7', 'big', '1e4932', 'inf', 'inf', 'hex', '0x1p3'],
      exp(['HINCRBYFLOAT', 'h', 's', '1'], HASH_NOT_FLOAT),
      exp(['HINCRBYFLOAT', 'h', 'sp', '1'], HASH_NOT_FLOAT),
      ['HINCRBYFLOAT', 'h', 'i', '0.5'],
      ['HINCRBYFLOAT', 'h', 'hex', '1'],
      exp(['HINCRBYFLOAT', 'h', 'big', '1e4932'], '-ERR increment would produce NaN or Infinity'),
      exp(['HINCRBYFLOAT', 'h', 'inf', '1'], '-ERR increment would produce NaN or Infinity'),
      ['HGET', 'h', 'big'],
      ['HGET', 'h', 'inf'],
      ['HINCRBYFLOAT', 'h', 'i', '-7.5'],
      ['HGET', 'h', 'i'],
      exp(['HINCRBYFLOAT', 'h', 'a'], ARITY('hincrbyfloat')),
      ['HSET', 'ht', 'x', str(100), 'n', '1.5'],
      ['HINCRBYFLOAT', 'ht', 'n', '1'],
      ['HINCRBYFLOAT', 'ht', 'm', '2.5'],
      exp(['HINCRBYFLOAT', 'ht', 'x', '1'], HASH_NOT_FLOAT),
      ['HGETALL', 'ht'],
    ));

  test('HRANDFIELD arguments, errors and deterministic cases', () =>
    d.check(
      exp(['HRANDFIELD', 'nokey'], protocol === 2 ? 'nil' : '_'),
      exact(['HRANDFIELD', 'nokey', '5']),
      exact(['HRANDFIELD', 'nokey', '-5', 'WITHVALUES']),
      exact(['HRANDFIELD', 'nokey', '0']),
      exp(['HRANDFIELD', 'nokey', 'x'], NOT_INT),
      exp(['HRANDFIELD', 'nokey', '1', 'x'], SYNTAX),
      exp(['HRANDFIELD', 'nokey', '1', 'WITHVALUES', 'x'], SYNTAX),
      ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'n', '42'],
      exact(['HRANDFIELD', 'h', '0']),
      exact(['HRANDFIELD', 'h', '0', 'withvalues']),
      // count >= size: the whole hash, in listpack order
      exact(['HRANDFIELD', 'h', '4']),
      exact(['HRANDFIELD', 'h', '100']),
      exact(['HRANDFIELD', 'h', '100', 'WITHVALUES']),
      exact(['HRANDFIELD', 'h', '4', 'withvalues']),
      exp(['HRANDFIELD', 'h', '-9223372036854775808'], /out of range, value must between/),
      ['HRANDFIELD', 'h', '-9223372036854775807', 'x'],
      exp(['HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES'], '-ERR value is out of range'),
      exp(['HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES'], '-ERR value is out of range'),
      exp(['HRANDFIELD', 'h', '1.5'], NOT_INT),
      exp(['HRANDFIELD', 'h', '1', '2'], SYNTAX),
      exp(['HRANDFIELD'], ARITY('hrandfield')),
      // shapes of random replies
      norm(['HRANDFIELD', 'h'], N.shape),
      norm(['HRANDFIELD', 'h', '1'], N.shape),
      norm(['HRANDFIELD', 'h', '1', 'WITHVALUES'], N.shape),
      norm(['HRANDFIELD', 'h', '2'], N.shape),
      norm(['HRANDFIELD', 'h', '3', 'WITHVALUES'], N.shape),
      norm(['HRANDFIELD', 'h', '-10'], N.shape),
      norm(['HRANDFIELD', 'h', '-10', 'WITHVALUES'], N.shape),
      // single-field hash: everything is deterministic
      ['HSET', 'one', 'f', 'v'],
      exact(['HRANDFIELD', 'one']),
      exact(['HRANDFIELD', 'one', '-3']),
      exact(['HRANDFIELD', 'one', '-3', 'WITHVALUES']),
      exact(['HRANDFIELD', 'one', '1', 'WITHVALUES']),
      // hashtable encoding
      ['HSET', 'ht', 'a', str(100), 'b', '2', 'c', '3'],
      norm(['HRANDFIELD', 'ht', '3'], N.sorted),
      norm(['HRANDFIELD', 'ht', '2', 'WITHVALUES'], N.shape),
      norm(['HRANDFIELD', 'ht', '-5', 'WITHVALUES'], N.shape),
    ));

  test('HSCAN: listpack in one call, errors', () =>
    d.check(
      exact(['HSCAN', 'nokey', '0']),
      exact(['HSCAN', 'nokey', '0', 'COUNT', '0']),
      exp(['HSCAN', 'nokey', 'x'], '-ERR invalid cursor'),
      ['HSET', 'h', 'a', '1', 'b', '2', 'ab', '3', 'n', '10', '12', 'x'],
      exact(['HSCAN', 'h', '0']),
      exact(['HSCAN', 'h', '0', 'COUNT', '1']),
      exact(['HSCAN', 'h', '12345']),
      exact(['HSCAN', 'h', '-1']),
      exact(['HSCAN', 'h', '0', 'MATCH', 'a*']),
      exact(['HSCAN', 'h', '0', 'MATCH', '1*']),
      exact(['HSCAN', 'h', '0', 'match', '*', 'count', '100']),
      exact(['HSCAN', 'h', '0', 'MATCH', 'x', 'MATCH', 'b']),
      exact(['HSCAN', 'h', '0', 'MATCH', '[ab]']),
      exp(['HSCAN', 'h', '0', 'COUNT', '0'], SYNTAX),
      exp(['HSCAN', 'h', '0', 'COUNT', '-1'], SYNTAX),
      exp(['HSCAN', 'h', '0', 'COUNT', 'x'], NOT_INT),
      exp(['HSCAN', 'h', '0', 'COUNT'], SYNTAX),
      exp(['HSCAN', 'h', '0', 'MATCH'], SYNTAX),
      exp(['HSCAN', 'h', '0', 'TYPE', 'hash'], SYNTAX),
      exp(['HSCAN', 'h', '0', 'FOO', 'bar'], SYNTAX),
      exp(['HSCAN', 'h', ' 0'], '-ERR invalid cursor'),
      exp(['HSCAN', 'h', '0x'], '-ERR invalid cursor'),
      exp(['HSCAN', 'h', '18446744073709551616'], '-ERR invalid cursor'),
      exact(['HSCAN', 'h', '18446744073709551615']),
      exact(['HSCAN', 'h', '']),
      exp(['HSCAN', 'h'], ARITY('hscan')),
    ));

  test('HSCAN: full iteration of a hashtable', async () => {
    const fields: Arg[] = [];
    for (let i = 0; i < 600; i++) fields.push(`field:${i}`, `value:${i}`);
    await d.check(['HSET', 'h', ...fields], enc('h', 'hashtable'));
    await d.main.check(['HLEN', 'h']);
    await d.checkScan(['HSCAN', 'h', 0]);
    await d.checkScan(['HSCAN', 'h', 0, 'COUNT', 1]);
    await d.checkScan(['HSCAN', 'h', 0, 'COUNT', 1000]);
    const m = await d.checkScan(['HSCAN', 'h', 0, 'MATCH', 'field:1*']);
    expect(m.length).toBe(111);
    // the reply to one call holds about COUNT fields (whole buckets)
    const { target } = await d.both('HSCAN', 'h', '0', 'COUNT', '20');
    expect(target.type).toBe('array');
    if (target.type === 'array' && target.value) {
      const items = target.value[1];
      expect(items.type === 'array' && items.value!.length % 2 === 0 && items.value!.length >= 20).toBe(true);
    }
  });

  test('large hashes (hashtable) behave like Redis', async () => {
    const steps: Step[] = [];
    const args: Arg[] = [];
    for (let i = 0; i < 1000; i++) args.push(`k${i}`, i % 3 === 0 ? `${i}` : `v${i}`);
    steps.push(['HSET', 'h', ...args], enc('h', 'hashtable'), ['HLEN', 'h'], ['HGETALL', 'h'], ['HKEYS', 'h'], ['HVALS', 'h']);
    for (let i = 0; i < 1000; i += 7) steps.push(['HGET', 'h', `k${i}`], ['HSTRLEN', 'h', `k${i}`]);
    for (let i = 0; i < 1000; i += 3) steps.push(['HINCRBY', 'h', `k${i}`, i]);
    const del: Arg[] = [];
    for (let i = 0; i < 990; i++) del.push(`k${i}`);
    steps.push(['HDEL', 'h', ...del], ['HGETALL', 'h'], enc('h', 'hashtable'), ['HDEL', 'h', ...del, 'k995'], ['HLEN', 'h']);
    steps.push(['HDEL', 'h', 'k990', 'k991', 'k992', 'k993', 'k994', 'k996', 'k997', 'k998', 'k999'], ['EXISTS', 'h']);
    await d.check(...steps);
  });

  test('binary-safe fields and values', () =>
    d.check(
      ['HSET', 'h', Buffer.from([0, 1, 2, 255]), Buffer.from([255, 0, 13, 10])],
      ['HSET', 'h', 'crlf\r\n', 'tab\t'],
      exact(['HGETALL', 'h']),
      ['HGET', 'h', Buffer.from([0, 1, 2, 255])],
      ['HSTRLEN', 'h', Buffer.from([0, 1, 2, 255])],
      ['HSET', 'h', str(70, '\u00e9'), Buffer.alloc(100, 0)],
      enc('h', 'hashtable'),
      ['HGETALL', 'h'],
    ));

  test('random operation scripts', async () => {
    const rand = rng(protocol * 7919 + 17);
    const pick = <T,>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const keys = ['h1', 'h2', 'h3'];
    const field = () => pick(['a', 'b', 'c', 'd', 'e', 'f', '1', '-1', '10', '0', str(60 + Math.floor(rand() * 10), 'F')]);
    const value = () =>
      pick(['v', '', '0', '7', '-3', '100', '1.5', 'x'.repeat(Math.floor(rand() * 70)), '9223372036854775807', '01']);
    for (let round = 0; round < 4; round++) {
      const steps: Step[] = [];
      steps.push(['CONFIG', 'SET', 'hash-max-listpack-entries', String(pick([2, 4, 8, 512]))]);
      for (let i = 0; i < 120; i++) {
        const k = pick(keys);
        const r = rand();
        if (r < 0.3) {
          const n = 1 + Math.floor(rand() * 3);
          const a: Arg[] = [];
          for (let j = 0; j < n; j++) a.push(field(), value());
          steps.push([pick(['HSET', 'HMSET']), k, ...a]);
        } else if (r < 0.4) steps.push(['HSETNX', k, field(), value()]);
        else if (r < 0.55) steps.push(['HDEL', k, field(), field()]);
        else if (r < 0.62) steps.push(['HINCRBY', k, field(), String(Math.floor(rand() * 200) - 100)]);
        else if (r < 0.67) steps.push(['HINCRBYFLOAT', k, field(), pick(['0.5', '-1.25', '3', '1e2'])]);
        else if (r < 0.75) steps.push(['HGET', k, field()]);
        else if (r < 0.8) steps.push(['HMGET', k, field(), field(), field()]);
        else if (r < 0.85) steps.push(['HLEN', k], ['HEXISTS', k, field()], ['HSTRLEN', k, field()]);
        else if (r < 0.9) steps.push(['OBJECT', 'ENCODING', k]);
        else if (r < 0.95) steps.push(['HGETALL', k], ['HKEYS', k], ['HVALS', k]);
        else steps.push(['DEL', k]);
      }
      steps.push(...keys.flatMap((k): Step[] => [['HGETALL', k], ['OBJECT', 'ENCODING', k]]));
      await d.check(...steps);
    }
  });
});

describe('hashes through ioredis (random commands)', () => {
  const fixture = useIoredis();
  let r: Redis;
  beforeAll(() => {
    r = fixture.redis;
  });

  async function fill(key: string, n: number, long = false) {
    await r.del(key);
    const obj: Record<string, string> = {};
    for (let i = 0; i < n; i++) obj[`f${i}`] = long ? `v${i}`.padEnd(80, '.') : `v${i}`;
    await r.hset(key, obj);
    return obj;
  }

  test.each([
    ['listpack', false],
    ['hashtable', true],
  ])('HRANDFIELD on a %s hash', async (encoding, long) => {
    const obj = await fill('h', 50, long as boolean);
    expect(await r.object('ENCODING', 'h')).toBe(encoding);
    const fields = new Set(Object.keys(obj));
    for (let i = 0; i < 20; i++) expect(fields.has((await r.hrandfield('h')) as string)).toBe(true);
    for (const count of [1, 2, 10, 16, 17, 30, 49]) {
      const got = (await r.hrandfield('h', count)) as string[];
      expect(got.length).toBe(count);
      expect(new Set(got).size).toBe(count);
      for (const f of got) expect(fields.has(f)).toBe(true);
      const wv = (await r.hrandfield('h', count, 'WITHVALUES')) as string[];
      expect(wv.length).toBe(count * 2);
      for (let j = 0; j < wv.length; j += 2) expect(obj[wv[j]]).toBe(wv[j + 1]);
      expect(new Set(wv.filter((_, j) => j % 2 === 0)).size).toBe(count);
    }
    // listpack picks come out in listpack order
    if (encoding === 'listpack') {
      const got = (await r.hrandfield('h', 20)) as string[];
      const idx = got.map((f) => Number(f.slice(1)));
      expect([...idx].sort((a, b) => a - b)).toEqual(idx);
    }
    // negative counts repeat fields and cover the hash over many picks
    const many = (await r.hrandfield('h', -5000)) as string[];
    expect(many.length).toBe(5000);
    for (const f of many) expect(fields.has(f)).toBe(true);
    expect(new Set(many).size).toBe(50);
    const manyWv = (await r.hrandfield('h', -300, 'WITHVALUES')) as string[];
    expect(manyWv.length).toBe(600);
    for (let j = 0; j < manyWv.length; j += 2) expect(obj[manyWv[j]]).toBe(manyWv[j + 1]);
    // each field is picked about equally often by single picks
    const counts = new Map<string, number>();
    for (const f of many) counts.set(f, (counts.get(f) ?? 0) + 1);
    for (const n of counts.values()) expect(n).toBeGreaterThan(30);
  });

  test('HSCAN with a cursor visits every field exactly once on a stable hashtable', async () => {
    const obj = await fill('h', 2000);
    expect(await r.object('ENCODING', 'h')).toBe('hashtable');
    const seen = new Map<string, string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, items] = await r.hscan('h', cursor, 'COUNT', 50);
      for (let i = 0; i < items.length; i += 2) {
        expect(seen.has(items[i])).toBe(false);
        seen.set(items[i], items[i + 1]);
      }
      cursor = next;
      calls++;
    } while (cursor !== '0');
    expect(calls).toBeGreaterThan(10);
    expect(seen.size).toBe(2000);
    for (const [f, v] of seen) expect(obj[f]).toBe(v);
  });

  test('HSCAN keeps its guarantee while the hash grows and shrinks', async () => {
    await fill('h', 500);
    const seen = new Set<string>();
    let cursor = '0';
    let step = 0;
    do {
      const [next, items] = await r.hscan('h', cursor, 'COUNT', 10);
      for (let i = 0; i < items.length; i += 2) seen.add(items[i]);
      cursor = next;
      // add fields (growing the table), then remove the added ones
      if (step === 3) for (let i = 0; i < 2000; i++) await r.hset('h', `extra${i}`, 'x');
      if (step === 20) for (let i = 0; i < 2000; i++) await r.hdel('h', `extra${i}`);
      step++;
    } while (cursor !== '0');
    for (let i = 0; i < 500; i++) expect(seen.has(`f${i}`)).toBe(true);
  });

  test('MEMORY USAGE and DEBUG-free introspection stay sane', async () => {
    await fill('small', 10);
    await fill('large', 1000);
    const small = await r.call('MEMORY', 'USAGE', 'small').catch(() => null);
    const large = await r.call('MEMORY', 'USAGE', 'large').catch(() => null);
    if (typeof small === 'number' && typeof large === 'number') expect(large).toBeGreaterThan(small);
    expect(await r.hlen('large')).toBe(1000);
  });
});
