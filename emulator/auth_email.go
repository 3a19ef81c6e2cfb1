package emulator

import (
	"github.com/altogic-emulator/altogic-emulator/fixtures"
	"github.com/altogic-emulator/altogic-emulator/internal/validatorjs"
)

// The email side: links sent by email, and changing the address.

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
			return errEmailAlreadyVerified
		case !s.EmailConfirmation:
			return errEmailVerifyDisabled
		}
		return nil
	})
}

// changeEmail is POST /change-email with {currentPassword, newEmail}. With
// email confirmation on, a change-email link goes to the new address and the
// unchanged user is answered; off, the address changes at once (its
// verified flag kept, as Agnost keeps it). The answer is the bare user, as
// the JS client expects.
//
// As in Agnost's server: the session first, then the fields; the new
// address is trimmed but keeps its letter case (sign-up lower-cases); a
// taken address (the user's own included) is answered before a wrong
// password, with details.param "email".
func (e *Emulator) changeEmail(c *call) (any, error) {
	var b struct {
		CurrentPassword string `json:"currentPassword"`
		NewEmail        string `json:"newEmail"`
	}
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	cur, u, err := c.sessionLocked()
	if err != nil {
		return nil, err
	}
	newEmail := validatorjs.Trim(b.NewEmail)
	var fe fieldErrors
	fe.email("newEmail", "body", newEmail)
	fe.present("currentPassword", "body", b.CurrentPassword)
	if err := fe.err(); err != nil {
		return nil, err
	}
	en := c.env
	if u.provider != "altogic" {
		return nil, errProviderUser(c.operation, u.provider)
	}
	if other := en.userByEmailLocked(newEmail); other != nil {
		return nil, errEmailNotUnique.withValue("email", newEmail)
	}
	if !u.checkPassword(b.CurrentPassword) {
		return nil, errWrongCurrentPassword
	}
	if en.settings.EmailConfirmation {
		c.sendEmail(c.linkEmail(en.issueLinkLocked("change-email", u, newEmail, c.now), u))
		return u.snapshot(), nil
	}
	// Unconfirmed, the new address is not verified: Altogic's own example
	// of this answer has emailVerified false (Agnost keeps the flag).
	en.setEmailLocked(u, newEmail)
	u.emailVerified = false
	c.sendUserEvent(u, "user:emailchange", cur)
	c.sendUserEvent(u, "user:update", cur)
	return u.snapshot(), nil
}
