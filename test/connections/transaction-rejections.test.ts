/**
 * Commands the dispatcher rejects before they run, against a real
 * redis-server 7.0 (RESP2 and RESP3): a rejected EXEC (wrong arity, NOAUTH,
 * a protected command) ends the transaction with EXECABORT, inside MULTI and
 * out of it; rejections count in INFO commandstats (rejected_calls) and
 * errorstats.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, exp, norm, useDifferential, type Normalizer } from '../helpers/differential';
import { replyText } from '../helpers/resp';

/** The commandstats lines of the given commands, without timings. */
const stats =
  (...names: string[]): Normalizer =>
  (r) => {
    const t = replyText(r);
    if (t === undefined || r.type === 'error') return r;
    const lines = t
      .split('\r\n')
      .filter((l) => names.some((n) => l.startsWith(`cmdstat_${n}:`)))
      .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, ''))
      .sort();
    return { type: 'simple', value: lines.join('|') };
  };

describe.each(PROTOCOLS)('rejected EXEC (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test('EXEC with arguments inside MULTI: EXECABORT, and the transaction is over', () =>
    d.check(
      ['CONFIG', 'RESETSTAT'],
      exp(['MULTI'], '+OK'),
      exp(['SET', 'a', '1'], '+QUEUED'),
      exp(['EXEC', 'x'], "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command"),
      exp(['EXEC'], '-ERR EXEC without MULTI'),
      exp(['EXISTS', 'a'], ':0'),
      // Out of MULTI too: Redis aborts "the transaction" all the same.
      exp(['EXEC', 'x', 'y'], "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command"),
      exp(['DISCARD', 'x'], "-ERR wrong number of arguments for 'discard' command"),
      exp(['MULTI', 'x'], "-ERR wrong number of arguments for 'multi' command"),
      norm(['INFO', 'commandstats'], stats('exec', 'discard', 'multi', 'set')),
      ['INFO', 'errorstats'],
    ));

  test('other arity errors inside MULTI flag the transaction', () =>
    d.check(
      ['MULTI'],
      exp(['GET'], "-ERR wrong number of arguments for 'get' command"),
      exp(['SET', 'b', '1'], '+QUEUED'),
      exp(['EXEC'], '-EXECABORT Transaction discarded because of previous errors.'),
      exp(['EXISTS', 'b'], ':0'),
    ));
});

describe.each(PROTOCOLS)('NOAUTH and transactions (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol, config: { requirepass: 'secret' } });

  test('unauthenticated MULTI / SET / EXEC ends in EXECABORT ... NOAUTH', async () => {
    const s = await d.session({ protocol: 2, auth: undefined });
    for (const [cmd, expected] of [
      [['MULTI'], '-NOAUTH Authentication required.'],
      [['SET', 'k', 'v'], '-NOAUTH Authentication required.'],
      [['EXEC'], '-EXECABORT Transaction discarded because of: NOAUTH Authentication required.'],
      [['EXEC', 'x'], "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command"],
      [['DISCARD'], '-NOAUTH Authentication required.'],
      [['AUTH', 'secret'], '+OK'],
      [['EXEC'], '-ERR EXEC without MULTI'],
      [['EXISTS', 'k'], ':0'],
    ] as const) {
      await s.call([...cmd], expected);
    }
  });

  test('authenticated in the middle of a transaction', async () => {
    const s = await d.session({ protocol: 2, auth: undefined });
    for (const [cmd, expected] of [
      [['AUTH', 'secret'], '+OK'],
      [['MULTI'], '+OK'],
      [['SET', 'k', 'v'], '+QUEUED'],
      [['EXEC'], '[+OK]'],
    ] as const) {
      await s.call([...cmd], expected);
    }
  });
});

describe.each(PROTOCOLS)('protected commands and transactions (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  test('a refused DEBUG inside MULTI aborts it', () =>
    d.check(['MULTI'], ['DEBUG', 'DIGEST'], ['SET', 'x', '1'], exp(['EXEC'], '-EXECABORT Transaction discarded because of previous errors.'), ['EXISTS', 'x']));
});
