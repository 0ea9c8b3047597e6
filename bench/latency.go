package bench

import (
	"runtime"
	"slices"
	"testing"
	"time"
)

// latencies collects per-operation durations for percentile metrics.
type latencies []time.Duration

func (l *latencies) time(f func()) {
	start := time.Now()
	f()
	*l = append(*l, time.Since(start))
}

// quantile is the q-quantile (0 ≤ q ≤ 1) of the durations; l must not be
// empty.
func (l latencies) quantile(q float64) time.Duration {
	s := slices.Clone(l)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

// report adds p50-ns and p99-ns to the benchmark's result.
func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	b.ReportMetric(float64(l.quantile(0.50).Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(l.quantile(0.99).Nanoseconds()), "p99-ns")
}

func numCPU() int { return runtime.NumCPU() }
