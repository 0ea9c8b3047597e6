package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"lastaccess/engine"
)

// recN returns a counted record with eventID id.
func recN(t testing.TB, id string) string { return rec(t, "eventID", id) }

func ids(sink *mapSink) []string {
	var out []string
	for k := range sink.byID {
		out = append(out, k.id)
	}
	sort.Strings(out)
	return out
}

func TestFileFormats(t *testing.T) {
	dir := t.TempDir()
	doc := func(prefix string) []byte { return []byte(recordsDoc(recN(t, prefix+"1"), recN(t, prefix+"2"))) }
	lines := func(prefix string) []byte {
		return []byte(recN(t, prefix+"1") + "\r\n\n   \n" + recN(t, prefix+"2")) // CRLF, blank lines, no final newline
	}
	write(t, dir, "a.json", doc("a"))
	write(t, dir, "b.json.gz", gzipBytes(doc("b")))
	write(t, dir, "c.jsonl", lines("c"))
	write(t, dir, "d.ndjson", lines("d"))
	write(t, dir, "e.jsonl.gz", gzipBytes(lines("e")))
	write(t, dir, "f.ndjson.gz", gzipBytes(lines("f")))
	write(t, dir, "g.json", gzipBytes(doc("g")))           // gzip found by magic bytes
	write(t, dir, "h.json.gz", doc("h"))                   // already gunzipped by a download
	write(t, dir, "i.JSON", doc("i"))                      // extensions are case-insensitive
	write(t, dir, "j.json", []byte("["+recN(t, "j1")+"]")) // a bare array of records
	write(t, dir, "k.json", []byte(`{"Records":[]}`))

	sum, sink := runIngest(t, []string{dir}, Options{})
	checkSummary(t, &sum, sink)
	var want []string
	for _, p := range "abcdefghi" {
		want = append(want, string(p)+"1", string(p)+"2")
	}
	want = append(want, "j1")
	if got := ids(sink); !reflect.DeepEqual(got, want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
	if sum.FilesRead != 11 || sum.Records != 19 || sum.Ingested != 19 || sum.Failed() {
		t.Fatalf("summary %+v", sum)
	}
	if sum.BytesRead >= sum.BytesDecoded {
		t.Errorf("bytes read %d, decoded %d: gzip should make them differ", sum.BytesRead, sum.BytesDecoded)
	}
}

func TestStdin(t *testing.T) {
	in := recN(t, "s1") + "\n" + rec(t, "eventID", "s2", "userIdentity.type", "AWSService") + "\nnot json\n" + recN(t, "s3") + "\n"
	sum, sink := runIngest(t, []string{"-"}, Options{Stdin: strings.NewReader(in)})
	checkSummary(t, &sum, sink)
	if got := ids(sink); !reflect.DeepEqual(got, []string{"s1", "s3"}) {
		t.Fatalf("stored %v", got)
	}
	if sum.FilesRead != 1 || sum.Records != 4 || sum.Skipped[SkipAWSService] != 1 || sum.Malformed != 1 {
		t.Fatalf("summary %+v", sum)
	}
	if fe := sum.Errors["-"]; fe == nil || !strings.HasPrefix(fe.Messages[0], "line 3: invalid JSON") {
		t.Fatalf("errors %+v", sum.Errors)
	}
}

func TestStdinGzip(t *testing.T) {
	in := gzipBytes([]byte(recN(t, "s1") + "\n" + recN(t, "s2") + "\n"))
	sum, sink := runIngest(t, []string{"-"}, Options{Stdin: bytes.NewReader(in)})
	if sink.count() != 2 || sum.Failed() {
		t.Fatalf("summary %+v", sum)
	}
}

// TestStdinStreams checks that records from a stream are stored while the
// stream is still open.
func TestStdinStreams(t *testing.T) {
	pr, pw := io.Pipe()
	sink := newMapSink()
	sink.notify = make(chan int, 10)
	done := make(chan Summary)
	go func() {
		sum, err := Run(context.Background(), []string{"-"}, sink, Options{Catalog: testCatalog(t), Stdin: pr, StreamFlushInterval: 10 * time.Millisecond})
		if err != nil {
			t.Error(err)
		}
		done <- sum
	}()
	fmt.Fprintln(pw, recN(t, "live1"))
	fmt.Fprintln(pw, recN(t, "live2"))
	got := 0
	for got < 2 {
		got += <-sink.notify // stored before the stream ends
	}
	fmt.Fprintln(pw, recN(t, "live3"))
	pw.Close()
	for n := range sink.notify {
		got += n
		if got == 3 {
			break
		}
	}
	sum := <-done
	if sum.Ingested != 3 || sum.FilesRead != 1 {
		t.Fatalf("summary %+v", sum)
	}
}

func TestExportLayouts(t *testing.T) {
	dir := t.TempDir()
	acct := "AWSLogs/111111111111/CloudTrail/us-east-1/2024/05/06/111111111111_CloudTrail_us-east-1_20240506T0000Z_abc.json.gz"
	org := "AWSLogs/o-a1b2c3d4e5/222222222222/CloudTrail/eu-west-1/2024/05/06/222222222222_CloudTrail_eu-west-1_20240506T0000Z_def.json.gz"
	digest := "AWSLogs/111111111111/CloudTrail-Digest/us-east-1/2024/05/06/111111111111_CloudTrail-Digest_us-east-1_trail_us-east-1_20240506T000000Z.json.gz"
	digestName := "elsewhere/111111111111_CloudTrail-Digest_us-east-1_trail_us-east-1_20240506T000000Z.json.gz"
	insight := "AWSLogs/111111111111/CloudTrail-Insight/us-east-1/2024/05/06/111111111111_CloudTrail-Insight_us-east-1_20240506T0000Z_x.json.gz"
	write(t, dir, acct, gzipBytes([]byte(recordsDoc(recN(t, "acct")))))
	write(t, dir, org, gzipBytes([]byte(recordsDoc(recN(t, "org")))))
	write(t, dir, digest, gzipBytes([]byte(`{"awsAccountId":"111111111111","digestStartTime":"x"}`)))
	write(t, dir, digestName, gzipBytes([]byte(`{"awsAccountId":"111111111111"}`)))
	write(t, dir, insight, gzipBytes([]byte(recordsDoc(recN(t, "insight")))))
	write(t, dir, "AWSLogs/README.txt", []byte("hello"))
	write(t, dir, "AWSLogs/111111111111/CloudTrail/us-east-1/.DS_Store", []byte{0, 1})
	write(t, dir, "deep/a/b/c/d/e/f.jsonl", []byte(recN(t, "deep")))

	sum, sink := runIngest(t, []string{dir}, Options{})
	checkSummary(t, &sum, sink)
	if got := ids(sink); !reflect.DeepEqual(got, []string{"acct", "deep", "org"}) {
		t.Fatalf("stored %v", got)
	}
	if sum.FilesRead != 3 || sum.FilesSkippedDigest != 2 || sum.FilesSkippedInsight != 1 || sum.FilesSkippedOther != 2 || sum.FilesFailed != 0 || sum.Failed() {
		t.Fatalf("summary %+v", sum)
	}
}

func TestExplicitPaths(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.json", []byte(recordsDoc(recN(t, "a"))))
	txt := write(t, dir, "notes.txt", []byte("x"))
	missing := filepath.Join(dir, "missing.json")
	sum, sink := runIngest(t, []string{a, txt, missing, a, dir}, Options{})
	if sink.count() != 1 {
		t.Fatalf("stored %v", ids(sink))
	}
	// a is read once although named twice and found in dir; notes.txt is an
	// error when named, skipped when found in dir; missing.json fails.
	if sum.FilesRead != 1 || sum.FilesFailed != 2 || sum.FilesSkippedOther != 0 || !sum.Failed() {
		t.Fatalf("summary %+v", sum)
	}
	if fe := sum.Errors[txt]; fe == nil || !strings.Contains(fe.Messages[0], "unknown file type") {
		t.Fatalf("errors %+v", sum.Errors)
	}
	if fe := sum.Errors[missing]; fe == nil || !strings.Contains(fe.Messages[0], "no such file") {
		t.Fatalf("errors %+v", sum.Errors)
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := recordsDoc(recN(t, "good1"), recN(t, "good2"))
	full := gzipBytes([]byte(recordsDoc(recN(t, "trunc1"), recN(t, "trunc2"))))
	write(t, dir, "00-good.json", []byte(good))
	write(t, dir, "01-truncated.json.gz", full[:len(full)-10])
	write(t, dir, "02-invalid.json", []byte(`{"Records":[`+recN(t, "inv1")+`, {"eventID": "inv2",}, `+recN(t, "inv3")+`]}`))
	write(t, dir, "03-not-array.json", []byte(`{"Records":{"eventID":"x"}}`))
	write(t, dir, "04-no-records.json", []byte(`{"records2":[]}`))
	write(t, dir, "05-empty.json", nil)
	write(t, dir, "06-top-level-string.json", []byte(`"Records"`))
	write(t, dir, "07-bad-records.json", []byte(recordsDoc(
		recN(t, "bad0"),
		rec(t, "eventID", "bad1", "eventTime", 5),
		`null`,
		rec(t, "eventID", "bad3", "awsRegion", del),
		rec(t, "eventID", "bad4", "userIdentity.type", "AWSService", "eventTime", del), // skipped: needs no time
		recN(t, "bad5"),
	)))
	write(t, dir, "08-bad-lines.jsonl", []byte(recN(t, "line1")+"\n{\"eventID\":\n"+rec(t, "eventID", "line3", "eventName", 1)+"\n"+recN(t, "line4")+"\n"))
	write(t, dir, "09-empty.jsonl", nil)
	write(t, dir, "10-bad-gzip.jsonl.gz", []byte{0x1f, 0x8b, 8, 0, 0, 0})

	sum, sink := runIngest(t, []string{dir}, Options{})
	checkSummary(t, &sum, sink)
	want := []string{"bad0", "bad5", "good1", "good2", "line1", "line4"}
	if got := ids(sink); !reflect.DeepEqual(got, want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
	if sum.FilesRead != 4 || sum.FilesFailed != 7 || !sum.Failed() {
		t.Fatalf("files: %+v", sum)
	}
	path := func(name string) string { return filepath.Join(dir, name) }
	wantErrs := map[string][]string{
		path("01-truncated.json.gz"):     {"gzip: truncated stream (unexpected EOF)"},
		path("02-invalid.json"):          {"invalid JSON at byte "},
		path("03-not-array.json"):        {"Records: want array, got object"},
		path("04-no-records.json"):       {`Records: missing (want {"Records":[…]})`},
		path("05-empty.json"):            {`empty file: want {"Records":[…]}`},
		path("06-top-level-string.json"): {`want {"Records":[…]}, got string`},
		path("07-bad-records.json"): {
			"record 1: eventTime: want RFC 3339 string, got number",
			"record 2: want a JSON object, got null",
			"record 3: awsRegion: missing",
		},
		path("08-bad-lines.jsonl"): {
			"line 2: invalid JSON at byte 11: unexpected end of JSON input",
			"line 3: eventName: want string, got number",
		},
		path("10-bad-gzip.jsonl.gz"): {"gzip: truncated stream (unexpected EOF)"},
	}
	if len(sum.Errors) != len(wantErrs) {
		t.Errorf("errors for %d files, want %d: %+v", len(sum.Errors), len(wantErrs), sum.Errors)
	}
	for f, msgs := range wantErrs {
		fe := sum.Errors[f]
		if fe == nil || fe.Count != len(msgs) || len(fe.Messages) != len(msgs) {
			t.Errorf("%s: errors %+v, want %q", f, fe, msgs)
			continue
		}
		for i, m := range msgs {
			if !strings.HasPrefix(fe.Messages[i], m) {
				t.Errorf("%s: error %d = %q, want prefix %q", f, i, fe.Messages[i], m)
			}
		}
	}
	if sum.Malformed != 5 || sum.Skipped[SkipAWSService] != 1 {
		t.Errorf("malformed %d, skipped %v", sum.Malformed, sum.Skipped)
	}
}

func TestCorruptGzipNDJSONKeepsEarlierRecords(t *testing.T) {
	var lines strings.Builder
	for i := range 100 {
		fmt.Fprintln(&lines, recN(t, fmt.Sprintf("n%03d", i)))
	}
	gz := gzipBytes([]byte(lines.String()))
	dir := t.TempDir()
	p := write(t, dir, "x.jsonl.gz", gz[:len(gz)*3/4])
	sum, sink := runIngest(t, []string{p}, Options{BatchSize: 10})
	if sum.FilesFailed != 1 || sink.count() == 0 || sink.count() == 100 {
		t.Fatalf("stored %d, summary %+v", sink.count(), sum)
	}
	if fe := sum.Errors[p]; fe == nil || !strings.Contains(fe.Messages[len(fe.Messages)-1], "gzip") {
		t.Fatalf("errors %+v", sum.Errors)
	}
}

func TestFileVanishesBeforeRead(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.json", []byte(recordsDoc(recN(t, "a"))))
	gone := write(t, dir, "b.json", []byte(recordsDoc(recN(t, "b"))))
	tasks, err := collectTasks(context.Background(), []string{dir})
	if err != nil || len(tasks) != 2 {
		t.Fatal(tasks, err)
	}
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	sink := newMapSink()
	opts := Options{Catalog: testCatalog(t)}
	opts.EnsureDefaults()
	sum, err := runTasks(context.Background(), listedTasks(tasks), sink, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sink.count() != 1 || sum.FilesRead != 1 || sum.FilesFailed != 1 {
		t.Fatalf("summary %+v", sum)
	}
	if fe := sum.Errors[gone]; fe == nil || !strings.Contains(fe.Messages[0], "no such file") {
		t.Fatalf("errors %+v", sum.Errors)
	}
}

func TestDuplicatesAndIdempotence(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.json", []byte(recordsDoc(recN(t, "x"), recN(t, "y"), recN(t, "x"))))
	write(t, dir, "b.jsonl", []byte(recN(t, "y")+"\n"+recN(t, "z")))
	sink := newMapSink()
	opts := Options{Catalog: testCatalog(t)}
	sum, err := Run(context.Background(), []string{dir}, sink, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Ingested != 3 || sum.Duplicates != 2 || sum.Events != 5 {
		t.Fatalf("first run %+v", sum)
	}
	again, err := Run(context.Background(), []string{dir}, sink, opts)
	if err != nil {
		t.Fatal(err)
	}
	if again.Ingested != 0 || again.Duplicates != 5 || sink.count() != 3 {
		t.Fatalf("second run %+v", again)
	}
}

func TestBatching(t *testing.T) {
	dir := t.TempDir()
	file := func(name string, n int) {
		var recs []string
		for i := range n {
			recs = append(recs, recN(t, fmt.Sprintf("%s-%d", name, i)))
		}
		write(t, dir, name, []byte(recordsDoc(recs...)))
	}
	file("a.json", 3)
	file("b.json", 4)
	file("c.json", 2)
	file("d.json", 12) // alone larger than a batch: split
	file("e.json", 5)
	var lines strings.Builder
	for i := range 11 {
		fmt.Fprintln(&lines, recN(t, fmt.Sprintf("f-%d", i)))
	}
	write(t, dir, "f.jsonl", []byte(lines.String()))
	sum, sink := runIngest(t, []string{dir}, Options{BatchSize: 5})
	checkSummary(t, &sum, sink)
	// a+c would fit but b comes between: files are never reordered or split.
	want := []int{3, 4, 2, 5, 5, 2, 5, 5, 5, 1}
	if !reflect.DeepEqual(sink.calls, want) {
		t.Fatalf("Append sizes %v, want %v", sink.calls, want)
	}
}

func TestAppendErrorFailsFilesOfTheBatch(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.json", []byte(recordsDoc(recN(t, "a1"), recN(t, "a2"))))
	write(t, dir, "b.json", []byte(recordsDoc(recN(t, "b1"), recN(t, "poison"))))
	write(t, dir, "c.json", []byte(recordsDoc(recN(t, "c1"), recN(t, "c2"))))
	write(t, dir, "d.json", []byte(recordsDoc(recN(t, "d1"))))
	sink := newMapSink()
	sink.fail = func(evs []engine.Event) error {
		for _, e := range evs {
			if e.ID == "poison" {
				return errors.New("disk full")
			}
		}
		return nil
	}
	sum, err := Run(context.Background(), []string{dir}, sink, Options{Catalog: testCatalog(t), BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	// Batches: [a b] fails, [c d] is stored.
	if got := ids(sink); !reflect.DeepEqual(got, []string{"c1", "c2", "d1"}) {
		t.Fatalf("stored %v", got)
	}
	if sum.FilesRead != 2 || sum.FilesFailed != 2 || !sum.Failed() || sum.Ingested != 3 {
		t.Fatalf("summary %+v", sum)
	}
	for _, f := range []string{"a.json", "b.json"} {
		fe := sum.Errors[filepath.Join(dir, f)]
		if fe == nil || fe.Messages[0] != "storing events: disk full" {
			t.Fatalf("%s: errors %+v", f, sum.Errors)
		}
	}
}

type panicSink struct{}

func (panicSink) Append(context.Context, []engine.Event) (engine.AppendResult, error) {
	panic("boom")
}

func TestSinkPanicFailsFile(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.json", []byte(recordsDoc(recN(t, "a1"))))
	sum, err := Run(context.Background(), []string{dir}, panicSink{}, Options{Catalog: testCatalog(t)})
	if err != nil {
		t.Fatal(err)
	}
	if sum.FilesFailed != 1 || !strings.Contains(sum.Errors[filepath.Join(dir, "a.json")].Messages[0], "sink panicked: boom") {
		t.Fatalf("summary %+v", sum)
	}
}

// TestWorkersDeterministic ingests a generated export with 1 and 4
// workers, and with the fast decoder off: the summaries and the stored
// events (in order) must be identical.
func TestWorkersDeterministic(t *testing.T) {
	dir := t.TempDir()
	g := newFixtureGen(11)
	for i := range 24 {
		var data []byte
		switch i % 4 {
		case 0:
			data = gzipBytes(g.recordsFile(40 + i))
		case 1:
			data = g.recordsFile(7)
		case 2:
			data = g.ndjson(30)
		case 3:
			data = gzipBytes(g.ndjson(9))
		}
		ext := [...]string{".json.gz", ".json", ".jsonl", ".jsonl.gz"}[i%4]
		write(t, dir, fmt.Sprintf("AWSLogs/1111222233%02d/CloudTrail/us-east-1/f%02d%s", i%3, i, ext), data)
	}
	// Some trouble too: a bad record, a bad file, a duplicate.
	write(t, dir, "AWSLogs/x/bad.json", []byte(recordsDoc(recN(t, "dup"), rec(t, "eventTime", 5))))
	write(t, dir, "AWSLogs/x/broken.json", []byte(`{"Records":[`))
	write(t, dir, "AWSLogs/x/dup.jsonl", []byte(recN(t, "dup")))

	run := func(opts Options) (Summary, []engine.Event) {
		sum, sink := runIngest(t, []string{dir}, opts)
		checkSummary(t, &sum, sink)
		sum.Elapsed = 0
		return sum, sink.events
	}
	sum1, ev1 := run(Options{Workers: 1, BatchSize: 50})
	sum4, ev4 := run(Options{Workers: 4, BatchSize: 50})
	slow, evSlow := run(Options{Workers: 3, BatchSize: 50, slowOnly: true})
	if !reflect.DeepEqual(sum1, sum4) || !reflect.DeepEqual(sum1, slow) {
		t.Fatalf("summaries differ:\n1: %+v\n4: %+v\nslow: %+v", sum1, sum4, slow)
	}
	if !reflect.DeepEqual(ev1, ev4) || !reflect.DeepEqual(ev1, evSlow) {
		t.Fatal("events differ")
	}
	if sum1.Events == 0 || sum1.Skipped[SkipAWSService] == 0 || sum1.Duplicates != 1 || sum1.Malformed != 1 || sum1.FilesFailed != 1 {
		t.Fatalf("summary %+v", sum1)
	}
}

// blockingReader blocks until its context ends.
type blockingReader struct{ ctx context.Context }

func (r blockingReader) Read([]byte) (int, error) {
	<-r.ctx.Done()
	return 0, io.EOF
}

func TestCancel(t *testing.T) {
	readerCtx, stopReader := context.WithCancel(context.Background())
	defer stopReader()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := Run(ctx, []string{"-"}, newMapSink(), Options{Catalog: testCatalog(t), Stdin: blockingReader{readerCtx}})
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, []string{t.TempDir()}, newMapSink(), Options{Catalog: testCatalog(t)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestOptionsValidate(t *testing.T) {
	_, err := Run(context.Background(), nil, newMapSink(), Options{Workers: -1, BatchSize: -2})
	if err == nil || !strings.Contains(err.Error(), "Workers -1") || !strings.Contains(err.Error(), "BatchSize -2") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Run(context.Background(), nil, nil, Options{}); err == nil {
		t.Fatal("nil sink accepted")
	}
}

func TestMaxFileSize(t *testing.T) {
	dir := t.TempDir()
	big := newFixtureGen(1).recordsFile(50)
	p := write(t, dir, "big.json.gz", gzipBytes(big))
	sum, sink := runIngest(t, []string{p}, Options{MaxFileSize: int64(len(big) / 2)})
	if sink.count() != 0 || sum.FilesFailed != 1 || !strings.Contains(sum.Errors[p].Messages[0], "larger than") {
		t.Fatalf("summary %+v", sum)
	}
}

func TestUnknownSourcesCounted(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.json", []byte(recordsDoc(
		rec(t, "eventID", "u1", "eventSource", "brandnew.amazonaws.com"),
		rec(t, "eventID", "u2", "eventSource", "brandnew.amazonaws.com"),
		rec(t, "eventID", "u3", "eventSource", "other.example.com"),
		rec(t, "eventID", "k1", "eventSource", "monitoring.amazonaws.com"),
	)))
	sum, sink := runIngest(t, []string{dir}, Options{})
	want := map[string]int64{"brandnew.amazonaws.com": 2, "other.example.com": 1}
	if !reflect.DeepEqual(sum.UnknownEventSources, want) || sink.count() != 4 || sum.Failed() {
		t.Fatalf("unknown sources %v, summary %+v", sum.UnknownEventSources, sum)
	}
	for _, e := range sink.events {
		if e.ID == "u1" && e.Namespace != "brandnew" {
			t.Fatalf("namespace %q", e.Namespace)
		}
	}
}
