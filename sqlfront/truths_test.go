package sqlfront

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestShowGrants: every user may SHOW GRANTS about itself (issue 17 row
// 12: the read-only user got 1105), not about another user without
// SELECT on mysql; the grants shown are those enforced, FILE absent.
func TestShowGrants(t *testing.T) {
	ts := startServer(t)
	admin := ts.admin()
	for _, stmt := range []string{
		"CREATE USER 'sel'@'%' IDENTIFIED BY 'sel-pw'",
		"GRANT SELECT ON lastaccess.* TO 'sel'@'%'",
	} {
		if _, err := admin.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	for _, c := range []struct {
		user, password string
		want           []string
	}{
		{adminUser, adminPassword, []string{"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, SHUTDOWN, PROCESS, REFERENCES, INDEX, ALTER"}},
		{readerUser, readerPassword, []string{"GRANT USAGE ON *.* TO `reader`@`%`", "GRANT SELECT ON `information_schema`.* TO `reader`@`%`", "GRANT SELECT, EXECUTE ON `lastaccess`.* TO `reader`@`%`"}},
		{"sel", "sel-pw", []string{"GRANT USAGE ON *.* TO `sel`@`%`", "GRANT SELECT ON `lastaccess`.* TO `sel`@`%`"}},
	} {
		db := ts.open(c.user, c.password)
		for _, q := range []string{"SHOW GRANTS", "SHOW GRANTS FOR CURRENT_USER", "SHOW GRANTS FOR CURRENT_USER()", "SHOW GRANTS FOR '" + c.user + "'@'%'"} {
			rows := queryRows(t, db, q)
			var got []string
			for _, r := range rows {
				got = append(got, r[0])
			}
			all := strings.Join(got, "\n")
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("%s: %s:\n%s\nlacks %q", c.user, q, all, w)
				}
			}
			if strings.Contains(all, "FILE") {
				t.Errorf("%s: %s shows FILE:\n%s", c.user, q, all)
			}
		}
		if c.user != adminUser {
			_, err := db.Exec("SHOW GRANTS FOR '" + adminUser + "'@'%'")
			wantError(t, err, 1044, "42000", "Access denied for user '"+c.user+"'@'%' to database 'mysql'")
		}
	}
	if rows := queryRows(t, admin, "SHOW GRANTS FOR 'reader'@'%'"); len(rows) != 3 {
		t.Fatalf("the admin's SHOW GRANTS FOR reader: %v", rows)
	}
}

// TestLoadDataRefused: LOAD DATA, LOCAL or not, is the FILE refusal the
// README promises (1227) for every user (issue 17 row 12: 1105).
func TestLoadDataRefused(t *testing.T) {
	ts := startServer(t)
	file := filepath.Join(t.TempDir(), "accounts.tsv")
	if err := os.WriteFile(file, []byte("1\tx\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, db := range []func(...string) *sql.DB{ts.admin, ts.reader} {
		for _, q := range []string{
			"LOAD DATA INFILE '" + file + "' INTO TABLE accounts",
			"LOAD DATA LOCAL INFILE '" + file + "' INTO TABLE accounts",
			"LOAD DATA INFILE '/etc/passwd' INTO TABLE access_events",
		} {
			_, err := db().Exec(q)
			wantError(t, err, 1227, "42000", "Access denied; you need (at least one of) the FILE privilege(s) for this operation")
		}
	}
}

// TestErrorMessagesCapped: no error message echoes more than 511 bytes
// (MySQL's MYSQL_ERRMSG_SIZE), nor any quoted value more than 128 (issue
// 17 row 9: a 10 MB statement came back as 42 MB of decimal bytes, a 1
// MB parameter twice); text that is not UTF-8 is error 1366, naming the
// first bad bytes.
func TestErrorMessagesCapped(t *testing.T) {
	ts := startServer(t)
	admin := ts.admin()
	reader := ts.reader()
	long := strings.Repeat("x", 1<<20)
	check := func(what string, err error, number uint16, prefix string) {
		t.Helper()
		me := mysqlError(t, err)
		if me.Number != number || !strings.HasPrefix(me.Message, prefix) || len(me.Message) > 511 {
			t.Fatalf("%s: %d %q (%d bytes), want %d %q… within 511 bytes", what, me.Number, truncateEcho(me.Message), len(me.Message), number, prefix)
		}
	}
	_, err := reader.Exec("SELEC '" + long + "'")
	check("a 1 MB syntax error", err, 1064, "syntax error at position")
	// A value is quoted cut (the engine cuts its own to 64 characters,
	// the frontend any to 128 bytes), each time AWS's wording quotes it.
	_, err = reader.Exec("CALL get_organizations_access_report(?)", long)
	check("a 1 MB job id", err, 1644, "ValidationError: 1 validation error detected: Value 'xxxxxxxx")
	if msg := mysqlError(t, err).Message; !strings.Contains(msg, "x…' at 'jobId'") {
		t.Fatalf("a 1 MB job id: %q", msg)
	}
	_, err = admin.Exec("CALL generate_organizations_access_report(?, NULL)", long)
	check("a 1 MB entity path (two validation errors)", err, 1644, "ValidationError: 2 validation errors detected: Value 'xxxxxxxx")
	if msg := mysqlError(t, err).Message; strings.Count(msg, "x…' at 'entityPath'") != 2 {
		t.Fatalf("a 1 MB entity path: %q", msg)
	}
	_, err = admin.Exec("CALL ingest_events(?)", "["+strings.Repeat(`{"eventID":"`+long[:1000]+`"},`, 999)+"{}]")
	check("1000 malformed records", err, 1644, "InvalidInput: 1000 malformed record(s), nothing was stored: ")

	// Not UTF-8: in a statement, in a prepared statement's parameter.
	_, err = reader.Exec("SELECT '\xff\xfe' AS x, '" + long + "'")
	check("a statement that is not UTF-8", err, 1366, `Incorrect string value: '\xFF\xFE\x27\x20\x41\x53...' in the statement at byte 8`)
	_, err = reader.Exec("SELECT LENGTH(?)", "ok\xc3")
	check("a parameter that is not UTF-8", err, 1366, `Incorrect string value: '\xC3' in the parameter at byte 2`)
	var n int
	if err := reader.QueryRow("SELECT LENGTH(?)", "été").Scan(&n); err != nil || n != 5 {
		t.Fatalf("a UTF-8 parameter: %d %v", n, err)
	}
}

// TestPrepareOverTextProtocol: PREPARE … FROM answers with an OK packet
// every client reads (issue 17 row 12: the MariaDB client reported ERROR
// 2027, malformed packet): no info text, which vitess writes in a form
// MySQL's clients do not parse.
func TestPrepareOverTextProtocol(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts.addr)
	c.login(readerUser, readerPassword, 0)
	if err := c.query("PREPARE s FROM 'SELECT 1'"); err != nil {
		t.Fatal(err)
	}
	p := c.packets(500 * time.Millisecond)
	// OK: header, affected rows 0, insert id 0, status (2), warnings (2).
	if len(p) != 1 || len(p[0]) != 7 || p[0][0] != 0 {
		t.Fatalf("PREPARE answered % x", p)
	}
	conn, err := ts.reader().Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "PREPARE s FROM 'SELECT 1 + 1'"); err != nil {
		t.Fatal(err)
	}
	var v int
	if err := conn.QueryRowContext(context.Background(), "EXECUTE s").Scan(&v); err != nil || v != 2 {
		t.Fatalf("EXECUTE: %d %v", v, err)
	}
}

// TestIngestEventsManyMalformed: a text of many malformed records (issue
// 17 row 7: 4 M empty records took 1.87 GB, every error kept) is refused
// naming how many and the first five, storing nothing; the server keeps
// only the first errors.
func TestIngestEventsManyMalformed(t *testing.T) {
	ts := startServer(t)
	admin := ts.admin()
	before := queryRows(t, admin, "SELECT COUNT(*) FROM access_events")
	text := `{"Records":[` + strings.Repeat(`{},`, 99999) + `{}]}`
	_, err := admin.Exec("CALL ingest_events(?)", text)
	wantError(t, err, 1644, "45000", "InvalidInput: 100000 malformed record(s), nothing was stored: ingest_events: record 0: userIdentity: missing; ")
	if me := mysqlError(t, err); !strings.HasSuffix(me.Message, "ingest_events: record 4: userIdentity: missing; and 99995 more") {
		t.Fatalf("message %q", me.Message)
	}
	if after := queryRows(t, admin, "SELECT COUNT(*) FROM access_events"); after[0][0] != before[0][0] {
		t.Fatalf("%s events, %s before", after[0][0], before[0][0])
	}
}
