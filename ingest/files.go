package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	kgzip "github.com/klauspost/compress/gzip"
)

// fileKind is what a path holds, by its name.
type fileKind uint8

const (
	kindRecords fileKind = iota + 1 // .json, .json.gz: {"Records":[…]}
	kindNDJSON                      // .jsonl, .ndjson, optionally .gz: one record per line
	kindStdin                       // "-": NDJSON on standard input
	kindDigest                      // CloudTrail digest files: skipped
	kindInsight                     // CloudTrail Insights files: skipped
	kindOther                       // anything else: skipped in directories, an error when named
)

// StdinPath is the path that names standard input.
const StdinPath = "-"

// kindOfPath classifies a file by its path. Digest and Insights files are
// recognized anywhere in an S3 export layout (AWSLogs/<acct>/CloudTrail-Digest/…,
// …_CloudTrail-Digest_….json.gz, AWSLogs/<acct>/CloudTrail-Insight/…).
func kindOfPath(path string) fileKind {
	if path == StdinPath {
		return kindStdin
	}
	p := filepath.ToSlash(path)
	switch {
	case strings.Contains(p, "CloudTrail-Digest"):
		return kindDigest
	case strings.Contains(p, "CloudTrail-Insight"):
		return kindInsight
	}
	name := strings.ToLower(filepath.Base(path))
	name = strings.TrimSuffix(name, ".gz")
	switch {
	case strings.HasSuffix(name, ".json"):
		return kindRecords
	case strings.HasSuffix(name, ".jsonl"), strings.HasSuffix(name, ".ndjson"):
		return kindNDJSON
	}
	return kindOther
}

// task is one input file of a run, in the order the run commits it.
type task struct {
	path string   // as given, or as found under a given directory; names the file in errors
	kind fileKind //
	err  error    // set when the path could not be listed: the file fails with it
	size int64    // bytes on disk when listed (0 when unknown): bounds decoding ahead
}

// collectTasks expands paths into files: directories are walked
// recursively in lexical order, "-" is standard input. A path named twice
// (after filepath.Clean) is read once. A file named explicitly whose type is
// unknown is an error; one found in a directory is skipped.
func collectTasks(ctx context.Context, paths []string) ([]task, error) {
	var tasks []task
	err := walkTasks(ctx, paths, func(t task) bool {
		tasks = append(tasks, t)
		return true
	})
	if err != nil {
		return nil, err
	}
	return tasks, nil
}

// walkTasks is collectTasks handing each task to emit as it is found, so
// decoding starts while a large tree is still being listed. It stops when
// emit returns false, and returns only ctx's error.
func walkTasks(ctx context.Context, paths []string, emit func(task) bool) error {
	seen := make(map[string]bool)
	stopped := errors.New("stopped")
	add := func(t task) error {
		key := t.path
		if t.kind != kindStdin {
			key = filepath.Clean(key)
		}
		if seen[key] {
			return nil
		}
		seen[key] = true
		if !emit(t) {
			return stopped
		}
		return nil
	}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		switch info, serr := os.Stat(p); {
		case p == StdinPath:
			err = add(task{path: p, kind: kindStdin})
		case serr != nil:
			err = add(task{path: p, kind: kindOther, err: serr})
		case !info.IsDir():
			k := kindOfPath(p)
			t := task{path: p, kind: k, size: info.Size()}
			if k == kindOther {
				t.err = fmt.Errorf("unknown file type: want .json, .json.gz, .jsonl, .ndjson (optionally .gz) or a directory")
			}
			err = add(t)
		default:
			err = walkDir(ctx, p, add)
		}
		if errors.Is(err, stopped) {
			return ctx.Err()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// walkDir adds the files under dir in lexical order. Its error is ctx's or
// add's.
func walkDir(ctx context.Context, dir string, add func(task) error) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			// An unreadable directory or entry: report it as a failed
			// file and go on with the rest of the tree.
			if aerr := add(task{path: path, kind: kindOther, err: err}); aerr != nil {
				return aerr
			}
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		k := kindOfPath(path)
		if d.Type()&fs.ModeSymlink != 0 {
			// A link to a file counts as the file; a link to a
			// directory is not followed (no cycles).
			if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
				k = kindOther
			}
		} else if !d.Type().IsRegular() {
			k = kindOther
		}
		t := task{path: path, kind: k}
		if k == kindRecords || k == kindNDJSON {
			if info, err := d.Info(); err == nil {
				t.size = info.Size()
			}
		}
		return add(t)
	})
}

var gzipMagic = []byte{0x1f, 0x8b}

// fileReader reads whole files into buffers it reuses; one per worker.
type fileReader struct {
	raw, plain []byte
	gz         *kgzip.Reader
	maxSize    int64
}

// readWhole reads a file and gunzips it when its content starts with the
// gzip magic bytes (whatever its extension says). The returned slice is
// valid until the next call. compressed is the size of the file.
func (fr *fileReader) readWhole(path string) (data []byte, compressed int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	raw, err := readInto(fr.raw[:0], f, fr.maxSize)
	fr.raw = raw[:0]
	if err != nil {
		return nil, int64(len(raw)), err
	}
	if !bytes.HasPrefix(raw, gzipMagic) {
		return raw, int64(len(raw)), nil
	}
	plain, err := fr.gunzip(raw)
	return plain, int64(len(raw)), err
}

func (fr *fileReader) gunzip(raw []byte) ([]byte, error) {
	var err error
	if fr.gz == nil {
		fr.gz, err = kgzip.NewReader(bytes.NewReader(raw))
	} else {
		err = fr.gz.Reset(bytes.NewReader(raw))
	}
	if err != nil {
		return nil, gzipError(err)
	}
	plain, err := readInto(fr.plain[:0], fr.gz, fr.maxSize)
	fr.plain = plain[:0]
	if err != nil {
		return nil, gzipError(err)
	}
	return plain, nil
}

// gzipError names a corrupt or truncated gzip stream as malformed content;
// an error of the limit stays as it is.
func gzipError(err error) error {
	var tl *tooLarge
	if errors.As(err, &tl) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return malformedf("gzip: truncated stream (unexpected EOF)")
	}
	return malformedf("gzip: %v", err)
}

type tooLarge struct{ limit int64 }

func (e *tooLarge) Error() string {
	return fmt.Sprintf("larger than %s uncompressed (Options.MaxFileSize)", formatBytes(e.limit))
}

// readInto appends all of r to buf, failing beyond limit bytes.
func readInto(buf []byte, r io.Reader, limit int64) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, &tooLarge{limit}
		}
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// countingReader counts the bytes read through it and remembers the last
// error other than io.EOF, so that an I/O error under a gzip reader is not
// taken for corrupt gzip.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		c.err = err
	}
	return n, err
}

// gzipStream maps the errors of a gzip reader: an error of the underlying
// stream stays as it is, any other is corrupt content.
type gzipStream struct {
	gz  *kgzip.Reader
	raw *countingReader
}

func (g *gzipStream) Read(p []byte) (int, error) {
	n, err := g.gz.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		if g.raw.err != nil {
			return n, g.raw.err
		}
		return n, gzipError(err)
	}
	return n, err
}

// openStream prepares a byte stream of NDJSON: gunzipped when it starts
// with the gzip magic. raw counts the bytes read from r.
func openStream(r io.Reader) (lines *bufio.Reader, raw *countingReader, closeFn func() error, err error) {
	raw = &countingReader{r: r}
	br := bufio.NewReaderSize(raw, 256<<10)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, raw, nil, err
	}
	if !bytes.Equal(magic, gzipMagic) {
		return br, raw, func() error { return nil }, nil
	}
	gz, err := kgzip.NewReader(br)
	if err != nil {
		if raw.err != nil {
			return nil, raw, nil, raw.err
		}
		return nil, raw, nil, gzipError(err)
	}
	return bufio.NewReaderSize(&gzipStream{gz: gz, raw: raw}, 256<<10), raw, gz.Close, nil
}
