package emulator

import (
	"fmt"

	"github.com/altogic-emulator/altogic-emulator/fixtures"
	"github.com/altogic-emulator/altogic-emulator/internal/validatorjs"
)

// The field rules the real service applies beyond what openapi.yaml can say
// (formats and the password lengths, which are settings). They add one
// validation_error item per invalid field to f.

func (f *fieldErrors) email(param, location, v string) {
	switch {
	case v == "":
		f.add(param, location, requiredMessage(param))
	case !fixtures.ValidEmail(v):
		f.add(param, location, msgBadEmailFormat)
	}
}

func (f *fieldErrors) phone(param, location, v string) {
	switch {
	case v == "":
		f.add(param, location, requiredMessage(param))
	case !fixtures.ValidPhone(v):
		f.add(param, location, msgBadPhoneFormat)
	}
}

// newPassword applies the environment's password length rule to a password
// being set (sign-up, reset, change), counting as validator.js's isLength
// counts (a variation selector is not a character).
func (f *fieldErrors) newPassword(param, location, v string, s fixtures.Settings) {
	n := validatorjs.Length(v)
	switch {
	case v == "":
		f.add(param, location, requiredMessage(param))
	case n < s.MinPasswordLength || n > s.MaxPasswordLength:
		f.add(param, location, fmt.Sprintf("%s can be at least %d and at most %d characters long",
			label(param), s.MinPasswordLength, s.MaxPasswordLength))
	}
}

// present requires a non-empty value, as for a password being checked.
func (f *fieldErrors) present(param, location, v string) {
	if v == "" {
		f.add(param, location, requiredMessage(param))
	}
}
