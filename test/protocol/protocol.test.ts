/**
 * Wire-protocol behaviour compared byte-for-byte against a real redis-server:
 * inline commands, pipelining, malformed requests (which must close only the
 * offending connection) and requests split across TCP segments.
 * Every raw check runs once in RESP2 and once after HELLO 3.
 */
import { describe, expect, test } from 'vitest';
import { PROTOCOLS, useDifferential } from '../helpers/differential';
import { encodeCommand } from '../helpers/resp';

const proto = (msg: string) => `-ERR Protocol error: ${msg}\r\n`;
const cmd = (...args: (string | number | Buffer)[]) => encodeCommand(args);

/** [title, request bytes, number of replies] for inline commands that must be accepted. */
const INLINE: Array<[string, string, number]> = [
  ['PING', 'PING\r\n', 1],
  ['LF only', 'ping\n', 1],
  ['extra spaces', '   SET   k    v   \r\nGET k\r\n', 2],
  ['tabs and CR', 'SET\tk\tv\r\r\nGET k\r\n', 2],
  ['double quotes', 'SET k "hello world"\r\nGET k\r\n', 2],
  ['single quotes', "SET k 'hello world'\r\nGET k\r\n", 2],
  ['escaped single quote', "ECHO 'it\\'s'\r\n", 1],
  ['escapes in double quotes', 'ECHO "a\\x41\\x4a\\n\\r\\t\\b\\a\\"\\\\z"\r\n', 1],
  ['unknown escape', 'ECHO "\\q\\1"\r\n', 1],
  ['invalid hex escape', 'ECHO "\\xZZ\\x4"\r\n', 1],
  ['backslash in single quotes', "ECHO 'a\\nb\\\\'\r\n", 1],
  ['empty quoted args', 'ECHO ""\r\nECHO \'\'\r\n', 2],
  ['adjacent quoted strings are separate tokens', 'ECHO "a" "b"\r\n', 1],
  ['binary bytes', 'ECHO a\x01b\xff\x7f\r\n', 1],
  ['arity error inline', 'GET\r\n', 1],
  ['unknown command inline', 'NOSUCH a b\r\n', 1],
  ['multibulk then inline then multibulk', '*1\r\n$4\r\nPING\r\nPING inline\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n', 3],
  ['null reply for a missing key', 'GET missing\r\nMGET missing k\r\n', 2],
  ['lowercase and mixed case', 'sEt K V\r\ngEt K\r\n', 2],
  ['reply types', 'SET n 10\r\nINCR n\r\nMGET n missing\r\nPING\r\nGETDEL n\r\nINCRBY n x\r\n', 6],
];

/** [title, request bytes, expected reply]: the connection must be closed afterwards. */
const MALFORMED: Array<[string, string, string]> = [
  ['unbalanced double quote', 'SET k "a b\r\n', proto('unbalanced quotes in request')],
  ['unbalanced single quote', "SET k 'a b\r\n", proto('unbalanced quotes in request')],
  ['closing quote followed by a character', 'ECHO "a"b\r\n', proto('unbalanced quotes in request')],
  ['non-numeric multibulk length', '*abc\r\n', proto('invalid multibulk length')],
  ['multibulk length above INT_MAX', '*3000000000\r\n', proto('invalid multibulk length')],
  ['multibulk length with sign junk', '*1x\r\n', proto('invalid multibulk length')],
  ['missing $', '*1\r\nfoo\r\n', proto("expected '$', got 'f'")],
  ['integer instead of bulk', '*1\r\n:5\r\n', proto("expected '$', got ':'")],
  ['non-numeric bulk length', '*1\r\n$abc\r\n', proto('invalid bulk length')],
  ['negative bulk length', '*1\r\n$-1\r\n', proto('invalid bulk length')],
  ['bulk length above proto-max-bulk-len', '*1\r\n$1000000000\r\n', proto('invalid bulk length')],
  ['bulk length 512MB + 1', '*1\r\n$536870913\r\n', proto('invalid bulk length')],
  ['error in second argument', '*2\r\n$4\r\nECHO\r\n$x\r\n', proto('invalid bulk length')],
  ['valid command then garbage', '*1\r\n$4\r\nPING\r\n*x\r\n', '+PONG\r\n' + proto('invalid multibulk length')],
  ['pipeline stops at the error', 'PING\r\n*1\r\n$x\r\nPING\r\n', '+PONG\r\n' + proto('invalid bulk length')],
  ['too big inline request', 'A'.repeat(70 * 1024), proto('too big inline request')],
  ['too big multibulk count string', '*' + '1'.repeat(70 * 1024), proto('too big mbulk count string')],
  ['too big bulk count string', '*1\r\n$' + '1'.repeat(70 * 1024), proto('too big bulk count string')],
];

/** [title, request bytes, number of replies (0: wait for silence)]: accepted or ignored, connection stays open. */
const EDGE: Array<[string, string, number]> = [
  ['empty lines', '\r\n\r\n\r\nPING\r\n', 1],
  ['bare LFs', '\n\n\nPING\n', 1],
  ['whitespace-only lines', '   \r\n\t\r\nPING\r\n', 1],
  ['empty multibulk', '*0\r\nPING\r\n', 1],
  ['negative multibulk', '*-1\r\n*-5\r\nPING\r\n', 1],
  ['empty command name', '*1\r\n$0\r\n\r\n', 1],
  ['empty argument', '*2\r\n$4\r\nECHO\r\n$0\r\n\r\n', 1],
  ['bulk terminator is not checked', '*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n', 2],
  ['lone type prefixes are inline commands', ':5\r\n$4\r\n+OK\r\n-ERR\r\n', 4],
  ['incomplete request gets no reply', '*2\r\n$4\r\nECHO\r\n$5\r\nab', 0],
  ['big multibulk count waits for arguments', '*1048577\r\n', 0],
  ['NUL byte in an inline request (redis: no reply)', 'ECHO a\x00b\r\n', 0],
];

describe.each(PROTOCOLS)('protocol (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test.each(INLINE)('inline: %s', async (_t, req, replies) => {
    await d.checkRaw(req, { replies });
  });

  test.each(MALFORMED)('malformed: %s', async (_t, req, reply) => {
    await d.checkRaw(req, { expect: reply, expectClosed: true });
  });

  test.each(EDGE)('edge case: %s', async (_t, req, replies) => {
    await d.checkRaw(req, { replies: replies || undefined, quietMs: 250, expectClosed: false });
  });

  test('a protocol error closes only the offending connection', async () => {
    const other = await d.session();
    await d.check(['SET', 'k', 'survives'], ['SELECT', 2], ['SET', 'k2', 'in db 2']);
    await d.checkRaw('*1\r\n$abc\r\n', { expectClosed: true });
    await d.checkRaw('SET k "broken\r\n', { expectClosed: true });
    await d.check(['GET', 'k'], ['GET', 'k2'], ['SELECT', 0], ['GET', 'k'], ['DBSIZE']);
    await other.check(['GET', 'k'], ['PING']);
    expect(d.main.ref.closed || d.main.target.closed).toBe(false);
  });

  test('pipeline of 1,000+ commands in one write', async () => {
    const parts: Buffer[] = [];
    for (let i = 0; i < 400; i++) {
      parts.push(cmd('SET', `key:${i}`, `value-${i}`), cmd('INCR', 'counter'), cmd('GET', `key:${i}`));
    }
    for (let i = 0; i < 300; i++) parts.push(Buffer.from(`GET key:${i}\r\n`), cmd('GET', 'nokey'));
    parts.push(cmd('DBSIZE'), cmd('GET', 'counter'));
    await d.checkRaw(Buffer.concat(parts), { replies: 400 * 3 + 600 + 2, timeoutMs: 20000 });
  });

  test('pipeline of 5,000 PINGs, inline and multibulk, in one write', () =>
    d.checkRaw(
      Buffer.concat(Array.from({ length: 5000 }, (_, i) => (i % 2 ? cmd('PING', `p${i}`) : Buffer.from('PING\r\n')))),
      { replies: 5000, timeoutMs: 20000 },
    ));

  test('pipeline with errors in the middle keeps going', () =>
    d.checkRaw(
      Buffer.concat([
        cmd('SET', 'a', 'x'),
        cmd('INCR', 'a'),
        cmd('NOSUCH'),
        cmd('GET'),
        cmd('SETEX', 'a', 0, 'x'),
        cmd('GET', 'a'),
      ]),
      { replies: 6 },
    ));

  test('large argument (1 MB) written in one go and in 1000-byte chunks', async () => {
    const big = Buffer.alloc(1024 * 1024, 'xyz');
    await d.checkRaw(Buffer.concat([cmd('SET', 'big', big), cmd('STRLEN', 'big')]), { replies: 2 });
    await d.checkRaw(Buffer.concat([cmd('APPEND', 'big', big), cmd('STRLEN', 'big')]), {
      replies: 2,
      chunk: 1000,
      timeoutMs: 20000,
    });
    await d.checkRaw(cmd('GETRANGE', 'big', 1024 * 1024 - 3, 1024 * 1024 + 3), { replies: 1 });
  });

  const SPLIT: Array<[string, Buffer, number]> = [
    ['multibulk SET', cmd('SET', 'key', 'val\r\nue'), 1],
    ['multibulk ECHO', cmd('ECHO', '0123456789'), 1],
    ['inline with quotes', Buffer.from('SET k "a \\"b\\" c"\r\n'), 1],
    ['two pipelined commands', Buffer.concat([cmd('SET', 'x', 1), Buffer.from('INCR x\r\n')]), 2],
    ['empty lines before a command', Buffer.from('\r\n\r\n*1\r\n$4\r\nPING\r\n'), 1],
  ];

  test.each(SPLIT)('split at every byte boundary: %s', async (_t, req, replies) => {
    await d.checkSplits(req, { replies });
  });

  test.each(SPLIT)('sent byte by byte: %s', async (_t, req, replies) => {
    await d.checkRaw(req, { chunk: 1, delayMs: 1, replies });
  });

  test('malformed request sent byte by byte', () =>
    d.checkRaw('*2\r\n$4\r\nECHO\r\n$x\r\n', { chunk: 1, delayMs: 1, expectClosed: true }));
});

describe.each(PROTOCOLS)('protocol with proto-max-bulk-len 1mb (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol, config: { 'proto-max-bulk-len': '1mb' } });
  const MB = 1024 * 1024;

  test('bulk at the limit is accepted, one byte more is a protocol error', async () => {
    await d.checkRaw(Buffer.concat([cmd('SET', 'k', Buffer.alloc(MB, 'a')), cmd('STRLEN', 'k')]), {
      replies: 2,
      expectClosed: false,
    });
    await d.checkRaw(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${MB + 1}\r\n`, {
      expect: proto('invalid bulk length'),
      expectClosed: true,
    });
  });

  test('string growth is limited by proto-max-bulk-len', () =>
    d.check(
      ['CONFIG', 'GET', 'proto-max-bulk-len'],
      ['SETRANGE', 'k', MB - 1, 'x'],
      ['SETRANGE', 'k', MB, 'x'],
      ['APPEND', 'k', 'more'],
      ['STRLEN', 'k'],
      ['SET', 's', 'a'],
      ['SETRANGE', 's', MB - 2, 'xy'],
    ));
});

// Unauthenticated clients cannot switch to RESP3, so this block is RESP2 only.
describe('protocol with requirepass', () => {
  const d = useDifferential({ config: { requirepass: 'pw' } });

  test.each([
    ['large multibulk count before AUTH', '*100\r\n'],
    ['large bulk length before AUTH', '*1\r\n$20000\r\n'],
    ['small requests before AUTH are answered', '*1\r\n$4\r\nPING\r\nPING\r\n'],
  ])('%s', async (_t, req) => {
    await d.checkRaw(req);
  });

  test('large requests after AUTH are fine', () =>
    d.checkRaw(Buffer.concat([cmd('AUTH', 'pw'), cmd('MSET', ...Array.from({ length: 200 }, (_, i) => `k${i}`))]), {
      replies: 2,
    }));
});
