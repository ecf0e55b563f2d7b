/**
 * SLOWLOG against a real redis-server 7.0 (RESP2 and RESP3): GET/LEN/RESET/
 * HELP and their errors, the entries (arguments cut at 32 and at 128 bytes,
 * client address and name, redacted passwords), slowlog-log-slower-than
 * (-1 off, 0 everything, a threshold that DEBUG SLEEP crosses) and
 * slowlog-max-len, for native and TypeScript-owned commands alike.
 *
 * Entry ids are compared relative to the reply's smallest (the counter runs
 * across tests); times and client ports are masked; durations are checked
 * against the sleep that caused them.
 */
import { describe, expect, test } from 'vitest';
import { PROTOCOLS, exp, norm, useDifferential, type Normalizer, type Reply } from '../helpers/differential';
import { replyText } from '../helpers/resp';

const simple = (value: string): Reply => ({ type: 'simple', value });

/** SLOWLOG GET: relative ids, masked times, durations and ports. */
const entries: Normalizer = (r) => {
  if (r.type !== 'array' || !r.value) return r;
  const ids = r.value.map((e) => (e.type === 'array' && e.value?.[0].type === 'integer' ? e.value[0].value : 0n));
  const min = ids.length ? ids.reduce((a, b) => (a < b ? a : b)) : 0n;
  return {
    type: 'array',
    value: r.value.map((e) => {
      if (e.type !== 'array' || !e.value || e.value.length !== 6) return e;
      const [id, , , argv, addr, name] = e.value;
      const peer = replyText(addr) ?? '';
      return {
        type: 'array',
        value: [
          id.type === 'integer' ? simple(`id+${id.value - min}`) : id,
          simple('<time>'),
          simple('<duration>'),
          argv,
          /^127\.0\.0\.1:\d+$/.test(peer) ? simple('127.0.0.1:<port>') : addr,
          name,
        ],
      };
    }),
  };
};

describe.each(PROTOCOLS)('SLOWLOG (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol, config: { 'enable-debug-command': 'yes' } });

  test('HELP, LEN, RESET and errors', () =>
    d.check(
      exp(['SLOWLOG', 'RESET'], '+OK'),
      exp(['SLOWLOG', 'LEN'], ':0'),
      exp(['SLOWLOG', 'GET'], '[]'),
      ['SLOWLOG', 'HELP'],
      exp(['SLOWLOG'], "-ERR wrong number of arguments for 'slowlog' command"),
      exp(['SLOWLOG', 'nosuch'], "-ERR unknown subcommand 'nosuch'. Try SLOWLOG HELP."),
      exp(['SLOWLOG', 'GET', '-2'], '-ERR count should be greater than or equal to -1'),
      exp(['SLOWLOG', 'GET', 'abc'], '-ERR count should be greater than or equal to -1'),
      exp(['SLOWLOG', 'GET', '1', '2'], "-ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP."),
      exp(['SLOWLOG', 'LEN', 'x'], "-ERR wrong number of arguments for 'slowlog|len' command"),
      exp(['SLOWLOG', 'RESET', 'x'], "-ERR wrong number of arguments for 'slowlog|reset' command"),
    ));

  test('every command at threshold 0: native and TypeScript ones, arguments cut, client names', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `e${i}`);
    await d.check(
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
      ['SLOWLOG', 'RESET'],
      ['SET', 'k', 'v'],
      ['RPUSH', 'l', ...many],
      ['SET', 'long', 'x'.repeat(300)],
      ['SET', 'exact', 'y'.repeat(128)],
      ['CLIENT', 'SETNAME', 'slowpoke'],
      ['GET', 'long'],
      ['ECHO', 'a\u0000b'],
      ['INFO', 'nosuchsection'],
      ['CONFIG', 'GET', 'slowlog-max-len'],
      ['MULTI'],
      ['INCR', 'n'],
      ['CLIENT', 'GETNAME'],
      ['EXEC'],
      ['EVAL', "return redis.call('set', 'from-script', '1')", '0'],
      ['AUTH', 'nopass'],
      ['CONFIG', 'SET', 'requirepass', 'secret'],
      ['AUTH', 'secret'],
      ['HELLO', String(protocol), 'AUTH', 'default', 'secret', 'SETNAME', 'hello-name'],
      ['CONFIG', 'SET', 'requirepass', ''],
      ['CLIENT', 'SETNAME', ''],
      exp(['SLOWLOG', 'LEN'], /^:\d+$/),
      norm(['SLOWLOG', 'GET', '-1'], entries),
      norm(['SLOWLOG', 'GET', '3'], entries),
      norm(['SLOWLOG', 'GET', '0'], entries),
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
    );
  });

  test('slowlog-log-slower-than: off, and a threshold DEBUG SLEEP crosses', async () => {
    await d.check(
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'],
      ['SLOWLOG', 'RESET'],
      ['DEBUG', 'SLEEP', '0.05'],
      exp(['SLOWLOG', 'LEN'], ':0'),
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '40000'],
      ['SET', 'fast', '1'],
      ['DEBUG', 'SLEEP', '0.05'],
      ['DEBUG', 'SLEEP', '0'],
      exp(['SLOWLOG', 'LEN'], ':1'),
      norm(['SLOWLOG', 'GET'], entries),
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
    );
    // The duration is the sleep's, in microseconds.
    const { ref, target } = await d.both('SLOWLOG', 'GET', '1');
    for (const r of [ref, target]) {
      expect(r.type).toBe('array');
      const e = r.type === 'array' && r.value ? r.value[0] : undefined;
      const dur = e?.type === 'array' && e.value && e.value[2].type === 'integer' ? Number(e.value[2].value) : -1;
      expect(dur).toBeGreaterThanOrEqual(50000);
      expect(dur).toBeLessThan(1000000);
      const time = e?.type === 'array' && e.value && e.value[1].type === 'integer' ? Number(e.value[1].value) : 0;
      expect(Math.abs(time - Date.now() / 1000)).toBeLessThan(10);
    }
  });

  test('slowlog-max-len keeps the newest entries, trimmed at the next one', () =>
    d.check(
      ['CONFIG', 'SET', 'slowlog-max-len', '3'],
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
      ['SLOWLOG', 'RESET'],
      ['SET', 'a', '1'],
      ['SET', 'b', '2'],
      ['SET', 'c', '3'],
      ['SET', 'd', '4'],
      exp(['SLOWLOG', 'LEN'], ':3'),
      norm(['SLOWLOG', 'GET'], entries),
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '1000000'],
      // Trimmed by the next command, logged or not.
      ['CONFIG', 'SET', 'slowlog-max-len', '1'],
      exp(['SLOWLOG', 'LEN'], ':1'),
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
      exp(['SLOWLOG', 'LEN'], ':1'),
      ['CONFIG', 'SET', 'slowlog-max-len', '0'],
      ['SET', 'e', '5'],
      exp(['SLOWLOG', 'LEN'], ':0'),
      ['CONFIG', 'SET', 'slowlog-max-len', '128'],
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
    ));

  test('a blocked command is logged once, when served', async () => {
    const other = await d.session();
    await d.check(['CONFIG', 'SET', 'slowlog-log-slower-than', '0'], ['SLOWLOG', 'RESET']);
    d.main.send('BLPOP', 'q', '0');
    await other.call(['RPUSH', 'q', 'x'], ':1');
    await d.main.reply('["q", "x"]');
    await d.check(norm(['SLOWLOG', 'GET'], entries), ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000']);
  });
});
