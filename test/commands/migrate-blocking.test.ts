/**
 * MIGRATE where nothing may wait (queued in MULTI/EXEC, called from EVAL):
 * the native blocking exchange compared with real redis-server 7.0. Every
 * way the exchange can end (refused, unresolvable host, negative port, empty
 * host, a silent target, a target that hangs up, one that answers errors,
 * an overlong error line, replies arriving in pieces) gives Redis's reply and
 * leaves the key where Redis leaves it; the server is blocked meanwhile, as
 * Redis is (another client's PING waits for the exchange).
 */
import net from 'node:net';
import type Redis from 'ioredis';
import { beforeAll, describe, expect, test } from 'vitest';
import { serversOfFile, tempDir, type Kind, type ServerProc } from '../persistence/helpers';
import { getFreePort } from '../helpers/redis-oracle'; // a port nothing listens on
import { tcpTarget, type TcpTarget } from '../helpers/tcp-target';

const start = serversOfFile();
const servers: Partial<Record<Kind, ServerProc>> = {};
const KINDS: Kind[] = ['redis', 'tachyon'];

/** A reply as comparable text; errors as "!text". */
async function r(c: Redis, ...args: (string | number)[]): Promise<string> {
  try {
    const v = await c.call(String(args[0]), ...args.slice(1).map(String));
    // EXEC's array holds its errors as Error objects: as "!text" too.
    return JSON.stringify(v, (_k, x) => (x instanceof Error ? `!${x.message}` : x));
  } catch (e) {
    return `!${(e as Error).message}`;
  }
}

/**
 * Answers each RESP command received with `reply(name)` (by the command's name:
 * SELECT, RESTORE), in pieces `delayMs` apart, one reply after the other.
 */
function answering(reply: (name: string) => string | string[], delayMs = 0): (c: net.Socket) => void {
  return (c) => {
    let next = 0;
    c.on('data', (d) => {
      for (const m of d.toString('latin1').matchAll(/\*\d+\r\n\$\d+\r\n([A-Za-z-]+)\r\n/g)) {
        for (const piece of ([] as string[]).concat(reply(m[1].toUpperCase()))) {
          next = Math.max(next, Date.now()) + delayMs;
          setTimeout(() => c.destroyed || c.write(piece), next - Date.now());
        }
      }
    });
  };
}

/**
 * MIGRATE of a key inside MULTI/EXEC, then of another from EVAL, each to a
 * fresh target (so Redis's cached connection plays no part): both replies
 * and whether each key is still here.
 */
async function blocking(c: Redis, to: () => Promise<TcpTarget | { port: number | string }>, host: string, timeout: number): Promise<string[]> {
  const out: string[] = [];
  await c.set('k1', 'v1');
  await c.set('k2', 'v2');
  let t = await to();
  out.push(`multi ${await r(c, 'MULTI')} ${await r(c, 'MIGRATE', host, t.port, 'k1', 0, timeout)} ${await r(c, 'EXEC')}`);
  if ('close' in t) await t.close();
  t = await to();
  out.push(`eval ${await r(c, 'EVAL', `return redis.call('MIGRATE', ARGV[1], ARGV[2], KEYS[1], '0', ARGV[3])`, 1, 'k2', host, t.port, timeout)}`);
  if ('close' in t) await t.close();
  out.push(`left ${await r(c, 'EXISTS', 'k1')} ${await r(c, 'EXISTS', 'k2')}`);
  await c.del('k1', 'k2');
  return out;
}

/** The cases, each as log lines that must not depend on which server ran them. */
async function cases(s: ServerProc): Promise<string[]> {
  const c = s.client;
  const log: string[] = [];
  const run = async (label: string, to: () => Promise<TcpTarget | { port: number | string }>, host = '127.0.0.1') => {
    for (const line of await blocking(c, to, host, 500)) log.push(`${label}: ${line}`);
  };
  await run('refused', async () => ({ port: await getFreePort() }));
  await run('bad host', async () => ({ port: 1 }), 'nonexistent.invalid');
  await run('negative port', async () => ({ port: '-5' }));
  await run('empty host', async () => ({ port: 1 }), '');
  await run('hangs up', () => tcpTarget((c2) => c2.on('data', () => c2.destroy())));
  await run('restore error', () => tcpTarget(answering((name) => (name === 'SELECT' ? '+OK\r\n' : '-ERR nope\r\n'))));
  await run('select error', () => tcpTarget(answering(() => '-ERR DB index is out of range\r\n')));
  await run('long line', () => tcpTarget(answering((name) => (name === 'SELECT' ? '+OK\r\n' : `-ERR ${'x'.repeat(3000)}\r\n`))));
  // Replies in pieces 30 ms apart, the second ended by LF alone.
  await run('pieces', () => tcpTarget(answering((name) => (name === 'SELECT' ? ['+O', 'K\r', '\n'] : ['+', 'OK', '\n']), 30)));
  return log;
}

describe('MIGRATE in MULTI/EXEC and scripts, differential', () => {
  beforeAll(async () => {
    for (const k of KINDS) servers[k] = await start(k, tempDir(`migrate-blocking-${k}`));
  }, 60_000);

  test('every ending of the exchange answers as Redis', async () => {
    const ref = await cases(servers.redis!);
    // What Redis answers, so this test cannot pass on a broken reference.
    expect(ref).toContain('refused: multi "OK" "QUEUED" ["!IOERR error or timeout writing to target instance"]');
    expect(ref.find((l) => l.startsWith('bad host: eval'))).toMatch(/^bad host: eval !IOERR error or timeout connecting to the client script: /);
    expect(ref).toContain('pieces: left 0 0');
    expect(ref).toContain('restore error: left 1 1');
    expect(await cases(servers.tachyon!)).toEqual(ref);
  }, 60_000);

  test('a silent target: each times out reading after the timeout, the key stays', async () => {
    const silent = await tcpTarget(() => {});
    try {
      for (const k of KINDS) {
        const c = servers[k]!.client;
        await c.set('slow', 'v');
        let t0 = Date.now();
        const exec = await c.multi().call('MIGRATE', '127.0.0.1', String(silent.port), 'slow', '0', '300').exec();
        expect(Date.now() - t0, k).toBeGreaterThanOrEqual(280);
        expect(String(exec?.[0]?.[0]), k).toBe('ReplyError: IOERR error or timeout reading to target instance');
        t0 = Date.now();
        expect(await r(c, 'EVAL', `return redis.call('MIGRATE', ARGV[1], ARGV[2], 'slow', '0', '300')`, 0, '127.0.0.1', silent.port), k).toMatch(
          /^!IOERR error or timeout reading to target instance script: /,
        );
        expect(Date.now() - t0, k).toBeGreaterThanOrEqual(280);
        expect(await c.get('slow'), k).toBe('v');
      }
    } finally {
      await silent.close();
    }
  }, 30_000);

  test('the server is blocked during the exchange: another client waits', async () => {
    const slow = await tcpTarget(answering(() => '+OK\r\n', 300));
    try {
      for (const k of KINDS) {
        const s = servers[k]!;
        const other = s.client.duplicate();
        try {
          await other.ping();
          await s.client.set('moving', 'v');
          const t0 = Date.now();
          const exec = s.client.multi().call('MIGRATE', '127.0.0.1', String(slow.port), 'moving', '0', '2000').exec();
          await new Promise((res) => setTimeout(res, 100));
          expect(await other.ping(), k).toBe('PONG');
          const pinged = Date.now() - t0;
          expect(await exec, k).toEqual([[null, 'OK']]);
          expect(pinged, k).toBeGreaterThanOrEqual(550); // SELECT's and RESTORE's replies, 300 ms each
          expect(await s.client.exists('moving'), k).toBe(0);
        } finally {
          other.disconnect();
        }
      }
    } finally {
      await slow.close();
    }
  }, 30_000);
});
