// Package ring is a bounded list that drops its oldest item when full, in
// constant time per add.
package ring

// Ring holds at most Limit items; the zero value with Limit 0 is unbounded.
// It is not safe for concurrent use: its owner locks.
type Ring[T any] struct {
	limit int
	items []T
	start int // index of the oldest item once the ring is full
}

// New answers a ring of at most limit items; limit <= 0 means unbounded.
func New[T any](limit int) *Ring[T] { return &Ring[T]{limit: limit} }

// Add appends v, dropping the oldest item when the ring is full.
func (r *Ring[T]) Add(v T) {
	if r.limit <= 0 || len(r.items) < r.limit {
		r.items = append(r.items, v)
		return
	}
	r.items[r.start] = v
	r.start = (r.start + 1) % r.limit
}

// Len answers the number of items.
func (r *Ring[T]) Len() int { return len(r.items) }

// At answers the i-th item, oldest first.
func (r *Ring[T]) At(i int) T { return r.items[(r.start+i)%len(r.items)] }

// Set replaces the i-th item, oldest first.
func (r *Ring[T]) Set(i int, v T) { r.items[(r.start+i)%len(r.items)] = v }

// Newest calls fn on each item, newest first, until fn answers false.
func (r *Ring[T]) Newest(fn func(T) bool) {
	for i := len(r.items) - 1; i >= 0; i-- {
		if !fn(r.At(i)) {
			return
		}
	}
}

// All answers a copy of the items, oldest first.
func (r *Ring[T]) All() []T {
	out := make([]T, len(r.items))
	for i := range out {
		out[i] = r.At(i)
	}
	return out
}

// Clear empties the ring.
func (r *Ring[T]) Clear() {
	r.items, r.start = nil, 0
}
