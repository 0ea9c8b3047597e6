package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"lastaccess/engine"
	"lastaccess/ingest"
	"lastaccess/sqlfront"
	"lastaccess/sqlfront/sqlsink"
)

// The statements of the comparison with MariaDB (bench/peers/mariadb
// times the same SELECT there).
const (
	sqlGetPage     = "CALL get_organizations_access_report(?, 100, NULL, NULL)"
	sqlDetailsPage = "SELECT JobId, ServiceName, ServiceNamespace, Region, EntityPath, LastAuthenticatedTime, TotalAuthenticatedEntities " +
		"FROM organizations_access_details WHERE JobId = ? ORDER BY ServiceNamespace LIMIT 100"
	sqlJobs = 50 // report jobs the page statements cycle through
)

// BenchmarkSQL times single statements over the wire with go-sql-driver,
// one connection, on the 10 000-account organization (small with
// -short): a Get of a 100-service page, the same page as a SELECT on
// organizations_access_details, and SELECT 1 for the fixed cost. "prepared"
// is a server-side prepared statement, "text" the statement with its
// parameter interpolated by the driver (what the mysql client sends).
func BenchmarkSQL(b *testing.B) {
	s := startSQLServer(b, datasetFor("org10k"))
	for _, c := range []struct {
		name, query string
		params      []string
		arg         bool
	}{
		{"select-1/prepared", "SELECT 1", nil, false},
		{"get-page/prepared", sqlGetPage, nil, true},
		{"get-page/text", sqlGetPage, []string{"interpolateParams=true"}, true},
		{"details-page/prepared", sqlDetailsPage, nil, true},
		{"details-page/text", sqlDetailsPage, []string{"interpolateParams=true"}, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			db := s.db(b, c.params...)
			db.SetMaxOpenConns(1)
			stmt, err := db.Prepare(c.query)
			if err != nil {
				b.Fatal(err)
			}
			defer stmt.Close()
			var lat latencies
			rows := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var args []any
				if c.arg {
					args = []any{s.jobs[i%len(s.jobs)]}
				}
				lat.time(func() { rows += readAll(b, stmt, args...) })
			}
			b.StopTimer()
			lat.report(b)
			b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
		})
	}
}

// BenchmarkSQLClients measures statements/s with 1, 8 and 32 clients, each
// on its own connection: the SELECT page alone (as the MariaDB peer runs
// it), and alternating the Get page and the SELECT page.
func BenchmarkSQLClients(b *testing.B) {
	s := startSQLServer(b, datasetFor("org10k"))
	for _, bc := range []struct {
		clients int
		mixed   bool
	}{{1, false}, {8, false}, {32, false}, {1, true}, {8, true}, {32, true}} {
		clients, mix := bc.clients, "select"
		if bc.mixed {
			mix = "mixed"
		}
		b.Run(fmt.Sprintf("clients-%d/%s", clients, mix), func(b *testing.B) {
			db := s.db(b)
			db.SetMaxOpenConns(clients)
			db.SetMaxIdleConns(clients)
			get, err := db.Prepare(sqlGetPage)
			if err != nil {
				b.Fatal(err)
			}
			defer get.Close()
			details, err := db.Prepare(sqlDetailsPage)
			if err != nil {
				b.Fatal(err)
			}
			defer details.Close()
			var next atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			b.ResetTimer()
			start := time.Now()
			for c := 0; c < clients; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1) - 1
						if i >= int64(b.N) {
							return
						}
						stmt := details
						if bc.mixed && i%2 == 0 {
							stmt = get
						}
						if _, err := readRows(stmt, s.jobs[i%int64(len(s.jobs))]); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "stmts/s")
		})
	}
}

// BenchmarkSQLIngest compares `ingest --server` (sqlsink under
// ingest.Run, into a running server) with a local ingest of the same
// files into a new data directory.
func BenchmarkSQLIngest(b *testing.B) {
	d := LoadDataset(b, datasetFor("smallfiles"))
	org, err := os.ReadFile(d.OrgFile())
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"local", "server"} {
		b.Run(mode, func(b *testing.B) {
			var records, seconds float64
			for i := 0; i < b.N; i++ {
				dir := filepath.Join(b.TempDir(), "data")
				st, eng := openEngine(b, dir, engine.Options{})
				if _, err := eng.ImportOrganization(org); err != nil {
					b.Fatal(err)
				}
				var sink ingest.Sink = eng
				var stop func()
				if mode == "server" {
					srv := serveEngine(b, eng)
					sqlSink, err := sqlsink.Dial(context.Background(), srv.addr, "bench", "bench")
					if err != nil {
						b.Fatal(err)
					}
					sink = sqlSink
					stop = func() { sqlSink.Close(); srv.shutdown(b) }
				}
				sum, err := ingest.Run(context.Background(), []string{d.Logs()}, sink, ingest.Options{NoProgress: true, Catalog: eng.Catalog()})
				if err != nil || sum.Failed() {
					b.Fatalf("ingest: %v %+v", err, sum.Errors)
				}
				if stop != nil {
					stop()
				}
				records += float64(sum.Records)
				seconds += sum.Elapsed.Seconds()
				eng.Close()
				st.Close()
				os.RemoveAll(dir)
			}
			b.ReportMetric(records/seconds, "records/s")
		})
	}
}

// readAll runs a prepared statement and reads every column of every row.
func readAll(b *testing.B, stmt *sql.Stmt, args ...any) int {
	n, err := readRows(stmt, args...)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

func readRows(stmt *sql.Stmt, args ...any) (int, error) {
	rows, err := stmt.Query(args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// sqlServer is a lastaccess server on a loopback port over an engine.
type sqlServer struct {
	srv  *sqlfront.Server
	addr string
	done chan error
	jobs []string
}

func serveEngine(b *testing.B, eng *engine.Engine) *sqlServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv, err := sqlfront.NewServer(eng, sqlfront.Options{Listener: ln, Users: []sqlfront.User{{Name: "bench", Password: "bench"}}})
	if err != nil {
		b.Fatal(err)
	}
	s := &sqlServer{srv: srv, addr: ln.Addr().String(), done: make(chan error, 1)}
	go func() { s.done <- srv.Serve() }()
	return s
}

func (s *sqlServer) shutdown(b *testing.B) {
	if err := s.srv.Shutdown(context.Background()); err != nil {
		b.Error(err)
	}
	<-s.done
}

// startSQLServer serves the ingested dataset with sqlJobs root report
// jobs generated; everything stops when the benchmark ends.
func startSQLServer(b *testing.B, dataset string) *sqlServer {
	b.Helper()
	l := LoadIngested(b, dataset)
	st, eng := openEngine(b, l.Dir, engine.Options{Clock: engine.FixedClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))})
	s := serveEngine(b, eng)
	b.Cleanup(func() {
		s.shutdown(b)
		eng.Close()
		st.Close()
	})
	root := eng.Organization().Root.Path
	ctx := context.Background()
	for len(s.jobs) < sqlJobs {
		id, err := eng.GenerateOrganizationsAccessReport(ctx, engine.GenerateOrganizationsAccessReportInput{EntityPath: root, Caller: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if err := eng.WaitJob(ctx, id); err != nil {
			b.Fatal(err)
		}
		s.jobs = append(s.jobs, id)
	}
	return s
}

func (s *sqlServer) db(b *testing.B, params ...string) *sql.DB {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = "bench", "bench", "tcp", s.addr, sqlfront.DatabaseName
	for _, p := range params {
		if p == "interpolateParams=true" {
			cfg.InterpolateParams = true
		}
	}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}
