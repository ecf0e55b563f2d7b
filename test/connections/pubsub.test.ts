/**
 * Pub/Sub (src/features/pubsub.ts):
 *
 *  - compared against a real redis-server 7.0 in RESP2 and RESP3 with one and
 *    several sessions: (un)subscribe confirmations and their counts, the
 *    unsubscribe-all replies (null channel when there is nothing to drop),
 *    subscriber mode in RESP2, message / pmessage / smessage delivery and
 *    ordering, binary names, PUBSUB introspection, MULTI/EXEC;
 *  - against Tachyon alone through ioredis and node-redis (RESP2 and RESP3).
 */
import Redis from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from '../../src/index';
import { N, PROTOCOLS, exp, norm, useDifferential, type Arg, type Session } from '../helpers/differential';
import { formatReply, sleep } from '../helpers/resp';

async function readN(c: Session['ref'], n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(formatReply(await c.read()));
  return out;
}

/** The next `n` replies, compared as a set (Redis's order comes from a hash table). */
async function unorderedReplies(s: Session, n: number, expected?: string[]): Promise<void> {
  const [r, t] = await Promise.all([readN(s.ref, n), readN(s.target, n)]);
  expect([...t].sort()).toEqual([...r].sort());
  if (expected) expect([...r].sort()).toEqual([...expected].sort());
}

/**
 * The `n` confirmations of an unsubscribe-all from channels: Redis walks a
 * hash table, so only the set of channels and the falling counts are compared.
 */
async function unsubscribeAllReplies(s: Session, n: number): Promise<void> {
  const [r, t] = await Promise.all([readN(s.ref, n), readN(s.target, n)]);
  const split = (all: string[]) => {
    const parts = all.map((x) => /^(>?\["s?unsubscribe", )(.*), (:\d+)\]$/.exec(x));
    expect(parts.every(Boolean), all.join(' ')).toBe(true);
    return { channels: parts.map((p) => p![1] + p![2]).sort(), counts: parts.map((p) => p![3]) };
  };
  expect(split(t)).toEqual(split(r));
}

async function run(s: Session, cmd: Arg[], expected: string[]): Promise<void> {
  s.send(...cmd);
  await s.replies(expected.length, expected);
}

describe.each(PROTOCOLS)('pub/sub (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  const P = protocol === 2 ? '' : '>';
  const NIL = protocol === 2 ? 'nil' : '_';
  /** A confirmation or message: an array in RESP2, a push in RESP3. */
  const m = (...parts: string[]) => `${P}[${parts.join(', ')}]`;

  test('confirmations and counts; unsubscribing from nothing still answers', async () => {
    const s = d.main;
    await run(s, ['UNSUBSCRIBE'], [m('"unsubscribe"', NIL, ':0')]);
    await run(s, ['PUNSUBSCRIBE'], [m('"punsubscribe"', NIL, ':0')]);
    await run(s, ['SUNSUBSCRIBE'], [m('"sunsubscribe"', NIL, ':0')]);
    await run(s, ['SUBSCRIBE', 'c1', 'c2', 'c1'], [
      m('"subscribe"', '"c1"', ':1'),
      m('"subscribe"', '"c2"', ':2'),
      m('"subscribe"', '"c1"', ':2'),
    ]);
    await run(s, ['PSUBSCRIBE', 'p*', 'p*', 'q?'], [
      m('"psubscribe"', '"p*"', ':3'),
      m('"psubscribe"', '"p*"', ':3'),
      m('"psubscribe"', '"q?"', ':4'),
    ]);
    // Shard channels are counted on their own.
    await run(s, ['SSUBSCRIBE', 's1', 's2'], [m('"ssubscribe"', '"s1"', ':1'), m('"ssubscribe"', '"s2"', ':2')]);
    await run(s, ['UNSUBSCRIBE', 'nosuch'], [m('"unsubscribe"', '"nosuch"', ':4')]);
    await run(s, ['PUNSUBSCRIBE', 'p*', 'x'], [m('"punsubscribe"', '"p*"', ':3'), m('"punsubscribe"', '"x"', ':3')]);
    s.send('UNSUBSCRIBE');
    await unsubscribeAllReplies(s, 2);
    // Patterns are dropped in the order they were made.
    await run(s, ['PSUBSCRIBE', 'a*'], [m('"psubscribe"', '"a*"', ':2')]);
    await run(s, ['PUNSUBSCRIBE'], [m('"punsubscribe"', '"q?"', ':1'), m('"punsubscribe"', '"a*"', ':0')]);
    await run(s, ['UNSUBSCRIBE'], [m('"unsubscribe"', NIL, ':0')]);
    await run(s, ['SUNSUBSCRIBE', 's1'], [m('"sunsubscribe"', '"s1"', ':1')]);
    await run(s, ['SUNSUBSCRIBE'], [m('"sunsubscribe"', '"s2"', ':0')]);
    await run(s, ['SUNSUBSCRIBE'], [m('"sunsubscribe"', NIL, ':0')]);
    // No subscription left: every command works again.
    await run(s, ['GET', 'x'], [NIL === '_' ? '_' : 'nil']);
  });

  test('unsubscribe-all with subscriptions of the other kinds only', async () => {
    const s = d.main;
    await run(s, ['PSUBSCRIBE', 'a*'], [m('"psubscribe"', '"a*"', ':1')]);
    await run(s, ['UNSUBSCRIBE'], [m('"unsubscribe"', NIL, ':1')]);
    await run(s, ['SUNSUBSCRIBE'], [m('"sunsubscribe"', NIL, ':0')]);
    await run(s, ['SSUBSCRIBE', 'sh'], [m('"ssubscribe"', '"sh"', ':1')]);
    await run(s, ['PUNSUBSCRIBE', 'a*'], [m('"punsubscribe"', '"a*"', ':0')]);
    await run(s, ['PUNSUBSCRIBE'], [m('"punsubscribe"', NIL, ':0')]);
    await run(s, ['SUNSUBSCRIBE'], [m('"sunsubscribe"', '"sh"', ':0')]);
  });

  test('subscriber mode: which commands a subscribed client may run', async () => {
    const s = d.main;
    await run(s, ['SUBSCRIBE', 'c'], [m('"subscribe"', '"c"', ':1')]);
    if (protocol === 2) {
      await run(s, ['GET', 'x'], [
        "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
      ]);
      await run(s, ['PING'], ['["pong", ""]']);
      await run(s, ['PING', 'hi'], ['["pong", "hi"]']);
    } else {
      await run(s, ['GET', 'x'], ['_']);
      await run(s, ['PING'], ['+PONG']);
    }
    await run(s, ['SSUBSCRIBE', 'sc'], [m('"ssubscribe"', '"sc"', ':1')]);
    await run(s, ['UNSUBSCRIBE', 'c'], [m('"unsubscribe"', '"c"', ':0')]);
    // Still subscribed to a shard channel.
    if (protocol === 2) {
      s.send('SET', 'x', '1');
      expect((await s.replies(1))[0]).toMatch(/^-ERR Can't execute 'set'/);
    }
    await run(s, ['SUNSUBSCRIBE'], [m('"sunsubscribe"', '"sc"', ':0')]);
    await run(s, ['SET', 'x', '1'], ['+OK']);
  });

  test('PUBLISH reaches channel, then pattern subscribers; SPUBLISH only shard subscribers', async () => {
    const [sub, psub, ssub, pub] = [d.main, await d.session(), await d.session(), await d.session()];
    await run(sub, ['SUBSCRIBE', 'news', 'other'], [m('"subscribe"', '"news"', ':1'), m('"subscribe"', '"other"', ':2')]);
    await run(psub, ['PSUBSCRIBE', 'n*', 'ne?s', 'x'], [
      m('"psubscribe"', '"n*"', ':1'),
      m('"psubscribe"', '"ne?s"', ':2'),
      m('"psubscribe"', '"x"', ':3'),
    ]);
    await run(ssub, ['SSUBSCRIBE', 'news'], [m('"ssubscribe"', '"news"', ':1')]);
    await run(sub, ['PSUBSCRIBE', 'new[st]'], [m('"psubscribe"', '"new[st]"', ':3')]);
    await run(pub, ['PUBLISH', 'news', 'hello'], [':4']);
    // The channel message first, then the pattern message.
    await sub.replies(2, [m('"message"', '"news"', '"hello"'), m('"pmessage"', '"new[st]"', '"news"', '"hello"')]);
    await unorderedReplies(psub, 2, [
      m('"pmessage"', '"n*"', '"news"', '"hello"'),
      m('"pmessage"', '"ne?s"', '"news"', '"hello"'),
    ]);
    await ssub.silent();
    await run(pub, ['SPUBLISH', 'news', 'shard'], [':1']);
    await ssub.replies(1, [m('"smessage"', '"news"', '"shard"')]);
    await sub.silent(10);
    await psub.silent(10);
    await run(pub, ['PUBLISH', 'nobody', 'x'], [':1']); // n*
    await psub.replies(1, [m('"pmessage"', '"n*"', '"nobody"', '"x"')]);
    await run(pub, ['PUBLISH', 'zzz', 'x'], [':0']);
    await run(pub, ['SPUBLISH', 'zzz', 'x'], [':0']);
    // Unsubscribed: no more messages.
    await run(sub, ['UNSUBSCRIBE', 'news'], [m('"unsubscribe"', '"news"', ':2')]);
    await run(pub, ['PUBLISH', 'news', 'again'], [':3']);
    await sub.replies(1, [m('"pmessage"', '"new[st]"', '"news"', '"again"')]);
  });

  test('binary channels, patterns and payloads; the empty channel', async () => {
    const [sub, pub] = [d.main, await d.session()];
    const ch = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x41]);
    const pat = Buffer.from([0x00, 0x2a]); // "\0*"
    const payload = Buffer.from([0xc3, 0x28, 0x00, 0x0d, 0x0a]);
    sub.send('SUBSCRIBE', ch, '');
    await sub.replies(2);
    sub.send('PSUBSCRIBE', pat, '*');
    await sub.replies(2);
    await run(pub, ['PUBLISH', ch, payload], [':3']);
    await sub.replies(1); // the channel subscription first, then the patterns in any order
    await unorderedReplies(sub, 2);
    // "*" does not match the empty channel (Redis's stringmatchlen).
    await run(pub, ['PUBLISH', '', 'e'], [':1']);
    await sub.replies(1);
    pub.send('PUBSUB', 'NUMSUB', ch, '');
    expect(await pub.replies(1)).toEqual(['["\\x00\\xff\\r\\nA", :1, "", :1]']);
  });

  test('a RESP3 client receives its own publish before the PUBLISH reply', async () => {
    const s = d.main;
    if (protocol === 2) {
      // RESP2 subscribers cannot publish; inside EXEC they can.
      s.send('MULTI');
      s.send('SUBSCRIBE', 'me');
      s.send('PUBLISH', 'me', 'hi');
      s.send('EXEC');
      await s.replies(4, [
        '+OK',
        '+QUEUED',
        '+QUEUED',
        // The EXEC array counts two replies; the message is an extra element in between.
        '[["subscribe", "me", :1], ["message", "me", "hi"]]',
      ]);
      await s.replies(1, [':1']);
      return;
    }
    s.send('SUBSCRIBE', 'me');
    s.send('PUBLISH', 'me', 'hi');
    s.send('GET', 'x');
    await s.replies(4, ['>["subscribe", "me", :1]', '>["message", "me", "hi"]', ':1', '_']);
    s.send('MULTI');
    s.send('PUBLISH', 'me', 'in-exec');
    s.send('UNSUBSCRIBE', 'me');
    s.send('EXEC');
    // Redis counts the push as one more element of the EXEC array.
    await s.replies(3, ['+OK', '+QUEUED', '+QUEUED']);
    await s.replies(2);
  });

  test('inside MULTI/EXEC: SUBSCRIBE and PSUBSCRIBE work, SSUBSCRIBE is refused', async () => {
    const s = d.main;
    s.send('MULTI');
    s.send('SUBSCRIBE', 'm');
    s.send('SSUBSCRIBE', 'm');
    s.send('PSUBSCRIBE', 'm');
    s.send('EXEC');
    await s.replies(5);
    await run(s, ['PUNSUBSCRIBE'], [m('"punsubscribe"', '"m"', ':1')]);
    await run(s, ['UNSUBSCRIBE'], [m('"unsubscribe"', '"m"', ':0')]);
    await run(s, ['PING'], ['+PONG']);
  });

  test('PUBSUB CHANNELS / NUMSUB / NUMPAT / SHARDCHANNELS / SHARDNUMSUB / HELP', async () => {
    const [a, b, q] = [d.main, await d.session(), await d.session()];
    a.send('SUBSCRIBE', 'news.tech', 'news.art', 'sport');
    await a.replies(3);
    b.send('SUBSCRIBE', 'news.tech');
    await b.replies(1);
    b.send('PSUBSCRIBE', 'news.*', 'x*', 'news.*');
    await b.replies(3);
    a.send('PSUBSCRIBE', 'x*');
    await a.replies(1);
    a.send('SSUBSCRIBE', 'sh1', 'sh2');
    await a.replies(2);
    await q.check(
      norm(['PUBSUB', 'CHANNELS'], N.sorted),
      norm(['PUBSUB', 'CHANNELS', 'news.*'], N.sorted),
      norm(['PUBSUB', 'channels', 'S*'], N.sorted),
      exp(['PUBSUB', 'CHANNELS', 'sp?rt'], '["sport"]'),
      exp(['PUBSUB', 'NUMSUB', 'news.tech', 'sport', 'none', 'news.*'], '["news.tech", :2, "sport", :1, "none", :0, "news.*", :0]'),
      exp(['PUBSUB', 'NUMSUB'], '[]'),
      exp(['PUBSUB', 'NUMPAT'], ':2'),
      norm(['PUBSUB', 'SHARDCHANNELS'], N.sorted),
      exp(['PUBSUB', 'SHARDCHANNELS', '*2'], '["sh2"]'),
      exp(['PUBSUB', 'SHARDNUMSUB', 'sh1', 'news.tech'], '["sh1", :1, "news.tech", :0]'),
      exp(['PUBSUB', 'SHARDNUMSUB'], '[]'),
      norm(['PUBSUB', 'HELP'], N.help),
      exp(['PUBSUB', 'CHANNELS', 'a', 'b'], "-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP."),
      exp(['PUBSUB', 'shardchannels', 'a', 'b'], "-ERR unknown subcommand or wrong number of arguments for 'shardchannels'. Try PUBSUB HELP."),
      exp(['PUBSUB', 'NUMPAT', 'x'], "-ERR wrong number of arguments for 'pubsub|numpat' command"),
      exp(['PUBSUB', 'nosuch'], "-ERR unknown subcommand 'nosuch'. Try PUBSUB HELP."),
      exp(['PUBSUB'], "-ERR wrong number of arguments for 'pubsub' command"),
      exp(['PUBLISH', 'x'], "-ERR wrong number of arguments for 'publish' command"),
      exp(['SUBSCRIBE'], "-ERR wrong number of arguments for 'subscribe' command"),
    );
    // A closed subscriber's subscriptions go away with it.
    await a.close();
    await sleep(50);
    await q.check(
      exp(['PUBSUB', 'NUMSUB', 'news.tech', 'sport'], '["news.tech", :1, "sport", :0]'),
      exp(['PUBSUB', 'NUMPAT'], ':2'),
      exp(['PUBSUB', 'SHARDCHANNELS'], '[]'),
      exp(['PUBLISH', 'xyz', 'm'], ':1'),
    );
  });

  test('RESET drops every subscription and leaves subscriber mode', async () => {
    const [s, pub] = [d.main, await d.session()];
    s.send('SUBSCRIBE', 'a');
    s.send('PSUBSCRIBE', 'b*');
    s.send('SSUBSCRIBE', 'c');
    await s.replies(3);
    await run(s, ['RESET'], ['+RESET']);
    await run(s, ['GET', 'x'], ['nil']);
    await run(pub, ['PUBLISH', 'a', 'm'], [':0']);
    await run(pub, ['PUBLISH', 'bb', 'm'], [':0']);
    await run(pub, ['SPUBLISH', 'c', 'm'], [':0']);
    await run(pub, ['PUBSUB', 'NUMPAT'], [':0']);
  });
});

describe('pub/sub through client libraries (Tachyon only)', () => {
  let srv: RunningServer;
  beforeAll(async () => {
    srv = await startServer({ port: 0 });
  });
  afterAll(async () => {
    await srv.close();
  });

  test('ioredis: subscribe, psubscribe, binary messages, unsubscribe', async () => {
    const sub = new Redis({ port: srv.port, host: srv.host, maxRetriesPerRequest: 0 });
    const pub = new Redis({ port: srv.port, host: srv.host, maxRetriesPerRequest: 0 });
    try {
      const got: string[] = [];
      sub.on('message', (ch: string, msg: string) => got.push(`message ${ch} ${msg}`));
      sub.on('pmessage', (p: string, ch: string, msg: string) => got.push(`pmessage ${p} ${ch} ${msg}`));
      const bin: Buffer[] = [];
      sub.on('messageBuffer', (_ch: Buffer, msg: Buffer) => bin.push(msg));
      expect(await sub.subscribe('io:a', 'io:b')).toBe(2);
      expect(await sub.psubscribe('io:*')).toBe(3);
      expect(await pub.publish('io:a', 'one')).toBe(2);
      expect(await pub.publish('io:c', 'two')).toBe(1);
      const raw = Buffer.from([0, 1, 2, 0xfe, 0xff]);
      expect(await pub.publish('io:b', raw)).toBe(2);
      await sleep(50);
      expect(got.slice(0, 4)).toEqual(['message io:a one', 'pmessage io:* io:a one', 'pmessage io:* io:c two', 'message io:b ' + raw.toString()]);
      expect(bin[bin.length - 1]).toEqual(raw);
      // (Both libraries wait forever on an unsubscribe-all that leaves other subscriptions.)
      expect(await sub.unsubscribe('io:a', 'io:b')).toBe(1);
      expect(await sub.punsubscribe('io:*')).toBe(0);
      expect(await pub.publish('io:a', 'gone')).toBe(0);
      expect(await sub.get('io:none')).toBeNull();
    } finally {
      sub.disconnect();
      pub.disconnect();
    }
  });

  test('node-redis: RESP2 and RESP3 subscribers, sharded too', async () => {
    const url = `redis://${srv.host}:${srv.port}`;
    const pub = createClient({ url });
    await pub.connect();
    try {
      for (const RESP of [2, 3] as const) {
        const sub = createClient({ url, RESP });
        await sub.connect();
        const got: string[] = [];
        await sub.subscribe(`nr${RESP}`, (msg, ch) => got.push(`${ch}:${msg}`));
        await sub.pSubscribe(`nr${RESP}*`, (msg, ch) => got.push(`p ${ch}:${msg}`));
        await sub.sSubscribe(`nr${RESP}s`, (msg, ch) => got.push(`s ${ch}:${msg}`));
        expect(await pub.publish(`nr${RESP}`, 'hello')).toBe(2);
        expect(await pub.sPublish(`nr${RESP}s`, 'shard')).toBe(1);
        if (RESP === 3) {
          // RESP3: the subscriber still runs ordinary commands.
          expect(await sub.set('k', 'v')).toBe('OK');
        }
        await sleep(50);
        expect(got).toEqual([`nr${RESP}:hello`, `p nr${RESP}:hello`, `s nr${RESP}s:shard`]);
        await sub.unsubscribe(`nr${RESP}`);
        await sub.pUnsubscribe(`nr${RESP}*`);
        await sub.sUnsubscribe(`nr${RESP}s`);
        expect(await pub.publish(`nr${RESP}`, 'x')).toBe(0);
        await sub.close();
      }
    } finally {
      await pub.close();
    }
  });

  test('INFO-style counters and CLIENT LIST helpers', async () => {
    const { pubsub } = srv.server;
    const sub = new Redis({ port: srv.port, host: srv.host });
    try {
      await sub.subscribe('st:a', 'st:b');
      await sub.psubscribe('st:*');
      await sub.call('SSUBSCRIBE', 'st:s');
      expect(pubsub.stats()).toEqual({ channels: 2, patterns: 1, shardChannels: 1 });
      const conn = [...srv.server.clients.values()].find((c) => pubsub.subscriptionCounts(c).sub === 2)!;
      expect(pubsub.subscriptionCounts(conn)).toEqual({ sub: 2, psub: 1, ssub: 1 });
      expect(pubsub.isPubSubClient(conn)).toBe(true);
    } finally {
      sub.disconnect();
    }
    await sleep(50);
    expect(pubsub.stats()).toEqual({ channels: 0, patterns: 0, shardChannels: 0 });
  });
});
