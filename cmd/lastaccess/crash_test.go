package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"lastaccess/internal/gen"
)

// The crash harness (SPEC §6): an ingest killed with SIGKILL at a random
// moment, then run again over the same files, must end with every record
// stored exactly once and rollups and reports equal to one clean ingest.
// `lastaccess check` is the oracle: it recomputes the rollups from the log
// and prints their digest.
//
// LASTACCESS_CRASH_ROUNDS sets the number of rounds (make test: 20,
// make crash: 100); LASTACCESS_CRASH_SEED replays a run (the seed is
// printed at the start).

func crashRounds() int {
	if n, err := strconv.Atoi(os.Getenv("LASTACCESS_CRASH_ROUNDS")); err == nil && n > 0 {
		return n
	}
	if testing.Short() {
		return 3
	}
	return 20
}

func crashSeed(t *testing.T) uint64 {
	if s, err := strconv.ParseUint(os.Getenv("LASTACCESS_CRASH_SEED"), 10, 64); err == nil {
		return s
	}
	return uint64(time.Now().UnixNano())
}

// crashExport writes a generated export of many small files once per test
// run.
func crashExport(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cfg := gen.Sample()
	cfg.Accounts, cfg.Records, cfg.Services, cfg.RecordsPerFile = 30, 30_000, 40, 40
	cfg.DupFraction = 0.02
	org, err := gen.Organization(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "org.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := org.WriteOrgJSON(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := gen.WriteExport(cfg, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

type checkOutput struct {
	events, digest string
}

func (c cli) check() checkOutput {
	c.t.Helper()
	out := c.ok("check")
	var res checkOutput
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "events: "); ok {
			res.events = v
		}
		if v, ok := strings.CutPrefix(line, "rollup digest: "); ok {
			res.digest = v
		}
	}
	if res.digest == "" || !strings.Contains(out, "consistent") {
		c.t.Fatalf("check output:\n%s", out)
	}
	return res
}

// report generates the root report as of a fixed time and returns its
// JSON without the job id.
func (c cli) report(path string) string {
	c.t.Helper()
	out := c.ok("--now", "2026-11-01T00:00:00Z", "iam", "generate-organizations-access-report", "--entity-path", path)
	var job struct{ JobId string }
	if err := json.Unmarshal([]byte(out), &job); err != nil {
		c.t.Fatalf("generate: %q", out)
	}
	return c.ok("iam", "get-organizations-access-report", "--job-id", job.JobId, "--max-items", "1000")
}

func rootPath(t *testing.T, orgFile string) string {
	t.Helper()
	data, err := os.ReadFile(orgFile)
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		Organization struct{ Id string }
		Roots        []struct{ Id string }
	}
	if err := json.Unmarshal(data, &o); err != nil {
		t.Fatal(err)
	}
	return o.Organization.Id + "/" + o.Roots[0].Id
}

func TestCrashDuringIngest(t *testing.T) {
	export := crashExport(t)
	orgFile, logs := filepath.Join(export, "org.json"), filepath.Join(export, "AWSLogs")
	root := rootPath(t, orgFile)

	clean := cli{t, filepath.Join(t.TempDir(), "clean")}
	clean.ok("org", "import", orgFile)
	start := time.Now()
	clean.ok("ingest", "--no-progress", logs)
	cleanTime := time.Since(start)
	want := clean.check()
	wantReport := clean.report(root)

	seed := crashSeed(t)
	t.Logf("crash seed %d (replay with LASTACCESS_CRASH_SEED=%d), %d rounds, clean ingest %s", seed, seed, crashRounds(), cleanTime)
	r := rand.New(rand.NewPCG(seed, 1))
	for round := 0; round < crashRounds(); round++ {
		c := cli{t, filepath.Join(t.TempDir(), fmt.Sprintf("round%d", round))}
		c.ok("org", "import", orgFile)
		// One to three kills, each at a random moment of an ingest.
		kills := 1 + r.IntN(3)
		for k := 0; k < kills; k++ {
			delay := time.Duration(r.Int64N(int64(cleanTime) + int64(50*time.Millisecond)))
			killIngestAfter(t, c.data, logs, delay)
		}
		c.ok("ingest", "--no-progress", logs)
		got := c.check()
		if got != want {
			t.Fatalf("round %d (seed %d): after %d kills and a re-run: %+v, a clean ingest gives %+v", round, seed, kills, got, want)
		}
		if rep := c.report(root); rep != wantReport {
			t.Fatalf("round %d (seed %d): report differs from a clean ingest's", round, seed)
		}
	}
}

// killIngestAfter starts an ingest and kills it with SIGKILL after delay
// (or lets it finish if it is faster).
func killIngestAfter(t *testing.T, data, logs string, delay time.Duration) {
	t.Helper()
	cmd := exec.Command(binary, "--data", data, "ingest", "--no-progress", logs)
	cmd.Env = append(os.Environ(), "LASTACCESS_NOW=")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(delay):
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
}

// TestCrashDuringReportJob: a job whose process is killed while it runs
// is FAILED with a reason after a restart, never IN_PROGRESS forever.
func TestCrashDuringReportJob(t *testing.T) {
	c := cli{t, filepath.Join(t.TempDir(), "d")}
	c.ok("org", "import", repoPath("testdata", "aws-sample", "org.json"))
	c.ok("ingest", "--no-progress", repoPath("testdata", "aws-sample", "AWSLogs"))
	cmd := exec.Command(hookBinary, "--data", c.data, "iam", "generate-organizations-access-report",
		"--entity-path", "o-a1b2c3d4e5/r-f6g7h8i9j0example")
	// The job's result is stored a minute late: time to kill it.
	cmd.Env = append(os.Environ(), "LASTACCESS_TEST_JOB_DELAY=60s", "LASTACCESS_TEST_PRINT_JOB_ID=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := stdout.Read(buf)
	jobID := strings.TrimSpace(string(buf[:n]))
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if len(jobID) != 36 {
		t.Fatalf("no job id before the kill: %q", jobID)
	}
	out := c.ok("iam", "get-organizations-access-report", "--job-id", jobID)
	var r struct {
		JobStatus    string
		ErrorDetails *struct{ Message, Code string }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.JobStatus != "FAILED" || r.ErrorDetails == nil || !strings.Contains(r.ErrorDetails.Message, "interrupted") {
		t.Fatalf("after a crash: %s", out)
	}
}

// TestShippedBinaryHasNoTestHooks: the hooks the crash tests switch on
// with LASTACCESS_TEST_* are only in the binary built with
// -tags lastaccess_testhooks.
func TestShippedBinaryHasNoTestHooks(t *testing.T) {
	for _, c := range []struct {
		bin   string
		hooks bool
	}{{binary, false}, {hookBinary, true}} {
		data, err := os.ReadFile(c.bin)
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Contains(data, []byte("LASTACCESS_TEST_")); got != c.hooks {
			t.Errorf("%s: test hooks compiled in: %v, want %v", filepath.Base(c.bin), got, c.hooks)
		}
	}
}
