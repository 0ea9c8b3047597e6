package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Debian's AWS CLI v2, which .ci/run installs; this machine's PATH may
// put another aws first.
const debianAWS = "/usr/bin/aws"

const (
	testAWSKey    = "AKIALASTACCESSTEST00"
	testAWSSecret = "test/secret+value"
)

func requireAWSCLI(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(debianAWS); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: .ci/run installs Debian's awscli", debianAWS)
		}
		t.Skipf("%s is missing (Debian: apt-get install awscli; .ci/run installs it)", debianAWS)
	}
}

// awsAddr is the address the server's AWS API listens on, from its log.
func (p *serveProc) awsAddr() string {
	for _, line := range strings.Split(p.log(), "\n") {
		for _, f := range strings.Fields(line) {
			if a, ok := strings.CutPrefix(f, "aws_listen="); ok {
				return a
			}
		}
	}
	p.t.Fatalf("serve did not log aws_listen:\n%s", p.log())
	return ""
}

// awsEnv is a client environment with only the test key and a region.
func awsEnv(t *testing.T) []string {
	home := t.TempDir()
	return []string{"HOME=" + home, "PATH=/usr/bin:/bin", "LANG=C.UTF-8",
		"AWS_ACCESS_KEY_ID=" + testAWSKey, "AWS_SECRET_ACCESS_KEY=" + testAWSSecret,
		"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none")}
}

// runAWS runs the AWS CLI commands at most 4 at a time (its start costs
// a second of CPU) and returns their stdout, failing on any error.
func runAWS(t *testing.T, endpoint string, commands [][]string) []string {
	t.Helper()
	out := make([]string, len(commands))
	errs := make([]error, len(commands))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, args := range commands {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cmd := exec.Command(debianAWS, append(args, "--endpoint-url", endpoint)...)
			cmd.Env = awsEnv(t)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				errs[i] = fmt.Errorf("aws %v: %v\n%s", args, err, stderr.String())
			}
			out[i] = stdout.String()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return out
}

// normalizeJSON parses output and rewrites every timestamp to one form:
// the AWS CLI prints 2026-11-22T00:00:00+00:00 where lastaccess prints
// 2026-11-22T00:00:00Z.
func normalizeJSON(t *testing.T, text string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("not JSON (%v):\n%s", err, text)
	}
	var walk func(any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				v[k] = walk(x)
			}
		case []any:
			for i, x := range v {
				v[i] = walk(x)
			}
		case string:
			if ts, err := time.Parse(time.RFC3339Nano, v); err == nil && strings.Contains(v, "T") {
				return ts.UTC().Format(time.RFC3339Nano)
			}
		}
		return v
	}
	return walk(v)
}

func jobIDIn(t *testing.T, out string) string {
	t.Helper()
	var job struct{ JobId string }
	if err := json.Unmarshal([]byte(out), &job); err != nil || len(job.JobId) != 36 {
		t.Fatalf("generate printed %q", out)
	}
	return job.JobId
}

// TestServeAWSCLI runs the seeds' commands through Debian's AWS CLI
// against `lastaccess serve --aws-listen`, then, with the server
// stopped, the same Gets for the same jobs through `lastaccess iam`: the
// JSON is the same (after the AWS CLI's own timestamp formatting). It
// also runs the AWS CLI commands --print-examples prints.
func TestServeAWSCLI(t *testing.T) {
	requireAWSCLI(t)
	data := loadedSample(t)
	c := cli{t, data}
	files, _ := filepath.Glob(repoPath("testdata", "iam", "sample", "*.json"))
	c.ok(append([]string{"iam", "import"}, files...)...)
	p := startServe(t, data, []string{"LASTACCESS_AWS_ACCESS_KEY_ID=" + testAWSKey, "LASTACCESS_AWS_SECRET_ACCESS_KEY=" + testAWSSecret},
		"--insecure-no-password", "--aws-listen", "127.0.0.1:0", "--print-examples")
	endpoint := "http://" + p.awsAddr()

	const root = "o-36nzigt1zp/r-t7vr"
	const policyID = "p-wusvci7f" // AllowSecurityServices, attached to an OU
	entities := []string{
		"arn:aws:iam::985606903142:user/engineering/trent",
		"arn:aws:iam::985606903142:role/ci/GitHubActionsDeploy",
		"arn:aws:iam::985606903142:group/Developers",
		"arn:aws:iam::985606903142:policy/AppAccess",
	}
	generate := [][]string{
		{"iam", "generate-organizations-access-report", "--entity-path", root},
		{"iam", "generate-organizations-access-report", "--entity-path", root, "--organizations-policy-id", policyID},
	}
	for _, arn := range entities {
		for _, g := range []string{"SERVICE_LEVEL", "ACTION_LEVEL"} {
			generate = append(generate, []string{"iam", "generate-service-last-accessed-details", "--arn", arn, "--granularity", g})
		}
	}
	// The printed examples run alongside, as a user pastes them. They are
	// printed before serve logs that it listens; wait for the copy of its
	// output to arrive.
	var examples []string
	for deadline := time.Now().Add(10 * time.Second); len(examples) < 3 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		examples = examples[:0]
		for _, line := range strings.Split(p.stdout.String(), "\n") {
			if s := strings.TrimSpace(line); strings.HasPrefix(s, "export AWS_") || strings.HasPrefix(s, "JOB=$(aws ") || strings.HasPrefix(s, "aws iam ") {
				examples = append(examples, s)
			}
		}
	}
	if len(examples) != 3 || !strings.Contains(examples[0], "AWS_ACCESS_KEY_ID="+testAWSKey) || !strings.Contains(examples[1], endpoint) {
		t.Fatalf("printed AWS examples:\n%s", p.stdout.String())
	}
	var exampleOut bytes.Buffer
	exampleDone := make(chan error, 1)
	go func() {
		cmd := exec.Command("bash", "-euo", "pipefail", "-c", strings.Join(examples, "\n"))
		cmd.Env = awsEnv(t)
		cmd.Stdout, cmd.Stderr = &exampleOut, &exampleOut
		exampleDone <- cmd.Run()
	}()

	ids := make([]string, len(generate))
	for i, out := range runAWS(t, endpoint, generate) {
		ids[i] = jobIDIn(t, out)
	}
	waitJobs(t, endpoint, ids)

	gets := [][]string{
		{"iam", "get-organizations-access-report", "--job-id", ids[0], "--max-items", "5", "--sort-key", "LAST_AUTHENTICATED_TIME_DESCENDING"},
		{"iam", "get-organizations-access-report", "--job-id", ids[1]},
		{"iam", "get-service-last-accessed-details-with-entities", "--job-id", ids[len(ids)-1], "--service-namespace", "s3", "--max-items", "2"},
		{"iam", "list-policies-granting-service-access", "--arn", entities[0], "--service-namespaces", "s3", "ec2", "iam", "lambda"},
	}
	for _, id := range ids[2:] {
		gets = append(gets, []string{"iam", "get-service-last-accessed-details", "--job-id", id})
	}
	outs := runAWS(t, endpoint, gets)
	var page1 struct {
		Marker                     string
		IsTruncated                bool
		AccessDetails              []any
		NumberOfServicesAccessible int
	}
	if err := json.Unmarshal([]byte(outs[0]), &page1); err != nil || !page1.IsTruncated || page1.Marker == "" || len(page1.AccessDetails) != 5 {
		t.Fatalf("first page: %v\n%s", err, outs[0])
	}
	next := []string{"iam", "get-organizations-access-report", "--job-id", ids[0], "--max-items", "5", "--sort-key", "LAST_AUTHENTICATED_TIME_DESCENDING", "--marker", page1.Marker}
	gets = append(gets, next)
	outs = append(outs, runAWS(t, endpoint, [][]string{next})...)

	if err := <-exampleDone; err != nil {
		t.Fatalf("printed examples: %v\n%s", err, exampleOut.String())
	}
	var example struct {
		JobStatus     string
		AccessDetails []any
	}
	if err := json.Unmarshal(exampleOut.Bytes(), &example); err != nil || example.JobStatus != "COMPLETED" || len(example.AccessDetails) != 5 {
		t.Fatalf("printed examples printed:\n%s", exampleOut.String())
	}

	if err := p.stop(); err != nil {
		t.Fatalf("serve exit: %v\n%s", err, p.log())
	}
	// The same operations through lastaccess's own CLI, on the same jobs.
	for i, args := range gets {
		mine := c.ok(args...)
		if got, want := normalizeJSON(t, outs[i]), normalizeJSON(t, mine); !reflect.DeepEqual(got, want) {
			t.Errorf("%v:\naws:\n%s\nlastaccess:\n%s", args, outs[i], mine)
		}
	}
	// A Generate prints the same shape: one JobId.
	for i, args := range generate[:2] {
		mine := c.ok(append([]string{"--now", sampleNow}, args...)...)
		if len(jobIDIn(t, mine)) != 36 || jobIDIn(t, mine) == ids[i] {
			t.Errorf("%v printed %q", args, mine)
		}
	}
}

// signedPost is a POST of form to endpoint signed by the test key with
// aws-sdk-go-v2's signer.
func signedPost(t *testing.T, endpoint, form string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	creds := aws.Credentials{AccessKeyID: testAWSKey, SecretAccessKey: testAWSSecret}
	sum := sha256.Sum256([]byte(form))
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

// waitJobs polls each job until it is no longer IN_PROGRESS.
func waitJobs(t *testing.T, endpoint string, ids []string) {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	for _, id := range ids {
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			action := "GetServiceLastAccessedDetails"
			body := fmt.Sprintf("Action=%s&Version=2010-05-08&JobId=%s", action, id)
			resp, err := hc.Do(signedPost(t, endpoint, body))
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			b.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 404 {
				resp, err = hc.Do(signedPost(t, endpoint, strings.Replace(body, action, "GetOrganizationsAccessReport", 1)))
				if err != nil {
					t.Fatal(err)
				}
				b.Reset()
				b.ReadFrom(resp.Body)
				resp.Body.Close()
			}
			if resp.StatusCode != 200 {
				t.Fatalf("job %s: %d\n%s", id, resp.StatusCode, b.String())
			}
			if !strings.Contains(b.String(), "<JobStatus>IN_PROGRESS</JobStatus>") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %s still in progress", id)
			}
		}
	}
}

// TestServeAWSDrainsOnSIGTERM: a request in flight when SIGTERM arrives
// (its body half sent) is answered before the server stops; the server
// then exits cleanly.
func TestServeAWSDrainsOnSIGTERM(t *testing.T) {
	data := loadedSample(t)
	p := startServe(t, data, []string{"LASTACCESS_AWS_ACCESS_KEY_ID=" + testAWSKey, "LASTACCESS_AWS_SECRET_ACCESS_KEY=" + testAWSSecret},
		"--insecure-no-password", "--aws-listen", "127.0.0.1:0")
	endpoint := "http://" + p.awsAddr()
	req := signedPost(t, endpoint, "Action=GenerateOrganizationsAccessReport&Version=2010-05-08&EntityPath=o-36nzigt1zp%2Fr-t7vr")
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		t.Fatal(err)
	}
	raw := wire.Bytes()
	conn, err := net.Dial("tcp", p.awsAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	half := len(raw) - 20
	if _, err := conn.Write(raw[:half]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the server is reading the body
	stopped := make(chan error, 1)
	go func() { stopped <- p.stop() }()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(p.log(), "shutting down"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no shutdown:\n%s", p.log())
		}
	}
	if _, err := conn.Write(raw[half:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight got no response: %v", err)
	}
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(body.String(), "<JobId>") {
		t.Fatalf("in-flight request: %d\n%s", resp.StatusCode, body.String())
	}
	if err := <-stopped; err != nil {
		t.Fatalf("serve exit: %v\n%s", err, p.log())
	}
	if !strings.Contains(p.log(), "msg=stopped") {
		t.Fatalf("log:\n%s", p.log())
	}
	// The job the drained request generated was stored.
	id := body.String()[strings.Index(body.String(), "<JobId>")+7:][:36]
	out := cli{t, data}.ok("iam", "get-organizations-access-report", "--job-id", id, "--max-items", "1")
	if !strings.Contains(out, `"JobStatus": "COMPLETED"`) {
		t.Fatalf("the drained request's job:\n%s", out)
	}
}

// TestServeAWSFlags: the --aws-* flags refuse what cannot work, naming
// it.
func TestServeAWSFlags(t *testing.T) {
	data := filepath.Join(t.TempDir(), "d")
	dir := t.TempDir()
	badFile := filepath.Join(dir, "bad")
	os.WriteFile(badFile, []byte("[ops]\naws_access_key_id = AKIALASTACCESSOPS000\naws_secret_access_key = s\nreadonly = true\n"), 0o600)
	goodFile := filepath.Join(dir, "good")
	os.WriteFile(goodFile, []byte("[ops]\naws_access_key_id = AKIALASTACCESSOPS000\naws_secret_access_key = s\nread_only = true\naccount_id = 126260889516\n"), 0o600)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	noKeys := []string{"LASTACCESS_AWS_ACCESS_KEY_ID=", "LASTACCESS_AWS_SECRET_ACCESS_KEY="}
	for _, c := range []struct {
		env  []string
		args []string
		msg  string
	}{
		{noKeys, []string{"--aws-listen", "127.0.0.1:0"}, "--aws-listen needs access keys"},
		{noKeys, []string{"--aws-credentials", goodFile}, "need --aws-listen"},
		{noKeys, []string{"--aws-listen", "127.0.0.1:0", "--aws-credentials", badFile}, `bad:4: unknown setting "readonly"`},
		{noKeys, []string{"--aws-listen", "127.0.0.1:0", "--aws-credentials", filepath.Join(dir, "missing")}, "no such file"},
		{noKeys, []string{"--aws-listen", "0.0.0.0:0", "--aws-allow-unsigned"}, "loopback address only"},
		{[]string{"LASTACCESS_AWS_ACCESS_KEY_ID=AKIALASTACCESSOPS000", "LASTACCESS_AWS_SECRET_ACCESS_KEY="}, []string{"--aws-listen", "127.0.0.1:0"}, "set both"},
		{noKeys, []string{"--aws-listen", busy.Addr().String(), "--aws-credentials", goodFile}, "address already in use"},
	} {
		cmd := exec.Command(binary, append([]string{"--data", data, "serve", "--listen", "127.0.0.1:0", "--insecure-no-password"}, c.args...)...)
		cmd.Env = append(os.Environ(), c.env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		done := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(stderr.String(), c.msg) {
				t.Errorf("%v: %v, stderr %q", c.args, err, stderr.String())
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("%v: serve started", c.args)
		}
	}
	// A credentials file with a read-only key: the log says so.
	p := startServe(t, data, noKeys, "--insecure-no-password", "--aws-listen", "127.0.0.1:0", "--aws-credentials", goodFile)
	if !strings.Contains(p.log(), "keys=1 read_only_keys=1") {
		t.Errorf("log:\n%s", p.log())
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	// Unsigned on loopback: allowed, and the log says so.
	p = startServe(t, data, noKeys, "--insecure-no-password", "--aws-listen", "127.0.0.1:0", "--aws-allow-unsigned")
	if !strings.Contains(p.log(), "unsigned AWS API requests are accepted") {
		t.Errorf("log:\n%s", p.log())
	}
	resp, err := http.Post("http://"+p.awsAddr()+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=ListUsers&Version=2010-05-08"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("unsigned request: %d", resp.StatusCode)
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
}
