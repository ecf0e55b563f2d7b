/**
 * A shutdown that waits for lagging replicas, as Redis 7.0's
 * prepareForShutdown / isReadyToShutdown / finishShutdown / abortShutdown.
 *
 * SHUTDOWN (without NOW) and SIGTERM/SIGINT on a master whose replicas have
 * not all acknowledged its offset: writes are paused (a WRITE pause of our
 * own), the replicas are asked for an ACK (REPLCONF GETACK), and the
 * shutdown finishes when they all acknowledged or `shutdown-timeout`
 * seconds passed (0: no waiting). Meanwhile the SHUTDOWN client waits for
 * its reply (none if the server exits; an error if the shutdown is
 * cancelled), SHUTDOWN ABORT cancels, and another SHUTDOWN just waits too.
 */
import { RespWriter } from '../protocol/resp-writer';
import type { ServerContext } from '../context';
import type { Pause } from '../features/pause';
import type { Connection } from '../network/connection';
import type { ShutdownFlags } from '../persistence/persistence';
import type { Replication } from './replication';

/** Checked at Redis's default hz: serverCron looks 10 times a second. */
const POLL_MS = 100;

export class ShutdownWait {
  private flags: ShutdownFlags = {};
  /** Unix ms the wait ends; 0 when no shutdown is initiated. */
  private deadline = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly blocked = new Set<Connection>();

  constructor(
    private readonly ctx: ServerContext,
    private readonly replication: Replication,
    private readonly pause: Pause,
    /** finishShutdown's writing and closing; false when it failed (the server keeps running). */
    private readonly finish: (flags: ShutdownFlags) => boolean,
  ) {}

  get initiated(): boolean {
    return this.deadline !== 0;
  }

  /**
   * prepareForShutdown: 'done' (the server is closing), 'failed' (it keeps
   * running), or 'waiting' (for replicas; `conn`, if any, waits for its reply).
   */
  begin(flags: ShutdownFlags, conn?: Connection): 'done' | 'failed' | 'waiting' {
    if (this.initiated) {
      if (conn) this.block(conn);
      return 'waiting';
    }
    this.flags = flags;
    this.ctx.log.warning('User requested shutdown...');
    const timeout = Number(this.ctx.config.get('shutdown-timeout'));
    if (!flags.now && timeout !== 0 && !this.ready()) {
      this.deadline = Date.now() + timeout * 1000;
      if (!this.pause.active) this.replication.requestAcks();
      this.pause.pauseFor('shutdown', 'write');
      this.ctx.log.notice('Waiting for replicas before shutting down.');
      if (conn) this.block(conn);
      this.timer = setInterval(() => this.poll(), POLL_MS);
      return 'waiting';
    }
    return this.complete() ? 'done' : 'failed';
  }

  /** SHUTDOWN ABORT: false when no shutdown is in progress. */
  abort(): boolean {
    if (!this.initiated) return false;
    this.cancel();
    this.ctx.log.notice('Shutdown manually aborted.');
    return true;
  }

  /** isReadyToShutdown: every replica acknowledged our whole stream. */
  private ready(): boolean {
    const offset = this.replication.offset;
    return this.replication.replicaSummaries().every((r) => r.ackOffset === offset);
  }

  private poll(): void {
    if (Date.now() >= this.deadline || this.ready()) {
      if (!this.complete()) this.cancel();
    }
  }

  /** finishShutdown: says which replicas lag, then writes and closes. */
  private complete(): boolean {
    this.stopTimer();
    const offset = this.replication.offset;
    const replicas = this.replication.replicaSummaries();
    let lagging = 0;
    for (const r of replicas) {
      if (r.ackOffset === offset) continue;
      lagging++;
      const lag = r.state === 'online' ? Math.floor((Date.now() - r.ackTime) / 1000) : 0;
      this.ctx.log.warning(
        `Lagging replica ${r.ip}:${r.port} reported offset ${offset - r.ackOffset} behind master, lag=${lag}, state=${r.state}.`,
      );
    }
    if (replicas.length > 0) {
      this.ctx.log.notice(`${replicas.length - lagging} of ${replicas.length} replicas are in sync when shutting down.`);
    }
    if (this.finish(this.flags)) return true;
    this.ctx.log.warning('Errors trying to shut down the server. Check the logs for more information.');
    return false;
  }

  /** cancelShutdown: the waiting SHUTDOWN clients get an error, writes go on. */
  private cancel(): void {
    this.stopTimer();
    this.deadline = 0;
    this.flags = {};
    for (const conn of this.blocked) {
      conn.resumeWith(new RespWriter(conn.resp).error('ERR Errors trying to SHUTDOWN. Check logs.').toBuffer());
    }
    this.blocked.clear();
    this.pause.unpauseFor('shutdown');
  }

  private block(conn: Connection): void {
    this.blocked.add(conn);
    conn.onRelease(this.release);
    conn.suspend();
  }

  private readonly release = (conn: Connection): void => void this.blocked.delete(conn);

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.stopTimer();
  }
}
