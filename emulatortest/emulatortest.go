// Package emulatortest runs an altogic-emulator inside a Go test, on
// httptest, with typed helpers over its control API.
//
//	func TestReset(t *testing.T) {
//		emu := emulatortest.New(t)
//		// point the code under test at emu.URL, then:
//		mail := emu.LatestEmail("verified@example.com", "reset-pwd")
//		emu.Advance(61 * time.Minute) // the link has now expired
//		got := emu.FollowLink(mail.Link)
//		// got.Error == "Invalid or expired access token"
//	}
//
// Every helper goes through HTTP, as a test in another language would, and
// fails the test (t.Fatal) at the caller's line when the emulator answers
// an error. Every answer the emulator gives, to the helpers and to the code
// under test, is checked against openapi.yaml and Altogic's error envelope;
// a drift fails the test. Each captured email and SMS is logged with
// t.Logf, so a failing test shows what was sent.
package emulatortest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/altogic-emulator/altogic-emulator/emulator"
	"github.com/altogic-emulator/altogic-emulator/fixtures"
	"github.com/altogic-emulator/altogic-emulator/inbox"
	"github.com/altogic-emulator/altogic-emulator/internal/contract"
)

// Emulator is an emulator serving one test.
type Emulator struct {
	// URL is the environment's base URL: what to pass to createClient, or
	// to the code under test, as the Altogic environment URL.
	URL string
	// Server is the underlying test server; Server.URL has no environment
	// prefix.
	Server *httptest.Server
	// Emulator is the handler itself.
	Emulator *emulator.Emulator

	t          testing.TB
	wait       time.Duration
	client     *http.Client
	adminToken string
}

type config struct {
	opts         emulator.Options
	fixturesYAML *string
	env          string
	wait         time.Duration
}

// Option changes how New starts the emulator. Options apply in order; each
// changes only what it names.
type Option func(*config)

// WithFixtures starts the emulator with these fixtures instead of the
// embedded defaults.
func WithFixtures(f *fixtures.Fixtures) Option {
	return func(c *config) { c.opts.Fixtures, c.fixturesYAML = f, nil }
}

// WithFixturesYAML starts the emulator with fixtures given as text (YAML or
// JSON). New parses them, and fails the test at its caller's line, naming
// the line of the text, when they are wrong.
func WithFixturesYAML(text string) Option {
	return func(c *config) { c.fixturesYAML = &text }
}

// WithEnvironment makes URL and every helper use the environment envID
// (URL gets the /e:{envId} prefix).
func WithEnvironment(envID string) Option { return func(c *config) { c.env = envID } }

// WithOptions sets the emulator's options that o sets: its zero fields
// leave what earlier options set (fixtures, say) as it was.
func WithOptions(o emulator.Options) Option {
	return func(c *config) {
		if o.Fixtures != nil {
			c.opts.Fixtures, c.fixturesYAML = o.Fixtures, nil
		}
		set(&c.opts.PublicURL, o.PublicURL)
		set(&c.opts.Clock, o.Clock)
		set(&c.opts.Logger, o.Logger)
		set(&c.opts.MaxBodyBytes, o.MaxBodyBytes)
		set(&c.opts.MaxHeaderBytes, o.MaxHeaderBytes)
		set(&c.opts.InboxLimit, o.InboxLimit)
		set(&c.opts.Relay, o.Relay)
		set(&c.opts.TokenLimit, o.TokenLimit)
		set(&c.opts.MaxEnvironments, o.MaxEnvironments)
		set(&c.opts.MaxUsers, o.MaxUsers)
		set(&c.opts.MaxStateBytes, o.MaxStateBytes)
		set(&c.opts.AdminToken, o.AdminToken)
		if o.CORSOrigins != nil {
			c.opts.CORSOrigins = o.CORSOrigins
		}
		if o.AllowedHosts != nil {
			c.opts.AllowedHosts = o.AllowedHosts
		}
	}
}

// set overwrites *dst with v unless v is the zero value.
func set[T comparable](dst *T, v T) {
	var zero T
	if v != zero {
		*dst = v
	}
}

// WithWait sets how long LatestEmail and LatestSMS wait for a message
// (default 5s).
func WithWait(d time.Duration) Option { return func(c *config) { c.wait = d } }

// checker is the contract, loaded once per test binary.
var checker = sync.OnceValues(func() (*contract.Checker, error) { return contract.New(emulator.SpecYAML()) })

// New starts an emulator for t and stops it when the test ends: held-open
// waits end first, then the server closes (its handlers done), then the
// emulator (its relay drained).
func New(t testing.TB, opts ...Option) *Emulator {
	t.Helper()
	cfg := config{wait: 5 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.fixturesYAML != nil {
		f, err := fixtures.Parse("WithFixturesYAML", []byte(*cfg.fixturesYAML))
		if err != nil {
			t.Fatalf("emulatortest: %v", err)
		}
		cfg.opts.Fixtures = f
	}
	if cfg.opts.Logger == nil {
		cfg.opts.Logger = slog.New(&testLog{t: t})
	}
	check, err := checker()
	if err != nil {
		t.Fatalf("emulatortest: %v", err)
	}
	em, err := emulator.New(cfg.opts)
	if err != nil {
		t.Fatalf("emulatortest: %v", err)
	}
	srv := httptest.NewServer(checking(t, em, check))
	t.Cleanup(func() {
		em.EndWaits()
		srv.Close()
		if err := em.Close(context.Background()); err != nil {
			t.Errorf("emulatortest: closing the emulator: %v", err)
		}
	})
	u := srv.URL
	if cfg.env != "" {
		u += "/e:" + cfg.env
	}
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Emulator{URL: u, Server: srv, Emulator: em, t: t, wait: cfg.wait, client: client, adminToken: cfg.opts.AdminToken}
}

// checking serves through em and checks every answer but event streams
// against the contract; a drift fails the test.
func checking(t testing.TB, em *emulator.Emulator, check *contract.Checker) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/_emulator/inbox/events") || strings.HasPrefix(r.URL.Path, "/socket.io/") {
			em.ServeHTTP(w, r) // a stream, or socket.io's own protocol (and WebSockets)
			return
		}
		rec := httptest.NewRecorder()
		em.ServeHTTP(rec, r)
		res := rec.Result()
		if err := check.Check(r, res.StatusCode, res.Header, rec.Body.Bytes()); err != nil {
			t.Errorf("emulatortest: %s %s: %v", r.Method, r.URL, err)
		}
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		w.Write(rec.Body.Bytes())
	})
}

// testLog writes the emulator's log lines (one per captured email or SMS,
// with its link or code) with t.Logf.
type testLog struct {
	t     testing.TB
	attrs []slog.Attr
}

func (h *testLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *testLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	write := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%q", a.Key, a.Value.String())
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	h.t.Logf("emulator: %s", b.String())
	return nil
}

func (h *testLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &testLog{t: h.t, attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

func (h *testLog) WithGroup(string) slog.Handler { return h }

// LatestEmail answers the newest email to `to` with that action (either may
// be empty), waiting for it to arrive; it fails the test if none does.
func (e *Emulator) LatestEmail(to, action string) inbox.Email {
	e.t.Helper()
	var m inbox.Email
	e.control(http.MethodGet, "/_emulator/inbox/emails/latest?"+e.filter(to, action), nil, &m)
	return m
}

// LatestSMS answers the newest SMS to `to` with that action, waiting for it
// as LatestEmail does.
func (e *Emulator) LatestSMS(to, action string) inbox.SMS {
	e.t.Helper()
	var m inbox.SMS
	e.control(http.MethodGet, "/_emulator/inbox/sms/latest?"+e.filter(to, action), nil, &m)
	return m
}

// Emails answers the captured emails to `to` with that action (either may
// be empty), newest first, without waiting.
func (e *Emulator) Emails(to, action string) []inbox.Email {
	e.t.Helper()
	var list struct{ Emails []inbox.Email }
	e.control(http.MethodGet, "/_emulator/inbox/emails?"+url.Values{"to": {to}, "action": {action}}.Encode(), nil, &list)
	return list.Emails
}

func (e *Emulator) filter(to, action string) string {
	return url.Values{"to": {to}, "action": {action}, "wait": {e.wait.String()}}.Encode()
}

// Redirect is where an email link sends the browser, read without going
// there: the emulator's answer and the parameters Altogic puts on the
// redirect URL.
type Redirect struct {
	// Status is the redirect's status parameter: 200 on success, Altogic's
	// error status (400 and so on) when the link failed.
	Status int
	// Action is the link's action (reset-pwd, email-confirm, magic-link,
	// change-email), AccessToken the token it grants on success.
	Action      string
	AccessToken string
	// Error is Altogic's message when the link failed (expired, used).
	Error string
	// Location is the redirect URL; HTTPStatus the link's own answer (302).
	Location   *url.URL
	HTTPStatus int
}

// FollowLink requests an email link (an inbox.Email's Link) as a browser
// would, without following the redirect, and answers where it leads. It
// fails the test when the link does not redirect.
func (e *Emulator) FollowLink(link string) Redirect {
	e.t.Helper()
	res, err := e.client.Get(link)
	if err != nil {
		e.t.Fatalf("emulatortest: following %s: %v", link, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	loc, err := res.Location()
	if err != nil {
		e.t.Fatalf("emulatortest: %s answered %d without a redirect: %s", link, res.StatusCode, body)
	}
	q := loc.Query()
	r := Redirect{HTTPStatus: res.StatusCode, Location: loc, Action: q.Get("action"), AccessToken: q.Get("access_token"), Error: q.Get("error")}
	r.Status, _ = strconv.Atoi(q.Get("status"))
	return r
}

// CreateUser adds a user to the environment, as POST /_emulator/users: its
// fields are a fixture user's (email, phone, password, name,
// emailVerified, phoneVerified, smsCode, _id, and any others as user
// data). It answers the user as the API shows it.
func (e *Emulator) CreateUser(user map[string]any) map[string]any {
	e.t.Helper()
	var out map[string]any
	e.control(http.MethodPost, "/_emulator/users", user, &out)
	return out
}

// UpdateUser changes a user, as PATCH /_emulator/users/{id}: the fields it
// names (a user data key set to nil is removed). It answers the user.
func (e *Emulator) UpdateUser(id string, patch map[string]any) map[string]any {
	e.t.Helper()
	var out map[string]any
	e.control(http.MethodPatch, "/_emulator/users/"+url.PathEscape(id), patch, &out)
	return out
}

// DeleteUser deletes a user and its sessions.
func (e *Emulator) DeleteUser(id string) {
	e.t.Helper()
	e.control(http.MethodDelete, "/_emulator/users/"+url.PathEscape(id), nil, nil)
}

// Users answers the environment's users as the API shows them.
func (e *Emulator) Users() []map[string]any {
	e.t.Helper()
	var out struct{ Users []map[string]any }
	e.control(http.MethodGet, "/_emulator/users", nil, &out)
	return out.Users
}

// Fault is one injected fault: the next Times calls (default 1) of
// Operation (an operationId of openapi.yaml, or "*") answer Status with
// Code and Message, or are delayed by DelayMs, or succeed without
// capturing their email or SMS (DropMessage).
type Fault struct {
	ID          string `json:"id,omitempty"`
	Operation   string `json:"operation"`
	Status      int    `json:"status,omitempty"`
	Code        string `json:"code,omitempty"`
	Message     string `json:"message,omitempty"`
	Times       int    `json:"times,omitempty"`
	DelayMs     int    `json:"delayMs,omitempty"`
	DropMessage bool   `json:"dropMessage,omitempty"`
}

// AddFault injects f and answers it as stored, with its id.
func (e *Emulator) AddFault(f Fault) Fault {
	e.t.Helper()
	var out Fault
	e.control(http.MethodPost, "/_emulator/faults", f, &out)
	return out
}

// ClearFaults removes the environment's pending faults.
func (e *Emulator) ClearFaults() {
	e.t.Helper()
	e.control(http.MethodDelete, "/_emulator/faults", nil, nil)
}

// Advance moves the environment's clock forward by d.
func (e *Emulator) Advance(d time.Duration) {
	e.t.Helper()
	e.control(http.MethodPost, "/_emulator/clock", map[string]any{"advance": d.String()}, nil)
}

// Freeze stops the environment's clock where it is; Advance and SetClock
// still move it.
func (e *Emulator) Freeze() {
	e.t.Helper()
	e.control(http.MethodPost, "/_emulator/clock", map[string]any{"freeze": true}, nil)
}

// SetClock sets the environment's clock to at (it keeps running, unless
// frozen).
func (e *Emulator) SetClock(at time.Time) {
	e.t.Helper()
	e.control(http.MethodPost, "/_emulator/clock", map[string]any{"set": at.Format(time.RFC3339Nano)}, nil)
}

// Now answers the environment's clock.
func (e *Emulator) Now() time.Time {
	e.t.Helper()
	var c struct{ Now time.Time }
	e.control(http.MethodGet, "/_emulator/clock", nil, &c)
	return c.Now
}

// Request is one entry of the environment's request journal.
type Request struct {
	Time        time.Time `json:"time"`
	Method      string    `json:"method"`
	Path        string    `json:"path"`
	OperationID string    `json:"operationId"`
	Status      int       `json:"status"`
	Errors      []string  `json:"errors"`
	Validation  []string  `json:"validation"`
	DurationMs  float64   `json:"durationMs"`
}

// Requests answers the journal of Altogic API calls of the environment,
// newest first, of that operationId (all when empty).
func (e *Emulator) Requests(operation string) []Request {
	e.t.Helper()
	q := ""
	if operation != "" {
		q = "?" + url.Values{"operation": {operation}}.Encode()
	}
	var out struct{ Requests []Request }
	e.control(http.MethodGet, "/_emulator/requests"+q, nil, &out)
	return out.Requests
}

// Reset puts the environment back to its fixtures.
func (e *Emulator) Reset() {
	e.t.Helper()
	e.control(http.MethodPost, "/_emulator/reset", nil, nil)
}

// Configure changes settings of the environment, as PATCH /_emulator/config.
func (e *Emulator) Configure(settings map[string]any) {
	e.t.Helper()
	e.control(http.MethodPatch, "/_emulator/config", settings, nil)
}

// control calls the control API and decodes its answer into out.
func (e *Emulator) control(method, path string, body, out any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			e.t.Fatalf("emulatortest: %v", err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		e.t.Fatalf("emulatortest: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if e.adminToken != "" {
		req.Header.Set("Authorization", "Bearer "+e.adminToken)
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("emulatortest: %s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		e.t.Fatalf("emulatortest: %s %s answered %d: %s", method, path, res.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("emulatortest: %s %s: %v", method, path, err)
		}
	}
}
