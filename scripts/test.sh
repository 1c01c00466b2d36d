#!/usr/bin/env bash
# Runs bun test and ends with one line CI can read: "N passed, N failed".
# bun's own summary is multi-line and on stderr (docs: bun-ffi.md §10); we keep bun's exit code.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
node_modules/.bin/bun test "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
passed=$(grep -E '^ ?[0-9]+ pass$' "$log" | tail -n 1 | grep -oE '[0-9]+')
failed=$(grep -E '^ ?[0-9]+ fail$' "$log" | tail -n 1 | grep -oE '[0-9]+')
if [ -z "$passed" ]; then
  echo "0 passed, 1 failed"   # bun printed no summary: it crashed or found nothing
  exit 1
fi
failed=${failed:-0}
echo "${passed} passed, ${failed} failed"
if [ "$rc" -eq 0 ] && [ "$failed" -gt 0 ]; then rc=1; fi
exit "$rc"
