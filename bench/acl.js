#!/usr/bin/env node
// The cost of ACL checks: SET and GET through redis-benchmark as the default
// user (+@all ~* &*: no checks) and as a user with 20 key patterns (the one
// that matches the benchmark's keys last, a few sharing its first byte, two
// starting with a wildcard), on Tachyon and, for reference, on redis-server.
// Rounds alternate between the two users; prints ops/s, server CPU
// µs/request and the restricted/default ratio (median of rounds).
//
//   node bench/acl.js [--tests set,get] [--pipelines 1,16] [--rounds 5] [-n 200000] [-c 50]
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { opt, freePort, serverCommand, waitReady, cpuSeconds, median } = require('./lib');

const tests = opt('--tests', 'set,get').split(',');
const pipelines = opt('--pipelines', '1,16').split(',').map(Number);
const rounds = Number(opt('--rounds', '5'));
const requests = Number(opt('-n', '200000'));
const clients = Number(opt('-c', '50'));
const servers = opt('--servers', 'tachyon,redis').split(',');

// redis-benchmark's keys are key:__rand_int__ ("key:000000012345").
const PATTERNS = [
  'user:*', 'session:*', 'cache:*', 'queue:*', 'lock:*', 'rate:*', 'feed:*', 'cart:*', 'order:*', 'product:*',
  'kv:*', 'kafka:*', 'keys-old:*', 'metrics:*', 'job:*', '*:tmp', '*:{shard}', 'tenant:?:data', 'ab[cd]*', 'key:*',
];

function cli(port, ...cmd) {
  const r = spawnSync('redis-cli', ['-p', String(port), ...cmd], { encoding: 'utf8' });
  if (r.status !== 0 || r.stdout.startsWith('ERR')) throw new Error(`redis-cli ${cmd.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

async function start(kind) {
  const port = await freePort();
  const common = ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'];
  const [cmd, argv] = serverCommand(kind, common);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitReady(port, child);
  cli(port, 'ACL', 'SETUSER', 'bench', 'on', '>benchpw', '+@all', ...PATTERNS.map((p) => `~${p}`));
  return { kind, port, child };
}

function run(server, test, pipeline, user) {
  const n = requests * Math.max(1, Math.floor(pipeline / 2));
  const auth = user ? ['--user', 'bench', '-a', 'benchpw'] : [];
  const cpu0 = cpuSeconds(server.child.pid);
  const r = spawnSync(
    'redis-benchmark',
    ['-p', String(server.port), ...auth, '-c', String(clients), '-n', String(n), '-r', '100000', '-P', String(pipeline), '--csv', '-t', test],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr}`);
  const line = r.stdout.trim().split('\n').find((l) => !l.startsWith('"test"'));
  return { rps: Number(line.split(',')[1].replace(/"/g, '')), cpuUs: ((cpuSeconds(server.child.pid) - cpu0) * 1e6) / n };
}


async function main() {
  const started = [];
  for (const kind of servers) started.push(await start(kind));
  const rows = [];
  try {
    for (const s of started) {
      // A denied key proves the checks are on.
      const denied = spawnSync('redis-cli', ['-p', String(s.port), '--user', 'bench', '--pass', 'benchpw', '--no-auth-warning', 'GET', 'other'], { encoding: 'utf8' });
      if (!denied.stdout.startsWith('NOPERM')) throw new Error(`${s.kind}: the bench user is not restricted (${denied.stdout})`);
      for (const pipeline of pipelines) {
        for (const test of tests) {
          const res = { plain: [], acl: [] };
          for (let i = 0; i < rounds; i++) {
            const order = i % 2 === 0 ? ['plain', 'acl'] : ['acl', 'plain'];
            for (const k of order) res[k].push(run(s, test, pipeline, k === 'acl'));
          }
          const row = {
            server: s.kind,
            test: `${test} -P ${pipeline}`,
            plain: median(res.plain.map((x) => x.rps)),
            acl: median(res.acl.map((x) => x.rps)),
            ratio: median(res.acl.map((a, i) => a.rps / res.plain[i].rps)),
            plainCpu: median(res.plain.map((x) => x.cpuUs)),
            aclCpu: median(res.acl.map((x) => x.cpuUs)),
          };
          rows.push(row);
          console.error(`${row.server} ${row.test}: ratio ${row.ratio.toFixed(3)}, CPU ${row.plainCpu.toFixed(2)}/${row.aclCpu.toFixed(2)} µs`);
        }
      }
    }
  } finally {
    for (const s of started) s.child.kill('SIGTERM');
  }
  console.log(`\nredis-benchmark -c ${clients} -n ${requests} (x P/2 when pipelined) -r 100000, median of ${rounds} alternating rounds`);
  console.log('default user (+@all ~* &*) vs a user with 20 key patterns (+@all)\n');
  console.log('| server | test | default ops/s | 20 patterns ops/s | ratio | server CPU µs/request (default/20 patterns) |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.server} | ${r.test} | ${Math.round(r.plain)} | ${Math.round(r.acl)} | ${r.ratio.toFixed(3)} | ${r.plainCpu.toFixed(2)}/${r.aclCpu.toFixed(2)} |`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
