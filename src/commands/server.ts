/**
 * Server commands TypeScript owns: SHUTDOWN and LASTSAVE. What a shutdown
 * writes first (final snapshot, AOF fsync) is the persistence feature's
 * (src/persistence/persistence.ts, prepareShutdown).
 */
import type { ServerStatus } from '../context';
import type { Connection } from '../network/connection';
import type { ShutdownFlags } from '../persistence/persistence';
import type { CommandCall, CommandRegistry } from './registry';

/** What SHUTDOWN and LASTSAVE act on. */
export interface ServerControl {
  readonly status: ServerStatus;
  /**
   * Waits for lagging replicas ('waiting': `conn` is answered later, or
   * never if the server exits), writes what must be written, then closes
   * everything and runs the embedder's shutdown hook; 'failed', changing
   * nothing, when a save failed.
   */
  shutdown(flags: ShutdownFlags, conn: Connection): 'done' | 'failed' | 'waiting';
  /** SHUTDOWN ABORT: false when no shutdown is in progress. */
  abortShutdown(): boolean;
}

function shutdown(call: CommandCall, control: ServerControl): void {
  const { args, w } = call;
  const flags: ShutdownFlags = {};
  let abort = false;
  for (const a of args.slice(1)) {
    const f = a.toString().toLowerCase();
    if (f === 'nosave') flags.nosave = true;
    else if (f === 'save') flags.save = true;
    else if (f === 'now') flags.now = true;
    else if (f === 'force') flags.force = true;
    else if (f === 'abort') abort = true;
    else return void w.error('ERR syntax error');
  }
  if ((abort && Object.keys(flags).length > 0) || (flags.save && flags.nosave)) return void w.error('ERR syntax error');
  if (abort) return void (control.abortShutdown() ? w.ok() : w.error('ERR No shutdown in progress.'));
  // Success has no reply: the connection just closes, as with Redis.
  if (control.shutdown(flags, call.conn) === 'failed') w.error('ERR Errors trying to SHUTDOWN. Check logs.');
}

export function registerServerCommands(r: CommandRegistry, control: ServerControl): void {
  r.register('shutdown', (call) => shutdown(call, control));
  r.register('lastsave', (call) => void call.w.int(control.status.lastSave));
}
