/**
 * Scripts and the gates that refuse writes, against a real redis-server 7.0
 * (RESP2 and RESP3): with min-replicas-to-write unmet, an EVAL whose
 * shebang does not declare no-writes counts as a write and gets NOREPLICAS
 * before it runs, a no-writes one and a script without shebang run (the
 * latter refused at its first write), as Redis's getCommandFlags decides.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, exp, useDifferential } from '../helpers/differential';

const NOREPLICAS = /^-NOREPLICAS /;

describe.each(PROTOCOLS)('scripts and NOREPLICAS (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test('shebang scripts without no-writes are writes', () =>
    d.check(
      ['SET', 'x', 'some value'],
      ['CONFIG', 'SET', 'min-replicas-to-write', '1'],
      exp(['EVAL', "#!lua flags=no-writes\nreturn redis.call('get','x')", '1', 'x'], '"some value"'),
      exp(['EVAL', "return redis.call('get','x')", '1', 'x'], '"some value"'),
      exp(['EVAL', "#!lua\nreturn redis.call('get','x')", '1', 'x'], NOREPLICAS),
      exp(['EVAL', "return redis.call('set','x', 1)", '1', 'x'], NOREPLICAS),
      exp(['EVAL', "#!lua\nreturn 1", '0'], NOREPLICAS),
      exp(['EVAL_RO', "return redis.call('get','x')", '1', 'x'], '"some value"'),
      ['CONFIG', 'SET', 'min-replicas-to-write', '0'],
      exp(['EVAL', "#!lua\nreturn redis.call('set','x', 1)", '1', 'x'], '+OK'),
    ));
});
