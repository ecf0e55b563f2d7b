/**
 * The server configuration: loading (config file, command line, embedding
 * options), CONFIG GET / SET / REWRITE with Redis 7.0's exact behaviour and
 * error texts, and change hooks so the server can apply new values.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { globMatch } from '../util/glob';
import {
  ConfigError,
  argvToConfigText,
  formatFatalConfigError,
  parseConfigFile,
  repr,
  splitArgs,
  splitConfigLines,
  type ParsedArgv,
} from './parse';
import {
  OPTIONS,
  ALL_OPTIONS,
  REDIS_DEPRECATED_CONFIGS,
  formatMemory,
  isRedisConfigName,
  lookupOption,
  memtoull,
  cStrtoll,
  strerror,
  unsupportedOptionError,
  type ClientOutputBufferLimits,
  type EnumSpec,
  type NumericSpec,
  type OptionSpec,
  type ReplicaOf,
  type RewriteState,
  type SaveParam,
  type SetContext,
  type SetResult,
} from './options';
import type { LogLevel } from '../log';
import { string2ll } from '../util/integers';

export { ConfigError, parseArgv, type ParsedArgv } from './parse';
export {
  NOTIFY,
  OPTIONS,
  REDIS_CONFIG_NAMES,
  keyspaceEventsFlagsToString,
  lookupOption,
  type ClientOutputBufferLimits,
  type OptionSpec,
  type SaveParam,
} from './options';

export type MaxmemoryPolicy =
  | 'volatile-lru'
  | 'volatile-lfu'
  | 'volatile-random'
  | 'volatile-ttl'
  | 'allkeys-lru'
  | 'allkeys-lfu'
  | 'allkeys-random'
  | 'noeviction';
export type ProtectedAction = 'no' | 'yes' | 'local';

/**
 * What get(name) returns for each option: numbers for numeric options,
 * booleans for yes/no ones, and for enums and special options the text
 * CONFIG GET shows (see getBind(), getSaveParams(),
 * getClientOutputBufferLimits(), getNotifyKeyspaceEvents() for structured
 * forms).
 */
export interface ConfigValues {
  port: number;
  bind: string;
  unixsocket: string;
  unixsocketperm: number;
  'protected-mode': boolean;
  requirepass: string;
  databases: number;
  maxclients: number;
  timeout: number;
  'tcp-keepalive': number;
  'tcp-backlog': number;
  hz: number;
  'dynamic-hz': boolean;
  loglevel: LogLevel;
  logfile: string;
  dir: string;
  dbfilename: string;
  daemonize: boolean;
  pidfile: string;
  'proto-max-bulk-len': number;
  'client-query-buffer-limit': number;
  maxmemory: number;
  'maxmemory-policy': MaxmemoryPolicy;
  'maxmemory-samples': number;
  'lazyfree-lazy-eviction': boolean;
  'lazyfree-lazy-expire': boolean;
  'lazyfree-lazy-server-del': boolean;
  'lazyfree-lazy-user-del': boolean;
  'lazyfree-lazy-user-flush': boolean;
  'active-expire-effort': number;
  activerehashing: boolean;
  save: string;
  appendonly: boolean;
  appendfilename: string;
  appendfsync: 'everysec' | 'always' | 'no';
  'notify-keyspace-events': string;
  'list-max-listpack-size': number;
  'list-compress-depth': number;
  'hash-max-listpack-entries': number;
  'hash-max-listpack-value': number;
  'set-max-intset-entries': number;
  'zset-max-listpack-entries': number;
  'zset-max-listpack-value': number;
  'stream-node-max-bytes': number;
  'stream-node-max-entries': number;
  'hll-sparse-max-bytes': number;
  'slowlog-log-slower-than': number;
  'slowlog-max-len': number;
  'latency-monitor-threshold': number;
  'latency-tracking': boolean;
  'latency-tracking-info-percentiles': string;
  'shutdown-on-sigint': string;
  'shutdown-on-sigterm': string;
  'io-threads': number;
  'enable-debug-command': ProtectedAction;
  'enable-protected-configs': ProtectedAction;
  'enable-module-command': ProtectedAction;
  'busy-reply-threshold': number;
  'lfu-log-factor': number;
  'lfu-decay-time': number;
  'replica-read-only': boolean;
  'repl-backlog-size': number;
  'always-show-logo': boolean;
  'set-proc-title': boolean;
  'proc-title-template': string;
  'crash-log-enabled': boolean;
  'crash-memcheck-enabled': boolean;
  supervised: 'no' | 'upstart' | 'systemd' | 'auto';
  'tracking-table-max-keys': number;
  'client-output-buffer-limit': string;
  'oom-score-adj': 'no' | 'yes' | 'absolute';
  rdbcompression: boolean;
  rdbchecksum: boolean;
  'stop-writes-on-bgsave-error': boolean;
}

export type OptionName = keyof ConfigValues;
export type ConfigValue = string | number | boolean;

/**
 * Called after CONFIG SET changed an option (with the new and previous
 * values, as get() returns them). Returning a string rejects the change:
 * every option of the CONFIG SET is restored and the client gets
 * "ERR CONFIG SET failed (possibly related to argument '<name>') - <string>".
 */
export type ChangeHook = (value: ConfigValue, previous: ConfigValue, config: Config) => unknown;

/** Who is running CONFIG SET. */
export interface SetOptions {
  /** The client is local (loopback / unix socket): enable-protected-configs local allows it. */
  local?: boolean;
  /** The server is loading data: options Redis marks DENY_LOADING (dir, appendonly) are refused. */
  loading?: boolean;
}

export type OverrideValue = string | number | bigint | boolean | readonly (string | number)[] | null | undefined;

export interface ConfigSources {
  /** Configuration file (like redis-server's first argument); may contain * ? [ (all matches are read). */
  file?: string;
  /**
   * Command line arguments, as redis-server takes them (without the
   * program): `--name value...` pairs, '-' for stdin. When `file` is not
   * given, a first argument not starting with '-' is the config file.
   */
  argv?: readonly string[] | ParsedArgv;
  /** Text read for '-' instead of the process's stdin. */
  stdin?: string | Buffer;
  /**
   * Options from the embedding API, applied last: redis.conf names or
   * camelCase ('maxmemory-policy' or 'maxmemoryPolicy'); booleans are
   * yes/no; multi-value options take a string ("127.0.0.1 ::1") or an array.
   * undefined / null values are skipped.
   */
  overrides?: Readonly<Record<string, OverrideValue>>;
}

const REWRITE_SIGNATURE = '# Generated by CONFIG REWRITE';
/** Lines CONFIG REWRITE keeps although they are not options. */
const REWRITE_KEPT_DIRECTIVES = new Set(['include', 'rename-command', 'user', 'loadmodule', 'sentinel']);
const CONFIG_MIN_HZ = 1n;
const CONFIG_MAX_HZ = 500n;
const CONFIG_REPL_BACKLOG_MIN_SIZE = 16n * 1024n;
const LOADBUF_SIZE = 256;

/** 'maxmemoryPolicy' -> 'maxmemory-policy'; redis-style names are unchanged. */
export function normalizeOptionKey(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).toLowerCase();
}

function hasWildcard(p: string): boolean {
  return p.includes('*') || p.includes('?') || p.includes('[');
}

/** fnmatch()-like match of one path component (glob(3) semantics, roughly). */
function matchComponent(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  return globMatch(pattern.replace(/\[!/g, '[^'), name);
}

/** Expands a path pattern like glob(3), sorted; [] when nothing matches. */
export function globPaths(pattern: string): string[] {
  const abs = path.isAbsolute(pattern);
  const parts = pattern.split('/').filter((p, i) => p !== '' || i === 0);
  let candidates = [abs ? '/' : ''];
  for (let i = abs ? 1 : 0; i < parts.length; i++) {
    const part = parts[i];
    const next: string[] = [];
    for (const base of candidates) {
      if (!hasWildcard(part)) {
        next.push(base === '' ? part : path.join(base, part));
        continue;
      }
      let entries: string[];
      try {
        entries = fs.readdirSync(base === '' ? '.' : base);
      } catch {
        continue;
      }
      for (const e of entries) if (matchComponent(part, e)) next.push(base === '' ? e : path.join(base, e));
    }
    candidates = next;
  }
  return candidates.filter((p) => fs.existsSync(p)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** Reads a config source like loadServerConfig(): wildcards read every match; a directory reads as empty. */
function readConfigSource(file: string): Buffer {
  const files = hasWildcard(file) ? globPaths(file) : [file];
  const chunks: Buffer[] = [];
  for (const f of files) {
    try {
      chunks.push(fs.readFileSync(f));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EISDIR') continue;
      throw new ConfigError(`Fatal error, can't open config file '${f}': ${strerror(e)}`);
    }
  }
  return Buffer.concat(chunks);
}

interface SpecEntry {
  /** Name as registered (primary or alias), lowercase. */
  name: string;
  spec: OptionSpec;
}

/** Every option and alias, in table order (what CONFIG GET patterns walk). */
const ALL_ENTRIES: readonly SpecEntry[] = OPTIONS.flatMap((spec) => [
  { name: spec.name, spec },
  ...spec.aliases.map((a) => ({ name: a, spec })),
]);

/** A directive line that is not an option (`user`, `rename-command`), kept for the feature that applies it. */
export interface ConfigDirective {
  /** The arguments after the directive's name. */
  args: string[];
  lineNumber: number | null;
  line: string | null;
}

export class Config {
  /** Absolute path of the config file CONFIG REWRITE writes, or null. */
  configFile: string | null = null;
  /** `user` lines (Redis's UsersToLoad), loaded by the ACL feature at startup. */
  readonly userDirectives: ConfigDirective[] = [];
  /** `rename-command` lines, applied by the server at startup. */
  readonly renameDirectives: ConfigDirective[] = [];
  /** CONFIG REWRITE of directives that are not options (the ACL feature writes `user` lines). */
  readonly directiveRewriters = new Map<string, (state: RewriteState) => void>();

  private values = new Map<string, unknown>();
  private defaults = new Map<string, unknown>();
  private hooks = new Map<string, ChangeHook[]>();
  private readingConfigFile = false;
  private loader = { saveLoaded: false };

  /** A configuration with Redis 7.0's defaults (dir: the current directory). */
  constructor() {
    for (const spec of ALL_OPTIONS) {
      let value: unknown;
      if (spec.name === 'dir') {
        value = process.cwd();
      } else {
        const args = spec.type === 'special' && spec.multiArg ? spec.default.split(' ') : [spec.default];
        const r = this.parseValue(spec, args, undefined, false);
        if ('error' in r) throw new Error(`Bad default for ${spec.name}: ${r.error}`);
        value = r.value;
      }
      this.values.set(spec.name, value);
      this.defaults.set(spec.name, value);
    }
  }

  // -------------------------------------------------------------------------
  // Building a configuration
  // -------------------------------------------------------------------------

  /**
   * Builds the configuration from a config file, command line arguments and
   * embedding options, in that order (later ones win), exactly as
   * redis-server does for the first two. Throws ConfigError with the text to
   * print on stderr.
   */
  static fromSources(sources: ConfigSources = {}): Config {
    const cfg = new Config();
    let file = sources.file;
    let options: readonly string[] = [];
    let haveArgs = file !== undefined;
    if (sources.argv !== undefined) {
      haveArgs = true;
      if (Array.isArray(sources.argv)) {
        options = sources.argv as readonly string[];
      } else {
        const parsed = sources.argv as ParsedArgv;
        if (parsed.version || parsed.help) throw new Error('--version / --help must be handled before loading the configuration');
        if (file === undefined) file = parsed.file;
        options = parsed.options;
      }
      if (file === undefined && options.length > 0 && !options[0].startsWith('-')) {
        file = options[0];
        options = options.slice(1);
      }
    }
    if (haveArgs) {
      const chunks: Buffer[] = [];
      if (file !== undefined) {
        cfg.configFile = path.resolve(file);
        chunks.push(readConfigSource(cfg.configFile));
      }
      const { text, stdin } = argvToConfigText(file, options);
      if (stdin) {
        const input = sources.stdin ?? fs.readFileSync(0);
        chunks.push(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
      }
      // Like Redis, the command line options form lines after the file.
      chunks.push(Buffer.from(`\n${text}`, 'utf8'));
      cfg.load(Buffer.concat(chunks));
    }
    if (sources.overrides) cfg.applyOverrides(sources.overrides);
    return cfg;
  }

  /**
   * Applies configuration text (redis.conf syntax) like Redis's
   * loadServerConfigFromString(): sequentially, stopping at the first error
   * with a ConfigError. `include` directives are followed (relative paths
   * are relative to `dir`, which Redis would have chdir()ed to).
   */
  load(text: string | Uint8Array): void {
    this.readingConfigFile = true;
    for (const entry of parseConfigFile(text)) {
      const fail = (reason: string): never => {
        throw new ConfigError(formatFatalConfigError(reason, entry.lineNumber, entry.line));
      };
      const args = entry.args;
      if (args === null) return fail('Unbalanced quotes in configuration line');
      const name = args[0].toLowerCase();
      const spec = lookupOption(name);
      if (spec) {
        const multi = spec.type === 'special' && spec.multiArg === true;
        if (!multi && args.length !== 2) fail('wrong number of arguments');
        let values = args.slice(1);
        // A multi-value option given as one (non-empty) argument is split:
        // --save "900 1" on the command line, save "900 1" in a file.
        if (multi && args.length === 2 && args[1] !== '') values = splitArgs(args[1]) ?? [];
        // After an `include` returns, Redis no longer considers itself to be
        // reading a config file (so a later `save` line replaces the list
        // instead of adding to it); readingConfigFile reproduces that.
        const r = this.assign(spec, values, this.readingConfigFile);
        if (r !== null) fail(r);
        continue;
      }
      if (REDIS_DEPRECATED_CONFIGS.includes(name) && args.length === 2) continue; // ignored, as in Redis
      if (name === 'user' && args.length >= 2) {
        this.userDirectives.push({ args: args.slice(1), lineNumber: entry.lineNumber, line: entry.line });
        continue;
      }
      if (name === 'rename-command' && args.length === 3) {
        this.renameDirectives.push({ args: args.slice(1), lineNumber: entry.lineNumber, line: entry.line });
        continue;
      }
      if (name === 'include') {
        if (args.length !== 2) fail('Bad directive or wrong number of arguments');
        this.load(readConfigSource(this.resolvePath(args[1])));
        continue;
      }
      if (isRedisConfigName(name) || name.includes('.')) fail(unsupportedOptionError(name));
      fail('Bad directive or wrong number of arguments');
    }
    this.finishLoad();
    this.readingConfigFile = false;
  }

  /** Applies embedding options (see ConfigSources.overrides). Throws ConfigError. */
  applyOverrides(overrides: Readonly<Record<string, OverrideValue>>): void {
    for (const [key, raw] of Object.entries(overrides)) {
      if (raw === undefined || raw === null) continue;
      const name = normalizeOptionKey(key);
      const spec = lookupOption(name);
      let values: string[];
      if (Array.isArray(raw)) values = (raw as readonly (string | number)[]).map(String);
      else if (typeof raw === 'boolean') values = [raw ? 'yes' : 'no'];
      else if (typeof raw === 'number' || typeof raw === 'bigint') values = [String(raw)];
      else values = [raw as string];
      const shown = `${name} ${values.map((v) => repr(v)).join(' ')}`;
      const fail = (reason: string): never => {
        throw new ConfigError(
          `\n*** FATAL CONFIG ERROR (Tachyon) ***\nIn the server options (option '${key}')\n>>> '${shown}'\n${reason}`,
        );
      };
      if (!spec) {
        return fail(isRedisConfigName(name) ? unsupportedOptionError(name) : 'Bad directive or wrong number of arguments');
      }
      const multi = spec.type === 'special' && spec.multiArg === true;
      if (multi && !Array.isArray(raw) && values.length === 1 && values[0] !== '') values = splitArgs(values[0]) ?? [];
      if (!multi && values.length !== 1) fail('wrong number of arguments');
      const r = this.assign(spec, values, false);
      if (r !== null) fail(r);
    }
    this.finishLoad();
  }

  /** End of loadServerConfigFromString(): the log file must be writable; hz is clamped. */
  private finishLoad(): void {
    const logfile = this.values.get('logfile') as string;
    if (logfile !== '') {
      try {
        fs.closeSync(fs.openSync(this.resolvePath(logfile), 'a'));
      } catch (e) {
        throw new ConfigError(formatFatalConfigError(`Can't open the log file: ${strerror(e)}`, null, null));
      }
    }
    this.clampHz();
  }

  private clampHz(): void {
    const hz = this.values.get('hz') as bigint;
    if (hz < CONFIG_MIN_HZ) this.values.set('hz', CONFIG_MIN_HZ);
    if (hz > CONFIG_MAX_HZ) this.values.set('hz', CONFIG_MAX_HZ);
  }

  /** Parses and stores one option while loading; returns the error text or null. */
  private assign(spec: OptionSpec, args: string[], readingConfigFile: boolean): string | null {
    const r = this.parseValue(spec, args, this.values, readingConfigFile);
    if ('error' in r) return r.error;
    this.values.set(spec.name, r.value);
    return null;
  }

  // -------------------------------------------------------------------------
  // Values
  // -------------------------------------------------------------------------

  /** Parses a value for `spec` into its internal form, like the option's Redis set function. */
  private parseValue(
    spec: OptionSpec,
    args: string[],
    values: Map<string, unknown> | undefined,
    readingConfigFile: boolean,
  ): SetResult {
    const r = this.parseValueUnrestricted(spec, args, values, readingConfigFile);
    if ('error' in r || !spec.restrict) return r;
    const restricted = spec.restrict(r.value);
    return restricted === null ? r : { error: restricted };
  }

  private parseValueUnrestricted(
    spec: OptionSpec,
    args: string[],
    values: Map<string, unknown> | undefined,
    readingConfigFile: boolean,
  ): SetResult {
    const v = args[0] ?? '';
    switch (spec.type) {
      case 'bool': {
        const l = v.toLowerCase();
        if (l === 'yes') return { value: true };
        if (l === 'no') return { value: false };
        return { error: "argument must be 'yes' or 'no'" };
      }
      case 'int':
      case 'memory':
      case 'octal':
        return parseNumeric(spec, v);
      case 'enum': {
        const l = v.toLowerCase();
        const hit = spec.values.find(([n]) => n === l);
        if (hit) return { value: hit[1] };
        const msg = `argument(s) must be one of the following: ${spec.values.map(([n]) => n).join(', ')}`;
        return { error: msg.slice(0, LOADBUF_SIZE - 1) };
      }
      case 'string': {
        const ctx = this.setContext(spec, values, readingConfigFile);
        if (spec.validate) {
          const err = spec.validate(v, ctx);
          if (err !== null) return { error: err };
        }
        return { value: spec.emptyIsNull && v === '' ? null : v };
      }
      case 'special':
        return spec.set(args, this.setContext(spec, values, readingConfigFile));
    }
  }

  private setContext(spec: OptionSpec, values: Map<string, unknown> | undefined, readingConfigFile: boolean): SetContext {
    const vals = values ?? this.values;
    return {
      readingConfigFile,
      loader: this.loader,
      current: values ? vals.get(spec.name) : undefined,
      dir: (vals.get('dir') as string | undefined) ?? process.cwd(),
      valueOf: (name) => vals.get(name),
    };
  }

  /** The public (get()) form of an internal value. */
  private publicValue(spec: OptionSpec, v: unknown): ConfigValue {
    switch (spec.type) {
      case 'bool':
        return v as boolean;
      case 'int':
      case 'memory':
      case 'octal':
        return Number(v as bigint);
      case 'enum':
        return enumName(spec, v as number);
      case 'string':
        return (v as string | null) ?? '';
      case 'special':
        return spec.name === 'dir' ? (v as string) : spec.format(v);
    }
  }

  /** The text CONFIG GET shows for an internal value. */
  private formatValue(spec: OptionSpec, v: unknown): string {
    switch (spec.type) {
      case 'bool':
        return v ? 'yes' : 'no';
      case 'int':
      case 'memory':
        return String(v as bigint);
      case 'octal':
        return BigInt.asUintN(64, v as bigint).toString(8);
      case 'enum':
        return enumName(spec, v as number);
      case 'string':
        return (v as string | null) ?? '';
      case 'special':
        return spec.format(v);
    }
  }

  /** Current value of an option (aliases accepted). Throws for an unknown name. */
  get<K extends OptionName>(name: K): ConfigValues[K];
  get(name: string): ConfigValue;
  get(name: string): ConfigValue {
    const spec = this.spec(name);
    return this.publicValue(spec, this.values.get(spec.name));
  }

  /** Current value as CONFIG GET prints it. */
  getString(name: string): string {
    const spec = this.spec(name);
    return this.formatValue(spec, this.values.get(spec.name));
  }

  /** Exact value of a numeric option (numbers above 2^53 lose precision in get()). */
  getBigInt(name: string): bigint {
    const spec = this.spec(name);
    if (spec.type !== 'int' && spec.type !== 'memory' && spec.type !== 'octal') throw new Error(`${name} is not numeric`);
    return this.values.get(spec.name) as bigint;
  }

  /** bind as a list of addresses ([] = no TCP listener); a leading '-' marks an optional address. */
  getBind(): string[] {
    return (this.values.get('bind') as string[]).slice();
  }

  /** save points ([] = RDB snapshots disabled). */
  /** The replicaof holder (the replication feature keeps it equal to its master). */
  getReplicaOf(): ReplicaOf {
    return this.values.get('replicaof') as ReplicaOf;
  }

  getSaveParams(): SaveParam[] {
    return (this.values.get('save') as SaveParam[]).map((p) => ({ ...p }));
  }

  /** client-output-buffer-limit per client class. */
  getClientOutputBufferLimits(): ClientOutputBufferLimits {
    const list = this.values.get('client-output-buffer-limit') as { hard: bigint; soft: bigint; seconds: number }[];
    const one = (i: number) => ({
      hardLimitBytes: Number(list[i].hard),
      softLimitBytes: Number(list[i].soft),
      softLimitSeconds: list[i].seconds,
    });
    return { normal: one(0), replica: one(1), pubsub: one(2) };
  }

  /** notify-keyspace-events as NOTIFY flag bits (see options.ts). */
  getNotifyKeyspaceEvents(): number {
    return this.values.get('notify-keyspace-events') as number;
  }

  /** Resolves a path the way Redis would after chdir(dir). */
  resolvePath(p: string): string {
    return path.resolve(this.values.get('dir') as string, p);
  }

  /** The spec of an option or alias, undefined when Tachyon does not support it. */
  lookup(name: string): OptionSpec | undefined {
    return lookupOption(name);
  }

  private spec(name: string): OptionSpec {
    const spec = lookupOption(name);
    if (!spec) throw new Error(`Unknown configuration option '${name}'`);
    return spec;
  }

  // -------------------------------------------------------------------------
  // CONFIG GET
  // -------------------------------------------------------------------------

  /**
   * CONFIG GET <pattern> [<pattern> ...] like Redis 7.0: a name without
   * glob characters is looked up exactly (case-insensitively; the reply
   * uses the name as given), a pattern is matched case-insensitively against
   * every option and alias name. Each option name appears once.
   */
  getPatterns(patterns: readonly string[]): [string, string][] {
    const matches = new Map<string, [string, OptionSpec]>();
    for (const pat of patterns) {
      if (!/[[*?]/.test(pat)) {
        const key = pat.toLowerCase();
        if (matches.has(key)) continue;
        const spec = lookupOption(pat);
        if (spec) matches.set(key, [pat, spec]);
        continue;
      }
      for (const e of ALL_ENTRIES) {
        if (matches.has(e.name)) continue;
        if (globMatch(pat, e.name, true)) matches.set(e.name, [e.name, e.spec]);
      }
    }
    const out: [string, string][] = [];
    for (const [shown, spec] of matches.values()) out.push([shown, this.formatValue(spec, this.values.get(spec.name))]);
    return out;
  }

  // -------------------------------------------------------------------------
  // CONFIG SET
  // -------------------------------------------------------------------------

  /**
   * Registers a hook run after CONFIG SET changed `name` (or an alias of
   * it). Returns a function that unregisters it.
   */
  onChange(name: string, fn: ChangeHook): () => void {
    const spec = this.spec(name);
    let list = this.hooks.get(spec.name);
    if (!list) this.hooks.set(spec.name, (list = []));
    list.push(fn);
    return () => {
      const l = this.hooks.get(spec.name);
      const i = l ? l.indexOf(fn) : -1;
      if (l && i >= 0) l.splice(i, 1);
    };
  }

  /**
   * CONFIG SET <name> <value> [<name> <value> ...], atomically, like Redis
   * 7.0: null on success, else the exact error reply text (without the
   * leading '-'), e.g. "ERR Unknown option or number of arguments for
   * CONFIG SET - 'foo'". Hooks run after all values are set; a hook error
   * restores every value.
   */
  set(pairs: readonly (readonly [string, string])[], opts: SetOptions = {}): string | null {
    let invalid = false;
    let denyLoading = false;
    let invalidArgName: string | null = null;
    let errArgName: string | null = null;
    let errstr: string | null = null;
    const specs: OptionSpec[] = [];
    const entryNames: string[] = [];

    const protectedAllowed = (): boolean => {
      const mode = this.values.get('enable-protected-configs') as number;
      return mode === 1 || (mode === 2 && opts.local === true);
    };

    for (let i = 0; i < pairs.length; i++) {
      const name = pairs[i][0];
      const spec = lookupOption(name);
      if (!spec) {
        if (!invalid) {
          invalidArgName = name;
          invalid = true;
        }
        continue;
      }
      if (invalid) continue;
      if (!spec.mutable || (spec.protected && !protectedAllowed())) {
        errstr = !spec.mutable ? "can't set immutable config" : "can't set protected config";
        errArgName = name;
        invalid = true;
        continue;
      }
      if (opts.loading && spec.denyLoading) {
        denyLoading = true;
        invalid = true;
        continue;
      }
      // Names and aliases are distinct entries in Redis: only the very same
      // entry given twice is a duplicate.
      const entry = name.toLowerCase();
      if (entryNames.includes(entry)) {
        errstr = 'duplicate parameter';
        errArgName = name;
        invalid = true;
        continue;
      }
      specs[i] = spec;
      entryNames[i] = entry;
    }

    const fail = (): string => {
      if (denyLoading) return 'LOADING Redis is loading the dataset in memory';
      if (invalidArgName !== null) return `ERR Unknown option or number of arguments for CONFIG SET - '${invalidArgName}'`;
      if (errstr !== null) return `ERR CONFIG SET failed (possibly related to argument '${errArgName}') - ${errstr}`;
      return `ERR CONFIG SET failed (possibly related to argument '${errArgName}')`;
    };
    if (invalid) return fail();

    // Set everything on a working copy; the first failure aborts it all.
    const working = new Map(this.values);
    for (let i = 0; i < pairs.length; i++) {
      const spec = specs[i];
      const value = pairs[i][1];
      const multi = spec.type === 'special' && spec.multiArg === true;
      // Like sdssplitlen(): split on single spaces, and "" is no argument at all.
      const args = multi ? (value === '' ? [] : value.split(' ')) : [value];
      const r = this.parseValue(spec, args, working, false);
      if ('error' in r) {
        errstr = r.error;
        errArgName = entryNames[i];
        return fail();
      }
      working.set(spec.name, r.value);
    }
    // What Redis's apply functions do to the values themselves.
    const hz = working.get('hz') as bigint;
    if (hz < CONFIG_MIN_HZ) working.set('hz', CONFIG_MIN_HZ);
    if (hz > CONFIG_MAX_HZ) working.set('hz', CONFIG_MAX_HZ);
    if ((working.get('repl-backlog-size') as bigint) < CONFIG_REPL_BACKLOG_MIN_SIZE) {
      working.set('repl-backlog-size', CONFIG_REPL_BACKLOG_MIN_SIZE);
    }

    // Commit, then run the hooks of the options that changed.
    const previous = this.values;
    this.values = working;
    const changed: { spec: OptionSpec; entry: string }[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i];
      if (seen.has(spec.name)) continue;
      seen.add(spec.name);
      if (this.formatValue(spec, previous.get(spec.name)) === this.formatValue(spec, working.get(spec.name))) continue;
      changed.push({ spec, entry: entryNames[i] });
    }
    for (let k = 0; k < changed.length; k++) {
      const { spec, entry } = changed[k];
      const err = this.runHooks(spec, working, previous);
      if (err !== null) {
        // Restore everything and let the hooks that already ran undo their work.
        this.values = previous;
        for (let u = 0; u < k; u++) this.runHooks(changed[u].spec, previous, working);
        errstr = err;
        errArgName = entry;
        return fail();
      }
    }
    return null;
  }

  private runHooks(spec: OptionSpec, now: Map<string, unknown>, before: Map<string, unknown>): string | null {
    const hooks = this.hooks.get(spec.name);
    if (!hooks || hooks.length === 0) return null;
    const value = this.publicValue(spec, now.get(spec.name));
    const prev = this.publicValue(spec, before.get(spec.name));
    for (const fn of hooks.slice()) {
      let r: unknown;
      try {
        r = fn(value, prev, this);
      } catch (e) {
        r = (e as Error).message;
      }
      if (typeof r === 'string') return r;
    }
    return null;
  }

  // -------------------------------------------------------------------------
  // CONFIG REWRITE
  // -------------------------------------------------------------------------

  /**
   * CONFIG REWRITE: rewrites the config file in place like Redis 7.0 —
   * comments and lines that are not options are kept; each option's lines
   * are replaced in order by its current value; values that are not in the
   * file and differ from the default are appended after a "# Generated by
   * CONFIG REWRITE" line; extra lines of rewritten options (and lines of
   * options back at their default, for options Redis drops then) are
   * blanked. Lines that cannot be parsed or name unknown options are kept
   * as "# ??? <line>". The file is replaced atomically.
   *
   * Throws Error("ERR The server is running without a config file") without
   * a config file, or an Error whose message is the strerror() text when
   * reading or writing fails.
   */
  rewrite(forceAll = false): void {
    if (this.configFile === null) throw new Error('ERR The server is running without a config file');
    const content = this.rewriteContent(this.configFile, forceAll);
    overwriteFileAtomically(this.configFile, content);
  }

  /**
   * The bytes CONFIG REWRITE would write to `file`; with `forceAll`
   * (DEBUG CONFIG-REWRITE-FORCE-ALL) options at their defaults too.
   */
  rewriteContent(file: string, forceAll = false): Buffer {
    const state = readOldConfig(file);
    state.forceWrite = forceAll;
    for (const spec of ALL_OPTIONS) this.rewriteOption(spec, state);
    for (const rewrite of this.directiveRewriters.values()) rewrite(state);
    state.removeOrphaned();
    return state.content();
  }

  private rewriteOption(spec: OptionSpec, state: RewriteStateImpl): void {
    const name = spec.name;
    const v = this.values.get(name);
    const def = this.defaults.get(name);
    switch (spec.type) {
      case 'bool':
        state.rewriteLine(name, `${name} ${v ? 'yes' : 'no'}`, v !== def);
        return;
      case 'int':
        state.rewriteLine(name, `${name} ${BigInt.asIntN(64, v as bigint)}`, v !== def);
        return;
      case 'memory':
        state.rewriteLine(name, `${name} ${formatMemory(v as bigint)}`, v !== def);
        return;
      case 'octal':
        state.rewriteLine(name, `${name} ${BigInt.asUintN(64, v as bigint).toString(8)}`, v !== def);
        return;
      case 'enum':
        state.rewriteLine(name, `${name} ${enumName(spec, v as number)}`, v !== def);
        return;
      case 'string': {
        const s = v as string | null;
        if (s === null) {
          state.markProcessed(name);
          return;
        }
        const force = spec.emptyIsNull || s !== spec.default;
        state.rewriteLine(name, `${name} ${repr(s)}`, force);
        return;
      }
      case 'special':
        spec.rewrite(name, v, state);
        return;
    }
  }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

function enumName(spec: EnumSpec, value: number): string {
  const hit = spec.values.find(([, v]) => v === value);
  return hit ? hit[0] : 'unknown';
}

/** numericParseString() + numericBoundaryCheck() of Redis 7.0. */
function parseNumeric(spec: NumericSpec, v: string): SetResult {
  let ll: bigint | null = null;
  if (spec.type === 'memory') {
    const m = memtoull(v);
    if (m !== null) ll = BigInt.asIntN(64, m);
  } else if (spec.type === 'octal') {
    const r = cStrtoll(v, 8);
    if (!r.overflow && r.end === v.length) ll = r.value;
  } else {
    ll = string2ll(v);
  }
  if (ll === null) {
    if (spec.type === 'memory') return { error: 'argument must be a memory value' };
    if (spec.type === 'octal') return { error: "argument couldn't be parsed as an octal number" };
    return { error: "argument couldn't be parsed into an integer" };
  }
  if (spec.unsigned) {
    const u = BigInt.asUintN(64, ll);
    const lo = BigInt.asUintN(64, spec.min);
    const hi = BigInt.asUintN(64, spec.max);
    if (u > hi || u < lo) {
      const f = (x: bigint): string => (spec.type === 'octal' ? x.toString(8) : x.toString());
      return { error: `argument must be between ${f(lo)} and ${f(hi)} inclusive` };
    }
    return { value: u };
  }
  if (ll > spec.max || ll < spec.min) {
    return { error: `argument must be between ${spec.min} and ${spec.max} inclusive` };
  }
  return { value: ll };
}

class RewriteStateImpl implements RewriteState {
  /** Old lines stay as their bytes (kept verbatim); new ones are strings. */
  lines: (string | Buffer)[] = [];
  optionToLine = new Map<string, number[]>();
  processed = new Set<string>();
  needsSignature = true;
  /** Write every option, at its default or not. */
  forceWrite = false;

  rewriteLine(option: string, line: string, force: boolean): void {
    this.markProcessed(option);
    const l = this.optionToLine.get(option);
    if ((!l || l.length === 0) && !force && !this.forceWrite) return;
    if (l && l.length > 0) {
      const idx = l.shift() as number;
      if (l.length === 0) this.optionToLine.delete(option);
      this.lines[idx] = line;
    } else {
      if (this.needsSignature) {
        this.lines.push(REWRITE_SIGNATURE);
        this.needsSignature = false;
      }
      this.lines.push(line);
    }
  }

  markProcessed(option: string): void {
    this.processed.add(option);
  }

  /** Blanks the unused old lines of options that were rewritten. */
  removeOrphaned(): void {
    for (const [option, idxs] of this.optionToLine) {
      if (!this.processed.has(option)) continue;
      for (const i of idxs) this.lines[i] = '';
    }
    this.optionToLine.clear();
  }

  /** Joins the lines, collapsing runs of empty lines into one. */
  content(): Buffer {
    const out: Buffer[] = [];
    const nl = Buffer.from('\n');
    let wasEmpty = false;
    for (const line of this.lines) {
      if (line.length === 0) {
        if (wasEmpty) continue;
        wasEmpty = true;
      } else {
        wasEmpty = false;
      }
      out.push(typeof line === 'string' ? Buffer.from(line, 'utf8') : line, nl);
    }
    return Buffer.concat(out);
  }
}

/** rewriteConfigReadOldFile(): the old file as rewrite state (empty when missing). */
function readOldConfig(file: string): RewriteStateImpl {
  const state = new RewriteStateImpl();
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return state;
    throw new Error(strerror(e));
  }
  if (buf.length === 0) return state;
  const lines = splitConfigLines(buf);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.length === 0 || line[0] === 0x23 /* # */) {
      if (state.needsSignature && line.toString('latin1') === REWRITE_SIGNATURE) state.needsSignature = false;
      state.lines.push(line);
      continue;
    }
    const args = splitArgs(line);
    const first = args && args.length > 0 ? args[0].toLowerCase() : null;
    if (first === null || (!lookupOption(first) && !REWRITE_KEPT_DIRECTIVES.has(first))) {
      // Unparsable, or an option that does not exist: keep it, commented.
      state.lines.push(Buffer.concat([Buffer.from('# ??? '), line]));
      continue;
    }
    const idx = state.lines.length;
    state.lines.push(line);
    let option = first;
    const p = option.indexOf('slave');
    if (p >= 0) option = `${option.slice(0, p)}replica${option.slice(p + 5)}`;
    const spec = lookupOption(option);
    if (spec) option = spec.name; // aliases map to the option's name
    let l = state.optionToLine.get(option);
    if (!l) state.optionToLine.set(option, (l = []));
    l.push(idx);
  }
  return state;
}

/** rewriteConfigOverwriteFile(): write a temp file, fsync, rename over the original. */
function overwriteFileAtomically(file: string, content: Buffer): void {
  const tmp = `${file}.${crypto.randomBytes(4).toString('hex').slice(0, 6)}`;
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        // ignore
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      // ignore
    }
    throw new Error(strerror(e));
  }
}


/** Whether clients must authenticate: requirepass is set for the default user. */
export function requirePassSet(config: Config): boolean {
  return config.get('requirepass') !== '';
}
