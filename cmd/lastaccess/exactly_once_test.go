package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lastaccess/internal/gen"
)

// TestExactlyOnce: overlapping and repeated exports, the same records in
// gzipped files and in an NDJSON stream on stdin, and files in reverse
// time order all end in the state of one clean ingest.
func TestExactlyOnce(t *testing.T) {
	dir := t.TempDir()
	cfg := gen.Sample()
	cfg.Accounts, cfg.Records, cfg.RecordsPerFile = 12, 8000, 30
	cfg.DupFraction = 0.03
	org, err := gen.Organization(cfg)
	if err != nil {
		t.Fatal(err)
	}
	orgFile := filepath.Join(dir, "org.json")
	f, _ := os.Create(orgFile)
	org.WriteOrgJSON(f)
	f.Close()
	if _, err := gen.WriteExport(cfg, dir); err != nil {
		t.Fatal(err)
	}
	var ndjson bytes.Buffer
	if _, err := gen.WriteNDJSON(cfg, &ndjson); err != nil {
		t.Fatal(err)
	}
	logs := filepath.Join(dir, "AWSLogs")
	root := rootPath(t, orgFile)

	clean := cli{t, filepath.Join(t.TempDir(), "clean")}
	clean.ok("org", "import", orgFile)
	clean.ok("ingest", "--no-progress", logs)
	want := clean.check()
	wantReport := clean.report(root)

	var files []string
	filepath.WalkDir(logs, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(p, "/CloudTrail/") {
			files = append(files, p)
		}
		return nil
	})
	slices.Sort(files)
	half := files[:len(files)/2]
	reversed := slices.Clone(files)
	slices.Reverse(reversed)

	c := cli{t, filepath.Join(t.TempDir(), "messy")}
	c.ok("org", "import", orgFile)
	c.ok(append([]string{"ingest", "--no-progress"}, half...)...)                    // part of the export
	c.runStdin(ndjson.Bytes(), "ingest", "--no-progress", "-")                       // all of it as a stream
	c.ok(append([]string{"ingest", "--no-progress"}, reversed[:len(files)/3]...)...) // newest files first
	summary := c.ok("ingest", "--no-progress", logs)                                 // and everything again
	if !strings.Contains(summary, "(0 ingested") {
		t.Fatalf("the last full ingest stored something new:\n%s", summary)
	}
	if got := c.check(); got != want {
		t.Fatalf("messy ingest %+v, clean %+v", got, want)
	}
	if got := c.report(root); got != wantReport {
		t.Fatal("report after the messy ingest differs from a clean ingest's")
	}
}

func (c cli) runStdin(stdin []byte, args ...string) string {
	c.t.Helper()
	cmd := exec.Command(binary, append([]string{"--data", c.data}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Env = append(os.Environ(), "LASTACCESS_NOW=", "LASTACCESS_DATA=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		c.t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return string(out)
}
