package ingest

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the progress goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProgressLine(t *testing.T) {
	p := &progress{}
	for range 10 {
		p.found()
	}
	p.fileDone()
	p.fileDone()
	p.add(5000, 4e6)
	if got, want := p.line(2*time.Second), "ingest: 2/10 files, 5000 records, 2500 records/s, 2.0 MB/s"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	var nilp *progress // disabled: every method is a no-op
	nilp.add(1, 1)
	nilp.found()
	nilp.fileDone()
	nilp.stop()
}

func TestProgressShownAndCleared(t *testing.T) {
	var out syncBuffer
	opts := Options{Progress: &out, forceProgress: true, progressInterval: time.Millisecond}
	opts.EnsureDefaults()
	p := startProgress(&opts)
	p.add(7, 100)
	for !strings.Contains(out.String(), "7 records") {
		time.Sleep(time.Millisecond) // the display redraws every millisecond
	}
	p.stop()
	s := out.String()
	if !strings.HasPrefix(s, "\r") || !strings.HasSuffix(s, "\r\x1b[K") {
		t.Fatalf("output %q", s)
	}
}

func TestProgressOnlyOnTerminal(t *testing.T) {
	var out syncBuffer
	for _, opts := range []Options{
		{Progress: &out}, // not a terminal
		{Progress: &out, forceProgress: true, NoProgress: true}, // forced off
		{}, // no writer
	} {
		if p := startProgress(&opts); p != nil {
			p.stop()
			t.Fatalf("progress started for %+v", opts)
		}
	}
	dir := t.TempDir()
	write(t, dir, "a.json", []byte(recordsDoc(recN(t, "a"))))
	runIngest(t, []string{dir}, Options{Progress: &out})
	if out.String() != "" {
		t.Fatalf("progress written to a non-terminal: %q", out.String())
	}
}
