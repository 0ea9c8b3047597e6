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

// TestPeerDuckDB is `make bench-peers`' DuckDB half, on the same gzipped
// exports:
//
//   - ingest (the 1m dataset): the lastaccess binary's ingest (what a user
//     runs: decode, store, rollups) against DuckDB computing the
//     Organizations rollup with read_json, LASTACCESS_PEERS_ROUNDS times
//     each (default 5) after a warm-up run of each, in alternating order;
//     medians compared;
//   - the root report (the org10k dataset: 10 000 accounts, 400
//     services): lastaccess's Generate + Get against DuckDB recomputing
//     the rollup from the files.
//
// On both, DuckDB's rollup must equal ours, row for row: a mismatch
// fails. Runs only with LASTACCESS_PEERS=1 (the make target installs
// DuckDB from npm first).
func TestPeerDuckDB(t *testing.T) {
	if os.Getenv("LASTACCESS_PEERS") == "" {
		t.Skip("peers run with make bench-peers (LASTACCESS_PEERS=1)")
	}
	rounds := envInt("LASTACCESS_PEERS_ROUNDS", 5)
	sources := filepath.Join(t.TempDir(), "sources.json")
	writeSources(t, sources)
	clock := engine.FixedClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))

	// Ingest, on 1m.
	d := LoadDataset(t, "1m")
	bin := buildBinary(t)
	var oursRates, duckSeconds []float64
	var duck duckRollup
	var records int64
	dir := ""
	ingestOnce := func(name string) float64 {
		dir = filepath.Join(t.TempDir(), name)
		run(t, bin, "--data", dir, "org", "import", d.OrgFile())
		out, _ := run(t, bin, "--data", dir, "ingest", "--no-progress", d.Logs())
		m := summaryRate.FindSubmatch(out)
		n := summaryRecords.FindSubmatch(out)
		if m == nil || n == nil {
			t.Fatalf("no records/s in the summary:\n%s", out)
		}
		rate, _ := strconv.ParseFloat(string(m[1]), 64)
		records, _ = strconv.ParseInt(string(n[1]), 10, 64)
		return rate
	}
	// On this machine the first runs of a series are the slowest, for
	// either tool (the first lastaccess round came to about half the
	// others): one unmeasured run of each first, then rounds whose order
	// alternates, so neither tool always runs first.
	warmOurs := ingestOnce("warm-up")
	warmDuck := runDuckDB(t, d, sources)
	for r := 0; r < rounds; r++ {
		name := fmt.Sprintf("data%d", r)
		if r%2 == 0 {
			oursRates = append(oursRates, ingestOnce(name))
			duck = runDuckDB(t, d, sources)
		} else {
			duck = runDuckDB(t, d, sources)
			oursRates = append(oursRates, ingestOnce(name))
		}
		duckSeconds = append(duckSeconds, duck.Seconds)
	}
	st, eng := openEngine(t, dir, engine.Options{Clock: clock})
	rows1m := sameRollup(t, eng, duck)
	eng.Close()
	st.Close()
	oursRate, duckSecs := medianOf(oursRates), medianOf(duckSeconds)
	duckRate := float64(records) / duckSecs

	// The root report, on org10k.
	d10k := LoadDataset(t, "org10k")
	l := LoadIngested(t, "org10k")
	st, eng = openEngine(t, l.Dir, engine.Options{Clock: clock})
	defer st.Close()
	defer eng.Close()
	reportP50 := rootReportP50(t, eng)
	duck10k := runDuckDB(t, d10k, sources)
	rows10k := sameRollup(t, eng, duck10k)

	var b strings.Builder
	fmt.Fprintf(&b, "%s; DuckDB %d threads\n\n", machineLine(), duck.Threads)
	b.WriteString("| figure | lastaccess | DuckDB | ratio | target |\n| --- | --- | --- | --- | --- |\n")
	fmt.Fprintf(&b, "| 1m (%d records, %d gzipped files, %.0f MB): rollup from the gzipped export, records/s, median of %d rounds (alternating order, after a warm-up run of each) | %.0f (`lastaccess ingest`: decode, store, rollups) | %.0f (`read_json` + `GROUP BY`) | %.2f× | ≥ 1.0× (%s) |\n",
		records, d.Manifest.Files, float64(d.GzipBytes())/1e6, rounds, oursRate, duckRate, oursRate/duckRate, verdict(oursRate >= duckRate))
	fmt.Fprintf(&b, "| org10k (%d accounts, %d services, %d records): root report, Generate + Get 100 rows | %s p50 | %.2f s (recompute from the files) | %.0f× faster | ≥ 1000×, p50 ≤ 20 ms (%s) |\n",
		d10k.Config.Accounts, d10k.Config.Services, d10k.Manifest.Records, reportP50.Round(time.Microsecond), duck10k.Seconds,
		duck10k.Seconds/reportP50.Seconds(), verdict(duck10k.Seconds/reportP50.Seconds() >= 1000 && reportP50 <= 20*time.Millisecond))
	fmt.Fprintf(&b, "| rollup rows equal, row for row | 1m: %d, org10k: %d | 1m: %d, org10k: %d | yes | |\n", rows1m, rows10k, len(duck.Rows), len(duck10k.Rows))
	fmt.Fprintf(&b, "\nIngest rounds: lastaccess %s records/s; DuckDB %s s (round 1 lastaccess first, then alternating). Unmeasured warm-up: lastaccess %.0f records/s, DuckDB %.2f s.\n",
		joinFloats(oursRates, "%.0f"), joinFloats(duckSeconds, "%.2f"), warmOurs, warmDuck.Seconds)
	t.Log("\n" + b.String())
	writeResult(t, "peers-duckdb", b.String())
}

// duckRollup is what peers/duckdb/rollup.mjs prints.
type duckRollup struct {
	Seconds float64
	Threads int
	Rows    []struct{ Account, Namespace, Last, Region string }
}

// runDuckDB computes the Organizations rollup of d's log files with DuckDB.
func runDuckDB(t *testing.T, d *Dataset, sources string) duckRollup {
	t.Helper()
	glob := filepath.Join(d.Logs(), "**", "*_CloudTrail_*.json.gz")
	js, err := exec.Command("node", filepath.Join("peers", "duckdb", "rollup.mjs"), glob, sources).Output()
	if err != nil {
		t.Fatalf("duckdb: %v", err)
	}
	var out duckRollup
	if err := json.Unmarshal(js, &out); err != nil {
		t.Fatalf("duckdb output: %v", err)
	}
	return out
}

// sameRollup fails unless DuckDB's rollup equals the engine's, row for
// row, and returns the number of rows.
func sameRollup(t *testing.T, eng *engine.Engine, duck duckRollup) int {
	t.Helper()
	var ours []string
	err := eng.ScanAccountServiceAccess(context.Background(), func(a engine.AccountServiceAccess) error {
		ours = append(ours, fmt.Sprintf("%s %s %s %s", a.AccountID, a.ServiceNamespace, a.LastAuthenticatedTime.Format(time.RFC3339), a.Region))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	theirs := make([]string, len(duck.Rows))
	for i, r := range duck.Rows {
		theirs[i] = fmt.Sprintf("%s %s %s %s", r.Account, r.Namespace, r.Last, r.Region)
	}
	sort.Strings(ours)
	sort.Strings(theirs)
	for i := 0; i < len(ours) && i < len(theirs); i++ {
		if ours[i] != theirs[i] {
			t.Fatalf("rollups differ at row %d:\n lastaccess %s\n DuckDB     %s", i, ours[i], theirs[i])
		}
	}
	if len(ours) != len(theirs) {
		t.Fatalf("rollup rows: lastaccess %d, DuckDB %d", len(ours), len(theirs))
	}
	return len(ours)
}

// rootReportP50 is the median of 50 root reports (Generate + wait + Get
// of 100 rows).
func rootReportP50(t *testing.T, eng *engine.Engine) time.Duration {
	t.Helper()
	root := eng.Organization().Root.Path
	var lat latencies
	for i := 0; i < 50; i++ {
		lat.time(func() { orgReportPage(t, eng, root, "") })
	}
	return lat.quantile(0.5)
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
