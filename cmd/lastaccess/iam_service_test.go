package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var rewriteIAM = flag.Bool("rewrite-iam", false, "rewrite the golden files of testdata/iam/expected")

// golden compares CLI output with testdata/iam/expected/NAME (rewritten
// with -rewrite-iam).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := repoPath("testdata", "iam", "expected", name)
	if *rewriteIAM {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -rewrite-iam to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("%s differs\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

const iamNow = "2026-11-01T00:00:00Z"

// iamCLI is a data directory with the testdata/iam fixture loaded: the
// authorization details of account 111122223333 and its CloudTrail export.
func iamCLI(t *testing.T) cli {
	t.Helper()
	c := cli{t, filepath.Join(t.TempDir(), "d")}
	out := c.ok("iam", "import", repoPath("testdata", "iam", "authorization-details.json"))
	if !strings.Contains(out, "imported account 111122223333") || !strings.Contains(out, "4 users, 2 groups, 1 roles, 2 managed policies") {
		t.Fatalf("import printed %q", out)
	}
	if sum := c.ok("ingest", repoPath("testdata", "iam", "AWSLogs")); !strings.Contains(sum, "15 ingested") {
		t.Fatalf("ingest summary:\n%s", sum)
	}
	return c
}

func (c cli) generate(args ...string) string {
	c.t.Helper()
	out := c.ok(append([]string{"--now", iamNow, "iam", "generate-service-last-accessed-details"}, args...)...)
	var job struct{ JobId string }
	if err := json.Unmarshal([]byte(out), &job); err != nil || len(job.JobId) != 36 {
		c.t.Fatalf("generate printed %q", out)
	}
	return job.JobId
}

func TestIAMServiceReportsCLI(t *testing.T) {
	c := iamCLI(t)
	// A group: members' accesses its policies allow.
	devs := c.generate("--arn", "arn:aws:iam::111122223333:group/devs")
	golden(t, "group-devs.json", c.ok("iam", "get-service-last-accessed-details", "--job-id", devs))

	// A policy attached to a user, a group and a role: its entities for s3.
	app := c.generate("--arn", "arn:aws:iam::111122223333:policy/AppAccess", "--granularity", "SERVICE_LEVEL")
	golden(t, "policy-appaccess.json", c.ok("iam", "get-service-last-accessed-details", "--job-id", app))
	golden(t, "policy-appaccess-s3-entities.json", c.ok("iam", "get-service-last-accessed-details-with-entities", "--job-id", app, "--service-namespace", "s3"))

	// Paging the entity list: two pages of 2 give the whole list.
	var whole struct{ EntityDetailsList []json.RawMessage }
	json.Unmarshal([]byte(c.ok("iam", "get-service-last-accessed-details-with-entities", "--job-id", app, "--service-namespace", "s3")), &whole)
	var page1 struct {
		EntityDetailsList []json.RawMessage
		IsTruncated       bool
		Marker            string
	}
	json.Unmarshal([]byte(c.ok("iam", "get-service-last-accessed-details-with-entities", "--job-id", app, "--service-namespace", "s3", "--max-items", "2")), &page1)
	if !page1.IsTruncated || page1.Marker == "" || len(page1.EntityDetailsList) != 2 {
		t.Fatalf("page 1: %+v", page1)
	}
	var page2 struct {
		EntityDetailsList []json.RawMessage
		IsTruncated       bool
	}
	json.Unmarshal([]byte(c.ok("iam", "get-service-last-accessed-details-with-entities", "--job-id", app, "--service-namespace", "s3", "--max-items", "2", "--marker", page1.Marker)), &page2)
	if page2.IsTruncated || len(page1.EntityDetailsList)+len(page2.EntityDetailsList) != len(whole.EntityDetailsList) || len(whole.EntityDetailsList) != 4 {
		t.Fatalf("pages %d + %d of %d", len(page1.EntityDetailsList), len(page2.EntityDetailsList), len(whole.EntityDetailsList))
	}

	// A role used only through sessions, at action level: s3's tracked
	// actions carry the management events (ListBuckets is authorized as
	// ListAllMyBuckets); lambda's UpdateFunctionCode20150331v2 is
	// UpdateFunctionCode.
	role := c.generate("--arn", "arn:aws:iam::111122223333:role/ci/deploy", "--granularity", "ACTION_LEVEL")
	var report struct {
		JobStatus, JobType   string
		ServicesLastAccessed []struct {
			ServiceNamespace           string
			LastAuthenticated          string
			LastAuthenticatedEntity    string
			LastAuthenticatedRegion    string
			TotalAuthenticatedEntities int
			TrackedActionsLastAccessed *[]struct {
				ActionName, LastAccessedEntity, LastAccessedTime, LastAccessedRegion string
			}
		}
	}
	out := c.ok("iam", "get-service-last-accessed-details", "--job-id", role, "--max-items", "1000")
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatal(err)
	}
	if report.JobStatus != "COMPLETED" || report.JobType != "ACTION_LEVEL" {
		t.Fatalf("%s %s", report.JobStatus, report.JobType)
	}
	used := map[string]string{}
	for _, s := range report.ServicesLastAccessed {
		if s.TrackedActionsLastAccessed == nil {
			continue
		}
		for _, a := range *s.TrackedActionsLastAccessed {
			if a.ActionName == "DeleteBucket" {
				t.Fatal("DeleteBucket is denied by AppAccess but listed")
			}
			if a.LastAccessedTime != "" {
				used[s.ServiceNamespace+":"+a.ActionName] = a.LastAccessedTime + " " + a.LastAccessedEntity + " " + a.LastAccessedRegion
			}
		}
		if s.ServiceNamespace == "s3" && (s.LastAuthenticated != "2026-10-29T00:00:00Z" || s.LastAuthenticatedRegion != "ap-south-1") {
			t.Fatalf("s3: %+v", s)
		}
	}
	want := map[string]string{
		"s3:ListAllMyBuckets":       "2026-10-29T00:00:00Z arn:aws:iam::111122223333:role/ci/deploy ap-south-1",
		"lambda:UpdateFunctionCode": "2026-10-26T00:00:00Z arn:aws:iam::111122223333:role/ci/deploy eu-west-1",
	}
	if len(used) != len(want) {
		t.Fatalf("used actions %v", used)
	}
	for k, v := range want {
		if used[k] != v {
			t.Fatalf("%s: %q, want %q", k, used[k], v)
		}
	}

	// Beyond ec2, iam, lambda and s3: alice (AdministratorAccess) at
	// action level lists sqs's and dynamodb's tracked actions, as AWS's
	// service reference marks them: sqs:CreateQueue is tracked (unused),
	// sqs:ListQueues, which she called, is not tracked by AWS.
	alice := c.generate("--arn", "arn:aws:iam::111122223333:user/alice", "--granularity", "ACTION_LEVEL")
	report.ServicesLastAccessed = nil
	if err := json.Unmarshal([]byte(c.ok("iam", "get-service-last-accessed-details", "--job-id", alice, "--max-items", "1000")), &report); err != nil {
		t.Fatal(err)
	}
	tracked := map[string]string{}
	for _, s := range report.ServicesLastAccessed {
		if s.TrackedActionsLastAccessed != nil {
			for _, a := range *s.TrackedActionsLastAccessed {
				tracked[s.ServiceNamespace+":"+a.ActionName] = strings.TrimSpace(a.LastAccessedTime + " " + a.LastAccessedRegion)
			}
		}
	}
	for _, a := range []string{"sqs:CreateQueue", "dynamodb:CreateTable", "kms:Decrypt"} {
		if got, ok := tracked[a]; !ok || got != "" {
			t.Errorf("%s: listed %v, used %q; want listed, unused", a, ok, got)
		}
	}
	for _, a := range []string{"sqs:ListQueues", "iam:PassRole"} {
		if _, ok := tracked[a]; ok {
			t.Errorf("%s (not tracked by AWS) is listed", a)
		}
	}

	// Policies granting access, per namespace in the order asked.
	golden(t, "policies-alice.json", c.ok("iam", "list-policies-granting-service-access", "--arn", "arn:aws:iam::111122223333:user/alice", "--service-namespaces", "s3", "iam", "lambda"))
	golden(t, "policies-carol.json", c.ok("iam", "list-policies-granting-service-access", "--service-namespaces", "sns", "iam", "--arn", "arn:aws:iam::111122223333:user/carol"))

	// Re-ingest and rebuild change nothing.
	c.ok("ingest", repoPath("testdata", "iam", "AWSLogs"))
	c.ok("rebuild")
	again := c.generate("--arn", "arn:aws:iam::111122223333:group/devs")
	// Under a fixed clock the job dates repeat, so the output is the same.
	golden(t, "group-devs.json", c.ok("iam", "get-service-last-accessed-details", "--job-id", again))
}

func TestIAMServiceCLIErrors(t *testing.T) {
	c := iamCLI(t)
	job := c.generate("--arn", "arn:aws:iam::111122223333:user/alice")
	many := []string{"iam", "list-policies-granting-service-access", "--arn", "arn:aws:iam::111122223333:user/alice", "--service-namespaces"}
	for i := 0; i < 201; i++ {
		many = append(many, "s3")
	}
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"unknown user", []string{"iam", "generate-service-last-accessed-details", "--arn", "arn:aws:iam::111122223333:user/zed"}, 254,
			"An error occurred (NoSuchEntity) when calling the GenerateServiceLastAccessedDetails operation: The user with name zed cannot be found."},
		{"malformed ARN", []string{"iam", "generate-service-last-accessed-details", "--arn", "arn:aws:iam:111122223333:user/alice"}, 254,
			"An error occurred (InvalidInput) when calling the GenerateServiceLastAccessedDetails operation:"},
		{"short ARN", []string{"iam", "generate-service-last-accessed-details", "--arn", "arn:aws:iam::1:user"}, 252,
			"\nParameter validation failed:\nInvalid length for parameter Arn, value: 19, valid min length: 20\n"},
		{"sts ARN", []string{"iam", "generate-service-last-accessed-details", "--arn", "arn:aws:sts::111122223333:assumed-role/deploy/s"}, 254, "(InvalidInput)"},
		{"unknown granularity", []string{"iam", "generate-service-last-accessed-details", "--arn", "arn:aws:iam::111122223333:user/alice", "--granularity", "RESOURCE_LEVEL"}, 254,
			"An error occurred (ValidationError) when calling the GenerateServiceLastAccessedDetails operation: 1 validation error detected: Value 'RESOURCE_LEVEL' at 'granularity' failed to satisfy constraint: Member must satisfy enum value set: [SERVICE_LEVEL, ACTION_LEVEL]"},
		{"missing --arn", []string{"iam", "generate-service-last-accessed-details"}, 252, "the following arguments are required: --arn"},
		{"unknown job", []string{"iam", "get-service-last-accessed-details", "--job-id", "00000000-0000-4000-8000-000000000000"}, 254,
			"An error occurred (NoSuchEntity) when calling the GetServiceLastAccessedDetails operation: The report job 00000000-0000-4000-8000-000000000000 does not exist."},
		{"max items 0", []string{"iam", "get-service-last-accessed-details", "--job-id", job, "--max-items", "0"}, 252,
			"\nParameter validation failed:\nInvalid value for parameter MaxItems, value: 0, valid min value: 1\n"},
		{"bad marker", []string{"iam", "get-service-last-accessed-details", "--job-id", job, "--marker", "abc"}, 254, "(InvalidInput)"},
		{"service not in report", []string{"iam", "get-service-last-accessed-details-with-entities", "--job-id", job, "--service-namespace", "nosuchsvc"}, 254,
			"An error occurred (InvalidInput) when calling the GetServiceLastAccessedDetailsWithEntities operation:"},
		{"missing namespace", []string{"iam", "get-service-last-accessed-details-with-entities", "--job-id", job}, 252, "the following arguments are required: --service-namespace"},
		{"no namespaces", []string{"iam", "list-policies-granting-service-access", "--arn", "arn:aws:iam::111122223333:user/alice", "--service-namespaces"}, 252,
			"argument --service-namespaces: expected at least one argument"},
		{"201 namespaces", many, 254,
			"An error occurred (ValidationError) when calling the ListPoliciesGrantingServiceAccess operation: 1 validation error detected: Value '[s3, s3"},
		{"policy ARN to list", []string{"iam", "list-policies-granting-service-access", "--arn", "arn:aws:iam::111122223333:policy/AppAccess", "--service-namespaces", "s3"}, 254, "(InvalidInput)"},
		{"missing both", []string{"iam", "list-policies-granting-service-access"}, 252, "the following arguments are required: --arn, --service-namespaces"},
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

func TestIAMImportCLI(t *testing.T) {
	c := cli{t, filepath.Join(t.TempDir(), "d")}
	dir := t.TempDir()
	good := repoPath("testdata", "iam", "authorization-details.json")
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	// A document that is not JSON: reported with the entity and policy.
	bad := strings.Replace(string(data), `"PolicyName": "DevS3Read",
                    "PolicyDocument": {`, `"PolicyName": "DevS3Read",
                    "PolicyDocument": "{not json", "x": {`, 1)
	if bad == string(data) {
		t.Fatal("fixture changed: DevS3Read not found")
	}
	os.WriteFile(filepath.Join(dir, "bad.json"), []byte(bad), 0o644)
	os.WriteFile(filepath.Join(dir, "notjson.json"), []byte("hello"), 0o644)
	r := c.run("iam", "import", filepath.Join(dir, "bad.json"), good, filepath.Join(dir, "notjson.json"), filepath.Join(dir, "missing.json"))
	if r.code != 1 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		`bad.json: InvalidInput: group devs: inline policy "DevS3Read": policy: invalid JSON`,
		"notjson.json: InvalidInput: not the JSON output of get-account-authorization-details",
		"missing.json",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if !strings.Contains(r.stderr, "3 of 4 files not imported") || !strings.Contains(r.stdout, "imported account 111122223333") {
		t.Fatalf("stdout %q stderr %q", r.stdout, r.stderr)
	}
	// The good file was stored: its entities have reports.
	c.generate("--arn", "arn:aws:iam::111122223333:role/ci/deploy")
}
