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
}

func (o *outbox) pending() bool { return len(o.emails) > 0 || len(o.sms) > 0 }

// sendEmail puts m in the call's outbox.
func (c *call) sendEmail(m inbox.Email) { c.out.emails = append(c.out.emails, m) }

// sendSMS puts m in the call's outbox.
func (c *call) sendSMS(m inbox.SMS) { c.out.sms = append(c.out.sms, m) }

// deliver empties c's outbox, holding the environment's sending lock that
// runLocked took, and releases it. Each message goes into the inbox (unless
// a dropMessage fault drops it) with a log line a developer can click or
// copy from, and an email to the SMTP relay. It never takes the
// environment's state lock.
func (e *Emulator) deliver(c *call) {
	en := c.env
	defer en.sending.Unlock()
	for _, m := range c.out.emails {
		if c.dropMessages {
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
	for _, m := range c.out.sms {
		if c.dropMessages {
			e.log.Info("sms dropped by a fault", "env", en.id, "to", m.To, "action", m.Action)
			continue
		}
		m = en.inbox.SMS.Add(m)
		e.log.Info("sms captured", "env", en.id, "to", m.To, "action", m.Action, "code", m.Code, "id", m.ID)
	}
	c.out = outbox{}
}
