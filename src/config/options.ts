/**
 * The configuration options Tachyon supports, described like Redis 7.0's
 * standardConfig table (config.c): type, bounds, default (exactly as CONFIG
 * GET prints it), aliases, and whether CONFIG SET may change it.
 *
 * Also here: the names of every option Redis 7.0 knows (so that an option we
 * do not support yet fails loudly instead of being silently ignored), and
 * the value parsers Redis uses (memtoull, strtoll...; string2ll is in
 * util/integers.ts), with their exact quirks.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotifyClass } from '../boundary.gen';
import { INT64_MAX, INT64_MIN, string2ll } from '../util/integers';
import { repr } from './parse';

// ---------------------------------------------------------------------------
// Numeric parsing, C style
// ---------------------------------------------------------------------------

const U64 = (1n << 64n) - 1n;
const I64_MAX = INT64_MAX;
const I64_MIN = INT64_MIN;
export const INT_MAX = 2147483647n;
export const INT_MIN = -2147483648n;
export const UINT_MAX = 4294967295n;
export const LONG_MAX = I64_MAX;
export const LLONG_MAX = I64_MAX;
export const ULLONG_MAX = U64;

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/** C isspace() (C locale). */
function isCSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

/**
 * C strtoll()/strtoull() on `s`: leading blanks, optional sign, digits in
 * `base`. `end` is the index where parsing stopped (0 when no digit was
 * found, like endptr == nptr). Signed results saturate at the 64-bit limits
 * (`overflow` set, i.e. errno == ERANGE); unsigned ones saturate at 2^64-1
 * and a '-' negates modulo 2^64, as strtoull does.
 */
export function cStrtoll(s: string, base: number, unsigned = false): { value: bigint; end: number; overflow: boolean } {
  let i = 0;
  while (i < s.length && isCSpace(s[i])) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  const digitsStart = i;
  let v = 0n;
  const b = BigInt(base);
  while (i < s.length) {
    const c = s.charCodeAt(i);
    let d = -1;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 122) d = c - 97 + 10;
    else if (c >= 65 && c <= 90) d = c - 65 + 10;
    if (d < 0 || d >= base) break;
    v = v * b + BigInt(d);
    i++;
  }
  if (i === digitsStart) return { value: 0n, end: 0, overflow: false };
  let overflow = false;
  if (unsigned) {
    if (v > U64) {
      v = U64;
      overflow = true;
    } else if (neg) {
      v = BigInt.asUintN(64, -v);
    }
  } else {
    if (neg) v = -v;
    if (v > I64_MAX) {
      v = I64_MAX;
      overflow = true;
    } else if (v < I64_MIN) {
      v = I64_MIN;
      overflow = true;
    }
  }
  return { value: v, end: i, overflow };
}

/**
 * Redis's memtoull(): "<digits>[unit]" with units b, k (1000), kb (1024), m,
 * mb, g, gb, case-insensitive. No sign, no blanks. Like Redis 7.0 the
 * product wraps modulo 2^64 and an empty number counts as 0 ("" and "kb"
 * are 0). null when invalid.
 */
export function memtoull(s: string): bigint | null {
  if (s.startsWith('-')) return null;
  let u = 0;
  while (u < s.length && isDigit(s[u])) u++;
  const unit = s.slice(u).toLowerCase();
  let mul: bigint;
  switch (unit) {
    case '':
    case 'b': mul = 1n; break;
    case 'k': mul = 1000n; break;
    case 'kb': mul = 1024n; break;
    case 'm': mul = 1000n * 1000n; break;
    case 'mb': mul = 1024n * 1024n; break;
    case 'g': mul = 1000n * 1000n * 1000n; break;
    case 'gb': mul = 1024n * 1024n * 1024n; break;
    default: return null;
  }
  if (u >= 128) return null;
  let val = u === 0 ? 0n : BigInt(s.slice(0, u));
  if (val > U64) val = U64; // strtoull saturates
  return BigInt.asUintN(64, val * mul);
}

/** Redis's rewriteConfigFormatMemory(): 1gb / 512mb / 64kb / bytes. */
export function formatMemory(bytes: bigint): string {
  const b = BigInt.asIntN(64, bytes); // Redis formats a long long
  const gb = 1024n * 1024n * 1024n;
  const mb = 1024n * 1024n;
  const kb = 1024n;
  if (b !== 0n && b % gb === 0n) return `${b / gb}gb`;
  if (b !== 0n && b % mb === 0n) return `${b / mb}mb`;
  if (b !== 0n && b % kb === 0n) return `${b / kb}kb`;
  return `${b}`;
}

/** strerror() text for a Node.js system error. */
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT': return 'No such file or directory';
    case 'EACCES': return 'Permission denied';
    case 'EPERM': return 'Operation not permitted';
    case 'ENOTDIR': return 'Not a directory';
    case 'EISDIR': return 'Is a directory';
    case 'ELOOP': return 'Too many levels of symbolic links';
    case 'ENAMETOOLONG': return 'File name too long';
    case 'EROFS': return 'Read-only file system';
    case 'ENOSPC': return 'No space left on device';
    case 'EEXIST': return 'File exists';
    case 'EMFILE': return 'Too many open files';
    case 'EBUSY': return 'Device or resource busy';
    case 'EXDEV': return 'Invalid cross-device link';
    case 'EINVAL': return 'Invalid argument';
    case 'EIO': return 'Input/output error';
    case 'EDQUOT': return 'Disk quota exceeded';
    case 'EADDRINUSE': return 'Address already in use';
    case 'EADDRNOTAVAIL': return 'Cannot assign requested address';
    default: return (e as Error | undefined)?.message ?? String(e);
  }
}

// ---------------------------------------------------------------------------
// The option table
// ---------------------------------------------------------------------------

export type OptionType = 'bool' | 'int' | 'memory' | 'octal' | 'enum' | 'string' | 'special';

/** What set functions may look at besides their arguments. */
export interface SetContext {
  /** True while loading a config file / the command line (Redis's reading_config_file). */
  readingConfigFile: boolean;
  /** Loader state shared by a whole Config (Redis keeps it in statics). */
  loader: { saveLoaded: boolean };
  /** Current internal value of the option being set. */
  current: unknown;
  /** Current value of `dir` (relative paths are resolved against it). */
  dir: string;
  /** Current internal value of any option. */
  valueOf(name: string): unknown;
}

export type SetResult = { value: unknown } | { error: string };

/** The CONFIG REWRITE primitives specials use (see Config.rewrite). */
export interface RewriteState {
  /** Replaces the next old line of `option`, or appends `line` when `force`. */
  rewriteLine(option: string, line: string, force: boolean): void;
  /** Marks `option` as handled, so that its unused old lines are blanked. */
  markProcessed(option: string): void;
}

interface BaseSpec {
  /** Canonical name. */
  readonly name: string;
  /** Redis's alias names for the option (e.g. lua-time-limit). */
  readonly aliases: readonly string[];
  /** Default exactly as Redis 7.0 shows it in CONFIG GET ('' for dir: the working directory). */
  readonly default: string;
  /** CONFIG SET allowed (Redis: MODIFIABLE_CONFIG vs IMMUTABLE_CONFIG). */
  readonly mutable: boolean;
  /** CONFIG SET needs enable-protected-configs (Redis: PROTECTED_CONFIG). */
  readonly protected?: boolean;
  /** CONFIG SET is refused while loading data (Redis: DENY_LOADING_CONFIG). */
  readonly denyLoading?: boolean;
  /** Value must not show in logs/slowlog (Redis: SENSITIVE_CONFIG). */
  readonly sensitive?: boolean;
  /** Takes several arguments (Redis: MULTI_ARG_CONFIG). */
  readonly multiArg?: boolean;
  /**
   * Tachyon-only restriction on a value Redis would accept (e.g. daemonize
   * yes): returns the error to report, or null.
   */
  readonly restrict?: (value: unknown) => string | null;
}

export interface BoolSpec extends BaseSpec {
  readonly type: 'bool';
}

export interface NumericSpec extends BaseSpec {
  readonly type: 'int' | 'memory' | 'octal';
  readonly min: bigint;
  readonly max: bigint;
  /** Bounds are checked on the unsigned value (C unsigned/size_t/ull types). */
  readonly unsigned: boolean;
}

export interface EnumSpec extends BaseSpec {
  readonly type: 'enum';
  /** Names and values; several names may share a value (the first is shown). */
  readonly values: readonly (readonly [string, number])[];
}

export interface StringSpec extends BaseSpec {
  readonly type: 'string';
  /** '' is stored as "unset" (Redis: EMPTY_STRING_IS_NULL; rewrite then drops the line). */
  readonly emptyIsNull: boolean;
  /** Extra validation (Redis's is_valid_fn): returns the error or null. */
  readonly validate?: (value: string, ctx: SetContext) => string | null;
}

export interface SpecialSpec extends BaseSpec {
  readonly type: 'special';
  set(args: string[], ctx: SetContext): SetResult;
  format(value: unknown): string;
  rewrite(name: string, value: unknown, state: RewriteState): void;
}

export type OptionSpec = BoolSpec | NumericSpec | EnumSpec | StringSpec | SpecialSpec;

// ----- value types of the special options ---------------------------------

export interface SaveParam {
  seconds: number;
  changes: number;
}

export interface ClientBufferLimit {
  hardLimitBytes: number;
  softLimitBytes: number;
  softLimitSeconds: number;
}

export type ClientClass = 'normal' | 'replica' | 'pubsub';
export type ClientOutputBufferLimits = Record<ClientClass, ClientBufferLimit>;

interface ObufEntry {
  hard: bigint;
  soft: bigint;
  seconds: number;
}

/** The classes' bits, as the addon reads them (NotifyClass, generated from native/boundary.json). */
const NOTIFY_BITS = {
  KEYSPACE: NotifyClass.Keyspace, // K
  KEYEVENT: NotifyClass.Keyevent, // E
  GENERIC: NotifyClass.Generic, // g
  STRING: NotifyClass.String, // $
  LIST: NotifyClass.List, // l
  SET: NotifyClass.Set, // s
  HASH: NotifyClass.Hash, // h
  ZSET: NotifyClass.Zset, // z
  EXPIRED: NotifyClass.Expired, // x
  EVICTED: NotifyClass.Evicted, // e
  STREAM: NotifyClass.Stream, // t
  KEY_MISS: NotifyClass.KeyMiss, // m
  LOADED: NotifyClass.Loaded, // module only
  MODULE: NotifyClass.Module, // d
  NEW: NotifyClass.New, // n
} as const;

/** Keyspace notification flags, as notify.c defines them ('A' is ALL). */
export const NOTIFY = {
  ...NOTIFY_BITS,
  ALL:
    NOTIFY_BITS.GENERIC | NOTIFY_BITS.STRING | NOTIFY_BITS.LIST | NOTIFY_BITS.SET | NOTIFY_BITS.HASH |
    NOTIFY_BITS.ZSET | NOTIFY_BITS.EXPIRED | NOTIFY_BITS.EVICTED | NOTIFY_BITS.STREAM | NOTIFY_BITS.MODULE,
} as const;

/** keyspaceEventsStringToFlags(): null for an unknown class character. */
export function keyspaceEventsStringToFlags(classes: string): number | null {
  let flags = 0;
  for (const c of classes) {
    switch (c) {
      case 'A': flags |= NOTIFY.ALL; break;
      case 'g': flags |= NOTIFY.GENERIC; break;
      case '$': flags |= NOTIFY.STRING; break;
      case 'l': flags |= NOTIFY.LIST; break;
      case 's': flags |= NOTIFY.SET; break;
      case 'h': flags |= NOTIFY.HASH; break;
      case 'z': flags |= NOTIFY.ZSET; break;
      case 'x': flags |= NOTIFY.EXPIRED; break;
      case 'e': flags |= NOTIFY.EVICTED; break;
      case 'K': flags |= NOTIFY.KEYSPACE; break;
      case 'E': flags |= NOTIFY.KEYEVENT; break;
      case 't': flags |= NOTIFY.STREAM; break;
      case 'm': flags |= NOTIFY.KEY_MISS; break;
      case 'd': flags |= NOTIFY.MODULE; break;
      case 'n': flags |= NOTIFY.NEW; break;
      default: return null;
    }
  }
  return flags;
}

/** keyspaceEventsFlagsToString(): the normalised form CONFIG GET shows. */
export function keyspaceEventsFlagsToString(flags: number): string {
  let res = '';
  if ((flags & NOTIFY.ALL) === NOTIFY.ALL) {
    res += 'A';
  } else {
    if (flags & NOTIFY.GENERIC) res += 'g';
    if (flags & NOTIFY.STRING) res += '$';
    if (flags & NOTIFY.LIST) res += 'l';
    if (flags & NOTIFY.SET) res += 's';
    if (flags & NOTIFY.HASH) res += 'h';
    if (flags & NOTIFY.ZSET) res += 'z';
    if (flags & NOTIFY.EXPIRED) res += 'x';
    if (flags & NOTIFY.EVICTED) res += 'e';
    if (flags & NOTIFY.STREAM) res += 't';
    if (flags & NOTIFY.MODULE) res += 'd';
    if (flags & NOTIFY.NEW) res += 'n';
  }
  if (flags & NOTIFY.KEYSPACE) res += 'K';
  if (flags & NOTIFY.KEYEVENT) res += 'E';
  if (flags & NOTIFY.KEY_MISS) res += 'm';
  return res;
}

// ----- special option implementations --------------------------------------

const CONFIG_BINDADDR_MAX = 16;

const bindSpec: SpecialSpec = {
  name: 'bind',
  aliases: [],
  type: 'special',
  default: '* -::*',
  mutable: true,
  multiArg: true,
  set(args) {
    if (args.length > CONFIG_BINDADDR_MAX) return { error: 'Too many bind addresses specified.' };
    if (args.length === 1 && args[0] === '') return { value: [] as string[] };
    return { value: args.slice() };
  },
  format: (v) => (v as string[]).join(' '),
  rewrite(name, v, state) {
    const addrs = v as string[];
    if (addrs.length === 2 && addrs[0] === '*' && addrs[1] === '-::*') {
      state.markProcessed(name);
      return;
    }
    state.rewriteLine(name, `${name} ${addrs.length ? addrs.join(' ') : '""'}`, true);
  },
};

const dirSpec: SpecialSpec = {
  name: 'dir',
  aliases: [],
  type: 'special',
  default: '',
  mutable: true,
  protected: true,
  denyLoading: true,
  set(args, ctx) {
    if (args.length !== 1) return { error: 'wrong number of arguments' };
    // Redis chdir()s; we only check that we could, and remember the
    // physical path (what getcwd() would then return).
    if (args[0] === '') return { error: 'No such file or directory' };
    try {
      const target = fs.realpathSync(path.resolve(ctx.dir, args[0]));
      if (!fs.statSync(target).isDirectory()) return { error: 'Not a directory' };
      fs.accessSync(target, fs.constants.X_OK);
      return { value: target };
    } catch (e) {
      return { error: strerror(e) };
    }
  },
  format: (v) => v as string,
  rewrite(name, v, state) {
    // Always written, with an absolute path (rewriteConfigDirOption).
    state.rewriteLine(name, `${name} ${repr(v as string)}`, true);
  },
};

/** C strtoll(s, &end, 10) followed by Redis's `*end == '\0'` check. */
function strtollWhole(s: string): bigint | null {
  const r = cStrtoll(s, 10);
  // With no digits endptr is the start of the string, so only "" passes.
  return r.end < s.length ? null : r.value;
}

const saveSpec: SpecialSpec = {
  name: 'save',
  aliases: [],
  type: 'special',
  default: '3600 1 300 100 60 10000',
  mutable: true,
  multiArg: true,
  set(args, ctx) {
    let argv = args;
    // A single "" means "no save points".
    if (argv.length === 1 && argv[0] === '') argv = [];
    if (argv.length % 2 !== 0) return { error: 'Invalid save parameters' };
    const parsed: bigint[] = [];
    for (let j = 0; j < argv.length; j++) {
      const v = strtollWhole(argv[j]);
      if (v === null || (j % 2 === 0 && v < 1n) || (j % 2 === 1 && v < 0n)) {
        return { error: 'Invalid save parameters' };
      }
      parsed.push(v);
    }
    // While reading the config file, save lines accumulate; the first one
    // replaces the defaults. CONFIG SET (and, as in Redis, any line read
    // after an `include` returned) replaces the whole list.
    let list: SaveParam[];
    if (!ctx.readingConfigFile || !ctx.loader.saveLoaded) {
      if (ctx.readingConfigFile) ctx.loader.saveLoaded = true;
      list = [];
    } else {
      list = (ctx.current as SaveParam[]).slice();
    }
    for (let j = 0; j < parsed.length; j += 2) {
      list.push({ seconds: Number(parsed[j]), changes: Number(BigInt.asIntN(32, parsed[j + 1])) });
    }
    return { value: list };
  },
  format: (v) => (v as SaveParam[]).map((p) => `${p.seconds} ${p.changes}`).join(' '),
  rewrite(name, v, state) {
    const list = v as SaveParam[];
    if (list.length === 0) state.rewriteLine(name, 'save ""', true);
    else for (const p of list) state.rewriteLine(name, `save ${p.seconds} ${p.changes}`, true);
    state.markProcessed(name);
  },
};

/**
 * replicaof / slaveof <host> <port> | no one: the master to replicate from at
 * startup. The value is a holder the replication feature keeps current (as
 * Redis reads server.masterhost), so CONFIG GET and CONFIG REWRITE show the
 * master set by REPLICAOF too.
 */
export interface ReplicaOf {
  host: string;
  port: number;
}

const replicaofSpec: SpecialSpec = {
  name: 'replicaof',
  aliases: ['slaveof'],
  type: 'special',
  default: '',
  mutable: false,
  multiArg: true,
  set(args) {
    if (args.length === 0 || (args.length === 1 && args[0] === '')) return { value: { host: '', port: 0 } };
    if (args.length !== 2) return { error: 'wrong number of arguments' };
    if (args[0].toLowerCase() === 'no' && args[1].toLowerCase() === 'one') return { value: { host: '', port: 0 } };
    const port = /^-?\d+$/.test(args[1]) ? Number(args[1]) : NaN;
    if (!(port >= 0 && port <= 65535)) return { error: 'Invalid master port' };
    return { value: { host: args[0], port } };
  },
  format: (v) => ((v as ReplicaOf).host ? `${(v as ReplicaOf).host} ${(v as ReplicaOf).port}` : ''),
  rewrite(name, v, state) {
    const r = v as ReplicaOf;
    if (r.host) state.rewriteLine(name, `${name} ${r.host} ${r.port}`, true);
    state.markProcessed(name);
  },
};

const notifySpec: SpecialSpec = {
  name: 'notify-keyspace-events',
  aliases: [],
  type: 'special',
  default: '',
  mutable: true,
  set(args) {
    if (args.length !== 1) return { error: 'wrong number of arguments' };
    const flags = keyspaceEventsStringToFlags(args[0]);
    if (flags === null) return { error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." };
    return { value: flags };
  },
  format: (v) => keyspaceEventsFlagsToString(v as number),
  rewrite(name, v, state) {
    const flags = v as number;
    state.rewriteLine(name, `${name} ${repr(keyspaceEventsFlagsToString(flags))}`, flags !== 0);
  },
};

const OBUF_CLASSES = ['normal', 'replica', 'pubsub'] as const;
const OBUF_DEFAULTS: readonly ObufEntry[] = [
  { hard: 0n, soft: 0n, seconds: 0 },
  { hard: 256n * 1024n * 1024n, soft: 64n * 1024n * 1024n, seconds: 60 },
  { hard: 32n * 1024n * 1024n, soft: 8n * 1024n * 1024n, seconds: 60 },
];

function clientClassIndex(name: string): number {
  switch (name.toLowerCase()) {
    case 'normal': return 0;
    case 'slave':
    case 'replica': return 1;
    case 'pubsub': return 2;
    case 'master': return 3;
    default: return -1;
  }
}

const obufSpec: SpecialSpec = {
  name: 'client-output-buffer-limit',
  aliases: [],
  type: 'special',
  default: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
  mutable: true,
  multiArg: true,
  set(args, ctx) {
    if (args.length % 4 !== 0) return { error: 'Wrong number of arguments in buffer limit configuration.' };
    const cur = ctx.current as ObufEntry[] | undefined;
    const next = (cur ?? OBUF_DEFAULTS).map((e) => ({ ...e }));
    // Everything is checked before anything changes.
    const staged: [number, ObufEntry][] = [];
    for (let j = 0; j < args.length; j += 4) {
      const cls = clientClassIndex(args[j]);
      if (cls === -1 || cls === 3) return { error: 'Invalid client class specified in buffer limit configuration.' };
      const hard = memtoull(args[j + 1]);
      const soft = memtoull(args[j + 2]);
      const secs = strtollWhole(args[j + 3]);
      const secs32 = secs === null ? -1 : Number(BigInt.asIntN(32, secs));
      if (hard === null || soft === null || secs === null || secs32 < 0) {
        return { error: 'Error in hard, soft or soft_seconds setting in buffer limit configuration.' };
      }
      staged.push([cls, { hard, soft, seconds: secs32 }]);
    }
    for (const [cls, e] of staged) next[cls] = e;
    return { value: next };
  },
  format(v) {
    const names = ['normal', 'slave', 'pubsub'];
    return (v as ObufEntry[]).map((e, i) => `${names[i]} ${e.hard} ${e.soft} ${e.seconds}`).join(' ');
  },
  rewrite(name, v, state) {
    const list = v as ObufEntry[];
    for (let j = 0; j < 3; j++) {
      const e = list[j];
      const d = OBUF_DEFAULTS[j];
      const force = e.hard !== d.hard || e.soft !== d.soft || e.seconds !== d.seconds;
      state.rewriteLine(
        name,
        `${name} ${OBUF_CLASSES[j]} ${formatMemory(e.hard)} ${formatMemory(e.soft)} ${e.seconds}`,
        force,
      );
    }
  },
};

// ----- proc-title-template -------------------------------------------------

/**
 * Expands a proc-title template like Redis's sdstemplate(): {name} is a
 * variable, {{ is a literal '{'; an unknown variable or a '{' without its
 * '}' is an error (null).
 */
export function expandProcTitleTemplate(template: string, vars: (name: string) => string | null): string | null {
  let res = '';
  let p = 0;
  while (p < template.length) {
    const sv = template.indexOf('{', p);
    if (sv < 0) {
      res += template.slice(p);
      break;
    }
    res += template.slice(p, sv);
    const nameStart = sv + 1;
    if (nameStart >= template.length) return null;
    if (template[nameStart] === '{') {
      res += '{';
      p = nameStart + 1;
      continue;
    }
    const ev = template.indexOf('}', nameStart);
    if (ev < 0) return null;
    const value = vars(template.slice(nameStart, ev));
    if (value === null) return null;
    res += value;
    p = ev + 1;
  }
  return res;
}

function validateProcTitle(template: string, ctx: SetContext): string | null {
  const port = Number(ctx.valueOf('port') ?? 6379n);
  const bind = (ctx.valueOf('bind') as string[] | undefined) ?? ['*'];
  const unixsocket = (ctx.valueOf('unixsocket') as string | null | undefined) ?? '';
  const expanded = expandProcTitleTemplate(template, (name) => {
    switch (name) {
      case 'title': return '';
      case 'listen-addr': return port ? `${bind.length ? bind[0] : '*'}:${port}` : `unixsocket:${unixsocket}`;
      case 'server-mode': return '';
      case 'config-file': return '-';
      case 'port': return String(port);
      case 'tls-port': return '0';
      case 'unixsocket': return unixsocket;
      default: return null;
    }
  });
  if (expanded === null || expanded.replace(/^ +| +$/g, '') === '') {
    return 'template format is invalid or contains unknown variables';
  }
  return null;
}

// ----- builders ----------------------------------------------------------------

type Flags = Partial<Pick<BaseSpec, 'protected' | 'denyLoading' | 'sensitive' | 'restrict'>> & { aliases?: string[] };

function bool(name: string, def: boolean, mutable: boolean, flags: Flags = {}): BoolSpec {
  return { name, aliases: flags.aliases ?? [], type: 'bool', default: def ? 'yes' : 'no', mutable, ...strip(flags) };
}

function int(name: string, min: bigint, max: bigint, def: bigint, mutable: boolean, unsigned = false, flags: Flags = {}): NumericSpec {
  return { name, aliases: flags.aliases ?? [], type: 'int', min, max, unsigned, default: String(def), mutable, ...strip(flags) };
}

function mem(name: string, min: bigint, max: bigint, def: bigint, mutable: boolean, unsigned = false, flags: Flags = {}): NumericSpec {
  return { name, aliases: flags.aliases ?? [], type: 'memory', min, max, unsigned, default: String(def), mutable, ...strip(flags) };
}

function enm(name: string, values: readonly (readonly [string, number])[], def: string, mutable: boolean, flags: Flags = {}): EnumSpec {
  return { name, aliases: flags.aliases ?? [], type: 'enum', values, default: def, mutable, ...strip(flags) };
}

function str(
  name: string,
  def: string,
  mutable: boolean,
  emptyIsNull: boolean,
  flags: Flags & { validate?: StringSpec['validate'] } = {},
): StringSpec {
  const { validate, ...rest } = flags;
  const spec: StringSpec = { name, aliases: rest.aliases ?? [], type: 'string', default: def, mutable, emptyIsNull, ...strip(rest) };
  return validate ? { ...spec, validate } : spec;
}

function strip(flags: Flags): Omit<Flags, 'aliases'> {
  const { aliases: _aliases, ...rest } = flags;
  return rest;
}

function pathIsBaseName(p: string): boolean {
  return !p.includes('/') && !p.includes('\\');
}

const PROTECTED_ACTION: readonly (readonly [string, number])[] = [['no', 0], ['yes', 1], ['local', 2]];

// ----- options of introspection, shutdown and the features Tachyon lacks ----

/** "%f" with the trailing zeros (and dot) removed: Redis's trimDoubleString. */
export function formatPercentile(p: number): string {
  const s = p.toFixed(6);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/**
 * Redis's string2d: strtod() must consume the whole string (decimal, hex
 * with an optional binary exponent, inf), with no leading blank, not NaN.
 */
function string2d(s: string): number | null {
  if (s === '' || /^\s/.test(s)) return null;
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/.exec(s);
  if (hex) {
    const [, sign, int, frac = '', exp = '0'] = hex;
    if (int === '' && frac === '') return null;
    let v = int === '' ? 0 : parseInt(int, 16);
    for (let i = 0; i < frac.length; i++) v += parseInt(frac[i], 16) / 16 ** (i + 1);
    v *= 2 ** Number(exp);
    return sign === '-' ? -v : v;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
  return Number(s);
}

const latencyPercentilesSpec: SpecialSpec = {
  name: 'latency-tracking-info-percentiles',
  aliases: [],
  type: 'special',
  default: '50 99 99.9',
  mutable: true,
  multiArg: true,
  set(args) {
    // One empty argument: no percentiles at all.
    if (args.length === 1 && args[0] === '') return { value: [] as number[] };
    const out: number[] = [];
    for (const a of args) {
      const p = string2d(a);
      if (p === null) return { error: 'Invalid latency-tracking-info-percentiles parameters' };
      if (p > 100 || p < 0) return { error: 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]' };
      out.push(p);
    }
    return { value: out };
  },
  format: (v) => (v as number[]).map(formatPercentile).join(' '),
  rewrite(name, v, state) {
    const list = v as number[];
    state.rewriteLine(name, `${name} ${list.length ? list.map(formatPercentile).join(' ') : '""'}`, true);
  },
};

const OOM_DEFAULTS = [0n, 200n, 800n];

const oomValuesSpec: SpecialSpec = {
  name: 'oom-score-adj-values',
  aliases: [],
  type: 'special',
  default: '0 200 800',
  mutable: true,
  multiArg: true,
  set(args) {
    if (args.length !== 3) return { error: 'wrong number of arguments' };
    const out: bigint[] = [];
    for (const a of args) {
      const r = cStrtoll(a, 10);
      if (r.end !== a.length || r.value < -2000n || r.value > 2000n) {
        return { error: 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.' };
      }
      out.push(r.value);
    }
    return { value: out };
  },
  format: (v) => (v as bigint[]).join(' '),
  rewrite(name, v, state) {
    const list = v as bigint[];
    const force = list.some((x, i) => x !== OOM_DEFAULTS[i]);
    state.rewriteLine(name, `${name} ${list.join(' ')}`, force);
  },
};

/** SHUTDOWN flags for a signal (shutdown-on-sigint / sigterm), as bits. */
export const SHUTDOWN_FLAGS = { save: 1, nosave: 2, now: 4, force: 8 } as const;
const SHUTDOWN_FLAG_NAMES: readonly (readonly [string, number])[] = [
  ['default', 0],
  ['save', SHUTDOWN_FLAGS.save],
  ['nosave', SHUTDOWN_FLAGS.nosave],
  ['now', SHUTDOWN_FLAGS.now],
  ['force', SHUTDOWN_FLAGS.force],
];

function shutdownOnSignalSpec(name: string): SpecialSpec {
  return {
    name,
    aliases: [],
    type: 'special',
    default: 'default',
    mutable: true,
    multiArg: true,
    set(args) {
      let flags = 0;
      const oneOf = `argument(s) must be one of the following: ${SHUTDOWN_FLAG_NAMES.map(([n]) => n).join(', ')}`;
      if (args.length === 0 || (args.length === 1 && args[0] === '')) return { error: oneOf };
      for (const a of args) {
        const hit = SHUTDOWN_FLAG_NAMES.find(([n]) => n === a.toLowerCase());
        if (!hit) return { error: oneOf };
        flags |= hit[1];
      }
      if (flags & SHUTDOWN_FLAGS.nosave && flags & SHUTDOWN_FLAGS.save) {
        return { error: "shutdown options SAVE and NOSAVE can't be used simultaneously" };
      }
      return { value: flags };
    },
    format(v) {
      const flags = v as number;
      if (flags === 0) return 'default';
      return SHUTDOWN_FLAG_NAMES.filter(([, bit]) => bit !== 0 && flags & bit)
        .map(([n]) => n)
        .join(' ');
    },
    rewrite(n, v, state) {
      state.rewriteLine(n, `${n} ${this.format(v)}`, (v as number) !== 0);
    },
  };
}

/** maxmemory-clients: bytes, or a percentage of maxmemory ("10%", kept as -10 as Redis keeps it); 0 turns client eviction off. */
const maxmemoryClientsSpec: SpecialSpec = {
  name: 'maxmemory-clients',
  aliases: [],
  type: 'special',
  default: '0',
  mutable: true,
  set(args) {
    if (args.length !== 1) return { error: 'wrong number of arguments' };
    const a = args[0];
    // numericParseString: a memory value first (stored signed, so 2^63 and up
    // read as percentages), then "<n>%" (stored negated).
    let value: bigint | null = null;
    const m = memtoull(a);
    if (m !== null) {
      value = BigInt.asIntN(64, m);
    } else if (a.length > 1 && a.endsWith('%')) {
      const p = string2ll(a.slice(0, -1));
      if (p !== null && p >= 0n) value = -p;
    }
    if (value === null) return { error: 'argument must be a memory or percent value' };
    if (value < -100n) return { error: 'percentage argument must be less or equal to 100' };
    return { value };
  },
  format: (v) => ((v as bigint) < 0n ? `${-(v as bigint)}%` : String(v)),
  rewrite(name, v, state) {
    const n = v as bigint;
    state.rewriteLine(name, `${name} ${n < 0n ? `${-n}%` : formatMemory(n)}`, n !== 0n);
  },
};

const unsupported = (what: string) => (v: unknown) =>
  v ? `Tachyon does not support ${what} yet` : null;
const unsupportedUnlessEmpty = (what: string) => (v: unknown) =>
  v !== null && v !== '' ? `Tachyon does not support ${what} yet` : null;
const unsupportedUnlessZero = (what: string) => (v: unknown) =>
  v !== 0n ? `Tachyon does not support ${what} yet` : null;

/**
 * The rest of Redis 7.0's options: CONFIG GET answers every one with its
 * value, and the config file and CONFIG SET accept them as Redis does. For
 * a feature Tachyon does not have (cluster, TLS, replicas, CPU affinity,
 * syslog, active defragmentation) the values that describe
 * a server without it are accepted and any other is refused with an error
 * saying so, never silently ignored.
 */
const MORE_OPTIONS: readonly OptionSpec[] = [
  bool('latency-tracking', true, true),
  latencyPercentilesSpec,
  enm('propagation-error-behavior', [['ignore', 0], ['panic', 1], ['panic-on-replicas', 2]], 'ignore', true),
  shutdownOnSignalSpec('shutdown-on-sigint'),
  shutdownOnSignalSpec('shutdown-on-sigterm'),
  int('shutdown-timeout', 0n, INT_MAX, 10n, true),
  bool('disable-thp', true, false),
  bool('jemalloc-bg-thread', true, true),
  str('ignore-warnings', '', true, false),
  oomValuesSpec,
  bool('io-threads-do-reads', false, false),
  bool('activedefrag', false, true, {
    restrict: (v) =>
      v
        ? 'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution'
        : null,
  }),
  mem('active-defrag-ignore-bytes', 1n, LLONG_MAX, 100n * 1024n * 1024n, true, true),
  int('active-defrag-threshold-lower', 0n, 1000n, 10n, true),
  int('active-defrag-threshold-upper', 0n, 1000n, 100n, true),
  int('active-defrag-cycle-min', 1n, 99n, 1n, true),
  int('active-defrag-cycle-max', 1n, 99n, 25n, true),
  int('active-defrag-max-scan-fields', 1n, LONG_MAX, 1000n, true, true),
  bool('syslog-enabled', false, false, { restrict: unsupported('logging to syslog') }),
  str('syslog-ident', 'redis', false, false),
  enm(
    'syslog-facility',
    [['user', 8], ['local0', 128], ['local1', 136], ['local2', 144], ['local3', 152], ['local4', 160], ['local5', 168], ['local6', 176], ['local7', 184]],
    'local0',
    false,
  ),
  str('server_cpulist', '', false, true, { restrict: unsupportedUnlessEmpty('CPU affinity (server_cpulist)') }),
  str('bio_cpulist', '', false, true, { restrict: unsupportedUnlessEmpty('CPU affinity (bio_cpulist)') }),
  str('aof_rewrite_cpulist', '', false, true, { restrict: unsupportedUnlessEmpty('CPU affinity (aof_rewrite_cpulist)') }),
  str('bgsave_cpulist', '', false, true, { restrict: unsupportedUnlessEmpty('CPU affinity (bgsave_cpulist)') }),
  int('socket-mark-id', 0n, UINT_MAX, 0n, false, true, { restrict: unsupportedUnlessZero('socket marks (socket-mark-id)') }),
  str('bind-source-addr', '', true, true),
  // Cluster
  bool('cluster-enabled', false, false, { restrict: unsupported('cluster mode') }),
  str('cluster-config-file', 'nodes.conf', false, false),
  int('cluster-node-timeout', 0n, LLONG_MAX, 15000n, true),
  int('cluster-port', 0n, 65535n, 0n, false),
  str('cluster-announce-ip', '', true, true),
  str('cluster-announce-hostname', '', true, true, {
    validate: (v) =>
      v.length >= 256
        ? 'Hostnames must be less than 256 characters'
        : /^[a-zA-Z0-9.-]*$/.test(v)
          ? null
          : 'Hostnames may only contain alphanumeric characters, hyphens or dots',
  }),
  int('cluster-announce-port', 0n, 65535n, 0n, true),
  int('cluster-announce-bus-port', 0n, 65535n, 0n, true),
  int('cluster-announce-tls-port', 0n, 65535n, 0n, true),
  enm('cluster-preferred-endpoint-type', [['ip', 0], ['hostname', 1], ['unknown-endpoint', 2]], 'ip', true),
  bool('cluster-require-full-coverage', true, true),
  bool('cluster-replica-no-failover', false, true, { aliases: ['cluster-slave-no-failover'] }),
  bool('cluster-allow-reads-when-down', false, true),
  bool('cluster-allow-pubsubshard-when-down', true, true),
  bool('cluster-allow-replica-migration', true, true),
  int('cluster-migration-barrier', 0n, INT_MAX, 1n, true),
  int('cluster-replica-validity-factor', 0n, INT_MAX, 10n, true, false, { aliases: ['cluster-slave-validity-factor'] }),
  mem('cluster-link-sendbuf-limit', 0n, ULLONG_MAX, 0n, true, true),
  // TLS
  // Replication: the options src/replication/ implements are in OPTIONS below
  // (replicaof, masterauth, masteruser, repl-timeout, repl-ping-replica-period,
  // min-replicas-*); src/replication/ reads these too (repl-diskless-sync*,
  // repl-backlog-ttl, replica-lazy-flush, repl-diskless-load: on-empty-db
  // and swapdb load the master's snapshot from the socket, diskless-load.ts).
  bool('repl-diskless-sync', true, true),
  int('repl-diskless-sync-delay', 0n, INT_MAX, 5n, true),
  int('repl-diskless-sync-max-replicas', 0n, INT_MAX, 0n, true),
  enm('repl-diskless-load', [['disabled', 0], ['on-empty-db', 1], ['swapdb', 2]], 'disabled', true, {
    denyLoading: true,
  }),
  int('repl-backlog-ttl', 0n, LONG_MAX, 3600n, true),
  bool('repl-disable-tcp-nodelay', false, true),
  bool('replica-serve-stale-data', true, true, { aliases: ['slave-serve-stale-data'] }),
  bool('replica-lazy-flush', false, true, { aliases: ['slave-lazy-flush'] }),
  bool('replica-ignore-maxmemory', true, true, { aliases: ['slave-ignore-maxmemory'] }),
  str('replica-announce-ip', '', true, true, { aliases: ['slave-announce-ip'] }),
  int('replica-announce-port', 0n, 65535n, 0n, true, false, { aliases: ['slave-announce-port'] }),
  int('replica-priority', 0n, INT_MAX, 100n, true, false, { aliases: ['slave-priority'] }),
  bool('replica-announced', true, true),
  bool('replica-ignore-disk-write-errors', false, true),
];

export const MAXMEMORY_POLICIES = [
  'volatile-lru',
  'volatile-lfu',
  'volatile-random',
  'volatile-ttl',
  'allkeys-lru',
  'allkeys-lfu',
  'allkeys-random',
  'noeviction',
] as const;

/** The options Tachyon supports, in a stable order (CONFIG GET / REWRITE use it). */
export const OPTIONS: readonly OptionSpec[] = [
  int('port', 0n, 65535n, 6379n, true),
  bindSpec,
  str('unixsocket', '', false, true),
  { name: 'unixsocketperm', aliases: [], type: 'octal', min: 0n, max: 0o777n, unsigned: true, default: '0', mutable: false },
  bool('protected-mode', true, true),
  str('requirepass', '', true, true, { sensitive: true }),
  int('databases', 1n, INT_MAX, 16n, false),
  int('maxclients', 1n, UINT_MAX, 10000n, true, true),
  int('timeout', 0n, INT_MAX, 0n, true),
  int('tcp-keepalive', 0n, INT_MAX, 300n, true),
  int('tcp-backlog', 0n, INT_MAX, 511n, false),
  int('hz', 0n, INT_MAX, 10n, true),
  bool('dynamic-hz', true, true),
  enm('loglevel', [['debug', 0], ['verbose', 1], ['notice', 2], ['warning', 3]], 'notice', true),
  str('logfile', '', false, false),
  dirSpec,
  str('dbfilename', 'dump.rdb', true, false, {
    protected: true,
    validate: (v) => (pathIsBaseName(v) ? null : "dbfilename can't be a path, just a filename"),
  }),
  bool('daemonize', false, false),
  str('pidfile', '', false, true),
  mem('proto-max-bulk-len', 1024n * 1024n, LONG_MAX, 512n * 1024n * 1024n, true),
  mem('client-query-buffer-limit', 1024n * 1024n, LONG_MAX, 1024n * 1024n * 1024n, true, true),
  mem('maxmemory', 0n, ULLONG_MAX, 0n, true, true),
  enm('maxmemory-policy', MAXMEMORY_POLICIES.map((n, i) => [n, i] as const), 'noeviction', true),
  int('maxmemory-samples', 1n, INT_MAX, 5n, true),
  int('maxmemory-eviction-tenacity', 0n, 100n, 10n, true),
  maxmemoryClientsSpec,
  bool('lazyfree-lazy-eviction', false, true),
  bool('lazyfree-lazy-expire', false, true),
  bool('lazyfree-lazy-server-del', false, true),
  bool('lazyfree-lazy-user-del', false, true),
  bool('lazyfree-lazy-user-flush', false, true),
  int('active-expire-effort', 1n, 10n, 1n, true),
  bool('activerehashing', true, true),
  saveSpec,
  bool('appendonly', false, true, { denyLoading: true }),
  str('appendfilename', 'appendonly.aof', false, false, {
    validate: (v) =>
      v === ''
        ? "appendfilename can't be empty"
        : pathIsBaseName(v)
          ? null
          : "appendfilename can't be a path, just a filename",
  }),
  enm('appendfsync', [['everysec', 0], ['always', 1], ['no', 2]], 'everysec', true),
  notifySpec,
  int('list-max-listpack-size', INT_MIN, INT_MAX, -2n, true, false, { aliases: ['list-max-ziplist-size'] }),
  int('list-compress-depth', 0n, INT_MAX, 0n, true),
  int('hash-max-listpack-entries', 0n, LONG_MAX, 512n, true, true, { aliases: ['hash-max-ziplist-entries'] }),
  mem('hash-max-listpack-value', 0n, LONG_MAX, 64n, true, true, { aliases: ['hash-max-ziplist-value'] }),
  int('set-max-intset-entries', 0n, LONG_MAX, 512n, true, true),
  int('zset-max-listpack-entries', 0n, LONG_MAX, 128n, true, true, { aliases: ['zset-max-ziplist-entries'] }),
  mem('zset-max-listpack-value', 0n, LONG_MAX, 64n, true, true, { aliases: ['zset-max-ziplist-value'] }),
  mem('stream-node-max-bytes', 0n, LONG_MAX, 4096n, true, true),
  int('stream-node-max-entries', 0n, LLONG_MAX, 100n, true),
  mem('hll-sparse-max-bytes', 0n, LONG_MAX, 3000n, true, true),
  int('slowlog-log-slower-than', -1n, LLONG_MAX, 10000n, true),
  int('slowlog-max-len', 0n, LONG_MAX, 128n, true),
  int('latency-monitor-threshold', 0n, LLONG_MAX, 0n, true),
  int('io-threads', 1n, 128n, 1n, false, false, {
    restrict: (v) => (v !== 1n ? `Tachyon does not support io-threads ${v} yet: only io-threads 1 is accepted` : null),
  }),
  enm('enable-debug-command', PROTECTED_ACTION, 'no', false),
  enm('enable-protected-configs', PROTECTED_ACTION, 'no', false),
  enm('enable-module-command', PROTECTED_ACTION, 'no', false),
  int('busy-reply-threshold', 0n, LONG_MAX, 5000n, true, false, { aliases: ['lua-time-limit'] }),
  int('lfu-log-factor', 0n, INT_MAX, 10n, true),
  int('lfu-decay-time', 0n, INT_MAX, 1n, true),
  bool('replica-read-only', true, true, { aliases: ['slave-read-only'] }),
  mem('repl-backlog-size', 1n, LLONG_MAX, 1024n * 1024n, true),
  // Replication (src/replication/).
  int('repl-ping-replica-period', 1n, INT_MAX, 10n, true, false, { aliases: ['repl-ping-slave-period'] }),
  int('repl-timeout', 1n, INT_MAX, 60n, true),
  str('masterauth', '', true, true, { sensitive: true }),
  str('masteruser', '', true, true, { sensitive: true }),
  replicaofSpec,
  int('min-replicas-to-write', 0n, INT_MAX, 0n, true, false, { aliases: ['min-slaves-to-write'] }),
  int('min-replicas-max-lag', 0n, INT_MAX, 10n, true, false, { aliases: ['min-slaves-max-lag'] }),
  bool('always-show-logo', false, false),
  bool('set-proc-title', true, false),
  str('proc-title-template', '{title} {listen-addr} {server-mode}', true, false, { validate: validateProcTitle }),
  bool('crash-log-enabled', true, true),
  bool('crash-memcheck-enabled', true, true),
  enm('supervised', [['upstart', 1], ['systemd', 2], ['auto', 3], ['no', 0]], 'no', false, {
    restrict: (v) =>
      v !== 0 ? 'Tachyon does not support supervised mode yet: only supervised no is accepted' : null,
  }),
  int('tracking-table-max-keys', 0n, LONG_MAX, 1000000n, true, true),
  obufSpec,
  enm('oom-score-adj', [['no', 0], ['yes', 1], ['relative', 1], ['absolute', 2]], 'no', true),
  bool('rdbcompression', true, true),
  bool('rdbchecksum', true, false),
  bool('stop-writes-on-bgsave-error', true, true),
  // Access control (src/acl/) and TLS (src/tls/).
  str('aclfile', '', false, false),
  int('acllog-max-len', 0n, LONG_MAX, 128n, true, true),
  enm('acl-pubsub-default', [['allchannels', 2], ['resetchannels', 0]], 'resetchannels', true),
  int('tls-port', 0n, 65535n, 0n, true),
  ...['cert-file', 'key-file', 'client-cert-file', 'client-key-file', 'dh-params-file', 'ca-cert-file', 'ca-cert-dir',
    'protocols', 'ciphers', 'ciphersuites'].map((n) => str(`tls-${n}`, '', true, true)),
  str('tls-key-file-pass', '', true, true, { sensitive: true }),
  str('tls-client-key-file-pass', '', true, true, { sensitive: true }),
  enm('tls-auth-clients', [['no', 0], ['yes', 1], ['optional', 2]], 'yes', true),
  bool('tls-prefer-server-ciphers', false, true),
  bool('tls-session-caching', true, true),
  int('tls-session-cache-size', 0n, INT_MAX, 20480n, true),
  int('tls-session-cache-timeout', 0n, INT_MAX, 300n, true),
  bool('tls-replication', false, true, { restrict: unsupported('TLS (tls-replication)') }),
  bool('tls-cluster', false, true, { restrict: unsupported('TLS (tls-cluster)') }),
  ...MORE_OPTIONS,
  // Persistence (src/persistence/).
  enm('sanitize-dump-payload', [['no', 0], ['yes', 1], ['clients', 2]], 'no', true),
  bool('rdb-del-sync-files', false, true),
  bool('rdb-save-incremental-fsync', true, true),
  str('appenddirname', 'appendonlydir', false, false, {
    validate: (v) =>
      v === ''
        ? "appenddirname can't be empty"
        : pathIsBaseName(v)
          ? null
          : "appenddirname can't be a path, just a dirname",
  }),
  bool('aof-use-rdb-preamble', true, true),
  bool('aof-load-truncated', true, true),
  bool('aof-timestamp-enabled', false, true),
  bool('aof-rewrite-incremental-fsync', true, true),
  bool('no-appendfsync-on-rewrite', false, true),
  bool('aof-disable-auto-gc', false, true),
  int('auto-aof-rewrite-percentage', 0n, INT_MAX, 100n, true),
  mem('auto-aof-rewrite-min-size', 0n, LONG_MAX, 64n * 1024n * 1024n, true),
];

/**
 * Options Redis hides (HIDDEN_CONFIG): CONFIG GET patterns never match them,
 * only their exact names. Mostly for tests (delays while saving and loading).
 */
export const HIDDEN_OPTIONS: readonly OptionSpec[] = [
  int('rdb-key-save-delay', INT_MIN, INT_MAX, 0n, true),
  int('key-load-delay', INT_MIN, INT_MAX, 0n, true),
  int('loading-process-events-interval-bytes', 1024n, INT_MAX, 2n * 1024n * 1024n, true),
];

/** Every option, visible ones first. */
export const ALL_OPTIONS: readonly OptionSpec[] = [...OPTIONS, ...HIDDEN_OPTIONS];

/** Option (or alias) name, lowercase -> spec. */
export const OPTION_BY_NAME: ReadonlyMap<string, OptionSpec> = (() => {
  const m = new Map<string, OptionSpec>();
  for (const spec of ALL_OPTIONS) {
    m.set(spec.name, spec);
    for (const a of spec.aliases) m.set(a, spec);
  }
  return m;
})();

/** Looks an option up by name or alias, case-insensitively. */
export function lookupOption(name: string): OptionSpec | undefined {
  return OPTION_BY_NAME.get(name.toLowerCase());
}

// ---------------------------------------------------------------------------
// What Redis 7.0 knows
// ---------------------------------------------------------------------------

/**
 * Every configuration name Redis 7.0.15 accepts (CONFIG GET '*' of a stock
 * build with TLS, aliases included, plus the hidden ones that only answer an
 * exact CONFIG GET).
 */
export const REDIS_CONFIG_NAMES: readonly string[] = `
acl-pubsub-default aclfile acllog-max-len active-defrag-cycle-max active-defrag-cycle-min
active-defrag-ignore-bytes active-defrag-max-scan-fields active-defrag-threshold-lower
active-defrag-threshold-upper active-expire-effort activedefrag activerehashing always-show-logo
aof-disable-auto-gc aof-load-truncated aof-rewrite-incremental-fsync aof-timestamp-enabled
aof-use-rdb-preamble aof_rewrite_cpulist appenddirname appendfilename appendfsync appendonly
auto-aof-rewrite-min-size auto-aof-rewrite-percentage bgsave_cpulist bind bind-source-addr
bio_cpulist busy-reply-threshold client-output-buffer-limit client-query-buffer-limit
cluster-allow-pubsubshard-when-down cluster-allow-reads-when-down cluster-allow-replica-migration
cluster-announce-bus-port cluster-announce-hostname cluster-announce-ip cluster-announce-port
cluster-announce-tls-port cluster-config-file cluster-enabled cluster-link-sendbuf-limit
cluster-migration-barrier cluster-node-timeout cluster-port cluster-preferred-endpoint-type
cluster-replica-no-failover cluster-replica-validity-factor cluster-require-full-coverage
cluster-slave-no-failover cluster-slave-validity-factor crash-log-enabled crash-memcheck-enabled
daemonize databases dbfilename dir disable-thp dynamic-hz enable-debug-command
enable-module-command enable-protected-configs hash-max-listpack-entries hash-max-listpack-value
hash-max-ziplist-entries hash-max-ziplist-value hll-sparse-max-bytes hz ignore-warnings io-threads
io-threads-do-reads jemalloc-bg-thread key-load-delay latency-monitor-threshold latency-tracking
latency-tracking-info-percentiles lazyfree-lazy-eviction lazyfree-lazy-expire
lazyfree-lazy-server-del lazyfree-lazy-user-del lazyfree-lazy-user-flush lfu-decay-time
lfu-log-factor list-compress-depth list-max-listpack-size list-max-ziplist-size
loading-process-events-interval-bytes logfile loglevel lua-enable-deprecated-api lua-time-limit
masterauth masteruser maxclients maxmemory maxmemory-clients maxmemory-eviction-tenacity
maxmemory-policy maxmemory-samples min-replicas-max-lag min-replicas-to-write min-slaves-max-lag
min-slaves-to-write no-appendfsync-on-rewrite notify-keyspace-events oom-score-adj
oom-score-adj-values pidfile port proc-title-template propagation-error-behavior protected-mode
proto-max-bulk-len rdb-del-sync-files rdb-key-save-delay rdb-save-incremental-fsync rdbchecksum
rdbcompression repl-backlog-size repl-backlog-ttl repl-disable-tcp-nodelay repl-diskless-load
repl-diskless-sync repl-diskless-sync-delay repl-diskless-sync-max-replicas
repl-ping-replica-period repl-ping-slave-period repl-timeout replica-announce-ip
replica-announce-port replica-announced replica-ignore-disk-write-errors replica-ignore-maxmemory
replica-lazy-flush replica-priority replica-read-only replica-serve-stale-data replicaof
requirepass sanitize-dump-payload save server_cpulist set-max-intset-entries set-proc-title
shutdown-on-sigint shutdown-on-sigterm shutdown-timeout slave-announce-ip slave-announce-port
slave-ignore-maxmemory slave-lazy-flush slave-priority slave-read-only slave-serve-stale-data
slaveof slowlog-log-slower-than slowlog-max-len socket-mark-id stop-writes-on-bgsave-error
stream-node-max-bytes stream-node-max-entries supervised syslog-enabled syslog-facility
syslog-ident tcp-backlog tcp-keepalive timeout tls-auth-clients tls-ca-cert-dir tls-ca-cert-file
tls-cert-file tls-ciphers tls-ciphersuites tls-client-cert-file tls-client-key-file
tls-client-key-file-pass tls-cluster tls-dh-params-file tls-key-file tls-key-file-pass tls-port
tls-prefer-server-ciphers tls-protocols tls-replication tls-session-cache-size
tls-session-cache-timeout tls-session-caching tracking-table-max-keys unixsocket unixsocketperm
use-exit-on-panic watchdog-period zset-max-listpack-entries zset-max-listpack-value
zset-max-ziplist-entries zset-max-ziplist-value
`
  .trim()
  .split(/\s+/);

/** The hidden ones among them (never matched by a CONFIG GET pattern). */
export const REDIS_HIDDEN_CONFIG_NAMES: readonly string[] = [
  'key-load-delay',
  'loading-process-events-interval-bytes',
  'lua-enable-deprecated-api',
  'rdb-key-save-delay',
  'use-exit-on-panic',
  'watchdog-period',
];

/** Config file directives that are not options (loadServerConfigFromString). */
export const REDIS_DIRECTIVES: readonly string[] = ['include', 'rename-command', 'user', 'loadmodule', 'sentinel'];

/** Obsolete names Redis 7.0 still accepts, and ignores, in a config file (with one argument). */
export const REDIS_DEPRECATED_CONFIGS: readonly string[] = [
  'list-max-ziplist-entries',
  'list-max-ziplist-value',
  'lua-replicate-commands',
];

const REDIS_KNOWN = new Set<string>([...REDIS_CONFIG_NAMES, ...REDIS_DIRECTIVES]);

/** True for a name (option, alias or directive) Redis 7.0 knows. */
export function isRedisConfigName(name: string): boolean {
  return REDIS_KNOWN.has(name.toLowerCase());
}

/** The startup error for an option Redis knows and Tachyon does not support yet. */
export function unsupportedOptionError(name: string): string {
  return `Tachyon does not support the option '${name}' yet`;
}
