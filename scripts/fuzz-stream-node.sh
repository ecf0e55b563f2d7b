#!/usr/bin/env bash
# libFuzzer on stream node validation (native/fuzz/stream_node_fuzzer.cc)
# under ASan/UBSan, seeded with nodes built the way Redis builds them.
#
#   scripts/fuzz-stream-node.sh [seconds=120] [extra libFuzzer flags...]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
secs="${1:-120}"
shift || true
CXX="${CXX:-clang++}"
out="${TACHYON_FUZZ_OUT:-build/fuzz-stream-node}"
mkdir -p "$out/corpus" "$out/artifacts"
if ! command -v "$CXX" >/dev/null 2>&1; then
  echo "fuzz-stream-node: $CXX not found (apt-get install -y clang)" >&2
  exit 1
fi
echo "build $out/stream_node_fuzzer"
"$CXX" -std=c++17 -O1 -g -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Inative native/fuzz/stream_node_fuzzer.cc native/core/stream_listpack.cc native/core/stream_id.cc \
  native/core/listpack.cc native/core/util.cc -o "$out/stream_node_fuzzer"
# Seed: the node of a redis-server 7.0.15 stream (see native/tests/stream_test.cc), master 1-1.
printf '\001\121\000\000\000\037\000\003\001\001\001\002\001\201a\002\201b\002\000\001\002\001\000\001\000\001\001\001\002\001\005\001\003\001\000\001\001\001\003\001\004\001\005\001\000\001\001\001\000\001\001\001\201c\002\005\001\006\001\002\001\001\001\004\001\364\065\034\334\337\002\000\000\000\011\337\371\002\005\001\377' > "$out/corpus/seed-redis"
exec "$out/stream_node_fuzzer" -max_total_time="$secs" -artifact_prefix="$out/artifacts/" "$@" "$out/corpus"
