/**
 * The replica's side of replication: the link to our master, as Redis's
 * connectWithMaster / syncWithMaster / readSyncBulkPayload state machine.
 *
 *   connect -> connecting -> handshake (PING, AUTH masterauth/masteruser,
 *   REPLCONF listening-port, REPLCONF capa eof capa psync2, PSYNC id offset)
 *   -> +FULLRESYNC: the snapshot arrives ($<len> or $EOF:<mark>), is written
 *      to a temp file, renamed over dbfilename and loaded (replacing the data),
 *      or with repl-diskless-load is pushed read by read into the loader
 *      (diskless-load.ts) without a file
 *   -> +CONTINUE: partial resynchronisation, nothing to load
 *   -> connected: the socket becomes a client (the master client), read by
 *      native socket I/O like any client, whose commands run with replies
 *      off; the native side counts its bytes (the replication offset) and
 *      proxies the applied ones to our own replicas.
 *
 * The link only does the bytes of the handshake and the transfer; the
 * Replication feature (replication.ts) owns ids, offsets and what happens
 * to the dataset.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { errnoText } from '../persistence/errors';
import type { DisklessLoadMode, SocketLoad } from './diskless-load';

export type LinkState = 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected';

/** What the link needs from the feature. */
export interface LinkOwner {
  readonly dir: string;
  readonly listeningPort: number;
  /** replica-announce-ip ('' for none: REPLCONF ip-address is not sent). */
  readonly announceIp: string;
  /** A FAILOVER of ours is in progress: PSYNC carries FAILOVER, and its reply is reported. */
  readonly failingOver: boolean;
  psyncReplied(accepted: boolean): void;
  readonly masterauth: string;
  readonly masteruser: string;
  /** [replid, offset] to ask for a partial resync with, or undefined for PSYNC ? -1. */
  psyncTarget(): [string, number] | undefined;
  /** The snapshot in `file` is complete: load it (the link waits for the promise). */
  loadSnapshot(file: string, replid: string, offset: number): Promise<boolean>;
  /** useDisklessLoad: the mode to load the coming snapshot from the socket with, or undefined for a temp file. */
  disklessLoadMode(): DisklessLoadMode | undefined;
  /** Starts loading the snapshot from the socket ($<len>: total bytes; $EOF: total 0 and its mark). */
  startSocketLoad(mode: DisklessLoadMode, total: number, eofMark: string, replid: string, offset: number): SocketLoad;
  /** +CONTINUE [newid]. */
  continued(newReplid: string | undefined): void;
  /** The handshake is done: the socket (paused) carries the stream from now on; `rest` was already read. */
  online(socket: net.Socket, rest: Buffer, fullSync: boolean): void;
  log(level: 'notice' | 'warning' | 'verbose', msg: string): void;
}

type StreamHandle = { reading?: boolean; readStop?: () => number; readStart?: () => number };

/**
 * Stops Node reading a socket that was not paused on connect (the link's),
 * so that native I/O can poll its fd alone; false if Node was not reading.
 */
export function stopNodeReading(socket: net.Socket): boolean {
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
  if (!handle?.reading || typeof handle.readStop !== 'function') return false;
  handle.reading = false;
  handle.readStop();
  // A later read(0) of the stream (a resume() scheduled earlier) must not start it again.
  (socket as unknown as { _read: () => void })._read = () => {};
  return true;
}

/** Undoes stopNodeReading() (native I/O could not take the socket). */
export function resumeNodeReading(socket: net.Socket): void {
  delete (socket as unknown as { _read?: unknown })._read;
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
  if (!handle || handle.reading || typeof handle.readStart !== 'function') return;
  handle.reading = true;
  handle.readStart();
}

/** A failure the owner logged already. */
class LoggedFailure extends Error {}

export class MasterLink {
  state: LinkState = 'connect';
  socket: net.Socket | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private closed = false;
  /** Diskless loading: takes the bytes as they arrive (and is told when the socket closes). */
  private pump: (() => void) | undefined;
  /** Snapshot transfer progress (INFO master_sync_*). */
  syncTotalBytes = -1;
  syncReadBytes = 0;
  syncLastIo = 0;
  lastIo = Date.now();

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly owner: LinkOwner,
  ) {}

  /** One connection attempt; resolves when the link is online or has failed. */
  async run(announced = false): Promise<boolean> {
    this.state = 'connecting';
    let failover = false; // a PSYNC FAILOVER sent, not answered yet
    if (!announced) this.owner.log('notice', `Connecting to MASTER ${this.host}:${this.port}`);
    const socket = net.connect({ host: this.host, port: this.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.lastIo = Date.now();
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      this.pump?.();
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.pump?.();
      this.wake();
    });
    let socketError = '';
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // strerror() of the errno, as Redis logs it; 'close' follows.
      socketError = typeof e.errno === 'number' && e.errno < 0 ? errnoText(-e.errno) : e.message;
    });
    // Logged as the connect starts, as Redis's connectWithMaster (non-blocking connect).
    this.owner.log('notice', 'MASTER <-> REPLICA sync started');
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('close', () => reject(new Error(`Error condition on socket for SYNC: ${socketError || 'Connection refused'}`)));
      });
      this.state = 'handshake';
      this.owner.log('notice', 'Non blocking connect for SYNC fired the event.');
      const pong = await this.command(['PING']);
      if (pong.startsWith('-') && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(pong)) {
        throw new Error(`Error reply to PING from master: '${pong.slice(1)}'`);
      }
      this.owner.log('notice', 'Master replied to PING, replication can continue...');
      if (this.owner.masterauth) {
        const args = this.owner.masteruser
          ? ['AUTH', this.owner.masteruser, this.owner.masterauth]
          : ['AUTH', this.owner.masterauth];
        const r = await this.command(args);
        if (r.startsWith('-')) throw new Error(`Unable to AUTH to MASTER: ${r.slice(1)}`);
      }
      const r1 = await this.command(['REPLCONF', 'listening-port', String(this.owner.listeningPort)]);
      if (r1.startsWith('-')) this.owner.log('notice', `(Non critical) Master does not understand REPLCONF listening-port: ${r1.slice(1)}`);
      if (this.owner.announceIp) {
        const r = await this.command(['REPLCONF', 'ip-address', this.owner.announceIp]);
        if (r.startsWith('-')) this.owner.log('notice', `(Non critical) Master does not understand REPLCONF ip-address: ${r.slice(1)}`);
      }
      const r2 = await this.command(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
      if (r2.startsWith('-')) this.owner.log('notice', `(Non critical) Master does not understand REPLCONF capa: ${r2.slice(1)}`);
      const target = this.owner.psyncTarget();
      if (target) {
        this.owner.log('notice', `Trying a partial resynchronization (request ${target[0]}:${target[1]}).`);
      } else {
        this.owner.log('notice', 'Partial resynchronization not possible (no cached master)');
      }
      const psync = ['PSYNC', target ? target[0] : '?', target ? String(target[1]) : '-1'];
      // A master failing over to us asks its target to take the role (PSYNC ... FAILOVER).
      failover = this.owner.failingOver;
      if (failover) psync.push('FAILOVER');
      const reply = await this.command(psync);
      if (failover) {
        failover = false;
        this.owner.psyncReplied(reply.startsWith('+FULLRESYNC') || reply.startsWith('+CONTINUE'));
        if (this.closed) throw new Error(`Failover target rejected psync request: ${reply}`);
      }
      if (reply.startsWith('+FULLRESYNC')) {
        const [, replid, offset] = reply.split(' ');
        this.owner.log('notice', `Full resync from master: ${replid}:${offset}`);
        this.state = 'sync';
        const header = await this.bulkHeader();
        const mode = this.owner.disklessLoadMode();
        if (mode) {
          await this.loadFromSocket(header, mode, replid, Number(offset));
          this.goOnline(true);
          return true;
        }
        const file = await this.receiveSnapshot(header);
        this.owner.log('notice', 'MASTER <-> REPLICA sync: Flushing old data');
        this.owner.log('notice', 'MASTER <-> REPLICA sync: Loading DB in memory');
        if (!(await this.owner.loadSnapshot(file, replid, Number(offset)))) {
          throw new Error('Failed trying to load the MASTER synchronization DB from disk');
        }
        this.goOnline(true);
        return true;
      }
      if (reply.startsWith('+CONTINUE')) {
        const newId = reply.split(' ')[1];
        this.owner.log('notice', 'Successful partial resynchronization with master.');
        this.owner.continued(newId);
        this.owner.log('notice', 'MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
        this.goOnline(false);
        return true;
      }
      throw new Error(`Unexpected reply to PSYNC from master: ${reply}`);
    } catch (e) {
      if (!(e instanceof LoggedFailure)) this.owner.log('warning', (e as Error).message);
      if (failover) this.owner.psyncReplied(false); // the target went before answering
      this.close();
      return false;
    }
  }

  private goOnline(full: boolean): void {
    const socket = this.socket!;
    socket.removeAllListeners('data');
    socket.removeAllListeners('close');
    socket.pause();
    let rest: Buffer = this.buf;
    // Anything the paused stream still buffers (flowing mode leaves nothing, normally).
    if (socket.readableLength > 0) {
      const more = socket.read() as Buffer | null;
      if (more) rest = rest.length === 0 ? more : Buffer.concat([rest, more]);
    }
    this.buf = Buffer.alloc(0);
    this.state = 'connected';
    this.owner.online(socket, rest, full);
  }

  close(): void {
    this.closed = true;
    this.pump?.();
    this.state = 'connect';
    this.socket?.destroy();
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Waits until more input arrived (or the link closed: throws). */
  private async more(): Promise<void> {
    if (this.closed) throw new Error('Master closed the connection during the handshake');
    await new Promise<void>((resolve) => (this.waiter = resolve));
    if (this.closed && this.buf.length === 0) throw new Error('Master closed the connection during the handshake');
  }

  /** Sends a command, returns the first reply line (without CRLF). */
  private async command(args: string[]): Promise<string> {
    let out = `*${args.length}\r\n`;
    for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
    this.socket!.write(out);
    return this.line();
  }

  /** One reply line; a lone "\n" (the master's keepalive while it prepares the snapshot) is skipped. */
  private async line(): Promise<string> {
    for (;;) {
      while (this.buf.length > 0 && this.buf[0] === 0x0a) this.buf = this.buf.subarray(1);
      const end = this.buf.indexOf('\r\n');
      if (end >= 0) {
        const l = this.buf.subarray(0, end).toString('latin1');
        this.buf = this.buf.subarray(end + 2);
        return l;
      }
      await this.more();
    }
  }

  /** The snapshot's first line: $<len> or $EOF:<mark> (newlines before it are the master's keepalive). */
  private async bulkHeader(): Promise<string> {
    const header = await this.line();
    if (header.startsWith('-')) throw new Error(`MASTER aborted replication with an error: ${header.slice(1)}`);
    if (!header.startsWith('$')) throw new Error(`Bad protocol from MASTER, the first byte is not '$' (we received '${header}'), are you sure the host and port are right?`);
    return header;
  }

  /**
   * readSyncBulkPayload with diskless load: every read goes to the loader
   * as it arrives ($<len>: exactly len bytes, what follows is the stream;
   * $EOF: everything, the loader checks the mark after the RDB and hands
   * back what followed it). A closed socket ends the feed: the load fails.
   */
  private async loadFromSocket(header: string, mode: DisklessLoadMode, replid: string, offset: number): Promise<void> {
    const usemark = header.startsWith('$EOF:') && header.length - 5 >= 40;
    const total = usemark ? 0 : Number(header.slice(1));
    this.syncTotalBytes = total;
    this.owner.log(
      'notice',
      usemark
        ? 'MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to parser'
        : `MASTER <-> REPLICA sync: receiving ${total} bytes from master to parser`,
    );
    const load = this.owner.startSocketLoad(mode, total, usemark ? header.slice(5, 45) : '', replid, offset);
    const socket = this.socket!;
    load.onResume = () => socket.resume();
    let left = total;
    this.pump = () => {
      if (this.buf.length > 0 && (usemark || left > 0)) {
        const n = usemark ? this.buf.length : Math.min(left, this.buf.length);
        const chunk = this.buf.subarray(0, n);
        this.buf = this.buf.subarray(n);
        left -= n;
        if (load.push(chunk)) socket.pause();
        if (!usemark && left === 0) load.end();
      }
      if (this.closed) load.end();
    };
    this.pump();
    // replicationSendNewlineToMaster: a newline a second keeps the master from timing us out meanwhile.
    const keepalive = setInterval(() => {
      if (!this.closed) socket.write('\n');
    }, 1000);
    const rest = await load.result.finally(() => clearInterval(keepalive));
    this.pump = undefined;
    socket.resume();
    if (!rest) throw new LoggedFailure();
    if (rest.length > 0) this.buf = this.buf.length === 0 ? rest : Buffer.concat([rest, this.buf]);
    if (this.closed) throw new Error('Master closed the connection during the handshake');
  }

  /** readSyncBulkPayload: the snapshot into a temp file in `dir`, renamed over nothing yet. */
  private async receiveSnapshot(header: string): Promise<string> {
    const file = path.join(this.owner.dir, `temp-${Date.now()}.${process.pid}.rdb`);
    const fd = fs.openSync(file, 'w');
    try {
      if (header.startsWith('$EOF:')) {
        const mark = Buffer.from(header.slice(5), 'latin1');
        this.owner.log('notice', 'MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk');
        this.syncTotalBytes = 0;
        for (;;) {
          // Everything but the last mark.length bytes can be written: the mark may be split.
          const idx = this.buf.indexOf(mark);
          if (idx >= 0) {
            fs.writeSync(fd, this.buf.subarray(0, idx));
            this.syncReadBytes += idx;
            this.buf = this.buf.subarray(idx + mark.length);
            break;
          }
          const safe = Math.max(0, this.buf.length - mark.length);
          if (safe > 0) {
            fs.writeSync(fd, this.buf.subarray(0, safe));
            this.syncReadBytes += safe;
            this.buf = this.buf.subarray(safe);
          }
          await this.more();
        }
      } else {
        const total = Number(header.slice(1));
        this.syncTotalBytes = total;
        this.owner.log('notice', `MASTER <-> REPLICA sync: receiving ${total} bytes from master to disk`);
        let left = total;
        for (;;) {
          const n = Math.min(left, this.buf.length);
          if (n > 0) {
            fs.writeSync(fd, this.buf.subarray(0, n));
            this.buf = this.buf.subarray(n);
            left -= n;
            this.syncReadBytes += n;
          }
          if (left === 0) break;
          await this.more();
        }
      }
      fs.fsyncSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      throw e;
    }
    fs.closeSync(fd);
    return file;
  }
}
