#!/usr/bin/env bash
# `npm run prebuild`: the portable Release addons that go into the npm
# package, prebuilds/linux-<arch>/tachyon.node, for linux-x64 and (with
# Debian's g++-aarch64-linux-gnu) linux-arm64. Each links its native
# dependencies statically (scripts/prebuild/static-deps.sh), libstdc++ and
# libgcc too, and exports only the Node-API entry points; the script checks
# that and prints what the binary needs from the system.
#
# Usage: scripts/prebuild/build.sh [x64] [arm64]
#   default: $TACHYON_PREBUILD_ARCHS, else x64 plus arm64 when the cross
#   compiler is installed. Work files go to build-prebuild/ (kept, so a
#   second run only rebuilds what changed).
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
work="$root/build-prebuild"

if [ $# -gt 0 ]; then
  archs=("$@")
elif [ -n "${TACHYON_PREBUILD_ARCHS:-}" ]; then
  read -r -a archs <<<"${TACHYON_PREBUILD_ARCHS//,/ }"
else
  archs=(x64)
  if command -v aarch64-linux-gnu-g++ >/dev/null; then
    archs+=(arm64)
  else
    echo "prebuild: skipping linux-arm64 (apt-get install -y g++-aarch64-linux-gnu to build it)" >&2
  fi
fi

host_arch="$(node -p process.arch)"
cmake_js="$(node -p "require.resolve('cmake-js/bin/cmake-js')")"

# Dynamic dependencies, exports and the newest glibc symbol version the
# binary needs; fails when it needs more than glibc or exports more than the
# Node-API entry points.
check_binary() {
  local file="$1" triplet="$2" needed exports glibc
  needed="$("$triplet-objdump" -p "$file" | awk '$1 == "NEEDED" { print $2 }' | sort | tr '\n' ' ')"
  for lib in $needed; do
    case "$lib" in
      libc.so.6 | libm.so.6 | libdl.so.2 | libpthread.so.0 | ld-linux-*) ;;
      *) echo "prebuild: $file needs $lib (only glibc is allowed)" >&2; return 1 ;;
    esac
  done
  exports="$("$triplet-objdump" -T "$file" | awk '$2 == "g" && $4 != "*UND*" { print $NF }' | sort | tr '\n' ' ')"
  for sym in $exports; do
    case "$sym" in
      napi_register_module_v1 | node_api_module_get_api_version_v1) ;;
      *) echo "prebuild: $file exports $sym" >&2; return 1 ;;
    esac
  done
  glibc="$("$triplet-objdump" -T "$file" | grep -o 'GLIBC_[0-9.]*' | sort -u -V | tail -n 1)"
  printf 'prebuild: %s: %s bytes; needs %s(newest symbol %s); exports %s\n' \
    "${file#"$root"/}" "$(stat -c %s "$file")" "$needed" "$glibc" "$exports" >&2
}

# The package gets exactly the binaries of this run, never a stale one.
rm -rf prebuilds
for arch in "${archs[@]}"; do
  case "$arch" in
    x64) triplet=x86_64-linux-gnu cpu=x86_64 ;;
    arm64) triplet=aarch64-linux-gnu cpu=aarch64 ;;
    *) echo "prebuild: unknown architecture $arch (x64 or arm64)" >&2; exit 2 ;;
  esac
  scripts/prebuild/static-deps.sh "$arch" "$work/$arch/deps" "$work/debian"

  cmake_args=(--CDTACHYON_STATIC_DEPS="$work/$arch/deps/static-deps.cmake" --CDCMAKE_BUILD_TYPE=Release)
  if [ "$arch" != "$host_arch" ]; then
    cmake_args+=(--arch "$arch" --CDCMAKE_SYSTEM_NAME=Linux --CDCMAKE_SYSTEM_PROCESSOR="$cpu"
      --CDCMAKE_CXX_COMPILER="$triplet-g++")
  fi
  echo "prebuild: tachyon.node for linux-$arch" >&2
  node "$cmake_js" compile --out "$work/$arch/addon" "${cmake_args[@]}" >"$work/$arch/cmake-js.log" 2>&1 || {
    tail -n 40 "$work/$arch/cmake-js.log" >&2
    exit 1
  }

  out="prebuilds/linux-$arch/tachyon.node"
  mkdir -p "$(dirname "$out")"
  "$triplet-strip" --strip-unneeded -o "$out.tmp" "$work/$arch/addon/Release/tachyon.node"
  mv "$out.tmp" "$out"
  check_binary "$root/$out" "$triplet"
  cp "$work/$arch/deps/LICENSES.txt" prebuilds/THIRD-PARTY-LICENSES.txt
  if [ "$arch" = "$host_arch" ]; then
    node -e "const a = require(process.argv[1]); if (typeof a.NativeServer !== 'function') process.exit(1)" "$root/$out"
  fi
done
