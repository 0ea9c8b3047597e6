package bench

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"lastaccess/engine/catalog"
	"lastaccess/internal/gen"
)

// Dataset is a generated organization and CloudTrail export on disk.
type Dataset struct {
	Name     string
	Dir      string // holds org.json and AWSLogs/
	Manifest gen.Manifest
	Config   gen.Config
}

// OrgFile is the organization snapshot's path.
func (d *Dataset) OrgFile() string { return filepath.Join(d.Dir, "org.json") }

// Logs is the export's root directory.
func (d *Dataset) Logs() string { return filepath.Join(d.Dir, "AWSLogs") }

// GzipBytes is the size of the export's log files.
func (d *Dataset) GzipBytes() int64 { return d.Manifest.Bytes }

// Datasets by name. "small" is what -short runs use.
func datasetConfig(name string) (gen.Config, error) {
	switch name {
	case "small":
		c := gen.Bench1M()
		c.Accounts, c.Services, c.Records, c.OUDepth, c.OUFanout = 60, 40, 20_000, 1, 3
		return c, nil
	case "1m":
		return gen.Bench1M(), nil
	case "10m":
		c := gen.Bench1M()
		c.Records = envInt("LASTACCESS_BENCH_10M_RECORDS", 10_000_000)
		return c, nil
	case "org10k":
		c := gen.Org10k()
		c.Records = envInt("LASTACCESS_BENCH_ORG10K_RECORDS", 2_000_000)
		return c, nil
	case "smallfiles":
		// The shape real trails deliver: a file per account and region
		// about every 5 minutes, a few KB each, so a day's directory holds
		// many files (a week of 100 accounts in 3 regions: about ten
		// 10-record files a directory). The 1m dataset spreads as many
		// records per account over 400 days, which makes most directories
		// hold a single file: the walk, not the files, would be measured.
		return filesShape(10), nil
	case "sla":
		// Service last accessed details: 300 accounts whose IAM users,
		// groups and roles are generated too (the AWS managed
		// ReadOnlyAccess applies to about 1 000 of them), 450 days.
		c := gen.Bench1M()
		c.Accounts, c.Records = 300, 600_000
		c.Start, c.End = gen.DefaultEnd.Add(-450*24*time.Hour), gen.DefaultEnd
		c.NoiseFraction, c.DupFraction = 0.02, 0
		return c, nil
	case "largefiles":
		// The same records as smallfiles, 2 000 to a file.
		return filesShape(2000), nil
	}
	return gen.Config{}, fmt.Errorf("bench: unknown dataset %q", name)
}

// filesShape is the smallfiles / largefiles dataset with recordsPerFile.
func filesShape(recordsPerFile int) gen.Config {
	c := gen.Bench1M()
	c.Accounts, c.Regions = 100, []string{"us-east-1", "eu-west-1", "us-west-2"}
	c.Start = c.End.Add(-7 * 24 * time.Hour)
	c.Records = envInt("LASTACCESS_BENCH_SMALLFILES_RECORDS", 200_000)
	c.RecordsPerFile = recordsPerFile
	return c
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// CacheDir is where datasets and loaded data directories are kept
// between runs: $LASTACCESS_BENCH_CACHE, else bench/cache.
func CacheDir() string {
	if d := os.Getenv("LASTACCESS_BENCH_CACHE"); d != "" {
		return d
	}
	return "cache"
}

var (
	datasetsMu sync.Mutex
	datasets   = map[string]*Dataset{}
)

// configHash names a configuration and the catalog it uses, so a changed
// generator input never reuses stale files.
func configHash(c gen.Config) string {
	c.Catalog = nil
	h := sha256.New()
	fmt.Fprintf(h, "%+v", c)
	h.Write(catalog.DefaultData())
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// LoadDataset returns the named dataset, generating it into the cache the
// first time.
func LoadDataset(tb testing.TB, name string) *Dataset {
	tb.Helper()
	datasetsMu.Lock()
	defer datasetsMu.Unlock()
	if d, ok := datasets[name]; ok {
		return d
	}
	cfg, err := datasetConfig(name)
	if err != nil {
		tb.Fatal(err)
	}
	dir := filepath.Join(CacheDir(), name+"-"+configHash(cfg))
	d := &Dataset{Name: name, Dir: dir, Config: cfg}
	manifestFile := filepath.Join(dir, "manifest.json")
	if data, err := os.ReadFile(manifestFile); err == nil && json.Unmarshal(data, &d.Manifest) == nil {
		datasets[name] = d
		return d
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	org, err := gen.Organization(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(d.OrgFile())
	if err != nil {
		tb.Fatal(err)
	}
	if err := org.WriteOrgJSON(f); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	m, err := gen.WriteExport(cfg, dir)
	if err != nil {
		tb.Fatal(err)
	}
	d.Manifest = m
	data, _ := json.Marshal(m)
	// The manifest is written last: its presence marks a complete dataset.
	if err := os.WriteFile(manifestFile, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	datasets[name] = d
	return d
}

// datasetFor picks the small dataset in -short runs.
func datasetFor(name string) string {
	if testing.Short() {
		return "small"
	}
	return name
}
