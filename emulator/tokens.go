package emulator

import "time"

// stored is what a tokenStore holds: a token with a deadline and a size.
type stored interface {
	deadline() time.Time
	size() int64
}

// tokenStore holds one kind of token (links, access tokens, SMS codes,
// sessions) of an environment. It keeps at most limit of them, dropping the
// oldest, and drops expired ones from the oldest end as new ones arrive, so
// a suite that sends a million emails holds a bounded number of tokens. It
// charges the environment's share of the state budget, and when that has
// no room, drops its own oldest tokens to make some (the newest is always
// kept). A dropped token answers as unknown: a link then redirects as
// expired.
type tokenStore[V stored] struct {
	m     map[string]V
	order []string // keys, oldest first, from head on
	head  int
	limit int
	acct  *account
	bytes int64 // charged to acct
}

func newTokenStore[V stored](limit int, acct *account) *tokenStore[V] {
	return &tokenStore[V]{m: map[string]V{}, limit: limit, acct: acct}
}

func (s *tokenStore[V]) get(key string) (V, bool) {
	v, ok := s.m[key]
	return v, ok
}

// put stores v under key, then trims.
func (s *tokenStore[V]) put(key string, v V, now time.Time) {
	if old, exists := s.m[key]; exists {
		s.release(old)
	} else {
		s.order = append(s.order, key)
	}
	s.m[key] = v
	for s.dropOldest(key, now, false) {
	}
	cost := v.size()
	for !s.acct.Take(cost) {
		if !s.dropOldest(key, now, true) {
			s.acct.Force(cost) // the newest is kept: a few bytes past the budget
			break
		}
	}
	s.bytes += cost
	if s.head > 1024 && s.head*2 > len(s.order) {
		s.order = append(s.order[:0:0], s.order[s.head:]...)
		s.head = 0
	}
	s.compact()
}

// restore stores v under a new key as a snapshot gives it: no trimming, and
// charged whatever the budget (the importer checked that it fits).
func (s *tokenStore[V]) restore(key string, v V) {
	s.order = append(s.order, key)
	s.m[key] = v
	cost := v.size()
	s.acct.Force(cost)
	s.bytes += cost
}

// dropOldest drops the oldest token (never keep, the one just stored)
// when it has expired, when the store holds more than its limit, or
// anyway with always; it reports whether it dropped one.
func (s *tokenStore[V]) dropOldest(keep string, now time.Time, always bool) bool {
	for s.head < len(s.order) {
		front := s.order[s.head]
		old, ok := s.m[front]
		switch {
		case !ok:
			s.head++ // removed earlier
			continue
		case front == keep:
			return false
		case !always && len(s.m) <= s.limit && now.Before(old.deadline()):
			return false
		}
		delete(s.m, front)
		s.release(old)
		s.head++
		return true
	}
	return false
}

func (s *tokenStore[V]) release(v V) {
	n := v.size()
	s.bytes -= n
	s.acct.Give(n)
}

// remove drops key (a session signed out). Its place in the order is
// cleared later, by compact: a key is never stored again once removed.
func (s *tokenStore[V]) remove(key string) {
	if v, ok := s.m[key]; ok {
		delete(s.m, key)
		s.release(v)
	}
	s.compact()
}

// clear drops every token.
func (s *tokenStore[V]) clear() {
	s.acct.Give(s.bytes)
	s.m, s.order, s.head, s.bytes = map[string]V{}, nil, 0, 0
}

// compact drops the removed keys from the order once they outnumber the
// live ones, so that a long-lived token at the front cannot hold the keys
// of every token removed after it.
func (s *tokenStore[V]) compact() {
	if len(s.order)-s.head <= 2*len(s.m)+1024 {
		return
	}
	live := make([]string, 0, len(s.m))
	for _, k := range s.order[s.head:] {
		if _, ok := s.m[k]; ok {
			live = append(live, k)
		}
	}
	s.order, s.head = live, 0
}

func (s *tokenStore[V]) len() int { return len(s.m) }

// each calls fn on every token, oldest first.
func (s *tokenStore[V]) each(fn func(V)) {
	for _, k := range s.order[s.head:] {
		if v, ok := s.m[k]; ok {
			fn(v)
		}
	}
}

func (t *linkToken) deadline() time.Time   { return t.expires }
func (t *accessToken) deadline() time.Time { return t.expires }
func (t *smsCode) deadline() time.Time     { return t.expires }

func (t *linkToken) size() int64 {
	return itemOverhead + 2*textSize(t.key) + textSize(t.action, t.userID, t.email)
}
func (t *accessToken) size() int64 {
	return itemOverhead + 2*textSize(t.token) + textSize(t.kind, t.userID)
}
func (t *smsCode) size() int64 {
	return itemOverhead + 2*textSize(t.phone, t.code) + textSize(t.action, t.userID) + 1
}

// never is the deadline of a session without an expiry.
var never = time.Unix(1<<62, 0)

func (s *session) deadline() time.Time {
	if s.expires.IsZero() {
		return never
	}
	return s.expires
}

func (s *session) size() int64 {
	ua := s.userAgent
	return itemOverhead + 2*textSize(s.token) + textSize(s.userID, ua.Family, ua.Major, ua.Minor, ua.Patch,
		ua.Device.Family, ua.Device.Major, ua.Device.Minor, ua.Device.Patch, ua.OS.Family, ua.OS.Major, ua.OS.Minor, ua.OS.Patch)
}
