#!/usr/bin/env node
// Makes sure a native addon is there, building it from source when needed.
// Run by `npm install` in a source checkout, and by the addon loader
// (src/addon-loader.ts) when an installed package has no addon that loads:
// the published package has no install script (npm 11 no longer runs a
// dependency's install scripts unless the project allows them, and warns
// about each one), so there the build happens on first use.
//
// A prebuilt addon for this platform (prebuilds/<platform>-<arch>) that loads
// means nothing to do, unless TACHYON_FORCE_BUILD=1. Otherwise cmake-js
// builds build/Release/tachyon.node. Its output (build-install/build.log),
// its lock and its tools live beside build/, which cmake-js deletes when a
// build fails. The build-only npm packages (cmake-js, node-addon-api,
// node-api-headers) are devDependencies: a source checkout has them, an
// installed package fetches them into build-install/tools only when it
// builds. When the build cannot start or fails, one paragraph says what is
// missing and how to get it.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const platform = `${process.platform}-${process.arch}`;
const prebuilt = path.join(root, 'prebuilds', platform, 'tachyon.node');
const built = path.join(root, 'build', 'Release', 'tachyon.node');
const workDir = path.join(root, 'build-install');
const BUILD_TOOLS = ['cmake-js', 'node-addon-api', 'node-api-headers'];
const MIN_GLIBC = '2.34'; // of the prebuilt binaries (README, "Installing from npm")

/** Why the prebuilt addon cannot be used, or null when it loads. */
function prebuiltProblem() {
  if (process.env.TACHYON_FORCE_BUILD === '1') return 'TACHYON_FORCE_BUILD=1 asks for a source build';
  if (!fs.existsSync(prebuilt)) return `there is no prebuilt addon for ${platform}`;
  try {
    require(prebuilt);
    return null;
  } catch (e) {
    return `the prebuilt addon for ${platform} does not load here (it needs glibc ${MIN_GLIBC} or later: ${e.message.split('\n')[0]})`;
  }
}

function onPath(name) {
  return (process.env.PATH || '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** What the source build needs and this machine lacks, by the name to install. */
function missingToolchain() {
  const missing = [];
  if (!onPath('cmake')) missing.push('cmake');
  if (!onPath('make') && !onPath('ninja')) missing.push('make');
  if (!(process.env.CXX && onPath(process.env.CXX)) && !['c++', 'g++', 'clang++'].some(onPath)) missing.push('g++');
  if (!fs.existsSync('/usr/include/lua5.1/lua.h')) missing.push('liblua5.1-0-dev');
  if (!fs.existsSync('/usr/include/lua5.1/lua-cjson.h')) missing.push('lua-cjson-dev');
  if (!fs.existsSync('/usr/include/lua5.1/lua-bitop.h')) missing.push('lua-bitop-dev');
  return missing;
}

function fail(reason, detail) {
  console.error(
    `tachyon-kv: cannot get the native addon: ${reason}, and building it from source ${detail}. ` +
      'The source build needs cmake (3.15 or later), make, a C++17 compiler and Lua 5.1 with its cjson and bit ' +
      'libraries; on Debian or Ubuntu: apt-get install -y cmake make g++ liblua5.1-0-dev lua-cjson-dev lua-bitop-dev ' +
      '(and libuv1-dev when your Node installation has no include/node/uv.h), then try again. ' +
      `It also downloads ${BUILD_TOOLS.join(', ')} from the npm registry. Prebuilt binaries exist for linux-x64 and ` +
      `linux-arm64 with glibc ${MIN_GLIBC} or later (Debian 12, Ubuntu 22.04, RHEL 9, Amazon Linux 2023 and newer).`,
  );
  process.exit(1);
}

/**
 * One build at a time (several processes may start at once on a fresh
 * install): returns false when another process built the addon meanwhile.
 */
function takeLock() {
  const lock = path.join(workDir, 'install.lock');
  fs.mkdirSync(workDir, { recursive: true });
  const deadline = Date.now() + 20 * 60 * 1000;
  for (let waited = false; ; waited = true) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      process.on('exit', () => fs.rmSync(lock, { recursive: true, force: true }));
      return !(waited && fs.existsSync(built));
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    let owner = 0;
    try {
      owner = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
      process.kill(owner, 0);
    } catch {
      if (owner) fs.rmSync(lock, { recursive: true, force: true }); // its builder died
    }
    if (Date.now() > deadline) throw new Error(`tachyon-kv: ${lock} is held by process ${owner}`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  }
}

/** Module directories where the build tools resolve, installing them into build-install/tools when needed. */
function buildToolPaths(log) {
  const resolves = (dirs) => BUILD_TOOLS.every((name) => {
    try {
      require.resolve(`${name}/package.json`, { paths: dirs });
      return true;
    } catch {
      return false;
    }
  });
  if (resolves([root])) return [];
  const tools = path.join(workDir, 'tools');
  const toolModules = path.join(tools, 'node_modules');
  if (resolves([toolModules])) return [toolModules];
  const wanted = require(path.join(root, 'package.json')).devDependencies;
  const specs = BUILD_TOOLS.map((name) => `${name}@${wanted[name]}`);
  fs.mkdirSync(tools, { recursive: true });
  // Settings of an outer `npm install` that would send these elsewhere.
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_config_(global|location|prefix|workspaces?|include_workspace_root|dry_run|save.*)$/i.test(key)) delete env[key];
  }
  const npmCli = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath) ? process.env.npm_execpath : null;
  const [cmd, ...pre] = npmCli ? [process.execPath, npmCli] : ['npm'];
  const r = spawnSync(cmd, [...pre, 'install', '--prefix', tools, '--no-save', '--no-package-lock', '--ignore-scripts',
    '--no-audit', '--no-fund', '--omit=dev', ...specs], { stdio: ['ignore', log, log], env });
  if (r.status !== 0 || !resolves([toolModules])) return null;
  return [toolModules];
}

function tail(file, lines) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

const problem = prebuiltProblem();
if (problem === null) {
  console.log(`tachyon-kv: using the prebuilt addon for ${platform}`);
  process.exit(0);
}
const missing = missingToolchain();
if (missing.length > 0) fail(problem, `is not possible here (missing: ${missing.join(', ')})`);
let fresh;
try {
  fresh = takeLock();
} catch (e) {
  fail(problem, `cannot start in ${root} (${e.message}; install the package where you can write, or as the user who runs it)`);
}
if (!fresh) process.exit(0);
console.log(`tachyon-kv: ${problem}; building the addon from source (once; a minute or two)`);
const logFile = path.join(workDir, 'build.log');
const log = fs.openSync(logFile, 'w');
const toolPaths = buildToolPaths(log);
if (toolPaths === null) {
  console.error(tail(logFile, 20));
  fail(problem, `could not download its build tools (${BUILD_TOOLS.join(', ')}; npm's output is above)`);
}
// NODE_PATH lets CMakeLists.txt's `node -p "require('node-addon-api')"` find build-install/tools too.
const env = { ...process.env, NODE_PATH: [...toolPaths, process.env.NODE_PATH].filter(Boolean).join(path.delimiter) };
const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root, ...toolPaths] });
const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', 'build'], { cwd: root, stdio: ['ignore', log, log], env });
if (r.status !== 0 || !fs.existsSync(built)) {
  console.error(tail(logFile, 40));
  fail(problem, `failed (the end of ${logFile} is above)`);
}
console.log(`tachyon-kv: built ${path.relative(root, built)}`);
