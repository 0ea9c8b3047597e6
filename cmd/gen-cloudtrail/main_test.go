package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (output, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(args, &stdout, &stderr)
	var out output
	if err == nil {
		if jerr := json.Unmarshal(stdout.Bytes(), &out); jerr != nil {
			t.Fatalf("stdout is not the manifest JSON: %v\n%s", jerr, stdout.String())
		}
	}
	return out, err
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	out, err := runCLI(t, "-out", dir, "-preset", "sample", "-records", "400", "-accounts", "5",
		"-seed", "42", "-records-per-file", "25", "-dup-fraction", "0.05", "-noise-fraction", "0.2",
		"-start", "2026-01-01", "-end", "2026-03-01T00:00:00Z", "-org-trail", "-ndjson")
	if err != nil {
		t.Fatal(err)
	}
	m := out.Manifest
	if out.Seed != 42 || m.Records != 400 || m.Files == 0 || m.Duplicates == 0 {
		t.Errorf("output %+v", out)
	}
	var org struct {
		Organization struct{ Id string }
		Accounts     []struct{ Id string }
	}
	data, err := os.ReadFile(filepath.Join(dir, "org.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &org); err != nil || len(org.Accounts) != 5 || org.Organization.Id != m.OrganizationID {
		t.Fatalf("org.json: %v %+v", err, org)
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "AWSLogs", org.Organization.Id, "*", "CloudTrail", "*", "2026", "0[12]", "*", "*.jsonl.gz"))
	if len(logs) != m.Files {
		t.Errorf("%d organization-trail NDJSON files in Jan-Feb 2026, manifest says %d", len(logs), m.Files)
	}

	// The same flags give the same manifest; -force replaces the output.
	again, err := runCLI(t, "-out", dir, "-force", "-preset", "sample", "-records", "400", "-accounts", "5",
		"-seed", "42", "-records-per-file", "25", "-dup-fraction", "0.05", "-noise-fraction", "0.2",
		"-start", "2026-01-01", "-end", "2026-03-01T00:00:00Z", "-org-trail", "-ndjson")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(out)
	b, _ := json.Marshal(again)
	if !bytes.Equal(a, b) {
		t.Errorf("different output for the same flags:\n%s\n%s", a, b)
	}
	if _, err := runCLI(t, "-out", dir, "-records", "10"); err == nil || !strings.Contains(err.Error(), "AWSLogs") {
		t.Errorf("writing over an export without -force: %v", err)
	}
}

func TestRunStdout(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-out", "-", "-records", "300"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	var out output
	if err := json.Unmarshal(stderr.Bytes(), &out); err != nil {
		t.Fatalf("stderr is not the manifest: %v\n%s", err, stderr.String())
	}
	if n := strings.Count(stdout.String(), "\n"); n != 300 || out.Manifest.Records != 300 {
		t.Errorf("%d lines, manifest %+v", n, out.Manifest)
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{},
		{"-out", dir, "-preset", "galaxy"},
		{"-out", dir, "-accounts", "0"},
		{"-out", dir, "-start", "yesterday"},
		{"-out", dir, "-noise-fraction", "2"},
		{"-out", dir, "extra"},
	} {
		if _, err := runCLI(t, args...); err == nil {
			t.Errorf("run(%q) = nil error", args)
		}
	}
}
