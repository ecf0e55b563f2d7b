/**
 * Diskless loading on a replica (repl-diskless-load on-empty-db | swapdb),
 * as Redis 7.0's readSyncBulkPayload with useDisklessLoad(): the master's
 * snapshot ($<len> or $EOF:<mark>) goes from the socket straight into the
 * native loader thread, each socket read pushed as it arrives
 * (native/server/byte_feed.h), no temp file.
 *
 *   on-empty-db  used only while the dataset has no keys: the old data (and
 *                function libraries) are flushed first, clients get -LOADING
 *                until the new dataset is installed.
 *   swapdb       the snapshot loads into databases of its own while ours stay
 *                as they are: on success they are swapped in and the old ones
 *                freed in the background; on failure (a dropped link, a
 *                corrupt snapshot) ours are kept. When the master's replication
 *                id is ours already (the same history, e.g. a replica that fell
 *                off the backlog), this is Redis's async loading: clients keep
 *                being served the old dataset (INFO async_loading:1, loading:0)
 *                and only no-async-loading commands get -LOADING; otherwise
 *                clients get -LOADING meanwhile, as Redis does.
 *
 * The link (master-link.ts) pushes the bytes; replication.ts says which mode
 * applies and adopts the master's id and offset on success.
 */
import { LOG_LEVELS, type Logger } from '../log';
import type { Persistence } from '../persistence/persistence';

export type DisklessLoadMode = 'on-empty-db' | 'swapdb';

/** Above this many queued bytes the socket pauses until the loader catches up. */
const HIGH_WATER = 32 * 1024 * 1024;
const LOW_WATER = 8 * 1024 * 1024;
/**
 * The strerror(errno) Redis 7.0.15 logs when the load failed: a read that
 * returns 0 sets no errno, so what shows is the EINPROGRESS left by the
 * link's non-blocking connect.
 */
const SOCKET_ERROR = 'Operation now in progress';

export interface SocketLoadOptions {
  mode: DisklessLoadMode;
  /** $<len>: the snapshot's size; $EOF: 0. */
  total: number;
  /** $EOF: the 40-byte mark that follows the snapshot; '' for $<len>. */
  eofMark: string;
  /** swapdb with the master's id equal to ours: serve the old dataset meanwhile. */
  async: boolean;
  /** replica-lazy-flush: a replaced dataset is freed by the lazy free thread. */
  lazyFlush: boolean;
}

/** One snapshot being loaded from the master's socket. */
export class SocketLoad {
  /** Resolves with the bytes that followed the snapshot, or undefined if it did not load. */
  readonly result: Promise<Buffer | undefined>;
  /** Once loaded: the database the master's stream has selected at the snapshot (AUX repl-stream-db). */
  streamDb = 0;
  /** Called when a paused socket may be read again. */
  onResume: (() => void) | undefined;
  private paused = false;
  private ended = false;

  constructor(
    private readonly persistence: Persistence,
    private readonly log: Logger,
    private readonly opts: SocketLoadOptions,
    /** Told once the loaded dataset replaced ours (swapdb: replicationAttachToNewMaster). */
    private readonly swapped: () => void,
  ) {
    const { ops } = persistence;
    ops.loadStartFeed(opts.total, opts.eofMark, { keyLoadDelay: persistence.ctx.config.get('key-load-delay') as number });
    log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    persistence.startLoading(opts.total, opts.async);
    this.result = this.run();
  }

  /** One read of the socket; true when the socket should pause (the loader is behind). */
  push(chunk: Buffer): boolean {
    if (this.ended || chunk.length === 0) return false;
    const [queued, wanted] = this.persistence.ops.loadFeed(chunk);
    if (queued > HIGH_WATER && wanted <= queued) this.paused = true;
    return this.paused;
  }

  /** No more bytes: the snapshot is complete ($<len>) or the link dropped. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.persistence.ops.loadFeedEnd();
  }

  private async run(): Promise<Buffer | undefined> {
    const { persistence, log, opts } = this;
    const { ops } = persistence;
    for (;;) {
      const p = ops.loadPoll();
      for (const [level, text] of p.logs) log.log(LOG_LEVELS[level] ?? 'notice', text);
      persistence.loadingLoadedBytes = p.loadedBytes;
      if (p.rdbUsedMem) persistence.loadingRdbUsedMem = p.rdbUsedMem;
      if (p.done) break;
      if (this.paused && (p.queued < LOW_WATER || p.wanted > p.queued)) {
        this.paused = false;
        this.onResume?.();
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    this.end();
    // Installs the loaded dataset only if it loaded completely (swapdb: the
    // old one goes to the lazy free thread, "Discarding old DB in background").
    const result = ops.loadFinish({ merge: false, replace: false, lazyFlush: opts.mode === 'swapdb' || opts.lazyFlush });
    persistence.stopLoading();
    if (!result.ok) {
      if (result.unlogged) log.warning(result.error);
      if (result.markBroken) log.warning('Replication stream EOF marker is broken');
      else log.warning(`Failed trying to load the MASTER synchronization DB from socket: ${SOCKET_ERROR}`);
      if (opts.mode === 'swapdb') log.notice('MASTER <-> REPLICA sync: Discarding temporary DB in background');
      return undefined;
    }
    if (opts.mode === 'swapdb') {
      this.swapped();
      log.notice('MASTER <-> REPLICA sync: Swapping active DB with loaded DB');
      log.notice('MASTER <-> REPLICA sync: Discarding old DB in background');
    }
    persistence.lastLoadKeysLoaded = result.keysLoaded;
    persistence.lastLoadKeysExpired = result.keysExpired;
    this.streamDb = result.replStreamDb;
    // The dataset changed without a save (Redis: server.dirty++).
    ops.dirty = ops.dirty + 1;
    return result.rest ?? Buffer.alloc(0);
  }
}
