// Package useragent parses a User-Agent header as Altogic's server does:
// with the npm package useragent, version 2.3.0, whose
// useragent.parse(ua).toJSON() the server stores in a session. [Parse]
// returns that value. Encoded with encoding/json, an [Agent] has the
// fields, field order and values of
// JSON.stringify(useragent.parse(ua).toJSON()):
//
//	{"family":"Chrome","major":"120","minor":"0","patch":"0",
//	 "device":{"family":"Other","major":"0","minor":"0","patch":"0"},
//	 "os":{"family":"Windows","major":"10","minor":"0","patch":"0"}}
//
// and the same bytes, unless a value holds "<", ">", "&", U+2028 or
// U+2029, which encoding/json escapes (\u003c...) where JSON.stringify
// does not; the decoded values are still equal. Every value is a non-empty
// string, so a JSON round trip changes nothing.
//
// # What is mirrored
//
// The rules are the package's lib/regexps.js: three ordered tables
// (browser, device, operating system) generated from uap-core's
// regexes.yaml of December 2017, plus a few additions of useragent's own.
// regexes_gen.go holds them verbatim, written by gen/ from that file. In
// each table the first rule that matches wins, and its replacements are
// applied as index.js applies them, quirks included:
//
//   - A family replacement has its first "$1", and only that, replaced by
//     the first capture with String.prototype.replace: a "$2" stays as
//     written ("Samsung $2"), "$$", "$&", "$`" and "$'" in the captured text
//     are expanded as replacement patterns, and a capture that did not take
//     part is the string "undefined" ("ZTE undefined$2").
//   - A version replacement is taken literally, even "$1".
//   - A missing or empty value is "Other" for a family and "0" for a
//     version.
//   - An empty user agent, or one with 100 consecutive characters among
//     0-9 and a-z (index.js's isSafe), is parsed as the empty string:
//     browser, device and operating system "Other" 0.0.0.
//   - When no browser rule matches, the device and operating system are
//     still parsed from the user agent.
//
// parse's optional second argument, the user agent seen by the page's
// JavaScript (for Chrome Frame), is not mirrored: the server passes none.
//
// # Regular expressions
//
// All the expressions of the tables are within RE2's syntax, so the
// package uses Go's regexp: its time is linear in the length of the user
// agent (up to about a second for 64 KiB on the inputs of TestLongInput),
// where the JavaScript library backtracks, for seconds on a kilobyte of
// spaces. The expressions are translated from JavaScript's syntax (see
// translateJS) and compiled when Parse is first called, which takes some
// tens of milliseconds (BenchmarkCompile); a parse then takes a few tenths
// of a millisecond (BenchmarkParse), and the answers for the last user
// agents seen are cached. A literal that every match of a rule must
// contain lets most rules be skipped without running their expression
// (prefilter.go).
//
// For the same match, RE2 returns the captures a backtracking engine
// returns. The two differ where JavaScript resets the captures of a loop
// at each iteration or stops a loop on an empty iteration; the tests check
// that no expression of the tables has such a loop.
//
// JavaScript strings are UTF-16: a character outside the Basic
// Multilingual Plane is two code units, which the expressions can match
// apart. Parse matches the user agent as JavaScript does (see jsView); a
// capture holding half of such a pair, a lone surrogate in JavaScript, is
// U+FFFD here. A string that is not valid UTF-8 is read as encoding/json
// would send it to JavaScript, each invalid byte being U+FFFD.
//
// Node's HTTP server decodes a header as Latin-1, one character per byte,
// so the user agent Altogic's server parses is the header's bytes each
// taken as the rune of the same value: a UTF-8 "é" in the header is "Ã©"
// there. Parse takes the string it is given; a caller that wants the
// server's answer for a header holding non-ASCII bytes decodes it that way
// first.
package useragent

//go:generate go run ./gen -o regexes_gen.go

import (
	"regexp"
	"strings"
	"sync"
)

// Agent is useragent.parse(ua).toJSON(): the browser, its device and its
// operating system. Every field is non-empty: "Other" for an unknown
// family, "0" for an unknown version number.
type Agent struct {
	Family string `json:"family"`
	Major  string `json:"major"`
	Minor  string `json:"minor"`
	Patch  string `json:"patch"`
	Device Device `json:"device"`
	OS     OS     `json:"os"`
}

// Device is the device of an Agent (useragent's Device.toJSON()).
type Device struct {
	Family string `json:"family"`
	Major  string `json:"major"`
	Minor  string `json:"minor"`
	Patch  string `json:"patch"`
}

// OS is the operating system of an Agent (useragent's
// OperatingSystem.toJSON()).
type OS struct {
	Family string `json:"family"`
	Major  string `json:"major"`
	Minor  string `json:"minor"`
	Patch  string `json:"patch"`
}

// Parse returns useragent.parse(ua).toJSON() (useragent 2.3.0). It is safe
// for concurrent use. The first call compiles the rule tables, which takes
// some tens of milliseconds (see BenchmarkCompile).
func Parse(ua string) Agent {
	if a, ok := cache.get(ua); ok {
		return a
	}
	a := parse(ua)
	cache.put(ua, a)
	return a
}

// parse is Parse without the cache: index.js's parse, then the lazy os and
// device getters that toJSON calls.
func parse(ua string) Agent {
	t := compiled()
	if !isSafe(ua) {
		// return new Agent(): its source, which os and device parse, is "".
		ua = ""
	}
	view, rewritten := jsView(ua)
	var a Agent
	if ua != "" {
		a.Family, a.Major, a.Minor, a.Patch = match(t.browser, view, rewritten)
	} else {
		a.Family, a.Major, a.Minor, a.Patch = "Other", "0", "0", "0"
	}
	d := &a.Device
	d.Family, d.Major, d.Minor, d.Patch = match(t.device, view, rewritten)
	o := &a.OS
	o.Family, o.Major, o.Minor, o.Patch = match(t.os, view, rewritten)
	return a
}

// isSafe is index.js's test !userAgent || !isSafe(userAgent) negated:
// false when ua is empty or has 100 consecutive characters among 0-9 and
// a-z. The characters counted are ASCII, so counting bytes is counting
// UTF-16 code units.
func isSafe(ua string) bool {
	if ua == "" {
		return false
	}
	n := 0
	for i := 0; i < len(ua); i++ {
		if c := ua[i]; '0' <= c && c <= '9' || 'a' <= c && c <= 'z' {
			n++
			if n >= 100 {
				return false
			}
		} else {
			n = 0
		}
	}
	return true
}

// rule is one parser of regexps.js: a JavaScript regular expression and
// the replacements of the family and of the three version numbers ("" for
// none; regexps.js writes 0).
type rule struct {
	js                          string
	family, major, minor, patch string
}

// compiledRule is a rule with its expression compiled, and the literals
// one of which a string must contain to match it (nil: no such filter).
type compiledRule struct {
	re   *regexp.Regexp
	lits []string
	rule
}

type tables struct {
	browser, device, os []compiledRule
}

// compiled returns the compiled tables, compiling them on first use.
var compiled = sync.OnceValue(newTables)

func newTables() *tables {
	return &tables{
		browser: compile(browserRules),
		device:  compile(deviceRules),
		os:      compile(osRules),
	}
}

func compile(rules []rule) []compiledRule {
	out := make([]compiledRule, len(rules))
	for i, r := range rules {
		src, err := translateJS(r.js)
		if err != nil {
			panic("useragent: " + err.Error())
		}
		out[i] = compiledRule{regexp.MustCompile(src), requiredLiterals(src), r}
	}
	return out
}

// match applies the first rule of rules that matches s, as the loops of
// index.js do, and returns family, major, minor and patch with their
// defaults applied. When view is true, s is a view (see jsView) and the
// results are read back from it.
func match(rules []compiledRule, s string, view bool) (string, string, string, string) {
	for i := range rules {
		r := &rules[i]
		if r.lits != nil && !containsAny(s, r.lits) {
			continue
		}
		m := r.re.FindStringSubmatchIndex(s)
		if m == nil {
			continue
		}
		// res(n) is res[n]: the capture, or ok false when it is undefined.
		res := func(n int) (v string, ok bool) {
			if 2*n+1 < len(m) && m[2*n] >= 0 {
				return s[m[2*n]:m[2*n+1]], true
			}
			return "", false
		}
		// if (parser[1]) res[1] = parser[1].replace('$1', res[1]);
		// where an undefined res[1] is the string "undefined".
		family, ok := res(1)
		if r.family != "" {
			if !ok {
				family = "undefined"
			}
			family = replaceFirstDollarOne(r.family, family)
		}
		// parser[n] || res[n]
		version := func(repl string, n int) string {
			if repl != "" {
				return repl
			}
			v, _ := res(n)
			return v
		}
		// The constructors' defaults: family || 'Other', major || '0'...
		// The values are copied so as not to keep a long user agent in
		// memory.
		value := func(v, def string) string {
			if view {
				v = fromView(v)
			}
			if v == "" {
				return def
			}
			return strings.Clone(v)
		}
		return value(family, "Other"),
			value(version(r.major, 2), "0"),
			value(version(r.minor, 3), "0"),
			value(version(r.patch, 4), "0")
	}
	return "Other", "0", "0", "0"
}

// replaceFirstDollarOne is JavaScript's template.replace('$1', repl): the
// first occurrence of the two characters "$1" is replaced by repl read as a
// replacement pattern (GetSubstitution with no captures): "$$" is "$", "$&"
// the matched "$1", "$`" the text before it and "$'" the text after it;
// any other "$" is itself.
func replaceFirstDollarOne(template, repl string) string {
	at := strings.Index(template, "$1")
	if at < 0 {
		return template
	}
	before, after := template[:at], template[at+2:]
	var b strings.Builder
	b.WriteString(before)
	for {
		i := strings.IndexByte(repl, '$')
		if i < 0 || i+1 >= len(repl) {
			b.WriteString(repl)
			break
		}
		b.WriteString(repl[:i])
		switch repl[i+1] {
		case '$':
			b.WriteByte('$')
		case '&':
			b.WriteString("$1")
		case '`':
			b.WriteString(before)
		case '\'':
			b.WriteString(after)
		default:
			b.WriteString(repl[i : i+2])
		}
		repl = repl[i+2:]
	}
	b.WriteString(after)
	return b.String()
}

// cache remembers the agents of the last user agents parsed: a server sees
// the same few again and again.
var cache = agentCache{max: 512}

// agentCacheMaxKey is the length above which a user agent is not cached,
// which bounds the memory the cache holds to about
// 2 * max * agentCacheMaxKey bytes.
const agentCacheMaxKey = 1024

// agentCache is a two-generation cache: entries go to cur; when cur is
// full it becomes old and a new cur starts; a hit in old is copied to cur.
// Recently used entries survive, and it never holds more than 2*max.
type agentCache struct {
	mu       sync.Mutex
	max      int
	cur, old map[string]Agent
}

func (c *agentCache) get(ua string) (Agent, bool) {
	if len(ua) > agentCacheMaxKey {
		return Agent{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.cur[ua]; ok {
		return a, true
	}
	if a, ok := c.old[ua]; ok {
		c.putLocked(ua, a)
		return a, true
	}
	return Agent{}, false
}

func (c *agentCache) put(ua string, a Agent) {
	if len(ua) > agentCacheMaxKey {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(strings.Clone(ua), a)
}

func (c *agentCache) putLocked(ua string, a Agent) {
	if c.cur == nil || len(c.cur) >= c.max {
		c.old, c.cur = c.cur, make(map[string]Agent, c.max)
	}
	c.cur[ua] = a
}
