package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const scpNow = "2026-11-01T00:00:00Z"

// sampleCLI is a data directory holding the bundled sample's events and
// the organization snapshot given.
func sampleCLI(t *testing.T, org []byte) cli {
	t.Helper()
	c := cli{t, filepath.Join(t.TempDir(), "d")}
	file := filepath.Join(t.TempDir(), "org.json")
	if err := os.WriteFile(file, org, 0o644); err != nil {
		t.Fatal(err)
	}
	c.ok("org", "import", file)
	c.ok("ingest", repoPath("testdata", "sample", "AWSLogs"))
	return c
}

// editedSampleOrg is the sample organization with the change set of
// TestSCPWhatIfCLI made by hand on its JSON.
func editedSampleOrg(t *testing.T, raw []byte) []byte {
	t.Helper()
	var org map[string]any
	if err := json.Unmarshal(raw, &org); err != nil {
		t.Fatal(err)
	}
	for _, p := range org["Policies"].([]any) {
		pol := p.(map[string]any)
		switch pol["Id"] {
		case "p-58vblccv":
			pol["Targets"] = []any{"ou-t7vr-ce2olsx3"}
		case "p-lv20s4b8":
			pol["Targets"] = []any{}
		case "p-o3j8ttyq":
			pol["Content"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["cloudwatch:*","dynamodb:*","ec2:*","iam:*","lambda:*","s3:*","sts:*"],"Resource":"*"}]}`
		}
	}
	out, err := json.Marshal(org)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSCPWhatIfCLI: `scp what-if`'s JobId is an ordinary Organizations
// report job that `iam get-organizations-access-report` prints exactly as
// for a second data directory whose organization has the changes made by
// hand; the impact names only services the change denies.
func TestSCPWhatIfCLI(t *testing.T) {
	raw, err := os.ReadFile(repoPath("testdata", "sample", "org.json"))
	if err != nil {
		t.Fatal(err)
	}
	cur, edited := sampleCLI(t, raw), sampleCLI(t, editedSampleOrg(t, raw))
	changes := filepath.Join(t.TempDir(), "changes.json")
	if err := os.WriteFile(changes, []byte(`[
  {"Attach": {"PolicyId": "p-58vblccv"}, "Target": "ou-t7vr-ce2olsx3"},
  {"Detach": "p-lv20s4b8", "Target": "r-t7vr"},
  {"Replace": "p-o3j8ttyq", "Content": {"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["cloudwatch:*","dynamodb:*","ec2:*","iam:*","lambda:*","s3:*","sts:*"],"Resource":"*"}]}}
]`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"o-36nzigt1zp/r-t7vr", "o-36nzigt1zp/r-t7vr/ou-t7vr-ce2olsx3", "o-36nzigt1zp/r-t7vr/ou-t7vr-6wfpbml6"} {
		out := cur.ok("--now", scpNow, "scp", "what-if", "--entity-path", path, "--changes", changes, "--days", "400")
		var res struct {
			JobId  string
			Impact []struct {
				ServiceNamespace string
				Accounts         []struct{ AccountId string }
			}
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.JobId) != 36 || res.Impact == nil {
			t.Fatalf("what-if printed %q (%v)", out, err)
		}
		for _, im := range res.Impact {
			if im.ServiceNamespace != "events" && im.ServiceNamespace != "rds" {
				t.Errorf("%s: impact on %s, which the change does not deny", path, im.ServiceNamespace)
			}
		}
		got := cur.ok("iam", "get-organizations-access-report", "--job-id", res.JobId, "--max-items", "1000")
		job := edited.ok("--now", scpNow, "iam", "generate-organizations-access-report", "--entity-path", path)
		var gen struct{ JobId string }
		if err := json.Unmarshal([]byte(job), &gen); err != nil {
			t.Fatal(err)
		}
		want := edited.ok("iam", "get-organizations-access-report", "--job-id", gen.JobId, "--max-items", "1000")
		if got != want {
			t.Errorf("%s: the what-if's report differs from the edited organization's:\n%s\n%s", path, got, want)
		}
	}
	// Errors: the engine's codes, exit 254; a missing flag is a usage error.
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`[{"Detach": "p-lv20s4b8", "Target": "ou-t7vr-ce2olsx3"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := cur.run("scp", "what-if", "--entity-path", "o-36nzigt1zp/r-t7vr", "--changes", bad)
	if r.code != 254 || !strings.Contains(r.stderr, "An error occurred (InvalidInput) when calling the SCPWhatIf operation: change 1: the policy p-lv20s4b8 is not attached to ou-t7vr-ce2olsx3") {
		t.Errorf("bad change set: exit %d, %s", r.code, r.stderr)
	}
	if r := cur.run("scp", "what-if", "--entity-path", "o-36nzigt1zp/r-t7vr"); r.code != 252 {
		t.Errorf("no --changes: exit %d, %s", r.code, r.stderr)
	}
}
