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

// report adds p50-ns and p99-ns to the benchmark's result.
func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	s := slices.Clone(l)
	slices.Sort(s)
	pick := func(q float64) float64 {
		i := int(q * float64(len(s)-1))
		return float64(s[i].Nanoseconds())
	}
	b.ReportMetric(pick(0.50), "p50-ns")
	b.ReportMetric(pick(0.99), "p99-ns")
}

func numCPU() int { return runtime.NumCPU() }
