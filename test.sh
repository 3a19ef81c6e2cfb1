#!/usr/bin/env bash
# The whole test suite. Installs what the end-to-end tests need when it is
# missing: the npm packages of e2e/ (the official altogic client, the mailhog
# client, playwright-core, and validator and useragent for the differential
# tests), the npm packages of js/ (the JavaScript kit, and the Playwright,
# Vitest and Jest its recipes are run with), Mailpit (for the
# SMTP relay test) and Debian's Chromium (for the browser tests, installed
# with apt-get when run as root). Then gofmt, go vet, staticcheck, go test
# -race over every package with the end-to-end suites on
# (ALTOGIC_EMULATOR_E2E=1: a missing tool fails them; the Docker image test
# runs when a Docker engine answers, and a note at the end says so when
# none does), the differential tests, the JavaScript kit's tests, every
# benchmark once and a short run of each fuzz target. `go test ./...` alone needs only Go: it
# skips the end-to-end suites, saying so.
set -euo pipefail
cd "$(dirname "$0")"

echo "== e2e npm packages"
npm ci --prefix e2e --no-audit --no-fund

echo "== the JavaScript kit's npm packages (js/)"
npm ci --prefix js --no-audit --no-fund
npm ci --prefix js/test/recipes --no-audit --no-fund --ignore-scripts

echo "== Mailpit"
if [ -z "${MAILPIT:-}" ] && [ ! -x .bin/mailpit ] && ! command -v mailpit >/dev/null; then
  GOBIN="$PWD/.bin" go install github.com/axllent/mailpit@v1.33.1
fi

echo "== Chromium"
if [ -z "${CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is needed for the inbox page test: install Debian's chromium package, or set CHROMIUM to a Chromium binary." >&2
    exit 1
  fi
fi

echo "== gofmt, go vet and staticcheck"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2; echo "$unformatted" >&2; exit 1
fi
go vet ./...
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

echo "== Docker (for the image test)"
docker_note=""
if docker info >/dev/null 2>&1; then
  export ALTOGIC_EMULATOR_DOCKER=1
else
  docker_note="NOTE: no Docker engine answers here, so the Docker image test (e2e/docker_test.go) did not run: start one (docker info must answer) and run ./test.sh again to include it."
  echo "$docker_note" >&2
fi

echo "== go test -race ./... (with the end-to-end suites of e2e/ and the differential tests)"
mkdir -p artifacts
ALTOGIC_EMULATOR_E2E=1 go test -race -count=1 -skip '^TestAgainst' ./...

echo "== differential tests: the emulator's rules against validator.js and useragent themselves"
# Run on their own, without -race (they compare tens of thousands of
# inputs through Node), and verbose, to print how many they compared.
ALTOGIC_EMULATOR_E2E=1 go test -count=1 -run '^TestAgainst' -v ./internal/validatorjs ./internal/useragent |
  grep -E 'compared|user agents|^(ok|FAIL|--- FAIL|panic)'
test "${PIPESTATUS[0]}" = 0

echo "== the JavaScript kit (js/): its tests through the official client, and from its packed tarball"
mkdir -p .bin
go build -o .bin/altogic-emulator .
(cd js && ALTOGIC_EMULATOR_BIN="$PWD/../.bin/altogic-emulator" npm test)

echo "== benchmarks, one run each (so that a broken one fails here)"
go test -run='^$' -bench=. -benchtime=1x ./...

echo "== fuzzing, briefly (seed corpora in emulator/testdata/fuzz and fixtures/testdata/fuzz)"
# Budgets are counts of executions (about 10 s each here), not durations:
# Go 1.26's fuzz coordinator can fail a duration-bounded run with "context
# deadline exceeded" when the time is up (golang/go#75804). New inputs are
# minimised briefly (by default each may take a minute, so short runs would
# minimise instead of fuzzing).
go test -run='^$' -fuzz=FuzzRequest -fuzztime=40000x -fuzzminimizetime=100x ./emulator
go test -run='^$' -fuzz=FuzzParse -fuzztime=100000x -fuzzminimizetime=100x ./fixtures

if [ -n "$docker_note" ]; then
  echo "" >&2
  echo "================================================================" >&2
  echo "$docker_note" >&2
  echo "================================================================" >&2
fi
