#!/usr/bin/env node
// Bitmaps, HyperLogLog and geo side by side: real redis-server and Tachyon
// with the same settings and the same data, redis-benchmark with custom
// commands in alternating rounds; prints ops/s, p50/p99 latency, the
// server's CPU time per request and the Tachyon/Redis ratio (median of
// rounds). With --memory it compares the memory of many HyperLogLogs instead.
//
//   node bench/datatypes.js [--tests setbit,bitcount,pfadd,pfcount,pfcount2,geoadd,geosearch]
//                           [--pipelines 1,16] [--rounds 3] [-n 200000] [-c 50]
//   node bench/datatypes.js --memory [--hlls 100000] [--elements 100]
'use strict';
const { spawnSync } = require('node:child_process');
const net = require('node:net');
const { args, opt, cli, resp, startServer, cpuSeconds, rssBytes, median } = require('./lib');


// Each test: the command redis-benchmark sends (__rand_int__ is replaced by a
// random number below -r) and the data loaded first on both servers.
const TESTS = {
  // __rand_int__ is zero-padded, which no offset parser accepts: the key varies instead.
  setbit: { cmd: ['SETBIT', 'bits:__rand_int__', '1023', '1'], r: 100000 },
  bitcount: { cmd: ['BITCOUNT', 'bits'], load: 'bitmap' },
  pfadd: { cmd: ['PFADD', 'hll', 'element:__rand_int__'], r: 1000000 },
  pfcount: { cmd: ['PFCOUNT', 'hll'], load: 'hll' },
  pfcount2: { cmd: ['PFCOUNT', 'hll', 'hll2'], load: 'hll' },
  geoadd: { cmd: ['GEOADD', 'geo', '13.__rand_int__', '38.__rand_int__', 'member:__rand_int__'], r: 100000 },
  geosearch: { cmd: ['GEOSEARCH', 'geo', 'FROMLONLAT', '15', '37', 'BYRADIUS', '5', 'km', 'ASC', 'COUNT', '10'], load: 'geo' },
};

const start = (kind) => startServer(kind);


/** Sends commands over one pipelined connection and waits for all replies. */
function pipeline(port, commands) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let replies = 0;
    sock.on('data', (d) => {
      for (const b of d) if (b === 10) replies++;
      if (replies >= commands.length) {
        sock.end();
        resolve();
      }
    });
    sock.on('error', reject);
    let i = 0;
    const writeMore = () => {
      while (i < commands.length) {
        const chunk = commands.slice(i, i + 1000).join('');
        i += 1000;
        if (!sock.write(chunk)) return sock.once('drain', writeMore);
      }
    };
    writeMore();
  });
}

/** Deterministic pseudo-random numbers, the same data on both servers. */
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

async function load(port, what) {
  const rand = prng(42);
  const cmds = [];
  if (what === 'bitmap') {
    for (let i = 0; i < 20000; i++) cmds.push(resp('SETBIT', 'bits', Math.floor(rand() * 1000000), 1));
  } else if (what === 'hll') {
    for (let i = 0; i < 100; i++) {
      const elements = Array.from({ length: 1000 }, (_, j) => `e${i * 1000 + j}`);
      cmds.push(resp('PFADD', 'hll', ...elements), resp('PFADD', 'hll2', ...elements.map((e) => `x${e}`)));
    }
  } else if (what === 'geo') {
    // 100,000 points within a few hundred km of the search centre.
    for (let i = 0; i < 1000; i++) {
      const a = ['GEOADD', 'geo'];
      for (let j = 0; j < 100; j++) a.push((13 + rand() * 4).toFixed(6), (35 + rand() * 4).toFixed(6), `p${i * 100 + j}`);
      cmds.push(resp(...a));
    }
  }
  if (cmds.length) await pipeline(port, cmds);
}

function benchmark(server, test, pipelineDepth, requests, clients) {
  const n = requests * Math.max(1, Math.floor(pipelineDepth / 2));
  const cpu0 = cpuSeconds(server.child.pid);
  const r = spawnSync(
    'redis-benchmark',
    ['-p', String(server.port), '-c', String(clients), '-n', String(n), '-r', String(TESTS[test].r ?? 100000),
      '-P', String(pipelineDepth), '--csv', ...TESTS[test].cmd],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr}`);
  const line = r.stdout.trim().split('\n').find((l) => !l.startsWith('"test"'));
  const cols = line.split(',').map((s) => s.replace(/"/g, ''));
  return { rps: Number(cols[1]), p50: Number(cols[4]), p99: Number(cols[6]), cpuUs: ((cpuSeconds(server.child.pid) - cpu0) * 1e6) / n };
}


async function throughput() {
  const tests = opt('--tests', Object.keys(TESTS).join(',')).split(',');
  const pipelines = opt('--pipelines', '1,16').split(',').map(Number);
  const rounds = Number(opt('--rounds', '3'));
  const requests = Number(opt('-n', '200000'));
  const clients = Number(opt('-c', '50'));
  const servers = [await start('redis'), await start('tachyon')];
  const rows = [];
  try {
    for (const s of servers) {
      for (const what of new Set(tests.map((t) => TESTS[t].load).filter(Boolean))) await load(s.port, what);
    }
    for (const p of pipelines) {
      for (const test of tests) {
        const res = { redis: [], tachyon: [] };
        for (let i = 0; i < rounds; i++) {
          const order = i % 2 === 0 ? servers : [...servers].reverse();
          for (const s of order) res[s.kind].push(benchmark(s, test, p, requests, clients));
        }
        const pick = (xs, k) => median(xs.map((x) => x[k]));
        const row = {
          test: `${test} -P ${p}`,
          ratio: median(res.tachyon.map((t, i) => t.rps / res.redis[i].rps)),
          r: res.redis,
          t: res.tachyon,
          pick,
        };
        rows.push(row);
        console.error(`${row.test}: ratio ${row.ratio.toFixed(2)}`);
      }
    }
  } finally {
    for (const s of servers) s.child.kill('SIGTERM');
  }
  console.log(`\nredis-benchmark -c ${clients} -n ${requests} (x P/2 when pipelined), median of ${rounds} alternating rounds\n`);
  console.log('| test | Redis ops/s | Tachyon ops/s | ratio | p50 ms (R/T) | p99 ms (R/T) | server CPU µs/request (R/T) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const { test, ratio, r, t, pick } of rows) {
    console.log(
      `| ${test} | ${Math.round(pick(r, 'rps'))} | ${Math.round(pick(t, 'rps'))} | ${ratio.toFixed(2)} | ` +
        `${pick(r, 'p50')}/${pick(t, 'p50')} | ${pick(r, 'p99')}/${pick(t, 'p99')} | ` +
        `${pick(r, 'cpuUs').toFixed(2)}/${pick(t, 'cpuUs').toFixed(2)} |`,
    );
  }
}

const usedMemory = (port) => Number((cli(port, 'INFO', 'memory').match(/used_memory:(\d+)/) || [])[1]);

async function memory() {
  const hlls = Number(opt('--hlls', '100000'));
  const elements = Number(opt('--elements', '100'));
  const result = {};
  for (const kind of ['redis', 'tachyon']) {
    const s = await start(kind);
    try {
      await new Promise((r) => setTimeout(r, 500));
      const before = rssBytes(s.child.pid);
      const usedBefore = usedMemory(s.port);
      const cmds = [];
      for (let i = 0; i < hlls; i++) {
        // Added a few at a time, as an application counting events would.
        for (let j = 0; j < elements; j += 10) {
          cmds.push(resp('PFADD', `hll:${i}`, ...Array.from({ length: Math.min(10, elements - j) }, (_, k) => `user:${i}:${j + k}`)));
        }
      }
      await pipeline(s.port, cmds);
      result[kind] = {
        keys: Number(cli(s.port, 'DBSIZE')),
        encoding: cli(s.port, 'PFDEBUG', 'ENCODING', 'hll:0'),
        bytes: Number(cli(s.port, 'STRLEN', 'hll:0')),
        rss: rssBytes(s.child.pid) - before,
        used: usedMemory(s.port) - usedBefore,
      };
    } finally {
      s.child.kill('SIGTERM');
    }
  }
  const mb = (b) => (b / 1048576).toFixed(1);
  const { redis: r, tachyon: t } = result;
  console.log(`${hlls} HyperLogLogs of ${elements} elements (${r.keys} / ${t.keys} keys, ${r.encoding}, ${r.bytes} / ${t.bytes} bytes each)\n`);
  console.log('| | Redis | Tachyon | ratio |');
  console.log('|---|---:|---:|---:|');
  console.log(`| RSS growth (MB) | ${mb(r.rss)} | ${mb(t.rss)} | ${(t.rss / r.rss).toFixed(2)} |`);
  console.log(`| bytes per key (RSS) | ${Math.round(r.rss / r.keys)} | ${Math.round(t.rss / t.keys)} | |`);
  console.log(`| INFO used_memory growth (MB) | ${mb(r.used)} | ${mb(t.used)} | |`);
}

(args.includes('--memory') ? memory() : throughput()).catch((e) => {
  console.error(e);
  process.exit(1);
});
