/**
 * Connection / server commands, compared reply-for-reply against a real
 * redis-server in RESP2 and RESP3. Values that legitimately differ (ids,
 * versions, timings) are masked by normalisers, field names are compared.
 */
import { describe, expect, test } from 'vitest';
import { PROTOCOLS, exp, noReply, useDifferential, type Step } from '../helpers/differential';
import { SYNTAX, ARITY } from '../helpers/replies';

const UNKNOWN_SUB = (sub: string, cmd: string) => `-ERR unknown subcommand '${sub}'. Try ${cmd} HELP.`;
const NOAUTH = '-NOAUTH Authentication required.';
const WRONGPASS = '-WRONGPASS invalid username-password pair or user is disabled.';
const BAD_NAME = '-ERR Client names cannot contain spaces, newlines or special characters.';

const INFO_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'keyspace'];

describe.each(PROTOCOLS)('server (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test('PING ECHO', () =>
    d.check(
      exp(['PING'], '+PONG'),
      exp(['PING', 'hello'], '"hello"'),
      ['PING', ''],
      exp(['PING', 'a', 'b'], ARITY('ping')),
      exp(['ping'], '+PONG'),
      exp(['ECHO', 'hi there'], '"hi there"'),
      ['ECHO', ''],
      ['ECHO', Buffer.from([0, 0xff, 0x0d, 0x0a])],
      exp(['ECHO'], ARITY('echo')),
      exp(['ECHO', 'a', 'b'], ARITY('echo')),
    ));

  test('unknown commands', () =>
    d.check(
      exp(['FOO'], "-ERR unknown command 'FOO', with args beginning with: "),
      exp(['foo', 'a', 'b'], "-ERR unknown command 'foo', with args beginning with: 'a' 'b' "),
      ['NOSUCH', 'x'.repeat(300)],
      ['NOSUCH', ...Array.from({ length: 40 }, (_, i) => `arg${i}`)],
      ['x'.repeat(300)],
      ['BAD\r\nCMD', 'arg\nwith\r\nnewlines'],
      // Not ['GET\x00', 'k']: Redis compares command names with strcasecmp but hashes
      // all bytes with a random seed, so it finds GET only on a chance bucket collision.
      [''],
      ['CONFIG|GET', 'maxmemory'],
    ));

  test('unknown subcommands', () =>
    d.check(
      exp(['CONFIG', 'x'], UNKNOWN_SUB('x', 'CONFIG')),
      exp(['CONFIG', 'nosuch', 'a', 'b'], UNKNOWN_SUB('nosuch', 'CONFIG')),
      exp(['CLIENT', 'x'], UNKNOWN_SUB('x', 'CLIENT')),
      exp(['OBJECT', 'x'], UNKNOWN_SUB('x', 'OBJECT')),
      exp(['COMMAND', 'x'], UNKNOWN_SUB('x', 'COMMAND')),
      ['config', 'Bogus'],
      ['MEMORY', 'x'],
    ));

  test('arity errors for commands and subcommands', () =>
    d.check(
      exp(['GET'], ARITY('get')),
      exp(['SET', 'k'], ARITY('set')),
      exp(['CONFIG'], ARITY('config')),
      exp(['CONFIG', 'GET'], ARITY('config|get')),
      exp(['config', 'get'], ARITY('config|get')),
      exp(['CONFIG', 'SET', 'maxmemory'], ARITY('config|set')),
      exp(['CONFIG', 'RESETSTAT', 'x'], ARITY('config|resetstat')),
      exp(['CLIENT'], ARITY('client')),
      exp(['CLIENT', 'SETNAME'], ARITY('client|setname')),
      exp(['CLIENT', 'GETNAME', 'x'], ARITY('client|getname')),
      exp(['CLIENT', 'ID', 'x'], ARITY('client|id')),
      exp(['CLIENT', 'KILL'], ARITY('client|kill')),
      exp(['CLIENT', 'NO-EVICT'], ARITY('client|no-evict')),
      exp(['CLIENT', 'REPLY'], ARITY('client|reply')),
      exp(['COMMAND', 'COUNT', 'x'], ARITY('command|count')),
      exp(['COMMAND', 'GETKEYS'], ARITY('command|getkeys')),
      exp(['OBJECT', 'ENCODING'], ARITY('object|encoding')),
      exp(['TIME', 'x'], ARITY('time')),
      exp(['LASTSAVE', 'x'], ARITY('lastsave')),
      exp(['DBSIZE', 'x'], ARITY('dbsize')),
      exp(['RESET', 'x'], ARITY('reset')),
    ));

  test('HELLO', () =>
    d.check(
      ['HELLO'],
      ['HELLO', 2],
      ['GET', 'missing'],
      ['HELLO', 3],
      ['GET', 'missing'],
      exp(['HELLO', 1], '-NOPROTO unsupported protocol version'),
      exp(['HELLO', 4], '-NOPROTO unsupported protocol version'),
      exp(['HELLO', 0], '-NOPROTO unsupported protocol version'),
      exp(['HELLO', -1], '-NOPROTO unsupported protocol version'),
      exp(['HELLO', 'abc'], '-ERR Protocol version is not an integer or out of range'),
      exp(['HELLO', '3.0'], '-ERR Protocol version is not an integer or out of range'),
      // Redis's string2ll: no leading zeros, no '+', no spaces, no "-0".
      exp(['HELLO', '03'], '-ERR Protocol version is not an integer or out of range'),
      exp(['HELLO', '+3'], '-ERR Protocol version is not an integer or out of range'),
      exp(['HELLO', ' 3'], '-ERR Protocol version is not an integer or out of range'),
      exp(['HELLO', '-0'], '-ERR Protocol version is not an integer or out of range'),
      exp(['HELLO', '99999999999999999999'], '-ERR Protocol version is not an integer or out of range'),
      ['HELLO', protocol],
      ['HELLO', 3, 'SETNAME', 'conn-a'],
      ['CLIENT', 'GETNAME'],
      exp(['HELLO', 3, 'SETNAME', 'a b'], BAD_NAME),
      ['CLIENT', 'GETNAME'],
      exp(['HELLO', 3, 'SETNAME'], "-ERR Syntax error in HELLO option 'SETNAME'"),
      exp(['HELLO', 3, 'AUTH'], "-ERR Syntax error in HELLO option 'AUTH'"),
      exp(['HELLO', 3, 'AUTH', 'default'], "-ERR Syntax error in HELLO option 'AUTH'"),
      exp(['HELLO', 3, 'foo'], "-ERR Syntax error in HELLO option 'foo'"),
      // The default user has no password: any password is accepted.
      ['HELLO', 2, 'AUTH', 'default', 'whatever'],
      exp(['HELLO', 3, 'AUTH', 'nosuchuser', 'pw'], WRONGPASS),
      ['HELLO', 2, 'AUTH', 'default', 'x', 'SETNAME', 'conn-b'],
      ['CLIENT', 'GETNAME'],
      ['HELLO', protocol],
    ));

  test('AUTH without requirepass', () =>
    d.check(
      exp(
        ['AUTH', 'x'],
        '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      ),
      exp(['AUTH', 'default', 'x'], '+OK'),
      exp(['AUTH', 'nosuch', 'x'], WRONGPASS),
      exp(['AUTH'], ARITY('auth')),
      exp(['AUTH', 'a', 'b', 'c'], SYNTAX),
      ['PING'],
    ));

  test('CLIENT ID SETNAME GETNAME', () =>
    d.check(
      ['CLIENT', 'ID'],
      ['CLIENT', 'GETNAME'],
      exp(['CLIENT', 'SETNAME', 'my-conn'], '+OK'),
      exp(['CLIENT', 'GETNAME'], '"my-conn"'),
      exp(['CLIENT', 'SETNAME', 'a b'], BAD_NAME),
      exp(['CLIENT', 'SETNAME', 'a\nb'], BAD_NAME),
      exp(['CLIENT', 'SETNAME', 'caf\xe9'], BAD_NAME),
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', ''],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', 'x'.repeat(200)],
      ['CLIENT', 'GETNAME'],
      exp(['CLIENT', 'SETNAME', 'a', 'b'], ARITY('client|setname')),
    ));

  test('CLIENT INFO and LIST field names', () =>
    d.check(
      ['CLIENT', 'INFO'],
      ['CLIENT', 'SETNAME', 'listed'],
      ['SELECT', 2],
      ['CLIENT', 'INFO'],
      ['CLIENT', 'LIST'],
      ['CLIENT', 'LIST', 'TYPE', 'normal'],
      ['CLIENT', 'LIST', 'TYPE', 'pubsub'],
      ['CLIENT', 'LIST', 'TYPE', 'replica'],
      ['CLIENT', 'LIST', 'TYPE', 'master'],
      exp(['CLIENT', 'LIST', 'TYPE', 'foo'], "-ERR Unknown client type 'foo'"),
      ['CLIENT', 'LIST', 'ID', '999999999'],
      exp(['CLIENT', 'LIST', 'ID', 'abc'], '-ERR Invalid client ID'),
      exp(['CLIENT', 'LIST', 'FOO'], SYNTAX),
      exp(['CLIENT', 'INFO', 'x'], ARITY('client|info')),
    ));

  test('CLIENT KILL errors', () =>
    d.check(
      exp(['CLIENT', 'KILL', '1.2.3.4:5'], '-ERR No such client'),
      exp(['CLIENT', 'KILL', 'ADDR', '1.2.3.4:5'], ':0'),
      exp(['CLIENT', 'KILL', 'LADDR', '1.2.3.4:5'], ':0'),
      exp(['CLIENT', 'KILL', 'ID', 0], '-ERR client-id should be greater than 0'),
      exp(['CLIENT', 'KILL', 'ID', 'abc'], '-ERR client-id should be greater than 0'),
      exp(['CLIENT', 'KILL', 'ID', '999999999'], ':0'),
      exp(['CLIENT', 'KILL', 'TYPE', 'foo'], "-ERR Unknown client type 'foo'"),
      exp(['CLIENT', 'KILL', 'USER', 'nosuch'], "-ERR No such user 'nosuch'"),
      exp(['CLIENT', 'KILL', 'SKIPME', 'maybe'], SYNTAX),
      exp(['CLIENT', 'KILL', 'foo', 'bar'], SYNTAX),
      exp(['CLIENT', 'KILL', 'ADDR'], '-ERR No such client'),
      exp(['CLIENT', 'KILL', 'ADDR', '1.2.3.4:5', 'ID'], SYNTAX),
      exp(['CLIENT', 'KILL', 'TYPE', 'pubsub'], ':0'),
      exp(['CLIENT', 'KILL', 'TYPE', 'master'], ':0'),
      ['PING'],
    ));

  test('CLIENT KILL of other connections', async () => {
    const other = await d.session();
    await other.check(['CLIENT', 'SETNAME', 'victim'], ['SET', 'k', 'v']);
    // Kills every other normal client (the second session and the harness's
    // admin connection, which exist on both sides), but not this one.
    await d.check(exp(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'], ':2'), ['PING'], ['GET', 'k']);
    await other.check(['PING']);
    expect(other.ref.closed && other.target.closed).toBe(true);
  });

  test('CLIENT NO-EVICT', () =>
    d.check(
      exp(['CLIENT', 'NO-EVICT', 'on'], '+OK'),
      exp(['CLIENT', 'NO-EVICT', 'OFF'], '+OK'),
      exp(['CLIENT', 'NO-EVICT', 'maybe'], SYNTAX),
      exp(['CLIENT', 'NO-EVICT', 'on', 'x'], ARITY('client|no-evict')),
    ));

  test('CLIENT REPLY', () =>
    d.check(
      exp(['CLIENT', 'REPLY', 'ON'], '+OK'),
      noReply(['CLIENT', 'REPLY', 'OFF']),
      noReply(['SET', 'k', 'v1']),
      noReply(['GET', 'k']),
      noReply(['NOSUCHCOMMAND']),
      exp(['CLIENT', 'REPLY', 'ON'], '+OK'),
      exp(['GET', 'k'], '"v1"'),
      noReply(['CLIENT', 'REPLY', 'SKIP']),
      noReply(['SET', 'k', 'v2']),
      exp(['GET', 'k'], '"v2"'),
      exp(['CLIENT', 'REPLY', 'maybe'], SYNTAX),
      ['PING'],
    ));

  test('CONFIG GET', () =>
    d.check(
      ['CONFIG', 'GET', 'maxmemory'],
      ['CONFIG', 'GET', 'databases'],
      ['CONFIG', 'GET', 'maxmemory-policy'],
      ['CONFIG', 'GET', 'timeout'],
      ['CONFIG', 'GET', 'proto-max-bulk-len'],
      ['CONFIG', 'GET', 'requirepass'],
      ['CONFIG', 'GET', 'appendonly'],
      ['CONFIG', 'GET', 'save'],
      ['CONFIG', 'GET', 'hz'],
      ['CONFIG', 'GET', 'maxclients'],
      ['CONFIG', 'GET', 'tcp-keepalive'],
      ['CONFIG', 'GET', 'lfu-log-factor'],
      ['CONFIG', 'GET', 'MAXMEMORY'],
      ['CONFIG', 'GET', 'maxmemory', 'databases', 'timeout'],
      ['CONFIG', 'GET', 'maxmemory', 'maxmemory'],
      // maxmemory-clients and maxmemory-eviction-tenacity are not supported yet.
      ['CONFIG', 'GET', 'maxmemory-[ps]*'],
      ['CONFIG', 'GET', 'nosuchoption'],
      ['CONFIG', 'GET', 'nosuch*'],
    ));

  test('CONFIG SET', async () => {
    try {
      await d.check(
        exp(['CONFIG', 'SET', 'maxmemory', '100mb'], '+OK'),
        ['CONFIG', 'GET', 'maxmemory'],
        exp(['CONFIG', 'SET', 'maxmemory', 'abc'], /^-ERR CONFIG SET failed/),
        ['CONFIG', 'SET', 'maxmemory', '-1'],
        ['CONFIG', 'GET', 'maxmemory'],
        exp(['CONFIG', 'SET', 'maxmemory', '0'], '+OK'),
        exp(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'], '+OK'),
        ['CONFIG', 'GET', 'maxmemory-policy'],
        exp(['CONFIG', 'SET', 'maxmemory-policy', 'bogus'], /^-ERR CONFIG SET failed/),
        ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction', 'timeout', 0],
        ['CONFIG', 'GET', 'maxmemory-policy'],
        exp(['CONFIG', 'SET', 'nosuch', 'x'], "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"),
        exp(['CONFIG', 'SET', 'maxmemory', 1, 'timeout'], SYNTAX),
        ['CONFIG', 'SET', 'maxmemory', 1, 'maxmemory', 2],
        ['CONFIG', 'SET', 'databases', 32],
        ['CONFIG', 'GET', 'databases'],
      );
    } finally {
      await d.adminCall('CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction', 'timeout', '0');
    }
  });

  test('COMMAND COUNT INFO GETKEYS', () =>
    d.check(
      ['COMMAND', 'COUNT'],
      ['COMMAND', 'INFO', 'get'],
      ['COMMAND', 'INFO', 'set'],
      ['COMMAND', 'INFO', 'config|get'],
      ['COMMAND', 'INFO', 'GET', 'nosuchcmd', 'SET'],
      ['COMMAND', 'INFO', 'nosuchcmd'],
      exp(['COMMAND', 'GETKEYS', 'SET', 'k', 'v'], '["k"]'),
      exp(['COMMAND', 'GETKEYS', 'MSET', 'a', 1, 'b', 2], '["a", "b"]'),
      ['COMMAND', 'GETKEYS', 'MGET', 'a', 'b', 'c'],
      ['COMMAND', 'GETKEYS', 'RENAME', 'a', 'b'],
      ['COMMAND', 'GETKEYS', 'COPY', 'a', 'b', 'DB', 1],
      ['COMMAND', 'GETKEYS', 'LCS', 'a', 'b', 'LEN'],
      ['COMMAND', 'GETKEYS', 'DEL', 'a', 'b'],
      ['COMMAND', 'GETKEYS', 'get', 'k'],
      exp(['COMMAND', 'GETKEYS', 'PING', 'x'], '-ERR The command has no key arguments'),
      exp(['COMMAND', 'GETKEYS', 'GET'], ARITY('command|getkeys')),
      exp(['COMMAND', 'GETKEYS', 'SET', 'k'], '-ERR Invalid number of arguments specified for command'),
      exp(['COMMAND', 'GETKEYS', 'nosuch', 'k'], '-ERR Invalid command specified'),
    ));

  test('TIME DBSIZE LASTSAVE', () =>
    d.check(
      exp(['TIME'], /^\["\d+", "\d{1,6}"\]$/),
      ['DBSIZE'],
      ['SET', 'k', 'v'],
      ['DBSIZE'],
      exp(['LASTSAVE'], /^:\d+$/),
    ));

  test.each(INFO_SECTIONS)('INFO %s field names', async (section) => {
    await d.check(
      ['MSET', 'a', 1, 'b', 2],
      ['SET', 'e', 1, 'EX', 1000],
      ['SELECT', 3],
      ['SET', 'c', 3],
      ['INFO', section],
      ['INFO', section.toUpperCase()],
    );
  });

  test('INFO default / all / multiple sections', () =>
    d.check(
      ['SET', 'k', 'v'],
      ['INFO'],
      ['INFO', 'default'],
      ['INFO', 'all'],
      ['INFO', 'server', 'keyspace'],
      ['INFO', 'nosuchsection'],
    ));

  test('RESET', () =>
    d.check(
      ['SELECT', 3],
      ['SET', 'in3', 'x'],
      ['CLIENT', 'SETNAME', 'before-reset'],
      ['CLIENT', 'REPLY', 'ON'],
      ['HELLO', 3],
      exp(['RESET'], '+RESET'),
      ['CLIENT', 'GETNAME'],
      ['GET', 'missing'],
      ['EXISTS', 'in3'],
      ['CLIENT', 'INFO'],
      ['PING'],
      exp(['RESET'], '+RESET'),
    ));

  test('RESET discards a transaction', () =>
    d.check(
      exp(['MULTI'], '+OK'),
      exp(['SET', 'queued', 'x'], '+QUEUED'),
      exp(['RESET'], '+RESET'),
      ['EXISTS', 'queued'],
      exp(['EXEC'], '-ERR EXEC without MULTI'),
    ));

  test('QUIT closes the connection', () =>
    d.check(exp(['QUIT'], '+OK'), ['PING']));
});

describe.each(PROTOCOLS)('server with requirepass (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol, config: { requirepass: 'secret' } });
  const hello = (proto: number, ...extra: string[]): Step => ['HELLO', proto, 'AUTH', 'default', 'secret', ...extra];

  test('NOAUTH before AUTH, WRONGPASS, then access', () =>
    d.check(
      exp(['GET', 'k'], NOAUTH),
      exp(['PING'], NOAUTH),
      exp(['SET', 'k', 'v'], NOAUTH),
      exp(['NOSUCHCOMMAND'], /^-(NOAUTH|ERR unknown command)/),
      exp(['CLIENT', 'ID'], NOAUTH),
      exp(['HELLO', 3], /^-NOAUTH HELLO must be called with the client already authenticated/),
      exp(['HELLO', 2], /^-NOAUTH/),
      exp(['AUTH', 'wrong'], WRONGPASS),
      exp(['AUTH', 'default', 'wrong'], WRONGPASS),
      exp(['AUTH', 'nosuch', 'secret'], WRONGPASS),
      exp(['HELLO', 3, 'AUTH', 'default', 'wrong'], WRONGPASS),
      exp(['GET', 'k'], NOAUTH),
      exp(['AUTH'], ARITY('auth')),
      exp(['AUTH', 'secret'], '+OK'),
      ['SET', 'k', 'v'],
      ['GET', 'k'],
      exp(['AUTH', 'wrong'], WRONGPASS),
      ['GET', 'k'],
      hello(protocol),
      ['GET', 'k'],
      ['GET', 'missing'],
    ));

  test('HELLO with AUTH and SETNAME authenticates', () =>
    d.check(
      hello(protocol, 'SETNAME', 'authed'),
      ['CLIENT', 'GETNAME'],
      ['GET', 'missing'],
      ['AUTH', 'default', 'secret'],
      ['PING'],
    ));

  test('RESET de-authenticates', () =>
    d.check(exp(['AUTH', 'secret'], '+OK'), ['PING'], exp(['RESET'], '+RESET'), exp(['PING'], NOAUTH)));

  test('CONFIG GET requirepass', () => d.check(['AUTH', 'secret'], ['CONFIG', 'GET', 'requirepass']));
});

describe.each(PROTOCOLS)('server with databases 4 (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol, config: { databases: 4 } });

  test('DB index range follows the databases option', () =>
    d.check(
      ['CONFIG', 'GET', 'databases'],
      exp(['SELECT', 3], '+OK'),
      ['SET', 'k', 'v'],
      exp(['SELECT', 4], '-ERR DB index is out of range'),
      ['MOVE', 'k', 4],
      ['MOVE', 'k', 0],
      ['SWAPDB', 0, 4],
      ['SWAPDB', 0, 3],
      ['COPY', 'k', 'k2', 'DB', 4],
      ['INFO', 'keyspace'],
    ));
});
