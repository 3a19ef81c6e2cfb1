package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/altogic-emulator/altogic-emulator/fixtures"
	"github.com/altogic-emulator/altogic-emulator/internal/realtime"
)

// Realtime: the client's realtime manager (socket.io) on the emulator's own
// port, at /socket.io/, with user events from the auth calls and channels
// between the connections of an environment (internal/realtime speaks the
// protocol). A connection's handshake names its environment (envId) and
// carries the client key and, optionally, a session: with a live session
// it receives that user's events.

// Realtime limits, like the REST API's: connections (Engine.IO sessions,
// connected or not) of the whole emulator, connections and channels of one
// environment, one message.
const (
	maxRealtimeSessions    = 1000
	maxRealtimeConnections = 200
	maxRealtimeChannels    = 1000
	maxRealtimeMessage     = 64 << 10
)

// newRealtime makes the realtime server of e.
func (e *Emulator) newRealtime() *realtime.Server {
	return realtime.New(realtime.Options{
		Authenticate:         e.authenticateRealtime,
		MaxSessions:          maxRealtimeSessions,
		MaxConnectionsPerEnv: maxRealtimeConnections,
		MaxChannelsPerEnv:    maxRealtimeChannels,
		MaxMessageBytes:      maxRealtimeMessage,
		Logger:               e.log,
		OnEvent:              e.recordRealtime,
	})
}

// authenticateRealtime decides a new realtime connection from its
// handshake: the environment (envId, as /e:{envId} names one; "default"
// when empty), the client key as the REST API checks it, and the session,
// whose user's events the connection then receives. A session that is not
// live gives a connection without user events, as no session does.
func (e *Emulator) authenticateRealtime(r *http.Request, auth map[string]any) (realtime.Identity, error) {
	str := func(k string) string { s, _ := auth[k].(string); return strings.TrimSpace(s) }
	envID := str("envId")
	if envID == "" {
		envID = DefaultEnvironment
	}
	if !fixtures.ValidEnvID(envID) {
		return realtime.Identity{}, realtimeRefusal(errInvalidEnvironment(envID))
	}
	if err := e.checkKey(str("clientKey")); err != nil {
		return realtime.Identity{}, realtimeRefusal(err)
	}
	en, err := e.useEnvironment(envID)
	if err != nil {
		return realtime.Identity{}, realtimeRefusal(err)
	}
	defer e.doneWith(en, true)
	id := realtime.Identity{EnvID: envID}
	token := str("Session")
	if token == "" {
		return id, nil
	}
	en.mu.Lock()
	defer en.mu.Unlock()
	s, _ := en.sessions.get(token)
	if s == nil || s.expiredAt(en.clock.now(e.clock)) || en.users[s.userID] == nil {
		e.log.Debug("realtime connection without user events: the session is not live", "env", envID)
		return id, nil
	}
	id.UserID, id.Session, id.SessionToken = s.userID, json.RawMessage(s.appendJSON(nil)), s.token
	return id, nil
}

// realtimeRefusal turns an API error into the connect_error a client
// receives: its message, and the error item as data.
func realtimeRefusal(err error) error {
	var ae *apiError
	if errors.As(err, &ae) && len(ae.items) > 0 {
		return &realtime.ConnectError{Message: ae.items[0].Message, Data: ae.items[0]}
	}
	return err
}

// userEvent is a realtime user event a call sends, delivered from the
// outbox after the call commits.
type userEvent struct {
	userID, event string
	session       json.RawMessage // or nil
	token         string          // the session's token, or ""
}

// sendUserEvent puts a user event in the call's outbox; s is the session
// that caused it, or nil. An event for a user with no connection is not
// built: the hot calls (sign-in) pay for it only when someone listens.
func (c *call) sendUserEvent(u *user, event string, s *session) {
	if u == nil || !c.e.rt.HasUser(c.env.id, u.id) {
		return
	}
	ev := userEvent{userID: u.id, event: event}
	if s != nil {
		ev.session, ev.token = json.RawMessage(s.appendJSON(nil)), s.token
	}
	c.out.events = append(c.out.events, ev)
}

// emitUserEvent delivers one user event to the user's connections.
func (e *Emulator) emitUserEvent(en *env, ev userEvent) {
	var session any // a nil session is JSON null
	if ev.session != nil {
		session = ev.session
	}
	e.rt.EmitUserEvent(en.id, ev.userID, ev.event, session)
	// A connection whose session ended, or whose user is gone, gets no
	// more of that user's events (after this last one).
	switch ev.event {
	case "user:signout":
		e.rt.Unbind(en.id, func(id realtime.Identity) bool { return id.SessionToken == ev.token })
	case "user:delete":
		e.rt.Unbind(en.id, func(id realtime.Identity) bool { return id.UserID == ev.userID })
	}
}

// getMembers is POST /_api/rest/v1/realtime/get-members with {channel}:
// the channel's members, as the client's realtime.getMembers reads them.
func (e *Emulator) getMembers(c *call) (any, error) {
	var b struct {
		Channel string `json:"channel"`
	}
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	return e.rt.Members(c.envID, b.Channel), nil
}

// realtimeEvent is a realtime event as the control plane shows it.
type realtimeEvent struct {
	Time    time.Time       `json:"time"`
	Event   string          `json:"event"`
	UserID  string          `json:"userId,omitempty"`
	Channel string          `json:"channel,omitempty"`
	From    string          `json:"from,omitempty"`
	To      []string        `json:"to"`
	Args    json.RawMessage `json:"args"`
}

// Bounds of the realtime log: entries per environment, and bytes of the
// arguments kept of each (longer ones are replaced by a note).
const (
	realtimeLogLimit = 100
	maxRealtimeArgs  = 512
	maxRealtimeName  = 256 // of an event or a channel
	maxRealtimeTo    = 20  // recipients listed
)

func newRealtimeLog(acct *account) *chargedLog[realtimeEvent] {
	return newChargedLog(realtimeLogLimit, acct, realtimeEvent.size)
}

func (ev realtimeEvent) size() int64 {
	n := itemOverhead + textSize(ev.Event, ev.UserID, ev.Channel, ev.From) + int64(len(ev.Args))
	for _, id := range ev.To {
		n += textSize(id) + 16
	}
	return n
}

// realtimeFilter selects events; an empty field matches all.
type realtimeFilter struct{ event, userID, channel string }

func (f realtimeFilter) match(ev realtimeEvent) bool {
	return (f.event == "" || f.event == ev.Event) && (f.userID == "" || f.userID == ev.UserID) &&
		(f.channel == "" || f.channel == ev.Channel)
}

// recordRealtime notes a delivered realtime event in its environment's
// log, with its arguments cut to a bounded size.
func (e *Emulator) recordRealtime(d realtime.Delivery) {
	en := e.lookupEnvironment(d.EnvID)
	if en == nil {
		return
	}
	args, err := json.Marshal(d.Args)
	if err != nil || len(args) > maxRealtimeArgs {
		args, _ = json.Marshal([]string{fmt.Sprintf("(arguments of %d bytes, not kept)", len(args))})
	}
	to := append([]string{}, d.To[:min(len(d.To), maxRealtimeTo)]...)
	en.realtime.add(realtimeEvent{Time: en.clock.now(e.clock), Event: strings.Clone(truncate(d.Event, maxRealtimeName)), UserID: d.UserID,
		Channel: strings.Clone(truncate(d.Channel, maxRealtimeName)), From: d.From, To: to, Args: args})
}
