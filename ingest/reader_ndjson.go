package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// maxLineSize bounds one NDJSON line; a longer line is a malformed record.
const maxLineSize = 64 << 20

// lineReader reads lines of any length up to maxLineSize.
type lineReader struct {
	br   *bufio.Reader
	long []byte
	line int // number of the line last returned, 1-based
}

// next returns the next line without its newline; the slice is valid until
// the next call. tooLong reports a line beyond maxLineSize, whose bytes are
// dropped. At the end of input it returns io.EOF.
func (lr *lineReader) next() (line []byte, tooLong bool, err error) {
	lr.long = lr.long[:0]
	for {
		frag, err := lr.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if !tooLong {
				if len(lr.long)+len(frag) > maxLineSize {
					tooLong = true
					lr.long = lr.long[:0]
				} else {
					lr.long = append(lr.long, frag...)
				}
			}
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, false, err
		}
		if errors.Is(err, io.EOF) && len(frag) == 0 && len(lr.long) == 0 && !tooLong {
			return nil, false, io.EOF
		}
		// frag ends the line, with its newline or at the end of input.
		lr.line++
		frag = bytes.TrimSuffix(frag, []byte{'\n'})
		if tooLong || len(lr.long)+len(frag) > maxLineSize {
			return nil, true, nil
		}
		if len(lr.long) == 0 {
			return frag, false, nil
		}
		lr.long = append(lr.long, frag...)
		return lr.long, false, nil
	}
}

// ndjsonDecoder decodes NDJSON lines into an accumulator and hands chunks on.
type ndjsonDecoder struct {
	acc      *accumulator
	batch    int  // events per chunk
	slowOnly bool // skip the fast decoder (tests)
	emit     func(*chunk) bool
	rawBase  int64 // raw bytes already accounted
	live     bool  // a live stream: chunks are appended as they come
}

func (d *ndjsonDecoder) decodeLine(line []byte, tooLong bool, lineNo int) {
	d.acc.sum.BytesDecoded += int64(len(line)) + 1
	if tooLong {
		d.acc.sum.Records++
		d.acc.sum.Malformed++
		e := &RecordError{File: d.acc.file, Index: -1, Line: lineNo, Msg: fmt.Sprintf("line longer than %d bytes", maxLineSize)}
		d.acc.sum.addError(d.acc.file, messageWithoutFile(e))
		return
	}
	if len(trimJSONSpace(line)) == 0 {
		return
	}
	r, p := decodeRecord(line, d.slowOnly)
	d.acc.add(r, p, -1, lineNo, line)
}

// flush hands on what has accumulated; rawNow is the count of raw bytes
// read so far. It returns false when the run is cancelled.
func (d *ndjsonDecoder) flush(rawNow int64, last bool, err error) bool {
	c := &chunk{events: d.acc.events, sum: d.acc.sum, err: err, last: last, now: d.live}
	c.sum.BytesRead = rawNow - d.rawBase
	d.rawBase = rawNow
	d.acc.events = nil
	d.acc.sum = Summary{}
	return d.emit(c)
}

// decodeNDJSONStream decodes r line by line. Each line is independent: a
// bad line is a malformed record, named by its line number. Events are
// handed on every d.batch events and at the end, so a chunk never waits for
// the whole file. A read error (a corrupt gzip stream, an I/O error) ends
// the file with a file error: the records before it have been handed on and
// may already be stored.
func decodeNDJSONStream(ctx context.Context, d *ndjsonDecoder, r io.Reader) error {
	br, raw, closeFn, err := openStream(r)
	if err != nil {
		d.flush(raw.n, true, err)
		return ctx.Err()
	}
	defer closeFn()
	lr := &lineReader{br: br}
	for {
		line, tooLong, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			d.flush(raw.n, true, err)
			return ctx.Err()
		}
		d.decodeLine(line, tooLong, lr.line)
		if len(d.acc.events) >= d.batch {
			if !d.flush(raw.n, false, nil) {
				return ctx.Err()
			}
		}
		if lr.line%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
	}
	d.flush(raw.n, true, nil)
	return ctx.Err()
}

// lineBatch is a run of lines read from a live stream.
type lineBatch struct {
	lines   [][]byte
	tooLong []bool
	first   int   // line number of lines[0]
	raw     int64 // raw bytes read from the stream when the batch was sent
	err     error
}

// decodeLiveStream is decodeNDJSONStream for a stream whose records arrive
// over time (stdin): a reader goroutine hands lines over as they arrive,
// and the decoder hands on its events at least every flushEvery, so that
// records are stored while the stream is still open.
//
// The reader goroutine ends at the end of input or when ctx is cancelled;
// a Read blocked on the stream cannot be interrupted, so after a cancel it
// ends at the stream's next data or EOF.
func decodeLiveStream(ctx context.Context, d *ndjsonDecoder, r io.Reader, flushEvery time.Duration) error {
	d.live = true
	br, raw, closeFn, err := openStream(r)
	if err != nil {
		d.flush(raw.n, true, err)
		return ctx.Err()
	}
	batches := make(chan lineBatch, 4)
	go func() {
		defer close(batches)
		defer closeFn()
		lr := &lineReader{br: br}
		var b lineBatch
		send := func() bool {
			b.raw = raw.n
			select {
			case batches <- b:
				b = lineBatch{}
				return true
			case <-ctx.Done():
				return false
			}
		}
		for {
			line, tooLong, err := lr.next()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					b.err = err
				}
				send()
				return
			}
			if len(b.lines) == 0 {
				b.first = lr.line
			}
			b.lines = append(b.lines, bytes.Clone(line))
			b.tooLong = append(b.tooLong, tooLong)
			// Hand the lines over when the batch is full or the next read
			// would wait for the writer.
			if len(b.lines) >= 256 || br.Buffered() == 0 {
				if !send() {
					return
				}
			}
		}
	}()

	var rawNow int64 // raw.n as of the last batch received
	timer := time.NewTimer(flushEvery)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			if d.acc.sum.Records > 0 || d.acc.sum.BytesDecoded > 0 {
				if !d.flush(rawNow, false, nil) {
					return ctx.Err()
				}
			}
			timer.Reset(flushEvery)
		case b, ok := <-batches:
			if !ok {
				d.flush(rawNow, true, nil)
				return ctx.Err()
			}
			rawNow = b.raw
			for i, line := range b.lines {
				d.decodeLine(line, b.tooLong[i], b.first+i)
				if len(d.acc.events) >= d.batch {
					if !d.flush(rawNow, false, nil) {
						return ctx.Err()
					}
				}
			}
			if b.err != nil {
				d.flush(rawNow, true, b.err)
				// Let the reader goroutine end: it closes batches after this.
				for range batches {
				}
				return ctx.Err()
			}
		}
	}
}
