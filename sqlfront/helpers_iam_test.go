package sqlfront

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"lastaccess/engine"
	"lastaccess/ingest"
)

// The IAM fixture (testdata/iam): account 111122223333's authorization
// details and CloudTrail export, reported on at iamNow.
var iamNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

const (
	iamAccount = "111122223333"
	iamAlice   = "arn:aws:iam::111122223333:user/alice"
	iamBob     = "arn:aws:iam::111122223333:user/eng/bob"
	iamCarol   = "arn:aws:iam::111122223333:user/carol"
	iamDevs    = "arn:aws:iam::111122223333:group/devs"
	iamDeploy  = "arn:aws:iam::111122223333:role/ci/deploy"
	iamApp     = "arn:aws:iam::111122223333:policy/AppAccess"
)

// startIAMServer starts a server at iamNow holding the IAM fixture: the
// authorization details imported through CALL import_authorization_details
// (as a plain statement, the JSON's quotes escaped by the driver), the
// CloudTrail export through ingest.
func startIAMServer(t *testing.T, opts engine.Options) *testServer {
	t.Helper()
	return startIAMServerWith(t, serverConfig{engine: opts})
}

// startIAMServerWith is startIAMServer with the rest of a serverConfig.
func startIAMServerWith(t *testing.T, cfg serverConfig) *testServer {
	t.Helper()
	if cfg.engine.Clock == nil {
		cfg.engine.Clock = engine.FixedClock(iamNow)
	}
	cfg.noSample = true
	ts := startServerWith(t, cfg)
	details, err := os.ReadFile(repoPath("testdata", "iam", "authorization-details.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := queryRows(t, ts.admin("interpolateParams=true"), "CALL import_authorization_details(?)", string(details))
	if len(got) != 1 || !reflect.DeepEqual(got[0], []string{iamAccount, "4", "2", "1", "2", "3", "4", "[]"}) {
		t.Fatalf("import_authorization_details: %q", got)
	}
	sum, err := ingest.Run(context.Background(), []string{repoPath("testdata", "iam", "AWSLogs")}, ts.eng,
		ingest.Options{NoProgress: true, Catalog: ts.eng.Catalog()})
	if err != nil || sum.Failed() || sum.Ingested != 15 {
		t.Fatalf("ingest the IAM fixture: %v %+v", err, sum)
	}
	return ts
}

// iamGenerate calls generate_service_last_accessed_details (the short
// form when granularity is nil) and waits for the job to settle.
func (ts *testServer) iamGenerate(t *testing.T, q querier, arn string, granularity any) string {
	t.Helper()
	id := iamGenerateNoWait(t, q, arn, granularity)
	ts.waitJob(t, id)
	return id
}

func iamGenerateNoWait(t *testing.T, q querier, arn string, granularity any) string {
	t.Helper()
	var id string
	var err error
	if granularity == nil {
		err = q.QueryRowContext(context.Background(), "CALL generate_service_last_accessed_details(?)", arn).Scan(&id)
	} else {
		err = q.QueryRowContext(context.Background(), "CALL generate_service_last_accessed_details(?, ?)", arn, granularity).Scan(&id)
	}
	if err != nil {
		t.Fatalf("generate %s: %v", arn, err)
	}
	if len(id) != 36 {
		t.Fatalf("JobId %q", id)
	}
	return id
}

// servicePage is one row of get_service_last_accessed_details.
type servicePage struct {
	JobStatus            string
	JobType              sql.NullString
	JobCreationDate      time.Time
	JobCompletionDate    sql.NullTime
	ServicesLastAccessed string
	IsTruncated          bool
	Marker               sql.NullString
	Error                sql.NullString
}

func getServicePage(t *testing.T, q querier, query string, args ...any) servicePage {
	t.Helper()
	var p servicePage
	err := q.QueryRowContext(context.Background(), query, args...).Scan(&p.JobStatus, &p.JobType, &p.JobCreationDate,
		&p.JobCompletionDate, &p.ServicesLastAccessed, &p.IsTruncated, &p.Marker, &p.Error)
	if err != nil {
		t.Fatalf("%s %v: %v", query, args, err)
	}
	return p
}

// services decodes a page's ServicesLastAccessed.
func (p servicePage) services(t *testing.T) []map[string]any {
	t.Helper()
	return decodeList(t, p.ServicesLastAccessed)
}

// entityPage is one row of get_service_last_accessed_details_with_entities.
type entityPage struct {
	JobStatus         string
	JobCreationDate   time.Time
	JobCompletionDate sql.NullTime
	EntityDetailsList string
	IsTruncated       bool
	Marker            sql.NullString
	Error             sql.NullString
}

func getEntityPage(t *testing.T, q querier, query string, args ...any) entityPage {
	t.Helper()
	var p entityPage
	err := q.QueryRowContext(context.Background(), query, args...).Scan(&p.JobStatus, &p.JobCreationDate,
		&p.JobCompletionDate, &p.EntityDetailsList, &p.IsTruncated, &p.Marker, &p.Error)
	if err != nil {
		t.Fatalf("%s %v: %v", query, args, err)
	}
	return p
}

func (p entityPage) entities(t *testing.T) []map[string]any {
	t.Helper()
	return decodeList(t, p.EntityDetailsList)
}

func decodeList(t *testing.T, text string) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal([]byte(text), &out); err != nil || out == nil {
		t.Fatalf("JSON list %q: %v", text, err)
	}
	return out
}

// iamExpected reads a golden CLI output of testdata/iam/expected.
func iamExpected(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(repoPath("testdata", "iam", "expected", name))
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// expectedList is the list member of a golden output, as decodeList has it.
func expectedList(t *testing.T, name, member string) []map[string]any {
	t.Helper()
	b, err := json.Marshal(iamExpected(t, name)[member])
	if err != nil {
		t.Fatal(err)
	}
	return decodeList(t, string(b))
}
