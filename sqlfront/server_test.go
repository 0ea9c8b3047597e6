package sqlfront

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"lastaccess/engine"
)

// TestIngestEvents: every form of JSON text goes through the file
// ingest's parser; a second call finds duplicates; the counts are the
// summary's.
func TestIngestEvents(t *testing.T) {
	ts := startServer(t)
	db := ts.admin()
	var before int
	if err := db.QueryRow("SELECT COUNT(*) FROM access_events").Scan(&before); err != nil {
		t.Fatal(err)
	}
	skipped := `{"eventID":"` + eventID(99) + `","eventTime":"2019-06-01T00:00:00Z","eventType":"AwsConsoleSignIn","userIdentity":{"type":"IAMUser","accountId":"111122223333"}}`
	for _, c := range []struct {
		name, text                                   string
		records, events, ingested, dups, skippedRecs int64
	}{
		{"records document", `{"Records":[` + testRecord(eventID(1), "111122223333", "2019-06-01T00:00:00Z") + "," + skipped + `]}`, 2, 1, 1, 0, 1},
		{"array", `[` + testRecord(eventID(1), "111122223333", "2019-06-01T00:00:00Z") + "," + testRecord(eventID(2), "222233334444", "2019-06-02T00:00:00Z") + `]`, 2, 2, 1, 1, 0},
		{"NDJSON", testRecord(eventID(3), "111122223333", "2019-06-03T00:00:00Z") + "\n" + testRecord(eventID(2), "222233334444", "2019-06-02T00:00:00Z") + "\n", 2, 2, 1, 1, 0},
		{"empty array", `[]`, 0, 0, 0, 0, 0},
	} {
		var r struct {
			Records, Events, Ingested, Duplicates, Skipped, Malformed int64
			ByReason, Unknown                                         string
		}
		err := db.QueryRow("CALL ingest_events(?)", c.text).Scan(&r.Records, &r.Events, &r.Ingested, &r.Duplicates, &r.Skipped, &r.Malformed, &r.ByReason, &r.Unknown)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if r.Records != c.records || r.Events != c.events || r.Ingested != c.ingested || r.Duplicates != c.dups || r.Skipped != c.skippedRecs || r.Malformed != 0 {
			t.Errorf("%s: %+v", c.name, r)
		}
		var reasons map[string]int64
		if err := json.Unmarshal([]byte(r.ByReason), &reasons); err != nil || (c.skippedRecs > 0) != (reasons["eventType:AwsConsoleSignIn"] == 1) {
			t.Errorf("%s: SkippedByReason %s %v", c.name, r.ByReason, err)
		}
	}
	var after int
	if err := db.QueryRow("SELECT COUNT(*) FROM access_events").Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before+3 {
		t.Fatalf("%d events, want %d", after, before+3)
	}
}

// TestConcurrentClients: many connections generate, read and query at
// once; every client sees consistent reports.
func TestConcurrentClients(t *testing.T) {
	ts := startServer(t)
	db := ts.admin()
	db.SetMaxOpenConns(16)
	rdb := ts.reader("interpolateParams=true")
	rdb.SetMaxOpenConns(16)
	want := getPage(t, db, "CALL get_organizations_access_report(?)", ts.generate(t, db, sampleOU)).AccessDetails.String

	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				if err := concurrentStep(db, rdb, w, want); err != nil {
					errs <- fmt.Errorf("worker %d step %d: %w", w, i, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := queryRows(t, db, "SELECT COUNT(*) FROM organizations_access_reports"); got[0][0] != "161" {
		t.Errorf("jobs: %v", got)
	}
}

func concurrentStep(db, rdb *sql.DB, w int, want string) error {
	ctx := context.Background()
	var id string
	if err := db.QueryRowContext(ctx, "CALL generate_organizations_access_report(?, NULL)", sampleOU).Scan(&id); err != nil {
		return err
	}
	if w%2 == 0 {
		return nil
	}
	for {
		var status string
		var details sql.NullString
		err := rdb.QueryRowContext(ctx, "CALL get_organizations_access_report(?, NULL, NULL, NULL)", id).
			Scan(&status, new(any), new(any), new(any), new(any), &details, new(any), new(any), new(any))
		if err != nil {
			return err
		}
		if status == engine.JobInProgress {
			continue
		}
		if details.String != want {
			return fmt.Errorf("report %s differs", id)
		}
		break
	}
	var n int
	if err := rdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM organizations_access_details WHERE JobId = ?", id).Scan(&n); err != nil {
		return err
	}
	if n != 3 {
		return fmt.Errorf("%d detail rows", n)
	}
	return nil
}

// TestReportOwnerOnly: with the engine's owner-only option, a report is
// visible to the user who generated it only, in procedures and tables.
func TestReportOwnerOnly(t *testing.T) {
	ts := startServerWith(t, serverConfig{engine: engine.Options{ReportOwnerOnly: true}})
	admin, reader := ts.admin(), ts.reader()
	id := ts.generate(t, admin, sampleOU)
	_, err := reader.Exec("CALL get_organizations_access_report(?)", id)
	wantError(t, err, erSignalException, stateUserException, "NoSuchEntity: ")
	for _, q := range []string{
		"SELECT COUNT(*) FROM organizations_access_reports",
		"SELECT COUNT(*) FROM organizations_access_reports WHERE JobId = '" + id + "'",
		"SELECT COUNT(*) FROM organizations_access_details WHERE JobId = '" + id + "'",
	} {
		if got := queryRows(t, reader, q); got[0][0] != "0" {
			t.Errorf("reader: %s: %v", q, got)
		}
		if got := queryRows(t, admin, q); got[0][0] == "0" {
			t.Errorf("owner: %s: %v", q, got)
		}
	}
}

// TestGracefulShutdown: a statement in flight finishes and its client
// gets its result; other statements are refused with ER_SERVER_SHUTDOWN;
// Shutdown returns once every connection is closed, and the engine then
// closes cleanly.
func TestGracefulShutdown(t *testing.T) {
	ts := startServer(t)
	db := ts.admin()
	db.SetMaxOpenConns(4)
	idle, err := ts.admin().Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()

	result := make(chan error, 1)
	go func() {
		var v int
		err := db.QueryRow("SELECT SLEEP(1) + 7").Scan(&v)
		if err == nil && v != 7 {
			err = fmt.Errorf("result %d", v)
		}
		result <- err
	}()
	// Wait until the server runs the statement.
	monitor := ts.admin()
	for {
		rows := queryRows(t, monitor, "SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE 'SELECT SLEEP%'")
		if rows[0][0] == "1" {
			break
		}
		time.Sleep(time.Millisecond)
	}
	shut := make(chan error, 1)
	go func() { shut <- ts.srv.Shutdown(context.Background()) }()

	// Statements on open connections are refused while draining (or find
	// their connection closed once the drain is over).
	for {
		_, err := idle.ExecContext(context.Background(), "SELECT 1")
		if err != nil {
			var me *mysql.MySQLError
			if errors.As(err, &me) && me.Number != erServerShutdown {
				t.Fatalf("statement while draining: %v", err)
			}
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := <-result; err != nil {
		t.Fatalf("in-flight statement: %v", err)
	}
	if err := <-shut; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if c, err := net.DialTimeout("tcp", ts.addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("server still accepts connections")
	}
}

// TestShutdownDeadline: when statements outlast the shutdown's deadline,
// they are cancelled and Shutdown returns the deadline's error promptly.
func TestShutdownDeadline(t *testing.T) {
	ts := startServer(t)
	db := ts.admin()
	result := make(chan error, 1)
	go func() {
		_, err := db.Exec("SELECT SLEEP(60)")
		result <- err
	}()
	monitor := ts.admin()
	for {
		rows := queryRows(t, monitor, "SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE 'SELECT SLEEP%'")
		if rows[0][0] == "1" {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := ts.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("shutdown: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("shutdown took %s", d)
	}
	if err := <-result; err == nil {
		t.Fatal("the cancelled statement succeeded")
	}
}
