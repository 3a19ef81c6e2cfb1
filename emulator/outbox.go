package emulator

import "github.com/altogic-emulator/altogic-emulator/inbox"

// captureEmail puts m in the environment's inbox and logs its link, so a
// developer can click it from the terminal.
func (c *call) captureEmail(m inbox.Email) {
	if c.dropMessages {
		c.e.log.Info("email dropped by a fault", "env", c.env.id, "to", m.To, "action", m.Action)
		return
	}
	m = c.env.inbox.AddEmail(m)
	c.e.log.Info("email captured", "env", c.env.id, "to", m.To, "action", m.Action, "subject", m.Subject, "link", m.Link, "id", m.ID)
	if c.e.relay != nil {
		c.e.relay.enqueue(c.env.inbox, m)
	}
}

// captureSMS puts m in the environment's inbox and logs its code.
func (c *call) captureSMS(m inbox.SMS) {
	if c.dropMessages {
		c.e.log.Info("sms dropped by a fault", "env", c.env.id, "to", m.To, "action", m.Action)
		return
	}
	m = c.env.inbox.AddSMS(m)
	c.e.log.Info("sms captured", "env", c.env.id, "to", m.To, "action", m.Action, "code", m.Code, "id", m.ID)
}
