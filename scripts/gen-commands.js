#!/usr/bin/env node
// Generates the command tables from the Redis 7.0 command JSON specs:
//
//   native/server/command_table.gen.cc   kCommandSpecs[] for the C++ dispatcher
//   src/commands/commands.gen.json       structural metadata for COMMAND INFO /
//                                        DOCS / LIST / GETKEYS in TypeScript
//   native/server/key_specs.gen.cc       key specs per command for the native
//                                        ACL key checks (server/key_specs.h)
//
// Spec directory: $TACHYON_COMMAND_SPECS, else ../shared/redis-7.0-commands
// next to the repository (or next to the directory holding a worktree). Usage: node scripts/gen-commands.js [outRoot]
// (outRoot, default the repository, lets scripts/check-generated.sh write the
// files elsewhere and compare them with the committed ones).
//
// Everything derived here (movablekeys, implicit ACL categories, the legacy
// first/last/step key range) follows what redis-server 7.0 computes at
// startup, so that our COMMAND INFO matches it; scripts/check-command-table.js
// compares the output against a live server.
//
// Only structure is emitted. Redis's prose (summaries, complexity, history,
// key-spec notes) stays out of the generated files on purpose.
'use strict';

const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');
// A git worktree one level further down (<repo>/../wt/<name>) finds them two levels up.
const SPEC_DIR = process.env.TACHYON_COMMAND_SPECS
  ? path.resolve(process.env.TACHYON_COMMAND_SPECS)
  : [path.join(ROOT, '..', 'shared', 'redis-7.0-commands'), path.join(ROOT, '..', '..', 'shared', 'redis-7.0-commands')].find(
      (d) => fs.existsSync(d),
    ) ?? path.join(ROOT, '..', 'shared', 'redis-7.0-commands');
const OUT_ROOT = require.main === module && process.argv[2] ? path.resolve(process.argv[2]) : ROOT;
const CC_OUT = path.join(OUT_ROOT, 'native', 'server', 'command_table.gen.cc');
const JSON_OUT = path.join(OUT_ROOT, 'src', 'commands', 'commands.gen.json');
const KEYS_OUT = path.join(OUT_ROOT, 'native', 'server', 'key_specs.gen.cc');

// Key-spec "notes" are free text written by Redis; keep them out unless the
// project decides otherwise (COMMAND INFO then simply omits the field).
const INCLUDE_KEY_SPEC_NOTES = false;

// A plain (non-sentinel) redis-server drops ONLY_SENTINEL commands from its
// table entirely; so do we.
const INCLUDE_SENTINEL_ONLY = false;

// ---------------------------------------------------------------------------
// Name tables. Order matters where noted: it is the order in which Redis
// prints the names.

// All command flags, in the bit order of command_spec.h.
const COMMAND_FLAGS = [
  'WRITE', 'READONLY', 'DENYOOM', 'MODULE', 'ADMIN', 'PUBSUB', 'NOSCRIPT',
  'BLOCKING', 'LOADING', 'STALE', 'SKIP_MONITOR', 'SKIP_SLOWLOG', 'ASKING',
  'FAST', 'NO_AUTH', 'MAY_REPLICATE', 'SENTINEL', 'ONLY_SENTINEL',
  'NO_MANDATORY_KEYS', 'PROTECTED', 'MODULE_GETKEYS', 'MODULE_NO_CLUSTER',
  'NO_ASYNC_LOADING', 'NO_MULTI', 'MOVABLE_KEYS', 'ALLOW_BUSY',
  'MODULE_GETCHANNELS', 'TOUCHES_ARBITRARY_KEYS',
];

// The flags COMMAND INFO shows, in its order, with their printed names.
// Redis 7.0 hides may_replicate, sentinel, only_sentinel, protected,
// touches_arbitrary_keys and the module-internal ones.
const VISIBLE_FLAGS = [
  ['WRITE', 'write'], ['READONLY', 'readonly'], ['DENYOOM', 'denyoom'],
  ['MODULE', 'module'], ['ADMIN', 'admin'], ['PUBSUB', 'pubsub'],
  ['NOSCRIPT', 'noscript'], ['BLOCKING', 'blocking'], ['LOADING', 'loading'],
  ['STALE', 'stale'], ['SKIP_MONITOR', 'skip_monitor'],
  ['SKIP_SLOWLOG', 'skip_slowlog'], ['ASKING', 'asking'], ['FAST', 'fast'],
  ['NO_AUTH', 'no_auth'], ['NO_MANDATORY_KEYS', 'no_mandatory_keys'],
  ['NO_ASYNC_LOADING', 'no_async_loading'], ['NO_MULTI', 'no_multi'],
  ['MOVABLE_KEYS', 'movablekeys'], ['ALLOW_BUSY', 'allow_busy'],
];

// ACL categories in bit order, which is also the order Redis prints them.
const ACL_CATEGORIES = [
  'KEYSPACE', 'READ', 'WRITE', 'SET', 'SORTEDSET', 'LIST', 'HASH', 'STRING',
  'BITMAP', 'HYPERLOGLOG', 'GEO', 'STREAM', 'PUBSUB', 'ADMIN', 'FAST', 'SLOW',
  'BLOCKING', 'DANGEROUS', 'CONNECTION', 'TRANSACTION', 'SCRIPTING',
];

// Key-spec flags in the order COMMAND INFO prints them (JSON name -> printed).
const KEY_SPEC_FLAGS = [
  ['RO', 'RO'], ['RW', 'RW'], ['OW', 'OW'], ['RM', 'RM'],
  ['ACCESS', 'access'], ['UPDATE', 'update'], ['INSERT', 'insert'],
  ['DELETE', 'delete'], ['NOT_KEY', 'not_key'], ['INCOMPLETE', 'incomplete'],
  ['VARIABLE_FLAGS', 'variable_flags'],
];

const DOC_FLAGS = [['DEPRECATED', 'deprecated'], ['SYSCMD', 'syscmd']];

const ARG_TYPES = new Set([
  'string', 'integer', 'double', 'key', 'pattern', 'unix-time', 'pure-token',
  'oneof', 'block',
]);

// Argument flags in COMMAND DOCS order (JSON boolean field -> printed name).
const ARG_FLAGS = [
  ['optional', 'optional'], ['multiple', 'multiple'],
  ['multiple_token', 'multiple_token'],
];

// ---------------------------------------------------------------------------
// Helpers

function fail(msg) {
  console.error(`gen-commands: ${msg}`);
  process.exit(1);
}

function bitsOf(names, table, what, cmd) {
  let bits = 0;
  for (const n of names || []) {
    const i = table.indexOf(n);
    if (i < 0) fail(`${cmd}: unknown ${what} "${n}"`);
    bits |= 1 << i;
  }
  return bits >>> 0;
}

const flagBit = (name) => (1 << COMMAND_FLAGS.indexOf(name)) >>> 0;
const aclBit = (name) => (1 << ACL_CATEGORIES.indexOf(name)) >>> 0;

// Plain code-unit order, independent of locale.
const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

// ---------------------------------------------------------------------------
// Key specs

// Normalise one JSON key spec into what COMMAND INFO prints, keeping the raw
// numbers around for the legacy range computation.
function convertKeySpec(ks, cmd) {
  const out = {};
  if (INCLUDE_KEY_SPEC_NOTES && ks.notes) out.notes = ks.notes;
  const known = new Set(KEY_SPEC_FLAGS.map(([j]) => j));
  for (const f of ks.flags || []) {
    if (!known.has(f)) fail(`${cmd}: unknown key spec flag "${f}"`);
  }
  out.flags = KEY_SPEC_FLAGS.filter(([j]) => (ks.flags || []).includes(j)).map(([, p]) => p);

  const bs = ks.begin_search || {};
  if (bs.index) {
    out.begin_search = { type: 'index', spec: { index: bs.index.pos ?? 0 } };
  } else if (bs.keyword) {
    out.begin_search = {
      type: 'keyword',
      spec: { keyword: bs.keyword.keyword, startfrom: bs.keyword.startfrom ?? 0 },
    };
  } else if ('unknown' in bs) {
    out.begin_search = { type: 'unknown', spec: {} };
  } else {
    fail(`${cmd}: bad begin_search ${JSON.stringify(bs)}`);
  }

  const fk = ks.find_keys || {};
  if (fk.range) {
    out.find_keys = {
      type: 'range',
      spec: { lastkey: fk.range.lastkey ?? 0, keystep: fk.range.step ?? 0, limit: fk.range.limit ?? 0 },
    };
  } else if (fk.keynum) {
    out.find_keys = {
      type: 'keynum',
      spec: { keynumidx: fk.keynum.keynumidx ?? 0, firstkey: fk.keynum.firstkey ?? 0, keystep: fk.keynum.step ?? 0 },
    };
  } else if ('unknown' in fk) {
    out.find_keys = { type: 'unknown', spec: {} };
  } else {
    fail(`${cmd}: bad find_keys ${JSON.stringify(fk)}`);
  }
  return out;
}

const isIndexRange = (ks) => ks.begin_search.type === 'index' && ks.find_keys.type === 'range';

// Legacy (first, last, step) triple as COMMAND INFO reports it. Redis 7.0
// glues the index+range specs: a lone index+range spec is used as is
// (including its step); otherwise the index+range specs are merged into one
// step-1 range, other spec types are skipped, and any range spec with a step
// other than 1 makes the whole thing give up (0,0,0). Redis 7.0 also has a
// "must be consecutive" test, but it never updates the previous-lastkey
// variable it compares against, so the test never fires; not modelled.
// lastkey values are compared as unsigned, so a negative (relative-to-end)
// lastkey always wins over a positive one.
function legacyRange(keySpecs) {
  const none = [0, 0, 0];
  if (keySpecs.length === 0) return none;

  let pos, lastRel, step;
  if (keySpecs.length === 1 && isIndexRange(keySpecs[0])) {
    pos = keySpecs[0].begin_search.spec.index;
    lastRel = keySpecs[0].find_keys.spec.lastkey;
    step = keySpecs[0].find_keys.spec.keystep;
  } else {
    let first = Infinity;
    let last = 0;
    for (const ks of keySpecs) {
      if (!isIndexRange(ks)) continue;
      if (ks.find_keys.spec.keystep !== 1) return none;
      const p = ks.begin_search.spec.index;
      first = Math.min(first, p);
      let abs = ks.find_keys.spec.lastkey;
      if (abs >= 0) abs += p;
      if ((abs >>> 0) > (last >>> 0)) last = abs;
    }
    if (first === Infinity) return none;
    pos = first;
    lastRel = last < 0 ? last : last - first;
    step = 1;
  }
  const last = lastRel >= 0 ? lastRel + pos : lastRel;
  return [pos, last, step];
}

// ---------------------------------------------------------------------------
// Arguments (COMMAND DOCS shape, no prose)

// Tokens are printed uppercased. Redis builds its table by pasting the JSON
// token between double quotes in generated C, so a token that itself
// contains quotes (MIGRATE's empty-string token, written as "\"\"" in the
// JSON) becomes adjacent C string literals and is printed without them:
// COMMAND DOCS shows an empty token there. Reproduce that.
function cToken(token) {
  return String(token).toUpperCase().replace(/"/g, '');
}

function convertArgs(args, cmd) {
  return (args || []).map((a) => {
    if (!ARG_TYPES.has(a.type)) fail(`${cmd}: unknown argument type "${a.type}"`);
    const out = { name: String(a.name).toLowerCase(), type: a.type };
    if (a.key_spec_index !== undefined) out.key_spec_index = a.key_spec_index;
    if (a.token !== undefined) out.token = cToken(a.token);
    if (a.since) out.since = a.since;
    if (a.deprecated_since) out.deprecated_since = a.deprecated_since;
    const flags = ARG_FLAGS.filter(([j]) => a[j]).map(([, p]) => p);
    if (flags.length) out.flags = flags;
    if (a.type === 'oneof' || a.type === 'block') out.arguments = convertArgs(a.arguments, cmd);
    return out;
  });
}

// ---------------------------------------------------------------------------
// Commands

function buildCommand(name, container, spec) {
  const full = container ? `${container}|${name}` : name;
  const jsonFlags = spec.command_flags || [];
  let flags = bitsOf(jsonFlags, COMMAND_FLAGS, 'command flag', full);
  let acl = bitsOf(spec.acl_categories, ACL_CATEGORIES, 'ACL category', full);
  const keySpecs = (spec.key_specs || []).map((ks) => convertKeySpec(ks, full));

  // movablekeys: any key spec that is not a plain index+range spec means the
  // keys cannot be found from the legacy range alone. A native command's
  // "get_keys_function" alone does not count: redis-server 7.0.15 does not
  // report SET or BITFIELD as movablekeys, although both have one (it only
  // exists to report per-call key flags). Every other command with such a
  // function also has a keyword/keynum/unknown spec, so it is movable anyway.
  if (keySpecs.some((ks) => !isIndexRange(ks))) {
    flags |= flagBit('MOVABLE_KEYS');
  }

  // Implicit ACL categories, as Redis 7.0 adds them at startup. Note that
  // READONLY does not imply @read for commands in @scripting (EVAL_RO etc.),
  // and everything that is not @fast is @slow.
  const has = (f) => (flags & flagBit(f)) !== 0;
  if (has('WRITE')) acl |= aclBit('WRITE');
  if (has('READONLY') && !(acl & aclBit('SCRIPTING'))) acl |= aclBit('READ');
  if (has('ADMIN')) acl |= aclBit('ADMIN') | aclBit('DANGEROUS');
  if (has('PUBSUB')) acl |= aclBit('PUBSUB');
  if (has('FAST')) acl |= aclBit('FAST');
  if (has('BLOCKING')) acl |= aclBit('BLOCKING');
  if (!(acl & aclBit('FAST'))) acl |= aclBit('SLOW');
  flags >>>= 0;
  acl >>>= 0;

  const [first, last, step] = legacyRange(keySpecs);

  const docFlags = spec.doc_flags || [];
  for (const f of docFlags) {
    if (!DOC_FLAGS.some(([j]) => j === f)) fail(`${full}: unknown doc flag "${f}"`);
  }

  return {
    name: full,
    container,
    flagBits: flags,
    aclBits: acl,
    getKeysFunction: spec.get_keys_function ?? null,
    meta: {
      name: full,
      arity: spec.arity,
      flags: VISIBLE_FLAGS.filter(([j]) => flags & flagBit(j)).map(([, p]) => p),
      acl_categories: ACL_CATEGORIES.filter((c) => acl & aclBit(c)).map((c) => `@${c.toLowerCase()}`),
      first_key: first,
      last_key: last,
      key_step: step,
      tips: (spec.command_tips || []).map((t) => t.toLowerCase()),
      key_specs: keySpecs,
      // Printed with hyphens ("sorted-set"); the JSON spells it "sorted_set".
      group: String(spec.group).replace(/_/g, '-'),
      since: spec.since,
      doc_flags: DOC_FLAGS.filter(([j]) => docFlags.includes(j)).map(([, p]) => p),
      ...(spec.deprecated_since ? { deprecated_since: spec.deprecated_since } : {}),
      ...(spec.replaced_by ? { replaced_by: spec.replaced_by } : {}),
      arguments: convertArgs(spec.arguments, full),
    },
  };
}

function loadSpecs() {
  if (!fs.existsSync(SPEC_DIR)) fail(`spec directory not found: ${SPEC_DIR}`);
  const files = fs.readdirSync(SPEC_DIR).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) fail(`no .json files in ${SPEC_DIR}`);
  const tops = new Map(); // name -> spec
  const subs = [];        // { name, container, spec }
  for (const f of files) {
    let doc;
    try {
      doc = JSON.parse(fs.readFileSync(path.join(SPEC_DIR, f), 'utf8'));
    } catch (e) {
      fail(`${f}: ${e.message}`);
    }
    for (const [declared, spec] of Object.entries(doc)) {
      const name = declared.toLowerCase();
      if (spec.container) subs.push({ name, container: spec.container.toLowerCase(), spec });
      else if (tops.has(name)) fail(`duplicate command ${name} (${f})`);
      else tops.set(name, spec);
    }
  }
  return { tops, subs };
}

function build() {
  const { tops, subs } = loadSpecs();
  const sentinelOnly = (spec) => (spec.command_flags || []).includes('ONLY_SENTINEL');

  const commands = [];
  for (const [name, spec] of tops) {
    if (!INCLUDE_SENTINEL_ONLY && sentinelOnly(spec)) continue;
    commands.push({ ...buildCommand(name, null, spec), subcommands: [] });
  }
  commands.sort(byName);
  const byTop = new Map(commands.map((c) => [c.name, c]));

  for (const s of subs) {
    const parent = byTop.get(s.container);
    if (!parent) {
      if (tops.has(s.container)) continue; // container was filtered out
      fail(`subcommand ${s.container}|${s.name} has no container command`);
    }
    if (!INCLUDE_SENTINEL_ONLY && sentinelOnly(s.spec)) continue;
    parent.subcommands.push(buildCommand(s.name, s.container, s.spec));
  }
  for (const c of commands) {
    c.subcommands.sort(byName);
    const seen = new Set();
    for (const s of c.subcommands) {
      if (seen.has(s.name)) fail(`duplicate subcommand ${s.name}`);
      seen.add(s.name);
    }
  }
  return commands;
}

// ---------------------------------------------------------------------------
// Output

const HEADER_LINES = [
  'Generated by scripts/gen-commands.js from the Redis 7.0 command JSON specs.',
  'Do not edit by hand: change the generator and run `npm run gen:commands`.',
];

function cBits(bits, table, prefix) {
  const names = table.filter((n) => bits & ((1 << table.indexOf(n)) >>> 0)).map((n) => prefix + n);
  return names.length ? names.join(' | ') : '0';
}

function emitCc(commands) {
  const rows = [];
  const row = (c) => {
    const container = c.container ? `"${c.container}"` : 'nullptr';
    const m = c.meta;
    rows.push(
      `    {"${c.name}", ${container}, ${m.arity},\n` +
        `     ${cBits(c.flagBits, COMMAND_FLAGS, 'CMD_')},\n` +
        `     ${cBits(c.aclBits, ACL_CATEGORIES, 'ACL_')},\n` +
        `     ${m.first_key}, ${m.last_key}, ${m.key_step}},`,
    );
  };
  for (const c of commands) {
    row(c);
    c.subcommands.forEach(row);
  }
  return [
    ...HEADER_LINES.map((l) => `// ${l}`),
    '',
    '#include "server/command_spec.h"',
    '',
    'namespace tachyon {',
    '',
    'const CommandSpec kCommandSpecs[] = {',
    ...rows,
    '};',
    '',
    `const size_t kCommandSpecCount = ${rows.length};`,
    '',
    'static_assert(sizeof(kCommandSpecs) / sizeof(kCommandSpecs[0]) ==',
    `              ${rows.length}, "kCommandSpecCount out of date");`,
    '',
    '}  // namespace tachyon',
    '',
  ].join('\n');
}

// One command per line; a container's subcommands get a line each.
function emitJson(commands) {
  const lines = ['{', `"_comment": ${JSON.stringify(HEADER_LINES.join(' '))},`, '"commands": {'];
  commands.forEach((c, i) => {
    const tail = i === commands.length - 1 ? '' : ',';
    const key = JSON.stringify(c.name);
    if (c.subcommands.length === 0) {
      lines.push(`${key}: ${JSON.stringify(c.meta)}${tail}`);
      return;
    }
    const head = JSON.stringify(c.meta);
    lines.push(`${key}: ${head.slice(0, -1)},"subcommands":{`);
    c.subcommands.forEach((s, j) => {
      const stail = j === c.subcommands.length - 1 ? '' : ',';
      lines.push(`  ${JSON.stringify(s.name)}: ${JSON.stringify(s.meta)}${stail}`);
    });
    lines.push(`}}${tail}`);
  });
  lines.push('}', '}', '');
  return lines.join('\n');
}

// Key-finding functions the native side implements for the commands whose
// key specs are not enough (VARIABLE_FLAGS, INCOMPLETE or unknown specs);
// the others find no keys when their specs cannot be applied.
const NATIVE_GETKEYS = {
  setGetKeys: 'kSet',
  bitfieldGetKeys: 'kBitfield',
  sortGetKeys: 'kSort',
  sortROGetKeys: 'kSortRo',
  migrateGetKeys: 'kMigrate',
};

// One row per key spec (in command table order) and, per command, where its
// rows start, how many there are and which key-finding function it has.
function emitKeySpecs(commands) {
  const flagExpr = (flags) => {
    const names = KEY_SPEC_FLAGS.filter(([, p]) => flags.includes(p)).map(([j]) => `KEY_${j}`);
    return names.length ? names.join(' | ') : '0';
  };
  const rows = [];
  const index = [];
  const visit = (c) => {
    const first = rows.length;
    for (const ks of c.meta.key_specs) {
      const bs = ks.begin_search;
      const fk = ks.find_keys;
      const search =
        bs.type === 'index'
          ? `KeySearch::kIndex, ${bs.spec.index}, nullptr`
          : bs.type === 'keyword'
            ? `KeySearch::kKeyword, ${bs.spec.startfrom}, ${JSON.stringify(bs.spec.keyword)}`
            : 'KeySearch::kUnknown, 0, nullptr';
      const find =
        fk.type === 'range'
          ? `KeyFind::kRange, ${fk.spec.lastkey}, ${fk.spec.keystep}, ${fk.spec.limit}`
          : fk.type === 'keynum'
            ? `KeyFind::kKeynum, ${fk.spec.keynumidx}, ${fk.spec.firstkey}, ${fk.spec.keystep}`
            : 'KeyFind::kUnknown, 0, 0, 0';
      rows.push(`    {${flagExpr(ks.flags)}, ${search}, ${find}},  // ${c.name}`);
    }
    const proc = c.getKeysFunction ? (NATIVE_GETKEYS[c.getKeysFunction] ?? 'kOther') : 'kNone';
    index.push(`    {${first}, ${rows.length - first}, GetKeys::${proc}},  // ${c.name}`);
  };
  for (const c of commands) {
    visit(c);
    c.subcommands.forEach(visit);
  }
  return [
    ...HEADER_LINES.map((l) => `// ${l}`),
    '',
    '#include "server/key_specs.h"',
    '',
    'namespace tachyon {',
    '',
    'const KeySpecRow kKeySpecRows[] = {',
    ...(rows.length ? rows : ['    {0, KeySearch::kUnknown, 0, nullptr, KeyFind::kUnknown, 0, 0, 0},']),
    '};',
    '',
    '// By command id (the index in kCommandSpecs).',
    'const CommandKeyInfo kCommandKeyInfo[] = {',
    ...index,
    '};',
    '',
    `const size_t kCommandKeyInfoCount = ${index.length};`,
    '',
    '}  // namespace tachyon',
    '',
  ].join('\n');
}

function main() {
  const commands = build();
  const cc = emitCc(commands);
  const json = emitJson(commands);
  const keys = emitKeySpecs(commands);
  JSON.parse(json); // sanity check of the hand-assembled layout
  fs.mkdirSync(path.dirname(CC_OUT), { recursive: true });
  fs.mkdirSync(path.dirname(JSON_OUT), { recursive: true });
  fs.writeFileSync(CC_OUT, cc);
  fs.writeFileSync(JSON_OUT, json);
  fs.writeFileSync(KEYS_OUT, keys);
  const nsub = commands.reduce((n, c) => n + c.subcommands.length, 0);
  console.log(
    `gen-commands: ${commands.length} commands, ${nsub} subcommands from ${SPEC_DIR}\n` +
      `  wrote ${path.relative(OUT_ROOT, CC_OUT)}\n  wrote ${path.relative(OUT_ROOT, JSON_OUT)}\n` +
      `  wrote ${path.relative(OUT_ROOT, KEYS_OUT)}`,
  );
}

if (require.main === module) main();

module.exports = { build, legacyRange };
