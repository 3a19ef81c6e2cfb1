package emulator

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/altogic-emulator/altogic-emulator/fixtures"
	"github.com/altogic-emulator/altogic-emulator/inbox"
	"github.com/altogic-emulator/altogic-emulator/internal/validatorjs"
)

// State snapshots: an environment exported as JSON (users with their
// password hashes, settings, sessions, pending tokens and codes, inbox,
// clock) and imported back without loss.

// Snapshot is every environment's state, as --import reads it and
// --export-on-exit writes it.
type Snapshot struct {
	Version      int                 `json:"version"`
	Environments map[string]EnvState `json:"environments"`
}

// snapshotVersion is the format of Snapshot and EnvState.
const snapshotVersion = 1

// EnvState is one environment's state.
type EnvState struct {
	Version      int               `json:"version"`
	Settings     fixtures.Settings `json:"settings"`
	Users        []UserState       `json:"users"`
	Sessions     []SessionState    `json:"sessions"`
	Links        []LinkState       `json:"links"`
	AccessTokens []AccessState     `json:"accessTokens"`
	Codes        []CodeState       `json:"codes"`
	Emails       []inbox.Email     `json:"emails"`
	SMS          []inbox.SMS       `json:"sms"`
	Clock        ClockState        `json:"clock"`
}

// UserState is a user with what the API never shows: the salted password
// hash (hex) and a pinned SMS code.
type UserState struct {
	ID            string                     `json:"_id"`
	Provider      string                     `json:"provider"`
	ProviderID    string                     `json:"providerUserId,omitempty"`
	Email         string                     `json:"email,omitempty"`
	Phone         string                     `json:"phone,omitempty"`
	Name          string                     `json:"name,omitempty"`
	EmailVerified bool                       `json:"emailVerified"`
	PhoneVerified bool                       `json:"phoneVerified"`
	SignUpAt      time.Time                  `json:"signUpAt"`
	LastLoginAt   time.Time                  `json:"lastLoginAt"`
	PasswordSalt  string                     `json:"passwordSalt"`
	PasswordHash  string                     `json:"passwordHash"`
	SMSCode       string                     `json:"smsCode,omitempty"`
	Data          map[string]json.RawMessage `json:"data,omitempty"`
}

// SessionState is a session.
type SessionState struct {
	UserID    string    `json:"userId"`
	Token     string    `json:"token"`
	Created   time.Time `json:"creationDtm"`
	UserAgent userAgent `json:"userAgent"`
	Expires   time.Time `json:"expires,omitzero"`
}

// LinkState is the token of an email link.
type LinkState struct {
	Key     string    `json:"key"`
	Action  string    `json:"action"`
	UserID  string    `json:"userId"`
	Email   string    `json:"email"`
	Expires time.Time `json:"expires"`
	Used    bool      `json:"used"`
}

// AccessState is the access token of a redirect.
type AccessState struct {
	Token   string    `json:"token"`
	Kind    string    `json:"kind"`
	UserID  string    `json:"userId"`
	Expires time.Time `json:"expires"`
	Used    bool      `json:"used"`
}

// CodeState is an SMS code.
type CodeState struct {
	Code    string    `json:"code"`
	Action  string    `json:"action"`
	UserID  string    `json:"userId"`
	Phone   string    `json:"phone"`
	Expires time.Time `json:"expires"`
	Used    bool      `json:"used"`
}

// ClockState is the environment's clock: an offset from the emulator's
// clock, or a frozen instant.
type ClockState struct {
	Offset fixtures.Duration `json:"offset"`
	Frozen bool              `json:"frozen"`
	At     time.Time         `json:"at,omitzero"`
}

// exportLocked answers the environment's state; the caller holds en.mu.
func (en *env) exportLocked() EnvState {
	st := EnvState{Version: snapshotVersion, Settings: en.settings,
		Users: []UserState{}, Sessions: []SessionState{}, Links: []LinkState{}, AccessTokens: []AccessState{}, Codes: []CodeState{}}
	for _, u := range en.users {
		st.Users = append(st.Users, UserState{
			ID: u.id, Provider: u.provider, ProviderID: u.providerID, Email: u.email, Phone: u.phone, Name: u.name,
			EmailVerified: u.emailVerified, PhoneVerified: u.phoneVerified, SignUpAt: u.signUpAt, LastLoginAt: u.lastLoginAt,
			PasswordSalt: hex.EncodeToString(u.salt), PasswordHash: hex.EncodeToString(u.hash), SMSCode: u.pinnedCode,
			Data: u.snapshot().extra,
		})
	}
	sort.Slice(st.Users, func(i, j int) bool { return st.Users[i].ID < st.Users[j].ID })
	en.sessions.each(func(s *session) {
		st.Sessions = append(st.Sessions, SessionState{UserID: s.userID, Token: s.token, Created: s.created, UserAgent: s.userAgent, Expires: s.expires})
	})
	sort.Slice(st.Sessions, func(i, j int) bool { return st.Sessions[i].Token < st.Sessions[j].Token })
	en.links.each(func(l *linkToken) {
		st.Links = append(st.Links, LinkState{Key: l.key, Action: l.action, UserID: l.userID, Email: l.email, Expires: l.expires, Used: l.used})
	})
	en.access.each(func(a *accessToken) {
		st.AccessTokens = append(st.AccessTokens, AccessState{Token: a.token, Kind: a.kind, UserID: a.userID, Expires: a.expires, Used: a.used})
	})
	en.codes.each(func(sc *smsCode) {
		st.Codes = append(st.Codes, CodeState{Code: sc.code, Action: sc.action, UserID: sc.userID, Phone: sc.phone, Expires: sc.expires, Used: sc.used})
	})
	st.Emails, st.SMS = en.inbox.Emails.All(), en.inbox.SMS.All()
	en.clock.mu.Lock()
	st.Clock = ClockState{Offset: fixtures.Duration(en.clock.offset), Frozen: en.clock.frozen, At: en.clock.at}
	en.clock.mu.Unlock()
	return st
}

// importedState is an EnvState checked whole and turned into the
// environment's own structures, ready to replace its state.
type importedState struct {
	settings fixtures.Settings
	users    map[string]*user
	byEmail  map[string]string
	byPhone  map[string]string
	sessions []SessionState // oldest first
	links    []LinkState
	access   []AccessState
	codes    []CodeState
	emails   []inbox.Email
	sms      []inbox.SMS
	clock    ClockState
}

// The kinds a snapshot may name.
var (
	accessKinds = map[string]bool{"reset-pwd": true, "email-signin": true, "magic-link": true, "oauth-signin": true, "oauth-signup": true}
	codeActions = map[string]bool{"reset-pwd-code": true, "phone-confirm": true, "signin-code": true, "change-phone": true}
	providers   = map[string]bool{"altogic": true, "google": true, "facebook": true, "twitter": true, "apple": true, "discord": true, "github": true}
)

// maxTokenText bounds the tokens, keys and names a snapshot may hold.
const maxTokenText = 1024

// checkImport checks a snapshot of one environment as fixtures and the
// control API are checked (formats, emails as sign-up stores them, user
// data, the limits, and that every session, token and code names a user of
// the snapshot), and prepares it. Nothing is applied: a snapshot is taken
// whole or not at all.
func (e *Emulator) checkImport(st EnvState) (*importedState, error) {
	if st.Version != snapshotVersion {
		return nil, fmt.Errorf("the state's version is %d; this emulator reads version %d", st.Version, snapshotVersion)
	}
	if err := st.Settings.Validate(); err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	limits := []struct {
		what   string
		n, max int
	}{
		{"users", len(st.Users), e.maxUsers}, {"sessions", len(st.Sessions), e.tokenLimit},
		{"links", len(st.Links), e.tokenLimit}, {"accessTokens", len(st.AccessTokens), e.tokenLimit},
		{"codes", len(st.Codes), e.tokenLimit},
	}
	if e.inboxLimit > 0 {
		limits = append(limits, struct {
			what   string
			n, max int
		}{"emails", len(st.Emails), e.inboxLimit}, struct {
			what   string
			n, max int
		}{"sms", len(st.SMS), e.inboxLimit})
	}
	for _, l := range limits {
		if l.n > l.max {
			return nil, fmt.Errorf("%s: %d of them, more than an environment holds (%d)", l.what, l.n, l.max)
		}
	}
	im := &importedState{settings: st.Settings, users: map[string]*user{}, byEmail: map[string]string{}, byPhone: map[string]string{}, clock: st.Clock}
	providerIDs := map[string]bool{}
	for i, us := range st.Users {
		u, err := checkImportedUser(us)
		if err != nil {
			return nil, fmt.Errorf("users[%d]: %w", i, err)
		}
		switch {
		case im.users[u.id] != nil:
			return nil, fmt.Errorf("users[%d]: duplicate _id %q", i, u.id)
		case u.email != "" && im.byEmail[u.email] != "":
			return nil, fmt.Errorf("users[%d]: duplicate email %q", i, u.email)
		case u.phone != "" && im.byPhone[u.phone] != "":
			return nil, fmt.Errorf("users[%d]: duplicate phone %q", i, u.phone)
		case u.provider != "altogic" && providerIDs[u.provider+"\x00"+u.providerID]:
			return nil, fmt.Errorf("users[%d]: duplicate %s user id %q", i, u.provider, truncate(u.providerID, 80))
		}
		providerIDs[u.provider+"\x00"+u.providerID] = true
		u.seq = uint64(i + 1) // in the snapshot's order
		im.users[u.id] = u
		if u.email != "" {
			im.byEmail[u.email] = u.id
		}
		if u.phone != "" {
			im.byPhone[u.phone] = u.id
		}
	}
	userOf := func(what string, i int, id string) error {
		if im.users[id] == nil {
			return fmt.Errorf("%s[%d]: userId %q names no user of the state", what, i, truncate(id, 40))
		}
		return nil
	}
	token := func(what string, i int, field, v string, seen map[string]bool) error {
		switch {
		case v == "" || len(v) > maxTokenText:
			return fmt.Errorf("%s[%d]: %s must be 1 to %d characters", what, i, field, maxTokenText)
		case seen[v]:
			return fmt.Errorf("%s[%d]: duplicate %s", what, i, field)
		}
		seen[v] = true
		return nil
	}
	seen := map[string]bool{}
	for i, ss := range st.Sessions {
		if err := token("sessions", i, "token", ss.Token, seen); err != nil {
			return nil, err
		}
		if err := userOf("sessions", i, ss.UserID); err != nil {
			return nil, err
		}
		if err := firstErr(checkTime("creationDtm", ss.Created, false), checkTime("expires", ss.Expires, true), checkUserAgent(ss.UserAgent)); err != nil {
			return nil, fmt.Errorf("sessions[%d]: %w", i, err)
		}
		switch {
		case !ss.Expires.IsZero() && !ss.Expires.After(ss.Created):
			return nil, fmt.Errorf("sessions[%d]: expires %s is not after creationDtm %s", i, ss.Expires.Format(time.RFC3339), ss.Created.Format(time.RFC3339))
		case !looksLikeJWT(ss.Token):
			return nil, fmt.Errorf("sessions[%d]: token is not a JWT (three base64url parts) as a session token is", i)
		}
	}
	im.sessions = slices.Clone(st.Sessions)
	slices.SortStableFunc(im.sessions, func(a, b SessionState) int { return a.Created.Compare(b.Created) })
	seen = map[string]bool{}
	for i, l := range st.Links {
		if err := token("links", i, "key", l.Key, seen); err != nil {
			return nil, err
		}
		if err := userOf("links", i, l.UserID); err != nil {
			return nil, err
		}
		switch {
		case !linkActions[l.Action]:
			return nil, fmt.Errorf("links[%d]: unknown action %q", i, truncate(l.Action, 40))
		case !fixtures.ValidEmail(l.Email) || l.Email != validatorjs.Trim(l.Email):
			return nil, fmt.Errorf("links[%d]: email %q is not a valid address as the API stores it (trimmed; %s)", i, truncate(l.Email, 80), fixtures.EmailRule)
		}
		if err := checkTime("expires", l.Expires, false); err != nil {
			return nil, fmt.Errorf("links[%d]: %w", i, err)
		}
	}
	im.links = st.Links
	seen = map[string]bool{}
	for i, a := range st.AccessTokens {
		if err := token("accessTokens", i, "token", a.Token, seen); err != nil {
			return nil, err
		}
		if err := userOf("accessTokens", i, a.UserID); err != nil {
			return nil, err
		}
		if !accessKinds[a.Kind] {
			return nil, fmt.Errorf("accessTokens[%d]: unknown kind %q", i, truncate(a.Kind, 40))
		}
		if err := checkTime("expires", a.Expires, false); err != nil {
			return nil, fmt.Errorf("accessTokens[%d]: %w", i, err)
		}
	}
	im.access = st.AccessTokens
	seen = map[string]bool{}
	for i, sc := range st.Codes {
		if err := userOf("codes", i, sc.UserID); err != nil {
			return nil, err
		}
		switch {
		case !fixtures.ValidSMSCode(sc.Code):
			return nil, fmt.Errorf("codes[%d]: code %q is not six digits", i, truncate(sc.Code, 40))
		case !fixtures.ValidPhone(sc.Phone):
			return nil, fmt.Errorf("codes[%d]: phone %q is not E.164", i, truncate(sc.Phone, 40))
		case !codeActions[sc.Action]:
			return nil, fmt.Errorf("codes[%d]: unknown action %q", i, truncate(sc.Action, 40))
		case seen[codeKey(sc.Phone, sc.Code)]:
			return nil, fmt.Errorf("codes[%d]: duplicate code for %s", i, sc.Phone)
		}
		if owner := im.users[sc.UserID]; sc.Action != "change-phone" && sc.Phone != owner.phone {
			// Only a change-phone code goes to another number than the user's.
			return nil, fmt.Errorf("codes[%d]: a %s code for %s, not the phone of its user", i, sc.Action, sc.Phone)
		}
		seen[codeKey(sc.Phone, sc.Code)] = true
		if err := checkTime("expires", sc.Expires, false); err != nil {
			return nil, fmt.Errorf("codes[%d]: %w", i, err)
		}
	}
	im.codes = st.Codes
	seen = map[string]bool{}
	for i, m := range st.Emails {
		if err := token("emails", i, "id", m.ID, seen); err != nil {
			return nil, err
		}
		if !linkActions[m.Action] {
			return nil, fmt.Errorf("emails[%d]: unknown action %q", i, truncate(m.Action, 40))
		}
	}
	im.emails = st.Emails
	seen = map[string]bool{}
	for i, m := range st.SMS {
		if err := token("sms", i, "id", m.ID, seen); err != nil {
			return nil, err
		}
		if !codeActions[m.Action] {
			return nil, fmt.Errorf("sms[%d]: unknown action %q", i, truncate(m.Action, 40))
		}
	}
	im.sms = st.SMS
	now := e.clock.Now()
	if st.Clock.Frozen {
		if err := checkTime("clock.at", st.Clock.At, false); err != nil {
			return nil, err
		}
	} else if t := now.Add(time.Duration(st.Clock.Offset)); t.Before(clockMin) || t.After(clockMax) {
		return nil, fmt.Errorf("clock.offset %s would put the environment's time outside %d to %d", time.Duration(st.Clock.Offset), clockMin.Year(), clockMax.Year())
	}
	return im, nil
}

// looksLikeJWT reports whether s has a JWT's three base64url parts.
func looksLikeJWT(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if _, err := base64.RawURLEncoding.DecodeString(p); err != nil || p == "" {
			return false
		}
	}
	return true
}

// size is what the checked state costs the state budget.
func (im *importedState) size() (users, all int64) {
	for _, u := range im.users {
		users += u.size()
	}
	all = users
	for _, s := range im.sessions {
		all += im.sessionOf(s).size()
	}
	for _, l := range im.links {
		all += linkOf(l).size()
	}
	for _, a := range im.access {
		all += accessOf(a).size()
	}
	for _, c := range im.codes {
		all += codeOf(c).size()
	}
	for _, m := range im.emails {
		all += m.Size()
	}
	for _, m := range im.sms {
		all += m.Size()
	}
	return users, all
}

func (im *importedState) sessionOf(s SessionState) *session {
	return &session{userID: s.UserID, token: s.Token, created: s.Created, userAgent: s.UserAgent, expires: s.Expires}
}

func linkOf(l LinkState) *linkToken {
	return &linkToken{key: l.Key, action: l.Action, userID: l.UserID, email: l.Email, expires: l.Expires, used: l.Used}
}

func accessOf(a AccessState) *accessToken {
	return &accessToken{token: a.Token, kind: a.Kind, userID: a.UserID, expires: a.Expires, used: a.Used}
}

func codeOf(sc CodeState) *smsCode {
	return &smsCode{code: sc.Code, action: sc.Action, userID: sc.UserID, phone: sc.Phone, expires: sc.Expires, used: sc.Used}
}

// checkImportedUser checks one user of a snapshot.
func checkImportedUser(us UserState) (*user, error) {
	provider := us.Provider
	if provider == "" {
		provider = "altogic"
	}
	salt, err1 := hex.DecodeString(us.PasswordSalt)
	hash, err2 := hex.DecodeString(us.PasswordHash)
	switch {
	case !fixtures.ValidObjectID(us.ID):
		return nil, fmt.Errorf("_id %q is not 24 lowercase hex digits", truncate(us.ID, 40))
	case !providers[provider]:
		return nil, fmt.Errorf("unknown provider %q", truncate(provider, 40))
	case provider == "altogic" && us.ProviderID != "" && us.ProviderID != us.ID:
		return nil, fmt.Errorf("providerUserId of an altogic user must be its _id")
	case len(us.ProviderID) > maxTokenText:
		return nil, fmt.Errorf("providerUserId is longer than %d characters", maxTokenText)
	case us.Email == "" && us.Phone == "":
		return nil, fmt.Errorf("a user needs an email or a phone")
	case us.Email != validatorjs.Trim(us.Email):
		return nil, fmt.Errorf("email %q is not as the API stores it: trimmed", truncate(us.Email, 80))
	case us.Email != "" && !fixtures.ValidEmail(us.Email):
		return nil, fmt.Errorf("email %q is not an address Altogic would hold (%s)", truncate(us.Email, 80), fixtures.EmailRule)
	case us.Phone != "" && !fixtures.ValidPhone(us.Phone):
		return nil, fmt.Errorf("phone %q is not a number Altogic would hold (%s)", truncate(us.Phone, 40), fixtures.PhoneRule)
	case us.EmailVerified && us.Email == "":
		return nil, fmt.Errorf("emailVerified without an email")
	case us.PhoneVerified && us.Phone == "":
		return nil, fmt.Errorf("phoneVerified without a phone")
	case us.SMSCode != "" && (us.Phone == "" || !fixtures.ValidSMSCode(us.SMSCode)):
		return nil, fmt.Errorf("smsCode must be six digits, for a user with a phone")
	case err1 != nil || err2 != nil || len(salt) == 0 || len(hash) != sha256.Size:
		return nil, fmt.Errorf("passwordSalt and passwordHash must be hex, the hash a SHA-256")
	}
	if err := firstErr(checkTime("signUpAt", us.SignUpAt, false), checkTime("lastLoginAt", us.LastLoginAt, false)); err != nil {
		return nil, err
	}
	data := make(map[string]json.RawMessage, len(us.Data))
	for k, v := range us.Data {
		if reservedFields[k] {
			return nil, fmt.Errorf("data.%s is a field of its own and cannot be user data", k)
		}
		data[k] = compactJSON(v)
	}
	return &user{
		id: us.ID, provider: provider, providerID: us.ProviderID, email: us.Email, phone: us.Phone, name: us.Name,
		emailVerified: us.EmailVerified, phoneVerified: us.PhoneVerified, salt: salt, hash: hash,
		signUpAt: us.SignUpAt, lastLoginAt: us.LastLoginAt, pinnedCode: us.SMSCode, extra: data,
	}, nil
}

// checkTime requires a time in the clock's range (or zero, when allowed):
// anything later could not be written back as JSON.
func checkTime(field string, t time.Time, zeroOK bool) error {
	if t.IsZero() && zeroOK {
		return nil
	}
	if t.Before(clockMin) || t.After(clockMax.AddDate(100, 0, 0)) {
		return fmt.Errorf("%s %s is outside %d to %d", field, t.Format(time.RFC3339), clockMin.Year(), clockMax.Year()+100)
	}
	return nil
}

func checkUserAgent(ua userAgent) error {
	for _, v := range []string{ua.Family, ua.Major, ua.Minor, ua.Patch, ua.Device.Family, ua.Device.Major, ua.Device.Minor,
		ua.Device.Patch, ua.OS.Family, ua.OS.Major, ua.OS.Minor, ua.OS.Patch} {
		if len(v) > 128 {
			return fmt.Errorf("userAgent has a field longer than 128 characters")
		}
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// applyImportLocked replaces the environment's state with a checked one,
// all of it: the caller checked that it fits the state budget. The caller
// holds en.mu.
func (en *env) applyImportLocked(im *importedState) {
	en.setUsersLocked(im.users, true)
	en.settings = im.settings
	// Stored oldest first, with no trimming: a snapshot keeps what it has.
	en.resetTokensLocked()
	for _, s := range im.sessions {
		en.sessions.restore(s.Token, im.sessionOf(s))
	}
	for _, l := range im.links {
		en.links.restore(l.Key, linkOf(l))
	}
	for _, a := range im.access {
		en.access.restore(a.Token, accessOf(a))
	}
	for _, sc := range im.codes {
		en.codes.restore(codeKey(sc.Phone, sc.Code), codeOf(sc))
	}
	en.clearFaultsLocked()
	en.discardQueueLocked() // messages of the state that is replaced
	en.inbox.Restore(im.emails, im.sms)
	en.clock.restore(time.Duration(im.clock.Offset), im.clock.Frozen, im.clock.At)
}

// roomFor checks that replacing what envs now hold (nil for new ones) with
// the checked states fits the state budget, the users in their share.
func (e *Emulator) roomFor(envs []*env, states []*importedState) error {
	var users, all int64
	for i, im := range states {
		u, a := im.size()
		users, all = users+u, all+a
		if en := envs[i]; en != nil {
			// What it holds now is given back first (the caller holds its lock).
			all -= en.acct.Used()
			users -= en.userBytes
		} else {
			all += envOverhead
			users += envOverhead
		}
	}
	used := e.budget.used.Load()
	if used+users > e.budget.usersShare() || used+all > e.budget.limit {
		return clientError(http.StatusTooManyRequests, "storage_full", fmt.Sprintf(
			"The state needs %s of the state budget (%s of it for users), which holds %s of %s (--max-state).",
			formatBytes(max(all, 0)), formatBytes(max(users, 0)), formatBytes(used), formatBytes(e.budget.limit)))
	}
	return nil
}

// Exports of an environment take turns: each holds a copy of its state
// (its strings shared, not copied) while it is written, so concurrent
// exports of a large environment would multiply memory. The copy is taken
// under the environment's lock and written after it, piece by piece, never
// as one whole JSON text, each piece within answerWriteTime: a client that
// stops reading holds the turn that long at most.

// WriteSnapshot writes the state of every environment as a Snapshot in
// JSON, one environment at a time, as --export-on-exit does. It waits for
// an export of an environment in progress to finish.
func (e *Emulator) WriteSnapshot(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `{"version":%d,"environments":{`, snapshotVersion)
	for i, id := range e.Environments() {
		en := e.lookupEnvironment(id)
		if en == nil {
			continue // deleted meanwhile
		}
		en.exports <- struct{}{}
		en.mu.Lock()
		st := en.exportLocked()
		en.mu.Unlock()
		<-en.exports // the copy is this writer's own
		if i > 0 {
			bw.WriteByte(',')
		}
		writeJSONValue(bw, id)
		bw.WriteByte(':')
		writeEnvState(bw, st)
	}
	bw.WriteString("}}\n")
	return bw.Flush()
}

// Export answers the state of every environment used so far.
func (e *Emulator) Export() Snapshot {
	e.mu.Lock()
	envs := make(map[string]*env, len(e.envs))
	for id, en := range e.envs {
		envs[id] = en
	}
	e.mu.Unlock()
	snap := Snapshot{Version: snapshotVersion, Environments: map[string]EnvState{}}
	for id, en := range envs {
		en.mu.Lock()
		snap.Environments[id] = en.exportLocked()
		en.mu.Unlock()
	}
	return snap
}

// Import replaces the state of each environment the snapshot names. The
// whole snapshot is checked first: when any part of it is not valid,
// nothing of it is applied.
func (e *Emulator) Import(snap Snapshot) error {
	if snap.Version != snapshotVersion {
		return fmt.Errorf("the snapshot's version is %d; this emulator reads version %d", snap.Version, snapshotVersion)
	}
	ids := make([]string, 0, len(snap.Environments))
	for id := range snap.Environments {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	checked := make([]*importedState, len(ids))
	fresh := 0
	for i, id := range ids {
		if !fixtures.ValidEnvID(id) {
			return fmt.Errorf("environment id %q is not valid", truncate(id, 80))
		}
		im, err := e.checkImport(snap.Environments[id])
		if err != nil {
			return fmt.Errorf("environment %s: %w", id, err)
		}
		checked[i] = im
		if id != DefaultEnvironment && e.lookupEnvironment(id) == nil {
			fresh++
		}
	}
	e.mu.Lock()
	have := len(e.envs) - 1
	e.mu.Unlock()
	if have+fresh > e.maxEnvs {
		return fmt.Errorf("the snapshot needs %d more environments, beyond the limit of %d (--max-environments)", fresh, e.maxEnvs)
	}
	existing := make([]*env, len(ids))
	for i, id := range ids {
		if en := e.lookupEnvironment(id); en != nil {
			en.mu.Lock()
			defer en.mu.Unlock()
			existing[i] = en
		}
	}
	if err := e.roomFor(existing, checked); err != nil {
		return fmt.Errorf("%s", err.(*apiError).items[0].Message)
	}
	for i, id := range ids {
		en := existing[i]
		if en == nil {
			var err error
			if en, err = e.environment(id); err != nil {
				return err
			}
			en.mu.Lock()
			defer en.mu.Unlock()
		}
		en.applyImportLocked(checked[i]) // checked above, as a whole
		e.rt.CloseEnv(en.id)
	}
	return nil
}
