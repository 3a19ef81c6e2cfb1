// Package inbox captures the emails and SMS messages that the emulator would
// have sent, newest first, with filters and a wait for the next match so
// tests never poll. A Store holds one environment's messages in two boxes
// of one generic type, Box: Emails and SMS.
//
//	store := inbox.New(1000)
//	store.Emails.Add(inbox.Email{To: "a@example.com", Action: "reset-pwd"})
//	e, ok := store.Emails.Latest(ctx, inbox.Filter{To: "a@example.com"}, 5*time.Second)
package inbox

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/altogic-emulator/altogic-emulator/internal/await"

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

// Filled answers e with its text and HTML made, for a copy that is not
// read through the store (an email gone from it meanwhile).
func (e Email) Filled() Email { return e.filled() }

// filled answers e with its text and HTML.
func (e Email) filled() Email {
	if e.render != nil {
		e.Text, e.HTML = e.render()
		e.render = nil
	}
	return e
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

func (e Email) recipient() string      { return e.To }
func (e Email) action() string         { return e.Action }
func (e Email) id() string             { return e.ID }
func (e Email) withID(id string) Email { e.ID = id; return e }
func (m SMS) recipient() string        { return m.To }
func (m SMS) action() string           { return m.Action }
func (m SMS) id() string               { return m.ID }
func (m SMS) withID(id string) SMS     { m.ID = id; return m }
func (m SMS) filled() SMS              { return m }

// Filter selects messages; an empty field matches everything. To matches
// the recipient exactly, ignoring letter case.
type Filter struct {
	To     string
	Action string
}

// Message is what a Box holds: Email or SMS.
type Message[T any] interface {
	Email | SMS
	recipient() string
	action() string
	id() string
	withID(id string) T
	filled() T
	Size() int64
}

func (f Filter) match(to, action string) bool {
	return (f.To == "" || strings.EqualFold(f.To, to)) &&
		(f.Action == "" || f.Action == action)
}

// Quota is charged the bytes of every stored message and given them back
// when the message goes. When it has no room, the box drops its own
// oldest messages to make some; the new message is always kept (Force
// charges it even past the quota).
type Quota interface {
	Take(n int64) bool
	Force(n int64)
	Give(n int64)
}

// Store holds the messages of one environment. Its zero value is not usable;
// call New. All methods are safe for concurrent use.
type Store struct {
	// Emails and SMS are the two boxes; they share the store's lock, its
	// waiters and its subscribers.
	Emails *Box[Email]
	SMS    *Box[SMS]

	mu sync.Mutex
	// changed is closed and replaced whenever a message arrives, waking
	// every waiter at once.
	changed chan struct{}
	// onWait, when set (by tests), is called each time a waiter blocks.
	onWait func()
	// subscribers receive every captured message.
	subscribers map[chan Event]struct{}
	// quota, when set, is charged the bytes of both boxes.
	quota Quota
}

// Box holds the messages of one kind, oldest dropped first when full.
type Box[T Message[T]] struct {
	s     *Store
	kind  string
	list  *ring.Ring[T]
	bytes int64
}

// Event is a captured message as Subscribe delivers it: Kind "email" or
// "sms" and its ID, to read it by (it may be gone by then). A slow
// subscriber so holds a few bytes per message, not the messages.
type Event struct {
	Kind string
	ID   string
}

// New answers an empty store keeping at most limit emails and limit SMS
// (the oldest are dropped); limit <= 0 means no limit.
func New(limit int) *Store { return NewWithQuota(limit, nil) }

// NewWithQuota is New with a Quota charged for the messages kept.
func NewWithQuota(limit int, q Quota) *Store {
	s := &Store{changed: make(chan struct{}), quota: q}
	s.Emails = &Box[Email]{s: s, kind: "email", list: ring.New[Email](limit)}
	s.SMS = &Box[SMS]{s: s, kind: "sms", list: ring.New[SMS](limit)}
	return s
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

// changedLocked wakes the waiters and tells the subscribers of ev; the
// caller holds s.mu.
func (s *Store) changedLocked(ev Event) {
	close(s.changed)
	s.changed = make(chan struct{})
	for ch := range s.subscribers {
		select {
		case ch <- ev:
		default:
		}
	}
}

// Clear empties both boxes.
func (s *Store) Clear() {
	s.mu.Lock()
	s.Emails.clearLocked()
	s.SMS.clearLocked()
	s.mu.Unlock()
}

// Restore replaces the store's messages (oldest first), as the boxes' All
// answered them, charged whatever the quota (the restorer checked that
// they fit).
func (s *Store) Restore(emails []Email, sms []SMS) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Emails.restoreLocked(emails)
	s.SMS.restoreLocked(sms)
	close(s.changed)
	s.changed = make(chan struct{})
}

// Add captures m, giving it an id when it has none, and answers it.
func (b *Box[T]) Add(m T) T {
	if m.id() == "" {
		m = m.withID(uuid.NewString())
	}
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	cost := m.Size()
	if q := b.s.quota; q != nil {
		for !q.Take(cost) {
			old, ok := b.list.DropOldest()
			if !ok {
				q.Force(cost) // the newest is always kept
				break
			}
			b.release(old.Size())
		}
	}
	if old, dropped := b.list.Add(m); dropped {
		b.release(old.Size())
	}
	b.bytes += cost
	b.s.changedLocked(Event{Kind: b.kind, ID: m.id()})
	return m
}

// release gives back n bytes; the caller holds the store's lock.
func (b *Box[T]) release(n int64) {
	b.bytes -= n
	if b.s.quota != nil {
		b.s.quota.Give(n)
	}
}

// List answers the matching messages, newest first.
func (b *Box[T]) List(f Filter) []T {
	b.s.mu.Lock()
	out := []T{}
	b.list.Newest(func(m T) bool {
		if f.match(m.recipient(), m.action()) {
			out = append(out, m)
		}
		return true
	})
	b.s.mu.Unlock()
	return fillAll(out)
}

// Get answers the message with that id.
func (b *Box[T]) Get(id string) (T, bool) {
	b.s.mu.Lock()
	m, i := b.findLocked(id)
	b.s.mu.Unlock()
	return m.filled(), i >= 0
}

// findLocked answers the message with that id and its index, or -1.
func (b *Box[T]) findLocked(id string) (T, int) {
	for i := b.list.Len() - 1; i >= 0; i-- {
		if m := b.list.At(i); m.id() == id {
			return m, i
		}
	}
	var zero T
	return zero, -1
}

// Latest answers the newest matching message. When there is none it waits
// up to wait for one to arrive, or until ctx ends; it never polls.
func (b *Box[T]) Latest(ctx context.Context, f Filter, wait time.Duration) (T, bool) {
	m, ok := await.Until(ctx, wait, func() (T, bool, <-chan struct{}) {
		b.s.mu.Lock()
		var found T
		ok := false
		b.list.Newest(func(m T) bool {
			found, ok = m, f.match(m.recipient(), m.action())
			return !ok
		})
		changed, onWait := b.s.changed, b.s.onWait
		b.s.mu.Unlock()
		if !ok && wait > 0 && onWait != nil {
			onWait()
		}
		return found, ok, changed
	})
	if !ok {
		var zero T
		return zero, false
	}
	return m.filled(), true
}

// Update changes the message with that id in place with fn (which must
// leave its size as it was: a status, not a body) and answers it as it
// now is.
func (b *Box[T]) Update(id string, fn func(*T)) (T, bool) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	m, i := b.findLocked(id)
	if i < 0 {
		return m, false
	}
	fn(&m)
	b.list.Set(i, m)
	return m.filled(), true
}

// Delete removes the message with that id and reports whether it was
// there.
func (b *Box[T]) Delete(id string) bool {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	kept := b.list.All()
	b.list.Clear()
	found := false
	for _, m := range kept {
		if m.id() == id {
			found = true
			b.release(m.Size())
			continue
		}
		b.list.Add(m)
	}
	return found
}

// Clear removes every message of this box; the other box keeps its own.
func (b *Box[T]) Clear() {
	b.s.mu.Lock()
	b.clearLocked()
	b.s.mu.Unlock()
}

func (b *Box[T]) clearLocked() {
	b.list.Clear()
	b.release(b.bytes)
}

func (b *Box[T]) restoreLocked(list []T) {
	b.clearLocked()
	for _, m := range list {
		cost := m.Size()
		if b.s.quota != nil {
			b.s.quota.Force(cost)
		}
		if old, dropped := b.list.Add(m); dropped {
			b.release(old.Size())
		}
		b.bytes += cost
	}
}

// All answers every message, oldest first, for a state snapshot.
func (b *Box[T]) All() []T {
	b.s.mu.Lock()
	list := b.list.All()
	b.s.mu.Unlock()
	return fillAll(list)
}

// Len answers how many messages the box holds.
func (b *Box[T]) Len() int {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	return b.list.Len()
}

func fillAll[T Message[T]](list []T) []T {
	for i := range list {
		list[i] = list[i].filled()
	}
	return list
}
