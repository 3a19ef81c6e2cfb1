package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
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

// userAgent is the parsed User-Agent of a session, in the shape of the npm
// useragent package's toJSON(): every leaf a string, unknowns "Other"/"0".
type userAgent struct {
	Family string  `json:"family"`
	Major  string  `json:"major"`
	Minor  string  `json:"minor"`
	Patch  string  `json:"patch"`
	Device version `json:"device"`
	OS     version `json:"os"`
}

type version struct {
	Family string `json:"family"`
	Major  string `json:"major"`
	Minor  string `json:"minor"`
	Patch  string `json:"patch"`
}

func other() version { return version{"Other", "0", "0", "0"} }

type uaRule struct {
	re     *regexp.Regexp
	family string
}

// The browsers, in the order they must be tried: Edge and Opera also say
// Chrome, Chrome also says Safari.
var browserRules = []uaRule{
	{regexp.MustCompile(`Edg(?:e|A|iOS)?/(\d+)(?:\.(\d+))?(?:\.(\d+))?`), "Edge"},
	{regexp.MustCompile(`OPR/(\d+)(?:\.(\d+))?(?:\.(\d+))?`), "Opera"},
	{regexp.MustCompile(`HeadlessChrome/(\d+)(?:\.(\d+))?(?:\.(\d+))?`), "HeadlessChrome"},
	{regexp.MustCompile(`(?:Chrome|CriOS)/(\d+)(?:\.(\d+))?(?:\.(\d+))?`), "Chrome"},
	{regexp.MustCompile(`(?:Firefox|FxiOS)/(\d+)(?:\.(\d+))?(?:\.(\d+))?`), "Firefox"},
	{regexp.MustCompile(`Version/(\d+)(?:\.(\d+))?(?:\.(\d+))?.*Safari/`), "Safari"},
	{regexp.MustCompile(`Dart/(\d+)(?:\.(\d+))?(?:\.(\d+))?`), "Dart"},
	{regexp.MustCompile(`node-fetch(?:/(\d+))?(?:\.(\d+))?(?:\.(\d+))?`), "node-fetch"},
	{regexp.MustCompile(`^node(?:/(\d+))?(?:\.(\d+))?(?:\.(\d+))?`), "Node"},
	{regexp.MustCompile(`curl/(\d+)(?:\.(\d+))?(?:\.(\d+))?`), "curl"},
	{regexp.MustCompile(`Go-http-client/(\d+)(?:\.(\d+))?()`), "Go-http-client"},
}

var osRules = []uaRule{
	{regexp.MustCompile(`Windows NT (\d+)(?:\.(\d+))?()`), "Windows"},
	{regexp.MustCompile(`(?:iPhone|CPU) OS (\d+)(?:_(\d+))?(?:_(\d+))?`), "iOS"},
	{regexp.MustCompile(`Mac OS X (\d+)(?:[_.](\d+))?(?:[_.](\d+))?`), "Mac OS X"},
	{regexp.MustCompile(`Android (\d+)(?:\.(\d+))?(?:\.(\d+))?`), "Android"},
	{regexp.MustCompile(`CrOS \S+ (\d+)(?:\.(\d+))?(?:\.(\d+))?`), "Chrome OS"},
	{regexp.MustCompile(`Ubuntu()()()`), "Ubuntu"},
	{regexp.MustCompile(`Linux()()()`), "Linux"},
}

var deviceRules = []uaRule{
	{regexp.MustCompile(`iPhone()()()`), "iPhone"},
	{regexp.MustCompile(`iPad()()()`), "iPad"},
	{regexp.MustCompile(`Macintosh()()()`), "Mac"},
}

func match(rules []uaRule, s string) version {
	for _, r := range rules {
		if m := r.re.FindStringSubmatch(s); m != nil {
			v := version{Family: r.family, Major: "0", Minor: "0", Patch: "0"}
			for i, dst := range []*string{&v.Major, &v.Minor, &v.Patch} {
				if i+1 < len(m) && m[i+1] != "" {
					*dst = m[i+1]
				}
			}
			return v
		}
	}
	return other()
}

// uaCache remembers parsed User-Agent headers: a test suite sends the same
// few thousands of times. It is emptied when it grows past uaCacheSize.
var uaCache struct {
	sync.Mutex
	m map[string]userAgent
}

const uaCacheSize = 1024

// parseUserAgent derives the session's userAgent from the request header.
func parseUserAgent(h string) userAgent {
	uaCache.Lock()
	ua, ok := uaCache.m[h]
	uaCache.Unlock()
	if ok {
		return ua
	}
	ua = parseUserAgentUncached(h)
	uaCache.Lock()
	if uaCache.m == nil || len(uaCache.m) >= uaCacheSize {
		uaCache.m = map[string]userAgent{}
	}
	uaCache.m[h] = ua
	uaCache.Unlock()
	return ua
}

func parseUserAgentUncached(h string) userAgent {
	b := match(browserRules, h)
	d := match(deviceRules, h)
	d.Major, d.Minor, d.Patch = "0", "0", "0"
	return userAgent{Family: b.Family, Major: b.Major, Minor: b.Minor, Patch: b.Patch, Device: d, OS: match(osRules, h)}
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
