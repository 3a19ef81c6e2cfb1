package emulator

import (
	"testing"
)

// Sessions are bounded like tokens: a suite that signs in a million times
// keeps the newest TokenLimit sessions per environment, and signing out
// does not leave the order of a long-lived session's successors behind.
func TestSessionsAreBounded(t *testing.T) {
	h := newHarnessWith(t, Options{TokenLimit: 3})
	var tokens []string
	for range 5 {
		tokens = append(tokens, h.signInEmail(verified, "Passw0rd!").Session.Token)
	}
	en := h.em.mustEnv(t, DefaultEnvironment)
	if n := en.sessions.len(); n != 3 {
		t.Fatalf("%d sessions kept, want the limit 3", n)
	}
	for _, old := range tokens[:2] {
		h.api("GET", "/user", old, nil).wantError(t, 401, "invalid_session_token", "")
	}
	for _, kept := range tokens[2:] {
		h.api("GET", "/user", kept, nil).wantStatus(t, 200)
	}

	// One session stays; thousands come and go after it.
	h.api("POST", "/signout-all", tokens[4], nil).wantStatus(t, 200)
	stays := h.signInEmail(verified, "Passw0rd!").Session.Token
	for range 3000 {
		s := h.signInEmail(verified, "Passw0rd!").Session.Token
		h.api("POST", "/signout", s, nil).wantStatus(t, 200)
	}
	h.api("GET", "/user", stays, nil).wantStatus(t, 200)
	if n, held := en.sessions.len(), len(en.sessions.order)-en.sessions.head; n != 1 || held > 2*n+1024 {
		t.Fatalf("%d sessions, %d keys held in the order", n, held)
	}
}
