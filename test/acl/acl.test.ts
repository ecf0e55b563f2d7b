/**
 * ACL users against a real redis-server 7.0, reply for reply in RESP2 and
 * RESP3: every ACL subcommand and rule form (passwords, key patterns with
 * read/write permissions, channels, commands, subcommands, categories,
 * first arguments, selectors), the NOPERM refusals of commands, keys and
 * channels, ACL LOG entries, AUTH and HELLO AUTH, MULTI/EXEC and scripts,
 * what changing or deleting a user does to its connected clients, `user`
 * lines in redis.conf, and aclfiles written by one server and loaded by the
 * other.
 *
 * Redis lists the single commands of a rule description in its hash table's
 * order, which changes with every process (a random hash seed); the
 * normaliser below sorts those tokens, and only those.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import { Config } from '../../src/config/config';
import { TachyonServer } from '../../src/server';
import {
  N,
  PROTOCOLS,
  exp,
  norm,
  useDifferential,
  type Differential,
  type Normalizer,
  type Reply,
  type Session,
} from '../helpers/differential';
import { startRedisOracle } from '../helpers/redis-oracle';
import { RespClient, formatReply } from '../helpers/resp';
import { ARITY } from '../helpers/replies';

const NOPERM_KEY = '-NOPERM this user has no permissions to access one of the keys used as arguments';
const NOPERM_CHANNEL = '-NOPERM this user has no permissions to access one of the channels used as arguments';
const NOPERM_CMD = (name: string) => `-NOPERM this user has no permissions to run the '${name}' command`;
const WRONGPASS = '-WRONGPASS invalid username-password pair or user is disabled.';

// ---------------------------------------------------------------------------
// Normalisers

/** Sorts the runs of single-command rules (+get -set +config|get ...) in a rule description. */
export function sortRuleText(s: string): string {
  const toks = s.split(' ');
  const out: string[] = [];
  let run: string[] = [];
  let closing = '';
  const flush = () => {
    if (run.length) out.push(...run.sort());
    run = [];
    if (closing) out[out.length - 1] += closing;
    closing = '';
  };
  for (const tok of toks) {
    let t = tok;
    let close = '';
    if (t.endsWith(')')) {
      close = ')';
      t = t.slice(0, -1);
    }
    if (!t.startsWith('(') && /^[+-][^@]/.test(t)) {
      run.push(t);
      if (close) {
        closing = close;
        flush();
      }
    } else {
      flush();
      out.push(t + close);
    }
  }
  flush();
  return out.join(' ');
}

/** Applies sortRuleText to every string of a reply that holds command rules. */
const rules: Normalizer = (r) => {
  const walk = (x: Reply): Reply => {
    switch (x.type) {
      case 'bulk':
        return x.value !== null && /[+-]@all/.test(x.value.toString('latin1'))
          ? { type: 'bulk', value: Buffer.from(sortRuleText(x.value.toString('latin1')), 'latin1') }
          : x;
      case 'array':
        return x.value === null ? x : { type: 'array', value: x.value.map(walk) };
      case 'set':
        return { type: 'set', value: x.value.map(walk) };
      case 'map':
        return { type: 'map', value: x.value.map(([k, v]) => [walk(k), walk(v)] as [Reply, Reply]) };
      default:
        return x;
    }
  };
  return walk(r);
};

/** ACL LOG: age and client details are per process; the client's user, db, name and protocol are compared. */
const aclLog: Normalizer = N.each((entry, ref) => {
  const masked = N.maskFields(['age-seconds'])(entry, ref);
  const info = N.clientInfo(['name', 'db', 'user', 'resp']);
  const pairs = (x: Reply): [Reply, Reply][] =>
    x.type === 'map'
      ? x.value
      : x.type === 'array' && x.value
        ? Array.from({ length: x.value.length / 2 }, (_, i) => [x.value![2 * i], x.value![2 * i + 1]] as [Reply, Reply])
        : [];
  const fixed = pairs(masked).map(([k, v]) =>
    formatReply(k) === '"client-info"' ? ([k, info(v, v)] as [Reply, Reply]) : ([k, v] as [Reply, Reply]),
  );
  return masked.type === 'map' ? { type: 'map', value: fixed } : { type: 'array', value: fixed.flat() };
});

/** A sorted list (ACL CAT <category>: Redis walks its command table in hash order). */
const sorted = N.sorted;

// ---------------------------------------------------------------------------
// Helpers

/** Deletes every user but default, restores default, empties ACL LOG. */
async function freshAcl(d: Differential): Promise<void> {
  const { ref } = await d.adminCall('ACL', 'USERS');
  const names = ref.type === 'array' && ref.value ? ref.value.map((v) => (v.type === 'bulk' ? String(v.value) : '')) : [];
  const others = names.filter((n) => n !== 'default' && n !== '');
  if (others.length) await d.adminCall('ACL', 'DELUSER', ...others);
  await d.adminCall('ACL', 'SETUSER', 'default', 'reset', 'on', 'nopass', '~*', '&*', '+@all');
  await d.adminCall('ACL', 'LOG', 'RESET');
}

async function setuser(d: Differential, ...args: string[]): Promise<void> {
  const { ref, target } = await d.adminCall('ACL', 'SETUSER', ...args);
  expect(formatReply(ref)).toBe('+OK');
  expect(formatReply(target)).toBe('+OK');
}

async function as(d: Differential, user: string, pass = 'pw'): Promise<Session> {
  return d.session({ auth: [user, pass] });
}

describe.each(PROTOCOLS)('ACL (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  beforeEach(() => freshAcl(d));

  test('ACL CAT', () =>
    d.check(
      ['ACL', 'CAT'],
      ...[
        'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo',
        'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
      ].map((c) => norm(['ACL', 'CAT', c], sorted)),
      norm(['ACL', 'CAT', 'READ'], sorted),
      exp(['ACL', 'CAT', 'nope'], "-ERR Unknown category 'nope'"),
      exp(['ACL', 'CAT', 'a', 'b'], "-ERR unknown subcommand or wrong number of arguments for 'CAT'. Try ACL HELP."),
    ));

  test('SETUSER rule forms, LIST, USERS, GETUSER', () =>
    d.check(
      exp(['ACL', 'SETUSER', 'alice'], '+OK'),
      norm(['ACL', 'LIST'], rules),
      ['ACL', 'SETUSER', 'alice', 'on', '>p1', '>p2', '#' + 'a'.repeat(64), '<p1', 'nopass'],
      ['ACL', 'SETUSER', 'bob', 'on', '>secret', '~app:*', '%R~ro:*', '%W~wo:*', '%RW~rw:*', '&news.*', '+get', '+set', '-set'],
      ['ACL', 'SETUSER', 'carol', 'off', 'resetpass', 'allkeys', 'allchannels', 'allcommands', '-@dangerous', '+config|get'],
      ['ACL', 'SETUSER', 'dave', '+@read', '+@write', '-@hash', '-@list', '+lpush', '+client|id', '+select|0', '+select|1'],
      ['ACL', 'SETUSER', 'erin', '+@all', '-@admin', '+acl|whoami', '-get', 'nocommands', '+ping'],
      ['ACL', 'SETUSER', 'frank', '%R~a', '%W~a', '%R~', '~b', '%RW~c', 'resetkeys', '~d*', 'skip-sanitize-payload'],
      ['ACL', 'SETUSER', 'gina', 'reset', '(~x* +get)', '(%R~y* &chan +@read)', 'sanitize-payload'],
      ['ACL', 'SETUSER', 'hank', '(', '~h*', '+hget', ')', '(~i +set)', 'clearselectors', '(~j +del)'],
      norm(['ACL', 'LIST'], rules),
      ['ACL', 'USERS'],
      ...['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'hank', 'default', 'nobody'].map((u) =>
        norm(['ACL', 'GETUSER', u], rules),
      ),
      exp(['ACL', 'GETUSER'], ARITY('acl|getuser')),
    ));

  test('SETUSER errors leave the user unchanged', () =>
    d.check(
      ['ACL', 'SETUSER', 'u', 'on', '>pw', '~k'],
      exp(['ACL', 'SETUSER', 'u', 'off', 'bogus'], "-ERR Error in ACL SETUSER modifier 'bogus': Syntax error"),
      ['ACL', 'SETUSER', 'u', '+nosuchcommand'],
      ['ACL', 'SETUSER', 'u', '+@nosuchcategory'],
      ['ACL', 'SETUSER', 'u', '-@nosuchcategory'],
      ['ACL', 'SETUSER', 'u', '-select|0'],
      ['ACL', 'SETUSER', 'u', '+config|get|x'],
      ['ACL', 'SETUSER', 'u', '+get|'],
      ['ACL', 'SETUSER', 'u', '+'],
      ['ACL', 'SETUSER', 'u', 'allkeys', '~x'],
      ['ACL', 'SETUSER', 'u', 'allchannels', '&x'],
      ['ACL', 'SETUSER', 'u', '~a b'],
      ['ACL', 'SETUSER', 'u', '&a\tb'],
      ['ACL', 'SETUSER', 'u', '%X~x'],
      ['ACL', 'SETUSER', 'u', '%RR~x'],
      ['ACL', 'SETUSER', 'u', '%~x'],
      ['ACL', 'SETUSER', 'u', '#abc'],
      ['ACL', 'SETUSER', 'u', '#' + 'A'.repeat(64)],
      ['ACL', 'SETUSER', 'u', '!' + 'b'.repeat(64)],
      ['ACL', 'SETUSER', 'u', '<nosuchpassword'],
      ['ACL', 'SETUSER', 'u', '(~x', '+get'],
      ['ACL', 'SETUSER', 'u', '+get', '(~x'],
      ['ACL', 'SETUSER', 'u', '(~x +nosuch)'],
      ['ACL', 'SETUSER', 'u', '(on)'],
      ['ACL', 'SETUSER', 'a b'],
      ['ACL', 'SETUSER', 'a\x00b'],
      norm(['ACL', 'GETUSER', 'u'], rules),
      exp(['ACL', 'SETUSER'], ARITY('acl|setuser')),
    ));

  test('DELUSER, WHOAMI, GENPASS, HELP, LOAD/SAVE without a file', async () => {
    await d.check(
      ['ACL', 'SETUSER', 'a'],
      ['ACL', 'SETUSER', 'b'],
      exp(['ACL', 'DELUSER', 'a', 'default'], "-ERR The 'default' user cannot be removed"),
      exp(['ACL', 'DELUSER', 'a', 'nobody', 'b', 'a'], ':2'),
      ['ACL', 'USERS'],
      exp(['ACL', 'WHOAMI'], '"default"'),
      exp(['ACL', 'WHOAMI', 'x'], ARITY('acl|whoami')),
      norm(['ACL', 'GENPASS'], N.type),
      norm(['ACL', 'GENPASS', '1'], N.type),
      norm(['ACL', 'GENPASS', '4096'], N.type),
      ['ACL', 'GENPASS', '0'],
      ['ACL', 'GENPASS', '4097'],
      ['ACL', 'GENPASS', '-5'],
      ['ACL', 'GENPASS', 'abc'],
      ['ACL', 'GENPASS', '1', '2'],
      norm(['ACL', 'HELP'], N.help),
      ['ACL', 'LOAD'],
      ['ACL', 'SAVE'],
      ['ACL', 'NOSUCH'],
      exp(['ACL'], ARITY('acl')),
    );
    for (const bits of [1, 5, 64, 255, 256, 4096]) {
      const { ref, target } = await d.both('ACL', 'GENPASS', String(bits));
      const len = (x: Reply) => (x.type === 'bulk' && x.value ? x.value.length : -1);
      expect(len(target)).toBe(len(ref));
      expect(target.type === 'bulk' && /^[0-9a-f]+$/.test(String(target.value))).toBe(true);
    }
  });

  test('DRYRUN: commands, subcommands, first arguments, keys, channels, selectors', async () => {
    await setuser(d, 'u', 'on', '>pw', '~foo*', '%R~ro*', '%W~wo*', '&ch*', '+get', '+set', '+del', '+exists', '+copy',
      '+lmove', '+sort', '+eval', '+publish', '+subscribe', '+psubscribe', '+spublish', '+ssubscribe', '+config|get',
      '+select|0', '+bitfield', '+migrate', '+zunionstore', '+xread', '(~sel* +hget +hset)');
    await d.check(
      ...[
        ['get', 'foo'], ['get', 'bar'], ['get', 'ro1'], ['get', 'wo1'], ['set', 'wo1', 'v'], ['set', 'ro1', 'v'],
        ['set', 'ro1', 'v', 'GET'], ['set', 'foo', 'v', 'get'], ['del', 'foo', 'wo', 'bar'], ['exists', 'ro', 'wo', 'x'],
        ['copy', 'ro1', 'wo1'], ['copy', 'wo1', 'ro1'], ['lmove', 'ro1', 'wo1', 'left', 'right'],
        ['lmove', 'foo', 'foo2', 'left', 'right'], ['sort', 'ro1'], ['sort', 'ro1', 'store', 'ro2'],
        ['sort', 'ro1', 'by', 'x', 'store', 'wo2'], ['eval', 'return 1', '2', 'foo', 'bar'], ['eval', 'return 1', '1', 'foo'],
        ['eval', 'return 1', 'x', 'foo'], ['bitfield', 'ro1', 'get', 'u8', '0'], ['bitfield', 'ro1', 'set', 'u8', '0', '1'],
        ['migrate', 'h', '1', 'foo', '0', '1'], ['migrate', 'h', '1', '', '0', '1', 'keys', 'foo', 'bar'],
        ['zunionstore', 'foo', '2', 'foo1', 'bar'], ['zunionstore', 'foo', '1', 'foo1'], ['xread', 'streams', 'foo', 'bar', '0', '0'],
        ['xread', 'count', '1', 'streams', 'foo', '0'],
        ['publish', 'ch1', 'm'], ['publish', 'x', 'm'], ['spublish', 'x', 'm'], ['subscribe', 'ch1', 'ch2'],
        ['subscribe', 'ch1', 'x'], ['psubscribe', 'ch*'], ['psubscribe', 'ch1'], ['ssubscribe', 'ch1'],
        ['config', 'get', 'x'], ['config', 'set', 'x', 'y'], ['config', 'GET', 'x'], ['select', '0'], ['select', '1'],
        ['select'], ['hget', 'sel1', 'f'], ['hget', 'foo', 'f'], ['hset', 'sel1', 'f', 'v'], ['ping'], ['auth', 'a', 'b'],
        ['nosuch'], ['config'], ['config', 'nosub'], ['GET', 'foo', 'extra'],
      ].map((c) => ['ACL', 'DRYRUN', 'u', ...c]),
      ['ACL', 'DRYRUN', 'nobody', 'get', 'x'],
      exp(['ACL', 'DRYRUN', 'u'], ARITY('acl|dryrun')),
    );
  });

  test('NOPERM for commands, subcommands, first arguments, keys and channels; ACL LOG', async () => {
    await setuser(d, 'u', 'on', '>pw', '~foo*', '%R~ro*', '%W~wo*', '&ch*', '+@string', '+@keyspace', '-flushall',
      '+config|get', '+select|0', '+publish', '+subscribe', '+psubscribe', '+ssubscribe', '+spublish', '+client');
    const u = await as(d, 'u');
    await u.check(
      exp(['SET', 'foo1', 'v'], '+OK'),
      exp(['GET', 'bar'], NOPERM_KEY),
      exp(['SET', 'ro1', 'v'], NOPERM_KEY),
      ['GET', 'ro1'],
      exp(['GET', 'wo1'], NOPERM_KEY),
      exp(['SET', 'wo1', 'v'], '+OK'),
      exp(['SET', 'wo1', 'v', 'GET'], NOPERM_KEY),
      ['EXISTS', 'ro1', 'wo1'],
      exp(['MSET', 'foo1', 'a', 'bar', 'b'], NOPERM_KEY),
      exp(['COPY', 'ro1', 'wo2'], ':0'),
      exp(['RENAME', 'foo1', 'bar'], NOPERM_KEY),
      exp(['HSET', 'foo1', 'f', 'v'], NOPERM_CMD('hset')),
      exp(['FLUSHALL'], NOPERM_CMD('flushall')),
      exp(['CONFIG', 'SET', 'maxmemory', '0'], NOPERM_CMD('config|set')),
      norm(['CONFIG', 'GET', 'maxmemory'], N.pairs),
      exp(['SELECT', '1'], NOPERM_CMD('select')),
      exp(['SELECT', '0'], '+OK'),
      exp(['PUBLISH', 'ch1', 'm'], ':0'),
      exp(['PUBLISH', 'news', 'm'], NOPERM_CHANNEL),
      exp(['SPUBLISH', 'news', 'm'], NOPERM_CHANNEL),
      exp(['PSUBSCRIBE', 'ch1*'], NOPERM_CHANNEL),
      exp(['SUBSCRIBE', 'ch1', 'news'], NOPERM_CHANNEL),
      exp(['CLIENT', 'ID'], /^:/),
      norm(['ACL', 'LOG'], aclLog),
      norm(['ACL', 'LOG', '2'], aclLog),
      norm(['ACL', 'LOG', '0'], aclLog),
    );
    // Repeats of the same refusal are counted in one entry.
    await u.check(['GET', 'bar'], ['GET', 'bar'], ['GET', 'baz']);
    await d.check(
      norm(['ACL', 'LOG', '3'], aclLog),
      ['ACL', 'LOG', '-1'],
      ['ACL', 'LOG', 'x'],
      exp(['ACL', 'LOG', 'RESET'], '+OK'),
      exp(['ACL', 'LOG'], '[]'),
    );
  });

  test('acllog-max-len and entry grouping', async () => {
    await setuser(d, 'u', 'on', '>pw', '~k', '+get');
    await d.adminCall('CONFIG', 'SET', 'acllog-max-len', '3');
    const u = await as(d, 'u');
    try {
      await u.check(...Array.from({ length: 6 }, (_, i) => ['GET', `x${i}`]), ['SET', 'k', 'v'], ['GET', 'x1']);
      await d.check(norm(['ACL', 'LOG'], aclLog));
    } finally {
      await d.adminCall('CONFIG', 'SET', 'acllog-max-len', '128');
    }
  });

  test('AUTH and HELLO AUTH', async () => {
    await setuser(d, 'alice', 'on', '>pw', '>pw2', '~*', '+@all');
    await setuser(d, 'off', 'off', '>pw', '~*', '+@all');
    await setuser(d, 'free', 'on', 'nopass', '~*', '+@all');
    const s = await d.session();
    await s.check(
      exp(['AUTH', 'pw'], /AUTH <password> called without any password/),
      exp(['AUTH', 'alice', 'bad'], WRONGPASS),
      exp(['AUTH', 'alice', 'pw2'], '+OK'),
      exp(['ACL', 'WHOAMI'], '"alice"'),
      exp(['AUTH', 'off', 'pw'], WRONGPASS),
      exp(['AUTH', 'nobody', 'pw'], WRONGPASS),
      exp(['ACL', 'WHOAMI'], '"alice"'),
      exp(['AUTH', 'free', 'anything'], '+OK'),
      exp(['AUTH', 'a', 'b', 'c'], '-ERR syntax error'),
      norm(['HELLO', String(protocol), 'AUTH', 'alice', 'nope'], N.maskFields(['server', 'version', 'id'])),
      norm(['HELLO', String(protocol), 'AUTH', 'alice', 'pw'], N.maskFields(['server', 'version', 'id'])),
      exp(['ACL', 'WHOAMI'], '"alice"'),
      norm(['CLIENT', 'INFO'], N.clientInfo()),
      exp(['RESET'], '+RESET'),
      exp(['ACL', 'WHOAMI'], '"default"'),
    );
    await d.check(norm(['ACL', 'LOG'], aclLog));
  });

  test('requirepass is the default user password; a default user with rules', async () => {
    const s = await d.session();
    await d.adminCall('CONFIG', 'SET', 'requirepass', 'sekret');
    try {
      const fresh = await d.session({ protocol: 2 });
      await fresh.check(
        exp(['GET', 'x'], '-NOAUTH Authentication required.'),
        exp(['AUTH', 'wrong'], WRONGPASS),
        exp(['AUTH', 'sekret'], '+OK'),
        ['GET', 'x'],
        norm(['ACL', 'GETUSER', 'default'], rules),
      );
      await s.check(['GET', 'x']); // connections already in keep their state
      await d.adminCall('ACL', 'SETUSER', 'default', 'nopass');
      const again = await d.session({ protocol: 2 });
      await again.check(['GET', 'x']);
    } finally {
      await d.adminCall('CONFIG', 'SET', 'requirepass', '');
    }
    await d.adminCall('ACL', 'SETUSER', 'default', 'resetkeys', '~allowed*', '-flushdb');
    const limited = await d.session();
    await limited.check(exp(['GET', 'x'], NOPERM_KEY), ['GET', 'allowed'], exp(['FLUSHDB'], NOPERM_CMD('flushdb')));
  });

  test('MULTI/EXEC: refused when queued, and again at EXEC when the rules changed', async () => {
    await setuser(d, 'm', 'on', '>pw', '~k*', '&ch', '+@all');
    const m = await as(d, 'm');
    await m.check(
      exp(['MULTI'], '+OK'),
      exp(['SET', 'k1', 'v'], '+QUEUED'),
      exp(['SET', 'other', 'v'], NOPERM_KEY),
      exp(['EXEC'], /^-EXECABORT/),
      exp(['MULTI'], '+OK'),
      exp(['SET', 'k1', 'v'], '+QUEUED'),
      exp(['GET', 'k1'], '+QUEUED'),
      exp(['PUBLISH', 'ch', 'x'], '+QUEUED'),
      exp(['INCR', 'k2'], '+QUEUED'),
    );
    await d.adminCall('ACL', 'SETUSER', 'm', '-set', 'resetkeys', '~k2', 'resetchannels');
    await m.check(['EXEC'], ['GET', 'k2']);
    await d.check(norm(['ACL', 'LOG'], aclLog));
  });

  test('scripts: redis.call, redis.pcall and redis.acl_check_cmd run with the caller\'s ACLs', async () => {
    await setuser(d, 's', 'on', '>pw', '~ok*', '&pub', '+eval', '+get', '+set', '+publish', '+evalsha', '+script|load');
    const s = await as(d, 's');
    await s.check(
      ['EVAL', "return redis.call('get', 'ok1')", '0'],
      ['EVAL', "return redis.call('get', 'nope')", '0'],
      ['EVAL', "return redis.call('del', 'ok1')", '0'],
      ['EVAL', "return redis.call('publish', 'other', 'x')", '0'],
      ['EVAL', "return redis.call('publish', 'pub', 'x')", '0'],
      ['EVAL', "return redis.pcall('get', 'nope')", '0'],
      ['EVAL', "local r = redis.pcall('del', 'x') return r['err']", '0'],
      ['EVAL', "return redis.acl_check_cmd('get', 'ok1')", '0'],
      ['EVAL', "return redis.acl_check_cmd('get', 'nope')", '0'],
      ['EVAL', "return redis.acl_check_cmd('del', 'ok1')", '0'],
      ['EVAL', "return redis.acl_check_cmd('set')", '0'],
      ['EVAL', "return redis.acl_check_cmd('nosuchcmd')", '0'],
      ['EVAL', 'return 1', '1', 'nope'],
      ['EVAL', 'return 1', '1', 'ok2'],
    );
    await d.check(norm(['ACL', 'LOG'], aclLog));
  });

  test('deleting a user disconnects its clients; changing channels kills subscribers', async () => {
    await setuser(d, 'gone', 'on', '>pw', '~*', '+@all');
    await setuser(d, 'sub', 'on', '>pw', '~*', '&a*', '&b', '+@all');
    const gone = await as(d, 'gone');
    const other = await as(d, 'gone');
    const sub1 = await as(d, 'sub');
    const sub2 = await as(d, 'sub');
    await sub1.call(['SUBSCRIBE', 'b']);
    await sub2.call(['PSUBSCRIBE', 'a*']);
    await gone.check(exp(['PING'], '+PONG'));
    // The current client gets its reply, then is closed too.
    await other.check(exp(['ACL', 'DELUSER', 'gone'], ':1'));
    for (const s of [gone, other]) {
      const closed = await Promise.all([s.ref.waitClosed(2000), s.target.waitClosed(2000)]);
      expect(closed).toEqual([true, true]);
    }
    // Still allowed: nobody is killed.
    await d.adminCall('ACL', 'SETUSER', 'sub', '&c');
    await sub1.check(exp(['PING'], /pong/i));
    // Losing "b" kills the SUBSCRIBE b client only; the pattern one keeps "a*".
    await d.adminCall('ACL', 'SETUSER', 'sub', 'resetchannels', '&a*');
    expect(await Promise.all([sub1.ref.waitClosed(2000), sub1.target.waitClosed(2000)])).toEqual([true, true]);
    await sub2.check(exp(['PING'], /pong/i));
    await d.adminCall('ACL', 'SETUSER', 'sub', 'resetchannels', '&a1');
    expect(await Promise.all([sub2.ref.waitClosed(2000), sub2.target.waitClosed(2000)])).toEqual([true, true]);
  });

  test('CLIENT KILL USER and CLIENT LIST user=', async () => {
    await setuser(d, 'k', 'on', '>pw', '~*', '+@all');
    const k1 = await as(d, 'k');
    const k2 = await as(d, 'k');
    await k1.check(norm(['CLIENT', 'INFO'], N.clientInfo()));
    await d.check(
      exp(['CLIENT', 'KILL', 'USER', 'nobody'], "-ERR No such user 'nobody'"),
      exp(['CLIENT', 'KILL', 'USER', 'k'], ':2'),
    );
    for (const s of [k1, k2]) {
      expect(await Promise.all([s.ref.waitClosed(2000), s.target.waitClosed(2000)])).toEqual([true, true]);
    }
  });

  test('acl-pubsub-default', async () => {
    await d.adminCall('CONFIG', 'SET', 'acl-pubsub-default', 'allchannels');
    try {
      await d.check(
        ['CONFIG', 'GET', 'acl-pubsub-default'],
        ['ACL', 'SETUSER', 'p1', '(~x +get)'],
        ['ACL', 'SETUSER', 'p2', 'reset'],
        norm(['ACL', 'LIST'], rules),
      );
    } finally {
      await d.adminCall('CONFIG', 'SET', 'acl-pubsub-default', 'resetchannels');
    }
    await d.check(['ACL', 'SETUSER', 'p3'], norm(['ACL', 'LIST'], rules), ['CONFIG', 'SET', 'acl-pubsub-default', 'bad']);
  });
});

// ---------------------------------------------------------------------------
// Files: aclfile, and `user` lines in redis.conf

interface Pair {
  redis: { port: number; close(): Promise<void>; logs(): string; configPath: string | undefined };
  tachyon: { port: number; close(): Promise<void> };
  dirs: { redis: string; tachyon: string };
}

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-acl-'));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

async function startTachyonFromFile(conf: string): Promise<{ port: number; close(): Promise<void> }> {
  const server = new TachyonServer(Config.fromSources({ file: conf }));
  await server.listen();
  return { port: server.port, close: () => server.close() };
}

/** Both servers with the same redis.conf text (each in its own dir), aclfile users.acl when `acl` is given. */
async function startPair(name: string, confText: string, acl?: string): Promise<Pair> {
  const dirs = { redis: path.join(tmpRoot, `${name}-redis`), tachyon: path.join(tmpRoot, `${name}-tachyon`) };
  for (const dir of Object.values(dirs)) {
    fs.mkdirSync(dir, { recursive: true });
    if (acl !== undefined) fs.writeFileSync(path.join(dir, 'users.acl'), acl);
  }
  const extra = acl !== undefined ? 'aclfile users.acl\n' : '';
  const redis = await startRedisOracle({
    configFile: (port) => `port ${port}\nbind 127.0.0.1\nsave ""\ndir ${dirs.redis}\n${extra}${confText}`,
  });
  const tconf = path.join(dirs.tachyon, 'redis.conf');
  fs.writeFileSync(tconf, `port 0\nbind 127.0.0.1\nsave ""\ndir ${dirs.tachyon}\n${extra}${confText}`);
  const tachyon = await startTachyonFromFile(tconf);
  return { redis, tachyon, dirs };
}

async function call(port: number, ...args: string[]): Promise<string> {
  const c = await RespClient.connect(port, { timeoutMs: 5000 });
  try {
    return formatReply(rules(await c.call(...args), { type: 'null' }));
  } finally {
    await c.close();
  }
}

async function callAs(port: number, user: string, pass: string, ...args: string[]): Promise<string> {
  const c = await RespClient.connect(port, { timeoutMs: 5000 });
  try {
    const a = await c.call('AUTH', user, pass);
    if (a.type === 'error') return formatReply(a);
    return formatReply(await c.call(...args));
  } finally {
    await c.close();
  }
}

async function listAs(port: number): Promise<Reply> {
  const c = await RespClient.connect(port, { timeoutMs: 5000 });
  try {
    await c.call('AUTH', 'default', 'defpw');
    return await c.call('ACL', 'LIST');
  } finally {
    await c.close();
  }
}

describe('aclfile and user lines', () => {
  test('users in redis.conf', async () => {
    const conf = [
      'user alice on >pw ~app:* &app +@read +@write -@dangerous',
      'user bob off #' + 'c'.repeat(64) + ' (~sel +get) allkeys +ping',
      'user default on >defpw ~* &* +@all -flushall',
    ].join('\n');
    const p = await startPair('conf', `${conf}\n`);
    try {
      expect(await call(p.tachyon.port, 'AUTH', 'defpw')).toBe('+OK');
      const list = async (port: number) => rules(await listAs(port), { type: 'null' });
      expect(formatReply(await list(p.tachyon.port))).toBe(formatReply(await list(p.redis.port)));
      for (const cmd of [['GET', 'app:1'], ['GET', 'x'], ['SET', 'app:1', 'v'], ['FLUSHALL']]) {
        expect(await callAs(p.tachyon.port, 'alice', 'pw', ...cmd)).toBe(await callAs(p.redis.port, 'alice', 'pw', ...cmd));
      }
      expect(await callAs(p.tachyon.port, 'default', 'defpw', 'FLUSHALL')).toBe(NOPERM_CMD('flushall'));
    } finally {
      await Promise.all([p.redis.close(), p.tachyon.close()]);
    }
  });

  test('a bad user line is a fatal config error', async () => {
    for (const [line, reason] of [
      ['user alice on bogus', "Error in user declaration 'alice': Syntax error"],
      ['user alice on\nuser alice off', "Error in user declaration 'alice': Duplicate user found. A user can only be defined once in config files"],
    ]) {
      const dir = fs.mkdtempSync(path.join(tmpRoot, 'bad-'));
      const conf = path.join(dir, 'redis.conf');
      fs.writeFileSync(conf, `port 0\n${line}\n`);
      expect(() => new TachyonServer(Config.fromSources({ file: conf }))).toThrow(reason);
    }
  });

  test('files written by ACL SAVE load on the other server, both ways', async () => {
    const p = await startPair('roundtrip', '', 'user default on nopass ~* &* +@all\n');
    try {
      const setup = [
        ['ACL', 'SETUSER', 'alice', 'on', '>pw', '~app:*', '%R~ro:*', '&app', '+@read', '+@write', '-@dangerous', '+select|0'],
        ['ACL', 'SETUSER', 'bob', 'off', 'nopass', 'allkeys', '+@all', '-@admin', '(~s* +get)', '(%W~w* &ch +set +@list)'],
        ['ACL', 'SETUSER', 'carol', 'on', '#' + 'd'.repeat(64), 'resetchannels', '+client|id', '+config|get', 'skip-sanitize-payload'],
      ];
      const files = { redis: path.join(p.dirs.redis, 'users.acl'), tachyon: path.join(p.dirs.tachyon, 'users.acl') };
      // Redis writes, Tachyon loads.
      for (const c of setup) expect(await call(p.redis.port, ...c)).toBe('+OK');
      expect(await call(p.redis.port, 'ACL', 'SAVE')).toBe('+OK');
      fs.copyFileSync(files.redis, files.tachyon);
      expect(await call(p.tachyon.port, 'ACL', 'LOAD')).toBe('+OK');
      const redisList = await call(p.redis.port, 'ACL', 'LIST');
      expect(await call(p.tachyon.port, 'ACL', 'LIST')).toBe(redisList);
      // Tachyon writes, Redis loads (after forgetting its users).
      expect(await call(p.tachyon.port, 'ACL', 'SAVE')).toBe('+OK');
      const lines = (f: string) => fs.readFileSync(f, 'latin1').split('\n').map(sortRuleText);
      expect(lines(files.tachyon)).toEqual(lines(files.redis));
      expect(await call(p.redis.port, 'ACL', 'DELUSER', 'alice', 'bob', 'carol')).toBe(':3');
      fs.copyFileSync(files.tachyon, files.redis);
      expect(await call(p.redis.port, 'ACL', 'LOAD')).toBe('+OK');
      expect(await call(p.redis.port, 'ACL', 'LIST')).toBe(redisList);
      for (const cmd of [['GET', 'app:1'], ['SET', 'ro:1', 'v'], ['SELECT', '0'], ['SELECT', '1'], ['FLUSHALL']]) {
        expect(await callAs(p.tachyon.port, 'alice', 'pw', ...cmd)).toBe(await callAs(p.redis.port, 'alice', 'pw', ...cmd));
      }
    } finally {
      await Promise.all([p.redis.close(), p.tachyon.close()]);
    }
  });

  test('ACL LOAD errors change nothing; clients of reloaded users are disconnected', async () => {
    const p = await startPair('loaderr', '', 'user default on nopass ~* &* +@all\nuser old on >pw ~* +@all\n');
    try {
      const bad = [
        'user default on nopass ~* &* +@all',
        '# a comment',
        'user a on bogus +nosuch',
        'user a on',
        'usr b',
        'user',
        'user c (~x +get',
        '',
      ].join('\n');
      for (const dir of Object.values(p.dirs)) fs.writeFileSync(path.join(dir, 'users.acl'), bad);
      expect(await call(p.tachyon.port, 'ACL', 'LOAD')).toBe(await call(p.redis.port, 'ACL', 'LOAD'));
      expect(await call(p.tachyon.port, 'ACL', 'LIST')).toBe(await call(p.redis.port, 'ACL', 'LIST'));
      // A good file: the old user's clients are closed (the default user's stay).
      const clients = await Promise.all([p.redis.port, p.tachyon.port].map(async (port) => {
        const c = await RespClient.connect(port, { timeoutMs: 5000 });
        await c.call('AUTH', 'old', 'pw');
        const keep = await RespClient.connect(port, { timeoutMs: 5000 });
        return { c, keep };
      }));
      for (const dir of Object.values(p.dirs)) {
        fs.writeFileSync(path.join(dir, 'users.acl'), 'user old on >pw ~* +@all\nuser new on nopass -@all\n');
      }
      expect(await call(p.tachyon.port, 'ACL', 'LOAD')).toBe(await call(p.redis.port, 'ACL', 'LOAD'));
      expect(await call(p.tachyon.port, 'ACL', 'LIST')).toBe(await call(p.redis.port, 'ACL', 'LIST'));
      for (const { c, keep } of clients) {
        expect(await c.waitClosed(2000)).toBe(true);
        expect(formatReply(await keep.call('PING'))).toBe('+PONG');
        await keep.close();
      }
      fs.rmSync(path.join(p.dirs.tachyon, 'users.acl'));
      fs.rmSync(path.join(p.dirs.redis, 'users.acl'));
      expect(await call(p.tachyon.port, 'ACL', 'LOAD')).toBe(await call(p.redis.port, 'ACL', 'LOAD'));
    } finally {
      await Promise.all([p.redis.close(), p.tachyon.close()]);
    }
  });

  test('CONFIG REWRITE writes the users as user lines', async () => {
    const p = await startPair('rewrite', 'user alice on >pw ~a* +get\n');
    try {
      for (const port of [p.redis.port, p.tachyon.port]) {
        expect(await call(port, 'ACL', 'SETUSER', 'bob', 'on', 'nopass', '~b', '+set')).toBe('+OK');
        expect(await call(port, 'ACL', 'DELUSER', 'alice')).toBe(':1');
        expect(await call(port, 'CONFIG', 'REWRITE')).toBe('+OK');
      }
      const users = (file: string) =>
        fs
          .readFileSync(file, 'latin1')
          .split('\n')
          .filter((l) => l.startsWith('user '))
          .map(sortRuleText);
      expect(users(path.join(p.dirs.tachyon, 'redis.conf'))).toEqual(users(p.redis.configPath as string));
    } finally {
      await Promise.all([p.redis.close(), p.tachyon.close()]);
    }
  });
});
