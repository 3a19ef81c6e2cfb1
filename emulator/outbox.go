package emulator

import (
	"time"

	"github.com/altogic-emulator/altogic-emulator/inbox"
)

// outbox is what a call sends: emails and SMS built under the
// environment's lock, delivered by the pipeline once it is released.
type outbox struct {
	emails []inbox.Email
	sms    []inbox.SMS
	// events are realtime user events.
	events []userEvent
	// drop is set by a dropMessage fault: nothing is captured.
	drop bool
}

func (o *outbox) pending() bool { return len(o.emails) > 0 || len(o.sms) > 0 || len(o.events) > 0 }

// sendEmail puts m in the call's outbox.
func (c *call) sendEmail(m inbox.Email) { c.out.emails = append(c.out.emails, m) }

// sendSMS puts m in the call's outbox.
func (c *call) sendSMS(m inbox.SMS) { c.out.sms = append(c.out.sms, m) }

// deliver empties the environment's queue of messages in commit order,
// holding its sending lock (never its state lock). Each message goes into
// the inbox (unless a dropMessage fault drops it) with a log line a
// developer can click or copy from, and an email to the SMTP relay. A call
// whose messages another call delivered meanwhile waits for that delivery
// to end, so a call answers only once its messages are in the inbox.
func (e *Emulator) deliver(en *env) {
	en.sending.Lock()
	defer en.sending.Unlock()
	for {
		en.queued.Lock()
		queue := en.queue
		en.queue = nil
		en.queued.Unlock()
		if len(queue) == 0 {
			return
		}
		for _, out := range queue {
			e.deliverOne(en, out)
		}
	}
}

// deliverOne delivers what one call sent.
func (e *Emulator) deliverOne(en *env, out outbox) {
	for _, m := range out.emails {
		if out.drop {
			e.log.Info("email dropped by a fault", "env", en.id, "to", m.To, "action", m.Action)
			continue
		}
		if e.relay != nil {
			st := pending
			m.Relay = &st
		}
		m = en.inbox.Emails.Add(m)
		e.log.Info("email captured", "env", en.id, "to", m.To, "action", m.Action, "subject", m.Subject, "link", m.Link, "id", m.ID)
		if e.relay != nil {
			e.relay.enqueue(relayJob{box: en.inbox.Emails, now: func() time.Time { return en.clock.now(e.clock) }, email: m})
		}
	}
	for _, m := range out.sms {
		if out.drop {
			e.log.Info("sms dropped by a fault", "env", en.id, "to", m.To, "action", m.Action)
			continue
		}
		m = en.inbox.SMS.Add(m)
		e.log.Info("sms captured", "env", en.id, "to", m.To, "action", m.Action, "code", m.Code, "id", m.ID)
	}
	for _, ev := range out.events {
		e.emitUserEvent(en, ev)
	}
}

// discardQueueLocked drops what committed calls have not delivered yet and
// waits for a delivery under way to end: a reset or an import, under the
// state lock, then clears the inbox of a state its messages belong to.
func (en *env) discardQueueLocked() {
	en.sending.Lock()
	en.queued.Lock()
	en.queue = nil
	en.queued.Unlock()
	en.sending.Unlock()
}
