/**
 * Redis Functions (FUNCTION LOAD/LIST/DELETE/FLUSH/DUMP/RESTORE/STATS/KILL/HELP,
 * FCALL, FCALL_RO), compared reply-for-reply with a real redis-server 7.0 in
 * RESP2 and RESP3: library metadata, register_function's forms and errors,
 * flags, the loading sandbox, runtime errors, and FUNCTION DUMP payloads byte
 * for byte.
 */
import { describe, test } from 'vitest';
import { N, PROTOCOLS, exp, norm, useDifferential, type Step } from '../helpers/differential';

const lib = (name: string, body: string) => `#!lua name=${name}\n${body}`;
const load = (code: string, ...opts: string[]): Step => ['FUNCTION', 'LOAD', ...opts, code];

const MYLIB = lib(
  'mylib',
  [
    "redis.register_function('incr_key', function(keys, args) return redis.call('incr', keys[1]) end)",
    "redis.register_function{function_name='echo_arg', callback=function(keys, args) return args[1] end, flags={'no-writes'}, description='echoes'}",
    'local function boom() error("bad") end',
    "redis.register_function('boom', function() boom() end)",
    "redis.register_function('global', function() return undefined_thing end)",
  ].join('\n'),
);

describe.each(PROTOCOLS)('functions (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  const flush = () => d.adminCall('FUNCTION', 'FLUSH');

  test('load and call', async () => {
    await flush();
    await d.check(
      exp(load(MYLIB), '"mylib"'),
      ['FCALL', 'incr_key', '1', 'k'],
      ['FCALL', 'incr_key', '1', 'k'],
      ['FCALL', 'echo_arg', '0', 'hello'],
      ['FCALL_RO', 'echo_arg', '0', 'ro'],
      ['FCALL_RO', 'incr_key', '1', 'k'],
      ['FCALL', 'boom', '0'],
      ['FCALL', 'global', '0'],
      ['FCALL', 'nosuch', '0'],
      ['FCALL', 'incr_key', '5', 'k'],
      ['FCALL', 'incr_key', '-1'],
      ['FCALL', 'incr_key', 'x'],
      ['FCALL'],
      load(MYLIB),
      exp(load(MYLIB, 'REPLACE'), '"mylib"'),
      load(MYLIB, 'BOGUS'),
      norm(['FUNCTION', 'STATS'], N.maskFields(['running_script'])),
    );
  });

  test('FUNCTION LIST', async () => {
    await flush();
    await d.check(
      load(lib('one', "redis.register_function{function_name='f1', callback=function() return 1 end, flags={'no-writes', 'allow-oom'}, description='first'}")),
      load(lib('two', "redis.register_function('f2', function() return 2 end)")),
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'one'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'tw*', 'WITHCODE'],
      ['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'nomatch'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME'],
      ['FUNCTION', 'LIST', 'BOGUS'],
      ['FUNCTION', 'DELETE', 'two'],
      ['FUNCTION', 'DELETE', 'two'],
      ['FUNCTION', 'LIST'],
      ['FCALL', 'f2', '0'],
      ['FUNCTION', 'FLUSH', 'BOGUS'],
      ['FUNCTION', 'FLUSH', 'ASYNC'],
      ['FUNCTION', 'LIST'],
      ['FUNCTION', 'STATS'],
    );
  });

  test('metadata and registration errors', async () => {
    await flush();
    await d.check(
      load('return 1'),
      load('#!lua\nreturn 1'),
      load('#!lua name=x foo=bar\nreturn 1'),
      load('#!js name=x\nreturn 1'),
      load('#!lua name=bad-name\nreturn 1'),
      load(lib('empty', 'return 1')),
      load(lib('compile', 'return 1 end')),
      load(lib('callinload', "redis.call('get', 'x')")),
      load(lib('globalinload', 'return string.len("x")')),
      load(lib('badfn', "redis.register_function('f 1', function() end)")),
      load(lib('dupfn', "redis.register_function('d', function() end) redis.register_function('d', function() end)")),
      load(lib('badflag', "redis.register_function{function_name='g', callback=function() end, flags={'bad'}}")),
      load(lib('noname', 'redis.register_function{callback=function() end}')),
      load(lib('nocb', "redis.register_function{function_name='g'}")),
      load(lib('badarg', "redis.register_function{function_name='g', callback=function() end, other=1}")),
      load(lib('argc', 'redis.register_function()')),
      load(lib('notfn', "redis.register_function('g', 5)")),
      load(lib('notstr', 'redis.register_function({}, function() end)')),
      load(lib('single', "redis.register_function('g')")),
      load(lib('setglobal', 'x = 1')),
      load(lib('errorinload', "error('no')")),
      load(lib('loglevel', "redis.log(redis.LOG_NOTICE, 'loading') redis.register_function('logged', function() return redis.REDIS_VERSION end)")),
      ['FCALL', 'logged', '0'],
      load(lib('clash', "redis.register_function('logged', function() end)")),
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'clash'],
    );
  });

  test('runtime API inside functions', async () => {
    await flush();
    await d.check(
      load(
        lib(
          'rt',
          [
            "redis.register_function('setget', function(keys, args) redis.call('set', keys[1], args[1]) return redis.call('get', keys[1]) end)",
            "redis.register_function('resp3', function() redis.setresp(3) return redis.call('hgetall', 'h') end)",
            "redis.register_function('pcallerr', function() return redis.pcall('incr', 'str') end)",
            "redis.register_function('types', function(keys, args) return {#keys, #args, type(keys), KEYS} end)",
            "redis.register_function('reg', function() return redis.register_function end)",
            "redis.register_function{function_name='ro', callback=function(keys) return redis.call('set', keys[1], 'x') end, flags={'no-writes'}}",
            "redis.register_function('sha', function() return redis.sha1hex('abc') end)",
          ].join('\n'),
        ),
      ),
      ['HSET', 'h', 'a', '1'],
      ['SET', 'str', 'abc'],
      ['FCALL', 'setget', '1', 'k', 'v'],
      ['FCALL', 'resp3', '0'],
      ['FCALL', 'pcallerr', '0'],
      ['FCALL', 'types', '2', 'a', 'b', 'c'],
      ['FCALL', 'reg', '0'],
      ['FCALL', 'ro', '1', 'x'],
      ['FCALL_RO', 'ro', '1', 'x'],
      ['FCALL', 'sha', '0'],
    );
  });

  test('FUNCTION DUMP is byte-identical and RESTORE honours its policies', async () => {
    await flush();
    const long = lib(
      'dumped',
      "redis.register_function('dumped_fn', function(keys, args) return redis.call('incr', keys[1]) end) -- " +
        'padding padding padding padding padding',
    );
    const [dump] = await d.check(load(long), ['FUNCTION', 'DUMP']).then((r) => r.slice(1));
    const payload = dump.ref && dump.ref.type === 'bulk' ? (dump.ref.value as Buffer) : Buffer.alloc(0);
    await d.check(
      ['FUNCTION', 'RESTORE', payload],
      ['FUNCTION', 'RESTORE', payload, 'APPEND'],
      ['FUNCTION', 'RESTORE', payload, 'REPLACE'],
      ['FUNCTION', 'RESTORE', payload, 'BOGUS'],
      ['FUNCTION', 'RESTORE', payload, 'FLUSH'],
      ['FCALL', 'dumped_fn', '1', 'c'],
      ['FUNCTION', 'RESTORE', Buffer.concat([payload.subarray(0, payload.length - 1), Buffer.from([0])])],
      ['FUNCTION', 'RESTORE', 'short'],
      ['FUNCTION', 'FLUSH'],
      ['FUNCTION', 'DUMP'],
      ['FUNCTION', 'RESTORE', payload],
      ['FUNCTION', 'LIST', 'WITHCODE'],
      load(lib('small', "redis.register_function('s', function() return 1 end)")),
      ['FUNCTION', 'FLUSH'],
      load(lib('small', "redis.register_function('s', function() return 1 end)")),
      ['FUNCTION', 'DUMP'],
    );
  });

  test('FUNCTION HELP and unknown subcommands', () =>
    d.check(['FUNCTION', 'HELP'], ['FUNCTION', 'NOSUCH'], ['FUNCTION', 'KILL'], ['FUNCTION', 'DELETE'], ['FUNCTION']));
});
