package emulator

import (
	"testing"
)

func TestTokensAreBoundedAndPurged(t *testing.T) {
	h := newHarnessWith(t, Options{TokenLimit: 3, InboxLimit: 2})
	var links []string
	for range 5 {
		h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
		links = append(links, h.latestEmail("", verified, "reset-pwd").Link)
	}
	en := h.em.mustEnv(t, DefaultEnvironment)
	if n := en.links.len(); n != 3 {
		t.Fatalf("%d links kept, want the limit 3", n)
	}
	if emails := en.inbox.Emails.Len(); emails != 2 {
		t.Fatalf("%d emails kept, want the inbox limit 2", emails)
	}
	if q := h.follow(links[0]).RawQuery; q != "status=400&action=reset-pwd&error=Invalid+or+expired+access+token" {
		t.Fatalf("a dropped link redirected with %q", q)
	}
	if q := h.follow(links[4]).Query(); q.Get("status") != "200" {
		t.Fatalf("the newest link failed: %v", q)
	}

	// Expired tokens go as new ones arrive.
	h.patchConfig("", map[string]any{"emailTokenTTL": "1m"})
	h.do("POST", "/_emulator/clock", nil, map[string]any{"advance": "2h"}).wantStatus(t, 200)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	if n := en.links.len(); n != 1 {
		t.Fatalf("%d links after every older one expired, want 1", n)
	}
}
