package emulator

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMalformedRequests(t *testing.T) {
	h := newHarness(t, nil)
	h.do("GET", "/nope", nil, nil).wantError(t, 404, "not_found", "Cannot find the requested resource: GET /nope")
	h.do("GET", "/_api/rest/v1/auth/unknown", hdr{"X-Client-Key": "k"}, nil).wantError(t, 404, "not_found", "")
	h.do("PUT", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k"}, nil).wantError(t, 405, "method_not_allowed", "")
	big := `{"email":"a@example.com","password":"` + strings.Repeat("x", 2<<20) + `"}`
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k", "Content-Type": "application/json"}, big).
		wantError(t, 413, "payload_too_large", "")
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k", "Content-Type": "application/json"}, `[1,2`).
		wantError(t, 400, "invalid_request_body_syntax", "")
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k", "Content-Type": "application/json"}, `[]`).
		wantError(t, 400, "validation_error", "")
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k", "Content-Type": "application/json; charset=utf-8"},
		`{"email":"verified@example.com","password":"Passw0rd!"}`).wantStatus(t, 200)
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k", "Content-Type": "application/x-www-form-urlencoded"},
		`email=a`).wantError(t, 415, "unsupported_media_type", "")
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k", "Content-Type": "application/json"}, deep).wantStatus(t, 400)
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k", "Content-Type": "application/json"},
		"{\"email\":\"\xff\xfe@example.com\",\"password\":\"x\"}").wantStatus(t, 400)
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k"}, nil).
		wantStatus(t, 400)
}

func TestUndecodableQueriesAreNamed(t *testing.T) {
	h := newHarness(t, nil)
	h.api("POST", "/send-reset?email=%zz", "", nil).wantError(t, 400, "validation_error",
		`The query string is not valid: invalid URL escape "%zz".`)
	h.api("POST", "/send-reset?email=a@example.com;x=1", "", nil).wantError(t, 400, "validation_error",
		"The query string is not valid: invalid semicolon separator in query.")
	// A well-formed escape is fine.
	h.api("POST", "/send-reset?email=verified%40example.com", "", nil).wantStatus(t, 200)
}

func TestNullBodyIsNamed(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k", "Content-Type": "application/json"}, json.RawMessage("null")).
		wantError(t, 400, "validation_error", "'body' must be of type object, not null.")
}

// HEAD is answered like GET, for every GET operation (net/http drops the
// body): health probes such as wait-on use it.
func TestHeadIsAnsweredLikeGet(t *testing.T) {
	h := newHarness(t, nil)
	for _, path := range []string{"/_emulator/health", "/_emulator/users", "/_emulator/inbox/emails"} {
		h.do("HEAD", path, nil, nil).wantStatus(t, 200)
	}
	h.do("HEAD", "/_api/rest/v1/auth/send-reset", nil, nil).wantStatus(t, 405)
}

func TestHugeHeaders(t *testing.T) {
	h := newHarness(t, nil)
	h.api("GET", "/user", strings.Repeat("x", 100<<10), nil).wantError(t, 431, "request_header_too_large", "")
	h.do("GET", "/_emulator/health", nil, nil).wantStatus(t, 200)
}

// TestMalformedRequestBattery sends malformed requests of every kind to
// every operation of openapi.yaml: every answer is a 4xx JSON envelope (the
// harness checks the envelope and that nothing is a 5xx), and the
// emulator keeps serving.
func TestMalformedRequestBattery(t *testing.T) {
	h := newHarness(t, nil)
	type probe struct {
		method, path, ctype string
		body                []byte
		headers             hdr
		// mustFail marks a request no operation can accept: it must get a 4xx.
		mustFail bool
	}
	var probes []probe
	ops := h.em.spec.Doc.Paths.Map()
	paths := make([]string, 0, len(ops))
	for p := range ops {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	long := strings.Repeat("a", 20000)
	badQueries := []string{
		"email=" + long + "@example.com", "phone=%2B" + strings.Repeat("1", 5000), "email=%00", "phone=%00%00",
		"email=%ff%fe", "key=%ff", "code=" + long, "wait=%ff", "to=%00", "action=%ff", "start=-1", "limit=abc",
		"email=a&email=b", "kind=%00&query=%ff", "status=%00", "email=%zz", "to=%", "key=a;b=c",
	}
	badBodies := []string{
		`{`, `{"email":`, `[]`, `"str"`, `42`, `null`, `true`, `{"email":{"a":1},"password":[1]}`,
		`{"email":"` + long + `@example.com","password":"` + long + `"}`,
		`{"email":"a\u0000b@example.com","password":"x\u0000y"}`,
		strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat(`}`, 5000),
		strings.Repeat(`[`, 20000) + strings.Repeat(`]`, 20000),
		"{\"email\":\"\xff\xfe\",\"password\":\"\xc3\x28\"}",
		`{"newPassword":123,"oldPassword":false,"currentPassword":{},"newEmail":[],"newPhone":1.5,"token":7}`,
		`{"operation":"*","status":"503","times":"x"}`, `{"advance":5,"freeze":"yes","set":1}`,
		`{"emailConfirmation":"no","emailTokenTTL":5,"redirectUrl":7}`,
		`{"version":1,"settings":{},"users":[{"_id":"x"}]}`,
	}
	for _, p := range paths {
		if p == "/_emulator/inbox/events" {
			continue // a stream: it answers 200 and stays open, whatever the query
		}
		item := ops[p]
		concrete := strings.NewReplacer("{id}", "00000000-0000-0000-0000-000000000000", "{provider}", "google").Replace(p)
		for method := range item.Operations() {
			for _, q := range badQueries {
				probes = append(probes, probe{method: method, path: concrete + "?" + q})
			}
			takesBody := item.GetOperation(method).RequestBody != nil
			for i, b := range badBodies {
				// The first two, the deep nestings and the invalid UTF-8 are not JSON at all.
				notJSON := i < 2 || strings.HasPrefix(b, "[[[") || strings.HasPrefix(b, `{"a":{"a"`) || strings.Contains(b, "\xff")
				probes = append(probes, probe{method: method, path: concrete, ctype: "application/json", body: []byte(b), mustFail: takesBody && (notJSON || i == 2)})
			}
			probes = append(probes,
				probe{method: method, path: concrete, ctype: "text/plain", body: []byte("email=a"), mustFail: takesBody},
				probe{method: method, path: concrete, ctype: "application/x-www-form-urlencoded", body: []byte("email=a&password=b"), mustFail: takesBody},
				probe{method: method, path: concrete, ctype: "application/json; charset=latin1", body: []byte(`{"email":"x"}`)},
				probe{method: method, path: concrete, ctype: "%%%", body: []byte(`{}`)},
				probe{method: method, path: concrete, headers: hdr{"Session": "\xff\xfe\x80"}},
				probe{method: method, path: concrete, headers: hdr{"Session": strings.Repeat("a.", 3000)}},
				probe{method: method, path: "/e:" + long[:70] + concrete, mustFail: true},
				probe{method: method, path: "/e:ok" + concrete + "/extra", mustFail: true},
			)
		}
	}
	for _, m := range []string{"PUT", "PATCH", "DELETE", "HEAD", "TRACE", "BREW"} {
		probes = append(probes, probe{method: m, path: "/_api/rest/v1/auth/signin-email", mustFail: true})
	}
	probes = append(probes,
		probe{method: "GET", path: "/%ff%fe", mustFail: true}, probe{method: "GET", path: "/e:%00/x", mustFail: true},
		probe{method: "GET", path: "/" + long, mustFail: true},
		probe{method: "POST", path: "/_api/rest/v1/auth/signin-email", ctype: "application/json", body: bytes.Repeat([]byte("a"), 3<<20), mustFail: true},
	)
	if len(probes) < 500 {
		t.Fatalf("only %d probes", len(probes))
	}
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var mu sync.Mutex
	failures := map[string]int{}
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, p := range probes {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var body *bytes.Reader
			if p.body != nil {
				body = bytes.NewReader(p.body)
			} else {
				body = bytes.NewReader(nil)
			}
			req, err := http.NewRequest(p.method, h.srv.URL+"/x", body)
			if err != nil {
				t.Error(err)
				return
			}
			req.URL.Opaque = ""
			if u, err := url.Parse(h.srv.URL + p.path); err == nil {
				req.URL = u
			} else {
				req.URL.RawPath, req.URL.Path = p.path, p.path
			}
			req.Header.Set("X-Client-Key", "k")
			if p.ctype != "" {
				req.Header.Set("Content-Type", p.ctype)
			}
			for k, v := range p.headers {
				req.Header[k] = []string{v}
			}
			res, err := client.Do(req)
			if err != nil {
				mu.Lock()
				failures[fmt.Sprintf("%s %.80s: %v", p.method, p.path, err)]++
				mu.Unlock()
				return
			}
			res.Body.Close()
			if res.StatusCode >= 500 || (p.mustFail && (res.StatusCode < 400 || res.StatusCode > 499)) {
				mu.Lock()
				failures[fmt.Sprintf("%s %.80s: %d", p.method, p.path, res.StatusCode)]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for f, n := range failures {
		t.Errorf("%s (%d times)", f, n)
	}
	t.Logf("%d malformed requests", len(probes))

	// Still serving, with its state intact.
	h.do("GET", "/_emulator/health", nil, nil).wantStatus(t, 200)
	h.signInEmail(verified, "Passw0rd!")
}

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
