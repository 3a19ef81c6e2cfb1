package emulator

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const verified = "verified@example.com"

func TestResetPasswordByEmail(t *testing.T) {
	h := newHarness(t, nil)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	if got := h.api("POST", "/send-reset?email="+verified, "", nil); len(got.body) != 0 {
		t.Fatalf("send-reset answered a body: %s", got.body)
	}

	m := h.latestEmail("", verified, "reset-pwd")
	if m.Subject != "Reset your password" || m.From != senderAddress || m.To != verified {
		t.Fatalf("email header fields: %+v", m)
	}
	if !strings.Contains(m.Text, m.Link) || !strings.Contains(m.HTML, strings.ReplaceAll(m.Link, "&", "&amp;")) {
		t.Fatalf("the link is not in the text and HTML bodies: %+v", m)
	}
	if !strings.HasPrefix(m.Link, h.srv.URL+"/_auth/verify?key="+m.Token) {
		t.Fatalf("link %q does not carry token %q", m.Link, m.Token)
	}
	if !m.ExpiresAt.Equal(epoch.Add(time.Hour)) || !m.CreatedAt.Equal(epoch) {
		t.Fatalf("createdAt %v expiresAt %v, want %v and an hour later", m.CreatedAt, m.ExpiresAt, epoch)
	}

	loc := h.follow(m.Link)
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != "http://localhost:3000/auth-redirect" {
		t.Fatalf("redirected to %s", got)
	}
	if !regexp.MustCompile(`^status=200&action=reset-pwd&access_token=[0-9a-f]{22}$`).MatchString(loc.RawQuery) {
		t.Fatalf("redirect query %q", loc.RawQuery)
	}
	token := loc.Query().Get("access_token")

	h.api("POST", "/reset-pwd?key="+token, "", map[string]string{"newPassword": "N3w-secret"}).wantStatus(t, 200)
	h.api("POST", "/signin-email", "", map[string]string{"email": verified, "password": "Passw0rd!"}).
		wantError(t, 401, "invalid_credentials", "Invalid credentials. Email or password provided is invalid.")
	if s := h.signInEmail(verified, "N3w-secret"); s.Session == nil || s.Session.Token == "" {
		t.Fatalf("no session after signing in with the new password: %+v", s)
	}

	// Both the link and the access token are single use.
	again := h.follow(m.Link)
	if again.RawQuery != "status=400&action=reset-pwd&error=Invalid+or+expired+access+token" {
		t.Fatalf("second follow redirected with %q", again.RawQuery)
	}
	h.api("POST", "/reset-pwd?key="+token, "", map[string]string{"newPassword": "Other-secret"}).
		wantError(t, 403, "invalid_access_token", "Invalid or expired access token")
}

func TestResetLinkAndAccessTokenExpire(t *testing.T) {
	h := newHarness(t, nil)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	m := h.latestEmail("", verified, "reset-pwd")
	h.clock.Advance(time.Hour) // the deadline itself is already too late
	if q := h.follow(m.Link).RawQuery; q != "status=400&action=reset-pwd&error=Invalid+or+expired+access+token" {
		t.Fatalf("expired link redirected with %q", q)
	}

	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	m = h.latestEmail("", verified, "reset-pwd")
	h.clock.Advance(59 * time.Minute)
	token := h.follow(m.Link).Query().Get("access_token")
	if token == "" {
		t.Fatal("a link followed before its deadline gave no access token")
	}
	h.patchConfig("", map[string]any{"accessTokenTTL": "10m"}) // affects tokens issued later only
	h.clock.Advance(61 * time.Minute)
	h.api("POST", "/reset-pwd?key="+token, "", map[string]string{"newPassword": "N3w-secret"}).
		wantError(t, 403, "invalid_access_token", "Invalid or expired access token")
}

func TestSendResetPwdEmailErrors(t *testing.T) {
	h := newHarness(t, nil)
	h.runErrorCases([]errorCase{
		{"unverified address", apiCall("POST", "/send-reset?email=unverified@example.com", nil),
			401, "email_not_verified", "The email address has not been verified yet."},
		{"unknown address", apiCall("POST", "/send-reset?email=nobody@example.com", nil),
			401, "invalid_credentials", "Invalid credentials. No such account found with the provided email."},
		{"malformed address", apiCall("POST", "/send-reset?email=not-an-email", nil),
			400, "validation_error", "Not a valid email address format"},
		{"empty address", apiCall("POST", "/send-reset?email=", nil),
			400, "validation_error", "Email needs to be provided, cannot be left empty."},
		{"no address", apiCall("POST", "/send-reset", nil),
			400, "validation_error", "Email needs to be provided, cannot be left empty."},
		{"no client key", rawCall("POST", "/_api/rest/v1/auth/send-reset?email="+verified, nil, nil),
			401, "missing_client_key", ""},
		{"wrong method", rawCall("GET", "/_api/rest/v1/auth/send-reset?email="+verified, hdr{"X-Client-Key": "k"}, nil),
			405, "method_not_allowed", ""},
	})

	h.patchConfig("", map[string]any{"emailConfirmation": false})
	h.runErrorCases([]errorCase{
		{"confirmation off", apiCall("POST", "/send-reset?email="+verified, nil),
			401, "email_verification_disabled", "Email confirmation is disabled in your app version authentication settings."},
	})

	if emails := h.em.mustEnv(t, DefaultEnvironment).inbox.Emails.List(inboxAll); len(emails) != 0 {
		t.Fatalf("failed calls sent %d emails", len(emails))
	}
}

// The official client puts the address into the query unencoded, so the
// "+" of a tagged address arrives as a space, and Altogic refuses the
// address. So does the emulator, with a WARN line saying why; encoded, the
// address works.
func TestSendResetWithPlusInEmail(t *testing.T) {
	var logs strings.Builder
	h := newHarnessWith(t, Options{Logger: newTextLogger(&logs)})
	h.do("POST", "/_emulator/users", nil, map[string]any{"email": "Dev+Tag@Example.com", "password": "Passw0rd!", "emailVerified": true}).
		wantStatus(t, 201)
	h.do("POST", "/_emulator/users", nil, map[string]any{"email": "new+1@example.com", "password": "Passw0rd!"}).wantStatus(t, 201)
	cases := []struct{ path, decoded string }{
		{"/send-reset?email=dev+tag@example.com", "dev tag@example.com"},
		{"/send-magic?email=dev+tag@example.com", "dev tag@example.com"},
		{"/resend?email=new+1@example.com", "new 1@example.com"},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			logs.Reset()
			h.with(t).api("POST", c.path, "", nil).wantError(t, 400, "validation_error", "Not a valid email address format")
			for _, want := range []string{"level=WARN", "a '+' in the email query parameter was decoded as a space", "workaround=", `email="` + c.decoded + `"`} {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("the log lacks %s:\n%s", want, logs.String())
				}
			}
		})
	}
	if n := len(h.em.mustEnv(t, DefaultEnvironment).inbox.Emails.List(inboxAll)); n != 0 {
		t.Fatalf("refused calls sent %d emails", n)
	}

	// Encoded, as a client that encodes sends it, the address works, and
	// nothing is logged as a warning.
	logs.Reset()
	h.api("POST", "/send-reset?email=dev%2Btag@example.com", "", nil).wantStatus(t, 200)
	if m := h.latestEmail("", "dev+tag@example.com", "reset-pwd"); m.To != "dev+tag@example.com" {
		t.Fatalf("email went to %q", m.To)
	}
	if strings.Contains(logs.String(), "WARN") {
		t.Fatalf("a warning for an encoded address:\n%s", logs.String())
	}

	// A phone written into a URL by hand: the client encodes phone, so
	// the line says so, and how to encode it.
	logs.Reset()
	h.api("POST", "/send-reset-code?phone=+15555555555", "", nil).wantStatus(t, 400)
	for _, want := range []string{"a '+' in the phone query parameter was decoded as a space", "the official client encodes phone", "workaround=\"encode the number (%2B15555555555"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %s:\n%s", want, logs.String())
		}
	}
	if strings.Contains(logs.String(), "without '+'") {
		t.Errorf("the phone's line suggests numbers without '+':\n%s", logs.String())
	}
}

func TestResetPwdWithTokenErrors(t *testing.T) {
	h := newHarness(t, nil)
	newPassword := map[string]string{"newPassword": "N3w-secret"}
	h.runErrorCases([]errorCase{
		{"empty key", apiCall("POST", "/reset-pwd?key=", newPassword), 400, "missing_access_token", "Cannot identify the access token"},
		{"no key", apiCall("POST", "/reset-pwd", newPassword), 400, "missing_access_token", "Cannot identify the access token"},
		{"unknown key", apiCall("POST", "/reset-pwd?key=0e55c6fa93ae4e8cb11b35", newPassword), 403, "invalid_access_token", "Invalid or expired access token"},
	})

	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	token := h.follow(h.latestEmail("", verified, "reset-pwd").Link).Query().Get("access_token")
	reset := "/reset-pwd?key=" + token
	h.runErrorCases([]errorCase{
		{"password too short", apiCall("POST", reset, map[string]string{"newPassword": "abc"}),
			400, "validation_error", "New password can be at least 6 and at most 50 characters long"},
		{"password too long", apiCall("POST", reset, map[string]string{"newPassword": strings.Repeat("x", 51)}),
			400, "validation_error", "New password can be at least 6 and at most 50 characters long"},
		{"no body", apiCall("POST", reset, nil),
			400, "validation_error", "New password needs to be provided, cannot be left empty."},
		{"password not a string", apiCall("POST", reset, map[string]any{"newPassword": 123456}),
			400, "validation_error", "New password must be of type string."},
		{"not JSON", rawCall("POST", "/_api/rest/v1/auth"+reset, hdr{"X-Client-Key": "k", "Content-Type": "text/plain"}, "N3w-secret"),
			415, "unsupported_media_type", ""},
		{"broken JSON", rawCall("POST", "/_api/rest/v1/auth"+reset, hdr{"X-Client-Key": "k", "Content-Type": "application/json"}, `{"newPassword":`),
			400, "invalid_request_body_syntax", ""},
	})
	tooShort := h.api("POST", reset, "", map[string]string{"newPassword": "abc"})
	if d := tooShort.errorItems(t)[0].Details; d["param"] != "newPassword" || d["location"] != "body" {
		t.Fatalf("details %v", d)
	}

	// None of the rejected calls used the token up.
	h.api("POST", reset, "", newPassword).wantStatus(t, 200)
	h.signInEmail(verified, "N3w-secret")
}

func TestAccessTokenOfAnotherKindIsNotAResetToken(t *testing.T) {
	h := newHarness(t, nil)
	var out signedIn
	h.api("POST", "/signup-email", "", map[string]string{"email": "new@example.com", "password": "Passw0rd!"}).
		wantStatus(t, 200).json(t, &out)
	loc := h.follow(h.latestEmail("", "new@example.com", "email-confirm").Link)
	h.api("POST", "/reset-pwd?key="+loc.Query().Get("access_token"), "", map[string]string{"newPassword": "N3w-secret"}).
		wantError(t, 403, "invalid_access_token", "")
}

// Concurrent redemptions of one link or one access token: exactly one wins.
func TestConcurrentDoubleUse(t *testing.T) {
	h := newHarness(t, nil)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	link := h.latestEmail("", verified, "reset-pwd").Link

	const n = 16
	locations := race(n, func() string {
		return h.follow(link).Query().Get("access_token")
	})
	var tokens []string
	for _, tok := range locations {
		if tok != "" {
			tokens = append(tokens, tok)
		}
	}
	if len(tokens) != 1 {
		t.Fatalf("%d of %d concurrent follows got an access token", len(tokens), n)
	}

	statuses := race(n, func() int {
		return h.api("POST", "/reset-pwd?key="+tokens[0], "", map[string]string{"newPassword": "N3w-secret"}).status
	})
	wins := 0
	for _, s := range statuses {
		switch s {
		case 200:
			wins++
		case 403:
		default:
			t.Fatalf("status %d", s)
		}
	}
	if wins != 1 {
		t.Fatalf("%d of %d concurrent resets won", wins, n)
	}
}

// race runs fn n times at once, released together, and answers the results.
func race[T any](n int, fn func() T) []T {
	out := make([]T, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			out[i] = fn()
		}()
	}
	start.Done()
	done.Wait()
	return out
}

func TestResetPasswordByCode(t *testing.T) {
	h := newHarness(t, nil)
	const phone = "+15555555555"
	h.api("POST", "/send-reset-code?phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200)
	sms := h.latestSMS("", phone, "reset-pwd-code")
	if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(sms.Code) || sms.Body != "Your authorization code is "+sms.Code {
		t.Fatalf("sms %+v", sms)
	}
	if !sms.ExpiresAt.Equal(epoch.Add(time.Hour)) {
		t.Fatalf("expiresAt %v", sms.ExpiresAt)
	}
	h.api("POST", "/reset-pwd-code?phone="+url.QueryEscape(phone)+"&code="+sms.Code, "", map[string]string{"newPassword": "N3w-secret"}).
		wantStatus(t, 200)

	h.api("POST", "/signin-phone", "", map[string]string{"phone": phone, "password": "Passw0rd!"}).
		wantError(t, 401, "invalid_credentials", "Invalid credentials. Phone number or password provided is invalid.")
	var out signedIn
	h.api("POST", "/signin-phone", "", map[string]string{"phone": phone, "password": "N3w-secret"}).wantStatus(t, 200).json(t, &out)
	if out.Session == nil || out.User["phone"] != phone {
		t.Fatalf("sign-in answer %+v", out)
	}

	h.api("POST", "/reset-pwd-code?phone="+url.QueryEscape(phone)+"&code="+sms.Code, "", map[string]string{"newPassword": "Other-secret"}).
		wantError(t, 403, "invalid_access_token", "Invalid or expired SMS code")
}

func TestResetCodeIsBoundToPhonePurposeAndTime(t *testing.T) {
	h := newHarness(t, nil)
	const phone, other = "+15555555555", "+15555550111"
	reset := func(phone, code string) resp {
		return h.api("POST", "/reset-pwd-code?phone="+url.QueryEscape(phone)+"&code="+code, "", map[string]string{"newPassword": "N3w-secret"})
	}

	h.api("POST", "/send-reset-code?phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200)
	code := h.latestSMS("", phone, "reset-pwd-code").Code
	reset(other, code).wantError(t, 403, "invalid_access_token", "Invalid or expired SMS code")

	// A sign-up confirmation code is not a reset code.
	h.api("POST", "/signup-phone", "", map[string]string{"phone": "+15555550199", "password": "Passw0rd!"}).wantStatus(t, 200)
	confirm := h.latestSMS("", "+15555550199", "phone-confirm").Code
	reset("+15555550199", confirm).wantError(t, 400, "invalid_action_type", "")

	h.clock.Advance(time.Hour)
	reset(phone, code).wantError(t, 403, "invalid_access_token", "Invalid or expired SMS code")

	h.patchConfig("", map[string]any{"smsCodeTTL": "2m"})
	h.api("POST", "/send-reset-code?phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200)
	code = h.latestSMS("", phone, "reset-pwd-code").Code
	h.clock.Advance(119 * time.Second)
	reset(phone, "000000").wantError(t, 403, "invalid_access_token", "")
	reset(phone, code).wantStatus(t, 200)
}

func TestSendResetPwdCodeErrors(t *testing.T) {
	h := newHarness(t, nil)
	h.runErrorCases([]errorCase{
		{"unverified phone", apiCall("POST", "/send-reset-code?phone=%2B15555550100", nil),
			401, "phone_not_verified", "The phone number has not been verified yet."},
		{"unknown phone", apiCall("POST", "/send-reset-code?phone=%2B15555550000", nil),
			404, "user_not_found", "Invalid credentials. No such account found with the provided phone number."},
		{"malformed phone", apiCall("POST", "/send-reset-code?phone=555", nil),
			400, "validation_error", "Not a valid phone number. Phone number must be in international format [+] [country code] [subscriber number including area code]"},
		{"empty phone", apiCall("POST", "/send-reset-code?phone=", nil),
			400, "validation_error", "Phone needs to be provided, cannot be left empty."},
		{"no phone", apiCall("POST", "/send-reset-code", nil),
			400, "validation_error", "Phone needs to be provided, cannot be left empty."},
	})
	// A hand-typed "+" arrives as a space: Altogic trims the value and
	// refuses a number without its "+".
	h.runErrorCases([]errorCase{
		{"unencoded +", apiCall("POST", "/send-reset-code?phone=+15555555555", nil),
			400, "validation_error", "Not a valid phone number. Phone number must be in international format [+] [country code] [subscriber number including area code]"},
	})

	h.patchConfig("", map[string]any{"phoneConfirmation": false})
	h.runErrorCases([]errorCase{
		{"confirmation off", apiCall("POST", "/send-reset-code?phone=%2B15555555555", nil),
			401, "phone_verification_disabled", "Phone number confirmation is disabled in your app version authentication settings."},
	})
}

func TestResetPwdWithCodeErrors(t *testing.T) {
	h := newHarness(t, nil)
	body := map[string]string{"newPassword": "N3w-secret"}
	h.runErrorCases([]errorCase{
		{"empty phone", apiCall("POST", "/reset-pwd-code?phone=&code=123456", body), 400, "missing_phone_number", "Cannot identify the phone number"},
		{"empty code", apiCall("POST", "/reset-pwd-code?phone=%2B15555555555&code=", body), 400, "missing_sms_code", "Cannot identify the SMS code"},
		{"no code", apiCall("POST", "/reset-pwd-code?phone=%2B15555555555", body), 400, "missing_sms_code", "Cannot identify the SMS code"},
	})

	h.api("POST", "/send-reset-code?phone=%2B15555555555", "", nil).wantStatus(t, 200)
	code := h.latestSMS("", "+15555555555", "").Code
	h.api("POST", "/reset-pwd-code?phone=%2B15555555555&code="+code, "", map[string]string{"newPassword": "short"}).
		wantError(t, 400, "validation_error", "New password can be at least 6 and at most 50 characters long")

	statuses := race(12, func() int {
		return h.api("POST", "/reset-pwd-code?phone=%2B15555555555&code="+code, "", body).status
	})
	wins := 0
	for _, s := range statuses {
		if s == 200 {
			wins++
		} else if s != 403 {
			t.Fatalf("status %d", s)
		}
	}
	if wins != 1 {
		t.Fatalf("%d concurrent code resets won", wins)
	}
}

// TestConcurrentResetFlows runs 64 clients doing complete reset flows across
// 16 environments at once (bounded: 3 flows each, loopback only): no errors,
// every new password signs in, and no token or code is redeemed twice.
func TestConcurrentResetFlows(t *testing.T) {
	h := newHarness(t, nil)
	const clients, envs, flows = 64, 16, 3
	var redeemed, rejectedReuse atomic.Int64
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			env := fmt.Sprintf("load-%d", i%envs)
			prefix := "/e:" + env
			email := fmt.Sprintf("client%d@example.com", i)
			phone := fmt.Sprintf("+1555555%04d", i)
			h.do("POST", prefix+"/_emulator/users", nil, map[string]any{
				"email": email, "phone": phone, "password": "Start-pw0", "emailVerified": true, "phoneVerified": true,
			}).wantStatus(t, 201)
			password := "Start-pw0"
			for f := range flows {
				next := fmt.Sprintf("New-pw-%d-%d", i, f)
				if f%2 == 0 { // by email link
					h.envAPI(env, "POST", "/send-reset?email="+email, "", nil).wantStatus(t, 200)
					var m struct{ Link string }
					h.do("GET", prefix+"/_emulator/inbox/emails/latest?wait=10s&action=reset-pwd&to="+url.QueryEscape(email), nil, nil).wantStatus(t, 200).json(t, &m)
					token := h.follow(m.Link).Query().Get("access_token")
					h.envAPI(env, "POST", "/reset-pwd?key="+token, "", map[string]string{"newPassword": next}).wantStatus(t, 200)
					redeemed.Add(1)
					if h.envAPI(env, "POST", "/reset-pwd?key="+token, "", map[string]string{"newPassword": "Other-pw0"}).status == 403 {
						rejectedReuse.Add(1)
					}
				} else { // by SMS code
					h.envAPI(env, "POST", "/send-reset-code?phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200)
					var s struct{ Code string }
					h.do("GET", prefix+"/_emulator/inbox/sms/latest?wait=10s&action=reset-pwd-code&to="+url.QueryEscape(phone), nil, nil).wantStatus(t, 200).json(t, &s)
					q := "?phone=" + url.QueryEscape(phone) + "&code=" + s.Code
					h.envAPI(env, "POST", "/reset-pwd-code"+q, "", map[string]string{"newPassword": next}).wantStatus(t, 200)
					redeemed.Add(1)
					if h.envAPI(env, "POST", "/reset-pwd-code"+q, "", map[string]string{"newPassword": "Other-pw0"}).status == 403 {
						rejectedReuse.Add(1)
					}
				}
				h.envAPI(env, "POST", "/signin-email", "", map[string]string{"email": email, "password": password}).wantStatus(t, 401)
				h.envAPI(env, "POST", "/signin-email", "", map[string]string{"email": email, "password": next}).wantStatus(t, 200)
				password = next
			}
		}()
	}
	wg.Wait()
	if redeemed.Load() != clients*flows || rejectedReuse.Load() != clients*flows {
		t.Fatalf("%d flows redeemed, %d reuses rejected; want %d of each", redeemed.Load(), rejectedReuse.Load(), clients*flows)
	}
}

// The token or code is checked before the new password, as Agnost checks
// them: an unknown token with a bad password is an unknown token.
func TestResetChecksTheTokenBeforeThePassword(t *testing.T) {
	h := newHarness(t, nil)
	h.runErrorCases([]errorCase{
		{"unknown token, short password", apiCall("POST", "/reset-pwd?key=0e55c6fa93ae4e8cb11b35", map[string]string{"newPassword": "abc"}),
			403, "invalid_access_token", "Invalid or expired access token"},
		{"unknown code, short password", apiCall("POST", "/reset-pwd-code?phone=%2B15555555555&code=123456", map[string]string{"newPassword": "abc"}),
			403, "invalid_access_token", "Invalid or expired SMS code"},
	})
}

// With email confirmation off, send-reset and send-magic answer an
// unverified address email_not_verified and a verified one
// email_verification_disabled: Agnost checks the address first.
func TestSendResetChecksTheAddressBeforeTheSetting(t *testing.T) {
	h := newHarness(t, nil)
	h.patchConfig("", map[string]any{"emailConfirmation": false})
	h.runErrorCases([]errorCase{
		{"unverified, send-reset", apiCall("POST", "/send-reset?email=unverified@example.com", nil),
			401, "email_not_verified", "The email address has not been verified yet."},
		{"unverified, send-magic", apiCall("POST", "/send-magic?email=unverified@example.com", nil),
			401, "email_not_verified", "The email address has not been verified yet."},
		{"verified, send-reset", apiCall("POST", "/send-reset?email="+verified, nil),
			401, "email_verification_disabled", "Email confirmation is disabled in your app version authentication settings."},
	})
}
