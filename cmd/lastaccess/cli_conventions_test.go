package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAWSCLIConventions: what the AWS CLI checks before sending is
// refused with botocore's wording and exit 252; the rest is the service's
// error (254); empty strings are values (issue 10, items 6 and 7). The
// botocore messages were taken from `aws` (v2.9) on the same command lines.
func TestAWSCLIConventions(t *testing.T) {
	c := cli{t, filepath.Join(t.TempDir(), "d")}
	c.ok("org", "import", repoPath("testdata", "aws-sample", "org.json"))
	const root = "o-a1b2c3d4e5/r-f6g7h8i9j0example"
	job := strings.TrimSpace(c.ok("iam", "generate-organizations-access-report", "--entity-path", root, "--query", "JobId", "--output", "text"))
	const job35 = "00000000-0000-4000-8000-00000000000"
	cases := []struct {
		name string
		args []string
		code int
		want string // the whole stderr for 252, a part for 254
	}{
		{"policy id empty", []string{"iam", "generate-organizations-access-report", "--entity-path", root, "--organizations-policy-id", ""}, 254,
			"An error occurred (ValidationError) when calling the GenerateOrganizationsAccessReport operation: 1 validation error detected: Value '' at 'organizationsPolicyId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^p-[0-9a-zA-Z_]{8,128}$"},
		{"granularity empty", []string{"iam", "generate-service-last-accessed-details", "--arn", "arn:aws:iam::111122223333:user/alice", "--granularity", ""}, 254,
			"Value '' at 'granularity' failed to satisfy constraint: Member must satisfy enum value set: [SERVICE_LEVEL, ACTION_LEVEL]"},
		{"sort key empty", []string{"iam", "get-organizations-access-report", "--job-id", job, "--sort-key", ""}, 254,
			"Value '' at 'sortKey' failed to satisfy constraint: Member must satisfy enum value set"},
		{"marker empty", []string{"iam", "get-organizations-access-report", "--job-id", job, "--marker", ""}, 252,
			"\nParameter validation failed:\nInvalid length for parameter Marker, value: 0, valid min length: 1\n"},
		{"namespace empty", []string{"iam", "get-service-last-accessed-details-with-entities", "--job-id", job, "--service-namespace", ""}, 252,
			"\nParameter validation failed:\nInvalid length for parameter ServiceNamespace, value: 0, valid min length: 1\n"},
		{"max items 0 and short job id", []string{"iam", "get-organizations-access-report", "--job-id", job35, "--max-items", "0"}, 252,
			"\nParameter validation failed:\nInvalid length for parameter JobId, value: 35, valid min length: 36\nInvalid value for parameter MaxItems, value: 0, valid min value: 1\n"},
		{"12-character entity path", []string{"iam", "generate-organizations-access-report", "--entity-path", "o-a1b2c3d4e5"}, 252,
			"\nParameter validation failed:\nInvalid length for parameter EntityPath, value: 12, valid min length: 19\n"},
		{"namespace list item empty", []string{"iam", "list-policies-granting-service-access", "--arn", "x", "--service-namespaces", "", "s3"}, 252,
			"\nParameter validation failed:\nInvalid length for parameter Arn, value: 1, valid min length: 20\nInvalid length for parameter ServiceNamespaces[0], value: 0, valid min length: 1\n"},
		{"max items 1001 is the service's", []string{"iam", "get-organizations-access-report", "--job-id", job, "--max-items", "1001"}, 254,
			"Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"cli-input-json", []string{"iam", "get-organizations-access-report", "--cli-input-json", `{"JobId":"short","MaxItems":"5","Foo":1,"Marker":null}`}, 252,
			"\nParameter validation failed:\nUnknown parameter in input: \"Foo\", must be one of: JobId, MaxItems, Marker, SortKey\nInvalid length for parameter JobId, value: 5, valid min length: 36\nInvalid type for parameter MaxItems, value: 5, type: <class 'str'>, valid types: <class 'int'>\nInvalid type for parameter Marker, value: None, type: <class 'NoneType'>, valid types: <class 'str'>\n"},
		{"cli-input-json missing member", []string{"iam", "get-organizations-access-report", "--cli-input-json", `{"MaxItems":0}`}, 252,
			"\nParameter validation failed:\nMissing required parameter in input: \"JobId\"\nInvalid value for parameter MaxItems, value: 0, valid min value: 1\n"},
		{"cli-input-json flags first", []string{"iam", "get-organizations-access-report", "--job-id", "123", "--cli-input-json", `{"JobId":"` + job + `","MaxItems":0}`}, 252,
			"\nParameter validation failed:\nInvalid length for parameter JobId, value: 3, valid min length: 36\nInvalid value for parameter MaxItems, value: 0, valid min value: 1\n"},
		{"cli-input-json not an object", []string{"iam", "get-organizations-access-report", "--cli-input-json", `[1]`}, 252,
			"\nError parsing parameter '--cli-input-json': Invalid type: expecting map, received <class 'list'>\n"},
		{"cli-input-json invalid", []string{"iam", "get-organizations-access-report", "--cli-input-json", `{bad`}, 252,
			"\nError parsing parameter 'cli-input-json': Invalid JSON received.\n"},
		{"bad --output", []string{"iam", "get-organizations-access-report", "--job-id", job, "--output", "xml"}, 252, "argument --output: Invalid choice"},
		{"bad --query", []string{"iam", "get-organizations-access-report", "--job-id", job, "--query", "[?"}, 252, "argument --query"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.run(tc.args...)
			ok := r.code == tc.code && strings.Contains(r.stderr, tc.want)
			if tc.code == 252 && strings.HasPrefix(tc.want, "\n") {
				ok = r.code == tc.code && r.stderr == tc.want
			}
			if !ok {
				t.Fatalf("exit %d, stderr %q; want exit %d with %q", r.code, r.stderr, tc.code, tc.want)
			}
		})
	}
	// The JSON members fill in what no flag gave; --no-paginate is accepted.
	got := c.ok("iam", "get-organizations-access-report", "--no-paginate", "--cli-input-json", `{"JobId":"`+job+`","MaxItems":1}`, "--query", "length(AccessDetails)")
	if got != "1\n" {
		t.Fatalf("--cli-input-json MaxItems 1: %q", got)
	}
	path := filepath.Join(t.TempDir(), "in.json")
	os.WriteFile(path, []byte(`{"JobId":"`+job+`","SortKey":"SERVICE_NAMESPACE_DESCENDING"}`), 0o644)
	if got := c.ok("iam", "get-organizations-access-report", "--cli-input-json", "file://"+path, "--max-items", "1", "--query", "AccessDetails[0].ServiceNamespace", "--output", "text"); got == "" || got == "a4b\n" {
		t.Fatalf("file:// input: %q", got)
	}
}

// TestEmptyAccessDetailsIsAList: a completed report that lists no service
// prints "AccessDetails": [] (as SQL's column), not nothing.
func TestEmptyAccessDetailsIsAList(t *testing.T) {
	c := cli{t, filepath.Join(t.TempDir(), "d")}
	dir := t.TempDir()
	org := `{"Organization":{"Id":"o-a1b2c3d4e5","MasterAccountId":"111111111111"},"Roots":[{"Id":"r-f6g7","Name":"Root"}],
"Accounts":[{"Id":"111111111111","Name":"m","ParentId":"r-f6g7"},{"Id":"222222222222","Name":"a","ParentId":"r-f6g7"}],
"Policies":[{"Id":"p-denyall1","Name":"DenyAll","Content":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}]}","Targets":["r-f6g7","222222222222","111111111111"]}]}`
	os.WriteFile(filepath.Join(dir, "org.json"), []byte(org), 0o644)
	c.ok("org", "import", filepath.Join(dir, "org.json"))
	job := strings.TrimSpace(c.ok("iam", "generate-organizations-access-report", "--entity-path", "o-a1b2c3d4e5/r-f6g7/222222222222", "--query", "JobId", "--output", "text"))
	got := c.ok("iam", "get-organizations-access-report", "--job-id", job, "--query", "{N: NumberOfServicesAccessible, D: AccessDetails}")
	if got != "{\n    \"N\": 0,\n    \"D\": []\n}\n" {
		t.Fatalf("got %q", got)
	}
}

// TestHelp: help when asked for exits 0 on stdout; a command line that
// cannot be parsed exits 252 (issue 18, part 2).
func TestHelp(t *testing.T) {
	c := cli{t, filepath.Join(t.TempDir(), "d")}
	overview := c.ok("help")
	for _, cmd := range commandTable() {
		if !strings.Contains(overview, "  "+cmd.path+" ") {
			t.Errorf("help lacks %s", cmd.path)
		}
		// Each command's help in-process (a run of the binary costs its
		// start-up); a few through the binary below.
		var b bytes.Buffer
		writeCommandHelp(&b, cmd, commandFlags(context.Background(), &env{}, cmd))
		help := b.String()
		if !strings.Contains(help, "usage: lastaccess [global options] "+cmd.path) || !strings.Contains(help, "example:\n  lastaccess ") {
			t.Errorf("%s --help:\n%s", cmd.path, help)
		}
	}
	for _, path := range []string{"serve", "catalog list", "ingest"} {
		var b bytes.Buffer
		cmd, _ := findCommand(commandTable(), strings.Fields(path))
		writeCommandHelp(&b, cmd, commandFlags(context.Background(), &env{}, cmd))
		if got := c.ok(append(strings.Fields(path), "--help")...); got != b.String() {
			t.Errorf("%s --help through the binary:\n%s\nwant:\n%s", path, got, b.String())
		}
	}
	if c.ok("--help") != overview || c.ok("-h") != overview {
		t.Error("--help differs from help")
	}
	help := c.ok("iam", "get-organizations-access-report", "--help")
	if help != c.ok("help", "iam", "get-organizations-access-report") || help != c.ok("iam", "get-organizations-access-report", "-h") {
		t.Error("--help, -h and help COMMAND differ")
	}
	for _, want := range []string{"--job-id JOB_ID", "(required)", "--max-items N", "--sort-key SORT_KEY", "--cli-input-json"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
	if _, err := os.Stat(c.data); err == nil {
		t.Error("help created the data directory")
	}
	for _, args := range [][]string{{}, {"frobnicate"}, {"iam"}, {"iam", "frob"}, {"help", "frob"}, {"iam", "get-organizations-access-report", "--frob"}, {"--frob"}} {
		r := c.run(args...)
		if r.code != 252 || !strings.Contains(r.stderr, "lastaccess") {
			t.Errorf("%v: exit %d, stderr %q; want 252", args, r.code, r.stderr)
		}
	}
}

// TestVersion: `version` and `--version` print the build's version and
// commit, the Go version and the storage format (issue 18, part 3).
func TestVersion(t *testing.T) {
	c := cli{t, filepath.Join(t.TempDir(), "d")}
	out := c.ok("version")
	if out != c.ok("--version") {
		t.Fatal("--version differs from version")
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "lastaccess ") || !strings.HasPrefix(lines[1], "commit: ") ||
		!strings.HasPrefix(lines[2], "go: go1.") || lines[3] != "storage format: 4" {
		t.Fatalf("version:\n%s", out)
	}
	// The Makefile's -ldflags win (TestMain builds binary with them).
	if !strings.HasPrefix(out, "lastaccess "+stampedVersion+"\ncommit: "+stampedCommit+"\n") {
		t.Fatalf("the stamped version and commit: %q", out)
	}
}

// TestNoSurprisesOnATypo: read-only commands on a missing data directory
// say so and create nothing; ingest of a missing path fails first;
// serve on a missing directory starts and says there is no data yet
// (issue 18, part 4).
func TestNoSurprisesOnATypo(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "typo")
	c := cli{t, missing}
	for _, args := range [][]string{
		{"catalog", "list"}, {"check"}, {"rebuild"},
		{"iam", "get-organizations-access-report", "--job-id", "00000000-0000-4000-8000-000000000000"},
		{"iam", "generate-organizations-access-report", "--entity-path", "o-a1b2c3d4e5/r-f6g7h8i9j0example"},
	} {
		r := c.run(args...)
		if r.code != 255 || !strings.Contains(r.stderr, "no lastaccess data directory at "+missing) || !strings.Contains(r.stderr, "lastaccess org import FILE") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
		if _, err := os.Stat(missing); !os.IsNotExist(err) {
			t.Fatalf("%v created %s", args, missing)
		}
	}
	r := c.run("ingest", "--no-progress", filepath.Join(missing, "logs"))
	if r.code != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, "lastaccess: ingest: no such file or directory: "+filepath.Join(missing, "logs")) {
		t.Fatalf("ingest of a missing path: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatal("ingest of a missing path created the data directory")
	}
}

// TestServeWithoutData: serve on a directory that does not exist starts
// (creating it) and says in its log that there is no data yet, as it does
// on the empty directory it made; on data it does not.
func TestServeWithoutData(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "new")
	p := startServe(t, missing, nil, "--insecure-no-password")
	if !strings.Contains(p.log(), "no data yet") || !strings.Contains(p.log(), "lastaccess org import FILE") {
		t.Fatalf("serve log:\n%s", p.log())
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	again := startServe(t, missing, nil, "--insecure-no-password")
	if !strings.Contains(again.log(), "no data yet") {
		t.Fatalf("serve on the empty directory:\n%s", again.log())
	}
	again.stop()
	loaded := startServe(t, loadedSample(t), nil, "--insecure-no-password")
	if strings.Contains(loaded.log(), "no data yet") {
		t.Fatalf("serve on the sample says there is no data:\n%s", loaded.log())
	}
	loaded.stop()
}
