// Package e2egate gates the tests that need tools beyond Go (Node, its
// packages, Chromium, Mailpit, Docker): they run when ALTOGIC_EMULATOR_E2E=1,
// which ./test.sh sets after installing those tools, and then a missing
// tool fails them loudly; without it, `go test ./...` skips them with a
// note saying how to run them.
package e2egate

import (
	"os"
	"os/exec"
	"testing"
)

// Var is the environment variable that turns the end-to-end tests on.
const Var = "ALTOGIC_EMULATOR_E2E"

// Require skips t, saying what it needs, unless the end-to-end tests are on.
func Require(t testing.TB, needs string) {
	t.Helper()
	if os.Getenv(Var) != "1" {
		t.Skipf("an end-to-end test: ./test.sh runs it (or set %s=1; it needs %s)", Var, needs)
	}
}

// Node requires the end-to-end tests to be on and answers the path of
// node, failing t when it is missing.
func Node(t testing.TB, needs string) string {
	t.Helper()
	Require(t, "Node.js 20 or later, "+needs)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is needed: install Node.js 20 or later")
	}
	return node
}
