/**
 * An ACL selector (Redis 7.0's aclSelector): which commands, keys and
 * channels it allows. A user has a root selector (the rules outside
 * parentheses) and any number of "(...)" selectors; a command runs when one
 * of them allows it.
 *
 * Strings here are "byte strings": each character is one byte (latin1), so
 * patterns and arguments round-trip exactly to the addon and to files.
 */
import { splitArgsBytes } from '../config/parse';
import { AclCommandTable, CATEGORIES, asciiLower, categoryBit, type AclCommand } from './commands';
import { AclError } from './errors';

export const SELECTOR_ALLKEYS = 1;
export const SELECTOR_ALLCHANNELS = 2;
export const SELECTOR_ALLCOMMANDS = 4;
/** The user's root selector (never shown in parentheses). */
export const SELECTOR_ROOT = 8;

export const PERM_READ = 1;
export const PERM_WRITE = 2;
export const PERM_ALL = PERM_READ | PERM_WRITE;

export interface KeyPattern {
  pattern: string;
  perms: number;
}

/** What the addon takes for one selector (see native/binding/security_binding.h). */
export type CompiledSelector = [number, Uint8Array, [number, Buffer[]][], [Buffer, number][], Buffer[]];

/** Redis's ACLStringHasSpaces: isspace() or NUL. */
export function hasSpaces(s: string): boolean {
  return /[\x00\t\n\v\f\r ]/.test(s);
}

export class Selector {
  flags: number;
  /** One bit per command id, plus the "future commands" bit at index table.count. */
  bits: Uint32Array;
  /** Command id -> first arguments allowed while the command itself is not (+select|0). */
  firstargs: Map<number, string[]> | null = null;
  keys: KeyPattern[] = [];
  channels: string[] = [];

  constructor(
    readonly table: AclCommandTable,
    flags: number,
  ) {
    this.flags = flags;
    this.bits = new Uint32Array(Math.ceil((table.count + 1) / 32));
  }

  copy(): Selector {
    const s = new Selector(this.table, this.flags);
    s.bits.set(this.bits);
    if (this.firstargs) s.firstargs = new Map([...this.firstargs].map(([k, v]) => [k, [...v]]));
    s.keys = this.keys.map((k) => ({ ...k }));
    s.channels = [...this.channels];
    return s;
  }

  // ---- the command bitmap ----

  bit(id: number): boolean {
    return ((this.bits[id >>> 5] >>> (id & 31)) & 1) === 1;
  }

  private setBit(id: number, on: boolean): void {
    if (on) this.bits[id >>> 5] |= 1 << (id & 31);
    else {
      this.bits[id >>> 5] &= ~(1 << (id & 31));
      this.flags &= ~SELECTOR_ALLCOMMANDS;
    }
  }

  /** +@all sets the bit past the last command: the selector also allows commands added later. */
  get allowsFutureCommands(): boolean {
    return this.bit(this.table.count);
  }

  /** ACLChangeSelectorPerm: a container's permission applies to its subcommands too. */
  changePerm(cmd: AclCommand, allow: boolean): void {
    this.setBit(cmd.id, allow);
    this.firstargs?.delete(cmd.id);
    for (const sub of cmd.subs) this.setBit(sub.id, allow);
  }

  private setCategory(bit: number, allow: boolean): void {
    for (const cmd of this.table.top) {
      if (cmd.categories & bit) this.changePerm(cmd, allow);
      for (const sub of cmd.subs) if (sub.categories & bit) this.changePerm(sub, allow);
    }
  }

  private addFirstArg(id: number, arg: string): void {
    if (!this.firstargs) this.firstargs = new Map();
    let list = this.firstargs.get(id);
    if (!list) this.firstargs.set(id, (list = []));
    const lower = asciiLower(arg);
    if (!list.some((a) => asciiLower(a) === lower)) list.push(arg);
  }

  // ---- rules ----

  /** ACLSetSelector: applies one rule; an error leaves the selector partly changed (callers work on copies). */
  apply(op: string): AclError | null {
    const lop = asciiLower(op);
    if (lop === 'allkeys' || op === '~*') {
      this.flags |= SELECTOR_ALLKEYS;
      this.keys = [];
    } else if (lop === 'resetkeys') {
      this.flags &= ~SELECTOR_ALLKEYS;
      this.keys = [];
    } else if (lop === 'allchannels' || op === '&*') {
      this.flags |= SELECTOR_ALLCHANNELS;
      this.channels = [];
    } else if (lop === 'resetchannels') {
      this.flags &= ~SELECTOR_ALLCHANNELS;
      this.channels = [];
    } else if (lop === 'allcommands' || lop === '+@all') {
      this.bits.fill(0xffffffff);
      this.flags |= SELECTOR_ALLCOMMANDS;
      this.firstargs = null;
    } else if (lop === 'nocommands' || lop === '-@all') {
      this.bits.fill(0);
      this.flags &= ~SELECTOR_ALLCOMMANDS;
      this.firstargs = null;
    } else if (op[0] === '~' || op[0] === '%') {
      return this.addKeyPattern(op);
    } else if (op[0] === '&') {
      if (this.flags & SELECTOR_ALLCHANNELS) return AclError.ChannelAfterAll;
      const pattern = op.slice(1);
      if (hasSpaces(pattern)) return AclError.Syntax;
      if (!this.channels.includes(pattern)) this.channels.push(pattern);
      this.flags &= ~SELECTOR_ALLCHANNELS;
    } else if (op[0] === '+' && op[1] !== '@') {
      return this.allowCommand(op.slice(1));
    } else if (op[0] === '-' && op[1] !== '@') {
      const cmd = this.table.lookup(op.slice(1));
      if (!cmd) return AclError.UnknownCommand;
      this.changePerm(cmd, false);
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      const bit = categoryBit(op.slice(2));
      if (!bit) return AclError.UnknownCommand;
      this.setCategory(bit, op[0] === '+');
    } else {
      return AclError.Syntax;
    }
    return null;
  }

  /** ~pattern, %R~pattern, %W~pattern, %RW~pattern. */
  private addKeyPattern(op: string): AclError | null {
    if (this.flags & SELECTOR_ALLKEYS) return AclError.KeyAfterAll;
    let perms = 0;
    let offset = 1;
    if (op[0] === '%') {
      for (; offset < op.length; offset++) {
        const ch = op[offset].toUpperCase();
        if (ch === 'R' && !(perms & PERM_READ)) perms |= PERM_READ;
        else if (ch === 'W' && !(perms & PERM_WRITE)) perms |= PERM_WRITE;
        else if (op[offset] === '~') {
          offset++;
          break;
        } else return AclError.Syntax;
      }
      if (perms === 0) return AclError.Syntax;
    } else {
      perms = PERM_ALL;
    }
    const pattern = op.slice(offset);
    if (hasSpaces(pattern)) return AclError.Syntax;
    const existing = this.keys.find((k) => k.pattern === pattern);
    if (existing) existing.perms |= perms;
    else this.keys.push({ pattern, perms });
    this.flags &= ~SELECTOR_ALLKEYS;
    return null;
  }

  /** +command, +container|subcommand, +command|first-arg. */
  private allowCommand(name: string): AclError | null {
    const bar = name.lastIndexOf('|');
    if (bar < 0) {
      const cmd = this.table.lookup(name);
      if (!cmd) return AclError.UnknownCommand;
      this.changePerm(cmd, true);
      return null;
    }
    const cmd = this.table.lookup(name.slice(0, bar));
    const sub = name.slice(bar + 1);
    if (!cmd) return AclError.UnknownCommand;
    if (cmd.parent) return AclError.FirstArgOfSubcommand;
    if (sub.length === 0) return AclError.Syntax;
    if (cmd.subs.length > 0) {
      const subcmd = this.table.lookup(name);
      if (!subcmd) return AclError.UnknownCommand;
      this.changePerm(subcmd, true);
    } else {
      // SELECT|0, DEBUG|OBJECT: a first argument of an otherwise blocked command.
      this.addFirstArg(cmd.id, sub);
    }
    return null;
  }

  // ---- description ----

  /** ACLDescribeSelector: keys, channels, then the command rules. */
  describe(): string {
    let out = '';
    if (this.flags & SELECTOR_ALLKEYS) out += '~* ';
    else for (const k of this.keys) out += `${patternString(k)} `;
    if (this.flags & SELECTOR_ALLCHANNELS) out += '&* ';
    else {
      out += 'resetchannels ';
      for (const c of this.channels) out += `&${c} `;
    }
    return out + this.describeCommands();
  }

  /** The key patterns as ACL GETUSER shows them. */
  describeKeys(): string {
    if (this.flags & SELECTOR_ALLKEYS) return '~*';
    return this.keys.map(patternString).join(' ');
  }

  describeChannels(): string {
    if (this.flags & SELECTOR_ALLCHANNELS) return '&*';
    return this.channels.map((c) => `&${c}`).join(' ');
  }

  /**
   * ACLDescribeSelectorCommandRules: +@all or -@all, then the categories that
   * best approximate the bitmap (greedily, in Redis's order), then the single
   * commands and first arguments that make it exact.
   */
  describeCommands(): string {
    const additive = !this.allowsFutureCommands;
    const rules: string[] = [additive ? '-@all' : '+@all'];
    const fake = new Selector(this.table, 0);
    fake.apply(rules[0]);
    const temp = new Selector(this.table, 0);
    temp.bits.set(this.bits);
    const applied = new Set<number>();
    for (;;) {
      let best = -1;
      let mindiff = Number.MAX_SAFE_INTEGER;
      let maxsame = 0;
      for (let j = 0; j < CATEGORIES.length; j++) {
        if (applied.has(j)) continue;
        const [on, off] = temp.countCategory(1 << j);
        const diff = additive ? off : on;
        const same = additive ? on : off;
        if (same > diff && (diff < mindiff || (diff === mindiff && same > maxsame))) {
          best = j;
          mindiff = diff;
          maxsame = same;
        }
      }
      if (best < 0) break;
      const op = `${additive ? '+@' : '-@'}${CATEGORIES[best]}`;
      fake.apply(op);
      temp.apply(`${additive ? '-@' : '+@'}${CATEGORIES[best]}`);
      rules.push(op);
      applied.add(best);
    }
    const single = (cmd: AclCommand): void => {
      const userbit = this.bit(cmd.id);
      if (userbit !== fake.bit(cmd.id)) {
        rules.push(`${userbit ? '+' : '-'}${cmd.name}`);
        fake.changePerm(cmd, userbit);
      }
      for (const sub of cmd.subs) single(sub);
      const args = this.firstargs?.get(cmd.id);
      if (!userbit && args) for (const a of args) rules.push(`+${cmd.name}|${a}`);
    };
    for (const cmd of this.table.top) single(cmd);
    return rules.join(' ');
  }

  /** ACLCountCategoryBitsForSelector: [allowed, denied] commands of the category. */
  private countCategory(bit: number): [number, number] {
    let on = 0;
    let off = 0;
    for (const cmd of this.table.all()) {
      if (!(cmd.categories & bit)) continue;
      if (this.bit(cmd.id)) on++;
      else off++;
    }
    return [on, off];
  }

  /** The form the addon checks commands against. */
  compile(): CompiledSelector {
    const n = this.table.count;
    const bitmap = new Uint8Array(Math.ceil(n / 8));
    for (let id = 0; id < n; id++) if (this.bit(id)) bitmap[id >>> 3] |= 1 << (id & 7);
    const firstargs: [number, Buffer[]][] = [];
    for (const [id, args] of this.firstargs ?? []) firstargs.push([id, args.map((a) => Buffer.from(a, 'latin1'))]);
    return [
      this.flags & (SELECTOR_ALLKEYS | SELECTOR_ALLCHANNELS | SELECTOR_ALLCOMMANDS),
      bitmap,
      firstargs,
      this.keys.map((k) => [Buffer.from(k.pattern, 'latin1'), k.perms] as [Buffer, number]),
      this.channels.map((c) => Buffer.from(c, 'latin1')),
    ];
  }
}

function patternString(k: KeyPattern): string {
  const prefix = k.perms === PERM_ALL ? '~' : k.perms === PERM_READ ? '%R~' : '%W~';
  return prefix + k.pattern;
}

/**
 * aclCreateSelectorFromOpSet: "(rule rule ...)" split like sdssplitargs
 * (quotes allowed inside); null with the first rule's error.
 */
export function selectorFromOpSet(
  table: AclCommandTable,
  opset: string,
  flags: number,
): { selector: Selector } | { error: AclError } {
  const s = new Selector(table, flags);
  const args = splitArgsBytes(Buffer.from(opset.slice(1, -1), 'latin1')) ?? [];
  for (const a of args) {
    const err = s.apply(a.toString('latin1'));
    if (err !== null) return { error: err };
  }
  return { selector: s };
}
