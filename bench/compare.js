#!/usr/bin/env node
// Side-by-side throughput: real redis-server and Tachyon, same settings, same
// redis-benchmark runs, alternating in rounds within one run; prints ops/s,
// p50/p99 latency, the server's CPU time per request (user + system, from
// /proc) and the Tachyon/Redis ratio (median of rounds).
//
//   node bench/compare.js [--tests set,get,incr,mset] [--pipelines 1,16]
//                         [--rounds 3] [-n 200000] [-c 50] [-r 100000]
//                         [--server-args "--latency-tracking no ..."]
//
// --server-args are given to both servers (e.g. to switch the per-command
// latency histograms and the slowlog off on both and see what they cost).
//
// Test names are redis-benchmark -t names, or one of CUSTOM below: a command
// line run with redis-benchmark's custom-command mode, after a preparation
// (same on both servers) that puts the data in place before every round.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { opt, freePort, serverCommand, waitReady, cpuSeconds, median } = require('./lib');

const tests = opt('--tests', 'set,get,incr,mset').split(',');
const pipelines = opt('--pipelines', '1,16').split(',').map(Number);
const rounds = Number(opt('--rounds', '3'));
const requests = Number(opt('-n', '200000'));
const clients = Number(opt('-c', '50'));
const keyspace = Number(opt('-r', '100000'));

const common = [
  '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--protected-mode', 'yes',
  ...opt('--server-args', '').split(' ').filter(Boolean),
];

/** Runs one command on a server and returns its reply text (redis-cli). */
function cli(port, ...cmd) {
  const r = spawnSync('redis-cli', ['-p', String(port), ...cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`redis-cli ${cmd.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Adds `count` entries to a stream, pipelined. */
function fillStream(port, key, count) {
  const r = spawnSync(
    'redis-benchmark',
    ['-p', String(port), '-c', '4', '-n', String(count), '-P', '100', '-q', 'XADD', key, '*', 'field', 'value-__rand_int__'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`filling ${key} failed: ${r.stderr}`);
}

/**
 * Custom-command tests: `cmd` for redis-benchmark, `prepare(port, n)` before
 * each round (n: the round's request count).
 */
const SCRIPT = "return redis.call('incr', KEYS[1])";
const SCRIPT_SHA = require('node:crypto').createHash('sha1').update(SCRIPT).digest('hex');
const LIBRARY = "#!lua name=benchlib\nredis.register_function('bincr', function(keys) return redis.call('incr', keys[1]) end)";

const CUSTOM = {
  // The scripting bench's script and function (bench/scripting.js), with CPU time per request.
  evalsha: {
    cmd: ['EVALSHA', SCRIPT_SHA, '1', 'key:__rand_int__'],
    prepare: (port) => cli(port, 'SCRIPT', 'LOAD', SCRIPT),
  },
  fcall: {
    cmd: ['FCALL', 'bincr', '1', 'key:__rand_int__'],
    prepare: (port) => cli(port, 'FUNCTION', 'LOAD', 'REPLACE', LIBRARY),
  },
  // Appends to one stream, started empty each round.
  xadd: {
    cmd: ['XADD', 'bench:xadd', '*', 'field', 'value-__rand_int__'],
    prepare: (port) => cli(port, 'DEL', 'bench:xadd'),
  },
  // The first 10 of 1,000 entries.
  xrange_10: {
    cmd: ['XRANGE', 'bench:xrange', '-', '+', 'COUNT', '10'],
    prepare: (port) => {
      if (cli(port, 'XLEN', 'bench:xrange') !== '1000') {
        cli(port, 'DEL', 'bench:xrange');
        fillStream(port, 'bench:xrange', 1000);
      }
    },
  },
  // One new entry per call, recorded in the group's and the consumer's PEL;
  // the stream holds one entry per request so '>' never runs dry, and the
  // group starts over (empty PEL) each round.
  xreadgroup: {
    cmd: ['XREADGROUP', 'GROUP', 'g', 'c-__rand_int__', 'COUNT', '1', 'STREAMS', 'bench:xread', '>'],
    prepare: (port, n) => {
      if (Number(cli(port, 'XLEN', 'bench:xread')) < n) {
        cli(port, 'DEL', 'bench:xread');
        fillStream(port, 'bench:xread', n);
      }
      cli(port, 'XGROUP', 'DESTROY', 'bench:xread', 'g');
      cli(port, 'XGROUP', 'CREATE', 'bench:xread', 'g', '0');
    },
  },
};

async function start(kind) {
  const port = await freePort();
  const cmd = serverCommand(kind, ['--port', String(port), ...common]);
  const child = spawn(cmd[0], cmd[1], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitReady(port, child);
  return { kind, port, child };
}

// Pipelined runs get proportionally more requests, so that each lasts long
// enough (a second or more) for connection setup not to dominate.
function benchmark(server, test, pipeline) {
  const { port } = server;
  const n = requests * Math.max(1, Math.floor(pipeline / 2));
  const custom = CUSTOM[test];
  if (custom) custom.prepare(port, n);
  const what = custom ? custom.cmd : ['-t', test];
  const cpu0 = cpuSeconds(server.child.pid);
  const r = spawnSync(
    'redis-benchmark',
    ['-p', String(port), '-c', String(clients), '-n', String(n), '-r', String(keyspace), '-P', String(pipeline), '--csv', ...what],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr}`);
  const line = r.stdout.trim().split('\n').find((l) => !l.startsWith('"test"'));
  const cols = line.split(',').map((s) => s.replace(/"/g, ''));
  const cpuUs = ((cpuSeconds(server.child.pid) - cpu0) * 1e6) / n;
  return { rps: Number(cols[1]), p50: Number(cols[4]), p99: Number(cols[6]), cpuUs };
}


async function main() {
  const redis = await start('redis');
  const tachyon = await start('tachyon');
  const rows = [];
  try {
    for (const pipeline of pipelines) {
      for (const test of tests) {
        const res = { redis: [], tachyon: [] };
        for (let i = 0; i < rounds; i++) {
          // Alternate who goes first so drift on a shared machine hits both.
          const order = i % 2 === 0 ? [redis, tachyon] : [tachyon, redis];
          for (const s of order) res[s.kind].push(benchmark(s, test, pipeline));
        }
        const pick = (xs, k) => median(xs.map((x) => x[k]));
        const row = {
          test: `${test} -P ${pipeline}`,
          redis: pick(res.redis, 'rps'),
          tachyon: pick(res.tachyon, 'rps'),
          ratio: median(res.tachyon.map((t, i) => t.rps / res.redis[i].rps)),
          redisP50: pick(res.redis, 'p50'),
          tachyonP50: pick(res.tachyon, 'p50'),
          redisP99: pick(res.redis, 'p99'),
          tachyonP99: pick(res.tachyon, 'p99'),
          redisCpu: pick(res.redis, 'cpuUs'),
          tachyonCpu: pick(res.tachyon, 'cpuUs'),
        };
        rows.push(row);
        console.error(`${row.test}: ratio ${row.ratio.toFixed(2)}`);
      }
    }
  } finally {
    redis.child.kill('SIGTERM');
    tachyon.child.kill('SIGTERM');
  }
  console.log(
    `\nredis-benchmark -c ${clients} -n ${requests} (x P/2 when pipelined) -r ${keyspace}, median of ${rounds} alternating rounds\n`,
  );
  console.log('| test | Redis ops/s | Tachyon ops/s | ratio | p50 ms (R/T) | p99 ms (R/T) | server CPU µs/request (R/T) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.test} | ${Math.round(r.redis)} | ${Math.round(r.tachyon)} | ${r.ratio.toFixed(2)} | ${r.redisP50}/${r.tachyonP50} | ` +
        `${r.redisP99}/${r.tachyonP99} | ${r.redisCpu.toFixed(2)}/${r.tachyonCpu.toFixed(2)} |`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
