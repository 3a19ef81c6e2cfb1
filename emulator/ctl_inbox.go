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

// deleteEnvironment is DELETE /_emulator/environment: the environment and
// all its state are gone; its next use creates it afresh from the fixtures.
func (e *Emulator) deleteEnvironment(c *call) (any, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	en := e.envs[c.envID]
	if en == nil {
		return noContent{}, nil
	}
	delete(e.envs, c.envID)
	// Its share of the budget is free now, even while a request in flight
	// still holds it; its messages go at once.
	en.acct.close()
	en.inbox.Clear()
	if c.envID == DefaultEnvironment {
		fresh, err := e.newEnvironment(DefaultEnvironment) // it always exists
		if err != nil {
			e.envs[DefaultEnvironment] = en // as it was: the fixtures do not fit
			return nil, err
		}
		e.envs[DefaultEnvironment] = fresh
	}
	return noContent{}, nil
}

// listEnvironments is GET /_emulator/environments: every environment used
// so far, for the page's switcher.
func (e *Emulator) listEnvironments(c *call) (any, error) {
	return map[string]any{"environments": e.Environments()}, nil
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
					if m, ok := c.env.inbox.SMSByID(ev.ID); ok {
						v = m
					}
				} else if m, ok := c.env.inbox.Email(ev.ID); ok {
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
