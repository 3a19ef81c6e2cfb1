package emulator

import (
	"strings"
	"sync"

	"github.com/mailhog/data"

	"github.com/altogic-emulator/altogic-emulator/inbox"
)

// MailHog's API over the inbox, with MailHog's JSON shapes, so MailHog's
// users and client libraries read the emulator's emails as they read
// MailHog: /api/v2/messages, /api/v2/search, /api/v1/messages[/{id}].
// Message ids are the inbox's email ids.

// quietMailHog silences MailHog's parser, which logs every MIME body to
// the standard logger. It is the library's global, so it is set only when
// the emulator first uses the parser, not when the package is imported.
var quietMailHog sync.Once

// mailhogMessage renders a captured email as MailHog stores it.
func mailhogMessage(m inbox.Email) *data.Message {
	quietMailHog.Do(func() { data.LogHandler = func(string, ...any) {} })
	sm := &data.SMTPMessage{From: senderAddress, To: []string{m.To}, Data: string(mimeMessage(m)), Helo: mimeHost}
	msg := sm.Parse(mimeHost)
	msg.ID = data.MessageID(m.ID)
	msg.Created = m.CreatedAt
	return msg
}

// mailhogPage is MailHog's v2 list answer.
type mailhogPage struct {
	Total int             `json:"total"`
	Count int             `json:"count"`
	Start int             `json:"start"`
	Items []*data.Message `json:"items"`
}

// page answers emails[start:start+limit] (newest first) as MailHog does.
func (c *call) mailhogPage(emails []inbox.Email) (any, error) {
	start, err := c.intParam("start", 0, 0, maxMailHogStart)
	if err != nil {
		return nil, err
	}
	limit, err := c.intParam("limit", 50, 1, maxMailHogLimit)
	if err != nil {
		return nil, err
	}
	p := mailhogPage{Total: len(emails), Start: start, Items: []*data.Message{}}
	for i := start; i < len(emails) && i-start < limit; i++ {
		p.Items = append(p.Items, mailhogMessage(emails[i]))
	}
	p.Count = len(p.Items)
	return p, nil
}

// The bounds of MailHog's paging parameters: more than any inbox holds.
const (
	maxMailHogStart = 1_000_000
	maxMailHogLimit = 10_000
)

// mailhogMessages is GET /api/v2/messages?start=&limit=.
func (e *Emulator) mailhogMessages(c *call) (any, error) {
	return c.mailhogPage(c.env.inbox.Emails.List(inbox.Filter{}))
}

// mailhogSearch is GET /api/v2/search?kind=from|to|containing&query=:
// MailHog's case-insensitive substring search.
func (e *Emulator) mailhogSearch(c *call) (any, error) {
	kind := c.query("kind")
	q := strings.ToLower(c.query("query"))
	var out []inbox.Email
	for _, m := range c.env.inbox.Emails.List(inbox.Filter{}) {
		var hay string
		switch kind {
		case "from":
			hay = senderAddress
		case "to":
			hay = m.To
		default: // containing
			hay = senderAddress + "\n" + m.To + "\n" + m.Subject + "\n" + m.Text + "\n" + m.HTML
		}
		if strings.Contains(strings.ToLower(hay), q) {
			out = append(out, m)
		}
	}
	return c.mailhogPage(out)
}

// mailhogListV1 is GET /api/v1/messages: every message, newest first.
func (e *Emulator) mailhogListV1(c *call) (any, error) {
	out := []*data.Message{}
	for _, m := range c.env.inbox.Emails.List(inbox.Filter{}) {
		out = append(out, mailhogMessage(m))
	}
	return out, nil
}

// mailhogMessage is GET /api/v1/messages/{id}.
func (e *Emulator) mailhogGet(c *call) (any, error) {
	m, ok := c.env.inbox.Emails.Get(c.params["id"])
	if !ok {
		return nil, errNoSuch("message", c.params["id"])
	}
	return mailhogMessage(m), nil
}

// mailhogDelete is DELETE /api/v1/messages/{id}.
func (e *Emulator) mailhogDelete(c *call) (any, error) {
	if !c.env.inbox.Emails.Delete(c.params["id"]) {
		return nil, errNoSuch("message", c.params["id"])
	}
	return emptyOK{}, nil
}

// mailhogDeleteAll is DELETE /api/v1/messages: every email (SMS stay).
func (e *Emulator) mailhogDeleteAll(c *call) (any, error) {
	c.env.inbox.Emails.Clear()
	return emptyOK{}, nil
}
