#!/usr/bin/env node
// SET and GET over TLS, side by side: redis-server's TLS (Debian's build) and
// Tachyon's (native OpenSSL on the native I/O path, or Node's tls module with
// --node-tls, which runs Tachyon with TACHYON_NATIVE_IO=0). Certificates are
// made with openssl in a temporary directory; both servers get the same
// options (tls-port only, tls-auth-clients no). Alternating rounds; prints
// ops/s, p50/p99, server CPU µs/request and the Tachyon/Redis ratio (median).
//
//   node bench/tls.js [--tests set,get] [--pipelines 1,16] [--rounds 3] [-n 100000] [-c 50] [--node-tls]
'use strict';
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const { opt, freePort, serverCommand, cpuSeconds, median } = require('./lib');
const os = require('node:os');
const path = require('node:path');

const tests = opt('--tests', 'set,get').split(',');
const pipelines = opt('--pipelines', '1,16').split(',').map(Number);
const rounds = Number(opt('--rounds', '3'));
const requests = Number(opt('-n', '100000'));
const clients = Number(opt('-c', '50'));
const nodeTls = process.argv.includes('--node-tls');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-tls-bench-'));
const ssl = (...a) => execFileSync('openssl', a, { cwd: dir, stdio: 'ignore' });
ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=bench CA');
ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2');
const ca = path.join(dir, 'ca.crt');

function tlsCli(port, ...cmd) {
  return spawnSync('redis-cli', ['-p', String(port), '--tls', '--cacert', ca, ...cmd], { encoding: 'utf8' }).stdout.trim();
}

async function start(kind) {
  const port = await freePort();
  const conf = [
    '--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--tls-cert-file', path.join(dir, 'server.crt'), '--tls-key-file', path.join(dir, 'server.key'),
    '--tls-ca-cert-file', ca, '--tls-auth-clients', 'no',
  ];
  const [cmd, argv, env] =
    kind === 'redis'
      ? ['redis-server', conf, process.env]
      : [process.execPath, [path.join(__dirname, '..', 'bin', 'tachyon-server.js'), ...conf], { ...process.env, ...(nodeTls ? { TACHYON_NATIVE_IO: '0' } : {}) }];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'inherit'], env });
  for (let i = 0; i < 200 && tlsCli(port, 'PING') !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 50));
  if (tlsCli(port, 'PING') !== 'PONG') throw new Error(`${kind} did not answer over TLS`);
  return { kind, port, child };
}

function run(server, test, pipeline) {
  const n = requests * Math.max(1, Math.floor(pipeline / 2));
  const cpu0 = cpuSeconds(server.child.pid);
  const r = spawnSync(
    'redis-benchmark',
    ['-p', String(server.port), '--tls', '--cacert', ca, '-c', String(clients), '-n', String(n), '-r', '100000', '-P', String(pipeline), '--csv', '-t', test],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr}`);
  const cols = r.stdout.trim().split('\n').find((l) => !l.startsWith('"test"')).split(',').map((s) => s.replace(/"/g, ''));
  return { rps: Number(cols[1]), p50: Number(cols[4]), p99: Number(cols[6]), cpuUs: ((cpuSeconds(server.child.pid) - cpu0) * 1e6) / n };
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
          for (const s of i % 2 === 0 ? [redis, tachyon] : [tachyon, redis]) res[s.kind].push(run(s, test, pipeline));
        }
        const pick = (xs, k) => median(xs.map((x) => x[k]));
        const row = {
          test: `${test} -P ${pipeline}`,
          redis: pick(res.redis, 'rps'),
          tachyon: pick(res.tachyon, 'rps'),
          ratio: median(res.tachyon.map((t, i) => t.rps / res.redis[i].rps)),
          p50: `${pick(res.redis, 'p50')}/${pick(res.tachyon, 'p50')}`,
          p99: `${pick(res.redis, 'p99')}/${pick(res.tachyon, 'p99')}`,
          cpu: `${pick(res.redis, 'cpuUs').toFixed(2)}/${pick(res.tachyon, 'cpuUs').toFixed(2)}`,
        };
        rows.push(row);
        console.error(`${row.test}: ratio ${row.ratio.toFixed(2)}`);
      }
    }
  } finally {
    redis.child.kill('SIGTERM');
    tachyon.child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nTLS (${nodeTls ? "Tachyon on Node's tls module" : 'Tachyon native TLS'}), redis-benchmark --tls -c ${clients} -n ${requests} (x P/2 when pipelined), median of ${rounds} alternating rounds\n`);
  console.log('| test | Redis ops/s | Tachyon ops/s | ratio | p50 ms (R/T) | p99 ms (R/T) | server CPU µs/request (R/T) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.test} | ${Math.round(r.redis)} | ${Math.round(r.tachyon)} | ${r.ratio.toFixed(2)} | ${r.p50} | ${r.p99} | ${r.cpu} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
