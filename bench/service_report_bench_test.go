package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lastaccess/engine"
	"lastaccess/internal/gen"
)

// BenchmarkServiceLastAccessed measures service last accessed details:
// Generate + wait + Get (first page of 100) for the role with the most
// events and for the AWS managed ReadOnlyAccess policy, attached to about
// 1 000 users and roles, on 300 accounts with 450 days of events (the
// "sla" dataset; "small" with -short).
//
// Each report reads one rollup row per principal (a key lookup), never the
// event log, unless it is generated "as of" a time before some of its
// principals' latest accesses: the as-of case reads the log backwards from
// the report's creation for just those principals and services. "cold"
// drops the decoded rows before every report, as after a start.
func BenchmarkServiceLastAccessed(b *testing.B) {
	name := datasetFor("sla")
	l := LoadIngested(b, name)
	d := l.Dataset
	end := d.Config.End
	st, eng := openEngine(b, l.Dir, engine.Options{Clock: engine.FixedClock(end)})
	defer st.Close()
	defer eng.Close()
	importIAM(b, eng, d)
	role := busiestRole(b, eng)

	const policy = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	ctx := context.Background()
	report := func(eng *engine.Engine, arn, granularity string) string {
		id, err := eng.GenerateServiceLastAccessedDetails(ctx, engine.GenerateServiceLastAccessedDetailsInput{Arn: arn, Granularity: engine.OptionalString(granularity)})
		if err != nil {
			b.Fatal(err)
		}
		if err := eng.WaitJob(ctx, id); err != nil {
			b.Fatal(err)
		}
		hundred := 100
		out, err := eng.GetServiceLastAccessedDetails(ctx, engine.GetServiceLastAccessedDetailsInput{JobID: id, MaxItems: &hundred})
		if err != nil || out.JobStatus != engine.JobCompleted || len(out.ServicesLastAccessed) == 0 {
			b.Fatalf("%s: %v %+v", arn, err, out)
		}
		return id
	}
	// How many users and roles the policy applies to.
	first := report(eng, policy, "")
	job, err := eng.GetServiceLastAccessedDetails(ctx, engine.GetServiceLastAccessedDetailsInput{JobID: first})
	if err != nil {
		b.Fatal(err)
	}
	list, err := eng.ServiceLastAccessedEntities(first, job.ServicesLastAccessed[0].ServiceNamespace, "")
	if err != nil {
		b.Fatal(err)
	}
	entities := len(list)
	if name == "sla" && entities < 1000 {
		b.Fatalf("%s applies to %d users and roles, want ≥ 1000", policy, entities)
	}
	cases := []struct {
		name, arn, granularity string
		now                    time.Time
		cold                   bool
	}{
		{"role", role, engine.GranularityServiceLevel, end, false},
		{"role-cold", role, engine.GranularityServiceLevel, end, true},
		{"role-action-level", role, engine.GranularityActionLevel, end, false},
		{"policy", policy, engine.GranularityServiceLevel, end, false},
		{"policy-cold", policy, engine.GranularityServiceLevel, end, true},
		{"policy-action-level", policy, engine.GranularityActionLevel, end, false},
		{"policy-as-of-30d-ago", policy, engine.GranularityServiceLevel, end.Add(-30 * 24 * time.Hour), false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			eng, err := engine.Open(st, engine.Options{Clock: engine.FixedClock(c.now)})
			if err != nil {
				b.Fatal(err)
			}
			defer eng.Close()
			report(eng, c.arn, c.granularity) // warm the caches once
			var lat latencies
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if c.cold {
					eng.DropCaches()
				}
				lat.time(func() { report(eng, c.arn, c.granularity) })
			}
			b.StopTimer()
			lat.report(b)
			b.ReportMetric(float64(entities), "entities")
		})
	}
}

// importIAM imports the dataset's authorization details (generated into
// the cache once); importing an account again replaces its entities.
func importIAM(b *testing.B, eng *engine.Engine, d *Dataset) {
	b.Helper()
	dir := filepath.Join(d.Dir, "iam")
	done := filepath.Join(dir, "complete")
	if _, err := os.Stat(done); err != nil {
		os.RemoveAll(dir)
		if _, err := gen.WriteAuthorizationDetails(d.Config, d.Dir, gen.IAMOptions{}); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(done, nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		b.Fatalf("authorization details: %v %v", files, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		res, err := eng.ImportAuthorizationDetails(data)
		if err != nil {
			b.Fatalf("import %s: %v", f, err)
		}
		if len(res.Warnings) > 0 {
			b.Fatalf("import %s: %v", f, res.Warnings)
		}
	}
}

// busiestRole is the role with the most stored events (ties: the smaller
// ARN), service-linked roles aside.
func busiestRole(b *testing.B, eng *engine.Engine) string {
	b.Helper()
	perRole := map[string]int{}
	err := eng.ScanEvents(context.Background(), engine.EventFilter{}, func(ev *engine.Event, _ string) error {
		if strings.Contains(ev.PrincipalARN, ":role/") && !ev.ServiceLinked {
			perRole[ev.PrincipalARN]++
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	best := ""
	for arn, n := range perRole {
		if best == "" || n > perRole[best] || n == perRole[best] && arn < best {
			best = arn
		}
	}
	if best == "" {
		b.Fatal("no role has events")
	}
	return best
}
