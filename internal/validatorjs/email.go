package validatorjs

import (
	"strings"
	"unicode"
	"unicode/utf16"
)

// The character classes and limits of isEmail and isFQDN are generated from
// validator.js's source (email_gen.go); the logic that uses them, below,
// is written by hand after isEmail.js and isFQDN.js, for the default
// options email_gen.go lists.

// IsEmail reports whether validator.isEmail(s) is true in validator.js
// 13.11.0 with its default options. It answers false when s is not valid
// UTF-8.
func IsEmail(s string) bool {
	if !valid(s) || utf16Len(s) > maxEmailLength {
		return false
	}

	// const parts = str.split('@'); const domain = parts.pop();
	// let user = parts.join('@');
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		// user is "", whose only dot-separated part, "", fails
		// emailUserUtf8Part (which wants one character or more).
		return false
	}
	user, domain := s[:at], s[at+1:]

	// isByteLength counts the UTF-8 bytes of encodeURI(str).
	if len(user) > maxUserBytes || len(domain) > maxDomainBytes {
		return false
	}

	// allow_ip_domain is false: a domain that is not a FQDN fails.
	if !isFQDN(domain) {
		return false
	}

	// if (user[0] === '"') return quotedEmailUserUtf8.test(user.slice(1, user.length - 1));
	if strings.HasPrefix(user, `"`) {
		return isQuotedUser(user)
	}

	// Every dot-separated part of user must match emailUserUtf8Part,
	// /^[...]+$/i.
	for part := range strings.SplitSeq(user, ".") {
		if unitsIn(part, userPartClass) < 1 {
			return false
		}
	}
	// blacklisted_chars is "": nothing more to check.
	return true
}

// isQuotedUser applies what isEmail does to a user part starting with '"':
//
//	user = user.slice(1, user.length - 1);
//	return quotedEmailUserUtf8.test(user);
//
// with quotedEmailUserUtf8 of the shape /^([text]|(\\[escaped]))*$/i. The
// slice counts UTF-16 code units and drops the first one and the last one
// whatever it is: a lone '"' leaves "", and a character above U+FFFF at the
// end leaves its high surrogate.
func isQuotedUser(user string) bool {
	// user holds at most maxUserBytes bytes, so as many code units.
	var buf [maxUserBytes]uint16
	units := buf[:0]
	for _, r := range user {
		units = utf16.AppendRune(units, r)
	}
	if len(units) < 2 {
		return true // user.slice(1, 0) is ""
	}
	units = units[1 : len(units)-1]
	// reach[i] reports whether the repeated group can match units[:i].
	var reach [maxUserBytes + 1]bool
	reach[0] = true
	for i, u := range units {
		if !reach[i] {
			continue
		}
		if quotedTextClass.has(u) {
			reach[i+1] = true
		}
		if u == '\\' && i+1 < len(units) && quotedEscapedClass.has(units[i+1]) {
			reach[i+2] = true
		}
	}
	return reach[len(units)]
}

// isFQDN reports whether validator.js's isFQDN(domain, {require_tld: true,
// ignore_max_length: false, allow_underscores: false}) is true, the call
// isEmail makes; the other options keep their defaults (allow_trailing_dot,
// allow_numeric_tld and allow_wildcard false).
func isFQDN(domain string) bool {
	parts := strings.Split(domain, ".")
	if len(parts) < 2 {
		return false
	}
	tld := parts[len(parts)-1]
	if !isTLD(tld) {
		return false
	}
	// if (/\s/.test(tld)) return false;
	if strings.ContainsFunc(tld, isJSSpace) {
		return false
	}
	// if (/^\d+$/.test(tld)) return false;
	if tld != "" && strings.Trim(tld, "0123456789") == "" {
		return false
	}
	for _, part := range parts {
		if !isLabel(part) {
			return false
		}
	}
	return true
}

// isTLD reports whether isFQDN's TLD pattern, of the shape
//
//	/^([fqdnTLD]{minTLDLength,}|xn[fqdnTLDPunycode]{minTLDPunycodeLength,})$/i
//
// matches tld.
func isTLD(tld string) bool {
	if unitsIn(tld, tldClass) >= minTLDLength {
		return true
	}
	n := len(tldPunycodePrefix)
	return len(tld) >= n && asciiEqualFold(tld[:n], tldPunycodePrefix) &&
		unitsIn(tld[n:], tldPunycodeClass) >= minTLDPunycodeLength
}

// isLabel applies isFQDN's checks on each dot-separated part:
//
//	if (part.length > 63) return false;
//	if (!/^[fqdnLabel]+$/i.test(part)) return false;
//	if (/[fqdnFullWidth]/.test(part)) return false;
//	if (/^-|-$/.test(part)) return false;
//	if (/_/.test(part)) return false; // allow_underscores is false
func isLabel(part string) bool {
	if utf16Len(part) > maxLabelLength || unitsIn(part, labelClass) < 1 || anyUnitIn(part, fullWidthClass) {
		return false
	}
	return part[0] != '-' && part[len(part)-1] != '-' && !strings.Contains(part, "_")
}

// unitClass is a class of email_gen.go, the UTF-16 code units a class of a
// JavaScript regular expression without the "u" flag matches, with its
// ASCII part copied into a bitmap for speed.
type unitClass struct {
	ascii [2]uint64
	table *unicode.RangeTable
}

func newUnitClass(t *unicode.RangeTable) *unitClass {
	c := &unitClass{table: t}
	for u := range rune(0x80) {
		if unicode.Is(t, u) {
			c.ascii[u>>6] |= 1 << (u & 63)
		}
	}
	return c
}

// has reports whether c holds the code unit u.
func (c *unitClass) has(u uint16) bool {
	if u < 0x80 {
		return c.ascii[u>>6]&(1<<(u&63)) != 0
	}
	return unicode.Is(c.table, rune(u))
}

var (
	userPartClass      = newUnitClass(emailUserUtf8Part)
	quotedTextClass    = newUnitClass(quotedEmailUserUtf8Text)
	quotedEscapedClass = newUnitClass(quotedEmailUserUtf8Escaped)
	tldClass           = newUnitClass(fqdnTLD)
	tldPunycodeClass   = newUnitClass(fqdnTLDPunycode)
	labelClass         = newUnitClass(fqdnLabel)
	fullWidthClass     = newUnitClass(fqdnFullWidth)
)

// unitsIn returns the number of UTF-16 code units of the valid UTF-8
// string s if c holds every one of them, and -1 otherwise. A character
// above U+FFFF is two code units, its surrogates.
func unitsIn(s string, c *unitClass) int {
	n := 0
	for _, r := range s {
		if r < 0x10000 {
			if !c.has(uint16(r)) {
				return -1
			}
			n++
			continue
		}
		hi, lo := utf16.EncodeRune(r)
		if !c.has(uint16(hi)) || !c.has(uint16(lo)) {
			return -1
		}
		n += 2
	}
	return n
}

// anyUnitIn reports whether c holds one of the UTF-16 code units of the
// valid UTF-8 string s.
func anyUnitIn(s string, c *unitClass) bool {
	for _, r := range s {
		if r < 0x10000 {
			if c.has(uint16(r)) {
				return true
			}
			continue
		}
		hi, lo := utf16.EncodeRune(r)
		if c.has(uint16(hi)) || c.has(uint16(lo)) {
			return true
		}
	}
	return false
}

// asciiEqualFold reports whether s and t are equal when ASCII letters are
// folded, which is all the "i" flag folds for ASCII letters: no character
// from U+0080 up matches one below it.
func asciiEqualFold(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		a, b := s[i], t[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}
