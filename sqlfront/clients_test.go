package sqlfront

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The clients people use against MySQL, each against a real server
// (issue 10 item 8): CALL ends with the OK packet MySQL sends after a
// procedure's results, the procedures are in information_schema.ROUTINES,
// PARAMETERS and SHOW PROCEDURE STATUS. `make test` installs the clients
// (.ci/run installs Debian's nodejs, npm, python3-pymysql and
// mariadb-client; the Makefile runs `npm ci` for mysql2); a test skips,
// saying so, only where its client is missing.

// clientEnv is the environment the client scripts read.
func clientEnv(ts *testServer) []string {
	return append(os.Environ(),
		"LASTACCESS_ADDR="+ts.addr,
		"LASTACCESS_ADMIN="+adminUser, "LASTACCESS_ADMIN_PASSWORD="+adminPassword,
		"LASTACCESS_READER="+readerUser, "LASTACCESS_READER_PASSWORD="+readerPassword,
		"LASTACCESS_ROOT="+sampleRoot)
}

// runClient runs a client script and decodes the JSON object it prints.
func runClient(t *testing.T, ts *testServer, cmd *exec.Cmd) map[string]any {
	t.Helper()
	cmd.Env = clientEnv(ts)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s%s", cmd.Args, err, stdout.String(), stderr.String())
	}
	var out map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("%s printed %q: %v", cmd.Args, stdout.String(), err)
	}
	return out
}

// wantFields compares the fields a client script saw with want.
func wantFields(t *testing.T, client string, got, want map[string]any) {
	t.Helper()
	for k, w := range want {
		wj, _ := json.Marshal(w)
		gj, _ := json.Marshal(got[k])
		if !bytes.Equal(wj, gj) {
			t.Errorf("%s: %s = %s, want %s", client, k, gj, wj)
		}
	}
}

var wantRoutines = []any{
	"diff_reports", "generate_organizations_access_report", "generate_service_last_accessed_details",
	"get_organizations_access_report", "get_service_last_accessed_details",
	"get_service_last_accessed_details_with_entities", "import_authorization_details",
	"import_organization", "ingest_events", "list_policies_granting_service_access",
	"recommend_scp", "scp_what_if",
}

// TestClientsMySQL2: node's mysql2 gets [[rows], ResultSetHeader] for a
// CALL, by query and by execute, as from MySQL (it got the rows alone).
func TestClientsMySQL2(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed (Debian: apt-get install nodejs npm); .ci/run installs it")
	}
	dir := repoPath("sqlfront", "testdata", "clients", "node")
	if _, err := os.Stat(dir + "/node_modules/mysql2"); err != nil {
		t.Skip("mysql2 is not installed: run `npm ci` in sqlfront/testdata/clients/node (make test does)")
	}
	ts := startServer(t)
	cmd := exec.Command(node, "call_results.js")
	cmd.Dir = dir
	out := runClient(t, ts, cmd)
	wantFields(t, "mysql2", out, map[string]any{
		"generate":        []string{"rows", "ResultSetHeader"},
		"query":           []string{"rows", "ResultSetHeader"},
		"execute":         []string{"rows", "ResultSetHeader"},
		"multi":           []string{"rows", "ResultSetHeader", "rows"},
		"multiLast":       7,
		"jobStatus":       "COMPLETED",
		"after":           1,
		"afterExecute":    2,
		"error":           map[string]any{"errno": 1644, "sqlState": "45000", "message": "ValidationError: 1 validation error detected: Value 'x' at 'jobId' failed to satisfy constraint: Member must have length greater than or equal to 36"},
		"routines":        wantRoutines,
		"parameters":      []string{"job_id varchar", "max_items int", "marker text", "sort_key varchar"},
		"procedureStatus": len(wantRoutines),
	})
}

// TestClientsPyMySQL: PyMySQL sees the second, empty result of a CALL
// (nextset), the procedures, and error 1153 for a packet over
// max_allowed_packet numbered as it expects (it checks every sequence
// number).
func TestClientsPyMySQL(t *testing.T) {
	const python = "/usr/bin/python3" // Debian's, which has python3-pymysql
	if err := exec.Command(python, "-c", "import pymysql").Run(); err != nil {
		t.Skip("PyMySQL is not installed (Debian: apt-get install python3-pymysql); .ci/run installs it")
	}
	ts := startServer(t)
	setGlobal(t, ts.admin(), "max_allowed_packet", 1<<20)
	out := runClient(t, ts, exec.Command(python, repoPath("sqlfront", "testdata", "clients", "python", "call_results.py")))
	var routines []any
	for _, r := range wantRoutines {
		access := "READS SQL DATA"
		if isWriteProcedureName(r.(string)) {
			access = "MODIFIES SQL DATA"
		}
		routines = append(routines, r.(string)+" "+access)
	}
	wantFields(t, "PyMySQL", out, map[string]any{
		"jobStatus":         "COMPLETED",
		"nextset":           true,
		"secondDescription": true,
		"secondRowcount":    0,
		"thirdNextset":      false,
		"after":             1,
		"error":             []any{1644, "ValidationError: 1 validation error dete"},
		"routines":          routines,
		"procedureStatus":   []string{"get_organizations_access_report", "get_service_last_accessed_details", "get_service_last_accessed_details_with_entities"},
		"oversize":          []any{1153, "Got a packet bigger than 'max_allowed_packet' bytes"},
	})
}

// TestClientMariaDB: the mysql command-line client (MariaDB's) runs
// PREPARE and EXECUTE (it reported ERROR 2027, malformed packet), a CALL,
// SHOW GRANTS and SHOW PROCEDURE STATUS as the read-only user.
func TestClientMariaDB(t *testing.T) {
	client, err := exec.LookPath("mysql")
	if err != nil {
		t.Skip("the mysql command-line client is not installed (Debian: apt-get install mariadb-client); .ci/run installs it")
	}
	ts := startServer(t)
	job := ts.generate(t, ts.admin(), sampleRoot)
	host, port, _ := strings.Cut(ts.addr, ":")
	cmd := exec.Command(client, "-h", host, "-P", port, "-u", readerUser, "-p"+readerPassword, "--batch", DatabaseName, "-e",
		"PREPARE s FROM 'SELECT 40 + 2 AS answer'; EXECUTE s; DEALLOCATE PREPARE s; "+
			"CALL get_organizations_access_report('"+job+"', 1); SELECT 'after' AS next; "+
			"SHOW GRANTS; SHOW PROCEDURE STATUS LIKE 'ingest%'")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("mysql: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	for _, want := range []string{"answer\n42\n", "JobStatus\t", "COMPLETED\t", "next\nafter\n",
		"Grants for reader@%\nGRANT USAGE ON *.* TO `reader`@`%`\n", "lastaccess\tingest_events\tPROCEDURE\tadmin@%\t"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("mysql output lacks %q:\n%s", want, stdout.String())
		}
	}
}

// TestCallEndsWithOK reads a CALL's answer packet by packet: the result
// set's end says more results follow, and an OK packet follows it, for
// a client that takes multiple results; one that does not gets the
// result set alone.
func TestCallEndsWithOK(t *testing.T) {
	ts := startServer(t)
	job := ts.generate(t, ts.admin(), sampleRoot)
	const moreResults = 0x0008
	for _, c := range []struct {
		name  string
		flags uint32
		more  bool
	}{
		{"CLIENT_MULTI_RESULTS", rawMultiResults, true},
		{"no multiple results", 0, false},
	} {
		conn := dialRaw(t, ts.addr)
		conn.login(readerUser, readerPassword, c.flags)
		if err := conn.query("CALL get_organizations_access_report('" + job + "', 1)"); err != nil {
			t.Fatal(err)
		}
		p := conn.packets(500 * time.Millisecond)
		// column count, 9 columns, EOF, 1 row, EOF (no CLIENT_DEPRECATE_EOF)
		if len(p) < 13 || p[0][0] != 9 || p[10][0] != 0xfe || p[12][0] != 0xfe {
			t.Fatalf("%s: %d packets: % x", c.name, len(p), p)
		}
		status := binary.LittleEndian.Uint16(p[12][3:5])
		switch {
		case c.more && (status&moreResults == 0 || len(p) != 14 || p[13][0] != 0 ||
			binary.LittleEndian.Uint16(p[13][3:5])&moreResults != 0):
			t.Fatalf("%s: the result set's end (status %#x) and then % x, want more results and an OK packet", c.name, status, p[13:])
		case !c.more && (status&moreResults != 0 || len(p) != 13):
			t.Fatalf("%s: status %#x, %d packets", c.name, status, len(p))
		}
		// The connection goes on.
		if err := conn.query("SELECT 1"); err != nil {
			t.Fatal(err)
		}
		if q := conn.packets(500 * time.Millisecond); len(q) != 5 || !reflect.DeepEqual(q[3], []byte{1, '1'}) {
			t.Fatalf("%s: SELECT 1 after the CALL: % x", c.name, q)
		}
	}
}
