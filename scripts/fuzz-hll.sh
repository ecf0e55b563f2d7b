#!/usr/bin/env bash
# Build the HyperLogLog decoder fuzzer (native/fuzz/hll_fuzzer.cc) with clang and run it
# for a bounded time.
#
#   scripts/fuzz-hll.sh            # fuzz for 120 seconds
#   scripts/fuzz-hll.sh 600        # fuzz for 600 seconds
#   scripts/fuzz-hll.sh 60 -jobs=2 -workers=2   # extra arguments go to libFuzzer
#
# core/hyperloglog.cc is compiled together with the fuzzer under
# -fsanitize=fuzzer,address,undefined so libFuzzer sees its coverage. Output goes to
# build/fuzz-hll/ (override with TACHYON_FUZZ_OUT): the binary, the corpus (kept between
# runs) and any crash-*/leak-*/timeout-* reproducers, replayable with
# build/fuzz-hll/hll_fuzzer <file>. Exits non-zero if the build fails or a problem is found.
set -euo pipefail

fuzz_name=hll
source "$(dirname "${BASH_SOURCE[0]}")/fuzz-lib.sh"

fuzz_build "$out/hll_fuzzer" native/fuzz/hll_fuzzer.cc native/core/hyperloglog.cc

# Seeds: byte 0 = encoding (1 sparse, 0x80 dense padded, 0xff own header), byte 1 =
# hll-sparse-max-bytes / 16, byte 2 = elements to add; then the registers.
seed() { printf "$2" > "$out/corpus/seed-$1"; }
seed empty   '\001\273\003\177\377'
seed values  '\001\273\005\140\363\200\120\261\204\113\373\200\102\132'
seed split   '\001\002\007\041\200\004\201\177\300\003\177\373'
seed dense   '\200\273\002\001\002\003\004\005'
seed own     '\377\273\001HYLL\001\000\000\000\000\000\000\000\000\000\000\200\177\377'

fuzz_run "$out/hll_fuzzer" -max_len=4096 "$@"
