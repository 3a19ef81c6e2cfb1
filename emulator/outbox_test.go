package emulator

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/altogic-emulator/altogic-emulator/inbox"
)

// Messages reach the inbox in the order their calls changed the state,
// although they are delivered after the lock is released.
func TestMessagesAreDeliveredInCommitOrder(t *testing.T) {
	em, err := New(Options{InboxLimit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	en := em.mustEnv(t, DefaultEnvironment)
	seq := 0 // guarded by en.mu
	op := operation{locked: true, handler: func(c *call) (any, error) {
		seq++
		c.sendEmail(inbox.Email{To: "order@example.com", Action: "reset-pwd", Subject: strconv.Itoa(seq)})
		if seq%2 == 0 {
			c.sendSMS(inbox.SMS{To: "+15555550100", Action: "signin-code", Body: strconv.Itoa(seq)})
		}
		return emptyOK{}, nil
	}}
	const workers, calls = 8, 250
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range calls {
				c := &call{e: em, env: en, r: httptest.NewRequest("POST", "/send-reset", nil)}
				if _, err := em.runLocked(op, c); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	emails := en.inbox.Emails.List(inbox.Filter{}) // newest first
	if len(emails) != workers*calls {
		t.Fatalf("%d emails, want %d", len(emails), workers*calls)
	}
	for i, m := range emails {
		if want := strconv.Itoa(workers*calls - i); m.Subject != want {
			t.Fatalf("email %d from the newest is the call #%s, want #%s: delivered out of commit order", i, m.Subject, want)
		}
	}
	sms := en.inbox.SMS.List(inbox.Filter{})
	for i, m := range sms {
		if want := strconv.Itoa(workers*calls - 2*i); m.Body != want {
			t.Fatalf("SMS %d from the newest is the call #%s, want #%s", i, m.Body, want)
		}
	}
}

// A call that fails sends nothing, even what it put in its outbox.
func TestAFailedCallSendsNothing(t *testing.T) {
	em, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	en := em.mustEnv(t, DefaultEnvironment)
	op := operation{locked: true, handler: func(c *call) (any, error) {
		c.sendEmail(inbox.Email{To: "fail@example.com", Action: "reset-pwd"})
		return nil, clientError(400, codeValidation, "no")
	}}
	c := &call{e: em, env: en, r: httptest.NewRequest("POST", "/send-reset", nil)}
	if _, err := em.runLocked(op, c); err == nil {
		t.Fatal("the handler's error was lost")
	}
	if n := len(en.inbox.Emails.List(inbox.Filter{})); n != 0 {
		t.Fatalf("%d emails captured by a failed call", n)
	}
	// The sending lock was not left taken: another call delivers.
	ok := operation{locked: true, handler: func(c *call) (any, error) {
		c.sendEmail(inbox.Email{To: "ok@example.com", Action: "reset-pwd"})
		return emptyOK{}, nil
	}}
	if _, err := em.runLocked(ok, &call{e: em, env: en, r: c.r}); err != nil {
		t.Fatal(err)
	}
	if n := len(en.inbox.Emails.List(inbox.Filter{})); n != 1 {
		t.Fatalf("%d emails, want 1", n)
	}
}

func TestNoPasswordInLogs(t *testing.T) {
	var logs bytes.Buffer
	h := newHarnessWith(t, Options{Logger: newTextLogger(&logs)})
	h.api("POST", "/signup-email", "", map[string]string{"email": "log@example.com", "password": "Pa55-in-log"}).wantStatus(t, 200)
	h.signInEmail(verified, "Passw0rd!")
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	token := h.follow(h.latestEmail("", verified, "reset-pwd").Link).Query().Get("access_token")
	h.api("POST", "/reset-pwd?key="+token, "", map[string]string{"newPassword": "Reset-in-log"}).wantStatus(t, 200)
	for _, secret := range []string{"Pa55-in-log", "Passw0rd!", "Reset-in-log", "passwordHash", "salt"} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("the log has %q:\n%s", secret, logs.String())
		}
	}
}

// blockingHandler is a slog handler whose "email captured" line waits
// until release is closed: a log that cannot keep up.
type blockingHandler struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (h *blockingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *blockingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "email captured" {
		h.once.Do(func() { close(h.entered) })
		<-h.release
	}
	return nil
}
func (h *blockingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *blockingHandler) WithGroup(string) slog.Handler      { return h }

// A delivery that cannot finish (a stuck log) holds neither the state nor
// the calls that send nothing; a call that sends answers only once its
// messages are delivered, even when another call delivers them.
func TestASlowDeliveryDoesNotHoldTheState(t *testing.T) {
	log := &blockingHandler{entered: make(chan struct{}), release: make(chan struct{})}
	em, err := New(Options{Logger: slog.New(log)})
	if err != nil {
		t.Fatal(err)
	}
	en := em.mustEnv(t, DefaultEnvironment)
	send := operation{locked: true, handler: func(c *call) (any, error) {
		c.sendEmail(inbox.Email{To: "slow@example.com", Action: "reset-pwd"})
		return emptyOK{}, nil
	}}
	quiet := operation{locked: true, handler: func(c *call) (any, error) { return emptyOK{}, nil }}
	newCall := func() *call { return &call{e: em, env: en, r: httptest.NewRequest("POST", "/x", nil)} }

	first := make(chan struct{})
	go func() { em.runLocked(send, newCall()); close(first) }()
	<-log.entered // the first delivery is stuck in the log
	second := make(chan struct{})
	go func() { em.runLocked(send, newCall()); close(second) }()
	// Calls that send nothing, the state lock included, go on meanwhile.
	for range 100 {
		if _, err := em.runLocked(quiet, newCall()); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-second:
		t.Fatal("the second call answered before its email was delivered")
	default:
	}
	close(log.release)
	<-first
	<-second
	if n := en.inbox.Emails.Len(); n != 2 {
		t.Fatalf("%d emails in the inbox once both calls answered", n)
	}
}

// A reset discards what calls committed before it have not delivered: no
// email of the state that is gone arrives after it.
func TestResetDiscardsUndeliveredMessages(t *testing.T) {
	h := newHarness(t, nil)
	for i := range 2000 {
		done := make(chan struct{})
		go func() {
			h.api("POST", "/send-reset?email="+verified, "", nil)
			close(done)
		}()
		h.do("POST", "/_emulator/reset", nil, nil).wantStatus(t, 204)
		<-done
		// Whatever the inbox holds now must have a live link.
		for _, m := range h.em.mustEnv(t, DefaultEnvironment).inbox.Emails.List(inboxAll) {
			if q := h.follow(m.Link).Query(); q.Get("status") != "200" {
				t.Fatalf("iteration %d: the inbox holds an email whose link is dead: %s", i, q.Encode())
			}
		}
		h.do("POST", "/_emulator/reset", nil, nil).wantStatus(t, 204)
	}
}
