package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The server's side of the crash harness (issue 6 part 1): `lastaccess
// serve` stopped with SIGTERM, or killed with SIGKILL, while `lastaccess
// ingest --server` streams an export into it. Every batch the client saw
// acknowledged must be stored after a restart (the client writes the ids
// of each acknowledged batch to $LASTACCESS_TEST_ACK_LOG), SIGTERM must
// stop the server cleanly (exit 0 after Badger closed), and running the
// ingest again into the restarted server must end in the state of one
// clean ingest (`lastaccess check`'s event count and rollup digest, and a
// report).
//
// LASTACCESS_SERVE_CRASH_ROUNDS sets the rounds per signal (default 2, 1
// with -short); LASTACCESS_CRASH_SEED replays a run.

const crashServePassword = "crash-pw"

func serveCrashRounds() int {
	if n, err := strconv.Atoi(os.Getenv("LASTACCESS_SERVE_CRASH_ROUNDS")); err == nil && n > 0 {
		return n
	}
	if testing.Short() {
		return 1
	}
	return 2
}

func TestCrashServeDuringIngest(t *testing.T) {
	export := crashExport(t)
	orgFile, logs := filepath.Join(export, "org.json"), filepath.Join(export, "AWSLogs")
	root := rootPath(t, orgFile)

	// One clean ingest through a server: the state every round must end in.
	clean := cli{t, filepath.Join(t.TempDir(), "clean")}
	clean.ok("org", "import", orgFile)
	p := startServe(t, clean.data, crashServeEnv())
	acks := filepath.Join(t.TempDir(), "acks")
	full := ingestViaServe(t, p.addr, logs, acks)
	if full.code != 0 {
		t.Fatalf("clean ingest --server: exit %d\n%s%s", full.code, full.stdout, full.stderr)
	}
	if err := p.stop(); err != nil {
		t.Fatalf("clean server: %v\n%s", err, p.log())
	}
	base := serveCrashBase{orgFile: orgFile, logs: logs, root: root, batches: len(readAcks(t, acks)),
		want: clean.check(), wantReport: clean.report(root)}
	if base.batches < 4 {
		t.Fatalf("the export makes %d batches: too few to stop the server between them", base.batches)
	}
	for _, c := range []struct {
		name string
		sig  syscall.Signal
	}{{"SIGTERM", syscall.SIGTERM}, {"SIGKILL", syscall.SIGKILL}} {
		t.Run(c.name, func(t *testing.T) { base.signalDuringIngest(t, c.sig) })
	}
}

// serveCrashBase is the export and what one clean ingest of it gives.
type serveCrashBase struct {
	orgFile, logs, root string
	batches             int // ingest_events calls of one ingest --server
	want                checkOutput
	wantReport          string
}

func (b *serveCrashBase) signalDuringIngest(t *testing.T, sig syscall.Signal) {
	orgFile, logs, root, want, wantReport := b.orgFile, b.logs, b.root, b.want, b.wantReport
	seed := crashSeed(t)
	t.Logf("seed %d (replay with LASTACCESS_CRASH_SEED=%d), %d rounds of %s; an ingest --server makes %d batches",
		seed, seed, serveCrashRounds(), sig, b.batches)
	r := rand.New(rand.NewPCG(seed, uint64(sig)))
	interrupted := 0
	for round := 0; round < serveCrashRounds(); round++ {
		c := cli{t, filepath.Join(t.TempDir(), fmt.Sprintf("round%d", round))}
		c.ok("org", "import", orgFile)
		acks := filepath.Join(t.TempDir(), fmt.Sprintf("acks%d", round))
		p := startServe(t, c.data, crashServeEnv(), "--log-statements")

		// The ingest, and the signal a random time (about the length of
		// a call) after a random batch but the last two is acknowledged:
		// during a call or between two.
		client := startIngestViaServe(t, p.addr, logs, acks)
		after := 1 + r.IntN(b.batches-2)
		delay := time.Duration(r.Int64N(int64(60 * time.Millisecond)))
		for deadline := time.Now().Add(60 * time.Second); len(readAcks(t, acks)) < after && !client.exited(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: no batch acknowledged in 60 s\n%s", round, client.stderr.String())
			}
		}
		time.Sleep(delay)
		p.cmd.Process.Signal(sig)
		var serveErr error
		select {
		case serveErr = <-p.exited:
		case <-time.After(60 * time.Second):
			t.Fatalf("round %d: serve did not exit after %s\n%s", round, sig, p.log())
		}
		res := waitIngest(t, client)
		acked := readAcks(t, acks)
		if sig == syscall.SIGTERM {
			if serveErr != nil || !strings.Contains(p.log(), "msg=stopped") {
				t.Fatalf("round %d: after SIGTERM serve exited with %v (want 0 after a clean stop)\n%s", round, serveErr, p.log())
			}
			if _, after, _ := strings.Cut(p.log(), "shutting down"); strings.Contains(after, "CALL ingest_events") {
				t.Logf("round %d: a CALL ingest_events was running at the SIGTERM and finished", round)
			}
		} else if !killedBy(serveErr, syscall.SIGKILL) {
			t.Fatalf("round %d: serve exit %v, want killed", round, serveErr)
		}
		if res.code == 0 {
			t.Logf("round %d: the ingest finished before the %s", round, sig)
		} else {
			interrupted++
			if res.code != exitPartial || !strings.Contains(res.stdout, "storing events: ") {
				t.Fatalf("round %d: interrupted ingest --server: exit %d\n%s%s", round, res.code, res.stdout, res.stderr)
			}
		}
		ingested, dups := summaryCounts(t, res.stdout)
		ackedEvents := 0
		for _, b := range acked {
			ackedEvents += len(b)
		}
		if int64(ackedEvents) != ingested+dups {
			t.Fatalf("round %d: the summary counts %d+%d acknowledged events, the acknowledgement log %d", round, ingested, dups, ackedEvents)
		}

		// Restarted: every acknowledged event is stored, once.
		p = startServe(t, c.data, crashServeEnv())
		stored := storedEventIDs(t, p)
		missing := 0
		for _, b := range acked {
			for _, id := range b {
				if !stored[id] {
					missing++
				}
			}
		}
		if missing > 0 {
			t.Fatalf("round %d (seed %d): %d of %d acknowledged events are not stored after %s and a restart",
				round, seed, missing, ackedEvents, sig)
		}
		if int64(len(stored)) < ingested {
			t.Fatalf("round %d: %d events stored, the client saw %d ingested", round, len(stored), ingested)
		}
		t.Logf("round %d: %s after %d acknowledged batches (%d events ingested); %d events stored after the restart",
			round, sig, len(acked), ingested, len(stored))

		// Again, to the end: the state of one clean ingest.
		again := ingestViaServe(t, p.addr, logs, "")
		if again.code != 0 {
			t.Fatalf("round %d: ingest --server after the restart: exit %d\n%s%s", round, again.code, again.stdout, again.stderr)
		}
		if n, _ := summaryCounts(t, again.stdout); strconv.Itoa(len(stored)+int(n)) != want.events {
			t.Fatalf("round %d: %d stored + %d ingested again, a clean ingest stores %s", round, len(stored), n, want.events)
		}
		if err := p.stop(); err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, p.log())
		}
		if got := c.check(); got != want {
			t.Fatalf("round %d (seed %d): after %s and a re-run: %+v, a clean ingest gives %+v", round, seed, sig, got, want)
		}
		if rep := c.report(root); rep != wantReport {
			t.Fatalf("round %d (seed %d): the report differs from a clean ingest's", round, seed)
		}
	}
	if interrupted == 0 && serveCrashRounds() > 1 {
		t.Errorf("no round interrupted an ingest")
	}
}

func crashServeEnv() []string {
	return []string{"LASTACCESS_USER=root", "LASTACCESS_PASSWORD=" + crashServePassword}
}

// startIngestViaServe starts `lastaccess ingest --server addr logs`,
// writing acknowledged batches to acks when it is not "".
func startIngestViaServe(t *testing.T, addr, logs, acks string) *ingestProc {
	t.Helper()
	bin := binary
	if acks != "" {
		bin = hookBinary
	}
	cmd := exec.Command(bin, "ingest", "--no-progress", "--server", addr, logs)
	cmd.Env = append(os.Environ(), "LASTACCESS_DATA=", "LASTACCESS_NOW=", "LASTACCESS_TEST_ACK_LOG="+acks)
	cmd.Env = append(cmd.Env, crashServeEnv()...)
	p := &ingestProc{cmd: cmd, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &p.stdout, &p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// ingestProc is a running `lastaccess ingest --server`.
type ingestProc struct {
	cmd            *exec.Cmd
	stdout, stderr lockedBuffer
	done           chan struct{} // closed when it exited; err is then set
	err            error
}

func (p *ingestProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func killedBy(err error, sig syscall.Signal) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == sig
}

func ingestViaServe(t *testing.T, addr, logs, acks string) result {
	t.Helper()
	return waitIngest(t, startIngestViaServe(t, addr, logs, acks))
}

// waitIngest waits for the client, which must not hang on a server that
// went away.
func waitIngest(t *testing.T, p *ingestProc) result {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(120 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("ingest --server did not finish\n%s%s", p.stdout.String(), p.stderr.String())
	}
	code, err := 0, p.err
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{p.stdout.String(), p.stderr.String(), code}
}

// readAcks reads the acknowledged batches' event ids.
func readAcks(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(line) > 0 {
			out = append(out, strings.Fields(string(line)))
		}
	}
	return out
}

var summaryLine = regexp.MustCompile(`\((\d+) ingested, (\d+) duplicates\)`)

// summaryCounts reads the ingested and duplicate counts of an ingest
// summary.
func summaryCounts(t *testing.T, out string) (ingested, dups int64) {
	t.Helper()
	m := summaryLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no counts in the ingest summary:\n%s", out)
	}
	ingested, _ = strconv.ParseInt(m[1], 10, 64)
	dups, _ = strconv.ParseInt(m[2], 10, 64)
	return ingested, dups
}

// storedEventIDs reads every stored event id through the server, and
// checks that none is stored twice.
func storedEventIDs(t *testing.T, p *serveProc) map[string]bool {
	t.Helper()
	db := p.db("root", crashServePassword)
	rows, err := db.Query("SELECT EventId FROM access_events")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ids := map[string]bool{}
	n := 0
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[id] = true
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(ids) {
		t.Fatalf("%d events stored, %d distinct ids", n, len(ids))
	}
	return ids
}
