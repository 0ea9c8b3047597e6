package sqlsink

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	"go.uber.org/goleak"

	"lastaccess/engine"
	"lastaccess/ingest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// collect is an ingest.Sink that keeps the events.
type collect struct{ events []engine.Event }

func (c *collect) Append(_ context.Context, evs []engine.Event) (engine.AppendResult, error) {
	c.events = append(c.events, evs...)
	return engine.AppendResult{Ingested: len(evs)}, nil
}

func repoPath(parts ...string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(append([]string{filepath.Dir(file), "..", ".."}, parts...)...)
}

// TestRecordRoundTrip: every event of the bundled samples, written back
// as a record by RecordOf, is parsed by the server's parser
// (ingest.ParseRecords) into the same event.
func TestRecordRoundTrip(t *testing.T) {
	var all []engine.Event
	for _, dir := range []string{"sample", "aws-sample"} {
		var c collect
		sum, err := ingest.Run(context.Background(), []string{repoPath("testdata", dir, "AWSLogs")}, &c, ingest.Options{NoProgress: true})
		if err != nil || sum.Failed() {
			t.Fatalf("%s: %v %+v", dir, err, sum)
		}
		all = append(all, c.events...)
	}
	kinds := map[engine.PrincipalType]int{}
	data, errors, linked := 0, 0, 0
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range all {
		ev := &all[i]
		kinds[ev.PrincipalType]++
		if ev.DataEvent {
			data++
		}
		if ev.ErrorCode != "" {
			errors++
		}
		if ev.ServiceLinked {
			linked++
		}
		if err := enc.Encode(RecordOf(ev)); err != nil {
			t.Fatal(err)
		}
	}
	// The samples cover every kind of principal and event this maps.
	if len(kinds) < 4 || data == 0 || errors == 0 || linked == 0 {
		t.Fatalf("samples lack variety: principals %v, %d data events, %d with errors, %d service-linked", kinds, data, errors, linked)
	}
	got, sum, errs := ingest.ParseRecords("sink", buf.Bytes(), nil)
	if len(errs) > 0 {
		t.Fatalf("parse: %v", errs[0])
	}
	if sum.Events != int64(len(all)) || sum.SkippedTotal() != 0 {
		t.Fatalf("summary %+v", sum)
	}
	for i := range all {
		if !reflect.DeepEqual(got[i], all[i]) {
			t.Fatalf("event %d:\n got %+v\nwant %+v", i, got[i], all[i])
		}
	}
}
