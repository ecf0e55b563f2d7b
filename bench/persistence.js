#!/usr/bin/env node
// Persistence side by side: real redis-server and Tachyon in one run.
//
//   1. 1,000,000 keys of mixed types (strings, hashes, lists, sets, sorted
//      sets) loaded into both: SAVE time, RDB file size, and the load time each
//      server reports at startup ("DB loaded from disk: ... seconds").
//   2. GET latency at -P 1 (p50/p99/max from redis-benchmark) with nothing
//      else running, then while a BGSAVE of those keys runs: the cost of fork.
//   3. SET throughput with appendonly yes and appendfsync everysec, at -P 1
//      and -P 16, alternating rounds; the Tachyon/Redis ratio is the median.
//
//   node bench/persistence.js [--keys 1000000] [--rounds 3] [-n 300000]
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { opt, freePort, serverCommand, send, waitReady, stop, tmp, removeTmp, datasetFile, load, median } = require('./lib');

const KEYS = Number(opt('--keys', '1000000'));
const ROUNDS = Number(opt('--rounds', '3'));
const REQUESTS = Number(opt('-n', '300000'));

async function start(kind, dir, extra = []) {
  const port = await freePort();
  const argv = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...extra];
  const cmd = serverCommand(kind, argv);
  let log = '';
  const child = spawn(cmd[0], cmd[1], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.on('data', (b) => (log += b));
  await waitReady(port, child);
  return { kind, port, child, dir, logs: () => log };
}

function benchmark(port, test, pipeline, n, extra = []) {
  const r = spawnSync(
    'redis-benchmark',
    ['-p', String(port), '-t', test, '-n', String(n), '-c', '50', '-r', String(KEYS), '-P', String(pipeline), '--csv', ...extra],
    { encoding: 'utf8' },
  );
  const row = r.stdout.trim().split('\n').pop().split(',').map((s) => s.replace(/"/g, ''));
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  return { rps: Number(row[1]), p50: Number(row[4]), p99: Number(row[6]), max: Number(row[7]) };
}

function benchmarkAsync(port, test, n) {
  return new Promise((resolve) => {
    const child = spawn('redis-benchmark', ['-p', String(port), '-t', test, '-n', String(n), '-c', '50', '-r', String(KEYS), '-P', '1', '--csv']);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', () => {
      const row = out.trim().split('\n').pop().split(',').map((s) => s.replace(/"/g, ''));
      resolve({ rps: Number(row[1]), p50: Number(row[4]), p99: Number(row[6]), max: Number(row[7]) });
    });
  });
}

const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

async function infoField(port, field) {
  const r = await send(port, 'INFO persistence');
  return (r.match(new RegExp(`${field}:(\\S+)`)) || [])[1];
}

async function main() {
  console.log(`dataset: ${KEYS} keys (60% strings, 10% each hashes, lists, sets, zsets of 5 elements)`);
  const file = datasetFile(KEYS);
  const rows = [];

  // 1. SAVE time, file size, load time.
  const servers = {};
  for (const kind of ['redis', 'tachyon']) {
    const dir = tmp(`tachyon-bench-${kind}-`);
    const s = await start(kind, dir);
    load(s, file);
    const t0 = process.hrtime.bigint();
    await send(s.port, 'SAVE');
    const saveSec = Number(process.hrtime.bigint() - t0) / 1e9;
    const size = fs.statSync(path.join(dir, 'dump.rdb')).size;
    await stop(s);
    const again = await start(kind, dir);
    const loadSec = Number((again.logs().match(/DB loaded from disk: ([\d.]+) seconds/) || [])[1]);
    const keys = Number((await send(again.port, 'DBSIZE')).slice(1));
    servers[kind] = again;
    rows.push({ kind, saveSec, size, loadSec, keys });
  }
  console.log(`\n| ${KEYS.toLocaleString('en')} mixed keys | Redis | Tachyon | ratio |\n|---|---:|---:|---:|`);
  const [r, t] = rows;
  console.log(`| keys after reload | ${r.keys} | ${t.keys} | |`);
  console.log(`| SAVE seconds | ${fmt(r.saveSec)} | ${fmt(t.saveSec)} | ${fmt(t.saveSec / r.saveSec)} |`);
  console.log(`| RDB file MB | ${fmt(r.size / 1048576, 1)} | ${fmt(t.size / 1048576, 1)} | ${fmt(t.size / r.size)} |`);
  console.log(`| load seconds (startup log) | ${fmt(r.loadSec, 3)} | ${fmt(t.loadSec, 3)} | ${fmt(t.loadSec / r.loadSec)} |`);

  // 2. GET latency alone, then during a BGSAVE.
  console.log('\n| GET -P 1, 50 clients | Redis p50/p99/max ms | Tachyon p50/p99/max ms |\n|---|---:|---:|');
  const idle = {};
  const during = {};
  for (const kind of ['redis', 'tachyon']) idle[kind] = benchmark(servers[kind].port, 'get', 1, REQUESTS);
  for (const kind of ['redis', 'tachyon']) {
    const s = servers[kind];
    const bench = benchmarkAsync(s.port, 'get', REQUESTS);
    await new Promise((res) => setTimeout(res, 300));
    await send(s.port, 'BGSAVE');
    const t0 = Date.now();
    while ((await infoField(s.port, 'rdb_bgsave_in_progress')) === '1') await new Promise((res) => setTimeout(res, 20));
    during[kind] = { ...(await bench), bgsaveMs: Date.now() - t0, cow: Number(await infoField(s.port, 'rdb_last_cow_size')) };
  }
  const l = (x) => `${fmt(x.p50, 3)} / ${fmt(x.p99, 3)} / ${fmt(x.max, 3)}`;
  console.log(`| alone | ${l(idle.redis)} | ${l(idle.tachyon)} |`);
  console.log(`| during BGSAVE | ${l(during.redis)} | ${l(during.tachyon)} |`);
  console.log(
    `| BGSAVE wall ms (polled) / CoW MB | ${during.redis.bgsaveMs} / ${fmt(during.redis.cow / 1048576, 1)} | ${during.tachyon.bgsaveMs} / ${fmt(during.tachyon.cow / 1048576, 1)} |`,
  );
  for (const kind of ['redis', 'tachyon']) await stop(servers[kind]);

  // 3. SET with the AOF, everysec.
  console.log('\n| SET, appendonly yes, everysec | Redis ops/s | Tachyon ops/s | ratio (median of rounds) |\n|---|---:|---:|---:|');
  const aof = {};
  for (const kind of ['redis', 'tachyon']) {
    const dir = tmp(`tachyon-bench-aof-${kind}-`);
    aof[kind] = await start(kind, dir, ['--appendonly', 'yes', '--appendfsync', 'everysec']);
  }
  for (const pipeline of [1, 16]) {
    const ratios = [];
    const rps = { redis: [], tachyon: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const n = pipeline === 1 ? REQUESTS : REQUESTS * 4;
      const a = benchmark(aof.redis.port, 'set', pipeline, n);
      const b = benchmark(aof.tachyon.port, 'set', pipeline, n);
      rps.redis.push(a.rps);
      rps.tachyon.push(b.rps);
      ratios.push(b.rps / a.rps);
    }
    console.log(`| set -P ${pipeline} | ${fmt(median(rps.redis), 0)} | ${fmt(median(rps.tachyon), 0)} | ${fmt(median(ratios))} |`);
  }
  for (const kind of ['redis', 'tachyon']) await stop(aof[kind]);
  removeTmp();
  fs.rmSync(file, { force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
