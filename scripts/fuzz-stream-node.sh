#!/usr/bin/env bash
# libFuzzer on stream node validation (native/fuzz/stream_node_fuzzer.cc)
# under ASan/UBSan, seeded with nodes built the way Redis builds them.
#
#   scripts/fuzz-stream-node.sh [seconds=120] [extra libFuzzer flags...]
set -euo pipefail

fuzz_name=stream-node
source "$(dirname "${BASH_SOURCE[0]}")/fuzz-lib.sh"

fuzz_build "$out/stream_node_fuzzer" native/fuzz/stream_node_fuzzer.cc native/core/stream_listpack.cc \
  native/core/stream_id.cc native/core/listpack.cc native/core/util.cc native/core/zmalloc.cc
# Seed: the node of a redis-server 7.0.15 stream (see native/tests/stream_test.cc), master 1-1.
printf '\001\121\000\000\000\037\000\003\001\001\001\002\001\201a\002\201b\002\000\001\002\001\000\001\000\001\001\001\002\001\005\001\003\001\000\001\001\001\003\001\004\001\005\001\000\001\001\001\000\001\001\001\201c\002\005\001\006\001\002\001\001\001\004\001\364\065\034\334\337\002\000\000\000\011\337\371\002\005\001\377' > "$out/corpus/seed-redis"
fuzz_run "$out/stream_node_fuzzer" "$@"
