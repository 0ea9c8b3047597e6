package bench

import (
	"testing"

	"lastaccess/engine/catalog"
)

// BenchmarkCatalogLoad measures what every command pays at start-up for
// the embedded service catalog: parsing and validating services.json
// (catalog.Default does this once per process). embedded-bytes is the
// size of the file in the binary.
func BenchmarkCatalogLoad(b *testing.B) {
	data := catalog.DefaultData()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := catalog.Parse(data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data)), "embedded-bytes")
}
