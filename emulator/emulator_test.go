package emulator

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/altogic-emulator/altogic-emulator/inbox"
)

func TestEveryRouteHasAnOperationAndHandler(t *testing.T) {
	h := newHarness(t, nil)
	ids := h.em.spec.OperationIDs()
	if len(ids) != len(h.em.ops) {
		t.Fatalf("openapi.yaml has %d operations, the route table %d", len(ids), len(h.em.ops))
	}
}

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

func TestClientKeys(t *testing.T) {
	h := newHarness(t, mustParse(t, "keys.yaml", "clientKeys: [good-key]\nusers: []\n"))
	h.do("POST", "/_api/rest/v1/auth/send-reset?email=a@example.com", hdr{"X-Client-Key": "bad-key"}, nil).
		wantError(t, 401, "invalid_client_key", "")
	h.do("POST", "/_api/rest/v1/auth/send-reset?email=a@example.com", nil, nil).
		wantError(t, 401, "missing_client_key", "")
	h.do("POST", "/_api/rest/v1/auth/send-reset?email=a@example.com", hdr{"X-Client-Key": "good-key"}, nil).
		wantError(t, 401, "invalid_credentials", "")
	// The control API and links need no key.
	h.do("GET", "/_emulator/health", nil, nil).wantStatus(t, 200)
	h.do("GET", "/_auth/verify?key=x", nil, nil).wantStatus(t, 302)
}

func TestCORS(t *testing.T) {
	h := newHarness(t, nil)
	pre := h.do("OPTIONS", "/_api/rest/v1/auth/signin-email", hdr{
		"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "content-type,x-client,x-client-key,session",
	}, nil).wantStatus(t, 204)
	if pre.header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" ||
		pre.header.Get("Access-Control-Allow-Credentials") != "true" ||
		!strings.Contains(pre.header.Get("Access-Control-Allow-Headers"), "X-Client-Key") ||
		!strings.Contains(pre.header.Get("Access-Control-Allow-Headers"), "Session") {
		t.Fatalf("preflight headers %v", pre.header)
	}
	res := h.do("POST", "/_api/rest/v1/auth/send-reset?email=nobody@example.com", hdr{"Origin": "http://app.test", "X-Client-Key": "k"}, nil)
	if res.header.Get("Access-Control-Allow-Origin") != "http://app.test" || res.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("an error answer lacks CORS headers: %v", res.header)
	}
}

func TestMalformedRequests(t *testing.T) {
	h := newHarness(t, nil)
	h.do("GET", "/nope", nil, nil).wantError(t, 404, "not_found", "Cannot find the requested resource: GET /nope")
	h.do("GET", "/_api/rest/v1/auth/unknown", hdr{"X-Client-Key": "k"}, nil).wantError(t, 404, "not_found", "")
	h.do("PUT", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k"}, nil).wantError(t, 405, "method_not_allowed", "")
	big := `{"email":"a@example.com","password":"` + strings.Repeat("x", 2<<20) + `"}`
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k", "Content-Type": "application/json"}, big).
		wantError(t, 413, "payload_too_large", "")
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k", "Content-Type": "application/json"}, `[1,2`).
		wantError(t, 400, "invalid_request_body_syntax", "")
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k", "Content-Type": "application/json"}, `[]`).
		wantError(t, 400, "validation_error", "")
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k", "Content-Type": "application/json; charset=utf-8"},
		`{"email":"verified@example.com","password":"Passw0rd!"}`).wantStatus(t, 200)
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k", "Content-Type": "application/x-www-form-urlencoded"},
		`email=a`).wantError(t, 415, "unsupported_media_type", "")
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k", "Content-Type": "application/json"}, deep).wantStatus(t, 400)
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k", "Content-Type": "application/json"},
		"{\"email\":\"\xff\xfe@example.com\",\"password\":\"x\"}").wantStatus(t, 400)
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k"}, nil).
		wantStatus(t, 400)
}

func TestControlResetUsersAndConfig(t *testing.T) {
	h := newHarness(t, nil)
	var list struct{ Users []map[string]any }
	h.do("GET", "/_emulator/users", nil, nil).wantStatus(t, 200).json(t, &list)
	if len(list.Users) != 5 {
		t.Fatalf("%d fixture users", len(list.Users))
	}
	for _, u := range list.Users {
		if u["password"] != nil || u["passwordHash"] != nil {
			t.Fatalf("user listing shows a password: %v", u)
		}
	}
	id := list.Users[0]["_id"]

	var created map[string]any
	h.do("POST", "/_emulator/users", nil, map[string]any{"phone": "+15555550123", "password": "Passw0rd!", "phoneVerified": true, "team": "blue"}).
		wantStatus(t, 201).json(t, &created)
	if created["team"] != "blue" || created["phoneVerified"] != true {
		t.Fatalf("created %v", created)
	}
	h.do("POST", "/_emulator/users", nil, map[string]any{"phone": "+15555550123", "password": "x"}).wantError(t, 400, "phone_not_unique", "")
	h.do("POST", "/_emulator/users", nil, map[string]any{"password": "x"}).wantError(t, 400, "validation_error", "")
	h.do("POST", "/_emulator/users", nil, map[string]any{"email": "bad", "password": "x"}).wantError(t, 400, "validation_error", "Not a valid email address format")

	var cfg map[string]any
	h.do("PATCH", "/_emulator/config", nil, map[string]any{"emailConfirmation": false, "emailTokenTTL": "15m"}).wantStatus(t, 200).json(t, &cfg)
	if cfg["emailConfirmation"] != false || cfg["emailTokenTTL"] != "15m0s" || cfg["redirectUrl"] != "http://localhost:3000/auth-redirect" {
		t.Fatalf("config %v", cfg)
	}
	h.do("PATCH", "/_emulator/config", nil, map[string]any{"emailTokenTTL": "soon"}).wantStatus(t, 400)
	h.do("PATCH", "/_emulator/config", nil, map[string]any{"redirectUrl": "not a url"}).wantError(t, 400, "invalid_config", "")
	h.do("PATCH", "/_emulator/config", nil, map[string]any{"minPasswordLength": 10, "maxPasswordLength": 8}).wantError(t, 400, "invalid_config", "")
	h.do("PATCH", "/_emulator/config", nil, map[string]any{"noSuchSetting": true}).wantError(t, 400, "validation_error", "")

	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 401) // confirmation now off
	h.do("POST", "/_emulator/reset", nil, nil).wantStatus(t, 204)
	h.do("GET", "/_emulator/config", nil, nil).wantStatus(t, 200).json(t, &cfg)
	if cfg["emailConfirmation"] != true {
		t.Fatalf("reset kept a patched setting: %v", cfg)
	}
	h.do("GET", "/_emulator/users", nil, nil).wantStatus(t, 200).json(t, &list)
	if len(list.Users) != 5 || list.Users[0]["_id"] != id {
		t.Fatalf("after reset: %d users, first %v (was %v)", len(list.Users), list.Users[0]["_id"], id)
	}

	spec := h.do("GET", "/_emulator/openapi.yaml", nil, nil).wantStatus(t, 200)
	if !bytes.Equal(spec.body, SpecYAML()) || !strings.HasPrefix(spec.header.Get("Content-Type"), "application/yaml") {
		t.Fatal("openapi.yaml is not served as is")
	}
	var health map[string]string
	h.do("GET", "/e:x/_emulator/health", nil, nil).wantStatus(t, 200).json(t, &health)
	if health["status"] != "ok" || health["version"] != Version {
		t.Fatalf("health %v", health)
	}
}

func TestResetEmptiesSessionsTokensAndInbox(t *testing.T) {
	h := newHarness(t, nil)
	s := h.signInEmail(verified, "Passw0rd!").Session.Token
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	link := h.latestEmail("", verified, "").Link
	h.do("POST", "/_emulator/reset", nil, nil).wantStatus(t, 204)
	h.api("GET", "/user", s, nil).wantStatus(t, 401)
	if q := h.follow(link).RawQuery; !strings.HasPrefix(q, "status=400") {
		t.Fatalf("a link survived reset: %s", q)
	}
	h.do("GET", "/_emulator/inbox/emails/latest", nil, nil).wantError(t, 404, "not_found", "No email has been captured.")
}

func TestInboxAPI(t *testing.T) {
	h := newHarness(t, nil)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.clock.Advance(time.Second)
	h.api("POST", "/send-reset?email=both@example.com", "", nil).wantStatus(t, 200)
	h.api("POST", "/send-reset-code?phone=%2B15555555555", "", nil).wantStatus(t, 200)

	var list struct{ Emails []inbox.Email }
	h.do("GET", "/_emulator/inbox/emails", nil, nil).wantStatus(t, 200).json(t, &list)
	if len(list.Emails) != 2 || list.Emails[0].To != "both@example.com" || list.Emails[1].To != verified {
		t.Fatalf("emails are not newest first: %+v", list.Emails)
	}
	h.do("GET", "/_emulator/inbox/emails?to=VERIFIED@example.com", nil, nil).wantStatus(t, 200).json(t, &list)
	if len(list.Emails) != 1 || list.Emails[0].To != verified {
		t.Fatalf("to filter: %+v", list.Emails)
	}
	h.do("GET", "/_emulator/inbox/emails?action=magic-link", nil, nil).wantStatus(t, 200).json(t, &list)
	if len(list.Emails) != 0 {
		t.Fatalf("action filter: %+v", list.Emails)
	}
	h.do("GET", "/_emulator/inbox/emails?action=bogus", nil, nil).wantError(t, 400, "validation_error", "")

	var one inbox.Email
	id := h.latestEmail("", verified, "").ID
	h.do("GET", "/_emulator/inbox/emails/"+id, nil, nil).wantStatus(t, 200).json(t, &one)
	if one.To != verified {
		t.Fatalf("by id: %+v", one)
	}
	h.do("GET", "/_emulator/inbox/emails/nope", nil, nil).wantError(t, 404, "not_found", "")

	var sms struct{ SMS []inbox.SMS }
	h.do("GET", "/_emulator/inbox/sms?to=+15555555555", nil, nil).wantStatus(t, 200).json(t, &sms)
	if len(sms.SMS) != 1 || sms.SMS[0].Action != "reset-pwd-code" {
		t.Fatalf("sms list: %+v", sms.SMS)
	}
	h.do("GET", "/_emulator/inbox/sms/"+sms.SMS[0].ID, nil, nil).wantStatus(t, 200)
	h.do("GET", "/_emulator/inbox/sms/nope", nil, nil).wantError(t, 404, "not_found", "")
	h.do("GET", "/_emulator/inbox/sms/latest?to=%2B15555550100", nil, nil).
		wantError(t, 404, "not_found", "No SMS to +15555550100 has been captured.")
	h.do("GET", "/_emulator/inbox/sms/latest?wait=forever", nil, nil).wantError(t, 400, "validation_error", "")
	h.do("GET", "/_emulator/inbox/sms/latest?wait=61s", nil, nil).wantError(t, 400, "validation_error", "")
	h.do("GET", "/_emulator/inbox/sms/latest?to=%2B15555550100&wait=20ms", nil, nil).
		wantError(t, 404, "not_found", "No SMS to +15555550100 arrived within 20ms.")

	h.do("DELETE", "/_emulator/inbox", nil, nil).wantStatus(t, 204)
	h.do("GET", "/_emulator/inbox/emails", nil, nil).wantStatus(t, 200).json(t, &list)
	h.do("GET", "/_emulator/inbox/sms", nil, nil).wantStatus(t, 200).json(t, &sms)
	if len(list.Emails)+len(sms.SMS) != 0 {
		t.Fatal("inbox not cleared")
	}
}

// latest with wait answers the message that arrives while it waits.
func TestLatestWaitsForTheMessage(t *testing.T) {
	h := newHarness(t, nil)
	got := make(chan resp, 1)
	go func() {
		got <- h.do("GET", "/_emulator/inbox/emails/latest?to="+verified+"&wait=30s", nil, nil)
	}()
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	var m inbox.Email
	(<-got).wantStatus(t, 200).json(t, &m)
	if m.To != verified || m.Action != "reset-pwd" {
		t.Fatalf("waited for %+v", m)
	}
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

func TestUnknownErrorsStillSpeakTheEnvelope(t *testing.T) {
	rec := newRecorder()
	em, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	em.writeError(rec, nil, asAPIError(http.ErrHandlerTimeout))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"code":"internal_server_error"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
