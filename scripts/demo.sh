#!/usr/bin/env bash
# What `make demo` runs after `make build`. For now: the help text and a config check of the
# shipped sample; later issues replace it with the real demo (backfill, serve, audit).
set -euo pipefail
cd "$(dirname "$0")/.."
./fullhistory --help
./fullhistory check-config --config docs/fullhistory.sample.toml
