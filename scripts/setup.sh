#!/usr/bin/env bash
# Installs what a fresh machine lacks, and nothing else (idempotent):
#   - bun, pinned in package.json, from the npm registry (node_modules/.bin/bun)
#   - librocksdb 7.8 from Debian (librocksdb-dev; D13 loads librocksdb.so.7.8 first)
#   - s3rver, the local S3 server the lake tests run under node (npm devDependency, via npm ci)
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup: need root (or sudo) to run: $*" >&2; exit 1; fi
}

apt_install() {
  # A fresh image may carry stale or missing package lists: refresh once and retry.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1 || {
    as_root apt-get update >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >/dev/null
  }
}

# grep reads the whole list (no -q): an early exit would SIGPIPE ldconfig, failing the pipe under pipefail.
if ! ldconfig -p | grep 'librocksdb\.so\.7\.8 ' >/dev/null; then
  echo "setup: installing librocksdb-dev (Debian)"
  apt_install librocksdb-dev
fi

if [ ! -x node_modules/.bin/bun ] || [ ! -d node_modules/s3rver ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing node modules (bun $(node -p 'require("./package.json").devDependencies.bun'))"
  npm ci --no-audit --no-fund --loglevel=error
fi
