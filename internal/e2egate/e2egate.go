// Package e2egate gates the tests that need tools beyond Go (Node, its
// packages, Chromium, Mailpit, Docker): they run when ALTOGIC_EMULATOR_E2E=1,
// which ./test.sh sets after installing those tools, and then a missing
// tool fails them loudly; without it, `go test ./...` skips them with a
// note saying how to run them.
package e2egate

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
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

// NodePackage requires the end-to-end tests to be on and answers node's
// path and the directory whose node_modules holds the npm package name at
// version: $dirVar, else the repository's e2e project (root is the
// repository's directory, relative to the test's). It fails t, saying how
// to install it, when it is missing or another version.
func NodePackage(t testing.TB, dirVar, root, name, version string) (node, dir string) {
	t.Helper()
	node = Node(t, name+"@"+version+" under $"+dirVar+"/node_modules (default the e2e project)")
	dir = os.Getenv(dirVar)
	if dir == "" {
		dir = filepath.Join(root, "e2e")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "node_modules", name, "package.json"))
	if err != nil {
		t.Fatalf("%s is not installed under %s (npm install --prefix %s %s@%s): %v", name, dir, dir, name, version, err)
	}
	var meta struct{ Version string }
	if err := json.Unmarshal(data, &meta); err != nil || meta.Version != version {
		t.Fatalf("%s holds %s %q, want %s (%v)", dir, name, meta.Version, version, err)
	}
	return node, dir
}
