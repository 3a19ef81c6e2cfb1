package validatorjs

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var emailSeeds = []string{
	"a@b.co", "Test.User+tag@Example.Com", `"a\"b"@x.com`, `"@x.com`, "a@b..com", "a＠b.com",
	"a@" + strings.Repeat("😀", 32) + ".com", "a@xn--p1ai.xn--p1ai", "ΑΣ+x@GoogleMail.com", "\xff@x.com",
}

var phoneSeeds = []string{
	"+14155550123", "+1 (415) 555-0123", "+900635063", "+45\v12 34 56 78", "+306962345678", "+\xff",
}

// FuzzIsEmail checks that the e-mail functions do not panic and that what
// IsEmail accepts has the shape validator.js demands.
func FuzzIsEmail(f *testing.F) {
	for _, s := range emailSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ok := IsEmail(s)
		if ok && (!utf8.ValidString(s) || !strings.Contains(s, "@") || utf16Len(s) > maxEmailLength) {
			t.Errorf("IsEmail(%q) = true", s)
		}
		n := NormalizeEmail(s)
		if n != "" && !strings.Contains(n, "@") {
			t.Errorf("NormalizeEmail(%q) = %q, without '@'", s, n)
		}
		_ = LowerCase(s)
		if tr := Trim(s); !strings.Contains(s, tr) {
			t.Errorf("Trim(%q) = %q, not a substring", s, tr)
		}
	})
}

// FuzzIsMobilePhone checks that IsMobilePhone does not panic and that its
// length shortcut agrees with trying each locale's pattern in turn, as
// validator.js does.
func FuzzIsMobilePhone(f *testing.F) {
	for _, s := range phoneSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := IsMobilePhone(s), isMobilePhoneEachLocale(s); got != want {
			t.Errorf("IsMobilePhone(%q) = %v, each locale in turn says %v", s, got, want)
		}
	})
}

// isMobilePhoneEachLocale is IsMobilePhone without its length shortcut,
// trying each locale, aliases included, as validator.js does.
func isMobilePhoneEachLocale(s string) bool {
	if !strings.HasPrefix(s, "+") || !utf8.ValidString(s) {
		return false
	}
	for _, p := range phoneTable {
		if phoneRegexps[p.locale].MatchString(s) {
			return true
		}
	}
	return false
}

func BenchmarkIsEmail(b *testing.B) {
	for name, s := range map[string]string{
		"ascii":   "test.user+tag@example.com",
		"greek":   "ΑΣ@παράδειγμα.δοκιμή",
		"longest": strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + ".com",
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				IsEmail(s)
			}
		})
	}
}

func BenchmarkIsMobilePhone(b *testing.B) {
	for _, s := range []string{"+14155550123", "+900635063", "+55 (11) 98765-4321", "+" + strings.Repeat("1", 1000)} {
		b.Run(s[:min(len(s), 20)], func(b *testing.B) {
			for b.Loop() {
				IsMobilePhone(s)
			}
		})
	}
}

func BenchmarkNormalizeEmail(b *testing.B) {
	for b.Loop() {
		NormalizeEmail("Test.User+tag@GoogleMail.com")
	}
}
