package emulator

import (
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/altogic-emulator/altogic-emulator/inbox"
)

// The inbox for people: a page embedded in the binary (no outside assets,
// so it works offline) that follows the inbox live through server-sent
// events.

//go:embed web/inbox.html
var inboxPage string

// inboxPageHandler is GET /_emulator/: the inbox page. Captured HTML is
// shown only in a sandboxed frame, and a per-response script nonce keeps
// any script in it from running.
func (e *Emulator) inboxPageHandler(c *call) (any, error) {
	nonce := base64.RawStdEncoding.EncodeToString(randomBytes(16))
	page := strings.ReplaceAll(inboxPage, "{{nonce}}", nonce)
	return stream(func(w http.ResponseWriter) int {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		// frame-ancestors and X-Frame-Options: no other site may frame the
		// page and have its buttons clicked through (Clear inbox, Reset).
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'nonce-"+nonce+"'; style-src 'unsafe-inline'; img-src * data:; frame-src 'self' about:; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
		h.Set("X-Frame-Options", "SAMEORIGIN")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, page)
		return http.StatusOK
	}), nil
}

// inboxRedirect is GET /_emulator: the page lives at /_emulator/.
func (e *Emulator) inboxRedirect(c *call) (any, error) {
	return redirectTo(c.prefix + "/_emulator/"), nil
}

// keepAlive is how often an idle event stream gets a comment, so proxies
// and browsers keep it open.
const keepAlive = 15 * time.Second

// inboxEvents is GET /_emulator/inbox/events: each captured email or SMS as
// a server-sent event (event "email" or "sms", data the inbox API's JSON).
func (e *Emulator) inboxEvents(c *call) (any, error) {
	events, unsubscribe := c.env.inbox.Subscribe(256)
	ctx, cancel := c.e.holdContext(c.r.Context())
	return stream(func(w http.ResponseWriter) int {
		defer unsubscribe()
		defer cancel()
		rc := http.NewResponseController(w)
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		rc.SetWriteDeadline(time.Now().Add(answerWriteTime))
		io.WriteString(w, ": altogic-emulator inbox events\nretry: 1000\n\n")
		rc.Flush()
		tick := time.NewTicker(keepAlive)
		defer tick.Stop()
		for {
			// Each write in its time: a client that stops reading is cut.
			rc.SetWriteDeadline(time.Now().Add(answerWriteTime))
			select {
			case ev := <-events:
				var v any
				if ev.Kind == "sms" {
					if m, ok := c.env.inbox.SMS.Get(ev.ID); ok {
						v = m
					}
				} else if m, ok := c.env.inbox.Emails.Get(ev.ID); ok {
					v = m
				}
				if v == nil {
					continue // already gone from the inbox
				}
				data, _ := json.Marshal(v)
				if _, err := fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", ev.ID, ev.Kind, data); err != nil {
					return http.StatusOK
				}
			case <-tick.C:
				if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil {
					return http.StatusOK
				}
			case <-ctx.Done():
				return http.StatusOK
			}
			if rc.Flush() != nil {
				return http.StatusOK
			}
		}
	}), nil
}

func notFound(kind string, f inbox.Filter, wait time.Duration) error {
	var parts []string
	if f.To != "" {
		parts = append(parts, "to "+f.To)
	}
	if f.Action != "" {
		parts = append(parts, "with action "+f.Action)
	}
	msg := "No " + kind
	if len(parts) > 0 {
		msg += " " + strings.Join(parts, " ")
	}
	if wait > 0 {
		msg += fmt.Sprintf(" arrived within %s.", wait)
	} else {
		msg += " has been captured."
	}
	return clientError(http.StatusNotFound, codeNotFound, msg)
}

// logWait notes at debug level that a request may be held open.
func (c *call) logWait(kind string, f inbox.Filter, wait time.Duration) {
	if wait > 0 {
		c.e.log.Debug("waiting for "+kind, "env", c.env.id, "to", f.To, "action", f.Action, "wait", wait)
	}
}

// mailbox is the inbox API of one kind of message: list, latest (with a
// wait) and get by id, one pair of handlers for emails and SMS.
type mailbox[T inbox.Message[T]] struct {
	// name is the kind in messages ("email", "SMS"); key names the list in
	// answers ("emails", "sms").
	name, key string
	box       func(*env) *inbox.Box[T]
}

var (
	emailBox = mailbox[inbox.Email]{name: "email", key: "emails", box: func(en *env) *inbox.Box[inbox.Email] { return en.inbox.Emails }}
	smsBox   = mailbox[inbox.SMS]{name: "SMS", key: "sms", box: func(en *env) *inbox.Box[inbox.SMS] { return en.inbox.SMS }}
)

// list is GET /_emulator/inbox/{emails|sms}?to=&action=.
func (mb mailbox[T]) list(c *call) (any, error) {
	return map[string]any{mb.key: mb.box(c.env).List(c.inboxFilter())}, nil
}

// latest is GET /_emulator/inbox/{emails|sms}/latest?to=&action=&wait=.
func (mb mailbox[T]) latest(c *call) (any, error) {
	wait, err := c.waitParam()
	if err != nil {
		return nil, err
	}
	f := c.inboxFilter()
	c.logWait(mb.name, f, wait)
	ctx, cancel := c.e.holdContext(c.r.Context())
	defer cancel()
	m, ok := mb.box(c.env).Latest(ctx, f, wait)
	if !ok {
		return nil, notFound(mb.name, f, wait)
	}
	return m, nil
}

// get is GET /_emulator/inbox/{emails|sms}/{id}.
func (mb mailbox[T]) get(c *call) (any, error) {
	m, ok := mb.box(c.env).Get(c.params["id"])
	if !ok {
		return nil, errNoSuch(mb.name, c.params["id"])
	}
	return m, nil
}

func (e *Emulator) clearInbox(c *call) (any, error) {
	c.env.inbox.Clear()
	return noContent{}, nil
}
