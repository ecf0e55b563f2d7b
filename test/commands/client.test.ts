/**
 * CLIENT and the connection commands against a real redis-server 7.0 (RESP2
 * and RESP3): CLIENT INFO / LIST fields with their values (qbuf, argv-mem,
 * multi-mem, obl, multi and flags inside MULTI and EXEC...), CLIENT KILL's
 * filters, CLIENT NO-EVICT, CLIENT REPLY OFF/SKIP against pub/sub pushes,
 * CLIENT KILL of the caller in a pipeline, and HELLO's protocol version
 * parsing. Only what is machine-specific is masked: ids, ports, fds, ages,
 * and the sizes of allocations (qbuf-free, rbs, rbp, tot-mem).
 */
import { describe, expect, test } from 'vitest';
import { PROTOCOLS, exp, norm, useDifferential, type Normalizer, type Reply } from '../helpers/differential';
import { replyText } from '../helpers/resp';
import { Scene } from '../helpers/scene';

const MASKED = new Set(['id', 'addr', 'laddr', 'fd', 'age', 'idle', 'qbuf-free', 'rbs', 'rbp', 'tot-mem']);

/** CLIENT INFO / LIST lines, field by field, allocation sizes and identities masked. */
const clientLines: Normalizer = (r) => {
  const text = replyText(r);
  if (text === undefined || r.type === 'error') return r;
  const lines = text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) =>
      l
        .split(' ')
        .map((kv) => {
          const k = kv.slice(0, kv.indexOf('='));
          return MASKED.has(k) ? `${k}=*` : kv;
        })
        .join(' '),
    );
  return { type: 'simple', value: lines.sort().join(' | ') };
};

describe.each(PROTOCOLS)('CLIENT (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test('INFO and LIST carry the values Redis reports', () =>
    d.check(
      norm(['CLIENT', 'INFO'], clientLines),
      ['CLIENT', 'SETNAME', 'me'],
      norm(['CLIENT', 'INFO'], clientLines),
      norm(['CLIENT', 'LIST', 'ID', '999999'], clientLines),
      ['SELECT', '5'],
      ['MULTI'],
      ['SET', 'a', 'b'],
      ['GET', 'a'],
      ['CLIENT', 'INFO'],
      norm(['EXEC'], (r, ref) => (r.type === 'array' && r.value ? { type: 'array', value: r.value.map((x) => clientLines(x, ref)) } : r)),
      norm(['CLIENT', 'INFO'], clientLines),
      ['SELECT', '0'],
      ['CLIENT', 'NO-EVICT', 'on'],
      norm(['CLIENT', 'INFO'], clientLines),
      ['CLIENT', 'NO-EVICT', 'off'],
      norm(['CLIENT', 'INFO'], clientLines),
    ));

  test('INFO in a pipeline: the whole read is the query buffer, earlier replies are output', async () => {
    const s = await d.session();
    const pipeline = 'CLIENT SETNAME piped\r\nSET x 1\r\nCLIENT INFO\r\n';
    for (const side of ['ref', 'target'] as const) s[side].sendRaw(pipeline);
    const got: string[] = [];
    for (const side of ['ref', 'target'] as const) {
      const c = s[side];
      await c.read();
      await c.read();
      const r = await c.read();
      got.push((clientLines(r, r) as { value: string }).value);
    }
    expect(got[1]).toBe(got[0]);
    expect(got[0]).toMatch(/qbuf=\d+ .*argv-mem=10 multi-mem=0 .*obl=10 /);
  });

  test('a subscriber and a blocked client as others see them', async () => {
    const sub = await d.session();
    const blocked = await d.session();
    await sub.call(['SUBSCRIBE', 'a', 'b'], protocol === 2 ? '["subscribe", "a", :1]' : '>["subscribe", "a", :1]');
    await sub.reply(undefined, 'second subscribe');
    blocked.send('BLPOP', 'nosuchlist', '0');
    await new Promise((r) => setTimeout(r, 100));
    await d.check(norm(['CLIENT', 'LIST'], clientLines), norm(['CLIENT', 'LIST', 'TYPE', 'pubsub'], clientLines));
    await d.check(['RPUSH', 'nosuchlist', 'x']);
    await blocked.reply();
  });

  test('KILL: every filter of 7.0 and its errors', async () => {
    const victim = await d.session();
    await victim.call(['CLIENT', 'SETNAME', 'victim'], '+OK');
    await d.check(
      exp(['CLIENT', 'KILL', 'USER', 'nosuch'], "-ERR No such user 'nosuch'"),
      exp(['CLIENT', 'KILL', 'ID', '0'], '-ERR client-id should be greater than 0'),
      exp(['CLIENT', 'KILL', 'ID', 'x'], '-ERR client-id should be greater than 0'),
      exp(['CLIENT', 'KILL', 'TYPE', 'foo'], "-ERR Unknown client type 'foo'"),
      exp(['CLIENT', 'KILL', 'SKIPME', 'maybe'], '-ERR syntax error'),
      // MAXAGE came after 7.0: a syntax error there.
      exp(['CLIENT', 'KILL', 'MAXAGE', '10'], '-ERR syntax error'),
      exp(['CLIENT', 'KILL', 'foo', 'bar'], '-ERR syntax error'),
      exp(['CLIENT', 'KILL', 'ID'], '-ERR No such client'),
      exp(['CLIENT', 'KILL', '1.2.3.4:5'], '-ERR No such client'),
      exp(['CLIENT', 'KILL', 'ADDR', '1.2.3.4:5'], ':0'),
      exp(['CLIENT', 'KILL', 'LADDR', '1.2.3.4:5', 'SKIPME', 'no'], ':0'),
      exp(['CLIENT', 'KILL', 'TYPE', 'master'], ':0'),
      exp(['CLIENT', 'KILL', 'TYPE', 'replica'], ':0'),
      exp(['CLIENT', 'KILL', 'TYPE', 'pubsub'], ':0'),
      exp(['CLIENT', 'KILL', 'ID', '99999', 'TYPE', 'normal'], ':0'),
    );
    // USER default, TYPE normal, SKIPME yes: every other normal client, the caller spared.
    const before = await d.both('CLIENT', 'LIST', 'TYPE', 'normal');
    expect(before.ref.type).toBe(before.target.type);
    await d.check(exp(['CLIENT', 'KILL', 'USER', 'default', 'TYPE', 'normal', 'SKIPME', 'yes'], /^:[1-9]\d*$/));
    expect(await victim.ref.waitClosed(1000)).toBe(true);
    expect(await victim.target.waitClosed(1000)).toBe(true);
    await d.check(['PING']);
  });

  test('KILL of the caller itself: nothing it pipelined afterwards runs', async () => {
    const scene = new Scene(d, { ids: true });
    await scene.open('self', protocol);
    scene.send('self', ['SET', 'f', '1'], ['CLIENT', 'KILL', 'ID', '{self}', 'SKIPME', 'no'], ['SET', 'f', '2']);
    await scene.expect('self', ['+OK', ':1']);
    await scene.closed('self');
    await d.check(exp(['GET', 'f'], '"1"'));
  });
});

describe.each(PROTOCOLS)('CLIENT REPLY and pub/sub pushes (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test('OFF: subscription confirmations and messages still arrive', async () => {
    await d.checkRaw('CLIENT REPLY OFF\r\nSUBSCRIBE ch\r\nPING\r\n', { protocol, replies: 1 });
    await d.checkRaw('CLIENT REPLY OFF\r\nSUBSCRIBE a b\r\nPSUBSCRIBE p*\r\nUNSUBSCRIBE a\r\n', { protocol, replies: 4 });
  });

  test('OFF: a message published to oneself arrives, the PUBLISH reply does not', async () => {
    if (protocol === 2) return; // a RESP2 subscriber cannot PUBLISH
    await d.checkRaw('CLIENT REPLY OFF\r\nSUBSCRIBE ch\r\nPUBLISH ch hello\r\nPING\r\n', { protocol, replies: 2 });
  });

  test('SKIP: the skipped command’s confirmations arrive, its reply would not', async () => {
    await d.checkRaw('CLIENT REPLY SKIP\r\nSUBSCRIBE ch\r\nPING\r\n', { protocol, replies: 2 });
    await d.checkRaw('CLIENT REPLY SKIP\r\nECHO gone\r\nECHO kept\r\n', { protocol, replies: 1 });
  });

  test('OFF then ON', () =>
    d.checkRaw('CLIENT REPLY OFF\r\nSET k v\r\nGET k\r\nCLIENT REPLY ON\r\nGET k\r\n', { protocol, replies: 2 }));
});

describe.each(PROTOCOLS)('HELLO protocol versions (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  test('out of range, huge and malformed versions', () =>
    d.check(
      exp(['HELLO', '9223372036854775807'], '-NOPROTO unsupported protocol version'),
      exp(['HELLO', '-9223372036854775808'], '-NOPROTO unsupported protocol version'),
      exp(['HELLO', '4'], '-NOPROTO unsupported protocol version'),
      exp(['HELLO', '1'], '-NOPROTO unsupported protocol version'),
      exp(['HELLO', '9223372036854775808'], '-ERR Protocol version is not an integer or out of range'),
      exp(['HELLO', '99999999999999999999'], '-ERR Protocol version is not an integer or out of range'),
      exp(['HELLO', 'three'], '-ERR Protocol version is not an integer or out of range'),
      exp(['HELLO', '3.0'], '-ERR Protocol version is not an integer or out of range'),
      exp(['HELLO', ' 3'], '-ERR Protocol version is not an integer or out of range'),
      ['PING'],
    ));
});

/** Silences the unused-type lint for Reply in normalisers above. */
export type _ClientReply = Reply;
