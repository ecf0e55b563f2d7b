/**
 * The command table as ACLs see it (Redis's orig_commands): every command
 * and subcommand Redis 7.0 knows, whether Tachyon implements it or not, with
 * the id its bit has in a selector's bitmap (the addon's command id, the
 * index in kCommandSpecs) and its ACL categories. Renamed commands keep
 * their original names here, as in Redis.
 */
import { lookupByFullName } from '../commands/table';

/** ACL categories in Redis's order (ACL CAT, and the order the describe loop tries them). */
export const CATEGORIES = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
] as const;

/** The category's bit (1 << its index), or 0 when there is no such category (case-insensitive). */
export function categoryBit(name: string): number {
  const i = (CATEGORIES as readonly string[]).indexOf(asciiLower(name));
  return i < 0 ? 0 : 1 << i;
}

export interface AclCommand {
  readonly id: number;
  /** Lowercase full name: "get", "config|get". */
  readonly name: string;
  /** Category bits (categoryBit). */
  readonly categories: number;
  readonly arity: number;
  readonly parent: AclCommand | undefined;
  readonly subs: AclCommand[];
}

export class AclCommandTable {
  /** By id. */
  readonly byId: AclCommand[] = [];
  /** Top-level commands, in table order (their subcommands follow each in byId). */
  readonly top: AclCommand[] = [];
  private readonly byName = new Map<string, AclCommand>();

  /** `names`: full names by command id, as the addon numbers them (commandNames()). */
  constructor(names: readonly string[]) {
    for (let id = 0; id < names.length; id++) {
      const name = names[id];
      const meta = lookupByFullName(name)?.meta;
      if (!meta) throw new Error(`ACL command table: '${name}' is not in commands.gen.json`);
      let categories = 0;
      for (const c of meta.acl_categories) categories |= categoryBit(c.slice(1));
      const bar = name.indexOf('|');
      const parent = bar < 0 ? undefined : this.byName.get(name.slice(0, bar));
      const cmd: AclCommand = { id, name, categories, arity: meta.arity, parent, subs: [] };
      this.byId.push(cmd);
      this.byName.set(name, cmd);
      if (parent) parent.subs.push(cmd);
      else this.top.push(cmd);
    }
  }

  /** Number of command ids; a bitmap has one more bit (the "future commands" bit of +@all). */
  get count(): number {
    return this.byId.length;
  }

  /** ACLLookupCommand: "name" or "container|sub", case-insensitively. */
  lookup(name: string): AclCommand | undefined {
    const parts = name.split('|');
    if (parts.length > 2) return undefined;
    const base = this.byName.get(asciiLower(parts[0]));
    if (!base || parts.length === 1) return base;
    if (base.subs.length === 0) return undefined;
    return this.byName.get(`${base.name}|${asciiLower(parts[1])}`);
  }

  /** Every command, each container followed by its subcommands. */
  all(): readonly AclCommand[] {
    return this.byId;
  }
}

/** Lowercases ASCII letters only (C's tolower in the C locale). */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}
