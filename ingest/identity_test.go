package ingest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"

	"lastaccess/engine"
	"lastaccess/storage"
)

// TestSharedEventIDsAnyBatching: records that share eventIDs across
// accounts, event sources, services and times, with exact copies, stored
// by the real engine and store through batches of every size and any
// number of workers, and again: the same events every time, each record
// once.
func TestSharedEventIDsAnyBatching(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	dir := t.TempDir()
	calls := [][2]string{{"s3.amazonaws.com", "ListBuckets"}, {"s3-control.amazonaws.com", "ListAccessPoints"},
		{"ec2.amazonaws.com", "DescribeInstances"}, {"monitoring.amazonaws.com", "GetMetricData"}}
	distinct := map[string]bool{}
	var file, all []string
	for i := range 120 {
		account := fmt.Sprintf("11112222333%d", r.IntN(3))
		call := calls[r.IntN(len(calls))]
		rc := rec(t, "eventID", fmt.Sprintf("id-%d", r.IntN(15)), "eventSource", call[0], "eventName", call[1],
			"eventTime", fmt.Sprintf("2024-05-0%dT00:00:00Z", 1+r.IntN(2)),
			"userIdentity.accountId", account, "userIdentity.arn", "arn:aws:iam::"+account+":user/u")
		distinct[rc] = true
		file = append(file, rc)
		all = append(all, rc)
		if r.IntN(4) == 0 {
			file = append(file, rc)
			all = append(all, rc)
		}
		if len(file) > 9 || i == 119 {
			write(t, dir, fmt.Sprintf("f%03d.json", i), []byte(recordsDoc(file...)))
			file = nil
		}
	}
	var want []engine.Event
	for _, run := range []struct{ batch, workers int }{{1000, 1}, {1, 1}, {2, 2}, {7, 2}, {13, 1}} {
		st, err := storage.Open(filepath.Join(t.TempDir(), "d"), storage.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		eng, err := engine.Open(st, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		opts := Options{BatchSize: run.batch, Workers: run.workers, NoProgress: true}
		sum, err := Run(context.Background(), []string{dir}, eng, opts)
		if err != nil || sum.Failed() {
			t.Fatalf("%+v: %v %+v", run, err, sum)
		}
		if sum.Ingested != int64(len(distinct)) || sum.Duplicates != int64(len(all)-len(distinct)) {
			t.Fatalf("%+v: %d ingested, %d duplicates; want %d and %d", run, sum.Ingested, sum.Duplicates, len(distinct), len(all)-len(distinct))
		}
		again, err := Run(context.Background(), []string{dir}, eng, opts)
		if err != nil || again.Ingested != 0 {
			t.Fatalf("%+v: again: %v %+v", run, err, again)
		}
		var got []engine.Event
		err = eng.ScanEvents(context.Background(), engine.EventFilter{}, func(ev *engine.Event, _ string) error {
			got = append(got, *ev)
			return nil
		})
		eng.Close()
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = got
		} else if !reflect.DeepEqual(got, want) {
			t.Fatalf("%+v: stored events differ from batch size 1000's", run)
		}
	}
}
