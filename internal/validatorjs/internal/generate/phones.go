package generate

import (
	"bytes"
	"cmp"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
)

// phonesFile is the file of validator.js that holds the phones table.
const phonesFile = "es/lib/isMobilePhone.js"

// override is a hand translation of a locale's pattern, for a pattern
// translateJSRegexp cannot translate.
type override struct {
	// js is the JavaScript source the translation was written for: the
	// generator fails when validator.js's source for the locale is another
	// one, so that the translation is looked at again.
	js string
	// re2 is the translation, in Go's RE2 syntax.
	re2 string
	// note says how re2 was obtained; it goes into the generated file.
	note string
}

// overrides are the hand translations, by locale.
var overrides = map[string]override{
	// RE2 has no lookahead. In 9(?![26])[0-9] the lookahead only refuses
	// the digit that [0-9] then reads, so the two are the class of the
	// digits other than 2 and 6.
	"el-GR": {
		js:   `^(\+?30|0)?6(8[5-9]|9(?![26])[0-9])\d{7}$`,
		re2:  `^(\+?30|0)?6(8[5-9]|9[013-57-9])\d{7}$`,
		note: "hand translation: 9(?![26])[0-9] is a 9 then a digit other than 2 and 6",
	},
}

// phone is one locale of the phones table.
type phone struct {
	locale string
	js     string // the source of validator.js's regular expression
	re2    string // its translation to Go's syntax
	note   string // for a hand translation, what the override says
	alias  string // for an alias, the locale whose pattern it shares
}

// readPhones reads the phones table of isMobilePhone.js, src: the object
// literal `var phones = {locale: /pattern/, ...};` and the statements
// `phones[alias] = phones[locale];` that follow it. It returns the locales,
// aliases included, sorted.
func readPhones(src string) ([]phone, error) {
	toks, err := tokenize(phonesFile, src)
	if err != nil {
		return nil, err
	}
	keys, values, i, err := objectLiteral(phonesFile, toks, "phones")
	if err != nil {
		return nil, err
	}
	var phones []phone
	byLocale := map[string]phone{}
	for _, locale := range keys {
		v := values[locale]
		if v.kind != tokRegexp {
			return nil, fmt.Errorf("%s:%d: phones[%s] is not a regular expression literal", phonesFile, v.line, locale)
		}
		if v.flags != "" {
			return nil, fmt.Errorf("%s:%d: phones[%s]: flags %q are not supported", phonesFile, v.line, locale, v.flags)
		}
		p := phone{locale: locale, js: v.text}
		if o, ok := overrides[locale]; ok {
			if o.js != p.js {
				return nil, fmt.Errorf("%s:%d: phones[%s] is %s, but the generator's hand translation was written for /%s/: translate the new pattern again", phonesFile, v.line, locale, v.literal(), o.js)
			}
			p.re2, p.note = o.re2, o.note
		} else if p.re2, err = translateJSRegexp(p.js); err != nil {
			return nil, fmt.Errorf("%s:%d: phones[%s] %s: %v (add a checked hand translation to the generator's overrides)", phonesFile, v.line, locale, v.literal(), err)
		}
		if _, err := regexp.Compile(p.re2); err != nil {
			return nil, fmt.Errorf("%s:%d: phones[%s]: translation %q: %v", phonesFile, v.line, locale, p.re2, err)
		}
		phones = append(phones, p)
	}
	for locale := range overrides {
		if _, ok := values[locale]; !ok {
			return nil, fmt.Errorf("%s: the generator has a hand translation for phones[%s], which validator.js no longer has", phonesFile, locale)
		}
	}
	for _, p := range phones {
		byLocale[p.locale] = p
	}

	// The aliases: phones['a'] = phones['b']; until the function.
	for i < len(toks) && !toks[i].is(tokIdent, "export") {
		if toks[i].is(tokPunct, ";") {
			i++
			continue
		}
		if i+10 >= len(toks) ||
			!toks[i].is(tokIdent, "phones") || !toks[i+1].is(tokPunct, "[") || toks[i+2].kind != tokString || !toks[i+3].is(tokPunct, "]") ||
			!toks[i+4].is(tokPunct, "=") ||
			!toks[i+5].is(tokIdent, "phones") || !toks[i+6].is(tokPunct, "[") || toks[i+7].kind != tokString || !toks[i+8].is(tokPunct, "]") ||
			!toks[i+9].is(tokPunct, ";") {
			return nil, fmt.Errorf("%s:%d: after the phones table, want only `phones[alias] = phones[locale];`", phonesFile, toks[i].line)
		}
		alias, target := toks[i+2].value, toks[i+7].value
		t, ok := byLocale[target]
		if !ok {
			return nil, fmt.Errorf("%s:%d: alias %s of unknown locale %s", phonesFile, toks[i].line, alias, target)
		}
		if _, dup := byLocale[alias]; dup {
			return nil, fmt.Errorf("%s:%d: alias %s redefines a locale", phonesFile, toks[i].line, alias)
		}
		if t.alias != "" {
			target = t.alias // phones['it-CH'] = phones['fr-CH'], itself an alias
		}
		a := phone{locale: alias, alias: target}
		phones = append(phones, a)
		byLocale[alias] = a
		i += 10
	}
	// The table must not change after that, and the file must hold no other
	// regular expression.
	for j := i; j < len(toks); j++ {
		if toks[j].kind == tokRegexp {
			return nil, fmt.Errorf("%s:%d: unexpected regular expression literal %s", phonesFile, toks[j].line, toks[j].literal())
		}
		if toks[j].is(tokIdent, "phones") && j+1 < len(toks) && toks[j+1].is(tokPunct, "[") {
			k := j + 2
			for k < len(toks) && !toks[k].is(tokPunct, "]") {
				k++
			}
			if k+2 < len(toks) && toks[k+1].is(tokPunct, "=") && !toks[k+2].is(tokPunct, "=") {
				return nil, fmt.Errorf("%s:%d: the phones table is changed after its aliases", phonesFile, toks[j].line)
			}
		}
	}
	slices.SortFunc(phones, func(a, b phone) int { return cmp.Compare(a.locale, b.locale) })
	return phones, nil
}

// maxPhoneLen returns the most characters a string one of the patterns
// matches can hold.
func maxPhoneLen(phones []phone) (int, error) {
	n := 0
	for _, p := range phones {
		if p.alias != "" {
			continue
		}
		re, err := syntax.Parse(p.re2, syntax.Perl)
		if err != nil {
			return 0, fmt.Errorf("phones[%s]: %v", p.locale, err)
		}
		m, ok := maxMatchLen(re)
		if !ok {
			return 0, fmt.Errorf("phones[%s]: %s matches strings of any length", p.locale, p.re2)
		}
		n = max(n, m)
	}
	return n, nil
}

// maxMatchLen returns the most characters a match of re can hold, and
// false when that has no bound.
func maxMatchLen(re *syntax.Regexp) (int, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune), true
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1, true
	case syntax.OpCapture, syntax.OpQuest:
		return maxMatchLen(re.Sub[0])
	case syntax.OpRepeat:
		n, ok := maxMatchLen(re.Sub[0])
		return n * re.Max, ok && re.Max >= 0
	case syntax.OpConcat, syntax.OpAlternate:
		total := 0
		for _, sub := range re.Sub {
			n, ok := maxMatchLen(sub)
			if !ok {
				return 0, false
			}
			if re.Op == syntax.OpConcat {
				total += n
			} else {
				total = max(total, n)
			}
		}
		return total, true
	case syntax.OpStar, syntax.OpPlus:
		return 0, false
	}
	return 0, true // empty-width assertions and empty matches
}

// phonesGo writes phones_gen.go.
func phonesGo(src string) ([]byte, error) {
	phones, err := readPhones(src)
	if err != nil {
		return nil, err
	}
	n, err := maxPhoneLen(phones)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	header(&b, phonesFile)
	comment(&b, "phoneTable is the phones table of "+phonesFile+", sorted by locale, aliases included: for each locale, the source of validator.js's regular expression and its translation to Go's RE2 syntax (by the generator's translateJSRegexp, or a hand translation it checks), or the locale whose pattern an alias shares.")
	b.WriteString("var phoneTable = []phonePattern{\n")
	for _, p := range phones {
		if p.alias != "" {
			fmt.Fprintf(&b, "{locale: %s, alias: %s},\n", strconv.Quote(p.locale), strconv.Quote(p.alias))
			continue
		}
		if p.note != "" {
			fmt.Fprintf(&b, "// %s\n", p.note)
		}
		fmt.Fprintf(&b, "{locale: %s, js: %s, re2: %s},\n", strconv.Quote(p.locale), goString(p.js), goString(p.re2))
	}
	b.WriteString("}\n\n")
	comment(&b, "maxPhoneLen is the most characters a string one of the patterns matches can hold (none repeats without bound).")
	fmt.Fprintf(&b, "const maxPhoneLen = %d\n", n)
	return b.Bytes(), nil
}
