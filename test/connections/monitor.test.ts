/**
 * MONITOR (src/features/monitor.ts), compared line by line with a real
 * redis-server 7.0: the commands of every client (its own included), the
 * database after the command, the quoting of binary arguments, what is not
 * shown (rejected commands, admin commands), MONITOR twice, MONITOR inside
 * MULTI, QUIT. Timestamps and client addresses are checked for their form and
 * then replaced by the connection's name.
 *
 * The known differences at the end (test.fails) need native or registry
 * changes: see the report in the module's header comment.
 */
import { describe, expect, test } from 'vitest';
import { monitorLine, quoteRepr } from '../../src/features/monitor';
import { useDifferential, type Differential } from '../helpers/differential';
import { formatReply, sleep, type Reply } from '../helpers/resp';
import { Scene, type Side } from '../helpers/scene';

const LINE = /^(\d{10})\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)$/s;

/** MONITOR lines are shown as `[db name] args`: timestamps checked for their form, addresses named. */
class MonitorScene extends Scene {
  constructor(d: Differential) {
    super(d, { timeoutMs: 1500 });
  }

  protected override show(side: Side, r: Reply): string {
    if (r.type !== 'simple') return formatReply(r);
    const m = LINE.exec(r.value);
    if (!m) return formatReply(r);
    const ms = Number(m[1]) * 1000 + Number(m[2]) / 1000;
    if (Math.abs(ms - Date.now()) > 60_000) return `<bad timestamp ${m[1]}.${m[2]}>`;
    return `[${m[3]} ${this.addrs[side].get(m[4]) ?? `<unknown address ${m[4]}>`}] ${m[5]}`;
  }
}

describe('line format', () => {
  test('sdscatrepr quoting', () => {
    expect(quoteRepr(Buffer.from('plain text'))).toBe('"plain text"');
    expect(quoteRepr(Buffer.from('q"\\\n\r\t\x07\x08', 'latin1'))).toBe('"q\\"\\\\\\n\\r\\t\\a\\b"');
    expect(quoteRepr(Buffer.from([0x00, 0x01, 0x1f, 0x7f, 0x80, 0xff]))).toBe('"\\x00\\x01\\x1f\\x7f\\x80\\xff"');
    expect(quoteRepr(Buffer.alloc(0))).toBe('""');
    expect(quoteRepr(Buffer.from('héllo'))).toBe('"h\\xc3\\xa9llo"');
  });

  test('+<seconds>.<microseconds> [<db> <address>] "arg" ...', () => {
    const before = Date.now();
    const line = monitorLine(3, '127.0.0.1:5000', [Buffer.from('SET'), Buffer.from('k'), Buffer.from('a b')]).toString(
      'latin1',
    );
    const m = /^\+(\d+)\.(\d{6}) \[3 127\.0\.0\.1:5000\] "SET" "k" "a b"\r\n$/.exec(line);
    expect(m, line).not.toBeNull();
    const ms = Number(m![1]) * 1000 + Number(m![2]) / 1000;
    expect(ms).toBeGreaterThanOrEqual(before - 1);
    expect(ms).toBeLessThanOrEqual(Date.now() + 1);
  });
});

describe('MONITOR', () => {
  const d = useDifferential();

  test('shows the commands of every client, after they ran', async () => {
    const s = new MonitorScene(d);
    await s.open('m');
    await s.open('a');
    await s.open('b', 3);
    s.send('m', ['MONITOR']);
    await s.expect('m', ['+OK']);
    s.send('a', ['SET', 'k', '1'], ['GET', 'nosuch', 'x'], ['NOSUCHCMD'], ['INCR', 'n'], ['SELECT', '3'], ['SET', 'x', 'y']);
    await s.expect('a', [
      '+OK',
      "-ERR wrong number of arguments for 'get' command",
      "-ERR unknown command 'NOSUCHCMD', with args beginning with: ",
      ':1',
      '+OK',
      '+OK',
    ]);
    // Rejected commands are not shown; SELECT shows the database it selected.
    await s.expect('m', [
      '[0 a] "SET" "k" "1"',
      '[0 a] "INCR" "n"',
      '[3 a] "SELECT" "3"',
      '[3 a] "SET" "x" "y"',
    ]);
    s.send('b', ['SET', 'bin', Buffer.from('q"\\\n\r\t\x07\x08\x01\x7f\xff z', 'latin1')], ['SELECT', '99'], ['DBSIZE']);
    await s.expect('b', ['+OK', '-ERR DB index is out of range', ':3']);
    await s.expect('m', [
      '[0 b] "SET" "bin" "q\\"\\\\\\n\\r\\t\\a\\b\\x01\\x7f\\xff z"',
      '[0 b] "SELECT" "99"',
      '[0 b] "DBSIZE"',
    ]);
    // Its own commands too.
    s.send('m', ['PING']);
    await s.expect('m', ['+PONG', '[0 m] "PING"']);
    s.send('m', ['ECHO', 'hi']);
    await s.expect('m', ['"hi"', '[0 m] "ECHO" "hi"']);
    await s.quiet();
  });

  test('QUIT ends it; several monitors; a second MONITOR gets no reply', async () => {
    const s = new MonitorScene(d);
    await s.open('m1');
    await s.open('m2', 3);
    await s.open('m3');
    await s.open('a');
    s.send('m1', ['MONITOR']);
    await s.expect('m1', ['+OK']);
    s.send('a', ['LPUSH', 'l', 'x']);
    await s.expect('a', [':1']);
    await s.expect('m1', ['[0 a] "LPUSH" "l" "x"']);
    s.send('m1', ['QUIT']);
    await s.expect('m1', ['+OK']);
    await s.closed('m1');
    s.send('m2', ['MONITOR'], ['MONITOR'], ['PING']);
    await s.expect('m2', ['+OK', '+PONG', '[0 m2] "PING"']);
    s.send('m3', ['MONITOR']);
    await s.expect('m3', ['+OK']);
    s.send('a', ['RPOP', 'l']);
    await s.expect('a', ['"x"']);
    await s.expect('m2', ['[0 a] "RPOP" "l"']);
    await s.expect('m3', ['[0 a] "RPOP" "l"']);
    await s.quiet();
  });

  test('MONITOR inside MULTI is refused', async () => {
    const s = new MonitorScene(d);
    await s.open('a');
    s.send('a', ['MULTI'], ['MONITOR'], ['EXEC'], ['PING']);
    await s.expect('a', ['+OK', '+QUEUED', "[-ERR MONITOR isn't allowed for DENY BLOCKING client]", '+PONG']);
    await s.quiet();
  });

  test('commands that ran before MONITOR are not shown', async () => {
    const s = new MonitorScene(d);
    await s.open('a');
    await s.open('t', 3);
    // With a tracking client the native command stream is already on.
    s.send('t', ['CLIENT', 'TRACKING', 'on']);
    await s.expect('t', ['+OK']);
    s.send('a', ['SET', 'k', 'v'], ['MONITOR'], ['PING']);
    await s.expect('a', ['+OK', '+OK', '+PONG', '[0 a] "PING"']);
    await s.quiet();
  });

  // -------------------------------------------------------------------------
  // Known differences: each needs a change outside monitor.ts.

  test.fails('known difference: MULTI ... EXEC shows EXEC after the queued commands (native: feed after the call)', async () => {
    const s = new MonitorScene(d);
    await s.open('m');
    await s.open('a');
    s.send('m', ['MONITOR']);
    await s.expect('m', ['+OK']);
    s.send('a', ['MULTI'], ['SET', 'b', '2'], ['GET', 'b'], ['EXEC']);
    await s.expect('a', ['+OK', '+QUEUED', '+QUEUED', '[+OK, "2"]']);
    await s.expect('m', ['[0 a] "MULTI"', '[0 a] "SET" "b" "2"', '[0 a] "GET" "b"', '[0 a] "EXEC"']);
  });

  test('a blocked command is shown once', async () => {
    const s = new MonitorScene(d);
    await s.open('m');
    await s.open('a');
    await s.open('b');
    s.send('m', ['MONITOR']);
    await s.expect('m', ['+OK']);
    s.send('a', ['BLPOP', 'l', '0']);
    await sleep(50);
    s.send('b', ['RPUSH', 'l', '1']);
    await s.expect('b', [':1']);
    await s.expect('a', ['["l", "1"]']);
    s.send('b', ['PING']);
    await s.expect('b', ['+PONG']);
    await s.expect('m', ['[0 a] "BLPOP" "l" "0"', '[0 b] "RPUSH" "l" "1"', '[0 b] "PING"']);
  });

  test('commands run by TypeScript are shown', async () => {
    const s = new MonitorScene(d);
    await s.open('m');
    await s.open('a');
    s.send('m', ['MONITOR']);
    await s.expect('m', ['+OK']);
    s.send('a', ['CLIENT', 'SETNAME', 'x'], ['PUBLISH', 'ch', 'hi'], ['AUTH', 'u', 'p'], ['CONFIG', 'GET', 'maxmemory'], ['PING']);
    await s.expect('a', [
      '+OK',
      ':0',
      '-WRONGPASS invalid username-password pair or user is disabled.',
      '["maxmemory", "0"]',
      '+PONG',
    ]);
    // CONFIG is an admin command: not shown. AUTH arguments are redacted.
    await s.expect('m', [
      '[0 a] "CLIENT" "SETNAME" "x"',
      '[0 a] "PUBLISH" "ch" "hi"',
      '[0 a] "AUTH" "(redacted)" "(redacted)"',
      '[0 a] "PING"',
    ]);
  });

  test("MIGRATE's AUTH and AUTH2 credentials are redacted (not a KEYS argument that reads AUTH)", async () => {
    const s = new MonitorScene(d);
    await s.open('m');
    await s.open('a');
    s.send('m', ['MONITOR']);
    await s.expect('m', ['+OK']);
    // Port 1 refuses: each MIGRATE fails after its options were read.
    s.send(
      'a',
      ['SET', 'k', 'v'],
      ['MIGRATE', '127.0.0.1', '1', 'k', '0', '100', 'COPY', 'AUTH', 'secret'],
      ['MIGRATE', '127.0.0.1', '1', 'k', '0', '100', 'AUTH2', 'user', 'pw2'],
      ['MIGRATE', '127.0.0.1', '1', '', '0', '100', 'KEYS', 'AUTH', 'k'],
    );
    await s.expect('a', [
      '+OK',
      '-IOERR error or timeout writing to target instance',
      '-IOERR error or timeout writing to target instance',
      '-IOERR error or timeout writing to target instance',
    ]);
    await s.expect('m', [
      '[0 a] "SET" "k" "v"',
      '[0 a] "MIGRATE" "127.0.0.1" "1" "k" "0" "100" "COPY" "AUTH" "(redacted)"',
      '[0 a] "MIGRATE" "127.0.0.1" "1" "k" "0" "100" "AUTH2" "(redacted)" "(redacted)"',
      '[0 a] "MIGRATE" "127.0.0.1" "1" "" "0" "100" "KEYS" "AUTH" "k"',
    ]);
  });

  test.fails('known difference: lines of a pipeline of its own come after the whole pipeline (events are pumped per read)', async () => {
    const s = new MonitorScene(d);
    await s.open('m');
    s.send('m', ['MONITOR']);
    await s.expect('m', ['+OK']);
    s.send('m', ['PING'], ['ECHO', 'hi']);
    await s.expect('m', ['+PONG', '[0 m] "PING"', '"hi"', '[0 m] "ECHO" "hi"']);
  });

  test('a MONITOR client may not touch the keyspace', async () => {
    const s = new MonitorScene(d);
    await s.open('m');
    s.send('m', ['MONITOR'], ['GET', 'k']);
    await s.expect('m', ['+OK', "-ERR Replica can't interact with the keyspace"]);
  });

  test('RESET ends MONITOR', async () => {
    const s = new MonitorScene(d);
    await s.open('m');
    await s.open('a');
    s.send('m', ['MONITOR'], ['RESET']);
    await s.expect('m', ['+OK', '+RESET']);
    s.send('a', ['PING']);
    await s.expect('a', ['+PONG']);
    await s.quiet();
  });
});
