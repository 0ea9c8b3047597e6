package awsfront

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lastaccess/engine"
)

// The real clients users run: Debian's AWS CLI v2 (/usr/bin/aws) and
// boto3 (/usr/bin/python3), which .ci/run installs. This machine's PATH
// may put another aws or python first: the tests call Debian's by path.
const (
	awsCLI  = "/usr/bin/aws"
	python3 = "/usr/bin/python3"
)

// requireClient skips when a client is missing on a developer's machine,
// and fails in CI (CI=true), where .ci/run installs it.
func requireClient(t *testing.T, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: .ci/run installs Debian's %s", path, pkg)
		}
		t.Skipf("%s is missing (Debian: apt-get install %s; .ci/run installs it)", path, pkg)
	}
	if pkg == "python3-boto3" {
		if err := exec.Command(path, "-c", "import boto3").Run(); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("boto3 is missing: .ci/run installs Debian's python3-boto3")
			}
			t.Skip("boto3 is missing (Debian: apt-get install python3-boto3; .ci/run installs it)")
		}
	}
}

// clientEnv is the environment of a client process: the key, a region,
// and nothing from the user's own AWS configuration.
func clientEnv(t *testing.T, key Key) []string {
	home := t.TempDir()
	env := []string{
		"HOME=" + home, "PATH=/usr/bin:/bin", "LANG=C.UTF-8",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
	}
	if key.AccessKeyID != "" {
		env = append(env, "AWS_ACCESS_KEY_ID="+key.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+key.SecretAccessKey)
	}
	return env
}

type cliResult struct {
	stdout, stderr string
	code           int
}

// runClient runs a client process to the end.
func runClient(t *testing.T, env []string, name string, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return cliResult{out.String(), errb.String(), code}
}

// TestBoto3: a boto3 script generates the root report, pages it with
// Marker to the end, catches NoSuchEntityException, and walks the
// listings' paginators; what it gets equals the engine's answer.
func TestBoto3(t *testing.T) {
	requireClient(t, python3, "python3-boto3")
	ts := startServer(t)
	r := runClient(t, clientEnv(t, adminKey), python3, filepath.Join("testdata", "boto3_client.py"), ts.url, sampleRoot)
	if r.code != 0 {
		t.Fatalf("boto3 script: exit %d\n%s", r.code, r.stderr)
	}
	var got struct {
		JobID         string `json:"JobId"`
		Status        string
		Pages         int
		AccessDetails []map[string]any
		NoSuchEntity  *struct {
			Code, Message string
			Status        int
		}
		Users                   []string
		DetailCounts            map[string]int
		FirstRoleInlineDocument map[string]any
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	want, err := ts.eng.GetOrganizationsAccessReport(context.Background(), engine.GetOrganizationsAccessReportInput{
		JobID: got.JobID, MaxItems: ptr(1000), SortKey: engine.String(engine.SortTimeDescending)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "COMPLETED" || len(got.AccessDetails) != len(want.AccessDetails) || got.Pages != (len(want.AccessDetails)+3)/4 {
		t.Fatalf("boto3 read %d services in %d pages (%s), the engine has %d", len(got.AccessDetails), got.Pages, got.Status, len(want.AccessDetails))
	}
	for i, d := range want.AccessDetails {
		wantJSON, _ := json.Marshal(d)
		var w map[string]any
		json.Unmarshal(wantJSON, &w)
		if ts, ok := w["LastAuthenticatedTime"].(string); ok {
			// boto3 parses timestamps; Python prints them with +00:00.
			parsed, _ := time.Parse(time.RFC3339Nano, ts)
			gotTime, _ := time.Parse(time.RFC3339Nano, got.AccessDetails[i]["LastAuthenticatedTime"].(string))
			if !parsed.Equal(gotTime) {
				t.Fatalf("service %d time %v, want %v", i, gotTime, parsed)
			}
			delete(w, "LastAuthenticatedTime")
			delete(got.AccessDetails[i], "LastAuthenticatedTime")
		}
		if !reflect.DeepEqual(got.AccessDetails[i], w) {
			t.Fatalf("service %d: boto3 %v, engine %v", i, got.AccessDetails[i], w)
		}
	}
	if got.NoSuchEntity == nil || got.NoSuchEntity.Code != "NoSuchEntity" || got.NoSuchEntity.Status != 404 {
		t.Fatalf("unknown job: %+v", got.NoSuchEntity)
	}
	users, _ := ts.eng.ListUsers(context.Background(), engine.ListEntitiesInput{Account: sampleManagement})
	if len(got.Users) != len(users.Users) || got.Users[0] != users.Users[0].Arn {
		t.Fatalf("users %v", got.Users)
	}
	if got.DetailCounts["UserDetailList"] != 5 || got.DetailCounts["RoleDetailList"] != 6 || got.DetailCounts["Policies"] != 5 {
		t.Fatalf("authorization details: %v", got.DetailCounts)
	}
	if got.FirstRoleInlineDocument["Version"] != "2012-10-17" {
		t.Fatalf("botocore did not decode the URL-encoded policy document: %v", got.FirstRoleInlineDocument)
	}
}

func ptr[T any](v T) *T { return &v }

// recordingListener keeps the bytes each connection sent, so that a test
// can replay a real client's request.
type recordingListener struct {
	net.Listener
	mu    sync.Mutex
	conns []*recordingConn
}

type recordingConn struct {
	net.Conn
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.buf.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

func (l *recordingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	rc := &recordingConn{Conn: c}
	l.mu.Lock()
	l.conns = append(l.conns, rc)
	l.mu.Unlock()
	return rc, nil
}

// sent returns the bytes of the connection whose request contains marker.
func (l *recordingListener) sent(marker string) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.mu.Lock()
		b := bytes.Clone(c.buf.Bytes())
		c.mu.Unlock()
		if bytes.Contains(b, []byte(marker)) {
			return b
		}
	}
	return nil
}

// TestAWSCLIAuthentication: Debian's AWS CLI v2 against the server: a
// wrong secret, an unknown key, --no-sign-request and a read_only key's
// Generate are refused with AWS's codes (exit 254); the CLI's own signed
// request, replayed with its headers 20 minutes later, is RequestExpired.
func TestAWSCLIAuthentication(t *testing.T) {
	requireClient(t, awsCLI, "awscli")
	var offset atomic.Int64
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingListener{Listener: inner}
	ts := startServerWith(t, serverConfig{opts: Options{Listener: rec,
		Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }}})

	wrongSecret := adminKey
	wrongSecret.SecretAccessKey = "not-the-secret"
	cases := []struct {
		name string
		key  Key
		args []string
		code int
		want string
	}{
		{"signed", adminKey, []string{"iam", "list-groups"}, 0, `"GroupName": "Administrators"`},
		{"wrong secret", wrongSecret, []string{"iam", "list-roles"}, 254, "An error occurred (SignatureDoesNotMatch) when calling the ListRoles operation"},
		{"unknown key", Key{AccessKeyID: "AKIAUNKNOWNKEY000000", SecretAccessKey: "x"}, []string{"iam", "list-users"}, 254, "An error occurred (InvalidClientTokenId) when calling the ListUsers operation: The security token included in the request is invalid."},
		{"no signature", Key{}, []string{"iam", "list-policies", "--no-sign-request"}, 254, "An error occurred (MissingAuthenticationToken) when calling the ListPolicies operation"},
		{"read-only Generate", readOnlyKey, []string{"iam", "generate-organizations-access-report", "--entity-path", sampleRoot}, 254, "An error occurred (AccessDenied) when calling the GenerateOrganizationsAccessReport operation"},
	}
	results := make([]cliResult, len(cases))
	var wg sync.WaitGroup
	for i, tc := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = runClient(t, clientEnv(t, tc.key), awsCLI, append(tc.args, "--endpoint-url", ts.url)...)
		}()
	}
	wg.Wait()
	for i, tc := range cases {
		r := results[i]
		if r.code != tc.code || !strings.Contains(r.stdout+r.stderr, tc.want) {
			t.Errorf("%s: exit %d, want %d with %q\nstdout: %s\nstderr: %s", tc.name, r.code, tc.code, tc.want, r.stdout, r.stderr)
		}
	}

	// Replay the CLI's ListGroups request, headers and all.
	raw := rec.sent("Action=ListGroups")
	if raw == nil {
		t.Fatal("the CLI's request was not recorded")
	}
	replay := func() (*http.Response, []byte) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.Write(raw); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		body.ReadFrom(resp.Body)
		resp.Body.Close()
		return resp, body.Bytes()
	}
	if resp, body := replay(); resp.StatusCode != 200 {
		t.Fatalf("replayed at once: %d\n%s", resp.StatusCode, body)
	}
	offset.Store(int64(20 * time.Minute))
	resp, body := replay()
	if e := errorOf(t, wireResponse{status: resp.StatusCode, body: body}); resp.StatusCode != 400 || e.Error.Code != "RequestExpired" {
		t.Fatalf("replayed 20 minutes later: %d %+v", resp.StatusCode, e)
	}
}
