#!/usr/bin/env bash
# Loads prebuilds/linux-arm64/tachyon.node on an emulated arm64 Node and
# serves a redis-cli smoke through it: Debian's nodejs:arm64 and everything
# it depends on are fetched through a private apt state (scripts/prebuild/
# debian.sh; the machine's dpkg architectures and apt lists are not touched),
# unpacked into a sysroot and run with qemu-user (apt-get install -y
# qemu-user-static). Needs `npm run build:ts` and `npm run prebuild` first.
#
# Debian bookworm's Node is 18 (the package asks for 20): this checks that
# the binary loads and runs on arm64 glibc, not the Node version range.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
work="$root/build-prebuild/arm64"
addon="$root/prebuilds/linux-arm64/tachyon.node"

qemu="$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)"
[ -n "$qemu" ] || { echo "check-arm64: needs qemu-user-static (apt-get install -y qemu-user-static)" >&2; exit 1; }
[ -f "$addon" ] || { echo "check-arm64: $addon missing (npm run prebuild)" >&2; exit 1; }
[ -f dist/index.js ] || { echo "check-arm64: dist/ missing (npm run build:ts)" >&2; exit 1; }

sysroot="$work/sysroot"
if [ ! -x "$sysroot/usr/bin/node" ]; then
  . scripts/prebuild/debian.sh
  debian_init "$root/build-prebuild/debian" binaries
  debian_binaries arm64 "$work/node-debs" nodejs
  rm -rf "$sysroot"
  mkdir -p "$sysroot"
  for deb in "$work/node-debs"/*.deb; do dpkg-deb -x "$deb" "$sysroot"; done
fi
node_arm64=("$qemu" -L "$sysroot" "$sysroot/usr/bin/node")
echo "check-arm64: $("${node_arm64[@]}" -p '`Node ${process.version} ${process.arch}`')" >&2

port="$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")"
log="$work/check-arm64.log"
TACHYON_ADDON="$addon" "${node_arm64[@]}" -e "
  require('$root/dist/index.js').startServer({ port: $port }).then((s) => {
    console.log('listening', s.port, require('os').arch());
    process.on('SIGTERM', () => s.close().then(() => process.exit(0)));
  }, (e) => { console.error(e); process.exit(1); });
" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  grep -q listening "$log" && break
  kill -0 $pid 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.5
done
grep -q 'listening .* arm64' "$log" || { cat "$log" >&2; exit 1; }

cli() { redis-cli -p "$port" "$@"; }
expect() {
  local want="$1" got
  shift
  got="$(cli "$@")"
  [ "$got" = "$want" ] || { echo "check-arm64: $* gave '$got', expected '$want'" >&2; exit 1; }
}
expect OK set greeting hello
expect hello get greeting
expect 3 rpush list a b c
expect 0000FFFF eval "return bit.tohex(65535, -2147483648)" 0
expect '{"a":1}' eval "return cjson.encode({a=1})" 0
expect 6 eval "return redis.call('incrby', KEYS[1], 6)" 1 counter
kill -TERM $pid
wait $pid
trap - EXIT
echo "check-arm64: prebuilds/linux-arm64/tachyon.node loads and serves under $(basename "$qemu")" >&2
