// Package validatorjs answers what the JavaScript library validator.js,
// version 13.11.0 (the version Altogic's server uses), answers for the
// checks the Altogic auth API applies to e-mail addresses and phone numbers:
//
//   - [IsEmail] is validator.isEmail(s) with its default options:
//     allow_display_name false, require_display_name false,
//     allow_utf8_local_part true, require_tld true, allow_underscores false,
//     ignore_max_length false, allow_ip_domain false,
//     domain_specific_validation false, blacklisted_chars "", empty
//     host_blacklist and host_whitelist (src/lib/isEmail.js, which calls
//     isByteLength.js and isFQDN.js).
//   - [IsMobilePhone] is validator.isMobilePhone(s, "any", {strictMode: true})
//     (src/lib/isMobilePhone.js): s starts with "+" and matches the pattern of
//     at least one of the library's locales.
//   - [NormalizeEmail] is validator.normalizeEmail(s, {gmail_remove_dots: false})
//     (src/lib/normalizeEmail.js), the sanitizer applied to an address that
//     passed isEmail.
//   - [Trim] is validator.trim(s) (src/lib/trim.js, ltrim.js, rtrim.js) and
//     [LowerCase] is JavaScript's String.prototype.toLowerCase, the two steps
//     that come before isEmail in the server's request validation.
//
// # JavaScript strings
//
// validator.js works on JavaScript strings, sequences of UTF-16 code units;
// this package takes Go strings, which hold UTF-8. The translation keeps
// three JavaScript behaviours that a naive port would lose:
//
//   - Lengths. str.length and the 63-unit label limit of isFQDN count UTF-16
//     code units, so a character outside the Basic Multilingual Plane counts
//     twice. isByteLength counts the bytes of the UTF-8 encoding (it measures
//     encodeURI(str)), which is len(s).
//   - Character classes. A character outside the BMP is a surrogate pair in
//     JavaScript, and the library's non-"u" regular expressions see its two
//     surrogates, not the character: [\u00A1-\uD7FF] never matches it, while
//     [\u00a1-\uffff] (used for domain labels) does.
//   - \s is JavaScript's white space set (which holds U+FEFF and not U+0085),
//     and the "i" flag of a non-"u" expression only folds characters whose
//     upper case form is one UTF-16 code unit and does not cross from
//     non-ASCII to ASCII: for the classes used here it only adds the other
//     case of the ASCII letters.
//
// A Go string that is not valid UTF-8 has no JavaScript equivalent: IsEmail
// and IsMobilePhone answer false for it. A JavaScript string holding a lone
// surrogate has no Go equivalent (encoding/json decodes one as U+FFFD);
// validator.js itself throws on such an address, in encodeURI.
//
// # Generated and hand-written parts
//
// The rules that are tables come from validator.js's own source: the
// generator (gen, with internal/generate) reads a pinned copy of the npm
// package validator 13.11.0 in gen/validator-13.11.0 (its ES module build,
// es/lib, with its package.json and LICENSE) and writes
//
//   - phones_gen.go: the phones table of isMobilePhone.js, each locale's
//     pattern translated to Go's RE2 syntax (a pattern it cannot translate
//     exactly, such as el-GR's lookahead, is a hand translation kept in the
//     generator together with the source it was written for, which the
//     generator checks);
//   - email_gen.go: the character classes of isEmail.js's
//     emailUserUtf8Part and quotedEmailUserUtf8 and of isFQDN.js's TLD,
//     label and full-width patterns, as the UTF-16 code units they match,
//     and the limits (defaultMaxEmailLength, the 64 and 254 bytes of the
//     local part and the domain, the 63 units of a label, the TLD lengths).
//
// The logic around them is written by hand: IsMobilePhone (strictMode's
// '+', then any locale), and in email.go the splitting at '@' and '.', the
// slice of a quoted local part, the order of the checks, the hyphen,
// underscore, white space and numeric TLD checks, and the UTF-16 and UTF-8
// counting. It implements the default options only; the generator checks
// validator.js's defaults and fails when they, a regular expression literal
// of the two files, or a statement the limits come from, change. The
// classes of emailUserPart and quotedEmailUser, used when
// allow_utf8_local_part is false, are not generated. Run
//
//	go generate ./internal/validatorjs
//
// after changing the pinned copy or the generator;
// TestGeneratedFilesAreCurrent fails while the generated files differ from
// what the generator makes.
//
// testdata/corpus.jsonl holds answers recorded from validator.js 13.11.0
// (testdata/gen.mjs writes it) and TestAgainstValidatorJS compares this
// package with a live copy of the library.
//
// The tables generated from validator.js, and the rules that follow its
// code, are under its MIT licence (LICENSE.validator).
package validatorjs

//go:generate go run ./gen
