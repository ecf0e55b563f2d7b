/**
 * Server commands TypeScript owns: SHUTDOWN and LASTSAVE.
 */
import type { CommandCall, CommandRegistry } from './registry';

function shutdown(call: CommandCall): void {
  const { args, w, server } = call;
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
  server.log.warning('User requested shutdown...');
  if (flags.has('save')) {
    // No snapshot support yet: refuse rather than pretend the data was saved.
    server.log.warning('Error trying to save the DB: RDB persistence is not implemented yet.');
    if (!flags.has('force')) return void w.error('ERR Errors trying to SHUTDOWN. Check logs.');
  }
  // Success has no reply: the connection just closes, as with Redis.
  void server.shutdown();
}

function lastsave(call: CommandCall): void {
  call.w.int(call.server.lastSave);
}

export function registerServerCommands(r: CommandRegistry): void {
  r.register('shutdown', shutdown);
  r.register('lastsave', lastsave);
}
