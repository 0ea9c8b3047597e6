package bench

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"lastaccess/engine"
)

// The SCP decisions of SPEC §8 on the 10 000-account organization: a
// what-if of one SCP attached at the root (Generate, wait, impact), and a
// recommendation at an OU (which runs its own what-if).

var scpBenchNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// BenchmarkSCPWhatIf attaches one SCP at the root: "most-used" denies the
// two services most accounts used and one action of a third (the impact
// reads every event of those in the 90-day window: tens of thousands of
// principals); "least-used" denies the service fewest accounts used, a
// guardrail's usual shape.
func BenchmarkSCPWhatIf(b *testing.B) {
	l := LoadIngested(b, datasetFor("org10k"))
	st, eng := openEngine(b, l.Dir, engine.Options{Clock: engine.FixedClock(scpBenchNow)})
	defer st.Close()
	defer eng.Close()
	ctx := context.Background()
	root := eng.Organization().Root.Path
	id, err := eng.GenerateOrganizationsAccessReport(ctx, engine.GenerateOrganizationsAccessReportInput{EntityPath: root})
	if err != nil {
		b.Fatal(err)
	}
	if err := eng.WaitJob(ctx, id); err != nil {
		b.Fatal(err)
	}
	thousand := 1000
	rep, err := eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: id, MaxItems: &thousand})
	if err != nil {
		b.Fatal(err)
	}
	used := slices.DeleteFunc(slices.Clone(rep.AccessDetails), func(d engine.AccessDetail) bool { return d.TotalAuthenticatedEntities == 0 })
	slices.SortStableFunc(used, func(x, y engine.AccessDetail) int { return y.TotalAuthenticatedEntities - x.TotalAuthenticatedEntities })
	if len(used) < 4 {
		b.Fatal("fewer than four services used at the root")
	}
	cases := []struct {
		name    string
		actions []string
	}{
		{"most-used", []string{used[0].ServiceNamespace + ":*", used[1].ServiceNamespace + ":*", used[2].ServiceNamespace + ":Delete*"}},
		{"least-used", []string{used[len(used)-1].ServiceNamespace + ":*"}},
	}
	for _, c := range cases {
		doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{
			map[string]any{"Effect": "Deny", "Action": c.actions, "Resource": "*"},
		}})
		changes, _ := json.Marshal([]any{map[string]any{"Attach": map[string]string{"Content": string(doc)}, "Target": eng.Organization().Root.ID}})
		b.Run(c.name, func(b *testing.B) { benchWhatIf(b, eng, root, string(changes)) })
	}
}

// benchWhatIf times Generate, wait and the impact of one what-if.
func benchWhatIf(b *testing.B, eng *engine.Engine, path, changes string) {
	ctx := context.Background()
	var lat latencies
	principals := 0
	for i := 0; i < b.N; i++ {
		lat.time(func() {
			id, err := eng.GenerateSCPWhatIf(ctx, engine.SCPWhatIfInput{EntityPath: path, Changes: changes})
			if err != nil {
				b.Fatal(err)
			}
			if err := eng.WaitJob(ctx, id); err != nil {
				b.Fatal(err)
			}
			impact, err := eng.WhatIfImpact(ctx, id, "")
			if err != nil {
				b.Fatal(err)
			}
			principals = 0
			for _, im := range impact {
				for _, a := range im.Accounts {
					principals += len(a.Principals)
				}
			}
		})
	}
	lat.report(b)
	b.ReportMetric(float64(principals), "impact-principals")
}

// BenchmarkSCPRecommend recommends a deny-list SCP at the first OU over
// 180 days, what-if included.
func BenchmarkSCPRecommend(b *testing.B) {
	l := LoadIngested(b, datasetFor("org10k"))
	st, eng := openEngine(b, l.Dir, engine.Options{Clock: engine.FixedClock(scpBenchNow)})
	defer st.Close()
	defer eng.Close()
	ou := eng.Organization().OrganizationalUnits()[0]
	var lat latencies
	denied := 0
	for i := 0; i < b.N; i++ {
		lat.time(func() {
			rec, err := eng.RecommendSCP(context.Background(), engine.RecommendSCPInput{EntityPath: ou.Path})
			if err != nil {
				b.Fatal(err)
			}
			denied = len(rec.DeniedServices)
		})
	}
	lat.report(b)
	b.ReportMetric(float64(denied), "denied-services")
}
