package useragent

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// JavaScript strings are sequences of UTF-16 code units and the rules'
// expressions (which have no "u" flag) match code units: a character
// outside the Basic Multilingual Plane is two units, a surrogate pair, and
// "." or [^;] can match either half alone. Go's regexp matches runes. To
// match as JavaScript does, a user agent holding such a character is
// rewritten before matching into its "view", where each surrogate is a
// rune of its own: the code unit u becomes the rune viewBase + u - 0xD800,
// a private use character. Every character class of the rules is written
// with ASCII characters, \s and "." (see translateJS), none of which
// distinguishes these runes from surrogates (TestViewRunesActLikeSurrogates
// checks it), so the expressions match the view where JavaScript matches
// the string. The captures are then read back: a pair of view runes is the
// character again, and a lone half, which JavaScript would keep as a lone
// surrogate (JSON.stringify writes it as a \udXXX escape), has no UTF-8
// form and becomes U+FFFD.
//
// A Go string that is not valid UTF-8 has no JavaScript equivalent; it is
// read as encoding/json would send it to JavaScript, each invalid byte
// being U+FFFD.

// viewBase is the view rune of the code unit 0xD800, the first of 2048
// runes of the Supplementary Private Use Area-A. The runes cannot come
// from the user agent itself: being outside the BMP, they become
// surrogates too.
const viewBase = 0xF0000

// jsView returns the view of s, and false when it is s itself (s is valid
// UTF-8 and all within the BMP, the common case).
func jsView(s string) (string, bool) {
	simple := true
	for i := 0; i < len(s); i++ {
		// A lead byte of 0xF0 or more starts a four-byte sequence:
		// a character outside the BMP.
		if s[i] >= 0xF0 {
			simple = false
			break
		}
	}
	if simple && utf8.ValidString(s) {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s { // an invalid byte is utf8.RuneError
		if r >= 0x10000 {
			hi, lo := utf16.EncodeRune(r)
			b.WriteRune(viewBase + hi - 0xD800)
			b.WriteRune(viewBase + lo - 0xD800)
			continue
		}
		b.WriteRune(r)
	}
	return b.String(), true
}

// isViewRune reports whether r stands for a surrogate in a view.
func isViewRune(r rune) bool {
	return viewBase <= r && r < viewBase+0x800
}

// fromView reads a substring of a view back as a string: a pair of view
// runes is the character it encodes, a lone one U+FFFD.
func fromView(v string) string {
	// The view runes are U+F0000..U+F07FF, whose UTF-8 starts with 0xF3.
	if strings.IndexByte(v, 0xF3) < 0 {
		return v
	}
	var b strings.Builder
	rs := []rune(v)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if !isViewRune(r) {
			b.WriteRune(r)
			continue
		}
		u := r - viewBase + 0xD800
		if utf16.IsSurrogate(u) && u < 0xDC00 && i+1 < len(rs) && isViewRune(rs[i+1]) {
			if c := utf16.DecodeRune(u, rs[i+1]-viewBase+0xD800); c != utf8.RuneError {
				b.WriteRune(c)
				i++
				continue
			}
		}
		b.WriteRune(utf8.RuneError)
	}
	return b.String()
}
