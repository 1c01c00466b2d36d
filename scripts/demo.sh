#!/usr/bin/env bash
# `make demo` (after `make build`): the daemon's first run on this machine, under ./demo/.
#   1. synth-lake writes a lake (mixed profile) of 3 complete chunks plus a partial tip chunk;
#   2. a config pointing the daemon's storage at ./demo/data and its lake at ./demo/lake;
#   3. `./fullhistory --config demo/fullhistory.toml` runs in the background: catch-up freezes the
#      three chunks and the tx-hash index, then it follows the tip chunk live into a hot DB;
#   4. while it runs, the script appends 300 ledgers to the lake and waits until they are committed;
#   5. `status`, and `get-tx` of a hash in a cold chunk and of one only the live hot DB holds;
#   6. SIGTERM: the daemon stops cleanly and exits 0; then `audit`.
# Rerunning reuses the lake (nothing is synthesized or appended again) and the store: the daemon
# restarts where it stopped, with nothing to redo (its catch-up pass finds the target reached).
# Takes about 2-4 minutes from clean on 2 cores and ~1.1 GB under ./demo; a rerun takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=./fullhistory
DEMO=demo
LAKE="$DEMO/lake"
CONFIG="$DEMO/fullhistory.toml"
LOG="$DEMO/daemon.log"
# Chunk c holds ledgers c*10000+2 .. (c+1)*10000+1: 3 whole chunks end at 30001, the tip is in chunk 3.
LAST_LEDGER=35099
# What the script appends while the daemon runs (whole objects of 100 ledgers; no chunk boundary).
APPEND_FIRST=35100
APPEND_LAST=35399
# Upper bound on every wait, in seconds (catch-up of three mixed chunks takes about a minute).
WAIT_MAX_S=900

step() { printf '\n==> %s\n' "$*"; }

if [[ ! -x "$BIN" ]]; then
  echo "demo: $BIN is missing; run make build (make demo does it)" >&2
  exit 1
fi
mkdir -p "$DEMO"

# lake_has LO-HI: the lake holds the object of ledgers LO..HI (synth-lake renames whole objects into
# place, so a present object is complete; an interrupted synth-lake is simply run again).
lake_has() { [[ -d $LAKE && -n $(find "$LAKE" -name "*--$1.xdr.zst") ]]; }

if ! lake_has "$((LAST_LEDGER - 99))-$LAST_LEDGER"; then
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
poll_interval = "250ms"
EOF
cat "$CONFIG"

step "run: $BIN --config $CONFIG in the background (its log: $LOG)"
"$BIN" --config "$CONFIG" 2>"$LOG" &
daemon=$!
# If this script fails half way, do not leave the daemon behind (SIGKILL is as safe as a crash).
trap 'kill -KILL "$daemon" 2>/dev/null || true' EXIT

# wait_for DESCRIPTION COMMAND...: runs COMMAND every second until it succeeds; fails if the daemon dies.
wait_for() {
  local description=$1
  shift
  local waited=0
  until "$@"; do
    if ! kill -0 "$daemon" 2>/dev/null; then
      echo "demo: the daemon exited while waiting for $description; its log:" >&2
      tail -n 20 "$LOG" >&2
      exit 1
    fi
    if ((waited >= WAIT_MAX_S)); then
      echo "demo: gave up after ${WAIT_MAX_S}s waiting for $description" >&2
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}
daemon_logged() { grep -q "$1" "$LOG"; }
last_committed() { "$BIN" status --json --config "$CONFIG" | grep -o '"lastCommittedLedger":[0-9]*' | grep -o '[0-9]*$'; }
committed_through() { local last; last=$(last_committed) && ((last >= $1)); }

wait_for "catch-up to finish" daemon_logged "ingestion resuming"
grep -E "catch-up pass (starting|complete)|index built|ingestion resuming" "$LOG" | cut -c1-200

if ! lake_has "$((APPEND_LAST - 99))-$APPEND_LAST"; then
  step "synth-lake: append ledgers $APPEND_FIRST..$APPEND_LAST while the daemon follows the lake"
  "$BIN" synth-lake --out "$LAKE" --first "$APPEND_FIRST" --last "$APPEND_LAST" --profile mixed --ledgers-per-file 100
else
  step "the lake already holds ledgers $APPEND_FIRST..$APPEND_LAST (a rerun): nothing to append"
fi
wait_for "ledger $APPEND_LAST to be committed" committed_through "$APPEND_LAST"
echo "the daemon committed ledger $(last_committed)"

step "status (beside the running daemon)"
"$BIN" status --config "$CONFIG"

# A lake object's tx hashes, by the ledger range in its name: chunk 1 is cold, 35200.. only in the hot DB.
# (Matched in the shell: `grep | head` under pipefail fails with SIGPIPE once head has its line.)
first_hash() {
  local object ledgers
  object=$(find "$LAKE" -name "*--$1.xdr.zst")
  ledgers=$("$BIN" inspect "$object")
  if [[ ! $ledgers =~ \"txHashes\":\[\"([0-9a-f]{64}) ]]; then
    echo "demo: no transaction in lake object $object" >&2
    exit 1
  fi
  echo "${BASH_REMATCH[1]}"
}
cold_hash=$(first_hash 15000-15099)
hot_hash=$(first_hash 35200-35299)
step "get-tx $cold_hash (cold: chunk 1's frozen index and pack)"
"$BIN" get-tx "$cold_hash" --config "$CONFIG" | cut -c1-300
step "get-tx $hot_hash (hot: the live chunk's hot DB)"
"$BIN" get-tx "$hot_hash" --config "$CONFIG" | cut -c1-300

step "SIGTERM the daemon"
kill -TERM "$daemon"
exit_status=0
wait "$daemon" || exit_status=$?
trap - EXIT
tail -n 3 "$LOG" | cut -c1-200
echo "the daemon exited with status $exit_status"
if ((exit_status != 0)); then
  echo "demo: want exit status 0 after SIGTERM" >&2
  exit 1
fi

step "audit"
"$BIN" audit --config "$CONFIG"

step "done: the store is in $DEMO/data; rerun make demo to see a restart with nothing to redo"
