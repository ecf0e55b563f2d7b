/**
 * The replication feature, as Redis 7.0's replication.c: both roles.
 *
 * Master side: SYNC/PSYNC, full resynchronisation by a BGSAVE to disk whose
 * file is sent as a $<len> payload or diskless (diskless.ts), partial resynchronisation (+CONTINUE)
 * from the backlog, REPLCONF, WAIT, ROLE, INFO replication, a PING into the
 * stream every repl-ping-replica-period. The stream itself (encoding, SELECT,
 * backlog, writing to online replicas) is native: native/binding/
 * replication_binding.cc over native/server/replication_stream.h, fed by the
 * one propagation path.
 *
 * Replica side: REPLICAOF/SLAVEOF, the link to the master (master-link.ts),
 * loading its snapshot, running its stream through a client whose replies
 * are off (the master client), REPLCONF ACK every second and on GETACK,
 * replica-read-only, PSYNC2 ids (replid2 and second_repl_offset on a
 * promotion, so our former siblings can continue from us).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import type * as net from 'node:net';
import * as path from 'node:path';
import type { CommandCall, CommandRegistry } from '../commands/registry';
import type { ServerContext } from '../context';
import type { OtherBlocks } from '../features/blocking';
import { ClientField, ClientState, ReplyMode } from '../boundary.gen';
import type { Connection } from '../network/connection';
import type { ReplicaOf } from '../config/options';
import type { Persistence } from '../persistence/persistence';
import { runAsync } from '../persistence/steps';
import { RespWriter } from '../protocol/resp-writer';
import { splitArgs } from '../config/parse';
import { string2ll } from '../util/integers';
import type { Failover } from './failover';
import { DisklessTransfer } from './diskless';
import { SocketLoad, type DisklessLoadMode } from './diskless-load';
import { RdbFileSender } from './rdb-sender';
import { MasterLink, resumeNodeReading, stopNodeReading, type LinkOwner } from './master-link';

type ReplicaState = 'wait_bgsave' | 'send_bulk' | 'online';

/** REPLCONF rdb-filter-only: the parts of the snapshot a replica does not want. */
interface SnapshotFilter {
  keys: boolean;
  functions: boolean;
}

const NO_FILTER: SnapshotFilter = { keys: false, functions: false };
const sameFilter = (a: SnapshotFilter, b: SnapshotFilter) => a.keys === b.keys && a.functions === b.functions;
const filtered = (f: SnapshotFilter) => f.keys || f.functions;

interface Replica {
  conn: Connection;
  state: ReplicaState;
  listeningPort: number;
  ipAddress: string;
  capaEof: boolean;
  capaPsync2: boolean;
  /** SYNC (no +FULLRESYNC line) rather than PSYNC. */
  oldSync: boolean;
  /** REPLCONF rdb-only 1: a snapshot and nothing after it (redis-cli --rdb). */
  rdbOnly: boolean;
  /** REPLCONF rdb-filter-only: what the snapshot leaves out (Redis's slave_req). */
  exclude: SnapshotFilter;
  ackOffset: number;
  /** Unix ms of the last REPLCONF ACK. */
  ackTime: number;
  /** The snapshot this replica waits for starts at this offset. */
  syncOffset: number;
  /** Whether the replica class of client-output-buffer-limit applies yet to its socket's own queue (once its snapshot left). */
  limited: boolean;
  /** Sending the snapshot file (a full sync through the disk). */
  sender?: RdbFileSender;
  /** Unix ms it started waiting for a snapshot (repl-diskless-sync-delay counts from here). */
  waitingSince: number;
  /**
   * After a diskless transfer: the stream starts at this offset once the
   * replica's first REPLCONF ACK arrives (Redis's repl_start_cmd_stream_on_ack),
   * so no command bytes follow the EOF mark in the replica's read, where it
   * would no longer find the mark at the end.
   */
  streamOnAck?: number;
}

interface Waiter {
  conn: Connection;
  offset: number;
  numreplicas: number;
  timer: NodeJS.Timeout | undefined;
}

/** What the feature needs from the rest of the server. */
export interface ReplicationServices {
  /** Makes a client of the master link's socket (native socket I/O where the build has it). */
  masterClient(socket: net.Socket): Connection;
  /** The TCP port we listen on (REPLCONF listening-port). */
  port(): number;
  /** Answers every client blocked on keys with `error` and closes it. */
  disconnectBlocked(error: string): void;
}

/** What a master turned replica answers its blocked clients (Redis's disconnectAllBlockedClients). */
const TURNED_REPLICA = 'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)';

const NULL_ID = '0'.repeat(40);

/** What FAILOVER sees of a replica. */
export interface ReplicaSummary {
  ip: string;
  port: number;
  state: ReplicaState;
  ackOffset: number;
  ackTime: number;
}

export class Replication implements LinkOwner {
  replId = crypto.randomBytes(20).toString('hex');
  replId2 = NULL_ID;
  secondReplOffset = -1;
  private readonly replicas = new Map<Connection, Replica>();
  private readonly waiters = new Set<Waiter>();
  /** Replicas waiting for a snapshot BGSAVE that has not started (another child ran). */
  private pendingFullSync = false;
  /** The BGSAVE running for replicas, with the offset it was made at (and its transfer when diskless). */
  private rdbSync: { offset: number; transfer?: DisklessTransfer } | undefined;
  private disklessTimer: NodeJS.Timeout | undefined;
  private getAckPending = false;
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;

  // Replica side.
  masterHost = '';
  masterPort = 0;
  private link: MasterLink | undefined;
  private masterConn: Connection | undefined;
  /** The replication offset the master client started at (its bytes are counted natively). */
  private masterBaseOffset = 0;
  /** The database the master client had selected when the link dropped. */
  private masterDb = 0;
  /** Whether we hold data of a master we can ask to continue from (PSYNC replid offset). */
  private cachedMaster = false;
  private linkDownSince = 0;
  private connecting = false;

  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;
  /** The FAILOVER coordinator (failover.ts), which sets itself here. */
  failover: Failover | undefined;
  /** Unix ms since which a master has had no replica (repl-backlog-ttl counts from here). */
  private noReplicasSince = Date.now();

  constructor(
    private readonly ctx: ServerContext,
    private readonly persistence: Persistence,
    private readonly services: ReplicationServices,
  ) {
    persistence.bgsaveListeners.add((ok) => this.bgsaveDone(ok));
    persistence.replInfo = () => this.saveInfo();
    ctx.config.onChange('repl-backlog-size', (v) => this.native('resize', Number(v)));
    ctx.config.onChange('replica-read-only', () => this.pushReadOnly());
    ctx.config.onChange('replica-ignore-maxmemory', () => this.pushReadOnly());
    ctx.config.onChange('replica-serve-stale-data', () => this.pushStale());
    ctx.config.onChange('min-replicas-to-write', () => this.refreshGoodReplicas());
    ctx.config.onChange('min-replicas-max-lag', () => this.refreshGoodReplicas());
    this.timer = setInterval(() => this.cron(), 1000);
    this.timer.unref();
  }

  /**
   * After loading: replicate from the configured `replicaof` master, if any,
   * continuing from the replication id and offset of the loaded snapshot
   * (a restarted replica resyncs partially, as Redis's loadDataFromDisk).
   */
  start(): void {
    const { host, port } = this.configured();
    if (!host) return this.restoreAsMaster();
    if (this.isReplica) return;
    this.setMaster(host, port);
    const loaded = this.persistence.loadedReplInfo;
    if (loaded && loaded.replId.length === 40 && loaded.replOffset >= 0) {
      this.replId = loaded.replId;
      this.masterBaseOffset = loaded.replOffset;
      this.masterDb = loaded.replStreamDb;
      this.cachedMaster = true;
      this.native('setOffset', loaded.replOffset);
      this.ctx.log.notice(`Restored replication ID ${loaded.replId} and offset ${loaded.replOffset} from the RDB file`);
    }
  }

  /**
   * A master restarted from a snapshot with replication info (Redis 7.0):
   * the loaded id becomes the secondary one, valid up to the loaded offset,
   * and a backlog starts there, so replicas of the previous run continue
   * (+CONTINUE) instead of resyncing in full.
   */
  private restoreAsMaster(): void {
    const loaded = this.persistence.loadedReplInfo;
    if (!loaded || loaded.replId.length !== 40 || loaded.replOffset < 0) return;
    this.replId2 = loaded.replId;
    this.secondReplOffset = loaded.replOffset + 1;
    this.startBacklog();
    this.native('setOffset', loaded.replOffset);
  }

  /** rdbPopulateSaveInfo: the AUX fields every snapshot carries (none for a master without a backlog). */
  private saveInfo(): { replId?: string; replOffset?: number; replStreamDb?: number } {
    if (this.isReplica) {
      return { replId: this.replId, replOffset: this.replicaOffset(), replStreamDb: this.masterStreamDb() };
    }
    const [active, offset, , , seldb] = this.native('state') as [boolean, number, number, number, number];
    if (!active) return {};
    return { replId: this.replId, replOffset: offset, replStreamDb: seldb < 0 ? 0 : seldb };
  }

  /** The database our master's stream has selected as of the bytes applied (the master client's, or the cached one's). */
  private masterStreamDb(): number {
    return this.masterConn ? this.masterConn.db : this.masterDb;
  }

  /** The replicaof option's holder, kept equal to the master we replicate from. */
  private configured(): ReplicaOf {
    return this.ctx.config.getReplicaOf();
  }

  register(r: CommandRegistry): void {
    r.register('sync', (call) => this.sync(call, true));
    r.register('psync', (call) => this.sync(call, false));
    r.register('replconf', (call) => this.replconf(call));
    r.register('wait', (call) => this.wait(call));
    r.register('role', (call) => this.role(call));
    r.register('replicaof', (call) => this.replicaof(call));
    r.register('slaveof', (call) => this.replicaof(call));
  }

  private native(op: string, ...args: unknown[]): unknown {
    return this.ctx.native.replication(op, ...args);
  }

  /** [active, offset, firstByte, histlen]. */
  private streamState(): [boolean, number, number, number] {
    return this.native('state') as [boolean, number, number, number];
  }

  get offset(): number {
    if (this.masterConn) return this.replicaOffset();
    return this.streamState()[1];
  }

  get isReplica(): boolean {
    return this.masterHost !== '';
  }

  /** Our replicas, for FAILOVER: the address they announced (else their peer's) and the offset they acknowledged. */
  replicaSummaries(): ReplicaSummary[] {
    return [...this.replicas.values()].map((r) => ({
      ip: r.ipAddress || (r.conn.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      port: r.listeningPort,
      state: r.state,
      ackOffset: r.ackOffset,
      ackTime: r.ackTime,
    }));
  }

  /** CLIENT LIST/KILL: 'replica' for a replica's connection, 'master' for our master's. */
  clientType(conn: Connection): 'master' | 'replica' | undefined {
    if (conn === this.masterConn) return 'master';
    return this.replicas.has(conn) ? 'replica' : undefined;
  }

  close(): void {
    if (this.disklessTimer) clearTimeout(this.disklessTimer);
    this.rdbSync?.transfer?.abort();
    for (const r of this.replicas.values()) r.sender?.abort();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const w of this.waiters) if (w.timer) clearTimeout(w.timer);
    this.waiters.clear();
    this.link?.close();
    this.link = undefined;
  }

  // ---------------------------------------------------------------------------
  // Master side

  /** SYNC and PSYNC (syncCommand). */
  private sync(call: CommandCall, oldSync: boolean): void {
    const { conn, w } = call;
    if (this.replicas.has(conn)) return; // already a replica: ignored, as Redis does
    // PSYNC <replid> <offset> FAILOVER: our master hands its role over to us.
    if (!oldSync && call.args.length > 3 && call.args[3].toString('latin1').toLowerCase() === 'failover') {
      const replid = call.args[1].toString('latin1');
      this.ctx.log.warning(`Failover request received for replid ${replid}.`);
      if (!this.isReplica) return void w.error("ERR PSYNC FAILOVER can't be sent to a master.");
      if (replid.toLowerCase() !== this.replId.toLowerCase()) return void w.error('ERR PSYNC FAILOVER replid must match my replid.');
      this.unsetMaster();
      this.ctx.log.notice(`MASTER MODE enabled (failover request from 'id=${conn.id} addr=${conn.address}')`);
    }
    if (this.failover?.inProgress) return void w.error("NOMASTERLINK Can't SYNC while failing over");
    if (this.isReplica && this.link?.state !== 'connected') {
      return void w.error("NOMASTERLINK Can't SYNC while not connected with my master");
    }
    // A filtered snapshot never goes to disk (it would replace the dump file): it needs EOF-marked transfers.
    const conf = this.pendingConf.get(conn);
    if (conf && filtered(conf.exclude) && !conf.capaEof) return void w.error('ERR Filtered replica requires EOF capability');
    const { log } = this.ctx;
    const replica = this.newReplica(conn, oldSync);
    const name = this.replicaName(replica);
    if (!oldSync) {
      const replid = call.args[1].toString('latin1');
      const offsetArg = string2ll(call.args[2]);
      if (this.tryPartial(replica, replid, offsetArg === null ? -1 : Number(offsetArg))) return;
      if (replid !== '?') this.syncPartialErr++;
    }
    log.notice(`Replica ${name} asks for synchronization`);
    if (!oldSync) {
      const replid = call.args[1].toString('latin1');
      if (replid !== '?') {
        log.notice(`Partial resynchronization not accepted: Replication ID mismatch or offset out of range (Replica asked for '${replid}', my replication IDs are '${this.replId}' and '${this.replId2}')`);
      } else {
        log.notice(`Full resync requested by replica ${name}`);
      }
    }
    this.syncFull++;
    this.addReplica(replica);
    this.startBacklog();
    replica.state = 'wait_bgsave';
    // A snapshot for replicas is being written: this one uses it too, if the
    // stream since it is still held (another replica of it pins it).
    if (this.rdbSync && !this.rdbSync.transfer && !filtered(replica.exclude) && this.setupFullResync(replica, this.rdbSync.offset)) {
      log.notice('Waiting for end of BGSAVE for SYNC');
      return;
    }
    if (this.persistence.hasActiveChild()) {
      log.notice('Can\'t attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC');
      this.pendingFullSync = true;
      return;
    }
    if (this.ctx.config.get('repl-diskless-sync') && replica.capaEof && Number(this.ctx.config.get('repl-diskless-sync-delay')) > 0) {
      // Let more replicas arrive so one transfer serves them all.
      log.notice('Delay next BGSAVE for diskless SYNC');
      this.pendingFullSync = true;
      this.scheduleDisklessStart();
      return;
    }
    this.startBgsaveForReplication();
  }

  private newReplica(conn: Connection, oldSync: boolean): Replica {
    const prev = this.pendingConf.get(conn);
    this.pendingConf.delete(conn);
    return {
      conn,
      state: 'wait_bgsave',
      listeningPort: prev?.listeningPort ?? 0,
      ipAddress: prev?.ipAddress ?? '',
      capaEof: prev?.capaEof ?? false,
      capaPsync2: prev?.capaPsync2 ?? false,
      oldSync,
      rdbOnly: prev?.rdbOnly ?? false,
      exclude: prev?.exclude ?? NO_FILTER,
      ackOffset: 0,
      ackTime: Date.now(),
      syncOffset: 0,
      limited: false,
      waitingSince: Date.now(),
    };
  }

  /** REPLCONF settings of connections that are not replicas yet. */
  private readonly pendingConf = new Map<
    Connection,
    Pick<Replica, 'listeningPort' | 'ipAddress' | 'capaEof' | 'capaPsync2' | 'rdbOnly' | 'exclude'>
  >();

  private replicaName(r: Replica): string {
    const ip = r.ipAddress || r.conn.socket.remoteAddress?.replace(/^::ffff:/, '') || '?';
    return `${ip}:${r.listeningPort}`;
  }

  private addReplica(r: Replica): void {
    this.replicas.set(r.conn, r);
    r.conn.onRelease(this.releaseReplica);
  }

  private readonly releaseReplica = (conn: Connection): void => {
    const r = this.replicas.get(conn);
    this.pendingConf.delete(conn);
    if (!r) return;
    this.replicas.delete(conn);
    if (this.replicas.size === 0) this.noReplicasSince = Date.now();
    this.native('removeReplica', conn.slot);
    this.ctx.log.notice(`Connection with replica ${this.replicaName(r)} lost.`);
    this.checkWaiters();
    this.refreshGoodReplicas();
  };

  private startBacklog(): void {
    const [active] = this.streamState();
    if (active) return;
    this.native('start', Number(this.ctx.config.get('repl-backlog-size')));
    if (this.isReplica) {
      this.native('attachSink', false);
      return; // a replica's backlog is created silently (Redis logs this line in syncCommand only)
    }
    this.ctx.log.notice(`Replication backlog created, my new replication IDs are '${this.replId}' and '${this.replId2}'`);
  }

  /** masterTryPartialResynchronization. */
  private tryPartial(r: Replica, replid: string, psyncOffset: number): boolean {
    const [active, offset, first, histlen] = this.streamState();
    const idMatches = replid === this.replId || (replid === this.replId2 && psyncOffset <= this.secondReplOffset);
    if (!idMatches || !active || psyncOffset < first || psyncOffset > first + histlen) {
      if (idMatches && active) {
        this.ctx.log.notice(`Unable to partial resync with replica ${this.replicaName(r)} for lack of backlog (Replica request was: ${psyncOffset}).`);
      }
      return false;
    }
    this.addReplica(r);
    r.state = 'online';
    r.ackTime = Date.now();
    r.conn.send(Buffer.from(r.capaPsync2 ? `+CONTINUE ${this.replId}\r\n` : '+CONTINUE\r\n'));
    if (!this.native('addReplica', r.conn.slot, psyncOffset - 1)) {
      r.conn.destroy();
      return true;
    }
    this.syncPartialOk++;
    this.refreshGoodReplicas();
    this.ctx.log.notice(
      `Partial resynchronization request from ${this.replicaName(r)} accepted. Sending ${offset - psyncOffset + 1} bytes of backlog starting from offset ${psyncOffset}.`,
    );
    return true;
  }

  /**
   * replicationSetupSlaveForFullResync: the replica's snapshot is made at
   * `offset`; the stream from there is kept for it in the shared replication
   * buffer (bounded by its output limit, not by the backlog) until it is
   * online. False if that stream is no longer held.
   */
  private setupFullResync(r: Replica, offset: number): boolean {
    if (!this.native('pinReplica', r.conn.slot, offset)) return false;
    r.syncOffset = offset;
    if (!r.oldSync) r.conn.send(Buffer.from(`+FULLRESYNC ${this.replId} ${offset}\r\n`));
    return true;
  }

  /** startBgsaveForReplication: one snapshot for every replica waiting. */
  private startBgsaveForReplication(): void {
    this.pendingFullSync = false;
    this.native('forceSelect');
    const offset = this.streamState()[1];
    // One snapshot serves the replicas that want the same parts of it (Redis's
    // slave_req): those like the first waiting; the others wait for the next.
    const all = [...this.replicas.values()].filter((r) => r.state === 'wait_bgsave');
    const exclude = all[0]?.exclude ?? NO_FILTER;
    const waiting = all.filter((r) => sameFilter(r.exclude, exclude));
    if (waiting.length < all.length) this.pendingFullSync = true;
    // To sockets only if every replica waiting can read an EOF-marked payload
    // (Redis's mincapa); a filtered snapshot always (never over the dump file).
    const toSockets =
      (Boolean(this.ctx.config.get('repl-diskless-sync')) || filtered(exclude)) && waiting.every((r) => r.capaEof);
    this.ctx.log.notice(`Starting BGSAVE for SYNC with target: ${toSockets ? 'replicas sockets' : 'disk'}`);
    // A master's stream starts with a SELECT (forced above). A replica's is
    // its master's, proxied byte for byte with no SELECT of its own: the
    // snapshot names the database that stream has selected at `offset`
    // (rdbPopulateSaveInfo: server.master->db->id), which the sub-replica's
    // master client starts in.
    const info = {
      replId: this.replId,
      replOffset: offset,
      replStreamDb: this.isReplica ? this.masterStreamDb() : 0,
      excludeKeys: exclude.keys,
      excludeFunctions: exclude.functions,
    };
    if (toSockets) {
      const fd = this.persistence.bgsaveSocket(info);
      if (fd >= 0) {
        for (const r of waiting) this.setupFullResync(r, offset); // the stream is ours: it holds offset
        for (const r of waiting) r.state = 'send_bulk';
        const transfer = new DisklessTransfer(
          fd,
          waiting.map((r) => r.conn),
          (ok, alive) => this.disklessDone(offset, ok, alive),
          () => {
            this.ctx.log.warning('Diskless rdb transfer, last replica dropped, killing fork child.');
            this.persistence.killRdbChild();
          },
        );
        this.rdbSync = { offset, transfer };
        return;
      }
    }
    if (toSockets || !this.persistence.bgsave(info)) {
      this.ctx.log.warning('BGSAVE for replication failed');
      for (const r of waiting) {
        {
          r.conn.send(Buffer.from('-ERR BGSAVE failed, replication can\'t continue\r\n'));
          r.conn.requestClose();
          r.conn.destroy();
        }
      }
      return;
    }
    this.rdbSync = { offset };
    for (const r of waiting) this.setupFullResync(r, offset);
  }

  /** updateSlavesWaitingBgsave: the snapshot is on disk, send it. */
  private bgsaveDone(ok: boolean): void {
    const sync = this.rdbSync;
    if (sync?.transfer) return sync.transfer.childDone(ok); // disklessDone follows
    this.rdbSync = undefined;
    if (!sync) {
      if (this.pendingFullSync) setImmediate(() => this.startPendingSync());
      return;
    }
    const waiting = [...this.replicas.values()].filter((r) => r.state === 'wait_bgsave' && r.syncOffset === sync.offset);
    if (!ok) {
      this.ctx.log.warning('SYNC failed. BGSAVE child returned an error');
      for (const r of waiting) r.conn.destroy();
      return;
    }
    // Each replica gets the file from its own descriptor, paced by its socket.
    const file = path.join(this.persistence.dir, this.persistence.rdbFilename);
    for (const r of waiting) {
      r.state = 'send_bulk';
      try {
        r.sender = new RdbFileSender(r.conn, file, (sent) => this.bulkSent(r, sent));
      } catch (e) {
        this.ctx.log.warning(`SYNC failed. Can't open/stat DB after BGSAVE: ${(e as Error).message}`);
        r.conn.destroy();
      }
    }
    if (this.pendingFullSync) setImmediate(() => this.startPendingSync());
  }

  /** The whole snapshot file was queued to the replica (or it left): online, its stream follows. */
  private bulkSent(r: Replica, ok: boolean): void {
    r.sender = undefined;
    if (!ok || this.replicas.get(r.conn) !== r) {
      if (!r.conn.closing) r.conn.destroy();
      return;
    }
    if (r.rdbOnly) return this.rdbOnlyDone(r);
    r.state = 'online';
    r.ackTime = Date.now();
    if (!this.native('addReplica', r.conn.slot, r.syncOffset)) {
      this.ctx.log.warning(`Replica ${this.replicaName(r)}: the stream since its snapshot is no longer held; dropping it`);
      r.conn.destroy();
      return;
    }
    this.ctx.log.notice(`Synchronization with replica ${this.replicaName(r)} succeeded`);
    this.refreshGoodReplicas();
  }

  /** The diskless transfer ended: its replicas that got all of it go online. */
  private disklessDone(offset: number, ok: boolean, alive: Connection[]): void {
    this.rdbSync = undefined;
    for (const conn of alive) {
      const r = this.replicas.get(conn);
      if (!r) continue;
      if (!ok) {
        r.conn.destroy();
        continue;
      }
      this.ctx.log.notice(`Streamed RDB transfer with replica ${this.replicaName(r)} succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming`);
      if (r.rdbOnly) {
        this.rdbOnlyDone(r);
        continue;
      }
      r.state = 'online';
      r.ackTime = Date.now();
      r.streamOnAck = offset;
      this.ctx.log.notice(`Synchronization with replica ${this.replicaName(r)} succeeded`);
    }
    if (!ok) this.ctx.log.warning('SYNC failed. BGSAVE child returned an error');
    this.refreshGoodReplicas();
    if (this.pendingFullSync) setImmediate(() => this.startPendingSync());
  }

  /** replicaPutOnline of an rdb-only replica: it wanted the snapshot only, and is closed. */
  private rdbOnlyDone(r: Replica): void {
    this.ctx.log.notice(`RDB transfer completed, rdb only replica (${this.replicaName(r)}) should be disconnected asap`);
    r.conn.closeWhenFlushed();
  }

  /** replicaStartCommandStream: the first ACK after a diskless transfer; the stream since its snapshot follows. */
  private startStreamOnAck(r: Replica): void {
    const offset = r.streamOnAck!;
    r.streamOnAck = undefined;
    if (!this.native('addReplica', r.conn.slot, offset)) {
      this.ctx.log.warning(`Replica ${this.replicaName(r)}: the stream since its snapshot is no longer held; dropping it`);
      r.conn.destroy();
    }
  }

  /** A check when the oldest waiting replica's repl-diskless-sync-delay ends. */
  private scheduleDisklessStart(): void {
    if (this.disklessTimer) return;
    const delayMs = Number(this.ctx.config.get('repl-diskless-sync-delay')) * 1000;
    let oldest = Date.now();
    for (const r of this.replicas.values()) if (r.state === 'wait_bgsave') oldest = Math.min(oldest, r.waitingSince);
    this.disklessTimer = setTimeout(() => {
      this.disklessTimer = undefined;
      this.startPendingSync();
    }, Math.max(0, oldest + delayMs - Date.now()));
    this.disklessTimer.unref();
    this.startPendingSync(); // repl-diskless-sync-max-replicas may be reached already
  }

  /** replicationStartPendingFork: start the snapshot replicas wait for when it is time. */
  private startPendingSync(): void {
    if (!this.pendingFullSync || this.rdbSync) return;
    if (this.persistence.hasActiveChild()) return; // retried from the cron
    if (this.ctx.config.get('repl-diskless-sync')) {
      const delayMs = Number(this.ctx.config.get('repl-diskless-sync-delay')) * 1000;
      const max = Number(this.ctx.config.get('repl-diskless-sync-max-replicas'));
      const waiting = [...this.replicas.values()].filter((r) => r.state === 'wait_bgsave');
      if (waiting.length === 0) {
        this.pendingFullSync = false;
        return;
      }
      const oldest = Math.min(...waiting.map((r) => r.waitingSince));
      if (!(max > 0 && waiting.length >= max) && Date.now() - oldest < delayMs) {
        this.scheduleDisklessStart();
        return;
      }
    }
    this.startBgsaveForReplication();
  }

  /** REPLCONF <option> <value> [<option> <value> ...]. */
  private replconf(call: CommandCall): void {
    const { args, conn, w } = call;
    if (args.length % 2 === 0) return void w.error('ERR syntax error');
    const replica = this.replicas.get(conn);
    let conf = replica ?? this.pendingConf.get(conn);
    if (!conf) {
      conf = { listeningPort: 0, ipAddress: '', capaEof: false, capaPsync2: false, rdbOnly: false, exclude: NO_FILTER };
      this.pendingConf.set(conn, conf);
      conn.onRelease(this.releaseReplica);
    }
    for (let i = 1; i < args.length; i += 2) {
      const opt = args[i].toString('latin1').toLowerCase();
      const value = args[i + 1];
      if (opt === 'listening-port') {
        const port = string2ll(value);
        if (port === null) return void w.error('ERR value is not an integer or out of range');
        conf.listeningPort = Number(port);
      } else if (opt === 'ip-address') {
        if (value.length >= 256) {
          return void w.error(`ERR REPLCONF ip-address provided by replica instance is too long: ${value.length} bytes`);
        }
        conf.ipAddress = value.toString('latin1');
      } else if (opt === 'capa') {
        const capa = value.toString('latin1').toLowerCase();
        if (capa === 'eof') conf.capaEof = true;
        else if (capa === 'psync2') conf.capaPsync2 = true;
      } else if (opt === 'ack') {
        // From a replica: its offset. Never answered.
        if (!replica) return;
        const off = string2ll(value);
        if (off === null) return;
        if (replica.streamOnAck !== undefined) this.startStreamOnAck(replica);
        if (Number(off) > replica.ackOffset) replica.ackOffset = Number(off);
        replica.ackTime = Date.now();
        this.checkWaiters();
        this.failover?.scheduleCheck();
        return;
      } else if (opt === 'rdb-only') {
        const v = string2ll(value);
        if (v === null) return void w.error('ERR value is not an integer or out of range');
        if (v < 0n || v > 1n) return void w.error('ERR value is out of range, value must between 0 and 1');
        conf.rdbOnly = v === 1n;
      } else if (opt === 'rdb-filter-only') {
        // Everything is left out but what the list names; "functions" is the one filter Redis 7.0 knows.
        const names = splitArgs(value);
        if (names === null) return void w.error('ERR Missing rdb-filter-only values');
        const exclude = { keys: true, functions: true };
        for (const name of names) {
          if (name.toLowerCase() === 'functions') exclude.functions = false;
          else return void w.error(`ERR Unsupported rdb-filter-only option: ${name}`);
        }
        conf.exclude = exclude;
      } else if (opt === 'getack') {
        // From our master: answer on the link at once.
        if (conn === this.masterConn) this.sendAck();
        return;
      } else {
        return void w.error(`ERR Unrecognized REPLCONF option: ${args[i].toString('latin1')}`);
      }
    }
    w.ok();
  }

  /** WAIT numreplicas timeout. */
  private wait(call: CommandCall): void {
    const { args, conn, w } = call;
    if (this.isReplica) {
      return void w.error(
        'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
      );
    }
    const timeout = string2ll(args[2]);
    if (timeout === null) return void w.error('ERR timeout is not an integer or out of range');
    if (timeout < 0n) return void w.error('ERR timeout is negative');
    const num = string2ll(args[1]);
    if (num === null) return void w.error('ERR value is not an integer or out of range');
    // The offset the client's previous command left (Redis's c->woff), not the
    // stream's end; WAIT itself leaves the current one, as any command does.
    const offset = this.native('woff', conn.slot, this.streamState()[1]) as number;
    const acked = this.countAcked(offset);
    if (call.inExec || acked >= Number(num)) return void w.int(acked);
    const waiter: Waiter = { conn, offset, numreplicas: Number(num), timer: undefined };
    if (timeout > 0n) waiter.timer = setTimeout(() => this.finishWait(waiter), Number(timeout));
    this.waiters.add(waiter);
    conn.onRelease(this.releaseWaiter);
    conn.suspend();
    this.requestAcks();
  }

  private readonly releaseWaiter = (conn: Connection): void => {
    for (const w of this.waiters) {
      if (w.conn !== conn) continue;
      if (w.timer) clearTimeout(w.timer);
      this.waiters.delete(w);
    }
  };

  private countAcked(offset: number): number {
    let n = 0;
    for (const r of this.replicas.values()) if (r.state === 'online' && r.ackOffset >= offset) n++;
    return n;
  }

  /** Ends a WAIT with its count of acknowledgements, or with `error` (CLIENT UNBLOCK ERROR, a master turned replica). */
  private finishWait(w: Waiter, error = ''): void {
    if (!this.waiters.delete(w)) return;
    if (w.timer) clearTimeout(w.timer);
    const writer = new RespWriter(w.conn.resp);
    // WAIT's client keeps the offset WAIT was called at (Redis sets woff when the command is called).
    w.conn.resumeWith((error ? writer.error(error) : writer.int(this.countAcked(w.offset))).toBuffer(), false);
  }

  /** Clients in WAIT, as the blocking scheduler sees them (blocked_clients, CLIENT UNBLOCK). */
  readonly waitBlocks: OtherBlocks = {
    blockedCount: () => this.waiters.size,
    isBlocked: (conn) => this.waiterOf(conn) !== undefined,
    unblock: (conn, error) => {
      const w = this.waiterOf(conn);
      if (w) this.finishWait(w, error);
      return w !== undefined;
    },
  };

  private waiterOf(conn: Connection): Waiter | undefined {
    for (const w of this.waiters) if (w.conn === conn) return w;
    return undefined;
  }

  private checkWaiters(): void {
    for (const w of [...this.waiters]) {
      if (this.countAcked(w.offset) >= w.numreplicas) this.finishWait(w);
    }
  }

  /** REPLCONF GETACK * to every replica, once per loop turn (Redis's beforeSleep). */
  requestAcks(): void {
    // Not while a failover keeps the stream still (Redis sends none while clients are paused).
    if (this.getAckPending || this.failover?.inProgress) return;
    this.getAckPending = true;
    setImmediate(() => {
      this.getAckPending = false;
      if (this.replicas.size > 0) this.native('feedCommand', ['REPLCONF', 'GETACK', '*']);
    });
  }

  /** ROLE. */
  private role(call: CommandCall): void {
    const { w } = call;
    if (this.isReplica) {
      const state = this.link?.state ?? 'connect';
      w.array(5)
        .bulk('slave')
        .bulk(this.masterHost)
        .int(this.masterPort)
        .bulk(state === 'sync' ? 'sync' : state)
        .int(this.masterConn ? this.replicaOffset() : -1);
      return;
    }
    const online = [...this.replicas.values()].filter((r) => r.state === 'online');
    w.array(3).bulk('master').int(this.streamState()[1]).array(online.length);
    for (const r of online) {
      w.array(3).bulk(r.ipAddress || (r.conn.socket.remoteAddress ?? '').replace(/^::ffff:/, '')).bulk(String(r.listeningPort)).bulk(String(r.ackOffset));
    }
  }

  /** refreshGoodSlavesCount: replicas online that acknowledged within min-replicas-max-lag seconds. */
  private goodReplicas = 0;
  private refreshGoodReplicas(): void {
    const { config } = this.ctx;
    const minToWrite = Number(config.get('min-replicas-to-write'));
    const maxLag = Number(config.get('min-replicas-max-lag'));
    const now = Date.now();
    let good = 0;
    for (const r of this.replicas.values()) {
      if (r.state === 'online' && Math.floor((now - r.ackTime) / 1000) <= maxLag) good++;
    }
    this.goodReplicas = good;
    const deny = !this.isReplica && minToWrite > 0 && maxLag > 0 && good < minToWrite;
    if (deny !== this.denyingWrites) {
      this.denyingWrites = deny;
      this.ctx.native.configure('no-good-replicas', deny);
    }
  }
  private denyingWrites = false;

  /**
   * repl-backlog-ttl: a master without replicas for that long frees its
   * backlog and takes a new replication id (the offset no longer moves, so
   * the old id could name a different history later), as Redis 7.0.
   */
  private expireBacklog(): void {
    const ttl = Number(this.ctx.config.get('repl-backlog-ttl'));
    if (this.isReplica || this.replicas.size > 0 || ttl === 0 || !this.streamState()[0]) return;
    if (Math.floor((Date.now() - this.noReplicasSince) / 1000) <= ttl) return;
    this.changeReplId();
    this.native('stop');
    this.ctx.log.notice(`Replication backlog freed after ${ttl} seconds without connected replicas.`);
  }

  /** The once-a-second part of replicationCron. */
  private cron(): void {
    this.ticks++;
    this.refreshGoodReplicas();
    const period = Number(this.ctx.config.get('repl-ping-replica-period'));
    this.failover?.check();
    // Redis sends no PING during a FAILOVER with a TIMEOUT: it would move the offset replicas must reach.
    const quiet = this.failover?.inProgress === true && this.failover.timed;
    if (!this.isReplica && !quiet && this.replicas.size > 0 && this.ticks % Math.max(1, period) === 0) {
      this.native('feedCommand', ['PING']);
    }
    if (this.pendingFullSync) this.startPendingSync();
    this.expireBacklog();
    // The replica output limit counts the stream, not the snapshot (Redis
    // sends that from the file): it applies once the snapshot has left.
    const limit = this.ctx.config.getClientOutputBufferLimits().replica;
    const threshold = limit.softLimitBytes || limit.hardLimitBytes || Infinity;
    for (const r of this.replicas.values()) {
      if (r.state === 'online' && !r.limited && r.conn.outputPending < threshold) {
        r.limited = true;
        this.ctx.native.setClient(r.conn.slot, ClientField.Replica, true);
      }
    }
    // Replicas waiting for a snapshot get a newline now and then so they do not time out.
    for (const r of this.replicas.values()) {
      if (r.state === 'wait_bgsave' && r.conn.outputPending === 0) r.conn.send(Buffer.from('\n'));
    }
    if (this.isReplica) {
      if (this.masterConn) {
        this.sendAck();
        const timeout = Number(this.ctx.config.get('repl-timeout')) * 1000;
        if (Date.now() - this.masterLastIo() > timeout) {
          this.ctx.log.warning('MASTER timeout: no data nor PING received...');
          this.masterConn.destroy();
        }
      } else if (!this.connecting) {
        void this.connectToMaster();
      } else if (this.link?.state === 'sync' && Date.now() - this.link.lastIo > Number(this.ctx.config.get('repl-timeout')) * 1000) {
        this.ctx.log.warning("Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.");
        this.link.close();
      }
    }
  }

  // ---------------------------------------------------------------------------
  // Replica side

  /** REPLICAOF / SLAVEOF host port | NO ONE. */
  private replicaof(call: CommandCall): void {
    const { args, w, conn } = call;
    if (this.failover?.inProgress) return void w.error('ERR REPLICAOF not allowed while failing over.');
    const host = args[1].toString('latin1');
    const portArg = args[2].toString('latin1');
    if (host.toLowerCase() === 'no' && portArg.toLowerCase() === 'one') {
      if (this.isReplica) {
        this.unsetMaster();
        this.ctx.log.notice(`MASTER MODE enabled (user request from 'id=${conn.id} addr=${conn.address}')`);
      }
      return void w.ok();
    }
    const port = string2ll(args[2]);
    if (port === null || port < 0n || port > 65535n) return void w.error('ERR Invalid master port');
    if (this.isReplica && this.masterHost === host && this.masterPort === Number(port)) {
      this.ctx.log.notice('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
      return void w.simple('OK Already connected to specified master');
    }
    this.setMaster(host, Number(port));
    this.ctx.log.notice(`REPLICAOF ${host}:${port} enabled (user request from 'id=${conn.id} addr=${conn.address}')`);
    w.ok();
  }

  /** replicationSetMaster. */
  setMaster(host: string, port: number): void {
    const wasMaster = !this.isReplica;
    this.dropMasterLink();
    this.masterHost = host;
    this.masterPort = port;
    this.ctx.log.setRole('S');
    Object.assign(this.configured(), { host, port });
    this.linkDownSince = Date.now();
    if (wasMaster) {
      // Our own data and offset are what we can ask the new master to continue from.
      this.cachedMaster = true;
      this.masterBaseOffset = this.streamState()[1];
      this.masterDb = 0;
      // Blocked clients (WAIT among them) get an error and are closed, as Redis's.
      this.services.disconnectBlocked(TURNED_REPLICA);
    }
    this.native('attachSink', false);
    this.pushReadOnly();
    this.ctx.log.notice(`Connecting to MASTER ${host}:${port}`);
    void this.connectToMaster(true);
  }

  /** DEBUG CHANGE-REPL-ID: changeReplicationId() and clearReplicationId2(), as Redis. */
  changeReplId(): void {
    this.replId = crypto.randomBytes(20).toString('hex');
    this.replId2 = NULL_ID;
    this.secondReplOffset = -1;
  }

  /** replicationUnsetMaster: we are a master again, with a new replication id. */
  unsetMaster(): void {
    const offset = this.offset;
    this.dropMasterLink();
    this.masterHost = '';
    this.masterPort = 0;
    this.ctx.log.setRole('M');
    Object.assign(this.configured(), { host: '', port: 0 });
    // shiftReplicationId: our replicas may continue with our old id up to here.
    this.replId2 = this.replId;
    this.secondReplOffset = offset + 1;
    this.replId = crypto.randomBytes(20).toString('hex');
    this.ctx.log.notice(`Setting secondary replication ID to ${this.replId2}, valid up to offset: ${offset + 1}. New replication ID is ${this.replId}`);
    this.native('attachSink', true);
    this.native('forceSelect');
    this.pushReadOnly();
    // Sub-replicas reconnect and continue (PSYNC2) from our new id.
    for (const r of [...this.replicas.values()]) r.conn.destroy();
  }

  private dropMasterLink(): void {
    if (this.masterConn) {
      const c = this.masterConn;
      this.cachedMaster = true;
      this.masterDb = c.db;
      this.masterBaseOffset = this.replicaOffset();
      this.masterConn = undefined;
      c.destroy();
    }
    this.link?.close();
    this.link = undefined;
  }

  private pushReadOnly(): void {
    this.refreshGoodReplicas();
    this.ctx.native.configure('replica-expiry', this.isReplica);
    this.ctx.native.configure('read-only-replica', this.isReplica && Boolean(this.ctx.config.get('replica-read-only')));
    this.ctx.native.configure('replica-ignore-maxmemory', this.isReplica && Boolean(this.ctx.config.get('replica-ignore-maxmemory')));
    this.pushStale();
  }

  /** replica-serve-stale-data no: commands without the stale flag get -MASTERDOWN while the link is down. */
  private pushStale(): void {
    const refuse = this.isReplica && this.masterConn === undefined && !this.ctx.config.get('replica-serve-stale-data');
    this.ctx.native.configure('stale-replica', refuse);
  }

  /** One attempt (REPLICAOF, or the cron's retry); `announced`: "Connecting to MASTER" is logged already. */
  private async connectToMaster(announced = false): Promise<void> {
    if (!this.isReplica || this.connecting) return;
    this.connecting = true;
    const link = new MasterLink(this.masterHost, this.masterPort, this);
    this.link = link;
    try {
      await link.run(announced);
    } finally {
      this.connecting = false;
    }
  }

  // LinkOwner.
  get dir(): string {
    return this.persistence.dir;
  }

  /** replica-announce-port, else the port we listen on. */
  get listeningPort(): number {
    return Number(this.ctx.config.get('replica-announce-port')) || this.services.port();
  }

  get announceIp(): string {
    return String(this.ctx.config.get('replica-announce-ip') ?? '');
  }

  get failingOver(): boolean {
    return this.failover?.sendsFailoverPsync === true;
  }

  psyncReplied(accepted: boolean): void {
    this.failover?.psyncReplied(accepted);
  }

  get masterauth(): string {
    return String(this.ctx.config.get('masterauth') ?? '');
  }

  get masteruser(): string {
    return String(this.ctx.config.get('masteruser') ?? '');
  }

  log(level: 'notice' | 'warning' | 'verbose', msg: string): void {
    this.ctx.log[level](msg);
  }

  psyncTarget(): [string, number] | undefined {
    if (!this.cachedMaster) return undefined;
    return [this.replId, this.masterBaseOffset + 1];
  }

  async loadSnapshot(file: string, replid: string, offset: number): Promise<boolean> {
    const target = path.join(this.persistence.dir, this.persistence.rdbFilename);
    try {
      fs.renameSync(file, target);
    } catch (e) {
      this.ctx.log.warning(`Failed trying to rename the temp DB into ${this.persistence.rdbFilename} in MASTER <-> REPLICA synchronization: ${(e as Error).message}`);
      fs.rmSync(file, { force: true });
      return false;
    }
    // The AOF stops meanwhile and restarts with a rewrite of the new dataset (restartAOFAfterSYNC).
    const aofWasOn = this.persistence.aof.stopForSync();
    const lazyFlush = Boolean(this.ctx.config.get('replica-lazy-flush'));
    const result = await runAsync(this.persistence.loadRdbSteps(target, 0, { lazyFlush, replica: true }));
    if (aofWasOn) this.persistence.aof.restartAfterSync();
    if (!result.ok) return false;
    this.adoptSnapshot(replid, offset, result.replStreamDb);
    return true;
  }

  /** useDisklessLoad: swapdb always, on-empty-db while no database holds a key. */
  disklessLoadMode(): DisklessLoadMode | undefined {
    const mode = this.ctx.config.get('repl-diskless-load');
    if (mode === 'swapdb') return 'swapdb';
    if (mode === 'on-empty-db' && this.ctx.native.info().keyspace.every(([keys]) => keys === 0)) return 'on-empty-db';
    return undefined;
  }

  startSocketLoad(mode: DisklessLoadMode, total: number, eofMark: string, replid: string, offset: number): SocketLoad {
    const { persistence } = this;
    // The AOF stops meanwhile and restarts with a rewrite of the new dataset (restartAOFAfterSYNC).
    const aofWasOn = persistence.aof.stopForSync();
    if (mode === 'on-empty-db') {
      this.attachToNewMaster();
      this.ctx.log.notice('MASTER <-> REPLICA sync: Flushing old data');
      persistence.ops.emptyData();
    }
    const load = new SocketLoad(
      persistence,
      this.ctx.log,
      {
        mode,
        total,
        eofMark,
        // Async loading only when the snapshot continues our own history (the same id).
        async: mode === 'swapdb' && this.replId === replid,
        lazyFlush: Boolean(this.ctx.config.get('replica-lazy-flush')),
      },
      () => this.attachToNewMaster(),
    );
    void load.result.then((rest) => {
      if (!rest) return;
      this.adoptSnapshot(replid, offset, load.streamDb);
      if (aofWasOn) persistence.aof.restartAfterSync();
    });
    return load;
  }

  /** replicationAttachToNewMaster: the cached master is discarded, our replicas must resync. */
  private attachToNewMaster(): void {
    if (this.cachedMaster) this.ctx.log.notice('Discarding previously cached master state.');
    this.cachedMaster = false;
    for (const r of [...this.replicas.values()]) r.conn.destroy();
  }

  /**
   * After a full resync: the loaded data is the master's at `offset`, under
   * its id; the stream that follows runs in database `streamDb` until it
   * selects another (the snapshot's repl-stream-db: a master's stream starts
   * with a SELECT, a chained replica's proxied one need not).
   */
  private adoptSnapshot(replid: string, offset: number, streamDb: number): void {
    this.replId = replid;
    this.masterDb = streamDb;
    this.replId2 = NULL_ID;
    this.secondReplOffset = -1;
    this.masterBaseOffset = offset;
    this.cachedMaster = true;
    // Our replicas must resync from the new history.
    for (const r of [...this.replicas.values()]) r.conn.destroy();
    this.native('setOffset', offset);
  }

  continued(newReplid: string | undefined): void {
    if (newReplid && newReplid !== this.replId) {
      this.replId2 = this.replId;
      this.secondReplOffset = this.masterBaseOffset + 1;
      this.replId = newReplid;
      this.ctx.log.notice(`Master replication ID changed to ${newReplid}`);
      // Sub-replicas follow the new id.
      for (const r of [...this.replicas.values()]) r.conn.destroy();
    }
  }

  online(socket: net.Socket, rest: Buffer, full: boolean): void {
    // The master client is read natively like any client (socket_io.h); the
    // dispatcher feeds the bytes of the commands it applied to our own
    // replication stream (Server::ProxyMasterStream), as Redis 7.0 proxies
    // its master's stream: a snapshot we make for our replicas and the bytes
    // that follow never split a command or an open MULTI.
    const nodeWasReading = stopNodeReading(socket);
    const conn = this.services.masterClient(socket);
    if (!conn.attached && nodeWasReading) resumeNodeReading(socket);
    this.masterConn = conn;
    this.linkDownSince = 0;
    this.pushStale();
    const { native } = this.ctx;
    // Our own replicas are fed from a backlog numbered like the master's stream.
    this.startBacklog();
    if (this.streamState()[1] !== this.masterBaseOffset) this.native('setOffset', this.masterBaseOffset);
    native.setClient(conn.slot, ClientField.Reply, ReplyMode.Off);
    native.setClient(conn.slot, ClientField.Master, true);
    conn.setAuthenticated(true);
    // The stream continues in the database it had selected: the cached
    // master's after a partial resync, the snapshot's after a full one.
    native.setClient(conn.slot, ClientField.Db, this.masterDb);
    conn.onRelease(() => {
      if (this.masterConn !== conn) return;
      this.masterDb = conn.db;
      this.masterBaseOffset = this.replicaOffset();
      this.masterConn = undefined;
      this.linkDownSince = Date.now();
      this.link = undefined;
      this.pushStale();
      this.ctx.log.warning('Connection with master lost.');
      this.ctx.log.notice('Caching the disconnected master state.');
    });
    // Once, after a full resync only (a partial one logged its own line).
    if (full) this.ctx.log.notice('MASTER <-> REPLICA sync: Finished with success');
    if (rest.length > 0) conn.onData(rest);
    this.sendAck();
  }

  /** Unix ms of the last bytes from our master (the link's during the sync, the client's since). */
  private masterLastIo(): number {
    const link = this.link;
    const conn = this.masterConn;
    const linkIo = link ? link.lastIo : 0;
    if (!conn) return linkIo;
    return Math.max(linkIo, this.ctx.native.clientState(conn.slot)[ClientState.LastInteraction]);
  }

  /** Stream bytes received from the master (slave_read_repl_offset): what the master client read. */
  private masterReadOffset(): number {
    const conn = this.masterConn;
    if (!conn) return this.masterBaseOffset;
    return this.masterBaseOffset + this.ctx.native.clientState(conn.slot)[ClientState.ReadBytes];
  }

  /**
   * Stream bytes of the master applied so far: whole commands, and none of an
   * unfinished MULTI (a partial resync sends the transaction again), as Redis's reploff.
   */
  private replicaOffset(): number {
    if (!this.masterConn) return this.masterBaseOffset;
    return this.masterBaseOffset + this.ctx.native.clientState(this.masterConn.slot)[ClientState.AppliedBytes];
  }

  private sendAck(): void {
    const conn = this.masterConn;
    if (!conn || conn.closing) return;
    const off = String(this.replicaOffset());
    conn.send(Buffer.from(`*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$${off.length}\r\n${off}\r\n`, 'latin1'));
  }

  // ---------------------------------------------------------------------------
  // INFO

  /** INFO replication, 7.0's fields in 7.0's order. */
  infoLines(): [string, string | number][] {
    const [active, offset, first, histlen] = this.streamState();
    const lines: [string, string | number][] = [];
    if (!this.isReplica) {
      lines.push(['role', 'master']);
    } else {
      const link = this.link;
      const up = this.masterConn !== undefined;
      lines.push(
        ['role', 'slave'],
        ['master_host', this.masterHost],
        ['master_port', this.masterPort],
        ['master_link_status', up ? 'up' : 'down'],
        ['master_last_io_seconds_ago', up ? Math.floor((Date.now() - this.masterLastIo()) / 1000) : -1],
        ['master_sync_in_progress', link?.state === 'sync' ? 1 : 0],
        ['slave_read_repl_offset', this.masterReadOffset()],
        ['slave_repl_offset', this.replicaOffset()],
      );
      if (link?.state === 'sync') {
        lines.push(
          ['master_sync_total_bytes', link.syncTotalBytes],
          ['master_sync_read_bytes', link.syncReadBytes],
          ['master_sync_left_bytes', link.syncTotalBytes - link.syncReadBytes],
          // Redis: read/size*100 when size is set; -1 before the header reads as -0.00, 0 ($EOF) as 0.00.
          ['master_sync_perc', link.syncTotalBytes > 0 ? ((link.syncReadBytes * 100) / link.syncTotalBytes).toFixed(2) : link.syncTotalBytes === 0 ? '0.00' : '-0.00'],
          ['master_sync_last_io_seconds_ago', Math.floor((Date.now() - link.lastIo) / 1000)],
        );
      }
      if (!up) {
        lines.push(['master_link_down_since_seconds', this.linkDownSince ? Math.floor((Date.now() - this.linkDownSince) / 1000) : -1]);
      }
      lines.push(
        ['slave_priority', Number(this.ctx.config.get('replica-priority'))],
        ['slave_read_only', this.ctx.config.get('replica-read-only') ? 1 : 0],
        ['replica_announced', this.ctx.config.get('replica-announced') ? 1 : 0],
      );
    }
    lines.push(['connected_slaves', this.replicas.size]);
    if (Number(this.ctx.config.get('min-replicas-to-write')) > 0 && Number(this.ctx.config.get('min-replicas-max-lag')) > 0) {
      lines.push(['min_slaves_good_slaves', this.goodReplicas]);
    }
    let i = 0;
    const now = Date.now();
    for (const r of this.replicas.values()) {
      const ip = r.ipAddress || (r.conn.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
      lines.push([
        `slave${i++}`,
        // A diskless transfer's replicas read as wait_bgsave in Redis (WAIT_BGSAVE_END) until it ends.
        `ip=${ip},port=${r.listeningPort},state=${r.state === 'send_bulk' && this.rdbSync?.transfer ? 'wait_bgsave' : r.state},offset=${r.ackOffset},lag=${Math.floor((now - r.ackTime) / 1000)}`,
      ]);
    }
    const masterOffset = this.isReplica ? this.replicaOffset() : offset;
    lines.push(
      ['master_failover_state', this.failover?.state ?? 'no-failover'],
      ['master_replid', this.replId],
      ['master_replid2', this.replId2],
      ['master_repl_offset', masterOffset],
      ['second_repl_offset', this.secondReplOffset],
      ['repl_backlog_active', active ? 1 : 0],
      ['repl_backlog_size', Number(this.ctx.config.get('repl-backlog-size'))],
      ['repl_backlog_first_byte_offset', active ? first : 0],
      ['repl_backlog_histlen', active ? histlen : 0],
    );
    return lines;
  }

  /** INFO stats' sync counters. */
  get stats(): { syncFull: number; syncPartialOk: number; syncPartialErr: number } {
    return { syncFull: this.syncFull, syncPartialOk: this.syncPartialOk, syncPartialErr: this.syncPartialErr };
  }
}
