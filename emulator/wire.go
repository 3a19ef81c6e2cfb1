package emulator

import (
	"encoding/json"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/altogic-emulator/altogic-emulator/internal/jsjson"
)

// A small JSON writer for the answers of every sign-in: users and sessions
// are written field by field into one buffer, without encoding/json's
// reflection and re-compaction of MarshalJSON output.

// jsonAppender is a value that writes its own JSON.
type jsonAppender interface {
	appendJSON(b []byte) []byte
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as encoding/json does
// with HTML escaping off.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			if r == utf8.RuneError {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// object writes one JSON object field by field.
type object struct {
	b     []byte
	first bool
}

func newObject(b []byte) object { return object{b: append(b, '{'), first: true} }

func (o *object) key(k string) {
	if !o.first {
		o.b = append(o.b, ',')
	}
	o.first = false
	o.b = appendString(o.b, k)
	o.b = append(o.b, ':')
}

func (o *object) str(k, v string) { o.key(k); o.b = appendString(o.b, v) }
func (o *object) boolean(k string, v bool) {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
}
func (o *object) time(k string, t time.Time) { o.str(k, formatTime(t)) }
func (o *object) raw(k string, v []byte)     { o.key(k); o.b = append(o.b, v...) }

// compactJSON answers user data as Altogic, a JavaScript server, keeps and
// answers it (JSON.stringify(JSON.parse(v)): numbers as doubles, the last
// of a key given twice), in a buffer of its own.
func compactJSON(v []byte) json.RawMessage {
	b, err := jsjson.Rewrite(v)
	if err != nil {
		return json.RawMessage("null") // not JSON: the caller checked it was
	}
	return json.RawMessage(b)
}

func (o *object) end() []byte { return append(o.b, '}') }

func (v version) appendJSON(b []byte) []byte {
	o := newObject(b)
	o.str("family", v.Family)
	o.str("major", v.Major)
	o.str("minor", v.Minor)
	o.str("patch", v.Patch)
	return o.end()
}

func (ua userAgent) appendJSON(b []byte) []byte {
	o := newObject(b)
	o.str("family", ua.Family)
	o.str("major", ua.Major)
	o.str("minor", ua.Minor)
	o.str("patch", ua.Patch)
	o.key("device")
	o.b = ua.Device.appendJSON(o.b)
	o.key("os")
	o.b = ua.OS.appendJSON(o.b)
	return o.end()
}

func (s *session) appendJSON(b []byte) []byte {
	o := newObject(b)
	o.str("userId", s.userID)
	o.str("token", s.token)
	o.time("creationDtm", s.created)
	o.key("userAgent")
	o.b = s.userAgent.appendJSON(o.b)
	o.raw("accessGroupKeys", []byte("[]"))
	return o.end()
}

func (r userAndSession) appendJSON(b []byte) []byte {
	o := newObject(b)
	o.key("user")
	o.b = r.User.appendJSON(o.b)
	o.key("session")
	if r.Session == nil {
		o.b = append(o.b, "null"...)
	} else {
		o.b = r.Session.appendJSON(o.b)
	}
	return o.end()
}

// MarshalJSON lets encoding/json write these values too (inside lists).
func (s *session) MarshalJSON() ([]byte, error)       { return s.appendJSON(nil), nil }
func (r userAndSession) MarshalJSON() ([]byte, error) { return r.appendJSON(nil), nil }
func (u *user) MarshalJSON() ([]byte, error)          { return u.appendJSON(nil), nil }

// appendJSON writes the user as the API shows it, in the key order of
// Altogic's documentation, never with a password or hash.
func (u *user) appendJSON(b []byte) []byte {
	o := newObject(b)
	o.str("_id", u.id)
	o.str("provider", u.provider)
	providerID := u.providerID
	if providerID == "" {
		providerID = u.id
	}
	o.str("providerUserId", providerID)
	if u.email != "" {
		o.str("email", u.email)
	}
	if u.phone != "" {
		o.str("phone", u.phone)
	}
	o.time("signUpAt", u.signUpAt)
	o.time("lastLoginAt", u.lastLoginAt)
	if u.email != "" {
		o.boolean("emailVerified", u.emailVerified)
	}
	if u.phone != "" {
		o.boolean("phoneVerified", u.phoneVerified)
	}
	if u.name != "" {
		o.str("name", u.name)
	}
	if len(u.extra) > 0 {
		keys := make([]string, 0, len(u.extra))
		for k := range u.extra {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			o.raw(k, u.extra[k])
		}
	}
	return o.end()
}
