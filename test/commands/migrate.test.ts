/**
 * MIGRATE compared with real redis-server 7.0: the same script of MIGRATEs
 * (every type, COPY, REPLACE, KEYS, NOKEY, BUSYKEY, a wrong db, AUTH and
 * AUTH2, refused and silent targets, option errors, MULTI/EXEC, scripts)
 * run Redis->Redis and Tachyon->Tachyon, Tachyon->Redis, Redis->Tachyon;
 * every reply, what is left on both sides and each moved value's DUMP bytes
 * must be Redis->Redis's. Then what Redis's blocking hides: the DEL the
 * source's AOF and replica get, the cached target connection (reused, its
 * SELECT skipped, closed after 10 s idle), other clients served meanwhile,
 * a key changed during the transfer left in place, and deletions held back
 * by a CLIENT PAUSE.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type Redis from 'ioredis';
import { beforeAll, describe, expect, test } from 'vitest';
import { serversOfFile, tempDir, type Kind, type ServerProc } from '../persistence/helpers';
import { info, waitFor, waitLinkUp } from '../replication/helpers';
import { getFreePort } from '../helpers/redis-oracle'; // a port nothing listens on
import { tcpTarget, type TcpTarget } from '../helpers/tcp-target';

const start = serversOfFile();
const servers: Record<string, ServerProc> = {};

/** A reply as comparable text; errors as "!text". */
async function r(c: Redis, ...args: (string | number | Buffer)[]): Promise<string> {
  try {
    const v = await c.callBuffer(String(args[0]), ...args.slice(1).map((a) => (typeof a === 'number' ? String(a) : a)));
    return JSON.stringify(v, (_k, x) => (x && x.type === 'Buffer' && Array.isArray(x.data) ? Buffer.from(x.data).toString('latin1') : x));
  } catch (e) {
    return `!${(e as Error).message}`;
  }
}

/** A TCP server that answers each received batch with `reply` after `delayMs` (never, when reply is null). */
function fakeTarget(reply: ((data: string) => string) | null, delayMs = 0): Promise<TcpTarget> {
  return tcpTarget((c) =>
    c.on('data', (d) => {
      if (reply) setTimeout(() => c.destroyed || c.write(reply(d.toString('latin1'))), delayMs);
    }),
  );
}

/** One key of every type and encoding, in db 0 of `c`. */
async function populate(c: Redis): Promise<string[]> {
  await c.set('str', 'hello world');
  await c.set('int', '12345');
  await c.set('raw', 'x'.repeat(100));
  await c.set('ttl', 'soon', 'PX', 100000);
  await c.rpush('list', 'a', 'b', '1', '2');
  await c.rpush('biglist', ...Array.from({ length: 300 }, (_, i) => `element-${i}`));
  await c.hset('hash', 'f', 'v', 'g', '2');
  await c.hset('bighash', ...Array.from({ length: 300 }, (_, i) => [`f${i}`, `v${i}`]).flat());
  await c.sadd('intset', 1, 2, 3);
  await c.sadd('set', 'a', 'b', 'c');
  await c.zadd('zset', 1, 'a', 2.5, 'b');
  await c.zadd('bigzset', ...Array.from({ length: 200 }, (_, i) => [i, `m${i}`]).flat());
  await c.pfadd('hll', 'a', 'b', 'c');
  await c.xadd('stream', '1-1', 'f', 'v');
  await c.xadd('stream', '2-1', 'g', 'w');
  await c.xgroup('CREATE', 'stream', 'grp', '0');
  await c.xreadgroup('GROUP', 'grp', 'alice', 'COUNT', 1, 'STREAMS', 'stream', '>');
  return ['str', 'int', 'raw', 'ttl', 'list', 'biglist', 'hash', 'bighash', 'intset', 'set', 'zset', 'bigzset', 'hll', 'stream'];
}

/**
 * The script, from `src` to `dst`: returns the log of every reply and
 * observation, which must not depend on which servers play the parts.
 */
async function script(src: ServerProc, dst: ServerProc): Promise<string[]> {
  const a = src.client;
  const b = dst.client;
  const log: string[] = [];
  const note = async (label: string, v: Promise<string>) => log.push(`${label} ${await v}`);
  await a.flushall();
  await b.flushall();
  await b.call('CONFIG', 'SET', 'requirepass', '');
  await a.call('SELECT', 0);
  const keys = await populate(a);
  const dumps: Record<string, string> = {};
  for (const k of keys) dumps[k] = await r(a, 'DUMP', k);
  const host = '127.0.0.1';
  const port = dst.port;

  // One key at a time into db 0, then check source and target.
  for (const k of keys) await note(`migrate ${k}`, r(a, 'MIGRATE', host, port, k, 0, 5000));
  for (const k of keys) {
    await note(`src exists ${k}`, r(a, 'EXISTS', k));
    // A hashtable's DUMP lists its members in the order of a hash seeded per
    // process: the contents then; every other value byte for byte.
    if (k === 'set') await note('dst set', r(b, 'SORT', 'set', 'ALPHA'));
    else if (k === 'bighash') log.push(`dst bighash ${JSON.stringify(Object.entries(await b.hgetall(k)).sort())}`);
    else log.push(`dst dump ${k} ${(await r(b, 'DUMP', k)) === dumps[k]}`);
  }
  const pttl = Number(await b.pttl('ttl'));
  log.push(`dst pttl in range ${pttl > 90000 && pttl <= 100000}`);
  await note('dst ttl of str', r(b, 'TTL', 'str'));

  // NOKEY, COPY, BUSYKEY, REPLACE.
  await note('nokey', r(a, 'MIGRATE', host, port, 'missing', 0, 1000));
  await note('nokey keys', r(a, 'MIGRATE', host, port, '', 0, 1000, 'KEYS', 'x', 'y'));
  await a.set('k1', 'v1');
  await note('copy', r(a, 'MIGRATE', host, port, 'k1', 0, 1000, 'COPY'));
  await note('src after copy', r(a, 'GET', 'k1'));
  await a.set('k1', 'v2');
  await note('busy', r(a, 'MIGRATE', host, port, 'k1', 0, 1000));
  await note('src after busy', r(a, 'GET', 'k1'));
  await note('busy copy', r(a, 'MIGRATE', host, port, 'k1', 0, 1000, 'COPY'));
  await note('replace copy', r(a, 'MIGRATE', host, port, 'k1', 0, 1000, 'COPY', 'REPLACE'));
  await note('dst after replace', r(b, 'GET', 'k1'));
  await note('replace', r(a, 'MIGRATE', host, port, 'k1', 0, 1000, 'REPLACE'));
  await note('src after replace', r(a, 'EXISTS', 'k1'));

  // KEYS into another db, one of them busy there: the others move.
  await a.mset('m1', '1', 'm2', '2', 'm3', '3');
  await b.call('SELECT', 3);
  await b.set('m2', 'there');
  await note('keys busy', r(a, 'MIGRATE', host, port, '', 3, 1000, 'KEYS', 'm1', 'm2', 'nosuch', 'm3'));
  await note('src after keys', r(a, 'MGET', 'm1', 'm2', 'm3'));
  await note('dst after keys', r(b, 'MGET', 'm1', 'm2', 'm3'));
  await note('keys replace', r(a, 'MIGRATE', host, port, '', 3, 1000, 'REPLACE', 'KEYS', 'm2'));
  await note('dst m2', r(b, 'GET', 'm2'));
  await b.call('SELECT', 0);

  // A db the target does not have; then the key is still here.
  await a.set('w', 'x');
  await note('wrong db', r(a, 'MIGRATE', host, port, 'w', 99, 1000));
  await note('after wrong db', r(a, 'MIGRATE', host, port, 'w', 0, 1000));

  // Option errors, before anything is sent.
  await a.set('e', '1');
  for (const bad of [
    ['e', 0, 1000, 'FOO'],
    ['e', 0, 1000, 'AUTH'],
    ['e', 0, 1000, 'AUTH2', 'u'],
    ['e', 0, 1000, 'KEYS', 'e'],
    ['e', 'x', 1000],
    ['e', 0, 'x'],
    ['e', 0],
    ['', 0, 1000, 'KEYS'],
    ['e', '0', '1000', 'COPY', 'KEYS', 'e'],
  ]) {
    await note(`bad ${bad.join(' ')}`, r(a, 'MIGRATE', host, port, ...bad));
  }

  // AUTH and AUTH2 to a target with a password (Redis keeps the cached
  // connection authenticated: a MIGRATE without AUTH after one with it works).
  await note('auth not needed', r(a, 'MIGRATE', host, port, 'e', 0, 1000, 'COPY', 'AUTH', 'pw'));
  await b.call('CONFIG', 'SET', 'requirepass', 'pw');
  await b.call('AUTH', 'pw');
  await b.call('ACL', 'SETUSER', 'mover', 'on', '>mpw', '~*', '+@all');
  await b.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'); // drops the source's cached connection
  await a.set('p', 'secret');
  await note('noauth', r(a, 'MIGRATE', host, port, 'p', 0, 1000));
  await b.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
  await note('wrong pass', r(a, 'MIGRATE', host, port, 'p', 0, 1000, 'AUTH', 'nope'));
  await note('auth', r(a, 'MIGRATE', host, port, 'p', 0, 1000, 'COPY', 'AUTH', 'pw'));
  await note('auth2 wrong', r(a, 'MIGRATE', host, port, 'p', 0, 1000, 'AUTH2', 'mover', 'bad', 'REPLACE'));
  await note('auth2', r(a, 'MIGRATE', host, port, 'p', 0, 1000, 'REPLACE', 'AUTH2', 'mover', 'mpw'));
  await note('dst p', r(b, 'GET', 'p'));
  await b.call('CONFIG', 'SET', 'requirepass', '');
  await b.call('ACL', 'DELUSER', 'mover');

  // In a transaction and from a script.
  await a.set('t1', 'in-multi');
  await a.set('t2', 'in-script');
  await note('multi', r(a, 'MULTI'));
  await note('queued', r(a, 'MIGRATE', host, port, 't1', 0, 1000));
  await note('exec', r(a, 'EXEC'));
  await note('eval', r(a, 'EVAL', `return redis.call('MIGRATE', '${host}', '${port}', KEYS[1], '0', '1000')`, 1, 't2'));
  await a.call('SELECT', 5);
  await a.set('t3', 'script-db');
  await a.call('SELECT', 0);
  await note('eval in db 5', r(a, 'EVAL', `redis.call('SELECT', 5) return redis.call('MIGRATE', '${host}', '${port}', KEYS[1], '0', '1000')`, 1, 't3'));
  await note('after multi and script', r(a, 'EXISTS', 't1', 't2'));
  await note('dst t1 t2 t3', r(b, 'MGET', 't1', 't2', 't3'));

  // Nobody there, then a host that does not resolve.
  await a.set('n', '1');
  await note('refused', r(a, 'MIGRATE', host, await getFreePort(), 'n', 0, 500));
  await note('bad host', r(a, 'MIGRATE', 'nonexistent.invalid', 1, 'n', 0, 500));
  await note('negative port', r(a, 'MIGRATE', host, '-5', 'n', 0, 500));
  await note('empty host', r(a, 'MIGRATE', '', 1, 'n', 0, 500));
  await note('n stays', r(a, 'GET', 'n'));
  return log;
}

const KINDS: Kind[] = ['redis', 'tachyon'];

describe('MIGRATE, differential', () => {
  beforeAll(async () => {
    for (const k of KINDS) {
      servers[`${k}-a`] = await start(k, tempDir(`migrate-${k}-a`));
      servers[`${k}-b`] = await start(k, tempDir(`migrate-${k}-b`));
    }
  }, 60_000);

  let oracle: string[] | undefined;
  const reference = async () => (oracle ??= await script(servers['redis-a'], servers['redis-b']));

  test('Redis -> Redis is the reference: the script moves what it should', async () => {
    const log = await reference();
    expect(log).toContain('migrate stream "OK"');
    expect(log).toContain('dst dump stream true');
    expect(log).toContain('busy !ERR Target instance replied with error: BUSYKEY Target key name already exists.');
  }, 60_000);

  for (const [from, to] of [
    ['tachyon', 'tachyon'],
    ['tachyon', 'redis'],
    ['redis', 'tachyon'],
  ] as const) {
    test(`${from} -> ${to} answers and moves as Redis -> Redis`, async () => {
      const ref = await reference();
      // Redis keeps its cached connection: start each pair from fresh ones.
      const log = await script(servers[`${from}-a`], servers[`${to}-b`]);
      expect(log).toEqual(ref);
    }, 60_000);
  }

  test('a silent target: reading times out, nothing is deleted', async () => {
    const silent = await fakeTarget(null);
    try {
      for (const k of KINDS) {
        const a = servers[`${k}-a`].client;
        await a.set('slow', 'v');
        const t0 = Date.now();
        expect(await r(a, 'MIGRATE', '127.0.0.1', silent.port, 'slow', 0, 300), k).toBe('!IOERR error or timeout reading to target instance');
        expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
        expect(await r(a, 'GET', 'slow')).toBe('"v"');
      }
    } finally {
      await silent.close();
    }
  }, 30_000);
});

describe('MIGRATE, what blocking hides', () => {
  test('the DEL reaches the AOF as in Redis, and a replica loses the keys', async () => {
    const frames: Record<string, string> = {};
    for (const k of KINDS) {
      const dir = tempDir(`migrate-aof-${k}`);
      const src = await start(k, dir, { appendonly: 'yes', appendfsync: 'always', 'repl-diskless-sync-delay': 0 });
      const dst = await start(k, tempDir(`migrate-aofdst-${k}`));
      const replica = await start(k, tempDir(`migrate-replica-${k}`), { replicaof: `127.0.0.1 ${src.port}` });
      await waitLinkUp(replica);
      await src.client.call('SELECT', 2);
      await src.client.mset('a', '1', 'b', '2', 'c', '3');
      await dst.client.call('SELECT', 5);
      await dst.client.set('b', 'busy');
      expect(await r(src.client, 'MIGRATE', '127.0.0.1', dst.port, '', 5, 2000, 'KEYS', 'a', 'b', 'c')).toBe(
        '!ERR Target instance replied with error: BUSYKEY Target key name already exists.',
      );
      expect(await r(src.client, 'MIGRATE', '127.0.0.1', dst.port, '', 5, 2000, 'COPY', 'REPLACE', 'KEYS', 'b')).toBe('"OK"');
      // Inside MULTI/EXEC: the DEL inside the transaction's MULTI ... EXEC.
      await src.client.set('d', '4');
      expect(await src.client.multi().set('e', '5').call('MIGRATE', '127.0.0.1', String(dst.port), 'd', '5', '2000').exec()).toEqual([
        [null, 'OK'],
        [null, 'OK'],
      ]);
      await src.client.set('after', 'x');
      const aofDir = path.join(dir, 'appendonlydir');
      const incr = fs.readdirSync(aofDir).find((f) => f.endsWith('.incr.aof'))!;
      const aof = fs.readFileSync(path.join(aofDir, incr), 'latin1');
      const tail = aof.slice(aof.indexOf('mset') >= 0 ? aof.indexOf('mset') : aof.indexOf('MSET'));
      frames[k] = tail;
      await waitFor(async () => (await info(replica)).master_repl_offset === (await info(src)).master_repl_offset, 10000, 'replica offset');
      await replica.client.call('SELECT', 2);
      expect(await r(replica.client, 'MGET', 'a', 'b', 'c', 'd', 'e', 'after'), k).toBe('[null,"2",null,null,"5","x"]');
    }
    // One DEL of the keys the target took (a and c), nothing for the COPY,
    // and in a transaction the DEL between its MULTI and EXEC: Redis's bytes.
    expect(frames.redis).toContain('*3\r\n$3\r\nDEL\r\n$1\r\na\r\n$1\r\nc\r\n');
    expect(frames.tachyon).toBe(frames.redis);
  }, 60_000);

  test('the target connection is cached: one connection, SELECT once, closed after 10 s unused', async () => {
    const dsts: Record<string, ServerProc> = {};
    await Promise.all(
      KINDS.map(async (k) => {
        const a = servers[`${k}-a`];
        const b = (dsts[k] = await start(k, tempDir(`migrate-cache-${k}`)));
        for (let i = 0; i < 5; i++) {
          await a.client.set(`c${i}`, 'v');
          expect(await r(a.client, 'MIGRATE', '127.0.0.1', b.port, `c${i}`, 4, 1000)).toBe('"OK"');
        }
        const stats = (await b.client.call('INFO', 'commandstats')) as string;
        expect(stats, k).toMatch(/cmdstat_select:calls=1,/);
        expect(stats, k).toMatch(/cmdstat_restore:calls=5,/);
        expect(Number((await info(b, 'clients')).connected_clients), k).toBe(2);
        await waitFor(async () => Number((await info(b, 'clients')).connected_clients) === 1, 15000, `${k} cached connection closed`);
      }),
    );
  }, 40_000);

  test('Tachyon serves other clients meanwhile, and keeps a key changed during the transfer', async () => {
    const a = servers['tachyon-a'];
    // Acknowledges each RESTORE (and SELECT) after 400 ms.
    const slow = await fakeTarget((d) => '+OK\r\n'.repeat((d.match(/\*\d+\r\n/g) ?? []).length), 400);
    try {
      await a.client.set('moving', 'before');
      await a.client.set('steady', 'v');
      const other = a.client.duplicate();
      const pending = r(a.client, 'MIGRATE', '127.0.0.1', slow.port, '', 0, 5000, 'KEYS', 'moving', 'steady');
      await new Promise((res) => setTimeout(res, 100));
      const t0 = Date.now();
      expect(await other.ping()).toBe('PONG');
      expect(Date.now() - t0).toBeLessThan(200);
      await other.set('moving', 'after');
      expect(await pending).toBe('"OK"');
      expect(await r(other, 'MGET', 'moving', 'steady')).toBe('["after",null]');
      other.disconnect();
    } finally {
      await slow.close();
    }
  }, 20_000);

  test('Tachyon deletes nothing during a CLIENT PAUSE: the reply and the deletion wait for its end', async () => {
    const a = servers['tachyon-a'];
    const slow = await fakeTarget((d) => '+OK\r\n'.repeat((d.match(/\*\d+\r\n/g) ?? []).length), 300);
    try {
      await a.client.set('paused', 'v');
      const other = a.client.duplicate();
      const t0 = Date.now();
      const pending = r(a.client, 'MIGRATE', '127.0.0.1', slow.port, 'paused', 0, 5000);
      await new Promise((res) => setTimeout(res, 100));
      expect(await other.call('CLIENT', 'PAUSE', 1200, 'WRITE')).toBe('OK');
      await new Promise((res) => setTimeout(res, 500)); // the target has answered by now
      expect(await other.get('paused')).toBe('v');
      expect(await pending).toBe('"OK"');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1250);
      expect(await other.exists('paused')).toBe(0);
      other.disconnect();
    } finally {
      await slow.close();
    }
  }, 20_000);
});
