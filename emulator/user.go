package emulator

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"
)

// user is a stored user. The password is kept only as a salted SHA-256:
// this is a test double, and a slow hash such as bcrypt would make every
// sign-in a thousand times slower for no protection anyone needs here.
type user struct {
	id string
	// seq orders users made at one instant (the fixtures' users): the
	// order they were made in, in their environment.
	seq      uint64
	provider string
	// providerID is the provider's user id; for "altogic" users, the _id.
	providerID    string
	email         string
	phone         string
	name          string
	emailVerified bool
	phoneVerified bool
	salt          []byte
	hash          []byte
	signUpAt      time.Time
	lastLoginAt   time.Time
	// extra is the user data beside the fields above, each value JSON as
	// the API answers it. Values are replaced, never changed in place, so
	// copies may share them.
	extra map[string]json.RawMessage
	// pinnedCode, when set, is every SMS code this user is sent, so a test
	// can type a known code.
	pinnedCode string
	// cost is what the environment's share of the state budget was charged
	// for the user.
	cost int64
}

// size is the user's estimated size, its indexes included.
// userDataEntry is what one key of user data costs beside its text: its
// map entry (with the table's room to grow) and two small allocations.
// Measured: users of 80000 short keys hold about 159 bytes a key in all.
const userDataEntry = 150

func (u *user) size() int64 {
	n := userOverhead + 2*textSize(u.id, u.email, u.phone) + textSize(u.name, u.provider, u.providerID, u.pinnedCode) +
		int64(len(u.salt)+len(u.hash))
	for k, v := range u.extra {
		n += int64(len(k)+len(v)) + userDataEntry
	}
	return n
}

func (u *user) setPassword(pw string) {
	u.salt = randomBytes(16)
	u.hash = hashPassword(u.salt, pw)
}

func (u *user) checkPassword(pw string) bool {
	return subtle.ConstantTimeCompare(hashPassword(u.salt, pw), u.hash) == 1
}

func hashPassword(salt []byte, pw string) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(pw))
	return h.Sum(nil)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return b
}

var objectIDCounter atomic.Uint32

func init() { objectIDCounter.Store(binary.BigEndian.Uint32(randomBytes(4))) }

// newObjectID answers a MongoDB-style ObjectId: 24 hex digits, the first
// eight the creation time, as Altogic's _id values are.
func newObjectID(now time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[0:4], uint32(now.Unix()))
	copy(b[4:9], randomBytes(5))
	c := objectIDCounter.Add(1)
	b[9], b[10], b[11] = byte(c>>16), byte(c>>8), byte(c)
	return hex.EncodeToString(b[:])
}

// reservedFields are the user fields the emulator computes; sign-up data and
// fixtures cannot set them.
var reservedFields = map[string]bool{
	"_id": true, "provider": true, "providerUserId": true, "email": true, "phone": true,
	"signUpAt": true, "lastLoginAt": true, "emailVerified": true, "phoneVerified": true,
	"password": true, "passwordHash": true, "name": true, "smsCode": true,
}

// isoMillis is Altogic's timestamp form: UTC with milliseconds and Z.
const isoMillis = "2006-01-02T15:04:05.000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(isoMillis) }

// userView is a copy of a user taken under the environment's lock, safe to
// encode after the lock is released.
func (u *user) snapshot() *user {
	c := *u
	c.extra = make(map[string]json.RawMessage, len(u.extra))
	for k, v := range u.extra {
		c.extra[k] = v
	}
	return &c
}

// field answers a user field as text for a template.
func (u *user) field(name string) string {
	switch name {
	case "_id", "id":
		return u.id
	case "name":
		return u.name
	case "email":
		return u.email
	case "phone":
		return u.phone
	case "provider":
		return u.provider
	case "emailVerified":
		return fmt.Sprint(u.emailVerified)
	case "phoneVerified":
		return fmt.Sprint(u.phoneVerified)
	}
	v, ok := u.extra[name]
	if !ok || string(v) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v) // a number, a boolean, or the JSON of a list or object

}
