package emulator

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/altogic-emulator/altogic-emulator/fixtures"
)

// requireConfirmedEmail is the precondition of send-reset and send-magic:
// the address verified, then email confirmation on (in that order, as
// Agnost checks them: with confirmation off, an unverified address is
// answered email_not_verified).
func requireConfirmedEmail(s fixtures.Settings, u *user) error {
	switch {
	case !u.emailVerified:
		return errEmailNotVerified
	case !s.EmailConfirmation:
		return errEmailVerifyDisabled
	}
	return nil
}

// sendLinkEmail is the shape of send-reset, send-magic and resend: look the
// user up by the email query parameter, check the precondition, and send a
// link with that action.
func (c *call) sendLinkEmail(action string, check func(fixtures.Settings, *user) error) (any, error) {
	email := c.queryEmail()
	var fe fieldErrors
	fe.email("email", "query", email)
	if err := fe.err(); err != nil {
		return nil, err
	}
	en := c.env
	u := en.userByEmailLocked(email)
	if u == nil {
		return nil, errNoSuchEmail
	}
	if u.provider != "altogic" {
		return nil, errProviderUser(c.operation, u.provider)
	}
	if err := check(en.settings, u); err != nil {
		return nil, err
	}
	c.sendEmail(c.linkEmail(en.issueLinkLocked(action, u, u.email, c.now), u))
	return emptyOK{}, nil
}

// applyLinkLocked performs a followed link's action on u, answering the
// redirect's failure (status, message) or the access-token kind to issue
// ("" for none).
func (en *env) applyLinkLocked(lt *linkToken, u *user) (kind string, status int, failure string) {
	if lt.action != "change-email" && lt.email != u.email {
		// The address changed since, if only in letter case (changeEmail
		// keeps it), as Agnost compares them.
		return "", http.StatusUnauthorized, msgInvalidAccessToken
	}
	switch lt.action {
	case "email-confirm":
		if u.emailVerified {
			return "", http.StatusUnauthorized, msgLinkAlreadyVerified
		}
		u.emailVerified = true
		return "email-signin", 0, ""
	case "change-email":
		if !u.emailVerified { // Agnost: the current address must be verified
			return "", http.StatusUnauthorized, msgLinkNotVerified
		}
		if other := en.userByEmailLocked(lt.email); other != nil && other != u {
			return "", http.StatusUnauthorized, msgEmailNotUnique
		}
		en.setEmailLocked(u, lt.email)
		u.emailVerified = true
		return "", 0, ""
	default: // reset-pwd, magic-link
		if !u.emailVerified {
			return "", http.StatusUnauthorized, msgLinkNotVerified
		}
		return lt.action, 0, ""
	}
}

// linkActions are the actions of links in emails.
var linkActions = map[string]bool{"reset-pwd": true, "email-confirm": true, "magic-link": true, "change-email": true}

// verifyEmailLink is GET /_auth/verify?key=: the browser follows an email's
// link, and is redirected to the Redirect URL with the outcome.
func (e *Emulator) verifyEmailLink(c *call) (any, error) {
	key := strings.TrimSpace(c.query("key"))
	en := c.env
	redirect := en.settings.RedirectURL
	lt, _ := en.links.get(key)
	if lt == nil || lt.used || !c.now.Before(lt.expires) {
		action := c.query("action")
		if lt != nil {
			action = lt.action
		}
		if !linkActions[action] {
			action = ""
		}
		return failRedirect(redirect, http.StatusBadRequest, action, msgInvalidAccessToken), nil
	}
	lt.used = true
	u := en.users[lt.userID]
	if u == nil {
		return failRedirect(redirect, http.StatusNotFound, lt.action, msgLinkUserGone), nil
	}
	kind, status, failure := en.applyLinkLocked(lt, u)
	switch {
	case failure != "":
	case lt.action == "change-email":
		c.sendUserEvent(u, "user:emailchange", nil)
		c.sendUserEvent(u, "user:update", nil)
	case lt.action == "email-confirm":
		c.sendUserEvent(u, "user:update", nil) // now verified
	}
	if failure != "" {
		return failRedirect(redirect, status, lt.action, failure), nil
	}
	if kind == "" {
		return redirectTo(appendQuery(redirect, "status", "200", "action", lt.action)), nil
	}
	at := en.issueAccessLocked(kind, u.id, c.now)
	return redirectTo(appendQuery(redirect, "status", "200", "action", lt.action, "access_token", at.token)), nil
}

// failRedirect is the redirect of a link or OAuth sign-in that failed.
func failRedirect(base string, status int, action, message string) failedRedirect {
	kv := []string{"status", strconv.Itoa(status)}
	if action != "" {
		kv = append(kv, "action", action)
	}
	return failedRedirect(appendQuery(base, append(kv, "error", message)...))
}

// appendQuery appends key=value pairs, in order and form-encoded (spaces as
// "+"), to any query the URL already has.
func appendQuery(base string, kv ...string) string {
	var b strings.Builder
	b.WriteString(base)
	sep := "?"
	if i := strings.IndexByte(base, '?'); i >= 0 {
		sep = "&"
		if i == len(base)-1 || strings.HasSuffix(base, "&") {
			sep = ""
		}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		b.WriteString(sep)
		b.WriteString(url.QueryEscape(kv[i]))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(kv[i+1]))
		sep = "&"
	}
	return b.String()
}
