/**
 * CLIENT REPLY SKIP followed by other CLIENT REPLY modes, against a real
 * redis-server 7.0 (RESP2 and RESP3), pipelined in one write: REPLY ON right
 * after SKIP cancels the skip and is answered itself; SKIP after SKIP and OFF
 * after SKIP stay silent; the next commands are answered or not accordingly.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, useDifferential } from '../helpers/differential';

describe.each(PROTOCOLS)('CLIENT REPLY after SKIP (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  test('ON cancels a pending SKIP and answers OK', () =>
    d.checkRaw('CLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nPING\r\n', { protocol, replies: 2 }));

  test('SKIP twice, then OFF and ON', async () => {
    await d.checkRaw('CLIENT REPLY SKIP\r\nCLIENT REPLY SKIP\r\nPING\r\nECHO x\r\n', { protocol, replies: 1 });
    await d.checkRaw('CLIENT REPLY SKIP\r\nCLIENT REPLY OFF\r\nPING\r\nCLIENT REPLY ON\r\nECHO y\r\n', {
      protocol,
      replies: 2,
    });
  });
});
