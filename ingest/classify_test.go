package ingest

import (
	"strings"
	"testing"
	"time"

	"lastaccess/engine"
)

func TestNormalizeCountedRecords(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC).UnixNano()
	tests := []struct {
		name   string
		record string
		want   engine.Event
	}{
		{
			name:   "IAMUser",
			record: rec(t),
			want: engine.Event{ID: "ev-1", Time: at, AccountID: "123456789012", PrincipalARN: "arn:aws:iam::123456789012:user/dev/alice",
				PrincipalType: engine.PrincipalIAMUser, EventSource: "s3.amazonaws.com", EventName: "ListBuckets",
				Namespace: "s3", Action: "ListAllMyBuckets", Region: "us-east-1"},
		},
		{
			name: "AssumedRole: the session issuer, with its path",
			record: rec(t, "userIdentity", map[string]any{
				"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/Deploy/ci-42", "accountId": "123456789012",
				"sessionContext": map[string]any{"sessionIssuer": map[string]any{"type": "Role", "arn": "arn:aws:iam::123456789012:role/team/a/Deploy"}},
			}),
			want: engine.Event{PrincipalARN: "arn:aws:iam::123456789012:role/team/a/Deploy", PrincipalType: engine.PrincipalAssumedRole},
		},
		{
			name: "AssumedRole without session issuer: derived from the sts ARN",
			record: rec(t, "userIdentity", map[string]any{
				"type": "AssumedRole", "arn": "arn:aws-us-gov:sts::123456789012:assumed-role/Deploy/ci-42", "accountId": "123456789012",
			}),
			want: engine.Event{PrincipalARN: "arn:aws-us-gov:iam::123456789012:role/Deploy", PrincipalType: engine.PrincipalAssumedRole},
		},
		{
			name: "AssumedRole of a service-linked role",
			record: rec(t, "userIdentity", map[string]any{
				"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/AWSServiceRoleForECS/ecs", "accountId": "123456789012",
				"sessionContext": map[string]any{"sessionIssuer": map[string]any{"arn": "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"}},
			}),
			want: engine.Event{PrincipalARN: "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
				PrincipalType: engine.PrincipalAssumedRole, ServiceLinked: true},
		},
		{
			name: "a role whose name merely mentions aws-service-role is not service-linked",
			record: rec(t, "userIdentity", map[string]any{
				"type": "AssumedRole", "accountId": "123456789012",
				"sessionContext": map[string]any{"sessionIssuer": map[string]any{"arn": "arn:aws:iam::123456789012:role/x/aws-service-role/y"}},
			}),
			want: engine.Event{PrincipalARN: "arn:aws:iam::123456789012:role/x/aws-service-role/y", PrincipalType: engine.PrincipalAssumedRole},
		},
		{
			name:   "Root",
			record: rec(t, "userIdentity", map[string]any{"type": "Root", "arn": "arn:aws:iam::123456789012:root", "accountId": "123456789012"}),
			want:   engine.Event{PrincipalARN: "arn:aws:iam::123456789012:root", PrincipalType: engine.PrincipalRoot},
		},
		{
			name:   "Root in another partition",
			record: rec(t, "userIdentity", map[string]any{"type": "Root", "arn": "arn:aws-cn:iam::123456789012:root", "accountId": "123456789012"}),
			want:   engine.Event{PrincipalARN: "arn:aws-cn:iam::123456789012:root", PrincipalType: engine.PrincipalRoot},
		},
		{
			name:   "Root without arn",
			record: rec(t, "userIdentity", map[string]any{"type": "Root", "accountId": "123456789012"}),
			want:   engine.Event{PrincipalARN: "arn:aws:iam::123456789012:root", PrincipalType: engine.PrincipalRoot},
		},
		{
			name: "FederatedUser with session issuer",
			record: rec(t, "userIdentity", map[string]any{
				"type": "FederatedUser", "arn": "arn:aws:sts::123456789012:federated-user/bob", "accountId": "123456789012",
				"sessionContext": map[string]any{"sessionIssuer": map[string]any{"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/broker"}},
			}),
			want: engine.Event{PrincipalARN: "arn:aws:iam::123456789012:user/broker", PrincipalType: engine.PrincipalFederatedUser},
		},
		{
			name:   "FederatedUser without session issuer",
			record: rec(t, "userIdentity", map[string]any{"type": "FederatedUser", "arn": "arn:aws:sts::123456789012:federated-user/bob", "accountId": "123456789012"}),
			want:   engine.Event{PrincipalARN: "arn:aws:sts::123456789012:federated-user/bob", PrincipalType: engine.PrincipalFederatedUser},
		},
		{
			name:   "invokedBy still counts for the principal",
			record: rec(t, "userIdentity.invokedBy", "cloudformation.amazonaws.com"),
			want:   engine.Event{PrincipalARN: "arn:aws:iam::123456789012:user/dev/alice", PrincipalType: engine.PrincipalIAMUser},
		},
		{
			name:   "AccessDenied still counts",
			record: rec(t, "errorCode", "AccessDenied", "errorMessage", "no"),
			want:   engine.Event{ErrorCode: "AccessDenied"},
		},
		{
			name:   "old record without eventType and eventCategory",
			record: rec(t, "eventType", del, "eventCategory", del, "managementEvent", del),
			want:   engine.Event{},
		},
		{
			name:   "data event",
			record: rec(t, "eventCategory", "Data", "eventName", "GetObject", "managementEvent", false),
			want:   engine.Event{EventName: "GetObject", Action: "GetObject", DataEvent: true},
		},
		{
			name:   "old data event: managementEvent false without eventCategory",
			record: rec(t, "eventCategory", del, "eventName", "GetObject", "managementEvent", false),
			want:   engine.Event{EventName: "GetObject", Action: "GetObject", DataEvent: true},
		},
		{
			name:   "fractional seconds and an offset",
			record: rec(t, "eventTime", "2024-05-06T09:08:09.5+02:00"),
			want:   engine.Event{Time: at + 5e8},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := normalizeOne(t, tt.record)
			if !out.ok {
				t.Fatalf("not counted: skip %q, problem %+v", out.skip, out.problem)
			}
			base := engine.Event{ID: "ev-1", Time: at, AccountID: "123456789012", PrincipalARN: "arn:aws:iam::123456789012:user/dev/alice",
				PrincipalType: engine.PrincipalIAMUser, EventSource: "s3.amazonaws.com", EventName: "ListBuckets",
				Namespace: "s3", Action: "ListAllMyBuckets", Region: "us-east-1"}
			want := overlay(base, tt.want)
			if out.event != want {
				t.Fatalf("event\n got %+v\nwant %+v", out.event, want)
			}
		})
	}
}

// overlay returns base with the non-zero fields of w.
func overlay(base, w engine.Event) engine.Event {
	if w.ID != "" {
		base.ID = w.ID
	}
	if w.Time != 0 {
		base.Time = w.Time
	}
	if w.PrincipalARN != "" {
		base.PrincipalARN = w.PrincipalARN
	}
	if w.PrincipalType != 0 {
		base.PrincipalType = w.PrincipalType
	}
	if w.EventName != "" {
		base.EventName = w.EventName
	}
	if w.Action != "" {
		base.Action = w.Action
	}
	if w.ErrorCode != "" {
		base.ErrorCode = w.ErrorCode
	}
	base.ServiceLinked = w.ServiceLinked
	base.DataEvent = w.DataEvent
	return base
}

func TestNamespaceAndAction(t *testing.T) {
	tests := []struct {
		source, name   string
		ns, action     string
		unknownSources bool
	}{
		{"s3.amazonaws.com", "ListBuckets", "s3", "ListAllMyBuckets", false},
		{"s3.amazonaws.com", "CreateBucket", "s3", "CreateBucket", false},
		{"monitoring.amazonaws.com", "GetMetricData", "cloudwatch", "GetMetricData", false},
		{"email.amazonaws.com", "SendEmail", "ses", "SendEmail", false},
		{"streams.dynamodb.amazonaws.com", "GetRecords", "dynamodb", "GetRecords", false},
		{"tagging.amazonaws.com", "GetResources", "tag", "GetResources", false},
		{"appstream2.amazonaws.com", "CreateFleet", "appstream", "CreateFleet", false},
		{"models.lex.amazonaws.com", "GetBot", "lex", "GetBot", false},
		{"runtime.lex.amazonaws.com", "PostText", "lex", "PostText", false},
		{"lambda.amazonaws.com", "ListFunctions20150331", "lambda", "ListFunctions", false},
		{"lambda.amazonaws.com", "UpdateFunctionCode20150331v2", "lambda", "UpdateFunctionCode", false},
		{"LAMBDA.amazonaws.com", "GetFunction20150331", "lambda", "GetFunction", false},
		{"newservice.amazonaws.com", "DoThing", "newservice", "DoThing", true},
	}
	for _, tt := range tests {
		out := normalizeOne(t, rec(t, "eventSource", tt.source, "eventName", tt.name))
		if !out.ok {
			t.Fatalf("%s: not counted: %+v", tt.source, out)
		}
		if out.event.Namespace != tt.ns || out.event.Action != tt.action || out.event.EventSource != tt.source || out.event.EventName != tt.name {
			t.Errorf("%s %s: got %s:%s (%s %s), want %s:%s", tt.source, tt.name, out.event.Namespace, out.event.Action,
				out.event.EventSource, out.event.EventName, tt.ns, tt.action)
		}
		if (out.unknownSource != "") != tt.unknownSources {
			t.Errorf("%s: unknown source %q", tt.source, out.unknownSource)
		}
	}
}

func TestSkipReasons(t *testing.T) {
	ident := func(typ string) string {
		return rec(t, "userIdentity", map[string]any{"type": typ, "accountId": "123456789012", "arn": "arn:aws:iam::123456789012:user/x"})
	}
	tests := []struct {
		record string
		want   SkipReason
	}{
		{ident("AWSService"), SkipAWSService},
		{ident("AWSAccount"), SkipAWSAccount},
		{ident("Unknown"), SkipUnknownIdentity},
		{ident("SAMLUser"), SkipSAMLUser},
		{ident("WebIdentityUser"), SkipWebIdentityUser},
		{ident("Directory"), SkipDirectory},
		{ident("IdentityCenterUser"), SkipIdentityCenterUser},
		{ident("SomethingNew"), "identityType:SomethingNew"},
		{ident("bad type!"), "identityType:(invalid)"},
		{rec(t, "userIdentity.type", del), SkipMissingIdentityType},
		{rec(t, "userIdentity.accountId", del), SkipMissingAccountID},
		{rec(t, "userIdentity.accountId", ""), SkipMissingAccountID},
		{rec(t, "eventType", "AwsConsoleSignIn"), SkipConsoleSignIn},
		{rec(t, "eventType", "AwsServiceEvent"), SkipServiceEvent},
		{rec(t, "eventType", "AwsConsoleAction"), SkipConsoleAction},
		{rec(t, "eventType", "AwsCloudTrailInsight", "eventCategory", del), SkipInsightEvent},
		{rec(t, "eventType", "AwsVpceEvent", "eventCategory", del), SkipVpceEvent},
		{rec(t, "eventType", "SomeFutureType"), "eventType:SomeFutureType"},
		{rec(t, "eventCategory", "Insight"), SkipInsight},
		{rec(t, "eventCategory", "NetworkActivity"), SkipNetworkActivity},
		// An Insights record has no userIdentity, eventSource or eventName.
		{`{"eventVersion":"1.08","eventTime":"2024-01-01T00:00:00Z","awsRegion":"us-east-1","eventID":"i1","eventType":"AwsCloudTrailInsight","recipientAccountId":"123456789012","eventCategory":"Insight","insightDetails":{}}`, SkipInsight},
		// A skipped record needs no eventID, eventTime, … to be classified.
		{`{"userIdentity":{"type":"AWSService","invokedBy":"s3.amazonaws.com"}}`, SkipAWSService},
	}
	for _, code := range []string{"InvalidClientTokenId", "SignatureDoesNotMatch", "IncompleteSignature", "MissingAuthenticationToken",
		"ExpiredToken", "ExpiredTokenException", "InvalidSignatureException", "UnrecognizedClientException", "AuthFailure"} {
		// EC2 writes the same codes with a Client. or Server. prefix.
		for _, prefixed := range []string{code, "Client." + code, "Server." + code} {
			tests = append(tests, struct {
				record string
				want   SkipReason
			}{rec(t, "errorCode", prefixed), SkipFailedAuthentication})
		}
	}
	for _, tt := range tests {
		out := normalizeOne(t, tt.record)
		if out.skip != tt.want || out.ok || out.problem != nil {
			t.Errorf("%s:\n got skip %q ok %v problem %+v, want skip %q", tt.record, out.skip, out.ok, out.problem, tt.want)
		}
	}
}

func TestMalformedRecords(t *testing.T) {
	tests := []struct {
		record string
		field  string
		msg    string
	}{
		{rec(t, "eventTime", del), "eventTime", "missing"},
		{rec(t, "eventSource", del), "eventSource", "missing"},
		{rec(t, "eventName", del), "eventName", "missing"},
		{rec(t, "awsRegion", del), "awsRegion", "missing"},
		{rec(t, "eventTime", 5), "eventTime", "want RFC 3339 string, got number"},
		{rec(t, "eventID", true), "eventID", "want string, got boolean"},
		{rec(t, "eventName", []int{1}), "eventName", "want string, got array"},
		{rec(t, "userIdentity.arn", map[string]any{}), "userIdentity.arn", "want string, got object"},
		{rec(t, "userIdentity", "IAMUser"), "userIdentity", "want object, got string"},
		{rec(t, "userIdentity.sessionContext", 7), "userIdentity.sessionContext", "want object, got number"},
		{rec(t, "managementEvent", "yes"), "managementEvent", "want boolean, got string"},
		{rec(t, "eventTime", "yesterday"), "eventTime", `want RFC 3339, got "yesterday"`},
		{rec(t, "eventTime", "2024-02-30T00:00:00Z"), "eventTime", `want RFC 3339, got "2024-02-30T00:00:00Z"`},
		{rec(t, "eventTime", "2024-05-06 07:08:09"), "eventTime", `want RFC 3339, got "2024-05-06 07:08:09"`},
		{rec(t, "eventTime", "0001-01-01T00:00:00Z"), "eventTime", `out of range: "0001-01-01T00:00:00Z"`},
		{rec(t, "userIdentity", del), "userIdentity", "missing"},
		{rec(t, "userIdentity", nil), "userIdentity", "missing"},
		{rec(t, "userIdentity.accountId", "12345"), "userIdentity.accountId", `want 12 digits, got "12345"`},
		{rec(t, "userIdentity.arn", del), "userIdentity.arn", "missing"},
		{rec(t, "userIdentity.arn", "alice"), "userIdentity.arn", `want an IAM user ARN, got "alice"`},
		{rec(t, "userIdentity", map[string]any{"type": "AssumedRole", "accountId": "123456789012", "arn": "arn:aws:iam::123456789012:user/x"}),
			"userIdentity.arn", `want an sts assumed-role ARN, got "arn:aws:iam::123456789012:user/x"`},
		{rec(t, "userIdentity", map[string]any{"type": "AssumedRole", "accountId": "123456789012", "sessionContext": map[string]any{"sessionIssuer": map[string]any{"arn": "arn:aws:iam::123456789012:user/x"}}}),
			"userIdentity.sessionContext.sessionIssuer.arn", `want an IAM role ARN, got "arn:aws:iam::123456789012:user/x"`},
		{rec(t, "userIdentity", map[string]any{"type": "FederatedUser", "accountId": "123456789012"}), "userIdentity.arn", "missing"},
		{rec(t, "eventSource", "s3 amazonaws com"), "eventSource", `want a host name, got "s3 amazonaws com"`},
		{rec(t, "eventSource", ".amazonaws.com"), "eventSource", `want a host name, got ".amazonaws.com"`},
		{rec(t, "eventName", "List\x01Buckets"), "eventName", `control character in "List\x01Buckets"`},
		{rec(t, "eventID", "caf\xe9"), "eventID", "invalid UTF-8"},
		{strings.Replace(rec(t, "awsRegion", "XX"), "XX", `\ud800`, 1), "awsRegion", "invalid UTF-8"},
		{`[1,2]`, "", "want a JSON object, got array"},
		{`{"eventID":`, "", "invalid JSON at byte 11: unexpected end of JSON input"},
	}
	for _, tt := range tests {
		out := normalizeOne(t, tt.record)
		if out.problem == nil {
			t.Errorf("%s: no problem (ok %v skip %q)", tt.record, out.ok, out.skip)
			continue
		}
		if out.problem.field != tt.field || out.problem.msg != tt.msg {
			t.Errorf("%s:\n got %s: %s\nwant %s: %s", tt.record, out.problem.field, out.problem.msg, tt.field, tt.msg)
		}
	}
}

func TestRecordErrorMessage(t *testing.T) {
	e := &RecordError{File: "AWSLogs/123456789012/CloudTrail/us-east-1/x.json.gz", Index: 17, Field: "eventTime", Msg: "want RFC 3339 string, got number"}
	if got, want := e.Error(), "AWSLogs/123456789012/CloudTrail/us-east-1/x.json.gz: record 17: eventTime: want RFC 3339 string, got number"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	e = &RecordError{File: "x.jsonl", Index: -1, Line: 3, Msg: "invalid JSON"}
	if got, want := e.Error(), "x.jsonl: line 3: invalid JSON"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// One normalizer sees many records: what it caches (checked field values,
// principals) must give every record the answer it would get alone.
func TestNormalizerCachesGiveTheSameAnswers(t *testing.T) {
	roleARN := "arn:aws:iam::123456789012:role/Deploy"
	asRole := rec(t, "userIdentity", map[string]any{
		"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/Deploy/s1", "accountId": "123456789012",
		"sessionContext": map[string]any{"sessionIssuer": map[string]any{"arn": roleARN}},
	})
	// The same ARN as an IAM user's is not a user ARN.
	asUser := rec(t, "userIdentity", map[string]any{"type": "IAMUser", "arn": roleARN, "accountId": "123456789012"})
	badRegion := rec(t, "awsRegion", "us-east-1\x01")
	n := newNormalizer(testCatalog(t))
	for round := 0; round < 3; round++ {
		for _, c := range []struct {
			name    string
			record  string
			problem string // "" when the record must give an event
		}{
			{"role session", asRole, ""},
			{"role ARN as a user", asUser, "userIdentity.arn"},
			{"good record", rec(t), ""},
			{"control character in a region", badRegion, "awsRegion"},
		} {
			r, p := decodeRecord([]byte(c.record), false)
			if p != nil {
				t.Fatal(p)
			}
			got := n.normalize(r)
			alone := newNormalizer(testCatalog(t)).normalize(r)
			if (got.problem == nil) != (alone.problem == nil) || got.ok != alone.ok || got.event != alone.event {
				t.Fatalf("round %d, %s: with caches %+v, alone %+v", round, c.name, got, alone)
			}
			if c.problem == "" && !got.ok || c.problem != "" && (got.problem == nil || got.problem.field != c.problem) {
				t.Fatalf("round %d, %s: %+v", round, c.name, got)
			}
		}
	}
}

// TestFailedAuthenticationCodes: SPEC §2's codes, bare or after EC2's
// Client./Server. prefix, and nothing else: an authenticated call that
// was denied or failed otherwise is an access.
func TestFailedAuthenticationCodes(t *testing.T) {
	for _, code := range FailedAuthenticationCodes {
		for _, p := range []string{"", "Client.", "Server."} {
			if !IsFailedAuthentication(p + code) {
				t.Errorf("%s%s: not a failed authentication", p, code)
			}
		}
	}
	for _, code := range []string{"", "AccessDenied", "Client.UnauthorizedOperation", "Client.AccessDenied",
		"UnauthorizedOperation", "Client.", "Server.", "client.AuthFailure", "CLIENT.AuthFailure", "authfailure",
		"Client.Client.AuthFailure", "Other.AuthFailure", "Client.AuthFailure ", " AuthFailure", "AuthFailureX",
		"Client.InvalidParameterValue", "Server.InternalError", "ThrottlingException"} {
		if IsFailedAuthentication(code) {
			t.Errorf("%q: a failed authentication", code)
		}
		if code == "" {
			continue
		}
		if out := normalizeOne(t, rec(t, "errorCode", code)); !out.ok {
			t.Errorf("errorCode %q: not counted (skip %q, problem %+v)", code, out.skip, out.problem)
		}
	}
}
