package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"lastaccess/engine"
	"lastaccess/ingest"
	"lastaccess/sqlfront"
	"lastaccess/sqlfront/sqlsink"
	"lastaccess/storage"
)

var updateCLIGolden = flag.Bool("update-cli-golden", false, "rewrite sqlfront/testdata/cli_examples.golden")

// sampleNow fixes the clock of servers on the bundled sample, so reports
// (and the CLI golden file) do not drift with the date.
const sampleNow = "2026-11-22T00:00:00Z"

// serveProc is a `lastaccess serve` child process.
type serveProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	stdout lockedBuffer
	mu     sync.Mutex
	stderr []string
	exited chan error
}

// startServe runs `lastaccess --data data serve --listen 127.0.0.1:0 ARGS`
// and waits until it listens; env adds environment variables.
func startServe(t *testing.T, data string, env []string, args ...string) *serveProc {
	t.Helper()
	p := &serveProc{t: t, exited: make(chan error, 1)}
	p.cmd = exec.Command(binary, append([]string{"--data", data, "serve", "--listen", "127.0.0.1:0"}, args...)...)
	p.cmd.Env = append(os.Environ(), "LASTACCESS_DATA=", "LASTACCESS_USER=", "LASTACCESS_PASSWORD=",
		"LASTACCESS_READONLY_USER=", "LASTACCESS_READONLY_PASSWORD=", "LASTACCESS_NOW="+sampleNow)
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stdout = &p.stdout
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.stderr = append(p.stderr, line)
			p.mu.Unlock()
			if strings.Contains(line, "msg=serving") {
				for _, f := range strings.Fields(line) {
					if a, ok := strings.CutPrefix(f, "listen="); ok {
						listening <- a
					}
				}
			}
		}
		p.exited <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case p.addr = <-listening:
		return p
	case err := <-p.exited:
		p.exited <- err
		t.Fatalf("serve exited: %v\n%s", err, p.log())
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start\n%s", p.log())
	}
	return nil
}

// lockedBuffer is a bytes.Buffer a child process writes while the test
// reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (p *serveProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.stderr, "\n")
}

// stop sends SIGTERM and returns the exit error.
func (p *serveProc) stop() error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		return err
	case <-time.After(60 * time.Second):
		p.cmd.Process.Kill()
		return fmt.Errorf("serve did not stop on SIGTERM\n%s", p.log())
	}
}

func (p *serveProc) db(user, password string) *sql.DB {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = user, password, "tcp", p.addr, sqlfront.DatabaseName
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { db.Close() })
	return db
}

// loadedSample is a data directory with the bundled sample imported and
// ingested by the CLI.
func loadedSample(t *testing.T) string {
	t.Helper()
	data := filepath.Join(t.TempDir(), "d")
	c := cli{t, data}
	c.ok("org", "import", repoPath("testdata", "sample", "org.json"))
	c.ok("ingest", "--no-progress", repoPath("testdata", "sample", "AWSLogs"))
	return data
}

// TestServe: `lastaccess serve` with users from the environment serves
// the data directory, holds it (other commands name the server), and
// stops on SIGTERM after closing the store cleanly; the report generated
// over SQL is then readable by the CLI.
func TestServe(t *testing.T) {
	data := loadedSample(t)
	p := startServe(t, data, []string{"LASTACCESS_USER=ops", "LASTACCESS_PASSWORD=pw1"},
		"--readonly-user", "viewer", "--readonly-password", "pw2")
	admin, viewer := p.db("ops", "pw1"), p.db("viewer", "pw2")

	var root, id string
	if err := viewer.QueryRow("SELECT EntityPath FROM roots").Scan(&root); err != nil {
		t.Fatal(err)
	}
	if err := admin.QueryRow("CALL generate_organizations_access_report(?, NULL)", root).Scan(&id); err != nil {
		t.Fatal(err)
	}
	var me *mysql.MySQLError
	if _, err := viewer.Exec("CALL generate_organizations_access_report(?, NULL)", root); !errors.As(err, &me) || me.Number != 1370 {
		t.Fatalf("read-only Generate: %v", err)
	}
	if err := p.db("ops", "wrong").Ping(); !errors.As(err, &me) || me.Number != 1045 {
		t.Fatalf("wrong password: %v", err)
	}

	r := cli{t, data}.run("catalog", "list")
	if r.code != 255 || !strings.Contains(r.stderr, "lastaccess serve on "+p.addr) {
		t.Fatalf("data directory held by serve: exit %d %q", r.code, r.stderr)
	}

	if err := p.stop(); err != nil {
		t.Fatalf("serve exit: %v\n%s", err, p.log())
	}
	log := p.log()
	for _, want := range []string{"shutting down", "msg=stopped", `msg="login failed" user=ops client=127.0.0.1:`, "sync_writes=false"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if n := strings.Count(log, "\n") + 1; n != 4 {
		t.Errorf("want 4 log lines (serving, the failed login, shutting down, stopped; none per statement), got %d:\n%s", n, log)
	}
	out := cli{t, data}.ok("iam", "get-organizations-access-report", "--job-id", id, "--max-items", "1")
	if !strings.Contains(out, `"JobStatus": "COMPLETED"`) {
		t.Fatalf("report after restart:\n%s", out)
	}
}

// TestServeSyncWrites: with --sync-writes the server says so and a batch
// it acknowledged is stored after the process is killed. (That the fsync
// also outlives a power loss cannot be tested here: no power to cut.)
func TestServeSyncWrites(t *testing.T) {
	data := loadedSample(t)
	before := cli{t, data}.check()
	p := startServe(t, data, nil, "--insecure-no-password", "--sync-writes")
	if !strings.Contains(p.log(), "sync_writes=true") {
		t.Fatalf("serve does not say it syncs writes:\n%s", p.log())
	}
	db := p.db("root", "")
	var account string
	if err := db.QueryRow("SELECT Id FROM accounts ORDER BY Id LIMIT 1").Scan(&account); err != nil {
		t.Fatal(err)
	}
	record := fmt.Sprintf(`{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::%[1]s:user/sync","accountId":"%[1]s"},`+
		`"eventTime":"2026-10-31T12:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1",`+
		`"eventID":"5a1e2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b","eventType":"AwsApiCall","eventCategory":"Management"}`, account)
	if _, err := db.Exec("CALL ingest_events(?)", record); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	after := cli{t, data}.check()
	var n, m int
	fmt.Sscan(before.events, &n)
	fmt.Sscan(after.events, &m)
	if m != n+1 {
		t.Fatalf("events before %q, after an acknowledged batch of one and SIGKILL %q", before.events, after.events)
	}
}

// TestServeFlags: serve refuses to start without a password unless told
// to, and names what is wrong.
func TestServeFlags(t *testing.T) {
	data := filepath.Join(t.TempDir(), "d")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"serve"}, `no password for user "root"`},
		{[]string{"serve", "--user", "u", "--password", "p", "--readonly-user", "r"}, `no password for read-only user "r"`},
		{[]string{"serve", "--password", "p", "--readonly-password", "x"}, "--readonly-password without --readonly-user"},
		{[]string{"serve", "--password", "p", "--listen", "nowhere"}, "listen on nowhere"},
	} {
		r := cli{t, data}.run(c.args...)
		if r.code == 0 || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("%v: exit %d, stderr %q", c.args, r.code, r.stderr)
		}
	}
	// Explicitly without passwords, on loopback.
	p := startServe(t, data, nil, "--insecure-no-password")
	if err := p.db("root", "").Ping(); err != nil {
		t.Fatal(err)
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.log(), "--insecure-no-password") {
		t.Errorf("no warning about passwords:\n%s", p.log())
	}
}

// TestCLIExamples runs the example statements `serve --print-examples`
// prints through the mysql command-line client
// (sqlfront/testdata/cli_examples.sh) and compares the output with the
// golden file.
func TestCLIExamples(t *testing.T) {
	if _, err := exec.LookPath("mysql"); err != nil {
		t.Skip("the mysql command-line client is not installed (Debian: apt-get install mariadb-client); .ci/run installs it")
	}
	data := loadedSample(t)
	p := startServe(t, data, []string{"LASTACCESS_PASSWORD=example-pw"}, "--print-examples")
	// The examples are printed before serve logs that it listens; wait
	// for the copy of its output to arrive.
	var statements []string
	for deadline := time.Now().Add(10 * time.Second); len(statements) < 4 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		statements = statements[:0]
		for _, line := range strings.Split(p.stdout.String(), "\n") {
			if s := strings.TrimSpace(line); strings.HasSuffix(s, ";") {
				statements = append(statements, s)
			}
		}
	}
	if len(statements) != 4 || !strings.Contains(p.stdout.String(), "mysql -h 127.0.0.1 -P "+strings.Split(p.addr, ":")[1]+" -u root -p lastaccess") {
		t.Fatalf("printed examples:\n%s", p.stdout.String())
	}
	host, port, _ := net.SplitHostPort(p.addr)
	script := repoPath("sqlfront", "testdata", "cli_examples.sh")
	cmd := exec.Command("bash", script, host, port, "root", "example-pw")
	cmd.Stdin = strings.NewReader(strings.Join(statements, "\n") + "\n")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", script, err, out.String(), errb.String())
	}
	golden := repoPath("sqlfront", "testdata", "cli_examples.golden")
	if *updateCLIGolden {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Fatalf("mysql client output differs from %s (rewrite with -update-cli-golden)\n got:\n%s\nwant:\n%s", golden, out.String(), want)
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
}

// TestServerSinkMatchesLocalIngest: `ingest --server` (sqlsink.Sink
// under ingest.Run) gives the local ingest's summary and stores exactly
// the events a local ingest stores.
func TestServerSinkMatchesLocalIngest(t *testing.T) {
	logs := repoPath("testdata", "sample", "AWSLogs")
	opts := ingest.Options{NoProgress: true}

	local := openTestEngine(t)
	localSum, err := ingest.Run(context.Background(), []string{logs}, local, opts)
	if err != nil {
		t.Fatal(err)
	}

	remote := openTestEngine(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sqlfront.NewServer(remote, sqlfront.Options{Listener: ln, Users: []sqlfront.User{{Name: "root", Password: "pw"}}})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	defer func() {
		srv.Shutdown(context.Background())
		<-served
	}()
	sink, err := sqlsink.Dial(context.Background(), ln.Addr().String(), "root", "pw")
	if err != nil {
		t.Fatal(err)
	}
	opts.BatchSize = 500 // several calls
	remoteSum, err := ingest.Run(context.Background(), []string{logs}, sink, opts)
	sink.Close()
	if err != nil {
		t.Fatal(err)
	}
	localSum.Elapsed, remoteSum.Elapsed = 0, 0
	if !reflect.DeepEqual(localSum, remoteSum) {
		t.Fatalf("summaries differ\nlocal:  %+v\nserver: %+v", localSum, remoteSum)
	}
	if localSum.Ingested == 0 {
		t.Fatal("nothing ingested")
	}
	if a, b := allEvents(t, local), allEvents(t, remote); !reflect.DeepEqual(a, b) {
		t.Fatalf("stored events differ: %d local, %d via the server", len(a), len(b))
	}

	// Again: all duplicates.
	sink, err = sqlsink.Dial(context.Background(), ln.Addr().String(), "root", "pw")
	if err != nil {
		t.Fatal(err)
	}
	again, err := ingest.Run(context.Background(), []string{logs}, sink, opts)
	sink.Close()
	if err != nil || again.Ingested != 0 || again.Duplicates != localSum.Events {
		t.Fatalf("second run: %v %+v", err, again)
	}
	if _, err := sqlsink.Dial(context.Background(), ln.Addr().String(), "root", "wrong"); err == nil {
		t.Fatal("wrong password accepted")
	}
}

func openTestEngine(t *testing.T) *engine.Engine {
	t.Helper()
	st, err := storage.Open(t.TempDir(), storage.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.Open(st, engine.Options{})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		eng.Close()
		st.Close()
	})
	return eng
}

func allEvents(t *testing.T, eng *engine.Engine) []engine.Event {
	t.Helper()
	var out []engine.Event
	err := eng.ScanEvents(context.Background(), engine.EventFilter{}, func(ev *engine.Event, _ string) error {
		out = append(out, *ev)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
