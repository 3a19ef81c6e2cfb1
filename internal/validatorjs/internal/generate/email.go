package generate

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The files of validator.js that isEmail's tables come from.
const (
	emailFile = "es/lib/isEmail.js"
	fqdnFile  = "es/lib/isFQDN.js"
)

// wantOptions are the default options of isEmail and isFQDN that the
// package's hand-written logic (email.go) implements, as validator.js
// writes them. The generator fails when validator.js's defaults differ,
// since the logic would then answer for other options.
var wantOptions = []struct {
	file, object string
	values       [][2]string
}{
	{emailFile, "default_email_options", [][2]string{
		{"allow_display_name", "false"},
		{"allow_underscores", "false"},
		{"require_display_name", "false"},
		{"allow_utf8_local_part", "true"},
		{"require_tld", "true"},
		{"blacklisted_chars", "''"},
		{"ignore_max_length", "false"},
		{"host_blacklist", "[]"},
		{"host_whitelist", "[]"},
	}},
	{fqdnFile, "default_fqdn_options", [][2]string{
		{"require_tld", "true"},
		{"allow_underscores", "false"},
		{"allow_trailing_dot", "false"},
		{"allow_numeric_tld", "false"},
		{"allow_wildcard", "false"},
		{"ignore_max_length", "false"},
	}},
}

// classBody matches the body of a JavaScript character class: what is
// between its brackets.
const classBody = `((?:\\.|[^\\\]])*)`

// literalRule says what the package does with one regular expression
// literal, or a group of them, of isEmail.js or isFQDN.js. Every literal of
// the two files must meet exactly one rule, so that a literal validator.js
// gains or changes cannot go unnoticed.
type literalRule struct {
	// The literal is the one declared `var decl = /.../`, or the ones in
	// the function fn, or the one whose source matches src (the whole of
	// it) and that next follows.
	decl, fn string
	src      *regexp.Regexp
	flags    string
	next     string
	// many lets the rule meet more than one literal (of an unused part).
	many bool
	// use is "table" (the generator writes its classes), "logic" (email.go
	// does by hand what it does) or "unused" (the default options never
	// reach the code that uses it); why says where.
	use, why string
	// tables names, for a "table" rule, the Go variables that the
	// classes the submatches of src hold become, in order (and "" for a
	// submatch that is not a class); docs says what each is for.
	tables, docs []string
}

var emailRules = map[string][]*literalRule{
	emailFile: {
		{decl: "splitNameAddress", use: "unused", why: "display names (allow_display_name, require_display_name)"},
		{decl: "emailUserPart", use: "unused", why: "allow_utf8_local_part false"},
		{decl: "gmailUserPart", use: "unused", why: "domain_specific_validation"},
		{decl: "quotedEmailUser", use: "unused", why: "allow_utf8_local_part false"},
		{fn: "validateDisplayName", many: true, use: "unused", why: "display names"},
		{src: verbatim(`(^<|>$)`), flags: "g", next: ", '')", use: "unused", why: "display names"},
		{src: verbatim(`\.`), flags: "g", next: ", '')", use: "unused", why: "domain_specific_validation"},
		{decl: "emailUserUtf8Part", src: regexp.MustCompile(`^\^\[` + classBody + `\]\+\$$`), flags: "i",
			use: "table", tables: []string{"emailUserUtf8Part"},
			docs: []string{"what each dot-separated part of a local part not in quotes is made of"}},
		{decl: "quotedEmailUserUtf8", src: regexp.MustCompile(`^\^\(\[` + classBody + `\]\|\(\\\\\[` + classBody + `\]\)\)\*\$$`), flags: "i",
			use: "table", tables: []string{"quotedEmailUserUtf8Text", "quotedEmailUserUtf8Escaped"},
			docs: []string{"a character of a local part in quotes", "a character after a backslash in a local part in quotes"}},
	},
	fqdnFile: {
		{src: regexp.MustCompile(`^\^\(\[` + classBody + `\]\{([0-9]+),\}\|([a-z]+)\[` + classBody + `\]\{([0-9]+),\}\)\$$`), flags: "i", next: ".test(tld)",
			use: "table", tables: []string{"fqdnTLD", "", "", "fqdnTLDPunycode", ""},
			docs: []string{"the characters of a TLD", "", "", "the characters of a punycode TLD after its prefix", ""}},
		{src: verbatim(`\s`), next: ".test(tld)", use: "logic", why: "white space in the TLD"},
		{src: verbatim(`^\d+$`), next: ".test(tld)", use: "logic", why: "a numeric TLD (allow_numeric_tld false)"},
		{src: regexp.MustCompile(`^\^\[` + classBody + `\]\+\$$`), flags: "i", next: ".test(part)",
			use: "table", tables: []string{"fqdnLabel"},
			docs: []string{"the characters of a label"}},
		{src: regexp.MustCompile(`^\[` + classBody + `\]$`), next: ".test(part)",
			use: "table", tables: []string{"fqdnFullWidth"},
			docs: []string{"the full-width characters a label may not hold"}},
		{src: verbatim(`^-|-$`), next: ".test(part)", use: "logic", why: "a label's leading or trailing hyphen"},
		{src: verbatim(`_`), next: ".test(part)", use: "logic", why: "underscores (allow_underscores false)"},
	},
}

var ordinals = []string{1: "first", 2: "second", 3: "third"}

func verbatim(s string) *regexp.Regexp { return regexp.MustCompile(`^` + regexp.QuoteMeta(s) + `$`) }

func (r *literalRule) meets(toks []token, k int) bool {
	t := toks[k]
	if r.decl != "" && !(k >= 3 && toks[k-3].is(tokIdent, "var") && toks[k-2].is(tokIdent, r.decl) && toks[k-1].is(tokPunct, "=")) {
		return false
	}
	if r.fn != "" {
		return t.fn == r.fn
	}
	if r.decl != "" && r.src == nil {
		return true
	}
	return r.src.MatchString(t.text) && t.flags == r.flags && strings.HasPrefix(t.next, r.next)
}

// emailTable is a class the generator writes.
type emailTable struct {
	name string
	// literal and file are where it comes from: the nth class of literal,
	// declared as decl if not "".
	literal, file, decl string
	nth                 int
	doc                 string
	set                 unitSet
}

// emailFacts is what the generator reads from isEmail.js and isFQDN.js.
type emailFacts struct {
	tables []emailTable
	// consts are the constants, in order: name, value (Go), comment.
	consts [][3]string
	// literals lists the other literals and what becomes of them.
	literals []string
}

func readEmail(sources map[string]string) (*emailFacts, error) {
	facts := &emailFacts{}
	toks := map[string][]token{}
	for _, file := range []string{emailFile, fqdnFile} {
		t, err := tokenize(file, sources[file])
		if err != nil {
			return nil, err
		}
		toks[file] = t
	}

	// The default options.
	for _, w := range wantOptions {
		keys, values, _, err := objectLiteral(w.file, toks[w.file], w.object)
		if err != nil {
			return nil, err
		}
		var got, want []string
		for _, k := range keys {
			got = append(got, k+": "+values[k].text)
		}
		for _, kv := range w.values {
			want = append(want, kv[0]+": "+kv[1])
		}
		if strings.Join(got, ", ") != strings.Join(want, ", ") {
			return nil, fmt.Errorf("%s: %s is {%s}, the package implements {%s}: the hand-written logic of email.go must be looked at again",
				w.file, w.object, strings.Join(got, ", "), strings.Join(want, ", "))
		}
	}
	// isEmail passes three of its options to isFQDN, which takes its own
	// defaults for the others.
	// Statements the limits below and the logic of email.go rely on.
	for _, c := range []struct{ file, tokens string }{
		{emailFile, "isFQDN ( domain , { require_tld : options . require_tld , ignore_max_length : options . ignore_max_length , allow_underscores : options . allow_underscores } )"},
		{emailFile, "str . length > defaultMaxEmailLength"},
	} {
		if _, err := findTokens(c.file, toks[c.file], c.tokens); err != nil {
			return nil, err
		}
	}

	// The limits.
	for _, c := range []struct {
		name, file, tokens, doc string
	}{
		{"maxEmailLength", emailFile, "var defaultMaxEmailLength = # ;",
			"defaultMaxEmailLength (isEmail.js), the most UTF-16 code units (str.length) of an address"},
		{"maxUserBytes", emailFile, "isByteLength ( user , { max : # } )",
			"the max of isByteLength(user, ...) (isEmail.js), the most UTF-8 bytes of the local part"},
		{"maxDomainBytes", emailFile, "isByteLength ( domain , { max : # } )",
			"the max of isByteLength(domain, ...) (isEmail.js), the most UTF-8 bytes of the domain"},
		{"maxLabelLength", fqdnFile, "part . length > # & & ! options . ignore_max_length",
			"the max of part.length > max (isFQDN.js), the most UTF-16 code units of a label"},
	} {
		n, err := findTokens(c.file, toks[c.file], c.tokens)
		if err != nil {
			return nil, err
		}
		facts.consts = append(facts.consts, [3]string{c.name, n, c.doc})
	}

	// The regular expression literals.
	for _, file := range []string{emailFile, fqdnFile} {
		ts := toks[file]
		met := map[*literalRule][]string{}
		for k, t := range ts {
			if t.kind != tokRegexp {
				continue
			}
			var rule *literalRule
			for _, r := range emailRules[file] {
				if r.meets(ts, k) {
					if rule != nil {
						return nil, fmt.Errorf("%s:%d: %s meets two rules of the generator", file, t.line, t.literal())
					}
					rule = r
				}
			}
			if rule == nil {
				return nil, fmt.Errorf("%s:%d: %s is new or changed: the generator has no rule for it", file, t.line, t.literal())
			}
			met[rule] = append(met[rule], fmt.Sprintf("%s at line %d", t.literal(), t.line))
			if rule.use != "table" {
				facts.literals = append(facts.literals, fmt.Sprintf("%s %s: %s, %s", file, t.literal(), rule.use, rule.why))
				continue
			}
			m := rule.src.FindStringSubmatch(t.text)
			ignoreCase := strings.Contains(t.flags, "i")
			nth := 0
			for j, table := range rule.tables {
				if table == "" {
					continue
				}
				nth++
				set, err := parseClass(m[j+1], ignoreCase)
				if err != nil {
					return nil, fmt.Errorf("%s:%d: %s: %v", file, t.line, t.literal(), err)
				}
				facts.tables = append(facts.tables, emailTable{
					name: table, literal: t.literal(), file: file, decl: rule.decl, nth: nth,
					doc: rule.docs[j], set: set,
				})
			}
			if rule.tables[0] == "fqdnTLD" {
				facts.consts = append(facts.consts,
					[3]string{"minTLDLength", m[2], "the n of {n,} after fqdnTLD in isFQDN's TLD pattern"},
					[3]string{"tldPunycodePrefix", strconv.Quote(m[3]), "the letters before fqdnTLDPunycode in isFQDN's TLD pattern, in any case (the i flag)"},
					[3]string{"minTLDPunycodeLength", m[5], "the n of {n,} after fqdnTLDPunycode in isFQDN's TLD pattern"},
				)
			}
		}
		for _, r := range emailRules[file] {
			if len(met[r]) == 0 || len(met[r]) > 1 && !r.many {
				return nil, fmt.Errorf("%s: the rule of the generator for %s meets %d literals (%s), want one",
					file, r.describe(), len(met[r]), strings.Join(met[r], ", "))
			}
		}
	}
	return facts, nil
}

func (r *literalRule) describe() string {
	switch {
	case r.fn != "":
		return "the literals of function " + r.fn
	case r.decl != "":
		return "var " + r.decl
	}
	return r.src.String() + " before " + r.next
}

// findTokens finds the one place where the tokens of pattern (separated by
// spaces) follow each other in toks; a # stands for a number, which it
// returns.
func findTokens(file string, toks []token, pattern string) (string, error) {
	want := strings.Fields(pattern)
	var found []string
	for i := 0; i+len(want) <= len(toks); i++ {
		num := ""
		ok := true
		for j, w := range want {
			t := toks[i+j]
			if w == "#" && t.kind == tokNumber {
				num = t.text
				continue
			}
			if t.text != w || t.kind == tokString || t.kind == tokRegexp {
				ok = false
				break
			}
		}
		if ok {
			found = append(found, num)
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("%s: `%s` found %d times, want once", file, pattern, len(found))
	}
	if n := found[0]; n != "" {
		if _, err := strconv.Atoi(n); err != nil {
			return "", fmt.Errorf("%s: `%s`: %q is not a decimal number", file, pattern, n)
		}
	}
	return found[0], nil
}

// emailGo writes email_gen.go.
func emailGo(sources map[string]string) ([]byte, error) {
	facts, err := readEmail(sources)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	header(&b, emailFile, fqdnFile)
	b.WriteString("import \"unicode\"\n\n")

	options := []string{"The hand-written logic of email.go implements validator.js's isEmail and isFQDN with these default options, which the generator checks:"}
	for _, w := range wantOptions {
		block := fmt.Sprintf("\t%s (%s):\n", w.object, w.file)
		for _, kv := range w.values {
			block += fmt.Sprintf("\t\t%s: %s\n", kv[0], kv[1])
		}
		options = append(options, block)
	}
	options = append(options, "isEmail passes require_tld, ignore_max_length and allow_underscores to isFQDN. The generator makes the tables below out of some of the regular expression literals of the two files; of the others, email.go does by hand what some do (logic) and the default options never reach the code that uses the rest (unused):")
	block := ""
	for _, l := range facts.literals {
		block += "\t" + l + "\n"
	}
	comment(&b, append(options, block)...)
	b.WriteString("\n")
	comment(&b, "Limits of isEmail and isFQDN.")
	b.WriteString("const (\n")
	for _, c := range facts.consts {
		comment(&b, c[0]+" is "+c[2]+".")
		fmt.Fprintf(&b, "%s = %s\n", c[0], c[1])
	}
	b.WriteString(")\n")
	for _, t := range facts.tables {
		from := t.file
		if t.decl != "" {
			from = t.decl + ", " + from
		}
		b.WriteString("\n")
		comment(&b, fmt.Sprintf("%s is %s: the UTF-16 code units the %s class of", t.name, t.doc, ordinals[t.nth]),
			"\t"+t.literal, "("+from+") matches.")
		fmt.Fprintf(&b, "var %s = %s\n", t.name, rangeTable(t.set))
	}
	return b.Bytes(), nil
}

// rangeTable writes set as a *unicode.RangeTable literal.
func rangeTable(set unitSet) string {
	var b strings.Builder
	b.WriteString("&unicode.RangeTable{\nR16: []unicode.Range16{\n")
	latin := 0
	for _, r := range set {
		fmt.Fprintf(&b, "{Lo: 0x%04x, Hi: 0x%04x, Stride: 1},", r.lo, r.hi)
		if r.hi < 0x80 {
			if r.lo == r.hi {
				fmt.Fprintf(&b, " // %s", strconv.QuoteRune(rune(r.lo)))
			} else {
				fmt.Fprintf(&b, " // %s-%s", strconv.QuoteRune(rune(r.lo)), strconv.QuoteRune(rune(r.hi)))
			}
		}
		b.WriteByte('\n')
		if r.hi <= 0xFF {
			latin++
		}
	}
	fmt.Fprintf(&b, "},\nLatinOffset: %d,\n}", latin)
	return b.String()
}
