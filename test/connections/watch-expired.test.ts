/**
 * WATCH and keys past their TTL, compared with a real redis-server 7.0 in
 * RESP2 and RESP3 (active expiry off, so expired keys wait to be reclaimed):
 * a key that expires after WATCH fails EXEC even if nothing reclaimed it; a
 * key already expired when WATCHed does not, and neither does its lazy
 * reclaiming, a FLUSHDB, or a SWAPDB that leaves it missing or expired; a
 * write over it does.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, exp, useDifferential } from '../helpers/differential';

describe.each(PROTOCOLS)('WATCH with expired keys (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol, config: { 'enable-debug-command': 'yes', databases: 4 } });
  const NIL_ARRAY = protocol === 2 ? '*nil' : '_';
  const stale = (key: string) => [['SET', key, 'old', 'PX', '1'], { sleep: 5 }] as const;
  const pingTx = [exp(['MULTI'], '+OK'), exp(['PING'], '+QUEUED')];

  test('a key that expires after WATCH fails EXEC though nothing reclaimed it', () =>
    d.check(
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ['SET', 'k', '1', 'PX', '40'],
      exp(['WATCH', 'k'], '+OK'),
      { sleep: 60 },
      exp(['MULTI'], '+OK'),
      exp(['INCR', 'k'], '+QUEUED'),
      exp(['EXEC'], NIL_ARRAY),
      exp(['DBSIZE'], ':1'),
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
    ));

  test('a key already expired when WATCHed: EXEC runs, also after a read reclaimed it', () =>
    d.check(
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ...stale('x'),
      exp(['WATCH', 'x'], '+OK'),
      ...pingTx,
      exp(['EXEC'], '[+PONG]'),
      ...stale('x'),
      exp(['WATCH', 'x'], '+OK'),
      exp(['EXISTS', 'x'], ':0'),
      ...pingTx,
      exp(['EXEC'], '[+PONG]'),
      // Written over after WATCH: a change.
      ...stale('x'),
      exp(['WATCH', 'x'], '+OK'),
      exp(['SET', 'x', 'new'], '+OK'),
      ...pingTx,
      exp(['EXEC'], NIL_ARRAY),
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
    ));

  test('FLUSHDB and FLUSHALL over a watched expired key are no change; over a live one they are', () =>
    d.check(
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ...stale('x'),
      exp(['WATCH', 'x'], '+OK'),
      exp(['FLUSHDB'], '+OK'),
      ...pingTx,
      exp(['EXEC'], '[+PONG]'),
      ...stale('x'),
      ['SET', 'live', 'v'],
      exp(['WATCH', 'x', 'live'], '+OK'),
      exp(['FLUSHALL'], '+OK'),
      ...pingTx,
      exp(['EXEC'], NIL_ARRAY),
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
    ));

  test('SWAPDB: expired key replaced by nothing, missing key replaced by an expired one, expired by expired', () =>
    d.check(
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      // Expired in db 0, missing in db 1.
      ...stale('x'),
      exp(['WATCH', 'x'], '+OK'),
      exp(['SWAPDB', '0', '1'], '+OK'),
      ...pingTx,
      exp(['EXEC'], '[+PONG]'),
      exp(['FLUSHALL'], '+OK'),
      // Missing in db 0, expired in db 1.
      ['SELECT', '1'],
      ...stale('x'),
      ['SELECT', '0'],
      exp(['WATCH', 'x'], '+OK'),
      exp(['SWAPDB', '0', '1'], '+OK'),
      ...pingTx,
      exp(['EXEC'], '[+PONG]'),
      exp(['FLUSHALL'], '+OK'),
      // Expired in both.
      ['SELECT', '1'],
      ...stale('x'),
      ['SELECT', '0'],
      ...stale('x'),
      exp(['WATCH', 'x'], '+OK'),
      exp(['SWAPDB', '0', '1'], '+OK'),
      ...pingTx,
      exp(['EXEC'], '[+PONG]'),
      exp(['FLUSHALL'], '+OK'),
      // Expired in db 0, live in db 1: a change.
      ['SELECT', '1'],
      ['SET', 'x', 'live'],
      ['SELECT', '0'],
      ...stale('x'),
      exp(['WATCH', 'x'], '+OK'),
      exp(['SWAPDB', '0', '1'], '+OK'),
      ...pingTx,
      exp(['EXEC'], NIL_ARRAY),
      // Missing in db 0, live in db 1: a change.
      exp(['FLUSHALL'], '+OK'),
      ['SELECT', '1'],
      ['SET', 'x', 'live'],
      ['SELECT', '0'],
      exp(['WATCH', 'x'], '+OK'),
      exp(['SWAPDB', '0', '1'], '+OK'),
      ...pingTx,
      exp(['EXEC'], NIL_ARRAY),
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
    ));
});
