/**
 * Function names are case-insensitive, against a real redis-server 7.0
 * (RESP2 and RESP3): FCALL and FCALL_RO find a function whatever the case of
 * the name they are given, and a library cannot register a name that another
 * library has under another case.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, exp, useDifferential } from '../helpers/differential';

describe.each(PROTOCOLS)('function names and case (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test('FCALL in any case; a name taken in another case collides', () =>
    d.check(
      ['FUNCTION', 'LOAD', "#!lua name=lib1\nredis.register_function('test', function() return 'hello' end)"],
      exp(['FCALL', 'TEST', '0'], '"hello"'),
      ['FCALL', 'Test', '0'],
      ['FCALL_RO', 'tEsT', '0'],
      ['FUNCTION', 'LOAD', "#!lua name=lib2\nredis.register_function('TEST', function() return 2 end)"],
      ['FUNCTION', 'LOAD', 'REPLACE', "#!lua name=lib1\nredis.register_function('TeSt', function() return 3 end)"],
      ['FCALL', 'test', '0'],
      ['FUNCTION', 'DELETE', 'lib1'],
      exp(['FCALL', 'TEST', '0'], /Function not found/),
      ['FUNCTION', 'FLUSH'],
    ));
});
