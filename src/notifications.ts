/**
 * Keyspace notifications (Redis's notify.c): the native side queues one
 * EventKind.Notify event per notifyKeyspaceEvent() call, already filtered by
 * the event's class (g $ l s h z x e m n ...) and only while K or E is on.
 * Here each event becomes, in Redis's order:
 *
 *   - with K: PUBLISH __keyspace@<db>__:<key> <event>
 *   - with E: PUBLISH __keyevent@<db>__:<event> <key>
 *
 * Events are published in the order the commands produced them, after the
 * native call that produced them returned (see EventDispatcher).
 */
import { publish } from './commands/pubsub';
import { NOTIFY } from './config/options';
import { EventKind } from './events';
import type { TachyonServer } from './server';

const KEYSPACE_PREFIX = '__keyspace@';
const KEYEVENT_PREFIX = '__keyevent@';

export function registerNotifications(server: TachyonServer): void {
  // Channel prefixes per database ("__keyspace@0__:"), built on first use.
  const keyspace: Buffer[] = [];
  const keyevent: Buffer[] = [];
  const prefix = (cache: Buffer[], head: string, db: number): Buffer =>
    (cache[db] ??= Buffer.from(`${head}${db}__:`, 'latin1'));

  server.events.on(EventKind.Notify, (db, _clientId, event, strings) => {
    const key = strings[0];
    if (!key) return;
    const flags = server.config.getNotifyKeyspaceEvents();
    const eventBuf = Buffer.from(event, 'latin1');
    if (flags & NOTIFY.KEYSPACE) {
      publish(server, Buffer.concat([prefix(keyspace, KEYSPACE_PREFIX, db), key]), eventBuf);
    }
    if (flags & NOTIFY.KEYEVENT) {
      publish(server, Buffer.concat([prefix(keyevent, KEYEVENT_PREFIX, db), eventBuf]), key);
    }
  });
}
