package emulator

import (
	"github.com/altogic-emulator/altogic-emulator/fixtures"
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
	_, u, err := c.sessionLocked()
	if err != nil {
		return nil, err
	}
	en := c.env
	if other := en.userByEmailLocked(newEmail); other != nil {
		return nil, errEmailNotUnique.withValue("newEmail", newEmail)
	}
	if !u.checkPassword(b.CurrentPassword) {
		return nil, errWrongCurrentPassword
	}
	if en.settings.EmailConfirmation {
		c.sendEmail(c.linkEmail(en.issueLinkLocked("change-email", u, newEmail, c.now), u))
		return u.snapshot(), nil
	}
	en.setEmailLocked(u, newEmail)
	u.emailVerified = false
	return u.snapshot(), nil
}
