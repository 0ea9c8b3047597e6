package engine_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"lastaccess/engine"
)

const (
	denyS3          = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`
	denyRunInstance = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:RunInstances","Resource":"*"}]}`
	allowListLambda = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:*","iam:*","s3:*","ec2:Describe*","lambda:*"],"Resource":"*"}]}`
)

// use is an event of a given principal and action.
func use(id string, at time.Time, account, principal, ns, action, region string) engine.Event {
	e := ev(id, at, account, ns, region)
	e.PrincipalARN = "arn:aws:iam::" + account + ":" + principal
	e.EventName, e.Action = action, action
	if strings.HasPrefix(principal, "role/") {
		e.PrincipalType = engine.PrincipalAssumedRole
	}
	if strings.Contains(principal, "/aws-service-role/") {
		e.ServiceLinked = true
	}
	return e
}

// whatIfEvents are the events of TestWhatIf*, with the impact worked out
// by hand for whatIfChanges at the root over 90 days before whatIfNow.
var whatIfNow = mustTime("2026-11-01T00:00:00Z")

func whatIfEvents() []engine.Event {
	d := func(days int) time.Time { return whatIfNow.Add(-time.Duration(days) * 24 * time.Hour) }
	return []engine.Event{
		use("e01", d(10), "222222222222", "user/alice", "s3", "GetObject", "us-east-1"),
		use("e02", d(5), "222222222222", "user/bob", "s3", "PutObject", "eu-west-1"),
		use("e03", d(20), "222222222222", "user/bob", "s3", "GetObject", "us-east-1"),
		use("e04", d(3), "222222222222", "role/aws-service-role/s3.amazonaws.com/AWSServiceRoleForS3", "s3", "GetObject", "us-east-1"),
		use("e05", d(100), "111111111111", "user/carol", "s3", "GetObject", "us-east-1"), // outside the window
		use("e06", d(30), "333333333333", "role/ops", "ec2", "RunInstances", "us-west-2"),
		use("e07", d(31), "333333333333", "role/ops", "ec2", "RunInstances", "us-east-1"),
		use("e08", d(2), "333333333333", "role/ops", "ec2", "DescribeInstances", "us-west-2"),
		use("e09", d(200), "333333333333", "user/dave", "ec2", "RunInstances", "us-west-2"), // outside the window
		use("e10", d(1), "999999999999", "user/root", "s3", "GetObject", "us-east-1"),       // management account
		use("e11", d(4), "222222222222", "user/alice", "dynamodb", "GetItem", "us-east-1"),
		use("e12", d(6), "333333333333", "user/erin", "sqs", "SendMessage", "us-east-1"),
		use("e13", d(7), "333333333333", "user/erin", "s3", "ListBucket", "us-east-1"),
	}
}

// whatIfChanges: deny s3 at Prod (new policy), deny ec2:RunInstances at the
// root (new policy), detach the sqs deny from the root, let Prod's allow
// list include lambda.
const whatIfChanges = `[
 {"Attach": {"Content": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}", "Name": "deny-s3"}, "Target": "ou-f6g7-prod0000"},
 {"Attach": {"Content": {"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:RunInstances","Resource":"*"}]}}, "Target": "r-f6g7h8i9j0example"},
 {"Detach": "p-denysqs0000", "Target": "r-f6g7h8i9j0example"},
 {"Replace": "p-allowlist00", "Content": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"dynamodb:*\",\"iam:*\",\"s3:*\",\"ec2:Describe*\",\"lambda:*\"],\"Resource\":\"*\"}]}"}
]`

// changedScopeOrg is scopeOrg with whatIfChanges made by hand.
func changedScopeOrg() *orgBuilder {
	b := scopeOrg()
	for i := range b.Policies {
		switch b.Policies[i].ID {
		case "p-denysqs0000":
			b.Policies[i].Targets = nil
		case "p-allowlist00":
			b.Policies[i].Content = allowListLambda
		}
	}
	b.Policies = append(b.Policies,
		policyDef{"p-newdenys3000", denyS3, []string{"ou-f6g7-prod0000"}},
		policyDef{"p-newdenyrun00", denyRunInstance, []string{"r-f6g7h8i9j0example"}})
	return b
}

func reportJSON(t *testing.T, r *engine.OrganizationsAccessReport) string {
	t.Helper()
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (te *testEnv) whatIf(path, changes, policyID string, days *int) (string, []engine.Impact) {
	te.t.Helper()
	ctx := context.Background()
	id, err := te.eng.GenerateSCPWhatIf(ctx, engine.SCPWhatIfInput{EntityPath: path, Changes: changes, OrganizationsPolicyID: engine.OptionalString(policyID), Days: days})
	if err != nil {
		te.t.Fatalf("what-if at %s: %v", path, err)
	}
	if err := te.eng.WaitJob(ctx, id); err != nil {
		te.t.Fatal(err)
	}
	impact, err := te.eng.WhatIfImpact(ctx, id, "")
	if err != nil {
		te.t.Fatalf("impact of %s: %v", id, err)
	}
	return id, impact
}

// TestWhatIfEqualsChangedOrganization: a what-if's report is the report
// of a second data directory holding the same events and the changed
// organization, imported from a snapshot edited by hand; every scope.
func TestWhatIfEqualsChangedOrganization(t *testing.T) {
	cur := newTestEnv(t, whatIfNow)
	cur.importOrg(scopeOrg().JSON())
	cur.append(whatIfEvents()...)
	changed := newTestEnv(t, whatIfNow)
	changed.importOrg(changedScopeOrg().JSON())
	changed.append(whatIfEvents()...)

	org := "o-a1b2c3d4e5/r-f6g7h8i9j0example"
	scopes := []struct{ path, policy, changedPolicy string }{
		{org, "", ""},
		{org + "/ou-f6g7-prod0000", "", ""},
		{org + "/ou-f6g7-prod0000/ou-f6g7-dev00000", "", ""},
		{org + "/ou-f6g7-prod0000/ou-f6g7-dev00000/111111111111", "", ""},
		{org + "/ou-f6g7-prod0000/222222222222", "", ""},
		{org + "/333333333333", "", ""},
		{org + "/999999999999", "", ""},
		{org, "p-allowlist00", "p-allowlist00"},
		{org, "p-whatif_1", "p-newdenys3000"},
		{org, "p-denysqs0000", "p-denysqs0000"},
	}
	for _, s := range scopes {
		id, _ := cur.whatIf(s.path, whatIfChanges, s.policy, nil)
		got := cur.fetch(id, engine.SortNamespaceAscending, 1000)
		want := changed.report(s.path, s.changedPolicy)
		if g, w := reportJSON(t, got), reportJSON(t, want); g != w {
			t.Errorf("what-if at %s (policy %q) differs from the changed organization's report:\n got %s\nwant %s", s.path, s.policy, g, w)
		}
		// The ordinary Get serves it in every order, as any report.
		for _, key := range []string{engine.SortTimeDescending, engine.SortNamespaceDescending} {
			if g, w := reportJSON(t, cur.fetch(id, key, 7)), reportJSON(t, changed.fetch(changed.reportID(s.path, s.changedPolicy), key, 7)); g != w {
				t.Errorf("what-if at %s, sort %s: differs", s.path, key)
			}
		}
	}
	// The current organization is untouched by the what-ifs.
	if g, w := reportJSON(t, cur.report(org, "")), reportJSON(t, newOrgReport(t, scopeOrg(), whatIfEvents(), org)); g != w {
		t.Errorf("the organization changed after what-ifs:\n got %s\nwant %s", g, w)
	}
}

func (te *testEnv) reportID(path, policyID string) string {
	te.t.Helper()
	id, err := te.eng.GenerateOrganizationsAccessReport(context.Background(), engine.GenerateOrganizationsAccessReportInput{EntityPath: path, OrganizationsPolicyID: engine.OptionalString(policyID)})
	if err != nil {
		te.t.Fatal(err)
	}
	return id
}

func newOrgReport(t *testing.T, b *orgBuilder, events []engine.Event, path string) *engine.OrganizationsAccessReport {
	te := newTestEnv(t, whatIfNow)
	te.importOrg(b.JSON())
	te.append(events...)
	return te.report(path, "")
}

// TestWhatIfImpact checks the impact list against one worked out by hand
// from whatIfEvents: s3 newly denied under Prod (the service-linked role,
// the management account and an access 100 days back left out),
// ec2:RunInstances newly denied at the root's direct account (a2 under
// Prod never had it: Prod allows only ec2:Describe*); sqs made allowed,
// which denies nothing.
func TestWhatIfImpact(t *testing.T) {
	te := newTestEnv(t, whatIfNow)
	te.importOrg(scopeOrg().JSON())
	te.append(whatIfEvents()...)
	d := func(days int) string {
		return whatIfNow.Add(-time.Duration(days) * 24 * time.Hour).Format("2006-01-02T15:04:05Z")
	}
	type p = engine.ImpactPrincipal
	want := []engine.Impact{
		{ServiceNamespace: "ec2", Action: "RunInstances", Accounts: []engine.ImpactAccount{
			{AccountID: "333333333333", EntityPath: "o-a1b2c3d4e5/r-f6g7h8i9j0example/333333333333", Region: "us-west-2",
				Principals: []p{{Arn: "arn:aws:iam::333333333333:role/ops", Region: "us-west-2"}}},
		}},
		{ServiceNamespace: "s3", Accounts: []engine.ImpactAccount{
			{AccountID: "222222222222", EntityPath: "o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-f6g7-prod0000/222222222222", Region: "eu-west-1",
				Principals: []p{{Arn: "arn:aws:iam::222222222222:user/alice", Region: "us-east-1"}, {Arn: "arn:aws:iam::222222222222:user/bob", Region: "eu-west-1"}}},
		}},
	}
	times := map[string]string{"333333333333": d(30), "222222222222": d(5), "arn:aws:iam::333333333333:role/ops": d(30),
		"arn:aws:iam::222222222222:user/alice": d(10), "arn:aws:iam::222222222222:user/bob": d(5)}
	_, got := te.whatIf("o-a1b2c3d4e5/r-f6g7h8i9j0example", whatIfChanges, "", nil)
	if len(got) != len(want) {
		t.Fatalf("impact: got %d entries, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.ServiceNamespace != w.ServiceNamespace || g.Action != w.Action || g.ServiceName == "" || len(g.Accounts) != len(w.Accounts) {
			t.Fatalf("impact %d: got %+v, want %+v", i, g, w)
		}
		for k, wa := range w.Accounts {
			ga := g.Accounts[k]
			if ga.AccountID != wa.AccountID || ga.EntityPath != wa.EntityPath || ga.Region != wa.Region || ga.LastAccessedTime.String() != times[wa.AccountID] || len(ga.Principals) != len(wa.Principals) {
				t.Fatalf("impact %d account %d: got %+v (time %s), want %+v (time %s)", i, k, ga, ga.LastAccessedTime, wa, times[wa.AccountID])
			}
			for m, wp := range wa.Principals {
				gp := ga.Principals[m]
				if gp.Arn != wp.Arn || gp.Region != wp.Region || gp.LastAccessedTime.String() != times[wp.Arn] {
					t.Errorf("impact %d account %d principal %d: got %+v, want %+v at %s", i, k, m, gp, wp, times[wp.Arn])
				}
			}
		}
	}
	// A window of 4 days keeps only bob's s3 (5 days back is outside).
	four := 4
	if _, got := te.whatIf("o-a1b2c3d4e5/r-f6g7h8i9j0example", whatIfChanges, "", &four); len(got) != 0 {
		t.Errorf("4-day window: got %+v, want no impact", got)
	}
	six := 6
	if _, got := te.whatIf("o-a1b2c3d4e5/r-f6g7h8i9j0example", whatIfChanges, "", &six); len(got) != 1 || got[0].ServiceNamespace != "s3" || len(got[0].Accounts[0].Principals) != 1 {
		t.Errorf("6-day window: got %+v, want bob's s3 alone", got)
	}
	// Scoped to Dev, nothing in the window: carol's s3 was 100 days back.
	if _, got := te.whatIf("o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-f6g7-prod0000/ou-f6g7-dev00000", whatIfChanges, "", nil); len(got) != 0 {
		t.Errorf("Dev: got %+v, want no impact", got)
	}
	// A report that is not a what-if has no impact.
	if _, err := te.eng.WhatIfImpact(context.Background(), te.reportID("o-a1b2c3d4e5/r-f6g7h8i9j0example", ""), ""); errCode(err) != engine.CodeInvalidInput {
		t.Errorf("impact of an ordinary report: %v, want InvalidInput", err)
	}
}

// TestWhatIfWithoutSCPs: in an organization without policies an attachment
// enables SCPs first, as AWS does (FullAWSAccess everywhere).
func TestWhatIfWithoutSCPs(t *testing.T) {
	b := scopeOrg()
	b.Policies = nil
	te := newTestEnv(t, whatIfNow)
	te.importOrg(b.JSON())
	te.append(whatIfEvents()...)
	_, got := te.whatIf("o-a1b2c3d4e5/r-f6g7h8i9j0example", `[{"Attach": {"Content": `+jsonString(denyS3)+`}, "Target": "ou-f6g7-prod0000"}]`, "", nil)
	if len(got) != 1 || got[0].ServiceNamespace != "s3" || got[0].Action != "" || len(got[0].Accounts) != 1 || got[0].Accounts[0].AccountID != "222222222222" {
		t.Errorf("got %+v, want s3 at 222222222222", got)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestWhatIfErrors: each bad change set gets its code and a message naming
// what is wrong, and nothing stored changes.
func TestWhatIfErrors(t *testing.T) {
	te := newTestEnv(t, whatIfNow)
	te.importOrg(scopeOrg().JSON())
	te.append(whatIfEvents()...)
	root := "o-a1b2c3d4e5/r-f6g7h8i9j0example"
	before := reportJSON(t, te.report(root, ""))
	long := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*","Sid":"` + strings.Repeat("x", 5100) + `"}]}`
	zero, big := 0, 36501
	cases := []struct {
		path, changes string
		days          *int
		code, message string
	}{
		{root, `not json`, nil, engine.CodeValidationError, "Invalid change set"},
		{root, `[]`, nil, engine.CodeValidationError, "holds no change"},
		{root, `{}`, nil, engine.CodeValidationError, "Invalid change set"},
		{root, `[{"Attach": {"PolicyId": "p-unattached0"}}]`, nil, engine.CodeValidationError, "needs Target"},
		{root, `[{"Attach": {"PolicyId": "p-unattached0"}, "Detach": "p-denysqs0000", "Target": "r-f6g7h8i9j0example"}]`, nil, engine.CodeValidationError, "exactly one of"},
		{root, `[{"Attach": {"PolicyId": "p-unattached0"}, "Target": "r-f6g7h8i9j0example", "Extra": 1}]`, nil, engine.CodeValidationError, "Extra"},
		{root, `[{"Replace": "p-allowlist00"}]`, nil, engine.CodeValidationError, "needs Content"},
		{root, `[{"Replace": "p-allowlist00", "Content": ` + jsonString(long) + `}]`, nil, engine.CodeValidationError, "over the SCP limit of 5120"},
		{root, `[{"Replace": "p-allowlist00", "Content": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"allow\",\"Action\":\"*\"}]}"}]`, nil, engine.CodeValidationError, "not a valid SCP"},
		{root, `[{"Attach": {"Content": 42}, "Target": "r-f6g7h8i9j0example"}]`, nil, engine.CodeValidationError, "JSON string or object"},
		{root, `[{"Attach": {"PolicyId": "p-nosuch0000"}, "Target": "r-f6g7h8i9j0example"}]`, nil, engine.CodeInvalidInput, "p-nosuch0000 does not exist"},
		{root, `[{"Attach": {"PolicyId": "p-unattached0"}, "Target": "ou-f6g7-nosuch00"}]`, nil, engine.CodeInvalidInput, "target ou-f6g7-nosuch00"},
		{root, `[{"Attach": {"PolicyId": "p-denysqs0000"}, "Target": "r-f6g7h8i9j0example"}]`, nil, engine.CodeInvalidInput, "already attached"},
		{root, `[{"Detach": "p-denysqs0000", "Target": "ou-f6g7-prod0000"}]`, nil, engine.CodeInvalidInput, "not attached"},
		{root, `[{"Detach": "p-allowlist00", "Target": "ou-f6g7-prod0000"}]`, nil, engine.CodeInvalidInput, "ou-f6g7-prod0000"},
		{root, `[{"Replace": "p-nosuch0000", "Content": ` + jsonString(denyS3) + `}]`, nil, engine.CodeInvalidInput, "does not exist"},
		{root, `[{"Detach": "p-denysqs0000", "Target": "r-f6g7h8i9j0example"}]`, &zero, engine.CodeValidationError, "'days'"},
		{root, `[{"Detach": "p-denysqs0000", "Target": "r-f6g7h8i9j0example"}]`, &big, engine.CodeValidationError, "'days'"},
		{root + "/ou-f6g7-nosuch00", `[{"Detach": "p-denysqs0000", "Target": "r-f6g7h8i9j0example"}]`, nil, engine.CodeNoSuchEntity, "ou-f6g7-nosuch00"},
		{"", `[{"Detach": "p-denysqs0000", "Target": "r-f6g7h8i9j0example"}]`, nil, engine.CodeValidationError, "entityPath"},
		{root, ``, nil, engine.CodeValidationError, "changes"},
	}
	for _, c := range cases {
		_, err := te.eng.GenerateSCPWhatIf(context.Background(), engine.SCPWhatIfInput{EntityPath: c.path, Changes: c.changes, Days: c.days})
		if errCode(err) != c.code || !strings.Contains(err.Error(), c.message) {
			t.Errorf("%s: got %v, want %s naming %q", c.changes, err, c.code, c.message)
		}
	}
	if after := reportJSON(t, te.report(root, "")); after != before {
		t.Errorf("a rejected change set changed the report:\n%s\n%s", before, after)
	}
}
