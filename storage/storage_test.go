package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"lastaccess/engine"
)

func openTest(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, DefaultOptions())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

func event(id string, at time.Time, account, ns string) engine.Event {
	return engine.Event{
		ID: id, Time: at.UnixNano(), AccountID: account, Namespace: ns,
		PrincipalARN: "arn:aws:iam::" + account + ":role/admin", PrincipalType: engine.PrincipalAssumedRole,
		EventSource: ns + ".amazonaws.com", EventName: "ListThings20150331", Action: "ListThings",
		Region: "us-east-1", ErrorCode: "AccessDenied", DataEvent: true,
	}
}

func appendAll(t *testing.T, s *Store, events ...engine.Event) (fresh int) {
	t.Helper()
	b := s.NewAppend()
	defer b.Discard()
	for i := range events {
		ok, err := b.Add(&events[i])
		if err != nil {
			t.Fatalf("add: %v", err)
		}
		if ok {
			fresh++
		}
	}
	if _, err := b.Commit(); err != nil {
		t.Fatalf("commit: %v", err)
	}
	return fresh
}

func TestBlockRoundTrip(t *testing.T) {
	mk := func(id string, at time.Time) engine.Event {
		return event(id, at, "123456789012", "lambda")
	}
	want := []engine.Event{
		mk("8c9a6e2e-1111-4a6b-9d1e-0123456789ab", time.Unix(-5, 0)),
		mk("8C9A6E2E-1111-4A6B-9D1E-0123456789AB", time.Unix(1700000000, 0)), // not canonical: kept raw
		mk("plain-id", time.Unix(1700000000, 5)),
	}
	want[1].EventSource = "streams.dynamodb.amazonaws.com"
	want[1].ServiceLinked = true
	want[2].Action = want[2].EventName
	want[2].ErrorCode = ""
	want[2].PrincipalType = engine.PrincipalRoot
	ptrs := []*engine.Event{&want[2], &want[0], &want[1]}
	sortEvents(ptrs)
	got, err := decodeBlock("123456789012", "lambda", packBlock(encodeBlock(nil, "lambda", ptrs)))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d events", len(got))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if _, ok := canonicalUUID("8c9a6e2e-1111-4a6b-9d1e-0123456789ab"); !ok {
		t.Fatal("canonical uuid not recognised")
	}
	// Keys sort by time, negative times included.
	if string(blockKey("1", "s3", -10, 0, 1, 0)) >= string(blockKey("1", "s3", 5, 5, 1, 0)) {
		t.Fatal("time order broken across zero")
	}
}

func TestDecodeCorruptBlock(t *testing.T) {
	ev := event("x", time.Unix(1, 0), "1", "s3")
	val := packBlock(encodeBlock(nil, "s3", []*engine.Event{&ev}))
	if val[0] != blockRaw {
		t.Fatal("a one-event block was compressed")
	}
	for i := 0; i < len(val); i++ {
		if _, err := decodeBlock("1", "s3", val[:i]); err == nil {
			t.Fatalf("truncated block of %d bytes decoded", i)
		}
	}
	if _, err := decodeBlock("1", "s3", append(val, 0)); err == nil {
		t.Fatal("block with trailing bytes decoded")
	}
	// A compressed block: round trip, then damage.
	var many []*engine.Event
	for i := 0; i < 200; i++ {
		e := event(fmt.Sprintf("id-%04d", i), time.Unix(int64(i), 0), "1", "s3")
		many = append(many, &e)
	}
	packed := packBlock(encodeBlock(nil, "s3", many))
	if packed[0] != blockZstd {
		t.Fatal("a 200-event block was not compressed")
	}
	if evs, err := decodeBlock("1", "s3", packed); err != nil || len(evs) != 200 || evs[199].ID != "id-0199" {
		t.Fatalf("compressed round trip: %d events, %v", len(evs), err)
	}
	for _, cut := range []int{1, len(packed) / 2, len(packed) - 1} {
		if _, err := decodeBlock("1", "s3", packed[:cut]); err == nil {
			t.Fatalf("compressed block cut at %d decoded", cut)
		}
	}
	if _, err := decodeBlock("1", "s3", append([]byte{7}, packed[1:]...)); err == nil {
		t.Fatal("unknown block kind decoded")
	}
	if _, err := parseBlockKey([]byte("b1")); err == nil {
		t.Fatal("malformed key parsed")
	}
}

func TestAppendDedupes(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	at := time.Unix(1700000000, 0)
	a := event("a", at, "111111111111", "s3")
	b := event("b", at, "111111111111", "s3")
	if n := appendAll(t, s, a, b, a); n != 2 {
		t.Fatalf("fresh %d, want 2", n)
	}
	s.Close()
	s = openTest(t, dir)
	defer s.Close()
	if n := appendAll(t, s, a, b); n != 0 {
		t.Fatalf("fresh %d after reopen, want 0", n)
	}
	// The identity is (account, event source, time, eventID): CloudTrail
	// never gives two different calls that tuple, so a record whose
	// eventID is reused at another time is another record.
	moved := a
	moved.Time = at.Add(time.Hour).UnixNano()
	if n := appendAll(t, s, moved); n != 1 {
		t.Fatalf("fresh %d for the same id at another time, want 1", n)
	}
	var n int
	snap := s.Snapshot()
	defer snap.Close()
	if err := snap.ScanEvents(engine.EventQuery{}, func(*engine.Event) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("%d events stored, want 3", n)
	}
}

// TestAppendIdentityIsTheSameInAndAcrossBatches: records that share an
// eventID but not their account, event source or time are different
// records, whether they arrive in one batch or in several; the same
// record twice in a batch is stored once.
func TestAppendIdentityIsTheSameInAndAcrossBatches(t *testing.T) {
	at := time.Unix(1700000000, 0)
	const id = "11111111-1111-1111-1111-111111111111"
	base := event(id, at, "111111111111", "s3")
	otherAccount := event(id, at, "222222222222", "s3")
	otherService := event(id, at, "111111111111", "ec2")
	otherTime := event(id, at.Add(time.Second), "111111111111", "s3")
	otherSource := base
	otherSource.EventSource = "s3-control.amazonaws.com" // same service
	all := []engine.Event{base, otherAccount, otherService, otherTime, otherSource}

	oneBatch := openTest(t, t.TempDir())
	defer oneBatch.Close()
	if n := appendAll(t, oneBatch, append(slices.Clone(all), all...)...); n != len(all) {
		t.Fatalf("one batch: %d fresh, want %d", n, len(all))
	}
	if n := appendAll(t, oneBatch, all...); n != 0 {
		t.Fatalf("one batch, again: %d fresh, want 0", n)
	}
	split := openTest(t, t.TempDir())
	defer split.Close()
	fresh := 0
	for i := range all {
		fresh += appendAll(t, split, all[len(all)-1-i])
	}
	if fresh != len(all) {
		t.Fatalf("one batch per record: %d fresh, want %d", fresh, len(all))
	}
	if n := appendAll(t, split, all...); n != 0 {
		t.Fatalf("split, then one batch: %d fresh, want 0", n)
	}
	stored := func(s *Store) []string {
		snap := s.Snapshot()
		defer snap.Close()
		var out []string
		if err := snap.ScanEvents(engine.EventQuery{}, func(ev *engine.Event) error {
			out = append(out, fmt.Sprintf("%s %s %s %d %s", ev.AccountID, ev.Namespace, ev.EventSource, ev.Time, ev.ID))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b := stored(oneBatch), stored(split)
	if len(a) != len(all) || !slices.Equal(a, b) {
		t.Fatalf("stored events differ:\none batch %q\nsplit     %q", a, b)
	}
}

// TestBatchFullStagesNothingHalfway: with a tiny memtable the batch fills
// up; the event that does not fit is staged neither in the log nor in the
// id index.
func TestBatchFullStagesNothingHalfway(t *testing.T) {
	opts := DefaultOptions()
	opts.MemTableSize = 1 << 20
	s, err := Open(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b := s.NewAppend()
	var added []string
	for i := 0; ; i++ {
		ev := event(fmt.Sprintf("id-%06d", i), time.Unix(int64(i)+1, 0), "111111111111", "s3")
		ok, err := b.Add(&ev)
		if errors.Is(err, engine.ErrBatchFull) {
			break
		}
		if err != nil || !ok {
			t.Fatalf("add %d: %v %v", i, ok, err)
		}
		added = append(added, ev.ID)
		if i > 100000 {
			t.Fatal("batch never filled")
		}
	}
	if _, err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	next := event(fmt.Sprintf("id-%06d", len(added)), time.Unix(1, 0), "111111111111", "s3")
	if n := appendAll(t, s, next); n != 1 {
		t.Fatal("the event refused by the full batch was partly stored")
	}
}

func TestScanReadsOnlyMatchingKeys(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var all []engine.Event
	accounts := []string{"111111111111", "222222222222", "333333333333", "444444444444"}
	services := []string{"ec2", "iam", "lambda", "s3", "sqs"}
	// 20 commits of 100 events in time order: every commit writes one
	// block per (account, service), each spanning its own stretch of time.
	for i := 0; i < 2000; i++ {
		all = append(all, event(fmt.Sprintf("e%05d", i), base.Add(time.Duration(i)*time.Minute), accounts[i%4], services[(i/4)%5]))
	}
	for i := 0; i < len(all); i += 100 {
		appendAll(t, s, all[i:i+100]...)
	}
	snap := s.Snapshot()
	defer snap.Close()
	var totalBlocks int64
	snap.ScanEvents(engine.EventQuery{}, func(*engine.Event) error { return nil })
	snap.ScanEvents(engine.EventQuery{KeysRead: &totalBlocks}, func(*engine.Event) error { return nil })
	from, to := base.Add(100*time.Minute), base.Add(300*time.Minute)
	cases := []struct {
		name  string
		q     engine.EventQuery
		keep  func(e engine.Event) bool
		limit int64
	}{
		{"one account", engine.EventQuery{Accounts: []string{"222222222222"}}, func(e engine.Event) bool { return e.AccountID == "222222222222" }, totalBlocks/4 + 5},
		{"one service", engine.EventQuery{Namespace: "lambda"}, func(e engine.Event) bool { return e.Namespace == "lambda" }, totalBlocks/5 + 1},
		{"account and service", engine.EventQuery{Accounts: []string{"333333333333"}, Namespace: "s3"}, func(e engine.Event) bool {
			return e.AccountID == "333333333333" && e.Namespace == "s3"
		}, totalBlocks/20 + 1},
		{"time range", engine.EventQuery{From: from.UnixNano(), HasFrom: true, To: to.UnixNano(), HasTo: true}, func(e engine.Event) bool {
			return e.Time >= from.UnixNano() && e.Time <= to.UnixNano()
		}, 4 + 20 + 3*20}, // the seeks, plus the blocks of 3 of the 20 commits
		{"no accounts", engine.EventQuery{Accounts: []string{}}, func(engine.Event) bool { return false }, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var keys int64
			c.q.KeysRead = &keys
			var got []string
			if err := snap.ScanEvents(c.q, func(e *engine.Event) error { got = append(got, e.ID); return nil }); err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, e := range all {
				if c.keep(e) {
					want = append(want, e.ID)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("got %d events, want %d", len(got), len(want))
			}
			if keys > c.limit {
				t.Fatalf("read %d blocks and keys of %d for %d matches (limit %d)", keys, totalBlocks, len(want), c.limit)
			}
		})
	}
	// Events of one account and service come out in time order.
	var prev int64
	snap.ScanEvents(engine.EventQuery{Accounts: []string{"111111111111"}, Namespace: "ec2"}, func(e *engine.Event) error {
		if e.Time < prev {
			t.Fatalf("out of time order")
		}
		prev = e.Time
		return nil
	})
}

func TestLatestEvent(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	t0 := time.Unix(1700000000, 0)
	mk := func(id string, at time.Time, region string, slr bool) engine.Event {
		e := event(id, at, "111111111111", "s3")
		e.Region, e.ServiceLinked = region, slr
		return e
	}
	appendAll(t, s,
		mk("a", t0, "us-east-1", false),
		mk("b", t0.Add(time.Hour), "us-west-2", false),
		mk("c", t0.Add(time.Hour), "eu-west-1", false),
		mk("d", t0.Add(2*time.Hour), "ap-south-1", true),
	)
	snap := s.Snapshot()
	defer snap.Close()
	notSLR := func(e *engine.Event) bool { return !e.ServiceLinked }
	cases := []struct {
		at     time.Time
		accept func(*engine.Event) bool
		id     string
	}{
		{t0.Add(3 * time.Hour), nil, "d"},
		{t0.Add(3 * time.Hour), notSLR, "c"}, // same second as b: the smaller region
		{t0.Add(time.Hour), notSLR, "c"},
		{t0.Add(time.Hour - 1), notSLR, "a"},
		{t0.Add(-1), nil, ""},
	}
	for _, c := range cases {
		ev, ok, err := snap.LatestEvent("111111111111", "s3", c.at.UnixNano(), c.accept)
		if err != nil {
			t.Fatal(err)
		}
		if got := map[bool]string{true: ev.ID, false: ""}[ok]; got != c.id {
			t.Errorf("latest at %v: %q, want %q", c.at, got, c.id)
		}
	}
}

func TestFormatVersionRefused(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	if err := s.state.Update(func(txn *badger.Txn) error { return txn.Set(keyFormat, []byte("5")) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(dir, DefaultOptions())
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "format version 5; this lastaccess reads version 4") {
		t.Fatalf("err = %v", err)
	}
}

func TestForeignDirectoryRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, DefaultOptions())
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "not a lastaccess data directory") {
		t.Fatalf("err = %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatal("Open wrote into a foreign directory")
	}
}

func TestLockedDirectoryNamesHolder(t *testing.T) {
	dir := t.TempDir()
	opts := DefaultOptions()
	opts.Owner = "lastaccess serve on 127.0.0.1:3306"
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := Open(dir, DefaultOptions()); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "lastaccess serve on 127.0.0.1:3306 (pid") {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Open blocked on a locked directory")
	}
	s.Close()
	s2, err := Open(dir, DefaultOptions())
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	s2.Close()
}

func TestJobsAndRunningMarkers(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	if err := s.PutJob("j1", []byte("a"), true); err != nil {
		t.Fatal(err)
	}
	if err := s.PutJob("j2", []byte("b"), true); err != nil {
		t.Fatal(err)
	}
	if err := s.PutJob("j1", []byte("done"), false); err != nil {
		t.Fatal(err)
	}
	var running, all []string
	s.ScanJobs(func(id string, _ []byte) error { running = append(running, id); return nil }, true)
	s.ScanJobs(func(id string, _ []byte) error { all = append(all, id); return nil }, false)
	if !slices.Equal(running, []string{"j2"}) || !slices.Equal(all, []string{"j1", "j2"}) {
		t.Fatalf("running %v all %v", running, all)
	}
	if v, err := s.Job("j1"); err != nil || string(v) != "done" {
		t.Fatalf("job j1: %q %v", v, err)
	}
	if _, err := s.Job("nope"); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("missing job: %v", err)
	}
	// A completed job's result table: stored beside the record, read
	// back, and no job records appear from it.
	table := []byte(strings.Repeat("entity table ", 10_000))
	if err := s.PutJobTable("j1", table); err != nil {
		t.Fatal(err)
	}
	if v, err := s.JobTable("j1"); err != nil || string(v) != string(table) {
		t.Fatalf("table of j1: %d bytes, %v", len(v), err)
	}
	if _, err := s.JobTable("j2"); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("table of a job without one: %v", err)
	}
	all = nil
	s.ScanJobs(func(id string, _ []byte) error { all = append(all, id); return nil }, false)
	if !slices.Equal(all, []string{"j1", "j2"}) {
		t.Fatalf("jobs after storing a table: %v", all)
	}
}

// unfoldedIDs lists the event ids ScanUnfolded replays, by commit.
func unfoldedIDs(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	err := s.ScanUnfolded(func(seq uint64, evs []engine.Event) error {
		for _, ev := range evs {
			out = append(out, fmt.Sprint(seq, ":", ev.ID))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// The rows record the commit they were folded through; the commits after
// it are replayed from their blocks, across a restart, and a fold or a
// clear ends the replay.
func TestRollupRowsAndUnfoldedCommits(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	var seqs []uint64
	for i := 0; i < 3; i++ {
		b := s.NewAppend()
		for _, ns := range []string{"s3", "iam"} {
			ev := event(fmt.Sprintf("e%d-%s", i, ns), at.Add(time.Duration(i)*time.Hour), "111111111111", ns)
			if _, err := b.Add(&ev); err != nil {
				t.Fatal(err)
			}
		}
		seq, err := b.Commit()
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	if got := unfoldedIDs(t, s); len(got) != 6 {
		t.Fatalf("before any fold, replay %v", got)
	}
	if err := s.WriteRollups([]engine.RollupRow{{Kind: 'o', Name: "111111111111", Value: []byte("row")}}, seqs[1]); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openTest(t, dir)
	defer s.Close()
	want := []string{fmt.Sprint(seqs[2], ":e2-iam"), fmt.Sprint(seqs[2], ":e2-s3")}
	if got := unfoldedIDs(t, s); !slices.Equal(got, want) {
		t.Fatalf("after a fold through commit %d and a restart, replay %v, want %v", seqs[1], got, want)
	}
	// Sequence numbers keep growing after a fold and a restart.
	b := s.NewAppend()
	ev := event("e3", at, "222222222222", "s3")
	if _, err := b.Add(&ev); err != nil {
		t.Fatal(err)
	}
	seq, err := b.Commit()
	if err != nil || seq <= seqs[2] {
		t.Fatalf("sequence went back: %d after %d (%v)", seq, seqs[2], err)
	}
	var rows []string
	s.ScanRollupRows('o', func(name string, v []byte) error { rows = append(rows, name+"="+string(v)); return nil })
	if !slices.Equal(rows, []string{"111111111111=row"}) {
		t.Fatalf("rows %v", rows)
	}
	// A rebuild clears the rows and recomputes them from every commit.
	if err := s.ClearRollups(); err != nil {
		t.Fatal(err)
	}
	rows = nil
	s.ScanRollupRows('o', func(name string, v []byte) error { rows = append(rows, name); return nil })
	if got := unfoldedIDs(t, s); len(rows)+len(got) != 0 {
		t.Fatalf("after clear: rows %v, replay %v", rows, got)
	}
	// Writing rows without a sequence number (rebuild) keeps the record.
	if err := s.WriteRollups([]engine.RollupRow{{Kind: 'o', Name: "222222222222", Value: []byte("row")}}, 0); err != nil {
		t.Fatal(err)
	}
	if got := unfoldedIDs(t, s); len(got) != 0 {
		t.Fatalf("after rows written without a sequence number: replay %v", got)
	}
}

// A process killed between creating a memtable or value-log file and
// writing its header leaves a 0-byte file, which Badger v4 refuses to
// open (dgraph-io/badger#2207). The crash harness met it; Open must
// recover, keeping every committed event.
func TestOpenAfterCrashLeftEmptyLogFiles(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	events := []engine.Event{event("a", at, "111122223333", "s3"), event("b", at.Add(time.Second), "111122223333", "iam")}
	if fresh := appendAll(t, s, events...); fresh != 2 {
		t.Fatalf("fresh = %d", fresh)
	}
	s.Close()
	for _, name := range []string{"00042.mem", "000042.vlog"} {
		if err := os.WriteFile(filepath.Join(dir, dbDir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(dir, DefaultOptions())
	if err != nil {
		t.Fatalf("open after a crash left empty log files: %v", err)
	}
	defer s.Close()
	if fresh := appendAll(t, s, events...); fresh != 0 {
		t.Fatalf("after reopening, %d of the stored events were stored again", fresh)
	}
}

// Trimming the store's mapped files (resident.go) only lowers memory use:
// every event reads back the same afterwards, appends go on, and the
// dedupe still finds the trimmed events.
func TestTrimResidentKeepsData(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	defer s.Close()
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var first []engine.Event
	for i := 0; i < 5000; i++ {
		first = append(first, event(fmt.Sprintf("t%05d", i), base.Add(time.Duration(i)*time.Second), []string{"111111111111", "222222222222"}[i%2], []string{"s3", "iam", "ec2"}[i%3]))
	}
	appendAll(t, s, first...)
	read := func() []string {
		snap := s.Snapshot()
		defer snap.Close()
		var ids []string
		if err := snap.ScanEvents(engine.EventQuery{}, func(ev *engine.Event) error {
			ids = append(ids, fmt.Sprint(ev.ID, ev.AccountID, ev.Namespace, ev.Time, ev.Region, ev.PrincipalARN))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	before := read()
	trimResident(dir)
	if after := read(); !slices.Equal(before, after) || len(after) != len(first) {
		t.Fatalf("after a trim: %d events read back, %d before, %d stored", len(after), len(before), len(first))
	}
	if fresh := appendAll(t, s, first...); fresh != 0 {
		t.Fatalf("after a trim, %d stored events were stored again", fresh)
	}
	more := event("t-after", base.Add(time.Hour*24), "111111111111", "s3")
	if fresh := appendAll(t, s, more); fresh != 1 {
		t.Fatal("an append after a trim stored nothing")
	}
	trimResident(dir)
	if n := len(read()); n != len(first)+1 {
		t.Fatalf("%d events after the second trim", n)
	}
}

// canonicalUUID accepts exactly the lowercase 36-character form, and what
// it accepts formats back to the same text (the block's compact id).
func TestCanonicalUUID(t *testing.T) {
	const good = "8c9a6e2e-1111-4a6b-9d1e-0123456789ab"
	u, ok := canonicalUUID(good)
	if !ok || formatUUID(u[:]) != good {
		t.Fatalf("%s: ok %v, formats as %s", good, ok, formatUUID(u[:]))
	}
	for _, bad := range []string{
		"8C9A6E2E-1111-4A6B-9D1E-0123456789AB", // uppercase would not round-trip
		"8c9a6e2e-1111-4a6b-9d1e-0123456789a",  // short
		"8c9a6e2e-1111-4a6b-9d1e-0123456789abc",
		"8c9a6e2e11114a6b9d1e0123456789ab",
		"8c9a6e2e-1111-4a6b-9d1e_0123456789ab",
		"8c9a6e2g-1111-4a6b-9d1e-0123456789ab",
		"8c9a6e2e-1111-4a6b-9d1e-0123456789a\xff",
		"",
	} {
		if _, ok := canonicalUUID(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	// Every single-character change of a valid id: accepted exactly when
	// the result is still lowercase hex in the right places, and then it
	// round-trips.
	for i := 0; i < len(good); i++ {
		for c := 0; c < 256; c++ {
			b := []byte(good)
			b[i] = byte(c)
			s := string(b)
			u, ok := canonicalUUID(s)
			isDash := i == 8 || i == 13 || i == 18 || i == 23
			want := isDash && c == '-' || !isDash && (c >= '0' && c <= '9' || c >= 'a' && c <= 'f')
			if ok != want || ok && formatUUID(u[:]) != s {
				t.Fatalf("%q: ok %v, want %v", s, ok, want)
			}
		}
	}
}
