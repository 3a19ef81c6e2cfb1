package emulator

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/altogic-emulator/altogic-emulator/fixtures"
	"github.com/altogic-emulator/altogic-emulator/inbox"
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
	ID            string         `json:"_id"`
	Provider      string         `json:"provider"`
	ProviderID    string         `json:"providerUserId,omitempty"`
	Email         string         `json:"email,omitempty"`
	Phone         string         `json:"phone,omitempty"`
	Name          string         `json:"name,omitempty"`
	EmailVerified bool           `json:"emailVerified"`
	PhoneVerified bool           `json:"phoneVerified"`
	SignUpAt      time.Time      `json:"signUpAt"`
	LastLoginAt   time.Time      `json:"lastLoginAt"`
	PasswordSalt  string         `json:"passwordSalt"`
	PasswordHash  string         `json:"passwordHash"`
	SMSCode       string         `json:"smsCode,omitempty"`
	Data          map[string]any `json:"data,omitempty"`
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
	st.Emails, st.SMS = en.inbox.All()
	en.clock.mu.Lock()
	st.Clock = ClockState{Offset: fixtures.Duration(en.clock.offset), Frozen: en.clock.frozen, At: en.clock.at}
	en.clock.mu.Unlock()
	return st
}

// importLocked replaces the environment's state; the caller holds en.mu.
// Nothing changes when st is not valid.
func (en *env) importLocked(st EnvState) error {
	if st.Version != snapshotVersion {
		return fmt.Errorf("the state's version is %d; this emulator reads version %d", st.Version, snapshotVersion)
	}
	if err := st.Settings.Validate(); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	users := map[string]*user{}
	byEmail, byPhone := map[string]string{}, map[string]string{}
	for i, us := range st.Users {
		salt, err1 := hex.DecodeString(us.PasswordSalt)
		hash, err2 := hex.DecodeString(us.PasswordHash)
		switch {
		case !fixtures.ValidObjectID(us.ID):
			return fmt.Errorf("users[%d]: _id %q is not 24 lowercase hex digits", i, us.ID)
		case users[us.ID] != nil:
			return fmt.Errorf("users[%d]: duplicate _id %q", i, us.ID)
		case err1 != nil || err2 != nil || len(hash) == 0:
			return fmt.Errorf("users[%d]: passwordSalt and passwordHash must be hex", i)
		case us.Email != "" && byEmail[us.Email] != "":
			return fmt.Errorf("users[%d]: duplicate email %q", i, us.Email)
		case us.Phone != "" && byPhone[us.Phone] != "":
			return fmt.Errorf("users[%d]: duplicate phone %q", i, us.Phone)
		}
		provider := us.Provider
		if provider == "" {
			provider = "altogic"
		}
		data := us.Data
		if data == nil {
			data = map[string]any{}
		}
		users[us.ID] = &user{
			id: us.ID, provider: provider, providerID: us.ProviderID, email: us.Email, phone: us.Phone, name: us.Name,
			emailVerified: us.EmailVerified, phoneVerified: us.PhoneVerified, salt: salt, hash: hash,
			signUpAt: us.SignUpAt, lastLoginAt: us.LastLoginAt, pinnedCode: us.SMSCode, extra: data,
		}
		if us.Email != "" {
			byEmail[us.Email] = us.ID
		}
		if us.Phone != "" {
			byPhone[us.Phone] = us.ID
		}
	}
	en.settings = st.Settings
	en.users, en.byEmail, en.byPhone = users, byEmail, byPhone
	// Stored oldest first, with no trimming for expiry: a snapshot keeps
	// what it has (up to the token limit).
	en.resetTokensLocked()
	sessions := slices.Clone(st.Sessions)
	slices.SortStableFunc(sessions, func(a, b SessionState) int { return a.Created.Compare(b.Created) })
	for _, s := range sessions {
		en.sessions.put(s.Token, &session{userID: s.UserID, token: s.Token, created: s.Created, userAgent: s.UserAgent, expires: s.Expires}, time.Time{})
	}
	for _, l := range st.Links {
		en.links.put(l.Key, &linkToken{key: l.Key, action: l.Action, userID: l.UserID, email: l.Email, expires: l.Expires, used: l.Used}, time.Time{})
	}
	for _, a := range st.AccessTokens {
		en.access.put(a.Token, &accessToken{token: a.Token, kind: a.Kind, userID: a.UserID, expires: a.Expires, used: a.Used}, time.Time{})
	}
	for _, sc := range st.Codes {
		en.codes.put(codeKey(sc.Phone, sc.Code), &smsCode{code: sc.Code, action: sc.Action, userID: sc.UserID, phone: sc.Phone, expires: sc.Expires, used: sc.Used}, time.Time{})
	}
	en.faults = nil
	en.inbox.Restore(st.Emails, st.SMS)
	en.clock.restore(time.Duration(st.Clock.Offset), st.Clock.Frozen, st.Clock.At)
	return nil
}

// exportState is GET /_emulator/state.
func (e *Emulator) exportState(c *call) (any, error) {
	return locked(c.env, func() (any, error) { return c.env.exportLocked(), nil })
}

// importState is PUT /_emulator/state.
func (e *Emulator) importState(c *call) (any, error) {
	var st EnvState
	if err := c.decode(&st); err != nil {
		return nil, err
	}
	return locked(c.env, func() (any, error) {
		if err := c.env.importLocked(st); err != nil {
			return nil, newError(http.StatusBadRequest, codeValidation, "The state cannot be imported: "+err.Error())
		}
		return noContent{}, nil
	})
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

// Import replaces the state of each environment the snapshot names.
func (e *Emulator) Import(snap Snapshot) error {
	if snap.Version != snapshotVersion {
		return fmt.Errorf("the snapshot's version is %d; this emulator reads version %d", snap.Version, snapshotVersion)
	}
	for id, st := range snap.Environments {
		if !fixtures.ValidEnvID(id) {
			return fmt.Errorf("environment id %q is not valid", id)
		}
		en, err := e.environment(id)
		if err != nil {
			return err
		}
		en.mu.Lock()
		err = en.importLocked(st)
		en.mu.Unlock()
		if err != nil {
			return fmt.Errorf("environment %s: %w", id, err)
		}
	}
	return nil
}
