package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"lastaccess/internal/gen"
)

// TestCrashIngestEventsCall is issue 17 row 8's choice under test: one CALL
// ingest_events commits its events in parts, so a server killed
// (SIGKILL) during a large call keeps the parts committed before — and
// sending the same records again is the recovery, storing the rest once.
// Each round kills the server a random moment into the call, restarts it,
// finds `lastaccess check` consistent and between none and all of the
// events stored, resends the call (its Ingested and Duplicates add up to
// the records' events, Duplicates being what was stored) and ends in the
// state of one clean call.
func TestCrashIngestEventsCall(t *testing.T) {
	dir := t.TempDir()
	cfg := gen.Sample()
	cfg.Accounts, cfg.Records, cfg.Services = 30, 10_000, 40
	org, err := gen.Organization(cfg)
	if err != nil {
		t.Fatal(err)
	}
	orgFile := filepath.Join(dir, "org.json")
	var orgJSON bytes.Buffer
	if err := org.WriteOrgJSON(&orgJSON); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(orgFile, orgJSON.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var records bytes.Buffer
	if _, err := gen.WriteNDJSON(cfg, &records); err != nil {
		t.Fatal(err)
	}
	text := records.String()

	// One clean call: the state every round must end in, and how long a
	// call takes.
	clean := cli{t, filepath.Join(t.TempDir(), "clean")}
	clean.ok("org", "import", orgFile)
	p := startServe(t, clean.data, crashServeEnv())
	start := time.Now()
	want := ingestEventsCall(t, p, text)
	took := time.Since(start)
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	wantCheck := clean.check()
	t.Logf("a clean call: %d events of %d records (%d MB), %d stored, in %s", want.events, want.records, len(text)>>20, want.ingested, took.Round(time.Millisecond))

	seed := crashSeed(t)
	r := rand.New(rand.NewPCG(seed, 8))
	partial := 0
	for round := range serveCrashRounds() {
		c := cli{t, filepath.Join(t.TempDir(), fmt.Sprintf("round%d", round))}
		c.ok("org", "import", orgFile)
		p := startServe(t, c.data, crashServeEnv())
		done := make(chan error, 1)
		go func() {
			db := p.db("root", crashServePassword)
			_, err := db.Exec("CALL ingest_events(?)", text)
			done <- err
		}()
		delay := time.Duration(float64(took) * (0.5 + 0.5*r.Float64()))
		time.Sleep(delay)
		p.cmd.Process.Signal(syscall.SIGKILL)
		if err := <-p.exited; !killedBy(err, syscall.SIGKILL) {
			t.Fatalf("round %d: serve exit %v, want killed", round, err)
		}
		callErr := <-done

		got := c.check() // fails on an inconsistent store
		stored, err := strconv.Atoi(got.events)
		if err != nil || stored < 0 || stored > want.ingested {
			t.Fatalf("round %d: %q events stored of %d", round, got.events, want.ingested)
		}
		if stored > 0 && stored < want.ingested {
			partial++
		}
		t.Logf("round %d (seed %d): killed %s into the call (%v): %d of %d events stored", round, seed, delay.Round(time.Millisecond), callErr, stored, want.ingested)

		p = startServe(t, c.data, crashServeEnv())
		again := ingestEventsCall(t, p, text)
		if again.ingested+again.duplicates != want.events || again.ingested+stored != want.ingested {
			t.Fatalf("round %d: the resend counted %d ingested + %d duplicates, want %d events of which %d new",
				round, again.ingested, again.duplicates, want.events, want.ingested-stored)
		}
		if err := p.stop(); err != nil {
			t.Fatal(err)
		}
		if got := c.check(); got != wantCheck {
			t.Fatalf("round %d (seed %d): after the kill and a resend %+v, one clean call gives %+v", round, seed, got, wantCheck)
		}
	}
	t.Logf("%d rounds of %d killed the call between two of its commits", partial, serveCrashRounds())
}

// ingestCounts are the columns of ingest_events' row.
type ingestCounts struct {
	records, events, ingested, duplicates int
}

func ingestEventsCall(t *testing.T, p *serveProc, text string) ingestCounts {
	t.Helper()
	db := p.db("root", crashServePassword)
	var c ingestCounts
	var skipped, malformed int
	var reasons, unknown sql.NullString
	if err := db.QueryRow("CALL ingest_events(?)", text).Scan(&c.records, &c.events, &c.ingested, &c.duplicates, &skipped, &malformed, &reasons, &unknown); err != nil {
		t.Fatalf("CALL ingest_events: %v", err)
	}
	return c
}
