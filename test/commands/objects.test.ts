/**
 * What OBJECT REFCOUNT (and DEBUG OBJECT) say about a value's object, against
 * a real redis-server 7.0: small integers are shared objects (refcount
 * INT_MAX) unless the value was duplicated (COPY) or an LRU/LFU maxmemory
 * policy forbids sharing; RENAME and MOVE keep the object itself.
 */
import { describe } from 'vitest';
import { PROTOCOLS, exp, useDifferential } from '../helpers/differential';
import { test } from 'vitest';

describe.each(PROTOCOLS)('OBJECT REFCOUNT (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test('shared small integers, and the copies COPY makes', () =>
    d.check(
      ['SET', 'a', '5'],
      exp(['OBJECT', 'REFCOUNT', 'a'], ':2147483647'),
      ['COPY', 'a', 'b'],
      exp(['OBJECT', 'REFCOUNT', 'b'], ':1'),
      exp(['OBJECT', 'REFCOUNT', 'a'], ':2147483647'),
      ['RENAME', 'b', 'c'],
      exp(['OBJECT', 'REFCOUNT', 'c'], ':1'),
      ['MOVE', 'c', '1'],
      ['SELECT', '1'],
      exp(['OBJECT', 'REFCOUNT', 'c'], ':1'),
      // A new value is shared again.
      ['INCR', 'c'],
      exp(['OBJECT', 'REFCOUNT', 'c'], ':2147483647'),
      ['SELECT', '0'],
      ['SET', 'big', '123456'],
      exp(['OBJECT', 'REFCOUNT', 'big'], ':1'),
      ['COPY', 'big', 'big2'],
      exp(['OBJECT', 'REFCOUNT', 'big2'], ':1'),
      ['SET', 's', 'str'],
      ['COPY', 's', 's2'],
      exp(['OBJECT', 'REFCOUNT', 's2'], ':1'),
      ['SET', 'z', '0'],
      ['COPY', 'z', 'z2', 'DB', '2'],
      ['SELECT', '2'],
      exp(['OBJECT', 'REFCOUNT', 'z2'], ':1'),
      ['SELECT', '0'],
      ['CONFIG', 'SET', 'maxmemory', '100mb'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'],
      ['SET', 'lru', '7'],
      exp(['OBJECT', 'REFCOUNT', 'lru'], ':1'),
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
      ['CONFIG', 'SET', 'maxmemory', '0'],
    ));
});
