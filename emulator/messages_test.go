package emulator

import (
	"strings"
	"testing"
)

func TestTemplatesFromFixtures(t *testing.T) {
	h := newHarness(t, mustParse(t, "t.yaml", `
users:
  - {email: t@example.com, password: Passw0rd!, emailVerified: true, name: "<Tess>", team: blue}
  - {phone: "+15555555555", password: Passw0rd!, phoneVerified: true, name: Phil}
templates:
  reset-pwd:
    subject: "{{user.name}}, reset your {{user.team}} password"
    html: "<a href='{{token.confirmationURL}}'>{{ user.name }}</a>"
  sms: "{{user.name}}: {{token.code}} is your code"
`))
	h.api("POST", "/send-reset?email=t@example.com", "", nil).wantStatus(t, 200)
	m := h.latestEmail("", "t@example.com", "reset-pwd")
	if m.Subject != "<Tess>, reset your blue password" {
		t.Fatalf("subject %q", m.Subject)
	}
	if m.HTML != "<a href='"+strings.ReplaceAll(m.Link, "&", "&amp;")+"'>&lt;Tess&gt;</a>" {
		t.Fatalf("html %q", m.HTML)
	}
	if !strings.Contains(m.Text, m.Link) { // the default text is kept
		t.Fatalf("text %q", m.Text)
	}
	h.api("POST", "/send-reset-code?phone=%2B15555555555", "", nil).wantStatus(t, 200)
	if s := h.latestSMS("", "+15555555555", ""); s.Body != "Phil: "+s.Code+" is your code" {
		t.Fatalf("sms %q", s.Body)
	}
}
