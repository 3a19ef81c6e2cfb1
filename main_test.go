package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// started is an emulator run by run() in this process.
type started struct {
	url       string
	startLine string
	lines     <-chan string
	stop      func() error
}

// start runs the emulator with args on a free loopback port and waits for
// its start line.
func start(t *testing.T, args []string, env map[string]string) *started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, func(k string) string { return env[k] }, pw)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // a test that does not read logs must not block the server
			}
		}
		close(lines)
	}()
	s := &started{lines: lines}
	var once sync.Once
	var stopErr error
	s.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(10 * time.Second):
				stopErr = errors.New("run did not return within 10s of the signal")
			}
		})
		return stopErr
	}
	select {
	case line, ok := <-lines:
		if !ok {
			t.Fatalf("the emulator stopped before its start line: %v", <-done)
		}
		s.startLine = line
	case err := <-done:
		t.Fatalf("the emulator stopped: %v", err)
	}
	m := regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`).FindString(s.startLine)
	if m == "" {
		t.Fatalf("no URL in the start line %q", s.startLine)
	}
	s.url = m
	t.Cleanup(func() { s.stop() })
	return s
}

func TestRunServesAndShutsDownGracefully(t *testing.T) {
	s := start(t, []string{"--addr", "127.0.0.1:0", "--fixtures", "testdata/e2e.yaml", "--log-level", "debug"}, nil)
	for _, want := range []string{"listening on " + s.url, "with 4 fixture users", "inbox at " + s.url + "/_emulator/"} {
		if !strings.Contains(s.startLine, want) {
			t.Errorf("start line %q lacks %q", s.startLine, want)
		}
	}
	res, err := http.Get(s.url + "/_emulator/health")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("health: %v %v", res, err)
	}
	res.Body.Close()
	addr := strings.TrimPrefix(s.url, "http://")
	if err := run(context.Background(), []string{"--check-health", "--addr", addr}, func(string) string { return "" }, io.Discard); err != nil {
		t.Fatalf("--check-health against a running emulator: %v", err)
	}

	// A captured email is logged with its link.
	req, _ := http.NewRequest("POST", s.url+"/_api/rest/v1/auth/send-reset?email=vera@example.com", nil)
	req.Header.Set("X-Client-Key", "e2e-client-key")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("send-reset: %v %v", res, err)
	}
	for line := range s.lines {
		if strings.Contains(line, "email captured") {
			if !strings.Contains(line, s.url+"/_auth/verify?key=") {
				t.Fatalf("log line without the link: %s", line)
			}
			break
		}
	}

	// A request held open by wait ends when the server stops.
	waited := make(chan int, 1)
	go func() {
		res, err := http.Get(s.url + "/_emulator/inbox/sms/latest?wait=60s")
		if err != nil {
			t.Log(err)
			waited <- -1
			return
		}
		res.Body.Close()
		waited <- res.StatusCode
	}()
	for line := range s.lines { // the server holds the request open
		if strings.Contains(line, "waiting for SMS") {
			break
		}
	}
	began := time.Now()
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if code := <-waited; code != 404 {
		t.Fatalf("the held-open wait ended with %d", code)
	}
	t.Logf("stopped %v after the signal with a 60s wait open", time.Since(began))
}
