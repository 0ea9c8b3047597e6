package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"lastaccess/internal/jsonpos"
)

// MaxDocumentSize is the largest document Parse accepts, in bytes. AWS's
// own limits are far lower (5,120 characters for an SCP, 10,240 for an
// inline policy); the margin is for pretty-printed exports, the limit for
// not spending a report's time on a document nobody wrote.
const MaxDocumentSize = 128 << 10

// maxTextSize bounds ParseText's input before decoding: percent-encoding
// triples a document and JSON string escapes (\u0022) can multiply it by six.
const maxTextSize = 6 * MaxDocumentSize

// maxWrapping bounds how many layers of URL encoding and JSON string quoting
// ParseText removes; real inputs have at most two (a URL-encoded document
// inside a JSON string).
const maxWrapping = 4

// Parse parses a policy document given as JSON. Every error it returns is a
// *ParseError (and matches ErrMalformed) naming the statement and element at
// fault.
func Parse(data []byte) (*Document, error) {
	if len(data) > MaxDocumentSize {
		return nil, documentError("document is %d bytes, over the limit of %d", len(data), MaxDocumentSize)
	}
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, jsonError(err)
	}
	members, err := objectMembers(raw, "document", 0)
	if err != nil {
		return nil, err
	}
	doc := &Document{}
	var statements json.RawMessage
	for _, m := range members {
		switch m.key {
		case "Version":
			if doc.Version, err = stringValue(m.value, "Version", 0); err != nil {
				return nil, err
			}
			if doc.Version != "2012-10-17" && doc.Version != "2008-10-17" {
				return nil, documentError(`Version must be "2012-10-17" or "2008-10-17", got %q`, doc.Version)
			}
		case "Id":
			if doc.ID, err = stringValue(m.value, "Id", 0); err != nil {
				return nil, err
			}
		case "Statement":
			statements = m.value
		default:
			return nil, unknownElement(m.key, 0, "Version", "Id", "Statement")
		}
	}
	if statements == nil {
		return nil, documentError("missing Statement")
	}
	if doc.Statements, err = parseStatements(statements); err != nil {
		return nil, err
	}
	return doc, nil
}

// ParseText parses a policy document in any of the textual forms AWS hands
// out: plain JSON; URL-encoded JSON, as the IAM API returns documents
// ("%7B%22Version%22..."); and JSON wrapped in a JSON string, as an
// Organizations policy's Content is when copied from a snapshot. The
// layers may be combined. A '+' is kept as is, not read as a space: IAM
// encodes spaces as %20, and a '+' may be part of an ARN or a condition
// value. Offsets in JSON errors count bytes of the unwrapped document.
func ParseText(text string) (*Document, error) {
	text, err := UnwrapText(text)
	if err != nil {
		return nil, err
	}
	return Parse([]byte(text))
}

// UnwrapText removes the URL encoding and JSON quoting ParseText reads
// and returns the document's JSON text, trimmed.
func UnwrapText(text string) (string, error) {
	if len(text) > maxTextSize {
		return "", documentError("document text is %d bytes, over the limit of %d", len(text), maxTextSize)
	}
	for range maxWrapping {
		trimmed := strings.TrimSpace(strings.TrimPrefix(text, "\ufeff"))
		if trimmed == "" {
			return "", documentError("empty document")
		}
		switch trimmed[0] {
		case '%':
			decoded, err := url.PathUnescape(trimmed)
			if err != nil {
				return "", urlError(err)
			}
			text = decoded
		case '"':
			var inner string
			if err := json.Unmarshal([]byte(trimmed), &inner); err != nil {
				return "", jsonError(err)
			}
			text = inner
		default:
			return trimmed, nil
		}
	}
	return "", documentError("document is wrapped in more than %d layers of URL encoding or JSON quoting", maxWrapping)
}

func urlError(err error) *ParseError {
	var escape url.EscapeError
	if errors.As(err, &escape) {
		return &ParseError{Message: fmt.Sprintf("invalid URL encoding: bad escape %q", string(escape)), Err: err}
	}
	return &ParseError{Message: "invalid URL encoding: " + err.Error(), Err: err}
}

func jsonError(err error) *ParseError {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return &ParseError{Message: fmt.Sprintf("invalid JSON at offset %d: %s", syntax.Offset, syntax.Error()), Err: err}
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return &ParseError{Message: fmt.Sprintf("expected a JSON %s, got %s", typ.Type, typ.Value), Err: err}
	}
	return &ParseError{Message: "invalid JSON: " + err.Error(), Err: err}
}

// parseStatements accepts Statement as one object or as a non-empty array
// of objects, as IAM does.
func parseStatements(raw json.RawMessage) ([]Statement, error) {
	var elements []json.RawMessage
	switch kind := jsonpos.Kind(raw); kind {
	case "object":
		elements = []json.RawMessage{raw}
	case "array":
		if err := json.Unmarshal(raw, &elements); err != nil {
			return nil, jsonError(err)
		}
		if len(elements) == 0 {
			return nil, documentError("Statement is an empty array")
		}
	default:
		return nil, documentError("Statement must be an object or an array of objects, got %s", kind)
	}
	statements := make([]Statement, len(elements))
	for i, element := range elements {
		if err := parseStatement(element, i+1, &statements[i]); err != nil {
			return nil, err
		}
	}
	return statements, nil
}

var statementElements = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}

func parseStatement(raw json.RawMessage, n int, st *Statement) error {
	if kind := jsonpos.Kind(raw); kind != "object" {
		return statementError(n, "must be a JSON object, got %s", kind)
	}
	members, err := objectMembers(raw, "statement", n)
	if err != nil {
		return err
	}
	var hasEffect bool
	for _, m := range members {
		switch m.key {
		case "Sid":
			st.Sid, err = stringValue(m.value, "Sid", n)
		case "Effect":
			hasEffect = true
			st.Effect, err = parseEffect(m.value, n)
		case "Action":
			st.Action, err = stringList(m.value, "Action", n, actionPatternProblem)
		case "NotAction":
			st.NotAction, err = stringList(m.value, "NotAction", n, actionPatternProblem)
		case "Resource":
			st.Resource, err = stringList(m.value, "Resource", n, nil)
		case "NotResource":
			st.NotResource, err = stringList(m.value, "NotResource", n, nil)
		case "Condition":
			st.Condition, err = parseCondition(m.value, n)
		case "Principal":
			st.Principal, err = parsePrincipal(m.value, "Principal", n)
		case "NotPrincipal":
			st.NotPrincipal, err = parsePrincipal(m.value, "NotPrincipal", n)
		default:
			err = unknownElement(m.key, n, statementElements...)
		}
		if err != nil {
			return err
		}
	}
	switch {
	case !hasEffect:
		return statementError(n, "missing Effect")
	case st.Action != nil && st.NotAction != nil:
		return statementError(n, "both Action and NotAction")
	case st.Action == nil && st.NotAction == nil:
		return statementError(n, "missing Action or NotAction")
	case st.Resource != nil && st.NotResource != nil:
		return statementError(n, "both Resource and NotResource")
	case st.Principal != nil && st.NotPrincipal != nil:
		return statementError(n, "both Principal and NotPrincipal")
	}
	return nil
}

func parseEffect(raw json.RawMessage, n int) (Effect, error) {
	s, err := stringValue(raw, "Effect", n)
	if err != nil {
		return "", err
	}
	switch effect := Effect(s); effect {
	case EffectAllow, EffectDeny:
		return effect, nil
	}
	return "", statementError(n, `Effect must be "Allow" or "Deny", got %q`, s)
}

// parseCondition keeps a non-empty Condition object as written (compacted).
// Its operators and keys are not checked: the reports only ask whether a
// statement is conditional.
func parseCondition(raw json.RawMessage, n int) (json.RawMessage, error) {
	switch kind := jsonpos.Kind(raw); kind {
	case "null":
		return nil, nil
	case "object":
		var operators map[string]json.RawMessage
		if err := json.Unmarshal(raw, &operators); err != nil {
			return nil, jsonError(err)
		}
		if len(operators) == 0 {
			return nil, nil
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return nil, jsonError(err)
		}
		return compact.Bytes(), nil
	default:
		return nil, statementError(n, "Condition must be a JSON object, got %s", kind)
	}
}

func parsePrincipal(raw json.RawMessage, element string, n int) (json.RawMessage, error) {
	switch kind := jsonpos.Kind(raw); kind {
	case "object":
	case "string":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, jsonError(err)
		}
		if s != "*" {
			return nil, statementError(n, `%s must be "*" or a JSON object, got %q`, element, s)
		}
	default:
		return nil, statementError(n, `%s must be "*" or a JSON object, got %s`, element, kind)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return nil, jsonError(err)
	}
	return compact.Bytes(), nil
}

// stringList reads an element that IAM allows as one string or as a
// non-empty array of strings. problem, if not nil, vets each value and
// returns what is wrong with it ("" when nothing is).
func stringList(raw json.RawMessage, element string, n int, problem func(string) string) ([]string, error) {
	var values, labels []string
	switch kind := jsonpos.Kind(raw); kind {
	case "string":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, jsonError(err)
		}
		values, labels = []string{s}, []string{element}
	case "array":
		var elements []json.RawMessage
		if err := json.Unmarshal(raw, &elements); err != nil {
			return nil, jsonError(err)
		}
		if len(elements) == 0 {
			return nil, statementError(n, "%s is an empty array", element)
		}
		values, labels = make([]string, len(elements)), make([]string, len(elements))
		for i, e := range elements {
			labels[i] = fmt.Sprintf("%s element %d", element, i+1)
			if kind := jsonpos.Kind(e); kind != "string" {
				return nil, statementError(n, "%s must be a string, got %s", labels[i], kind)
			}
			if err := json.Unmarshal(e, &values[i]); err != nil {
				return nil, jsonError(err)
			}
		}
	default:
		return nil, statementError(n, "%s must be a string or an array of strings, got %s", element, kind)
	}
	for i, v := range values {
		if v == "" {
			return nil, statementError(n, "%s is an empty string", labels[i])
		}
		if problem != nil {
			if p := problem(v); p != "" {
				return nil, statementError(n, "%s %q %s", labels[i], v, p)
			}
		}
	}
	return values, nil
}

// actionPatternProblem checks the shape IAM requires of an action pattern:
// "*" alone, or a service prefix and an action name separated by ':'. It
// does not check the characters otherwise: an unknown or misspelt action
// matches nothing, which is what IAM does with it too.
func actionPatternProblem(pattern string) string {
	if pattern == "*" {
		return ""
	}
	if strings.ContainsFunc(pattern, unicode.IsSpace) {
		return "contains white space"
	}
	service, action, found := strings.Cut(pattern, ":")
	switch {
	case !found:
		return `is not "*" or "<service>:<action>"`
	case service == "":
		return "has an empty service prefix"
	case action == "":
		return "has an empty action name"
	}
	return ""
}

func stringValue(raw json.RawMessage, element string, n int) (string, error) {
	if kind := jsonpos.Kind(raw); kind != "string" {
		return "", &ParseError{Statement: n, Message: fmt.Sprintf("%s must be a string, got %s", element, kind)}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", jsonError(err)
	}
	return s, nil
}

func unknownElement(key string, n int, known ...string) *ParseError {
	for _, k := range known {
		if strings.EqualFold(k, key) {
			return &ParseError{Statement: n, Message: fmt.Sprintf("unknown element %q (element names are case-sensitive: did you mean %q?)", key, k)}
		}
	}
	return &ParseError{Statement: n, Message: fmt.Sprintf("unknown element %q", key)}
}

type member struct {
	key   string
	value json.RawMessage
}

// objectMembers lists a JSON object's members in order, rejecting a
// repeated name: encoding/json would silently keep the last one, and a
// policy whose second "Effect" overrides the first is not what its author
// meant. raw must be valid JSON; what is names the object for messages.
func objectMembers(raw json.RawMessage, what string, n int) ([]member, error) {
	if kind := jsonpos.Kind(raw); kind != "object" {
		return nil, &ParseError{Statement: n, Message: fmt.Sprintf("%s must be a JSON object, got %s", what, kind)}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // the opening '{'
		return nil, jsonError(err)
	}
	var members []member
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonError(err)
		}
		key, _ := tok.(string)
		if seen[key] {
			return nil, &ParseError{Statement: n, Message: fmt.Sprintf("duplicate element %q", key)}
		}
		seen[key] = true
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, jsonError(err)
		}
		members = append(members, member{key, value})
	}
	return members, nil
}
