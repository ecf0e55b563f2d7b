/**
 * The persistence commands: SAVE, BGSAVE [SCHEDULE] and BGREWRITEAOF, with
 * Redis 7.0's replies and error texts. (SHUTDOWN and LASTSAVE are the
 * server's, src/commands/server.ts; what a shutdown writes is
 * Persistence.prepareShutdown.)
 */
import type { CommandCall, CommandRegistry } from '../commands/registry';
import type { Persistence } from './persistence';

function save(call: CommandCall, p: Persistence): void {
  if (p.childType === 'rdb') return void call.w.error('ERR Background save already in progress');
  if (p.saveSync()) call.w.simple('OK');
  else call.w.error('ERR');
}

function bgsave(call: CommandCall, p: Persistence): void {
  const { args, w, inExec } = call;
  let schedule = false;
  if (args.length > 1) {
    if (args.length === 2 && args[1].toString().toLowerCase() === 'schedule') schedule = true;
    else return void w.error('ERR syntax error');
  }
  if (p.childType === 'rdb') return void w.error('ERR Background save already in progress');
  if (p.hasActiveChild() || inExec) {
    if (schedule || inExec) {
      p.rdbBgsaveScheduled = true;
      return void w.simple('Background saving scheduled');
    }
    return void w.error(
      "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
    );
  }
  if (p.bgsave()) w.simple('Background saving started');
  else w.error('ERR');
}

export function registerPersistenceCommands(r: CommandRegistry, p: Persistence): void {
  r.register('save', (call) => save(call, p));
  r.register('bgsave', (call) => bgsave(call, p));
  r.register('bgrewriteaof', (call) => p.aof.bgrewriteaofCommand(call.w));
}
