package validatorjs

import "unicode/utf8"

// isJSSpace reports whether the \s escape of a JavaScript regular expression
// matches the code point r: the WhiteSpace and LineTerminator productions of
// ECMA-262 (tab, line tabulation, form feed, U+FEFF, the Zs space
// separators, line feed, carriage return, U+2028 and U+2029). Unlike Go's
// unicode.IsSpace it holds U+FEFF and not U+0085. The generator reads \s
// in validator.js's patterns as the same set (TestJSSpace checks).
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ',
		0x00A0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return 0x2000 <= r && r <= 0x200A
}

// utf16Len returns the length of the valid UTF-8 string s as JavaScript's
// str.length counts it: in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// valid reports whether s can stand for a JavaScript string.
func valid(s string) bool { return utf8.ValidString(s) }
