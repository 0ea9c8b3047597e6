package sqlfront

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.uber.org/goleak"

	"lastaccess/engine"
	"lastaccess/ingest"
	"lastaccess/storage"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// database/sql's connection opener lives as long as a DB; every
		// test closes its DBs, but the goroutine may still be exiting.
		goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"),
	)
}

// The accounts every test server has.
const (
	adminUser      = "admin"
	adminPassword  = "s3cret-admin"
	readerUser     = "reader"
	readerPassword = "s3cret-reader"
)

// sampleNow is the fixed clock of the AWS sample (testdata/aws-sample):
// the creation time of its documented report.
var sampleNow = time.Date(2019, 6, 18, 19, 47, 31, 466e6, time.UTC)

// Entity paths of the AWS sample organization.
const (
	sampleRoot = "o-a1b2c3d4e5/r-f6g7h8i9j0example"
	sampleOU   = "o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-1a2b3c-k9l8m7n6o5example"
)

// testServer is a real server: a Badger directory in t.TempDir(), the
// engine over it, and the MySQL server on a free loopback port.
type testServer struct {
	t    *testing.T
	dir  string
	st   *storage.Store
	eng  *engine.Engine
	srv  *Server
	addr string
	done chan error
	held *jobHolder // with serverConfig.holdJobs
}

type serverConfig struct {
	engine   engine.Options
	noSample bool // start empty: no organization, no events
	logger   func(string)
	holdJobs bool // report jobs stay IN_PROGRESS until the server stops
}

// jobHolder is the real store, holding back every report job's final
// record until released: meanwhile the job is IN_PROGRESS.
type jobHolder struct {
	*storage.Store
	release chan struct{}
}

func (h *jobHolder) PutJob(id string, record []byte, inProgress bool) error {
	if !inProgress {
		<-h.release
	}
	return h.Store.PutJob(id, record, inProgress)
}

func repoPath(parts ...string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(append([]string{filepath.Dir(file), ".."}, parts...)...)
}

// startServer starts a server holding the AWS sample organization and
// its CloudTrail export.
func startServer(t *testing.T) *testServer {
	return startServerWith(t, serverConfig{})
}

func startServerWith(t *testing.T, cfg serverConfig) *testServer {
	t.Helper()
	ts := &testServer{t: t, dir: t.TempDir(), done: make(chan error, 1)}
	st, err := storage.Open(ts.dir, storage.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	ts.st = st
	opts := cfg.engine
	if opts.Clock == nil {
		opts.Clock = engine.FixedClock(sampleNow)
	}
	var store engine.Store = st
	if cfg.holdJobs {
		ts.held = &jobHolder{Store: st, release: make(chan struct{})}
		store = ts.held
	}
	ts.eng, err = engine.Open(store, opts)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	if !cfg.noSample {
		loadSample(t, ts.eng)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sopts := Options{
		Listener: ln,
		Users: []User{
			{Name: adminUser, Password: adminPassword},
			{Name: readerUser, Password: readerPassword, ReadOnly: true},
		},
	}
	if cfg.logger != nil {
		sopts.Logger = newLineLogger(cfg.logger)
	}
	ts.srv, err = NewServer(ts.eng, sopts)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ts.addr = ln.Addr().String()
	go func() { ts.done <- ts.srv.Serve() }()
	t.Cleanup(ts.stop)
	return ts
}

// waitJob waits until a report job is settled.
func (ts *testServer) waitJob(t *testing.T, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := ts.eng.WaitJob(ctx, id); err != nil {
		t.Fatalf("job %s: %v", id, err)
	}
}

func (ts *testServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil && !ts.t.Failed() && !errors.Is(err, context.DeadlineExceeded) {
		ts.t.Errorf("shutdown: %v", err)
	}
	if err := <-ts.done; err != nil {
		ts.t.Errorf("serve: %v", err)
	}
	if ts.held != nil {
		close(ts.held.release)
	}
	if err := ts.eng.Close(); err != nil {
		ts.t.Errorf("engine close: %v", err)
	}
	if err := ts.st.Close(); err != nil {
		ts.t.Errorf("storage close: %v", err)
	}
}

func loadSample(t *testing.T, eng *engine.Engine) {
	t.Helper()
	org, err := os.ReadFile(repoPath("testdata", "aws-sample", "org.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.ImportOrganization(org); err != nil {
		t.Fatal(err)
	}
	sum, err := ingest.Run(context.Background(), []string{repoPath("testdata", "aws-sample", "AWSLogs")}, eng,
		ingest.Options{NoProgress: true, Catalog: eng.Catalog()})
	if err != nil || sum.Failed() || sum.Ingested == 0 {
		t.Fatalf("ingest sample: %v %+v", err, sum)
	}
}

// dsn is the go-sql-driver address of the server for a user.
func (ts *testServer) dsn(user, password string, params ...string) string {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = user, password
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", ts.addr, DatabaseName
	cfg.ParseTime = true
	for _, p := range params {
		k, v, _ := strings.Cut(p, "=")
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		switch k {
		case "interpolateParams":
			cfg.InterpolateParams = v == "true"
		case "maxAllowedPacket":
			cfg.MaxAllowedPacket, _ = strconv.Atoi(v)
		default:
			cfg.Params[k] = v
		}
	}
	return cfg.FormatDSN()
}

// open connects as user; the DB is closed when the test ends.
func (ts *testServer) open(user, password string, params ...string) *sql.DB {
	ts.t.Helper()
	db, err := sql.Open("mysql", ts.dsn(user, password, params...))
	if err != nil {
		ts.t.Fatal(err)
	}
	ts.t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		ts.t.Fatalf("connect as %s: %v", user, err)
	}
	return db
}

func (ts *testServer) admin(params ...string) *sql.DB {
	return ts.open(adminUser, adminPassword, params...)
}

func (ts *testServer) reader(params ...string) *sql.DB {
	return ts.open(readerUser, readerPassword, params...)
}

// mysqlError returns err's MySQL error, failing the test if it is not one.
func mysqlError(t *testing.T, err error) *mysql.MySQLError {
	t.Helper()
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		t.Fatalf("want a MySQL error, got %T %v", err, err)
	}
	return me
}

// wantError checks a MySQL error's number, SQLSTATE and message prefix.
func wantError(t *testing.T, err error, number uint16, state, prefix string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %d (%s) %q…, got none", number, state, prefix)
	}
	me := mysqlError(t, err)
	if me.Number != number || string(me.SQLState[:]) != state || !strings.HasPrefix(me.Message, prefix) {
		t.Fatalf("want error %d (%s) %q…, got %d (%s) %q", number, state, prefix, me.Number, string(me.SQLState[:]), me.Message)
	}
}
