package ingest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"lastaccess/engine"

	"lastaccess/engine/catalog"
)

// testCatalog is a catalog of its own, so that tests do not depend on the
// embedded services.json.
func testCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, err := catalog.New([]catalog.Service{
		{Namespace: "appstream", Name: "Amazon AppStream 2.0", EventSources: []string{"appstream2.amazonaws.com"}},
		{Namespace: "cloudwatch", Name: "Amazon CloudWatch", EventSources: []string{"monitoring.amazonaws.com"}},
		{Namespace: "dynamodb", Name: "Amazon DynamoDB", EventSources: []string{"dynamodb.amazonaws.com", "streams.dynamodb.amazonaws.com"}},
		{Namespace: "ec2", Name: "Amazon Elastic Compute Cloud", EventSources: []string{"ec2.amazonaws.com"}},
		{Namespace: "iam", Name: "AWS Identity and Access Management", EventSources: []string{"iam.amazonaws.com"}},
		{Namespace: "lambda", Name: "AWS Lambda", EventSources: []string{"lambda.amazonaws.com"}},
		{Namespace: "lex", Name: "Amazon Lex", EventSources: []string{"models.lex.amazonaws.com", "runtime.lex.amazonaws.com"}},
		{Namespace: "s3", Name: "Amazon Simple Storage Service", EventSources: []string{"s3.amazonaws.com"}, ActionRenames: map[string]string{"ListBuckets": "ListAllMyBuckets"}},
		{Namespace: "ses", Name: "Amazon Simple Email Service", EventSources: []string{"email.amazonaws.com", "ses.amazonaws.com"}},
		{Namespace: "sts", Name: "AWS Security Token Service", EventSources: []string{"sts.amazonaws.com"}},
		{Namespace: "tag", Name: "Amazon Resource Group Tagging API", EventSources: []string{"tagging.amazonaws.com"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mapSink stores events in a map keyed by their identity (account, event
// source, time, eventID), as the real store does, and counts duplicates.
// It is safe for a test to read while Run runs.
type mapSink struct {
	mu     sync.Mutex
	byID   map[recordIdentity]engine.Event
	events []engine.Event // in the order stored
	calls  []int          // sizes of the Append calls
	// fail, when set, makes an Append fail (storing nothing) if it returns
	// an error.
	fail func([]engine.Event) error
	// notify, when set, receives the number of events of each Append.
	notify chan int
}

type recordIdentity struct {
	account, source, id string
	time                int64
}

func identityOf(e *engine.Event) recordIdentity {
	return recordIdentity{e.AccountID, e.EventSource, e.ID, e.Time}
}

func newMapSink() *mapSink { return &mapSink{byID: make(map[recordIdentity]engine.Event)} }

func (s *mapSink) Append(ctx context.Context, events []engine.Event) (engine.AppendResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, len(events))
	if s.fail != nil {
		if err := s.fail(events); err != nil {
			return engine.AppendResult{}, err
		}
	}
	var res engine.AppendResult
	for _, e := range events {
		if _, ok := s.byID[identityOf(&e)]; ok {
			res.Duplicates++
			continue
		}
		s.byID[identityOf(&e)] = e
		s.events = append(s.events, e)
		res.Ingested++
	}
	if s.notify != nil {
		s.notify <- len(events)
	}
	return res, nil
}

func (s *mapSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byID)
}

// baseRecord is a counted access: an IAM user's management call.
const baseRecord = `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::123456789012:user/dev/alice","accountId":"123456789012","accessKeyId":"AKIAEXAMPLE","userName":"alice"},"eventTime":"2024-05-06T07:08:09Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.1","userAgent":"aws-cli/2","requestParameters":{"x":{"y":[1,2,3]}},"responseElements":null,"requestID":"r1","eventID":"ev-1","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management"}`

// rec returns baseRecord with changes: pairs of a dotted path and a value;
// the value del removes the member. A value of type raw is inserted as JSON.
func rec(t testing.TB, changes ...any) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(baseRecord), &m); err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(changes); i += 2 {
		path := strings.Split(changes[i].(string), ".")
		obj := m
		for _, k := range path[:len(path)-1] {
			next, ok := obj[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				obj[k] = next
			}
			obj = next
		}
		last := path[len(path)-1]
		switch v := changes[i+1].(type) {
		case delT:
			delete(obj, last)
		case raw:
			obj[last] = json.RawMessage(v)
		default:
			obj[last] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type delT struct{}

var del delT

type raw string

// recordsDoc wraps records in {"Records":[…]}.
func recordsDoc(recs ...string) string { return `{"Records":[` + strings.Join(recs, ",") + `]}` }

// write creates dir/name (and its parents) with data.
func write(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runIngest runs the pipeline with the test catalog and no progress.
func runIngest(t testing.TB, paths []string, opts Options) (Summary, *mapSink) {
	t.Helper()
	sink := newMapSink()
	if opts.Catalog == nil {
		opts.Catalog = testCatalog(t)
	}
	sum, err := Run(context.Background(), paths, sink, opts)
	if err != nil {
		t.Fatal(err)
	}
	return sum, sink
}

// normalizeOne decodes and normalizes one record with the test catalog.
func normalizeOne(t testing.TB, js string) outcome {
	t.Helper()
	r, p := decodeRecord([]byte(js), false)
	if p != nil {
		return outcome{problem: p}
	}
	return newNormalizer(testCatalog(t)).normalize(r)
}
