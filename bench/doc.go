// Package bench holds lastaccess's benchmarks: workloads on data from the
// generator (internal/gen), generated once into a cache directory and
// reused. `make bench` runs them with -count 5 and prints one table of
// medians (cmd/benchtable); `make test` runs each once on small data
// (-short -benchtime=1x) so they cannot rot.
//
// Figures are reported with b.ReportMetric in domain units: records/s,
// events/s, ns/report, p50-ns and p99-ns.
package bench
