#!/usr/bin/env bash
# The native libraries a prebuilt addon links statically, and how each one is
# built: from Debian's source packages (apt-get source, Debian's patches
# applied), compiled position independent into static archives for one
# target architecture. Debian's own .a archives cannot be used: they are not
# PIC, so they cannot go into a shared object such as tachyon.node. A normal
# source build (npm install without a prebuild, CI) links Debian's shared
# libraries instead (CMakeLists.txt).
#
# Usage: scripts/prebuild/static-deps.sh <x64|arm64> <out-dir> <debian-state-dir>
# Writes <out-dir>/lib/*.a, <out-dir>/include/ and <out-dir>/static-deps.cmake,
# which CMakeLists.txt reads when configured with -DTACHYON_STATIC_DEPS=<file>.
#
# Adding a dependency (an allocator, say): put its name in STATIC_DEPS and
# write dep_<name> (dots and dashes as underscores). It gets the fetch
# helpers of debian.sh and compile_c / archive / provide_* below; it must
# declare its archive(s) (provide_lib, which archive calls) and its license
# notice (provide_license). Nothing else changes:
# CMakeLists.txt links whatever static-deps.cmake lists.
set -euo pipefail

# In build order (a library after the ones whose headers it needs).
STATIC_DEPS=(lua5.1 lua-cjson lua-bitop)

# --- recipes -----------------------------------------------------------------

# PUC Lua 5.1.5, Debian's lua5.1 (the interpreter Redis embeds), built like
# Debian's liblua5.1.so (LUA_USE_LINUX: POSIX calls and dlopen) without the
# lua/luac programs.
dep_lua5_1() {
  local tree inc
  tree="$(debian_source lua5.1 "$SOURCES")"
  inc="$OUT/include/lua5.1"
  mkdir -p "$inc"
  cp "$tree"/src/{lua.h,luaconf.h,lualib.h,lauxlib.h} "$inc/"
  # Debian's luaconf.h includes this header (written by debian/rules) for its
  # C module path.
  printf '#ifndef _LUA_DEB_MULTIARCH_\n#define _LUA_DEB_MULTIARCH_\n#define DEB_HOST_MULTIARCH "%s"\n#endif\n' \
    "$TRIPLET" >"$inc/lua5.1-deb-multiarch.h"
  local sources=()
  for f in "$tree"/src/l*.c; do
    case "$(basename "$f")" in lua.c | luac.c) ;; *) sources+=("$f") ;; esac
  done
  compile_c lua5.1 -DLUA_USE_LINUX -I"$inc" -- "${sources[@]}"
  archive lua5.1
  provide_include "$inc"
  provide_license "Lua 5.1.5 (Debian source package lua5.1)" "$tree/COPYRIGHT"
}

# Debian's lua-cjson 2.1.0, the objects Debian's liblua5.1-cjson.so has.
dep_lua_cjson() {
  local tree
  tree="$(debian_source lua-cjson "$SOURCES")"
  compile_c lua5.1-cjson -I"$OUT/include/lua5.1" -- "$tree"/{lua_cjson.c,fpconv.c,strbuf.c}
  archive lua5.1-cjson
  provide_license "lua-cjson 2.1.0 (Debian source package lua-cjson)" "$tree/LICENSE"
}

# LuaBitOp 1.0.2 as Redis ships it (deps/lua/src/lua_bit.c), from Debian's
# redis source package, which carries the CVE-2024-31449 fix of bit.tohex
# (Debian's lua-bitop 1.0.2-7 does not, and its source tarballs are missing
# from the mirror this was developed on). Compiled from a copy so that its
# "lua.h" is Debian's, not Redis's vendored one.
dep_lua_bitop() {
  local tree
  tree="$(debian_source redis "$SOURCES")"
  mkdir -p "$OUT/src"
  cp "$tree/deps/lua/src/lua_bit.c" "$OUT/src/lua_bit.c"
  compile_c lua5.1-bitop -I"$OUT/include/lua5.1" -- "$OUT/src/lua_bit.c"
  archive lua5.1-bitop
  sed -n '1,/\*\//p' "$OUT/src/lua_bit.c" >"$OUT/src/lua_bit.LICENSE"
  provide_license "Lua BitOp 1.0.2 (deps/lua/src/lua_bit.c of Debian source package redis)" "$OUT/src/lua_bit.LICENSE"
}

# --- helpers -----------------------------------------------------------------

# compile_c <archive-name> <flags...> -- <sources...>
compile_c() {
  local name="$1" flags=() objs=()
  shift
  while [ "$1" != -- ]; do flags+=("$1"); shift; done
  shift
  mkdir -p "$OUT/obj/$name"
  for src in "$@"; do
    local obj="$OUT/obj/$name/$(basename "${src%.c}").o"
    "$CC" $CFLAGS "${flags[@]}" -c "$src" -o "$obj"
  done
}

# archive <name>: lib<name>.a from the objects compile_c made for <name>.
archive() {
  rm -f "$OUT/lib/lib$1.a"
  "$AR" rcs "$OUT/lib/lib$1.a" "$OUT/obj/$1"/*.o
  provide_lib "$OUT/lib/lib$1.a"
}

provide_lib() { LIBS+=("$1"); }
provide_include() { INCLUDES+=("$1"); }
# provide_license <title> <file>: its notice goes into the package next to the
# binaries (prebuilds/THIRD-PARTY-LICENSES.txt).
provide_license() { printf '%s\n%s\n\n%s\n\n' "$1" "${1//?/=}" "$(cat "$2")" >>"$OUT/LICENSES.txt"; }

# --- main --------------------------------------------------------------------

ARCH="${1:?usage: static-deps.sh <x64|arm64> <out-dir> <debian-state-dir>}"
OUT="$(mkdir -p "${2:?out-dir}" && cd "$2" && pwd)"
STATE="${3:?debian-state-dir}"
case "$ARCH" in
  x64) TRIPLET=x86_64-linux-gnu ;;
  arm64) TRIPLET=aarch64-linux-gnu ;;
  *) echo "static-deps.sh: unknown architecture $ARCH" >&2; exit 2 ;;
esac
CC="${TRIPLET}-gcc"
AR="${TRIPLET}-ar"
command -v "$CC" >/dev/null || { echo "static-deps.sh: $CC not found" >&2; exit 1; }
# Position independent (it goes into a shared object), hidden (nothing of it
# is exported from tachyon.node), hardened as Debian builds it.
CFLAGS="-O2 -g0 -fPIC -fvisibility=hidden -ffunction-sections -fdata-sections -fstack-protector-strong -D_FORTIFY_SOURCE=2 -w"

manifest="$OUT/static-deps.cmake"
here="$(cd "$(dirname "$0")" && pwd)"
if [ -f "$manifest" ] && [ "$manifest" -nt "$0" ] && [ "$manifest" -nt "$here/debian.sh" ]; then
  exit 0 # built already
fi

. "$here/debian.sh"
debian_init "$STATE"
SOURCES="$STATE/sources"
LIBS=()
INCLUDES=()
rm -rf "$OUT/obj" "$OUT/lib" "$OUT/include" "$OUT/src" "$OUT/LICENSES.txt"
mkdir -p "$OUT/lib"
for dep in "${STATIC_DEPS[@]}"; do
  echo "prebuild: $dep for linux-$ARCH" >&2
  fn="dep_${dep//[.-]/_}"
  "$fn"
done

join() { local IFS=';'; echo "$*"; }
cat >"$manifest.tmp" <<EOF
# Written by scripts/prebuild/static-deps.sh for linux-$ARCH ($TRIPLET); do not edit.
set(TACHYON_STATIC_DEPS_NAMES "$(join "${STATIC_DEPS[@]}")")
set(TACHYON_STATIC_INCLUDE_DIRS "$(join "${INCLUDES[@]}")")
set(TACHYON_STATIC_LIBS "$(join "${LIBS[@]}")")
EOF
mv "$manifest.tmp" "$manifest"
