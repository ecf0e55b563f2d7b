/**
 * An ACL user (Redis 7.0's user): flags, password hashes and selectors, the
 * SETUSER grammar (ACLSetUser), and the one-line description ACL LIST, ACL
 * SAVE and CONFIG REWRITE write (ACLDescribeUser). Strings are byte strings
 * (one latin1 character per byte).
 */
import * as crypto from 'node:crypto';
import type { AclCommandTable } from './commands';
import { asciiLower } from './commands';
import { AclError } from './errors';
import {
  SELECTOR_ALLCHANNELS,
  SELECTOR_ROOT,
  Selector,
  selectorFromOpSet,
  type CompiledSelector,
} from './selector';

export const USER_ENABLED = 1;
export const USER_DISABLED = 2;
export const USER_NOPASS = 4;
export const USER_SKIP_SANITIZE = 8;
export const USER_SANITIZE = 16;

/** Flag names in the order ACL LIST and ACL GETUSER show them. */
export const USER_FLAG_NAMES: readonly [number, string][] = [
  [USER_ENABLED, 'on'],
  [USER_DISABLED, 'off'],
  [USER_NOPASS, 'nopass'],
  [USER_SKIP_SANITIZE, 'skip-sanitize-payload'],
  [USER_SANITIZE, 'sanitize-payload'],
];

/** Settings every user's rules depend on. */
export interface UserEnv {
  readonly table: AclCommandTable;
  /** acl-pubsub-default: SELECTOR_ALLCHANNELS or 0, given to every new selector. */
  pubsubDefault(): number;
}

/** SHA-256 of the password bytes, as lowercase hex (ACLHashPassword). */
export function hashPassword(password: string): string {
  return crypto.createHash('sha256').update(Buffer.from(password, 'latin1')).digest('hex');
}

function validHash(h: string): boolean {
  return /^[0-9a-f]{64}$/.test(h);
}

export class User {
  flags = USER_DISABLED;
  passwords: string[] = [];
  /** The root selector first. */
  selectors: Selector[];
  /** The addon's handle for this user's compiled permissions (0: not pushed yet). */
  handle = 0;

  constructor(
    readonly name: string,
    private readonly env: UserEnv,
  ) {
    this.selectors = [new Selector(env.table, SELECTOR_ROOT | env.pubsubDefault())];
  }

  get root(): Selector {
    return this.selectors[0];
  }

  get enabled(): boolean {
    return (this.flags & USER_DISABLED) === 0 && (this.flags & USER_ENABLED) !== 0;
  }

  /** A detached copy (SETUSER applies its rules to one and commits only if all succeed). */
  clone(name = this.name): User {
    const u = new User(name, this.env);
    u.copyFrom(this);
    return u;
  }

  /** ACLCopyUser: same rules, own name and handle. */
  copyFrom(src: User): void {
    this.flags = src.flags;
    this.passwords = [...src.passwords];
    this.selectors = src.selectors.map((s) => s.copy());
  }

  /** ACLSetUser: applies one rule. */
  apply(op: string): AclError | null {
    if (op.length === 0) return null;
    const lop = asciiLower(op);
    if (lop === 'on') {
      this.flags = (this.flags | USER_ENABLED) & ~USER_DISABLED;
    } else if (lop === 'off') {
      this.flags = (this.flags | USER_DISABLED) & ~USER_ENABLED;
    } else if (lop === 'skip-sanitize-payload') {
      this.flags = (this.flags | USER_SKIP_SANITIZE) & ~USER_SANITIZE;
    } else if (lop === 'sanitize-payload') {
      this.flags = (this.flags | USER_SANITIZE) & ~USER_SKIP_SANITIZE;
    } else if (lop === 'nopass') {
      this.flags |= USER_NOPASS;
      this.passwords = [];
    } else if (lop === 'resetpass') {
      this.flags &= ~USER_NOPASS;
      this.passwords = [];
    } else if (op[0] === '>' || op[0] === '#') {
      let hash: string;
      if (op[0] === '>') hash = hashPassword(op.slice(1));
      else {
        hash = op.slice(1);
        if (!validHash(hash)) return AclError.BadHash;
      }
      if (!this.passwords.includes(hash)) this.passwords.push(hash);
      this.flags &= ~USER_NOPASS;
    } else if (op[0] === '<' || op[0] === '!') {
      let hash: string;
      if (op[0] === '<') hash = hashPassword(op.slice(1));
      else {
        hash = op.slice(1);
        if (!validHash(hash)) return AclError.BadHash;
      }
      const i = this.passwords.indexOf(hash);
      if (i < 0) return AclError.NoSuchPassword;
      this.passwords.splice(i, 1);
    } else if (op[0] === '(' && op[op.length - 1] === ')') {
      const r = selectorFromOpSet(this.env.table, op, this.env.pubsubDefault());
      if ('error' in r) return r.error;
      this.selectors.push(r.selector);
    } else if (lop === 'clearselectors') {
      this.selectors.length = 1;
    } else if (lop === 'reset') {
      this.apply('resetpass');
      this.apply('resetkeys');
      this.apply('resetchannels');
      if (this.env.pubsubDefault() & SELECTOR_ALLCHANNELS) this.apply('allchannels');
      this.apply('off');
      this.apply('sanitize-payload');
      this.apply('clearselectors');
      this.apply('-@all');
    } else {
      return this.root.apply(op);
    }
    return null;
  }

  /** ACLCheckUserCredentials (the user exists): enabled, and nopass or a matching password. */
  checkPassword(password: string): boolean {
    if (this.flags & USER_DISABLED) return false;
    if (this.flags & USER_NOPASS) return true;
    const hashed = Buffer.from(hashPassword(password), 'latin1');
    let ok = false;
    for (const p of this.passwords) {
      // Compared in constant time, every hash, so the time says nothing about which matched.
      if (crypto.timingSafeEqual(hashed, Buffer.from(p, 'latin1'))) ok = true;
    }
    return ok;
  }

  /** ACLDescribeUser: flags, password hashes, the root selector, then each other selector in parentheses. */
  describe(): string {
    let out = '';
    for (const [bit, name] of USER_FLAG_NAMES) if (this.flags & bit) out += `${name} `;
    for (const p of this.passwords) out += `#${p} `;
    for (const s of this.selectors) {
      out += s.flags & SELECTOR_ROOT ? s.describe() : ` (${s.describe()})`;
    }
    return out;
  }

  flagNames(): string[] {
    return USER_FLAG_NAMES.filter(([bit]) => this.flags & bit).map(([, name]) => name);
  }

  /** The compiled selectors for the addon. */
  compile(): CompiledSelector[] {
    return this.selectors.map((s) => s.compile());
  }
}

/**
 * ACLMergeSelectorArguments: a selector may be spread over several
 * arguments ("(~key" "+get)"); they are joined with spaces. Returns the
 * index of the argument that opened an unclosed selector instead.
 */
export function mergeSelectorArgs(args: readonly string[]): { merged: string[] } | { openedAt: number } {
  const merged: string[] = [];
  let open = -1;
  let selector = '';
  for (let j = 0; j < args.length; j++) {
    const op = args[j];
    if (op[0] === '(' && op[op.length - 1] !== ')') {
      selector = op;
      open = j;
      continue;
    }
    if (open !== -1) {
      selector += ` ${op}`;
      if (op[op.length - 1] === ')') {
        open = -1;
        merged.push(selector);
      }
      continue;
    }
    merged.push(op);
  }
  if (open !== -1) return { openedAt: open };
  return { merged };
}
