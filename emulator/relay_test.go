package emulator

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/altogic-emulator/altogic-emulator/inbox"
)

// A relay that cannot be reached fails neither the call nor the inbox: the
// failure is on the entry and in the log.
func TestRelayFailureKeepsTheEmail(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now

	var logs strings.Builder
	h := newHarnessWith(t, Options{Relay: &Relay{Addr: addr, TLS: "none", Timeout: 2 * time.Second}, Logger: newTextLogger(&logs)})
	delivered := make(chan inbox.Email, 1)
	h.em.relay.onDelivered = func(m inbox.Email) { delivered <- m }
	t.Cleanup(func() { h.em.Close(context.Background()) })

	// The status's time is the environment's, as every time it answers.
	h.do("POST", "/_emulator/clock", nil, map[string]any{"set": "2031-05-06T07:08:09Z", "freeze": true}).wantStatus(t, 200)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	m := <-delivered
	if m.Relay == nil || m.Relay.Status != "failed" || !strings.Contains(m.Relay.Error, "refused") {
		t.Fatalf("relay status %+v", m.Relay)
	}
	if want := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC); !m.Relay.At.Equal(want) {
		t.Fatalf("relay status at %v, want the environment's %v", m.Relay.At, want)
	}
	shown := h.latestEmail("", verified, "reset-pwd")
	if shown.Relay == nil || shown.Relay.Status != "failed" || shown.Link == "" {
		t.Fatalf("inbox entry %+v", shown)
	}
	if !strings.Contains(logs.String(), "email relay failed") {
		t.Fatalf("not logged: %s", logs.String())
	}
}

func TestRelayOptionsAreChecked(t *testing.T) {
	for _, r := range []Relay{{Addr: "nohost"}, {Addr: "127.0.0.1:25", TLS: "sometimes"}} {
		if _, err := New(Options{Relay: &r}); err == nil {
			t.Errorf("relay %+v accepted", r)
		}
	}
	em, err := New(Options{})
	if err != nil || em.Close(context.Background()) != nil {
		t.Fatal("Close without a relay failed")
	}
}

// A hostile SMTP server that sends an endless greeting without a newline
// gets the delivery failed, not megabytes held.
func TestRelayReadsAreBounded(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		chunk := []byte(strings.Repeat("2", 64<<10))
		for range 1000 { // 64 MB, if it were read
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}()
	h := newHarnessWith(t, Options{Relay: &Relay{Addr: ln.Addr().String(), TLS: "none", Timeout: 10 * time.Second}})
	delivered := make(chan inbox.Email, 1)
	h.em.relay.onDelivered = func(m inbox.Email) { delivered <- m }
	t.Cleanup(func() { h.em.Close(context.Background()) })
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	m := <-delivered
	if m.Relay == nil || m.Relay.Status != "failed" || !strings.Contains(m.Relay.Error, "more than 65536 bytes") {
		t.Fatalf("relay status %+v", m.Relay)
	}
}
