/**
 * DEBUG CLIENT-EVICTION against a real redis-server 7.0: an error while
 * maxmemory-clients is 0, and once it is set (in bytes or as a percentage of
 * maxmemory) the 19 memory buckets in Redis's line format, as a verbatim
 * string in RESP3 and a bulk string in RESP2. The bucket contents (bytes and
 * client counts) depend on when each server last measured its clients, so
 * they are compared as numbers of the same shape, and the clients of both
 * servers' buckets are counted.
 */
import { describe, expect, test } from 'vitest';
import { PROTOCOLS, exp, useDifferential } from '../helpers/differential';
import { replyText } from '../helpers/resp';

const BUCKET_LINE = /^bucket +\d+(?: - +\d+|\+ {12}): tot-mem: +\d+, clients: \d+$/;

/** The bucket text with tot-mem and clients blanked, and the total number of clients listed. */
function shape(text: string): { lines: string[]; clients: number } {
  const lines = text.split('\n');
  expect(lines.pop()).toBe('');
  let clients = 0;
  const blanked = lines.map((l) => {
    expect(l).toMatch(BUCKET_LINE);
    clients += Number(/clients: (\d+)$/.exec(l)![1]);
    return l.replace(/tot-mem: +\d+, clients: \d+$/, 'tot-mem: N, clients: N');
  });
  return { lines: blanked, clients };
}

describe.each(PROTOCOLS)('DEBUG CLIENT-EVICTION (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol, config: { 'enable-debug-command': 'yes' } });

  test('disabled while maxmemory-clients is 0', () =>
    d.check(exp(['DEBUG', 'CLIENT-EVICTION'], '-ERR maxmemory-clients is disabled.')));

  test.each([['10mb'], ['5%']])('maxmemory-clients %s: the buckets in Redis format, then disabled again at 0', async (setting) => {
    await d.adminCall('CONFIG', 'SET', 'maxmemory-clients', setting);
    try {
      // A command measured with client eviction on puts this client in a bucket on both servers.
      await d.check(['PING'], ['SET', 'k', 'v']);
      const r = await d.main.both('DEBUG', 'CLIENT-EVICTION');
      expect(r.target.type).toBe(r.ref.type);
      expect(r.ref.type).toBe(protocol === 3 ? 'verbatim' : 'bulk');
      const ref = shape(replyText(r.ref)!);
      const target = shape(replyText(r.target)!);
      expect(ref.lines).toHaveLength(19);
      expect(target.lines).toEqual(ref.lines);
      expect(ref.clients).toBeGreaterThanOrEqual(1);
      expect(target.clients).toBeGreaterThanOrEqual(1);
    } finally {
      await d.adminCall('CONFIG', 'SET', 'maxmemory-clients', '0');
    }
    await d.check(exp(['DEBUG', 'CLIENT-EVICTION'], '-ERR maxmemory-clients is disabled.'));
  });

  test('CLIENT NO-EVICT takes the caller out of the buckets', async () => {
    await d.adminCall('CONFIG', 'SET', 'maxmemory-clients', '10mb');
    try {
      await d.check(['PING']);
      const before = await d.main.both('DEBUG', 'CLIENT-EVICTION');
      await d.check(exp(['CLIENT', 'NO-EVICT', 'on'], '+OK'), ['PING']);
      const after = await d.main.both('DEBUG', 'CLIENT-EVICTION');
      for (const side of ['ref', 'target'] as const) {
        expect(shape(replyText(after[side])!).clients, side).toBe(shape(replyText(before[side])!).clients - 1);
      }
    } finally {
      await d.adminCall('CONFIG', 'SET', 'maxmemory-clients', '0');
    }
  });
});
