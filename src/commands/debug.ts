/**
 * The DEBUG subcommands whose state TypeScript owns. DEBUG itself is native
 * (native/server/debug_family.cc); it runs these through the JsExecutor,
 * which finds them registered as "debug|<name>" (the dispatcher knows only
 * "debug", so nothing else reaches them):
 *
 *   CHANGE-REPL-ID            new replication ids (INFO replication)
 *   CONFIG-REWRITE-FORCE-ALL  CONFIG REWRITE with every option written
 *   RESTART, CRASH-AND-RECOVER  re-executing the server (tachyon-server only)
 *   RELOAD, LOADAOF           persistence (see persistenceHooks)
 *   crash-report              INFO, client lists and configuration for the
 *                             crash report of DEBUG SEGFAULT/PANIC/ASSERT/OOM
 */
import { formatMemory } from '../config/options';
import type { ClientCommands } from './client';
import type { Info } from './info';
import type { CommandCall, CommandRegistry } from './registry';

/** What the DEBUG subcommands here act on (server.ts provides it). */
export interface DebugServices {
  readonly info: Info;
  readonly clients: ClientCommands;
  /**
   * Re-executes the server (DEBUG RESTART: after a graceful shutdown and a
   * CONFIG REWRITE; CRASH-AND-RECOVER: at once). Returns why it cannot, or
   * never returns.
   */
  restart(graceful: boolean, delayMs: number): string;
}

/**
 * DEBUG RELOAD and DEBUG LOADAOF need persistence: until it exists they
 * answer as Redis does when saving or loading fails. The persistence feature
 * replaces these two functions.
 */
export const persistenceHooks = {
  reload(call: CommandCall, _opts: { merge: boolean; flush: boolean; save: boolean }): void {
    call.ctx.log.warning('DEBUG RELOAD: this server has no persistence to save and reload the dataset with');
    call.w.error('ERR Error trying to load the RDB dump, check server logs.');
  },
  loadaof(call: CommandCall): void {
    call.ctx.log.warning('DEBUG LOADAOF: this server has no persistence to load an append only file with');
    call.w.error('ERR Error trying to load the AOF files, check server logs.');
  },
};

/** The options Redis's crash report lists under CONFIG DEBUG OUTPUT. */
const CONFIG_DEBUG = [
  'proto-max-bulk-len',
  'lazyfree-lazy-expire',
  'io-threads',
  'lazyfree-lazy-server-del',
  'client-query-buffer-limit',
  'replica-read-only',
  'io-threads-do-reads',
  'lazyfree-lazy-user-del',
  'repl-diskless-sync',
  'lazyfree-lazy-user-flush',
  'lazyfree-lazy-eviction',
  'activedefrag',
  'list-compress-depth',
  'repl-diskless-load',
];
const MEMORY_OPTIONS = new Set(['proto-max-bulk-len', 'client-query-buffer-limit']);

const lower = (b: Buffer): string => b.toString('latin1').toLowerCase();

export function registerDebugCommands(r: CommandRegistry, s: DebugServices): void {
  r.register('debug|change-repl-id', (call) => {
    call.ctx.log.warning('Changing replication IDs after receiving DEBUG change-repl-id');
    s.info.changeReplId();
    call.w.ok();
  });

  r.register('debug|config-rewrite-force-all', (call) => {
    const { ctx, w } = call;
    // Redis hands a missing file name to fopen(): EFAULT.
    if (ctx.config.configFile === null) return void w.error('ERR CONFIG-REWRITE-FORCE-ALL failed: Bad address');
    try {
      ctx.config.rewrite(true);
      w.ok();
    } catch (e) {
      w.error(`ERR CONFIG-REWRITE-FORCE-ALL failed: ${(e as Error).message}`);
    }
  });

  const restart = (graceful: boolean) => (call: CommandCall) => {
    const delay = call.args.length >= 3 ? Math.max(0, Number(call.args[2].toString('latin1'))) : 0;
    call.ctx.log.warning(s.restart(graceful, delay));
    call.w.error('ERR failed to restart the server. Check server logs.');
  };
  r.register('debug|restart', restart(true));
  r.register('debug|crash-and-recover', restart(false));

  r.register('debug|reload', (call) => {
    const opts = { merge: false, flush: true, save: true };
    for (const a of call.args.slice(2)) {
      const o = lower(a);
      if (o === 'merge') opts.merge = true;
      else if (o === 'noflush') opts.flush = false;
      else if (o === 'nosave') opts.save = false;
      else return void call.w.error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
    }
    persistenceHooks.reload(call, opts);
  });
  r.register('debug|loadaof', (call) => persistenceHooks.loadaof(call));

  // The TypeScript half of a crash report: sections before and after the
  // current client's arguments (the native side adds those), split by a NUL.
  r.register('debug|crash-report', (call) => {
    const { ctx, conn } = call;
    let text = '\n------ INFO OUTPUT ------\n' + s.info.text(['all']);
    text += '\n------ CLIENT LIST OUTPUT ------\n';
    text += s.clients.live().map((c) => `${s.clients.infoLine(c)}\n`).join('');
    text += '\n------ CURRENT CLIENT INFO ------\n' + s.clients.infoLine(conn) + '\n';
    text += '\0\n------ CONFIG DEBUG OUTPUT ------\n';
    for (const name of CONFIG_DEBUG) {
      const v = ctx.config.get(name);
      const shown = typeof v === 'boolean' ? (v ? 'yes' : 'no') : MEMORY_OPTIONS.has(name) ? formatMemory(BigInt(v)) : String(v);
      text += `${name} ${shown}\n`;
    }
    call.w.bulk(Buffer.from(text, 'utf8'));
  });
}
