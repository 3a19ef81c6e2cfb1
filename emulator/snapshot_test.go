package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/altogic-emulator/altogic-emulator/inbox"
)

// A snapshot is checked as fixtures and the control API are, and refused
// whole: an invalid one changes nothing.
func TestImportRefusesBadStateWhole(t *testing.T) {
	h := newHarnessWith(t, Options{MaxUsers: 8, TokenLimit: 4})
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.api("POST", "/send-reset-code?phone=%2B15555555555", "", nil).wantStatus(t, 200)
	h.followOK(h.latestEmail("", verified, "reset-pwd").Link, "reset-pwd")
	session := h.signInEmail(verified, "Passw0rd!").Session.Token
	good := h.do("GET", "/_emulator/state", nil, nil).wantStatus(t, 200).body

	type state = map[string]any
	list := func(st state, k string) []any { return st[k].([]any) }
	first := func(st state, k string) state { return list(st, k)[0].(state) }
	user := func(st state, email string) state {
		for _, u := range list(st, "users") {
			if u.(state)["email"] == email {
				return u.(state)
			}
		}
		t.Fatalf("no user %s", email)
		return nil
	}
	cases := []struct {
		name   string
		change func(state)
		want   string
	}{
		{"too many users", func(st state) {
			for i := range 5 {
				u := map[string]any{}
				for k, v := range user(st, verified) {
					u[k] = v
				}
				u["_id"] = strings.Repeat("0", 23) + string(rune('a'+i))
				u["email"] = string(rune('a'+i)) + "@example.com"
				st["users"] = append(list(st, "users"), u)
			}
		}, "users: 10 of them, more than an environment holds (8)"},
		{"untrimmed email", func(st state) { user(st, verified)["email"] = " verified@example.com" }, "is not as the API stores it: trimmed"},
		{"email with CR LF", func(st state) { user(st, verified)["email"] = "verified@example.com\r\n" }, "is not as the API stores it: trimmed"},
		{"email with a comma", func(st state) { user(st, verified)["email"] = "a,b@example.com" }, "is not an address Altogic would hold (validator.js isEmail"},
		{"invalid email", func(st state) { user(st, verified)["email"] = "nope" }, "is not an address Altogic would hold"},
		{"phone without +", func(st state) { user(st, "both@example.com")["phone"] = "5555550111" }, "is not a number Altogic would hold (validator.js isMobilePhone"},
		{"phone of no country's mobile numbers", func(st state) { user(st, "both@example.com")["phone"] = "+15550000001" }, "is not a number Altogic would hold"},
		{"reserved data key", func(st state) { user(st, verified)["data"] = map[string]any{"_id": "spoofed"} }, "data._id is a field of its own"},
		{"data email", func(st state) { user(st, verified)["data"] = map[string]any{"email": "x@evil.example"} }, "data.email is a field of its own"},
		{"bad hash", func(st state) { user(st, verified)["passwordHash"] = "abcd" }, "passwordHash must be hex, the hash a SHA-256"},
		{"unknown provider", func(st state) { user(st, verified)["provider"] = "myspace" }, `unknown provider "myspace"`},
		{"duplicate email", func(st state) { user(st, "unverified@example.com")["email"] = verified }, "duplicate email"},
		{"session of an unknown user", func(st state) { first(st, "sessions")["userId"] = strings.Repeat("f", 24) }, "names no user of the state"},
		{"link of an unknown action", func(st state) { first(st, "links")["action"] = "delete-account" }, `unknown action "delete-account"`},
		{"access token of an unknown kind", func(st state) { first(st, "accessTokens")["kind"] = "admin" }, `unknown kind "admin"`},
		{"code that is not six digits", func(st state) { first(st, "codes")["code"] = "12" }, "is not six digits"},
		{"too many sessions", func(st state) {
			s := first(st, "sessions")
			for i := range 4 {
				c := map[string]any{}
				for k, v := range s {
					c[k] = v
				}
				c["token"] = strings.Repeat("t", i+1)
				st["sessions"] = append(list(st, "sessions"), c)
			}
		}, "sessions: 5 of them, more than an environment holds (4)"},
		{"duplicate session", func(st state) { st["sessions"] = append(list(st, "sessions"), first(st, "sessions")) }, "duplicate token"},
		{"time beyond the clock's range", func(st state) { user(st, verified)["signUpAt"] = "9999-01-01T00:00:00Z" }, "signUpAt 9999-01-01T00:00:00Z is outside"},
		{"clock offset", func(st state) { st["clock"] = map[string]any{"offset": "2000000h", "frozen": false} }, "clock.offset"},
		{"bad settings", func(st state) { st["settings"].(state)["minPasswordLength"] = 0 }, "settings: password lengths"},
		{"duplicate provider id", func(st state) {
			for _, email := range []string{verified, "unverified@example.com"} {
				user(st, email)["provider"] = "google"
				user(st, email)["providerUserId"] = "g1"
			}
		}, `duplicate google user id "g1"`},
		{"code of another phone", func(st state) { first(st, "codes")["phone"] = "+15555550111" }, "a reset-pwd-code code for +15555550111, not the phone of its user"},
		{"session expiring before it began", func(st state) { first(st, "sessions")["expires"] = "2000-01-01T00:00:00Z" }, "is not after creationDtm"},
		{"session token not a JWT", func(st state) { first(st, "sessions")["token"] = "x" }, "token is not a JWT"},
		{"unknown field", func(st state) { st["bogus"] = 1 }, `unknown field "bogus"`},
		{"unknown setting", func(st state) { st["settings"].(state)["bogus"] = true }, `unknown field "bogus"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var st state
			if err := json.Unmarshal(good, &st); err != nil {
				t.Fatal(err)
			}
			c.change(st)
			body, _ := json.Marshal(st)
			res := h.do("PUT", "/e:target/_emulator/state", nil, body)
			res.wantStatus(t, 400)
			if items := res.errorItems(t); !strings.Contains(items[0].Message, c.want) || !strings.Contains(items[0].Message, "nothing of it was") {
				t.Fatalf("message %q, want it to contain %q", items[0].Message, c.want)
			}
			// The same snapshot over the source environment leaves it whole.
			h.do("PUT", "/_emulator/state", nil, body).wantStatus(t, 400)
			h.api("GET", "/user", session, nil).wantStatus(t, 200)
		})
	}
	h.do("PUT", "/e:target/_emulator/state", nil, good).wantStatus(t, 204)
	h.envAPI("target", "GET", "/user", session, nil).wantStatus(t, 200)
}

// Import (the --import of main) checks every environment of a snapshot
// before it applies any.
// A state that does not fit the state budget is refused whole, never
// applied in part.
func TestImportFitsTheBudgetOrNothing(t *testing.T) {
	h := newHarness(t, nil)
	session := h.signInEmail(verified, "Passw0rd!").Session.Token
	var st map[string]any
	h.do("GET", "/_emulator/state", nil, nil).wantStatus(t, 200).json(t, &st)
	sessions := st["sessions"].([]any)
	for i := range 2000 {
		s := map[string]any{}
		for k, v := range sessions[0].(map[string]any) {
			s[k] = v
		}
		s["token"] = fmt.Sprintf("aaaa.bbbb.%08d", i)
		sessions = append(sessions, s)
	}
	st["sessions"] = sessions
	big, _ := json.Marshal(st)
	h2 := newHarnessWith(t, Options{MaxStateBytes: 256 << 10, TokenLimit: 10000})
	res := h2.do("PUT", "/_emulator/state", nil, big)
	res.wantError(t, 429, "storage_full", "")
	h2.do("GET", "/_emulator/users", nil, nil).wantStatus(t, 200) // still the fixtures
	h3 := newHarnessWith(t, Options{MaxStateBytes: 8 << 20, TokenLimit: 10000})
	h3.do("PUT", "/_emulator/state", nil, big).wantStatus(t, 204)
	if n := h3.em.mustEnv(t, DefaultEnvironment).sessions.len(); n != 2001 {
		t.Fatalf("%d sessions kept of 2001", n)
	}
	h3.api("GET", "/user", session, nil).wantStatus(t, 200)
}

func TestImportOfManyEnvironmentsIsWhole(t *testing.T) {
	h := newHarnessWith(t, Options{MaxEnvironments: 3})
	good := h.em.Export()
	snap := Snapshot{Version: 1, Environments: map[string]EnvState{"a": good.Environments[DefaultEnvironment], "b": good.Environments[DefaultEnvironment]}}
	bad := good.Environments[DefaultEnvironment]
	bad.Users = append([]UserState{}, bad.Users...)
	bad.Users[0].Email = "not-an-address"
	snap.Environments["c"] = bad
	if err := h.em.Import(snap); err == nil || !strings.Contains(err.Error(), "environment c: users[0]") {
		t.Fatalf("Import: %v", err)
	}
	if got := strings.Join(h.em.Environments(), ","); got != "default" {
		t.Fatalf("a refused snapshot created environments: %s", got)
	}
	snap.Environments["c"] = good.Environments[DefaultEnvironment]
	snap.Environments["d"] = good.Environments[DefaultEnvironment]
	if err := h.em.Import(snap); err == nil || !strings.Contains(err.Error(), "beyond the limit of 3") {
		t.Fatalf("Import beyond the limit: %v", err)
	}
	delete(snap.Environments, "d")
	// --import reads files that openapi.yaml never checked.
	spam := good.Environments[DefaultEnvironment]
	spam.Emails = []inbox.Email{{ID: "1", To: verified, Action: "spam"}}
	if err := h.em.Import(Snapshot{Version: 1, Environments: map[string]EnvState{"e": spam}}); err == nil || !strings.Contains(err.Error(), `emails[0]: unknown action "spam"`) {
		t.Fatalf("Import of an email of an unknown action: %v", err)
	}
	if err := h.em.Import(snap); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(h.em.Environments(), ","); got != "a,b,c,default" {
		t.Fatalf("environments %s", got)
	}
}

// The export is written piece by piece; what it writes is what
// json.Marshal makes of the state, and WriteSnapshot is Export's JSON.
func TestStreamedExportIsTheState(t *testing.T) {
	h := newHarness(t, nil)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.api("POST", "/send-reset-code?phone=%2B15555555555", "", nil).wantStatus(t, 200)
	h.api("POST", "/signup-email", "", map[string]any{"email": "d@example.com", "password": "Passw0rd!", "nameOrUserData": map[string]any{"n": []any{1, "<&>"}}}).wantStatus(t, 200)
	h.signInEmail(verified, "Passw0rd!")
	h.envAPI("x", "POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)

	got := h.do("GET", "/_emulator/state", nil, nil).wantStatus(t, 200).body
	en := h.em.mustEnv(t, DefaultEnvironment)
	en.mu.Lock()
	want, _ := json.Marshal(en.exportLocked())
	en.mu.Unlock()
	sameJSON(t, got, want)

	var b strings.Builder
	if err := h.em.WriteSnapshot(&b); err != nil {
		t.Fatal(err)
	}
	want, _ = json.Marshal(h.em.Export())
	sameJSON(t, []byte(b.String()), want)
}

func sameJSON(t *testing.T, got, want []byte) {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("not JSON: %v: %.300s", err, got)
	}
	json.Unmarshal(want, &b)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("got  %.600s\nwant %.600s", got, want)
	}
}

// Exports of an environment take turns: a client that stops reading a
// large export holds the turn (until its write deadline), and a second
// export of that environment waits for it rather than holding a second
// copy; another environment's export does not wait.
func TestExportsTakeTurns(t *testing.T) {
	h := newHarnessWith(t, Options{MaxStateBytes: 1 << 30})
	en := h.em.mustEnv(t, DefaultEnvironment)
	en.mu.Lock()
	for i := range 20000 {
		bio := json.RawMessage(`"` + strings.Repeat("x", 400) + `"`)
		if _, err := en.newUserLocked("", fmt.Sprintf("user%d@example.com", i), "", "pw", userData{extra: map[string]json.RawMessage{"bio": bio}}, epoch); err != nil {
			t.Fatal(err)
		}
	}
	en.mu.Unlock()

	// The emulator itself on a server (the harness reads whole answers),
	// and a raw connection that asks for the export and reads nothing.
	srv := httptest.NewServer(h.em)
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /_emulator/state HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	// Its answer stalls once the socket buffers are full, the turn held;
	// a first byte read says the export has begun.
	if _, err := conn.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	export := func(path string) chan int {
		done := make(chan int, 1)
		go func() {
			res, err := http.Get(srv.URL + path)
			if err != nil {
				done <- -1
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			done <- res.StatusCode
		}()
		return done
	}
	if code := <-export("/e:other/_emulator/state"); code != 200 {
		t.Fatalf("another environment's export: %d", code)
	}
	second := export("/_emulator/state")
	select {
	case code := <-second:
		t.Fatalf("a second export answered %d while the first held the turn", code)
	case <-time.After(300 * time.Millisecond): // the absence of an answer: nothing to await
	}
	conn.Close() // the first client goes: its write fails, the turn is free
	if code := <-second; code != 200 {
		t.Fatalf("the second export: %d", code)
	}
}
