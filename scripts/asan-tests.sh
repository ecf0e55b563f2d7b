#!/usr/bin/env bash
# Builds the addon with AddressSanitizer + UBSan (CMake option TACHYON_SANITIZE)
# and runs vitest suites against it, so every native code path the tests reach
# is checked for memory errors and undefined behaviour.
#
#   scripts/asan-tests.sh                                 # commands, protocol, socket I/O, RDB/DUMP, streams, functions, DEBUG, replication master
#   scripts/asan-tests.sh test/commands/lists.test.ts     # chosen files
set -euo pipefail
cd "$(dirname "$0")/.."
npx cmake-js compile --debug --out build-asan --CDTACHYON_SANITIZE=ON >/dev/null
addon="$PWD/build-asan/Debug/tachyon.node"
# Node itself is not instrumented: the sanitizer runtime must be loaded first.
export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
# V8 and Node keep allocations until exit, so leak reports would be noise.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TACHYON_ADDON="$addon"
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=(test/commands test/protocol test/transport/transport.test.ts test/transport/output-limits.test.ts
         test/connections/streams-blocking.test.ts test/persistence/dump.test.ts test/persistence/rdb.test.ts
         test/persistence/streams.test.ts test/persistence/functions.test.ts test/persistence/debug.test.ts
         test/replication/master.test.ts)
fi
npx vitest run "${files[@]}"
