package inbox

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNewestFirstAndFilters(t *testing.T) {
	s := New(0)
	s.Emails.Add(Email{To: "a@example.com", Action: "reset-pwd", Subject: "1"})
	s.Emails.Add(Email{To: "b@example.com", Action: "email-confirm", Subject: "2"})
	s.Emails.Add(Email{To: "A@Example.com", Action: "magic-link", Subject: "3"})
	got := s.Emails.List(Filter{})
	if len(got) != 3 || got[0].Subject != "3" || got[2].Subject != "1" {
		t.Fatalf("not newest first: %+v", got)
	}
	if got := s.Emails.List(Filter{To: "a@example.com"}); len(got) != 2 || got[0].Subject != "3" {
		t.Fatalf("to filter: %+v", got)
	}
	got = s.Emails.List(Filter{To: "a@example.com", Action: "reset-pwd"})
	if len(got) != 1 || got[0].Subject != "1" {
		t.Fatalf("to and action filter: %+v", got)
	}
	if e, ok := s.Emails.Get(got[0].ID); !ok || e.Subject != "1" || e.ID == "" {
		t.Fatalf("by id: %+v %v", e, ok)
	}
	if _, ok := s.Emails.Get("nope"); ok {
		t.Fatal("found an unknown id")
	}
	s.Clear()
	if n, m := s.Emails.Len(), s.SMS.Len(); n+m != 0 {
		t.Fatal("not cleared")
	}
}

func TestCapDropsOldest(t *testing.T) {
	s := New(2)
	for _, code := range []string{"111111", "222222", "333333"} {
		s.SMS.Add(SMS{To: "+15555555555", Code: code})
	}
	got := s.SMS.List(Filter{})
	if len(got) != 2 || got[0].Code != "333333" || got[1].Code != "222222" {
		t.Fatalf("cap: %+v", got)
	}
}

func TestLatestWaitsForAMatch(t *testing.T) {
	s := New(0)
	blocked := make(chan struct{}, 10)
	s.onWait = func() { blocked <- struct{}{} }

	done := make(chan SMS)
	go func() {
		m, ok := s.SMS.Latest(context.Background(), Filter{To: "+15555555555", Action: "reset-pwd-code"}, time.Minute)
		if !ok {
			t.Error("no message")
		}
		done <- m
	}()
	<-blocked
	s.SMS.Add(SMS{To: "+15555555555", Action: "phone-confirm", Code: "111111"}) // not a match: waits on
	<-blocked
	s.SMS.Add(SMS{To: "+15555555555", Action: "reset-pwd-code", Code: "222222"})
	if m := <-done; m.Code != "222222" {
		t.Fatalf("got %+v", m)
	}
}

func TestLatestEndsWithTimeoutOrContext(t *testing.T) {
	s := New(0)
	if _, ok := s.Emails.Latest(context.Background(), Filter{}, 0); ok {
		t.Fatal("found an email in an empty store")
	}
	if _, ok := s.Emails.Latest(context.Background(), Filter{}, time.Millisecond); ok {
		t.Fatal("found an email after the wait")
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.onWait = cancel
	if _, ok := s.Emails.Latest(ctx, Filter{}, time.Hour); ok {
		t.Fatal("found an email after the context ended")
	}
}

func TestConcurrentUse(t *testing.T) {
	s := New(50)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for range 100 {
				s.Emails.Add(Email{To: "a@example.com"})
			}
		}()
		go func() {
			defer wg.Done()
			for range 100 {
				s.Emails.List(Filter{To: "a@example.com"})
				s.SMS.Latest(context.Background(), Filter{}, 0)
			}
		}()
	}
	wg.Wait()
	if n := s.Emails.Len(); n != 50 {
		t.Fatalf("%d emails kept, want the cap of 50", n)
	}
}

// quota is a Quota with a fixed room, as the emulator's state budget.
type quota struct{ room, used int64 }

func (q *quota) Take(n int64) bool {
	if q.used+n > q.room {
		return false
	}
	q.used += n
	return true
}
func (q *quota) Force(n int64) { q.used += n }
func (q *quota) Give(n int64)  { q.used -= n }

// With a Quota, the store drops its own oldest messages of a kind to make
// room, always keeps the newest, and gives back what goes.
func TestQuota(t *testing.T) {
	q := &quota{room: 3000}
	s := NewWithQuota(100, q)
	for i := range 10 {
		s.Emails.Add(Email{To: "a@example.com", Subject: strings.Repeat("s", 500), Action: "reset-pwd", Token: string(rune('a' + i))})
	}
	emails := s.Emails.Len()
	if emails == 10 || emails == 0 || q.used > q.room {
		t.Fatalf("%d emails kept, quota %d of %d", emails, q.used, q.room)
	}
	if latest := s.Emails.List(Filter{})[0]; latest.Token != "j" {
		t.Fatalf("the newest kept is %q", latest.Token)
	}
	// No SMS to drop: the newest is kept past the quota.
	s.SMS.Add(SMS{To: "+15555555555", Body: strings.Repeat("x", 5000), Code: "123456"})
	if sms := s.SMS.Len(); sms != 1 || q.used <= q.room {
		t.Fatalf("%d SMS, quota %d of %d", sms, q.used, q.room)
	}
	s.Clear()
	if q.used != 0 {
		t.Fatalf("after Clear the quota holds %d", q.used)
	}
	// Lazy bodies are charged their announced size.
	s.Emails.Add(Email{To: "b@example.com"}.WithBody(func() (string, string) { return "t", "h" }, 700))
	if q.used < 700 {
		t.Fatalf("a lazy body of 700 bytes charged %d", q.used)
	}
	e := s.Emails.Add(Email{To: "c@example.com", Text: "hello"})
	s.Emails.Delete(e.ID)
	s.Restore([]Email{{ID: "1", To: "d@example.com", Text: "x"}}, []SMS{{ID: "2", To: "+1", Body: "y"}})
	all, sms := s.Emails.All(), s.SMS.All()
	s.Clear()
	if q.used != 0 || len(all) != 1 || len(sms) != 1 {
		t.Fatalf("quota %d after Clear; restored %d emails, %d SMS", q.used, len(all), len(sms))
	}
}

// Update changes one message in place, keeps its place and its charge,
// and answers it as it now is.
func TestUpdate(t *testing.T) {
	s := New(0)
	a := s.Emails.Add(Email{To: "a@example.com", Subject: "a"})
	s.Emails.Add(Email{To: "b@example.com", Subject: "b"})
	st := RelayStatus{Status: "sent"}
	got, ok := s.Emails.Update(a.ID, func(e *Email) { e.Relay = &st })
	if !ok || got.Relay == nil || got.Relay.Status != "sent" {
		t.Fatalf("Update answered %+v %v", got, ok)
	}
	if list := s.Emails.List(Filter{}); len(list) != 2 || list[1].ID != a.ID || list[1].Relay == nil {
		t.Fatalf("after Update the list is %+v", list)
	}
	if _, ok := s.Emails.Update("nope", func(*Email) { t.Fatal("fn called for an unknown id") }); ok {
		t.Fatal("Update of an unknown id answered ok")
	}
}
