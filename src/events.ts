/**
 * Events the native side queues for TypeScript during command execution
 * (see ServerEvent in native/server/server.h): keyspace notifications to
 * publish, modified keys and tracked reads for client-side caching, and
 * commands for MONITOR. Drained after every native call; free while unused.
 */
import type { TachyonServer } from './server';

export const enum EventKind {
  Notify = 1,
  Modified = 2,
  TrackedRead = 3,
  Monitor = 4,
  /** A log line from scripting (redis.log, slow scripts): event is the level, strings[0] the text. */
  Log = 5,
  /** SHUTDOWN NOSAVE arrived while a script was busy: shut down now that it returned. */
  Shutdown = 6,
}

/** db, client id (0 when not about a client), event name, strings (the key, or argv for MONITOR). */
export type EventHandler = (db: number, clientId: number, event: string, strings: Buffer[]) => void;

export class EventDispatcher {
  private readonly handlers = new Map<EventKind, EventHandler>();

  constructor(private readonly server: TachyonServer) {}

  on(kind: EventKind, handler: EventHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Dispatches queued events, if any (state[3] counts them). */
  pump(): void {
    const { native, state } = this.server;
    while (state[3] > 0) {
      for (const [kind, db, clientId, event, strings] of native.takeEvents()) {
        this.handlers.get(kind as EventKind)?.(db, clientId, event, strings);
      }
    }
  }
}
