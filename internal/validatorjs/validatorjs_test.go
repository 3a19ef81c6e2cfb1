package validatorjs

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// corpusLine is one line of testdata/corpus.jsonl (see testdata/gen.mjs).
type corpusLine struct {
	Kind   string          `json:"kind"`
	Input  string          `json:"input"`
	Locale string          `json:"locale"`
	Valid  *bool           `json:"valid"`
	Output json.RawMessage `json:"output"`
}

// jsOutput decodes the output of normalizeEmail, toLowerCase or trim: a
// string, or false, which NormalizeEmail answers with "".
func jsOutput(raw json.RawMessage) (string, error) {
	if string(raw) == "false" {
		return "", nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// TestCorpus holds the package to the answers validator.js 13.11.0 gave
// for the inputs of testdata/corpus.jsonl.
func TestCorpus(t *testing.T) {
	f, err := os.Open("testdata/corpus.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	counts := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var c corpusLine
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("corpus.jsonl:%d: %v", n, err)
		}
		counts[c.Kind]++
		switch c.Kind {
		case "email", "phone", "phone_locale":
			if c.Valid == nil {
				t.Fatalf("corpus.jsonl:%d: no \"valid\"", n)
			}
			var got bool
			switch c.Kind {
			case "email":
				got = IsEmail(c.Input)
			case "phone":
				got = IsMobilePhone(c.Input)
			default:
				got = isMobilePhoneLocale(c.Input, c.Locale)
			}
			if got != *c.Valid {
				t.Errorf("corpus.jsonl:%d: %s %q (locale %q): got %v, validator.js says %v",
					n, c.Kind, c.Input, c.Locale, got, *c.Valid)
			}
		case "normalize", "lower", "trim":
			want, err := jsOutput(c.Output)
			if err != nil {
				t.Fatalf("corpus.jsonl:%d: output: %v", n, err)
			}
			var got string
			switch c.Kind {
			case "normalize":
				got = NormalizeEmail(c.Input)
			case "lower":
				got = LowerCase(c.Input)
			default:
				got = Trim(c.Input)
			}
			if got != want {
				t.Errorf("corpus.jsonl:%d: %s %q: got %q, validator.js says %q", n, c.Kind, c.Input, got, want)
			}
		default:
			t.Fatalf("corpus.jsonl:%d: unknown kind %q", n, c.Kind)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	// A truncated or empty corpus must not pass unnoticed.
	for _, kind := range []string{"email", "phone", "phone_locale", "normalize", "lower", "trim"} {
		if counts[kind] < 100 {
			t.Errorf("corpus.jsonl has %d %s lines, want at least 100", counts[kind], kind)
		}
	}
	t.Logf("corpus lines checked: %v", counts)
}

// TestIssueCases spells out, for the reader, answers of validator.js
// 13.11.0 that the corpus also holds.
func TestIssueCases(t *testing.T) {
	emails := map[string]bool{
		"a@b.co":                                true,
		"TEST@EXAMPLE.COM":                      true,
		"a\x00b@x.com":                          false,
		"a\vb@x.com":                            false,
		"a\x7f@x.com":                           false,
		"a\u0085@x.com":                         false,
		"\"a\x07\"@x.com":                       true, // quoted: control characters but NUL pass
		"\"a\x00\"@x.com":                       false,
		"<a@b.com>":                             false,
		"a,b@x.com":                             false,
		"\"<script>\"@x.com":                    true,
		"\"@x.com":                              true, // the slice leaves "", which matches
		strings.Repeat("a", 64) + "@x.com":      true,
		strings.Repeat("a", 65) + "@x.com":      false,
		"a@" + strings.Repeat("b", 63) + ".com": true,
		"a@" + strings.Repeat("b", 64) + ".com": false,
		"a@" + strings.Repeat("😀", 31) + ".com": true, // 62 UTF-16 code units
		"a@" + strings.Repeat("😀", 32) + ".com": false,
		"a@b..com":                              false,
		"a@b.c":                                 false,
		"a..b@x.com":                            false,
		"a@b_c.com":                             false,
		"a＠b.com":                               false,
		"ａ@b.com":                               true,
		"a@ｂ.com":                               false,
		"a\u202eb@x.com":                        true,
		"a\u200bb@x.com":                        true,
		"a😀@x.com":                              false, // surrogates in the local part
		"a@[1.2.3.4]":                           false,
		"a@xn--bcher-kva.ch":                    true,
		"a@bücher.ch":                           true,
		"a@example.рф":                          true,
		"a@b.com.":                              false,
		"a@b.c\u2000m":                          false, // white space in the TLD
		"a@b.c\u00a9":                           false,
		"a@b.c\u00a8":                           true,
		"\xff@x.com":                            false, // not UTF-8
	}
	for in, want := range emails {
		if got := IsEmail(in); got != want {
			t.Errorf("IsEmail(%q) = %v, want %v", in, got, want)
		}
	}
	phones := map[string]bool{
		"+900635063":          false,
		"+15550000001":        false,
		"+15555555555":        true,
		"+14155550123":        true,
		"14155550123":         false, // strictMode wants the '+'
		"+1 (415) 555-0123":   true,
		"+44 7911 123456":     false,
		"+447911123456":       true,
		"+45 12 34 56 78":     true,
		"+45\v12\v34\v56\v78": true, // \s holds the line tabulation
		"+306912345678":       true,
		"+306922345678":       false, // el-GR's lookahead refuses 692
		"+1\xff":              false,
	}
	for in, want := range phones {
		if got := IsMobilePhone(in); got != want {
			t.Errorf("IsMobilePhone(%q) = %v, want %v", in, got, want)
		}
	}
	normalized := map[string]string{
		"a.b+c@googlemail.com": "a.b@gmail.com",
		"+c@gmail.com":         "", // validator.js: false
		"a-b-c@yahoo.com":      "a-b@yahoo.com",
		"A+b@YA.RU":            "a+b@yandex.ru",
		"ΑΣ@x.com":             "ας@x.com",
		"İ@x.com":              "i\u0307@x.com",
	}
	for in, want := range normalized {
		if got := NormalizeEmail(in); got != want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Trim("\ufeff\u3000 a \u0085"); got != "a \u0085" {
		t.Errorf("Trim = %q, want %q", got, "a \u0085")
	}
}

// TestPhoneTable checks the shape of the generated table; its content is
// checked against validator.js by TestAgainstValidatorJS.
func TestPhoneTable(t *testing.T) {
	patterns, aliases := 0, 0
	for _, p := range phoneTable {
		if p.alias == "" {
			patterns++
		} else {
			aliases++
		}
	}
	// validator.js 13.11.0 has 156 patterns and 8 aliases.
	if patterns != 156 || aliases != 8 || len(phonePatterns) != 156 || len(phoneRegexps) != 164 {
		t.Errorf("%d patterns, %d aliases, %d compiled, %d locales; want 156, 8, 156 and 164",
			patterns, aliases, len(phonePatterns), len(phoneRegexps))
	}
	for _, p := range phoneTable {
		if phoneRegexps[p.locale] == nil {
			t.Errorf("locale %s (alias of %q) has no pattern", p.locale, p.alias)
		}
	}
	if isMobilePhoneLocale("+14155550123", "xx-XX") {
		t.Error("unknown locale accepted")
	}
	if !isMobilePhoneLocale("+14155550123", "fr-CA") { // alias of an alias, of en-US
		t.Error("alias fr-CA refused +14155550123")
	}
}

// isMobilePhoneLocale is validator.isMobilePhone(s, locale) without
// strictMode, for one locale (aliases included). It reports false for a
// locale the library does not know, where validator.js throws.
func isMobilePhoneLocale(s, locale string) bool {
	re, ok := phoneRegexps[locale]
	return ok && valid(s) && re.MatchString(s)
}

func TestLength(t *testing.T) {
	for s, want := range map[string]int{
		"":               0,
		"abcdef":         6,
		"aaaaa\uFE0F":    5, // a variation selector is not counted
		"❤\uFE0F❤\uFE0E": 2,
		"😀😀":             2, // a surrogate pair is one
		"👍🏽":             2, // the thumb and its skin tone
		"e\u0301":        2, // a combining mark is counted
		"\uFFFD":         1,
	} {
		if got := Length(s); got != want {
			t.Errorf("Length(%q) = %d, want %d", s, got, want)
		}
	}
}
