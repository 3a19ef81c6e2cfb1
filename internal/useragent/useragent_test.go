package useragent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// corpusLine is a line of testdata/corpus.jsonl: a user agent and the JSON
// text of JSON.stringify(useragent.parse(ua).toJSON()), recorded from
// useragent 2.3.0.
//
// The corpus holds user agents of current and old browsers, bots, HTTP
// libraries and command-line tools, edge cases of the library (empty,
// isSafe's limit, "$" in a capture, a capture that did not take part,
// surrogate pairs, JavaScript's \s and "."), long user agents, and about a
// thousand user agents of uap-core's test files chosen so that every rule
// they reach is reached once. To add a case, append a line holding the
// user agent as a JSON string; to record the answers again:
//
//	npm install --prefix DIR useragent@2.3.0
//	USERAGENTJS_DIR=DIR node testdata/oracle.js < testdata/corpus.jsonl > corpus.new
//	mv corpus.new testdata/corpus.jsonl
type corpusLine struct {
	UA   string          `json:"ua"`
	Want json.RawMessage `json:"want"`
}

func readCorpus(t testing.TB) []corpusLine {
	t.Helper()
	f, err := os.Open("testdata/corpus.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []corpusLine
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var l corpusLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.Want == nil {
			t.Fatalf("corpus.jsonl:%d: %v (not recorded yet? see corpusLine)", n, err)
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) < 1000 {
		t.Fatalf("corpus.jsonl has %d lines", len(lines))
	}
	return lines
}

// jsonLikeJS encodes a as JSON.stringify does, which differs from
// encoding/json in escaping: JSON.stringify leaves "<", ">", "&", U+2028
// and U+2029 as they are.
func jsonLikeJS(t testing.TB, a Agent) []byte {
	t.Helper()
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+5 < len(b) && b[i+1] == 'u' {
			switch string(b[i+2 : i+6]) {
			case "003c", "003e", "0026", "2028", "2029":
				var r rune
				fmt.Sscanf(string(b[i+2:i+6]), "%04x", &r)
				out = utf8.AppendRune(out, r)
				i += 5
				continue
			}
		}
		if b[i] == '\\' { // copy an escape whole, so that "\\u003c" stays
			out = append(out, b[i])
			i++
		}
		out = append(out, b[i])
	}
	return out
}

// hasLoneSurrogate reports whether JSON text holds a \udXXX escape, which
// JSON.stringify writes for a lone surrogate and Go cannot hold.
var hasLoneSurrogate = regexp.MustCompile(`\\ud[89a-f][0-9a-f]{2}`).Match

// TestCorpus compares Parse with the answers recorded from the JavaScript
// library: equal values, and the same bytes as JSON.stringify once
// encoding/json's extra escapes are undone.
func TestCorpus(t *testing.T) {
	for n, l := range readCorpus(t) {
		got := Parse(l.UA)
		var want Agent
		if err := json.Unmarshal(l.Want, &want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("corpus.jsonl:%d: Parse(%.300q)\n got %+v\nwant %+v", n+1, l.UA, got, want)
			continue
		}
		if hasLoneSurrogate(l.Want) {
			continue // compared by value: the half is U+FFFD on both sides
		}
		if b := jsonLikeJS(t, got); !bytes.Equal(b, l.Want) {
			t.Errorf("corpus.jsonl:%d: Parse(%.300q) encodes as\n%s\nJSON.stringify:\n%s", n+1, l.UA, b, l.Want)
		}
	}
}

// TestJSONShape checks the field names and order of the encoding.
func TestJSONShape(t *testing.T) {
	b, err := json.Marshal(Parse("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"))
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"family":"Chrome","major":"120","minor":"0","patch":"0","device":{"family":"Other","major":"0","minor":"0","patch":"0"},"os":{"family":"Windows","major":"10","minor":"0","patch":"0"}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

// TestInvalidUTF8 checks that a string that is not UTF-8 is read as
// encoding/json would send it to JavaScript: each invalid byte is U+FFFD.
func TestInvalidUTF8(t *testing.T) {
	for _, ua := range []string{
		"x\xff-iPhone/1.2 CFNetwork",
		"x-iPad/1.2\xf0\x9f3 CFNetwork",
		"Mozilla/5.0 (Linux; Android 13; A\xc3 Build/TP1A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
	} {
		var fixed strings.Builder
		for _, r := range ua {
			fixed.WriteRune(r)
		}
		got, want := Parse(ua), Parse(fixed.String())
		if got != want {
			t.Errorf("Parse(%q) = %+v, want %+v", ua, got, want)
		}
		for _, f := range []string{got.Family, got.Major, got.Minor, got.Patch, got.Device.Family, got.Device.Major, got.OS.Family} {
			if !utf8.ValidString(f) {
				t.Errorf("Parse(%q) = %+v: not UTF-8", ua, got)
			}
		}
	}
}

func TestIsSafe(t *testing.T) {
	for ua, want := range map[string]bool{
		"":                                     false,
		"a":                                    true,
		strings.Repeat("a", 99):                true,
		strings.Repeat("a", 100):               false,
		strings.Repeat("0123456789", 10):       false,
		strings.Repeat("a", 99) + "-" + "abc":  true,
		strings.Repeat("A", 500):               true,
		strings.Repeat("é", 500):               true,
		"x " + strings.Repeat("z9", 50) + " y": false,
	} {
		if got := isSafe(ua); got != want {
			t.Errorf("isSafe(%.20q... len %d) = %v", ua, len(ua), got)
		}
	}
}

// The expected values are what Node 20 prints for
// template.replace('$1', repl).
func TestReplaceFirstDollarOne(t *testing.T) {
	for _, c := range []struct{ template, repl, want string }{
		{"Samsung $1", "SM-X", "Samsung SM-X"},
		{"$1", "", ""},
		{"$1 $2", "a", "a $2"},
		{"$2 $1", "a", "$2 a"},
		{"$1$1", "a", "a$1"},
		{"NetCast$2", "a", "NetCast$2"},
		{"Kindle", "a", "Kindle"},
		{"ZTE $1$2", "undefined", "ZTE undefined$2"},
		{"Samsung $1 X", "a$$b$&c$`d$'e$1f$<g$0h$01i$$$", "Samsung a$b$1cSamsung d Xe$1f$<g$0h$01i$$ X"},
		{"HTC $1", "$", "HTC $"},
		{"HTC $1", "$$", "HTC $"},
		{"HTC $1", "x$", "HTC x$"},
	} {
		if got := replaceFirstDollarOne(c.template, c.repl); got != c.want {
			t.Errorf("%q.replace('$1', %q) = %q, want %q", c.template, c.repl, got, c.want)
		}
	}
}

// TestRules checks every rule of the tables: its expression translates and
// compiles, and it has none of the constructs where RE2 and JavaScript
// could give different captures for the same match: a loop whose body can
// match the empty string (JavaScript stops such an iteration), or a capture
// inside a loop other than the loop's whole body (JavaScript resets such a
// capture at each iteration, RE2 keeps the last value it had).
func TestRules(t *testing.T) {
	n := 0
	for name, rules := range map[string][]rule{"browser": browserRules, "device": deviceRules, "os": osRules} {
		for i, r := range rules {
			n++
			src, err := translateJS(r.js)
			if err != nil {
				t.Errorf("%s[%d]: %v", name, i, err)
				continue
			}
			if _, err := regexp.Compile(src); err != nil {
				t.Errorf("%s[%d]: %v", name, i, err)
				continue
			}
			re, err := syntax.Parse(src, syntax.Perl)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range loopHazards(re) {
				t.Errorf("%s[%d] %q: %s", name, i, r.js, h)
			}
		}
	}
	if n != 260+590+138 {
		t.Errorf("%d rules, want 988 (260 browser, 590 device, 138 os)", n)
	}
}

// loopHazards lists the loops of re whose body can match "" or holds a
// capture that is not the whole body.
func loopHazards(re *syntax.Regexp) []string {
	var out []string
	switch re.Op {
	case syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
		if re.Op == syntax.OpRepeat && re.Max == 1 {
			break
		}
		body := re.Sub[0]
		if matchesEmpty(body) {
			out = append(out, "loop body matches the empty string: "+re.String())
		}
		if body.Op == syntax.OpCapture {
			body = body.Sub[0]
		}
		if hasCapture(body) {
			out = append(out, "capture inside a loop: "+re.String())
		}
	}
	for _, s := range re.Sub {
		out = append(out, loopHazards(s)...)
	}
	return out
}

func hasCapture(re *syntax.Regexp) bool {
	if re.Op == syntax.OpCapture {
		return true
	}
	for _, s := range re.Sub {
		if hasCapture(s) {
			return true
		}
	}
	return false
}

// matchesEmpty reports whether re can match "" (assertions count as
// matching it).
func matchesEmpty(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpStar, syntax.OpQuest, syntax.OpBeginLine, syntax.OpEndLine,
		syntax.OpBeginText, syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	case syntax.OpRepeat:
		return re.Min == 0 || matchesEmpty(re.Sub[0])
	case syntax.OpPlus, syntax.OpCapture:
		return matchesEmpty(re.Sub[0])
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if !matchesEmpty(s) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		for _, s := range re.Sub {
			if matchesEmpty(s) {
				return true
			}
		}
	}
	return false
}

func TestTranslateJS(t *testing.T) {
	for _, c := range []struct{ js, want string }{
		{`(Chrome)/(\d+)\.(\d+)`, `(Chrome)/(\d+)\.(\d+)`},
		{`Gecko\/[^\/]+ Firefox\/`, `Gecko\/[^\/]+ Firefox\/`},
		{`a.b`, `a` + jsDot + `b`},
		{`[.]`, `[.]`},
		{`Apple\s?TV`, `Apple[` + jsSpace + `]?TV`},
		{`[;\s\(]+`, `[;` + jsSpace + `\(]+`},
		{`\S+`, `[^` + jsSpace + `]+`},
		{`[\-_a]`, `[\-_a]`},
		{`[[a]`, `[\[a]`},
		{`[\b]`, `[\x08]`},
		{`\u00e9\x41\0`, `\x{00e9}\x{41}\x00`},
		{`\e\_`, `e\_`},
		{`(?:a)(?<n>b)`, `(?:a)(?<n>b)`},
		{`^a$`, `^a$`},
	} {
		got, err := translateJS(c.js)
		if err != nil || got != c.want {
			t.Errorf("translateJS(%q) = %q, %v; want %q", c.js, got, err, c.want)
		}
	}
	for _, js := range []string{`a(?=b)`, `a(?!b)`, `(?<=a)b`, `(?<!a)b`, `(a)\1`, `[^]`, `[]`, `[\S]`, `\cA`, `\k<a>`, `a\`, `[a`, `\u12`} {
		if got, err := translateJS(js); err == nil {
			t.Errorf("translateJS(%q) = %q, want an error", js, got)
		}
	}
	// The meaning of the translated classes, against what Node 20 answers.
	for _, c := range []struct {
		js, s string
		want  bool
	}{
		{`^.$`, "\r", false}, {`^.$`, "\u2028", false}, {`^.$`, "\u2029", false},
		{`^.$`, "\n", false}, {`^.$`, "\u0085", true}, {`^.$`, "\x00", true},
		{`^\s$`, "\v", true}, {`^\s$`, "\u00a0", true}, {`^\s$`, "\ufeff", true},
		{`^\s$`, "\u3000", true}, {`^\s$`, "\u0085", false}, {`^\s$`, "\u180e", false},
		{`^\S$`, "\u00a0", false}, {`^\S$`, "x", true},
		{`^\w$`, "é", false}, {`^\d$`, "٣", false},
		{`a\b`, "aé", true}, {`^[^;]$`, "\n", true},
	} {
		src, err := translateJS(c.js)
		if err != nil {
			t.Fatal(err)
		}
		if got := regexp.MustCompile(src).MatchString(c.s); got != c.want {
			t.Errorf("/%s/.test(%q) = %v, want %v", c.js, c.s, got, c.want)
		}
	}
}

// TestViewRunesActLikeSurrogates checks what jsView relies on: in every
// expression of the tables, the rune standing for a surrogate in a view is
// matched wherever the surrogate itself would be.
func TestViewRunesActLikeSurrogates(t *testing.T) {
	var check func(where string, re *syntax.Regexp)
	check = func(where string, re *syntax.Regexp) {
		switch re.Op {
		case syntax.OpCharClass:
			// The class must hold all of U+D800..U+DFFF and of the view
			// runes, or none of either.
			in := func(r rune) bool {
				for i := 0; i < len(re.Rune); i += 2 {
					if re.Rune[i] <= r && r <= re.Rune[i+1] {
						return true
					}
				}
				return false
			}
			uniform := func(lo, hi rune) bool {
				for i := 0; i < len(re.Rune); i += 2 {
					if a, b := re.Rune[i], re.Rune[i+1]; lo < a && a <= hi || lo <= b && b < hi {
						return false
					}
				}
				return true
			}
			if !uniform(0xD800, 0xDFFF) || !uniform(viewBase, viewBase+0x7FF) || in(0xD800) != in(viewBase) {
				t.Errorf("%s: class %s tells surrogates and view runes apart", where, re)
			}
		case syntax.OpLiteral:
			for _, r := range re.Rune {
				if r >= 0x80 {
					t.Errorf("%s: non-ASCII literal %s", where, re)
				}
			}
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			// Both match either; translateJS writes classes anyway.
		}
		for _, s := range re.Sub {
			check(where, s)
		}
	}
	for name, rules := range map[string][]rule{"browser": browserRules, "device": deviceRules, "os": osRules} {
		for i, r := range rules {
			src, err := translateJS(r.js)
			if err != nil {
				t.Fatal(err)
			}
			re, err := syntax.Parse(src, syntax.Perl)
			if err != nil {
				t.Fatal(err)
			}
			check(fmt.Sprintf("%s[%d]", name, i), re)
		}
	}
}

func TestJSView(t *testing.T) {
	for _, s := range []string{"", "abc", "é日本", "\uffff"} {
		if v, ok := jsView(s); ok || v != s {
			t.Errorf("jsView(%q) = %q, %v", s, v, ok)
		}
	}
	v, ok := jsView("a😀b\xff")
	if !ok || utf8.RuneCountInString(v) != 5 {
		t.Errorf("jsView: %q, %v", v, ok)
	}
	if got := fromView(v); got != "a😀b\ufffd" {
		t.Errorf("fromView(jsView(...)) = %q", got)
	}
	rs := []rune(v)
	if got := fromView(string(rs[:2])); got != "a\ufffd" {
		t.Errorf("fromView(half) = %q", got)
	}
	if got := fromView(string(rs[2:])); got != "\ufffdb\ufffd" {
		t.Errorf("fromView(other half) = %q", got)
	}
}

// TestRequiredLiterals checks that the filter never skips a rule that
// matches: for every user agent of the corpus and every rule, a match
// implies that the user agent holds one of the rule's literals.
func TestRequiredLiterals(t *testing.T) {
	tb := compiled()
	filtered := 0
	for _, rules := range [][]compiledRule{tb.browser, tb.device, tb.os} {
		for _, r := range rules {
			if r.lits != nil {
				filtered++
			}
		}
	}
	if filtered < 900 {
		t.Errorf("only %d of 988 rules have a literal filter", filtered)
	}
	lines := readCorpus(t)
	stride := 1
	if raceEnabled {
		stride = 10
	}
	for i := 0; i < len(lines); i += stride {
		l := lines[i]
		ua, _ := jsView(l.UA)
		for _, rules := range [][]compiledRule{tb.browser, tb.device, tb.os} {
			for _, r := range rules {
				if r.lits != nil && !containsAny(ua, r.lits) && r.re.MatchString(ua) {
					t.Errorf("%q matches %q but holds none of %q", l.UA, r.js, r.lits)
				}
			}
		}
	}
	for _, c := range []struct {
		re   string
		want []string
	}{
		{`(Chrome)/(\d+)`, []string{"Chrome/"}},
		{`(Chimera|SeaMonkey)/(\d+)`, []string{"Chimera/", "SeaMonkey/"}},
		{`(HTC)[ _]?(\d+)`, []string{"HTC"}},
		{`[Cc]rawl`, []string{"Crawl", "crawl"}},
		{`(a|b*)c`, []string{"c"}},
		{`x*`, nil},
		{`^Roku`, nil}, // anchored: not filtered
		{`(?:ab)+c`, []string{"ab"}},
		{`(?:[Ss]|x)pider`, []string{"Spider", "spider", "xpider"}},
		{`(?:[Cc]|x)rawl`, []string{"Crawl", "crawl", "xrawl"}},
		{`(Kindle)[ _]?(Fire)?`, []string{"Kindle"}},
	} {
		got := requiredLiterals(c.re)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("requiredLiterals(%q) = %q, want %q", c.re, got, c.want)
		}
	}
}

// TestConcurrent parses the corpus from several goroutines at once (run
// with -race), through the cache.
func TestConcurrent(t *testing.T) {
	lines := readCorpus(t)
	if len(lines) > 100 {
		lines = lines[:100]
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range lines {
				l := lines[(i+g*37)%len(lines)]
				var want Agent
				json.Unmarshal(l.Want, &want)
				if got := Parse(l.UA); got != want {
					t.Errorf("Parse(%.100q) = %+v, want %+v", l.UA, got, want)
				}
			}
		}()
	}
	wg.Wait()
}

func TestCache(t *testing.T) {
	c := agentCache{max: 4}
	for i := 0; i < 20; i++ {
		ua := fmt.Sprint("ua", i)
		c.put(ua, Agent{Family: ua})
		if len(c.cur)+len(c.old) > 2*c.max {
			t.Fatalf("cache holds %d entries", len(c.cur)+len(c.old))
		}
		if a, ok := c.get(ua); !ok || a.Family != ua {
			t.Fatalf("get(%q) = %v, %v", ua, a, ok)
		}
	}
	// A recent entry is kept while others come in when it is used.
	c.put("hot", Agent{Family: "hot"})
	for i := 0; i < 20; i++ {
		c.put(fmt.Sprint("x", i), Agent{})
		if _, ok := c.get("hot"); !ok {
			t.Fatalf("hot entry evicted after %d puts", i)
		}
	}
	long := strings.Repeat("x", agentCacheMaxKey+1)
	c.put(long, Agent{})
	if _, ok := c.get(long); ok {
		t.Error("a user agent longer than agentCacheMaxKey was cached")
	}
}

// TestLongInput checks that Parse stays linear in the length of the user
// agent, up to 64 KiB, on inputs that make the JavaScript library
// backtrack for minutes (a run of spaces) or run many of the rules
// (" Build/", " Bot").
func TestLongInput(t *testing.T) {
	if raceEnabled {
		t.Skip("timings mean little under the race detector")
	}
	compiled()
	const size = 4 << 10
	for _, unit := range []string{" ", "; A Build/", "Bot Spider crawl bot/", "Mozilla/5.0 (Linux; Android 13; SM-S908B) AppleWebKit/537.36 "} {
		timeOf := func(n int) time.Duration {
			s := strings.Repeat(unit, n/len(unit)+1)[:n]
			best := time.Duration(1 << 62)
			for i := 0; i < 3; i++ {
				t0 := time.Now()
				parse(s)
				best = min(best, time.Since(t0))
			}
			return best
		}
		small, large := timeOf(size), timeOf(16*size)
		t.Logf("%q: %d bytes %v, %d bytes %v", unit, size, small, 16*size, large)
		// 16 times the input: linear is 16 times the time, quadratic
		// 256 times. Allow for noise with 64, and a minute in all.
		if large > 64*small+50*time.Millisecond || large > time.Minute {
			t.Errorf("%q: %d bytes %v, %d bytes %v: not linear", unit, size, small, 16*size, large)
		}
	}
}

var benchUAs = []struct{ name, ua string }{
	{"ChromeWindows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"},
	{"SafariIPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"},
	{"ChromeAndroid", "Mozilla/5.0 (Linux; Android 13; SM-S908B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/112.0.0.0 Mobile Safari/537.36"},
	{"FirefoxLinux", "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"},
	{"NodeFetch", "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)"},
}

// BenchmarkParse measures a parse that misses the cache.
func BenchmarkParse(b *testing.B) {
	compiled()
	for _, c := range benchUAs {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				parse(c.ua)
			}
		})
	}
}

// BenchmarkParseCached measures Parse of a user agent seen before.
func BenchmarkParseCached(b *testing.B) {
	ua := benchUAs[0].ua
	Parse(ua)
	for b.Loop() {
		Parse(ua)
	}
}

// BenchmarkCompile measures the first use: translating and compiling the
// 988 expressions of the tables.
func BenchmarkCompile(b *testing.B) {
	for b.Loop() {
		newTables()
	}
}
