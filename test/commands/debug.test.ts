/**
 * DEBUG against a real redis-server 7.0 (RESP2 and RESP3): every subcommand's
 * reply and errors, enable-debug-command, DEBUG PROTOCOL's types and their
 * RESP2 forms, and DEBUG DIGEST / DIGEST-VALUE equal to Redis's for every
 * type and encoding after the same seeded random operation scripts.
 * Crashes (SEGFAULT, PANIC, ASSERT, OOM) are in debug-crash.test.ts.
 */
import { describe, expect, test } from 'vitest';
import {
  PROTOCOLS,
  exp,
  norm,
  useDifferential,
  type Arg,
  type Normalizer,
  type Reply,
  type Step,
} from '../helpers/differential';
import { formatReply, replyText } from '../helpers/resp';
import { exact, rng } from '../helpers/replies';

const ZEROS = '0'.repeat(40);

/** Redis's DEBUG HELP without the MALLCTL entries of a jemalloc build. */
const withoutMallctl: Normalizer = (r) => {
  if (r.type !== 'array' || !r.value) return r;
  const out: Reply[] = [];
  for (let i = 0; i < r.value.length; i++) {
    const t = replyText(r.value[i]) ?? '';
    if (t.startsWith('MALLCTL')) {
      i++; // and its description line
      continue;
    }
    out.push(r.value[i]);
  }
  return { type: 'array', value: out };
};
const UNKNOWN = (sub: string) => `-ERR unknown subcommand or wrong number of arguments for '${sub}'. Try DEBUG HELP.`;

/**
 * HTSTATS text: table sizes and element counts are compared; slot counts and
 * chain lengths depend on each server's hash seed.
 */
const htstats: Normalizer = (r) => {
  const text = replyText(r);
  if (text === undefined || r.type === 'error') return r;
  const kept = text
    .split('\n')
    .filter((l) => !/^ {3}\d+: /.test(l))
    .map((l) => l.replace(/^( (different slots|max chain length|avg chain length \((counted|computed)\)): ).*/, '$1*'));
  return { type: 'simple', value: kept.join('|') };
};

/** STRUCTSIZE: Tachyon reports its own structures; the reply is one "name:size ..." line. */
const structsize: Normalizer = (r) =>
  r.type === 'bulk' && r.value && /^bits:64( [a-z0-9]+:\d+)+ $/.test(r.value.toString('latin1'))
    ? { type: 'simple', value: '<sizes>' }
    : r;

describe.each(PROTOCOLS)('DEBUG (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol, config: { 'enable-debug-command': 'yes' } });

  test('HELP, arity and unknown subcommands', () =>
    d.check(
      norm(['DEBUG', 'HELP'], withoutMallctl),
      norm(['debug', 'help'], withoutMallctl),
      exp(['DEBUG'], "-ERR wrong number of arguments for 'debug' command"),
      exp(['DEBUG', 'HELP', 'x'], UNKNOWN('HELP')),
      exp(['DEBUG', 'nosuch'], UNKNOWN('nosuch')),
      // Not in Redis 7.0.15.
      exp(['DEBUG', 'JMAP'], UNKNOWN('JMAP')),
      exp(['DEBUG', 'STRINGMATCH-LEN'], UNKNOWN('STRINGMATCH-LEN')),
      // Only in jemalloc builds (Debian's redis-server is one; Tachyon allocates with the C library's malloc).
      exp(['DEBUG', 'MALLCTL'], UNKNOWN('MALLCTL')),
      exp(['DEBUG', 'MALLCTL-STR'], UNKNOWN('MALLCTL-STR')),
      exp(['DEBUG', 'OBJECT'], UNKNOWN('OBJECT')),
      exp(['DEBUG', 'DIGEST', 'x'], UNKNOWN('DIGEST')),
      exp(['DEBUG', 'SLEEP'], UNKNOWN('SLEEP')),
      exp(['DEBUG', 'LOG'], UNKNOWN('LOG')),
      exp(['DEBUG', 'POPULATE'], UNKNOWN('POPULATE')),
      exp(['DEBUG', 'POPULATE', '1', 'a', '1', 'x'], UNKNOWN('POPULATE')),
      exp(['DEBUG', 'QUICKLIST', 'k', '1', '2'], UNKNOWN('QUICKLIST')),
      exp(['DEBUG', 'REPLYBUFFER', 'resizing'], UNKNOWN('REPLYBUFFER')),
      exp(['DEBUG', 'CLUSTERLINK', 'KILL', 'to'], UNKNOWN('CLUSTERLINK')),
      exp(['DEBUG', 'x'.repeat(200)], UNKNOWN('x'.repeat(128))),
    ));

  test('PROTOCOL: every type, and its RESP2 form', () =>
    d.check(
      ...['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'verbatim', 'true', 'false', 'Map'].map(
        (t) => exact(['DEBUG', 'PROTOCOL', t]),
      ),
      exp(
        ['DEBUG', 'PROTOCOL', 'nope'],
        '-ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
      ),
    ));

  test('PROTOCOL push: a push, then a real reply (RESP2: an error)', () =>
    d.checkRaw('DEBUG PROTOCOL push\r\nPING\r\n', { protocol, replies: protocol === 3 ? 3 : 2 }));

  test('PROTOCOL bytes are identical', async () => {
    for (const t of ['double', 'bignum', 'null', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false']) {
      await d.checkRaw(`DEBUG PROTOCOL ${t}\r\n`, { protocol, replies: t === 'push' && protocol === 3 ? 2 : 1 });
    }
  });

  test('DIGEST and DIGEST-VALUE of an empty dataset and of missing keys', () =>
    d.check(
      exp(['DEBUG', 'DIGEST'], `+${ZEROS}`),
      exp(['DEBUG', 'DIGEST-VALUE'], protocol === 2 ? '[]' : '[]'),
      exp(['DEBUG', 'DIGEST-VALUE', 'a', 'b'], `[+${ZEROS}, +${ZEROS}]`),
    ));

  test('DIGEST of every type and encoding', async () => {
    const big = 'x'.repeat(100);
    await d.check(
      ['SET', 'int', '12345'],
      ['SET', 'neg', '-9223372036854775808'],
      ['SET', 'emb', 'hello'],
      ['SET', 'raw', big],
      ['SET', 'empty', ''],
      ['RPUSH', 'list', 'a', '1', '-2', big, ''],
      ['CONFIG', 'SET', 'list-max-listpack-size', '2'],
      ['RPUSH', 'list2', 'a', 'b', 'c', 'd', 'e', '7'],
      ['SADD', 'iset', '1', '2', '-3', '1000000'],
      ['SADD', 'hset', 'a', 'b', '1'],
      ['ZADD', 'zlp', '1', 'a', '0.1', 'b', '-inf', 'c', 'inf', 'd', '1e300', '12', '-0', 'neg0'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '2'],
      ['ZADD', 'zsk', '1', 'a', '0.1', 'b', '3.5', 'c', '2', '100'],
      ['HSET', 'hlp', 'f', 'v', 'n', '12', '1', '-5'],
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '1'],
      ['HSET', 'hht', 'f', 'v', 'n', '12', '1', '-5'],
      ['XADD', 'st', '1-1', 'a', '1', 'b', '2'],
      ['XADD', 'st', '1-2', 'a', '3', 'b', '4'],
      ['XADD', 'st', '2-0', 'other', 'fields', 'n', '5'],
      ['XADD', 'st', '3-0', 'a', '6'],
      ['XDEL', 'st', '1-2'],
      ['XGROUP', 'CREATE', 'st', 'g', '0'],
      ['XADD', 'empty-stream', '5-5', 'x', 'y'],
      ['XDEL', 'empty-stream', '5-5'],
      ['SETBIT', 'bits', '100', '1'],
      ['PFADD', 'hll', 'a', 'b', 'c'],
      ['GEOADD', 'geo', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
      ['SET', 'ttl', 'v', 'EX', '1000'],
      ['HSET', 'ttlh', 'a', 'b'],
      ['EXPIRE', 'ttlh', '1000'],
      ['OBJECT', 'ENCODING', 'list2'],
      ['OBJECT', 'ENCODING', 'iset'],
      ['OBJECT', 'ENCODING', 'zlp'],
      ['OBJECT', 'ENCODING', 'zsk'],
      ['OBJECT', 'ENCODING', 'hlp'],
      ['OBJECT', 'ENCODING', 'hht'],
      ['DEBUG', 'DIGEST'],
      [
        'DEBUG', 'DIGEST-VALUE', 'int', 'neg', 'emb', 'raw', 'empty', 'list', 'list2', 'iset', 'hset', 'zlp', 'zsk',
        'hlp', 'hht', 'st', 'empty-stream', 'ttl', 'ttlh', 'bits', 'hll', 'geo', 'nosuch',
      ],
      // The database index is part of the dataset digest.
      ['SWAPDB', '0', '3'],
      ['DEBUG', 'DIGEST'],
      ['SELECT', '3'],
      ['SET', 'x', 'y'],
      ['DEBUG', 'DIGEST'],
      ['PERSIST', 'ttl'],
      ['DEBUG', 'DIGEST-VALUE', 'ttl', 'ttlh'],
      ['DEBUG', 'DIGEST'],
    );
  });

  test('DIGEST-VALUE sees logically expired keys, DIGEST too', () =>
    d.check(
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ['SET', 'gone', 'v', 'PX', '1'],
      { sleep: 20 },
      ['DEBUG', 'DIGEST-VALUE', 'gone'],
      ['DEBUG', 'DIGEST'],
      ['DBSIZE'],
      ['GET', 'gone'],
      ['DEBUG', 'DIGEST-VALUE', 'gone'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
    ));

  test('DIGEST after seeded random operation scripts on every type', async () => {
    const rand = rng(protocol * 104729 + 3);
    const pick = <T,>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const member = () => pick(['a', 'b', 'c', '1', '2', '-7', '10', '3.5', 'x'.repeat(Math.floor(rand() * 70)), '']);
    const score = () => pick(['0', '1', '-1', '2.5', '0.1', '1e10', '-inf', '+inf', '3']);
    const keys = ['s', 'l', 'h', 'z', 'st', 'str'];
    let streamSeq = 0;
    for (let round = 0; round < 5; round++) {
      const steps: Step[] = [
        ['CONFIG', 'SET', 'hash-max-listpack-entries', String(pick([2, 8, 512]))],
        ['CONFIG', 'SET', 'zset-max-listpack-entries', String(pick([2, 8, 128]))],
        ['CONFIG', 'SET', 'set-max-intset-entries', String(pick([2, 8, 512]))],
        ['CONFIG', 'SET', 'list-max-listpack-size', String(pick([-2, 2, 4]))],
      ];
      for (let i = 0; i < 150; i++) {
        const r = rand();
        const k = pick(keys);
        if (r < 0.12) steps.push(['SADD', 's', member(), member()]);
        else if (r < 0.16) steps.push(['SREM', 's', member()]);
        else if (r < 0.28) steps.push([pick(['LPUSH', 'RPUSH']), 'l', member(), member()]);
        else if (r < 0.32) steps.push([pick(['LPOP', 'RPOP']), 'l']);
        else if (r < 0.44) steps.push(['HSET', 'h', member(), member()]);
        else if (r < 0.48) steps.push(['HDEL', 'h', member()]);
        else if (r < 0.6) steps.push(['ZADD', 'z', score(), member()]);
        else if (r < 0.64) steps.push(['ZINCRBY', 'z', pick(['1', '0.5', '-2']), member()]);
        else if (r < 0.67) steps.push(['ZREM', 'z', member()]);
        else if (r < 0.77) steps.push(['XADD', 'st', `${++streamSeq}-${round}`, member(), member()]);
        else if (r < 0.8) steps.push(['XTRIM', 'st', 'MAXLEN', String(Math.floor(rand() * 20))]);
        else if (r < 0.85) steps.push([pick(['SET', 'APPEND']), 'str', member()]);
        else if (r < 0.88) steps.push(['INCRBY', 'str', '3']);
        else if (r < 0.92) steps.push(['EXPIRE', k, '1000']);
        else if (r < 0.95) steps.push(['PERSIST', k]);
        else if (r < 0.97) steps.push(['DEL', k]);
        else steps.push(['COPY', k, `${k}-copy`, 'REPLACE']);
        if (i % 25 === 24) steps.push(['DEBUG', 'DIGEST-VALUE', ...keys, ...keys.map((k) => `${k}-copy`)], ['DEBUG', 'DIGEST']);
      }
      steps.push(['DEBUG', 'DIGEST-VALUE', ...keys, ...keys.map((k) => `${k}-copy`)], ['DEBUG', 'DIGEST']);
      await d.check(...steps);
    }
  });

  test('POPULATE', () =>
    d.check(
      exp(['DEBUG', 'POPULATE', '5'], '+OK'),
      ['DEBUG', 'DIGEST'],
      ['MGET', 'key:0', 'key:4', 'key:5'],
      ['OBJECT', 'ENCODING', 'key:1'],
      ['SET', 'key:7', 'mine'],
      ['DEBUG', 'POPULATE', '10'],
      ['GET', 'key:7'],
      ['DBSIZE'],
      exp(['DEBUG', 'POPULATE', '3', 'pre'], '+OK'),
      ['MGET', 'pre:0', 'pre:2'],
      exp(['DEBUG', 'POPULATE', '3', 'sized', '3'], '+OK'),
      exp(['DEBUG', 'POPULATE', '2', 'long', '60'], '+OK'),
      ['GET', 'sized:1'],
      ['GET', 'long:1'],
      ['OBJECT', 'ENCODING', 'long:1'],
      ['DEBUG', 'DIGEST'],
      exp(['DEBUG', 'POPULATE', '-1'], '-ERR value is out of range, must be positive'),
      exp(['DEBUG', 'POPULATE', 'x'], '-ERR value is out of range, must be positive'),
      exp(['DEBUG', 'POPULATE', '1', 'p', '-1'], '-ERR value is out of range, must be positive'),
      exp(['DEBUG', 'POPULATE', '0'], '+OK'),
    ));

  test('settings: SLEEP, SET-ACTIVE-EXPIRE, thresholds, no-op knobs', () =>
    d.check(
      exp(['DEBUG', 'SLEEP', '0'], '+OK'),
      exp(['DEBUG', 'SLEEP', '0.01'], '+OK'),
      exp(['DEBUG', 'SLEEP', 'abc'], '+OK'),
      exp(['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], '+OK'),
      exp(['DEBUG', 'SET-ACTIVE-EXPIRE', 'x'], '+OK'),
      exp(['DEBUG', 'SET-ACTIVE-EXPIRE', '1'], '+OK'),
      exp(['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1k'], '+OK'),
      exp(['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '5gb'], '-ERR argument must be a memory value bigger than 1 and smaller than 4gb'),
      exp(['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1x'], '-ERR argument must be a memory value bigger than 1 and smaller than 4gb'),
      exp(['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '-1'], '-ERR argument must be a memory value bigger than 1 and smaller than 4gb'),
      ['RPUSH', 'big', 'a', 'x'.repeat(2000), 'b'],
      ['LRANGE', 'big', '0', '-1'],
      ['DEBUG', 'DIGEST-VALUE', 'big'],
      exp(['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0'], '+OK'),
      exp(['DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1'], '+OK'),
      exp(['DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '0'], '+OK'),
      exp(['DEBUG', 'AOF-FLUSH-SLEEP', '0'], '+OK'),
      exp(['DEBUG', 'REPLICATE', 'SET', 'a', 'b'], '+OK'),
      ['EXISTS', 'a'],
      exp(['DEBUG', 'DROP-CLUSTER-PACKET-FILTER', '-1'], '+OK'),
      exp(['DEBUG', 'DROP-CLUSTER-PACKET-FILTER', 'x'], '-ERR value is not an integer or out of range'),
      exp(['DEBUG', 'CLIENT-EVICTION'], '-ERR maxmemory-clients is disabled.'),
      exp(['DEBUG', 'CLUSTERLINK', 'KILL', 'to', 'abc'], '-ERR Debug option only available for cluster mode enabled setup!'),
      exp(['DEBUG', 'PAUSE-CRON', '1'], '+OK'),
      exp(['DEBUG', 'PAUSE-CRON', '0'], '+OK'),
      exp(['DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'never'], '+OK'),
      exp(['DEBUG', 'REPLYBUFFER', 'peak-reset-time', 'RESET'], '+OK'),
      exp(['DEBUG', 'REPLYBUFFER', 'peak-reset-time', '100'], '+OK'),
      exp(['DEBUG', 'REPLYBUFFER', 'peak-reset-time', 'x'], '-ERR value is not an integer or out of range'),
      exp(['DEBUG', 'REPLYBUFFER', 'resizing', '0'], '+OK'),
      exp(['DEBUG', 'REPLYBUFFER', 'resizing', '1'], '+OK'),
      exp(['DEBUG', 'REPLYBUFFER', 'other', '1'], UNKNOWN('REPLYBUFFER')),
      exp(['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '0'], '+OK'),
      exp(['DEBUG', 'LOG', 'hello from the test'], '+OK'),
      exp(['DEBUG', 'LEAK', 'some bytes'], '+OK'),
      exp(['DEBUG', 'CHANGE-REPL-ID'], '+OK'),
      // Without a config file Redis hands fopen() a NULL name.
      exp(['DEBUG', 'CONFIG-REWRITE-FORCE-ALL'], '-ERR CONFIG-REWRITE-FORCE-ALL failed: Bad address'),
      norm(['DEBUG', 'STRUCTSIZE'], structsize),
    ));

  test('SET-ACTIVE-EXPIRE 0 keeps expired keys until they are touched', async () => {
    await d.check(['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['SET', 'k', 'v', 'PX', '5'], { sleep: 400 }, exp(['DBSIZE'], ':1'));
    await d.check(['DEBUG', 'SET-ACTIVE-EXPIRE', '1'], { sleep: 400 }, exp(['DBSIZE'], ':0'));
  });

  test('ERROR', () =>
    d.check(
      exp(['DEBUG', 'ERROR', 'MYERR my message'], '-MYERR my message'),
      exp(['DEBUG', 'ERROR', 'two\r\nlines'], '-two  lines'),
      exp(['DEBUG', 'ERROR', ''], '-'),
      ['INFO', 'errorstats'],
    ));

  test('HTSTATS, HTSTATS-KEY', () =>
    d.check(
      norm(['DEBUG', 'HTSTATS', '0'], htstats),
      ['DEBUG', 'POPULATE', '12'],
      ['EXPIRE', 'key:1', '100'],
      norm(['DEBUG', 'HTSTATS', '0'], htstats),
      norm(['DEBUG', 'HTSTATS', '15'], htstats),
      exp(['DEBUG', 'HTSTATS', '16'], '-ERR Out of range database'),
      exp(['DEBUG', 'HTSTATS', '-1'], '-ERR Out of range database'),
      exp(['DEBUG', 'HTSTATS', 'x'], '-ERR value is not an integer or out of range'),
      ['HSET', 'h', 'a', '1'],
      exp(['DEBUG', 'HTSTATS-KEY', 'h'], '-ERR The value stored at the specified key is not represented using an hash table'),
      exp(['DEBUG', 'HTSTATS-KEY', 'key:2'], '-ERR The value stored at the specified key is not represented using an hash table'),
      exp(['DEBUG', 'HTSTATS-KEY', 'nosuch'], '-ERR no such key'),
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '0'],
      ['CONFIG', 'SET', 'set-max-intset-entries', '0'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '0'],
      ['HSET', 'h2', 'a', '1', 'b', '2', 'c', '3'],
      ['SADD', 's2', '1', '2', '3', '4', '5'],
      ['ZADD', 'z2', '1', 'a', '2', 'b'],
      norm(['DEBUG', 'HTSTATS-KEY', 'h2'], htstats),
      norm(['DEBUG', 'HTSTATS-KEY', 's2'], htstats),
      norm(['DEBUG', 'HTSTATS-KEY', 'z2'], htstats),
    ));

  test('LISTPACK, QUICKLIST, SDSLEN: replies and errors', () =>
    d.check(
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '128'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '128'],
      ['HSET', 'h', 'a', '1'],
      ['ZADD', 'z', '1', 'a'],
      ['RPUSH', 'l', 'a', 'b'],
      ['SET', 's', 'v'],
      ['SET', 'n', '10'],
      exp(['DEBUG', 'LISTPACK', 'h'], '+Listpack structure printed on stdout'),
      exp(['DEBUG', 'LISTPACK', 'z'], '+Listpack structure printed on stdout'),
      exp(['DEBUG', 'LISTPACK', 'l'], '-ERR Not a listpack encoded object.'),
      exp(['DEBUG', 'LISTPACK', 'nosuch'], '-ERR no such key'),
      exp(['DEBUG', 'QUICKLIST', 'l'], '+Quicklist structure printed on stdout'),
      exp(['DEBUG', 'QUICKLIST', 'l', '1'], '+Quicklist structure printed on stdout'),
      exp(['DEBUG', 'QUICKLIST', 'h'], '-ERR Not a quicklist encoded object.'),
      exp(['DEBUG', 'QUICKLIST', 'nosuch'], '-ERR no such key'),
      exp(['DEBUG', 'SDSLEN', 'nosuch'], '-ERR no such key'),
      exp(['DEBUG', 'SDSLEN', 'n'], '-ERR Not an sds encoded string.'),
      exp(['DEBUG', 'SDSLEN', 'l'], '-ERR Not an sds encoded string.'),
      norm(['DEBUG', 'SDSLEN', 's'], sdslenShape),
    ));

  test('SET-DISABLE-DENY-SCRIPTS lets scripts call no-script commands', () =>
    d.check(
      exp(['EVAL', "return redis.pcall('debug', 'sleep', '0')", '0'], /This Redis command is not allowed from script/),
      exp(['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '1'], '+OK'),
      exp(['EVAL', "return redis.call('debug', 'sleep', '0')", '0'], '+OK'),
      exp(['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '0'], '+OK'),
    ));

  test('inside MULTI', () =>
    d.check(['MULTI'], ['DEBUG', 'DIGEST'], ['SET', 'a', '1'], ['DEBUG', 'DIGEST-VALUE', 'a'], ['DEBUG', 'nosuch'], ['EXEC']));
});

// Redis's fuzz of its glob matcher: about 4.6 s of redis-server CPU, one
// blocked server meanwhile. Its own server pair, so that a slow oracle on a
// loaded machine cannot hold up the other DEBUG tests' commands, and one
// protocol only (the reply is a simple string, the same in RESP2 and RESP3).
// The bound is wall time while the work is CPU: measured on a 2-core machine
// at load 18, the oracle took 65 s for its 4.6 s of CPU; hence 110 s.
describe('DEBUG STRINGMATCH-TEST', () => {
  const d = useDifferential({ config: { 'enable-debug-command': 'yes' } });
  test('runs the fuzz and answers as Redis', () =>
    d.check(exp(['DEBUG', 'STRINGMATCH-TEST'], '+Apparently Redis did not crash: test passed', { timeoutMs: 110_000 })),
  120_000);
});

/** SDSLEN: the same fields; the allocation figures are each allocator's own. */
const sdslenShape: Normalizer = (r) =>
  r.type === 'simple' && /^key_sds_len:1, key_sds_avail:\d+, key_zmalloc: \d+, val_sds_len:1, val_sds_avail:\d+, val_zmalloc: \d+$/.test(r.value)
    ? { type: 'simple', value: '<sdslen>' }
    : r;

describe.each(PROTOCOLS)('enable-debug-command (RESP%i)', (protocol) => {
  const refusal = /^-ERR DEBUG command not allowed\. If the enable-debug-command option is set to \\"local\\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server\.$/;

  describe('no (the default)', () => {
    const d = useDifferential({ protocol });
    test('refuses every subcommand, counts the rejection, ends a transaction in EXECABORT', () =>
      d.check(
        exp(['DEBUG', 'HELP'], refusal),
        exp(['DEBUG', 'DIGEST'], refusal),
        exp(['DEBUG', 'nosuch'], refusal),
        // Arity is checked first.
        exp(['DEBUG'], "-ERR wrong number of arguments for 'debug' command"),
        exp(['CONFIG', 'SET', 'enable-debug-command', 'yes'], /can't set immutable config/),
        ['MULTI'],
        exp(['DEBUG', 'DIGEST'], refusal),
        exp(['EXEC'], '-EXECABORT Transaction discarded because of previous errors.'),
        norm(['INFO', 'commandstats'], debugStats),
        ['INFO', 'errorstats'],
      ));
  });

  describe('local', () => {
    const d = useDifferential({ protocol, config: { 'enable-debug-command': 'local' } });
    test('allowed from the loopback interface', () =>
      d.check(exp(['DEBUG', 'DIGEST'], `+${ZEROS}`), ['CONFIG', 'GET', 'enable-debug-command']));
  });
});

/** The cmdstat_debug line only (the rest depends on each server's history). */
const debugStats: Normalizer = (r) => {
  const text = replyText(r);
  if (text === undefined) return r;
  const line = text.split('\r\n').find((l) => l.startsWith('cmdstat_debug:')) ?? '';
  return { type: 'simple', value: line.replace(/usec=\d+,usec_per_call=[\d.]+/, 'usec=*') };
};

describe('DEBUG through the crash-free paths of TypeScript', () => {
  const d = useDifferential({ config: { 'enable-debug-command': 'yes' } });
  test('RESTART and CRASH-AND-RECOVER refuse to re-execute an embedded server', async () => {
    const { ref, target } = await d.both('DEBUG', 'RESTART', 'x');
    expect(formatReply(target)).toBe(formatReply(ref));
    expect(formatReply(ref)).toBe('-ERR value is not an integer or out of range');
    // The reference would really restart: only Tachyon's embedded answer is checked.
    const s = await d.session();
    const r = await s.target.call('DEBUG', 'CRASH-AND-RECOVER', '10');
    expect(formatReply(r)).toBe('-ERR failed to restart the server. Check server logs.');
  });
});
