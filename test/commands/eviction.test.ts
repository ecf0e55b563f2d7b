/**
 * maxmemory and eviction against a real redis-server 7.0: -OOM replies and
 * their text (plain commands, MULTI queuing and EXEC, scripts and their
 * flags), OBJECT FREQ / IDLETIME under each policy, volatile-* policies with
 * no volatile key, CONFIG SET maxmemory below the memory in use, and, for
 * each of the seven evicting policies, that the keys evicted are the right
 * kind (only keys with a TTL for volatile-*, cold keys before hot ones for
 * LRU and LFU, the nearest expiry first for volatile-ttl). The two servers
 * hold different byte counts for the same data, so the eviction tests set
 * each server's limit from its own used_memory and check the same
 * properties on both.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { PROTOCOLS, exp, useDifferential, type Differential } from '../helpers/differential';
import { sleep, type RespClient, type Reply } from '../helpers/resp';

const OOM = "-OOM command not allowed when used memory > 'maxmemory'.";
const POLICIES = [
  'volatile-lru',
  'volatile-lfu',
  'volatile-random',
  'volatile-ttl',
  'allkeys-lru',
  'allkeys-lfu',
  'allkeys-random',
  'noeviction',
] as const;

function text(r: Reply): string {
  if (r.type === 'bulk' || r.type === 'verbatim' || r.type === 'simple') return String(r.value);
  throw new Error(`unexpected reply ${JSON.stringify(r)}`);
}

async function infoField(c: RespClient, field: string): Promise<number> {
  const t = text(await c.call('INFO', 'all'));
  const m = t.match(new RegExp(`^${field}:(\\d+)`, 'm'));
  if (!m) throw new Error(`INFO has no ${field}`);
  return Number(m[1]);
}

/** Pipelined SETs (value `size` bytes), with EX ttl(i) when given. */
async function fill(c: RespClient, keys: string[], size: number, ttl?: (i: number) => number): Promise<void> {
  const value = 'v'.repeat(size);
  keys.forEach((k, i) => (ttl ? c.send('SET', k, value, 'EX', ttl(i)) : c.send('SET', k, value)));
  for (let i = 0; i < keys.length; i++) {
    const r = await c.read();
    if (r.type !== 'simple') throw new Error(`SET ${keys[i]} failed: ${JSON.stringify(r)}`);
  }
}

async function existing(c: RespClient, keys: string[]): Promise<Set<string>> {
  for (const k of keys) c.send('EXISTS', k);
  const out = new Set<string>();
  for (const k of keys) {
    const r = await c.read();
    if (r.type === 'integer' && Number(r.value) === 1) out.add(k);
  }
  return out;
}

/**
 * What used_memory may exceed maxmemory by when measured: the reply of the
 * INFO command that measures it and the client's buffers (Redis evicts
 * before a command, not after it).
 */
const SLACK = 16 * 1024;

/**
 * Waits until used_memory is within maxmemory and the eviction has stopped
 * (it may go on from the event loop after the command that started it).
 */
async function settle(c: RespClient, maxmemory: number): Promise<number> {
  let used = 0;
  let evicted = -1;
  for (let i = 0; i < 200; i++) {
    used = await infoField(c, 'used_memory');
    const now = await infoField(c, 'evicted_keys');
    if (used <= maxmemory + SLACK && now === evicted) return used;
    evicted = now;
    await sleep(25);
  }
  return used;
}

/** DBSIZE and evicted_keys at one instant (inside EXEC no eviction runs between them). */
async function snapshot(c: RespClient): Promise<{ dbsize: number; evicted: number }> {
  await c.call('MULTI');
  await c.call('DBSIZE');
  await c.call('INFO', 'stats');
  const r = await c.call('EXEC');
  if (r.type !== 'array' || !r.value) throw new Error(`EXEC failed: ${JSON.stringify(r)}`);
  const evicted = Number(text(r.value[1]).match(/^evicted_keys:(\d+)/m)![1]);
  return { dbsize: Number(r.value[0].value), evicted };
}

/** Runs `fn` against each server on its own (same steps, each with its own memory figures). */
async function onEach(d: Differential, fn: (c: RespClient, label: string) => Promise<void>): Promise<void> {
  await d.adminCall('CONFIG', 'RESETSTAT');
  await fn(d.main.ref, d.ref.label);
  await fn(d.main.target, d.target.label);
}

describe.each(PROTOCOLS)('maxmemory replies (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  const limit = async (bytes: number | string, policy = 'noeviction') => {
    await d.adminCall('CONFIG', 'SET', 'maxmemory-policy', policy);
    await d.adminCall('CONFIG', 'SET', 'maxmemory', String(bytes));
  };
  const unlimit = () => d.adminCall('CONFIG', 'SET', 'maxmemory', '0');

  test('denyoom commands get -OOM, the others run', async () => {
    await d.check(['SET', 'k', 'v'], ['RPUSH', 'l', 'a']);
    await limit(1);
    try {
      await d.check(
        exp(['SET', 'k2', 'v'], OOM),
        exp(['APPEND', 'k', 'x'], OOM),
        exp(['RPUSH', 'l', 'b'], OOM),
        exp(['HSET', 'h', 'f', 'v'], OOM),
        exp(['SETRANGE', 'k', '0', 'z'], OOM),
        // Commands that cannot grow memory still run.
        exp(['GET', 'k'], '"v"'),
        exp(['LPOP', 'l'], '"a"'),
        exp(['DEL', 'k'], ':1'),
        exp(['EXPIRE', 'nokey', '10'], ':0'),
        exp(['PING'], '+PONG'),
      );
      const { ref, target } = await d.adminCall('INFO', 'errorstats');
      expect(text(ref)).toMatch(/errorstat_OOM:count=5/);
      expect(text(target)).toMatch(/errorstat_OOM:count=5/);
      const stats = await d.adminCall('INFO', 'commandstats');
      for (const r of [stats.ref, stats.target]) expect(text(r)).toMatch(/cmdstat_set:calls=1,.*rejected_calls=1,/);
    } finally {
      await unlimit();
    }
  });

  test('inside MULTI every command but EXEC, DISCARD, QUIT and RESET is refused, and EXEC aborts', async () => {
    await limit(1);
    try {
      await d.check(
        exp(['MULTI'], '+OK'),
        exp(['GET', 'k'], OOM),
        exp(['PING'], OOM),
        exp(['EXEC'], '-EXECABORT Transaction discarded because of previous errors.'),
        exp(['MULTI'], '+OK'),
        exp(['SET', 'k', 'v'], OOM),
        exp(['DISCARD'], '+OK'),
      );
    } finally {
      await unlimit();
    }
  });

  test('EXEC of queued denyoom commands aborts once memory is over the limit', async () => {
    await d.check(exp(['MULTI'], '+OK'), exp(['SET', 'k', 'v'], '+QUEUED'), exp(['GET', 'k'], '+QUEUED'));
    await limit(1);
    try {
      await d.check(
        exp(['EXEC'], "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'."),
        exp(['EXISTS', 'k'], ':0'),
        // Without denyoom commands EXEC runs.
        exp(['MULTI'], '+OK'),
      );
      await unlimit();
      await d.check(exp(['GET', 'k'], '+QUEUED'), exp(['DEL', 'k'], '+QUEUED'));
      await limit(1);
      await d.check(exp(['EXEC'], /^\[/));
    } finally {
      await unlimit();
    }
  });

  test('scripts: the first denyoom write is refused, flags decide for shebang scripts and functions', async () => {
    const lib = "#!lua name=evictlib\nredis.register_function{function_name='fset', callback=function(k) return redis.call('set', k[1], 'x') end}\n" +
      "redis.register_function{function_name='fget', callback=function(k) return redis.call('get', k[1]) end, flags={'no-writes'}}\n" +
      "redis.register_function{function_name='foom', callback=function(k) return redis.call('set', k[1], 'y') end, flags={'allow-oom'}}";
    await d.check(exp(['FUNCTION', 'LOAD', 'REPLACE', lib], '"evictlib"'), ['SET', 'k', 'v']);
    await limit(1);
    try {
      await d.check(
        // A script without a shebang starts, and its first write is refused.
        exp(['EVAL', "return redis.call('set', KEYS[1], 'x')", '1', 'k'], /^-OOM command not allowed when used memory > 'maxmemory'/),
        exp(['EVAL', "return redis.pcall('set', KEYS[1], 'x')", '1', 'k'], /^-OOM/),
        exp(['EVAL', "return redis.call('get', KEYS[1])", '1', 'k'], '"v"'),
        // With a shebang and no allow-oom the whole script is denyoom.
        exp(['EVAL', "#!lua\nreturn redis.call('get', KEYS[1])", '1', 'k'], OOM),
        exp(['EVAL', "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", '1', 'k'], '"v"'),
        exp(['EVAL', "#!lua flags=allow-oom\nreturn redis.call('set', KEYS[1], 'w')", '1', 'k'], '+OK'),
        exp(['FCALL', 'fset', '1', 'k'], OOM),
        exp(['FCALL', 'fget', '1', 'k'], '"w"'),
        exp(['FCALL', 'foom', '1', 'k'], '+OK'),
        exp(['FCALL_RO', 'fget', '1', 'k'], '"y"'),
        // In MULTI, EXEC's scripts see the state EXEC started with.
      );
      await unlimit();
      await d.check(
        exp(['MULTI'], '+OK'),
        exp(['EVAL', "#!lua\nreturn redis.call('get', KEYS[1])", '1', 'k'], '+QUEUED'),
      );
      await limit(1);
      await d.check(exp(['EXEC'], /EXECABORT Transaction discarded because of: OOM/));
    } finally {
      await unlimit();
      await d.adminCall('FUNCTION', 'FLUSH');
    }
  });

  test('OBJECT FREQ and OBJECT IDLETIME answer by policy', async () => {
    for (const policy of POLICIES) {
      await d.adminCall('CONFIG', 'SET', 'maxmemory-policy', policy);
      await d.check(
        exp(['CONFIG', 'GET', 'maxmemory-policy'], new RegExp(policy)),
        ['SET', `k:${policy}`, 'v'],
        ['OBJECT', 'FREQ', `k:${policy}`],
        ['OBJECT', 'IDLETIME', `k:${policy}`],
        ['GET', `k:${policy}`],
        ['OBJECT', 'FREQ', `k:${policy}`],
        ['OBJECT', 'FREQ', 'nokey'],
        ['OBJECT', 'IDLETIME', 'nokey'],
      );
    }
    await d.adminCall('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
  });

  test('volatile-* policies with no key having a TTL cannot evict: -OOM', async () => {
    await d.check(['SET', 'a', '1'], ['SET', 'b', '2']);
    for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
      await limit(1, policy);
      await d.check(exp(['SET', 'c', '3'], OOM), exp(['DBSIZE'], ':2'));
    }
    await unlimit();
    const { ref, target } = await d.adminCall('INFO', 'stats');
    expect(text(ref)).toMatch(/evicted_keys:0/);
    expect(text(target)).toMatch(/evicted_keys:0/);
  });

  test('INFO and CONFIG show the eviction settings', async () => {
    await d.adminCall('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
    await d.check(
      ['CONFIG', 'GET', 'maxmemory*'],
      ['CONFIG', 'GET', 'lazyfree-*'],
      ['CONFIG', 'GET', 'lfu-*'],
      exp(['CONFIG', 'SET', 'maxmemory-eviction-tenacity', '101'], /^-ERR CONFIG SET failed/),
      exp(['CONFIG', 'SET', 'maxmemory-clients', '110%'], /^-ERR CONFIG SET failed/),
      exp(['CONFIG', 'SET', 'maxmemory-clients', '5.5%'], /^-ERR CONFIG SET failed/),
      exp(['CONFIG', 'SET', 'maxmemory-clients', '10%'], '+OK'),
      ['CONFIG', 'GET', 'maxmemory-clients'],
      exp(['CONFIG', 'SET', 'maxmemory-clients', '0'], '+OK'),
      exp(['CONFIG', 'SET', 'maxmemory-samples', '0'], /^-ERR CONFIG SET failed/),
      exp(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'], '+OK'),
      ['INFO', 'memory'],
    );
    for (const c of [d.main.ref, d.main.target]) {
      const t = text(await c.call('INFO', 'memory'));
      expect(t).toMatch(/^maxmemory_policy:allkeys-lru\r$/m);
      for (const f of ['used_memory', 'used_memory_peak', 'used_memory_dataset', 'mem_not_counted_for_evict', 'lazyfree_pending_objects']) {
        expect(t).toMatch(new RegExp(`^${f}:\\d+\\r$`, 'm'));
      }
    }
    await d.adminCall('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
  });
});

describe('eviction', () => {
  const d = useDifferential({ config: { hz: 100 } });
  beforeEach(async () => {
    await d.adminCall('CONFIG', 'SET', 'maxmemory', '0');
    await d.adminCall('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
  });

  /** Fills both servers, then sets each one's maxmemory so that about `cut` of the data must go. */
  async function squeeze(c: RespClient, before: number, cut: number): Promise<number> {
    const used = await infoField(c, 'used_memory');
    const max = Math.floor(used - (used - before) * cut);
    expect((await c.call('CONFIG', 'SET', 'maxmemory', String(max))).type).toBe('simple');
    return max;
  }

  test('CONFIG SET maxmemory below the memory in use evicts at once', async () => {
    await onEach(d, async (c, label) => {
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
      const before = await infoField(c, 'used_memory');
      const keys = Array.from({ length: 3000 }, (_, i) => `k:${i}`);
      await fill(c, keys, 300);
      const max = await squeeze(c, before, 0.4);
      const used = await settle(c, max);
      expect(used, `${label}: used_memory after CONFIG SET maxmemory`).toBeLessThanOrEqual(max + SLACK);
      const { dbsize, evicted } = await snapshot(c);
      expect(dbsize, label).toBeLessThan(3000);
      expect(dbsize, label).toBeGreaterThan(1000);
      expect(evicted, label).toBe(3000 - dbsize);
      // Writes go on, evicting as they need.
      await fill(c, ['after:1', 'after:2'], 300);
      expect(await infoField(c, 'used_memory'), label).toBeLessThanOrEqual(max + SLACK);
      await c.call('CONFIG', 'SET', 'maxmemory', '0');
    });
  });

  test.each(['allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl'])(
    '%s evicts the right keys',
    async (policy) => {
      const n = 1500;
      const persistent = Array.from({ length: n }, (_, i) => `p:${i}`);
      const volatile = Array.from({ length: n }, (_, i) => `v:${i}`);
      const all = [...persistent, ...volatile];
      await d.adminCall('CONFIG', 'RESETSTAT');
      const befores = new Map<RespClient, number>();
      for (const c of [d.main.ref, d.main.target]) {
        await c.call('CONFIG', 'SET', 'maxmemory-policy', policy);
        befores.set(c, await infoField(c, 'used_memory'));
        await fill(c, persistent, 200);
        // Increasing TTLs: volatile-ttl must take the low indexes first.
        await fill(c, volatile, 200, (i) => 100000 + i * 10);
      }
      // The first half of each group is hot: read recently (LRU), or often (LFU).
      const hot = (k: string) => Number(k.split(':')[1]) < n / 2;
      if (policy.endsWith('lru')) await sleep(2100);
      for (const c of [d.main.ref, d.main.target]) {
        const rounds = policy.endsWith('lfu') ? 30 : 1;
        for (let r = 0; r < rounds; r++) {
          for (const k of all) if (hot(k)) c.send('GET', k);
          for (const k of all) if (hot(k)) await c.read();
        }
      }
      await onEach(d, async (c, label) => {
        // volatile-* can only take the keys with a TTL: a smaller cut keeps the hot ones out of reach.
        const max = await squeeze(c, befores.get(c)!, policy.startsWith('volatile') ? 0.1 : 0.15);
        expect(await settle(c, max), `${label}: used_memory`).toBeLessThanOrEqual(max + SLACK);
        // No more evictions while the survivors are read.
        await c.call('CONFIG', 'SET', 'maxmemory', '0');
        c.send('MULTI');
        for (const k of all) c.send('EXISTS', k);
        c.send('INFO', 'stats');
        c.send('EXEC');
        for (let i = 0; i < all.length + 2; i++) await c.read();
        const r = await c.read();
        if (r.type !== 'array' || !r.value) throw new Error(`EXEC failed: ${JSON.stringify(r)}`);
        const evicted = all.filter((_, i) => Number(r.value![i].value) === 0);
        expect(evicted.length, `${label}: keys evicted`).toBeGreaterThan(n * 0.1);
        expect(Number(text(r.value[all.length]).match(/^evicted_keys:(\d+)/m)![1]), label).toBe(evicted.length);
        const evictedPersistent = evicted.filter((k) => k.startsWith('p:')).length;
        if (policy.startsWith('volatile')) {
          expect(evictedPersistent, `${label}: keys without a TTL evicted by ${policy}`).toBe(0);
        } else if (policy === 'allkeys-random') {
          expect(evictedPersistent, `${label}: ${policy} takes keys of both kinds`).toBeGreaterThan(0);
          expect(evicted.length - evictedPersistent, label).toBeGreaterThan(0);
        }
        if (policy.endsWith('lru') || policy.endsWith('lfu')) {
          const cold = evicted.filter((k) => !hot(k)).length;
          // Half the keys are cold: a random choice would take 50% of them.
          expect(cold / evicted.length, `${label}: share of cold keys among those ${policy} evicted`).toBeGreaterThan(0.7);
        }
        if (policy === 'volatile-ttl') {
          const idx = evicted.map((k) => Number(k.split(':')[1]));
          const mean = idx.reduce((a, b) => a + b, 0) / idx.length;
          expect(mean, `${label}: mean TTL rank of the keys volatile-ttl evicted`).toBeLessThan(n * 0.35);
        }
        await c.call('CONFIG', 'SET', 'maxmemory', '0');
      });
    },
    30000,
  );

  test('evicted keys raise the evicted event and invalidate tracked reads', async () => {
    await onEach(d, async (c, label) => {
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
      await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'Ee');
      const before = await infoField(c, 'used_memory');
      const keys = Array.from({ length: 500 }, (_, i) => `e:${i}`);
      await fill(c, keys, 500);
      const sub = await d.session({ protocol: 3 });
      const s = label === d.ref.label ? sub.ref : sub.target;
      await s.call('SUBSCRIBE', '__keyevent@0__:evicted');
      await s.call('CLIENT', 'TRACKING', 'on');
      await s.call('GET', 'e:1');
      const max = await squeeze(c, before, 0.5);
      await settle(c, max);
      const evicted = await infoField(c, 'evicted_keys');
      expect(evicted, label).toBeGreaterThan(100);
      const pushes = await s.readUntilQuiet({ quietMs: 200, timeoutMs: 3000 });
      const body = pushes.data.toString('latin1');
      const events = body.split('__keyevent@0__:evicted').length - 1;
      expect(events, `${label}: evicted events published`).toBe(evicted);
      const alive = await existing(c, ['e:1']);
      if (!alive.has('e:1')) expect(body, `${label}: invalidation of a tracked key`).toMatch(/invalidate[\s\S]*e:1/);
      await c.call('CONFIG', 'SET', 'maxmemory', '0');
      await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    });
  });

  test('lazyfree-lazy-eviction frees evicted values in the background with the same outcome', async () => {
    await onEach(d, async (c, label) => {
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
      await c.call('CONFIG', 'SET', 'lazyfree-lazy-eviction', 'yes');
      const before = await infoField(c, 'used_memory');
      for (let i = 0; i < 40; i++) {
        const fields: string[] = [];
        // More fields than hash-max-listpack-entries: a hashtable, freed in the background.
        for (let f = 0; f < 600; f++) fields.push(`f${f}`, 'x'.repeat(50));
        await c.call('HSET', `h:${i}`, ...fields);
      }
      const max = await squeeze(c, before, 0.5);
      expect(await settle(c, max), label).toBeLessThanOrEqual(max + SLACK);
      expect(await infoField(c, 'lazyfreed_objects'), `${label}: values freed in the background`).toBeGreaterThan(0);
      await c.call('CONFIG', 'SET', 'maxmemory', '0');
      await c.call('CONFIG', 'SET', 'lazyfree-lazy-eviction', 'no');
    });
  });
});
