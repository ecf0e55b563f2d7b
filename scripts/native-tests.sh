#!/usr/bin/env bash
# Build and run every native/tests/*_test.cc under ASan + UBSan.
#
#   scripts/native-tests.sh            # all tests
#   scripts/native-tests.sh dict       # only tests whose file name contains "dict"
#
# Each test is linked with every native/core/*.cc (never native/server or
# native/binding: tests must not depend on Node). Everything is built in a
# fresh temporary directory (so concurrent runs and `cmake-js` wiping build/
# cannot interfere); set TACHYON_TEST_OUT=dir to build there and keep it.
# CXX overrides g++. Exits non-zero if anything fails to compile or any test
# fails (a sanitizer report fails the test).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
CXX="${CXX:-g++}"
filter="${1:-}"
flags=(-std=c++17 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all
       -fno-omit-frame-pointer -Wall -Wextra -Inative)

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:check_initialization_order=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

if [[ -n "${TACHYON_TEST_OUT:-}" ]]; then
  out="$TACHYON_TEST_OUT"
  mkdir -p "$out"
else
  out="$(mktemp -d "${TMPDIR:-/tmp}/tachyon-native-tests.XXXXXX")"
  trap 'rm -rf "$out"' EXIT
fi

shopt -s nullglob
core_srcs=(native/core/*.cc)
tests=(native/tests/*_test.cc)
if [[ ${#tests[@]} -eq 0 ]]; then
  echo "no native/tests/*_test.cc found" >&2
  exit 1
fi

# Compile the core sources once, in parallel.
core_objs=()
pids=()
for src in "${core_srcs[@]}"; do
  obj="$out/core_$(basename "${src%.cc}").o"
  core_objs+=("$obj")
  "$CXX" "${flags[@]}" -c "$src" -o "$obj" &
  pids+=($!)
done
status=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    echo "FAILED to compile ${core_srcs[$i]}" >&2
    status=1
  fi
done
if [[ $status -ne 0 ]]; then
  echo "native tests: core sources failed to compile" >&2
  exit 1
fi

summary=()
for t in "${tests[@]}"; do
  name="$(basename "${t%.cc}")"
  [[ -n "$filter" && "$name" != *"$filter"* ]] && continue
  echo "=== $name"
  if ! "$CXX" "${flags[@]}" "$t" "${core_objs[@]}" -o "$out/$name" -lpthread; then
    echo "FAILED to compile $t" >&2
    summary+=("$name: COMPILE ERROR")
    status=1
    continue
  fi
  "$out/$name"
  rc=$?
  if [[ $rc -eq 0 ]]; then
    summary+=("$name: ok")
  else
    summary+=("$name: FAILED (exit $rc)")
    status=1
  fi
done

echo "=== summary"
printf '  %s\n' "${summary[@]}"
exit $status
