/**
 * Connection commands: HELLO, AUTH, QUIT, RESET.
 */
import { ClientField, ReplyMode } from '../boundary.gen';
import type { Monitor } from '../features/monitor';
import type { PubSub } from '../features/pubsub';
import type { Tracking } from '../features/tracking';
import type { Acl } from '../acl/acl';
import { string2ll } from '../util/integers';
import { VERSION } from '../version';
import type { CommandCall, CommandRegistry } from './registry';

/** The features whose per-client state RESET clears, and the ACL users AUTH and HELLO log in as. */
export interface ResetFeatures {
  readonly pubsub: PubSub;
  readonly tracking: Tracking;
  readonly monitor: Monitor;
  readonly acl: Acl;
}

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

/** Client names may not contain spaces, newlines or other special characters. */
export function validClientName(name: Buffer): boolean {
  for (const b of name) if (b < 0x21 || b > 0x7e) return false;
  return true;
}
export const BAD_CLIENT_NAME = 'ERR Client names cannot contain spaces, newlines or special characters.';

function auth(call: CommandCall, acl: Acl): void {
  const { args, w, conn } = call;
  if (args.length > 3) return void w.error('ERR syntax error');
  if (args.length === 2 && acl.defaultUserNoPass()) {
    return void w.error(
      'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    );
  }
  const user = args.length === 3 ? args[1] : Buffer.from('default');
  if (acl.authenticate(call, user, args[args.length - 1])) {
    w.ok();
  } else {
    call.ctx.log.verbose(`Authentication failed for client id=${conn.id}`);
    w.error(WRONGPASS);
  }
}

function hello(call: CommandCall, acl: Acl): void {
  const { args, w, conn } = call;
  let proto = conn.resp;
  let i = 1;
  if (args.length > 1) {
    const v = string2ll(args[1]);
    if (v === null) return void w.error('ERR Protocol version is not an integer or out of range');
    if (v < 2n || v > 3n) return void w.error('NOPROTO unsupported protocol version');
    proto = Number(v);
    i = 2;
  }
  let name: Buffer | undefined;
  let authUser: Buffer | undefined;
  let authPass: Buffer | undefined;
  for (; i < args.length; i++) {
    const opt = args[i].toString().toLowerCase();
    const left = args.length - i - 1;
    if (opt === 'auth' && left >= 2) {
      authUser = args[i + 1];
      authPass = args[i + 2];
      i += 2;
    } else if (opt === 'setname' && left >= 1) {
      name = args[i + 1];
      if (!validClientName(name)) return void w.error(BAD_CLIENT_NAME);
      i += 1;
    } else {
      return void w.error(`ERR Syntax error in HELLO option '${args[i].toString()}'`);
    }
  }
  if (authUser !== undefined && authPass !== undefined) {
    if (!acl.authenticate(call, authUser, authPass)) return void w.error(WRONGPASS);
  }
  if (!conn.authenticated) {
    return void w.error(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  }
  if (name !== undefined) conn.name = name.toString('latin1');
  conn.setResp(proto);
  const r = conn.writer();
  r.map(7);
  r.bulk('server').bulk('redis');
  r.bulk('version').bulk(VERSION);
  r.bulk('proto').int(proto);
  r.bulk('id').int(conn.id);
  r.bulk('mode').bulk('standalone');
  r.bulk('role').bulk('master');
  r.bulk('modules').array(0);
  w.raw(r.toBuffer());
}

function quit(call: CommandCall): void {
  call.w.ok();
  call.conn.requestClose();
}

/** RESET: Redis's clearClientConnectionState, feature by feature. */
function reset(call: CommandCall, features: ResetFeatures): void {
  const { conn, ctx } = call;
  conn.setResp(2);
  ctx.native.setClient(conn.slot, ClientField.Multi, 0);
  ctx.native.setClient(conn.slot, ClientField.Db, 0);
  ctx.native.setClient(conn.slot, ClientField.Reply, ReplyMode.On);
  conn.replyMode = ReplyMode.On;
  features.pubsub.unsubscribeAll(conn);
  features.tracking.disable(conn);
  features.monitor.stop(conn);
  conn.name = '';
  features.acl.setDefaultAuth(conn);
  call.w.simple('RESET');
}

export function registerConnectionCommands(r: CommandRegistry, features: ResetFeatures): void {
  r.register('auth', (call) => auth(call, features.acl));
  r.register('hello', (call) => hello(call, features.acl));
  r.register('quit', quit);
  r.register('reset', (call) => reset(call, features));
}
