package emulator

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/altogic-emulator/altogic-emulator/fixtures"
	"github.com/altogic-emulator/altogic-emulator/internal/realtime"
)

// A realtime handshake is checked as the REST API checks a request: the
// environment, the client key, the cap on environments; a live session
// binds the connection to its user, another session binds nothing.
func TestAuthenticateRealtime(t *testing.T) {
	fx := fixtures.Default()
	fx.ClientKeys = []string{"good-key"}
	h := newHarnessWith(t, Options{Fixtures: fx, MaxEnvironments: 1})
	r := httptest.NewRequest("GET", "/socket.io/?EIO=4&transport=websocket", nil)
	refusal := func(auth map[string]any, want string) {
		t.Helper()
		_, err := h.em.authenticateRealtime(r, auth)
		var ce *realtime.ConnectError
		if !errors.As(err, &ce) || ce.Message != want {
			t.Fatalf("%v: %v, want the connect_error %q", auth, err, want)
		}
	}
	refusal(map[string]any{"envId": "dev"}, errMissingClientKey.items[0].Message)
	refusal(map[string]any{"envId": "dev", "clientKey": "bad"}, errInvalidClientKey.items[0].Message)
	refusal(map[string]any{"envId": "../x", "clientKey": "good-key"}, errInvalidEnvironment("../x").items[0].Message)

	var s signedIn
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "good-key", "Content-Type": "application/json"},
		map[string]string{"email": verified, "password": "Passw0rd!"}).wantStatus(t, 200).json(t, &s)
	id, err := h.em.authenticateRealtime(r, map[string]any{"envId": "", "clientKey": "good-key", "Session": s.Session.Token})
	if err != nil || id.EnvID != DefaultEnvironment || id.UserID != s.User["_id"] || id.Session == nil {
		t.Fatalf("a live session: %+v %v", id, err)
	}
	id, err = h.em.authenticateRealtime(r, map[string]any{"envId": "dev", "clientKey": "good-key", "Session": "not-a-session"})
	if err != nil || id.EnvID != "dev" || id.UserID != "" {
		t.Fatalf("an unknown session: %+v %v", id, err)
	}
	// dev holds the one environment beside default: another is beyond the cap.
	_, err = h.em.authenticateRealtime(r, map[string]any{"envId": "third", "clientKey": "good-key"})
	var ce *realtime.ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("an environment beyond the cap: %v", err)
	}
}

// User events are built only for users someone listens to: with no
// connection, a sign-in queues nothing for the realtime server.
func TestNoUserEventWithoutAListener(t *testing.T) {
	h := newHarness(t, nil)
	c := &call{e: h.em, env: h.em.mustEnv(t, DefaultEnvironment)}
	u := c.env.userByEmailLocked(verified)
	c.sendUserEvent(u, "user:update", nil)
	if len(c.out.events) != 0 {
		t.Fatalf("events %v", c.out.events)
	}
}
