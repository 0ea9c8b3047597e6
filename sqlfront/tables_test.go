package sqlfront

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"lastaccess/engine"
)

// loadMonths stores, through CALL ingest_events, one batch per month of
// 2019-01..04: for every account of the sample organization and each of
// three services, five calls. Each batch is one commit, so every account
// and service has one block of stored events per month.
func loadMonths(t *testing.T, ts *testServer, db *sql.DB) int {
	t.Helper()
	org, err := os.ReadFile(repoPath("testdata", "aws-sample", "org.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CALL import_organization(?)", string(org)); err != nil {
		t.Fatal(err)
	}
	var accounts []string
	rows := queryRows(t, db, "SELECT Id FROM accounts ORDER BY Id")
	for _, r := range rows {
		accounts = append(accounts, r[0])
	}
	sources := []string{"s3.amazonaws.com", "iam.amazonaws.com", "dynamodb.amazonaws.com"}
	n := 0
	for month := 1; month <= 4; month++ {
		var recs []string
		for _, a := range accounts {
			for _, src := range sources {
				for k := 0; k < 5; k++ {
					n++
					rec := testRecord(eventID(n), a, fmt.Sprintf("2019-%02d-%02dT10:00:%02dZ", month, 3+k, k))
					recs = append(recs, strings.Replace(rec, "s3.amazonaws.com", src, 1))
				}
			}
		}
		var ingested int
		if err := db.QueryRow("CALL ingest_events(?)", `{"Records":[`+strings.Join(recs, ",")+`]}`).
			Scan(new(int64), new(int64), &ingested, new(int64), new(int64), new(int64), new(string), new(string)); err != nil {
			t.Fatal(err)
		}
		if ingested != len(recs) {
			t.Fatalf("month %d: %d ingested of %d", month, ingested, len(recs))
		}
	}
	return n
}

// engineKeys is what the engine reads for a filter on its own, and the
// events it returns.
func engineKeys(t *testing.T, eng *engine.Engine, f engine.EventFilter) (keys int64, events int) {
	t.Helper()
	f.KeysRead = &keys
	err := eng.ScanEvents(context.Background(), f, func(*engine.Event, string) error { events++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	return keys, events
}

func utc(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// TestEventFilterPushdown proves by counting keys that a WHERE clause on
// access_events reads only the keys the engine reads for the same
// filter, fewer than a full scan, and still returns exactly the matching
// rows — for plain and prepared statements.
func TestEventFilterPushdown(t *testing.T) {
	ts := startServerWith(t, serverConfig{noSample: true})
	db := ts.admin()
	total := loadMonths(t, ts, db)
	const otherOU = "o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-1a2b3c-otherou0example"

	fullKeys, fullEvents := engineKeys(t, ts.eng, engine.EventFilter{})
	if fullEvents != total {
		t.Fatalf("engine holds %d events, want %d", fullEvents, total)
	}
	cases := []struct {
		name   string
		where  string
		args   []any
		filter engine.EventFilter
	}{
		{"account", "AccountId = ?", []any{"111122223333"},
			engine.EventFilter{AccountIDs: []string{"111122223333"}}},
		{"accounts", "AccountId IN (?, ?)", []any{"111122223333", "666677778888"},
			engine.EventFilter{AccountIDs: []string{"111122223333", "666677778888"}}},
		{"path prefix", "EntityPath LIKE ?", []any{otherOU + "/%"},
			engine.EventFilter{EntityPathPrefix: otherOU + "/", HasPathPrefix: true}},
		{"namespace", "ServiceNamespace = ?", []any{"iam"},
			engine.EventFilter{Namespace: "iam"}},
		{"time range", "EventTime >= ? AND EventTime < ?", []any{"2019-02-01 00:00:00", "2019-03-01 00:00:00"},
			engine.EventFilter{From: utc("2019-02-01T00:00:00Z"), To: utc("2019-03-01T00:00:00Z")}},
		{"between", "EventTime BETWEEN ? AND ?", []any{"2019-04-01", "2019-04-30"},
			engine.EventFilter{From: utc("2019-04-01T00:00:00Z"), To: utc("2019-04-30T00:00:00Z")}},
		{"all four", "EntityPath LIKE ? AND ServiceNamespace = ? AND AccountId = ? AND EventTime > ?",
			[]any{sampleOU + "/%", "dynamodb", "222233334444", "2019-03-15"},
			engine.EventFilter{EntityPathPrefix: sampleOU + "/", HasPathPrefix: true, Namespace: "dynamodb",
				AccountIDs: []string{"222233334444"}, From: utc("2019-03-15T00:00:00Z")}},
	}
	for _, c := range cases {
		for _, prepared := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/prepared=%v", c.name, prepared), func(t *testing.T) {
				conn := db
				if !prepared {
					conn = ts.admin("interpolateParams=true")
				}
				wantKeys, wantEvents := engineKeys(t, ts.eng, c.filter)
				if wantKeys >= fullKeys {
					t.Fatalf("bad case: the filter reads %d keys of %d", wantKeys, fullKeys)
				}
				before := ts.srv.EventKeysRead()
				var n int
				if err := conn.QueryRow("SELECT COUNT(*) FROM access_events WHERE "+c.where, c.args...).Scan(&n); err != nil {
					t.Fatal(err)
				}
				keys := ts.srv.EventKeysRead() - before
				if keys != wantKeys || n != wantEvents {
					t.Fatalf("WHERE %s: %d rows from %d keys; the engine reads %d keys for its %d events (full scan: %d keys)",
						c.where, n, keys, wantKeys, wantEvents, fullKeys)
				}
			})
		}
	}

	// No filter, or one on a column that cannot narrow the keys: a full
	// scan, and the right rows.
	for _, where := range []string{"1 = 1", "AwsRegion = 'eu-west-1'"} {
		before := ts.srv.EventKeysRead()
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM access_events WHERE " + where).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if keys := ts.srv.EventKeysRead() - before; keys != fullKeys || n != total {
			t.Errorf("WHERE %s: %d rows from %d keys, want %d from %d", where, n, keys, total, fullKeys)
		}
	}

	// Contradictory conjuncts read nothing.
	before := ts.srv.EventKeysRead()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM access_events WHERE ServiceNamespace = 'iam' AND ServiceNamespace = 's3'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if keys := ts.srv.EventKeysRead() - before; keys != 0 || n != 0 {
		t.Errorf("contradiction: %d rows from %d keys", n, keys)
	}

	plan := explainPlan(t, db, "SELECT * FROM access_events WHERE EntityPath LIKE '"+otherOU+"/%' AND ServiceNamespace = 'iam'")
	if !strings.Contains(plan, "IndexedTableAccess(access_events)") || !strings.Contains(plan, `ServiceNamespace = "iam"`) ||
		!strings.Contains(plan, "AccountId IN (666677778888)") {
		t.Errorf("plan:\n%s", plan)
	}
}

// TestEventRows: access_events shows each stored event with its account's
// entity path (NULL for accounts outside the organization).
func TestEventRows(t *testing.T) {
	ts := startServerWith(t, serverConfig{noSample: true})
	db := ts.admin()
	recs := testRecord(eventID(1), "111122223333", "2019-06-01T12:30:45Z") + "\n" +
		testRecord(eventID(2), "000011112222", "2019-06-02T00:00:00Z")
	if _, err := db.Exec("CALL ingest_events(?)", recs); err != nil {
		t.Fatal(err)
	}
	got := queryRows(t, db, "SELECT EventId, EventTime, EventSource, EventName, ServiceNamespace, AwsRegion, AccountId, EntityPath, PrincipalArn, PrincipalType, ErrorCode FROM access_events ORDER BY EventId")
	want := [][]string{
		{eventID(1), "2019-06-01T12:30:45Z", "s3.amazonaws.com", "ListBuckets", "s3", "eu-west-1", "111122223333", "NULL",
			"arn:aws:iam::111122223333:user/alice", "IAMUser", "NULL"},
		{eventID(2), "2019-06-02T00:00:00Z", "s3.amazonaws.com", "ListBuckets", "s3", "eu-west-1", "000011112222", "NULL",
			"arn:aws:iam::000011112222:user/alice", "IAMUser", "NULL"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rows\n got %v\nwant %v", got, want)
	}
	org, err := os.ReadFile(repoPath("testdata", "aws-sample", "org.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CALL import_organization(?)", string(org)); err != nil {
		t.Fatal(err)
	}
	got = queryRows(t, db, "SELECT AccountId, EntityPath FROM access_events ORDER BY EventId")
	if got[0][1] != sampleOU+"/111122223333" || got[1][1] != "NULL" {
		t.Fatalf("paths after import: %v", got)
	}
}

func explainPlan(t *testing.T, db *sql.DB, query string, args ...any) string {
	t.Helper()
	var lines []string
	for _, r := range queryRows(t, db, "EXPLAIN PLAN "+query, args...) {
		lines = append(lines, r[0])
	}
	return strings.Join(lines, "\n")
}

// TestDetailsInKeyOrder: a page of organizations_access_details by JobId
// comes from the key lookup in ServiceNamespace order, without a Sort
// (EXPLAIN PLAN), ascending and descending, with the same rows as a
// sorted read.
func TestDetailsInKeyOrder(t *testing.T) {
	ts := startServer(t)
	db := ts.admin()
	id := ts.generate(t, db, sampleRoot)
	other := ts.generate(t, db, sampleOU)

	job, err := ts.eng.OrganizationsReportJob(id, adminUser)
	if err != nil {
		t.Fatal(err)
	}
	// expect lists the job's namespaces from ns on, sorted byte-wise in
	// Go, reversed for DESC, cut at limit.
	expect := func(from string, desc bool, limit int) string {
		var out []string
		for _, d := range job.AccessDetails {
			if d.ServiceNamespace >= from {
				out = append(out, d.ServiceNamespace)
			}
		}
		sort.Strings(out)
		if desc {
			slices.Reverse(out)
		}
		if limit < len(out) {
			out = out[:limit]
		}
		return strings.Join(out, " ")
	}
	for _, c := range []struct {
		query   string
		reverse bool
		want    string
	}{
		{"SELECT ServiceNamespace, ServiceName FROM organizations_access_details WHERE JobId = ? ORDER BY ServiceNamespace LIMIT 100", false, expect("", false, 100)},
		{"SELECT ServiceNamespace, LastAuthenticatedTime FROM organizations_access_details WHERE JobId = ? ORDER BY ServiceNamespace", false, expect("", false, 1000)},
		{"SELECT d.ServiceNamespace FROM organizations_access_details AS d WHERE d.JobId = ? ORDER BY d.ServiceNamespace ASC LIMIT 10", false, expect("", false, 10)},
		{"SELECT ServiceNamespace FROM organizations_access_details WHERE JobId = ? ORDER BY JobId, ServiceNamespace LIMIT 100", false, expect("", false, 100)},
		{"SELECT ServiceNamespace FROM organizations_access_details WHERE JobId = ? ORDER BY ServiceNamespace DESC LIMIT 100", true, expect("", true, 100)},
		{"SELECT ServiceNamespace FROM organizations_access_details WHERE JobId = ? AND ServiceNamespace >= 'e' ORDER BY ServiceNamespace LIMIT 20", false, expect("e", false, 20)},
	} {
		plan := explainPlan(t, db, strings.Replace(c.query, "?", "'"+id+"'", 1))
		if strings.Contains(plan, "Sort") || strings.Contains(plan, "TopN") ||
			!strings.Contains(plan, "IndexedTableAccess(organizations_access_details)") ||
			strings.Contains(plan, "reverse: true") != c.reverse {
			t.Errorf("%s: plan\n%s", c.query, plan)
		}
		var got []string
		for _, r := range queryRows(t, db, c.query, id) {
			got = append(got, r[0])
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s: rows\n got %v\nwant %v", c.query, got, c.want)
		}
	}

	// Orders the key does not give still sort.
	for _, q := range []string{
		"SELECT * FROM organizations_access_details WHERE JobId = ? ORDER BY LastAuthenticatedTime DESC LIMIT 10",
		"SELECT * FROM organizations_access_details WHERE JobId IN (?, ?) ORDER BY ServiceNamespace LIMIT 10",
		"SELECT * FROM organizations_access_details ORDER BY ServiceNamespace LIMIT 10",
	} {
		plan := explainPlan(t, db, strings.Replace(strings.Replace(q, "?", "'"+id+"'", 1), "?", "'"+other+"'", 1))
		if !strings.Contains(plan, "Sort") && !strings.Contains(plan, "TopN") {
			t.Errorf("%s: no sort in plan\n%s", q, plan)
		}
	}
	got := queryRows(t, db, "SELECT ServiceNamespace FROM organizations_access_details WHERE JobId IN (?, ?) ORDER BY ServiceNamespace LIMIT 3", id, other)
	if fmt.Sprint(got) != "[[a2c] [a4b] [access-analyzer]]" {
		t.Errorf("two jobs by namespace: %v", got)
	}
}

// TestReportsByJobID: JobId is a key lookup on organizations_access_reports
// and the _details table, an unknown JobId finds nothing, and every
// column holds the report.
func TestReportsByJobID(t *testing.T) {
	ts := startServer(t)
	db := ts.admin()
	id := ts.generate(t, db, sampleOU)
	root := ts.generate(t, db, sampleRoot)

	plan := explainPlan(t, db, "SELECT JobId FROM organizations_access_reports WHERE JobId IN ('"+id+"', '"+root+"')")
	if !strings.Contains(plan, "IndexedTableAccess(organizations_access_reports)") {
		t.Errorf("plan:\n%s", plan)
	}
	row := queryRows(t, db, "SELECT * FROM organizations_access_reports WHERE JobId = ?", id)
	if len(row) != 1 {
		t.Fatalf("rows %v", row)
	}
	r := row[0]
	if r[0] != id || r[1] != sampleOU || r[2] != "NULL" || r[3] != "COMPLETED" || r[4] != "2019-06-18T19:47:31.466Z" ||
		r[6] != "3" || r[7] != "1" || r[8] != "0.3333" || !strings.HasPrefix(r[9], `[{"ServiceName":"Amazon DynamoDB","ServiceNamespace":"dynamodb","Region":"us-west-2"`) || r[10] != "NULL" {
		t.Fatalf("row %q", r)
	}
	if got := queryRows(t, db, "SELECT COUNT(*) FROM organizations_access_reports WHERE JobId = '00000000-0000-4000-8000-000000000000'"); got[0][0] != "0" {
		t.Errorf("unknown job: %v", got)
	}
	if got := queryRows(t, db, "SELECT COUNT(*) FROM organizations_access_reports WHERE JobId = 'short'"); got[0][0] != "0" {
		t.Errorf("malformed job id: %v", got)
	}
	if got := queryRows(t, db, "SELECT COUNT(*) FROM organizations_access_reports"); got[0][0] != "2" {
		t.Errorf("all jobs: %v", got)
	}
	if got := queryRows(t, db, "SELECT COUNT(*) FROM organizations_access_reports WHERE JobId > ?", min(id, root)); got[0][0] != "1" {
		t.Errorf("range: %v", got)
	}
	if got := queryRows(t, db, "SELECT JobId FROM organizations_access_reports ORDER BY JobId DESC"); got[0][0] != max(id, root) {
		t.Errorf("descending: %v", got)
	}
	for _, c := range []struct {
		query string
		args  []any
		want  string
	}{
		// A range on JobId scans jobs; the namespace is checked per row.
		{"SELECT COUNT(*) FROM organizations_access_details WHERE JobId >= '0' AND ServiceNamespace = 'iam'", nil, "[[2]]"},
		{"SELECT COUNT(*) FROM organizations_access_details WHERE JobId = ? AND ServiceNamespace IN ('iam', 's3', 'nope')", []any{id}, "[[2]]"},
		{"SELECT COUNT(*) FROM organizations_access_details WHERE JobId IN (?, ?) AND ServiceNamespace > 'iam'", []any{id, root}, fmt.Sprintf("[[%d]]", 1+countAfter(t, ts, root, "iam"))},
		{"SELECT JobId, ServiceNamespace FROM organizations_access_details ORDER BY JobId DESC, ServiceNamespace DESC LIMIT 2", nil,
			fmt.Sprintf("[[%s %s] [%s %s]]", max(id, root), lastNamespaces(t, ts, max(id, root))[0], max(id, root), lastNamespaces(t, ts, max(id, root))[1])},
	} {
		if got := queryRows(t, db, c.query, c.args...); fmt.Sprint(got) != c.want {
			t.Errorf("%s: %v, want %s", c.query, got, c.want)
		}
	}
	got := queryRows(t, db, "SELECT ServiceNamespace, Region, EntityPath, LastAuthenticatedTime, TotalAuthenticatedEntities FROM organizations_access_details WHERE JobId = ?", id)
	want := "[[dynamodb us-west-2 " + sampleOU + "/111122223333 2019-05-25T16:29:52Z 2] [iam us-east-1 " + sampleOU + "/123456789012 2019-06-15T13:12:06Z 5] [s3 NULL NULL NULL 0]]"
	if fmt.Sprint(got) != want {
		t.Errorf("details\n got %v\nwant %v", got, want)
	}

	// Column types: DATETIME(6), JSON, DECIMAL(5,4).
	rows, err := db.Query("SELECT JobCreationDate, AccessDetails, NotAccessedShare, NumberOfServicesAccessible FROM organizations_access_reports LIMIT 1")
	if err != nil {
		t.Fatal(err)
	}
	types, err := rows.ColumnTypes()
	rows.Close()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ct := range types {
		p, s, _ := ct.DecimalSize()
		names = append(names, fmt.Sprintf("%s(%d,%d)", ct.DatabaseTypeName(), p, s))
	}
	if fmt.Sprint(names) != "[DATETIME(6,6) JSON(0,0) DECIMAL(5,4) INT(0,0)]" {
		t.Errorf("column types %v", names)
	}
}

// countAfter counts the services of a job whose namespace sorts after ns.
func countAfter(t *testing.T, ts *testServer, job, ns string) int {
	t.Helper()
	j, err := ts.eng.OrganizationsReportJob(job, adminUser)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range j.AccessDetails {
		if d.ServiceNamespace > ns {
			n++
		}
	}
	return n
}

// lastNamespaces lists a job's namespaces, last first.
func lastNamespaces(t *testing.T, ts *testServer, job string) []string {
	t.Helper()
	j, err := ts.eng.OrganizationsReportJob(job, adminUser)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range j.AccessDetails {
		out = append(out, d.ServiceNamespace)
	}
	sort.Strings(out)
	slices.Reverse(out)
	return out
}

// TestOrganizationTables: the organization and catalog tables show the
// imported snapshot and the catalog.
func TestOrganizationTables(t *testing.T) {
	ts := startServer(t)
	db := ts.reader()
	org := ts.eng.Organization()
	for _, c := range []struct {
		query string
		want  int
	}{
		{"SELECT COUNT(*) FROM roots", 1},
		{"SELECT COUNT(*) FROM organizational_units", len(org.OrganizationalUnits())},
		{"SELECT COUNT(*) FROM accounts", len(org.Accounts())},
		{"SELECT COUNT(*) FROM policies", len(org.Policies())},
		{"SELECT COUNT(*) FROM services", ts.eng.Catalog().Len()},
		{"SELECT COUNT(*) FROM accounts WHERE IsManagementAccount", 1},
	} {
		if got := queryRows(t, db, c.query); got[0][0] != fmt.Sprint(c.want) {
			t.Errorf("%s: %v, want %d", c.query, got, c.want)
		}
	}
	if got := queryRows(t, db, "SELECT Id, Name, EntityPath FROM roots"); fmt.Sprint(got) != "[[r-f6g7h8i9j0example Root "+sampleRoot+"]]" {
		t.Errorf("roots %v", got)
	}
	if got := queryRows(t, db, "SELECT ServiceName FROM services WHERE ServiceNamespace = 'iam'"); fmt.Sprint(got) != "[[AWS Identity and Access Management]]" {
		t.Errorf("services %v", got)
	}
	targets := 0
	for _, p := range org.Policies() {
		targets += len(p.Targets)
	}
	if got := queryRows(t, db, "SELECT COUNT(*) FROM policy_targets"); got[0][0] != fmt.Sprint(targets) {
		t.Errorf("policy_targets %v, want %d", got, targets)
	}
	got := queryRows(t, db, "SELECT a.Id FROM accounts a JOIN organizational_units o ON a.ParentId = o.Id WHERE o.Name = 'Other'")
	if fmt.Sprint(got) != "[[666677778888]]" {
		t.Errorf("join %v", got)
	}
	if got := queryRows(t, db, "SHOW TABLES"); len(got) != 13 {
		t.Errorf("SHOW TABLES: %v", got)
	}
}
