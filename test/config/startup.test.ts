/**
 * The server as users start it: the embedding API and the tachyon-server
 * command line (banner, config errors, graceful shutdown on signals).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/index';
import { getFreePort } from '../helpers/redis-oracle';

const BIN = path.join(__dirname, '..', '..', 'bin', 'tachyon-server.js');

/** Runs tachyon-server and resolves once `waitFor` appears in its output (or it exits). */
function runCli(args: string[], waitFor: RegExp) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (waitFor.test(out)) resolve(out);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => (waitFor.test(out) ? resolve(out) : reject(new Error(`exited before ${waitFor}: ${out}`))));
  });
  return { child, ready, exited, output: () => out };
}

describe('embedding API', () => {
  it('starts on a free port, serves clients, and closes', async () => {
    const a = await startServer({ port: 0 });
    const b = await startServer({ port: 0, databases: 4 });
    expect(a.port).toBeGreaterThan(0);
    expect(b.port).not.toBe(a.port);
    const ra = new Redis(a.port, a.host, { lazyConnect: true });
    const rb = new Redis(b.port, b.host, { lazyConnect: true });
    await ra.connect();
    await rb.connect();
    await ra.set('k', 'in-a');
    expect(await rb.get('k')).toBeNull(); // separate keyspaces
    expect(await ra.get('k')).toBe('in-a');
    await expect(rb.select(4)).rejects.toThrow('ERR DB index is out of range');
    ra.disconnect();
    rb.disconnect();
    await a.close();
    await b.close();
  });

  it('accepts camelCase and redis.conf option names, and rejects unknown ones', async () => {
    const s = await startServer({ port: 0, requirepass: 'pw', maxmemoryPolicy: 'allkeys-lru' });
    const r = new Redis(s.port, s.host, { password: 'pw', lazyConnect: true });
    await r.connect();
    expect(await r.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'allkeys-lru']);
    r.disconnect();
    await s.close();
    await expect(startServer({ port: 0, 'no-such-option': 1 })).rejects.toThrow(/no-such-option/);
  });

  it('works with node-redis in RESP3', async () => {
    const s = await startServer({ port: 0 });
    const client = createClient({ socket: { port: s.port, host: s.host }, RESP: 3 });
    await client.connect();
    await client.set('n', '41');
    expect(await client.incr('n')).toBe(42);
    expect(await client.mGet(['n', 'missing'])).toEqual(['42', null]);
    await client.quit();
    await s.close();
  });
});

describe('tachyon-server command line', () => {
  it('logs like Redis, serves, and shuts down gracefully on SIGTERM', async () => {
    const port = await getFreePort();
    const cli = runCli(['--port', String(port), '--save', ''], /Ready to accept connections/);
    const out = await cli.ready;
    expect(out).toMatch(/^\d+:M \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} \* /m);
    const r = new Redis(port, '127.0.0.1', { lazyConnect: true });
    await r.connect();
    expect(await r.ping()).toBe('PONG');
    r.disconnect();
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(/Received SIGTERM scheduling shutdown/);
  });

  it('reads a redis.conf file, with command-line options taking precedence', async () => {
    const port = await getFreePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-conf-'));
    const conf = path.join(dir, 'redis.conf');
    fs.writeFileSync(conf, `port 1\ndatabases 2\nrequirepass "s3cret"\n`);
    const cli = runCli([conf, '--port', String(port)], /Ready to accept connections/);
    await cli.ready;
    const r = new Redis(port, '127.0.0.1', { password: 's3cret', lazyConnect: true, retryStrategy: () => null });
    await r.connect();
    expect(await r.config('GET', 'databases')).toEqual(['databases', '2']);
    await r.shutdown('NOSAVE').catch(() => undefined);
    r.disconnect();
    expect(await cli.exited).toBe(0);
  });

  it('refuses an option Redis has but Tachyon does not support, naming it', async () => {
    const cli = runCli(['--cluster-enabled', 'yes'], /cluster-enabled/);
    await cli.ready;
    expect(await cli.exited).not.toBe(0);
    expect(cli.output()).toMatch(/cluster-enabled/);
  });

  it('refuses a directive Redis does not know, with the offending line', async () => {
    const cli = runCli(['--no-such-directive', '1'], /FATAL CONFIG FILE ERROR/);
    const out = await cli.ready;
    expect(await cli.exited).not.toBe(0);
    expect(out).toMatch(/Bad directive or wrong number of arguments/);
  });
});
