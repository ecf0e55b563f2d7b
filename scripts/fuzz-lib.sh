# Setup shared by the scripts/fuzz-*.sh scripts; sourced, not run. The caller sets
# fuzz_name (e.g. "hll") and sources this file with no arguments, so that it reads
# the caller's own: the first is the fuzzing time in seconds (default 120), the
# rest stay in "$@" for libFuzzer.
#
# Leaves: the working directory at the repository root, $secs, $CXX, and $out
# (build/fuzz-<name>/ unless TACHYON_FUZZ_OUT says otherwise) holding corpus/ and
# artifacts/. Defines fuzz_build (one clang++ line with the fuzzer, ASan and UBSan)
# and fuzz_run (runs the fuzzer on the corpus; exits non-zero on a finding).

cd "$(dirname "${BASH_SOURCE[0]}")/.."
secs="${1:-120}"
shift || true
CXX="${CXX:-clang++}"
out="${TACHYON_FUZZ_OUT:-build/fuzz-$fuzz_name}"
mkdir -p "$out/corpus" "$out/artifacts"

if ! command -v "$CXX" >/dev/null 2>&1; then
  echo "fuzz-$fuzz_name: $CXX not found (apt-get install -y clang)" >&2
  exit 1
fi

# fuzz_build <binary> <sources...>: the fuzzer and the code under test compiled
# together, so that the code under test carries libFuzzer's coverage.
fuzz_build() {
  local binary="$1"
  shift
  echo "build $binary"
  "$CXX" -std=c++17 -O1 -g -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -Inative "$@" -o "$binary"
}

# fuzz_run <binary> <libFuzzer flags...>: $secs seconds on $out/corpus.
fuzz_run() {
  local binary="$1"
  shift
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  echo "fuzz for ${secs}s (corpus $out/corpus)"
  "$binary" -max_total_time="$secs" -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$@" "$out/corpus"
}
