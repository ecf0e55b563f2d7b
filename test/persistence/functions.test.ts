/**
 * Function libraries and scripts in persistence, against redis-server 7.0.15:
 * libraries saved as FUNCTION2 records (the same bytes as Redis's), loaded
 * from Redis's files and back, written to the AOF base (FUNCTION LOAD) and
 * their changes (FUNCTION LOAD / DELETE / FLUSH / RESTORE) propagated; scripts
 * (EVAL, FCALL) propagated as their effects, in MULTI/EXEC when they write
 * more than once, honouring redis.set_repl: the incr files compared with
 * Redis's for the same commands.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type Redis from 'ioredis';
import { describe, expect, it } from 'vitest';
import { stop, tempDir, type Kind, type ServerProc, serversOfFile, show, call, type Cmd } from './helpers';

const start = serversOfFile();


const LIB_A = [
  '#!lua name=liba',
  "redis.register_function('seta', function(keys, args) redis.call('SET', keys[1], args[1]); return redis.call('INCR', 'calls') end)",
  "redis.register_function{function_name='geta', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}}",
].join('\n');
const LIB_B = "#!lua name=libb\nredis.register_function('one', function(keys) return redis.call('SET', keys[1], 'one') end)";
const LIB_B2 = "#!lua name=libb\nredis.register_function('two', function(keys) return redis.call('LPUSH', keys[1], 'x', 'y') end)";

/** An RDB file after its header and AUX fields, without the checksum. */
function dataSection(file: Buffer): Buffer {
  const skipString = (b: Buffer, p: number): number => {
    const t = b[p] >> 6;
    if (t === 3) return p + [2, 3, 5][b[p] & 0x3f];
    if (t === 0) return p + 1 + (b[p] & 0x3f);
    if (t === 1) return p + 2 + (((b[p] & 0x3f) << 8) | b[p + 1]);
    return p + 5 + b.readUInt32BE(p + 1);
  };
  let p = 9;
  while (file[p] === 0xfa) p = skipString(file, skipString(file, p + 1));
  return file.subarray(p, file.length - 8);
}

const AOF = { appendonly: 'yes', appendfsync: 'always', 'aof-use-rdb-preamble': 'no' };
function aofFile(dir: string, type: 'b' | 'i'): string {
  const manifest = fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
  const name = manifest
    .split('\n')
    .find((l) => l.endsWith(`type ${type}`))!
    .split(' ')[1];
  return fs.readFileSync(path.join(dir, 'appendonlydir', name), 'latin1');
}
const normalizeTimes = (aof: string) => aof.replace(/\$13\r\n1\d{12}\r\n/g, '$13\r\n<ms>\r\n');

async function pair(config: Record<string, string> = {}): Promise<ServerProc[]> {
  return [await start('redis', tempDir('fn-redis'), config), await start('tachyon', tempDir('fn-tachyon'), config)];
}
/** FUNCTION LIST with each library's functions by name (Redis lists them in its table's order). */
function canon(reply: unknown): string {
  const v = JSON.parse(show(reply));
  if (!Array.isArray(v)) return show(reply);
  if (v.every((lib) => Array.isArray(lib) && lib[0] === 'library_name')) v.sort((a: string[], b: string[]) => (a[1] < b[1] ? -1 : 1));
  for (const lib of v) {
    const i = Array.isArray(lib) ? lib.indexOf('functions') : -1;
    if (i >= 0) lib[i + 1].sort((a: string[], b: string[]) => (a[1] < b[1] ? -1 : 1));
  }
  return JSON.stringify(v);
}
async function run(servers: ServerProc[], cmds: Cmd[]): Promise<void> {
  for (const cmd of cmds) {
    const replies = await Promise.all(servers.map((s) => call(s.client, cmd).catch((e) => `ERR ${e.message}`)));
    expect(canon(replies[1]), cmd.map(String).join(' ').slice(0, 120)).toBe(canon(replies[0]));
  }
}

describe('function libraries in RDB files', () => {
  it('SAVE writes the library as Redis does (FUNCTION2), and each server loads the other\'s file', async () => {
    const servers = await pair();
    await run(servers, [['FUNCTION', 'LOAD', LIB_A], ['SET', 'k', 'v']]);
    for (const s of servers) await s.client.save();
    const files = servers.map((s) => fs.readFileSync(path.join(s.dir, 'dump.rdb')));
    expect(dataSection(files[1]).toString('hex')).toBe(dataSection(files[0]).toString('hex'));
    expect(dataSection(files[1])[0]).toBe(0xf5);
    expect(execFileSync('redis-check-rdb', [path.join(servers[1].dir, 'dump.rdb')]).toString()).toMatch(/RDB looks OK/);
    const list = canon(await servers[0].client.call('FUNCTION', 'LIST', 'WITHCODE'));
    for (const s of servers) await stop(s);
    // Crossed: each server starts on the other's file.
    for (const [from, to] of [[0, 1], [1, 0]]) {
      const dir = tempDir('fn-cross');
      fs.writeFileSync(path.join(dir, 'dump.rdb'), files[from]);
      const s = await start(servers[to].kind, dir);
      expect(canon(await s.client.call('FUNCTION', 'LIST', 'WITHCODE'))).toBe(list);
      expect(await s.client.call('FCALL', 'seta', '1', 'x', 'y')).toBe(1);
      await stop(s);
    }
  });

  it('several libraries: FUNCTION DUMP and the file round-trip to the same libraries', async () => {
    const servers = await pair();
    await run(servers, [['FUNCTION', 'LOAD', LIB_A], ['FUNCTION', 'LOAD', LIB_B], ['FUNCTION', 'LIST']]);
    const lists = await Promise.all(servers.map((s) => s.client.call('FUNCTION', 'LIST', 'WITHCODE')));
    const dumps = (await Promise.all(servers.map((s) => s.client.callBuffer('FUNCTION', 'DUMP')))) as Buffer[];
    // Library order follows each process's table: same size, and each restores the other's.
    expect(dumps[1].length).toBe(dumps[0].length);
    await run(servers, [['FUNCTION', 'FLUSH'], ['FUNCTION', 'RESTORE', dumps[0]], ['FUNCTION', 'LIST', 'WITHCODE']]);
    await run(servers, [['FUNCTION', 'FLUSH'], ['FUNCTION', 'RESTORE', dumps[1]], ['FUNCTION', 'LIST', 'WITHCODE']]);
    await servers[1].client.save();
    const t = servers[1];
    await stop(t);
    const again = await start('tachyon', t.dir);
    expect(canon(await again.client.call('FUNCTION', 'LIST', 'WITHCODE'))).toBe(canon(lists[1]));
    await stop(again);
  });

  it('a library that does not load refuses the file, as Redis does', async () => {
    const [redis] = await pair({ rdbcompression: 'no' });
    await redis.client.call('FUNCTION', 'LOAD', LIB_B);
    await redis.client.save();
    const file = fs.readFileSync(path.join(redis.dir, 'dump.rdb'));
    // Break the library's code (same length, checksum off) on a copy.
    const bad = Buffer.from(file);
    const at = bad.indexOf('register_function');
    bad.write('register_fXnction', at);
    bad.fill(0, bad.length - 8);
    const logs: string[] = [];
    for (const kind of ['redis', 'tachyon'] as Kind[]) {
      const dir = tempDir(`fn-bad-${kind}`);
      fs.writeFileSync(path.join(dir, 'dump.rdb'), bad);
      const s = await start(kind, dir, {}, { mayExit: true });
      // Redis ends through its rdb checker, whose verdict (the file's format is fine) is its exit code.
      await s.exited;
      logs.push(s.logs());
    }
    const line = (l: string) => l.match(/# (Failed loading library, .*)/)?.[1];
    expect(line(logs[0])).toMatch(/nonexistent global variable 'register_fXnction'/);
    expect(line(logs[1]), logs[1]).toBe(line(logs[0]));
  });
});

describe('functions and scripts in the AOF', () => {
  it('FUNCTION LOAD / DELETE / FLUSH / RESTORE reach the incr file as in Redis', async () => {
    const servers = await pair(AOF);
    await run(servers, [['FUNCTION', 'LOAD', LIB_A], ['FUNCTION', 'LOAD', LIB_B]]);
    const dump = (await servers[0].client.callBuffer('FUNCTION', 'DUMP')) as Buffer;
    await run(servers, [
      ['FUNCTION', 'LOAD', LIB_B],
      ['FUNCTION', 'LOAD', 'REPLACE', LIB_B2],
      ['FUNCTION', 'DELETE', 'libb'],
      ['FUNCTION', 'DELETE', 'nothing'],
      ['FUNCTION', 'FLUSH', 'ASYNC'],
      ['FUNCTION', 'FLUSH'],
      ['FUNCTION', 'RESTORE', dump],
      ['FUNCTION', 'RESTORE', dump, 'REPLACE'],
      ['FUNCTION', 'RESTORE', dump, 'FLUSH'],
      ['FUNCTION', 'LIST'],
      ['FUNCTION', 'STATS'],
    ]);
    const files = servers.map((s) => aofFile(s.dir, 'i'));
    for (const s of servers) await stop(s);
    expect(files[1]).toBe(files[0]);
    // It loads back.
    const again = await start('tachyon', servers[1].dir, AOF);
    expect(show(await again.client.call('FUNCTION', 'LIST'))).toMatch(/liba/);
    await stop(again);
  });

  it('scripts are propagated as their effects, in MULTI/EXEC when they write more than once', async () => {
    const servers = await pair(AOF);
    await run(servers, [
      ['EVAL', "return redis.call('SET', KEYS[1], 'v')", '1', 'one'],
      ['EVAL', "redis.call('SET', KEYS[1], 'a'); redis.call('INCR', 'n'); return redis.call('RPUSH', 'l', 'x')", '1', 'k'],
      ['EVAL', "return redis.call('GET', 'k')", '0'],
      ['EVAL', "redis.call('SET', 'ttl', 'v', 'EX', '100'); return redis.call('EXPIRE', 'k', 50)", '0'],
      ['EVAL', "redis.call('SELECT', 3); redis.call('SET', 'in3', '1'); redis.call('SELECT', 0); return redis.call('SET', 'in0', '1')", '0'],
      ['EVAL', "redis.call('DEL', 'missing'); return redis.call('INCR', 'n')", '0'],
      ['EVAL', "redis.set_repl(redis.REPL_NONE); redis.call('SET', 'hidden', '1'); redis.set_repl(redis.REPL_ALL); redis.call('SET', 'shown', '1'); return 1", '0'],
      ['EVAL', "redis.set_repl(redis.REPL_AOF); redis.call('SET', 'aof', '1'); redis.set_repl(redis.REPL_REPLICA); redis.call('SET', 'replica', '1'); return 1", '0'],
      ['EVAL', "redis.set_repl(redis.REPL_SLAVE); redis.call('SET', 'slave', '1'); redis.set_repl(redis.REPL_NONE); return redis.call('SET', 'none', '1')", '0'],
      ['EVAL', "redis.call('SET', 'partial', '1'); return redis.call('INCR', 'partial-not-int')", '0'],
      ['SET', 'str', 'x'],
      ['EVAL', "redis.call('SET', 'before-error', '1'); return redis.call('LPUSH', 'str', 'x')", '0'],
      ['EVAL', "redis.call('SADD', 's', 'a'); return redis.call('SPOP', 's')", '0'],
      ['MULTI'],
      ['EVAL', "redis.call('SET', 'm1', '1'); return redis.call('SET', 'm2', '2')", '0'],
      ['SET', 'm3', '3'],
      ['EXEC'],
      ['FUNCTION', 'LOAD', LIB_A],
      ['FCALL', 'seta', '1', 'fk', 'fv'],
      ['FCALL_RO', 'geta', '1', 'fk'],
      ['FCALL', 'geta', '1', 'fk'],
    ]);
    const files = servers.map((s) => aofFile(s.dir, 'i'));
    for (const s of servers) await stop(s);
    expect(normalizeTimes(files[1])).toBe(normalizeTimes(files[0]));
    expect(files[0]).toMatch(/MULTI/);
  });

  it('BGREWRITEAOF starts the base with the libraries (FUNCTION LOAD), as Redis; both preamble forms load back', async () => {
    for (const preamble of ['no', 'yes']) {
      const servers = await pair({ ...AOF, 'aof-use-rdb-preamble': preamble });
      await run(servers, [['FUNCTION', 'LOAD', LIB_A], ['SET', 'k', 'v']]);
      for (const s of servers) {
        await s.client.bgrewriteaof();
        for (let i = 0; i < 200; i++) {
          const info = (await s.client.info('persistence')) as string;
          if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info) && /aof_last_bgrewrite_status:ok/.test(info)) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      const bases = servers.map((s) => aofFile(s.dir, 'b'));
      if (preamble === 'no') {
        expect(bases[1]).toBe(bases[0]);
        expect(bases[0].startsWith('*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n')).toBe(true);
      } else {
        expect(bases[1].startsWith('REDIS0010')).toBe(true);
      }
      for (const s of servers) await stop(s);
      const again = await start('tachyon', servers[1].dir, { ...AOF, 'aof-use-rdb-preamble': preamble });
      expect(await again.client.call('FCALL', 'geta', '1', 'k')).toBe('v');
      await stop(again);
    }
  });
});
