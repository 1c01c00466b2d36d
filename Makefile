# fullhistory — the two commands a new machine needs are `make demo` and `make test` (see README.md).
BUN := node_modules/.bin/bun

.PHONY: setup test typecheck build demo bench clean

setup:
	@scripts/setup.sh

test: setup
	@scripts/test.sh

typecheck: setup
	@node_modules/.bin/tsc --noEmit -p .

# One executable; Worker entrypoints must be listed too (bun-ffi.md §7). `--root .` keeps each one at
# its repository path inside the binary, where src/backfill/_worker_task.ts looks for it.
build: setup
	@$(BUN) build --compile --root . src/cli/main.ts src/backfill/backfill_worker.ts src/backfill/txhash_partition_worker.ts src/daemon/_ingest_worker.ts --outfile fullhistory

demo: build
	@scripts/demo.sh

bench: setup
	@scripts/bench.sh

clean:
	rm -rf fullhistory demo .bench-data
