/**
 * Client-side caching (src/features/tracking.ts):
 *
 *  - CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO replies and every
 *    error text, compared with a real redis-server 7.0 in RESP2 and RESP3;
 *  - invalidation messages, compared with Redis connection by connection:
 *    RESP3 pushes, RESP2 redirection through __redis__:invalidate, RESP3
 *    redirection, broken redirections, FLUSHDB/FLUSHALL nulls, BCAST with
 *    prefixes, NOLOOP, OPTIN/OPTOUT with CLIENT CACHING (pipelined too), MULTI;
 *  - node-redis in RESP3 (emitInvalidate and its client-side cache) against
 *    Tachyon alone.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from '../../src/index';
import { PROTOCOLS, exp, useDifferential, type Arg } from '../helpers/differential';
import { formatReply, sleep } from '../helpers/resp';
import { SIDES, Scene } from '../helpers/scene';

const inval = (...keys: string[]) => `>["invalidate", [${keys.map((k) => `"${k}"`).join(', ')}]]`;
const INVAL_ALL = '>["invalidate", _]';
const msg2 = (...keys: string[]) => `["message", "__redis__:invalidate", [${keys.map((k) => `"${k}"`).join(', ')}]]`;

// ---------------------------------------------------------------------------
// Replies and errors

describe.each(PROTOCOLS)('CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  const info = (flags: string[], redirect: string, prefixes: string[] = []) => {
    const f = flags.map((x) => `"${x}"`).join(', ');
    const p = `[${prefixes.map((x) => `"${x}"`).join(', ')}]`;
    return protocol === 3
      ? `%{"flags" => ~{${f}}, "redirect" => ${redirect}, "prefixes" => ${p}}`
      : `["flags", [${f}], "redirect", ${redirect}, "prefixes", ${p}]`;
  };

  test('option errors, in Redis order', () =>
    d.check(
      exp(['CLIENT', 'TRACKING', 'on', 'PREFIX', 'a'], '-ERR PREFIX option requires BCAST mode to be enabled'),
      exp(
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a', 'PREFIX', 'ab'],
        "-ERR Prefix 'a' overlaps with another provided prefix 'ab'. Prefixes for a single client must not overlap.",
      ),
      exp(
        ['CLIENT', 'TRACKING', 'on', 'PREFIX', 'xy', 'BCAST', 'PREFIX', 'x'],
        "-ERR Prefix 'xy' overlaps with another provided prefix 'x'. Prefixes for a single client must not overlap.",
      ),
      exp(
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', '', 'PREFIX', 'x'],
        "-ERR Prefix '' overlaps with another provided prefix 'x'. Prefixes for a single client must not overlap.",
      ),
      exp(['CLIENT', 'TRACKING', 'on', 'REDIRECT', '999999'], '-ERR The client ID you want redirect to does not exist'),
      exp(['CLIENT', 'TRACKING', 'off', 'REDIRECT', '999999'], '-ERR The client ID you want redirect to does not exist'),
      exp(['CLIENT', 'TRACKING', 'on', 'REDIRECT', '0'], '-ERR The client ID you want redirect to does not exist'),
      exp(['CLIENT', 'TRACKING', 'on', 'REDIRECT', '-3'], '-ERR The client ID you want redirect to does not exist'),
      exp(['CLIENT', 'TRACKING', 'on', 'REDIRECT', 'abc'], '-ERR value is not an integer or out of range'),
      exp(['CLIENT', 'TRACKING', 'on', 'REDIRECT', '99999999999999999999'], '-ERR value is not an integer or out of range'),
      exp(['CLIENT', 'TRACKING', 'on', 'REDIRECT'], '-ERR syntax error'),
      exp(['CLIENT', 'TRACKING', 'on', 'PREFIX'], '-ERR syntax error'),
      exp(['CLIENT', 'TRACKING', 'on', 'OPTIN', 'OPTOUT'], "-ERR You can't specify both OPTIN mode and OPTOUT mode"),
      exp(['CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTIN'], '-ERR OPTIN and OPTOUT are not compatible with BCAST'),
      exp(['CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTIN', 'OPTOUT'], '-ERR OPTIN and OPTOUT are not compatible with BCAST'),
      exp(['CLIENT', 'TRACKING', 'on', 'PREFIX', 'x', 'OPTIN', 'OPTOUT'], '-ERR PREFIX option requires BCAST mode to be enabled'),
      exp(['CLIENT', 'TRACKING', 'maybe'], '-ERR syntax error'),
      exp(['CLIENT', 'TRACKING', 'maybe', 'REDIRECT', '999999'], '-ERR The client ID you want redirect to does not exist'),
      exp(['CLIENT', 'TRACKING', 'on', 'foo'], '-ERR syntax error'),
      exp(['CLIENT', 'TRACKING'], "-ERR wrong number of arguments for 'client|tracking' command"),
      exp(['CLIENT', 'TRACKING', 'off', 'PREFIX', 'x', 'OPTIN', 'OPTOUT', 'BCAST'], '+OK'),
      exp(['CLIENT', 'TRACKINGINFO'], info(['off'], ':-1')),
    ));

  test('CACHING, GETREDIR and TRACKINGINFO errors', () =>
    d.check(
      exp(
        ['CLIENT', 'CACHING', 'yes'],
        '-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled',
      ),
      exp(
        ['CLIENT', 'CACHING', 'maybe'],
        '-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled',
      ),
      exp(['CLIENT', 'CACHING'], "-ERR wrong number of arguments for 'client|caching' command"),
      exp(['CLIENT', 'CACHING', 'yes', 'no'], "-ERR wrong number of arguments for 'client|caching' command"),
      exp(['CLIENT', 'GETREDIR'], ':-1'),
      exp(['CLIENT', 'GETREDIR', 'x'], "-ERR wrong number of arguments for 'client|getredir' command"),
      exp(['CLIENT', 'TRACKINGINFO', 'x'], "-ERR wrong number of arguments for 'client|trackinginfo' command"),
      exp(['CLIENT', 'TRACKING', 'on'], '+OK'),
      exp(
        ['CLIENT', 'CACHING', 'yes'],
        '-ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.',
      ),
      exp(['CLIENT', 'CACHING', 'no'], '-ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.'),
      exp(['CLIENT', 'GETREDIR'], ':0'),
      exp(['CLIENT', 'TRACKING', 'on', 'OPTIN'], '+OK'),
      exp(['CLIENT', 'CACHING', 'maybe'], '-ERR syntax error'),
      exp(['CLIENT', 'CACHING', 'no'], '-ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.'),
      exp(['CLIENT', 'CACHING', 'YES'], '+OK'),
      exp(['CLIENT', 'TRACKINGINFO'], info(['on', 'optin', 'caching-yes'], ':0')),
      exp(['CLIENT', 'TRACKING', 'off'], '+OK'),
      exp(['CLIENT', 'TRACKINGINFO'], info(['off'], ':-1')),
      exp(['CLIENT', 'TRACKING', 'on', 'OPTOUT'], '+OK'),
      exp(['CLIENT', 'CACHING', 'no'], '+OK'),
      exp(['CLIENT', 'TRACKINGINFO'], info(['on', 'optout', 'caching-no'], ':0')),
    ));

  test('switching modes while on', () =>
    d.check(
      exp(['CLIENT', 'TRACKING', 'on', 'OPTIN'], '+OK'),
      exp(
        ['CLIENT', 'TRACKING', 'on', 'OPTOUT'],
        "-ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
      ),
      exp(
        ['CLIENT', 'TRACKING', 'on', 'BCAST'],
        "-ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
      ),
      exp(
        ['CLIENT', 'TRACKING', 'on', 'OPTOUT', 'BCAST'],
        "-ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
      ),
      exp(['CLIENT', 'TRACKING', 'on', 'OPTOUT', 'OPTIN'], "-ERR You can't specify both OPTIN mode and OPTOUT mode"),
      // Re-enabling replaces the options.
      exp(['CLIENT', 'TRACKING', 'on', 'NOLOOP'], '+OK'),
      exp(['CLIENT', 'TRACKINGINFO'], info(['on', 'noloop'], ':0')),
      exp(['CLIENT', 'TRACKING', 'off'], '+OK'),
      exp(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'ab', 'NOLOOP'], '+OK'),
      exp(
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a'],
        "-ERR Prefix 'a' overlaps with an existing prefix 'ab'. Prefixes for a single client must not overlap.",
      ),
      exp(
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'abc'],
        "-ERR Prefix 'abc' overlaps with an existing prefix 'ab'. Prefixes for a single client must not overlap.",
      ),
      exp(
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'ab'],
        "-ERR Prefix 'ab' overlaps with an existing prefix 'ab'. Prefixes for a single client must not overlap.",
      ),
      // Prefixes accumulate, NOLOOP goes.
      exp(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'x', 'PREFIX', 'b'], '+OK'),
      exp(['CLIENT', 'TRACKINGINFO'], info(['on', 'bcast'], ':0', ['ab', 'b', 'x'])),
      exp(['CLIENT', 'TRACKING', 'on'], /^-ERR You can't switch BCAST mode/),
      exp(['CLIENT', 'TRACKING', 'off'], '+OK'),
      exp(['CLIENT', 'TRACKINGINFO'], info(['off'], ':-1')),
      exp(['CLIENT', 'TRACKING', 'on', 'BCAST'], '+OK'),
      exp(['CLIENT', 'TRACKINGINFO'], info(['on', 'bcast'], ':0', [''])),
      exp(
        ['CLIENT', 'TRACKING', 'ON', 'bcast', 'PREFIX', 'z'],
        "-ERR Prefix 'z' overlaps with an existing prefix ''. Prefixes for a single client must not overlap.",
      ),
    ));

  test('REDIRECT to itself and to another client', async () => {
    const other = await d.session();
    const [rid, tid] = await Promise.all([other.ref.call('CLIENT', 'ID'), other.target.call('CLIENT', 'ID')]);
    const [sr, st] = await Promise.all([d.main.ref.call('CLIENT', 'ID'), d.main.target.call('CLIENT', 'ID')]);
    const both = async (cmd: (id: string) => Arg[]) => {
      d.main.ref.send(...cmd(formatReply(rid).slice(1)));
      d.main.target.send(...cmd(formatReply(tid).slice(1)));
      return Promise.all([d.main.ref.read(), d.main.target.read()]);
    };
    const [a, b] = await both((id) => ['CLIENT', 'TRACKING', 'on', 'REDIRECT', id, 'REDIRECT', id]);
    expect(formatReply(a)).toBe('-ERR A client can only redirect to a single other client');
    expect(formatReply(b)).toBe(formatReply(a));
    const [c, e] = await both((id) => ['CLIENT', 'TRACKING', 'on', 'REDIRECT', id]);
    expect([formatReply(c), formatReply(e)]).toEqual(['+OK', '+OK']);
    const [g1, g2] = await both(() => ['CLIENT', 'GETREDIR']);
    expect(formatReply(g1)).toBe(formatReply(rid));
    expect(formatReply(g2)).toBe(formatReply(tid));
    d.main.ref.send('CLIENT', 'TRACKING', 'on', 'REDIRECT', formatReply(sr).slice(1));
    d.main.target.send('CLIENT', 'TRACKING', 'on', 'REDIRECT', formatReply(st).slice(1));
    expect([formatReply(await d.main.ref.read()), formatReply(await d.main.target.read())]).toEqual(['+OK', '+OK']);
  });
});

// ---------------------------------------------------------------------------
// Invalidation messages

describe('invalidation messages', () => {
  const d = useDifferential();
  let sc: Scene;

  const fresh = () => {
    sc = new Scene(d, { ids: true });
    return sc;
  };

  test('RESP3: keys read, then modified by another client, by the client itself, in another db', async () => {
    const s = fresh();
    await s.open('c', 3);
    await s.open('w');
    s.send('c', ['CLIENT', 'TRACKING', 'on'], ['GET', 'a'], ['MGET', 'b', 'c'], ['HGET', 'h', 'f']);
    await s.expect('c', ['+OK', '_', '[_, _]', '_']);
    s.send('w', ['SET', 'a', '1']);
    await s.expect('w', ['+OK']);
    await s.expect('c', [inval('a')]);
    s.send('w', ['MSET', 'b', '1', 'c', '2', 'a', '3'], ['HSET', 'h', 'f', 'v']);
    await s.expect('w', ['+OK', ':1']);
    // One message per key, in modification order; "a" is not tracked any more.
    await s.expect('c', [inval('b'), inval('c'), inval('h')]);
    // The client's own modification, after its reply.
    s.send('c', ['GET', 'b']);
    await s.expect('c', ['"1"']);
    s.send('c', ['SET', 'b', '2']);
    await s.expect('c', ['+OK', inval('b')]);
    // The table ignores databases.
    s.send('c', ['GET', 'a']);
    await s.expect('c', ['"3"']);
    s.send('w', ['SELECT', '1'], ['SET', 'a', 'x']);
    await s.expect('w', ['+OK', '+OK']);
    await s.expect('c', [inval('a')]);
    // Only one message until the key is read again.
    s.send('w', ['SELECT', '0'], ['SET', 'a', 'y']);
    await s.expect('w', ['+OK', '+OK']);
    await s.quiet();
  });

  test('RESP3: FLUSHALL / FLUSHDB send a null to every tracking client', async () => {
    const s = fresh();
    await s.open('c', 3);
    await s.open('b', 3);
    await s.open('w');
    s.send('c', ['CLIENT', 'TRACKING', 'on'], ['GET', 'a']);
    await s.expect('c', ['+OK', '_']);
    s.send('b', ['CLIENT', 'TRACKING', 'on', 'BCAST']);
    await s.expect('b', ['+OK']);
    s.send('w', ['FLUSHALL']);
    await s.expect('w', ['+OK']);
    await s.expect('c', [INVAL_ALL]);
    await s.expect('b', [INVAL_ALL]);
    // Even without tracked keys, and for FLUSHDB of any database (and ASYNC).
    s.send('w', ['SELECT', '5'], ['FLUSHDB', 'ASYNC']);
    await s.expect('w', ['+OK', '+OK']);
    await s.expect('c', [INVAL_ALL]);
    await s.expect('b', [INVAL_ALL]);
    // A failed flush sends nothing; the table was emptied: "a" is not tracked.
    s.send('w', ['FLUSHALL', 'NOW'], ['SET', 'a', '1']);
    await s.expect('w', ['-ERR syntax error', '+OK']);
    await s.expect('b', [inval('a')]);
    // The flushing client itself, after its reply.
    s.send('c', ['FLUSHDB']);
    await s.expect('c', ['+OK', INVAL_ALL]);
    await s.expect('b', [INVAL_ALL]);
    await s.quiet();
  });

  test('RESP3: inside MULTI, messages follow the EXEC reply', async () => {
    const s = fresh();
    await s.open('c', 3);
    s.send('c', ['CLIENT', 'TRACKING', 'on'], ['GET', 'q']);
    await s.expect('c', ['+OK', '_']);
    s.send('c', ['MULTI'], ['SET', 'q', '1'], ['GET', 'q'], ['SET', 'q', '2'], ['EXEC']);
    await s.expect('c', ['+OK', '+QUEUED', '+QUEUED', '+QUEUED', '[+OK, "1", +OK]', inval('q'), inval('q')]);
    await s.quiet();
  });

  test('expired keys are invalidated', async () => {
    const s = fresh();
    await s.open('c', 3);
    await s.open('w');
    s.send('w', ['SET', 'e', 'v', 'PX', '40']);
    await s.expect('w', ['+OK']);
    s.send('c', ['CLIENT', 'TRACKING', 'on'], ['GET', 'e']);
    await s.expect('c', ['+OK', '"v"']);
    await sleep(100);
    // Lazily (read by another client) or by the active expiry cycle.
    s.send('w', ['GET', 'e']);
    await s.expect('w', ['nil']);
    await s.expect('c', [inval('e')]);
    await s.quiet();
  });

  test('NOLOOP: no messages about the client own modifications', async () => {
    const s = fresh();
    await s.open('c', 3);
    await s.open('w');
    s.send('c', ['CLIENT', 'TRACKING', 'on', 'NOLOOP'], ['GET', 'a'], ['GET', 'b']);
    await s.expect('c', ['+OK', '_', '_']);
    s.send('c', ['SET', 'a', '1']);
    await s.expect('c', ['+OK']);
    s.send('w', ['SET', 'b', '1'], ['SET', 'a', '2']);
    await s.expect('w', ['+OK', '+OK']);
    // "a" was forgotten when the client modified it.
    await s.expect('c', [inval('b')]);
    await s.quiet();
  });

  test('BCAST: prefixes, batched per prefix and sorted, NOLOOP', async () => {
    const s = fresh();
    await s.open('p', 3);
    await s.open('all', 3);
    await s.open('w');
    s.send('p', ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'b', 'PREFIX', 'a']);
    await s.expect('p', ['+OK']);
    s.send('all', ['CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP']);
    await s.expect('all', ['+OK']);
    s.send('w', ['SET', 'a2', 'x'], ['SET', 'b1', 'y'], ['SET', 'c1', 'z'], ['SET', 'a1', 'w'], ['DEL', 'a2']);
    await s.expect('w', ['+OK', '+OK', '+OK', '+OK', ':1']);
    await s.expect('p', [inval('a1', 'a2'), inval('b1')]);
    await s.expect('all', [inval('a1', 'a2', 'b1', 'c1')]);
    // NOLOOP: only the keys others modified.
    s.send('all', ['SET', 'a5', '1'], ['SET', 'zz', '1']);
    await s.expect('all', ['+OK', '+OK']);
    await s.expect('p', [inval('a5')]);
    s.send('p', ['SET', 'zz', '2'], ['SET', 'bq', '1']);
    await s.expect('p', ['+OK', '+OK', inval('bq')]);
    await s.expect('all', [inval('bq', 'zz')]);
    // Reads are not tracked in BCAST mode.
    s.send('p', ['GET', 'c1']);
    await s.expect('p', ['"z"']);
    s.send('w', ['SET', 'c1', '2']);
    await s.expect('w', ['+OK']);
    await s.expect('all', [inval('c1')]);
    s.send('p', ['CLIENT', 'TRACKING', 'off']);
    await s.expect('p', ['+OK']);
    s.send('w', ['SET', 'a1', '2']);
    await s.expect('w', ['+OK']);
    await s.expect('all', [inval('a1')]);
    await s.quiet();
  });

  test('RESP2: REDIRECT to a subscribed client, to a RESP3 client, to nobody', async () => {
    const s = fresh();
    await s.open('c');
    await s.open('sub');
    await s.open('r3', 3);
    await s.open('plain');
    s.send('sub', ['SUBSCRIBE', '__redis__:invalidate']);
    await s.expect('sub', ['["subscribe", "__redis__:invalidate", :1]']);
    s.send('c', ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '{sub}'], ['GET', 'a'], ['SET', 'a', '1'], ['FLUSHALL']);
    await s.expect('c', ['+OK', 'nil', '+OK', '+OK']);
    // The null follows the protocol of the tracking client.
    await s.expect('sub', [msg2('a'), '["message", "__redis__:invalidate", nil]']);
    s.send('c', ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '{r3}'], ['GET', 'a'], ['SET', 'a', '1'], ['FLUSHDB']);
    await s.expect('c', ['+OK', 'nil', '+OK', '+OK']);
    await s.expect('r3', [inval('a'), '>["invalidate", nil]']);
    // A RESP2 client not in Pub/Sub mode cannot receive anything.
    s.send('c', ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '{plain}'], ['GET', 'a'], ['SET', 'a', '1']);
    await s.expect('c', ['+OK', 'nil', '+OK']);
    // Without REDIRECT a RESP2 client gets nothing either.
    s.send('c', ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '{c}'], ['GET', 'a'], ['SET', 'a', '2']);
    await s.expect('c', ['+OK', '"1"', '+OK']);
    await s.quiet();
  });

  test('broken redirection', async () => {
    const s = fresh();
    await s.open('c2');
    await s.open('c3', 3);
    await s.open('gone');
    s.send('c2', ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '{gone}'], ['GET', 'a']);
    await s.expect('c2', ['+OK', 'nil']);
    s.send('c3', ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '{gone}'], ['GET', 'a']);
    await s.expect('c3', ['+OK', '_']);
    s.send('c2', ['CLIENT', 'TRACKINGINFO']);
    await s.expect('c2', ['["flags", ["on"], "redirect", :{gone}, "prefixes", []]']);
    await s.close('gone');
    await sleep(50);
    s.send('c2', ['SET', 'a', '1']);
    await s.expect('c2', ['+OK']);
    // Reported in RESP3 only, and only when a message could not be sent.
    await s.expect('c3', ['>["tracking-redir-broken", :{gone}]']);
    s.send('c2', ['CLIENT', 'TRACKINGINFO'], ['CLIENT', 'GETREDIR']);
    await s.expect('c2', ['["flags", ["on", "broken_redirect"], "redirect", :{gone}, "prefixes", []]', ':{gone}']);
    s.send('c3', ['CLIENT', 'TRACKINGINFO']);
    await s.expect('c3', ['%{"flags" => ~{"on", "broken_redirect"}, "redirect" => :{gone}, "prefixes" => []}']);
    // Re-enabling clears it.
    s.send('c3', ['CLIENT', 'TRACKING', 'on'], ['CLIENT', 'TRACKINGINFO']);
    await s.expect('c3', ['+OK', '%{"flags" => ~{"on"}, "redirect" => :0, "prefixes" => []}']);
    await s.quiet();
  });

  test('OPTIN: only the command after CLIENT CACHING YES, which survives CLIENT and MULTI', async () => {
    const s = fresh();
    await s.open('c', 3);
    await s.open('w');
    s.send('c', ['CLIENT', 'TRACKING', 'on', 'OPTIN'], ['GET', 'k1'], ['CLIENT', 'CACHING', 'yes'], ['GET', 'k2'], ['GET', 'k3']);
    await s.expect('c', ['+OK', '_', '+OK', '_', '_']);
    s.send('c', ['CLIENT', 'CACHING', 'yes'], ['CLIENT', 'ID'], ['MGET', 'k4', 'k5'], ['GET', 'k6']);
    await s.expect('c', ['+OK', ':{c}', '[_, _]', '_']);
    s.send('c', ['CLIENT', 'CACHING', 'yes'], ['PING'], ['GET', 'k7']);
    await s.expect('c', ['+OK', '+PONG', '_']);
    s.send('c', ['CLIENT', 'CACHING', 'yes'], ['MULTI'], ['GET', 'k8'], ['GET', 'k9'], ['EXEC']);
    await s.expect('c', ['+OK', '+OK', '+QUEUED', '+QUEUED', '[_, _]']);
    s.send('c', ['GET', 'k10']);
    await s.expect('c', ['_']);
    // Given alone, the flag waits for the next command, and shows in TRACKINGINFO until then.
    s.send('c', ['CLIENT', 'CACHING', 'yes']);
    await s.expect('c', ['+OK']);
    s.send('c', ['CLIENT', 'TRACKINGINFO']);
    await s.expect('c', ['%{"flags" => ~{"on", "optin", "caching-yes"}, "redirect" => :0, "prefixes" => []}']);
    s.send('c', ['GET', 'k11']);
    await s.expect('c', ['_']);
    s.send('c', ['CLIENT', 'TRACKINGINFO']);
    await s.expect('c', ['%{"flags" => ~{"on", "optin"}, "redirect" => :0, "prefixes" => []}']);
    s.send('c', ['CLIENT', 'CACHING', 'yes']);
    await s.expect('c', ['+OK']);
    s.send('c', ['SET', 'x', '1']);
    await s.expect('c', ['+OK']);
    s.send('c', ['GET', 'k12']);
    await s.expect('c', ['_']);
    const keys = Array.from({ length: 12 }, (_, i) => `k${i + 1}`);
    s.send('w', ['MSET', ...keys.flatMap((k) => [k, '1'])]);
    await s.expect('w', ['+OK']);
    await s.expect('c', [inval('k2'), inval('k4'), inval('k5'), inval('k8'), inval('k9'), inval('k11')]);
    await s.quiet();
  });

  test('OPTOUT: all but the command after CLIENT CACHING NO', async () => {
    const s = fresh();
    await s.open('c', 3);
    await s.open('w');
    s.send('c', ['CLIENT', 'TRACKING', 'on', 'OPTOUT'], ['GET', 'k1'], ['CLIENT', 'CACHING', 'no'], ['GET', 'k2'], ['GET', 'k3']);
    await s.expect('c', ['+OK', '_', '+OK', '_', '_']);
    s.send('c', ['CLIENT', 'CACHING', 'no']);
    await s.expect('c', ['+OK']);
    s.send('c', ['CLIENT', 'TRACKINGINFO']);
    await s.expect('c', ['%{"flags" => ~{"on", "optout", "caching-no"}, "redirect" => :0, "prefixes" => []}']);
    s.send('c', ['GET', 'k4']);
    await s.expect('c', ['_']);
    s.send('c', ['GET', 'k5']);
    await s.expect('c', ['_']);
    s.send('w', ['MSET', 'k1', '1', 'k2', '1', 'k3', '1', 'k4', '1', 'k5', '1']);
    await s.expect('w', ['+OK']);
    await s.expect('c', [inval('k1'), inval('k3'), inval('k5')]);
    await s.quiet();
  });

  test('TRACKING off stops messages; keys read before are dropped lazily', async () => {
    const s = fresh();
    await s.open('c', 3);
    await s.open('w');
    s.send('c', ['CLIENT', 'TRACKING', 'on'], ['GET', 'a'], ['CLIENT', 'TRACKING', 'off']);
    await s.expect('c', ['+OK', '_', '+OK']);
    s.send('w', ['SET', 'a', '1']);
    await s.expect('w', ['+OK']);
    s.send('c', ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'z'], ['GET', 'b']);
    await s.expect('c', ['+OK', '_']);
    s.send('w', ['SET', 'b', '1'], ['SET', 'zz', '1']);
    await s.expect('w', ['+OK', '+OK']);
    await s.expect('c', [inval('zz')]);
    await s.quiet();
  });

  test('a tracking client that disconnects', async () => {
    const s = fresh();
    await s.open('c', 3);
    await s.open('b', 3);
    await s.open('w');
    s.send('c', ['CLIENT', 'TRACKING', 'on'], ['GET', 'a']);
    await s.expect('c', ['+OK', '_']);
    s.send('b', ['CLIENT', 'TRACKING', 'on', 'BCAST']);
    await s.expect('b', ['+OK']);
    await s.close('c');
    await s.close('b');
    await sleep(50);
    s.send('w', ['SET', 'a', '1'], ['FLUSHALL'], ['PING']);
    await s.expect('w', ['+OK', '+OK', '+PONG']);
    await s.quiet();
  });

  test('tracking-table-max-keys: keys beyond the limit are forgotten with an invalidation', async () => {
    const s = fresh();
    await s.open('c', 3);
    await s.open('w');
    s.send('w', ['CONFIG', 'SET', 'tracking-table-max-keys', '2']);
    await s.expect('w', ['+OK']);
    try {
      s.send('c', ['CLIENT', 'TRACKING', 'on'], ['MGET', 'k1', 'k2', 'k3', 'k4']);
      await s.expect('c', ['+OK', '[_, _, _, _]']);
      // Redis picks the keys at random: only how many is compared.
      const [r, t] = await Promise.all(
        SIDES.map(async (side) => {
          const sess = s.session('c');
          const got: string[] = [];
          for (let i = 0; i < 2; i++) got.push(formatReply(await sess[side].read(2000)));
          return got.map((x) => x.replace(/"k\d"/, '"k?"'));
        }),
      );
      expect(r).toEqual([inval('k?'), inval('k?')]);
      expect(t).toEqual(r);
      await s.quiet(150);
    } finally {
      s.send('w', ['CONFIG', 'SET', 'tracking-table-max-keys', '1000000']);
      await s.expect('w', ['+OK']);
    }
  });

  test.fails('known difference: a pipelined self-invalidation comes after the whole pipeline, not after its command', async () => {
    const s = fresh();
    await s.open('c', 3);
    s.send('c', ['CLIENT', 'TRACKING', 'on'], ['GET', 'a']);
    await s.expect('c', ['+OK', '_']);
    s.send('c', ['SET', 'a', '1'], ['PING']);
    await s.expect('c', ['+OK', inval('a'), '+PONG']);
  });
});

// ---------------------------------------------------------------------------
// node-redis against Tachyon

describe('node-redis RESP3 client', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, save: '', appendonly: 'no' });
  });
  afterAll(() => server.close());

  test('emitInvalidate: invalidate events for keys read, null on FLUSHALL', async () => {
    const tracked = createClient({ RESP: 3, emitInvalidate: true, socket: { port: server.port } });
    const writer = createClient({ socket: { port: server.port } });
    const events: Array<string | null> = [];
    tracked.on('invalidate', (key: Buffer | null) => events.push(key === null ? null : key.toString()));
    await Promise.all([tracked.connect(), writer.connect()]);
    try {
      await tracked.sendCommand(['CLIENT', 'TRACKING', 'ON']);
      await writer.set('nr:a', '1');
      expect(await tracked.get('nr:a')).toBe('1');
      await tracked.mGet(['nr:b', 'nr:c']);
      await writer.set('nr:a', '2');
      await writer.mSet({ 'nr:b': '1', 'nr:c': '1' });
      await writer.flushAll();
      await tracked.ping();
      await sleep(50);
      expect(events).toEqual(['nr:a', 'nr:b', 'nr:c', null]);
    } finally {
      await Promise.all([tracked.quit(), writer.quit()]);
    }
  });

  test('client-side cache: served locally until invalidated', async () => {
    const cached = createClient({ RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0 }, socket: { port: server.port } });
    const writer = createClient({ socket: { port: server.port } });
    await Promise.all([cached.connect(), writer.connect()]);
    try {
      await writer.set('csc:k', 'v1');
      expect(await cached.get('csc:k')).toBe('v1');
      expect(await cached.get('csc:k')).toBe('v1');
      const cache = cached.clientSideCache!;
      expect(cache.stats().hitCount).toBeGreaterThanOrEqual(1);
      await writer.set('csc:k', 'v2');
      // The invalidation push travels on its own; wait until the entry is gone.
      for (let i = 0; i < 50 && (await cached.get('csc:k')) !== 'v2'; i++) await sleep(10);
      expect(await cached.get('csc:k')).toBe('v2');
    } finally {
      await Promise.all([cached.quit(), writer.quit()]);
    }
  });
});
