// Command gen writes regexes_gen.go, the rule tables of package useragent,
// from the file lib/regexps.js of the npm package useragent 2.3.0.
//
// That file is itself generated (by the package's lib/update.js, from
// uap-core's regexes.yaml) and has a fixed shape, one statement a line:
//
//	exports.browser = Object.create(null);
//	parser = Object.create(null);
//	parser[0] = new RegExp("<JSON string>");
//	parser[1] = "<replacement>";   or   parser[1] = 0;
//	...
//	exports.browser[0] = parser;
//	exports.browser.length = 260;
//
// gen reads those statements and refuses any other, so that a file of a
// different shape cannot be converted silently. The regular expressions are
// copied verbatim (in JavaScript syntax); package useragent translates them
// to Go's syntax when it first needs them.
//
// Usage, from the package directory (go generate does this):
//
//	go run ./gen [-in path/to/useragent/lib/regexps.js] [-o regexes_gen.go]
//
// Without -in, gen reads node_modules/useragent/lib/regexps.js under the
// directory named by $USERAGENTJS_DIR, or else under ../../e2e (npm install
// --prefix DIR useragent@2.3.0 puts it there). Either way it checks that
// the package.json of the package holding the file says useragent 2.3.0.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// wantVersion is the version of the npm package the tables must come from.
const wantVersion = "2.3.0"

// A rule is one parser of regexps.js: parser[0] is the regular expression,
// parser[1] the family replacement and parser[2..4] the version
// replacements; a replacement of 0 (none) is the empty string here.
type rule struct {
	re   string
	repl [4]string
}

var (
	sectionRE = regexp.MustCompile(`^exports\.(browser|device|os) = Object\.create\(null\);$`)
	newRE     = regexp.MustCompile(`^parser = Object\.create\(null\);$`)
	regexpRE  = regexp.MustCompile(`^parser\[0\] = new RegExp\(("(?:[^"\\]|\\.)*")\);$`)
	replRE    = regexp.MustCompile(`^parser\[([1-4])\] = (0|"(?:[^"\\]|\\.)*");$`)
	storeRE   = regexp.MustCompile(`^exports\.(browser|device|os)\[(\d+)\] = parser;$`)
	lengthRE  = regexp.MustCompile(`^exports\.(browser|device|os)\.length = (\d+);$`)
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("gen: ")
	in := flag.String("in", "", "path of useragent's lib/regexps.js (default: $USERAGENTJS_DIR or ../../e2e, then node_modules/useragent/lib/regexps.js)")
	out := flag.String("o", "regexes_gen.go", "output file")
	flag.Parse()

	path := *in
	if path == "" {
		dir := os.Getenv("USERAGENTJS_DIR")
		if dir == "" {
			dir = filepath.Join("..", "..", "e2e")
		}
		path = filepath.Join(dir, "node_modules", "useragent", "lib", "regexps.js")
	}
	if err := checkVersion(filepath.Join(filepath.Dir(path), "..", "package.json")); err != nil {
		log.Fatal(err)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	tables, err := parse(src)
	if err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	code, err := render(tables)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, code, 0o644); err != nil {
		log.Fatal(err)
	}
}

// checkVersion fails unless the package.json at path is useragent's, at
// wantVersion.
func checkVersion(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var pkg struct{ Name, Version string }
	if err := json.Unmarshal(b, &pkg); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	if pkg.Name != "useragent" || pkg.Version != wantVersion {
		return fmt.Errorf("%s: package %s@%s, want useragent@%s", path, pkg.Name, pkg.Version, wantVersion)
	}
	return nil
}

// parse reads the statements of regexps.js into the three tables.
func parse(src []byte) (map[string][]rule, error) {
	tables := map[string][]rule{}
	lengths := map[string]int{}
	var (
		section string
		cur     *rule
		set     [5]bool // which of parser[0..4] the current parser has
	)
	inComment := false
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		fail := func(format string, args ...any) error {
			return fmt.Errorf("line %d: %s: %q", n, fmt.Sprintf(format, args...), line)
		}
		switch {
		case inComment:
			inComment = !strings.HasSuffix(line, "*/")
		case strings.HasPrefix(line, "/*"):
			inComment = !strings.HasSuffix(line, "*/")
		case line == "", line == `"use strict";`, line == "var parser;":
		case sectionRE.MatchString(line):
			section = sectionRE.FindStringSubmatch(line)[1]
			if _, dup := tables[section]; dup {
				return nil, fail("table declared twice")
			}
			tables[section] = []rule{}
			cur = nil
		case newRE.MatchString(line):
			if section == "" {
				return nil, fail("parser outside a table")
			}
			cur, set = &rule{}, [5]bool{}
		case regexpRE.MatchString(line):
			if cur == nil || set[0] {
				return nil, fail("unexpected regular expression")
			}
			if err := json.Unmarshal([]byte(regexpRE.FindStringSubmatch(line)[1]), &cur.re); err != nil {
				return nil, fail("%v", err)
			}
			set[0] = true
		case replRE.MatchString(line):
			m := replRE.FindStringSubmatch(line)
			i, _ := strconv.Atoi(m[1])
			if cur == nil || set[i] {
				return nil, fail("unexpected replacement")
			}
			if m[2] != "0" {
				s, err := unquoteJS(m[2])
				if err != nil {
					return nil, fail("%v", err)
				}
				if s == "" {
					// lib/update.js writes 0 for an absent or empty
					// replacement; an empty string would be as falsy.
					return nil, fail("empty replacement")
				}
				cur.repl[i-1] = s
			}
			set[i] = true
		case storeRE.MatchString(line):
			m := storeRE.FindStringSubmatch(line)
			i, _ := strconv.Atoi(m[2])
			if cur == nil || m[1] != section || i != len(tables[section]) || set != [5]bool{true, true, true, true, true} {
				return nil, fail("parser stored out of order or incomplete")
			}
			tables[section] = append(tables[section], *cur)
			cur = nil
		case lengthRE.MatchString(line):
			m := lengthRE.FindStringSubmatch(line)
			lengths[m[1]], _ = strconv.Atoi(m[2])
		default:
			return nil, fail("unexpected statement")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, name := range []string{"browser", "device", "os"} {
		if len(tables[name]) == 0 || lengths[name] != len(tables[name]) {
			return nil, fmt.Errorf("table %s: %d parsers, length %d", name, len(tables[name]), lengths[name])
		}
	}
	return tables, nil
}

// unquoteJS decodes a double-quoted JavaScript string literal. Only the
// escapes a generated replacement can hold are accepted.
func unquoteJS(lit string) (string, error) {
	body := lit[1 : len(lit)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		switch c := body[i]; c {
		case '"', '\'', '\\', '/':
			b.WriteByte(c)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		default:
			return "", fmt.Errorf("unsupported escape \\%c in %s", c, lit)
		}
	}
	if !utf8.ValidString(b.String()) {
		return "", errors.New("replacement is not UTF-8")
	}
	return b.String(), nil
}

// render writes the Go source of the tables.
func render(tables map[string][]rule) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`// Code generated by "go run ./gen"; DO NOT EDIT.

// The rules below are lib/regexps.js of the npm package useragent ` + wantVersion + `
// (MIT licence, see LICENSE.useragent), which holds the regexes.yaml of
// uap-core (Apache License 2.0, see LICENSE.uap-core and NOTICE) with a few
// additions of useragent's own. The regular expressions are in JavaScript
// syntax, verbatim.

package useragent

`)
	for _, t := range []struct{ name, doc string }{
		{"browser", "browserRules is regexps.browser: the first rule that matches names the browser."},
		{"device", "deviceRules is regexps.device: the first rule that matches names the device."},
		{"os", "osRules is regexps.os: the first rule that matches names the operating system."},
	} {
		fmt.Fprintf(&b, "// %s\nvar %sRules = []rule{\n", t.doc, t.name)
		for _, r := range tables[t.name] {
			fmt.Fprintf(&b, "\t{%s, %q, %q, %q, %q},\n", quote(r.re), r.repl[0], r.repl[1], r.repl[2], r.repl[3])
		}
		b.WriteString("}\n\n")
	}
	return format.Source(b.Bytes())
}

// quote writes the regular expression s as a Go string literal, raw when
// that is possible.
func quote(s string) string {
	if strconv.CanBackquote(s) {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}
