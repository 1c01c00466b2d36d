# fullhistory — the two commands a new machine needs are `make demo` and `make test` (see README.md).
BUN := node_modules/.bin/bun

.PHONY: setup test typecheck build demo bench clean

setup:
	@scripts/setup.sh

test: setup
	@scripts/test.sh

typecheck: setup
	@node_modules/.bin/tsc --noEmit -p .

# One executable; Worker entrypoints must be listed too (bun-ffi.md §7).
build: setup
	@$(BUN) build --compile src/cli/main.ts --outfile fullhistory

demo: build
	@scripts/demo.sh

bench: setup
	@scripts/bench.sh

clean:
	rm -rf fullhistory demo .bench-data
