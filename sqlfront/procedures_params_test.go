package sqlfront

import (
	"os"
	"testing"

	"lastaccess/engine"
)

// TestEmptyStringIsAValue: NULL (or a left-out parameter) means "not
// given", while ” is a value validated against the API's constraints,
// as SPEC §4.3 has it (issue 10, item 6). Before, ” meant "not given":
// generate_organizations_access_report(path, ”) made a whole-root report.
func TestEmptyStringIsAValue(t *testing.T) {
	ts := startIAMServer(t, engine.Options{})
	db := ts.admin()
	snapshot, err := os.ReadFile(repoPath("testdata", "aws-sample", "org.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.eng.ImportOrganization(snapshot); err != nil {
		t.Fatal(err)
	}
	orgJob := ""
	if err := db.QueryRow("CALL generate_organizations_access_report(?, NULL)", sampleRoot).Scan(&orgJob); err != nil {
		t.Fatal(err)
	}
	slaJob := ts.iamGenerate(t, db, iamBob, nil)
	const v1 = "ValidationError: 1 validation error detected: "
	for _, c := range []struct {
		query string
		args  []any
		want  string
	}{
		{"CALL generate_organizations_access_report(?, '')", []any{sampleRoot},
			v1 + "Value '' at 'organizationsPolicyId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^p-[0-9a-zA-Z_]{8,128}$"},
		{"CALL generate_service_last_accessed_details(?, '')", []any{iamBob},
			v1 + "Value '' at 'granularity' failed to satisfy constraint: Member must satisfy enum value set: [SERVICE_LEVEL, ACTION_LEVEL]"},
		{"CALL get_organizations_access_report(?, NULL, NULL, '')", []any{orgJob},
			v1 + "Value '' at 'sortKey' failed to satisfy constraint: Member must satisfy enum value set: [SERVICE_NAMESPACE_ASCENDING, SERVICE_NAMESPACE_DESCENDING, LAST_AUTHENTICATED_TIME_ASCENDING, LAST_AUTHENTICATED_TIME_DESCENDING]"},
		{"CALL get_organizations_access_report(?, NULL, '')", []any{orgJob},
			"ValidationError: 2 validation errors detected: Value '' at 'marker' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'marker' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0020-\\u00FF]+"},
		{"CALL get_organizations_access_report(?, '')", []any{orgJob},
			v1 + "Value '' at 'maxItems' failed to satisfy constraint: Member must be an integer"},
		{"CALL get_service_last_accessed_details(?, NULL, '')", []any{slaJob},
			"ValidationError: 2 validation errors detected: Value '' at 'marker'"},
		{"CALL get_service_last_accessed_details_with_entities(?, '')", []any{slaJob},
			v1 + "Value null at 'serviceNamespace' failed to satisfy constraint: Member must not be null"},
		{"CALL get_service_last_accessed_details_with_entities(?, 's3', NULL, '')", []any{slaJob},
			"ValidationError: 2 validation errors detected: Value '' at 'marker'"},
		{"CALL list_policies_granting_service_access(?, 's3', '')", []any{iamBob},
			"ValidationError: 2 validation errors detected: Value '' at 'marker'"},
	} {
		_, err := db.Exec(c.query, c.args...)
		wantError(t, err, erSignalException, stateUserException, c.want)
	}
	// NULL is "not given": the same calls succeed.
	for _, c := range []struct {
		query string
		args  []any
	}{
		{"CALL generate_service_last_accessed_details(?, NULL)", []any{iamBob}},
		{"CALL get_organizations_access_report(?, NULL, NULL, NULL)", []any{orgJob}},
		{"CALL get_service_last_accessed_details(?, NULL, NULL)", []any{slaJob}},
		{"CALL list_policies_granting_service_access(?, 's3', NULL)", []any{iamBob}},
	} {
		rows, err := db.Query(c.query, c.args...)
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		rows.Close()
	}
}
