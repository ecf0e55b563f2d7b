/**
 * A small intset lives inside its key's block (SetValue::TailSize) and moves
 * to a block of its own on its first change. Against a real redis-server 7.0:
 * every way a set is created, changed, moved to another key or database,
 * copied, dumped and restored, popped from and converted to a hashtable,
 * replying as Redis does, with the same DUMP bytes and DEBUG DIGEST-VALUE
 * after each step (under scripts/asan-tests.sh this is also the check that
 * the embedded bytes are never freed or reallocated as a block of their own).
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, useDifferential } from '../helpers/differential';
import type { Arg } from '../helpers/resp';

const ints = (n: number, f: (i: number) => number): string[] => Array.from({ length: n }, (_, i) => String(f(i)));

/** Commands that read the whole set at key, byte for byte. */
const look = (key: string): Arg[][] => [
  ['SMEMBERS', key],
  ['SCARD', key],
  ['OBJECT', 'ENCODING', key],
  ['DUMP', key],
  ['DEBUG', 'DIGEST-VALUE', key],
];

describe.each(PROTOCOLS)('intsets embedded in their entry (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol, config: { 'enable-debug-command': 'yes' } });

  test('grown, shrunk, widened and converted after creation', () =>
    d.check(
      ['SADD', 's', ...ints(10, (i) => i * 7)],
      ...look('s'),
      ['SADD', 's', '3'], // first change: the intset leaves the entry
      ...look('s'),
      ['SADD', 's', '3', '7'], // nothing new
      ['SREM', 's', '1000'], // absent
      ['SREM', 's', '0', '14'],
      ...look('s'),
      ['SADD', 's', '100000'], // int16 -> int32
      ['SADD', 's', '10000000000'], // -> int64
      ...look('s'),
      ['SISMEMBER', 's', '10000000000'],
      ['SADD', 's', 'word'], // -> hashtable
      ['OBJECT', 'ENCODING', 's'],
      ['SCARD', 's'],
      ['DEBUG', 'DIGEST-VALUE', 's'],
    ));

  test('SREM of a member present first, and a set emptied', () =>
    d.check(
      ['SADD', 'a', '1', '2', '3'],
      ['SREM', 'a', '2'],
      ...look('a'),
      ['SREM', 'a', '1', '3'],
      ['EXISTS', 'a'],
      ['SADD', 'b', '5'],
      ['SPOP', 'b'],
      ['EXISTS', 'b'],
    ));

  test('SPOP and SRANDMEMBER on an embedded intset', async () => {
    await d.check(['SADD', 'p', ...ints(20, (i) => i)], ['SCARD', 'p']);
    // Random picks differ between servers: compare what is left, not what was popped.
    await d.main.both('SPOP', 'p');
    await d.main.both('SRANDMEMBER', 'p', '-5');
    await d.check(['SCARD', 'p'], ['OBJECT', 'ENCODING', 'p']);
    await d.main.both('SPOP', 'p', '15'); // most of the set: the rest forms a new intset
    await d.check(['SCARD', 'p'], ['OBJECT', 'ENCODING', 'p']);
    await d.main.both('SPOP', 'p', '10');
    await d.check(['EXISTS', 'p']);
  });

  test('RENAME, MOVE, COPY, SMOVE and RESTORE carry the intset', async () => {
    await d.check(
      ['SADD', 'src', ...ints(10, (i) => i * 3)],
      ['RENAME', 'src', 'renamed'],
      ...look('renamed'),
      ['SADD', 'renamed', '1'], // grown after the rename
      ['RENAME', 'renamed', 'again'], // a grown intset embedded again
      ...look('again'),
      ['SREM', 'again', '1'],
      ...look('again'),
      ['COPY', 'again', 'copied'],
      ['SADD', 'copied', '2'],
      ...look('copied'),
      ...look('again'),
      ['MOVE', 'again', '1'],
      ['EXISTS', 'again'],
      ['SELECT', '1'],
      ...look('again'),
      ['SADD', 'again', '99'],
      ['SMEMBERS', 'again'],
      ['SELECT', '0'],
      ['SADD', 'from', '1', '2', '3'],
      ['SMOVE', 'from', 'to', '2'],
      ...look('from'),
      ...look('to'),
      ['SINTERSTORE', 'inter', 'copied', 'from'],
      ...look('inter'),
      ['SUNIONSTORE', 'uni', 'copied', 'from', 'to'],
      ...look('uni'),
    );
    const { ref } = await d.main.both('DUMP', 'uni');
    if (ref.type !== 'bulk' || ref.value === null) throw new Error('no DUMP payload');
    await d.check(['RESTORE', 'restored', '0', ref.value], ...look('restored'), ['SADD', 'restored', '-1'], ...look('restored'));
    await d.check(['RESTORE', 'uni', '0', ref.value, 'REPLACE'], ['SREM', 'uni', '0'], ...look('uni'));
  });

  test('set-max-intset-entries converts an embedded intset on the next add', async () => {
    await d.check(['SADD', 'c', ...ints(10, (i) => i)]);
    await d.adminCall('CONFIG', 'SET', 'set-max-intset-entries', '10');
    try {
      await d.check(['SADD', 'c', '10'], ['OBJECT', 'ENCODING', 'c'], ['SCARD', 'c'], ['DEBUG', 'DIGEST-VALUE', 'c']);
    } finally {
      await d.adminCall('CONFIG', 'SET', 'set-max-intset-entries', '512');
    }
  });
});
