package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/altogic-emulator/altogic-emulator/emulator"
	"github.com/altogic-emulator/altogic-emulator/fixtures"
)

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
		if len(v) >= len(u.suffix) && strings.EqualFold(v[len(v)-len(u.suffix):], u.suffix) {
			v, mult = strings.TrimSpace(v[:len(v)-len(u.suffix)]), u.n
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

// levelFlag is --log-level: debug, info, warn or error, in any case.
type levelFlag slog.Level

func (l *levelFlag) String() string { return strings.ToLower(slog.Level(*l).String()) }

func (l *levelFlag) Set(v string) error {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "debug":
		*l = levelFlag(slog.LevelDebug)
	case "info":
		*l = levelFlag(slog.LevelInfo)
	case "warn", "warning":
		*l = levelFlag(slog.LevelWarn)
	case "error":
		*l = levelFlag(slog.LevelError)
	default:
		return errors.New("--log-level must be debug, info, warn or error")
	}
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
	version     bool
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

func parseConfig(args []string, getenv func(string) string, stdout io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("altogic-emulator", flag.ContinueOnError)
	// The flag package's own error lines are replaced by namedFlagError's;
	// only --help prints (Usage, below).
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8484", "listen address (loopback by default: never exposed unless asked)")
	fs.StringVar(&c.fixtures, "fixtures", "", "fixtures file, YAML or JSON (default: the embedded fixtures/default.yaml)")
	fs.StringVar(&c.publicURL, "public-url", "", "base of links put in emails (default: http:// + the listen address)")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	c.logLevel = slog.LevelInfo
	fs.Var((*levelFlag)(&c.logLevel), "log-level", "log level: debug (every request), info (start, captured emails and SMS), warn or error (default info)")
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
	fs.BoolVar(&c.version, "version", false, "print the version and exit")
	fs.BoolVar(&c.checkHealth, "check-health", false, "ask the emulator listening on --addr for /_emulator/health and exit 0 if it is up (for container health checks)")
	// The flag package calls Usage on every error; it is printed for
	// --help only, an error being said by namedFlagError.
	fs.Usage = func() {}
	usage := func() {
		fmt.Fprintf(stdout, "Usage: altogic-emulator [flags]\n\nAn offline emulator of the Altogic auth API.\n\nFlags (each also read from %s<NAME>, upper case, dashes as underscores):\n", envPrefix)
		fs.SetOutput(stdout) // asked for: to standard output, so that it pages
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s=%s: %s", name, v, flagValueError(f, err))
			}
		}
	})
	if envErr != nil {
		return c, envErr
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage()
			return c, err
		}
		return c, namedFlagError(fs, err)
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
	if c.relay.Addr == "" { // with one, the emulator checks them (emulator.Relay)
		// The relay's settings without a relay are a slip: say so, rather
		// than deliver nothing in silence.
		for _, f := range []struct {
			name string
			set  bool
		}{{"--smtp-username", c.relay.Username != ""}, {"--smtp-password", c.relay.Password != ""}, {"--smtp-tls", c.relay.TLS != ""}, {"--smtp-insecure", c.relay.InsecureSkipVerify}} {
			if f.set {
				return c, fmt.Errorf("%s is a setting of the SMTP relay, and --smtp-relay is not set", f.name)
			}
		}
	}
	return c, nil
}

// flagParseError matches the flag package's own message for a refused
// value, to say it as an environment variable's is said.
var flagParseError = regexp.MustCompile(`^invalid value "(.*)" for flag -([a-z-]+): (.*)$`)

// namedFlagError answers a command-line error that names the flag, its
// value and what the flag wants.
func namedFlagError(fs *flag.FlagSet, err error) error {
	if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
		return fmt.Errorf("--%s is not a flag of altogic-emulator (see --help)", name)
	}
	m := flagParseError.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	f := fs.Lookup(m[2])
	if f == nil {
		return err
	}
	return fmt.Errorf("--%s=%s: %s", m[2], m[1], flagValueError(f, errors.New(m[3])))
}

// flagValueError says what f wants when a value for it was refused: the
// flag package's own words for numbers and booleans are "parse error" and
// "invalid syntax".
func flagValueError(f *flag.Flag, err error) string {
	msg := err.Error()
	if msg != "parse error" && msg != "value out of range" && !strings.Contains(msg, "invalid syntax") {
		return msg // the flag's own words, after --name=value
	}
	switch f.Value.(type) {
	case flag.Getter:
		switch f.Value.(flag.Getter).Get().(type) {
		case int, int64, uint, uint64:
			return "--" + f.Name + " wants a whole number (default " + f.DefValue + ")"
		case bool:
			return "--" + f.Name + " wants true or false"
		case time.Duration:
			return "--" + f.Name + " wants a duration such as 30s"
		}
	}
	return "--" + f.Name + ": " + msg
}

// options turns the configuration into the emulator's.
func (cfg *config) options(fx *fixtures.Fixtures, logger *slog.Logger, publicURL string) emulator.Options {
	opts := emulator.Options{Fixtures: fx, PublicURL: publicURL, Logger: logger,
		AdminToken: cfg.adminToken, InboxLimit: cfg.inboxLimit, MaxEnvironments: cfg.maxEnvs, MaxUsers: cfg.maxUsers,
		CORSOrigins: cfg.corsOrigins, AllowedHosts: cfg.allowedHosts, MaxStateBytes: int64(cfg.maxState)}
	if host, _, err := net.SplitHostPort(cfg.addr); err == nil && host != "" {
		opts.AllowedHosts = append(opts.AllowedHosts, host) // the listen address
	}
	if cfg.relay.Addr != "" {
		opts.Relay = &cfg.relay
	}
	return opts
}
