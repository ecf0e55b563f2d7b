/**
 * The persistence feature: RDB snapshots (SAVE, BGSAVE, save points,
 * LASTSAVE's time), loading the dataset at startup, the AOF (see aof.ts),
 * what a shutdown must write, and the INFO persistence section. A feature
 * like the others (src/server.ts builds it with the context): the server
 * calls start() once listening, cron() from its timer, prepareShutdown() on
 * SHUTDOWN and SIGTERM/SIGINT, and close() when it closes; register() adds
 * SAVE, BGSAVE and BGREWRITEAOF (commands.ts).
 *
 * Byte work is native (native/server/rdb_*.cc, snapshot.cc, aof.cc); this
 * class decides when to save, which file to use, what to log (Redis's lines)
 * and what INFO reports. BGSAVE forks natively: see native/server/snapshot.h
 * for why fork and what the child may touch.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { persistenceHooks } from '../commands/debug';
import type { CommandRegistry } from '../commands/registry';
import type { ServerContext } from '../context';
import type { LogLevel } from '../log';
import { NativePersistence, type ChildOutcome, type LoadResult, type SaveOptions } from './native-ops';
import { Aof } from './aof';
import { registerPersistenceCommands } from './commands';
import { errnoText, LoadError } from './errors';
import { runAsync, runSync, type Steps } from './steps';

export { LoadError };

/** After a failed BGSAVE, save points retry only this many seconds later (CONFIG_BGSAVE_RETRY_DELAY). */
const BGSAVE_RETRY_DELAY = 5;
/** rdb-save-incremental-fsync: fsync every 4 MB written (REDIS_AUTOSYNC_BYTES). */
const AUTOSYNC_BYTES = 4 * 1024 * 1024;
const LOG_LEVELS: LogLevel[] = ['debug', 'verbose', 'notice', 'warning'];

export const MISCONF_RDB =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
  'Commands that may modify the data set are disabled, because this instance is configured to report errors ' +
  'during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs ' +
  'for details about the RDB error.';

export type ChildType = 'rdb' | 'aof';

/** SHUTDOWN flags (Redis's SHUTDOWN_*). */
export interface ShutdownFlags {
  save?: boolean;
  nosave?: boolean;
  now?: boolean;
  force?: boolean;
}


/** What persistence needs to know of the commands running. */
export interface CommandState {
  /** EXEC is running a queued command: BGSAVE and BGREWRITEAOF only schedule. */
  readonly inExec: boolean;
}

const unixNow = () => Math.floor(Date.now() / 1000);

export class Persistence {
  readonly ops: NativePersistence;
  readonly aof: Aof;

  // RDB state (Redis's server.* fields of the same meaning).
  lastBgsaveStatus: 'ok' | 'err' = 'ok';
  lastBgsaveTry = 0;
  rdbSaves = 0;
  rdbSaveTimeLast = -1;
  rdbSaveTimeStart = -1;
  rdbBgsaveScheduled = false;
  dirtyBeforeBgsave = 0;
  lastCowSize = 0;
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;
  /** Unix seconds of the last successful save (LASTSAVE, rdb_last_save_time); the start time until then. */
  lastSave = unixNow();

  /** The running child, if any (only one at a time, like Redis). */
  childType: ChildType | null = null;
  childPid = -1;

  // Loading state.
  loading = false;
  /** The loading is a replica's async load (repl-diskless-load swapdb): the old dataset is served meanwhile. */
  asyncLoading = false;
  loadingStartTime = 0;
  loadingTotalBytes = 0;
  loadingLoadedBytes = 0;
  /** The loading snapshot's used-mem AUX field (INFO loading_rdb_used_mem; estimates progress when the size is unknown). */
  loadingRdbUsedMem = 0;
  private shuttingDown = false;

  constructor(
    readonly ctx: ServerContext,
    readonly commands: CommandState,
  ) {
    this.ops = new NativePersistence(ctx.native);
    this.aof = new Aof(this);
    const config = ctx.config;
    config.onChange('stop-writes-on-bgsave-error', () => this.updateWriteDenial());
    config.onChange('save', () => this.updateWriteDenial());
    // FLUSHALL saves natively, inside the command: it needs the target up to date.
    const pushTarget = () =>
      ctx.native.persistence(
        'saveTarget',
        this.dir,
        this.rdbFilename,
        config.getSaveParams().length > 0,
        config.get('rdb-save-incremental-fsync') ? AUTOSYNC_BYTES : 0,
      );
    pushTarget();
    for (const name of ['dir', 'dbfilename', 'save', 'rdb-save-incremental-fsync']) config.onChange(name, pushTarget);
  }

  /** SAVE, BGSAVE, BGREWRITEAOF; the bodies of DEBUG RELOAD and DEBUG LOADAOF. */
  register(r: CommandRegistry): void {
    registerPersistenceCommands(r, this);
    persistenceHooks.reload = (call, opts) => {
      const error = this.debugReload(opts);
      if (error) call.w.error(error);
      else call.w.ok();
    };
    persistenceHooks.loadaof = (call) => {
      const error = this.debugLoadAof();
      if (error) call.w.error(error);
      else call.w.ok();
    };
  }

  get config() {
    return this.ctx.config;
  }

  get log() {
    return this.ctx.log;
  }

  /** The directory files live in (the `dir` option, absolute). */
  get dir(): string {
    return this.config.resolvePath('.');
  }

  get rdbFilename(): string {
    return this.config.get('dbfilename') as string;
  }

  hasActiveChild(): boolean {
    return this.childType !== null;
  }

  /** Replication's AUX fields for every snapshot (set by the replication feature). */
  replInfo: (() => Partial<SaveOptions>) | undefined;
  /** The replication AUX fields of the RDB loaded at startup, if it had them. */
  loadedReplInfo: { replId: string; replOffset: number; replStreamDb: number } | undefined;

  saveOptions(extra: Partial<SaveOptions> = {}): SaveOptions {
    return {
      ...(extra.aofBase ? {} : this.replInfo?.()), // an AOF base has none, as in Redis
      ctime: unixNow(),
      keySaveDelay: this.config.get('rdb-key-save-delay') as number,
      fsyncEvery: this.config.get('rdb-save-incremental-fsync') ? AUTOSYNC_BYTES : 0,
      ...extra,
    };
  }

  // ---------------------------------------------------------------------------
  // Startup

  /**
   * Loads the dataset like Redis's loadDataFromDisk: the AOF when appendonly
   * is on, else the RDB file if there is one. Clients get -LOADING meanwhile.
   */
  async start(): Promise<void> {
    const start = process.hrtime.bigint();
    const seconds = () => (Number(process.hrtime.bigint() - start) / 1e9).toFixed(3);
    if (this.config.get('appendonly')) {
      const loaded = await runAsync(this.aof.loadSteps());
      if (loaded) this.log.notice(`DB loaded from append only file: ${seconds()} seconds`);
      this.aof.openAtStartup();
      return;
    }
    const file = path.join(this.dir, this.rdbFilename);
    if (fs.existsSync(file)) {
      const result = await runAsync(this.loadRdbSteps(file, 0, {}));
      if (!result.ok) throw new LoadError(result.error);
      if (result.replId) {
        this.loadedReplInfo = { replId: result.replId, replOffset: result.replOffset, replStreamDb: result.replStreamDb };
      }
      this.log.notice(`DB loaded from disk: ${seconds()} seconds`);
    }
    this.aof.openAtStartup();  // with appendonly no: only removes AOF history files, as Redis does
  }

  /**
   * Loads an RDB file (or the RDB part of an AOF) in the native loader
   * thread, answering -LOADING meanwhile and logging as Redis does. Failures
   * are logged (with Redis's closing line) and returned, not thrown.
   * `merge`: into the current dataset (DEBUG RELOAD NOFLUSH), replacing
   * duplicates only with `replace` (MERGE).
   */
  *loadRdbSteps(
    file: string,
    offset: number,
    opts: { aofPreamble?: boolean; nested?: boolean; merge?: boolean; replace?: boolean; lazyFlush?: boolean; replica?: boolean },
  ): Steps<LoadResult> {
    const err = this.ops.loadStart(file, offset, {
      aofPreamble: opts.aofPreamble,
      // A replica keeps keys already expired (its master will delete them), as Redis's iAmMaster() check.
      replica: opts.replica ?? !!this.config.getReplicaOf().host,
      keyLoadDelay: this.config.get('key-load-delay') as number,
    });
    if (err !== 0) {
      const message = `Fatal error loading the DB: ${errnoText(err)}. Exiting.`;
      this.log.warning(message);
      return { ok: false, error: message } as LoadResult;
    }
    // Nested: the RDB part of an AOF whose loading is already reported as a whole.
    if (!opts.nested) this.startLoading(fs.statSync(file).size);
    const loadedBefore = this.loadingLoadedBytes;
    try {
      for (;;) {
        const p = this.ops.loadPoll();
        for (const [level, text] of p.logs) this.log.log(LOG_LEVELS[level] ?? 'notice', text);
        this.loadingLoadedBytes = loadedBefore + p.loadedBytes;
        if (p.rdbUsedMem) this.loadingRdbUsedMem = p.rdbUsedMem;
        if (p.done) break;
        yield 'poll';
      }
    } finally {
      if (!opts.nested) this.stopLoading();
    }
    const result = this.ops.loadFinish({ merge: !!opts.merge, replace: !!opts.replace, lazyFlush: !!opts.lazyFlush });
    if (result.unlogged) this.log.warning(result.error);
    if (!result.ok) {
      // Redis's fatal lines: a bad signature or version is EINVAL, corruption terminates.
      if (opts.nested || opts.merge || result.unlogged) return result;
      if (/^(Wrong signature|Can't handle RDB format version)/.test(result.error)) {
        this.log.warning('Fatal error loading the DB: Invalid argument. Exiting.');
      } else {
        this.log.warning('Terminating server after rdb file reading failure.');
      }
      return result;
    }
    this.lastLoadKeysLoaded = result.keysLoaded;
    this.lastLoadKeysExpired = result.keysExpired;
    return result;
  }

  /**
   * DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE], as Redis 7.0's: save (unless
   * NOSAVE), empty the dataset and the function libraries (unless NOFLUSH),
   * load the RDB file back, all inside the command. The reply text, or null for +OK.
   */
  debugReload(opts: { merge: boolean; flush: boolean; save: boolean }): string | null {
    // A replica's async load (swapdb) owns the loader meanwhile.
    if (this.loading) return 'LOADING Redis is loading the dataset in memory';
    if (opts.save && !this.saveSync()) return 'ERR';
    if (opts.flush) this.ops.emptyData();
    const file = path.join(this.dir, this.rdbFilename);
    const result = runSync(this.loadRdbSteps(file, 0, { merge: !opts.flush, replace: opts.merge }));
    if (!result.ok) return 'ERR Error trying to load the RDB dump';
    this.log.warning('DB reloaded by DEBUG RELOAD');
    return null;
  }

  /** DEBUG LOADAOF: flush the AOF, empty everything and load the AOF back, inside the command. */
  debugLoadAof(): string | null {
    if (this.loading) return 'LOADING Redis is loading the dataset in memory';
    if (this.config.get('appendonly')) this.ops.native.persistence('aofFlush', true);
    this.ops.emptyData();
    let ok: boolean;
    try {
      ok = runSync(this.aof.loadSteps());
    } catch (e) {
      if (!(e instanceof LoadError)) throw e;
      ok = false;
    }
    this.ops.dirty = 0;  // nothing loaded is propagated again
    if (!ok) return 'ERR';  // Redis 7.0 answers shared.err here
    this.log.warning('Append Only File loaded by DEBUG LOADAOF');
    return null;
  }

  /**
   * `async`: a replica loading its master's snapshot aside while it keeps
   * serving the old dataset (repl-diskless-load swapdb, Redis's
   * async_loading): only commands flagged no-async-loading get -LOADING.
   */
  startLoading(totalBytes: number, async = false): void {
    this.loading = true;
    this.asyncLoading = async;
    this.loadingStartTime = unixNow();
    this.loadingTotalBytes = totalBytes;
    this.loadingLoadedBytes = 0;
    this.loadingRdbUsedMem = 0;
    this.ctx.native.configure(async ? 'async-loading' : 'loading', true);
  }

  stopLoading(): void {
    this.loading = false;
    this.asyncLoading = false;
    this.ctx.native.configure('loading', false);
    this.ctx.native.configure('async-loading', false);
  }

  // ---------------------------------------------------------------------------
  // SAVE / BGSAVE

  /** rdbSave: a synchronous snapshot. Logs like Redis; false on failure. */
  saveSync(): boolean {
    this.rdbSaves++;
    const r = this.ops.save(this.dir, this.rdbFilename, this.saveOptions());
    if (!r.ok) {
      if (r.step === 'open') {
        this.log.warning(
          `Failed opening the temp RDB file ${path.basename(r.tmpfile)} (in server root dir ${this.dir}) for saving: ${r.error}`,
        );
      } else if (r.step === 'rename') {
        this.log.warning(
          `Error moving temp DB file ${path.basename(r.tmpfile)} on the final destination ${this.rdbFilename} (in server root dir ${this.dir}): ${r.error}`,
        );
      } else {
        this.log.warning(`Write error saving DB on disk(${r.step}): ${r.error}`);
      }
      return false;
    }
    this.log.notice('DB saved on disk');
    this.ops.dirty = 0;
    this.lastSave = unixNow();
    this.setBgsaveStatus('ok');
    return true;
  }

  /** Told when a BGSAVE child ends: true if the snapshot was written (replication waits for it). */
  readonly bgsaveListeners = new Set<(ok: boolean) => void>();

  /**
   * rdbSaveBackground: forks the saving child. Returns false if it could not.
   * `extra`: more save options (replication's repl-id/repl-offset AUX fields).
   */
  bgsave(extra: Partial<SaveOptions> = {}): boolean {
    if (this.hasActiveChild()) return false;
    this.rdbSaves++;
    this.dirtyBeforeBgsave = this.ops.dirty;
    this.lastBgsaveTry = unixNow();
    const pid = this.ops.bgsave(this.dir, this.rdbFilename, this.saveOptions(extra));
    if (pid < 0) {
      this.setBgsaveStatus('err');
      this.log.warning(`Can't save in background: fork: ${errnoText(-pid)}`);
      return false;
    }
    this.log.notice(`Background saving started by pid ${pid}`);
    this.rdbSaveTimeStart = unixNow();
    this.childType = 'rdb';
    this.childPid = pid;
    return true;
  }

  /** Whether the running RDB child writes to replicas' sockets (diskless SYNC), not to disk. */
  private rdbToSocket = false;

  /**
   * rdbSaveToSlavesSockets: forks a child writing the snapshot into a pipe;
   * returns the pipe's read end, or -1 if it could not fork.
   */
  bgsaveSocket(extra: Partial<SaveOptions>): number {
    if (this.hasActiveChild()) return -1;
    const [pid, fd] = this.ops.bgsaveSocket(this.saveOptions(extra));
    if (pid < 0 || fd === undefined) {
      this.log.warning(`Can't save in background: fork: ${errnoText(-pid)}`);
      return -1;
    }
    this.log.notice(`Background RDB transfer started by pid ${pid}`);
    this.rdbSaveTimeStart = unixNow();
    this.childType = 'rdb';
    this.childPid = pid;
    this.rdbToSocket = true;
    return fd;
  }

  /** Writes on behalf of a child, with its pid and role C, as the child's own lines in Redis. */
  childLog(pid: number, level: LogLevel, msg: string): void {
    const { pid: ownPid, role } = this.log;
    this.log.pid = pid;
    this.log.role = 'C';
    try {
      this.log.log(level, msg);
    } finally {
      this.log.pid = ownPid;
      this.log.role = role;
    }
  }

  private rdbChildDone(pid: number, o: ChildOutcome): void {
    if (this.rdbToSocket) return this.socketChildDone(pid, o);
    if (o.exitcode === 0 && o.signal === 0) {
      this.childLog(pid, 'notice', 'DB saved on disk');
      this.childLog(pid, 'notice', `Fork CoW for RDB: current ${mb(o.cowBytes)} MB, peak ${mb(o.cowBytes)} MB`);
      this.log.notice('Background saving terminated with success');
      this.ops.dirty = Math.max(0, this.ops.dirty - this.dirtyBeforeBgsave);
      this.lastSave = unixNow();
      this.lastCowSize = o.cowBytes;
      this.setBgsaveStatus('ok');
    } else if (o.signal === 0) {
      if (o.failedStep) this.childLog(pid, 'warning', `Write error saving DB on disk(${o.failedStep}): ${o.error}`);
      this.log.warning('Background saving error');
      this.setBgsaveStatus('err');
    } else {
      this.log.warning(`Background saving terminated by signal ${o.signal}`);
      this.removeTempFile(pid);
      // SIGUSR1 is how the server itself stops a child: not an error.
      if (o.signal !== 10) this.setBgsaveStatus('err');
    }
    this.rdbSaveTimeLast = unixNow() - this.rdbSaveTimeStart;
    this.rdbSaveTimeStart = -1;
    const ok = o.exitcode === 0 && o.signal === 0;
    for (const listener of [...this.bgsaveListeners]) listener(ok);
  }

  /** backgroundSaveDoneHandlerSocket: a diskless transfer's child ended (no lastsave, no dirty reset). */
  private socketChildDone(pid: number, o: ChildOutcome): void {
    this.rdbToSocket = false;
    const ok = o.exitcode === 0 && o.signal === 0;
    if (ok) {
      this.childLog(pid, 'notice', `Fork CoW for RDB: current ${mb(o.cowBytes)} MB, peak ${mb(o.cowBytes)} MB`);
      this.log.notice('Background RDB transfer terminated with success');
    } else if (o.signal === 0) {
      this.log.warning('Background transfer error');
    } else {
      this.log.warning(`Background transfer terminated by signal ${o.signal}`);
    }
    this.rdbSaveTimeLast = unixNow() - this.rdbSaveTimeStart;
    this.rdbSaveTimeStart = -1;
    for (const listener of [...this.bgsaveListeners]) listener(ok);
  }

  /** What FLUSHALL's own saves did (they run inside the command, natively): logged as rdbSave logs. */
  private collectFlushallSaves(): void {
    const saves = this.ctx.native.persistence('takeFlushallSaves') as [boolean, string, string][];
    for (const [ok, step, error] of saves) {
      this.rdbSaves++;
      if (ok) {
        this.log.notice('DB saved on disk');
        this.lastSave = unixNow();
        this.setBgsaveStatus('ok');
      } else {
        this.log.warning(`Write error saving DB on disk(${step}): ${error}`);
      }
    }
  }

  removeTempFile(pid: number): void {
    try {
      fs.unlinkSync(path.join(this.dir, `temp-${pid}.rdb`));
    } catch {
      /* not there */
    }
  }

  /** Stops a running RDB child (SHUTDOWN, FLUSHALL), removing its temp file. */
  killRdbChild(): void {
    if (this.childType !== 'rdb') return;
    const pid = this.childPid;
    this.ops.childKill();
    this.rdbToSocket = false;
    this.removeTempFile(pid);
    this.childType = null;
    this.childPid = -1;
    this.rdbSaveTimeLast = unixNow() - this.rdbSaveTimeStart;
    this.rdbSaveTimeStart = -1;
    for (const listener of [...this.bgsaveListeners]) listener(false);
  }

  setBgsaveStatus(status: 'ok' | 'err'): void {
    this.lastBgsaveStatus = status;
    this.updateWriteDenial();
  }

  /** MISCONF: writes refused while the last save failed (or the AOF cannot be written). */
  updateWriteDenial(): void {
    let error = '';
    if (
      this.config.get('stop-writes-on-bgsave-error') &&
      this.config.getSaveParams().length > 0 &&
      this.lastBgsaveStatus === 'err'
    ) {
      error = MISCONF_RDB;
    } else {
      error = this.aof.writeDenialError();
    }
    this.ctx.native.configure('deny-write-error', error);
  }

  // ---------------------------------------------------------------------------
  // Periodic work (serverCron's persistence part)

  cron(): void {
    if (this.loading || this.shuttingDown) return;
    const now = unixNow();
    this.collectFlushallSaves();
    if (this.hasActiveChild()) {
      const o = this.ops.childPoll();
      if (o) {
        const type = this.childType;
        const pid = this.childPid;
        this.childType = null;
        this.childPid = -1;
        if (type === 'rdb') this.rdbChildDone(pid, o);
        else this.aof.childDone(pid, o);
      }
    } else {
      const dirty = this.ops.dirty;
      for (const sp of this.config.getSaveParams()) {
        if (
          dirty >= sp.changes &&
          now - this.lastSave > sp.seconds &&
          (now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY || this.lastBgsaveStatus === 'ok')
        ) {
          this.log.notice(`${sp.changes} changes in ${sp.seconds} seconds. Saving...`);
          this.bgsave();
          break;
        }
      }
      this.aof.cronWithoutChild();
    }
    this.aof.cron();
    if (
      !this.hasActiveChild() &&
      this.rdbBgsaveScheduled &&
      (now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY || this.lastBgsaveStatus === 'ok')
    ) {
      if (this.bgsave()) this.rdbBgsaveScheduled = false;
    }
  }

  // ---------------------------------------------------------------------------
  // Shutdown

  /**
   * finishShutdown's persistence part: stop children, flush the AOF, write the
   * final snapshot when save points exist (or SAVE was asked). Returns false
   * when the shutdown must not happen (a save failed without FORCE).
   */
  prepareShutdown(flags: ShutdownFlags): boolean {
    let { save, nosave } = flags;
    if (this.loading) {
      save = false;
      nosave = true;
    }
    if (this.childType === 'rdb') {
      this.log.warning('There is a child saving an .rdb. Killing it!');
      this.killRdbChild();
    }
    if (!this.aof.prepareShutdown(flags)) return false;
    if ((this.config.getSaveParams().length > 0 && !nosave) || save) {
      this.log.notice('Saving the final RDB snapshot before exiting.');
      if (!this.saveSync()) {
        if (flags.force) {
          this.log.warning('Error trying to save the DB. Exit anyway.');
        } else {
          this.log.warning('Error trying to save the DB, can\'t exit.');
          return false;
        }
      }
    }
    this.shuttingDown = true;
    return true;
  }

  /** Called when the server closes without a shutdown (embedding): no child may outlive it. */
  close(): void {
    if (this.childType === 'rdb') this.killRdbChild();
    this.aof.close();
  }

  // ---------------------------------------------------------------------------
  // INFO persistence

  infoLines(): [string, string | number][] {
    const now = unixNow();
    const lines: [string, string | number][] = [
      ['loading', this.loading && !this.asyncLoading ? 1 : 0],
      ['async_loading', this.asyncLoading ? 1 : 0],
      ['current_cow_peak', 0],
      ['current_cow_size', 0],
      ['current_cow_size_age', 0],
      ['current_fork_perc', '0.00'],
      ['current_save_keys_processed', 0],
      ['current_save_keys_total', 0],
      ['rdb_changes_since_last_save', this.ops.dirty],
      ['rdb_bgsave_in_progress', this.childType === 'rdb' ? 1 : 0],
      ['rdb_last_save_time', this.lastSave],
      ['rdb_last_bgsave_status', this.lastBgsaveStatus],
      ['rdb_last_bgsave_time_sec', this.rdbSaveTimeLast],
      ['rdb_current_bgsave_time_sec', this.childType === 'rdb' ? now - this.rdbSaveTimeStart : -1],
      ['rdb_saves', this.rdbSaves],
      ['rdb_last_cow_size', this.lastCowSize],
      ['rdb_last_load_keys_expired', this.lastLoadKeysExpired],
      ['rdb_last_load_keys_loaded', this.lastLoadKeysLoaded],
      ...this.aof.infoLines(now),
      ['module_fork_in_progress', 0],
      ['module_fork_last_cow_size', 0],
      ...this.aof.infoExtraLines(),
    ];
    if (this.loading) {
      const total = this.loadingTotalBytes;
      const loaded = this.loadingLoadedBytes;
      const usedMem = this.loadingRdbUsedMem;
      // Without a size (a snapshot streamed as $EOF) Redis estimates from the used-mem AUX field, below 100%.
      let perc = 0;
      let remaining = 1;
      if (total) {
        perc = (loaded / total) * 100;
        remaining = total - loaded;
      } else if (usedMem) {
        perc = Math.min(99.99, (loaded / usedMem) * 100);
        remaining = Math.max(1, usedMem - loaded);
      }
      const elapsed = now - this.loadingStartTime;
      const eta = elapsed === 0 ? 1 : Math.floor((elapsed * remaining) / (loaded + 1));
      lines.push(
        ['loading_start_time', this.loadingStartTime],
        ['loading_total_bytes', total],
        ['loading_rdb_used_mem', usedMem],
        ['loading_loaded_bytes', loaded],
        ['loading_loaded_perc', perc.toFixed(2)],
        ['loading_eta_seconds', eta],
      );
    }
    return lines;
  }
}

function mb(bytes: number): number {
  return Math.floor(bytes / (1024 * 1024));
}
