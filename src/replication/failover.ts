/**
 * FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms], as Redis 7.0's
 * coordinated failover (replication.c: failoverCommand,
 * updateFailoverStatus, abortFailover, clearFailoverState).
 *
 *   no-failover -> FAILOVER: writes paused (CLIENT PAUSE WRITE of our own),
 *   waiting-for-sync until a replica (the one named by TO, else any)
 *   acknowledged our whole stream, or TIMEOUT passed (FORCE: fail over
 *   anyway, else abort)
 *   -> failover-in-progress: we become a replica of that replica, whose
 *   handshake ends with `PSYNC <our replid> <offset+1> FAILOVER`: the
 *   target turns master and continues from us (+CONTINUE). Any reply to
 *   that PSYNC but +CONTINUE/+FULLRESYNC aborts: we are a master again.
 *   -> no-failover, writes unpaused (on the old master they now get -READONLY).
 *
 * The target's side (a replica getting PSYNC ... FAILOVER from its master)
 * is in Replication.sync().
 */
import type { CommandCall, CommandRegistry } from '../commands/registry';
import type { ServerContext } from '../context';
import type { Pause } from '../features/pause';
import { string2ll } from '../util/integers';
import type { Replication } from './replication';

export type FailoverState = 'no-failover' | 'waiting-for-sync' | 'failover-in-progress';

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

export class Failover {
  state: FailoverState = 'no-failover';
  private targetHost: string | undefined;
  private targetPort = 0;
  private force = false;
  /** Unix ms when waiting-for-sync ends (0: never). */
  private endTime = 0;
  private timer: NodeJS.Timeout | undefined;
  private checkPending = false;

  constructor(
    private readonly ctx: ServerContext,
    private readonly replication: Replication,
    private readonly pause: Pause,
  ) {
    replication.failover = this;
  }

  register(r: CommandRegistry): void {
    r.register('failover', (call) => this.command(call));
  }

  get inProgress(): boolean {
    return this.state !== 'no-failover';
  }

  /** Whether PSYNC to our new master carries FAILOVER. */
  get sendsFailoverPsync(): boolean {
    return this.state === 'failover-in-progress';
  }

  /** Whether a TIMEOUT was given (Redis then sends no PINGs into the stream while paused). */
  get timed(): boolean {
    return this.endTime !== 0;
  }

  private command(call: CommandCall): void {
    const { args, w } = call;
    if (args.length === 2 && args[1].toString('latin1').toLowerCase() === 'abort') {
      if (this.state === 'no-failover') return void w.error('ERR No failover in progress.');
      this.abort('Failover manually aborted');
      return void w.ok();
    }
    let timeout = 0n;
    let force = false;
    let host: string | undefined;
    let port = 0n;
    for (let j = 1; j < args.length; j++) {
      const a = args[j].toString('latin1').toLowerCase();
      if (a === 'timeout' && j + 1 < args.length && timeout === 0n) {
        const t = parseLong(args[j + 1]);
        if (t === null) return void w.error('ERR value is not an integer or out of range');
        if (t <= 0n) return void w.error('ERR FAILOVER timeout must be greater than 0');
        timeout = t;
        j++;
      } else if (a === 'to' && j + 2 < args.length && host === undefined) {
        const p = parseLong(args[j + 2]);
        if (p === null) return void w.error('ERR value is not an integer or out of range');
        host = args[j + 1].toString('latin1');
        port = p;
        j += 2;
      } else if (a === 'force' && !force) {
        force = true;
      } else {
        return void w.error('ERR syntax error');
      }
    }
    if (this.state !== 'no-failover') return void w.error('ERR FAILOVER already in progress.');
    if (this.replication.isReplica) return void w.error('ERR FAILOVER is not valid when server is a replica.');
    const replicas = this.replication.replicaSummaries();
    if (replicas.length === 0) return void w.error('ERR FAILOVER requires connected replicas.');
    if (force && (timeout === 0n || host === undefined)) {
      return void w.error('ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
    }
    if (host !== undefined) {
      const target = this.findReplica(host, Number(port));
      if (!target) return void w.error('ERR FAILOVER target HOST and PORT is not a replica.');
      if (target.state !== 'online') return void w.error('ERR FAILOVER target replica is not online.');
      this.targetHost = host;
      this.targetPort = Number(port);
      this.ctx.log.notice(`FAILOVER requested to ${host}:${port}.`);
    } else {
      this.ctx.log.notice('FAILOVER requested to any replica.');
    }
    if (timeout > 0n) {
      this.endTime = Date.now() + Number(timeout);
      this.timer = setTimeout(() => this.check(), Number(timeout));
      this.timer.unref();
    }
    this.force = force;
    this.state = 'waiting-for-sync';
    this.pause.pauseFor('failover', 'write');
    w.ok();
    // Redis checks in beforeSleep, right after this command.
    this.scheduleCheck();
  }

  private findReplica(host: string, port: number) {
    const h = host.toLowerCase();
    return this.replication.replicaSummaries().find((r) => r.ip.toLowerCase() === h && r.port === port);
  }

  /** A replica acknowledged an offset (Redis looks again in beforeSleep). */
  scheduleCheck(): void {
    if (this.state !== 'waiting-for-sync' || this.checkPending) return;
    this.checkPending = true;
    setImmediate(() => {
      this.checkPending = false;
      this.check();
    });
  }

  /** updateFailoverStatus: from the replication cron, after ACKs, and at the TIMEOUT. */
  check(): void {
    if (this.state !== 'waiting-for-sync') return;
    if (this.endTime && this.endTime <= Date.now()) {
      if (this.force) {
        this.ctx.log.notice(`FAILOVER to ${this.targetHost}:${this.targetPort} time out exceeded, failing over.`);
        this.begin();
      } else {
        this.abort('Replica never caught up before timeout');
      }
      return;
    }
    const offset = this.replication.offset;
    let caughtUp = false;
    if (this.targetHost !== undefined) {
      const r = this.findReplica(this.targetHost, this.targetPort);
      caughtUp = r !== undefined && r.ackOffset === offset;
    } else {
      const r = this.replication.replicaSummaries().find((x) => x.ackOffset === offset);
      if (r) {
        this.targetHost = r.ip;
        this.targetPort = r.port;
        caughtUp = true;
      }
    }
    if (caughtUp) {
      this.ctx.log.notice(`Failover target ${this.targetHost}:${this.targetPort} is synced, failing over.`);
      this.begin();
    }
  }

  /** failover-in-progress: replicate from the target, whose handshake carries PSYNC ... FAILOVER. */
  private begin(): void {
    this.state = 'failover-in-progress';
    this.clearTimer();
    this.replication.setMaster(this.targetHost!, this.targetPort);
  }

  /** The target answered our PSYNC FAILOVER (or the link failed before it did). */
  psyncReplied(accepted: boolean): void {
    if (this.state !== 'failover-in-progress') return;
    if (accepted) this.clear();
    else this.abort('Failover target rejected psync request');
  }

  /** abortFailover. */
  abort(err: string): void {
    if (this.state === 'no-failover') return;
    if (this.targetHost !== undefined) {
      this.ctx.log.notice(`FAILOVER to ${this.targetHost}:${this.targetPort} aborted: ${err}`);
    } else {
      this.ctx.log.notice(`FAILOVER to any replica aborted: ${err}`);
    }
    const wasInProgress = this.state === 'failover-in-progress';
    // Cleared first: unsetting the master must not see a failover going on.
    this.clear();
    if (wasInProgress) this.replication.unsetMaster();
  }

  /** clearFailoverState: includes the end of our pause. */
  private clear(): void {
    this.clearTimer();
    this.endTime = 0;
    this.force = false;
    this.targetHost = undefined;
    this.targetPort = 0;
    this.state = 'no-failover';
    this.pause.unpauseFor('failover');
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.clearTimer();
  }
}

/** getLongFromObjectOrReply's parse. */
function parseLong(b: Buffer): bigint | null {
  const v = string2ll(b);
  if (v === null || v < LONG_MIN || v > LONG_MAX) return null;
  return v;
}
