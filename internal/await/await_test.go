package await

import (
	"context"
	"sync"
	"testing"
	"time"
)

// store is the smallest store that announces its changes as Until expects.
type store struct {
	mu      sync.Mutex
	value   int
	changed chan struct{}
	looks   int
	waiting chan struct{} // told each time a look finds nothing
}

func newStore() *store {
	return &store{changed: make(chan struct{}), waiting: make(chan struct{}, 16)}
}

func (s *store) set(v int) {
	s.mu.Lock()
	s.value = v
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

func (s *store) look(want int) func() (int, bool, <-chan struct{}) {
	return func() (int, bool, <-chan struct{}) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.looks++
		if s.value == want {
			return s.value, true, s.changed
		}
		s.waiting <- struct{}{}
		return 0, false, s.changed
	}
}

func TestFoundAtOnce(t *testing.T) {
	s := newStore()
	s.set(3)
	if v, ok := Until(context.Background(), time.Hour, s.look(3)); !ok || v != 3 {
		t.Fatalf("got %d, %v", v, ok)
	}
}

func TestNoWaitLooksOnce(t *testing.T) {
	s := newStore()
	if v, ok := Until(context.Background(), 0, s.look(3)); ok || v != 0 || s.looks != 1 {
		t.Fatalf("got %d, %v after %d looks", v, ok, s.looks)
	}
}

// Changes that are not the one wanted wake the waiter, which looks again
// and goes on waiting; the wanted one ends the wait.
func TestWaitsThroughChangesForTheWantedOne(t *testing.T) {
	s := newStore()
	done := make(chan int)
	go func() {
		v, _ := Until(context.Background(), time.Hour, s.look(3))
		done <- v
	}()
	<-s.waiting
	s.set(1)
	<-s.waiting
	s.set(3)
	if v := <-done; v != 3 {
		t.Fatalf("got %d", v)
	}
}

func TestEndsWithTheContext(t *testing.T) {
	s := newStore()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bool)
	go func() {
		_, ok := Until(ctx, time.Hour, s.look(3))
		done <- ok
	}()
	<-s.waiting
	cancel()
	if <-done {
		t.Fatal("found after the context ended")
	}
}

func TestEndsWhenTheWaitIsUp(t *testing.T) {
	s := newStore()
	if _, ok := Until(context.Background(), time.Millisecond, s.look(3)); ok {
		t.Fatal("found a value never set")
	}
}
