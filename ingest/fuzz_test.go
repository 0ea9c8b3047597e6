package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"lastaccess/engine"
)

// fuzzSeedRecords are records the fuzzers start from: one of each shape
// the classifier distinguishes.
var fuzzSeedRecords = []string{
	`{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/a/b","accountId":"123456789012"},"eventTime":"2024-01-02T03:04:05Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","eventID":"e1","eventType":"AwsApiCall","eventCategory":"Management","requestParameters":{"a":[1,2,{"b":null}]}}`,
	`{"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::123456789012:assumed-role/R/s","accountId":"123456789012","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::123456789012:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX"}}},"eventTime":"2024-01-02T03:04:05.123+02:00","eventSource":"lambda.amazonaws.com","eventName":"ListFunctions20150331","awsRegion":"eu-west-1","eventID":"e2","errorCode":"AccessDenied"}`,
	`{"userIdentity":{"type":"AssumedRole","arn":"arn:aws-cn:sts::123456789012:assumed-role/R/s","accountId":"123456789012"},"eventTime":"2024-01-02T03:04:05Z","eventSource":"monitoring.amazonaws.com","eventName":"GetMetricData","awsRegion":"cn-north-1","eventID":"e3"}`,
	`{"userIdentity":{"type":"Root","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012"},"eventTime":"2024-01-02T03:04:05Z","eventSource":"new.example.com","eventName":"Do","awsRegion":"us-east-1","eventID":"e4","eventCategory":"Data"}`,
	`{"userIdentity":{"type":"FederatedUser","arn":"arn:aws:sts::123456789012:federated-user/bob","accountId":"123456789012"},"eventTime":"2024-01-02T03:04:05Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","eventID":"e5","managementEvent":false}`,
	`{"userIdentity":{"type":"AWSService","invokedBy":"s3.amazonaws.com"},"eventType":"AwsServiceEvent"}`,
	`{"eventType":"AwsCloudTrailInsight","eventCategory":"Insight"}`,
	`{"userIdentity":{"type":"IAMUser"},"errorCode":"ExpiredToken"}`,
	`{"eventTime":5,"userIdentity":{"type":"IAMUser","accountId":"123456789012"}}`,
	`{"userIdentity":{"type":"IAMUser","accountId":"123456789012","arn":"arn:aws:iam::123456789012:user/x"},"eventTime":"2024-02-30T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"x","awsRegion":"r","eventID":"\ud800"}`,
}

func FuzzRecord(f *testing.F) {
	for _, s := range fuzzSeedRecords {
		f.Add([]byte(s))
	}
	for _, s := range []string{"null", " [] ", "5", `"x"`, `{"EVENTID":"a","eventid":"b"}`, `{"eventſource":"x"}`,
		`{"userIdentity":{"type":"IAMUser"},"userIdentity":{"arn":"x"}}`, "{\"eventID\":\"\xff\"}", "\v{}"} {
		f.Add([]byte(s))
	}
	cat := testCatalog(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		n := newNormalizer(cat)
		r, p := decodeRecord(data, false)
		rs, ps := decodeRecord(data, true)
		if (p == nil) != (ps == nil) {
			t.Fatalf("fast and slow decoding disagree: fast %v, slow %v", p, ps)
		}
		if p != nil {
			if *p != *ps {
				t.Fatalf("fast and slow problems differ: %v vs %v", p, ps)
			}
			return
		}
		if !reflect.DeepEqual(r, rs) {
			t.Fatalf("fast and slow records differ:\n%+v\n%+v", r, rs)
		}
		out := n.normalize(r)
		if out.ok && out.contentID {
			id, err := ContentEventID(data)
			if err != nil {
				t.Fatalf("a record that decodes has no content id: %v", err)
			}
			out.event.ID = id
		}
		if out.ok {
			checkEvent(t, &out.event)
		} else if out.problem == nil && out.skip == "" {
			t.Fatal("neither event, skip nor problem")
		}
		if out.skip != "" && !utf8.ValidString(string(out.skip)) {
			t.Fatalf("skip reason %q is not UTF-8", out.skip)
		}
	})
}

// checkEvent checks the invariants of a normalized event.
func checkEvent(t *testing.T, e *engine.Event) {
	t.Helper()
	if e.ID == "" || e.Namespace == "" || e.Action == "" || e.AccountID == "" || e.Region == "" || e.EventName == "" || e.EventSource == "" {
		t.Fatalf("event with an empty field: %+v", e)
	}
	if !engine.IsAccountID(e.AccountID) {
		t.Fatalf("account %q", e.AccountID)
	}
	if !strings.HasPrefix(e.PrincipalARN, "arn:") {
		t.Fatalf("principal %q", e.PrincipalARN)
	}
	if e.PrincipalType == engine.PrincipalUnknown {
		t.Fatalf("principal type unknown: %+v", e)
	}
	for _, s := range []string{e.ID, e.AccountID, e.PrincipalARN, e.EventSource, e.EventName, e.Namespace, e.Action, e.Region, e.ErrorCode} {
		if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
			t.Fatalf("bad text %q in %+v", s, e)
		}
	}
	back, err := time.Parse(time.RFC3339Nano, e.EventTime().Format(time.RFC3339Nano))
	if err != nil || back.UnixNano() != e.Time {
		t.Fatalf("time %d does not round-trip: %v", e.Time, err)
	}
}

func FuzzFile(f *testing.F) {
	g := newFixtureGen(3)
	valid := g.recordsFile(3)
	f.Add(valid, uint8(0))
	f.Add(gzipBytes(valid), uint8(1))
	f.Add(gzipBytes(valid)[:40], uint8(1))
	f.Add(valid[:len(valid)/2], uint8(0))
	f.Add([]byte(`{"Records":{}}`), uint8(0))
	f.Add([]byte(`[{"eventType":"AwsConsoleSignIn"}, null, 5]`), uint8(0))
	f.Add(g.ndjson(3), uint8(2))
	f.Add(gzipBytes(g.ndjson(3)), uint8(3))
	f.Add([]byte("{}\n\n[1]\n{\"eventTime\":5}\n"), uint8(2))
	f.Add([]byte("null\n \v{}\n"), uint8(2))
	f.Add([]byte(`{"Records":[{"eventID":"a","eventName":"n"}],"Records":[{"eventID":"b"}]}`), uint8(0))
	f.Add([]byte(`{"Records":[null]}`), uint8(0))
	f.Add([]byte(`{"records":[]} `), uint8(4))
	for _, s := range fuzzSeedRecords {
		f.Add([]byte(`{"Records":[`+s+`]}`), uint8(0))
		f.Add([]byte(s+"\n"+s), uint8(2))
	}
	cat := testCatalog(f)
	f.Fuzz(func(t *testing.T, data []byte, form uint8) {
		name := [...]string{"x.json", "x.json.gz", "x.jsonl", "x.jsonl.gz"}[form%4]
		if form%8 >= 4 {
			data = gzipBytes(data)
		}
		dir := t.TempDir()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sink := newMapSink()
		sum, err := Run(context.Background(), []string{path}, sink, Options{Catalog: cat, Workers: 1, BatchSize: 7})
		if err != nil {
			t.Fatal(err)
		}
		checkSummary(t, &sum, sink)
		if sum.FilesRead+sum.FilesFailed != 1 {
			t.Fatalf("want one file read or failed: %+v", sum)
		}
		for _, e := range sink.events {
			checkEvent(t, &e)
		}
		plain := !bytes.HasPrefix(data, gzipMagic)
		if strings.HasSuffix(strings.TrimSuffix(name, ".gz"), ".json") {
			if plain && !json.Valid(data) && sum.FilesFailed == 0 {
				t.Fatalf("invalid JSON accepted: %+v", sum)
			}
			if sum.FilesFailed == 1 && len(sink.events) > 0 {
				t.Fatalf("a failed Records file stored %d events", len(sink.events))
			}
		}

		// The fast decoder must give what encoding/json gives.
		slowSink := newMapSink()
		slow, err := Run(context.Background(), []string{path}, slowSink, Options{Catalog: cat, Workers: 1, BatchSize: 7, slowOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		sum.Elapsed, slow.Elapsed = 0, 0
		if !reflect.DeepEqual(sum, slow) {
			t.Fatalf("fast and slow summaries differ:\n%+v\n%+v", sum, slow)
		}
		if !reflect.DeepEqual(sink.events, slowSink.events) {
			t.Fatal("fast and slow events differ")
		}
	})
}

// checkSummary checks a summary's invariants against what the sink stored.
func checkSummary(t *testing.T, sum *Summary, sink *mapSink) {
	t.Helper()
	if sum.Records != sum.Events+sum.SkippedTotal()+sum.Malformed {
		t.Fatalf("records %d != events %d + skipped %d + malformed %d", sum.Records, sum.Events, sum.SkippedTotal(), sum.Malformed)
	}
	if sum.Ingested != int64(len(sink.events)) {
		t.Fatalf("ingested %d, sink holds %d", sum.Ingested, len(sink.events))
	}
	if sum.FilesFailed == 0 && sum.Ingested+sum.Duplicates != sum.Events {
		t.Fatalf("ingested %d + duplicates %d != events %d", sum.Ingested, sum.Duplicates, sum.Events)
	}
	if sum.Failed() != (sum.FilesFailed > 0 || sum.Malformed > 0) {
		t.Fatalf("Failed() = %v with %d failed files and %d malformed records", sum.Failed(), sum.FilesFailed, sum.Malformed)
	}
	var errs int64
	for _, fe := range sum.Errors {
		errs += int64(fe.Count)
		if len(fe.Messages) > MaxErrorMessages || len(fe.Messages) > fe.Count {
			t.Fatalf("error messages: %+v", fe)
		}
	}
	if errs < sum.Malformed+int64(sum.FilesFailed) {
		t.Fatalf("%d errors for %d malformed records and %d failed files", errs, sum.Malformed, sum.FilesFailed)
	}
}

// FuzzContentEventID: the canonical form of a record is a fixed point
// (canonicalizing it again changes nothing), so every copy of a record
// gets one id however it is formatted.
func FuzzContentEventID(f *testing.F) {
	for _, s := range fuzzSeedRecords {
		f.Add([]byte(s))
	}
	for _, s := range []string{v10Record, v10Reformatted, `{"a":"\u00e9\ud83d\ude00<>&","b":[1e3,-0.0,1E+2],"a":2}`, "{\"k\":\"\xff\"}", `{}`, `[]`, `1`, `{"a":1} {"b":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		id, err := ContentEventID(data)
		if err != nil {
			return
		}
		canonical, err := canonicalRecord(data)
		if err != nil {
			t.Fatalf("id %s but no canonical form: %v", id, err)
		}
		again, err := canonicalRecord(canonical)
		if err != nil || !bytes.Equal(again, canonical) {
			t.Fatalf("canonical form is not a fixed point:\n%s\n%s (%v)", canonical, again, err)
		}
		if id2, _ := ContentEventID(canonical); id2 != id {
			t.Fatalf("canonical form has another id: %s, %s", id, id2)
		}
	})
}
