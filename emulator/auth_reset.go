package emulator

import (
	"strings"

	"github.com/altogic-emulator/altogic-emulator/fixtures"
)

// The four password-reset flows and the email link they start from.
//
// Check order, as Agnost's server checks: the user lookup, then the
// verification state, then the confirmation setting (send-reset-code
// checks "confirmation on and not verified" first, so confirmation off
// always answers phone_verification_disabled).

// sendResetPwdEmail is POST /send-reset?email=.
func (e *Emulator) sendResetPwdEmail(c *call) (any, error) {
	return c.sendLinkEmail("reset-pwd", requireConfirmedEmail)
}

// resetPwdWithToken is POST /reset-pwd?key= with {newPassword}.
func (e *Emulator) resetPwdWithToken(c *call) (any, error) {
	key := strings.TrimSpace(c.query("key"))
	if key == "" {
		return nil, errMissingAccessToken
	}
	var body struct {
		NewPassword string `json:"newPassword"`
	}
	if err := c.decode(&body); err != nil {
		return nil, err
	}
	// The token first, then the new password, as Agnost checks them; a
	// refused password leaves the token usable.
	en := c.env
	at, _ := en.access.get(key)
	if at == nil || at.used || !c.now.Before(at.expires) || at.kind != "reset-pwd" {
		return nil, errInvalidAccessToken
	}
	var fe fieldErrors
	fe.newPassword("newPassword", "body", body.NewPassword, en.settings)
	if err := fe.err(); err != nil {
		return nil, err
	}
	at.used = true
	u := en.users[at.userID]
	if u == nil {
		return nil, errResetUserGone
	}
	u.setPassword(body.NewPassword)
	c.sendUserEvent(u, "user:pwdchange", nil) // no session caused it
	c.sendUserEvent(u, "user:update", nil)
	return emptyOK{}, nil
}

// sendResetPwdCode is POST /send-reset-code?phone=.
func (e *Emulator) sendResetPwdCode(c *call) (any, error) {
	return c.sendCodeSMS("reset-pwd-code", func(s fixtures.Settings, u *user) error {
		switch {
		case !s.PhoneConfirmation:
			return errPhoneVerifyDisabled
		case !u.phoneVerified:
			return errPhoneNotVerified
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
	return c.redeemCode(
		func(settings fixtures.Settings) error {
			var fe fieldErrors
			fe.newPassword("newPassword", "body", body.NewPassword, settings)
			return fe.err()
		},
		func(sc *smsCode, u *user) (any, error) {
			// Stricter than Agnost, whose check of the purpose here lets
			// any SMS code through (docs/fidelity.md).
			if sc.action != "reset-pwd-code" {
				return nil, errCodeNotForReset
			}
			sc.used = true
			u.setPassword(body.NewPassword)
			c.sendUserEvent(u, "user:pwdchange", nil)
			c.sendUserEvent(u, "user:update", nil)
			return emptyOK{}, nil
		})
}
