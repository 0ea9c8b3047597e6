package sqlfront

import (
	"testing"
	"time"
)

// TestStatementMemoryBudget: a statement whose intermediate results
// outgrow lastaccess_statement_memory_limit stops with error 3170 (issue
// 17 row 4: 300 cartesian queries took 3.8 GB), whichever node keeps
// them; statements that stream, or keep little, run as before.
func TestStatementMemoryBudget(t *testing.T) {
	ts := startServer(t)
	admin := ts.admin()
	ingestN(t, admin, 1, 400)
	setGlobal(t, admin, "lastaccess_statement_memory_limit", 1<<20)
	reader := ts.open(readerUser, readerPassword)
	for _, q := range []string{
		// Sort
		"SELECT a.EventId, b.EventId FROM access_events a, access_events b ORDER BY 1, 2",
		// GROUP BY groups (go-mysql-server's cache, through the statement's memory manager)
		"SELECT a.EventId, b.EventId, COUNT(*) FROM access_events a, access_events b GROUP BY 1, 2",
		// GROUP_CONCAT keeps its input
		"SELECT GROUP_CONCAT(a.EventId) FROM access_events a, access_events b",
		// JSON_ARRAYAGG too
		"SELECT JSON_ARRAYAGG(a.PrincipalArn) FROM access_events a, access_events b",
		// an aggregate with DISTINCT
		"SELECT COUNT(DISTINCT a.EventId, b.EventId) FROM access_events a, access_events b",
		// DISTINCT
		"SELECT DISTINCT a.EventId, b.EventTime FROM access_events a, access_events b",
		// a window
		"SELECT a.EventId, ROW_NUMBER() OVER (ORDER BY b.EventTime) FROM access_events a, access_events b",
		// UNION (DISTINCT)
		"SELECT a.EventId FROM access_events a, access_events b UNION SELECT EventId FROM access_events",
		// a subquery evaluated to a list
		"SELECT Id FROM accounts WHERE Id IN (SELECT a.AccountId FROM access_events a, access_events b WHERE a.EventId <> b.EventId) OR Id = 'x'",
	} {
		start := time.Now()
		rows, err := reader.Query(q)
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
		}
		wantError(t, err, 3170, "HY000", "Memory capacity of 1048576 bytes for 'lastaccess_statement_memory_limit' exceeded.")
		t.Logf("%s: stopped after %s", q, time.Since(start).Round(time.Millisecond))
	}
	// The statements together: one statement may hold 64 MiB, all of
	// them 1 MiB.
	setGlobal(t, admin, "lastaccess_statement_memory_limit", 64<<20)
	setGlobal(t, admin, "lastaccess_total_statement_memory_limit", 1<<20)
	_, err := reader.Exec("SELECT a.EventId, b.EventId FROM access_events a, access_events b ORDER BY 1, 2")
	wantError(t, err, 3170, "HY000", "Memory capacity of 1048576 bytes for 'lastaccess_total_statement_memory_limit' exceeded. The statements running together")
	for _, c := range []struct{ q, want string }{
		{"SELECT COUNT(*) FROM access_events a, access_events b", ""},
		{"SELECT COUNT(*) FROM (SELECT EventId FROM access_events ORDER BY EventTime DESC LIMIT 5) t", "5"},
		{"SELECT COUNT(*) FROM (SELECT a.ServiceNamespace, COUNT(*) FROM access_events a, access_events b GROUP BY 1) t", ""},
		{"SELECT COUNT(DISTINCT ServiceNamespace) FROM access_events", ""},
	} {
		got := queryRows(t, reader, c.q)
		if c.want != "" && got[0][0] != c.want {
			t.Errorf("%s: %v, want %s", c.q, got, c.want)
		}
	}
}
