package emulator

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/altogic-emulator/altogic-emulator/inbox"
)

func TestInboxEventsStream(t *testing.T) {
	h := newHarness(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", h.srv.URL+"/e:live/_emulator/inbox/events", nil)
	res, err := h.http.Do(req) // answers once the headers and the opening comment are flushed
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %v", res.StatusCode, res.Header)
	}
	// The subscription exists before the headers are written, so nothing
	// sent from now on is missed.
	h.envAPI("live", "POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.envAPI("live", "POST", "/send-reset-code?phone=%2B15555555555", "", nil).wantStatus(t, 200)
	h.envAPI("other", "POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)

	events := readEvents(t, bufio.NewReader(res.Body), 2)
	if events[0].name != "email" || events[1].name != "sms" {
		t.Fatalf("events %+v", events)
	}
	var m inbox.Email
	if err := json.Unmarshal([]byte(events[0].data), &m); err != nil || m.To != verified || m.Action != "reset-pwd" || m.ID != events[0].id {
		t.Fatalf("email event %+v: %v", events[0], err)
	}
	var sms inbox.SMS
	if err := json.Unmarshal([]byte(events[1].data), &sms); err != nil || len(sms.Code) != 6 {
		t.Fatalf("sms event %+v", events[1])
	}
}

type sse struct{ id, name, data string }

func readEvents(t *testing.T, r *bufio.Reader, n int) []sse {
	t.Helper()
	var out []sse
	var cur sse
	for len(out) < n {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended after %d events: %v", len(out), err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "":
			if cur.name != "" {
				out = append(out, cur)
			}
			cur = sse{}
		case strings.HasPrefix(line, "id: "):
			cur.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			cur.name = line[7:]
		case strings.HasPrefix(line, "data: "):
			cur.data = line[6:]
		}
	}
	return out
}

func TestInboxPageIsServed(t *testing.T) {
	h := newHarness(t, nil)
	res := h.do("GET", "/e:page/_emulator/", nil, nil).wantStatus(t, 200)
	csp := res.header.Get("Content-Security-Policy")
	nonce := regexp.MustCompile(`script-src 'nonce-([^']+)'`).FindStringSubmatch(csp)
	if nonce == nil || !strings.Contains(string(res.body), `<script nonce="`+nonce[1]+`">`) {
		t.Fatalf("CSP %q does not match the page's script", csp)
	}
	if strings.Contains(string(res.body), "http://") || strings.Contains(string(res.body), "https://") {
		t.Fatal("the page loads something from outside")
	}
	if !strings.Contains(csp, "frame-ancestors 'self'") || res.header.Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Fatalf("another site may frame the page: CSP %q, X-Frame-Options %q", csp, res.header.Get("X-Frame-Options"))
	}
	other := h.do("GET", "/_emulator/", nil, nil).header.Get("Content-Security-Policy")
	if other == csp {
		t.Fatal("the nonce is the same for two responses")
	}
	if loc := h.do("GET", "/e:page/_emulator", nil, nil).wantStatus(t, 302).header.Get("Location"); loc != "/e:page/_emulator/" {
		t.Fatalf("redirect to %q", loc)
	}
	// The page and its redirect use no state: only the page's first
	// inbox read creates the environment.
	var envs struct{ Environments []string }
	h.do("GET", "/_emulator/environments", nil, nil).wantStatus(t, 200).json(t, &envs)
	if strings.Join(envs.Environments, ",") != "default" {
		t.Fatalf("environments %v", envs.Environments)
	}
	h.do("GET", "/e:page/_emulator/inbox/emails", nil, nil).wantStatus(t, 200)
	h.do("GET", "/_emulator/environments", nil, nil).wantStatus(t, 200).json(t, &envs)
	if strings.Join(envs.Environments, ",") != "default,page" {
		t.Fatalf("environments %v", envs.Environments)
	}
}

func TestMailHogAPI(t *testing.T) {
	h := newHarness(t, nil)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.api("POST", "/send-magic?email=both@example.com", "", nil).wantStatus(t, 200)
	h.api("POST", "/send-reset-code?phone=%2B15555555555", "", nil).wantStatus(t, 200)
	reset := h.latestEmail("", verified, "reset-pwd")

	var page struct {
		Total, Count, Start int
		Items               []struct {
			ID      string
			From    struct{ Mailbox, Domain string }
			To      []struct{ Mailbox, Domain string }
			Content struct {
				Headers map[string][]string
				Body    string
			}
			MIME struct {
				Parts []struct {
					Headers map[string][]string
					Body    string
				}
			}
			Raw struct {
				From string
				To   []string
				Data string
			}
		}
	}
	h.do("GET", "/api/v2/messages", nil, nil).wantStatus(t, 200).json(t, &page)
	if page.Total != 2 || page.Count != 2 || page.Items[0].Content.Headers["Subject"][0] != "Your magic link" {
		t.Fatalf("page %+v", page)
	}
	m := page.Items[1]
	if m.ID != reset.ID || m.From.Mailbox != "noreply" || m.From.Domain != "mail.app.altogic.com" || m.To[0].Mailbox != "verified" ||
		m.Raw.To[0] != verified || !strings.Contains(m.Raw.Data, "Message-ID: <"+reset.ID+"@altogic-emulator>") {
		t.Fatalf("message %+v", m)
	}
	// MailHog's own parser also lists the closing boundary as a last part.
	if len(m.MIME.Parts) < 2 || m.MIME.Parts[0].Headers["Content-Type"][0] != "text/plain; charset=UTF-8" ||
		m.MIME.Parts[1].Headers["Content-Transfer-Encoding"][0] != "quoted-printable" {
		t.Fatalf("MIME parts %+v", m.MIME.Parts)
	}
	h.do("GET", "/api/v2/messages?start=1&limit=1", nil, nil).wantStatus(t, 200).json(t, &page)
	if page.Count != 1 || page.Start != 1 || page.Items[0].ID != reset.ID {
		t.Fatalf("paged %+v", page)
	}
	h.do("GET", "/api/v2/messages?limit=0", nil, nil).wantError(t, 400, "validation_error", "")

	for query, want := range map[string]int{
		"kind=to&query=VERIFIED@example.com":      1,
		"kind=from&query=noreply":                 2,
		"kind=containing&query=choose+a+new":      1,
		"kind=containing&query=nothing+like+this": 0,
	} {
		h.do("GET", "/api/v2/search?"+query, nil, nil).wantStatus(t, 200).json(t, &page)
		if page.Count != want {
			t.Errorf("search %s: %d, want %d", query, page.Count, want)
		}
	}
	h.do("GET", "/api/v2/search?kind=subject&query=x", nil, nil).wantError(t, 400, "validation_error", "")

	var v1 []map[string]any
	h.do("GET", "/api/v1/messages", nil, nil).wantStatus(t, 200).json(t, &v1)
	if len(v1) != 2 {
		t.Fatalf("v1 list %d", len(v1))
	}
	h.do("GET", "/api/v1/messages/"+reset.ID, nil, nil).wantStatus(t, 200)
	h.do("DELETE", "/api/v1/messages/"+reset.ID, nil, nil).wantStatus(t, 200)
	h.do("GET", "/api/v1/messages/"+reset.ID, nil, nil).wantError(t, 404, "not_found", "")
	h.do("DELETE", "/api/v1/messages/"+reset.ID, nil, nil).wantError(t, 404, "not_found", "")
	h.do("DELETE", "/api/v1/messages", nil, nil).wantStatus(t, 200)
	h.do("GET", "/api/v2/messages", nil, nil).wantStatus(t, 200).json(t, &page)
	if page.Total != 0 {
		t.Fatalf("after delete all: %d", page.Total)
	}
	if sms := h.latestSMS("", "+15555555555", ""); sms.Code == "" {
		t.Fatal("MailHog's delete-all removed SMS")
	}
	h.do("GET", "/e:other/api/v2/messages", nil, nil).wantStatus(t, 200)
}

func TestInboxAPI(t *testing.T) {
	h := newHarness(t, nil)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.clock.Advance(time.Second)
	h.api("POST", "/send-reset?email=both@example.com", "", nil).wantStatus(t, 200)
	h.api("POST", "/send-reset-code?phone=%2B15555555555", "", nil).wantStatus(t, 200)

	var list struct{ Emails []inbox.Email }
	h.do("GET", "/_emulator/inbox/emails", nil, nil).wantStatus(t, 200).json(t, &list)
	if len(list.Emails) != 2 || list.Emails[0].To != "both@example.com" || list.Emails[1].To != verified {
		t.Fatalf("emails are not newest first: %+v", list.Emails)
	}
	h.do("GET", "/_emulator/inbox/emails?to=VERIFIED@example.com", nil, nil).wantStatus(t, 200).json(t, &list)
	if len(list.Emails) != 1 || list.Emails[0].To != verified {
		t.Fatalf("to filter: %+v", list.Emails)
	}
	h.do("GET", "/_emulator/inbox/emails?action=magic-link", nil, nil).wantStatus(t, 200).json(t, &list)
	if len(list.Emails) != 0 {
		t.Fatalf("action filter: %+v", list.Emails)
	}
	h.do("GET", "/_emulator/inbox/emails?action=bogus", nil, nil).wantError(t, 400, "validation_error", "")

	var one inbox.Email
	id := h.latestEmail("", verified, "").ID
	h.do("GET", "/_emulator/inbox/emails/"+id, nil, nil).wantStatus(t, 200).json(t, &one)
	if one.To != verified {
		t.Fatalf("by id: %+v", one)
	}
	h.do("GET", "/_emulator/inbox/emails/nope", nil, nil).wantError(t, 404, "not_found", "")

	var sms struct{ SMS []inbox.SMS }
	h.do("GET", "/_emulator/inbox/sms?to=+15555555555", nil, nil).wantStatus(t, 200).json(t, &sms)
	if len(sms.SMS) != 1 || sms.SMS[0].Action != "reset-pwd-code" {
		t.Fatalf("sms list: %+v", sms.SMS)
	}
	h.do("GET", "/_emulator/inbox/sms/"+sms.SMS[0].ID, nil, nil).wantStatus(t, 200)
	h.do("GET", "/_emulator/inbox/sms/nope", nil, nil).wantError(t, 404, "not_found", "")
	h.do("GET", "/_emulator/inbox/sms/latest?to=%2B15555550100", nil, nil).
		wantError(t, 404, "not_found", "No SMS to +15555550100 has been captured.")
	h.do("GET", "/_emulator/inbox/sms/latest?wait=forever", nil, nil).wantError(t, 400, "validation_error", "")
	h.do("GET", "/_emulator/inbox/sms/latest?wait=61s", nil, nil).wantError(t, 400, "validation_error", "")
	h.do("GET", "/_emulator/inbox/sms/latest?to=%2B15555550100&wait=20ms", nil, nil).
		wantError(t, 404, "not_found", "No SMS to +15555550100 arrived within 20ms.")

	h.do("DELETE", "/_emulator/inbox", nil, nil).wantStatus(t, 204)
	h.do("GET", "/_emulator/inbox/emails", nil, nil).wantStatus(t, 200).json(t, &list)
	h.do("GET", "/_emulator/inbox/sms", nil, nil).wantStatus(t, 200).json(t, &sms)
	if len(list.Emails)+len(sms.SMS) != 0 {
		t.Fatal("inbox not cleared")
	}
}

// latest with wait answers the message that arrives while it waits.
func TestLatestWaitsForTheMessage(t *testing.T) {
	h := newHarness(t, nil)
	got := make(chan resp, 1)
	go func() {
		got <- h.do("GET", "/_emulator/inbox/emails/latest?to="+verified+"&wait=30s", nil, nil)
	}()
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	var m inbox.Email
	(<-got).wantStatus(t, 200).json(t, &m)
	if m.To != verified || m.Action != "reset-pwd" {
		t.Fatalf("waited for %+v", m)
	}
}
