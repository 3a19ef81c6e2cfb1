package emulator

import (
	"fmt"
	"math"
	"sync/atomic"
)

// The state budget bounds, in bytes, everything the emulator keeps across
// its environments: users, sessions, links, access tokens, SMS codes,
// captured messages, journal entries, realtime events and faults. Counts
// alone cannot bound memory (one user can carry a megabyte of data, and the per-environment
// caps multiply by the number of environments), so every stored item is
// charged its estimated size. When the budget is spent:
//
//   - a new user is refused (429 storage_full): users are state, never
//     dropped. Users may fill three quarters of the budget; the rest is
//     kept for what comes and goes, so the flows keep working when users
//     have filled their part;
//   - a new token, session, message, journal entry or realtime event
//     first drops the oldest of its kind in the same environment, as the
//     per-environment caps already do; the newest token, session or
//     message is always kept, so the budget is exceeded by at most a few
//     items per environment; a journal entry or realtime event that does
//     not fit is not noted.

// defaultMaxState is the budget when Options.MaxStateBytes is zero.
const defaultMaxState = 128 << 20

type stateBudget struct {
	limit int64
	used  atomic.Int64
}

// usersShare is the part of the budget users may fill.
func (b *stateBudget) usersShare() int64 { return b.limit / 4 * 3 }

// take charges n bytes, or reports that they would pass limit.
func (b *stateBudget) take(n, limit int64) bool {
	for {
		used := b.used.Load()
		if used+n > limit {
			return false
		}
		if b.used.CompareAndSwap(used, used+n) {
			return true
		}
	}
}

// account is one environment's share of the budget. It remembers what it
// took, so that a deleted environment gives everything back at once, and
// whatever a request still in flight stores in it afterwards is not
// counted twice. It is safe for concurrent use (the inbox charges it under
// its own lock).
type account struct {
	budget *stateBudget
	// used is what the account holds, or closedAccount once it is closed.
	// Lock-free: every request charges and gives back several times.
	used atomic.Int64
}

const closedAccount = math.MinInt64

func newAccount(b *stateBudget) *account { return &account{budget: b} }

// Take charges n bytes, or reports that the budget has no room for them.
func (a *account) Take(n int64) bool { return a.takeUpTo(n, a.budget.limit) }

// takeForUsers is Take within the users' share of the budget.
func (a *account) takeForUsers(n int64) bool { return a.takeUpTo(n, a.budget.usersShare()) }

func (a *account) takeUpTo(n, limit int64) bool {
	for {
		u := a.used.Load()
		if u == closedAccount {
			return true
		}
		if !a.budget.take(n, limit) {
			return false
		}
		if a.used.CompareAndSwap(u, u+n) {
			return true
		}
		a.budget.used.Add(-n) // the account changed meanwhile: again
	}
}

// Force charges n bytes even past the budget.
func (a *account) Force(n int64) { a.add(n) }

// Give returns n bytes.
func (a *account) Give(n int64) { a.add(-n) }

func (a *account) add(n int64) {
	for {
		u := a.used.Load()
		if u == closedAccount {
			return
		}
		if a.used.CompareAndSwap(u, u+n) {
			a.budget.used.Add(n)
			return
		}
	}
}

// Used answers what the account holds.
func (a *account) Used() int64 { return max(a.used.Load(), 0) }

// close gives back everything: the environment is gone.
func (a *account) close() {
	if u := a.used.Swap(closedAccount); u != closedAccount {
		a.budget.used.Add(-u)
	}
}

// formatBytes writes a size as people read it: 128 MiB, 1.5 GiB, 900 B.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// The estimated sizes of stored items: their strings plus a fixed part for
// the structure, its map entries and its place in the order lists.
const (
	itemOverhead = 160
	userOverhead = 400
)

func textSize(ss ...string) int64 {
	n := int64(0)
	for _, s := range ss {
		n += int64(len(s))
	}
	return n
}
