/**
 * Lua's unpack() in EVAL against a real redis-server 7.0 (RESP2 and RESP3):
 * ordinary ranges, empty ranges, holes, and ranges whose element count
 * overflows an int or exceeds the C stack, which must fail with "too many
 * results to unpack" (stock Lua 5.1 tried to push 2^31 values and hung the
 * server) while the server keeps answering.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, exp, useDifferential } from '../helpers/differential';

const TOO_MANY = /too many results to unpack/;

describe.each(PROTOCOLS)('EVAL unpack (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  const ev = (body: string) => ['EVAL', body, '0'];

  test('ordinary and empty ranges', () =>
    d.check(
      ev('return {unpack({1,2,3})}'),
      ev('return {unpack({1,2,3}, 2)}'),
      ev('return {unpack({1,2,3}, 2, 3)}'),
      ev('return {unpack({1,2,3}, -1, -2)}'),
      ev('return {unpack({1,2,3}, 1, -1)}'),
      ev('return {unpack({1,2,3}, 3, 1)}'),
      ev("local n = select('#', unpack({1,2,3}, -1, 5)) return n"),
      ev("local t = {unpack({'a','b','c'}, 0, 4)} return {tostring(t[1]), t[2], t[4] == nil}"),
      ev('return unpack({})'),
      ev("return {pcall(unpack, 'x')}"),
    ));

  test('counts that overflow or exceed the stack fail and the server goes on', () =>
    d.check(
      exp(ev('return {unpack({1,2,3}, -2, 2147483647)}'), TOO_MANY),
      exp(ev('return {unpack({1,2,3}, 0, 2147483647)}'), TOO_MANY),
      exp(ev('return {unpack({1,2,3}, -2147483648, -2)}'), TOO_MANY),
      exp(ev('return {unpack({1,2,3}, 1, 100000)}'), TOO_MANY),
      ev("local t = {} for i = 1, 7000 do t[i] = i end return #{unpack(t)}"),
      exp(['PING'], '+PONG'),
    ));
});
