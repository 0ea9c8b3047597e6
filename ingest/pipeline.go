package ingest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"lastaccess/engine"
)

// Sink stores events. Run calls it from a single goroutine.
type Sink interface {
	// Append stores the events whose identity (caller account, event
	// source, eventTime, eventID) is not stored yet, atomically per call.
	Append(ctx context.Context, events []engine.Event) (engine.AppendResult, error)
}

// taskRun is one task in flight: its worker sends chunks, the committer
// receives them in task order.
type taskRun struct {
	task
	chunks chan *chunk
	weight int64 // of the dispatcher's ahead semaphore, released when committed
}

// How far decoding may run ahead of the sink: files, and their bytes on
// disk (decoded events take about as much memory as their gzipped
// records). A batch of the default size spans tens of files of a
// CloudTrail export, or hundreds of small ones: with room for only a few
// files, the workers sat idle while the sink committed a batch
// (BenchmarkIngest in bench/ measures it).
const (
	aheadFiles = 512
	aheadBytes = 16 << 20
)

// Run reads every path (SPEC §3: files, directories, "-" for NDJSON on
// opts.Stdin) and stores their access events in sink.
//
// Files are decoded in parallel (opts.Workers, one file per task) while a
// single goroutine appends to the sink, in the order of the paths and of
// the directory walk (lexical), so that the summary and the stored events
// do not depend on the number of workers. A Records file is decoded whole
// before any of its events are handed on: a structural error stores nothing
// of it. Events of whole files are packed into Append calls of up to
// opts.BatchSize events; a file with more events is split. An NDJSON file
// or stream is handed on in batches as it is read: a read error part way
// (a corrupt gzip stream) fails the file, and its records before the error
// may already be stored.
//
// A bad file, a malformed record or a failed Append is reported in the
// summary and the run goes on; Summary.Failed tells the caller to exit
// non-zero. The error is non-nil only for invalid options or when ctx ends
// the run, with the summary of what was done so far.
func Run(ctx context.Context, paths []string, sink Sink, opts Options) (Summary, error) {
	start := time.Now()
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return Summary{}, err
	}
	if sink == nil {
		return Summary{}, errors.New("ingest: nil sink")
	}
	walk := func(ctx context.Context, emit func(task) bool) error { return walkTasks(ctx, paths, emit) }
	sum, err := runTasks(ctx, walk, sink, opts)
	sum.Elapsed = time.Since(start)
	return sum, err
}

// taskSource hands tasks to emit in commit order until emit returns
// false or it runs out.
type taskSource func(ctx context.Context, emit func(task) bool) error

// listedTasks is a source of tasks already listed.
func listedTasks(tasks []task) taskSource {
	return func(_ context.Context, emit func(task) bool) error {
		for _, t := range tasks {
			if !emit(t) {
				return nil
			}
		}
		return nil
	}
}

// runTasks is Run with opts defaulted: the directory walk feeds the
// dispatcher as it goes.
func runTasks(ctx context.Context, source taskSource, sink Sink, opts Options) (Summary, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	prog := startProgress(&opts)

	// The dispatcher hands tasks to the workers and, in the same order, to
	// the committer. How far decoding runs ahead of the sink is bounded in
	// files (the ordered channel's capacity) and in their bytes on disk
	// (ahead): far enough that the workers go on decoding while the sink
	// commits a batch of many files, never so far that decoded events of
	// large files pile up in memory.
	ordered := make(chan *taskRun, aheadFiles)
	ahead := semaphore.NewWeighted(aheadBytes)
	work := make(chan *taskRun)
	wg.Go(func() {
		defer close(ordered)
		defer close(work)
		source(ctx, func(t task) bool {
			prog.found()
			tr := &taskRun{task: t, chunks: make(chan *chunk, 2), weight: min(t.size, aheadBytes)}
			if err := ahead.Acquire(ctx, tr.weight); err != nil {
				return false
			}
			select {
			case ordered <- tr:
			case <-ctx.Done():
				return false
			}
			if t.kind == kindDigest || t.kind == kindInsight || (t.kind == kindOther && t.err == nil) {
				close(tr.chunks) // skipped: nothing to decode
				return true
			}
			select {
			case work <- tr:
			case <-ctx.Done():
				return false
			}
			return true
		})
	})
	for range opts.Workers {
		wg.Go(func() {
			w := newWorker(&opts)
			for tr := range work {
				w.do(ctx, tr)
				close(tr.chunks)
			}
		})
	}

	c := &committer{sink: sink, batch: opts.BatchSize, prog: prog, ahead: ahead}
	err := c.run(ctx, ordered)
	cancel()
	wg.Wait()
	prog.stop()
	return c.sum, err
}

// worker decodes tasks; it owns its buffers and normalizer.
type worker struct {
	opts *Options
	fr   fileReader
	norm *normalizer
}

func newWorker(opts *Options) *worker {
	return &worker{opts: opts, fr: fileReader{maxSize: opts.MaxFileSize}, norm: newNormalizer(opts.Catalog)}
}

// do decodes one task and sends its chunks. A panic while decoding fails
// the file instead of the process.
func (w *worker) do(ctx context.Context, tr *taskRun) {
	emit := func(c *chunk) bool {
		select {
		case tr.chunks <- c:
			return true
		case <-ctx.Done():
			return false
		}
	}
	defer func() {
		if r := recover(); r != nil {
			emit(&chunk{err: fmt.Errorf("internal error while decoding: %v", r), last: true})
		}
	}()
	if ctx.Err() != nil {
		return
	}
	switch tr.kind {
	case kindOther:
		emit(&chunk{err: tr.err, last: true})

	case kindRecords:
		data, compressed, err := w.fr.readWhole(tr.path)
		c := &chunk{last: true}
		c.sum.BytesRead = compressed
		if err != nil {
			c.err = err
			emit(c)
			return
		}
		c.sum.BytesDecoded = int64(len(data))
		acc := &accumulator{file: tr.path, n: w.norm}
		if err := decodeRecordsFile(acc, data, w.opts.slowOnly); err != nil {
			c.err = err
			emit(c)
			return
		}
		acc.sum.BytesRead, acc.sum.BytesDecoded = c.sum.BytesRead, c.sum.BytesDecoded
		c.events, c.sum = acc.events, acc.sum
		emit(c)

	case kindNDJSON:
		f, err := os.Open(tr.path)
		if err != nil {
			emit(&chunk{err: err, last: true})
			return
		}
		defer f.Close()
		d := w.ndjson(tr.path, emit)
		decodeNDJSONStream(ctx, d, f)

	case kindStdin:
		d := w.ndjson(tr.path, emit)
		decodeLiveStream(ctx, d, w.opts.Stdin, w.opts.StreamFlushInterval)
	}
}

func (w *worker) ndjson(path string, emit func(*chunk) bool) *ndjsonDecoder {
	return &ndjsonDecoder{
		acc:      &accumulator{file: path, n: w.norm},
		batch:    w.opts.BatchSize,
		slowOnly: w.opts.slowOnly,
		emit:     emit,
	}
}

// fileState follows one file through the committer until all of its events
// are stored or it failed.
type fileState struct {
	path     string
	failed   bool
	done     bool // its last chunk was received
	pending  int  // its units in the pending batch
	finished bool // counted in FilesRead or FilesFailed
}

// unit is a run of events of one file that is appended whole.
type unit struct {
	events []engine.Event
	file   *fileState
}

// committer receives chunks in task order, packs them into batches and is
// the only caller of the sink.
type committer struct {
	sink     Sink
	batch    int
	prog     *progress
	ahead    *semaphore.Weighted
	sum      Summary
	pending  []unit
	pendingN int
}

func (c *committer) run(ctx context.Context, ordered <-chan *taskRun) error {
	for {
		var tr *taskRun
		var ok bool
		select {
		case tr, ok = <-ordered:
		case <-ctx.Done():
			return ctx.Err()
		}
		if !ok {
			break
		}
		err := c.runTask(ctx, tr)
		// Its events are pending or stored: the dispatcher may read on.
		c.ahead.Release(tr.weight)
		if err != nil {
			return err
		}
		c.prog.fileDone()
	}
	if err := c.flush(ctx); err != nil {
		return err
	}
	return ctx.Err()
}

func (c *committer) runTask(ctx context.Context, tr *taskRun) error {
	switch {
	case tr.kind == kindDigest:
		c.sum.FilesSkippedDigest++
	case tr.kind == kindInsight:
		c.sum.FilesSkippedInsight++
	case tr.kind == kindOther && tr.err == nil:
		c.sum.FilesSkippedOther++
	}
	f := &fileState{path: tr.path}
	for {
		var ch *chunk
		var ok bool
		select {
		case ch, ok = <-tr.chunks:
		case <-ctx.Done():
			return ctx.Err()
		}
		if !ok {
			break
		}
		c.sum.Merge(ch.sum)
		c.prog.add(ch.sum.Records, ch.sum.BytesRead)
		if ch.err != nil {
			c.fail(f, ch.err.Error())
		}
		if len(ch.events) > 0 {
			if err := c.add(ctx, unit{events: ch.events, file: f}); err != nil {
				return err
			}
		}
		if ch.now {
			if err := c.flush(ctx); err != nil {
				return err
			}
		}
		if ch.last {
			f.done = true
			c.maybeFinish(f)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if !f.done && !(tr.kind == kindDigest || tr.kind == kindInsight || (tr.kind == kindOther && tr.err == nil)) {
		// The worker ended without a last chunk, which only a cancelled run
		// should do: fail the file rather than count it read.
		c.fail(f, "internal error: decoding ended without the end of the file")
		f.done = true
		c.maybeFinish(f)
	}
	return nil
}

func (c *committer) fail(f *fileState, msg string) {
	f.failed = true
	c.sum.addError(f.path, msg)
}

func (c *committer) maybeFinish(f *fileState) {
	if f.finished || !f.done || f.pending > 0 {
		return
	}
	f.finished = true
	if f.failed {
		c.sum.FilesFailed++
	} else {
		c.sum.FilesRead++
	}
}

// add queues a unit; a unit larger than a batch is appended in pieces of
// the batch size.
func (c *committer) add(ctx context.Context, u unit) error {
	if c.pendingN > 0 && c.pendingN+len(u.events) > c.batch {
		if err := c.flush(ctx); err != nil {
			return err
		}
	}
	if len(u.events) <= c.batch {
		c.pending = append(c.pending, u)
		c.pendingN += len(u.events)
		u.file.pending++
		return nil
	}
	for evs := u.events; len(evs) > 0; {
		n := min(len(evs), c.batch)
		c.pending = append(c.pending, unit{events: evs[:n], file: u.file})
		c.pendingN = n
		u.file.pending++
		if err := c.flush(ctx); err != nil {
			return err
		}
		evs = evs[n:]
	}
	return nil
}

// flush appends the pending batch. A failed Append fails the files whose
// events were in it; their other events (NDJSON chunks or pieces of a large
// file appended before) stay stored.
func (c *committer) flush(ctx context.Context) error {
	if len(c.pending) == 0 {
		return nil
	}
	events := c.pending[0].events
	if len(c.pending) > 1 {
		events = make([]engine.Event, 0, c.pendingN)
		for _, u := range c.pending {
			events = append(events, u.events...)
		}
	}
	res, err := safeAppend(ctx, c.sink, events)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		var last *fileState
		for _, u := range c.pending {
			if u.file != last {
				c.fail(u.file, "storing events: "+err.Error())
				last = u.file
			}
		}
	} else {
		c.sum.Ingested += int64(res.Ingested)
		c.sum.Duplicates += int64(res.Duplicates)
	}
	pending := c.pending
	c.pending, c.pendingN = c.pending[:0], 0
	for _, u := range pending {
		u.file.pending--
		c.maybeFinish(u.file)
	}
	clear(pending)
	return nil
}

// safeAppend calls the sink, turning a panic into an error.
func safeAppend(ctx context.Context, sink Sink, events []engine.Event) (res engine.AppendResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sink panicked: %v", r)
		}
	}()
	return sink.Append(ctx, events)
}
