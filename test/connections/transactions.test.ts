/**
 * MULTI / EXEC / DISCARD / WATCH / UNWATCH, compared reply-for-reply with a
 * real redis-server 7.0 in RESP2 and RESP3: queuing, EXECABORT after queuing
 * errors, runtime errors inside EXEC, TypeScript-owned commands inside EXEC,
 * and WATCH invalidated by other clients, expiry, FLUSHALL/FLUSHDB and SWAPDB.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, exp, useDifferential } from '../helpers/differential';
import { sleep } from '../helpers/resp';

describe.each(PROTOCOLS)('transactions (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol, config: { databases: 4 } });
  const NIL_ARRAY = protocol === 2 ? '*nil' : '_';

  test('MULTI queues, EXEC runs in order and replies with every result', () =>
    d.check(
      exp(['MULTI'], '+OK'),
      exp(['SET', 'k', '1'], '+QUEUED'),
      exp(['INCR', 'k'], '+QUEUED'),
      exp(['GET', 'k'], '+QUEUED'),
      exp(['RPUSH', 'l', 'a', 'b'], '+QUEUED'),
      ['EXEC'],
      exp(['GET', 'k'], '"2"'),
    ));

  test('errors of the transaction commands themselves', () =>
    d.check(
      exp(['EXEC'], '-ERR EXEC without MULTI'),
      exp(['DISCARD'], '-ERR DISCARD without MULTI'),
      exp(['MULTI'], '+OK'),
      exp(['MULTI'], '-ERR MULTI calls can not be nested'),
      exp(['WATCH', 'k'], '-ERR WATCH inside MULTI is not allowed'),
      exp(['PING'], '+QUEUED'),
      ['EXEC'],
      exp(['MULTI'], '+OK'),
      exp(['SET', 'k', 'v'], '+QUEUED'),
      exp(['DISCARD'], '+OK'),
      exp(['EXISTS', 'k'], ':0'),
    ));

  test('a command rejected while queuing aborts the whole transaction', () =>
    d.check(
      exp(['MULTI'], '+OK'),
      exp(['SET', 'k', 'v'], '+QUEUED'),
      ['NOSUCHCOMMAND', 'x'],
      exp(['EXEC'], '-EXECABORT Transaction discarded because of previous errors.'),
      exp(['EXISTS', 'k'], ':0'),
      exp(['MULTI'], '+OK'),
      ['GET'],
      exp(['SET', 'k', 'v'], '+QUEUED'),
      exp(['EXEC'], '-EXECABORT Transaction discarded because of previous errors.'),
      exp(['EXISTS', 'k'], ':0'),
    ));

  test('runtime errors stay inside the EXEC reply; the other commands run', () =>
    d.check(
      ['SET', 's', 'notanumber'],
      exp(['MULTI'], '+OK'),
      exp(['INCR', 's'], '+QUEUED'),
      exp(['LPUSH', 's', 'x'], '+QUEUED'),
      exp(['SET', 'after', '1'], '+QUEUED'),
      ['EXEC'],
      exp(['GET', 'after'], '"1"'),
    ));

  test('commands TypeScript owns run inside EXEC too', () =>
    d.check(
      exp(['MULTI'], '+OK'),
      ['CONFIG', 'GET', 'databases'],
      ['ECHO', 'hi'],
      ['CONFIG', 'SET', 'hz', '11'],
      ['CONFIG', 'GET', 'hz'],
      ['EXEC'],
      ['CONFIG', 'SET', 'hz', '10'],
    ));

  test('WATCH: own modifications, UNWATCH, missing keys, and EXEC clearing the watch', () =>
    d.check(
      exp(['WATCH', 'k'], '+OK'),
      ['SET', 'k', '1'],
      exp(['MULTI'], '+OK'),
      exp(['GET', 'k'], '+QUEUED'),
      exp(['EXEC'], NIL_ARRAY),
      exp(['WATCH', 'k'], '+OK'),
      exp(['UNWATCH'], '+OK'),
      ['SET', 'k', '2'],
      exp(['MULTI'], '+OK'),
      exp(['GET', 'k'], '+QUEUED'),
      exp(['EXEC'], '["2"]'),
      exp(['WATCH', 'missing'], '+OK'),
      exp(['MULTI'], '+OK'),
      exp(['PING'], '+QUEUED'),
      ['EXEC'],
      // A watch lasts for one EXEC only.
      ['SET', 'k', '3'],
      exp(['MULTI'], '+OK'),
      exp(['GET', 'k'], '+QUEUED'),
      exp(['EXEC'], '["3"]'),
    ));

  test('WATCH is invalidated by FLUSHALL and FLUSHDB of existing keys, not of missing ones', () =>
    d.check(
      ['SET', 'k', 'v'],
      exp(['WATCH', 'k'], '+OK'),
      ['FLUSHALL'],
      exp(['MULTI'], '+OK'),
      exp(['PING'], '+QUEUED'),
      exp(['EXEC'], NIL_ARRAY),
      exp(['WATCH', 'nothere'], '+OK'),
      ['FLUSHDB'],
      exp(['MULTI'], '+OK'),
      exp(['PING'], '+QUEUED'),
      ['EXEC'],
    ));

  test('WATCH is invalidated by SWAPDB when the key exists in either database', () =>
    d.check(
      ['SELECT', '1'],
      ['SET', 'k', 'in-db1'],
      ['SELECT', '0'],
      exp(['WATCH', 'k'], '+OK'),
      ['SWAPDB', '0', '1'],
      exp(['MULTI'], '+OK'),
      exp(['GET', 'k'], '+QUEUED'),
      exp(['EXEC'], NIL_ARRAY),
    ));

  test('WATCH is invalidated by another client and by expiry', async () => {
    const [a, b] = [d.main, await d.session()];
    await a.call(['SET', 'k', '1']);
    await a.call(['WATCH', 'k'], '+OK');
    await b.call(['SET', 'k', '2'], '+OK');
    await a.call(['MULTI'], '+OK');
    await a.call(['GET', 'k'], '+QUEUED');
    await a.call(['EXEC'], NIL_ARRAY);

    await a.call(['SET', 't', 'v', 'PX', '30'], '+OK');
    await a.call(['WATCH', 't'], '+OK');
    await sleep(80);
    await b.call(['EXISTS', 't'], ':0'); // lazy expiry deletes it
    await a.call(['MULTI'], '+OK');
    await a.call(['PING'], '+QUEUED');
    await a.call(['EXEC'], NIL_ARRAY);
  });

  test('another client writing an unwatched key does not abort', async () => {
    const [a, b] = [d.main, await d.session()];
    await a.call(['WATCH', 'k'], '+OK');
    await b.call(['SET', 'other', '1'], '+OK');
    await a.call(['MULTI'], '+OK');
    await a.call(['INCR', 'k'], '+QUEUED');
    await a.call(['EXEC'], '[:1]');
  });
});
