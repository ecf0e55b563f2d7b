/**
 * loadstring of a precompiled chunk in EVAL and FUNCTION LOAD, against a real
 * redis-server 7.0 (RESP2 and RESP3): Redis's Lua has no bytecode loader, so
 * string.dump's output is a syntax error (nil and the parser's message), and
 * calling the result fails; text chunks load as usual.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, exp, useDifferential } from '../helpers/differential';

describe.each(PROTOCOLS)('EVAL loadstring of bytecode (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  const ev = (body: string) => ['EVAL', body, '0'];

  test('binary chunks do not load; text chunks do', () =>
    d.check(
      exp(ev('return loadstring(string.dump(function() return 1 end))()'), /attempt to call a nil value/),
      ev('local f, err = loadstring(string.dump(function() return 1 end)) return {tostring(f), err}'),
      ev("local f, err = loadstring(string.dump(function() return 1 end), 'named') return {tostring(f), err}"),
      ev("local f, err = loadstring('\\27') return {tostring(f), err}"),
      ev("return loadstring('return 40 + 2')()"),
      ev("local f, err = loadstring('return +') return {tostring(f), err}"),
      ev("local f, err = loadstring('return 7', 'chunk') return f()"),
      exp(['PING'], '+PONG'),
    ));
});
