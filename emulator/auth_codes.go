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

// redeemCode is the shape of reset-pwd-code, signin-code and verify-phone:
// the phone and code query parameters must name an unused, unexpired code of
// one of the actions (a space-separated list; otherwise wrongAction).
// validate may then reject the request (the body, a setting) without using
// the code up, as Agnost checks the code before its body rules; apply acts
// once the code is used up.
func (c *call) redeemCode(actions string, wrongAction *apiError, validate func(fixtures.Settings) error, apply func(*smsCode, *user) (any, error)) (any, error) {
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
	if !strings.Contains(" "+actions+" ", " "+sc.action+" ") {
		return nil, wrongAction
	}
	sc.used = true
	u := en.users[sc.userID]
	if u == nil {
		return nil, errTokenUserGone
	}
	if sc.action != "change-phone" && u.phone != phone {
		return nil, errPhoneMismatch
	}
	return apply(sc, u)
}
