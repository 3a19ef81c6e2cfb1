package emulator

import (
	"regexp"
	"strings"
	"testing"
)

func TestSignUpWithEmailConfirmation(t *testing.T) {
	h := newHarness(t, nil)
	var out signedIn
	h.api("POST", "/signup-email", "", map[string]any{"email": "New@Example.com", "password": "Passw0rd!", "nameOrUserData": "Nia New"}).
		wantStatus(t, 200).json(t, &out)
	if out.Session != nil || out.User["email"] != "new@example.com" || out.User["emailVerified"] != false || out.User["name"] != "Nia New" {
		t.Fatalf("sign-up answer %+v", out)
	}
	for _, k := range []string{"_id", "provider", "providerUserId", "signUpAt", "lastLoginAt"} {
		if out.User[k] == nil {
			t.Errorf("user has no %s: %v", k, out.User)
		}
	}
	if out.User["_id"] != out.User["providerUserId"] || out.User["provider"] != "altogic" {
		t.Errorf("user %v", out.User)
	}
	h.api("POST", "/signin-email", "", map[string]string{"email": "new@example.com", "password": "wrong-password"}).
		wantError(t, 401, "email_not_verified", "The email address has not been verified yet.")

	m := h.latestEmail("", "new@example.com", "email-confirm")
	if m.Subject != "Confirm your email" {
		t.Fatalf("subject %q", m.Subject)
	}
	token := h.followOK(m.Link, "email-confirm")
	if grant := h.grant(token); grant.Session == nil || grant.User["emailVerified"] != true {
		t.Fatalf("grant %+v", grant)
	}
	h.api("GET", "/grant?key="+token, "", nil).wantError(t, 403, "invalid_access_token", "")
	h.api("GET", "/grant?key=", "", nil).wantError(t, 400, "missing_access_token", "")
	h.signInEmail("new@example.com", "Passw0rd!")
}

func TestSignUpWithoutConfirmation(t *testing.T) {
	h := newHarness(t, nil)
	var out signedIn
	h.envAPI("noconfirm", "POST", "/signup-email", "", map[string]any{"email": "a@example.com", "password": "Passw0rd!"}).
		wantStatus(t, 200).json(t, &out)
	if out.Session == nil || out.Session.UserID != out.User["_id"] {
		t.Fatalf("confirmation off: sign-up answered %+v", out)
	}
	if n := len(h.em.mustEnv(t, "noconfirm").inbox.Emails.List(inboxAll)); n != 0 {
		t.Fatalf("confirmation off sent %d emails", n)
	}

	// emailVerified in the user data skips confirmation, and extra fields are kept.
	h.api("POST", "/signup-email", "", map[string]any{"email": "b@example.com", "password": "Passw0rd!",
		"nameOrUserData": map[string]any{"name": "Bea", "emailVerified": true, "plan": "pro", "password": "ignored"}}).
		wantStatus(t, 200).json(t, &out)
	if out.Session == nil || out.User["plan"] != "pro" || out.User["name"] != "Bea" || out.User["emailVerified"] != true {
		t.Fatalf("sign-up with user data answered %+v", out)
	}
	if strings.Contains(string(h.api("GET", "/user", out.Session.Token, nil).body), "ignored") {
		t.Fatal("a password in user data was stored as data")
	}
	// Older clients send name instead of nameOrUserData.
	h.api("POST", "/signup-email", "", map[string]any{"email": "c@example.com", "password": "Passw0rd!", "name": "Cy"}).
		wantStatus(t, 200).json(t, &out)
	if out.User["name"] != "Cy" {
		t.Fatalf("name not kept: %+v", out.User)
	}
}

func TestSignUpValidation(t *testing.T) {
	h := newHarness(t, nil)
	res := h.api("POST", "/signup-email", "", map[string]string{"email": "no-at-sign", "password": "pwd"})
	res.wantStatus(t, 400)
	items := res.errorItems(t)
	if len(items) != 2 || items[0].Details["param"] != "email" || items[1].Details["param"] != "password" ||
		items[1].Message != "Password can be at least 6 and at most 50 characters long" {
		t.Fatalf("items %+v", items)
	}
	h.runErrorCases([]errorCase{
		{"short password", apiCall("POST", "/signup-email", map[string]string{"email": "ok@example.com", "password": "pwd"}),
			400, "validation_error", "Password can be at least 6 and at most 50 characters long"},
		{"taken email", apiCall("POST", "/signup-email", map[string]any{"email": verified, "password": "Passw0rd!"}),
			400, "email_not_unique", "A user with the provided email already exists."},
		{"user data not an object", apiCall("POST", "/signup-email", map[string]any{"email": "x@example.com", "password": "Passw0rd!", "nameOrUserData": 5}),
			400, "validation_error", ""},
		{"taken phone", apiCall("POST", "/signup-phone", map[string]string{"phone": "+15555555555", "password": "Passw0rd!"}),
			404, "user_not_found", "A user with the provided phone number already exists."},
		// Lengths as validator.js's isLength counts them: a variation
		// selector is no character, an emoji is one.
		{"five letters and a variation selector", apiCall("POST", "/signup-email", map[string]string{"email": "vs@example.com", "password": "aaaaa\uFE0F"}),
			400, "validation_error", "Password can be at least 6 and at most 50 characters long"},
		{"51 emoji", apiCall("POST", "/signup-email", map[string]string{"email": "emoji@example.com", "password": strings.Repeat("😀", 51)}),
			400, "validation_error", "Password can be at least 6 and at most 50 characters long"},
	})
	h.api("POST", "/signup-email", "", map[string]string{"email": "fifty@example.com", "password": strings.Repeat("a", 50) + "\uFE0F"}).wantStatus(t, 200)
	h.api("POST", "/signup-email", "", map[string]string{"email": "six@example.com", "password": strings.Repeat("😀", 6)}).wantStatus(t, 200)
	h.api("POST", "/signup-phone", "", map[string]string{"phone": "+900635063", "password": "pwd"}).wantStatus(t, 400)
	if got := len(h.api("POST", "/signup-email", "", map[string]any{}).errorItems(t)); got != 2 {
		t.Fatalf("an empty body got %d items, want one per missing field", got)
	}
}

func TestSignInAndSessions(t *testing.T) {
	h := newHarness(t, nil)
	res := h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{
		"X-Client-Key": "k", "Content-Type": "application/json",
		"User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/105.0.0.0 Safari/537.36",
	}, `{"email":"VERIFIED@example.com","password":"Passw0rd!"}`).wantStatus(t, 200)
	var out signedIn
	res.json(t, &out)
	if strings.Contains(string(res.body), "Passw0rd") || strings.Contains(strings.ToLower(string(res.body)), "hash") {
		t.Fatalf("sign-in answer leaks the password: %s", res.body)
	}
	s := out.Session
	if s == nil || !regexp.MustCompile(`^eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\.eyJlbnZJZCI6I[^.]+\.[^.]+$`).MatchString(s.Token) {
		t.Fatalf("session %+v", s)
	}
	if s.UserAgent["family"] != "Chrome" || s.UserAgent["major"] != "105" ||
		s.UserAgent["os"].(map[string]any)["family"] != "Mac OS X" || s.UserAgent["device"].(map[string]any)["family"] != "Other" { // as useragent 2.3.0 says, and Altogic's examples show
		t.Fatalf("userAgent %v", s.UserAgent)
	}
	if s.AccessGroupKeys == nil || len(s.AccessGroupKeys) != 0 || s.CreationDtm != "2026-03-01T12:00:00.000Z" {
		t.Fatalf("session %+v", s)
	}

	var u map[string]any
	h.api("GET", "/user", s.Token, nil).wantStatus(t, 200).json(t, &u)
	if u["email"] != verified || u["_id"] != s.UserID || u["password"] != nil {
		t.Fatalf("user %v", u)
	}

	h.api("GET", "/user", "", nil).wantError(t, 401, "missing_session_token",
		"No valid session token provided in 'Session' header or in 'session_token' cookie.")
	h.api("GET", "/user", "garbage", nil).wantError(t, 401, "invalid_session_token", "The Session token was not authorized or has expired")
	h.do("GET", "/_api/rest/v1/auth/user", hdr{"X-Client-Key": "k", "Cookie": "session_token=" + s.Token}, nil).wantStatus(t, 200)

	// A second device gets its own session; signing one out leaves the other.
	other := h.signInEmail(verified, "Passw0rd!").Session.Token
	h.api("POST", "/signout", s.Token, map[string]any{}).wantStatus(t, 200)
	h.api("GET", "/user", s.Token, nil).wantError(t, 401, "invalid_session_token", "The session token was not authorized or has expired")
	h.api("GET", "/user", other, nil).wantStatus(t, 200)
	h.api("POST", "/signout", "", map[string]any{}).wantError(t, 401, "missing_session_token", "")
}

func TestSignOutOtherSessions(t *testing.T) {
	h := newHarness(t, nil)
	mine := h.signInEmail(verified, "Passw0rd!").Session.Token
	second := h.signInEmail(verified, "Passw0rd!").Session.Token
	var phoneUser signedIn
	h.api("POST", "/signin-phone", "", map[string]string{"phone": "+15555555555", "password": "Passw0rd!"}).wantStatus(t, 200).json(t, &phoneUser)

	h.api("POST", "/signout", mine, map[string]string{"token": phoneUser.Session.Token}).
		wantError(t, 403, "invalid_session_token", "Invalid session token. The session that you are trying to sign out is not your session.")
	h.api("POST", "/signout", mine, map[string]string{"token": "not-a-jwt"}).
		wantError(t, 404, "invalid_session_token", "Invalid session token. The session token has expired or is not valid at all.")
	h.api("POST", "/signout", mine, map[string]string{"token": second}).wantStatus(t, 200)
	h.api("GET", "/user", second, nil).wantStatus(t, 401)
	h.api("POST", "/signout", mine, map[string]string{"token": second}).wantStatus(t, 200) // already gone: no-op
	h.api("GET", "/user", mine, nil).wantStatus(t, 200)
	h.api("GET", "/user", phoneUser.Session.Token, nil).wantStatus(t, 200)
}

func TestSignInErrors(t *testing.T) {
	h := newHarness(t, nil)
	h.runErrorCases([]errorCase{
		{"unknown email", apiCall("POST", "/signin-email", map[string]string{"email": "nobody@example.com", "password": "Passw0rd!"}),
			401, "invalid_credentials", "Invalid credentials. Email or password provided is invalid."},
		{"unverified email", apiCall("POST", "/signin-email", map[string]string{"email": "unverified@example.com", "password": "Passw0rd!"}),
			401, "email_not_verified", "The email address has not been verified yet."},
		{"unknown phone", apiCall("POST", "/signin-phone", map[string]string{"phone": "+15555550000", "password": "Passw0rd!"}),
			404, "user_not_found", "Invalid credentials. Phone or password provided is invalid."},
		{"unverified phone", apiCall("POST", "/signin-phone", map[string]string{"phone": "+15555550100", "password": "Passw0rd!"}),
			401, "phone_not_verified", "The phone number has not been verified yet."},
	})
	h.envAPI("noconfirm", "POST", "/signin-email", "", map[string]string{"email": "unverified@example.com", "password": "Passw0rd!"}).
		wantStatus(t, 200)
	if n := len(h.api("POST", "/signin-email", "", map[string]string{"email": "", "password": ""}).errorItems(t)); n != 2 {
		t.Fatalf("empty email and password got %d items", n)
	}
}

// User data comes back as Altogic, a JavaScript server, answers it:
// numbers as doubles (1e400 is null), the last of a key given twice.
func TestUserDataIsKeptAsJavaScriptWould(t *testing.T) {
	h := newHarness(t, mustParse(t, "f", "settings: {emailConfirmation: false}\nusers: []\n"))
	var out signedIn
	h.do("POST", "/_api/rest/v1/auth/signup-email", hdr{"X-Client-Key": "k", "Content-Type": "application/json"}, `{"email":"js@example.com","password":"Passw0rd!",
		"nameOrUserData":{"huge":1e400,"price":1.50,"big":12345678901234567890,"dup":1,"dup":{"b":1,"2":2,"a":3,"1":4}}}`).
		wantStatus(t, 200).json(t, &out)
	res := h.api("GET", "/user", out.Session.Token, nil).wantStatus(t, 200)
	for _, want := range []string{`"huge":null`, `"price":1.5`, `"big":12345678901234567000`, `"dup":{"1":4,"2":2,"b":1,"a":3}`} {
		if !strings.Contains(string(res.body), want) {
			t.Errorf("the user lacks %s: %s", want, res.body)
		}
	}
}

func TestAuthKindsCanBeSwitchedOff(t *testing.T) {
	h := newHarness(t, nil)
	h.patchConfig("", map[string]any{"emailAuth": false})
	h.api("POST", "/signup-email", "", map[string]string{"email": "a@example.com", "password": "Passw0rd!"}).wantError(t, 401, "not_allowed", "Email authentication is not enabled in your app version settings.")
	h.api("POST", "/send-reset?email="+verified, "", nil).wantError(t, 401, "not_allowed", "Email authentication is not enabled in your app version settings.")
	h.api("POST", "/signin-phone", "", map[string]string{"phone": "+15555555555", "password": "Passw0rd!"}).wantStatus(t, 200)
	h.patchConfig("", map[string]any{"emailAuth": true, "phoneAuth": false})
	for _, path := range []string{"/signup-phone", "/signin-phone", "/send-code?phone=%2B15555555555", "/send-reset-code?phone=%2B15555555555",
		"/resend-code?phone=%2B15555555555", "/signin-code?phone=%2B15555555555&code=1", "/verify-phone?phone=%2B15555555555&code=1",
		"/reset-pwd-code?phone=%2B15555555555&code=1"} {
		var body any
		if !strings.Contains(path, "?") || strings.HasPrefix(path, "/reset-pwd-code") {
			body = map[string]string{"phone": "+15555555555", "password": "Passw0rd!", "newPassword": "Passw0rd!"}
		}
		h.api("POST", path, "", body).wantError(t, 401, "not_allowed", "Phone number based authentication is not enabled in your app version settings.")
	}
	h.signInEmail(verified, "Passw0rd!")
}

func TestPasswordLengthSettings(t *testing.T) {
	h := newHarness(t, nil)
	h.patchConfig("", map[string]any{"minPasswordLength": 10, "maxPasswordLength": 12})
	h.api("POST", "/signup-email", "", map[string]string{"email": "a@example.com", "password": "Passw0rd!"}).
		wantError(t, 400, "validation_error", "Password can be at least 10 and at most 12 characters long")
	h.api("POST", "/signup-email", "", map[string]string{"email": "a@example.com", "password": "Passw0rd!xy"}).wantStatus(t, 200)
}

// An empty field of a change call is named as Agnost's rules name it: a
// new address is "Email", a new number "Phone", change-pwd's oldPassword
// "Old password".
func TestChangeCallsNameEmptyFields(t *testing.T) {
	h := newHarness(t, nil)
	s := h.signInEnv("", verified)
	h.api("POST", "/change-email", s, map[string]string{"currentPassword": "Passw0rd!", "newEmail": "  "}).
		wantError(t, 400, "validation_error", "Email needs to be provided, cannot be left empty.")
	h.api("POST", "/change-phone", s, map[string]string{"currentPassword": "Passw0rd!", "newPhone": ""}).
		wantError(t, 400, "validation_error", "Phone needs to be provided, cannot be left empty.")
	h.api("POST", "/change-pwd", s, map[string]string{"newPassword": "N3w-secret", "oldPassword": ""}).
		wantError(t, 400, "validation_error", "Old password needs to be provided, cannot be left empty.")
	h.api("POST", "/change-email", s, map[string]string{"currentPassword": "", "newEmail": "x@example.com"}).
		wantError(t, 400, "validation_error", "Current password needs to be provided, cannot be left empty.")
}
