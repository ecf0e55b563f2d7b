/**
 * redis-py (Debian's python3-redis) as applications use it, on redis-server
 * 7.0 and on Tachyon: python-client.py prints a transcript of everyday usage
 * (strings with expiry, pipelines, MULTI/WATCH with a retry, every type,
 * streams with groups, pub/sub, scan iterators, scripts with the NOSCRIPT
 * fallback, blocking pops, INFO and CLIENT LIST parsing, exception classes)
 * and the two transcripts must be identical.
 */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { missing, transcripts } from './transcript';

// Debian's interpreter, where python3-redis is installed (not a pyenv shim's).
const PYTHON = '/usr/bin/python3';
const why = missing(PYTHON, ['-c', 'import redis']);
if (why) console.warn(`skipping the redis-py suite: ${why} (apt-get install python3-redis)`);

describe.skipIf(why !== undefined)('redis-py', () => {
  test('everyday usage prints the same transcript on Redis and on Tachyon', async () => {
    const t = await transcripts(PYTHON, [path.join(__dirname, 'python-client.py')]);
    expect(t.redis.at(-2)).toBe('done');
    expect(t.tachyon).toEqual(t.redis);
  }, 30_000);
});
