package emulator

import (
	"bytes"
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
