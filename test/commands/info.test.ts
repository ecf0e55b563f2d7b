/**
 * INFO's counters against a real redis-server 7.0 (RESP2 and RESP3):
 * commandstats (calls, rejected_calls, failed_calls) and errorstats after the
 * same commands, for native and TypeScript-owned commands, CONFIG RESETSTAT;
 * and, Tachyon alone, the counters whose values are machine-specific but
 * must move (reads and writes processed, the recent buffer maxima, the
 * expiry cycle's time cap).
 */
import { describe, expect, test } from 'vitest';
import { PROTOCOLS, norm, useDifferential, type Normalizer } from '../helpers/differential';
import { RespClient, replyText } from '../helpers/resp';

/** commandstats lines without timings; errorstats as they are. */
const counters: Normalizer = (r) => {
  const t = replyText(r);
  if (t === undefined || r.type === 'error') return r;
  const lines = t
    .split('\r\n')
    .filter((l) => l.startsWith('cmdstat_') || l.startsWith('errorstat_') || l.startsWith('# '))
    .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, ''))
    .sort();
  return { type: 'simple', value: lines.join('|') };
};

describe.each(PROTOCOLS)('INFO commandstats and errorstats (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test('calls, rejected and failed calls, error prefixes', () =>
    d.check(
      ['CONFIG', 'RESETSTAT'],
      ['SET', 'k', 'v'],
      ['GET', 'k'],
      ['INCR', 'k'],
      ['LPUSH', 'k', 'x'],
      ['GET'],
      ['GET', 'a', 'b'],
      ['NOSUCHCOMMAND'],
      ['CONFIG', 'GET', 'hz'],
      ['CONFIG', 'SET', 'hz', 'abc'],
      ['CLIENT', 'NOSUCH'],
      ['CLIENT', 'SETNAME', 'bad name'],
      ['OBJECT', 'ENCODING'],
      ['MULTI'],
      ['SET', 'x', '1'],
      ['EXEC'],
      ['EVAL', "return redis.call('get', 'x')", '0'],
      ['EVAL', "return redis.call('incr', 'k')", '0'],
      ['EVAL', "return redis.pcall('incr', 'k')", '0'],
      ['EVAL', "return redis.error_reply('MY error')", '0'],
      ['EVAL', "error('raised')", '0'],
      norm(['INFO', 'commandstats'], counters),
      norm(['INFO', 'errorstats'], counters),
      ['CONFIG', 'RESETSTAT'],
      norm(['INFO', 'commandstats'], counters),
      norm(['INFO', 'errorstats'], counters),
    ));
});

describe('INFO counters that move (Tachyon)', () => {
  const d = useDifferential({ config: { hz: 100 } });

  test('reads and writes processed, recent input buffers', async () => {
    const c = await RespClient.connect(d.target.port, { host: d.target.host });
    const field = async (name: string) => {
      const t = replyText(await c.call('INFO', 'everything')) ?? '';
      return Number(t.split('\r\n').find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1));
    };
    const reads = await field('total_reads_processed');
    const writes = await field('total_writes_processed');
    for (let i = 0; i < 10; i++) await c.call('PING');
    expect(await field('total_reads_processed')).toBeGreaterThanOrEqual(reads + 10);
    expect(await field('total_writes_processed')).toBeGreaterThanOrEqual(writes + 10);
    await c.call('SET', 'big', 'x'.repeat(200_000));
    await new Promise((r) => setTimeout(r, 100));
    expect(await field('client_recent_max_input_buffer')).toBeGreaterThanOrEqual(200_000);
    await c.call('CONFIG', 'RESETSTAT');
    expect(await field('total_reads_processed')).toBeLessThan(reads + 10);
    await c.close();
  });
});
