package ingest

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// progress draws one line, "\r"-rewritten a few times a second, and clears
// it at the end. It is a dozen lines of code, so no progress-bar library:
// the display needs no bar, only counts and rates. A nil *progress does
// nothing.
type progress struct {
	w        io.Writer
	start    time.Time
	interval time.Duration

	// Written by the walk and the committer, read by the drawing goroutine.
	total   atomic.Int64 // files found so far
	files   atomic.Int64
	records atomic.Int64
	bytes   atomic.Int64

	quit chan struct{}
	wg   sync.WaitGroup
}

// startProgress starts the display when opts ask for it and the writer is
// a terminal.
func startProgress(opts *Options) *progress {
	if opts.Progress == nil || opts.NoProgress || !(opts.forceProgress || isTerminal(opts.Progress)) {
		return nil
	}
	p := &progress{w: opts.Progress, start: time.Now(), interval: opts.progressInterval, quit: make(chan struct{})}
	p.wg.Go(p.loop)
	return p
}

// isTerminal reports whether w is a character device, as a terminal is
// (so is /dev/null, where the display is harmless). It needs no dependency.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (p *progress) loop() {
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-t.C:
			io.WriteString(p.w, "\r"+p.line(time.Since(p.start))+"\x1b[K")
		}
	}
}

// line renders the counters after elapsed time.
func (p *progress) line(elapsed time.Duration) string {
	sec := max(elapsed.Seconds(), 1e-9)
	rec, b := p.records.Load(), p.bytes.Load()
	return fmt.Sprintf("ingest: %d/%d files, %d records, %.0f records/s, %.1f MB/s",
		p.files.Load(), p.total.Load(), rec, float64(rec)/sec, float64(b)/1e6/sec)
}

// found counts a file the walk found.
func (p *progress) found() {
	if p != nil {
		p.total.Add(1)
	}
}

func (p *progress) add(records, bytes int64) {
	if p == nil {
		return
	}
	p.records.Add(records)
	p.bytes.Add(bytes)
}

func (p *progress) fileDone() {
	if p == nil {
		return
	}
	p.files.Add(1)
}

// stop ends the display and clears its line.
func (p *progress) stop() {
	if p == nil {
		return
	}
	close(p.quit)
	p.wg.Wait()
	io.WriteString(p.w, "\r\x1b[K")
}
