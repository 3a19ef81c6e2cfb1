#!/usr/bin/env bash
# The benchmark, in one run on loopback: a bare net/http server as the
# reference, then the emulator's send-reset, signin-email, complete reset
# flows, start-up time and resident memory. Prints each figure and its
# ratio to the bare server. Needs wrk (Debian: apt-get install wrk).
#   bench/run.sh                 # 10s runs, a million sends for the memory figure
#   bench/run.sh --duration 3s --sends 100000
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq wrk >/dev/null
  else
    echo "bench: wrk is needed (Debian: apt-get install wrk)" >&2; exit 1
  fi
fi
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/altogic-emulator" .
go build -o "$bin/bare" ./bench/bare
go run ./bench/driver --emulator "$bin/altogic-emulator" --bare "$bin/bare" "$@"
