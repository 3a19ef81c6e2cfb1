package emulator

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

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

// A user who signed up with a provider is refused every password and
// address call, each with its own message, as Agnost's server answers.
func TestProviderUsersAreRefusedPasswordCalls(t *testing.T) {
	h := newHarness(t, nil)
	res := h.do("GET", "/_auth/google?email=gina@example.com&name=Gina&id=g-1", nil, nil).wantStatus(t, http.StatusFound)
	loc, _ := url.Parse(res.header.Get("Location"))
	session := h.grant(loc.Query().Get("access_token")).Session.Token
	const prefix = "Invalid credentials. You have signed up using your google credentials. "
	withSession := func(path string, body any) func(h *harness) resp {
		return func(h *harness) resp { return h.api("POST", path, session, body) }
	}
	h.runErrorCases([]errorCase{
		{"signInWithEmail", apiCall("POST", "/signin-email", map[string]string{"email": "gina@example.com", "password": "whatever"}),
			401, "invalid_credentials", prefix + "You cannot sign in with an email and password."},
		{"resendVerificationEmail", apiCall("POST", "/resend?email=gina@example.com", nil),
			401, "invalid_credentials", prefix + "You cannot send a verification email."},
		{"sendMagicLinkEmail", apiCall("POST", "/send-magic?email=gina@example.com", nil),
			401, "invalid_credentials", prefix + "You cannot send a magic link email."},
		{"sendResetPwdEmail", apiCall("POST", "/send-reset?email=gina@example.com", nil),
			401, "invalid_credentials", prefix + "You cannot send a reset password email."},
		{"changePassword", withSession("/change-pwd", map[string]string{"newPassword": "N3w-secret", "oldPassword": "whatever"}),
			401, "invalid_credentials", prefix + "You cannot change the password of accounts that are authorized using Oauth2 providers."},
		{"changeEmail", withSession("/change-email", map[string]string{"newEmail": "g2@example.com", "currentPassword": "whatever"}),
			401, "invalid_credentials", prefix + "You cannot change the email of accounts that are authorized using Oauth2 providers."},
		{"changePhone", withSession("/change-phone", map[string]string{"newPhone": "+15555550199", "currentPassword": "whatever"}),
			401, "invalid_credentials", prefix + "You cannot change the phone number for accounts that are authorized using Oauth2 providers."},
	})
}

// The consent page offers the provider's existing users, as a provider's
// account chooser does; following one signs that user in.
func TestConsentPageListsTheProvidersUsers(t *testing.T) {
	h := newHarness(t, nil)
	h.do("GET", "/_auth/github?email=gina@example.com&name=Gina%20%3Cb%3E&id=gh-1", nil, nil).wantStatus(t, http.StatusFound)
	h.do("GET", "/_auth/google?email=other@example.com&id=g-9", nil, nil).wantStatus(t, http.StatusFound)
	page := string(h.do("GET", "/_auth/github", nil, nil).wantStatus(t, 200).body)
	link := regexp.MustCompile(`<a href="\?([^"]+)">Gina &lt;b&gt; \(gina@example.com\)</a>`).FindStringSubmatch(page)
	if link == nil || strings.Contains(page, "other@example.com") {
		t.Fatalf("consent page:\n%s", page)
	}
	q, _ := url.ParseQuery(strings.ReplaceAll(link[1], "&amp;", "&"))
	res := h.do("GET", "/_auth/github?"+q.Encode(), nil, nil).wantStatus(t, http.StatusFound)
	if loc, _ := url.Parse(res.header.Get("Location")); loc.Query().Get("action") != "oauth-signin" {
		t.Fatalf("following the chooser: %s", res.header.Get("Location"))
	}
}
