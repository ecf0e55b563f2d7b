/**
 * The persistence commands TypeScript owns: SAVE, BGSAVE, LASTSAVE, SHUTDOWN
 * and BGREWRITEAOF, with Redis 7.0's replies and error texts.
 */
import type { CommandCall, CommandRegistry } from '../commands/registry';
import type { ShutdownFlags } from './persistence';

function save(call: CommandCall): void {
  const p = call.server.persistence;
  if (p.childType === 'rdb') return void call.w.error('ERR Background save already in progress');
  if (p.saveSync()) call.w.simple('OK');
  else call.w.error('ERR');
}

function bgsave(call: CommandCall): void {
  const { args, w, server } = call;
  const p = server.persistence;
  let schedule = false;
  if (args.length > 1) {
    if (args.length === 2 && args[1].toString().toLowerCase() === 'schedule') schedule = true;
    else return void w.error('ERR syntax error');
  }
  if (p.childType === 'rdb') return void w.error('ERR Background save already in progress');
  const inExec = server.blocking.inExec;
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

function lastsave(call: CommandCall): void {
  call.w.int(call.server.lastSave);
}

function shutdown(call: CommandCall): void {
  const { args, w, server } = call;
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
  if (!server.beginShutdown(flags)) w.error('ERR Errors trying to SHUTDOWN. Check logs.');
}

function bgrewriteaof(call: CommandCall): void {
  call.server.persistence.aof.bgrewriteaofCommand(call.w);
}

export function registerPersistenceCommands(r: CommandRegistry): void {
  r.register('save', save);
  r.register('bgsave', bgsave);
  r.register('lastsave', lastsave);
  r.register('shutdown', shutdown);
  r.register('bgrewriteaof', bgrewriteaof);
}
