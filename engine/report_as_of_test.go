package engine_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"lastaccess/engine"
)

// TestReportAsOfTwoYearsBack: three years of events; reports as of two
// years back (and one and a half) at every entity equal the brute-force
// answer over the events (oracleDetails), whether asked with AsOf or with
// the clock fixed then (--now); an as-of in the future is refused.
func TestReportAsOfTwoYearsBack(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 13))
	base := mustTime("2026-11-01T00:00:00Z")
	te := &testEnv{t: t, dir: t.TempDir(), now: base}
	cat := testCatalog(t)
	te.opts.Catalog = cat
	te.open()
	t.Cleanup(func() {
		if te.eng != nil {
			te.close()
		}
	})
	b, accounts := randomOrg(r)
	org := te.importOrg(b.JSON())
	var events []engine.Event
	for i := 0; i < 1500; i++ {
		acct := accounts[r.IntN(len(accounts))]
		at := base.Add(-time.Duration(r.IntN(3*365*24)) * time.Hour)
		e := ev(fmt.Sprintf("ev-%d", i), at, acct, cat.Services()[r.IntN(cat.Len())].Namespace, []string{"us-east-1", "eu-west-1"}[r.IntN(2)])
		e.ServiceLinked = r.IntN(10) == 0
		events = append(events, e)
	}
	te.append(events...)
	paths := []string{org.Root.Path}
	for _, n := range org.OrganizationalUnits() {
		paths = append(paths, n.Path)
	}
	for _, n := range org.Accounts() {
		paths = append(paths, n.Path)
	}
	for _, asOf := range []time.Time{base.Add(-2 * 365 * 24 * time.Hour), base.Add(-548 * 24 * time.Hour)} {
		for _, path := range paths {
			id, err := te.eng.GenerateOrganizationsAccessReport(context.Background(), engine.GenerateOrganizationsAccessReportInput{EntityPath: path, AsOf: &asOf})
			if err != nil {
				t.Fatal(err)
			}
			got := te.fetch(id, engine.SortNamespaceAscending, 1000)
			want := oracleDetails(t, b, cat, events, path, "", asOf)
			if detailsJSON(got.AccessDetails) != detailsJSON(want) || !got.JobCreationDate.Equal(asOf) {
				t.Fatalf("as of %s at %s:\n got %s\nwant %s", asOf, path, detailsJSON(got.AccessDetails), detailsJSON(want))
			}
		}
	}
	// The same report with the clock fixed two years back (--now).
	asOf := base.Add(-2 * 365 * 24 * time.Hour)
	withAsOf, err := te.eng.GenerateOrganizationsAccessReport(context.Background(), engine.GenerateOrganizationsAccessReportInput{EntityPath: org.Root.Path, AsOf: &asOf})
	if err != nil {
		t.Fatal(err)
	}
	a := te.fetch(withAsOf, engine.SortNamespaceAscending, 1000)
	te.reopen(asOf)
	if b := te.report(org.Root.Path, ""); detailsJSON(b.AccessDetails) != detailsJSON(a.AccessDetails) {
		t.Errorf("--now two years back differs from AsOf:\n%s\n%s", detailsJSON(b.AccessDetails), detailsJSON(a.AccessDetails))
	}
	future := asOf.Add(time.Hour)
	if _, err := te.eng.GenerateOrganizationsAccessReport(context.Background(), engine.GenerateOrganizationsAccessReportInput{EntityPath: org.Root.Path, AsOf: &future}); errCode(err) != engine.CodeInvalidInput {
		t.Errorf("as of the future: %v", err)
	}
}
