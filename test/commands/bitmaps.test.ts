/**
 * Bitmap commands (SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO)
 * compared reply for reply with a real redis-server 7.0 in RESP2 and RESP3:
 * every option and error, BYTE/BIT ranges at byte edges, int-encoded and
 * embstr values, the interplay with SETRANGE/GETRANGE/APPEND and TTLs, the
 * proto-max-bulk-len limit, keyspace events and tracking invalidations, and
 * seeded random scripts whose final string values are compared byte for byte.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, exp, useDifferential, type Arg, type Step } from '../helpers/differential';
import { ARITY, NOT_INT, SYNTAX, WRONGTYPE, rng } from '../helpers/replies';
import { checkSideEffects, checkStats } from '../helpers/side-effects';

const BAD_OFFSET = '-ERR bit offset is not an integer or out of range';
const BAD_BIT = '-ERR bit is not an integer or out of range';
const BAD_TYPE = '-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

const bytes = (...b: number[]) => Buffer.from(b);

describe.each(PROTOCOLS)('bitmaps (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test('SETBIT and GETBIT: values, growth, errors', () =>
    d.check(
      exp(['SETBIT', 'b', '7', '1'], ':0'),
      exp(['SETBIT', 'b', '7', '1'], ':1'),
      exp(['SETBIT', 'b', '7', '0'], ':1'),
      ['SETBIT', 'b', '0', '1'],
      ['SETBIT', 'b', '100', '1'],
      ['GET', 'b'],
      ['STRLEN', 'b'],
      ['OBJECT', 'ENCODING', 'b'],
      ...['0', '1', '7', '8', '100', '101', '103', '104', '1000000'].map((o): Step => ['GETBIT', 'b', o]),
      ['GETBIT', 'nokey', '5'],
      exp(['SETBIT', 'b', '4294967296', '1'], BAD_OFFSET),
      exp(['SETBIT', 'b', '-1', '1'], BAD_OFFSET),
      exp(['SETBIT', 'b', 'x', '1'], BAD_OFFSET),
      exp(['SETBIT', 'b', '1.5', '1'], BAD_OFFSET),
      exp(['SETBIT', 'b', ' 1', '1'], BAD_OFFSET),
      exp(['SETBIT', 'b', '1', '2'], BAD_BIT),
      exp(['SETBIT', 'b', '1', '-1'], BAD_BIT),
      exp(['SETBIT', 'b', '1', 'on'], BAD_BIT),
      exp(['SETBIT', 'b', '1', ''], BAD_BIT),
      exp(['GETBIT', 'b', '-1'], BAD_OFFSET),
      exp(['GETBIT', 'b', '4294967296'], BAD_OFFSET),
      exp(['GETBIT', 'nokey', 'x'], BAD_OFFSET),
      exp(['SETBIT', 'b', '1'], ARITY('setbit')),
      exp(['GETBIT', 'b'], ARITY('getbit')),
      ['LPUSH', 'l', 'x'],
      exp(['SETBIT', 'l', '1', '1'], WRONGTYPE),
      exp(['GETBIT', 'l', '1'], WRONGTYPE),
      // an offset error comes before the type check
      exp(['SETBIT', 'l', '-1', '1'], BAD_OFFSET),
      ['GET', 'b'],
    ));

  test('bit commands on int-encoded and embstr values', () =>
    d.check(
      ['SET', 'n', '12345'],
      exp(['OBJECT', 'ENCODING', 'n'], '"int"'),
      ...['0', '2', '3', '10', '39', '40'].map((o): Step => ['GETBIT', 'n', o]),
      ['BITCOUNT', 'n'],
      ['BITCOUNT', 'n', '1', '2'],
      ['BITPOS', 'n', '1'],
      ['BITPOS', 'n', '0', '1'],
      ['BITFIELD_RO', 'n', 'GET', 'u8', '0', 'GET', 'i16', '4', 'GET', 'u8', '40'],
      exp(['OBJECT', 'ENCODING', 'n'], '"int"'),
      // a write that changes nothing still turns the value into a raw string
      exp(['SETBIT', 'n', '2', '1'], ':1'),
      exp(['OBJECT', 'ENCODING', 'n'], '"raw"'),
      ['GET', 'n'],
      ['SET', 'n', '-9223372036854775808'],
      ['SETBIT', 'n', '1', '0'],
      ['GET', 'n'],
      ['SET', 'n', '7'],
      ['SETBIT', 'n', '20', '1'],
      ['GET', 'n'],
      exp(['INCR', 'n'], NOT_INT),
      ['SET', 'n', '99'],
      ['BITFIELD', 'n', 'SET', 'u8', '0', '50'],
      ['GET', 'n'],
      exp(['INCR', 'n'], ':30'),
      ['OBJECT', 'ENCODING', 'n'],
      ['SET', 'e', 'hello'],
      exp(['OBJECT', 'ENCODING', 'e'], '"embstr"'),
      ['GETBIT', 'e', '1'],
      exp(['OBJECT', 'ENCODING', 'e'], '"embstr"'),
      ['SETBIT', 'e', '1', '1'],
      exp(['OBJECT', 'ENCODING', 'e'], '"raw"'),
      ['GET', 'e'],
      ['SET', 'e2', 'x'],
      ['BITFIELD', 'e2', 'GET', 'u8', '0'],
      exp(['OBJECT', 'ENCODING', 'e2'], '"embstr"'),
      ['BITFIELD', 'e2', 'GET', 'u8', '0', 'SET', 'u8', '0', '120'],
      exp(['OBJECT', 'ENCODING', 'e2'], '"raw"'),
    ));

  test('SETRANGE, GETRANGE, APPEND and TTLs interoperate', () =>
    d.check(
      ['SETRANGE', 's', '3', 'abc'],
      ['SETBIT', 's', '1', '1'],
      ['GETRANGE', 's', '0', '-1'],
      ['APPEND', 's', 'xyz'],
      ['SETBIT', 's', '100', '1'],
      ['GET', 's'],
      ['STRLEN', 's'],
      ['APPEND', 's', '!'],
      ['BITCOUNT', 's'],
      ['BITFIELD', 's', 'SET', 'u16', '8', '65535', 'INCRBY', 'i8', '200', '1'],
      ['GET', 's'],
      ['SETRANGE', 's', '0', 'Z'],
      ['GETBIT', 's', '1'],
      ['SET', 't', 'v', 'EX', '1000'],
      ['SETBIT', 't', '50', '1'],
      exp(['TTL', 't'], ':1000'),
      ['BITFIELD', 't', 'SET', 'u8', '100', '1'],
      exp(['TTL', 't'], ':1000'),
      ['SET', 'ti', '5', 'EX', '1000'],
      ['SETBIT', 'ti', '0', '1'],
      exp(['TTL', 'ti'], ':1000'),
      ['GET', 'ti'],
      ['SET', 'dst', 'old', 'EX', '1000'],
      ['BITOP', 'OR', 'dst', 's'],
      exp(['TTL', 'dst'], ':-1'),
      ['GET', 'dst'],
    ));

  test('proto-max-bulk-len limits bit offsets', async () => {
    await d.adminCall('CONFIG', 'SET', 'proto-max-bulk-len', '1mb');
    try {
      await d.check(
        exp(['SETBIT', 'big', String(8 * 1024 * 1024), '1'], BAD_OFFSET),
        exp(['SETBIT', 'big', String(8 * 1024 * 1024 - 1), '1'], ':0'),
        ['STRLEN', 'big'],
        exp(['GETBIT', 'big', String(8 * 1024 * 1024)], BAD_OFFSET),
        ['GETBIT', 'big', String(8 * 1024 * 1024 - 1)],
        exp(['BITFIELD', 'big', 'GET', 'u8', String(8 * 1024 * 1024)], BAD_OFFSET),
        exp(['BITFIELD', 'big', 'GET', 'u8', `#${1024 * 1024}`], BAD_OFFSET),
        ['BITFIELD', 'big', 'GET', 'u8', `#${1024 * 1024 - 1}`],
        // the offset is within the limit, the field's last bits are past it: allowed
        ['BITFIELD', 'big', 'SET', 'u16', String(8 * 1024 * 1024 - 1), '65535'],
        ['STRLEN', 'big'],
        ['BITCOUNT', 'big'],
        exp(['SETRANGE', 'big', String(1024 * 1024), 'x'], '-ERR string exceeds maximum allowed size (proto-max-bulk-len)'),
        ['DEL', 'big'],
      );
    } finally {
      await d.adminCall('CONFIG', 'SET', 'proto-max-bulk-len', '512mb');
    }
  });

  test('BITCOUNT: BYTE and BIT ranges, clamping, errors', async () => {
    const steps: Step[] = [
      ['SET', 'k', Buffer.from([0xff, 0x0f, 0xf0, 0xaa, 0x55, 0x81, 0x00, 0x7e, 0x01])],
      ['BITCOUNT', 'k'],
      exp(['BITCOUNT', 'nokey'], ':0'),
      exp(['BITCOUNT', 'nokey', 'x', 'y', 'z'], ':0'),
      ['SET', 'empty', ''],
      ['BITCOUNT', 'empty'],
      ['BITCOUNT', 'empty', '0', '-1', 'BIT'],
    ];
    const idx = ['0', '1', '2', '-1', '-2', '-9', '-10', '-100', '3', '7', '8', '9', '15', '16', '63', '71', '72', '1000'];
    for (const s of idx) {
      for (const e of idx) {
        steps.push(['BITCOUNT', 'k', s, e]);
        steps.push(['BITCOUNT', 'k', s, e, 'BIT']);
      }
    }
    steps.push(
      ['BITCOUNT', 'k', '0', '-1', 'byte'],
      ['BITCOUNT', 'k', '0', '-1', 'bIt'],
      exp(['BITCOUNT', 'k', '0'], SYNTAX),
      exp(['BITCOUNT', 'k', '0', '1', 'BIT', 'x'], SYNTAX),
      exp(['BITCOUNT', 'k', '0', '1', 'BITS'], SYNTAX),
      // both negative and reversed: 0 before the unit is even looked at
      exp(['BITCOUNT', 'k', '-1', '-2', 'FOO'], ':0'),
      exp(['BITCOUNT', 'k', 'a', '1'], NOT_INT),
      exp(['BITCOUNT', 'k', '0', '1.0'], NOT_INT),
      exp(['BITCOUNT', 'k', '9223372036854775808', '1'], NOT_INT),
      ['BITCOUNT', 'k', '-9223372036854775808', '9223372036854775807', 'BIT'],
      ['BITCOUNT', 'k', '9223372036854775807', '9223372036854775807'],
      exp(['BITCOUNT'], ARITY('bitcount')),
      ['HSET', 'h', 'f', 'v'],
      exp(['BITCOUNT', 'h'], WRONGTYPE),
      exp(['BITCOUNT', 'h', 'x', 'y'], WRONGTYPE),
      // long values: the word-at-a-time paths
      ['SET', 'long', Buffer.alloc(1000, 0xa5)],
      ['SETBIT', 'long', '7999', '1'],
      ['BITCOUNT', 'long'],
      ['BITCOUNT', 'long', '3', '-5'],
      ['BITCOUNT', 'long', '13', '7000', 'BIT'],
    );
    await d.check(...steps);
  });

  test('BITPOS: BYTE and BIT ranges, explicit ends, errors', async () => {
    const steps: Step[] = [
      ['SET', 'k', Buffer.from([0x00, 0x0f, 0xff, 0xf0, 0x00, 0xff, 0x80, 0x01])],
      ['SET', 'ones', Buffer.from([0xff, 0xff, 0xff])],
      ['SET', 'zeros', Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
      ['SET', 'empty', ''],
      ['SET', 'int', '255'],
    ];
    const idx = ['0', '1', '2', '-1', '-2', '-8', '-9', '3', '7', '8', '12', '15', '20', '23', '24', '63', '64', '100'];
    for (const key of ['k', 'ones', 'zeros', 'empty', 'int', 'nokey']) {
      for (const bit of ['0', '1']) {
        steps.push(['BITPOS', key, bit]);
        for (const s of idx) {
          steps.push(['BITPOS', key, bit, s]);
          for (const e of ['0', '1', '-1', '2', '7', '9', '15', '16', '-3', '40', '63']) {
            steps.push(['BITPOS', key, bit, s, e]);
            steps.push(['BITPOS', key, bit, s, e, 'BIT']);
          }
        }
        steps.push(['BITPOS', key, bit, '0', '-1', 'BYTE']);
      }
    }
    steps.push(
      exp(['BITPOS', 'k', '2'], '-ERR The bit argument must be 1 or 0.'),
      exp(['BITPOS', 'k', '-1'], '-ERR The bit argument must be 1 or 0.'),
      exp(['BITPOS', 'k', 'x'], NOT_INT),
      exp(['BITPOS', 'nokey', 'x'], NOT_INT),
      exp(['BITPOS', 'nokey', '1', 'x'], ':-1'),
      exp(['BITPOS', 'k', '1', 'x'], NOT_INT),
      exp(['BITPOS', 'k', '1', '0', 'x'], NOT_INT),
      exp(['BITPOS', 'k', '1', '0', '1', 'BITS'], SYNTAX),
      exp(['BITPOS', 'k', '1', 'x', '1', 'BITS'], NOT_INT),
      exp(['BITPOS', 'k', '1', '0', 'x', 'BITS'], SYNTAX),
      exp(['BITPOS', 'k', '1', '0', '1', 'BIT', 'x'], SYNTAX),
      exp(['BITPOS', 'k'], ARITY('bitpos')),
      ['SADD', 'set', 'x'],
      exp(['BITPOS', 'set', '1'], WRONGTYPE),
      ['SET', 'long', Buffer.concat([Buffer.alloc(100, 0xff), Buffer.from([0xfe]), Buffer.alloc(50, 0)])],
      ['BITPOS', 'long', '0'],
      ['BITPOS', 'long', '1', '101'],
      ['BITPOS', 'long', '0', '3', '-1'],
      ['BITPOS', 'long', '1', '810', '-1', 'BIT'],
      ['BITPOS', 'long', '0', '9', '-300', 'BIT'],
    );
    await d.check(...steps);
  });

  test('BITOP: operations, lengths, missing keys, destination', () =>
    d.check(
      ['SET', 'a', Buffer.from('foobar-and-a-rather-long-value-past-32-bytes-to-use-words')],
      ['SET', 'b', Buffer.from('abcdef')],
      ['SET', 'c', Buffer.from([0xff, 0x00, 0xf0])],
      ['SET', 'n', '1234567'],
      exp(['BITOP', 'AND', 'dest', 'a', 'b'], ':57'),
      ['GET', 'dest'],
      exp(['OBJECT', 'ENCODING', 'dest'], '"raw"'),
      ['BITOP', 'or', 'dest', 'a', 'b', 'c'],
      ['GET', 'dest'],
      ['BITOP', 'Xor', 'dest', 'a', 'b', 'c', 'n'],
      ['GET', 'dest'],
      ['BITOP', 'NOT', 'dest', 'a'],
      ['GET', 'dest'],
      ['BITOP', 'NOT', 'dest', 'n'],
      ['GET', 'dest'],
      ['BITOP', 'AND', 'dest', 'a', 'missing'],
      ['GET', 'dest'],
      ['BITOP', 'OR', 'dest', 'missing', 'c'],
      ['GET', 'dest'],
      ['BITOP', 'XOR', 'dest', 'a', 'a', 'a'],
      ['GET', 'dest'],
      // the destination may be a source
      ['BITOP', 'XOR', 'a', 'a', 'c'],
      ['GET', 'a'],
      ['BITOP', 'AND', 'big', ...Array.from({ length: 20 }, () => 'a')],
      ['GET', 'big'],
      // nothing to store deletes the destination
      exp(['BITOP', 'OR', 'dest', 'missing', 'missing2'], ':0'),
      exp(['EXISTS', 'dest'], ':0'),
      ['SET', 'empty', ''],
      exp(['BITOP', 'AND', 'dest', 'empty'], ':0'),
      exp(['BITOP', 'NOT', 'dest', 'a', 'b'], '-ERR BITOP NOT must be called with a single source key.'),
      exp(['BITOP', 'NAND', 'dest', 'a'], SYNTAX),
      exp(['BITOP', Buffer.from('and\0x'), 'dest2', 'a'], ':57'),
      ['LPUSH', 'l', 'x'],
      exp(['BITOP', 'AND', 'dest', 'a', 'l'], WRONGTYPE),
      exp(['BITOP', 'AND', 'l', 'a'], ':57'),
      ['TYPE', 'l'],
      exp(['BITOP', 'AND', 'dest'], ARITY('bitop')),
    ));

  test('BITFIELD: types, offsets, SET/GET/INCRBY', () =>
    d.check(
      ['BITFIELD', 'f', 'SET', 'i8', '0', '-100', 'GET', 'i8', '0', 'GET', 'u8', '0', 'GET', 'u4', '0', 'GET', 'i4', '4'],
      ['BITFIELD', 'f', 'SET', 'u63', '3', '9223372036854775807', 'GET', 'u63', '3', 'GET', 'i64', '0', 'GET', 'u1', '66'],
      ['BITFIELD', 'f', 'SET', 'i64', '70', '-9223372036854775808', 'GET', 'i64', '70', 'INCRBY', 'i64', '70', '-1'],
      ['BITFIELD', 'f', 'SET', 'u5', '#3', '31', 'GET', 'u5', '#3', 'GET', 'u5', '15', 'INCRBY', 'u5', '#3', '2'],
      ['BITFIELD', 'f', 'INCRBY', 'i3', '#100', '5', 'GET', 'u32', '#7', 'GET', 'i1', '0', 'GET', 'u1', '0'],
      ['GET', 'f'],
      ['BITFIELD', 'f'],
      ['BITFIELD', 'nokey'],
      exp(['EXISTS', 'nokey'], ':0'),
      ['BITFIELD', 'nokey', 'GET', 'u8', '100', 'GET', 'i64', '1000'],
      exp(['EXISTS', 'nokey'], ':0'),
      ['BITFIELD_RO', 'f', 'GET', 'u8', '0', 'GET', 'i7', '#2'],
      ['BITFIELD', 'f', 'get', 'u8', '8', 'Set', 'u8', '8', '1', 'incrBY', 'u8', '8', '1', 'OVERFLOW', 'Sat'],
      ['BITFIELD', 'g', 'SET', 'u8', '1000', '0'],
      ['STRLEN', 'g'],
      ['GET', 'g'],
      ['BITFIELD', 'h', 'INCRBY', 'u2', '0', '0'],
      ['GET', 'h'],
      ['BITFIELD', 'x', 'SET', 'i8', '#0', '1', 'SET', 'i8', '#0', '1'],
      ['GET', 'x'],
    ));

  test('BITFIELD OVERFLOW: WRAP, SAT, FAIL in both directions', async () => {
    const steps: Step[] = [];
    const cases: Array<[string, string[]]> = [
      ['u8', ['0', '255', '256', '-1', '1000', '-1000', '9223372036854775807', '-9223372036854775808']],
      ['i8', ['0', '127', '128', '-128', '-129', '300', '-300', '9223372036854775807', '-9223372036854775808']],
      ['u63', ['9223372036854775807', '-1', '1', '-9223372036854775808']],
      ['i64', ['9223372036854775807', '-9223372036854775808', '1', '-1']],
      ['u1', ['0', '1', '2', '-1']],
      ['i1', ['0', '-1', '1', '-2']],
      ['i2', ['1', '2', '-2', '-3']],
    ];
    for (const mode of ['WRAP', 'SAT', 'FAIL']) {
      for (const [type, values] of cases) {
        for (const v of values) {
          steps.push(['BITFIELD', 'o', 'OVERFLOW', mode, 'SET', type, '5', v, 'GET', type, '5']);
          for (const inc of values) steps.push(['BITFIELD', 'o', 'OVERFLOW', mode, 'INCRBY', type, '5', inc]);
        }
      }
    }
    steps.push(
      // the mode applies to the operations after it
      ['BITFIELD', 'o', 'SET', 'u8', '0', '250', 'INCRBY', 'u8', '0', '10', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '300', 'OVERFLOW', 'SAT', 'INCRBY', 'u8', '0', '300'],
      ['GET', 'o'],
      // a FAIL on a new key still creates it, without an event
      ['BITFIELD', 'newkey', 'OVERFLOW', 'FAIL', 'SET', 'u2', '0', '7'],
      ['GET', 'newkey'],
    );
    await d.check(...steps);
  });

  test('BITFIELD and BITFIELD_RO errors', () =>
    d.check(
      ['SET', 'f', 'abc'],
      ...['u64', 'i65', 'i0', 'u0', 'x8', 'U8', 'I8', '', 'u', 'i-1', 'u8x', 'u 8', 'i+8', 'u08'].map((t) =>
        exp(['BITFIELD', 'f', 'GET', t, '0'], BAD_TYPE),
      ),
      exp(['BITFIELD', 'f', 'GET', Buffer.from('u8\0junk'), '0'], /^\[:\d+\]$/),
      exp(['BITFIELD', 'f', 'GET', 'u8', '-1'], BAD_OFFSET),
      exp(['BITFIELD', 'f', 'GET', 'u8', 'x'], BAD_OFFSET),
      exp(['BITFIELD', 'f', 'GET', 'u8', '#'], BAD_OFFSET),
      exp(['BITFIELD', 'f', 'GET', 'u8', '#-1'], BAD_OFFSET),
      exp(['BITFIELD', 'f', 'GET', 'u8', '##1'], BAD_OFFSET),
      ['BITFIELD', 'f', 'GET', 'u8', '#0'],
      // "#n" multiplies in 64 bits: an overflowing product wraps
      ['BITFIELD', 'f', 'GET', 'u8', '#2305843009213693952'],
      exp(['BITFIELD', 'f', 'GET', 'u8', '#2305843009213693951'], BAD_OFFSET),
      exp(['BITFIELD', 'f', 'SET', 'u8', '0', 'x'], NOT_INT),
      exp(['BITFIELD', 'f', 'INCRBY', 'u8', '0', '1.5'], NOT_INT),
      exp(['BITFIELD', 'f', 'SET', 'u8', '0'], SYNTAX),
      exp(['BITFIELD', 'f', 'GET', 'u8'], SYNTAX),
      exp(['BITFIELD', 'f', 'INCRBY', 'u8', '0'], SYNTAX),
      exp(['BITFIELD', 'f', 'FOO', 'u8', '0'], SYNTAX),
      exp(['BITFIELD', 'f', 'OVERFLOW'], SYNTAX),
      exp(['BITFIELD', 'f', 'OVERFLOW', 'SATURATE'], '-ERR Invalid OVERFLOW type specified'),
      // every argument is checked before anything runs
      exp(['BITFIELD', 'f', 'SET', 'u8', '0', '65', 'GET', 'u64', '0'], BAD_TYPE),
      ['GET', 'f'],
      exp(['BITFIELD_RO', 'f', 'SET', 'u8', '0', '1'], '-ERR BITFIELD_RO only supports the GET subcommand'),
      exp(['BITFIELD_RO', 'f', 'INCRBY', 'u8', '0', '1'], '-ERR BITFIELD_RO only supports the GET subcommand'),
      exp(['BITFIELD_RO', 'f', 'OVERFLOW', 'FAIL', 'GET', 'u8', '0'], /^\[:\d+\]$/),
      exp(['BITFIELD_RO', 'f', 'GET', 'u8', 'x'], BAD_OFFSET),
      exp(['BITFIELD_RO', 'nokey', 'GET', 'u8', '0'], '[:0]'),
      ['ZADD', 'z', '1', 'm'],
      exp(['BITFIELD', 'z', 'GET', 'u8', '0'], WRONGTYPE),
      exp(['BITFIELD', 'z', 'SET', 'u8', '0', '1'], WRONGTYPE),
      exp(['BITFIELD_RO', 'z', 'GET', 'u8', '0'], WRONGTYPE),
      exp(['BITFIELD', 'z'], WRONGTYPE),
      exp(['BITFIELD_RO', 'z', 'SET', 'u8', '0', '1'], '-ERR BITFIELD_RO only supports the GET subcommand'),
      exp(['BITFIELD'], ARITY('bitfield')),
      exp(['BITFIELD_RO'], ARITY('bitfield_ro')),
    ));

  test('inside MULTI and with WATCH', () =>
    d.check(
      ['WATCH', 'w'],
      ['MULTI'],
      ['SETBIT', 'w', '3', '1'],
      ['BITFIELD', 'w', 'INCRBY', 'u4', '0', '3'],
      ['BITCOUNT', 'w'],
      ['BITOP', 'NOT', 'w2', 'w'],
      ['EXEC'],
      ['GET', 'w2'],
    ));

  test('keyspace events and tracking invalidations', () =>
    checkSideEffects(d, [
      ['SETBIT', 'b', '3', '1'],
      ['SETBIT', 'b', '3', '1'],
      ['SETBIT', 'b', '2', '0'],
      ['SETBIT', 'b', '20', '0'],
      ['GETBIT', 'b', '3'],
      ['GETBIT', 'missing', '3'],
      ['BITCOUNT', 'missing'],
      ['BITFIELD', 'b', 'SET', 'u8', '0', '16'],
      ['BITFIELD', 'b', 'SET', 'u8', '0', '16'],
      ['BITFIELD', 'b', 'INCRBY', 'u8', '0', '1', 'INCRBY', 'u8', '8', '1'],
      ['BITFIELD', 'b2', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9'],
      ['BITFIELD', 'b3', 'GET', 'u8', '0'],
      ['BITOP', 'OR', 'd', 'b', 'b2'],
      ['BITOP', 'OR', 'd', 'b'],
      ['BITOP', 'OR', 'd', 'missing'],
      ['BITOP', 'OR', 'd', 'missing'],
      ['SET', 'i', '10'],
      ['SETBIT', 'i', '0', '0'],
    ]));

  test('keyspace hits and misses, command statistics', () =>
    checkStats(d, [
      ['SETBIT', 'b', '3', '1'],
      ['SETBIT', 'nob', 'x', '1'],
      ['GETBIT', 'b', '3'],
      ['GETBIT', 'missing', '3'],
      ['BITCOUNT', 'b'],
      ['BITCOUNT', 'missing'],
      ['BITPOS', 'missing', '1'],
      ['BITPOS', 'b', '1', '0', '1', 'x'],
      ['BITOP', 'OR', 'd', 'b', 'missing', 'b'],
      ['BITFIELD', 'b', 'GET', 'u8', '0'],
      ['BITFIELD', 'missing', 'GET', 'u8', '0'],
      ['BITFIELD', 'b', 'SET', 'u8', '0', '1'],
      ['BITFIELD_RO', 'b', 'SET', 'u8', '0', '1'],
      ['LPUSH', 'l', 'x'],
      ['GETBIT', 'l', '0'],
    ]));

  test('random operation scripts', async () => {
    const rand = rng(protocol * 7919 + 17);
    const int = (n: number) => Math.floor(rand() * n);
    const pick = <T,>(xs: T[]) => xs[int(xs.length)];
    const keys = ['k1', 'k2', 'k3', 'n'];
    const index = () => String(int(60) - 30);
    const types = ['u1', 'u3', 'u8', 'u13', 'u32', 'u63', 'i1', 'i4', 'i8', 'i17', 'i32', 'i64'];
    for (let round = 0; round < 4; round++) {
      const steps: Step[] = [['SET', 'n', String(int(100000))]];
      for (let i = 0; i < 200; i++) {
        const k = pick(keys);
        const r = rand();
        if (r < 0.2) steps.push(['SETBIT', k, String(int(300)), String(int(2))]);
        else if (r < 0.28) steps.push(['GETBIT', k, String(int(320))]);
        else if (r < 0.38) {
          const cmd: Arg[] = ['BITCOUNT', k];
          if (rand() < 0.7) cmd.push(index(), index());
          if (cmd.length > 2 && rand() < 0.5) cmd.push(pick(['BIT', 'BYTE']));
          steps.push(cmd);
        } else if (r < 0.5) {
          const cmd: Arg[] = ['BITPOS', k, String(int(2))];
          if (rand() < 0.8) cmd.push(String(int(300) - 100));
          if (cmd.length > 3 && rand() < 0.7) cmd.push(String(int(300) - 100));
          if (cmd.length > 4 && rand() < 0.7) cmd.push(pick(['BIT', 'BYTE']));
          steps.push(cmd);
        } else if (r < 0.58) {
          const op = pick(['AND', 'OR', 'XOR', 'NOT']);
          steps.push(op === 'NOT' ? ['BITOP', op, pick(keys), k] : ['BITOP', op, pick(keys), k, pick(keys), pick(keys)]);
        } else if (r < 0.75) {
          const cmd: Arg[] = ['BITFIELD', k];
          for (let n = 1 + int(4); n > 0; n--) {
            const t = pick(types);
            const off = rand() < 0.3 ? `#${int(10)}` : String(int(200));
            const v = String(BigInt(int(2 ** 31)) * BigInt(int(2 ** 31)) * (rand() < 0.5 ? -1n : 1n) >> BigInt(int(64)));
            const s = rand();
            if (s < 0.2) cmd.push('OVERFLOW', pick(['WRAP', 'SAT', 'FAIL']));
            else if (s < 0.5) cmd.push('GET', t, off);
            else if (s < 0.75) cmd.push('SET', t, off, v);
            else cmd.push('INCRBY', t, off, rand() < 0.5 ? String(int(20) - 10) : v);
          }
          steps.push(cmd);
        } else if (r < 0.8) {
          steps.push(['BITFIELD_RO', k, 'GET', pick(types), String(int(200))]);
        } else if (r < 0.85) steps.push(['SETRANGE', k, String(int(40)), pick(['a', 'xyz', '\x00\xff'])]);
        else if (r < 0.88) steps.push(['APPEND', k, pick(['1', 'zz'])]);
        else if (r < 0.91) steps.push(['GETRANGE', k, index(), index()]);
        else if (r < 0.94) steps.push(['SET', k, pick([String(int(1000)), 'hello', ''])]);
        else if (r < 0.97) steps.push(['OBJECT', 'ENCODING', k], ['STRLEN', k]);
        else steps.push(['DEL', k]);
      }
      steps.push(...keys.map((k): Step => ['GET', k]), ['DEL', ...keys]);
      await d.check(...steps);
    }
  });
});
