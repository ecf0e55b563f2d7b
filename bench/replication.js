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
//   --diskless-load swapdb|on-empty-db: the replicas load the snapshot with
//      repl-diskless-load (on-empty-db falls back to the disk after the first
//      round, the replica holding keys then).
//
//   node bench/replication.js [--keys 1000000] [--rounds 3] [-n 300000] [--sync-only] [--diskless-load swapdb]
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { args, opt, freePort, serverCommand, send, waitReady, stop, tmp, removeTmp, datasetFile, load, median } = require('./lib');

const KEYS = Number(opt('--keys', '1000000'));
const ROUNDS = Number(opt('--rounds', '3'));
const REQUESTS = Number(opt('-n', '300000'));
const SYNC_ONLY = args.includes('--sync-only');
const DISKLESS_LOAD = opt('--diskless-load', 'disabled');

async function start(kind, extra = []) {
  const port = await freePort();
  const dir = tmp(`tachyon-bench-repl-${kind}-`);
  const argv = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--repl-diskless-sync-delay', '0', ...extra];
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
  const syncSeconds = { disk: { redis: [], tachyon: [] }, diskless: { redis: [], tachyon: [] } };
  for (const kind of ['redis', 'tachyon']) {
    const master = await start(kind, ['--repl-diskless-sync', 'no']);
    load(master, file);
    const replicaArgs = ['--repl-diskless-load', DISKLESS_LOAD];
    groups[kind] = { master, replicas: [await start(kind, replicaArgs), await start(kind, replicaArgs)] };
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
    removeTmp();
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
  removeTmp();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
