#!/usr/bin/env node
// Replication side by side: real redis-server groups and Tachyon groups in one run.
//
//   1. Full synchronisation: a master holding --keys keys of mixed types (the
//      dataset of bench/persistence.js), a fresh replica told REPLICAOF; time
//      from the command to master_link_status:up with the sync finished.
//      Redis -> Redis and Tachyon -> Tachyon, once with the snapshot through
//      the disk (repl-diskless-sync no) and once streamed to the replica's
//      socket (repl-diskless-sync yes, repl-diskless-sync-delay 0).
//   2. SET throughput on a master with two replicas attached, at -P 1 and
//      -P 16, alternating rounds; the Tachyon/Redis ratio is the median.
//
//   node bench/replication.js [--keys 1000000] [--rounds 3] [-n 300000] [--sync-only]
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const args = process.argv.slice(2);
function opt(name, def) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
}
const KEYS = Number(opt('--keys', '1000000'));
const ROUNDS = Number(opt('--rounds', '3'));
const REQUESTS = Number(opt('-n', '300000'));
const SYNC_ONLY = args.includes('--sync-only');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// One command, the whole reply (a bulk reply is read to its end).
function send(port, line) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    s.on('connect', () => s.write(line + '\r\n'));
    s.on('data', (d) => {
      data += d.toString();
      const m = data.match(/^\$(\d+)\r\n/);
      if (m ? data.length >= m[0].length + Number(m[1]) + 2 : data.includes('\r\n')) {
        s.destroy();
        resolve(data);
      }
    });
    s.on('error', reject);
    s.on('close', () => resolve(data));
  });
}

async function waitReady(port, child) {
  for (let i = 0; i < 2000; i++) {
    if (child.exitCode !== null) throw new Error('server exited');
    const r = await send(port, 'PING').catch(() => '');
    if (r.startsWith('+PONG')) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`server on ${port} did not start`);
}

const made = [];
function tmp(prefix) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

async function start(kind, extra = []) {
  const port = await freePort();
  const dir = tmp(`tachyon-bench-repl-${kind}-`);
  const argv = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--repl-diskless-sync-delay', '0', ...extra];
  const cmd = kind === 'redis' ? ['redis-server', argv] : [process.execPath, [path.join(__dirname, '..', 'bin', 'tachyon-server.js'), ...argv]];
  const child = spawn(cmd[0], cmd[1], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitReady(port, child);
  return { kind, port, child };
}

async function stop(server) {
  await send(server.port, 'SHUTDOWN NOSAVE').catch(() => {});
  await new Promise((r) => (server.child.exitCode !== null ? r() : server.child.on('exit', r)));
}

// The dataset of bench/persistence.js (same file name, so a run of either reuses it).
function datasetFile() {
  const file = path.join(os.tmpdir(), `tachyon-bench-${KEYS}.resp`);
  if (fs.existsSync(file)) return file;
  const fd = fs.openSync(file, 'w');
  const cmd = (...a) => `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`;
  let chunk = '';
  for (let i = 0; i < KEYS; i++) {
    const kind = i % 10;
    if (kind < 6) chunk += cmd('SET', `string:${i}`, `value-${i}-`.padEnd(40, 'x'));
    else if (kind === 6) chunk += cmd('HSET', `hash:${i}`, 'name', `n${i}`, 'count', String(i), 'flag', 'on', 'a', 'b', 'c', 'd');
    else if (kind === 7) chunk += cmd('RPUSH', `list:${i}`, 'one', 'two', 'three', String(i), 'five');
    else if (kind === 8) chunk += cmd('SADD', `set:${i}`, String(i), String(i + 1), String(i + 2), 'm1', 'm2');
    else chunk += cmd('ZADD', `zset:${i}`, '1', 'a', '2', 'b', '3.5', 'c', String(i), 'd', '-1', 'e');
    if (chunk.length > 1 << 20) {
      fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  return file;
}

function load(server, file) {
  const r = spawnSync('sh', ['-c', `redis-cli -p ${server.port} --pipe < ${file}`], { encoding: 'utf8' });
  if (!/errors: 0/.test(r.stdout)) throw new Error(`loading failed: ${r.stdout}${r.stderr}`);
}

async function replInfo(port) {
  const r = await send(port, 'INFO replication');
  const out = {};
  for (const line of r.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

// REPLICAOF, then until the link is up with no sync in progress: seconds.
async function fullSync(master, replica) {
  const t0 = process.hrtime.bigint();
  await send(replica.port, `REPLICAOF 127.0.0.1 ${master.port}`);
  for (;;) {
    const i = await replInfo(replica.port);
    if (i.master_link_status === 'up' && i.master_sync_in_progress === '0') break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function benchmark(port, pipeline) {
  const r = spawnSync(
    'redis-benchmark',
    ['-p', String(port), '-t', 'set', '-n', String(REQUESTS), '-c', '50', '-r', '100000', '-P', String(pipeline), '--csv'],
    { encoding: 'utf8' },
  );
  const row = r.stdout.trim().split('\n').pop().split(',').map((s) => s.replace(/"/g, ''));
  return Number(row[1]);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const file = datasetFile();
  const groups = {};
  const syncSeconds = { disk: { redis: [], tachyon: [] }, diskless: { redis: [], tachyon: [] } };
  for (const kind of ['redis', 'tachyon']) {
    const master = await start(kind, ['--repl-diskless-sync', 'no']);
    load(master, file);
    groups[kind] = { master, replicas: [await start(kind), await start(kind)] };
  }
  // Rounds alternate the kinds (the machine is shared); a replica detached
  // with REPLICAOF NO ONE has a new id, so the next REPLICAOF is a full sync again.
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of ['redis', 'tachyon']) {
      const { master, replicas } = groups[kind];
      for (const [i, mode] of ['disk', 'diskless'].entries()) {
        await send(master.port, `CONFIG SET repl-diskless-sync ${mode === 'disk' ? 'no' : 'yes'}`);
        if (round > 0) await send(replicas[i].port, 'REPLICAOF NO ONE');
        syncSeconds[mode][kind].push(await fullSync(master, replicas[i]));
      }
      const keys = await Promise.all(replicas.map(async (r) => (await send(r.port, 'DBSIZE')).trim()));
      console.log(
        `${kind} round ${round + 1}: full sync of ${KEYS} keys: disk ${syncSeconds.disk[kind].at(-1).toFixed(2)} s, diskless ${syncSeconds.diskless[kind].at(-1).toFixed(2)} s (replica DBSIZE ${keys.join(', ')})`,
      );
    }
  }
  console.log(`\n| full sync, ${KEYS} keys (median of ${ROUNDS}) | Redis s | Tachyon s | Tachyon/Redis time (median of rounds) |\n|---|---:|---:|---:|`);
  for (const mode of ['disk', 'diskless']) {
    const t = syncSeconds[mode];
    const ratios = t.redis.map((r, i) => t.tachyon[i] / r);
    console.log(`| ${mode === 'disk' ? 'snapshot through disk' : 'diskless (socket)'} | ${median(t.redis).toFixed(2)} | ${median(t.tachyon).toFixed(2)} | ${median(ratios).toFixed(2)} |`);
  }
  if (SYNC_ONLY) {
    for (const g of Object.values(groups)) for (const s of [g.master, ...g.replicas]) await stop(s);
    for (const d of made) fs.rmSync(d, { recursive: true, force: true });
    return;
  }

  console.log('\n| SET, 2 replicas attached | Redis ops/s | Tachyon ops/s | ratio (median of rounds) |\n|---|---:|---:|---:|');
  for (const pipeline of [1, 16]) {
    const rps = { redis: [], tachyon: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of ['redis', 'tachyon']) rps[kind].push(benchmark(groups[kind].master.port, pipeline));
    }
    const ratios = rps.redis.map((r, i) => rps.tachyon[i] / r);
    console.log(`| set -P ${pipeline} | ${median(rps.redis).toFixed(0)} | ${median(rps.tachyon).toFixed(0)} | ${median(ratios).toFixed(2)} |`);
  }
  // The replicas kept up: same offsets as their masters.
  for (const kind of ['redis', 'tachyon']) {
    await new Promise((r) => setTimeout(r, 1500));
    const m = await replInfo(groups[kind].master.port);
    const offs = await Promise.all(groups[kind].replicas.map(async (r) => (await replInfo(r.port)).slave_repl_offset));
    console.log(`${kind}: master offset ${m.master_repl_offset}, replica offsets ${offs.join(', ')}`);
  }
  for (const g of Object.values(groups)) for (const s of [g.master, ...g.replicas]) await stop(s);
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
