/**
 * EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT, compared reply-for-reply with
 * a real redis-server 7.0 in RESP2 and RESP3: conversions both ways, error
 * texts (redis.call errors, compile and runtime errors, sandbox errors), the
 * redis.* API, the cjson/cmsgpack/struct/bit libraries, read-only scripts,
 * shebang flags, MULTI/EXEC and WATCH around scripts, keyspace notifications
 * raised by script writes.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, exp, useDifferential, type Step } from '../helpers/differential';

const ev = (script: string, ...rest: (string | number)[]): Step => ['EVAL', script, ...rest.map(String)];
const ev0 = (script: string): Step => ['EVAL', script, '0'];

describe.each(PROTOCOLS)('scripting (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test('Lua values become replies', () =>
    d.check(
      ev0('return 1'),
      ev0('return 3.99'),
      ev0('return -3.99'),
      ev0('return 1e100'),
      ev0('return 0/0'),
      ev0('return -1/0'),
      ev0("return 'hello'"),
      ev0('return true'),
      ev0('return false'),
      ev0('return nil'),
      ev0("return {1, 2, 3, 'x', {4, {5}}}"),
      ev0('return {1, 2, nil, 4}'),
      ev0("return {1.5, 2.7, 'x', true, false, nil, 5}"),
      ev0("return {a=1, b=2}"),
      ev0("return {ok='fine'}"),
      ev0("return {ok='two\\r\\nlines'}"),
      ev0("return {err='My Error'}"),
      ev0("return {err='NOTCODE'}"),
      ev0("return {1, {err='nested'}, 3}"),
      ev0("return redis.status_reply('DONE')"),
      ev0("return redis.error_reply('MYCODE my message')"),
      ev0("return redis.error_reply('-X y')"),
      ev0('return redis.error_reply(1)'),
      ev0('return redis.status_reply()'),
      ev0('return {}'),
    ));

  test('replies become Lua values (redis.call)', () =>
    d.check(
      ['SET', 's', 'abc'],
      ['RPUSH', 'l', 'a', 'b', 'c'],
      ['HSET', 'h', 'f', 'v'],
      ev0("return redis.call('get', 's')"),
      ev0("return redis.call('get', 'missing')"),
      ev0("return type(redis.call('get', 'missing'))"),
      ev0("return redis.call('set', 'k', 'v')"),
      ev0("return type(redis.call('set', 'k', 'v'))"),
      ev0("return redis.call('set', 'k', 'v').ok"),
      ev0("return redis.call('lrange', 'l', 0, -1)"),
      ev0("return redis.call('incrby', 'n', 5)"),
      ev0("return redis.call('incrby', 'n', 2.0)"),
      ev0("return redis.call('incrbyfloat', 'f', '1.5')"),
      ev0("return redis.call('hgetall', 'h')"),
      ev0("return redis.call('ping')"),
      ev0("return redis.call('exists', 's', 'l', 'nope')"),
      ev('return redis.call("mget", unpack(KEYS))', 3, 's', 'missing', 'k'),
      ev('return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}', 2, 'k1', 'k2', 'a1', 'a2'),
      ev0("return redis.call('zadd', 'z', 1.5, 'm')"),
      ev0("return redis.call('zscore', 'z', 'm')"),
    ));

  test('RESP3 replies inside scripts (redis.setresp)', () =>
    d.check(
      ['HSET', 'h', 'f', 'v'],
      ['SADD', 'set', 'a'],
      ['ZADD', 'z', '2.5', 'm'],
      ev0("redis.setresp(3) local t = redis.call('hgetall', 'h') return t.map.f"),
      ev0("redis.setresp(3) return redis.call('hgetall', 'h')"),
      ev0("redis.setresp(3) return redis.call('smembers', 'set')"),
      ev0("redis.setresp(3) local t = redis.call('smembers', 'set') return t.set.a"),
      ev0("redis.setresp(3) return redis.call('zscore', 'z', 'm')"),
      ev0("redis.setresp(3) return redis.call('zscore', 'z', 'm').double"),
      ev0("redis.setresp(3) return redis.call('get', 'missing')"),
      ev0("redis.setresp(3) return type(redis.call('get', 'missing'))"),
      ev0('redis.setresp(3) return true'),
      ev0('redis.setresp(3) return false'),
      ev0("return {double=3.5}"),
      ev0("return {big_number='12345678901234567890'}"),
      ev0("return {map={a=1}}"),
      ev0("return {set={x=true}}"),
      ev0("return {verbatim_string={format='txt', string='hello'}}"),
      ev0('return redis.setresp(4)'),
      ev0('return redis.setresp()'),
    ));

  test('errors of redis.call and redis.pcall', () =>
    d.check(
      ['SET', 's', 'abc'],
      ev0("return redis.call('incr', 's')"),
      ev0("return redis.pcall('incr', 's')"),
      ev0("local t = redis.pcall('incr', 's') return t.err"),
      ev0("return redis.call('nosuch')"),
      ev0("return redis.pcall('nosuch')"),
      ev0("return redis.call('get')"),
      ev0("return redis.call('incr', 'k', 'x')"),
      ev0('return redis.call()'),
      ev0("return redis.call('get', {})"),
      ev0("return redis.call('subscribe', 'x')"),
      ev0("return redis.call('eval', 'return 1', 0)"),
      ev0("return redis.call('multi')"),
      ev0("return redis.call('blpop', 'l', 0)"),
      ev0("return redis.call('object', 'nosuch')"),
      ev0("local ok, e = pcall(function() redis.call('incr', 's') end) return e"),
      ev0("return pcall(function() error({err='x'}) end)"),
      ev0("error('boom')"),
      ev0("error({err='XX custom'})"),
      ev0('error()'),
      ev0('error(12)'),
      ev0('local t = nil; return t.x'),
      ev0("return redis.call('incr', 's')\n"),
      ev0("\n\nreturn redis.call('lpush', 's', 'x')"),
    ));

  test('compile errors and EVAL arguments', () =>
    d.check(
      ev0('syntax error here'),
      ev0('return 1 end'),
      ['EVAL', 'return 1', '-1'],
      ['EVAL', 'return 1', '5', 'a'],
      ['EVAL', 'return 1', 'x'],
      ['EVAL', 'return 1'],
      ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0'],
      ['EVALSHA', 'abc', '0'],
      ['EVALSHA', 'abc', 'x'],
    ));

  test('the sandbox', () =>
    d.check(
      ev0('return x'),
      ev0('x = 1'),
      ev0('_G.x = 1'),
      ev0("rawset(_G, 'x', 1)"),
      ev0('setmetatable(_G, {})'),
      ev0('string.x = 1'),
      ev0("getmetatable('').__index = 1"),
      ev0('redis.call = 1'),
      ev0('cjson.encode = nil'),
      ev0('KEYS = {}'),
      ev0("KEYS[1] = 'x' return KEYS[1]"),
      ev0('return os'),
      ev0('return io'),
      ev0('return print'),
      ev0('return loadfile'),
      ev0('return dofile'),
      ev0('return debug'),
      ev0('return require'),
      ev0('return _G.redis ~= nil'),
      ev0("return rawget(_G, 'redis') ~= nil"),
      ev0('return type(getmetatable(_G))'),
      ev0('return _VERSION'),
      ev0("return loadstring('return 7')()"),
      ev0("local f = loadstring('y = 1') return pcall(f)"),
      ev0("return ('abc'):upper()"),
      ev0('local t = setmetatable({}, {__index=function() return 5 end}) return t.x'),
      ev0("return table.concat({'a', 'b'}, ',')"),
      ev0('return string.format("%d %s %5.2f", 3.7, "x", 1.234)'),
      ev0('return tostring(1/3)'),
      ev0('return type(coroutine.create(function() end))'),
      ev0('return #KEYS'),
    ));

  test('the redis.* API', () =>
    d.check(
      ev0('return redis.sha1hex("")'),
      ev0('return redis.sha1hex("hello world")'),
      ev0('return redis.sha1hex()'),
      ev0('return redis.REDIS_VERSION'),
      ev0('return redis.REDIS_VERSION_NUM'),
      ev0('return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}'),
      ev0("redis.log(redis.LOG_WARNING, 'from a script', 1) return 1"),
      ev0('return redis.log(1)'),
      ev0("return redis.log('x', 'y')"),
      ev0("return redis.log(9, 'y')"),
      ev0('return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}'),
      ev0('return redis.set_repl(redis.REPL_ALL)'),
      ev0('return redis.set_repl(9)'),
      ev0('return redis.set_repl()'),
      ev0('return redis.breakpoint()'),
      ev0("return redis.debug('x')"),
      ev0('return redis.replicate_commands()'),
      ev0("return redis.acl_check_cmd('get', 'x')"),
      ev0("return redis.acl_check_cmd('nosuch')"),
      ev0('math.randomseed(42) return {math.random(100), math.random(1, 6), tostring(math.random())}'),
      ev0('math.randomseed(7) return math.random(0)'),
      ev0("return math.random(1, 2, 3)"),
    ));

  test('cjson', () =>
    d.check(
      ev0('return cjson.encode({})'),
      ev0("return cjson.encode({1, 2, 'x', true, false})"),
      ev0('return cjson.encode({a={b={c={}}}})'),
      ev0('return cjson.encode({1.5, 0.1, 1e20, -0.0, 100})'),
      ev0('return cjson.encode(0/0)'),
      ev0('return cjson.encode(1/0)'),
      ev0('return cjson.encode({[1]=1, [3]=3})'),
      ev0('return cjson.encode({[1]=1, [20]=3})'),
      ev0("return cjson.encode('quote\" slash/ \\n')"),
      ev0('return cjson.encode(cjson.null)'),
      ev0('local t = {} t[1] = t return cjson.encode(t)'),
      ev0("return cjson.decode('[1,2,3]')[2]"),
      ev0('return cjson.decode(\'{"a":{"b":[1,"x"]}}\').a.b[2]'),
      ev0("return cjson.decode('{\"a\":null}').a == cjson.null"),
      ev0("return cjson.decode('[1,2')"),
      ev0("return cjson.decode('nope')"),
      ev0("return cjson.decode(string.rep('[', 1100) .. string.rep(']', 1100))"),
      ev0("return cjson.decode('1e400')"),
      ev0("return tostring(cjson.decode('123456789012345678'))"),
      ev0("return cjson.encode(cjson.decode('{\"x\":[1,2,{\"y\":\"z\"}]}'))"),
    ));

  test('cmsgpack', () =>
    d.check(
      ev0('return cmsgpack.pack({1, 2, 3})'),
      ev0("return cmsgpack.pack({a=1})"),
      ev0('return cmsgpack.pack({})'),
      ev0("return cmsgpack.pack(1, 'two', true, false, nil, 1.5, 0.1, -1, -33, 200, 70000, 5000000000, -5000000000)"),
      ev0("return cmsgpack.pack(string.rep('x', 40), string.rep('y', 300), string.rep('z', 70000)):len()"),
      ev0("return cmsgpack.pack(string.rep('x', 40))"),
      ev0('local t = {} t[1] = t return cmsgpack.pack(t)'),
      ev0("local a, b, c = cmsgpack.unpack(cmsgpack.pack(1, 'x', {2, 3})) return {a, b, c}"),
      ev0("return cmsgpack.unpack(cmsgpack.pack({k='v'})).k"),
      ev0("return cmsgpack.unpack('\\xc1')"),
      ev0("return cmsgpack.unpack('\\x92\\x01')"),
      ev0("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}"),
      ev0("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1)}"),
      ev0("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}"),
      ev0("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 5, 1)}"),
      ev0("return cmsgpack.unpack_one('abc', 9)"),
      ev0('return cmsgpack.pack()'),
      ev0("return tostring(cmsgpack.unpack(cmsgpack.pack(0.1)))"),
    ));

  test('struct and bit', () =>
    d.check(
      ev0("return struct.pack('>I2', 258)"),
      ev0("return struct.pack('<i4 b B h H', -5, -1, 255, -2, 65535)"),
      ev0("return {struct.unpack('<i4', struct.pack('<i4', -5))}"),
      ev0("return {struct.unpack('>I2 B', 'abc')}"),
      ev0("return struct.pack('s c3 c0', 'zero', 'abcdef', 'xy')"),
      ev0("return {struct.unpack('s', 'ab\\0cd')}"),
      ev0("return {struct.unpack('B c0', '\\3abc')}"),
      ev0("return struct.pack('!4 b i', 1, 2)"),
      ev0("return struct.size('!4 b i d')"),
      ev0("return struct.size('s')"),
      ev0("return struct.pack('y', 1)"),
      ev0("return struct.pack('i40', 1)"),
      ev0("return struct.unpack('>I4', 'ab')"),
      ev0("return struct.unpack('B', 'a', 0)"),
      ev0("return {struct.unpack('>d <f', struct.pack('>d <f', 1.5, 2.25))}"),
      ev0("return struct.pack('c3', 'ab')"),
      ev0('return bit.tohex(255)'),
      ev0('return {bit.band(0xff, 0x0f), bit.bor(1, 2), bit.bxor(3, 1), bit.lshift(1, 4), bit.rshift(256, 4)}'),
      ev0('return {bit.bnot(0), bit.arshift(-256, 4), bit.rol(1, 33), bit.tobit(2^32 + 5), bit.bswap(1)}'),
      ev0('return bit.tohex(-1, -4)'),
    ));

  test('read-only scripts and shebang flags', () =>
    d.check(
      ['SET', 'k', 'v'],
      ['EVAL_RO', "return redis.call('get', 'k')", '1', 'k'],
      ['EVAL_RO', "return redis.call('set', 'k', 'x')", '1', 'k'],
      ['EVAL_RO', "return redis.pcall('del', 'k')", '1', 'k'],
      ['EVAL', "#!lua flags=no-writes\nreturn redis.call('set', 'k', 'x')", '0'],
      ['EVAL', "#!lua flags=no-writes\nreturn redis.call('get', 'k')", '0'],
      ['EVAL', "#!lua\nreturn redis.call('set', 'k', 'y')", '0'],
      ['EVAL_RO', "#!lua\nreturn 1", '0'],
      ['EVAL_RO', "#!lua flags=no-writes\nreturn 1", '0'],
      ['EVAL', "#!lua flags=allow-oom,allow-stale,no-cluster\nreturn 2", '0'],
      ['EVAL', '#!lua flags=bogus\nreturn 2', '0'],
      ['EVAL', '#!lua bogus=1\nreturn 2', '0'],
      ['EVAL', '#!js\nreturn 2', '0'],
      ['EVAL', '#!lua', '0'],
      ['EVAL', "#!lua\nerror('line two')", '0'],
      ['GET', 'k'],
    ));

  test('SCRIPT LOAD, EXISTS, FLUSH, KILL, DEBUG and EVALSHA', () =>
    d.check(
      exp(['SCRIPT', 'LOAD', 'return ARGV[1]'], '"098e0f0d1448c0a81dafe820f66d460eb09263da"'),
      ['EVALSHA', '098e0f0d1448c0a81dafe820f66d460eb09263da', '0', 'hi'],
      ['EVALSHA', '098E0F0D1448C0A81DAFE820F66D460EB09263DA', '0', 'upper'],
      ['EVALSHA_RO', '098e0f0d1448c0a81dafe820f66d460eb09263da', '0', 'ro'],
      ['SCRIPT', 'EXISTS', '098e0f0d1448c0a81dafe820f66d460eb09263da', 'ffffffffffffffffffffffffffffffffffffffff', 'x'],
      ['SCRIPT', 'LOAD', 'return 1 end'],
      ['EVAL', 'return 42', '0'],
      ['SCRIPT', 'EXISTS', '1fa00e76656cc152ad327c13fe365858fd7be306'],
      ['SCRIPT', 'FLUSH', 'bogus'],
      ['SCRIPT', 'FLUSH', 'SYNC'],
      ['SCRIPT', 'EXISTS', '098e0f0d1448c0a81dafe820f66d460eb09263da'],
      ['EVALSHA', '098e0f0d1448c0a81dafe820f66d460eb09263da', '0'],
      ['SCRIPT', 'FLUSH'],
      ['SCRIPT', 'FLUSH', 'ASYNC'],
      ['SCRIPT', 'KILL'],
      ['SCRIPT', 'DEBUG', 'NO'],
      ['SCRIPT', 'DEBUG', 'maybe'],
      ['SCRIPT', 'NOSUCH'],
      ['SCRIPT'],
      ['SCRIPT', 'HELP'],
      ['SCRIPT', 'EXISTS'],
      ['SCRIPT', 'LOAD'],
    ));

  test('scripts inside MULTI/EXEC, SELECT inside a script, WATCH', async () => {
    await d.check(
      ['MULTI'],
      ev0("return redis.call('incr', 'c')"),
      ev0("return redis.call('incr', 'c')"),
      ['EXEC'],
      ev0("redis.call('select', 1) redis.call('set', 'in1', 'x') return redis.call('get', 'in1')"),
      ['GET', 'in1'],
      ['SELECT', '1'],
      ['GET', 'in1'],
      ['SELECT', '0'],
    );
    const other = await d.session();
    await d.check(['WATCH', 'w']);
    await other.check(ev0("return redis.call('set', 'w', 'changed')"));
    await d.check(['MULTI'], ['GET', 'w'], ['EXEC']);
  });

  test('keyspace notifications from script writes', async () => {
    await d.adminCall('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    try {
      const sub = await d.session({ protocol });
      await sub.check(['SUBSCRIBE', '__keyevent@0__:set']);
      await d.check(ev0("redis.call('set', 'nk', '1') return redis.call('set', 'nk2', '2')"));
      await sub.check({ cmd: ['PING'], norm: [] });
    } finally {
      await d.adminCall('CONFIG', 'SET', 'notify-keyspace-events', '');
    }
  });
});
