package emulator

import (
	"html"
	"net/url"
	"strings"
	"time"

	"github.com/altogic-emulator/altogic-emulator/fixtures"
	"github.com/altogic-emulator/altogic-emulator/inbox"
)

// senderAddress is Altogic's default sender.
const senderAddress = "noreply@mail.app.altogic.com"

// defaultSMS is Altogic's default SMS template.
const defaultSMS = "Your authorization code is {{token.code}}"

// defaultEmails are the emails of each link action: Altogic's default
// subjects, with bodies that read like a real service's. Fixtures may
// override any part (see fixtures.Templates).
var defaultEmails = map[string]fixtures.EmailTemplate{
	"reset-pwd": defaultEmail("Reset your password",
		"We received a request to reset the password of your account ({{token.email}}). Follow the link below to choose a new password.",
		"Reset password",
		"If you did not ask to reset your password, you can ignore this email: your password stays the same."),
	"email-confirm": defaultEmail("Confirm your email",
		"Thanks for signing up. Follow the link below to confirm your email address ({{token.email}}).",
		"Confirm email",
		"If you did not sign up, you can ignore this email."),
	"magic-link": defaultEmail("Your magic link",
		"Follow the link below to sign in as {{token.email}}.",
		"Sign in",
		"If you did not ask to sign in, you can ignore this email."),
	"change-email": defaultEmail("Confirm your new email",
		"Follow the link below to make {{token.email}} the email address of your account.",
		"Confirm new email",
		"If you did not ask to change your email, you can ignore this email."),
}

func defaultEmail(subject, intro, button, outro string) fixtures.EmailTemplate {
	text := "Hello,\n\n" + intro + "\n\n{{token.confirmationURL}}\n\nThe link expires on {{token.expiresAt}}.\n\n" + outro + "\n"
	body := `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">` +
		`<p>Hello,</p><p>` + intro + `</p>` +
		`<p><a href="{{token.confirmationURL}}" style="display:inline-block;padding:10px 16px;background:#4f46e5;color:#fff;text-decoration:none;border-radius:6px">` + button + `</a></p>` +
		`<p>Or copy this link into your browser:<br><a href="{{token.confirmationURL}}">{{token.confirmationURL}}</a></p>` +
		`<p>The link expires on {{token.expiresAt}}.</p><p>` + outro + `</p></body></html>`
	return fixtures.EmailTemplate{Subject: subject, Text: text, HTML: body}
}

// template is a message template split once into literal text and
// placeholders, so rendering is plain concatenation.
type template []piece

// piece is literal text, or (when field is set) a {{scope.field}} placeholder.
type piece struct {
	text, scope, field string
}

func compileTemplate(tpl string) template {
	var t template
	last := 0
	for _, m := range fixtures.Placeholder().FindAllStringSubmatchIndex(tpl, -1) {
		if m[0] > last {
			t = append(t, piece{text: tpl[last:m[0]]})
		}
		t = append(t, piece{scope: tpl[m[2]:m[3]], field: tpl[m[4]:m[5]]})
		last = m[1]
	}
	if last < len(tpl) {
		t = append(t, piece{text: tpl[last:]})
	}
	return t
}

// render fills the placeholders; in HTML the values are escaped.
func (t template) render(u *user, token map[string]string, escape bool) string {
	var b strings.Builder
	for _, p := range t {
		if p.field == "" {
			b.WriteString(p.text)
			continue
		}
		v := token[p.field]
		if p.scope == "user" {
			v = u.field(p.field)
		}
		if escape {
			v = html.EscapeString(v)
		}
		b.WriteString(v)
	}
	return b.String()
}

// emailTemplates are the compiled subject, text and HTML of one action, and
// the length of the text and HTML bodies' literal parts and how many
// placeholders they hold.
type emailTemplates struct {
	subject, text, html template
	literal, holes      int
}

// bodySize bounds the length of the bodies rendered with values no longer
// than longest: a placeholder's value, HTML-escaped, is at most twice its
// length for the values of links (an & or two).
func (t emailTemplates) bodySize(longest int) int { return t.literal + t.holes*2*longest }

// shape answers the length of a template's literal parts and the number of
// its placeholders.
func (t template) shape() (literal, holes int) {
	for _, p := range t {
		if p.field == "" {
			literal += len(p.text)
		} else {
			holes++
		}
	}
	return literal, holes
}

// usesUser reports whether a template reads user fields.
func (t template) usesUser() bool {
	for _, p := range t {
		if p.scope == "user" {
			return true
		}
	}
	return false
}

// compileTemplates merges the fixtures' overrides into the defaults and
// compiles them.
func compileTemplates(f *fixtures.Fixtures) (map[string]emailTemplates, template) {
	out := map[string]emailTemplates{}
	for action, t := range defaultEmails {
		o := f.Templates.Emails[action]
		if o.Subject != "" {
			t.Subject = o.Subject
		}
		if o.Text != "" {
			t.Text = o.Text
		}
		if o.HTML != "" {
			t.HTML = o.HTML
		}
		et := emailTemplates{subject: compileTemplate(t.Subject), text: compileTemplate(t.Text), html: compileTemplate(t.HTML)}
		tl, th := et.text.shape()
		hl, hh := et.html.shape()
		et.literal, et.holes = tl+hl, th+hh
		out[action] = et
	}
	sms := f.Templates.SMS
	if sms == "" {
		sms = defaultSMS
	}
	return out, compileTemplate(sms)
}

// linkEmail builds the email that carries lt's link to u. The caller holds
// the environment's lock.
func (c *call) linkEmail(lt *linkToken, u *user) inbox.Email {
	t := c.e.emails[lt.action]
	link := c.baseURL() + "/_auth/verify?key=" + lt.key + "&action=" + url.QueryEscape(lt.action)
	token := map[string]string{
		"confirmationURL": link,
		"email":           lt.email,
		"expiresAt":       lt.expires.UTC().Format(time.RFC1123),
	}
	m := inbox.Email{
		To: lt.email, From: senderAddress,
		Subject: t.subject.render(u, token, false),
		Action:  lt.action, Link: link, Token: lt.key, CreatedAt: c.now, ExpiresAt: lt.expires,
	}
	if t.text.usesUser() || t.html.usesUser() {
		// The user may change: rendered now, under the environment's lock.
		m.Text, m.HTML = t.text.render(u, token, false), t.html.render(u, token, true)
		return m
	}
	// Most captured emails of a long suite are never read: their bodies
	// are rendered when first read.
	size := t.bodySize(max(len(link), len(lt.email), len(token["expiresAt"])))
	return m.WithBody(func() (string, string) {
		return t.text.render(nil, token, false), t.html.render(nil, token, true)
	}, size)
}

// codeSMS builds the SMS that carries sc's code to u.
func (c *call) codeSMS(sc *smsCode, u *user) inbox.SMS {
	token := map[string]string{"code": sc.code, "expiresAt": sc.expires.UTC().Format(time.RFC1123)}
	return inbox.SMS{
		To: sc.phone, Body: c.e.sms.render(u, token, false), Code: sc.code,
		Action: sc.action, CreatedAt: c.now, ExpiresAt: sc.expires,
	}
}
