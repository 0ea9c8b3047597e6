package policy

import (
	"encoding/json"
	"slices"
)

// Effect is a statement's Effect element. IAM compares it case-sensitively,
// so Parse accepts exactly these two values.
type Effect string

const (
	EffectAllow Effect = "Allow"
	EffectDeny  Effect = "Deny"
)

// Document is a parsed policy document. Parse returns documents whose
// statements satisfy the invariants stated on Statement; a Document built by
// hand is evaluated as best it can (a statement with neither Action nor
// NotAction matches nothing).
type Document struct {
	Version    string // "2012-10-17", "2008-10-17" or "" when absent
	ID         string // the Id element, "" when absent
	Statements []Statement
}

// Statement is one element of a document's Statement.
type Statement struct {
	Sid    string
	Effect Effect

	// Exactly one of Action and NotAction is non-empty. Each pattern is "*"
	// or "<service>:<action>", with the wildcards '*' and '?' matched
	// case-insensitively (MatchAction).
	Action    []string
	NotAction []string

	// Resource is nil when the element is absent, which SCPs treat as "*".
	// At most one of Resource and NotResource is non-nil.
	Resource    []string
	NotResource []string

	// Condition is the Condition object as written, or nil when it is
	// absent, null or {}: only whether a statement has a condition matters
	// to the reports, never what the condition says.
	Condition json.RawMessage

	// Principal and NotPrincipal are kept as written (nil when absent);
	// identity policies and SCPs have neither, resource policies do.
	Principal    json.RawMessage
	NotPrincipal json.RawMessage
}

// HasCondition reports whether the statement has a non-empty Condition.
func (st *Statement) HasCondition() bool { return len(st.Condition) > 0 }

// appliesToEveryRequest reports whether the statement, once its action
// matches, applies whatever the request: no Condition, every resource
// (Resource absent or containing "*", no NotResource) and every principal
// (Principal absent or "*", no NotPrincipal). Only such a Deny proves that
// an action is impossible; a narrower one leaves some access possible, and
// the reports must then keep the service listed.
func (st *Statement) appliesToEveryRequest() bool {
	if st.HasCondition() || st.NotResource != nil || st.NotPrincipal != nil {
		return false
	}
	if st.Resource != nil && !slices.Contains(st.Resource, "*") {
		return false
	}
	return st.Principal == nil || principalIsEveryone(st.Principal)
}

// principalIsEveryone recognises the two spellings of "any principal":
// "*" and {"AWS": "*"} (or {"AWS": ["*"]}).
func principalIsEveryone(raw json.RawMessage) bool {
	var star string
	if json.Unmarshal(raw, &star) == nil {
		return star == "*"
	}
	var byType map[string]json.RawMessage
	if json.Unmarshal(raw, &byType) != nil || len(byType) != 1 {
		return false
	}
	aws, ok := byType["AWS"]
	if !ok {
		return false
	}
	if json.Unmarshal(aws, &star) == nil {
		return star == "*"
	}
	var list []string
	return json.Unmarshal(aws, &list) == nil && len(list) == 1 && list[0] == "*"
}

// matchesAction reports whether the statement's Action or NotAction
// element selects the full action name (e.g. "s3:GetObject").
func (st *Statement) matchesAction(action string) bool {
	if len(st.NotAction) > 0 {
		return !anyPatternMatches(st.NotAction, action)
	}
	return anyPatternMatches(st.Action, action)
}

func anyPatternMatches(patterns []string, action string) bool {
	for _, p := range patterns {
		if MatchAction(p, action) {
			return true
		}
	}
	return false
}
