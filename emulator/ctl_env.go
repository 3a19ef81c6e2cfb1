package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/altogic-emulator/altogic-emulator/fixtures"
	"github.com/altogic-emulator/altogic-emulator/inbox"
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
	c.env.mu.Lock()
	c.env.loadLocked(e.fixtures, c.env.clock.now(e.clock), true)
	c.env.mu.Unlock()
	c.env.inbox.Clear()
	c.env.journal.clear()
	return noContent{}, nil
}

// getClock is GET /_emulator/clock.
func (e *Emulator) getClock(c *call) (any, error) { return c.env.clock.state(e.clock), nil }

// changeClock is POST /_emulator/clock with {set?, advance?, freeze?}.
func (e *Emulator) changeClock(c *call) (any, error) {
	var b struct {
		Set     string `json:"set"`
		Advance string `json:"advance"`
		Freeze  *bool  `json:"freeze"`
	}
	if err := c.decode(&b); err != nil {
		return nil, err
	}
	var fe fieldErrors
	var set time.Time
	var advance time.Duration
	if b.Set != "" {
		t, err := time.Parse(time.RFC3339Nano, b.Set)
		switch {
		case err != nil:
			fe.add("set", "body", "'set' must be an RFC 3339 time such as 2030-01-01T00:00:00Z.")
		case t.Before(clockMin) || t.After(clockMax):
			fe.add("set", "body", fmt.Sprintf("'set' must be from %s to %s.", clockMin.Format(time.RFC3339), clockMax.Format(time.RFC3339)))
		}
		set = t
	}
	if b.Advance != "" {
		d, err := time.ParseDuration(b.Advance)
		if err != nil || d < 0 {
			fe.add("advance", "body", "'advance' must be a Go duration of zero or more, such as 61m or 24h.")
		}
		advance = d
	}
	if b.Set == "" && b.Advance == "" && b.Freeze == nil {
		fe.add("body", "body", "Give set, advance or freeze.")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	if !c.env.clock.change(e.clock, set, advance, b.Freeze) {
		fe.add("advance", "body", fmt.Sprintf("'advance' would move the clock past %s.", clockMax.Format(time.RFC3339)))
		return nil, fe.err()
	}
	return c.env.clock.state(e.clock), nil
}

// listUsers is GET /_emulator/users: written under the lock, oldest
// first (no copy of the users is kept).
func (e *Emulator) listUsers(c *call) (any, error) {
	return locked(c.env, func() (any, error) {
		users := make([]*user, 0, len(c.env.users))
		for _, u := range c.env.users {
			users = append(users, u)
		}
		sort.Slice(users, func(i, j int) bool {
			if !users[i].signUpAt.Equal(users[j].signUpAt) {
				return users[i].signUpAt.Before(users[j].signUpAt)
			}
			return users[i].id < users[j].id
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
	})
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
			*dst = strings.TrimSpace(*dst)
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
	return locked(c.env, func() (any, error) {
		en := c.env
		switch {
		case fu.Email != "" && en.userByEmailLocked(fu.Email) != nil:
			return nil, newError(http.StatusBadRequest, codeEmailNotUnique, msgEmailNotUnique).
				with(map[string]any{"value": fu.Email, "param": "email"})
		case fu.Phone != "" && en.userByPhoneLocked(fu.Phone) != nil:
			return nil, newError(http.StatusBadRequest, codePhoneNotUnique, msgPhoneNotUnique).
				with(map[string]any{"value": fu.Phone, "param": "phone"})
		case fu.ID != "" && en.users[fu.ID] != nil:
			return nil, newError(http.StatusBadRequest, codeValidation, "A user with the provided _id already exists.").
				with(map[string]any{"value": fu.ID, "param": "_id"})
		}
		u, err := en.newUserLocked(fu.ID, fu.Email, fu.Phone, fu.Password, userFromFixture(fu), c.now)
		if err != nil {
			return nil, err
		}
		return created{u.snapshot()}, nil
	})
}

func (e *Emulator) getConfig(c *call) (any, error) {
	return locked(c.env, func() (any, error) { return c.env.settings, nil })
}

// patchConfig changes some settings of the environment until its next reset.
func (e *Emulator) patchConfig(c *call) (any, error) {
	var p fixtures.SettingsPatch
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, newError(http.StatusBadRequest, codeValidation, "The settings are not valid: "+err.Error())
	}
	return locked(c.env, func() (any, error) {
		s, err := p.Apply(c.env.settings)
		if err != nil {
			return nil, newError(http.StatusBadRequest, codeInvalidConfig, "The settings are not valid: "+err.Error())
		}
		c.env.settings = s
		return s, nil
	})
}

func (e *Emulator) getOpenAPI(c *call) (any, error) {
	return rawBody{contentType: "application/yaml", body: string(specYAML)}, nil
}

// inboxFilter reads to and action. A "+" typed into a URL arrives as a space,
// and no address has one, so spaces are read back as "+".
func (c *call) inboxFilter() inbox.Filter {
	return inbox.Filter{
		To:     strings.TrimSpace(strings.ReplaceAll(c.query("to"), " ", "+")),
		Action: strings.TrimSpace(c.query("action")),
	}
}

// maxWait bounds how long latest may hold a request open.
const maxWait = 60 * time.Second

// waitParam reads wait: a Go duration ("5s", "1500ms") or whole seconds.
func (c *call) waitParam() (time.Duration, error) {
	s := strings.TrimSpace(c.query("wait"))
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if n, nerr := strconv.Atoi(s); nerr == nil {
		// Whole seconds, bounded before they are multiplied: 18446744074
		// must not wrap around into a short wait.
		d, err = -1, nil
		if n >= 0 && n <= int(maxWait/time.Second) {
			d = time.Duration(n) * time.Second
		}
	}
	if err != nil || d < 0 || d > maxWait {
		var fe fieldErrors
		fe.add("wait", "query", "Wait must be a duration from 0s to 60s, such as 5s or 1500ms.")
		return 0, fe.err()
	}
	return d, nil
}

func notFound(kind string, f inbox.Filter, wait time.Duration) error {
	var parts []string
	if f.To != "" {
		parts = append(parts, "to "+f.To)
	}
	if f.Action != "" {
		parts = append(parts, "with action "+f.Action)
	}
	msg := "No " + kind
	if len(parts) > 0 {
		msg += " " + strings.Join(parts, " ")
	}
	if wait > 0 {
		msg += fmt.Sprintf(" arrived within %s.", wait)
	} else {
		msg += " has been captured."
	}
	return newError(http.StatusNotFound, codeNotFound, msg)
}

// logWait notes at debug level that a request may be held open.
func (c *call) logWait(kind string, f inbox.Filter, wait time.Duration) {
	if wait > 0 {
		c.e.log.Debug("waiting for "+kind, "env", c.env.id, "to", f.To, "action", f.Action, "wait", wait)
	}
}

func (e *Emulator) listEmails(c *call) (any, error) {
	return map[string]any{"emails": c.env.inbox.Emails(c.inboxFilter())}, nil
}

func (e *Emulator) latestEmail(c *call) (any, error) {
	wait, err := c.waitParam()
	if err != nil {
		return nil, err
	}
	f := c.inboxFilter()
	c.logWait("email", f, wait)
	ctx, cancel := c.e.holdContext(c.r.Context())
	defer cancel()
	m, ok := c.env.inbox.LatestEmail(ctx, f, wait)
	if !ok {
		return nil, notFound("email", f, wait)
	}
	return m, nil
}

func (e *Emulator) getEmail(c *call) (any, error) {
	m, ok := c.env.inbox.Email(c.params["id"])
	if !ok {
		return nil, newError(http.StatusNotFound, codeNotFound, "No email has the id "+truncate(c.params["id"], 80)+".")
	}
	return m, nil
}

func (e *Emulator) listSMS(c *call) (any, error) {
	return map[string]any{"sms": c.env.inbox.SMS(c.inboxFilter())}, nil
}

func (e *Emulator) latestSMS(c *call) (any, error) {
	wait, err := c.waitParam()
	if err != nil {
		return nil, err
	}
	f := c.inboxFilter()
	c.logWait("SMS", f, wait)
	ctx, cancel := c.e.holdContext(c.r.Context())
	defer cancel()
	m, ok := c.env.inbox.LatestSMS(ctx, f, wait)
	if !ok {
		return nil, notFound("SMS", f, wait)
	}
	return m, nil
}

func (e *Emulator) getSMS(c *call) (any, error) {
	m, ok := c.env.inbox.SMSByID(c.params["id"])
	if !ok {
		return nil, newError(http.StatusNotFound, codeNotFound, "No SMS has the id "+truncate(c.params["id"], 80)+".")
	}
	return m, nil
}

func (e *Emulator) clearInbox(c *call) (any, error) {
	c.env.inbox.Clear()
	return noContent{}, nil
}
