/**
 * Bytes sent outside the request/reply flow of a connection: MONITOR lines
 * and tracking invalidations. Redis writes them after the reply of the
 * command that caused them, but Connection.drain() dispatches native events
 * before it writes the replies of a read (keyspace notifications do come
 * first): so these leave once the current I/O callback is done, after those
 * replies, in one write per connection.
 *
 * While a TypeScript command runs inside within(), bytes for its own client
 * go into its reply instead, after the replies of the commands before it
 * (which are still waiting to be written) and not ahead of them.
 */
import type { EventDispatcher } from '../events';
import type { RespWriter } from '../protocol/resp-writer';
import type { Connection } from './connection';

/** The parts of a running command within() needs (a CommandCall). */
export interface RunningCall {
  conn: Connection;
  w: RespWriter;
  inExec: boolean;
}

export class OutOfBand {
  private current: RunningCall | undefined;
  /** Bytes waiting for the end of the current I/O callback, per connection. */
  private outbox = new Map<Connection, Buffer[]>();

  constructor(private readonly events: EventDispatcher) {}

  deliver(conn: Connection, data: Buffer): void {
    if (this.current && this.current.conn === conn) return void this.current.w.raw(data);
    let parts = this.outbox.get(conn);
    if (!parts) {
      if (this.outbox.size === 0) queueMicrotask(() => this.flush());
      parts = [];
      this.outbox.set(conn, parts);
    }
    parts.push(data);
  }

  /**
   * Runs `fn` with bytes for `call`'s own client going into its reply, after
   * dispatching the native events queued so far. Inside EXEC the native side
   * is still running the transaction: its events wait for the end of EXEC.
   */
  within<T>(call: RunningCall, fn?: () => T): T | undefined {
    const outer = this.current;
    this.current = call;
    try {
      if (!call.inExec) this.events.pump();
      return fn?.();
    } finally {
      this.current = outer;
    }
  }

  private flush(): void {
    const box = this.outbox;
    this.outbox = new Map();
    for (const [conn, parts] of box) conn.send(parts.length === 1 ? parts[0] : Buffer.concat(parts));
  }
}
