package policy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Action patterns are globs: '*' matches any run of characters (including
// none, and including ':'), '?' exactly one character, anything else itself
// compared case-insensitively (Unicode simple case folding, as
// strings.EqualFold). IAM has no escape for '*' and '?', and no action name
// contains them, so they are always wildcards.
//
// The matcher is a Thompson simulation of the glob's NFA rather than a
// regexp compiled from the pattern: the patterns come from user documents,
// the NFA needs no compilation or escaping, runs in O(len(pattern) ×
// len(input)) whatever the pattern, and its live states are exactly what
// PatternTouchesService and PatternCoversService reason about.

// MatchAction reports whether the action pattern matches the full action
// name (e.g. pattern "s3:Get*" and action "s3:GetObject"), ignoring case.
// The pattern is not validated: "s3" matches only "s3".
func MatchAction(pattern, action string) bool {
	if pattern == "*" {
		return true
	}
	if !strings.ContainsAny(pattern, "*?") {
		return strings.EqualFold(pattern, action) // same folding, no NFA
	}
	g := glob(pattern)
	live := g.run(g.start(), action)
	return live != nil && live[len(g)]
}

// glob is an action pattern as runes; invalid UTF-8 bytes become
// utf8.RuneError, as they do when ranging over the input.
type glob []rune

// stateSet holds the live NFA states. State i means "pattern[:i] has
// matched the input read so far"; state len(pattern) accepts. A set is
// always closed under a star's empty match: i live and pattern[i] == '*'
// implies i+1 live.
type stateSet []bool

func (g glob) start() stateSet {
	live := make(stateSet, len(g)+1)
	live[0] = true
	g.close(live)
	return live
}

// close adds the states reachable by letting stars match nothing. Those
// moves only go forward (i to i+1), so one left-to-right pass suffices.
func (g glob) close(live stateSet) {
	for i, p := range g {
		if live[i] && p == '*' {
			live[i+1] = true
		}
	}
}

// run feeds input to the NFA from the live states from (which it does not
// modify) and returns the live states after it, or nil once none is left.
func (g glob) run(from stateSet, input string) stateSet {
	cur := append(stateSet(nil), from...)
	next := make(stateSet, len(cur))
	for _, c := range input {
		if !g.step(cur, next, func(p rune) bool { return foldEqual(p, c) }) {
			return nil
		}
		cur, next = next, cur
	}
	return cur
}

// step sets to the states reached from from by reading one character that
// satisfies literal (asked only for the pattern's literal runes), closed,
// and reports whether any is live. '?' and '*' accept any character.
func (g glob) step(from, to stateSet, literal func(p rune) bool) bool {
	clear(to)
	for i, p := range g {
		if !from[i] {
			continue
		}
		switch {
		case p == '*':
			to[i] = true
		case p == '?' || literal(p):
			to[i+1] = true
		}
	}
	g.close(to)
	for _, ok := range to {
		if ok {
			return true
		}
	}
	return false
}

// foldEqual reports whether a and b are equal under Unicode simple case
// folding, the comparison strings.EqualFold and regexp's (?i) make.
func foldEqual(a, b rune) bool {
	if a == b {
		return true
	}
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		return 'A' <= a && a <= 'Z' && a+'a'-'A' == b || 'A' <= b && b <= 'Z' && b+'a'-'A' == a
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}
