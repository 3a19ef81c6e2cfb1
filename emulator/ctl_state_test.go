package emulator

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestStateRoundTrip(t *testing.T) {
	h := newHarness(t, nil)
	// Make state of every kind: a changed password, sessions, a pending
	// link, an access token, codes, user data, a moved clock.
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	token := h.follow(h.latestEmail("", verified, "reset-pwd").Link).Query().Get("access_token")
	h.api("POST", "/signup-email", "", map[string]any{"email": "new@example.com", "password": "Passw0rd!", "nameOrUserData": map[string]any{"plan": "pro", "seats": 3}}).wantStatus(t, 200)
	pendingLink := h.latestEmail("", "new@example.com", "email-confirm").Link
	h.api("POST", "/send-reset-code?phone=%2B15555555555", "", nil).wantStatus(t, 200)
	code := h.latestSMS("", "+15555555555", "reset-pwd-code").Code
	session := h.signInEmail(verified, "Passw0rd!").Session.Token
	h.do("POST", "/_emulator/clock", nil, map[string]any{"advance": "5m"}).wantStatus(t, 200)
	h.patchConfig("", map[string]any{"redirectUrl": "myapp://auth"})

	exported := h.do("GET", "/_emulator/state", nil, nil).wantStatus(t, 200)
	if strings.Contains(string(exported.body), "Passw0rd!") {
		t.Fatal("the state holds a plain password")
	}
	h.do("PUT", "/e:copy/_emulator/state", nil, exported.body).wantStatus(t, 204)
	again := h.do("GET", "/e:copy/_emulator/state", nil, nil).wantStatus(t, 200)
	var a, b any
	json.Unmarshal(exported.body, &a)
	json.Unmarshal(again.body, &b)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("round trip lost something:\n%s\n%s", exported.body, again.body)
	}

	// The copy behaves as the original would.
	h.envAPI("copy", "GET", "/user", session, nil).wantStatus(t, 200)
	h.envAPI("copy", "POST", "/reset-pwd?key="+token, "", map[string]string{"newPassword": "N3w-secret"}).wantStatus(t, 200)
	h.envAPI("copy", "POST", "/reset-pwd-code?phone=%2B15555555555&code="+code, "", map[string]string{"newPassword": "N3w-secret"}).wantStatus(t, 200)
	u, _ := url.Parse(pendingLink)
	loc := h.do("GET", "/e:copy"+u.RequestURI(), nil, nil).wantStatus(t, 302).header.Get("Location")
	if !strings.HasPrefix(loc, "myapp://auth?status=200&action=email-confirm") {
		t.Fatalf("pending link in the copy: %s", loc)
	}
	if c := h.clockNow("/e:copy"); c.Offset != "5m0s" {
		t.Fatalf("clock %+v", c)
	}
	var users struct{ Users []map[string]any }
	h.do("GET", "/e:copy/_emulator/users", nil, nil).wantStatus(t, 200).json(t, &users)
	found := false
	for _, u := range users.Users {
		found = found || (u["email"] == "new@example.com" && u["plan"] == "pro" && u["seats"] == float64(3))
	}
	if !found {
		t.Fatalf("user data lost: %v", users.Users)
	}

	h.do("PUT", "/_emulator/state", nil, map[string]any{"version": 99}).wantStatus(t, 400)
	h.do("PUT", "/_emulator/state", nil, []byte(strings.Replace(string(exported.body), `"passwordHash":"`, `"passwordHash":"zz`, 1))).
		wantError(t, 400, "validation_error", "")
	h.api("GET", "/user", session, nil).wantStatus(t, 200) // a rejected import changed nothing
}
