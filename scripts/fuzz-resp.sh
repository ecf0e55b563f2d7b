#!/usr/bin/env bash
# Build the RESP request-parser fuzzer (native/fuzz/resp_fuzzer.cc) with clang and run it.
#
#   scripts/fuzz-resp.sh            # fuzz for 120 seconds
#   scripts/fuzz-resp.sh 600        # fuzz for 600 seconds
#   scripts/fuzz-resp.sh 60 -jobs=4 -workers=4   # extra arguments go to libFuzzer
#
# The parser and the fuzzer are compiled together with -fsanitize=fuzzer,address,undefined,
# so the parser itself carries coverage instrumentation (linking the uninstrumented
# tachyon_core library would leave libFuzzer blind). Only native/protocol/request_parser.cc
# is needed: no Node, no other native sources.
# Output goes to build/fuzz-resp/ (override with TACHYON_FUZZ_OUT): the binary, a
# dictionary, the corpus (kept between runs) and any crash-*/leak-*/timeout-* reproducers.
# A reproducer can be replayed with: build/fuzz-resp/resp_fuzzer <file>
# Exits non-zero if the build fails or the fuzzer finds a problem.
set -euo pipefail

fuzz_name=resp
source "$(dirname "${BASH_SOURCE[0]}")/fuzz-lib.sh"

fuzz_build "$out/resp_fuzzer" native/fuzz/resp_fuzzer.cc native/protocol/request_parser.cc

# Seed corpus: a few well-formed requests (2 leading control bytes, see the fuzzer).
seed() { printf "$2" > "$out/corpus/seed-$1"; }
seed mb     '\000\000*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n*1\r\n$4\r\nPING\r\n'
seed mbsplit '\000\011\001\002\003\004*2\r\n$4\r\nECHO\r\n$3\r\na\000b\r\n'
seed inline '\000\000SET "a b" '"'"'c\\'"'"'d'"'"' "\\x41"\r\nPING\n\r\n'
seed limits '\007\000*11\r\n$16385\r\n'
seed empty  '\000\000*0\r\n*-1\r\n\n'

cat > "$out/resp.dict" <<'EOF'
"*"
"$"
"\x0d\x0a"
"\x0d"
"\x0a"
"\x00"
"*1\x0d\x0a"
"*2\x0d\x0a"
"$0\x0d\x0a"
"$1\x0d\x0a"
"$-1\x0d\x0a"
"*-1\x0d\x0a"
"2147483648"
"9223372036854775808"
"\""
"'"
"\\x"
"\\'"
"\\"
" "
"\x09"
"\x0b"
EOF

fuzz_run "$out/resp_fuzzer" -max_len=8192 -dict="$out/resp.dict" "$@"
