package policy

import (
	"strings"
	"unicode/utf8"
)

// Reasoning about a whole service from action patterns: the NFA's live
// states after reading "<namespace>:" say what the rest of the pattern can
// still match. See "Actions of a service" in the package documentation for
// the meaning of the actions argument.

// PatternTouchesService reports whether pattern matches at least one action
// of the service. With actions, some "ns:<action>" must match; without,
// some "ns:X" for a non-empty X of ASCII letters and digits (the characters
// of IAM action names) must. So "*", "s3*", "s3:*", "s3:Get*" and "s?:*"
// touch s3; "s3:" and "s3:Get:*" do not.
func PatternTouchesService(pattern, namespace string, actions []string) bool {
	return anyPatternTouchesService([]string{pattern}, namespace, actions)
}

// PatternCoversService reports whether pattern matches every action of the
// service. With actions, each "ns:<action>" must match; without, "ns:X"
// must match for every non-empty X, i.e. whatever follows "ns:" is matched
// by the rest of the pattern: "*", "s3*", "s3:*", "s*:*" and "s3:?*" cover
// s3; "s3:Get*" does not.
func PatternCoversService(pattern, namespace string, actions []string) bool {
	return patternsCoverService([]string{pattern}, namespace, actions)
}

// anyPatternTouchesService reports whether some pattern matches some action
// of the service (a union of touches is a touch).
func anyPatternTouchesService(patterns []string, namespace string, actions []string) bool {
	for _, p := range patterns {
		if serviceCannotMatch(p, namespace) {
			continue
		}
		g := glob(p)
		live := g.run(g.start(), namespace+":")
		if live == nil {
			continue
		}
		if len(actions) > 0 {
			for _, a := range actions {
				if end := g.run(live, a); end != nil && end[len(g)] {
					return true
				}
			}
			continue
		}
		if g.acceptsNonEmptyActionName(live) {
			return true
		}
	}
	return false
}

// patternsCoverService reports whether every action of the service is
// matched by at least one of the patterns. Together, not one by one: Deny
// ["s3:?", "s3:??*"] removes every s3 action though neither pattern does
// alone.
func patternsCoverService(patterns []string, namespace string, actions []string) bool {
	if len(patterns) == 0 {
		return false
	}
	if len(actions) > 0 {
		for _, a := range actions {
			if !anyPatternMatches(patterns, namespace+":"+a) {
				return false
			}
		}
		return true
	}
	var lengths lengthCoverage
	for _, p := range patterns {
		if serviceCannotMatch(p, namespace) {
			continue
		}
		g := glob(p)
		if live := g.run(g.start(), namespace+":"); live != nil {
			g.addWildcardTails(live, &lengths)
		}
	}
	return lengths.coversEveryPositiveLength()
}

// serviceCannotMatch is a shortcut for the common case: a pattern whose
// service prefix has no wildcard ("ec2:Describe*") matches actions of that
// service only, so the NFA (and its allocations) can be skipped for every
// other namespace of a report.
func serviceCannotMatch(pattern, namespace string) bool {
	service, _, found := strings.Cut(pattern, ":")
	if !found || strings.ContainsAny(service, "*?") || strings.Contains(namespace, ":") {
		return false
	}
	return !strings.EqualFold(service, namespace)
}

// acceptsNonEmptyActionName reports whether some non-empty string of ASCII
// letters and digits leads from the live states to acceptance. Such a path
// reads one character (a step where every literal that folds to a letter or
// digit may be read), then any number more: after the first step the rest
// of the pattern from some live state must be stars, '?'s and such
// literals only, since every NFA move goes forward or stays on a star.
func (g glob) acceptsNonEmptyActionName(live stateSet) bool {
	next := make(stateSet, len(live))
	if !g.step(live, next, foldsToAlphanumeric) {
		return false
	}
	// passable[i]: pattern[i:] can be matched by letters and digits alone.
	passable := true
	for i := len(g); i >= 0; i-- {
		if i < len(g) {
			p := g[i]
			passable = passable && (p == '*' || p == '?' || foldsToAlphanumeric(p))
		}
		if !passable {
			return false
		}
		if next[i] {
			return true
		}
	}
	return false
}

func foldsToAlphanumeric(r rune) bool {
	if r < utf8.RuneSelf {
		return '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	// Non-ASCII runes may still fold to one: U+212A KELVIN SIGN to 'k',
	// U+017F LONG S to 's'.
	for _, c := range "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" {
		if foldEqual(r, c) {
			return true
		}
	}
	return false
}

// lengthCoverage collects, from live states whose rest of pattern holds only
// wildcards, which input lengths they accept: a tail of q '?'s and at least
// one '*' accepts every length ≥ q, a tail of q '?'s alone exactly q.
//
// Only such tails matter for "every name matches": take a character that
// folds to no literal in any tail; a string of k copies of it is matched by
// a tail with a literal never, and by a wildcard-only tail exactly when the
// tail accepts length k. So every non-empty string matches iff every length
// k ≥ 1 is accepted by some wildcard-only tail.
type lengthCoverage struct {
	minOpenEnded int          // smallest q of a tail with a star; -1 if none
	exact        map[int]bool // q of the tails without a star
}

func (g glob) addWildcardTails(live stateSet, lengths *lengthCoverage) {
	if lengths.exact == nil {
		lengths.minOpenEnded = -1
		lengths.exact = make(map[int]bool)
	}
	questionMarks, hasStar := 0, false
	for i := len(g); i >= 0; i-- {
		if i < len(g) {
			switch g[i] {
			case '*':
				hasStar = true
			case '?':
				questionMarks++
			default:
				return // this tail and every longer one contain a literal
			}
		}
		if !live[i] {
			continue
		}
		if !hasStar {
			lengths.exact[questionMarks] = true
		} else if lengths.minOpenEnded < 0 || questionMarks < lengths.minOpenEnded {
			lengths.minOpenEnded = questionMarks
		}
	}
}

func (c *lengthCoverage) coversEveryPositiveLength() bool {
	if c.exact == nil || c.minOpenEnded < 0 {
		return false // no tail accepts arbitrarily long names
	}
	for k := 1; k < c.minOpenEnded; k++ {
		if !c.exact[k] {
			return false
		}
	}
	return true
}
