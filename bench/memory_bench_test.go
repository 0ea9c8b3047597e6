package bench

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkIngestProcess runs the lastaccess binary itself, as a user
// does (`org import`, then `ingest`), on the 1 M- and 10 M-record exports
// ("small" with -short), and reports what a separate process shows: its
// peak resident set size (VmHWM, what `/usr/bin/time -v` prints as the
// maximum resident set size), the records/s of its summary, and the size
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
				out, peak := run(b, bin, "--data", dir, "ingest", "--no-progress", d.Logs())
				m := summaryRate.FindSubmatch(out)
				if m == nil {
					b.Fatalf("no records/s in the summary:\n%s", out)
				}
				r, _ := strconv.ParseFloat(string(m[1]), 64)
				rate += r
				rss += float64(peak) / (1 << 20)
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

// buildBinary builds cmd/lastaccess once per test process.
func buildBinary(b testing.TB) string {
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

// run runs the binary and returns its standard output and its peak
// resident set size in bytes. The peak is the child's VmHWM, read while it
// runs: the rusage a parent gets from wait4 is no use here, because Go
// starts children with vfork semantics and Linux carries the parent's
// (this benchmark's) peak into the child's ru_maxrss at exec.
func run(b testing.TB, bin string, args ...string) ([]byte, int64) {
	b.Helper()
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	var peak atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if hwm := readHWM(status); hwm > peak.Load() {
				peak.Store(hwm)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	err := cmd.Wait()
	close(done)
	wg.Wait()
	if err != nil {
		b.Fatalf("lastaccess %v: %v\n%s%s", args, err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes(), peak.Load()
}

// readHWM reads VmHWM (kB) from a /proc/PID/status file, in bytes; 0 when
// the process is gone.
func readHWM(status string) int64 {
	data, err := os.ReadFile(status)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
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
