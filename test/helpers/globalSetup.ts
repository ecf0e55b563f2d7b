/**
 * Vitest global setup: gives workers a directory where redis-oracle.ts
 * records the pid of every redis-server it starts, and on teardown kills any
 * of those that are still alive (e.g. after a worker crashed or timed out).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PID_DIR_ENV } from './redis-oracle';

function isOurRedis(pid: number): boolean {
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    return cmd.includes('redis-server');
  } catch {
    return false;
  }
}

export default function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-oracle-pids-'));
  process.env[PID_DIR_ENV] = dir;

  return function teardown() {
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(dir);
    } catch {
      /* nothing recorded */
    }
    for (const name of entries) {
      const pid = Number(name);
      if (Number.isInteger(pid) && pid > 0 && isOurRedis(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
          console.warn(`[globalSetup] killed leaked redis-server pid ${pid}`);
        } catch {
          /* already gone */
        }
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    delete process.env[PID_DIR_ENV];
  };
}
