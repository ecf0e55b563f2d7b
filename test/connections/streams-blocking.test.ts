/**
 * XREAD BLOCK and XREADGROUP BLOCK with several connections, against a real
 * redis-server 7.0 and Tachyon side by side (RESP2 and RESP3): readers parked
 * on `$`, on explicit ids and on `>` served by later XADDs from other
 * connections (only from the key that became ready, every XREAD reader whose
 * id is passed, XREADGROUP readers one after another as the group advances),
 * COUNT, NOACK, MULTI/EXEC, a group destroyed or a stream deleted or
 * overwritten while blocked, keys of another type, timeouts and CLIENT
 * UNBLOCK. Every reply is compared byte for byte (as formatted replies).
 */
import { describe, expect, test } from 'vitest';
import { PROTOCOLS, useDifferential, type Arg, type Differential, type Session } from '../helpers/differential';
import { waitClientLines, inStreamRead } from '../helpers/blocked';
import { formatReply, sleep } from '../helpers/resp';


function send(s: Session, ...cmd: Arg[]): void {
  s.ref.send(...cmd);
  s.target.send(...cmd);
}

async function reply(s: Session, expected?: string | RegExp): Promise<string> {
  const [r, t] = await Promise.all([s.ref.read(), s.target.read()]);
  const ref = formatReply(r);
  expect(formatReply(t), `tachyon differs from redis (redis replied ${ref})`).toBe(ref);
  if (typeof expected === 'string') expect(ref).toBe(expected);
  else if (expected) expect(ref).toMatch(expected);
  return ref;
}

async function call(s: Session, cmd: Arg[], expected?: string | RegExp): Promise<string> {
  send(s, ...cmd);
  return reply(s, expected);
}

async function silent(s: Session, ms = 80): Promise<void> {
  await sleep(ms);
  expect(s.ref.countBufferedReplies(), 'redis replied').toBe(0);
  expect(s.target.countBufferedReplies(), 'tachyon replied').toBe(0);
}

/** Waits until `n` connections on each server are parked in XREAD/XREADGROUP. */
const waitBlocked = (d: Differential, n: number) => waitClientLines(d, n, inStreamRead);

async function block(d: Differential, s: Session, n: number, ...cmd: Arg[]): Promise<void> {
  send(s, ...cmd);
  await waitBlocked(d, n);
}

describe.each(PROTOCOLS)('stream readers blocked across connections (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  const NIL_ARRAY = protocol === 2 ? '*nil' : '_';

  test('XREAD BLOCK $ is served by a later XADD, only from the key that became ready', async () => {
    const a = await d.session();
    const w = d.main;
    await call(w, ['XADD', 's1', '1-0', 'f', 'old']);
    await block(d, a, 1, 'XREAD', 'BLOCK', '0', 'STREAMS', 's1', 's2', '$', '$');
    await call(w, ['XADD', 's2', '5-0', 'f', 'v']);
    await reply(a, /"s2"/);
    // $ meant "after 1-0" when the client blocked, not whatever is last now.
    await block(d, a, 1, 'XREAD', 'BLOCK', '0', 'STREAMS', 's1', '$');
    send(w, 'MULTI');
    send(w, 'XADD', 's1', '2-0', 'f', 'a');
    send(w, 'XADD', 's1', '3-0', 'f', 'b');
    await reply(w);
    await reply(w);
    await reply(w);
    await call(w, ['EXEC']);
    await reply(a, /"2-0".*"3-0"/);
  });

  test('every XREAD reader past whose id the stream grew is served; others stay', async () => {
    const a = await d.session();
    const b = await d.session();
    const c = await d.session();
    const w = d.main;
    await call(w, ['XADD', 's', '1-0', 'f', '1']);
    await call(w, ['XADD', 's', '2-0', 'f', '2']);
    await block(d, a, 1, 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    await block(d, b, 2, 'XREAD', 'BLOCK', '0', 'COUNT', '1', 'STREAMS', 's', '2-0');
    await block(d, c, 3, 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '5-0');
    await call(w, ['XADD', 's', '3-0', 'f', '3']);
    await reply(a);
    await reply(b);
    await silent(c);
    // Writes that add nothing past a reader's id leave it blocked.
    await call(w, ['XDEL', 's', '1-0']);
    await call(w, ['XTRIM', 's', 'MAXLEN', '1']);
    await silent(c);
    await call(w, ['XADD', 's', '6-0', 'f', '6']);
    await reply(c, /"6-0"/);
  });

  test('XREADGROUP BLOCK >: consumers share the entries as the group advances', async () => {
    const a = await d.session();
    const b = await d.session();
    const w = d.main;
    await call(w, ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'], '+OK');
    await block(d, a, 1, 'XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>');
    await block(d, b, 2, 'XREADGROUP', 'GROUP', 'g', 'bob', 'BLOCK', '0', 'NOACK', 'STREAMS', 's', '>');
    await call(w, ['XADD', 's', '1-0', 'job', '1']);
    await reply(a, /"1-0"/);
    await silent(b);
    await call(w, ['XADD', 's', '2-0', 'job', '2']);
    await reply(b, /"2-0"/);
    await call(w, ['XPENDING', 's', 'g']);
    await call(w, ['XINFO', 'GROUPS', 's']);
    // COUNT applies to what a served reader receives.
    await block(d, a, 1, 'XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'BLOCK', '0', 'STREAMS', 's', '>');
    send(w, 'MULTI');
    for (const id of ['3-0', '4-0', '5-0']) send(w, 'XADD', 's', id, 'job', id);
    for (let i = 0; i < 4; i++) await reply(w);
    await call(w, ['EXEC']);
    await reply(a, /"3-0".*"4-0"/);
    await call(w, ['XINFO', 'GROUPS', 's']);
    // A consumer deleted while it waits is created again when served.
    await call(w, ['XREADGROUP', 'GROUP', 'g', 'carol', 'STREAMS', 's', '>'], /"5-0"/);
    await block(d, b, 1, 'XREADGROUP', 'GROUP', 'g', 'bob', 'BLOCK', '0', 'STREAMS', 's', '>');
    await call(w, ['XGROUP', 'DELCONSUMER', 's', 'g', 'bob'], ':0');
    await silent(b);
    await call(w, ['XADD', 's', '6-0', 'job', '6']);
    await reply(b, /"6-0"/);
    await call(w, ['XPENDING', 's', 'g']);
  });

  test('a group destroyed, a stream deleted or overwritten: XREADGROUP fails, XREAD waits', async () => {
    const a = await d.session();
    const b = await d.session();
    const c = await d.session();
    const w = d.main;
    await call(w, ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    await block(d, a, 1, 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
    await block(d, c, 2, 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    await call(w, ['XGROUP', 'DESTROY', 's', 'g'], ':1');
    await reply(a, '-NOGROUP the consumer group this client was blocked on no longer exists');
    await silent(c);

    await call(w, ['XGROUP', 'CREATE', 's', 'g', '$']);
    await block(d, a, 2, 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
    await call(w, ['DEL', 's'], ':1');
    await reply(a, '-UNBLOCKED the stream key no longer exists');
    await silent(c);

    await call(w, ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    await block(d, b, 2, 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
    await call(w, ['SET', 's', 'now a string'], '+OK');
    await reply(b, '-UNBLOCKED the stream key no longer exists');
    await silent(c);

    // Deleted and created again in one transaction: a new group, nothing new yet.
    await call(w, ['DEL', 's']);
    await call(w, ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    await block(d, a, 2, 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
    send(w, 'MULTI');
    send(w, 'DEL', 's');
    send(w, 'XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
    for (let i = 0; i < 3; i++) await reply(w);
    await call(w, ['EXEC']);
    await silent(a);
    await silent(c);
    await call(w, ['XADD', 's', '7-0', 'f', 'v']);
    await reply(a, /"7-0"/);
    await reply(c, /"7-0"/);
  });

  test('timeouts, BLOCK inside MULTI, CLIENT UNBLOCK', async () => {
    const a = await d.session();
    const w = d.main;
    const t0 = Date.now();
    await call(a, ['XREAD', 'BLOCK', '150', 'STREAMS', 'nokey', '$'], NIL_ARRAY);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    await call(w, ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    await call(a, ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '100', 'STREAMS', 's', '>'], NIL_ARRAY);
    // Redis 7.0 creates the consumer only when it is served.
    await call(w, ['XINFO', 'GROUPS', 's']);
    send(a, 'MULTI');
    send(a, 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    await reply(a, '+OK');
    await reply(a, '+QUEUED');
    await call(a, ['EXEC'], protocol === 2 ? '[*nil]' : '[_]');

    const [ra, ta] = await Promise.all([a.ref.call('CLIENT', 'ID'), a.target.call('CLIENT', 'ID')]);
    const ids = { ref: String((ra as { value: bigint }).value), target: String((ta as { value: bigint }).value) };
    await block(d, a, 1, 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    const unblock = async (how: string) => {
      const [r, t] = await Promise.all([
        w.ref.call('CLIENT', 'UNBLOCK', ids.ref, how),
        w.target.call('CLIENT', 'UNBLOCK', ids.target, how),
      ]);
      expect(formatReply(t)).toBe(formatReply(r));
    };
    await unblock('TIMEOUT');
    await reply(a, NIL_ARRAY);
    await block(d, a, 1, 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
    await unblock('ERROR');
    await reply(a, '-UNBLOCKED client unblocked via CLIENT UNBLOCK');
    // A pipeline behind a blocked reader continues once it is served.
    send(a, 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    send(a, 'XLEN', 's');
    await waitBlocked(d, 1);
    await call(w, ['XADD', 's', '1-0', 'f', 'v']);
    await reply(a, /"1-0"/);
    await reply(a, ':1');
  });

  test('a key of another type keeps an XREAD reader waiting until it is a stream again', async () => {
    const a = await d.session();
    const w = d.main;
    await block(d, a, 1, 'XREAD', 'BLOCK', '0', 'STREAMS', 'k', '0');
    await call(w, ['SET', 'k', 'x']);
    await call(w, ['LPUSH', 'other', 'x']);
    await silent(a);
    await call(w, ['DEL', 'k']);
    await call(w, ['XADD', 'k', '3-0', 'f', 'v']);
    await reply(a, /"3-0"/);
  });
});
