package emulator

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Sign-up, sign-in, the session's user and sign-out.

// userAndSession is the answer of every sign-up and sign-in call.
type userAndSession struct {
	User    *user    `json:"user"`
	Session *session `json:"session"`
}

// signUpBody is what signUpWithEmail and signUpWithPhone post.
// nameOrUserData is the 2.x field; name is what older clients and Dart send.
// Each is a name string or an object of user data.
type signUpBody struct {
	Email          string          `json:"email"`
	Phone          string          `json:"phone"`
	Password       string          `json:"password"`
	NameOrUserData json.RawMessage `json:"nameOrUserData"`
	Name           json.RawMessage `json:"name"`
}

// userData is the parsed nameOrUserData.
type userData struct {
	name          string
	emailVerified bool
	phoneVerified bool
	smsCode       string
	extra         map[string]json.RawMessage
}

func parseUserData(fe *fieldErrors, b signUpBody) userData {
	d := userData{extra: map[string]json.RawMessage{}}
	param, raw := "nameOrUserData", b.NameOrUserData
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		param, raw = "name", b.Name
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return d
	}
	if raw[0] == '"' {
		json.Unmarshal(raw, &d.name)
		return d
	}
	var obj map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
		fe.add(param, "body", "'"+param+"' must be the user's name or an object of user data.")
		return d
	}
	for k, v := range obj {
		switch k {
		case "name":
			json.Unmarshal(v, &d.name) // not a string: no name
		case "emailVerified":
			json.Unmarshal(v, &d.emailVerified)
		case "phoneVerified":
			json.Unmarshal(v, &d.phoneVerified)
		default:
			if !reservedFields[k] {
				d.extra[k] = compactJSON(v)
			}
		}
	}
	return d
}

// signUpWithEmail is POST /signup-email.
func (e *Emulator) signUpWithEmail(c *call) (any, error) {
	var b signUpBody
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	email := normalizeEmail(b.Email)
	en := c.env
	var fe fieldErrors
	fe.email("email", "body", email)
	fe.newPassword("password", "body", b.Password, en.settings)
	d := parseUserData(&fe, b)
	if err := fe.err(); err != nil {
		return nil, err
	}
	if en.userByEmailLocked(email) != nil {
		return nil, errEmailNotUnique.withValue("email", email)
	}
	u, err := en.newUserLocked("", email, "", b.Password, d, c.now)
	if err != nil {
		return nil, err
	}
	if en.settings.EmailConfirmation && !u.emailVerified {
		c.sendEmail(c.linkEmail(en.issueLinkLocked("email-confirm", u, email, c.now), u))
		return userAndSession{User: u.snapshot()}, nil
	}
	s := en.newSessionLocked(e.secret, u, c.r.UserAgent(), c.now)
	return userAndSession{User: u.snapshot(), Session: s}, nil
}

// signUpWithPhone is POST /signup-phone.
func (e *Emulator) signUpWithPhone(c *call) (any, error) {
	var b signUpBody
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	phone := normalizePhone(b.Phone)
	en := c.env
	var fe fieldErrors
	fe.phone("phone", "body", phone)
	fe.newPassword("password", "body", b.Password, en.settings)
	d := parseUserData(&fe, b)
	if err := fe.err(); err != nil {
		return nil, err
	}
	if en.userByPhoneLocked(phone) != nil {
		// Agnost answers a duplicate phone with this status and code.
		return nil, errPhoneSignUpTaken.withValue("phone", phone)
	}
	u, err := en.newUserLocked("", "", phone, b.Password, d, c.now)
	if err != nil {
		return nil, err
	}
	if en.settings.PhoneConfirmation && !u.phoneVerified {
		c.sendSMS(c.codeSMS(en.issueCodeLocked("phone-confirm", u, phone, c.now), u))
		return userAndSession{User: u.snapshot()}, nil
	}
	s := en.newSessionLocked(e.secret, u, c.r.UserAgent(), c.now)
	return userAndSession{User: u.snapshot(), Session: s}, nil
}

type signInBody struct {
	Email    string `json:"email"`
	Phone    string `json:"phone"`
	Password string `json:"password"`
}

// signInWithEmail is POST /signin-email. An unverified address is reported
// before a wrong password, as the real service does.
func (e *Emulator) signInWithEmail(c *call) (any, error) {
	var b signInBody
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	email := normalizeEmail(b.Email)
	var fe fieldErrors
	fe.email("email", "body", email)
	fe.present("password", "body", b.Password)
	if err := fe.err(); err != nil {
		return nil, err
	}
	en := c.env
	u := en.userByEmailLocked(email)
	switch {
	case u == nil:
		return nil, errBadEmailCredentials
	case u.provider != "altogic":
		return nil, errProviderUser(c.operation, u.provider)
	case en.settings.EmailConfirmation && !u.emailVerified:
		return nil, errEmailNotVerified
	case !u.checkPassword(b.Password):
		return nil, errBadEmailCredentials
	}
	return c.signIn(u)
}

// signInWithPhone is POST /signin-phone.
func (e *Emulator) signInWithPhone(c *call) (any, error) {
	var b signInBody
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	phone := normalizePhone(b.Phone)
	var fe fieldErrors
	fe.phone("phone", "body", phone)
	fe.present("password", "body", b.Password)
	if err := fe.err(); err != nil {
		return nil, err
	}
	en := c.env
	u := en.userByPhoneLocked(phone)
	switch {
	case u == nil:
		return nil, errUnknownPhoneSignIn
	case u.provider != "altogic":
		return nil, errProviderUser(c.operation, u.provider)
	case en.settings.PhoneConfirmation && !u.phoneVerified:
		return nil, errPhoneNotVerified
	case !u.checkPassword(b.Password):
		return nil, errBadPhonePassword
	}
	return c.signIn(u)
}

// roomForSignIn takes room among the answers in flight for u's sign-in
// answer (a user may carry a megabyte of data), before anything changes:
// when there is none, the call is refused (503 server_busy) and nothing is
// done. signInLocked then writes the answer into it.
func (c *call) roomForSignIn(u *user) (*answer, error) {
	a := c.e.answers.newAnswer()
	if !a.reserve(int(u.cost) + signInOverhead) { // its size, kept up to date: no walk over its data
		a.release()
		return nil, errAnswersBusy()
	}
	return a, nil
}

// signInOverhead bounds what a sign-in answer holds beyond its user: the
// session (its token and user agent).
const signInOverhead = 4 << 10

// signIn is roomForSignIn then signInLocked, for a call that changed
// nothing before.
func (c *call) signIn(u *user) (any, error) {
	a, err := c.roomForSignIn(u)
	if err != nil {
		return nil, err
	}
	return c.signInLocked(u, a), nil
}

// signInLocked opens a session for u and answers {user, session} in a,
// which roomForSignIn made: written as JSON while the lock is held (no
// copy of the user is needed).
func (c *call) signInLocked(u *user, a *answer) *answer {
	u.lastLoginAt = c.now
	s := c.env.newSessionLocked(c.e.secret, u, c.r.UserAgent(), c.now)
	c.sendUserEvent(u, "user:signin", s)
	a.force(userAndSession{User: u, Session: s}.appendJSON(make([]byte, 0, 1024)))
	return a
}

// grantKinds are the access tokens that getAuthGrant exchanges for a session.
var grantKinds = map[string]bool{"email-signin": true, "magic-link": true, "oauth-signin": true, "oauth-signup": true}

// getAuthGrant is GET /grant?key=: an access token from a redirect becomes
// a session.
func (e *Emulator) getAuthGrant(c *call) (any, error) {
	key := strings.TrimSpace(c.query("key"))
	if key == "" {
		return nil, errMissingAccessToken
	}
	en := c.env
	at, _ := en.access.get(key)
	switch {
	case at == nil || at.used || !c.now.Before(at.expires):
		return nil, errInvalidAccessToken
	case !grantKinds[at.kind]:
		return nil, errInvalidTokenType
	}
	u := en.users[at.userID]
	if u == nil {
		at.used = true
		return nil, errTokenUserGone
	}
	a, err := c.roomForSignIn(u)
	if err != nil {
		return nil, err // the token stays usable
	}
	at.used = true
	return c.signInLocked(u, a), nil
}

// sessionLocked answers the session of the request's Session header (or
// session_token cookie) and its user, or the errors on which the official
// client wipes its stored session.
func (c *call) sessionLocked() (*session, *user, error) {
	token := strings.TrimSpace(c.r.Header.Get("Session"))
	if token == "" {
		if ck, err := c.r.Cookie("session_token"); err == nil {
			token = ck.Value
		}
	}
	if token == "" {
		return nil, nil, errMissingSession
	}
	s, _ := c.env.sessions.get(token)
	if s == nil {
		if validSessionJWT(c.e.secret, token) {
			return nil, nil, errSessionGone
		}
		return nil, nil, errBadSessionJWT
	}
	if s.expiredAt(c.now) {
		c.env.sessions.remove(s.token)
		return nil, nil, errSessionGone
	}
	u := c.env.users[s.userID]
	if u == nil {
		return nil, nil, errSessionUserGone
	}
	return s, u, nil
}

// getUserFromDB is GET /user: the session's user, bare.
func (e *Emulator) getUserFromDB(c *call) (any, error) {
	_, u, err := c.sessionLocked()
	if err != nil {
		return nil, err
	}
	return u.snapshot(), nil
}

// signOut is POST /signout with {token?}: ends the caller's session, or
// another session of the same user by its token.
func (e *Emulator) signOut(c *call) (any, error) {
	var b struct {
		Token string `json:"token"`
	}
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	cur, _, err := c.sessionLocked()
	if err != nil {
		return nil, err
	}
	en := c.env
	token := strings.TrimSpace(b.Token)
	if token == "" || token == cur.token {
		en.sessions.remove(cur.token)
		c.sendUserEvent(en.users[cur.userID], "user:signout", cur)
		return emptyOK{}, nil
	}
	target, _ := en.sessions.get(token)
	switch {
	case target == nil && !validSessionJWT(e.secret, token):
		return nil, errSignOutMalformed
	case target == nil:
		return emptyOK{}, nil // already signed out
	case target.userID != cur.userID:
		return nil, errSignOutForeign
	}
	en.sessions.remove(token)
	c.sendUserEvent(en.users[target.userID], "user:signout", target)
	return emptyOK{}, nil
}
