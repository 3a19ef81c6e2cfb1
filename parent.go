package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// watchGoRun calls gone once when parent, the process that started the
// emulator, was the go command (`go run .`) and has ended. `go run` does
// not pass SIGTERM on to the program it runs, so a script's `go run . &`
// and `kill $!` would otherwise leave the emulator running, its
// --coverage-out and --export-on-exit never written. A parent that is not
// the go command (a shell, a container's init, a supervisor) is not
// watched: the emulator may outlive it on purpose.
//
// The parent is looked at before watchGoRun returns, at start-up, and
// watched from a goroutine of its own after that. (Looked at from that
// goroutine, on a busy machine, the go command could already have ended
// and gone unrecognised, and the emulator went on running.)
func watchGoRun(parent int, gone func()) {
	if parent <= 1 || !isGoCommand(parent) {
		return
	}
	go func() {
		for range time.Tick(250 * time.Millisecond) {
			if os.Getppid() != parent {
				gone()
				return
			}
		}
	}()
}

// isGoCommand reports whether process pid is the go command, where the
// system says (Linux's /proc); elsewhere it answers false.
func isGoCommand(pid int) bool {
	comm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return err == nil && strings.TrimSpace(string(comm)) == "go"
}
