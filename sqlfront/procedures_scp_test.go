package sqlfront

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// sampleExpected is the AWS documentation's sample report at sampleOU.
func sampleExpected(t *testing.T) map[string]map[string]any {
	t.Helper()
	raw, err := os.ReadFile(repoPath("testdata", "aws-sample", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want struct{ AccessDetails []map[string]any }
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, d := range want.AccessDetails {
		out[d["ServiceNamespace"].(string)] = d
	}
	return out
}

// TestSCPWhatIfCall: a what-if denying dynamodb and iam at the sample's
// OU over the whole 400 days. Its impact must list, per service, exactly
// the accounts the AWS sample report counts (TotalAuthenticatedEntities),
// the latest of them being the sample's LastAuthenticatedTime, Region and
// EntityPath; its JobId is served by get_organizations_access_report
// (only s3 is left); scp_what_if_impacts holds the impact's principals.
func TestSCPWhatIfCall(t *testing.T) {
	ts := startServer(t)
	db := ts.admin()
	want := sampleExpected(t)
	changes := `[{"Attach": {"Content": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":[\"dynamodb:*\",\"iam:*\"],\"Resource\":\"*\"}]}"}, "Target": "ou-1a2b3c-k9l8m7n6o5example"}]`
	var id, impactJSON string
	if err := db.QueryRow("CALL scp_what_if(?, ?, 400)", sampleOU, changes).Scan(&id, &impactJSON); err != nil {
		t.Fatal(err)
	}
	var impact []struct {
		ServiceNamespace, ServiceName, Action string
		Accounts                              []struct {
			AccountId, EntityPath, LastAccessedTime, Region string
			Principals                                      []struct{ Arn, LastAccessedTime, Region string }
		}
	}
	if err := json.Unmarshal([]byte(impactJSON), &impact); err != nil {
		t.Fatalf("Impact %s: %v", impactJSON, err)
	}
	if len(impact) != 2 || impact[0].ServiceNamespace != "dynamodb" || impact[1].ServiceNamespace != "iam" {
		t.Fatalf("impact %s", impactJSON)
	}
	principals := 0
	for _, im := range impact {
		w := want[im.ServiceNamespace]
		if im.Action != "" || im.ServiceName != w["ServiceName"] || float64(len(im.Accounts)) != w["TotalAuthenticatedEntities"].(float64) {
			t.Errorf("%s: %d accounts, want %v: %s", im.ServiceNamespace, len(im.Accounts), w["TotalAuthenticatedEntities"], impactJSON)
		}
		latest := im.Accounts[0]
		for _, a := range im.Accounts {
			if a.LastAccessedTime > latest.LastAccessedTime {
				latest = a
			}
			principals += len(a.Principals)
		}
		if latest.LastAccessedTime != w["LastAuthenticatedTime"] || latest.Region != w["Region"] || latest.EntityPath != w["EntityPath"] {
			t.Errorf("%s: latest %+v, want the sample's %v", im.ServiceNamespace, latest, w)
		}
	}
	p := getPage(t, db, "CALL get_organizations_access_report(?)", id)
	if p.JobStatus != "COMPLETED" || p.NumberOfServicesAccessible.Int64 != 1 || !strings.Contains(p.AccessDetails.String, `"s3"`) {
		t.Errorf("the what-if's report: %+v", p)
	}
	rows := queryRows(t, db, "SELECT ServiceNamespace, AccountId, PrincipalArn, Action FROM scp_what_if_impacts WHERE JobId = ? ORDER BY 1, 2, 3", id)
	if len(rows) != principals {
		t.Errorf("scp_what_if_impacts: %d rows, want %d principals: %v", len(rows), principals, rows)
	}
	for _, r := range rows {
		if r[3] != "NULL" {
			t.Errorf("service-level row with Action %s", r[3])
		}
	}
	if n := queryRows(t, db, "SELECT COUNT(*) FROM organizations_access_reports WHERE JobId = ?", id); n[0][0] != "1" {
		t.Errorf("organizations_access_reports has %s rows for the what-if", n[0][0])
	}

	// Errors are the engine's, with SQLSTATE 45000; the read-only user
	// may not generate.
	_, err := db.Exec("CALL scp_what_if(?, 'nope')", sampleOU)
	wantError(t, err, 1644, "45000", "ValidationError: Invalid change set")
	_, err = db.Exec("CALL scp_what_if(?, ?)", sampleOU, `[{"Detach": "p-nosuchpolicy", "Target": "r-f6g7h8i9j0example"}]`)
	wantError(t, err, 1644, "45000", "InvalidInput: change 1: the policy p-nosuchpolicy does not exist")
	_, err = db.Exec("CALL scp_what_if(?, ?, 0)", sampleOU, changes)
	wantError(t, err, 1644, "45000", "ValidationError: 1 validation error detected: Value '0' at 'days'")
	_, err = ts.reader().Exec("CALL scp_what_if(?, ?)", sampleOU, changes)
	if err == nil {
		t.Error("the read-only user ran scp_what_if")
	}
}

// TestAsOfOverload: generate_organizations_access_report with as_of is the
// report generated at that time (the --now of the CLI): as of the sample's
// clock it equals the plain Generate; as of 2019-06-01 iam's last access
// is the latest before that day; a future or malformed time is refused.
func TestAsOfOverload(t *testing.T) {
	ts := startServer(t)
	db := ts.admin()
	now := ts.generate(t, db, sampleOU)
	var same, past string
	if err := db.QueryRow("CALL generate_organizations_access_report(?, NULL, '2019-06-18 19:47:31.466')", sampleOU).Scan(&same); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("CALL generate_organizations_access_report(?, NULL, '2019-06-01')", sampleOU).Scan(&past); err != nil {
		t.Fatal(err)
	}
	ts.waitJob(t, same)
	ts.waitJob(t, past)
	a, b := getPage(t, db, "CALL get_organizations_access_report(?)", now), getPage(t, db, "CALL get_organizations_access_report(?)", same)
	if a.AccessDetails != b.AccessDetails || !a.JobCreationDate.Equal(b.JobCreationDate) {
		t.Errorf("as of now differs:\n%+v\n%+v", a, b)
	}
	c := getPage(t, db, "CALL get_organizations_access_report(?)", past)
	if c.JobCreationDate.Format("2006-01-02") != "2019-06-01" {
		t.Errorf("as-of job created %v", c.JobCreationDate)
	}
	for _, d := range c.details(t) {
		if ts, ok := d["LastAuthenticatedTime"].(string); ok && ts >= "2019-06-01" {
			t.Errorf("as of 2019-06-01, %s was last used %s", d["ServiceNamespace"], ts)
		}
	}
	_, err := db.Exec("CALL generate_organizations_access_report(?, NULL, '2019-06-19')", sampleOU)
	wantError(t, err, 1644, "45000", "InvalidInput: The as-of time 2019-06-19T00:00:00Z is after now")
	_, err = db.Exec("CALL generate_organizations_access_report(?, NULL, 'yesterday')", sampleOU)
	wantError(t, err, 1644, "45000", "ValidationError: 1 validation error detected: Value 'yesterday' at 'asOf'")
	_, err = db.ExecContext(context.Background(), "CALL generate_service_last_accessed_details('arn:aws:iam::111122223333:user/nobody', NULL, 'x')")
	wantError(t, err, 1644, "45000", "ValidationError")
}
