package engine_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"lastaccess/engine"
)

// FuzzEntityPath: any string given as an entity path is either resolved
// to an entity whose path it is, or rejected with one of the SPEC's codes.
func FuzzEntityPath(f *testing.F) {
	org, err := engine.ParseOrganization([]byte(scopeOrg().JSON()))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"o-a1b2c3d4e5/r-f6g7h8i9j0example",
		"o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-f6g7-prod0000/ou-f6g7-dev00000/111111111111",
		"o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-f6g7-dev00000",
		"o-a1b2c3d4e5/r-f6g7h8i9j0example//",
		"o-a1b2c3d4e5/r-f6g7h8i9j0example/333333333333/ou-f6g7-prod0000",
		"", "/", "o-/r-", "o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-f6g7-prod0000/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		n, err := org.ResolvePath(path)
		if err == nil {
			if n.Path != path {
				t.Fatalf("%q resolved to %s", path, n.Path)
			}
			return
		}
		switch engine.ErrorCode(err) {
		case engine.CodeInvalidInput, engine.CodeNoSuchEntity:
		default:
			t.Fatalf("%q: uncoded error %v", path, err)
		}
	})
}

// FuzzOrganizationSnapshot: ParseOrganization never panics, and what it
// accepts is self-consistent.
func FuzzOrganizationSnapshot(f *testing.F) {
	f.Add([]byte(scopeOrg().JSON()))
	b := scopeOrg()
	b.Policies = nil
	f.Add([]byte(b.JSON()))
	f.Add([]byte(`{"Organization":{"Id":"o-a1b2c3d4e5","MasterAccountId":"111111111111"},"Roots":[{"Id":"r-abcd"}],"Accounts":[{"Id":"111111111111","ParentId":"r-abcd"}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		org, err := engine.ParseOrganization(data)
		if err != nil {
			return
		}
		for _, a := range org.Accounts() {
			n, err := org.ResolvePath(a.Path)
			if err != nil || n != a {
				t.Fatalf("account %s path %s does not resolve: %v", a.ID, a.Path, err)
			}
		}
	})
}

// FuzzMarker: a Get with any marker either fails with a coded error or
// returns a page of the report, never panics; only issued markers page.
func FuzzMarker(f *testing.F) {
	te := newTestEnvF(f)
	org := te.importOrgF(f)
	ctx := context.Background()
	id, err := te.eng.GenerateOrganizationsAccessReport(ctx, engine.GenerateOrganizationsAccessReportInput{EntityPath: org.Root.Path + "/999999999999"})
	if err != nil {
		f.Fatal(err)
	}
	te.eng.WaitJob(ctx, id)
	issued := map[string]bool{}
	one := 1
	page, err := te.eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: id, MaxItems: &one})
	if err != nil {
		f.Fatal(err)
	}
	for i := 0; i < 3 && page.Marker != ""; i++ {
		issued[page.Marker] = true
		f.Add(page.Marker)
		page, _ = te.eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: id, MaxItems: &one, Marker: engine.OptionalString(page.Marker)})
	}
	f.Add("")
	f.Add("AAAA")
	f.Add(strings.Repeat("A", 400))
	f.Fuzz(func(t *testing.T, marker string) {
		got, err := te.eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: id, MaxItems: &one, Marker: engine.OptionalString(marker)})
		if err != nil {
			switch engine.ErrorCode(err) {
			case engine.CodeInvalidInput, engine.CodeValidationError:
			default:
				t.Fatalf("%q: %v", marker, err)
			}
			if issued[marker] {
				t.Fatalf("issued marker %q rejected: %v", marker, err)
			}
			return
		}
		if marker != "" && !issued[marker] && utf8.ValidString(marker) {
			t.Fatalf("marker %q was never issued but paged to %v", marker, got.AccessDetails)
		}
	})
}

// newTestEnvF is newTestEnv for fuzz targets.
func newTestEnvF(f *testing.F) *testEnv {
	f.Helper()
	te := &testEnv{t: f, dir: f.TempDir(), now: mustTime("2026-11-01T00:00:00Z")}
	te.open()
	f.Cleanup(te.close)
	return te
}

func (te *testEnv) importOrgF(f *testing.F) *engine.Organization {
	f.Helper()
	return te.importOrg(scopeOrg().JSON())
}
