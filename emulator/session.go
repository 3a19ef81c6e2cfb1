package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// session is a signed-in device of a user.
type session struct {
	userID    string
	token     string
	created   time.Time
	userAgent userAgent
	// expires is zero for a session that lives until signed out (the
	// default, sessionTTL 0).
	expires time.Time
}

func (s *session) expiredAt(now time.Time) bool {
	return !s.expires.IsZero() && !now.Before(s.expires)
}

// newSessionToken answers an HS256 JWT shaped like Altogic's: the payload
// has envId, userId, a uuid and iat, and no exp.
func newSessionToken(secret []byte, envID, userID string, now time.Time) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	o := newObject(make([]byte, 0, 128))
	o.str("envId", envID)
	o.str("userId", userID)
	o.str("uuid", uuid.NewString())
	o.key("iat")
	payload := strconv.AppendInt(o.b, now.Unix(), 10)
	payload = append(payload, '}')
	unsigned := header + "." + enc.EncodeToString(payload)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(unsigned))
	return unsigned + "." + enc.EncodeToString(mac.Sum(nil))
}

// validSessionJWT reports whether token is a JWT signed by this emulator.
// It tells a malformed token from one whose session has ended, as the real
// service's two messages do.
func validSessionJWT(secret []byte, token string) bool {
	i := strings.LastIndexByte(token, '.')
	if i < 0 || strings.Count(token, ".") != 2 {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(token[:i]))
	return hmac.Equal(sig, mac.Sum(nil))
}

// sortSessions orders sessions oldest first.
func sortSessions(list []*session) {
	sort.Slice(list, func(i, j int) bool {
		if !list[i].created.Equal(list[j].created) {
			return list[i].created.Before(list[j].created)
		}
		return list[i].token < list[j].token
	})
}
