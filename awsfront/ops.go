package awsfront

import (
	"context"

	"lastaccess/engine"
)

// operation is one action of the IAM Query API that lastaccess answers.
type operation struct {
	// generate marks an operation that starts a report job: a read-only
	// key may not call it.
	generate bool
	// run reads the parameters, calls the engine and returns the writer
	// of the result's members.
	run func(c *call) (func(w *xmlWriter), error)
}

// call is one request to an operation.
type call struct {
	ctx  context.Context
	eng  *engine.Engine
	form form
	// caller names who generates and reads report jobs
	// (--report-owner-only): the access key id, "" when unsigned.
	caller string
	// account is the account the key acts as: its entities are the
	// listings' (the organization's management account unless the key
	// says otherwise).
	account string
}

// operations by Action.
var operations = map[string]*operation{
	"GenerateOrganizationsAccessReport":         {generate: true, run: generateOrganizationsAccessReport},
	"GetOrganizationsAccessReport":              {run: getOrganizationsAccessReport},
	"GenerateServiceLastAccessedDetails":        {generate: true, run: generateServiceLastAccessedDetails},
	"GetServiceLastAccessedDetails":             {run: getServiceLastAccessedDetails},
	"GetServiceLastAccessedDetailsWithEntities": {run: getServiceLastAccessedDetailsWithEntities},
	"ListPoliciesGrantingServiceAccess":         {run: listPoliciesGrantingServiceAccess},
	"ListUsers":                                 {run: listUsers},
	"ListGroups":                                {run: listGroups},
	"ListRoles":                                 {run: listRoles},
	"ListPolicies":                              {run: listPolicies},
	"GetAccountAuthorizationDetails":            {run: getAccountAuthorizationDetails},
}

// Operations lists the actions the server answers.
func Operations() []string {
	names := make([]string, 0, len(operations))
	for name := range operations {
		names = append(names, name)
	}
	return names
}

// Parameter names of the operations, as the model names their members.
const (
	paramEntityPath            = "EntityPath"
	paramOrganizationsPolicyID = "OrganizationsPolicyId"
	paramJobID                 = "JobId"
	paramMaxItems              = "MaxItems"
	paramMarker                = "Marker"
	paramSortKey               = "SortKey"
	paramArn                   = "Arn"
	paramGranularity           = "Granularity"
	paramServiceNamespace      = "ServiceNamespace"
	paramServiceNamespaces     = "ServiceNamespaces"
	paramPathPrefix            = "PathPrefix"
	paramScope                 = "Scope"
	paramOnlyAttached          = "OnlyAttached"
	paramPolicyUsageFilter     = "PolicyUsageFilter"
	paramFilter                = "Filter"
)

// maxItems reads MaxItems.
func (c *call) maxItems() (*int, error) {
	return c.form.integer(paramMaxItems, "maxItems")
}
