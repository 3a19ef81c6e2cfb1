package emulator

import (
	"testing"
)

func TestPinnedSMSCode(t *testing.T) {
	h := newHarness(t, mustParse(t, "pinned.yaml", `
users:
  - {phone: "+15555555555", password: Passw0rd!, phoneVerified: true, smsCode: "432987"}
`))
	h.api("POST", "/send-reset-code?phone=%2B15555555555", "", nil).wantStatus(t, 200)
	if code := h.latestSMS("", "+15555555555", "").Code; code != "432987" {
		t.Fatalf("code %s", code)
	}
	h.api("POST", "/reset-pwd-code?phone=%2B15555555555&code=432987", "", map[string]string{"newPassword": "N3w-secret"}).wantStatus(t, 200)
	h.do("POST", "/_emulator/users", nil, map[string]any{"phone": "+15555550001", "password": "x", "phoneVerified": true, "smsCode": "111222"}).wantStatus(t, 201)
	h.api("POST", "/send-code?phone=%2B15555550001", "", nil).wantStatus(t, 200)
	if code := h.latestSMS("", "+15555550001", "signin-code").Code; code != "111222" {
		t.Fatalf("code %s", code)
	}
	h.do("POST", "/_emulator/users", nil, map[string]any{"email": "x@example.com", "password": "x", "smsCode": "123"}).wantError(t, 400, "validation_error", "")
}
