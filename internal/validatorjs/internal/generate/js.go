package generate

import (
	"fmt"
	"strings"
)

// This file splits JavaScript source into tokens: as much of the language
// as validator.js's compiled files use, enough to find their object
// literals and regular expression literals. What it does not know (template
// literals, an unterminated string, comment or literal) is an error.

type tokenKind int

const (
	tokIdent tokenKind = iota
	tokNumber
	tokString
	tokRegexp
	tokPunct
)

// token is one token of a JavaScript file.
type token struct {
	kind tokenKind
	// text is the token as written; for a regular expression literal, its
	// body (between the slashes).
	text string
	// value is the value of a string literal.
	value string
	// flags are the flags of a regular expression literal.
	flags string
	// line is the line the token starts on, from 1.
	line int
	// fn is the name of the innermost named function the token is in, ""
	// at the top level.
	fn string
	// next is the source text that follows the token, up to 40 bytes.
	next string
}

func (t token) is(kind tokenKind, text string) bool { return t.kind == kind && t.text == text }

// literal is a regular expression literal as JavaScript writes it.
func (t token) literal() string { return "/" + t.text + "/" + t.flags }

// regexpAllowedAfter are the keywords after which a slash starts a regular
// expression literal rather than being a division.
var regexpAllowedAfter = map[string]bool{
	"return": true, "typeof": true, "case": true, "do": true, "else": true, "in": true, "of": true,
	"new": true, "delete": true, "void": true, "throw": true, "instanceof": true,
}

// tokenize splits src, the content of file, into tokens.
func tokenize(file, src string) ([]token, error) {
	var (
		toks  []token
		line  = 1
		depth int
		// funcs are the named functions whose bodies are open, with the
		// brace depth their body opened at.
		funcs []struct {
			name  string
			depth int
		}
		// pending is a function name waiting for its body's brace.
		pending string
	)
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, args...))
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
			continue
		case c == ' ' || c == '\t' || c == '\r':
			i++
			continue
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, fail("unterminated comment")
			}
			line += strings.Count(src[i:i+2+end], "\n")
			i += 2 + end + 2
			continue
		}

		t := token{line: line}
		if len(funcs) > 0 {
			t.fn = funcs[len(funcs)-1].name
		}
		start := i
		switch {
		case isIdentStart(c):
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			t.kind, t.text = tokIdent, src[start:i]
		case '0' <= c && c <= '9':
			for i < len(src) && (isIdentPart(src[i]) || src[i] == '.') {
				i++
			}
			t.kind, t.text = tokNumber, src[start:i]
		case c == '\'' || c == '"':
			var b strings.Builder
			for i++; ; i++ {
				if i >= len(src) || src[i] == '\n' {
					return nil, fail("unterminated string")
				}
				if src[i] == c {
					i++
					break
				}
				if src[i] == '\\' {
					i++
					if i >= len(src) {
						return nil, fail("unterminated string")
					}
					switch e := src[i]; e {
					case '\\', '\'', '"':
						b.WriteByte(e)
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					default:
						return nil, fail("string escape \\%c not supported", e)
					}
					continue
				}
				b.WriteByte(src[i])
			}
			t.kind, t.text, t.value = tokString, src[start:i], b.String()
		case c == '`':
			return nil, fail("template literals are not supported")
		case c == '/' && regexpAllowed(toks):
			inClass := false
			for i++; ; i++ {
				if i >= len(src) || src[i] == '\n' {
					return nil, fail("unterminated regular expression literal")
				}
				if src[i] == '\\' {
					i++
					continue
				}
				if inClass {
					inClass = src[i] != ']'
				} else if src[i] == '[' {
					inClass = true
				} else if src[i] == '/' {
					break
				}
			}
			t.kind, t.text = tokRegexp, src[start+1:i]
			i++
			flagStart := i
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			t.flags = src[flagStart:i]
		default:
			t.kind, t.text = tokPunct, string(c)
			i++
			switch c {
			case '{':
				depth++
				if pending != "" {
					funcs = append(funcs, struct {
						name  string
						depth int
					}{pending, depth})
					pending = ""
				}
			case '}':
				if len(funcs) > 0 && funcs[len(funcs)-1].depth == depth {
					funcs = funcs[:len(funcs)-1]
				}
				depth--
			}
		}
		if n := len(toks); t.kind == tokIdent && n > 0 && toks[n-1].is(tokIdent, "function") {
			pending = t.text
		}
		t.next = src[i:min(len(src), i+40)]
		toks = append(toks, t)
	}
	if depth != 0 {
		return nil, fail("unbalanced braces")
	}
	return toks, nil
}

// regexpAllowed reports whether a slash after toks starts a regular
// expression literal.
func regexpAllowed(toks []token) bool {
	if len(toks) == 0 {
		return true
	}
	switch t := toks[len(toks)-1]; t.kind {
	case tokPunct:
		return t.text != ")" && t.text != "]"
	case tokIdent:
		return regexpAllowedAfter[t.text]
	}
	return false
}

func isIdentStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '$'
}

func isIdentPart(c byte) bool { return isIdentStart(c) || '0' <= c && c <= '9' }

// objectLiteral reads the object literal `var name = {key: value, ...};`
// of toks, whose keys are identifiers or strings and whose values are one
// token each or `[]`. It returns the keys in order, their values (as
// written), and the index of the token after the closing brace.
func objectLiteral(file string, toks []token, name string) (keys []string, values map[string]token, end int, err error) {
	start := -1
	for i := 0; i+3 < len(toks); i++ {
		if toks[i].is(tokIdent, "var") && toks[i+1].is(tokIdent, name) && toks[i+2].is(tokPunct, "=") && toks[i+3].is(tokPunct, "{") {
			if start >= 0 {
				return nil, nil, 0, fmt.Errorf("%s: var %s is declared twice", file, name)
			}
			start = i + 4
		}
	}
	if start < 0 {
		return nil, nil, 0, fmt.Errorf("%s: no `var %s = {`", file, name)
	}
	values = map[string]token{}
	i := start
	for {
		if i >= len(toks) {
			return nil, nil, 0, fmt.Errorf("%s: var %s: unterminated object literal", file, name)
		}
		if toks[i].is(tokPunct, "}") {
			return keys, values, i + 1, nil
		}
		k := toks[i]
		if k.kind != tokIdent && k.kind != tokString || i+2 >= len(toks) || !toks[i+1].is(tokPunct, ":") {
			return nil, nil, 0, fmt.Errorf("%s:%d: var %s: want `key: value`, found %q", file, k.line, name, k.text)
		}
		key := k.text
		if k.kind == tokString {
			key = k.value
		}
		if _, dup := values[key]; dup {
			return nil, nil, 0, fmt.Errorf("%s:%d: var %s: key %q twice", file, k.line, name, key)
		}
		v := toks[i+2]
		i += 3
		if v.is(tokPunct, "[") && i < len(toks) && toks[i].is(tokPunct, "]") {
			v.text = "[]"
			i++
		} else if v.kind == tokPunct {
			return nil, nil, 0, fmt.Errorf("%s:%d: var %s: value of %q not supported", file, v.line, name, key)
		}
		keys = append(keys, key)
		values[key] = v
		switch {
		case i < len(toks) && toks[i].is(tokPunct, ","):
			i++
		case i < len(toks) && toks[i].is(tokPunct, "}"):
		default:
			return nil, nil, 0, fmt.Errorf("%s:%d: var %s: want ',' or '}' after %q", file, v.line, name, key)
		}
	}
}
