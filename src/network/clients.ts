/**
 * The table of live connections: by client id (CLIENT LIST, KILL, REDIRECT
 * targets) and by native client slot (how the addon names a client in its
 * callbacks). Ids start at 1 and are never reused, as in Redis.
 */
import type { Connection } from './connection';

export class ClientTable {
  private readonly byId = new Map<number, Connection>();
  private readonly bySlot = new Map<number, Connection>();
  private lastId = 0;
  /** Socket writes made by TypeScript for connections on Node streams (INFO total_writes_processed). */
  streamWrites = 0;

  /** An id for a new connection. */
  newId(): number {
    return ++this.lastId;
  }

  add(conn: Connection): void {
    this.byId.set(conn.id, conn);
    this.bySlot.set(conn.slot, conn);
  }

  remove(conn: Connection): void {
    this.byId.delete(conn.id);
    this.bySlot.delete(conn.slot);
  }

  get(id: number): Connection | undefined {
    return this.byId.get(id);
  }

  atSlot(slot: number): Connection | undefined {
    return this.bySlot.get(slot);
  }

  get size(): number {
    return this.byId.size;
  }

  /** Connections in the order they were accepted. */
  values(): IterableIterator<Connection> {
    return this.byId.values();
  }
}
