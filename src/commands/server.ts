/**
 * Server commands TypeScript owns: SHUTDOWN and LASTSAVE.
 */
import type { ServerStatus } from '../context';
import type { CommandCall, CommandRegistry } from './registry';

/** What SHUTDOWN and LASTSAVE act on. */
export interface ServerControl {
  readonly status: ServerStatus;
  /** Closes everything, then runs the embedder's shutdown hook. */
  shutdown(): Promise<void>;
}

function shutdown(call: CommandCall, control: ServerControl): void {
  const { args, w, ctx } = call;
  const flags = new Set<string>();
  for (const a of args.slice(1)) {
    const f = a.toString().toLowerCase();
    if (!['nosave', 'save', 'now', 'force', 'abort'].includes(f)) return void w.error('ERR syntax error');
    flags.add(f);
  }
  if ((flags.has('save') && flags.has('nosave')) || (flags.has('abort') && flags.size > 1)) {
    return void w.error('ERR syntax error');
  }
  if (flags.has('abort')) return void w.error('ERR No shutdown in progress.');
  ctx.log.warning('User requested shutdown...');
  if (flags.has('save')) {
    // No snapshot support yet: refuse rather than pretend the data was saved.
    ctx.log.warning('Error trying to save the DB: RDB persistence is not implemented yet.');
    if (!flags.has('force')) return void w.error('ERR Errors trying to SHUTDOWN. Check logs.');
  }
  // Success has no reply: the connection just closes, as with Redis.
  void control.shutdown();
}

export function registerServerCommands(r: CommandRegistry, control: ServerControl): void {
  r.register('shutdown', (call) => shutdown(call, control));
  r.register('lastsave', (call) => void call.w.int(control.status.lastSave));
}
