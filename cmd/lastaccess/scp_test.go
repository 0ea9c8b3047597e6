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

// TestSCPRecommendAndDiffCLI: `scp recommend` at the Sandbox OU denies
// exactly the services the ordinary report at Sandbox shows unused for
// 180 days (minus the keep-list), with an empty impact; `report diff` of
// the ordinary report against the recommendation's what-if lists only
// those services, accessed only in the first.
func TestSCPRecommendAndDiffCLI(t *testing.T) {
	raw, err := os.ReadFile(repoPath("testdata", "sample", "org.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := sampleCLI(t, raw)
	sandbox := "o-36nzigt1zp/r-t7vr/ou-t7vr-6wfpbml6"
	var gen struct{ JobId string }
	if err := json.Unmarshal([]byte(c.ok("--now", scpNow, "iam", "generate-organizations-access-report", "--entity-path", sandbox)), &gen); err != nil {
		t.Fatal(err)
	}
	var report struct {
		AccessDetails []struct {
			ServiceNamespace      string
			LastAuthenticatedTime string
		}
	}
	if err := json.Unmarshal([]byte(c.ok("iam", "get-organizations-access-report", "--job-id", gen.JobId, "--max-items", "1000")), &report); err != nil {
		t.Fatal(err)
	}
	var unused []string
	for _, d := range report.AccessDetails {
		if d.ServiceNamespace != "iam" && (d.LastAuthenticatedTime == "" || d.LastAuthenticatedTime < "2026-05-05T00:00:00Z") { // 180 days before scpNow
			unused = append(unused, d.ServiceNamespace)
		}
	}
	if len(unused) == 0 {
		t.Fatal("the sample leaves nothing unused at Sandbox: the test cannot tell")
	}
	var rec struct {
		Policy struct {
			Statement []struct{ Effect, Resource string }
		}
		DeniedServices, LeftOut []string
		WhatIfJobId             string
		Impact                  []any
	}
	out := c.ok("--now", scpNow, "scp", "recommend", "--entity-path", sandbox, "--keep", "iam")
	if err := json.Unmarshal([]byte(out), &rec); err != nil {
		t.Fatalf("recommend printed %q: %v", out, err)
	}
	if strings.Join(rec.DeniedServices, ",") != strings.Join(unused, ",") || len(rec.LeftOut) != 0 || rec.Impact == nil || len(rec.Impact) != 0 ||
		len(rec.Policy.Statement) != 1 || rec.Policy.Statement[0].Effect != "Deny" || len(rec.WhatIfJobId) != 36 {
		t.Fatalf("recommend printed %s; the report at Sandbox leaves unused %v", out, unused)
	}
	var diff struct {
		JobType     string
		Differences []struct{ ServiceNamespace, Change string }
	}
	out = c.ok("report", "diff", "--job-id", gen.JobId, "--job-id", rec.WhatIfJobId)
	if err := json.Unmarshal([]byte(out), &diff); err != nil || diff.JobType != "ORGANIZATIONS" {
		t.Fatalf("diff printed %q: %v", out, err)
	}
	for _, d := range diff.Differences {
		if d.Change != "ACCESSED_ONLY_IN_A" || !strings.Contains(","+strings.Join(unused, ",")+",", ","+d.ServiceNamespace+",") {
			t.Errorf("difference %+v: only denied services may differ, accessed only in the ordinary report", d)
		}
	}
	var root struct{ JobId string }
	if err := json.Unmarshal([]byte(c.ok("--now", scpNow, "iam", "generate-organizations-access-report", "--entity-path", "o-36nzigt1zp/r-t7vr")), &root); err != nil {
		t.Fatal(err)
	}
	if r := c.run("report", "diff", "--job-id", gen.JobId, "--job-id", root.JobId); r.code != 254 || !strings.Contains(r.stderr, "(InvalidInput) when calling the DiffReports operation: The report jobs cover different scopes") {
		t.Errorf("mismatched diff: exit %d %s", r.code, r.stderr)
	}
	if r := c.run("report", "diff", "--job-id", gen.JobId); r.code != 252 {
		t.Errorf("one --job-id: exit %d %s", r.code, r.stderr)
	}
	if r := c.run("scp", "recommend", "--entity-path", "o-36nzigt1zp/r-t7vr/985606903142"); r.code != 254 || !strings.Contains(r.stderr, "management account") {
		t.Errorf("recommend at the management account: exit %d %s", r.code, r.stderr)
	}
}
