package ring

import (
	"reflect"
	"testing"
)

func TestRingDropsOldest(t *testing.T) {
	r := New[int](3)
	for i := 1; i <= 5; i++ {
		r.Add(i)
	}
	if got := r.All(); !reflect.DeepEqual(got, []int{3, 4, 5}) {
		t.Fatalf("All %v", got)
	}
	var newest []int
	r.Newest(func(v int) bool { newest = append(newest, v); return len(newest) < 2 })
	if !reflect.DeepEqual(newest, []int{5, 4}) {
		t.Fatalf("Newest %v", newest)
	}
	r.Clear()
	r.Add(9)
	if r.Len() != 1 || r.At(0) != 9 {
		t.Fatalf("after Clear: %v", r.All())
	}
}

func TestUnbounded(t *testing.T) {
	r := New[string](0)
	for range 10 {
		r.Add("x")
	}
	if r.Len() != 10 {
		t.Fatal(r.Len())
	}
}

func TestAddAnswersWhatItDrops(t *testing.T) {
	r := New[int](2)
	if _, dropped := r.Add(1); dropped {
		t.Fatal("dropped from a ring with room")
	}
	r.Add(2)
	if old, dropped := r.Add(3); !dropped || old != 1 {
		t.Fatalf("Add dropped %d %v, want 1", old, dropped)
	}
}

func TestDropOldest(t *testing.T) {
	r := New[int](3)
	for i := 1; i <= 4; i++ {
		r.Add(i) // 2 3 4, the buffer wrapped
	}
	if old, ok := r.DropOldest(); !ok || old != 2 {
		t.Fatalf("DropOldest %d %v", old, ok)
	}
	r.Add(5)
	r.Add(6) // full again: 4 5 6
	if got := r.All(); !reflect.DeepEqual(got, []int{4, 5, 6}) {
		t.Fatalf("All %v", got)
	}
	for range 3 {
		r.DropOldest()
	}
	if _, ok := r.DropOldest(); ok || r.Len() != 0 {
		t.Fatalf("DropOldest of an empty ring: %v, %d left", ok, r.Len())
	}
	r.Add(7)
	if got := r.All(); !reflect.DeepEqual(got, []int{7}) {
		t.Fatalf("All %v", got)
	}
}
