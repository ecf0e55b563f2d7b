/**
 * globMatch (src/util/glob.ts) against Redis 7.0's stringmatchlen: fixed
 * cases, then the same cases (and random ones) checked against a real
 * redis-server with KEYS, which uses the case-sensitive matcher.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globMatch } from '../src/util/glob';

// ---------------------------------------------------------------------------
// A tiny RESP2 client and a throwaway redis-server
// ---------------------------------------------------------------------------

type Reply = string | number | null | Buffer | { error: string } | Reply[];

class MiniClient {
  private buf = Buffer.alloc(0);
  private waiters: ((r: Reply) => void)[] = [];
  private constructor(private sock: net.Socket) {
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (;;) {
        const r = parseReply(this.buf, 0);
        if (!r) break;
        this.buf = this.buf.subarray(r.end);
        this.waiters.shift()?.(r.value);
      }
    });
  }

  static connect(port: number): Promise<MiniClient> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ port, host: '127.0.0.1' }, () => resolve(new MiniClient(s)));
      s.once('error', reject);
    });
  }

  call(...args: (string | Buffer)[]): Promise<Reply> {
    const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
    for (const a of args) {
      const b = typeof a === 'string' ? Buffer.from(a) : a;
      parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
    }
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.sock.write(Buffer.concat(parts));
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

function parseReply(b: Buffer, off: number): { value: Reply; end: number } | null {
  const nl = b.indexOf('\r\n', off);
  if (nl < 0) return null;
  const line = b.toString('latin1', off + 1, nl);
  switch (b[off]) {
    case 0x2b: // +
      return { value: line, end: nl + 2 };
    case 0x2d: // -
      return { value: { error: line }, end: nl + 2 };
    case 0x3a: // :
      return { value: Number(line), end: nl + 2 };
    case 0x24: { // $
      const len = Number(line);
      if (len < 0) return { value: null, end: nl + 2 };
      if (b.length < nl + 2 + len + 2) return null;
      return { value: b.subarray(nl + 2, nl + 2 + len), end: nl + 2 + len + 2 };
    }
    case 0x2a: { // *
      const n = Number(line);
      const out: Reply[] = [];
      let p = nl + 2;
      for (let i = 0; i < n; i++) {
        const r = parseReply(b, p);
        if (!r) return null;
        out.push(r.value);
        p = r.end;
      }
      return { value: out, end: p };
    }
    default:
      throw new Error(`bad reply byte ${b[off]}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const haveRedis = fs.existsSync('/usr/bin/redis-server');
let redis: ChildProcess | undefined;
let client: MiniClient | undefined;
let tmp = '';

beforeAll(async () => {
  if (!haveRedis) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-glob-'));
  for (let attempt = 0; attempt < 5 && !client; attempt++) {
    const port = await freePort();
    const conf = path.join(tmp, 'redis.conf');
    fs.writeFileSync(conf, `port ${port}\nbind 127.0.0.1\nsave ""\nappendonly no\n`);
    const child = spawn('/usr/bin/redis-server', [conf], { cwd: tmp, stdio: 'ignore' });
    redis = child;
    for (let i = 0; i < 50 && !client && child.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        client = await MiniClient.connect(port);
      } catch {
        // not up yet
      }
    }
    if (!client) child.kill('SIGKILL');
  }
});

afterAll(async () => {
  client?.close();
  if (redis && redis.exitCode === null) {
    const done = new Promise((r) => redis?.once('exit', r));
    redis.kill('SIGKILL');
    await done;
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** What real Redis's case-sensitive matcher says, through KEYS. */
async function redisMatches(pattern: Buffer, subject: Buffer): Promise<boolean> {
  const c = client as MiniClient;
  await c.call('FLUSHALL');
  await c.call('SET', subject, '1');
  const r = (await c.call('KEYS', pattern)) as Buffer[];
  return r.length === 1;
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

// ---------------------------------------------------------------------------
// Fixed cases
// ---------------------------------------------------------------------------

/** [pattern, subject, expected] (latin1: one char = one byte). */
const CASES: [string, string, boolean][] = [
  ['', '', true],
  ['', 'a', false],
  ['a', '', false],
  ['*', '', false], // the loop never runs on an empty subject
  ['**', '', false],
  ['*', 'anything', true],
  ['**', 'x', true],
  ['a*', 'a', true],
  ['a*', 'abc', true],
  ['*c', 'abc', true],
  ['*b*', 'abc', true],
  ['*b*', 'acc', false],
  ['a*b*c', 'axxbyyc', true],
  ['a*b*c', 'axxbyy', false],
  ['h?llo', 'hello', true],
  ['h?llo', 'hllo', false],
  ['h??llo', 'hello', false],
  ['?', '', false],
  ['h[ae]llo', 'hallo', true],
  ['h[ae]llo', 'hillo', false],
  ['h[^e]llo', 'hallo', true],
  ['h[^e]llo', 'hello', false],
  ['h[a-b]llo', 'hbllo', true],
  ['h[a-b]llo', 'hcllo', false],
  ['h[b-a]llo', 'hallo', true], // reversed range
  ['[a-]', '-', false], // not a range: 'a' then '-'... then ']' ends
  ['[a-]', 'a', true],
  ['[-a]', '-', true],
  ['[]a]', ']', false],
  ['[]a]', 'a]', false],
  ['[\\]]', ']', true],
  ['[\\-]', '-', true],
  ['[\\', '\\', true], // unterminated class holding an escaped... nothing: '\' itself
  ['[a', 'a', true], // unterminated class
  ['[a', 'b', false],
  ['[^a', 'b', true],
  ['[^', 'x', true],
  ['[', 'x', false],
  ['[ab', 'ab', false],
  ['x[', 'x', false],
  ['\\*', '*', true],
  ['\\*', 'a', false],
  ['\\?', '?', true],
  ['\\', '\\', true], // lone trailing backslash matches a backslash
  ['a\\', 'a\\', true],
  ['\\a', 'a', true],
  ['*\\', 'x\\', true],
  ['[*]', '*', true],
  ['[?]', 'a', false],
  ['a[bc]*d', 'acxxd', true],
  ['*[0-9]', 'key9', true],
  ['*[0-9]', 'key', false],
  ['user:*:name', 'user:42:name', true],
  ['user:*:name', 'user:42:age', false],
  ['\xe9*', '\xe9t\xe9', true],
  ['[\x01-\xff]', '\xff', true], // 0xff is -1 as a signed char: inside [-1, 1]
  ['[\x01-\xff]', '\x80', false], // -128 is outside
  ['[\x01-\xff]', 'a', false],
  ['[a-\xff]', '\x00', true],
  ['[\x80-\xff]', '\x90', true],
  ['[^\x80-\xff]', 'a', true],
  ['*a*a*a*a*a*a*a*b', 'a'.repeat(60), false],
];

describe('globMatch: Redis stringmatchlen semantics', () => {
  it.each(CASES)('%j ~ %j -> %s', (pattern, subject, expected) => {
    expect(globMatch(b(pattern), b(subject))).toBe(expected);
  });

  it('accepts strings (as UTF-8) and Buffers alike', () => {
    expect(globMatch('caf*', 'café')).toBe(true);
    expect(globMatch('caf?', 'café')).toBe(false); // é is two bytes
    expect(globMatch('caf??', 'café')).toBe(true);
    expect(globMatch(Buffer.from('h*o'), Buffer.from('hello'))).toBe(true);
  });

  it('nocase folds ASCII only, like tolower() in the C locale', () => {
    expect(globMatch('HELLO', 'hello', true)).toBe(true);
    expect(globMatch('HELLO', 'hello')).toBe(false);
    expect(globMatch('h[A-Z]llo', 'hello', true)).toBe(true);
    expect(globMatch('h[a-z]llo', 'HELLO', true)).toBe(true);
    expect(globMatch('h[E]llo', 'hello', true)).toBe(true);
    expect(globMatch('h[^E]llo', 'hello', true)).toBe(false);
    expect(globMatch(b('\xc9'), b('\xe9'), true)).toBe(false); // no Latin-1 folding
    // An escaped char inside a class compares case-sensitively even with nocase.
    expect(globMatch('[\\A]', 'a', true)).toBe(false);
    // Ends are swapped before folding: [Z-a] folds to [z-a], which is empty.
    expect(globMatch('[Z-a]', 'b', true)).toBe(false);
    expect(globMatch('[Z-a]', '_', false)).toBe(true);
    // Outside classes, an escaped char is folded.
    expect(globMatch('\\A', 'a', true)).toBe(true);
  });

  it('stops after 1000 nested stars, like Redis 7.0', () => {
    const s = 'a'.repeat(1200);
    expect(globMatch('a*'.repeat(1001), s)).toBe(true);
    expect(globMatch('a*'.repeat(1002), s)).toBe(false);
  });

  it('is fast on pathological patterns (skipLongerMatches)', () => {
    const t0 = Date.now();
    expect(globMatch(`${'a*'.repeat(40)}b`, 'a'.repeat(10000))).toBe(false);
    expect(globMatch(`*${'?*'.repeat(30)}x`, 'y'.repeat(5000))).toBe(false);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe.skipIf(!haveRedis)('globMatch vs a real redis-server (KEYS)', () => {
  it('agrees on every fixed case', async () => {
    expect(client, 'redis-server did not start').toBeDefined();
    for (const [pattern, subject] of CASES) {
      if (subject === '' || pattern === '*') continue; // KEYS short-circuits '*'; empty keys are special
      const expected = await redisMatches(b(pattern), b(subject));
      expect(globMatch(b(pattern), b(subject)), `${JSON.stringify(pattern)} ~ ${JSON.stringify(subject)}`).toBe(expected);
    }
  });

  it('agrees on the nesting limit', async () => {
    const s = b('a'.repeat(1200));
    for (const n of [1000, 1001, 1002]) {
      const p = b('a*'.repeat(n));
      expect(globMatch(p, s)).toBe(await redisMatches(p, s));
    }
  });

  it('agrees on random patterns over a small alphabet', async () => {
    // Deterministic PRNG so failures reproduce.
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const patAlphabet = ['a', 'b', '*', '?', '[', ']', '^', '-', '\\', '\xe9', '\x80'];
    const strAlphabet = ['a', 'b', '-', ']', '\\', '^', '\xe9', '\x80', '*'];
    for (let i = 0; i < 600; i++) {
      let p = '';
      for (let k = rnd(8) + 1; k > 0; k--) p += patAlphabet[rnd(patAlphabet.length)];
      let s = '';
      for (let k = rnd(6) + 1; k > 0; k--) s += strAlphabet[rnd(strAlphabet.length)];
      if (p === '*') continue;
      const expected = await redisMatches(b(p), b(s));
      expect(globMatch(b(p), b(s)), `${JSON.stringify(p)} ~ ${JSON.stringify(s)}`).toBe(expected);
    }
  });
});
