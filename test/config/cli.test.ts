/**
 * tachyon-server as a drop-in redis-server: -v, --help, a configuration read
 * from stdin ('-'), and bad configurations, each compared with what the real
 * redis-server 7.0 prints and its exit status.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { describe, expect, it } from 'vitest';
import { findRedisServer, getFreePort } from '../helpers/redis-oracle';

const BIN = path.join(__dirname, '..', '..', 'bin', 'tachyon-server.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-cli-'));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(server: 'redis' | 'tachyon', args: string[], input = ''): Run {
  const [cmd, ...pre] = server === 'redis' ? [findRedisServer()] : [process.execPath, BIN];
  const r = spawnSync(cmd, [...pre, ...args], { input, cwd: dir, encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same text from both servers: the banner names the server, log lines start with a pid and a time. */
function normalize(text: string): string {
  return text
    .replace(/\(Redis 7\.0\.\d+\)|\(Tachyon\)/g, '(SERVER)')
    .replace(/^\d+:([MCSX]) \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} /gm, 'PID:$1 TIME ');
}

describe('tachyon-server command line, as redis-server', () => {
  it('-v and --version print one line on stdout and exit 0', () => {
    for (const flag of ['-v', '--version']) {
      const r = run('tachyon', [flag]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^Tachyon server v=\S+ redis_version=7\.0\.15 .*bits=64/);
      expect(r.stdout.split('\n')).toHaveLength(2);
      expect(r.stderr).toBe('');
      expect(run('redis', [flag]).status).toBe(0);
    }
  });

  it('-h and --help print the usage on stderr and exit 1, as Redis', () => {
    for (const flag of ['-h', '--help']) {
      const redis = run('redis', [flag]);
      const tachyon = run('tachyon', [flag]);
      expect(tachyon.status).toBe(redis.status);
      expect(tachyon.stdout).toBe('');
      expect(tachyon.stderr).toMatch(/^Usage: tachyon-server \[\/path\/to\/redis\.conf\] \[options\] \[-\]\n/);
      expect(tachyon.stderr).toContain("echo 'maxmemory 128mb' | tachyon-server -");
    }
  });

  const conf = path.join(dir, 'bad.conf');
  fs.writeFileSync(conf, 'port 6390\nrequirepass "unbalanced\n');
  const cases: [string, string[], string?][] = [
    ['an out-of-range port', ['--port', '99999']],
    ['an unknown directive', ['--no-such-directive', '1']],
    ['a non-numeric port from stdin', ['-'], 'port abc\n'],
    ['a bad enum value', ['--maxmemory-policy', 'sometimes']],
    ['a bad boolean', ['--appendonly', 'perhaps']],
    ['-v after an option', ['--port', '1', '-v']],
    ['a config file that does not exist', [path.join(dir, 'missing.conf')]],
    ['unbalanced quotes in a config file', [conf]],
    ['a config file then a bad option', [conf.replace('bad', 'good'), '--databases', '0']],
  ];
  fs.writeFileSync(path.join(dir, 'good.conf'), 'port 6390\n');
  for (const [name, args, input] of cases) {
    it(`refuses ${name} with Redis's message and exit status`, () => {
      const redis = run('redis', args, input);
      const tachyon = run('tachyon', args, input);
      expect(redis.status).toBe(1);
      expect(tachyon.status).toBe(redis.status);
      expect(normalize(tachyon.stderr)).toBe(normalize(redis.stderr));
      expect(normalize(tachyon.stdout)).toBe(normalize(redis.stdout));
    });
  }

  it("reads its configuration from stdin with '-', after the file and before later options", async () => {
    const port = await getFreePort();
    const file = path.join(dir, 'stdin-base.conf');
    fs.writeFileSync(file, 'port 1\ndatabases 3\n');
    const child = spawn(process.execPath, [BIN, file, '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.end(`port ${port}\nrequirepass fromstdin\nsave ""\n`);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    for (let i = 0; i < 100 && !/Ready to accept connections/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toMatch(/^\d+:C .* # Reading config from stdin$/m);
    const r = new Redis(port, '127.0.0.1', { password: 'fromstdin', lazyConnect: true, retryStrategy: () => null });
    await r.connect();
    expect(await r.config('GET', 'databases')).toEqual(['databases', '3']);
    await r.shutdown('NOSAVE').catch(() => undefined);
    r.disconnect();
    expect(await exited).toBe(0);
  });
});
