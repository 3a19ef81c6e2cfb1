package emulator

import (
	"bytes"

	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/altogic-emulator/altogic-emulator/emulator/internal/spec"
	"github.com/altogic-emulator/altogic-emulator/fixtures"
	"github.com/altogic-emulator/altogic-emulator/inbox"
	"github.com/altogic-emulator/altogic-emulator/internal/contract"
)

// harness is an emulator on httptest with a manual clock. Every response it
// gives is validated against openapi.yaml, so handlers cannot drift from
// the contract.
type harness struct {
	t     *testing.T
	em    *Emulator
	srv   *httptest.Server
	clock *ManualClock
	http  *http.Client
}

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newHarness(t *testing.T, fx *fixtures.Fixtures) *harness {
	t.Helper()
	return newHarnessWith(t, Options{Fixtures: fx})
}

// newHarnessWith starts an emulator with opts and a manual clock.
func newHarnessWith(t *testing.T, opts Options) *harness {
	t.Helper()
	clock := NewManualClock(epoch)
	opts.Clock = clock
	em, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, em: em, clock: clock}
	h.srv = httptest.NewServer(http.HandlerFunc(h.validating))
	t.Cleanup(h.srv.Close)
	h.http = &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return h
}

// validating serves through the emulator and checks the response against
// the operation's documented responses (or, with no route, the envelope).
func (h *harness) validating(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/_emulator/inbox/events") || strings.HasPrefix(r.URL.Path, "/socket.io/") {
		h.em.ServeHTTP(w, r) // a stream, or socket.io's own protocol: nothing to record
		return
	}
	rec := httptest.NewRecorder()
	h.em.ServeHTTP(rec, r)
	res := rec.Result()
	body := rec.Body.Bytes()
	h.checkResponse(r, res, body)
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	w.Write(body)
}

// checker is the contract every answer is checked against.
var checker = sync.OnceValues(func() (*contract.Checker, error) { return contract.New(spec.YAML()) })

func (h *harness) checkResponse(r *http.Request, res *http.Response, body []byte) {
	t := h.t
	c, err := checker()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(r, res.StatusCode, res.Header, body); err != nil {
		t.Errorf("%s %s: %v", r.Method, r.URL, err)
	}
	// No answer ever shows a password; only a state export shows hashes.
	for _, secret := range []string{"Passw0rd!", "N3w-secret"} {
		if bytes.Contains(body, []byte(secret)) {
			t.Errorf("%s %s: the answer contains a password: %s", r.Method, r.URL, body)
		}
	}
	if bytes.Contains(body, []byte("passwordHash")) && !strings.HasSuffix(r.URL.Path, "/_emulator/state") && !strings.HasSuffix(r.URL.Path, "/openapi.yaml") {
		t.Errorf("%s %s: the answer contains a password hash", r.Method, r.URL)
	}
}

// resp is a response read whole.
type resp struct {
	status int
	header http.Header
	body   []byte
}

type hdr map[string]string

// do sends a request; body may be nil, a string (sent as is) or a value
// (sent as JSON).
func (h *harness) do(method, path string, headers hdr, body any) resp {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte: // JSON
		rd = bytes.NewReader(b)
		if headers == nil {
			headers = hdr{"Content-Type": "application/json"}
		}
	default:
		data, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
		if headers == nil {
			headers = hdr{}
		}
		if _, ok := headers["Content-Type"]; !ok {
			headers["Content-Type"] = "application/json"
		}
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := h.http.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: data}
}

// api calls the Altogic API as the official client does, with a client key
// and, when session is not empty, a Session header.
func (h *harness) api(method, path, session string, body any) resp {
	h.t.Helper()
	headers := hdr{"X-Client-Key": "test-key", "X-Client": "altogic-js"}
	if session != "" {
		headers["Session"] = session
	}
	return h.do(method, "/_api/rest/v1/auth"+path, headers, body)
}

// envAPI is api under an environment prefix.
func (h *harness) envAPI(envID, method, path, session string, body any) resp {
	h.t.Helper()
	headers := hdr{"X-Client-Key": "test-key"}
	if session != "" {
		headers["Session"] = session
	}
	return h.do(method, "/e:"+envID+"/_api/rest/v1/auth"+path, headers, body)
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("answer %d is not JSON: %v: %s", r.status, err, r.body)
	}
}

// errorItems answers the items of an error envelope.
func (r resp) errorItems(t *testing.T) []errorItem {
	t.Helper()
	var env struct{ Errors []errorItem }
	r.json(t, &env)
	return env.Errors
}

// wantStatus fails the test unless the answer has that status.
func (r resp) wantStatus(t *testing.T, status int) resp {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %.2000s", r.status, status, r.body)
	}
	return r
}

// wantError fails the test unless the answer is that status with one item
// of that code (and, when message is not empty, that message).
func (r resp) wantError(t *testing.T, status int, code, message string) {
	t.Helper()
	r.wantStatus(t, status)
	items := r.errorItems(t)
	if len(items) != 1 || items[0].Code != code || (message != "" && items[0].Message != message) {
		t.Fatalf("error items %+v, want one %s %q", items, code, message)
	}
}

// latestEmail reads the newest email to addr from the inbox API.
func (h *harness) latestEmail(envPrefix, to, action string) inbox.Email {
	h.t.Helper()
	return latestMessage[inbox.Email](h, envPrefix, "emails", to, action)
}

// latestSMS reads the newest SMS to a phone from the inbox API.
func (h *harness) latestSMS(envPrefix, to, action string) inbox.SMS {
	h.t.Helper()
	return latestMessage[inbox.SMS](h, envPrefix, "sms", to, action)
}

func latestMessage[T any](h *harness, envPrefix, kind, to, action string) T {
	h.t.Helper()
	var m T
	h.do("GET", envPrefix+"/_emulator/inbox/"+kind+"/latest?to="+url.QueryEscape(to)+"&action="+action, nil, nil).
		wantStatus(h.t, 200).json(h.t, &m)
	return m
}

// follow opens an email link as a browser would and answers the redirect.
func (h *harness) follow(link string) *url.URL {
	h.t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		h.t.Fatal(err)
	}
	res := h.do("GET", u.RequestURI(), nil, nil).wantStatus(h.t, http.StatusFound)
	loc, err := url.Parse(res.header.Get("Location"))
	if err != nil {
		h.t.Fatal(err)
	}
	return loc
}

type signedIn struct {
	User    map[string]any `json:"user"`
	Session *struct {
		UserID          string         `json:"userId"`
		Token           string         `json:"token"`
		CreationDtm     string         `json:"creationDtm"`
		UserAgent       map[string]any `json:"userAgent"`
		AccessGroupKeys []string       `json:"accessGroupKeys"`
	} `json:"session"`
}

func (h *harness) signInEmail(email, password string) signedIn {
	h.t.Helper()
	var out signedIn
	h.api("POST", "/signin-email", "", map[string]string{"email": email, "password": password}).
		wantStatus(h.t, 200).json(h.t, &out)
	return out
}

// followOK follows an email link that must redirect with status=200, the
// action and an access token, and answers the token.
func (h *harness) followOK(link, action string) string {
	h.t.Helper()
	loc := h.follow(link)
	if !regexp.MustCompile(`^status=200&action=` + action + `&access_token=[0-9a-f]{22}$`).MatchString(loc.RawQuery) {
		h.t.Fatalf("redirect query %q", loc.RawQuery)
	}
	return loc.Query().Get("access_token")
}

// grant redeems an access token with GET /grant.
func (h *harness) grant(token string) signedIn {
	h.t.Helper()
	var out signedIn
	h.api("GET", "/grant?key="+token, "", nil).wantStatus(h.t, 200).json(h.t, &out)
	return out
}

func (h *harness) patchConfig(envPrefix string, patch map[string]any) {
	h.t.Helper()
	h.do("PATCH", envPrefix+"/_emulator/config", nil, patch).wantStatus(h.t, 200)
}

func mustParse(t *testing.T, name, text string) *fixtures.Fixtures {
	t.Helper()
	f, err := fixtures.Parse(name, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

var inboxAll = inbox.Filter{}

// mustEnv answers an environment's state, creating it as a request would.
func (e *Emulator) mustEnv(t *testing.T, id string) *env {
	t.Helper()
	en, err := e.environment(id)
	if err != nil {
		t.Fatal(err)
	}
	return en
}

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

// with answers h for a subtest: the same emulator, failures reported to t.
func (h *harness) with(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

// errorCase is one row of an error catalogue: a call and the one error
// item it must answer.
type errorCase struct {
	name    string
	call    func(h *harness) resp
	status  int
	code    string
	message string // "" accepts any message
}

// runErrorCases runs each case as a subtest, in order: a case may rely on
// what the ones before it left (none of them changes state).
func (h *harness) runErrorCases(cases []errorCase) {
	h.t.Helper()
	for _, c := range cases {
		h.t.Run(c.name, func(t *testing.T) {
			c.call(h.with(t)).wantError(t, c.status, c.code, c.message)
		})
	}
}

// apiCall is an errorCase's call of the Altogic API, as api makes it.
func apiCall(method, path string, body any) func(h *harness) resp {
	return func(h *harness) resp { return h.api(method, path, "", body) }
}

// rawCall is an errorCase's call with exactly these headers.
func rawCall(method, path string, headers hdr, body any) func(h *harness) resp {
	return func(h *harness) resp { return h.do(method, path, headers, body) }
}
