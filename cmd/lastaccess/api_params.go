package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"lastaccess/engine"
)

// params are a request's members in the order the AWS CLI builds them:
// the flags given (in the model's order), then the members of
// --cli-input-json that no flag gave (in the JSON's order). Values are
// what Python would hold: string, int, float64, bool, nil, []any or
// map[string]any.
type params []paramValue

type paramValue struct {
	member string
	value  any
}

func (p params) get(member string) (any, bool) {
	for _, v := range p {
		if v.member == member {
			return v.value, true
		}
	}
	return nil, false
}

// str is a required string member ("" when absent: validated already).
func (p params) str(member string) string {
	v, _ := p.get(member)
	s, _ := v.(string)
	return s
}

// optStr is an optional string member: nil when not given.
func (p params) optStr(member string) *string {
	v, ok := p.get(member)
	if !ok {
		return nil
	}
	s, _ := v.(string)
	return &s
}

func (p params) optInt(member string) *int {
	v, ok := p.get(member)
	if !ok {
		return nil
	}
	n, _ := v.(int)
	return &n
}

func (p params) list(member string) []string {
	v, _ := p.get(member)
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

// paramValidationError is botocore's ParamValidationError: the AWS CLI
// prints it and exits 252 without sending the request.
type paramValidationError struct{ problems []string }

func (e *paramValidationError) Error() string {
	return "Parameter validation failed:\n" + strings.Join(e.problems, "\n")
}

// parameterParseError is the AWS CLI's error for an argument it cannot
// read (exit 252).
type parameterParseError struct{ msg string }

func (e *parameterParseError) Error() string { return e.msg }

// mergeInputJSON adds the members of --cli-input-json (a JSON object, or
// file://PATH holding one) that no flag gave.
func mergeInputJSON(p params, arg string) (params, error) {
	text := arg
	if path, ok := strings.CutPrefix(arg, "file://"); ok {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, &parameterParseError{fmt.Sprintf("Error parsing parameter '--cli-input-json': Unable to load paramfile %s: %v", arg, err)}
		}
		text = string(data)
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil || dec.More() {
		return nil, &parameterParseError{"Error parsing parameter 'cli-input-json': Invalid JSON received."}
	}
	if _, ok := raw.(map[string]any); !ok {
		return nil, &parameterParseError{fmt.Sprintf("Error parsing parameter '--cli-input-json': Invalid type: expecting map, received %s", pyType(pyValue(raw)))}
	}
	d, err := decodeDocument([]byte(text))
	if err != nil {
		return nil, &parameterParseError{"Error parsing parameter 'cli-input-json': Invalid JSON received."}
	}
	obj := d.root.(map[string]any)
	numbers := raw.(map[string]any)
	for _, k := range d.keys(obj) {
		if _, given := p.get(k); given {
			continue
		}
		p = append(p, paramValue{k, pyValue(numbers[k])})
	}
	return p, nil
}

// pyValue converts decoded JSON (numbers as json.Number) to the values
// Python's json module gives: int for an integer, float otherwise.
func pyValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := strconv.Atoi(x.String()); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = pyValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = pyValue(e)
		}
		return out
	}
	return v
}

func pyType(v any) string {
	switch v.(type) {
	case nil:
		return "<class 'NoneType'>"
	case bool:
		return "<class 'bool'>"
	case int:
		return "<class 'int'>"
	case float64:
		return "<class 'float'>"
	case string:
		return "<class 'str'>"
	case []any:
		return "<class 'list'>"
	case map[string]any:
		return "<class 'dict'>"
	}
	return fmt.Sprintf("<class '%T'>", v)
}

// pyRepr is str(value) in Python, as botocore's messages show values.
func pyRepr(v any, nested bool) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eIN") {
			s += ".0"
		}
		return s
	case string:
		if nested {
			return "'" + strings.ReplaceAll(x, "'", `\'`) + "'"
		}
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e, true)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		parts := make([]string, 0, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			parts = append(parts, pyRepr(k, true)+": "+pyRepr(x[k], true))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// validateClientSide is botocore's ParamValidator for these inputs: the
// checks the AWS CLI makes before it sends anything (required members,
// unknown members, types, minimum lengths and values), worded as botocore
// words them. Maximum lengths, patterns and enums are the service's to
// check (engine, ValidationError).
func validateClientSide(p params, shapes []*engine.Shape) []string {
	var problems []string
	byName := make(map[string]*engine.Shape, len(shapes))
	names := make([]string, len(shapes))
	for i, s := range shapes {
		byName[s.Member] = s
		names[i] = s.Member
	}
	for _, s := range shapes {
		if _, ok := p.get(s.Member); s.Required && !ok {
			problems = append(problems, fmt.Sprintf("Missing required parameter in input: %q", s.Member))
		}
	}
	for _, v := range p {
		if byName[v.member] == nil {
			problems = append(problems, fmt.Sprintf("Unknown parameter in input: %q, must be one of: %s", v.member, strings.Join(names, ", ")))
		}
	}
	for _, v := range p {
		if s := byName[v.member]; s != nil {
			problems = validateMember(problems, s, v.member, v.value)
		}
	}
	return problems
}

func validateMember(problems []string, s *engine.Shape, name string, v any) []string {
	typeErr := func(valid string) []string {
		return append(problems, fmt.Sprintf("Invalid type for parameter %s, value: %s, type: %s, valid types: %s", name, pyRepr(v, false), pyType(v), valid))
	}
	switch s.Type {
	case "string":
		str, ok := v.(string)
		if !ok {
			return typeErr("<class 'str'>")
		}
		if n := len([]rune(str)); s.HasMin && n < s.Min {
			problems = append(problems, fmt.Sprintf("Invalid length for parameter %s, value: %d, valid min length: %d", name, n, s.Min))
		}
	case "integer":
		var n int
		switch x := v.(type) {
		case int:
			n = x
		case bool: // Python's bool is an int
			if x {
				n = 1
			}
		default:
			return typeErr("<class 'int'>")
		}
		if s.HasMin && n < s.Min {
			problems = append(problems, fmt.Sprintf("Invalid value for parameter %s, value: %s, valid min value: %d", name, pyRepr(v, false), s.Min))
		}
	case "list":
		l, ok := v.([]any)
		if !ok {
			return typeErr("<class 'list'>, <class 'tuple'>")
		}
		if s.HasMin && len(l) < s.Min {
			problems = append(problems, fmt.Sprintf("Invalid length for parameter %s, value: %d, valid min length: %d", name, len(l), s.Min))
		}
		for i, e := range l {
			problems = validateMember(problems, s.Item, fmt.Sprintf("%s[%d]", name, i), e)
		}
	}
	return problems
}
