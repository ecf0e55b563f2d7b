/**
 * Side-by-side runs of a client script written in another language: a fresh
 * redis-server 7.0 and a fresh in-process Tachyon, the same script run
 * against each (its only argument is the port), and the two printed
 * transcripts handed back for an exact comparison.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../../src/index';
import { referenceEnv, startRedisOracle } from '../helpers/redis-oracle';

export interface Transcripts {
  redis: string[];
  tachyon: string[];
}

/** Runs `command args... PORT` and resolves with its stdout; stderr goes into the error. */
export function runScript(command: string, args: string[], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    // Async (never spawnSync): the in-process Tachyon must keep serving meanwhile.
    execFile(command, args, { env: referenceEnv(), timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Runs the script against both servers at once (each its own fresh server). */
export async function transcripts(command: string, args: string[]): Promise<Transcripts> {
  const redis = await startRedisOracle();
  // A private dir, as the oracle's: never a dump.rdb some other run left in the cwd.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-client-'));
  const tachyon = await startServer({ port: 0, save: '', appendonly: 'no', dir });
  try {
    const [onRedis, onTachyon] = await Promise.all([
      runScript(command, [...args, String(redis.port)]),
      runScript(command, [...args, String(tachyon.port)]),
    ]);
    return { redis: onRedis.split('\n'), tachyon: onTachyon.split('\n') };
  } finally {
    await tachyon.close();
    await redis.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Why a client suite cannot run here, or undefined when it can. */
export function missing(interpreter: string, probe: string[]): string | undefined {
  if (!fs.existsSync(interpreter)) return `${interpreter} is not installed`;
  try {
    require('node:child_process').execFileSync(interpreter, probe, { stdio: 'ignore' });
    return undefined;
  } catch {
    return `${interpreter} ${probe.join(' ')} fails (client library not installed)`;
  }
}
