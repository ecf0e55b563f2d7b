/**
 * The compact value layouts (README "Memory per key"), compared reply for reply
 * against a real redis-server 7.0 in RESP2 and RESP3: quicklist plain nodes,
 * whose element lives in a block of its own behind the node (written, read,
 * replaced, copied, renamed, dumped), and sorted sets whose one-word object
 * holds either the listpack or the skiplist (conversions both ways, counts
 * read from the listpack header, COPY, RENAME, DUMP, DEBUG DIGEST-VALUE),
 * and entry blocks that hold their key once: MEMORY USAGE grows by what the
 * longer key costs Redis when a key of each type is renamed (16 bytes).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { PROTOCOLS, exp, useDifferential } from '../helpers/differential';
import type { Reply } from '../helpers/resp';

const str = (n: number, ch: string) => ch.repeat(n);

function num(r: Reply): number {
  if (r.type !== 'integer') throw new Error(`not an integer: ${JSON.stringify(r)}`);
  return Number(r.value);
}

describe.each(PROTOCOLS)('value layouts (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol, config: { 'enable-debug-command': 'yes' } });
  afterEach(async () => {
    await d.adminCall('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0');
    await d.adminCall('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
    await d.adminCall('CONFIG', 'SET', 'zset-max-listpack-value', '64');
  });

  test('quicklist plain nodes: push, read, replace, insert, copy, rename, dump, pop', () =>
    d.check(
      exp(['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100'], '+OK'),
      exp(['RPUSH', 'pl', 'a', str(200, 'x'), 'b', str(300, 'y')], ':4'),
      ['LRANGE', 'pl', '0', '-1'],
      ['LINDEX', 'pl', '1'],
      ['LINDEX', 'pl', '-1'],
      exp(['OBJECT', 'ENCODING', 'pl'], '"quicklist"'),
      ['DEBUG', 'DIGEST-VALUE', 'pl'],
      ['DUMP', 'pl'],
      // plain -> plain, packed -> plain, plain -> packed
      exp(['LSET', 'pl', '1', str(250, 'z')], '+OK'),
      exp(['LSET', 'pl', '0', str(150, 'w')], '+OK'),
      exp(['LSET', 'pl', '3', 'small'], '+OK'),
      ['LRANGE', 'pl', '0', '-1'],
      exp(['LINSERT', 'pl', 'BEFORE', 'b', str(120, 'q')], ':5'),
      exp(['LINSERT', 'pl', 'AFTER', str(120, 'q'), 'after'], ':6'),
      ['LRANGE', 'pl', '0', '-1'],
      ['DUMP', 'pl'],
      ['DEBUG', 'DIGEST-VALUE', 'pl'],
      exp(['COPY', 'pl', 'pl2'], ':1'),
      ['LRANGE', 'pl2', '0', '-1'],
      exp(['RENAME', 'pl2', 'pl3'], '+OK'),
      ['LRANGE', 'pl3', '0', '-1'],
      ['DUMP', 'pl3'],
      exp(['LPUSH', 'pl3', str(400, 'h')], ':7'),
      ['LPOP', 'pl3', '2'],
      ['RPOP', 'pl3', '2'],
      ['LRANGE', 'pl3', '0', '-1'],
      exp(['LREM', 'pl', '0', str(250, 'z')], ':1'),
      ['LRANGE', 'pl', '0', '-1'],
      exp(['LTRIM', 'pl', '1', '-2'], '+OK'),
      ['LRANGE', 'pl', '0', '-1'],
      exp(['LLEN', 'pl'], ':3'),
    ));

  test('sorted sets: listpack <-> skiplist in one word, counts from the listpack header', () =>
    d.check(
      exp(['CONFIG', 'SET', 'zset-max-listpack-entries', '4'], '+OK'),
      exp(['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'], ':3'),
      exp(['OBJECT', 'ENCODING', 'z'], '"listpack"'),
      exp(['ZCARD', 'z'], ':3'),
      ['DUMP', 'z'],
      exp(['COPY', 'z', 'zl'], ':1'),
      exp(['ZADD', 'z', '4', 'd', '5', 'e', '1.5', 'f'], ':3'),
      exp(['OBJECT', 'ENCODING', 'z'], '"skiplist"'),
      exp(['ZCARD', 'z'], ':6'),
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZRANGE', 'zl', '0', '-1', 'WITHSCORES'],
      exp(['OBJECT', 'ENCODING', 'zl'], '"listpack"'),
      exp(['COPY', 'z', 'zs'], ':1'),
      exp(['OBJECT', 'ENCODING', 'zs'], '"skiplist"'),
      ['ZRANGE', 'zs', '0', '-1', 'WITHSCORES'],
      ['DEBUG', 'DIGEST-VALUE', 'z', 'zs', 'zl'],
      exp(['RENAME', 'zs', 'zr'], '+OK'),
      exp(['ZCARD', 'zr'], ':6'),
      ['ZRANK', 'zr', 'f'],
      exp(['ZREMRANGEBYRANK', 'z', '0', '3'], ':4'),
      exp(['ZCARD', 'z'], ':2'),
      exp(['OBJECT', 'ENCODING', 'z'], '"skiplist"'),
      // ZRANGESTORE and ZUNIONSTORE build small results as listpacks again.
      exp(['ZRANGESTORE', 'zz', 'zr', '0', '2'], ':3'),
      exp(['OBJECT', 'ENCODING', 'zz'], '"listpack"'),
      ['ZRANGE', 'zz', '0', '-1', 'WITHSCORES'],
      exp(['ZUNIONSTORE', 'u', '2', 'z', 'zz'], ':5'),
      exp(['OBJECT', 'ENCODING', 'u'], '"skiplist"'),
      exp(['ZUNIONSTORE', 'u2', '1', 'z'], ':2'),
      exp(['OBJECT', 'ENCODING', 'u2'], '"listpack"'),
      ['ZRANGE', 'u2', '0', '-1', 'WITHSCORES'],
      ['DUMP', 'zz'],
      ['DUMP', 'u2'],
      exp(['ZREM', 'zl', 'a', 'b'], ':2'),
      exp(['ZCARD', 'zl'], ':1'),
      ['ZPOPMIN', 'zl'],
      exp(['EXISTS', 'zl'], ':0'),
      exp(['ZADD', 'big', '1', str(100, 'm')], ':1'),
      exp(['OBJECT', 'ENCODING', 'big'], '"skiplist"'),
      exp(['ZCARD', 'big'], ':1'),
    ));

  // RENAME keeps the value's own blocks and writes a new entry block, so the
  // difference is the key's cost alone: 16 more bytes of key, 16 more bytes
  // of entry (12 and 28 bytes after the 28-byte header need no padding),
  // as Redis's key sds grows from a 16-byte to a 32-byte allocation.
  test.each([
    ['zset (listpack)', ['ZADD', '{k}', '1', 'a', '2', 'b']],
    ['zset (skiplist)', ['ZADD', '{k}', '1', str(100, 'm')]],
    ['hash (listpack)', ['HSET', '{k}', 'f', 'v', 'g', 'w']],
    ['list (quicklist)', ['RPUSH', '{k}', 'a', 'b', 'c']],
    ['set (hashtable)', ['SADD', '{k}', 'a', 'b', 'c']],
    ['set (intset)', ['SADD', '{k}', '1', '2', '3']],
  ])('an entry block holds its key once: %s', async (_name, build) => {
    const short = str(12, 'k');
    const long = str(28, 'k');
    await d.adminCall(...build.map((a) => (a === '{k}' ? short : a)));
    const before = await d.adminCall('MEMORY', 'USAGE', short);
    await d.adminCall('RENAME', short, long);
    const after = await d.adminCall('MEMORY', 'USAGE', long);
    expect(num(after.ref) - num(before.ref)).toBe(16);
    expect(num(after.target) - num(before.target)).toBe(16);
    await d.adminCall('DEL', long);
  });
});
