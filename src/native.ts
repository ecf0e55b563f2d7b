/**
 * The TypeScript side of the Node-API boundary: the NativeServer surface of
 * the addon (native/binding/addon.cc), the memory shared with it
 * (SharedState); the loader that finds the addon is src/addon-loader.ts.
 * The slots and enums both sides agree on are generated from
 * native/boundary.json into src/boundary.gen.ts.
 */
import { ClientField, ClientText, FeedStatus, IoEvent, SharedSlot } from './boundary.gen';

export interface NativeInfo {
  total_commands_processed: number;
  keyspace_hits: number;
  keyspace_misses: number;
  total_error_replies: number;
  dirty: number;
  net_input_bytes: number;
  expired_keys: number;
  expired_stale_perc: number;
  expire_cycle_cpu_milliseconds: number;
  table_bytes: number;
  /** Counted bytes (native/core/zmalloc.h): INFO used_memory. */
  used_memory: number;
  /** Keys evicted under maxmemory, and the time (ms) spent over it (INFO stats). */
  evicted_keys: number;
  total_eviction_exceeded_time: number;
  current_eviction_exceeded_time: number;
  reads_processed: number;
  writes_processed: number;
  expired_time_cap_reached: number;
  reply_buffer_shrinks: number;
  reply_buffer_expands: number;
  recent_max_input_buffer: number;
  /** Per database: [keys, expires, avg_ttl]. */
  keyspace: [number, number, number][];
}

/** INFO memory's figures, computed natively (native/server/memory_stats.h). */
export interface NativeMemoryInfo {
  used_memory: number;
  used_memory_rss: number;
  used_memory_peak: number;
  used_memory_peak_perc: number;
  used_memory_overhead: number;
  used_memory_startup: number;
  used_memory_dataset: number;
  used_memory_dataset_perc: number;
  allocator_allocated: number;
  allocator_active: number;
  allocator_resident: number;
  used_memory_vm_eval: number;
  used_memory_scripts_eval: number;
  number_of_cached_scripts: number;
  number_of_functions: number;
  number_of_libraries: number;
  used_memory_vm_functions: number;
  used_memory_functions: number;
  allocator_frag_ratio: number;
  allocator_frag_bytes: number;
  allocator_rss_ratio: number;
  allocator_rss_bytes: number;
  rss_overhead_ratio: number;
  rss_overhead_bytes: number;
  mem_fragmentation_ratio: number;
  mem_fragmentation_bytes: number;
  mem_not_counted_for_evict: number;
  mem_replication_backlog: number;
  mem_clients_slaves: number;
  mem_clients_normal: number;
  mem_aof_buffer: number;
  mem_allocator: string;
  lazyfree_pending_objects: number;
  lazyfreed_objects: number;
}

/**
 * feed/resume return replies in one of two ways: in the shared arena, with
 * SharedSlot.ReplyLength = their length (the return value is undefined), or,
 * when they do not fit, as a new Buffer with SharedSlot.ReplyLength = -1.
 */
export interface NativeServer {
  createClient(id: number): number;
  freeClient(slot: number): void;
  feed(slot: number, data: Buffer): Buffer | undefined;
  /**
   * Continues after a command TypeScript ran, with its reply; `pushes` are the
   * pub/sub frames of that reply CLIENT REPLY OFF/SKIP does not silence.
   */
  /** endsCommand false: the reply does not move the client's write offset (WAIT's, kept from its call). */
  resume(slot: number, reply?: Buffer, pushes?: Buffer, endsCommand?: boolean): Buffer | undefined;
  takeCommand(slot: number): Buffer[];
  /** Removes and returns the client's input not processed yet (while TypeScript runs one of its commands). */
  takeInput(slot: number): Buffer;
  setClient(slot: number, field: ClientField, value: number | boolean): void;
  /** The client's address or name, as SLOWLOG and crash reports show them. */
  setClientText(slot: number, field: ClientText, text: string): void;
  getClientDb(slot: number): number;
  /**
   * Positions named by ClientState: [db, last command's full name or 'NULL', query buffer bytes,
   * commands queued in MULTI or -1, unix ms of the last input, query buffer room, argument
   * bytes of a blocked command, multi-mem, reply buffer capacity, reply buffer peak, reply
   * bytes not handed to the socket yet, bytes applied outside MULTI (a master link's offset),
   * input bytes read (a master link's read offset)].
   */
  clientState(slot: number): [number, string, number, number, number, number, number, number, number, number, number, number, number];
  setJsCommands(names: string[]): void;
  configure(name: string, value: number | boolean | string): void;
  /** Periodic work; false while DEBUG PAUSE-CRON holds it. */
  cron(): boolean;
  info(): NativeInfo;
  /** Bytes currently allocated through malloc by the whole process (glibc mallinfo2; not cheap). */
  mallocBytes(): number;
  /** INFO memory's figures (counted allocations, the cron's allocator and RSS sample). */
  memoryInfo(): NativeMemoryInfo;
  commandStats(): [string, number, number, number, number][];
  errorStats(): [string, number][];
  resetStats(): void;
  /**
   * Queued events (SharedSlot.Events counts them): [kind, db, clientId, event, strings].
   * kind 1: keyspace notification (event name, [key]); 2: key modified while some
   * client tracks ([key]); 3: key read by a tracking client ([key]); 4: command for MONITOR (argv).
   */
  takeEvents(): [number, number, number, string, Buffer[]][];
  /** [db, timeout as absolute unix ms or 0 for never, keys] of a client that just blocked. */
  blockInfo(slot: number): [number, number, Buffer[]];
  /** +1 when a client starts waiting on a key, -1 when it stops. */
  blockingKey(db: number, key: Buffer, delta: 1 | -1): void;
  /** Keys waited on that were modified since the last call (SharedSlot.ReadyKeys counts them). */
  takeReadyKeys(): [number, Buffer][];
  /** Runs a blocked client's command again: output like feed(); SharedSlot.Status is Blocked if still unserved. */
  retryBlocked(slot: number, readyKey?: Buffer): Buffer | undefined;
  /** Ends a block with its timeout reply (error '') or with an error reply. */
  unblock(slot: number, error: string): Buffer | undefined;
  /** Registers the runner EXEC uses for queued commands TypeScript owns. */
  setJsExecutor(fn: (slot: number, args: Buffer[]) => Buffer): void;
  /** Replaces the reply arena (when the old one is still held by a pending socket write). */
  setArena(arena: Buffer): void;
  /**
   * Native socket I/O (native/binding/socket_io.h). The handler is called for a
   * batch that needs TypeScript (arg: what feed() would have returned, with the
   * state and arena filled the same way), for raw input while `js-input` is
   * configured on (CLIENT PAUSE), and when the connection is closed or, after
   * endIo(), flushed.
   */
  setIoHandler(fn: (event: IoEvent, slot: number, arg: Buffer | number | [string, boolean] | undefined) => void): void;
  /** Listening socket fds, accepted from natively while a script is busy (Node's loop is blocked then). */
  setListeners(fds: number[]): void;
  /**
   * Reads and writes the socket natively from now on; false if not possible
   * (then use Node streams). `tls`: through the context configureTls() built.
   */
  attach(slot: number, fd: number, tls?: boolean): boolean;
  /**
   * The TLS context from the tls-* options (numbers for yes/no and enums):
   * null when in place, the lines to log when the options are bad, a string
   * when this build has no native TLS.
   */
  configureTls(options: Record<string, string | number>): string[] | string | null;
  /** Output of an attached client, written after everything written before. */
  write(slot: number, data: Buffer): void;
  /** Stops reading an attached client, flushes its output, then reports IoEvent.Closed. */
  endIo(slot: number): void;
  /** Stops native I/O at once (before the socket is destroyed). */
  detach(slot: number): void;
  /**
   * [bytes written, bytes waiting for the kernel, a replica's part of the
   * shared replication buffer (Redis's omem of a replica), its blocks] of an attached client.
   */
  ioStats(slot: number): [number, number, number, number];
  /** client-output-buffer-limit: [hard, soft, seconds] for normal clients, then pub/sub, then replica clients. */
  setOutputLimits(limits: number[]): void;
  /**
   * A user's compiled ACL selectors (src/acl/selector.ts compile()) under its
   * handle (ClientField.User); null takes every permission away.
   */
  setAclUser(handle: number, selectors: unknown[] | null): void;
  /** ACL DRYRUN: -1 when argv names no command, else [AclResult, index of the refused argument, command id]. */
  aclCheck(handle: number, argv: Buffer[]): [number, number, number] | -1;
  /** Full command names by command id (the ids of ACL bitmaps). */
  commandNames(): string[];
  /** rename-command: '' when done, else the config error text. */
  renameCommand(from: string, to: string): string;
  /**
   * Counts a command TypeScript ran for the client in `slot` (INFO
   * commandstats, SLOWLOG, latency); `error` is its error reply, if any;
   * `redacted` are argument indexes SLOWLOG shows as "(redacted)".
   */
  recordCall(slot: number, name: string, usec: number, error: string, redacted?: number[]): void;
  /** [full command name, value at each percentile in microseconds] for every command with a latency histogram. */
  latencyStats(percentiles: number[]): [string, number[]][];
  /** A latency event TypeScript measured (ms), recorded when at least latency-monitor-threshold. */
  latencySample(event: string, ms: number): void;
  /** DEBUG RESTART: re-executes this process's binary with its command line after `delayMs`; returns only an error. */
  reexec(delayMs: number): string;
  /** Full names of every command and subcommand that has a handler ("get", "client|list"). */
  runnableCommands(): string[];
  /** Persistence operations (native/binding/persistence_binding.cc); typed in src/persistence/native-ops.ts. */
  persistence(op: string, ...args: unknown[]): unknown;
  /** Replication stream, backlog and replicas (native/binding/replication_binding.cc); used by src/replication/. */
  replication(op: string, ...args: unknown[]): unknown;
  /** MIGRATE's keyspace side and its blocking exchange (native/binding/migrate_binding.cc). */
  migrate(op: 'collect', db: number, keys: Buffer[]): [Buffer, Buffer, number][];
  migrate(op: 'delete', db: number, items: [Buffer, Buffer, number][]): boolean[];
  migrate(
    op: 'exchange',
    host: Buffer,
    port: number,
    timeoutMs: number,
    request: Buffer,
    replies: number,
  ): { failed?: 'connect' | 'write' | 'read'; timedOut: boolean; lines: Buffer[] };
}

const ARENA_SIZE = 256 * 1024;

/**
 * The memory shared with the addon: the outcome slots (SharedSlot) and the
 * reply arena, where feed-like calls leave replies that fit so that no Buffer
 * is created per call.
 */
export class SharedState {
  readonly slots = new Int32Array(SharedSlot.Count);
  private arenaBuf = Buffer.allocUnsafeSlow(ARENA_SIZE);

  get arena(): Buffer {
    return this.arenaBuf;
  }

  get status(): FeedStatus {
    return this.slots[SharedSlot.Status] as FeedStatus;
  }

  get readyKeys(): number {
    return this.slots[SharedSlot.ReadyKeys];
  }

  get events(): number {
    return this.slots[SharedSlot.Events];
  }

  /**
   * The replies of the last feed-like call: the Buffer it returned, or the
   * arena bytes (a view, or a copy when the arena is reused before the bytes
   * are consumed).
   */
  replies(ret: Buffer | undefined, copy: boolean): Buffer | undefined {
    const n = this.slots[SharedSlot.ReplyLength];
    if (n < 0) return ret;
    if (n === 0) return undefined;
    const view = this.arenaBuf.subarray(0, n);
    return copy ? Buffer.from(view) : view;
  }

  /** Whether `b` is a view of the current arena. */
  inArena(b: Buffer): boolean {
    return b.buffer === this.arenaBuf.buffer;
  }

  /**
   * Gives the addon a new arena: called after a socket write of arena bytes
   * that did not complete at once (the pending write still references them).
   */
  replaceArena(native: NativeServer): void {
    this.arenaBuf = Buffer.allocUnsafeSlow(ARENA_SIZE);
    native.setArena(this.arenaBuf);
  }
}

export interface Addon {
  NativeServer: new (settings: Record<string, number | boolean | string>, state: Int32Array, arena: Buffer) => NativeServer;
  /** Drops this process's resident pages of clean read-only file mappings (native/server/file_pages.h); returns their bytes. */
  releaseCleanFilePages(): number;
  /** A TCP listening socket bound now (native/binding/tcp_listener.h): its fd, or -errno. */
  openTcpListener(host: string, port: number, backlog: number): number;
}

export { loadAddon } from './addon-loader';
