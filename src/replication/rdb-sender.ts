/**
 * A full synchronisation through the disk (repl-diskless-sync no): the
 * snapshot file sent to one replica as `$<len>\r\n<payload>` straight from
 * the file, as Redis's sendBulkToSlave: an open descriptor per replica (a
 * later BGSAVE may replace the file meanwhile), read a chunk at a time while
 * the replica's socket keeps up, so neither the whole file nor more than
 * about HIGH_WATER of it is ever in memory.
 */
import * as fs from 'node:fs';
import type { Connection } from '../network/connection';

/** Bytes read from the file per read(2). */
const CHUNK = 256 * 1024;
/** Reading pauses while the replica's socket holds more than this. */
const HIGH_WATER = 1024 * 1024;
/** How often a paused transfer looks at the socket again (ms). */
const RECHECK_MS = 1;

export class RdbFileSender {
  private fd: number;
  private readonly size: number;
  private pos = 0;
  private timer: NodeJS.Timeout | undefined;
  private finished = false;

  /**
   * Opens `file` and starts sending; throws when it cannot be opened.
   * `done(ok)` is called once: ok when the whole payload was queued to the
   * socket, false when the replica left or the file could not be read.
   */
  constructor(
    private readonly conn: Connection,
    file: string,
    private readonly done: (ok: boolean) => void,
  ) {
    this.fd = fs.openSync(file, 'r');
    try {
      this.size = fs.fstatSync(this.fd).size;
    } catch (e) {
      fs.closeSync(this.fd);
      throw e;
    }
    conn.onRelease(this.release);
    conn.send(Buffer.from(`$${this.size}\r\n`));
    this.pump();
  }

  /** Bytes of the payload queued so far, and its size. */
  get progress(): [number, number] {
    return [this.pos, this.size];
  }

  private readonly release = (): void => this.finish(false);

  private pump(): void {
    this.timer = undefined;
    if (this.finished) return;
    if (this.conn.closing) return this.finish(false);
    while (this.pos < this.size && this.conn.outputPending < HIGH_WATER) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, this.size - this.pos));
      let n: number;
      try {
        n = fs.readSync(this.fd, buf, 0, buf.length, this.pos);
      } catch {
        return this.finish(false);
      }
      if (n <= 0) return this.finish(false); // the file shrank under us
      this.conn.send(n === buf.length ? buf : buf.subarray(0, n));
      this.pos += n;
    }
    if (this.pos >= this.size) return this.finish(true);
    this.timer = setTimeout(() => this.pump(), RECHECK_MS);
  }

  private finish(ok: boolean): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    fs.closeSync(this.fd);
    this.done(ok);
  }

  /** SHUTDOWN and the like: stop sending. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    fs.closeSync(this.fd);
  }
}
