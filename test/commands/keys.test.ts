/**
 * Keyspace commands, compared reply-for-reply against a real redis-server in
 * RESP2 and RESP3.
 */
import { describe, test } from 'vitest';
import { N, PROTOCOLS, exp, useDifferential, type Arg, type Step } from '../helpers/differential';
import { NOT_INT, SYNTAX, ARITY } from '../helpers/replies';

const NO_SUCH_KEY = '-ERR no such key';
const DB_RANGE = '-ERR DB index is out of range';
const SAME_OBJECT = '-ERR source and destination objects are the same';
const INVALID_EXPIRE = (cmd: string) => `-ERR invalid expire time in '${cmd}' command`;
const NX_CONFLICT = '-ERR NX and XX, GT or LT options at the same time are not compatible';

const FUTURE_S = Math.floor(Date.now() / 1000) + 3600;
const FUTURE_MS = FUTURE_S * 1000 + 250;

/** One key of every type Tachyon implements (streams come with their own issue). */
const ALL_TYPES: Step[] = [
  ['SET', 'str', 'v'],
  ['RPUSH', 'list', 'a', 'b'],
  ['SADD', 'set', 'a', 'b'],
  ['ZADD', 'zset', 1, 'a'],
  ['HSET', 'hash', 'f', 'v'],
];

const GLOB_KEYS = [
  'hello', 'hallo', 'hxllo', 'hllo', 'heeeello', 'h*llo', 'h]llo', 'h-llo', 'a[b', 'a\\b', 'x?y', '^', '-', 'ab', 'a',
  'A', 'key:1', 'key:2', 'key:10', 'key:{x}',
];

const GLOB_PATTERNS = [
  '*', '?', 'h?llo', 'h*llo', 'h*', '*llo', 'h[ae]llo', 'h[^e]llo', 'h[!e]llo', 'h[a-b]llo', 'h[z-a]llo', 'h[a-]llo',
  'h\\*llo', 'h\\?llo', 'a\\[b', 'a\\\\b', 'a\\b', 'h[]llo', 'h[]]llo', 'h[\\]]llo', '[', '[^', '[a-]', '[\\^]', '\\',
  'a[', 'a[b', 'key:?', 'key:[0-9]', 'key:[0-9]*', 'key:{x}', '*:*', 'x\\?y', 'x?y', '**', '*a*', '[aA]', 'A', 'a',
  'nomatch*', '', 'h[-]llo',
];

describe.each(PROTOCOLS)('keys (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test('DEL UNLINK EXISTS with repeated keys', () =>
    d.check(
      ['MSET', 'a', 1, 'b', 2, 'c', 3],
      exp(['EXISTS', 'a', 'a', 'a', 'missing'], ':3'),
      ['EXISTS', 'missing'],
      ['EXISTS', 'a', 'b', 'c'],
      exp(['DEL', 'a', 'a', 'missing'], ':1'),
      ['DEL', 'a'],
      ['EXISTS', 'a'],
      ['UNLINK', 'b', 'b', 'c', 'x'],
      ['UNLINK', 'b'],
      ['MSET', 'x', 1, 'y', 2, 'z', 3],
      ['DEL', 'x', 'y', 'nope', 'y'],
      ['UNLINK', 'z', 'z', 'nope'],
      ['DBSIZE'],
      exp(['DEL'], ARITY('del')),
      exp(['UNLINK'], ARITY('unlink')),
      exp(['EXISTS'], ARITY('exists')),
    ));

  test('TYPE', () =>
    d.check(
      ['SET', 'str', 'v'],
      exp(['TYPE', 'str'], '+string'),
      exp(['TYPE', 'missing'], '+none'),
      ['SET', 'n', 42],
      ['TYPE', 'n'],
      exp(['TYPE'], ARITY('type')),
      exp(['TYPE', 'a', 'b'], ARITY('type')),
    ));

  test('RENAME RENAMENX', () =>
    d.check(
      ['SET', 'a', 'va'],
      exp(['RENAME', 'a', 'b'], '+OK'),
      ['EXISTS', 'a'],
      ['GET', 'b'],
      exp(['RENAME', 'a', 'c'], NO_SUCH_KEY),
      exp(['RENAMENX', 'a', 'c'], NO_SUCH_KEY),
      exp(['RENAME', 'b', 'b'], '+OK'),
      exp(['RENAMENX', 'b', 'b'], ':0'),
      exp(['RENAME', 'missing', 'missing'], NO_SUCH_KEY),
      ['SET', 'c', 'vc'],
      exp(['RENAMENX', 'b', 'c'], ':0'),
      exp(['RENAMENX', 'b', 'd'], ':1'),
      ['MGET', 'b', 'c', 'd'],
      ['SET', 'ttl', 'v', 'EX', 100],
      ['RENAME', 'ttl', 'ttl2'],
      ['TTL', 'ttl2'],
      ['SET', 'plain', 'p'],
      ['RENAME', 'plain', 'ttl2'],
      ['TTL', 'ttl2'],
      ['GET', 'ttl2'],
      exp(['RENAME', 'a'], ARITY('rename')),
      exp(['RENAMENX', 'a', 'b', 'c'], ARITY('renamenx')),
    ));

  test('KEYS glob patterns', () =>
    d.check(
      ['MSET', ...GLOB_KEYS.flatMap((k) => [k, 1])],
      ...GLOB_PATTERNS.map((p): Step => ['KEYS', p]),
      exp(['KEYS'], ARITY('keys')),
      exp(['KEYS', 'a', 'b'], ARITY('keys')),
    ));

  test('KEYS on empty db and with expired keys', () =>
    d.check(
      ['KEYS', '*'],
      ['SET', 'live', 1],
      ['SET', 'dying', 1, 'PX', 20],
      { sleep: 80 },
      ['KEYS', '*'],
      ['EXISTS', 'dying'],
    ));

  test('SCAN full iteration (MATCH COUNT TYPE)', async () => {
    const keys: Step[] = [];
    for (let i = 0; i < 300; i++) keys.push(['SET', `key:${i}`, i]);
    for (let i = 0; i < 40; i++) keys.push(['SET', `other:${i}`, 'x', 'EX', 1000]);
    await d.check(...keys);
    for (const cmd of [
      ['SCAN', 0],
      ['SCAN', 0, 'COUNT', 1],
      ['SCAN', 0, 'COUNT', 1000],
      ['SCAN', 0, 'MATCH', 'key:1*'],
      ['SCAN', 0, 'MATCH', 'key:1*', 'COUNT', 3],
      ['SCAN', 0, 'MATCH', 'nothing*'],
      ['SCAN', 0, 'TYPE', 'string', 'MATCH', '*:2?'],
      ['SCAN', 0, 'TYPE', 'list'],
      ['SCAN', 0, 'type', 'STRING', 'match', 'key:29?', 'count', 50],
    ] as Arg[][]) {
      await d.checkScan(cmd);
    }
  });

  test('SCAN errors and edge cases', () =>
    d.check(
      ['SET', 'a', 1],
      ['SCAN', 0, 'COUNT', 100],
      exp(['SCAN', 'abc'], '-ERR invalid cursor'),
      // Where an arbitrary cursor lands depends on the hash seed: compare the shape only.
      { cmd: ['SCAN', '-1'], norm: [N.at(0, N.type), N.at(1, N.type)], expect: /^\[/ },
      ['SCAN', '1.5'],
      { cmd: ['SCAN', '18446744073709551615'], norm: [N.at(0, N.type), N.at(1, N.type)] },
      ['SCAN', '18446744073709551616'],
      exp(['SCAN', 0, 'COUNT', 0], SYNTAX),
      exp(['SCAN', 0, 'COUNT', -1], SYNTAX),
      exp(['SCAN', 0, 'COUNT', 'x'], NOT_INT),
      exp(['SCAN', 0, 'MATCH'], SYNTAX),
      exp(['SCAN', 0, 'FOO', 'bar'], SYNTAX),
      ['SCAN', 0, 'TYPE', 'nosuchtype'],
      ['SCAN', 0, 'MATCH', 'a', 'MATCH', 'b'],
      exp(['SCAN'], ARITY('scan')),
    ));

  test('RANDOMKEY', () =>
    d.check(
      exp(['RANDOMKEY'], protocol === 2 ? 'nil' : '_'),
      ['SET', 'only', 1],
      exp(['RANDOMKEY'], '"only"'),
      ['SET', 'gone', 1, 'PX', 10],
      ['DEL', 'only'],
      { sleep: 50 },
      ['RANDOMKEY'],
      exp(['RANDOMKEY', 'x'], ARITY('randomkey')),
    ));

  test.each(['EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT'])('%s with NX XX GT LT', async (cmd) => {
    const abs = cmd.endsWith('AT');
    const ms = cmd.startsWith('P');
    const unit = ms ? 1000 : 1;
    const base = abs ? (ms ? FUTURE_MS : FUTURE_S) : 0;
    const t = (secs: number) => base + secs * unit;
    const steps: Step[] = [];
    for (const opt of [[], ['NX'], ['XX'], ['GT'], ['LT'], ['nx'], ['Gt']]) {
      for (const initial of ['none', 'ttl']) {
        for (const value of [50, 200]) {
          steps.push(
            ['DEL', 'k'],
            ['SET', 'k', 'v'],
            ...(initial === 'ttl' ? [['EXPIRE', 'k', 100]] : []),
            [cmd, 'k', t(value), ...opt],
            ['TTL', 'k'],
          );
        }
      }
      steps.push([cmd, 'missing', t(100), ...opt]);
    }
    const lower = cmd.toLowerCase();
    steps.push(
      ['SET', 'k', 'v'],
      exp([cmd, 'k', t(10), 'NX', 'XX'], NX_CONFLICT),
      exp([cmd, 'k', t(10), 'NX', 'GT'], NX_CONFLICT),
      exp([cmd, 'k', t(10), 'LT', 'NX'], NX_CONFLICT),
      exp([cmd, 'k', t(10), 'GT', 'LT'], '-ERR GT and LT options at the same time are not compatible'),
      [cmd, 'k', t(10), 'XX', 'GT'],
      [cmd, 'k', t(10), 'NX', 'NX'],
      exp([cmd, 'k', t(10), 'FOO'], '-ERR Unsupported option FOO'),
      exp([cmd, 'k', 'abc'], NOT_INT),
      exp([cmd, 'k', '1.5'], NOT_INT),
      exp([cmd, 'k', '9223372036854775808'], NOT_INT),
      [cmd, 'k', '9223372036854775807'],
      [cmd, 'k', '-9223372036854775808'],
      exp([cmd, 'k'], ARITY(lower)),
      ['SET', 'k', 'v'],
      [cmd, 'k', '4611686018427387904'],
      [cmd, 'k', '9223372036854775'],
      ['TTL', 'k'],
      ['SET', 'k', 'v'],
      [cmd, 'k', -1],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v'],
      [cmd, 'k', 0],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v'],
      [cmd, 'k', -1, 'XX'],
      ['EXISTS', 'k'],
      [cmd, 'k', -1, 'NX'],
      ['EXISTS', 'k'],
    );
    await d.check(...steps);
  });

  test('expire overflow errors name the command', () =>
    d.check(
      ['SET', 'k', 'v'],
      exp(['EXPIRE', 'k', '9223372036854775807'], INVALID_EXPIRE('expire')),
      exp(['EXPIRE', 'k', '-9223372036854775808'], INVALID_EXPIRE('expire')),
      exp(['EXPIREAT', 'k', '9223372036854775807'], INVALID_EXPIRE('expireat')),
      ['PEXPIRE', 'k', '9223372036854775807'],
      ['PEXPIREAT', 'k', '9223372036854775807'],
      ['PTTL', 'k'],
      ['SET', 'k', 'v'],
      ['PEXPIRE', 'k', '-9223372036854775808'],
      ['EXISTS', 'k'],
    ));

  test('TTL PTTL EXPIRETIME PEXPIRETIME PERSIST', () =>
    d.check(
      exp(['TTL', 'missing'], ':-2'),
      exp(['PTTL', 'missing'], ':-2'),
      exp(['EXPIRETIME', 'missing'], ':-2'),
      exp(['PEXPIRETIME', 'missing'], ':-2'),
      ['SET', 'k', 'v'],
      exp(['TTL', 'k'], ':-1'),
      exp(['PTTL', 'k'], ':-1'),
      exp(['EXPIRETIME', 'k'], ':-1'),
      exp(['PEXPIRETIME', 'k'], ':-1'),
      exp(['PERSIST', 'k'], ':0'),
      ['EXPIREAT', 'k', FUTURE_S],
      ['EXPIRETIME', 'k'],
      ['PEXPIRETIME', 'k'],
      ['TTL', 'k'],
      ['PEXPIREAT', 'k', FUTURE_MS],
      ['EXPIRETIME', 'k'],
      ['PEXPIRETIME', 'k'],
      ['PEXPIRE', 'k', 1500],
      ['TTL', 'k'],
      ['PTTL', 'k'],
      exp(['PERSIST', 'k'], ':1'),
      ['TTL', 'k'],
      ['PERSIST', 'missing'],
      ['SET', 'short', 'v', 'PX', 30],
      { sleep: 80 },
      ['TTL', 'short'],
      ['PTTL', 'short'],
      ['GET', 'short'],
      ['PERSIST', 'short'],
      exp(['TTL'], ARITY('ttl')),
      exp(['PERSIST', 'a', 'b'], ARITY('persist')),
      exp(['EXPIRETIME'], ARITY('expiretime')),
    ));

  test('TOUCH', () =>
    d.check(
      ['MSET', 'a', 1, 'b', 2],
      exp(['TOUCH', 'a', 'b', 'missing', 'a'], ':3'),
      ['TOUCH', 'missing'],
      exp(['TOUCH'], ARITY('touch')),
    ));

  test('COPY', () =>
    d.check(
      ['SET', 'src', 'v', 'EX', 100],
      exp(['COPY', 'src', 'dst'], ':1'),
      ['GET', 'dst'],
      ['TTL', 'dst'],
      exp(['COPY', 'src', 'dst'], ':0'),
      ['SET', 'src', 'v2'],
      exp(['COPY', 'src', 'dst', 'REPLACE'], ':1'),
      ['GET', 'dst'],
      ['TTL', 'dst'],
      exp(['COPY', 'src', 'src'], SAME_OBJECT),
      exp(['COPY', 'src', 'src', 'DB', 0], SAME_OBJECT),
      ['COPY', 'missing', 'x'],
      ['COPY', 'src', 'other', 'DB', 1],
      ['COPY', 'src', 'other', 'DB', 1],
      ['COPY', 'src', 'other', 'DB', 1, 'REPLACE'],
      ['COPY', 'src', 'src', 'DB', 2],
      ['SELECT', 1],
      ['GET', 'other'],
      ['GET', 'src'],
      ['SELECT', 0],
      exp(['COPY', 'src', 'x', 'DB', 16], DB_RANGE),
      exp(['COPY', 'src', 'x', 'DB', -1], DB_RANGE),
      exp(['COPY', 'src', 'x', 'DB', 'abc'], NOT_INT),
      exp(['COPY', 'src', 'x', 'DB'], SYNTAX),
      exp(['COPY', 'src', 'x', 'FOO'], SYNTAX),
      ['COPY', 'src', 'x', 'REPLACE', 'REPLACE'],
      exp(['COPY', 'a'], ARITY('copy')),
    ));

  test('MOVE', () =>
    d.check(
      ['SET', 'k', 'v', 'EX', 100],
      exp(['MOVE', 'k', 1], ':1'),
      ['EXISTS', 'k'],
      exp(['MOVE', 'k', 1], ':0'),
      ['SELECT', 1],
      ['GET', 'k'],
      ['TTL', 'k'],
      exp(['MOVE', 'k', 1], SAME_OBJECT),
      ['SET', 'clash', 'in-db1'],
      ['SELECT', 0],
      ['SET', 'clash', 'in-db0'],
      exp(['MOVE', 'clash', 1], ':0'),
      ['GET', 'clash'],
      exp(['MOVE', 'clash', 16], DB_RANGE),
      exp(['MOVE', 'clash', -1], DB_RANGE),
      exp(['MOVE', 'clash', 'x'], NOT_INT),
      exp(['MOVE', 'clash'], ARITY('move')),
    ));

  test('SWAPDB SELECT', () =>
    d.check(
      ['SET', 'k', 'db0'],
      ['SELECT', 1],
      ['SET', 'k', 'db1'],
      ['SET', 'only1', 'x'],
      exp(['SWAPDB', 0, 1], '+OK'),
      ['GET', 'k'],
      ['EXISTS', 'only1'],
      ['SELECT', 0],
      ['GET', 'k'],
      ['EXISTS', 'only1'],
      ['DBSIZE'],
      exp(['SWAPDB', 0, 0], '+OK'),
      ['SWAPDB', 0, 15],
      ['DBSIZE'],
      ['SWAPDB', 15, 0],
      exp(['SWAPDB', 0, 16], DB_RANGE),
      exp(['SWAPDB', -1, 0], DB_RANGE),
      exp(['SWAPDB', 'x', 0], '-ERR invalid first DB index'),
      exp(['SWAPDB', 0, 'x'], '-ERR invalid second DB index'),
      exp(['SWAPDB', 0], ARITY('swapdb')),
      exp(['SELECT', 16], DB_RANGE),
      exp(['SELECT', -1], DB_RANGE),
      exp(['SELECT', 'x'], NOT_INT),
      exp(['SELECT', '1.0'], NOT_INT),
      exp(['SELECT', 15], '+OK'),
      ['DBSIZE'],
      exp(['SELECT'], ARITY('select')),
    ));

  test('all 16 databases are independent', async () => {
    await d.check(
      ...Array.from({ length: 16 }, (_, i): Step[] => [['SELECT', i], ['SET', 'k', `db${i}`], ['DBSIZE']]).flat(),
      ...Array.from({ length: 16 }, (_, i): Step[] => [['SELECT', i], ['GET', 'k']]).flat(),
    );
  });

  test('OBJECT subcommands', () =>
    d.check(
      ['SET', 'str', 'hello'],
      ['SET', 'int', 12345],
      ['SET', 'bigint', 123456789],
      ['OBJECT', 'ENCODING', 'str'],
      ['OBJECT', 'ENCODING', 'int'],
      ['OBJECT', 'ENCODING', 'missing'],
      ['OBJECT', 'REFCOUNT', 'str'],
      ['OBJECT', 'REFCOUNT', 'bigint'],
      ['OBJECT', 'REFCOUNT', 'int'],
      ['OBJECT', 'REFCOUNT', 'missing'],
      ['OBJECT', 'IDLETIME', 'str'],
      ['OBJECT', 'IDLETIME', 'missing'],
      exp(
        ['OBJECT', 'FREQ', 'str'],
        '-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
      ),
      ['OBJECT', 'FREQ', 'missing'],
      ['OBJECT', 'HELP'],
      ['object', 'help'],
      exp(['OBJECT', 'HELP', 'extra'], ARITY('object|help')),
      exp(['OBJECT', 'nosuch'], "-ERR unknown subcommand 'nosuch'. Try OBJECT HELP."),
      exp(['OBJECT', 'nosuch', 'k'], "-ERR unknown subcommand 'nosuch'. Try OBJECT HELP."),
      exp(['OBJECT'], ARITY('object')),
      exp(['OBJECT', 'ENCODING'], ARITY('object|encoding')),
      exp(['OBJECT', 'ENCODING', 'a', 'b'], ARITY('object|encoding')),
    ));

  test('OBJECT FREQ under an LFU policy', async () => {
    try {
      await d.check(
        exp(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'], '+OK'),
        ['SET', 'k', 'v'],
        ['OBJECT', 'FREQ', 'k'],
        ['OBJECT', 'FREQ', 'missing'],
        exp(['OBJECT', 'IDLETIME', 'k'], /^-ERR An LFU maxmemory policy is selected, idle time not tracked/),
      );
    } finally {
      await d.adminCall('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    }
  });

  test('DBSIZE FLUSHDB FLUSHALL', () =>
    d.check(
      exp(['DBSIZE'], ':0'),
      ['MSET', 'a', 1, 'b', 2],
      exp(['DBSIZE'], ':2'),
      ['SELECT', 3],
      ['SET', 'c', 3],
      exp(['FLUSHDB'], '+OK'),
      ['DBSIZE'],
      ['SELECT', 0],
      ['DBSIZE'],
      ['SELECT', 3],
      ['SET', 'c', 3],
      exp(['FLUSHDB', 'ASYNC'], '+OK'),
      ['DBSIZE'],
      ['SET', 'c', 3],
      exp(['FLUSHDB', 'sync'], '+OK'),
      ['DBSIZE'],
      ['SET', 'c', 3],
      exp(['FLUSHALL'], '+OK'),
      ['DBSIZE'],
      ['SELECT', 0],
      ['DBSIZE'],
      ['SET', 'a', 1],
      exp(['FLUSHALL', 'ASYNC'], '+OK'),
      ['DBSIZE'],
      ['SET', 'a', 1],
      exp(['FLUSHALL', 'SYNC'], '+OK'),
      ['DBSIZE'],
      exp(['FLUSHALL', 'FOO'], SYNTAX),
      exp(['FLUSHDB', 'ASYNC', 'SYNC'], SYNTAX),
      exp(['FLUSHALL', 'SYNC', 'ASYNC'], SYNTAX),
      exp(['DBSIZE', 'x'], ARITY('dbsize')),
    ));

  test('lazy expiry is visible to every command', () =>
    d.check(
      ['SET', 'a', 'v', 'PX', 30],
      ['SET', 'b', 'v'],
      ['PEXPIRE', 'b', 30],
      ['SET', 'c', 'v', 'PX', 30],
      ['SET', 'live', 'v', 'EX', 100],
      { sleep: 100 },
      ['GET', 'a'],
      ['EXISTS', 'b'],
      ['TTL', 'c'],
      ['TYPE', 'a'],
      ['STRLEN', 'b'],
      ['APPEND', 'c', 'x'],
      ['TTL', 'c'],
      ['KEYS', '*'],
      ['DBSIZE'],
      ['DEL', 'c'],
      ['RANDOMKEY'],
    ));

  // Keys of the other data types: kept apart from the string-only tests above.
  test('DEL EXISTS TYPE OBJECT ENCODING on every type', () =>
    d.check(
      ...ALL_TYPES,
      ...['str', 'list', 'set', 'zset', 'hash', 'missing'].flatMap((k): Step[] => [
        ['TYPE', k],
        ['OBJECT', 'ENCODING', k],
      ]),
      ['EXISTS', 'str', 'list', 'set', 'zset', 'hash'],
      ['DEL', 'str', 'list', 'set'],
      ['UNLINK', 'zset', 'hash'],
      ['DBSIZE'],
    ));

  test('RENAME COPY MOVE of every type', () =>
    d.check(
      ...ALL_TYPES,
      ...['list', 'set', 'zset', 'hash'].flatMap((k): Step[] => [
        ['COPY', k, `${k}-copy`],
        ['TYPE', `${k}-copy`],
        ['RENAME', `${k}-copy`, `${k}-renamed`],
        ['TYPE', `${k}-renamed`],
        ['MOVE', `${k}-renamed`, 1],
      ]),
      ['LRANGE', 'list', 0, -1],
      ['RPUSH', 'list', 'c'],
      ['COPY', 'list', 'str', 'REPLACE'],
      ['TYPE', 'str'],
      ['LRANGE', 'str', 0, -1],
      ['SELECT', 1],
      ['LRANGE', 'list-renamed', 0, -1],
      ['SMEMBERS', 'set-renamed'],
      ['ZRANGE', 'zset-renamed', 0, -1, 'WITHSCORES'],
      ['HGETALL', 'hash-renamed'],
      ['DBSIZE'],
    ));

  test('SCAN TYPE over mixed types', async () => {
    const keys: Step[] = [];
    for (let i = 0; i < 40; i++) {
      keys.push(['SET', `str:${i}`, i], ['RPUSH', `list:${i}`, 'x'], ['HSET', `hash:${i}`, 'f', 'v']);
    }
    await d.check(...keys);
    for (const cmd of [
      ['SCAN', 0, 'TYPE', 'list'],
      ['SCAN', 0, 'TYPE', 'hash', 'COUNT', 7, 'MATCH', 'hash:[12]*'],
      ['SCAN', 0, 'TYPE', 'string'],
      ['SCAN', 0, 'TYPE', 'zset'],
    ] as Arg[][]) {
      await d.checkScan(cmd);
    }
  });

  test('lazy expiry of every type', () =>
    d.check(
      ...ALL_TYPES,
      ...['str', 'list', 'set', 'zset', 'hash'].map((k): Step => ['PEXPIRE', k, 30]),
      { sleep: 100 },
      ...['str', 'list', 'set', 'zset', 'hash'].flatMap((k): Step[] => [
        ['TYPE', k],
        ['EXISTS', k],
        ['TTL', k],
        ['OBJECT', 'ENCODING', k],
      ]),
      ['KEYS', '*'],
      ['DBSIZE'],
      ['RANDOMKEY'],
    ));
});
