package emulator

import (
	"net/url"
	"testing"
)

// Users are never dropped, so their number is capped: every way of adding
// one answers too_many_users at the limit, and a reset makes room.
func TestUsersAreCapped(t *testing.T) {
	h := newHarnessWith(t, Options{MaxUsers: 5}) // the default fixtures have 5
	want := "The environment already holds 5 users, its limit (--max-users). POST /_emulator/reset or DELETE /_emulator/environment empties it."
	h.api("POST", "/signup-email", "", map[string]string{"email": "new@example.com", "password": "Passw0rd!"}).
		wantError(t, 429, "too_many_users", want)
	h.api("POST", "/signup-phone", "", map[string]string{"phone": "+15555550123", "password": "Passw0rd!"}).
		wantError(t, 429, "too_many_users", want)
	h.do("POST", "/_emulator/users", nil, map[string]any{"email": "made@example.com", "password": "Passw0rd!"}).
		wantError(t, 429, "too_many_users", want)
	to, _ := url.Parse(h.do("GET", "/_auth/google?email=gina@example.com&id=g-1", nil, nil).wantStatus(t, 302).header.Get("Location"))
	if q := to.Query(); q.Get("status") != "429" || q.Get("action") != "oauth-signup" || q.Get("error") != want {
		t.Fatalf("an OAuth sign-up redirected with %v", q)
	}
	// Existing users still sign in; a reset keeps the fixtures' five.
	h.signInEmail(verified, "Passw0rd!")
	h.do("POST", "/_emulator/reset", nil, nil).wantStatus(t, 204)
	if n := len(h.em.mustEnv(t, DefaultEnvironment).users); n != 5 {
		t.Fatalf("%d users after the reset", n)
	}
}
