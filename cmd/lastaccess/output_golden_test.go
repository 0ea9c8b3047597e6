package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the output goldens with the AWS CLI's own formatters (/usr/bin/python3 with Debian's awscli v2)")

// awsFormatter runs the AWS CLI's formatter (awscli.formatter, as `aws`
// calls it after an operation) on a response: what the goldens hold.
const awsFormatter = `
import sys, json, argparse, jmespath
from awscli.formatter import get_formatter
fmt, query, title = sys.argv[1], sys.argv[2], sys.argv[3]
data = json.load(sys.stdin)
args = argparse.Namespace(query=jmespath.compile(query) if query else None, color='off')
get_formatter(fmt, args)(title, data, sys.stdout)
`

// TestOutputMatchesAWSCLI: each response printed with --output through the
// built binary, and with --query, equals what the AWS CLI's formatters
// print for the same response (testdata/output/*.golden, made with
// -rewrite from awscli.formatter). One query runs through the binary too.
func TestOutputMatchesAWSCLI(t *testing.T) {
	org := cli{t, filepath.Join(t.TempDir(), "org")}
	org.ok("org", "import", repoPath("testdata", "aws-sample", "org.json"))
	org.ok("ingest", "--no-progress", repoPath("testdata", "aws-sample", "AWSLogs"))
	orgJob := strings.TrimSpace(org.ok("--now", "2019-06-18T19:47:31.466Z", "iam", "generate-organizations-access-report",
		"--entity-path", "o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-1a2b3c-k9l8m7n6o5example", "--output", "text", "--query", "JobId"))
	iam := cli{t, filepath.Join(t.TempDir(), "iam")}
	iam.ok("iam", "import", repoPath("testdata", "iam", "authorization-details.json"))
	iam.ok("ingest", "--no-progress", repoPath("testdata", "iam", "AWSLogs"))
	iamJob := strings.TrimSpace(iam.ok("--now", "2026-11-01T00:00:00Z", "iam", "generate-service-last-accessed-details",
		"--arn", "arn:aws:iam::111122223333:group/devs", "--granularity", "ACTION_LEVEL", "--query", "JobId", "--output", "text"))

	type outputCase struct {
		name, title, query string
		c                  cli
		args               []string
	}
	orgGet := []string{"iam", "get-organizations-access-report", "--job-id", orgJob}
	iamGet := []string{"iam", "get-service-last-accessed-details", "--job-id", iamJob, "--max-items", "3"}
	cases := []outputCase{
		{"org-report", "GetOrganizationsAccessReport", "", org, orgGet},
		{"org-query-hash", "GetOrganizationsAccessReport", "AccessDetails[?TotalAuthenticatedEntities > `0`].{Service: ServiceNamespace, Last: LastAuthenticatedTime, Accounts: TotalAuthenticatedEntities}", org, orgGet},
		{"org-query-first", "GetOrganizationsAccessReport", "AccessDetails[0]", org, orgGet},
		{"org-query-scalar", "GetOrganizationsAccessReport", "NumberOfServicesAccessible", org, orgGet},
		{"org-query-list", "GetOrganizationsAccessReport", "AccessDetails[].ServiceNamespace", org, orgGet},
		{"org-query-rows", "GetOrganizationsAccessReport", "AccessDetails[].[ServiceNamespace, Region]", org, orgGet},
		{"iam-action-level", "GetServiceLastAccessedDetails", "", iam, iamGet},
		{"iam-entities", "GetServiceLastAccessedDetailsWithEntities", "", iam,
			[]string{"iam", "get-service-last-accessed-details-with-entities", "--job-id", iamJob, "--service-namespace", "s3"}},
	}
	for _, tc := range cases {
		raw := tc.c.ok(tc.args...)
		if !json.Valid([]byte(raw)) {
			t.Fatalf("%s: not JSON: %s", tc.name, raw)
		}
		if tc.query != "" && tc.name == "org-query-hash" {
			want, _ := os.ReadFile(filepath.Join("testdata", "output", tc.name+".json.golden"))
			if got := tc.c.ok(append(append([]string{}, tc.args...), "--query", tc.query)...); got != string(want) {
				t.Errorf("%s through the binary:\n%s\nwant:\n%s", tc.name, got, want)
			}
		}
		for _, format := range outputFormats {
			name := tc.name + "." + format + ".golden"
			golden := filepath.Join("testdata", "output", name)
			args := append(append([]string{}, tc.args...), "--output", format)
			if tc.query != "" {
				args = append(args, "--query", tc.query)
			}
			var got string
			if tc.query == "" {
				got = tc.c.ok(args...)
			} else {
				// The query cases format the same response in-process (each
				// run of the binary costs its start-up); the formats run
				// through the binary above.
				var b bytes.Buffer
				if err := writeOutput(&b, json.RawMessage(raw), tc.title, outputOptions{format: format, query: tc.query, color: "off"}, false); err != nil {
					t.Fatal(err)
				}
				got = b.String()
			}
			if *rewrite {
				py := exec.Command("/usr/bin/python3", "-c", awsFormatter, format, tc.query, tc.title)
				py.Stdin = strings.NewReader(raw)
				var out, errb bytes.Buffer
				py.Stdout, py.Stderr = &out, &errb
				if err := py.Run(); err != nil {
					t.Fatalf("%s: the AWS CLI's formatter: %v\n%s", name, err, errb.String())
				}
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestOutputMatchesAWSCLI -args -rewrite)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the AWS CLI's output\n got:\n%s\nwant:\n%s", name, got, want)
			}
		}
	}
}
