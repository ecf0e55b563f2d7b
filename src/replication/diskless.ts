/**
 * Diskless full synchronisation from a master (repl-diskless-sync yes), as
 * Redis 7.0's rdbSaveToSlavesSockets / rdbPipeReadHandler: a forked child
 * writes the snapshot into a pipe; this class reads the pipe and copies every
 * chunk to all the replicas of the transfer in Redis's EOF-marked format
 *
 *   $EOF:<40 random hex chars>\r\n  <RDB payload>  <the same 40 chars>
 *
 * so no length is needed up front and nothing touches the disk. Reading
 * pauses while any replica's output is above a threshold (the slowest
 * replica paces the transfer, as in Redis). The closing mark goes out only
 * once the pipe is drained and the child reported success, so a replica
 * never takes a failed snapshot for a complete one.
 */
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import type { Connection } from '../network/connection';

/** Output a replica may hold before the pipe stops being read. */
const HIGH_WATER = 16 * 1024 * 1024;
/** How often a paused transfer looks at the replicas' output again (ms). */
const RECHECK_MS = 1;

export class DisklessTransfer {
  /** The 40 characters that end the payload. */
  readonly mark = crypto.randomBytes(20).toString('hex');
  private readonly pipe: net.Socket;
  private readonly targets: Set<Connection>;
  private pipeEnded = false;
  private childOk: boolean | undefined;
  private finished = false;
  private recheck: NodeJS.Timeout | undefined;
  bytes = 0;

  /**
   * Starts copying the pipe `fd` to `replicas`. `done(ok, alive)` is called
   * once: with the replicas that received the whole snapshot, or ok=false.
   * `allGone()` when the last replica left (the child can be stopped).
   */
  constructor(
    fd: number,
    replicas: Connection[],
    private readonly done: (ok: boolean, alive: Connection[]) => void,
    private readonly allGone: () => void,
  ) {
    this.targets = new Set(replicas);
    const header = Buffer.from(`$EOF:${this.mark}\r\n`);
    for (const c of replicas) {
      c.send(header);
      c.onRelease(this.dropTarget);
    }
    this.pipe = new net.Socket({ fd, readable: true, writable: false });
    this.pipe.on('data', (chunk: Buffer) => this.copy(chunk));
    this.pipe.on('end', () => {
      this.pipeEnded = true;
      this.maybeFinish();
    });
    this.pipe.on('error', () => {
      this.pipeEnded = true;
      this.childOk = false;
      this.maybeFinish();
    });
  }

  /** Replicas still receiving the snapshot. */
  get replicas(): Connection[] {
    return [...this.targets];
  }

  private readonly dropTarget = (c: Connection): void => {
    if (!this.targets.delete(c) || this.finished) return;
    if (this.targets.size === 0) this.allGone();
  };

  private copy(chunk: Buffer): void {
    this.bytes += chunk.length;
    for (const c of this.targets) c.send(chunk);
    if (this.backlogged()) {
      this.pipe.pause();
      this.waitForReplicas();
    }
  }

  private backlogged(): boolean {
    for (const c of this.targets) if (!c.closing && c.outputPending > HIGH_WATER) return true;
    return false;
  }

  private waitForReplicas(): void {
    this.recheck = setTimeout(() => {
      this.recheck = undefined;
      if (this.finished) return;
      if (this.backlogged()) this.waitForReplicas();
      else this.pipe.resume();
    }, RECHECK_MS);
  }

  /** The child was reaped: ok when it wrote the whole snapshot. */
  childDone(ok: boolean): void {
    this.childOk = ok;
    if (!ok) this.pipeEnded = true; // whatever is left in the pipe is useless
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.finished || !this.pipeEnded || this.childOk === undefined) return;
    this.finished = true;
    if (this.recheck) clearTimeout(this.recheck);
    this.pipe.destroy();
    const alive = [...this.targets].filter((c) => !c.closing);
    if (this.childOk) {
      const mark = Buffer.from(this.mark, 'latin1');
      for (const c of alive) c.send(mark);
    }
    this.done(this.childOk, alive);
  }

  /** SHUTDOWN and the like: stop reading. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.recheck) clearTimeout(this.recheck);
    this.pipe.destroy();
  }
}
