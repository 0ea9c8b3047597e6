package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunIAM(t *testing.T) {
	dir := t.TempDir()
	out, err := runCLI(t, "-out", dir, "-preset", "sample", "-records", "200", "-accounts", "3", "-iam", "-iam-url-encoded")
	if err != nil {
		t.Fatal(err)
	}
	if out.IAMFiles != 3 {
		t.Fatalf("output %+v", out)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "iam"))
	if err != nil || len(entries) != 3 {
		t.Fatalf("iam/: %v %v", entries, err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "iam", entries[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UserDetailList []struct{ Arn string }
		Policies       []struct{ PolicyName string }
	}
	if err := json.Unmarshal(data, &d); err != nil || len(d.UserDetailList) == 0 || len(d.Policies) == 0 {
		t.Fatalf("%s: %v %+v", entries[0].Name(), err, d)
	}
	if !strings.Contains(string(data), `"PolicyDocument": "%7B`) {
		t.Fatal("documents are not URL-encoded")
	}
}
