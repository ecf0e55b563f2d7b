/**
 * LATENCY against a real redis-server 7.0 (RESP2 and RESP3): the latency
 * monitor (latency-monitor-threshold, events forced with DEBUG SLEEP:
 * LATEST, HISTORY, GRAPH, DOCTOR, RESET), the per-command histograms
 * (LATENCY HISTOGRAM's buckets, INFO latencystats with
 * latency-tracking-info-percentiles, latency-tracking off, CONFIG RESETSTAT),
 * and, Tachyon alone, the HDR bucket arithmetic.
 *
 * Wall-clock values (event times, latencies in ms) are compared within
 * tolerances; DOCTOR and GRAPH are compared with their numbers masked.
 */
import { describe, expect, test } from 'vitest';
import { PROTOCOLS, exp, norm, useDifferential, type Normalizer, type Reply } from '../helpers/differential';
import { formatReply, replyText } from '../helpers/resp';

const simple = (value: string): Reply => ({ type: 'simple', value });

/** Unix times (seconds) become <time>; latencies within 30 ms of 50 become <~50ms>. */
const times: Normalizer = (r) => mask(r);
function mask(r: Reply): Reply {
  if (r.type === 'integer') {
    const v = Number(r.value);
    if (v > 1_000_000_000) return simple('<time>');
    if (v >= 45 && v <= 120) return simple('<~50ms>');
    return r;
  }
  if ((r.type === 'array' || r.type === 'set') && r.value) return { ...r, value: r.value.map(mask) } as Reply;
  return r;
}

/** Report and graph texts with their numbers masked. */
const text: Normalizer = (r) => {
  const t = replyText(r);
  if (t === undefined || r.type === 'error') return r;
  return simple(t.replace(/\d+(\.\d+)?/g, '#'));
};

/**
 * LATENCY HISTOGRAM: map order normalised, calls kept; bucket bounds kept
 * for DEBUG SLEEP (its duration is the sleep's), masked for the others.
 */
const histogram: Normalizer = (r) => {
  const pairs = (x: Reply): [Reply, Reply][] | undefined => {
    if (x.type === 'map') return x.value;
    if (x.type === 'array' && x.value && x.value.length % 2 === 0) {
      const out: [Reply, Reply][] = [];
      for (let i = 0; i < x.value.length; i += 2) out.push([x.value[i], x.value[i + 1]]);
      return out;
    }
    return undefined;
  };
  const p = pairs(r);
  if (!p) return r;
  const rows = p
    .map(([k, v]) => {
      const shown = formatReply(v);
      return `${formatReply(k)} => ${formatReply(k) === '"debug"' ? shown : shown.replace(/:\d+ => :(\d+)|\[:\d+, :(\d+)\]/g, '<bucket>')}`;
    })
    .sort();
  return simple(`${r.type}:${rows.join(' | ')}`);
};

describe.each(PROTOCOLS)('LATENCY (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol, config: { 'enable-debug-command': 'yes' } });

  test('HELP, errors, an empty monitor', () =>
    d.check(
      ['LATENCY', 'HELP'],
      exp(['LATENCY'], "-ERR wrong number of arguments for 'latency' command"),
      exp(['LATENCY', 'nosuch'], "-ERR unknown subcommand 'nosuch'. Try LATENCY HELP."),
      exp(['LATENCY', 'HISTORY'], "-ERR wrong number of arguments for 'latency|history' command"),
      exp(['LATENCY', 'LATEST', 'x'], "-ERR wrong number of arguments for 'latency|latest' command"),
      ['LATENCY', 'RESET'],
      exp(['LATENCY', 'LATEST'], '[]'),
      exp(['LATENCY', 'HISTORY', 'command'], '[]'),
      exp(['LATENCY', 'GRAPH', 'command'], "-ERR No samples available for event 'command'"),
      exp(['LATENCY', 'RESET', 'nosuch'], ':0'),
      // Disabled and never used: Redis's refusal.
      ['LATENCY', 'DOCTOR'],
    ));

  test('events from DEBUG SLEEP: LATEST, HISTORY, GRAPH, DOCTOR, RESET', async () => {
    await d.check(
      ['LATENCY', 'RESET'],
      ['CONFIG', 'SET', 'latency-monitor-threshold', '20'],
      ['DEBUG', 'SLEEP', '0'],
      exp(['LATENCY', 'LATEST'], '[]'),
      ['DEBUG', 'SLEEP', '0.05'],
      norm(['LATENCY', 'LATEST'], times),
      norm(['LATENCY', 'HISTORY', 'command'], times),
      exp(['LATENCY', 'HISTORY', 'fast-command'], '[]'),
      norm(['LATENCY', 'GRAPH', 'command'], text),
      norm(['LATENCY', 'DOCTOR'], text),
      // slowlog-log-slower-than below the threshold: no slowlog advice.
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '1000'],
      norm(['LATENCY', 'DOCTOR'], text),
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'],
      norm(['LATENCY', 'DOCTOR'], text),
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
      exp(['LATENCY', 'RESET', 'COMMAND', 'nosuch'], ':1'),
      exp(['LATENCY', 'LATEST'], '[]'),
      // Enabled, nothing recorded.
      norm(['LATENCY', 'DOCTOR'], text),
      ['CONFIG', 'SET', 'latency-monitor-threshold', '0'],
      ['DEBUG', 'SLEEP', '0.05'],
      exp(['LATENCY', 'LATEST'], '[]'),
    );
  });

  test('one sample per second: the worst one', async () => {
    // Not compared: how many events an earlier test left depends on the
    // machine (under load a CONFIG SET once passed that test's 20 ms threshold).
    await d.both('LATENCY', 'RESET');
    await d.check(
      ['CONFIG', 'SET', 'latency-monitor-threshold', '20'],
      ['DEBUG', 'SLEEP', '0.03'],
      ['DEBUG', 'SLEEP', '0.06'],
      ['CONFIG', 'SET', 'latency-monitor-threshold', '0'],
    );
    const { ref, target } = await d.both('LATENCY', 'HISTORY', 'command');
    for (const r of [ref, target]) {
      // Both sleeps in one second make one sample (two when a second boundary fell between them).
      expect(r.type).toBe('array');
      const samples = r.type === 'array' && r.value ? r.value : [];
      expect(samples.length).toBeGreaterThanOrEqual(1);
      expect(samples.length).toBeLessThanOrEqual(2);
      const worst = Math.max(...samples.map((s) => (s.type === 'array' && s.value && s.value[1].type === 'integer' ? Number(s.value[1].value) : 0)));
      expect(worst).toBeGreaterThanOrEqual(60);
    }
  });

  test('HISTOGRAM: per command, containers, unknown names', () =>
    d.check(
      ['CONFIG', 'RESETSTAT'],
      norm(['LATENCY', 'HISTOGRAM'], histogram),
      exp(['LATENCY', 'HISTOGRAM', 'set'], protocol === 2 ? '[]' : '%{}'),
      ['DEBUG', 'SLEEP', '0.05'],
      ['DEBUG', 'SLEEP', '0.05'],
      ['CONFIG', 'GET', 'hz'],
      ['CLIENT', 'GETNAME'],
      norm(['LATENCY', 'HISTOGRAM', 'DEBUG'], histogram),
      norm(['LATENCY', 'HISTOGRAM', 'debug', 'nosuch', 'config', 'client|getname', 'client|list'], histogram),
      norm(['LATENCY', 'HISTOGRAM', 'config|get'], histogram),
      ['CONFIG', 'RESETSTAT'],
      exp(['LATENCY', 'HISTOGRAM', 'debug'], protocol === 2 ? '[]' : '%{}'),
    ));

  test('INFO latencystats, percentiles and latency-tracking', () =>
    d.check(
      ['CONFIG', 'RESETSTAT'],
      ['DEBUG', 'SLEEP', '0.05'],
      norm(['INFO', 'latencystats'], latencystats),
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '0 50 99.9999 100'],
      norm(['INFO', 'latencystats'], latencystats),
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', ''],
      norm(['INFO', 'latencystats'], latencystats),
      ['CONFIG', 'GET', 'latency-tracking-info-percentiles'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99 99.9'],
      ['CONFIG', 'RESETSTAT'],
      ['CONFIG', 'SET', 'latency-tracking', 'no'],
      ['DEBUG', 'SLEEP', '0'],
      norm(['INFO', 'latencystats'], latencystats),
      ['CONFIG', 'SET', 'latency-tracking', 'yes'],
    ));
});

/** INFO latencystats: the debug line's percentile names and values (the others depend on history). */
const latencystats: Normalizer = (r) => {
  const t = replyText(r);
  if (t === undefined || r.type === 'error') return r;
  const lines = t.split('\r\n').filter((l) => l.startsWith('#') || l.startsWith('latency_percentiles_usec_debug:'));
  // The 50 ms sleep: a sub-bucket from just under 50 ms on. A sleep is never
  // shorter, but it can be much longer on a loaded machine (76 ms seen with two
  // CPU hogs), hence up to 1 s; the percentile names and line stay exact.
  return simple(lines.join('|').replace(/=(\d+)\.\d{3}/g, (m, v) => (Number(v) >= 45000 && Number(v) < 1_000_000 ? '=<~50ms>' : m)));
};

describe('LATENCY through the native histograms (Tachyon)', () => {
  const d = useDifferential({ config: { 'enable-debug-command': 'yes' } });
  test('sleeps of known lengths land in the buckets Redis reports', async () => {
    const s = await d.session();
    const call = (...a: string[]) => s.target.call(...a);
    await call('CONFIG', 'RESETSTAT');
    // The slow log records the same duration the histogram does (one measurement
    // per call): on a loaded machine a 12 ms sleep can last 17 ms and belong to
    // the next level, so the expected buckets come from the durations measured.
    await call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await call('SLOWLOG', 'RESET');
    for (const secs of ['0.012', '0.012', '0.025', '0.1']) await call('DEBUG', 'SLEEP', secs);
    const r = await call('LATENCY', 'HISTOGRAM', 'debug');
    const log = await call('SLOWLOG', 'GET', '-1');
    await call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    const micros = (log.type === 'array' && log.value ? log.value : [])
      .map((e) => (e.type === 'array' && e.value ? e.value : []))
      .filter((e) => e[3]?.type === 'array' && e[3].value && replyText(e[3].value[0]) === 'DEBUG')
      .map((e) => Number(e[2].value));
    expect(micros.length).toBe(4);
    expect(Math.min(...micros)).toBeGreaterThanOrEqual(12000);
    // Each power-of-two level from 1024 ns is reported as the highest value of its
    // sub-bucket (2 significant digits: 2^k + 2^(k-7) - 1 ns), so 12 ms falls under
    // 2^24 ns (16908 us), 25 ms under 2^25 (33816 us), 100 ms under 2^27 (135266 us):
    // a duration counts at the first level whose top it stays below. Counts are
    // cumulative.
    const top = (k: number) => 2 ** k + 2 ** (k - 7);
    const level = (us: number) => {
      let k = 10;
      while (us * 1000 >= top(k)) k++;
      return k;
    };
    const levels = micros.map(level);
    const parts: string[] = [];
    for (const k of [...new Set(levels)].sort((a, b) => a - b)) {
      parts.push(`:${Math.floor((top(k) - 1) / 1000)}, :${levels.filter((l) => l <= k).length}`);
    }
    const txt = formatReply(r);
    expect(txt).toMatch(/"calls", :4/);
    expect(txt).toBe(`["debug", ["calls", :4, "histogram_usec", [${parts.join(', ')}]]]`);
  });
});
