#!/usr/bin/env node
// A production cache under maxmemory, side by side with redis-server (issue 12):
// cache-aside clients (GET; on a miss, SET) over --keys possible keys whose
// popularity follows a Zipf law (exponent --zipf), values of 100-1,000 bytes
// (the size is fixed per key), --clients connections each with one request in
// flight, a fixed number of operations, for each eviction policy and server.
// Prints hit ratio, ops/s, CPU time per operation of the server and of this
// load client (/proc/PID/stat and process.cpuUsage over the measured phase:
// steadier than ops/s on a shared machine, and it shows when the client, not
// the server, is what limits ops/s), p50/p99 latency, evicted keys, the largest
// used_memory - maxmemory seen (INFO sampled every 50 ms), peak RSS (and its
// growth over the idle server), peak anonymous RSS (what no file backs: the
// part of RSS the kernel cannot drop and re-read), and the Tachyon/Redis ratios.
//
//   node bench/cache.js [--policies allkeys-lru,allkeys-lfu] [--maxmemory 64mb]
//                       [--keys 10000000] [--zipf 0.99] [--clients 50]
//                       [--ops 1000000] [--warmup 300000] [--rounds 1]
//                       [--only tachyon|redis]   (one server: to try a change quickly)
//                       [--smaps]   (where the peak RSS growth lives: /proc/PID/smaps by mapping)
//                       [--node-flags "--flag ..."]   (Node/V8 flags for Tachyon's process)
//
// The first --warmup operations fill the cache and are not measured (hit
// ratio, latency and CPU count the rest). Servers run one at a time,
// alternating (Redis first in odd rounds, Tachyon first in even ones); with
// --rounds N the ratios are of the medians.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const policies = opt('--policies', 'allkeys-lru,allkeys-lfu').split(',');
const maxmemory = opt('--maxmemory', '64mb');
const keySpace = Number(opt('--keys', '10000000'));
const zipfS = Number(opt('--zipf', '0.99'));
const clients = Number(opt('--clients', '50'));
const totalOps = Number(opt('--ops', '1000000'));
const warmup = Number(opt('--warmup', '300000'));
const rounds = Number(opt('--rounds', '1'));
const only = opt('--only', '');
const smaps = args.includes('--smaps');
const nodeFlags = opt('--node-flags', '').split(' ').filter(Boolean);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// Zipf sampling by rejection-inversion (Hörmann and Derflinger, 1996): O(1)
// per draw, no table over the 10,000,000 ranks. Ranks are 1..n.

function zipfSampler(n, s, random) {
  const helper1 = (x) => (Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - 0.25 * x)));
  const helper2 = (x) => (Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + x * (1 / 3) * (1 + 0.25 * x)));
  const h = (x) => Math.exp(-s * Math.log(x));
  const hIntegral = (x) => {
    const lx = Math.log(x);
    return helper2((1 - s) * lx) * lx;
  };
  const hIntegralInverse = (x) => {
    let t = x * (1 - s);
    if (t < -1) t = -1; // numerical safety at the lower end
    return Math.exp(helper1(t) * x);
  };
  const hX1 = hIntegral(1.5) - 1;
  const hN = hIntegral(n + 0.5);
  const sv = 2 - hIntegralInverse(hIntegral(2.5) - h(2));
  return () => {
    for (;;) {
      const u = hN + random() * (hX1 - hN);
      const x = hIntegralInverse(u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > n) k = n;
      if (k - x <= sv || u >= hIntegral(k + 0.5) - h(k)) return k;
    }
  };
}

// A small seeded generator, so both servers see the same request sequence.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Rank r is key "key:<scrambled r>" (popular keys spread over the hash table)
// with a value of 100-1,000 bytes fixed by the rank.
const scramble = (r) => (Math.imul(r, 2654435761) >>> 0) % 1000000007;
const valueSize = (r) => 100 + (Math.imul(r ^ 0x5bd1e995, 0x27d4eb2d) >>> 0) % 901;
const filler = 'x'.repeat(1000);

// ---------------------------------------------------------------------------
// Servers

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function cli(port, ...cmd) {
  return spawnSync('redis-cli', ['-p', String(port), ...cmd], { encoding: 'utf8' }).stdout.trim();
}

// CPU time (user + system) a process has used so far, in seconds: server CPU
// per operation is far steadier than ops/s on a shared machine.
const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
function procCpu(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) / clockTicks, sys: Number(f[12]) / clockTicks }; // utime, stime (fields 14, 15)
}

function procStatus(pid, field) {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+) kB`));
  return Number(m[1]) * 1024;
}

// Resident kB by kind of mapping: glibc's main heap, the executable, shared
// libraries, the addon, other files, and anonymous mappings by size (V8's
// heap pages are 256 KB; the used part of another thread's malloc arena and
// glibc's mmapped blocks are 1-16 MB; Redis's jemalloc takes bigger extents).
// Read at idle and at each new peak, it says what grew.
function smapsByMapping(pid) {
  const out = {};
  let name = null;
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      const kb = (parseInt(m[2], 16) - parseInt(m[1], 16)) / 1024;
      const file = m[3];
      if (file === '[heap]' || file === '[stack]') name = file;
      else if (file.endsWith('.node')) name = 'addon';
      else if (file.includes('.so')) name = 'libraries';
      else if (file.startsWith('/')) name = file === process.execPath || /redis-server/.test(file) ? 'executable' : 'other files';
      else if (file) name = file;
      else name = kb >= 16384 ? 'anonymous >= 16 MB' : kb >= 1024 ? 'anonymous 1-16 MB' : 'anonymous < 1 MB';
      continue;
    }
    const r = /^Rss:\s+(\d+) kB/.exec(line);
    if (r && name) out[name] = (out[name] || 0) + Number(r[1]);
  }
  return out;
}

async function start(kind, policy) {
  const port = await freePort();
  const common = ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1',
    '--maxmemory', maxmemory, '--maxmemory-policy', policy];
  const child =
    kind === 'redis'
      ? spawn('redis-server', common, { stdio: 'ignore' })
      : spawn(process.execPath, [...nodeFlags, path.join(__dirname, '..', 'bin', 'tachyon-server.js'), ...common], {
          stdio: 'ignore',
        });
  for (let i = 0; i < 200 && cli(port, 'PING') !== 'PONG'; i++) await sleep(50);
  return { kind, port, child };
}

function infoFields(text) {
  const o = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) o[line.slice(0, i)] = line.slice(i + 1);
  }
  return o;
}

// ---------------------------------------------------------------------------
// Load: one connection per client, one request in flight on each.

/** Ends of the replies this benchmark gets: +OK, $-1, $<n> bulk, -ERR/OOM, :n (INFO is a bulk). */
function replyEnd(buf, from) {
  const nl = buf.indexOf('\r\n', from);
  if (nl < 0) return -1;
  if (buf[from] !== '$') return nl + 2;
  const len = Number(buf.slice(from + 1, nl));
  if (len < 0) return nl + 2;
  return buf.length >= nl + 2 + len + 2 ? nl + 2 + len + 2 : -1;
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    sock.setEncoding('latin1');
    const conn = { sock, buf: '', pending: null };
    sock.on('data', (d) => {
      conn.buf += d;
      if (!conn.pending) return;
      const end = replyEnd(conn.buf, 0);
      if (end < 0) return;
      const reply = conn.buf.slice(0, end);
      conn.buf = conn.buf.slice(end);
      const p = conn.pending;
      conn.pending = null;
      p(reply);
    });
    sock.on('error', reject);
    sock.on('connect', () => resolve(conn));
  });
}

const send = (conn, text) =>
  new Promise((resolve) => {
    conn.pending = resolve;
    conn.sock.write(text);
  });

const resp = (...a) => `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`;

async function run(kind, policy) {
  const s = await start(kind, policy);
  const rssIdle = procStatus(s.child.pid, 'VmRSS');
  const mapsIdle = smaps ? smapsByMapping(s.child.pid) : null;
  let mapsPeak = null;
  const maxmemoryBytes = Number(cli(s.port, 'CONFIG', 'GET', 'maxmemory').split('\n')[1]);
  const next = zipfSampler(keySpace, zipfS, mulberry32(12345));
  let issued = 0;
  let hits = 0;
  let misses = 0;
  let errors = 0;
  let lastError = '';
  const latencies = new Float64Array(Math.max(0, totalOps - warmup));
  let measured = 0;
  let measureStart = 0;
  let cpuStart = { user: 0, sys: 0 };
  let clientCpuStart = null;
  let maxOver = -Infinity;
  let peakRss = 0;
  let peakAnon = 0; // RssAnon: the resident memory that cannot be dropped and re-read from a file

  // INFO sampler on its own connection: used_memory over maxmemory, RSS.
  const monitor = await connect(s.port);
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const text = await send(monitor, resp('INFO', 'memory'));
      const used = Number(infoFields(text).used_memory);
      if (used - maxmemoryBytes > maxOver) maxOver = used - maxmemoryBytes;
      const rss = procStatus(s.child.pid, 'VmRSS');
      if (smaps && rss > peakRss) mapsPeak = smapsByMapping(s.child.pid);
      peakRss = Math.max(peakRss, rss);
      peakAnon = Math.max(peakAnon, procStatus(s.child.pid, 'RssAnon'));
      await sleep(50);
    }
  })();

  const conns = await Promise.all(Array.from({ length: clients }, () => connect(s.port)));
  const t0 = process.hrtime.bigint();
  await Promise.all(
    conns.map(async (conn) => {
      while (issued < totalOps) {
        const op = issued++;
        const rank = next();
        const key = `key:${scramble(rank)}`;
        const start = process.hrtime.bigint();
        if (op === warmup) {
          measureStart = Number(start);
          cpuStart = procCpu(s.child.pid);
          clientCpuStart = process.cpuUsage();
        }
        const got = await send(conn, resp('GET', key));
        const hit = got[0] === '$' && got[1] !== '-';
        if (!hit) {
          const r = await send(conn, resp('SET', key, filler.slice(0, valueSize(rank))));
          if (r[0] === '-') {
            errors++;
            lastError = r.trim();
          }
        }
        if (op >= warmup) {
          if (hit) hits++;
          else misses++;
          latencies[measured++] = Number(process.hrtime.bigint() - start) / 1e6;
        }
      }
    }),
  );
  const elapsed = (Number(process.hrtime.bigint()) - (measureStart || Number(t0))) / 1e9;
  const cpuEnd = procCpu(s.child.pid);
  const serverSys = cpuEnd.sys - cpuStart.sys;
  const serverCpu = cpuEnd.user - cpuStart.user + serverSys;
  const clientUsage = process.cpuUsage(clientCpuStart || undefined);
  const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;
  sampling = false;
  await sampler;
  const stats = infoFields(await send(monitor, resp('INFO', 'stats')));
  const mem = infoFields(await send(monitor, resp('INFO', 'memory')));
  for (const c of [...conns, monitor]) c.sock.destroy();
  peakRss = Math.max(peakRss, procStatus(s.child.pid, 'VmHWM'));
  s.child.kill('SIGTERM');
  await new Promise((r) => s.child.once('exit', r));
  const lat = Array.from(latencies.subarray(0, measured)).sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((lat.length * p) / 100))];
  return {
    kind,
    policy,
    hitRatio: hits / (hits + misses),
    opsPerSec: measured / elapsed,
    cpuPerOp: (serverCpu / measured) * 1e6, // server CPU microseconds per measured operation
    sysShare: serverSys / serverCpu, // of the server's CPU, the part spent in the kernel
    clientCpuPerOp: (clientCpu / measured) * 1e6, // the same for the load client
    serverBusy: serverCpu / elapsed, // fraction of one core the server used
    clientBusy: clientCpu / elapsed, // and the load client (this process)
    p50: pct(50),
    p99: pct(99),
    evicted: Number(stats.evicted_keys),
    maxOver,
    peakRss,
    peakAnon,
    rssGrowth: peakRss - rssIdle,
    usedMemory: Number(mem.used_memory),
    errors,
    lastError,
    mapsIdle,
    mapsPeak,
  };
}

// ---------------------------------------------------------------------------

(async () => {
  const mb = (b) => (b / 1048576).toFixed(1);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `cache-aside: ${keySpace} keys, Zipf s=${zipfS}, values 100-1000 bytes, maxmemory ${maxmemory}, ` +
      `${clients} clients, ${totalOps} operations (first ${warmup} not measured), ${rounds} round(s)\n`,
  );
  console.log('| policy | server | hit ratio | ops/s | server CPU us/op (kernel share) | client CPU us/op | server / client busy | p50 ms | p99 ms | evicted keys | max used_memory - maxmemory | peak RSS MB | peak RSS growth MB | peak anonymous RSS MB |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const summary = [];
  for (const policy of policies) {
    const res = { redis: [], tachyon: [] };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ['redis', 'tachyon'] : ['tachyon', 'redis'];
      for (const kind of order.filter((k) => !only || k === only)) {
        const x = await run(kind, policy);
        res[kind].push(x);
        console.log(
          `| ${policy} | ${kind} | ${(x.hitRatio * 100).toFixed(2)}% | ${Math.round(x.opsPerSec)} | ${x.cpuPerOp.toFixed(2)} (${(x.sysShare * 100).toFixed(0)}%) | ${x.clientCpuPerOp.toFixed(2)} | ` +
            `${(x.serverBusy * 100).toFixed(0)}% / ${(x.clientBusy * 100).toFixed(0)}% | ${x.p50.toFixed(3)} | ` +
            `${x.p99.toFixed(3)} | ${x.evicted} | ${x.maxOver} B | ${mb(x.peakRss)} | ${mb(x.rssGrowth)} | ${mb(x.peakAnon)} |` +
            (x.errors ? ` ${x.errors} errors (${x.lastError})` : ''),
        );
        if (x.mapsPeak) {
          const names = [...new Set([...Object.keys(x.mapsIdle), ...Object.keys(x.mapsPeak)])].sort();
          const kb = (o, n) => o[n] || 0;
          console.log(
            '    smaps growth at the sampled peak, MB: ' +
              names
                .map((n) => [n, kb(x.mapsPeak, n) - kb(x.mapsIdle, n)])
                .filter(([, d]) => Math.abs(d) >= 64)
                .map(([n, d]) => `${n} ${d >= 0 ? '+' : ''}${(d / 1024).toFixed(2)}`)
                .join(', '),
          );
        }
      }
    }
    if (only) continue;
    const m = (kind, f) => median(res[kind].map(f));
    summary.push({
      policy,
      hitDiff: (m('tachyon', (x) => x.hitRatio) - m('redis', (x) => x.hitRatio)) * 100,
      ops: m('tachyon', (x) => x.opsPerSec) / m('redis', (x) => x.opsPerSec),
      cpu: m('tachyon', (x) => x.cpuPerOp) / m('redis', (x) => x.cpuPerOp),
      p99: m('tachyon', (x) => x.p99) / m('redis', (x) => x.p99),
      rss: m('tachyon', (x) => x.peakRss) / m('redis', (x) => x.peakRss),
      rssGrowth: m('tachyon', (x) => x.rssGrowth) / m('redis', (x) => x.rssGrowth),
      anon: m('tachyon', (x) => x.peakAnon) / m('redis', (x) => x.peakAnon),
    });
  }
  if (only) return;
  console.log('\n| policy | hit ratio, Tachyon - Redis (points) | ops/s ratio | server CPU per op ratio | p99 ratio | peak RSS ratio | peak RSS growth ratio | peak anonymous RSS ratio |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const x of summary) {
    console.log(`| ${x.policy} | ${x.hitDiff >= 0 ? '+' : ''}${x.hitDiff.toFixed(2)} | ${x.ops.toFixed(2)} | ${x.cpu.toFixed(2)} | ${x.p99.toFixed(2)} | ${x.rss.toFixed(2)} | ${x.rssGrowth.toFixed(2)} | ${x.anon.toFixed(2)} |`);
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
