package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lastaccess/internal/gen"
)

// TestExactlyOnce: overlapping and repeated exports, the same records in
// gzipped files and in an NDJSON stream on stdin, and files in reverse
// time order all end in the state of one clean ingest.
func TestExactlyOnce(t *testing.T) {
	dir := t.TempDir()
	cfg := gen.Sample()
	cfg.Accounts, cfg.Records, cfg.RecordsPerFile = 12, 8000, 30
	cfg.DupFraction = 0.03
	org, err := gen.Organization(cfg)
	if err != nil {
		t.Fatal(err)
	}
	orgFile := filepath.Join(dir, "org.json")
	f, _ := os.Create(orgFile)
	org.WriteOrgJSON(f)
	f.Close()
	if _, err := gen.WriteExport(cfg, dir); err != nil {
		t.Fatal(err)
	}
	var ndjson bytes.Buffer
	if _, err := gen.WriteNDJSON(cfg, &ndjson); err != nil {
		t.Fatal(err)
	}
	logs := filepath.Join(dir, "AWSLogs")
	root := rootPath(t, orgFile)

	clean := cli{t, filepath.Join(t.TempDir(), "clean")}
	clean.ok("org", "import", orgFile)
	clean.ok("ingest", "--no-progress", logs)
	want := clean.check()
	wantReport := clean.report(root)

	var files []string
	filepath.WalkDir(logs, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(p, "/CloudTrail/") {
			files = append(files, p)
		}
		return nil
	})
	slices.Sort(files)
	half := files[:len(files)/2]
	reversed := slices.Clone(files)
	slices.Reverse(reversed)

	c := cli{t, filepath.Join(t.TempDir(), "messy")}
	c.ok("org", "import", orgFile)
	c.ok(append([]string{"ingest", "--no-progress"}, half...)...)                    // part of the export
	c.runStdin(ndjson.Bytes(), "ingest", "--no-progress", "-")                       // all of it as a stream
	c.ok(append([]string{"ingest", "--no-progress"}, reversed[:len(files)/3]...)...) // newest files first
	summary := c.ok("ingest", "--no-progress", logs)                                 // and everything again
	if !strings.Contains(summary, "(0 ingested") {
		t.Fatalf("the last full ingest stored something new:\n%s", summary)
	}
	if got := c.check(); got != want {
		t.Fatalf("messy ingest %+v, clean %+v", got, want)
	}
	if got := c.report(root); got != wantReport {
		t.Fatal("report after the messy ingest differs from a clean ingest's")
	}
}

func (c cli) runStdin(stdin []byte, args ...string) string {
	c.t.Helper()
	cmd := exec.Command(binary, append([]string{"--data", c.data}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Env = append(os.Environ(), "LASTACCESS_NOW=", "LASTACCESS_DATA=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		c.t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return string(out)
}

// sharedIDRecord is a CloudTrail record whose identity is (account, event
// source, eventTime, eventID); tests reuse one eventID across the others.
func sharedIDRecord(id, at, source, name, account string) string {
	return fmt.Sprintf(`{"eventVersion":"1.08","eventID":%q,"eventTime":%q,"eventSource":%q,"eventName":%q,`+
		`"awsRegion":"us-east-1","eventType":"AwsApiCall","userIdentity":{"type":"IAMUser","accountId":%q,`+
		`"arn":"arn:aws:iam::%s:user/u","principalId":"AIDAX"},"recipientAccountId":%q}`,
		id, at, source, name, account, account, account)
}

const sharedIDOrg = `{"Organization":{"Id":"o-a1b2c3d4e5","MasterAccountId":"999999999999"},
 "Roots":[{"Id":"r-f6g7","Name":"Root"}],
 "Accounts":[{"Id":"999999999999","Name":"management","ParentId":"r-f6g7"},
  {"Id":"111111111111","Name":"a","ParentId":"r-f6g7"},{"Id":"222222222222","Name":"b","ParentId":"r-f6g7"},
  {"Id":"333333333333","Name":"c","ParentId":"r-f6g7"}]}`

// TestSharedEventIDIngestedOnce is the a.ndjson: two records with
// one eventID, other accounts, services and times, are two records: the
// first ingest stores both, the next ones nothing.
func TestSharedEventIDIngestedOnce(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.ndjson")
	const id = "11111111-1111-1111-1111-111111111111"
	os.WriteFile(file, []byte(sharedIDRecord(id, "2026-10-01T00:00:00Z", "s3.amazonaws.com", "ListBuckets", "111111111111")+"\n"+
		sharedIDRecord(id, "2026-10-02T00:00:00Z", "ec2.amazonaws.com", "DescribeInstances", "222222222222")+"\n"), 0o644)
	c := cli{t, filepath.Join(dir, "d")}
	for i, want := range []string{"(2 ingested, 0 duplicates)", "(0 ingested, 2 duplicates)", "(0 ingested, 2 duplicates)"} {
		if out := c.ok("ingest", "--no-progress", file); !strings.Contains(out, want) {
			t.Fatalf("ingest %d: want %q in\n%s", i+1, want, out)
		}
	}
}

// TestExactlyOnceSharedEventIDs: eventIDs shared across accounts, event
// sources, services and times, with exact copies, ingested as one file,
// split into a file per record in reverse order, into Records files of
// random sizes over several runs, as an NDJSON stream, and through a
// server's CALL ingest_events: every way stores the same events and gives
// the same report.
func TestExactlyOnceSharedEventIDs(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 1))
	accounts := []string{"111111111111", "222222222222", "333333333333"}
	calls := [][2]string{
		{"s3.amazonaws.com", "ListBuckets"}, {"s3-control.amazonaws.com", "ListAccessPoints"},
		{"ec2.amazonaws.com", "DescribeInstances"}, {"lambda.amazonaws.com", "ListFunctions20150331"},
	}
	var unique, input []string
	seen := map[string]bool{}
	for g := range 40 {
		id := fmt.Sprintf("%08d-aaaa-4aaa-8aaa-%012d", g%7, g) // a few ids shared across groups, too
		for range 2 + r.IntN(6) {
			call := calls[r.IntN(len(calls))]
			at := time.Date(2026, 10, 1+r.IntN(3), r.IntN(2), 0, 0, 0, time.UTC).Format(time.RFC3339)
			rec := sharedIDRecord(id, at, call[0], call[1], accounts[r.IntN(len(accounts))])
			input = append(input, rec)
			if r.IntN(5) == 0 {
				input = append(input, rec) // an exact copy
			}
			if !seen[rec] {
				seen[rec] = true
				unique = append(unique, rec)
			}
		}
	}
	dir := t.TempDir()
	orgFile := filepath.Join(dir, "org.json")
	os.WriteFile(orgFile, []byte(sharedIDOrg), 0o644)
	write := func(name string, lines []string) string {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if strings.HasSuffix(name, ".json") {
			os.WriteFile(p, []byte(`{"Records":[`+strings.Join(lines, ",")+`]}`), 0o644)
		} else {
			os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
		}
		return p
	}
	root := "o-a1b2c3d4e5/r-f6g7"

	clean := cli{t, filepath.Join(t.TempDir(), "clean")}
	clean.ok("org", "import", orgFile)
	out := clean.ok("ingest", "--no-progress", write("unique.ndjson", unique))
	if want := fmt.Sprintf("(%d ingested, 0 duplicates)", len(unique)); !strings.Contains(out, want) {
		t.Fatalf("clean ingest of %d distinct records: want %q in\n%s", len(unique), want, out)
	}
	want, wantReport := clean.check(), clean.report(root)

	// A file per record, newest first.
	for i := range input {
		write(fmt.Sprintf("single/%04d.ndjson", len(input)-i), input[i:i+1])
	}
	// Records files of random sizes, in shuffled order, two overlapping runs.
	shuffled := slices.Clone(input)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	var chunks []string
	for rest := shuffled; len(rest) > 0; {
		n := min(len(rest), 1+r.IntN(12))
		chunks = append(chunks, write(fmt.Sprintf("chunks/%03d.json", len(chunks)), rest[:n]))
		rest = rest[n:]
	}

	messy := cli{t, filepath.Join(t.TempDir(), "messy")}
	messy.ok("org", "import", orgFile)
	messy.ok(append([]string{"ingest", "--no-progress"}, chunks[:len(chunks)*2/3]...)...)
	messy.ok(append([]string{"ingest", "--no-progress"}, chunks[len(chunks)/3:]...)...)
	messy.ok("ingest", "--no-progress", filepath.Join(dir, "single"))
	// Everything again, as a stream: nothing new.
	if out := messy.runStdin([]byte(strings.Join(input, "\n")), "ingest", "--no-progress", "-"); !strings.Contains(out, "(0 ingested") {
		t.Fatalf("the stream of every record stored something new:\n%s", out)
	}
	if got := messy.check(); got != want {
		t.Fatalf("split ingests %+v, one clean ingest %+v", got, want)
	}
	if got := messy.report(root); got != wantReport {
		t.Fatalf("report after split ingests differs:\n%s\nwant:\n%s", got, wantReport)
	}

	// Through a server: every record (copies included) in CALL ingest_events.
	served := cli{t, filepath.Join(t.TempDir(), "served")}
	served.ok("org", "import", orgFile)
	p := startServe(t, served.data, crashServeEnv())
	res := ingestViaServe(t, p.addr, write("all/input.ndjson", input), "")
	if res.code != 0 {
		t.Fatalf("ingest --server: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if want := fmt.Sprintf("(%d ingested, %d duplicates)", len(unique), len(input)-len(unique)); !strings.Contains(res.stdout, want) {
		t.Fatalf("ingest --server: want %q in\n%s", want, res.stdout)
	}
	if err := p.stop(); err != nil {
		t.Fatalf("server: %v\n%s", err, p.log())
	}
	if got := served.check(); got != want {
		t.Fatalf("ingest --server %+v, one clean ingest %+v", got, want)
	}
	if got := served.report(root); got != wantReport {
		t.Fatal("report after ingest --server differs from a clean ingest's")
	}
}

// TestRecordWithoutEventIDIngestedOnce: a CloudTrail 1.0 record has no
// eventID; it is counted, identified by its content, in an export file
// as on stdin with its keys in another order: stored once.
func TestRecordWithoutEventIDIngestedOnce(t *testing.T) {
	dir := t.TempDir()
	const v10 = `{"eventVersion":"1.0","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/a","accountId":"111111111111"},` +
		`"eventTime":"2013-11-12T09:08:07Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1"}`
	const reordered = `{"awsRegion":"us-east-1","eventName":"DescribeInstances","eventSource":"ec2.amazonaws.com","eventTime":"2013-11-12T09:08:07Z",` +
		`"userIdentity":{"accountId":"111111111111","arn":"arn:aws:iam::111111111111:user/a","type":"IAMUser"},"eventVersion":"1.0"}`
	file := filepath.Join(dir, "111111111111_CloudTrail_us-east-1_20131112T0910Z_abc.json")
	os.WriteFile(file, []byte(`{"Records":[`+v10+`]}`), 0o644)
	c := cli{t, filepath.Join(dir, "d")}
	if out := c.ok("ingest", "--no-progress", file); !strings.Contains(out, "(1 ingested, 0 duplicates), 0 skipped, 0 malformed") {
		t.Fatalf("first ingest:\n%s", out)
	}
	if out := c.runStdin([]byte(reordered+"\n"), "ingest", "--no-progress", "-"); !strings.Contains(out, "(0 ingested, 1 duplicates)") {
		t.Fatalf("the same record, reordered, on stdin:\n%s", out)
	}
}
