/**
 * CLUSTER (every subcommand of Redis 7.0's table), ASKING, READONLY and
 * READWRITE on a server without cluster mode, compared with a real
 * redis-server 7.0 (cluster-enabled no) in RESP2 and RESP3: the
 * "cluster support disabled" error, and the dispatcher's errors first
 * (wrong arity, unknown subcommand); COMMAND COUNT, INFO and DOCS list them.
 */
import { describe, expect, test } from 'vitest';
import { PROTOCOLS, norm, useDifferential, type Normalizer, type Reply, type Step } from '../helpers/differential';

const table = require('../../src/commands/commands.gen.json') as {
  commands: Record<string, { arity: number; subcommands?: Record<string, { arity: number }> }>;
};

/** An argument vector of `arity` (negative: at least -arity) for a full name. */
function callOf(full: string, arity: number, extra = 0): string[] {
  const argv = full.split('|');
  const n = Math.abs(arity) + extra;
  while (argv.length < n) argv.push(String(argv.length));
  return argv.slice(0, n);
}

const text = (r: Reply): string => (r.type === 'bulk' && r.value ? r.value.toString('latin1') : '');

/** COMMAND INFO: subcommands in name order (Redis prints them in hash order), key spec notes dropped. */
const infoSorted: Normalizer = (r) => {
  if (r.type !== 'array' || !r.value) return r;
  return {
    type: 'array',
    value: r.value.map((e) => {
      if (e.type !== 'array' || !e.value || e.value.length !== 10) return e;
      const v = [...e.value];
      const subs = v[9];
      if (subs.type === 'array' && subs.value) {
        v[9] = { type: 'array', value: [...subs.value].sort((a, b) => (a.type === 'array' && b.type === 'array' && a.value && b.value ? (text(a.value[0]) < text(b.value[0]) ? -1 : 1) : 0)) };
      }
      return { type: 'array', value: v };
    }),
  };
};

/** [key, value] pairs of a RESP3 map or a RESP2 flat array. */
function pairsOf(r: Reply): Array<[Reply, Reply]> | undefined {
  if (r.type === 'map') return r.value;
  if (r.type !== 'array' || !r.value || r.value.length % 2 !== 0) return undefined;
  const out: Array<[Reply, Reply]> = [];
  for (let i = 0; i < r.value.length; i += 2) out.push([r.value[i], r.value[i + 1]]);
  return out;
}
const rebuild = (like: Reply, p: Array<[Reply, Reply]>): Reply =>
  like.type === 'map' ? { type: 'map', value: p } : { type: 'array', value: p.flat() };

/** COMMAND DOCS without Redis's prose (summary, complexity: not in Tachyon's table, see README). */
const docsWithoutProse: Normalizer = (r) => {
  const entries = pairsOf(r);
  if (!entries) return r;
  return rebuild(
    r,
    entries.map(([name, doc]): [Reply, Reply] => {
      const p = pairsOf(doc);
      return [name, p ? rebuild(doc, p.filter(([k]) => !['summary', 'complexity', 'history'].includes(text(k)))) : doc];
    }),
  );
};

describe.each(PROTOCOLS)('cluster commands without cluster mode (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test('every CLUSTER subcommand, with its arity, one more and one fewer argument', async () => {
    const subs = table.commands.cluster.subcommands!;
    expect(Object.keys(subs).length).toBeGreaterThan(25);
    const steps: Step[] = [];
    for (const [full, meta] of Object.entries(subs)) {
      steps.push(callOf(full, meta.arity));
      steps.push(callOf(full, meta.arity, 1)); // too many for a fixed arity, fine for a variadic one
      if (Math.abs(meta.arity) > 2) steps.push(callOf(full, meta.arity).slice(0, -1));
      steps.push(callOf(full.toUpperCase(), meta.arity));
    }
    await d.check(...steps);
  });

  test('ASKING READONLY READWRITE, bare CLUSTER, unknown subcommands', () =>
    d.check(
      ['ASKING'],
      ['asking', 'x'],
      ['READONLY'],
      ['READONLY', 'x'],
      ['READWRITE'],
      ['readwrite', 'x'],
      ['CLUSTER'],
      ['CLUSTER', 'nosuch'],
      ['CLUSTER', 'nosuch', 'a', 'b'],
      ['CLUSTER', 'HELP'],
      ['CLUSTER', 'KEYSLOT', 'foo'],
      ['MULTI'],
      ['READONLY'],
      ['CLUSTER', 'INFO'],
      ['EXEC'],
      ['EVAL', "return redis.pcall('cluster', 'info')", '0'],
      ['EVAL', "return redis.pcall('readonly')", '0'],
    ));

  test('COMMAND COUNT, INFO and DOCS list them', async () => {
    await d.check(
      ['COMMAND', 'COUNT'],
      norm(['COMMAND', 'INFO', 'cluster', 'asking', 'readonly', 'readwrite', 'cluster|info', 'cluster|setslot'], infoSorted),
      norm(['COMMAND', 'DOCS', 'asking', 'readonly', 'readwrite', 'cluster|countkeysinslot'], docsWithoutProse),
      ['COMMAND', 'GETKEYS', 'cluster', 'info'],
    );
    const { ref, target } = await d.both('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', '*');
    const names = (r: Reply) => (r.type === 'array' && r.value ? r.value.map(text).sort() : []);
    expect(names(target)).toEqual(names(ref));
  });
});
