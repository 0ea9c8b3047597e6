package awsfront

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"lastaccess/engine"
	"lastaccess/ingest"
	"lastaccess/storage"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// The SDKs' and net/http's pooled client connections outlive a
		// test until their idle timeout; the server closes its side.
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

// sampleNow is the fixed clock of the bundled sample's reports.
var sampleNow = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

// The sample organization (testdata/sample) and its IAM details
// (testdata/iam/sample).
const (
	sampleRoot       = "o-36nzigt1zp/r-t7vr"
	sampleManagement = "985606903142"
	sampleAccount    = "126260889516"
)

// Keys of every test server.
var (
	adminKey    = Key{Name: "admin", AccessKeyID: "AKIALASTACCESSADMIN1", SecretAccessKey: "admin/secret+key"}
	readOnlyKey = Key{Name: "viewer", AccessKeyID: "AKIALASTACCESSVIEWER", SecretAccessKey: "viewer-secret", ReadOnly: true}
	accountKey  = Key{Name: "member", AccessKeyID: "AKIALASTACCESSMEMBER", SecretAccessKey: "member-secret", AccountID: sampleAccount}
)

func repoPath(parts ...string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(append([]string{filepath.Dir(file), ".."}, parts...)...)
}

// testServer is a real server: a Badger directory in t.TempDir(), the
// engine over it with the bundled sample loaded, and the AWS API on a
// free loopback port.
type testServer struct {
	t    *testing.T
	st   *storage.Store
	eng  *engine.Engine
	srv  *Server
	url  string
	done chan error
}

type serverConfig struct {
	opts     Options // Listener and Keys are filled in when empty
	engine   engine.Options
	noSample bool
}

func startServer(t *testing.T) *testServer { return startServerWith(t, serverConfig{}) }

func startServerWith(t *testing.T, cfg serverConfig) *testServer {
	t.Helper()
	ts := &testServer{t: t, done: make(chan error, 1)}
	st, err := storage.Open(t.TempDir(), storage.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	ts.st = st
	eopts := cfg.engine
	if eopts.Clock == nil {
		eopts.Clock = engine.FixedClock(sampleNow)
	}
	if ts.eng, err = engine.Open(st, eopts); err != nil {
		st.Close()
		t.Fatal(err)
	}
	if !cfg.noSample {
		loadSample(t, ts.eng)
	}
	opts := cfg.opts
	if opts.Listener == nil {
		if opts.Listener, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	if opts.Keys == nil {
		opts.Keys = []Key{adminKey, readOnlyKey, accountKey}
	}
	ts.srv, err = NewServer(ts.eng, opts)
	if err != nil {
		opts.Listener.Close()
		t.Fatal(err)
	}
	ts.url = "http://" + opts.Listener.Addr().String()
	go func() { ts.done <- ts.srv.Serve() }()
	t.Cleanup(ts.stop)
	return ts
}

func (ts *testServer) stop() {
	if ts.srv != nil {
		if err := ts.srv.Shutdown(context.Background()); err != nil {
			ts.t.Error(err)
		}
		if err := <-ts.done; err != nil {
			ts.t.Error(err)
		}
		ts.srv = nil
	}
	if ts.eng != nil {
		ts.eng.Close()
		ts.st.Close()
		ts.eng = nil
	}
}

var (
	sampleOnce  sync.Once
	sampleFiles struct {
		org []byte
		iam [][]byte
		err error
	}
)

// loadSample imports the sample organization and its IAM details and
// ingests its CloudTrail export.
func loadSample(t *testing.T, eng *engine.Engine) {
	t.Helper()
	sampleOnce.Do(func() {
		sampleFiles.org, sampleFiles.err = os.ReadFile(repoPath("testdata", "sample", "org.json"))
		files, _ := filepath.Glob(repoPath("testdata", "iam", "sample", "*.json"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				sampleFiles.err = err
			}
			sampleFiles.iam = append(sampleFiles.iam, data)
		}
	})
	if sampleFiles.err != nil {
		t.Fatal(sampleFiles.err)
	}
	if _, err := eng.ImportOrganization(sampleFiles.org); err != nil {
		t.Fatal(err)
	}
	for _, data := range sampleFiles.iam {
		if _, err := eng.ImportAuthorizationDetails(data); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := ingest.Run(context.Background(), []string{repoPath("testdata", "sample", "AWSLogs")}, eng,
		ingest.Options{NoProgress: true, Catalog: eng.Catalog()})
	if err != nil || sum.Failed() || sum.Ingested == 0 {
		t.Fatalf("ingest sample: %v %+v", err, sum)
	}
}

// client is an http.Client with its own transport, closed with the test.
func client(t *testing.T) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

func netListen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

func mustListen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}
