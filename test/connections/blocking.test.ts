/**
 * Blocking commands (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX
 * BZMPOP) and their scheduler (src/features/blocking.ts):
 *
 *  - compared reply-for-reply against a real redis-server 7.0 in RESP2 and
 *    RESP3: immediate serving, reply shapes, errors and their order, EXEC;
 *  - with several sessions against both servers: blocked clients served by
 *    pushes from others, FIFO order, MULTI/EXEC, keys deleted or retyped while
 *    waited on, BLMOVE chains, timeouts, CLIENT UNBLOCK, pipelines;
 *  - against Tachyon alone through ioredis and node-redis.
 */
import Redis from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from '../../src/index';
import {
  PROTOCOLS,
  exp,
  useDifferential,
  type Differential,
  type Session,
} from '../helpers/differential';
import { waitClientLines } from '../helpers/blocked';
import { formatReply, sleep } from '../helpers/resp';
import { WRONGTYPE, SYNTAX } from '../helpers/replies';

const NOT_FLOAT = '-ERR timeout is not a float or out of range';
const NEGATIVE = '-ERR timeout is negative';

const BLOCKING_CMD = /\bcmd=(blpop|brpop|blmove|brpoplpush|blmpop|bzpopmin|bzpopmax|bzmpop)\b/;

/**
 * Waits until `n` connections on each server have a blocking command as their
 * last command (fresh sessions only: that is when they are parked).
 */
const waitBlocked = (d: Differential, n: number) => waitClientLines(d, n, (l) => BLOCKING_CMD.test(l));

/** CLIENT ID of both sides of a session. */
async function clientIds(s: Session): Promise<{ ref: string; target: string }> {
  const [r, t] = await Promise.all([s.ref.call('CLIENT', 'ID'), s.target.call('CLIENT', 'ID')]);
  return { ref: String((r as { value: bigint }).value), target: String((t as { value: bigint }).value) };
}

describe.each(PROTOCOLS)('blocking commands, served at once (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  const NIL_ARRAY = protocol === 2 ? '*nil' : '_';
  const NIL = protocol === 2 ? 'nil' : '_';

  test('BLPOP / BRPOP with data: [key, element], first non-empty key, emptied lists deleted', () =>
    d.check(
      exp(['RPUSH', 'l1', 'a', 'b', 'c'], ':3'),
      exp(['BLPOP', 'l1', '0'], '["l1", "a"]'),
      exp(['BRPOP', 'l1', '0'], '["l1", "c"]'),
      exp(['RPUSH', 'l2', '1', '22', '-3'], ':3'),
      exp(['BLPOP', 'nokey', 'l2', 'l1', '1'], '["l2", "1"]'),
      exp(['BRPOP', 'nokey', 'l2', 'l1', '0.5'], '["l2", "-3"]'),
      exp(['BLPOP', 'l1', '0'], '["l1", "b"]'),
      exp(['EXISTS', 'l1'], ':0'),
      exp(['BLPOP', 'l2', 'l2', '0'], '["l2", "22"]'),
      exp(['EXISTS', 'l2'], ':0'),
      ['RPUSH', 'big', 'x'.repeat(100), '12345678901234567890'],
      exp(['BRPOP', 'big', '0'], '["big", "12345678901234567890"]'),
    ));

  test('BLPOP / BRPOP errors: timeout, WRONGTYPE order, arity', () =>
    d.check(
      ['RPUSH', 'l', 'a'],
      ['SET', 's', 'str'],
      exp(['BLPOP', 'l', 'abc'], NOT_FLOAT),
      exp(['BLPOP', 'l', '-1'], NEGATIVE),
      exp(['BLPOP', 'l', '-0.5'], NEGATIVE),
      exp(['BLPOP', 'l', ''], NOT_FLOAT),
      exp(['BLPOP', 'l', ' 1'], NOT_FLOAT),
      exp(['BLPOP', 'l', '1 '], NOT_FLOAT),
      exp(['BLPOP', 'l', 'nan'], NOT_FLOAT),
      // Redis 7.0: milliseconds that do not fit a long long come out negative.
      exp(['BLPOP', 'l', '1e400'], NEGATIVE),
      exp(['BLPOP', 'l', '99999999999999999999'], NEGATIVE),
      exp(['BLPOP', 'l', 'inf'], NEGATIVE),
      // The key before a list with data holds another type: WRONGTYPE, nothing popped.
      exp(['BLPOP', 's', 'l', '0'], WRONGTYPE),
      exp(['BRPOP', 'nokey', 's', '0'], WRONGTYPE),
      exp(['LLEN', 'l'], ':1'),
      // ... but a list with data before it is served.
      exp(['BLPOP', 'l', 's', '0'], '["l", "a"]'),
      // Milliseconds are rounded up: -0.0001 s is 0, "forever", not negative.
      ['RPUSH', 'l', 'b', 'c', 'd', 'e'],
      exp(['BLPOP', 'l', '-0.0001'], '["l", "b"]'),
      exp(['BLPOP', 'l', '0x10'], '["l", "c"]'),
      exp(['BLPOP', 'l', '.5'], '["l", "d"]'),
      exp(['BLPOP', 'l', '1e-3'], '["l", "e"]'),
      exp(['BLPOP', 'l'], "-ERR wrong number of arguments for 'blpop' command"),
      exp(['BRPOP'], "-ERR wrong number of arguments for 'brpop' command"),
    ));

  test('BLMOVE / BRPOPLPUSH with data', () =>
    d.check(
      ['RPUSH', 'src', 'a', 'b', 'c'],
      exp(['BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', '0'], '"a"'),
      exp(['BLMOVE', 'src', 'dst', 'right', 'left', '0.1'], '"c"'),
      exp(['LRANGE', 'dst', '0', '-1'], '["c", "a"]'),
      exp(['BRPOPLPUSH', 'src', 'dst', '0'], '"b"'),
      exp(['EXISTS', 'src'], ':0'),
      exp(['LRANGE', 'dst', '0', '-1'], '["b", "c", "a"]'),
      // Rotation of one list.
      exp(['BLMOVE', 'dst', 'dst', 'LEFT', 'RIGHT', '0'], '"b"'),
      exp(['LRANGE', 'dst', '0', '-1'], '["c", "a", "b"]'),
      ['SET', 's', 'x'],
      exp(['BLMOVE', 'dst', 's', 'LEFT', 'LEFT', '0'], WRONGTYPE),
      exp(['BRPOPLPUSH', 's', 'dst', '0'], WRONGTYPE),
      exp(['BLMOVE', 's', 'dst', 'LEFT', 'LEFT', '0'], WRONGTYPE),
      exp(['LRANGE', 'dst', '0', '-1'], '["c", "a", "b"]'),
      exp(['BLMOVE', 'dst', 'x', 'UP', 'LEFT', '0'], SYNTAX),
      exp(['BLMOVE', 'dst', 'x', 'LEFT', 'DOWN', 'abc'], SYNTAX),
      exp(['BLMOVE', 'dst', 'x', 'LEFT', 'LEFT', 'abc'], NOT_FLOAT),
      exp(['BRPOPLPUSH', 'dst', 'x', '-1'], NEGATIVE),
      exp(['BRPOPLPUSH', 'nokey', 'x', 'nan'], NOT_FLOAT),
    ));

  test('BLMPOP with data and its errors', () =>
    d.check(
      ['RPUSH', 'l', 'a', 'b', 'c', 'd'],
      exp(['BLMPOP', '0', '2', 'nokey', 'l', 'LEFT'], '["l", ["a"]]'),
      exp(['BLMPOP', '0', '1', 'l', 'RIGHT', 'COUNT', '2'], '["l", ["d", "c"]]'),
      exp(['BLMPOP', '0.5', '1', 'l', 'left', 'count', '10'], '["l", ["b"]]'),
      exp(['EXISTS', 'l'], ':0'),
      ['SET', 's', 'x'],
      exp(['BLMPOP', '0', '2', 's', 'l', 'LEFT'], WRONGTYPE),
      exp(['BLMPOP', '0', '0', 'l', 'LEFT'], '-ERR numkeys should be greater than 0'),
      exp(['BLMPOP', '0', 'x', 'l', 'LEFT'], '-ERR numkeys should be greater than 0'),
      exp(['BLMPOP', '0', '3', 'l', 'LEFT'], SYNTAX),
      exp(['BLMPOP', '0', '1', 'l', 'MIDDLE'], SYNTAX),
      exp(['BLMPOP', '0', '1', 'l', 'LEFT', 'COUNT', '0'], '-ERR count should be greater than 0'),
      exp(['BLMPOP', '0', '1', 'l', 'LEFT', 'COUNT'], SYNTAX),
      exp(['BLMPOP', '0', '1', 'l', 'LEFT', 'COUNT', '1', 'COUNT', '1'], SYNTAX),
      // Arguments are checked before the timeout.
      exp(['BLMPOP', '-1', '1', 'l', 'MIDDLE'], SYNTAX),
      exp(['BLMPOP', '-1', '1', 'l', 'LEFT'], NEGATIVE),
      exp(['BLMPOP', 'x', '1', 'l', 'LEFT'], NOT_FLOAT),
    ));

  test('BZPOPMIN / BZPOPMAX / BZMPOP with data and their errors', () =>
    d.check(
      ['ZADD', 'z', '1', 'a', '2.5', 'b', '3', 'c', '4', 'd'],
      exp(['BZPOPMIN', 'z', '0'], protocol === 2 ? '["z", "a", "1"]' : '["z", "a", ,1]'),
      exp(['BZPOPMAX', 'nokey', 'z', '0'], protocol === 2 ? '["z", "d", "4"]' : '["z", "d", ,4]'),
      exp(['BZMPOP', '0', '1', 'z', 'MIN'], protocol === 2 ? '["z", [["b", "2.5"]]]' : '["z", [["b", ,2.5]]]'),
      ['ZADD', 'z', '-1', 'm', 'inf', 'i'],
      ['BZMPOP', '0.1', '2', 'nokey', 'z', 'MAX', 'COUNT', '2'],
      ['BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '5'],
      exp(['EXISTS', 'z'], ':0'),
      ['SET', 's', 'x'],
      exp(['BZPOPMIN', 's', '0'], WRONGTYPE),
      exp(['BZMPOP', '0', '1', 's', 'MIN'], WRONGTYPE),
      exp(['BZPOPMIN', 'z', 'x'], NOT_FLOAT),
      exp(['BZPOPMAX', 'z', '-2'], NEGATIVE),
      exp(['BZMPOP', '0', '0', 'z', 'MIN'], '-ERR numkeys should be greater than 0'),
      exp(['BZMPOP', '0', '1', 'z', 'LEFT'], SYNTAX),
      exp(['BZMPOP', '0', '2', 'z', 'MIN'], SYNTAX),
      exp(['BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '-1'], '-ERR count should be greater than 0'),
      exp(['BZMPOP', '-1', '1', 'z', 'MIN'], NEGATIVE),
      exp(['BZMPOP', '0', '1', 'z'], "-ERR wrong number of arguments for 'bzmpop' command"),
    ));

  test('inside MULTI/EXEC an empty key answers like a timeout at once', () =>
    d.check(
      ['MULTI'],
      ['BLPOP', 'nokey', '0'],
      ['BRPOP', 'nokey', '100'],
      ['BLMOVE', 'nokey', 'dst', 'LEFT', 'LEFT', '0'],
      ['BRPOPLPUSH', 'nokey', 'dst', '0'],
      ['BLMPOP', '0', '1', 'nokey', 'LEFT'],
      ['BZPOPMIN', 'nokey', '0'],
      ['BZPOPMAX', 'nokey', '0'],
      ['BZMPOP', '0', '1', 'nokey', 'MAX'],
      ['RPUSH', 'l', 'x'],
      ['BLPOP', 'l', '0'],
      exp(
        ['EXEC'],
        `[${NIL_ARRAY}, ${NIL_ARRAY}, ${NIL}, ${NIL}, ${NIL_ARRAY}, ${NIL_ARRAY}, ${NIL_ARRAY}, ${NIL_ARRAY}, :1, ["l", "x"]]`,
      ),
    ));

  test('timeouts reply a null array (BLMOVE and BRPOPLPUSH too)', () =>
    d.check(
      exp(['BLPOP', 'nokey', '0.05'], NIL_ARRAY),
      exp(['BRPOP', 'nokey', 'nokey2', '0.01'], NIL_ARRAY),
      exp(['BLMOVE', 'nokey', 'dst', 'LEFT', 'RIGHT', '0.02'], NIL_ARRAY),
      exp(['BRPOPLPUSH', 'nokey', 'dst', '0.02'], NIL_ARRAY),
      exp(['BLMPOP', '0.02', '1', 'nokey', 'LEFT', 'COUNT', '3'], NIL_ARRAY),
      exp(['BZPOPMIN', 'nokey', '0.02'], NIL_ARRAY),
      exp(['BZMPOP', '0.001', '1', 'nokey', 'MIN'], NIL_ARRAY),
      exp(['EXISTS', 'dst'], ':0'),
      exp(['PING'], '+PONG'),
    ));
});

describe.each(PROTOCOLS)('blocked clients served by other clients (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  const NIL_ARRAY = protocol === 2 ? '*nil' : '_';
  const score = (s: string) => (protocol === 2 ? `"${s}"` : `,${s}`);

  test('BLPOP waits for a push; the pusher and the list see the pop', async () => {
    const a = d.main;
    const b = await d.session();
    a.send('BLPOP', 'k', '0');
    await waitBlocked(d, 1);
    await a.silent();
    await b.call(['RPUSH', 'k', 'v1', 'v2'], ':2');
    await a.reply('["k", "v1"]');
    await b.call(['LRANGE', 'k', '0', '-1'], '["v2"]');
    // The served client goes on normally.
    await a.call(['PING'], '+PONG');
  });

  test('FIFO: three clients blocked on one key are served in the order they blocked', async () => {
    const [a, b, c, p] = [d.main, await d.session(), await d.session(), await d.session()];
    a.send('BRPOP', 'q', '0');
    await waitBlocked(d, 1);
    b.send('BRPOP', 'q', 'other', '0');
    await waitBlocked(d, 2);
    c.send('BLPOP', 'other', 'q', '0');
    await waitBlocked(d, 3);
    await p.call(['LPUSH', 'q', 'x'], ':1');
    await a.reply('["q", "x"]');
    await b.silent();
    await p.call(['RPUSH', 'q', 'y', 'z'], ':2');
    await b.reply('["q", "z"]');
    await c.reply('["q", "y"]');
    await p.call(['EXISTS', 'q'], ':0');
    // Only as many clients as elements: the last one keeps waiting.
    a.send('BLPOP', 'q', '0');
    b.send('BLPOP', 'q', '0');
    await sleep(50);
    await p.call(['RPUSH', 'q', '1'], ':1');
    await a.reply('["q", "1"]');
    await b.silent();
    await p.call(['RPUSH', 'q', '2'], ':1');
    await b.reply('["q", "2"]');
  });

  test('pushes inside MULTI/EXEC wake the client only after EXEC; a list emptied again does not', async () => {
    const [a, p] = [d.main, await d.session()];
    a.send('BLPOP', 'k', '0');
    await waitBlocked(d, 1);
    await p.call(['MULTI'], '+OK');
    await p.call(['RPUSH', 'k', 'a'], '+QUEUED');
    await p.call(['RPUSH', 'k', 'b'], '+QUEUED');
    await a.silent();
    await p.call(['EXEC'], '[:1, :2]');
    await a.reply('["k", "a"]');
    await p.call(['LRANGE', 'k', '0', '-1'], '["b"]');
    // Pushed and removed in one transaction: nothing to serve, still blocked.
    a.send('BLPOP', 'k2', '0');
    await sleep(50);
    await p.call(['MULTI'], '+OK');
    await p.call(['RPUSH', 'k2', 'x'], '+QUEUED');
    await p.call(['DEL', 'k2'], '+QUEUED');
    await p.call(['EXEC'], '[:1, :1]');
    await a.silent();
    await p.call(['RPUSH', 'k2', 'y'], ':1');
    await a.reply('["k2", "y"]');
  });

  test('a key deleted or given another type while waited on leaves the client blocked', async () => {
    const [a, z, p] = [d.main, await d.session(), await d.session()];
    a.send('BLPOP', 'k', '0');
    await waitBlocked(d, 1);
    await p.call(['SET', 'k', 'string'], '+OK');
    await a.silent();
    await p.call(['DEL', 'k'], ':1');
    await p.call(['ZADD', 'k', '1', 'm'], ':1');
    await a.silent();
    // A zset waiter on the same key is served by the zset; the list waiter stays.
    z.send('BZPOPMIN', 'k', '0');
    await z.reply(`["k", "m", ${score('1')}]`);
    z.send('BZPOPMAX', 'k', '0');
    await waitBlocked(d, 2);
    await p.call(['RPUSH', 'k', 'v'], ':1');
    await a.reply('["k", "v"]');
    await z.silent();
    await p.call(['ZADD', 'k', '5', 'five', '7', 'seven'], ':2');
    await z.reply(`["k", "seven", ${score('7')}]`);
    await p.call(['ZRANGE', 'k', '0', '-1'], '["five"]');
  });

  test('waiters of both kinds on one key: each is served by data of its type', async () => {
    const [zc, lc, p] = [d.main, await d.session(), await d.session()];
    zc.send('BZPOPMIN', 'mixed', '0');
    await waitBlocked(d, 1);
    lc.send('BLPOP', 'mixed', '0');
    await waitBlocked(d, 2);
    await p.call(['RPUSH', 'mixed', 'v'], ':1');
    await lc.reply('["mixed", "v"]');
    await zc.silent();
    await p.call(['ZADD', 'mixed', '2', 'two'], ':1');
    await zc.reply(`["mixed", "two", ${score('2')}]`);
  });

  test('BLMOVE chains: a push travels through every waiting BLMOVE', async () => {
    const [a, b, c, p] = [d.main, await d.session(), await d.session(), await d.session()];
    a.send('BLMOVE', 'l1', 'l2', 'LEFT', 'RIGHT', '0');
    await waitBlocked(d, 1);
    b.send('BRPOPLPUSH', 'l2', 'l3', '0');
    await waitBlocked(d, 2);
    c.send('BLPOP', 'l3', '0');
    await waitBlocked(d, 3);
    await p.call(['RPUSH', 'l1', 'x'], ':1');
    await a.reply('"x"');
    await b.reply('"x"');
    await c.reply('["l3", "x"]');
    await p.call(['EXISTS', 'l1', 'l2', 'l3'], ':0');
    // A destination of another type: the waiter gets WRONGTYPE, the source keeps its element.
    a.send('BLMOVE', 'src', 'str', 'LEFT', 'LEFT', '0');
    await sleep(50);
    await p.call(['SET', 'str', 'x'], '+OK');
    await p.call(['RPUSH', 'src', 'e'], ':1');
    await a.reply(WRONGTYPE);
    await p.call(['LRANGE', 'src', '0', '-1'], '["e"]');
  });

  test('BLMPOP and BZMPOP served with COUNT; BZPOPMIN by ZADD', async () => {
    const [a, b, p] = [d.main, await d.session(), await d.session()];
    a.send('BLMPOP', '0', '2', 'l1', 'l2', 'RIGHT', 'COUNT', '2');
    b.send('BZMPOP', '0', '2', 'z1', 'z2', 'MAX', 'COUNT', '5');
    await waitBlocked(d, 2);
    await p.call(['RPUSH', 'l2', 'a', 'b', 'c'], ':3');
    await a.reply('["l2", ["c", "b"]]');
    await p.call(['ZADD', 'z2', '1', 'one', '2', 'two'], ':2');
    await b.reply(protocol === 2 ? '["z2", [["two", "2"], ["one", "1"]]]' : '["z2", [["two", ,2], ["one", ,1]]]');
    await p.call(['EXISTS', 'z2'], ':0');
    a.send('BZPOPMIN', 'z3', '0');
    await sleep(50);
    await p.call(['ZADD', 'z3', '3', 'c', '1', 'a'], ':2');
    await a.reply(`["z3", "a", ${score('1')}]`);
  });

  test('clients blocked on several keys are served from the key that got data', async () => {
    const [a, p] = [d.main, await d.session()];
    a.send('BLPOP', 'k1', 'k2', 'k3', '0');
    await waitBlocked(d, 1);
    await p.call(['RPUSH', 'k3', 'v'], ':1');
    await a.reply('["k3", "v"]');
  });

  test('a blocked client in another database is not served by a push in this one', async () => {
    const [a, p] = [d.main, await d.session()];
    await a.call(['SELECT', '1'], '+OK');
    a.send('BLPOP', 'k', '0');
    await waitBlocked(d, 1);
    await p.call(['RPUSH', 'k', 'db0'], ':1');
    await a.silent();
    await p.call(['SELECT', '1'], '+OK');
    await p.call(['RPUSH', 'k', 'db1'], ':1');
    await a.reply('["k", "db1"]');
    await p.call(['SELECT', '0'], '+OK');
    await p.call(['LRANGE', 'k', '0', '-1'], '["db0"]');
  });

  test('timeouts: fractional, with a push after the deadline finding nobody', async () => {
    const [a, p] = [d.main, await d.session()];
    const start = Date.now();
    a.send('BLPOP', 'k', '0.15');
    await a.reply(NIL_ARRAY);
    expect(Date.now() - start).toBeGreaterThanOrEqual(140);
    await p.call(['RPUSH', 'k', 'x'], ':1');
    await p.call(['LLEN', 'k'], ':1');
    a.send('BZPOPMAX', 'zz', '0.1');
    a.send('PING');
    await a.reply(NIL_ARRAY);
    await a.reply('+PONG');
  });

  test('commands pipelined after a blocking command wait, then run in order', async () => {
    const [a, p] = [d.main, await d.session()];
    a.send('BLPOP', 'k', '0');
    a.send('SET', 'after', '1');
    a.send('GET', 'after');
    await waitBlocked(d, 1);
    await a.silent();
    await p.call(['EXISTS', 'after'], ':0');
    await p.call(['RPUSH', 'k', 'v'], ':1');
    await a.reply('["k", "v"]');
    await a.reply('+OK');
    await a.reply('"1"');
  });

  test('CLIENT UNBLOCK: TIMEOUT and ERROR replies, 1 / 0, argument errors', async () => {
    const [a, admin] = [d.main, await d.session()];
    const ids = await clientIds(a);
    const unblock = async (extra: string[], expected: string) => {
      const [r, t] = await Promise.all([
        admin.ref.call('CLIENT', 'UNBLOCK', ids.ref, ...extra),
        admin.target.call('CLIENT', 'UNBLOCK', ids.target, ...extra),
      ]);
      expect(formatReply(r)).toBe(expected);
      expect(formatReply(t)).toBe(expected);
    };
    await unblock([], ':0'); // not blocked
    a.send('BLPOP', 'k', '0');
    await waitBlocked(d, 1);
    await unblock(['TIMEOUT'], ':1');
    await a.reply(NIL_ARRAY);
    a.send('BZPOPMIN', 'k', '0');
    await sleep(50);
    await unblock([], ':1');
    await a.reply(NIL_ARRAY);
    a.send('BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0');
    a.send('PING');
    await sleep(50);
    await unblock(['error'], ':1');
    await a.reply('-UNBLOCKED client unblocked via CLIENT UNBLOCK');
    await a.reply('+PONG');
    await unblock(['error'], ':0');
    await admin.call(['CLIENT', 'UNBLOCK', '1', 'maybe'], '-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
    await admin.call(['CLIENT', 'UNBLOCK', 'abc'], '-ERR value is not an integer or out of range');
    await admin.call(['CLIENT', 'UNBLOCK', '99999999'], ':0');
    await admin.call(['CLIENT', 'UNBLOCK', '-5', 'TIMEOUT'], ':0');
    await admin.call(['CLIENT', 'UNBLOCK'], "-ERR wrong number of arguments for 'client|unblock' command");
    await admin.call(
      ['CLIENT', 'UNBLOCK', '1', 'TIMEOUT', 'x'],
      "-ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP.",
    );
    // The unblocked client is no longer waiting: a push stays in the list.
    await admin.call(['RPUSH', 'k', 'v'], ':1');
    await admin.call(['LLEN', 'k'], ':1');
  });

  // Redis 7.0 serves a client blocked on several keys from the key that became ready first.
  test('several keys made ready in one transaction: served from the first ready key', async () => {
    const [a, p] = [d.main, await d.session()];
    a.send('BLPOP', 'k1', 'k2', '0');
    await waitBlocked(d, 1);
    await p.call(['MULTI'], '+OK');
    await p.call(['RPUSH', 'k2', 'x'], '+QUEUED');
    await p.call(['RPUSH', 'k1', 'y'], '+QUEUED');
    await p.call(['EXEC'], '[:1, :1]');
    await a.reply('["k2", "x"]');
  });

  // Redis serves every blocked client before a served client's pipeline goes
  // on (processUnblockedClients runs in beforeSleep); so does Tachyon's scheduler.
  test('a served client’s next pipelined BLPOP queues behind clients already waiting', async () => {
    const [a, b, p] = [d.main, await d.session(), await d.session()];
    a.send('BLPOP', 'k', '0');
    a.send('BLPOP', 'k', '0');
    await waitBlocked(d, 1);
    b.send('BLPOP', 'k', '0');
    await waitBlocked(d, 2);
    await p.call(['RPUSH', 'k', 'x', 'y'], ':2');
    await a.reply('["k", "x"]');
    await b.reply('["k", "y"]');
    await a.silent();
  });
});

describe('blocking through client libraries (Tachyon only)', () => {
  let srv: RunningServer;
  const clients: Redis[] = [];
  const open = async (): Promise<Redis> => {
    const r = new Redis({ port: srv.port, host: srv.host, lazyConnect: true, maxRetriesPerRequest: 0 });
    await r.connect();
    clients.push(r);
    return r;
  };
  const blocked = () => srv.server.blocking.blockedCount;
  const until = async (cond: () => boolean, ms = 3000) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('condition not reached');
      await sleep(2);
    }
  };

  beforeAll(async () => {
    srv = await startServer({ port: 0 });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await srv.close();
  });

  test('ioredis: BLPOP / BRPOP / BZPOPMIN with a pusher, timeout 0 waits as long as needed', async () => {
    const [w1, w2, w3, p] = [await open(), await open(), await open(), await open()];
    const r1 = w1.blpop('io:l', 0);
    const r2 = w2.brpop('io:l', 0);
    const r3 = w3.bzpopmin('io:z', 0);
    await until(() => blocked() === 3);
    await sleep(150);
    expect(blocked()).toBe(3);
    await p.rpush('io:l', 'a', 'b');
    await p.zadd('io:z', 1, 'm');
    expect(await r1).toEqual(['io:l', 'a']);
    expect(await r2).toEqual(['io:l', 'b']);
    expect(await r3).toEqual(['io:z', 'm', '1']);
    expect(blocked()).toBe(0);
  });

  test('ioredis: fractional timeout', async () => {
    const w = await open();
    const start = Date.now();
    expect(await w.blpop('io:none', 0.2)).toBeNull();
    const took = Date.now() - start;
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(1500);
    expect(await w.brpoplpush('io:none', 'io:dst', 0.05)).toBeNull();
    expect(blocked()).toBe(0);
    expect(srv.server.blocking.timeoutTableCount).toBe(0);
  });

  test('ioredis: a client that disconnects while blocked loses nothing', async () => {
    const w = await open();
    const p = await open();
    void w.blpop('io:gone', 0).catch(() => undefined);
    await until(() => blocked() === 1);
    w.disconnect();
    await until(() => blocked() === 0);
    await p.rpush('io:gone', 'kept');
    expect(await p.lrange('io:gone', 0, -1)).toEqual(['kept']);
  });

  test('ioredis: ten BLMOVE workers pass one element around a ring', async () => {
    const n = 10;
    const workers = await Promise.all(Array.from({ length: n }, () => open()));
    const p = await open();
    const hops: Promise<string | null>[] = workers.map((w, i) => w.blmove(`ring:${i}`, `ring:${(i + 1) % n}`, 'LEFT', 'RIGHT', 5));
    await until(() => blocked() === n);
    await p.rpush('ring:0', 'token');
    expect(await Promise.all(hops)).toEqual(Array(n).fill('token'));
    expect(await p.lrange('ring:0', 0, -1)).toEqual(['token']);
  });

  test('ioredis: CLIENT UNBLOCK from another client', async () => {
    const w = await open();
    const p = await open();
    const id = (await w.client('ID')) as number;
    const res = w.bzpopmax('io:unb', 0);
    await until(() => blocked() === 1);
    expect(await p.call('CLIENT', 'UNBLOCK', String(id), 'ERROR')).toBe(1);
    await expect(res).rejects.toThrow('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    expect(blocked()).toBe(0);
  });

  test('node-redis (RESP2 and RESP3): blPop / bzPopMin / blMove served by a pusher', async () => {
    for (const RESP of [2, 3] as const) {
      const url = `redis://${srv.host}:${srv.port}`;
      const w = createClient({ url, RESP });
      const p = createClient({ url, RESP });
      await Promise.all([w.connect(), p.connect()]);
      try {
        const pop = w.blPop(`nr${RESP}:l`, 0);
        await until(() => blocked() === 1);
        await p.rPush(`nr${RESP}:l`, 'x');
        expect(await pop).toEqual({ key: `nr${RESP}:l`, element: 'x' });
        const zpop = w.bzPopMin(`nr${RESP}:z`, 0);
        await until(() => blocked() === 1);
        await p.zAdd(`nr${RESP}:z`, { score: 1.5, value: 'm' });
        expect(await zpop).toEqual({ key: `nr${RESP}:z`, value: 'm', score: 1.5 });
        const move = w.blMove(`nr${RESP}:src`, `nr${RESP}:dst`, 'LEFT', 'RIGHT', 0);
        await until(() => blocked() === 1);
        await p.rPush(`nr${RESP}:src`, 'm1');
        expect(await move).toBe('m1');
        expect(await p.lRange(`nr${RESP}:dst`, 0, -1)).toEqual(['m1']);
        expect(await w.blPop(`nr${RESP}:none`, 0.05)).toBeNull();
      } finally {
        await Promise.all([w.close(), p.close()]);
      }
    }
  });

  test('blocked counters follow block, serve, timeout and disconnect', async () => {
    const [a, b, p] = [await open(), await open(), await open()];
    const ra = a.blpop('cnt:1', 'cnt:2', 'cnt:1', 0);
    const rb = b.blpop('cnt:2', 30);
    await until(() => blocked() === 2);
    expect(srv.server.blocking.timeoutTableCount).toBe(1);
    await p.rpush('cnt:2', 'v1', 'v2');
    expect(await ra).toEqual(['cnt:2', 'v1']);
    expect(await rb).toEqual(['cnt:2', 'v2']);
    expect(blocked()).toBe(0);
    expect(srv.server.blocking.timeoutTableCount).toBe(0);
  });
});
