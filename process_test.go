package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/altogic-emulator/altogic-emulator/internal/testbin"
)

// The tests of this file run the built binary as a separate process, to
// measure its memory and to signal it.

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Remove()
	os.Exit(code)
}

// builtBinary builds the emulator once per test run.
func builtBinary(t *testing.T) string { return testbin.Path(t, ".") }

// process is the emulator running as its own process.
type process struct {
	cmd    *exec.Cmd
	url    string
	addr   string
	lines  chan string
	exited chan error
}

func startProcess(t *testing.T, args ...string) *process {
	t.Helper()
	cmd := exec.Command(builtBinary(t), append([]string{"--addr", "127.0.0.1:0"}, args...)...)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, lines: make(chan string, 1000), exited: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
		close(p.lines)
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	p.url = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`).FindString(p.await(t, "listening on"))
	p.addr = strings.TrimPrefix(p.url, "http://")
	return p
}

// await answers the first log line containing what.
func (p *process) await(t *testing.T, what string) string {
	t.Helper()
	for line := range p.lines {
		if strings.Contains(line, what) {
			return line
		}
	}
	t.Fatalf("the emulator ended before logging %q", what)
	return ""
}

// peakRSS answers the process's peak resident memory (VmHWM), in MB.
func (p *process) peakRSS(t *testing.T) float64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("no VmHWM in /proc/%d/status", p.cmd.Process.Pid)
	}
	kb, _ := strconv.Atoi(string(m[1]))
	return float64(kb) / 1024
}

func (p *process) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// request sends one request on a fresh connection and answers the status.
func (p *process) request(method, path, body string, headers map[string]string) (int, error) {
	req, err := http.NewRequest(method, p.url+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Close = true
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := noRedirects.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

var apiHeaders = map[string]string{"X-Client-Key": "k", "Content-Type": "application/json"}

// A thousand slow or idle clients do not hold the emulator: normal
// requests are answered while all of them are still connected (before the
// slow uploads are cut, which is what would let them through otherwise).
func TestSlowAndIdleClientsDoNotHoldIt(t *testing.T) {
	p := startProcess(t)
	var slowBodies []*bufio.Reader
	for i := range 1000 {
		c := p.dial(t)
		switch i % 4 {
		case 0: // never sends a byte
		case 1: // idle between requests
			io.WriteString(c, "GET /_emulator/health HTTP/1.1\r\nHost: x\r\n\r\n")
			if res, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil || res.StatusCode != 200 {
				t.Fatalf("health on an idle connection: %v %v", res, err)
			}
		case 2: // headers sent slowly
			io.WriteString(c, "POST /_api/rest/v1/auth/signin-email HTTP/1.1\r\nHost: x\r\nX-Client-Key: k\r\n")
		case 3: // a body sent slowly: most of it, then nothing
			fmt.Fprintf(c, "POST /_api/rest/v1/auth/signin-email HTTP/1.1\r\nHost: x\r\nX-Client-Key: k\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n%s",
				strings.Repeat(" ", 60000))
			slowBodies = append(slowBodies, bufio.NewReader(c))
		}
	}
	began := time.Now()
	for i := range 20 {
		for _, r := range []struct{ method, path, body string }{
			{"POST", "/_api/rest/v1/auth/signin-email", `{"email":"verified@example.com","password":"Passw0rd!"}`},
			{"POST", "/_api/rest/v1/auth/send-reset?email=verified@example.com", ""},
			{"GET", "/_emulator/inbox/emails/latest?to=verified@example.com", ""},
		} {
			if code, err := p.request(r.method, r.path, r.body, apiHeaders); err != nil || code != 200 {
				t.Fatalf("request %d %s %s: %d %v", i, r.method, r.path, code, err)
			}
		}
	}
	answered := time.Now()
	t.Logf("60 normal requests answered in %v while 1000 slow or idle clients were connected", answered.Sub(began))
	// Only now are the slow uploads cut, each with its 408.
	for _, r := range slowBodies[:5] {
		res, err := http.ReadResponse(r, nil)
		if err != nil || res.StatusCode != http.StatusRequestTimeout {
			t.Fatalf("a slow upload: %v %v", res, err)
		}
	}
	t.Logf("the slow uploads were cut %v after the normal requests were answered; peak resident memory %.1f MB",
		time.Since(answered), p.peakRSS(t))
}

// What a client sends cannot grow memory without bound: the attacks that
// used to cost hundreds of megabytes (a 60 KB query kept by each OAuth
// user, a 60 KB User-Agent kept by each session, half-sent bodies and
// header blocks held by hundreds of connections) stay within the
// documented worst case.
func TestMemoryIsBoundedInBytes(t *testing.T) {
	p := startProcess(t)
	pad := strings.Repeat("p", 60<<10)
	parallel(t, 8, 3000, func(i int) error {
		_, err := p.request("GET", fmt.Sprintf("/_auth/google?email=u%d@example.com&name=U&pad=%s", i, pad), "", nil)
		return err
	})
	ua := strings.Repeat("Mozilla/5.0 ", 5<<10)
	parallel(t, 8, 3000, func(i int) error {
		code, err := p.request("POST", "/_api/rest/v1/auth/signin-email", `{"email":"verified@example.com","password":"Passw0rd!"}`,
			map[string]string{"X-Client-Key": "k", "Content-Type": "application/json", "User-Agent": fmt.Sprintf("Agent/%d %s", i, ua)})
		if err == nil && code != 200 {
			err = fmt.Errorf("sign-in: %d", code)
		}
		return err
	})
	// Half-sent bodies and header blocks, all at once.
	body := strings.Repeat(" ", 900<<10)
	for range 300 {
		c := p.dial(t)
		go fmt.Fprintf(c, "POST /_api/rest/v1/auth/signin-email HTTP/1.1\r\nHost: x\r\nX-Client-Key: k\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", 1<<20, body)
	}
	header := "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + strings.Repeat("h", 4<<20)
	for range 200 {
		c := p.dial(t)
		go io.WriteString(c, header)
	}
	// The emulator keeps answering meanwhile.
	if code, err := p.request("GET", "/_emulator/health", "", nil); err != nil || code != 200 {
		t.Fatalf("health: %d %v", code, err)
	}
	peak := p.peakRSS(t)
	t.Logf("peak resident memory %.1f MB", peak)
	// What the attacks send would keep 360 MB alive if the emulator kept
	// it; what it does keep, and the garbage between collections, stays
	// well under this.
	const bound = 250
	if peak > bound {
		t.Fatalf("peak resident memory %.1f MB, more than %d MB", peak, bound)
	}
}

// parallel runs fn(0..n-1) on workers goroutines and fails on an error.
func parallel(t *testing.T, workers, n int, fn func(i int) error) {
	t.Helper()
	next := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case err := <-errs:
			close(next)
			wg.Wait()
			t.Fatal(err)
			break feed
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}

// bigSnapshot writes a snapshot whose environment "big" has n users with
// some data each: an export of it is megabytes, more than the socket
// buffers hold.
func bigSnapshot(t *testing.T, n int) string {
	t.Helper()
	type user struct {
		ID           string            `json:"_id"`
		Email        string            `json:"email"`
		PasswordSalt string            `json:"passwordSalt"`
		PasswordHash string            `json:"passwordHash"`
		SignUpAt     time.Time         `json:"signUpAt"`
		LastLoginAt  time.Time         `json:"lastLoginAt"`
		Data         map[string]string `json:"data"`
	}
	users := make([]user, n)
	now := time.Now().UTC()
	for i := range users {
		users[i] = user{ID: fmt.Sprintf("%024x", i+1), Email: fmt.Sprintf("user%d@example.com", i), PasswordSalt: "00",
			PasswordHash: hex.EncodeToString(make([]byte, 32)), SignUpAt: now, LastLoginAt: now,
			Data: map[string]string{"bio": strings.Repeat("x", 300)}}
	}
	settings := map[string]any{"redirectUrl": "http://localhost:3000/auth-redirect", "emailAuth": true, "phoneAuth": true,
		"emailConfirmation": true, "phoneConfirmation": true, "signInWithCode": true, "emailTokenTTL": "1h", "smsCodeTTL": "1h",
		"accessTokenTTL": "1h", "sessionTTL": "0s", "minPasswordLength": 6, "maxPasswordLength": 50}
	snap := map[string]any{"version": 1, "environments": map[string]any{"big": map[string]any{
		"version": 1, "settings": settings, "users": users, "sessions": []any{}, "links": []any{}, "accessTokens": []any{},
		"codes": []any{}, "emails": []any{}, "sms": []any{}, "clock": map[string]any{"offset": "0s", "frozen": false},
	}}}
	data, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// stallExport asks for the big environment's export on a connection that
// then reads nothing: the request cannot finish.
func stallExport(t *testing.T, p *process) {
	t.Helper()
	c := p.dial(t)
	io.WriteString(c, "GET /e:big/_emulator/state HTTP/1.1\r\nHost: localhost\r\n\r\n")
	line, err := bufio.NewReaderSize(c, 64).ReadString('\n') // the export has begun
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 200") {
		t.Fatalf("the export: %q %v", line, err)
	}
}

// After the grace period what is still running is cut, named in a
// warning, and the process exits 0 having written its files.
func TestShutdownCutsWhatOutlivesTheGracePeriod(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	p := startProcess(t, "--import", bigSnapshot(t, 40000), "--max-state", "1GiB", "--export-on-exit", state)
	stallExport(t, p)
	began := time.Now()
	p.cmd.Process.Signal(syscall.SIGTERM)
	warning := p.await(t, "shutdown: cut 1 requests")
	if !strings.Contains(warning, "GET /e:big/_emulator/state") {
		t.Fatalf("the warning does not name the request: %s", warning)
	}
	p.await(t, "exported state")
	if err := <-p.exited; err != nil {
		t.Fatalf("exit: %v", err)
	}
	t.Logf("exited %v after SIGTERM", time.Since(began))
	var snap struct {
		Environments map[string]struct{ Users []any }
	}
	data, err := os.ReadFile(state)
	if err != nil || json.Unmarshal(data, &snap) != nil || len(snap.Environments["big"].Users) != 40000 {
		t.Fatalf("the exported state: %v, %d bytes", err, len(data))
	}
}

// A second signal does not wait for the grace period; the same signal
// twice at once is one.
func TestASecondSignalExitsAtOnce(t *testing.T) {
	p := startProcess(t, "--import", bigSnapshot(t, 40000), "--max-state", "1GiB")
	stallExport(t, p)
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.await(t, "shutting down")
	// The same stop request twice at once (as timeout(1) sends it) is one.
	p.cmd.Process.Signal(syscall.SIGTERM)
	warning := p.await(t, "shutdown: cut 1 requests")
	if !strings.Contains(warning, "GET /e:big/_emulator/state") {
		t.Fatalf("the warning: %s", warning)
	}
	if err := <-p.exited; err != nil {
		t.Fatalf("exit after a repeated signal: %v", err)
	}

	p = startProcess(t, "--import", bigSnapshot(t, 40000), "--max-state", "1GiB")
	stallExport(t, p)
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.await(t, "shutting down")
	time.Sleep(1100 * time.Millisecond) // a second signal is one sent a second later, by definition
	p.cmd.Process.Signal(syscall.SIGTERM)
	err := <-p.exited
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 128+int(syscall.SIGTERM) {
		t.Fatalf("exit: %v", err)
	}
}

// What net/http answers itself, before any handler runs, is the error
// envelope too.
func TestMalformedRequestsGetTheEnvelope(t *testing.T) {
	p := startProcess(t)
	for _, raw := range []string{
		"GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
		"POST /_api/rest/v1/auth/signin-email HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
		"POST /_api/rest/v1/auth/signin-email HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"POST /_api/rest/v1/auth/signin-email HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
		"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
		"GARBAGE\r\n\r\n",
		"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + strings.Repeat("h", 80<<10) + "\r\n\r\n",
	} {
		c := p.dial(t)
		io.WriteString(c, raw)
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%.60q: %v", raw, err)
		}
		body, _ := io.ReadAll(res.Body)
		var env struct {
			Errors []struct{ Origin, Code, Message string }
		}
		if res.StatusCode < 400 || res.Header.Get("Content-Type") != "application/json; charset=utf-8" ||
			json.Unmarshal(body, &env) != nil || len(env.Errors) != 1 || env.Errors[0].Code == "" || env.Errors[0].Message == "" {
			t.Errorf("%.60q: %d %v %s", raw, res.StatusCode, res.Header, body)
			continue
		}
		t.Logf("%.50q: %d %s: %s", raw, res.StatusCode, env.Errors[0].Code, env.Errors[0].Message)
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
