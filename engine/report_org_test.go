package engine_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"lastaccess/engine"
	"lastaccess/engine/catalog"
	"lastaccess/storage"
)

const (
	denySQS       = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sqs:*","Resource":"*"}]}`
	allowList     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:*","iam:*","s3:*","ec2:Describe*"],"Resource":"*"}]}`
	denyCondS3    = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	denyPartial   = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:Terminate*","Resource":"*"}]}`
	denyNotAction = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:*","s3:*"],"Resource":"*"}]}`
	allowLambda   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:*","Resource":"*"}]}`
)

// scopeOrg is an organization whose every report scope was worked out by
// hand (see TestReportScopes).
func scopeOrg() *orgBuilder {
	return &orgBuilder{
		ID: "o-a1b2c3d4e5", Root: "r-f6g7h8i9j0example", Management: "999999999999",
		OUs: [][3]string{
			{"ou-f6g7-prod0000", "Prod", "r-f6g7h8i9j0example"},
			{"ou-f6g7-dev00000", "Dev", "ou-f6g7-prod0000"},
		},
		Accounts: [][3]string{
			{"111111111111", "a1", "ou-f6g7-dev00000"},
			{"222222222222", "a2", "ou-f6g7-prod0000"},
			{"333333333333", "a3", "r-f6g7h8i9j0example"},
			{"999999999999", "management", "r-f6g7h8i9j0example"},
		},
		Policies: []policyDef{
			{"p-FullAWSAccess", fullAccess, []string{"r-f6g7h8i9j0example", "ou-f6g7-dev00000", "111111111111", "222222222222", "333333333333", "999999999999"}},
			{"p-denysqs0000", denySQS, []string{"r-f6g7h8i9j0example"}},
			{"p-allowlist00", allowList, []string{"ou-f6g7-prod0000"}},
			{"p-denycond000", denyCondS3, []string{"ou-f6g7-dev00000"}},
			{"p-denypart000", denyPartial, []string{"ou-f6g7-dev00000"}},
			{"p-denynotact0", denyNotAction, []string{"111111111111"}},
			{"p-unattached0", allowLambda, nil},
			{"p-denyall0000", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`, []string{"999999999999"}},
		},
	}
}

func namespaces(r *engine.OrganizationsAccessReport) []string {
	var out []string
	for _, d := range r.AccessDetails {
		out = append(out, d.ServiceNamespace)
	}
	return out
}

func detail(t *testing.T, r *engine.OrganizationsAccessReport, ns string) engine.AccessDetail {
	t.Helper()
	for _, d := range r.AccessDetails {
		if d.ServiceNamespace == ns {
			return d
		}
	}
	t.Fatalf("service %s not in report (%v)", ns, namespaces(r))
	return engine.AccessDetail{}
}

func TestReportScopes(t *testing.T) {
	now := mustTime("2026-11-01T00:00:00Z")
	te := &testEnv{t: t, dir: t.TempDir(), now: now}
	te.opts.Catalog = testCatalog(t)
	te.open()
	defer te.close()
	org := te.importOrg(scopeOrg().JSON())
	day := func(d int) time.Time { return now.Add(-time.Duration(d) * 24 * time.Hour) }
	// Every account uses s3, lambda, iam and sqs; later days for later accounts.
	for i, a := range []string{"111111111111", "222222222222", "333333333333", "999999999999"} {
		for _, ns := range []string{"s3", "lambda", "iam", "sqs"} {
			te.append(ev(fmt.Sprintf("%s-%s", a, ns), day(40-i), a, ns, "us-east-1"))
		}
	}
	// A service-linked role in a1 used dynamodb recently: not counted.
	slr := ev("slr-1", day(1), "111111111111", "dynamodb", "eu-west-1")
	slr.ServiceLinked = true
	te.append(slr)

	all := []string{"acm", "acm-pca", "acmx", "dynamodb", "ec2", "iam", "lambda", "s3", "s3control", "sns", "sqs", "sts"}
	without := func(drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(all), func(s string) bool { return slices.Contains(drop, s) })
	}
	root := org.Root.Path
	prod := root + "/ou-f6g7-prod0000"
	dev := prod + "/ou-f6g7-dev00000"
	a1 := dev + "/111111111111"
	a2 := prod + "/222222222222"
	a3 := root + "/333333333333"
	mgmt := root + "/999999999999"
	cases := []struct {
		name, path, policy string
		services           []string
		s3Accounts         int    // accounts in scope (all of them used s3, if s3 is listed)
		s3Latest           string // entity path of the latest s3 access
		lambdaAccounts     int
	}{
		{"root: all but the root's deny", root, "", without("sqs"), 3, a3, 3},
		{"OU with an allow-list", prod, "", []string{"dynamodb", "ec2", "iam", "s3"}, 2, a2, 0},
		{"OU below it: conditional and partial denies remove nothing", dev, "", []string{"dynamodb", "ec2", "iam", "s3"}, 1, a1, 0},
		{"account with a NotAction deny", a1, "", []string{"iam", "s3"}, 1, a1, 0},
		{"account in the root", a3, "", without("sqs"), 1, a3, 1},
		{"management account: every service, own data, SCPs ignored", mgmt, "", all, 1, mgmt, 1},
		{"management account ignores the policy id", mgmt, "p-unattached0", all, 1, mgmt, 1},
		{"policy on the root: its services, accounts it applies to", root, "p-allowlist00", []string{"dynamodb", "ec2", "iam", "s3"}, 2, a2, 0},
		{"policy that applies to no account in scope", a3, "p-allowlist00", []string{"dynamodb", "ec2", "iam", "s3"}, 0, "", 0},
		{"policy attached nowhere: services without data", root, "p-unattached0", []string{"lambda"}, 0, "", 0},
		{"deny-only policy allows nothing", root, "p-denysqs0000", nil, 0, "", 0},
		{"FullAWSAccess on an OU: all services, its accounts", dev, "p-FullAWSAccess", all, 1, a1, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := te.report(c.path, c.policy)
			if got := namespaces(r); !slices.Equal(got, c.services) {
				t.Fatalf("services %v, want %v", got, c.services)
			}
			if *r.NumberOfServicesAccessible != len(c.services) {
				t.Errorf("NumberOfServicesAccessible %d, want %d", *r.NumberOfServicesAccessible, len(c.services))
			}
			if slices.Contains(c.services, "s3") {
				d := detail(t, r, "s3")
				if d.TotalAuthenticatedEntities != c.s3Accounts {
					t.Errorf("s3 accounts %d, want %d", d.TotalAuthenticatedEntities, c.s3Accounts)
				}
				gotPath := ""
				if d.EntityPath != nil {
					gotPath = *d.EntityPath
				}
				if gotPath != c.s3Latest {
					t.Errorf("s3 latest from %q, want %q", gotPath, c.s3Latest)
				}
			}
			if slices.Contains(c.services, "lambda") {
				if d := detail(t, r, "lambda"); d.TotalAuthenticatedEntities != c.lambdaAccounts {
					t.Errorf("lambda accounts %d, want %d", d.TotalAuthenticatedEntities, c.lambdaAccounts)
				}
			}
			if slices.Contains(c.services, "dynamodb") {
				if d := detail(t, r, "dynamodb"); d.LastAuthenticatedTime != nil || d.TotalAuthenticatedEntities != 0 {
					t.Errorf("dynamodb shows the service-linked role's access: %+v", d)
				}
			}
			notAccessed := 0
			for _, d := range r.AccessDetails {
				if d.LastAuthenticatedTime == nil {
					notAccessed++
					if d.Region != nil || d.EntityPath != nil || d.TotalAuthenticatedEntities != 0 {
						t.Errorf("%s not accessed but has fields: %+v", d.ServiceNamespace, d)
					}
				}
			}
			if *r.NumberOfServicesNotAccessed != notAccessed {
				t.Errorf("NumberOfServicesNotAccessed %d, want %d", *r.NumberOfServicesNotAccessed, notAccessed)
			}
		})
	}
}

func TestSCPsNotEnabledAllowEverything(t *testing.T) {
	te := &testEnv{t: t, dir: t.TempDir(), now: mustTime("2026-11-01T00:00:00Z")}
	te.opts.Catalog = testCatalog(t)
	te.open()
	defer te.close()
	b := scopeOrg()
	b.Policies = nil
	org := te.importOrg(b.JSON())
	if org.SCPsEnabled() {
		t.Fatal("SCPs enabled without policies")
	}
	r := te.report(org.Root.Path+"/ou-f6g7-prod0000/ou-f6g7-dev00000/111111111111", "")
	if n := len(r.AccessDetails); n != 12 {
		t.Fatalf("%d services, want the whole catalog (12)", n)
	}
	_, err := te.eng.GenerateOrganizationsAccessReport(t.Context(), engine.GenerateOrganizationsAccessReportInput{EntityPath: org.Root.Path, OrganizationsPolicyID: engine.OptionalString("p-FullAWSAccess")})
	if errCode(err) != engine.CodeNoSuchEntity {
		t.Fatalf("policy id without SCPs: %v", err)
	}
}

func TestOrganizationImportRejects(t *testing.T) {
	te := newTestEnv(t, mustTime("2026-11-01T00:00:00Z"))
	good := scopeOrg()
	te.importOrg(good.JSON())
	cases := []struct {
		name, want string
		edit       func(b *orgBuilder)
		raw        string
	}{
		{name: "entity without an SCP", want: "none attached to: 222222222222, ou-f6g7-prod0000", edit: func(b *orgBuilder) {
			b.Policies[0].Targets = []string{"r-f6g7h8i9j0example", "111111111111", "333333333333", "999999999999"}
			b.Policies[2].Targets = nil
		}},
		{name: "unknown parent", want: `parent "ou-f6g7-nope0000" does not exist`, edit: func(b *orgBuilder) { b.Accounts[0][2] = "ou-f6g7-nope0000" }},
		{name: "bad account id", want: `"12345" is not a 12-digit account id`, edit: func(b *orgBuilder) { b.Accounts[0][0] = "12345" }},
		{name: "bad policy document", want: "policy p-denysqs0000", edit: func(b *orgBuilder) { b.Policies[1].Content = `{"Statement":[{"Effect":"Maybe","Action":"*"}]}` }},
		{name: "policy target unknown", want: `target "ou-f6g7-gone0000" does not exist`, edit: func(b *orgBuilder) {
			b.Policies[1].Targets = append(b.Policies[1].Targets, "ou-f6g7-gone0000")
		}},
		{name: "parent cycle", want: "not reachable from the root", edit: func(b *orgBuilder) { b.OUs[0][2] = "ou-f6g7-dev00000" }},
		{name: "management account missing", want: "management account 999999999999 is not among Accounts", edit: func(b *orgBuilder) {
			b.Accounts = b.Accounts[:3]
			for i := range b.Policies {
				b.Policies[i].Targets = slices.DeleteFunc(b.Policies[i].Targets, func(s string) bool { return s == "999999999999" })
			}
		}},
		{name: "not JSON", want: "line 1, column", raw: `{"Organization": {"Id": "o-a1b2c3d4e5",,}}`},
		{name: "trailing data", want: "unexpected data after", raw: good.JSON() + `{}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			js := c.raw
			if c.edit != nil {
				b := scopeOrg()
				c.edit(b)
				js = b.JSON()
			}
			_, err := te.eng.ImportOrganization([]byte(js))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
			if errCode(err) != engine.CodeInvalidInput {
				t.Errorf("code %s, want InvalidInput", errCode(err))
			}
			// The stored organization is untouched.
			if te.eng.Organization().ID != "o-a1b2c3d4e5" || len(te.eng.Organization().Accounts()) != 4 {
				t.Fatal("a rejected import changed the organization")
			}
		})
	}
}

func TestTrackingPeriodEdges(t *testing.T) {
	now := mustTime("2026-11-01T12:00:00Z")
	te := &testEnv{t: t, dir: t.TempDir(), now: now}
	te.opts.Catalog = testCatalog(t)
	te.open()
	defer te.close()
	org := te.importOrg(scopeOrg().JSON())
	edge := now.Add(-engine.TrackingPeriod)
	te.append(
		ev("exactly-400-days", edge, "333333333333", "s3", "us-east-1"),
		ev("one-second-older", edge.Add(-time.Second), "222222222222", "s3", "eu-west-1"),
		ev("older-only", edge.Add(-time.Second), "222222222222", "sts", "eu-west-1"),
		ev("at-now", now, "333333333333", "lambda", "us-east-1"),
		ev("after-now", now.Add(time.Second), "222222222222", "lambda", "eu-west-1"),
	)
	r := te.report(org.Root.Path, "")
	s3 := detail(t, r, "s3")
	if s3.TotalAuthenticatedEntities != 1 || s3.LastAuthenticatedTime == nil || !s3.LastAuthenticatedTime.Equal(edge) {
		t.Errorf("s3: %+v; want only the access exactly 400 days old", s3)
	}
	if sts := detail(t, r, "sts"); sts.LastAuthenticatedTime != nil || sts.TotalAuthenticatedEntities != 0 {
		t.Errorf("sts: an access 400 days and 1 second old counted: %+v", sts)
	}
	lambda := detail(t, r, "lambda")
	if lambda.TotalAuthenticatedEntities != 1 || !lambda.LastAuthenticatedTime.Equal(now) || *lambda.Region != "us-east-1" {
		t.Errorf("lambda: %+v; want the access at the creation time, not the later one", lambda)
	}
}

// TestSortKeysAndPaging pages through a report over the full catalog with
// every sort key and several page sizes: each service exactly once, in
// order.
func TestSortKeysAndPaging(t *testing.T) {
	now := mustTime("2026-11-01T00:00:00Z")
	te := newTestEnv(t, now)
	org := te.importOrg(scopeOrg().JSON())
	cat := te.eng.Catalog()
	r := rand.New(rand.NewPCG(7, 7))
	var events []engine.Event
	for i, s := range cat.Services() {
		if r.IntN(3) == 0 {
			continue
		}
		// Equal times on purpose: ties must fall back to the namespace.
		at := now.Add(-time.Duration(r.IntN(20)) * time.Hour)
		events = append(events, ev(fmt.Sprintf("e%d", i), at, "333333333333", s.Namespace, "us-east-1"))
	}
	te.append(events...)
	id, err := te.eng.GenerateOrganizationsAccessReport(t.Context(), engine.GenerateOrganizationsAccessReportInput{EntityPath: org.Root.Path + "/999999999999"})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"", engine.SortNamespaceAscending, engine.SortNamespaceDescending, engine.SortTimeAscending, engine.SortTimeDescending} {
		for _, size := range []int{1, 7, 100, 1000} {
			got := te.fetch(id, key, size)
			if len(got.AccessDetails) != cat.Len() {
				t.Fatalf("%s/%d: %d services, want %d", key, size, len(got.AccessDetails), cat.Len())
			}
			seen := map[string]bool{}
			for i, d := range got.AccessDetails {
				if seen[d.ServiceNamespace] {
					t.Fatalf("%s/%d: %s twice", key, size, d.ServiceNamespace)
				}
				seen[d.ServiceNamespace] = true
				if i > 0 && !inOrder(key, got.AccessDetails[i-1], d) {
					t.Fatalf("%s/%d: %s before %s", key, size, got.AccessDetails[i-1].ServiceNamespace, d.ServiceNamespace)
				}
			}
		}
	}
}

func inOrder(key string, a, b engine.AccessDetail) bool {
	switch key {
	case engine.SortNamespaceDescending:
		return a.ServiceNamespace > b.ServiceNamespace
	case engine.SortTimeAscending, engine.SortTimeDescending:
		ta, tb := a.LastAuthenticatedTime, b.LastAuthenticatedTime
		desc := key == engine.SortTimeDescending
		switch {
		case ta == nil && tb == nil:
		case ta == nil:
			return !desc
		case tb == nil:
			return desc
		case !ta.Equal(tb.Time):
			return ta.After(tb.Time) == desc
		}
	}
	return a.ServiceNamespace < b.ServiceNamespace
}

func TestNamespaceOrderIsBytewise(t *testing.T) {
	te := &testEnv{t: t, dir: t.TempDir(), now: mustTime("2026-11-01T00:00:00Z")}
	te.opts.Catalog = testCatalog(t)
	te.open()
	defer te.close()
	org := te.importOrg(scopeOrg().JSON())
	r := te.report(org.Root.Path+"/999999999999", "")
	if got := namespaces(r)[:3]; !slices.Equal(got, []string{"acm", "acm-pca", "acmx"}) {
		t.Fatalf("order %v", got)
	}
}

func TestDedupeAcrossCallsAndRestarts(t *testing.T) {
	now := mustTime("2026-11-01T00:00:00Z")
	te := newTestEnv(t, now)
	org := te.importOrg(scopeOrg().JSON())
	e1 := ev("8c9a6e2e-1111-4a6b-9d1e-0123456789ab", now.Add(-time.Hour), "333333333333", "s3", "us-east-1")
	e2 := ev("NOT-A-UUID-but-an-id", now.Add(-2*time.Hour), "222222222222", "s3", "us-east-1")
	if res := te.append(e1, e2, e1); res.Ingested != 2 || res.Duplicates != 1 {
		t.Fatalf("first append %+v", res)
	}
	te.crash()
	te.open()
	// Within one call the first copy of an eventID wins.
	e3 := ev("third", now.Add(-3*time.Hour), "222222222222", "s3", "us-east-1")
	if res := te.append(e1, e2, e3, e3); res.Ingested != 1 || res.Duplicates != 3 {
		t.Fatalf("second append %+v", res)
	}
	r := te.report(org.Root.Path, "")
	if d := detail(t, r, "s3"); d.TotalAuthenticatedEntities != 2 || !d.LastAuthenticatedTime.Equal(now.Add(-time.Hour)) {
		t.Fatalf("s3 %+v", d)
	}
}

func TestGetErrors(t *testing.T) {
	now := mustTime("2026-11-01T00:00:00Z")
	te := newTestEnv(t, now)
	org := te.importOrg(scopeOrg().JSON())
	ctx := t.Context()
	id, err := te.eng.GenerateOrganizationsAccessReport(ctx, engine.GenerateOrganizationsAccessReportInput{EntityPath: org.Root.Path + "/999999999999"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := te.eng.GenerateOrganizationsAccessReport(ctx, engine.GenerateOrganizationsAccessReportInput{EntityPath: org.Root.Path + "/999999999999"})
	if err != nil {
		t.Fatal(err)
	}
	te.eng.WaitJob(ctx, id)
	te.eng.WaitJob(ctx, other)
	one := 1
	page, err := te.eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: id, MaxItems: &one})
	if err != nil || page.Marker == "" {
		t.Fatalf("first page: %v %+v", err, page)
	}
	otherPage, _ := te.eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: other, MaxItems: &one})
	// Change one character in the middle (the MAC) and, separately, the
	// last one (whose spare bits a lax decoder would ignore).
	alterAt := func(i int) string {
		b := []byte(page.Marker)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	altered := alterAt(len(page.Marker) / 2)
	alteredLast := alterAt(len(page.Marker) - 1)
	zero, big := 0, 1001
	cases := []struct {
		name string
		in   engine.GetOrganizationsAccessReportInput
		code string
		msg  string
	}{
		{"MaxItems 0", engine.GetOrganizationsAccessReportInput{JobID: id, MaxItems: &zero}, engine.CodeValidationError,
			"1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"MaxItems 1001", engine.GetOrganizationsAccessReportInput{JobID: id, MaxItems: &big}, engine.CodeValidationError,
			"1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"JobId of 35 characters", engine.GetOrganizationsAccessReportInput{JobID: id[:35]}, engine.CodeValidationError,
			"1 validation error detected: Value '" + id[:35] + "' at 'jobId' failed to satisfy constraint: Member must have length greater than or equal to 36"},
		{"bad sort key", engine.GetOrganizationsAccessReportInput{JobID: id, SortKey: engine.OptionalString("NEWEST")}, engine.CodeValidationError,
			"1 validation error detected: Value 'NEWEST' at 'sortKey' failed to satisfy constraint: Member must satisfy enum value set: [SERVICE_NAMESPACE_ASCENDING, SERVICE_NAMESPACE_DESCENDING, LAST_AUTHENTICATED_TIME_ASCENDING, LAST_AUTHENTICATED_TIME_DESCENDING]"},
		{"two problems", engine.GetOrganizationsAccessReportInput{JobID: id, MaxItems: &zero, SortKey: engine.OptionalString("x")}, engine.CodeValidationError, "2 validation errors detected: "},
		{"unknown job", engine.GetOrganizationsAccessReportInput{JobID: "00000000-0000-4000-8000-000000000000"}, engine.CodeNoSuchEntity, "does not exist"},
		{"altered marker", engine.GetOrganizationsAccessReportInput{JobID: id, Marker: engine.OptionalString(altered)}, engine.CodeInvalidInput, "was not issued"},
		{"altered last character", engine.GetOrganizationsAccessReportInput{JobID: id, Marker: engine.OptionalString(alteredLast)}, engine.CodeInvalidInput, "was not issued"},
		{"marker of another job", engine.GetOrganizationsAccessReportInput{JobID: id, Marker: engine.OptionalString(otherPage.Marker)}, engine.CodeInvalidInput, "was not issued"},
		{"marker of another sort key", engine.GetOrganizationsAccessReportInput{JobID: id, Marker: engine.OptionalString(page.Marker), SortKey: engine.OptionalString(engine.SortTimeDescending)}, engine.CodeInvalidInput, "was not issued"},
		{"garbage marker", engine.GetOrganizationsAccessReportInput{JobID: id, Marker: engine.OptionalString("!!not base64!!")}, engine.CodeInvalidInput, "was not issued"},
		{"marker with a control character", engine.GetOrganizationsAccessReportInput{JobID: id, Marker: engine.OptionalString("a\x01b")}, engine.CodeValidationError, "at 'marker'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := te.eng.GetOrganizationsAccessReport(ctx, c.in)
			if errCode(err) != c.code || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v, want %s containing %q", err, c.code, c.msg)
			}
		})
	}
}

func TestGenerateErrors(t *testing.T) {
	te := newTestEnv(t, mustTime("2026-11-01T00:00:00Z"))
	ctx := t.Context()
	gen := func(path, policy string) error {
		_, err := te.eng.GenerateOrganizationsAccessReport(ctx, engine.GenerateOrganizationsAccessReportInput{EntityPath: path, OrganizationsPolicyID: engine.OptionalString(policy)})
		return err
	}
	if err := gen("o-a1b2c3d4e5/r-f6g7h8i9j0example", ""); errCode(err) != engine.CodeNoSuchEntity || !strings.Contains(err.Error(), "org import") {
		t.Fatalf("before any import: %v", err)
	}
	te.importOrg(scopeOrg().JSON())
	root := "o-a1b2c3d4e5/r-f6g7h8i9j0example"
	cases := []struct{ name, path, policy, code, msg string }{
		{"empty path", "", "", engine.CodeValidationError, "Value null at 'entityPath' failed to satisfy constraint: Member must not be null"},
		{"too short", "o-a1b2c3d4e5/r-ab", "", engine.CodeValidationError, "Member must have length greater than or equal to 19"},
		{"pattern", "org-a1b2c3d4e5/root-f6g7h8i9j0", "", engine.CodeValidationError, "Member must satisfy regular expression pattern"},
		{"bad policy id", root, "policy-1", engine.CodeValidationError, "at 'organizationsPolicyId'"},
		{"empty segment", root + "//ou-f6g7-prod0000", "", engine.CodeInvalidInput, "empty segment"},
		{"trailing slash", root + "/", "", engine.CodeInvalidInput, "empty segment"},
		{"account not last", root + "/333333333333/ou-f6g7-prod0000", "", engine.CodeInvalidInput, "must be its last segment"},
		{"junk segment", root + "/ou-f6g7-prod0000/x-y", "", engine.CodeInvalidInput, "neither"},
		{"wrong structure", root + "/ou-f6g7-dev00000", "", engine.CodeInvalidInput, "does not match the organization's structure"},
		{"account under the wrong OU", root + "/ou-f6g7-prod0000/333333333333", "", engine.CodeInvalidInput, "does not match the organization's structure"},
		{"unknown OU", root + "/ou-f6g7-zzzz0000", "", engine.CodeNoSuchEntity, "does not exist"},
		{"unknown account", root + "/444444444444", "", engine.CodeNoSuchEntity, "does not exist"},
		{"other organization", "o-zzzzzzzzzz/r-f6g7h8i9j0example", "", engine.CodeNoSuchEntity, "imported organization is o-a1b2c3d4e5"},
		{"unknown root", "o-a1b2c3d4e5/r-zzzz", "", engine.CodeNoSuchEntity, "does not exist"},
		{"unknown policy", root, "p-nosuchpolicy", engine.CodeNoSuchEntity, "p-nosuchpolicy does not exist"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := gen(c.path, c.policy)
			if errCode(err) != c.code || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v, want %s containing %q", err, c.code, c.msg)
			}
		})
	}
}

func TestReportGenerationLimit(t *testing.T) {
	te := &testEnv{t: t, dir: t.TempDir(), now: mustTime("2026-11-01T00:00:00Z")}
	te.opts.MaxOrgJobsInProgress = 2
	te.open()
	defer te.close()
	org := te.importOrg(scopeOrg().JSON())
	release := make(chan struct{})
	te.eng.SetBeforeFinish(func(string) { <-release })
	ctx := t.Context()
	in := engine.GenerateOrganizationsAccessReportInput{EntityPath: org.Root.Path}
	var ids []string
	for i := 0; i < 2; i++ {
		id, err := te.eng.GenerateOrganizationsAccessReport(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	r, err := te.eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: ids[0]})
	if err != nil || r.JobStatus != engine.JobInProgress || r.JobCompletionDate != nil || r.AccessDetails != nil {
		t.Fatalf("in progress: %v %+v", err, r)
	}
	if _, err := te.eng.GenerateOrganizationsAccessReport(ctx, in); errCode(err) != engine.CodeReportGenerationLimitExceeded {
		t.Fatalf("third job: %v", err)
	}
	close(release)
	for _, id := range ids {
		te.eng.WaitJob(ctx, id)
	}
	if _, err := te.eng.GenerateOrganizationsAccessReport(ctx, in); err != nil {
		t.Fatalf("after the jobs finished: %v", err)
	}
}

// TestInterruptedJobFailsAfterRestart: a job whose process died is FAILED
// with the reason after a restart, never IN_PROGRESS forever.
func TestInterruptedJobFailsAfterRestart(t *testing.T) {
	now := mustTime("2026-11-01T00:00:00Z")
	te := newTestEnv(t, now)
	org := te.importOrg(scopeOrg().JSON())
	hold := make(chan struct{})
	te.eng.SetBeforeFinish(func(string) { <-hold })
	id, err := te.eng.GenerateOrganizationsAccessReport(t.Context(), engine.GenerateOrganizationsAccessReportInput{EntityPath: org.Root.Path})
	if err != nil {
		t.Fatal(err)
	}
	done, err := te.eng.GenerateOrganizationsAccessReport(t.Context(), engine.GenerateOrganizationsAccessReportInput{EntityPath: org.Root.Path})
	if err != nil {
		t.Fatal(err)
	}
	te.crash()
	close(hold) // the old process's goroutines find the store closed
	te.now = now.Add(time.Minute)
	te.open()
	for _, job := range []string{id, done} {
		r, err := te.eng.GetOrganizationsAccessReport(t.Context(), engine.GetOrganizationsAccessReportInput{JobID: job})
		if err != nil {
			t.Fatal(err)
		}
		if r.JobStatus != engine.JobFailed || r.ErrorDetails == nil || !strings.Contains(r.ErrorDetails.Message, "interrupted") || r.JobCompletionDate == nil {
			t.Fatalf("job %s after restart: %+v", job, r)
		}
	}
}

func TestCompletedJobSurvivesRestart(t *testing.T) {
	now := mustTime("2026-11-01T00:00:00Z")
	te := newTestEnv(t, now)
	org := te.importOrg(scopeOrg().JSON())
	te.append(ev("a", now.Add(-time.Hour), "333333333333", "s3", "us-east-1"))
	id, err := te.eng.GenerateOrganizationsAccessReport(t.Context(), engine.GenerateOrganizationsAccessReportInput{EntityPath: org.Root.Path})
	if err != nil {
		t.Fatal(err)
	}
	before := te.fetch(id, "", 1000)
	te.reopen(now.Add(time.Hour))
	te.append(ev("b", now.Add(-time.Minute), "222222222222", "s3", "us-east-1"))
	after := te.fetch(id, "", 1000)
	if detailsJSON(before.AccessDetails) != detailsJSON(after.AccessDetails) || !before.JobCreationDate.Equal(after.JobCreationDate.Time) {
		t.Fatal("a stored report changed after restart and new events")
	}
}

// TestSnapshotAtGenerate: events appended while a job runs are not in it.
func TestSnapshotAtGenerate(t *testing.T) {
	now := mustTime("2026-11-01T00:00:00Z")
	te := newTestEnv(t, now.Add(-24*time.Hour)) // as of yesterday: exercises the log lookups too
	org := te.importOrg(scopeOrg().JSON())
	te.append(ev("a", now.Add(-48*time.Hour), "333333333333", "s3", "us-east-1"),
		ev("future", now, "333333333333", "s3", "us-east-1"))
	hold := make(chan struct{})
	te.eng.SetBeforeFinish(func(string) { <-hold })
	id, err := te.eng.GenerateOrganizationsAccessReport(t.Context(), engine.GenerateOrganizationsAccessReportInput{EntityPath: org.Root.Path})
	if err != nil {
		t.Fatal(err)
	}
	te.append(ev("late", now.Add(-30*time.Hour), "222222222222", "s3", "eu-west-1"),
		ev("late2", now.Add(-30*time.Hour), "333333333333", "s3", "eu-west-1"))
	close(hold)
	r := te.fetch(id, "", 1000)
	d := detail(t, r, "s3")
	if d.TotalAuthenticatedEntities != 1 || !d.LastAuthenticatedTime.Equal(now.Add(-48*time.Hour)) {
		t.Fatalf("job saw events appended after Generate: %+v", d)
	}
}

func TestNotAccessedShareIsExact(t *testing.T) {
	six, fifteen := 6, 15
	r := &engine.OrganizationsAccessReport{NumberOfServicesAccessible: &fifteen, NumberOfServicesNotAccessed: &six}
	if got := r.NotAccessedShare().String(); got != "0.4000" {
		t.Fatalf("6/15 = %s", got)
	}
	one, three := 1, 3
	r = &engine.OrganizationsAccessReport{NumberOfServicesAccessible: &three, NumberOfServicesNotAccessed: &one}
	if got := r.NotAccessedShare().String(); got != "0.3333" {
		t.Fatalf("1/3 = %s", got)
	}
}

// TestImportCatalogMovesEvents: when a new catalog maps an event source
// to another namespace, stored events move there, reports follow, and the
// same record ingested again is still a duplicate.
func TestImportCatalogMovesEvents(t *testing.T) {
	now := mustTime("2026-11-01T00:00:00Z")
	te := &testEnv{t: t, dir: t.TempDir(), now: now}
	te.opts.Catalog = testCatalog(t)
	te.open()
	defer te.close()
	org := te.importOrg(scopeOrg().JSON())
	old := ev("moved-1", now.Add(-time.Hour), "333333333333", "widgets", "us-east-1")
	old.EventSource, old.EventName, old.Action = "widgets.amazonaws.com", "ListWidgets", "ListWidgets"
	te.append(old)
	services := append([]catalog.Service(nil), testCatalog(t).Services()...)
	services = append(services, catalog.Service{Namespace: "gadgets", Name: "Gadgets", EventSources: []string{"widgets.amazonaws.com"},
		ActionRenames: map[string]string{"ListWidgets": "ListGadgets"}})
	next, err := catalog.New(services)
	if err != nil {
		t.Fatal(err)
	}
	moved, err := te.eng.ImportCatalog(t.Context(), next)
	if err != nil || moved != 1 {
		t.Fatalf("import: moved %d, %v", moved, err)
	}
	r := te.report(org.Root.Path, "")
	if d := detail(t, r, "gadgets"); d.TotalAuthenticatedEntities != 1 {
		t.Fatalf("gadgets after the catalog change: %+v", d)
	}
	again := old
	again.Namespace, again.Action = "gadgets", "ListGadgets"
	if res := te.append(again); res.Ingested != 0 || res.Duplicates != 1 {
		t.Fatalf("re-ingest after the catalog change: %+v", res)
	}
	var seen []string
	te.eng.ScanEvents(t.Context(), engine.EventFilter{}, func(e *engine.Event, _ string) error {
		seen = append(seen, e.Namespace+":"+e.Action)
		return nil
	})
	if !slices.Equal(seen, []string{"gadgets:ListGadgets"}) {
		t.Fatalf("stored events %v", seen)
	}
	// The catalog survives a restart.
	te.opts.Catalog = nil
	te.reopen(now)
	if _, ok := te.eng.Catalog().Lookup("gadgets"); !ok {
		t.Fatal("imported catalog lost on restart")
	}
}

// TestCommitFailure: a commit the store refuses (here: the free-space
// reserve, as on a full disk) stores nothing and changes no rollup; the
// same append succeeds once the fault is gone.
func TestCommitFailure(t *testing.T) {
	dir := t.TempDir()
	now := mustTime("2026-11-01T00:00:00Z")
	sopts := storage.DefaultOptions()
	sopts.MinFreeSpace = 1 << 62
	st, err := storage.Open(dir, sopts)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.Open(st, engine.Options{Clock: engine.FixedClock(now)})
	if err != nil {
		t.Fatal(err)
	}
	org, err := eng.ImportOrganization([]byte(scopeOrg().JSON()))
	if err != nil {
		t.Fatal(err)
	}
	events := []engine.Event{ev("f1", now.Add(-time.Hour), "333333333333", "s3", "us-east-1")}
	if _, err := eng.Append(t.Context(), events); !errors.Is(err, storage.ErrNoSpace) || !strings.Contains(err.Error(), "free some space") {
		t.Fatalf("append on a full disk: %v", err)
	}
	if n := eng.PendingChanges(); n != 0 {
		t.Fatalf("%d rollup changes kept from a failed commit", n)
	}
	eng.Close()
	st.Close()

	te := &testEnv{t: t, dir: dir, now: now}
	te.open()
	defer te.close()
	r := te.report(org.Root.Path, "")
	if d := detail(t, r, "s3"); d.TotalAuthenticatedEntities != 0 {
		t.Fatalf("a failed append left data: %+v", d)
	}
	if res := te.append(events...); res.Ingested != 1 {
		t.Fatalf("after the fault: %+v", res)
	}
	if d := detail(t, te.report(org.Root.Path, ""), "s3"); d.TotalAuthenticatedEntities != 1 {
		t.Fatalf("after the fault: %+v", d)
	}
}
