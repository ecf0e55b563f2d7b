/**
 * Protected mode, rename-command and the protected commands, against a real
 * redis-server 7.0: a client from a non-loopback address is refused while
 * the default user has no password (and let in once it has one); renamed
 * commands answer by their new names only, for data commands and the ones
 * TypeScript runs alike, while ACL rules keep the original names.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Config } from '../../src/config/config';
import { TachyonServer } from '../../src/server';
import { startRedisOracle } from '../helpers/redis-oracle';
import { RespClient, formatReply } from '../helpers/resp';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-protected-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The first address of this machine that is not loopback (protected mode refuses clients from it). */
const external = Object.values(os.networkInterfaces())
  .flat()
  .find((i) => i && !i.internal && i.family === 'IPv4')?.address;

async function both(conf: string): Promise<{ redis: { port: number; close(): Promise<void> }; tachyon: { port: number; close(): Promise<void> } }> {
  const redis = await startRedisOracle({ configFile: (port) => `port ${port}\nsave ""\n${conf}` });
  const file = path.join(tmp, `t-${Date.now()}.conf`);
  fs.writeFileSync(file, `port 0\nsave ""\n${conf}`);
  const server = new TachyonServer(Config.fromSources({ file }));
  await server.listen();
  return { redis, tachyon: { port: server.port, close: () => server.close() } };
}

/** Runs the commands on one connection to host:port; the replies, or where the connection closed. */
async function run(port: number, host: string, ...cmds: string[][]): Promise<string[]> {
  const c = await RespClient.connect(port, { host, timeoutMs: 3000 });
  const out: string[] = [];
  try {
    for (const cmd of cmds) {
      try {
        out.push(formatReply(await c.call(...cmd)));
      } catch (e) {
        out.push(`<${(e as Error).name}>`);
        break;
      }
    }
  } finally {
    await c.close();
  }
  return out;
}

describe('protected mode', () => {
  test.skipIf(!external)('a remote client is refused while the default user has no password', async () => {
    const s = await both('bind * -::*\nprotected-mode yes\n');
    try {
      for (const host of [external as string, '127.0.0.1']) {
        const r = await run(s.redis.port, host, ['PING'], ['PING']);
        expect(r[0]).toMatch(host === '127.0.0.1' ? /^\+PONG$/ : /^-DENIED Redis is running in protected mode/);
        expect(await run(s.tachyon.port, host, ['PING'], ['PING'])).toEqual(r);
      }
      // A password for the default user lets remote clients in (to authenticate).
      for (const port of [s.redis.port, s.tachyon.port]) {
        expect(await run(port, '127.0.0.1', ['CONFIG', 'SET', 'requirepass', 'pw'])).toEqual(['+OK']);
      }
      const r = await run(s.redis.port, external as string, ['PING'], ['AUTH', 'pw'], ['PING']);
      expect(await run(s.tachyon.port, external as string, ['PING'], ['AUTH', 'pw'], ['PING'])).toEqual(r);
      expect(r[2]).toBe('+PONG');
    } finally {
      await Promise.all([s.redis.close(), s.tachyon.close()]);
    }
  });
});

describe('rename-command', () => {
  test('renamed and removed commands, for the dispatcher, TypeScript commands and ACLs', async () => {
    const s = await both('rename-command get fetch\nrename-command flushall ""\nrename-command config cfg\nrename-command client CLI\n');
    try {
      const script = [
        ['SET', 'k', 'v'],
        ['GET', 'k'],
        ['FETCH', 'k'],
        ['FLUSHALL'],
        ['CONFIG', 'GET', 'maxmemory'],
        ['CFG', 'GET', 'maxmemory'],
        ['cfg', 'set', 'maxmemory-policy', 'allkeys-lru'],
        ['CLI', 'SETNAME', 'renamed'],
        ['CLI', 'GETNAME'],
        ['EVAL', "return redis.call('fetch', 'k')", '0'],
        ['EVAL', "return redis.call('get', 'k')", '0'],
        ['MULTI'],
        ['FETCH', 'k'],
        ['GET', 'k'],
        ['EXEC'],
        ['ACL', 'SETUSER', 'u', 'on', 'nopass', '~*', '+get', '+config|get'],
        ['ACL', 'SETUSER', 'u', '+fetch'],
        ['ACL', 'DRYRUN', 'u', 'fetch', 'k'],
        ['ACL', 'DRYRUN', 'u', 'get', 'k'],
        ['ACL', 'DRYRUN', 'u', 'cfg', 'get', 'x'],
        ['AUTH', 'u', 'x'],
        ['FETCH', 'k'],
        ['SET', 'k', 'w'],
      ];
      const r = await run(s.redis.port, '127.0.0.1', ...script);
      expect(r[1]).toMatch(/^-ERR unknown command 'GET'/);
      expect(r[2]).toBe('"v"');
      expect(await run(s.tachyon.port, '127.0.0.1', ...script)).toEqual(r);
    } finally {
      await Promise.all([s.redis.close(), s.tachyon.close()]);
    }
  });

  test('renaming a command that does not exist is a config error', () => {
    const file = path.join(tmp, 'bad.conf');
    fs.writeFileSync(file, 'port 0\nrename-command nosuchcommand x\n');
    expect(() => new TachyonServer(Config.fromSources({ file }))).toThrow('No such command in rename-command');
  });
});
