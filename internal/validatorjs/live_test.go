package validatorjs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp/syntax"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/altogic-emulator/altogic-emulator/internal/e2egate"
)

// TestAgainstValidatorJS compares this package with validator.js itself on
// random inputs, through testdata/oracle.cjs run by Node.js. It runs when
// ALTOGIC_EMULATOR_E2E=1, and then fails if node or validator 13.11.0
// cannot be found. Environment:
//
//	VALIDATORJS_DIR   directory whose node_modules holds validator
//	                  (default ../../e2e, the repository's e2e project)
//	VALIDATORJS_N     number of e-mail and phone inputs (default 40000)
//	VALIDATORJS_SEED  seed of the generator (default: the clock; logged)
func TestAgainstValidatorJS(t *testing.T) {
	node, dir := e2egate.NodePackage(t, "VALIDATORJS_DIR", filepath.Join("..", ".."), "validator", "13.11.0")
	var err error
	n := 40000
	if v := os.Getenv("VALIDATORJS_N"); v != "" {
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			t.Fatalf("VALIDATORJS_N=%q: want a positive number", v)
		}
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("VALIDATORJS_SEED"); v != "" {
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("VALIDATORJS_SEED=%q: %v", v, err)
		}
	}
	t.Logf("VALIDATORJS_SEED=%d VALIDATORJS_N=%d VALIDATORJS_DIR=%s", seed, n, dir)

	qs := generateQuestions(rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), n)
	answers := askOracle(t, node, dir, qs)

	checkMeta(t, answers[0])
	mismatches := 0
	counts := map[string]int{}
	accepted := map[string]int{}
	for i, q := range qs[1:] {
		a := answers[i+1]
		counts[q.kind]++
		if a.Error != "" {
			t.Errorf("%s %q: validator.js threw %s", q.kind, q.input, a.Error)
			mismatches++
			continue
		}
		var got, want string
		switch q.kind {
		case "email", "phone", "phone_locale":
			var ok bool
			switch q.kind {
			case "email":
				ok = IsEmail(q.input)
			case "phone":
				ok = IsMobilePhone(q.input)
			default:
				ok = isMobilePhoneLocale(q.input, q.locale)
			}
			if a.Valid == nil {
				t.Fatalf("%s %q: no answer from the oracle", q.kind, q.input)
			}
			if *a.Valid {
				accepted[q.kind]++
			}
			got, want = strconv.FormatBool(ok), strconv.FormatBool(*a.Valid)
		default:
			switch q.kind {
			case "normalize":
				got = NormalizeEmail(q.input)
			case "lower":
				got = LowerCase(q.input)
			case "trim":
				got = Trim(q.input)
			case "length":
				got = strconv.Itoa(Length(q.input))
			}
			if want, err = jsOutput(a.Output); err != nil {
				t.Fatalf("%s %q: output %s: %v", q.kind, q.input, a.Output, err)
			}
			got, want = strconv.Quote(got), strconv.Quote(want)
		}
		if got != want {
			mismatches++
			if mismatches <= 50 {
				t.Errorf("%s %q (locale %q): got %s, validator.js says %s", q.kind, q.input, q.locale, got, want)
			}
		}
	}
	t.Logf("compared %v (accepted by validator.js: %v); %d mismatches", counts, accepted, mismatches)
	if mismatches > 0 {
		t.Errorf("%d mismatches; rerun with VALIDATORJS_SEED=%d", mismatches, seed)
	}
}

// question is one line for testdata/oracle.cjs.
type question struct{ kind, input, locale string }

// answer is one line from testdata/oracle.cjs.
type answer struct {
	Valid   *bool             `json:"valid"`
	Output  json.RawMessage   `json:"output"`
	Error   string            `json:"error"`
	Version string            `json:"version"`
	Phones  map[string]string `json:"phones"`
}

func askOracle(t *testing.T, node, dir string, qs []question) []answer {
	t.Helper()
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, q := range qs {
		line := []string{q.kind, q.input}
		if q.locale != "" {
			line = append(line, q.locale)
		}
		if err := enc.Encode(line); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(node, filepath.Join("testdata", "oracle.cjs"), dir)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("oracle: %v\n%s", err, stderr.Bytes())
	}
	answers := make([]answer, 0, len(qs))
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var a answer
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("oracle answer %d: %v: %s", len(answers), err, sc.Bytes())
		}
		answers = append(answers, a)
	}
	if len(answers) != len(qs) {
		t.Fatalf("oracle gave %d answers to %d questions\n%s", len(answers), len(qs), stderr.Bytes())
	}
	return answers
}

// checkMeta compares the library's version and phones table with ours.
func checkMeta(t *testing.T, a answer) {
	t.Helper()
	if a.Version != "13.11.0" {
		t.Fatalf("validator.js %q found, want 13.11.0", a.Version)
	}
	ours := map[string]string{}
	for _, p := range phoneTable {
		ours[p.locale] = p.js
	}
	for _, p := range phoneTable {
		if p.alias != "" {
			ours[p.locale] = ours[p.alias]
		}
	}
	for locale, src := range a.Phones {
		if ours[locale] != src {
			t.Errorf("phones[%s]: ours %q, validator.js %q", locale, ours[locale], src)
		}
	}
	if len(ours) != len(a.Phones) {
		t.Errorf("%d locales, validator.js has %d", len(ours), len(a.Phones))
	}
}

// generateQuestions returns the meta question then n e-mail and phone
// questions, with normalize, lower and trim questions on a share of them.
func generateQuestions(r *rand.Rand, n int) []question {
	g := newGenerator(r)
	qs := []question{{kind: "meta"}}
	for i := 0; i < n; i++ {
		switch x := r.IntN(20); {
		case x < 10:
			s := g.email()
			qs = append(qs, question{kind: "email", input: s})
			if r.IntN(3) == 0 {
				qs = append(qs, question{kind: "normalize", input: g.caseMix(s)})
			}
			if r.IntN(8) == 0 {
				qs = append(qs, question{kind: "lower", input: g.caseMix(s)})
			}
		case x < 16:
			qs = append(qs, question{kind: "phone", input: g.phone()})
			if r.IntN(10) == 0 {
				qs = append(qs, question{kind: "trim", input: g.mutate(" "+g.phone()+" ", 2)})
			}
			if r.IntN(4) == 0 {
				qs = append(qs, question{kind: "length", input: g.password()})
			}
		default:
			locale := g.locale()
			s := g.phoneOf(locale)
			if r.IntN(2) == 0 {
				locale = g.locale()
			}
			qs = append(qs, question{kind: "phone_locale", input: s, locale: locale})
		}
	}
	return qs
}

// generator makes inputs near the edges of the rules.
type generator struct {
	r       *rand.Rand
	phones  map[string]*syntax.Regexp // parsed patterns, by locale (aliases left out)
	aliases map[string]string         // the locale each alias shares the pattern of
	locales []string                  // the locales with a pattern of their own, then the aliases
	clean   bool                      // whether run draws from its common characters only
}

func newGenerator(r *rand.Rand) *generator {
	g := &generator{r: r, phones: map[string]*syntax.Regexp{}, aliases: map[string]string{}}
	for _, p := range phoneTable {
		if p.alias != "" {
			continue
		}
		re, err := syntax.Parse(p.re2, syntax.Perl)
		if err != nil {
			panic(err)
		}
		g.phones[p.locale] = re
		g.locales = append(g.locales, p.locale)
	}
	for _, p := range phoneTable {
		if p.alias != "" {
			g.aliases[p.locale] = p.alias
			g.locales = append(g.locales, p.locale)
		}
	}
	return g
}

// edgeRunes are the characters the rules single out and the neighbours of
// the boundaries of their ranges.
var edgeRunes = []rune(
	"abcxyzABCXYZ0189!#$%&'*+-/=?^_`{|}~.@\"\\()<>,;:[] " +
		"\x00\x01\x07\t\n\v\f\r\x1b\x1f\x7f\u0080\u0085\u009f\u00a0\u00a1\u00a8\u00a9\u00aa" +
		"éßİΣςKſ\u1680\u2000\u200a\u200b\u2028\u2029\u202e\u202f\u205f\u3000я中" +
		"\ud7ff\ue000\uf8ff\uf900\ufdcf\ufdd0\ufdef\ufdf0\ufeff\uff01＠．ａ\uff5e\uff5f\uffef\ufff0\ufffd\uffff" +
		"😀𝒜\U00010000\U0010ffff")

// anyRune returns a random code point that UTF-8 can hold (no surrogate).
func (g *generator) anyRune() rune {
	for {
		var c rune
		switch g.r.IntN(4) {
		case 0:
			c = rune(g.r.IntN(0x80))
		case 1:
			c = rune(g.r.IntN(0x800))
		case 2:
			c = rune(g.r.IntN(0x10000))
		default:
			c = rune(g.r.IntN(0x110000))
		}
		if utf8.ValidRune(c) {
			return c
		}
	}
}

func (g *generator) edgeRune() rune {
	if g.r.IntN(4) == 0 {
		return g.anyRune()
	}
	return edgeRunes[g.r.IntN(len(edgeRunes))]
}

// mutate inserts, deletes, replaces or duplicates up to k times.
func (g *generator) mutate(s string, k int) string {
	rs := []rune(s)
	for range 1 + g.r.IntN(k) {
		i := g.r.IntN(len(rs) + 1)
		switch g.r.IntN(4) {
		case 0:
			rs = append(rs[:i], append([]rune{g.edgeRune()}, rs[i:]...)...)
		case 1:
			if i < len(rs) {
				rs = append(rs[:i], rs[i+1:]...)
			}
		case 2:
			if i < len(rs) {
				rs[i] = g.edgeRune()
			}
		default:
			j := g.r.IntN(len(rs) + 1)
			if j < i {
				i, j = j, i
			}
			dup := append([]rune(nil), rs[i:j]...)
			rs = append(rs[:j], append(dup, rs[j:]...)...)
		}
	}
	return string(rs)
}

func (g *generator) pick(choices ...string) string { return choices[g.r.IntN(len(choices))] }

// run returns n characters, mostly from common, sometimes (unless g.clean)
// edge ones.
func (g *generator) run(n int, common string) string {
	cs := []rune(common)
	var b strings.Builder
	for range n {
		if !g.clean && g.r.IntN(12) == 0 {
			b.WriteRune(g.edgeRune())
		} else {
			b.WriteRune(cs[g.r.IntN(len(cs))])
		}
	}
	return b.String()
}

// length returns a length, often near one of the limits.
func (g *generator) length(limits ...int) int {
	if g.r.IntN(3) == 0 {
		l := limits[g.r.IntN(len(limits))] + g.r.IntN(5) - 2
		return max(l, 0)
	}
	return 1 + g.r.IntN(10)
}

const (
	atomChars  = "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789_+-!#$%&'*/=?^`{|}~éя中"
	labelChars = "abcdefghijklmnopqrstuvwxyz0123456789éüя中例😀"
)

// email returns an input for IsEmail. Half of them are built to follow
// the rules, so that many pass and valid addresses reach the length limits;
// the others hold edge characters and mutations.
func (g *generator) email() string {
	g.clean = g.r.IntN(2) == 0
	defer func() { g.clean = false }()
	var local string
	switch x := g.r.IntN(8); {
	case x == 0:
		local = `"` + g.run(g.length(62, 63, 64), atomChars+` "\@<>,;:()[]`+"\t\x07") + `"`
	case x == 1 && !g.clean:
		local = g.pick(`"`, `""`, `"\"`, `"a\"`, `"\\"`)
	default:
		local = g.dotted(g.length(1, 32, 63, 64, 65), atomChars, '.')
	}
	labels := make([]string, 1+g.r.IntN(3))
	for i := range labels {
		labels[i] = g.dotted(g.length(1, 2, 62, 63, 64), labelChars, '-')
	}
	tld := g.pick("com", "co", "c", "io", "рф", "中国", "xn--p1ai", "XN--P1AI", "xn--", "xn-1", "c1", "123",
		"museum", "com.", "ｃｏｍ", "c\u00a9", "c\u00a8", "c😀", "c\u2000", "")
	switch {
	case g.clean && g.r.IntN(4) != 0:
		tld = g.pick("com", "io", "рф", "中国", "xn--p1ai", "Museum")
	case g.r.IntN(4) == 0:
		tld = g.run(g.length(1, 2, 63, 64), "abcxyzαβé-09")
	}
	domain := strings.Join(append(labels, tld), ".")
	if g.r.IntN(6) == 0 {
		// Pad the domain towards the 254-byte and 254-unit limits.
		for len(domain) < 240+g.r.IntN(20) {
			domain = g.run(1+g.r.IntN(63), "abcdefghij") + "." + domain
		}
	}
	s := local + "@" + domain
	if g.clean && g.r.IntN(4) == 0 || !g.clean && g.r.IntN(2) == 0 {
		s = g.mutate(s, 3)
	}
	return s
}

// dotted returns n characters of chars and, unless g.clean, edge ones;
// some inner characters are sep (never two in a row when g.clean).
func (g *generator) dotted(n int, chars string, sep rune) string {
	rs := []rune(g.run(n, chars))
	for i := 1; i < len(rs)-1; i++ {
		if g.r.IntN(8) == 0 && (!g.clean || rs[i-1] != sep) {
			rs[i] = sep
		}
	}
	return string(rs)
}

// caseMix upper-cases some letters of s and sometimes swaps its domain for
// one normalizeEmail handles specially.
func (g *generator) caseMix(s string) string {
	if g.r.IntN(2) == 0 {
		if at := strings.LastIndexByte(s, '@'); at >= 0 {
			s = s[:at+1] + g.pick("gmail.com", "GoogleMail.com", "icloud.com", "me.com", "hotmail.co.uk",
				"outlook.com", "live.com", "yahoo.com", "ymail.com", "yandex.ua", "ya.ru", "example.com")
		}
	}
	if g.r.IntN(3) == 0 {
		s = g.pick("+", "-", "ΑΣ", "Σ", "İ", "a-b+c", "") + s
	}
	rs := []rune(s)
	for i, c := range rs {
		if g.r.IntN(3) == 0 {
			rs[i] = []rune(strings.ToUpper(string(c)))[0]
		}
	}
	return string(rs)
}

func (g *generator) locale() string { return g.locales[g.r.IntN(len(g.locales))] }

// phoneOf returns a string the locale's pattern (or its alias's) likely
// matches, sometimes mutated.
func (g *generator) phoneOf(locale string) string {
	if target, ok := g.aliases[locale]; ok {
		locale = target
	}
	var b strings.Builder
	g.fromRegexp(g.phones[locale], &b)
	s := b.String()
	if g.r.IntN(3) == 0 {
		s = g.mutate(s, 2)
	}
	return s
}

// phone returns an input for IsMobilePhone: mostly strings one locale
// matches, given a '+' when they lack one.
func (g *generator) phone() string {
	s := g.phoneOf(g.locales[g.r.IntN(len(g.phones))])
	if !strings.HasPrefix(s, "+") && g.r.IntN(4) != 0 {
		s = "+" + s
	}
	return s
}

// fromRegexp writes a random string re matches (or nearly: the empty-width
// assertions are ignored).
func (g *generator) fromRegexp(re *syntax.Regexp, b *strings.Builder) {
	repeat := func(lo, hi int) {
		if hi < 0 {
			hi = lo + 3
		}
		for range lo + g.r.IntN(hi-lo+1) {
			g.fromRegexp(re.Sub[0], b)
		}
	}
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		k := g.r.IntN(len(re.Rune) / 2)
		lo, hi := re.Rune[2*k], re.Rune[2*k+1]
		b.WriteRune(lo + rune(g.r.IntN(int(hi-lo)+1)))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteRune(g.edgeRune())
	case syntax.OpCapture:
		g.fromRegexp(re.Sub[0], b)
	case syntax.OpStar:
		repeat(0, 3)
	case syntax.OpPlus:
		repeat(1, 4)
	case syntax.OpQuest:
		repeat(0, 1)
	case syntax.OpRepeat:
		repeat(re.Min, re.Max)
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			g.fromRegexp(sub, b)
		}
	case syntax.OpAlternate:
		g.fromRegexp(re.Sub[g.r.IntN(len(re.Sub))], b)
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpNoMatch:
	default:
		panic(fmt.Sprintf("fromRegexp: unexpected %v", re.Op))
	}
}

// password returns a password near the length rule's edges: up to 60
// pieces, among them variation selectors, surrogate pairs (emoji, skin
// tones, the last code point), combining marks and joiners, with an edge
// rune now and then.
func (g *generator) password() string {
	var b strings.Builder
	for range g.r.IntN(61) {
		b.WriteString(g.pick("a", "Z", "7", " ", "é", "e\u0301", "\uFE0F", "\uFE0E", "❤\uFE0F", "😀", "👍🏽",
			"\u200d", "中", "\U0010FFFF", "\uFFFD", "\uFE0D", "\uFE10", "\U000E0100"))
		if g.r.IntN(30) == 0 {
			b.WriteRune(g.edgeRune())
		}
	}
	return b.String()
}
