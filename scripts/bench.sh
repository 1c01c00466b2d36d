#!/usr/bin/env bash
# Runs every bench/*_bench.ts in one process each. Each prints lines of the form
#   bench <name>: <value> <unit> | floor <value> <unit> | ratio <value/floor>
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
for file in bench/*_bench.ts; do
  node_modules/.bin/bun "$file"
done
