package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"lastaccess/engine"
	"lastaccess/engine/catalog"
)

// TestPeerDuckDB is `make bench-peers`' DuckDB half: on the same gzipped
// export, the lastaccess binary's ingest (what a user runs: decode,
// store, rollups) against DuckDB computing the Organizations rollup with
// read_json, and lastaccess's root report against DuckDB recomputing it
// from the files. Each side runs LASTACCESS_PEERS_ROUNDS times (default
// 3), alternating, and the medians are compared. DuckDB's rollup must
// equal ours, row for row: a mismatch fails. Runs only with
// LASTACCESS_PEERS=1 (the make target installs DuckDB from npm first).
func TestPeerDuckDB(t *testing.T) {
	if os.Getenv("LASTACCESS_PEERS") == "" {
		t.Skip("peers run with make bench-peers (LASTACCESS_PEERS=1)")
	}
	name := os.Getenv("LASTACCESS_PEERS_DATASET")
	if name == "" {
		name = "1m"
	}
	rounds := envInt("LASTACCESS_PEERS_ROUNDS", 3)
	d := LoadDataset(t, name)
	bin := buildBinary(t)
	sources := filepath.Join(t.TempDir(), "sources.json")
	writeSources(t, sources)
	glob := filepath.Join(d.Logs(), "**", "*_CloudTrail_*.json.gz")

	type duckResult struct {
		Seconds float64
		Threads int
		Rows    []struct{ Account, Namespace, Last, Region string }
	}
	var oursRates, duckSeconds []float64
	var duck duckResult
	var records int64
	dir := ""
	for r := 0; r < rounds; r++ {
		dir = filepath.Join(t.TempDir(), fmt.Sprintf("data%d", r))
		run(t, bin, "--data", dir, "org", "import", d.OrgFile())
		out, _ := run(t, bin, "--data", dir, "ingest", "--no-progress", d.Logs())
		m := summaryRate.FindSubmatch(out)
		n := summaryRecords.FindSubmatch(out)
		if m == nil || n == nil {
			t.Fatalf("no records/s in the summary:\n%s", out)
		}
		rate, _ := strconv.ParseFloat(string(m[1]), 64)
		records, _ = strconv.ParseInt(string(n[1]), 10, 64)
		oursRates = append(oursRates, rate)

		js, err := exec.Command("node", filepath.Join("peers", "duckdb", "rollup.mjs"), glob, sources).Output()
		if err != nil {
			t.Fatalf("duckdb: %v", err)
		}
		duck = duckResult{}
		if err := json.Unmarshal(js, &duck); err != nil {
			t.Fatalf("duckdb output: %v", err)
		}
		duckSeconds = append(duckSeconds, duck.Seconds)
	}

	// The last round's data directory: the root report, and the rollup.
	st, eng := openEngine(t, dir, engine.Options{Clock: engine.FixedClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))})
	defer st.Close()
	defer eng.Close()
	ctx := context.Background()
	root := eng.Organization().Root.Path
	var lat latencies
	hundred := 100
	for i := 0; i < 50; i++ {
		lat.time(func() {
			id, err := eng.GenerateOrganizationsAccessReport(ctx, engine.GenerateOrganizationsAccessReportInput{EntityPath: root})
			if err != nil {
				t.Fatal(err)
			}
			eng.WaitJob(ctx, id)
			if _, err := eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: id, MaxItems: &hundred}); err != nil {
				t.Fatal(err)
			}
		})
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	reportP50 := lat[len(lat)/2]

	// Equality, row for row.
	var ours []string
	eng.ScanAccountServiceAccess(ctx, func(a engine.AccountServiceAccess) error {
		ours = append(ours, fmt.Sprintf("%s %s %s %s", a.AccountID, a.ServiceNamespace, a.LastAuthenticatedTime.Format(time.RFC3339), a.Region))
		return nil
	})
	theirs := make([]string, len(duck.Rows))
	for i, r := range duck.Rows {
		theirs[i] = fmt.Sprintf("%s %s %s %s", r.Account, r.Namespace, r.Last, r.Region)
	}
	sort.Strings(ours)
	sort.Strings(theirs)
	if len(ours) != len(theirs) {
		t.Errorf("rollup rows: lastaccess %d, DuckDB %d", len(ours), len(theirs))
	}
	for i := 0; i < len(ours) && i < len(theirs); i++ {
		if ours[i] != theirs[i] {
			t.Fatalf("rollups differ at row %d:\n lastaccess %s\n DuckDB     %s", i, ours[i], theirs[i])
		}
	}

	oursRate, duckSecs := medianOf(oursRates), medianOf(duckSeconds)
	duckRate := float64(records) / duckSecs
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nDataset %s: %d records in %d gzipped files (%.1f MB); DuckDB %d threads; medians of %d alternating rounds.\n\n",
		machineLine(), name, records, d.Manifest.Files, float64(d.GzipBytes())/1e6, duck.Threads, rounds)
	b.WriteString("| figure | lastaccess | DuckDB | ratio | target |\n| --- | --- | --- | --- | --- |\n")
	fmt.Fprintf(&b, "| rollup from the gzipped export, records/s | %.0f (`lastaccess ingest`: decode, store, rollups) | %.0f (`read_json` + `GROUP BY`) | %.2f× | ≥ 1.0× (%s) |\n",
		oursRate, duckRate, oursRate/duckRate, verdict(oursRate/duckRate >= 1))
	fmt.Fprintf(&b, "| root report (Generate + Get 100 rows) | %s p50 | %.2f s (recompute from files) | %.0f× faster | ≥ 1000× (%s) |\n",
		reportP50.Round(time.Microsecond), duckSecs, duckSecs/reportP50.Seconds(), verdict(duckSecs/reportP50.Seconds() >= 1000))
	fmt.Fprintf(&b, "| rollup rows equal | %d | %d | %v | |\n", len(ours), len(theirs), len(ours) == len(theirs))
	fmt.Fprintf(&b, "\nRounds: lastaccess %s records/s; DuckDB %s s.\n", joinFloats(oursRates, "%.0f"), joinFloats(duckSeconds, "%.2f"))
	t.Log("\n" + b.String())
	writeResult(t, "peers-duckdb", b.String())
}

var summaryRecords = regexp.MustCompile(`records: +([0-9]+) read`)

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "missed"
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func joinFloats(v []float64, format string) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf(format, x)
	}
	return strings.Join(parts, ", ")
}

// writeSources writes the catalog's event source → namespace map for the
// DuckDB query.
func writeSources(t *testing.T, path string) {
	type pair struct {
		Source    string `json:"source"`
		Namespace string `json:"namespace"`
	}
	var out []pair
	for _, s := range catalog.Default().Services() {
		for _, src := range s.EventSources {
			out = append(out, pair{strings.ToLower(src), s.Namespace})
		}
	}
	data, _ := json.Marshal(out)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeResult(t *testing.T, name, text string) {
	dir := filepath.Join("results")
	os.MkdirAll(dir, 0o755)
	stamp := time.Now().UTC().Format("2006-01-02T150405Z")
	os.WriteFile(filepath.Join(dir, name+"-"+stamp+".md"), []byte(text), 0o644)
	os.WriteFile(filepath.Join(dir, name+"-latest.md"), []byte(text), 0o644)
}

func machineLine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	out, _ := exec.Command("go", "version").Output()
	return fmt.Sprintf("Machine: %s, %d cores; %s", model, numCPU(), strings.TrimSpace(string(out)))
}
