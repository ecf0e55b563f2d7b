/**
 * TypeScript's side of scripting (the engine and commands are native, see
 * native/server/scripting_family.cc): log lines from scripts (redis.log,
 * "Slow script detected") go to the server log.
 */
import { EventKind } from './events';
import type { TachyonServer } from './server';

export function registerScripting(server: TachyonServer): void {
  server.events.on(EventKind.Log, (_db, _clientId, level, strings) => {
    const text = strings[0]?.toString() ?? '';
    if (level === 'debug') server.log.debug(text);
    else if (level === 'verbose') server.log.verbose(text);
    else if (level === 'notice') server.log.notice(text);
    else server.log.warning(text);
  });
  server.events.on(EventKind.Shutdown, () => {
    server.log.warning('User requested shutdown...');
    void server.shutdown();
  });
}
