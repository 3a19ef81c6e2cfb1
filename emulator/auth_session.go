package emulator

// Session-bound calls: sessions, sign-out of many, password change.

// signOutAll is POST /signout-all: every session of the user ends,
// the caller's included.
func (e *Emulator) signOutAll(c *call) (any, error) {
	_, u, err := c.sessionLocked()
	if err != nil {
		return nil, err
	}
	for _, s := range c.env.userSessionsLocked(u.id, c.now) {
		c.env.sessions.remove(s.token)
		c.sendUserEvent(u, "user:signout", s) // one per session
	}
	return emptyOK{}, nil
}

// signOutAllExceptCurrent is POST /signout-all-except: every other session
// of the user ends.
func (e *Emulator) signOutAllExceptCurrent(c *call) (any, error) {
	cur, u, err := c.sessionLocked()
	if err != nil {
		return nil, err
	}
	for _, s := range c.env.userSessionsLocked(u.id, c.now) {
		if s != cur {
			c.env.sessions.remove(s.token)
			c.sendUserEvent(u, "user:signout", s)
		}
	}
	return emptyOK{}, nil
}

// getAllSessions is GET /sessions: the user's sessions, a bare array,
// oldest first, written under the lock (no copy of them is kept).
func (e *Emulator) getAllSessions(c *call) (any, error) {
	_, u, err := c.sessionLocked()
	if err != nil {
		return nil, err
	}
	list := c.env.userSessionsLocked(u.id, c.now)
	return listAnswer(c.e.answers.newAnswer(), len(list), func(b []byte, i int) []byte { return list[i].appendJSON(b) })
}

// changePassword is POST /change-pwd with {newPassword, oldPassword}.
// Sessions stay open, as in the real service.
func (e *Emulator) changePassword(c *call) (any, error) {
	var b struct {
		NewPassword string `json:"newPassword"`
		OldPassword string `json:"oldPassword"`
	}
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	cur, u, err := c.sessionLocked()
	if err != nil {
		return nil, err
	}
	var fe fieldErrors
	fe.newPassword("newPassword", "body", b.NewPassword, c.env.settings)
	fe.present("oldPassword", "body", b.OldPassword)
	if err := fe.err(); err != nil {
		return nil, err
	}
	if u.provider != "altogic" {
		return nil, errProviderUser(c.operation, u.provider)
	}
	if !u.checkPassword(b.OldPassword) {
		return nil, errWrongCurrentPassword
	}
	u.setPassword(b.NewPassword)
	c.sendUserEvent(u, "user:pwdchange", cur)
	c.sendUserEvent(u, "user:update", cur)
	return emptyOK{}, nil
}
