package validatorjs

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Domains normalizeEmail treats specially (src/lib/normalizeEmail.js).
var (
	icloudDomains = []string{"icloud.com", "me.com"}

	outlookDomains = []string{
		"hotmail.at", "hotmail.be", "hotmail.ca", "hotmail.cl", "hotmail.co.il",
		"hotmail.co.nz", "hotmail.co.th", "hotmail.co.uk", "hotmail.com",
		"hotmail.com.ar", "hotmail.com.au", "hotmail.com.br", "hotmail.com.gr",
		"hotmail.com.mx", "hotmail.com.pe", "hotmail.com.tr", "hotmail.com.vn",
		"hotmail.cz", "hotmail.de", "hotmail.dk", "hotmail.es", "hotmail.fr",
		"hotmail.hu", "hotmail.id", "hotmail.ie", "hotmail.in", "hotmail.it",
		"hotmail.jp", "hotmail.kr", "hotmail.lv", "hotmail.my", "hotmail.ph",
		"hotmail.pt", "hotmail.sa", "hotmail.sg", "hotmail.sk",
		"live.be", "live.co.uk", "live.com", "live.com.ar", "live.com.mx",
		"live.de", "live.es", "live.eu", "live.fr", "live.it", "live.nl",
		"msn.com",
		"outlook.at", "outlook.be", "outlook.cl", "outlook.co.il", "outlook.co.nz",
		"outlook.co.th", "outlook.com", "outlook.com.ar", "outlook.com.au",
		"outlook.com.br", "outlook.com.gr", "outlook.com.pe", "outlook.com.tr",
		"outlook.com.vn", "outlook.cz", "outlook.de", "outlook.dk", "outlook.es",
		"outlook.fr", "outlook.hu", "outlook.id", "outlook.ie", "outlook.in",
		"outlook.it", "outlook.jp", "outlook.kr", "outlook.lv", "outlook.my",
		"outlook.ph", "outlook.pt", "outlook.sa", "outlook.sg", "outlook.sk",
		"passport.com",
	}

	yahooDomains = []string{
		"rocketmail.com", "yahoo.ca", "yahoo.co.uk", "yahoo.com", "yahoo.de",
		"yahoo.fr", "yahoo.in", "yahoo.it", "ymail.com",
	}

	yandexDomains = []string{"yandex.ru", "yandex.ua", "yandex.kz", "yandex.com", "yandex.by", "ya.ru"}
)

// NormalizeEmail returns validator.normalizeEmail(email, {gmail_remove_dots:
// false}) of validator.js 13.11.0, the other options keeping their defaults:
// the domain and the local part are lower-cased; for Gmail (googlemail.com
// becoming gmail.com), iCloud and Outlook.com addresses the local part loses
// everything from its first '+', for Yahoo addresses from its last '-', and
// every Yandex domain becomes yandex.ru.
//
// Where validator.js returns false (a Gmail, iCloud, Outlook.com or Yahoo
// address whose local part ends up empty, as in "+tag@gmail.com"),
// NormalizeEmail returns "", which is never a result otherwise: every result
// holds an '@'. email is meant to have passed IsEmail; bytes that are not
// UTF-8 come out as U+FFFD.
func NormalizeEmail(email string) string {
	// const raw_parts = email.split('@'); const domain = raw_parts.pop();
	// const user = raw_parts.join('@');
	user, domain := "", email
	if at := strings.LastIndexByte(email, '@'); at >= 0 {
		user, domain = email[:at], email[at+1:]
	}
	domain = LowerCase(domain)

	switch {
	case domain == "gmail.com" || domain == "googlemail.com":
		user, _, _ = strings.Cut(user, "+") // gmail_remove_subaddress
		domain = "gmail.com"                // gmail_convert_googlemaildotcom
		// gmail_remove_dots is false: dots stay.
	case slices.Contains(icloudDomains, domain):
		user, _, _ = strings.Cut(user, "+") // icloud_remove_subaddress
	case slices.Contains(outlookDomains, domain):
		user, _, _ = strings.Cut(user, "+") // outlookdotcom_remove_subaddress
	case slices.Contains(yahooDomains, domain):
		// yahoo_remove_subaddress: drop the last '-' component, if any.
		if i := strings.LastIndexByte(user, '-'); i >= 0 {
			user = user[:i]
		}
	case slices.Contains(yandexDomains, domain):
		domain = "yandex.ru"
		return LowerCase(user) + "@" + domain
	default:
		return LowerCase(user) + "@" + domain
	}
	if user == "" {
		return "" // validator.js returns false
	}
	// all_lowercase is true: every branch lower-cases the local part.
	return LowerCase(user) + "@" + domain
}

// Trim returns validator.trim(s) (no chars argument): s without the leading
// and trailing characters JavaScript's \s matches. This is not
// strings.TrimSpace, whose set holds U+0085 and not U+FEFF.
func Trim(s string) string {
	return strings.TrimFunc(s, isJSSpace)
}

// LowerCase returns JavaScript's s.toLowerCase() as Node.js 20 (V8 with ICU
// 78, Unicode 17) computes it: the full, locale-independent lower-case
// mapping of Unicode. It differs from strings.ToLower in three ways: U+0130
// (capital I with dot above) becomes "i\u0307"; a capital sigma at the end
// of a word becomes the final sigma U+03C2; and the case pairs added in
// Unicode 16 and 17, which Go's tables (Unicode 15) lack, are mapped. Bytes
// that are not UTF-8 come out as U+FFFD.
func LowerCase(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch {
		case r == 0x0130:
			b.WriteString("i\u0307")
		case r == 0x03A3:
			if isFinalSigma(s, i) {
				b.WriteRune(0x03C2)
			} else {
				b.WriteRune(0x03C3)
			}
		default:
			if l, ok := lowerSince15[r]; ok {
				b.WriteRune(l)
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
		}
	}
	return b.String()
}

// lowerSince15 holds the simple lower-case mappings Unicode 16.0 and 17.0
// added, which Go's unicode package (Unicode 15.0) does not know.
var lowerSince15 = func() map[rune]rune {
	m := map[rune]rune{
		0x1C89: 0x1C8A, // CYRILLIC CAPITAL LETTER TJE
		0xA7CB: 0x0264, // LATIN CAPITAL LETTER RAMS HORN
		0xA7CC: 0xA7CD, // LATIN CAPITAL LETTER S WITH DIAGONAL STROKE
		0xA7CE: 0xA7CF, // LATIN CAPITAL LETTER PHARYNGEAL VOICED FRICATIVE
		0xA7D2: 0xA7D3, // LATIN CAPITAL LETTER DOUBLE THORN
		0xA7D4: 0xA7D5, // LATIN CAPITAL LETTER DOUBLE WYNN
		0xA7DA: 0xA7DB, // LATIN CAPITAL LETTER LAMBDA
		0xA7DC: 0x019B, // LATIN CAPITAL LETTER LAMBDA WITH STROKE
	}
	for r := rune(0x10D50); r <= 0x10D65; r++ { // Garay
		m[r] = r + 0x20
	}
	for r := rune(0x16EA0); r <= 0x16EB8; r++ { // Beria Erfe
		m[r] = r + 0x1B
	}
	return m
}()

// isFinalSigma reports whether the capital sigma at byte offset i of s
// meets Unicode's Final_Sigma condition, as ICU tests it: walking back from
// it over case-ignorable characters reaches a cased one, and walking forward
// over case-ignorable characters does not. ICU takes a character that is
// both case-ignorable and cased for case-ignorable.
func isFinalSigma(s string, i int) bool {
	before := false
	for j := i; j > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:j])
		j -= size
		if isCaseIgnorable(r) {
			continue
		}
		before = isCased(r)
		break
	}
	if !before {
		return false
	}
	for _, r := range s[i+len("Σ"):] {
		if isCaseIgnorable(r) {
			continue
		}
		return !isCased(r)
	}
	return true
}

// isCased is Unicode's Cased property (Lowercase, Uppercase or Lt) of
// Unicode 17.
func isCased(r rune) bool {
	switch {
	case r == 0x0295: // Ll until Unicode 16, Lo since
		return false
	case unicode.Is(casedSince15, r):
		return true
	}
	return unicode.In(r, unicode.Lu, unicode.Ll, unicode.Lt, unicode.Other_Lowercase, unicode.Other_Uppercase)
}

// isCaseIgnorable is Unicode's Case_Ignorable property: Mn, Me, Cf, Lm, Sk,
// or a Word_Break of MidLetter, MidNumLet or Single_Quote (listed here, Go
// has no Word_Break table).
func isCaseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', 0x00B7, 0x0387, 0x055F, 0x05F4, 0x2018, 0x2019,
		0x2024, 0x2027, 0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A:
		return true
	}
	switch {
	case r == 0x1171E: // Mn until Unicode 16, Mc since
		return false
	case unicode.Is(caseIgnorableSince15, r):
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

// casedSince15 and caseIgnorableSince15 hold the code points Unicode 16.0
// and 17.0 made Cased or Case_Ignorable, unknown to Go's unicode package
// (Unicode 15.0). They were found by comparing isFinalSigma with what
// Node.js answers for every code point.
var (
	casedSince15 = &unicode.RangeTable{
		R16: []unicode.Range16{
			{0x1C89, 0x1C8A, 1}, {0xA7CB, 0xA7CF, 1}, {0xA7D2, 0xA7D4, 2}, {0xA7DA, 0xA7DC, 1},
		},
		R32: []unicode.Range32{
			{0x10D50, 0x10D65, 1}, {0x10D70, 0x10D85, 1}, {0x16EA0, 0x16EB8, 1}, {0x16EBB, 0x16ED3, 1},
		},
	}
	caseIgnorableSince15 = &unicode.RangeTable{
		R16: []unicode.Range16{
			{0x0897, 0x0897, 1}, {0x1ACF, 0x1ADD, 1}, {0x1AE0, 0x1AEB, 1}, {0xA7F1, 0xA7F1, 1},
		},
		R32: []unicode.Range32{
			{0x10D4E, 0x10D4E, 1}, {0x10D69, 0x10D6D, 1}, {0x10D6F, 0x10D6F, 1},
			{0x10EC5, 0x10EC5, 1}, {0x10EFA, 0x10EFC, 1}, {0x113BB, 0x113C0, 1},
			{0x113CE, 0x113D2, 2}, {0x113E1, 0x113E2, 1}, {0x11B60, 0x11B60, 1},
			{0x11B62, 0x11B64, 1}, {0x11B66, 0x11B66, 1}, {0x11DD9, 0x11DD9, 1},
			{0x11F5A, 0x11F5A, 1}, {0x1611E, 0x16129, 1}, {0x1612D, 0x1612F, 1},
			{0x16D40, 0x16D42, 1}, {0x16D6B, 0x16D6C, 1}, {0x16FF2, 0x16FF3, 1},
			{0x1E5EE, 0x1E5EF, 1}, {0x1E6E3, 0x1E6E3, 1}, {0x1E6E6, 0x1E6E6, 1},
			{0x1E6EE, 0x1E6EF, 1}, {0x1E6F5, 0x1E6F5, 1}, {0x1E6FF, 0x1E6FF, 1},
		},
	}
)
