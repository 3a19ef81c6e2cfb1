// Package inbox captures the emails and SMS messages that the emulator would
// have sent, newest first, with filters and a wait for the next match so
// tests never poll.
//
//	store := inbox.New(1000)
//	store.AddEmail(inbox.Email{To: "a@example.com", Action: "reset-pwd"})
//	e, ok := store.LatestEmail(ctx, inbox.Filter{To: "a@example.com"}, 5*time.Second)
package inbox

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/altogic-emulator/altogic-emulator/internal/ring"
)

// Email is a captured email, with the parts a test asserts on ready to use.
type Email struct {
	ID      string `json:"id"`
	To      string `json:"to"`
	From    string `json:"from"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
	// Action is reset-pwd, email-confirm, magic-link or change-email.
	Action string `json:"action"`
	// Link is the full URL to follow; Token is the link token inside it.
	Link      string    `json:"link"`
	Token     string    `json:"token"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	// Relay is the delivery to the SMTP relay, when one is configured.
	Relay *RelayStatus `json:"relay,omitempty"`

	// render, when set, fills Text and HTML on first read: most captured
	// emails of a long suite are never read. bodySize is the length of
	// what it makes.
	render   func() (text, html string)
	bodySize int
}

// WithBody answers e with its text and HTML made by render when the email
// is first read; size is their length in bytes, which a Quota is charged
// meanwhile. render must not depend on state that may change.
func (e Email) WithBody(render func() (text, html string), size int) Email {
	e.render, e.bodySize = render, size
	return e
}

// filled answers e with its text and HTML.
func (e Email) filled() Email {
	if e.render != nil {
		e.Text, e.HTML = e.render()
		e.render = nil
	}
	return e
}

func fillAll(list []Email) []Email {
	for i := range list {
		list[i] = list[i].filled()
	}
	return list
}

// RelayStatus is how delivery of an email to the SMTP relay went.
type RelayStatus struct {
	// Status is pending, sent or failed.
	Status string    `json:"status"`
	Error  string    `json:"error,omitempty"`
	At     time.Time `json:"at,omitzero"`
}

// SMS is a captured text message.
type SMS struct {
	ID   string `json:"id"`
	To   string `json:"to"`
	Body string `json:"body"`
	// Code is the six-digit code in Body.
	Code string `json:"code"`
	// Action is reset-pwd-code, phone-confirm, signin-code or change-phone.
	Action    string    `json:"action"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// overhead is the estimated size of a message beside its text: the
// structure, its place in the store, a Filter's work.
const overhead = 256

// Size is what a Quota is charged for e. It leaves out the relay status,
// which changes while the email is stored.
func (e Email) Size() int64 {
	body := e.bodySize
	if e.render == nil {
		body = len(e.Text) + len(e.HTML)
	}
	return int64(overhead + body + len(e.ID) + len(e.To) + len(e.From) + len(e.Subject) + len(e.Action) + len(e.Link) + len(e.Token))
}

// Size is what a Quota is charged for m.
func (m SMS) Size() int64 {
	return int64(overhead + len(m.ID) + len(m.To) + len(m.Body) + len(m.Code) + len(m.Action))
}

func (e Email) recipient() string { return e.To }
func (e Email) action() string    { return e.Action }
func (e Email) id() string        { return e.ID }
func (m SMS) recipient() string   { return m.To }
func (m SMS) action() string      { return m.Action }
func (m SMS) id() string          { return m.ID }

// Filter selects messages; an empty field matches everything. To matches
// the recipient exactly, ignoring letter case.
type Filter struct {
	To     string
	Action string
}

type message interface {
	recipient() string
	action() string
	id() string
	Size() int64
}

// Quota is charged the bytes of every stored message and given them back
// when the message goes. When it has no room, the store drops its own
// oldest messages of that kind to make some; the new message is always
// kept (Force charges it even past the quota).
type Quota interface {
	Take(n int64) bool
	Force(n int64)
	Give(n int64)
}

func (f Filter) match(m message) bool {
	return (f.To == "" || strings.EqualFold(f.To, m.recipient())) &&
		(f.Action == "" || f.Action == m.action())
}

// Store holds the messages of one environment. Its zero value is not usable;
// call New. All methods are safe for concurrent use.
type Store struct {
	mu     sync.Mutex
	emails *ring.Ring[Email]
	sms    *ring.Ring[SMS]
	// changed is closed and replaced whenever a message arrives, waking
	// every waiter at once.
	changed chan struct{}
	// onWait, when set (by tests), is called each time a waiter blocks.
	onWait func()
	// subscribers receive every captured message.
	subscribers map[chan Event]struct{}
	// quota, when set, is charged emailBytes and smsBytes.
	quota                Quota
	emailBytes, smsBytes int64
}

// Event is a captured message as Subscribe delivers it: Kind "email" or
// "sms" and its ID, to read it by (it may be gone by then). A slow
// subscriber so holds a few bytes per message, not the messages.
type Event struct {
	Kind string
	ID   string
}

// Subscribe answers a channel that receives every message captured from
// now on, and a function that ends the subscription. A subscriber that
// falls more than buffer messages behind misses messages rather than
// slowing the emulator down.
func (s *Store) Subscribe(buffer int) (<-chan Event, func()) {
	ch := make(chan Event, buffer)
	s.mu.Lock()
	if s.subscribers == nil {
		s.subscribers = map[chan Event]struct{}{}
	}
	s.subscribers[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.subscribers, ch)
		s.mu.Unlock()
	}
}

// publishLocked sends ev to every subscriber that has room; the caller
// holds s.mu.
func (s *Store) publishLocked(ev Event) {
	for ch := range s.subscribers {
		select {
		case ch <- ev:
		default:
		}
	}
}

// New answers an empty store keeping at most limit emails and limit SMS
// (the oldest are dropped); limit <= 0 means no limit.
func New(limit int) *Store { return NewWithQuota(limit, nil) }

// NewWithQuota is New with a Quota charged for the messages kept.
func NewWithQuota(limit int, q Quota) *Store {
	return &Store{emails: ring.New[Email](limit), sms: ring.New[SMS](limit), changed: make(chan struct{}), quota: q}
}

// AddEmail captures e, giving it an id when it has none, and answers it.
func (s *Store) AddEmail(e Email) Email {
	if e.ID == "" {
		e.ID = uuid.NewString()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keep(s, s.emails, &s.emailBytes, e)
	s.notifyLocked()
	s.publishLocked(Event{Kind: "email", ID: e.ID})
	return e
}

// AddSMS captures m, giving it an id when it has none, and answers it.
func (s *Store) AddSMS(m SMS) SMS {
	if m.ID == "" {
		m.ID = uuid.NewString()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keep(s, s.sms, &s.smsBytes, m)
	s.notifyLocked()
	s.publishLocked(Event{Kind: "sms", ID: m.ID})
	return m
}

// keep adds m to list, charging the quota; the caller holds s.mu.
func keep[T message](s *Store, list *ring.Ring[T], bytes *int64, m T) {
	cost := m.Size()
	if s.quota != nil {
		for !s.quota.Take(cost) {
			old, ok := list.DropOldest()
			if !ok {
				s.quota.Force(cost) // the newest is always kept
				break
			}
			s.release(bytes, old.Size())
		}
	}
	if old, dropped := list.Add(m); dropped {
		s.release(bytes, old.Size())
	}
	*bytes += cost
}

// restore adds m as a snapshot gives it, charged whatever the quota (the
// restorer checked that it fits); the caller holds s.mu.
func restore[T message](s *Store, list *ring.Ring[T], bytes *int64, m T) {
	cost := m.Size()
	if s.quota != nil {
		s.quota.Force(cost)
	}
	if old, dropped := list.Add(m); dropped {
		s.release(bytes, old.Size())
	}
	*bytes += cost
}

// release gives back n bytes of one kind; the caller holds s.mu.
func (s *Store) release(bytes *int64, n int64) {
	*bytes -= n
	if s.quota != nil {
		s.quota.Give(n)
	}
}

// notifyLocked wakes the waiters; the caller holds s.mu.
func (s *Store) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Emails answers the matching emails, newest first.
func (s *Store) Emails(f Filter) []Email {
	s.mu.Lock()
	list := newestFirst(s.emails, f)
	s.mu.Unlock()
	return fillAll(list)
}

// SMS answers the matching SMS messages, newest first.
func (s *Store) SMS(f Filter) []SMS {
	s.mu.Lock()
	defer s.mu.Unlock()
	return newestFirst(s.sms, f)
}

func newestFirst[T message](list *ring.Ring[T], f Filter) []T {
	out := []T{}
	list.Newest(func(m T) bool {
		if f.match(m) {
			out = append(out, m)
		}
		return true
	})
	return out
}

// Email answers the email with that id.
func (s *Store) Email(id string) (Email, bool) {
	s.mu.Lock()
	e, ok := byID(s.emails, id)
	s.mu.Unlock()
	return e.filled(), ok
}

// SMSByID answers the SMS with that id.
func (s *Store) SMSByID(id string) (SMS, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return byID(s.sms, id)
}

func byID[T message](list *ring.Ring[T], id string) (found T, ok bool) {
	list.Newest(func(m T) bool {
		if m.id() == id {
			found, ok = m, true
		}
		return !ok
	})
	return found, ok
}

// LatestEmail answers the newest matching email. When there is none it waits
// up to wait for one to arrive, or until ctx ends.
func (s *Store) LatestEmail(ctx context.Context, f Filter, wait time.Duration) (Email, bool) {
	e, ok := latest(ctx, s, s.emails, f, wait)
	return e.filled(), ok
}

// LatestSMS answers the newest matching SMS, waiting as LatestEmail does.
func (s *Store) LatestSMS(ctx context.Context, f Filter, wait time.Duration) (SMS, bool) {
	return latest(ctx, s, s.sms, f, wait)
}

// latest reads list under s.mu; it waits on the change channel, never polls.
func latest[T message](ctx context.Context, s *Store, list *ring.Ring[T], f Filter, wait time.Duration) (T, bool) {
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	for {
		s.mu.Lock()
		var found T
		ok := false
		list.Newest(func(m T) bool {
			found, ok = m, f.match(m)
			return !ok
		})
		changed, onWait := s.changed, s.onWait
		s.mu.Unlock()
		if ok {
			return found, true
		}
		var zero T
		if timeout == nil {
			return zero, false
		}
		if onWait != nil {
			onWait()
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

// Clear empties the store.
func (s *Store) Clear() {
	s.mu.Lock()
	s.clearLocked()
	s.mu.Unlock()
}

func (s *Store) clearLocked() {
	s.emails.Clear()
	s.sms.Clear()
	s.release(&s.emailBytes, s.emailBytes)
	s.release(&s.smsBytes, s.smsBytes)
}

// SetRelay records the relay status of the email with that id and answers
// the email as it now is.
func (s *Store) SetRelay(id string, st RelayStatus) Email {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out Email
	for i := range s.emails.Len() {
		if e := s.emails.At(i); e.ID == id {
			e.Relay = &st
			s.emails.Set(i, e)
			out = e
		}
	}
	return out.filled()
}

// DeleteEmail removes the email with that id and reports whether it was
// there.
func (s *Store) DeleteEmail(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.emails.All()
	s.emails.Clear()
	found := false
	for _, e := range kept {
		if e.ID == id {
			found = true
			s.release(&s.emailBytes, e.Size())
			continue
		}
		s.emails.Add(e)
	}
	return found
}

// ClearEmails removes every email; SMS messages stay.
func (s *Store) ClearEmails() {
	s.mu.Lock()
	s.emails.Clear()
	s.release(&s.emailBytes, s.emailBytes)
	s.mu.Unlock()
}

// All answers every email and SMS, oldest first, for a state snapshot.
func (s *Store) All() ([]Email, []SMS) {
	s.mu.Lock()
	emails, sms := s.emails.All(), s.sms.All()
	s.mu.Unlock()
	return fillAll(emails), sms
}

// Restore replaces the store's messages (oldest first), as All answered them.
func (s *Store) Restore(emails []Email, sms []SMS) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clearLocked()
	for _, e := range emails {
		restore(s, s.emails, &s.emailBytes, e)
	}
	for _, m := range sms {
		restore(s, s.sms, &s.smsBytes, m)
	}
	s.notifyLocked()
}

// Count answers how many emails and SMS the store holds.
func (s *Store) Count() (emails, sms int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.emails.Len(), s.sms.Len()
}
