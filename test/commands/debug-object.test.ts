/**
 * DEBUG OBJECT against a real redis-server 7.0 (RESP2 and RESP3): the status
 * line's refcount, encoding, serialized length and idle time for every type
 * and encoding, the quicklist fields of lists, rdbcompression, the missing
 * key error and a key that expired but was not reclaimed yet. Only the value's
 * address and the raw LRU stamp are masked: they are a pointer and a clock.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, exp, norm, useDifferential, type Normalizer } from '../helpers/differential';
import { replyText } from '../helpers/resp';

/** The address and the LRU clock reading differ by nature; the rest must match. */
const masked: Normalizer = (r) => {
  const text = replyText(r);
  if (r.type !== 'simple' || text === undefined) return r;
  return { type: 'simple', value: text.replace(/^Value at:0x[0-9a-f]+ /, 'Value at:<addr> ').replace(/ lru:\d+ /, ' lru:<clock> ') };
};
const obj = (key: string) => norm(['DEBUG', 'OBJECT', key], masked);
const LINE = /^\+Value at:0x[0-9a-f]+ refcount:\d+ encoding:[a-z]+ serializedlength:\d+ lru:\d+ lru_seconds_idle:\d+/;

describe.each(PROTOCOLS)('DEBUG OBJECT (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol, config: { 'enable-debug-command': 'yes' } });

  test('strings: shared and unshared integers, embstr, raw, LZF-compressed', () =>
    d.check(
      ['SET', 'small', '42'],
      exp(['DEBUG', 'OBJECT', 'small'], /^\+Value at:0x[0-9a-f]+ refcount:2147483647 encoding:int serializedlength:2 /, { norm: masked }),
      obj('small'),
      ['SET', 'big', '20000'],
      obj('big'),
      ['SET', 'neg', '-123456789012'],
      obj('neg'),
      ['SET', 'short', 'hello'],
      obj('short'),
      ['SET', 'long', 'x'.repeat(60) + 'y'],
      obj('long'),
      ['SET', 'noisy', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ'],
      obj('noisy'),
      ['APPEND', 'short', ' world'],
      obj('short'),
      ['CONFIG', 'SET', 'rdbcompression', 'no'],
      obj('long'),
    ));

  test('collections in both encodings', () =>
    d.check(
      ['HSET', 'h', 'f1', 'v1', 'f2', '2'],
      obj('h'),
      ['HSET', 'h', 'f3', 'z'.repeat(100)],
      obj('h'),
      ['SADD', 'si', '1', '2', '300', '-70000'],
      obj('si'),
      ['SADD', 'ss', 'a', 'b', 'c'],
      obj('ss'),
      ['ZADD', 'z', '1', 'a', '2.5', 'b'],
      obj('z'),
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '1'],
      ['ZADD', 'z2', '1', 'a', '2', 'b'],
      obj('z2'),
      ['XADD', 'st', '1-1', 'f', 'v'],
      ['XADD', 'st', '2-1', 'f', 'w', 'g', 'x'],
      obj('st'),
      ['PFADD', 'hll', 'a', 'b', 'c'],
      obj('hll'),
    ));

  test('lists: quicklist node count, fill, compression flag and node bytes', () =>
    d.check(
      exp(['RPUSH', 'l', 'a', 'b', 'c', '1', '2'], ':5'),
      exp(['DEBUG', 'OBJECT', 'l'], /ql_nodes:1 ql_avg_node:5\.00 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:\d+$/, {
        norm: masked,
      }),
      obj('l'),
      ['CONFIG', 'SET', 'list-max-listpack-size', '2'],
      ['CONFIG', 'SET', 'list-compress-depth', '1'],
      ['RPUSH', 'l2', 'a', 'b', 'c', 'd', 'e'],
      obj('l2'),
      ['RPUSH', 'l3', 'v'.repeat(50)],
      obj('l3'),
    ));

  test('missing, expired and wrong arity', () =>
    d.check(
      exp(['DEBUG', 'OBJECT', 'nosuch'], '-ERR no such key'),
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ['SET', 'gone', 'v', 'PX', '1'],
      { sleep: 20 },
      // Not reclaimed yet: DEBUG OBJECT still sees it, a read does not.
      exp(['DEBUG', 'OBJECT', 'gone'], LINE, { norm: masked }),
      ['GET', 'gone'],
      exp(['DEBUG', 'OBJECT', 'gone'], '-ERR no such key'),
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
      exp(['DEBUG', 'OBJECT', 'a', 'b'], "-ERR unknown subcommand or wrong number of arguments for 'OBJECT'. Try DEBUG HELP."),
    ));
});
