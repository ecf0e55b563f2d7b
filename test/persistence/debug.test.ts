/**
 * The DEBUG subcommands persistence gives bodies to, against redis-server
 * 7.0.15: RELOAD (with NOSAVE, NOFLUSH, MERGE), LOADAOF,
 * SET-SKIP-CHECKSUM-VALIDATION (RESTORE and RDB loading) and AOF-FLUSH-SLEEP;
 * and loading raises no keyspace events.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Redis from 'ioredis';
import { describe, expect, it } from 'vitest';
import { snapshot, tempDir, type ServerProc, serversOfFile, show, call, type Cmd } from './helpers';

const start = serversOfFile();


async function pair(config: Record<string, string> = {}): Promise<ServerProc[]> {
  const cfg = { 'enable-debug-command': 'yes', ...config };
  return [await start('redis', tempDir('dbg-redis'), cfg), await start('tachyon', tempDir('dbg-tachyon'), cfg)];
}
async function run(servers: ServerProc[], cmds: Cmd[]): Promise<void> {
  for (const cmd of cmds) {
    const replies = await Promise.all(servers.map((s) => call(s.client, cmd).catch((e) => `ERR ${e.message}`)));
    expect(show(replies[1]), cmd.map(String).join(' ').slice(0, 120)).toBe(show(replies[0]));
  }
}

const LIB = "#!lua name=lib\nredis.register_function('f', function() return 'hello' end)";
const DATA: Cmd[] = [
  ['SET', 's', 'v'],
  ['SET', 'ttl', 'x', 'PXAT', '4000000000000'],
  ['RPUSH', 'l', 'a', 'b', 'c'],
  ['HSET', 'h', 'f', '1'],
  ['ZADD', 'z', '1', 'm'],
  ['SADD', 'set', '1', '2'],
  ['XADD', 'x', '1-1', 'f', 'v'],
  ['SELECT', '3'],
  ['SET', 'in3', 'three'],
  ['SELECT', '0'],
];

describe('DEBUG RELOAD', () => {
  it('saves, empties and loads back the dataset and the libraries, with no keyspace events', async () => {
    const servers = await pair({ 'notify-keyspace-events': 'KEA' });
    await run(servers, [...DATA, ['FUNCTION', 'LOAD', LIB]]);
    const events = await Promise.all(
      servers.map(async (s) => {
        const sub = s.client.duplicate();
        const seen: string[] = [];
        sub.on('pmessage', (_p: string, ch: string, msg: string) => seen.push(`${ch} ${msg}`));
        await sub.psubscribe('__key*__:*');
        return { sub, seen };
      }),
    );
    const before = await Promise.all(servers.map((s) => snapshot(s.client, 4)));
    await run(servers, [['DEBUG', 'RELOAD'], ['DBSIZE'], ['FCALL', 'f', '0'], ['DEBUG', 'DIGEST']]);
    expect(await snapshot(servers[1].client, 4)).toEqual(before[1]);
    expect(before[1]).toEqual(before[0]);
    await new Promise((r) => setTimeout(r, 100));
    for (const e of events) {
      expect(e.seen).toEqual([]);
      e.sub.disconnect();
    }
    expect(servers[1].logs()).toMatch(/DB reloaded by DEBUG RELOAD/);
  });

  it('NOSAVE loads the last save back; NOFLUSH refuses libraries already there; NOFLUSH MERGE replaces', async () => {
    const servers = await pair();
    await run(servers, [
      ...DATA,
      ['FUNCTION', 'LOAD', LIB],
      ['SAVE'],
      ['SET', 's', 'changed'],
      ['SET', 'new', 'key'],
      ['DEBUG', 'RELOAD', 'NOSAVE'],
      ['GET', 's'],
      ['EXISTS', 'new'],
      ['FCALL', 'f', '0'],
      ['SET', 'extra', '1'],
      ['SET', 's', 'mine'],
      ['DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH'],
      ['GET', 's'],
      ['DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE'],
      ['GET', 's'],
      ['GET', 'extra'],
      ['DBSIZE'],
      ['FCALL', 'f', '0'],
      ['DEBUG', 'RELOAD', 'BOGUS'],
      ['DEBUG', 'DIGEST'],
    ]);
  });

  it('SET-SKIP-CHECKSUM-VALIDATION: RESTORE and loading skip the CRC check', async () => {
    const servers = await pair();
    await run(servers, [['SET', 'k', 'value'], ['SAVE']]);
    const payload = (await servers[0].client.dumpBuffer('k')) as Buffer;
    const bad = Buffer.from(payload);
    bad[bad.length - 1] ^= 0xff;
    for (const s of servers) {
      const file = path.join(s.dir, 'dump.rdb');
      const b = fs.readFileSync(file);
      b[b.length - 1] ^= 0xff;
      fs.writeFileSync(file, b);
    }
    await run(servers, [
      ['RESTORE', 'r', '0', bad],
      ['DEBUG', 'RELOAD', 'NOSAVE'],
      ['DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1'],
      ['RESTORE', 'r', '0', bad],
      ['GET', 'r'],
      ['DEBUG', 'RELOAD', 'NOSAVE'],
      ['GET', 'k'],
      ['DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '0'],
      ['RESTORE', 'r2', '0', bad],
    ]);
  });
});

describe('DEBUG LOADAOF and AOF-FLUSH-SLEEP', () => {
  it('LOADAOF flushes the AOF and loads it back', async () => {
    const servers = await pair({ appendonly: 'yes', 'aof-use-rdb-preamble': 'no' });
    await run(servers, [...DATA, ['FUNCTION', 'LOAD', LIB], ['INCR', 'n'], ['INCR', 'n']]);
    const before = await Promise.all(servers.map((s) => snapshot(s.client, 4)));
    await run(servers, [['DEBUG', 'LOADAOF'], ['GET', 'n'], ['FCALL', 'f', '0'], ['DEBUG', 'DIGEST'], ['DBSIZE']]);
    expect(await snapshot(servers[1].client, 4)).toEqual(before[1]);
    expect(servers[1].logs()).toMatch(/Append Only File loaded by DEBUG LOADAOF/);
  });

  it('AOF-FLUSH-SLEEP delays each AOF write', async () => {
    const servers = await pair({ appendonly: 'yes' });
    await run(servers, [['DEBUG', 'AOF-FLUSH-SLEEP', '200000']]);
    for (const s of servers) {
      const t0 = Date.now();
      await s.client.set('k', 'v');
      expect(Date.now() - t0, s.kind).toBeGreaterThanOrEqual(180);
      await s.client.call('DEBUG', 'AOF-FLUSH-SLEEP', '0');
      const t1 = Date.now();
      await s.client.set('k', 'w');
      expect(Date.now() - t1, s.kind).toBeLessThan(150);
    }
  });
});
