package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lastaccess/engine"
)

// The shapes of issue 5 part 5 over the MySQL wire: many concurrent
// connections, and how soon a streamed event shows in a report.

// sqlLoadClients is the number of concurrent connections of
// BenchmarkSQLLoad.
const sqlLoadClients = 100

// BenchmarkSQLLoad runs b.N statements spread over 100 connections, each
// its own client, and reports statements/s, the p50 and p99 latency of a
// statement, and the errors (the target is none). All 100 connections
// are open, their statements prepared, before the clock starts.
//
// "mixed" takes turns of four statements: Get of a 100-service page, the
// same page as a SELECT on organizations_access_details, a filtered
// count on access_events (one account and service) and an accounts
// lookup by Id; "pages" only the first two, the statements the MariaDB
// peer is compared on.
func BenchmarkSQLLoad(b *testing.B) {
	s := startSQLServer(b, datasetFor("org10k"))
	db := s.db(b)
	db.SetMaxOpenConns(sqlLoadClients)
	db.SetMaxIdleConns(sqlLoadClients)

	// What the statements look up: the accounts.
	var accounts []string
	rows, err := db.Query("SELECT Id FROM accounts ORDER BY Id")
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		accounts = append(accounts, id)
	}
	if err := rows.Close(); err != nil || len(accounts) == 0 {
		b.Fatalf("accounts: %d, %v", len(accounts), err)
	}
	all := []loadStatement{
		{sqlGetPage, func(i int) []any { return []any{s.jobs[i%len(s.jobs)]} }},
		{sqlDetailsPage, func(i int) []any { return []any{s.jobs[i%len(s.jobs)]} }},
		{"SELECT COUNT(*) FROM access_events WHERE AccountId = ? AND ServiceNamespace = ?",
			func(i int) []any { return []any{accounts[i%len(accounts)], "s3"} }},
		{"SELECT Id, Name, ParentId, EntityPath FROM accounts WHERE Id = ?",
			func(i int) []any { return []any{accounts[(i*7)%len(accounts)]} }},
	}
	b.Run("mixed", func(b *testing.B) { runSQLLoad(b, db, all) })
	b.Run("pages", func(b *testing.B) { runSQLLoad(b, db, all[:2]) })
}

// loadStatement is a statement of the load and its arguments for the
// i-th time it runs.
type loadStatement struct {
	query string
	args  func(i int) []any
}

func runSQLLoad(b *testing.B, db *sql.DB, statements []loadStatement) {
	ctx := context.Background()
	type client struct {
		conn  *sql.Conn
		stmts []*sql.Stmt
		lat   latencies
	}
	clients := make([]*client, sqlLoadClients)
	for c := range clients {
		conn, err := db.Conn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		cl := &client{conn: conn}
		for _, st := range statements {
			stmt, err := conn.PrepareContext(ctx, st.query)
			if err != nil {
				b.Fatal(err)
			}
			cl.stmts = append(cl.stmts, stmt)
		}
		clients[c] = cl
	}
	defer func() {
		for _, cl := range clients {
			for _, st := range cl.stmts {
				st.Close()
			}
			cl.conn.Close()
		}
	}()

	var next, errCount atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for _, cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= b.N {
					return
				}
				k := i % len(statements)
				var err error
				cl.lat.time(func() { _, err = readRows(cl.stmts[k], statements[k].args(i/len(statements))...) })
				if err != nil {
					errCount.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Errorf("%s: %w", statements[k].query, err))
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()

	var lat latencies
	for _, cl := range clients {
		lat = append(lat, cl.lat...)
	}
	lat.report(b)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "statements/s")
	b.ReportMetric(float64(errCount.Load()), "errors")
	if n := errCount.Load(); n > 0 {
		b.Errorf("%d of %d statements failed over %d connections; the first: %v", n, b.N, sqlLoadClients, firstErr.Load())
	}
}

// BenchmarkStreamingFreshness measures how soon an event sent with CALL
// ingest_events shows in a report: the time from sending it to the first
// Get that lists it (the latest access of its account and service),
// through Generate and the job, over the wire. Each operation sends one
// event, newer than any stored, for an account in turn, then generates
// the report (of that account, or of the root) until it shows; it
// reports p50 and p99 of that time and the reports needed per event (1
// when every event is in the next report). The data directory is a copy
// of the loaded dataset, which the events would change.
func BenchmarkStreamingFreshness(b *testing.B) {
	l := LoadIngested(b, datasetFor("org10k"))
	dir := filepath.Join(b.TempDir(), "data")
	if err := copyDir(l.Dir, dir); err != nil {
		b.Fatal(err)
	}
	// The events come after every generated one (which end at
	// 2026-11-01), so each is the latest of its service in any scope.
	end := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	now := end.Add(24 * time.Hour)
	st, eng := openEngine(b, dir, engine.Options{Clock: engine.FixedClock(now)})
	srv := serveEngine(b, eng)
	b.Cleanup(func() {
		srv.shutdown(b)
		eng.Close()
		st.Close()
	})
	targets := freshnessTargets(b, eng)
	root := eng.Organization().Root.Path
	db := srv.db(b)
	db.SetMaxOpenConns(1)

	seq := 0 // events sent, across runs: ids and times only grow
	for _, scope := range []string{"account", "root"} {
		b.Run(scope, func(b *testing.B) {
			var lat latencies
			reports := 0
			for i := 0; i < b.N; i++ {
				tg := targets[i%len(targets)]
				path := tg.account.Path
				if scope == "root" {
					path = root
				}
				seq++
				at := end.Add(time.Hour + time.Duration(seq)*time.Millisecond)
				rec := freshnessRecord(fmt.Sprintf("f0000000-0000-4000-8000-%012d", seq), tg, at)
				start := time.Now()
				var ingested int
				if err := db.QueryRow("CALL ingest_events(?)", rec).Scan(new(int64), new(int64), &ingested,
					new(int64), new(int64), new(int64), new(string), new(string)); err != nil {
					b.Fatal(err)
				}
				if ingested != 1 {
					b.Fatalf("event %d: %d ingested", seq, ingested)
				}
				for n := 1; ; n++ {
					reports++
					if visible(b, db, path, tg, at) {
						break
					}
					if n == 50 {
						b.Fatalf("event %d of %s not in %d reports of %s", seq, tg.account.ID, n, path)
					}
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			lat.report(b)
			b.ReportMetric(float64(reports)/float64(b.N), "reports/event")
		})
	}
}

// freshnessTarget is an account and a service its report lists, with a
// call that counts as an access to it.
type freshnessTarget struct {
	account              *engine.Node
	namespace, eventName string
}

// freshnessTargets picks up to 16 member accounts, each with the first
// service of a few well-known ones that its SCPs allow (so its report,
// and the root's, lists it).
func freshnessTargets(b *testing.B, eng *engine.Engine) []freshnessTarget {
	org := eng.Organization()
	calls := [][2]string{{"sts", "GetCallerIdentity"}, {"iam", "ListUsers"}, {"s3", "ListBuckets"},
		{"ec2", "DescribeInstances"}, {"lambda", "ListFunctions"}, {"dynamodb", "ListTables"}}
	ctx := context.Background()
	maxItems := 1000
	var out []freshnessTarget
	for _, a := range org.Accounts() {
		if a.ID == org.ManagementAccountID || len(out) == 16 {
			continue
		}
		id, err := eng.GenerateOrganizationsAccessReport(ctx, engine.GenerateOrganizationsAccessReportInput{EntityPath: a.Path})
		if err != nil {
			b.Fatal(err)
		}
		if err := eng.WaitJob(ctx, id); err != nil {
			b.Fatal(err)
		}
		r, err := eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: id, MaxItems: &maxItems})
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range calls {
			if slices.ContainsFunc(r.AccessDetails, func(d engine.AccessDetail) bool { return d.ServiceNamespace == c[0] }) {
				out = append(out, freshnessTarget{account: a, namespace: c[0], eventName: c[1]})
				break
			}
		}
	}
	if len(out) == 0 {
		b.Fatal("no account's report lists any of the services the events would use")
	}
	return out
}

// freshnessRecord is a CloudTrail record of an IAM user's call to the
// target's service in its account at a time.
func freshnessRecord(id string, tg freshnessTarget, at time.Time) string {
	return fmt.Sprintf(`{"eventVersion":"1.08","eventID":%q,"eventTime":%q,"eventType":"AwsApiCall","eventCategory":"Management",`+
		`"eventSource":"%s.amazonaws.com","eventName":%q,"awsRegion":"eu-west-1",`+
		`"userIdentity":{"type":"IAMUser","accountId":%q,"arn":"arn:aws:iam::%s:user/freshness"}}`,
		id, at.UTC().Format(time.RFC3339Nano), tg.namespace, tg.eventName, tg.account.ID, tg.account.ID)
}

// visible generates the report of path over SQL, waits for it and says
// whether its entry for the target's service is the access at `at` in
// the target's account.
func visible(b *testing.B, db *sql.DB, path string, tg freshnessTarget, at time.Time) bool {
	var id string
	if err := db.QueryRow("CALL generate_organizations_access_report(?, NULL)", path).Scan(&id); err != nil {
		b.Fatal(err)
	}
	for {
		var status string
		var details sql.NullString
		err := db.QueryRow("CALL get_organizations_access_report(?, 1000, NULL, NULL)", id).
			Scan(&status, new(any), new(any), new(any), new(any), &details, new(any), new(any), new(any))
		if err != nil {
			b.Fatal(err)
		}
		if status == engine.JobInProgress {
			continue
		}
		if status != engine.JobCompleted {
			b.Fatalf("job %s: %s", id, status)
		}
		var list []freshnessEntry
		if err := json.Unmarshal([]byte(details.String), &list); err != nil {
			b.Fatal(err)
		}
		i := slices.IndexFunc(list, func(d freshnessEntry) bool { return d.ServiceNamespace == tg.namespace })
		if i < 0 {
			b.Fatalf("the report of %s does not list %s", path, tg.namespace)
		}
		d := list[i]
		return d.EntityPath == tg.account.Path && d.LastAuthenticatedTime != nil && d.LastAuthenticatedTime.Equal(at)
	}
}

type freshnessEntry struct {
	ServiceNamespace, EntityPath string
	LastAuthenticatedTime        *time.Time
}

// copyDir copies a closed data directory.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if strings.HasSuffix(path, ".lock") {
			return nil
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}
