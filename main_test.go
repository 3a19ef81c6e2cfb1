package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
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
		err := run(ctx, args, func(k string) string { return env[k] }, pw, io.Discard)
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
	for _, want := range []string{"listening on " + s.url, "with 4 fixture users", "inbox at " + s.url + "/_emulator/inbox/emails"} {
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
	if err := run(context.Background(), []string{"--check-health", "--addr", addr}, func(string) string { return "" }, io.Discard, io.Discard); err != nil {
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

func TestFlagsFromEnvironmentAndJSONLogs(t *testing.T) {
	s := start(t, nil, map[string]string{
		"ALTOGIC_EMULATOR_ADDR":       "127.0.0.1:0",
		"ALTOGIC_EMULATOR_LOG_FORMAT": "json",
		"ALTOGIC_EMULATOR_PUBLIC_URL": "http://emulator.test:9999",
	})
	var rec map[string]any
	if err := json.Unmarshal([]byte(s.startLine), &rec); err != nil {
		t.Fatalf("start line is not JSON: %q", s.startLine)
	}
	if rec["users"] != float64(5) || rec["inbox"] != "http://emulator.test:9999/_emulator/inbox/emails" {
		t.Fatalf("start record %v", rec)
	}
}

func TestSizeFlag(t *testing.T) {
	for in, want := range map[string]int64{"128MiB": 128 << 20, "1GiB": 1 << 30, "500MB": 500e6, "64 KiB": 64 << 10, "1048576": 1 << 20, "2048B": 2048} {
		var s sizeFlag
		if err := s.Set(in); err != nil || int64(s) != want {
			t.Errorf("%q: %d %v, want %d", in, int64(s), err, want)
		}
	}
}

func TestLimitFlags(t *testing.T) {
	// The default fixtures have 5 users: room for one more.
	s := start(t, []string{"--addr", "127.0.0.1:0", "--max-users", "6", "--max-environments", "1"}, nil)
	signUp := func(env, email string) (int, string) {
		req, _ := http.NewRequest("POST", s.url+env+"/_api/rest/v1/auth/signup-email",
			strings.NewReader(`{"email":"`+email+`","password":"Passw0rd!"}`))
		req.Header.Set("X-Client-Key", "k")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if code, body := signUp("", "sixth@example.com"); code != 200 {
		t.Fatalf("the sixth user: %d %s", code, body)
	}
	if code, body := signUp("", "seventh@example.com"); code != 429 || !strings.Contains(body, `"too_many_users"`) {
		t.Fatalf("the seventh user: %d %s", code, body)
	}
	// The default environment does not count: one more fits.
	if code, body := signUp("/e:other", "a@example.com"); code != 200 {
		t.Fatalf("a second environment: %d %s", code, body)
	}
	if code, body := signUp("/e:third", "a@example.com"); code != 429 || !strings.Contains(body, `"too_many_environments"`) {
		t.Fatalf("a third environment: %d %s", code, body)
	}
}

// With --admin-token the control plane needs it, but health does not, so
// the container's health check (--check-health) passes.
func TestCheckHealthWithAdminToken(t *testing.T) {
	s := start(t, []string{"--addr", "127.0.0.1:0", "--admin-token", "s3cret"}, nil)
	addr := strings.TrimPrefix(s.url, "http://")
	if err := run(context.Background(), []string{"--check-health", "--addr", addr}, func(string) string { return "" }, io.Discard, io.Discard); err != nil {
		t.Fatalf("--check-health: %v", err)
	}
	res, err := http.Get(s.url + "/_emulator/users")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("the control API without the token: %d", res.StatusCode)
	}
}

// --cors-origin and --allowed-host, from flags and from their variables
// (comma-separated).
func TestOwnerFlags(t *testing.T) {
	s := start(t, []string{"--addr", "127.0.0.1:0", "--cors-origin", "https://one.example"}, map[string]string{
		"ALTOGIC_EMULATOR_CORS_ORIGIN":  "https://two.example, https://three.example",
		"ALTOGIC_EMULATOR_ALLOWED_HOST": "emu.example.com,other.example.com",
	})
	get := func(headers map[string]string) *http.Response {
		req, _ := http.NewRequest("GET", s.url+"/_emulator/inbox/emails", nil)
		for k, v := range headers {
			if k == "Host" {
				req.Host = v
			} else {
				req.Header.Set(k, v)
			}
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for _, origin := range []string{"https://one.example", "https://two.example", "https://three.example"} {
		if res := get(map[string]string{"Origin": origin}); res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != origin {
			t.Errorf("origin %s: %d %v", origin, res.StatusCode, res.Header)
		}
	}
	if res := get(map[string]string{"Origin": "https://four.example"}); res.StatusCode != 403 {
		t.Errorf("an unlisted origin: %d", res.StatusCode)
	}
	for host, want := range map[string]int{"emu.example.com": 200, "other.example.com:8484": 200, "evil.example.com": 403} {
		if res := get(map[string]string{"Host": host}); res.StatusCode != want {
			t.Errorf("host %s: %d, want %d", host, res.StatusCode, want)
		}
	}
}

func TestHelpListsEveryFlag(t *testing.T) {
	var out strings.Builder
	err := run(context.Background(), []string{"--help"}, func(string) string { return "" }, io.Discard, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, f := range []string{"-addr", "-fixtures", "-public-url", "-log-format", "ALTOGIC_EMULATOR_"} {
		if !strings.Contains(out.String(), f) {
			t.Errorf("help lacks %s:\n%s", f, out.String())
		}
	}
}

func TestStartUpErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("users:\n  - email: a@example.com\n    password: x\n  - email: a@example.com\n    password: y\n"), 0o600)
	inf := filepath.Join(t.TempDir(), "inf.yaml")
	os.WriteFile(inf, []byte("users:\n  - email: a@example.com\n    password: x\n    score: .inf\n"), 0o600)
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--fixtures", bad, "--addr", "127.0.0.1:0"}, nil, bad + ":4: users[1]: duplicate email"},
		{[]string{"--fixtures", "no-such-file.yaml"}, nil, "no-such-file.yaml"},
		{[]string{"--fixtures", inf, "--addr", "127.0.0.1:0"}, nil, inf + ":4: users[0].score: .inf is not a number JSON can hold"},
		{[]string{"--log-format", "xml"}, nil, "--log-format must be text or json"},
		{[]string{"--public-url", "ftp://x", "--addr", "127.0.0.1:0"}, nil, "public URL"},
		{[]string{"extra"}, nil, "unexpected argument"},
		{[]string{"--max-users", "0"}, nil, "--max-users must be from 1 to 10000000, not 0"},
		{[]string{"--inbox-limit", "99999999999"}, nil, "--inbox-limit must be from 1 to 1000000"},
		{[]string{"--max-environments", "100001"}, nil, "--max-environments must be from 1 to 100000"},
		{[]string{"--max-users", "18446744073709551616"}, nil, "value out of range"},
		{[]string{"--max-state", "12XB"}, nil, "not a size such as 128MiB"},
		{[]string{"--max-state", "512KiB"}, nil, "--max-state must be from 1MiB to 64GiB, not 524288"},
		{[]string{"--max-state", "99999999999999GiB"}, nil, "not a size such as 128MiB"},
		{[]string{"--addr", "256.0.0.1:1"}, nil, "listen on 256.0.0.1:1"},
		{[]string{"--check-health", "--addr", "127.0.0.1:1"}, nil, "health check"},
		{nil, map[string]string{"ALTOGIC_EMULATOR_LOG_FORMAT": "xml"}, "--log-format must be text or json"},
	}
	for _, c := range cases {
		err := run(context.Background(), c.args, func(k string) string { return c.env[k] }, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: error %v, want %q", c.args, c.env, err, c.want)
		}
	}
}

func TestCoverageAndStateFiles(t *testing.T) {
	dir := t.TempDir()
	cov, state := filepath.Join(dir, "coverage.json"), filepath.Join(dir, "state.json")
	s := start(t, []string{"--addr", "127.0.0.1:0", "--coverage-out", cov, "--export-on-exit", state}, nil)
	post := func(url string) int {
		req, _ := http.NewRequest("POST", url, nil)
		req.Header.Set("X-Client-Key", "k")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := post(s.url + "/e:kept/_api/rest/v1/auth/send-reset?email=verified@example.com"); code != 200 {
		t.Fatalf("send-reset: %d", code)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}

	var rep struct {
		Operations []struct {
			OperationID string         `json:"operationId"`
			Statuses    map[string]int `json:"statuses"`
		}
		UnexercisedOperations []string `json:"unexercisedOperations"`
	}
	data, err := os.ReadFile(cov)
	if err != nil || json.Unmarshal(data, &rep) != nil || len(rep.UnexercisedOperations) == 0 {
		t.Fatalf("coverage file: %v %s", err, data)
	}
	for _, op := range rep.Operations {
		if op.OperationID == "sendResetPwdEmail" && op.Statuses["200"] != 1 {
			t.Fatalf("coverage of sendResetPwdEmail: %v", op.Statuses)
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(matches) != 0 {
		t.Fatalf("temporary files left: %v", matches)
	}

	// The exported state comes back with --import: the email is still there.
	s = start(t, []string{"--addr", "127.0.0.1:0", "--import", state}, nil)
	res, err := http.Get(s.url + "/e:kept/_emulator/inbox/emails/latest?to=verified@example.com")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("after --import: %v %v", res, err)
	}
	res.Body.Close()

	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"version":1,"environments":{"x":{"version":7}}}`), 0o600)
	err = run(context.Background(), []string{"--addr", "127.0.0.1:0", "--import", bad}, func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--import "+bad) {
		t.Fatalf("a bad snapshot: %v", err)
	}
}

// TestSIGTERMWithTheBuiltBinary: a request in flight (here in a fault's
// delay, which ends) finishes, a held-open wait and an upload still
// arriving end at once, and the process exits 0 within 5 seconds.
func TestSIGTERMWithTheBuiltBinary(t *testing.T) {
	cmd := exec.Command(builtBinary(t), "--addr", "127.0.0.1:0", "--log-level", "debug")
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	await := func(what string) string {
		for line := range lines {
			if strings.Contains(line, what) {
				return line
			}
		}
		t.Fatalf("the emulator ended before logging %q", what)
		return ""
	}
	url := regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`).FindString(await("listening on"))

	post := func(path, body string) (int, error) {
		req, _ := http.NewRequest("POST", url+path, strings.NewReader(body))
		req.Header.Set("X-Client-Key", "k")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		res.Body.Close()
		return res.StatusCode, nil
	}
	if code, err := post("/_emulator/faults", `{"operation":"sendResetPwdEmail","delayMs":1500}`); err != nil || code != 201 {
		t.Fatalf("fault: %d %v", code, err)
	}
	inFlight := make(chan int, 1)
	go func() {
		code, err := post("/_api/rest/v1/auth/send-reset?email=verified@example.com", "")
		if err != nil {
			code = -1
		}
		inFlight <- code
	}()
	await("fault applied")
	waited := make(chan int, 1)
	go func() {
		res, err := http.Get(url + "/_emulator/inbox/sms/latest?wait=60s")
		if err != nil {
			waited <- -1
			return
		}
		res.Body.Close()
		waited <- res.StatusCode
	}()
	await("waiting for SMS")
	// An upload that stalled.
	upload, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer upload.Close()
	fmt.Fprintf(upload, "POST /_api/rest/v1/auth/signin-email HTTP/1.1\r\nHost: x\r\nX-Client-Key: k\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
	// A connection that never sends a byte, as a browser's preconnection:
	// net/http's Shutdown would wait 5s for its request.
	silent, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	await("connection opened")

	began := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("still running 5s after SIGTERM")
	}
	t.Logf("exited %v after SIGTERM", time.Since(began))
	if code := <-inFlight; code != 200 {
		t.Fatalf("the request in flight got %d", code)
	}
	if code := <-waited; code != 404 {
		t.Fatalf("the held-open wait got %d", code)
	}
	if res, err := http.ReadResponse(bufio.NewReader(upload), nil); err != nil || res.StatusCode != 503 {
		t.Fatalf("the stalled upload: %v %v", res, err)
	}
}

func TestExportToAnUnwritablePlaceFailsLoudly(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-dir", "state.json")
	s := start(t, []string{"--addr", "127.0.0.1:0", "--export-on-exit", missing, "--coverage-out", missing + ".cov"}, nil)
	err := s.stop()
	if err == nil || !strings.Contains(err.Error(), "write "+missing) || !strings.Contains(err.Error(), "write "+missing+".cov") {
		t.Fatalf("stop: %v", err)
	}
}

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
				done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--log-level", "debug", "--log-format", format}, func(string) string { return "" }, pw, io.Discard)
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
