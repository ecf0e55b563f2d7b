/**
 * Configuration: redis.conf parsing, the command line, CONFIG GET / SET /
 * REWRITE — checked against fixed expectations and, where possible, against
 * a real redis-server 7.0 (same defaults, same error texts, same rewrites).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Config, ConfigError } from '../../src/config/config';
import { OPTIONS, lookupOption, memtoull, REDIS_CONFIG_NAMES } from '../../src/config/options';
import { string2ll } from '../../src/util/integers';
import { argvToConfigText, parseArgv, parseConfigFile, repr, splitArgs } from '../../src/config/parse';
import { Logger, formatLogTimestamp } from '../../src/log';
import { findRedisServer, haveRedisServer, startRedisOracle, type RedisOracle } from '../helpers/redis-oracle';
import { RespClient, formatReply, type Reply } from '../helpers/resp';

const REDIS_BIN = haveRedisServer() ? findRedisServer() : '';
const haveRedis = REDIS_BIN !== '';

// ---------------------------------------------------------------------------
// Throwaway redis-servers started from a config file
// ---------------------------------------------------------------------------

/** CONFIG SET ... as Config.set() reports it: null for OK, else the error text. */
async function configSet(c: RespClient, ...args: string[]): Promise<string | null> {
  const r = await c.call('CONFIG', 'SET', ...args);
  if (r.type === 'simple' && r.value === 'OK') return null;
  if (r.type === 'error') return r.value;
  throw new Error(`unexpected reply ${formatReply(r)}`);
}

/** CONFIG GET ... as [name, value] pairs (RESP2: a flat array of bulk strings). */
async function configGet(c: RespClient, ...patterns: string[]): Promise<[string, string][]> {
  const r = await c.call('CONFIG', 'GET', ...patterns);
  if (r.type !== 'array' || !r.value) throw new Error(`unexpected reply ${formatReply(r)}`);
  const text = (x: Reply): string => (x.type === 'bulk' && x.value ? x.value.toString('utf8') : '');
  const out: [string, string][] = [];
  for (let i = 0; i < r.value.length; i += 2) out.push([text(r.value[i]), text(r.value[i + 1])]);
  return out;
}

interface RealRedis {
  port: number;
  client: RespClient;
  oracle: RedisOracle;
  dir: string;
  conf: string;
}

/**
 * Starts redis-server on a free port with `conf` (a function of the port)
 * as its redis.conf, cwd = its private directory.
 */
async function startRedis(conf: (port: number, dir: string) => string, auth?: string): Promise<RealRedis> {
  const oracle = await startRedisOracle({ configFile: conf });
  const client = await RespClient.connect(oracle.port);
  if (auth !== undefined) await client.call('AUTH', auth);
  return { port: oracle.port, client, oracle, dir: oracle.dir, conf: oracle.configPath as string };
}

async function stopRedis(r: RealRedis | undefined): Promise<void> {
  if (!r) return;
  r.client.close();
  await r.oracle.close();
}

/** What redis-server prints on stderr for a fatal config error (null if it did not fail). */
function redisStartupError(args: string[], cwd: string): string | null {
  const r = spawnSync(REDIS_BIN, args, { cwd, timeout: 3000, encoding: 'utf8' });
  if (r.status === 1 && r.stderr) return r.stderr;
  return null;
}

/** Our ConfigError text for the same thing, as the CLI prints it. */
function tachyonStartupError(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return `${e.message}\n`;
  }
}

const asTachyon = (s: string | null): string | null => (s === null ? null : s.replace(/\(Redis [0-9.]+\)/, '(Tachyon)'));

let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-config-test-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function writeTmp(name: string, content: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, content);
  return p;
}

// ---------------------------------------------------------------------------
// Low level parsing
// ---------------------------------------------------------------------------

describe('splitArgs (sdssplitargs)', () => {
  it('splits on blanks and understands both quote styles', () => {
    expect(splitArgs('  set  key   value ')).toEqual(['set', 'key', 'value']);
    expect(splitArgs('a\tb')).toEqual(['a', 'b']);
    expect(splitArgs('"hello world" x')).toEqual(['hello world', 'x']);
    expect(splitArgs("'hello world' x")).toEqual(['hello world', 'x']);
    expect(splitArgs('""')).toEqual(['']);
    expect(splitArgs("''")).toEqual(['']);
    expect(splitArgs('')).toEqual([]);
    expect(splitArgs('   ')).toEqual([]);
    // A quote can open in the middle of a word.
    expect(splitArgs('ab"c d"')).toEqual(['abc d']);
  });

  it('handles escapes in double quotes', () => {
    expect(splitArgs('"a\\nb\\rc\\td\\be\\af"')).toEqual(['a\nb\rc\td\be\x07f']);
    expect(splitArgs('"q\\"q" "b\\\\s"')).toEqual(['q"q', 'b\\s']);
    expect(splitArgs('"\\x41\\x62\\x7a"')).toEqual(['Abz']);
    expect(splitArgs('"\\xzz"')).toEqual(['xzz']); // not a hex escape: \x is x
    expect(splitArgs('"\\q"')).toEqual(['q']);
    expect(splitArgs('"\\xc3\\xa9"')).toEqual(['é']); // bytes decoded as UTF-8
    expect(splitArgs('"\\xff"')).toEqual(['\xff']); // invalid UTF-8 stays byte-exact (Latin-1)
  });

  it("single quotes only understand \\'", () => {
    expect(splitArgs("'it\\'s'")).toEqual(["it's"]);
    expect(splitArgs("'a\\nb'")).toEqual(['a\\nb']);
  });

  it('rejects unbalanced quotes and junk after a closing quote', () => {
    expect(splitArgs('"abc')).toBeNull();
    expect(splitArgs("'abc")).toBeNull();
    expect(splitArgs('"abc"def')).toBeNull();
    expect(splitArgs("'abc'def")).toBeNull();
    expect(splitArgs('"abc\\"')).toBeNull();
  });

  it('repr() quotes like sdscatrepr and round-trips', () => {
    expect(repr('abc')).toBe('"abc"');
    expect(repr('a b')).toBe('"a b"');
    expect(repr('q"\\\n\r\t\x07\b')).toBe('"q\\"\\\\\\n\\r\\t\\a\\b"');
    expect(repr('\x01é')).toBe('"\\x01\\xc3\\xa9"');
    for (const s of ['', 'x y', 'é', '"\'', '\\x41', '\x00\x7f']) expect(splitArgs(repr(s))).toEqual([s]);
  });
});

describe('numbers', () => {
  it('memtoull accepts Redis memory units', () => {
    expect(memtoull('0')).toBe(0n);
    expect(memtoull('')).toBe(0n);
    expect(memtoull('kb')).toBe(0n);
    expect(memtoull('1b')).toBe(1n);
    expect(memtoull('1k')).toBe(1000n);
    expect(memtoull('1K')).toBe(1000n);
    expect(memtoull('1kb')).toBe(1024n);
    expect(memtoull('1KB')).toBe(1024n);
    expect(memtoull('2m')).toBe(2000000n);
    expect(memtoull('2mb')).toBe(2n * 1024n * 1024n);
    expect(memtoull('3g')).toBe(3000000000n);
    expect(memtoull('3GB')).toBe(3n * 1024n * 1024n * 1024n);
    expect(memtoull('00012')).toBe(12n);
    for (const bad of ['1tb', '-1', '+1', ' 1', '1 ', '1.5', '0x10', '1 kb', 'abc']) expect(memtoull(bad)).toBeNull();
    expect(memtoull('99999999999999999999')).toBe((1n << 64n) - 1n); // saturates
    expect(memtoull('18446744073709551615kb')).toBe((1n << 64n) - 1024n); // wraps, like Redis 7.0
  });

  it('string2ll is strict', () => {
    expect(string2ll('0')).toBe(0n);
    expect(string2ll('-5')).toBe(-5n);
    expect(string2ll('9223372036854775807')).toBe(9223372036854775807n);
    for (const bad of ['', '-', '+1', '01', ' 1', '1 ', '1.0', '9223372036854775808', '1k']) expect(string2ll(bad)).toBeNull();
  });
});

describe('parseConfigFile', () => {
  it('skips comments and blank lines, keeps Redis line numbers, lowercases names', () => {
    const entries = parseConfigFile('# comment\n\n  PORT 7000 \r\n\t# indented\nsave "" \nbad "quote\n');
    expect(entries).toEqual([
      { lineNumber: 3, line: 'PORT 7000', args: ['port', '7000'] },
      { lineNumber: 5, line: 'save ""', args: ['save', ''] },
      { lineNumber: 6, line: 'bad "quote', args: null },
    ]);
  });
});

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

describe('command line', () => {
  it('parseArgv finds --version/--help only first, and the config file', () => {
    expect(parseArgv(['-v']).version).toBe(true);
    expect(parseArgv(['--version']).version).toBe(true);
    expect(parseArgv(['-h']).help).toBe(true);
    expect(parseArgv(['--help']).help).toBe(true);
    expect(parseArgv(['--port', '1', '--version'])).toMatchObject({ version: false, options: ['--port', '1', '--version'] });
    expect(parseArgv(['redis.conf', '--port', '7'])).toMatchObject({ file: 'redis.conf', options: ['--port', '7'], stdin: false });
    expect(parseArgv(['-'])).toMatchObject({ stdin: true });
    expect(parseArgv(['-']).file).toBeUndefined();
    expect(parseArgv(['x.conf', '--port', '1', '-'])).toMatchObject({ stdin: true });
    expect(parseArgv([])).toMatchObject({ version: false, help: false, stdin: false, options: [] });
  });

  it('turns options into config lines like redis-server', () => {
    const t = (...a: string[]) => argvToConfigText(undefined, a).text;
    expect(t('--port', '7000')).toBe('port "7000" ');
    expect(t('--port', '7000', '--save', '900', '1')).toBe('port "7000" \nsave "900" "1" ');
    expect(t('--port 7000')).toBe('port 7000 '); // name and value in one argument
    expect(t('--save')).toBe('save ""');
    expect(t('--save', '--port', '1')).toBe('save ""\nport "1" ');
    expect(t('--requirepass', '--port')).toBe('requirepass "--port" '); // a value may start with --
    expect(t('--bind', '127.0.0.1', '::1')).toBe('bind "127.0.0.1" "::1" ');
    expect(t('--requirepass', 'a"b')).toBe('requirepass "a\\"b" ');
    expect(argvToConfigText('f.conf', ['--port', '1', '-'])).toEqual({ text: 'port "1" ', stdin: true });
  });

  it('builds a Config from argv like redis-server does', () => {
    const c = Config.fromSources({ argv: ['--port', '7001', '--save', '900', '1', '--save', '300', '2', '--bind', '127.0.0.1', '::1'] });
    expect(c.get('port')).toBe(7001);
    expect(c.get('save')).toBe('900 1 300 2');
    expect(c.getBind()).toEqual(['127.0.0.1', '::1']);
    expect(Config.fromSources({ argv: ['--save', '900 1'] }).get('save')).toBe('900 1');
    expect(Config.fromSources({ argv: ['--save'] }).get('save')).toBe('');
    expect(Config.fromSources({ argv: ['--save', '--port', '7002'] }).getString('save')).toBe('');
    expect(Config.fromSources({ argv: ['--requirepass', '--port'] }).get('requirepass')).toBe('--port');
    const conf = writeTmp('argv.conf', 'port 7003\nhz 20\n');
    const f = Config.fromSources({ argv: [conf, '--hz', '30'] });
    expect(f.get('port')).toBe(7003);
    expect(f.get('hz')).toBe(30);
    expect(f.configFile).toBe(conf);
    const s = Config.fromSources({ argv: ['--port', '7004', '-'], stdin: 'hz 40\nport 7005\n' });
    expect(s.get('hz')).toBe(40);
    expect(s.get('port')).toBe(7004); // the command line comes after stdin
    const p = Config.fromSources({ argv: parseArgv([conf, '--loglevel', 'warning']) });
    expect(p.get('loglevel')).toBe('warning');
  });
});

// ---------------------------------------------------------------------------
// Loading and errors
// ---------------------------------------------------------------------------

describe('loading', () => {
  it('has Redis 7.0 defaults', () => {
    const c = new Config();
    expect(c.get('port')).toBe(6379);
    expect(c.get('bind')).toBe('* -::*');
    expect(c.getBind()).toEqual(['*', '-::*']);
    expect(c.get('save')).toBe('3600 1 300 100 60 10000');
    expect(c.getSaveParams()).toEqual([
      { seconds: 3600, changes: 1 },
      { seconds: 300, changes: 100 },
      { seconds: 60, changes: 10000 },
    ]);
    expect(c.get('client-output-buffer-limit')).toBe('normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
    expect(c.getClientOutputBufferLimits().replica).toEqual({ hardLimitBytes: 268435456, softLimitBytes: 67108864, softLimitSeconds: 60 });
    expect(c.get('dir')).toBe(process.cwd());
    expect(c.get('maxmemory-policy')).toBe('noeviction');
    expect(c.get('protected-mode')).toBe(true);
    expect(c.get('requirepass')).toBe('');
    expect(c.configFile).toBeNull();
  });

  it('reads files, memory units, aliases and quoting', () => {
    const conf = writeTmp(
      'load.conf',
      [
        '# a comment',
        'maxmemory 100MB',
        'hash-max-ziplist-entries 64',
        'lua-time-limit 100',
        'requirepass "p a\\x41ss"',
        "logfile ''",
        'notify-keyspace-events KEA',
        'save 100 1',
        'save 200 2',
        'client-output-buffer-limit replica 1gb 512mb 30 pubsub 1 2 3',
        'unixsocketperm 700',
        'oom-score-adj relative',
        'list-max-ziplist-entries 5', // obsolete, silently ignored like Redis
        'slave-read-only no',
        'bind 127.0.0.1 -::1',
        '',
      ].join('\n'),
    );
    const c = Config.fromSources({ file: conf });
    expect(c.get('maxmemory')).toBe(100 * 1024 * 1024);
    expect(c.get('hash-max-listpack-entries')).toBe(64);
    expect(c.get('busy-reply-threshold')).toBe(100);
    expect(c.get('requirepass')).toBe('p aAss');
    expect(c.get('notify-keyspace-events')).toBe('AKE');
    expect(c.get('save')).toBe('100 1 200 2');
    expect(c.get('client-output-buffer-limit')).toBe('normal 0 0 0 slave 1073741824 536870912 30 pubsub 1 2 3');
    expect(c.get('unixsocketperm')).toBe(0o700);
    expect(c.getString('unixsocketperm')).toBe('700');
    expect(c.get('oom-score-adj')).toBe('yes'); // relative and yes are the same value; Redis shows "yes"
    expect(c.get('replica-read-only')).toBe(false);
    expect(c.get('bind')).toBe('127.0.0.1 -::1');
  });

  it('reports errors in Redis format, at the first bad line', () => {
    const err = (text: string) => tachyonStartupError(() => Config.fromSources({ file: writeTmp('err.conf', text) }));
    expect(err('port 7000\nfoo bar\nhz "\n')).toBe(
      "\n*** FATAL CONFIG FILE ERROR (Tachyon) ***\nReading the configuration file, at line 2\n>>> 'foo bar'\nBad directive or wrong number of arguments\n",
    );
    expect(err('# x\n\n  hz  \n')).toContain(">>> 'hz'\nwrong number of arguments");
    expect(err('port "7000\n')).toContain('at line 1\n>>> \'port "7000\'\nUnbalanced quotes in configuration line');
    expect(err('maxmemory 1tb')).toContain('argument must be a memory value');
    expect(err('cluster-enabled yes\n')).toContain(">>> 'cluster-enabled yes'\nTachyon does not support cluster mode yet\n");
    expect(err('SLAVEOF 127.0.0.1 6379\n')).toBeNull();
    expect(err('replicaof 127.0.0.1 x\n')).toContain('Invalid master port');
    expect(err('repl-diskless-sync yes\n')).toBeNull();
    expect(err('repl-diskless-load swapdb\n')).toBeNull();
    expect(err('repl-diskless-load on-empty-db\n')).toBeNull();
    expect(err('repl-diskless-load never\n')).toContain('argument(s) must be one of the following');
    expect(err('replica-announce-ip 10.0.0.1\n')).toBeNull();
    expect(err('min-replicas-to-write 1\n')).toBeNull();
    expect(err('loadmodule /x.so\n')).toContain("Tachyon does not support the option 'loadmodule' yet");
    expect(err('mymod.opt 1\n')).toContain("Tachyon does not support the option 'mymod.opt' yet");
    expect(err('daemonize no\n')).toBeNull();
    expect(err('supervised systemd\n')).toContain('Tachyon does not support supervised mode yet');
    expect(err('supervised no\n')).toBeNull();
    expect(err('io-threads 4\n')).toContain('Tachyon does not support io-threads 4 yet');
    expect(err('io-threads 1\n')).toBeNull();
    expect(err('include /nonexistent/tachyon.conf\n')).toBe(
      "Fatal error, can't open config file '/nonexistent/tachyon.conf': No such file or directory\n",
    );
    expect(err('logfile /nonexistent/dir/x.log\n')).toBe(
      "\n*** FATAL CONFIG FILE ERROR (Tachyon) ***\nCan't open the log file: No such file or directory\n",
    );
    expect(tachyonStartupError(() => Config.fromSources({ file: path.join(tmp, 'missing.conf') }))).toBe(
      `Fatal error, can't open config file '${path.join(tmp, 'missing.conf')}': No such file or directory\n`,
    );
  });

  it('command line errors count lines after the file', () => {
    const conf = writeTmp('base.conf', 'port 7000\nhz 10\n');
    expect(tachyonStartupError(() => Config.fromSources({ argv: [conf, '--hz', 'x'] }))).toContain(
      'at line 4\n>>> \'hz "x"\'\nargument couldn\'t be parsed into an integer',
    );
    expect(tachyonStartupError(() => Config.fromSources({ argv: ['--port', 'abc'] }))).toContain('at line 2\n');
  });

  it('follows include, relative to dir, with globs', () => {
    const sub = path.join(tmp, 'inc');
    fs.mkdirSync(path.join(sub, 'conf.d'), { recursive: true });
    fs.writeFileSync(path.join(sub, 'a.conf'), 'maxmemory-samples 7\n');
    fs.writeFileSync(path.join(sub, 'conf.d', '1.conf'), 'hz 11\n');
    fs.writeFileSync(path.join(sub, 'conf.d', '2.conf'), 'hz 12\ntimeout 5\n');
    fs.writeFileSync(path.join(sub, 'conf.d', '.hidden.conf'), 'hz 99\n');
    const main = writeTmp('main-inc.conf', `dir ${sub}\ninclude a.conf\ninclude ${sub}/conf.d/*.conf\ninclude ${sub}/none/*.conf\n`);
    const c = Config.fromSources({ file: main });
    expect(c.get('dir')).toBe(sub);
    expect(c.get('maxmemory-samples')).toBe(7);
    expect(c.get('hz')).toBe(12);
    expect(c.get('timeout')).toBe(5);
  });

  it('accepts embedding options in both spellings', () => {
    const c = Config.fromSources({
      overrides: {
        port: 0,
        maxmemoryPolicy: 'allkeys-lru',
        'hash-max-listpack-entries': 100,
        appendonly: true,
        protectedMode: false,
        bind: '127.0.0.1 ::1',
        save: '',
        notifyKeyspaceEvents: 'Ex',
        requirepass: undefined,
      },
    });
    expect(c.get('port')).toBe(0);
    expect(c.get('maxmemory-policy')).toBe('allkeys-lru');
    expect(c.get('hash-max-listpack-entries')).toBe(100);
    expect(c.get('appendonly')).toBe(true);
    expect(c.get('protected-mode')).toBe(false);
    expect(c.getBind()).toEqual(['127.0.0.1', '::1']);
    expect(c.getSaveParams()).toEqual([]);
    expect(c.get('notify-keyspace-events')).toBe('xE');
    expect(Config.fromSources({ overrides: { bind: ['127.0.0.1', '::1'] } }).getBind()).toEqual(['127.0.0.1', '::1']);
    expect(() => Config.fromSources({ overrides: { nosuch: 1 } })).toThrow(/Bad directive/);
    expect(() => Config.fromSources({ overrides: { clusterEnabled: 'yes' } })).toThrow(/does not support cluster mode yet/);
    expect(() => Config.fromSources({ overrides: { port: 'abc' } })).toThrow(/argument couldn't be parsed into an integer/);
  });
});

// ---------------------------------------------------------------------------
// CONFIG GET / SET (standalone)
// ---------------------------------------------------------------------------

describe('CONFIG GET', () => {
  it('matches patterns case-insensitively and returns aliases too', () => {
    const c = new Config();
    const names = (p: string[]) => c.getPatterns(p).map(([k]) => k).sort();
    expect(names(['h?'])).toEqual(['hz']);
    expect(names(['HZ'])).toEqual(['HZ']); // exact lookups echo the name as given
    expect(names(['hz', 'HZ'])).toEqual(['hz']);
    expect(names(['*read-only'])).toEqual(['replica-read-only', 'slave-read-only']);
    expect(names(['*ziplist*'])).toEqual([
      'hash-max-ziplist-entries',
      'hash-max-ziplist-value',
      'list-max-ziplist-size',
      'zset-max-ziplist-entries',
      'zset-max-ziplist-value',
    ]);
    expect(names(['nosuch', 'tls-port'])).toEqual(['tls-port']);
    expect(c.getPatterns(['*']).length).toBe(OPTIONS.reduce((n, o) => n + 1 + o.aliases.length, 0));
  });
});

describe('CONFIG SET', () => {
  it('reports Redis error texts', () => {
    const c = new Config();
    expect(c.set([['nosuch', '1']])).toBe("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
    expect(c.set([['port', 'abc']])).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer",
    );
    expect(c.set([['DAEMONIZE', 'no']])).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'DAEMONIZE') - can't set immutable config",
    );
    expect(c.set([['dir', '/tmp']])).toBe("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config");
    expect(c.set([['hz', '5'], ['HZ', '6']])).toBe("ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter");
    expect(c.set([['appendonly', 'yes']], { loading: true })).toBe('LOADING Redis is loading the dataset in memory');
  });

  it('is atomic', () => {
    const c = new Config();
    expect(c.set([['hz', '20'], ['maxmemory', '1mb'], ['maxmemory-policy', 'nope']])).toMatch(/maxmemory-policy/);
    expect(c.get('hz')).toBe(10);
    expect(c.get('maxmemory')).toBe(0);
    expect(c.set([['hz', '20'], ['maxmemory', '1mb']])).toBeNull();
    expect(c.get('hz')).toBe(20);
    expect(c.get('maxmemory')).toBe(1024 * 1024);
  });

  it('runs change hooks, and a hook error rolls everything back', () => {
    const c = new Config();
    const seen: [unknown, unknown][] = [];
    c.onChange('maxmemory', (v, prev) => void seen.push([v, prev]));
    const off = c.onChange('port', (v) => (v === 1 ? 'Unable to listen on this port. Check server logs.' : undefined));
    expect(c.set([['maxmemory', '2mb'], ['port', '1']])).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.",
    );
    expect(c.get('maxmemory')).toBe(0);
    expect(c.get('port')).toBe(6379);
    expect(seen).toEqual([[2 * 1024 * 1024, 0], [0, 2 * 1024 * 1024]]); // applied, then undone
    off();
    expect(c.set([['port', '1']])).toBeNull();
    // No hook when nothing changes.
    seen.length = 0;
    expect(c.set([['maxmemory', '0']])).toBeNull();
    expect(seen).toEqual([]);
  });

  it('protected configs follow enable-protected-configs', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'dir-'));
    const yes = Config.fromSources({ overrides: { enableProtectedConfigs: 'yes' } });
    expect(yes.set([['dir', dir]])).toBeNull();
    expect(yes.get('dir')).toBe(dir);
    expect(yes.set([['dir', 'nonexistent']])).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory",
    );
    fs.mkdirSync(path.join(dir, 'sub'));
    expect(yes.set([['dir', 'sub']])).toBeNull(); // relative to the current dir, like chdir
    expect(yes.get('dir')).toBe(path.join(dir, 'sub'));
    const local = Config.fromSources({ overrides: { enableProtectedConfigs: 'local' } });
    expect(local.set([['dbfilename', 'x.rdb']])).toMatch(/can't set protected config/);
    expect(local.set([['dbfilename', 'x.rdb']], { local: true })).toBeNull();
    expect(local.set([['dbfilename', 'a/x.rdb']], { local: true })).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename",
    );
  });
});

// ---------------------------------------------------------------------------
// CONFIG REWRITE (standalone)
// ---------------------------------------------------------------------------

describe('CONFIG REWRITE', () => {
  it('needs a config file', () => {
    expect(() => new Config().rewrite()).toThrow('ERR The server is running without a config file');
  });

  it('keeps comments and directives, updates lines in place, appends the rest', () => {
    const latin1 = Buffer.from('# caf\xe9 (not UTF-8)\n', 'latin1');
    const inc = writeTmp('rw-inc.conf', 'timeout 3\n');
    const file = writeTmp(
      'rw.conf',
      `# keep me\nport 7000\ninclude ${inc}\n  # indented\nhz 10\nhz 11\nbind * -::*\nmaxmemory 10mb\nrequirepass secret\n`,
    );
    const c = Config.fromSources({ file, overrides: { dir: tmp } });
    // Edited behind the server's back: lines it cannot understand.
    fs.writeFileSync(
      file,
      Buffer.concat([
        latin1,
        Buffer.from(
          fs.readFileSync(file, 'utf8').replace('requirepass secret\n', 'unknown-thing 1\nbad "quote\nrequirepass secret\n'),
        ),
      ]),
    );
    expect(c.set([['maxmemory', '0'], ['hz', '15'], ['loglevel', 'verbose'], ['requirepass', '']])).toBeNull();
    c.rewrite();
    const out = fs.readFileSync(file);
    expect(out.subarray(0, latin1.length).equals(latin1)).toBe(true); // kept byte for byte
    expect(out.subarray(latin1.length).toString('utf8')).toBe(
      [
        '# keep me',
        'port 7000',
        `include ${inc}`,
        '# indented',
        'hz 15',
        '',
        'maxmemory 0',
        '# ??? unknown-thing 1',
        '# ??? bad "quote',
        '',
        '# Generated by CONFIG REWRITE',
        'timeout 3', // from the included file
        'loglevel verbose',
        `dir ${repr(tmp)}`, // always written
        'save 3600 1', // always written
        'save 300 100',
        'save 60 10000',
        'latency-tracking-info-percentiles 50 99 99.9', // always written, as Redis
        '',
      ].join('\n'),
    );
  });

  it('is stable: rewriting a rewritten file changes nothing', () => {
    const file = writeTmp('rw-stable.conf', '# x\nport 7000\nsave 100 1\nmaxmemory 1mb\n');
    const c = Config.fromSources({ file, overrides: { dir: tmp } });
    expect(c.set([['hz', '20'], ['save', '10 1 20 2'], ['bind', '127.0.0.1 ::1'], ['requirepass', 'a "b"']])).toBeNull();
    c.rewrite();
    const first = fs.readFileSync(file, 'utf8');
    expect(first).toContain('requirepass "a \\"b\\""\n');
    expect(first).toContain('bind 127.0.0.1 ::1\n');
    const again = Config.fromSources({ file, overrides: { dir: tmp } });
    expect(again.get('requirepass')).toBe('a "b"');
    expect(again.get('save')).toBe('10 1 20 2');
    again.rewrite();
    // Like Redis, the file's final newline reads as an empty last line, so a
    // second rewrite leaves one blank line at the end; from then on it is stable.
    const second = fs.readFileSync(file, 'utf8');
    expect(second).toBe(`${first}\n`);
    Config.fromSources({ file, overrides: { dir: tmp } }).rewrite();
    expect(fs.readFileSync(file, 'utf8')).toBe(second);
  });

  it('keeps Redis 7.0\'s include quirk: save lines after an include replace each other', () => {
    const inc = writeTmp('quirk-inc.conf', 'hz 20\n');
    const file = writeTmp('quirk.conf', `save 5 5\ninclude ${inc}\nsave 100 1\nsave 200 2\n`);
    expect(Config.fromSources({ file }).get('save')).toBe('200 2');
    const noInclude = writeTmp('quirk2.conf', 'save 100 1\nsave 200 2\n');
    expect(Config.fromSources({ file: noInclude }).get('save')).toBe('100 1 200 2');
  });

  it('creates a missing file', () => {
    const file = path.join(tmp, 'created.conf');
    const c = Config.fromSources({ argv: ['--port', '7777'] });
    c.configFile = file;
    c.rewrite();
    expect(fs.readFileSync(file, 'utf8')).toBe(
      [
        '# Generated by CONFIG REWRITE',
        'port 7777',
        `dir ${repr(process.cwd())}`,
        'save 3600 1',
        'save 300 100',
        'save 60 10000',
        'latency-tracking-info-percentiles 50 99 99.9',
        '',
      ].join('\n'),
    );
  });
});

// ---------------------------------------------------------------------------
// Logger
// ---------------------------------------------------------------------------

describe('Logger', () => {
  it('formats lines like Redis and filters by level', () => {
    const file = path.join(tmp, 'log.txt');
    const log = new Logger({ level: 'verbose', file });
    log.debug('not shown');
    log.verbose('v');
    log.notice('Ready to accept connections tcp');
    log.warning('w');
    log.raw('RAW\n');
    log.setLevel('warning');
    log.notice('not shown either');
    log.raw('no logo at warning\n');
    log.close();
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const re = (c: string, m: string) =>
      new RegExp(`^${process.pid}:M \\d\\d [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\${c} ${m}$`);
    expect(lines[0]).toMatch(re('-', 'v'));
    expect(lines[1]).toMatch(re('*', 'Ready to accept connections tcp'));
    expect(lines[2]).toMatch(re('#', 'w'));
    expect(lines[3]).toBe('RAW');
    expect(lines[4]).toBe('');
    expect(lines.length).toBe(5);
    expect(formatLogTimestamp(new Date(2026, 10, 4, 9, 5, 3, 7))).toBe('04 Nov 2026 09:05:03.007');
    expect(new Logger({ role: 'S' }).formatLine('debug', 'x', new Date(2026, 0, 1))).toMatch(/^\d+:S 01 Jan 2026 00:00:00\.000 \. x$/);
    expect(() => new Logger({ level: 'loud' })).toThrow(/Invalid log level/);
  });
});

// ---------------------------------------------------------------------------
// Differential: the same things against a real redis-server 7.0
// ---------------------------------------------------------------------------

describe.skipIf(!haveRedis)('against a real redis-server', () => {
  let redis: RealRedis | undefined;
  beforeAll(async () => {
    redis = await startRedis((port) => `port ${port}\n`);
  });
  afterAll(async () => {
    await stopRedis(redis);
  });

  it('knows every option name Redis 7.0 knows', async () => {
    const r = redis as RealRedis;
    const all = (await configGet(r.client, '*')).map(([k]) => k);
    const known = new Set(REDIS_CONFIG_NAMES);
    for (const name of all) expect(known.has(name), name).toBe(true);
    for (const spec of OPTIONS) for (const n of [spec.name, ...spec.aliases]) expect(all, n).toContain(n);
  });

  it('has the same defaults (CONFIG GET of every supported name and alias)', async () => {
    const r = redis as RealRedis;
    const ours = new Config();
    for (const spec of OPTIONS) {
      for (const name of [spec.name, ...spec.aliases]) {
        if (name === 'port' || name === 'dir') continue;
        const [[k, v]] = await configGet(r.client, name);
        expect(k).toBe(name);
        expect(ours.getString(name), name).toBe(v);
        expect(spec.default, name).toBe(v);
      }
    }
    expect((await configGet(r.client, 'dir'))[0][1]).toBe(fs.realpathSync(r.dir));
  });

  it('has the same mutability (CONFIG SET <current value>)', async () => {
    const r = redis as RealRedis;
    const ours = Config.fromSources({ overrides: { port: r.port } });
    for (const spec of OPTIONS) {
      const [[, v]] = await configGet(r.client, spec.name);
      const theirs = await configSet(r.client, spec.name, v);
      expect(ours.set([[spec.name, spec.name === 'dir' ? process.cwd() : v]]), spec.name).toBe(theirs);
    }
  });

  it('answers CONFIG GET patterns the same way', async () => {
    const r = redis as RealRedis;
    const ours = Config.fromSources({ overrides: { port: r.port } });
    const cases: string[][] = [
      ['*'],
      ['h*'],
      ['H*'],
      ['*max*'],
      ['maxmemory-*'],
      ['[hz]*'],
      ['*-ziplist-*'],
      ['slave*'],
      ['*read-only'],
      ['HZ'],
      ['Hz'],
      ['hz'],
      ['nosuch'],
      ['tls-port'],
      ['*port*'],
      ['?z'],
      ['list-max-*'],
      ['hz', 'HZ'],
      ['HZ', 'h?'],
      ['h?', 'HZ'],
      ['maxmemory-policy', 'MAXMEMORY-POLICY', 'maxmemory-p*'],
      ['lua-time-limit', 'busy-*'],
      ['LUA-TIME-LIMIT'],
      ['[^a-z]*'],
      ['*[0-9]*'],
      ['\\h*'],
    ];
    for (const pats of cases) {
      const theirs = (await configGet(r.client, ...pats))
        .filter(([k]) => lookupOption(k) !== undefined)
        .map(([k, v]) => [k, k.toLowerCase() === 'dir' ? '' : v])
        .sort();
      const mine = ours
        .getPatterns(pats)
        .map(([k, v]) => [k, k.toLowerCase() === 'dir' ? '' : v])
        .sort();
      expect(mine, JSON.stringify(pats)).toEqual(theirs);
    }
  });

  it('answers CONFIG SET with the same errors and values', async () => {
    const r = redis as RealRedis;
    const ours = Config.fromSources({ overrides: { port: r.port } });
    const generic = [
      '', ' ', 'yes', 'no', 'YES', 'No', 'maybe', '0', '1', '-1', '-2', '2', '10', '16', '500', '501', '1000',
      '16383', '65535', '65536', '128', '0777', '777', '1k', '1K', '1kb', '1Kb', '1m', '1mb', '1g', '1gb', '1GB',
      '1tb', '1b', 'kb', '2147483647', '2147483648', '-2147483649', '4294967295', '4294967296',
      '9223372036854775807', '9223372036854775808', '18446744073709551615', '18446744073709551616',
      '99999999999999999999', '-9223372036854775808', '00', '012', '+5', ' 5', '5 ', '5.0', '0x10', 'abc', '1 2',
      'debug', 'verbose', 'notice', 'warning', 'WARNING', 'everysec', 'always', 'noeviction', 'allkeys-lru',
      'Volatile-TTL', 'local', 'relative', 'absolute', 'upstart',
      'A', 'KEA', 'Elg', '$lshzxet', 'g$lshzxetd', 'AKEm', 'An', 'd', 'n', 'xE', 'Q', 'KKK',
      '900 1', '900 1 300 10', '0 1', '1 -1', '900', 'a 1', '1  2', '900 4294967297', ' 900 1', '900 +1',
      'normal 1mb 2mb 3', 'replica 1 2 3', 'slave 1kb 1kb 0', 'pubsub 0 0 0 normal 1 1 1', 'master 1 2 3',
      'normal 1 2', 'normal 1x 2 3', 'normal 1 2 -1', 'NORMAL 1 2 3', 'normal 1 2 ', 'normal 1 2 4294967296',
      '{title}', '{title} x', '{foo}', '{{title}', '}{title}', '{title', ' x ', '{port}', '{listen-addr}',
      '{unixsocket}', '{server-mode} {config-file}', 'x.rdb', 'a/b', 'a\\b',
    ];
    // Options whose valid values would disturb the test server: invalid ones only.
    const special: Record<string, string[]> = {
      port: ['abc', '-1', '65536', '99999999999999999999', ''],
      bind: [Array.from({ length: 17 }, (_, i) => `127.0.0.${i + 1}`).join(' ')],
      requirepass: [],
      dir: ['/tmp'],
      maxclients: ['0', 'abc', '-1', '4294967296', ''],
      appendonly: ['maybe', '', '1'],
      timeout: ['abc', '-1', '2147483648', '1k'],
      // Valid values turn TLS on, which the server (not a bare Config) refuses without certificates.
      'tls-port': ['abc', '-1', '65536', ''],
      'tls-replication': ['maybe', '', '1'],
      'tls-cluster': ['maybe', '', '1'],
    };
    for (const spec of OPTIONS) {
      const values = special[spec.name] ?? generic;
      for (const value of values) {
        const label = `${spec.name} ${JSON.stringify(value)}`;
        const theirs = await configSet(r.client, spec.name, value);
        const mine = ours.set([[spec.name, value]]);
        if (mine?.includes('Tachyon does not support')) {
          // A valid value for a feature Tachyon lacks: refused, never ignored.
          // (The oracle has no TLS certificates, so it cannot apply TLS settings either.)
          if (theirs !== null) expect(theirs, label).toMatch(/Unable to update TLS configuration/);
          else expect(await configSet(r.client, spec.name, spec.default), label).toBeNull();
          continue;
        }
        expect(mine, label).toBe(theirs);
        const [[, v]] = await configGet(r.client, spec.name);
        if (spec.name !== 'dir') expect(ours.getString(spec.name), label).toBe(v);
        if (theirs === null) {
          // Back to the default on both.
          expect(await configSet(r.client, spec.name, spec.default), label).toBeNull();
          expect(ours.set([[spec.name, spec.default]]), label).toBeNull();
        }
      }
    }
    // Aliases go through the same code.
    for (const [name, value] of [['lua-time-limit', '-5'], ['list-max-ziplist-size', 'x'], ['slave-read-only', 'x']]) {
      expect(ours.set([[name, value]])).toBe(await configSet(r.client, name, value));
    }
  });

  it('handles multi-option CONFIG SET the same way', async () => {
    const r = redis as RealRedis;
    const ours = Config.fromSources({ overrides: { port: r.port } });
    const cases: string[][] = [
      ['hz', '5', 'hz', '6'],
      ['hz', '5', 'HZ', '6'],
      ['hz', '5', 'lua-time-limit', '6', 'busy-reply-threshold', '7'],
      ['daemonize', 'no', 'nosuch', '1'],
      ['nosuch', '1', 'daemonize', 'no'],
      ['hz', 'x', 'daemonize', 'no'],
      ['hz', '11', 'maxmemory-policy', 'foo'],
      ['hz', '12', 'maxmemory-policy', 'allkeys-lru', 'maxmemory', '3mb'],
      ['maxmemory', '0', 'maxmemory-policy', 'noeviction', 'hz', '10', 'busy-reply-threshold', '5000'],
      ['dbfilename', 'x.rdb', 'hz', 'x'],
      ['save', '', 'notify-keyspace-events', 'KEA'],
      ['save', '3600 1 300 100 60 10000', 'notify-keyspace-events', ''],
      ['list-max-ziplist-size', '-3', 'list-max-listpack-size', '-4'],
      ['list-max-listpack-size', '-2'],
    ];
    for (const c of cases) {
      const pairs: [string, string][] = [];
      for (let i = 0; i < c.length; i += 2) pairs.push([c[i], c[i + 1]]);
      expect(ours.set(pairs), c.join(' ')).toBe(await configSet(r.client, ...c));
      for (const [k] of pairs) {
        if (!lookupOption(k)) continue;
        const [[, v]] = await configGet(r.client, k);
        expect(ours.getString(k), `${c.join(' ')}: ${k}`).toBe(v);
      }
    }
  });

  it('prints the same fatal errors for bad config files and command lines', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'fatal-'));
    const files: string[] = [
      'port 6380\nfoo bar\n',
      '# comment\n\n   \nhz 10\nhz\n',
      'requirepass "abc\n',
      'requirepass "a"b\n',
      'loglevel loud\n',
      '  maxmemory-policy\tfoo  \r\n',
      'maxmemory 1tb\n',
      'save 1 2 3\n',
      'save "1 2 3"\n',
      'list-max-ziplist-entries 5\nlist-max-ziplist-entries 5 6\n',
      'appendonly maybe\n',
      'unixsocketperm 800\n',
      'unixsocketperm abc\n',
      'unixsocketperm -1\n',
      'hash-max-ziplist-entries -1\n',
      'maxclients 0\n',
      'client-output-buffer-limit normal 1 2\n',
      'client-output-buffer-limit master 1 2 3\n',
      'notify-keyspace-events Q\n',
      `bind ${Array.from({ length: 17 }, (_, i) => `127.0.0.${i + 1}`).join(' ')}\n`,
      'dbfilename a/b\n',
      'appendfilename ""\n',
      'appendfilename a/b\n',
      'proc-title-template "{foo}"\n',
      'dir /nonexistent/tachyon\n',
      'logfile /nonexistent/tachyon/x.log\n',
      'PORT abc\n',
      "timeout 'a\\'b'\n",
      'slowlog-max-len 9223372036854775808\n',
      'io-threads 0\n',
      'supervised foo\n',
      'daemonize maybe\n',
      'include\n',
      'enable-debug-command maybe\n',
      'oom-score-adj maybe\n',
      'hz -1\n',
      'databases 0\n',
      'tcp-backlog -1\n',
      'port 1 2\n',
      'save\nhz x\n',
      'requirepass "\\x41\\n"\nport x\n',
      'lua-time-limit -1\n',
      'repl-backlog-size 0\n',
      'active-expire-effort 11\n',
      'crash-log-enabled 1\n',
      'port 0\nnotify-keyspace-events a b\n',
    ];
    for (const text of files) {
      const conf = path.join(dir, 'bad.conf');
      fs.writeFileSync(conf, text);
      const theirs = redisStartupError([conf], dir);
      expect(theirs, `redis accepted ${JSON.stringify(text)}`).not.toBeNull();
      const mine = tachyonStartupError(() => Config.fromSources({ file: conf }));
      expect(mine, JSON.stringify(text)).toBe(asTachyon(theirs));
    }
    const argvs: string[][] = [
      ['--port', 'abc'],
      ['--port', '7400', '--hz'],
      ['--nosuch', '1'],
      ['--save', '1', '2', '3'],
      ['--requirepass', '--port', '--hz', 'x'],
      ['--maxmemory', '1 gb'],
      ['--hz 1x'],
      ['--save', '--hz', 'x'],
      ['--bind', ...Array.from({ length: 17 }, (_, i) => `127.0.0.${i + 1}`)],
      ['--port', '0', '--loglevel', 'a"b\\'],
      ['--client-output-buffer-limit', 'normal 1 2'],
    ];
    const conf = path.join(dir, 'ok.conf');
    fs.writeFileSync(conf, 'port 0\nhz 10\n');
    for (const a of [...argvs, ...argvs.map((x) => [conf, ...x])]) {
      const theirs = redisStartupError(a, dir);
      expect(theirs, `redis accepted ${a.join(' ')}`).not.toBeNull();
      expect(tachyonStartupError(() => Config.fromSources({ argv: a })), a.join(' ')).toBe(asTachyon(theirs));
    }
  }, 120_000);

  it('loads includes, save lines and aliases to the same values', async () => {
    const inc = writeTmp('diff-inc.conf', 'maxmemory-samples 7\nsave 300 3\n');
    // After an include returns Redis no longer "reads a config file": each
    // later save line replaces the list instead of adding to it.
    const r = await startRedis(
      (port) => `port ${port}\nsave 50 5\ninclude ${inc}\nsave 100 1\nsave 200 2\nlua-time-limit 77\nhash-max-ziplist-value 1kb\n`,
    );
    try {
      const ours = Config.fromSources({ file: r.conf });
      for (const name of ['save', 'maxmemory-samples', 'busy-reply-threshold', 'hash-max-listpack-value']) {
        const [[, v]] = await configGet(r.client, name);
        expect(ours.getString(name), name).toBe(v);
      }
    } finally {
      await stopRedis(r);
    }
  });

  it('rewrites config files like Redis', async () => {
    const inc = writeTmp('rw-diff-inc.conf', 'maxmemory-samples 7\n');
    const body = (port: number) =>
      [
        '# Tachyon rewrite test',
        `port ${port}`,
        '   # indented comment',
        `include ${inc}`,
        'slave-read-only yes',
        'lua-time-limit 100',
        'save 100 1',
        'save 200 2',
        'bind 127.0.0.1',
        'hz 10',
        '',
        '',
        'hz 12',
        'list-max-ziplist-size -3',
        'requirepass "a b"',
        'maxmemory 10mb',
        'maxmemory-policy allkeys-lru',
        'client-output-buffer-limit normal 0 0 0',
        'client-output-buffer-limit pubsub 32mb 8mb 60',
        'notify-keyspace-events ""',
        'timeout 0',
        'list-max-ziplist-entries 5',
        '',
      ].join('\n');
    const r = await startRedis(body, 'a b');
    try {
      const ourFile = path.join(tmp, 'rw-ours.conf');
      fs.writeFileSync(ourFile, fs.readFileSync(r.conf));
      const ours = Config.fromSources({ file: ourFile, overrides: { dir: fs.realpathSync(r.dir) } });
      const compare = () => {
        const theirs = fs.readFileSync(r.conf, 'utf8').split('\n');
        const mine = fs.readFileSync(ourFile, 'utf8').split('\n');
        const sig = (l: string[]) => {
          const i = l.indexOf('# Generated by CONFIG REWRITE');
          return i < 0 ? l.length : i;
        };
        // In-place part: identical.
        expect(mine.slice(0, sig(mine))).toEqual(theirs.slice(0, sig(theirs)));
        // Appended part: same lines for the options we support (Redis's order is its hash order).
        const tail = (l: string[]) =>
          l
            .slice(sig(l))
            .filter((x) => x !== '' && !x.startsWith('#') && lookupOption(x.split(' ')[0]) !== undefined)
            .sort();
        expect(tail(mine)).toEqual(tail(theirs));
      };
      const rounds: string[][] = [
        [
          'maxmemory', '20mb', 'slave-read-only', 'no', 'lua-time-limit', '200', 'loglevel', 'verbose',
          'notify-keyspace-events', 'KEA', 'client-output-buffer-limit', 'pubsub 1kb 2mb 3', 'hz', '15',
          'save', '300 3 400 4 500 5', 'maxmemory-policy', 'noeviction', 'timeout', '0',
          'list-max-listpack-size', '-2', 'proc-title-template', '{title} x', 'appendfsync', 'always',
          'lfu-log-factor', '5', 'set-max-intset-entries', '100', 'repl-backlog-size', '1',
          'hash-max-listpack-value', '1kb', 'oom-score-adj', 'relative', 'maxmemory-samples', '5',
          'slowlog-log-slower-than', '-1', 'stop-writes-on-bgsave-error', 'no',
        ],
        [
          'save', '', 'notify-keyspace-events', '', 'maxmemory', '0', 'requirepass', '', 'loglevel', 'notice',
          'client-output-buffer-limit', 'pubsub 32mb 8mb 60 normal 1gb 1 1', 'oom-score-adj', 'no',
          'proc-title-template', '{title} {listen-addr} {server-mode}', 'hash-max-listpack-value', '3000',
        ],
        ['save', '3600 1 300 100 60 10000', 'requirepass', 'x"y\\z é'],
      ];
      for (const round of rounds) {
        const pairs: [string, string][] = [];
        for (let i = 0; i < round.length; i += 2) pairs.push([round[i], round[i + 1]]);
        expect(await configSet(r.client, ...round)).toBeNull();
        expect(ours.set(pairs)).toBeNull();
        expect(formatReply(await r.client.call('CONFIG', 'REWRITE'))).toBe('+OK');
        ours.rewrite();
        compare();
      }
    } finally {
      await stopRedis(r);
    }
  });
});
