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
