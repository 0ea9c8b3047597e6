package awsfront

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"lastaccess/engine"
)

// sdkEnv points the Go SDK's default configuration at the server through
// the environment alone, as a user's unmodified program gets it:
// AWS_ENDPOINT_URL_IAM and the key.
func sdkEnv(t *testing.T, url string, key Key) {
	t.Setenv("AWS_ENDPOINT_URL_IAM", url)
	t.Setenv("AWS_ACCESS_KEY_ID", key.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", key.SecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	nowhere := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_CONFIG_FILE", nowhere)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", nowhere)
}

// sdkClient is iam.NewFromConfig over the default configuration, with no
// option in code.
func sdkClient(t *testing.T) *iam.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return iam.NewFromConfig(cfg)
}

// TestGoSDKOrganizationsReport: aws-sdk-go-v2 generates the root report,
// pages it with Marker to the end in every sort order, and gets exactly
// what the engine returns for the same job; an unknown job is its
// NoSuchEntityException.
func TestGoSDKOrganizationsReport(t *testing.T) {
	ts := startServer(t)
	sdkEnv(t, ts.url, adminKey)
	c := sdkClient(t)
	ctx := context.Background()

	gen, err := c.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String(sampleRoot)})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(gen.JobId)
	if err := ts.eng.WaitJob(ctx, id); err != nil {
		t.Fatal(err)
	}
	for _, sortKey := range []types.SortKeyType{"", types.SortKeyTypeLastAuthenticatedTimeDescending, types.SortKeyTypeServiceNamespaceDescending, types.SortKeyTypeLastAuthenticatedTimeAscending} {
		var got []types.AccessDetail
		var marker *string
		pages := 0
		for {
			out, err := c.GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{
				JobId: aws.String(id), MaxItems: aws.Int32(7), Marker: marker, SortKey: sortKey})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if out.JobStatus != types.JobStatusTypeCompleted || out.JobCreationDate == nil || !out.JobCreationDate.Equal(sampleNow) {
				t.Fatalf("status %s created %v", out.JobStatus, out.JobCreationDate)
			}
			got = append(got, out.AccessDetails...)
			if !out.IsTruncated {
				if out.Marker != nil {
					t.Fatalf("last page has a marker %q", *out.Marker)
				}
				break
			}
			marker = out.Marker
		}
		want, err := ts.eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: id, MaxItems: aws.Int(1000), SortKey: engine.OptionalString(string(sortKey))})
		if err != nil {
			t.Fatal(err)
		}
		if len(want.AccessDetails) < 20 || pages != (len(want.AccessDetails)+6)/7 {
			t.Fatalf("%d services in %d pages", len(want.AccessDetails), pages)
		}
		if !reflect.DeepEqual(sdkAccessDetails(got), want.AccessDetails) {
			t.Fatalf("sort %q: the SDK's pages differ from the engine's report\n got: %+v\nwant: %+v", sortKey, sdkAccessDetails(got), want.AccessDetails)
		}
	}

	_, err = c.GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: aws.String("00000000-0000-4000-8000-000000000000")})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) || nse.ErrorCode() != "NoSuchEntity" {
		t.Fatalf("unknown job: %v", err)
	}
}

// sdkAccessDetails converts the SDK's structs into the engine's, field
// for field, so that one comparison checks every member.
func sdkAccessDetails(in []types.AccessDetail) []engine.AccessDetail {
	out := make([]engine.AccessDetail, len(in))
	for i, d := range in {
		out[i] = engine.AccessDetail{ServiceName: aws.ToString(d.ServiceName), ServiceNamespace: aws.ToString(d.ServiceNamespace),
			Region: d.Region, EntityPath: d.EntityPath, LastAuthenticatedTime: sdkTime(d.LastAuthenticatedTime),
			TotalAuthenticatedEntities: int(aws.ToInt32(d.TotalAuthenticatedEntities))}
	}
	return out
}

func sdkTime(t *time.Time) *engine.Timestamp {
	if t == nil {
		return nil
	}
	ts := engine.NewTimestamp(*t)
	return &ts
}

// TestGoSDKServiceLastAccessed: the entity reports and the listings
// through the SDK, its paginators included.
func TestGoSDKServiceLastAccessed(t *testing.T) {
	ts := startServer(t)
	sdkEnv(t, ts.url, adminKey)
	c := sdkClient(t)
	ctx := context.Background()

	const group = "arn:aws:iam::985606903142:group/Developers"
	gen, err := c.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String(group), Granularity: types.AccessAdvisorUsageGranularityTypeActionLevel})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(gen.JobId)
	if err := ts.eng.WaitJob(ctx, id); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	want, err := ts.eng.GetServiceLastAccessedDetails(ctx, engine.GetServiceLastAccessedDetailsInput{JobID: id})
	if err != nil {
		t.Fatal(err)
	}
	if out.JobType != types.AccessAdvisorUsageGranularityTypeActionLevel || len(out.ServicesLastAccessed) != len(want.ServicesLastAccessed) {
		t.Fatalf("job type %s, %d services, want %d", out.JobType, len(out.ServicesLastAccessed), len(want.ServicesLastAccessed))
	}
	tracked := 0
	for i, s := range out.ServicesLastAccessed {
		w := want.ServicesLastAccessed[i]
		got := engine.ServiceLastAccessed{ServiceName: aws.ToString(s.ServiceName), LastAuthenticated: sdkTime(s.LastAuthenticated),
			ServiceNamespace: aws.ToString(s.ServiceNamespace), LastAuthenticatedEntity: s.LastAuthenticatedEntity,
			LastAuthenticatedRegion: s.LastAuthenticatedRegion, TotalAuthenticatedEntities: int(aws.ToInt32(s.TotalAuthenticatedEntities))}
		for _, a := range s.TrackedActionsLastAccessed {
			got.TrackedActionsLastAccessed = append(got.TrackedActionsLastAccessed, engine.TrackedActionLastAccessed{
				ActionName: aws.ToString(a.ActionName), LastAccessedEntity: a.LastAccessedEntity,
				LastAccessedTime: sdkTime(a.LastAccessedTime), LastAccessedRegion: a.LastAccessedRegion})
		}
		tracked += len(got.TrackedActionsLastAccessed)
		if !reflect.DeepEqual(got, w) {
			t.Fatalf("service %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
	if tracked == 0 {
		t.Fatal("no tracked actions in an ACTION_LEVEL report")
	}

	entities, err := c.GetServiceLastAccessedDetailsWithEntities(ctx, &iam.GetServiceLastAccessedDetailsWithEntitiesInput{JobId: aws.String(id), ServiceNamespace: aws.String("s3")})
	if err != nil {
		t.Fatal(err)
	}
	wantEntities, err := ts.eng.ServiceLastAccessedEntities(id, "s3", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(entities.EntityDetailsList) != len(wantEntities) || len(wantEntities) == 0 {
		t.Fatalf("%d entities, want %d", len(entities.EntityDetailsList), len(wantEntities))
	}
	for i, e := range entities.EntityDetailsList {
		w := wantEntities[i]
		if aws.ToString(e.EntityInfo.Arn) != w.EntityInfo.Arn || string(e.EntityInfo.Type) != w.EntityInfo.Type ||
			aws.ToString(e.EntityInfo.Id) != w.EntityInfo.ID || aws.ToString(e.EntityInfo.Path) != w.EntityInfo.Path ||
			!reflect.DeepEqual(sdkTime(e.LastAuthenticated), w.LastAuthenticated) {
			t.Fatalf("entity %d: %+v, want %+v", i, e, w)
		}
	}

	granting, err := c.ListPoliciesGrantingServiceAccess(ctx, &iam.ListPoliciesGrantingServiceAccessInput{Arn: aws.String(group), ServiceNamespaces: []string{"s3", "iam", "ec2"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(granting.PoliciesGrantingServiceAccess) != 3 || aws.ToString(granting.PoliciesGrantingServiceAccess[1].ServiceNamespace) != "iam" {
		t.Fatalf("policies granting: %+v", granting.PoliciesGrantingServiceAccess)
	}

	_, err = c.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String("arn:aws:iam::985606903142:user/nobody")})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("unknown user: %v", err)
	}
	_, err = c.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String("arn:aws:iam::985606903142:root")})
	var invalid *types.InvalidInputException
	if !errors.As(err, &invalid) {
		t.Fatalf("account root ARN: %v", err)
	}
}

// TestGoSDKListings: the SDK's paginators walk the listings of the
// caller's account to the end, a page of 2 at a time.
func TestGoSDKListings(t *testing.T) {
	ts := startServer(t)
	sdkEnv(t, ts.url, adminKey)
	c := sdkClient(t)
	ctx := context.Background()

	var users []string
	p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Users {
			if u.CreateDate == nil || u.UserId == nil {
				t.Fatalf("user %+v", u)
			}
			users = append(users, aws.ToString(u.Arn))
		}
	}
	wantUsers, err := ts.eng.ListUsers(ctx, engine.ListEntitiesInput{Account: sampleManagement})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 5 || len(wantUsers.Users) != 5 || users[0] != wantUsers.Users[0].Arn {
		t.Fatalf("users %v, want %+v", users, wantUsers.Users)
	}

	var details iam.GetAccountAuthorizationDetailsOutput
	pd := iam.NewGetAccountAuthorizationDetailsPaginator(c, &iam.GetAccountAuthorizationDetailsInput{MaxItems: aws.Int32(3)})
	for pd.HasMorePages() {
		page, err := pd.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		details.UserDetailList = append(details.UserDetailList, page.UserDetailList...)
		details.GroupDetailList = append(details.GroupDetailList, page.GroupDetailList...)
		details.RoleDetailList = append(details.RoleDetailList, page.RoleDetailList...)
		details.Policies = append(details.Policies, page.Policies...)
	}
	if len(details.UserDetailList) != 5 || len(details.GroupDetailList) != 3 || len(details.RoleDetailList) != 6 || len(details.Policies) != 5 {
		t.Fatalf("details: %d users, %d groups, %d roles, %d policies", len(details.UserDetailList), len(details.GroupDetailList), len(details.RoleDetailList), len(details.Policies))
	}

	var roles []string
	pr := iam.NewListRolesPaginator(c, &iam.ListRolesInput{PathPrefix: aws.String("/ci/")})
	for pr.HasMorePages() {
		page, err := pr.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Roles {
			roles = append(roles, aws.ToString(r.RoleName))
		}
	}
	if !reflect.DeepEqual(roles, []string{"GitHubActionsDeploy"}) {
		t.Fatalf("roles under /ci/: %v", roles)
	}

	policies, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal})
	if err != nil {
		t.Fatal(err)
	}
	if len(policies.Policies) != 1 || aws.ToString(policies.Policies[0].PolicyName) != "AppAccess" || aws.ToInt32(policies.Policies[0].AttachmentCount) == 0 {
		t.Fatalf("local policies: %+v", policies.Policies)
	}
	groups, err := c.ListGroups(ctx, &iam.ListGroupsInput{})
	if err != nil || len(groups.Groups) != 3 {
		t.Fatalf("groups: %v %+v", err, groups)
	}
}
