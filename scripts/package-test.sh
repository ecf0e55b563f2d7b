#!/usr/bin/env bash
# The npm package as a user gets it. Packs tachyon-kv-<version>.tgz (prepack
# builds the prebuilt addon), checks what the tarball holds, then:
#  1. installs it into an empty project on a PATH with no build tools (no
#     cmake, g++, cc, make, ld, ...): the install must compile and
#     download nothing; `npx tachyon-server` serves a redis-cli smoke (SET/GET,
#     a pipeline of 1,000, INFO server, a script) and a script of the project
#     uses require('tachyon-kv').startServer();
#  2. installs a copy whose prebuilt addon is renamed away on that same PATH:
#     the install is as quiet, and the first start fails with the paragraph
#     naming what to install;
#  3. installs that copy with the machine's PATH: the first use builds from
#     source (fetching its build tools) and the same smoke passes.
# Every npm install must print nothing but "added 1 package". Prints the
# tarball size, the install times and the glibc the prebuild needs.
#
# TACHYON_PREBUILD_ARCHS (default x64 here, to bound CI time) says which
# prebuilds `npm pack` builds; KEEP=1 keeps the work directory.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export TACHYON_PREBUILD_ARCHS="${TACHYON_PREBUILD_ARCHS:-x64}"
unset TACHYON_ADDON TACHYON_FORCE_BUILD

work="$(mktemp -d /tmp/tachyon-package.XXXXXX)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  node scripts/prebuild/pack-manifest.js restore # in case npm pack died before its postpack
  [ "${KEEP:-0}" = 1 ] && echo "package-test: kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "package-test: FAIL: $*" >&2; exit 1; }
step() { echo "package-test: $*" >&2; }

redis_cli="$(command -v redis-cli)" || fail "needs redis-cli (apt-get install -y redis-tools)"
node_bin="$(command -v node)"
npm_bin="$(command -v npm)"
npx_bin="$(command -v npx)"

# The machine's PATH without its build tools, as on a slim container: every
# program of the usual directories except compilers, assemblers, linkers,
# make, ninja and cmake (node, npm and npx linked in too).
bare="$work/bare-bin"
mkdir -p "$bare"
build_tools='^(cmake|ccmake|cpack|ctest|make|gmake|ninja|cc|c\+\+|c89|c99|cpp|gcc|g\+\+|clang|clang\+\+|ld|as|tcc)([-.][0-9.]+)?$|^(ld\.|x86_64-linux-gnu-|aarch64-linux-gnu-|clang-|cmake-)|-(gcc|g\+\+|c\+\+|cpp|ld|as)(-[0-9.]+)?$'
for dir in /usr/local/bin /usr/bin /bin /usr/sbin /sbin; do
  [ -d "$dir" ] || continue
  for prog in "$dir"/*; do
    name="$(basename "$prog")"
    [ -x "$prog" ] && [ ! -e "$bare/$name" ] && ! grep -qE "$build_tools" <<<"$name" && ln -s "$prog" "$bare/$name"
  done
done
for prog in "$node_bin" "$npm_bin" "$npx_bin"; do ln -sf "$prog" "$bare/$(basename "$prog")"; done
for tool in cmake g++ gcc cc c++ make ninja ld; do
  PATH="$bare" command -v "$tool" >/dev/null && fail "$tool is on the bare PATH"
done

# --- pack --------------------------------------------------------------------
version="$(node -p "require('./package.json').version")"
step "npm pack (prebuilds: $TACHYON_PREBUILD_ARCHS)"
npm pack --pack-destination "$work" >"$work/pack.log" 2>&1 || { tail -n 40 "$work/pack.log" >&2; fail "npm pack"; }
tgz="$work/tachyon-kv-$version.tgz"
[ -f "$tgz" ] || fail "npm pack made no $tgz"
tar tzf "$tgz" | sort >"$work/contents"
for want in package/package.json package/bin/tachyon-server.js package/dist/index.js package/dist/index.d.ts \
  package/scripts/install.js package/CMakeLists.txt package/native/binding/addon.cc \
  package/prebuilds/linux-x64/tachyon.node package/prebuilds/THIRD-PARTY-LICENSES.txt; do
  grep -qx "$want" "$work/contents" || fail "the tarball lacks $want"
done
if grep -E '^package/(src|test|bench|\.ci|native/(tests|fuzz|portable)|scripts/(prebuild|[^/]*\.sh))/|\.map$|^package/build' "$work/contents"; then
  fail "the tarball holds files users do not need (above)"
fi
tgz_bytes="$(stat -c %s "$tgz")"
files="$(wc -l <"$work/contents")"
glibc="$(objdump -T "$root/prebuilds/linux-x64/tachyon.node" | grep -o 'GLIBC_[0-9.]*' | sort -u -V | tail -n 1)"
step "tarball: $files files, $tgz_bytes bytes; prebuilt linux-x64 needs $glibc"

# --- the checks run against an installed project ------------------------------
free_port() { node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })"; }

# smoke <project-dir> <PATH>: npx tachyon-server + redis-cli, then startServer() from a script.
smoke() {
  local app="$1" path="$2" port
  port="$(free_port)"
  (cd "$app" && PATH="$path" exec npx tachyon-server --port "$port" --save '' >"$app/server.log" 2>&1) &
  server_pid=$!
  for _ in $(seq 1 100); do
    [ "$("$redis_cli" -p "$port" ping 2>/dev/null)" = PONG ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$app/server.log" >&2; fail "tachyon-server exited"; }
    sleep 0.2
  done
  cli() { "$redis_cli" -p "$port" "$@"; }
  [ "$(cli set greeting hello)" = OK ] || fail "SET"
  [ "$(cli get greeting)" = hello ] || fail "GET"
  local pipe
  pipe="$(node -e '
    let out = "";
    for (let i = 0; i < 1000; i++) {
      const k = `key:${i}`, v = String(i);
      out += `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`;
    }
    process.stdout.write(out);' | cli --pipe)"
  grep -q 'errors: 0, replies: 1000' <<<"$pipe" || fail "pipeline of 1,000: $pipe"
  [ "$(cli dbsize)" = 1001 ] || fail "DBSIZE after the pipeline"
  [ "$(cli get key:999)" = 999 ] || fail "GET after the pipeline"
  local info
  info="$(cli info server | tr -d '\r')"
  grep -qx 'redis_version:7.0.15' <<<"$info" || fail "INFO server: $info"
  grep -qx "tcp_port:$port" <<<"$info" || fail "INFO server tcp_port: $info"
  [ "$(cli eval "return bit.band(12, 10) .. cjson.encode({1})" 0)" = '8[1]' ] || fail "EVAL with bit and cjson"
  cli shutdown nosave >/dev/null 2>&1 || true
  wait "$server_pid" || { cat "$app/server.log" >&2; fail "tachyon-server did not exit cleanly"; }
  server_pid=""

  cat >"$app/embed.js" <<'EOF'
// Embeds Tachyon as an application would and talks RESP to it.
const net = require('node:net');
const { startServer } = require('tachyon-kv');

(async () => {
  const server = await startServer({ port: 0 });
  const socket = net.connect(server.port, server.host);
  const request = '*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv1\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n';
  const expected = '+PONG\r\n+OK\r\n$2\r\nv1\r\n';
  let reply = '';
  socket.on('data', (d) => {
    reply += d;
    if (reply.length >= expected.length) socket.end();
  });
  socket.write(request);
  await new Promise((resolve) => socket.on('close', resolve));
  await server.close();
  if (reply !== expected) throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
  console.log('embedded server ok');
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
EOF
  (cd "$app" && PATH="$path" node embed.js) | grep -q 'embedded server ok' || fail "startServer() from $app/embed.js"
}

# install <project-dir> <tarball> <PATH>: an empty project, npm install of the tarball; prints the seconds it took.
install_into() {
  local app="$1" tarball="$2" path="$3" start end
  mkdir -p "$app"
  echo '{ "name": "app", "version": "1.0.0", "private": true }' >"$app/package.json"
  start="$(date +%s.%N)"
  (cd "$app" && PATH="$path" npm install --no-audit --no-fund "$tarball" >"$app/install.log" 2>&1) || return 1
  end="$(date +%s.%N)"
  node -p "($end - $start).toFixed(1)"
}

# quiet_install <project-dir>: npm's whole output was "added 1 package in ...".
quiet_install() {
  if grep -v -E '^(added 1 package in [0-9.]+m?s)?$' "$1/install.log"; then fail "npm install printed the lines above"; fi
}

# --- 1. prebuilt, no toolchain -------------------------------------------------
step "install with the prebuilt addon, PATH without build tools"
app="$work/app-prebuilt"
secs_prebuilt="$(install_into "$app" "$tgz" "$bare")" || { cat "$app/install.log" >&2; fail "npm install (prebuilt)"; }
quiet_install "$app"
smoke "$app" "$bare"
pkg="$app/node_modules/tachyon-kv"
[ ! -e "$pkg/build" ] && [ ! -e "$pkg/build-install" ] || fail "something was compiled ($pkg/build or build-install exists)"
others="$(cd "$app/node_modules" && ls -A | grep -vx -e tachyon-kv -e .bin -e .package-lock.json || true)"
[ -z "$others" ] || fail "the install downloaded packages: $others"
# TACHYON_FORCE_BUILD=1 passes the prebuild by, so here (no toolchain) it must fail and say why.
status=0
(cd "$app" && TACHYON_FORCE_BUILD=1 PATH="$bare" npx tachyon-server --port "$(free_port)" >"$app/forced.log" 2>&1) || status=$?
[ "$status" = 1 ] && grep -q 'TACHYON_FORCE_BUILD=1 asks for a source build, and building it from source is not possible here' "$app/forced.log" ||
  { cat "$app/forced.log" >&2; fail "TACHYON_FORCE_BUILD=1 did not ask for a source build"; }
step "prebuilt install: ${secs_prebuilt} s, nothing compiled or downloaded, smoke passed"

# --- 2 and 3. prebuilt renamed away ----------------------------------------------
mkdir -p "$work/repack"
tar xzf "$tgz" -C "$work/repack"
mv "$work/repack/package/prebuilds/linux-x64/tachyon.node" "$work/repack/package/prebuilds/linux-x64/tachyon.node.renamed"
fallback_tgz="$work/tachyon-kv-$version-no-prebuild.tgz"
tar czf "$fallback_tgz" -C "$work/repack" package

step "no usable prebuild, PATH without build tools: the first start must say what to install"
app="$work/app-no-toolchain"
install_into "$app" "$fallback_tgz" "$bare" >/dev/null || { cat "$app/install.log" >&2; fail "npm install (no prebuild)"; }
quiet_install "$app"
status=0
(cd "$app" && PATH="$bare" npx tachyon-server --port "$(free_port)" >"$app/start.log" 2>&1) || status=$?
[ "$status" = 1 ] || { cat "$app/start.log" >&2; fail "tachyon-server without an addon exited with $status, not 1"; }
grep -q 'missing: cmake, make, g++' "$app/start.log" || { cat "$app/start.log" >&2; fail "no message naming the missing tools"; }
grep -q 'apt-get install -y cmake make g++ liblua5.1-0-dev lua-cjson-dev lua-bitop-dev' "$app/start.log" ||
  { cat "$app/start.log" >&2; fail "no install command in the message"; }

step "no usable prebuild, with the toolchain: source build on first use"
app="$work/app-source"
secs_source_install="$(install_into "$app" "$fallback_tgz" "$PATH")" || { cat "$app/install.log" >&2; fail "npm install (no prebuild)"; }
quiet_install "$app"
start="$(date +%s.%N)"
(cd "$app" && node -e "require('tachyon-kv').startServer({ port: 0 }).then((s) => s.close())" >"$app/first-use.log" 2>&1) ||
  { cat "$app/first-use.log" "$app/node_modules/tachyon-kv/build-install/build.log" >&2; fail "first use (source build)"; }
secs_build="$(node -p "($(date +%s.%N) - $start).toFixed(1)")"
pkg="$app/node_modules/tachyon-kv"
[ -f "$pkg/build/Release/tachyon.node" ] || fail "the first use built no addon"
grep -q 'building the addon from source' "$app/first-use.log" || fail "the first use did not say it builds"
smoke "$app" "$PATH"
step "no-prebuild install: ${secs_source_install} s, then ${secs_build} s to build on first use; smoke passed"

echo "package-test: ok: tarball $tgz_bytes bytes ($files files), prebuilt linux-x64 needs $glibc; install ${secs_prebuilt} s with the prebuild; without it ${secs_source_install} s + ${secs_build} s building on first use"
