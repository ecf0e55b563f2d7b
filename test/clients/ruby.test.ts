/**
 * redis-rb (Debian's ruby-redis) as applications use it, on redis-server 7.0
 * and on Tachyon: ruby-client.rb prints a transcript of everyday usage
 * (strings with expiry, pipelined, multi, WATCH with a retry, every type,
 * streams with groups, subscribe/psubscribe blocks, scan_each iterators,
 * EVALSHA with the NOSCRIPT fallback, blocking pops, INFO and CLIENT LIST
 * parsing, Redis::CommandError texts) and the two transcripts must be
 * identical. redis-rb 4.x speaks RESP2 only.
 */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { missing, transcripts } from './transcript';

const RUBY = '/usr/bin/ruby';
const why = missing(RUBY, ['-e', 'require "redis"']);
if (why) console.warn(`skipping the redis-rb suite: ${why} (apt-get install ruby-redis)`);

describe.skipIf(why !== undefined)('redis-rb', () => {
  test('everyday usage prints the same transcript on Redis and on Tachyon', async () => {
    const t = await transcripts(RUBY, [path.join(__dirname, 'ruby-client.rb')]);
    expect(t.redis.at(-2)).toBe('done');
    expect(t.tachyon).toEqual(t.redis);
  }, 30_000);
});
