/**
 * QUIT in a pipeline, against a real redis-server 7.0: nothing sent after
 * QUIT runs or replies, also when the pipeline spans several socket reads
 * and when QUIT sits inside MULTI (CLIENT KILL of the caller itself: in
 * test/commands/client.test.ts). The bytes on the wire and the connection's
 * close are compared.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, useDifferential } from '../helpers/differential';

describe.each(PROTOCOLS)('QUIT in a pipeline (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test('the commands after QUIT do not run', async () => {
    await d.checkRaw('SET a 1\r\nQUIT\r\nSET a 2\r\nPING\r\n', { protocol, expectClosed: true });
    // a is still 1 on both servers.
    await d.check(['GET', 'a']);
  });

  test('a pipeline larger than one socket read', async () => {
    const before = 'SET b 1\r\n'.repeat(3000);
    const after = 'INCR counter\r\n'.repeat(5000);
    await d.checkRaw(`${before}QUIT\r\n${after}`, { protocol, expectClosed: true, quietMs: 300 });
    await d.check(['EXISTS', 'counter']);
  });

  test('sent in small chunks', async () => {
    await d.checkRaw('SET c 1\r\nQUIT\r\nSET c 2\r\nSET d 1\r\n', { protocol, chunk: 3, delayMs: 2, expectClosed: true });
    await d.check(['MGET', 'c', 'd']);
  });

  test('QUIT inside MULTI', async () => {
    await d.checkRaw('MULTI\r\nSET e 1\r\nQUIT\r\nEXEC\r\n', { protocol, expectClosed: true });
    await d.check(['EXISTS', 'e']);
  });

  test('inline QUIT', async () => {
    await d.checkRaw('PING\r\nQUIT\r\nPING\r\n', { protocol, expectClosed: true });
  });
});
