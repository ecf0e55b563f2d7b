/**
 * Typed wrappers of native.persistence(op, ...): the snapshot, loading and
 * AOF operations of native/binding/persistence_binding.cc.
 */
import type { NativeServer } from '../native';

export interface SaveOptions {
  compress?: boolean;
  checksum?: boolean;
  /** Unix seconds written as the ctime AUX field. */
  ctime: number;
  aofBase?: boolean;
  /** rdb-key-save-delay: microseconds per key (negative: nanoseconds). */
  keySaveDelay?: number;
  /** rdb-save-incremental-fsync: fsync every this many bytes (0: only at the end). */
  fsyncEvery?: number;
  /** Replication info for the AUX fields (repl-id, repl-offset, repl-stream-db). */
  replId?: string;
  replOffset?: number;
  replStreamDb?: number;
  /** A filtered snapshot for replicas (REPLCONF rdb-filter-only): no keys, no function libraries. */
  excludeKeys?: boolean;
  excludeFunctions?: boolean;
}

export type SaveResult = { ok: true } | { ok: false; step: string; errno: number; error: string; tmpfile: string };

export interface ChildOutcome {
  exitcode: number;
  signal: number;
  cowBytes: number;
  /** Where the child failed ('' if it did not): open, rdbSaveRio, fsync, fclose, rename, fsyncFileDir. */
  failedStep: string;
  error: string;
}

export interface LoadProgress {
  done: boolean;
  loadedBytes: number;
  totalBytes: number;
  /** [level 0..3 = debug, verbose, notice, warning, text] */
  logs: [number, string][];
  /** A feed (diskless loading): bytes queued for the loader, and how many it waits for (0: not waiting). */
  queued: number;
  wanted: number;
  /** The snapshot's used-mem AUX field, 0 until read (INFO loading_rdb_used_mem). */
  rdbUsedMem: number;
}

export interface LoadResult {
  ok: boolean;
  version: number;
  keysLoaded: number;
  keysExpired: number;
  emptyKeysSkipped: number;
  endOffset: number;
  aofBase: boolean;
  error: string;
  /** The error was found when installing (a function library that does not load): not logged yet. */
  unlogged: boolean;
  /** Function libraries the file held (now loaded). */
  functions: number;
  /** AUX repl-id ('' when absent), repl-offset, repl-stream-db. */
  replId: string;
  replOffset: number;
  replStreamDb: number;
  /** After a feed: the EOF mark did not follow the snapshot. */
  markBroken?: boolean;
  /** After a feed: the bytes that followed the snapshot. */
  rest?: Buffer;
}

export class NativePersistence {
  constructor(readonly native: NativeServer) {}

  save(dir: string, filename: string, opts: SaveOptions): SaveResult {
    return this.native.persistence('save', dir, filename, opts) as SaveResult;
  }

  /** The child's pid, or -errno when fork failed. */
  bgsave(dir: string, filename: string, opts: SaveOptions): number {
    return this.native.persistence('bgsave', dir, filename, opts) as number;
  }

  /** Diskless SYNC: a child writing the snapshot into a pipe; [pid, read end] or [-errno]. */
  bgsaveSocket(opts: SaveOptions): [number, number?] {
    return this.native.persistence('bgsaveSocket', opts) as [number, number?];
  }

  childPoll(): ChildOutcome | null {
    const r = this.native.persistence('childPoll') as [number, number, number, string, string] | null;
    return r ? { exitcode: r[0], signal: r[1], cowBytes: r[2], failedStep: r[3], error: r[4] } : null;
  }

  childKill(): void {
    this.native.persistence('childKill');
  }

  childPid(): number {
    return this.native.persistence('childPid') as number;
  }

  get dirty(): number {
    return this.native.persistence('dirty') as number;
  }

  set dirty(n: number) {
    this.native.persistence('dirty', n);
  }

  /** 0, or the errno of opening the file. */
  /** `replica`: loading a master's snapshot, keys already expired are kept (Redis loads them unless it is a master). */
  loadStart(path: string, offset: number, opts: { aofPreamble?: boolean; keyLoadDelay?: number; replica?: boolean } = {}): number {
    return this.native.persistence('loadStart', path, offset, opts) as number;
  }

  loadPoll(): LoadProgress {
    const r = this.native.persistence('loadPoll') as [boolean, number, number, [number, string][], number, number, number];
    return { done: r[0], loadedBytes: r[1], totalBytes: r[2], logs: r[3], queued: r[4], wanted: r[5], rdbUsedMem: r[6] };
  }

  /**
   * Diskless loading: a snapshot pushed by loadFeed, loaded in the loader
   * thread ($<len>: `total` bytes; $EOF: total 0 and the 40-byte mark that must follow it).
   */
  loadStartFeed(total: number, eofMark: string, opts: { keyLoadDelay?: number } = {}): void {
    this.native.persistence('loadStartFeed', total, eofMark, { ...opts, fromSocket: true, replica: true });
  }

  /** One socket read of the snapshot: [bytes queued for the loader, bytes it waits for]. */
  loadFeed(chunk: Buffer): [number, number] {
    return this.native.persistence('loadFeed', chunk) as [number, number];
  }

  /** No more snapshot bytes (the transfer is complete, or the link dropped). */
  loadFeedEnd(): void {
    this.native.persistence('loadFeedEnd');
  }

  /**
   * Installs the loaded data when it loaded completely: in place of the
   * current dataset and function libraries, or with `merge` added to them
   * (a key or library already there refuses the load, or with `replace` is replaced).
   */
  loadFinish(opts: { merge: boolean; replace: boolean; lazyFlush?: boolean } = { merge: false, replace: false }): LoadResult {
    return this.native.persistence('loadFinish', opts) as LoadResult;
  }

  /** emptyData: every database and the function libraries emptied, no events (DEBUG RELOAD, LOADAOF). */
  emptyData(): void {
    this.native.persistence('emptyData');
  }
}
