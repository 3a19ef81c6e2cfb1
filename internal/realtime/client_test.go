package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// testClient is a minimal Engine.IO 4 / Socket.IO client for the tests,
// over WebSocket or long-polling, written from the protocol documents.
// (The Node test checks the server against the real socket.io-client.)
type testClient struct {
	t    testing.TB
	base string // http://127.0.0.1:port/socket.io/
	host string // Host header sent
	sid  string // Engine.IO session id
	id   string // socket id once connected
	open map[string]any

	mu        sync.Mutex
	postMu    sync.Mutex // one POST at a time, as engine.io-client
	transport string
	ws        *websocket.Conn
	pausing   bool

	pongs   atomic.Bool // answer pings; true unless told not to
	stalled atomic.Bool // stop reading after the next message
	noops   atomic.Int32
	in      chan sioPacket // received Socket.IO packets
	pending []sioPacket    // received, not yet asked for
	done    chan struct{}  // closed when the transport ended
	once    sync.Once
	paused  chan struct{} // the polling loop stopped for an upgrade
	partial *sioPacket
	atts    [][]byte
	ackSeq  int64

	ctx    context.Context // ends with drop
	cancel context.CancelFunc
}

const testWait = 5 * time.Second

// dial opens an Engine.IO connection to ts over "websocket" or "polling".
// The caller drops it at the end of the test.
func dial(t testing.TB, ts *httptest.Server, transport string) *testClient {
	t.Helper()
	c := &testClient{
		t:         t,
		base:      ts.URL + Path,
		host:      "realtime.emu.localhost",
		transport: transport,
		in:        make(chan sioPacket, 1024),
		done:      make(chan struct{}),
		paused:    make(chan struct{}),
	}
	c.pongs.Store(true)
	c.ctx, c.cancel = context.WithCancel(context.Background())
	if transport == "websocket" {
		ws, _, err := websocket.Dial(context.Background(), strings.Replace(c.base, "http", "ws", 1)+"?EIO=4&transport=websocket",
			&websocket.DialOptions{Host: c.host, HTTPHeader: http.Header{"Origin": {"http://app.example"}}})
		if err != nil {
			t.Fatalf("websocket dial: %v", err)
		}
		ws.SetReadLimit(-1)
		c.ws = ws
		typ, msg, err := ws.Read(context.Background())
		if err != nil || typ != websocket.MessageText || len(msg) == 0 || msg[0] != eioOpen {
			t.Fatalf("websocket open packet: %q %v", msg, err)
		}
		c.handshake(msg[1:])
		go c.readWebSocket(ws)
	} else {
		status, body := c.httpDo(http.MethodGet, c.base+"?EIO=4&transport=polling", nil)
		if status != http.StatusOK || len(body) == 0 || body[0] != eioOpen {
			t.Fatalf("polling handshake: %d %q", status, body)
		}
		c.handshake(body[1:])
		go c.pollLoop()
	}
	return c
}

func (c *testClient) handshake(data []byte) {
	if err := json.Unmarshal(data, &c.open); err != nil {
		c.t.Fatalf("open packet: %v", err)
	}
	c.sid, _ = c.open["sid"].(string)
}

func (c *testClient) httpDo(method, url string, body []byte) (int, []byte) {
	req, err := http.NewRequestWithContext(c.ctx, method, url, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Host = c.host
	req.Header.Set("Origin", "http://app.example")
	if body != nil {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func (c *testClient) pollURL() string {
	return c.base + "?EIO=4&transport=polling&sid=" + c.sid
}

func (c *testClient) pollLoop() {
	for {
		status, body := c.httpDo(http.MethodGet, c.pollURL(), nil)
		if status != http.StatusOK {
			c.finish()
			return
		}
		pkts, err := decodePayload(body)
		if err != nil {
			c.t.Errorf("poll payload %q: %v", body, err)
			c.finish()
			return
		}
		for _, p := range pkts {
			if !c.handle(p) {
				return
			}
		}
		c.mu.Lock()
		pausing := c.pausing
		c.mu.Unlock()
		if pausing || c.stalled.Load() {
			close(c.paused)
			return
		}
	}
}

func (c *testClient) readWebSocket(ws *websocket.Conn) {
	for {
		if c.stalled.Load() {
			close(c.paused)
			<-c.done
			return
		}
		typ, msg, err := ws.Read(context.Background())
		if err != nil {
			c.finish()
			return
		}
		p := packet{typ: eioMessage, data: msg, binary: true}
		if typ == websocket.MessageText {
			p = packet{typ: msg[0], data: msg[1:]}
		}
		if !c.handle(p) {
			return
		}
	}
}

// handle takes one Engine.IO packet; false once the connection closed.
func (c *testClient) handle(p packet) bool {
	switch p.typ {
	case eioPing:
		if c.pongs.Load() {
			c.send(packet{typ: eioPong, data: p.data})
		}
	case eioNoop:
		c.noops.Add(1)
	case eioClose:
		c.finish()
		return false
	case eioMessage:
		if c.partial != nil {
			c.atts = append(c.atts, p.data)
			if len(c.atts) == c.partial.attachments {
				pk := *c.partial
				data, err := reconstruct(pk.data, c.atts)
				if err != nil {
					c.t.Errorf("reconstruct: %v", err)
				}
				pk.data = data
				c.partial, c.atts = nil, nil
				c.in <- pk
			}
			return true
		}
		pk, err := parseSIO(p.data)
		if err != nil {
			c.t.Errorf("socket.io packet %q: %v", p.data, err)
			return true
		}
		if pk.attachments > 0 {
			c.partial = &pk
			return true
		}
		c.in <- pk
	}
	return true
}

func (c *testClient) finish() { c.once.Do(func() { close(c.done) }) }

// send sends Engine.IO packets over the current transport.
func (c *testClient) send(pkts ...packet) {
	c.mu.Lock()
	ws := c.ws
	if c.transport == "polling" {
		ws = nil
	}
	c.mu.Unlock()
	if ws == nil {
		c.postMu.Lock()
		c.httpDo(http.MethodPost, c.pollURL(), encodePayload(pkts))
		c.postMu.Unlock()
		return
	}
	for _, p := range pkts {
		typ, data := websocket.MessageText, append([]byte{p.typ}, p.data...)
		if p.binary {
			typ, data = websocket.MessageBinary, p.data
		}
		ctx, cancel := context.WithTimeout(context.Background(), testWait)
		_ = ws.Write(ctx, typ, data)
		cancel()
	}
}

func (c *testClient) sendSIO(typ byte, ackID int64, data any) {
	pkts, err := encodeSIO(typ, ackID, data)
	if err != nil {
		c.t.Fatal(err)
	}
	c.send(pkts...)
}

// connectErr is a CONNECT_ERROR the server answered.
type connectErr struct {
	Message string `json:"message"`
	Data    any    `json:"data"`
}

func (e *connectErr) Error() string { return e.Message }

// connect sends CONNECT with auth and awaits the answer.
func (c *testClient) connect(auth map[string]any) error {
	c.t.Helper()
	c.sendSIO(sioConnect, -1, auth)
	p := c.nextPacket(func(p sioPacket) bool { return p.typ == sioConnect || p.typ == sioConnectError })
	if p.typ == sioConnectError {
		b, _ := json.Marshal(p.data)
		var e connectErr
		_ = json.Unmarshal(b, &e)
		return &e
	}
	c.id, _ = p.data.(map[string]any)["sid"].(string)
	if c.id == "" {
		c.t.Fatalf("CONNECT answer without sid: %v", p.data)
	}
	return nil
}

// mustConnect connects to env as user (none when "") with echoMessages echo.
func (c *testClient) mustConnect(env, user string, echo bool) *testClient {
	c.t.Helper()
	auth := map[string]any{"echoMessages": echo, "subdomain": "", "envId": env, "clientKey": stubClientKey}
	if user != "" {
		auth["Session"] = "tok-" + user
	}
	if err := c.connect(auth); err != nil {
		c.t.Fatalf("connect: %v", err)
	}
	return c
}

func (c *testClient) emit(event string, args ...any) {
	c.sendSIO(sioEvent, -1, append([]any{event}, args...))
}

// emitAck emits and awaits the acknowledgement's arguments.
func (c *testClient) emitAck(event string, args ...any) []any {
	c.t.Helper()
	c.ackSeq++
	id := c.ackSeq
	c.sendSIO(sioEvent, id, append([]any{event}, args...))
	p := c.nextPacket(func(p sioPacket) bool { return (p.typ == sioAck || p.typ == sioBinaryAck) && p.ackID == id })
	return p.data.([]any)
}

// next returns the next event received: its name and arguments.
func (c *testClient) next() (string, []any) {
	c.t.Helper()
	p := c.nextPacket(func(p sioPacket) bool { return p.typ == sioEvent || p.typ == sioBinaryEvent })
	args := p.data.([]any)
	return args[0].(string), args[1:]
}

// expect returns the next event's arguments, which must be named event.
func (c *testClient) expect(event string) []any {
	c.t.Helper()
	name, args := c.next()
	if name != event {
		c.t.Fatalf("got event %s %v, want %s", name, jsonString(args), event)
	}
	return args
}

// expectJSON checks the next event's name and its arguments as JSON.
func (c *testClient) expectJSON(event, want string) {
	c.t.Helper()
	args := c.expect(event)
	if got := jsonString(args); got != want {
		c.t.Fatalf("%s: got %s, want %s", event, got, want)
	}
}

func (c *testClient) nextPacket(match func(sioPacket) bool) sioPacket {
	c.t.Helper()
	for i, p := range c.pending {
		if match(p) {
			c.pending = append(c.pending[:i], c.pending[i+1:]...)
			return p
		}
	}
	timeout := time.After(testWait)
	for {
		select {
		case p := <-c.in:
			if match(p) {
				return p
			}
			c.pending = append(c.pending, p)
		case <-timeout:
			c.t.Fatalf("nothing expected arrived within %s (pending: %d)", testWait, len(c.pending))
		}
	}
}

// drop cuts the transport without a close packet, as a lost network would.
func (c *testClient) drop() {
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	if ws != nil {
		_ = ws.CloseNow()
	}
	c.cancel()
	c.finish()
}

// closeEngine sends the close packet and closes the transport.
func (c *testClient) closeEngine() {
	c.send(packet{typ: eioClose})
	c.drop()
}

// waitDone awaits the end of the transport, as the server closes it.
func (c *testClient) waitDone() {
	c.t.Helper()
	select {
	case <-c.done:
	case <-time.After(testWait):
		c.t.Fatal("the connection was not closed")
	}
}

// stopReading makes the client stop reading (or polling) once it has read
// the next message, which trigger must cause.
func (c *testClient) stopReading(trigger func()) {
	c.t.Helper()
	c.stalled.Store(true)
	trigger()
	select {
	case <-c.paused:
	case <-time.After(testWait):
		c.t.Fatal("the client did not stop reading")
	}
}

// upgrade takes a polling client to WebSocket as engine.io-client does:
// probe, pause polling (the server answers the poll in flight with a
// noop), then the upgrade packet.
func (c *testClient) upgrade() {
	c.t.Helper()
	ws, _, err := websocket.Dial(context.Background(),
		strings.Replace(c.base, "http", "ws", 1)+"?EIO=4&transport=websocket&sid="+c.sid,
		&websocket.DialOptions{Host: c.host})
	if err != nil {
		c.t.Fatalf("upgrade dial: %v", err)
	}
	ws.SetReadLimit(-1)
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	if err := ws.Write(ctx, websocket.MessageText, []byte("2probe")); err != nil {
		c.t.Fatal(err)
	}
	if _, msg, err := ws.Read(ctx); err != nil || string(msg) != "3probe" {
		c.t.Fatalf("probe answer %q %v", msg, err)
	}
	c.mu.Lock()
	c.pausing = true
	c.mu.Unlock()
	select {
	case <-c.paused:
	case <-time.After(testWait):
		c.t.Fatal("the poll in flight was not answered during the upgrade")
	}
	if err := ws.Write(ctx, websocket.MessageText, []byte{eioUpgrade}); err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	c.ws, c.transport = ws, "websocket"
	c.mu.Unlock()
	go c.readWebSocket(ws)
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
