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
import type { ServerContext } from '../context';
import { EventKind, NotifyClass } from '../boundary.gen';
import type { PubSub } from './pubsub';

const KEYSPACE_PREFIX = '__keyspace@';
const KEYEVENT_PREFIX = '__keyevent@';

/** Publishes the addon's EventKind.Notify events on pubsub (no state of its own but two prefix caches). */
export class KeyspaceNotifications {
  // Channel prefixes per database ("__keyspace@0__:"), built on first use.
  private readonly keyspace: Buffer[] = [];
  private readonly keyevent: Buffer[] = [];

  constructor(
    private readonly ctx: ServerContext,
    private readonly pubsub: PubSub,
  ) {
    ctx.events.on(EventKind.Notify, (db, _clientId, event, strings) => this.publish(db, event, strings[0]));
  }

  private publish(db: number, event: string, key: Buffer | undefined): void {
    if (!key) return;
    const flags = this.ctx.config.getNotifyKeyspaceEvents();
    const eventBuf = Buffer.from(event, 'latin1');
    if (flags & NotifyClass.Keyspace) {
      this.pubsub.publish(Buffer.concat([prefix(this.keyspace, KEYSPACE_PREFIX, db), key]), eventBuf);
    }
    if (flags & NotifyClass.Keyevent) {
      this.pubsub.publish(Buffer.concat([prefix(this.keyevent, KEYEVENT_PREFIX, db), eventBuf]), key);
    }
  }
}

function prefix(cache: Buffer[], head: string, db: number): Buffer {
  return (cache[db] ??= Buffer.from(`${head}${db}__:`, 'latin1'));
}
