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
 *
 * Features that keep per-client state (subscriptions, a block, MONITOR,
 * tracking, held input) register a release hook with onRelease() when a
 * client starts using them; release() runs the hooks once, before the native
 * client slot is freed.
 */
import type { Socket } from 'node:net';
import type { CommandRegistry } from '../commands/registry';
import type { ServerContext } from '../context';
import type { BlockingScheduler } from '../features/blocking';
import type { Pause } from '../features/pause';
import { ClientField, ClientState, ClientText, FeedStatus, ReplyMode } from '../boundary.gen';
import { RespWriter } from '../protocol/resp-writer';
import { formatAddress, isLoopback, socketFd } from './address';

/** What every connection works with; server.ts builds one for all of them. */
export interface ConnectionServices {
  readonly ctx: ServerContext;
  readonly commands: CommandRegistry;
  readonly blocking: BlockingScheduler;
  /** CLIENT PAUSE: holds input while a pause is on. */
  readonly pause: Pause;
  /** Whether connections are read and written by the addon (TACHYON_NATIVE_IO=0 keeps Node streams). */
  readonly nativeIo: boolean;
  /** Whether a new connection must authenticate (the default user has a password or is off). */
  authRequired(): boolean;
}

export type ReleaseHook = (conn: Connection) => void;

export class Connection {
  readonly id: number;
  readonly slot: number;
  readonly createdAt = Date.now();
  private clientName = '';
  resp = 2;
  authenticated: boolean;
  /** The ACL user it is authenticated as (src/acl/). */
  user = 'default';
  libName = '';
  libVer = '';
  noEvict = false;
  replyMode = ReplyMode.On;
  closing = false;
  /** Set by QUIT/CLIENT KILL: close once pending replies are written. */
  private closeAfterWrite = false;
  private pendingOut: Buffer[] = [];
  /** Whether the native side reads and writes this socket. */
  readonly attached: boolean;
  readonly socket: Socket;
  private readonly ctx: ServerContext;
  private readonly releaseHooks = new Set<ReleaseHook>();

  /**
   * `socket` comes paused (pauseOnConnect): nothing has been read from it yet.
   * `adoptedSlot`: the native side accepted it during a busy script and already serves it.
   * `tls`: it came in on tls-port, for the addon to decrypt (a socket Node's tls
   * module decrypts arrives as a TLSSocket, with tls false).
   */
  constructor(
    private readonly services: ConnectionServices,
    socket: Socket,
    readonly kind: 'tcp' | 'unix',
    adoptedSlot?: number,
    readonly tls = false,
  ) {
    const { ctx } = services;
    this.ctx = ctx;
    this.socket = socket; // before this.address is read below
    this.id = ctx.clients.newId();
    if (adoptedSlot === undefined) {
      this.slot = ctx.native.createClient(this.id);
    } else {
      this.slot = adoptedSlot;
      ctx.native.setClient(this.slot, ClientField.Id, this.id);
    }
    this.authenticated = !services.authRequired();
    this.socket = socket;
    // What SLOWLOG, CLIENT LIST and enable-debug-command local need to know natively.
    if (kind === 'unix' || isLoopback(socket.remoteAddress)) ctx.native.setClient(this.slot, ClientField.Local, 1);
    ctx.clients.add(this);
    ctx.native.setClientText(this.slot, ClientText.Addr, this.address);
    socket.setNoDelay(true);
    const fd = socketFd(socket);
    this.attached = services.nativeIo && fd >= 0 && ctx.native.attach(this.slot, fd, tls);
    // Ciphertext must never reach the parser: a TLS socket the addon could not take goes.
    if (tls && !this.attached) socket.destroy();
    this.socket.on('error', () => this.destroy());
    this.socket.on('close', () => this.destroy());
    if (!this.attached) {
      this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
      this.socket.resume();
    }
  }

  /** CLIENT SETNAME / HELLO SETNAME; '' when unnamed. */
  get name(): string {
    return this.clientName;
  }

  set name(v: string) {
    this.clientName = v;
    if (!this.released) this.ctx.native.setClientText(this.slot, ClientText.Name, v);
  }

  get db(): number {
    return this.ctx.native.getClientDb(this.slot);
  }

  /** Unix ms of the last input (CLIENT LIST idle=, the `timeout` setting). */
  get lastInteraction(): number {
    return this.ctx.native.clientState(this.slot)[ClientState.LastInteraction];
  }

  /** Bytes written to the socket so far (INFO total_net_output_bytes). */
  get bytesWritten(): number {
    if (!this.attached) return this.socket.bytesWritten;
    return this.writtenAtClose ?? this.ctx.native.ioStats(this.slot)[0];
  }

  /** The native count, kept when the slot is given up (INFO samples closed clients once more). */
  private writtenAtClose: number | undefined;

  /** Replies of the current batch held until the batch's one socket write (part of CLIENT LIST obl=). */
  get heldOutputBytes(): number {
    let n = 0;
    for (const b of this.pendingOut) n += b.length;
    return n;
  }

  /** Output not yet taken by the kernel (CLIENT LIST omem=). */
  get outputPending(): number {
    return this.attached ? this.ctx.native.ioStats(this.slot)[1] : this.socket.writableLength;
  }

  /**
   * Output memory as Redis's getClientOutputBufferMemoryUsage (CLIENT LIST
   * omem=, oll=): the queued output, and for a replica its part of the shared
   * replication buffer. [bytes, blocks].
   */
  get outputMemory(): [number, number] {
    if (!this.attached) return [this.socket.writableLength, this.socket.writableLength > 0 ? 1 : 0];
    const [, pending, shared, blocks] = this.ctx.native.ioStats(this.slot);
    return [pending + shared, (pending > 0 ? 1 : 0) + blocks];
  }

  /** Full name of the last command run (CLIENT LIST cmd=), tracked by the native dispatcher. */
  get lastCommand(): string {
    return this.ctx.native.clientState(this.slot)[ClientState.LastCommand];
  }

  get address(): string {
    if (this.kind === 'unix') return '/unixsocket:0';
    return formatAddress(this.socket.remoteAddress, this.socket.remotePort);
  }

  get localAddress(): string {
    if (this.kind === 'unix') return this.ctx.config.get('unixsocket');
    return formatAddress(this.socket.localAddress, this.socket.localPort);
  }

  /** Runs `hook` once when the connection goes (before its native slot is freed); added once per hook. */
  onRelease(hook: ReleaseHook): void {
    if (!this.released) this.releaseHooks.add(hook);
  }

  /** Input read by the 'data' path, or handed over by native I/O during a CLIENT PAUSE. */
  onData(chunk: Buffer): void {
    if (this.closing) return;
    // CLIENT PAUSE: input waits in src/features/pause.ts until the pause ends.
    if (this.services.pause.hold(this, chunk)) return;
    this.drain(this.ctx.native.feed(this.slot, chunk));
  }

  /**
   * Runs handed-over commands until the native side has nothing left to hand over.
   * `ret` and the shared state are the outcome of the last native call for this
   * client: feed(), or retryBlocked()/unblock() from the blocking scheduler.
   */
  drain(ret: Buffer | undefined): void {
    const { native, shared, events, log } = this.ctx;
    const { commands, blocking, pause } = this.services;
    let held: Buffer | undefined;
    for (;;) {
      const status = shared.status;
      if (status === FeedStatus.JsCommand) {
        // The arena is reused by the next native call: keep a copy of what it holds.
        const out = shared.replies(ret, true);
        if (out) this.pendingOut.push(out);
        const args = native.takeCommand(this.slot);
        const pausedBefore = pause.active;
        const reply = commands.run(this, args);
        const pushes = commands.takePushes();
        if (this.closing) break;
        if (this.suspended) {
          // The command answers later (WAIT): earlier replies go now, input waits natively.
          this.write(undefined);
          break;
        }
        // This command started a CLIENT PAUSE: what the client pipelined after it waits too.
        if (!pausedBefore && pause.active) held = native.takeInput(this.slot);
        ret = native.resume(this.slot, reply, pushes);
        continue;
      }
      // Events first: a client subscribed to its own keyspace notifications gets
      // them ahead of the replies, as Redis sends them before the command's reply.
      if (shared.events > 0) {
        const out = shared.replies(ret, true);
        events.pump();
        this.write(out);
      } else {
        this.write(shared.replies(ret, false));
      }
      if (status === FeedStatus.Blocked) blocking.block(this);
      else if (status === FeedStatus.Close) this.closeAfterFlush();
      else if (status === FeedStatus.CloseNow) {
        log.warning(`Closing client that reached max query buffer length: id=${this.id} addr=${this.address}`);
        this.destroy();
      } else if (this.closeAfterWrite) this.closeAfterFlush();
      break;
    }
    // Serve clients blocked on keys these commands made ready, then publish
    // what the commands queued (notifications, invalidations, MONITOR lines).
    blocking.pump();
    events.pump();
    if (held && held.length > 0 && !this.closing && !pause.hold(this, held)) {
      this.drain(native.feed(this.slot, held)); // not held after all (a MONITOR client)
    }
  }

  /** A command that replies later (WAIT) holds the client until resumeWith(). */
  private suspended = false;

  /** Called by such a command's handler: its reply and the client's next commands wait. */
  suspend(): void {
    this.suspended = true;
  }

  /**
   * Ends suspend(): sends the reply and runs what the client sent meanwhile.
   * The command ends now for WAIT's bookkeeping unless endsCommand is false.
   */
  resumeWith(reply: Buffer, endsCommand = true): void {
    if (!this.suspended) return;
    this.suspended = false;
    if (this.closing) return;
    this.drain(this.ctx.native.resume(this.slot, reply, undefined, endsCommand));
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
    if (!this.attached && this.ctx.shared.inArena(data) && this.socket.writableLength > 0) {
      this.ctx.shared.replaceArena(this.ctx.native);
    }
  }

  /** Sends bytes outside the request/reply flow (pub/sub pushes, MONITOR). */
  send(data: Buffer): void {
    if (!this.closing && !this.socket.destroyed) this.transmit(data);
  }

  private transmit(data: Buffer): void {
    if (this.attached) {
      this.ctx.native.write(this.slot, data);
    } else {
      this.socket.write(data);
      this.ctx.clients.streamWrites++;
    }
  }

  /**
   * Closes the connection after the replies produced so far are written (QUIT,
   * CLIENT KILL of self); nothing the client sent after this command runs.
   */
  requestClose(): void {
    this.closeAfterWrite = true;
    this.ctx.native.setClient(this.slot, ClientField.CloseAfterReply, true);
  }

  /** Closes the connection once what is queued for it is written (an rdb-only replica after its snapshot). */
  closeWhenFlushed(): void {
    if (!this.closing) this.closeAfterFlush();
  }

  private closeAfterFlush(): void {
    this.closing = true;
    if (this.attached) {
      // Native I/O reports the flushed end through the io handler, which calls destroy();
      // the client slot stays taken until then.
      this.ctx.native.endIo(this.slot);
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
    this.ctx.native.setClient(this.slot, ClientField.Resp, v);
  }

  setAuthenticated(v: boolean): void {
    this.authenticated = v;
    this.ctx.native.setClient(this.slot, ClientField.Auth, v);
  }

  destroy(): void {
    // Once released, the slot may belong to a new client already.
    if (this.attached && !this.released) {
      this.writtenAtClose = this.ctx.native.ioStats(this.slot)[0];
      this.ctx.native.detach(this.slot);
    }
    if (!this.socket.destroyed) this.socket.destroy();
    this.closing = true;
    this.release();
  }

  private released = false;
  private release(): void {
    if (this.released) return;
    this.released = true;
    for (const hook of this.releaseHooks) hook(this);
    this.releaseHooks.clear();
    this.ctx.native.freeClient(this.slot);
    this.ctx.clients.remove(this);
  }
}
