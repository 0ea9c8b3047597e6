package engine_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"lastaccess/engine"
	"lastaccess/engine/catalog"
	"lastaccess/ingest"
	"lastaccess/internal/gen"
	"lastaccess/storage"
)

// Service last accessed details at scale: Generate + wait + Get (first
// page of 100) for a role and for a managed policy attached to 1 000 users
// and roles, over 450 days of events of a generated organization.
//
//	go test -run '^$' -bench ServiceLastAccessed -benchtime 200x ./engine/
//
// Targets (issue 4): p50 ≤ 10 ms, p99 ≤ 100 ms per report. Each report
// reads one rollup row per principal (a key lookup), never the event log,
// unless it is generated "as of" a time before some of its principals'
// latest accesses (the as-of-past case, which reads the log backwards
// from the report's creation for just those principals and services).
//
// Measured on the 2-core CI-class machine (300 accounts, 600 000 records
// over 450 days; ReadOnlyAccess applies to 1 171 users and roles), p50 /
// p99: role 36 µs / 0.2 ms (cold rows 0.16 / 0.3 ms); policy 3.1 / 32 ms
// (cold rows 21 / 92–104 ms); policy ACTION_LEVEL 5.0 / 45 ms; policy as of
// 30 days ago 68 / 230 ms.

// slaBenchConfig is the generated organization: 300 accounts with their
// IAM users, groups and roles (the AWS managed ReadOnlyAccess is attached
// to about 1 000 of them), 600 000 records over 450 days.
func slaBenchConfig(short bool) gen.Config {
	c := gen.Bench1M()
	c.Accounts, c.Records = 300, 600_000
	if short {
		c.Accounts, c.Records = 40, 20_000
	}
	c.Start, c.End = gen.DefaultEnd.Add(-450*24*time.Hour), gen.DefaultEnd
	c.NoiseFraction, c.DupFraction = 0.02, 0
	return c
}

type slaBenchEnv struct {
	st   *storage.Store
	eng  *engine.Engine
	role string // the role with the most events
	cat  *catalog.Catalog
}

func loadSLABench(b *testing.B, cfg gen.Config, dir string) *slaBenchEnv {
	b.Helper()
	st, err := storage.Open(dir, storage.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	eng, err := engine.Open(st, engine.Options{Clock: engine.FixedClock(cfg.End)})
	if err != nil {
		b.Fatal(err)
	}
	files, err := gen.AuthorizationDetails(cfg, gen.IAMOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range files {
		res, err := eng.ImportAuthorizationDetails(f.JSON)
		if err != nil {
			b.Fatalf("import %s: %v", f.Account, err)
		}
		if len(res.Warnings) > 0 {
			b.Fatalf("import %s: %v", f.Account, res.Warnings)
		}
	}
	recs, err := gen.Records(cfg)
	if err != nil {
		b.Fatal(err)
	}
	perRole := map[string]int{}
	var buf bytes.Buffer
	flush := func() {
		events, _, errs := ingest.ParseRecords("bench", buf.Bytes(), eng.Catalog())
		if len(errs) > 0 {
			b.Fatal(errs[0])
		}
		if _, err := eng.Append(context.Background(), events); err != nil {
			b.Fatal(err)
		}
		buf.Reset()
	}
	n := 0
	for rec := range recs {
		buf.Write(rec.AppendJSON(nil))
		buf.WriteByte('\n')
		if rec.Kind == gen.KindCounted && strings.Contains(rec.PrincipalARN, ":role/") && !rec.ServiceLinked {
			perRole[rec.PrincipalARN]++
		}
		if n++; n%20_000 == 0 {
			flush()
		}
	}
	flush()
	// A fresh process: rows folded, nothing pending.
	if err := eng.Close(); err != nil {
		b.Fatal(err)
	}
	if eng, err = engine.Open(st, engine.Options{Clock: engine.FixedClock(cfg.End)}); err != nil {
		b.Fatal(err)
	}
	env := &slaBenchEnv{st: st, eng: eng, cat: eng.Catalog()}
	for arn, c := range perRole {
		if c > perRole[env.role] || c == perRole[env.role] && arn < env.role {
			env.role = arn
		}
	}
	return env
}

func (env *slaBenchEnv) close(b *testing.B) {
	if err := env.eng.Close(); err != nil {
		b.Error(err)
	}
	if err := env.st.Close(); err != nil {
		b.Error(err)
	}
}

// report runs one Generate + wait + Get.
func (env *slaBenchEnv) report(b *testing.B, eng *engine.Engine, arn, granularity string) (string, *engine.ServiceLastAccessedDetails) {
	ctx := context.Background()
	id, err := eng.GenerateServiceLastAccessedDetails(ctx, engine.GenerateServiceLastAccessedDetailsInput{Arn: arn, Granularity: granularity})
	if err != nil {
		b.Fatal(err)
	}
	if err := eng.WaitJob(ctx, id); err != nil {
		b.Fatal(err)
	}
	hundred := 100
	out, err := eng.GetServiceLastAccessedDetails(ctx, engine.GetServiceLastAccessedDetailsInput{JobID: id, MaxItems: &hundred})
	if err != nil || out.JobStatus != engine.JobCompleted {
		b.Fatalf("%v %+v", err, out)
	}
	return id, out
}

func BenchmarkServiceLastAccessed(b *testing.B) {
	cfg := slaBenchConfig(testing.Short())
	env := loadSLABench(b, cfg, b.TempDir())
	defer env.close(b)
	const policy = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	// How many users and roles the policy applies to.
	id, first := env.report(b, env.eng, policy, "")
	list, err := env.eng.ServiceLastAccessedEntities(id, first.ServicesLastAccessed[0].ServiceNamespace, "")
	if err != nil {
		b.Fatal(err)
	}
	entities := len(list)
	if !testing.Short() && entities < 1000 {
		b.Fatalf("%s applies to %d entities, want ≥ 1000", policy, entities)
	}
	// cold: every report reads its principals' rows from the store (the
	// first report after a start or a fold); otherwise rows come from the
	// decoded-row cache.
	cases := []struct {
		name, arn, granularity string
		now                    time.Time
		cold                   bool
	}{
		{"role", env.role, engine.GranularityServiceLevel, cfg.End, false},
		{"role-cold", env.role, engine.GranularityServiceLevel, cfg.End, true},
		{"role-action-level", env.role, engine.GranularityActionLevel, cfg.End, false},
		{"policy-1000-entities", policy, engine.GranularityServiceLevel, cfg.End, false},
		{"policy-1000-entities-cold", policy, engine.GranularityServiceLevel, cfg.End, true},
		{"policy-1000-entities-action-level", policy, engine.GranularityActionLevel, cfg.End, false},
		{"policy-1000-entities-as-of-30d-ago", policy, engine.GranularityServiceLevel, cfg.End.Add(-30 * 24 * time.Hour), false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			eng, err := engine.Open(env.st, engine.Options{Clock: engine.FixedClock(c.now)})
			if err != nil {
				b.Fatal(err)
			}
			defer eng.Close()
			env.report(b, eng, c.arn, c.granularity) // warm the caches once
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if c.cold {
					eng.DropRowCache()
				}
				start := time.Now()
				env.report(b, eng, c.arn, c.granularity)
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			reportLatencies(b, lat)
			b.ReportMetric(float64(entities), "entities")
		})
	}
}

// reportLatencies adds ns/report, p50-ns and p99-ns.
func reportLatencies(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	var total time.Duration
	for _, d := range lat {
		total += d
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	pick := func(q float64) float64 { return float64(s[int(q*float64(len(s)-1))].Nanoseconds()) }
	b.ReportMetric(float64(total.Nanoseconds())/float64(len(lat)), "ns/report")
	b.ReportMetric(pick(0.50), "p50-ns")
	b.ReportMetric(pick(0.99), "p99-ns")
}
