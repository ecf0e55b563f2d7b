#!/usr/bin/env node
// Client memory, side by side with redis-server (issue 12, part 5):
//
//   1. a client pipelines 1,000 LRANGE of a 100,000-element list and never
//      reads, under client-output-buffer-limit normal 10mb 5mb 10: unwritten
//      output when it was closed, peak RSS growth, other clients' worst wait;
//   2. the same with the default limits (none for normal clients): the whole
//      output piles up; peak RSS growth while it does;
//   3. 10 rounds of 10,000 connections opened, used once and closed: RSS
//      before, at the peak, and after.
//
//   node bench/client-memory.js [--only 1,2,3] [--rounds 10] [--conns 10000]
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const only = opt('--only', '1,2,3').split(',').map(Number);
const rounds = Number(opt('--rounds', '10'));
const conns = Number(opt('--conns', '10000'));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cmd = (...a) => `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(String(x))}\r\n${x}\r\n`).join('')}`;
const mb = (b) => (b / 1048576).toFixed(1);

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function rss(pid) {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(m[1]) * 1024;
}

/** A tiny RESP client: call() resolves with the raw text of one reply of known shape (status/int/bulk). */
function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    const waiting = [];
    s.setEncoding('latin1');
    s.on('data', (d) => {
      buf += d;
      for (;;) {
        if (!waiting.length) return;
        const end = replyEnd(buf);
        if (end < 0) return;
        const r = buf.slice(0, end);
        buf = buf.slice(end);
        waiting.shift()(r);
      }
    });
    s.on('error', () => undefined);
    s.once('connect', () =>
      resolve({
        sock: s,
        call: (...a) => new Promise((res) => { waiting.push(res); s.write(cmd(...a)); }),
        close: () => new Promise((res) => { s.once('close', res); s.end(); }),
      }),
    );
    s.once('error', reject);
  });
}

function replyEnd(b) {
  const nl = b.indexOf('\r\n');
  if (nl < 0) return -1;
  if (b[0] !== '$') return nl + 2;
  const n = Number(b.slice(1, nl));
  if (n < 0) return nl + 2;
  return b.length >= nl + 2 + n + 2 ? nl + 2 + n + 2 : -1;
}

async function start(kind, extra = []) {
  const port = await freePort();
  const common = ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--maxclients', '20000', ...extra];
  const child =
    kind === 'redis'
      ? spawn('redis-server', common, { stdio: 'ignore' })
      : spawn(process.execPath, [path.join(__dirname, '..', 'bin', 'tachyon-server.js'), ...common], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      const c = await connect(port);
      await c.call('PING');
      await c.close();
      break;
    } catch {
      await sleep(100);
    }
  }
  return { kind, port, pid: child.pid, stop: () => child.kill('SIGTERM') };
}

async function fillList(port) {
  const c = await connect(port);
  for (let i = 0; i < 100000; i += 10000) {
    await c.call('RPUSH', 'list', ...Array.from({ length: 10000 }, (_, k) => `element:${i + k}`));
  }
  return c;
}

/** Scenario 1 and 2: a non-reading client pipelining 1,000 LRANGEs. */
async function nonReader(kind, limits) {
  const s = await start(kind, limits ? ['--client-output-buffer-limit', ...limits.split(' ')] : []);
  try {
    const admin = await fillList(s.port);
    await sleep(300);
    const rss0 = rss(s.pid);
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, rss(s.pid))), 20);
    const pinger = await connect(s.port);
    let worst = 0;
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        const t0 = performance.now();
        await pinger.call('PING');
        worst = Math.max(worst, performance.now() - t0);
        await sleep(5);
      }
    })();
    const sock = net.connect(s.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    let closed = false;
    sock.on('close', () => (closed = true));
    sock.on('error', () => undefined);
    sock.pause();
    sock.write(Buffer.from(cmd('LRANGE', 'list', '0', '-1').repeat(1000)));
    // Let the output pile up (or the limit close the client).
    for (let i = 0; i < (limits ? 30 : 200); i++) {
      await sleep(50);
      if (limits && closed) break;
    }
    const lranges = Number(((await admin.call('INFO', 'commandstats')).match(/cmdstat_lrange:calls=(\d+)/) || [0, 0])[1]);
    stop = true;
    await loop;
    clearInterval(sampler);
    let received = 0;
    sock.on('data', (d) => (received += d.length));
    sock.resume();
    for (let i = 0; i < 600 && !closed; i++) await sleep(50);
    if (!closed) sock.destroy();
    await admin.close();
    return { kind, lranges, received, peakGrowth: peak - rss0, worst };
  } finally {
    s.stop();
  }
}

/** Scenario 3: rounds of many connections opened, used and closed. */
async function churn(kind) {
  const s = await start(kind);
  try {
    await sleep(300);
    const rss0 = rss(s.pid);
    let peak = rss0;
    for (let r = 0; r < rounds; r++) {
      const list = [];
      for (let i = 0; i < conns; i += 500) {
        list.push(...(await Promise.all(Array.from({ length: Math.min(500, conns - i) }, () => connect(s.port)))));
      }
      await Promise.all(list.map((c, i) => c.call('SET', `k${i % 1000}`, 'value')));
      peak = Math.max(peak, rss(s.pid));
      await Promise.all(list.map((c) => c.close()));
    }
    await sleep(2000);
    return { kind, before: rss0, peak, after: rss(s.pid) };
  } finally {
    s.stop();
  }
}

(async () => {
  if (only.includes(1) || only.includes(2)) {
    for (const [n, limits] of [[1, 'normal 10mb 5mb 10'], [2, null]]) {
      if (!only.includes(n)) continue;
      console.log(`\n${n}. 1,000 LRANGE of 100,000 elements, never read, ${limits ? `client-output-buffer-limit ${limits}` : 'default limits'}\n`);
      console.log('| server | LRANGEs run | bytes the client got | peak RSS growth (MB) | worst PING (ms) |');
      console.log('|---|---:|---:|---:|---:|');
      for (const kind of ['redis', 'tachyon']) {
        const r = await nonReader(kind, limits);
        console.log(`| ${kind} | ${r.lranges} | ${r.received} | ${mb(r.peakGrowth)} | ${r.worst.toFixed(1)} |`);
      }
    }
  }
  if (only.includes(3)) {
    console.log(`\n3. ${rounds} rounds of ${conns} connections opened, used and closed\n`);
    console.log('| server | RSS before (MB) | peak (MB) | after (MB) |');
    console.log('|---|---:|---:|---:|');
    for (const kind of ['redis', 'tachyon']) {
      const r = await churn(kind);
      console.log(`| ${kind} | ${mb(r.before)} | ${mb(r.peak)} | ${mb(r.after)} |`);
    }
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
