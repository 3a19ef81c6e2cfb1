package validatorjs

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// IsMobilePhone reports whether validator.isMobilePhone(s, "any",
// {strictMode: true}) is true in validator.js 13.11.0: s starts with '+' and
// one of the library's locale patterns matches it. It answers false when s
// is not valid UTF-8.
//
// The patterns are generated (phones_gen.go); this logic, from the
// function isMobilePhone of isMobilePhone.js, is written by hand.
func IsMobilePhone(s string) bool {
	if !strings.HasPrefix(s, "+") || !valid(s) {
		return false
	}
	// No pattern matches more than maxPhoneLen characters: a longer s
	// needs no regular expression.
	if utf8.RuneCountInString(s) > maxPhoneLen {
		return false
	}
	// validator.js tries its locales in turn, the aliases among them;
	// whether one matches does not depend on the order.
	for _, re := range phonePatterns {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// phonePattern is one locale of validator.js's phones table
// (isMobilePhone.js), as phones_gen.go lists them.
type phonePattern struct {
	locale string
	// js is the source of validator.js's regular expression, verbatim.
	js string
	// re2 is js in Go's RE2 syntax.
	re2 string
	// alias, for a locale validator.js adds after its table, is the locale
	// whose pattern it shares (js and re2 are then empty).
	alias string
}

var (
	// phoneRegexps holds the compiled pattern of each locale of
	// phoneTable, aliases included.
	phoneRegexps = map[string]*regexp.Regexp{}
	// phonePatterns holds each compiled pattern once.
	phonePatterns []*regexp.Regexp
)

func init() {
	for _, p := range phoneTable {
		if p.alias != "" {
			continue
		}
		re, err := regexp.Compile(p.re2)
		if err != nil {
			panic(fmt.Sprintf("validatorjs: pattern of %s (validator.js /%s/): %v", p.locale, p.js, err))
		}
		phoneRegexps[p.locale] = re
		phonePatterns = append(phonePatterns, re)
	}
	for _, p := range phoneTable {
		if p.alias != "" {
			phoneRegexps[p.locale] = phoneRegexps[p.alias]
		}
	}
}
