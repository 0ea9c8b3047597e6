package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"lastaccess/engine"
	"lastaccess/storage"
)

// The AWS CLI outputs of testdata/awsorg/org: an organization with OUs
// five deep, a 23-account OU, a suspended and a pending-closure account and
// an SCP attached to nothing.
var awsOrgFixture = repoPath("testdata", "awsorg", "org")

const (
	awsOrgRoot     = "o-k2m9x7q4pz/r-k2m9"
	awsOrgDeepPath = awsOrgRoot + "/ou-k2m9-wrk0a1b2/ou-k2m9-prd0a1b2/ou-k2m9-pay0a1b2/ou-k2m9-eur0a1b2/ou-k2m9-fra0a1b2/403298765434"
	awsOrgImported = "imported organization o-k2m9x7q4pz: 9 OUs, 32 accounts (1 pending closure, 1 suspended), 6 SCPs (management account 210987654321)\n"
)

// TestOrgImportAWSCLI: `org import --aws-cli DIR` builds the organization
// from the AWS CLI's outputs, and reports see its structure and SCPs.
func TestOrgImportAWSCLI(t *testing.T) {
	t.Parallel()
	c := cli{t, filepath.Join(t.TempDir(), "d")}
	if out := c.ok("org", "import", "--aws-cli", awsOrgFixture); out != awsOrgImported {
		t.Fatalf("import printed %q", out)
	}
	checkAWSOrgReports(t, c)
}

// checkAWSOrgReports ingests the fixture's CloudTrail export and checks
// the reports that depend on the imported structure.
func checkAWSOrgReports(t *testing.T, c cli) {
	t.Helper()
	if sum := c.ok("ingest", "--no-progress", repoPath("testdata", "awsorg", "AWSLogs")); !strings.Contains(sum, "4 ingested") {
		t.Fatalf("ingest summary:\n%s", sum)
	}
	// Five OUs deep: the account's path, and DenyDynamoDB on its OU.
	deep := orgReport(t, c, awsOrgDeepPath)
	if s3 := deep["s3"]; s3.EntityPath != awsOrgDeepPath || s3.LastAuthenticatedTime != "2026-10-01T10:00:00Z" || s3.TotalAuthenticatedEntities != 1 {
		t.Errorf("s3 at the account five OUs deep: %+v", s3)
	}
	if _, listed := deep["dynamodb"]; listed {
		t.Error("dynamodb listed although the SCP on ou-k2m9-fra0a1b2 denies it")
	}
	// The suspended account is in the organization, and its accesses count.
	root := orgReport(t, c, awsOrgRoot)
	suspended := awsOrgRoot + "/ou-k2m9-sus0a1b2/604598765431"
	if s3 := root["s3"]; s3.EntityPath != suspended || s3.LastAuthenticatedTime != "2026-10-03T08:15:00Z" || s3.TotalAuthenticatedEntities != 2 {
		t.Errorf("s3 at the root: %+v", s3)
	}
	if _, listed := root["dynamodb"]; !listed {
		t.Error("dynamodb not listed at the root")
	}
	// The SCP attached to nothing applies to no account: no data.
	unused := orgReport(t, c, awsOrgRoot, "--organizations-policy-id", "p-9fy3j6ke")
	if s3 := unused["s3"]; s3.TotalAuthenticatedEntities != 0 || s3.LastAuthenticatedTime != "" {
		t.Errorf("s3 under the SCP attached to nothing: %+v", s3)
	}
}

type orgAccessDetail struct {
	EntityPath, LastAuthenticatedTime string
	TotalAuthenticatedEntities        int
}

// orgReport generates an Organizations access report and returns its
// services by namespace.
func orgReport(t *testing.T, c cli, path string, extra ...string) map[string]orgAccessDetail {
	t.Helper()
	gen := c.ok(append([]string{"--now", "2026-11-01T00:00:00Z", "iam", "generate-organizations-access-report", "--entity-path", path}, extra...)...)
	var job struct{ JobId string }
	if err := json.Unmarshal([]byte(gen), &job); err != nil {
		t.Fatalf("generate printed %q", gen)
	}
	var report struct {
		JobStatus     string
		AccessDetails []struct {
			ServiceNamespace string
			orgAccessDetail
		}
	}
	if err := json.Unmarshal([]byte(c.ok("iam", "get-organizations-access-report", "--job-id", job.JobId, "--max-items", "1000")), &report); err != nil || report.JobStatus != "COMPLETED" {
		t.Fatalf("report %s: %v %+v", path, err, report)
	}
	out := map[string]orgAccessDetail{}
	for _, d := range report.AccessDetails {
		out[d.ServiceNamespace] = d.orgAccessDetail
	}
	return out
}

// TestOrgImportAWSCLIRejected: a directory with a missing, cut or
// malformed file, or whose organization the engine rejects, is named in
// the error, and the organization imported before is kept as it was.
func TestOrgImportAWSCLIRejected(t *testing.T) {
	t.Parallel()
	c := cli{t, filepath.Join(t.TempDir(), "d")}
	c.ok("org", "import", repoPath("testdata", "sample", "org.json"))
	before := storedOrgSnapshot(t, c.data)
	sample, _ := os.ReadFile(repoPath("testdata", "sample", "org.json"))
	if !bytes.Equal(before, sample) {
		t.Fatal("the stored snapshot is not the imported file")
	}
	cases := []struct {
		name string
		file string               // relative to the directory; "" for none
		edit func(p string) error // changes the file at p
		code int
		want string // after the directory's path
	}{
		{"OU file five deep missing", "list-organizational-units-for-parent/ou-k2m9-fra0a1b2.json", os.Remove, 254,
			"/list-organizational-units-for-parent/ou-k2m9-fra0a1b2.json: missing: the output of `aws organizations list-organizational-units-for-parent --parent-id ou-k2m9-fra0a1b2` is needed"},
		{"accounts listing cut", "list-accounts-for-parent/ou-k2m9-sbx0a1b2.json", func(p string) error {
			return editFile(p, "\n    ]\n}", "\n    ],\n    \"NextToken\": \"eyJOZXh0VG9rZW4iOiAidG9rMSJ9\"\n}")
		}, 254, "/list-accounts-for-parent/ou-k2m9-sbx0a1b2.json: the listing was cut: it ends with a NextToken"},
		{"describe-policy truncated", "describe-policy/p-FullAWSAccess.json", func(p string) error {
			return editFile(p, "\"Content\"", "\"Cont")
		}, 254, "/describe-policy/p-FullAWSAccess.json: not the JSON `aws organizations describe-policy --policy-id p-FullAWSAccess` prints"},
		{"list-roots missing", "list-roots.json", os.Remove, 254, "/list-roots.json: missing"},
		{"target outside the organization", "list-targets-for-policy/p-9fy3j6ke.json", func(p string) error {
			return os.WriteFile(p, []byte(`{"Targets": [{"TargetId": "999999999999", "Type": "ACCOUNT"}]}`), 0o644)
		}, 254, `: organization snapshot: policy p-9fy3j6ke (QuarantineAccount): target "999999999999" does not exist`},
		{"an account without an SCP", "list-targets-for-policy/p-FullAWSAccess.json", func(p string) error {
			return editFile(p, `
        {
            "TargetId": "504398765001",
            "Arn": "arn:aws:organizations::210987654321:account/o-k2m9x7q4pz/504398765001",
            "Name": "sandbox-01",
            "Type": "ACCOUNT"
        },`, "")
		}, 254, ": organization snapshot: every root, OU and account needs at least one SCP attached once policies are present; none attached to: 504398765001"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyTree(t, awsOrgFixture)
			if err := tc.edit(filepath.Join(dir, filepath.FromSlash(tc.file))); err != nil {
				t.Fatal(err)
			}
			r := c.run("org", "import", "--aws-cli", dir)
			want := "An error occurred (InvalidInput) when calling the ImportOrganization operation: " + dir + tc.want
			if r.code != tc.code || !strings.Contains(r.stderr, want) || r.stdout != "" {
				t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant exit %d and %q", r.code, r.stdout, r.stderr, tc.code, want)
			}
		})
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no such directory", []string{"--aws-cli", filepath.Join(t.TempDir(), "nothere")}, 255, "nothere: no such file or directory"},
		{"a file and a directory", []string{"--aws-cli", awsOrgFixture, "org.json"}, 252, "usage: lastaccess org import FILE | lastaccess org import --aws-cli DIR"},
		{"an empty directory name", []string{"--aws-cli="}, 252, "--aws-cli needs a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.run(append([]string{"org", "import"}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, tc.code, tc.want)
			}
		})
	}
	if after := storedOrgSnapshot(t, c.data); !bytes.Equal(after, before) {
		t.Fatalf("a rejected import changed the stored organization:\n%s", after)
	}
	// A snapshot file the engine rejects names the file, too.
	r := c.run("org", "import", repoPath("testdata", "aws-sample", "expected.json"))
	if want := "when calling the ImportOrganization operation: " + repoPath("testdata", "aws-sample", "expected.json") + ": organization snapshot:"; r.code != 254 || !strings.Contains(r.stderr, want) {
		t.Fatalf("exit %d, stderr %q; want %q", r.code, r.stderr, want)
	}
}

// storedOrgSnapshot opens the data directory and returns the organization
// snapshot stored in it.
func storedOrgSnapshot(t *testing.T, data string) []byte {
	t.Helper()
	st, err := storage.Open(data, storage.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng, err := engine.Open(st, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if eng.Organization() == nil {
		t.Fatal("no organization stored")
	}
	return eng.Organization().Snapshot()
}

// TestOrgSnapshotScript runs scripts/org-snapshot.sh with a fake `aws` on
// PATH that replays the fixture (and fails on any other command line),
// then imports what it wrote and reports on it.
func TestOrgSnapshotScript(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "snapshot")
	log := filepath.Join(t.TempDir(), "aws.log")
	r := runOrgSnapshot(t, fakeAWSEnv(log), out)
	if r.code != 0 || r.stdout != "wrote "+out+": 9 OUs, 32 accounts, 6 SCPs (35 aws calls)\nnext: lastaccess org import --aws-cli "+out+"\n" {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	sameTree(t, out, awsOrgFixture, nil)
	// Exactly the commands the layout names, each once.
	calls, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSpace(string(calls)), "\n")
	slices.Sort(got)
	if want := fixtureCommands(t); !slices.Equal(got, want) {
		t.Fatalf("aws calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	c := cli{t, filepath.Join(t.TempDir(), "d")}
	if imported := c.ok("org", "import", "--aws-cli", out); imported != awsOrgImported {
		t.Fatalf("import printed %q", imported)
	}
	checkAWSOrgReports(t, c)
}

// TestOrgSnapshotScriptFailures: a failing aws call, a directory in use
// or a wrong command line stop the script with a clear error and leave no
// snapshot behind.
func TestOrgSnapshotScriptFailures(t *testing.T) {
	t.Parallel()
	t.Run("an aws call fails", func(t *testing.T) {
		parent := t.TempDir()
		out := filepath.Join(parent, "snapshot")
		r := runOrgSnapshot(t, append(fakeAWSEnv(""), "FAKE_AWS_DENY=list-accounts-for-parent"), out)
		if r.code != 1 || !strings.Contains(r.stderr, "An error occurred (AccessDeniedException) when calling the ListAccountsForParent operation") ||
			!strings.Contains(r.stderr, "org-snapshot: `aws organizations list-accounts-for-parent --parent-id r-k2m9 --output json` failed (above); run it as the management account or a delegated administrator") {
			t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
		}
		if left, _ := os.ReadDir(parent); len(left) != 0 {
			t.Fatalf("left behind: %v", left)
		}
	})
	t.Run("a directory that is not empty", func(t *testing.T) {
		out := t.TempDir()
		keep := filepath.Join(out, "keep.txt")
		os.WriteFile(keep, []byte("mine"), 0o644)
		r := runOrgSnapshot(t, fakeAWSEnv(""), out)
		if data, _ := os.ReadFile(keep); r.code != 1 || !strings.Contains(r.stderr, out+" exists and is not empty; give a new directory") || string(data) != "mine" {
			t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
		}
	})
	t.Run("an empty directory is filled", func(t *testing.T) {
		out := t.TempDir()
		if r := runOrgSnapshot(t, fakeAWSEnv(""), out); r.code != 0 {
			t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
		}
		sameTree(t, out, awsOrgFixture, nil)
	})
	t.Run("no directory given", func(t *testing.T) {
		if r := runOrgSnapshot(t, fakeAWSEnv("")); r.code != 2 || !strings.Contains(r.stderr, "usage: scripts/org-snapshot.sh DIR") {
			t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
		}
	})
	t.Run("the fake aws fails on a command line it does not expect", func(t *testing.T) {
		for _, args := range [][]string{
			{"organizations", "list-accounts", "--output", "json"},
			{"organizations", "list-policies", "--output", "json"},
			{"organizations", "describe-organization"},
			{"organizations", "list-accounts-for-parent", "--parent-id", "../list-roots", "--output", "json"},
		} {
			cmd := exec.Command(repoPath("testdata", "awsorg", "bin", "aws"), args...)
			cmd.Env = fakeAWSEnv("")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 252 || !strings.Contains(stderr.String(), "unexpected command line") {
				t.Errorf("%v: %v %s", args, err, stderr.String())
			}
		}
	})
}

// TestAWSCLIPrintsFixtures: the real AWS CLI, asked against a local
// endpoint that answers the Organizations API from the fixture two items
// a page (AWS pages hold up to 20), follows every NextToken and prints
// exactly the fixture's file, for each of the seven commands: the fixtures
// are shaped as the AWS CLI prints them. Skipped without an `aws` on PATH
// (.ci/run installs Debian's awscli).
func TestAWSCLIPrintsFixtures(t *testing.T) {
	t.Parallel()
	env, stub := realAWSCLI(t)
	for _, tc := range []struct {
		file string
		args []string
	}{
		{"describe-organization.json", []string{"describe-organization"}},
		{"list-roots.json", []string{"list-roots"}},
		{"list-organizational-units-for-parent/r-k2m9.json", []string{"list-organizational-units-for-parent", "--parent-id", "r-k2m9"}},
		{"list-accounts-for-parent/ou-k2m9-sbx0a1b2.json", []string{"list-accounts-for-parent", "--parent-id", "ou-k2m9-sbx0a1b2"}},
		{"list-policies.json", []string{"list-policies", "--filter", "SERVICE_CONTROL_POLICY"}},
		{"describe-policy/p-7hx2m9ra.json", []string{"describe-policy", "--policy-id", "p-7hx2m9ra"}},
		{"list-targets-for-policy/p-FullAWSAccess.json", []string{"list-targets-for-policy", "--policy-id", "p-FullAWSAccess"}},
	} {
		cmd := exec.Command("aws", append(append([]string{"organizations"}, tc.args...), "--output", "json")...)
		cmd.Env = env
		cmd.Path = filepath.Join(strings.TrimPrefix(strings.Split(env[0], string(os.PathListSeparator))[0], "PATH="), "aws")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		got, err := cmd.Output()
		if err != nil {
			t.Fatalf("aws %v: %v\n%s", tc.args, err, stderr.String())
		}
		want, _ := os.ReadFile(filepath.Join(awsOrgFixture, filepath.FromSlash(tc.file)))
		if !bytes.Equal(got, accountStateAsPrinted(got, want)) {
			t.Errorf("aws organizations %v prints other than %s:\n%s", tc.args, tc.file, got)
		}
	}
	// Later pages: 1 of the root's 4 OUs, 11 of the 23 accounts, 2 of the 6
	// SCPs, 20 of FullAWSAccess's 42 targets.
	if stub.pages != 1+11+2+20 {
		t.Errorf("the AWS CLI asked for %d later pages, want 34", stub.pages)
	}
}

// TestOrgSnapshotRealAWSCLI runs scripts/org-snapshot.sh with the real AWS
// CLI against the same endpoint: 35 AWS CLI processes, a minute or more
// on 2 cores, so only with LASTACCESS_AWSCLI_FULL=1.
func TestOrgSnapshotRealAWSCLI(t *testing.T) {
	t.Parallel()
	if os.Getenv("LASTACCESS_AWSCLI_FULL") == "" {
		t.Skip("LASTACCESS_AWSCLI_FULL=1 runs it")
	}
	env, stub := realAWSCLI(t)
	out := filepath.Join(t.TempDir(), "snapshot")
	if r := runOrgSnapshot(t, env, out); r.code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	sameTree(t, out, awsOrgFixture, accountStateAsPrinted)
	if stub.pages < 12 {
		t.Errorf("the AWS CLI asked for %d later pages; the 23-account OU alone has 11", stub.pages)
	}
	c := cli{t, filepath.Join(t.TempDir(), "d")}
	if imported := c.ok("org", "import", "--aws-cli", out); imported != awsOrgImported {
		t.Fatalf("import printed %q", imported)
	}
}

// realAWSCLI starts the Organizations endpoint over the fixture and
// returns the environment in which `aws` talks to it, with throwaway
// credentials and timestamps printed as ISO 8601 (AWS CLI v2's default;
// v1 prints them as it receives them unless told).
func realAWSCLI(t *testing.T) ([]string, *organizationsStub) {
	t.Helper()
	real, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("no aws on PATH")
	}
	stub := &organizationsStub{t: t, dir: awsOrgFixture}
	srv := httptest.NewServer(stub)
	t.Cleanup(srv.Close)
	home := t.TempDir()
	config := filepath.Join(home, "config")
	if err := os.WriteFile(config, []byte("[default]\ncli_timestamp_format = iso8601\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// AWS CLI versions before 2.13 (Debian 12 has 2.9) ignore
	// AWS_ENDPOINT_URL; --endpoint-url, added by a wrapper first on PATH,
	// works in all.
	bin := filepath.Join(home, "bin")
	wrapper := fmt.Sprintf("#!/bin/sh\nexec %q --endpoint-url %q \"$@\"\n", real, srv.URL)
	if err := os.MkdirAll(bin, 0o755); err != nil || os.WriteFile(filepath.Join(bin, "aws"), []byte(wrapper), 0o755) != nil {
		t.Fatal("cannot write the aws wrapper")
	}
	env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
		"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + config, "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"), "HOME=" + home, "TZ=UTC",
		"AWS_EC2_METADATA_DISABLED=true"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "TZ=") && !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	return env, stub
}

// organizationsStub answers the seven Organizations operations the script
// calls (JSON 1.1 protocol) from a directory in the script's layout,
// cutting each listing into pages of two as AWS cuts them into pages of
// up to 20, and sending timestamps as the API does (epoch seconds).
type organizationsStub struct {
	t   *testing.T
	dir string

	mu    sync.Mutex
	pages int // requests that carried a NextToken
}

var isoTimestamp = regexp.MustCompile(`"JoinedTimestamp": "([^"]+)"`)

func (s *organizationsStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in struct{ ParentId, PolicyId, Filter, NextToken string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSOrganizationsV20161128.")
	var file, list string
	switch op {
	case "DescribeOrganization":
		file = "describe-organization.json"
	case "ListRoots":
		file, list = "list-roots.json", "Roots"
	case "ListOrganizationalUnitsForParent":
		file, list = "list-organizational-units-for-parent/"+in.ParentId+".json", "OrganizationalUnits"
	case "ListAccountsForParent":
		file, list = "list-accounts-for-parent/"+in.ParentId+".json", "Accounts"
	case "ListPolicies":
		file, list = "list-policies.json", "Policies"
		if in.Filter != "SERVICE_CONTROL_POLICY" {
			file = ""
		}
	case "DescribePolicy":
		file = "describe-policy/" + in.PolicyId + ".json"
	case "ListTargetsForPolicy":
		file, list = "list-targets-for-policy/"+in.PolicyId+".json", "Targets"
	}
	data, err := os.ReadFile(filepath.Join(s.dir, filepath.FromSlash(file)))
	if file == "" || strings.Contains(in.ParentId+in.PolicyId, "/") || err != nil {
		s.t.Errorf("unexpected request %s %+v", op, in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":"InvalidInputException","Message":"unexpected request %s"}`, op)
		return
	}
	data = isoTimestamp.ReplaceAllFunc(data, func(m []byte) []byte {
		ts, err := time.Parse(time.RFC3339Nano, string(isoTimestamp.FindSubmatch(m)[1]))
		if err != nil {
			s.t.Errorf("%s: %v", file, err)
		}
		return []byte(`"JoinedTimestamp": ` + strconv.FormatFloat(float64(ts.UnixMicro())/1e6, 'f', -1, 64))
	})
	if list != "" {
		var whole map[string][]json.RawMessage
		if err := json.Unmarshal(data, &whole); err != nil {
			s.t.Errorf("%s: %v", file, err)
		}
		items, start := whole[list], 0
		if in.NextToken != "" {
			s.mu.Lock()
			s.pages++
			s.mu.Unlock()
			start, _ = strconv.Atoi(strings.TrimPrefix(in.NextToken, "page-"))
		}
		end := min(start+2, len(items))
		page := map[string]any{list: items[start:end]}
		if end < len(items) {
			page["NextToken"] = fmt.Sprintf("page-%d", end)
		}
		data, _ = json.Marshal(page)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Write(data)
}

func runOrgSnapshot(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command("bash", append([]string{repoPath("scripts", "org-snapshot.sh")}, args...)...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{stdout.String(), stderr.String(), code}
}

// fakeAWSEnv puts the fake aws first on PATH, serving the fixture.
func fakeAWSEnv(log string) []string {
	env := []string{"PATH=" + repoPath("testdata", "awsorg", "bin") + string(os.PathListSeparator) + os.Getenv("PATH"),
		"FAKE_AWS_FIXTURES=" + awsOrgFixture, "FAKE_AWS_LOG=" + log}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "FAKE_AWS_") {
			env = append(env, kv)
		}
	}
	return env
}

// fixtureCommands is the command line each fixture file is the output
// of, sorted.
func fixtureCommands(t *testing.T) []string {
	var cmds []string
	err := filepath.WalkDir(awsOrgFixture, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(awsOrgFixture, p)
		folder, name := filepath.Split(strings.TrimSuffix(filepath.ToSlash(rel), ".json"))
		arg := map[string]string{"list-organizational-units-for-parent/": "--parent-id", "list-accounts-for-parent/": "--parent-id",
			"describe-policy/": "--policy-id", "list-targets-for-policy/": "--policy-id"}[folder]
		switch {
		case arg != "":
			cmds = append(cmds, fmt.Sprintf("aws organizations %s %s %s --output json", strings.TrimSuffix(folder, "/"), arg, name))
		case name == "list-policies":
			cmds = append(cmds, "aws organizations list-policies --filter SERVICE_CONTROL_POLICY --output json")
		default:
			cmds = append(cmds, "aws organizations "+name+" --output json")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(cmds)
	return cmds
}

// accountStateLine is the member Account.State, which AWS added in 2025.
var accountStateLine = regexp.MustCompile(`(?m)^ *"State": "[A-Z_]+",\n`)

// accountStateAsPrinted returns the fixture want as an AWS CLI prints it
// whose output got has no Account.State: the AWS CLI prints only the
// members its own copy of the API model knows (Debian 12's 2.9 predates
// State), so such a version drops it.
func accountStateAsPrinted(got, want []byte) []byte {
	if bytes.Contains(got, []byte(`"State": `)) {
		return want
	}
	return accountStateLine.ReplaceAll(want, nil)
}

// sameTree fails unless the two directories hold the same files with the
// same bytes (after asPrinted(got file, want file), when given).
func sameTree(t *testing.T, got, want string, asPrinted func(got, want []byte) []byte) {
	t.Helper()
	read := func(root string) map[string]string {
		files := map[string]string{}
		err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			rel, _ := filepath.Rel(root, p)
			files[filepath.ToSlash(rel)] = string(data)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	g, w := read(got), read(want)
	for name, data := range w {
		if asPrinted != nil {
			data = string(asPrinted([]byte(g[name]), []byte(data)))
		}
		if g[name] != data {
			t.Errorf("%s differs from the fixture:\n%s", name, g[name])
		}
	}
	for name := range g {
		if _, ok := w[name]; !ok {
			t.Errorf("%s: not in the fixture", name)
		}
	}
}

// copyTree copies a directory of files into a new temporary directory.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if e.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// editFile replaces the one occurrence of old in the file.
func editFile(p, old, new string) error {
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	if bytes.Count(data, []byte(old)) != 1 {
		return fmt.Errorf("%s: no single %q", p, old)
	}
	return os.WriteFile(p, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644)
}
