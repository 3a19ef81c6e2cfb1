package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/altogic-emulator/altogic-emulator/emulator/internal/spec"
	"github.com/altogic-emulator/altogic-emulator/fixtures"
	"github.com/altogic-emulator/altogic-emulator/internal/validatorjs"
)

// The control API under [/e:{envId}]/_emulator/: state, settings and the
// inbox of one environment.

func (e *Emulator) health(c *call) (any, error) {
	return map[string]any{"status": "ok", "version": Version}, nil
}

// resetEnvironment puts the environment back to its fixtures: users and
// settings; sessions, tokens, codes and inbox emptied.
func (e *Emulator) resetEnvironment(c *call) (any, error) {
	c.env.clock.restore(0, false, time.Time{})
	c.env.loadLocked(e.fixtures, c.env.clock.now(e.clock), true)
	c.env.discardQueueLocked() // messages of the state that is gone
	c.env.inbox.Clear()
	c.env.realtime.clear()
	e.rt.CloseEnv(c.env.id) // its sessions are gone: connections start again
	c.env.journal.clear()
	return noContent{}, nil
}

// listUsers is GET /_emulator/users: written under the lock, oldest
// first (no copy of the users is kept).
func (e *Emulator) listUsers(c *call) (any, error) {
	users := make([]*user, 0, len(c.env.users))
	for _, u := range c.env.users {
		users = append(users, u)
	}
	sort.Slice(users, func(i, j int) bool {
		if !users[i].signUpAt.Equal(users[j].signUpAt) {
			return users[i].signUpAt.Before(users[j].signUpAt)
		}
		return users[i].seq < users[j].seq
	})
	w := c.e.answers.newAnswer()
	if !w.add([]byte(`{"users":`)) {
		return nil, errAnswersBusy()
	}
	if _, err := listAnswer(w, len(users), func(b []byte, i int) []byte { return users[i].appendJSON(b) }); err != nil {
		return nil, err
	}
	if !w.add([]byte("}")) {
		w.release()
		return nil, errAnswersBusy()
	}
	return w, nil
}

// createUser adds a user as a fixture would: {email?, phone?, password,
// emailVerified?, phoneVerified?, name?, ...extra}.
func (e *Emulator) createUser(c *call) (any, error) {
	var raw map[string]json.RawMessage
	if err := c.decode(&raw); err != nil {
		return nil, err
	}
	var fu fixtures.User
	var fe fieldErrors
	str := func(k string, dst *string) {
		if v, ok := raw[k]; ok {
			if json.Unmarshal(v, dst) != nil {
				fe.add(k, "body", label(k)+" must be of type string.")
			}
			*dst = validatorjs.Trim(*dst)
		}
	}
	boolean := func(k string, dst *bool) {
		if v, ok := raw[k]; ok && json.Unmarshal(v, dst) != nil {
			fe.add(k, "body", "'"+k+"' must be true or false.")
		}
	}
	str("_id", &fu.ID)
	str("email", &fu.Email)
	str("phone", &fu.Phone)
	str("password", &fu.Password)
	str("name", &fu.Name)
	str("smsCode", &fu.SMSCode)
	boolean("emailVerified", &fu.EmailVerified)
	boolean("phoneVerified", &fu.PhoneVerified)
	fu.Email = normalizeEmail(fu.Email)
	fu.Extra = map[string]json.RawMessage{}
	for k, v := range raw {
		if !reservedFields[k] {
			fu.Extra[k] = compactJSON(v)
		}
	}
	fe.lookalikes(raw)
	if fu.Email == "" && fu.Phone == "" {
		fe.add("email", "body", "A user needs an email or a phone.")
	}
	if fu.Email != "" {
		fe.email("email", "body", fu.Email)
	}
	if fu.Phone != "" {
		fe.phone("phone", "body", fu.Phone)
	}
	fe.present("password", "body", fu.Password)
	if fu.SMSCode != "" && (fu.Phone == "" || !fixtures.ValidSMSCode(fu.SMSCode)) {
		fe.add("smsCode", "body", "'smsCode' must be six digits, for a user with a phone.")
	}
	if fu.ID != "" && !fixtures.ValidObjectID(fu.ID) {
		fe.add("_id", "body", "'_id' must be 24 lowercase hex digits.")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	en := c.env
	switch {
	case fu.Email != "" && en.userByEmailLocked(fu.Email) != nil:
		return nil, errEmailNotUnique.withValue("email", fu.Email)
	case fu.Phone != "" && en.userByPhoneLocked(fu.Phone) != nil:
		return nil, errPhoneNotUnique.withValue("phone", fu.Phone)
	case fu.ID != "" && en.users[fu.ID] != nil:
		return nil, errUserIDTaken.withValue("_id", fu.ID)
	}
	u, err := en.newUserLocked(fu.ID, fu.Email, fu.Phone, fu.Password, userFromFixture(fu), c.now)
	if err != nil {
		return nil, err
	}
	return created{u.snapshot()}, nil
}

// updateUser is PATCH /_emulator/users/{id}: it changes the fields it is
// given (email, phone, password, name, emailVerified, phoneVerified,
// smsCode) and user data (a key with null removes it), checked as
// createUser checks them, and answers the user.
func (e *Emulator) updateUser(c *call) (any, error) {
	var raw map[string]json.RawMessage
	if err := c.decode(&raw); err != nil {
		return nil, err
	}
	en := c.env
	u := en.users[c.params["id"]]
	if u == nil {
		return nil, errNoSuch("user", c.params["id"])
	}
	var fe fieldErrors
	str := func(k string) (string, bool) {
		v, ok := raw[k]
		if !ok {
			return "", false
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			fe.add(k, "body", label(k)+" must be of type string.")
		}
		return validatorjs.Trim(s), true
	}
	boolean := func(k string) (bool, bool) {
		v, ok := raw[k]
		var b bool
		if ok && json.Unmarshal(v, &b) != nil {
			fe.add(k, "body", "'"+k+"' must be true or false.")
		}
		return b, ok
	}
	for k := range raw {
		if reservedFields[k] && k != "email" && k != "phone" && k != "password" && k != "name" &&
			k != "emailVerified" && k != "phoneVerified" && k != "smsCode" {
			fe.add(k, "body", "'"+k+"' is the emulator's and cannot be changed.")
		}
	}
	fe.lookalikes(raw)
	email, setEmail := str("email")
	email = normalizeEmail(email)
	phone, setPhone := str("phone")
	password, setPassword := str("password")
	name, setName := str("name")
	code, setCode := str("smsCode")
	emailVerified, setEmailVerified := boolean("emailVerified")
	phoneVerified, setPhoneVerified := boolean("phoneVerified")
	newEmail, newPhone := u.email, u.phone
	if setEmail {
		newEmail = email
		if email != "" {
			fe.email("email", "body", email)
		}
	}
	if setPhone {
		newPhone = phone
		if phone != "" {
			fe.phone("phone", "body", phone)
		}
	}
	if newEmail == "" && newPhone == "" {
		fe.add("email", "body", "A user needs an email or a phone.")
	}
	if setPassword {
		fe.present("password", "body", password)
	}
	if setCode && code != "" && (newPhone == "" || !fixtures.ValidSMSCode(code)) {
		fe.add("smsCode", "body", "'smsCode' must be six digits, for a user with a phone.")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	switch {
	case setEmail && email != "" && email != u.email && en.userByEmailLocked(email) != nil:
		return nil, errEmailNotUnique.withValue("email", email)
	case setPhone && phone != "" && phone != u.phone && en.userByPhoneLocked(phone) != nil:
		return nil, errPhoneNotUnique.withValue("phone", phone)
	}
	if setEmail && email != u.email {
		en.setEmailLocked(u, email)
	}
	if setPhone && phone != u.phone {
		en.setPhoneLocked(u, phone)
	}
	if setPassword {
		u.setPassword(password)
	}
	if setName {
		u.name = name
	}
	if setCode {
		u.pinnedCode = code
	}
	if setEmailVerified {
		u.emailVerified = emailVerified && u.email != ""
	}
	if setPhoneVerified {
		u.phoneVerified = phoneVerified && u.phone != ""
	}
	extra := make(map[string]json.RawMessage, len(u.extra))
	for k, v := range u.extra {
		extra[k] = v
	}
	for k, v := range raw {
		switch {
		case reservedFields[k]:
		case len(v) == 0 || string(v) == "null": // json decodes null as nil
			delete(extra, k)
		default:
			extra[k] = compactJSON(v)
		}
	}
	u.extra = extra
	en.recostLocked(u)
	c.sendUserEvent(u, "user:update", nil)
	return u.snapshot(), nil
}

// deleteUser is DELETE /_emulator/users/{id}: the user and its sessions go;
// its links and codes then answer as for a user who no longer exists.
func (e *Emulator) deleteUser(c *call) (any, error) {
	en := c.env
	u := en.users[c.params["id"]]
	if u == nil {
		return nil, errNoSuch("user", c.params["id"])
	}
	c.sendUserEvent(u, "user:delete", nil)
	en.removeUserLocked(u)
	return noContent{}, nil
}

func (e *Emulator) getConfig(c *call) (any, error) {
	return c.env.settings, nil
}

// patchConfig changes some settings of the environment until its next reset.
func (e *Emulator) patchConfig(c *call) (any, error) {
	var p fixtures.SettingsPatch
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, errBadSettings(codeValidation, err)
	}
	s, err := p.Apply(c.env.settings)
	if err != nil {
		return nil, errBadSettings("invalid_config", err)
	}
	c.env.settings = s
	return s, nil
}

func (e *Emulator) getOpenAPI(c *call) (any, error) {
	return rawBody{contentType: "application/yaml", body: string(spec.YAML())}, nil
}

// deleteEnvironment is DELETE /_emulator/environment: the environment and
// all its state are gone; its next use creates it afresh from the fixtures.
func (e *Emulator) deleteEnvironment(c *call) (any, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	en := e.envs[c.envID]
	if en == nil {
		return noContent{}, nil
	}
	delete(e.envs, c.envID)
	e.rt.CloseEnv(c.envID)
	// Its share of the budget is free now, even while a request in flight
	// still holds it; its messages go at once.
	en.acct.close()
	en.inbox.Clear()
	if c.envID == DefaultEnvironment {
		fresh, err := e.newEnvironment(DefaultEnvironment) // it always exists
		if err != nil {
			e.envs[DefaultEnvironment] = en // as it was: the fixtures do not fit
			return nil, err
		}
		e.envs[DefaultEnvironment] = fresh
	}
	return noContent{}, nil
}

// listEnvironments is GET /_emulator/environments: every environment used
// so far, for the page's switcher.
func (e *Emulator) listEnvironments(c *call) (any, error) {
	return map[string]any{"environments": e.Environments()}, nil
}

// lookalikes refuses the keys of a user that are a slip away from one of
// its fields (emailVerifed, Email, smscode), as a fixtures file does: kept
// as user data, such a key would leave the user, say, unverified without
// a word.
func (f *fieldErrors) lookalikes(raw map[string]json.RawMessage) {
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if reservedFields[k] {
			continue
		}
		if field := fixtures.LookalikeField(k); field != "" {
			f.add(k, "body", fmt.Sprintf("'%s': did you mean %s? A key this close to a field is refused, not kept as user data; name user data otherwise.", truncate(k, 80), field))
		}
	}
}
