/**
 * One client connection: runs the commands TypeScript owns when the native
 * dispatcher hands them over, and writes replies back in pipeline order.
 *
 * Two transports. Normally the socket is attached to native I/O (see
 * native/binding/socket_io.h): the addon reads, executes and answers batches of
 * data commands by itself and calls drain() only for batches that need
 * TypeScript; all output then goes through native.write() to keep its order.
 * Otherwise (an addon built without uv.h, or TACHYON_NATIVE_IO=0) socket reads
 * arrive as 'data' events, are fed to the dispatcher, and replies are written
 * with one socket write per read.
 */
import type { Socket } from 'node:net';
import { FeedStatus } from '../native';
import type { TachyonServer } from '../server';
import { RespWriter } from '../protocol/resp-writer';
import { unsubscribeAll } from '../commands/pubsub';
import { holdInput, pauseActive } from '../commands/pause';

export type ReplyMode = 'on' | 'off' | 'skip';

export class Connection {
  readonly id: number;
  readonly slot: number;
  readonly createdAt = Date.now();
  name = '';
  resp = 2;
  authenticated: boolean;
  libName = '';
  libVer = '';
  noEvict = false;
  replyMode: ReplyMode = 'on';
  closing = false;
  /** Set by QUIT/CLIENT KILL: close once pending replies are written. */
  private closeAfterWrite = false;
  private pendingOut: Buffer[] = [];
  /** Whether the native side reads and writes this socket. */
  readonly attached: boolean;

  /**
   * `socket` comes paused (pauseOnConnect): nothing has been read from it yet.
   * `adoptedSlot`: the native side accepted it during a busy script and already serves it.
   */
  constructor(
    readonly server: TachyonServer,
    readonly socket: Socket,
    readonly kind: 'tcp' | 'unix',
    adoptedSlot?: number,
  ) {
    this.id = server.nextClientId++;
    if (adoptedSlot === undefined) {
      this.slot = server.native.createClient(this.id);
    } else {
      this.slot = adoptedSlot;
      server.native.setClient(this.slot, 'id', this.id);
    }
    this.authenticated = !server.requirePass();
    server.bySlot.set(this.slot, this);
    socket.setNoDelay(true);
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
    const fd = socketFd(socket);
    this.attached = server.nativeIo && fd >= 0 && server.native.attach(this.slot, fd);
    if (!this.attached) {
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.resume();
    }
  }

  get db(): number {
    return this.server.native.getClientDb(this.slot);
  }

  /** Unix ms of the last input (CLIENT LIST idle=, the `timeout` setting). */
  get lastInteraction(): number {
    return this.server.native.clientState(this.slot)[4];
  }

  /** Bytes written to the socket so far (INFO total_net_output_bytes). */
  get bytesWritten(): number {
    if (!this.attached) return this.socket.bytesWritten;
    return this.writtenAtClose ?? this.server.native.ioStats(this.slot)[0];
  }

  /** The native count, kept when the slot is given up (INFO samples closed clients once more). */
  private writtenAtClose: number | undefined;

  /** Output not yet taken by the kernel (CLIENT LIST omem=). */
  get outputPending(): number {
    return this.attached ? this.server.native.ioStats(this.slot)[1] : this.socket.writableLength;
  }

  /** Full name of the last command run (CLIENT LIST cmd=), tracked by the native dispatcher. */
  get lastCommand(): string {
    return this.server.native.clientState(this.slot)[1];
  }

  get address(): string {
    if (this.kind === 'unix') return '/unixsocket:0';
    const host = this.socket.remoteAddress ?? '?';
    return `${host.startsWith('::ffff:') ? host.slice(7) : host}:${this.socket.remotePort ?? 0}`;
  }

  get localAddress(): string {
    if (this.kind === 'unix') return this.server.config.get('unixsocket') as string;
    const host = this.socket.localAddress ?? '?';
    return `${host.startsWith('::ffff:') ? host.slice(7) : host}:${this.socket.localPort ?? 0}`;
  }

  /** Input read by the 'data' path, or handed over by native I/O during a CLIENT PAUSE. */
  onData(chunk: Buffer): void {
    if (this.closing) return;
    // CLIENT PAUSE: input waits in src/commands/pause.ts until the pause ends.
    if (holdInput(this, chunk)) return;
    this.drain(this.server.native.feed(this.slot, chunk));
  }

  /** The output of the last native call: a Buffer it returned, or a view of the arena. */
  private output(ret: Buffer | undefined, copy: boolean): Buffer | undefined {
    const n = this.server.state[1];
    if (n < 0) return ret;
    if (n === 0) return undefined;
    const view = this.server.arena.subarray(0, n);
    return copy ? Buffer.from(view) : view;
  }

  /**
   * Runs handed-over commands until the native side has nothing left to hand over.
   * `ret` and the shared state are the outcome of the last native call for this
   * client: feed(), or retryBlocked()/unblock() from the blocking scheduler.
   */
  drain(ret: Buffer | undefined): void {
    const { native, state } = this.server;
    let held: Buffer | undefined;
    for (;;) {
      const status = state[0] as FeedStatus;
      if (status === FeedStatus.JsCommand) {
        // The arena is reused by the next native call: keep a copy of what it holds.
        const out = this.output(ret, true);
        if (out) this.pendingOut.push(out);
        const args = native.takeCommand(this.slot);
        const pausedBefore = pauseActive(this.server);
        const reply = this.server.commands.run(this, args);
        if (this.closing) break;
        // This command started a CLIENT PAUSE: what the client pipelined after it waits too.
        if (!pausedBefore && pauseActive(this.server)) held = native.takeInput(this.slot);
        ret = native.resume(this.slot, reply);
        continue;
      }
      // Events first: a client subscribed to its own keyspace notifications gets
      // them ahead of the replies, as Redis sends them before the command's reply.
      if (this.server.state[3] > 0) {
        const out = this.output(ret, true);
        this.server.events.pump();
        this.write(out);
      } else {
        this.write(this.output(ret, false));
      }
      if (status === FeedStatus.Blocked) this.server.blocking.block(this);
      else if (status === FeedStatus.Close) this.closeAfterFlush();
      else if (status === FeedStatus.CloseNow) {
        this.server.log.warning(`Closing client that reached max query buffer length: id=${this.id} addr=${this.address}`);
        this.destroy();
      } else if (this.closeAfterWrite) this.closeAfterFlush();
      break;
    }
    // Serve clients blocked on keys these commands made ready, then publish
    // what the commands queued (notifications, invalidations, MONITOR lines).
    this.server.blocking.pump();
    this.server.events.pump();
    if (held && held.length > 0 && !this.closing && !holdInput(this, held)) {
      this.drain(native.feed(this.slot, held)); // not held after all (a MONITOR client)
    }
  }

  /** Writes earlier pending output and `last` (possibly an arena view) in one socket write. */
  private write(last: Buffer | undefined): void {
    let data = last;
    if (this.pendingOut.length > 0) {
      if (last) this.pendingOut.push(last);
      data = this.pendingOut.length === 1 ? this.pendingOut[0] : Buffer.concat(this.pendingOut);
      this.pendingOut = [];
    }
    if (!data || this.socket.destroyed) return;
    this.transmit(data);
    // A stream write that did not complete synchronously still references its bytes
    // (native writes copy what the kernel does not take at once).
    if (!this.attached && data.buffer === this.server.arena.buffer && this.socket.writableLength > 0) {
      this.server.replaceArena();
    }
  }

  /** Sends bytes outside the request/reply flow (pub/sub pushes, MONITOR). */
  send(data: Buffer): void {
    if (!this.closing && !this.socket.destroyed) this.transmit(data);
  }

  private transmit(data: Buffer): void {
    if (this.attached) this.server.native.write(this.slot, data);
    else this.socket.write(data);
  }

  /** Closes the connection after the replies produced so far are written (QUIT, CLIENT KILL of self). */
  requestClose(): void {
    this.closeAfterWrite = true;
  }

  private closeAfterFlush(): void {
    this.closing = true;
    if (this.attached) {
      // Native I/O reports the flushed end through the io handler, which calls destroy();
      // the client slot stays taken until then.
      this.server.native.endIo(this.slot);
      return;
    }
    this.socket.end();
    this.release();
  }

  writer(): RespWriter {
    return new RespWriter(this.resp);
  }

  setResp(v: number): void {
    this.resp = v;
    this.server.native.setClient(this.slot, 'resp', v);
  }

  setAuthenticated(v: boolean): void {
    this.authenticated = v;
    this.server.native.setClient(this.slot, 'auth', v);
  }

  destroy(): void {
    // Once released, the slot may belong to a new client already.
    if (this.attached && !this.released) {
      this.writtenAtClose = this.server.native.ioStats(this.slot)[0];
      this.server.native.detach(this.slot);
    }
    if (!this.socket.destroyed) this.socket.destroy();
    this.closing = true;
    this.release();
  }

  private released = false;
  private release(): void {
    if (this.released) return;
    this.released = true;
    this.server.blocking.disconnect(this);
    unsubscribeAll(this);
    this.server.native.freeClient(this.slot);
    this.server.clients.delete(this.id);
    this.server.bySlot.delete(this.slot);
  }
}

/** The socket's file descriptor (-1 if it has none: e.g. TLS later, or not on Unix). */
export function socketFd(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: { fd?: number } | null })._handle;
  return typeof handle?.fd === 'number' ? handle.fd : -1;
}
