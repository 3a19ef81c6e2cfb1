// Package connguard watches the connections of an http.Server, so that
// slow, idle and silent clients cannot hold it or its memory:
//
//   - it bounds how many connections are open: at the bound, a new one
//     takes the place of the longest-waiting one that holds no request
//     (never sent a byte, idle between requests, or still sending its
//     header block), and is closed itself when every connection is busy;
//
//   - it answers a request line and header block larger than MaxHeader
//     itself, in the emulator's JSON envelope, before the server has
//     buffered more of it;
//
//   - it rewrites the plain-text answers net/http gives itself to requests
//     it cannot read (a malformed Host, a bad request line, an unsupported
//     Transfer-Encoding) with ErrorBody, so that they too are the
//     emulator's JSON;
//
//   - at shutdown it closes the connections that hold no request, which
//     http.Server.Shutdown would wait for;
//
//   - it knows the requests in flight, so that a shutdown that had to cut
//     them can say which.
//
// It takes three hooks of the server and wraps its handler and listener:
//
//	g := &connguard.Guard{Max: 1024, MaxHeader: 68 << 10, TooLarge: response}
//	srv := &http.Server{Handler: g.Track(h), ConnState: g.ConnState, ConnContext: g.ConnContext}
//	srv.Serve(g.Listener(ln))
package connguard

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Guard is the watch over one server's connections. Set its fields before
// the first connection; its methods are safe for concurrent use.
type Guard struct {
	// Max bounds the open connections.
	Max int
	// MaxHeader bounds the bytes of a request line and its headers.
	MaxHeader int
	// TooLarge is the whole HTTP response written to a connection whose
	// header block passes MaxHeader, before it is closed.
	TooLarge []byte
	// OnRefused, when set, is told each time a connection is closed at
	// once because every one is busy.
	OnRefused func()
	// Log, when set, gets a debug line for each connection opened.
	Log *slog.Logger
	// ErrorBody, when set, makes the JSON body of an answer net/http gives
	// itself before any handler runs, from its status and its text.
	ErrorBody func(status int, text string) []byte

	// notify, when set (by tests), is called after each change it sees.
	notify func()

	mu      sync.Mutex
	conns   map[*conn]struct{}
	closing atomic.Bool
}

// conn is an accepted connection with what the guard knows of it.
type conn struct {
	net.Conn
	g *Guard

	mu    sync.Mutex
	state http.ConnState
	since time.Time // when it last became new, idle or began a request
	// header is true from the start of a request until the end of its
	// header block; headerBytes counts that block, tail its last bytes.
	header      bool
	headerBytes int
	tail        uint32
	// request is the request a handler is serving on the connection;
	// served says that a handler has served the current request.
	request *http.Request
	served  bool
}

type connKey struct{}

// ConnContext is the server's http.Server.ConnContext hook: it lets Track
// know the connection of a request.
func (g *Guard) ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// Listener wraps ln so that the guard sees every connection.
func (g *Guard) Listener(ln net.Listener) net.Listener { return &listener{Listener: ln, g: g} }

type listener struct {
	net.Listener
	g *Guard
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		c := &conn{Conn: nc, g: l.g, state: http.StateNew, since: time.Now(), header: true}
		if l.g.admit(c) {
			if l.g.Log != nil {
				l.g.Log.Debug("connection opened", "remote", nc.RemoteAddr().String())
			}
			l.g.changed()
			return c, nil
		}
		if l.g.OnRefused != nil {
			l.g.OnRefused()
		}
		nc.Close()
	}
}

// admit counts c in, making room if it must; it reports false when no
// connection can make room.
func (g *Guard) admit(c *conn) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closing.Load() {
		return false
	}
	if g.conns == nil {
		g.conns = map[*conn]struct{}{}
	}
	if len(g.conns) >= g.Max {
		victim := g.longestWaitingLocked()
		if victim == nil {
			return false
		}
		delete(g.conns, victim)
		victim.Conn.Close()
	}
	g.conns[c] = struct{}{}
	return true
}

// longestWaitingLocked answers the connection that holds no request and
// has waited longest: one that never sent a byte or is idle first, then
// one still sending its header block.
func (g *Guard) longestWaitingLocked() *conn {
	var best *conn
	bestRank := 0
	var bestSince time.Time
	for c := range g.conns {
		c.mu.Lock()
		rank := 0
		switch {
		case c.state == http.StateNew || c.state == http.StateIdle:
			rank = 2
		case c.state == http.StateActive && c.header:
			rank = 1
		}
		since := c.since
		c.mu.Unlock()
		if rank > bestRank || (rank == bestRank && rank > 0 && since.Before(bestSince)) {
			best, bestRank, bestSince = c, rank, since
		}
	}
	return best
}

func (g *Guard) changed() {
	if g.notify != nil {
		g.notify()
	}
}

// ConnState is the server's http.Server.ConnState hook.
func (g *Guard) ConnState(nc net.Conn, state http.ConnState) {
	c, ok := nc.(*conn)
	if !ok {
		return
	}
	defer g.changed()
	switch state {
	case http.StateClosed, http.StateHijacked:
		g.mu.Lock()
		delete(g.conns, c)
		g.mu.Unlock()
		return
	}
	c.mu.Lock()
	if state != http.StateActive || c.state != http.StateNew {
		c.since = time.Now()
	}
	switch state {
	case http.StateIdle:
		// The next bytes begin a new request: its header block is counted.
		c.header, c.headerBytes, c.tail = true, 0, 0
	case http.StateActive:
		c.served = false // a request was read; no handler has served it yet
	}
	c.state = state
	c.mu.Unlock()
	if state == http.StateIdle && g.closing.Load() {
		c.Conn.Close()
	}
}

// Read counts the bytes of a header block, and ends the connection with
// TooLarge when the block passes MaxHeader.
func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.count(p[:n]) {
		c.Conn.SetWriteDeadline(time.Now().Add(time.Second))
		c.Conn.Write(c.g.TooLarge)
		c.Conn.Close()
		// io.EOF: the server closes the connection without an answer of
		// its own.
		return 0, io.EOF
	}
	return n, err
}

// Write rewrites an answer that net/http writes itself in plain text,
// to a request no handler served.
func (c *conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	own := !c.served
	c.mu.Unlock()
	if own && c.g.ErrorBody != nil && bytes.HasPrefix(p, []byte("HTTP/1.1 ")) {
		if rewritten, ok := rewriteError(p, c.g.ErrorBody); ok {
			if _, err := c.Conn.Write(rewritten); err != nil {
				return 0, err
			}
			return len(p), nil
		}
	}
	return c.Conn.Write(p)
}

// rewriteError turns net/http's own "HTTP/1.1 400 Bad Request ... text"
// answer into one with a JSON body.
func rewriteError(p []byte, body func(int, string) []byte) ([]byte, bool) {
	s := string(p)
	head, text, ok := strings.Cut(s, "\r\n\r\n")
	if !ok || !strings.HasPrefix(head, "HTTP/1.1 ") || !strings.Contains(head, "Content-Type: text/plain") {
		return nil, false
	}
	status, err := strconv.Atoi(head[len("HTTP/1.1 "):min(len(head), len("HTTP/1.1 ")+3)])
	if err != nil || status < 400 {
		return nil, false
	}
	// The text repeats the status line: "400 Bad Request: malformed Host header".
	if _, detail, ok := strings.Cut(text, ": "); ok {
		text = detail
	}
	b := body(status, strings.TrimSpace(text))
	line, _, _ := strings.Cut(head, "\r\n")
	return []byte(fmt.Sprintf("%s\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		line, len(b), b)), true
}

// count adds p to the header block being read, if one is, and reports
// whether the block is now too large.
func (c *conn) count(p []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.header {
		return false
	}
	for i, b := range p {
		c.tail = c.tail<<8 | uint32(b)
		if c.tail == 0x0d0a0d0a || c.tail&0xffff == 0x0a0a { // CRLF CRLF, or LF LF
			c.header = false
			c.headerBytes += i + 1
			return false
		}
	}
	c.headerBytes += len(p)
	return c.headerBytes > c.g.MaxHeader
}

// CloseQuiet closes every connection that holds no request (never sent a
// byte, idle, or still sending its header block), and from now on each
// new connection and each that becomes idle: the first step of a
// shutdown, which would otherwise wait for them.
func (g *Guard) CloseQuiet() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closing.Store(true)
	for c := range g.conns {
		c.mu.Lock()
		quiet := c.state == http.StateNew || c.state == http.StateIdle || c.header
		c.mu.Unlock()
		if quiet {
			delete(g.conns, c)
			c.Conn.Close()
		}
	}
}

// count answers the number of open connections in a state.
func (g *Guard) count(state http.ConnState) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for c := range g.conns {
		c.mu.Lock()
		if c.state == state {
			n++
		}
		c.mu.Unlock()
	}
	return n
}

// Open answers the number of open connections.
func (g *Guard) Open() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns)
}

// Track wraps h so that the guard knows the requests in flight: each on
// its connection, without a lock shared by all of them.
func (g *Guard) Track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := r.Context().Value(connKey{}).(*conn)
		if !ok {
			h.ServeHTTP(w, r)
			return
		}
		c.mu.Lock()
		c.request, c.served = r, true
		c.mu.Unlock()
		g.changed()
		defer func() {
			c.mu.Lock()
			c.request = nil
			c.mu.Unlock()
		}()
		h.ServeHTTP(w, r)
	})
}

// InFlight answers the requests being served, as "METHOD /path", sorted.
func (g *Guard) InFlight() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for c := range g.conns {
		c.mu.Lock()
		r := c.request
		c.mu.Unlock()
		if r == nil {
			continue
		}
		path := r.URL.Path
		if len(path) > 100 {
			path = path[:100] + "…"
		}
		out = append(out, r.Method+" "+path)
	}
	sort.Strings(out)
	return out
}
