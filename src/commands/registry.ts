/**
 * The commands TypeScript owns: each module (and each feature) registers a
 * handler per lowercase full name ("config|get"); the native dispatcher hands
 * those commands over (see native/server/server.h), after it has checked
 * existence, arity and authentication, and run() executes them here.
 */
import type { ServerContext } from '../context';
import type { Connection } from '../network/connection';
import { RespWriter } from '../protocol/resp-writer';
import { redactedIndexes } from './redact';

export interface CommandCall {
  ctx: ServerContext;
  conn: Connection;
  /** Arguments as sent; args[0] is the command name. */
  args: Buffer[];
  /** Lowercase full name: "config|get". */
  name: string;
  w: RespWriter;
  /** EXEC is running this command from a transaction (Redis's CLIENT_DENY_BLOCKING). */
  inExec: boolean;
  /** Arguments SLOWLOG must show as "(redacted)" (passwords); set by the handler. */
  redacted?: number[];
}

export type Handler = (call: CommandCall) => void;

/** Told about every command TypeScript ran, after its handler and before its reply is sent. */
export type CallObserver = (call: CommandCall) => void;

/** Help replies: Redis's layout (a header line, then the entries), our own words. */
export function replyHelp(w: RespWriter, command: string, lines: string[]): void {
  const all = [
    `${command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`,
    ...lines,
    'HELP',
    '    Print this help.',
  ];
  w.array(all.length);
  for (const l of all) w.simple(l);
}

/** Redis's addReplySubcommandSyntaxError: a subcommand with arguments it does not take. */
export function subcommandSyntaxError(call: CommandCall, container: string): void {
  const sub = call.args[1].toString('latin1').slice(0, 128);
  call.w.error(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${container} HELP.`);
}

/**
 * Runs the subcommand handler for a container command whose top-level name is
 * registered too (COMMAND, CLIENT). CommandRegistry.run picks the top-level
 * handler whenever one exists, so subcommands arrive here; the native
 * dispatcher has already rejected unknown subcommands and bad arities.
 */
export function dispatchSubcommand(call: CommandCall, container: string, subs: Map<string, Handler>): void {
  const subName = call.args[1].toString('latin1').toLowerCase();
  const handler = subs.get(subName);
  if (!handler) {
    return void call.w.error(
      `ERR unknown subcommand '${call.args[1].toString('latin1').slice(0, 128)}'. Try ${container} HELP.`,
    );
  }
  const name = `${container.toLowerCase()}|${subName}`;
  handler({ ...call, name });
}

export class CommandRegistry {
  private readonly handlers = new Map<string, Handler>();
  private observer: CallObserver | undefined;
  private execDepth = 0;

  constructor(private readonly ctx: ServerContext) {}

  /** Whether EXEC is running a queued TypeScript command right now. */
  get inExec(): boolean {
    return this.execDepth > 0;
  }

  register(name: string, handler: Handler): void {
    this.handlers.set(name, handler);
  }

  /** Names given by rename-command -> the commands' own names. */
  private readonly renamed = new Map<string, string>();

  /** rename-command: the command `from` is sent as `to` from now on (the dispatcher knows it too). */
  rename(from: string, to: string): void {
    if (to !== '') this.renamed.set(to, from);
  }

  names(): string[] {
    return [...this.handlers.keys()];
  }

  has(name: string): boolean {
    return this.handlers.has(name);
  }

  /** Sets the one observer of TypeScript-run commands (MONITOR and the command stream). */
  observe(observer: CallObserver): void {
    this.observer = observer;
  }

  /** Runs a command queued in MULTI, for EXEC (the addon's JsExecutor). */
  runQueued(conn: Connection, args: Buffer[]): Buffer {
    this.execDepth++;
    try {
      return this.run(conn, args);
    } finally {
      this.execDepth--;
    }
  }

  /** The pub/sub frames of the last reply run() returned (see RespWriter.pushing), then cleared. */
  takePushes(): Buffer | undefined {
    const p = this.pushes;
    this.pushes = undefined;
    return p;
  }

  private pushes: Buffer | undefined;

  /** Runs a handed-over command and returns its encoded reply. */
  run(conn: Connection, args: Buffer[]): Buffer {
    const { ctx } = this;
    let name = args[0].toString('latin1').toLowerCase();
    if (this.renamed.size > 0) name = this.renamed.get(name) ?? name;
    if (args.length > 1) {
      // A subcommand's own handler wins, so statistics land under "client|list".
      const full = `${name}|${args[1].toString('latin1').toLowerCase()}`;
      if (this.handlers.has(full)) name = full;
    }
    const handler = this.handlers.get(name);
    const w = new RespWriter(conn.resp);
    const start = process.hrtime.bigint();
    let redacted: number[] | undefined;
    if (!handler) {
      // The native table said TypeScript owns it: a missing handler is a bug, not a user error.
      w.error(`ERR command '${name}' is not available`);
    } else {
      const call: CommandCall = { ctx, conn, args, name, w, inExec: this.execDepth > 0 };
      try {
        handler(call);
      } catch (e) {
        ctx.log.warning(`Error in command '${name}': ${(e as Error).stack ?? e}`);
        w.error(`ERR ${(e as Error).message}`);
      }
      redacted = call.redacted ?? redactedIndexes(name, args);
      this.observer?.(call); // MONITOR sees TypeScript-owned commands too
    }
    const usec = Number((process.hrtime.bigint() - start) / 1000n);
    const out = w.toBuffer();
    this.pushes = w.pushes ? Buffer.concat(w.pushes) : undefined;
    if (!conn.closing || ctx.clients.get(conn.id) === conn) {
      ctx.native.recordCall(conn.slot, name, usec, out.length > 0 && out[0] === 0x2d ? firstLine(out) : '', redacted);
    }
    return out;
  }
}

function firstLine(b: Buffer): string {
  const end = b.indexOf('\r\n');
  return b.subarray(1, end < 0 ? b.length : end).toString('latin1');
}
