/**
 * What command handlers and features see of the server: the addon, the
 * memory shared with it, the configuration, the log, the connected clients
 * and the events the addon queues. Types only: server.ts (the composition
 * root) builds the one context and hands it to every feature it constructs;
 * nothing here can reach the TachyonServer object itself.
 */
import type { Config } from './config/config';
import type { EventDispatcher } from './events';
import type { Logger } from './log';
import type { NativeServer, SharedState } from './native';
import type { ClientTable } from './network/clients';

export interface ServerContext {
  /** The addon: keyspace, dispatcher, native socket I/O (src/native.ts). */
  readonly native: NativeServer;
  /** Outcome slots and reply arena the addon writes on every feed-like call. */
  readonly shared: SharedState;
  readonly config: Config;
  readonly log: Logger;
  /** Live connections, by client id and by native slot. */
  readonly clients: ClientTable;
  /** Events the addon queued for TypeScript (notifications, modified keys, tracked reads, MONITOR). */
  readonly events: EventDispatcher;
}

/** Facts about the running server that INFO and LASTSAVE report (kept by server.ts). */
export interface ServerStatus {
  readonly runId: string;
  /** Unix ms. */
  readonly startedAt: number;
  /** The TCP port actually bound (0 when not listening on TCP). */
  readonly port: number;
  /** Unix seconds of the last successful save (the start time until the first). */
  readonly lastSave: number;
  readonly connectionsReceived: number;
  readonly rejectedConnections: number;
  /** Clients closed by maxmemory-clients (INFO evicted_clients). */
  readonly evictedClients: number;
  readonly isClosed: boolean;
}
