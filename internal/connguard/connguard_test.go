package connguard

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// serve runs a server behind g whose handler waits on release (when a
// request's path is /wait) and answers "ok".
func serve(t *testing.T, g *Guard, release chan struct{}) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler: g.Track(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/wait" {
				<-release
			}
			io.WriteString(w, "ok")
		})),
		ConnState:   g.ConnState,
		ConnContext: g.ConnContext,
	}
	go srv.Serve(g.Listener(ln))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closed reports whether the server closed c: a read ends with EOF (or a
// reset) instead of waiting.
func closed(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.Read(make([]byte, 1))
	return err != nil && !isTimeout(err)
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// opened waits until the guard counts n connections.
func opened(g *Guard, n int, accepted <-chan struct{}) {
	for g.Open() < n {
		<-accepted
	}
}

func TestAtTheBoundTheLongestWaitingGoes(t *testing.T) {
	accepted := make(chan struct{}, 100)
	g := &Guard{Max: 3, MaxHeader: 1 << 10}
	onAccept(g, accepted)
	release := make(chan struct{})
	addr := serve(t, g, release)

	silent := dial(t, addr) // never sends a byte
	opened(g, 1, accepted)
	busy := dial(t, addr) // in its handler: never evicted
	io.WriteString(busy, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	idle := dial(t, addr) // between requests
	io.WriteString(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	idleReader := bufio.NewReader(idle)
	res, err := http.ReadResponse(idleReader, nil)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("%v %v", res, err)
	}
	io.ReadAll(res.Body) // its answer read whole: what follows can only be the end
	for len(g.InFlight()) == 0 || g.count(http.StateIdle) == 0 {
		<-accepted // the busy request is in its handler, the idle one idle
	}

	// A fourth connection takes the place of the silent one, the oldest.
	fourth := dial(t, addr)
	if !closed(silent) {
		t.Fatal("the silent connection is still open")
	}
	io.WriteString(fourth, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if res, err := http.ReadResponse(bufio.NewReader(fourth), nil); err != nil || res.StatusCode != 200 {
		t.Fatalf("the fourth connection: %v %v", res, err)
	}
	for g.count(http.StateIdle) < 2 {
		<-accepted // the fourth is idle too, since after the first
	}
	// A fifth takes the place of an idle one (the older of the two).
	dial(t, addr)
	idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := idleReader.ReadByte(); err == nil || isTimeout(err) {
		t.Fatalf("the idle connection is still open: %v", err)
	}
	if got := g.InFlight(); len(got) != 1 || got[0] != "GET /wait" {
		t.Fatalf("in flight: %v", got)
	}
	close(release)
	if res, err := http.ReadResponse(bufio.NewReader(busy), nil); err != nil || res.StatusCode != 200 {
		t.Fatalf("the busy request was cut: %v %v", res, err)
	}
}

// onAccept makes each change the guard sees send on ch.
func onAccept(g *Guard, ch chan struct{}) {
	g.notify = func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func TestWhenAllAreBusyANewConnectionIsRefused(t *testing.T) {
	accepted := make(chan struct{}, 100)
	var mu sync.Mutex
	refused := 0
	g := &Guard{Max: 2, MaxHeader: 1 << 10, OnRefused: func() { mu.Lock(); refused++; mu.Unlock() }}
	onAccept(g, accepted)
	release := make(chan struct{})
	defer close(release)
	addr := serve(t, g, release)
	for range 2 {
		c := dial(t, addr)
		io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	for len(g.InFlight()) < 2 {
		<-accepted
	}
	if !closed(dial(t, addr)) {
		t.Fatal("a third connection was kept while both are busy")
	}
	mu.Lock()
	defer mu.Unlock()
	if refused != 1 {
		t.Fatalf("OnRefused told %d times", refused)
	}
}

func TestAnOverLongHeaderBlockIsAnsweredAndClosed(t *testing.T) {
	g := &Guard{Max: 10, MaxHeader: 1 << 10, TooLarge: []byte("HTTP/1.1 431 Too Large\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}")}
	addr := serve(t, g, nil)
	c := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: "+strings.Repeat("p", 2000))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || res.StatusCode != 431 {
		t.Fatalf("%v %v", res, err)
	}
	io.ReadAll(res.Body)
	if !closed(c) {
		t.Fatal("the connection is still open")
	}
	// The limit is per request: a keep-alive connection sends many blocks
	// that together pass it, and a body is not a header block.
	c = dial(t, addr)
	r := bufio.NewReader(c)
	for range 5 {
		io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nX-Pad: "+strings.Repeat("p", 600)+"\r\nContent-Length: 3000\r\n\r\n"+strings.Repeat("b", 3000))
		res, err := http.ReadResponse(r, nil)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%v %v", res, err)
		}
		io.Copy(io.Discard, res.Body)
	}
}

func TestCloseQuietClosesWhatHoldsNoRequest(t *testing.T) {
	accepted := make(chan struct{}, 100)
	g := &Guard{Max: 10, MaxHeader: 1 << 10}
	onAccept(g, accepted)
	release := make(chan struct{})
	addr := serve(t, g, release)
	silent := dial(t, addr)
	partial := dial(t, addr)
	io.WriteString(partial, "GET / HTTP/1.1\r\nHost: x\r\n")
	busy := dial(t, addr)
	io.WriteString(busy, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	for len(g.InFlight()) == 0 || g.Open() < 3 {
		<-accepted
	}
	g.CloseQuiet()
	if !closed(silent) || !closed(partial) {
		t.Fatal("a connection that holds no request is still open")
	}
	if closed(dial(t, addr)) != true {
		t.Fatal("a new connection is kept while closing")
	}
	close(release)
	if res, err := http.ReadResponse(bufio.NewReader(busy), nil); err != nil || res.StatusCode != 200 {
		t.Fatalf("the busy request was cut: %v %v", res, err)
	}
}
