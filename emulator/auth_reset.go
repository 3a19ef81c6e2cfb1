package emulator

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/altogic-emulator/altogic-emulator/inbox"
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
	email := c.queryEmail()
	var fe fieldErrors
	fe.email("email", "query", email)
	if err := fe.err(); err != nil {
		return nil, err
	}
	m, err := locked(c.env, func() (inbox.Email, error) {
		en := c.env
		u := en.userByEmailLocked(email)
		switch {
		case u == nil:
			return inbox.Email{}, newError(http.StatusUnauthorized, codeInvalidCredentials, msgNoSuchEmail)
		case !en.settings.EmailConfirmation:
			return inbox.Email{}, newError(http.StatusUnauthorized, codeEmailVerifyDisabled, msgEmailVerifyDisabled)
		case !u.emailVerified:
			return inbox.Email{}, newError(http.StatusUnauthorized, codeEmailNotVerified, msgEmailNotVerified)
		}
		return c.linkEmail(en.issueLinkLocked("reset-pwd", u, u.email, c.now), u.name), nil
	})
	if err != nil {
		return nil, err
	}
	c.captureEmail(m)
	return emptyOK{}, nil
}

// The link actions of emails and what the access token of each is for.
var linkActions = map[string]string{
	"reset-pwd":     "reset-pwd",
	"email-confirm": "email-signin",
	"magic-link":    "magic-link",
	"change-email":  "",
}

// verifyEmailLink is GET /_auth/verify?key=: the browser follows an email's
// link, and is redirected to the Redirect URL with the outcome.
func (e *Emulator) verifyEmailLink(c *call) (any, error) {
	key := strings.TrimSpace(c.query("key"))
	en := c.env
	en.mu.Lock()
	defer en.mu.Unlock()
	redirect := en.settings.RedirectURL
	lt := en.links[key]
	if lt == nil || lt.used || !c.now.Before(lt.expires) {
		action := c.query("action")
		if lt != nil {
			action = lt.action
		}
		if _, known := linkActions[action]; !known {
			action = ""
		}
		return failRedirect(redirect, http.StatusBadRequest, action, msgInvalidAccessToken), nil
	}
	lt.used = true
	u := en.users[lt.userID]
	if u == nil {
		return failRedirect(redirect, http.StatusNotFound, lt.action, "The user associated with the token does not exist."), nil
	}
	switch lt.action {
	case "email-confirm":
		if u.emailVerified {
			return failRedirect(redirect, http.StatusUnauthorized, lt.action, "The email of the user has already been verified."), nil
		}
		u.emailVerified = true
	case "reset-pwd", "magic-link":
		if !u.emailVerified {
			return failRedirect(redirect, http.StatusUnauthorized, lt.action, "The email of the user has not been verified yet."), nil
		}
	}
	at := en.issueAccessLocked(linkActions[lt.action], u.id, c.now)
	return redirectTo(appendQuery(redirect, "status", "200", "action", lt.action, "access_token", at.token)), nil
}

func failRedirect(base string, status int, action, message string) redirectTo {
	kv := []string{"status", strconv.Itoa(status)}
	if action != "" {
		kv = append(kv, "action", action)
	}
	return redirectTo(appendQuery(base, append(kv, "error", message)...))
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
		at := en.access[key]
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
	phone := c.queryPhone()
	var fe fieldErrors
	fe.phone("phone", "query", phone)
	if err := fe.err(); err != nil {
		return nil, err
	}
	m, err := locked(c.env, func() (inbox.SMS, error) {
		en := c.env
		u := en.userByPhoneLocked(phone)
		switch {
		case u == nil:
			return inbox.SMS{}, newError(http.StatusNotFound, codeUserNotFound, msgNoSuchPhone)
		case !en.settings.PhoneConfirmation:
			return inbox.SMS{}, newError(http.StatusUnauthorized, codePhoneVerifyDisabled, msgPhoneVerifyDisabled)
		case !u.phoneVerified:
			return inbox.SMS{}, newError(http.StatusUnauthorized, codePhoneNotVerified, msgPhoneNotVerified)
		}
		return c.codeSMS(en.issueCodeLocked("reset-pwd-code", u, phone, c.now)), nil
	})
	if err != nil {
		return nil, err
	}
	c.captureSMS(m)
	return emptyOK{}, nil
}

// resetPwdWithCode is POST /reset-pwd-code?phone=&code= with {newPassword}.
func (e *Emulator) resetPwdWithCode(c *call) (any, error) {
	phone := c.queryPhone()
	code := strings.TrimSpace(c.query("code"))
	switch {
	case phone == "":
		return nil, newError(http.StatusBadRequest, codeMissingPhone, msgMissingPhone)
	case code == "":
		return nil, newError(http.StatusBadRequest, codeMissingSMSCode, msgMissingSMSCode)
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
		sc := en.codes[codeKey(phone, code)]
		if sc == nil || sc.used || !c.now.Before(sc.expires) {
			return nil, newError(http.StatusForbidden, codeInvalidAccessToken, msgInvalidSMSCode)
		}
		if sc.action != "reset-pwd-code" {
			return nil, newError(http.StatusBadRequest, codeInvalidActionType, msgCodeNotForReset)
		}
		sc.used = true
		u := en.users[sc.userID]
		if u == nil || u.phone != phone {
			return nil, newError(http.StatusUnauthorized, codeUserNotFound, msgTokenUserGone)
		}
		u.setPassword(body.NewPassword)
		return emptyOK{}, nil
	})
}
