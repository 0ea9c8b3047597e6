package ingest

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"lastaccess/engine"
	"lastaccess/storage"
)

// v10Record is a CloudTrail record of eventVersion 1.0: no eventID.
const v10Record = `{"eventVersion":"1.0","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE",` +
	`"arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","accessKeyId":"AKIAEXAMPLE","userName":"alice"},` +
	`"eventTime":"2013-11-12T09:08:07Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances",` +
	`"awsRegion":"us-east-1","sourceIPAddress":"203.0.113.1","userAgent":"aws-cli/1.2","requestParameters":{"n":1.50,"s":"A&B"},"responseElements":null}`

// v10Reformatted is v10Record with other key order, whitespace and string
// escapes: the same content.
const v10Reformatted = `{ "userAgent" : "aws-cli/1.2", "eventSource":"ec2.amazonaws.com", "eventName":"DescribeInstances",
  "responseElements": null, "requestParameters": {"s": "A\u0026\u0042", "n": 1.50},
  "eventTime": "2013-11-12T09:08:07Z", "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.1",
  "userIdentity": {"userName": "alice", "accountId": "123456789012", "type": "IAMUser", "principalId": "AIDAEXAMPLE",
    "arn": "arn:aws:iam::123456789012:user/alice", "accessKeyId": "AKIAEXAMPLE"},
  "eventVersion": "1.0" }`

var version5UUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestContentEventID(t *testing.T) {
	id, err := ContentEventID([]byte(v10Record))
	if err != nil || !version5UUID.MatchString(id) {
		t.Fatalf("ContentEventID = %q, %v; want a version 5 UUID", id, err)
	}
	if again, _ := ContentEventID([]byte(v10Reformatted)); again != id {
		t.Errorf("reformatted record: %s, want %s", again, id)
	}
	withNull := strings.Replace(v10Record, `{"eventVersion":"1.0",`, `{"eventVersion":"1.0","eventID":null,`, 1)
	if got, _ := ContentEventID([]byte(withNull)); got == id {
		t.Errorf("a member more (eventID null) gave the same content id")
	}
	for _, other := range []string{
		strings.Replace(v10Record, "09:08:07Z", "09:08:08Z", 1),
		strings.Replace(v10Record, `"n":1.50`, `"n":1.5`, 1), // numbers as written
		strings.Replace(v10Record, `"alice"}`, `"bob"}`, 1),
	} {
		if got, _ := ContentEventID([]byte(other)); got == id {
			t.Errorf("different content, same id %s:\n%s", id, other)
		}
	}
	for _, bad := range []string{"", "{", `{"a":1} x`, "[1,2"} {
		if got, err := ContentEventID([]byte(bad)); err == nil {
			t.Errorf("ContentEventID(%q) = %q, want an error", bad, got)
		}
	}
}

// TestRecordsWithoutEventID: eventVersion 1.0 records are counted, once,
// whether they come in a Records file (alone or beside records with
// eventIDs), as NDJSON, reformatted, or as ingest_events text; ingesting
// them again stores nothing.
func TestRecordsWithoutEventID(t *testing.T) {
	dir := t.TempDir()
	other := strings.Replace(v10Record, "09:08:07Z", "09:08:09Z", 1)
	withID := rec(t, "eventID", "ev-with-id")
	write(t, dir, "a.json", []byte(recordsDoc(withID, v10Record, v10Record)))
	oneLine := strings.ReplaceAll(v10Reformatted, "\n", " ")
	write(t, dir, "b.ndjson", []byte(oneLine+"\n"+other+"\n"))
	write(t, dir, "c.json", []byte(recordsDoc(v10Reformatted)))
	st, err := storage.Open(filepath.Join(t.TempDir(), "d"), storage.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng, err := engine.Open(st, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	opts := Options{NoProgress: true}
	sum, err := Run(context.Background(), []string{dir}, eng, opts)
	if err != nil || sum.Failed() || sum.Malformed != 0 {
		t.Fatalf("%v %+v", err, sum)
	}
	if sum.Events != 6 || sum.Ingested != 3 || sum.Duplicates != 3 {
		t.Fatalf("%d events, %d ingested, %d duplicates; want 6, 3, 3", sum.Events, sum.Ingested, sum.Duplicates)
	}
	again, err := Run(context.Background(), []string{dir}, eng, opts)
	if err != nil || again.Ingested != 0 || again.Duplicates != 6 {
		t.Fatalf("again: %v %+v", err, again)
	}
	events, psum, errs := ParseRecords("ingest_events", []byte(v10Reformatted), nil)
	if len(errs) != 0 || psum.Events != 1 || len(events) != 1 {
		t.Fatalf("ParseRecords: %v %+v", errs, psum)
	}
	if res, err := eng.Append(context.Background(), events); err != nil || res.Ingested != 0 || res.Duplicates != 1 {
		t.Fatalf("ingest_events of the reformatted record: %+v %v", res, err)
	}
	want, _ := ContentEventID([]byte(v10Record))
	var ids []string
	eng.ScanEvents(context.Background(), engine.EventFilter{}, func(ev *engine.Event, _ string) error {
		ids = append(ids, ev.ID)
		return nil
	})
	if len(ids) != 3 || !strings.Contains(strings.Join(ids, " "), want) || !strings.Contains(strings.Join(ids, " "), "ev-with-id") {
		t.Fatalf("stored ids %v, want ev-with-id, %s and another", ids, want)
	}
}
