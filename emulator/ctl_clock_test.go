package emulator

import (
	"testing"
	"time"
)

type clockAnswer struct {
	Now    time.Time
	Frozen bool
	Offset string
}

func (h *harness) clockNow(prefix string) clockAnswer {
	h.t.Helper()
	var c clockAnswer
	h.do("GET", prefix+"/_emulator/clock", nil, nil).wantStatus(h.t, 200).json(h.t, &c)
	return c
}

// The clock stays where its offset from the real one fits: a far time or a
// huge advance is refused and changes nothing, frozen or not.
func TestClockStaysInRange(t *testing.T) {
	h := newHarness(t, nil)
	for _, frozen := range []bool{false, true} {
		h.do("POST", "/_emulator/clock", nil, map[string]any{"set": "2199-01-01T00:00:00Z", "freeze": frozen}).wantStatus(t, 200)
		h.do("POST", "/_emulator/clock", nil, map[string]any{"set": "9999-12-31T23:59:59Z"}).
			wantError(t, 400, "validation_error", "'set' must be from 1970-01-01T00:00:00Z to 2200-01-01T00:00:00Z.")
		h.do("POST", "/_emulator/clock", nil, map[string]any{"set": "1969-12-31T23:59:59Z"}).wantStatus(t, 400)
		h.do("POST", "/_emulator/clock", nil, map[string]any{"advance": "2562047h"}).
			wantError(t, 400, "validation_error", "'advance' would move the clock past 2200-01-01T00:00:00Z.")
		h.do("POST", "/_emulator/clock", nil, map[string]any{"set": "2100-01-01T00:00:00Z", "advance": "2562047h"}).wantStatus(t, 400)
		if c := h.clockNow(""); !c.Now.Equal(time.Date(2199, 1, 1, 0, 0, 0, 0, time.UTC)) || c.Frozen != frozen {
			t.Fatalf("a refused change moved the clock: %+v", c)
		}
		h.do("POST", "/_emulator/clock", nil, map[string]any{"advance": "8760h"}).wantStatus(t, 200)
	}
}

func TestClockAPI(t *testing.T) {
	h := newHarness(t, nil)
	if c := h.clockNow(""); !c.Now.Equal(epoch) || c.Frozen || c.Offset != "0s" {
		t.Fatalf("clock %+v", c)
	}
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	link := h.latestEmail("", verified, "reset-pwd").Link

	var c clockAnswer
	h.do("POST", "/_emulator/clock", nil, map[string]any{"advance": "61m"}).wantStatus(t, 200).json(t, &c)
	if !c.Now.Equal(epoch.Add(61*time.Minute)) || c.Offset != "1h1m0s" {
		t.Fatalf("after advance: %+v", c)
	}
	if q := h.follow(link).Query(); q.Get("status") != "400" {
		t.Fatalf("the link outlived its hour: %v", q)
	}
	if other := h.clockNow("/e:other"); !other.Now.Equal(epoch) {
		t.Fatalf("another environment's clock moved: %+v", other)
	}

	h.do("POST", "/_emulator/clock", nil, map[string]any{"freeze": true}).wantStatus(t, 200)
	h.clock.Advance(time.Hour) // the emulator's own clock moves on
	if got := h.clockNow(""); !got.Frozen || !got.Now.Equal(epoch.Add(61*time.Minute)) {
		t.Fatalf("frozen clock %+v", got)
	}
	h.do("POST", "/_emulator/clock", nil, map[string]any{"freeze": false}).wantStatus(t, 200)
	h.clock.Advance(time.Minute)
	if got := h.clockNow(""); got.Frozen || !got.Now.Equal(epoch.Add(62*time.Minute)) {
		t.Fatalf("restarted clock %+v", got)
	}
	h.do("POST", "/_emulator/clock", nil, map[string]any{"set": "2030-01-01T00:00:00Z"}).wantStatus(t, 200).json(t, &c)
	if !c.Now.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("set: %+v", c)
	}
	h.api("POST", "/signup-email", "", map[string]string{"email": "future@example.com", "password": "Passw0rd!"}).wantStatus(t, 200)
	if u := h.latestEmail("", "future@example.com", ""); !u.CreatedAt.Equal(c.Now) {
		t.Fatalf("email created at %v, clock at %v", u.CreatedAt, c.Now)
	}

	h.do("POST", "/_emulator/clock", nil, map[string]any{"advance": "soon"}).wantError(t, 400, "validation_error", "")
	h.do("POST", "/_emulator/clock", nil, map[string]any{"advance": "-1h"}).wantError(t, 400, "validation_error", "")
	h.do("POST", "/_emulator/clock", nil, map[string]any{"set": "tomorrow"}).wantError(t, 400, "validation_error", "")
	h.do("POST", "/_emulator/clock", nil, map[string]any{}).wantError(t, 400, "validation_error", "")
	h.do("POST", "/_emulator/reset", nil, nil).wantStatus(t, 204)
	if got := h.clockNow(""); got.Offset != "0s" || got.Frozen {
		t.Fatalf("reset kept the clock: %+v", got)
	}
}
