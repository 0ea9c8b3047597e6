package policy

import "testing"

// TestServicePatternsAgainstBruteForce checks PatternTouchesService and
// PatternCoversService without action names on every pattern of up to four
// characters over "s3a:*?" against enumeration of action names.
//
// The enumeration is exhaustive enough to be exact: a pattern matching some
// non-empty name matches one no longer than the pattern plus one, made of
// its literals and a letter it lacks ('b'); a pattern set missing some name
// misses a run of a character none of its literals has ('b') no longer than
// the pattern plus one.
func TestServicePatternsAgainstBruteForce(t *testing.T) {
	const patternAlphabet = "s3a:*?"
	var patterns []string
	var extend func(prefix string)
	extend = func(prefix string) {
		patterns = append(patterns, prefix)
		if len(prefix) == 4 {
			return
		}
		for _, c := range patternAlphabet {
			extend(prefix + string(c))
		}
	}
	extend("")

	for _, ns := range []string{"s3", "sa", "s"} {
		for _, p := range patterns {
			maxLen := len(p) + 1
			touches := someName("s3ab", maxLen, func(x string) bool { return MatchAction(p, ns+":"+x) })
			covers := !someName("s3a:b-", maxLen, func(x string) bool { return !MatchAction(p, ns+":"+x) })
			if got := PatternTouchesService(p, ns, nil); got != touches {
				t.Errorf("PatternTouchesService(%q, %q, nil) = %v, enumeration says %v", p, ns, got, touches)
			}
			if got := PatternCoversService(p, ns, nil); got != covers {
				t.Errorf("PatternCoversService(%q, %q, nil) = %v, enumeration says %v", p, ns, got, covers)
			}
		}
	}
}

// someName reports whether some name of 1 to maxLen characters of alphabet
// satisfies ok.
func someName(alphabet string, maxLen int, ok func(string) bool) bool {
	var try func(prefix string) bool
	try = func(prefix string) bool {
		if prefix != "" && ok(prefix) {
			return true
		}
		if len(prefix) == maxLen {
			return false
		}
		for _, c := range alphabet {
			if try(prefix + string(c)) {
				return true
			}
		}
		return false
	}
	return try("")
}
