// Command altogic-emulator serves an in-memory emulator of the Altogic
// authentication REST API, for offline development and CI tests.
//
//	go run .                       # http://127.0.0.1:8484, embedded fixtures
//	go run . --fixtures my.yaml --addr 127.0.0.1:9000
//
// Every flag can also be set with an environment variable
// ALTOGIC_EMULATOR_<NAME> (upper case, dashes as underscores); a flag on the
// command line wins.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode"

	"github.com/altogic-emulator/altogic-emulator/emulator"
	"github.com/altogic-emulator/altogic-emulator/fixtures"
	"github.com/altogic-emulator/altogic-emulator/internal/connguard"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// The live heap is usually small (every store but the users being
		// bounded) and requests allocate briskly: collecting at 4x the live
		// heap rather than 2x halves the time spent in the collector.
		debug.SetGCPercent(300)
	}
	emulator.Preload() // meanwhile: flags, fixtures, the listener
	// The first SIGINT or SIGTERM shuts down gracefully; a second one, for
	// someone who does not want to wait, exits at once.
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		<-signals
		first := time.Now()
		stop()
		sig := <-signals
		// One stop request often arrives twice (timeout(1) and a terminal's
		// Ctrl-C signal the child and its process group): a second signal
		// counts when it comes a moment later.
		for time.Since(first) < time.Second {
			sig = <-signals
		}
		fmt.Fprintln(os.Stderr, "altogic-emulator: a second signal: exiting at once (requests cut, no files written)")
		code := 1
		if s, ok := sig.(syscall.Signal); ok {
			code = 128 + int(s)
		}
		os.Exit(code)
	}()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "altogic-emulator:", err)
		os.Exit(1)
	}
}

// sizeFlag is a number of bytes written as 128MiB, 1GiB, 500MB, 64KiB or
// a plain number.
type sizeFlag int64

func (s *sizeFlag) String() string {
	switch n := int64(*s); {
	case n != 0 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n != 0 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	default:
		return strconv.FormatInt(n, 10)
	}
}

func (s *sizeFlag) Set(v string) error {
	v = strings.TrimSpace(v)
	units := []struct {
		suffix string
		n      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if num, ok := strings.CutSuffix(v, u.suffix); ok {
			v, mult = strings.TrimSpace(num), u.n
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > (1<<40)/mult {
		return fmt.Errorf("not a size such as 128MiB, 1GiB or 500MB")
	}
	*s = sizeFlag(n * mult)
	return nil
}

// listFlag is a repeatable flag whose values may also be comma-separated,
// as its environment variable gives them.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// config is the command line, before it becomes emulator.Options.
type config struct {
	addr      string
	fixtures  string
	publicURL string
	logFormat string
	logLevel  slog.Level
	// checkHealth asks a running emulator at addr whether it is up, and
	// exits: the container health check, which has no curl.
	checkHealth bool
	// coverageOut, importFile and exportOnExit are files: the coverage
	// report written at stop, a snapshot loaded at start, a snapshot
	// written at stop.
	coverageOut  string
	importFile   string
	exportOnExit string
	relay        emulator.Relay
	adminToken   string
	corsOrigins  listFlag
	allowedHosts listFlag
	inboxLimit   int
	maxEnvs      int
	maxUsers     int
	maxState     sizeFlag
	maxConns     int
}

const envPrefix = "ALTOGIC_EMULATOR_"

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("altogic-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8484", "listen address (loopback by default: never exposed unless asked)")
	fs.StringVar(&c.fixtures, "fixtures", "", "fixtures file, YAML or JSON (default: the embedded fixtures/default.yaml)")
	fs.StringVar(&c.publicURL, "public-url", "", "base of links put in emails (default: http:// + the listen address)")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.TextVar(&c.logLevel, "log-level", slog.LevelInfo, "log level: debug (every request), info (start, captured emails and SMS), warn or error")
	fs.StringVar(&c.coverageOut, "coverage-out", "", "write the contract coverage report (JSON) to this file when the emulator stops")
	fs.StringVar(&c.importFile, "import", "", "load a state snapshot of all environments (as --export-on-exit writes) at start")
	fs.StringVar(&c.exportOnExit, "export-on-exit", "", "write a state snapshot of all environments to this file at graceful shutdown")
	fs.StringVar(&c.relay.Addr, "smtp-relay", "", "also deliver every captured email to this SMTP server (host:port), e.g. a Mailpit or MailHog")
	fs.StringVar(&c.relay.Username, "smtp-username", "", "SMTP relay username (PLAIN authentication)")
	fs.StringVar(&c.relay.Password, "smtp-password", "", "SMTP relay password")
	fs.StringVar(&c.relay.TLS, "smtp-tls", "", "SMTP relay TLS: none, starttls, tls (implicit), or empty for STARTTLS when offered")
	fs.BoolVar(&c.relay.InsecureSkipVerify, "smtp-insecure", false, "accept any certificate from the SMTP relay")
	fs.StringVar(&c.adminToken, "admin-token", "", "require 'Authorization: Bearer <token>' (or ?admin_token=) on the control API, the MailHog API and the inbox page")
	fs.Var(&c.corsOrigins, "cors-origin", "a web origin (scheme://host[:port]) whose pages may use the control plane, beside the emulator's own and loopback ones; repeatable, or comma-separated")
	fs.Var(&c.allowedHosts, "allowed-host", "a host name under which the control plane answers, beside loopback names, IP addresses and the --public-url host; repeatable, or comma-separated")
	fs.IntVar(&c.inboxLimit, "inbox-limit", 1000, "emails and SMS kept per environment (each); the oldest are dropped")
	fs.IntVar(&c.maxEnvs, "max-environments", 1000, "environments the emulator holds at most")
	fs.IntVar(&c.maxUsers, "max-users", 100000, "users an environment holds at most; a sign-up beyond them answers 429")
	fs.IntVar(&c.maxConns, "max-connections", 1024, "open connections at most; at the limit a new one replaces the longest-waiting one that holds no request")
	c.maxState = 128 << 20
	fs.Var(&c.maxState, "max-state", "the most state kept across all environments (users, tokens, sessions, messages, journal), as 128MiB, 1GiB or bytes")
	fs.BoolVar(&c.checkHealth, "check-health", false, "ask the emulator listening on --addr for /_emulator/health and exit 0 if it is up (for container health checks)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: altogic-emulator [flags]\n\nAn offline emulator of the Altogic auth API.\n\nFlags (each also read from %s<NAME>, upper case, dashes as underscores):\n", envPrefix)
		fs.PrintDefaults()
	}
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s: %w", name, err)
			}
		}
	})
	if envErr != nil {
		return c, envErr
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	for _, b := range []struct {
		name      string
		v, lo, hi int
	}{
		{"--inbox-limit", c.inboxLimit, 1, 1_000_000},
		{"--max-environments", c.maxEnvs, 1, 100_000},
		{"--max-users", c.maxUsers, 1, 10_000_000},
		{"--max-connections", c.maxConns, 16, 1_000_000},
	} {
		if b.v < b.lo || b.v > b.hi {
			return c, fmt.Errorf("%s must be from %d to %d, not %d", b.name, b.lo, b.hi, b.v)
		}
	}
	if c.maxState < 1<<20 || c.maxState > 64<<30 {
		return c, fmt.Errorf("--max-state must be from 1MiB to 64GiB, not %s", c.maxState.String())
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return c, fmt.Errorf("--log-format must be text or json, not %q", c.logFormat)
	}
	return c, nil
}

// run serves until ctx ends, then shuts down gracefully.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.checkHealth {
		return checkHealth(ctx, cfg.addr)
	}
	if getenv("GOMEMLIMIT") == "" {
		// But 4x a large heap (hundreds of thousands of users signed up)
		// is too much: past three times the state budget, the collector
		// runs as often as it must to stay under it.
		debug.SetMemoryLimit(max(256<<20, 3*int64(cfg.maxState)))
	}
	out := &logWriter{w: stdout}
	defer out.Flush()
	stdout = out
	logOpts := &slog.HandlerOptions{Level: cfg.logLevel}
	var handler slog.Handler = slog.NewTextHandler(stdout, logOpts)
	if cfg.logFormat == "json" {
		handler = slog.NewJSONHandler(stdout, logOpts)
	}
	logger := slog.New(escaping{handler})

	fx, fxName := fixtures.Default(), fixtures.DefaultName
	if cfg.fixtures != "" {
		if fx, err = fixtures.Load(cfg.fixtures); err != nil {
			return err
		}
		fxName = cfg.fixtures
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	defer ln.Close()
	baseURL := "http://" + reachableAddr(ln.Addr().(*net.TCPAddr))
	publicURL := cfg.publicURL
	if publicURL == "" {
		publicURL = baseURL
	}

	opts := emulator.Options{Fixtures: fx, PublicURL: publicURL, Logger: logger,
		AdminToken: cfg.adminToken, InboxLimit: cfg.inboxLimit, MaxEnvironments: cfg.maxEnvs, MaxUsers: cfg.maxUsers,
		CORSOrigins: cfg.corsOrigins, AllowedHosts: cfg.allowedHosts, MaxStateBytes: int64(cfg.maxState)}
	if host, _, err := net.SplitHostPort(cfg.addr); err == nil && host != "" {
		opts.AllowedHosts = append(opts.AllowedHosts, host) // the listen address
	}
	if cfg.relay.Addr != "" {
		opts.Relay = &cfg.relay
	}
	em, err := emulator.New(opts)
	if err != nil {
		return err
	}
	if cfg.importFile != "" {
		if err := importSnapshot(em, cfg.importFile); err != nil {
			return err
		}
	}
	guard := newGuard(cfg.maxConns, logger)
	srv := &http.Server{
		Handler:           guard.Track(em),
		ConnState:         guard.ConnState,
		ConnContext:       guard.ConnContext,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second,
		// The guard answers a header block over 68 KiB itself, in the
		// envelope, before net/http has buffered more; this is a backstop.
		MaxHeaderBytes: 1 << 20,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info(fmt.Sprintf("altogic-emulator %s listening on %s with %d fixture users; inbox at %s/_emulator/inbox/emails",
		emulator.Version, baseURL, em.UserCount(), publicURL),
		"url", baseURL, "users", em.UserCount(), "fixtures", fxName, "inbox", publicURL+"/_emulator/inbox/emails")
	if cfg.importFile != "" {
		logger.Info("imported state", "file", cfg.importFile, "environments", len(em.Environments()))
	}
	if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() && cfg.adminToken == "" {
		logger.Warn("listening beyond this machine without --admin-token: whoever reaches "+ln.Addr().String()+
			" can read the inbox and change the state (see docs/security.md)", "addr", ln.Addr().String())
	}
	out.Flush() // the start line now, not in a moment

	served := make(chan error, 1)
	go func() { served <- srv.Serve(guard.Listener(ln)) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), gracePeriod)
	defer cancel()
	// Held-open waits and event streams end at once, and so do fault
	// delays and uploads still arriving; requests in flight finish.
	em.EndWaits()
	// Shutdown closes idle connections, but waits for ones that have not
	// sent a request yet (a browser's preconnection, a client still sending
	// headers) as if one were coming: they are closed too.
	guard.CloseQuiet()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// The grace period is over: what is left is cut, and said.
		cut := guard.InFlight()
		srv.Close()
		logger.Warn(fmt.Sprintf("shutdown: cut %d requests still running after %s", len(cut), gracePeriod), "requests", cut)
	}
	if err := em.Close(shutdownCtx); err != nil {
		logger.Warn("shutdown: "+err.Error(), "relay", cfg.relay.Addr)
	}
	// The files are written even when requests were cut: the state is in
	// memory either way.
	var errs []error
	if cfg.coverageOut != "" {
		if err := writeJSONFile(cfg.coverageOut, em.Coverage()); err != nil {
			errs = append(errs, err)
		} else {
			logger.Info("wrote the coverage report", "file", cfg.coverageOut)
		}
	}
	if cfg.exportOnExit != "" {
		if err := writeFile(cfg.exportOnExit, em.WriteSnapshot); err != nil {
			errs = append(errs, err)
		} else {
			logger.Info("exported state", "file", cfg.exportOnExit)
		}
	}
	return errors.Join(errs...)
}

func importSnapshot(em *emulator.Emulator, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--import: %w", err)
	}
	var snap emulator.Snapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&snap); err != nil {
		return fmt.Errorf("--import %s: not a state snapshot: %w", path, err)
	}
	if err := em.Import(snap); err != nil {
		return fmt.Errorf("--import %s: %w", path, err)
	}
	return nil
}

// writeJSONFile writes v as indented JSON, atomically (see writeFile).
func writeJSONFile(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(path, func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	})
}

// writeFile writes a file atomically: to a temporary file in the same
// folder, then renamed over path, so a crash never leaves half a file.
func writeFile(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// escaping writes the characters a terminal would act on (control
// characters, DEL, C1 controls, bidirectional overrides) as Go escapes,
// \x7f or \u202e, in every logged text: log lines carry what clients sent
// (paths, addresses, subjects), and neither slog handler escapes DEL or,
// in JSON, the others. A record with nothing to escape, nearly every one,
// passes as it is.
type escaping struct{ slog.Handler }

func (h escaping) Handle(ctx context.Context, r slog.Record) error {
	dirty := needsEscape(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		dirty = dirty || attrNeedsEscape(a)
		return !dirty
	})
	if !dirty {
		return h.Handler.Handle(ctx, r)
	}
	clean := slog.NewRecord(r.Time, r.Level, escapeText(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		clean.AddAttrs(escapeAttr(a))
		return true
	})
	return h.Handler.Handle(ctx, clean)
}

func (h escaping) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = escapeAttr(a)
	}
	return escaping{h.Handler.WithAttrs(clean)}
}

func (h escaping) WithGroup(name string) slog.Handler { return escaping{h.Handler.WithGroup(name)} }

func attrNeedsEscape(a slog.Attr) bool {
	switch v := a.Value.Resolve(); v.Kind() {
	case slog.KindString:
		return needsEscape(v.String())
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return needsEscape(x.Error())
		case []string:
			for _, s := range x {
				if needsEscape(s) {
					return true
				}
			}
		}
	case slog.KindGroup:
		for _, g := range v.Group() {
			if attrNeedsEscape(g) {
				return true
			}
		}
	}
	return false
}

func escapeAttr(a slog.Attr) slog.Attr {
	switch v := a.Value.Resolve(); v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, escapeText(v.String()))
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, escapeText(x.Error()))
		case []string:
			out := make([]string, len(x))
			for i, s := range x {
				out[i] = escapeText(s)
			}
			return slog.Any(a.Key, out)
		}
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, ga := range g {
			out[i] = escapeAttr(ga)
		}
		return slog.Group(a.Key, out...)
	}
	return a
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b == 0x7f {
			return true
		} else if b >= 0x80 {
			// Past ASCII, unicode decides (C1 controls, bidirectional
			// overrides); log lines are nearly always ASCII.
			for _, r := range s[i:] {
				if r != ' ' && !unicode.IsPrint(r) {
					return true
				}
			}
			return false
		}
	}
	return false
}

func escapeText(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r != ' ' && !unicode.IsPrint(r) {
			q := strconv.QuoteRune(r) // '\x7f'
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// gracePeriod is how long a shutdown waits for the requests in flight.
const gracePeriod = 5 * time.Second

// maxHeaderBlock is the largest request line and header block the guard
// lets through: the emulator's own limit (64 KiB, answered by the emulator
// with its own message) and room for the request line.
const maxHeaderBlock = 68 << 10

// newGuard answers the watch over the server's connections.
func newGuard(maxConns int, log *slog.Logger) *connguard.Guard {
	body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{
		"origin": "client_error", "code": "request_header_too_large",
		"message": fmt.Sprintf("The request line and headers are larger than the limit of %d bytes.", maxHeaderBlock),
	}}})
	response := fmt.Sprintf("HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/json; charset=utf-8\r\n"+
		"Content-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	var refused atomic.Int64
	return &connguard.Guard{
		Max: maxConns, MaxHeader: maxHeaderBlock, TooLarge: []byte(response), Log: log, ErrorBody: errorBody,
		OnRefused: func() {
			if n := refused.Add(1); n&(n-1) == 0 { // the 1st, 2nd, 4th, 8th…: not a line per connection
				log.Warn("connection refused: every connection is busy (--max-connections)", "max", maxConns, "refused", n)
			}
		},
	}
}

// errorBody is the envelope of an answer net/http gives itself to a
// request it cannot read: its code is the status's name.
func errorBody(status int, text string) []byte {
	code := strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
	if status == http.StatusRequestHeaderFieldsTooLarge {
		code = "request_header_too_large"
	}
	if text == "" || text == strconv.Itoa(status)+" "+http.StatusText(status) {
		text = http.StatusText(status)
	}
	body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{
		"origin": "client_error", "code": code, "message": "The request cannot be read: " + text + ".",
	}}})
	return body
}

// reachableAddr answers the listen address as a client would dial it: an
// unspecified host (0.0.0.0, ::) becomes localhost.
func reachableAddr(a *net.TCPAddr) string {
	host := a.IP.String()
	if a.IP == nil || a.IP.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, fmt.Sprint(a.Port))
}

// checkHealth asks the emulator at addr for its health.
func checkHealth(ctx context.Context, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	url := "http://" + net.JoinHostPort(host, port) + "/_emulator/health"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health check: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("health check: %s answered %s", url, res.Status)
	}
	return nil
}

// logWriter gathers log lines into few writes: a burst of captured emails
// costs one system call, not one per line, and a line waits at most
// logDelay before it is written.
type logWriter struct {
	mu    sync.Mutex
	w     io.Writer
	buf   []byte
	timer *time.Timer
}

const logDelay = 20 * time.Millisecond

func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if len(l.buf) >= 64<<10 {
		l.flushLocked()
	} else if l.timer == nil {
		l.timer = time.AfterFunc(logDelay, l.Flush)
	}
	return len(p), nil
}

// Flush writes what is gathered.
func (l *logWriter) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushLocked()
}

func (l *logWriter) flushLocked() {
	if len(l.buf) > 0 {
		l.w.Write(l.buf)
		l.buf = l.buf[:0]
	}
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
}
