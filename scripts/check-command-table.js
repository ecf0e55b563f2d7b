#!/usr/bin/env node
// Compares the generated command tables with a live Redis 7.0 server.
//
//   redis-server --port 7391 --save '' --daemonize yes
//   node scripts/check-command-table.js [port] [host]     (default 7391 127.0.0.1)
//
// Checked against COMMAND (i.e. COMMAND INFO for every command):
//   src/commands/commands.gen.json: command/subcommand names, arity, flags,
//     first/last/step, ACL categories, tips, key specs (all in Redis's order)
//   native/server/command_table.gen.cc: names, arity, flags, ACL categories,
//     first/last/step (bit sets compared as sets)
// Checked against COMMAND DOCS: group, since, doc_flags, deprecated_since,
//   replaced_by and the argument trees.
//
// Intentional differences, not reported:
//   - key spec "notes", and the prose in COMMAND DOCS (summary, complexity,
//     history): Redis's text, deliberately not shipped by the generator.
// Exits 1 if anything else differs. No dependencies: speaks RESP2 itself.
'use strict';

const fs = require('fs');
const net = require('net');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const PORT = Number(process.argv[2] || process.env.REDIS_PORT || 7391);
const HOST = process.argv[3] || process.env.REDIS_HOST || '127.0.0.1';

// ---------------------------------------------------------------------------
// Minimal RESP2 client

function encode(args) {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return s;
}

// Parses one reply from buf at offset; returns [value, nextOffset] or null if
// the buffer does not yet hold a complete reply.
function parse(buf, off) {
  const eol = buf.indexOf('\r\n', off);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[off]);
  const line = buf.toString('utf8', off + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return [line, next];
    case '-':
      return [new Error(line), next];
    case ':':
      return [Number(line), next];
    case '$': {
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return null;
      return [buf.toString('utf8', next, next + n), next + n + 2];
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return [null, next];
      const arr = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parse(buf, p);
        if (!r) return null;
        arr.push(r[0]);
        p = r[1];
      }
      return [arr, p];
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}

function query(commands) {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ port: PORT, host: HOST });
    let buf = Buffer.alloc(0);
    const replies = [];
    sock.on('connect', () => sock.write(commands.map(encode).join('')));
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      let r;
      while (replies.length < commands.length && (r = parse(buf, 0))) {
        replies.push(r[0]);
        buf = buf.subarray(r[1]);
      }
      if (replies.length === commands.length) {
        sock.end();
        resolve(replies);
      }
    });
    sock.on('error', reject);
  });
}

// ---------------------------------------------------------------------------
// Reply shaping

// RESP2 flattens maps into [k1, v1, k2, v2, ...].
function pairs(arr) {
  const o = {};
  for (let i = 0; i < arr.length; i += 2) o[arr[i]] = arr[i + 1];
  return o;
}

function shapeKeySpec(flat) {
  const o = pairs(flat);
  const out = {};
  if ('notes' in o) out.notes = o.notes;
  out.flags = o.flags;
  for (const k of ['begin_search', 'find_keys']) {
    const p = pairs(o[k]);
    out[k] = { type: p.type, spec: pairs(p.spec || []) };
  }
  return out;
}

function shapeInfo(a) {
  return {
    name: a[0],
    arity: a[1],
    flags: a[2],
    first_key: a[3],
    last_key: a[4],
    key_step: a[5],
    acl_categories: a[6],
    tips: a[7],
    key_specs: a[8].map(shapeKeySpec),
    subcommands: a[9].map(shapeInfo),
  };
}

function shapeArgs(list) {
  return list.map((flat) => {
    const o = pairs(flat);
    if (o.arguments) o.arguments = shapeArgs(o.arguments);
    return o;
  });
}

function shapeDocs(flat) {
  const out = {};
  const top = pairs(flat);
  for (const [name, docFlat] of Object.entries(top)) {
    const d = pairs(docFlat);
    out[name] = d;
    d.arguments = shapeArgs(d.arguments || []);
    if (d.subcommands) Object.assign(out, shapeDocs(d.subcommands));
    delete d.subcommands;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Comparison

const diffs = [];
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
function check(where, field, ours, theirs) {
  if (!same(ours, theirs)) {
    diffs.push(`${where}: ${field}: ours ${JSON.stringify(ours)} vs redis ${JSON.stringify(theirs)}`);
  }
}

function compareInfo(ours, real, where) {
  for (const f of ['arity', 'flags', 'first_key', 'last_key', 'key_step', 'acl_categories', 'tips']) {
    check(where, f, ours[f], real[f]);
  }
  const realSpecs = real.key_specs.map((ks) => {
    const { notes, ...rest } = ks; // notes: intentionally not shipped
    return rest;
  });
  check(where, 'key_specs', ours.key_specs, realSpecs);
  const ourSubs = Object.keys(ours.subcommands || {}).sort();
  const realSubs = real.subcommands.map((s) => s.name).sort();
  check(where, 'subcommand names', ourSubs, realSubs);
  for (const s of real.subcommands) {
    if (ours.subcommands && ours.subcommands[s.name]) compareInfo(ours.subcommands[s.name], s, s.name);
  }
}

// Arguments as COMMAND DOCS prints them, minus prose.
function stripArgProse(args) {
  return args.map((a) => {
    const { summary, ...rest } = a;
    if (rest.arguments) rest.arguments = stripArgProse(rest.arguments);
    return rest;
  });
}

function compareDocs(ours, real, where) {
  check(where, 'docs.group', ours.group, real.group);
  check(where, 'docs.since', ours.since, real.since);
  check(where, 'docs.doc_flags', ours.doc_flags, real.doc_flags || []);
  check(where, 'docs.deprecated_since', ours.deprecated_since, real.deprecated_since);
  check(where, 'docs.replaced_by', ours.replaced_by, real.replaced_by);
  check(where, 'docs.arguments', ours.arguments, stripArgProse(real.arguments));
}

// native/server/command_table.gen.cc rows, parsed back.
function loadCcTable() {
  const text = fs.readFileSync(path.join(ROOT, 'native', 'server', 'command_table.gen.cc'), 'utf8');
  const rowRe = /\{"([^"]+)",\s*(nullptr|"[^"]*"),\s*(-?\d+),\s*([A-Z_| 0]+?),\s*([A-Z_| 0]+?),\s*(-?\d+),\s*(-?\d+),\s*(-?\d+)\}/g;
  const rows = new Map();
  let m;
  while ((m = rowRe.exec(text))) {
    const bits = (s, prefix) => s.split('|').map((x) => x.trim()).filter((x) => x !== '0').map((x) => {
      if (!x.startsWith(prefix)) throw new Error(`bad bit name ${x}`);
      return x.slice(prefix.length);
    });
    rows.set(m[1], {
      container: m[2] === 'nullptr' ? null : m[2].slice(1, -1),
      arity: Number(m[3]),
      flags: bits(m[4], 'CMD_'),
      acl: bits(m[5], 'ACL_'),
      range: [Number(m[6]), Number(m[7]), Number(m[8])],
    });
  }
  const count = /kCommandSpecCount = (\d+);/.exec(text);
  if (!count || Number(count[1]) !== rows.size) {
    diffs.push(`command_table.gen.cc: parsed ${rows.size} rows, kCommandSpecCount says ${count && count[1]}`);
  }
  return rows;
}

// Flags COMMAND INFO never prints (Redis 7.0 hides them).
const HIDDEN_FLAGS = new Set([
  'MAY_REPLICATE', 'SENTINEL', 'ONLY_SENTINEL', 'PROTECTED', 'MODULE_GETKEYS',
  'MODULE_NO_CLUSTER', 'MODULE_GETCHANNELS', 'TOUCHES_ARBITRARY_KEYS',
]);
const printedFlag = (f) => (f === 'MOVABLE_KEYS' ? 'movablekeys' : f.toLowerCase());

function compareCc(rows, real, container) {
  const where = `command_table.gen.cc ${real.name}`;
  const row = rows.get(real.name);
  if (!row) {
    diffs.push(`${where}: missing`);
    return;
  }
  rows.seen.add(real.name);
  check(where, 'container', row.container, container);
  check(where, 'arity', row.arity, real.arity);
  check(where, 'flags', row.flags.filter((f) => !HIDDEN_FLAGS.has(f)).map(printedFlag).sort(), [...real.flags].sort());
  check(where, 'acl', row.acl.map((c) => `@${c.toLowerCase()}`).sort(), [...real.acl_categories].sort());
  check(where, 'first/last/step', row.range, [real.first_key, real.last_key, real.key_step]);
  for (const s of real.subcommands) compareCc(rows, s, real.name);
}

async function main() {
  const gen = JSON.parse(fs.readFileSync(path.join(ROOT, 'src', 'commands', 'commands.gen.json'), 'utf8'));
  const ours = gen.commands;
  let replies;
  try {
    replies = await query([['INFO', 'server'], ['COMMAND'], ['COMMAND', 'DOCS']]);
  } catch (e) {
    console.error(`cannot reach redis at ${HOST}:${PORT}: ${e.message}`);
    process.exit(2);
  }
  for (const r of replies) if (r instanceof Error) throw r;
  const version = /redis_version:(\S+)/.exec(replies[0]);
  const realInfo = replies[1].map(shapeInfo);
  const realDocs = shapeDocs(replies[2]);

  // Names
  const realNames = realInfo.map((c) => c.name).sort();
  const ourNames = Object.keys(ours).sort();
  for (const n of ourNames) if (!realNames.includes(n)) diffs.push(`${n}: only in commands.gen.json`);
  for (const n of realNames) if (!ourNames.includes(n)) diffs.push(`${n}: missing from commands.gen.json`);

  // COMMAND INFO vs JSON
  for (const real of realInfo) if (ours[real.name]) compareInfo(ours[real.name], real, real.name);

  // COMMAND DOCS vs JSON
  const ourFlat = {};
  for (const [n, c] of Object.entries(ours)) {
    ourFlat[n] = c;
    for (const [sn, s] of Object.entries(c.subcommands || {})) ourFlat[sn] = s;
  }
  for (const [n, d] of Object.entries(realDocs)) {
    if (ourFlat[n]) compareDocs(ourFlat[n], d, n);
    else diffs.push(`${n}: in COMMAND DOCS but not in commands.gen.json`);
  }

  // COMMAND INFO vs C++ table
  const rows = loadCcTable();
  rows.seen = new Set();
  for (const real of realInfo) compareCc(rows, real, null);
  for (const n of rows.keys()) if (!rows.seen.has(n)) diffs.push(`command_table.gen.cc ${n}: not known to redis`);

  // Ordering contract of the C++ table: sorted, containers before their subcommands.
  const order = [...rows.keys()];
  const expected = [];
  for (const n of [...rows.keys()].filter((k) => !rows.get(k).container).sort()) {
    expected.push(n, ...[...rows.keys()].filter((k) => rows.get(k).container === n).sort());
  }
  if (!same(order, expected)) diffs.push('command_table.gen.cc: rows are not in the documented order');

  const nsub = realInfo.reduce((n, c) => n + c.subcommands.length, 0);
  console.log(
    `redis ${version ? version[1] : '?'} at ${HOST}:${PORT}: ${realInfo.length} commands, ${nsub} subcommands; ` +
      `ours: ${ourNames.length} commands, ${rows.size} C++ rows`,
  );
  if (diffs.length) {
    console.log(`${diffs.length} difference(s):`);
    for (const d of diffs) console.log(`  ${d}`);
    process.exit(1);
  }
  console.log('no differences');
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
