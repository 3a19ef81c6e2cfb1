package emulator

import (
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
)

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

// uaSource is a rule before compilation: a pattern whose three groups are
// major, minor and patch.
type uaSource struct{ pattern, family string }

// The browsers, in the order they must be tried: Edge and Opera also say
// Chrome, Chrome also says Safari.
var browserRules = []uaSource{
	{`Edg(?:e|A|iOS)?/(\d+)(?:\.(\d+))?(?:\.(\d+))?`, "Edge"},
	{`OPR/(\d+)(?:\.(\d+))?(?:\.(\d+))?`, "Opera"},
	{`HeadlessChrome/(\d+)(?:\.(\d+))?(?:\.(\d+))?`, "HeadlessChrome"},
	{`(?:Chrome|CriOS)/(\d+)(?:\.(\d+))?(?:\.(\d+))?`, "Chrome"},
	{`(?:Firefox|FxiOS)/(\d+)(?:\.(\d+))?(?:\.(\d+))?`, "Firefox"},
	{`Version/(\d+)(?:\.(\d+))?(?:\.(\d+))?.*Safari/`, "Safari"},
	{`Dart/(\d+)(?:\.(\d+))?(?:\.(\d+))?`, "Dart"},
	{`node-fetch(?:/(\d+))?(?:\.(\d+))?(?:\.(\d+))?`, "node-fetch"},
	{`^node(?:/(\d+))?(?:\.(\d+))?(?:\.(\d+))?`, "Node"},
	{`curl/(\d+)(?:\.(\d+))?(?:\.(\d+))?`, "curl"},
	{`Go-http-client/(\d+)(?:\.(\d+))?()`, "Go-http-client"},
}

var osRules = []uaSource{
	{`Windows NT (\d+)(?:\.(\d+))?()`, "Windows"},
	{`(?:iPhone|CPU) OS (\d+)(?:_(\d+))?(?:_(\d+))?`, "iOS"},
	{`Mac OS X (\d+)(?:[_.](\d+))?(?:[_.](\d+))?`, "Mac OS X"},
	{`Android (\d+)(?:\.(\d+))?(?:\.(\d+))?`, "Android"},
	{`CrOS \S+ (\d+)(?:\.(\d+))?(?:\.(\d+))?`, "Chrome OS"},
	{`Ubuntu()()()`, "Ubuntu"},
	{`Linux()()()`, "Linux"},
}

var deviceRules = []uaSource{
	{`iPhone()()()`, "iPhone"},
	{`iPad()()()`, "iPad"},
	{`Macintosh()()()`, "Mac"},
}

// uaRules compiles the rules on first use, keeping start-up short.
var uaRules = sync.OnceValue(func() [3][]uaRule {
	return [3][]uaRule{compileRules(browserRules), compileRules(deviceRules), compileRules(osRules)}
})

func compileRules(src []uaSource) []uaRule {
	out := make([]uaRule, len(src))
	for i, s := range src {
		out[i] = uaRule{re: regexp.MustCompile(s.pattern), family: s.family}
	}
	return out
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

// uaCache remembers parsed User-Agent headers, since a test suite sends the
// same few thousands of times; reads take no lock. It starts afresh once it
// holds uaCacheSize entries.
var uaCache struct {
	m    sync.Map // header -> userAgent
	size atomic.Int64
}

const uaCacheSize = 1024

// maxUserAgent bounds the part of a User-Agent header that is parsed and
// cached: real ones are a few hundred bytes, and a 60 KB one must not be
// kept (by the cache, or by the session through substrings of it).
const maxUserAgent = 512

// parseUserAgent derives the session's userAgent from the request header.
func parseUserAgent(h string) userAgent {
	h = h[:min(len(h), maxUserAgent)]
	if ua, ok := uaCache.m.Load(h); ok {
		return ua.(userAgent)
	}
	h = strings.Clone(h)
	ua := parseUserAgentUncached(h)
	if uaCache.size.Add(1) > uaCacheSize {
		uaCache.m.Clear()
		uaCache.size.Store(1)
	}
	uaCache.m.Store(h, ua)
	return ua
}

func parseUserAgentUncached(h string) userAgent {
	rules := uaRules()
	b := match(rules[0], h)
	d := match(rules[1], h)
	d.Major, d.Minor, d.Patch = "0", "0", "0"
	o := match(rules[2], h)
	// Copies, small and of their own: a version is a substring of h.
	c := strings.Clone
	return userAgent{Family: b.Family, Major: c(b.Major), Minor: c(b.Minor), Patch: c(b.Patch), Device: d,
		OS: version{Family: o.Family, Major: c(o.Major), Minor: c(o.Minor), Patch: c(o.Patch)}}
}
