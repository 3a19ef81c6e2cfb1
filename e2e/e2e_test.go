// Package e2e runs the end-to-end suites: the official altogic client and
// the mailhog client under Node, the inbox page and attacking pages in
// headless Chromium, the SMTP relay into a real Mailpit. Each drives the
// emulator built as a binary, as users run it.
//
// They need tools beyond Go, so they run only when ALTOGIC_EMULATOR_E2E=1,
// which ./test.sh sets after installing what they need; then a missing
// tool fails them, loudly. Without it, `go test ./...` skips them with a
// note saying so.
package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/altogic-emulator/altogic-emulator/internal/e2egate"
	"github.com/altogic-emulator/altogic-emulator/internal/testbin"
)

// needE2E skips t unless the end-to-end suites are on.
func needE2E(t *testing.T) {
	t.Helper()
	e2egate.Require(t, "Node, the e2e npm packages, Chromium and Mailpit installed")
}

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Remove()
	os.Exit(code)
}

// binary builds the emulator once per test run.
func binary(t *testing.T) string { return testbin.Path(t, "..") }

// emulator is the built emulator running for one test.
type emulator struct {
	url   string
	lines <-chan string // its log lines, while a test reads them
}

// startEmulator runs the binary with args on a free loopback port, waits
// for its start line and stops it (SIGTERM, then a wait) when t ends.
func startEmulator(t *testing.T, args ...string) *emulator {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"--addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // a test that does not read logs must not block the emulator
			}
		}
		close(lines)
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("the emulator exited: %v", err)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Errorf("the emulator still ran 10s after SIGTERM")
		}
	})
	line, ok := <-lines
	if !ok {
		t.Fatalf("the emulator stopped before its start line: %v", <-exited)
	}
	url := regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`).FindString(line)
	if url == "" {
		t.Fatalf("no URL in the start line %q", line)
	}
	return &emulator{url: url, lines: lines}
}

// TestOfficialClient runs the official altogic npm client against the
// emulator with the fixtures of testdata/e2e.yaml.
func TestOfficialClient(t *testing.T) {
	runNodeTests(t, "official-client.test.js")
}

// TestMailHogClient reads the emulator's emails with the mailhog npm client.
func TestMailHogClient(t *testing.T) {
	runNodeTests(t, "mailhog-client.test.js")
}

// TestRealtime drives the official client's realtime manager (socket.io)
// under Node against the emulator: user events, channels, refusals.
func TestRealtime(t *testing.T) {
	runNodeTests(t, "realtime.test.js")
}

// TestRealtimeInChromium drives the official client's UMD bundle in
// headless Chromium, from a page of another origin, with an
// engine.<name>.localhost base URL.
func TestRealtimeInChromium(t *testing.T) {
	needChromium(t)
	runNodeTests(t, "realtime-browser.test.js")
}

// TestInboxPageInChromium uses the inbox page in headless Chromium; the
// screenshot it takes is kept in artifacts/.
func TestInboxPageInChromium(t *testing.T) {
	needChromium(t)
	runNodeTests(t, "inbox-page.test.js")
}

// TestAttackingPagesInChromium has pages of other origins, and a DNS
// rebinding page, try to read and change the control plane through the
// browser.
func TestAttackingPagesInChromium(t *testing.T) {
	needChromium(t)
	runNodeTests(t, "attacker.test.js")
}

func needChromium(t *testing.T) {
	t.Helper()
	needE2E(t)
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("the browser tests need Chromium at %s (Debian: apt-get install chromium; or set CHROMIUM): %v", chromium, err)
	}
}

// runNodeTests starts the emulator with testdata/e2e.yaml and runs one
// test file of this directory with Node's test runner against it.
func runNodeTests(t *testing.T, file string) {
	needE2E(t)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is needed for the end-to-end tests: install Node.js 20 or later")
	}
	if _, err := os.Stat("node_modules/altogic/package.json"); err != nil {
		t.Fatal("the end-to-end test packages are not installed: run `npm ci --prefix e2e` first")
	}
	emu := startEmulator(t, "--fixtures", "../testdata/e2e.yaml")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", file)
	artifacts, _ := filepath.Abs("../artifacts")
	cmd.Env = append(os.Environ(), "EMULATOR_URL="+emu.url, "ARTIFACTS_DIR="+artifacts)
	out, err := cmd.CombinedOutput()
	t.Logf("node --test %s:\n%s", file, out)
	if err != nil {
		t.Fatalf("%s failed: %v", file, err)
	}
	if !regexp.MustCompile(`(?m)^ℹ pass [1-9]`).Match(out) || !regexp.MustCompile(`(?m)^ℹ fail 0$`).Match(out) {
		t.Fatalf("%s ran no passing test, or some failed", file)
	}
}

// getJSON decodes the JSON answer of a GET.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %s: %s", url, res.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// awaitLine reads emu's log lines until one contains what; it fails t when
// one contains fail first, or the emulator ends.
func (emu *emulator) awaitLine(t *testing.T, what, fail string) string {
	t.Helper()
	for line := range emu.lines {
		if fail != "" && strings.Contains(line, fail) {
			t.Fatalf("logged %s", line)
		}
		if strings.Contains(line, what) {
			return line
		}
	}
	t.Fatalf("the emulator ended before logging %q", what)
	return ""
}
