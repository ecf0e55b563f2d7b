/**
 * tachyon-server started the way harnesses start redis-server: the logo with
 * its " Port: N" and " PID: N" lines (always-show-logo yes), or the
 * "Running mode=standalone, port=N." line without it, side by side with a
 * real redis-server's log; the pid file written at start and removed at
 * shutdown; daemonize yes (the launching process exits at once, the server
 * runs detached and writes its pid file); and the configuration lines of
 * features Tachyon has or describes without having (old aliases,
 * propagation-error-behavior, latency-monitor-threshold, replicaof no one)
 * accepted as redis-server accepts them.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findRedisServer, getFreePort } from '../helpers/redis-oracle';
import { RespClient, replyText, sleep } from '../helpers/resp';

const BIN = path.join(__dirname, '..', '..', 'bin', 'tachyon-server.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-logo-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Starts a server, waits for `ready` in its output, returns its handle. */
async function start(which: 'tachyon' | 'redis', args: string[], ready: RegExp) {
  const child =
    which === 'tachyon'
      ? spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(findRedisServer(), args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: tmp });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => (ready.test(out) ? resolve() : reject(new Error(`${which} exited: ${out}`))));
  });
  return { child, exited, output: () => out };
}

async function stop(port: number): Promise<void> {
  const c = await RespClient.connect(port, { host: '127.0.0.1' });
  await c.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
  await c.close();
}

describe('the startup log', () => {
  it('always-show-logo yes: the logo carries Port and PID lines, like redis-server', async () => {
    for (const which of ['redis', 'tachyon'] as const) {
      const port = await getFreePort();
      const s = await start(which, ['--port', String(port), '--save', '', '--always-show-logo', 'yes'], /Ready to accept connections/);
      const out = s.output();
      expect(out, which).toMatch(new RegExp(` Port: ${port}\\s*\\n`));
      expect(out, which).toMatch(new RegExp(` PID: ${s.child.pid}\\s*\\n`));
      expect(out, which).toMatch(/Running in standalone mode/);
      expect(out, which).not.toMatch(/Running mode=/);
      // The version line names the server and 64 bit.
      expect(out, which).toMatch(/(Redis|Tachyon) [\d.]+ .*64 bit/);
      expect(out, which).toMatch(/\* Ready to accept connections\n/);
      await stop(port);
      expect(await s.exited).toBe(0);
    }
  });

  it('without it (and not on a terminal): one "Running mode" line', async () => {
    for (const which of ['redis', 'tachyon'] as const) {
      const port = await getFreePort();
      const s = await start(which, ['--port', String(port), '--save', ''], /Ready to accept connections/);
      expect(s.output(), which).toMatch(new RegExp(`\\* Running mode=standalone, port=${port}\\.\\n`));
      expect(s.output(), which).not.toMatch(/ PID: /);
      await stop(port);
      await s.exited;
    }
  });
});

describe('pid file and daemonize', () => {
  it('writes the pid file once listening and removes it at shutdown', async () => {
    for (const which of ['redis', 'tachyon'] as const) {
      const port = await getFreePort();
      const pidfile = path.join(tmp, `${which}-${port}.pid`);
      const s = await start(which, ['--port', String(port), '--save', '', '--pidfile', pidfile], /Ready to accept connections/);
      expect(fs.readFileSync(pidfile, 'utf8'), which).toBe(`${s.child.pid}\n`);
      await stop(port);
      await s.exited;
      expect(fs.existsSync(pidfile), which).toBe(false);
      expect(s.output(), which).toMatch(/Removing the pid file\./);
    }
  });

  it('daemonize yes: the launcher exits, the server runs detached with its pid file', async () => {
    for (const which of ['redis', 'tachyon'] as const) {
      const port = await getFreePort();
      const pidfile = path.join(tmp, `${which}-d-${port}.pid`);
      const logfile = path.join(tmp, `${which}-d-${port}.log`);
      const args = ['--port', String(port), '--save', '', '--daemonize', 'yes', '--pidfile', pidfile, '--logfile', logfile];
      const launcher =
        which === 'tachyon' ? spawn(process.execPath, [BIN, ...args], { stdio: 'ignore' }) : spawn(findRedisServer(), args, { stdio: 'ignore', cwd: tmp });
      expect(await new Promise((r) => launcher.on('exit', r)), which).toBe(0);
      for (let i = 0; i < 100 && !fs.existsSync(pidfile); i++) await sleep(50);
      const pid = Number(fs.readFileSync(pidfile, 'utf8'));
      expect(pid, which).not.toBe(launcher.pid);
      const c = await RespClient.connect(port, { host: '127.0.0.1' });
      const info = replyText(await c.call('INFO', 'server')) ?? '';
      expect(info, which).toContain(`process_id:${pid}`);
      const daemonize = await c.call('CONFIG', 'GET', 'daemonize');
      expect(daemonize.type === 'array' && daemonize.value ? daemonize.value.map((x) => replyText(x)) : [], which).toEqual(['daemonize', 'yes']);
      await c.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      await c.close();
      for (let i = 0; i < 100 && fs.existsSync(pidfile); i++) await sleep(50);
      expect(fs.existsSync(pidfile), which).toBe(false);
      expect(fs.readFileSync(logfile, 'utf8'), which).toMatch(/Ready to accept connections/);
    }
  });
});

describe('configuration lines redis-server accepts', () => {
  it('old aliases, propagation-error-behavior, latency-monitor-threshold, replicaof no one', async () => {
    const conf = [
      'slave-serve-stale-data no',
      'slave-read-only yes',
      'slave-priority 50',
      'slaveof no one',
      'replicaof no one',
      'min-slaves-max-lag 20',
      'repl-ping-slave-period 5',
      'propagation-error-behavior panic-on-replicas',
      'latency-monitor-threshold 25',
      'latency-tracking-info-percentiles 50 99.99',
      'shutdown-on-sigterm nosave now',
      'list-max-ziplist-size -3',
      'hash-max-ziplist-entries 64',
      'lua-time-limit 6000',
      'notify-keyspace-events Kx',
      'save ""',
    ].join('\n');
    const results: Record<string, string[]> = {};
    for (const which of ['redis', 'tachyon'] as const) {
      const port = await getFreePort();
      const file = path.join(tmp, `${which}-aliases.conf`);
      fs.writeFileSync(file, `port ${port}\n${conf}\n`);
      const s = await start(which, [file], /Ready to accept connections/);
      const c = await RespClient.connect(port, { host: '127.0.0.1' });
      const got: string[] = [];
      for (const name of [
        'replica-serve-stale-data', 'slave-serve-stale-data', 'replica-priority', 'replicaof', 'slaveof', 'min-replicas-max-lag',
        'repl-ping-replica-period', 'propagation-error-behavior', 'latency-monitor-threshold',
        'latency-tracking-info-percentiles', 'shutdown-on-sigterm', 'list-max-listpack-size', 'hash-max-listpack-entries',
        'busy-reply-threshold', 'notify-keyspace-events',
      ]) {
        const r = await c.call('CONFIG', 'GET', name);
        got.push(r.type === 'array' && r.value ? r.value.map((x) => replyText(x)).join('=') : String(r.type));
      }
      // Settable at run time the same way.
      for (const [k, v] of [['slave-serve-stale-data', 'yes'], ['propagation-error-behavior', 'ignore'], ['latency-monitor-threshold', '0']]) {
        const r = await c.call('CONFIG', 'SET', k, v);
        got.push(`${k}:${r.type === 'simple' ? r.value : replyText(r) ?? r.type}`);
      }
      const r = await c.call('CONFIG', 'SET', 'slaveof', 'no one');
      got.push(`set slaveof: ${r.type}`);
      results[which] = got;
      await c.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      await c.close();
      await s.exited;
    }
    expect(results.tachyon).toEqual(results.redis);
  });
});
