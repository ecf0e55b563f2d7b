#!/usr/bin/env node
// Replication side by side: real redis-server groups and Tachyon groups in one run.
//
//   1. Full synchronisation: a master holding --keys keys of mixed types (the
//      dataset of bench/persistence.js), a fresh replica told REPLICAOF; time
//      from the command to master_link_status:up with the sync finished.
//      Redis -> Redis and Tachyon -> Tachyon, both with a snapshot to disk
//      (repl-diskless-sync no on Redis: Tachyon has no diskless sync yet).
//   2. SET throughput on a master with two replicas attached, at -P 1 and
//      -P 16, alternating rounds; the Tachyon/Redis ratio is the median.
//
//   node bench/replication.js [--keys 1000000] [--rounds 3] [-n 300000]
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { opt, freePort, serverCommand, send, waitReady, stop, tmp, removeTmp, datasetFile, load, median } = require('./lib');

const KEYS = Number(opt('--keys', '1000000'));
const ROUNDS = Number(opt('--rounds', '3'));
const REQUESTS = Number(opt('-n', '300000'));

async function start(kind, extra = []) {
  const port = await freePort();
  const dir = tmp(`tachyon-bench-repl-${kind}-`);
  const argv = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...extra];
  if (kind === 'redis') argv.push('--repl-diskless-sync', 'no');
  const cmd = serverCommand(kind, argv);
  const child = spawn(cmd[0], cmd[1], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitReady(port, child);
  return { kind, port, child };
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

async function main() {
  const file = datasetFile(KEYS); // the dataset of bench/persistence.js (same file, reused)
  const groups = {};
  const syncSeconds = {};
  for (const kind of ['redis', 'tachyon']) {
    const master = await start(kind);
    load(master, file);
    const r1 = await start(kind);
    const r2 = await start(kind);
    syncSeconds[kind] = await fullSync(master, r1);
    await fullSync(master, r2);
    const keys = (await send(r1.port, 'DBSIZE')).trim();
    console.log(`${kind}: full sync of ${KEYS} keys in ${syncSeconds[kind].toFixed(2)} s (replica DBSIZE ${keys})`);
    groups[kind] = { master, replicas: [r1, r2] };
  }
  console.log(`\n| full sync, ${KEYS} keys | Redis s | Tachyon s | Tachyon/Redis time |\n|---|---:|---:|---:|`);
  console.log(`| disk snapshot | ${syncSeconds.redis.toFixed(2)} | ${syncSeconds.tachyon.toFixed(2)} | ${(syncSeconds.tachyon / syncSeconds.redis).toFixed(2)} |`);

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
  removeTmp();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
