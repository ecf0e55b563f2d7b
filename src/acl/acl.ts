/**
 * Access control as Redis 7.0 (acl.c): the users, the `default` user and
 * requirepass, `user` lines in redis.conf and the aclfile, ACL (CAT DELUSER
 * DRYRUN GETUSER GENPASS LIST LOAD LOG SAVE SETUSER USERS WHOAMI HELP),
 * AUTH and HELLO AUTH, ACL LOG, and what changing users does to connected
 * clients (deleted users' clients are disconnected, subscribers that lose a
 * channel are killed).
 *
 * Enforcement is native: every user's permissions are compiled and pushed to
 * the addon (native/server/acl.h), which checks each command, its keys and
 * its channels before the body runs, at MULTI and EXEC, and in scripts. The
 * addon reports refusals as events (EventKind.AclDenied) for ACL LOG.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { ClientField, EventKind } from '../boundary.gen';
import { dispatchSubcommand, replyHelp, subcommandSyntaxError } from '../commands/registry';
import type { CommandCall, CommandRegistry, Handler } from '../commands/registry';
import { ConfigError, type Config, type ConfigDirective } from '../config/config';
import { strerror } from '../config/options';
import { formatFatalConfigError } from '../config/parse';
import type { ServerContext } from '../context';
import type { PubSub } from '../features/pubsub';
import type { Connection } from '../network/connection';
import { LoggedError } from '../log';
import { globMatch } from '../util/glob';
import { string2ll } from '../util/integers';
import { AclCommandTable, CATEGORIES, categoryBit } from './commands';
import { AclError } from './errors';
import { AclLog, AclReason } from './log';
import { SELECTOR_ALLCHANNELS, hasSpaces } from './selector';
import { USER_DISABLED, USER_NOPASS, User, mergeSelectorArgs, type UserEnv } from './user';

/** What the ACL feature needs from the rest of the server. */
export interface AclServices {
  readonly pubsub: PubSub;
  /** The CLIENT LIST line of a connection (ACL LOG client-info). */
  clientInfo(conn: Connection): string;
}

const NO_ACLFILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';
const GENPASS_MAX_BITS = 4096;

/** A byte string (one latin1 character per byte) from an argument. */
const bytes = (b: Buffer): string => b.toString('latin1');
const bulk = (s: string): Buffer => Buffer.from(s, 'latin1');
const lower = (b: Buffer): string => b.toString('latin1').toLowerCase();

export class Acl {
  readonly table: AclCommandTable;
  readonly log: AclLog;
  private users = new Map<string, User>();
  /** The default user: one object for the server's life (ACL LOAD copies into it). */
  readonly defaultUser: User;
  private nextHandle = 2;
  private readonly env: UserEnv;
  private readonly config: Config;

  constructor(
    private readonly ctx: ServerContext,
    private readonly services: AclServices,
  ) {
    this.config = ctx.config;
    this.table = new AclCommandTable(ctx.native.commandNames());
    this.log = new AclLog(() => this.config.get('acllog-max-len') as number);
    this.env = {
      table: this.table,
      pubsubDefault: () => ((this.config.get('acl-pubsub-default') as string) === 'allchannels' ? SELECTOR_ALLCHANNELS : 0),
    };
    this.defaultUser = this.createDefaultUser();
    this.defaultUser.handle = 1; // the addon's default user (native/server/server.h)
    this.users.set('default', this.defaultUser);
    this.updateDefaultPassword();
    this.push(this.defaultUser);
    ctx.events.on(EventKind.AclDenied, (reason, clientId, context, strings) => {
      const conn = ctx.clients.get(clientId);
      this.addLogEntry(reason as AclReason, context, strings[0] ?? Buffer.alloc(0), conn ? conn.user : 'default', conn);
    });
    this.config.onChange('requirepass', () => {
      this.updateDefaultPassword();
      this.push(this.defaultUser);
    });
    this.config.directiveRewriters.set('user', (state) => {
      // With an aclfile the users live there, never in redis.conf.
      if (this.config.get('aclfile')) return state.markProcessed('user');
      for (const u of this.sortedUsers()) state.rewriteLine('user', `user ${u.name} ${u.describe()}`, true);
      state.markProcessed('user');
    });
  }

  /** ACLCreateDefaultUser: +@all ~* &* on nopass. */
  private createDefaultUser(): User {
    const u = new User('default', this.env);
    for (const op of ['+@all', '~*', '&*', 'on', 'nopass']) u.apply(op);
    return u;
  }

  /** requirepass is the default user's password (ACLUpdateDefaultUserPassword). */
  private updateDefaultPassword(): void {
    const pass = this.config.get('requirepass') as string;
    this.defaultUser.apply('resetpass');
    this.defaultUser.apply(pass === '' ? 'nopass' : `>${Buffer.from(pass, 'utf8').toString('latin1')}`);
  }

  // -------------------------------------------------------------------------
  // Startup: `user` lines of redis.conf, then the aclfile (ACLLoadUsersAtStartup)
  // -------------------------------------------------------------------------

  /** Throws ConfigError (a bad `user` line) or Error (logged, like Redis's exit(1)). */
  loadAtStartup(): void {
    const directives = this.config.userDirectives;
    const seen = new Set<string>();
    const pending: { name: string; rules: string[] }[] = [];
    for (const d of directives) {
      const argv = ['user', ...d.args.map(configBytes)];
      const fail = (idx: number, err: AclError): never => {
        throw new ConfigError(formatFatalConfigError(`Error in user declaration '${argv[idx]}': ${err}`, d.lineNumber, d.line));
      };
      if (seen.has(argv[1])) fail(1, AclError.DuplicateUser);
      const merged = mergeSelectorArgs(argv.slice(2));
      if ('openedAt' in merged) fail(merged.openedAt, AclError.Syntax);
      const rules = (merged as { merged: string[] }).merged;
      const fake = new User('__fakeuser__', this.env);
      for (let j = 0; j < rules.length; j++) {
        const err = fake.apply(rules[j]);
        // Unknown commands wait for the final load (modules could add them in Redis).
        if (err !== null && err !== AclError.UnknownCommand) fail(j, err);
      }
      seen.add(argv[1]);
      pending.push({ name: argv[1], rules });
    }
    const aclfile = this.config.get('aclfile') as string;
    if (aclfile !== '' && pending.length > 0) {
      this.fatal(
        'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.',
      );
    }
    for (const { name, rules } of pending) {
      if (hasSpaces(name)) this.fatal('Spaces not allowed in ACL usernames');
      let u = this.users.get(name);
      if (u) u.apply('reset'); // only `default` can already exist
      else u = this.install(new User(name, this.env));
      for (const rule of rules) {
        const err = u.apply(rule);
        if (err !== null) {
          this.ctx.log.warning(`Error loading ACL rule '${rule}' for the user named '${name}': ${err}`);
          this.fatal('Critical error while loading ACLs. Exiting.');
        }
      }
      if (u.flags & USER_DISABLED) {
        this.ctx.log.notice(
          `The user '${name}' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.`,
        );
      }
      this.push(u);
    }
    if (aclfile !== '') {
      const errors = this.loadFile();
      if (errors !== null) this.fatal(`Aborting Redis startup because of ACL errors: ${errors}`);
    }
  }

  private fatal(message: string): never {
    this.ctx.log.warning(message);
    throw new LoggedError(message);
  }

  // -------------------------------------------------------------------------
  // Users
  // -------------------------------------------------------------------------

  private sortedUsers(): User[] {
    return [...this.users.keys()].sort().map((n) => this.users.get(n) as User);
  }

  getUser(name: string): User | undefined {
    return this.users.get(name);
  }

  /** Adds a user to the table with a fresh addon handle. */
  private install(u: User): User {
    u.handle = this.nextHandle++;
    this.users.set(u.name, u);
    return u;
  }

  /** Pushes a user's compiled permissions to the addon (and the default user's auth requirement). */
  private push(u: User): void {
    this.ctx.native.setAclUser(u.handle, u.compile());
    if (u === this.defaultUser) this.ctx.native.configure('requirepass', this.authRequired());
  }

  /** Redis's authRequired() for a client that has not authenticated: the default user needs a password or is off. */
  authRequired(): boolean {
    const f = this.defaultUser.flags;
    return !(f & USER_NOPASS) || (f & USER_DISABLED) !== 0;
  }

  /** Whether the default user has no password (protected mode then refuses remote clients). */
  defaultUserNoPass(): boolean {
    return (this.defaultUser.flags & USER_NOPASS) !== 0;
  }

  /** Redis's clientSetDefaultAuth: a new connection (or RESET) is the default user, authenticated if it needs no password. */
  setDefaultAuth(conn: Connection): void {
    this.setUser(conn, this.defaultUser, !this.authRequired(), conn.user !== 'default');
  }

  private setUser(conn: Connection, u: User, authenticated: boolean, pushHandle = true): void {
    conn.user = u.name;
    if (pushHandle) this.ctx.native.setClient(conn.slot, ClientField.User, u.handle);
    conn.setAuthenticated(authenticated);
  }

  /** ACLAuthenticateUser: logs in as `username`, or records the failure in ACL LOG. */
  authenticate(call: CommandCall, username: Buffer, password: Buffer): boolean {
    const name = bytes(username);
    const u = this.users.get(name);
    if (u && u.checkPassword(bytes(password))) {
      this.setUser(call.conn, u, true);
      return true;
    }
    this.addLogEntry(AclReason.Auth, call.inExec ? 'multi' : 'toplevel', call.args[0], name, call.conn);
    return false;
  }

  private addLogEntry(reason: AclReason, context: string, object: Buffer, username: string, conn?: Connection): void {
    this.log.add({
      reason,
      context,
      object,
      username,
      clientInfo: conn ? this.services.clientInfo(conn) : '',
    });
  }

  /**
   * ACLFreeUserAndKillClients: the user's connections go back to the
   * unauthenticated default user and are closed (the current one after its reply).
   */
  private killClientsOf(name: string, current?: Connection): void {
    for (const c of [...this.ctx.clients.values()]) {
      if (c.user !== name || c.closing) continue;
      this.setUser(c, this.defaultUser, false);
      if (c === current) c.requestClose();
      else c.destroy();
    }
  }

  /**
   * ACLKillPubsubClientsIfNeeded: subscribers of `original` that the
   * changed user no longer allows on one of their channels or patterns are killed.
   */
  private killPubsubClientsIfNeeded(changed: User, original: User, current: Connection): void {
    if (changed.selectors.some((s) => s.flags & SELECTOR_ALLCHANNELS)) return;
    const upcoming = changed.selectors.flatMap((s) => s.channels);
    const superset = original.selectors.every((s) => s.channels.every((c) => upcoming.includes(c)));
    if (superset) return;
    const { pubsub } = this.services;
    const allowed = (channel: string, literal: boolean): boolean =>
      upcoming.some((p) => (literal ? p === channel : globMatch(bulk(p), bulk(channel))));
    for (const c of [...this.ctx.clients.values()]) {
      if (c.user !== original.name || c.closing || !pubsub.isPubSubClient(c)) continue;
      const subs = pubsub.subscriptionsOf(c);
      const kill =
        subs.patterns.some((p) => !allowed(p, true)) ||
        subs.channels.some((ch) => !allowed(ch, false)) ||
        subs.shard.some((ch) => !allowed(ch, false));
      if (!kill) continue;
      if (c === current) c.requestClose();
      else c.destroy();
    }
  }

  // -------------------------------------------------------------------------
  // The aclfile
  // -------------------------------------------------------------------------

  /** ACLLoadFromFile: null when loaded, else the errors (nothing is changed then). */
  loadFile(current?: Connection): string | null {
    const filename = this.config.get('aclfile') as string;
    let text: string;
    try {
      text = fs.readFileSync(this.config.resolvePath(filename)).toString('latin1');
    } catch (e) {
      return `Error loading ACLs, opening file '${filename}': ${strerror(e)}`;
    }
    let errors = '';
    const loaded = new Map<string, User>();
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const linenum = i + 1;
      const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line === '') continue;
      const argv = line.split(' ');
      if (argv[0] !== 'user' || argv.length < 2) {
        errors += `${filename}:${linenum} should start with user keyword followed by the username. `;
        continue;
      }
      if (hasSpaces(argv[1])) {
        errors += `'${filename}:${linenum}: username '${argv[1]}' contains invalid characters. `;
        continue;
      }
      if (loaded.has(argv[1])) {
        errors += `WARNING: Duplicate user '${argv[1]}' found on line ${linenum}. `;
        continue;
      }
      const u = new User(argv[1], this.env);
      loaded.set(argv[1], u);
      const merged = mergeSelectorArgs(argv.slice(2));
      if ('openedAt' in merged) {
        errors += `${filename}:${linenum}: Unmatched parenthesis in selector definition.`;
        continue;
      }
      let syntaxError = false;
      for (const raw of merged.merged) {
        const rule = raw.replace(/^[\t\r\n]+|[\t\r\n]+$/g, '');
        const err = u.apply(rule);
        // An unknown command is named; of the other errors only a line's first is reported.
        if (err === AclError.UnknownCommand) errors += `${filename}:${linenum}: Error in applying operation '${rule}': ${err}. `;
        else if (err !== null && !syntaxError) {
          errors += `${filename}:${linenum}: ${err}. `;
          syntaxError = true;
        }
      }
    }
    if (errors !== '') {
      return `${errors}WARNING: ACL errors detected, no change to the previously active ACL rules was performed`;
    }
    // Every old user's clients are disconnected; the default user object stays and takes the new rules.
    const newDefault = loaded.get('default') ?? this.createDefaultUser();
    loaded.delete('default');
    const old = this.users;
    this.users = new Map([['default', this.defaultUser]]);
    this.defaultUser.copyFrom(newDefault);
    this.push(this.defaultUser);
    for (const [name, u] of old) {
      if (name === 'default') continue;
      this.killClientsOf(name, current);
      this.ctx.native.setAclUser(u.handle, null);
    }
    for (const u of loaded.values()) this.push(this.install(u));
    return null;
  }

  /** ACLSaveToFile: every user, atomically (a temporary file renamed over the old one). */
  private saveFile(): boolean {
    const file = this.config.resolvePath(this.config.get('aclfile') as string);
    let content = '';
    for (const u of this.sortedUsers()) content += `user ${u.name} ${u.describe()}\n`;
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    try {
      fs.writeFileSync(tmp, Buffer.from(content, 'latin1'), { mode: 0o644 });
      fs.renameSync(tmp, file);
      return true;
    } catch (e) {
      this.ctx.log.warning(`Writing ACL file for ACL SAVE: ${strerror(e)}`);
      try {
        fs.unlinkSync(tmp);
      } catch {
        // not created
      }
      return false;
    }
  }

  // -------------------------------------------------------------------------
  // Commands
  // -------------------------------------------------------------------------

  register(r: CommandRegistry): void {
    const subs = new Map<string, Handler>([
      ['setuser', (c) => this.setuser(c)],
      ['deluser', (c) => this.deluser(c)],
      ['getuser', (c) => this.getuser(c)],
      ['list', (c) => this.list(c, false)],
      ['users', (c) => this.list(c, true)],
      ['whoami', (c) => void c.w.bulk(bulk(c.conn.user))],
      ['load', (c) => this.load(c)],
      ['save', (c) => this.save(c)],
      ['cat', (c) => this.cat(c)],
      ['genpass', (c) => this.genpass(c)],
      ['log', (c) => this.logCommand(c)],
      ['dryrun', (c) => this.dryrun(c)],
      ['help', (c) => this.help(c)],
    ]);
    r.register('acl', (call) => dispatchSubcommand(call, 'ACL', subs));
    for (const [name, handler] of subs) r.register(`acl|${name}`, handler);
  }

  private setuser(call: CommandCall): void {
    const { args, w } = call;
    const name = bytes(args[2]);
    if (hasSpaces(name)) return void w.error("ERR Usernames can't contain spaces or null characters");
    const merged = mergeSelectorArgs(args.slice(3).map(bytes));
    if ('openedAt' in merged) {
      return void w.error(
        Buffer.from(`ERR Unmatched parenthesis in acl selector starting at '${bytes(args[merged.openedAt + 3])}'.`, 'latin1'),
      );
    }
    const existing = this.users.get(name);
    const temp = existing ? existing.clone() : new User(name, this.env);
    for (const op of merged.merged) {
      const err = temp.apply(op);
      if (err !== null) return void w.error(Buffer.from(`ERR Error in ACL SETUSER modifier '${op}': ${err}`, 'latin1'));
    }
    if (existing) this.killPubsubClientsIfNeeded(temp, existing, call.conn);
    const u = existing ?? this.install(new User(name, this.env));
    u.copyFrom(temp);
    this.push(u);
    w.ok();
  }

  private deluser(call: CommandCall): void {
    const { args, w } = call;
    for (let j = 2; j < args.length; j++) {
      if (bytes(args[j]) === 'default') return void w.error("ERR The 'default' user cannot be removed");
    }
    let deleted = 0;
    for (let j = 2; j < args.length; j++) {
      const name = bytes(args[j]);
      const u = this.users.get(name);
      if (!u) continue;
      this.users.delete(name);
      this.killClientsOf(name, call.conn);
      this.ctx.native.setAclUser(u.handle, null);
      deleted++;
    }
    w.int(deleted);
  }

  private getuser(call: CommandCall): void {
    const { args, w } = call;
    if (args.length !== 3) return subcommandSyntaxError(call, 'ACL');
    const u = this.users.get(bytes(args[2]));
    if (!u) return void w.null();
    w.map(6);
    const flags = u.flagNames();
    w.bulk('flags').set(flags.length);
    for (const f of flags) w.bulk(f);
    w.bulk('passwords').array(u.passwords.length);
    for (const p of u.passwords) w.bulk(p);
    writeSelector(w, u.root);
    w.bulk('selectors').array(u.selectors.length - 1);
    for (const s of u.selectors.slice(1)) {
      w.map(3);
      writeSelector(w, s);
    }
  }

  private list(call: CommandCall, namesOnly: boolean): void {
    const { w } = call;
    if (call.args.length !== 2) return subcommandSyntaxError(call, 'ACL');
    const users = this.sortedUsers();
    w.array(users.length);
    for (const u of users) w.bulk(bulk(namesOnly ? u.name : `user ${u.name} ${u.describe()}`));
  }

  private load(call: CommandCall): void {
    if (this.config.get('aclfile') === '') return void call.w.error(NO_ACLFILE);
    if (call.args.length !== 2) return subcommandSyntaxError(call, 'ACL');
    const errors = this.loadFile(call.conn);
    if (errors === null) call.w.ok();
    else call.w.error(Buffer.from(`ERR ${errors}`, 'latin1'));
  }

  private save(call: CommandCall): void {
    if (this.config.get('aclfile') === '') return void call.w.error(NO_ACLFILE);
    if (call.args.length !== 2) return subcommandSyntaxError(call, 'ACL');
    if (this.saveFile()) call.w.ok();
    else call.w.error('ERR There was an error trying to save the ACLs. Please check the server logs for more information');
  }

  private cat(call: CommandCall): void {
    const { args, w } = call;
    if (args.length === 2) {
      w.array(CATEGORIES.length);
      for (const c of CATEGORIES) w.bulk(c);
      return;
    }
    if (args.length !== 3) return subcommandSyntaxError(call, 'ACL');
    const bit = categoryBit(bytes(args[2]));
    if (!bit) return void w.error(Buffer.from(`ERR Unknown category '${bytes(args[2]).slice(0, 128)}'`, 'latin1'));
    const names = this.table.all().filter((c) => c.categories & bit);
    w.array(names.length);
    for (const c of names) w.bulk(c.name);
  }

  private genpass(call: CommandCall): void {
    const { args, w } = call;
    if (args.length > 3) return subcommandSyntaxError(call, 'ACL');
    let bits = 256;
    if (args.length === 3) {
      const v = string2ll(args[2]);
      if (v === null) return void w.error('ERR value is not an integer or out of range');
      bits = v > 1000000n ? 1000000 : v < -1000000n ? -1 : Number(v);
    }
    if (bits <= 0 || bits > GENPASS_MAX_BITS) {
      return void w.error(
        `ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to ${GENPASS_MAX_BITS}`,
      );
    }
    const chars = Math.floor((bits + 3) / 4);
    w.bulk(crypto.randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars));
  }

  private logCommand(call: CommandCall): void {
    const { args, w } = call;
    if (args.length > 3) return subcommandSyntaxError(call, 'ACL');
    let count = 10;
    if (args.length === 3) {
      if (lower(args[2]) === 'reset') {
        this.log.reset();
        return void w.ok();
      }
      const v = string2ll(args[2]);
      if (v === null) return void w.error('ERR value is not an integer or out of range');
      count = v < 0n ? 0 : v > 1000000000n ? 1000000000 : Number(v);
    }
    this.log.write(w, count);
  }

  private dryrun(call: CommandCall): void {
    const { args, w } = call;
    const u = this.users.get(bytes(args[2]));
    if (!u) return void w.error(Buffer.from(`ERR User '${bytes(args[2])}' not found`, 'latin1'));
    const argv = args.slice(3);
    // Looked up by the dispatcher: renamed commands go by their new names, as in Redis.
    const r = this.ctx.native.aclCheck(u.handle, argv);
    if (r === -1) return void w.error(Buffer.from(`ERR Command '${bytes(args[3])}' not found`, 'latin1'));
    const [result, pos, id] = r;
    const meta = this.table.byId[id];
    const arity = meta.arity;
    if ((arity > 0 && arity !== argv.length) || argv.length < -arity) {
      return void w.error(`ERR wrong number of arguments for '${meta.name}' command`);
    }
    if (result === AclReason.Command) w.bulk(`This user has no permissions to run the '${meta.name}' command`);
    else if (result === AclReason.Key) w.bulk(Buffer.from(`This user has no permissions to access the '${bytes(argv[pos])}' key`, 'latin1'));
    else if (result === AclReason.Channel) {
      w.bulk(Buffer.from(`This user has no permissions to access the '${bytes(argv[pos])}' channel`, 'latin1'));
    } else w.ok();
  }

  private help(call: CommandCall): void {
    if (call.args.length !== 2) return subcommandSyntaxError(call, 'ACL');
    replyHelp(call.w, 'ACL', [
      'CAT [<category>]',
      '    List all commands that belong to <category>, or all command categories',
      '    when no category is specified.',
      'DELUSER <username> [<username> ...]',
      '    Delete a list of users.',
      'DRYRUN <username> <command> [<arg> ...]',
      '    Returns whether the user can execute the given command without executing the command.',
      'GETUSER <username>',
      "    Get the user's details.",
      'GENPASS [<bits>]',
      '    Generate a secure 256-bit user password. The optional `bits` argument can',
      '    be used to specify a different size.',
      'LIST',
      '    Show users details in config file format.',
      'LOAD',
      '    Reload users from the ACL file.',
      'LOG [<count> | RESET]',
      '    Show the ACL log entries.',
      'SAVE',
      '    Save the current config to the ACL file.',
      'SETUSER <username> <attribute> [<attribute> ...]',
      '    Create or modify a user with the specified attributes.',
      'USERS',
      '    List all the registered usernames.',
      'WHOAMI',
      '    Return the current connection username.',
    ]);
  }
}

function writeSelector(w: CommandCall['w'], s: import('./selector').Selector): void {
  w.bulk('commands').bulk(bulk(s.describeCommands()));
  w.bulk('keys').bulk(bulk(s.describeKeys()));
  w.bulk('channels').bulk(bulk(s.describeChannels()));
}

/** A config argument (decoded as UTF-8 when valid) back to a byte string. */
function configBytes(arg: string): string {
  return Buffer.from(arg, 'utf8').toString('latin1');
}

export type { ConfigDirective };
