package emulator

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/altogic-emulator/altogic-emulator/inbox"
)

func TestEnvironmentsAreIsolated(t *testing.T) {
	h := newHarness(t, nil)
	h.envAPI("a", "POST", "/signup-email", "", map[string]string{"email": "only-a@example.com", "password": "Passw0rd!"}).wantStatus(t, 200)
	h.envAPI("b", "POST", "/signup-email", "", map[string]string{"email": "only-a@example.com", "password": "Passw0rd!"}).wantStatus(t, 200)
	h.api("POST", "/signin-email", "", map[string]string{"email": "only-a@example.com", "password": "Passw0rd!"}).
		wantError(t, 401, "invalid_credentials", "")

	h.envAPI("a", "POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	m := h.latestEmail("/e:a", verified, "reset-pwd")
	if !strings.HasPrefix(m.Link, h.srv.URL+"/e:a/_auth/verify?key=") {
		t.Fatalf("link %q is not under the environment", m.Link)
	}
	for _, prefix := range []string{"", "/e:b"} {
		var list struct{ Emails []inbox.Email }
		h.do("GET", prefix+"/_emulator/inbox/emails?action=reset-pwd", nil, nil).wantStatus(t, 200).json(t, &list)
		if len(list.Emails) != 0 {
			t.Fatalf("environment %q sees another's email", prefix)
		}
	}
	// The link works only in its own environment.
	h.do("GET", "/e:b/_auth/verify?key="+m.Token, nil, nil).wantStatus(t, 302)
	token := h.follow(m.Link).Query().Get("access_token")
	h.envAPI("b", "POST", "/reset-pwd?key="+token, "", map[string]string{"newPassword": "N3w-secret"}).wantStatus(t, 403)
	h.envAPI("a", "POST", "/reset-pwd?key="+token, "", map[string]string{"newPassword": "N3w-secret"}).wantStatus(t, 200)
	h.signInEmail(verified, "Passw0rd!") // default environment unchanged

	// A session of one environment is unknown in another.
	var s signedIn
	h.envAPI("a", "POST", "/signin-email", "", map[string]string{"email": verified, "password": "N3w-secret"}).wantStatus(t, 200).json(t, &s)
	h.envAPI("b", "GET", "/user", s.Session.Token, nil).wantError(t, 401, "invalid_session_token", "")

	h.do("GET", "/e:bad$id/_emulator/health", nil, nil).wantError(t, 400, "invalid_environment", "")
	h.do("GET", "/e:/_emulator/health", nil, nil).wantError(t, 400, "invalid_environment", "")
}

func TestFixtureUserExtraFieldsAndLogging(t *testing.T) {
	var logs bytes.Buffer
	h := newHarnessWith(t, Options{Fixtures: mustParse(t, "x.yaml", `
users:
  - email: x@example.com
    password: Passw0rd!
    emailVerified: true
    plan: pro
    tags: [a, b]
`), Logger: newTextLogger(&logs), PublicURL: "http://emulator.test:8484/"})
	h.envAPI("logs", "POST", "/send-reset?email=x@example.com", "", nil).wantStatus(t, 200)
	if !strings.Contains(logs.String(), "link=\"http://emulator.test:8484/e:logs/_auth/verify?key=") {
		t.Fatalf("the link is not logged, or not under the public URL: %s", logs.String())
	}
	res := h.do("GET", "/e:logs/_emulator/users", nil, nil).wantStatus(t, 200)
	if !strings.Contains(string(res.body), `"plan":"pro","tags":["a","b"]`) {
		t.Fatalf("extra fields: %s", res.body)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	if _, err := New(Options{PublicURL: "ftp://x"}); err == nil {
		t.Fatal("a non-http public URL was accepted")
	}
	if _, err := New(Options{MaxBodyBytes: -1}); err == nil {
		t.Fatal("a negative body limit was accepted")
	}
}

func TestMaxEnvironments(t *testing.T) {
	h := newHarnessWith(t, Options{MaxEnvironments: 2})
	// default exists from the start and does not count.
	h.do("GET", "/e:a/_emulator/users", nil, nil).wantStatus(t, 200)
	h.envAPI("b", "POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.envAPI("c", "POST", "/send-reset?email="+verified, "", nil).wantError(t, 429, "too_many_environments", "")
	// At the limit, health, the list and deleting still work, and so does
	// the default environment.
	h.do("GET", "/e:c/_emulator/health", nil, nil).wantStatus(t, 200)
	h.do("GET", "/e:c/_emulator/environments", nil, nil).wantStatus(t, 200)
	h.do("DELETE", "/e:c/_emulator/environment", nil, nil).wantStatus(t, 204)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.do("DELETE", "/e:a/_emulator/environment", nil, nil).wantStatus(t, 204)
	h.envAPI("c", "POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	if got := strings.Join(h.em.Environments(), ","); got != "b,c,default" {
		t.Fatalf("environments %s", got)
	}
	// Deleting the default environment gives a fresh one.
	h.do("DELETE", "/_emulator/environment", nil, nil).wantStatus(t, 204)
	if got := strings.Join(h.em.Environments(), ","); got != "b,c,default" {
		t.Fatalf("environments after deleting default: %s", got)
	}
	if emails := h.em.mustEnv(t, DefaultEnvironment).inbox.Emails.Len(); emails != 0 {
		t.Fatalf("the fresh default environment has %d emails", emails)
	}
}

// A request refused by routing or an access check never creates its
// environment, so unauthenticated traffic cannot use up the limit.
func TestRefusedRequestsCreateNoEnvironment(t *testing.T) {
	h := newHarnessWith(t, Options{MaxEnvironments: 1, AdminToken: "tok", Fixtures: mustParse(t, "f", "clientKeys: [good]\nusers: []\n")})
	for i := range 5 {
		env := fmt.Sprintf("/e:x%d", i)
		h.do("GET", env+"/_emulator/users", nil, nil).wantStatus(t, 401)                                   // no admin token
		h.do("GET", env+"/_emulator/users", hdr{"Origin": "https://evil.example"}, nil).wantStatus(t, 403) // foreign page
		h.do("GET", env+"/_emulator/nope", hdr{"Authorization": "Bearer tok"}, nil).wantStatus(t, 404)     // no route
		h.do("POST", env+"/_api/rest/v1/auth/send-reset?email=a@b.co", nil, nil).wantStatus(t, 401)        // no client key
		h.do("POST", env+"/_api/rest/v1/auth/send-reset?email=a@b.co", hdr{"X-Client-Key": "bad"}, nil).wantStatus(t, 401)
		h.do("GET", env+"/_api/rest/v1/auth/nope", hdr{"X-Client-Key": "good"}, nil).wantStatus(t, 404)
		h.do("GET", env+"/_emulator/health", nil, nil).wantStatus(t, 200) // needs no token, creates nothing
	}
	if got := strings.Join(h.em.Environments(), ","); got != "default" {
		t.Fatalf("refused requests created environments: %s", got)
	}
	// Requests that passed every check but failed change nothing: their
	// environment goes when they end (a link any page can make a browser
	// follow, a wrong password).
	for i := range 5 {
		env := fmt.Sprintf("/e:failed%d", i)
		h.do("GET", env+"/_auth/verify?key=nope&action=reset-pwd", nil, nil).wantStatus(t, 302)
		h.do("POST", env+"/_api/rest/v1/auth/send-reset?email=nobody@example.com", hdr{"X-Client-Key": "good"}, nil).wantStatus(t, 401)
		h.do("POST", env+"/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "good", "Content-Type": "application/json"},
			`{"email":"nobody@example.com","password":"nope"}`).wantStatus(t, 401)
		h.do("GET", env+"/_auth/google?email=not-an-email", nil, nil).wantStatus(t, 200) // the consent page again
		// Another site's page navigating to the control plane (a link, a
		// frame) reads, and keeps nothing it made.
		h.do("GET", env+"/_emulator/inbox/sms", hdr{"Authorization": "Bearer tok", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"}, nil).wantStatus(t, 200)
	}
	if got := strings.Join(h.em.Environments(), ","); got != "default" {
		t.Fatalf("failed requests created environments: %s", got)
	}
	h.do("GET", "/e:real/_auth/google?email=gina@example.com", nil, nil).wantStatus(t, 302)
	if got := strings.Join(h.em.Environments(), ","); got != "default,real" {
		t.Fatalf("a request that changed state did not keep its environment: %s", got)
	}
}
