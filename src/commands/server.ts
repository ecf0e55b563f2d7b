/**
 * Server commands TypeScript owns: SHUTDOWN and LASTSAVE. What a shutdown
 * writes first (final snapshot, AOF fsync) is the persistence feature's
 * (src/persistence/persistence.ts, prepareShutdown).
 */
import type { ServerStatus } from '../context';
import type { ShutdownFlags } from '../persistence/persistence';
import type { CommandCall, CommandRegistry } from './registry';

/** What SHUTDOWN and LASTSAVE act on. */
export interface ServerControl {
  readonly status: ServerStatus;
  /**
   * Writes what must be written, then closes everything and runs the
   * embedder's shutdown hook; false, changing nothing, when a save failed.
   */
  shutdown(flags: ShutdownFlags): boolean;
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
  // Without replicas to wait for, a shutdown never stays in progress: nothing to abort.
  if (abort) return void w.error('ERR No shutdown in progress.');
  // Success has no reply: the connection just closes, as with Redis.
  if (!control.shutdown(flags)) w.error('ERR Errors trying to SHUTDOWN. Check logs.');
}

export function registerServerCommands(r: CommandRegistry, control: ServerControl): void {
  r.register('shutdown', (call) => shutdown(call, control));
  r.register('lastsave', (call) => void call.w.int(control.status.lastSave));
}
