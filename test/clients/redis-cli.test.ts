/**
 * redis-cli's own modes against redis-server 7.0 and against Tachyon, side
 * by side on the same dataset: --pipe, --bigkeys, --memkeys(-samples),
 * --hotkeys (LFU), --scan --pattern, --rdb and --functions-rdb (the files
 * checked by redis-check-rdb and loaded by a redis-server), -x, --eval,
 * --raw/--no-raw, -3, --stat, --latency and --replica. Outputs are compared
 * exactly; each mask below names what legitimately differs and why.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from '../../src/index';
import { referenceEnv, startRedisOracle, type RedisOracle } from '../helpers/redis-oracle';
import { RespClient, formatReply } from '../helpers/resp';

// Both servers: LFU with a deterministic counter (log factor 0: every access
// counts; decay time 0: no decay) for --hotkeys, and no delay before a
// diskless sync for --rdb / --replica.
const CONFIG = {
  maxmemoryPolicy: 'allkeys-lfu',
  lfuLogFactor: 0,
  lfuDecayTime: 0,
  replDisklessSyncDelay: 0,
};

let redis: RedisOracle;
let tachyon: RunningServer;
let dir: string;
const loaded: RedisOracle[] = [];

interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

function cli(port: number, args: string[], input?: string | Buffer): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'redis-cli',
      ['-p', String(port), ...args],
      { env: referenceEnv(), timeout: 15_000, maxBuffer: 16 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? -1) : 0 }),
    );
    child.stdin!.on('error', () => {}); // a mode that never reads its stdin
    child.stdin!.end(input ?? '');
  });
}

/** Both servers' results of the same redis-cli invocation. */
async function both(args: (port: number) => string[], input?: string | Buffer): Promise<[CliResult, CliResult]> {
  return Promise.all([cli(redis.port, args(redis.port), input), cli(tachyon.port, args(tachyon.port), input)]);
}

/**
 * A redis-cli that runs until killed (--stat, --replica): stdout line
 * buffered through stdbuf, collected until `enough` says so, then SIGTERM.
 */
function streaming(
  port: number,
  args: string[],
  enough: (out: string[], err: string[]) => boolean,
  meanwhile?: (out: string[], err: string[]) => Promise<void>,
): Promise<{ out: string[]; err: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn('stdbuf', ['-oL', '-eL', 'redis-cli', '-p', String(port), ...args], { env: referenceEnv() });
    let out = '';
    let err = '';
    const lines = () => ({ out: out.split('\n').filter(Boolean), err: err.split('\n').filter(Boolean) });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-cli ${args.join(' ')} timed out; stdout:\n${out}\nstderr:\n${err}`));
    }, 10_000);
    let busy = false;
    const check = async () => {
      const l = lines();
      if (enough(l.out, l.err)) {
        clearTimeout(timer);
        child.kill('SIGTERM');
        resolve(l);
      } else if (meanwhile && !busy) {
        // Runs between reads; the next output it causes checks again.
        busy = true;
        await meanwhile(l.out, l.err);
        busy = false;
      }
    };
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      void check();
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      void check();
    });
  });
}

/** RESP for one command (what --pipe reads). */
function resp(...args: (string | number)[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('');
}

/** The dataset: every type, sizes distinct per type so "biggest" has no ties. */
function dataset(): string[] {
  const cmds: string[] = [];
  for (let i = 1; i <= 12; i++) cmds.push(resp('SET', `user:${i}`, 'x'.repeat(i * 7)));
  for (let i = 1; i <= 6; i++) cmds.push(resp('SET', `other:${i}`, String(i * 1000)));
  for (let i = 1; i <= 4; i++) cmds.push(resp('RPUSH', `list:${i}`, ...Array.from({ length: i * 3 }, (_, j) => `e${j}`)));
  for (let i = 1; i <= 3; i++) {
    cmds.push(resp('HSET', `hash:${i}`, ...Array.from({ length: i * 4 }, (_, j) => [`f${j}`, `v${j}`]).flat()));
  }
  for (let i = 1; i <= 3; i++) cmds.push(resp('SADD', `set:${i}`, ...Array.from({ length: i * 5 }, (_, j) => `m${j}`)));
  for (let i = 1; i <= 3; i++) {
    cmds.push(resp('ZADD', `zset:${i}`, ...Array.from({ length: i * 2 + 1 }, (_, j) => [j * 1.5, `z${j}`]).flat()));
  }
  // stream:2 outgrows its first 4 KB node, so the two streams' sizes differ.
  for (let i = 1; i <= 2; i++) {
    for (let j = 1; j <= i * i * 10; j++) cmds.push(resp('XADD', `stream:${i}`, `1-${j}`, 'f', `v${j}`.repeat(i * 20)));
  }
  cmds.push(resp('SADD', 'ints', 5, 3, 1, 4, 2));
  cmds.push(resp('SET', 'big', 'y'.repeat(5000)));
  cmds.push(resp('EXPIRE', 'other:1', 100_000));
  // Database 1 for --hotkeys: a few keys read a distinct number of times each
  // (the other modes touch every key of database 0, which ties their counters).
  cmds.push(resp('SELECT', 1));
  for (let i = 1; i <= 5; i++) {
    cmds.push(resp('SET', `hot:${i}`, 'v'));
    for (let n = 0; n < i * 4; n++) cmds.push(resp('GET', `hot:${i}`));
  }
  return cmds;
}

const LIBRARY = "#!lua name=cli\nredis.register_function('cli_echo', function(keys, args) return args[1] end)";

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-cli-'));
  fs.mkdirSync(path.join(dir, 'tachyon'));
  redis = await startRedisOracle({ config: CONFIG });
  // In a private dir, as the oracle: never a dump.rdb some other run left in the cwd.
  tachyon = await startServer({ port: 0, save: '', appendonly: 'no', dir: path.join(dir, 'tachyon'), ...CONFIG });
});

afterAll(async () => {
  for (const o of loaded) await o.close();
  await tachyon?.close();
  await redis?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('redis-cli modes on Redis and on Tachyon', () => {
  test('--pipe loads the dataset: the same summary, errors: 0', async () => {
    const cmds = dataset();
    const [r, t] = await both(() => ['--pipe'], cmds.join(''));
    expect(r.stdout).toContain(`errors: 0, replies: ${cmds.length}`);
    expect(t).toEqual(r);
    const [re, te] = await both(() => ['--pipe'], resp('SET', 'p', 'v') + resp('INCR', 'p') + resp('GET', 'p'));
    expect(re.stdout).toContain('errors: 1, replies: 3');
    expect(te).toEqual(re);
    await both(() => ['FUNCTION', 'LOAD', LIBRARY]);
    await both(() => ['DEL', 'p']);
  });

  // The lines "[NN.NN%] Biggest ... found so far" follow SCAN's order, which
  // follows each process's random hash seed (two redis-servers differ too):
  // they are left out; the summary after them is compared exactly.
  const summary = (s: string) => s.split('\n').filter((l) => !/^\[\d\d\.\d\d%\] /.test(l));

  test('--bigkeys', async () => {
    const [r, t] = await both(() => ['--bigkeys']);
    expect(r.stdout).toContain('Biggest string found \'"big"\' has 5000 bytes');
    expect(summary(t.stdout)).toEqual(summary(r.stdout));
    expect(t.code).toBe(r.code);
  });

  // MEMORY USAGE of a list, hash, set or sorted set reports the blocks
  // Tachyon holds for it, whose layout is its own (README "Memory per key");
  // strings and streams report Redis's own estimate and are compared to the
  // byte. So the byte figures of those four types only are masked.
  const collectionBytes = (lines: string[]) =>
    lines.map((l) =>
      l
        .replace(/^(Biggest\s+(?:list|hash|set|zset) found '.*' has )\d+( bytes)$/, '$1N$2')
        .replace(/^(\d+ (?:lists|hashs|sets|zsets) with )\d+( bytes \(\d+\.\d+% of keys, avg size )[\d.]+\)$/, '$1N$2N)'),
    );

  test('--memkeys and --memkeys-samples', async () => {
    // Strings and streams key by key first, so a difference names its key.
    const keys = [
      'big',
      ...Array.from({ length: 12 }, (_, i) => `user:${i + 1}`),
      ...Array.from({ length: 6 }, (_, i) => `other:${i + 1}`),
      'stream:1',
      'stream:2',
    ];
    const usage = async (port: number) => {
      const c = await RespClient.connect(port);
      const out: string[] = [];
      for (const k of keys) out.push(`${k} ${formatReply(await c.call('MEMORY', 'USAGE', k))}`);
      await c.close();
      return out;
    };
    const onRedis = await usage(redis.port);
    expect(onRedis[0]).toMatch(/^big :\d+$/);
    expect(await usage(tachyon.port)).toEqual(onRedis);
    for (const args of [['--memkeys'], ['--memkeys', '--memkeys-samples', '0'], ['--memkeys-samples', '3']]) {
      const [r, t] = await both(() => args);
      expect(r.stdout).toContain('Sampled 35 keys in the keyspace!');
      expect(collectionBytes(summary(t.stdout))).toEqual(collectionBytes(summary(r.stdout)));
    }
  });

  test('--hotkeys under an LFU policy', async () => {
    const [r, t] = await both(() => ['-n', '1', '--hotkeys']);
    expect(r.stdout).toMatch(/hot key found with counter: 25\tkeyname: "hot:5"/);
    expect(summary(t.stdout)).toEqual(summary(r.stdout));
  });

  test('--scan --pattern (order is SCAN order, compared sorted)', async () => {
    const sorted = (s: string) => s.split('\n').filter(Boolean).sort();
    for (const args of [['--scan', '--pattern', 'user:1*'], ['--scan', '--pattern', '*:2', '--count', '3'], ['--scan']]) {
      const [r, t] = await both(() => args);
      expect(sorted(t.stdout)).toEqual(sorted(r.stdout));
    }
  });

  test('-x, --eval, --raw and --no-raw', async () => {
    const [rx, tx] = await both(() => ['-x', 'SET', 'fromstdin'], 'line one\nline two\n');
    expect(tx).toEqual(rx);
    const script = path.join(dir, 'script.lua');
    fs.writeFileSync(script, "redis.call('set', KEYS[1], ARGV[1]) return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], redis.call('get', KEYS[1])}");
    const [re, te] = await both(() => ['--eval', script, 'ek1', 'ek2', ',', 'a1', 'a2']);
    expect(re.stdout).toBe('ek1\nek2\na1\na2\na1\n');
    expect(te).toEqual(re);
    const commands = [
      ['GET', 'fromstdin'],
      ['GET', 'missing'],
      ['LRANGE', 'list:1', '0', '-1'],
      ['HGETALL', 'hash:1'],
      ['ZRANGE', 'zset:1', '0', '-1', 'WITHSCORES'],
      ['SMEMBERS', 'ints'],
      ['INCR', 'other:2'],
      ['LPUSH', 'user:1', 'x'],
      ['XRANGE', 'stream:1', '-', '+'],
      ['EXISTS', 'nope'],
      ['FCALL', 'cli_echo', '0', 'fn'],
      ['OBJECT', 'ENCODING', 'ints'],
    ];
    // One mode at a time (INCR's value counts the runs before); its commands at once.
    for (const mode of ['--raw', '--no-raw']) {
      const results = await Promise.all(commands.map((cmd) => both(() => [mode, ...cmd])));
      commands.forEach((cmd, i) => expect([mode, cmd, results[i][1]]).toEqual([mode, cmd, results[i][0]]));
    }
  });

  test('--csv, -r, -e, -d/-D, --quoted-input, -n', async () => {
    for (const args of [
      ['--csv', 'HGETALL', 'hash:1'],
      ['--csv', 'ZRANGE', 'zset:1', '0', '-1', 'WITHSCORES'],
      ['--csv', 'XRANGE', 'stream:1', '-', '+', 'COUNT', '2'],
      ['-3', '--csv', 'HGETALL', 'hash:1'],
      ['-r', '3', 'INCR', 'repeated'],
      ['-e', 'GET', 'user:2'],
      ['-e', 'LPUSH', 'user:2', 'x'],
      ['-d', '|', 'LRANGE', 'list:2', '0', '-1'],
      ['-D', '#', '--raw', 'LRANGE', 'list:2', '0', '-1'],
      ['--quoted-input', 'SET', '"q\\x41\\n"', 'v'],
      ['--no-raw', 'GET', 'qA\n'],
      ['-n', '1', 'DBSIZE'],
      ['--no-raw', 'OBJECT', 'FREQ', 'hot:3'],
      ['--no-raw', '-n', '1', 'OBJECT', 'FREQ', 'hot:3'],
    ]) {
      const [r, t] = await both(() => args);
      expect([args, t]).toEqual([args, r]);
    }
  });

  test('SUBSCRIBE and MONITOR print what arrives', async () => {
    const watch = async (port: number) => {
      // MONITOR first; SUBSCRIBE once it listens (so MONITOR always sees it);
      // PUBLISH and SET once both listen.
      let sent = false;
      let sub: Promise<{ out: string[]; err: string[] }> | undefined;
      const send = async () => {
        if (sent) return;
        sent = true;
        await cli(port, ['PUBLISH', 'news', 'hello']);
        await cli(port, ['SET', 'monitored', '1']);
      };
      const mon = await streaming(port, ['MONITOR'], (out) => out.some((l) => l.includes('"monitored"')), async (out) => {
        if (out.includes('OK') && !sub) {
          sub = streaming(port, ['SUBSCRIBE', 'news', 'other'], (o) => o.includes('hello'), async (o) => {
            if (o.length >= 6) await send();
          });
        }
      });
      // MONITOR's lines start with the time and the client's address.
      return [(await sub!).out, mon.out.map((l) => l.replace(/^\d+\.\d+ \[0 [\d.:]+\] /, ''))];
    };
    const r = await watch(redis.port);
    const t = await watch(tachyon.port);
    expect(r[0]).toEqual(['subscribe', 'news', '1', 'subscribe', 'other', '2', 'message', 'news', 'hello']);
    expect(t).toEqual(r);
  });

  test('-3 (RESP3 replies printed)', async () => {
    const commands = [
      ['HGETALL', 'hash:1'],
      ['ZRANGE', 'zset:1', '0', '-1', 'WITHSCORES'],
      ['ZSCORE', 'zset:2', 'z3'],
      ['SMEMBERS', 'ints'],
      ['GET', 'missing'],
      ['CONFIG', 'GET', 'maxmemory-policy'],
      ['XINFO', 'STREAM', 'stream:1'],
      ['EVAL', 'return {1, 2.5, true}', '0'],
      ['LPOS', 'list:2', 'nope'],
      ['SET', 'user:1'],
    ];
    for (const mode of [[], ['--no-raw']]) {
      const results = await Promise.all(commands.map((cmd) => both(() => ['-3', ...mode, ...cmd])));
      commands.forEach((cmd, i) => expect([mode, cmd, results[i][1]]).toEqual([mode, cmd, results[i][0]]));
    }
  });

  test('--rdb writes a file that redis-check-rdb accepts and a redis-server loads with the same data', async () => {
    const files: string[] = [];
    for (const [name, port] of [
      ['redis', redis.port],
      ['tachyon', tachyon.port],
    ] as const) {
      const file = path.join(dir, `${name}.rdb`);
      const res = await cli(port, ['--rdb', file]);
      expect(res.code).toBe(0);
      expect(res.stderr).toMatch(/Transfer finished with success after \d+ bytes/);
      files.push(file);
      const check = await new Promise<string>((resolve) =>
        execFile('redis-check-rdb', [file], { env: referenceEnv() }, (err, stdout) => resolve(`${err ? 'FAILED ' : ''}${stdout}`)),
      );
      expect(check).toContain('RDB looks OK!');
    }
    const digests = await Promise.all(
      files.map(async (file) => {
        const o = await startRedisOracle({ args: ['--dir', path.dirname(file), '--dbfilename', path.basename(file)] });
        loaded.push(o);
        return [(await cli(o.port, ['DBSIZE'])).stdout, (await cli(o.port, ['DEBUG', 'DIGEST'])).stdout];
      }),
    );
    const source = (await cli(redis.port, ['DEBUG', 'DIGEST'])).stdout;
    const size = (await cli(redis.port, ['DBSIZE'])).stdout;
    expect(digests[0]).toEqual([size, source]);
    expect(digests[1]).toEqual(digests[0]);
  });

  test('REPLCONF rdb-only and rdb-filter-only (what --rdb, --functions-rdb and --replica send)', async () => {
    const cases = [
      ['rdb-only', '1'],
      ['rdb-only', '0'],
      ['rdb-only', '2'],
      ['rdb-only', 'x'],
      ['rdb-filter-only', ''],
      ['rdb-filter-only', 'functions'],
      ['rdb-filter-only', 'FUNCTIONS functions'],
      ['rdb-filter-only', 'keys'],
      ['rdb-filter-only', '"functions'],
      ['rdb-only', '1', 'rdb-filter-only'],
    ];
    // Each on its own connection: all at once.
    const results = await Promise.all(cases.map((args) => both(() => ['REPLCONF', ...args])));
    cases.forEach((args, i) => expect([args, results[i][1]]).toEqual([args, results[i][0]]));
  });

  test('--functions-rdb writes the libraries only', async () => {
    const outs: string[][] = [];
    for (const [name, port] of [
      ['redis', redis.port],
      ['tachyon', tachyon.port],
    ] as const) {
      const file = path.join(dir, `${name}-functions.rdb`);
      const res = await cli(port, ['--functions-rdb', file]);
      expect(res.stderr).toContain('sending REPLCONF rdb-filter-only functions');
      const o = await startRedisOracle({ args: ['--dir', dir, '--dbfilename', path.basename(file)] });
      loaded.push(o);
      outs.push([(await cli(o.port, ['DBSIZE'])).stdout, (await cli(o.port, ['FUNCTION', 'LIST'])).stdout, String(res.code)]);
    }
    expect(outs[0][0]).toBe('0\n');
    expect(outs[0][1]).toContain('cli_echo');
    expect(outs[1]).toEqual(outs[0]);
  });

  // --stat: the header and the keys / clients / blocked columns compared;
  // "mem" is the allocator's used_memory, "requests" and "connections" count
  // the harness's own connections (the oracle's start-up probes) and differ.
  test('--stat prints its header and a line per interval', async () => {
    const shape = (lines: string[]) =>
      lines.map((l, i) => (i < 2 ? l : l.split(/\s+/).filter((_, col) => col === 0 || col === 2 || col === 3).join(' ')));
    const r = await streaming(redis.port, ['--stat', '-i', '0.1'], (out) => out.length >= 4);
    const t = await streaming(tachyon.port, ['--stat', '-i', '0.1'], (out) => out.length >= 4);
    expect(shape(r.out.slice(0, 4))[2]).toMatch(/^\d+ 1 0$/);
    expect(shape(t.out.slice(0, 4))).toEqual(shape(r.out.slice(0, 4)));
  });

  // --latency without a terminal prints one "min max avg samples" line and
  // exits; the timings are the machine's, the shape and exit status are compared.
  test('--latency exits after one report line', async () => {
    const [r, t] = await both(() => ['--latency', '-i', '0.2']);
    const shape = (s: string) => s.replace(/\d+(\.\d+)?/g, 'N');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+ \d+ \d+\.\d\d \d+\n$/);
    expect([t.code, shape(t.stdout), t.stderr]).toEqual([r.code, shape(r.stdout), r.stderr]);
  });

  test('--replica: the sync handshake and the first commands of the stream', async () => {
    const run = (port: number) => {
      let sent = false;
      return streaming(
        port,
        ['--replica'],
        (out) => out.some((l) => l.startsWith('"INCR"')),
        async (_out, err) => {
          if (sent || !err.some((l) => l.startsWith('SYNC done'))) return;
          sent = true;
          await cli(port, ['SET', 'rk', 'rv']);
          await cli(port, ['-n', '3', 'SET', 'rk3', 'rv']);
          await cli(port, ['INCR', 'rn']);
        },
      );
    };
    const r = await run(redis.port);
    const t = await run(tachyon.port);
    // Up to the last command sent: a "ping" every repl-ping-replica-period may follow.
    const upToIncr = (out: string[]) => out.slice(0, out.findIndex((l) => l.startsWith('"INCR"')) + 1);
    expect(upToIncr(r.out)).toEqual(['"SET","rk","rv"', '"SELECT","3"', '"SET","rk3","rv"', '"SELECT","0"', '"INCR","rn"']);
    expect(upToIncr(t.out)).toEqual(upToIncr(r.out));
    // The snapshot's size follows its repl-offset AUX field, whose encoding
    // grows with the stream each server has written (a server's own history):
    // a few bytes apart at most, and no keys or functions in it (they would
    // add kilobytes).
    const synced = (err: string[]) => Number(/^SYNC done after (\d+) bytes/m.exec(err.join('\n'))?.[1]);
    expect(synced(r.err)).toBeLessThan(300);
    expect(Math.abs(synced(t.err) - synced(r.err))).toBeLessThanOrEqual(8);
    const handshake = (err: string[]) => err.map((l) => l.replace(/^(SYNC done after )\d+( bytes)/, '$1N$2'));
    expect(handshake(t.err)).toEqual(handshake(r.err));
  });
});
