/**
 * CLIENT subcommands: ID, SETNAME, GETNAME, INFO, LIST, KILL, NO-EVICT,
 * REPLY, HELP. The features register the others: PAUSE and UNPAUSE
 * (features/pause.ts), TRACKING, CACHING, GETREDIR and TRACKINGINFO
 * (features/tracking.ts), UNBLOCK (features/blocking.ts).
 *
 * CLIENT INFO / LIST print Redis 7.0's fields in Redis 7.0's order, with
 * Tachyon's own figures where Redis reports its buffers:
 *   qbuf / qbuf-free     the native query buffer: bytes held (the whole read
 *                        while one of its commands runs, as Redis) and room left
 *   argv-mem             argument bytes of the running command (EXEC's own
 *                        while EXEC runs, as Redis) or of a blocked one
 *   multi-mem            queued commands' argument bytes plus a pointer each
 *   rbs / rbp            the native reply buffer's capacity and peak use
 *   obl / oll / omem     replies not written yet: held for the batch's one
 *                        write / chunks and bytes waiting for the kernel
 *   tot-mem              the buffers above plus CLIENT_OVERHEAD, an estimate
 *                        of the connection's fixed cost
 * The rest (id, addr, laddr, fd, name, age, idle, flags, db, sub, psub, ssub,
 * multi, events, cmd, user, redir, resp) are exact.
 */
import type { Acl } from '../acl/acl';
import { ClientField, ReplyMode } from '../boundary.gen';
import type { ServerContext } from '../context';
import type { BlockingScheduler } from '../features/blocking';
import type { Monitor } from '../features/monitor';
import type { Pause } from '../features/pause';
import type { PubSub } from '../features/pubsub';
import type { Tracking } from '../features/tracking';
import type { Replication } from '../replication/replication';
import { socketFd } from '../network/address';
import type { Connection } from '../network/connection';
import { clientIdOf, string2ll } from '../util/integers';
import { BAD_CLIENT_NAME, validClientName } from './connection';
import { dispatchSubcommand, replyHelp, type CommandCall, type CommandRegistry, type Handler } from './registry';

/** The features whose state CLIENT LIST shows. */
export interface ClientFeatures {
  readonly pubsub: PubSub;
  readonly monitor: Monitor;
  readonly pause: Pause;
  readonly tracking: Tracking;
  readonly blocking: BlockingScheduler;
  readonly replication: Replication;
  readonly acl: Acl;
}

/** Rough per-client footprint of the Connection object, its socket and the native client. */
const CLIENT_OVERHEAD = 2048;

type ClientType = 'normal' | 'master' | 'replica' | 'pubsub';

function clientTypeByName(name: string): ClientType | undefined {
  switch (name.toLowerCase()) {
    case 'normal':
      return 'normal';
    case 'master':
      return 'master';
    case 'replica':
    case 'slave':
      return 'replica';
    case 'pubsub':
      return 'pubsub';
    default:
      return undefined;
  }
}

/** CLIENT and the CLIENT LIST line (also logged when a client is closed for its output). */
export class ClientCommands {
  constructor(
    private readonly ctx: ServerContext,
    private readonly features: ClientFeatures,
  ) {}

  register(r: CommandRegistry): void {
    const subcommands = new Map<string, Handler>([
      ['id', clientId],
      ['setname', clientSetname],
      ['getname', clientGetname],
      ['info', (call) => clientInfo(this, call)],
      ['list', (call) => clientList(this, call)],
      ['kill', (call) => clientKill(this, call)],
      ['no-evict', clientNoEvict],
      ['reply', clientReply],
      ['help', clientHelp],
    ]);
    // "client" itself is registered so that a bare CLIENT gets the dispatcher's
    // arity error (Redis's "wrong number of arguments for 'client' command")
    // rather than "unknown command"; see dispatchSubcommand.
    r.register('client', (call) => dispatchSubcommand(call, 'CLIENT', subcommands));
    for (const [name, handler] of subcommands) r.register(`client|${name}`, handler);
  }

  /** A replica's or our master's connection, else pubsub while subscribed, else normal. */
  type(conn: Connection): ClientType {
    const repl = this.features.replication.clientType(conn);
    if (repl) return repl;
    return this.features.pubsub.isPubSubClient(conn) ? 'pubsub' : 'normal';
  }

  userExists(name: string): boolean {
    return this.features.acl.getUser(name) !== undefined;
  }

  /** Connections not on their way out, in the order they were accepted. */
  live(): Connection[] {
    return [...this.ctx.clients.values()].filter((c) => !c.closing);
  }

  /** One CLIENT LIST line, without the trailing newline. `current` is the command asking. */
  infoLine(conn: Connection, current?: CommandCall): string {
    return clientInfoLine(this.ctx, this.features, conn, current);
  }
}

function clientInfoLine(ctx: ServerContext, f: ClientFeatures, conn: Connection, current?: CommandCall): string {
  const now = Date.now();
  const isCurrent = current !== undefined && current.conn === conn;
  const [db, cmd, qbuf, multi, , qbufFree, blockedArgv, multiMem, rbs, rbp, replyBytes] = ctx.native.clientState(conn.slot);
  const subs = f.pubsub.subscriptionCounts(conn);
  // Redis's order: O/S M P x b t R B d c u A U r e; N when none applies.
  let flags = '';
  const repl = f.replication.clientType(conn);
  if (repl === 'replica') flags += 'S';
  if (f.monitor.isMonitor(conn)) flags += 'O';
  if (repl === 'master') flags += 'M';
  if (f.pubsub.isPubSubClient(conn)) flags += 'P';
  if (multi >= 0) flags += 'x';
  if (f.blocking.isBlocked(conn) || f.pause.isPaused(conn)) flags += 'b';
  flags += f.tracking.flags(conn);
  if (conn.kind === 'unix') flags += 'U';
  if (conn.noEvict) flags += 'e';
  if (flags === '') flags = 'N';
  // Inside EXEC the client's arguments are EXEC's own ("exec": 4 bytes), as Redis reports them.
  const argvMem = isCurrent ? (current.inExec ? 4 : current.args.reduce((n, a) => n + a.length, 0)) : blockedArgv;
  const [omem, oll] = conn.outputMemory;
  const waiting = conn.outputPending; // a write handler is installed (events=rw)
  const obl = (isCurrent ? conn.heldOutputBytes : 0) + replyBytes;
  const totMem = rbs + qbuf + qbufFree + argvMem + multiMem + omem + CLIENT_OVERHEAD;
  return [
    `id=${conn.id}`,
    `addr=${conn.address}`,
    `laddr=${conn.localAddress}`,
    `fd=${socketFd(conn.socket)}`,
    `name=${conn.name}`,
    `age=${Math.floor((now - conn.createdAt) / 1000)}`,
    `idle=${Math.floor((now - conn.lastInteraction) / 1000)}`,
    `flags=${flags}`,
    `db=${db}`,
    `sub=${subs.sub}`,
    `psub=${subs.psub}`,
    `ssub=${subs.ssub}`,
    `multi=${multi}`,
    `qbuf=${qbuf}`,
    `qbuf-free=${qbufFree}`,
    `argv-mem=${argvMem}`,
    `multi-mem=${multiMem}`,
    `rbs=${rbs}`,
    `rbp=${rbp}`,
    `obl=${obl}`,
    `oll=${oll}`,
    `omem=${omem}`,
    `tot-mem=${totMem}`,
    `events=${waiting > 0 ? 'rw' : 'r'}`,
    `cmd=${cmd}`,
    `user=${conn.user}`,
    `redir=${f.tracking.redirect(conn)}`,
    `resp=${conn.resp}`,
  ].join(' ');
}

const lower = (b: Buffer): string => b.toString('latin1').toLowerCase();

function clientId(call: CommandCall): void {
  call.w.int(call.conn.id);
}

function clientSetname(call: CommandCall): void {
  const name = call.args[2];
  if (!validClientName(name)) return void call.w.error(BAD_CLIENT_NAME);
  call.conn.name = name.toString('latin1'); // "" clears the name
  call.w.ok();
}

function clientGetname(call: CommandCall): void {
  call.w.bulk(call.conn.name === '' ? null : Buffer.from(call.conn.name, 'latin1'));
}

function clientInfo(cc: ClientCommands, call: CommandCall): void {
  call.w.verbatim(`${cc.infoLine(call.conn, call)}\n`);
}

function clientList(cc: ClientCommands, call: CommandCall): void {
  const { args, w, ctx } = call;
  let clients: Connection[];
  if (args.length === 4 && lower(args[2]) === 'type') {
    const type = clientTypeByName(args[3].toString('latin1'));
    if (!type) return void w.error(`ERR Unknown client type '${args[3].toString('latin1')}'`);
    clients = cc.live().filter((c) => cc.type(c) === type);
  } else if (args.length > 3 && lower(args[2]) === 'id') {
    clients = [];
    for (let i = 3; i < args.length; i++) {
      const id = string2ll(args[i]);
      if (id === null) return void w.error('ERR Invalid client ID');
      const c = ctx.clients.get(clientIdOf(id));
      if (c && !c.closing) clients.push(c); // repeated ids are listed again, as Redis does
    }
  } else if (args.length !== 2) {
    return void w.error('ERR syntax error');
  } else {
    clients = cc.live();
  }
  w.verbatim(clients.map((c) => `${cc.infoLine(c, call)}\n`).join(''));
}

function clientKill(cc: ClientCommands, call: CommandCall): void {
  const { args, w, conn } = call;
  let addr: string | undefined;
  let laddr: string | undefined;
  let type: ClientType | undefined;
  let id: number | undefined;
  let user: string | undefined;
  let skipMe = true;
  const oldForm = args.length === 3;
  if (oldForm) {
    // CLIENT KILL <ip:port>: may kill the caller itself.
    addr = args[2].toString('latin1');
    skipMe = false;
  } else {
    for (let i = 2; i < args.length; i += 2) {
      const opt = lower(args[i]);
      const hasValue = i + 1 < args.length;
      const value = hasValue ? args[i + 1].toString('latin1') : '';
      if (opt === 'id' && hasValue) {
        const v = string2ll(args[i + 1]);
        if (v === null || v < 1n) return void w.error('ERR client-id should be greater than 0');
        id = clientIdOf(v) || -1; // -1: beyond any id we hand out
      } else if (opt === 'type' && hasValue) {
        type = clientTypeByName(value);
        if (!type) return void w.error(`ERR Unknown client type '${value}'`);
      } else if (opt === 'addr' && hasValue) {
        addr = value;
      } else if (opt === 'laddr' && hasValue) {
        laddr = value;
      } else if (opt === 'user' && hasValue) {
        if (!cc.userExists(value)) return void w.error(`ERR No such user '${value}'`);
        user = value;
      } else if (opt === 'skipme' && hasValue) {
        const v = value.toLowerCase();
        if (v === 'yes') skipMe = true;
        else if (v === 'no') skipMe = false;
        else return void w.error('ERR syntax error');
      } else {
        return void w.error('ERR syntax error');
      }
    }
  }

  let killed = 0;
  let killSelf = false;
  for (const c of cc.live()) {
    if (addr !== undefined && c.address !== addr) continue;
    if (laddr !== undefined && c.localAddress !== laddr) continue;
    if (type !== undefined && cc.type(c) !== type) continue;
    if (id !== undefined && c.id !== id) continue;
    if (user !== undefined && c.user !== user) continue;
    if (c === conn && skipMe) continue;
    if (c === conn) killSelf = true;
    else c.destroy();
    killed++;
  }

  if (oldForm) {
    if (killed === 0) w.error('ERR No such client');
    else w.ok();
  } else {
    w.int(killed);
  }
  // The caller goes after its reply is written.
  if (killSelf) conn.requestClose();
}

function clientNoEvict(call: CommandCall): void {
  const v = lower(call.args[2]);
  if (v === 'on') call.conn.noEvict = true;
  else if (v === 'off') call.conn.noEvict = false;
  else return void call.w.error('ERR syntax error');
  call.ctx.native.setClient(call.conn.slot, ClientField.NoEvict, call.conn.noEvict);
  call.w.ok();
}


function clientReply(call: CommandCall): void {
  const { conn, ctx, w } = call;
  const v = lower(call.args[2]);
  if (v === 'on') {
    conn.replyMode = ReplyMode.On;
    ctx.native.setClient(conn.slot, ClientField.Reply, ReplyMode.On);
    w.ok();
  } else if (v === 'off') {
    // No reply at all, not even to this command.
    conn.replyMode = ReplyMode.Off;
    ctx.native.setClient(conn.slot, ClientField.Reply, ReplyMode.Off);
  } else if (v === 'skip') {
    // Drops the next command's reply; does nothing while replies are off.
    if (conn.replyMode !== ReplyMode.Off) {
      conn.replyMode = ReplyMode.Skip;
      ctx.native.setClient(conn.slot, ClientField.Reply, ReplyMode.Skip);
    }
  } else {
    w.error('ERR syntax error');
  }
}

function clientHelp(call: CommandCall): void {
  replyHelp(call.w, 'CLIENT', [
    'GETNAME',
    '    Return the name of this connection, or null when it has none.',
    'ID',
    '    Return the unique ID of this connection.',
    'INFO',
    '    Describe this connection, in the format of CLIENT LIST.',
    'KILL <ip:port>',
    '    Close the connection from <ip:port>.',
    'KILL <option> <value> [<option> <value> [...]]',
    '    Close every connection matching all the filters; replies with how many. Filters:',
    '    * ID <client-id>',
    '      The connection with this ID.',
    '    * ADDR (<ip:port>|<unixsocket>:0)',
    '      Connections from this remote address.',
    '    * LADDR (<ip:port>|<unixsocket>:0)',
    '      Connections to this local address.',
    '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
    '      Connections of this type.',
    '    * USER <username>',
    '      Connections authenticated as <username>.',
    '    * SKIPME (YES|NO)',
    '      Whether the calling connection is spared (default: YES).',
    'LIST [options ...]',
    '    Describe client connections, one per line. Options:',
    '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
    '      Only connections of this type.',
    '    * ID <client-id> [<client-id> ...]',
    '      Only the connections with these IDs.',
    'NO-EVICT (ON|OFF)',
    '    Exempt (or stop exempting) this connection from client eviction.',
    'PAUSE <timeout> [WRITE|ALL]',
    '    Hold the commands of every client (or only writes) for <timeout> milliseconds.',
    'REPLY (ON|OFF|SKIP)',
    '    Turn replies to this connection on or off, or skip the reply to the next command.',
    'SETNAME <name>',
    '    Name this connection; an empty name removes it.',
    'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]] [OPTIN] [OPTOUT] [NOLOOP]',
    '    Turn server-assisted client-side caching on or off for this connection.',
    'CACHING (YES|NO)',
    '    With OPTIN/OPTOUT tracking: whether the keys read by the next command are tracked.',
    'GETREDIR',
    '    The client ID invalidation messages are redirected to, 0 without one, -1 without tracking.',
    'TRACKINGINFO',
    '    Describe this connection\'s tracking state.',
    'UNBLOCK <client-id> [TIMEOUT|ERROR]',
    '    Unblock a client blocked in a blocking command, with its timeout reply or an error.',
    'UNPAUSE',
    '    End a CLIENT PAUSE.',
  ]);
}
