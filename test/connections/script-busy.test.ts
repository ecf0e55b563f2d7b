/**
 * Scripts past busy-reply-threshold, on a real redis-server 7.0 and on
 * Tachyon side by side: other clients (already connected, and new
 * connections, as redis-cli opens for SCRIPT KILL) get -BUSY, SCRIPT KILL /
 * FUNCTION KILL / FUNCTION STATS are served while the script still loops, a
 * script that wrote is UNKILLABLE, and SHUTDOWN NOSAVE stops the server.
 * Every step's reply must be the same on both servers. Tachyon runs in a
 * child process: a busy script blocks its whole event loop, test client included.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { getFreePort, startRedisOracle } from '../helpers/redis-oracle';
import { RespClient, formatReply, sleep, type Reply } from '../helpers/resp';

interface Target {
  port: number;
  close(): Promise<void>;
}

const CONFIG = { 'busy-reply-threshold': 100 };

async function startTachyonProcess(): Promise<Target> {
  const port = await getFreePort();
  const bin = path.join(__dirname, '..', '..', 'bin', 'tachyon-server.js');
  const child = spawn(process.execPath, [bin, '--port', String(port), '--busy-reply-threshold', '100'], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 100; i++) {
    try {
      await once(port, 'PING');
      break;
    } catch {
      await sleep(100);
    }
  }
  return {
    port,
    close: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

async function startBoth(): Promise<[Target, Target]> {
  const redis = await startRedisOracle({ config: CONFIG });
  const tachyon = await startTachyonProcess();
  return [{ port: redis.port, close: () => redis.close() }, tachyon];
}

const text = (r: Reply | string): string => (typeof r === 'string' ? r : formatReply(r));

/** Sends on a fresh connection and returns the reply (the connection is closed after). */
async function once(port: number, ...cmd: string[]): Promise<string> {
  const c = await RespClient.connect(port, { timeoutMs: 5000 });
  try {
    return text(await c.call(...cmd));
  } finally {
    await c.close();
  }
}

/** A long script on one connection: the steps run while it loops; returns every reply in order. */
async function busyScenario(
  port: number,
  script: string[],
  during: (other: RespClient) => Promise<string[]>,
): Promise<string[]> {
  const runner = await RespClient.connect(port, { timeoutMs: 10000 });
  const other = await RespClient.connect(port, { timeoutMs: 5000 });
  try {
    runner.send(...script);
    await sleep(300);
    const out = await during(other);
    let last: string;
    try {
      last = text(await runner.read(10000));
    } catch (e) {
      last = `<${(e as Error).name}>`;
    }
    return [...out, last];
  } finally {
    await runner.close();
    await other.close();
  }
}

describe('busy scripts', () => {
  let servers: Target[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
    servers = [];
  });

  test('a looping script: BUSY for others, SCRIPT KILL from another and from a new connection', async () => {
    servers = await startBoth();
    const run = (port: number) =>
      busyScenario(port, ['EVAL', 'local i = 0 while true do i = i + 1 end', '0'], async (other) => [
        text(await other.call('PING')),
        text(await other.call('GET', 'x')),
        await once(port, 'PING'),
        text(await other.call('FUNCTION', 'KILL')),
        text(await other.call('FUNCTION', 'STATS')),
        text(await other.call('SHUTDOWN')),
        await once(port, 'SCRIPT', 'KILL'),
      ]).then(async (r) => [...r, await once(port, 'PING'), await once(port, 'SCRIPT', 'KILL')]);
    const [redis, tachyon] = [await run(servers[0].port), await run(servers[1].port)];
    expect(redis[0]).toBe('-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.');
    expect(tachyon).toEqual(redis);
  });

  test('a script that wrote cannot be killed; SHUTDOWN NOSAVE stops the server', async () => {
    servers = await startBoth();
    const run = (port: number) =>
      busyScenario(port, ['EVAL', "redis.call('set', 'x', '1') while true do end", '0'], async (other) => [
        text(await other.call('SCRIPT', 'KILL')),
        await once(port, 'SCRIPT', 'KILL'),
        text(await other.call('PING')),
        await once(port, 'SHUTDOWN', 'NOSAVE').catch((e) => `<${(e as Error).name}>`),
      ]);
    const redis = await run(servers[0].port);
    const tachyon = await run(servers[1].port);
    expect(redis[0]).toMatch(/^-UNKILLABLE /);
    expect(tachyon).toEqual(redis);
    // Both servers are gone.
    await expect(once(servers[0].port, 'PING')).rejects.toThrow();
    await expect(once(servers[1].port, 'PING')).rejects.toThrow();
  });

  test('a looping function: FUNCTION STATS shows it, SCRIPT KILL refuses, FUNCTION KILL stops it', async () => {
    servers = await startBoth();
    const code = "#!lua name=spin\nredis.register_function('spin', function() while true do end end)";
    const run = async (port: number) => {
      await once(port, 'FUNCTION', 'LOAD', code);
      return busyScenario(port, ['FCALL', 'spin', '0'], async (other) => {
        const stats = await other.call('FUNCTION', 'STATS');
        // duration_ms differs between runs: keep the shape and the name.
        const shown = text(stats).replace(/"duration_ms", :\d+/, 'duration');
        return [
          text(await other.call('PING')),
          shown,
          text(await other.call('SCRIPT', 'KILL')),
          await once(port, 'FUNCTION', 'KILL'),
        ];
      });
    };
    const redis = await run(servers[0].port);
    const tachyon = await run(servers[1].port);
    expect(redis[0]).toBe('-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.');
    expect(tachyon).toEqual(redis);
  });
});
