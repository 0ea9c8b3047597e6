package gen

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"
)

// Manifest counts what WriteExport wrote, in the terms of an ingest summary
// (SPEC §3): a first ingest of the export reads Records records, stores
// Counted, finds Duplicates duplicates and skips Skipped[kind] of each kind.
type Manifest struct {
	OrganizationID string
	Files          int   // log files (digest files not included)
	DigestFiles    int   // CloudTrail-Digest files, which an ingest skips
	Bytes          int64 // size of the log files as written (of the stream for WriteNDJSON)
	Records        int   // records in the log files, duplicates included
	// Counted is the number of distinct records that count (KindCounted).
	Counted int
	// Duplicates is the number of repeated copies of counted records.
	Duplicates int
	// Skipped counts the records of every non-counted Kind, by Kind name
	// (every kind is listed, zeros included).
	Skipped map[string]int
	// Breakdown of Counted.
	AccessDenied  int // with an access-denied errorCode (SCP or not)
	InvokedBy     int // with userIdentity.invokedBy set
	ServiceLinked int // by service-linked roles (left out of Organizations reports)
	DataEvents    int // eventCategory Data
	Legacy        int // eventVersion 1.05, without eventCategory
	// CrossAccount counts the records delivered to another account than the
	// caller's (recipientAccountId != userIdentity.accountId).
	CrossAccount int
	// Accounts and Services with at least one counted record.
	Accounts int
	Services int
}

// tally is a Manifest under construction; tallies of accounts merge by
// addition.
type tally struct {
	files, digests            int
	bytes                     int64
	records, dups             int
	kinds                     [numKinds]int
	denied, invoked, slr, dat int
	legacy, cross             int
	services                  map[string]bool
}

func (t *tally) add(rec *Record, dup bool) {
	t.records++
	if dup {
		t.dups++
		return
	}
	t.kinds[rec.Kind]++
	if rec.Kind != KindCounted {
		return
	}
	if rec.ErrorCode != "" {
		t.denied++
	}
	if rec.InvokedBy != "" {
		t.invoked++
	}
	if rec.ServiceLinked {
		t.slr++
	}
	if rec.Data {
		t.dat++
	}
	if rec.category == "" {
		t.legacy++
	}
	if rec.AccountID != rec.RecipientAccountID {
		t.cross++
	}
	if t.services == nil {
		t.services = map[string]bool{}
	}
	t.services[rec.Namespace] = true
}

func (g *generator) manifest(tallies []tally) Manifest {
	m := Manifest{OrganizationID: g.org.Organization.ID, Skipped: map[string]int{}}
	services := map[string]bool{}
	var kinds [numKinds]int
	for _, t := range tallies {
		m.Files += t.files
		m.DigestFiles += t.digests
		m.Bytes += t.bytes
		m.Records += t.records
		m.Duplicates += t.dups
		m.AccessDenied += t.denied
		m.InvokedBy += t.invoked
		m.ServiceLinked += t.slr
		m.DataEvents += t.dat
		m.Legacy += t.legacy
		m.CrossAccount += t.cross
		for k, n := range t.kinds {
			kinds[k] += n
		}
		if t.kinds[KindCounted] > 0 {
			m.Accounts++
		}
		for ns := range t.services {
			services[ns] = true
		}
	}
	m.Counted = kinds[KindCounted]
	for _, k := range Kinds()[1:] {
		m.Skipped[k.String()] = kinds[k]
	}
	m.Services = len(services)
	return m
}

// ErrExists is returned by WriteExport when the directory already holds an
// AWSLogs tree: exports are not mixed.
var ErrExists = errors.New("gen: export directory already holds AWSLogs")

// WriteExport writes the CloudTrail export of the Config under dir (created
// if needed): AWSLogs/[<o-id>/]<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/
// <account>_CloudTrail_<region>_<yyyymmddThhmmZ>_<16 alnum>.json.gz and the
// matching CloudTrail-Digest files. It does not write the organization (see
// Organization and Org.WriteOrgJSON). The output is the same for any
// number of Workers.
func WriteExport(cfg Config, dir string) (Manifest, error) {
	g, err := newGenerator(cfg)
	if err != nil {
		return Manifest{}, err
	}
	if _, err := os.Stat(filepath.Join(dir, "AWSLogs")); err == nil {
		return Manifest{}, fmt.Errorf("%w: %s", ErrExists, filepath.Join(dir, "AWSLogs"))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Manifest{}, fmt.Errorf("gen: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Manifest{}, fmt.Errorf("gen: %w", err)
	}

	n := len(g.shape.accounts)
	tallies := make([]tally, n)
	errs := make([]error, n)
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range min(g.cfg.Workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWriter(g, dir)
			for !failed.Load() {
				ai := int(next.Add(1) - 1)
				if ai >= n {
					return
				}
				if err := w.writeAccount(ai, &tallies[ai]); err != nil {
					errs[ai] = err
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Manifest{}, err
	}
	return g.manifest(tallies), nil
}

// writer is one worker's state: reused buffers and gzip writer.
type writer struct {
	g    *generator
	dir  string
	buf  []byte
	gzb  bytes.Buffer
	gz   *gzip.Writer
	dirs map[string]bool
	// chain is the previous digest file of the stream being written.
	chain digestChain
}

func newWriter(g *generator, dir string) *writer {
	return &writer{g: g, dir: dir, gz: gzip.NewWriter(nil), dirs: map[string]bool{}}
}

// writeAccount plans an account and writes its log and digest files. A
// panic becomes an error: no goroutine's panic escapes the package.
func (w *writer) writeAccount(ai int, t *tally) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("gen: account %d: panic: %v", ai, p)
		}
	}()
	p := w.g.planAccount(ai)
	var stream []logFileInfo
	for fi := range p.files {
		f := &p.files[fi]
		info, err := w.writeLog(p, f, t)
		if err != nil {
			return err
		}
		stream = append(stream, info)
		lastOfStream := fi+1 == len(p.files) || p.files[fi+1].region != f.region
		if !w.g.cfg.NoDigests && (lastOfStream || len(stream) == digestBatch) {
			if err := w.writeDigests(ai, f.region, stream, t); err != nil {
				return err
			}
			stream = stream[:0]
		}
		if lastOfStream {
			w.resetDigestChain()
		}
	}
	return nil
}

// logFileInfo is what a digest file records about a log file.
type logFileInfo struct {
	path           string
	at             int64
	hash           [32]byte
	oldest, newest int64
}

func (w *writer) writeLog(p *accountPlan, f *filePlan, t *tally) (logFileInfo, error) {
	nd := w.g.cfg.NDJSON
	b := w.buf[:0]
	if !nd {
		b = append(b, `{"Records":[`...)
	}
	info := logFileInfo{path: f.path, at: f.at, oldest: 1<<63 - 1, newest: -1 << 63}
	for i, k := range f.recs {
		rec := &p.recs[max(k, ^k)]
		if i > 0 && !nd {
			b = append(b, ',')
		}
		b = rec.AppendJSON(b)
		if nd {
			b = append(b, '\n')
		}
		t.add(rec, k < 0)
		info.oldest, info.newest = min(info.oldest, rec.unix), max(info.newest, rec.unix)
	}
	if !nd {
		b = append(b, "]}"...)
	}
	w.buf = b
	if !w.g.cfg.NoDigests {
		info.hash = sha256.Sum256(b)
	}
	out := b
	if !w.g.cfg.Uncompressed {
		var err error
		if out, err = w.compress(b); err != nil {
			return info, err
		}
	}
	if err := w.writeFile(f.path, out); err != nil {
		return info, err
	}
	t.files++
	t.bytes += int64(len(out))
	return info, nil
}

func (w *writer) compress(b []byte) ([]byte, error) {
	w.gzb.Reset()
	w.gz.Reset(&w.gzb)
	if _, err := w.gz.Write(b); err != nil {
		return nil, fmt.Errorf("gen: gzip: %w", err)
	}
	if err := w.gz.Close(); err != nil {
		return nil, fmt.Errorf("gen: gzip: %w", err)
	}
	return w.gzb.Bytes(), nil
}

func (w *writer) writeFile(rel string, data []byte) error {
	full := filepath.Join(w.dir, filepath.FromSlash(rel))
	if d := filepath.Dir(full); !w.dirs[d] {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("gen: %w", err)
		}
		w.dirs[d] = true
	}
	if err := os.WriteFile(full, data, 0o644); err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	return nil
}

// digestBatch is the number of log files one digest file covers at most.
const digestBatch = 50

// Digest files chain within a stream (account and region).
type digestChain struct {
	at   int64
	path string
	hash string
	sig  string
}

func (w *writer) resetDigestChain() { w.chain = digestChain{} }

// WriteNDJSON writes the records of the export to w as one NDJSON stream
// (one record per line, in export order, duplicates included), as an ingest
// reading stdin ("-") receives them. The Manifest counts no files.
func WriteNDJSON(cfg Config, w io.Writer) (Manifest, error) {
	g, err := newGenerator(cfg)
	if err != nil {
		return Manifest{}, err
	}
	tallies := make([]tally, len(g.shape.accounts))
	bw := bufio.NewWriterSize(w, 1<<16)
	var b []byte
	for ai := range g.shape.accounts {
		p := g.planAccount(ai)
		for _, f := range p.files {
			for _, k := range f.recs {
				rec := &p.recs[max(k, ^k)]
				b = append(rec.AppendJSON(b[:0]), '\n')
				if _, err := bw.Write(b); err != nil {
					return Manifest{}, fmt.Errorf("gen: %w", err)
				}
				tallies[ai].add(rec, k < 0)
				tallies[ai].bytes += int64(len(b))
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return Manifest{}, fmt.Errorf("gen: %w", err)
	}
	return g.manifest(tallies), nil
}
