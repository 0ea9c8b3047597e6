package sqlfront

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"lastaccess/engine"
)

// expectedPolicyRows flattens a golden ListPoliciesGrantingServiceAccess
// output into the rows of list_policies_granting_service_access: one per
// namespace and policy, a namespace without policies as one row of NULLs.
func expectedPolicyRows(t *testing.T, name string) [][]string {
	t.Helper()
	var rows [][]string
	for _, e := range iamExpected(t, name)["PoliciesGrantingServiceAccess"].([]any) {
		entry := e.(map[string]any)
		ns := entry["ServiceNamespace"].(string)
		policies := entry["Policies"].([]any)
		if len(policies) == 0 {
			rows = append(rows, []string{ns, "NULL", "NULL", "NULL", "NULL", "NULL", "0", "NULL"})
		}
		for _, p := range policies {
			m := p.(map[string]any)
			field := func(k string) string {
				if v, ok := m[k]; ok {
					return v.(string)
				}
				return "NULL"
			}
			rows = append(rows, []string{ns, field("PolicyName"), field("PolicyType"), field("PolicyArn"),
				field("EntityType"), field("EntityName"), "0", "NULL"})
		}
	}
	return rows
}

// TestIAMProcedures: the four reports of SPEC §4.2 over SQL equal the
// CLI's golden outputs (testdata/iam/expected), for server-side prepared
// statements, interpolated parameters and plain statements.
func TestIAMProcedures(t *testing.T) {
	ts := startIAMServer(t, engine.Options{})
	for _, mode := range []struct {
		name   string
		params []string
	}{
		{"server-side prepared", nil},
		{"interpolated", []string{"interpolateParams=true"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			db := ts.admin(mode.params...)

			// A group: its members' accesses that its policies allow.
			devs := ts.iamGenerate(t, db, iamDevs, nil)
			p := getServicePage(t, db, "CALL get_service_last_accessed_details(?, NULL, NULL)", devs)
			if p.JobStatus != "COMPLETED" || p.JobType.String != "SERVICE_LEVEL" || !p.JobCreationDate.Equal(iamNow) ||
				!p.JobCompletionDate.Valid || !p.JobCompletionDate.Time.Equal(iamNow) || p.IsTruncated || p.Marker.Valid || p.Error.Valid {
				t.Fatalf("page: %+v", p)
			}
			if got, want := p.services(t), expectedList(t, "group-devs.json", "ServicesLastAccessed"); !reflect.DeepEqual(got, want) {
				t.Fatalf("ServicesLastAccessed\n got %v\nwant %v", got, want)
			}
			if plain := getServicePage(t, db, "CALL get_service_last_accessed_details('"+devs+"')"); !reflect.DeepEqual(plain, p) {
				t.Fatalf("plain statement differs:\n%+v\n%+v", plain, p)
			}

			// A managed policy attached to a user, a group and a role.
			app := ts.iamGenerate(t, db, iamApp, "SERVICE_LEVEL")
			if got, want := getServicePage(t, db, "CALL get_service_last_accessed_details(?)", app).services(t),
				expectedList(t, "policy-appaccess.json", "ServicesLastAccessed"); !reflect.DeepEqual(got, want) {
				t.Fatalf("AppAccess ServicesLastAccessed\n got %v\nwant %v", got, want)
			}
			e := getEntityPage(t, db, "CALL get_service_last_accessed_details_with_entities(?, ?, NULL, NULL)", app, "s3")
			if e.JobStatus != "COMPLETED" || !e.JobCreationDate.Equal(iamNow) || !e.JobCompletionDate.Valid || e.IsTruncated || e.Marker.Valid || e.Error.Valid {
				t.Fatalf("entities page: %+v", e)
			}
			if got, want := e.entities(t), expectedList(t, "policy-appaccess-s3-entities.json", "EntityDetailsList"); !reflect.DeepEqual(got, want) {
				t.Fatalf("EntityDetailsList\n got %v\nwant %v", got, want)
			}
			if plain := getEntityPage(t, db, "CALL get_service_last_accessed_details_with_entities('"+app+"', 's3')"); !reflect.DeepEqual(plain, e) {
				t.Fatalf("plain statement differs:\n%+v\n%+v", plain, e)
			}

			// Policies granting access: per namespace in the order asked; a
			// namespace no policy grants is one row of NULLs.
			for _, c := range []struct {
				query, golden string
				args          []any
			}{
				{"CALL list_policies_granting_service_access(?, ?)", "policies-alice.json", []any{iamAlice, "s3,iam,lambda"}},
				{"CALL list_policies_granting_service_access(?, ?, NULL)", "policies-alice.json", []any{iamAlice, " s3 , iam,lambda "}},
				{"CALL list_policies_granting_service_access('" + iamAlice + "', 's3,iam,lambda')", "policies-alice.json", nil},
				{"CALL list_policies_granting_service_access(?, ?, ?)", "policies-carol.json", []any{iamCarol, "sns,iam", nil}},
				{"CALL list_policies_granting_service_access('" + iamCarol + "', 'sns,iam', NULL)", "policies-carol.json", nil},
			} {
				if got, want := queryRows(t, db, c.query, c.args...), expectedPolicyRows(t, c.golden); !reflect.DeepEqual(got, want) {
					t.Errorf("%s %v:\n got %q\nwant %q", c.query, c.args, got, want)
				}
			}
		})
	}
}

// TestIAMProcedureParameters: NULL, the empty string and a left-out parameter all mean
// "not given"; every page of every list holds each item once.
func TestIAMProcedureParameters(t *testing.T) {
	ts := startIAMServer(t, engine.Options{})
	db := ts.admin()

	// Generate's overloads and granularities.
	for _, c := range []struct {
		query string
		args  []any
		want  string
	}{
		{"CALL generate_service_last_accessed_details(?)", []any{iamBob}, "SERVICE_LEVEL"},
		{"CALL generate_service_last_accessed_details(?, NULL)", []any{iamBob}, "SERVICE_LEVEL"},
		{"CALL generate_service_last_accessed_details(?, ?)", []any{iamBob, nil}, "SERVICE_LEVEL"},
		{"CALL generate_service_last_accessed_details(?, 'SERVICE_LEVEL')", []any{iamBob}, "SERVICE_LEVEL"},
		{"CALL generate_service_last_accessed_details('" + iamBob + "', 'ACTION_LEVEL')", nil, "ACTION_LEVEL"},
		{"CALL lastaccess.generate_service_last_accessed_details(?, ?)", []any{iamBob, "ACTION_LEVEL"}, "ACTION_LEVEL"},
	} {
		var id, arn, jobType string
		if err := db.QueryRow(c.query, c.args...).Scan(&id); err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if err := db.QueryRow("SELECT Arn, JobType FROM service_last_accessed_reports WHERE JobId = ?", id).Scan(&arn, &jobType); err != nil {
			t.Fatal(err)
		}
		if arn != iamBob || jobType != c.want {
			t.Errorf("%s %v: %s %s, want %s", c.query, c.args, arn, jobType, c.want)
		}
	}

	// Get: the default page of 100 and its equivalent forms.
	alice := ts.iamGenerate(t, db, iamAlice, "ACTION_LEVEL")
	full := getServicePage(t, db, "CALL get_service_last_accessed_details(?)", alice)
	if len(full.services(t)) != 100 || !full.IsTruncated || !full.Marker.Valid || full.JobType.String != "ACTION_LEVEL" {
		t.Fatalf("default page: %d services, truncated %v, marker %v", len(full.services(t)), full.IsTruncated, full.Marker)
	}
	for _, c := range []struct {
		query string
		args  []any
	}{
		{"CALL get_service_last_accessed_details(?, NULL)", []any{alice}},
		{"CALL get_service_last_accessed_details(?, NULL, NULL)", []any{alice}},
		{"CALL get_service_last_accessed_details(?, ?, ?)", []any{alice, nil, nil}},
		{"CALL get_service_last_accessed_details(?, 100)", []any{alice}},
		{"CALL get_service_last_accessed_details(?, '100', NULL)", []any{alice}},
		{"CALL get_service_last_accessed_details(?, ?, NULL)", []any{alice, 100}},
		{"CALL lastaccess.get_service_last_accessed_details(?)", []any{alice}},
	} {
		p := getServicePage(t, db, c.query, c.args...)
		if p.ServicesLastAccessed != full.ServicesLastAccessed || !p.IsTruncated {
			t.Errorf("%s %v: differs from the default page", c.query, c.args)
		}
	}

	// Paging: pages of 37 give the whole list, once each, in order.
	whole := getServicePage(t, db, "CALL get_service_last_accessed_details(?, 1000)", alice)
	if whole.IsTruncated || len(whole.services(t)) <= 100 {
		t.Fatalf("whole list: %d services, truncated %v", len(whole.services(t)), whole.IsTruncated)
	}
	var paged []map[string]any
	var marker any
	for pages := 1; ; pages++ {
		p := getServicePage(t, db, "CALL get_service_last_accessed_details(?, ?, ?)", alice, "37", marker)
		paged = append(paged, p.services(t)...)
		if !p.IsTruncated {
			if p.Marker.Valid || pages != (len(whole.services(t))+36)/37 {
				t.Fatalf("last page %d: marker %v", pages, p.Marker)
			}
			break
		}
		marker = p.Marker.String
	}
	if !reflect.DeepEqual(paged, whole.services(t)) {
		t.Fatalf("pages of 37 differ from the whole list")
	}

	// ACTION_LEVEL: a role used only through sessions.
	role := ts.iamGenerate(t, db, iamDeploy, "ACTION_LEVEL")
	used := map[string]string{}
	for _, s := range getServicePage(t, db, "CALL get_service_last_accessed_details(?, 1000)", role).services(t) {
		actions, ok := s["TrackedActionsLastAccessed"].([]any)
		if s["ServiceNamespace"] == "dynamodb" && ok {
			t.Fatal("dynamodb has tracked actions")
		}
		for _, a := range actions {
			m := a.(map[string]any)
			if m["LastAccessedTime"] != nil {
				used[s["ServiceNamespace"].(string)+":"+m["ActionName"].(string)] = fmt.Sprint(m["LastAccessedTime"], " ", m["LastAccessedEntity"], " ", m["LastAccessedRegion"])
			}
		}
	}
	if want := map[string]string{
		"s3:ListAllMyBuckets":       "2026-10-29T00:00:00Z " + iamDeploy + " ap-south-1",
		"lambda:UpdateFunctionCode": "2026-10-26T00:00:00Z " + iamDeploy + " eu-west-1",
	}; !reflect.DeepEqual(used, want) {
		t.Fatalf("used actions %v, want %v", used, want)
	}

	// With entities: the forms, and pages of 2.
	app := ts.iamGenerate(t, db, iamApp, nil)
	all := getEntityPage(t, db, "CALL get_service_last_accessed_details_with_entities(?, 's3')", app)
	for _, c := range []struct {
		query string
		args  []any
	}{
		{"CALL get_service_last_accessed_details_with_entities(?, ?, NULL)", []any{app, "s3"}},
		{"CALL get_service_last_accessed_details_with_entities(?, ?, ?, ?)", []any{app, "s3", nil, nil}},
		{"CALL get_service_last_accessed_details_with_entities(?, ?, '100', NULL)", []any{app, "s3"}},
	} {
		if p := getEntityPage(t, db, c.query, c.args...); !reflect.DeepEqual(p, all) {
			t.Errorf("%s %v: %+v, want %+v", c.query, c.args, p, all)
		}
	}
	p1 := getEntityPage(t, db, "CALL get_service_last_accessed_details_with_entities(?, 's3', 2)", app)
	if !p1.IsTruncated || !p1.Marker.Valid || len(p1.entities(t)) != 2 {
		t.Fatalf("page 1: %+v", p1)
	}
	p2 := getEntityPage(t, db, "CALL get_service_last_accessed_details_with_entities(?, 's3', 2, ?)", app, p1.Marker.String)
	if p2.IsTruncated || p2.Marker.Valid || !reflect.DeepEqual(append(p1.entities(t), p2.entities(t)...), all.entities(t)) || len(all.entities(t)) != 4 {
		t.Fatalf("pages %v + %v, whole %v", p1.entities(t), p2.entities(t), all.entities(t))
	}

	// List: 200 namespaces (the most allowed) in two pages of 100; the
	// page's IsTruncated and Marker repeat on each of its rows.
	var namespaces []string
	for _, r := range queryRows(t, db, "SELECT ServiceNamespace FROM services ORDER BY ServiceNamespace LIMIT 200") {
		namespaces = append(namespaces, r[0])
	}
	csv := strings.Join(namespaces, ",")
	var seen []string
	marker = nil
	for page := 1; page <= 2; page++ {
		rows := queryRows(t, db, "CALL list_policies_granting_service_access(?, ?, ?)", iamAlice, csv, marker)
		truncated, pageMarker := rows[0][6], rows[0][7]
		if (page == 1) != (truncated == "1") || (page == 1) == (pageMarker == "NULL") {
			t.Fatalf("page %d: IsTruncated %s, Marker %s", page, truncated, pageMarker)
		}
		var pageNamespaces []string
		for _, r := range rows {
			if r[6] != truncated || r[7] != pageMarker {
				t.Fatalf("page %d: row %q has another IsTruncated or Marker", page, r)
			}
			if len(pageNamespaces) == 0 || pageNamespaces[len(pageNamespaces)-1] != r[0] {
				pageNamespaces = append(pageNamespaces, r[0])
			}
			if r[1] != "AdministratorAccess" && r[1] != "DevS3Read" && r[1] != "AppAccess" {
				t.Fatalf("page %d: row %q", page, r)
			}
		}
		if len(pageNamespaces) != 100 {
			t.Fatalf("page %d: %d namespaces", page, len(pageNamespaces))
		}
		seen = append(seen, pageNamespaces...)
		marker = pageMarker
	}
	if !reflect.DeepEqual(seen, namespaces) {
		t.Fatalf("two pages list %d namespaces, want the %d asked in their order", len(seen), len(namespaces))
	}
}

// iamState summarizes what a bad statement must leave alone: the report
// tables and the imported entities (through a List).
func iamState(t *testing.T, db *sql.DB) [][]string {
	t.Helper()
	out := queryRows(t, db, `SELECT
		(SELECT COUNT(*) FROM service_last_accessed_reports),
		(SELECT COUNT(*) FROM services_last_accessed),
		(SELECT COUNT(*) FROM tracked_actions_last_accessed),
		(SELECT COUNT(*) FROM access_events)`)
	out = append(out, queryRows(t, db, "CALL list_policies_granting_service_access(?, 's3,iam,lambda,sns')", iamAlice)...)
	return append(out, queryRows(t, db, "CALL list_policies_granting_service_access(?, 's3,iam,lambda,sns')", iamCarol)...)
}

// TestIAMProcedureErrors: every error of SPEC §4.3 these procedures
// raise is SQLSTATE 45000 with the AWS code first; parameters holding
// quotes and semicolons are values, never SQL; nothing stored changes.
func TestIAMProcedureErrors(t *testing.T) {
	ts := startIAMServer(t, engine.Options{})
	admin := ts.admin()
	devs := ts.iamGenerate(t, admin, iamDevs, nil)
	app := ts.iamGenerate(t, admin, iamApp, nil)
	getMarker := getServicePage(t, admin, "CALL get_service_last_accessed_details(?, 1)", devs).Marker.String
	entitiesMarker := getEntityPage(t, admin, "CALL get_service_last_accessed_details_with_entities(?, 's3', 1)", app).Marker.String
	var many []string
	for i := 0; i < 201; i++ {
		many = append(many, "s3")
	}
	var listMarker string
	{
		var namespaces []string
		for _, r := range queryRows(t, admin, "SELECT ServiceNamespace FROM services LIMIT 101") {
			namespaces = append(namespaces, r[0])
		}
		listMarker = queryRows(t, admin, "CALL list_policies_granting_service_access(?, ?)", iamAlice, strings.Join(namespaces, ","))[0][7]
	}
	details, err := os.ReadFile(repoPath("testdata", "iam", "authorization-details.json"))
	if err != nil {
		t.Fatal(err)
	}
	notJSON := strings.Replace(string(details), `"PolicyName": "DevS3Read",
                    "PolicyDocument": {`, `"PolicyName": "DevS3Read",
                    "PolicyDocument": "{not json", "x": {`, 1)
	if notJSON == string(details) {
		t.Fatal("fixture changed: DevS3Read not found")
	}
	before := iamState(t, admin)

	const (
		user  = erSignalException
		state = stateUserException
	)
	cases := []struct {
		name   string
		query  string
		args   []any
		number uint16
		state  string
		prefix string
	}{
		// Generate.
		{"malformed ARN", "CALL generate_service_last_accessed_details(?)", []any{"arn:aws:iam:111122223333:user/alice"},
			user, state, "InvalidInput: "},
		{"sts ARN", "CALL generate_service_last_accessed_details(?, NULL)", []any{"arn:aws:sts::111122223333:assumed-role/deploy/s"},
			user, state, "InvalidInput: "},
		{"short ARN", "CALL generate_service_last_accessed_details('arn:aws:iam::1:user')", nil,
			user, state, "ValidationError: 1 validation error detected: Value 'arn:aws:iam::1:user' at 'arn' failed to satisfy constraint: Member must have length greater than or equal to 20"},
		{"unknown user", "CALL generate_service_last_accessed_details(?)", []any{"arn:aws:iam::111122223333:user/zed"},
			user, state, "NoSuchEntity: The user with name zed cannot be found."},
		{"unknown role", "CALL generate_service_last_accessed_details(?)", []any{"arn:aws:iam::111122223333:role/deploy"},
			user, state, "NoSuchEntity: "},
		{"unknown granularity", "CALL generate_service_last_accessed_details(?, ?)", []any{iamAlice, "RESOURCE_LEVEL"},
			user, state, "ValidationError: 1 validation error detected: Value 'RESOURCE_LEVEL' at 'granularity' failed to satisfy constraint: Member must satisfy enum value set: [SERVICE_LEVEL, ACTION_LEVEL]"},
		{"granularity in lower case", "CALL generate_service_last_accessed_details(?, 'action_level')", []any{iamAlice},
			user, state, "ValidationError: 1 validation error detected: Value 'action_level' at 'granularity'"},
		{"NULL ARN", "CALL generate_service_last_accessed_details(NULL)", nil,
			user, state, "ValidationError: 1 validation error detected: Value null at 'arn' failed to satisfy constraint: Member must not be null"},
		{"ARN with quote and semicolon", "CALL generate_service_last_accessed_details(?)", []any{"arn:aws:iam::111122223333:user/o'brien; DROP TABLE x; --"},
			user, state, `InvalidInput: ARN arn:aws:iam::111122223333:user/o'brien; DROP TABLE x; -- is not valid: "o'brien; DROP TABLE x; --" is not a valid user name.`},
		{"ARN with quote, plain", "CALL generate_service_last_accessed_details('arn:aws:iam::111122223333:user/o''brien; SELECT 1')", nil,
			user, state, `InvalidInput: ARN arn:aws:iam::111122223333:user/o'brien; SELECT 1 is not valid`},
		{"too many parameters to generate", "CALL generate_service_last_accessed_details(?, NULL, NULL, NULL)", []any{iamAlice},
			erSpWrongNoOfArgs, stateAccessOrName, "Incorrect number of arguments for PROCEDURE lastaccess.generate_service_last_accessed_details; expected 1 to 3, got 4"},

		// Get.
		{"max_items 0", "CALL get_service_last_accessed_details(?, 0)", []any{devs},
			user, state, "ValidationError: 1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"max_items 1001", "CALL get_service_last_accessed_details(?, ?)", []any{devs, 1001},
			user, state, "ValidationError: 1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"max_items not a number", "CALL get_service_last_accessed_details(?, 'ten')", []any{devs},
			user, state, "ValidationError: 1 validation error detected: Value 'ten' at 'maxItems' failed to satisfy constraint: Member must be an integer"},
		{"unknown job", "CALL get_service_last_accessed_details('00000000-0000-4000-8000-000000000000')", nil,
			user, state, "NoSuchEntity: The report job 00000000-0000-4000-8000-000000000000 does not exist."},
		{"job id of 35 characters", "CALL get_service_last_accessed_details(?)", []any{devs[:35]},
			user, state, "ValidationError: 1 validation error detected: Value '" + devs[:35] + "' at 'jobId' failed to satisfy constraint: Member must have length greater than or equal to 36"},
		{"NULL job id", "CALL get_service_last_accessed_details(NULL, 10)", nil,
			user, state, "ValidationError: 1 validation error detected: Value null at 'jobId' failed to satisfy constraint: Member must not be null"},
		{"an IAM job to the Organizations Get", "CALL get_organizations_access_report(?)", []any{devs},
			user, state, "NoSuchEntity: The report job " + devs + " does not exist."},
		{"marker of another job", "CALL get_service_last_accessed_details(?, NULL, ?)", []any{app, getMarker},
			user, state, "InvalidInput: "},
		{"marker of the entity list", "CALL get_service_last_accessed_details(?, 1, ?)", []any{app, entitiesMarker},
			user, state, "InvalidInput: "},
		{"marker with quote and semicolon", "CALL get_service_last_accessed_details(?, NULL, ?)", []any{devs, "x'; SELECT 1; --"},
			user, state, `InvalidInput: The marker "x'; SELECT 1; --" was not issued`},
		{"too many parameters to get", "CALL get_service_last_accessed_details(?, NULL, NULL, NULL)", []any{devs},
			erSpWrongNoOfArgs, stateAccessOrName, "Incorrect number of arguments for PROCEDURE lastaccess.get_service_last_accessed_details; expected 1 to 3, got 4"},

		// With entities.
		{"namespace the catalog lacks", "CALL get_service_last_accessed_details_with_entities(?, 'nosuchsvc')", []any{devs},
			user, state, "InvalidInput: The service namespace nosuchsvc is not valid"},
		{"namespace the report lacks", "CALL get_service_last_accessed_details_with_entities(?, 'iam')", []any{devs},
			user, state, "NoSuchEntity: The report job " + devs + " does not list the service iam"},
		{"NULL namespace", "CALL get_service_last_accessed_details_with_entities(?, NULL)", []any{devs},
			user, state, "ValidationError: 1 validation error detected: Value null at 'serviceNamespace' failed to satisfy constraint: Member must not be null"},
		{"namespace with quote", "CALL get_service_last_accessed_details_with_entities(?, ?)", []any{devs, "s3'; --"},
			user, state, "ValidationError: 1 validation error detected: Value 's3'; --' at 'serviceNamespace' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{"entities max_items 0", "CALL get_service_last_accessed_details_with_entities(?, 's3', '0')", []any{devs},
			user, state, "ValidationError: 1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"entities max_items 1001", "CALL get_service_last_accessed_details_with_entities(?, 's3', 1001, NULL)", []any{devs},
			user, state, "ValidationError: 1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"entities marker of another service", "CALL get_service_last_accessed_details_with_entities(?, 'dynamodb', NULL, ?)", []any{app, entitiesMarker},
			user, state, "InvalidInput: "},
		{"entities marker of the service list", "CALL get_service_last_accessed_details_with_entities(?, 's3', NULL, ?)", []any{devs, getMarker},
			user, state, "InvalidInput: "},
		{"entities without a namespace", "CALL get_service_last_accessed_details_with_entities(?)", []any{devs},
			erSpWrongNoOfArgs, stateAccessOrName, "Incorrect number of arguments for PROCEDURE lastaccess.get_service_last_accessed_details_with_entities; expected 2 to 4, got 1"},

		// List.
		{"no namespaces", "CALL list_policies_granting_service_access(?, '')", []any{iamAlice},
			user, state, "ValidationError: 1 validation error detected: Value '[]' at 'serviceNamespaces' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"NULL namespaces", "CALL list_policies_granting_service_access(?, NULL, NULL)", []any{iamAlice},
			user, state, "ValidationError: 1 validation error detected: Value '[]' at 'serviceNamespaces' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"201 namespaces", "CALL list_policies_granting_service_access(?, ?)", []any{iamAlice, strings.Join(many, ",")},
			user, state, "ValidationError: 1 validation error detected: Value '[s3, s3, "},
		{"an empty namespace", "CALL list_policies_granting_service_access(?, 's3,')", []any{iamAlice},
			user, state, "ValidationError: 1 validation error detected: Value '' at 'serviceNamespaces.2.member' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"namespaces with a semicolon", "CALL list_policies_granting_service_access(?, ?)", []any{iamAlice, "s3;iam"},
			user, state, "ValidationError: 1 validation error detected: Value 's3;iam' at 'serviceNamespaces.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{"namespace the catalog lacks, listed", "CALL list_policies_granting_service_access(?, 's3,nosuchsvc')", []any{iamAlice},
			user, state, "InvalidInput: The service namespaces nosuchsvc are not valid"},
		{"policy ARN to list", "CALL list_policies_granting_service_access(?, 's3')", []any{iamApp},
			user, state, "InvalidInput: "},
		{"unknown user to list", "CALL list_policies_granting_service_access('arn:aws:iam::111122223333:user/zed', 's3')", nil,
			user, state, "NoSuchEntity: The user with name zed cannot be found."},
		{"malformed ARN to list", "CALL list_policies_granting_service_access(?, 's3')", []any{"arn:aws:iam:111122223333:user/alice"},
			user, state, "InvalidInput: "},
		{"list marker of another user", "CALL list_policies_granting_service_access(?, ?, ?)", []any{iamBob, "s3", listMarker},
			user, state, "InvalidInput: "},
		{"list marker of the service list", "CALL list_policies_granting_service_access(?, 's3', ?)", []any{iamAlice, getMarker},
			user, state, "InvalidInput: "},
		{"list without namespaces", "CALL list_policies_granting_service_access(?)", []any{iamAlice},
			erSpWrongNoOfArgs, stateAccessOrName, "Incorrect number of arguments for PROCEDURE lastaccess.list_policies_granting_service_access; expected 2 to 3, got 1"},

		// Import.
		{"authorization details not JSON", "CALL import_authorization_details('{')", nil,
			user, state, "InvalidInput: not the JSON output of get-account-authorization-details"},
		{"a policy document not JSON", "CALL import_authorization_details(?)", []any{notJSON},
			user, state, `InvalidInput: group devs: inline policy "DevS3Read": policy: invalid JSON`},
		{"NULL authorization details", "CALL import_authorization_details(NULL)", nil,
			user, state, "ValidationError: 1 validation error detected: Value 'null' at 'jsonText' failed to satisfy constraint: Member must not be null"},
	}
	for _, prepared := range []bool{false, true} {
		var conn *sql.Conn
		if prepared {
			conn, err = admin.Conn(context.Background())
		} else {
			conn, err = ts.admin("interpolateParams=true").Conn(context.Background())
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			_, err := conn.ExecContext(context.Background(), c.query, c.args...)
			func() {
				defer func() {
					if t.Failed() {
						t.Logf("case %q (prepared %v)", c.name, prepared)
					}
				}()
				wantError(t, err, c.number, c.state, c.prefix)
			}()
			var one int
			if err := conn.QueryRowContext(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
				t.Fatalf("%s: connection unusable afterwards: %v", c.name, err)
			}
		}
		conn.Close()
	}
	if after := iamState(t, admin); !reflect.DeepEqual(after, before) {
		t.Fatalf("bad input changed stored data:\n%v\n→ %v", before, after)
	}
	// The tables are still there and whole.
	if got := queryRows(t, admin, "SELECT COUNT(*) FROM services"); got[0][0] == "0" {
		t.Fatal("services is empty")
	}
}

// TestIAMReadOnlyUser: the read-only account calls the Gets and the List
// and reads the tables, and is refused Generate and the import with
// MySQL's routine-access error.
func TestIAMReadOnlyUser(t *testing.T) {
	ts := startIAMServer(t, engine.Options{})
	admin := ts.admin()
	app := ts.iamGenerate(t, admin, iamApp, nil)
	before := iamState(t, admin)
	details, err := os.ReadFile(repoPath("testdata", "iam", "authorization-details.json"))
	if err != nil {
		t.Fatal(err)
	}

	for _, params := range [][]string{nil, {"interpolateParams=true"}} {
		conn, err := ts.reader(params...).Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if p := getServicePage(t, conn, "CALL get_service_last_accessed_details(?)", app); p.JobStatus != "COMPLETED" || len(p.services(t)) != 3 {
			t.Fatalf("reader's Get: %+v", p)
		}
		if p := getEntityPage(t, conn, "CALL get_service_last_accessed_details_with_entities(?, 's3', 2, NULL)", app); len(p.entities(t)) != 2 || !p.IsTruncated {
			t.Fatalf("reader's Get with entities: %+v", p)
		}
		rows, err := conn.QueryContext(context.Background(), "CALL list_policies_granting_service_access(?, 's3,iam,lambda')", iamAlice)
		if err != nil {
			t.Fatalf("reader's List: %v", err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		if n != 5 {
			t.Fatalf("reader's List: %d rows", n)
		}
		for _, q := range []string{
			"SELECT COUNT(*) FROM service_last_accessed_reports WHERE JobId = ?",
			"SELECT COUNT(*) FROM services_last_accessed WHERE JobId = ?",
			"SELECT COUNT(*) FROM tracked_actions_last_accessed WHERE JobId = ?",
		} {
			if err := conn.QueryRowContext(context.Background(), q, app).Scan(&n); err != nil {
				t.Fatalf("reader: %s: %v", q, err)
			}
		}
		for _, c := range []struct {
			query string
			args  []any
			proc  string
		}{
			{"CALL generate_service_last_accessed_details(?)", []any{iamAlice}, procGenerateServiceReport},
			{"CALL generate_service_last_accessed_details(?, 'ACTION_LEVEL')", []any{iamAlice}, procGenerateServiceReport},
			{"CALL import_authorization_details(?)", []any{string(details)}, procImportAuthDetails},
		} {
			_, err := conn.ExecContext(context.Background(), c.query, c.args...)
			wantError(t, err, erProcAccessDenied, stateAccessOrName,
				"execute command denied to user 'reader'@'%' for routine 'lastaccess."+c.proc+"'")
			if err := conn.QueryRowContext(context.Background(), "SELECT 1").Scan(&n); err != nil {
				t.Fatalf("connection unusable after %s: %v", c.query, err)
			}
		}
		conn.Close()
	}
	if after := iamState(t, admin); !reflect.DeepEqual(after, before) {
		t.Fatalf("read-only user changed stored data: %v → %v", before, after)
	}
}

// TestIAMJobInProgress: while a job runs, the Gets return its status with
// empty lists (the API's model requires them), a marker is refused, and
// the tables show the job without services.
func TestIAMJobInProgress(t *testing.T) {
	ts := startIAMServerWith(t, serverConfig{holdJobs: true}) // held until the server stops
	db := ts.admin()
	id := iamGenerateNoWait(t, db, iamDevs, "ACTION_LEVEL")

	p := getServicePage(t, db, "CALL get_service_last_accessed_details(?)", id)
	if p.JobStatus != "IN_PROGRESS" || p.JobType.String != "ACTION_LEVEL" || !p.JobCreationDate.Equal(iamNow) || p.JobCompletionDate.Valid ||
		p.ServicesLastAccessed != "[]" || p.IsTruncated || p.Marker.Valid || p.Error.Valid {
		t.Fatalf("page: %+v", p)
	}
	e := getEntityPage(t, db, "CALL get_service_last_accessed_details_with_entities(?, 's3')", id)
	if e.JobStatus != "IN_PROGRESS" || e.JobCompletionDate.Valid || e.EntityDetailsList != "[]" || e.IsTruncated || e.Marker.Valid {
		t.Fatalf("entities page: %+v", e)
	}
	_, err := db.Exec("CALL get_service_last_accessed_details(?, NULL, 'AAAAAAAAAAAAAAAAAAAA')", id)
	wantError(t, err, erSignalException, stateUserException, "InvalidInput: ")

	got := queryRows(t, db, "SELECT JobId, Arn, JobType, JobStatus, JobCreationDate, JobCompletionDate, ServicesLastAccessed, ErrorDetails FROM service_last_accessed_reports")
	if want := [][]string{{id, iamDevs, "ACTION_LEVEL", "IN_PROGRESS", "2026-11-01T00:00:00Z", "NULL", "NULL", "NULL"}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("report row %q, want %q", got, want)
	}
	for _, table := range []string{"services_last_accessed", "tracked_actions_last_accessed"} {
		if got := queryRows(t, db, "SELECT COUNT(*) FROM "+table+" WHERE JobId = ?", id); got[0][0] != "0" {
			t.Errorf("%s: %v rows for a job in progress", table, got)
		}
	}
}
