/**
 * tachyon-server gives back the pages of Node's executable it touched only
 * to boot (src/startup-pages.ts, native/server/file_pages.cc): once ready,
 * its file-backed resident set is well under an idle bare `node` process's,
 * and every code path still runs from the pages that fault back in.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getFreePort } from '../helpers/redis-oracle';
import Redis from 'ioredis';
import { sleep } from '../helpers/resp';

const BIN = path.join(__dirname, '..', '..', 'bin', 'tachyon-server.js');

function rssFileKb(pid: number): number {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/RssFile:\s+(\d+) kB/);
  return m ? Number(m[1]) : NaN;
}

describe.runIf(process.platform === 'linux')('startup pages', () => {
  it('releases the clean file pages Node touched to boot, and keeps serving', async () => {
    const port = await getFreePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-pages-'));
    const server = spawn(process.execPath, [BIN, '--port', String(port), '--save', '', '--dir', dir, '--loglevel', 'verbose', '--enable-debug-command', 'yes'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The same Node, idle, as the yardstick: what booting alone leaves resident.
    const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      let out = '';
      server.stdout.on('data', (d: Buffer) => (out += d.toString()));
      for (let i = 0; i < 100 && !/Released [\d.]+ MB of startup code pages/.test(out); i++) await sleep(100);
      expect(out).toMatch(/Ready to accept connections/);
      expect(out).toMatch(/Released [\d.]+ MB of startup code pages from the resident set/);
      const released = rssFileKb(server.pid!);
      const bareFile = rssFileKb(bare.pid!);
      expect(bareFile).toBeGreaterThan(10_000);
      expect(released).toBeLessThan(bareFile * 0.6);

      // Many code paths after the release: the pages come back intact.
      const c = new Redis(port, '127.0.0.1');
      expect(await c.call('SET', 'k', 'v')).toBe('OK');
      expect(await c.call('RPUSH', 'l', 'a', 'b', 'c')).toBe(3);
      expect(await c.call('ZADD', 'z', '1.5', 'm')).toBe(1);
      expect(await c.call('HSET', 'h', 'f', '1')).toBe(1);
      expect(await c.call('EVAL', "return redis.call('GET', KEYS[1]) .. #ARGV", '1', 'k', 'x', 'y')).toBe('v2');
      expect(await c.call('DEBUG', 'RELOAD')).toBe('OK');
      expect(await c.call('LRANGE', 'l', '0', '-1')).toEqual(['a', 'b', 'c']);
      expect(await c.call('ZSCORE', 'z', 'm')).toBe('1.5');
      expect(String(await c.call('INFO', 'memory'))).toMatch(/used_memory_rss:\d+/);
      c.disconnect();
    } finally {
      bare.kill();
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
