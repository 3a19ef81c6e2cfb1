package useragent

import (
	"regexp/syntax"
	"strings"
	"unicode"
)

// A rule's expression runs only when the user agent holds one of the rule's
// required literals: most of the thousand rules name a token ("Firefox/",
// "Build/", "Kindle") that a given user agent lacks, and strings.Contains
// rejects them much faster than Go's regexp engines can. The filter is
// sound: requiredLiterals only returns strings of which every match holds
// at least one.

// Bounds on the literal sets built while computing the required literals;
// a larger set is given up. A product of character classes grows fast and
// filters little; an alternation of names (the lists of bots) is worth
// checking name by name.
const (
	maxProduct = 16
	maxUnion   = 256
)

// requiredLiterals returns strings of which every string that re (in Go's
// syntax) matches contains at least one, or nil when it finds none worth
// checking.
//
// An expression anchored at the start of the text gets no filter: Go's
// regexp tries it at the first position only, which is cheaper than
// looking for its literals everywhere.
func requiredLiterals(re string) []string {
	t, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return nil
	}
	t = t.Simplify()
	if anchoredAtStart(t) {
		return nil
	}
	return analyse(t).required
}

// anchoredAtStart reports whether every match of re begins with ^ (at the
// start of the text).
func anchoredAtStart(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpBeginText:
		return true
	case syntax.OpConcat:
		return len(re.Sub) > 0 && anchoredAtStart(re.Sub[0])
	case syntax.OpCapture:
		return anchoredAtStart(re.Sub[0])
	case syntax.OpAlternate:
		for _, s := range re.Sub {
			if !anchoredAtStart(s) {
				return false
			}
		}
		return true
	}
	return false
}

// litInfo describes an expression: exact, when not nil, is every string it
// can match (so the expression is a finite set of literals); required,
// when not nil, holds strings one of which every match contains.
type litInfo struct {
	exact    []string
	required []string
}

func analyse(re *syntax.Regexp) litInfo {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase == 0 {
			return exactInfo([]string{string(re.Rune)})
		}
		// The parser writes a class such as [Cc] as a case-folding
		// literal, which matches every rune of the folding orbit.
		set := []string{""}
		for _, r := range re.Rune {
			orbit := []string{string(r)}
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				orbit = append(orbit, string(f))
			}
			if set = cross(set, orbit); set == nil {
				return litInfo{}
			}
		}
		return exactInfo(set)
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		// Zero-width: the only string is "".
		return litInfo{exact: []string{""}}
	case syntax.OpCharClass:
		var set []string
		for i := 0; i < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if len(set) == maxProduct {
					return litInfo{}
				}
				set = append(set, string(r))
			}
		}
		return exactInfo(set)
	case syntax.OpCapture:
		return analyse(re.Sub[0])
	case syntax.OpPlus:
		// Every match holds at least one match of the operand.
		sub := analyse(re.Sub[0])
		return litInfo{required: sub.requiredOrExact()}
	case syntax.OpRepeat:
		if re.Min >= 1 {
			sub := analyse(re.Sub[0])
			return litInfo{required: sub.requiredOrExact()}
		}
		return litInfo{}
	case syntax.OpQuest:
		if sub := analyse(re.Sub[0]); sub.exact != nil {
			return litInfo{exact: union(sub.exact, []string{""})}
		}
		return litInfo{}
	case syntax.OpAlternate:
		subs := make([]litInfo, len(re.Sub))
		allExact, allRequired := true, true
		for i, s := range re.Sub {
			subs[i] = analyse(s)
			allExact = allExact && subs[i].exact != nil
			allRequired = allRequired && subs[i].requiredOrExact() != nil
		}
		var set []string
		switch {
		case allExact:
			for _, s := range subs {
				if set = union(set, s.exact); set == nil {
					return litInfo{}
				}
			}
			return exactInfo(set)
		case allRequired:
			for _, s := range subs {
				if set = union(set, s.requiredOrExact()); set == nil {
					return litInfo{}
				}
			}
			return litInfo{required: set}
		}
		return litInfo{}
	case syntax.OpConcat:
		return analyseConcat(re.Sub)
	}
	// OpStar, OpAnyChar, OpAnyCharNotNL, OpNoMatch: nothing is required.
	return litInfo{}
}

// analyseConcat joins runs of consecutive exact operands into longer
// literals (the cross product of their sets) and keeps the best of the
// candidates found.
func analyseConcat(subs []*syntax.Regexp) litInfo {
	var best []string
	consider := func(set []string) {
		if set = nonEmpty(set); better(set, best) {
			best = set
		}
	}
	run := []string{""} // the strings the current run of exact operands matches
	whole := true       // whether run covers every operand so far
	for _, s := range subs {
		info := analyse(s)
		if info.exact == nil {
			consider(run)
			consider(info.required)
			run, whole = []string{""}, false
			continue
		}
		if p := cross(run, info.exact); p != nil {
			run = p
			continue
		}
		consider(run)
		run, whole = info.exact, false
	}
	if whole {
		return exactInfo(run)
	}
	consider(run)
	return litInfo{required: best}
}

// cross returns the concatenations of a string of a and one of b, or nil
// when there would be more than maxProduct.
func cross(a, b []string) []string {
	if len(a)*len(b) > maxProduct {
		return nil
	}
	var out []string
	for _, x := range a {
		for _, y := range b {
			out = union(out, []string{x + y})
		}
	}
	return out
}

// exactInfo is the litInfo of a finite set of literals.
func exactInfo(set []string) litInfo {
	return litInfo{exact: set, required: nonEmpty(set)}
}

// requiredOrExact returns the required literals, or else the exact set when
// it has no empty string.
func (l litInfo) requiredOrExact() []string {
	if l.required != nil {
		return l.required
	}
	return nonEmpty(l.exact)
}

// nonEmpty returns set without the strings that contain another of its
// strings (a string holding "HTC_" holds "HTC"), or nil when set is empty
// or holds "" (which every string contains, so it filters nothing).
func nonEmpty(set []string) []string {
	var out []string
	for i, s := range set {
		if s == "" {
			return nil
		}
		redundant := false
		for j, t := range set {
			// Drop s if it contains another string t; of two equal
			// strings keep the first.
			if j != i && strings.Contains(s, t) && (len(t) < len(s) || j < i) {
				redundant = true
				break
			}
		}
		if !redundant {
			out = append(out, s)
		}
	}
	return out
}

// union returns a ∪ b, or nil when it would hold more than maxUnion.
func union(a, b []string) []string {
	if len(a)+len(b) == 0 {
		return nil
	}
	out := make([]string, len(a), len(a)+len(b))
	copy(out, a)
	seen := make(map[string]bool, len(a)+len(b))
	for _, s := range a {
		seen[s] = true
	}
	for _, s := range b {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if len(out) > maxUnion {
		return nil
	}
	return out
}

// better reports whether the candidate set a filters more than b: a longer
// shortest literal first, then fewer literals.
func better(a, b []string) bool {
	if b == nil {
		return a != nil
	}
	if a == nil {
		return false
	}
	if la, lb := shortest(a), shortest(b); la != lb {
		return la > lb
	}
	return len(a) < len(b)
}

func shortest(set []string) int {
	n := -1
	for _, s := range set {
		if n < 0 || len(s) < n {
			n = len(s)
		}
	}
	return n
}

// containsAny reports whether s contains one of lits.
func containsAny(s string, lits []string) bool {
	for _, l := range lits {
		if strings.Contains(s, l) {
			return true
		}
	}
	return false
}
