package bench

import (
	"context"
	"testing"
	"time"

	"lastaccess/engine"
)

// BenchmarkOrgReport measures Generate + wait + Get of the first 100-row
// page of the Organizations report, on the 10 000-account organization
// with 400 services, for each kind of scope.
func BenchmarkOrgReport(b *testing.B) {
	l := LoadIngested(b, datasetFor("org10k"))
	st, eng := openEngine(b, l.Dir, engine.Options{Clock: engine.FixedClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))})
	defer st.Close()
	defer eng.Close()
	org := eng.Organization()
	ou := org.OrganizationalUnits()[0]
	account := org.Accounts()[len(org.Accounts())/2]
	if account.ID == org.ManagementAccountID {
		account = org.Accounts()[0]
	}
	policyID := ""
	for _, p := range org.Policies() {
		if p.ID != "p-FullAWSAccess" && len(p.Targets) > 0 {
			policyID = p.ID
			break
		}
	}
	cases := []struct{ name, path, policy string }{
		{"root", org.Root.Path, ""},
		{"ou", ou.Path, ""},
		{"account", account.Path, ""},
		{"policy", org.Root.Path, policyID},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) { benchOrgReport(b, eng, c.path, c.policy) })
	}
}

// BenchmarkOrgReport1m is the root report on the 1m dataset (1 000 000
// records over about 1 000 accounts), the core engine issue's figure.
func BenchmarkOrgReport1m(b *testing.B) {
	l := LoadIngested(b, datasetFor("1m"))
	st, eng := openEngine(b, l.Dir, engine.Options{Clock: engine.FixedClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))})
	defer st.Close()
	defer eng.Close()
	b.Run("root", func(b *testing.B) { benchOrgReport(b, eng, eng.Organization().Root.Path, "") })
}

// benchOrgReport times Generate + wait + Get of the first 100-row page.
func benchOrgReport(b *testing.B, eng *engine.Engine, path, policy string) {
	var lat latencies
	for i := 0; i < b.N; i++ {
		lat.time(func() { orgReportPage(b, eng, path, policy) })
	}
	lat.report(b)
}

// orgReportPage generates the Organizations report of path (and policy),
// waits for it and gets its first 100-row page.
func orgReportPage(tb testing.TB, eng *engine.Engine, path, policy string) {
	ctx := context.Background()
	id, err := eng.GenerateOrganizationsAccessReport(ctx, engine.GenerateOrganizationsAccessReportInput{EntityPath: path, OrganizationsPolicyID: engine.OptionalString(policy)})
	if err != nil {
		tb.Fatal(err)
	}
	if err := eng.WaitJob(ctx, id); err != nil {
		tb.Fatal(err)
	}
	hundred := 100
	if _, err := eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: id, MaxItems: &hundred}); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkRebuild measures recomputing every rollup from the event log.
func BenchmarkRebuild(b *testing.B) {
	l := LoadIngested(b, datasetFor("1m"))
	st, eng := openEngine(b, l.Dir, engine.Options{})
	defer st.Close()
	defer eng.Close()
	var events int64
	var secs float64
	for i := 0; i < b.N; i++ {
		start := nowSeconds()
		res, err := eng.Rebuild(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		secs += nowSeconds() - start
		events += res.Events
	}
	b.ReportMetric(float64(events)/secs, "events/s")
}

func nowSeconds() float64 { return float64(time.Now().UnixNano()) / 1e9 }
