#!/usr/bin/env node
// Scripting side by side: EVALSHA of `return redis.call('incr', KEYS[1])` and
// an FCALL of the same body, run by redis-benchmark against a real
// redis-server and Tachyon (same settings, no persistence) in alternating
// rounds; prints ops/s and the Tachyon/Redis ratio (median of rounds).
//
//   node bench/scripting.js [--pipelines 1,16] [--rounds 3] [--requests 100000]
'use strict';
const { spawnSync } = require('node:child_process');
const { opt, cli, startServer, median } = require('./lib');

const pipelines = opt('--pipelines', '1,16').split(',').map(Number);
const rounds = Number(opt('--rounds', '3'));
const requests = Number(opt('--requests', '100000'));
const clients = 50;

const SCRIPT = "return redis.call('incr', KEYS[1])";
const LIBRARY = "#!lua name=benchlib\nredis.register_function('bincr', function(keys) return redis.call('incr', keys[1]) end)";

async function start(kind) {
  const { port, child } = await startServer(kind);
  const sha = cli(port, 'SCRIPT', 'LOAD', SCRIPT);
  cli(port, 'FUNCTION', 'LOAD', 'REPLACE', LIBRARY);
  return { kind, port, child, sha };
}

function run(server, test, pipeline) {
  const n = requests * Math.max(1, Math.floor(pipeline / 2));
  const cmd = test === 'evalsha' ? ['EVALSHA', server.sha, '1', 'key:__rand_int__'] : ['FCALL', 'bincr', '1', 'key:__rand_int__'];
  const r = spawnSync(
    'redis-benchmark',
    ['-p', String(server.port), '-c', String(clients), '-n', String(n), '-r', '100000', '-P', String(pipeline), '--csv', ...cmd],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr}`);
  const line = r.stdout.trim().split('\n').find((l) => !l.startsWith('"test"'));
  return Number(line.split(',')[1].replace(/"/g, ''));
}


async function main() {
  const redis = await start('redis');
  const tachyon = await start('tachyon');
  try {
    console.log(`redis-benchmark -c ${clients} -n ${requests} (x P/2 when pipelined), median of ${rounds} alternating rounds`);
    console.log('| test | Redis ops/s | Tachyon ops/s | ratio |\n|---|---:|---:|---:|');
    for (const pipeline of pipelines) {
      for (const test of ['evalsha', 'fcall']) {
        const r = [];
        const t = [];
        for (let i = 0; i < rounds; i++) {
          r.push(run(redis, test, pipeline));
          t.push(run(tachyon, test, pipeline));
        }
        const rm = median(r);
        const tm = median(t);
        console.log(`| ${test} -P ${pipeline} | ${Math.round(rm)} | ${Math.round(tm)} | ${(tm / rm).toFixed(2)} |`);
      }
    }
  } finally {
    redis.child.kill();
    tachyon.child.kill();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
