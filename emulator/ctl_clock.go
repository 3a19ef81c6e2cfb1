package emulator

import (
	"fmt"
	"time"
)

// getClock is GET /_emulator/clock.
func (e *Emulator) getClock(c *call) (any, error) { return c.env.clock.state(e.clock), nil }

// changeClock is POST /_emulator/clock with {set?, advance?, freeze?}.
func (e *Emulator) changeClock(c *call) (any, error) {
	var b struct {
		Set     string `json:"set"`
		Advance string `json:"advance"`
		Freeze  *bool  `json:"freeze"`
	}
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	var fe fieldErrors
	var set time.Time
	var advance time.Duration
	if b.Set != "" {
		t, err := time.Parse(time.RFC3339Nano, b.Set)
		switch {
		case err != nil:
			fe.add("set", "body", "'set' must be an RFC 3339 time such as 2030-01-01T00:00:00Z.")
		case t.Before(clockMin) || t.After(clockMax):
			fe.add("set", "body", fmt.Sprintf("'set' must be from %s to %s.", clockMin.Format(time.RFC3339), clockMax.Format(time.RFC3339)))
		}
		set = t
	}
	if b.Advance != "" {
		d, err := time.ParseDuration(b.Advance)
		if err != nil || d < 0 {
			fe.add("advance", "body", "'advance' must be a Go duration of zero or more, such as 61m or 24h.")
		}
		advance = d
	}
	if b.Set == "" && b.Advance == "" && b.Freeze == nil {
		fe.add("body", "body", "Give set, advance or freeze.")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	if !c.env.clock.change(e.clock, set, advance, b.Freeze) {
		fe.add("advance", "body", fmt.Sprintf("'advance' would move the clock past %s.", clockMax.Format(time.RFC3339)))
		return nil, fe.err()
	}
	return c.env.clock.state(e.clock), nil
}
