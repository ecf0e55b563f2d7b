/**
 * HyperLogLog commands (PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST) compared
 * reply for reply with a real redis-server 7.0 in RESP2 and RESP3. The
 * strings themselves are compared byte for byte (GET after every change):
 * sparse opcodes, the dense registers, the cached cardinality in the header,
 * the promotion to dense at hll-sparse-max-bytes. HyperLogLogs made by
 * Redis are loaded into Tachyon with SET and back; corrupt and foreign
 * strings get Redis's errors (and Redis's partial updates); events and
 * tracking invalidations match; seeded random scripts end with a GET of
 * every key.
 */
import { describe, expect, test } from 'vitest';
import { PROTOCOLS, exp, useDifferential, type Arg, type Step } from '../helpers/differential';
import { ARITY, WRONGTYPE, rng } from '../helpers/replies';
import { formatReply } from '../helpers/resp';
import { checkSideEffects, checkStats } from '../helpers/side-effects';

const NOT_HLL = '-WRONGTYPE Key is not a valid HyperLogLog string value.';
const INVALID = '-INVALIDOBJ Corrupted HLL object detected';

const header = (encoding: number, card: number[] = [0, 0, 0, 0, 0, 0, 0, 0]) =>
  Buffer.from([0x48, 0x59, 0x4c, 0x4c, encoding, 0, 0, 0, ...card]);
const sparse = (...ops: number[]) => Buffer.concat([header(1), Buffer.from(ops)]);
// XZERO opcode for n (1..16384) zero registers.
const xzero = (n: number) => [0x40 | ((n - 1) >> 8), (n - 1) & 0xff];
const zero = (n: number) => [n - 1];
const val = (v: number, n: number) => [0x80 | ((v - 1) << 2) | (n - 1)];
const elements = (prefix: string, n: number, from = 0) => Array.from({ length: n }, (_, i) => `${prefix}${from + i}`);

/** A dense HyperLogLog whose register i is regs(i). */
function dense(regs: (i: number) => number): Buffer {
  const out = Buffer.alloc(16 + 12288);
  header(0).copy(out);
  for (let i = 0; i < 16384; i++) {
    const v = regs(i) & 63;
    const bit = i * 6;
    const byte = 16 + (bit >> 3);
    const fb = bit & 7;
    out[byte] |= (v << fb) & 0xff;
    if (fb > 2) out[byte + 1] |= v >> (8 - fb);
  }
  return out;
}

describe.each(PROTOCOLS)('HyperLogLog (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  const setSparseMax = (n: number | string) => d.adminCall('CONFIG', 'SET', 'hll-sparse-max-bytes', String(n));

  test('PFADD, PFCOUNT and the cached cardinality in the string', () =>
    d.check(
      exp(['PFADD', 'h'], ':1'),
      ['GET', 'h'],
      exp(['PFADD', 'h'], ':0'),
      exp(['PFCOUNT', 'h'], ':0'),
      ['GET', 'h'],
      exp(['PFADD', 'h', 'a', 'b', 'c'], ':1'),
      ['GET', 'h'],
      exp(['PFADD', 'h', 'a', 'b'], ':0'),
      ['PFCOUNT', 'h'],
      ['GET', 'h'],
      ['PFCOUNT', 'h'],
      exp(['PFADD', 'h', 'a'], ':0'),
      ['GET', 'h'],
      ['PFADD', 'h', 'd', '', Buffer.from([0, 1, 2, 255]), 'x'.repeat(1000)],
      ['GET', 'h'],
      ['PFCOUNT', 'h'],
      ['PFDEBUG', 'ENCODING', 'h'],
      ['PFDEBUG', 'DECODE', 'h'],
      exp(['OBJECT', 'ENCODING', 'h'], '"raw"'),
      exp(['TYPE', 'h'], '+string'),
      ['STRLEN', 'h'],
      ['PFADD', 'h2', ...elements('e', 200)],
      ['GET', 'h2'],
      ['PFCOUNT', 'h2'],
      ['PFCOUNT', 'h', 'h2'],
      ['PFCOUNT', 'h', 'h2', 'missing'],
      exp(['PFCOUNT', 'missing'], ':0'),
      exp(['PFCOUNT', 'missing', 'missing2'], ':0'),
      ['GET', 'h2'],
      exp(['PFADD'], ARITY('pfadd')),
      exp(['PFCOUNT'], ARITY('pfcount')),
    ));

  test('cardinality estimates from 1 to 100000 elements', async () => {
    const steps: Step[] = [];
    let added = 0;
    for (const target of [1, 2, 5, 10, 30, 100, 300, 1000, 2000, 5000, 10000, 30000, 100000]) {
      while (added < target) {
        const n = Math.min(target - added, 2000);
        steps.push(['PFADD', 'big', ...elements('item:', n, added)]);
        added += n;
      }
      steps.push(['PFCOUNT', 'big'], ['PFDEBUG', 'ENCODING', 'big'], ['GET', 'big']);
    }
    steps.push(['PFDEBUG', 'GETREG', 'big']);
    await d.check(...steps);
  });

  test('sparse to dense at hll-sparse-max-bytes', async () => {
    try {
      for (const max of [0, 18, 20, 40, 100, 500, 3000, 12000, 20000]) {
        await setSparseMax(max);
        const steps: Step[] = [['DEL', 'h']];
        for (let i = 0; i < 40; i++) {
          steps.push(['PFADD', 'h', ...elements(`m${max}-`, i < 20 ? 3 : 60, i * 100)]);
          steps.push(['PFDEBUG', 'ENCODING', 'h'], ['STRLEN', 'h'], ['GET', 'h']);
        }
        steps.push(['PFCOUNT', 'h'], ['GET', 'h']);
        await d.check(...steps);
      }
      await d.check(exp(['CONFIG', 'GET', 'hll-sparse-max-bytes'], /"20000"/));
    } finally {
      await setSparseMax(3000);
    }
  });

  test('CONFIG hll-sparse-max-bytes', async () => {
    try {
      await d.check(
        ['CONFIG', 'GET', 'hll-sparse-max-bytes'],
        exp(['CONFIG', 'SET', 'hll-sparse-max-bytes', '1kb'], '+OK'),
        ['CONFIG', 'GET', 'hll-sparse-max-bytes'],
        exp(['CONFIG', 'SET', 'hll-sparse-max-bytes', '-1'], /^-ERR/),
        exp(['CONFIG', 'SET', 'hll-sparse-max-bytes', 'x'], /^-ERR/),
        ['CONFIG', 'GET', 'hll-sparse-max-bytes'],
      );
    } finally {
      await setSparseMax(3000);
    }
  });

  test('PFMERGE: sparse and dense sources, destinations, promotion', async () => {
    await d.check(
      ['PFADD', 's1', ...elements('a', 50)],
      ['PFADD', 's2', ...elements('a', 50, 25)],
      ['PFADD', 'big', ...elements('b', 3000)],
      exp(['PFMERGE', 'm1', 's1', 's2'], '+OK'),
      ['GET', 'm1'],
      ['PFDEBUG', 'ENCODING', 'm1'],
      ['PFCOUNT', 'm1'],
      ['PFMERGE', 'm2', 's1', 'big'],
      ['PFDEBUG', 'ENCODING', 'm2'],
      ['GET', 'm2'],
      ['PFCOUNT', 'm2'],
      // the destination is a source too
      ['PFMERGE', 's1', 's2'],
      ['GET', 's1'],
      ['PFMERGE', 's1', 'big', 'missing'],
      ['GET', 's1'],
      ['PFMERGE', 'empty'],
      ['GET', 'empty'],
      ['PFMERGE', 'empty2', 'missing'],
      ['GET', 'empty2'],
      ['PFMERGE', 'm3', 's2', 's2', 's2'],
      ['GET', 'm3'],
      ['SET', 'notahll', 'hello'],
      exp(['PFMERGE', 'm4', 'notahll'], NOT_HLL),
      exp(['PFMERGE', 'notahll', 's2'], NOT_HLL),
      exp(['EXISTS', 'm4'], ':0'),
      ['LPUSH', 'list', 'x'],
      exp(['PFMERGE', 'm4', 's1', 'list'], WRONGTYPE),
      exp(['PFMERGE', 'list', 's1'], WRONGTYPE),
      exp(['PFMERGE'], ARITY('pfmerge')),
      ['PFCOUNT', 's1', 's2', 'big', 'm1', 'm2', 'm3'],
    );
    // A register above 32 cannot be sparse: merging it into a sparse value promotes it.
    const high = dense((i) => (i === 5 ? 40 : i % 97 === 0 ? 3 : 0));
    await setSparseMax(3000);
    await d.check(
      ['SET', 'high', high],
      ['PFCOUNT', 'high'],
      ['PFADD', 'sp', 'x', 'y'],
      ['PFDEBUG', 'ENCODING', 'sp'],
      ['PFMERGE', 'sp', 'high'],
      ['PFDEBUG', 'ENCODING', 'sp'],
      ['GET', 'sp'],
      ['PFDEBUG', 'GETREG', 'high'],
    );
  });

  test('HyperLogLogs travel between Redis and Tachyon as strings', async () => {
    const moves: Array<[string, Arg[]]> = [
      ['small', ['PFADD', 'small', 'a', 'b', 'c']],
      ['mid', ['PFADD', 'mid', ...elements('x', 800)]],
      ['dense', ['PFADD', 'dense', ...elements('y', 5000)]],
    ];
    for (const [key, cmd] of moves) {
      await d.check(cmd, ['PFCOUNT', key]);
      for (const side of ['ref', 'target'] as const) {
        const r = await d.main.both('GET', key);
        const value = r[side];
        expect(value.type).toBe('bulk');
        const buf = (value as { value: Buffer }).value;
        // Load the bytes one side produced into both, and keep using them.
        await d.check(
          ['SET', `${key}-${side}`, buf],
          ['OBJECT', 'ENCODING', `${key}-${side}`],
          ['PFCOUNT', `${key}-${side}`],
          ['PFADD', `${key}-${side}`, ...elements('more', 100)],
          ['PFCOUNT', `${key}-${side}`],
          ['OBJECT', 'ENCODING', `${key}-${side}`],
          ['GET', `${key}-${side}`],
          ['PFMERGE', `${key}-merged`, key, `${key}-${side}`],
          ['GET', `${key}-merged`],
        );
      }
    }
  });

  test('small HyperLogLogs set as embstr become raw when used', () =>
    d.check(
      ['SET', 'e', sparse(...xzero(16384))],
      exp(['OBJECT', 'ENCODING', 'e'], '"embstr"'),
      ['PFCOUNT', 'e'],
      exp(['OBJECT', 'ENCODING', 'e'], '"raw"'),
      ['SET', 'e', sparse(...xzero(16384))],
      exp(['PFADD', 'e'], ':0'),
      exp(['OBJECT', 'ENCODING', 'e'], '"raw"'),
      ['SET', 'e', sparse(...xzero(16384))],
      ['PFCOUNT', 'e', 'e'],
      exp(['OBJECT', 'ENCODING', 'e'], '"embstr"'),
      ['PFDEBUG', 'ENCODING', 'e'],
      exp(['OBJECT', 'ENCODING', 'e'], '"raw"'),
      ['SET', 'e', sparse(...xzero(16384))],
      ['PFMERGE', 'x', 'e'],
      exp(['OBJECT', 'ENCODING', 'e'], '"embstr"'),
    ));

  test('foreign and corrupt strings', async () => {
    const corrupt: Array<[string, Buffer | string]> = [
      ['int', '12345'],
      ['text', 'hello world'],
      ['short', Buffer.from('HYLL\x01\x00\x00')],
      ['magic', Buffer.concat([Buffer.from('HYLX'), sparse(...xzero(16384)).subarray(4)])],
      ['encoding2', Buffer.concat([header(2), Buffer.from(xzero(16384))])],
      ['dense-short', dense(() => 1).subarray(0, 12303)],
      ['dense-long', Buffer.concat([dense(() => 1), Buffer.from([0])])],
      ['header-only', header(1)],
      ['too-few', sparse(...xzero(16000))],
      ['too-many', sparse(...xzero(16384), ...zero(1))],
      ['val-overflow', sparse(...xzero(16382), ...val(3, 4))],
      ['zero-overflow', sparse(...xzero(16380), ...zero(10))],
      ['xzero-overflow', sparse(...xzero(16384), ...xzero(16384))],
      ['truncated-xzero', Buffer.concat([sparse(...xzero(16000), ...zero(64), ...zero(64), ...zero(64), ...zero(64), ...zero(64)), Buffer.from([0x41])])],
      ['trailing', sparse(...xzero(16384), 0x80)],
      ['mid-corrupt', sparse(...xzero(100), ...val(2, 1), ...xzero(16000))],
      ['cache-set', Buffer.concat([header(1, [5, 0, 0, 0, 0, 0, 0, 0]), Buffer.from(xzero(16384))])],
      ['notused', Buffer.concat([Buffer.from('HYLL\x01\x07\x08\x09'), Buffer.alloc(8), Buffer.from(xzero(16384))])],
      ['dense-notused', (() => {
        const b = dense((i) => i % 7);
        b[5] = 1;
        b[15] = 0x80;
        return b;
      })()],
      ['dense-high', dense((i) => (i * 7919) % 64)],
      ['dense-max', dense(() => 63)],
      ['dense-max-stale', (() => {
        const b = dense(() => 63);
        b[15] = 0x80;
        return b;
      })()],
      ['dense-51-stale', (() => {
        const b = dense(() => 51);
        b[15] = 0x80;
        return b;
      })()],
      ['dense-50-stale', (() => {
        const b = dense((i) => (i === 0 ? 50 : 51));
        b[15] = 0x80;
        return b;
      })()],
      ['many-xzero', sparse(...Array.from({ length: 2000 }, () => xzero(16384)).flat(), 0xff)],
      ['many-zero', sparse(...Array.from({ length: 20000 }, () => zero(64)).flat(), 0xff)],
    ];
    for (const [name, value] of corrupt) {
      const k = `c:${name}`;
      const steps: Step[] = [
        ['SET', k, value],
        ['PFCOUNT', k],
        ['GET', k],
        ['OBJECT', 'ENCODING', k],
        ['PFCOUNT', k, 'missing'],
        ['PFDEBUG', 'ENCODING', k],
        ['PFDEBUG', 'DECODE', k],
        ['SET', k, value],
        ['PFADD', k, 'a'],
        ['GET', k],
        ['SET', k, value],
        ['PFADD', k, ...elements('z', 300)],
        ['GET', k],
        ['SET', k, value],
        ['PFMERGE', 'dst', k],
        ['GET', 'dst'],
        ['SET', k, value],
        ['PFMERGE', k, 'missing'],
        ['GET', k],
        ['SET', k, value],
        ['PFDEBUG', 'TODENSE', k],
        ['GET', k],
        ['SET', k, value],
        ['PFDEBUG', 'GETREG', k],
        ['DEL', 'dst'],
      ];
      await d.check(...steps);
    }
  });

  test('PFDEBUG subcommands and errors', () =>
    d.check(
      ['PFADD', 'h', 'a', 'b', 'c'],
      ['PFDEBUG', 'DECODE', 'h'],
      ['PFDEBUG', 'decode', 'h'],
      exp(['PFDEBUG', 'ENCODING', 'h'], '+sparse'),
      ['PFDEBUG', 'GETREG', 'h'],
      exp(['PFDEBUG', 'ENCODING', 'h'], '+dense'),
      ['GET', 'h'],
      exp(['PFDEBUG', 'DECODE', 'h'], '-ERR HLL encoding is not sparse'),
      exp(['PFDEBUG', 'TODENSE', 'h'], ':0'),
      ['PFADD', 'h2', 'x'],
      exp(['PFDEBUG', 'TODENSE', 'h2'], ':1'),
      ['GET', 'h2'],
      ['PFCOUNT', 'h2'],
      exp(['PFDEBUG', 'GETREG', 'missing'], '-ERR The specified key does not exist'),
      exp(['PFDEBUG', 'FOO', 'missing'], '-ERR The specified key does not exist'),
      exp(['PFDEBUG', 'FOO', 'h'], "-ERR Unknown PFDEBUG subcommand 'FOO'"),
      exp(['PFDEBUG', Buffer.from('getreg\0x'), 'h'], /^\[:/),
      exp(['PFDEBUG', Buffer.from('bad\0x'), 'h'], "-ERR Unknown PFDEBUG subcommand 'bad'"),
      ['SET', 's', 'x'],
      exp(['PFDEBUG', 'ENCODING', 's'], NOT_HLL),
      ['SADD', 'set', 'x'],
      exp(['PFDEBUG', 'ENCODING', 'set'], WRONGTYPE),
      exp(['PFDEBUG', 'ENCODING'], ARITY('pfdebug')),
      exp(['PFDEBUG', 'ENCODING', 'h', 'x'], ARITY('pfdebug')),
      exp(['PFSELFTEST', 'x'], ARITY('pfselftest')),
    ));

  test('PFSELFTEST', () => d.check({ cmd: ['PFSELFTEST'], expect: '+OK', timeoutMs: 30000 }));

  test('WRONGTYPE and the HyperLogLog type check', () =>
    d.check(
      ['HSET', 'hash', 'f', 'v'],
      exp(['PFADD', 'hash', 'a'], WRONGTYPE),
      exp(['PFCOUNT', 'hash'], WRONGTYPE),
      exp(['PFCOUNT', 'missing', 'hash'], WRONGTYPE),
      ['SET', 'str', 'not a hyperloglog at all'],
      exp(['PFADD', 'str', 'a'], NOT_HLL),
      exp(['PFADD', 'str'], NOT_HLL),
      exp(['PFCOUNT', 'str'], NOT_HLL),
      ['PFADD', 'h', 'a'],
      exp(['PFCOUNT', 'h', 'str'], NOT_HLL),
      exp(['PFCOUNT', 'h', 'hash'], WRONGTYPE),
      ['GET', 'str'],
    ));

  test('inside MULTI', () =>
    d.check(
      ['MULTI'],
      ['PFADD', 'h', 'a', 'b'],
      ['PFCOUNT', 'h'],
      ['PFMERGE', 'h2', 'h'],
      ['PFCOUNT', 'h', 'h2'],
      ['GET', 'h2'],
      ['EXEC'],
      ['GET', 'h'],
    ));

  test('keyspace events and tracking invalidations', () =>
    checkSideEffects(d, [
      ['PFADD', 'h', 'a'],
      ['PFADD', 'h', 'a'],
      ['PFADD', 'h'],
      ['PFADD', 'h2'],
      ['PFCOUNT', 'h'],
      ['PFCOUNT', 'h'],
      ['PFCOUNT', 'h', 'h2'],
      ['PFCOUNT', 'missing'],
      ['PFMERGE', 'h3', 'h', 'h2'],
      ['PFMERGE', 'h3', 'missing'],
      ['PFDEBUG', 'TODENSE', 'h3'],
      ['PFDEBUG', 'GETREG', 'h'],
      ['PFADD', 'h', 'b', 'c'],
      ['SET', 'x', 'y'],
      ['PFADD', 'x', 'a'],
    ]));

  test('PFCOUNT refreshing its cache while the reading client tracks the key', async () => {
    // Redis remembers a tracked read after the command ran, so the client
    // whose PFCOUNT rewrote the cache is not told about its own rewrite, and
    // hears about the next change.
    const a = await d.session({ protocol: 3 });
    try {
      await a.setup(['CLIENT', 'TRACKING', 'ON']);
      const transcript = { ref: [] as string[], target: [] as string[] };
      const run = async (label: string, s: typeof a, ...cmd: Arg[]) => {
        const r = await s.both(...cmd);
        transcript.ref.push(`${label} ${cmd.join(' ')} -> ${formatReply(r.ref)}`);
        transcript.target.push(`${label} ${cmd.join(' ')} -> ${formatReply(r.target)}`);
      };
      await run('B', d.main, 'PFADD', 'k', 'a', 'b');
      await run('A', a, 'PFCOUNT', 'k');
      await run('A', a, 'PING');
      await run('A', a, 'PFCOUNT', 'k');
      await run('A', a, 'PING');
      await run('B', d.main, 'PFADD', 'k', 'c');
      await run('A', a, 'PING');
      await run('A', a, 'PING');
      expect(transcript.target).toEqual(transcript.ref);
    } finally {
      await a.close();
    }
  });

  test('keyspace hits and misses, command statistics', () =>
    checkStats(d, [
      ['PFADD', 'h', 'a'],
      ['PFADD', 'h2', 'b'],
      ['PFCOUNT', 'h'],
      ['PFCOUNT', 'missing'],
      ['PFCOUNT', 'h', 'missing', 'h2'],
      ['PFMERGE', 'm', 'h', 'missing'],
      ['PFMERGE', 'h', 'h2'],
      ['PFDEBUG', 'ENCODING', 'h'],
      ['PFDEBUG', 'ENCODING', 'missing'],
      ['SET', 's', 'x'],
      ['PFADD', 's', 'a'],
      ['PFCOUNT', 's', 'h'],
    ]));

  test('random operation scripts', async () => {
    const rand = rng(protocol * 31337 + 5);
    const int = (n: number) => Math.floor(rand() * n);
    const pick = <T,>(xs: T[]) => xs[int(xs.length)];
    const keys = ['h1', 'h2', 'h3', 'h4'];
    try {
      for (let round = 0; round < 4; round++) {
        const steps: Step[] = [['CONFIG', 'SET', 'hll-sparse-max-bytes', String(pick([50, 300, 1000, 3000]))]];
        for (let i = 0; i < 150; i++) {
          const k = pick(keys);
          const r = rand();
          if (r < 0.45) {
            const n = rand() < 0.8 ? int(6) : int(400);
            const base = int(5000);
            steps.push(['PFADD', k, ...Array.from({ length: n }, (_, j) => `e${base + j * (1 + int(3))}`)]);
          } else if (r < 0.6) steps.push(['PFCOUNT', k]);
          else if (r < 0.68) steps.push(['PFCOUNT', k, pick(keys), pick(keys)]);
          else if (r < 0.76) steps.push(['PFMERGE', k, pick(keys), pick(keys)]);
          else if (r < 0.82) steps.push(['PFDEBUG', pick(['ENCODING', 'DECODE', 'TODENSE']), k]);
          else if (r < 0.85) steps.push(['CONFIG', 'SET', 'hll-sparse-max-bytes', String(pick([0, 100, 3000]))]);
          else if (r < 0.97) steps.push(['GET', k]);
          else steps.push(['DEL', k]);
        }
        steps.push(...keys.map((k): Step => ['GET', k]), ['DEL', ...keys]);
        await d.check(...steps);
      }
    } finally {
      await setSparseMax(3000);
    }
  });

});
