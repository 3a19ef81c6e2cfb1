package emulator

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/altogic-emulator/altogic-emulator/fixtures"
)

// The four password-reset flows and the email link they start from.
//
// Check order, where the real service's is unknown: the user lookup, then
// the confirmation setting, then the verification state (with confirmation
// off nobody's address is meaningfully verified, so that answer is the more
// useful one).

// locked runs fn holding the environment's lock.
func locked[T any](en *env, fn func() (T, error)) (T, error) {
	en.mu.Lock()
	defer en.mu.Unlock()
	return fn()
}

// sendResetPwdEmail is POST /send-reset?email=.
func (e *Emulator) sendResetPwdEmail(c *call) (any, error) {
	return c.sendLinkEmail("reset-pwd", requireConfirmedEmail)
}

// linkActions are the actions of links in emails.
var linkActions = map[string]bool{"reset-pwd": true, "email-confirm": true, "magic-link": true, "change-email": true}

// verifyEmailLink is GET /_auth/verify?key=: the browser follows an email's
// link, and is redirected to the Redirect URL with the outcome.
func (e *Emulator) verifyEmailLink(c *call) (any, error) {
	key := strings.TrimSpace(c.query("key"))
	en := c.env
	en.mu.Lock()
	defer en.mu.Unlock()
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
		return failRedirect(redirect, http.StatusNotFound, lt.action, "The user associated with the token does not exist."), nil
	}
	kind, status, failure := en.applyLinkLocked(lt, u)
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

// resetPwdWithToken is POST /reset-pwd?key= with {newPassword}.
func (e *Emulator) resetPwdWithToken(c *call) (any, error) {
	key := strings.TrimSpace(c.query("key"))
	if key == "" {
		return nil, newError(http.StatusBadRequest, codeMissingAccessToken, msgMissingAccessToken)
	}
	var body struct {
		NewPassword string `json:"newPassword"`
	}
	if err := c.decode(&body); err != nil {
		return nil, err
	}
	return locked(c.env, func() (any, error) {
		en := c.env
		var fe fieldErrors
		fe.newPassword("newPassword", "body", body.NewPassword, en.settings)
		if err := fe.err(); err != nil {
			return nil, err
		}
		at, _ := en.access.get(key)
		if at == nil || at.used || !c.now.Before(at.expires) || at.kind != "reset-pwd" {
			return nil, newError(http.StatusForbidden, codeInvalidAccessToken, msgInvalidAccessToken)
		}
		at.used = true
		u := en.users[at.userID]
		if u == nil {
			return nil, newError(http.StatusUnauthorized, codeUserNotFound, msgTokenUserGone)
		}
		u.setPassword(body.NewPassword)
		return emptyOK{}, nil
	})
}

// sendResetPwdCode is POST /send-reset-code?phone=.
func (e *Emulator) sendResetPwdCode(c *call) (any, error) {
	return c.sendCodeSMS("reset-pwd-code", func(s fixtures.Settings, u *user) error {
		switch {
		case !s.PhoneConfirmation:
			return newError(http.StatusUnauthorized, codePhoneVerifyDisabled, msgPhoneVerifyDisabled)
		case !u.phoneVerified:
			return newError(http.StatusUnauthorized, codePhoneNotVerified, msgPhoneNotVerified)
		}
		return nil
	})
}

// resetPwdWithCode is POST /reset-pwd-code?phone=&code= with {newPassword}.
func (e *Emulator) resetPwdWithCode(c *call) (any, error) {
	var body struct {
		NewPassword string `json:"newPassword"`
	}
	if err := c.decode(&body); err != nil {
		return nil, err
	}
	return c.redeemCode("reset-pwd-code", msgCodeNotForReset,
		func(settings fixtures.Settings) error {
			var fe fieldErrors
			fe.newPassword("newPassword", "body", body.NewPassword, settings)
			return fe.err()
		},
		func(_ *smsCode, u *user) (any, error) {
			u.setPassword(body.NewPassword)
			return emptyOK{}, nil
		})
}
