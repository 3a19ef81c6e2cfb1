package emulator

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

type clockAnswer struct {
	Now    time.Time
	Frozen bool
	Offset string
}

func (h *harness) clockNow(prefix string) clockAnswer {
	h.t.Helper()
	var c clockAnswer
	h.do("GET", prefix+"/_emulator/clock", nil, nil).wantStatus(h.t, 200).json(h.t, &c)
	return c
}

// The clock stays where its offset from the real one fits: a far time or a
// huge advance is refused and changes nothing, frozen or not.
func TestClockStaysInRange(t *testing.T) {
	h := newHarness(t, nil)
	for _, frozen := range []bool{false, true} {
		h.do("POST", "/_emulator/clock", nil, map[string]any{"set": "2199-01-01T00:00:00Z", "freeze": frozen}).wantStatus(t, 200)
		h.do("POST", "/_emulator/clock", nil, map[string]any{"set": "9999-12-31T23:59:59Z"}).
			wantError(t, 400, "validation_error", "'set' must be from 1970-01-01T00:00:00Z to 2200-01-01T00:00:00Z.")
		h.do("POST", "/_emulator/clock", nil, map[string]any{"set": "1969-12-31T23:59:59Z"}).wantStatus(t, 400)
		h.do("POST", "/_emulator/clock", nil, map[string]any{"advance": "2562047h"}).
			wantError(t, 400, "validation_error", "'advance' would move the clock past 2200-01-01T00:00:00Z.")
		h.do("POST", "/_emulator/clock", nil, map[string]any{"set": "2100-01-01T00:00:00Z", "advance": "2562047h"}).wantStatus(t, 400)
		if c := h.clockNow(""); !c.Now.Equal(time.Date(2199, 1, 1, 0, 0, 0, 0, time.UTC)) || c.Frozen != frozen {
			t.Fatalf("a refused change moved the clock: %+v", c)
		}
		h.do("POST", "/_emulator/clock", nil, map[string]any{"advance": "8760h"}).wantStatus(t, 200)
	}
}

func TestClockAPI(t *testing.T) {
	h := newHarness(t, nil)
	if c := h.clockNow(""); !c.Now.Equal(epoch) || c.Frozen || c.Offset != "0s" {
		t.Fatalf("clock %+v", c)
	}
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	link := h.latestEmail("", verified, "reset-pwd").Link

	var c clockAnswer
	h.do("POST", "/_emulator/clock", nil, map[string]any{"advance": "61m"}).wantStatus(t, 200).json(t, &c)
	if !c.Now.Equal(epoch.Add(61*time.Minute)) || c.Offset != "1h1m0s" {
		t.Fatalf("after advance: %+v", c)
	}
	if q := h.follow(link).Query(); q.Get("status") != "400" {
		t.Fatalf("the link outlived its hour: %v", q)
	}
	if other := h.clockNow("/e:other"); !other.Now.Equal(epoch) {
		t.Fatalf("another environment's clock moved: %+v", other)
	}

	h.do("POST", "/_emulator/clock", nil, map[string]any{"freeze": true}).wantStatus(t, 200)
	h.clock.Advance(time.Hour) // the emulator's own clock moves on
	if got := h.clockNow(""); !got.Frozen || !got.Now.Equal(epoch.Add(61*time.Minute)) {
		t.Fatalf("frozen clock %+v", got)
	}
	h.do("POST", "/_emulator/clock", nil, map[string]any{"freeze": false}).wantStatus(t, 200)
	h.clock.Advance(time.Minute)
	if got := h.clockNow(""); got.Frozen || !got.Now.Equal(epoch.Add(62*time.Minute)) {
		t.Fatalf("restarted clock %+v", got)
	}
	h.do("POST", "/_emulator/clock", nil, map[string]any{"set": "2030-01-01T00:00:00Z"}).wantStatus(t, 200).json(t, &c)
	if !c.Now.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("set: %+v", c)
	}
	h.api("POST", "/signup-email", "", map[string]string{"email": "future@example.com", "password": "Passw0rd!"}).wantStatus(t, 200)
	if u := h.latestEmail("", "future@example.com", ""); !u.CreatedAt.Equal(c.Now) {
		t.Fatalf("email created at %v, clock at %v", u.CreatedAt, c.Now)
	}

	h.do("POST", "/_emulator/clock", nil, map[string]any{"advance": "soon"}).wantError(t, 400, "validation_error", "")
	h.do("POST", "/_emulator/clock", nil, map[string]any{"advance": "-1h"}).wantError(t, 400, "validation_error", "")
	h.do("POST", "/_emulator/clock", nil, map[string]any{"set": "tomorrow"}).wantError(t, 400, "validation_error", "")
	h.do("POST", "/_emulator/clock", nil, map[string]any{}).wantError(t, 400, "validation_error", "")
	h.do("POST", "/_emulator/reset", nil, nil).wantStatus(t, 204)
	if got := h.clockNow(""); got.Offset != "0s" || got.Frozen {
		t.Fatalf("reset kept the clock: %+v", got)
	}
}

func TestSessionTTL(t *testing.T) {
	h := newHarness(t, nil)
	h.patchConfig("", map[string]any{"sessionTTL": "10m"})
	s := h.signInEmail(verified, "Passw0rd!").Session.Token
	h.do("POST", "/_emulator/clock", nil, map[string]any{"advance": "9m"}).wantStatus(t, 200)
	h.api("GET", "/user", s, nil).wantStatus(t, 200)
	h.do("POST", "/_emulator/clock", nil, map[string]any{"advance": "1m"}).wantStatus(t, 200)
	h.api("GET", "/user", s, nil).wantError(t, 401, "invalid_session_token", "The session token was not authorized or has expired")
	h.do("PATCH", "/_emulator/config", nil, map[string]any{"sessionTTL": "-1m"}).wantError(t, 400, "invalid_config", "")
}

func TestFaults(t *testing.T) {
	h := newHarness(t, nil)
	var f fault
	h.do("POST", "/_emulator/faults", nil, map[string]any{"operation": "sendResetPwdEmail", "status": 503, "times": 2}).
		wantStatus(t, 201).json(t, &f)
	if f.Code != "service_unavailable" || f.Times != 2 || f.ID == "" {
		t.Fatalf("fault %+v", f)
	}
	h.api("POST", "/send-reset?email="+verified, "", nil).wantError(t, 503, "service_unavailable", "Fault injected by altogic-emulator into sendResetPwdEmail.")
	var list struct{ Faults []fault }
	h.do("GET", "/_emulator/faults", nil, nil).wantStatus(t, 200).json(t, &list)
	if len(list.Faults) != 1 || list.Faults[0].Times != 1 {
		t.Fatalf("faults %+v", list.Faults)
	}
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 503)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.do("GET", "/_emulator/faults", nil, nil).wantStatus(t, 200).json(t, &list)
	if len(list.Faults) != 0 {
		t.Fatalf("a used-up fault is still listed: %+v", list.Faults)
	}

	// A lost email: the call succeeds, nothing is captured.
	h.do("DELETE", "/_emulator/inbox", nil, nil).wantStatus(t, 204)
	h.do("POST", "/_emulator/faults", nil, map[string]any{"operation": "sendResetPwdEmail", "dropMessage": true}).wantStatus(t, 201)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.do("GET", "/_emulator/inbox/emails/latest", nil, nil).wantError(t, 404, "not_found", "")

	// * matches any API operation, never the control API; custom code and message.
	h.do("POST", "/_emulator/faults", nil, map[string]any{"operation": "*", "status": 429, "code": "rate_limited", "message": "Slow down", "times": 1}).wantStatus(t, 201)
	h.do("GET", "/_emulator/health", nil, nil).wantStatus(t, 200)
	h.api("POST", "/signin-email", "", map[string]string{"email": verified, "password": "Passw0rd!"}).wantError(t, 429, "rate_limited", "Slow down")

	h.do("POST", "/_emulator/faults", nil, map[string]any{"operation": "signInWithEmail", "status": 500, "times": 5}).wantStatus(t, 201)
	h.do("DELETE", "/_emulator/faults", nil, nil).wantStatus(t, 204)
	h.signInEmail(verified, "Passw0rd!")

	for _, bad := range []map[string]any{
		{"operation": "noSuchOperation", "status": 503},
		{"operation": "health", "status": 503},
		{"operation": "*", "status": 200},
		{"operation": "*"},
		{"operation": "*", "status": 503, "times": -1},
		{"operation": "*", "delayMs": 600000},
		{"operation": "*", "status": 503, "extra": true},
	} {
		h.do("POST", "/_emulator/faults", nil, bad).wantError(t, 400, "validation_error", "")
	}
}

func TestOutOfRangeNumbersAreNamed(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/_emulator/faults", nil, json.RawMessage(`{"operation":"*","status":503,"times":1e20}`)).
		wantError(t, 400, "validation_error", "'times' does not have a valid value (number 1e20).")
}

func TestPendingFaultsAreBounded(t *testing.T) {
	h := newHarness(t, nil)
	fault := map[string]any{"operation": "signInWithEmail", "status": 503}
	for range maxFaults {
		h.do("POST", "/_emulator/faults", nil, fault).wantStatus(t, 201)
	}
	h.do("POST", "/_emulator/faults", nil, fault).wantError(t, 429, "too_many_faults",
		"An environment holds at most 1000 pending faults: DELETE /_emulator/faults clears them.")
	// Using one makes room for one.
	h.api("POST", "/signin-email", "", map[string]string{"email": verified, "password": "Passw0rd!"}).wantStatus(t, 503)
	h.do("POST", "/_emulator/faults", nil, fault).wantStatus(t, 201)
	h.do("DELETE", "/_emulator/faults", nil, nil).wantStatus(t, 204)
	h.do("POST", "/_emulator/faults", nil, fault).wantStatus(t, 201)
}

func TestFaultsAreTakenAtomically(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/_emulator/faults", nil, map[string]any{"operation": "signInWithEmail", "status": 503, "times": 5}).wantStatus(t, 201)
	statuses := race(20, func() int {
		return h.api("POST", "/signin-email", "", map[string]string{"email": verified, "password": "Passw0rd!"}).status
	})
	faulted := 0
	for _, s := range statuses {
		if s == 503 {
			faulted++
		}
	}
	if faulted != 5 {
		t.Fatalf("%d of 20 concurrent calls were faulted, want exactly 5", faulted)
	}
}

func TestFaultDelay(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/_emulator/faults", nil, map[string]any{"operation": "sendResetPwdCode", "delayMs": 30}).wantStatus(t, 201)
	h.api("POST", "/send-reset-code?phone=%2B15555555555", "", nil).wantStatus(t, 200)
	var j struct{ Requests []journalEntry }
	h.do("GET", "/_emulator/requests?operation=sendResetPwdCode", nil, nil).wantStatus(t, 200).json(t, &j)
	if len(j.Requests) != 1 || j.Requests[0].DurationMs < 30 {
		t.Fatalf("the delayed call: %+v", j.Requests)
	}
}

// A journal entry keeps a bounded part of a huge request: the journal's
// 1000 entries cannot hold 64 KiB paths each.
func TestJournalEntriesAreBounded(t *testing.T) {
	h := newHarness(t, nil)
	h.do("GET", "/_api/rest/v1/auth/"+strings.Repeat("p", 30000), hdr{"X-Client-Key": "k"}, nil).wantStatus(t, 404)
	var j struct{ Requests []journalEntry }
	h.do("GET", "/_emulator/requests", nil, nil).wantStatus(t, 200).json(t, &j)
	if len(j.Requests) != 1 || !strings.HasPrefix(j.Requests[0].Path, "/_api/rest/v1/auth/ppp") {
		t.Fatalf("journal %+v", j.Requests)
	}
	if n := len(j.Requests[0].Path); n > maxJournalText+len("…") {
		t.Fatalf("a path of %d bytes was kept", n)
	}
}

func TestRequestJournal(t *testing.T) {
	h := newHarness(t, nil)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.api("POST", "/send-reset?email=bad", "", nil).wantStatus(t, 400)
	h.api("POST", "/signup-email", "", map[string]string{"email": "x", "password": "y"}).wantStatus(t, 400)
	h.do("GET", "/_api/rest/v1/auth/nope", hdr{"X-Client-Key": "k"}, nil).wantStatus(t, 404)
	h.do("GET", "/_emulator/users", nil, nil).wantStatus(t, 200)
	h.envAPI("elsewhere", "POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)

	var j struct{ Requests []journalEntry }
	h.do("GET", "/_emulator/requests", nil, nil).wantStatus(t, 200).json(t, &j)
	if len(j.Requests) != 4 {
		t.Fatalf("journal %+v", j.Requests)
	}
	last := j.Requests[0]
	if last.Operation != "" || last.Status != 404 || !reflect.DeepEqual(last.Errors, []string{"not_found"}) {
		t.Fatalf("newest entry %+v", last)
	}
	signup := j.Requests[1]
	if signup.Operation != "signUpWithEmail" || len(signup.Validation) != 2 || signup.Method != "POST" ||
		signup.Path != "/_api/rest/v1/auth/signup-email" || !signup.Time.Equal(epoch) {
		t.Fatalf("sign-up entry %+v", signup)
	}
	h.do("GET", "/_emulator/requests?operation=sendResetPwdEmail&status=200", nil, nil).wantStatus(t, 200).json(t, &j)
	if len(j.Requests) != 1 {
		t.Fatalf("exactly one reset email was requested, the journal says %+v", j.Requests)
	}
	h.do("GET", "/_emulator/requests?status=abc", nil, nil).wantError(t, 400, "validation_error", "")
	h.do("POST", "/_emulator/reset", nil, nil).wantStatus(t, 204)
	h.do("GET", "/_emulator/requests", nil, nil).wantStatus(t, 200).json(t, &j)
	if len(j.Requests) != 0 {
		t.Fatalf("reset kept the journal: %+v", j.Requests)
	}
}

func TestCoverage(t *testing.T) {
	h := newHarness(t, nil)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.api("POST", "/send-reset?email=unverified@example.com", "", nil).wantStatus(t, 401)
	h.envAPI("x", "POST", "/send-reset?email=unverified@example.com", "", nil).wantStatus(t, 401)
	h.api("POST", "/send-reset", "", nil).wantStatus(t, 400)
	h.do("GET", "/_emulator/users", nil, nil).wantStatus(t, 200)

	var rep CoverageReport
	h.do("GET", "/_emulator/coverage", nil, nil).wantStatus(t, 200).json(t, &rep)
	var reset *OperationCoverage
	for i := range rep.Operations {
		if rep.Operations[i].OperationID == "sendResetPwdEmail" {
			reset = &rep.Operations[i]
		}
	}
	if reset == nil || reset.Calls != 4 || reset.Statuses["401"] != 2 || reset.Statuses["200"] != 1 ||
		len(reset.Unexercised) != 0 || reset.Method != "POST" || reset.Path != "/_api/rest/v1/auth/send-reset" {
		t.Fatalf("sendResetPwdEmail coverage %+v", reset)
	}
	if !contains(rep.UnexercisedOperations, "changePhone") || contains(rep.UnexercisedOperations, "sendResetPwdEmail") {
		t.Fatalf("unexercised operations %v", rep.UnexercisedOperations)
	}
	if !contains(rep.UnexercisedResponses, "resetPwdWithToken 403") {
		t.Fatalf("unexercised responses %v", rep.UnexercisedResponses)
	}
	if rep.Totals.Operations != len(h.em.ops) || rep.Totals.Exercised < 2 || rep.Totals.ResponsesExercised < 3 {
		t.Fatalf("totals %+v", rep.Totals)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

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

func TestPinnedSMSCode(t *testing.T) {
	h := newHarness(t, mustParse(t, "pinned.yaml", `
users:
  - {phone: "+15555555555", password: Passw0rd!, phoneVerified: true, smsCode: "432987"}
`))
	h.api("POST", "/send-reset-code?phone=%2B15555555555", "", nil).wantStatus(t, 200)
	if code := h.latestSMS("", "+15555555555", "").Code; code != "432987" {
		t.Fatalf("code %s", code)
	}
	h.api("POST", "/reset-pwd-code?phone=%2B15555555555&code=432987", "", map[string]string{"newPassword": "N3w-secret"}).wantStatus(t, 200)
	h.do("POST", "/_emulator/users", nil, map[string]any{"phone": "+15555550001", "password": "x", "phoneVerified": true, "smsCode": "111222"}).wantStatus(t, 201)
	h.api("POST", "/send-code?phone=%2B15555550001", "", nil).wantStatus(t, 200)
	if code := h.latestSMS("", "+15555550001", "signin-code").Code; code != "111222" {
		t.Fatalf("code %s", code)
	}
	h.do("POST", "/_emulator/users", nil, map[string]any{"email": "x@example.com", "password": "x", "smsCode": "123"}).wantError(t, 400, "validation_error", "")
}
