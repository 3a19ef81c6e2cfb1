package validatorjs

// Length is the length validator.js's isLength measures (what
// express-validator's .isLength({min, max}) compares, and so Altogic's
// password rule): the string's UTF-16 code units, less one for each
// surrogate pair and one for each variation selector U+FE0E or U+FE0F. For
// a Go string that is its code points less its variation selectors (a lone
// surrogate of the JSON it came from is one U+FFFD, counted once, as
// JavaScript counts the lone surrogate).
func Length(s string) int {
	n := 0
	for _, r := range s {
		if r != 0xFE0E && r != 0xFE0F {
			n++
		}
	}
	return n
}
