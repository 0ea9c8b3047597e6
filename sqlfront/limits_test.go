package sqlfront

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// TestLimitDefaults: the limits have MySQL's names and defaults, and
// version() says what the handshake says.
func TestLimitDefaults(t *testing.T) {
	ts := startServer(t)
	reader := ts.reader()
	got := queryRows(t, reader, "SELECT @@max_allowed_packet, @@global.max_connections, @@global.connect_timeout, @@wait_timeout, "+
		"@@max_execution_time, @@global.max_prepared_stmt_count, @@global.lastaccess_statement_memory_limit, "+
		"@@global.lastaccess_total_statement_memory_limit, version(), @@version")[0]
	want := []string{"67108864", "151", "10", "28800", "0", "16382", "134217728", "268435456", DefaultVersion, DefaultVersion}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("limits %v, want %v", got, want)
	}
	c := dialRaw(t, ts.addr)
	_, hs, err := c.readPacket(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if v := serverVersion(t, hs); v != got[8] {
		t.Fatalf("handshake version %q, version() %q", v, got[8])
	}
}

// TestMaxAllowedPacket: a statement longer than max_allowed_packet is
// error 1153 and its connection closes, before the server buffers it
// (issue 17 row 2: a 200 MB statement was accepted); the server answers
// the other connections. A session may not raise its own limit.
func TestMaxAllowedPacket(t *testing.T) {
	ts := startServer(t)
	admin := ts.admin()
	for _, c := range []struct {
		limit, size int
	}{
		{1 << 20, 2 << 20},   // one frame
		{17 << 20, 20 << 20}, // over 16 MiB: two frames, refused in the second
	} {
		setGlobal(t, admin, "max_allowed_packet", c.limit)
		// The driver would refuse to send past its own limit: give it more.
		db := ts.open(readerUser, readerPassword, "maxAllowedPacket=1073741824")
		db.SetMaxOpenConns(1)
		var n int
		err := db.QueryRow("SELECT LENGTH('" + strings.Repeat("a", c.size) + "')").Scan(&n)
		wantError(t, err, 1153, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes")
		// The server closed that connection: another one.
		db = ts.open(readerUser, readerPassword, "maxAllowedPacket=1073741824")
		if err := db.QueryRow("SELECT LENGTH('" + strings.Repeat("a", c.limit/2) + "')").Scan(&n); err != nil || n != c.limit/2 {
			t.Fatalf("a statement within max_allowed_packet: %d %v", n, err)
		}
	}
	// A parameter sent in pieces (COM_STMT_SEND_LONG_DATA, each under
	// the limit) is bounded as a whole: 77 MB went through 64 MB.
	setGlobal(t, admin, "max_allowed_packet", 1<<20)
	db := ts.open(readerUser, readerPassword, "maxAllowedPacket=0") // the driver takes the server's
	var n int
	err := db.QueryRow("SELECT LENGTH(?)", strings.Repeat("a", 3<<20)).Scan(&n)
	wantError(t, err, 1153, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes")
	db = ts.open(readerUser, readerPassword, "maxAllowedPacket=0")
	if err := db.QueryRow("SELECT LENGTH(?)", strings.Repeat("a", 600<<10)).Scan(&n); err != nil || n != 600<<10 {
		t.Fatalf("a parameter within max_allowed_packet: %d %v", n, err)
	}
	if got := ts.srv.GuardStats().PacketsTooLarge; got != 3 {
		t.Fatalf("PacketsTooLarge %d, want 3", got)
	}
	_, err = ts.reader().Exec("SET SESSION max_allowed_packet = 1073741824")
	wantError(t, err, 1621, "HY000", "SESSION variable 'max_allowed_packet' is read-only")
	if rows := queryRows(t, admin, "SELECT COUNT(*) FROM accounts"); rows[0][0] == "0" {
		t.Fatal("no accounts")
	}
}

// TestMaxConnections: past max_connections a client gets error 1040,
// while an admin still gets the connection kept for it (issue 17 row 6:
// every connection was accepted); a closed connection frees its slot.
func TestMaxConnections(t *testing.T) {
	ts := startServer(t)
	admin := ts.admin()
	admin.SetMaxOpenConns(1)
	setGlobal(t, admin, "max_connections", 3)
	// open connects on a DB of its own: closing the connection's DB
	// closes the connection.
	dbOf := map[*sql.Conn]*sql.DB{}
	open := func(user, password string) (*sql.Conn, error) {
		db, err := sql.Open("mysql", ts.dsn(user, password))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		c, err := db.Conn(context.Background())
		if err == nil {
			t.Cleanup(func() { c.Close() })
		}
		dbOf[c] = db
		return c, err
	}
	closeConn := func(c *sql.Conn) {
		c.Close()
		dbOf[c].Close()
	}
	var first *sql.Conn
	for i := range 2 {
		c, err := open(readerUser, readerPassword)
		if err != nil {
			t.Fatalf("connection %d: %v", i+2, err)
		}
		if i == 0 {
			first = c
		}
	}
	_, err := open(readerUser, readerPassword)
	wantError(t, err, 1040, "08004", "Too many connections")
	settled := func(n int64) {
		t.Helper()
		waitFor(t, 5*time.Second, fmt.Sprintf("%d connections open", n), func() bool { return ts.srv.OpenConnections() == n })
	}
	settled(3)
	kept, err := open(adminUser, adminPassword)
	if err != nil {
		t.Fatalf("the admin's connection past max_connections: %v", err)
	}
	_, err = open(adminUser, adminPassword)
	wantError(t, err, 1040, "08004", "Too many connections")

	settled(4)
	var one int
	if err := kept.QueryRowContext(context.Background(), "SELECT 1").Scan(&one); err != nil {
		t.Fatal(err)
	}
	// Connections count as MySQL counts them: the admin's too.
	closeConn(first)
	settled(3)
	_, err = open(readerUser, readerPassword)
	wantError(t, err, 1040, "08004", "Too many connections")
	closeConn(kept)
	settled(2)
	c, err := open(readerUser, readerPassword)
	if err != nil {
		t.Fatalf("a connection after two closed: %v", err)
	}
	if err := c.QueryRowContext(context.Background(), "SELECT 1").Scan(&one); err != nil {
		t.Fatal(err)
	}
	if got := ts.srv.GuardStats().TooManyConnections; got != 3 {
		t.Fatalf("TooManyConnections %d, want 2", got)
	}
}

// TestConnectTimeout: a client that connects and never finishes its
// login is closed after connect_timeout (issue 17 row 5: one stayed open
// 900 s).
func TestConnectTimeout(t *testing.T) {
	ts := startServer(t)
	admin := ts.admin()
	setGlobal(t, admin, "connect_timeout", 2)
	silent := dialRaw(t, ts.addr)
	half := dialRaw(t, ts.addr)
	if _, _, err := half.readPacket(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	half.Write([]byte{50, 0, 0, 1, 0x85}) // a handshake response's first byte
	start := time.Now()
	for name, c := range map[string]*rawConn{"silent": silent, "half a login": half} {
		if closed, _ := c.closedWithin(30 * time.Second); !closed {
			t.Fatalf("%s: still open after %s", name, time.Since(start))
		}
		t.Logf("%s: closed %s after the test began waiting", name, time.Since(start).Round(time.Millisecond))
	}
	waitFor(t, 5*time.Second, "both slots free", func() bool { return ts.srv.OpenConnections() == 1 })
	if got := ts.srv.GuardStats().HandshakeTimeouts; got != 2 {
		t.Fatalf("HandshakeTimeouts %d, want 2", got)
	}
	var one int
	if err := ts.reader().QueryRow("SELECT 1").Scan(&one); err != nil {
		t.Fatal(err)
	}
}

// TestWaitTimeout: a connection idle longer than its session's
// wait_timeout gets error 4031 and is closed.
func TestWaitTimeout(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts.addr)
	c.login(readerUser, readerPassword, 0)
	if err := c.query("SET SESSION wait_timeout = 1"); err != nil {
		t.Fatal(err)
	}
	if p := c.packets(300 * time.Millisecond); len(p) != 1 || p[0][0] != 0 {
		t.Fatalf("SET: % x", p)
	}
	seq, p, err := c.readPacket(30 * time.Second)
	if err != nil {
		t.Fatalf("no error before the close: %v", err)
	}
	code, msg := errPacket(t, p)
	if seq != 0 || code != 4031 || !strings.Contains(msg, "inactivity") {
		t.Fatalf("packet %d: %d %q", seq, code, msg)
	}
	if closed, _ := c.closedWithin(5 * time.Second); !closed {
		t.Fatal("still open")
	}
	if got := ts.srv.GuardStats().IdleTimeouts; got != 1 {
		t.Fatalf("IdleTimeouts %d", got)
	}
}

// TestMaxExecutionTime: a statement running past its session's
// max_execution_time (or the global one, for new sessions) stops with
// error 3024 (issue 17 row 3: it was ignored); data changes are not
// interrupted.
func TestMaxExecutionTime(t *testing.T) {
	ts := startServer(t)
	reader := ts.reader()
	conn, err := reader.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()
	if _, err := conn.ExecContext(ctx, "SET max_execution_time = 200"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = conn.ExecContext(ctx, "SELECT SLEEP(5)")
	wantError(t, err, 3024, "HY000", "Query execution was interrupted, maximum statement execution time exceeded")
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("interrupted after %s", d)
	}
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM accounts").Scan(&n); err != nil {
		t.Fatalf("the next statement: %v", err)
	}

	admin := ts.admin()
	setGlobal(t, admin, "max_execution_time", 100)
	fresh := ts.open(readerUser, readerPassword)
	_, err = fresh.Exec("SELECT SLEEP(5)")
	wantError(t, err, 3024, "HY000", "Query execution was interrupted")
	// ingest_events changes data: not interrupted, even at 1 ms.
	setGlobal(t, admin, "max_execution_time", 1)
	writer := ts.open(adminUser, adminPassword)
	ingestN(t, writer, 1000, 2000)
}

// TestMaxPreparedStmtCount: past max_prepared_stmt_count, COM_STMT_PREPARE
// and PREPARE are error 1461 (issue 17 row 10: 150 000 were accepted);
// closed statements count no more.
func TestMaxPreparedStmtCount(t *testing.T) {
	ts := startServer(t)
	admin := ts.admin()
	setGlobal(t, admin, "max_prepared_stmt_count", 3)
	ctx := context.Background()
	conn, err := ts.reader().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var stmts []*sql.Stmt
	for i := range 3 {
		s, err := conn.PrepareContext(ctx, "SELECT ? + "+strings.Repeat("1", i+1))
		if err != nil {
			t.Fatalf("statement %d: %v", i+1, err)
		}
		stmts = append(stmts, s)
	}
	_, err = conn.PrepareContext(ctx, "SELECT ? + 9")
	wantError(t, err, 1461, "42000", "Can't create more than max_prepared_stmt_count statements (current value: 3)")
	other, err := ts.reader().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = other.ExecContext(ctx, "PREPARE p FROM 'SELECT 1'")
	wantError(t, err, 1461, "42000", "Can't create more than max_prepared_stmt_count statements")

	stmts[0].Close()
	stmts[1].Close()
	// The driver sends COM_STMT_CLOSE and does not wait: a statement
	// after it is one the server reads after it.
	if _, err := conn.ExecContext(ctx, "SET @x = 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.ExecContext(ctx, "PREPARE p FROM 'SELECT 1'"); err != nil {
		t.Fatalf("PREPARE after two closed: %v", err)
	}
	s, err := conn.PrepareContext(ctx, "SELECT ? + 7")
	if err != nil {
		t.Fatalf("prepare after two closed: %v", err)
	}
	var v int
	if err := s.QueryRowContext(ctx, 1).Scan(&v); err != nil || v != 8 {
		t.Fatalf("%d %v", v, err)
	}
	_, err = other.ExecContext(ctx, "PREPARE q FROM 'SELECT 2'")
	wantError(t, err, 1461, "42000", "Can't create more")
	if _, err := other.ExecContext(ctx, "DEALLOCATE PREPARE p"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.ExecContext(ctx, "PREPARE q FROM 'SELECT 2'"); err != nil {
		t.Fatalf("PREPARE after DEALLOCATE: %v", err)
	}
}

// TestGlobalsAreTheAdmins: only the admin changes global settings; the
// read-only user and a user the admin created with SELECT only get 1227
// (issue 17 row 11: the created user could set max_connections).
func TestGlobalsAreTheAdmins(t *testing.T) {
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
	for _, who := range []*sql.DB{ts.reader(), ts.open("sel", "sel-pw")} {
		for _, stmt := range []string{
			"SET GLOBAL max_connections = 3",
			"SET GLOBAL max_allowed_packet = 1073741824",
			"SET GLOBAL lastaccess_statement_memory_limit = 1099511627776",
			"SET PERSIST wait_timeout = 1",
		} {
			_, err := who.Exec(stmt)
			wantError(t, err, 1227, "42000", "Access denied; you need (at least one of) the SUPER or SYSTEM_VARIABLES_ADMIN privilege(s)")
		}
	}
	setGlobal(t, admin, "max_connections", 20)
	if got := queryRows(t, ts.reader(), "SELECT @@global.max_connections")[0][0]; got != "20" {
		t.Fatalf("max_connections %s", got)
	}
}

// isBadConn reports a connection the driver found closed.
func isBadConn(err error) bool {
	var me *mysql.MySQLError
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) || (errors.As(err, &me) && me.Number == 2013)
}
