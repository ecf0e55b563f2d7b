/**
 * Helpers for the replication suites: INFO parsing, waiting, a write load of
 * every type (expiries short and long, MULTI/EXEC, several databases,
 * non-deterministic commands), and a dataset comparison of two servers once
 * the replica caught up (same offsets, then key by key).
 */
import type Redis from 'ioredis';
import { expect } from 'vitest';
import { serversOfFile, snapshot, tempDir, type Config, type Kind, type ServerProc } from '../persistence/helpers';

/**
 * start(kind, name, config) for one test file: a server in a temporary
 * directory named after `name`, with `defaults` under its config; every one
 * is stopped once the file's tests are done (serversOfFile).
 */
export function replicationServers(defaults: Config = {}): (kind: Kind, name: string, config?: Config) => Promise<ServerProc> {
  const startOfFile = serversOfFile();
  return (kind, name, config = {}) => startOfFile(kind, tempDir(name), { ...defaults, ...config });
}

export function infoFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export async function info(s: ServerProc, section = 'replication'): Promise<Record<string, string>> {
  return infoFields((await s.client.call('INFO', section)) as string);
}

export async function waitFor(cond: () => Promise<boolean>, ms = 20000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function waitLinkUp(replica: ServerProc): Promise<void> {
  await waitFor(async () => (await info(replica)).master_link_status === 'up', 30000, 'master_link_status:up');
}

/**
 * Runs writes of every kind against `c` until stop() is called; resolves the
 * number of commands sent. Short expiries (50-300 ms) end during the run,
 * long ones stay.
 */
export function writeLoad(c: Redis, seed = 1): { stop: () => Promise<number> } {
  let running = true;
  let n = 0;
  let rnd = seed;
  const next = (m: number) => {
    rnd = (rnd * 1103515245 + 12345) & 0x7fffffff;
    return rnd % m;
  };
  const loop = (async () => {
    while (running) {
      const k = next(200);
      const db = next(3);
      const p = c.pipeline();
      p.select(db);
      switch (next(14)) {
        case 0: p.set(`s:${k}`, `v${n}`); break;
        case 1: p.incr(`n:${k % 20}`); break;
        case 2: p.rpush(`l:${k % 30}`, `e${n}`, `f${n}`); break;
        case 3: p.lpop(`l:${k % 30}`); break;
        case 4: p.sadd(`set:${k % 30}`, `m${n % 50}`); break;
        case 5: p.zadd(`z:${k % 30}`, n % 97, `m${n % 40}`); break;
        case 6: p.hset(`h:${k % 30}`, `f${n % 25}`, `v${n}`); break;
        case 7: p.set(`t:${k}`, 'short', 'PX', 50 + next(250)); break;
        case 8: p.set(`T:${k}`, 'long', 'EX', 3600); break;
        case 9: p.expire(`s:${k}`, 1000); break;
        case 10: p.del(`s:${(k + 7) % 200}`); break;
        case 11:
          p.multi();
          p.incrby(`n:${k % 20}`, 5);
          p.hincrby(`h:${k % 30}`, 'counter', 1);
          p.rpush(`l:${k % 30}`, 'in-multi');
          p.exec();
          break;
        case 12: p.spop(`set:${k % 30}`); break;
        case 13: p.incrbyfloat(`fl:${k % 10}`, '1.5'); break;
      }
      p.select(0);
      await p.exec().catch(() => {});
      n++;
      if (n % 50 === 0) await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return n;
    },
  };
}

/** Waits until the replica applied everything the master produced, then compares both datasets key by key. */
export async function expectSameData(master: ServerProc, replica: ServerProc, dbs = 3): Promise<void> {
  // Short expiries end first (the master propagates their DELs).
  await new Promise((r) => setTimeout(r, 600));
  await waitFor(
    async () => {
      const m = await info(master);
      const r = await info(replica);
      return r.master_link_status === 'up' && m.master_repl_offset === r.slave_repl_offset;
    },
    20000,
    'replica offset = master offset',
  );
  const strip = (s: Record<string, { type: string; value: unknown; expireAt: number }>) =>
    Object.fromEntries(Object.entries(s).map(([k, v]) => [k, { type: v.type, value: v.value, expireAt: v.expireAt }]));
  const [a, b] = [strip(await snapshot(master.client, dbs)), strip(await snapshot(replica.client, dbs))];
  expect(Object.keys(a).length).toBeGreaterThan(50);
  // Name the keys that differ first: a whole-keyspace diff is unreadable.
  const differing = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
    (k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]),
  );
  expect(differing).toEqual([]);
  expect(b).toEqual(a);
}
