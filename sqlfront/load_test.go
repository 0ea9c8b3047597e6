package sqlfront_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.uber.org/goleak"

	"lastaccess/engine"
	"lastaccess/ingest"
	"lastaccess/internal/gen"
	"lastaccess/sqlfront"
	"lastaccess/sqlfront/sqlsink"
	"lastaccess/storage"
)

// The concurrent load test (issue 6 part 4): 32 MySQL connections run
// Generate, Get and table queries on a real server over Badger while
// `ingest --server`'s path (ingest.Run into sqlsink.Sink) streams a
// generated export into it, batch by batch.
//
// Every report and every count a client reads must be what the data held
// at one moment between batches: the result of some prefix of the
// batches, recomputed afterwards by a second engine that applies the
// same batches one at a time. The prefix must also lie between the
// batches acknowledged before the statement was sent and those begun
// before it returned, so a report that missed an acknowledged batch, saw
// part of a batch, or mixed two moments fails. Stored reports never
// change, pages of a report list it exactly once, its details table
// matches it, and after the ingest a new report equals the full data's.
// Nothing may fail, and no goroutine may outlive the server.
//
// `make test` runs it under -race at the small size; LASTACCESS_LOAD=large
// runs a larger export (go test -run TestConcurrentLoad ./sqlfront/).

// loadSize is one size of the test.
type loadSize struct {
	accounts, services, records int
	batch                       int           // events per ingest_events call (≈ one file of 50 records)
	pace                        time.Duration // least time between batches, so the ingest spans the load
	tail                        time.Duration // the load goes on this long after the ingest
	clients                     int
}

func loadSizeFromEnv() (string, loadSize) {
	if os.Getenv("LASTACCESS_LOAD") == "large" {
		return "large", loadSize{accounts: 200, services: 60, records: 200_000, batch: 500, tail: 2 * time.Second, clients: 32}
	}
	return "small", loadSize{accounts: 12, services: 20, records: 2500, batch: 60, pace: 20 * time.Millisecond, tail: 300 * time.Millisecond, clients: 32}
}

const (
	loadAdmin, loadAdminPassword   = "admin", "load-admin"
	loadReader, loadReaderPassword = "reader", "load-reader"
)

// loadNow is the servers' clock: inside the export's time range, so that
// reports meet events after their creation time and read them from the
// store's snapshot (the deferred lookups), not only from the rollups.
var loadNow = gen.DefaultEnd.Add(-60 * 24 * time.Hour)

// batchLog is an ingest.Sink around sqlsink.Sink that counts batches as
// they begin and as the server acknowledges them, and keeps the
// acknowledged ones in order for the oracle.
type batchLog struct {
	inner   ingest.Sink
	pace    time.Duration
	last    time.Time
	begun   atomic.Int64
	acked   atomic.Int64
	mu      sync.Mutex // guards batches
	batches [][]engine.Event
}

func (b *batchLog) Append(ctx context.Context, events []engine.Event) (engine.AppendResult, error) {
	if wait := b.pace - time.Since(b.last); wait > 0 {
		time.Sleep(wait)
	}
	b.last = time.Now()
	kept := slices.Clone(events)
	b.begun.Add(1)
	res, err := b.inner.Append(ctx, events)
	if err != nil {
		return res, err
	}
	b.mu.Lock()
	b.batches = append(b.batches, kept)
	b.mu.Unlock()
	b.acked.Add(1)
	return res, nil
}

// loadFixture is the generated organization and export.
type loadFixture struct {
	org      *gen.Org
	orgJSON  []byte
	logs     string
	paths    []reportPath
	filters  []countFilter
	accounts [][]string // Id, EntityPath of every account, by Id
}

// reportPath is a report the clients generate.
type reportPath struct{ path, policy string }

// countFilter is an access_events query and the events it counts.
type countFilter struct {
	query string
	args  []any
	match func(ev *engine.Event, path string) bool
}

func newLoadFixture(t *testing.T, size loadSize) *loadFixture {
	t.Helper()
	cfg := gen.Sample()
	cfg.Accounts, cfg.Services, cfg.Records = size.accounts, size.services, size.records
	cfg.DupFraction, cfg.NoDigests = 0.02, true
	dir := t.TempDir()
	org, err := gen.Organization(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := org.WriteOrgJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := gen.WriteExport(cfg, dir); err != nil {
		t.Fatal(err)
	}
	fx := &loadFixture{org: org, orgJSON: buf.Bytes(), logs: filepath.Join(dir, "AWSLogs")}

	root := org.Organization.ID + "/" + org.Roots[0].ID
	ou, _ := org.EntityPath(org.OrganizationalUnits[0].ID)
	member := org.Accounts[len(org.Accounts)/2] // not the management account (first)
	memberPath, _ := org.EntityPath(member.ID)
	// An allow-list SCP: its services, from the accounts below its
	// targets only.
	policy := "p-FullAWSAccess"
	for _, p := range org.Policies {
		if len(p.Targets) > 0 && p.Kind.String() == "AllowList" {
			policy = p.ID
			break
		}
	}
	fx.paths = []reportPath{{root, ""}, {ou, ""}, {memberPath, ""}, {root, policy}}
	for _, a := range org.Accounts {
		p, _ := org.EntityPath(a.ID)
		fx.accounts = append(fx.accounts, []string{a.ID, p})
	}
	slices.SortFunc(fx.accounts, func(a, b []string) int { return strings.Compare(a[0], b[0]) })

	from, to := gen.DefaultEnd.Add(-200*24*time.Hour), gen.DefaultEnd.Add(-100*24*time.Hour)
	fx.filters = []countFilter{
		{"SELECT COUNT(*) FROM access_events", nil,
			func(*engine.Event, string) bool { return true }},
		{"SELECT COUNT(*) FROM access_events WHERE AccountId = ?", []any{member.ID},
			func(ev *engine.Event, _ string) bool { return ev.AccountID == member.ID }},
		{"SELECT COUNT(*) FROM access_events WHERE EntityPath LIKE ?", []any{ou + "/%"},
			func(_ *engine.Event, path string) bool { return strings.HasPrefix(path, ou+"/") }},
		{"SELECT COUNT(*) FROM access_events WHERE ServiceNamespace = ? AND EventTime >= ? AND EventTime < ?", []any{"s3", from, to},
			func(ev *engine.Event, _ string) bool {
				return ev.Namespace == "s3" && ev.Time >= from.UnixNano() && ev.Time < to.UnixNano()
			}},
	}
	return fx
}

// loadServer is the server under load, over Badger.
type loadServer struct {
	st   *storage.Store
	eng  *engine.Engine
	srv  *sqlfront.Server
	addr string
	done chan error
}

func startLoadServer(t *testing.T, dir string, orgJSON []byte) *loadServer {
	t.Helper()
	st, err := storage.Open(dir, storage.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.Open(st, engine.Options{Clock: engine.FixedClock(loadNow)})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	if _, err := eng.ImportOrganization(orgJSON); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sqlfront.NewServer(eng, sqlfront.Options{Listener: ln, Users: []sqlfront.User{
		{Name: loadAdmin, Password: loadAdminPassword},
		{Name: loadReader, Password: loadReaderPassword, ReadOnly: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	s := &loadServer{st: st, eng: eng, srv: srv, addr: ln.Addr().String(), done: make(chan error, 1)}
	go func() { s.done <- srv.Serve() }()
	return s
}

// stop shuts the server down, then the engine and the store.
func (s *loadServer) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	err = errors.Join(err, <-s.done)
	err = errors.Join(err, s.eng.Close())
	return errors.Join(err, s.st.Close())
}

func (s *loadServer) db(t *testing.T, user, password string, interpolate bool) *sql.DB {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = user, password, "tcp", s.addr, sqlfront.DatabaseName
	cfg.ParseTime, cfg.InterpolateParams = true, interpolate
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// reportObs is a report a client read: generated when lo batches were
// acknowledged and fewer than hi+1 begun.
type reportObs struct {
	path   int
	lo, hi int64
	job    string
	key    string // counts and AccessDetails, as reportKey
}

// countObs is a count a client read.
type countObs struct {
	filter int
	lo, hi int64
	n      int64
}

func reportKey(accessible, notAccessed sql.NullInt64, details string) string {
	return fmt.Sprintf("%d/%d %s", accessible.Int64, notAccessed.Int64, details)
}

// loadRun is the shared state of the clients.
type loadRun struct {
	fx   *loadFixture
	log  *batchLog
	stop atomic.Bool

	mu      sync.Mutex // guards the fields below
	reports []reportObs
	counts  []countObs
	jobs    []string          // completed jobs, for the readers
	jobKey  map[string]string // job → its report as first read
	errs    []error
}

func (r *loadRun) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) < 20 {
		r.errs = append(r.errs, err)
	}
	r.stop.Store(true)
}

// sameJob records a job's report, or checks it against the first read.
func (r *loadRun) sameJob(job, key string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	first, ok := r.jobKey[job]
	if !ok {
		r.jobKey[job] = key
		r.jobs = append(r.jobs, job)
		return nil
	}
	if first != key {
		return fmt.Errorf("job %s changed after it completed:\n first %.300s\n  then %.300s", job, first, key)
	}
	return nil
}

func (r *loadRun) randomJob(rng *rand.Rand) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.jobs) == 0 {
		return ""
	}
	return r.jobs[rng.IntN(len(r.jobs))]
}

func TestConcurrentLoad(t *testing.T) {
	name, size := loadSizeFromEnv()
	fx := newLoadFixture(t, size)
	ignore := goleak.IgnoreCurrent()
	start := time.Now()
	run, final := runLoad(t, fx, size)
	if t.Failed() {
		return
	}
	// The server, its engine and every client are closed: no goroutine
	// of theirs may remain.
	goleak.VerifyNone(t, ignore)
	checkLoad(t, fx, run, final)
	t.Logf("%s load: %d clients, %d batches of up to %d events in %s; %d reports and %d counts checked against %d snapshots",
		name, size.clients, len(run.log.batches), size.batch, time.Since(start).Round(time.Millisecond),
		len(run.reports), len(run.counts), len(run.log.batches)+1)
}

// runLoad runs the ingest and the clients, then reads the final reports
// and shuts everything down. It returns the observations and the final
// report of each path.
func runLoad(t *testing.T, fx *loadFixture, size loadSize) (*loadRun, []string) {
	s := startLoadServer(t, t.TempDir(), fx.orgJSON)
	stopped := false
	defer func() {
		if !stopped {
			s.stop()
		}
	}()
	sink, err := sqlsink.Dial(context.Background(), s.addr, loadAdmin, loadAdminPassword)
	if err != nil {
		t.Fatal(err)
	}
	run := &loadRun{fx: fx, log: &batchLog{inner: sink, pace: size.pace}, jobKey: map[string]string{}}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ingested := make(chan error, 1)
	go func() {
		sum, err := ingest.Run(ctx, []string{fx.logs}, run.log, ingest.Options{NoProgress: true, BatchSize: size.batch, Workers: 2})
		if err == nil && sum.Failed() {
			err = fmt.Errorf("ingest failed: %+v", sum.Errors)
		}
		if err == nil && sum.Ingested == 0 {
			err = errors.New("nothing ingested")
		}
		ingested <- errors.Join(err, sink.Close())
	}()

	admin := s.db(t, loadAdmin, loadAdminPassword, false)
	reader := s.db(t, loadReader, loadReaderPassword, true)
	defer admin.Close()
	defer reader.Close()
	var wg sync.WaitGroup
	for c := 0; c < size.clients; c++ {
		db := reader
		if c%3 == 0 {
			db = admin // Generate needs the admin; a third of the clients
		}
		conn, err := db.Conn(ctx)
		if err != nil {
			run.stop.Store(true)
			wg.Wait()
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			rng := rand.New(rand.NewPCG(uint64(c), 42))
			for !run.stop.Load() {
				var err error
				if db == admin {
					err = run.generateStep(ctx, conn, rng)
				} else {
					err = run.readStep(ctx, conn, rng)
				}
				if err != nil {
					run.fail(fmt.Errorf("client %d: %w", c, err))
					return
				}
			}
		}()
	}
	err = <-ingested
	if err == nil {
		time.Sleep(size.tail)
	}
	run.stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range run.errs {
		t.Error(e)
	}
	if t.Failed() {
		return run, nil
	}

	// After the ingest: a new report of each path, and every stored
	// report read once more.
	conn, err := admin.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var final []string
	for i := range fx.paths {
		_, key, err := run.generate(ctx, conn, i)
		if err != nil {
			t.Fatal(err)
		}
		final = append(final, key)
	}
	for _, job := range run.jobs {
		key, err := readReport(ctx, conn, job)
		if err == nil {
			err = run.sameJob(job, key)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	admin.Close()
	reader.Close()
	stopped = true
	if err := s.stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	return run, final
}

// generateStep generates a report of a random path and reads it every
// way: the full page, pages of a few services, and its details table.
func (r *loadRun) generateStep(ctx context.Context, conn *sql.Conn, rng *rand.Rand) error {
	_, _, err := r.generate(ctx, conn, rng.IntN(len(r.fx.paths)))
	return err
}

// generate runs Generate for a path, waits for the job and reads it; the
// observation is recorded with the batch counts around the Generate.
func (r *loadRun) generate(ctx context.Context, conn *sql.Conn, path int) (string, string, error) {
	p := r.fx.paths[path]
	var policy any
	if p.policy != "" {
		policy = p.policy
	}
	lo := r.log.acked.Load()
	var job string
	if err := conn.QueryRowContext(ctx, "CALL generate_organizations_access_report(?, ?)", p.path, policy).Scan(&job); err != nil {
		return "", "", fmt.Errorf("generate %s %s: %w", p.path, p.policy, err)
	}
	hi := r.log.begun.Load()
	for {
		var status string
		if err := conn.QueryRowContext(ctx, "SELECT JobStatus FROM organizations_access_reports WHERE JobId = ?", job).Scan(&status); err != nil {
			return "", "", err
		}
		if status == "COMPLETED" {
			break
		}
		if status != "IN_PROGRESS" {
			return "", "", fmt.Errorf("job %s: %s", job, status)
		}
		time.Sleep(time.Millisecond)
	}
	key, err := readReport(ctx, conn, job)
	if err != nil {
		return "", "", err
	}
	if err := r.sameJob(job, key); err != nil {
		return "", "", err
	}
	r.mu.Lock()
	r.reports = append(r.reports, reportObs{path: path, lo: lo, hi: hi, job: job, key: key})
	r.mu.Unlock()
	return job, key, nil
}

// readReport reads a completed report three ways and checks they agree:
// one page of up to 1000 services, pages of 7 in descending time order,
// and organizations_access_details. It returns the report's key.
func readReport(ctx context.Context, conn *sql.Conn, job string) (string, error) {
	full, err := getPage(ctx, conn, job, 1000, nil, nil)
	if err != nil {
		return "", err
	}
	if full.status != "COMPLETED" || full.truncated {
		return "", fmt.Errorf("job %s: status %s, truncated %v", job, full.status, full.truncated)
	}
	var all []map[string]any
	if err := json.Unmarshal([]byte(full.details.String), &all); err != nil {
		return "", fmt.Errorf("job %s: AccessDetails: %w", job, err)
	}
	if int64(len(all)) != full.accessible.Int64 {
		return "", fmt.Errorf("job %s: %d services listed, NumberOfServicesAccessible %d", job, len(all), full.accessible.Int64)
	}

	// Paged, another order: every service once, with the same figures.
	byNS := map[string]string{}
	for _, d := range all {
		b, _ := json.Marshal(d)
		byNS[d["ServiceNamespace"].(string)] = string(b)
	}
	seen := 0
	var marker any
	for {
		page, err := getPage(ctx, conn, job, 7, marker, "LAST_AUTHENTICATED_TIME_DESCENDING")
		if err != nil {
			return "", err
		}
		var list []map[string]any
		if err := json.Unmarshal([]byte(page.details.String), &list); err != nil {
			return "", err
		}
		for _, d := range list {
			b, _ := json.Marshal(d)
			ns := d["ServiceNamespace"].(string)
			if byNS[ns] != string(b) {
				return "", fmt.Errorf("job %s: paged %s is %s, the full page has %q", job, ns, b, byNS[ns])
			}
			delete(byNS, ns)
			seen++
		}
		if !page.truncated {
			break
		}
		marker = page.marker.String
	}
	if seen != len(all) || len(byNS) != 0 {
		return "", fmt.Errorf("job %s: pages listed %d services of %d", job, seen, len(all))
	}

	// The details table holds the same rows.
	rows, err := conn.QueryContext(ctx, "SELECT ServiceNamespace, Region, EntityPath, LastAuthenticatedTime, TotalAuthenticatedEntities "+
		"FROM organizations_access_details WHERE JobId = ? ORDER BY ServiceNamespace", job)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var ns string
		var region, path sql.NullString
		var at sql.NullTime
		var total int
		if err := rows.Scan(&ns, &region, &path, &at, &total); err != nil {
			return "", err
		}
		if i >= len(all) {
			return "", fmt.Errorf("job %s: more detail rows than services", job)
		}
		d := all[i]
		i++
		want := fmt.Sprint(d["ServiceNamespace"], d["Region"], d["EntityPath"], d["LastAuthenticatedTime"], d["TotalAuthenticatedEntities"])
		var wantAt any
		if at.Valid {
			wantAt = at.Time.UTC().Format(time.RFC3339Nano)
		}
		var r, p any
		if region.Valid {
			r = region.String
		}
		if path.Valid {
			p = path.String
		}
		if got := fmt.Sprint(ns, r, p, wantAt, float64(total)); got != want {
			return "", fmt.Errorf("job %s: details row %q, report entry %q", job, got, want)
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	if i != len(all) {
		return "", fmt.Errorf("job %s: %d detail rows for %d services", job, i, len(all))
	}
	return reportKey(full.accessible, full.notAccessed, full.details.String), nil
}

type orgPageRow struct {
	status                  string
	accessible, notAccessed sql.NullInt64
	details                 sql.NullString
	truncated               bool
	marker                  sql.NullString
}

func getPage(ctx context.Context, conn *sql.Conn, job string, maxItems int, marker, sortKey any) (orgPageRow, error) {
	var p orgPageRow
	err := conn.QueryRowContext(ctx, "CALL get_organizations_access_report(?, ?, ?, ?)", job, maxItems, marker, sortKey).
		Scan(&p.status, new(any), new(any), &p.accessible, &p.notAccessed, &p.details, &p.truncated, &p.marker, new(any))
	if err != nil {
		return p, fmt.Errorf("get %s: %w", job, err)
	}
	return p, nil
}

// readStep is a read-only client's statement mix: a Get of a stored
// report, a count over access_events, the accounts table.
func (r *loadRun) readStep(ctx context.Context, conn *sql.Conn, rng *rand.Rand) error {
	switch rng.IntN(3) {
	case 0:
		job := r.randomJob(rng)
		if job == "" {
			return nil
		}
		key, err := readReport(ctx, conn, job)
		if err != nil {
			return err
		}
		return r.sameJob(job, key)
	case 1:
		fi := rng.IntN(len(r.fx.filters))
		f := r.fx.filters[fi]
		lo := r.log.acked.Load()
		var n int64
		if err := conn.QueryRowContext(ctx, f.query, f.args...).Scan(&n); err != nil {
			return fmt.Errorf("%s: %w", f.query, err)
		}
		hi := r.log.begun.Load()
		r.mu.Lock()
		r.counts = append(r.counts, countObs{filter: fi, lo: lo, hi: hi, n: n})
		r.mu.Unlock()
	case 2:
		rows, err := conn.QueryContext(ctx, "SELECT Id, EntityPath FROM accounts ORDER BY Id")
		if err != nil {
			return err
		}
		defer rows.Close()
		var got [][]string
		for rows.Next() {
			var id, path string
			if err := rows.Scan(&id, &path); err != nil {
				return err
			}
			got = append(got, []string{id, path})
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if !slices.EqualFunc(got, r.fx.accounts, slices.Equal) {
			return fmt.Errorf("accounts: %v, want %v", got, r.fx.accounts)
		}
	}
	return nil
}

// checkLoad replays the acknowledged batches one at a time into a second
// engine and checks every observation against the snapshots it allows.
func checkLoad(t *testing.T, fx *loadFixture, run *loadRun, final []string) {
	batches := run.log.batches
	st, err := storage.Open(t.TempDir(), storage.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng, err := engine.Open(st, engine.Options{Clock: engine.FixedClock(loadNow)})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if _, err := eng.ImportOrganization(fx.orgJSON); err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{}
	for _, a := range fx.accounts {
		paths[a[0]] = a[1]
	}

	// want[path][k] is the report after k batches; counts[filter][k] the
	// count.
	want := make([][]string, len(fx.paths))
	counts := make([][]int64, len(fx.filters))
	cur := make([]int64, len(fx.filters))
	seen := map[string]bool{}
	ctx := context.Background()
	for k := 0; k <= len(batches); k++ {
		if k > 0 {
			evs := slices.Clone(batches[k-1])
			if _, err := eng.Append(ctx, evs); err != nil {
				t.Fatal(err)
			}
			for i := range batches[k-1] {
				ev := &batches[k-1][i]
				if seen[ev.ID] {
					continue
				}
				seen[ev.ID] = true
				for fi, f := range fx.filters {
					if f.match(ev, paths[ev.AccountID]) {
						cur[fi]++
					}
				}
			}
		}
		for fi := range fx.filters {
			counts[fi] = append(counts[fi], cur[fi])
		}
		for pi, p := range fx.paths {
			want[pi] = append(want[pi], oracleReport(t, eng, p))
		}
	}

	for _, o := range run.reports {
		if !matchesSome(want[o.path], o.lo, o.hi, func(w string) bool { return w == o.key }) {
			t.Errorf("report %s of %+v, generated after %d batches were acknowledged and before batch %d began, "+
				"is the data of no moment in between; against the data after %d batches:\n%s",
				o.job, fx.paths[o.path], o.lo, o.hi+1, o.lo, keyDiff(o.key, want[o.path][o.lo]))
		}
	}
	for _, o := range run.counts {
		if !matchesSome(counts[o.filter], o.lo, o.hi, func(w int64) bool { return w == o.n }) {
			t.Errorf("%s %v = %d after %d batches acknowledged, before batch %d began; the data of those moments: %v",
				fx.filters[o.filter].query, fx.filters[o.filter].args, o.n, o.lo, o.hi+1,
				counts[o.filter][o.lo:min(int(o.hi)+1, len(counts[o.filter]))])
		}
	}
	for pi, key := range final {
		if w := want[pi][len(batches)]; key != w {
			t.Errorf("after the ingest, the report of %+v differs from the full data's:\n%s", fx.paths[pi], keyDiff(key, w))
		}
	}
	// The checks could fail: reports and counts changed as batches came.
	for pi := range fx.paths {
		if want[pi][0] == want[pi][len(batches)] {
			t.Errorf("the report of %+v did not change during the ingest", fx.paths[pi])
		}
	}
	if len(run.reports) < len(fx.paths) || len(run.counts) < len(fx.filters) {
		t.Errorf("only %d reports and %d counts observed", len(run.reports), len(run.counts))
	}
}

func matchesSome[T any](want []T, lo, hi int64, eq func(T) bool) bool {
	for k := lo; k <= hi && k < int64(len(want)); k++ {
		if eq(want[k]) {
			return true
		}
	}
	return false
}

// oracleReport is the report of p as the engine computes it now, in the
// form readReport returns.
func oracleReport(t *testing.T, eng *engine.Engine, p reportPath) string {
	ctx := context.Background()
	id, err := eng.GenerateOrganizationsAccessReport(ctx, engine.GenerateOrganizationsAccessReportInput{
		EntityPath: p.path, OrganizationsPolicyID: engine.OptionalString(p.policy), Caller: loadAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.WaitJob(ctx, id); err != nil {
		t.Fatal(err)
	}
	max := 1000
	r, err := eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: id, MaxItems: &max, Caller: loadAdmin})
	if err != nil {
		t.Fatal(err)
	}
	details, err := json.Marshal(r.AccessDetails)
	if err != nil {
		t.Fatal(err)
	}
	n := func(p *int) sql.NullInt64 {
		if p == nil {
			return sql.NullInt64{}
		}
		return sql.NullInt64{Int64: int64(*p), Valid: true}
	}
	return reportKey(n(r.NumberOfServicesAccessible), n(r.NumberOfServicesNotAccessed), string(details))
}

// keyDiff shows how two report keys differ: the counts, and the services
// whose entries differ (at most 5).
func keyDiff(got, want string) string {
	gc, gd, _ := strings.Cut(got, " ")
	wc, wd, _ := strings.Cut(want, " ")
	var b strings.Builder
	if gc != wc {
		fmt.Fprintf(&b, "  counts %s, want %s\n", gc, wc)
	}
	entries := func(s string) map[string]string {
		var list []map[string]any
		json.Unmarshal([]byte(s), &list)
		out := map[string]string{}
		for _, d := range list {
			e, _ := json.Marshal(d)
			out[fmt.Sprint(d["ServiceNamespace"])] = string(e)
		}
		return out
	}
	g, w := entries(gd), entries(wd)
	var names []string
	for ns := range g {
		names = append(names, ns)
	}
	for ns := range w {
		if _, ok := g[ns]; !ok {
			names = append(names, ns)
		}
	}
	slices.Sort(names)
	shown := 0
	for _, ns := range names {
		if g[ns] != w[ns] && shown < 5 {
			fmt.Fprintf(&b, "  %s:\n     got %s\n    want %s\n", ns, g[ns], w[ns])
			shown++
		}
	}
	return b.String()
}
