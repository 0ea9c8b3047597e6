package bench

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"lastaccess/engine"
	"lastaccess/ingest"
)

// BenchmarkIngest measures a bulk load end to end: walk, gunzip, decode,
// classify, dedupe, store, rollups, into a new data directory.
// MB/s is of the gzipped input.
func BenchmarkIngest(b *testing.B) {
	for _, name := range []string{"1m", "smallfiles", "largefiles"} {
		b.Run(name, func(b *testing.B) {
			d := LoadDataset(b, datasetFor(name))
			b.SetBytes(d.GzipBytes())
			b.ReportAllocs()
			var records, seconds float64
			for i := 0; i < b.N; i++ {
				dir := filepath.Join(b.TempDir(), "data")
				b.StartTimer()
				st, eng := openEngine(b, dir, engine.Options{})
				org, _ := os.ReadFile(d.OrgFile())
				if _, err := eng.ImportOrganization(org); err != nil {
					b.Fatal(err)
				}
				sum, err := ingest.Run(context.Background(), []string{d.Logs()}, eng, ingest.Options{NoProgress: true})
				if err != nil || sum.Failed() {
					b.Fatalf("ingest: %v", err)
				}
				if err := eng.Close(); err != nil {
					b.Fatal(err)
				}
				st.Close()
				b.StopTimer()
				records += float64(sum.Records)
				seconds += sum.Elapsed.Seconds()
				os.RemoveAll(dir)
			}
			b.ReportMetric(records/seconds, "records/s")
		})
	}
}

// BenchmarkAppend isolates the engine's write path: already decoded events
// into a new data directory (dedupe lookups, commits, rollup deltas).
func BenchmarkAppend(b *testing.B) {
	d := LoadDataset(b, datasetFor("1m"))
	var events []engine.Event
	sink := sinkFunc(func(_ context.Context, evs []engine.Event) (engine.AppendResult, error) {
		events = append(events, evs...)
		return engine.AppendResult{Ingested: len(evs)}, nil
	})
	if _, err := ingest.Run(context.Background(), []string{d.Logs()}, sink, ingest.Options{NoProgress: true}); err != nil {
		b.Fatal(err)
	}
	if len(events) > 300_000 {
		events = events[:300_000]
	}
	b.ResetTimer()
	var secs float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), "data")
		st, eng := openEngine(b, dir, engine.Options{})
		b.StartTimer()
		start := nowSeconds()
		for j := 0; j < len(events); j += ingest.DefaultBatchSize {
			if _, err := eng.Append(context.Background(), events[j:min(j+ingest.DefaultBatchSize, len(events))]); err != nil {
				b.Fatal(err)
			}
		}
		if err := eng.Close(); err != nil {
			b.Fatal(err)
		}
		secs += nowSeconds() - start
		b.StopTimer()
		st.Close()
		os.RemoveAll(dir)
	}
	b.ReportMetric(float64(len(events)*b.N)/secs, "events/s")
}

type sinkFunc func(context.Context, []engine.Event) (engine.AppendResult, error)

func (f sinkFunc) Append(ctx context.Context, evs []engine.Event) (engine.AppendResult, error) {
	return f(ctx, evs)
}
