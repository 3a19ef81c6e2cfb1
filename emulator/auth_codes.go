package emulator

import (
	"strings"

	"github.com/altogic-emulator/altogic-emulator/fixtures"
)

// sendCodeSMS is the shape of send-reset-code, resend-code and send-code:
// look the user up by the phone query parameter, check the precondition,
// and send a code with that action.
func (c *call) sendCodeSMS(action string, check func(fixtures.Settings, *user) error) (any, error) {
	phone := c.queryPhone()
	var fe fieldErrors
	fe.phone("phone", "query", phone)
	if err := fe.err(); err != nil {
		return nil, err
	}
	en := c.env
	u := en.userByPhoneLocked(phone)
	if u == nil {
		return nil, errNoSuchPhone
	}
	if u.provider != "altogic" {
		return nil, errProviderUser(c.operation, u.provider)
	}
	if err := check(en.settings, u); err != nil {
		return nil, err
	}
	c.sendSMS(c.codeSMS(en.issueCodeLocked(action, u, u.phone, c.now), u)) // the user's copy, not the query's
	return emptyOK{}, nil
}

// redeemCode is the shape of reset-pwd-code, signin-code and verify-phone,
// in Agnost's order: the phone and code query parameters given (400); the
// code known, unused and unexpired (403); the body's rules (validate, 400);
// the code's user still there (404) and, but for a change-phone code, still
// at that number (401). Then redeem checks the code's purpose (a code of
// another purpose is 400 invalid_action_type) and what that purpose needs
// (settings, the user's verification), and acts. A code is used up only
// where redeem says so (useCode): on success, and on the few refusals
// after which Agnost clears it; any other refusal leaves it usable.
func (c *call) redeemCode(validate func(fixtures.Settings) error, redeem func(*smsCode, *user) (any, error)) (any, error) {
	phone := c.queryPhone()
	code := strings.TrimSpace(c.query("code"))
	switch {
	case phone == "":
		return nil, errMissingPhone
	case code == "":
		return nil, errMissingSMSCode
	}
	en := c.env
	sc, _ := en.codes.get(codeKey(phone, code))
	if sc == nil || sc.used || !c.now.Before(sc.expires) {
		return nil, errInvalidSMSCode
	}
	if validate != nil {
		if err := validate(en.settings); err != nil {
			return nil, err
		}
	}
	u := en.users[sc.userID]
	if u == nil {
		return nil, errTokenUserGone
	}
	if sc.action != "change-phone" && u.phone != phone {
		return nil, errPhoneMismatch
	}
	return redeem(sc, u)
}
