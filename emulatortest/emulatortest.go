// Package emulatortest runs an altogic-emulator inside a Go test, on
// httptest, with typed helpers over its control API.
//
//	func TestReset(t *testing.T) {
//		emu := emulatortest.New(t)
//		// point the code under test at emu.URL, then:
//		mail := emu.LatestEmail("verified@example.com", "reset-pwd")
//		emu.Advance(61 * time.Minute) // the link has now expired
//	}
//
// Every helper goes through HTTP, as a test in another language would, and
// fails the test (t.Fatal) when the emulator answers an error.
package emulatortest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/altogic-emulator/altogic-emulator/emulator"
	"github.com/altogic-emulator/altogic-emulator/fixtures"
	"github.com/altogic-emulator/altogic-emulator/inbox"
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

	t    testing.TB
	wait time.Duration
}

type config struct {
	opts emulator.Options
	env  string
	wait time.Duration
}

// Option changes how New starts the emulator.
type Option func(*config)

// WithFixtures starts the emulator with these fixtures instead of the
// embedded defaults.
func WithFixtures(f *fixtures.Fixtures) Option { return func(c *config) { c.opts.Fixtures = f } }

// WithFixturesYAML parses fixtures text (YAML or JSON).
func WithFixturesYAML(text string) Option {
	return func(c *config) {
		f, err := fixtures.Parse("WithFixturesYAML", []byte(text))
		if err != nil {
			panic(err) // New reports it through t
		}
		c.opts.Fixtures = f
	}
}

// WithEnvironment makes URL and every helper use the environment envID
// (URL gets the /e:{envId} prefix).
func WithEnvironment(envID string) Option { return func(c *config) { c.env = envID } }

// WithOptions sets the emulator's options (fixtures, clock, logger, …).
func WithOptions(o emulator.Options) Option { return func(c *config) { c.opts = o } }

// WithWait sets how long LatestEmail and LatestSMS wait for a message
// (default 5s).
func WithWait(d time.Duration) Option { return func(c *config) { c.wait = d } }

// New starts an emulator for t and stops it when the test ends.
func New(t testing.TB, opts ...Option) *Emulator {
	t.Helper()
	cfg := config{wait: 5 * time.Second}
	for _, o := range opts {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("emulatortest: %v", p)
				}
			}()
			o(&cfg)
		}()
	}
	em, err := emulator.New(cfg.opts)
	if err != nil {
		t.Fatalf("emulatortest: %v", err)
	}
	srv := httptest.NewServer(em)
	t.Cleanup(srv.Close)
	u := srv.URL
	if cfg.env != "" {
		u += "/e:" + cfg.env
	}
	return &Emulator{URL: u, Server: srv, Emulator: em, t: t, wait: cfg.wait}
}

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

func (e *Emulator) filter(to, action string) string {
	return url.Values{"to": {to}, "action": {action}, "wait": {e.wait.String()}}.Encode()
}

// Advance moves the environment's clock forward by d.
func (e *Emulator) Advance(d time.Duration) {
	e.t.Helper()
	e.control(http.MethodPost, "/_emulator/clock", map[string]string{"advance": d.String()}, nil)
}

// Now answers the environment's clock.
func (e *Emulator) Now() time.Time {
	e.t.Helper()
	var c struct{ Now time.Time }
	e.control(http.MethodGet, "/_emulator/clock", nil, &c)
	return c.Now
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
	res, err := e.Server.Client().Do(req)
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
			e.t.Fatalf("emulatortest: %s %s: %v", method, path, fmt.Sprint(err))
		}
	}
}
