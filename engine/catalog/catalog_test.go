package catalog

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestEmbeddedParses(t *testing.T) {
	c, err := Parse(defaultData)
	if err != nil {
		t.Fatalf("embedded services.json: %v", err)
	}
	if c.Len() < 380 {
		t.Fatalf("embedded catalog has %d services, want >= 380", c.Len())
	}
	if Default().Len() != c.Len() {
		t.Fatalf("Default() has %d services, Parse %d", Default().Len(), c.Len())
	}
	if !bytes.Equal(DefaultData(), defaultData) {
		t.Fatal("DefaultData differs from the embedded file")
	}
}

// The embedded file is kept in the canonical layout that Encode writes (one
// service per line, sorted), so a re-import or a regenerated file gives a
// readable diff.
func TestEmbeddedIsCanonical(t *testing.T) {
	got := Default().Encode()
	if !bytes.Equal(got, defaultData) {
		gl := strings.Split(string(got), "\n")
		wl := strings.Split(string(defaultData), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("services.json is not in canonical form; first difference at line %d:\n got  %.200s\n file %.200s", i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("services.json is not in canonical form: %d lines encoded, %d in file", len(gl), len(wl))
	}
}

func TestEmbeddedNoDuplicates(t *testing.T) {
	var f struct {
		FormatVersion int       `json:"formatVersion"`
		Services      []Service `json:"services"`
	}
	if err := json.Unmarshal(defaultData, &f); err != nil {
		t.Fatal(err)
	}
	if f.FormatVersion != FormatVersion {
		t.Fatalf("formatVersion %d", f.FormatVersion)
	}
	namespaces := map[string]bool{}
	sources := map[string]string{}
	for i, s := range f.Services {
		if namespaces[s.Namespace] {
			t.Errorf("duplicate namespace %q", s.Namespace)
		}
		namespaces[s.Namespace] = true
		if i > 0 && f.Services[i-1].Namespace >= s.Namespace {
			t.Errorf("services not sorted: %q before %q", f.Services[i-1].Namespace, s.Namespace)
		}
		seen := map[string]bool{}
		for _, src := range s.EventSources {
			if prev, ok := sources[src]; ok && prev != s.Namespace {
				t.Errorf("event source %q in %q and %q", src, prev, s.Namespace)
			}
			if seen[src] {
				t.Errorf("%s: event source %q listed twice", s.Namespace, src)
			}
			seen[src] = true
			sources[src] = s.Namespace
			if src != strings.ToLower(src) || !strings.HasSuffix(src, ".amazonaws.com") {
				t.Errorf("%s: unexpected event source %q", s.Namespace, src)
			}
		}
		if !sort.StringsAreSorted(s.TrackedActions) {
			t.Errorf("%s: trackedActions not sorted", s.Namespace)
		}
		for j := 1; j < len(s.TrackedActions); j++ {
			if s.TrackedActions[j] == s.TrackedActions[j-1] {
				t.Errorf("%s: tracked action %q twice", s.Namespace, s.TrackedActions[j])
			}
		}
	}
}

func TestAnchorNames(t *testing.T) {
	c := Default()
	for ns, want := range map[string]string{
		"dynamodb": "Amazon DynamoDB",
		"iam":      "AWS Identity and Access Management",
		"s3":       "Amazon Simple Storage Service",
		"a4b":      "Alexa for Business",
	} {
		s, ok := c.Lookup(ns)
		if !ok {
			t.Errorf("%s: not in catalog", ns)
			continue
		}
		if s.Name != want {
			t.Errorf("%s: name %q, want %q", ns, s.Name, want)
		}
	}
}

func TestEventSourceExceptions(t *testing.T) {
	c := Default()
	for src, want := range map[string]string{
		"monitoring.amazonaws.com":           "cloudwatch",
		"email.amazonaws.com":                "ses",
		"ses.amazonaws.com":                  "ses",
		"streams.dynamodb.amazonaws.com":     "dynamodb",
		"dynamodb.amazonaws.com":             "dynamodb",
		"tagging.amazonaws.com":              "tag",
		"appstream2.amazonaws.com":           "appstream",
		"models.lex.amazonaws.com":           "lex",
		"runtime.lex.amazonaws.com":          "lex",
		"elasticloadbalancing.amazonaws.com": "elasticloadbalancing",
		"es.amazonaws.com":                   "es",
		"sso.amazonaws.com":                  "sso",
		"signin.amazonaws.com":               "signin",
		"states.amazonaws.com":               "states",
		"logs.amazonaws.com":                 "logs",
		"events.amazonaws.com":               "events",
		"execute-api.amazonaws.com":          "execute-api",
		"apigateway.amazonaws.com":           "apigateway",
		"kafka.amazonaws.com":                "kafka",
		"runtime.sagemaker.amazonaws.com":    "sagemaker",
		"sagemaker.amazonaws.com":            "sagemaker",
		"bedrock-runtime.amazonaws.com":      "bedrock",
		"bedrock.amazonaws.com":              "bedrock",
		"data.iot.amazonaws.com":             "iot",
		"iotdata.amazonaws.com":              "iot",
		"lambda.amazonaws.com":               "lambda",
		"ssmmessages.amazonaws.com":          "ssmmessages",
		"s3.amazonaws.com":                   "s3",
		"iam.amazonaws.com":                  "iam",
		"sts.amazonaws.com":                  "sts",
		"ec2.amazonaws.com":                  "ec2",
		"mturk-requester.amazonaws.com":      "mechanicalturk",
		"pinpoint.amazonaws.com":             "mobiletargeting",
		"MONITORING.amazonaws.com":           "cloudwatch", // case-insensitive
	} {
		ns, known := c.NamespaceForEventSource(src)
		if ns != want || !known {
			t.Errorf("NamespaceForEventSource(%q) = %q, %v; want %q, true", src, ns, known, want)
		}
		if _, ok := c.Lookup(ns); !ok {
			t.Errorf("%s: namespace %q not in catalog", src, ns)
		}
	}
}

func TestEventSourceListedForCommonServices(t *testing.T) {
	// The default rule would give the same answer, but the catalog names the
	// real source explicitly for these.
	c := Default()
	for _, ns := range []string{"s3", "ec2", "iam", "lambda", "sts", "kms", "logs", "events", "states", "sso", "kafka", "es", "elasticloadbalancing", "execute-api"} {
		s, _ := c.Lookup(ns)
		found := false
		for _, src := range s.EventSources {
			if src == ns+".amazonaws.com" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: %s.amazonaws.com not listed", ns, ns)
		}
	}
}

func TestUnknownEventSource(t *testing.T) {
	c := Default()
	ns, known := c.NamespaceForEventSource("frobnicator.amazonaws.com")
	if ns != "frobnicator" || known {
		t.Fatalf("got %q, %v; want frobnicator, false", ns, known)
	}
	ns, known = c.NamespaceForEventSource("nodots")
	if ns != "nodots" || known {
		t.Fatalf("got %q, %v; want nodots, false", ns, known)
	}
	// Not listed, but its first label is a known namespace.
	ns, known = c.NamespaceForEventSource("s3.us-east-1.amazonaws.com")
	if ns != "s3" || !known {
		t.Fatalf("got %q, %v; want s3, true", ns, known)
	}
}

func TestActionForEvent(t *testing.T) {
	c := Default()
	for _, tc := range []struct{ ns, event, want string }{
		{"lambda", "ListFunctions20150331", "ListFunctions"},
		{"lambda", "UpdateFunctionCode20150331v2", "UpdateFunctionCode"},
		{"lambda", "GetPolicy20150331v2", "GetPolicy"},
		{"lambda", "Invoke", "InvokeFunction"},
		{"cloudfront", "GetDistribution2020_05_31", "GetDistribution"},
		{"cloudfront", "CreateDistributionWithTags2020_05_31", "CreateDistribution"},
		{"s3", "ListBuckets", "ListAllMyBuckets"},
		{"s3", "ListObjects", "ListBucket"},
		{"s3", "ListObjectsV2", "ListBucket"},
		{"s3", "HeadBucket", "ListBucket"},
		{"s3", "HeadObject", "GetObject"},
		{"s3", "ListObjectVersions", "ListBucketVersions"},
		{"s3", "ListMultipartUploads", "ListBucketMultipartUploads"},
		{"s3", "CreateMultipartUpload", "PutObject"},
		{"s3", "UploadPart", "PutObject"},
		{"s3", "CompleteMultipartUpload", "PutObject"},
		{"s3", "CopyObject", "PutObject"},
		{"s3", "UploadPartCopy", "PutObject"},
		{"s3", "DeleteObjects", "DeleteObject"},
		{"s3", "PutBucketEncryption", "PutEncryptionConfiguration"},
		{"s3", "GetBucketLifecycleConfiguration", "GetLifecycleConfiguration"},
		{"s3", "DeleteBucketReplication", "PutReplicationConfiguration"},
		{"s3", "GetObject", "GetObject"},
		{"s3", "CreateBucket", "CreateBucket"},
		// Renames belong to their namespace.
		{"ec2", "ListBuckets", "ListBuckets"},
		// V2-style names are left alone unless renamed.
		{"sqs", "ListObjectsV2", "ListObjectsV2"},
		{"ec2", "DescribeInstances", "DescribeInstances"},
		// Short digit suffixes are not API versions.
		{"ec2", "Ec2V2", "Ec2V2"},
		{"kinesisanalytics", "CreateApplicationV2", "CreateApplicationV2"},
		{"x", "Foo2015", "Foo2015"},
		{"x", "20150331", "20150331"},
		{"apigateway", "GetRestApis", "GET"},
		{"apigateway", "CreateDeployment", "POST"},
	} {
		if got := c.ActionForEvent(tc.ns, tc.event); got != tc.want {
			t.Errorf("ActionForEvent(%q, %q) = %q, want %q", tc.ns, tc.event, got, tc.want)
		}
	}
}

// A rename's source is a CloudTrail event name, never a tracked IAM action;
// S3 tracks its management actions and not object-level ones.
func TestRenamesPointToTrackedActions(t *testing.T) {
	c := Default()
	for _, ns := range []string{"s3", "lambda"} {
		s, _ := c.Lookup(ns)
		tracked := map[string]bool{}
		for _, a := range s.TrackedActions {
			tracked[a] = true
		}
		for from := range s.ActionRenames {
			if tracked[from] {
				t.Errorf("%s: rename source %q is itself a tracked action", ns, from)
			}
		}
	}
	s3, _ := c.Lookup("s3")
	tracked := map[string]bool{}
	for _, a := range s3.TrackedActions {
		tracked[a] = true
	}
	for _, a := range []string{"CreateBucket", "DeleteBucket", "PutBucketPolicy", "ListAllMyBuckets", "PutEncryptionConfiguration"} {
		if !tracked[a] {
			t.Errorf("s3:%s not tracked", a)
		}
	}
	for _, a := range []string{"GetObject", "PutObject", "DeleteObject"} {
		if tracked[a] {
			t.Errorf("s3:%s (object-level) tracked", a)
		}
	}
}

// TestTrackedServices: the embedded catalog carries AWS's service
// reference flags for every service, not only ec2, iam, lambda and s3:
// "IAM Action Last Accessed" (tracked) and "IAM Access Analyzer Policy
// Generation", per action, as the 2026-02-13 service reference gives them.
func TestTrackedServices(t *testing.T) {
	c := Default()
	has := func(list []string, a string) bool {
		i := sort.SearchStrings(list, a)
		return i < len(list) && list[i] == a
	}
	for _, tc := range []struct {
		ns, action         string
		tracked, policyGen bool
	}{
		{"s3", "CreateBucket", true, true},
		{"s3", "GetObject", false, false},
		{"ec2", "RunInstances", true, true},
		{"iam", "CreateRole", true, true},
		{"iam", "PassRole", false, false},
		{"lambda", "CreateFunction", true, true},
		{"lambda", "InvokeFunction", false, false},
		{"dynamodb", "CreateTable", true, true},
		{"dynamodb", "GetItem", false, false},
		{"kms", "Decrypt", true, true},
		{"sqs", "CreateQueue", true, true},
		{"sqs", "SendMessage", false, false},
		{"secretsmanager", "GetSecretValue", true, true},
		{"sts", "AssumeRole", true, true},
		{"rds-data", "ExecuteStatement", false, false},
	} {
		s, ok := c.Lookup(tc.ns)
		if !ok {
			t.Fatalf("%s missing", tc.ns)
		}
		if got := has(s.TrackedActions, tc.action); got != tc.tracked {
			t.Errorf("%s:%s tracked %v, want %v", tc.ns, tc.action, got, tc.tracked)
		}
		if got := has(s.PolicyGenerationActions, tc.action); got != tc.policyGen {
			t.Errorf("%s:%s policy generation %v, want %v", tc.ns, tc.action, got, tc.policyGen)
		}
	}
	services, actions := 0, 0
	for _, s := range c.Services() {
		if len(s.TrackedActions) > 0 {
			services++
			actions += len(s.TrackedActions)
		}
	}
	// AWS: "200 services at the action-level" (2026).
	if services < 200 || actions < 9000 {
		t.Errorf("%d services with %d tracked actions, want ≥ 200 and ≥ 9000", services, actions)
	}
}

// TestOperations: the service reference's operation → actions mapping is
// kept for the operations whose actions are not just the same-named one.
func TestOperations(t *testing.T) {
	c := Default()
	s3, _ := c.Lookup("s3")
	if got := strings.Join(s3.Operations["CopyObject"], " "); !strings.Contains(got, "s3:GetObject") || !strings.Contains(got, "s3:PutObject") {
		t.Errorf("s3 CopyObject needs %q", got)
	}
	if got := s3.Operations["ListBuckets"]; !slices.Equal(got, []string{"s3:ListAllMyBuckets"}) {
		t.Errorf("s3 ListBuckets needs %q", got)
	}
	if _, ok := s3.Operations["DeleteAccessPoint"]; ok {
		t.Errorf("s3 DeleteAccessPoint (authorized by s3:DeleteAccessPoint alone) is listed")
	}
}

func TestNamespaceOrderIsBytewise(t *testing.T) {
	c, err := New([]Service{
		{Namespace: "acm-pca", Name: "AWS Private Certificate Authority"},
		{Namespace: "acm", Name: "AWS Certificate Manager"},
		{Namespace: "a4b", Name: "Alexa for Business"},
		{Namespace: "access-analyzer", Name: "AWS IAM Access Analyzer"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range c.Services() {
		got = append(got, s.Namespace)
	}
	want := []string{"a4b", "access-analyzer", "acm", "acm-pca"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("order %v, want %v", got, want)
	}
	if c.Index("acm") >= c.Index("acm-pca") || c.Index("nope") != -1 {
		t.Fatalf("Index: acm %d, acm-pca %d, nope %d", c.Index("acm"), c.Index("acm-pca"), c.Index("nope"))
	}
	d := Default()
	if d.Index("acm") < 0 || d.Index("acm") >= d.Index("acm-pca") {
		t.Fatalf("default catalog: acm %d, acm-pca %d", d.Index("acm"), d.Index("acm-pca"))
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"bad json", `{"formatVersion": 1, "services": [`, "catalog:"},
		{"not an object", `[1,2]`, "catalog:"},
		{"missing version", `{"services": [{"namespace": "s3", "name": "S3"}]}`, "missing formatVersion"},
		{"wrong version", `{"formatVersion": 2, "services": [{"namespace": "s3", "name": "S3"}]}`, "formatVersion 2"},
		{"no services", `{"formatVersion": 1, "services": []}`, "no services"},
		{"empty name", `{"formatVersion": 1, "services": [{"namespace": "s3", "name": " "}]}`, "empty name"},
		{"bad namespace upper", `{"formatVersion": 1, "services": [{"namespace": "S3", "name": "S3"}]}`, "invalid namespace"},
		{"bad namespace colon", `{"formatVersion": 1, "services": [{"namespace": "s3:x", "name": "S3"}]}`, "invalid namespace"},
		{"empty namespace", `{"formatVersion": 1, "services": [{"namespace": "", "name": "S3"}]}`, "invalid namespace"},
		{"duplicate namespace", `{"formatVersion": 1, "services": [{"namespace": "s3", "name": "A"}, {"namespace": "s3", "name": "B"}]}`, `duplicate namespace "s3"`},
		{"source in two services", `{"formatVersion": 1, "services": [{"namespace": "a", "name": "A", "eventSources": ["x.amazonaws.com"]}, {"namespace": "b", "name": "B", "eventSources": ["X.amazonaws.com"]}]}`, `"x.amazonaws.com" belongs to both`},
		{"bad source", `{"formatVersion": 1, "services": [{"namespace": "a", "name": "A", "eventSources": ["a b.amazonaws.com"]}]}`, "invalid event source"},
		{"empty source", `{"formatVersion": 1, "services": [{"namespace": "a", "name": "A", "eventSources": [""]}]}`, "invalid event source"},
		{"empty rename", `{"formatVersion": 1, "services": [{"namespace": "a", "name": "A", "actionRenames": {"X": ""}}]}`, "invalid action rename"},
		{"bad tracked", `{"formatVersion": 1, "services": [{"namespace": "a", "name": "A", "trackedActions": ["a:B"]}]}`, "invalid tracked action"},
		{"bad policy generation", `{"formatVersion": 1, "services": [{"namespace": "a", "name": "A", "policyGenerationActions": [""]}]}`, "invalid policy generation action"},
		{"bad operation", `{"formatVersion": 1, "services": [{"namespace": "a", "name": "A", "operations": {"-X": ["a:B"]}}]}`, "invalid operation"},
		{"unqualified operation action", `{"formatVersion": 1, "services": [{"namespace": "a", "name": "A", "operations": {"X": ["B"]}}]}`, "want service:Action"},
		{"bad operation action", `{"formatVersion": 1, "services": [{"namespace": "a", "name": "A", "operations": {"X": ["A:B"]}}]}`, "want service:Action"},
		{"operations not a map", `{"formatVersion": 1, "services": [{"namespace": "a", "name": "A", "operations": ["X"]}]}`, "catalog:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.in))
			if err == nil {
				t.Fatalf("no error, catalog with %d services", c.Len())
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "catalog:") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestNewCopiesInput(t *testing.T) {
	in := []Service{{Namespace: "s3", Name: "S3", EventSources: []string{"s3.amazonaws.com"}, ActionRenames: map[string]string{"ListBuckets": "ListAllMyBuckets"}}}
	c, err := New(in)
	if err != nil {
		t.Fatal(err)
	}
	in[0].Name = "changed"
	in[0].ActionRenames["ListBuckets"] = "changed"
	in[0].EventSources[0] = "changed.amazonaws.com"
	s, _ := c.Lookup("s3")
	if s.Name != "S3" || s.ActionRenames["ListBuckets"] != "ListAllMyBuckets" || s.EventSources[0] != "s3.amazonaws.com" {
		t.Fatalf("catalog changed with its input: %+v", s)
	}
	if c.ActionForEvent("s3", "ListBuckets") != "ListAllMyBuckets" {
		t.Fatal("rename changed with input")
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	c, err := New([]Service{
		{Namespace: "b", Name: `Quote "B" & <C>`, EventSources: []string{"b.amazonaws.com", "x.b.amazonaws.com"}, ActionRenames: map[string]string{"Z": "A", "Y": "B"}, TrackedActions: []string{"A", "B"},
			PolicyGenerationActions: []string{"A", "C"}, Operations: map[string][]string{"Z": {"b:A"}, "Copy": {"b:A", "kms:Decrypt"}, "Free": {}}},
		{Namespace: "a", Name: "Ä service"},
	})
	if err != nil {
		t.Fatal(err)
	}
	enc := c.Encode()
	if !bytes.Contains(enc, []byte(`"name": "Quote \"B\" & <C>"`)) {
		t.Fatalf("unexpected encoding:\n%s", enc)
	}
	if !bytes.Contains(enc, []byte(`"actionRenames": {"Y": "B", "Z": "A"}`)) {
		t.Fatalf("renames not sorted:\n%s", enc)
	}
	lines := strings.Split(strings.TrimSpace(string(enc)), "\n")
	if len(lines) != 7 || !strings.Contains(lines[3], `"namespace": "a"`) || !strings.Contains(lines[4], `"namespace": "b"`) {
		t.Fatalf("not one service per line, sorted:\n%s", enc)
	}
	d, err := Parse(enc)
	if err != nil {
		t.Fatalf("Parse(Encode()): %v\n%s", err, enc)
	}
	if !bytes.Equal(d.Encode(), enc) {
		t.Fatalf("round trip changed the catalog:\n%s\n---\n%s", enc, d.Encode())
	}
	if d.ActionForEvent("b", "Z") != "A" {
		t.Fatal("rename lost in round trip")
	}
	b, _ := d.Lookup("b")
	if strings.Join(b.PolicyGenerationActions, ",") != "A,C" || strings.Join(b.Operations["Copy"], ",") != "b:A,kms:Decrypt" ||
		b.Operations["Free"] == nil || len(b.Operations["Free"]) != 0 {
		t.Fatalf("policy generation actions or operations lost in round trip: %+v", b)
	}
	if ns, known := d.NamespaceForEventSource("x.b.amazonaws.com"); ns != "b" || !known {
		t.Fatal("event source lost in round trip")
	}
}

const sampleServiceReference = `{
  "Name": "s3",
  "Version": "v1.4",
  "Actions": [
    {"Name": "CreateBucket", "Annotations": {"Properties": {"IsWrite": true}},
     "SupportedBy": {"IAM Access Analyzer Policy Generation": true, "IAM Action Last Accessed": true}},
    {"Name": "GetObject", "SupportedBy": {"IAM Access Analyzer Policy Generation": true, "IAM Action Last Accessed": false}},
    {"Name": "ListBucket", "SupportedBy": {"IAM Action Last Accessed": false}},
    {"Name": "BrandNewAction", "SupportedBy": {"IAM Action Last Accessed": true}},
    {"Name": "PutObject"}
  ],
  "Operations": [
    {"Name": "ListObjectsV2", "AuthorizedActions": [{"Name": "ListBucket", "Service": "s3"}], "SDK": [{"Name": "s3", "Method": "list_objects_v2", "Package": "Boto3"}]},
    {"Name": "CopyObject", "AuthorizedActions": [{"Name": "GetObject", "Service": "s3"}, {"Name": "PutObject", "Service": "s3"}]},
    {"Name": "HeadObject", "AuthorizedActions": [{"Name": "GetObject", "Service": "s3"}, {"Name": "GetObject", "Service": "s3"}, {"Name": "Decrypt", "Service": "kms"}]},
    {"Name": "CreateBucket", "AuthorizedActions": [{"Name": "CreateBucket", "Service": "s3"}]},
    {"Name": "GetCallerIdentity", "AuthorizedActions": []},
    {"Name": "Undocumented"}
  ],
  "Resources": [{"Name": "bucket", "ARNFormats": ["arn:${Partition}:s3:::${BucketName}"]}],
  "ConditionKeys": [{"Name": "s3:TlsVersion", "Types": ["Numeric"]}]
}`

func TestParseServiceReference(t *testing.T) {
	got, err := ParseServiceReference([]byte(sampleServiceReference))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d services", len(got))
	}
	s := got[0]
	if s.Namespace != "s3" || s.Name != "s3" {
		t.Fatalf("namespace/name %q/%q", s.Namespace, s.Name)
	}
	if strings.Join(s.TrackedActions, ",") != "BrandNewAction,CreateBucket" {
		t.Fatalf("tracked %v", s.TrackedActions)
	}
	if len(s.ActionRenames) != 2 || s.ActionRenames["ListObjectsV2"] != "ListBucket" || s.ActionRenames["HeadObject"] != "GetObject" {
		t.Fatalf("renames %v", s.ActionRenames)
	}
	if strings.Join(s.PolicyGenerationActions, ",") != "CreateBucket,GetObject" {
		t.Fatalf("policy generation %v", s.PolicyGenerationActions)
	}
	// Every operation but CreateBucket (authorized by s3:CreateBucket
	// alone), with its actions sorted and unique; Undocumented has no
	// AuthorizedActions, which does not mean it needs none.
	ops := map[string]string{}
	for op, actions := range s.Operations {
		ops[op] = strings.Join(actions, " ")
	}
	if want := map[string]string{"ListObjectsV2": "s3:ListBucket", "CopyObject": "s3:GetObject s3:PutObject",
		"HeadObject": "kms:Decrypt s3:GetObject", "GetCallerIdentity": ""}; !reflect.DeepEqual(ops, want) {
		t.Fatalf("operations %v, want %v", ops, want)
	}

	arr := `[` + sampleServiceReference + `, {"Name": "newsvc", "Actions": [{"Name": "DoIt", "SupportedBy": {"IAM Action Last Accessed": false}}]}]`
	got, err = ParseServiceReference([]byte(arr))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Namespace != "newsvc" || got[1].Namespace != "s3" {
		t.Fatalf("array: %+v", got)
	}
	if len(got[0].TrackedActions) != 0 || got[0].ActionRenames != nil {
		t.Fatalf("newsvc: %+v", got[0])
	}
}

func TestParseServiceReferenceErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", ``, "empty input"},
		{"spaces", "  \n", "empty input"},
		{"scalar", `42`, "want a JSON object or array"},
		{"bad json", `{"Name": "s3", "Actions": [`, "service reference"},
		{"wrong type", `{"Name": 3}`, "service reference"},
		{"empty array", `[]`, "empty array"},
		{"no name", `{"Actions": []}`, "missing Name"},
		{"index entry", `[{"service": "s3", "url": "https://servicereference.us-east-1.amazonaws.com/v1/s3/s3.json"}]`, "missing Name"},
		{"bad name", `{"Name": "S3 Service"}`, "invalid service name"},
		{"bad action", `{"Name": "s3", "Actions": [{"Name": ""}]}`, "invalid name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseServiceReference([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	base := Default()
	extra, err := ParseServiceReference([]byte(`[` + sampleServiceReference + `, {"Name": "newsvc", "Actions": [{"Name": "DoIt", "SupportedBy": {"IAM Action Last Accessed": true}}]}]`))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Merge(base, extra)
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != base.Len()+1 {
		t.Fatalf("merged %d services, base %d", m.Len(), base.Len())
	}
	s3, _ := m.Lookup("s3")
	if s3.Name != "Amazon Simple Storage Service" {
		t.Fatalf("s3 name %q", s3.Name)
	}
	has := func(list []string, a string) bool {
		i := sort.SearchStrings(list, a)
		return i < len(list) && list[i] == a
	}
	if !has(s3.TrackedActions, "BrandNewAction") || !has(s3.TrackedActions, "CreateBucket") || !has(s3.TrackedActions, "PutBucketPolicy") {
		t.Fatal("s3 tracked actions not merged")
	}
	if m.ActionForEvent("s3", "HeadObject") != "GetObject" || m.ActionForEvent("s3", "ListBuckets") != "ListAllMyBuckets" {
		t.Fatal("s3 renames lost")
	}
	n, ok := m.Lookup("newsvc")
	if !ok || n.Name != "newsvc" || strings.Join(n.TrackedActions, ",") != "DoIt" {
		t.Fatalf("newsvc: %+v", n)
	}
	if ns, known := m.NamespaceForEventSource("newsvc.amazonaws.com"); ns != "newsvc" || !known {
		t.Fatal("new namespace not known")
	}
	// base is unchanged.
	if _, ok := base.Lookup("newsvc"); ok {
		t.Fatal("Merge changed base")
	}
	if b3, _ := base.Lookup("s3"); has(b3.TrackedActions, "BrandNewAction") {
		t.Fatal("Merge changed base's s3")
	}
	// Existing renames win.
	m2, err := Merge(base, []Service{{Namespace: "s3", ActionRenames: map[string]string{"ListBuckets": "Other", "NewOp": "PutObject"}}})
	if err != nil {
		t.Fatal(err)
	}
	if m2.ActionForEvent("s3", "ListBuckets") != "ListAllMyBuckets" || m2.ActionForEvent("s3", "NewOp") != "PutObject" {
		t.Fatal("rename precedence")
	}
	// nil base.
	m3, err := Merge(nil, extra)
	if err != nil || m3.Len() != 2 {
		t.Fatalf("Merge(nil): %v", err)
	}
	// A conflicting event source is an error.
	if _, err := Merge(base, []Service{{Namespace: "zzz", Name: "Z", EventSources: []string{"monitoring.amazonaws.com"}}}); err == nil || !strings.Contains(err.Error(), "belongs to both") {
		t.Fatalf("conflict: %v", err)
	}
	if _, err := Merge(nil, nil); err == nil {
		t.Fatal("empty merge accepted")
	}
}

func TestImport(t *testing.T) {
	base := Default()
	own := []byte(`{"formatVersion": 1, "services": [{"namespace": "s3", "name": "Amazon S3"}]}`)
	c, err := Import(base, own)
	if err != nil || c.Len() != 1 {
		t.Fatalf("own format: %v", err)
	}
	c, err = Import(base, []byte(sampleServiceReference))
	if err != nil || c.Len() != base.Len() {
		t.Fatalf("service reference: %v", err)
	}
	if _, err := Import(base, []byte(`{"services": []}`)); err == nil || !strings.Contains(err.Error(), "formatVersion") {
		t.Fatalf("missing version: %v", err)
	}
	if _, err := Import(base, []byte(`nonsense`)); err == nil {
		t.Fatal("nonsense accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"formatVersion": 1, "services": [{"namespace": "s3", "name": "S3", "eventSources": ["s3.amazonaws.com"], "actionRenames": {"ListBuckets": "ListAllMyBuckets"}, "trackedActions": ["CreateBucket"]}]}`))
	f.Add([]byte(`{"formatVersion": 2}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		enc := c.Encode()
		d, err := Parse(enc)
		if err != nil {
			t.Fatalf("Parse(Encode()) failed: %v\n%s", err, enc)
		}
		if !bytes.Equal(d.Encode(), enc) {
			t.Fatalf("encoding not stable:\n%s\n---\n%s", enc, d.Encode())
		}
		for _, s := range c.Services() {
			for _, src := range s.EventSources {
				if ns, known := c.NamespaceForEventSource(src); ns != s.Namespace || !known {
					t.Fatalf("source %q maps to %q", src, ns)
				}
			}
			_ = c.ActionForEvent(s.Namespace, "ListFunctions20150331")
		}
	})
}

func FuzzParseServiceReference(f *testing.F) {
	f.Add([]byte(sampleServiceReference))
	f.Add([]byte(`[{"Name": "a"}, {"Name": "a", "Actions": [{"Name": "X"}]}]`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		svcs, err := ParseServiceReference(data)
		if err != nil {
			return
		}
		if len(svcs) == 0 {
			t.Fatal("no services and no error")
		}
		if _, err := Merge(nil, svcs); err != nil {
			t.Fatalf("Merge of parsed services failed: %v", err)
		}
		if _, err := Merge(Default(), svcs); err != nil {
			t.Fatalf("Merge into default failed: %v", err)
		}
	})
}

// The seed corpus in testdata/fuzz is in Go's standard layout; make sure it
// stays readable by the fuzzing engine's format.
func TestFuzzCorpusLayout(t *testing.T) {
	for _, name := range []string{"FuzzParse", "FuzzParseServiceReference", "FuzzValidators"} {
		dir := filepath.Join("testdata", "fuzz", name)
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if len(entries) == 0 {
			t.Fatalf("%s: empty", dir)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte("go test fuzz v1\n")) {
				t.Errorf("%s/%s: not a go fuzz corpus file", dir, e.Name())
			}
		}
	}
}

// FuzzValidators: the loop validators accept exactly what the patterns
// they replace accept.
func FuzzValidators(f *testing.F) {
	for _, s := range []string{"", "s3", "acm-pca", "-a", "a-", "A", "s3.amazonaws.com", "a..b", ".a", "a.", "a-.b", "x.-b",
		"ListBuckets", "Get_Thing.v2-x", "_x", "9", "a:b", "s3:GetObject", "S3:GetObject", "s3:", ":x", "a:b:c", "é"} {
		f.Add(s)
	}
	namespace := regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	source := regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)
	action := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	qualified := regexp.MustCompile(`^[a-z0-9][a-z0-9-]*:[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []struct {
			name    string
			valid   func(string) bool
			pattern *regexp.Regexp
		}{{"namespace", validNamespace, namespace}, {"source", validSource, source}, {"action", validAction, action}, {"qualified action", validQualifiedAction, qualified}} {
			if got, want := c.valid(s), c.pattern.MatchString(s); got != want {
				t.Errorf("%s %q: valid %v, pattern %v", c.name, s, got, want)
			}
		}
	})
}
