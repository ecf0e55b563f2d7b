/**
 * The commands TypeScript owns (connection state, configuration, introspection,
 * later pub/sub, blocking and persistence). The native dispatcher has already
 * checked existence, arity and authentication before a handler here runs.
 */
import type { Connection } from '../network/connection';
import { RespWriter } from '../protocol/resp-writer';
import { observeJsCommand } from './monitor';
import type { TachyonServer } from '../server';

export interface CommandCall {
  server: TachyonServer;
  conn: Connection;
  /** Arguments as sent; args[0] is the command name. */
  args: Buffer[];
  /** Lowercase full name: "config|get". */
  name: string;
  w: RespWriter;
}

export type Handler = (call: CommandCall) => void;

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

export class CommandRegistry {
  private readonly handlers = new Map<string, Handler>();

  register(name: string, handler: Handler): void {
    this.handlers.set(name, handler);
  }

  names(): string[] {
    return [...this.handlers.keys()];
  }

  has(name: string): boolean {
    return this.handlers.has(name);
  }

  /** Runs a handed-over command and returns its encoded reply. */
  run(conn: Connection, args: Buffer[]): Buffer {
    const server = conn.server;
    let name = args[0].toString('latin1').toLowerCase();
    if (args.length > 1) {
      // A subcommand's own handler wins, so statistics land under "client|list".
      const full = `${name}|${args[1].toString('latin1').toLowerCase()}`;
      if (this.handlers.has(full)) name = full;
    }
    const handler = this.handlers.get(name);
    const w = new RespWriter(conn.resp);
    const start = process.hrtime.bigint();
    if (!handler) {
      // The native table said TypeScript owns it: a missing handler is a bug, not a user error.
      w.error(`ERR command '${name}' is not available`);
    } else {
      const call = { server, conn, args, name, w };
      try {
        handler(call);
      } catch (e) {
        server.log.warning(`Error in command '${name}': ${(e as Error).stack ?? e}`);
        w.error(`ERR ${(e as Error).message}`);
      }
      observeJsCommand(call); // MONITOR sees TypeScript-owned commands too
    }
    const usec = Number((process.hrtime.bigint() - start) / 1000n);
    const out = w.toBuffer();
    server.native.recordCall(name, usec, out.length > 0 && out[0] === 0x2d ? firstLine(out) : '');
    return out;
  }
}

function firstLine(b: Buffer): string {
  const end = b.indexOf('\r\n');
  return b.subarray(1, end < 0 ? b.length : end).toString('latin1');
}
