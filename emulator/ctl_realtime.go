package emulator

import "strings"

// The realtime side of the control plane: the environment's connections
// and the events delivered to them, so a test can wait for "the user got
// user:signout" as it waits for an email.

// listRealtimeConnections is GET /_emulator/realtime/connections.
func (e *Emulator) listRealtimeConnections(c *call) (any, error) {
	return map[string]any{"connections": e.rt.Connections(c.env.id)}, nil
}

func (c *call) realtimeFilter() realtimeFilter {
	return realtimeFilter{event: strings.TrimSpace(c.query("event")), userID: strings.TrimSpace(c.query("userId")),
		channel: strings.TrimSpace(c.query("channel"))}
}

// listRealtimeEvents is GET /_emulator/realtime/events?event=&userId=&channel=.
func (e *Emulator) listRealtimeEvents(c *call) (any, error) {
	return map[string]any{"events": c.env.realtime.list(c.realtimeFilter().match)}, nil
}

// latestRealtimeEvent is GET /_emulator/realtime/events/latest?event=&userId=&channel=&wait=.
func (e *Emulator) latestRealtimeEvent(c *call) (any, error) {
	wait, err := c.waitParam()
	if err != nil {
		return nil, err
	}
	f := c.realtimeFilter()
	ctx, cancel := c.e.holdContext(c.r.Context())
	defer cancel()
	ev, ok := c.env.realtime.latest(ctx, f.match, wait)
	if !ok {
		return nil, errNoRealtimeEvent(f, wait)
	}
	return ev, nil
}
