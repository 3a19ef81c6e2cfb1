package emulator

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// rawServer serves the emulator itself on a real connection (the harness
// reads whole answers through a recorder, which has no read deadlines).
func rawServer(t *testing.T, em *Emulator) string {
	srv := httptest.NewServer(em)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// sendPart opens a connection and sends a request whose body stops
// after part of what Content-Length announces.
func sendPart(t *testing.T, addr string, announced int, sent string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /_api/rest/v1/auth/signin-email HTTP/1.1\r\nHost: %s\r\nX-Client-Key: k\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		addr, announced, sent)
	return conn, bufio.NewReader(conn)
}

// A stalled upload is cut after the body deadline, answered 408, and its
// connection closed.
func TestStalledUploadIsCut(t *testing.T) {
	em, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	em.bodyReadTime = 200 * time.Millisecond
	addr := rawServer(t, em)
	_, r := sendPart(t, addr, 1000, `{"email":`)
	res, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), `"request_timeout"`) {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	if _, err := r.ReadByte(); err != io.EOF {
		t.Fatalf("the connection is still open: %v", err)
	}
	// The deadline is the body's: a long-poll after a body on the same
	// connection is not cut by it.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fault := `{"operation":"*","dropMessage":true}`
	fmt.Fprintf(conn, "POST /_emulator/faults HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(fault), fault)
	fmt.Fprintf(conn, "GET /_emulator/inbox/sms/latest?wait=1s HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	cr := bufio.NewReader(conn)
	for _, want := range []int{201, 404} {
		res, err := http.ReadResponse(cr, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		if res.StatusCode != want {
			t.Fatalf("status %d, want %d", res.StatusCode, want)
		}
	}
}

// The bytes of request bodies held at once are bounded: past the bound a
// request is answered 503 server_busy, and the others go on.
func TestBodiesInFlightAreBounded(t *testing.T) {
	em, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	em.maxBodies = 64 << 10
	changed := make(chan struct{}, 1000)
	em.onBodies = func() { changed <- struct{}{} }
	until := func(ok func(int64) bool) {
		for !ok(em.bodies.Load()) {
			<-changed
		}
	}
	addr := rawServer(t, em)
	// A client announces 1 MiB and sends 40 KiB: its buffer grew with what
	// arrived (not to the 1 MiB announced), to 64 KiB at most.
	slow, _ := sendPart(t, addr, 1<<20, `{"email":"`+strings.Repeat("a", 40<<10))
	until(func(n int64) bool { return n >= 40<<10 })
	if held := em.bodies.Load(); held > 64<<10 {
		t.Fatalf("%d bytes held for 40 KiB received", held)
	}
	_, r := sendPart(t, addr, 30<<10, `{"email":"`+strings.Repeat("b", 30<<10-10))
	res, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), `"server_busy"`) || res.Header.Get("Retry-After") != "1" {
		t.Fatalf("%d %v %s", res.StatusCode, res.Header, body)
	}
	slow.Close()
	until(func(n int64) bool { return n == 0 })
	// Small requests are unaffected.
	req, _ := http.NewRequest("POST", "http://"+addr+"/_api/rest/v1/auth/signin-email", strings.NewReader(`{"email":"verified@example.com","password":"Passw0rd!"}`))
	req.Header.Set("X-Client-Key", "k")
	req.Header.Set("Content-Type", "application/json")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("a small sign-in: %v %v", res, err)
	}
}

// EndWaits, the first step of a shutdown, ends uploads still arriving and
// pending fault delays at once.
func TestShutdownCutsUploadsAndDelays(t *testing.T) {
	em, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	reading := make(chan struct{}, 100)
	em.onBodies = func() { reading <- struct{}{} }
	addr := rawServer(t, em)
	req, _ := http.NewRequest("POST", "http://"+addr+"/_emulator/faults", strings.NewReader(`{"operation":"sendResetPwdEmail","delayMs":60000}`))
	req.Header.Set("Content-Type", "application/json")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 201 {
		t.Fatalf("fault: %v %v", res, err)
	}
	delayed := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+addr+"/_api/rest/v1/auth/send-reset?email=verified@example.com", nil)
		req.Header.Set("X-Client-Key", "k")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			delayed <- -1
			return
		}
		res.Body.Close()
		delayed <- res.StatusCode
	}()
	for len(reading) > 0 {
		<-reading // the fault's body
	}
	_, r := sendPart(t, addr, 1000, `{"email":`)
	for em.bodies.Load() == 0 {
		<-reading // the upload's reading has begun
	}
	em.EndWaits()
	res, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "stopping") {
		t.Fatalf("the upload: %d %s", res.StatusCode, body)
	}
	if code := <-delayed; code != 200 {
		t.Fatalf("the delayed call: %d", code)
	}
}

// A request answered before its body is read (refused by an access check,
// say) has its connection closed: net/http would otherwise wait for the
// rest of a body that never comes, and the connection would be held.
func TestUnreadBodiesDoNotHoldTheConnection(t *testing.T) {
	em, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	addr := rawServer(t, em)
	for _, head := range []string{
		"POST /_api/rest/v1/auth/signin-email HTTP/1.1\r\nHost: x\r\n",                                                            // no client key: 401
		"POST /_emulator/reset HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n",                                           // 403
		"POST /_api/rest/v1/auth/nope HTTP/1.1\r\nHost: x\r\nX-Client-Key: k\r\n",                                                 // 404
		"OPTIONS /_emulator/reset HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n", // a refused preflight
	} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "%sContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", head)
		r := bufio.NewReader(conn)
		res, err := http.ReadResponse(r, nil)
		if err != nil || res.StatusCode < 400 {
			t.Fatalf("%q: %v %v", head, res, err)
		}
		io.Copy(io.Discard, res.Body)
		if _, err := r.ReadByte(); err != io.EOF {
			t.Fatalf("%q: the connection is still open: %v", head, err)
		}
	}
}

// Large answers (a list of megabytes) count against the answers in flight:
// while another holds them, one more is refused with 503, before anything
// of it was written; one always fits.
func TestLargeAnswersAreBounded(t *testing.T) {
	h := newHarnessWith(t, Options{MaxStateBytes: 1 << 30})
	en := h.em.mustEnv(t, DefaultEnvironment)
	en.mu.Lock()
	for i := range 6 {
		bio := json.RawMessage(`"` + strings.Repeat("x", 500<<10) + `"`)
		if _, err := en.newUserLocked("", fmt.Sprintf("big%d@example.com", i), "", "pw", userData{extra: map[string]json.RawMessage{"bio": bio}}, epoch); err != nil {
			t.Fatal(err)
		}
	}
	en.mu.Unlock()
	var users struct{ Users []map[string]any }
	h.do("GET", "/_emulator/users", nil, nil).wantStatus(t, 200).json(t, &users) // alone, it always fits
	if len(users.Users) != 11 {
		t.Fatalf("%d users", len(users.Users))
	}
	held := h.em.answers.newAnswer() // another large answer, not read yet
	if !held.add(make([]byte, smallAnswer+maxAnswersInFlight)) {
		t.Fatal("the only large answer did not fit")
	}
	res := h.do("GET", "/_emulator/users", nil, nil)
	res.wantError(t, 503, "server_busy", "")
	if res.header.Get("Retry-After") != "1" {
		t.Fatalf("headers %v", res.header)
	}
	h.do("GET", "/_emulator/config", nil, nil).wantStatus(t, 200) // small answers are not counted
	held.release()
	h.do("GET", "/_emulator/users", nil, nil).wantStatus(t, 200)
	if n := h.em.answers.bytes.Load(); n != 0 || h.em.answers.large.Load() != 0 {
		t.Fatalf("answers in flight after all were written: %d bytes, %d large", n, h.em.answers.large.Load())
	}
}
