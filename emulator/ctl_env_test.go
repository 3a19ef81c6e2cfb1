package emulator

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

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

func TestControlResetUsersAndConfig(t *testing.T) {
	h := newHarness(t, nil)
	var list struct{ Users []map[string]any }
	h.do("GET", "/_emulator/users", nil, nil).wantStatus(t, 200).json(t, &list)
	if len(list.Users) != 5 {
		t.Fatalf("%d fixture users", len(list.Users))
	}
	// Users made at one instant are listed in the order they were made:
	// the fixtures', in every environment.
	for _, env := range []string{"", "/e:other"} {
		var l struct{ Users []map[string]any }
		h.do("GET", env+"/_emulator/users", nil, nil).wantStatus(t, 200).json(t, &l)
		var got []string
		for _, u := range l.Users {
			got = append(got, fmt.Sprint(u["email"], u["phone"]))
		}
		if want := "[verified@example.com<nil> unverified@example.com<nil> <nil>+15555555555 <nil>+15555550100 both@example.com+15555550111]"; fmt.Sprint(got) != want {
			t.Fatalf("%s: users in the order %v, want the fixtures' %s", env, got, want)
		}
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
	// A number where a duration goes says what one looks like.
	h.do("PATCH", "/_emulator/config", nil, map[string]any{"emailTokenTTL": 60}).
		wantError(t, 400, "validation_error", `'emailTokenTTL' must be of type string, such as "1h".`)
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

// A user can be changed and deleted through the control API: fields
// checked as at creation, user data set and removed, sessions ended with
// the user.
func TestUpdateAndDeleteUser(t *testing.T) {
	h := newHarness(t, nil)
	var u map[string]any
	h.do("POST", "/_emulator/users", nil, map[string]any{"email": "ed@example.com", "password": "Passw0rd!", "plan": "free", "team": "a"}).
		wantStatus(t, 201).json(t, &u)
	id := u["_id"].(string)
	session := h.api("POST", "/signin-email", "", map[string]string{"email": "ed@example.com", "password": "Passw0rd!"})
	session.wantError(t, 401, "email_not_verified", "")

	u = nil // decoding into a map keeps the keys it had
	h.do("PATCH", "/_emulator/users/"+id, nil, map[string]any{"emailVerified": true, "name": "Ed", "plan": "pro", "team": nil, "password": "N3w-secret"}).
		wantStatus(t, 200).json(t, &u)
	if u["emailVerified"] != true || u["name"] != "Ed" || u["plan"] != "pro" || u["team"] != nil {
		t.Fatalf("after PATCH %v", u)
	}
	s := h.signInEmail("ed@example.com", "N3w-secret").Session.Token

	h.runErrorCases([]errorCase{
		{"taken email", rawCall("PATCH", "/_emulator/users/"+id, nil, map[string]any{"email": verified}), 400, "email_not_unique", ""},
		{"invalid phone", rawCall("PATCH", "/_emulator/users/"+id, nil, map[string]any{"phone": "+15550000001"}), 400, "validation_error", ""},
		{"no address left", rawCall("PATCH", "/_emulator/users/"+id, nil, map[string]any{"email": ""}), 400, "validation_error", "A user needs an email or a phone."},
		{"computed field", rawCall("PATCH", "/_emulator/users/"+id, nil, map[string]any{"signUpAt": "x"}), 400, "validation_error", "'signUpAt' is the emulator's and cannot be changed."},
		{"unknown user", rawCall("PATCH", "/_emulator/users/000000000000000000000000", nil, map[string]any{"name": "x"}), 404, "not_found", ""},
		// A slip of a field's name is refused, as in a fixtures file, not
		// kept as user data.
		{"a typo at PATCH", rawCall("PATCH", "/_emulator/users/"+id, nil, map[string]any{"phoneVerifed": true}), 400, "validation_error",
			"'phoneVerifed': did you mean phoneVerified? A key this close to a field is refused, not kept as user data; name user data otherwise."},
		{"a typo at POST", rawCall("POST", "/_emulator/users", nil, map[string]any{"email": "qb@example.com", "password": "Passw0rd!", "emailVerifed": true}), 400, "validation_error",
			"'emailVerifed': did you mean emailVerified? A key this close to a field is refused, not kept as user data; name user data otherwise."},
		{"a field in another case", rawCall("POST", "/_emulator/users", nil, map[string]any{"Email": "qb@example.com", "phone": "+15555550199", "password": "Passw0rd!"}), 400, "validation_error", "'Email': did you mean email? A key this close to a field is refused, not kept as user data; name user data otherwise."},
	})

	h.do("PATCH", "/_emulator/users/"+id, nil, map[string]any{"email": "Ed2@Example.com"}).wantStatus(t, 200).json(t, &u)
	if u["email"] != "ed2@example.com" {
		t.Fatalf("email %v", u["email"])
	}
	h.do("DELETE", "/_emulator/users/"+id, nil, nil).wantStatus(t, 204)
	h.api("GET", "/user", s, nil).wantError(t, 401, "invalid_session_token", "")
	h.api("POST", "/signin-email", "", map[string]string{"email": "ed2@example.com", "password": "N3w-secret"}).wantError(t, 401, "invalid_credentials", "")
	h.do("DELETE", "/_emulator/users/"+id, nil, nil).wantError(t, 404, "not_found", "")
	// The address is free again.
	h.do("POST", "/_emulator/users", nil, map[string]any{"email": "ed2@example.com", "password": "Passw0rd!"}).wantStatus(t, 201)
}
