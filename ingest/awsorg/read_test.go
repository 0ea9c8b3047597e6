package awsorg_test

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"lastaccess/engine"
	"lastaccess/ingest/awsorg"
)

var update = flag.Bool("update", false, "rewrite testdata/awsorg/org.snapshot.json")

const fixture = "../../testdata/awsorg/org"

// loadFixture returns the fixture directory as a MapFS, to change a file
// per case.
func loadFixture(t testing.TB) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS(fixture), ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(filepath.Join(fixture, p))
		m[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestReadFixture: the fixture (the AWS CLI's outputs for an organization
// with OUs five deep, a 23-account OU (two pages merged), suspended and
// pending-closure accounts, an empty OU and an SCP attached to nothing)
// gives the expected snapshot, which the engine accepts.
func TestReadFixture(t *testing.T) {
	res, err := awsorg.ReadDir(fixture)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join(fixture, "..", "org.snapshot.json")
	if *update {
		if err := os.WriteFile(golden, res.JSON, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.JSON, want) {
		t.Errorf("snapshot differs from %s (go test -update rewrites it):\n%s", golden, res.JSON)
	}
	if got := res.AccountStates; got["ACTIVE"] != 30 || got["SUSPENDED"] != 1 || got["PENDING_CLOSURE"] != 1 || len(got) != 3 {
		t.Errorf("account states %v", got)
	}
	if len(res.Notes) != 0 {
		t.Errorf("notes %v", res.Notes)
	}
	org, err := engine.ParseOrganization(res.JSON)
	if err != nil {
		t.Fatal(err)
	}
	n, ok := org.Node("403298765434")
	const deep = "o-k2m9x7q4pz/r-k2m9/ou-k2m9-wrk0a1b2/ou-k2m9-prd0a1b2/ou-k2m9-pay0a1b2/ou-k2m9-eur0a1b2/ou-k2m9-fra0a1b2/403298765434"
	if !ok || n.Path != deep {
		t.Errorf("account five OUs deep: %v %+v", ok, n)
	}
	for _, id := range []string{"604598765431", "604598765432"} {
		if _, ok := org.AccountPath(id); !ok {
			t.Errorf("account %s (suspended or pending closure) left out", id)
		}
	}
	unattached, ok := org.Policy("p-9fy3j6ke")
	if !ok || len(unattached.Targets) != 0 {
		t.Errorf("the SCP attached to nothing: %v %+v", ok, unattached)
	}
	if len(org.Accounts()) != 32 || len(org.OrganizationalUnits()) != 9 || len(org.Policies()) != 6 {
		t.Errorf("%d accounts, %d OUs, %d SCPs", len(org.Accounts()), len(org.OrganizationalUnits()), len(org.Policies()))
	}
	// Read over an fs.FS names files relative to it; the result is the same.
	res2, err := awsorg.Read(loadFixture(t))
	if err != nil || !bytes.Equal(res2.JSON, res.JSON) {
		t.Errorf("Read over the same files: %v", err)
	}
}

// TestReadAccepted: outputs that are complete even though they differ
// from the fixture.
func TestReadAccepted(t *testing.T) {
	cases := []struct {
		name     string
		edit     func(m fstest.MapFS)
		policies int
		note     string
	}{
		{"NextToken null or empty", func(m fstest.MapFS) {
			replace(m, "list-accounts-for-parent/r-k2m9.json", "\n    ]\n}", "\n    ],\n    \"NextToken\": null\n}")
			replace(m, "list-policies.json", "\n    ]\n}", "\n    ],\n    \"NextToken\": \"\"\n}")
		}, 6, ""},
		{"timestamps as AWS CLI v1 prints them by default", func(m fstest.MapFS) {
			replace(m, "list-accounts-for-parent/ou-k2m9-sus0a1b2.json", `"2019-03-04T16:31:57+00:00"`, `1551717117`)
			replace(m, "list-accounts-for-parent/ou-k2m9-sus0a1b2.json", `"2020-07-21T09:02:44.120000+00:00"`, `1595322164.12`)
		}, 6, ""},
		{"MasterAccountId absent, as in AWS's example output", func(m fstest.MapFS) {
			replace(m, "describe-organization.json", "\"MasterAccountId\": \"210987654321\",\n", "")
		}, 6, ""},
		{"SCPs not enabled on the root", func(m fstest.MapFS) {
			replace(m, "list-roots.json", `"Status": "ENABLED"`, `"Status": "PENDING_ENABLE"`)
			delete(m, "list-policies.json")
		}, 0, "SCPs are not enabled on root r-k2m9"},
		{"consolidated billing only", func(m fstest.MapFS) {
			replace(m, "describe-organization.json", `"FeatureSet": "ALL"`, `"FeatureSet": "CONSOLIDATED_BILLING"`)
			replace(m, "list-roots.json", `"PolicyTypes": [
                {
                    "Type": "SERVICE_CONTROL_POLICY",
                    "Status": "ENABLED"
                }
            ]`, `"PolicyTypes": []`)
			delete(m, "list-policies.json")
		}, 0, "only consolidated billing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := loadFixture(t)
			tc.edit(m)
			res, err := awsorg.Read(m)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Snapshot.Policies) != tc.policies {
				t.Errorf("%d policies, want %d", len(res.Snapshot.Policies), tc.policies)
			}
			if tc.note != "" && (len(res.Notes) != 1 || !strings.Contains(res.Notes[0], tc.note)) {
				t.Errorf("notes %q, want one containing %q", res.Notes, tc.note)
			}
			if res.Snapshot.Organization.MasterAccountID != "210987654321" {
				t.Errorf("management account %q", res.Snapshot.Organization.MasterAccountID)
			}
			if _, err := engine.ParseOrganization(res.JSON); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestReadErrors: each missing or malformed file is named, with what is
// wrong, and nothing is returned.
func TestReadErrors(t *testing.T) {
	const (
		accountsRoot = "list-accounts-for-parent/r-k2m9.json"
		ousRoot      = "list-organizational-units-for-parent/r-k2m9.json"
		sandbox      = "list-accounts-for-parent/ou-k2m9-sbx0a1b2.json"
		listPolicies = "list-policies.json"
		deny         = "describe-policy/p-2wz6c4tb.json"
	)
	nextToken := func(file string) func(m fstest.MapFS) {
		return func(m fstest.MapFS) {
			replace(m, file, "\n    ]\n}", "\n    ],\n    \"NextToken\": \"eyJOZXh0VG9rZW4iOiAidG9rMSJ9\"\n}")
		}
	}
	cases := []struct {
		name, file string
		kind       error
		edit       func(m fstest.MapFS)
		want       string
	}{
		{"describe-organization missing", "describe-organization.json", awsorg.ErrMissing, nil, "missing: the output of `aws organizations describe-organization` is needed"},
		{"list-roots missing", "list-roots.json", awsorg.ErrMissing, nil, "`aws organizations list-roots`"},
		{"OUs of the root missing", ousRoot, awsorg.ErrMissing, nil, "`aws organizations list-organizational-units-for-parent --parent-id r-k2m9` is needed (r-k2m9 is listed in list-roots.json)"},
		{"OUs five deep missing", "list-organizational-units-for-parent/ou-k2m9-fra0a1b2.json", awsorg.ErrMissing, nil,
			"(ou-k2m9-fra0a1b2 is listed in list-organizational-units-for-parent/ou-k2m9-eur0a1b2.json)"},
		{"accounts of an empty OU missing", "list-accounts-for-parent/ou-k2m9-emp0a1b2.json", awsorg.ErrMissing, nil, "--parent-id ou-k2m9-emp0a1b2"},
		{"accounts of the root missing", accountsRoot, awsorg.ErrMissing, nil, "list-accounts-for-parent --parent-id r-k2m9"},
		{"list-policies missing", listPolicies, awsorg.ErrMissing, nil, "`aws organizations list-policies --filter SERVICE_CONTROL_POLICY` is needed (SCPs are enabled on the root)"},
		{"describe-policy of the unattached SCP missing", "describe-policy/p-9fy3j6ke.json", awsorg.ErrMissing, nil, "(p-9fy3j6ke is listed in list-policies.json)"},
		{"targets of FullAWSAccess missing", "list-targets-for-policy/p-FullAWSAccess.json", awsorg.ErrMissing, nil, "list-targets-for-policy --policy-id p-FullAWSAccess"},

		{"list-roots cut", "list-roots.json", awsorg.ErrCut, nextToken("list-roots.json"), "the listing was cut: it ends with a NextToken"},
		{"OUs cut", ousRoot, awsorg.ErrCut, nextToken(ousRoot), "run `aws organizations list-organizational-units-for-parent --parent-id r-k2m9` again without them"},
		{"accounts cut", sandbox, awsorg.ErrCut, nextToken(sandbox), "--max-items or --no-paginate"},
		{"policies cut", listPolicies, awsorg.ErrCut, nextToken(listPolicies), "NextToken"},
		{"targets cut", "list-targets-for-policy/p-FullAWSAccess.json", awsorg.ErrCut, nextToken("list-targets-for-policy/p-FullAWSAccess.json"), "NextToken"},

		{"truncated JSON", sandbox, awsorg.ErrMalformed, func(m fstest.MapFS) { m[sandbox].Data = m[sandbox].Data[:700] }, "not the JSON `aws organizations list-accounts-for-parent --parent-id ou-k2m9-sbx0a1b2` prints: unexpected EOF"},
		{"syntax error", "describe-organization.json", awsorg.ErrMalformed, func(m fstest.MapFS) {
			replace(m, "describe-organization.json", `"FeatureSet": "ALL",`, `"FeatureSet": "ALL"`)
		}, "line 6, column 10: invalid character '\"' after object key:value pair"},
		{"empty file", accountsRoot, awsorg.ErrMalformed, func(m fstest.MapFS) { m[accountsRoot].Data = []byte("\n") }, "empty"},
		{"an array", accountsRoot, awsorg.ErrMalformed, func(m fstest.MapFS) { m[accountsRoot].Data = []byte("[]\n") }, "not a JSON object"},
		{"an error message instead of output", listPolicies, awsorg.ErrMalformed, func(m fstest.MapFS) {
			m[listPolicies].Data = []byte("\nAn error occurred (AccessDeniedException) when calling the ListPolicies operation: You don't have permissions to access this resource.\n")
		}, "not a JSON object; it should hold what `aws organizations list-policies --filter SERVICE_CONTROL_POLICY --output json` prints"},
		{"two pages one after the other", accountsRoot, awsorg.ErrMalformed, func(m fstest.MapFS) {
			m[accountsRoot].Data = append(append([]byte(nil), m[accountsRoot].Data...), m[accountsRoot].Data...)
		}, "line 15, column 1: more data after the JSON object"},
		{"id of the wrong type", accountsRoot, awsorg.ErrMalformed, func(m fstest.MapFS) {
			replace(m, accountsRoot, `"Id": "210987654321"`, `"Id": 210987654321`)
		}, "line 4, column 31: Accounts.Id is a number, where `aws organizations list-accounts-for-parent --parent-id r-k2m9` prints a string"},
		{"list of the wrong type", ousRoot, awsorg.ErrMalformed, func(m fstest.MapFS) {
			m[ousRoot].Data = []byte(`{"OrganizationalUnits": {"Id": "ou-k2m9-sec0a1b2"}}`)
		}, "OrganizationalUnits is an object, where `aws organizations list-organizational-units-for-parent --parent-id r-k2m9` prints a list"},
		{"another command's output", ousRoot, awsorg.ErrMalformed, func(m fstest.MapFS) { m[ousRoot].Data = m[accountsRoot].Data },
			"no OrganizationalUnits member: not what `aws organizations list-organizational-units-for-parent --parent-id r-k2m9` prints"},
		{"describe-policy without Content", deny, awsorg.ErrMalformed, func(m fstest.MapFS) { m[deny].Data = []byte(`{"Policy": {"PolicySummary": {"Id": "p-2wz6c4tb"}}}`) },
			"no Policy.PolicySummary or Policy.Content member"},
		{"organization without Organization", "describe-organization.json", awsorg.ErrMalformed, func(m fstest.MapFS) { m["describe-organization.json"].Data = []byte(`{}`) }, "no Organization member"},
		{"no management account", "describe-organization.json", awsorg.ErrMalformed, func(m fstest.MapFS) {
			replace(m, "describe-organization.json", "\"MasterAccountId\": \"210987654321\",\n", "")
			replace(m, "describe-organization.json", "\"MasterAccountArn\": \"arn:aws:organizations::210987654321:account/o-k2m9x7q4pz/210987654321\",\n", "")
		}, `Organization.MasterAccountId "" is not a 12-digit account id`},
		{"bad organization id", "describe-organization.json", awsorg.ErrMalformed, func(m fstest.MapFS) {
			replace(m, "describe-organization.json", `"Id": "o-k2m9x7q4pz"`, `"Id": "o-K2M9"`)
		}, `Organization.Id "o-K2M9" is not an organization id`},
		{"two roots", "list-roots.json", awsorg.ErrMalformed, func(m fstest.MapFS) {
			m["list-roots.json"].Data = []byte(`{"Roots": [{"Id": "r-k2m9"}, {"Id": "r-zzzz"}]}`)
		}, "2 roots; an organization has exactly one"},
		{"an OU id naming a file outside", ousRoot, awsorg.ErrMalformed, func(m fstest.MapFS) {
			replace(m, ousRoot, `"Id": "ou-k2m9-sec0a1b2"`, `"Id": "../../../etc/passwd"`)
		}, `OrganizationalUnits[0].Id "../../../etc/passwd" is not an OU id`},
		{"an OU under two parents", "list-organizational-units-for-parent/ou-k2m9-sbx0a1b2.json", awsorg.ErrMalformed, func(m fstest.MapFS) {
			m["list-organizational-units-for-parent/ou-k2m9-sbx0a1b2.json"].Data = []byte(`{"OrganizationalUnits": [{"Id": "ou-k2m9-wrk0a1b2", "Name": "Workloads"}]}`)
		}, "OU ou-k2m9-wrk0a1b2 is also listed in list-organizational-units-for-parent/r-k2m9.json; an OU has one parent"},
		{"an account under two parents", sandbox, awsorg.ErrMalformed, func(m fstest.MapFS) {
			replace(m, sandbox, `"Id": "504398765001"`, `"Id": "302198765431"`)
		}, "account 302198765431 is also listed in list-accounts-for-parent/ou-k2m9-sec0a1b2.json"},
		{"a bad account id", sandbox, awsorg.ErrMalformed, func(m fstest.MapFS) {
			replace(m, sandbox, `"Id": "504398765001"`, `"Id": "50439876500"`)
		}, `Accounts[0].Id "50439876500" is not a 12-digit account id`},
		{"a policy of another type", listPolicies, awsorg.ErrMalformed, func(m fstest.MapFS) {
			m[listPolicies].Data = []byte(`{"Policies": [{"Id": "p-95mnkbvb", "Name": "CostCenterTags", "Type": "TAG_POLICY"}]}`)
		}, "Policies[0] (p-95mnkbvb) is a TAG_POLICY; the file should hold what `aws organizations list-policies --filter SERVICE_CONTROL_POLICY` prints"},
		{"a bad policy id", listPolicies, awsorg.ErrMalformed, func(m fstest.MapFS) {
			replace(m, listPolicies, `"Id": "p-4kq8d2vn"`, `"Id": "p-4kq8/../x"`)
		}, `Policies[1].Id "p-4kq8/../x" is not a policy id`},
		{"a policy listed twice", listPolicies, awsorg.ErrMalformed, func(m fstest.MapFS) {
			replace(m, listPolicies, `"Id": "p-4kq8d2vn"`, `"Id": "p-FullAWSAccess"`)
		}, "policy p-FullAWSAccess is listed twice"},
		{"describe-policy of another policy", deny, awsorg.ErrMalformed, func(m fstest.MapFS) { m[deny].Data = m["describe-policy/p-9fy3j6ke.json"].Data },
			`describes policy "p-9fy3j6ke", not p-2wz6c4tb`},
		{"a policy document that does not parse", deny, awsorg.ErrMalformed, func(m fstest.MapFS) {
			replace(m, deny, `\"Effect\": \"Deny\"`, `\"Effect\": \"Deny\"\"`)
		}, "Policy.Content: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := loadFixture(t)
			if _, ok := m[tc.file]; !ok {
				t.Fatalf("the fixture has no %s", tc.file)
			}
			if tc.edit == nil {
				delete(m, tc.file)
			} else {
				tc.edit(m)
			}
			res, err := awsorg.Read(m)
			var fe *awsorg.FileError
			if !errors.As(err, &fe) || res != nil {
				t.Fatalf("got %v, %v; want a *FileError", res, err)
			}
			if fe.File != tc.file || !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %q (file %s)\nwant %s: … %s … (%v)", err, fe.File, tc.file, tc.want, tc.kind)
			}
		})
	}
}

// TestReadDirNames: ReadDir names files under the directory as given, and
// a directory that is not there is an error naming it.
func TestReadDirNames(t *testing.T) {
	dir := t.TempDir()
	for name, f := range loadFixture(t) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Remove(filepath.Join(dir, "list-targets-for-policy", "p-4kq8d2vn.json"))
	_, err := awsorg.ReadDir(dir)
	want := filepath.Join(dir, "list-targets-for-policy", "p-4kq8d2vn.json") + ": missing: the output of `aws organizations list-targets-for-policy --policy-id p-4kq8d2vn` is needed (p-4kq8d2vn is listed in " + filepath.Join(dir, "list-policies.json") + ")"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	if _, err := awsorg.ReadDir(filepath.Join(dir, "nothere")); err == nil || !strings.Contains(err.Error(), "nothere: no such file or directory") {
		t.Fatalf("a missing directory: %v", err)
	}
	if _, err := awsorg.ReadDir(filepath.Join(dir, "list-roots.json")); err == nil || !strings.Contains(err.Error(), "list-roots.json is not a directory") {
		t.Fatalf("a file for a directory: %v", err)
	}
}

// replace changes the one occurrence of old in a file of m.
func replace(m fstest.MapFS, file, old, new string) {
	f := m[file]
	if f == nil || bytes.Count(f.Data, []byte(old)) != 1 {
		panic(file + ": no single " + old)
	}
	f.Data = bytes.Replace(f.Data, []byte(old), []byte(new), 1)
}
