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
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/altogic-emulator/altogic-emulator/emulator"
	"github.com/altogic-emulator/altogic-emulator/fixtures"
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
	// Under `go run`, a signal to the go command (kill $! in a script)
	// does not reach the emulator: it stops when that command ends.
	watchGoRun(os.Getppid(), func() {
		fmt.Fprintln(os.Stderr, "altogic-emulator: the go command that ran it ended: shutting down")
		signals <- syscall.SIGTERM
	})
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
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "altogic-emulator:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends, then shuts down gracefully.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := parseConfig(args, getenv, stdout)
	if err != nil {
		return err
	}
	if cfg.version {
		fmt.Fprintln(stdout, "altogic-emulator", emulator.Version)
		return nil
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
	var handler slog.Handler = slog.NewTextHandler(stdout, &slog.HandlerOptions{Level: cfg.logLevel, ReplaceAttr: readableDurations})
	if cfg.logFormat == "json" {
		handler = slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.logLevel, ReplaceAttr: millisecondDurations})
	}
	logger := slog.New(escaping{handler})

	fx, fxName := fixtures.Default(), fixtures.DefaultName
	if cfg.fixtures != "" {
		if fx, err = fixtures.Load(cfg.fixtures); err != nil {
			return err
		}
		fxName = cfg.fixtures
	}

	for _, f := range []struct{ flag, path string }{{"--coverage-out", cfg.coverageOut}, {"--export-on-exit", cfg.exportOnExit}} {
		if f.path != "" {
			if err := checkWritable(f.flag, f.path); err != nil {
				return err
			}
		}
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("listen on %s: the address is in use (another emulator may be running there): stop it, or choose another with --addr (port 0 picks a free one: --addr 127.0.0.1:0)", cfg.addr)
		}
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	defer ln.Close()
	baseURL := "http://" + reachableAddr(ln.Addr().(*net.TCPAddr))
	publicURL := cfg.publicURL
	if publicURL == "" {
		publicURL = baseURL
	}

	em, err := emulator.New(cfg.options(fx, logger, publicURL))
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
	logger.Info(fmt.Sprintf("altogic-emulator %s listening on %s with %d fixture users; inbox at %s/_emulator/",
		emulator.Version, baseURL, em.UserCount(), publicURL),
		"url", baseURL, "users", em.UserCount(), "fixtures", fxName, "inbox", publicURL+"/_emulator/")
	if cfg.adminToken != "" {
		logger.Info("the control plane wants the admin token: in a browser, open " + publicURL + "/_emulator/?admin_token=<token>")
	}
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

// gracePeriod is how long a shutdown waits for the requests in flight.
const gracePeriod = 5 * time.Second
