#!/usr/bin/env node
// Memory per key, side by side: loads the same keys into real redis-server and
// Tachyon with redis-benchmark and compares RSS growth (and INFO used_memory).
//
//   node bench/memory.js [--keys 1000000] [--size 100]      strings via redis-benchmark
//   node bench/memory.js --type hash [--keys 1000000]        hashes of 10 fields
//   node bench/memory.js --type zset [--keys 1000000]        sorted sets of 10 members
//   node bench/memory.js --type list [--keys 1000000]        lists of 10 elements
//   node bench/memory.js --type set [--keys 1000000]         sets of 10 members (hashtable in 7.0)
//   node bench/memory.js --type intset [--keys 1000000]      sets of 10 integers
//   node bench/memory.js --type stream [--keys 1000000]      one stream of that many entries
'use strict';
const { spawnSync } = require('node:child_process');
const net = require('node:net');
const { opt, cli, resp, startServer, rssBytes } = require('./lib');

const keys = Number(opt('--keys', '1000000'));
const type = opt('--type', 'string');
const size = Number(opt('--size', '100'));

/**
 * Loads `keys` hashes or zsets of 10 elements each, or `keys` entries of one
 * stream (ids 1-0, 2-0, ...; a field and a value), over one pipelined connection.
 */
function loadCollections(port) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let lines = 0;
    const linesPerReply = type === 'stream' ? 2 : 1; // XADD answers a bulk string
    sock.on('data', (d) => {
      for (const b of d) if (b === 10) lines++;
      if (lines >= keys * linesPerReply) {
        sock.end();
        resolve();
      }
    });
    sock.on('error', reject);
    const batch = 1000;
    let i = 0;
    const writeMore = () => {
      while (i < keys) {
        let chunk = '';
        for (let j = 0; j < batch && i < keys; j++, i++) {
          if (type === 'stream') {
            chunk += resp('XADD', 'stream', `${i + 1}-0`, 'field', `value:${i}`);
            continue;
          }
          const args = [{ hash: 'HSET', zset: 'ZADD', list: 'RPUSH', set: 'SADD', intset: 'SADD' }[type], `${type}:${i}`];
          for (let f = 0; f < 10; f++) {
            if (type === 'hash') args.push(`field:${f}`, `value:${i}:${f}`);
            else if (type === 'zset') args.push(f * 1.5, `member:${i}:${f}`);
            else if (type === 'intset') args.push(i * 10 + f);
            else args.push(`member:${i}:${f}`);
          }
          chunk += resp(...args);
        }
        if (!sock.write(chunk)) return sock.once('drain', writeMore);
      }
    };
    writeMore();
  });
}

const start = (kind) => startServer(kind);

function usedMemory(port) {
  const m = cli(port, 'INFO', 'memory').match(/used_memory:(\d+)/);
  return m ? Number(m[1]) : NaN;
}

async function measure(kind) {
  const s = await start(kind);
  try {
    await new Promise((r) => setTimeout(r, 500));
    const before = rssBytes(s.child.pid);
    const usedBefore = usedMemory(s.port);
    if (type === 'string') {
      // -r draws random keys: send enough requests that nearly every one of `keys` is written.
      const r = spawnSync(
        'redis-benchmark',
        ['-p', String(s.port), '-t', 'set', '-r', String(keys), '-n', String(keys * 3), '-d', String(size), '-P', '16', '-q'],
        { encoding: 'utf8' },
      );
      if (r.status !== 0) throw new Error(r.stderr);
    } else {
      await loadCollections(s.port);
    }
    const dbsize = type === 'stream' ? Number(cli(s.port, 'XLEN', 'stream')) : Number(cli(s.port, 'DBSIZE'));
    const after = rssBytes(s.child.pid);
    return { kind, dbsize, rssGrowth: after - before, usedGrowth: usedMemory(s.port) - usedBefore };
  } finally {
    s.child.kill('SIGTERM');
  }
}

(async () => {
  const redis = await measure('redis');
  const tachyon = await measure('tachyon');
  const mb = (b) => (b / 1048576).toFixed(1);
  console.log(
    type === 'string'
      ? `${keys} random keys (${redis.dbsize} / ${tachyon.dbsize} written), ${size}-byte values\n`
      : type === 'stream'
        ? `one stream of ${keys} entries (${redis.dbsize} / ${tachyon.dbsize} entries)\n`
        : `${keys} ${{ hash: 'hashes of 10 fields', zset: 'sorted sets of 10 members', list: 'lists of 10 elements', set: 'sets of 10 members', intset: 'sets of 10 integers' }[type]} (${redis.dbsize} / ${tachyon.dbsize} keys)\n`,
  );
  console.log('| | Redis | Tachyon | ratio |');
  console.log('|---|---:|---:|---:|');
  console.log(`| RSS growth (MB) | ${mb(redis.rssGrowth)} | ${mb(tachyon.rssGrowth)} | ${(tachyon.rssGrowth / redis.rssGrowth).toFixed(2)} |`);
  console.log(`| bytes per ${type === 'stream' ? 'entry' : 'key'} (RSS) | ${Math.round(redis.rssGrowth / redis.dbsize)} | ${Math.round(tachyon.rssGrowth / tachyon.dbsize)} | |`);
  console.log(`| INFO used_memory growth (MB) | ${mb(redis.usedGrowth)} | ${mb(tachyon.usedGrowth)} | |`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
