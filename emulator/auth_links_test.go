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
