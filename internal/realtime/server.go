package realtime

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Path is where socket.io clients connect unless told otherwise, and so
// where the altogic client connects: mount the Server there.
const Path = "/socket.io/"

// Options configures a Server. Zero values take the defaults given.
type Options struct {
	// Authenticate decides a new connection from its HTTP request (the
	// Engine.IO handshake request, with Host and Origin; its context ends
	// with the connection) and the handshake auth object the client sent
	// ({echoMessages, subdomain, envId, clientKey, Session} from the
	// altogic client). It answers who it is, or an error whose message the
	// client receives as its connect_error (err.message; a *ConnectError
	// adds err.data). Nil accepts everyone, in the environment auth.envId
	// names, without a user.
	Authenticate func(r *http.Request, auth map[string]any) (Identity, error)

	// MaxConnectionsPerEnv caps the connected sockets of one environment:
	// beyond it a connection is refused with a connect_error. 0: no cap.
	MaxConnectionsPerEnv int
	// MaxSessions caps the Engine.IO sessions of the whole server,
	// connected or not yet: beyond it a handshake is answered 503. It
	// bounds what clients can hold open (WebSockets leave the HTTP
	// server's own connection count once upgraded). 0: no cap.
	MaxSessions int
	// MaxChannelsPerEnv caps the channels (with at least one member) of one
	// environment: a join that would open one more is refused. 0: no cap.
	MaxChannelsPerEnv int
	// MaxMessageBytes caps one incoming WebSocket message, one long-polling
	// request body, and the attachments of one binary packet; a bigger one
	// closes the connection. It is announced to clients as maxPayload.
	// Default 1,000,000 (socket.io's maxHttpBufferSize).
	MaxMessageBytes int

	// SendBufferBytes and SendBufferPackets bound what waits to be sent to
	// one connection: a client that stops reading is closed when it would
	// exceed them, instead of the server holding its backlog. Defaults
	// 8×MaxMessageBytes and 4096.
	SendBufferBytes   int
	SendBufferPackets int
	// SendBufferShared bounds what waits to be sent to all connections
	// together, past each one's own share (one message of MaxMessageBytes
	// and a little): a connection whose backlog would take more than is
	// left is closed, as at its own bound. So clients that do not read
	// hold at most MaxSessions shares and this, not MaxSessions times
	// SendBufferBytes; a client that reads never needs more than its
	// share. Default 64 MiB.
	SendBufferShared int

	// PingInterval and PingTimeout are Engine.IO's heartbeat: the server
	// pings every PingInterval and closes a connection whose pong is not
	// back within PingTimeout. Defaults 25s and 20s, as socket.io's.
	PingInterval time.Duration
	PingTimeout  time.Duration
	// ConnectTimeout closes a connection whose socket has not connected
	// (sent its CONNECT packet) in that time. Default 45s.
	ConnectTimeout time.Duration
	// UpgradeTimeout bounds a polling connection's upgrade to WebSocket,
	// from the probe to the upgrade packet. Default 10s.
	UpgradeTimeout time.Duration
	// WriteTimeout bounds one WebSocket write. Default 10s.
	WriteTimeout time.Duration

	// Logger receives connection and refusal records. Default: discarded.
	Logger *slog.Logger
	// OnEvent, when set, is told of each event the server emits to
	// clients, after it is queued to them. It is called without the
	// server's lock held, from the goroutine that caused the event, and
	// should return quickly.
	OnEvent func(Delivery)
}

// Identity is who a connection is, as Options.Authenticate decides.
type Identity struct {
	EnvID  string
	UserID string // "" for a connection without a user session
	// Session is the session JSON of the connection, or nil. It is kept
	// for Connections.
	Session any
	// SessionToken is the token of that session, for Unbind.
	SessionToken string
}

// ConnectError is an error that Authenticate may return to give the
// client's connect_error a data property beside its message, as socket.io
// middleware errors with err.data do.
type ConnectError struct {
	Message string
	Data    any
}

func (e *ConnectError) Error() string { return e.Message }

// ConnInfo describes a connected socket.
type ConnInfo struct {
	ID          string    `json:"id"`
	UserID      string    `json:"userId,omitempty"`
	Transport   string    `json:"transport"` // "websocket" or "polling"
	Channels    []string  `json:"channels"`  // in join order
	ConnectedAt time.Time `json:"connectedAt"`
	Session     any       `json:"session,omitempty"`
}

// Member is a channel member as the client's getMembers returns it: the
// socket id and the data of its last updateProfile. Data is left out of
// the JSON, as Altogic leaves undefined out, when the member never set it.
type Member struct {
	ID      string
	Data    any
	HasData bool
}

// MarshalJSON renders {"id":…,"data":…}, without data when HasData is false.
func (m Member) MarshalJSON() ([]byte, error) {
	if !m.HasData {
		return json.Marshal(struct {
			ID string `json:"id"`
		}{m.ID})
	}
	return json.Marshal(struct {
		ID   string `json:"id"`
		Data any    `json:"data"`
	}{m.ID, m.Data})
}

// Delivery tells Options.OnEvent of one event emitted to clients.
type Delivery struct {
	EnvID string
	// Event is the name clients receive: user:signin…, channel:join,
	// channel:leave, channel:update, or the eventName of a send or
	// broadcast.
	Event string
	// Args are the arguments after the event name, as sent. Numbers from
	// clients are json.Number and Buffers are Binary.
	Args []any
	// Channel is the channel of a send or a channel:* event; "" for a
	// broadcast or a user event.
	Channel string
	// From is the socket id that caused the event; "" for a user event.
	From string
	// UserID is the user of a user event.
	UserID string
	// To are the socket ids the event was queued to, possibly none.
	To []string
	At time.Time
}

// Server is a Socket.IO 4 server for Altogic's realtime protocol.
// It is an http.Handler; create it with New.
type Server struct {
	opts Options
	log  *slog.Logger

	// shared is what the connections' backlogs take past their own
	// shares, against opts.SendBufferShared.
	shared atomic.Int64

	mu       sync.Mutex
	closed   bool
	sessions map[string]*conn // Engine.IO sessions by sid
	envs     map[string]*env
	seq      uint64
	wg       sync.WaitGroup
}

// env is the realtime state of one environment.
type env struct {
	sockets  map[string]*conn            // by socket id
	users    map[string]map[string]*conn // user id → socket id → conn
	channels map[string]*channel
}

type channel struct {
	members []*conn // in join order
}

// New returns a Server with opts, defaults filled in.
func New(opts Options) *Server {
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = 1_000_000
	}
	if opts.SendBufferBytes <= 0 {
		opts.SendBufferBytes = max(8*opts.MaxMessageBytes, 1<<20)
	}
	if opts.SendBufferPackets <= 0 {
		opts.SendBufferPackets = 4096
	}
	if opts.SendBufferShared <= 0 {
		opts.SendBufferShared = 64 << 20
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = 25 * time.Second
	}
	if opts.PingTimeout <= 0 {
		opts.PingTimeout = 20 * time.Second
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 45 * time.Second
	}
	if opts.UpgradeTimeout <= 0 {
		opts.UpgradeTimeout = 10 * time.Second
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 10 * time.Second
	}
	lg := opts.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	return &Server{
		opts:     opts,
		log:      lg,
		sessions: map[string]*conn{},
		envs:     map[string]*env{},
	}
}

// newID returns a random id in the alphabet of socket.io's ids.
func newID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.URLEncoding.EncodeToString(b[:])
}

// Engine.IO's error codes, answered as JSON {code, message} with status 400
// (403 for Forbidden).
const (
	errUnknownTransport = 0
	errUnknownSid       = 1
	errBadHandshake     = 2
	errBadRequest       = 3
	errForbidden        = 4
	errUnsupported      = 5
)

func eioError(w http.ResponseWriter, code int) {
	message := [...]string{
		"Transport unknown", "Session ID unknown", "Bad handshake method",
		"Bad request", "Forbidden", "Unsupported protocol version",
	}[code]
	status := http.StatusBadRequest
	if code == errForbidden {
		status = http.StatusForbidden
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": message})
}

// httpError answers a refusal that has no Engine.IO code (a body too
// large, the server closed or full) as JSON too, with its HTTP status.
func httpError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"message": message})
}

// ServeHTTP serves Engine.IO 4 requests (long-polling GET and POST, and
// WebSocket upgrades) wherever it is mounted: mount it at Path.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Altogic's realtime server allows any origin (cors origin "*").
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE")
		if rh := r.Header.Get("Access-Control-Request-Headers"); rh != "" {
			h.Set("Access-Control-Allow-Headers", rh)
			h.Add("Vary", "Access-Control-Request-Headers")
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	q := r.URL.Query()
	if q.Get("EIO") != "4" {
		eioError(w, errUnsupported)
		return
	}
	transport := q.Get("transport")
	if transport != "polling" && transport != "websocket" {
		eioError(w, errUnknownTransport)
		return
	}
	isWS := transport == "websocket"
	if isWS && !headerHasToken(r.Header, "Upgrade", "websocket") {
		eioError(w, errBadRequest)
		return
	}

	s.mu.Lock()
	sid := q.Get("sid")
	var c *conn
	if sid != "" {
		c = s.sessions[sid]
		if c == nil {
			s.mu.Unlock()
			eioError(w, errUnknownSid)
			return
		}
	} else if s.closed {
		// Sessions still closing are served (a poll carries their close
		// packet); new ones are not.
		s.mu.Unlock()
		httpError(w, http.StatusServiceUnavailable, "realtime server closed")
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	switch {
	case c == nil && isWS:
		s.handshakeWebSocket(w, r)
	case c == nil && r.Method == http.MethodGet:
		s.handshakePolling(w, r)
	case c == nil:
		eioError(w, errBadHandshake)
	case isWS:
		c.upgrade(w, r)
	case r.Method == http.MethodGet:
		c.poll(w, r)
	case r.Method == http.MethodPost:
		c.receivePost(w, r)
	default:
		eioError(w, errBadRequest)
	}
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range splitComma(v) {
			if equalFold(t, token) {
				return true
			}
		}
	}
	return false
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			t := s[start:i]
			for len(t) > 0 && (t[0] == ' ' || t[0] == '\t') {
				t = t[1:]
			}
			for len(t) > 0 && (t[len(t)-1] == ' ' || t[len(t)-1] == '\t') {
				t = t[:len(t)-1]
			}
			out = append(out, t)
			start = i + 1
		}
	}
	return out
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// register adds a new Engine.IO session and starts its heartbeat; false
// when the server is closed.
func (s *Server) register(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if limit := s.opts.MaxSessions; limit > 0 && len(s.sessions) >= limit {
		s.log.Warn("realtime: handshake refused, session limit reached", "limit", limit)
		return false
	}
	s.sessions[c.sid] = c
	s.wg.Add(1)
	go c.run()
	return true
}

// EmitUserEvent delivers a user event (user:signin, user:signout,
// user:update, user:delete, user:pwdchange, user:emailchange,
// user:phonechange) with its session, or nil, to every connection of that
// user in that environment, in call order, and to no one else. The wire
// event is the event name with the arguments (event, session), which is
// what the client's onUserEvent listener (eventName, session) receives.
func (s *Server) EmitUserEvent(envID, userID, event string, session any) {
	if userID == "" || event == "" || reservedEvent(event) {
		s.log.Warn("realtime: user event not sent", "env", envID, "user", userID, "event", event)
		return
	}
	args := []any{event, session}
	pkts, err := encodeSIO(sioEvent, -1, append([]any{event}, args...))
	if err != nil {
		s.log.Error("realtime: user event not encodable", "env", envID, "event", event, "err", err)
		return
	}
	s.mu.Lock()
	var to []*conn
	if e := s.envs[envID]; e != nil {
		for _, c := range e.users[userID] {
			to = append(to, c)
		}
	}
	sortConns(to)
	ids := sendAll(to, pkts)
	s.mu.Unlock()
	s.notify(Delivery{EnvID: envID, Event: event, Args: args, UserID: userID, To: ids})
}

// Unbind stops the user events of the connections of envID whose identity
// match answers true for (a session that ended, a user deleted): they
// stay connected, without a user.
func (s *Server) Unbind(envID string, match func(Identity) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.envs[envID]
	if e == nil {
		return
	}
	for userID, conns := range e.users {
		for id, c := range conns {
			if match(c.sock.identity) {
				delete(conns, id)
				c.sock.identity.UserID, c.sock.identity.Session = "", nil
			}
		}
		if len(conns) == 0 {
			delete(e.users, userID)
		}
	}
}

// HasUser reports whether a connection of that user is connected in that
// environment: a caller may skip building an event no one would receive.
func (s *Server) HasUser(envID, userID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.envs[envID]
	return e != nil && len(e.users[userID]) > 0
}

// Connections lists the connected sockets of an environment, oldest first.
func (s *Server) Connections(envID string) []ConnInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.envs[envID]
	if e == nil {
		return []ConnInfo{}
	}
	conns := make([]*conn, 0, len(e.sockets))
	for _, c := range e.sockets {
		conns = append(conns, c)
	}
	sortConns(conns)
	out := make([]ConnInfo, 0, len(conns))
	for _, c := range conns {
		k := c.sock
		out = append(out, ConnInfo{
			ID:          k.id,
			UserID:      k.identity.UserID,
			Transport:   c.transportName(),
			Channels:    append([]string{}, k.channels...), // [] when none, never null
			ConnectedAt: k.connectedAt,
			Session:     k.identity.Session,
		})
	}
	return out
}

// Members lists the members of a channel of an environment in join order,
// as the client's getMembers (POST /_api/rest/v1/realtime/get-members with
// {"channel": name}) answers them: [{id, data}]. Never nil.
func (s *Server) Members(envID, channelName string) []Member {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.membersLocked(envID, channelName)
}

func (s *Server) membersLocked(envID, channelName string) []Member {
	out := []Member{}
	e := s.envs[envID]
	if e == nil {
		return out
	}
	ch := e.channels[channelName]
	if ch == nil {
		return out
	}
	for _, c := range ch.members {
		m := Member{ID: c.sock.id, HasData: c.sock.hasProfile}
		if m.HasData {
			m.Data = c.sock.profile.value()
		}
		out = append(out, m)
	}
	return out
}

// CloseEnv closes every connection of an environment, as when it is
// deleted or reset. Their transports close without a Socket.IO disconnect,
// as when a server goes away, so clients try to reconnect and
// Authenticate decides again.
func (s *Server) CloseEnv(envID string) {
	s.mu.Lock()
	e := s.envs[envID]
	var conns []*conn
	if e != nil {
		for _, c := range e.sockets {
			conns = append(conns, c)
		}
		delete(s.envs, envID)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.close("environment closed", true)
	}
}

// Close closes every connection, refuses new requests, and waits for the
// server's goroutines to end, or for ctx, after which connections are cut
// without their close handshakes.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	conns := make([]*conn, 0, len(s.sessions))
	for _, c := range s.sessions {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.close("server shutting down", true)
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	for _, c := range conns {
		c.cut()
	}
	select {
	case <-done:
	case <-time.After(time.Second):
	}
	return ctx.Err()
}

// notify passes deliveries to Options.OnEvent; call without s.mu held.
func (s *Server) notify(ds ...Delivery) {
	if s.opts.OnEvent == nil {
		return
	}
	now := time.Now()
	for _, d := range ds {
		if d.At.IsZero() {
			d.At = now
		}
		if d.To == nil {
			d.To = []string{}
		}
		s.opts.OnEvent(d)
	}
}

// sendAll queues packets to conns and returns their socket ids.
func sendAll(conns []*conn, pkts []packet) []string {
	ids := make([]string, 0, len(conns))
	for _, c := range conns {
		c.send(pkts...)
		ids = append(ids, c.sock.id)
	}
	return ids
}

func sortConns(conns []*conn) {
	slices.SortFunc(conns, func(a, b *conn) int {
		switch {
		case a.sock.seq < b.sock.seq:
			return -1
		case a.sock.seq > b.sock.seq:
			return 1
		}
		return 0
	})
}
