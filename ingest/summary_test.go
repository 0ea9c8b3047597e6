package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sampleSummary() Summary {
	s := Summary{
		FilesRead: 3, FilesSkippedDigest: 2, FilesSkippedInsight: 1, FilesFailed: 1,
		Records: 10, Events: 6, Ingested: 5, Duplicates: 1, Malformed: 1,
		BytesRead: 2048, BytesDecoded: 3 << 20, Elapsed: 2 * time.Second,
	}
	s.addSkip(SkipAWSService, 2)
	s.addSkip(SkipConsoleSignIn, 1)
	s.addUnknownSource("new.amazonaws.com", 4)
	s.addError("b.json", "record 1: eventTime: want RFC 3339 string, got number")
	s.addError("a.json.gz", "gzip: truncated stream (unexpected EOF)")
	return s
}

func TestSummaryWriteText(t *testing.T) {
	s := sampleSummary()
	var b bytes.Buffer
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `files:    3 read, 3 skipped (2 digest, 1 insight, 0 other), 1 failed
records:  10 read: 6 access events (5 ingested, 1 duplicates), 3 skipped, 1 malformed
bytes:    2.0 KiB read, 3.0 MiB decoded
elapsed:  2s (5 records/s)
skipped:
  eventType:AwsConsoleSignIn  1
  identityType:AWSService     2
unknown event sources (kept under the host's first label):
  new.amazonaws.com  4
errors:
  a.json.gz: 1 error(s)
    gzip: truncated stream (unexpected EOF)
  b.json: 1 error(s)
    record 1: eventTime: want RFC 3339 string, got number
`
	if got := b.String(); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestSummaryErrorCap(t *testing.T) {
	var s Summary
	for i := range 30 {
		s.addError("f", fmt.Sprintf("record %d: x", i))
	}
	fe := s.Errors["f"]
	if fe.Count != 30 || len(fe.Messages) != MaxErrorMessages {
		t.Fatalf("%+v", fe)
	}
	var b bytes.Buffer
	s.WriteText(&b)
	if !strings.Contains(b.String(), "… and 10 more") {
		t.Fatal(b.String())
	}
}

func TestSummaryMerge(t *testing.T) {
	a, b := sampleSummary(), sampleSummary()
	b.addSkip(SkipSAMLUser, 7)
	b.addError("c.json", "x")
	a.Merge(b)
	if a.FilesRead != 6 || a.Records != 20 || a.Ingested != 10 || a.Skipped[SkipAWSService] != 4 || a.Skipped[SkipSAMLUser] != 7 ||
		a.UnknownEventSources["new.amazonaws.com"] != 8 || a.Errors["b.json"].Count != 2 || a.Errors["c.json"].Count != 1 ||
		a.BytesRead != 4096 || a.Elapsed != 4*time.Second {
		t.Fatalf("%+v", a)
	}
	// Merge copies: changing b afterwards does not reach a.
	b.Errors["c.json"].Messages[0] = "changed"
	if a.Errors["c.json"].Messages[0] != "x" {
		t.Fatal("Merge shares error lists")
	}
	var empty Summary
	empty.Merge(Summary{})
	if empty.Failed() || empty.Files() != 0 {
		t.Fatalf("%+v", empty)
	}
}

func TestSummaryKeyCap(t *testing.T) {
	var s Summary
	for i := range maxKeys + 10 {
		s.addUnknownSource(fmt.Sprintf("s%d.amazonaws.com", i), 1)
	}
	if len(s.UnknownEventSources) != maxKeys+1 || s.UnknownEventSources[overflowKey] != 10 {
		t.Fatalf("%d keys, overflow %d", len(s.UnknownEventSources), s.UnknownEventSources[overflowKey])
	}
}

func TestSummaryJSON(t *testing.T) {
	s := sampleSummary()
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"FilesRead":3`, `"Skipped":{"eventType:AwsConsoleSignIn":1,"identityType:AWSService":2}`,
		`"Errors":{"a.json.gz":{"Count":1,"Messages":["gzip: truncated stream (unexpected EOF)"]}`, `"ElapsedNanos":2000000000`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("JSON %s lacks %s", data, want)
		}
	}
	var back Summary
	if err := json.Unmarshal(data, &back); err != nil || !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip: %v\n%+v\n%+v", err, back, s)
	}
}
