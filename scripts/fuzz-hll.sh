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

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
secs="${1:-120}"
shift || true
CXX="${CXX:-clang++}"
out="${TACHYON_FUZZ_OUT:-build/fuzz-hll}"
mkdir -p "$out/corpus" "$out/artifacts"

if ! command -v "$CXX" >/dev/null 2>&1; then
  echo "fuzz-hll: $CXX not found (apt-get install -y clang)" >&2
  exit 1
fi

echo "build $out/hll_fuzzer"
"$CXX" -std=c++17 -O1 -g -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Inative native/fuzz/hll_fuzzer.cc native/core/hyperloglog.cc \
  -o "$out/hll_fuzzer"

# Seeds: byte 0 = encoding (1 sparse, 0x80 dense padded, 0xff own header), byte 1 =
# hll-sparse-max-bytes / 16, byte 2 = elements to add; then the registers.
seed() { printf "$2" > "$out/corpus/seed-$1"; }
seed empty   '\001\273\003\177\377'
seed values  '\001\273\005\140\363\200\120\261\204\113\373\200\102\132'
seed split   '\001\002\007\041\200\004\201\177\300\003\177\373'
seed dense   '\200\273\002\001\002\003\004\005'
seed own     '\377\273\001HYLL\001\000\000\000\000\000\000\000\000\000\000\200\177\377'

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
echo "fuzz for ${secs}s (corpus $out/corpus)"
"$out/hll_fuzzer" -max_total_time="$secs" -max_len=4096 \
  -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$@" "$out/corpus"
