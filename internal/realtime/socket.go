package realtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// sock is the Socket.IO socket of a connection: who it is and what it has
// joined. Guarded by Server.mu.
type sock struct {
	id          string
	seq         uint64
	identity    Identity
	echo        bool    // auth.echoMessages
	profile     profile // the data of the last update
	hasProfile  bool
	channels    []string // in join order
	connectedAt time.Time
}

// receiveMessage handles an Engine.IO message: a Socket.IO packet, or an
// attachment of a binary one. Called with c.inMu held.
func (s *Server) receiveMessage(c *conn, p packet) error {
	if c.partial != nil {
		if !p.binary {
			return errors.New("text packet while attachments are awaited")
		}
		c.attSize += len(p.data)
		if c.attSize > s.opts.MaxMessageBytes {
			return errors.New("attachments over MaxMessageBytes")
		}
		c.atts = append(c.atts, p.data)
		if len(c.atts) < c.partial.attachments {
			return nil
		}
		pk := *c.partial
		data, err := reconstruct(pk.data, c.atts)
		c.partial, c.atts, c.attSize = nil, nil, 0
		if err != nil {
			return err
		}
		pk.data = data
		return s.receivePacket(c, pk)
	}
	if p.binary {
		return errors.New("binary packet without a packet to attach to")
	}
	pk, err := decodeSIO(p.data)
	if err != nil {
		return err
	}
	if pk.attachments > 0 {
		c.partial = &pk
		c.attSize = len(p.data)
		return nil
	}
	return s.receivePacket(c, pk)
}

func (s *Server) receivePacket(c *conn, pk sioPacket) error {
	switch pk.typ {
	case sioConnect:
		if pk.nsp != "/" {
			// Altogic has the main namespace only.
			data, _ := json.Marshal(map[string]string{"message": "Invalid namespace"})
			c.send(packet{typ: eioMessage, data: fmt.Appendf(nil, "%c%s,%s", sioConnectError, pk.nsp, data)})
			return nil
		}
		if c.connected.Load() {
			return nil
		}
		auth, _ := pk.data.(map[string]any)
		if auth == nil {
			auth = map[string]any{}
		}
		s.connect(c, auth)
	case sioDisconnect:
		if pk.nsp == "/" && c.connected.Load() {
			c.close("client namespace disconnect", false)
		}
	case sioEvent, sioBinaryEvent:
		if pk.nsp != "/" || !c.connected.Load() {
			return nil
		}
		args := pk.data.([]any)
		if name, ok := args[0].(string); ok {
			s.onEvent(c, name, args[1:], pk.ackID)
		}
	}
	return nil
}

// connect authenticates a socket and, unless refused, registers it in its
// environment and answers CONNECT with its id.
func (s *Server) connect(c *conn, auth map[string]any) {
	id, err := s.authenticate(c.req, auth)
	if err == nil && id.EnvID == "" {
		err = refusal("Realtime Connection Error - No Environment Found", "no_environment_found",
			"Cannot identify the execution environment of the app version.")
	}
	if err != nil {
		s.refuse(c, err)
		return
	}
	s.mu.Lock()
	if s.closed || c.isClosing() {
		s.mu.Unlock()
		return
	}
	e := s.envs[id.EnvID]
	if limit := s.opts.MaxConnectionsPerEnv; limit > 0 && e != nil && len(e.sockets) >= limit {
		s.mu.Unlock()
		s.refuse(c, refusal("Realtime Connection Error - Too Many Connections", "too_many_connections",
			"The environment has "+strconv.Itoa(limit)+" realtime connections, its limit."))
		return
	}
	if e == nil {
		e = &env{sockets: map[string]*conn{}, users: map[string]map[string]*conn{}, channels: map[string]*channel{}}
		s.envs[id.EnvID] = e
	}
	s.seq++
	k := &sock{
		id:          newID(),
		seq:         s.seq,
		identity:    id,
		echo:        truthy(auth["echoMessages"]),
		connectedAt: time.Now(),
	}
	c.sock = k
	e.sockets[k.id] = c
	if id.UserID != "" {
		if e.users[id.UserID] == nil {
			e.users[id.UserID] = map[string]*conn{}
		}
		e.users[id.UserID][k.id] = c
	}
	pkts, _ := encodeSIO(sioConnect, -1, map[string]any{"sid": k.id})
	c.send(pkts...)
	c.connected.Store(true)
	s.mu.Unlock()
	s.log.Debug("realtime: connected", "env", id.EnvID, "user", id.UserID, "socket", k.id, "transport", c.transportName())
}

func (s *Server) authenticate(r *http.Request, auth map[string]any) (Identity, error) {
	if s.opts.Authenticate == nil {
		envID, _ := auth["envId"].(string)
		return Identity{EnvID: envID}, nil
	}
	return s.opts.Authenticate(r, auth)
}

// refusal is a ConnectError in the shape of Altogic's realtime errors.
func refusal(message, code, details string) *ConnectError {
	return &ConnectError{Message: message, Data: map[string]any{
		"origin": "client_error", "code": code, "message": details,
	}}
}

// refuse answers CONNECT with CONNECT_ERROR; the client gets a
// connect_error and closes the connection itself.
func (s *Server) refuse(c *conn, err error) {
	body := map[string]any{"message": err.Error()}
	var ce *ConnectError
	if errors.As(err, &ce) && ce.Data != nil {
		body["data"] = ce.Data
	}
	pkts, encErr := encodeSIO(sioConnectError, -1, body)
	if encErr != nil {
		pkts, _ = encodeSIO(sioConnectError, -1, map[string]any{"message": err.Error()})
	}
	c.send(pkts...)
	s.log.Debug("realtime: connection refused", "sid", c.sid, "reason", err.Error())
}

func (c *conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

// truthy is JavaScript's truthiness of a decoded JSON value.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case json.Number:
		f, err := x.Float64()
		return err == nil && f != 0
	case float64:
		return x != 0
	}
	return true
}

// echoOf is `payload.echo ?? socket.data.echo`, Altogic's echo rule.
func echoOf(payload map[string]any, k *sock) bool {
	if v, ok := payload["echo"]; ok && v != nil {
		return truthy(v)
	}
	return k.echo
}

// memberMessage is {id, data} of a member, data left out when never set.
func memberMessage(k *sock) map[string]any {
	m := map[string]any{"id": k.id}
	if k.hasProfile {
		m["data"] = k.profile.value()
	}
	return m
}

// onEvent handles an event a client emitted: join, leave, message,
// update, and members (with an acknowledgement). Others are ignored.
func (s *Server) onEvent(c *conn, name string, args []any, ackID int64) {
	var payload map[string]any
	if len(args) > 0 {
		payload, _ = args[0].(map[string]any)
	}
	if payload == nil {
		s.log.Debug("realtime: event without an object payload", "sid", c.sid, "event", name)
		return
	}
	var ds []Delivery
	s.mu.Lock()
	k := c.sock
	e := s.envs[k.identity.EnvID]
	if e == nil || e.sockets[k.id] != c {
		s.mu.Unlock()
		return
	}
	switch name {
	case "join":
		ds = s.join(e, c, payload)
	case "leave":
		ds = s.leave(e, c, payload)
	case "message":
		ds = s.message(e, c, payload)
	case "update":
		ds = s.update(e, c, payload)
	case "members":
		s.membersAck(c, payload, ackID)
	default:
		s.log.Debug("realtime: unknown event ignored", "sid", c.sid, "event", name)
	}
	s.mu.Unlock()
	s.notify(ds...)
}

// channelEvent queues a channel:* event to conns and describes it.
func channelEvent(envID, event, ch string, from *sock, to []*conn) Delivery {
	payload := map[string]any{"channel": ch, "message": memberMessage(from)}
	pkts, _ := encodeSIO(sioEvent, -1, []any{event, payload})
	return Delivery{EnvID: envID, Event: event, Args: []any{payload}, Channel: ch, From: from.id, To: sendAll(to, pkts)}
}

// maxChannelName bounds a channel's name in bytes, maxSocketChannels the
// channels one connection joins: what a connection keeps stays small.
const (
	maxChannelName    = 256
	maxSocketChannels = 100
)

func (s *Server) join(e *env, c *conn, payload map[string]any) []Delivery {
	k := c.sock
	name, ok := payload["channel"].(string)
	if !ok || name == "" || slices.Contains(k.channels, name) {
		return nil
	}
	if len(name) > maxChannelName || len(k.channels) >= maxSocketChannels {
		s.log.Debug("realtime: join refused, channel name or count over the limit", "env", k.identity.EnvID, "socket", k.id, "limit", maxSocketChannels)
		return nil
	}
	ch := e.channels[name]
	if ch == nil {
		if limit := s.opts.MaxChannelsPerEnv; limit > 0 && len(e.channels) >= limit {
			s.log.Warn("realtime: join refused, channel limit reached", "env", k.identity.EnvID, "socket", k.id, "channel", name, "limit", limit)
			return nil
		}
		ch = &channel{}
		e.channels[name] = ch
	}
	to := slices.Clone(ch.members)
	ch.members = append(ch.members, c)
	k.channels = append(k.channels, name)
	if echoOf(payload, k) {
		to = append(to, c)
	}
	return []Delivery{channelEvent(k.identity.EnvID, "channel:join", name, k, to)}
}

func (s *Server) leave(e *env, c *conn, payload map[string]any) []Delivery {
	k := c.sock
	name, ok := payload["channel"].(string)
	if !ok || !slices.Contains(k.channels, name) {
		return nil
	}
	to := removeMember(e, c, name)
	if echoOf(payload, k) {
		to = append(to, c)
	}
	return []Delivery{channelEvent(k.identity.EnvID, "channel:leave", name, k, to)}
}

// removeMember takes c out of a channel and returns the members left.
func removeMember(e *env, c *conn, name string) []*conn {
	k := c.sock
	k.channels = slices.DeleteFunc(k.channels, func(n string) bool { return n == name })
	ch := e.channels[name]
	if ch == nil {
		return nil
	}
	ch.members = slices.DeleteFunc(ch.members, func(m *conn) bool { return m == c })
	if len(ch.members) == 0 {
		delete(e.channels, name)
		return nil
	}
	return slices.Clone(ch.members)
}

func (s *Server) message(e *env, c *conn, payload map[string]any) []Delivery {
	k := c.sock
	event, ok := payload["eventName"].(string)
	if !ok || event == "" {
		return nil
	}
	if reservedEvent(event) {
		s.log.Warn("realtime: message with a reserved event name not relayed", "socket", k.id, "event", event)
		return nil
	}
	echo := echoOf(payload, k)
	out := map[string]any{"channel": nil}
	if m, ok := payload["message"]; ok {
		out["message"] = m
	}
	var to []*conn
	chName := ""
	if truthy(payload["channel"]) {
		name, ok := payload["channel"].(string)
		if !ok {
			return nil
		}
		chName = name
		out["channel"] = name
		if ch := e.channels[name]; ch != nil {
			to = slices.Clone(ch.members)
		}
	} else {
		for _, m := range e.sockets {
			to = append(to, m)
		}
		sortConns(to)
	}
	if !echo {
		to = slices.DeleteFunc(to, func(m *conn) bool { return m == c })
	}
	pkts, err := encodeSIO(sioEvent, -1, []any{event, out})
	if err != nil {
		return nil
	}
	return []Delivery{{EnvID: k.identity.EnvID, Event: event, Args: []any{out}, Channel: chName, From: k.id, To: sendAll(to, pkts)}}
}

func (s *Server) update(e *env, c *conn, payload map[string]any) []Delivery {
	k := c.sock
	if data, ok := payload["data"]; ok {
		p, fits := newProfile(data)
		if !fits {
			return nil // neither kept nor sent (docs/realtime.md#limits)
		}
		k.profile, k.hasProfile = p, true
	} else {
		k.profile, k.hasProfile = profile{}, false
	}
	echo := echoOf(payload, k)
	var ds []Delivery
	for _, name := range k.channels {
		ch := e.channels[name]
		if ch == nil {
			continue
		}
		to := slices.Clone(ch.members)
		if !echo {
			to = slices.DeleteFunc(to, func(m *conn) bool { return m == c })
		}
		ds = append(ds, channelEvent(k.identity.EnvID, "channel:update", name, k, to))
	}
	return ds
}

// membersAck answers the "members" event (the Dart client's getMembers)
// with the channel's members.
func (s *Server) membersAck(c *conn, payload map[string]any, ackID int64) {
	if ackID < 0 {
		return
	}
	name, _ := payload["channel"].(string)
	list := []any{}
	for _, m := range s.membersLocked(c.sock.identity.EnvID, name) {
		entry := map[string]any{"id": m.ID}
		if m.HasData {
			entry["data"] = m.Data
		}
		list = append(list, entry)
	}
	pkts, err := encodeSIO(sioAck, ackID, []any{list})
	if err == nil {
		c.send(pkts...)
	}
}

// removeConn takes a closed connection's socket out of its environment;
// the members of its channels are told with channel:leave.
func (s *Server) removeConn(c *conn) {
	var ds []Delivery
	s.mu.Lock()
	k := c.sock
	if k != nil {
		envID := k.identity.EnvID
		if e := s.envs[envID]; e != nil && e.sockets[k.id] == c {
			for _, name := range slices.Clone(k.channels) {
				if to := removeMember(e, c, name); len(to) > 0 {
					ds = append(ds, channelEvent(envID, "channel:leave", name, k, to))
				}
			}
			delete(e.sockets, k.id)
			if u := e.users[k.identity.UserID]; u != nil {
				delete(u, k.id)
				if len(u) == 0 {
					delete(e.users, k.identity.UserID)
				}
			}
			if len(e.sockets) == 0 {
				delete(s.envs, envID)
			}
		}
	}
	s.mu.Unlock()
	if k != nil {
		c.mu.Lock()
		reason := c.closeReason
		c.mu.Unlock()
		s.log.Debug("realtime: disconnected", "env", k.identity.EnvID, "socket", k.id, "reason", reason)
	}
	s.notify(ds...)
}

// maxProfileBytes bounds a member's data (of its last update): its JSON
// and its Buffers. A larger update is neither kept nor sent.
const maxProfileBytes = 16 << 10

// profile is a socket's data, kept encoded, as socket.io sends it (JSON,
// with its Buffers apart): decoded Go values would cost twenty times the
// bytes of their JSON, for as long as the connection lasts.
type profile struct {
	json json.RawMessage
	atts [][]byte
}

// newProfile encodes v, or reports that it is larger than maxProfileBytes.
func newProfile(v any) (profile, bool) {
	var atts [][]byte
	b, err := json.Marshal(deconstruct(v, &atts))
	n := len(b)
	for _, a := range atts {
		n += len(a)
	}
	if err != nil || n > maxProfileBytes {
		return profile{}, false
	}
	return profile{json: b, atts: atts}, true
}

// value decodes the profile afresh, for one message.
func (p profile) value() any {
	dec := json.NewDecoder(bytes.NewReader(p.json))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	v, err := reconstruct(v, p.atts)
	if err != nil {
		return nil
	}
	return v
}
