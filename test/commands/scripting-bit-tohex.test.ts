/**
 * bit.tohex in EVAL against a real redis-server 7.0 (RESP2 and RESP3): the
 * digit count's sign picks the case, counts past 8 are 8, and -2^31 (whose
 * negation overflows; it crashed the server) gives 8 upper-case digits.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, exp, useDifferential } from '../helpers/differential';

describe.each(PROTOCOLS)('EVAL bit.tohex (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  const ev = (body: string) => ['EVAL', body, '0'];

  test('widths, case and the extreme counts', () =>
    d.check(
      ev('return bit.tohex(65535)'),
      ev('return bit.tohex(65535, 2)'),
      ev('return bit.tohex(65535, -3)'),
      ev('return bit.tohex(-1, 20)'),
      ev('return bit.tohex(255, 0)'),
      ev('return bit.tohex(4294967296 + 17, 4)'),
      ev('return bit.tohex(2.7, 2)'),
      exp(ev('return bit.tohex(65535, -2147483648)'), '"0000FFFF"'),
      ev('return bit.tohex(65535, 2147483647)'),
      ev('return bit.tohex(65535, -2147483647)'),
      ev("return {pcall(bit.tohex, 'x')}"),
      exp(['PING'], '+PONG'),
    ));
});
