package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Log lines carry what clients send: control characters, DEL and
// bidirectional overrides are escaped in both formats.
func TestLogsEscapeControlCharacters(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var out strings.Builder
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			pr, pw := io.Pipe()
			go func() {
				done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--log-level", "debug", "--log-format", format}, func(string) string { return "" }, pw)
				pw.Close()
			}()
			sc := bufio.NewScanner(pr)
			sc.Scan()
			url := regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`).FindString(sc.Text())
			read := make(chan struct{})
			go func() {
				defer close(read)
				for sc.Scan() {
					out.WriteString(sc.Text() + "\n")
				}
			}()
			res, err := http.Get(url + "/_emulator/x%7Fy%C2%85z%E2%80%AEw%1Bv")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			<-read
			logs := out.String()
			for _, raw := range []string{"\x7f", "\u0085", "\u202e", "\x1b"} {
				if strings.Contains(logs, raw) {
					t.Errorf("the logs hold %q raw", raw)
				}
			}
			if !strings.Contains(logs, `x\\x7fy\\u0085z\\u202ew\\x1bv`) && !strings.Contains(logs, `x\x7fy\u0085z\u202ew\x1bv`) {
				t.Errorf("the path is not logged escaped:\n%s", logs)
			}
		})
	}
}

// Logs give durations readably: "1.5s" in text, 1500 (milliseconds) in
// JSON, never nanoseconds.
func TestDurationsAreReadable(t *testing.T) {
	a := readableDurations(nil, slog.Duration("wait", 1500*time.Millisecond))
	if a.Value.Kind() != slog.KindString || a.Value.String() != "1.5s" {
		t.Fatalf("%v", a)
	}
	if j := millisecondDurations(nil, slog.Duration("wait", 1500*time.Millisecond)); j.Value.Kind() != slog.KindFloat64 || j.Value.Float64() != 1500 {
		t.Fatalf("%v", j)
	}
	if b := readableDurations(nil, slog.Int("n", 3)); b.Value.Int64() != 3 {
		t.Fatalf("%v", b)
	}
}
