package emulator

import (
	"net/url"
	"testing"
)

func TestPhoneSignUpVerification(t *testing.T) {
	h := newHarness(t, nil)
	const phone = "+15555550142"
	var out signedIn
	h.api("POST", "/signup-phone", "", map[string]any{"phone": phone, "password": "Passw0rd!", "nameOrUserData": "Pat"}).
		wantStatus(t, 200).json(t, &out)
	if out.Session != nil || out.User["phoneVerified"] != false || out.User["phone"] != phone {
		t.Fatalf("sign-up %+v", out)
	}
	h.api("POST", "/signin-phone", "", map[string]string{"phone": phone, "password": "Passw0rd!"}).
		wantError(t, 401, "phone_not_verified", "The phone number has not been verified yet.")

	first := h.latestSMS("", phone, "phone-confirm").Code
	h.api("POST", "/resend-code?phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200)
	second := h.latestSMS("", phone, "phone-confirm").Code
	if first == second {
		t.Fatal("resend-code sent the same code")
	}
	verify := func(code string) resp {
		return h.api("POST", "/verify-phone?code="+code+"&phone="+url.QueryEscape(phone), "", nil)
	}
	verify(second).wantStatus(t, 200).json(t, &out)
	if out.Session == nil || out.User["phoneVerified"] != true {
		t.Fatalf("verify-phone %+v", out)
	}
	verify(second).wantError(t, 403, "invalid_access_token", "Invalid or expired SMS code")
	verify(first).wantError(t, 400, "phone_already_verified", "The phone number of the user has already been verified.")
	h.api("POST", "/resend-code?phone="+url.QueryEscape(phone), "", nil).wantError(t, 401, "phone_already_verified", "The phone number of the user has already been verified.")
	h.api("POST", "/verify-phone?code=&phone="+url.QueryEscape(phone), "", nil).wantError(t, 400, "missing_sms_code", "")

	h.api("POST", "/send-reset-code?phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200)
	verify(h.latestSMS("", phone, "reset-pwd-code").Code).wantError(t, 400, "invalid_action_type", "Cannot identify the action type. The SMS code type is not valid for verifying phone numbers.")

	// In Agnost's order: the code is looked up (an unknown code is that,
	// whatever the setting), then its purpose, then the setting; a code
	// refused for the setting stays usable.
	h.api("POST", "/send-reset-code?phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200)
	live := h.latestSMS("", phone, "reset-pwd-code").Code
	h.api("POST", "/resend-code?phone=%2B15555550100", "", nil).wantStatus(t, 200)
	pending := h.latestSMS("", "+15555550100", "phone-confirm").Code
	h.patchConfig("", map[string]any{"phoneConfirmation": false})
	h.api("POST", "/resend-code?phone=%2B15555550100", "", nil).wantError(t, 401, "phone_verification_disabled", "Phone number confirmation is disabled in your app version authentication settings.")
	verify(wrongCode(live)).wantError(t, 403, "invalid_access_token", "Invalid or expired SMS code")
	verify(live).wantError(t, 400, "invalid_action_type", "Cannot identify the action type. The SMS code type is not valid for verifying phone numbers.")
	verifyOther := func() resp { return h.api("POST", "/verify-phone?code="+pending+"&phone=%2B15555550100", "", nil) }
	verifyOther().wantError(t, 401, "phone_verification_disabled", "Phone number confirmation is disabled in your app version authentication settings.")
	h.patchConfig("", map[string]any{"phoneConfirmation": true})
	verifyOther().wantStatus(t, 200)
}

func TestSignInWithCode(t *testing.T) {
	h := newHarness(t, nil)
	const phone = "+15555555555"
	h.api("POST", "/send-code?phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200)
	code := h.latestSMS("", phone, "signin-code").Code
	var out signedIn
	h.api("POST", "/signin-code?code="+code+"&phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200).json(t, &out)
	if out.Session == nil || out.User["phone"] != phone {
		t.Fatalf("signin-code %+v", out)
	}
	h.api("POST", "/signin-code?code="+code+"&phone="+url.QueryEscape(phone), "", nil).wantError(t, 403, "invalid_access_token", "Invalid or expired SMS code")
	h.api("POST", "/signin-code?code=&phone="+url.QueryEscape(phone), "", nil).wantError(t, 400, "missing_sms_code", "Cannot identify the SMS code")
	h.api("POST", "/signin-code?code=123456&phone=", "", nil).wantError(t, 400, "missing_phone_number", "Cannot identify the phone number")

	h.api("POST", "/send-code?phone=%2B15555550100", "", nil).wantError(t, 401, "phone_not_verified", "The phone number has not been verified yet.")
	h.api("POST", "/send-code?phone=%2B15555550000", "", nil).wantError(t, 404, "user_not_found", "Invalid credentials. No such account found with the provided phone number.")
	h.api("POST", "/send-reset-code?phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200)
	reset := h.latestSMS("", phone, "reset-pwd-code").Code
	h.api("POST", "/signin-code?code="+reset+"&phone="+url.QueryEscape(phone), "", nil).wantError(t, 400, "invalid_action_type", "Cannot identify the action type. The SMS code type is not valid for verifying phone numbers.")

	h.api("POST", "/send-code?phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200)
	pending := h.latestSMS("", phone, "signin-code").Code
	h.patchConfig("", map[string]any{"signInWithCode": false})
	h.api("POST", "/send-code?phone="+url.QueryEscape(phone), "", nil).wantError(t, 401, "sms_auth_codes_disabled", "Sign in using authorization codes sent in SMS is disabled in your app version authentication settings.")
	h.api("POST", "/signin-code?code="+pending+"&phone="+url.QueryEscape(phone), "", nil).wantError(t, 401, "sms_auth_codes_disabled", "Sign in using authorization codes sent in SMS is disabled in your app version authentication settings.")
	// The purpose is checked before the setting, as Agnost does.
	h.api("POST", "/send-reset-code?phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200)
	h.api("POST", "/signin-code?code="+h.latestSMS("", phone, "reset-pwd-code").Code+"&phone="+url.QueryEscape(phone), "", nil).
		wantError(t, 400, "invalid_action_type", "Cannot identify the action type. The SMS code type is not valid for verifying phone numbers.")
	// A code refused for the setting stays usable.
	h.patchConfig("", map[string]any{"signInWithCode": true})
	h.api("POST", "/signin-code?code="+pending+"&phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200)

	// The phone's verification is checked at redemption too: a code sent
	// while phone confirmation was off does not sign in an unverified
	// phone once it is on.
	h.patchConfig("", map[string]any{"phoneConfirmation": false})
	h.api("POST", "/send-code?phone=%2B15555550100", "", nil).wantStatus(t, 200)
	unverified := h.latestSMS("", "+15555550100", "signin-code").Code
	h.patchConfig("", map[string]any{"phoneConfirmation": true})
	h.api("POST", "/signin-code?code="+unverified+"&phone=%2B15555550100", "", nil).wantError(t, 401, "phone_not_verified", "The phone number has not been verified yet.")
	// With it off, an unverified phone signs in with a code.
	h.patchConfig("", map[string]any{"phoneConfirmation": false})
	h.api("POST", "/signin-code?code="+unverified+"&phone=%2B15555550100", "", nil).wantStatus(t, 200)

}

func TestChangePhone(t *testing.T) {
	h := newHarness(t, nil)
	var s signedIn
	h.api("POST", "/signin-phone", "", map[string]string{"phone": "+15555555555", "password": "Passw0rd!"}).wantStatus(t, 200).json(t, &s)
	tok := s.Session.Token
	h.api("POST", "/change-phone", tok, map[string]string{"currentPassword": "Passw0rd!", "newPhone": "+15555550111"}).
		wantError(t, 400, "email_not_unique", "A user with the provided phone number already exists.")
	h.api("POST", "/change-phone", tok, map[string]string{"currentPassword": "nope", "newPhone": "+15555550177"}).
		wantError(t, 401, "invalid_credentials", "Invalid credentials. The current password provided is not valid.")
	var u map[string]any
	h.api("POST", "/change-phone", tok, map[string]string{"currentPassword": "Passw0rd!", "newPhone": "+15555550177"}).wantStatus(t, 200).json(t, &u)
	if u["phone"] != "+15555555555" {
		t.Fatalf("changed before verification: %v", u)
	}
	code := h.latestSMS("", "+15555550177", "change-phone").Code
	var out struct {
		User    map[string]any `json:"user"`
		Session any            `json:"session"`
	}
	h.api("POST", "/verify-phone?code="+code+"&phone=%2B15555550177", "", nil).wantStatus(t, 200).json(t, &out)
	if out.Session != nil || out.User["phone"] != "+15555550177" || out.User["phoneVerified"] != true {
		t.Fatalf("verify-phone after change-phone: %+v", out)
	}
	h.api("POST", "/signin-phone", "", map[string]string{"phone": "+15555550177", "password": "Passw0rd!"}).wantStatus(t, 200)
	h.api("POST", "/signin-phone", "", map[string]string{"phone": "+15555555555", "password": "Passw0rd!"}).wantStatus(t, 404)

	h.patchConfig("", map[string]any{"phoneConfirmation": false})
	h.api("POST", "/change-phone", tok, map[string]string{"currentPassword": "Passw0rd!", "newPhone": "+15555550178"}).wantStatus(t, 200).json(t, &u)
	// The new number is not verified, as a changed address is not.
	if u["phone"] != "+15555550178" || u["phoneVerified"] != false {
		t.Fatalf("change-phone with confirmation off: %v", u)
	}
}

// wrongCode answers a six-digit code other than code.
func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// send-code checks the phone's verification before the sign-in-with-codes
// setting, as Agnost does.
func TestSendCodeChecksTheVerificationBeforeTheSetting(t *testing.T) {
	h := newHarness(t, nil)
	h.patchConfig("", map[string]any{"signInWithCode": false})
	h.runErrorCases([]errorCase{
		{"unverified phone", apiCall("POST", "/send-code?phone=%2B15555550100", nil),
			401, "phone_not_verified", "The phone number has not been verified yet."},
		{"unknown phone", apiCall("POST", "/send-code?phone=%2B15555550000", nil),
			404, "user_not_found", "Invalid credentials. No such account found with the provided phone number."},
		{"verified phone", apiCall("POST", "/send-code?phone=%2B15555555555", nil),
			401, "sms_auth_codes_disabled", "Sign in using authorization codes sent in SMS is disabled in your app version authentication settings."},
	})
}

// A taken address at change-email and change-phone names param "email", as
// Agnost's server does (for a phone too), with the new value; and the
// session is checked before the fields.
func TestChangeAddressErrors(t *testing.T) {
	h := newHarness(t, nil)
	session := h.signInEmail("both@example.com", "Passw0rd!").Session.Token
	for _, c := range []struct{ path, field, value, message string }{
		{"/change-email", "newEmail", verified, "A user with the provided email already exists."},
		{"/change-phone", "newPhone", "+15555555555", "A user with the provided phone number already exists."},
	} {
		t.Run(c.path, func(t *testing.T) {
			res := h.with(t).api("POST", c.path, session, map[string]string{c.field: c.value, "currentPassword": "wrong"})
			res.wantError(t, 400, "email_not_unique", c.message)
			if d := res.errorItems(t)[0].Details; d["param"] != "email" || d["value"] != c.value {
				t.Fatalf("details %v", d)
			}
			h.with(t).api("POST", c.path, "", map[string]string{c.field: "bad", "currentPassword": "x"}).wantError(t, 401, "missing_session_token", "")
		})
	}
}
