/**
 * SORT of a set without a sort order (BY a constant pattern) run by a
 * script, against a real redis-server 7.0 (RESP2 and RESP3): the script gets
 * the members sorted ALPHA, as with STORE, while lists and sorted sets keep
 * their own order and a direct SORT BY a constant keeps the set's order.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, useDifferential } from '../helpers/differential';

describe.each(PROTOCOLS)('SORT BY a constant from scripts (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  const sortFromScript = (...args: string[]) => [
    'EVAL',
    `return redis.call('sort', KEYS[1], ${args.map((a) => `'${a}'`).join(', ')})`,
    '1',
    'k',
  ];

  test('sets are sorted ALPHA, lists and sorted sets keep their order', () =>
    d.check(
      ['SADD', 'k', 'z', 'b', 'aa', 'a', 'azz', 'm', '10', '9'],
      sortFromScript('by', 'nosort'),
      sortFromScript('by', 'nosort', 'get', '#', 'get', 'w_*'),
      sortFromScript('by', 'nosort', 'limit', '1', '3'),
      sortFromScript('by', 'nosort', 'desc'),
      ['EVAL', "return redis.call('sort_ro', KEYS[1], 'by', 'nosort')", '1', 'k'],
      ['DEL', 'k'],
      ['RPUSH', 'k', 'z', 'b', 'a'],
      sortFromScript('by', 'nosort'),
      ['DEL', 'k'],
      ['ZADD', 'k', '1', 'z', '2', 'b', '3', 'a'],
      sortFromScript('by', 'nosort'),
    ));
});
