package awsfront

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"lastaccess/engine"
)

// form is a request's parameters: the form body of a POST, the query of
// a GET. A parameter given empty ("JobId=") is present with the value "";
// an absent one is not in the map, so the two stay distinct (SPEC §4.3).
type form map[string]string

// Wire parameters of every request.
const (
	paramAction  = "Action"
	paramVersion = "Version"
	apiVersion   = "2010-05-08"
	memberInfix  = ".member."
)

// queryPair is one decoded name=value of a form or query, in order.
type queryPair struct{ name, value string }

// splitForm decodes an application/x-www-form-urlencoded text (a POST
// body or a URL's query) into its pairs. It is strict where
// url.ParseQuery is lenient or loses information: a malformed escape, an
// empty name and text that is not UTF-8 once decoded are errors; a ';'
// is an ordinary character.
func splitForm(text string) ([]queryPair, error) {
	var pairs []queryPair
	for text != "" {
		var pair string
		pair, text, _ = strings.Cut(text, "&")
		if pair == "" {
			continue // "a=1&&b=2", a trailing "&": nothing
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			return nil, newError(codeMalformedQueryString, "The form is malformed: %s in the parameter name %q.", describeEscapeError(err), truncate(rawName))
		}
		if name == "" {
			return nil, newError(codeMalformedQueryString, "The form is malformed: the pair %q has no parameter name.", truncate(pair))
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return nil, newError(codeMalformedQueryString, "The form is malformed: %s in the value of %s.", describeEscapeError(err), truncate(name))
		}
		if !utf8.ValidString(name) || !utf8.ValidString(value) {
			return nil, newError(codeMalformedQueryString, "The form is malformed: the parameter %s is not valid UTF-8 once decoded.", truncate(strings.ToValidUTF8(name, "?")))
		}
		pairs = append(pairs, queryPair{name, value})
	}
	return pairs, nil
}

// add puts pairs into the form; a parameter given twice is an error.
func (f form) add(pairs []queryPair) error {
	for _, p := range pairs {
		if _, dup := f[p.name]; dup {
			return newError(engine.CodeValidationError, "The parameter %s is given more than once.", truncate(p.name))
		}
		f[p.name] = p.value
	}
	return nil
}

func findPair(pairs []queryPair, name string) (string, bool) {
	for _, p := range pairs {
		if p.name == name {
			return p.value, true
		}
	}
	return "", false
}

func hasPair(pairs []queryPair, name string) bool {
	_, ok := findPair(pairs, name)
	return ok
}

func describeEscapeError(err error) string {
	if e, ok := err.(url.EscapeError); ok {
		return fmt.Sprintf("the escape %q is not %%XX with two hexadecimal digits", string(e))
	}
	return err.Error()
}

// truncate bounds user input echoed in a message.
func truncate(s string) string {
	const limit = 128
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// str returns a string parameter and whether it was given.
func (f form) str(name string) (string, bool) {
	v, ok := f[name]
	return v, ok
}

// opt returns an optional string parameter: nil when absent, so that a
// parameter given empty is validated like any other value.
func (f form) opt(name string) *string {
	v, ok := f[name]
	if !ok {
		return nil
	}
	return &v
}

// value returns a string parameter, "" when absent.
func (f form) value(name string) string { return f[name] }

// integer reads an integer parameter; nil when absent. member is the
// API's name for it in a ValidationError. A value beyond the int range
// is kept as the nearest bound, so that the engine's range check words
// the error.
func (f form) integer(name, member string) (*int, error) {
	s, ok := f[name]
	if !ok {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			if strings.HasPrefix(s, "-") {
				n = math.MinInt64
			} else {
				n = math.MaxInt64
			}
		} else {
			return nil, validationError(truncate(s), member, "Member must be an integer")
		}
	}
	v := int(n)
	return &v, nil
}

// boolean reads a boolean parameter ("true" or "false", any case); false
// when absent.
func (f form) boolean(name, member string) (bool, error) {
	s, ok := f[name]
	if !ok {
		return false, nil
	}
	switch strings.ToLower(s) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, validationError(truncate(s), member, "Member must be a boolean: true or false")
}

// list reads the list parameter name, given as name.member.1,
// name.member.2, … (numbered from 1 without gaps), or as "name=" for an
// empty list (botocore sends an empty list so). given is false when none
// of these is present.
func (f form) list(name string) (values []string, given bool, err error) {
	prefix := name + memberInfix
	members := map[int]string{}
	for k, v := range f {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		suffix := k[len(prefix):]
		n, convErr := strconv.Atoi(suffix)
		switch {
		case convErr != nil || suffix == "" || suffix[0] < '0' || suffix[0] > '9' || (suffix[0] == '0' && len(suffix) > 1):
			return nil, true, newError(engine.CodeValidationError, "The parameter %s is not a member of the list %s: members are numbered %s1, %s2, …", truncate(k), name, prefix, prefix)
		case n == 0:
			return nil, true, newError(engine.CodeValidationError, "The list %s has a member 0 (%s0): members are numbered from 1.", name, prefix)
		}
		members[n] = v
	}
	whole, wholeGiven := f[name]
	switch {
	case wholeGiven && whole != "":
		return nil, true, newError(engine.CodeValidationError, "The parameter %s is a list: give its members as %s1, %s2, …", name, prefix, prefix)
	case len(members) == 0:
		if wholeGiven {
			return []string{}, true, nil
		}
		return nil, false, nil
	case wholeGiven:
		return nil, true, newError(engine.CodeValidationError, "The list %s is given both empty (%s=) and with members.", name, name)
	}
	numbers := make([]int, 0, len(members))
	for n := range members {
		numbers = append(numbers, n)
	}
	sort.Ints(numbers)
	values = make([]string, len(numbers))
	for i, n := range numbers {
		if n != i+1 {
			return nil, true, newError(engine.CodeValidationError, "The list %s skips member %d (%s%d) but has member %d: members are numbered 1, 2, 3, … without gaps.", name, i+1, prefix, i+1, n)
		}
		values[i] = members[n]
	}
	return values, true, nil
}
