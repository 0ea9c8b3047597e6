package engine

import (
	"context"
	"strings"
)

// ListPoliciesGrantingServiceAccess: per service namespace, the policies
// through which a user, group or role may use the service.

// PolicyGrantingServiceAccess is one policy of the list. PolicyArn is set
// for managed policies, EntityType and EntityName (the user, group or role
// the policy is embedded in) for inline ones.
type PolicyGrantingServiceAccess struct {
	PolicyName string `json:"PolicyName"`
	PolicyType string `json:"PolicyType"`
	PolicyArn  string `json:"PolicyArn,omitempty"`
	EntityType string `json:"EntityType,omitempty"`
	EntityName string `json:"EntityName,omitempty"`
}

// ListPoliciesGrantingServiceAccessEntry is one namespace of the response.
type ListPoliciesGrantingServiceAccessEntry struct {
	ServiceNamespace string                        `json:"ServiceNamespace"`
	Policies         []PolicyGrantingServiceAccess `json:"Policies"`
}

// PoliciesGrantingServiceAccess is the ListPoliciesGrantingServiceAccess
// response.
type PoliciesGrantingServiceAccess struct {
	PoliciesGrantingServiceAccess []ListPoliciesGrantingServiceAccessEntry `json:"PoliciesGrantingServiceAccess"`
	IsTruncated                   bool                                     `json:"IsTruncated"`
	Marker                        string                                   `json:"Marker,omitempty"`
}

// ListPoliciesGrantingServiceAccessInput is the request.
type ListPoliciesGrantingServiceAccessInput struct {
	Arn               string
	ServiceNamespaces []string
	Marker            *string
}

// Constraints of the API's serviceNamespaceListType, and the page size:
// the API has no MaxItems, so a page holds this many namespaces.
const (
	maxServiceNamespaces      = 200
	policiesGrantingPageItems = 100
)

// ListPoliciesGrantingServiceAccess lists, in the order asked, for each
// namespace the policies of the identity that allow some action of the
// service: the user's own inline and managed policies, then its groups'
// (by group name); a group's or role's own. A managed policy attached
// twice (to a user and its group) is listed once.
func (e *Engine) ListPoliciesGrantingServiceAccess(ctx context.Context, in ListPoliciesGrantingServiceAccessInput) (*PoliciesGrantingServiceAccess, error) {
	var v validation
	// An absent list is reported as an empty one ('[]'), as the API's
	// frontends cannot send a null list.
	validateParams(&v, param{listArnShape, requiredString(in.Arn)}, param{namespacesShape, in.ServiceNamespaces},
		param{markerShape, optionalString(in.Marker)})
	if err := v.err(); err != nil {
		return nil, err
	}
	marker := deref(in.Marker)
	a, err := parseEntityARN(in.Arn, arnUser, arnGroup, arnRole)
	if err != nil {
		return nil, err
	}
	st, err := e.ensureIAM()
	if err != nil {
		return nil, err
	}
	cat := e.Catalog()
	var unknown []string
	for _, ns := range in.ServiceNamespaces {
		if _, ok := cat.Lookup(ns); !ok {
			unknown = append(unknown, ns)
		}
	}
	if len(unknown) > 0 {
		return nil, errorf(CodeInvalidInput, "The service namespaces %s are not valid: no service in the catalog has them.", truncateForMessage(strings.Join(unknown, ", ")))
	}
	sources, err := st.policySources(a)
	if err != nil {
		return nil, err
	}
	n := len(in.ServiceNamespaces)
	listKey := strings.Join(in.ServiceNamespaces, ",")
	start := 0
	if marker != "" {
		if start, err = e.parseMarker(marker, markerScopePolicies, in.Arn, listKey, n); err != nil {
			return nil, err
		}
	}
	end := min(start+policiesGrantingPageItems, n)
	out := &PoliciesGrantingServiceAccess{PoliciesGrantingServiceAccess: make([]ListPoliciesGrantingServiceAccessEntry, 0, end-start)}
	for _, ns := range in.ServiceNamespaces[start:end] {
		entry := ListPoliciesGrantingServiceAccessEntry{ServiceNamespace: ns, Policies: []PolicyGrantingServiceAccess{}}
		for _, s := range sources {
			// A policy grants the service when it allows some action of it
			// and does not itself deny all of it; other policies' denies
			// do not hide it, so that the list shows what to remove.
			if s.doc.AllowsService(ns, nil) && !s.doc.DeniesService(ns, nil) {
				entry.Policies = append(entry.Policies, s.grant)
			}
		}
		out.PoliciesGrantingServiceAccess = append(out.PoliciesGrantingServiceAccess, entry)
	}
	if end < n {
		out.IsTruncated = true
		out.Marker = e.issueMarker(markerScopePolicies, in.Arn, listKey, end)
	}
	return out, nil
}
