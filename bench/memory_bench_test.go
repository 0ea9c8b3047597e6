package bench

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
)

// BenchmarkIngestProcess runs the lastaccess binary itself, as a user
// does (`org import`, then `ingest`), on the 1 M- and 10 M-record exports
// ("small" with -short), and reports what a separate process shows: its
// maximum resident set size (the kernel's ru_maxrss, what
// `/usr/bin/time -v` prints), the records/s of its summary, and the size
// of the data directory against the gzipped log files.
func BenchmarkIngestProcess(b *testing.B) {
	bin := buildBinary(b)
	for _, name := range []string{"1m", "10m"} {
		b.Run(name, func(b *testing.B) {
			d := LoadDataset(b, datasetFor(name))
			var rss, rate, ratio float64
			for i := 0; i < b.N; i++ {
				dir := filepath.Join(b.TempDir(), "data")
				run(b, bin, "--data", dir, "org", "import", d.OrgFile())
				out, usage := run(b, bin, "--data", dir, "ingest", "--no-progress", d.Logs())
				m := summaryRate.FindSubmatch(out)
				if m == nil {
					b.Fatalf("no records/s in the summary:\n%s", out)
				}
				r, _ := strconv.ParseFloat(string(m[1]), 64)
				rate += r
				rss += float64(usage.Maxrss) / 1024 // KiB on Linux
				ratio += float64(dirBytes(b, dir)) / float64(d.GzipBytes())
				os.RemoveAll(dir)
			}
			n := float64(b.N)
			b.ReportMetric(rss/n, "MiB-max-rss")
			b.ReportMetric(rate/n, "records/s")
			b.ReportMetric(ratio/n, "dir/gzip")
		})
	}
}

var summaryRate = regexp.MustCompile(`elapsed: +\S+ \(([0-9.]+) records/s\)`)

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// buildBinary builds cmd/lastaccess once per benchmark process.
func buildBinary(b *testing.B) string {
	b.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lastaccess-bench-bin")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "lastaccess")
		out, err := exec.Command("go", "build", "-o", binaryPath, "../cmd/lastaccess").CombinedOutput()
		if err != nil {
			binaryErr = err
			b.Logf("%s", out)
		}
	})
	if binaryErr != nil {
		b.Fatal(binaryErr)
	}
	return binaryPath
}

// run runs the binary and returns its standard output and resource usage.
func run(b *testing.B, bin string, args ...string) ([]byte, *syscall.Rusage) {
	b.Helper()
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("lastaccess %v: %v\n%s%s", args, err, stdout.Bytes(), stderr.Bytes())
	}
	usage, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if usage == nil {
		b.Fatal("no resource usage for the child process")
	}
	return stdout.Bytes(), usage
}

// dirBytes is the disk space of dir's files (Badger's value logs are
// preallocated sparse files: their apparent size says little).
func dirBytes(b *testing.B, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			n += st.Blocks * 512
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}
