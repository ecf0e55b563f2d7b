/**
 * DEBUG SEGFAULT, PANIC, ASSERT and OOM: the server dies the way
 * redis-server does (the client gets no reply, the process ends by the same
 * signal) after writing a Redis-style crash report to its log: the signal
 * and address or the panic message, the stack trace, INFO, the client list,
 * the current client and its arguments. Both servers run as child
 * processes; each crash is done to one of each.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { findRedisServer, getFreePort, referenceEnv, UNDER_SANITIZER } from '../helpers/redis-oracle';
import { RespClient, RespClosedError } from '../helpers/resp';
import { waitUntil } from '../helpers/wait';

const BIN = path.join(__dirname, '..', '..', 'bin', 'tachyon-server.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-crash-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Crashed {
  signal: NodeJS.Signals | null;
  log: string;
  reply: string;
}

/** Starts a server (tachyon or redis) with a log file, sends `args`, and waits for it to die. */
async function crash(which: 'tachyon' | 'redis', args: string[]): Promise<Crashed> {
  const port = await getFreePort();
  const logfile = path.join(tmp, `${which}-${args.join('-')}-${port}.log`);
  // Its own directory: a dump.rdb or appendonlydir left in the working directory would be loaded.
  const opts = ['--port', String(port), '--save', '', '--dir', tmp, '--enable-debug-command', 'yes', '--logfile', logfile];
  const child: ChildProcess =
    which === 'tachyon'
      ? spawn(process.execPath, [BIN, ...opts], { stdio: 'ignore' })
      : spawn(findRedisServer(), opts, { stdio: 'ignore', cwd: tmp, env: referenceEnv() });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  let client: RespClient | undefined;
  await waitUntil(async () => {
    client = await RespClient.connect(port, { host: '127.0.0.1', timeoutMs: 10000 }).catch(() => undefined);
    return client !== undefined;
  });
  if (!client) throw new Error(`${which} did not start`);
  await client.call('CLIENT', 'SETNAME', 'crasher');
  await client.call('SET', 'some', 'data');
  let reply = '';
  try {
    const r = await client.call(...args);
    reply = JSON.stringify(r);
  } catch (e) {
    reply = e instanceof RespClosedError ? '<closed>' : String(e);
  }
  const signal = await exited;
  await client.close();
  return { signal, log: fs.readFileSync(logfile, 'utf8'), reply };
}

const cases: { args: string[]; signal: NodeJS.Signals; first: RegExp }[] = [
  { args: ['DEBUG', 'SEGFAULT'], signal: 'SIGSEGV', first: /crashed by signal: 11, si_code: \d+/ },
  { args: ['DEBUG', 'PANIC'], signal: 'SIGABRT', first: /Guru Meditation: DEBUG PANIC called at Unix time \d+ #/ },
  { args: ['DEBUG', 'ASSERT'], signal: 'SIGABRT', first: /=== ASSERTION FAILED ===/ },
  { args: ['DEBUG', 'OOM'], signal: 'SIGABRT', first: /aborting for OUT OF MEMORY\. Allocating \d+ bytes!/ },
];

// Under ASan the sanitizer's own SIGSEGV/abort handling replaces the crash report.
describe.skipIf(UNDER_SANITIZER)('DEBUG crashes', () => {
  test.each(cases)('$args.1: a crash report, then death by $signal', async ({ args, signal, first }) => {
    const [redis, tachyon] = await Promise.all([crash('redis', args), crash('tachyon', args)]);
    // The client sees the connection close without a reply, on both.
    expect(redis.reply).toBe('<closed>');
    expect(tachyon.reply).toBe('<closed>');
    expect(redis.signal).toBe(signal);
    expect(tachyon.signal).toBe(signal);
    for (const { log } of [redis, tachyon]) {
      expect(log).toMatch(/BUG REPORT START: Cut & paste starting from here ===/);
      expect(log).toMatch(first);
      expect(log).toContain('------ STACK TRACE ------');
      expect(log).toContain('Backtrace:');
      expect(log).toContain('------ INFO OUTPUT ------');
      expect(log).toContain('redis_version:7.0.15');
      expect(log).toMatch(/# Keyspace\r\ndb0:keys=1,expires=0/);
      expect(log).toContain('------ CLIENT LIST OUTPUT ------');
      expect(log).toMatch(/name=crasher .*cmd=debug/);
      expect(log).toContain('------ CURRENT CLIENT INFO ------');
      expect(log).toContain(`argv[0]: '"${args[0]}"'`);
      expect(log).toContain(`argv[1]: '"${args[1]}"'`);
      expect(log).toContain('------ MODULES INFO OUTPUT ------');
      expect(log).toContain('------ CONFIG DEBUG OUTPUT ------');
      expect(log).toMatch(/BUG REPORT END\. Make sure to include from START to END\. ===/);
    }
    if (signal === 'SIGSEGV') {
      for (const { log } of [redis, tachyon]) {
        expect(log).toMatch(/Accessing address: 0x[0-9a-f]+/);
        expect(log).toMatch(/Crashed running the instruction at: 0x[0-9a-f]+/);
        expect(log).toContain('------ REGISTERS ------');
      }
      // Tachyon's stack names the native frame that faulted.
      expect(tachyon.log).toMatch(/EIP:\n.*tachyon\.node/);
    }
  }, 30000);

  test('a daemonized server removes its pid file when it crashes', async () => {
    const port = await getFreePort();
    const pidfile = path.join(tmp, `crash-${port}.pid`);
    const logfile = path.join(tmp, `crash-${port}.log`);
    const child = spawn(
      process.execPath,
      [BIN, '--port', String(port), '--save', '', '--dir', tmp, '--enable-debug-command', 'yes', '--daemonize', 'yes', '--pidfile', pidfile, '--logfile', logfile],
      { stdio: 'ignore' },
    );
    await new Promise((r) => child.on('exit', r)); // the launching process exits at once
    await waitUntil(() => fs.existsSync(pidfile));
    const pid = Number(fs.readFileSync(pidfile, 'utf8').trim());
    expect(pid).toBeGreaterThan(0);
    const client = await RespClient.connect(port, { host: '127.0.0.1', timeoutMs: 10000 });
    await client.call('DEBUG', 'SEGFAULT').catch(() => undefined);
    await waitUntil(() => !isAlive(pid));
    expect(isAlive(pid)).toBe(false);
    expect(fs.existsSync(pidfile)).toBe(false);
    expect(fs.readFileSync(logfile, 'utf8')).toContain('crashed by signal: 11');
    await client.close();
  }, 30000);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
