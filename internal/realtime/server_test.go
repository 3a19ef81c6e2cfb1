package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fixture is a Server on an httptest server, recording what Authenticate
// saw and what OnEvent was told.
type fixture struct {
	t   *testing.T
	srv *Server
	ts  *httptest.Server

	mu         sync.Mutex
	clients    []*testClient
	auths      []map[string]any
	hosts      []string
	origins    []string
	deliveries []Delivery
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	f := &fixture{t: t}
	opts.Authenticate = func(r *http.Request, auth map[string]any) (Identity, error) {
		f.mu.Lock()
		f.auths = append(f.auths, auth)
		f.hosts = append(f.hosts, r.Host)
		f.origins = append(f.origins, r.Header.Get("Origin"))
		f.mu.Unlock()
		return stubAuthenticate(r, auth)
	}
	opts.OnEvent = func(d Delivery) {
		f.mu.Lock()
		f.deliveries = append(f.deliveries, d)
		f.mu.Unlock()
	}
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	f.srv = New(opts)
	f.ts = httptest.NewServer(f.srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testWait)
		defer cancel()
		if err := f.srv.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		f.mu.Lock()
		clients := f.clients
		f.mu.Unlock()
		for _, c := range clients {
			c.drop()
		}
		f.ts.Close()
	})
	return f
}

// dial opens a client that the fixture drops after closing the server.
func (f *fixture) dial(transport string) *testClient {
	c := dial(f.t, f.ts, transport)
	f.mu.Lock()
	f.clients = append(f.clients, c)
	f.mu.Unlock()
	return c
}

// session is the server's side of a client's Engine.IO session.
func (f *fixture) session(c *testClient) *conn {
	f.srv.mu.Lock()
	defer f.srv.mu.Unlock()
	return f.srv.sessions[c.sid]
}

// waitGone awaits the end of the server's side of c: removed from its
// environment and from the sessions.
func (f *fixture) waitGone(c *testClient) {
	f.t.Helper()
	sc := f.session(c)
	if sc == nil {
		return
	}
	select {
	case <-sc.ctx.Done():
	case <-time.After(testWait):
		f.t.Fatalf("the server kept session %s", c.sid)
	}
}

var transports = []string{"websocket", "polling"}

func TestConnect(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			f := newFixture(t, Options{})
			c := f.dial(tr).mustConnect("dev", "alice", true)
			if c.open["pingInterval"] != 25000.0 || c.open["pingTimeout"] != 20000.0 || c.open["maxPayload"] != 1e6 {
				t.Errorf("open packet %v", c.open)
			}
			wantUpgrades := "[]"
			if tr == "polling" {
				wantUpgrades = `["websocket"]`
			}
			if got := jsonString(c.open["upgrades"]); got != wantUpgrades {
				t.Errorf("upgrades %s, want %s", got, wantUpgrades)
			}
			conns := f.srv.Connections("dev")
			if len(conns) != 1 || conns[0].ID != c.id || conns[0].UserID != "alice" || conns[0].Transport != tr ||
				len(conns[0].Channels) != 0 || conns[0].ConnectedAt.IsZero() {
				t.Fatalf("Connections: %+v", conns)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.auths[0]["envId"] != "dev" || f.auths[0]["Session"] != "tok-alice" || f.auths[0]["echoMessages"] != true {
				t.Errorf("Authenticate got auth %v", f.auths[0])
			}
			if f.hosts[0] != "realtime.emu.localhost" || f.origins[0] != "http://app.example" {
				t.Errorf("Authenticate got Host %q, Origin %q", f.hosts[0], f.origins[0])
			}
		})
	}
}

func TestRefusalReachesClientAsConnectError(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			f := newFixture(t, Options{})
			c := f.dial(tr)
			err := c.connect(map[string]any{"envId": "dev", "clientKey": "wrong"})
			ce, ok := err.(*connectErr)
			if !ok || ce.Message != "Realtime Connection Error - Invalid API Key" || jsonString(ce.Data) != `{"code":"invalid_api_key","origin":"client_error"}` {
				t.Fatalf("connect: %#v", err)
			}
			if n := len(f.srv.Connections("dev")); n != 0 {
				t.Fatalf("%d connections after a refusal", n)
			}
			// The refused engine connection is still usable for a retry, as
			// socket.io's is after a middleware error.
			c.mustConnect("dev", "", true)
		})
	}
}

func TestUserEventsReachOnlyThatUser(t *testing.T) {
	f := newFixture(t, Options{})
	alice1 := f.dial("websocket").mustConnect("dev", "alice", true)
	alice2 := f.dial("polling").mustConnect("dev", "alice", false)
	bob := f.dial("websocket").mustConnect("dev", "bob", true)
	anon := f.dial("polling").mustConnect("dev", "", true)
	aliceElsewhere := f.dial("websocket").mustConnect("prod", "alice", true)

	session := map[string]any{"token": "tok-alice", "userId": "alice"}
	f.srv.EmitUserEvent("dev", "alice", "user:signin", session)
	f.srv.EmitUserEvent("dev", "alice", "user:update", nil)
	f.srv.EmitUserEvent("dev", "alice", "user:signout", session)
	for _, c := range []*testClient{alice1, alice2} {
		c.expectJSON("user:signin", `["user:signin",{"token":"tok-alice","userId":"alice"}]`)
		c.expectJSON("user:update", `["user:update",null]`)
		c.expectJSON("user:signout", `["user:signout",{"token":"tok-alice","userId":"alice"}]`)
	}
	// Each of the others gets an event of its own next: nothing of Alice's
	// came before it.
	f.srv.EmitUserEvent("dev", "bob", "user:delete", nil)
	bob.expectJSON("user:delete", `["user:delete",null]`)
	f.srv.EmitUserEvent("prod", "alice", "user:pwdchange", nil)
	aliceElsewhere.expectJSON("user:pwdchange", `["user:pwdchange",null]`)
	anon.emit("message", map[string]any{"eventName": "ping", "message": 1})
	anon.expectJSON("ping", `[{"channel":null,"message":1}]`)
	if len(bob.pending)+len(anon.pending)+len(aliceElsewhere.pending) != 0 {
		t.Fatal("unexpected events pending")
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.deliveries[0]
	if d.EnvID != "dev" || d.Event != "user:signin" || d.UserID != "alice" || d.From != "" ||
		!slices.Equal(d.To, []string{alice1.id, alice2.id}) || jsonString(d.Args) != `["user:signin",{"token":"tok-alice","userId":"alice"}]` {
		t.Fatalf("delivery %+v", d)
	}
}

func TestChannels(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			f := newFixture(t, Options{})
			a := f.dial(tr).mustConnect("dev", "alice", true)
			b := f.dial(tr).mustConnect("dev", "bob", false)
			other := f.dial(tr).mustConnect("dev", "", true)

			a.emit("join", map[string]any{"channel": "c1"})
			a.expectJSON("channel:join", `[{"channel":"c1","message":{"id":"`+a.id+`"}}]`)
			b.emit("update", map[string]any{"data": map[string]any{"name": "Bob"}})
			b.emit("join", map[string]any{"channel": "c1"}) // echo off: b is not told
			a.expectJSON("channel:join", `[{"channel":"c1","message":{"data":{"name":"Bob"},"id":"`+b.id+`"}}]`)
			b.emit("join", map[string]any{"channel": "c1", "echo": true}) // already a member: nothing

			wantMembers := `[{"id":"` + a.id + `"},{"id":"` + b.id + `","data":{"name":"Bob"}}]`
			if got := jsonString(f.srv.Members("dev", "c1")); got != wantMembers {
				t.Fatalf("Members: %s, want %s", got, wantMembers)
			}
			if got := jsonString(other.emitAck("members", map[string]any{"channel": "c1"})); got != `[[{"id":"`+a.id+`"},{"data":{"name":"Bob"},"id":"`+b.id+`"}]]` {
				t.Fatalf("members ack: %s", got)
			}
			if got := jsonString(f.srv.Members("dev", "nope")); got != "[]" {
				t.Fatalf("Members of no channel: %s", got)
			}
			if got := f.srv.Connections("dev")[1].Channels; !slices.Equal(got, []string{"c1"}) {
				t.Fatalf("b's channels: %v", got)
			}

			// send: to the channel's members, the sender only with echo.
			b.emit("message", map[string]any{"channel": "c1", "eventName": "chat", "message": "hi"})
			a.expectJSON("chat", `[{"channel":"c1","message":"hi"}]`)
			b.emit("message", map[string]any{"channel": "c1", "eventName": "chat", "message": "both", "echo": true})
			a.expectJSON("chat", `[{"channel":"c1","message":"both"}]`)
			b.expectJSON("chat", `[{"channel":"c1","message":"both"}]`)
			// a non-member may send to a channel, and is not a recipient.
			other.emit("message", map[string]any{"channel": "c1", "eventName": "chat", "message": "outside"})
			a.expectJSON("chat", `[{"channel":"c1","message":"outside"}]`)
			b.expectJSON("chat", `[{"channel":"c1","message":"outside"}]`)
			// broadcast: everyone of the environment.
			a.emit("message", map[string]any{"eventName": "news", "message": map[string]any{"n": 1}, "echo": false})
			b.expectJSON("news", `[{"channel":null,"message":{"n":1}}]`)
			other.expectJSON("news", `[{"channel":null,"message":{"n":1}}]`)
			// reserved names are not relayed: they would break the clients' parser.
			a.emit("message", map[string]any{"eventName": "disconnect", "message": 1})
			// update: to the members of each channel joined.
			a.emit("update", map[string]any{"data": "Ann"})
			a.expectJSON("channel:update", `[{"channel":"c1","message":{"data":"Ann","id":"`+a.id+`"}}]`)
			b.expectJSON("channel:update", `[{"channel":"c1","message":{"data":"Ann","id":"`+a.id+`"}}]`)
			// leave: the others are told, the leaver with echo.
			a.emit("leave", map[string]any{"channel": "c1"})
			a.expectJSON("channel:leave", `[{"channel":"c1","message":{"data":"Ann","id":"`+a.id+`"}}]`)
			b.expectJSON("channel:leave", `[{"channel":"c1","message":{"data":"Ann","id":"`+a.id+`"}}]`)
			if got := jsonString(f.srv.Members("dev", "c1")); got != `[{"id":"`+b.id+`","data":{"name":"Bob"}}]` {
				t.Fatalf("Members after leave: %s", got)
			}
			// a closed connection leaves its channels: the members are told.
			a.emit("join", map[string]any{"channel": "c1", "echo": false})
			b.expectJSON("channel:join", `[{"channel":"c1","message":{"data":"Ann","id":"`+a.id+`"}}]`)
			b.closeEngine()
			a.expectJSON("channel:leave", `[{"channel":"c1","message":{"data":{"name":"Bob"},"id":"`+b.id+`"}}]`)
			if len(a.pending)+len(b.pending)+len(other.pending) != 0 {
				t.Fatal("unexpected events pending")
			}

			f.mu.Lock()
			defer f.mu.Unlock()
			var news *Delivery
			for i, d := range f.deliveries {
				if d.Event == "news" {
					news = &f.deliveries[i]
				}
			}
			if news == nil || news.From != a.id || news.Channel != "" || !slices.Equal(news.To, []string{b.id, other.id}) {
				t.Fatalf("news delivery: %+v", news)
			}
		})
	}
}

func TestBinaryRelay(t *testing.T) {
	f := newFixture(t, Options{})
	a := f.dial("polling").mustConnect("dev", "", true)
	b := f.dial("websocket").mustConnect("dev", "", true)
	a.emit("update", map[string]any{"data": Binary{0, 1, 255}})
	a.emit("message", map[string]any{"eventName": "blob", "message": map[string]any{"bytes": Binary("hello")}})
	for _, c := range []*testClient{a, b} {
		args := c.expect("blob")
		got, ok := args[0].(map[string]any)["message"].(map[string]any)["bytes"].(Binary)
		if !ok || string(got) != "hello" {
			t.Fatalf("blob: %#v", args)
		}
	}
	a.emit("join", map[string]any{"channel": "files"})
	a.expect("channel:join")
	if got := jsonString(f.srv.Members("dev", "files")); got != `[{"id":"`+a.id+`","data":{"type":"Buffer","data":[0,1,255]}}]` {
		t.Fatalf("Members with binary data: %s", got)
	}
}

func TestUpgradeFromPolling(t *testing.T) {
	f := newFixture(t, Options{})
	a := f.dial("polling").mustConnect("dev", "alice", true)
	b := f.dial("websocket").mustConnect("dev", "bob", true)
	a.upgrade()
	if a.noops.Load() == 0 {
		t.Error("the poll in flight was not answered with a noop")
	}
	b.emit("message", map[string]any{"eventName": "after", "message": true, "echo": false})
	a.expectJSON("after", `[{"channel":null,"message":true}]`)
	a.emit("message", map[string]any{"eventName": "back", "message": true, "echo": false})
	b.expectJSON("back", `[{"channel":null,"message":true}]`)
	if got := f.srv.Connections("dev")[0].Transport; got != "websocket" {
		t.Fatalf("transport after the upgrade: %s", got)
	}
	// Polling the upgraded session is refused.
	if status, _ := a.httpDo(http.MethodGet, a.pollURL(), nil); status != http.StatusBadRequest {
		t.Fatalf("poll after upgrade: %d", status)
	}
}

func TestReconnection(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			f := newFixture(t, Options{PingInterval: 200 * time.Millisecond, PingTimeout: time.Second})
			watcher := f.dial("websocket").mustConnect("dev", "", false)
			watcher.emit("join", map[string]any{"channel": "room", "echo": true})
			watcher.expect("channel:join") // its own: it is a member now
			c := f.dial(tr).mustConnect("dev", "alice", false)
			c.emit("join", map[string]any{"channel": "room"})
			watcher.expect("channel:join")
			first := c.id
			// The network goes: no close packet. The server notices (socket
			// closed, or for polling the heartbeat) and the member leaves.
			c.drop()
			watcher.expectJSON("channel:leave", `[{"channel":"room","message":{"id":"`+first+`"}}]`)
			// The client reconnects as socket.io-client does: a new session,
			// the same auth, channels joined again.
			c2 := f.dial(tr).mustConnect("dev", "alice", false)
			c2.emit("join", map[string]any{"channel": "room"})
			watcher.expectJSON("channel:join", `[{"channel":"room","message":{"id":"`+c2.id+`"}}]`)
			if c2.id == first {
				t.Fatal("the new socket has the old id")
			}
			f.srv.EmitUserEvent("dev", "alice", "user:update", nil)
			c2.expect("user:update")
			if got := jsonString(f.srv.Members("dev", "room")); got != `[{"id":"`+watcher.id+`"},{"id":"`+c2.id+`"}]` {
				t.Fatalf("members: %s", got)
			}
		})
	}
}

func TestConnectionsPerEnvCap(t *testing.T) {
	f := newFixture(t, Options{MaxConnectionsPerEnv: 2})
	a := f.dial("websocket").mustConnect("dev", "", true)
	f.dial("polling").mustConnect("dev", "", true)
	err := f.dial("websocket").connect(map[string]any{"envId": "dev", "clientKey": stubClientKey})
	ce, ok := err.(*connectErr)
	if !ok || ce.Message != "Realtime Connection Error - Too Many Connections" || !strings.Contains(jsonString(ce.Data), "too_many_connections") {
		t.Fatalf("third connection: %#v", err)
	}
	f.dial("websocket").mustConnect("prod", "", true) // another environment has its own cap
	a.closeEngine()
	f.waitGone(a)
	f.dial("polling").mustConnect("dev", "", true)
	if n := len(f.srv.Connections("dev")); n != 2 {
		t.Fatalf("%d connections", n)
	}
}

func TestChannelsPerEnvCap(t *testing.T) {
	f := newFixture(t, Options{MaxChannelsPerEnv: 1})
	a := f.dial("websocket").mustConnect("dev", "", true)
	a.emit("join", map[string]any{"channel": "one"})
	a.expect("channel:join")
	a.emit("join", map[string]any{"channel": "two"}) // refused: no event
	a.emit("join", map[string]any{"channel": "one"}) // already joined: no event
	a.emit("leave", map[string]any{"channel": "one"})
	a.expectJSON("channel:leave", `[{"channel":"one","message":{"id":"`+a.id+`"}}]`)
	a.emit("join", map[string]any{"channel": "two"}) // the channel "one" is gone
	a.expectJSON("channel:join", `[{"channel":"two","message":{"id":"`+a.id+`"}}]`)
}

// A client that stops reading is dropped when its send buffer is full;
// the buffer never holds more than its bound.
func TestSlowReaderIsDropped(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			const bound = 256 << 10
			f := newFixture(t, Options{SendBufferBytes: bound, Logger: testLogger(t)})
			c := f.dial(tr).mustConnect("dev", "alice", true)
			sc := f.session(c)
			// The client stops polling, or stops reading its socket so that
			// the server's writes back up.
			c.stopReading(func() { f.srv.EmitUserEvent("dev", "alice", "user:update", nil) })
			big := strings.Repeat("x", 64<<10)
			for i := 0; i < 4000 && !sc.isClosing(); i++ {
				f.srv.EmitUserEvent("dev", "alice", "user:update", map[string]any{"pad": big})
			}
			if !sc.isClosing() {
				t.Fatal("the connection was not dropped after 250 MB of events")
			}
			f.waitGone(c)
			sc.mu.Lock()
			peak := sc.peakQueued
			sc.mu.Unlock()
			if peak > bound {
				t.Fatalf("send buffer peaked at %d bytes, over its bound %d", peak, bound)
			}
			if n := len(f.srv.Connections("dev")); n != 0 {
				t.Fatalf("%d connections left", n)
			}
		})
	}
}

func TestMessageTooBigClosesConnection(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			f := newFixture(t, Options{MaxMessageBytes: 1000})
			c := f.dial(tr).mustConnect("dev", "", true)
			if c.open["maxPayload"] != 1000.0 {
				t.Errorf("maxPayload %v", c.open["maxPayload"])
			}
			c.emit("message", map[string]any{"eventName": "fits", "message": strings.Repeat("x", 900)})
			c.expect("fits")
			if tr == "polling" {
				pkts, _ := encodeSIO(sioEvent, -1, []any{"message", map[string]any{"eventName": "big", "message": strings.Repeat("x", 1000)}})
				if status, body := c.httpDo(http.MethodPost, c.pollURL(), encodePayload(pkts)); status != http.StatusRequestEntityTooLarge ||
					strings.TrimSpace(string(body)) != `{"message":"payload too large"}` {
					t.Fatalf("POST status %d, want 413 with a JSON body: %s", status, body)
				}
			} else {
				c.emit("message", map[string]any{"eventName": "big", "message": strings.Repeat("x", 1000)})
			}
			c.waitDone()
			f.waitGone(c)
		})
	}
}

func TestBinaryAttachmentsAreBounded(t *testing.T) {
	f := newFixture(t, Options{MaxMessageBytes: 1000})
	c := f.dial("websocket").mustConnect("dev", "", true)
	c.send(packet{typ: eioMessage, data: []byte(`52-["message",{"eventName":"x","message":[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]}]`)},
		packet{typ: eioMessage, data: make([]byte, 600), binary: true},
		packet{typ: eioMessage, data: make([]byte, 600), binary: true})
	c.waitDone()
}

func TestHeartbeat(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			f := newFixture(t, Options{PingInterval: 50 * time.Millisecond, PingTimeout: 500 * time.Millisecond})
			alive := f.dial(tr).mustConnect("dev", "", true)
			silent := f.dial(tr).mustConnect("dev", "", true)
			silent.pongs.Store(false)
			f.waitGone(silent)
			// The one that answers is still there, after several pings.
			alive.emit("message", map[string]any{"eventName": "still", "message": 1})
			alive.expect("still")
			if conns := f.srv.Connections("dev"); len(conns) != 1 || conns[0].ID != alive.id {
				t.Fatalf("connections: %+v", conns)
			}
		})
	}
}

func TestConnectTimeout(t *testing.T) {
	f := newFixture(t, Options{ConnectTimeout: 50 * time.Millisecond})
	c := f.dial("websocket") // never sends CONNECT
	c.waitDone()
	f.waitGone(c)
}

func TestEngineErrors(t *testing.T) {
	f := newFixture(t, Options{})
	c := f.dial("polling")
	for _, tc := range []struct {
		method, query string
		status, code  int
	}{
		{"GET", "EIO=3&transport=polling", 400, errUnsupported},
		{"GET", "EIO=4&transport=flash", 400, errUnknownTransport},
		{"GET", "EIO=4&transport=polling&sid=nope", 400, errUnknownSid},
		{"POST", "EIO=4&transport=polling", 400, errBadHandshake},
		{"GET", "EIO=4&transport=websocket", 400, errBadRequest}, // no Upgrade header
	} {
		status, body := c.httpDo(tc.method, f.ts.URL+Path+"?"+tc.query, nil)
		var e struct{ Code int }
		if status != tc.status || json.Unmarshal(body, &e) != nil || e.Code != tc.code {
			t.Errorf("%s %s: %d %s, want %d code %d", tc.method, tc.query, status, body, tc.status, tc.code)
		}
	}
	// A preflight is answered for any origin.
	req, _ := http.NewRequest(http.MethodOptions, f.ts.URL+Path+"?EIO=4&transport=polling", nil)
	req.Header.Set("Origin", "http://app.example")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "*" ||
		res.Header.Get("Access-Control-Allow-Headers") != "content-type" {
		t.Fatalf("preflight: %v %+v", err, res)
	}
	res.Body.Close()
	// A second poll while one waits closes the session.
	c.mustConnect("dev", "", true)
	sc := f.session(c)
	for i := 0; i < 50; i++ { // the client's poll is usually in flight; make sure one is
		if status, _ := c.httpDo(http.MethodGet, c.pollURL(), nil); status == http.StatusBadRequest {
			break
		}
	}
	if !sc.isClosing() {
		t.Fatal("overlapping polls did not close the session")
	}
}

func TestCloseEnv(t *testing.T) {
	f := newFixture(t, Options{})
	var dev []*testClient
	for _, tr := range transports {
		dev = append(dev, f.dial(tr).mustConnect("dev", "alice", true))
	}
	prod := f.dial("websocket").mustConnect("prod", "alice", true)
	dev[0].emit("join", map[string]any{"channel": "c"})
	dev[0].expect("channel:join")
	f.srv.CloseEnv("dev")
	for _, c := range dev {
		c.waitDone()
	}
	if n := len(f.srv.Connections("dev")); n != 0 {
		t.Fatalf("%d connections in a closed environment", n)
	}
	if got := jsonString(f.srv.Members("dev", "c")); got != "[]" {
		t.Fatalf("members in a closed environment: %s", got)
	}
	f.srv.EmitUserEvent("prod", "alice", "user:update", nil)
	prod.expect("user:update")
	// The environment can be connected to again.
	f.dial("polling").mustConnect("dev", "alice", true)
}

func TestCloseEndsEverything(t *testing.T) {
	f := newFixture(t, Options{})
	var clients []*testClient
	for i, tr := range []string{"websocket", "polling", "websocket", "polling"} {
		c := f.dial(tr)
		if i < 2 {
			c.mustConnect("dev", fmt.Sprint("user", i), true)
			c.emit("join", map[string]any{"channel": "c"})
			c.expect("channel:join")
		}
		clients = append(clients, c)
	}
	up := f.dial("polling").mustConnect("dev", "", true)
	up.upgrade()
	clients = append(clients, up)

	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	if err := f.srv.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, c := range clients {
		c.waitDone()
	}
	f.srv.mu.Lock()
	sessions, envs := len(f.srv.sessions), len(f.srv.envs)
	f.srv.mu.Unlock()
	if sessions != 0 || envs != 0 {
		t.Fatalf("after Close: %d sessions, %d environments", sessions, envs)
	}
	status, _ := clients[0].httpDo(http.MethodGet, f.ts.URL+Path+"?EIO=4&transport=polling", nil)
	if status != http.StatusServiceUnavailable {
		t.Fatalf("a handshake after Close: %d", status)
	}
	if err := f.srv.Close(ctx); err != nil {
		t.Fatalf("Close again: %v", err)
	}
}

// Close gives up waiting at ctx's end and cuts what is left.
func TestCloseHonoursContext(t *testing.T) {
	f := newFixture(t, Options{})
	c := f.dial("websocket").mustConnect("dev", "alice", true)
	// It stops reading: the server's close handshake gets no answer.
	c.stopReading(func() { f.srv.EmitUserEvent("dev", "alice", "user:update", nil) })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_ = f.srv.Close(ctx)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %s", d)
	}
}

// MaxSessions bounds the Engine.IO sessions of the whole server, connected
// or not: a handshake beyond it is answered 503.
func TestMaxSessions(t *testing.T) {
	srv := New(Options{MaxSessions: 2})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		// Sessions that were never polled wait for a poll to take their
		// close packet: cut them after a moment.
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		srv.Close(ctx)
	})
	status := func() int {
		res, err := http.Get(ts.URL + Path + "?EIO=4&transport=polling")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if a, b, c := status(), status(), status(); a != 200 || b != 200 || c != http.StatusServiceUnavailable {
		t.Fatalf("handshakes answered %d %d %d, want 200 200 503", a, b, c)
	}
}

// A member's data is kept as its JSON, at most maxProfileBytes of it: a
// larger update is neither kept nor sent.
func TestProfilesAreBounded(t *testing.T) {
	f := newFixture(t, Options{})
	a := f.dial("websocket").mustConnect("dev", "", true)
	a.emit("join", map[string]any{"channel": "room"})
	a.expect("channel:join")
	a.emit("update", map[string]any{"data": map[string]any{"name": "Ann", "n": json.Number("12345678901234567890")}})
	a.expect("channel:update")
	want := `[{"id":"` + a.id + `","data":{"n":12345678901234567890,"name":"Ann"}}]`
	if got := jsonString(f.srv.Members("dev", "room")); got != want {
		t.Fatalf("Members: %s", got)
	}
	// Objects cost far more decoded than as JSON: kept as JSON.
	many := make([]any, 4000)
	for i := range many {
		many[i] = map[string]any{}
	}
	a.emit("update", map[string]any{"data": many})
	a.expect("channel:update")
	f.srv.mu.Lock()
	kept := len(f.srv.envs["dev"].sockets[a.id].sock.profile.json)
	f.srv.mu.Unlock()
	if kept != 4000*3+1 {
		t.Fatalf("a profile of 4000 empty objects keeps %d bytes", kept)
	}
	a.emit("update", map[string]any{"data": strings.Repeat("x", maxProfileBytes)})
	a.emit("update", map[string]any{"data": "last"})
	args := a.expect("channel:update") // the next update sent is the last: the large one was dropped
	if got := jsonString(args); !strings.Contains(got, `"data":"last"`) {
		t.Fatalf("after an oversized update: %s", got)
	}
}

// Clients that stop reading share one bound past their own shares: they
// are dropped when it is spent, each still under its own bound, and a
// client that reads is not; what they took is given back.
func TestSlowReadersShareOneBound(t *testing.T) {
	const shared, own = 100 << 10, 64 << 10
	f := newFixture(t, Options{MaxMessageBytes: 1000, SendBufferBytes: own, SendBufferShared: shared, Logger: testLogger(t)})
	reader := f.dial("websocket").mustConnect("dev", "reader", true)
	var slow []*testClient
	var sessions []*conn
	for i := range 5 {
		c := f.dial("polling").mustConnect("dev", fmt.Sprintf("slow%d", i), true)
		c.stopReading(func() { f.srv.EmitUserEvent("dev", fmt.Sprintf("slow%d", i), "user:update", nil) })
		slow = append(slow, c)
		sessions = append(sessions, f.session(c))
	}
	// 12 events of 4 KiB: about 50 KiB for each slow client, under its
	// own bound; 5 of them pass the shared one.
	pad := strings.Repeat("x", 4<<10)
	for round := range 12 {
		for i := range slow {
			f.srv.EmitUserEvent("dev", fmt.Sprintf("slow%d", i), "user:update", map[string]any{"pad": pad})
		}
		if got := f.srv.shared.Load(); got > shared {
			t.Fatalf("the shared bound holds %d bytes, over %d", got, shared)
		}
		f.srv.EmitUserEvent("dev", "reader", "user:update", map[string]any{"round": round})
		reader.expect("user:update")
	}
	dropped := 0
	for _, sc := range sessions {
		sc.mu.Lock()
		peak := sc.peakQueued
		sc.mu.Unlock()
		if peak > own {
			t.Fatalf("a backlog of %d bytes, over its own bound", peak)
		}
		if sc.isClosing() {
			dropped++
		}
	}
	if dropped == 0 || dropped == len(slow) {
		t.Fatalf("%d of %d slow clients dropped; the shared bound should drop some, not all", dropped, len(slow))
	}
	for _, sc := range sessions {
		sc.close("the test ends", false) // what it holds is never sent
	}
	for _, c := range slow {
		f.waitGone(c)
	}
	if got := f.srv.shared.Load(); got != 0 {
		t.Fatalf("the shared bound still holds %d bytes", got)
	}
}
