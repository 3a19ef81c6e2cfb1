package emulator

import (
	"context"
	"sync"
	"time"

	"github.com/altogic-emulator/altogic-emulator/internal/await"
	"github.com/altogic-emulator/altogic-emulator/internal/ring"
)

// chargedLog keeps the last entries of one kind for an environment (its
// request journal, its realtime events): at most limit, each charged to
// the environment's state budget by its size. When the budget has no room
// the oldest entries go first; an entry that finds none even then is not
// kept. A waiter for a matching entry is woken by each new one.
type chargedLog[T any] struct {
	mu      sync.Mutex
	entries *ring.Ring[T]
	size    func(T) int64
	acct    *account
	bytes   int64 // charged to acct
	changed chan struct{}
}

func newChargedLog[T any](limit int, acct *account, size func(T) int64) *chargedLog[T] {
	return &chargedLog[T]{entries: ring.New[T](limit), size: size, acct: acct, changed: make(chan struct{})}
}

func (l *chargedLog[T]) add(v T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cost := l.size(v)
	for !l.acct.Take(cost) {
		old, ok := l.entries.DropOldest()
		if !ok {
			return
		}
		l.release(l.size(old))
	}
	if old, dropped := l.entries.Add(v); dropped {
		l.release(l.size(old))
	}
	l.bytes += cost
	close(l.changed)
	l.changed = make(chan struct{})
}

// release gives back n bytes; the caller holds l.mu.
func (l *chargedLog[T]) release(n int64) {
	l.bytes -= n
	l.acct.Give(n)
}

func (l *chargedLog[T]) clear() {
	l.mu.Lock()
	l.entries.Clear()
	l.release(l.bytes)
	l.mu.Unlock()
}

// list answers the entries that match, newest first.
func (l *chargedLog[T]) list(match func(T) bool) []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []T{}
	l.entries.Newest(func(v T) bool {
		if match(v) {
			out = append(out, v)
		}
		return true
	})
	return out
}

// latest answers the newest entry that matches, waiting up to wait for
// one, or until ctx ends.
func (l *chargedLog[T]) latest(ctx context.Context, match func(T) bool, wait time.Duration) (T, bool) {
	return await.Until(ctx, wait, func() (T, bool, <-chan struct{}) {
		l.mu.Lock()
		defer l.mu.Unlock()
		var found T
		ok := false
		l.entries.Newest(func(v T) bool {
			found, ok = v, match(v)
			return !ok
		})
		return found, ok, l.changed
	})
}
