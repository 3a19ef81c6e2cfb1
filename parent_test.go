package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A script's `go run . &` and `kill $!` signal the go command, which does
// not pass the signal on: the emulator notices that the go command ended,
// shuts down gracefully and writes its files.
func TestStopsWhenGoRunEnds(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	cmd := exec.Command("go", "run", ".", "--addr", "127.0.0.1:0", "--export-on-exit", state)
	// One pipe for both streams, which the emulator inherits: it reaches
	// its end when the emulator has exited, whatever the go command does.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	defer r.Close()
	t.Cleanup(func() { cmd.Process.Kill() })
	sc := bufio.NewScanner(r)
	for sc.Scan() && !regexp.MustCompile(`listening on http://127\.0\.0\.1:\d+`).MatchString(sc.Text()) {
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil { // to the go command only
		t.Fatal(err)
	}
	cmd.Wait()
	// A bound, not a pause: the wait ends as soon as the emulator exits.
	r.SetReadDeadline(time.Now().Add(30 * time.Second))
	var said strings.Builder
	for sc.Scan() {
		said.WriteString(sc.Text() + "\n")
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("the emulator still ran 30s after the go command ended (%v); output: %s", err, said.String())
	}
	if !strings.Contains(said.String(), "the go command that ran it ended: shutting down") {
		t.Fatalf("output after the signal: %s", said.String())
	}
	if _, err := os.Stat(state); err != nil {
		t.Fatalf("--export-on-exit was not written: %v", err)
	}
}
