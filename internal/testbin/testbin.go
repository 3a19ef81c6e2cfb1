// Package testbin builds the emulator's binary once per test process, for
// the tests that run it as users do (its own process, signals, memory).
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	once sync.Once
	dir  string
	err  error
)

// Path builds the main package in root (the module's directory, relative
// to the test's) on first use and answers the binary's path.
func Path(t testing.TB, root string) string {
	t.Helper()
	once.Do(func() {
		if dir, err = os.MkdirTemp("", "altogic-emulator-test"); err != nil {
			return
		}
		out, buildErr := exec.Command("go", "build", "-o", filepath.Join(dir, "altogic-emulator"), root).CombinedOutput()
		if buildErr != nil {
			err = fmt.Errorf("go build: %v\n%s", buildErr, out)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "altogic-emulator")
}

// Remove deletes what Path built; call it from TestMain after the tests.
func Remove() {
	if dir != "" {
		os.RemoveAll(dir)
	}
}
