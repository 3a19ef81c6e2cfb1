package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// OAuth without an identity provider: GET /_auth/{provider} signs in (or
// signs up) the user named by the query, or shows a small consent page that
// asks for one, then redirects as Altogic does after a provider's callback.
//
//	/_auth/google?email=ann@example.com&name=Ann&id=google-uid-1
//
// id is the provider's user id (default: derived from provider and email).

// signInWithProvider is GET /_auth/{provider}.
func (e *Emulator) signInWithProvider(c *call) (any, error) {
	// What is kept is copied out of the request: a substring would keep
	// the whole request line alive (a 60 KB query, say) as long as the user.
	provider := strings.Clone(c.params["provider"])
	email := strings.Clone(normalizeEmail(strings.ReplaceAll(c.query("email"), " ", "+")))
	if email == "" || !validEmail(email) {
		c.unchanged = true
		problem := ""
		if email != "" {
			problem = msgBadEmailFormat
		}
		return rawBody{contentType: "text/html; charset=utf-8", body: consentPage(provider, problem, c.env.providerUsersLocked(provider))}, nil
	}
	providerID := strings.Clone(strings.TrimSpace(c.query("id")))
	if providerID == "" {
		sum := sha256.Sum256([]byte(provider + "\x00" + email))
		providerID = hex.EncodeToString(sum[:10])
	}
	name := strings.Clone(strings.TrimSpace(c.query("name")))

	en := c.env
	redirect := en.settings.RedirectURL
	var u *user
	for _, candidate := range en.users {
		if candidate.provider == provider && candidate.providerID == providerID {
			u = candidate
			break
		}
	}
	action := "oauth-signin"
	if u == nil {
		if other := en.userByEmailLocked(email); other != nil {
			return failRedirect(redirect, http.StatusUnauthorized, action, fmt.Sprintf(
				"User cannot be authenticated through %s OAuth flow. An account with the same email (%s) already exists. You need to use the credentials of that account for authorization.",
				provider, email)), nil
		}
		action = "oauth-signup"
		u = newUser("", email, "", randomHex(32), userData{name: name, emailVerified: true, extra: map[string]json.RawMessage{}}, c.now)
		u.provider, u.providerID = provider, providerID
		if err := en.addUserLocked(u); err != nil {
			return failRedirect(redirect, http.StatusTooManyRequests, action, asAPIError(err).items[0].Message), nil
		}
	}
	at := en.issueAccessLocked(action, u.id, c.now)
	return redirectTo(appendQuery(redirect, "access_token", at.token, "action", action, "status", "200")), nil
}

func validEmail(s string) bool {
	var fe fieldErrors
	fe.email("email", "query", s)
	return fe.err() == nil
}

// maxConsentUsers bounds the existing users the consent page offers.
const maxConsentUsers = 50

// providerUsersLocked answers the users who signed up with provider, the
// oldest first, at most maxConsentUsers.
func (en *env) providerUsersLocked(provider string) []*user {
	var out []*user
	for _, u := range en.users {
		if u.provider == provider {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].signUpAt.Equal(out[j].signUpAt) {
			return out[i].signUpAt.Before(out[j].signUpAt)
		}
		return out[i].id < out[j].id
	})
	return out[:min(len(out), maxConsentUsers)]
}

// consentPage asks which user signs in: the emulator's stand-in for the
// provider's own sign-in page, offering the provider's existing users (as
// a provider's account chooser does) and a form for another. It needs no
// script and no outside assets.
func consentPage(provider, problem string, existing []*user) string {
	p := html.EscapeString(provider)
	title := strings.ToUpper(p[:1]) + p[1:]
	msg := ""
	if problem != "" {
		msg = `<p role="alert" style="color:#b91c1c">` + html.EscapeString(problem) + `</p>`
	}
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in with ` + title + ` (altogic-emulator)</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:sans-serif;max-width:26rem;margin:3rem auto;line-height:1.5">
<h1 style="font-size:1.4rem">Sign in with ` + title + `</h1>
<p>altogic-emulator has no real ` + title + ` account: choose the user this sign-in returns.
A new email signs up a new user (<code>oauth-signup</code>); a known one signs in (<code>oauth-signin</code>).</p>` + msg + accountChooser(existing) + `
<form method="get">
<p><label>Email<br><input name="email" type="email" required autofocus style="width:100%"></label></p>
<p><label>Name<br><input name="name" style="width:100%"></label></p>
<p><label>` + title + ` user id (optional)<br><input name="id" style="width:100%"></label></p>
<p><button type="submit">Continue</button></p>
</form></body></html>`
}

// accountChooser lists existing users as links that sign them in.
func accountChooser(users []*user) string {
	if len(users) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(`<h2 style="font-size:1.1rem">Continue as</h2><ul>`)
	for _, u := range users {
		q := url.Values{"email": {u.email}, "id": {u.providerID}}
		if u.name != "" {
			q.Set("name", u.name)
		}
		label := u.email
		if u.name != "" {
			label = u.name + " (" + u.email + ")"
		}
		b.WriteString(`<li><a href="?` + html.EscapeString(q.Encode()) + `">` + html.EscapeString(label) + `</a></li>`)
	}
	b.WriteString(`</ul><h2 style="font-size:1.1rem">Or another account</h2>`)
	return b.String()
}
