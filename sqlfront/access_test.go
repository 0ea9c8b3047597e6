package sqlfront

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// Access control (SPEC §5.2 security, issue 6 part 6): who may connect,
// what the read-only user may do, and that procedure parameters are
// values, never SQL. The default listen address is the CLI's
// (cmd/lastaccess, TestServeDefaultListenIsLoopback): NewServer takes a
// listener its caller bound.

// awsCoded matches the message of an AWS-coded error (SQLSTATE 45000).
var awsCoded = regexp.MustCompile(`^(ValidationError|InvalidInput|NoSuchEntity|ReportGenerationLimitExceeded): \S`)

// writeProcedurePrefixes name the procedures that change stored data:
// generate a report job (scp_what_if and recommend_scp generate one too),
// ingest events, import an organization or IAM data. Every procedure so
// named must be admin-only, and every other one must not be.
var writeProcedurePrefixes = []string{"generate_", "ingest_", "import_", "scp_what_if", "recommend_scp"}

func isWriteProcedureName(name string) bool {
	for _, p := range writeProcedurePrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// TestAccessUsersNeedPasswords: NewServer refuses an account without a
// password, admin or read-only, unless AllowEmptyPassword says so; then
// the account logs in with the empty password only.
func TestAccessUsersNeedPasswords(t *testing.T) {
	ts := startServerWith(t, serverConfig{noSample: true})
	for _, users := range [][]User{
		{{Name: "root"}},
		{{Name: "root", Password: "pw"}, {Name: "viewer", ReadOnly: true}},
		{{Name: "root", Password: "pw"}, {Name: "other"}},
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, err = NewServer(ts.eng, Options{Listener: ln, Users: users})
		ln.Close()
		if err == nil || !strings.Contains(err.Error(), "has no password") {
			t.Errorf("users %+v: NewServer: %v, want a refusal naming the user without a password", users, err)
		}
	}

	// Explicitly allowed: the account logs in without a password, and
	// not with one.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(ts.eng, Options{Listener: ln, AllowEmptyPassword: true,
		Users: []User{{Name: "root"}, {Name: "viewer", Password: "pw", ReadOnly: true}}})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	defer func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	other := &testServer{t: t, addr: ln.Addr().String()}
	if err := pingAs(other, "root", ""); err != nil {
		t.Fatalf("root without a password, allowed: %v", err)
	}
	for _, c := range []struct{ user, password string }{
		{"root", "guess"},
		{"viewer", ""},
		{"viewer", "wrong"},
	} {
		wantAccessDenied(t, pingAs(other, c.user, c.password), c.user, c.password)
	}
}

// TestAccessWrongPasswords: both accounts log in with their own password
// only; unknown users are refused the same way.
func TestAccessWrongPasswords(t *testing.T) {
	ts := startServerWith(t, serverConfig{noSample: true})
	for _, c := range []struct{ user, password string }{
		{adminUser, adminPassword},
		{readerUser, readerPassword},
	} {
		if err := pingAs(ts, c.user, c.password); err != nil {
			t.Fatalf("%s with its password: %v", c.user, err)
		}
	}
	for _, c := range []struct{ user, password string }{
		{adminUser, ""},
		{adminUser, "wrong"},
		{adminUser, readerPassword},
		{adminUser, adminPassword + " "},
		{adminUser, strings.ToUpper(adminPassword)},
		{adminUser, adminPassword[:len(adminPassword)-1]},
		{readerUser, ""},
		{readerUser, "wrong"},
		{readerUser, adminPassword},
		{readerUser, readerPassword + "x"},
		{"nobody", adminPassword},
		{"nobody", ""},
		{"ADMIN", adminPassword},
		{"admin' OR '1'='1", "x' OR '1'='1"},
	} {
		wantAccessDenied(t, pingAs(ts, c.user, c.password), c.user, c.password)
	}
}

func pingAs(ts *testServer, user, password string) error {
	db, err := sql.Open("mysql", ts.dsn(user, password))
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Ping()
}

// wantAccessDenied checks for ER_ACCESS_DENIED_ERROR (1045, 28000).
func wantAccessDenied(t *testing.T, err error, user, password string) {
	t.Helper()
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1045 || string(me.SQLState[:]) != "28000" {
		t.Errorf("login as %q with password %q: %v, want access denied (1045, 28000)", user, password, err)
	}
}

// accessFixture is the AWS sample server with the IAM fixture
// (testdata/iam) imported when the server has the procedure for it, and
// one completed job of each report kind.
type accessFixture struct {
	ts       *testServer
	orgJob   string
	svcJob   string // "" without the IAM report procedures
	orgJSON  string
	authJSON string
}

const fixtureUserARN = "arn:aws:iam::111122223333:user/alice"

func newAccessFixture(t *testing.T) *accessFixture {
	t.Helper()
	fx := &accessFixture{ts: startServer(t)}
	org, err := os.ReadFile(repoPath("testdata", "aws-sample", "org.json"))
	if err != nil {
		t.Fatal(err)
	}
	auth, err := os.ReadFile(repoPath("testdata", "iam", "authorization-details.json"))
	if err != nil {
		t.Fatal(err)
	}
	fx.orgJSON, fx.authJSON = string(org), string(auth)
	admin := fx.ts.admin()
	fx.orgJob = fx.ts.generate(t, admin, sampleOU)
	if fx.has("import_authorization_details") {
		if _, err := admin.Exec("CALL import_authorization_details(?)", fx.authJSON); err != nil {
			t.Fatalf("import the IAM fixture: %v", err)
		}
	}
	if fx.has("generate_service_last_accessed_details") {
		if err := admin.QueryRow("CALL generate_service_last_accessed_details(?)", fixtureUserARN).Scan(&fx.svcJob); err != nil {
			t.Fatalf("generate a service report: %v", err)
		}
		if err := fx.ts.eng.WaitJob(context.Background(), fx.svcJob); err != nil {
			t.Fatal(err)
		}
	}
	return fx
}

func (fx *accessFixture) has(proc string) bool {
	_, ok := fx.ts.srv.f.procs.byName[proc]
	return ok
}

// procedures lists the server's procedures, sorted by name.
func (fx *accessFixture) procedures() []*procedure {
	var out []*procedure
	for _, name := range fx.ts.srv.Procedures() {
		out = append(out, fx.ts.srv.f.procs.byName[name].p)
	}
	return out
}

// validArgs are arguments with which an admin's call of p succeeds: the
// required parameters given, the optional ones NULL. A procedure this
// test does not know gets NULLs.
func (fx *accessFixture) validArgs(p *procedure, n int) []any {
	args := make([]any, n)
	for i := 0; i < n && i < p.required; i++ {
		args[i] = fx.validValue(p, p.params[i])
	}
	return args
}

func (fx *accessFixture) validValue(p *procedure, param string) any {
	switch param {
	case "job_id":
		if strings.Contains(p.name, "service") {
			return fx.svcJob
		}
		return fx.orgJob
	case "job_id_a", "job_id_b":
		return fx.orgJob
	case "changes_json":
		return `[{"Attach": {"Content": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"}, "Target": "ou-1a2b3c-k9l8m7n6o5example"}]`
	case "entity_path":
		return sampleOU
	case "arn":
		return fixtureUserARN
	case "service_namespace", "service_namespaces_csv":
		return "s3"
	case "json_text":
		switch p.name {
		case procIngestEvents:
			return testRecord(eventID(424242), "111122223333", "2019-06-10T00:00:00Z")
		case procImportOrganization:
			return fx.orgJSON
		case "import_authorization_details":
			return fx.authJSON
		}
	}
	return nil
}

// dumpState is everything stored that a client can see: every row of
// every table, sorted, under the table's name.
func dumpState(t *testing.T, db *sql.DB) []string {
	t.Helper()
	var out []string
	for _, r := range queryRows(t, db, "SHOW TABLES") {
		table := r[0]
		rows := queryRows(t, db, "SELECT * FROM `"+table+"`")
		lines := make([]string, len(rows))
		for i, row := range rows {
			lines[i] = table + ": " + strings.Join(row, " | ")
		}
		sort.Strings(lines)
		out = append(out, fmt.Sprintf("%s: %d rows", table, len(rows)))
		out = append(out, lines...)
	}
	return out
}

func diffState(before, after []string) string {
	var b strings.Builder
	for _, l := range before {
		if !slices.Contains(after, l) {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	for _, l := range after {
		if !slices.Contains(before, l) {
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	return b.String()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// TestAccessWriteProceduresAreAdminOnly: every procedure that changes
// stored data is admin-only, the Gets are not, and the known write paths
// are all there.
func TestAccessWriteProceduresAreAdminOnly(t *testing.T) {
	fx := newAccessFixture(t)
	for _, p := range fx.procedures() {
		if isWriteProcedureName(p.name) != p.admin {
			t.Errorf("%s: admin-only %v; a procedure named %v changes data and must be admin-only, any other must not",
				p.name, p.admin, writeProcedurePrefixes)
		}
		for n := p.required; n <= len(p.params); n++ {
			d, err := fx.ts.srv.f.procs.lookup(p.name, n)
			if err != nil {
				t.Fatal(err)
			}
			if d.AdminOnly != p.admin || d.ReadOnly == p.admin {
				t.Errorf("%s with %d parameters: AdminOnly %v ReadOnly %v", p.name, n, d.AdminOnly, d.ReadOnly)
			}
		}
	}
	for _, name := range []string{procGenerateOrgReport, procIngestEvents, procImportOrganization} {
		if !fx.has(name) {
			t.Errorf("write path %s is missing", name)
		}
	}
}

// TestAccessReaderCannotWrite: the read-only user is refused every
// procedure that changes data (Generate of both report kinds, ingest,
// imports), with every parameter count, whichever way the call is sent,
// and every SQL statement that would change a table, an account or a
// grant; nothing stored changes. The same calls then succeed for the
// admin, so the refusal is the privilege and not the arguments.
func TestAccessReaderCannotWrite(t *testing.T) {
	fx := newAccessFixture(t)
	admin := fx.ts.admin()
	prepared := fx.ts.reader()
	text := fx.ts.reader("interpolateParams=true", "multiStatements=true")
	before := dumpState(t, admin)

	var writes []*procedure
	for _, p := range fx.procedures() {
		if p.admin {
			writes = append(writes, p)
		}
	}
	wantDenied := func(desc string, err error, proc string) {
		t.Helper()
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != erProcAccessDenied || string(me.SQLState[:]) != stateAccessOrName ||
			me.Message != fmt.Sprintf("execute command denied to user '%s'@'%%' for routine 'lastaccess.%s'", readerUser, proc) {
			t.Errorf("reader: %s: %v, want ER_PROCACCESS_DENIED_ERROR for %s", desc, err, proc)
		}
	}
	for _, p := range writes {
		for n := p.required; n <= len(p.params); n++ {
			args := fx.validArgs(p, n)
			stmt := fmt.Sprintf("CALL %s(%s)", p.name, placeholders(n))
			for _, mode := range []struct {
				name string
				db   *sql.DB
			}{{"prepared", prepared}, {"text", text}} {
				_, err := mode.db.Exec(stmt, args...)
				wantDenied(fmt.Sprintf("%s %s %v", mode.name, stmt, args), err, p.name)
			}
		}
		// Other spellings of the same call.
		args := fx.validArgs(p, p.required)
		for _, stmt := range []string{
			fmt.Sprintf("CALL lastaccess.%s(%s)", p.name, placeholders(p.required)),
			fmt.Sprintf("call `%s`(%s)", strings.ToUpper(p.name), placeholders(p.required)),
			fmt.Sprintf("SELECT 1; CALL %s(%s)", p.name, placeholders(p.required)),
		} {
			_, err := text.Exec(stmt, args...)
			wantDenied(stmt, err, p.name)
		}
		// A prepared statement made in SQL.
		conn, err := text.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var using []string
		for i, a := range args {
			if _, err := conn.ExecContext(context.Background(), fmt.Sprintf("SET @a%d = ?", i), a); err != nil {
				t.Fatal(err)
			}
			using = append(using, fmt.Sprintf("@a%d", i))
		}
		_, err = conn.ExecContext(context.Background(), fmt.Sprintf("PREPARE w FROM 'CALL %s(%s)'", p.name, placeholders(p.required)))
		if err == nil {
			_, err = conn.ExecContext(context.Background(), "EXECUTE w USING "+strings.Join(using, ", "))
		}
		if err == nil {
			t.Errorf("reader: PREPARE/EXECUTE of %s succeeded", p.name)
		}
		conn.Close()
	}

	// Statements that change tables, accounts or grants, from both users:
	// the tables are read-only, and the read-only user holds no
	// privilege for the rest.
	changes := []string{
		"INSERT INTO accounts (Id, Name, ParentId, EntityPath) VALUES ('000000000001', 'x', 'r-f6g7h8i9j0example', 'x')",
		"REPLACE INTO access_events (EventId) VALUES ('x')",
		"UPDATE accounts SET Name = 'x'",
		"DELETE FROM access_events",
		"DELETE FROM organizations_access_reports",
		"TRUNCATE TABLE access_events",
		"DROP TABLE access_events",
		"ALTER TABLE accounts ADD COLUMN x INT",
		"CREATE TABLE x (a INT)",
		"CREATE VIEW v AS SELECT 1",
		"CREATE PROCEDURE p() SELECT 1",
		"DROP DATABASE lastaccess",
		"CREATE DATABASE x",
	}
	for _, stmt := range changes {
		for _, who := range []struct {
			name string
			db   *sql.DB
		}{{"reader", text}, {"admin", admin}} {
			if _, err := who.db.Exec(stmt); err == nil {
				t.Errorf("%s: %s succeeded", who.name, stmt)
			}
		}
	}
	for _, stmt := range []string{
		"CREATE USER intruder IDENTIFIED BY 'pw'",
		"GRANT ALL ON *.* TO reader",
		"GRANT EXECUTE ON PROCEDURE lastaccess.ingest_events TO reader",
		"ALTER USER admin IDENTIFIED BY 'taken'",
		"SET PASSWORD FOR admin = 'taken'",
		"DROP USER admin",
	} {
		if _, err := text.Exec(stmt); err == nil {
			t.Errorf("reader: %s succeeded", stmt)
		}
	}
	// Nor may it end the admin's statements or connections.
	adminConn, err := admin.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var adminID int64
	if err := adminConn.QueryRowContext(context.Background(), "SELECT CONNECTION_ID()").Scan(&adminID); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{fmt.Sprintf("KILL QUERY %d", adminID), fmt.Sprintf("KILL %d", adminID)} {
		if _, err := text.Exec(stmt); err == nil {
			t.Errorf("reader: %s succeeded", stmt)
		}
	}
	if err := adminConn.PingContext(context.Background()); err != nil {
		t.Errorf("the admin's connection after the reader's KILL: %v", err)
	}
	adminConn.Close()
	if err := pingAs(fx.ts, "intruder", "pw"); err == nil {
		t.Error("the reader created a user")
	}
	if err := pingAs(fx.ts, adminUser, adminPassword); err != nil {
		t.Errorf("the admin's password changed: %v", err)
	}
	// Still refused after the attempts to grant.
	_, err = text.Exec("CALL ingest_events(?)", testRecord(eventID(424243), "111122223333", "2019-06-10T00:00:00Z"))
	wantDenied("after GRANT attempts", err, procIngestEvents)

	if after := dumpState(t, admin); !slices.Equal(before, after) {
		t.Fatalf("the reader's attempts changed stored data:\n%s", diffState(before, after))
	}

	// The admin may make every one of these calls.
	for _, p := range writes {
		args := fx.validArgs(p, p.required)
		if _, err := admin.Exec(fmt.Sprintf("CALL %s(%s)", p.name, placeholders(p.required)), args...); err != nil {
			t.Errorf("admin: %s %v: %v", p.name, args, err)
		}
	}
	if after := dumpState(t, admin); slices.Equal(before, after) {
		t.Fatal("the admin's calls changed nothing: the state dump cannot tell")
	}
}

// TestAccessReaderReads: the read-only user may call every procedure that
// only reads (the Gets and the policy listing), query every table and the
// information schema.
func TestAccessReaderReads(t *testing.T) {
	fx := newAccessFixture(t)
	for _, params := range [][]string{nil, {"interpolateParams=true"}} {
		reader := fx.ts.reader(params...)
		for _, p := range fx.procedures() {
			if p.admin {
				continue
			}
			for n := p.required; n <= len(p.params); n++ {
				args := fx.validArgs(p, n)
				stmt := fmt.Sprintf("CALL %s(%s)", p.name, placeholders(n))
				rows, err := reader.Query(stmt, args...)
				if err == nil {
					for rows.Next() {
					}
					err = errors.Join(rows.Err(), rows.Close())
				}
				if err != nil {
					t.Errorf("reader %v: %s %v: %v", params, stmt, args, err)
				}
			}
		}
		page := getPage(t, reader, "CALL get_organizations_access_report(?)", fx.orgJob)
		if page.JobStatus != "COMPLETED" || page.NumberOfServicesAccessible.Int64 == 0 {
			t.Errorf("reader's Get: %+v", page)
		}
		tables := queryRows(t, reader, "SHOW TABLES")
		if len(tables) < 10 {
			t.Fatalf("reader sees %d tables", len(tables))
		}
		for _, r := range tables {
			queryRows(t, reader, "SELECT * FROM `"+r[0]+"` LIMIT 5")
		}
		if got := queryRows(t, reader, "SELECT COUNT(*) FROM organizations_access_details WHERE JobId = ?", fx.orgJob); got[0][0] != "3" {
			t.Errorf("reader: details of the job: %v", got)
		}
		queryRows(t, reader, "SELECT ROUTINE_NAME FROM information_schema.routines")
	}
}

// hostileValues are strings that would change a statement if they were
// pasted into its text: quotes, backslashes, statement separators,
// comments, and whole statements.
var hostileValues = []string{
	`'`,
	`"`,
	`\`,
	"`",
	`\'`,
	`'';`,
	`;`,
	`'); DROP TABLE x; --`,
	`"); DROP TABLE access_events; --`,
	`\'); CALL import_organization('{}'); -- `,
	`' OR '1'='1`,
	`1; DELETE FROM access_events`,
	`*/ SELECT 1 /*`,
	`%_%`,
	"NULL",
	"a\x00b",
	"line\nbreak'; --",
	`o-a1b2c3d4e5/r-f6g7h8i9j0example'); DROP TABLE x; --`,
	// 36 characters, as a JobId: past the length check, to the lookup.
	`'); DROP TABLE access_events; --xxxx`,
	`00000000-0000-4000-8000-00000000000'`,
	`s3,'); DROP TABLE x; --,iam`,
}

// TestAccessParametersAreValues sends every hostile value in every
// parameter of every procedure, as a server-side prepared statement and
// as text the driver quotes: each call gives an AWS-coded error or a
// correct result, the connection stays usable, and nothing stored
// changes. A record whose strings are SQL is then stored and read back
// byte for byte.
func TestAccessParametersAreValues(t *testing.T) {
	fx := newAccessFixture(t)
	admin := fx.ts.admin()
	before := dumpState(t, admin)
	ctx := context.Background()
	calls := 0
	for _, mode := range []struct {
		name   string
		params []string
	}{{"prepared", nil}, {"text", []string{"interpolateParams=true"}}} {
		conn, err := fx.ts.admin(mode.params...).Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range fx.procedures() {
			for i := range p.params {
				n := max(i+1, p.required)
				for _, v := range hostileValues {
					args := fx.validArgs(p, n)
					args[i] = v
					stmt := fmt.Sprintf("CALL %s(%s)", p.name, placeholders(n))
					calls++
					rows, err := conn.QueryContext(ctx, stmt, args...)
					if err == nil {
						for rows.Next() {
						}
						err = errors.Join(rows.Err(), rows.Close())
					}
					if err != nil {
						var me *mysql.MySQLError
						if !errors.As(err, &me) || me.Number != erSignalException || string(me.SQLState[:]) != stateUserException ||
							!awsCoded.MatchString(me.Message) {
							t.Errorf("%s: %s with %s = %q: %v, want an AWS-coded error or a result", mode.name, p.name, p.params[i], v, err)
						}
					}
					var one int
					if err := conn.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
						t.Fatalf("%s: the connection is unusable after %s with %s = %q: %v", mode.name, p.name, p.params[i], v, err)
					}
				}
			}
		}
		conn.Close()
	}
	if after := dumpState(t, admin); !slices.Equal(before, after) {
		t.Fatalf("hostile parameters changed stored data:\n%s", diffState(before, after))
	}
	t.Logf("%d calls with hostile parameters", calls)

	// Values that are valid: a record whose id and event name are SQL is
	// stored as it is and found by those strings.
	for i, v := range []string{`'); DROP TABLE x; --`, `\'; DELETE FROM access_events; --`, `"; SELECT 1; "`} {
		id := fmt.Sprintf("%s-%d", v, i)
		rec := fmt.Sprintf(`{"eventVersion":"1.08","eventID":%q,"eventTime":"2019-06-11T00:00:00Z","eventType":"AwsApiCall",`+
			`"eventSource":"s3.amazonaws.com","eventName":%q,"awsRegion":"eu-west-1",`+
			`"userIdentity":{"type":"IAMUser","accountId":"111122223333","arn":"arn:aws:iam::111122223333:user/alice"}}`, id, v)
		for _, params := range [][]string{nil, {"interpolateParams=true"}} {
			db := fx.ts.admin(params...)
			var ingested, dups int
			if err := db.QueryRow("CALL ingest_events(?)", rec).Scan(new(int64), new(int64), &ingested, &dups,
				new(int64), new(int64), new(string), new(string)); err != nil {
				t.Fatalf("ingest %q: %v", v, err)
			}
			if ingested+dups != 1 {
				t.Fatalf("ingest %q: %d ingested, %d duplicates", v, ingested, dups)
			}
			got := queryRows(t, db, "SELECT EventId, EventName FROM access_events WHERE EventId = ?", id)
			if len(got) != 1 || got[0][0] != id || got[0][1] != v {
				t.Fatalf("%v: stored %q as %v", params, v, got)
			}
		}
	}
	after := dumpState(t, admin)
	if len(after) != len(before)+3 || !strings.HasPrefix(diffState(before, after), "- access_events: ") {
		t.Fatalf("storing three records changed:\n%s", diffState(before, after))
	}
}

// TestAccessServerFilesAndGlobals: no account reads or writes the
// server's files through SQL (LOAD_FILE, SELECT … INTO OUTFILE or
// DUMPFILE, LOAD DATA INFILE), and the read-only user cannot change the
// server's global settings; session settings stay free.
// go-mysql-server v0.20.0 allowed all of it to every user.
func TestAccessServerFilesAndGlobals(t *testing.T) {
	ts := startServer(t)
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("s3cret-file-content"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantFileDenied := func(who, stmt string, err error) {
		t.Helper()
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != 1227 /* ER_SPECIFIC_ACCESS_DENIED_ERROR */ || !strings.Contains(me.Message, "FILE privilege") {
			t.Errorf("%s: %s: %v, want access denied for want of the FILE privilege", who, stmt, err)
		}
	}
	for _, who := range []string{adminUser, readerUser} {
		for _, params := range [][]string{nil, {"interpolateParams=true"}} {
			db := ts.open(who, map[string]string{adminUser: adminPassword, readerUser: readerPassword}[who], params...)
			mode := fmt.Sprintf("%s %v", who, params)
			for _, q := range []string{
				"SELECT LOAD_FILE(?)",
				"SELECT LENGTH(LOAD_FILE(?))",
				"SELECT (SELECT HEX(LOAD_FILE(?)))",
				"SELECT AccountId FROM access_events WHERE EventId = LOAD_FILE(?)",
			} {
				var got sql.NullString
				err := db.QueryRow(q, secret).Scan(&got)
				if strings.Contains(got.String, "s3cret") || got.String == "19" {
					t.Errorf("%s: %s read the file: %q", mode, q, got.String)
				}
				wantFileDenied(mode, q, err)
			}
			for i, q := range []string{
				"SELECT * FROM accounts INTO OUTFILE '%s'",
				"SELECT 'x' INTO DUMPFILE '%s'",
			} {
				out := filepath.Join(dir, fmt.Sprintf("out-%s-%d-%d", who, len(params), i))
				stmt := fmt.Sprintf(q, out)
				_, err := db.Exec(stmt)
				wantFileDenied(mode, stmt, err)
				if _, serr := os.Stat(out); serr == nil {
					t.Errorf("%s: %s wrote %s", mode, stmt, out)
				}
			}
			// A statement without a result, and a prepared statement made in SQL.
			_, err := db.Exec(fmt.Sprintf("SET @x = LOAD_FILE('%s')", secret))
			wantFileDenied(mode, "SET @x = LOAD_FILE", err)
			conn, err := db.Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			_, err = conn.ExecContext(context.Background(), "PREPARE lf FROM 'SELECT LOAD_FILE(?)'")
			if err == nil {
				var got sql.NullString
				conn.ExecContext(context.Background(), "SET @f = ?", secret)
				err = conn.QueryRowContext(context.Background(), "EXECUTE lf USING @f").Scan(&got)
				if strings.Contains(got.String, "s3cret") {
					t.Errorf("%s: PREPARE/EXECUTE read the file", mode)
				}
			}
			wantFileDenied(mode, "PREPARE/EXECUTE LOAD_FILE", err)
			conn.Close()
			if _, err := db.Exec(fmt.Sprintf("LOAD DATA INFILE '%s' INTO TABLE accounts", secret)); err == nil {
				t.Errorf("%s: LOAD DATA INFILE succeeded", mode)
			}
		}
	}

	reader := ts.reader()
	before := queryRows(t, reader, "SELECT @@global.max_connections, @@global.sql_mode")
	for _, stmt := range []string{
		"SET GLOBAL max_connections = 1",
		"SET @@global.max_connections = 1",
		"SET @@GLOBAL.sql_mode = 'ANSI_QUOTES'",
		"SET PERSIST max_connections = 1",
		"SET PERSIST_ONLY max_connections = 1",
		"SET sql_mode = '', GLOBAL max_connections = 1",
	} {
		_, err := reader.Exec(stmt)
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != 1227 /* ER_SPECIFIC_ACCESS_DENIED_ERROR */ {
			t.Errorf("reader: %s: %v, want access denied", stmt, err)
		}
	}
	if after := queryRows(t, reader, "SELECT @@global.max_connections, @@global.sql_mode"); !slices.EqualFunc(before, after, slices.Equal) {
		t.Errorf("the reader changed global settings: %v, then %v", before, after)
	}
	conn, err := reader.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, stmt := range []string{"SET sql_mode = 'ANSI_QUOTES'", "SET @@session.autocommit = 1", "SET NAMES utf8mb4", "SET @v = 1"} {
		if _, err := conn.ExecContext(context.Background(), stmt); err != nil {
			t.Errorf("reader: %s: %v", stmt, err)
		}
	}
}
