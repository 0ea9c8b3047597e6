package sqlfront

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"lastaccess/engine"
)

// TestIAMReportTables: service_last_accessed_reports holds one row per job
// with the API's JSON, services_last_accessed and
// tracked_actions_last_accessed one per job and service / action; JobId is
// a key lookup; unknown jobs find nothing.
func TestIAMReportTables(t *testing.T) {
	ts := startIAMServer(t, engine.Options{})
	db := ts.admin()
	devs := ts.iamGenerate(t, db, iamDevs, nil)
	role := ts.iamGenerate(t, db, iamDeploy, "ACTION_LEVEL")

	// The report row: every column, its JSON the whole Get list.
	got := queryRows(t, db, "SELECT * FROM service_last_accessed_reports WHERE JobId = ?", devs)
	if len(got) != 1 {
		t.Fatalf("rows %q", got)
	}
	r := got[0]
	if want := []string{devs, iamDevs, "SERVICE_LEVEL", "COMPLETED", "2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z"}; !reflect.DeepEqual(r[:6], want) || r[7] != "NULL" {
		t.Fatalf("row %q", r)
	}
	if got, want := decodeList(t, r[6]), expectedList(t, "group-devs.json", "ServicesLastAccessed"); !reflect.DeepEqual(got, want) {
		t.Fatalf("ServicesLastAccessed\n got %v\nwant %v", got, want)
	}
	var roleJSON string
	if err := db.QueryRow("SELECT ServicesLastAccessed FROM service_last_accessed_reports WHERE JobId = ?", role).Scan(&roleJSON); err != nil {
		t.Fatal(err)
	}
	if got, want := decodeList(t, roleJSON), getServicePage(t, db, "CALL get_service_last_accessed_details(?, 1000)", role).services(t); !reflect.DeepEqual(got, want) {
		t.Fatalf("ACTION_LEVEL ServicesLastAccessed differs from the Get's")
	}

	plan := explainPlan(t, db, "SELECT JobId FROM service_last_accessed_reports WHERE JobId IN ('"+devs+"', '"+role+"')")
	if !strings.Contains(plan, "IndexedTableAccess(service_last_accessed_reports)") {
		t.Errorf("plan:\n%s", plan)
	}
	for _, c := range []struct {
		query string
		args  []any
		want  string
	}{
		{"SELECT COUNT(*) FROM service_last_accessed_reports", nil, "[[2]]"},
		{"SELECT COUNT(*) FROM service_last_accessed_reports WHERE JobId = '00000000-0000-4000-8000-000000000000'", nil, "[[0]]"},
		{"SELECT COUNT(*) FROM service_last_accessed_reports WHERE JobId = 'short'", nil, "[[0]]"},
		{"SELECT COUNT(*) FROM service_last_accessed_reports WHERE JobId > ?", []any{min(devs, role)}, "[[1]]"},
		{"SELECT JobId FROM service_last_accessed_reports ORDER BY JobId DESC", nil, fmt.Sprintf("[[%s] [%s]]", max(devs, role), min(devs, role))},
		{"SELECT Arn FROM service_last_accessed_reports WHERE JobType = 'ACTION_LEVEL'", nil, "[[" + iamDeploy + "]]"},
		{"SELECT COUNT(*) FROM services_last_accessed WHERE JobId = '00000000-0000-4000-8000-000000000000'", nil, "[[0]]"},
		{"SELECT COUNT(*) FROM tracked_actions_last_accessed WHERE JobId = ?", []any{devs}, "[[0]]"}, // SERVICE_LEVEL
		{"SELECT COUNT(*) FROM services_last_accessed WHERE JobId IN (?, ?)", []any{devs, role}, "[[7]]"},
		{"SELECT COUNT(*) FROM services_last_accessed", nil, "[[7]]"},
		{"SELECT COUNT(*) FROM services_last_accessed WHERE JobId >= '0' AND ServiceNamespace = 's3'", nil, "[[2]]"},
		{"SELECT COUNT(*) FROM services_last_accessed WHERE JobId = ? AND ServiceNamespace IN ('s3', 'ec2', 'iam')", []any{devs}, "[[2]]"},
		{"SELECT r.Arn, s.ServiceNamespace, s.TotalAuthenticatedEntities FROM service_last_accessed_reports r JOIN services_last_accessed s ON s.JobId = r.JobId WHERE r.JobId = ? AND s.LastAuthenticated IS NOT NULL ORDER BY s.ServiceNamespace", []any{devs},
			"[[" + iamDevs + " dynamodb 1] [" + iamDevs + " s3 2]]"},
		{"SELECT ServiceNamespace, ActionName, LastAccessedTime, LastAccessedEntity, LastAccessedRegion FROM tracked_actions_last_accessed WHERE JobId = ? AND LastAccessedTime IS NOT NULL", []any{role},
			"[[lambda UpdateFunctionCode 2026-10-26T00:00:00Z " + iamDeploy + " eu-west-1] [s3 ListAllMyBuckets 2026-10-29T00:00:00Z " + iamDeploy + " ap-south-1]]"},
		{"SELECT COUNT(*) FROM tracked_actions_last_accessed WHERE JobId = ? AND ServiceNamespace = 'dynamodb'", []any{role}, "[[0]]"},
		{"SELECT COUNT(*) FROM tracked_actions_last_accessed WHERE JobId = ? AND ServiceNamespace = 's3' AND ActionName = 'DeleteBucket'", []any{role}, "[[0]]"}, // denied by AppAccess
		{"SELECT ActionName FROM tracked_actions_last_accessed WHERE JobId = ? AND ServiceNamespace = 's3' AND ActionName BETWEEN 'CreateB' AND 'CreateC'", []any{role},
			"[[CreateBucket] [CreateBucketMetadataTableConfiguration]]"},
	} {
		if got := queryRows(t, db, c.query, c.args...); fmt.Sprint(got) != c.want {
			t.Errorf("%s: %v, want %s", c.query, got, c.want)
		}
	}

	// services_last_accessed equals the Get's list, field for field.
	got = queryRows(t, db, "SELECT ServiceName, ServiceNamespace, LastAuthenticated, LastAuthenticatedEntity, LastAuthenticatedRegion, TotalAuthenticatedEntities FROM services_last_accessed WHERE JobId = ?", devs)
	var want [][]string
	for _, s := range expectedList(t, "group-devs.json", "ServicesLastAccessed") {
		field := func(k string) string {
			if v, ok := s[k]; ok {
				return fmt.Sprint(v)
			}
			return "NULL"
		}
		want = append(want, []string{field("ServiceName"), field("ServiceNamespace"), field("LastAuthenticated"),
			field("LastAuthenticatedEntity"), field("LastAuthenticatedRegion"), field("TotalAuthenticatedEntities")})
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("services_last_accessed\n got %q\nwant %q", got, want)
	}

	// Column types: DATETIME(6), JSON.
	for table, cols := range map[string]string{
		"service_last_accessed_reports": "JobCreationDate, JobCompletionDate, ServicesLastAccessed, ErrorDetails",
		"services_last_accessed":        "LastAuthenticated, TotalAuthenticatedEntities",
		"tracked_actions_last_accessed": "LastAccessedTime, ActionName",
	} {
		rows, err := db.Query("SELECT " + cols + " FROM " + table + " LIMIT 1")
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
		want := map[string]string{
			"service_last_accessed_reports": "[DATETIME(6,6) DATETIME(6,6) JSON(0,0) JSON(0,0)]",
			"services_last_accessed":        "[DATETIME(6,6) INT(0,0)]",
			"tracked_actions_last_accessed": "[DATETIME(6,6) VARCHAR(0,0)]",
		}[table]
		if fmt.Sprint(names) != want {
			t.Errorf("%s: column types %v, want %s", table, names, want)
		}
	}
}

// TestIAMTablesInKeyOrder: by JobId, services_last_accessed comes in
// ServiceNamespace order and tracked_actions_last_accessed in
// (ServiceNamespace, ActionName) order from the key lookup, without a
// Sort (EXPLAIN PLAN), ascending and descending, with the rows a sort
// gives.
func TestIAMTablesInKeyOrder(t *testing.T) {
	ts := startIAMServer(t, engine.Options{})
	db := ts.admin()
	id := ts.iamGenerate(t, db, iamAlice, "ACTION_LEVEL") // AdministratorAccess: every service
	other := ts.iamGenerate(t, db, iamDeploy, "ACTION_LEVEL")
	job, err := ts.eng.ServiceLastAccessedJob(id, adminUser)
	if err != nil {
		t.Fatal(err)
	}
	// services and actions list the job's keys, sorted byte-wise in Go.
	var services, actions []string
	for _, s := range job.ServicesLastAccessed {
		services = append(services, s.ServiceNamespace)
		for _, a := range s.TrackedActionsLastAccessed {
			actions = append(actions, s.ServiceNamespace+" "+a.ActionName)
		}
	}
	sort.Strings(services)
	sort.Strings(actions)
	if len(services) < 400 || len(actions) < 1000 {
		t.Fatalf("%d services, %d actions", len(services), len(actions))
	}
	// expect cuts a sorted key list: from the first key ≥ from that has
	// prefix, reversed for DESC, limit keys.
	expect := func(keys []string, prefix, from string, desc bool, limit int) string {
		var out []string
		for _, k := range keys {
			if strings.HasPrefix(k, prefix) && k >= from {
				out = append(out, k)
			}
		}
		if desc {
			slices.Reverse(out)
		}
		if limit < len(out) {
			out = out[:limit]
		}
		return strings.Join(out, ",")
	}
	all := 1 << 20
	for _, c := range []struct {
		table, query string
		reverse      bool
		want         string
	}{
		{tableServices, "SELECT ServiceNamespace FROM services_last_accessed WHERE JobId = ? ORDER BY ServiceNamespace LIMIT 100", false, expect(services, "", "", false, 100)},
		{tableServices, "SELECT ServiceNamespace, LastAuthenticated FROM services_last_accessed WHERE JobId = ? ORDER BY ServiceNamespace", false, expect(services, "", "", false, all)},
		{tableServices, "SELECT s.ServiceNamespace FROM services_last_accessed AS s WHERE s.JobId = ? ORDER BY s.ServiceNamespace ASC LIMIT 10", false, expect(services, "", "", false, 10)},
		{tableServices, "SELECT ServiceNamespace FROM services_last_accessed WHERE JobId = ? ORDER BY JobId, ServiceNamespace LIMIT 100", false, expect(services, "", "", false, 100)},
		{tableServices, "SELECT ServiceNamespace FROM services_last_accessed WHERE JobId = ? ORDER BY ServiceNamespace DESC LIMIT 100", true, expect(services, "", "", true, 100)},
		{tableServices, "SELECT ServiceNamespace FROM services_last_accessed WHERE JobId = ? AND ServiceNamespace >= 'e' ORDER BY ServiceNamespace LIMIT 20", false, expect(services, "", "e", false, 20)},
		{tableTrackedActions, "SELECT CONCAT(ServiceNamespace, ' ', ActionName) FROM tracked_actions_last_accessed WHERE JobId = ? ORDER BY ServiceNamespace, ActionName", false, expect(actions, "", "", false, all)},
		{tableTrackedActions, "SELECT CONCAT(ServiceNamespace, ' ', ActionName) FROM tracked_actions_last_accessed WHERE JobId = ? ORDER BY ServiceNamespace DESC, ActionName DESC LIMIT 50", true, expect(actions, "", "", true, 50)},
		{tableTrackedActions, "SELECT CONCAT(ServiceNamespace, ' ', ActionName) FROM tracked_actions_last_accessed WHERE JobId = ? ORDER BY ServiceNamespace LIMIT 30", false, expect(actions, "", "", false, 30)},
		{tableTrackedActions, "SELECT CONCAT(ServiceNamespace, ' ', ActionName) FROM tracked_actions_last_accessed WHERE JobId = ? AND ServiceNamespace = 's3' ORDER BY ActionName", false, expect(actions, "s3 ", "", false, all)},
		{tableTrackedActions, "SELECT CONCAT(ServiceNamespace, ' ', ActionName) FROM tracked_actions_last_accessed WHERE JobId = ? AND ServiceNamespace = 'ec2' ORDER BY ActionName DESC LIMIT 7", true, expect(actions, "ec2 ", "", true, 7)},
		{tableTrackedActions, "SELECT CONCAT(t.ServiceNamespace, ' ', t.ActionName) FROM tracked_actions_last_accessed t WHERE t.JobId = ? AND t.ServiceNamespace = 'lambda' AND t.ActionName >= 'Get' ORDER BY t.ActionName LIMIT 5", false, expect(actions, "lambda ", "lambda Get", false, 5)},
	} {
		plan := explainPlan(t, db, strings.Replace(c.query, "?", "'"+id+"'", 1))
		if strings.Contains(plan, "Sort") || strings.Contains(plan, "TopN") ||
			!strings.Contains(plan, "IndexedTableAccess("+c.table+")") ||
			strings.Contains(plan, "reverse: true") != c.reverse {
			t.Errorf("%s: plan\n%s", c.query, plan)
		}
		var got []string
		for _, r := range queryRows(t, db, c.query, id) {
			got = append(got, r[0])
		}
		if g := strings.Join(got, ","); g != c.want {
			t.Errorf("%s: rows\n got %.300s\nwant %.300s", c.query, g, c.want)
		}
	}

	// Orders the key does not give still sort, and give the right rows.
	for _, q := range []string{
		"SELECT * FROM services_last_accessed WHERE JobId = ? ORDER BY LastAuthenticated DESC LIMIT 10",
		"SELECT * FROM services_last_accessed WHERE JobId IN (?, ?) ORDER BY ServiceNamespace LIMIT 10",
		"SELECT * FROM tracked_actions_last_accessed WHERE JobId = ? ORDER BY ActionName LIMIT 10",
		"SELECT * FROM tracked_actions_last_accessed ORDER BY ServiceNamespace, ActionName LIMIT 10",
	} {
		plan := explainPlan(t, db, strings.Replace(strings.Replace(q, "?", "'"+id+"'", 1), "?", "'"+other+"'", 1))
		if !strings.Contains(plan, "Sort") && !strings.Contains(plan, "TopN") {
			t.Errorf("%s: no sort in plan\n%s", q, plan)
		}
	}
	got := queryRows(t, db, "SELECT ServiceNamespace, LastAuthenticated FROM services_last_accessed WHERE JobId = ? ORDER BY LastAuthenticated DESC, ServiceNamespace LIMIT 3", id)
	if fmt.Sprint(got) != "[[sqs 2026-10-29T00:00:00Z] [iam 2026-10-27T00:00:00Z] [s3 2026-10-22T00:00:00Z]]" {
		t.Errorf("by time: %v", got)
	}

	// Two jobs by key, both directions, whole scans included.
	first, second := min(id, other), max(id, other)
	for _, c := range []struct {
		query string
		args  []any
		want  func() []string
	}{
		{"SELECT JobId, ServiceNamespace FROM services_last_accessed WHERE JobId IN (?, ?) ORDER BY JobId, ServiceNamespace", []any{id, other},
			func() []string { return jobKeys(t, ts, first, second) }},
		{"SELECT JobId, ServiceNamespace FROM services_last_accessed ORDER BY JobId DESC, ServiceNamespace DESC", nil,
			func() []string { return reversed(jobKeys(t, ts, first, second)) }},
		{"SELECT JobId, ServiceNamespace FROM services_last_accessed WHERE JobId >= ? ORDER BY JobId, ServiceNamespace", []any{first},
			func() []string { return jobKeys(t, ts, first, second) }},
		{"SELECT JobId, ServiceNamespace FROM services_last_accessed WHERE JobId > ?", []any{first},
			func() []string { return jobKeys(t, ts, second) }},
	} {
		var keys []string
		for _, r := range queryRows(t, db, c.query, c.args...) {
			keys = append(keys, r[0]+" "+r[1])
		}
		if want := c.want(); !reflect.DeepEqual(keys, want) {
			t.Errorf("%s: %d rows, want %d (first %v)", c.query, len(keys), len(want), keys[:min(3, len(keys))])
		}
	}
}

// jobKeys lists "JobId ServiceNamespace" of the jobs' services, in order.
func jobKeys(t *testing.T, ts *testServer, ids ...string) []string {
	t.Helper()
	var out []string
	for _, id := range ids {
		j, err := ts.eng.ServiceLastAccessedJob(id, adminUser)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range j.ServicesLastAccessed {
			out = append(out, id+" "+s.ServiceNamespace)
		}
	}
	return out
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// TestIAMTablesReportOwnerOnly: with ReportOwnerOnly, another user's jobs
// are not in the tables, by key or by scan, nor in the Gets.
func TestIAMTablesReportOwnerOnly(t *testing.T) {
	ts := startIAMServer(t, engine.Options{ReportOwnerOnly: true})
	admin := ts.admin()
	id := ts.iamGenerate(t, admin, iamDevs, nil)
	reader := ts.reader()
	for _, q := range []string{
		"SELECT COUNT(*) FROM service_last_accessed_reports",
		"SELECT COUNT(*) FROM service_last_accessed_reports WHERE JobId = ?",
		"SELECT COUNT(*) FROM services_last_accessed WHERE JobId = ?",
		"SELECT COUNT(*) FROM services_last_accessed",
	} {
		var args []any
		if strings.Contains(q, "?") {
			args = []any{id}
		}
		if got := queryRows(t, reader, q, args...); got[0][0] != "0" {
			t.Errorf("reader: %s: %v", q, got)
		}
		if got := queryRows(t, admin, q, args...); got[0][0] == "0" {
			t.Errorf("owner: %s: %v", q, got)
		}
	}
	_, err := reader.Exec("CALL get_service_last_accessed_details(?)", id)
	wantError(t, err, erSignalException, stateUserException, "NoSuchEntity: ")
	_, err = reader.Exec("CALL get_service_last_accessed_details_with_entities(?, 's3')", id)
	wantError(t, err, erSignalException, stateUserException, "NoSuchEntity: ")
}

// TestIAMJSONColumns: the JSON columns hold the engine's structures as
// encoding/json writes them (the API's field names and order).
func TestIAMJSONColumns(t *testing.T) {
	ts := startIAMServer(t, engine.Options{})
	db := ts.admin()
	id := ts.iamGenerate(t, db, iamDeploy, "ACTION_LEVEL")
	job, err := ts.eng.ServiceLastAccessedJob(id, adminUser)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(job.ServicesLastAccessed)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := db.QueryRow("SELECT ServicesLastAccessed FROM service_last_accessed_reports WHERE JobId = ?", id).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("ServicesLastAccessed\n got %.400s\nwant %.400s", got, want)
	}
	p := getServicePage(t, db, "CALL get_service_last_accessed_details(?, 1000)", id)
	if p.ServicesLastAccessed != string(want) {
		t.Fatalf("Get's ServicesLastAccessed\n got %.400s\nwant %.400s", p.ServicesLastAccessed, want)
	}
}

// TestTrackedRowsOrder: a service's tracked actions come out in
// ActionName order (byte-wise) whatever the catalog's order.
func TestTrackedRowsOrder(t *testing.T) {
	job := &engine.ServiceLastAccessedJob{JobID: "j", ServicesLastAccessed: []engine.ServiceLastAccessed{
		{ServiceNamespace: "a", TrackedActionsLastAccessed: []engine.TrackedActionLastAccessed{{ActionName: "Put"}, {ActionName: "Get"}, {ActionName: "GetX"}, {ActionName: "Delete"}}},
		{ServiceNamespace: "b"},
		{ServiceNamespace: "c", TrackedActionsLastAccessed: []engine.TrackedActionLastAccessed{{ActionName: "list"}, {ActionName: "List"}}},
	}}
	rows := newTrackedRows(job)
	var got []string
	for i := 0; i < rows.len(); i++ {
		k := rows.key(i)
		r := rows.row(i)
		if k[0] != r[0] || k[1] != r[1] || k[2] != r[2] {
			t.Fatalf("key %v of row %v", k, r)
		}
		got = append(got, fmt.Sprint(k[1], ":", k[2]))
	}
	if want := "a:Delete a:Get a:GetX a:Put c:List c:list"; strings.Join(got, " ") != want {
		t.Fatalf("order %v, want %s", got, want)
	}
}
