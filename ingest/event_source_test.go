package ingest

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"lastaccess/engine"
	"lastaccess/engine/catalog"
	"lastaccess/storage"
)

// TestEventSourcesEndToEnd ingests one record per event source whose first
// label is not its IAM prefix (rdsdata.amazonaws.com → rds-data, …), with
// the embedded catalog into a real store: each is stored under its
// service, none is reported unknown; a source the catalog lacks is kept
// under its first label and reported.
func TestEventSourcesEndToEnd(t *testing.T) {
	want := map[string]string{} // event ID → namespace
	var recs []string
	for _, s := range catalog.Default().Services() {
		for _, src := range s.EventSources {
			if first, _, _ := strings.Cut(src, "."); first == s.Namespace {
				continue
			}
			id := fmt.Sprintf("src-%03d", len(recs))
			want[id] = s.Namespace
			recs = append(recs, rec(t, "eventID", id, "eventSource", src, "eventName", "DoSomething"))
		}
	}
	// Named explicitly, so a catalog that lacks them fails here too.
	for src, ns := range map[string]string{
		"rdsdata.amazonaws.com": "rds-data", "amazonmq.amazonaws.com": "mq", "opensearchservice.amazonaws.com": "es",
		"pricelist.amazonaws.com": "pricing", "qconnect.amazonaws.com": "wisdom", "migrationhub.amazonaws.com": "mgh",
		"application-insights.amazonaws.com": "applicationinsights", "billingconsole.amazonaws.com": "billing",
		"marketplacecatalog.amazonaws.com": "aws-marketplace", "taxconsole.amazonaws.com": "tax",
		"monitoring.amazonaws.com": "cloudwatch", "email.amazonaws.com": "ses", "streams.dynamodb.amazonaws.com": "dynamodb",
	} {
		id := fmt.Sprintf("named-%s", src)
		want[id] = ns
		recs = append(recs, rec(t, "eventID", id, "eventSource", src, "eventName", "DoSomething"))
	}
	if len(recs) < 90 {
		t.Fatalf("only %d event sources differ from their namespace", len(recs))
	}
	want["unknown-1"] = "frobnicator"
	recs = append(recs, rec(t, "eventID", "unknown-1", "eventSource", "frobnicator.amazonaws.com"))
	dir := t.TempDir()
	write(t, dir, "all.json", []byte(recordsDoc(recs...)))

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
	sum, err := Run(context.Background(), []string{dir}, eng, Options{NoProgress: true})
	if err != nil || sum.Failed() || sum.Ingested != int64(len(recs)) {
		t.Fatalf("%v %+v", err, sum)
	}
	if len(sum.UnknownEventSources) != 1 || sum.UnknownEventSources["frobnicator.amazonaws.com"] != 1 {
		t.Errorf("unknown event sources %v, want only frobnicator.amazonaws.com", sum.UnknownEventSources)
	}
	n := 0
	err = eng.ScanEvents(context.Background(), engine.EventFilter{}, func(ev *engine.Event, _ string) error {
		n++
		if ev.Namespace != want[ev.ID] {
			t.Errorf("%s (%s): namespace %q, want %q", ev.ID, ev.EventSource, ev.Namespace, want[ev.ID])
		}
		return nil
	})
	if err != nil || n != len(recs) {
		t.Fatalf("%d events stored, want %d (%v)", n, len(recs), err)
	}
}
