/**
 * CLIENT PAUSE / CLIENT UNPAUSE (src/features/pause.ts), compared with a real
 * redis-server 7.0: error texts, and for each reply whether it came at once
 * or only when the pause ended (ALL and WRITE modes, pipelines, MULTI,
 * inline requests, requests split across reads, UNPAUSE, extending a pause,
 * MONITOR clients).
 */
import { describe, test } from 'vitest';
import { exp, useDifferential, type Differential } from '../helpers/differential';
import { sleep, type Reply } from '../helpers/resp';
import { Scene, type Side } from '../helpers/scene';

/** Replies tagged with when they came relative to the pause under test. */
class PauseScene extends Scene {
  private t0 = 0;

  constructor(
    d: Differential,
    /** Length of the pause under test (ms). */
    private readonly pauseMs: number,
  ) {
    super(d, { timeoutMs: pauseMs + 3000 });
  }

  /** Time 0 of the scene: call right before sending CLIENT PAUSE. */
  start(): void {
    this.t0 = performance.now();
  }

  /** "now" before half the pause, "later" after 80% of it, "?" in between. */
  private when(ms: number): string {
    if (ms < this.pauseMs * 0.5) return 'now';
    if (ms >= this.pauseMs * 0.8) return 'later';
    return `? (${Math.round(ms)} ms)`;
  }

  protected override show(side: Side, r: Reply): string {
    return `${super.show(side, r)} @${this.when(performance.now() - this.t0)}`;
  }

  /** Waits until every reply of the pause came (the end of the pause plus Redis's cron delay). */
  async settle(): Promise<void> {
    const left = this.pauseMs + 150 - (performance.now() - this.t0);
    if (left > 0) await sleep(left);
  }
}

describe('CLIENT PAUSE / UNPAUSE', () => {
  const d = useDifferential();

  test('errors', () =>
    d.check(
      exp(['CLIENT', 'PAUSE', 'abc'], '-ERR timeout is not an integer or out of range'),
      exp(['CLIENT', 'PAUSE', '1.5'], '-ERR timeout is not an integer or out of range'),
      exp(['CLIENT', 'PAUSE', '-1'], '-ERR timeout is negative'),
      exp(['CLIENT', 'PAUSE', '1', 'foo'], '-ERR CLIENT PAUSE mode must be WRITE or ALL'),
      exp(['CLIENT', 'PAUSE', 'abc', 'foo'], '-ERR CLIENT PAUSE mode must be WRITE or ALL'),
      exp(
        ['CLIENT', 'pause', '1', 'write', 'x'],
        "-ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP.",
      ),
      exp(['CLIENT', 'PAUSE'], "-ERR wrong number of arguments for 'client|pause' command"),
      exp(['CLIENT', 'UNPAUSE', 'x'], "-ERR wrong number of arguments for 'client|unpause' command"),
      exp(['CLIENT', 'UNPAUSE'], '+OK'),
      // A zero timeout, or one past the 64-bit clock, pauses nothing.
      exp(['CLIENT', 'PAUSE', '0', 'ALL'], '+OK'),
      exp(['SET', 'k', '1'], '+OK'),
      exp(['CLIENT', 'PAUSE', '9223372036854775807'], '+OK'),
      exp(['SET', 'k', '2'], '+OK'),
    ));

  test('ALL: every command of every other client waits, CLIENT UNPAUSE too', async () => {
    const s = new PauseScene(d, 400);
    await s.openAll('admin', 'a', 'b');
    s.start();
    s.send('admin', ['CLIENT', 'PAUSE', '400', 'ALL']);
    await s.expect('admin', ['+OK @now']);
    s.send('a', ['PING'], ['SET', 'k', 'v']);
    s.send('b', ['CLIENT', 'UNPAUSE']);
    await sleep(50);
    s.send('admin', ['GET', 'k']);
    await Promise.all([
      s.expect('a', ['+PONG @later', '+OK @later']),
      s.expect('b', ['+OK @later']),
      s.expect('admin', ['"v" @later']),
    ]);
  });

  test('WRITE: reads go through, a write waits and everything after it', async () => {
    const s = new PauseScene(d, 400);
    await s.openAll('admin', 'a', 'b', 'c', 'd', 'e');
    s.start();
    s.send('admin', ['CLIENT', 'PAUSE', '400', 'WRITE'], ['GET', 'k']);
    await s.expect('admin', ['+OK @now', 'nil @now']);
    s.send('a', ['GET', 'k'], ['SET', 'k', '1'], ['GET', 'k']);
    s.send('b', ['MULTI'], ['GET', 'k'], ['EXEC'], ['PUBLISH', 'ch', 'm']);
    s.send('c', ['MULTI']);
    s.send('d', ['SET', 'k'], ['LPUSH', 'l', 'x'], ['PING']);
    s.sendRaw('e', 'EXISTS k\r\nINCR n\r\n');
    const c = (async () => {
      await s.expect('c', ['+OK @now']);
      s.send('c', ['SET', 'x', '1'], ['EXEC']);
      await s.expect('c', ['+QUEUED @later', '[+OK] @later']);
    })();
    await Promise.all([
      s.expect('a', ['nil @now', '+OK @later', '"1" @later']),
      s.expect('b', ['+OK @now', '+QUEUED @now', '[nil] @now', ':0 @later']),
      c,
      // A write with the wrong number of arguments gets its error at once.
      s.expect('d', ["-ERR wrong number of arguments for 'set' command @now", ':1 @later', '+PONG @later']),
      s.expect('e', [':0 @now', ':1 @later']),
    ]);
  });

  test('WRITE: requests split across reads', async () => {
    const s = new PauseScene(d, 400);
    await s.openAll('admin', 'a', 'b');
    s.start();
    s.send('admin', ['CLIENT', 'PAUSE', '400', 'WRITE']);
    await s.expect('admin', ['+OK @now']);
    s.sendRaw('a', '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$3\r\nSE');
    s.sendRaw('b', '*2\r\n$3\r\nGET');
    await sleep(30);
    s.sendRaw('a', 'T\r\n$1\r\nk\r\n$1\r\nv\r\n');
    s.sendRaw('b', '\r\n$1\r\nk\r\n');
    await Promise.all([s.expect('a', ['nil @now', '+OK @later']), s.expect('b', ['nil @now'])]);
  });

  test('CLIENT UNPAUSE ends the pause at once', async () => {
    const s = new PauseScene(d, 2000);
    await s.openAll('admin', 'a');
    s.start();
    s.send('admin', ['CLIENT', 'PAUSE', '2000', 'WRITE']);
    await s.expect('admin', ['+OK @now']);
    s.send('a', ['SET', 'k', 'v'], ['GET', 'k']);
    await sleep(100);
    s.send('admin', ['CLIENT', 'UNPAUSE']);
    await s.expect('admin', ['+OK @now']);
    await s.expect('a', ['+OK @now', '"v" @now']);
  });

  test('a new pause changes the mode and never ends earlier', async () => {
    const s = new PauseScene(d, 600);
    await s.openAll('admin', 'a', 'b');
    s.start();
    s.send('admin', ['CLIENT', 'PAUSE', '600', 'WRITE']);
    await s.expect('admin', ['+OK @now']);
    s.send('a', ['CLIENT', 'PAUSE', '100', 'ALL']);
    await s.expect('a', ['+OK @now']);
    await sleep(150);
    s.send('b', ['GET', 'k']);
    await s.expect('b', ['nil @later']);
    await s.settle();
  });

  test('MONITOR clients are never paused', async () => {
    const s = new PauseScene(d, 400);
    await s.openAll('admin', 'm', 'a');
    // MONITOR must be in effect before the pause starts (else it is held too).
    s.start();
    s.send('m', ['MONITOR']);
    await s.expect('m', ['+OK @now']);
    s.start();
    s.send('admin', ['CLIENT', 'PAUSE', '400', 'ALL']);
    await s.expect('admin', ['+OK @now']);
    s.send('m', ['PING']);
    s.send('a', ['PING']);
    await Promise.all([s.expect('m', ['+PONG @now']), s.expect('a', ['+PONG @later'])]);
    await s.settle();
  });

  test('commands pipelined after CLIENT PAUSE ALL by the pausing client wait for its end', async () => {
    const s = new PauseScene(d, 400);
    await s.open('admin');
    s.start();
    s.send('admin', ['CLIENT', 'PAUSE', '400', 'ALL'], ['PING']);
    await s.expect('admin', ['+OK @now', '+PONG @later']);
  });

  test("after CLIENT PAUSE WRITE, the pausing client's pipelined reads run and its writes wait", async () => {
    const s = new PauseScene(d, 400);
    await s.open('admin');
    s.start();
    s.send('admin', ['CLIENT', 'PAUSE', '400', 'WRITE'], ['GET', 'pw:k'], ['SET', 'pw:k', 'v'], ['GET', 'pw:k']);
    await s.expect('admin', ['+OK @now', 'nil @now', '+OK @later', '"v" @later']);
  });
});
