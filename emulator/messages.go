package emulator

import (
	"fmt"
	"html"
	"net/url"
	"strings"
	"time"

	"github.com/altogic-emulator/altogic-emulator/inbox"
)

// senderAddress is Altogic's default sender.
const senderAddress = "noreply@mail.app.altogic.com"

// emailTemplate is the text of one kind of email; %[1]s is the greeting
// name, %[2]s the link, %[3]s the expiry.
type emailTemplate struct {
	subject string
	intro   string
	button  string
	outro   string
}

// Altogic's default subjects; the bodies read like a real service's.
var emailTemplates = map[string]emailTemplate{
	"reset-pwd": {
		subject: "Reset your password",
		intro:   "We received a request to reset the password of your account. Follow the link below to choose a new password.",
		button:  "Reset password",
		outro:   "If you did not ask to reset your password, you can ignore this email: your password stays the same.",
	},
	"email-confirm": {
		subject: "Confirm your email",
		intro:   "Thanks for signing up. Follow the link below to confirm your email address.",
		button:  "Confirm email",
		outro:   "If you did not sign up, you can ignore this email.",
	},
	"magic-link": {
		subject: "Your magic link",
		intro:   "Follow the link below to sign in.",
		button:  "Sign in",
		outro:   "If you did not ask to sign in, you can ignore this email.",
	},
	"change-email": {
		subject: "Confirm your new email",
		intro:   "Follow the link below to confirm your new email address.",
		button:  "Confirm new email",
		outro:   "If you did not ask to change your email, you can ignore this email.",
	},
}

// smsTemplate is Altogic's default SMS body.
const smsTemplate = "Your authorization code is %s"

// linkEmail builds the email that carries lt's link.
func (c *call) linkEmail(lt *linkToken, name string) inbox.Email {
	t := emailTemplates[lt.action]
	link := c.baseURL() + "/_auth/verify?key=" + lt.key + "&action=" + url.QueryEscape(lt.action)
	greeting := "Hello,"
	if name != "" {
		greeting = "Hello " + name + ","
	}
	expires := lt.expires.UTC().Format(time.RFC1123)
	text := fmt.Sprintf("%s\n\n%s\n\n%s\n\nThe link expires on %s.\n\n%s\n", greeting, t.intro, link, expires, t.outro)
	var b strings.Builder
	fmt.Fprintf(&b, `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">`)
	fmt.Fprintf(&b, `<p>%s</p><p>%s</p>`, html.EscapeString(greeting), html.EscapeString(t.intro))
	fmt.Fprintf(&b, `<p><a href="%s" style="display:inline-block;padding:10px 16px;background:#4f46e5;color:#fff;text-decoration:none;border-radius:6px">%s</a></p>`,
		html.EscapeString(link), html.EscapeString(t.button))
	fmt.Fprintf(&b, `<p>Or copy this link into your browser: <br><a href="%[1]s">%[1]s</a></p>`, html.EscapeString(link))
	fmt.Fprintf(&b, `<p>The link expires on %s.</p><p>%s</p></body></html>`, html.EscapeString(expires), html.EscapeString(t.outro))
	return inbox.Email{
		To: lt.email, From: senderAddress, Subject: t.subject, Text: text, HTML: b.String(),
		Action: lt.action, Link: link, Token: lt.key, CreatedAt: c.now, ExpiresAt: lt.expires,
	}
}

// captureEmail puts m in the environment's inbox and logs its link, so a
// developer can click it from the terminal.
func (c *call) captureEmail(m inbox.Email) {
	m = c.env.inbox.AddEmail(m)
	c.e.log.Info("email captured", "env", c.env.id, "to", m.To, "action", m.Action, "subject", m.Subject, "link", m.Link, "id", m.ID)
}

// codeSMS builds the SMS that carries sc's code.
func (c *call) codeSMS(sc *smsCode) inbox.SMS {
	return inbox.SMS{
		To: sc.phone, Body: fmt.Sprintf(smsTemplate, sc.code), Code: sc.code,
		Action: sc.action, CreatedAt: c.now, ExpiresAt: sc.expires,
	}
}

// captureSMS puts m in the environment's inbox and logs its code.
func (c *call) captureSMS(m inbox.SMS) {
	m = c.env.inbox.AddSMS(m)
	c.e.log.Info("sms captured", "env", c.env.id, "to", m.To, "action", m.Action, "code", m.Code, "id", m.ID)
}
