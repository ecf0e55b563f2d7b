#!/usr/bin/env bash
# Build the RDB decoder fuzzer (native/fuzz/rdb_fuzzer.cc) with clang and run it.
#
#   scripts/fuzz-rdb.sh            # fuzz for 120 seconds
#   scripts/fuzz-rdb.sh 30         # fuzz for 30 seconds (what CI runs)
#   scripts/fuzz-rdb.sh 60 -jobs=2 -workers=2   # extra arguments go to libFuzzer
#
# The decoder pulls in the value types (and the server pulls in scripting), so every
# native/core, native/protocol, native/server and native/scripting source is compiled
# with -fsanitize=fuzzer-no-link,address,undefined (coverage inside the decoder) and
# linked with the fuzzer and Debian's Lua 5.1 libraries; no Node is involved.
# Output goes to build/fuzz-rdb/ (override with TACHYON_FUZZ_OUT): objects, the binary,
# the corpus (kept between runs, seeded with DUMP payloads of every encoding and the
# RDB files of ../shared/redis-rdb-fixtures when present) and any crash-* reproducers,
# replayed with: build/fuzz-rdb/rdb_fuzzer <file>
# Exits non-zero if the build fails or the fuzzer finds a problem.
set -euo pipefail

fuzz_name=rdb
source "$(dirname "${BASH_SOURCE[0]}")/fuzz-lib.sh"
mkdir -p "$out/obj"

flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
       -fno-sanitize-recover=undefined -Inative -I/usr/include/lua5.1)
echo "build $out/rdb_fuzzer"
objs=()
pids=()
for src in native/core/*.cc native/protocol/*.cc native/server/*.cc native/scripting/*.cc; do
  obj="$out/obj/$(echo "${src%.cc}" | tr / _).o"
  objs+=("$obj")
  if [[ ! -f "$obj" || "$src" -nt "$obj" || -n "$(find native -name '*.h' -newer "$obj" -print -quit)" ]]; then
    "$CXX" "${flags[@]}" -c "$src" -o "$obj" &
    pids+=($!)
  fi
done
for p in "${pids[@]}"; do wait "$p"; done
"$CXX" "${flags[@]}" -fsanitize=fuzzer native/fuzz/rdb_fuzzer.cc "${objs[@]}" \
  -llua5.1-cjson -llua5.1-bitop -llua5.1 -lm -ldl -lpthread -o "$out/rdb_fuzzer"

# Seeds: a selector byte, then a DUMP payload without its footer (mode 0), or a file (mode 3).
seed() { printf "$2" | xxd -r -p > "$out/corpus/seed-$1"; }
seed str     '00''00c314230c68656c6c6f20776f726c642068e00b0b016c64'
seed int     '00''00c240e20100'
seed list    '00''120102c3172f0f2f00000004008161028162020c019e63e01400011fff'
seed intset  '00''0b18040000000400000001000000020000002c01000070110100'
seed set     '10''0203016301620161'
seed zlp     '10''1119190000000600816102010181620283322e35048163020301ff'
seed zsk     '00''0503c3094046016363e039000163630000000000000840016200000000000004400161000000000000f03f'
seed hlp     '10''1012120000000400816602817602816e020501ff'
seed hht     '00''040201660176046c6f6e67c3094046017878e03900017878'
# Streams from redis-server 7.0.15 (stream-node-max-entries 3: two nodes, a deleted
# entry, two groups, a PEL, a consumer without pending entries; and an empty stream).
seed stream  '00''13021000000000000000010000000000000001c3383d123d000000190002010101020181610281620200200900002001401102050103600902030104200b401301dfff202b0781630205010601ff10000000000000000300000000000000002d2d00000012000201000102018161028162020001020100010001010102010501020101010001070108010501ff0404000101010205020167020081ffffffffffffffff020000000000000001000000000000000180e50d43a2010000010000000000000002000000000000000080e50d43a2010000010205616c69636580e50d43a201000002000000000000000100000000000000010000000000000002000000000000000003626f6280e50d43a201000000026732040081ffffffffffffffff0000'
seed stream0 '00''13000000000000000000010167000081ffffffffffffffff0000'
if [[ -d ../shared/redis-rdb-fixtures ]]; then
  for f in ../shared/redis-rdb-fixtures/*.rdb; do
    { printf '\x03'; cat "$f"; } > "$out/corpus/seed-file-$(basename "$f" .rdb)"
  done
fi

cat > "$out/rdb.dict" <<'DICT'
"REDIS0010"
"REDIS0009"
"\xfa"
"\xfe\x00"
"\xfb"
"\xfc"
"\xff"
"\xc3"
"\xc0"
"\x13"
"\x0f"
"\x80\x00\x00\x10\x00"
"redis-ver"
DICT

fuzz_run "$out/rdb_fuzzer" -max_len=65536 -rss_limit_mb=2048 -dict="$out/rdb.dict" "$@"
