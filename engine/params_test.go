package engine_test

import (
	"context"
	"strings"
	"testing"

	"lastaccess/engine"
)

// TestEmptyOptionalMembersAreValues: an optional member given as "" is
// validated like any other value, never taken for "not given" (issue 10,
// item 6); nil is "not given".
func TestEmptyOptionalMembersAreValues(t *testing.T) {
	te := newTestEnv(t, mustTime("2026-11-01T00:00:00Z"))
	ctx := context.Background()
	root := te.importOrg(scopeOrg().JSON()).Root.Path
	empty := engine.String("")
	_, err := te.eng.GenerateOrganizationsAccessReport(ctx, engine.GenerateOrganizationsAccessReportInput{EntityPath: root, OrganizationsPolicyID: empty})
	wantValidation(t, err, "1 validation error detected: Value '' at 'organizationsPolicyId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^p-[0-9a-zA-Z_]{8,128}$")
	id, err := te.eng.GenerateOrganizationsAccessReport(ctx, engine.GenerateOrganizationsAccessReportInput{EntityPath: root})
	if err != nil {
		t.Fatal(err)
	}
	_, err = te.eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: id, SortKey: empty})
	wantValidation(t, err, "1 validation error detected: Value '' at 'sortKey' failed to satisfy constraint: Member must satisfy enum value set: [")
	_, err = te.eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: id, Marker: empty})
	wantValidation(t, err, "2 validation errors detected: Value '' at 'marker' failed to satisfy constraint: Member must have length greater than or equal to 1; ")
	_, err = te.eng.GenerateServiceLastAccessedDetails(ctx, engine.GenerateServiceLastAccessedDetailsInput{Arn: "arn:aws:iam::111122223333:user/alice", Granularity: empty})
	wantValidation(t, err, "1 validation error detected: Value '' at 'granularity' failed to satisfy constraint: Member must satisfy enum value set: [SERVICE_LEVEL, ACTION_LEVEL]")
	_, err = te.eng.ListPoliciesGrantingServiceAccess(ctx, engine.ListPoliciesGrantingServiceAccessInput{Arn: "arn:aws:iam::111122223333:user/alice", ServiceNamespaces: []string{"s3", ""}})
	wantValidation(t, err, "1 validation error detected: Value '' at 'serviceNamespaces.2.member' failed to satisfy constraint: Member must have length greater than or equal to 1")
	if _, err := te.eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: id, Marker: nil, SortKey: nil}); err != nil {
		t.Fatalf("nil members are not given: %v", err)
	}
}

func wantValidation(t *testing.T, err error, prefix string) {
	t.Helper()
	var e *engine.Error
	if err == nil || engine.ErrorCode(err) != engine.CodeValidationError {
		t.Fatalf("got %v, want ValidationError %q", err, prefix)
	}
	e = err.(*engine.Error)
	if !strings.HasPrefix(e.Message, prefix) {
		t.Fatalf("message %q, want prefix %q", e.Message, prefix)
	}
}

// TestInputShapesFollowTheModel: every operation's members, in the order
// of botocore's IAM model, with its constraints (the CLI builds its flags
// and client-side checks from them).
func TestInputShapesFollowTheModel(t *testing.T) {
	var names []string
	for _, s := range engine.InputShapes(engine.OpListPoliciesGrantingServiceAccess) {
		names = append(names, s.Member)
	}
	if strings.Join(names, ",") != "Marker,Arn,ServiceNamespaces" {
		t.Fatalf("ListPoliciesGrantingServiceAccess members %v", names)
	}
	get := engine.InputShapes(engine.OpGetOrganizationsAccessReport)
	if get[0].Member != "JobId" || !get[0].Required || get[0].Min != 36 || get[1].Member != "MaxItems" || get[1].Min != 1 || get[1].Max != 1000 {
		t.Fatalf("GetOrganizationsAccessReport shapes %+v %+v", *get[0], *get[1])
	}
}
