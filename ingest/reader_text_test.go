package ingest

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"lastaccess/engine"
)

func TestParseRecordsForms(t *testing.T) {
	a, b := recN(t, "a"), rec(t, "eventID", "b", "userIdentity.type", "AWSService")
	pretty := strings.ReplaceAll(recN(t, "p"), ",", ",\n  ")
	tests := []struct {
		name, text string
		ids        []string
		records    int64
	}{
		{"Records document", recordsDoc(a, b), []string{"a"}, 2},
		{"bare array", "[" + a + "," + b + "]", []string{"a"}, 2},
		{"NDJSON", a + "\n" + b + "\n", []string{"a"}, 2},
		{"NDJSON of one line", a, []string{"a"}, 1},
		{"one record over several lines", pretty, []string{"p"}, 1},
		{"empty", "  \n", nil, 0},
		{"gzip", string(gzipBytes([]byte(recordsDoc(a)))), []string{"a"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, sum, errs := ParseRecords("ingest_events", []byte(tt.text), testCatalog(t))
			if len(errs) != 0 || sum.Failed() {
				t.Fatalf("errors %v, summary %+v", errs, sum)
			}
			var got []string
			for _, e := range events {
				got = append(got, e.ID)
			}
			if !reflect.DeepEqual(got, tt.ids) || sum.Records != tt.records || sum.FilesRead != 1 {
				t.Fatalf("ids %v records %d, want %v %d (%+v)", got, sum.Records, tt.ids, tt.records, sum)
			}
		})
	}
}

func TestParseRecordsErrors(t *testing.T) {
	// A broken document: nothing, and a FileError.
	events, sum, errs := ParseRecords("sql", []byte(`{"Records":[`+recN(t, "a")+`,`), testCatalog(t))
	var fe *FileError
	if len(events) != 0 || len(errs) != 1 || !errors.As(errs[0], &fe) || !errors.Is(errs[0], ErrMalformedFile) || sum.FilesFailed != 1 {
		t.Fatalf("events %v errs %v sum %+v", events, errs, sum)
	}
	if !strings.HasPrefix(errs[0].Error(), "sql: invalid JSON at byte ") {
		t.Fatalf("error %q", errs[0])
	}
	// A bad line: the other lines are kept.
	events, sum, errs = ParseRecords("sql", []byte(recN(t, "a")+"\n"+rec(t, "eventID", "b", "eventTime", 5)+"\n"+recN(t, "c")), testCatalog(t))
	var re *RecordError
	if len(events) != 2 || len(errs) != 1 || !errors.As(errs[0], &re) || !errors.Is(errs[0], ErrMalformedRecord) || sum.Malformed != 1 {
		t.Fatalf("events %v errs %v sum %+v", events, errs, sum)
	}
	if re.Line != 2 || re.Field != "eventTime" || errs[0].Error() != "sql: line 2: eventTime: want RFC 3339 string, got number" {
		t.Fatalf("error %+v: %q", re, errs[0])
	}
	// A bad array element is named by its index.
	_, _, errs = ParseRecords("sql", []byte("["+recN(t, "a")+", 7]"), testCatalog(t))
	if len(errs) != 1 || errs[0].Error() != "sql: record 1: want a JSON object, got number" {
		t.Fatalf("errs %v", errs)
	}
}

func TestIngestRecords(t *testing.T) {
	sink := newMapSink()
	sum, errs, err := IngestRecords(context.Background(), "sql", []byte(recN(t, "a")+"\n"+recN(t, "a")), sink, testCatalog(t))
	if err != nil || len(errs) != 0 || sum.Ingested != 1 || sum.Duplicates != 1 {
		t.Fatalf("sum %+v errs %v err %v", sum, errs, err)
	}
	sink.fail = func([]engine.Event) error { return errors.New("read-only") }
	if _, _, err := IngestRecords(context.Background(), "sql", []byte(recN(t, "b")), sink, testCatalog(t)); err == nil {
		t.Fatal("sink error lost")
	}
}
