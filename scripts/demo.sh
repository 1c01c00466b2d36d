#!/usr/bin/env bash
# `make demo` (after `make build`): a complete first run on this machine, under ./demo/.
#   1. synth-lake writes a lake (mixed profile) of 3 complete chunks plus a partial tip chunk;
#   2. a config pointing the daemon's storage at ./demo/data and its lake at ./demo/lake;
#   3. `fullhistory backfill` freezes the three chunks and the tx-hash index, then exits;
#   4. `fullhistory status`, and `get-tx` of an outer and a fee-bump inner hash read from the lake
#      (`inspect`), and `audit`, when those commands are in this build.
# Rerunning reuses the lake and the store: the second backfill finds nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=./fullhistory
DEMO=demo
LAKE="$DEMO/lake"
CONFIG="$DEMO/fullhistory.toml"
# Chunk c holds ledgers c*10000+2 .. (c+1)*10000+1: 3 whole chunks end at 30001, the tip is in chunk 3.
LAST_LEDGER=35000

step() { printf '\n==> %s\n' "$*"; }
has_command() { "$BIN" "$1" --help >/dev/null 2>&1; }

if [[ ! -x "$BIN" ]]; then
  echo "demo: $BIN is missing; run make build (make demo does it)" >&2
  exit 1
fi
mkdir -p "$DEMO"

if [[ ! -f "$LAKE/.config.json" ]]; then
  step "synth-lake: ledgers 2..$LAST_LEDGER (mixed profile) into $LAKE"
  "$BIN" synth-lake --out "$LAKE" --first 2 --last "$LAST_LEDGER" --profile mixed --ledgers-per-file 100
fi

step "config: $CONFIG"
cat >"$CONFIG" <<EOF
# Written by scripts/demo.sh. Every key is documented in docs/configuration.md.
[storage]
default_data_dir = "$DEMO/data"

[backfill.datastore]
type = "Filesystem"
params = { destination_path = "$LAKE" }

[ingestion]
network_passphrase = "Standalone Network ; February 2017"
EOF
cat "$CONFIG"

step "backfill: chunks 0..2 from the lake into cold files"
"$BIN" backfill --config "$CONFIG"

if has_command status; then
  step "status"
  "$BIN" status --config "$CONFIG"
fi

if has_command get-tx; then
  # A lake object inside chunk 1 (ledgers 10002..20001), by its ledger range in the object name.
  object=$(find "$LAKE" -name '*--15000-15099.xdr.zst' | head -n 1)
  ledgers=$("$BIN" inspect "$object")
  outer=$(grep -o '"txHashes":\["[0-9a-f]\{64\}' <<<"$ledgers" | head -n 1 | grep -o '[0-9a-f]\{64\}' || true)
  inner=$(grep -o '"innerHashes":\["[0-9a-f]\{64\}' <<<"$ledgers" | head -n 1 | grep -o '[0-9a-f]\{64\}' || true)
  for hash in $outer $inner; do
    step "get-tx $hash"
    "$BIN" get-tx "$hash" --config "$CONFIG" | cut -c1-400
  done
fi

if has_command audit; then
  step "audit"
  "$BIN" audit --config "$CONFIG"
fi

step "done: the store is in $DEMO/data; rerun make demo to see a restart with nothing to do"
