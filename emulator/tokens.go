package emulator

import "time"

// tokenStore holds one kind of token (links, access tokens, SMS codes,
// sessions) of an environment. It keeps at most limit of them, dropping the oldest, and
// drops expired ones from the oldest end as new ones arrive, so a suite
// that sends a million emails holds a bounded number of tokens. A dropped
// token answers as unknown: a link then redirects as expired.
type tokenStore[V interface{ deadline() time.Time }] struct {
	m     map[string]V
	order []string // keys, oldest first, from head on
	head  int
	limit int
}

func newTokenStore[V interface{ deadline() time.Time }](limit int) *tokenStore[V] {
	return &tokenStore[V]{m: map[string]V{}, limit: limit}
}

func (s *tokenStore[V]) get(key string) (V, bool) {
	v, ok := s.m[key]
	return v, ok
}

// put stores v under a new key, then trims.
func (s *tokenStore[V]) put(key string, v V, now time.Time) {
	if _, exists := s.m[key]; !exists {
		s.order = append(s.order, key)
	}
	s.m[key] = v
	for s.head < len(s.order) {
		front := s.order[s.head]
		old, ok := s.m[front]
		if ok && len(s.m) <= s.limit && now.Before(old.deadline()) {
			break
		}
		if ok && front != key {
			delete(s.m, front)
		} else if ok {
			break // never drop what was just stored
		}
		s.head++
	}
	if s.head > 1024 && s.head*2 > len(s.order) {
		s.order = append(s.order[:0:0], s.order[s.head:]...)
		s.head = 0
	}
	s.compact()
}

// remove drops key (a session signed out). Its place in the order is
// cleared later, by compact: a key is never stored again once removed.
func (s *tokenStore[V]) remove(key string) {
	delete(s.m, key)
	s.compact()
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

// never is the deadline of a session without an expiry.
var never = time.Unix(1<<62, 0)

func (s *session) deadline() time.Time {
	if s.expires.IsZero() {
		return never
	}
	return s.expires
}
