package emulator

import (
	"sync"
	"time"
)

// Clock is the emulator's source of "now". Every expiry is an absolute
// deadline read against it, so a test that moves a ManualClock forward sees
// tokens and codes expire at once.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now().UTC() }

// ManualClock is a Clock that moves only when told to. It is safe for
// concurrent use.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock answers a clock stopped at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t.UTC()} }

// Now answers the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t.UTC()
	c.mu.Unlock()
}

// envClock is an environment's view of the emulator's clock: the base clock
// moved by an offset, or frozen at an instant. Tests move it through
// /_emulator/clock.
type envClock struct {
	mu     sync.Mutex
	offset time.Duration
	frozen bool
	at     time.Time // the frozen instant
}

func (c *envClock) now(base Clock) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked(base)
}

func (c *envClock) nowLocked(base Clock) time.Time {
	if c.frozen {
		return c.at
	}
	return base.Now().UTC().Add(c.offset)
}

// clockState is the clock as the control API and snapshots show it.
type clockState struct {
	Now    time.Time `json:"now"`
	Frozen bool      `json:"frozen"`
	Offset string    `json:"offset"`
}

func (c *envClock) state(base Clock) clockState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return clockState{Now: c.nowLocked(base), Frozen: c.frozen, Offset: c.offset.String()}
}

// clockMin and clockMax bound an environment's time: within them its
// offset from the real clock always fits a time.Duration.
var (
	clockMin = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	clockMax = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// change sets the time (if set is not zero), then moves it by advance, then
// freezes or restarts it (if freeze is not nil). It changes nothing and
// answers false when the time would leave [clockMin, clockMax].
func (c *envClock) change(base Clock, set time.Time, advance time.Duration, freeze *bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	target := c.nowLocked(base)
	if !set.IsZero() {
		target = set
	}
	if target = target.Add(advance); target.Before(clockMin) || target.After(clockMax) {
		return false
	}
	if !set.IsZero() {
		if c.frozen {
			c.at = set.UTC()
		} else {
			c.offset = set.Sub(base.Now())
		}
	}
	if c.frozen {
		c.at = c.at.Add(advance)
	} else {
		c.offset += advance
	}
	if freeze != nil && *freeze != c.frozen {
		now := c.nowLocked(base)
		c.frozen = *freeze
		if c.frozen {
			c.at = now
		} else {
			c.offset = now.Sub(base.Now())
		}
	}
	return true
}

// restore sets the clock from a snapshot.
func (c *envClock) restore(offset time.Duration, frozen bool, at time.Time) {
	c.mu.Lock()
	c.offset, c.frozen, c.at = offset, frozen, at
	c.mu.Unlock()
}
