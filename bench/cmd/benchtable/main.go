// Command benchtable runs the benchmarks of package bench several times
// and prints one table: the median of every reported figure, with the
// machine and Go version. The raw output and the table are kept under
// bench/results/.
//
//	go run ./bench/cmd/benchtable -count 5 [-bench REGEXP] [-from FILE]
//	go run ./bench/cmd/benchtable -compare OURS.txt MARIADB.txt
//
// -compare prints lastaccess's SQL figures beside MariaDB's, from the raw
// outputs of BenchmarkSQL* (bench/) and BenchmarkMariaDB* (bench/peers/mariadb),
// with the ratio and the target for each, and keeps the table as
// bench/results/peers-mariadb-latest.md.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	count := flag.Int("count", 5, "runs of each benchmark")
	pattern := flag.String("bench", ".", "benchmarks to run (go test -bench)")
	from := flag.String("from", "", "summarize an existing `go test -bench` output instead of running")
	out := flag.String("out", "bench/results", "directory for the raw output and the table")
	compare := flag.Bool("compare", false, "print OURS beside PEER (two raw go test -bench outputs)")
	flag.Parse()

	if *compare {
		if flag.NArg() != 2 {
			fmt.Fprintln(os.Stderr, "benchtable: -compare takes two files: OURS PEER")
			os.Exit(2)
		}
		table, err := compareFiles(flag.Arg(0), flag.Arg(1))
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(1)
		}
		fmt.Print(table)
		if err := os.MkdirAll(*out, 0o755); err == nil {
			os.WriteFile(filepath.Join(*out, "peers-mariadb-latest.md"), []byte(table), 0o644)
		}
		return
	}

	var raw []byte
	var err error
	if *from != "" {
		raw, err = os.ReadFile(*from)
	} else {
		raw, err = runBenchmarks(*pattern, *count)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	table := render(parse(raw), machine())
	fmt.Print(table)
	if *from == "" {
		stamp := time.Now().UTC().Format("2006-01-02T150405Z")
		if err := os.MkdirAll(*out, 0o755); err == nil {
			os.WriteFile(filepath.Join(*out, stamp+".txt"), raw, 0o644)
			os.WriteFile(filepath.Join(*out, stamp+".md"), []byte(table), 0o644)
			os.WriteFile(filepath.Join(*out, "latest.md"), []byte(table), 0o644)
		}
	}
}

func runBenchmarks(pattern string, count int) ([]byte, error) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", pattern, "-count", strconv.Itoa(count), "-timeout", "180m", "./bench/")
	var buf bytes.Buffer
	cmd.Stdout = io.MultiWriter(&buf, os.Stderr)
	cmd.Stderr = os.Stderr
	err := cmd.Run()
	return buf.Bytes(), err
}

// figure is one benchmark's values of one unit across runs.
type figure struct {
	bench, unit string
	values      []float64
}

func parse(raw []byte) []*figure {
	byKey := map[string]*figure{}
	var order []string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(fields[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			unit := fields[i+1]
			if unit == "B/op" || unit == "allocs/op" {
				continue
			}
			key := name + "\x00" + unit
			f, ok := byKey[key]
			if !ok {
				f = &figure{bench: name, unit: unit}
				byKey[key] = f
				order = append(order, key)
			}
			f.values = append(f.values, v)
		}
	}
	out := make([]*figure, 0, len(order))
	for _, k := range order {
		out = append(out, byKey[k])
	}
	return out
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// human prints a figure in the unit users read it in.
func human(unit string, v float64) (string, string) {
	switch unit {
	case "ns/op", "p50-ns", "p99-ns", "ns/report":
		d := time.Duration(v)
		label := map[string]string{"ns/op": "time/op", "p50-ns": "p50", "p99-ns": "p99", "ns/report": "time/report"}[unit]
		switch {
		case d >= time.Second:
			return fmt.Sprintf("%.2f s", d.Seconds()), label
		case d >= time.Millisecond:
			return fmt.Sprintf("%.2f ms", float64(d)/1e6), label
		default:
			return fmt.Sprintf("%.0f µs", float64(d)/1e3), label
		}
	case "records/s", "events/s", "statements/s", "stmts/s":
		return fmt.Sprintf("%.0f", v), unit
	}
	return strconv.FormatFloat(v, 'g', 4, 64), unit
}

func render(figs []*figure, machine string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", machine)
	b.WriteString("| benchmark | figure | median | runs |\n| --- | --- | --- | --- |\n")
	for _, f := range figs {
		v, label := human(f.unit, median(f.values))
		fmt.Fprintf(&b, "| %s | %s | %s | %d |\n", f.bench, label, v, len(f.values))
	}
	return b.String()
}

func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "model name") {
				if i := strings.IndexByte(line, ':'); i > 0 {
					model = strings.TrimSpace(line[i+1:])
				}
				break
			}
		}
	}
	return fmt.Sprintf("Machine: %s, %d cores, %s %s/%s, %s", model, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH, time.Now().UTC().Format("2006-01-02"))
}

// peerPair is one figure of lastaccess beside the same figure of a peer.
type peerPair struct {
	label      string
	ours, peer string // benchmark names, without "Benchmark" and the CPU suffix
	unit       string
	target     float64 // the bound on ours/peer (0: none)
}

// mariadbPairs are the comparisons of the MySQL-frontend and benchmark
// issues: the same 100-row page, one connection, and statements/s with
// 1, 8 and 32 clients.
var mariadbPairs = []peerPair{
	{"SELECT 1, prepared (p50)", "SQL/select-1/prepared", "MariaDB/select-1/prepared", "p50-ns", 0},
	{"100-row Get page: `CALL get_organizations_access_report(?, 100, NULL, NULL)` vs MariaDB's prepared indexed SELECT (p50)", "SQL/get-page/prepared", "MariaDB/details-page/prepared", "p50-ns", 1.5},
	{"the same, p99", "SQL/get-page/prepared", "MariaDB/details-page/prepared", "p99-ns", 0},
	{"`SELECT … FROM organizations_access_details WHERE JobId = ? ORDER BY ServiceNamespace LIMIT 100`, prepared (p50)", "SQL/details-page/prepared", "MariaDB/details-page/prepared", "p50-ns", 3},
	{"the same, p99", "SQL/details-page/prepared", "MariaDB/details-page/prepared", "p99-ns", 0},
	{"the same SELECT as text (p50)", "SQL/details-page/text", "MariaDB/details-page/text", "p50-ns", 0},
	{"SELECT page, statements/s, 1 client", "SQLClients/clients-1/select", "MariaDBClients/clients-1/select", "stmts/s", 0},
	{"SELECT page, statements/s, 8 clients", "SQLClients/clients-8/select", "MariaDBClients/clients-8/select", "stmts/s", 0},
	{"SELECT page, statements/s, 32 clients", "SQLClients/clients-32/select", "MariaDBClients/clients-32/select", "stmts/s", 0},
}

func compareFiles(oursFile, peerFile string) (string, error) {
	ours, err := os.ReadFile(oursFile)
	if err != nil {
		return "", err
	}
	peer, err := os.ReadFile(peerFile)
	if err != nil {
		return "", err
	}
	medians := map[string]float64{}
	runs := map[string]int{}
	for _, f := range append(parse(ours), parse(peer)...) {
		k := f.bench + "\x00" + f.unit
		medians[k] = median(f.values)
		runs[k] = len(f.values)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", machine())
	b.WriteString("| figure | lastaccess | MariaDB | ratio | target |\n| --- | --- | --- | --- | --- |\n")
	missing := 0
	for _, p := range mariadbPairs {
		o, ok1 := medians[p.ours+"\x00"+p.unit]
		m, ok2 := medians[p.peer+"\x00"+p.unit]
		if !ok1 || !ok2 || m == 0 {
			missing++
			fmt.Fprintf(&b, "| %s | %s | %s | – | |\n", p.label, orDash(ok1, p.unit, o), orDash(ok2, p.unit, m))
			continue
		}
		ratio := o / m
		target := ""
		if p.target > 0 {
			verdict := "met"
			if ratio > p.target {
				verdict = "missed"
			}
			target = fmt.Sprintf("≤ %.1f× (%s)", p.target, verdict)
		}
		ov, _ := human(p.unit, o)
		mv, _ := human(p.unit, m)
		fmt.Fprintf(&b, "| %s | %s | %s | %.2f× | %s |\n", p.label, ov, mv, ratio, target)
	}
	b.WriteString("\nMedians of the runs in each file; the ratio is lastaccess ÷ MariaDB (for latencies, lower is better; for statements/s, higher is).\n")
	if missing == len(mariadbPairs) {
		return b.String(), fmt.Errorf("no figure found in both %s and %s", oursFile, peerFile)
	}
	return b.String(), nil
}

func orDash(ok bool, unit string, v float64) string {
	if !ok {
		return "–"
	}
	s, _ := human(unit, v)
	return s
}
