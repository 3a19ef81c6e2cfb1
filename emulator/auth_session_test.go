package emulator

import (
	"testing"
)

func TestSessionsAndSignOutAll(t *testing.T) {
	h := newHarness(t, nil)
	a := h.signInEmail(verified, "Passw0rd!").Session.Token
	h.clock.Advance(1)
	b := h.signInEmail(verified, "Passw0rd!").Session.Token
	c := h.signInEmail(verified, "Passw0rd!").Session.Token
	other := h.signInEmail("both@example.com", "Passw0rd!").Session.Token

	var list []map[string]any
	h.api("GET", "/sessions", b, nil).wantStatus(t, 200).json(t, &list)
	if len(list) != 3 || list[0]["token"] != a {
		t.Fatalf("sessions %v", list)
	}
	h.api("POST", "/signout-all-except", b, nil).wantStatus(t, 200)
	h.api("GET", "/sessions", b, nil).wantStatus(t, 200).json(t, &list)
	if len(list) != 1 || list[0]["token"] != b {
		t.Fatalf("after signout-all-except: %v", list)
	}
	h.api("GET", "/user", a, nil).wantError(t, 401, "invalid_session_token", "")
	d := h.signInEmail(verified, "Passw0rd!").Session.Token
	h.api("POST", "/signout-all", b, nil).wantStatus(t, 200)
	for _, tok := range []string{b, c, d} {
		h.api("GET", "/user", tok, nil).wantError(t, 401, "invalid_session_token", "")
	}
	h.api("GET", "/user", other, nil).wantStatus(t, 200)
	h.api("POST", "/signout-all", "", nil).wantError(t, 401, "missing_session_token", "")
	h.api("GET", "/sessions", "", nil).wantError(t, 401, "missing_session_token", "")
}

func TestChangePassword(t *testing.T) {
	h := newHarness(t, nil)
	s := h.signInEmail(verified, "Passw0rd!").Session.Token
	h.api("POST", "/change-pwd", s, map[string]string{"newPassword": "N3w-secret", "oldPassword": "wrong"}).
		wantError(t, 401, "invalid_credentials", "Invalid credentials. The current password provided is not valid.")
	res := h.api("POST", "/change-pwd", s, map[string]string{"newPassword": "abc", "oldPassword": "Passw0rd!"})
	res.wantError(t, 400, "validation_error", "New password can be at least 6 and at most 50 characters long")
	h.api("POST", "/change-pwd", s, map[string]string{"newPassword": "N3w-secret", "oldPassword": "Passw0rd!"}).wantStatus(t, 200)
	h.signInEmail(verified, "N3w-secret")
	h.api("GET", "/user", s, nil).wantStatus(t, 200) // sessions stay open
	h.api("POST", "/change-pwd", "", map[string]string{"newPassword": "N3w-secret", "oldPassword": "x"}).wantError(t, 401, "missing_session_token", "")
}
