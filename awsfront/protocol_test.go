package awsfront

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"testing"

	"lastaccess/engine"
)

// storedJobs counts the report jobs of both kinds: what a request that
// fails must not change.
func storedJobs(t *testing.T, eng *engine.Engine) int {
	t.Helper()
	n := 0
	ctx := context.Background()
	if err := eng.ScanOrganizationsReportJobs(ctx, "", func(*engine.OrganizationsReportJob) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := eng.ScanServiceLastAccessedJobs(ctx, "", func(*engine.ServiceLastAccessedJob) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBadInput: each malformed or out-of-range request gets the right
// code and status (never a 5xx), all on one keep-alive connection that
// stays usable, and nothing stored changes.
func TestBadInput(t *testing.T) {
	ts := startServer(t)
	tr := &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	var conns atomic.Int32
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		if !info.Reused {
			conns.Add(1)
		}
	}}
	send := func(req *http.Request) wireResponse {
		return do(t, c, req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	}
	before := storedJobs(t, ts.eng)
	eventsBefore := countEvents(t, ts.eng)

	big := "Action=ListUsers&Version=2010-05-08&Marker=" + strings.Repeat("a", 2<<20)
	cases := []struct {
		name, form string
		status     int
		code, msg  string
	}{
		{"unknown action", "Action=DeleteUser&Version=2010-05-08&UserName=alice", 400, "InvalidAction", "Could not find operation DeleteUser for version 2010-05-08"},
		{"missing action", "Version=2010-05-08", 400, "MissingAction", "Missing Action"},
		{"missing version", "Action=ListUsers", 400, "MissingParameter", "parameter Version"},
		{"other version", "Action=ListUsers&Version=2006-03-01", 400, "InvalidAction", "Could not find operation ListUsers for version 2006-03-01"},
		{"malformed escape", "Action=ListUsers&Version=2010-05-08&Marker=%zz", 404, "MalformedQueryString", `the escape "%zz"`},
		{"truncated escape", "Action=ListUsers&Version=2010-05-08&Marker=ab%4", 404, "MalformedQueryString", "Marker"},
		{"no name", "Action=ListUsers&Version=2010-05-08&=x", 404, "MalformedQueryString", "no parameter name"},
		{"not UTF-8", "Action=ListUsers&Version=2010-05-08&PathPrefix=%2F%FF", 404, "MalformedQueryString", "not valid UTF-8"},
		{"2 MiB body", big, 400, "ValidationError", "less than or equal to 1048576 bytes"},
		{"MaxItems 0", "Action=ListUsers&Version=2010-05-08&MaxItems=0", 400, "ValidationError", "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"MaxItems 1001", "Action=GetOrganizationsAccessReport&Version=2010-05-08&JobId=00000000-0000-4000-8000-000000000000&MaxItems=1001", 400, "ValidationError",
			"1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"MaxItems huge", "Action=ListUsers&Version=2010-05-08&MaxItems=99999999999999999999", 400, "ValidationError", "less than or equal to 1000"},
		{"MaxItems text", "Action=ListUsers&Version=2010-05-08&MaxItems=ten", 400, "ValidationError", "Value 'ten' at 'maxItems' failed to satisfy constraint: Member must be an integer"},
		{"JobId 35", "Action=GetServiceLastAccessedDetails&Version=2010-05-08&JobId=" + strings.Repeat("a", 35), 400, "ValidationError", "Member must have length greater than or equal to 36"},
		{"SortKey", "Action=GetOrganizationsAccessReport&Version=2010-05-08&JobId=00000000-0000-4000-8000-000000000000&SortKey=NEWEST", 400, "ValidationError", "Member must satisfy enum value set"},
		{"Granularity", "Action=GenerateServiceLastAccessedDetails&Version=2010-05-08&Arn=arn:aws:iam::985606903142:user/carol&Granularity=FINE", 400, "ValidationError", "at 'granularity'"},
		{"EntityPath", "Action=GenerateOrganizationsAccessReport&Version=2010-05-08&EntityPath=o-x/r-y", 400, "ValidationError", "entityPath"},
		{"empty policy id (given empty is not absent)", "Action=GenerateOrganizationsAccessReport&Version=2010-05-08&EntityPath=o-36nzigt1zp%2Fr-t7vr&OrganizationsPolicyId=", 400, "ValidationError",
			"Value '' at 'organizationsPolicyId' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{"empty marker", "Action=ListUsers&Version=2010-05-08&Marker=", 400, "ValidationError", "at 'marker' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"unknown entity path", "Action=GenerateOrganizationsAccessReport&Version=2010-05-08&EntityPath=o-36nzigt1zp/r-t7vr/ou-t7vr-00000000", 404, "NoSuchEntity", ""},
		{"OnlyAttached", "Action=ListPolicies&Version=2010-05-08&OnlyAttached=yes", 400, "ValidationError", "at 'onlyAttached'"},
		{"Scope", "Action=ListPolicies&Version=2010-05-08&Scope=Mine", 400, "ValidationError", "at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]"},
		{"member 0", "Action=ListPoliciesGrantingServiceAccess&Version=2010-05-08&Arn=arn:aws:iam::985606903142:user/carol&ServiceNamespaces.member.0=s3", 400, "ValidationError", "has a member 0"},
		{"member gap", "Action=ListPoliciesGrantingServiceAccess&Version=2010-05-08&Arn=arn:aws:iam::985606903142:user/carol&ServiceNamespaces.member.1=s3&ServiceNamespaces.member.3=ec2", 400, "ValidationError", "skips member 2"},
		{"member leading zero", "Action=GetAccountAuthorizationDetails&Version=2010-05-08&Filter.member.01=User", 400, "ValidationError", "not a member of the list Filter"},
		{"list as scalar", "Action=GetAccountAuthorizationDetails&Version=2010-05-08&Filter=User", 400, "ValidationError", "is a list"},
		{"filter value", "Action=GetAccountAuthorizationDetails&Version=2010-05-08&Filter.member.1=Users", 400, "ValidationError", "at 'filter.1.member'"},
		{"duplicate", "Action=ListUsers&Version=2010-05-08&MaxItems=1&MaxItems=2", 400, "ValidationError", "MaxItems is given more than once"},
		{"unknown job", "Action=GetOrganizationsAccessReport&Version=2010-05-08&JobId=00000000-0000-4000-8000-000000000000", 404, "NoSuchEntity", "does not exist"},
		{"marker of nothing", "Action=ListUsers&Version=2010-05-08&Marker=AQN6R6yQcxCK153UPF4", 400, "InvalidInput", "not issued"},
	}
	for _, tc := range cases {
		r := send(formRequest(t, ts.url, tc.form, adminKey))
		e := errorOf(t, r)
		if r.status != tc.status || e.Error.Code != tc.code || !strings.Contains(e.Error.Message, tc.msg) || e.Error.Type != "Sender" {
			t.Errorf("%s: %d %s %q, want %d %s containing %q", tc.name, r.status, e.Error.Code, e.Error.Message, tc.status, tc.code, tc.msg)
		}
		// The connection still carries a good request.
		if ok := send(formRequest(t, ts.url, "Action=ListGroups&Version=2010-05-08", adminKey)); ok.status != 200 {
			t.Fatalf("after %s: status %d\n%s", tc.name, ok.status, ok.body)
		}
	}
	put, _ := http.NewRequest(http.MethodPut, ts.url+"/", strings.NewReader("Action=ListUsers&Version=2010-05-08"))
	signRequest(t, put, []byte("Action=ListUsers&Version=2010-05-08"), adminKey, "us-east-1", timeNow())
	if r := send(put); r.status != 405 || errorOf(t, r).Error.Code != "MethodNotAllowed" {
		t.Errorf("PUT: %d %s", r.status, r.body)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("the requests used %d connections, want 1 kept alive throughout", n)
	}
	if after := storedJobs(t, ts.eng); after != before {
		t.Errorf("jobs before %d, after %d", before, after)
	}
	if after := countEvents(t, ts.eng); after != eventsBefore {
		t.Errorf("events before %d, after %d", eventsBefore, after)
	}
}

func countEvents(t *testing.T, eng *engine.Engine) int {
	t.Helper()
	n := 0
	if err := eng.ScanEvents(context.Background(), engine.EventFilter{}, func(*engine.Event, string) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestGetQuery: GET /?Action=… with the parameters in the query answers
// like POST.
func TestGetQuery(t *testing.T) {
	ts := startServer(t)
	c := client(t)
	req, _ := http.NewRequest(http.MethodGet, ts.url+"/?Action=ListUsers&Version=2010-05-08&MaxItems=2&PathPrefix=%2F", nil)
	signRequest(t, req, nil, adminKey, "us-east-1", timeNow())
	r := do(t, c, req)
	if r.status != 200 || strings.Count(string(r.body), "<UserName>") != 2 {
		t.Fatalf("GET: %d\n%s", r.status, r.body)
	}
	loadModel(t).checkResponse("ListUsers", r.body, t)
}
