/**
 * Helpers for the persistence suites: real redis-server and tachyon-server
 * processes sharing a data directory (files are what these tests compare),
 * started and stopped, killed and restarted; a whole-keyspace snapshot for
 * comparing datasets key by key (type, value, encoding, expiry).
 *
 * Every process started here is killed when the worker exits, whatever happens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { afterAll } from 'vitest';
import { findRedisServer, getFreePort, referenceEnv } from '../helpers/redis-oracle';

export type Kind = 'redis' | 'tachyon';
export type Config = Record<string, string | number>;

const ROOT = path.resolve(__dirname, '..', '..');
const live = new Set<ChildProcess>();
const dirs: string[] = [];
process.on('exit', () => {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
  removeTempDirs();
});

/** Removes the directories tempDir() made (each suite's afterAll, and at exit). */
export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** A fresh data directory, removed by removeTempDirs(). */
export function tempDir(name: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `tachyon-persist-${name}-`));
  dirs.push(d);
  return d;
}

export interface ServerProc {
  kind: Kind;
  port: number;
  dir: string;
  proc: ChildProcess;
  client: Redis;
  logs(): string;
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  exited: Promise<number | string>;
  /** SHUTDOWN [args] (no reply expected) and wait for the exit. */
  shutdown(...args: string[]): Promise<number | string>;
  /** Kill with a signal and wait for the exit. */
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

function args(kind: Kind, port: number, dir: string, config: Config): string[] {
  const out = ['--port', String(port), '--dir', dir, '--bind', '127.0.0.1'];
  const merged: Config = { save: '', appendonly: 'no', 'enable-protected-configs': 'yes', ...config };
  for (const [k, v] of Object.entries(merged)) out.push(`--${k}`, String(v));
  if (kind === 'redis') out.push('--daemonize', 'no');
  return out;
}

/**
 * Starts a server on a free port with `dir` as its data directory. Resolves
 * once it answers PING (with `whileLoading`, as soon as it answers -LOADING);
 * with `mayExit`, also resolves (client unusable) if the process exits first,
 * which the caller then checks.
 */
export async function startServer(
  kind: Kind,
  dir: string,
  config: Config = {},
  opts: { mayExit?: boolean; timeoutMs?: number; whileLoading?: boolean; port?: number; configFile?: string } = {},
): Promise<ServerProc> {
  // A given port: a restart where the server was (the caller knows it is free).
  const port = opts.port ?? (await getFreePort());
  const argv = args(kind, port, dir, config);
  if (opts.configFile) argv.unshift(opts.configFile);
  const proc =
    kind === 'redis'
      ? spawn(findRedisServer(), argv, { stdio: ['ignore', 'pipe', 'pipe'], env: referenceEnv() }) // no sanitizer runtime
      : spawn(process.execPath, [path.join(ROOT, 'bin', 'tachyon-server.js'), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  let output = '';
  proc.stdout!.on('data', (b: Buffer) => (output += b.toString('latin1')));
  proc.stderr!.on('data', (b: Buffer) => (output += b.toString('latin1')));
  const exited = new Promise<number | string>((resolve) => {
    proc.on('exit', (code, signal) => {
      live.delete(proc);
      resolve(code ?? signal ?? -1);
    });
  });
  let gone = false;
  void exited.then(() => (gone = true));
  // No ready check: ioredis would wait for a dataset to load, hiding -LOADING.
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  const deadline = Date.now() + (opts.timeoutMs ?? 20000);
  for (;;) {
    if (gone) {
      if (opts.mayExit) break;
      throw new Error(`${kind} exited at startup:\n${output}`);
    }
    try {
      if (client.status === 'wait' || client.status === 'end' || client.status === 'close') await client.connect();
      const r = await client.ping();
      if (r === 'PONG') break;
    } catch (e) {
      // -LOADING: started, but still loading; callers that want to see it say so.
      if (opts.whileLoading && /LOADING/.test((e as Error).message)) break;
    }
    if (Date.now() > deadline) throw new Error(`${kind} did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const handle: ServerProc = {
    kind,
    port,
    dir,
    proc,
    client,
    logs: () => output,
    exited,
    async shutdown(...a: string[]) {
      await client.call('SHUTDOWN', ...a).catch(() => {});
      client.disconnect();
      return exited;
    },
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      client.disconnect();
      if (!gone) proc.kill(signal);
      return exited;
    },
  };
  return handle;
}

/** Stops a server however it is doing (SIGKILL if it does not go in time). */
export async function stop(s: ServerProc | undefined): Promise<void> {
  if (!s) return;
  s.client.disconnect();
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  s.proc.kill('SIGTERM');
  const timer = setTimeout(() => s.proc.kill('SIGKILL'), 5000);
  await s.exited;
  clearTimeout(timer);
}

export interface KeyInfo {
  type: string;
  encoding: string;
  value: unknown;
  /** Absolute expiry in ms, -1 when none. */
  expireAt: number;
}

/** Every key of every database: type, encoding, value (sets sorted) and absolute expiry. */
export async function snapshot(c: Redis, dbs = 16): Promise<Record<string, KeyInfo>> {
  const out: Record<string, KeyInfo> = {};
  for (let db = 0; db < dbs; db++) {
    await c.select(db);
    const keys = (await c.keysBuffer('*')).map((k) => k.toString('latin1')).sort();
    for (const k of keys) {
      const type = await c.type(k);
      const encoding = (await c.object('ENCODING', k)) as string;
      let value: unknown;
      if (type === 'string') value = (await c.getBuffer(k))?.toString('hex');
      else if (type === 'list') value = (await c.lrangeBuffer(k, 0, -1)).map((b) => b.toString('hex'));
      else if (type === 'set') value = (await c.smembersBuffer(k)).map((b) => b.toString('hex')).sort();
      else if (type === 'zset') value = await c.call('ZRANGE', k, '0', '-1', 'WITHSCORES');
      else if (type === 'hash') {
        const flat = (await c.hgetallBuffer(k)) as unknown as Record<string, Buffer>;
        value = Object.entries(flat)
          .map(([f, v]) => `${Buffer.from(f, 'latin1').toString('hex')}=${v.toString('hex')}`)
          .sort();
      }
      const expireAt = Number(await c.call('PEXPIRETIME', k));
      out[`${db}:${k}`] = { type, encoding, value, expireAt };
    }
  }
  await c.select(0);
  return out;
}

/** A sample of every type and encoding Redis 7.0 has, small and large, with expiries, in several databases. */
export async function populate(c: Redis): Promise<void> {
  const big = (n: number, s: string) => s.repeat(Math.ceil(n / s.length)).slice(0, n);
  const future = Date.now() + 3_600_000;
  await c.select(0);
  await c.set('str:embstr', 'hello');
  await c.set('str:int', '12345');
  await c.set('str:negint', '-9223372036854775808');
  await c.set('str:raw', big(200, 'abcdefgh'));
  await c.set('str:random', Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919) % 256)));
  await c.set('str:empty', '');
  await c.set('str:bin\x00key', 'v\x00\xff');
  await c.set('str:ttl', 'x', 'PXAT', future);
  await c.setrange('str:setrange', 2, 'ab');
  await c.append('str:appended', 'x9');
  await c.incrbyfloat('str:float', '3.14');
  await c.rpush('list:small', 'a', 'b', '1', '-2', big(100, 'xy'));
  await c.rpush('list:big', ...Array.from({ length: 2000 }, (_, i) => `element-${i}`));
  await c.rpush('list:plainish', big(9000, 'q'), 'tail');
  await c.rpush('list:ttl', 'a');
  await c.pexpireat('list:ttl', future);
  await c.sadd('set:intset16', '1', '2', '3', '-7');
  await c.sadd('set:intset64', '1', '9223372036854775807');
  await c.sadd('set:ht', 'a', 'b', 'c');
  await c.sadd('set:bigints', ...Array.from({ length: 600 }, (_, i) => String(i)));
  await c.zadd('zset:lp', 1, 'a', 2.5, 'b', -3, 'c', '+inf', 'd', 0.1, 'e');
  await c.zadd('zset:sk', ...Array.from({ length: 200 }, (_, i) => [String(i / 3), `m${i}`]).flat());
  await c.zadd('zset:longmember', 1, big(100, 'm'));
  await c.hset('hash:lp', 'f1', 'v1', 'f2', '22', 'f3', big(60, 'z'));
  await c.hset('hash:ht', 'long', big(100, 'v'), 'short', 's');
  await c.hset('hash:big', ...Array.from({ length: 700 }, (_, i) => [`f${i}`, `v${i}`]).flat());
  await c.select(1);
  await c.set('db1:key', 'one');
  await c.hset('db1:hash', 'a', '1');
  await c.select(9);
  await c.rpush('db9:list', 'nine');
  await c.set('db9:ttl', 'v', 'PXAT', future + 1000);
  await c.select(0);
}

/**
 * startServer for one test file: every server it starts is stopped, and the
 * temporary directories removed, once the file's tests are done.
 */
export function serversOfFile(): typeof startServer {
  const running: ServerProc[] = [];
  afterAll(async () => {
    await Promise.all(running.map(stop));
    removeTempDirs();
  });
  return async (...a) => {
    const s = await startServer(...a);
    running.push(s);
    return s;
  };
}

export type Cmd = (string | Buffer)[];
/** One command with binary-safe arguments and replies. */
export const call = (c: Redis, cmd: Cmd) => c.callBuffer(String(cmd[0]), ...cmd.slice(1)) as Promise<unknown>;
/** A reply as text for comparisons and messages, Buffers as latin1 strings. */
export const show = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (x && x.type === 'Buffer' && Array.isArray(x.data) ? Buffer.from(x.data).toString('latin1') : x));
