package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"lastaccess/engine"
)

// diffSummary renders differences compactly: ns[:action]=change,A,B with
// times as days before whatIfNow ("-" for none).
func diffSummary(d *engine.ReportDiff) string {
	day := func(t *engine.Timestamp) string {
		if t == nil {
			return "-"
		}
		return fmt.Sprintf("%.0fd", whatIfNow.Sub(t.Time).Hours()/24)
	}
	var parts []string
	for _, x := range d.Differences {
		name := x.ServiceNamespace
		if x.ActionName != "" {
			name += ":" + x.ActionName
		}
		parts = append(parts, fmt.Sprintf("%s=%s,%s,%s", name, x.Change, day(x.LastAccessedTimeA), day(x.LastAccessedTimeB)))
	}
	return strings.Join(parts, " ")
}

func (te *testEnv) generateAsOf(path string, asOf time.Time) string {
	te.t.Helper()
	id, err := te.eng.GenerateOrganizationsAccessReport(context.Background(), engine.GenerateOrganizationsAccessReportInput{EntityPath: path, AsOf: &asOf})
	if err != nil {
		te.t.Fatal(err)
	}
	if err := te.eng.WaitJob(context.Background(), id); err != nil {
		te.t.Fatal(err)
	}
	return id
}

// TestDiffOrganizationsReports: a report as of 50 days back against today's,
// differences worked out by hand: s3 used 100 and 10 days back (moved),
// dynamodb only 10 days back (only in B), iam 60 days back (the same in
// both: not listed), ec2 420 days back (inside A's 400 days, outside B's).
func TestDiffOrganizationsReports(t *testing.T) {
	te := newTestEnv(t, whatIfNow)
	te.importOrg(scopeOrg().JSON())
	d := func(days int) time.Time { return whatIfNow.Add(-time.Duration(days) * 24 * time.Hour) }
	te.append(
		ev("a", d(100), "333333333333", "s3", "us-east-1"),
		ev("b", d(10), "333333333333", "s3", "eu-west-1"),
		ev("c", d(10), "333333333333", "dynamodb", "us-east-1"),
		ev("e", d(60), "333333333333", "iam", "us-east-1"),
		ev("f", d(420), "333333333333", "ec2", "us-east-1"),
	)
	root := "o-a1b2c3d4e5/r-f6g7h8i9j0example"
	a, b := te.generateAsOf(root, d(50)), te.reportID(root, "")
	if err := te.eng.WaitJob(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	diff, err := te.eng.DiffReports(context.Background(), a, b, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := diffSummary(diff), "dynamodb=ACCESSED_ONLY_IN_B,-,10d ec2=ACCESSED_ONLY_IN_A,420d,- s3=LAST_ACCESS_MOVED,100d,10d"; got != want {
		t.Errorf("diff:\n got %s\nwant %s", got, want)
	}
	if diff.JobType != engine.DiffJobOrganizations || diff.JobIDA != a || diff.JobIDB != b || diff.Differences[2].ServiceName == "" ||
		*diff.Differences[2].RegionA != "us-east-1" || *diff.Differences[2].RegionB != "eu-west-1" || !strings.HasSuffix(*diff.Differences[2].EntityB, "/333333333333") {
		t.Errorf("diff: %+v", diff)
	}
	// The other way round, the sides swap; a job against itself differs in nothing.
	back, err := te.eng.DiffReports(context.Background(), b, a, "")
	if err != nil || diffSummary(back) != "dynamodb=ACCESSED_ONLY_IN_A,10d,- ec2=ACCESSED_ONLY_IN_B,-,420d s3=LAST_ACCESS_MOVED,10d,100d" {
		t.Errorf("reversed: %s %v", diffSummary(back), err)
	}
	if same, err := te.eng.DiffReports(context.Background(), a, a, ""); err != nil || len(same.Differences) != 0 || same.Differences == nil {
		t.Errorf("self: %+v %v", same, err)
	}
	// A what-if's report compares with the real one of its scope.
	wi, _ := te.whatIf(root, `[{"Attach": {"Content": `+jsonString(denyS3)+`}, "Target": "r-f6g7h8i9j0example"}]`, "", nil)
	if w, err := te.eng.DiffReports(context.Background(), b, wi, ""); err != nil || diffSummary(w) != "s3=ACCESSED_ONLY_IN_A,10d,-" {
		t.Errorf("what-if diff: %s %v", diffSummary(w), err)
	}

	// Errors.
	ou := te.reportID(root+"/ou-f6g7-prod0000", "")
	withPolicy := te.reportID(root, "p-FullAWSAccess")
	for _, id := range []string{ou, withPolicy} {
		if err := te.eng.WaitJob(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	te.importIAM((&iamBuilder{Account: "333333333333", Users: []iamUserDef{{Name: "alice", Inline: []inlineDef{{"all", fullAccess}}}}}).JSON())
	svc := te.slaID("arn:aws:iam::333333333333:user/alice", "")
	cases := []struct{ a, b, code, message string }{
		{a, ou, engine.CodeInvalidInput, "different scopes"},
		{a, withPolicy, engine.CodeInvalidInput, "with policy p-FullAWSAccess"},
		{a, svc, engine.CodeInvalidInput, "different kinds"},
		{svc, a, engine.CodeInvalidInput, "different kinds"},
		{a, "00000000-0000-4000-8000-000000000000", engine.CodeNoSuchEntity, "does not exist"},
		{a, "short", engine.CodeValidationError, "jobIdB"},
		{"", a, engine.CodeValidationError, "jobIdA"},
	}
	for _, c := range cases {
		_, err := te.eng.DiffReports(context.Background(), c.a, c.b, "")
		if errCode(err) != c.code || !strings.Contains(err.Error(), c.message) {
			t.Errorf("diff %s %s: %v, want %s naming %q", c.a, c.b, err, c.code, c.message)
		}
	}
}

func (te *testEnv) slaID(arn, granularity string) string {
	te.t.Helper()
	id, err := te.eng.GenerateServiceLastAccessedDetails(context.Background(), engine.GenerateServiceLastAccessedDetailsInput{Arn: arn, Granularity: engine.OptionalString(granularity)})
	if err != nil {
		te.t.Fatal(err)
	}
	if err := te.eng.WaitJob(context.Background(), id); err != nil {
		te.t.Fatal(err)
	}
	return id
}

// TestDiffServiceReports: ACTION_LEVEL reports of one user as of 50 days
// back and today: s3 moved (GetObject 100 days back, PutObject 10), the
// PutObject action only in B, GetObject and iam unchanged.
func TestDiffServiceReports(t *testing.T) {
	te := &testEnv{t: t, dir: t.TempDir(), now: whatIfNow}
	te.opts.Catalog = iamCatalog(t)
	te.open()
	t.Cleanup(func() { te.close() })
	arn := "arn:aws:iam::333333333333:user/alice"
	te.importIAM((&iamBuilder{Account: "333333333333", Users: []iamUserDef{{Name: "alice", Inline: []inlineDef{{"all", fullAccess}}}}}).JSON())
	d := func(days int) time.Time { return whatIfNow.Add(-time.Duration(days) * 24 * time.Hour) }
	te.append(
		principalEvent("a", d(100), arn, "s3", "GetObject", "us-east-1"),
		principalEvent("b", d(10), arn, "s3", "PutObject", "us-east-1"),
		principalEvent("c", d(60), arn, "iam", "ListUsers", "us-east-1"),
	)
	past := d(50)
	id, err := te.eng.GenerateServiceLastAccessedDetails(context.Background(), engine.GenerateServiceLastAccessedDetailsInput{Arn: arn, Granularity: engine.String(engine.GranularityActionLevel), AsOf: &past})
	if err != nil {
		t.Fatal(err)
	}
	if err := te.eng.WaitJob(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	now := te.slaID(arn, engine.GranularityActionLevel)
	diff, err := te.eng.DiffReports(context.Background(), id, now, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := diffSummary(diff), "s3=LAST_ACCESS_MOVED,100d,10d s3:PutObject=ACCESSED_ONLY_IN_B,-,10d"; got != want || diff.JobType != engine.DiffJobServiceLastAccessed {
		t.Errorf("diff:\n got %s\nwant %s", got, want)
	}
	if _, err := te.eng.DiffReports(context.Background(), id, te.slaID(arn, ""), ""); errCode(err) != engine.CodeInvalidInput {
		t.Errorf("ACTION_LEVEL against SERVICE_LEVEL: %v", err)
	}
}
