// Package await waits for a value to appear in a store that announces each
// change by closing a channel (and making a new one): the inbox's messages
// and the emulator's realtime events. It never polls.
package await

import (
	"context"
	"time"
)

// Until answers what look finds. look answers a value, whether it is the
// one wanted, and a channel that the store closes at its next change (read
// under the same lock as the value, so that no change falls between).
// While look finds nothing, Until waits for that change and looks again,
// for up to wait in all, or until ctx ends; with wait 0 or less it looks
// once. When nothing is found it answers the zero value and false.
func Until[T any](ctx context.Context, wait time.Duration, look func() (T, bool, <-chan struct{})) (T, bool) {
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	var zero T
	for {
		v, ok, changed := look()
		if ok {
			return v, true
		}
		if timeout == nil {
			return zero, false
		}
		select {
		case <-changed:
		case <-timeout:
			return zero, false
		case <-ctx.Done():
			return zero, false
		}
	}
}
