package sqlfront

import (
	"context"
	"database/sql"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// storedState summarizes everything a bad statement must leave alone.
func storedState(t *testing.T, db *sql.DB) [][]string {
	t.Helper()
	return queryRows(t, db, `SELECT
		(SELECT COUNT(*) FROM organizations_access_reports),
		(SELECT COUNT(*) FROM organizations_access_details),
		(SELECT COUNT(*) FROM access_events),
		(SELECT COUNT(*) FROM accounts),
		(SELECT COUNT(*) FROM policies)`)
}

// TestBadInput sends each bad input of the issue on one connection: each
// gets a clear MySQL error with the right SQLSTATE, the connection keeps
// working, and nothing stored changes.
func TestBadInput(t *testing.T) {
	ts := startServer(t)
	admin := ts.admin()
	id := ts.generate(t, admin, sampleOU)
	before := storedState(t, admin)

	const (
		user  = erSignalException
		state = stateUserException
	)
	cases := []struct {
		name   string
		query  string
		args   []any
		number uint16
		state  string
		prefix string
	}{
		{"too many parameters", "CALL get_organizations_access_report(?, 1, NULL, NULL, 5)", []any{id},
			erSpWrongNoOfArgs, stateAccessOrName, "Incorrect number of arguments for PROCEDURE lastaccess.get_organizations_access_report; expected 1 to 4, got 5"},
		{"no parameters", "CALL get_organizations_access_report()", nil,
			erSpWrongNoOfArgs, stateAccessOrName, "Incorrect number of arguments for PROCEDURE lastaccess.get_organizations_access_report; expected 1 to 4, got 0"},
		{"too many for generate", "CALL generate_organizations_access_report('a', 'b', 'c', 'd')", nil,
			erSpWrongNoOfArgs, stateAccessOrName, "Incorrect number of arguments for PROCEDURE lastaccess.generate_organizations_access_report; expected 1 to 3, got 4"},
		{"unknown procedure", "CALL get_organisations_access_report(?)", []any{id},
			erSpDoesNotExist, stateAccessOrName, "PROCEDURE lastaccess.get_organisations_access_report does not exist"},
		{"max_items not a number", "CALL get_organizations_access_report(?, 'many')", []any{id},
			user, state, "ValidationError: 1 validation error detected: Value 'many' at 'maxItems' failed to satisfy constraint: Member must be an integer"},
		{"job id a number", "CALL get_organizations_access_report(12345)", nil,
			user, state, "ValidationError: 1 validation error detected: Value '12345' at 'jobId' failed to satisfy constraint: Member must have length greater than or equal to 36"},
		{"job id NULL", "CALL get_organizations_access_report(NULL)", nil,
			user, state, "ValidationError: 1 validation error detected: Value null at 'jobId' failed to satisfy constraint: Member must not be null"},
		{"unknown job", "CALL get_organizations_access_report('00000000-0000-4000-8000-000000000000')", nil,
			user, state, "NoSuchEntity: "},
		{"unknown sort key", "CALL get_organizations_access_report(?, NULL, NULL, 'BY_NAME')", []any{id},
			user, state, "ValidationError: 1 validation error detected: Value 'BY_NAME' at 'sortKey'"},
		{"altered marker", "CALL get_organizations_access_report(?, 1, 'AAAAAAAAAAAAAAAAAAAA', NULL)", []any{id},
			user, state, "InvalidInput: "},
		{"unknown entity", "CALL generate_organizations_access_report('o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-1a2b3c-zzzzzzzzexample')", nil,
			user, state, "NoSuchEntity: "},
		{"malformed entity path", "CALL generate_organizations_access_report('not a path')", nil,
			user, state, "ValidationError: "},
		{"malformed JSON to ingest_events", "CALL ingest_events('{\"Records\": [')", nil,
			user, state, "InvalidInput: The JSON text is not CloudTrail records: ingest_events: "},
		{"malformed record to ingest_events", "CALL ingest_events(?)", []any{`{"Records":[` + testRecord(eventID(9001), "111122223333", "2019-06-01T00:00:00Z") + `,{"eventID":"x","eventTime":"yesterday","eventType":"AwsApiCall","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","userIdentity":{"type":"Root","accountId":"111122223333"}}]}`},
			user, state, "InvalidInput: 1 malformed record(s), nothing was stored: ingest_events: record 1: eventTime: "},
		{"NULL to ingest_events", "CALL ingest_events(NULL)", nil,
			user, state, "ValidationError: 1 validation error detected: Value 'null' at 'jsonText'"},
		{"malformed organization", "CALL import_organization('{\"Organization\": 5}')", nil,
			user, state, "InvalidInput: "},
		{"writing a table", "INSERT INTO accounts (Id, Name, ParentId, EntityPath, IsManagementAccount) VALUES ('1', 'x', 'y', 'z', 0)", nil,
			0, "", ""},
		{"syntax error", "SELEC 1", nil, 1064, "42000", ""},
		{"unknown table", "SELECT * FROM organization_access_reports", nil, 1146, "42S02", ""},
	}
	for _, prepared := range []bool{false, true} {
		var conn *sql.Conn
		var err error
		if prepared {
			conn, err = admin.Conn(context.Background())
		} else {
			conn, err = ts.admin("interpolateParams=true").Conn(context.Background())
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			_, err := conn.ExecContext(context.Background(), c.query, c.args...)
			if c.number == 0 {
				if err == nil {
					t.Errorf("%s: no error", c.name)
				}
			} else {
				func() {
					defer func() {
						if t.Failed() {
							t.Logf("case %q (prepared %v)", c.name, prepared)
						}
					}()
					wantError(t, err, c.number, c.state, c.prefix)
				}()
			}
			var one int
			if err := conn.QueryRowContext(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
				t.Fatalf("%s: connection unusable afterwards: %v", c.name, err)
			}
		}
		conn.Close()
	}
	if after := storedState(t, admin); !reflect.DeepEqual(after, before) {
		t.Fatalf("bad input changed stored data: %v → %v", before, after)
	}
}

// TestReadOnlyUser: the read-only account reads tables and Gets, and is
// refused Generate, ingest and import with MySQL's routine-access error;
// its session stays usable.
func TestReadOnlyUser(t *testing.T) {
	ts := startServer(t)
	admin := ts.admin()
	id := ts.generate(t, admin, sampleOU)
	before := storedState(t, admin)

	conn, err := ts.reader().Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	p := getPage(t, conn, "CALL get_organizations_access_report(?)", id)
	if p.JobStatus != "COMPLETED" {
		t.Fatalf("reader's Get: %+v", p)
	}
	var n int
	if err := conn.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM organizations_access_details WHERE JobId = ?", id).Scan(&n); err != nil || n != 3 {
		t.Fatalf("reader's SELECT: %d %v", n, err)
	}
	for _, c := range []struct{ query, proc string }{
		{"CALL generate_organizations_access_report('" + sampleOU + "')", "generate_organizations_access_report"},
		{"CALL generate_organizations_access_report('" + sampleOU + "', NULL)", "generate_organizations_access_report"},
		{"CALL ingest_events('[]')", "ingest_events"},
		{"CALL import_organization('{}')", "import_organization"},
	} {
		_, err := conn.ExecContext(context.Background(), c.query)
		wantError(t, err, erProcAccessDenied, stateAccessOrName,
			"execute command denied to user 'reader'@'%' for routine 'lastaccess."+c.proc+"'")
		if err := conn.QueryRowContext(context.Background(), "SELECT 1").Scan(&n); err != nil {
			t.Fatalf("connection unusable after %s: %v", c.query, err)
		}
	}
	if after := storedState(t, admin); !reflect.DeepEqual(after, before) {
		t.Fatalf("read-only user changed stored data: %v → %v", before, after)
	}
}

// TestWrongPassword: a bad login is MySQL's access-denied error, logged
// once with the user and the client's address; failing statements are
// not logged.
func TestWrongPassword(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	ts := startServerWith(t, serverConfig{logger: func(l string) {
		mu.Lock()
		lines = append(lines, l)
		mu.Unlock()
	}})
	for _, c := range []struct{ user, password string }{
		{adminUser, "wrong"},
		{readerUser, adminPassword},
		{"nobody", "x"},
	} {
		db, err := sql.Open("mysql", ts.dsn(c.user, c.password))
		if err != nil {
			t.Fatal(err)
		}
		err = db.Ping()
		db.Close()
		wantError(t, err, 1045, "28000", "Access denied for user '"+c.user+"'")
	}
	db := ts.admin()
	for _, q := range []string{"CALL nope()", "SELEC 1", "CALL get_organizations_access_report('x')"} {
		if _, err := db.Exec(q); err == nil {
			t.Fatalf("%s: no error", q)
		}
		if _, err := db.Query(q); err == nil {
			t.Fatalf("%s: no error", q)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 3 {
		t.Fatalf("want one log line per failed login (3), got %d:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for i, l := range lines {
		user := []string{adminUser, readerUser, "nobody"}[i]
		if !strings.Contains(l, `msg="login failed" user=`+user+` client=127.0.0.1:`) || !strings.Contains(l, "Access denied") {
			t.Errorf("log line: %s", l)
		}
	}
}
