#!/usr/bin/env bash
# Fails when a generated file differs from what its generator writes now, so
# nobody edits one by hand or changes a table without regenerating:
#   native/server/boundary.gen.h, src/boundary.gen.ts      scripts/gen-boundary.js (native/boundary.json)
#   native/server/command_table.gen.cc, key_specs.gen.cc,
#   src/commands/commands.gen.json                         scripts/gen-commands.js (Redis 7.0's command specs)
# then compares the command table with a live redis-server
# (scripts/check-command-table.js). Cheap: a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
redis_pid=""
cleanup() {
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
status=0

compare() {
  local generator="$1"
  shift
  for f in "$@"; do
    if ! cmp -s "$f" "$tmp/$f"; then
      echo "check-generated: $f differs from what $generator writes (run it, do not edit the file):"
      diff -u "$f" "$tmp/$f" | head -40 || true
      status=1
    fi
  done
}

node scripts/gen-boundary.js "$tmp" >/dev/null
compare scripts/gen-boundary.js native/server/boundary.gen.h src/boundary.gen.ts

if node scripts/gen-commands.js "$tmp" >/dev/null 2>"$tmp/gen-commands.err"; then
  compare scripts/gen-commands.js native/server/command_table.gen.cc src/commands/commands.gen.json native/server/key_specs.gen.cc
elif grep -q 'spec directory not found' "$tmp/gen-commands.err"; then
  # The specs live outside the repository (../shared/redis-7.0-commands); without them only the live check runs.
  echo "check-generated: command specs not found, command table not regenerated: $(cat "$tmp/gen-commands.err")"
else
  cat "$tmp/gen-commands.err"
  status=1
fi

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --logfile '' --loglevel warning >/dev/null &
redis_pid=$!
for _ in $(seq 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.05
done
node scripts/check-command-table.js "$port" 127.0.0.1 || status=1
exit "$status"
