package awsfront

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"
)

// jobIDOf reads the JobId of a Generate response.
func jobIDOf(t testing.TB, r wireResponse) string {
	t.Helper()
	var out struct {
		JobID string `xml:"GenerateOrganizationsAccessReportResult>JobId"`
		SLA   string `xml:"GenerateServiceLastAccessedDetailsResult>JobId"`
	}
	if err := xml.Unmarshal(r.body, &out); err != nil || r.status != 200 {
		t.Fatalf("generate: status %d %v\n%s", r.status, err, r.body)
	}
	if out.JobID == "" {
		out.JobID = out.SLA
	}
	if len(out.JobID) != 36 {
		t.Fatalf("JobId %q", out.JobID)
	}
	return out.JobID
}

// TestResponsesFollowModel: every operation's response, on the sample
// with its IAM details, has the names, member order, lists and scalar
// forms of botocore's model; errors have the envelope.
func TestResponsesFollowModel(t *testing.T) {
	ts := startServer(t)
	m := loadModel(t)
	c := client(t)
	ctx := context.Background()
	call := func(op string, kv ...string) wireResponse {
		t.Helper()
		r := post(t, c, ts.url, values(append([]string{"Action", op, "Version", "2010-05-08"}, kv...)...), adminKey)
		if r.status != 200 {
			t.Fatalf("%s %v: status %d\n%s", op, kv, r.status, r.body)
		}
		m.checkResponse(op, r.body, t)
		return r
	}
	policyID := ""
	for _, p := range ts.eng.Organization().Policies() {
		if p.ID != "p-FullAWSAccess" && len(p.Targets) > 0 {
			policyID = p.ID
			break
		}
	}
	root := jobIDOf(t, call("GenerateOrganizationsAccessReport", "EntityPath", sampleRoot))
	scoped := jobIDOf(t, call("GenerateOrganizationsAccessReport", "EntityPath", sampleRoot, "OrganizationsPolicyId", policyID))
	if err := ts.eng.WaitJob(ctx, scoped); err != nil {
		t.Fatal(err)
	}
	call("GetOrganizationsAccessReport", "JobId", scoped)
	for _, id := range []string{root} {
		if err := ts.eng.WaitJob(ctx, id); err != nil {
			t.Fatal(err)
		}
		page := call("GetOrganizationsAccessReport", "JobId", id, "MaxItems", "3", "SortKey", "LAST_AUTHENTICATED_TIME_DESCENDING")
		marker := parseNode(t, page.body).children[0].child("Marker")
		if marker == nil {
			t.Fatalf("a page of 3 has no Marker:\n%s", page.body)
		}
		call("GetOrganizationsAccessReport", "JobId", id, "MaxItems", "1000", "Marker", marker.text, "SortKey", "LAST_AUTHENTICATED_TIME_DESCENDING")
	}
	for _, arn := range []string{
		"arn:aws:iam::985606903142:user/engineering/trent",
		"arn:aws:iam::985606903142:role/ci/GitHubActionsDeploy",
		"arn:aws:iam::985606903142:group/Developers",
		"arn:aws:iam::985606903142:policy/AppAccess",
		"arn:aws:iam::aws:policy/ReadOnlyAccess",
	} {
		for _, g := range []string{"SERVICE_LEVEL", "ACTION_LEVEL"} {
			id := jobIDOf(t, call("GenerateServiceLastAccessedDetails", "Arn", arn, "Granularity", g))
			if err := ts.eng.WaitJob(ctx, id); err != nil {
				t.Fatal(err)
			}
			call("GetServiceLastAccessedDetails", "JobId", id)
			call("GetServiceLastAccessedDetails", "JobId", id, "MaxItems", "2")
			call("GetServiceLastAccessedDetailsWithEntities", "JobId", id, "ServiceNamespace", "s3")
		}
	}
	call("ListPoliciesGrantingServiceAccess", "Arn", "arn:aws:iam::985606903142:user/engineering/trent",
		"ServiceNamespaces.member.1", "s3", "ServiceNamespaces.member.2", "ec2", "ServiceNamespaces.member.3", "iam")
	call("ListUsers")
	call("ListUsers", "MaxItems", "2")
	call("ListGroups", "PathPrefix", "/")
	call("ListRoles")
	call("ListPolicies", "Scope", "All", "OnlyAttached", "true")
	call("ListPolicies", "Scope", "AWS", "MaxItems", "1")
	details := call("GetAccountAuthorizationDetails")
	for _, want := range []string{"<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22", "<PolicyDocument>%7B", "<Document>%7B", "<Tags></Tags>"} {
		if !strings.Contains(string(details.body), want) {
			t.Errorf("GetAccountAuthorizationDetails lacks %s", want)
		}
	}
	call("GetAccountAuthorizationDetails", "Filter.member.1", "Role", "Filter.member.2", "AWSManagedPolicy", "MaxItems", "4")

	for _, form := range []string{
		values("Action", "GetOrganizationsAccessReport", "Version", "2010-05-08", "JobId", "00000000-0000-4000-8000-000000000000"),
		values("Action", "Nope", "Version", "2010-05-08"),
	} {
		checkErrorEnvelope(t, post(t, c, ts.url, form, adminKey).body)
	}
}
