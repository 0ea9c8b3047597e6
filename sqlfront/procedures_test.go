package sqlfront

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"
)

// orgPage is one row of get_organizations_access_report.
type orgPage struct {
	JobStatus                   string
	JobCreationDate             time.Time
	JobCompletionDate           sql.NullTime
	NumberOfServicesAccessible  sql.NullInt64
	NumberOfServicesNotAccessed sql.NullInt64
	AccessDetails               sql.NullString
	IsTruncated                 bool
	Marker                      sql.NullString
	ErrorDetails                sql.NullString
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getPage(t *testing.T, q querier, query string, args ...any) orgPage {
	t.Helper()
	var p orgPage
	err := q.QueryRowContext(context.Background(), query, args...).Scan(&p.JobStatus, &p.JobCreationDate, &p.JobCompletionDate,
		&p.NumberOfServicesAccessible, &p.NumberOfServicesNotAccessed, &p.AccessDetails, &p.IsTruncated, &p.Marker, &p.ErrorDetails)
	if err != nil {
		t.Fatalf("%s %v: %v", query, args, err)
	}
	return p
}

// details decodes a page's AccessDetails.
func (p orgPage) details(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal([]byte(p.AccessDetails.String), &out); err != nil {
		t.Fatalf("AccessDetails %q: %v", p.AccessDetails.String, err)
	}
	return out
}

// generate runs a Generate over SQL and waits for the job to settle.
func (ts *testServer) generate(t *testing.T, q querier, path string) string {
	t.Helper()
	var id string
	if err := q.QueryRowContext(context.Background(), "CALL generate_organizations_access_report(?, NULL)", path).Scan(&id); err != nil {
		t.Fatalf("generate %s: %v", path, err)
	}
	if len(id) != 36 {
		t.Fatalf("JobId %q", id)
	}
	ts.waitJob(t, id)
	return id
}

// TestSampleReport is the AWS documentation's example over SQL: the
// report equals testdata/aws-sample/expected.json, whichever way the
// statement is sent.
func TestSampleReport(t *testing.T) {
	ts := startServer(t)
	raw, err := os.ReadFile(repoPath("testdata", "aws-sample", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		AccessDetails []map[string]any
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []struct {
		name   string
		params []string
	}{
		{"server-side prepared", nil},
		{"interpolated", []string{"interpolateParams=true"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			db := ts.admin(mode.params...)
			id := ts.generate(t, db, sampleOU)
			p := getPage(t, db, "CALL get_organizations_access_report(?, NULL, NULL, NULL)", id)
			if p.JobStatus != "COMPLETED" || !p.JobCreationDate.Equal(sampleNow) || !p.JobCompletionDate.Valid ||
				p.NumberOfServicesAccessible.Int64 != 3 || p.NumberOfServicesNotAccessed.Int64 != 1 ||
				p.IsTruncated || p.Marker.Valid || p.ErrorDetails.Valid {
				t.Fatalf("page: %+v", p)
			}
			if got := p.details(t); !reflect.DeepEqual(got, want.AccessDetails) {
				t.Fatalf("AccessDetails\n got: %v\nwant: %v", got, want.AccessDetails)
			}
			// The plain statement, as a mysql client sends it.
			plain := getPage(t, db, "CALL get_organizations_access_report('"+id+"')")
			if !reflect.DeepEqual(plain, p) {
				t.Fatalf("plain statement differs:\n%+v\n%+v", plain, p)
			}
		})
	}
}

// TestGetParameters: NULL means "not given" and so does a left-out
// parameter, while 0 is a value (and invalid); every page of every sort
// order lists each service once.
func TestGetParameters(t *testing.T) {
	ts := startServer(t)
	db := ts.admin()
	id := ts.generate(t, db, sampleRoot)

	full := getPage(t, db, "CALL get_organizations_access_report(?)", id)
	total := int(full.NumberOfServicesAccessible.Int64)
	if total <= 100 || len(full.details(t)) != 100 || !full.IsTruncated || !full.Marker.Valid {
		t.Fatalf("default page: %d services, %d listed, truncated %v", total, len(full.details(t)), full.IsTruncated)
	}
	same := []struct {
		query string
		args  []any
	}{
		{"CALL get_organizations_access_report(?, NULL, NULL, NULL)", []any{id}},
		{"CALL get_organizations_access_report(?, ?, ?, ?)", []any{id, nil, nil, nil}},
		{"CALL get_organizations_access_report(?, 100)", []any{id}},
		{"CALL get_organizations_access_report(?, '100', NULL)", []any{id}},
		{"CALL get_organizations_access_report(?, ?, NULL, 'SERVICE_NAMESPACE_ASCENDING')", []any{id, 100}},
		{"CALL lastaccess.get_organizations_access_report(?)", []any{id}},
	}
	for _, c := range same {
		p := getPage(t, db, c.query, c.args...)
		if p.AccessDetails != full.AccessDetails || p.IsTruncated != full.IsTruncated {
			t.Errorf("%s %v: differs from the default page", c.query, c.args)
		}
	}

	for _, key := range []string{"SERVICE_NAMESPACE_ASCENDING", "SERVICE_NAMESPACE_DESCENDING",
		"LAST_AUTHENTICATED_TIME_ASCENDING", "LAST_AUTHENTICATED_TIME_DESCENDING"} {
		seen := map[string]bool{}
		var marker any
		pages := 0
		for {
			p := getPage(t, db, "CALL get_organizations_access_report(?, ?, ?, ?)", id, 37, marker, key)
			pages++
			for _, d := range p.details(t) {
				ns := d["ServiceNamespace"].(string)
				if seen[ns] {
					t.Fatalf("%s: %s listed twice", key, ns)
				}
				seen[ns] = true
			}
			if !p.IsTruncated {
				break
			}
			marker = p.Marker.String
		}
		if len(seen) != total || pages != (total+36)/37 {
			t.Errorf("%s: %d services in %d pages, want %d", key, len(seen), pages, total)
		}
	}

	for _, c := range []struct {
		args   []any
		prefix string
	}{
		{[]any{id, 0}, "ValidationError: 1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{[]any{id, "0"}, "ValidationError: 1 validation error detected: Value '0' at 'maxItems'"},
		{[]any{id, 1001}, "ValidationError: 1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{[]any{id, "ten"}, "ValidationError: 1 validation error detected: Value 'ten' at 'maxItems' failed to satisfy constraint: Member must be an integer"},
		{[]any{id, 1.5}, "ValidationError: 1 validation error detected: Value '1.5' at 'maxItems'"},
	} {
		_, err := db.Exec("CALL get_organizations_access_report(?, ?)", c.args...)
		wantError(t, err, erSignalException, stateUserException, c.prefix)
	}
}

// TestGenerateOverloads: the policy id may be left out or NULL, and a
// given one is used; ” is a value, not "no policy" (TestEmptyStringIsAValue).
func TestGenerateOverloads(t *testing.T) {
	ts := startServer(t)
	db := ts.admin()
	for _, q := range []string{
		"CALL generate_organizations_access_report('" + sampleOU + "')",
		"CALL generate_organizations_access_report('" + sampleOU + "', NULL)",
	} {
		var id string
		if err := db.QueryRow(q).Scan(&id); err != nil || len(id) != 36 {
			t.Fatalf("%s: %q %v", q, id, err)
		}
	}
	var policyID string
	if err := db.QueryRow("SELECT PolicyId FROM policy_targets ORDER BY PolicyId LIMIT 1").Scan(&policyID); err != nil {
		t.Fatal(err)
	}
	var id string
	if err := db.QueryRow("CALL generate_organizations_access_report(?, ?)", sampleRoot, policyID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	var got sql.NullString
	if err := db.QueryRow("SELECT OrganizationsPolicyId FROM organizations_access_reports WHERE JobId = ?", id).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got.String != policyID {
		t.Fatalf("OrganizationsPolicyId %v, want %s", got, policyID)
	}
	_, err := db.Exec("CALL generate_organizations_access_report(?, ?)", sampleRoot, "p-doesnotexist")
	wantError(t, err, erSignalException, stateUserException, "NoSuchEntity: ")
}
