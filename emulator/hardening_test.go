package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAdminToken(t *testing.T) {
	var logs bytes.Buffer
	h := newHarnessWith(t, Options{AdminToken: "s3cret-admin", Logger: newTextLogger(&logs)})
	for _, path := range []string{"/_emulator/users", "/_emulator/", "/api/v2/messages", "/e:x/_emulator/config"} {
		h.do("GET", path, nil, nil).wantError(t, 401, "admin_token_required", "")
		h.do("GET", path, hdr{"Authorization": "Bearer wrong"}, nil).wantError(t, 401, "invalid_admin_token", "")
		h.do("GET", path, hdr{"Authorization": "Basic czNjcmV0"}, nil).wantError(t, 401, "invalid_admin_token", "")
		h.do("GET", path, hdr{"Authorization": "Bearer s3cret-admin"}, nil).wantStatus(t, 200)
	}
	h.do("GET", "/_emulator/inbox/emails?admin_token=s3cret-admin", nil, nil).wantStatus(t, 200)
	// The Altogic API and email links never need it.
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.do("GET", "/_auth/verify?key=nope", nil, nil).wantStatus(t, 302)
	if strings.Contains(logs.String(), "s3cret-admin") {
		t.Fatal("the admin token was logged")
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
	}
	if got := strings.Join(h.em.Environments(), ","); got != "default" {
		t.Fatalf("failed requests created environments: %s", got)
	}
	h.do("GET", "/e:real/_auth/google?email=gina@example.com", nil, nil).wantStatus(t, 302)
	if got := strings.Join(h.em.Environments(), ","); got != "default,real" {
		t.Fatalf("a request that changed state did not keep its environment: %s", got)
	}
}

func TestTokensAreBoundedAndPurged(t *testing.T) {
	h := newHarnessWith(t, Options{TokenLimit: 3, InboxLimit: 2})
	var links []string
	for range 5 {
		h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
		links = append(links, h.latestEmail("", verified, "reset-pwd").Link)
	}
	en := h.em.mustEnv(t, DefaultEnvironment)
	if n := en.links.len(); n != 3 {
		t.Fatalf("%d links kept, want the limit 3", n)
	}
	if emails := en.inbox.Emails.Len(); emails != 2 {
		t.Fatalf("%d emails kept, want the inbox limit 2", emails)
	}
	if q := h.follow(links[0]).RawQuery; q != "status=400&action=reset-pwd&error=Invalid+or+expired+access+token" {
		t.Fatalf("a dropped link redirected with %q", q)
	}
	if q := h.follow(links[4]).Query(); q.Get("status") != "200" {
		t.Fatalf("the newest link failed: %v", q)
	}

	// Expired tokens go as new ones arrive.
	h.patchConfig("", map[string]any{"emailTokenTTL": "1m"})
	h.do("POST", "/_emulator/clock", nil, map[string]any{"advance": "2h"}).wantStatus(t, 200)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	if n := en.links.len(); n != 1 {
		t.Fatalf("%d links after every older one expired, want 1", n)
	}
}

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

func TestUndecodableQueriesAreNamed(t *testing.T) {
	h := newHarness(t, nil)
	h.api("POST", "/send-reset?email=%zz", "", nil).wantError(t, 400, "validation_error",
		`The query string is not valid: invalid URL escape "%zz".`)
	h.api("POST", "/send-reset?email=a@example.com;x=1", "", nil).wantError(t, 400, "validation_error",
		"The query string is not valid: invalid semicolon separator in query.")
	// A well-formed escape is fine.
	h.api("POST", "/send-reset?email=verified%40example.com", "", nil).wantStatus(t, 200)
}

func TestNullBodyIsNamed(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k", "Content-Type": "application/json"}, json.RawMessage("null")).
		wantError(t, 400, "validation_error", "'body' must be of type object, not null.")
}

// HEAD is answered like GET, for every GET operation (net/http drops the
// body): health probes such as wait-on use it.
func TestHeadIsAnsweredLikeGet(t *testing.T) {
	h := newHarness(t, nil)
	for _, path := range []string{"/_emulator/health", "/_emulator/users", "/_emulator/inbox/emails"} {
		h.do("HEAD", path, nil, nil).wantStatus(t, 200)
	}
	h.do("HEAD", "/_api/rest/v1/auth/send-reset", nil, nil).wantStatus(t, 405)
}

func TestHugeHeaders(t *testing.T) {
	h := newHarness(t, nil)
	h.api("GET", "/user", strings.Repeat("x", 100<<10), nil).wantError(t, 431, "request_header_too_large", "")
	h.do("GET", "/_emulator/health", nil, nil).wantStatus(t, 200)
}

func TestNoPasswordInLogs(t *testing.T) {
	var logs bytes.Buffer
	h := newHarnessWith(t, Options{Logger: newTextLogger(&logs)})
	h.api("POST", "/signup-email", "", map[string]string{"email": "log@example.com", "password": "Pa55-in-log"}).wantStatus(t, 200)
	h.signInEmail(verified, "Passw0rd!")
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	token := h.follow(h.latestEmail("", verified, "reset-pwd").Link).Query().Get("access_token")
	h.api("POST", "/reset-pwd?key="+token, "", map[string]string{"newPassword": "Reset-in-log"}).wantStatus(t, 200)
	for _, secret := range []string{"Pa55-in-log", "Passw0rd!", "Reset-in-log", "passwordHash", "salt"} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("the log has %q:\n%s", secret, logs.String())
		}
	}
}

// TestMalformedRequestBattery sends malformed requests of every kind to
// every operation of openapi.yaml: every answer is a 4xx JSON envelope (the
// harness checks the envelope and that nothing is a 5xx), and the
// emulator keeps serving.
func TestMalformedRequestBattery(t *testing.T) {
	h := newHarness(t, nil)
	type probe struct {
		method, path, ctype string
		body                []byte
		headers             hdr
		// mustFail marks a request no operation can accept: it must get a 4xx.
		mustFail bool
	}
	var probes []probe
	ops := h.em.spec.Doc.Paths.Map()
	paths := make([]string, 0, len(ops))
	for p := range ops {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	long := strings.Repeat("a", 20000)
	badQueries := []string{
		"email=" + long + "@example.com", "phone=%2B" + strings.Repeat("1", 5000), "email=%00", "phone=%00%00",
		"email=%ff%fe", "key=%ff", "code=" + long, "wait=%ff", "to=%00", "action=%ff", "start=-1", "limit=abc",
		"email=a&email=b", "kind=%00&query=%ff", "status=%00", "email=%zz", "to=%", "key=a;b=c",
	}
	badBodies := []string{
		`{`, `{"email":`, `[]`, `"str"`, `42`, `null`, `true`, `{"email":{"a":1},"password":[1]}`,
		`{"email":"` + long + `@example.com","password":"` + long + `"}`,
		`{"email":"a\u0000b@example.com","password":"x\u0000y"}`,
		strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat(`}`, 5000),
		strings.Repeat(`[`, 20000) + strings.Repeat(`]`, 20000),
		"{\"email\":\"\xff\xfe\",\"password\":\"\xc3\x28\"}",
		`{"newPassword":123,"oldPassword":false,"currentPassword":{},"newEmail":[],"newPhone":1.5,"token":7}`,
		`{"operation":"*","status":"503","times":"x"}`, `{"advance":5,"freeze":"yes","set":1}`,
		`{"emailConfirmation":"no","emailTokenTTL":5,"redirectUrl":7}`,
		`{"version":1,"settings":{},"users":[{"_id":"x"}]}`,
	}
	for _, p := range paths {
		if p == "/_emulator/inbox/events" {
			continue // a stream: it answers 200 and stays open, whatever the query
		}
		item := ops[p]
		concrete := strings.NewReplacer("{id}", "00000000-0000-0000-0000-000000000000", "{provider}", "google").Replace(p)
		for method := range item.Operations() {
			for _, q := range badQueries {
				probes = append(probes, probe{method: method, path: concrete + "?" + q})
			}
			takesBody := item.GetOperation(method).RequestBody != nil
			for i, b := range badBodies {
				// The first two, the deep nestings and the invalid UTF-8 are not JSON at all.
				notJSON := i < 2 || strings.HasPrefix(b, "[[[") || strings.HasPrefix(b, `{"a":{"a"`) || strings.Contains(b, "\xff")
				probes = append(probes, probe{method: method, path: concrete, ctype: "application/json", body: []byte(b), mustFail: takesBody && (notJSON || i == 2)})
			}
			probes = append(probes,
				probe{method: method, path: concrete, ctype: "text/plain", body: []byte("email=a"), mustFail: takesBody},
				probe{method: method, path: concrete, ctype: "application/x-www-form-urlencoded", body: []byte("email=a&password=b"), mustFail: takesBody},
				probe{method: method, path: concrete, ctype: "application/json; charset=latin1", body: []byte(`{"email":"x"}`)},
				probe{method: method, path: concrete, ctype: "%%%", body: []byte(`{}`)},
				probe{method: method, path: concrete, headers: hdr{"Session": "\xff\xfe\x80"}},
				probe{method: method, path: concrete, headers: hdr{"Session": strings.Repeat("a.", 3000)}},
				probe{method: method, path: "/e:" + long[:70] + concrete, mustFail: true},
				probe{method: method, path: "/e:ok" + concrete + "/extra", mustFail: true},
			)
		}
	}
	for _, m := range []string{"PUT", "PATCH", "DELETE", "HEAD", "TRACE", "BREW"} {
		probes = append(probes, probe{method: m, path: "/_api/rest/v1/auth/signin-email", mustFail: true})
	}
	probes = append(probes,
		probe{method: "GET", path: "/%ff%fe", mustFail: true}, probe{method: "GET", path: "/e:%00/x", mustFail: true},
		probe{method: "GET", path: "/" + long, mustFail: true},
		probe{method: "POST", path: "/_api/rest/v1/auth/signin-email", ctype: "application/json", body: bytes.Repeat([]byte("a"), 3<<20), mustFail: true},
	)
	if len(probes) < 500 {
		t.Fatalf("only %d probes", len(probes))
	}
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var mu sync.Mutex
	failures := map[string]int{}
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, p := range probes {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var body *bytes.Reader
			if p.body != nil {
				body = bytes.NewReader(p.body)
			} else {
				body = bytes.NewReader(nil)
			}
			req, err := http.NewRequest(p.method, h.srv.URL+"/x", body)
			if err != nil {
				t.Error(err)
				return
			}
			req.URL.Opaque = ""
			if u, err := url.Parse(h.srv.URL + p.path); err == nil {
				req.URL = u
			} else {
				req.URL.RawPath, req.URL.Path = p.path, p.path
			}
			req.Header.Set("X-Client-Key", "k")
			if p.ctype != "" {
				req.Header.Set("Content-Type", p.ctype)
			}
			for k, v := range p.headers {
				req.Header[k] = []string{v}
			}
			res, err := client.Do(req)
			if err != nil {
				mu.Lock()
				failures[fmt.Sprintf("%s %.80s: %v", p.method, p.path, err)]++
				mu.Unlock()
				return
			}
			res.Body.Close()
			if res.StatusCode >= 500 || (p.mustFail && (res.StatusCode < 400 || res.StatusCode > 499)) {
				mu.Lock()
				failures[fmt.Sprintf("%s %.80s: %d", p.method, p.path, res.StatusCode)]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for f, n := range failures {
		t.Errorf("%s (%d times)", f, n)
	}
	t.Logf("%d malformed requests", len(probes))

	// Still serving, with its state intact.
	h.do("GET", "/_emulator/health", nil, nil).wantStatus(t, 200)
	h.signInEmail(verified, "Passw0rd!")
}

// Numbers are bounded before any arithmetic: a value that would overflow
// is refused with the bound, never wrapped into a small one.
func TestNumbersAreBoundedBeforeArithmetic(t *testing.T) {
	h := newHarness(t, nil)
	for _, wait := range []string{"18446744074", "9223372036854775807", "61", "-1", "61s", "2562047h"} {
		res := h.do("GET", "/_emulator/inbox/emails/latest?wait="+wait, nil, nil)
		res.wantError(t, 400, "validation_error", "Wait must be a duration from 0s to 60s, such as 5s or 1500ms.")
	}
	for body, msg := range map[string]string{
		`{"operation":"*","delayMs":18446744073710}`:                                   "'delayMs' must be from 0 to 60000.",
		`{"operation":"*","delayMs":60001}`:                                            "'delayMs' must be from 0 to 60000.",
		`{"operation":"*","status":503,"times":1000001}`:                               "'times' must be from 1 to 1000000.",
		`{"operation":"*","status":503,"times":-5}`:                                    "'times' must be from 1 to 1000000.",
		`{"operation":"*","status":503,"code":"` + strings.Repeat("c", 65) + `"}`:      "'code' must be at most 64 bytes.",
		`{"operation":"*","status":503,"message":"` + strings.Repeat("m", 1025) + `"}`: "'message' must be at most 1024 bytes.",
	} {
		h.do("POST", "/_emulator/faults", hdr{"Content-Type": "application/json"}, body).wantError(t, 400, "validation_error", msg)
	}
	var faults struct{ Faults []fault }
	h.do("GET", "/_emulator/faults", nil, nil).wantStatus(t, 200).json(t, &faults)
	if len(faults.Faults) != 0 {
		t.Fatalf("refused faults were stored: %+v", faults.Faults)
	}
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	for q, msg := range map[string]string{
		"start=9223372036854775807&limit=9223372036854775807": "'start' must be a whole number from 0 to 1000000.",
		"start=0&limit=9223372036854775807":                   "'limit' must be a whole number from 1 to 10000.",
		"limit=0":                                             "'limit' must be a whole number from 1 to 10000.",
	} {
		h.do("GET", "/api/v2/messages?"+q, nil, nil).wantError(t, 400, "validation_error", msg)
	}
	var page struct{ Total, Count int }
	h.do("GET", "/api/v2/messages?start=1000000&limit=10000", nil, nil).wantStatus(t, 200).json(t, &page)
	if page.Total != 1 || page.Count != 0 {
		t.Fatalf("a page past the end: %+v", page)
	}
	h.do("GET", "/api/v2/messages?start=0&limit=10000", nil, nil).wantStatus(t, 200).json(t, &page)
	if page.Count != 1 {
		t.Fatalf("the first page: %+v", page)
	}
}
