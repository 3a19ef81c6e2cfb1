// Package ring is a bounded list that drops its oldest item when full, in
// constant time per add.
package ring

// Ring holds at most Limit items; the zero value with Limit 0 is unbounded.
// It is not safe for concurrent use: its owner locks.
type Ring[T any] struct {
	limit int
	items []T // a circular buffer: the oldest at head
	head  int
	n     int
}

// New answers a ring of at most limit items; limit <= 0 means unbounded.
func New[T any](limit int) *Ring[T] { return &Ring[T]{limit: limit} }

// Add appends v. When the ring is full it drops the oldest item, and
// answers it (dropped is true).
func (r *Ring[T]) Add(v T) (old T, dropped bool) {
	if r.limit > 0 && r.n == r.limit {
		old = r.items[r.head]
		r.items[r.head] = v
		r.head = (r.head + 1) % len(r.items)
		return old, true
	}
	if r.n == len(r.items) {
		r.grow()
	}
	r.items[(r.head+r.n)%len(r.items)] = v
	r.n++
	return old, false
}

// grow doubles the buffer (up to the limit), the oldest first again.
func (r *Ring[T]) grow() {
	size := max(2*len(r.items), 8)
	if r.limit > 0 {
		size = min(size, r.limit)
	}
	items := make([]T, size)
	for i := range r.n {
		items[i] = r.At(i)
	}
	r.items, r.head = items, 0
}

// DropOldest removes the oldest item and answers it; ok is false when the
// ring is empty.
func (r *Ring[T]) DropOldest() (old T, ok bool) {
	if r.n == 0 {
		return old, false
	}
	var zero T
	old, r.items[r.head] = r.items[r.head], zero
	r.head = (r.head + 1) % len(r.items)
	r.n--
	return old, true
}

// Len answers the number of items.
func (r *Ring[T]) Len() int { return r.n }

// At answers the i-th item, oldest first.
func (r *Ring[T]) At(i int) T { return r.items[(r.head+i)%len(r.items)] }

// Set replaces the i-th item, oldest first.
func (r *Ring[T]) Set(i int, v T) { r.items[(r.head+i)%len(r.items)] = v }

// Newest calls fn on each item, newest first, until fn answers false.
func (r *Ring[T]) Newest(fn func(T) bool) {
	for i := r.n - 1; i >= 0; i-- {
		if !fn(r.At(i)) {
			return
		}
	}
}

// All answers a copy of the items, oldest first.
func (r *Ring[T]) All() []T {
	out := make([]T, r.n)
	for i := range out {
		out[i] = r.At(i)
	}
	return out
}

// Clear empties the ring.
func (r *Ring[T]) Clear() {
	r.items, r.head, r.n = nil, 0, 0
}
