package emulator

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/altogic-emulator/altogic-emulator/fixtures"
	"github.com/altogic-emulator/altogic-emulator/inbox"
	"github.com/altogic-emulator/altogic-emulator/internal/validatorjs"
)

// env is the isolated state of one environment id.
//
// Locks. mu guards the state (settings, users, tokens, sessions, faults):
// the pipeline takes it around the handlers of locked operations, and the
// methods ending in Locked expect it held. The inbox, the journal and the
// clock have their own locks, and never call out while holding them; they
// may be taken while mu is held, never the other way round. What a call
// sends joins queue (under queued, a leaf) while mu is held, so the queue
// is in commit order; deliver empties it holding sending, after mu is
// released, taking the inbox's lock but never mu. Only a reset or an
// import takes sending while holding mu (discardQueueLocked), to clear
// the inbox after any delivery under way. The budget account is atomic.
type env struct {
	id      string
	inbox   *inbox.Store
	journal *chargedLog[journalEntry]
	// realtime logs the realtime events delivered (its own leaf lock).
	realtime *chargedLog[realtimeEvent]
	clock    envClock
	// acct is the environment's share of the state budget: its users,
	// tokens, sessions, messages, journal, realtime events and faults are
	// charged to it.
	acct *account

	mu      sync.Mutex
	sending sync.Mutex
	// queue holds what committed calls send, in commit order, until
	// deliver takes it; queued guards it (a leaf, taken under mu).
	queue    []outbox
	queued   sync.Mutex
	settings fixtures.Settings
	users    map[string]*user // by _id
	byEmail  map[string]string
	byPhone  map[string]string
	sessions *tokenStore[*session] // by token
	links    *tokenStore[*linkToken]
	access   *tokenStore[*accessToken]
	codes    *tokenStore[*smsCode] // by phone + " " + code
	// tokenLimit bounds each of sessions, links, access and codes.
	tokenLimit int
	// userLimit bounds the users that sign-ups and the control API add.
	userLimit int
	userBytes int64  // the users' share of acct
	userSeq   uint64 // the last user's seq
	faults    []*fault
	// exports is the turn of the environment's state exports.
	exports chan struct{}
	// requests counts the requests using the environment, and used says
	// whether one has succeeded (see Emulator.useEnvironment).
	requests atomic.Int64
	used     atomic.Bool
}

// linkToken is the key of a link in an email. A used or expired one is kept
// so that following it again still redirects with its action.
type linkToken struct {
	key     string
	action  string
	userID  string
	email   string
	expires time.Time
	used    bool
}

// accessToken is the access_token of a redirect.
type accessToken struct {
	token   string
	kind    string // reset-pwd, email-signin, magic-link
	userID  string
	expires time.Time
	used    bool
}

// smsCode is a six-digit code sent by SMS, bound to its phone and purpose.
type smsCode struct {
	code    string
	action  string
	userID  string
	phone   string
	expires time.Time
	used    bool
}

func newEnv(id string, inboxLimit, tokenLimit, userLimit int, acct *account) *env {
	en := &env{id: id, inbox: inbox.NewWithQuota(inboxLimit, acct), journal: newJournal(acct), realtime: newRealtimeLog(acct), acct: acct,
		tokenLimit: tokenLimit, userLimit: userLimit, exports: make(chan struct{}, 1)}
	en.resetTokensLocked()
	return en
}

// envOverhead is what an environment costs before it holds anything.
const envOverhead = 8 << 10

// resetTokensLocked empties the sessions, links, access tokens and codes.
func (en *env) resetTokensLocked() {
	if en.sessions != nil {
		en.sessions.clear()
		en.links.clear()
		en.access.clear()
		en.codes.clear()
		return
	}
	en.sessions = newTokenStore[*session](en.tokenLimit, en.acct)
	en.links = newTokenStore[*linkToken](en.tokenLimit, en.acct)
	en.access = newTokenStore[*accessToken](en.tokenLimit, en.acct)
	en.codes = newTokenStore[*smsCode](en.tokenLimit, en.acct)
}

// setUsersLocked replaces the users and their indexes, moving the users'
// charge to the new ones. When they do not fit the budget nothing changes,
// unless force says they must (a reset puts the fixtures back whatever
// the budget).
func (en *env) setUsersLocked(users map[string]*user, force bool) error {
	var bytes int64
	for _, u := range users {
		u.cost = u.size()
		bytes += u.cost
	}
	en.acct.Give(en.userBytes)
	switch {
	case force:
		en.acct.Force(bytes)
	case !en.acct.takeForUsers(bytes):
		en.acct.Force(en.userBytes) // back as it was
		return errStateFull(en.acct.budget.limit)
	}
	en.userBytes = bytes
	en.users, en.byEmail, en.byPhone = users, map[string]string{}, map[string]string{}
	en.userSeq = 0
	for _, u := range users {
		en.indexUserLocked(u)
		en.userSeq = max(en.userSeq, u.seq)
	}
	return nil
}

// loadLocked replaces the whole state with the fixtures. Only a new
// environment's fixtures can fail to fit the budget.
func (en *env) loadLocked(f *fixtures.Fixtures, now time.Time, force bool) error {
	users := make(map[string]*user, len(f.Users))
	for i, fu := range f.Users {
		id := fu.ID
		if id == "" {
			id = fixtureUserID(en.id, i, fu)
		}
		u := newUser(id, fu.Email, fu.Phone, fu.Password, userFromFixture(fu), now)
		u.seq = uint64(i + 1) // in the fixtures' order
		users[u.id] = u
	}
	if err := en.setUsersLocked(users, force); err != nil {
		return err
	}
	en.settings = f.SettingsFor(en.id)
	en.resetTokensLocked()
	en.clearFaultsLocked()
	return nil
}

// fixtureUserID derives a stable _id for a fixture user without one, so a
// test can rely on it across resets and runs.
func fixtureUserID(envID string, i int, u fixtures.User) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%s\x00%s", envID, i, u.Email, u.Phone)))
	return hex.EncodeToString(sum[:12])
}

// addUserLocked stores a new user whose email and phone are free, within
// the environment's limit of users and the state budget.
func (en *env) addUserLocked(u *user) error {
	if len(en.users) >= en.userLimit {
		return errTooManyUsers(en.userLimit)
	}
	u.cost = u.size()
	if !en.acct.takeForUsers(u.cost) {
		return errStateFull(en.acct.budget.limit)
	}
	en.userBytes += u.cost
	en.userSeq++
	u.seq = en.userSeq
	en.users[u.id] = u
	en.indexUserLocked(u)
	return nil
}

// removeUserLocked deletes u, its place in the indexes and its sessions,
// and gives back what it was charged.
func (en *env) removeUserLocked(u *user) {
	var tokens []string
	en.sessions.each(func(s *session) {
		if s.userID == u.id {
			tokens = append(tokens, s.token)
		}
	})
	for _, t := range tokens {
		en.sessions.remove(t)
	}
	if u.email != "" && en.byEmail[u.email] == u.id {
		delete(en.byEmail, u.email)
	}
	if u.phone != "" && en.byPhone[u.phone] == u.id {
		delete(en.byPhone, u.phone)
	}
	delete(en.users, u.id)
	en.acct.Give(u.cost)
	en.userBytes -= u.cost
	u.cost = 0
}

func (en *env) indexUserLocked(u *user) {
	if u.email != "" {
		en.byEmail[u.email] = u.id
	}
	if u.phone != "" {
		en.byPhone[u.phone] = u.id
	}
}

// recostLocked charges the change of a stored user's size (a new email or
// phone).
func (en *env) recostLocked(u *user) {
	n := u.size()
	if n > u.cost {
		en.acct.Force(n - u.cost) // a few bytes: never refused
	} else {
		en.acct.Give(u.cost - n)
	}
	en.userBytes += n - u.cost
	u.cost = n
}

// normalizeEmail is what Altogic's server does to an address before it
// checks and stores it: JavaScript's trim() and toLowerCase(), whose sets
// of spaces and case pairs differ from Go's strings.TrimSpace and ToLower.
func normalizeEmail(s string) string { return validatorjs.LowerCase(validatorjs.Trim(s)) }

// normalizePhone is what Altogic's server does to a phone number before it
// checks and stores it: JavaScript's trim().
func normalizePhone(s string) string { return validatorjs.Trim(s) }

// userByEmailLocked answers the user whose stored address is exactly email,
// as a database lookup does: callers pass the address as the real service
// has cleaned it (lower-cased for sign-up and sign-in, trimmed only for
// change-email).
func (en *env) userByEmailLocked(email string) *user {
	return en.users[en.byEmail[email]]
}

func (en *env) userByPhoneLocked(phone string) *user {
	return en.users[en.byPhone[phone]]
}

// randomHex answers n random lowercase hex digits from crypto/rand.
func randomHex(n int) string {
	return hex.EncodeToString(randomBytes((n + 1) / 2))[:n]
}

func (en *env) issueLinkLocked(action string, u *user, email string, now time.Time) *linkToken {
	lt := &linkToken{action: action, userID: u.id, email: email, expires: now.Add(time.Duration(en.settings.EmailTokenTTL))}
	for {
		lt.key = randomHex(32)
		if _, taken := en.links.get(lt.key); !taken {
			break
		}
	}
	en.links.put(lt.key, lt, now)
	return lt
}

// issueAccessLocked answers a new access token: 22 lowercase hex digits,
// like the example in Altogic's documentation.
func (en *env) issueAccessLocked(kind, userID string, now time.Time) *accessToken {
	at := &accessToken{kind: kind, userID: userID, expires: now.Add(time.Duration(en.settings.AccessTokenTTL))}
	for {
		at.token = randomHex(22)
		if _, taken := en.access.get(at.token); !taken {
			break
		}
	}
	en.access.put(at.token, at, now)
	return at
}

func codeKey(phone, code string) string { return phone + " " + code }

// issueCodeLocked answers a new six-digit code for phone, unlike any code of
// that phone still on record.
func (en *env) issueCodeLocked(action string, u *user, phone string, now time.Time) *smsCode {
	sc := &smsCode{action: action, userID: u.id, phone: phone, expires: now.Add(time.Duration(en.settings.SMSCodeTTL))}
	for sc.code = u.pinnedCode; sc.code == ""; {
		n, err := rand.Int(rand.Reader, big.NewInt(900000))
		if err != nil {
			panic(err)
		}
		sc.code = fmt.Sprintf("%06d", 100000+n.Int64())
		if _, taken := en.codes.get(codeKey(phone, sc.code)); taken {
			sc.code = ""
		}
	}
	en.codes.put(codeKey(phone, sc.code), sc, now)
	return sc
}

func (en *env) newSessionLocked(secret []byte, u *user, ua string, now time.Time) *session {
	s := &session{
		userID:    u.id,
		token:     newSessionToken(secret, en.id, u.id, now),
		created:   now,
		userAgent: parseUserAgent(ua),
	}
	if ttl := time.Duration(en.settings.SessionTTL); ttl > 0 {
		s.expires = now.Add(ttl)
	}
	en.sessions.put(s.token, s, now)
	return s
}

// userSessionsLocked answers the live sessions of a user, oldest first.
func (en *env) userSessionsLocked(userID string, now time.Time) []*session {
	var out []*session
	en.sessions.each(func(s *session) {
		if s.userID == userID && !s.expiredAt(now) {
			out = append(out, s)
		}
	})
	sortSessions(out)
	return out
}

// newUser answers a new user (not stored).
func newUser(id, email, phone, password string, d userData, now time.Time) *user {
	u := &user{
		id: id, provider: "altogic", email: email, phone: phone, name: d.name,
		emailVerified: d.emailVerified, phoneVerified: d.phoneVerified,
		signUpAt: now, lastLoginAt: now, extra: d.extra, pinnedCode: d.smsCode,
	}
	if u.id == "" {
		u.id = newObjectID(now)
	}
	u.setPassword(password)
	return u
}

// newUserLocked creates, stores and answers a user; the caller checked that
// its email and phone are free. It fails when the environment holds its
// limit of users or the state budget is spent.
func (en *env) newUserLocked(id, email, phone, password string, d userData, now time.Time) (*user, error) {
	u := newUser(id, email, phone, password, d, now)
	if err := en.addUserLocked(u); err != nil {
		return nil, err
	}
	return u, nil
}

// userFromFixture turns a fixture (or a user posted to the control API)
// into userData for newUserLocked.
func userFromFixture(fu fixtures.User) userData {
	d := userData{name: fu.Name, emailVerified: fu.EmailVerified, phoneVerified: fu.PhoneVerified, smsCode: fu.SMSCode,
		extra: make(map[string]json.RawMessage, len(fu.Extra))}
	for k, v := range fu.Extra {
		d.extra[k] = v // fixtures' values are never changed: shared
	}
	return d
}

// setEmailLocked changes u's address and the index.
func (en *env) setEmailLocked(u *user, email string) {
	if u.email != "" && en.byEmail[u.email] == u.id {
		delete(en.byEmail, u.email)
	}
	u.email = email
	en.byEmail[email] = u.id
	en.recostLocked(u)
}

// setPhoneLocked changes u's phone and the index.
func (en *env) setPhoneLocked(u *user, phone string) {
	if u.phone != "" && en.byPhone[u.phone] == u.id {
		delete(en.byPhone, u.phone)
	}
	u.phone = phone
	en.byPhone[phone] = u.id
	en.recostLocked(u)
}
