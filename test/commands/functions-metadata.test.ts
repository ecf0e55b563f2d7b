/**
 * FUNCTION LOAD's library metadata and FUNCTION's argument errors, against a
 * real redis-server 7.0 (RESP2 and RESP3): the shebang line is split as an
 * inline request (quotes), the engine is what follows "#!" in its first word,
 * name= is case-insensitive and given once, the library name is checked
 * before the engine, a function name holding a NUL byte is refused, and
 * FUNCTION FLUSH / RESTORE with too many arguments get the subcommand error.
 */
import { describe, test } from 'vitest';
import { N, PROTOCOLS, exp, norm, useDifferential } from '../helpers/differential';

const body = "\nredis.register_function('foo', function() return 1 end)";

describe.each(PROTOCOLS)('FUNCTION LOAD metadata and FUNCTION argument errors (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test('the shebang line', () =>
    d.check(
      exp(['FUNCTION', 'LOAD', 'REPLACE', `#! name=test${body}`], /Engine '' not found/),
      exp(['FUNCTION', 'LOAD', 'REPLACE', `#!lua name=foo name=bar${body}`], /name argument was given multiple times/),
      exp(['FUNCTION', 'LOAD', 'REPLACE', `#!lua name="foo"${body}`], '"foo"'),
      ['FUNCTION', 'LOAD', 'REPLACE', `#!lua NAME=upper${body.replace('foo', 'foo2')}`],
      ['FUNCTION', 'LOAD', 'REPLACE', `#!lua name='single quoted'${body.replace('foo', 'foo3')}`],
      ['FUNCTION', 'LOAD', 'REPLACE', `#!lua name="unbalanced${body}`],
      ['FUNCTION', 'LOAD', 'REPLACE', `#!lua name="x"y${body}`],
      ['FUNCTION', 'LOAD', 'REPLACE', `#!lua foo=bar${body}`],
      ['FUNCTION', 'LOAD', 'REPLACE', `#!lua${body}`],
      ['FUNCTION', 'LOAD', 'REPLACE', `#!   ${body}`],
      ['FUNCTION', 'LOAD', 'REPLACE', `#!lua name=a-b${body}`],
      ['FUNCTION', 'LOAD', 'REPLACE', `#!nosuch name=a-b${body}`],
      ['FUNCTION', 'LOAD', 'REPLACE', `#!nosuch name=ok${body}`],
      ['FUNCTION', 'LOAD', 'REPLACE', `#!LUA name=caps${body.replace('foo', 'foo4')}`],
      ['FUNCTION', 'LOAD', 'REPLACE', '#!lua name=nonl'],
      ['FUNCTION', 'LOAD', 'REPLACE', 'lua name=nobang'],
      // Libraries come in the order of Redis's dict: compared as a set.
      norm(['FUNCTION', 'LIST'], N.sorted),
      ['FUNCTION', 'FLUSH'],
    ));

  test('a function name with a NUL byte', () =>
    d.check(
      exp(['FUNCTION', 'LOAD', "#!lua name=lib2\nredis.register_function('test\\0test', function() return 1 end)"], /Library names can only contain/),
      ['FUNCTION', 'LOAD', "#!lua name=lib3\nredis.register_function{function_name='a\\0b', callback=function() return 1 end}"],
      ['FUNCTION', 'LIST'],
    ));

  test('FLUSH and RESTORE argument errors', () =>
    d.check(
      exp(['FUNCTION', 'FLUSH', 'SYNC', 'extra'], /unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP./),
      exp(['FUNCTION', 'FLUSH', 'bad_arg'], /only supports SYNC\|ASYNC/),
      ['FUNCTION', 'FLUSH', 'async'],
      exp(['FUNCTION', 'RESTORE', 'arg1', 'arg2', 'arg3'], /unknown subcommand or wrong number of arguments for 'RESTORE'/),
      ['FUNCTION', 'RESTORE', 'arg1', 'bad_policy'],
    ));
});
