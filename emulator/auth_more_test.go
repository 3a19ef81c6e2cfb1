package emulator

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestMagicLink(t *testing.T) {
	h := newHarness(t, nil)
	h.api("POST", "/send-magic?email="+verified, "", nil).wantStatus(t, 200)
	m := h.latestEmail("", verified, "magic-link")
	if m.Subject != "Your magic link" {
		t.Fatalf("subject %q", m.Subject)
	}
	if grant := h.grant(h.followOK(m.Link, "magic-link")); grant.Session == nil || grant.User["email"] != verified {
		t.Fatalf("grant %+v", grant)
	}

	h.api("POST", "/send-magic?email=unverified@example.com", "", nil).wantError(t, 401, "email_not_verified", "The email address has not been verified yet.")
	h.api("POST", "/send-magic?email=nobody@example.com", "", nil).wantError(t, 401, "invalid_credentials", "Invalid credentials. No such account found with the provided email.")

	// A reset-pwd access token is not a grant.
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	reset := h.follow(h.latestEmail("", verified, "reset-pwd").Link).Query().Get("access_token")
	h.api("GET", "/grant?key="+reset, "", nil).wantError(t, 401, "invalid_token_type", "Not a valid token type to get user authentication grants.")

	h.patchConfig("", map[string]any{"emailConfirmation": false})
	h.api("POST", "/send-magic?email="+verified, "", nil).wantError(t, 401, "email_verification_disabled", "Email confirmation is disabled in your app version authentication settings.")
}

func TestResendVerificationEmail(t *testing.T) {
	h := newHarness(t, nil)
	h.api("POST", "/resend?email=unverified@example.com", "", nil).wantStatus(t, 200)
	m := h.latestEmail("", "unverified@example.com", "email-confirm")
	if m.Subject != "Confirm your email" {
		t.Fatalf("subject %q", m.Subject)
	}
	h.api("POST", "/resend?email="+verified, "", nil).wantError(t, 401, "email_already_verified", "The email address has already been verified.")
	h.api("POST", "/resend?email=nobody@example.com", "", nil).wantError(t, 401, "invalid_credentials", "Invalid credentials. No such account found with the provided email.")
	h.follow(m.Link)
	h.signInEmail("unverified@example.com", "Passw0rd!")

	h.patchConfig("", map[string]any{"emailConfirmation": false})
	h.do("POST", "/_emulator/users", nil, map[string]any{"email": "late@example.com", "password": "Passw0rd!"}).wantStatus(t, 201)
	h.api("POST", "/resend?email=late@example.com", "", nil).wantError(t, 401, "email_verification_disabled", "Email confirmation is disabled in your app version authentication settings.")
}

func TestPhoneSignUpVerification(t *testing.T) {
	h := newHarness(t, nil)
	const phone = "+15555550142"
	var out signedIn
	h.api("POST", "/signup-phone", "", map[string]any{"phone": phone, "password": "Passw0rd!", "nameOrUserData": "Pat"}).
		wantStatus(t, 200).json(t, &out)
	if out.Session != nil || out.User["phoneVerified"] != false || out.User["phone"] != phone {
		t.Fatalf("sign-up %+v", out)
	}
	h.api("POST", "/signin-phone", "", map[string]string{"phone": phone, "password": "Passw0rd!"}).
		wantError(t, 401, "phone_not_verified", "The phone number has not been verified yet.")

	first := h.latestSMS("", phone, "phone-confirm").Code
	h.api("POST", "/resend-code?phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200)
	second := h.latestSMS("", phone, "phone-confirm").Code
	if first == second {
		t.Fatal("resend-code sent the same code")
	}
	verify := func(code string) resp {
		return h.api("POST", "/verify-phone?code="+code+"&phone="+url.QueryEscape(phone), "", nil)
	}
	verify(second).wantStatus(t, 200).json(t, &out)
	if out.Session == nil || out.User["phoneVerified"] != true {
		t.Fatalf("verify-phone %+v", out)
	}
	verify(second).wantError(t, 403, "invalid_access_token", "Invalid or expired SMS code")
	verify(first).wantError(t, 400, "phone_already_verified", "The phone number of the user has already been verified.")
	h.api("POST", "/resend-code?phone="+url.QueryEscape(phone), "", nil).wantError(t, 401, "phone_already_verified", "The phone number of the user has already been verified.")
	h.api("POST", "/verify-phone?code=&phone="+url.QueryEscape(phone), "", nil).wantError(t, 400, "missing_sms_code", "")

	h.api("POST", "/send-reset-code?phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200)
	verify(h.latestSMS("", phone, "reset-pwd-code").Code).wantError(t, 400, "invalid_action_type", "Cannot identify the action type. The SMS code type is not valid for verifying phone numbers.")

	h.patchConfig("", map[string]any{"phoneConfirmation": false})
	h.api("POST", "/resend-code?phone=%2B15555550100", "", nil).wantError(t, 401, "phone_verification_disabled", "Phone number confirmation is disabled in your app version authentication settings.")
	verify("123456").wantError(t, 401, "phone_verification_disabled", "Phone number confirmation is disabled in your app version authentication settings.")
}

func TestSignInWithCode(t *testing.T) {
	h := newHarness(t, nil)
	const phone = "+15555555555"
	h.api("POST", "/send-code?phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200)
	code := h.latestSMS("", phone, "signin-code").Code
	var out signedIn
	h.api("POST", "/signin-code?code="+code+"&phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200).json(t, &out)
	if out.Session == nil || out.User["phone"] != phone {
		t.Fatalf("signin-code %+v", out)
	}
	h.api("POST", "/signin-code?code="+code+"&phone="+url.QueryEscape(phone), "", nil).wantError(t, 403, "invalid_access_token", "Invalid or expired SMS code")
	h.api("POST", "/signin-code?code=&phone="+url.QueryEscape(phone), "", nil).wantError(t, 400, "missing_sms_code", "Cannot identify the SMS code")
	h.api("POST", "/signin-code?code=123456&phone=", "", nil).wantError(t, 400, "missing_phone_number", "Cannot identify the phone number")

	h.api("POST", "/send-code?phone=%2B15555550100", "", nil).wantError(t, 401, "phone_not_verified", "The phone number has not been verified yet.")
	h.api("POST", "/send-code?phone=%2B15555550000", "", nil).wantError(t, 404, "user_not_found", "Invalid credentials. No such account found with the provided phone number.")
	h.api("POST", "/send-reset-code?phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200)
	reset := h.latestSMS("", phone, "reset-pwd-code").Code
	h.api("POST", "/signin-code?code="+reset+"&phone="+url.QueryEscape(phone), "", nil).wantError(t, 400, "invalid_action_type", "Cannot identify the action type. The SMS code type is not valid for signing in.")

	h.api("POST", "/send-code?phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200)
	pending := h.latestSMS("", phone, "signin-code").Code
	h.patchConfig("", map[string]any{"signInWithCode": false})
	h.api("POST", "/send-code?phone="+url.QueryEscape(phone), "", nil).wantError(t, 401, "sms_auth_codes_disabled", "Sign in using authorization codes sent in SMS is disabled in your app version authentication settings.")
	h.api("POST", "/signin-code?code="+pending+"&phone="+url.QueryEscape(phone), "", nil).wantError(t, 401, "sms_auth_codes_disabled", "Sign in using authorization codes sent in SMS is disabled in your app version authentication settings.")

	// With phone confirmation off, an unverified phone may sign in with a code.
	h.patchConfig("", map[string]any{"signInWithCode": true, "phoneConfirmation": false})
	h.api("POST", "/send-code?phone=%2B15555550100", "", nil).wantStatus(t, 200)
}

func TestSessionsAndSignOutAll(t *testing.T) {
	h := newHarness(t, nil)
	a := h.signInEmail(verified, "Passw0rd!").Session.Token
	h.clock.Advance(1)
	b := h.signInEmail(verified, "Passw0rd!").Session.Token
	c := h.signInEmail(verified, "Passw0rd!").Session.Token
	other := h.signInEmail("both@example.com", "Passw0rd!").Session.Token

	var list []map[string]any
	h.api("GET", "/sessions", b, nil).wantStatus(t, 200).json(t, &list)
	if len(list) != 3 || list[0]["token"] != a {
		t.Fatalf("sessions %v", list)
	}
	h.api("POST", "/signout-all-except", b, nil).wantStatus(t, 200)
	h.api("GET", "/sessions", b, nil).wantStatus(t, 200).json(t, &list)
	if len(list) != 1 || list[0]["token"] != b {
		t.Fatalf("after signout-all-except: %v", list)
	}
	h.api("GET", "/user", a, nil).wantError(t, 401, "invalid_session_token", "")
	d := h.signInEmail(verified, "Passw0rd!").Session.Token
	h.api("POST", "/signout-all", b, nil).wantStatus(t, 200)
	for _, tok := range []string{b, c, d} {
		h.api("GET", "/user", tok, nil).wantError(t, 401, "invalid_session_token", "")
	}
	h.api("GET", "/user", other, nil).wantStatus(t, 200)
	h.api("POST", "/signout-all", "", nil).wantError(t, 401, "missing_session_token", "")
	h.api("GET", "/sessions", "", nil).wantError(t, 401, "missing_session_token", "")
}

func TestChangePassword(t *testing.T) {
	h := newHarness(t, nil)
	s := h.signInEmail(verified, "Passw0rd!").Session.Token
	h.api("POST", "/change-pwd", s, map[string]string{"newPassword": "N3w-secret", "oldPassword": "wrong"}).
		wantError(t, 401, "invalid_credentials", "Invalid credentials. The current password provided is not valid.")
	res := h.api("POST", "/change-pwd", s, map[string]string{"newPassword": "abc", "oldPassword": "Passw0rd!"})
	res.wantError(t, 400, "validation_error", "New password can be at least 6 and at most 50 characters long")
	h.api("POST", "/change-pwd", s, map[string]string{"newPassword": "N3w-secret", "oldPassword": "Passw0rd!"}).wantStatus(t, 200)
	h.signInEmail(verified, "N3w-secret")
	h.api("GET", "/user", s, nil).wantStatus(t, 200) // sessions stay open
	h.api("POST", "/change-pwd", "", map[string]string{"newPassword": "N3w-secret", "oldPassword": "x"}).wantError(t, 401, "missing_session_token", "")
}

func TestChangeEmailWithConfirmation(t *testing.T) {
	h := newHarness(t, nil)
	s := h.signInEmail(verified, "Passw0rd!").Session.Token
	change := func(body map[string]string) resp { return h.api("POST", "/change-email", s, body) }
	change(map[string]string{"currentPassword": "Passw0rd!", "newEmail": "both@example.com"}).
		wantError(t, 400, "email_not_unique", "A user with the provided email already exists.")
	change(map[string]string{"currentPassword": "wrong", "newEmail": "new@example.com"}).
		wantError(t, 401, "invalid_credentials", "Invalid credentials. The current password provided is not valid.")
	change(map[string]string{"currentPassword": "Passw0rd!", "newEmail": "bad"}).wantError(t, 400, "validation_error", "Not a valid email address format")

	var u map[string]any
	change(map[string]string{"currentPassword": "Passw0rd!", "newEmail": "New@Example.com"}).wantStatus(t, 200).json(t, &u)
	if u["email"] != verified {
		t.Fatalf("with confirmation on the address changed at once: %v", u)
	}
	m := h.latestEmail("", "new@example.com", "change-email")
	if m.Subject != "Confirm your new email" {
		t.Fatalf("subject %q", m.Subject)
	}
	if q := h.follow(m.Link).RawQuery; q != "status=200&action=change-email" {
		t.Fatalf("redirect %q", q)
	}
	h.api("GET", "/user", s, nil).wantStatus(t, 200).json(t, &u)
	if u["email"] != "new@example.com" || u["emailVerified"] != true {
		t.Fatalf("after the link: %v", u)
	}
	h.signInEmail("new@example.com", "Passw0rd!")
	h.api("POST", "/signin-email", "", map[string]string{"email": verified, "password": "Passw0rd!"}).wantStatus(t, 401)

	// A link whose address was taken meanwhile fails.
	change(map[string]string{"currentPassword": "Passw0rd!", "newEmail": "taken@example.com"}).wantStatus(t, 200)
	link := h.latestEmail("", "taken@example.com", "change-email").Link
	h.api("POST", "/signup-email", "", map[string]string{"email": "taken@example.com", "password": "Passw0rd!"}).wantStatus(t, 200)
	if q := h.follow(link).RawQuery; q != "status=401&action=change-email&error=A+user+with+the+provided+email+already+exists." {
		t.Fatalf("redirect %q", q)
	}
}

func TestChangeEmailWithoutConfirmation(t *testing.T) {
	h := newHarness(t, nil)
	var s signedIn
	h.envAPI("noconfirm", "POST", "/signin-email", "", map[string]string{"email": verified, "password": "Passw0rd!"}).wantStatus(t, 200).json(t, &s)
	var u map[string]any
	h.envAPI("noconfirm", "POST", "/change-email", s.Session.Token, map[string]string{"currentPassword": "Passw0rd!", "newEmail": "now@example.com"}).
		wantStatus(t, 200).json(t, &u)
	if u["email"] != "now@example.com" || u["emailVerified"] != false {
		t.Fatalf("change-email with confirmation off: %v", u)
	}
}

func TestChangePhone(t *testing.T) {
	h := newHarness(t, nil)
	var s signedIn
	h.api("POST", "/signin-phone", "", map[string]string{"phone": "+15555555555", "password": "Passw0rd!"}).wantStatus(t, 200).json(t, &s)
	tok := s.Session.Token
	h.api("POST", "/change-phone", tok, map[string]string{"currentPassword": "Passw0rd!", "newPhone": "+15555550111"}).
		wantError(t, 400, "email_not_unique", "A user with the provided phone number already exists.")
	h.api("POST", "/change-phone", tok, map[string]string{"currentPassword": "nope", "newPhone": "+15555550177"}).
		wantError(t, 401, "invalid_credentials", "Invalid credentials. The current password provided is not valid.")
	var u map[string]any
	h.api("POST", "/change-phone", tok, map[string]string{"currentPassword": "Passw0rd!", "newPhone": "+15555550177"}).wantStatus(t, 200).json(t, &u)
	if u["phone"] != "+15555555555" {
		t.Fatalf("changed before verification: %v", u)
	}
	code := h.latestSMS("", "+15555550177", "change-phone").Code
	var out struct {
		User    map[string]any `json:"user"`
		Session any            `json:"session"`
	}
	h.api("POST", "/verify-phone?code="+code+"&phone=%2B15555550177", "", nil).wantStatus(t, 200).json(t, &out)
	if out.Session != nil || out.User["phone"] != "+15555550177" || out.User["phoneVerified"] != true {
		t.Fatalf("verify-phone after change-phone: %+v", out)
	}
	h.api("POST", "/signin-phone", "", map[string]string{"phone": "+15555550177", "password": "Passw0rd!"}).wantStatus(t, 200)
	h.api("POST", "/signin-phone", "", map[string]string{"phone": "+15555555555", "password": "Passw0rd!"}).wantStatus(t, 404)

	h.patchConfig("", map[string]any{"phoneConfirmation": false})
	h.api("POST", "/change-phone", tok, map[string]string{"currentPassword": "Passw0rd!", "newPhone": "+15555550178"}).wantStatus(t, 200).json(t, &u)
	if u["phone"] != "+15555550178" || u["phoneVerified"] != false {
		t.Fatalf("change-phone with confirmation off: %v", u)
	}
}

func TestOAuthProvider(t *testing.T) {
	h := newHarness(t, nil)
	page := h.do("GET", "/_auth/github", nil, nil).wantStatus(t, 200)
	if !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") || !strings.Contains(string(page.body), `<form method="get">`) ||
		strings.Contains(string(page.body), "<script") {
		t.Fatalf("consent page: %s", page.body)
	}
	res := h.do("GET", "/_auth/google?email=Gina@Example.com&name=Gina&id=g-123", nil, nil).wantStatus(t, http.StatusFound)
	loc, _ := url.Parse(res.header.Get("Location"))
	if !regexp.MustCompile(`^access_token=[0-9a-f]{22}&action=oauth-signup&status=200$`).MatchString(loc.RawQuery) {
		t.Fatalf("redirect %q", loc.RawQuery)
	}
	grant := h.grant(loc.Query().Get("access_token"))
	if grant.User["provider"] != "google" || grant.User["providerUserId"] != "g-123" || grant.User["email"] != "gina@example.com" ||
		grant.User["name"] != "Gina" || grant.User["emailVerified"] != true || grant.Session == nil {
		t.Fatalf("grant %+v", grant)
	}
	again, _ := url.Parse(h.do("GET", "/_auth/google?email=gina@example.com&id=g-123", nil, nil).wantStatus(t, 302).header.Get("Location"))
	if again.Query().Get("action") != "oauth-signin" {
		t.Fatalf("second sign-in %q", again.RawQuery)
	}
	h.api("POST", "/signin-email", "", map[string]string{"email": "gina@example.com", "password": "whatever"}).
		wantError(t, 401, "invalid_credentials", "Invalid credentials. You have signed up using your google credentials. You cannot sign in with an email and password.")

	clash, _ := url.Parse(h.do("GET", "/_auth/github?email="+verified, nil, nil).wantStatus(t, 302).header.Get("Location"))
	if clash.Query().Get("status") != "401" || clash.Query().Get("action") != "oauth-signin" ||
		!strings.Contains(clash.Query().Get("error"), "An account with the same email ("+verified+") already exists") {
		t.Fatalf("clash redirect %q", clash.RawQuery)
	}
	h.do("GET", "/_auth/myspace?email=a@example.com", nil, nil).wantError(t, 400, "validation_error", "")
	if bad := h.do("GET", "/_auth/apple?email=nope", nil, nil).wantStatus(t, 200); !strings.Contains(string(bad.body), "Not a valid email address format") {
		t.Fatal("the consent page does not say the email is invalid")
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

func TestTemplatesFromFixtures(t *testing.T) {
	h := newHarness(t, mustParse(t, "t.yaml", `
users:
  - {email: t@example.com, password: Passw0rd!, emailVerified: true, name: "<Tess>", team: blue}
  - {phone: "+15555555555", password: Passw0rd!, phoneVerified: true, name: Phil}
templates:
  reset-pwd:
    subject: "{{user.name}}, reset your {{user.team}} password"
    html: "<a href='{{token.confirmationURL}}'>{{ user.name }}</a>"
  sms: "{{user.name}}: {{token.code}} is your code"
`))
	h.api("POST", "/send-reset?email=t@example.com", "", nil).wantStatus(t, 200)
	m := h.latestEmail("", "t@example.com", "reset-pwd")
	if m.Subject != "<Tess>, reset your blue password" {
		t.Fatalf("subject %q", m.Subject)
	}
	if m.HTML != "<a href='"+strings.ReplaceAll(m.Link, "&", "&amp;")+"'>&lt;Tess&gt;</a>" {
		t.Fatalf("html %q", m.HTML)
	}
	if !strings.Contains(m.Text, m.Link) { // the default text is kept
		t.Fatalf("text %q", m.Text)
	}
	h.api("POST", "/send-reset-code?phone=%2B15555555555", "", nil).wantStatus(t, 200)
	if s := h.latestSMS("", "+15555555555", ""); s.Body != "Phil: "+s.Code+" is your code" {
		t.Fatalf("sms %q", s.Body)
	}
}
