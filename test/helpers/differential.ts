/**
 * Differential testing: run the same script against a real redis-server (the
 * reference / oracle) and the server under test (the target), and require the
 * replies to be identical, type markers included.
 *
 * Target selection: TACHYON_DIFF_TARGET=tachyon (default) starts Tachyon
 * in-process through `startServer` from src/index.ts; TACHYON_DIFF_TARGET=redis
 * starts a second redis-server instead, which self-checks the suite itself.
 *
 * Typical use in a test file:
 *
 *   describe.each(PROTOCOLS)('strings (RESP%i)', (protocol) => {
 *     const d = useDifferential({ protocol });
 *     test('SET', () => d.check(['SET', 'k', 'v'], ['GET', 'k']));
 *   });
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { startServer } from '../../src/index';
import { startRedisOracle, type ConfigMap } from './redis-oracle';
import {
  RespClient,
  RespClosedError,
  RespTimeoutError,
  formatReply,
  parseReply,
  quoteBytes,
  replyText,
  sleep,
  type Arg,
  type Reply,
} from './resp';

export type { Reply, Arg } from './resp';
export type Protocol = 2 | 3;
export const PROTOCOLS: Protocol[] = [2, 3];

// ---------------------------------------------------------------------------
// Servers

export type TargetName = 'redis' | 'tachyon';

export function diffTarget(): TargetName {
  const v = (process.env.TACHYON_DIFF_TARGET ?? 'tachyon').toLowerCase();
  if (v !== 'redis' && v !== 'tachyon') {
    throw new Error(`TACHYON_DIFF_TARGET must be "redis" or "tachyon", got ${JSON.stringify(v)}`);
  }
  return v;
}

export interface ServerHandle {
  readonly label: string;
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

async function startReference(config: ConfigMap, label: string): Promise<ServerHandle> {
  const o = await startRedisOracle({ config });
  return { label, port: o.port, host: o.host, close: () => o.close() };
}

async function startTachyon(config: ConfigMap): Promise<ServerHandle> {
  // The oracle always runs with these (see redis-oracle.ts); give Tachyon the
  // same so that CONFIG GET / INFO persistence compare like for like.
  // A private data directory, as the oracle has: a DEBUG RELOAD or SAVE must
  // not leave a dump.rdb where the next in-process server would load it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-diff-'));
  const srv = await startServer({ port: 0, save: '', appendonly: 'no', dir, ...config });
  let host = srv.host ?? '127.0.0.1';
  if (host === '0.0.0.0' || host === '::' || host === '') host = '127.0.0.1';
  const close = async () => {
    await srv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { label: 'tachyon', port: srv.port, host, close };
}

export async function startTarget(config: ConfigMap = {}): Promise<ServerHandle> {
  return diffTarget() === 'redis' ? startReference(config, 'redis#2') : startTachyon(config);
}

// ---------------------------------------------------------------------------
// Normalisers: (reply, referenceReply) => reply. They are applied to both
// sides (to the reference with itself as `ref`), must leave errors alone and
// must leave replies of an unexpected shape unchanged so that shape
// differences still show up.

export type Normalizer = (r: Reply, ref: Reply) => Reply;

const marker = (s: string): Reply => ({ type: 'simple', value: `<${s}>` });
const simple = (s: string): Reply => ({ type: 'simple', value: s });

function sortReplies(items: Reply[]): Reply[] {
  return [...items].sort((a, b) => {
    const fa = formatReply(a);
    const fb = formatReply(b);
    return fa < fb ? -1 : fa > fb ? 1 : 0;
  });
}

function asPairs(r: Reply): Array<[Reply, Reply]> | undefined {
  if (r.type === 'map') return r.value;
  if (r.type === 'array' && r.value && r.value.length % 2 === 0) {
    const out: Array<[Reply, Reply]> = [];
    for (let i = 0; i < r.value.length; i += 2) out.push([r.value[i], r.value[i + 1]]);
    return out;
  }
  return undefined;
}

function fromPairs(like: Reply, pairs: Array<[Reply, Reply]>): Reply {
  if (like.type === 'map') return { type: 'map', value: pairs };
  return { type: 'array', value: pairs.flat() };
}

function keyText(r: Reply): string | undefined {
  return replyText(r);
}

function infoLikeText(r: Reply): string | undefined {
  if (r.type === 'bulk' || r.type === 'verbatim') return replyText(r);
  return undefined;
}

export const N = {
  /** Unordered collection: sort top-level array / set elements. */
  sorted: ((r) => {
    if (r.type === 'array' && r.value) return { type: 'array', value: sortReplies(r.value) };
    if (r.type === 'set') return { type: 'set', value: sortReplies(r.value) };
    return r;
  }) as Normalizer,

  /** Unordered field/value pairs: a RESP3 map or a RESP2 flat array. */
  pairs: ((r) => {
    const p = asPairs(r);
    if (!p) return r;
    const sorted = [...p].sort((a, b) => {
      const fa = formatReply(a[0]) + ' ' + formatReply(a[1]);
      const fb = formatReply(b[0]) + ' ' + formatReply(b[1]);
      return fa < fb ? -1 : fa > fb ? 1 : 0;
    });
    return fromPairs(r, sorted);
  }) as Normalizer,

  /** Non-negative integers within ±tol of the reference count as equal. */
  within(tol: number): Normalizer {
    return (r, ref) => {
      if (r.type === 'integer' && ref.type === 'integer' && r.value >= 0n && ref.value >= 0n) {
        const d = r.value - ref.value;
        if (d <= BigInt(tol) && d >= -BigInt(tol)) return ref;
      }
      return r;
    };
  },

  /** Only the reply type is compared. */
  type: ((r) => (r.type === 'error' ? r : marker(r.type))) as Normalizer,

  /** Any positive integer. */
  positiveInt: ((r) => (r.type === 'integer' && r.value > 0n ? marker('positive integer') : r)) as Normalizer,

  /** Structure and types are compared, scalar values are not. */
  shape: ((r) => shapeOf(r)) as Normalizer,

  /** Accept any non-error reply. */
  any: ((r) => (r.type === 'error' ? r : marker('any'))) as Normalizer,

  /**
   * Help text: an array of simple strings (text itself is not compared, it is
   * prose); the first line must name the subcommand syntax.
   */
  help: ((r) => {
    if (r.type !== 'array' || !r.value || r.value.length === 0) return r;
    if (!r.value.every((x) => x.type === 'simple')) return r;
    return marker('help lines');
  }) as Normalizer,

  /** Mask the values of the given fields of a map / flat field-value array. */
  maskFields(names: string[]): Normalizer {
    const set = new Set(names.map((n) => n.toLowerCase()));
    return (r) => {
      const p = asPairs(r);
      if (!p) return r;
      return fromPairs(
        r,
        p.map(([k, v]) => {
          const t = keyText(k);
          return t !== undefined && set.has(t.toLowerCase()) ? [k, marker('masked ' + v.type)] : [k, v];
        }),
      );
    };
  },

  /** Apply `n` to every element of an array / set / map values. */
  each(n: Normalizer): Normalizer {
    return (r, ref) => {
      const refItems = ref.type === 'array' || ref.type === 'set' ? (ref.value ?? []) : [];
      if (r.type === 'array' && r.value) return { type: 'array', value: r.value.map((x, i) => n(x, refItems[i] ?? x)) };
      if (r.type === 'set') return { type: 'set', value: r.value.map((x, i) => n(x, refItems[i] ?? x)) };
      return r;
    };
  },

  /** Apply `n` to element `i` of an array. */
  at(i: number, n: Normalizer): Normalizer {
    return (r, ref) => {
      if (r.type !== 'array' || !r.value || i >= r.value.length) return r;
      const refItem = ref.type === 'array' && ref.value && ref.value[i] ? ref.value[i] : r.value[i];
      const v = [...r.value];
      v[i] = n(v[i], refItem);
      return { type: 'array', value: v };
    };
  },

  /**
   * Drops key-spec "notes": they are Redis's prose, which Tachyon does not
   * ship (see scripts/gen-commands.js). Works on RESP3 maps and RESP2 flat arrays.
   */
  dropNotes: ((r) => dropNotes(r)) as Normalizer,

  compose(...ns: Normalizer[]): Normalizer {
    return (r, ref) => ns.reduce((acc, n) => n(acc, ref), r);
  },

  /**
   * INFO text -> map of section name => sorted field names. Values are
   * masked except for `keep` fields; keyspace lines keep keys= and expires=.
   */
  info(keep: string[] = INFO_KEEP): Normalizer {
    const keepSet = new Set(keep);
    return (r) => {
      const text = infoLikeText(r);
      if (text === undefined) return r;
      const sections: Array<[Reply, Reply]> = [];
      let fields: string[] | undefined;
      let section = '';
      const flush = () => {
        if (!fields) return;
        // Field names in these sections depend on the command history of
        // the whole server (the oracle also answered readiness probes).
        const history = HISTORY_SECTIONS.has(section.toLowerCase());
        sections.push([
          simple(section),
          history ? marker('history-dependent fields') : { type: 'array', value: fields.sort().map(simple) },
        ]);
      };
      for (const line of text.split(/\r?\n/)) {
        if (line.startsWith('#')) {
          flush();
          section = line.replace(/^#\s*/, '');
          fields = [];
          continue;
        }
        if (line === '') continue;
        if (!fields) {
          section = '(no section)';
          fields = [];
        }
        const idx = line.indexOf(':');
        const key = idx < 0 ? line : line.slice(0, idx);
        const value = idx < 0 ? '' : line.slice(idx + 1);
        if (section.toLowerCase() === 'keyspace') {
          const kv = value
            .split(',')
            .map((p) => (p.startsWith('keys=') || p.startsWith('expires=') ? p : p.replace(/=.*/, '=*')));
          fields.push(`${key}:${kv.join(',')}`);
        } else if (key === 'tachyon_version') {
          // Tachyon's own addition to INFO server; Redis has no such field.
          continue;
        } else if (keepSet.has(key)) {
          fields.push(`${key}:${value}`);
        } else {
          fields.push(key);
        }
      }
      flush();
      return { type: 'map', value: sections };
    };
  },

  /**
   * CLIENT INFO / CLIENT LIST text -> one array of field names per line;
   * values kept for the `keep` fields.
   */
  clientInfo(keep: string[] = CLIENT_KEEP): Normalizer {
    const keepSet = new Set(keep);
    return (r) => {
      const text = infoLikeText(r);
      if (text === undefined) return r;
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      return {
        type: 'array',
        value: lines.map((line) => ({
          type: 'array',
          value: line
            .trim()
            .split(' ')
            .map((kv) => {
              const i = kv.indexOf('=');
              const k = i < 0 ? kv : kv.slice(0, i);
              return simple(keepSet.has(k) ? kv : k);
            }),
        })),
      };
    };
  },
};

const HISTORY_SECTIONS = new Set(['commandstats', 'errorstats', 'latencystats']);

/** INFO fields whose values are deterministic enough to compare. */
export const INFO_KEEP = [
  'redis_mode',
  'role',
  'connected_slaves',
  'cluster_enabled',
  'loading',
  'aof_enabled',
  'rdb_bgsave_in_progress',
  'aof_rewrite_in_progress',
  'maxmemory_policy',
  'arch_bits',
  'blocked_clients',
  'tracking_clients',
];

/** CLIENT INFO / LIST fields whose values are compared. */
export const CLIENT_KEEP = ['name', 'db', 'sub', 'psub', 'ssub', 'multi', 'flags', 'cmd', 'user', 'resp', 'redir'];

function shapeOf(r: Reply): Reply {
  switch (r.type) {
    case 'error':
      return r;
    case 'array':
      return r.value === null ? r : { type: 'array', value: r.value.map(shapeOf) };
    case 'set':
      return { type: 'set', value: r.value.map(shapeOf) };
    case 'push':
      return { type: 'push', value: r.value.map(shapeOf) };
    case 'map':
      return { type: 'map', value: r.value.map(([k, v]) => [shapeOf(k), shapeOf(v)] as [Reply, Reply]) };
    case 'attribute':
      return shapeOf(r.value);
    case 'bulk':
      return r.value === null ? r : marker('bulk');
    case 'null':
      return r;
    default:
      return marker(r.type);
  }
}

/**
 * Default normalisers for replies that are legitimately nondeterministic or
 * intentionally not compared. Keyed by "COMMAND" or "COMMAND|SUBCOMMAND".
 */
function dropNotes(r: Reply): Reply {
  const isNotes = (k: Reply) => (k.type === 'bulk' || k.type === 'simple') && String(k.value) === 'notes';
  if (r.type === 'map') {
    return { type: 'map', value: r.value.filter(([k]) => !isNotes(k)).map(([k, v]) => [k, dropNotes(v)]) };
  }
  if ((r.type === 'array' || r.type === 'set') && r.value) {
    const out: Reply[] = [];
    for (let i = 0; i < r.value.length; i++) {
      // A RESP2 key spec is a flat [name, value, ...] list.
      if (isNotes(r.value[i]) && i + 1 < r.value.length && i % 2 === 0) {
        i++;
        continue;
      }
      out.push(dropNotes(r.value[i]));
    }
    return { ...r, value: out } as Reply;
  }
  return r;
}

export const DEFAULT_NORMALIZERS: Record<string, Normalizer> = {
  KEYS: N.sorted,
  SMEMBERS: N.sorted,
  SINTER: N.sorted,
  SUNION: N.sorted,
  SDIFF: N.sorted,
  HKEYS: N.sorted,
  HVALS: N.sorted,
  HGETALL: N.pairs,
  'CONFIG|GET': N.pairs,
  TIME: N.shape,
  LASTSAVE: N.type,
  'CLIENT|ID': N.type,
  'CLIENT|INFO': N.clientInfo(),
  'CLIENT|LIST': N.clientInfo(),
  INFO: N.info(),
  'COMMAND|INFO': N.dropNotes,
  HELLO: N.maskFields(['server', 'version', 'id']),
  TTL: N.within(1),
  PTTL: N.within(250),
  EXPIRETIME: N.within(1),
  PEXPIRETIME: N.within(250),
  'OBJECT|IDLETIME': N.within(2),
  'OBJECT|HELP': N.help,
  'CONFIG|HELP': N.help,
  'CLIENT|HELP': N.help,
  'COMMAND|HELP': N.help,
  'MEMORY|HELP': N.help,
  'COMMAND|COUNT': N.positiveInt,
  'MEMORY|USAGE': N.type,
};

const WITH_SUBCOMMANDS = new Set([
  'CONFIG', 'CLIENT', 'OBJECT', 'COMMAND', 'MEMORY', 'DEBUG', 'ACL', 'CLUSTER', 'SCRIPT', 'FUNCTION',
  'LATENCY', 'MODULE', 'PUBSUB', 'SLOWLOG', 'XINFO', 'XGROUP',
]);

export function defaultNormalizer(cmd: Arg[]): Normalizer | undefined {
  if (cmd.length === 0) return undefined;
  const name = String(cmd[0]).toUpperCase();
  if (WITH_SUBCOMMANDS.has(name) && cmd.length > 1) {
    const sub = DEFAULT_NORMALIZERS[`${name}|${String(cmd[1]).toUpperCase()}`];
    if (sub) return sub;
  }
  return DEFAULT_NORMALIZERS[name];
}

// ---------------------------------------------------------------------------
// Steps

export interface StepSpec {
  cmd: Arg[];
  /** Replaces the default normaliser for this command ([] = none). */
  norm?: Normalizer | Normalizer[];
  /**
   * What the reference server must reply (formatted with formatReply, e.g.
   * "+OK", ":1", '"v"', "-ERR ..."), or a RegExp on that text. Guards the
   * suite itself: a wrong expectation is reported as a test bug.
   */
  expect?: string | RegExp;
  /** The command produces no reply (CLIENT REPLY OFF/SKIP...). */
  noReply?: boolean;
  timeoutMs?: number;
}
export type Step = Arg[] | StepSpec | { sleep: number };

/** Step with an expected reference reply. */
export function exp(cmd: Arg[], expected: string | RegExp, extra: Partial<StepSpec> = {}): StepSpec {
  return { cmd, expect: expected, ...extra };
}

/** Step with a custom normaliser. */
export function norm(cmd: Arg[], ...ns: Normalizer[]): StepSpec {
  return { cmd, norm: ns };
}

/** Step whose command produces no reply. */
export function noReply(cmd: Arg[]): StepSpec {
  return { cmd, noReply: true };
}

type Outcome = { ok: Reply } | { fail: string };

function outcomeText(o: Outcome): string {
  return 'ok' in o ? formatReply(o.ok) : `<${o.fail}>`;
}

export function formatCommand(cmd: Arg[]): string {
  const parts = cmd.map((a) => {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    if (b.length > 60) return quoteBytes(b.subarray(0, 40)).slice(0, -1) + `..."(${b.length} bytes)`;
    const s = b.toString('latin1');
    return /^[\x21-\x7e]+$/.test(s) && !s.includes('"') ? s : quoteBytes(b);
  });
  return parts.join(' ');
}

function excerpt(a: string, b: string, max = 400): [string, string] {
  if (a.length <= max && b.length <= max) return [a, b];
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 80);
  const cut = (s: string) => (from > 0 ? '…' : '') + s.slice(from, from + max) + (s.length > from + max ? '…' : '');
  return [cut(a), cut(b)];
}

/** Human readable explanation of where two (normalised) replies differ. */
function explain(ref: Reply, tgt: Reply, path = '', depth = 0): string[] {
  if (depth > 6) return [];
  const at = path || 'reply';
  if (ref.type !== tgt.type) return path ? [`${at}: type ${ref.type} vs ${tgt.type}`] : [];
  const refPairs = ref.type === 'map' ? ref.value : undefined;
  const tgtPairs = tgt.type === 'map' ? tgt.value : undefined;
  if (refPairs && tgtPairs) {
    const out: string[] = [];
    const rk = new Map(refPairs.map(([k, v]) => [formatReply(k), v]));
    const tk = new Map(tgtPairs.map(([k, v]) => [formatReply(k), v]));
    const missing = [...rk.keys()].filter((k) => !tk.has(k));
    const extra = [...tk.keys()].filter((k) => !rk.has(k));
    if (missing.length) out.push(`${at}: missing keys ${missing.join(', ')}`);
    if (extra.length) out.push(`${at}: unexpected keys ${extra.join(', ')}`);
    for (const [k, v] of rk) {
      const tv = tk.get(k);
      if (tv && !isDeepStrictEqual(v, tv)) out.push(...explain(v, tv, `${at}[${k}]`, depth + 1));
    }
    const order = (m: Array<[Reply, Reply]>) => m.map(([k]) => formatReply(k)).join();
    if (out.length === 0 && order(refPairs) !== order(tgtPairs)) out.push(`${at}: same entries, different order`);
    return out;
  }
  const items = (r: Reply) =>
    r.type === 'array' || r.type === 'set' || r.type === 'push' ? (r.value ?? undefined) : undefined;
  const ri = items(ref);
  const ti = items(tgt);
  if (ri && ti) {
    if (ri.length !== ti.length) {
      const rs = new Set(ri.map(formatReply));
      const ts = new Set(ti.map(formatReply));
      const missing = [...rs].filter((x) => !ts.has(x));
      const extra = [...ts].filter((x) => !rs.has(x));
      const out = [`${at}: ${ri.length} elements vs ${ti.length}`];
      if (missing.length && missing.length <= 40) out.push(`${at}: missing ${missing.join(', ')}`);
      if (extra.length && extra.length <= 40) out.push(`${at}: unexpected ${extra.join(', ')}`);
      return out;
    }
    const out: string[] = [];
    for (let i = 0; i < ri.length && out.length < 6; i++) {
      if (!isDeepStrictEqual(ri[i], ti[i])) out.push(...explain(ri[i], ti[i], `${at}[${i}]`, depth + 1));
    }
    return out;
  }
  const [a, b] = excerpt(formatReply(ref), formatReply(tgt), 200);
  return path ? [`${at}: ${a} vs ${b}`] : [];
}

export class DiffError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiffError';
  }
}

export interface StepResult {
  cmd: Arg[];
  ref: Reply | undefined;
  target: Reply | undefined;
}

async function readOutcome(c: RespClient, timeoutMs?: number): Promise<Outcome> {
  try {
    return { ok: await c.read(timeoutMs) };
  } catch (e) {
    if (e instanceof RespClosedError) return { fail: 'connection closed' };
    if (e instanceof RespTimeoutError) return { fail: 'no reply (timeout)' };
    return { fail: `unparseable reply: ${(e as Error).message}` };
  }
}

// ---------------------------------------------------------------------------
// Sessions: one connection to each server.

export interface SessionOptions {
  protocol?: Protocol;
  /** AUTH after connecting: password or [user, password]. */
  auth?: string | [string, string];
  /** Read timeout per reply, ms. */
  timeoutMs?: number;
}

export class Session {
  /** Protocol actually negotiated (RESP3 needs auth first when a password is set). */
  protocol: Protocol = 2;

  constructor(
    readonly ref: RespClient,
    readonly target: RespClient,
    readonly labels: { ref: string; target: string },
  ) {}

  static async open(refSrv: ServerHandle, tgtSrv: ServerHandle, opts: SessionOptions = {}): Promise<Session> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    const [ref, target] = await Promise.all([
      RespClient.connect(refSrv.port, { host: refSrv.host, timeoutMs }),
      RespClient.connect(tgtSrv.port, { host: tgtSrv.host, timeoutMs }),
    ]);
    const s = new Session(ref, target, { ref: refSrv.label, target: tgtSrv.label });
    const auth = opts.auth === undefined ? undefined : typeof opts.auth === 'string' ? ['default', opts.auth] : opts.auth;
    if (auth) {
      await s.setup(['AUTH', ...auth]);
    }
    if (opts.protocol === 3) {
      await s.setup(['HELLO', '3']);
      s.protocol = 3;
    }
    return s;
  }

  /** Run a setup command on both sides; it must succeed on both. */
  async setup(cmd: Arg[]): Promise<void> {
    this.ref.send(...cmd);
    this.target.send(...cmd);
    const [r, t] = await Promise.all([readOutcome(this.ref), readOutcome(this.target)]);
    for (const [label, o] of [
      [this.labels.ref, r],
      [this.labels.target, t],
    ] as const) {
      if (!('ok' in o) || o.ok.type === 'error') {
        throw new Error(`session setup "${formatCommand(cmd)}" failed on ${label}: ${outcomeText(o)}`);
      }
    }
  }

  /** Send a command to both servers and return both replies, without comparing. */
  async both(...cmd: Arg[]): Promise<{ ref: Reply; target: Reply }> {
    this.ref.send(...cmd);
    this.target.send(...cmd);
    const [r, t] = await Promise.all([this.ref.read(), this.target.read()]);
    return { ref: r, target: t };
  }

  /** Sends a command to both servers without waiting for the replies. */
  send(...cmd: Arg[]): void {
    this.ref.send(...cmd);
    this.target.send(...cmd);
  }

  /** Reads the next reply on both sides: they must be identical (and equal `expected` when given). */
  async reply(expected?: string | RegExp, what = 'reply'): Promise<string> {
    const [r, t] = await Promise.all([this.ref.read(), this.target.read()]);
    const ref = formatReply(r);
    expect(formatReply(t), `${what}: tachyon differs from redis (redis replied ${ref})`).toBe(ref);
    if (typeof expected === 'string') expect(ref).toBe(expected);
    else if (expected) expect(ref).toMatch(expected);
    return ref;
  }

  /** The next `n` replies of both sides, identical one by one, and equal to `expected` when given. */
  async replies(n: number, expected?: string[]): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const [r, t] = await Promise.all([this.ref.read(), this.target.read()]);
      const ref = formatReply(r);
      expect(formatReply(t), `reply #${i + 1}: tachyon differs from redis (redis replied ${ref})`).toBe(ref);
      out.push(ref);
    }
    if (expected) expect(out).toEqual(expected);
    return out;
  }

  /** Runs a command on both sides and compares the replies. */
  async call(cmd: Arg[], expected?: string | RegExp): Promise<string> {
    this.send(...cmd);
    return this.reply(expected, formatCommand(cmd));
  }

  /** Neither side sends anything within `ms`. */
  async silent(ms = 80): Promise<void> {
    await sleep(ms);
    expect(this.ref.countBufferedReplies(), 'redis sent something').toBe(0);
    expect(this.target.countBufferedReplies(), 'tachyon sent something').toBe(0);
  }

  /**
   * Run the steps in order on both servers and require identical
   * (normalised) replies. All differing steps are reported together; the
   * script stops early if a connection closes or stops answering.
   */
  async check(...steps: Step[]): Promise<StepResult[]> {
    const results: StepResult[] = [];
    const problems: string[] = [];
    const testBugs: string[] = [];
    let differing = 0;
    let total = 0;
    for (const [idx, step] of steps.entries()) {
      if ('sleep' in step && !Array.isArray(step)) {
        await sleep(step.sleep);
        continue;
      }
      const spec: StepSpec = Array.isArray(step) ? { cmd: step } : (step as StepSpec);
      total++;
      const cmdText = formatCommand(spec.cmd);
      this.ref.send(...spec.cmd);
      this.target.send(...spec.cmd);
      if (spec.noReply) {
        results.push({ cmd: spec.cmd, ref: undefined, target: undefined });
        continue;
      }
      const [r, t] = await Promise.all([
        readOutcome(this.ref, spec.timeoutMs),
        readOutcome(this.target, spec.timeoutMs),
      ]);
      results.push({ cmd: spec.cmd, ref: 'ok' in r ? r.ok : undefined, target: 'ok' in t ? t.ok : undefined });

      if (spec.expect !== undefined) {
        const got = outcomeText(r);
        const okExp = typeof spec.expect === 'string' ? got === spec.expect : spec.expect.test(got);
        if (!okExp) {
          testBugs.push(
            `  #${idx + 1} ${cmdText}\n     expected: ${String(spec.expect)}\n     ${this.labels.ref} replied: ${got}`,
          );
        }
      }

      let same: boolean;
      let detail: string[] = [];
      let shown: [string, string];
      if ('ok' in r && 'ok' in t) {
        const ns =
          spec.norm === undefined
            ? [defaultNormalizer(spec.cmd)].filter((x): x is Normalizer => !!x)
            : Array.isArray(spec.norm)
              ? spec.norm
              : [spec.norm];
        let nr = r.ok;
        let nt = t.ok;
        for (const n of ns) {
          const ref0 = nr;
          nr = n(nr, ref0);
          nt = n(nt, ref0);
        }
        same = isDeepStrictEqual(nr, nt);
        if (!same) {
          shown = excerpt(formatReply(nr), formatReply(nt));
          detail = explain(nr, nt);
          const rawR = formatReply(r.ok);
          const rawT = formatReply(t.ok);
          if (ns.length && (rawR !== formatReply(nr) || rawT !== formatReply(nt)) && rawR.length + rawT.length < 400) {
            detail.push(`raw ${this.labels.ref}: ${rawR}`, `raw ${this.labels.target}: ${rawT}`);
          }
        } else shown = ['', ''];
      } else {
        same = outcomeText(r) === outcomeText(t);
        shown = excerpt(outcomeText(r), outcomeText(t));
      }
      if (!same) {
        differing++;
        const w = Math.max(this.labels.ref.length, this.labels.target.length) + 1;
        problems.push(
          `  #${idx + 1} ${cmdText}\n` +
            `     ${(this.labels.ref + ':').padEnd(w)} ${shown[0]}\n` +
            `     ${(this.labels.target + ':').padEnd(w)} ${shown[1]}` +
            detail.map((l) => `\n       ${l}`).join(''),
        );
      }
      if (!('ok' in r) || !('ok' in t)) {
        // A side that closed / stopped answering cannot run the rest of the
        // script. When both ended the same way the remaining steps would
        // fail identically, so that is not a difference in itself.
        if (!same && idx < steps.length - 1) {
          problems.push(`  (script stopped after #${idx + 1}: a connection is unusable)`);
        }
        break;
      }
    }
    let msg = '';
    if (testBugs.length) {
      msg += `TEST BUG: the reference server did not reply as the test expects (RESP${this.protocol}):\n${testBugs.join('\n')}\n`;
    }
    if (differing) {
      msg += `${differing} of ${total} steps differ (RESP${this.protocol}, ${this.labels.ref} vs ${this.labels.target}):\n${problems.join('\n')}`;
    }
    if (msg) throw new DiffError(msg);
    return results;
  }

  async close(): Promise<void> {
    await Promise.all([this.ref.close(), this.target.close()]);
  }
}

// ---------------------------------------------------------------------------
// Raw protocol comparisons

export interface RawOptions {
  /** Negotiate RESP3 (HELLO 3) before sending the raw bytes. Default: the Differential's protocol. */
  protocol?: Protocol;
  /** Write the bytes in chunks of this size... */
  chunk?: number;
  /** ...waiting this long between chunks (ms). */
  delayMs?: number;
  /** Stop reading after this many complete replies (plus a short grace period). */
  replies?: number;
  /** End of reading when nothing arrived for this long (ms). */
  quietMs?: number;
  timeoutMs?: number;
  /** Bytes the reference server must send back (latin1 string), or a RegExp on them. */
  expect?: string | RegExp;
  /** Whether the reference server must close the connection. */
  expectClosed?: boolean;
}

export interface RawResult {
  ref: { data: Buffer; closed: boolean };
  target: { data: Buffer; closed: boolean };
}

function showBytes(b: Buffer): string {
  return quoteBytes(b);
}

// ---------------------------------------------------------------------------
// Differential

export interface DifferentialOptions {
  /** Server configuration (redis.conf names), applied to both servers. */
  config?: ConfigMap;
  /** Protocol of the default session. */
  protocol?: Protocol;
  /** Authenticate sessions automatically: password or [user, password]. */
  auth?: string | [string, string];
  /** Password used by the internal admin connection (defaults to config.requirepass). */
  adminPassword?: string;
  /** Read timeout per reply (ms). */
  timeoutMs?: number;
}

export class Differential {
  readonly opts: DifferentialOptions;
  ref!: ServerHandle;
  target!: ServerHandle;
  private adminRef?: RespClient;
  private adminTarget?: RespClient;
  private sessions = new Set<Session>();
  private _main?: Session;

  constructor(opts: DifferentialOptions = {}) {
    this.opts = opts;
  }

  static async start(opts: DifferentialOptions = {}): Promise<Differential> {
    const d = new Differential(opts);
    await d.start();
    return d;
  }

  get protocol(): Protocol {
    return this.opts.protocol ?? 2;
  }

  /** The default session (recreated by reset()). */
  get main(): Session {
    if (!this._main) throw new Error('Differential not started (call start() / useDifferential in a describe block)');
    return this._main;
  }

  async start(): Promise<void> {
    const config = this.opts.config ?? {};
    const [r, t] = await Promise.allSettled([startReference(config, 'redis'), startTarget(config)]);
    if (r.status === 'rejected' || t.status === 'rejected') {
      if (r.status === 'fulfilled') await r.value.close();
      if (t.status === 'fulfilled') await t.value.close();
      throw r.status === 'rejected' ? r.reason : (t as PromiseRejectedResult).reason;
    }
    this.ref = r.value;
    this.target = t.value;
    await this.reset();
  }

  async stop(): Promise<void> {
    await this.closeSessions();
    await Promise.all([this.adminRef?.close(), this.adminTarget?.close()]);
    this.adminRef = this.adminTarget = undefined;
    await Promise.all([this.ref?.close(), this.target?.close()]);
  }

  private async admin(srv: ServerHandle, current?: RespClient): Promise<RespClient> {
    if (current && !current.closed) return current;
    const c = await RespClient.connect(srv.port, { host: srv.host, timeoutMs: 10000 });
    const pw = this.opts.adminPassword ?? (this.opts.config?.requirepass as string | undefined);
    if (pw !== undefined && pw !== '') {
      const rep = await c.call('AUTH', String(pw));
      if (rep.type === 'error') throw new Error(`admin AUTH failed on ${srv.label}: ${rep.value}`);
    }
    return c;
  }

  /** Run a command on both servers through the admin connections (no comparison). */
  async adminCall(...cmd: Arg[]): Promise<{ ref: Reply; target: Reply }> {
    this.adminRef = await this.admin(this.ref, this.adminRef);
    this.adminTarget = await this.admin(this.target, this.adminTarget);
    const [r, t] = await Promise.all([this.adminRef.call(...cmd), this.adminTarget.call(...cmd)]);
    return { ref: r, target: t };
  }

  private async closeSessions() {
    const all = [...this.sessions];
    this.sessions.clear();
    this._main = undefined;
    await Promise.all(all.map((s) => s.close()));
  }

  /** FLUSHALL both servers and replace all sessions by a fresh default one. */
  async reset(): Promise<void> {
    await this.closeSessions();
    const { ref, target } = await this.adminCall('FLUSHALL');
    for (const [label, rep] of [
      [this.ref.label, ref],
      [this.target.label, target],
    ] as const) {
      if (rep.type === 'error') throw new Error(`FLUSHALL failed on ${label}: ${rep.value}`);
    }
    this._main = await this.session();
  }

  /** Open an additional session (closed automatically by reset/stop). */
  async session(opts: SessionOptions = {}): Promise<Session> {
    const o: SessionOptions = { protocol: this.protocol, auth: this.opts.auth, timeoutMs: this.opts.timeoutMs, ...opts };
    // Without credentials a password-protected server refuses HELLO 3: such
    // sessions start in RESP2 and the test switches protocol itself.
    if (o.protocol === 3 && o.auth === undefined && this.opts.config?.requirepass) o.protocol = 2;
    const s = await Session.open(this.ref, this.target, o);
    this.sessions.add(s);
    return s;
  }

  check(...steps: Step[]): Promise<StepResult[]> {
    return this.main.check(...steps);
  }

  both(...cmd: Arg[]): Promise<{ ref: Reply; target: Reply }> {
    return this.main.both(...cmd);
  }

  /** Open a raw connection pair (after optional HELLO 3 / AUTH). */
  async rawPair(opts: { protocol?: Protocol; auth?: string | [string, string] | null } = {}): Promise<Session> {
    const auth = opts.auth === null ? undefined : (opts.auth ?? this.opts.auth);
    return this.session({ protocol: opts.protocol ?? this.protocol, auth });
  }

  /**
   * Send raw bytes on a fresh connection to each server and compare the
   * bytes sent back and whether the server closed the connection.
   */
  async checkRaw(bytes: Buffer | string, opts: RawOptions = {}): Promise<RawResult> {
    const s = await this.rawPair({ protocol: opts.protocol });
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    const write = async (c: RespClient) => {
      if (!opts.chunk) {
        await c.writeRaw(data);
        return;
      }
      for (let i = 0; i < data.length; i += opts.chunk) {
        if (c.closed) return;
        await c.writeRaw(data.subarray(i, i + opts.chunk)).catch(() => undefined);
        if (opts.delayMs) await sleep(opts.delayMs);
      }
    };
    const until =
      opts.replies === undefined
        ? undefined
        : (buf: Buffer) => {
            let n = 0;
            let off = 0;
            try {
              for (;;) {
                const p = parseReply(buf, off);
                if (!p) return false;
                if (++n >= opts.replies!) return true;
                off = p.next;
              }
            } catch {
              return true;
            }
          };
    const collect = async (c: RespClient) => {
      await write(c).catch(() => undefined);
      return c.readUntilQuiet({ quietMs: opts.quietMs ?? 150, timeoutMs: opts.timeoutMs ?? 5000, until });
    };
    const [r, t] = await Promise.all([collect(s.ref), collect(s.target)]);
    const res: RawResult = { ref: r, target: t };
    const problems: string[] = [];
    if (opts.expect !== undefined) {
      const txt = r.data.toString('latin1');
      const ok = typeof opts.expect === 'string' ? txt === opts.expect : opts.expect.test(txt);
      if (!ok) problems.push(`TEST BUG: ${this.ref.label} replied ${showBytes(r.data)}, test expects ${typeof opts.expect === 'string' ? showBytes(Buffer.from(opts.expect, 'latin1')) : String(opts.expect)}`);
    }
    if (opts.expectClosed !== undefined && opts.expectClosed !== r.closed) {
      problems.push(`TEST BUG: ${this.ref.label} ${r.closed ? 'closed' : 'kept open'} the connection, test expects the opposite`);
    }
    if (!r.data.equals(t.data) || r.closed !== t.closed) {
      const [a, b] = excerpt(showBytes(r.data), showBytes(t.data), 600);
      problems.push(
        `raw reply differs for ${showBytes(data)}${opts.chunk ? ` (sent in ${opts.chunk}-byte chunks)` : ''}:\n` +
          `  ${this.ref.label}: ${a}${r.closed ? '  [connection closed]' : ''}\n` +
          `  ${this.target.label}: ${b}${t.closed ? '  [connection closed]' : ''}`,
      );
    }
    this.sessions.delete(s);
    await s.close();
    if (problems.length) throw new DiffError(problems.join('\n'));
    return res;
  }

  /**
   * For every split point, send the request in two writes (with a pause in
   * between) and compare the `replies` replies that follow.
   */
  async checkSplits(bytes: Buffer | string, opts: { replies?: number; pauseMs?: number; protocol?: Protocol } = {}) {
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    const s = await this.rawPair({ protocol: opts.protocol });
    const problems: string[] = [];
    try {
      for (let i = 1; i < data.length; i++) {
        const run = async (c: RespClient) => {
          await c.writeRaw(data.subarray(0, i));
          await sleep(opts.pauseMs ?? 3);
          await c.writeRaw(data.subarray(i));
          const out: string[] = [];
          for (let k = 0; k < (opts.replies ?? 1); k++) out.push(outcomeText(await readOutcome(c, 2000)));
          return out.join(' ');
        };
        const [r, t] = await Promise.all([run(s.ref), run(s.target)]);
        if (r !== t) {
          problems.push(`split at byte ${i} (${showBytes(data.subarray(0, i))} + ${showBytes(data.subarray(i))}):\n  ${this.ref.label}: ${r}\n  ${this.target.label}: ${t}`);
          break;
        }
        if (s.ref.closed || s.target.closed) break;
      }
    } finally {
      this.sessions.delete(s);
      await s.close();
    }
    if (problems.length) throw new DiffError(problems.join('\n'));
  }

  /**
   * Iterate a SCAN-family command to completion on both servers and compare
   * the set of elements returned (cursors themselves are not compared).
   * `cmd` uses 0 as the cursor, e.g. ['SCAN', 0, 'MATCH', 'k*'] or
   * ['HSCAN', 'h', 0].
   */
  async checkScan(cmd: Arg[], opts: { maxIterations?: number } = {}): Promise<string[]> {
    const name = String(cmd[0]).toUpperCase();
    const cursorIdx = name === 'SCAN' ? 1 : 2;
    const pairsOf = name === 'HSCAN' || name === 'ZSCAN';
    const run = async (c: RespClient): Promise<string> => {
      const seen = new Set<string>();
      let cursor = '0';
      for (let it = 0; it < (opts.maxIterations ?? 100000); it++) {
        const args = [...cmd];
        args[cursorIdx] = cursor;
        const rep = await c.call(...args);
        if (rep.type === 'error') return formatReply(rep);
        if (
          rep.type !== 'array' || !rep.value || rep.value.length !== 2 || rep.value[0].type !== 'bulk' ||
          rep.value[1].type !== 'array' || !rep.value[1].value
        ) {
          return `malformed SCAN reply ${formatReply(rep)}`;
        }
        const items = rep.value[1].value;
        if (pairsOf) {
          for (let i = 0; i + 1 < items.length; i += 2) seen.add(`${formatReply(items[i])} => ${formatReply(items[i + 1])}`);
        } else for (const x of items) seen.add(formatReply(x));
        cursor = replyText(rep.value[0]) ?? '0';
        if (cursor === '0') return [...seen].sort().join('\n');
      }
      return 'SCAN did not terminate';
    };
    const [r, t] = await Promise.all([run(this.main.ref), run(this.main.target)]);
    if (r !== t) {
      const rs = new Set(r.split('\n'));
      const ts = new Set(t.split('\n'));
      const missing = [...rs].filter((x) => !ts.has(x));
      const extra = [...ts].filter((x) => !rs.has(x));
      throw new DiffError(
        `full ${formatCommand(cmd)} iteration differs:\n` +
          `  missing on ${this.target.label}: ${missing.slice(0, 30).join(', ') || '-'}\n` +
          `  unexpected on ${this.target.label}: ${extra.slice(0, 30).join(', ') || '-'}`,
      );
    }
    return r === '' ? [] : r.split('\n');
  }
}

/**
 * Register beforeAll/afterAll/beforeEach hooks in the current describe block:
 * start both servers once, FLUSHALL and fresh connections before each test.
 */
export function useDifferential(opts: DifferentialOptions = {}): Differential {
  const d = new Differential(opts);
  beforeAll(() => d.start());
  afterAll(() => d.stop());
  beforeEach(() => d.reset());
  return d;
}

/** Build a command list conveniently: cmds`SET k v` style is not used; helpers below. */
export function repeat<T>(n: number, f: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => f(i));
}
