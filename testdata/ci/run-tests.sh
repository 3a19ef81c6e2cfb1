#!/usr/bin/env bash
# Runs a test suite against a fresh altogic-emulator, then gates on what the suite exercised.
#
#   EMULATOR_SRC=path/to/altogic-emulator ./run-tests.sh npm test
#
# Builds the emulator from its sources (Go 1.26), starts it in the background on
# $EMULATOR_ADDR with --coverage-out, waits until /_emulator/health answers, runs the
# command given as arguments with EMULATOR_URL set, stops the emulator (SIGTERM: a clean
# stop writes the coverage report) and fails unless the suite passed and called every
# operation of the Altogic API at least once. Needs bash, Go and jq.
set -euo pipefail

src=${EMULATOR_SRC:-altogic-emulator}        # a checkout of the emulator's sources
addr=${EMULATOR_ADDR:-127.0.0.1:8484}        # loopback: nothing outside this machine reaches it
report=${EMULATOR_COVERAGE:-$PWD/emulator-coverage.json}
export EMULATOR_URL="http://$addr"           # what the suite gives createClient()

(cd "$src" && go build -o ./altogic-emulator .)
emulator="$src/altogic-emulator"
if "$emulator" --check-health --addr "$addr" 2>/dev/null; then
  echo "run-tests.sh: an emulator already answers on $addr: stop it, or set EMULATOR_ADDR" >&2
  exit 1
fi

"$emulator" --addr "$addr" --coverage-out "$report" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT  # stop it if this script fails below

# --check-health asks /_emulator/health once; ask for up to 10 s, while it runs.
up=
for _ in $(seq 1 100); do
  if "$emulator" --check-health --addr "$addr" 2>/dev/null; then up=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$up" ]; then
  echo "run-tests.sh: the emulator did not come up on $addr" >&2
  exit 1
fi

status=0
"$@" || status=$?

kill "$pid" 2>/dev/null || true
if ! wait "$pid"; then
  echo "run-tests.sh: the emulator did not stop cleanly, so $report may be missing" >&2
  exit 1
fi
trap - EXIT
if [ "$status" != 0 ]; then
  echo "run-tests.sh: the tests failed (exit status $status)" >&2
  exit "$status"
fi

# The coverage gate: every Altogic API call (and email link) exercised at least once.
if ! jq -e '.unexercisedApiOperations == []' "$report" >/dev/null; then
  echo "run-tests.sh: the tests never called these operations of the Altogic API:" >&2
  jq -r '.unexercisedApiOperations[]' "$report" >&2
  exit 1
fi
echo "run-tests.sh: the tests passed and exercised every operation of the Altogic API"
