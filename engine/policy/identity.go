package policy

import "fmt"

// Identity-policy evaluation for the IAM entity reports (SPEC §4.2): which
// services and actions the identity-based policies of a user, group, role
// or managed policy allow. As for SCPs, the reports ask whether access is
// possible, not whether a given request would succeed: an Allow counts
// whatever its Condition or Resource, and only a Deny that applies to every
// request (no Condition, every resource and principal) proves an action
// impossible. Explicit deny wins over allow; what no statement allows is
// implicitly denied.

// Decision is what a document says about an action.
type Decision int

const (
	// NotApplicable: no statement decides the action.
	NotApplicable Decision = iota
	// Allow: some Allow statement matches the action and no counting Deny
	// does.
	Allow
	// Deny: a Deny statement that applies to every request matches the
	// action.
	Deny
)

func (d Decision) String() string {
	switch d {
	case NotApplicable:
		return "NotApplicable"
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return fmt.Sprintf("Decision(%d)", int(d))
}

// Decision evaluates the document for a full action name ("s3:GetObject").
// A statement applies when its Action matches the action, or its NotAction
// does not. A conditional or resource-scoped Deny does not count: it does
// not prove the action denied.
func (d *Document) Decision(action string) Decision {
	if d == nil {
		return NotApplicable
	}
	decision := NotApplicable
	for i := range d.Statements {
		st := &d.Statements[i]
		if !st.matchesAction(action) {
			continue
		}
		switch st.Effect {
		case EffectDeny:
			if st.appliesToEveryRequest() {
				return Deny
			}
		case EffectAllow:
			decision = Allow
		}
	}
	return decision
}

// Evaluate reports whether the documents together allow the action: some
// document allows it and none denies it.
func Evaluate(docs []*Document, action string) bool {
	allowed := false
	for _, doc := range docs {
		switch doc.Decision(action) {
		case Deny:
			return false
		case Allow:
			allowed = true
		}
	}
	return allowed
}

// ServicesAllowed returns, in input order, the namespaces of which the
// documents together allow some action: some Allow statement touches the
// service and no Deny statement removes it (the rules of AllowsService and
// DeniesService). actionsOf gives a service's complete action list, or nil
// when unknown; actionsOf itself may be nil.
func ServicesAllowed(docs []*Document, namespaces []string, actionsOf func(namespace string) []string) []string {
	allowed := make([]string, 0, len(namespaces))
	for _, ns := range namespaces {
		var actions []string
		if actionsOf != nil {
			actions = actionsOf(ns)
		}
		if servicePossible(docs, ns, actions) {
			allowed = append(allowed, ns)
		}
	}
	return allowed
}

func servicePossible(docs []*Document, namespace string, actions []string) bool {
	touched := false
	for _, doc := range docs {
		if doc.DeniesService(namespace, actions) {
			return false
		}
		touched = touched || doc.AllowsService(namespace, actions)
	}
	return touched
}

// ActionsAllowed returns, in input order, the bare action names (e.g. the
// tracked actions of an ACTION_LEVEL report) that the documents allow as
// "namespace:action" (Evaluate).
func ActionsAllowed(docs []*Document, namespace string, actions []string) []string {
	allowed := make([]string, 0, len(actions))
	for _, a := range actions {
		if Evaluate(docs, namespace+":"+a) {
			allowed = append(allowed, a)
		}
	}
	return allowed
}
