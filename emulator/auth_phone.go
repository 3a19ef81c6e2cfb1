package emulator

import (
	"github.com/altogic-emulator/altogic-emulator/fixtures"
)

// The phone side: six-digit SMS codes, sent and redeemed.

// resendVerificationCode is POST /resend-code?phone=: a new phone-confirm
// code for a phone not verified yet.
func (e *Emulator) resendVerificationCode(c *call) (any, error) {
	return c.sendCodeSMS("phone-confirm", func(s fixtures.Settings, u *user) error {
		switch {
		case u.phoneVerified:
			return errPhoneAlreadyVerified
		case !s.PhoneConfirmation:
			return errPhoneVerifyDisabled
		}
		return nil
	})
}

// sendSignInCode is POST /send-code?phone=: a signin-code SMS, when sign-in
// with codes is on (and, with phone confirmation on, the phone verified).
func (e *Emulator) sendSignInCode(c *call) (any, error) {
	return c.sendCodeSMS("signin-code", func(s fixtures.Settings, u *user) error {
		switch { // in Agnost's order: the setting is checked last
		case s.PhoneConfirmation && !u.phoneVerified:
			return errPhoneNotVerified
		case !s.SignInWithCode:
			return errSMSCodesDisabled
		}
		return nil
	})
}

// signInWithCode is POST /signin-code?code=&phone=: a signin-code becomes a
// session when, as at send-code, the phone is verified (phone confirmation
// on) and sign-in with codes is on; both are checked at redemption too, as
// settings may change between the two calls.
func (e *Emulator) signInWithCode(c *call) (any, error) {
	return c.redeemCode(nil, func(sc *smsCode, u *user) (any, error) {
		s := c.env.settings
		switch {
		case sc.action != "signin-code":
			return nil, errCodeNotForSignIn
		case s.PhoneConfirmation && !u.phoneVerified:
			return nil, errPhoneNotVerified
		case !s.SignInWithCode:
			return nil, errSMSCodesDisabled
		}
		a, err := c.roomForSignIn(u)
		if err != nil {
			return nil, err // the code stays usable
		}
		sc.used = true
		return c.signInLocked(u, a), nil
	})
}

// verifyPhone is POST /verify-phone?code=&phone=. A sign-up code verifies
// the phone and answers {user, session}; a change-phone code moves the user
// to the new number and answers {user, session: null}: the client tells the
// two apart by the session.
func (e *Emulator) verifyPhone(c *call) (any, error) {
	return c.redeemCode(nil, func(sc *smsCode, u *user) (any, error) {
		en := c.env
		switch sc.action {
		case "phone-confirm":
			switch {
			case !en.settings.PhoneConfirmation:
				return nil, errPhoneVerifyDisabled
			case u.phoneVerified:
				sc.used = true
				return nil, errPhoneAlreadyVerifiedByCode
			}
			a, err := c.roomForSignIn(u)
			if err != nil {
				return nil, err // the code stays usable
			}
			sc.used = true
			u.phoneVerified = true
			c.sendUserEvent(u, "user:update", nil)
			return c.signInLocked(u, a), nil
		case "change-phone":
			if en.settings.PhoneConfirmation && !u.phoneVerified {
				sc.used = true
				return nil, errPhoneNotVerified
			}
			if other := en.userByPhoneLocked(sc.phone); other != nil && other != u {
				return nil, errPhoneTaken.withValue("email", sc.phone) // as changePhone; the code stays usable once the number is free
			}
			sc.used = true
			en.setPhoneLocked(u, sc.phone)
			u.phoneVerified = true
			c.sendUserEvent(u, "user:phonechange", nil)
			c.sendUserEvent(u, "user:update", nil)
			return userAndSession{User: u.snapshot()}, nil
		}
		return nil, errCodeNotForVerify
	})
}

// changePhone is POST /change-phone with {currentPassword, newPhone}. With
// phone confirmation on, a change-phone code goes to the new number (the
// change completes with verifyPhone) and the unchanged user is answered;
// off, the number changes at once. The answer is the bare user, as the JS
// client expects.
func (e *Emulator) changePhone(c *call) (any, error) {
	var b struct {
		CurrentPassword string `json:"currentPassword"`
		NewPhone        string `json:"newPhone"`
	}
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	cur, u, err := c.sessionLocked()
	if err != nil {
		return nil, err
	}
	newPhone := normalizePhone(b.NewPhone)
	var fe fieldErrors
	fe.phone("newPhone", "body", newPhone)
	fe.present("currentPassword", "body", b.CurrentPassword)
	if err := fe.err(); err != nil {
		return nil, err
	}
	en := c.env
	if u.provider != "altogic" {
		return nil, errProviderUser(c.operation, u.provider)
	}
	if other := en.userByPhoneLocked(newPhone); other != nil {
		// Quirk: Agnost answers a taken number with the email's code and
		// details.param "email".
		return nil, errPhoneTaken.withValue("email", newPhone)
	}
	if !u.checkPassword(b.CurrentPassword) {
		return nil, errWrongCurrentPassword
	}
	if en.settings.PhoneConfirmation {
		c.sendSMS(c.codeSMS(en.issueCodeLocked("change-phone", u, newPhone, c.now), u))
		return u.snapshot(), nil
	}
	// Unconfirmed, the new number is not verified, as Altogic answers for
	// an address (no source speaks of the phone; Agnost keeps the flag).
	en.setPhoneLocked(u, newPhone)
	u.phoneVerified = false
	c.sendUserEvent(u, "user:phonechange", cur)
	c.sendUserEvent(u, "user:update", cur)
	return u.snapshot(), nil
}
