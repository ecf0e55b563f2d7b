/**
 * Stream commands, compared reply-for-reply against a real redis-server 7.0
 * in RESP2 and RESP3: XADD (ids, NOMKSTREAM, MAXLEN/MINID with = / ~ and
 * LIMIT), XTRIM, XLEN, XRANGE/XREVRANGE, XDEL, XREAD, XGROUP, XREADGROUP,
 * XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO, XSETID; every error and its order
 * against the key lookup; the node layout (XINFO radix-tree-keys and
 * radix-tree-nodes under small stream-node-max-* limits); 7.0's entries-read
 * and lag bookkeeping; WRONGTYPE; keyspace events and tracking
 * invalidations; and seeded random operation scripts that compare every reply
 * and the final contents (XINFO STREAM FULL).
 *
 * Only wall-clock values are masked: absolute times (delivery and seen times,
 * auto-generated ids) and idle times (compared within a tolerance).
 */
import { afterEach, describe, expect, test } from 'vitest';
import {
  N,
  PROTOCOLS,
  exp,
  norm,
  useDifferential,
  type Arg,
  type Normalizer,
  type Reply,
  type Step,
  type StepSpec,
} from '../helpers/differential';
import { formatReply, sleep } from '../helpers/resp';
import { WRONGTYPE, NOT_INT, SYNTAX, ARITY, exact, rng } from '../helpers/replies';

const XINFO_STREAM_SYNTAX = "-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.";
const INVALID_ID = '-ERR Invalid stream ID specified as stream command argument';
const NIL_ARRAY = (p: number) => (p === 2 ? '*nil' : '_');
const NIL = (p: number) => (p === 2 ? 'nil' : '_');

/** Replaces wall-clock values anywhere in a reply: unix-ms integers and auto ids. */
const clock: Normalizer = (r) => maskClock(r);
function maskClock(r: Reply): Reply {
  switch (r.type) {
    case 'integer':
      return r.value >= 1_000_000_000_000n ? { type: 'simple', value: '<time>' } : r;
    case 'bulk':
      if (r.value && /^1\d{12,}-\d+$/.test(r.value.toString('latin1'))) return { type: 'simple', value: '<auto-id>' };
      return r;
    case 'array':
    case 'set':
    case 'push':
      return r.value ? ({ ...r, value: r.value.map(maskClock) } as Reply) : r;
    case 'map':
      return { type: 'map', value: r.value.map(([k, v]) => [maskClock(k), maskClock(v)] as [Reply, Reply]) };
    default:
      return r;
  }
}

/** Idle times (XPENDING's third field) within 300 ms of Redis's. */
const pendingIdle: Normalizer = N.each(N.at(2, N.within(300)));
/** XINFO CONSUMERS: idle masked (compared by tolerance in its own test). */
const consumersIdle: Normalizer = N.each(N.maskFields(['idle']));

const cfg = (name: string, value: Arg): Step => ['CONFIG', 'SET', name, value];

describe.each(PROTOCOLS)('streams (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  afterEach(async () => {
    await d.adminCall('CONFIG', 'SET', 'stream-node-max-entries', '100');
    await d.adminCall('CONFIG', 'SET', 'stream-node-max-bytes', '4096');
    await d.adminCall('CONFIG', 'SET', 'notify-keyspace-events', '');
  });

  test('XADD ids: explicit, partial, auto, ordering errors', () =>
    d.check(
      exp(['XADD', 's', '1-1', 'a', '1'], '"1-1"'),
      exp(['XADD', 's', '1-1', 'a', '1'], '-ERR The ID specified in XADD is equal or smaller than the target stream top item'),
      exp(['XADD', 's', '1', 'a', '1'], '-ERR The ID specified in XADD is equal or smaller than the target stream top item'),
      exp(['XADD', 's', '1-*', 'a', '1'], '"1-2"'),
      exp(['XADD', 's', '5-*', 'a', '1'], '"5-0"'),
      exp(['XADD', 's', '5', 'b', '2'], '-ERR The ID specified in XADD is equal or smaller than the target stream top item'),
      exp(['XADD', 's', '6', 'b', '2'], '"6-0"'),
      exp(['XADD', 's', '0-*', 'a', '1'], /-ERR The ID/),
      exp(['XADD', 'n', '0-*', 'a', '1'], '"0-1"'),
      exp(['XADD', 'z', '0-0', 'a', '1'], '-ERR The ID specified in XADD must be greater than 0-0'),
      exp(['XADD', 'z', '0', 'a', '1'], '-ERR The ID specified in XADD must be greater than 0-0'),
      exp(['EXISTS', 'z'], ':0'),
      exp(['XADD', 's', '-', 'a', '1'], INVALID_ID),
      exp(['XADD', 's', '+', 'a', '1'], INVALID_ID),
      exp(['XADD', 's', '1-1-1', 'a', '1'], INVALID_ID),
      exp(['XADD', 's', '-5', 'a', '1'], INVALID_ID),
      exp(['XADD', 's', '99999999999999999999', 'a', '1'], INVALID_ID),
      exp(['XADD', 's', '1-', 'a', '1'], INVALID_ID),
      exp(['XADD', 's', '*-1', 'a', '1'], INVALID_ID),
      exp(['XADD', 's', '10-**', 'a', '1'], INVALID_ID),
      exp(['XADD', 's', 'x'.repeat(200), 'a', '1'], INVALID_ID),
      exp(['XADD', 's', '00012-0', 'a', '1'], '"12-0"'),
      exp(['XADD', 's', Buffer.from('13-1\u0000zz'), 'a', '1'], '"13-1"'),
      exp(['XADD', 's', '18446744073709551615-18446744073709551614', 'a', '1'], /^"18446744073709551615-/),
      exp(['XADD', 's', '18446744073709551615-*', 'a', '1'], '"18446744073709551615-18446744073709551615"'),
      exp(['XADD', 's', '18446744073709551615-*', 'a', '1'], '-ERR The stream has exhausted the last possible ID, unable to add more items'),
      exp(['XADD', 's', '*', 'a', '1'], '-ERR The stream has exhausted the last possible ID, unable to add more items'),
      exp(['XADD', 'm', '7-18446744073709551615', 'a', '1'], '"7-18446744073709551615"'),
      // 7.0 reports the exhausted sequence of an <ms>-* id with the wrong message.
      exp(['XADD', 'm', '7-*', 'a', '1'], '-ERR Elements are too large to be stored'),
      exp(['XADD', 'm', '8-*', 'a', '1'], '"8-0"'),
      norm(['XADD', 'auto', '*', 'f', 'v'], clock),
      norm(['XADD', 'auto', '*', 'f', 'v'], clock),
      ['XLEN', 'auto'],
      exp(['XADD', 's', '20-1', 'a'], ARITY('xadd')),
      exp(['XADD', 's', '20-1'], ARITY('xadd')),
      exp(['XADD', 's', '20-1', 'a', '1', 'b'], ARITY('xadd')),
      exp(['XADD', 's'], ARITY('xadd')),
      exact(['XRANGE', 's', '-', '+']),
      exact(['XRANGE', 'n', '-', '+']),
    ));

  test('XADD options: NOMKSTREAM, MAXLEN / MINID, = and ~, LIMIT, and their errors', () =>
    d.check(
      exp(['XADD', 'nk', 'NOMKSTREAM', '1-1', 'a', '1'], NIL(protocol)),
      exp(['EXISTS', 'nk'], ':0'),
      exp(['XADD', 's', 'LIMIT', '0', '*', 'a', '1'], '-ERR syntax error, LIMIT cannot be used without the special ~ option'),
      exp(['XADD', 's', 'LIMIT', '5', '*', 'a', '1'], '-ERR syntax error, LIMIT cannot be used without specifying a trimming strategy'),
      exp(['XADD', 's', 'MAXLEN', '5', 'LIMIT', '5', '*', 'a', '1'], '-ERR syntax error, LIMIT cannot be used without the special ~ option'),
      exp(['XADD', 's', 'MAXLEN', '=', '5', 'LIMIT', '5', '*', 'a', '1'], '-ERR syntax error, LIMIT cannot be used without the special ~ option'),
      exp(['XADD', 's', 'MAXLEN', '-1', '*', 'a', '1'], '-ERR The MAXLEN argument must be >= 0.'),
      exp(['XADD', 's', 'MAXLEN', 'x', '*', 'a', '1'], NOT_INT),
      exp(['XADD', 's', 'MAXLEN', '~', 'x', '*', 'a', '1'], NOT_INT),
      exp(['XADD', 's', 'MAXLEN', '~', '5', 'LIMIT', '-1', '*', 'a', '1'], '-ERR The LIMIT argument must be >= 0.'),
      exp(['XADD', 's', 'MAXLEN', '~', '5', 'LIMIT', 'x', '*', 'a', '1'], NOT_INT),
      exp(['XADD', 's', 'MINID', '5', 'MAXLEN', '2', '*', 'a', '1'], '-ERR syntax error, MAXLEN and MINID options at the same time are not compatible'),
      exp(['XADD', 's', 'MAXLEN', '1', 'MAXLEN', '2', '*', 'a', '1'], '-ERR syntax error, MAXLEN and MINID options at the same time are not compatible'),
      exp(['XADD', 's', 'MINID', '-', '*', 'a', '1'], INVALID_ID),
      exp(['XADD', 's', 'MINID', '~', 'x', '*', 'a', '1'], INVALID_ID),
      exp(['XADD', 's', 'MAXLEN', '1', 'foo', 'a', '1'], INVALID_ID),
      exp(['XADD', 's', 'nomkstream', 'MAXLEN', '2', '1-1', 'a', '1'], NIL(protocol)),
      exp(['XADD', 's', '1-1', 'a', '1'], '"1-1"'),
      exp(['XADD', 's', 'NOMKSTREAM', 'maxlen', '2', '2-1', 'a', '1'], '"2-1"'),
      exp(['XADD', 's', 'MAXLEN', '=', '2', '3-1', 'a', '1'], '"3-1"'),
      exp(['XADD', 's', 'MAXLEN', '2', '4-1', 'a', '1'], '"4-1"'),
      exact(['XRANGE', 's', '-', '+']),
      exp(['XADD', 's', 'MINID', '4', '5-1', 'a', '1'], '"5-1"'),
      exact(['XRANGE', 's', '-', '+']),
      exp(['XADD', 's', 'MINID', '=', '5-1', '6-1', 'a', '1'], '"6-1"'),
      exact(['XRANGE', 's', '-', '+']),
      exp(['XADD', 's', 'MAXLEN', '0', '7-1', 'a', '1'], '"7-1"'),
      exp(['XLEN', 's'], ':0'),
      exact(['XINFO', 'STREAM', 's']),
      exp(['XADD', 's', 'MAXLEN', '~', '0', '8-1', 'a', '1'], '"8-1"'),
      exp(['XLEN', 's'], ':0'),
      exp(['XADD', 's', 'MAXLEN', '~', '0', 'LIMIT', '0', '9-1', 'a', '1'], '"9-1"'),
      exp(['XLEN', 's'], ':0'),
      ['XADD', 's', '10-1', 'a', '1'],
      ['XADD', 's', '11-1', 'a', '1'],
      exp(['XADD', 's', 'MAXLEN', '~', '1', '12-1', 'a', '1'], '"12-1"'),
      exp(['XLEN', 's'], ':3'),
      exact(['XINFO', 'STREAM', 's']),
    ));

  test('approximate trimming works by whole nodes, within LIMIT', () =>
    d.check(
      cfg('stream-node-max-entries', '10'),
      ...Array.from({ length: 95 }, (_, i) => ['XADD', 's', `${i + 1}-1`, 'f', String(i)] as Arg[]),
      exact(['XINFO', 'STREAM', 's']),
      exp(['XTRIM', 's', 'MAXLEN', '~', '80'], ':10'),
      exp(['XTRIM', 's', 'MAXLEN', '~', '78'], ':0'),
      exp(['XTRIM', 's', 'MAXLEN', '~', '50', 'LIMIT', '15'], ':10'),
      exp(['XTRIM', 's', 'MAXLEN', '~', '50', 'LIMIT', '9'], ':0'),
      exp(['XTRIM', 's', 'MINID', '~', '55'], ':30'),
      exp(['XTRIM', 's', 'MINID', '~', '55'], ':0'),
      exp(['XTRIM', 's', 'MINID', '58'], ':7'),
      exact(['XINFO', 'STREAM', 's']),
      exp(['XTRIM', 's', 'MAXLEN', '30'], ':8'),
      exact(['XINFO', 'STREAM', 's']),
      exact(['XRANGE', 's', '-', '+', 'COUNT', '3']),
      exp(['XADD', 's', 'MAXLEN', '~', '5', '100-1', 'f', 'x'], '"100-1"'),
      exact(['XINFO', 'STREAM', 's']),
      cfg('stream-node-max-entries', '0'),
      ...Array.from({ length: 30 }, (_, i) => ['XADD', 'big', `${i + 1}-1`, 'f', 'v'.repeat(300)] as Arg[]),
      exact(['XINFO', 'STREAM', 'big']),
      cfg('stream-node-max-bytes', '0'),
      ...Array.from({ length: 30 }, (_, i) => ['XADD', 'big', `${i + 100}-1`, 'f', 'v'.repeat(300)] as Arg[]),
      exact(['XINFO', 'STREAM', 'big']),
      // Without LIMIT, ~ removes at most 100 x stream-node-max-entries entries.
      cfg('stream-node-max-entries', '1'),
      ...Array.from({ length: 150 }, (_, i) => ['XADD', 'lim', `${i + 1}-1`, 'f', 'v'] as Arg[]),
      exp(['XTRIM', 'lim', 'MAXLEN', '~', '0'], ':100'),
      exp(['XADD', 'lim', 'MAXLEN', '~', '0', '200-1', 'f', 'v'], '"200-1"'),
      exp(['XLEN', 'lim'], ':0'),
      cfg('stream-node-max-entries', '100'),
      cfg('stream-node-max-bytes', '1'),
      exp(['XADD', 'one', '1-1', 'a', 'b'], '"1-1"'),
      exp(['XADD', 'one', '1-2', 'a', 'b'], '"1-2"'),
      exact(['XINFO', 'STREAM', 'one']),
    ));

  test('XTRIM arguments and errors', () =>
    d.check(
      exp(['XTRIM', 'nokey', 'MAXLEN', '1'], ':0'),
      exp(['XTRIM', 'nokey', 'MAXLEN', 'x'], NOT_INT),
      exp(['XTRIM', 's', 'LIMIT', '10'], '-ERR syntax error, LIMIT cannot be used without specifying a trimming strategy'),
      exp(['XTRIM', 's', 'MAXLEN', '=', '1', 'LIMIT', '10'], '-ERR syntax error, LIMIT cannot be used without the special ~ option'),
      exp(['XTRIM', 's', 'foo', 'bar'], SYNTAX),
      exp(['XTRIM', 's', 'NOMKSTREAM', 'MAXLEN', '1'], SYNTAX),
      exp(['XTRIM', 's', 'MAXLEN'], ARITY('xtrim')),
      exp(['XTRIM', 's', 'MAXLEN', '1', 'LIMIT'], SYNTAX),
      exp(['XTRIM', 's', 'LIMIT', '0', 'LIMIT', '0'], '-ERR syntax error, XTRIM must be called with a trimming strategy'),
      exp(['XTRIM', 's'], ARITY('xtrim')),
      exp(['XTRIM', 's', 'MINID', '+'], INVALID_ID),
      ['SET', 'str', 'x'],
      exp(['XTRIM', 'str', 'MAXLEN', '1'], WRONGTYPE),
      exp(['XTRIM', 'str', 'MAXLEN', 'x'], NOT_INT),
      ['XADD', 's', '1-1', 'a', '1'],
      ['XADD', 's', '2-1', 'a', '1'],
      exp(['XTRIM', 's', 'maxlen', '=', '1'], ':1'),
      exp(['XTRIM', 's', 'MINID', '3'], ':1'),
      exact(['XINFO', 'STREAM', 's']),
    ));

  test('XRANGE / XREVRANGE: bounds, exclusive ranges, COUNT, errors', () =>
    d.check(
      ...[
        ['1-1', 'a', '1'],
        ['1-2', 'b', '2', 'c', '3'],
        ['2-0', 'a', '4'],
        ['3-5', 'a', '5'],
        ['18446744073709551615-0', 'a', '6'],
      ].map(([id, ...fv]) => ['XADD', 's', id, ...fv] as Arg[]),
      exact(['XRANGE', 's', '-', '+']),
      exact(['XREVRANGE', 's', '+', '-']),
      exact(['XRANGE', 's', '1', '1']),
      exact(['XRANGE', 's', '1-2', '3']),
      exact(['XRANGE', 's', '(1-1', '(3-5']),
      exact(['XRANGE', 's', '(1', '+']),
      exact(['XRANGE', 's', '(0', '(2']),
      exact(['XREVRANGE', 's', '(3-5', '(1-1']),
      exact(['XREVRANGE', 's', '+', '-', 'COUNT', '2']),
      exact(['XRANGE', 's', '-', '+', 'COUNT', '1']),
      exp(['XRANGE', 's', '-', '+', 'COUNT', '0'], NIL_ARRAY(protocol)),
      exp(['XRANGE', 's', '-', '+', 'COUNT', '-5'], NIL_ARRAY(protocol)),
      exact(['XRANGE', 's', '-', '+', 'COUNT', '1', 'count', '3']),
      exp(['XRANGE', 'nokey', '-', '+', 'COUNT', '0'], '[]'),
      exp(['XRANGE', 'nokey', '-', '+'], '[]'),
      exp(['XRANGE', 's', '3', '1'], '[]'),
      exp(['XRANGE', 's', '-', '+', 'COUNT'], SYNTAX),
      exp(['XRANGE', 's', '-', '+', 'COUNT', 'x'], NOT_INT),
      exp(['XRANGE', 's', '-', '+', 'LIMIT', '1'], SYNTAX),
      exp(['XRANGE', 's', '(-', '+'], INVALID_ID),
      exp(['XRANGE', 's', '-', '(+'], INVALID_ID),
      exp(['XRANGE', 's', '(', '+'], INVALID_ID),
      exp(['XRANGE', 's', '(18446744073709551615-18446744073709551615', '+'], '-ERR invalid start ID for the interval'),
      exp(['XRANGE', 's', '-', '(0-0'], '-ERR invalid end ID for the interval'),
      exp(['XRANGE', 's', 'x', '+'], INVALID_ID),
      exp(['XRANGE', 's', '-', '1-*'], INVALID_ID),
      exp(['XRANGE', 's', '-'], ARITY('xrange')),
      ['SET', 'str', 'x'],
      exp(['XRANGE', 'str', '-', '+'], WRONGTYPE),
      exp(['XRANGE', 'str', 'x', '+'], INVALID_ID),
      exp(['XREVRANGE', 'str', '+', '-', 'COUNT', '0'], WRONGTYPE),
      exp(['XLEN', 's'], ':5'),
      exp(['XLEN', 'nokey'], ':0'),
      exp(['XLEN', 'str'], WRONGTYPE),
    ));

  test('XDEL: deleted entries, first and max-deleted ids, whole nodes', () =>
    d.check(
      cfg('stream-node-max-entries', '3'),
      ...Array.from({ length: 10 }, (_, i) => ['XADD', 's', `${i + 1}-0`, 'f', String(i), 'g', 'x'] as Arg[]),
      exp(['XDEL', 's', '1-0', '1-0', '99-0'], ':1'),
      exact(['XINFO', 'STREAM', 's']),
      exp(['XDEL', 's', '2', '3-0'], ':2'),
      exact(['XINFO', 'STREAM', 's']),
      exp(['XDEL', 's', '6-0', 'bad'], INVALID_ID),
      exp(['XDEL', 's', '6-0', '+'], INVALID_ID),
      exp(['XLEN', 's'], ':7'),
      exp(['XDEL', 's', '5-0', '10-0'], ':2'),
      exact(['XINFO', 'STREAM', 's']),
      exact(['XRANGE', 's', '-', '+']),
      exact(['XREVRANGE', 's', '+', '-']),
      exp(['XDEL', 'nokey', '1-0'], ':0'),
      exp(['XDEL', 'nokey', 'bad'], ':0'),
      exp(['XDEL', 's'], ARITY('xdel')),
      exp(['XDEL', 's', '4-0', '6-0', '7-0', '8-0', '9-0'], ':5'),
      exp(['EXISTS', 's'], ':1'),
      exact(['XINFO', 'STREAM', 's']),
      exp(['XADD', 's', '11-0', 'f', 'new'], '"11-0"'),
      exact(['XINFO', 'STREAM', 's']),
      ['SET', 'str', 'x'],
      exp(['XDEL', 'str', '1-0'], WRONGTYPE),
      exp(['XDEL', 'str', 'bad'], WRONGTYPE),
    ));

  test('entries with and without the master fields, integers and binary values', () =>
    d.check(
      ['XADD', 's', '1-0', 'a', '1', 'b', '2'],
      ['XADD', 's', '2-0', 'a', 'x', 'b', 'y'],
      ['XADD', 's', '3-0', 'b', '1', 'a', '2'],
      ['XADD', 's', '4-0', 'a', '1'],
      ['XADD', 's', '5-0', 'a', '1', 'b', '2', 'c', '3'],
      ['XADD', 's', '6-0', '12', '-7', '9223372036854775807', '-9223372036854775808', 'a', '007'],
      ['XADD', 's', '7-0', Buffer.from([0, 255, 10]), Buffer.alloc(0), '', 'e'],
      ['XADD', 's', '8-0', 'a', 'x'.repeat(5000), 'b', '2'],
      ['XADD', 's', '9-0', 'a', '1', 'a', '2'],
      exact(['XRANGE', 's', '-', '+']),
      exact(['XREVRANGE', 's', '+', '-']),
      exact(['XINFO', 'STREAM', 's', 'FULL']),
    ));

  test('XREAD: ids, $, several streams, COUNT, errors', () =>
    d.check(
      ['XADD', 'a', '1-1', 'f', '1'],
      ['XADD', 'a', '2-1', 'f', '2'],
      ['XADD', 'b', '1-1', 'g', '1'],
      exact(['XREAD', 'STREAMS', 'a', '0']),
      exact(['XREAD', 'STREAMS', 'a', 'b', '0', '1-1']),
      exact(['XREAD', 'STREAMS', 'a', 'b', '1', '0']),
      exact(['XREAD', 'COUNT', '1', 'STREAMS', 'a', 'b', '0', '0']),
      exact(['XREAD', 'COUNT', '0', 'STREAMS', 'a', '0']),
      exact(['XREAD', 'COUNT', '-3', 'STREAMS', 'a', '0']),
      exp(['XREAD', 'STREAMS', 'a', '$'], NIL_ARRAY(protocol)),
      exp(['XREAD', 'STREAMS', 'a', '2-1'], NIL_ARRAY(protocol)),
      exp(['XREAD', 'STREAMS', 'nokey', '0'], NIL_ARRAY(protocol)),
      exact(['XREAD', 'STREAMS', 'nokey', 'a', '0', '1-1']),
      exact(['XREAD', 'streams', 'a', 'a', '0', '1']),
      ['XADD', 'a', '3-1', 'f', '3'],
      ['XDEL', 'a', '3-1'],
      exp(['XREAD', 'STREAMS', 'a', '2-1'], NIL_ARRAY(protocol)),
      exp(['XREAD', 'STREAMS', 'a', '18446744073709551615-18446744073709551615'], NIL_ARRAY(protocol)),
      exp(['XREAD', 'STREAMS', 'a'], ARITY('xread')),
      exp(['XREAD', 'STREAMS', 'a', 'b', '0'], "-ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."),
      exp(['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a', 'b', '0'], "-ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."),
      exp(['XREAD', 'COUNT', 'x', 'STREAMS', 'a', '0'], NOT_INT),
      exp(['XREAD', 'BLOCK', 'x', 'STREAMS', 'a', '0'], '-ERR timeout is not an integer or out of range'),
      exp(['XREAD', 'BLOCK', '-1', 'STREAMS', 'a', '0'], '-ERR timeout is negative'),
      exp(['XREAD', 'BLOCK', '1.5', 'STREAMS', 'a', '0'], '-ERR timeout is not an integer or out of range'),
      exp(['XREAD', 'GROUP', 'g', 'c', 'STREAMS', 'a', '0'], '-ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.'),
      exp(['XREAD', 'NOACK', 'STREAMS', 'a', '0'], '-ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.'),
      exp(['XREAD', 'FOO', 'STREAMS', 'a', '0'], SYNTAX),
      exp(['XREAD', 'COUNT', '1', 'a', '0', '0'], SYNTAX),
      exp(['XREAD', 'STREAMS', 'a', '>'], '-ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.'),
      exp(['XREAD', 'STREAMS', 'a', 'x'], INVALID_ID),
      exp(['XREAD', 'STREAMS', 'a', '-'], INVALID_ID),
      ['SET', 'str', 'x'],
      exp(['XREAD', 'STREAMS', 'a', 'str', '0', '0'], WRONGTYPE),
      exp(['XREAD', 'STREAMS', 'str', 'a', 'x', '0'], WRONGTYPE),
      exp(['XREAD', 'STREAMS', 'a', 'str', 'x', '0'], INVALID_ID),
      exact(['XREAD', 'BLOCK', '10', 'STREAMS', 'a', '0']),
      ['MULTI'],
      ['XREAD', 'BLOCK', '0', 'STREAMS', 'a', '$'],
      ['XREAD', 'BLOCK', '0', 'STREAMS', 'a', '1-1'],
      exact(['EXEC']),
    ));

  test('XGROUP: CREATE (MKSTREAM, ENTRIESREAD), SETID, DESTROY, CREATECONSUMER, DELCONSUMER, HELP', () =>
    d.check(
      exp(['XGROUP', 'CREATE', 's', 'g', '$'], '-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.'),
      exp(['XGROUP', 'DESTROY', 's', 'g'], /requires the key to exist/),
      exp(['XGROUP', 'SETID', 's', 'g', '0'], /requires the key to exist/),
      exp(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'], '+OK'),
      exact(['TYPE', 's']),
      exact(['XINFO', 'STREAM', 's']),
      exp(['XGROUP', 'CREATE', 's', 'g', '$'], '-BUSYGROUP Consumer Group name already exists'),
      exp(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'], '-BUSYGROUP Consumer Group name already exists'),
      exp(['XGROUP', 'CREATE', 's', 'g2', 'bad'], INVALID_ID),
      exp(['XGROUP', 'CREATE', 's', 'g2', '+'], INVALID_ID),
      exp(['XGROUP', 'CREATE', 's', 'g2', '0', 'FOO'], "-ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP."),
      exp(['XGROUP', 'CREATE', 's', 'g2', '0', 'ENTRIESREAD'], /unknown subcommand or wrong number/),
      exp(['XGROUP', 'CREATE', 's', 'g2', '0', 'ENTRIESREAD', 'x'], NOT_INT),
      exp(['XGROUP', 'CREATE', 's', 'g2', '0', 'ENTRIESREAD', '-2'], '-ERR value for ENTRIESREAD must be positive or -1'),
      exp(['XGROUP', 'CREATE', 's', 'g2', '0', 'ENTRIESREAD', '-1'], '+OK'),
      exp(['XGROUP', 'CREATE', 's', 'g3', '0', 'ENTRIESREAD', '5', 'MKSTREAM'], '+OK'),
      exp(['XGROUP', 'CREATE', 's', 'g4', '0', 'MKSTREAM', 'MKSTREAM', 'MKSTREAM', 'MKSTREAM'], /unknown subcommand or wrong number/),
      exp(['XGROUP', 'CREATE', 'new', 'g', '7-7', 'mkstream'], '+OK'),
      exact(['XINFO', 'GROUPS', 'new']),
      exp(['XGROUP', 'CREATE', 's'], ARITY('xgroup|create')),
      ['XADD', 's', '1-1', 'f', 'v'],
      ['XADD', 's', '2-1', 'f', 'v'],
      exp(['XGROUP', 'CREATE', 's', 'g5', '$'], '+OK'),
      exact(['XINFO', 'GROUPS', 's']),
      exp(['XGROUP', 'SETID', 's', 'nog', '0'], "-NOGROUP No such consumer group 'nog' for key name 's'"),
      exp(['XGROUP', 'SETID', 's', 'g', '1'], '+OK'),
      exp(['XGROUP', 'SETID', 's', 'g2', '$', 'ENTRIESREAD', '2'], '+OK'),
      exp(['XGROUP', 'SETID', 's', 'g3', '-'], '+OK'),
      exp(['XGROUP', 'SETID', 's', 'g3', 'bad'], INVALID_ID),
      exp(['XGROUP', 'SETID', 's', 'g', '0', 'FOO', '1'], "-ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROUP HELP."),
      exp(['XGROUP', 'SETID', 's', 'g', '0', 'ENTRIESREAD', 'x'], NOT_INT),
      exp(['XGROUP', 'SETID', 's', 'g', '0', 'ENTRIESREAD', '-5'], '-ERR value for ENTRIESREAD must be positive or -1'),
      exp(['XGROUP', 'SETID', 's', 'g', '0', 'ENTRIESREAD'], /unknown subcommand or wrong number/),
      exact(['XINFO', 'GROUPS', 's']),
      exp(['XGROUP', 'CREATECONSUMER', 's', 'g', 'c1'], ':1'),
      exp(['XGROUP', 'CREATECONSUMER', 's', 'g', 'c1'], ':0'),
      exp(['XGROUP', 'CREATECONSUMER', 's', 'nog', 'c1'], "-NOGROUP No such consumer group 'nog' for key name 's'"),
      exp(['XGROUP', 'CREATECONSUMER', 'nokey', 'g', 'c1'], /requires the key to exist/),
      exp(['XGROUP', 'CREATECONSUMER', 's', 'g'], ARITY('xgroup|createconsumer')),
      norm(['XINFO', 'CONSUMERS', 's', 'g'], consumersIdle),
      exp(['XGROUP', 'DELCONSUMER', 's', 'g', 'c2'], ':0'),
      exp(['XGROUP', 'DELCONSUMER', 's', 'g', 'c1'], ':0'),
      exp(['XGROUP', 'DELCONSUMER', 's', 'nog', 'c1'], /-NOGROUP/),
      exp(['XGROUP', 'DESTROY', 's', 'g'], ':1'),
      exp(['XGROUP', 'DESTROY', 's', 'g'], ':0'),
      exp(['XGROUP', 'DESTROY', 's', 'g', 'x'], ARITY('xgroup|destroy')),
      exp(['XGROUP', 'FOO', 's', 'g'], "-ERR unknown subcommand 'FOO'. Try XGROUP HELP."),
      exact(['XGROUP', 'HELP']),
      exp(['XGROUP', 'HELP', 'x'], ARITY('xgroup|help')),
      exp(['XGROUP'], ARITY('xgroup')),
      ['SET', 'str', 'x'],
      exp(['XGROUP', 'CREATE', 'str', 'g', '$', 'MKSTREAM'], WRONGTYPE),
      exp(['XGROUP', 'DESTROY', 'str', 'g'], WRONGTYPE),
      exp(['XGROUP', 'CREATE', 'str', 'g', '0', 'ENTRIESREAD', 'x'], NOT_INT),
      exact(['XINFO', 'GROUPS', 's']),
    ));

  test('XREADGROUP: >, history, NOACK, consumers, errors', () =>
    d.check(
      ['XADD', 's', '1-1', 'f', '1'],
      ['XADD', 's', '2-1', 'f', '2'],
      ['XADD', 's', '3-1', 'f', '3'],
      ['XADD', 't', '1-1', 'g', '1'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XGROUP', 'CREATE', 't', 'g', '$'],
      exp(['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', 'nokey', '>', '>'], "-NOGROUP No such key 'nokey' or consumer group 'g' in XREADGROUP with GROUP option"),
      exp(['XREADGROUP', 'GROUP', 'nog', 'c', 'STREAMS', 's', '>'], "-NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option"),
      exp(['XREADGROUP', 'STREAMS', 's', '>'], ARITY('xreadgroup')),
      exp(['XREADGROUP', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's', '>'], '-ERR Missing GROUP option for XREADGROUP'),
      exp(['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '$'], /-ERR The \$ ID is meaningless/),
      exp(['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', 'x'], INVALID_ID),
      exp(['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's'], ARITY('xreadgroup')),
      exp(['XREADGROUP', 'GROUP', 'g', 'STREAMS', 's', '>'], ARITY('xreadgroup')),
      exact(['XINFO', 'CONSUMERS', 's', 'g']),
      exact(['XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '1', 'STREAMS', 's', '>']),
      exact(['XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', 's', 't', '>', '>']),
      exp(['XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', 's', '>'], NIL_ARRAY(protocol)),
      exact(['XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 's', '0']),
      exact(['XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', 's', '0']),
      exact(['XREADGROUP', 'GROUP', 'g', 'c2', 'COUNT', '1', 'STREAMS', 's', '2-1']),
      exact(['XREADGROUP', 'GROUP', 'g', 'c3', 'STREAMS', 's', '0']),
      exact(['XREADGROUP', 'GROUP', 'g', 'c3', 'STREAMS', 't', 's', '>', '0']),
      ['XDEL', 's', '2-1'],
      exact(['XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', 's', '0']),
      norm(['XPENDING', 's', 'g', '-', '+', '10'], pendingIdle),
      ['XADD', 's', '4-1', 'f', '4'],
      exact(['XREADGROUP', 'GROUP', 'g', 'c4', 'NOACK', 'STREAMS', 's', '>']),
      exact(['XPENDING', 's', 'g']),
      exact(['XINFO', 'GROUPS', 's']),
      exact(['XREADGROUP', 'GROUP', 'g', 'c4', 'STREAMS', 's', '18446744073709551615-18446744073709551615']),
      norm(['XINFO', 'CONSUMERS', 's', 'g'], consumersIdle),
      ['XGROUP', 'SETID', 's', 'g', '0'],
      exact(['XREADGROUP', 'GROUP', 'g', 'c5', 'STREAMS', 's', '>']),
      exact(['XPENDING', 's', 'g']),
      exact(['XINFO', 'GROUPS', 's']),
      ['SET', 'str', 'x'],
      exp(['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'str', '>'], WRONGTYPE),
      exp(['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'nokey', 'str', '>', '>'], /-NOGROUP/),
      ['MULTI'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>'],
      exact(['EXEC']),
    ));

  test('entries-read and lag through reads, deletions, trims and SETID', () =>
    d.check(
      ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'],
      exact(['XINFO', 'GROUPS', 's']),
      ...Array.from({ length: 6 }, (_, i) => ['XADD', 's', `${i + 1}-0`, 'f', 'v'] as Arg[]),
      ['XGROUP', 'CREATE', 's', 'h', '0'],
      ['XGROUP', 'CREATE', 's', 'i', '3-0'],
      ['XGROUP', 'CREATE', 's', 'j', '$'],
      exact(['XINFO', 'GROUPS', 's']),
      exact(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '2', 'STREAMS', 's', '>']),
      exact(['XREADGROUP', 'GROUP', 'h', 'c', 'COUNT', '1', 'STREAMS', 's', '>']),
      exact(['XINFO', 'GROUPS', 's']),
      ['XDEL', 's', '4-0'],
      exact(['XINFO', 'GROUPS', 's']),
      exact(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '2', 'STREAMS', 's', '>']),
      exact(['XREADGROUP', 'GROUP', 'i', 'c', 'STREAMS', 's', '>']),
      exact(['XINFO', 'GROUPS', 's']),
      ['XDEL', 's', '1-0'],
      exact(['XINFO', 'GROUPS', 's']),
      ['XTRIM', 's', 'MAXLEN', '2'],
      exact(['XINFO', 'GROUPS', 's']),
      exact(['XINFO', 'STREAM', 's']),
      ['XADD', 's', '7-0', 'f', 'v'],
      exact(['XINFO', 'GROUPS', 's']),
      ['XGROUP', 'SETID', 's', 'h', '$', 'ENTRIESREAD', '3'],
      ['XGROUP', 'SETID', 's', 'i', '5-0'],
      exact(['XINFO', 'GROUPS', 's']),
      exact(['XREADGROUP', 'GROUP', 'i', 'c', 'STREAMS', 's', '>']),
      exact(['XINFO', 'GROUPS', 's']),
      ['XTRIM', 's', 'MAXLEN', '0'],
      exact(['XINFO', 'GROUPS', 's']),
      exact(['XINFO', 'STREAM', 's']),
      ['XSETID', 's', '10-0', 'ENTRIESADDED', '20', 'MAXDELETEDID', '9-0'],
      exact(['XINFO', 'GROUPS', 's']),
      ['XADD', 's', '11-0', 'f', 'v'],
      exact(['XINFO', 'GROUPS', 's']),
      exact(['XREADGROUP', 'GROUP', 'j', 'c', 'STREAMS', 's', '>']),
      exact(['XINFO', 'GROUPS', 's']),
    ));

  test('XACK and XPENDING summary and extended (IDLE, consumer)', () =>
    d.check(
      ...Array.from({ length: 5 }, (_, i) => ['XADD', 's', `${i + 1}-0`, 'f', 'v'] as Arg[]),
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      exact(['XPENDING', 's', 'g']),
      exact(['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>']),
      exact(['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '2', 'STREAMS', 's', '>']),
      exact(['XREADGROUP', 'GROUP', 'g', 'carol', 'STREAMS', 's', '>']),
      exact(['XPENDING', 's', 'g']),
      norm(['XPENDING', 's', 'g', '-', '+', '10'], pendingIdle),
      norm(['XPENDING', 's', 'g', '(1-0', '(5', '2'], pendingIdle),
      norm(['XPENDING', 's', 'g', '-', '+', '10', 'bob'], pendingIdle),
      exp(['XPENDING', 's', 'g', '-', '+', '10', 'nobody'], '[]'),
      exp(['XPENDING', 's', 'g', '-', '+', '0'], '[]'),
      exp(['XPENDING', 's', 'g', '-', '+', '-1'], '[]'),
      exp(['XPENDING', 's', 'g', 'IDLE', '100000', '-', '+', '10'], '[]'),
      norm(['XPENDING', 's', 'g', 'IDLE', '0', '-', '+', '10', 'alice'], pendingIdle),
      exp(['XPENDING', 's', 'g', '-', '+'], SYNTAX),
      exp(['XPENDING', 's', 'g', '-'], SYNTAX),
      exp(['XPENDING', 's', 'g', 'IDLE', '10', '-', '+'], SYNTAX),
      exp(['XPENDING', 's', 'g', 'IDLE', 'x', '-', '+', '10'], NOT_INT),
      exp(['XPENDING', 's', 'g', '-', '+', 'x'], NOT_INT),
      exp(['XPENDING', 's', 'g', 'x', '+', '10'], INVALID_ID),
      exp(['XPENDING', 's', 'g', '(18446744073709551615-18446744073709551615', '+', '10'], '-ERR invalid start ID for the interval'),
      exp(['XPENDING', 's', 'g', '-', '+', '10', 'a', 'b', 'c'], '[]'),
      exp(['XPENDING', 's', 'g', 'IDLE', '1', '-', '+', '10', 'a', 'b'], SYNTAX),
      exp(['XPENDING', 's', 'nog'], "-NOGROUP No such key 's' or consumer group 'nog'"),
      exp(['XPENDING', 'nokey', 'g', '-', '+', '10'], "-NOGROUP No such key 'nokey' or consumer group 'g'"),
      exp(['XPENDING', 'nokey', 'g', 'x', '+', '10'], INVALID_ID),
      exp(['XACK', 's', 'g', '1-0', '2', '9-0'], ':2'),
      exp(['XACK', 's', 'g', '1-0'], ':0'),
      exp(['XACK', 's', 'g', '3-0', 'bad'], INVALID_ID),
      exp(['XACK', 's', 'g', '-'], INVALID_ID),
      exp(['XACK', 's', 'nog', '3-0'], ':0'),
      exp(['XACK', 'nokey', 'g', 'bad'], ':0'),
      exp(['XACK', 's', 'g'], ARITY('xack')),
      exact(['XPENDING', 's', 'g']),
      exp(['XACK', 's', 'g', '3-0', '4-0', '5-0'], ':3'),
      exact(['XPENDING', 's', 'g']),
      norm(['XINFO', 'CONSUMERS', 's', 'g'], consumersIdle),
      ['SET', 'str', 'x'],
      exp(['XACK', 'str', 'g', '1-0'], WRONGTYPE),
      exp(['XPENDING', 'str', 'g'], WRONGTYPE),
      exp(['XPENDING', 'str', 'g', 'x', '+', '10'], INVALID_ID),
    ));

  test('XCLAIM: IDLE, TIME, RETRYCOUNT, FORCE, JUSTID, LASTID, deleted entries', () =>
    d.check(
      ...Array.from({ length: 5 }, (_, i) => ['XADD', 's', `${i + 1}-0`, 'f', String(i)] as Arg[]),
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      exact(['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '3', 'STREAMS', 's', '>']),
      exact(['XCLAIM', 's', 'g', 'bob', '0', '1-0']),
      norm(['XPENDING', 's', 'g', '-', '+', '10'], pendingIdle),
      exact(['XCLAIM', 's', 'g', 'bob', '100000', '2-0']),
      exact(['XCLAIM', 's', 'g', 'bob', '0', '2-0', '3-0', 'JUSTID']),
      norm(['XPENDING', 's', 'g', '-', '+', '10'], pendingIdle),
      exact(['XCLAIM', 's', 'g', 'carol', '0', '1-0', 'RETRYCOUNT', '7', 'TIME', '1000']),
      exact(['XCLAIM', 's', 'g', 'carol', '0', '2-0', 'IDLE', '5000', 'JUSTID']),
      norm(['XPENDING', 's', 'g', '-', '+', '10'], pendingIdle),
      norm(['XINFO', 'STREAM', 's', 'FULL'], clock),
      exact(['XCLAIM', 's', 'g', 'dave', '0', '4-0']),
      exact(['XCLAIM', 's', 'g', 'dave', '0', '4-0', '5-0', 'FORCE', 'JUSTID', 'LASTID', '5-0']),
      exact(['XINFO', 'GROUPS', 's']),
      exact(['XCLAIM', 's', 'g', 'dave', '0', '1-0', 'LASTID', '3-0']),
      exact(['XINFO', 'GROUPS', 's']),
      ['XDEL', 's', '3-0'],
      exact(['XCLAIM', 's', 'g', 'erin', '0', '3-0', '2-0']),
      exact(['XPENDING', 's', 'g']),
      exact(['XCLAIM', 's', 'g', 'erin', '0', '3-0', 'FORCE']),
      exact(['XCLAIM', 's', 'g', 'erin', '0', '9-0', 'FORCE']),
      exact(['XCLAIM', 's', 'g', 'frank', '0', '9-0']),
      exact(['XCLAIM', 's', 'g', 'frank', '-5', '1-0', 'IDLE', '-10', 'RETRYCOUNT', '0']),
      norm(['XPENDING', 's', 'g', '-', '+', '10'], pendingIdle),
      norm(['XINFO', 'CONSUMERS', 's', 'g'], consumersIdle),
      exp(['XCLAIM', 's', 'g', 'c', 'x', '1-0'], '-ERR Invalid min-idle-time argument for XCLAIM'),
      exp(['XCLAIM', 's', 'g', 'c', '0', '1-0', 'IDLE', 'x'], '-ERR Invalid IDLE option argument for XCLAIM'),
      exp(['XCLAIM', 's', 'g', 'c', '0', '1-0', 'TIME', 'x'], '-ERR Invalid TIME option argument for XCLAIM'),
      exp(['XCLAIM', 's', 'g', 'c', '0', '1-0', 'RETRYCOUNT', 'x'], '-ERR Invalid RETRYCOUNT option argument for XCLAIM'),
      exp(['XCLAIM', 's', 'g', 'c', '0', '1-0', 'LASTID', 'x'], INVALID_ID),
      exp(['XCLAIM', 's', 'g', 'c', '0', '1-0', 'FOO'], "-ERR Unrecognized XCLAIM option 'FOO'"),
      exp(['XCLAIM', 's', 'g', 'c', '0', '1-0', 'JUSTID', '2-0'], "-ERR Unrecognized XCLAIM option '2-0'"),
      exp(['XCLAIM', 's', 'g', 'c', '0', '1-0', 'IDLE'], "-ERR Unrecognized XCLAIM option 'IDLE'"),
      exp(['XCLAIM', 's', 'g', 'c', '0', 'x'], "-ERR Unrecognized XCLAIM option 'x'"),
      exp(['XCLAIM', 's', 'nog', 'c', '0', '1-0'], "-NOGROUP No such key 's' or consumer group 'nog'"),
      exp(['XCLAIM', 'nokey', 'g', 'c', 'x', '1-0'], "-NOGROUP No such key 'nokey' or consumer group 'g'"),
      exp(['XCLAIM', 's', 'g', 'c', '0'], ARITY('xclaim')),
      ['SET', 'str', 'x'],
      exp(['XCLAIM', 'str', 'g', 'c', '0', '1-0'], WRONGTYPE),
    ));

  test('XAUTOCLAIM: cursor, COUNT, JUSTID, the deleted-id list', () =>
    d.check(
      ...Array.from({ length: 8 }, (_, i) => ['XADD', 's', `${i + 1}-0`, 'f', String(i)] as Arg[]),
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      exact(['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>']),
      ['XDEL', 's', '2-0', '3-0', '7-0'],
      exact(['XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'COUNT', '2']),
      exact(['XAUTOCLAIM', 's', 'g', 'bob', '0', '2-0', 'COUNT', '2']),
      exact(['XAUTOCLAIM', 's', 'g', 'bob', '0', '(4-0', 'COUNT', '3', 'JUSTID']),
      exact(['XAUTOCLAIM', 's', 'g', 'bob', '0', '0']),
      exact(['XAUTOCLAIM', 's', 'g', 'carol', '100000', '0']),
      exact(['XAUTOCLAIM', 's', 'g', 'carol', '-1', '-', 'COUNT', '1']),
      exact(['XAUTOCLAIM', 's', 'g', 'carol', '0', '9-0']),
      exact(['XPENDING', 's', 'g']),
      norm(['XPENDING', 's', 'g', '-', '+', '10'], pendingIdle),
      norm(['XINFO', 'CONSUMERS', 's', 'g'], consumersIdle),
      exp(['XAUTOCLAIM', 's', 'g', 'c', 'x', '0'], '-ERR Invalid min-idle-time argument for XAUTOCLAIM'),
      exp(['XAUTOCLAIM', 's', 'g', 'c', '0', 'x'], INVALID_ID),
      exp(['XAUTOCLAIM', 's', 'g', 'c', '0', '(18446744073709551615-18446744073709551615'], '-ERR invalid start ID for the interval'),
      exp(['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '0'], '-ERR COUNT must be > 0'),
      exp(['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', 'x'], '-ERR COUNT must be > 0'),
      exp(['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '9223372036854775807'], '-ERR COUNT must be > 0'),
      exp(['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT'], SYNTAX),
      exp(['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'FOO'], SYNTAX),
      exp(['XAUTOCLAIM', 's', 'nog', 'c', '0', '0'], "-NOGROUP No such key 's' or consumer group 'nog'"),
      exp(['XAUTOCLAIM', 'nokey', 'g', 'c', '0', '0'], "-NOGROUP No such key 'nokey' or consumer group 'g'"),
      exp(['XAUTOCLAIM', 's', 'g', 'c', '0'], ARITY('xautoclaim')),
      ['SET', 'str', 'x'],
      exp(['XAUTOCLAIM', 'str', 'g', 'c', '0', '0'], WRONGTYPE),
      exp(['XAUTOCLAIM', 'str', 'g', 'c', 'x', '0'], '-ERR Invalid min-idle-time argument for XAUTOCLAIM'),
    ));

  test('XINFO STREAM [FULL [COUNT]], GROUPS, CONSUMERS, HELP and errors', () =>
    d.check(
      cfg('stream-node-max-entries', '4'),
      ...Array.from({ length: 14 }, (_, i) => ['XADD', 's', `${i + 1}-${i % 3}`, 'f', String(i)] as Arg[]),
      ['XGROUP', 'CREATE', 's', 'g1', '0'],
      ['XGROUP', 'CREATE', 's', 'g0', '$'],
      ['XREADGROUP', 'GROUP', 'g1', 'c1', 'COUNT', '12', 'STREAMS', 's', '>'],
      ['XCLAIM', 's', 'g1', 'c2', '0', '3-2', '4-0', '5-1', 'TIME', '123456'],
      exact(['XINFO', 'STREAM', 's']),
      norm(['XINFO', 'STREAM', 's', 'FULL'], clock),
      norm(['XINFO', 'STREAM', 's', 'full', 'count', '2'], clock),
      norm(['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '0'], clock),
      norm(['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '-1'], clock),
      exp(['XINFO', 'STREAM', 's', 'FULL', 'COUNT'], XINFO_STREAM_SYNTAX),
      exp(['XINFO', 'STREAM', 's', 'FULL', 'COUNT', 'x'], NOT_INT),
      exp(['XINFO', 'STREAM', 's', 'FULL', 'LIMIT', '1'], XINFO_STREAM_SYNTAX),
      exp(['XINFO', 'STREAM', 's', 'PARTIAL'], XINFO_STREAM_SYNTAX),
      exp(['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '1', 'x'], XINFO_STREAM_SYNTAX),
      exp(['XINFO', 'STREAM', 'nokey', 'PARTIAL'], '-ERR no such key'),
      exact(['XINFO', 'GROUPS', 's']),
      norm(['XINFO', 'CONSUMERS', 's', 'g1'], consumersIdle),
      exp(['XINFO', 'CONSUMERS', 's', 'nog'], "-NOGROUP No such consumer group 'nog' for key name 's'"),
      exp(['XINFO', 'STREAM', 'nokey'], '-ERR no such key'),
      exp(['XINFO', 'GROUPS', 'nokey'], '-ERR no such key'),
      exp(['XINFO', 'CONSUMERS', 'nokey', 'g'], '-ERR no such key'),
      exp(['XINFO', 'GROUPS', 's', 'x'], ARITY('xinfo|groups')),
      exp(['XINFO', 'CONSUMERS', 's'], ARITY('xinfo|consumers')),
      exp(['XINFO', 'STREAM'], ARITY('xinfo|stream')),
      exp(['XINFO', 'FOO', 's'], "-ERR unknown subcommand 'FOO'. Try XINFO HELP."),
      exact(['XINFO', 'HELP']),
      exp(['XINFO', 'HELP', 'x'], ARITY('xinfo|help')),
      ['XADD', 'e', '1-0', 'f', 'v'],
      ['XDEL', 'e', '1-0'],
      exact(['XINFO', 'STREAM', 'e']),
      norm(['XINFO', 'STREAM', 'e', 'FULL'], clock),
      exact(['XINFO', 'GROUPS', 'e']),
      ['SET', 'str', 'x'],
      exp(['XINFO', 'STREAM', 'str'], WRONGTYPE),
      exp(['XINFO', 'GROUPS', 'str'], WRONGTYPE),
      exp(['XINFO', 'CONSUMERS', 'str', 'g'], WRONGTYPE),
    ));

  test('radix-tree-nodes follows the shape of the keys', async () => {
    const steps: Step[] = [cfg('stream-node-max-entries', '1')];
    // Ids sharing long prefixes, diverging at every byte position, and deletions of whole nodes.
    const ids = [
      '1-1', '1-2', '2-1', '255-0', '256-0', '65535-7', '65536-0', '4294967296-3', '1099511627776-1',
      '72057594037927936-0', '72057594037927937-0', '18446744073709551615-0', '18446744073709551615-1',
      '18446744073709551615-256', '18446744073709551615-18446744073709551615',
    ];
    for (const id of ids) steps.push(['XADD', 's', id, 'f', 'v'], exact(['XINFO', 'STREAM', 's']));
    for (const id of ['2-1', '1-1', '65536-0', '18446744073709551615-1', '18446744073709551615-0']) {
      steps.push(['XDEL', 's', id], exact(['XINFO', 'STREAM', 's']));
    }
    steps.push(['XTRIM', 's', 'MAXLEN', '3'], exact(['XINFO', 'STREAM', 's']));
    await d.check(...steps);
  });

  test('XSETID: ENTRIESADDED, MAXDELETEDID and their checks', () =>
    d.check(
      exp(['XSETID', 'nokey', '1-1'], '-ERR no such key'),
      exp(['XSETID', 'nokey', 'x'], INVALID_ID),
      ['XADD', 's', '5-0', 'f', 'v'],
      ['XADD', 's', '6-0', 'f', 'v'],
      exp(['XSETID', 's', '5-9'], '-ERR The ID specified in XSETID is smaller than the target stream top item'),
      exp(['XSETID', 's', '6-0'], '+OK'),
      exp(['XSETID', 's', '10-0', 'ENTRIESADDED', '1'], '-ERR The entries_added specified in XSETID is smaller than the target stream length'),
      exp(['XSETID', 's', '10-0', 'ENTRIESADDED', '-1'], '-ERR entries_added must be positive'),
      exp(['XSETID', 's', '10-0', 'ENTRIESADDED', 'x'], NOT_INT),
      exp(['XSETID', 's', '10-0', 'MAXDELETEDID', '11-0'], '-ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id'),
      exp(['XSETID', 's', '10-0', 'MAXDELETEDID', 'x'], INVALID_ID),
      exp(['XSETID', 's', '10-0', 'FOO'], SYNTAX),
      exp(['XSETID', 's', '10-0', 'ENTRIESADDED'], SYNTAX),
      exp(['XSETID', 's', '10-0', 'ENTRIESADDED', '5', 'MAXDELETEDID', '9-0'], '+OK'),
      exact(['XINFO', 'STREAM', 's']),
      // 7.0 lets the last id go below the largest deleted id (7.2 refuses).
      exp(['XSETID', 's', '9-5'], '+OK'),
      exp(['XSETID', 's', '+'], INVALID_ID),
      exp(['XADD', 's', '9-5', 'f', 'v'], /equal or smaller/),
      exp(['XADD', 's', '10-*', 'f', 'v'], '"10-0"'),
      exp(['XDEL', 's', '5-0', '6-0', '10-0'], ':3'),
      exp(['XSETID', 's', '10-1', 'ENTRIESADDED', '0'], '+OK'),
      exact(['XINFO', 'STREAM', 's']),
      exp(['XSETID', 's', '1-0'], '+OK'),
      exact(['XINFO', 'STREAM', 's']),
      exp(['XSETID', 's'], ARITY('xsetid')),
      ['SET', 'str', 'x'],
      exp(['XSETID', 'str', '1-0'], WRONGTYPE),
    ));

  test('TYPE, OBJECT ENCODING, COPY, RENAME, WRONGTYPE from other types', () =>
    d.check(
      ['XADD', 's', '1-0', 'f', 'v'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'],
      exp(['TYPE', 's'], '+stream'),
      exp(['OBJECT', 'ENCODING', 's'], '"stream"'),
      exp(['COPY', 's', 'copy'], ':1'),
      norm(['XINFO', 'STREAM', 'copy', 'FULL'], clock),
      ['XADD', 'copy', '2-0', 'f', 'v'],
      exp(['XLEN', 's'], ':1'),
      exp(['RENAME', 'copy', 'moved'], '+OK'),
      norm(['XINFO', 'STREAM', 'moved', 'FULL'], clock),
      exp(['GET', 's'], WRONGTYPE),
      exp(['LPUSH', 's', 'x'], WRONGTYPE),
      exp(['HSET', 's', 'a', 'b'], WRONGTYPE),
      exp(['SADD', 's', 'x'], WRONGTYPE),
      exp(['ZADD', 's', '1', 'x'], WRONGTYPE),
      exact(['SORT', 's']),
      ['LPUSH', 'list', 'a'],
      exp(['XADD', 'list', '1-0', 'f', 'v'], WRONGTYPE),
      exp(['XLEN', 'list'], WRONGTYPE),
      exp(['XINFO', 'STREAM', 'list'], WRONGTYPE),
      exp(['SET', 's', 'plain'], '+OK'),
      exp(['TYPE', 's'], '+string'),
      exp(['DEL', 'moved'], ':1'),
    ));

  test('keyspace events (class t) for every stream write', async () => {
    await d.check(cfg('notify-keyspace-events', 'KEtgn'));
    const sub = await d.session();
    await sub.both('PSUBSCRIBE', '__key*__:*');
    const script: Arg[][] = [
      ['XADD', 's', '1-0', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '1', '2-0', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '5', '3-0', 'f', 'v'],
      ['XTRIM', 's', 'MAXLEN', '5'],
      ['XTRIM', 's', 'MAXLEN', '0'],
      ['XADD', 's', '4-0', 'f', 'v'],
      ['XDEL', 's', '9-0'],
      ['XDEL', 's', '4-0'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XGROUP', 'CREATE', 'm', 'g', '$', 'MKSTREAM'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c'],
      ['XADD', 's', '5-0', 'f', 'v'],
      ['XREADGROUP', 'GROUP', 'g', 'd', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'd', 'STREAMS', 's', '>'],
      ['XCLAIM', 's', 'g', 'e', '0', '5-0'],
      ['XAUTOCLAIM', 's', 'g', 'f', '0', '0'],
      ['XACK', 's', 'g', '5-0'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'c'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'zz'],
      ['XGROUP', 'DESTROY', 's', 'g'],
      ['XSETID', 's', '10-0'],
      ['DEL', 's'],
    ];
    const transcript = { ref: [] as string[], target: [] as string[] };
    for (const cmd of script) {
      const { ref, target } = await d.main.both(...cmd);
      expect(formatReply(maskClock(target)), `reply to ${cmd.join(' ')}`).toBe(formatReply(maskClock(ref)));
      // PING on the subscriber is a barrier: everything published before it has arrived.
      for (const side of ['ref', 'target'] as const) {
        const client = sub[side];
        client.send('PING');
        transcript[side].push(`> ${cmd.join(' ')}`);
        for (;;) {
          const r = await client.read();
          const f = formatReply(r);
          if (/pong/i.test(f)) break;
          transcript[side].push(f);
        }
      }
    }
    expect(transcript.target).toEqual(transcript.ref);
    expect(transcript.ref.filter((l) => l.includes('xgroup-createconsumer')).length).toBeGreaterThan(0);
  });

  test('client-side caching: stream writes invalidate, XREADGROUP does not', async () => {
    if (protocol !== 3) return;
    const t = await d.session();
    await t.both('CLIENT', 'TRACKING', 'on');
    const writer = d.main;
    await writer.both('XADD', 's', '1-0', 'f', 'v');
    await writer.both('XGROUP', 'CREATE', 's', 'g', '0');
    const steps: Array<[Arg[], boolean]> = [
      [['XADD', 's', '2-0', 'f', 'v'], true],
      [['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'], false],
      [['XACK', 's', 'g', '1-0'], false],
      [['XDEL', 's', '1-0'], true],
      [['XTRIM', 's', 'MAXLEN', '0'], true],
      // Redis 7.0's XSETID does not signal the key as modified.
      [['XSETID', 's', '5-0'], false],
      [['XADD', 's', '6-0', 'f', 'v'], true],
      [['XGROUP', 'CREATECONSUMER', 's', 'g', 'x'], false],
    ];
    for (const [cmd, invalidates] of steps) {
      const ref = await t.both('XLEN', 's'); // read: tracked
      expect(formatReply(ref.target)).toBe(formatReply(ref.ref));
      await writer.both(...cmd);
      for (const side of ['ref', 'target'] as const) {
        t[side].send('PING');
        const got: string[] = [];
        for (;;) {
          const f = formatReply(await t[side].read());
          if (f === '+PONG') break;
          got.push(f);
        }
        expect(got.length > 0, `${side}: ${cmd.join(' ')} ${got.join(' ')}`).toBe(invalidates);
      }
    }
  });

  test('seeded random operation scripts', async () => {
    for (const seed of [1, 2, 3]) {
      await d.reset();
      const rand = rng(seed * 7919);
      const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
      const int = (n: number) => Math.floor(rand() * n);
      await d.check(cfg('stream-node-max-entries', String(1 + int(6))), cfg('stream-node-max-bytes', pick(['4096', '120', '300'])));
      let ms = 1;
      const keys = ['s1', 's2'];
      const groups = ['g1', 'g2'];
      const consumers = ['c1', 'c2', 'c3'];
      const id = () => `${1 + int(ms + 2)}-${int(3)}`;
      const steps: StepSpec[] = [];
      for (const k of keys) for (const g of groups) steps.push(exact(['XGROUP', 'CREATE', k, g, '0', 'MKSTREAM']));
      for (let i = 0; i < 400; i++) {
        const k = pick(keys);
        const g = pick(groups);
        const c = pick(consumers);
        const r = rand();
        const fields = pick([['a', String(int(100))], ['a', String(int(100)), 'b', 'x'.repeat(int(40))], ['z', 'w']]);
        let cmd: Arg[];
        if (r < 0.3) {
          ms += int(3);
          const idArg = pick([`${ms}-*`, `${ms}-${int(5)}`, String(ms)]);
          const trim = pick([[], [], ['MAXLEN', String(5 + int(20))], ['MAXLEN', '~', String(int(20))], ['MINID', '~', id()], ['MINID', id()]]);
          cmd = ['XADD', k, ...trim, idArg, ...fields];
        } else if (r < 0.38) cmd = ['XDEL', k, id(), id()];
        else if (r < 0.42) cmd = ['XTRIM', k, ...pick([['MAXLEN', String(int(30))], ['MINID', id()], ['MAXLEN', '~', String(int(30)), 'LIMIT', String(int(10))]])];
        else if (r < 0.5) cmd = ['XRANGE', k, pick(['-', id(), `(${id()}`]), pick(['+', id()]), 'COUNT', String(1 + int(5))];
        else if (r < 0.54) cmd = ['XREVRANGE', k, '+', pick(['-', id()])];
        else if (r < 0.64) cmd = ['XREADGROUP', 'GROUP', g, c, 'COUNT', String(1 + int(4)), ...(rand() < 0.2 ? ['NOACK'] : []), 'STREAMS', k, pick(['>', '>', '0', id()])];
        else if (r < 0.7) cmd = ['XACK', k, g, id(), id()];
        else if (r < 0.74) cmd = ['XCLAIM', k, g, c, '0', id(), id(), ...pick([[], ['JUSTID'], ['FORCE'], ['RETRYCOUNT', '3'], ['LASTID', id()]])];
        else if (r < 0.78) cmd = ['XAUTOCLAIM', k, g, c, '0', pick(['0', id()]), 'COUNT', String(1 + int(4)), ...(rand() < 0.3 ? ['JUSTID'] : [])];
        else if (r < 0.82) cmd = ['XPENDING', k, g];
        else if (r < 0.85) cmd = ['XINFO', 'GROUPS', k];
        else if (r < 0.88) cmd = ['XINFO', 'STREAM', k];
        else if (r < 0.9) cmd = ['XGROUP', 'SETID', k, g, pick(['0', '$', id()])];
        else if (r < 0.92) cmd = ['XGROUP', 'DELCONSUMER', k, g, c];
        else if (r < 0.95) cmd = ['XREAD', 'COUNT', String(1 + int(3)), 'STREAMS', ...keys, id(), id()];
        else if (r < 0.97) cmd = ['XSETID', k, `${ms + int(2)}-${int(3)}`, ...(rand() < 0.5 ? ['MAXDELETEDID', id()] : [])];
        else cmd = ['XLEN', k];
        steps.push(cmd[0] === 'XPENDING' || cmd[0] === 'XINFO' ? exact(cmd) : norm(cmd, clock));
      }
      for (const k of keys) {
        steps.push(norm(['XINFO', 'STREAM', k, 'FULL', 'COUNT', '0'], clock), exact(['XINFO', 'STREAM', k]), exact(['XINFO', 'GROUPS', k]));
      }
      await d.check(...steps);
    }
  });
});

describe('XINFO CONSUMERS idle and XPENDING idle track time', () => {
  const d = useDifferential({ protocol: 2 });
  test('idle grows, and a read or claim resets it', async () => {
    await d.check(['XADD', 's', '1-0', 'f', 'v'], ['XGROUP', 'CREATE', 's', 'g', '0'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>']);
    await sleep(300);
    await d.check(
      norm(['XINFO', 'CONSUMERS', 's', 'g'], N.each(N.compose((r) => r, idleAtLeast(250)))),
      norm(['XPENDING', 's', 'g', '-', '+', '10'], N.each(N.at(2, atLeast(250)))),
      ['XCLAIM', 's', 'g', 'c', '0', '1-0', 'JUSTID'],
      norm(['XPENDING', 's', 'g', '-', '+', '10'], pendingIdle),
      norm(['XPENDING', 's', 'g', 'IDLE', '200', '-', '+', '10'], pendingIdle),
    );
  });
});

/** Integers >= min become a marker (so Redis and Tachyon compare equal when both are). */
function atLeast(min: number): Normalizer {
  return (r) => (r.type === 'integer' && r.value >= BigInt(min) && r.value < 60_000n ? { type: 'simple', value: `>=${min}` } : r);
}

/** The "idle" field of a consumer map/pairs, at least min. */
function idleAtLeast(min: number): Normalizer {
  const inner = atLeast(min);
  return (r) => {
    if (r.type === 'map') return { type: 'map', value: r.value.map(([k, v]) => [k, formatReply(k) === '"idle"' ? inner(v, v) : v] as [Reply, Reply]) };
    if (r.type === 'array' && r.value) {
      return { type: 'array', value: r.value.map((v, i) => (i > 0 && r.value && formatReply(r.value[i - 1]) === '"idle"' ? inner(v, v) : v)) };
    }
    return r;
  };
}
