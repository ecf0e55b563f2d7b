/**
 * Events the native side queues for TypeScript during command execution
 * (see ServerEvent in native/server/server.h): keyspace notifications to
 * publish, modified keys and tracked reads for client-side caching, and
 * commands for MONITOR. Drained after every native call; free while unused.
 * Features subscribe to the kinds they handle (one handler per kind).
 */
import type { EventKind } from './boundary.gen';
import type { NativeServer, SharedState } from './native';

/** db, client id (0 when not about a client), event name, strings (the key, or argv for MONITOR). */
export type EventHandler = (db: number, clientId: number, event: string, strings: Buffer[]) => void;

export class EventDispatcher {
  private readonly handlers = new Map<EventKind, EventHandler>();

  constructor(
    private readonly native: NativeServer,
    private readonly shared: SharedState,
  ) {}

  on(kind: EventKind, handler: EventHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Dispatches queued events, if any. */
  pump(): void {
    while (this.shared.events > 0) {
      for (const [kind, db, clientId, event, strings] of this.native.takeEvents()) {
        this.handlers.get(kind as EventKind)?.(db, clientId, event, strings);
      }
    }
  }
}
