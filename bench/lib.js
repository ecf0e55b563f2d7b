// Helpers the benches share: command-line options, free ports, starting and
// stopping a redis-server or a Tachyon side by side, one-shot commands, the
// mixed dataset of the persistence and replication benches, small statistics.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const args = process.argv.slice(2);

/** The value after `name` on the command line, else `def`. */
function opt(name, def) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** [program, argv] that runs `kind` ('redis' or 'tachyon') with the given arguments. */
function serverCommand(kind, argv) {
  return kind === 'redis'
    ? ['redis-server', argv]
    : [process.execPath, [path.join(__dirname, '..', 'bin', 'tachyon-server.js'), ...argv]];
}

/** redis-cli's trimmed output. */
function cli(port, ...cmd) {
  return spawnSync('redis-cli', ['-p', String(port), ...cmd], { encoding: 'utf8' }).stdout.trim();
}

/** One command as RESP (arguments stringified). */
const resp = (...a) => `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(String(x))}\r\n${x}\r\n`).join('')}`;

// One inline command on a new connection, the whole reply (a bulk reply is read to its end).
function send(port, line) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    s.on('connect', () => s.write(line + '\r\n'));
    s.on('data', (d) => {
      data += d.toString();
      const m = data.match(/^\$(\d+)\r\n/);
      if (m ? data.length >= m[0].length + Number(m[1]) + 2 : data.includes('\r\n')) {
        s.destroy();
        resolve(data);
      }
    });
    s.on('error', reject);
    s.on('close', () => resolve(data)); // SHUTDOWN answers by closing
  });
}

/** Until the server answers PING (or its process has exited). */
async function waitReady(port, child) {
  for (let i = 0; i < 2000; i++) {
    if (child && child.exitCode !== null) throw new Error('server exited');
    const r = await send(port, 'PING').catch(() => '');
    if (r.startsWith('+PONG')) return;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`server on ${port} did not start`);
}

/**
 * Starts `kind` on a free port without persistence, plus `extra` arguments;
 * resolves once it answers PING. `stdio` as for spawn (stderr is worth keeping).
 */
async function startServer(kind, extra = [], stdio = 'ignore') {
  const port = await freePort();
  const [cmd, argv] = serverCommand(kind, ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', ...extra]);
  const child = spawn(cmd, argv, { stdio });
  await waitReady(port, child);
  return { kind, port, child };
}

async function stop(server) {
  await send(server.port, 'SHUTDOWN NOSAVE').catch(() => {});
  await new Promise((r) => (server.child.exitCode !== null ? r() : server.child.on('exit', r)));
}

// Temporary directories, removed together by removeTmp().
const made = [];
function tmp(prefix) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}
function removeTmp() {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/**
 * `keys` keys of mixed types (60% strings, 10% each hashes, lists, sets, zsets
 * of 5 elements) as RESP commands in a file, written once and reused by later runs.
 */
function datasetFile(keys) {
  const file = path.join(os.tmpdir(), `tachyon-bench-${keys}.resp`);
  if (fs.existsSync(file)) return file;
  const fd = fs.openSync(file, 'w');
  let chunk = '';
  for (let i = 0; i < keys; i++) {
    const kind = i % 10;
    if (kind < 6) chunk += resp('SET', `string:${i}`, `value-${i}-`.padEnd(40, 'x'));
    else if (kind === 6) chunk += resp('HSET', `hash:${i}`, 'name', `n${i}`, 'count', i, 'flag', 'on', 'a', 'b', 'c', 'd');
    else if (kind === 7) chunk += resp('RPUSH', `list:${i}`, 'one', 'two', 'three', i, 'five');
    else if (kind === 8) chunk += resp('SADD', `set:${i}`, i, i + 1, i + 2, 'm1', 'm2');
    else chunk += resp('ZADD', `zset:${i}`, '1', 'a', '2', 'b', '3.5', 'c', i, 'd', '-1', 'e');
    if (chunk.length > 1 << 20) {
      fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  return file;
}

/** Feeds a file of RESP commands to the server with redis-cli --pipe. */
function load(server, file) {
  const r = spawnSync('sh', ['-c', `redis-cli -p ${server.port} --pipe < ${file}`], { encoding: 'utf8' });
  if (!/errors: 0/.test(r.stdout)) throw new Error(`loading failed: ${r.stdout}${r.stderr}`);
}

// /proc/<pid>/stat counts CPU time in clock ticks.
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** User + system CPU seconds of a process so far (NaN once it is gone). */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime
  } catch {
    return NaN;
  }
}

/** Resident set size of a process in bytes. */
function rssBytes(pid) {
  return Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)[1]) * 1024;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

module.exports = {
  args, opt, freePort, serverCommand, cli, resp, send, waitReady, startServer, stop, tmp, removeTmp,
  datasetFile, load, cpuSeconds, rssBytes, median,
};
