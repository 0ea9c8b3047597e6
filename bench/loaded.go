package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"lastaccess/engine"
	"lastaccess/ingest"
	"lastaccess/storage"
)

// Loaded is a data directory holding an ingested dataset.
type Loaded struct {
	Dataset *Dataset
	Dir     string
}

// LoadIngested returns a data directory with the dataset ingested,
// building it in the cache the first time.
func LoadIngested(tb testing.TB, name string) *Loaded {
	tb.Helper()
	d := LoadDataset(tb, name)
	// The data directory's name carries the storage format, so a format
	// change never reuses a stale one.
	dir := fmt.Sprintf("%s-data-v%d", d.Dir, storage.FormatVersion)
	done := filepath.Join(dir, "ingested")
	if _, err := os.Stat(done); err == nil {
		return &Loaded{Dataset: d, Dir: dir}
	}
	os.RemoveAll(dir)
	st, eng := openEngine(tb, dir, engine.Options{})
	org, err := os.ReadFile(d.OrgFile())
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := eng.ImportOrganization(org); err != nil {
		tb.Fatal(err)
	}
	sum, err := ingest.Run(context.Background(), []string{d.Logs()}, eng, ingest.Options{NoProgress: true})
	if err != nil || sum.Failed() {
		tb.Fatalf("ingest %s: %v (%d failed files)", name, err, sum.FilesFailed)
	}
	if err := eng.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := st.Close(); err != nil {
		tb.Fatal(err)
	}
	// Outside the Badger directory, marking the data complete.
	if err := os.WriteFile(done, nil, 0o644); err != nil {
		tb.Fatal(err)
	}
	return &Loaded{Dataset: d, Dir: dir}
}

func openEngine(tb testing.TB, dir string, opts engine.Options) (*storage.Store, *engine.Engine) {
	tb.Helper()
	st, err := storage.Open(dir, storage.DefaultOptions())
	if err != nil {
		tb.Fatal(err)
	}
	eng, err := engine.Open(st, opts)
	if err != nil {
		st.Close()
		tb.Fatal(err)
	}
	return st, eng
}
