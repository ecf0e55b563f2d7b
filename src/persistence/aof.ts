/**
 * The multi-part append-only file of Redis 7.0: a base file (an RDB with
 * aof-use-rdb-preamble yes, else commands) and incr files in `appenddirname`,
 * listed by a manifest (manifest.ts). This class owns the files and their
 * life cycle; the bytes are native (native/server/aof.h):
 *
 *  - startup: load base + incrs (an old single-file AOF in `dir` is migrated
 *    into the directory first), then open the last incr file for appending,
 *    creating a base first when there is nothing at all;
 *  - writes reach the AOF through the propagation path and are written before
 *    any reply leaves (fsync by appendfsync);
 *  - BGREWRITEAOF and auto-aof-rewrite-*: a new incr file takes the writes
 *    while a forked child writes the new base; on success the manifest swaps
 *    in the new base and the old files become history and are deleted;
 *  - CONFIG SET appendonly yes/no at run time (yes waits for a first rewrite,
 *    which writes into a temporary incr file meanwhile);
 *  - shutdown: kill a rewriting child, flush and fsync.
 *
 * Log lines, error replies and INFO fields are Redis's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RespWriter } from '../protocol/resp-writer';
import type { ChildOutcome } from './native-ops';
import { AofManifest } from './manifest';
import { errnoText, LoadError } from './errors';
import type { Steps } from './steps';
import type { Persistence, ShutdownFlags } from './persistence';

const FSYNC_POLICIES: Record<string, number> = { everysec: 0, always: 1, no: 2 };

type AofState = 'off' | 'on' | 'wait_rewrite';

export class Aof {
  state: AofState = 'off';
  manifest = new AofManifest();
  rewriteScheduled = false;
  rewriteTimeStart = -1;
  rewriteTimeLast = -1;
  lastBgrewriteStatus: 'ok' | 'err' = 'ok';
  rewrites = 0;
  consecutiveFailures = 0;
  lastCowSize = 0;
  /** aof_current_size = sizeOffset + bytes of the current incr file. */
  private sizeOffset = 0;
  /** aof_rewrite_base_size: the size when the last rewrite ended (auto rewrite growth base). */
  rewriteBaseSize = 0;
  private lastWriteError = '';
  private fsyncError = '';

  constructor(private readonly p: Persistence) {
    const config = p.config;
    const push = () =>
      p.ops.native.persistence('aofConfigure', {
        fsync: FSYNC_POLICIES[String(config.get('appendfsync'))] ?? 0,
        timestamps: config.get('aof-timestamp-enabled') as boolean,
        noFsyncOnRewrite: config.get('no-appendfsync-on-rewrite') as boolean,
      });
    push();
    for (const name of ['appendfsync', 'aof-timestamp-enabled', 'no-appendfsync-on-rewrite']) config.onChange(name, push);
    config.onChange('appendonly', (v) => (v ? this.startAppendOnly() : this.stopAppendOnly()));
    this.loadManifest();
  }

  private get config() {
    return this.p.config;
  }

  private get log() {
    return this.p.log;
  }

  private get native() {
    return this.p.ops.native;
  }

  get enabled(): boolean {
    return this.state !== 'off';
  }

  get appendfilename(): string {
    return this.config.get('appendfilename') as string;
  }

  /** The AOF directory (absolute). */
  get dirPath(): string {
    return path.join(this.p.dir, this.config.get('appenddirname') as string);
  }

  private filePath(name: string): string {
    return path.join(this.dirPath, name);
  }

  private get manifestName(): string {
    return `${this.appendfilename}.manifest`;
  }

  private get tempIncrName(): string {
    return `temp-${this.appendfilename}.incr`;
  }

  // ---------------------------------------------------------------------------
  // Manifest

  /** aofLoadManifestFromDisk: at construction, whatever appendonly says. */
  private loadManifest(): void {
    const file = this.filePath(this.manifestName);
    if (!fs.existsSync(this.dirPath) || !fs.existsSync(file)) return;
    try {
      this.manifest = AofManifest.parse(fs.readFileSync(file, 'latin1'));
    } catch (e) {
      this.manifestError = (e as Error).message;
    }
  }

  private manifestError = '';

  /** persistAofManifest: temp file, fsync, rename, directory fsync. Logs and returns false on failure. */
  private persistManifest(m: AofManifest): boolean {
    const tmp = this.filePath(`temp-${this.manifestName}`);
    try {
      const fd = fs.openSync(tmp, 'w', 0o644);
      try {
        fs.writeSync(fd, m.format(), null, 'latin1');
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, this.filePath(this.manifestName));
      fsyncDir(this.dirPath);
      return true;
    } catch (e) {
      this.log.warning(`Can't persist the AOF manifest file ${this.manifestName}: ${(e as Error).message}`);
      return false;
    }
  }

  private ensureDir(): boolean {
    try {
      fs.mkdirSync(this.dirPath, { recursive: true, mode: 0o755 });
      return true;
    } catch (e) {
      this.log.warning(`Can't open or create append-only dir ${this.config.get('appenddirname')}: ${(e as Error).message}`);
      return false;
    }
  }

  /** Deletes history files (aofDelHistoryFiles) unless aof-disable-auto-gc. */
  deleteHistoryFiles(): void {
    if (this.config.get('aof-disable-auto-gc') || this.manifest.history.length === 0) return;
    for (const f of this.manifest.history) {
      this.log.notice(`Removing the history file ${f.name} in the background`);
      fs.unlink(this.filePath(f.name), () => {});
    }
    const m = this.manifest.clone();
    m.history = [];
    if (this.persistManifest(m)) this.manifest = m;
  }

  // ---------------------------------------------------------------------------
  // Startup

  /**
   * loadAppendOnlyFiles: base then incrs. Returns false when there was
   * nothing to load; throws LoadError when loading must stop the server.
   */
  *loadSteps(): Steps<boolean> {
    if (this.manifestError) {
      this.log.warning(this.manifestError);
      throw new LoadError(this.manifestError);
    }
    const m = this.manifest;
    const oldStyle = path.join(this.p.dir, this.appendfilename);
    if (fs.existsSync(oldStyle)) {
      const dirMissing = !fs.existsSync(this.dirPath);
      if (
        dirMissing ||
        m.empty ||
        (m.base !== null && m.incrs.length === 0 && m.base.name === this.appendfilename && !fs.existsSync(this.filePath(this.appendfilename)))
      ) {
        this.upgradeOldStyle();
      }
    }
    if (this.manifest.empty) return false;
    const files = [...(this.manifest.base ? [this.manifest.base] : []), ...this.manifest.incrs];
    let total = 0;
    for (const f of files) {
      try {
        total += fs.statSync(this.filePath(f.name)).size;
      } catch {
        const message = `The AOF file ${f.name} doesn't exist`;
        this.log.warning(message);
        throw new LoadError(message);
      }
    }
    if (total === 0) return false;
    this.p.startLoading(total);
    let loadedBefore = 0;
    try {
      for (let i = 0; i < files.length; i++) {
        const f = files[i];
        const last = i === files.length - 1;
        const start = process.hrtime.bigint();
        const result = yield* this.loadSingleFileSteps(f.name, last, loadedBefore);
        loadedBefore += fs.statSync(this.filePath(f.name)).size;
        if (result === 'ok' || result === 'truncated' || result === 'empty') {
          if (result !== 'empty' || f.type === 'i') {
            const secs = (Number(process.hrtime.bigint() - start) / 1e9).toFixed(3);
            this.log.notice(`DB loaded from ${f.type === 'b' ? 'base' : 'incr'} file ${f.name}: ${secs} seconds`);
          }
        } else {
          throw new LoadError(`AOF loading failed at ${f.name}`);
        }
      }
    } finally {
      this.p.stopLoading();
    }
    const baseSize = this.manifest.base ? fs.statSync(this.filePath(this.manifest.base.name)).size : 0;
    this.rewriteBaseSize = baseSize;
    this.sizeOffset = total;
    this.p.ops.dirty = 0;
    return true;
  }

  /** aofUpgradePrepare: an old single appendonly.aof in `dir` becomes the base of a manifest. */
  private upgradeOldStyle(): void {
    if (!this.ensureDir()) throw new LoadError('AOF directory');
    const m = this.manifest.clone();
    m.base = { name: this.appendfilename, seq: 1, type: 'b' };
    m.currBaseSeq = 1;
    if (!this.persistManifest(m)) throw new LoadError('AOF manifest');
    try {
      fs.renameSync(path.join(this.p.dir, this.appendfilename), this.filePath(this.appendfilename));
    } catch (e) {
      const message = `Error trying to rename the existing AOF to ${this.filePath(this.appendfilename)} in upgrade process: ${(e as Error).message}`;
      this.log.warning(message);
      throw new LoadError(message);
    }
    this.manifest = m;
    this.log.notice(
      `Successfully migrated an old-style AOF file (${this.appendfilename}) into the AOF directory (${this.config.get('appenddirname')}).`,
    );
  }

  /** loadSingleAppendOnlyFile: an RDB part (base or preamble) then commands. */
  private *loadSingleFileSteps(name: string, last: boolean, loadedBefore: number): Steps<'ok' | 'truncated' | 'empty' | 'failed'> {
    const file = this.filePath(name);
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (e) {
      this.log.warning(`Fatal error: can't open the append log file ${name} for reading: ${(e as Error).message}`);
      return 'failed';
    }
    const size = fs.fstatSync(fd).size;
    const sig = Buffer.alloc(5);
    const n = size >= 5 ? fs.readSync(fd, sig, 0, 5, 0) : 0;
    fs.closeSync(fd);
    if (size === 0) return 'empty';
    let offset = 0;
    if (n === 5 && sig.toString('latin1') === 'REDIS') {
      const oldStyle = name === this.appendfilename;
      this.log.notice(oldStyle ? 'Reading RDB preamble from AOF file...' : 'Reading RDB base file on AOF loading...');
      const result = yield* this.p.loadRdbSteps(file, 0, { aofPreamble: true, nested: true });
      if (!result.ok) {
        this.log.warning(
          oldStyle
            ? `Error reading the RDB preamble of the AOF file ${name}, AOF loading aborted`
            : `Error reading the RDB base file ${name}, AOF loading aborted`,
        );
        return 'failed';
      }
      offset = result.endOffset;
      if (oldStyle) this.log.notice('Reading the remaining AOF tail...');
    }
    const err = this.native.persistence('replayStart', file, offset, this.config.get('key-load-delay') as number) as number;
    if (err !== 0) {
      this.log.warning(`Fatal error: can't open the append log file ${name} for reading: ${errnoText(err)}`);
      return 'failed';
    }
    try {
      for (;;) {
        // loading-process-events-interval-bytes per event-loop turn: clients get -LOADING in between.
        const step = this.config.get('loading-process-events-interval-bytes') as number;
        const [status, at, validUpTo, error] = this.native.persistence('replayStep', step) as [
          number,
          number,
          number,
          string,
        ];
        this.p.loadingLoadedBytes = loadedBefore + at;
        if (status === 0) {
          yield 'turn';
          continue;
        }
        if (status === 1) return 'ok';
        if (status === 3) {
          this.log.warning(
            `Bad file format reading the append only file ${name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`,
          );
          return 'failed';
        }
        if (status === 4) {
          this.log.warning(`Unknown command '${error}' reading the append only file ${name}`);
          return 'failed';
        }
        if (status === 5) {
          this.log.warning(`Unrecoverable error reading the append only file ${name}: ${error}`);
          return 'failed';
        }
        // Truncated (or an unfinished MULTI): only the last file may be cut, and only if allowed.
        if (error === 'multi') this.log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`);
        return this.handleTruncated(name, file, validUpTo, last);
      }
    } finally {
      this.native.persistence('replayEnd');
    }
  }

  private handleTruncated(name: string, file: string, validUpTo: number, last: boolean): 'truncated' | 'failed' {
    if (this.config.get('aof-load-truncated') && last) {
      this.log.warning(`!!! Warning: short read while loading the AOF file ${name}!!!`);
      this.log.warning(`!!! Truncating the AOF ${name} at offset ${validUpTo} !!!`);
      try {
        fs.truncateSync(file, validUpTo);
        this.log.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
        return 'truncated';
      } catch (e) {
        this.log.warning(`Error truncating the AOF file ${name}: ${(e as Error).message}`);
      }
    } else if (this.config.get('aof-load-truncated') && !last) {
      this.log.warning('Fatal error: the truncated file is not the last file');
      return 'failed';
    }
    this.log.warning(
      `Unexpected end of file reading the append only file ${name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
    );
    return 'failed';
  }

  /**
   * aofOpenIfNeededOnServerStart: with appendonly yes, make sure a base exists
   * (write one for an empty dataset), open the last incr file (or create
   * one), persist the manifest, and start feeding the AOF.
   */
  openAtStartup(): void {
    if (!this.config.get('appendonly')) {
      this.deleteHistoryFiles();
      return;
    }
    if (!this.ensureDir()) throw new LoadError('AOF directory');
    const m = this.manifest.clone();
    if (m.base === null && m.incrs.length === 0) {
      const base = m.newBase(this.appendfilename, this.config.get('aof-use-rdb-preamble') as boolean);
      if (!this.writeBaseSync(this.filePath(base.name))) throw new LoadError('AOF base');
      this.log.notice(`Creating AOF base file ${base.name} on server start`);
    }
    const hadIncr = m.incrs.length > 0;
    const incr = hadIncr ? m.incrs[m.incrs.length - 1] : m.newIncr(this.appendfilename);
    this.native.persistence('aofStart');
    const err = this.native.persistence('aofOpen', this.filePath(incr.name), false) as number;
    if (err !== 0) {
      const message = `Can't open the append-only file ${incr.name}: ${errnoText(err)}`;
      this.log.warning(message);
      throw new LoadError(message);
    }
    if (!this.persistManifest(m)) throw new LoadError('AOF manifest');
    this.manifest = m;
    this.state = 'on';
    const incrSize = this.stats().written;
    if (!hadIncr) {
      const baseSize = m.base ? fs.statSync(this.filePath(m.base.name)).size : 0;
      this.rewriteBaseSize = baseSize;
      this.sizeOffset = baseSize;
    } else {
      this.sizeOffset -= incrSize;
    }
    this.log.notice(`${hadIncr ? 'Opening' : 'Creating'} AOF incr file ${incr.name} on server start`);
    this.deleteHistoryFiles();
  }

  /** A base file written synchronously (startup with an empty dataset): the same writer as a rewrite. */
  private writeBaseSync(file: string): boolean {
    const rdb = this.config.get('aof-use-rdb-preamble') as boolean;
    if (rdb) {
      const tmpName = path.basename(file);
      const r = this.p.ops.save(this.dirPath, tmpName, this.p.saveOptions({ aofBase: true }));
      if (!r.ok) this.log.warning(`Write error writing the AOF base file ${tmpName}: ${r.error}`);
      return r.ok;
    }
    const ts = (this.config.get('aof-timestamp-enabled') as boolean) ? `#TS:${Math.floor(Date.now() / 1000)}\r\n` : '';
    try {
      const fd = fs.openSync(file, 'w', 0o644);
      fs.writeSync(fd, ts);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      return true;
    } catch (e) {
      this.log.warning(`Write error writing the AOF base file: ${(e as Error).message}`);
      return false;
    }
  }

  // ---------------------------------------------------------------------------
  // Rewrite

  /** rewriteAppendOnlyFileBackground. */
  rewriteBackground(): boolean {
    if (this.p.hasActiveChild()) return false;
    if (!this.ensureDir()) {
      this.lastBgrewriteStatus = 'err';
      return false;
    }
    this.native.persistence('aofFlush', true);
    if (!this.openNewIncrForAppend()) {
      this.lastBgrewriteStatus = 'err';
      return false;
    }
    this.rewrites++;
    const pid = this.native.persistence(
      'aofRewrite',
      this.p.dir,
      this.config.get('aof-use-rdb-preamble') as boolean,
      { ...this.p.saveOptions({ aofBase: true }), timestamps: this.config.get('aof-timestamp-enabled') as boolean },
    ) as number;
    if (pid < 0) {
      this.lastBgrewriteStatus = 'err';
      this.log.warning(`Can't rewrite append only file in background: fork: ${errnoText(-pid)}`);
      return false;
    }
    this.log.notice(`Background append only file rewriting started by pid ${pid}`);
    this.rewriteScheduled = false;
    this.rewriteTimeStart = Math.floor(Date.now() / 1000);
    this.p.childType = 'aof';
    this.p.childPid = pid;
    return true;
  }

  /** openNewIncrAofForAppend. */
  private openNewIncrForAppend(): boolean {
    if (this.state === 'off') return true;
    let name: string;
    let m: AofManifest | null = null;
    if (this.state === 'wait_rewrite') {
      name = this.tempIncrName;
    } else {
      m = this.manifest.clone();
      name = m.newIncr(this.appendfilename).name;
    }
    const before = this.currentSize();
    const err = this.native.persistence('aofOpen', this.filePath(name), true) as number;
    if (err !== 0) {
      this.log.warning(`Can't open the append-only file ${name}: ${errnoText(err)}`);
      return false;
    }
    if (m && !this.persistManifest(m)) return false;
    if (m) this.manifest = m;
    this.sizeOffset = before;
    this.log.notice(`Creating AOF incr file ${name} on background rewrite`);
    return true;
  }

  /** backgroundRewriteDoneHandler. */
  childDone(pid: number, o: ChildOutcome): void {
    const tmp = path.join(this.p.dir, `temp-rewriteaof-bg-${pid}.aof`);
    if (o.exitcode === 0 && o.signal === 0) {
      this.p.childLog(pid, 'notice', `Successfully created the temporary AOF base file ${path.basename(tmp)}`);
      this.p.childLog(pid, 'notice', `Fork CoW for AOF rewrite: current ${Math.floor(o.cowBytes / 1048576)} MB, peak ${Math.floor(o.cowBytes / 1048576)} MB`);
      this.lastCowSize = o.cowBytes;
      this.log.notice('Background AOF rewrite terminated with success');
      this.finishRewrite(tmp);
    } else if (o.signal === 0) {
      this.lastBgrewriteStatus = 'err';
      this.consecutiveFailures++;
      this.log.warning('Background AOF rewrite terminated with error');
    } else {
      if (o.signal !== 10) {
        this.lastBgrewriteStatus = 'err';
        this.consecutiveFailures++;
      }
      this.log.warning(`Background AOF rewrite terminated by signal ${o.signal}`);
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* renamed, or never written */
    }
    if (this.state === 'wait_rewrite') {
      try {
        fs.unlinkSync(this.filePath(this.tempIncrName));
      } catch {
        /* not there */
      }
    }
    this.rewriteTimeLast = Math.floor(Date.now() / 1000) - this.rewriteTimeStart;
    this.rewriteTimeStart = -1;
    if (this.state === 'wait_rewrite') this.rewriteScheduled = true;
    this.p.updateWriteDenial();
  }

  private finishRewrite(tmp: string): void {
    const m = this.manifest.clone();
    const base = m.newBase(this.appendfilename, this.config.get('aof-use-rdb-preamble') as boolean);
    const basePath = this.filePath(base.name);
    try {
      fs.renameSync(tmp, basePath);
    } catch (e) {
      this.log.warning(`Error trying to rename the temporary AOF base file ${path.basename(tmp)} into ${basePath}: ${(e as Error).message}`);
      this.lastBgrewriteStatus = 'err';
      this.consecutiveFailures++;
      return;
    }
    this.log.notice(`Successfully renamed the temporary AOF base file ${path.basename(tmp)} into ${base.name}`);
    let newIncrPath = '';
    if (this.state === 'wait_rewrite') {
      const incr = m.newIncr(this.appendfilename);
      newIncrPath = this.filePath(incr.name);
      try {
        fs.renameSync(this.filePath(this.tempIncrName), newIncrPath);
      } catch (e) {
        this.log.warning(
          `Error trying to rename the temporary AOF incr file ${this.filePath(this.tempIncrName)} into ${newIncrPath}: ${(e as Error).message}`,
        );
        fs.unlink(basePath, () => {});
        this.lastBgrewriteStatus = 'err';
        this.consecutiveFailures++;
        return;
      }
      this.log.notice(`Successfully renamed the temporary AOF incr file ${this.tempIncrName} into ${incr.name}`);
    }
    m.markRewrittenIncrsAsHistory(this.state !== 'off');
    if (!this.persistManifest(m)) {
      fs.unlink(basePath, () => {});
      if (newIncrPath) fs.unlink(newIncrPath, () => {});
      this.lastBgrewriteStatus = 'err';
      this.consecutiveFailures++;
      return;
    }
    this.manifest = m;
    if (this.state !== 'off') {
      const baseSize = fs.statSync(basePath).size;
      this.sizeOffset = baseSize;
      this.rewriteBaseSize = this.currentSize();
    }
    this.deleteHistoryFiles();
    this.lastBgrewriteStatus = 'ok';
    this.consecutiveFailures = 0;
    this.log.notice('Background AOF rewrite finished successfully');
    if (this.state === 'wait_rewrite') this.state = 'on';
  }

  /** BGREWRITEAOF. */
  bgrewriteaofCommand(w: RespWriter): void {
    if (this.p.childType === 'aof') return void w.error('ERR Background append only file rewriting already in progress');
    if (this.p.hasActiveChild() || this.p.commands.inExec) {
      this.rewriteScheduled = true;
      this.consecutiveFailures = 0;
      return void w.simple('Background append only file rewriting scheduled');
    }
    if (this.rewriteBackground()) return void w.simple('Background append only file rewriting started');
    w.error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
  }

  /** Kills a rewriting child (SIGUSR1, not an error) and cleans its temp files. */
  killChild(): void {
    if (this.p.childType !== 'aof') return;
    const pid = this.p.childPid;
    this.p.ops.childKill();
    this.p.childType = null;
    this.p.childPid = -1;
    try {
      fs.unlinkSync(path.join(this.p.dir, `temp-rewriteaof-bg-${pid}.aof`));
    } catch {
      /* not there */
    }
    this.rewriteTimeLast = Math.floor(Date.now() / 1000) - this.rewriteTimeStart;
    this.rewriteTimeStart = -1;
  }

  // ---------------------------------------------------------------------------
  // appendonly yes / no at run time

  /** startAppendOnly. Returns an error text for CONFIG SET when it cannot. */
  private startAppendOnly(): string | undefined {
    if (this.state !== 'off') return undefined;
    this.state = 'wait_rewrite';
    this.native.persistence('aofStart');
    if (this.p.hasActiveChild() && this.p.childType !== 'aof') {
      this.rewriteScheduled = true;
      this.log.warning(
        'AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.',
      );
    } else if (this.p.commands.inExec) {
      this.rewriteScheduled = true;
      this.log.warning('AOF was enabled during a transaction. An AOF background was scheduled to start when possible.');
    } else {
      if (this.p.childType === 'aof') {
        this.log.warning(
          'AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.',
        );
        this.killChild();
      }
      if (!this.rewriteBackground()) {
        this.state = 'off';
        this.native.persistence('aofStop');
        this.log.warning(
          "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.",
        );
        return 'Unable to turn on AOF. Check server logs.';
      }
    }
    if (this.lastWriteError) {
      this.log.warning('AOF reopen, just ignore the last error.');
      this.lastWriteError = '';
    }
    this.p.updateWriteDenial();
    return undefined;
  }

  /**
   * A replica about to load its master's snapshot stops the AOF (Redis's
   * readSyncBulkPayload); true if it was on, so restartAfterSync() follows.
   */
  stopForSync(): boolean {
    if (this.state === 'off') return false;
    this.stopAppendOnly();
    return true;
  }

  /** restartAOFAfterSYNC: the AOF starts again with a rewrite of the loaded dataset. */
  restartAfterSync(): void {
    const error = this.startAppendOnly();
    if (error) this.log.warning(`This replica finished the synchronization with its master, but the AOF can't be turned on: ${error}`);
  }

  /** stopAppendOnly. */
  private stopAppendOnly(): void {
    if (this.state === 'off') return;
    this.native.persistence('aofStop');
    this.state = 'off';
    this.rewriteScheduled = false;
    this.killChild();
    // A first rewrite may have been writing into the temporary incr file.
    try {
      fs.unlinkSync(this.filePath(this.tempIncrName));
    } catch {
      /* not there */
    }
    this.lastWriteError = '';
    this.p.updateWriteDenial();
  }

  // ---------------------------------------------------------------------------
  // Periodic work, shutdown, INFO

  stats(): { written: number; buffer: number; pendingFsync: number; delayedFsync: number; writeError: string; fsyncError: string } {
    const s = this.native.persistence('aofStats') as [number, number, number, number, string, string];
    return { written: s[0], buffer: s[1], pendingFsync: s[2], delayedFsync: s[3], writeError: s[4], fsyncError: s[5] };
  }

  currentSize(): number {
    return this.sizeOffset + this.stats().written;
  }

  /** The MISCONF text while AOF writes fail, else ''. */
  writeDenialError(): string {
    if (this.state === 'off') return '';
    const err = this.lastWriteError || this.fsyncError;
    return err ? `MISCONF Errors writing to the AOF file: ${err}` : '';
  }

  /** serverCron's AOF part without a child: scheduled and automatic rewrites. */
  cronWithoutChild(): void {
    if (this.rewriteScheduled && !this.rewriteLimited()) {
      this.rewriteBackground();
      return;
    }
    const perc = this.config.get('auto-aof-rewrite-percentage') as number;
    const minSize = Number(this.config.get('auto-aof-rewrite-min-size'));
    if (this.state === 'on' && perc > 0) {
      const size = this.currentSize();
      if (size > minSize) {
        const base = this.rewriteBaseSize || 1;
        const growth = Math.floor((size * 100) / base) - 100;
        if (growth >= perc && !this.rewriteLimited()) {
          this.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
          this.rewriteBackground();
        }
      }
    }
  }

  /** aofRewriteLimited: after 3 failures in a row, automatic rewrites wait (1, 2, 4 ... 60 minutes). */
  private rewriteLimited(): boolean {
    if (this.consecutiveFailures < 3) return false;
    const delayMin = Math.min(60, 2 ** (this.consecutiveFailures - 3));
    const now = Date.now();
    if (now < this.nextRewriteAttempt) return true;
    this.nextRewriteAttempt = now + delayMin * 60000;
    return false;
  }

  private nextRewriteAttempt = 0;

  /** Every cron tick: postponed writes, everysec fsyncs, error state. */
  cron(): void {
    if (this.state === 'off') return;
    this.native.persistence('aofFlush', false);
    const s = this.stats();
    if (s.fsyncError && !this.fsyncError) this.log.warning(`Error syncing the AOF file in the background: ${s.fsyncError}`);
    this.fsyncError = s.fsyncError;
    const before = this.lastWriteError;
    this.lastWriteError = s.writeError;
    if (before && !s.writeError) this.log.warning('AOF write error looks solved, Redis can write again.');
    if (!before && s.writeError) this.log.warning(`Error writing to the AOF file: ${s.writeError}`);
    this.p.updateWriteDenial();
  }

  prepareShutdown(flags: ShutdownFlags): boolean {
    if (this.state === 'off') return true;
    if (this.p.childType === 'aof') {
      if (this.state === 'wait_rewrite') {
        if (flags.force) {
          this.log.warning('Writing initial AOF. Exit anyway.');
        } else {
          this.log.warning("Writing initial AOF, can't exit.");
          return false;
        }
      }
      this.log.warning('There is a child rewriting the AOF. Killing it!');
      this.killChild();
    }
    this.log.notice('Calling fsync() on the AOF file.');
    if (!this.native.persistence('aofSync')) this.log.warning('Fail to fsync the AOF file.');
    return true;
  }

  close(): void {
    if (this.p.childType === 'aof') this.killChild();
    if (this.state !== 'off') this.native.persistence('aofStop');
    this.state = 'off';
  }

  infoLines(now: number): [string, string | number][] {
    return [
      ['aof_enabled', this.state !== 'off' ? 1 : 0],
      ['aof_rewrite_in_progress', this.p.childType === 'aof' ? 1 : 0],
      ['aof_rewrite_scheduled', this.rewriteScheduled ? 1 : 0],
      ['aof_last_rewrite_time_sec', this.rewriteTimeLast],
      ['aof_current_rewrite_time_sec', this.p.childType === 'aof' ? now - this.rewriteTimeStart : -1],
      ['aof_last_bgrewrite_status', this.lastBgrewriteStatus],
      ['aof_rewrites', this.rewrites],
      ['aof_rewrites_consecutive_failures', this.consecutiveFailures],
      ['aof_last_write_status', this.lastWriteError ? 'err' : 'ok'],
      ['aof_last_cow_size', this.lastCowSize],
    ];
  }

  infoExtraLines(): [string, string | number][] {
    if (this.state === 'off') return [];
    const s = this.stats();
    return [
      ['aof_current_size', this.sizeOffset + s.written],
      ['aof_base_size', this.rewriteBaseSize],
      ['aof_pending_rewrite', this.rewriteScheduled ? 1 : 0],
      ['aof_buffer_length', s.buffer],
      ['aof_pending_bio_fsync', s.pendingFsync],
      ['aof_delayed_fsync', s.delayedFsync],
    ];
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* best effort, like Redis's fsyncFileDir on filesystems that refuse it */
  }
}
