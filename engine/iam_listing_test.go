package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"lastaccess/engine"
)

func fixturePath(parts ...string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(append([]string{filepath.Dir(file), ".."}, parts...)...)
}

// listingEnv has testdata/iam/authorization-details.json (account
// 111122223333) imported.
func listingEnv(t *testing.T) *testEnv {
	te := newTestEnv(t, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	data, err := os.ReadFile(fixturePath("testdata", "iam", "authorization-details.json"))
	if err != nil {
		t.Fatal(err)
	}
	te.importIAM(string(data))
	return te
}

const listingAccount = "111122223333"

// TestAccountAuthorizationDetailsPages: pages of every size, followed by
// their markers, give the whole listing once, in the order users,
// groups, roles, policies; a filter keeps its types; a marker works only
// with the account and filter it was issued for.
func TestAccountAuthorizationDetailsPages(t *testing.T) {
	te := listingEnv(t)
	ctx := context.Background()
	whole, err := te.eng.AccountAuthorizationDetails(ctx, engine.AccountAuthorizationDetailsInput{Account: listingAccount})
	if err != nil {
		t.Fatal(err)
	}
	names := func(d *engine.AccountAuthorizationDetails) []string {
		var out []string
		for _, u := range d.UserDetailList {
			out = append(out, "user/"+u.UserName)
		}
		for _, g := range d.GroupDetailList {
			out = append(out, "group/"+g.GroupName)
		}
		for _, r := range d.RoleDetailList {
			out = append(out, "role/"+r.RoleName)
		}
		for _, p := range d.Policies {
			out = append(out, "policy/"+p.PolicyName)
		}
		return out
	}
	want := strings.Join(names(whole), " ")
	if want != "user/alice user/bob user/carol user/dave group/admins group/devs role/deploy policy/AppAccess policy/AdministratorAccess" || whole.IsTruncated {
		t.Fatalf("whole listing: %s (truncated %v)", want, whole.IsTruncated)
	}
	for size := 1; size <= 10; size++ {
		var got []string
		marker := ""
		for pages := 0; ; pages++ {
			page, err := te.eng.AccountAuthorizationDetails(ctx, engine.AccountAuthorizationDetailsInput{Account: listingAccount, MaxItems: &size, Marker: engine.OptionalString(marker)})
			if err != nil {
				t.Fatalf("size %d page %d: %v", size, pages, err)
			}
			got = append(got, names(page)...)
			if !page.IsTruncated {
				break
			}
			marker = page.Marker
		}
		if strings.Join(got, " ") != want {
			t.Fatalf("pages of %d: %v", size, got)
		}
	}
	roles, err := te.eng.AccountAuthorizationDetails(ctx, engine.AccountAuthorizationDetailsInput{Account: listingAccount,
		Filter: []string{engine.EntityFilterRole, engine.EntityFilterAWSManagedPolicy}})
	if err != nil || strings.Join(names(roles), " ") != "role/deploy policy/AdministratorAccess" {
		t.Fatalf("filter: %v %v", names(roles), err)
	}
	one := 1
	first, _ := te.eng.AccountAuthorizationDetails(ctx, engine.AccountAuthorizationDetailsInput{Account: listingAccount, MaxItems: &one})
	_, err = te.eng.AccountAuthorizationDetails(ctx, engine.AccountAuthorizationDetailsInput{Account: listingAccount, Filter: []string{"User"}, Marker: &first.Marker})
	if engine.ErrorCode(err) != engine.CodeInvalidInput {
		t.Fatalf("marker with another filter: %v", err)
	}
	_, err = te.eng.AccountAuthorizationDetails(ctx, engine.AccountAuthorizationDetailsInput{Account: "999999999999", Marker: &first.Marker})
	if engine.ErrorCode(err) != engine.CodeInvalidInput {
		t.Fatalf("marker of another account: %v", err)
	}
	_, err = te.eng.AccountAuthorizationDetails(ctx, engine.AccountAuthorizationDetailsInput{Account: listingAccount, Filter: []string{"Users"}})
	if err == nil || !strings.Contains(err.Error(), "Value 'Users' at 'filter.1.member' failed to satisfy constraint") {
		t.Fatalf("bad filter: %v", err)
	}
	none, err := te.eng.AccountAuthorizationDetails(ctx, engine.AccountAuthorizationDetailsInput{Account: "999999999999"})
	if err != nil || len(names(none)) != 0 || none.UserDetailList == nil {
		t.Fatalf("an account not imported: %v %+v", err, none)
	}
	// What the file holds beyond the reports' needs comes back.
	for _, u := range whole.UserDetailList {
		if u.CreateDate == nil || u.UserID == "" {
			t.Fatalf("user %+v", u)
		}
	}
	if d := whole.Policies[0]; d.AttachmentCount != 3 || len(d.PolicyVersionList) != 1 || !d.PolicyVersionList[0].IsDefaultVersion ||
		!strings.HasPrefix(d.PolicyVersionList[0].Document, `{"Version":"2012-10-17"`) {
		t.Fatalf("policy %+v", d)
	}
}

// TestListEntities: ListUsers, ListGroups, ListRoles by path prefix, and
// ListPolicies by scope and attachment; parameters are validated.
func TestListEntities(t *testing.T) {
	te := listingEnv(t)
	ctx := context.Background()
	users, err := te.eng.ListUsers(ctx, engine.ListEntitiesInput{Account: listingAccount, PathPrefix: engine.String("/eng/")})
	if err != nil || len(users.Users) != 1 || users.Users[0].UserName != "bob" {
		t.Fatalf("users under /eng/: %v %+v", err, users)
	}
	two := 2
	groups, err := te.eng.ListGroups(ctx, engine.ListEntitiesInput{Account: listingAccount, MaxItems: &two})
	if err != nil || len(groups.Groups) != 2 || groups.IsTruncated {
		t.Fatalf("groups: %v %+v", err, groups)
	}
	roles, err := te.eng.ListRoles(ctx, engine.ListEntitiesInput{Account: listingAccount})
	if err != nil || len(roles.Roles) != 1 || roles.Roles[0].RoleName != "deploy" {
		t.Fatalf("roles: %v %+v", err, roles)
	}
	for _, c := range []struct {
		in   engine.ListPoliciesInput
		want string
	}{
		{engine.ListPoliciesInput{}, "AppAccess AdministratorAccess"},
		{engine.ListPoliciesInput{Scope: engine.String("Local")}, "AppAccess"},
		{engine.ListPoliciesInput{Scope: engine.String("AWS"), OnlyAttached: true}, "AdministratorAccess"},
		{engine.ListPoliciesInput{PolicyUsageFilter: engine.String("PermissionsBoundary")}, ""},
	} {
		c.in.Account = listingAccount
		page, err := te.eng.ListPolicies(ctx, c.in)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range page.Policies {
			got = append(got, p.PolicyName)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%+v: %v, want %s", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{second(te.eng.ListUsers(ctx, engine.ListEntitiesInput{PathPrefix: engine.String("eng")})), "at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{second(te.eng.ListPolicies(ctx, engine.ListPoliciesInput{Scope: engine.String("Mine")})), "Member must satisfy enum value set: [All, AWS, Local]"},
		{second(te.eng.ListPolicies(ctx, engine.ListPoliciesInput{PathPrefix: engine.String("/a b/")})), "at 'pathPrefix'"},
		{second(te.eng.ListRoles(ctx, engine.ListEntitiesInput{MaxItems: new(int)})), "Member must have value greater than or equal to 1"},
	} {
		if engine.ErrorCode(c.err) != engine.CodeValidationError || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%v, want ValidationError %q", c.err, c.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }
