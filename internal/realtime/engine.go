package realtime

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// conn is one Engine.IO session and the Socket.IO socket it carries (the
// altogic client uses the "/" namespace only, so there is one socket at
// most).
type conn struct {
	srv *Server
	sid string
	// req is a copy of the handshake request for Authenticate; its context
	// ends when the connection closes.
	req *http.Request

	ctx    context.Context // ends when the connection closes
	cancel context.CancelFunc

	mu          sync.Mutex
	queue       []packet // waiting to be sent
	queued      int      // bytes in queue
	peakQueued  int      // most bytes ever in queue, for tests
	transport   string   // "polling" or "websocket"
	ws          *websocket.Conn
	raw         net.Conn // under ws, closed to cut it
	polling     bool     // a long-polling GET is waiting
	posting     bool     // a POST is being read
	probe       net.Conn // under a WebSocket probing to take over, if any
	upgrading   bool     // a WebSocket probe answered, upgrade packet awaited
	discarded   bool     // a probe was answered: the client pauses polling
	closing     bool
	graceful    bool // closing after sending what is queued
	closeReason string
	closeSent   bool // a poll carried the close packet

	wake    chan struct{} // something was queued, or the state changed
	closeCh chan struct{} // closed when the connection closes
	pong    chan struct{}
	// closeDelivered is closed when a poll carried the close packet.
	closeDelivered chan struct{}

	connected atomic.Bool // the socket has connected

	inMu    sync.Mutex // serializes incoming packets
	partial *sioPacket // a binary packet awaiting attachments
	atts    [][]byte
	attSize int

	sock *sock // guarded by srv.mu; nil until connected
}

func (s *Server) newConn(r *http.Request, transport string) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	req := r.Clone(ctx)
	req.Body = http.NoBody
	// Keep what Authenticate may look at, not every header of the
	// handshake: sessions are many, headers up to the server's limit.
	req.Header = http.Header{}
	for _, k := range []string{"Origin", "User-Agent", "X-Client-Key"} {
		if v := r.Header.Get(k); v != "" {
			req.Header.Set(k, strings.Clone(v[:min(len(v), 512)]))
		}
	}
	return &conn{
		srv:       s,
		sid:       newID(),
		req:       req,
		ctx:       ctx,
		cancel:    cancel,
		transport: transport,
		wake:      make(chan struct{}, 1),
		closeCh:   make(chan struct{}),
		pong:      make(chan struct{}, 1),

		closeDelivered: make(chan struct{}),
	}
}

// handshakeData is the open packet's JSON.
func (s *Server) handshakeData(sid string, upgrades []string) []byte {
	b, _ := json.Marshal(struct {
		Sid          string   `json:"sid"`
		Upgrades     []string `json:"upgrades"`
		PingInterval int64    `json:"pingInterval"`
		PingTimeout  int64    `json:"pingTimeout"`
		MaxPayload   int      `json:"maxPayload"`
	}{sid, upgrades, s.opts.PingInterval.Milliseconds(), s.opts.PingTimeout.Milliseconds(), s.opts.MaxMessageBytes})
	return b
}

func (s *Server) handshakePolling(w http.ResponseWriter, r *http.Request) {
	c := s.newConn(r, "polling")
	if !s.register(c) {
		httpError(w, http.StatusServiceUnavailable, "realtime server closed or full")
		return
	}
	s.log.Debug("realtime: engine open", "sid", c.sid, "transport", "polling")
	writePollResponse(w, []packet{{typ: eioOpen, data: s.handshakeData(c.sid, []string{"websocket"})}})
}

// hijackRecorder keeps the connection that websocket.Accept hijacks, so
// that it can be closed at once: the WebSocket's own Close waits for the
// peer's answer, up to seconds, when the peer does not read.
type hijackRecorder struct {
	http.ResponseWriter
	conn net.Conn
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	h.conn = c
	return c, brw, err
}

func (h *hijackRecorder) Unwrap() http.ResponseWriter { return h.ResponseWriter }

func (s *Server) acceptWebSocket(w http.ResponseWriter, r *http.Request) (*websocket.Conn, net.Conn, error) {
	hr := &hijackRecorder{ResponseWriter: w}
	ws, err := websocket.Accept(hr, r, &websocket.AcceptOptions{
		// Any origin, as Altogic's realtime server's cors origin "*".
		InsecureSkipVerify: true,
		CompressionMode:    websocket.CompressionDisabled,
	})
	if err != nil {
		return nil, nil, err
	}
	ws.SetReadLimit(int64(s.opts.MaxMessageBytes))
	return ws, hr.conn, nil
}

func (s *Server) handshakeWebSocket(w http.ResponseWriter, r *http.Request) {
	ws, raw, err := s.acceptWebSocket(w, r)
	if err != nil {
		s.log.Debug("realtime: websocket not accepted", "err", err)
		return
	}
	c := s.newConn(r, "websocket")
	c.ws, c.raw = ws, raw
	c.queue = []packet{{typ: eioOpen, data: s.handshakeData(c.sid, []string{})}}
	c.queued = c.queue[0].size()
	if !s.register(c) {
		_ = raw.Close()
		return
	}
	s.log.Debug("realtime: engine open", "sid", c.sid, "transport", "websocket")
	s.wg.Add(1)
	go c.writeWebSocket(ws)
	c.readWebSocket(ws)
}

// upgrade takes a polling connection to WebSocket: probe ("2probe" →
// "3probe"), the pending poll answered with a noop, then the upgrade packet.
func (c *conn) upgrade(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	ok := c.transport == "polling" && c.probe == nil && !c.closing
	c.mu.Unlock()
	if !ok {
		eioError(w, errBadRequest)
		return
	}
	ws, raw, err := c.srv.acceptWebSocket(w, r)
	if err != nil {
		return
	}
	c.mu.Lock()
	if c.probe != nil || c.closing {
		c.mu.Unlock()
		_ = raw.Close()
		return
	}
	c.probe = raw
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(c.ctx, c.srv.opts.UpgradeTimeout)
	defer cancel()
	fail := func(why string) {
		c.srv.log.Debug("realtime: upgrade failed", "sid", c.sid, "why", why)
		c.mu.Lock()
		c.upgrading = false
		c.probe = nil
		c.mu.Unlock()
		_ = raw.Close()
		_ = ws.CloseNow()
	}
	typ, msg, err := ws.Read(ctx)
	if err != nil || typ != websocket.MessageText || string(msg) != "2probe" {
		fail("no probe")
		return
	}
	if err := ws.Write(ctx, websocket.MessageText, []byte("3probe")); err != nil {
		fail("probe answer")
		return
	}
	c.mu.Lock()
	c.upgrading = !c.closing
	c.discarded = true
	c.mu.Unlock()
	c.signal()
	for {
		typ, msg, err = ws.Read(ctx)
		if err != nil {
			fail("no upgrade packet")
			return
		}
		if typ == websocket.MessageText && len(msg) == 1 && msg[0] == eioUpgrade {
			break
		}
		if typ == websocket.MessageText && string(msg) == "2probe" {
			continue
		}
		fail("unexpected packet during upgrade")
		return
	}
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		fail("closed during the upgrade")
		return
	}
	c.transport = "websocket"
	c.ws, c.raw = ws, raw
	c.upgrading = false
	c.probe = nil
	c.srv.wg.Add(1)
	c.mu.Unlock()
	c.srv.log.Debug("realtime: upgraded", "sid", c.sid)
	go c.writeWebSocket(ws)
	c.signal()
	c.readWebSocket(ws)
}

// readWebSocket reads packets until the WebSocket ends.
func (c *conn) readWebSocket(ws *websocket.Conn) {
	for {
		typ, msg, err := ws.Read(context.Background())
		if err != nil {
			reason := "transport close"
			if errors.Is(err, websocket.ErrMessageTooBig) {
				reason = "message too big"
			}
			c.close(reason, false)
			return
		}
		var p packet
		if typ == websocket.MessageBinary {
			p = packet{typ: eioMessage, data: msg, binary: true}
		} else {
			if len(msg) == 0 || msg[0] < eioOpen || msg[0] > eioNoop {
				c.close("parse error", false)
				return
			}
			p = packet{typ: msg[0], data: msg[1:]}
		}
		if !c.receive(p) {
			return
		}
	}
}

// writeWebSocket sends what is queued until the connection closes.
func (c *conn) writeWebSocket(ws *websocket.Conn) {
	defer c.srv.wg.Done()
	for {
		pkts, closing, graceful := c.take()
		for _, p := range pkts {
			typ := websocket.MessageText
			data := p.data
			if p.binary {
				typ = websocket.MessageBinary
			} else {
				data = make([]byte, 0, len(p.data)+1)
				data = append(append(data, p.typ), p.data...)
			}
			ctx, cancel := context.WithTimeout(context.Background(), c.srv.opts.WriteTimeout)
			err := ws.Write(ctx, typ, data)
			cancel()
			if err != nil {
				c.close("transport error", false)
				_ = ws.CloseNow()
				return
			}
		}
		if closing {
			if graceful {
				_ = ws.Close(websocket.StatusNormalClosure, "")
			} else {
				_ = ws.CloseNow()
			}
			return
		}
	}
}

// take waits for packets to send, or for the connection to close. When it
// closes gracefully, what is queued is still handed out first.
func (c *conn) take() (pkts []packet, closing, graceful bool) {
	for {
		c.mu.Lock()
		if c.closing && !c.graceful {
			c.mu.Unlock()
			return nil, true, false
		}
		if len(c.queue) > 0 {
			pkts = c.queue
			c.dropQueueLocked()
			closing, graceful = c.closing, c.graceful
			c.mu.Unlock()
			return pkts, closing, graceful
		}
		if c.closing {
			c.mu.Unlock()
			return nil, true, true
		}
		c.mu.Unlock()
		<-c.wake
	}
}

// poll answers a long-polling GET with what is queued, waiting for it.
func (c *conn) poll(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	if c.transport != "polling" {
		c.mu.Unlock()
		eioError(w, errBadRequest)
		return
	}
	if c.polling {
		c.mu.Unlock()
		c.close("overlapping polls", false)
		eioError(w, errBadRequest)
		return
	}
	c.polling = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.polling = false
		c.mu.Unlock()
	}()
	for {
		c.mu.Lock()
		switch {
		case c.closing && !c.graceful:
			c.markCloseSent()
			c.mu.Unlock()
			writePollResponse(w, []packet{{typ: eioClose}})
			return
		case len(c.queue) > 0:
			pkts := c.queue
			c.dropQueueLocked()
			if c.closing {
				pkts = append(pkts, packet{typ: eioClose})
				c.markCloseSent()
			}
			c.mu.Unlock()
			writePollResponse(w, pkts)
			return
		case c.closing:
			c.markCloseSent()
			c.mu.Unlock()
			writePollResponse(w, []packet{{typ: eioClose}})
			return
		case c.upgrading || c.transport != "polling":
			c.mu.Unlock()
			writePollResponse(w, []packet{{typ: eioNoop}})
			return
		}
		c.mu.Unlock()
		select {
		case <-c.wake:
		case <-r.Context().Done():
			// As engine.io: a poll closed prematurely ends the transport.
			c.close("transport error", false)
			return
		}
	}
}

// markCloseSent records, with c.mu held, that a poll carries the close packet.
func (c *conn) markCloseSent() {
	if !c.closeSent {
		c.closeSent = true
		close(c.closeDelivered)
	}
}

func writePollResponse(w http.ResponseWriter, pkts []packet) {
	body := encodePayload(pkts)
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}

// receivePost reads the packets of a long-polling POST.
func (c *conn) receivePost(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	if c.posting {
		c.mu.Unlock()
		c.close("overlapping posts", false)
		eioError(w, errBadRequest)
		return
	}
	c.posting = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.posting = false
		c.mu.Unlock()
	}()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(c.srv.opts.MaxMessageBytes)))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			c.close("message too big", false)
			httpError(w, http.StatusRequestEntityTooLarge, "payload too large")
			return
		}
		c.close("transport error", false)
		eioError(w, errBadRequest)
		return
	}
	pkts, err := decodePayload(body)
	if err != nil {
		c.close("parse error", false)
		eioError(w, errBadRequest)
		return
	}
	for _, p := range pkts {
		if !c.receive(p) {
			break
		}
	}
	w.Header().Set("Content-Type", "text/html")
	_, _ = io.WriteString(w, "ok")
}

// receive handles one incoming Engine.IO packet; false when the connection
// is closed.
func (c *conn) receive(p packet) bool {
	switch p.typ {
	case eioClose:
		c.close("transport close", false)
		return false
	case eioPong:
		select {
		case c.pong <- struct{}{}:
		default:
		}
	case eioPing:
		c.send(packet{typ: eioPong, data: p.data})
	case eioMessage:
		c.inMu.Lock()
		err := c.srv.receiveMessage(c, p)
		c.inMu.Unlock()
		if err != nil {
			c.srv.log.Debug("realtime: bad packet", "sid", c.sid, "err", err)
			c.close("parse error", false)
			return false
		}
	case eioNoop, eioUpgrade:
	default:
		c.close("parse error", false)
		return false
	}
	select {
	case <-c.closeCh:
		return false
	default:
		return true
	}
}

// send queues packets, all or none; a connection whose queue would exceed
// its bounds (its own, or its part of the shared one) is closed instead.
func (c *conn) send(pkts ...packet) {
	n := 0
	for _, p := range pkts {
		n += p.size()
	}
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	queued := c.queued
	fits := queued+n <= c.srv.opts.SendBufferBytes && len(c.queue)+len(pkts) <= c.srv.opts.SendBufferPackets
	if more := c.srv.pastShare(queued+n) - c.srv.pastShare(queued); fits && more > 0 &&
		c.srv.shared.Add(more) > int64(c.srv.opts.SendBufferShared) {
		c.srv.shared.Add(-more)
		fits = false
	}
	if !fits {
		c.mu.Unlock()
		c.srv.log.Warn("realtime: send buffer full, connection dropped", "sid", c.sid, "queuedBytes", queued)
		c.close("send buffer overflow", false)
		return
	}
	c.queue = append(c.queue, pkts...)
	c.queued += n
	c.peakQueued = max(c.peakQueued, c.queued)
	c.mu.Unlock()
	c.signal()
}

// dropQueueLocked empties the queue (handed out, or never to be), giving
// back its part of the shared bound. The caller holds c.mu.
func (c *conn) dropQueueLocked() {
	c.srv.shared.Add(-c.srv.pastShare(c.queued))
	c.queue, c.queued = nil, 0
}

// pastShare is what a backlog of queued bytes takes from the shared bound:
// what passes a connection's own share, one message and a little.
func (s *Server) pastShare(queued int) int64 {
	return int64(max(0, queued-(s.opts.MaxMessageBytes+4<<10)))
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *conn) transportName() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.transport
}

// close starts closing the connection; graceful sends what is queued
// first, else a WebSocket is cut at once (a writer blocked on a client
// that does not read is released). It never blocks and may be called with
// srv.mu held.
func (c *conn) close(reason string, graceful bool) {
	c.mu.Lock()
	if c.closing {
		if graceful || !c.graceful {
			c.mu.Unlock()
			return
		}
		c.graceful = false
		c.markCloseSent() // finish need not wait for a poll any more
	} else {
		c.closing = true
		c.graceful = graceful
		c.closeReason = reason
		close(c.closeCh)
	}
	if !graceful {
		c.dropQueueLocked() // never to be sent: its bytes are free now
	}
	raw := c.raw
	c.mu.Unlock()
	c.signal()
	if !graceful && raw != nil {
		_ = raw.Close()
	}
}

// cut closes the connection at once, its WebSocket without a handshake.
func (c *conn) cut() {
	c.close("server shutting down", false)
	c.mu.Lock()
	raw, probe := c.raw, c.probe
	c.mu.Unlock()
	if raw != nil {
		_ = raw.Close()
	}
	if probe != nil {
		_ = probe.Close()
	}
}

// run is the connection's heartbeat and connect timeout; when the
// connection closes, it removes it from the server.
func (c *conn) run() {
	s := c.srv
	defer s.wg.Done()
	connectTimer := time.NewTimer(s.opts.ConnectTimeout)
	defer connectTimer.Stop()
	pingTimer := time.NewTimer(s.opts.PingInterval)
	defer pingTimer.Stop()
	var pongTimeout <-chan time.Time
	for {
		select {
		case <-c.closeCh:
			s.removeConn(c)
			c.finish()
			return
		case <-connectTimer.C:
			if !c.connected.Load() {
				c.close("connect timeout", false)
			}
		case <-pingTimer.C:
			c.send(packet{typ: eioPing})
			pongTimeout = time.After(s.opts.PingTimeout)
		case <-c.pong:
			if pongTimeout != nil {
				pongTimeout = nil
				pingTimer.Reset(s.opts.PingInterval)
			}
		case <-pongTimeout:
			c.close("ping timeout", false)
		}
	}
}

// finish ends what is left of a closed connection. A polling session
// closed gracefully is kept, for a while, until a poll has carried its
// close packet.
func (c *conn) finish() {
	c.mu.Lock()
	reason := c.closeReason
	// As engine.io's polling transport: not once a probe was answered (the
	// client polls no more), else for as long as its close timeout.
	wait := c.transport == "polling" && c.graceful && !c.closeSent && !c.discarded
	c.mu.Unlock()
	c.srv.log.Debug("realtime: engine closed", "sid", c.sid, "reason", reason)
	if wait {
		t := time.NewTimer(c.srv.opts.PingTimeout)
		select {
		case <-c.closeDelivered:
		case <-t.C:
		}
		t.Stop()
	}
	c.srv.mu.Lock()
	if c.srv.sessions[c.sid] == c {
		delete(c.srv.sessions, c.sid)
	}
	c.srv.mu.Unlock()
	c.mu.Lock()
	c.dropQueueLocked() // what was never sent
	c.mu.Unlock()
	c.cancel()
}
