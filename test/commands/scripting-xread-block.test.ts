/**
 * XREAD and XREADGROUP with BLOCK from EVAL and FCALL, against a real
 * redis-server 7.0 (RESP2 and RESP3): refused with "<name as written> command
 * is not allowed with BLOCK option from scripts" (checked before the timeout
 * value), while the same reads without BLOCK run.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, exp, useDifferential } from '../helpers/differential';

const REFUSED = /command is not allowed with BLOCK option from scripts/;

describe.each(PROTOCOLS)('stream reads with BLOCK from scripts (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  const ev = (body: string) => ['EVAL', body, '1', 's'];

  test('EVAL: refused with BLOCK, served without', () =>
    d.check(
      ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'],
      ev("return redis.pcall('xread','STREAMS',KEYS[1],'$')"),
      exp(ev("return redis.pcall('xread','BLOCK',0,'STREAMS',KEYS[1],'$')"), REFUSED),
      exp(ev("return redis.pcall('XREAD','block','nonsense','STREAMS',KEYS[1],'$')"), REFUSED),
      ev("return redis.pcall('xreadgroup','group','g','c','STREAMS',KEYS[1],'>')"),
      exp(ev("return redis.pcall('xreadgroup','group','g','c','BLOCK',0,'STREAMS',KEYS[1],'>')"), REFUSED),
      exp(ev("return redis.call('XReadGroup','GROUP','g','c','BLOCK',10,'STREAMS',KEYS[1],'>')"), REFUSED),
      ['XADD', 's', '1-1', 'f', 'v'],
      ev("return redis.pcall('xread','COUNT',1,'STREAMS',KEYS[1],'0')"),
      exp(['XREAD', 'BLOCK', '10', 'STREAMS', 's', '0'], /1-1/),
    ));

  test('FCALL: refused the same way', () =>
    d.check(
      [
        'FUNCTION',
        'LOAD',
        "#!lua name=xlib\nredis.register_function('rd', function(keys) return redis.pcall('xread','BLOCK',0,'STREAMS',keys[1],'$') end)",
      ],
      ['XADD', 's', '1-1', 'f', 'v'],
      exp(['FCALL', 'rd', '1', 's'], REFUSED),
      ['FUNCTION', 'FLUSH'],
    ));
});
