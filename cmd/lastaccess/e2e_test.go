package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"lastaccess/storage"
)

// binary is the lastaccess the tests run, built once, as `make build`
// builds it (with a version stamped: TestVersion); hookBinary is the same
// with the crash tests' hooks (testhooks.go).
var binary, hookBinary string

// stampedVersion and stampedCommit are what binary's version prints.
const stampedVersion, stampedCommit = "v9.8.7-3-gabc", "abc123"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lastaccess-bin")
	if err != nil {
		panic(err)
	}
	binary, hookBinary = filepath.Join(dir, "lastaccess"), filepath.Join(dir, "lastaccess-hooks")
	builds := [][]string{
		{"build", "-o", binary, "-ldflags", "-X main.version=" + stampedVersion + " -X main.commit=" + stampedCommit, "."},
		{"build", "-o", hookBinary, "-tags", "lastaccess_testhooks", "."},
	}
	errs := make(chan error, len(builds))
	for _, args := range builds {
		go func() {
			build := exec.Command("go", args...)
			build.Stderr = os.Stderr
			errs <- build.Run()
		}()
	}
	for range builds {
		if err := <-errs; err != nil {
			panic("build lastaccess: " + err.Error())
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cli runs the built binary.
type cli struct {
	t    *testing.T
	data string
}

type result struct {
	stdout, stderr string
	code           int
}

func (c cli) run(args ...string) result {
	c.t.Helper()
	cmd := exec.Command(binary, append([]string{"--data", c.data}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "LASTACCESS_NOW=", "LASTACCESS_DATA=")
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatalf("run %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
}

func (c cli) ok(args ...string) string {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("%v: exit %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func repoPath(parts ...string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(append([]string{filepath.Dir(file), "..", ".."}, parts...)...)
}

// TestAWSSampleResponse runs the command sequence and compares the
// report with the sample response of the IAM API reference, field for
// field (JobCompletionDate equals the creation date under a fixed clock).
func TestAWSSampleResponse(t *testing.T) {
	c := cli{t, filepath.Join(t.TempDir(), "d")}
	c.ok("org", "import", repoPath("testdata", "aws-sample", "org.json"))
	summary := c.ok("ingest", repoPath("testdata", "aws-sample", "AWSLogs"))
	if !strings.Contains(summary, "14 ingested") || !strings.Contains(summary, "1 digest") {
		t.Errorf("ingest summary:\n%s", summary)
	}
	gen := c.ok("--now", "2019-06-18T19:47:31.466Z", "iam", "generate-organizations-access-report",
		"--entity-path", "o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-1a2b3c-k9l8m7n6o5example")
	var job struct{ JobId string }
	if err := json.Unmarshal([]byte(gen), &job); err != nil || len(job.JobId) != 36 {
		t.Fatalf("generate printed %q", gen)
	}
	got := c.ok("iam", "get-organizations-access-report", "--job-id", job.JobId)
	want, err := os.ReadFile(repoPath("testdata", "aws-sample", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("report differs from the sample response\n got:\n%s\nwant:\n%s", got, want)
	}
	// Ingesting the same export again stores nothing new, and the report
	// is unchanged.
	again := c.ok("ingest", repoPath("testdata", "aws-sample", "AWSLogs"))
	if !strings.Contains(again, "0 ingested, 14 duplicates") {
		t.Errorf("second ingest:\n%s", again)
	}
	c.ok("rebuild")
	gen2 := c.ok("--now", "2019-06-18T19:47:31.466Z", "iam", "generate-organizations-access-report",
		"--entity-path", "o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-1a2b3c-k9l8m7n6o5example")
	json.Unmarshal([]byte(gen2), &job)
	if got2 := c.ok("iam", "get-organizations-access-report", "--job-id", job.JobId); got2 != string(want) {
		t.Fatalf("report after re-ingest and rebuild differs:\n%s", got2)
	}
}

func TestCLIErrors(t *testing.T) {
	c := cli{t, filepath.Join(t.TempDir(), "d")}
	c.ok("org", "import", repoPath("testdata", "aws-sample", "org.json"))
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"unknown job", []string{"iam", "get-organizations-access-report", "--job-id", "00000000-0000-4000-8000-000000000000"}, 254,
			"An error occurred (NoSuchEntity) when calling the GetOrganizationsAccessReport operation: The report job 00000000-0000-4000-8000-000000000000 does not exist."},
		{"max items 1001", []string{"iam", "get-organizations-access-report", "--job-id", "00000000-0000-4000-8000-000000000000", "--max-items", "1001"}, 254,
			"An error occurred (ValidationError) when calling the GetOrganizationsAccessReport operation: 1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"unknown OU", []string{"iam", "generate-organizations-access-report", "--entity-path", "o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-1a2b3c-nothere0"}, 254,
			"An error occurred (NoSuchEntity) when calling the GenerateOrganizationsAccessReport operation:"},
		{"malformed path", []string{"iam", "generate-organizations-access-report", "--entity-path", "o-a1b2c3d4e5/r-f6g7h8i9j0example//x"}, 254,
			"An error occurred (InvalidInput) when calling the GenerateOrganizationsAccessReport operation:"},
		{"missing flag", []string{"iam", "get-organizations-access-report"}, 252, "the following arguments are required: --job-id"},
		{"bad --now", []string{"--now", "yesterday", "iam", "generate-organizations-access-report", "--entity-path", "o-a1b2c3d4e5/r-f6g7h8i9j0example"}, 252, "not an RFC 3339 time"},
		{"unknown command", []string{"frobnicate"}, 252, `unknown command "frobnicate"`},
		{"bad org file", []string{"org", "import", repoPath("testdata", "aws-sample", "expected.json")}, 254, "An error occurred (InvalidInput)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.run(tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) {
				t.Fatalf("exit %d, stderr %q; want exit %d containing %q", r.code, r.stderr, tc.code, tc.msg)
			}
		})
	}
}

func TestIngestBadFilesExitNonZero(t *testing.T) {
	c := cli{t, filepath.Join(t.TempDir(), "d")}
	dir := t.TempDir()
	good := `{"Records":[{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/a","accountId":"111122223333"},"eventTime":"2026-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","eventID":"11111111-1111-4111-8111-111111111111","eventType":"AwsApiCall"}]}`
	os.WriteFile(filepath.Join(dir, "good.json"), []byte(good), 0o644)
	os.WriteFile(filepath.Join(dir, "broken.json"), []byte(good[:len(good)/2]), 0o644)
	os.WriteFile(filepath.Join(dir, "truncated.json.gz"), []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0}, 0o644)
	r := c.run("ingest", dir)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"broken.json", "truncated.json.gz", "1 ingested"} {
		if !strings.Contains(r.stdout+r.stderr, want) {
			t.Errorf("output lacks %q:\n%s%s", want, r.stdout, r.stderr)
		}
	}
}

// TestLockedDataDirectory: a directory held by another process gives a
// clear error naming it, at once.
func TestLockedDataDirectory(t *testing.T) {
	data := filepath.Join(t.TempDir(), "d")
	opts := storage.DefaultOptions()
	opts.Owner = "lastaccess serve on 127.0.0.1:3306"
	st, err := storage.Open(data, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := cli{t, data}.run("catalog", "list")
	if r.code != 255 || !strings.Contains(r.stderr, "held by lastaccess serve on 127.0.0.1:3306 (pid") || !strings.Contains(r.stderr, "ingest --server") {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
}

func TestCatalogList(t *testing.T) {
	c := cli{t, filepath.Join(t.TempDir(), "d")}
	c.ok("org", "import", repoPath("testdata", "aws-sample", "org.json"))
	out := c.ok("catalog", "list")
	var entries []struct{ ServiceNamespace, ServiceName string }
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) < 380 {
		t.Fatalf("%d services", len(entries))
	}
	found := false
	for _, e := range entries {
		if e.ServiceNamespace == "dynamodb" && e.ServiceName == "Amazon DynamoDB" {
			found = true
		}
	}
	if !found {
		t.Fatal("dynamodb missing")
	}
}

// TestCatalogListUnknown: the event sources of stored events that the
// catalog does not know, with their counts: in the ingest summary and in
// `catalog list --unknown`; rdsdata.amazonaws.com is known (rds-data).
func TestCatalogListUnknown(t *testing.T) {
	dir := t.TempDir()
	record := func(id, source, at string) string {
		return fmt.Sprintf(`{"eventVersion":"1.08","eventID":%q,"eventTime":%q,"eventSource":%q,"eventName":"Do",`+
			`"awsRegion":"us-east-1","eventType":"AwsApiCall","userIdentity":{"type":"IAMUser","accountId":"111111111111",`+
			`"arn":"arn:aws:iam::111111111111:user/a"}}`, id, at, source)
	}
	file := filepath.Join(dir, "a.ndjson")
	os.WriteFile(file, []byte(strings.Join([]string{
		record("1", "frobnicator.amazonaws.com", "2026-10-01T00:00:00Z"),
		record("2", "frobnicator.amazonaws.com", "2026-10-03T00:00:00Z"),
		record("3", "api.widgets.example.com", "2026-10-02T00:00:00Z"),
		record("4", "rdsdata.amazonaws.com", "2026-10-02T00:00:00Z"),
		record("5", "s3.amazonaws.com", "2026-10-02T00:00:00Z"),
	}, "\n")), 0o644)
	c := cli{t, filepath.Join(dir, "d")}
	// A data directory without events (a read-only command refuses one
	// that does not exist: TestNoSurprisesOnATypo).
	c.ok("org", "import", repoPath("testdata", "aws-sample", "org.json"))
	if out := c.ok("catalog", "list", "--unknown"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("data directory without events: %q", out)
	}
	sum := c.ok("ingest", "--no-progress", file)
	if !strings.Contains(sum, "frobnicator.amazonaws.com") || !strings.Contains(sum, "api.widgets.example.com") || strings.Contains(sum, "rdsdata") {
		t.Fatalf("ingest summary:\n%s", sum)
	}
	var got []struct {
		EventSource, ServiceNamespace, LastEventTime string
		Events                                       int
	}
	out := c.ok("catalog", "list", "--unknown")
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := "api.widgets.example.com api 1 2026-10-02T00:00:00Z|frobnicator.amazonaws.com frobnicator 2 2026-10-03T00:00:00Z"
	var parts []string
	for _, g := range got {
		parts = append(parts, fmt.Sprintf("%s %s %d %s", g.EventSource, g.ServiceNamespace, g.Events, g.LastEventTime))
	}
	if strings.Join(parts, "|") != want {
		t.Fatalf("catalog list --unknown:\n%s\nwant %s", out, want)
	}
	if r := c.run("catalog", "list", "--unknown", "extra"); r.code != 252 {
		t.Fatalf("extra argument: exit %d", r.code)
	}
}
