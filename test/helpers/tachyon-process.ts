/**
 * Tachyon in a child process (bin/tachyon-server.js), for tests whose
 * measurements must not share an event loop with the test client: latency
 * while the server works, its RSS, its output to a client that does not read.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getFreePort } from './redis-oracle';
import { RespClient, sleep } from './resp';

export interface ServerProcess {
  readonly label: string;
  readonly port: number;
  readonly pid: number;
  close(): Promise<void>;
}

/** Starts tachyon-server with `--name value` options; resolves once it answers PING. */
export async function startTachyonProcess(config: Record<string, string | number> = {}): Promise<ServerProcess> {
  const port = await getFreePort();
  const bin = path.join(__dirname, '..', '..', 'bin', 'tachyon-server.js');
  const args = [bin, '--port', String(port), '--save', ''];
  for (const [k, v] of Object.entries(config)) args.push(`--${k}`, ...String(v).split(' '));
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 100; i++) {
    try {
      const c = await RespClient.connect(port, { timeoutMs: 2000 });
      await c.call('PING');
      await c.close();
      break;
    } catch {
      await sleep(100);
    }
  }
  return {
    label: 'tachyon',
    port,
    pid: child.pid!,
    close: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resident set size of a process, in bytes (Linux). */
export function rssOf(pid: number): number {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) * 1024 : 0;
}
