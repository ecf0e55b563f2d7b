/**
 * COMMAND and its subcommands: COUNT, INFO, DOCS, LIST, GETKEYS,
 * GETKEYSANDFLAGS, HELP.
 *
 * The descriptions come from Redis 7.0's command table (commands.gen.json),
 * restricted to the commands and subcommands this server runs (native or
 * TypeScript handlers, RunnableTable): clients that read COMMAND to learn
 * what they may call (and where the keys are) see exactly what works, and
 * the list grows as command families land.
 *
 * Reply shapes follow Redis 7.0.15; COMMAND DOCS leaves out the prose fields
 * (summary, complexity, history and argument summaries), which the generated
 * table deliberately does not carry.
 */
import type { RespWriter } from '../protocol/resp-writer';
import { globMatch } from '../util/glob';
import { dispatchSubcommand, replyHelp, type CommandCall, type CommandRegistry, type Handler } from './registry';
import {
  RunnableTable,
  type ArgSpec,
  type CommandEntry,
  type CommandMeta,
  type KeySpec,
} from './table';

// ---------------------------------------------------------------------------
// COMMAND INFO / DOCS encoders

function writeStatusSet(w: RespWriter, items: string[]): void {
  w.set(items.length);
  for (const s of items) w.simple(s);
}

function writeKeySpec(w: RespWriter, ks: KeySpec): void {
  w.map(ks.notes !== undefined ? 4 : 3);
  if (ks.notes !== undefined) w.bulk('notes').bulk(ks.notes);
  w.bulk('flags');
  writeStatusSet(w, ks.flags);

  w.bulk('begin_search').map(2);
  const bs = ks.begin_search;
  w.bulk('type').bulk(bs.type).bulk('spec');
  if (bs.type === 'index') {
    w.map(1).bulk('index').int(bs.spec.index ?? 0);
  } else if (bs.type === 'keyword') {
    w.map(2).bulk('keyword').bulk(bs.spec.keyword ?? '').bulk('startfrom').int(bs.spec.startfrom ?? 0);
  } else {
    w.map(0);
  }

  w.bulk('find_keys').map(2);
  const fk = ks.find_keys;
  w.bulk('type').bulk(fk.type).bulk('spec');
  if (fk.type === 'range') {
    w.map(3);
    w.bulk('lastkey').int(fk.spec.lastkey ?? 0);
    w.bulk('keystep').int(fk.spec.keystep ?? 0);
    w.bulk('limit').int(fk.spec.limit ?? 0);
  } else if (fk.type === 'keynum') {
    w.map(3);
    w.bulk('keynumidx').int(fk.spec.keynumidx ?? 0);
    w.bulk('firstkey').int(fk.spec.firstkey ?? 0);
    w.bulk('keystep').int(fk.spec.keystep ?? 0);
  } else {
    w.map(0);
  }
}

/** One COMMAND INFO entry: the 10-element array of Redis 7.0. */
export function writeCommandInfo(w: RespWriter, entry: CommandEntry): void {
  const m = entry.meta;
  w.array(10);
  w.bulk(m.name);
  w.int(m.arity);
  writeStatusSet(w, m.flags);
  w.int(m.first_key);
  w.int(m.last_key);
  w.int(m.key_step);
  writeStatusSet(w, m.acl_categories);
  w.set(m.tips.length);
  for (const t of m.tips) w.bulk(t);
  w.set(m.key_specs.length);
  for (const ks of m.key_specs) writeKeySpec(w, ks);
  if (entry.subs) {
    w.array(entry.subs.size);
    for (const sub of entry.subs.values()) writeCommandInfo(w, sub);
  } else {
    // Redis replies an empty set (not an empty array) when there are no subcommands.
    w.set(0);
  }
}

function writeArgs(w: RespWriter, args: ArgSpec[]): void {
  w.array(args.length);
  for (const a of args) {
    const nested = a.type === 'oneof' || a.type === 'block';
    const fields =
      2 +
      (a.key_spec_index !== undefined ? 1 : 0) +
      (a.token !== undefined ? 1 : 0) +
      (a.since !== undefined ? 1 : 0) +
      (a.deprecated_since !== undefined ? 1 : 0) +
      (a.flags && a.flags.length ? 1 : 0) +
      (nested ? 1 : 0);
    w.map(fields);
    w.bulk('name').bulk(a.name);
    w.bulk('type').bulk(a.type);
    if (a.key_spec_index !== undefined) w.bulk('key_spec_index').int(a.key_spec_index);
    if (a.token !== undefined) w.bulk('token').bulk(a.token);
    if (a.since !== undefined) w.bulk('since').bulk(a.since);
    if (a.deprecated_since !== undefined) w.bulk('deprecated_since').bulk(a.deprecated_since);
    if (a.flags && a.flags.length) {
      w.bulk('flags');
      writeStatusSet(w, a.flags);
    }
    if (nested) {
      w.bulk('arguments');
      writeArgs(w, a.arguments ?? []);
    }
  }
}

/** One COMMAND DOCS value (the map for a single command), without prose. */
export function writeCommandDocs(w: RespWriter, entry: CommandEntry): void {
  const m = entry.meta;
  const fields =
    1 + // group is always there
    (m.since !== undefined ? 1 : 0) +
    (m.doc_flags.length ? 1 : 0) +
    (m.deprecated_since !== undefined ? 1 : 0) +
    (m.replaced_by !== undefined ? 1 : 0) +
    (m.arguments.length ? 1 : 0) +
    (entry.subs ? 1 : 0);
  w.map(fields);
  if (m.since !== undefined) w.bulk('since').bulk(m.since);
  w.bulk('group').bulk(m.group);
  if (m.doc_flags.length) {
    w.bulk('doc_flags');
    writeStatusSet(w, m.doc_flags);
  }
  if (m.deprecated_since !== undefined) w.bulk('deprecated_since').bulk(m.deprecated_since);
  if (m.replaced_by !== undefined) w.bulk('replaced_by').bulk(m.replaced_by);
  if (m.arguments.length) {
    w.bulk('arguments');
    writeArgs(w, m.arguments);
  }
  if (entry.subs) {
    w.bulk('subcommands').map(entry.subs.size);
    for (const sub of entry.subs.values()) {
      w.bulk(sub.meta.name);
      writeCommandDocs(w, sub);
    }
  }
}

// ---------------------------------------------------------------------------
// Key extraction (COMMAND GETKEYS / GETKEYSANDFLAGS)

interface KeyRef {
  pos: number;
  flags: string[];
}

const eq = (b: Buffer, s: string): boolean => b.length === s.length && b.toString('latin1').toLowerCase() === s;

/** Strict integer parse (Redis string2ll): no sign but '-', no leading zeros, no spaces. */
function parseStrictInt(b: Buffer): number | undefined {
  const s = b.toString('latin1');
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Keys found through the key specs, or undefined when a spec cannot be
 * applied to these arguments (unknown/incomplete spec, out-of-range
 * positions, bad key count) and the command-specific fallback must decide.
 */
function keysFromSpecs(meta: CommandMeta, argv: Buffer[]): KeyRef[] | undefined {
  const argc = argv.length;
  const keys: KeyRef[] = [];
  for (const ks of meta.key_specs) {
    if (ks.flags.includes('not_key')) continue;
    let first = 0;
    const bs = ks.begin_search;
    if (bs.type === 'index') {
      first = bs.spec.index ?? 0;
    } else if (bs.type === 'keyword') {
      const from = bs.spec.startfrom ?? 0;
      const keyword = (bs.spec.keyword ?? '').toLowerCase();
      // Forward from `startfrom`, or backward from the end when it is negative;
      // the first argument (after the name) and the last one are never a keyword.
      const start = from > 0 ? from : argc + from;
      const end = from > 0 ? argc - 1 : 1;
      const dir = start <= end ? 1 : -1;
      for (let i = start; i !== end; i += dir) {
        if (i >= argc || i < 1) break;
        if (eq(argv[i], keyword)) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue; // keyword absent: this spec contributes nothing
    } else {
      return undefined;
    }

    let last: number;
    let step: number;
    const fk = ks.find_keys;
    if (fk.type === 'range') {
      step = fk.spec.keystep ?? 1;
      const lastkey = fk.spec.lastkey ?? 0;
      const limit = fk.spec.limit ?? 0;
      if (lastkey >= 0) last = first + lastkey;
      else if (!limit) last = argc + lastkey;
      else last = first + (Math.floor((argc - first) / limit) + lastkey);
    } else if (fk.type === 'keynum') {
      step = fk.spec.keystep ?? 1;
      const idx = first + (fk.spec.keynumidx ?? 0);
      if (idx >= argc) return undefined;
      const numkeys = parseStrictInt(argv[idx]);
      if (numkeys === undefined || numkeys < 0) return undefined;
      first += fk.spec.firstkey ?? 0;
      last = first + numkeys - 1;
    } else {
      return undefined;
    }

    if (last >= argc || last < first || first >= argc) return undefined;
    if (step < 1) step = 1;
    for (let i = first; i <= last; i += step) keys.push({ pos: i, flags: ks.flags });
    if (ks.flags.includes('incomplete')) return undefined;
  }
  return keys;
}

/** Command-specific key finders for the commands whose specs are not enough. */
const CUSTOM_KEYS: Record<string, (argv: Buffer[], meta: CommandMeta) => KeyRef[]> = {
  // SET's flags depend on GET: it then reads the old value.
  set(argv) {
    for (let i = 3; i < argv.length; i++) {
      if (eq(argv[i], 'get')) return [{ pos: 1, flags: ['RW', 'access', 'update'] }];
    }
    return [{ pos: 1, flags: ['OW', 'update'] }];
  },
  // BITFIELD is read-only when it only has GETs (and OVERFLOWs).
  bitfield(argv) {
    let readonly = true;
    for (let i = 2; i < argv.length; i++) {
      const left = argv.length - i - 1;
      if (eq(argv[i], 'get') && left >= 2) i += 2;
      else if (eq(argv[i], 'overflow') && left >= 1) i += 1;
      else {
        readonly = false; // a write, or a syntax error: assume it writes
        break;
      }
    }
    return [{ pos: 1, flags: readonly ? ['RO', 'access'] : ['RW', 'access', 'update'] }];
  },
  sort(argv, meta) {
    const keys: KeyRef[] = [{ pos: 1, flags: meta.key_specs[0]?.flags ?? ['RO', 'access'] }];
    let store = 0;
    for (let i = 2; i < argv.length; i++) {
      if (eq(argv[i], 'limit')) i += 2;
      else if (eq(argv[i], 'get') || eq(argv[i], 'by')) i += 1;
      else if (eq(argv[i], 'store') && i + 1 < argv.length) {
        store = i + 1; // the last STORE wins
        i++;
      }
    }
    // The STORE destination is described by the last key spec.
    const storeSpec = meta.key_specs[meta.key_specs.length - 1];
    if (store) keys.push({ pos: store, flags: storeSpec?.flags ?? ['OW', 'update'] });
    return keys;
  },
  sort_ro(_argv, meta) {
    return [{ pos: 1, flags: meta.key_specs[0]?.flags ?? ['RO', 'access'] }];
  },
  // MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw] [KEYS key...]
  migrate(argv) {
    const flags = ['RW', 'access', 'delete'];
    let first = 3;
    let num = 1;
    for (let i = 6; i < argv.length; i++) {
      if (eq(argv[i], 'auth2')) i += 2;
      else if (eq(argv[i], 'auth')) i += 1;
      else if (eq(argv[i], 'keys')) {
        if (argv[3].length > 0) return []; // KEYS needs the key argument to be ""
        first = i + 1;
        num = argv.length - first;
        break;
      }
    }
    const keys: KeyRef[] = [];
    for (let i = 0; i < num; i++) keys.push({ pos: first + i, flags });
    return keys;
  },
};

/** Commands that have a key-finding function in Redis besides their key specs. */
const HAS_GETKEYS_PROC = new Set([
  ...Object.keys(CUSTOM_KEYS),
  'zunion', 'zinter', 'zdiff', 'zunionstore', 'zinterstore', 'zdiffstore',
  'eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro',
  'georadius', 'georadiusbymember', 'xread', 'xreadgroup',
  'lmpop', 'blmpop', 'zmpop', 'bzmpop',
]);

function hasKeys(meta: CommandMeta): boolean {
  return HAS_GETKEYS_PROC.has(meta.name) || meta.key_specs.some((ks) => !ks.flags.includes('not_key'));
}

function findKeys(meta: CommandMeta, argv: Buffer[]): KeyRef[] {
  const varFlags = meta.key_specs.some((ks) => ks.flags.includes('variable_flags'));
  if (!varFlags) {
    const keys = keysFromSpecs(meta, argv);
    if (keys) return keys;
  }
  const custom = Object.hasOwn(CUSTOM_KEYS, meta.name) ? CUSTOM_KEYS[meta.name] : undefined;
  // The other key-finding functions agree with the specs where these apply,
  // and find nothing where they do not.
  return custom ? custom(argv, meta) : [];
}

function getKeys(call: CommandCall, withFlags: boolean): void {
  const { args, w } = call;
  const argv = args.slice(2);
  const entry = tableOf(call).byArgv(argv);
  if (!entry) return void w.error('ERR Invalid command specified');
  const meta = entry.meta;
  if (!hasKeys(meta)) return void w.error('ERR The command has no key arguments');
  if ((meta.arity > 0 && meta.arity !== argv.length) || argv.length < -meta.arity) {
    return void w.error('ERR Invalid number of arguments specified for command');
  }
  const keys = findKeys(meta, argv);
  if (keys.length === 0 && !meta.flags.includes('no_mandatory_keys')) {
    return void w.error('ERR Invalid arguments specified for command');
  }
  w.array(keys.length);
  for (const k of keys) {
    if (withFlags) {
      w.array(2).bulk(argv[k.pos]);
      writeStatusSet(w, k.flags);
    } else {
      w.bulk(argv[k.pos]);
    }
  }
}

/** The runnable view of each server's table, built at its first COMMAND. */
const views = new WeakMap<object, RunnableTable>();
function tableOf(call: CommandCall): RunnableTable {
  let v = views.get(call.ctx.native);
  if (!v) {
    v = new RunnableTable(new Set(call.ctx.native.runnableCommands()));
    views.set(call.ctx.native, v);
  }
  return v;
}

// ---------------------------------------------------------------------------
// COMMAND LIST filters

function listCommands(call: CommandCall): void {
  const { args, w } = call;
  let filter: ((m: CommandMeta) => boolean) | undefined;
  for (let i = 2; i < args.length; i++) {
    const more = args.length - 1 - i;
    if (eq(args[i], 'filterby') && more === 2) {
      const kind = args[i + 1].toString('latin1').toLowerCase();
      const arg = args[i + 2];
      const value = arg.toString('latin1');
      if (kind === 'module') {
        filter = () => false; // no modules
      } else if (kind === 'aclcat') {
        const cat = `@${value.toLowerCase()}`;
        filter = (m) => m.acl_categories.includes(cat);
      } else if (kind === 'pattern') {
        filter = (m) => globMatch(arg, m.name, true);
      } else {
        return void w.error('ERR syntax error');
      }
      i += 2;
    } else {
      return void w.error('ERR syntax error');
    }
  }
  const names: string[] = [];
  for (const entry of tableOf(call).all) {
    if (!filter || filter(entry.meta)) names.push(entry.meta.name);
    if (entry.subs) {
      for (const sub of entry.subs.values()) if (!filter || filter(sub.meta)) names.push(sub.meta.name);
    }
  }
  w.array(names.length);
  for (const n of names) w.bulk(n);
}

// ---------------------------------------------------------------------------
// Handlers

function commandAll(call: CommandCall): void {
  const { w } = call;
  const all = tableOf(call).all;
  w.array(all.length);
  for (const entry of all) writeCommandInfo(w, entry);
}

function commandCount(call: CommandCall): void {
  call.w.int(tableOf(call).all.length);
}

function commandInfo(call: CommandCall): void {
  const { args, w } = call;
  if (args.length === 2) return commandAll(call);
  w.array(args.length - 2);
  for (let i = 2; i < args.length; i++) {
    const entry = tableOf(call).byFullName(args[i].toString('latin1'));
    if (entry) writeCommandInfo(w, entry);
    else w.null();
  }
}

function commandDocs(call: CommandCall): void {
  const { args, w } = call;
  const entries: CommandEntry[] = [];
  if (args.length === 2) entries.push(...tableOf(call).all);
  else {
    for (let i = 2; i < args.length; i++) {
      const entry = tableOf(call).byFullName(args[i].toString('latin1'));
      if (entry) entries.push(entry); // unknown names are skipped
    }
  }
  w.map(entries.length);
  for (const e of entries) {
    w.bulk(e.meta.name);
    writeCommandDocs(w, e);
  }
}

function commandHelp(call: CommandCall): void {
  replyHelp(call.w, 'COMMAND', [
    '(no subcommand)',
    '    Describe every command this server knows (same format as INFO).',
    'COUNT',
    '    Return the number of commands in the command table.',
    'LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]',
    '    Return the names of all commands, optionally only those matching the filter.',
    'INFO [<command-name> ...]',
    '    Describe the named commands (arity, flags, key positions, ACL categories,',
    '    tips, key specs, subcommands), or every command when none is named.',
    'DOCS [<command-name> ...]',
    '    Return documentation details (group, version, arguments) about the named',
    '    commands, or every command when none is named.',
    'GETKEYS <full-command>',
    '    Return the keys a complete command line would access.',
    'GETKEYSANDFLAGS <full-command>',
    '    Return the keys a complete command line would access, with their access flags.',
  ]);
}

const SUBCOMMANDS = new Map<string, Handler>([
  ['count', commandCount],
  ['info', commandInfo],
  ['docs', commandDocs],
  ['list', listCommands],
  ['getkeys', (call) => getKeys(call, false)],
  ['getkeysandflags', (call) => getKeys(call, true)],
  ['help', commandHelp],
]);

/** "COMMAND" with no arguments lists everything; with one it is a subcommand. */
function command(call: CommandCall): void {
  if (call.args.length === 1) return commandAll(call);
  dispatchSubcommand(call, 'COMMAND', SUBCOMMANDS);
}

export function registerCommandCommands(r: CommandRegistry): void {
  r.register('command', command);
  for (const [name, handler] of SUBCOMMANDS) r.register(`command|${name}`, handler);
}
