package generate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// This file reads JavaScript regular expressions without the "u" flag, the
// kind validator.js writes. Such an expression works on UTF-16 code units:
// a character outside the Basic Multilingual Plane is two surrogates to it,
// which a class holding the surrogates matches one at a time. Character
// classes are therefore read into sets of code units (unitSet).

// unitRange is the code units lo to hi, both included.
type unitRange struct{ lo, hi uint16 }

// unitSet is a set of UTF-16 code units: sorted, disjoint ranges, none
// adjacent to the next.
type unitSet []unitRange

// add returns s with lo-hi added.
func (s unitSet) add(lo, hi uint16) unitSet {
	s = append(s, unitRange{lo, hi})
	slices.SortFunc(s, func(a, b unitRange) int { return int(a.lo) - int(b.lo) })
	out := s[:1]
	for _, r := range s[1:] {
		last := &out[len(out)-1]
		if int(r.lo) <= int(last.hi)+1 {
			last.hi = max(last.hi, r.hi)
		} else {
			out = append(out, r)
		}
	}
	return out
}

func (s unitSet) union(t unitSet) unitSet {
	for _, r := range t {
		s = s.add(r.lo, r.hi)
	}
	return s
}

func (s unitSet) has(u uint16) bool {
	for _, r := range s {
		if u < r.lo {
			return false
		}
		if u <= r.hi {
			return true
		}
	}
	return false
}

// hasSurrogate reports whether s holds a code unit of U+D800-U+DFFF.
func (s unitSet) hasSurrogate() bool {
	for _, r := range s {
		if r.hi >= 0xD800 && r.lo <= 0xDFFF {
			return true
		}
	}
	return false
}

// jsSpace is what \s matches in a JavaScript regular expression: the
// WhiteSpace and LineTerminator productions of ECMA-262 (tab, line
// tabulation, form feed, space, U+00A0, U+FEFF, the other Zs space
// separators, line feed, carriage return, U+2028 and U+2029).
var jsSpace = unitSet{
	{0x09, 0x0D}, {0x20, 0x20}, {0xA0, 0xA0}, {0x1680, 0x1680}, {0x2000, 0x200A},
	{0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}, {0xFEFF, 0xFEFF},
}

// JSSpace reports whether r is in what \s matches in a JavaScript regular
// expression, as the generator reads it (the package's isJSSpace must
// agree).
func JSSpace(r rune) bool { return 0 <= r && r <= 0xFFFF && jsSpace.has(uint16(r)) }

var jsDigit = unitSet{{'0', '9'}}

// parseClass reads body, what is between the brackets of a JavaScript
// character class, into the set of code units it matches; with ignoreCase
// (the "i" flag) the other case of each ASCII letter is added. It refuses a
// negated class, the escapes it does not know and, with ignoreCase, a class
// that Unicode case folding would extend beyond ASCII, so that the set is
// exactly what JavaScript matches.
func parseClass(body string, ignoreCase bool) (unitSet, error) {
	if body == "" || body[0] == '^' {
		return nil, fmt.Errorf("[%s]: empty or negated classes are not supported", body)
	}
	var set unitSet
	// atom reads one class atom at body[i:]: a single code unit (set
	// false) or a class escape (set true, in s).
	atom := func(i int) (u uint16, s unitSet, next int, err error) {
		c := body[i]
		if c >= 0x80 {
			return 0, nil, 0, fmt.Errorf("[%s]: non-ASCII source character", body)
		}
		if c != '\\' {
			if c == '[' {
				return 0, nil, 0, fmt.Errorf("[%s]: unescaped '[' in a class", body)
			}
			return uint16(c), nil, i + 1, nil
		}
		if i+1 >= len(body) {
			return 0, nil, 0, fmt.Errorf("[%s]: trailing backslash", body)
		}
		e := body[i+1]
		switch {
		case e == 'd':
			return 0, jsDigit, i + 2, nil
		case e == 's':
			return 0, jsSpace, i + 2, nil
		case e == 'x' || e == 'u':
			n := 2
			if e == 'u' {
				n = 4
			}
			if i+2+n > len(body) || !isHex(body[i+2:i+2+n]) {
				return 0, nil, 0, fmt.Errorf("[%s]: \\%c wants %d hexadecimal digits", body, e, n)
			}
			v, _ := strconv.ParseUint(body[i+2:i+2+n], 16, 16)
			return uint16(v), nil, i + 2 + n, nil
		case e == 't':
			return '\t', nil, i + 2, nil
		case e == 'n':
			return '\n', nil, i + 2, nil
		case e == 'v':
			return '\v', nil, i + 2, nil
		case e == 'f':
			return '\f', nil, i + 2, nil
		case e == 'r':
			return '\r', nil, i + 2, nil
		case e < 0x80 && !isAlnum(e):
			return uint16(e), nil, i + 2, nil // identity escape
		}
		return 0, nil, 0, fmt.Errorf("[%s]: escape \\%c not supported", body, e)
	}
	for i := 0; i < len(body); {
		lo, s, next, err := atom(i)
		if err != nil {
			return nil, err
		}
		// A '-' between two atoms, not last, makes a range.
		if next+1 < len(body) && body[next] == '-' {
			hi, s2, next2, err := atom(next + 1)
			if err != nil {
				return nil, err
			}
			if s != nil || s2 != nil {
				return nil, fmt.Errorf("[%s]: a range with a class escape at one end is not supported", body)
			}
			if hi < lo {
				return nil, fmt.Errorf("[%s]: range out of order", body)
			}
			set = set.add(lo, hi)
			i = next2
			continue
		}
		if s != nil {
			set = set.union(s)
		} else {
			set = set.add(lo, lo)
		}
		i = next
	}
	if ignoreCase {
		return foldASCII(body, set)
	}
	return set, nil
}

// foldASCII applies the "i" flag of a JavaScript regular expression without
// the "u" flag to set. There, two code units match each other when
// toUpperCase maps both to the same single code unit, except that a code
// unit from U+0080 up never matches one below it (ECMA-262,
// Canonicalize). For the ASCII letters this adds the other case; foldASCII
// adds it and then checks, with Go's Unicode case folding tables, that no
// other code unit outside set shares a case with one inside it: the
// generator follows no non-ASCII case folding, and refuses a class that
// would need it.
func foldASCII(body string, set unitSet) (unitSet, error) {
	for c := uint16('a'); c <= 'z'; c++ {
		if set.has(c) || set.has(c-'a'+'A') {
			set = set.add(c, c).add(c-'a'+'A', c-'a'+'A')
		}
	}
	for u := 0; u <= 0xFFFF; u++ {
		if set.has(uint16(u)) {
			continue
		}
		for f := unicode.SimpleFold(rune(u)); f != rune(u); f = unicode.SimpleFold(f) {
			if f <= 0xFFFF && (f < 0x80) == (u < 0x80) && set.has(uint16(f)) {
				return nil, fmt.Errorf("[%s] with the i flag: U+%04X would match as a case of U+%04X, which the generator does not follow", body, u, f)
			}
		}
	}
	return set, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// classEnd returns the index in src of the ']' that closes the class
// opening at src[open], or -1.
func classEnd(src string, open int) int {
	for i := open + 1; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case ']':
			return i
		}
	}
	return -1
}

// goClass writes set as a character class of Go's RE2 syntax. It is the
// caller's part to refuse a set holding surrogates, which Go cannot match.
func goClass(set unitSet) string {
	var b strings.Builder
	b.WriteByte('[')
	for _, r := range set {
		b.WriteString(goClassChar(r.lo))
		switch {
		case r.hi == r.lo:
		case r.hi == r.lo+1:
			b.WriteString(goClassChar(r.hi))
		default:
			b.WriteByte('-')
			b.WriteString(goClassChar(r.hi))
		}
	}
	b.WriteByte(']')
	return b.String()
}

func goClassChar(u uint16) string {
	switch {
	case u < 0x80 && isAlnum(byte(u)):
		return string(rune(u))
	case 0x20 < u && u < 0x7F:
		return `\` + string(rune(u)) // Go takes any escaped punctuation literally
	case u == ' ':
		return " "
	case u == '\t':
		return `\t`
	case u == '\n':
		return `\n`
	case u == '\v':
		return `\v`
	case u == '\f':
		return `\f`
	case u == '\r':
		return `\r`
	}
	return fmt.Sprintf(`\x{%X}`, u)
}

// translateJSRegexp rewrites js, the source of a JavaScript regular
// expression without flags, into Go's RE2 syntax with the same meaning for
// test(), which only asks whether a match exists (backtracking and RE2
// agree on that). Classes and \s are read into sets of code units and
// written out again (\s is JavaScript's white space set, not Go's); \d,
// groups, alternation, the quantifiers, and ^ and $ (without the "m" flag)
// mean the same in both and are kept.
//
// It refuses what it cannot translate exactly, so that a pattern the table
// gains cannot be mistranslated in silence: lookaround, back-references,
// named groups, '.', negated classes and \D, \S, \W, \B (which would match
// a lone surrogate in JavaScript), classes holding surrogates, non-ASCII
// source characters (a quantifier after a character outside the BMP
// repeats only its low surrogate), and the escapes and Annex B oddities it
// does not know.
func translateJSRegexp(js string) (string, error) {
	var b strings.Builder
	// atom reports whether the last thing written can take a quantifier.
	atom := false
	for i := 0; i < len(js); i++ {
		c := js[i]
		if c >= 0x80 {
			return "", fmt.Errorf("non-ASCII source character at %d", i)
		}
		switch c {
		case '\\':
			if i+1 >= len(js) {
				return "", fmt.Errorf("trailing backslash")
			}
			i++
			switch e := js[i]; {
			case e == 'd' || e == 'w' || e == 't' || e == 'n' || e == 'r' || e == 'v' || e == 'f':
				b.WriteString(`\` + string(e))
			case e == 's':
				b.WriteString(goClass(jsSpace))
			case e == 'b':
				b.WriteString(`\b`)
				atom = false
				continue
			case e == 'x' || e == 'u':
				n := 2
				if e == 'u' {
					n = 4
				}
				if i+1+n > len(js) || !isHex(js[i+1:i+1+n]) {
					return "", fmt.Errorf("cannot translate \\%c at %d", e, i-1)
				}
				v, _ := strconv.ParseUint(js[i+1:i+1+n], 16, 16)
				set := unitSet{{uint16(v), uint16(v)}}
				if set.hasSurrogate() {
					return "", fmt.Errorf("cannot translate the surrogate \\%s at %d", js[i:i+1+n], i-1)
				}
				b.WriteString(goClass(set))
				i += n
			case e < 0x80 && !isAlnum(e):
				b.WriteString(`\` + string(e))
			default:
				return "", fmt.Errorf("cannot translate \\%c at %d", e, i-1)
			}
			atom = true
		case '[':
			end := classEnd(js, i)
			if end < 0 {
				return "", fmt.Errorf("unterminated class at %d", i)
			}
			set, err := parseClass(js[i+1:end], false)
			if err != nil {
				return "", err
			}
			if set.hasSurrogate() {
				return "", fmt.Errorf("class [%s] holds surrogates", js[i+1:end])
			}
			b.WriteString(goClass(set))
			i = end
			atom = true
		case '(':
			switch {
			case strings.HasPrefix(js[i:], "(?:"):
				b.WriteString("(?:")
				i += 2
			case strings.HasPrefix(js[i:], "(?"):
				return "", fmt.Errorf("cannot translate lookaround or named group at %d", i)
			default:
				b.WriteByte('(')
			}
			atom = false
		case ')':
			b.WriteByte(c)
			atom = true
		case '|', '^', '$':
			b.WriteByte(c)
			atom = false
		case '?', '*', '+', '{':
			q := string(c)
			if c == '{' {
				end := strings.IndexByte(js[i:], '}')
				if end < 0 || !isQuantifierBody(js[i+1:i+end]) {
					return "", fmt.Errorf("cannot translate '{' at %d", i)
				}
				q = js[i : i+end+1]
			}
			if !atom {
				return "", fmt.Errorf("quantifier %s at %d follows no atom", q, i)
			}
			i += len(q) - 1
			if i+1 < len(js) && js[i+1] == '?' {
				q += "?"
				i++
			}
			b.WriteString(q)
			atom = false
		case '.', ']', '}', '/':
			return "", fmt.Errorf("cannot translate %q at %d", c, i)
		default:
			if c < 0x20 || c == 0x7F {
				return "", fmt.Errorf("control character at %d", i)
			}
			b.WriteByte(c)
			atom = true
		}
	}
	return b.String(), nil
}

// isQuantifierBody reports whether s is what may stand between the braces
// of a quantifier: n, n, or n,m.
func isQuantifierBody(s string) bool {
	lo, hi, comma := strings.Cut(s, ",")
	digits := func(s string) bool {
		if s == "" {
			return false
		}
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	return digits(lo) && (!comma || hi == "" || digits(hi))
}
