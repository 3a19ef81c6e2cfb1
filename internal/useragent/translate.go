package useragent

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The JavaScript character sets whose Go spelling differs.
const (
	// jsSpace is what \s matches in JavaScript: the WhiteSpace and
	// LineTerminator characters of ECMAScript (Go's \s is [\t\n\f\r ]).
	jsSpace = `\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}`

	// jsDot is what . matches in JavaScript without the "s" flag: anything
	// but a line terminator (Go's . only excludes \n).
	jsDot = `[^\n\r\x{2028}\x{2029}]`
)

// translateJS rewrites src, the source of a JavaScript regular expression
// used without flags, into Go's RE2 syntax with the same meaning, or fails
// on a construct that RE2 lacks or that the translation does not handle:
// lookaround, backreferences, \S inside a class, \c, the empty classes []
// and [^].
//
// The constructs that are spelled alike but differ in meaning are \s, \S
// and . (see jsSpace and jsDot), \uXXXX (Go writes \x{XXXX}), \b inside a
// class (backspace in JavaScript) and an escaped letter that JavaScript
// takes literally (\e is "e"). ^ and $ need nothing: without the "m" flag
// both languages anchor them at the ends of the text. \d, \w and \b are
// ASCII-only in both.
func translateJS(src string) (string, error) {
	var b strings.Builder
	rs := []rune(src)
	inClass := false
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == '\\':
			if i+1 >= len(rs) {
				return "", fmt.Errorf("trailing backslash in %q", src)
			}
			i++
			n, err := translateEscape(rs, &i, inClass)
			if err != nil {
				return "", fmt.Errorf("%v in %q", err, src)
			}
			b.WriteString(n)
		case inClass:
			switch c {
			case ']':
				inClass = false
				b.WriteRune(c)
			case '[':
				// Literal in JavaScript; Go would read "[:" as the
				// start of a POSIX class.
				b.WriteString(`\[`)
			default:
				b.WriteRune(c)
			}
		case c == '[':
			if i+1 < len(rs) && rs[i+1] == ']' || i+2 < len(rs) && rs[i+1] == '^' && rs[i+2] == ']' {
				return "", fmt.Errorf("empty class in %q", src)
			}
			inClass = true
			b.WriteRune(c)
			if i+1 < len(rs) && rs[i+1] == '^' {
				i++
				b.WriteRune('^')
			}
		case c == '.':
			b.WriteString(jsDot)
		case c == '(' && i+2 < len(rs) && rs[i+1] == '?':
			if rs[i+2] != ':' && !(rs[i+2] == '<' && i+3 < len(rs) && rs[i+3] != '=' && rs[i+3] != '!') {
				return "", fmt.Errorf("unsupported group (?%c in %q", rs[i+2], src)
			}
			b.WriteRune(c)
		default:
			b.WriteRune(c)
		}
	}
	if inClass {
		return "", fmt.Errorf("unterminated class in %q", src)
	}
	return b.String(), nil
}

// translateEscape translates the escape whose character (after the
// backslash) is rs[*i], advancing *i past any further characters it uses.
func translateEscape(rs []rune, i *int, inClass bool) (string, error) {
	c := rs[*i]
	hex := func(n int) (string, bool) {
		if *i+n >= len(rs) {
			return "", false
		}
		h := string(rs[*i+1 : *i+1+n])
		for _, d := range h {
			if !strings.ContainsRune("0123456789abcdefABCDEF", d) {
				return "", false
			}
		}
		*i += n
		return h, true
	}
	switch c {
	case 'd', 'D', 'w', 'W', 'n', 'r', 't', 'f', 'v':
		return `\` + string(c), nil
	case 's':
		if inClass {
			return jsSpace, nil
		}
		return "[" + jsSpace + "]", nil
	case 'S':
		if inClass {
			return "", fmt.Errorf(`\S inside a class`)
		}
		return "[^" + jsSpace + "]", nil
	case 'b':
		if inClass {
			return `\x08`, nil
		}
		return `\b`, nil
	case 'B':
		if inClass {
			return "", fmt.Errorf(`\B inside a class`)
		}
		return `\B`, nil
	case 'x':
		if h, ok := hex(2); ok {
			return `\x{` + h + `}`, nil
		}
		return "", fmt.Errorf(`malformed \x escape`)
	case 'u':
		if h, ok := hex(4); ok {
			return `\x{` + h + `}`, nil
		}
		return "", fmt.Errorf(`malformed \u escape`)
	case '0':
		if *i+1 < len(rs) && rs[*i+1] >= '0' && rs[*i+1] <= '9' {
			return "", fmt.Errorf(`octal escape`)
		}
		return `\x00`, nil
	case '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "", fmt.Errorf(`backreference or octal escape \%c`, c)
	case 'c', 'k', 'p', 'P':
		return "", fmt.Errorf(`unsupported escape \%c`, c)
	}
	// Any other escaped character stands for itself. Go accepts an escaped
	// ASCII punctuation character (and needs one for "-" in a class) but
	// not an escaped letter.
	if c < utf8.RuneSelf && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
		return `\` + string(c), nil
	}
	return string(c), nil
}
