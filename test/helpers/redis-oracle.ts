/**
 * Start / stop a real redis-server to be used as a reference ("oracle").
 *
 * - free port chosen by binding port 0, retried if redis then fails with
 *   EADDRINUSE (someone else grabbed the port in between);
 * - no persistence, private temp dir, logs captured for error messages;
 * - every started process is tracked: killed on worker exit, and recorded in
 *   a pid directory (see globalSetup.ts) so that a crashed worker cannot leak
 *   redis-server processes past the end of the test run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const INSTALL_HINT = 'install redis-server: apt-get install -y redis-server';

export type ConfigValue = string | number | boolean;
export type ConfigMap = Record<string, ConfigValue>;

export interface OracleOptions {
  /** redis.conf directives, passed as `--name value`. */
  config?: ConfigMap;
  /** Extra raw command line arguments. */
  args?: string[];
  /** Path of the redis-server binary (default: $REDIS_SERVER_BIN or PATH lookup). */
  bin?: string;
  /** How long to wait for the server to answer PING. */
  startTimeoutMs?: number;
  /**
   * A whole redis.conf (a function of the chosen port and the private dir),
   * written to <dir>/redis.conf and given as the only argument: for tests of
   * CONFIG REWRITE, which would otherwise also write the launcher's options.
   */
  configFile?: (port: number, dir: string) => string;
}

export interface RedisOracle {
  readonly port: number;
  readonly host: string;
  readonly pid: number;
  readonly dir: string;
  /** <dir>/redis.conf when started with OracleOptions.configFile. */
  readonly configPath: string | undefined;
  /** Captured stdout/stderr (the server logs to stdout). */
  logs(): string;
  /** True while the process is alive. */
  readonly running: boolean;
  /** SIGTERM, wait for exit (SIGKILL after a grace period), remove the temp dir. */
  close(): Promise<void>;
}

export const PID_DIR_ENV = 'TACHYON_ORACLE_PID_DIR';

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when a worker goes away without running afterAll hooks.
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

/** Locate redis-server or throw with an installation hint. */
export function findRedisServer(bin?: string): string {
  const candidate = bin ?? process.env.REDIS_SERVER_BIN;
  if (candidate) {
    if (isExecutable(candidate)) return candidate;
    throw new Error(`redis-server not found at ${candidate}; ${INSTALL_HINT}`);
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, 'redis-server');
    if (isExecutable(p)) return p;
  }
  throw new Error(`redis-server not found in PATH; ${INSTALL_HINT}`);
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Whether a redis-server can be found (suites that only add checks against Redis skip without it). */
/**
 * The environment for reference processes (redis-server, redis-cli): without
 * the sanitizer runtime scripts/asan-tests.sh preloads for Node, which would
 * otherwise load into Redis too and take over its crash handling.
 */
export function referenceEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.LD_PRELOAD;
  delete env.ASAN_OPTIONS;
  delete env.UBSAN_OPTIONS;
  return env;
}

/** True when the tests run against the sanitizer build (scripts/asan-tests.sh). */
export const UNDER_SANITIZER = /libasan/.test(process.env.LD_PRELOAD ?? '');

export function haveRedisServer(): boolean {
  try {
    findRedisServer();
    return true;
  } catch {
    return false;
  }
}

/** Find a currently free TCP port by binding port 0 and closing the socket. */
export function getFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ port: 0, host, exclusive: true }, () => {
      const addr = srv.address();
      if (!addr || typeof addr === 'string') {
        srv.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      const port = addr.port;
      srv.close(() => resolve(port));
    });
  });
}

function configArgs(config: ConfigMap): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(config)) {
    const name = k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
    out.push(`--${name}`, typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v));
  }
  return out;
}

/** Send PING on a fresh connection; resolve with the first reply line, or null. */
function probe(port: number, host: string, timeoutMs = 500): Promise<string | null> {
  return new Promise((resolve) => {
    let data = '';
    let done = false;
    const sock = net.connect({ port, host });
    const finish = (v: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (b) => {
      data += b.toString('latin1');
      const i = data.indexOf('\r\n');
      if (i >= 0) finish(data.slice(0, i));
    });
    sock.on('error', () => finish(null));
    sock.on('close', () => finish(null));
  });
}

function recordPid(pid: number) {
  const dir = process.env[PID_DIR_ENV];
  if (!dir) return;
  try {
    fs.writeFileSync(path.join(dir, String(pid)), 'redis-server\n');
  } catch {
    /* best effort */
  }
}

function forgetPid(pid: number) {
  const dir = process.env[PID_DIR_ENV];
  if (!dir) return;
  try {
    fs.rmSync(path.join(dir, String(pid)), { force: true });
  } catch {
    /* best effort */
  }
}

class StartFailure extends Error {
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
  }
}

async function startOnce(bin: string, port: number, opts: OracleOptions): Promise<RedisOracle> {
  const host = '127.0.0.1';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-oracle-'));
  const configPath = opts.configFile ? path.join(dir, 'redis.conf') : undefined;
  if (configPath && opts.configFile) fs.writeFileSync(configPath, opts.configFile(port, dir));
  const args = configPath ? [configPath] : [
    '--port', String(port),
    '--bind', host,
    '--save', '',
    '--appendonly', 'no',
    '--daemonize', 'no',
    '--dir', dir,
    '--logfile', '',
    '--loglevel', 'warning',
    ...configArgs(opts.config ?? {}),
    ...(opts.args ?? []),
  ];
  let log = '';
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir, env: referenceEnv() });
  installExitHook();
  live.add(child);
  const append = (b: Buffer) => {
    log += b.toString();
    if (log.length > 64 * 1024) log = log.slice(-64 * 1024);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);

  let exited = false;
  let spawnError: Error | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      if (child.pid) forgetPid(child.pid);
      resolve();
    });
    child.once('error', (e) => {
      spawnError = e;
      exited = true;
      live.delete(child);
      resolve();
    });
  });
  if (child.pid) recordPid(child.pid);

  const cleanupDir = () => fs.rmSync(dir, { recursive: true, force: true });

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, 5000);
      await exitPromise;
      clearTimeout(t);
    }
    cleanupDir();
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 10000);
  for (;;) {
    if (exited) {
      await exitPromise;
      cleanupDir();
      if (spawnError) {
        const code = (spawnError as NodeJS.ErrnoException).code;
        throw new StartFailure(
          code === 'ENOENT' ? `redis-server not found (${bin}); ${INSTALL_HINT}` : `cannot spawn ${bin}: ${spawnError.message}`,
          false,
        );
      }
      const inUse = /address already in use/i.test(log);
      throw new StartFailure(
        `redis-server exited during startup (code ${child.exitCode}, signal ${child.signalCode}).\n` +
          `args: ${args.join(' ')}\nlog:\n${log}`,
        inUse,
      );
    }
    const line = await probe(port, host);
    // A server that requires a password still "answers" (with NOAUTH).
    if (line !== null && (line === '+PONG' || line.startsWith('-NOAUTH'))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new StartFailure(`redis-server on port ${port} did not answer PING in time.\nlog:\n${log}`, false);
    }
    await new Promise((r) => setTimeout(r, 20));
  }

  const pid = child.pid!;
  return {
    port,
    host,
    pid,
    dir,
    configPath,
    logs: () => log,
    get running() {
      return !exited;
    },
    close: stop,
  };
}

/** Start a real redis-server and wait until it answers PING. */
export async function startRedisOracle(opts: OracleOptions = {}): Promise<RedisOracle> {
  const bin = findRedisServer(opts.bin);
  let last: Error | undefined;
  for (let attempt = 0; attempt < 8; attempt++) {
    const port = await getFreePort();
    try {
      return await startOnce(bin, port, opts);
    } catch (e) {
      last = e as Error;
      if (e instanceof StartFailure && e.portInUse) continue;
      throw e;
    }
  }
  throw new Error(`could not start redis-server on a free port after several attempts: ${last?.message}`);
}
