/**
 * TypeScript's side of scripting (the Lua engine and the EVAL/FUNCTION
 * commands are native: native/scripting/, native/server/scripting_family.cc):
 * log lines from scripts (redis.log, "Slow script detected") go to the
 * server log, and a SHUTDOWN NOSAVE that arrived while a script was busy
 * shuts the server down once the script has returned.
 */
import type { ServerContext } from '../context';
import { EventKind } from '../boundary.gen';
import type { LogLevel } from '../log';

const LEVELS: readonly string[] = ['debug', 'verbose', 'notice', 'warning'];

export class Scripting {
  constructor(ctx: ServerContext, shutdown: () => Promise<void>) {
    ctx.events.on(EventKind.Log, (_db, _clientId, level, strings) => {
      const text = strings[0]?.toString() ?? '';
      ctx.log.log((LEVELS.includes(level) ? level : 'warning') as LogLevel, text);
    });
    ctx.events.on(EventKind.Shutdown, () => {
      ctx.log.warning('User requested shutdown...');
      void shutdown();
    });
  }
}
