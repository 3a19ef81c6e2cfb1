package emulator

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/altogic-emulator/altogic-emulator/fixtures"
	"github.com/altogic-emulator/altogic-emulator/inbox"
)

// The email side: links sent by email, and changing the address.

// checkGate answers not_allowed when the operation's kind of
// authentication is switched off in the environment's settings.
func (c *call) checkGate(gate string) error {
	if gate == "" {
		return nil
	}
	s := c.settings()
	switch {
	case gate == "email" && !s.EmailAuth:
		return newError(http.StatusUnauthorized, codeNotAllowed, msgEmailAuthOff)
	case gate == "phone" && !s.PhoneAuth:
		return newError(http.StatusUnauthorized, codeNotAllowed, msgPhoneAuthOff)
	}
	return nil
}

// settings answers a copy of the environment's settings.
func (c *call) settings() fixtures.Settings {
	c.env.mu.Lock()
	defer c.env.mu.Unlock()
	return c.env.settings
}

// requireConfirmedEmail is the precondition of send-reset and send-magic:
// email confirmation on and the address verified.
func requireConfirmedEmail(s fixtures.Settings, u *user) error {
	switch {
	case !s.EmailConfirmation:
		return newError(http.StatusUnauthorized, codeEmailVerifyDisabled, msgEmailVerifyDisabled)
	case !u.emailVerified:
		return newError(http.StatusUnauthorized, codeEmailNotVerified, msgEmailNotVerified)
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
	m, err := locked(c.env, func() (inbox.Email, error) {
		en := c.env
		u := en.userByEmailLocked(email)
		if u == nil {
			return inbox.Email{}, newError(http.StatusUnauthorized, codeInvalidCredentials, msgNoSuchEmail)
		}
		if u.provider != "altogic" {
			return inbox.Email{}, newError(http.StatusUnauthorized, codeInvalidCredentials, fmt.Sprintf(msgProviderPasswordLogin, u.provider))
		}
		if err := check(en.settings, u); err != nil {
			return inbox.Email{}, err
		}
		return c.linkEmail(en.issueLinkLocked(action, u, u.email, c.now), u), nil
	})
	if err != nil {
		return nil, err
	}
	c.captureEmail(m)
	return emptyOK{}, nil
}

// sendMagicLinkEmail is POST /send-magic?email=.
func (e *Emulator) sendMagicLinkEmail(c *call) (any, error) {
	return c.sendLinkEmail("magic-link", requireConfirmedEmail)
}

// resendVerificationEmail is POST /resend?email=: a new email-confirm link
// for an address not verified yet.
func (e *Emulator) resendVerificationEmail(c *call) (any, error) {
	return c.sendLinkEmail("email-confirm", func(s fixtures.Settings, u *user) error {
		switch {
		case u.emailVerified:
			return newError(http.StatusUnauthorized, codeEmailAlreadyVerified, msgEmailAlreadyVerified)
		case !s.EmailConfirmation:
			return newError(http.StatusUnauthorized, codeEmailVerifyDisabled, msgEmailVerifyDisabled)
		}
		return nil
	})
}

// changeEmail is POST /change-email with {currentPassword, newEmail}. With
// email confirmation on, a change-email link goes to the new address and the
// unchanged user is answered; off, the address changes at once (and is not
// verified). The answer is the bare user, as the JS client expects.
func (e *Emulator) changeEmail(c *call) (any, error) {
	var b struct {
		CurrentPassword string `json:"currentPassword"`
		NewEmail        string `json:"newEmail"`
	}
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	newEmail := normalizeEmail(b.NewEmail)
	var fe fieldErrors
	fe.email("newEmail", "body", newEmail)
	fe.present("currentPassword", "body", b.CurrentPassword)
	if err := fe.err(); err != nil {
		return nil, err
	}
	var mail *inbox.Email
	out, err := c.withSession(func(_ *session, u *user) (any, error) {
		en := c.env
		if other := en.userByEmailLocked(newEmail); other != nil {
			return nil, newError(http.StatusBadRequest, codeEmailNotUnique, msgEmailNotUnique).
				with(map[string]any{"value": newEmail, "param": "newEmail"})
		}
		if !u.checkPassword(b.CurrentPassword) {
			return nil, newError(http.StatusUnauthorized, codeInvalidCredentials, msgWrongCurrentPassword)
		}
		if en.settings.EmailConfirmation {
			m := c.linkEmail(en.issueLinkLocked("change-email", u, newEmail, c.now), u)
			mail = &m
			return u.snapshot(), nil
		}
		en.setEmailLocked(u, newEmail)
		u.emailVerified = false
		return u.snapshot(), nil
	})
	if mail != nil {
		c.captureEmail(*mail)
	}
	return out, err
}

// setEmailLocked changes u's address and the index.
func (en *env) setEmailLocked(u *user, email string) {
	if u.email != "" && en.byEmail[u.email] == u.id {
		delete(en.byEmail, u.email)
	}
	u.email = email
	en.byEmail[email] = u.id
	en.recostLocked(u)
}

// setPhoneLocked changes u's phone and the index.
func (en *env) setPhoneLocked(u *user, phone string) {
	if u.phone != "" && en.byPhone[u.phone] == u.id {
		delete(en.byPhone, u.phone)
	}
	u.phone = phone
	en.byPhone[phone] = u.id
	en.recostLocked(u)
}

// applyLinkLocked performs a followed link's action on u, answering the
// redirect's failure (status, message) or the access-token kind to issue
// ("" for none).
func (en *env) applyLinkLocked(lt *linkToken, u *user) (kind string, status int, failure string) {
	if lt.action != "change-email" && !strings.EqualFold(lt.email, u.email) {
		return "", http.StatusUnauthorized, msgInvalidAccessToken // the address changed since
	}
	switch lt.action {
	case "email-confirm":
		if u.emailVerified {
			return "", http.StatusUnauthorized, "The email of the user has already been verified."
		}
		u.emailVerified = true
		return "email-signin", 0, ""
	case "change-email":
		if other := en.userByEmailLocked(lt.email); other != nil && other != u {
			return "", http.StatusUnauthorized, msgEmailNotUnique
		}
		en.setEmailLocked(u, lt.email)
		u.emailVerified = true
		return "", 0, ""
	default: // reset-pwd, magic-link
		if !u.emailVerified {
			return "", http.StatusUnauthorized, "The email of the user has not been verified yet."
		}
		return lt.action, 0, ""
	}
}
