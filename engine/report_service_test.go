package engine_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"lastaccess/engine"
	"lastaccess/engine/catalog"
)

const (
	acctA       = "111122223333"
	appAccess   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","dynamodb:GetItem","ec2:Describe*"],"Resource":"*"},{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`
	adminAccess = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	devS3Read   = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}}`
	notIAM      = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","sts:*"],"Resource":"*"}]}`
	lambdaAll   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:*","Resource":"*"}]}`
)

// scenario is the fixture of the tests below: users in groups, a role
// used only through sessions (some old records name it without its path),
// inline and managed policies, and a policy attached to a user, a group
// and a role.
func scenario() *iamBuilder {
	b := &iamBuilder{Account: acctA}
	app := b.policyARN("AppAccess")
	admin := "arn:aws:iam::aws:policy/AdministratorAccess"
	b.Users = []iamUserDef{
		{Name: "alice", Groups: []string{"devs", "admins"}},
		{Name: "bob", Path: "/eng/", Groups: []string{"devs"}},
		{Name: "carol", Inline: []inlineDef{{"EverythingButIAM", notIAM}}},
		{Name: "dave", Attached: []string{app}},
	}
	b.Groups = []iamGroupDef{
		{Name: "devs", Inline: []inlineDef{{"DevS3Read", devS3Read}}, Attached: []string{app}},
		{Name: "admins", Attached: []string{admin}},
		{Name: "empty"},
	}
	b.Roles = []iamRoleDef{{Name: "deploy", Path: "/ci/", Inline: []inlineDef{{"Lambda", lambdaAll}}, Attached: []string{app}}}
	b.Policies = []iamPolicyDef{{ARN: app, Doc: appAccess, Old: adminAccess}, {ARN: admin, Doc: adminAccess}}
	return b
}

var scenarioNow = mustTime("2026-11-01T00:00:00Z")

func daysAgo(d float64) time.Time {
	return scenarioNow.Add(-time.Duration(d * 24 * float64(time.Hour)))
}

func scenarioEvents(b *iamBuilder) []engine.Event {
	alice, bob := b.userARN("alice", ""), b.userARN("bob", "/eng/")
	carol, dave := b.userARN("carol", ""), b.userARN("dave", "")
	deploy, deployOld := b.roleARN("deploy", "/ci/"), b.roleARN("deploy", "")
	evs := []engine.Event{
		principalEvent("a1", daysAgo(10), alice, "s3", "GetObject", "us-east-1"),
		principalEvent("a2", daysAgo(5), alice, "iam", "ListUsers", "eu-west-1"),
		principalEvent("a3", daysAgo(3), alice, "sqs", "SendMessage", "eu-west-1"),
		principalEvent("a4", daysAgo(500), alice, "dynamodb", "GetItem", "eu-west-1"), // outside the tracking period
		principalEvent("b1", daysAgo(2), bob, "s3", "PutObject", "eu-west-1"),
		principalEvent("b2", daysAgo(20), bob, "s3", "GetObject", "us-east-1"),
		principalEvent("b3", daysAgo(7), bob, "dynamodb", "GetItem", "us-west-2"),
		principalEvent("b4", daysAgo(1), bob, "dynamodb", "PutItem", "us-west-2"), // not allowed by the group's policies
		principalEvent("d1", daysAgo(4), dave, "ec2", "DescribeInstances", "eu-west-1"),
		principalEvent("d2", daysAgo(1), dave, "ec2", "RunInstances", "eu-west-1"), // not allowed by AppAccess
		principalEvent("r1", daysAgo(6), deploy, "lambda", "UpdateFunctionCode", "eu-west-1"),
		principalEvent("r2", daysAgo(8), deploy, "s3", "PutObject", "eu-west-1"),
		principalEvent("r3", daysAgo(3), deployOld, "s3", "GetObject", "ap-south-1"),
		principalEvent("c1", daysAgo(9), carol, "sns", "Publish", "us-east-1"),
		principalEvent("c2", daysAgo(2), carol, "iam", "ListRoles", "us-east-1"),
	}
	evs[1].EventSource = "iam.amazonaws.com"
	evs[5].DataEvent = true // bob's GetObject: a data event, not in action-level figures
	return evs
}

func newScenarioEnv(t *testing.T) (*testEnv, *iamBuilder) {
	t.Helper()
	te := &testEnv{t: t, dir: t.TempDir(), now: scenarioNow}
	te.opts.Catalog = iamCatalog(t)
	te.open()
	t.Cleanup(func() {
		if te.eng != nil {
			te.close()
		}
	})
	b := scenario()
	te.importIAM(b.JSON())
	te.append(scenarioEvents(b)...)
	return te, b
}

// summary renders the services compactly: ns=time,entity,region,count.
func summary(d []engine.ServiceLastAccessed) string {
	var parts []string
	for _, s := range d {
		p := s.ServiceNamespace + "="
		if s.LastAuthenticated != nil {
			p += fmt.Sprintf("%.0fd,%s,%s", scenarioNow.Sub(s.LastAuthenticated.Time).Hours()/24, shortARN(*s.LastAuthenticatedEntity), *s.LastAuthenticatedRegion)
		} else {
			p += "-"
		}
		p += fmt.Sprintf(",%d", s.TotalAuthenticatedEntities)
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}

func shortARN(arn string) string { return arn[strings.LastIndexByte(arn, ':')+1:] }

func TestServiceLastAccessedEachEntityType(t *testing.T) {
	te, b := newScenarioEnv(t)
	all := "dynamodb=-,0 ec2=-,0 iam=5d,user/alice,eu-west-1,1 lambda=-,0 s3=10d,user/alice,us-east-1,1 sns=-,0 sqs=3d,user/alice,eu-west-1,1 sts=-,0"
	cases := []struct{ name, arn, want string }{
		// A user: every access of the user to the services its own and its
		// groups' policies allow; the access 500 days ago does not count.
		{"user in groups", b.userARN("alice", ""), all},
		// NotAction: every service but iam and sts; the iam access is not
		// listed.
		{"user with NotAction policy", b.userARN("carol", ""), "dynamodb=-,0 ec2=-,0 lambda=-,0 s3=-,0 sns=9d,user/carol,us-east-1,1 sqs=-,0"},
		// A user with a path.
		{"user with a path", b.userARN("bob", "/eng/"), "dynamodb=1d,user/eng/bob,us-west-2,1 ec2=-,0 s3=2d,user/eng/bob,eu-west-1,1"},
		// A role used only through sessions; the record without a session
		// issuer names it without its path and still counts, under the
		// role's ARN.
		{"role", b.roleARN("deploy", "/ci/"), "dynamodb=-,0 ec2=-,0 lambda=6d,role/ci/deploy,eu-west-1,1 s3=3d,role/ci/deploy,ap-south-1,1"},
		// A group: its members' accesses that the group's policies allow
		// (bob's PutItem is not allowed, so dynamodb shows his GetItem).
		{"group whose members used a service at different times", b.groupARN("devs"), "dynamodb=7d,user/eng/bob,us-west-2,1 ec2=-,0 s3=2d,user/eng/bob,eu-west-1,2"},
		{"group without policies", b.groupARN("empty"), ""},
		// A customer managed policy attached to a user, a group and a role:
		// dave directly, alice and bob through devs, the role; only what
		// the policy allows (dave's RunInstances does not count).
		{"policy attached three ways", b.policyARN("AppAccess"), "dynamodb=7d,user/eng/bob,us-west-2,1 ec2=4d,user/dave,eu-west-1,1 s3=2d,user/eng/bob,eu-west-1,3"},
		// An AWS managed policy: every service; alice through admins.
		{"AWS managed policy", "arn:aws:iam::aws:policy/AdministratorAccess", all},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := te.sla(tc.arn, "")
			if got.JobStatus != engine.JobCompleted || got.JobType != engine.GranularityServiceLevel {
				t.Fatalf("status %s type %s", got.JobStatus, got.JobType)
			}
			if s := summary(got.ServicesLastAccessed); s != tc.want {
				t.Fatalf("got  %s\nwant %s", s, tc.want)
			}
			for _, s := range got.ServicesLastAccessed {
				if s.ServiceName != "Service "+s.ServiceNamespace || s.TrackedActionsLastAccessed != nil {
					t.Fatalf("service %+v", s)
				}
			}
		})
	}
}

func TestServiceLastAccessedEntities(t *testing.T) {
	te, b := newScenarioEnv(t)
	id, err := te.eng.GenerateServiceLastAccessedDetails(context.Background(), engine.GenerateServiceLastAccessedDetailsInput{Arn: b.policyARN("AppAccess")})
	if err != nil {
		t.Fatal(err)
	}
	te.slaFetch(id, 100)
	render := func(list []engine.EntityDetails) string {
		var parts []string
		for _, e := range list {
			p := e.EntityInfo.Type + ":" + e.EntityInfo.Name + "@" + e.EntityInfo.Path
			if e.LastAuthenticated != nil {
				p += fmt.Sprintf("=%.0fd", scenarioNow.Sub(e.LastAuthenticated.Time).Hours()/24)
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, " ")
	}
	// Most recent first, then those without access by ARN (role/… sorts
	// before user/…).
	for ns, want := range map[string]string{
		"s3":       "USER:bob@/eng/=2d ROLE:deploy@/ci/=3d USER:alice@/=10d USER:dave@/",
		"dynamodb": "USER:bob@/eng/=7d ROLE:deploy@/ci/ USER:alice@/ USER:dave@/",
		"ec2":      "USER:dave@/=4d ROLE:deploy@/ci/ USER:alice@/ USER:eng/bob@/eng/",
	} {
		want = strings.ReplaceAll(want, "USER:eng/bob", "USER:bob")
		for _, size := range []int{1, 2, 3, 100} {
			if got := render(te.entities(id, ns, size)); got != want {
				t.Errorf("%s (pages of %d):\n got %s\nwant %s", ns, size, got, want)
			}
		}
	}
	list := te.entities(id, "s3", 100)
	if e := list[0].EntityInfo; e.Arn != b.userARN("bob", "/eng/") || e.ID == "" || e.Type != engine.EntityTypeUser {
		t.Fatalf("entity info %+v", e)
	}
	// A service the report does not list, and one the catalog lacks.
	for ns, code := range map[string]string{"lambda": engine.CodeNoSuchEntity, "nosuchsvc": engine.CodeInvalidInput, "bad ns!": engine.CodeValidationError} {
		_, err := te.eng.GetServiceLastAccessedDetailsWithEntities(context.Background(), engine.GetServiceLastAccessedDetailsWithEntitiesInput{JobID: id, ServiceNamespace: ns})
		if errCode(err) != code {
			t.Errorf("namespace %q: %v, want %s", ns, err, code)
		}
	}
	// A user report lists the user itself.
	uid, _ := te.eng.GenerateServiceLastAccessedDetails(context.Background(), engine.GenerateServiceLastAccessedDetailsInput{Arn: b.userARN("carol", "")})
	te.slaFetch(uid, 100)
	if got := render(te.entities(uid, "sns", 10)); got != "USER:carol@/=9d" {
		t.Fatalf("user report entities: %s", got)
	}
}

func TestServiceLastAccessedActionLevel(t *testing.T) {
	te, b := newScenarioEnv(t)
	got := te.sla(b.userARN("bob", "/eng/"), engine.GranularityActionLevel)
	if got.JobType != engine.GranularityActionLevel {
		t.Fatalf("job type %s", got.JobType)
	}
	var s3, dynamo *engine.ServiceLastAccessed
	for i := range got.ServicesLastAccessed {
		switch got.ServicesLastAccessed[i].ServiceNamespace {
		case "s3":
			s3 = &got.ServicesLastAccessed[i]
		case "dynamodb":
			dynamo = &got.ServicesLastAccessed[i]
		}
	}
	// dynamodb has no action-level tracking: no TrackedActionsLastAccessed.
	if dynamo == nil || dynamo.TrackedActionsLastAccessed != nil {
		t.Fatalf("dynamodb: %+v", dynamo)
	}
	// s3: the tracked actions the policies allow (DeleteBucket is denied);
	// GetObject was used only in a data event, so it has no time.
	want := `[{"ActionName":"CreateBucket"},{"ActionName":"GetObject"},{"ActionName":"ListAllMyBuckets"},` +
		`{"ActionName":"PutObject","LastAccessedEntity":"arn:aws:iam::111122223333:user/eng/bob","LastAccessedTime":"2026-10-30T00:00:00Z","LastAccessedRegion":"eu-west-1"}]`
	if g := compactJSON(s3.TrackedActionsLastAccessed); g != want {
		t.Fatalf("s3 tracked actions\n got %s\nwant %s", g, want)
	}
	// The service-level figure still counts the data event.
	if s3.LastAuthenticated == nil || !s3.LastAuthenticated.Equal(daysAgo(2)) {
		t.Fatalf("s3 %+v", s3)
	}
	// A group at action level: iam is allowed to alice through admins.
	g := te.sla(b.userARN("alice", ""), engine.GranularityActionLevel)
	for _, s := range g.ServicesLastAccessed {
		if s.ServiceNamespace == "iam" {
			want := `[{"ActionName":"CreateUser"},{"ActionName":"ListRoles"},{"ActionName":"ListUsers","LastAccessedEntity":"arn:aws:iam::111122223333:user/alice","LastAccessedTime":"2026-10-27T00:00:00Z","LastAccessedRegion":"eu-west-1"}]`
			if g := compactJSON(s.TrackedActionsLastAccessed); g != want {
				t.Fatalf("iam tracked actions\n got %s\nwant %s", g, want)
			}
		}
	}
}

func TestServiceLastAccessedPaging(t *testing.T) {
	te, b := newScenarioEnv(t)
	id, err := te.eng.GenerateServiceLastAccessedDetails(context.Background(), engine.GenerateServiceLastAccessedDetailsInput{Arn: b.userARN("alice", "")})
	if err != nil {
		t.Fatal(err)
	}
	whole := summary(te.slaFetch(id, 1000).ServicesLastAccessed)
	for size := 1; size <= 9; size++ {
		if got := summary(te.slaFetch(id, size).ServicesLastAccessed); got != whole {
			t.Fatalf("pages of %d: %s", size, got)
		}
	}
	ctx := context.Background()
	two := 2
	page, err := te.eng.GetServiceLastAccessedDetails(ctx, engine.GetServiceLastAccessedDetailsInput{JobID: id, MaxItems: &two})
	if err != nil || !page.IsTruncated || page.Marker == "" {
		t.Fatalf("%+v %v", page, err)
	}
	// A marker of another job, of the entity list, or altered.
	other, _ := te.eng.GenerateServiceLastAccessedDetails(ctx, engine.GenerateServiceLastAccessedDetailsInput{Arn: b.userARN("alice", "")})
	te.slaFetch(other, 10)
	for _, tc := range []struct{ id, marker string }{
		{other, page.Marker},
		{id, page.Marker[:len(page.Marker)-2] + "AA"},
		{id, "not-a-marker"},
	} {
		_, err := te.eng.GetServiceLastAccessedDetails(ctx, engine.GetServiceLastAccessedDetailsInput{JobID: tc.id, Marker: engine.OptionalString(tc.marker)})
		if errCode(err) != engine.CodeInvalidInput {
			t.Errorf("marker %q on %s: %v", tc.marker, tc.id, err)
		}
	}
	ent, err := te.eng.GetServiceLastAccessedDetailsWithEntities(ctx, engine.GetServiceLastAccessedDetailsWithEntitiesInput{JobID: id, ServiceNamespace: "s3", Marker: engine.OptionalString(page.Marker)})
	if errCode(err) != engine.CodeInvalidInput {
		t.Errorf("services marker accepted by the entity list: %+v %v", ent, err)
	}
	for _, n := range []int{0, 1001} {
		_, err := te.eng.GetServiceLastAccessedDetails(ctx, engine.GetServiceLastAccessedDetailsInput{JobID: id, MaxItems: &n})
		if errCode(err) != engine.CodeValidationError {
			t.Errorf("MaxItems %d: %v", n, err)
		}
	}
	// A JobId of an Organizations report, or unknown.
	if _, err := te.eng.GetServiceLastAccessedDetails(ctx, engine.GetServiceLastAccessedDetailsInput{JobID: "00000000-0000-4000-8000-000000000000"}); errCode(err) != engine.CodeNoSuchEntity {
		t.Errorf("unknown job: %v", err)
	}
	if _, err := te.eng.GetServiceLastAccessedDetails(ctx, engine.GetServiceLastAccessedDetailsInput{JobID: "short"}); errCode(err) != engine.CodeValidationError {
		t.Errorf("short job id: %v", err)
	}
}

func TestServiceLastAccessedParameters(t *testing.T) {
	te, b := newScenarioEnv(t)
	ctx := context.Background()
	gen := func(arn, granularity string) error {
		_, err := te.eng.GenerateServiceLastAccessedDetails(ctx, engine.GenerateServiceLastAccessedDetailsInput{Arn: arn, Granularity: engine.OptionalString(granularity)})
		return err
	}
	cases := []struct {
		name, arn, granularity, code, msg string
	}{
		{"unknown granularity", b.userARN("alice", ""), "RESOURCE_LEVEL", engine.CodeValidationError,
			"1 validation error detected: Value 'RESOURCE_LEVEL' at 'granularity' failed to satisfy constraint: Member must satisfy enum value set: [SERVICE_LEVEL, ACTION_LEVEL]"},
		{"empty ARN", "", "", engine.CodeValidationError, "Value null at 'arn' failed to satisfy constraint: Member must not be null"},
		{"short ARN", "arn:aws:iam::1:u", "", engine.CodeValidationError, "Member must have length greater than or equal to 20"},
		{"long ARN", "arn:aws:iam::111122223333:user/" + strings.Repeat("a", 2100), "", engine.CodeValidationError, "Member must have length less than or equal to 2048"},
		{"both bad", "short", "X", engine.CodeValidationError, "2 validation errors detected"},
		{"not an ARN", "this is not an ARN at all", "", engine.CodeInvalidInput, "is not valid"},
		{"sts ARN", "arn:aws:sts::111122223333:assumed-role/deploy/s1", "", engine.CodeInvalidInput, "not an IAM"},
		{"instance profile", "arn:aws:iam::111122223333:instance-profile/web", "", engine.CodeInvalidInput, "has no report"},
		{"account root", "arn:aws:iam::111122223333:root", "", engine.CodeInvalidInput, "account root user"},
		{"bad account", "arn:aws:iam::1111:user/alice-the-user", "", engine.CodeInvalidInput, "12 digits"},
		{"bad name", "arn:aws:iam::111122223333:user/al ice", "", engine.CodeInvalidInput, "not a valid user name"},
		{"region", "arn:aws:iam:us-east-1:111122223333:user/alice", "", engine.CodeInvalidInput, "no region"},
		{"unknown user", b.userARN("zed", ""), "", engine.CodeNoSuchEntity, "The user with name zed cannot be found."},
		{"user at another path", b.userARN("alice", "/other/"), "", engine.CodeNoSuchEntity, "cannot be found"},
		{"unknown role", b.roleARN("nope", ""), "", engine.CodeNoSuchEntity, "The role with name nope cannot be found."},
		{"unknown group", "arn:aws:iam::111122223333:group/nope", "", engine.CodeNoSuchEntity, "The group with name nope cannot be found."},
		{"unknown policy", "arn:aws:iam::aws:policy/ReadOnlyAccess", "", engine.CodeNoSuchEntity, "Policy arn:aws:iam::aws:policy/ReadOnlyAccess does not exist or is not attachable."},
		{"account not imported", "arn:aws:iam::999999999999:user/alice", "", engine.CodeNoSuchEntity, "No IAM authorization details are imported for account 999999999999"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := gen(tc.arn, tc.granularity)
			if errCode(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want %s containing %q", err, tc.code, tc.msg)
			}
		})
	}
}

func TestListPoliciesGrantingServiceAccess(t *testing.T) {
	te, b := newScenarioEnv(t)
	ctx := context.Background()
	list := func(arn string, namespaces ...string) (*engine.PoliciesGrantingServiceAccess, error) {
		return te.eng.ListPoliciesGrantingServiceAccess(ctx, engine.ListPoliciesGrantingServiceAccessInput{Arn: arn, ServiceNamespaces: namespaces})
	}
	got, err := list(b.userARN("alice", ""), "s3", "iam", "lambda")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"PoliciesGrantingServiceAccess":[` +
		`{"ServiceNamespace":"s3","Policies":[{"PolicyName":"AdministratorAccess","PolicyType":"MANAGED","PolicyArn":"arn:aws:iam::aws:policy/AdministratorAccess"},{"PolicyName":"DevS3Read","PolicyType":"INLINE","EntityType":"GROUP","EntityName":"devs"},{"PolicyName":"AppAccess","PolicyType":"MANAGED","PolicyArn":"arn:aws:iam::111122223333:policy/AppAccess"}]},` +
		`{"ServiceNamespace":"iam","Policies":[{"PolicyName":"AdministratorAccess","PolicyType":"MANAGED","PolicyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}]},` +
		`{"ServiceNamespace":"lambda","Policies":[{"PolicyName":"AdministratorAccess","PolicyType":"MANAGED","PolicyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}]}],"IsTruncated":false}`
	if g := compactJSON(got); g != want {
		t.Fatalf("alice\n got %s\nwant %s", g, want)
	}
	got, err = list(b.roleARN("deploy", "/ci/"), "lambda", "sqs")
	want = `{"PoliciesGrantingServiceAccess":[{"ServiceNamespace":"lambda","Policies":[{"PolicyName":"Lambda","PolicyType":"INLINE","EntityType":"ROLE","EntityName":"deploy"}]},{"ServiceNamespace":"sqs","Policies":[]}],"IsTruncated":false}`
	if g := compactJSON(got); err != nil || g != want {
		t.Fatalf("deploy: %v\n got %s\nwant %s", err, g, want)
	}
	got, err = list(b.userARN("carol", ""), "sns", "iam")
	want = `{"PoliciesGrantingServiceAccess":[{"ServiceNamespace":"sns","Policies":[{"PolicyName":"EverythingButIAM","PolicyType":"INLINE","EntityType":"USER","EntityName":"carol"}]},{"ServiceNamespace":"iam","Policies":[]}],"IsTruncated":false}`
	if g := compactJSON(got); err != nil || g != want {
		t.Fatalf("carol (NotAction): %v\n got %s\nwant %s", err, g, want)
	}
	// Errors.
	many := make([]string, 201)
	for i := range many {
		many[i] = "s3"
	}
	for _, tc := range []struct {
		name, arn string
		ns        []string
		code, msg string
	}{
		{"no namespaces", b.userARN("alice", ""), nil, engine.CodeValidationError, "Value '[]' at 'serviceNamespaces' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"201 namespaces", b.userARN("alice", ""), many, engine.CodeValidationError, "at 'serviceNamespaces' failed to satisfy constraint: Member must have length less than or equal to 200"},
		{"bad namespace", b.userARN("alice", ""), []string{"s3", "s 3"}, engine.CodeValidationError, "Value 's 3' at 'serviceNamespaces.2.member' failed to satisfy constraint"},
		{"unknown namespace", b.userARN("alice", ""), []string{"s3", "nosuchsvc"}, engine.CodeInvalidInput, "nosuchsvc"},
		{"policy ARN", b.policyARN("AppAccess"), []string{"s3"}, engine.CodeInvalidInput, "user, group or role"},
		{"unknown user", b.userARN("zed", ""), []string{"s3"}, engine.CodeNoSuchEntity, "zed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := list(tc.arn, tc.ns...)
			if errCode(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want %s containing %q", err, tc.code, tc.msg)
			}
		})
	}
	// 200 namespaces: two pages, the marker bound to the request.
	var ns []string
	for i := 0; i < 200; i++ {
		ns = append(ns, []string{"s3", "iam", "sqs", "ec2"}[i%4])
	}
	page, err := list(b.userARN("bob", "/eng/"), ns...)
	if err != nil || !page.IsTruncated || len(page.PoliciesGrantingServiceAccess) != 100 {
		t.Fatalf("first page: %v %d", err, len(page.PoliciesGrantingServiceAccess))
	}
	next, err := te.eng.ListPoliciesGrantingServiceAccess(ctx, engine.ListPoliciesGrantingServiceAccessInput{Arn: b.userARN("bob", "/eng/"), ServiceNamespaces: ns, Marker: engine.OptionalString(page.Marker)})
	if err != nil || next.IsTruncated || len(next.PoliciesGrantingServiceAccess) != 100 || next.PoliciesGrantingServiceAccess[0].ServiceNamespace != "s3" {
		t.Fatalf("second page: %v %+v", err, next)
	}
	if _, err := te.eng.ListPoliciesGrantingServiceAccess(ctx, engine.ListPoliciesGrantingServiceAccessInput{Arn: b.userARN("alice", ""), ServiceNamespaces: ns, Marker: engine.OptionalString(page.Marker)}); errCode(err) != engine.CodeInvalidInput {
		t.Fatalf("marker for another identity: %v", err)
	}
}

// TestServiceLastAccessedAsOfThePast: a report whose creation time is
// before some of the data uses, per principal and service, the latest
// access at or before its creation.
func TestServiceLastAccessedAsOfThePast(t *testing.T) {
	te, b := newScenarioEnv(t)
	te.reopen(daysAgo(5))
	// As of 5 days ago: bob's latest s3 access was the GetObject 20 days
	// ago (15 days before the report), the group's s3 figure alice's 10.
	got := summary(te.sla(b.groupARN("devs"), "").ServicesLastAccessed)
	want := "dynamodb=7d,user/eng/bob,us-west-2,1 ec2=-,0 s3=10d,user/alice,us-east-1,2"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	act := te.sla(b.userARN("bob", "/eng/"), engine.GranularityActionLevel)
	for _, s := range act.ServicesLastAccessed {
		if s.ServiceNamespace == "s3" {
			for _, a := range s.TrackedActionsLastAccessed {
				if a.LastAccessedTime != nil {
					t.Fatalf("bob used no tracked s3 action (management) before the report: %+v", a)
				}
			}
		}
	}
	// 400 days after the data, nothing is in the tracking period.
	te.reopen(scenarioNow.Add(410 * 24 * time.Hour))
	if got := summary(te.sla(b.groupARN("devs"), "").ServicesLastAccessed); got != "dynamodb=-,0 ec2=-,0 s3=-,0" {
		t.Fatalf("after the tracking period: %s", got)
	}
}

// TestServiceLastAccessedJobsPersist: jobs survive a restart and a crash;
// results are fixed at Generate even when the IAM data is replaced.
func TestServiceLastAccessedJobsPersist(t *testing.T) {
	te, b := newScenarioEnv(t)
	ctx := context.Background()
	id, err := te.eng.GenerateServiceLastAccessedDetails(ctx, engine.GenerateServiceLastAccessedDetailsInput{Arn: b.groupARN("devs"), Granularity: engine.OptionalString(engine.GranularityActionLevel)})
	if err != nil {
		t.Fatal(err)
	}
	before := compactJSON(te.slaFetch(id, 100))
	beforeEntities := compactJSON(te.entities(id, "s3", 100))
	// Replace the account: devs loses its members and policies.
	b2 := scenario()
	b2.Groups[0].Inline, b2.Groups[0].Attached = nil, nil
	te.importIAM(b2.JSON())
	te.reopen(scenarioNow)
	if got := compactJSON(te.slaFetch(id, 100)); got != before {
		t.Fatalf("after restart\n got %s\nwant %s", got, before)
	}
	te.crash()
	te.open()
	if got := compactJSON(te.slaFetch(id, 100)); got != before {
		t.Fatalf("after crash\n got %s\nwant %s", got, before)
	}
	if got := compactJSON(te.entities(id, "s3", 100)); got != beforeEntities {
		t.Fatalf("entities after crash\n got %s\nwant %s", got, beforeEntities)
	}
	// New reports see the new data; the IAM data survived the crash.
	if got := summary(te.sla(b.groupARN("devs"), "").ServicesLastAccessed); got != "" {
		t.Fatalf("devs after re-import: %q", got)
	}
	// The job is listed for the SQL side.
	var seen []string
	err = te.eng.ScanServiceLastAccessedJobs(ctx, "", func(j *engine.ServiceLastAccessedJob) error {
		seen = append(seen, j.JobID+" "+j.Arn+" "+j.JobType+" "+j.JobStatus)
		return nil
	})
	if err != nil || len(seen) != 2 || !strings.Contains(strings.Join(seen, "\n"), id+" "+b.groupARN("devs")+" ACTION_LEVEL COMPLETED") {
		t.Fatalf("scan: %v %v", err, seen)
	}
	j, err := te.eng.ServiceLastAccessedJob(id, "")
	if err != nil || len(j.ServicesLastAccessed) != 3 {
		t.Fatalf("job: %v %+v", err, j)
	}
}

// TestServiceLastAccessedInterruptedJob: a job in progress when the
// process dies is FAILED after a restart, with the Error member.
func TestServiceLastAccessedInterruptedJob(t *testing.T) {
	te, b := newScenarioEnv(t)
	release := make(chan struct{})
	te.eng.SetBeforeFinish(func(string) { <-release })
	id, err := te.eng.GenerateServiceLastAccessedDetails(context.Background(), engine.GenerateServiceLastAccessedDetailsInput{Arn: b.userARN("alice", "")})
	if err != nil {
		t.Fatal(err)
	}
	page, err := te.eng.GetServiceLastAccessedDetails(context.Background(), engine.GetServiceLastAccessedDetailsInput{JobID: id})
	if err != nil || page.JobStatus != engine.JobInProgress || page.JobCompletionDate != nil || page.ServicesLastAccessed == nil {
		t.Fatalf("in progress: %v %+v", err, page)
	}
	te.crash()
	close(release)
	te.open()
	page, err = te.eng.GetServiceLastAccessedDetails(context.Background(), engine.GetServiceLastAccessedDetailsInput{JobID: id})
	if err != nil || page.JobStatus != engine.JobFailed || page.Error == nil || page.Error.Code == "" {
		t.Fatalf("after restart: %v %+v", err, page)
	}
	ent, err := te.eng.GetServiceLastAccessedDetailsWithEntities(context.Background(), engine.GetServiceLastAccessedDetailsWithEntitiesInput{JobID: id, ServiceNamespace: "s3"})
	if err != nil || ent.JobStatus != engine.JobFailed || ent.Error == nil || len(ent.EntityDetailsList) != 0 {
		t.Fatalf("entities of a failed job: %v %+v", err, ent)
	}
}

// TestActionLevelEmbeddedCatalog: with the embedded catalog, ACTION_LEVEL
// tracks every action AWS's service reference marks "IAM Action Last
// Accessed", in services beyond ec2, iam, lambda and s3: carol (every
// service but iam) used dynamodb:DeleteTable and kms:Decrypt (tracked) and
// dynamodb:GetItem, sqs:SendMessage (not tracked).
func TestActionLevelEmbeddedCatalog(t *testing.T) {
	te := &testEnv{t: t, dir: t.TempDir(), now: scenarioNow}
	te.opts.Catalog = catalog.Default()
	te.open()
	defer te.close()
	b := scenario()
	te.importIAM(b.JSON())
	carol := b.userARN("carol", "")
	te.append(
		principalEvent("k1", daysAgo(3), carol, "dynamodb", "DeleteTable", "us-west-2"),
		principalEvent("k2", daysAgo(1), carol, "dynamodb", "GetItem", "us-west-2"),
		principalEvent("k3", daysAgo(2), carol, "kms", "Decrypt", "eu-west-1"),
		principalEvent("k4", daysAgo(2), carol, "sqs", "SendMessage", "eu-west-1"),
	)
	got := te.sla(carol, engine.GranularityActionLevel)
	used := map[string]string{}
	listed := map[string]bool{}
	services := 0
	for _, s := range got.ServicesLastAccessed {
		if s.TrackedActionsLastAccessed != nil {
			services++
		}
		for _, a := range s.TrackedActionsLastAccessed {
			listed[s.ServiceNamespace+":"+a.ActionName] = true
			if a.LastAccessedTime != nil {
				used[s.ServiceNamespace+":"+a.ActionName] = fmt.Sprintf("%s %s", a.LastAccessedTime.Time.Format(time.RFC3339), *a.LastAccessedRegion)
			}
		}
	}
	want := map[string]string{
		"dynamodb:DeleteTable": daysAgo(3).Format(time.RFC3339) + " us-west-2",
		"kms:Decrypt":          daysAgo(2).Format(time.RFC3339) + " eu-west-1",
	}
	if !reflect.DeepEqual(used, want) {
		t.Fatalf("used tracked actions %v, want %v", used, want)
	}
	for _, a := range []string{"dynamodb:CreateTable", "sqs:CreateQueue", "secretsmanager:GetSecretValue"} {
		if !listed[a] {
			t.Errorf("%s not listed", a)
		}
	}
	for _, a := range []string{"dynamodb:GetItem", "sqs:SendMessage", "iam:CreateRole"} {
		if listed[a] {
			t.Errorf("%s listed (not tracked by AWS, or not allowed)", a)
		}
	}
	if services < 150 {
		t.Errorf("%d services with tracked actions, want about 200", services)
	}
}

// TestImportedServiceReferenceKeepsActionData: `catalog import` of AWS's
// service-reference JSON keeps each action's "IAM Action Last Accessed"
// and "IAM Access Analyzer Policy Generation" flags and the operations'
// actions, across a restart, and ACTION_LEVEL reports follow the flags.
func TestImportedServiceReferenceKeepsActionData(t *testing.T) {
	te := &testEnv{t: t, dir: t.TempDir(), now: scenarioNow}
	te.opts.Catalog = catalog.Default()
	te.open()
	defer te.close()
	b := scenario()
	te.importIAM(b.JSON())
	carol := b.userARN("carol", "")
	te.append(principalEvent("n1", daysAgo(1), carol, "sns", "Publish", "us-east-1"))
	sr := `{"Name": "sns", "Actions": [
	  {"Name": "Publish", "SupportedBy": {"IAM Access Analyzer Policy Generation": true, "IAM Action Last Accessed": true}},
	  {"Name": "BrandNewSnsAction", "SupportedBy": {"IAM Access Analyzer Policy Generation": false, "IAM Action Last Accessed": true}}],
	 "Operations": [{"Name": "PublishEverywhere", "AuthorizedActions": [{"Name": "Publish", "Service": "sns"}, {"Name": "GenerateDataKey", "Service": "kms"}]}]}`
	next, err := catalog.Import(te.eng.Catalog(), []byte(sr))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := te.eng.ImportCatalog(t.Context(), next); err != nil {
		t.Fatal(err)
	}
	te.opts.Catalog = nil
	te.reopen(scenarioNow)
	sns, _ := te.eng.Catalog().Lookup("sns")
	if !slices.Contains(sns.TrackedActions, "Publish") || !slices.Contains(sns.TrackedActions, "BrandNewSnsAction") ||
		!slices.Contains(sns.PolicyGenerationActions, "Publish") || slices.Contains(sns.PolicyGenerationActions, "BrandNewSnsAction") ||
		strings.Join(sns.Operations["PublishEverywhere"], " ") != "kms:GenerateDataKey sns:Publish" {
		t.Fatalf("after import and restart, sns: tracked %v, policy generation %v, PublishEverywhere %v",
			sns.TrackedActions, sns.PolicyGenerationActions, sns.Operations["PublishEverywhere"])
	}
	got := te.sla(carol, engine.GranularityActionLevel)
	var publish, brandNew bool
	for _, s := range got.ServicesLastAccessed {
		for _, a := range s.TrackedActionsLastAccessed {
			if s.ServiceNamespace == "sns" && a.ActionName == "Publish" && a.LastAccessedTime != nil && a.LastAccessedTime.Equal(daysAgo(1)) {
				publish = true
			}
			brandNew = brandNew || s.ServiceNamespace == "sns" && a.ActionName == "BrandNewSnsAction"
		}
	}
	if !publish || !brandNew {
		t.Fatalf("sns tracked actions after the import: Publish used %v, BrandNewSnsAction listed %v", publish, brandNew)
	}
}
