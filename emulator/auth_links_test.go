package emulator

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestVerifyLinkFailures(t *testing.T) {
	h := newHarness(t, nil)
	cases := []struct{ name, path, query string }{
		{"unknown key", "/_auth/verify?key=nope&action=reset-pwd", "status=400&action=reset-pwd&error=Invalid+or+expired+access+token"},
		{"no action", "/_auth/verify?key=nope", "status=400&error=Invalid+or+expired+access+token"},
		{"no key", "/_auth/verify", "status=400&error=Invalid+or+expired+access+token"},
		{"unknown action", "/_auth/verify?key=&action=bogus", "status=400&error=Invalid+or+expired+access+token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := h.with(t).do("GET", c.path, nil, nil).wantStatus(t, http.StatusFound)
			if got := res.header.Get("Location"); got != "http://localhost:3000/auth-redirect?"+c.query {
				t.Errorf("%s redirected to %s", c.path, got)
			}
		})
	}
}

func TestRedirectURLMustNameAPageOrAnApp(t *testing.T) {
	h := newHarness(t, nil)
	h.do("PATCH", "/_emulator/config", nil, map[string]any{"redirectUrl": "javascript:alert(1)"}).
		wantError(t, 400, "invalid_config", `The settings are not valid: redirectUrl "javascript:alert(1)" must name a page or an app, not a javascript: URL`)
	h.patchConfig("", map[string]any{"redirectUrl": "myapp://auth"})
}

func TestRedirectKeepsExistingQuery(t *testing.T) {
	h := newHarness(t, nil)
	h.patchConfig("", map[string]any{"redirectUrl": "myapp://auth/cb?from=email"})
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	loc := h.do("GET", strings.TrimPrefix(h.latestEmail("", verified, "").Link, h.srv.URL), nil, nil).
		wantStatus(t, http.StatusFound).header.Get("Location")
	if !regexp.MustCompile(`^myapp://auth/cb\?from=email&status=200&action=reset-pwd&access_token=[0-9a-f]{22}$`).MatchString(loc) {
		t.Fatalf("redirect %q", loc)
	}
}

// A link names the address it was sent to exactly: after a change of
// letter case only, an older link is refused, as Agnost compares them.
func TestLinkAfterACaseOnlyChange(t *testing.T) {
	h := newHarness(t, nil)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	old := h.latestEmail("", verified, "reset-pwd").Link
	s := h.signInEmail(verified, "Passw0rd!").Session.Token
	h.api("POST", "/change-email", s, map[string]string{"currentPassword": "Passw0rd!", "newEmail": "Verified@Example.com"}).wantStatus(t, 200)
	if q := h.follow(h.latestEmail("", "Verified@Example.com", "change-email").Link).Query(); q.Get("status") != "200" {
		t.Fatalf("change-email link: %s", q.Encode())
	}
	if q := h.follow(old).Query(); q.Get("status") != "401" || q.Get("access_token") != "" {
		t.Fatalf("the old link redirected with %s", q.Encode())
	}
}

// A change-email link needs the current address verified, as Agnost
// requires: a user who signed in by phone with an unverified email cannot
// move it to a verified new one.
func TestChangeEmailLinkNeedsAVerifiedAddress(t *testing.T) {
	h := newHarness(t, nil)
	var u map[string]any
	h.do("POST", "/_emulator/users", nil, map[string]any{"email": "half@example.com", "phone": "+15555550123", "password": "Passw0rd!", "phoneVerified": true}).
		wantStatus(t, 201).json(t, &u)
	var s signedIn
	h.api("POST", "/signin-phone", "", map[string]string{"phone": "+15555550123", "password": "Passw0rd!"}).wantStatus(t, 200).json(t, &s)
	h.api("POST", "/change-email", s.Session.Token, map[string]string{"currentPassword": "Passw0rd!", "newEmail": "whole@example.com"}).wantStatus(t, 200)
	q := h.follow(h.latestEmail("", "whole@example.com", "change-email").Link).Query()
	if q.Get("status") != "401" || q.Get("error") != "The email of the user has not been verified yet." {
		t.Fatalf("redirect %s", q.Encode())
	}
	var after map[string]any
	h.api("GET", "/user", s.Session.Token, nil).wantStatus(t, 200).json(t, &after)
	if after["email"] != "half@example.com" || after["emailVerified"] != false {
		t.Fatalf("user %v", after)
	}
}
